// The sandbox's environment (plugin-api.md section 6): which globals exist, the base functions that
// had to be replaced so that limits hold (pcall, xpcall; metatables are SandboxMetatable.c's), read-only host tables, and globals a script can read but never assign.
#include "shim_internal.h"
#include <lualib.h>
#include <stdio.h>
#include <string.h>

/* Registry and metatable keys only C can make: the addresses of these. */
static const char READONLY_KEY = 0;   /* in a proxy's metatable: the table behind it */
static const char FIXED_KEY = 0;      /* in the registry: globals scripts read but never assign */
static const char REMOVED_KEY = 0;    /* in the registry: names whose use raises a clear error */

/* ---- pcall and xpcall: a limit is never caught ------------------------------------------ */

static int finish_pcall(lua_State *L, int status, lua_KContext extra) {
    if (shim_limit_hit(L)) shim_check_limits(L);
    if (status != LUA_OK && status != LUA_YIELD) {
        lua_pushboolean(L, 0);
        lua_pushvalue(L, -2);
        return 2;
    }
    return lua_gettop(L) - (int)extra;
}

static int sandbox_pcall(lua_State *L) {
    luaL_checkany(L, 1);
    shim_check_c_stack(L);
    lua_pushboolean(L, 1);
    lua_insert(L, 1);
    int status = lua_pcallk(L, lua_gettop(L) - 2, LUA_MULTRET, 0, 0, finish_pcall);
    return finish_pcall(L, status, 0);
}

/* Lua runs a message handler at the raise point with hooks off, where the deadline cannot reach it.
   Here the handler runs after the stack unwound, as an ordinary call the hooks do reach. */
static int finish_xpcall(lua_State *L, int status, lua_KContext extra) {
    if (shim_limit_hit(L)) shim_check_limits(L);
    if (status != LUA_OK && status != LUA_YIELD) {
        lua_pushvalue(L, 2);          /* the handler */
        lua_pushvalue(L, -2);         /* the error */
        if (lua_pcall(L, 1, 1, 0) != LUA_OK && shim_limit_hit(L)) shim_check_limits(L);
        lua_pushboolean(L, 0);
        lua_insert(L, -2);
        return 2;
    }
    return lua_gettop(L) - (int)extra;
}

static int sandbox_xpcall(lua_State *L) {
    int n = lua_gettop(L);
    luaL_checktype(L, 2, LUA_TFUNCTION);
    shim_check_c_stack(L);
    lua_pushboolean(L, 1);            /* results start at index n + 1 */
    lua_pushvalue(L, 1);
    lua_rotate(L, 3, 2);              /* f, handler, true, f, args... */
    int status = lua_pcallk(L, n - 2, LUA_MULTRET, 0, 2, finish_xpcall);
    return finish_xpcall(L, status, 2);
}

/* ---- collectgarbage("count") only (load is SandboxLoad.c's) ------------------------------- */

static int sandbox_collectgarbage(lua_State *L) {
    const char *option = luaL_optstring(L, 1, "collect");
    if (strcmp(option, "count") != 0)
        return luaL_error(L, "collectgarbage(\"%s\") is not available in the sandbox (only \"count\")", option);
    int kb = lua_gc(L, LUA_GCCOUNT, 0);
    int bytes = lua_gc(L, LUA_GCCOUNTB, 0);
    lua_pushnumber(L, (lua_Number)kb + ((lua_Number)bytes / 1024));
    return 1;
}

/* A function that only raises: what removed names turn into where a table must stay (string.dump). */
static int unavailable(lua_State *L) {
    return luaL_error(L, "%s is not available in the sandbox", lua_tostring(L, lua_upvalueindex(1)));
}

static void set_unavailable(lua_State *L, int table, const char *field, const char *name) {
    table = lua_absindex(L, table);
    lua_pushstring(L, name);
    lua_pushcclosure(L, unavailable, 1);
    lua_setfield(L, table, field);
}

/* ---- Globals: fixed names and removed names ---------------------------------------------- */

static int globals_index(lua_State *L) {
    lua_rawgetp(L, LUA_REGISTRYINDEX, &FIXED_KEY);
    lua_pushvalue(L, 2);
    if (lua_rawget(L, -2) != LUA_TNIL) return 1;
    lua_rawgetp(L, LUA_REGISTRYINDEX, &REMOVED_KEY);
    lua_pushvalue(L, 2);
    if (lua_rawget(L, -2) != LUA_TNIL)
        return luaL_error(L, "'%s' is not available in the sandbox", lua_tostring(L, 2));
    lua_pushnil(L);
    return 1;
}

