// Metatables in the sandbox: no __gc (finalizers run with hooks off, also at lua_close), no __mode
// (Debian's 5.4.4 has a weak-table use-after-free under memory pressure), no string metatable.
//
// Refusing the fields at setmetatable is not enough: a script can write `mt.__mode = "k"` into a
// metatable afterwards, and the collector reads the field on every cycle. So every table that
// becomes a metatable is guarded from then on, by its own real metatable:
//  - one with no metatable of its own gets the hidden guard metatable, whose __newindex refuses the
//    two fields (a new key always goes through __newindex; getmetatable never shows the guard);
//  - one that has a metatable of its own (class inheritance) gets a hidden proxy standing for the
//    script's metatable (SandboxInheritance.c), whose __newindex refuses them too;
//  - one whose metatable is the host's (read-only tables, the globals) is guarded by the host's;
//  - rawset refuses the two fields everywhere.
#include "shim_internal.h"
#include <string.h>

static const char GUARD_KEY = 0;         /* in the registry: the shared guard metatable */
static const char HOST_METATABLE_KEY = 0; /* in a metatable the host made: true */

const char *shim_forbidden_field(lua_State *L, int key) {
    if (lua_type(L, key) != LUA_TSTRING) return NULL;
    const char *name = lua_tostring(L, key);
    if (strcmp(name, "__gc") == 0) return "__gc metamethods are not available in the sandbox";
    if (strcmp(name, "__mode") == 0) return "weak tables (__mode) are not available in the sandbox";
    return NULL;
}

void shim_mark_host_metatable(lua_State *L, int metatable) {
    metatable = lua_absindex(L, metatable);
    lua_pushboolean(L, 1);
    lua_rawsetp(L, metatable, &HOST_METATABLE_KEY);
}

/* What stands behind a table's real metatable. */
enum real_metatable { NO_METATABLE, GUARD, PROXY, HOST, SCRIPT };

static enum real_metatable real_metatable(lua_State *L, int table) {
    if (!lua_getmetatable(L, table)) return NO_METATABLE;
    enum real_metatable kind = SCRIPT;
    lua_rawgetp(L, LUA_REGISTRYINDEX, &GUARD_KEY);
    if (lua_rawequal(L, -1, -2)) kind = GUARD;
    else if (lua_rawgetp(L, -2, &HOST_METATABLE_KEY) != LUA_TNIL) kind = HOST;
    else if (shim_proxied_metatable(L, -3)) kind = PROXY;
    lua_settop(L, lua_gettop(L) - (kind == PROXY ? 4 : kind == GUARD ? 2 : 3));
    return kind;
}

int shim_user_metatable(lua_State *L, int index) {
    if (!lua_getmetatable(L, index)) return 0;
    lua_rawgetp(L, LUA_REGISTRYINDEX, &GUARD_KEY);
    int guard = lua_rawequal(L, -1, -2);
    lua_pop(L, guard ? 2 : 1);
    if (guard) return 0;
    if (shim_proxied_metatable(L, -1)) lua_remove(L, -2);
    return 1;
}

/* The guard's __newindex(t, k, v): a new key goes in raw unless it is one of the two. */
static int guard_newindex(lua_State *L) {
    const char *refusal = shim_forbidden_field(L, 2);
    if (refusal) return luaL_error(L, "%s", refusal);
    lua_settop(L, 3);
    lua_rawset(L, 1);
    return 0;
}

/* From now on nothing may add __gc or __mode to `table`, which is becoming a metatable. */
static void guard_metatable(lua_State *L, int table) {
    table = lua_absindex(L, table);
    switch (real_metatable(L, table)) {
    case NO_METATABLE:
        lua_rawgetp(L, LUA_REGISTRYINDEX, &GUARD_KEY);
        lua_setmetatable(L, table);
        break;
    case SCRIPT:
        lua_getmetatable(L, table);
        shim_set_proxied_metatable(L, table, -1);
        lua_pop(L, 1);
        break;
    case GUARD: case PROXY: case HOST:
        break;
    }
}

