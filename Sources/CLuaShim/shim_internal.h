// Shared between the shim's C files; not part of the public header Swift sees.
#ifndef SHIM_INTERNAL_H
#define SHIM_INTERNAL_H

#include "CLuaShim.h"
#include <lua.h>
#include <lauxlib.h>
#include <stdatomic.h>
#include <time.h>

/* How many coroutines may be running inside each other; Lua itself stops at about 200 C levels. */
#define SHIM_MAX_RUNNING 256

/* Small blocks (up to SMALL_MAX bytes, in size classes SMALL_STEP apart) served from the state's
   own pool (SmallBlocks.c). */
#define SMALL_MAX 256
#define SMALL_STEP 16
typedef struct small_blocks {
    void *free[SMALL_MAX / SMALL_STEP];   /* a list of freed blocks per size: 16, 32, ... 256 bytes */
    char *bump;                    /* the unused rest of the newest chunk */
    size_t bump_left;
    size_t next_chunk;
    struct small_chunk *chunks;
} small_blocks;

/* A block of `size` bytes (1 to SMALL_MAX), or NULL when malloc fails; freeing and resizing
   take the size the block was allocated with, as Lua's allocator is told it. */
void *small_alloc(small_blocks *pool, size_t size);
/* The size class of a small block of `size` bytes: blocks of one class are interchangeable. */
static inline int small_class(size_t size) { return (int)((size + SMALL_STEP - 1) / SMALL_STEP) - 1; }
void small_free(small_blocks *pool, void *block, size_t size);
/* Gives every chunk back (after lua_close, when no block is in use). */
void small_release_all(small_blocks *pool);

struct lantern_state {
    lua_State *L;
    small_blocks small;
    size_t used;
    size_t limit;
    /* The limit is enforced only while a script runs (inside lantern_call) and not while the host
       pushes its own values from a host function: host_depth > 0 (design.md rule 4's headroom). */
    int enforcing;
    int host_depth;
    /* Sticky for the rest of an invocation once set; cleared when the next one starts. */
    atomic_int memory_exceeded;
    atomic_int time_exceeded;
    /* Host functions: Swift's dispatcher and its context. */
    lantern_host_dispatch dispatch;
    void *context;
    /* math.random is reseeded lazily, on its first use in an invocation. */
    int seed_pending;
    lua_Integer seed;
    /* Nesting of coroutine.close, bounded (Debian's 5.4.4 overflows the C stack on long chains). */
    int closing_depth;
    /* The lowest C stack address the current call may reach (CStack.c): every path that nests C
       frames across Lua threads (pcall, xpcall, resume, close, host functions) checks it, so a
       chain of coroutines cannot add up Lua's per-thread allowance of C levels past the stack. */
    const char *stack_floor;
    /* Whether a limit's hook is set on the state's threads (cleared when the call ends). */
    int limit_hook_set;
    /* Registry references to the two limits' messages, kept so that raising them never allocates. */
    int time_message_ref;
    int memory_message_ref;
    /* Watchdog bookkeeping, guarded by the watchdog mutex: the deadline, the armed list, and the
       coroutines running right now, each of which needs its own hook once the deadline passes. */
    struct timespec deadline;
    int armed;
    lantern_state *next_armed;
    lua_State *running[SHIM_MAX_RUNNING];
    int running_count;
    /* How many of this state's arms had to wake the watchdog (for tests: a stream of short calls
       should wake it about once per time limit, not once per call). */
    unsigned long watchdog_signals;
};

/* The lantern_state owning L (the allocator's userdata). */
lantern_state *shim_state(lua_State *L);

/* Raises the limit's error when a limit was hit in this invocation; returns otherwise. Long C loops
   call it every so often so that they stop at the deadline too (design.md rule 6). */
void shim_check_limits(lua_State *L);

/* Whether a limit was hit in this invocation. */
int shim_limit_hit(lua_State *L);

/* The unwinding's grace past a limit (CLuaShim.h). */
#define SHIM_LIMIT_GRACE_BYTES ((size_t)LANTERN_LIMIT_GRACE_BYTES)

/* Sets the limit's hook on the state's main thread and every coroutine running now (called once a
   limit is hit), so that the next instruction of any of them raises the limit's error. */
void shim_set_limit_hooks(lantern_state *state);

/* Marks the memory limit hit (sticky for the invocation) and sets the limit's hooks: what the
   allocator does on refusing, for the places that refuse before allocating (string.rep, host copies). */
void shim_hit_memory_limit(lantern_state *state);

/* C stack (CStack.c): sets the floor for a call starting on this thread, and raises "C stack
   overflow" when the running C code is below it. */
void shim_set_stack_floor(lantern_state *state);
void shim_check_c_stack(lua_State *L);

/* Compiles a chunk of text from memory in pieces of at most SHIM_LOAD_PIECE bytes, checking the
   limits between pieces (the parser runs in C with no hook; a piece bounds the work between two
   checks). Leaves the function or the error message on the stack; returns a LUA_* status. */
