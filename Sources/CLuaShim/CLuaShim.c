#include "CLuaShim.h"
#include <lua.h>
#include <lualib.h>
#include <lauxlib.h>
#include <stdio.h>
#include <string.h>

lua_State *lantern_newstate(void) {
    lua_State *L = luaL_newstate();
    if (L == NULL) return NULL;
    luaL_openlibs(L);
    return L;
}

int lantern_dostring(lua_State *L, const char *code, size_t length, const char *chunkname, int maxresults) {
    /* "t": text only, so a plugin can never feed precompiled bytecode to the VM. */
    int status = luaL_loadbufferx(L, code, length, chunkname, "t");
    if (status != LUA_OK) return status;
    return lua_pcall(L, 0, maxresults, 0);
}

void lantern_pop_error(lua_State *L, char *buffer, size_t size) {
    if (size == 0) return;
    if (lua_type(L, -1) == LUA_TSTRING) {
        size_t len = 0;
        const char *message = lua_tolstring(L, -1, &len);
        size_t n = len < size - 1 ? len : size - 1;
        memcpy(buffer, message, n);
        buffer[n] = '\0';
    } else {
        /* Never call __tostring on a script value from the host: report its type only. */
        snprintf(buffer, size, "(error object is a %s value)", luaL_typename(L, -1));
    }
    lua_pop(L, 1);
}