static int sandbox_setmetatable(lua_State *L) {
    int type = lua_type(L, 2);
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_argexpected(L, type == LUA_TNIL || type == LUA_TTABLE, 2, "nil or table");
    lua_settop(L, 2);
    /* The collector and the finalizer check read these raw, so that is how they are looked for. */
    if (type == LUA_TTABLE) {
        lua_pushliteral(L, "__gc");
        if (lua_rawget(L, 2) != LUA_TNIL) return luaL_error(L, "__gc metamethods are not available in the sandbox");
        lua_pushliteral(L, "__mode");
        if (lua_rawget(L, 2) != LUA_TNIL) return luaL_error(L, "weak tables (__mode) are not available in the sandbox");
        lua_pop(L, 2);
    }
    if (shim_user_metatable(L, 1)) {
        if (lua_rawgetp(L, -1, &HOST_METATABLE_KEY) != LUA_TNIL) return luaL_error(L, "cannot change a protected metatable");
        lua_pushliteral(L, "__metatable");
        if (lua_rawget(L, -3) != LUA_TNIL) return luaL_error(L, "cannot change a protected metatable");
        lua_pop(L, 3);
    }

    if (type == LUA_TTABLE) guard_metatable(L, 2);   /* first: it may be the target itself */
    enum real_metatable target = real_metatable(L, 1);
    int target_is_metatable = target == GUARD || target == PROXY;
    if (type == LUA_TNIL) {
        /* A metatable keeps its guard, and shows no metatable. */
        if (target_is_metatable) lua_rawgetp(L, LUA_REGISTRYINDEX, &GUARD_KEY);
        else lua_pushnil(L);
        lua_setmetatable(L, 1);
    } else if (target_is_metatable) {
        shim_set_proxied_metatable(L, 1, 2);
    } else {
        lua_pushvalue(L, 2);
        lua_setmetatable(L, 1);
    }
    lua_settop(L, 1);
    return 1;
}

static int sandbox_getmetatable(lua_State *L) {
    luaL_checkany(L, 1);
    if (lua_type(L, 1) == LUA_TSTRING) return luaL_error(L, "the string metatable is not available in the sandbox");
    if (!shim_user_metatable(L, 1)) { lua_pushnil(L); return 1; }
    lua_pushliteral(L, "__metatable");
    if (lua_rawget(L, -2) != LUA_TNIL) return 1;
    lua_pop(L, 1);
    return 1;
}

static int sandbox_rawset(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_checkany(L, 2);
    luaL_checkany(L, 3);
    const char *refusal = shim_forbidden_field(L, 2);
    if (refusal) return luaL_error(L, "rawset: %s", refusal);
    /* A read-only proxy is an empty table whose metatable reads through to the host's table: a raw
       write would land in the proxy and shadow what the host put there (crm.customers, say). */
    if (shim_is_readonly_proxy(L, 1)) return luaL_error(L, "rawset: attempt to modify a read-only table");
    lua_pushglobaltable(L);
    int globals = lua_rawequal(L, 1, -1);
    lua_pop(L, 1);
    if (globals && shim_is_fixed_global(L, 2)) return luaL_error(L, "rawset: the global '%s' is read-only", lua_tostring(L, 2));
    lua_settop(L, 3);
    lua_rawset(L, 1);
    return 1;
}

void shim_install_metatables(lua_State *L) {
    lua_createtable(L, 0, 1);
    lua_pushcfunction(L, guard_newindex);
    lua_setfield(L, -2, "__newindex");
    lua_rawsetp(L, LUA_REGISTRYINDEX, &GUARD_KEY);

    lua_pushglobaltable(L);
    static const luaL_Reg functions[] = {
        {"setmetatable", sandbox_setmetatable}, {"getmetatable", sandbox_getmetatable},
        {"rawset", sandbox_rawset}, {NULL, NULL},
    };
    luaL_setfuncs(L, functions, 0);
    lua_pop(L, 1);
}
