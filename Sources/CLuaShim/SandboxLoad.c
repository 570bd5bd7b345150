// Compiling under the budget. Lua's parser runs in C with no hook, so the deadline cannot reach
// it; what it can reach is the reader the parser pulls its text from. Every compile (the host's
// loading of main.lua and lib/ modules, the sandbox's `load`, and so `require`) hands the parser
// its text in pieces of SHIM_LOAD_PIECE bytes and checks the limits before each piece. The
// parser's work per byte is bounded (its worst case, resolving a label against every pending
// goto, is a few hundred thousand comparisons per piece at the 1 MiB cap), so a compile stops
// within a few milliseconds of its deadline however its source is built. Every compiled chunk
// then goes through the check of SandboxCompiled.c (the cover of 5.4.4's code-generation bugs).
#include "shim_internal.h"
#include <string.h>

/* The stack slot that keeps a reader function's latest string alive while the parser reads it
   (above load's four arguments, as Lua's own load does). */
#define READER_SLOT 5

/* Where the parser's text comes from: a block of memory, or the script's reader function (at
   stack index 1), whose strings are handed on in pieces too. */
typedef struct {
    int from_function;
    const char *next;
    size_t left;
    size_t total;   /* bytes the reader function returned so far */
} LoadSource;

static const char *read_piece(lua_State *L, void *data, size_t *size) {
    LoadSource *source = data;
    shim_check_limits(L);
    if (source->left == 0 && source->from_function) {
        luaL_checkstack(L, 2, "too many nested functions");
        lua_pushvalue(L, 1);
        lua_call(L, 0, 1);
        if (lua_isnil(L, -1)) {
            lua_pop(L, 1);
            *size = 0;
            return NULL;
        }
        if (!lua_isstring(L, -1)) luaL_error(L, "reader function must return a string");
        lua_replace(L, READER_SLOT);
        source->next = lua_tolstring(L, READER_SLOT, &source->left);
        /* Counted as it arrives: a reader function is held to the same cap as a string. */
        if (source->left > SHIM_MAX_CHUNK - source->total)
            luaL_error(L, "load: the reader function returned more than the sandbox's %d bytes", SHIM_MAX_CHUNK);
        source->total += source->left;
        shim_check_limits(L);
    }
    if (source->left == 0) { *size = 0; return NULL; }
    size_t n = source->left < SHIM_LOAD_PIECE ? source->left : SHIM_LOAD_PIECE;
    const char *piece = source->next;
    source->next += n;
    source->left -= n;
    *size = n;
    return piece;
}

/* "t" everywhere: text only, so a plugin can never feed precompiled bytecode to the VM. Then the
   cover of 5.4.4's code-generation bugs (SandboxCompiled.c). */
static int load_checked(lua_State *L, LoadSource *source, const char *chunkname) {
    int status = lua_load(L, read_piece, source, chunkname, "t");
    return status == LUA_OK ? shim_fix_compiled(L) : status;
}

int shim_load_text(lua_State *L, const char *code, size_t length, const char *chunkname) {
    LoadSource source = { 0, code, length, 0 };
    return load_checked(L, &source, chunkname);
}

/* ---- The sandbox's load ------------------------------------------------------------------ */

int shim_sandbox_load(lua_State *L) {
    LoadSource source = { 0, NULL, 0, 0 };
    const char *chunkname;
    if (lua_type(L, 1) == LUA_TSTRING) {
        source.next = lua_tolstring(L, 1, &source.left);
        if (source.left > SHIM_MAX_CHUNK)
            return luaL_error(L, "load: chunk of %d bytes is larger than the sandbox's %d", (int)source.left, SHIM_MAX_CHUNK);
        chunkname = luaL_optstring(L, 2, source.next);
    } else {
        luaL_checktype(L, 1, LUA_TFUNCTION);
        source.from_function = 1;
        chunkname = luaL_optstring(L, 2, "=(load)");
    }
    const char *mode = luaL_optstring(L, 3, "t");
    if (strchr(mode, 'b') != NULL) return luaL_error(L, "load: binary chunks are not available in the sandbox");
    int has_env = !lua_isnone(L, 4);
    lua_settop(L, READER_SLOT);
    int status = load_checked(L, &source, chunkname);
    /* A limit hit while compiling (or inside the reader function) ends the invocation; it is
       never handed to the script as load's (nil, message). */
    if (shim_limit_hit(L)) shim_check_limits(L);
    if (status != LUA_OK) {
        luaL_pushfail(L);
        lua_insert(L, -2);
        return 2;
    }
    if (has_env) {
        lua_pushvalue(L, 4);
        if (!lua_setupvalue(L, -2, 1)) lua_pop(L, 1);
    }
    return 1;
}
