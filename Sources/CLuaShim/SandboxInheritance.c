// Metatables that have a metatable of their own: class inheritance, as in
//
//     local Dog = setmetatable({}, {__index = Animal})   -- Dog's metatable M is the script's
//     Dog.__index = Dog
//     local rex = setmetatable({}, Dog)                  -- Dog is now a metatable too
//
// The collector reads `Dog.__mode` raw, and `Dog.__mode = "k"` (a new key) goes to the __newindex
// of Dog's metatable, which the script owns and may lack: no guard on M can stop it, because the
// script can change M's existing fields without any metamethod seeing it. So while Dog is a metatable
// its real metatable is a hidden proxy instead of M. The proxy holds M (getmetatable(Dog) still
// answers M) and has one C function per event the VM or the libraries look up; each reads M's
// handler when it runs (later changes to M apply, as in plain Lua) and does what Lua does by default
// when M has none. The proxy's __newindex refuses __gc and __mode before it looks at M.
//
// Handlers are called with lua_callk, so a handler may yield as it could in plain Lua. Where the
// behaviour differs from plain Lua, it is only in the wording of errors (`local x <close> = Dog`
// with no __close fails when x is closed rather than where it is declared) and in `__name`, which
// the proxy does not show to luaL_typeerror.
#include "shim_internal.h"

static const char PROXIED_KEY = 0;   /* in a proxy: the script's metatable it stands for */

/* Lua's own limit on __index/__newindex chains (MAXTAGLOOP), with its message. */
#define CHAIN_LIMIT 2000

int shim_proxied_metatable(lua_State *L, int metatable) {
    if (lua_rawgetp(L, metatable, &PROXIED_KEY) == LUA_TTABLE) return 1;
    lua_pop(L, 1);
    return 0;
}

/* Pushes the handler for `event` in the metatable the script gave the value at `index`; returns 0
   and pushes nothing when there is none. */
static int handler(lua_State *L, int index, const char *event) {
    if (!shim_user_metatable(L, index)) return 0;
    lua_pushstring(L, event);
    if (lua_rawget(L, -2) == LUA_TNIL) { lua_pop(L, 2); return 0; }
    lua_remove(L, -2);
    return 1;
}

/* The continuation of every handler call: the results are whatever the call left above `base`. */
static int results_above(lua_State *L, int status, lua_KContext base) {
    (void)status;
    return lua_gettop(L) - (int)base;
}

/* Calls the function below the `nargs` arguments at the top, keeping `nresults` results. */
static int call_handler(lua_State *L, int nargs, int nresults) {
    int base = lua_gettop(L) - nargs - 1;
    lua_callk(L, nargs, nresults, base, results_above);
    return results_above(L, LUA_OK, base);
}

/* ---- __index and __newindex: the rest of the chain, as the VM walks it --------------------------- */

/* t[k] where t (at the top, replacing nothing) is the handler table; the key is at 2. */
static int index_through(lua_State *L) {
    for (int loop = 0; loop < CHAIN_LIMIT; loop++) {
        int t = lua_gettop(L);
        if (lua_type(L, t) != LUA_TTABLE) {   /* a string, or a value with a metatable: Lua's own */
            lua_pushvalue(L, 2);
            lua_gettable(L, t);
            return 1;
        }
        lua_pushvalue(L, 2);
        if (lua_rawget(L, t) != LUA_TNIL) return 1;
        lua_pop(L, 1);
        if (luaL_getmetafield(L, t, "__index") == LUA_TNIL) { lua_pushnil(L); return 1; }
        if (lua_type(L, -1) == LUA_TFUNCTION) {
            lua_pushvalue(L, t);
            lua_pushvalue(L, 2);
            return call_handler(L, 2, 1);
        }
        lua_remove(L, t);
    }
    return luaL_error(L, "'__index' chain too long; possible loop");
}

static int proxy_index(lua_State *L) {
    lua_settop(L, 2);
    if (!handler(L, 1, "__index")) { lua_pushnil(L); return 1; }
    if (lua_type(L, -1) == LUA_TFUNCTION) {
        lua_pushvalue(L, 1);
        lua_pushvalue(L, 2);
        return call_handler(L, 2, 1);
    }
    return index_through(L);
}

