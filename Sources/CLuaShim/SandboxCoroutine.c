// coroutine.resume, wrap and close for the sandbox. Hooks belong to each Lua thread, so a coroutine
// that is running when the deadline passes would never see it (design.md rule 5): every resume
// registers the coroutine with the watchdog for as long as it runs, and a limit hit inside one is
// raised in its resumer at once instead of coming back as `false, message`.
#include "shim_internal.h"

/* Nested coroutine.close calls: Debian's 5.4.4 overflows the C stack on long chains. */
#define SHIM_MAX_CLOSING 100

static lua_State *coroutine_arg(lua_State *L) {
    lua_State *co = lua_tothread(L, 1);
    luaL_argexpected(L, co, 1, "coroutine");
    return co;
}

/* Resumes co with narg values from L's top; returns the count of results moved onto L, or -1 with
   the error object on L's top. */
static int resume(lua_State *L, lua_State *co, int narg) {
    if (!lua_checkstack(co, narg)) {
        lua_pushliteral(L, "too many arguments to resume");
        return -1;
    }
    if (lua_status(co) == LUA_OK && lua_gettop(co) == 0) {
        lua_pushliteral(L, "cannot resume dead coroutine");
        return -1;
    }
    shim_check_limits(L);
    shim_check_c_stack(L);
    if (!shim_thread_enter(L, co)) return luaL_error(L, "coroutines nested too deeply");
    lua_xmove(L, co, narg);
    int results = 0;
    int status = lua_resume(co, L, narg, &results);
    shim_thread_leave(L);
    shim_check_limits(L);
    if (status == LUA_OK || status == LUA_YIELD) {
        if (!lua_checkstack(L, results + 1)) {
            lua_pop(co, results);
            lua_pushliteral(L, "too many results to resume");
            return -1;
        }
        lua_xmove(co, L, results);
        return results;
    }
    lua_xmove(co, L, 1);
    return -1;
}

static int sandbox_resume(lua_State *L) {
    lua_State *co = coroutine_arg(L);
    int results = resume(L, co, lua_gettop(L) - 1);
    if (results < 0) {
        lua_pushboolean(L, 0);
        lua_insert(L, -2);
        return 2;
    }
    lua_pushboolean(L, 1);
    lua_insert(L, -(results + 1));
    return results + 1;
}

/* Closes co's pending to-be-closed variables; their __close handlers run in co, so co is
   registered with the watchdog while they run. Returns a LUA_* status, the error on L's top. */
static int close_thread(lua_State *L, lua_State *co) {
    lantern_state *state = shim_state(L);
    if (state->closing_depth >= SHIM_MAX_CLOSING) return luaL_error(L, "coroutine.close nested too deeply");
    /* lua_resetthread in 5.4.4 runs co's __close handlers with co's own count of C levels, not
       L's: each link of a chain of closes gets Lua's whole allowance again. The stack itself is
       the bound that holds (CStack.c). */
    shim_check_c_stack(L);
    if (!shim_thread_enter(L, co)) return luaL_error(L, "coroutines nested too deeply");
    state->closing_depth++;
    int status = lua_resetthread(co);
    state->closing_depth--;
    shim_thread_leave(L);
    shim_check_limits(L);
    if (status != LUA_OK) lua_xmove(co, L, 1);
    return status;
}

static int wrapped_call(lua_State *L) {
    lua_State *co = lua_tothread(L, lua_upvalueindex(1));
    int results = resume(L, co, lua_gettop(L));
    if (results >= 0) return results;
    int status = lua_status(co);
    if (status != LUA_OK && status != LUA_YIELD) {
        lua_pop(L, 1);
        status = close_thread(L, co);     /* the error object comes back from the closing */
    }
    if (status != LUA_ERRMEM && lua_type(L, -1) == LUA_TSTRING) {
        luaL_where(L, 1);
        lua_insert(L, -2);
        lua_concat(L, 2);
    }
    return lua_error(L);
}

static int sandbox_wrap(lua_State *L) {
    luaL_checktype(L, 1, LUA_TFUNCTION);
    lua_State *co = lua_newthread(L);
    lua_pushvalue(L, 1);
    lua_xmove(L, co, 1);
    lua_pushcclosure(L, wrapped_call, 1);
    return 1;
}

static int sandbox_close(lua_State *L) {
    lua_State *co = coroutine_arg(L);
    int closable = 0;
    if (co != L) {
        lua_Debug ar;
        switch (lua_status(co)) {
        case LUA_YIELD: closable = 1; break;
        case LUA_OK: closable = !lua_getstack(co, 0, &ar); break;   /* suspended at start or dead */
        default: closable = 1; break;                                 /* dead by an error */
        }
    }
    if (!closable) return luaL_error(L, "cannot close a %s coroutine", co == L ? "running" : "normal");
    if (close_thread(L, co) == LUA_OK) {
        lua_pushboolean(L, 1);
        return 1;
    }
    lua_pushboolean(L, 0);
    lua_insert(L, -2);
    return 2;
}

void shim_install_coroutine(lua_State *L) {
    static const luaL_Reg functions[] = {
        {"resume", sandbox_resume}, {"wrap", sandbox_wrap}, {"close", sandbox_close}, {NULL, NULL},
    };
    lua_getglobal(L, "coroutine");
    luaL_setfuncs(L, functions, 0);
    lua_pop(L, 1);
}
