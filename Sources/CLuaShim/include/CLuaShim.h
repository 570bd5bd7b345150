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

/// Past a limit, the allocator grants up to this many bytes beyond the heap's limit to the
/// unwinding (every instruction raises the limit's error meanwhile), so that pending `__close`
/// handlers do not each start a full emergency collection; past the grace it refuses again.
enum { LANTERN_LIMIT_GRACE_BYTES = 1024 * 1024 };

/// LUA_REGISTRYINDEX, which Swift cannot import (it is a macro expression).
extern const int lantern_registry_index;

/// Creates a state whose heap may grow to `memory_limit` bytes (0: unlimited), with the standard
/// libraries opened; NULL when out of memory.
lantern_state *lantern_state_new(size_t memory_limit);

/// Closes the state and frees everything it holds.
void lantern_state_close(lantern_state *state);

/// The Lua state inside.
lua_State *lantern_state_lua(lantern_state *state);

/// Bytes the state's heap uses now.
size_t lantern_state_memory(const lantern_state *state);
/* How many of the state's calls had to wake the watchdog thread when they armed their deadline. */
unsigned long lantern_watchdog_signals(lantern_state *state);

/// Compiles `code` (text only, never bytecode) as chunk `chunkname` within `time_ms` of wall time
/// (0: no limit) and the state's memory limit, and leaves the function on the stack. Returns a
/// LUA_* status; on error the message is on the stack instead, and `*limit` says which limit
/// stopped the compiler.
int lantern_load(lantern_state *state, const char *code, size_t length, const char *chunkname,
                 unsigned time_ms, int *limit);

/// Calls the function below `nargs` arguments on the stack under lua_pcall, within `time_ms` of
/// wall time (0: no limit) and the state's memory limit. A limit, once hit, stays hit until the
/// call unwinds: every later instruction raises again and every allocation is refused, so neither
/// `pcall` nor `xpcall` can swallow it. Returns a LUA_* status; `*limit` says which limit was hit.
int lantern_call(lantern_state *state, int nargs, int nresults, unsigned time_ms, int *limit);

/// Swift's side of host functions: called by the C trampoline with the function's id and the Lua
/// arguments on the stack. Returns the number of results it pushed, or -1 after pushing an error
/// message string, which the trampoline raises (so no Lua error ever unwinds a Swift frame).
/// It must not call any raising Lua API; raw reads and pushes are safe because the memory limit is
/// lifted while it runs.
typedef int (*lantern_host_dispatch)(void *context, lua_State *L, int function_id);

/// Sets the dispatcher of host functions for this state.
void lantern_set_host(lantern_state *state, lantern_host_dispatch dispatch, void *context);

/// Pushes a Lua function that calls host function `function_id` through the trampoline.
void lantern_push_host_function(lua_State *L, int function_id);

/// Turns the state's globals into the sandbox of plugin-api.md section 6: an allow-list of the base
/// library, string (no dump, our own pattern matching), table (bounded loops), math, utf8, coroutine
/// (tracked so the deadline reaches every running one), and os.clock/os.difftime. The host adds
/// print, require, os.time, os.date and its own tables. Returns a LUA_* status; on error the message
/// is on the stack.
int lantern_open_sandbox(lantern_state *state);

/// Sets global `name` of the sandbox to the value on the stack top (popped) so that scripts can
/// read it and never assign it. Returns a LUA_* status.
int lantern_fix_global(lantern_state *state, const char *name);

/// Replaces the table on the stack top by a read-only proxy of it (nested tables too): reads,
/// `pairs`, `ipairs` and `#` work, writes raise. Returns a LUA_* status.
int lantern_make_readonly(lantern_state *state);

/// Pushes the table behind a read-only proxy at `index`, or the value itself when it is none.
/// Never allocates and never runs a metamethod.
void lantern_push_unwrapped(lua_State *L, int index);

/// Reseeds `math.random` with `seed` at its first use in the next invocation.
void lantern_set_seed(lantern_state *state, long long seed);

/// Which limit (LANTERN_LIMIT_*) the running invocation has hit so far; the time limit first.
/// Host code that walks script values checks it every so often, so a copy stops at the deadline.
int lantern_limit_hit(lua_State *L);

/// Charges `bytes` that the host is about to hold on the invocation's behalf (a copy of a script
/// value) to the state's memory limit: returns 1 when they fit in what the heap has left, else marks
/// the memory limit hit (the invocation fails with it once the host function returns) and returns 0.
int lantern_charge_copy(lua_State *L, size_t bytes);

/// The length of the longest prefix of the `length` bytes of UTF-8 at `s` that is at most
/// `maximum` bytes and ends on a character boundary (a cut never leaves half a character).
size_t lantern_utf8_cut(const char *s, size_t length, size_t maximum);

/// Pops the error on the stack top and copies a printable form into `buffer`,
/// without running any metamethod of the error object (design.md rule 3).
void lantern_pop_error(lua_State *L, char *buffer, size_t size);

/* ---- Floors for `lantern bench` (BenchFloor.c): plain Lua, none of Lantern's code ---- */

/// A plain state: luaL_newstate with the standard libraries (no limits, no sandbox).
lua_State *lantern_floor_state_new(void);
void lantern_floor_state_close(lua_State *L);

/// Pushes the bench's `customer_created` event (a 15-field customer snapshot) built with the C API.
void lantern_floor_push_event(lua_State *L);

/// Calls the function in registry slot `function_ref` `iterations` times, each time with a freshly
/// built event table, under lua_pcall. Returns LUA_OK or the first failing status.
int lantern_floor_dispatch(lua_State *L, int function_ref, long iterations);

/// Hands the heap's free pages back to the system (glibc's malloc_trim), so that resident
/// memory measured next counts only what is in use.
void lantern_release_free_memory(void);

#endif