/* t[k] = v where t (at the top) is the handler; the key is at 2, the value at 3. */
static int assign_through(lua_State *L) {
    for (int loop = 0; loop < CHAIN_LIMIT; loop++) {
        int t = lua_gettop(L);
        if (lua_type(L, t) != LUA_TTABLE) {
            lua_pushvalue(L, 2);
            lua_pushvalue(L, 3);
            lua_settable(L, t);
            return 0;
        }
        lua_pushvalue(L, 2);
        int present = lua_rawget(L, t) != LUA_TNIL;
        lua_pop(L, 1);
        if (present || luaL_getmetafield(L, t, "__newindex") == LUA_TNIL) {
            lua_pushvalue(L, 2);
            lua_pushvalue(L, 3);
            lua_rawset(L, t);   /* a guarded metatable's __newindex was looked up above: none here */
            return 0;
        }
        if (lua_type(L, -1) == LUA_TFUNCTION) {
            lua_pushvalue(L, t);
            lua_pushvalue(L, 2);
            lua_pushvalue(L, 3);
            return call_handler(L, 3, 0);
        }
        lua_remove(L, t);
    }
    return luaL_error(L, "'__newindex' chain too long; possible loop");
}

static int proxy_newindex(lua_State *L) {
    lua_settop(L, 3);
    const char *refusal = shim_forbidden_field(L, 2);
    if (refusal) return luaL_error(L, "%s", refusal);
    if (!handler(L, 1, "__newindex")) { lua_rawset(L, 1); return 0; }
    if (lua_type(L, -1) == LUA_TFUNCTION) {
        lua_pushvalue(L, 1);
        lua_pushvalue(L, 2);
        lua_pushvalue(L, 3);
        return call_handler(L, 3, 0);
    }
    return assign_through(L);
}

/* ---- The other events ------------------------------------------------------------------------ */

static int proxy_call(lua_State *L) {
    if (!handler(L, 1, "__call")) return luaL_error(L, "attempt to call a %s value", luaL_typename(L, 1));
    lua_insert(L, 1);
    return call_handler(L, lua_gettop(L) - 1, LUA_MULTRET);
}

/* Binary events look at the first operand's metatable, then the second's, like the VM. */
static int binary(lua_State *L, const char *event) {
    lua_settop(L, 2);
    if (!handler(L, 1, event) && !handler(L, 2, event)) return 0;
    lua_pushvalue(L, 1);
    lua_pushvalue(L, 2);
    call_handler(L, 2, 1);
    return 1;
}

/* The operand an arithmetic, bitwise or concatenation error names: the first that is not a number
   (or string, for concatenation), like the VM's messages. */
static const char *offending_type(lua_State *L, int strings_too) {
    int first = lua_type(L, 1);
    int fine = first == LUA_TNUMBER || (strings_too && first == LUA_TSTRING);
    return luaL_typename(L, fine ? 2 : 1);
}

static int arithmetic(lua_State *L, const char *event) {
    if (binary(L, event)) return 1;
    return luaL_error(L, "attempt to perform arithmetic on a %s value", offending_type(L, 0));
}

static int bitwise(lua_State *L, const char *event) {
    if (binary(L, event)) return 1;
    return luaL_error(L, "attempt to perform bitwise operation on a %s value", offending_type(L, 0));
}

#define ARITHMETIC(name) static int proxy_##name(lua_State *L) { return arithmetic(L, "__" #name); }
#define BITWISE(name) static int proxy_##name(lua_State *L) { return bitwise(L, "__" #name); }
ARITHMETIC(add) ARITHMETIC(sub) ARITHMETIC(mul) ARITHMETIC(div) ARITHMETIC(mod) ARITHMETIC(pow)
ARITHMETIC(idiv) ARITHMETIC(unm)
BITWISE(band) BITWISE(bor) BITWISE(bxor) BITWISE(shl) BITWISE(shr) BITWISE(bnot)

