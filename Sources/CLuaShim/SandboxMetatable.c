// Metatables in the sandbox: no __gc (finalizers run with hooks off, also at lua_close), no __mode
// (Debian's 5.4.4 has a weak-table use-after-free under memory pressure), no string metatable.
//
// Refusing the fields at setmetatable is not enough: a script can write `mt.__mode = "k"` into a
// metatable afterwards, and the collector reads the field on every cycle. So every table that
// becomes a metatable is guarded from then on:
//  - one with no metatable of its own gets a hidden guard metatable whose __newindex refuses the
//    two fields (a new key always goes through __newindex; getmetatable never shows the guard);
//  - rawset refuses the two fields everywhere;
//  - one that has a metatable of its own (class inheritance: setmetatable(Dog, {__index = Animal}))
//    cannot carry the guard, so it is watched: after every call the host looks for a __mode in the
//    watched tables, removes it, and fails the call; the state is then discarded.
#include "shim_internal.h"
#include <string.h>

static const char GUARD_KEY = 0;     /* in the registry: the shared guard metatable */
static const char WATCHED_KEY = 0;   /* in the registry: the watched metatables (a set, strong keys) */

/* Enough for any class hierarchy; a script making more is refused rather than slowing every call. */
#define SANDBOX_MAX_WATCHED 10000

/* The refusal for a key that must never be written into a metatable, or NULL. */
static const char *forbidden_field(lua_State *L, int key) {
    if (lua_type(L, key) != LUA_TSTRING) return NULL;
    const char *name = lua_tostring(L, key);
    if (strcmp(name, "__gc") == 0) return "__gc metamethods are not available in the sandbox";
    if (strcmp(name, "__mode") == 0) return "weak tables (__mode) are not available in the sandbox";
    return NULL;
}

static int is_guard(lua_State *L, int index) {
    index = lua_absindex(L, index);
    lua_rawgetp(L, LUA_REGISTRYINDEX, &GUARD_KEY);
    int same = lua_rawequal(L, index, -1);
    lua_pop(L, 1);
    return same;
}

/* The guard's __newindex(t, k, v): a new key goes in raw unless it is one of the two. */
static int guard_newindex(lua_State *L) {
    const char *refusal = forbidden_field(L, 2);
    if (refusal) return luaL_error(L, "%s", refusal);
    lua_settop(L, 3);
    lua_rawset(L, 1);
    return 0;
}

static int is_watched(lua_State *L, int table) {
    table = lua_absindex(L, table);
    lua_rawgetp(L, LUA_REGISTRYINDEX, &WATCHED_KEY);
    lua_pushvalue(L, table);
    int watched = lua_rawget(L, -2) != LUA_TNIL;
    lua_pop(L, 2);
    return watched;
}

static void watch(lua_State *L, int table) {
    table = lua_absindex(L, table);
    lantern_state *state = shim_state(L);
    lua_rawgetp(L, LUA_REGISTRYINDEX, &WATCHED_KEY);
    lua_pushvalue(L, table);
    if (lua_rawget(L, -2) == LUA_TNIL) {
        if (state->watched_count >= SANDBOX_MAX_WATCHED)
            luaL_error(L, "too many metatables that have metatables of their own (at most %d)", SANDBOX_MAX_WATCHED);
        lua_pushvalue(L, table);
        lua_pushboolean(L, 1);
        lua_rawset(L, -4);
        state->watched_count++;
    }
    lua_pop(L, 2);
}

/* From now on nothing may add __gc or __mode to `table`, which is becoming a metatable. */
static void guard_metatable(lua_State *L, int table) {
    table = lua_absindex(L, table);
    if (!lua_getmetatable(L, table)) {
        lua_rawgetp(L, LUA_REGISTRYINDEX, &GUARD_KEY);
        lua_setmetatable(L, table);
        return;
    }
    int guarded = is_guard(L, -1);
    lua_pop(L, 1);
    if (!guarded) watch(L, table);
}

static int sandbox_setmetatable(lua_State *L) {
    int type = lua_type(L, 2);
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_argexpected(L, type == LUA_TNIL || type == LUA_TTABLE, 2, "nil or table");
    if (type == LUA_TTABLE) {
        if (lua_getfield(L, 2, "__gc") != LUA_TNIL) return luaL_error(L, "__gc metamethods are not available in the sandbox");
        if (lua_getfield(L, 2, "__mode") != LUA_TNIL) return luaL_error(L, "weak tables (__mode) are not available in the sandbox");
        lua_pop(L, 2);
    }
    if (luaL_getmetafield(L, 1, "__metatable") != LUA_TNIL) return luaL_error(L, "cannot change a protected metatable");
    lua_settop(L, 2);

    /* Is the target itself a guarded metatable? Then it keeps a guard: the guard again when its
       metatable is removed, the watch when it gets one of its own. */
    int target_guarded = 0;
    if (lua_getmetatable(L, 1)) { target_guarded = is_guard(L, -1); lua_pop(L, 1); }
    if (target_guarded && type == LUA_TNIL) return 1;   /* keeps the guard, shows no metatable */
    if (target_guarded) watch(L, 1);
    if (type == LUA_TNIL && is_watched(L, 1)) {
        lua_rawgetp(L, LUA_REGISTRYINDEX, &GUARD_KEY);
        lua_setmetatable(L, 1);
        return 1;
    }

    if (type == LUA_TTABLE) guard_metatable(L, 2);
    lua_setmetatable(L, 1);
    return 1;
}

static int sandbox_getmetatable(lua_State *L) {
    luaL_checkany(L, 1);
    if (lua_type(L, 1) == LUA_TSTRING) return luaL_error(L, "the string metatable is not available in the sandbox");
    if (!lua_getmetatable(L, 1) || is_guard(L, -1)) { lua_pushnil(L); return 1; }
    lua_pushliteral(L, "__metatable");
    if (lua_rawget(L, -2) != LUA_TNIL) return 1;
    lua_pop(L, 1);
    return 1;
}

static int sandbox_rawset(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_checkany(L, 2);
    luaL_checkany(L, 3);
    const char *refusal = forbidden_field(L, 2);
    if (refusal) return luaL_error(L, "rawset: %s", refusal);
    lua_settop(L, 3);
    lua_rawset(L, 1);
    return 1;
}

void shim_install_metatables(lua_State *L) {
    lua_createtable(L, 0, 1);
    lua_pushcfunction(L, guard_newindex);
    lua_setfield(L, -2, "__newindex");
    lua_rawsetp(L, LUA_REGISTRYINDEX, &GUARD_KEY);
    lua_newtable(L);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &WATCHED_KEY);

    lua_pushglobaltable(L);
    static const luaL_Reg functions[] = {
        {"setmetatable", sandbox_setmetatable}, {"getmetatable", sandbox_getmetatable},
        {"rawset", sandbox_rawset}, {NULL, NULL},
    };
    luaL_setfuncs(L, functions, 0);
    lua_pop(L, 1);
}

int shim_weak_metatable_found(lantern_state *state) {
    lua_State *L = state->L;
    int found = 0;
    lua_rawgetp(L, LUA_REGISTRYINDEX, &WATCHED_KEY);
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        lua_pop(L, 1);   /* the value; the key (a metatable) stays for lua_next */
        lua_pushliteral(L, "__mode");
        if (lua_rawget(L, -2) != LUA_TNIL) {
            found = 1;
            lua_pushliteral(L, "__mode");
            lua_pushnil(L);
            lua_rawset(L, -4);   /* assigning an existing field never allocates */
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    return found;
}
