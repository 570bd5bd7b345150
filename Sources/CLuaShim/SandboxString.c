// The string library of the sandbox: no dump, our own pattern matching (SandboxPattern.c), and a
// string.rep that neither loops for ever on empty pieces nor starts a copy the heap cannot hold.
#include "shim_internal.h"
#include <string.h>

static int string_rep(lua_State *L) {
    size_t length, separator_length;
    const char *s = luaL_checklstring(L, 1, &length);
    lua_Integer n = luaL_checkinteger(L, 2);
    const char *separator = luaL_optlstring(L, 3, "", &separator_length);
    /* rep("", math.maxinteger) would copy nothing math.maxinteger times. */
    if (n <= 0 || length + separator_length == 0) { lua_pushliteral(L, ""); return 1; }
    size_t piece = length + separator_length;
    if (piece < length || piece > (size_t)LUA_MAXINTEGER / (size_t)n) return luaL_error(L, "resulting string too large");
    size_t total = (size_t)n * length + (size_t)(n - 1) * separator_length;
    lantern_state *state = shim_state(L);
    if (state->limit != 0 && state->enforcing && total > state->limit - (state->used < state->limit ? state->used : state->limit)) {
        /* It cannot fit: fail now, as the allocator would, instead of after a long copy. */
        atomic_store(&state->memory_exceeded, 1);
        shim_check_limits(L);
    }
    luaL_Buffer buffer;
    char *out = luaL_buffinitsize(L, &buffer, total);
    for (lua_Integer i = 0; i < n; i++) {
        memcpy(out, s, length);
        out += length;
        if (separator_length > 0 && i + 1 < n) {
            memcpy(out, separator, separator_length);
            out += separator_length;
        }
        if ((i & 0xFFFF) == 0xFFFF) shim_check_limits(L);
    }
    luaL_pushresultsize(&buffer, total);
    return 1;
}

static int string_dump_unavailable(lua_State *L) {
    return luaL_error(L, "string.dump is not available in the sandbox");
}

void shim_install_string(lua_State *L) {
    static const luaL_Reg functions[] = {
        {"rep", string_rep}, {"find", shim_str_find}, {"match", shim_str_match},
        {"gmatch", shim_str_gmatch}, {"gsub", shim_str_gsub}, {"dump", string_dump_unavailable},
        {NULL, NULL},
    };
    /* The string table is also the __index of the string metatable, so methods change with it. */
    lua_getglobal(L, "string");
    luaL_setfuncs(L, functions, 0);
    lua_pop(L, 1);
}