static int proxy_concat(lua_State *L) {
    if (binary(L, "__concat")) return 1;
    return luaL_error(L, "attempt to concatenate a %s value", offending_type(L, 1));
}

static int proxy_eq(lua_State *L) {
    if (binary(L, "__eq")) return 1;
    lua_pushboolean(L, 0);   /* two different tables, neither with __eq */
    return 1;
}

static int compare(lua_State *L, const char *event) {
    if (binary(L, event)) return 1;
    const char *left = luaL_typename(L, 1), *right = luaL_typename(L, 2);
    if (lua_type(L, 1) == lua_type(L, 2)) return luaL_error(L, "attempt to compare two %s values", left);
    return luaL_error(L, "attempt to compare %s with %s", left, right);
}

static int proxy_lt(lua_State *L) { return compare(L, "__lt"); }
static int proxy_le(lua_State *L) { return compare(L, "__le"); }

static int proxy_len(lua_State *L) {
    lua_settop(L, 1);
    if (!handler(L, 1, "__len")) { lua_pushinteger(L, (lua_Integer)lua_rawlen(L, 1)); return 1; }
    lua_pushvalue(L, 1);
    lua_pushvalue(L, 1);
    return call_handler(L, 2, 1);
}

static int proxy_close(lua_State *L) {
    lua_settop(L, 2);
    if (!handler(L, 1, "__close")) return luaL_error(L, "attempt to close a non-closable %s value", luaL_typename(L, 1));
    lua_insert(L, 1);
    return call_handler(L, 2, 0);
}

static int proxy_tostring(lua_State *L) {
    lua_settop(L, 1);
    if (handler(L, 1, "__tostring")) {
        lua_pushvalue(L, 1);
        return call_handler(L, 1, 1);
    }
    const char *kind = handler(L, 1, "__name") && lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "table";
    lua_pushfstring(L, "%s: %p", kind, lua_topointer(L, 1));
    return 1;
}

static int proxy_pairs(lua_State *L) {
    lua_settop(L, 1);
    if (handler(L, 1, "__pairs")) {
        lua_pushvalue(L, 1);
        return call_handler(L, 1, 3);
    }
    lua_getglobal(L, "next");
    lua_pushvalue(L, 1);
    lua_pushnil(L);
    return 3;
}

static const luaL_Reg EVENTS[] = {
    {"__index", proxy_index}, {"__newindex", proxy_newindex}, {"__call", proxy_call},
    {"__add", proxy_add}, {"__sub", proxy_sub}, {"__mul", proxy_mul}, {"__div", proxy_div},
    {"__mod", proxy_mod}, {"__pow", proxy_pow}, {"__idiv", proxy_idiv}, {"__unm", proxy_unm},
    {"__band", proxy_band}, {"__bor", proxy_bor}, {"__bxor", proxy_bxor}, {"__shl", proxy_shl},
    {"__shr", proxy_shr}, {"__bnot", proxy_bnot}, {"__concat", proxy_concat}, {"__eq", proxy_eq},
    {"__lt", proxy_lt}, {"__le", proxy_le}, {"__len", proxy_len}, {"__close", proxy_close},
    {"__tostring", proxy_tostring}, {"__pairs", proxy_pairs}, {NULL, NULL},
};

void shim_set_proxied_metatable(lua_State *L, int table, int metatable) {
    table = lua_absindex(L, table);
    metatable = lua_absindex(L, metatable);
    if (lua_getmetatable(L, table)) {
        if (shim_proxied_metatable(L, -1)) {   /* already proxied: it stands for the new one now */
            lua_pop(L, 1);
            lua_pushvalue(L, metatable);
            lua_rawsetp(L, -2, &PROXIED_KEY);
            lua_pop(L, 1);
            return;
        }
        lua_pop(L, 1);
    }
    lua_createtable(L, 0, (int)(sizeof EVENTS / sizeof EVENTS[0]));
    luaL_setfuncs(L, EVENTS, 0);
    lua_pushvalue(L, metatable);
    lua_rawsetp(L, -2, &PROXIED_KEY);
    lua_setmetatable(L, table);
}