#define SHIM_LOAD_PIECE 256
int shim_load_text(lua_State *L, const char *code, size_t length, const char *chunkname);

/* The sandbox's `load`: text only, at most SHIM_MAX_CHUNK bytes whether given as a string or by a
   reader function, compiled in pieces under the invocation's limits. */
#define SHIM_MAX_CHUNK (1024 * 1024)
int shim_sandbox_load(lua_State *L);

/* Registers a coroutine as running (armed at once when the deadline already passed), and unregisters
   the last one. shim_thread_enter returns 0 when too many are nested. */
int shim_thread_enter(lua_State *L, lua_State *co);
void shim_thread_leave(lua_State *L);

/* setmetatable, getmetatable and rawset that keep __gc and __mode out of metatables for good
   (SandboxMetatable.c). */
void shim_install_metatables(lua_State *L);

/* The refusal for a key that must never be written into a metatable (__gc, __mode), or NULL. */
const char *shim_forbidden_field(lua_State *L, int key);

/* Marks a metatable the host made (scripts never reach it, and its __newindex, if any, refuses the
   forbidden fields): a table it belongs to counts as guarded, and its metatable as protected. */
void shim_mark_host_metatable(lua_State *L, int metatable);

/* Pushes the metatable the script gave the value at `index` and returns 1, or pushes nothing and
   returns 0 (none, or only the hidden guard). */
int shim_user_metatable(lua_State *L, int index);

/* Proxies for metatables that have a metatable of their own (SandboxInheritance.c): whether the
   metatable at `metatable` is a proxy (then the script's metatable it stands for is pushed), and
   making (or retargeting) the table's proxy so that it stands for the table at `metatable`. */
int shim_proxied_metatable(lua_State *L, int metatable);
void shim_set_proxied_metatable(lua_State *L, int table, int metatable);

/* Whether the value at `index` is one of the host's read-only proxies (Sandbox.c), and whether the
   key at `key` names a global scripts read but never assign. */
int shim_is_readonly_proxy(lua_State *L, int index);
int shim_is_fixed_global(lua_State *L, int key);

/* The sandbox's replacement libraries, each installed into the already opened standard one. */
void shim_install_coroutine(lua_State *L);
void shim_install_table(lua_State *L);
void shim_install_string(lua_State *L);

/* Pattern matching of our own, with deadline checks (SandboxPattern.c). */
int shim_str_find(lua_State *L);
int shim_str_match(lua_State *L);
int shim_str_gmatch(lua_State *L);
int shim_str_gsub(lua_State *L);

/* ---- Bounded work ---- */
/* design.md rule 9: a C loop over script data looks at the limits after at most SHIM_WORK_QUANTUM
   bytes of work (bytes scanned, compared or copied); a step that touches no bytes (a pattern
   backtracking, a table slot) counts as SHIM_STEP_BYTES, so 1,024 steps make one quantum. One copy
   or scan of a value that already exists may be charged after the fact as its size. */
#define SHIM_WORK_QUANTUM ((size_t)64 * 1024)
#define SHIM_STEP_BYTES ((size_t)64)

typedef struct shim_work {
    lua_State *L;
    size_t spent;   /* bytes of work since the last look at the limits */
} shim_work;

static inline void shim_work_init(shim_work *work, lua_State *L) { work->L = L; work->spent = 0; }

/* Counts `bytes` of work; looks at the limits (and raises when one was hit) once a quantum is full. */
static inline void shim_charge(shim_work *work, size_t bytes) {
    work->spent += bytes;
    if (work->spent >= SHIM_WORK_QUANTUM) {
        work->spent = 0;
        shim_check_limits(work->L);
    }
}

static inline void shim_step(shim_work *work) { shim_charge(work, SHIM_STEP_BYTES); }

/* luaL_addlstring in pieces of at most a quantum, charged. */
void shim_add_bounded(shim_work *work, luaL_Buffer *buffer, const char *s, size_t length);

/* Replacements for the string, utf8 and table functions whose loops run over script-sized data
   (SandboxFormat.c, SandboxPack.c, SandboxUtf8.c). */
int shim_str_format(lua_State *L);
int shim_str_pack(lua_State *L);
int shim_str_unpack(lua_State *L);
int shim_str_packsize(lua_State *L);
void shim_install_utf8(lua_State *L);

/* ---- Compiled chunks ---- */
/* SandboxCompiled.c: checks the Lua function on the stack top right after it was compiled from
   text, for the code-generation bugs of Lua 5.4.4 that scripts can reach (docs/lua-5.4.4-bugs.md): corrects
   the closing of generic for loops left by 'break' (the function is replaced by a corrected one,
   with the same upvalues) and refuses chains of table reads that would make error messages
   recurse without bound. Never raises: runs protected and returns LUA_OK with the function to use
   in place of the original, or an error status with the message in its place. Needs the function
   to be a Lua function; costs one lua_dump and one pass over it (a reload only when corrected). */
int shim_fix_compiled(lua_State *L);

#endif
