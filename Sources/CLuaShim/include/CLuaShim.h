#ifndef CLUASHIM_H
#define CLUASHIM_H

#include <stddef.h>

typedef struct lua_State lua_State;

/// Status codes returned by the shim; they mirror Lua's LUA_OK / LUA_ERR* values.
enum { LANTERN_LUA_OK = 0 };

/// Creates a Lua state with the standard libraries opened, or NULL when out of memory.
lua_State *lantern_newstate(void);

/// Compiles `code` (text only, never bytecode) as chunk `chunkname` and runs it under
/// lua_pcall, leaving at most `maxresults` results on the stack. Returns a LUA_* status;
/// on error the message (or a description of a non-string error object) is on the stack top.
int lantern_dostring(lua_State *L, const char *code, size_t length, const char *chunkname, int maxresults);

/// Pops the error on the stack top and copies a printable form into `buffer`,
/// without running any metamethod of the error object (design.md rule 3).
void lantern_pop_error(lua_State *L, char *buffer, size_t size);

#endif
