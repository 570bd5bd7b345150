// Lua 5.4's public C API, as shipped by Debian's liblua5.4-dev (headers in /usr/include/lua5.4).
#include <lua.h>
#include <lualib.h>
#include <lauxlib.h>
