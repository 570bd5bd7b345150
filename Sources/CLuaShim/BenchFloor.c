// The floors `lantern bench` measures Lantern against: plain Lua driven by plain C, with none of
// Lantern's code in the path (no counting allocator, no watchdog, no sandbox).
#include "CLuaShim.h"
#include <lua.h>
#include <lualib.h>
#include <lauxlib.h>
#include <malloc.h>

lua_State *lantern_floor_state_new(void) {
    lua_State *L = luaL_newstate();
    if (L != NULL) luaL_openlibs(L);
    return L;
}

void lantern_floor_state_close(lua_State *L) {
    if (L != NULL) lua_close(L);
}

/* The bench's customer_created event, as a C programmer would build it. The bench builds a
   DomainEvent with the same values on the Swift side (a test compares the two tables). */
void lantern_floor_push_event(lua_State *L) {
    lua_createtable(L, 0, 5);
    lua_pushliteral(L, "customer_created"); lua_setfield(L, -2, "name");
    lua_pushliteral(L, "an"); lua_setfield(L, -2, "actor");
    lua_pushliteral(L, "api"); lua_setfield(L, -2, "source");
    lua_pushinteger(L, 1763800000); lua_setfield(L, -2, "at");

    lua_createtable(L, 0, 15);
    lua_pushinteger(L, 42); lua_setfield(L, -2, "id");
    lua_pushliteral(L, "KH000042"); lua_setfield(L, -2, "code");
    lua_pushliteral(L, "Nguy\xe1\xbb\x85n Gia Kh\xc6\xb0\xc6\xa1ng"); lua_setfield(L, -2, "name");
    lua_pushliteral(L, "0901234567"); lua_setfield(L, -2, "phone");
    lua_pushliteral(L, "khuong@example.vn"); lua_setfield(L, -2, "email");
    lua_pushliteral(L, "M\xe1\xbb\x9bi"); lua_setfield(L, -2, "relationship");
    lua_pushliteral(L, "an"); lua_setfield(L, -2, "owner");
    lua_pushliteral(L, "Kinh doanh H\xc3\xa0 N\xe1\xbb\x99i"); lua_setfield(L, -2, "department");
    lua_createtable(L, 1, 0);
    lua_pushliteral(L, "binh"); lua_rawseti(L, -2, 1);
    lua_setfield(L, -2, "viewers");
    lua_createtable(L, 0, 0); lua_setfield(L, -2, "shared_with");
    lua_pushinteger(L, 120); lua_setfield(L, -2, "points");
    lua_pushliteral(L, "website"); lua_setfield(L, -2, "source");
    lua_pushinteger(L, 1763790000); lua_setfield(L, -2, "created_at");
    lua_pushinteger(L, 1763800000); lua_setfield(L, -2, "updated_at");
    lua_createtable(L, 0, 1);
    lua_pushliteral(L, "Facebook"); lua_setfield(L, -2, "kenh");
    lua_setfield(L, -2, "fields");
    lua_setfield(L, -2, "customer");
}

int lantern_floor_dispatch(lua_State *L, int function_ref, long iterations) {
    for (long i = 0; i < iterations; i++) {
        lua_rawgeti(L, LUA_REGISTRYINDEX, function_ref);
        lantern_floor_push_event(L);
        int status = lua_pcall(L, 1, 0, 0);
        if (status != LUA_OK) return status;
    }
    return LUA_OK;
}

void lantern_release_free_memory(void) {
#ifdef __GLIBC__
    malloc_trim(0);
#endif
}