static int globals_newindex(lua_State *L) {
    /* The globals table may serve as a script's metatable too. */
    const char *refusal = shim_forbidden_field(L, 2);
    if (refusal) return luaL_error(L, "%s", refusal);
    lua_rawgetp(L, LUA_REGISTRYINDEX, &FIXED_KEY);
    lua_pushvalue(L, 2);
    if (lua_rawget(L, -2) != LUA_TNIL) return luaL_error(L, "the global '%s' is read-only", lua_tostring(L, 2));
    lua_settop(L, 3);
    lua_rawset(L, 1);
    return 0;
}

static int fix_global(lua_State *L) {
    /* upvalue-free: the name is at 1, the value at 2 */
    lua_rawgetp(L, LUA_REGISTRYINDEX, &FIXED_KEY);
    lua_pushvalue(L, 1);
    lua_pushvalue(L, 2);
    lua_rawset(L, -3);
    /* A fixed name must not also stand in the globals table itself, or it would shadow the fixed one. */
    lua_pushglobaltable(L);
    lua_pushvalue(L, 1);
    lua_pushnil(L);
    lua_rawset(L, -3);
    return 0;
}

int lantern_fix_global(lantern_state *state, const char *name) {
    lua_State *L = state->L;
    lua_pushcfunction(L, fix_global);
    lua_pushstring(L, name);
    lua_rotate(L, -3, 2);               /* fix_global, name, value */
    int status = lua_pcall(L, 2, 0, 0);
    return status;
}

/* ---- Read-only proxies ------------------------------------------------------------------- */

static int readonly_newindex(lua_State *L) {
    return luaL_error(L, "attempt to modify a read-only table");
}

static int readonly_len(lua_State *L) {
    lua_getmetatable(L, 1);
    lua_rawgetp(L, -1, &READONLY_KEY);
    lua_pushinteger(L, (lua_Integer)lua_rawlen(L, -1));
    return 1;
}

/* The iterator of a proxy's pairs: the next entry of the table behind the proxy, whose nested
   tables are proxies themselves. It is handed the proxy, never the table behind it (which a
   script could write through). */
static int readonly_next(lua_State *L) {
    lua_settop(L, 2);
    if (lua_type(L, 1) != LUA_TTABLE || !lua_getmetatable(L, 1) || lua_rawgetp(L, -1, &READONLY_KEY) != LUA_TTABLE)
        return luaL_error(L, "bad argument #1 to the iterator of a read-only table");
    lua_pushvalue(L, 2);
    if (lua_next(L, -2)) return 2;
    lua_pushnil(L);
    return 1;
}

static int readonly_pairs(lua_State *L) {
    lua_pushcfunction(L, readonly_next);
    lua_pushvalue(L, 1);
    lua_pushnil(L);
    return 3;
}

int shim_is_readonly_proxy(lua_State *L, int index) {
    if (lua_type(L, index) != LUA_TTABLE || !lua_getmetatable(L, index)) return 0;
    int proxy = lua_rawgetp(L, -1, &READONLY_KEY) == LUA_TTABLE;
    lua_pop(L, 2);
    return proxy;
}

int shim_is_fixed_global(lua_State *L, int key) {
    key = lua_absindex(L, key);
    lua_rawgetp(L, LUA_REGISTRYINDEX, &FIXED_KEY);
    lua_pushvalue(L, key);
    int fixed = lua_rawget(L, -2) != LUA_TNIL;
    lua_pop(L, 2);
    return fixed;
}

/* Turns the table at the top into a proxy, after turning its nested tables into proxies in place. */
static void make_readonly(lua_State *L, int depth) {
    if (depth > 32) luaL_error(L, "read-only table nested too deeply");
    int table = lua_gettop(L);
    lua_pushnil(L);
    while (lua_next(L, table)) {
        if (lua_type(L, -1) == LUA_TTABLE) {
            lua_pushvalue(L, -2);          /* key */
            lua_insert(L, -2);             /* key, key, value */
            make_readonly(L, depth + 1);   /* key, key, proxy */
            lua_rawset(L, table);          /* key */
        } else {
            lua_pop(L, 1);
        }
    }
    lua_newtable(L);                        /* the proxy */
    lua_createtable(L, 0, 6);               /* its metatable */
    static const luaL_Reg metamethods[] = {
        {"__newindex", readonly_newindex}, {"__len", readonly_len}, {"__pairs", readonly_pairs}, {NULL, NULL},
    };
    luaL_setfuncs(L, metamethods, 0);
    lua_pushvalue(L, table);
    lua_setfield(L, -2, "__index");
    lua_pushliteral(L, "read-only");
    lua_setfield(L, -2, "__metatable");
    lua_pushvalue(L, table);
    lua_rawsetp(L, -2, &READONLY_KEY);
    shim_mark_host_metatable(L, -1);
    lua_setmetatable(L, -2);
    lua_replace(L, table);
}

