#ifndef CLUASHIM_H
#define CLUASHIM_H

#include <stddef.h>

typedef struct lua_State lua_State;

/// A Lua state owned by the host, with the bookkeeping of its limits.
typedef struct lantern_state lantern_state;

/// Why an invocation failed, beyond Lua's own status.
enum {
    LANTERN_LIMIT_NONE = 0,
    LANTERN_LIMIT_TIME = 1,
    LANTERN_LIMIT_MEMORY = 2,
};

/// Creates a state whose heap may grow to `memory_limit` bytes (0: unlimited), with the standard
/// libraries opened; NULL when out of memory.
lantern_state *lantern_state_new(size_t memory_limit);

/// Closes the state and frees everything it holds.
void lantern_state_close(lantern_state *state);

/// The Lua state inside.
lua_State *lantern_state_lua(lantern_state *state);

/// Bytes the state's heap uses now.
size_t lantern_state_memory(const lantern_state *state);

/// Compiles `code` (text only, never bytecode) as chunk `chunkname` and leaves the function on the
/// stack. Returns a LUA_* status; on error the message is on the stack instead.
int lantern_load(lantern_state *state, const char *code, size_t length, const char *chunkname);

/// Calls the function below `nargs` arguments on the stack under lua_pcall, within `time_ms` of
/// wall time (0: no limit) and the state's memory limit. A limit, once hit, stays hit until the
/// call unwinds: every later instruction raises again and every allocation is refused, so neither
/// `pcall` nor `xpcall` can swallow it. Returns a LUA_* status; `*limit` says which limit was hit.
int lantern_call(lantern_state *state, int nargs, int nresults, unsigned time_ms, int *limit);

/// Pops the error on the stack top and copies a printable form into `buffer`,
/// without running any metamethod of the error object (design.md rule 3).
void lantern_pop_error(lua_State *L, char *buffer, size_t size);

#endif