static int make_readonly_protected(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    make_readonly(L, 0);
    return 1;
}

int lantern_make_readonly(lantern_state *state) {
    lua_State *L = state->L;
    lua_pushcfunction(L, make_readonly_protected);
    lua_insert(L, -2);
    return lua_pcall(L, 1, 1, 0);
}

void lantern_push_unwrapped(lua_State *L, int index) {
    index = lua_absindex(L, index);
    if (lua_type(L, index) == LUA_TTABLE && lua_getmetatable(L, index)) {
        if (lua_rawgetp(L, -1, &READONLY_KEY) == LUA_TTABLE) {
            lua_remove(L, -2);
            return;
        }
        lua_pop(L, 2);
    }
    lua_pushvalue(L, index);
}

/* ---- math.random, seeded per invocation --------------------------------------------------- */

static int sandbox_random(lua_State *L) {
    lantern_state *state = shim_state(L);
    if (state->seed_pending) {
        state->seed_pending = 0;
        lua_pushvalue(L, lua_upvalueindex(2));
        lua_pushinteger(L, state->seed);
        lua_call(L, 1, 0);
    }
    int n = lua_gettop(L);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, n, LUA_MULTRET);
    return lua_gettop(L);
}

/* ---- Building the environment ------------------------------------------------------------ */

static const char *const REMOVED_GLOBALS[] = {
    "io", "debug", "package", "dofile", "loadfile", "warn", "require", "print", NULL,
};

static const char *const REMOVED_OS[] = {
    "execute", "exit", "getenv", "remove", "rename", "tmpname", "setlocale", NULL,
};

static int open_sandbox(lua_State *L) {
    lua_pushglobaltable(L);
    int globals = lua_gettop(L);

    lua_newtable(L);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &FIXED_KEY);
    lua_newtable(L);
    for (const char *const *name = REMOVED_GLOBALS; *name; name++) {
        lua_pushboolean(L, 1);
        lua_setfield(L, -2, *name);
        lua_pushnil(L);
        lua_setfield(L, globals, *name);
    }
    lua_rawsetp(L, LUA_REGISTRYINDEX, &REMOVED_KEY);

    static const luaL_Reg base[] = {
        {"pcall", sandbox_pcall}, {"xpcall", sandbox_xpcall}, {"collectgarbage", sandbox_collectgarbage},
        {NULL, NULL},
    };
    luaL_setfuncs(L, base, 0);   /* into the globals table, on the stack top */
    lua_pushcfunction(L, shim_sandbox_load);
    lua_setfield(L, globals, "load");

    lua_getfield(L, globals, "math");
    lua_getfield(L, -1, "random");
    lua_getfield(L, -2, "randomseed");
    lua_pushcclosure(L, sandbox_random, 2);
    lua_setfield(L, -2, "random");
    lua_pop(L, 1);

    /* os: clock and difftime stay; the host replaces time and date with its clock and time zone. */
    lua_getfield(L, globals, "os");
    for (const char *const *name = REMOVED_OS; *name; name++) {
        char qualified[32];
        snprintf(qualified, sizeof qualified, "os.%s", *name);
        set_unavailable(L, -1, *name, qualified);
    }
    lua_pop(L, 1);

    shim_install_metatables(L);
    shim_install_string(L);
    shim_install_table(L);
    shim_install_coroutine(L);

    /* Globals scripts read but never assign, and removed names that raise a clear error. */
    lua_createtable(L, 0, 3);
    static const luaL_Reg guards[] = { {"__index", globals_index}, {"__newindex", globals_newindex}, {NULL, NULL} };
    luaL_setfuncs(L, guards, 0);
    lua_pushliteral(L, "protected");
    lua_setfield(L, -2, "__metatable");
    shim_mark_host_metatable(L, -1);
    lua_setmetatable(L, globals);
    return 0;
}

int lantern_open_sandbox(lantern_state *state) {
    lua_pushcfunction(state->L, open_sandbox);
    return lua_pcall(state->L, 0, 0, 0);
}
