// The C side of Lantern's Lua embedding: a counting allocator that refuses past the limit, a
// watchdog thread that arms a hook only when a deadline passes (so the normal path costs
// nothing), and protected loading and calls. Errors are raised only here, never across Swift.
#include "shim_internal.h"
#include <lua.h>
#include <lualib.h>
#include <lauxlib.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const int lantern_registry_index = LUA_REGISTRYINDEX;

/* ---- Memory ---------------------------------------------------------------------------- */

/* Frees a block of `size` bytes, from the state's small-block pool or from malloc. */
static inline void release_block(lantern_state *state, void *block, size_t size) {
    if (size <= SMALL_MAX) small_free(&state->small, block, size);
    else free(block);
}

/* Resizes (or allocates, `old` 0) a block: small blocks come from the state's pool
   (SmallBlocks.c), larger ones from malloc; a block that changes between the two is copied. */
static void *resize_block(lantern_state *state, void *ptr, size_t old, size_t nsize) {
    if (old > SMALL_MAX && nsize > SMALL_MAX) return realloc(ptr, nsize);
    /* Same small size class: the block already has room. */
    if (old != 0 && old <= SMALL_MAX && nsize <= SMALL_MAX && small_class(old) == small_class(nsize)) return ptr;
    void *block = nsize <= SMALL_MAX ? small_alloc(&state->small, nsize) : malloc(nsize);
    if (block == NULL) return NULL;
    if (old != 0) {
        memcpy(block, ptr, old < nsize ? old : nsize);
        release_block(state, ptr, old);
    }
    return block;
}

static void *lantern_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
    lantern_state *state = ud;
    size_t old = ptr ? osize : 0;
    if (nsize == 0) {
        if (ptr != NULL) release_block(state, ptr, old);
        state->used -= old;
        return NULL;
    }
    if (nsize > old && state->limit != 0 && state->enforcing && state->host_depth == 0) {
        size_t after = state->used - old + nsize;
        if (atomic_load_explicit(&state->memory_exceeded, memory_order_relaxed)) {
            /* The unwinding's grace (shim_internal.h): refusing here would make Lua run a full
               emergency collection for every pending __close handler (5,000 of them: 5 s). */
            if (after > state->limit + SHIM_LIMIT_GRACE_BYTES) return NULL;
        } else if (after > state->limit) {
            shim_hit_memory_limit(state);
            return NULL;
        }
    }
    void *block = resize_block(state, ptr, old, nsize);
    if (block == NULL) return NULL;
    state->used = state->used - old + nsize;
    return block;
}

/* ---- Time: one watchdog thread for every state ----------------------------------------- */

static pthread_mutex_t watchdog_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t watchdog_wakeup;
static pthread_once_t watchdog_once = PTHREAD_ONCE_INIT;
static lantern_state *armed_states = NULL;
/* When the watchdog will next wake by itself (guarded by the mutex): an arm whose deadline is not
   earlier needs no signal, so a stream of short calls wakes the watchdog about once per time
   limit rather than twice per call. */
static int watchdog_waiting_forever = 1;
static struct timespec watchdog_wakes_at;

static int before(const struct timespec *a, const struct timespec *b) {
    return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/* Runs in the Lua thread at the next instruction, call or line once a limit was hit; it keeps
   firing (the hook stays set) so a script's pcall cannot swallow the error. A hook left on a
   coroutine from an earlier call finds no limit hit and removes itself. */
static void deadline_hook(lua_State *L, lua_Debug *ar) {
    (void)ar;
    lantern_state *state = shim_state(L);
    if (atomic_load(&state->time_exceeded)) luaL_error(L, "time limit exceeded");
    if (atomic_load_explicit(&state->memory_exceeded, memory_order_relaxed)) {
        /* The message is kept in the registry: raising it allocates nothing. */
        lua_rawgeti(L, LUA_REGISTRYINDEX, state->memory_message_ref);
        lua_error(L);
    }
    lua_sethook(L, NULL, 0, 0);
}

static void set_deadline_hook(lua_State *L) {
    lua_sethook(L, deadline_hook, LUA_MASKCALL | LUA_MASKRET | LUA_MASKLINE | LUA_MASKCOUNT, 1);
}

static void *watchdog_main(void *unused) {
    (void)unused;
    pthread_mutex_lock(&watchdog_mutex);
    for (;;) {
        struct timespec now, earliest = {0, 0};
        int have = 0;
        clock_gettime(CLOCK_MONOTONIC, &now);
        for (lantern_state *s = armed_states; s; s = s->next_armed) {
            if (!before(&now, &s->deadline)) {
                if (!atomic_exchange(&s->time_exceeded, 1)) {
                    /* lua_sethook is safe to call from another thread (Lua's manual, lua_sethook).
                       Hooks belong to each Lua thread: arm every coroutine running now as well. */
                    set_deadline_hook(s->L);
                    for (int i = 0; i < s->running_count; i++) set_deadline_hook(s->running[i]);
                }
            } else if (!have || before(&s->deadline, &earliest)) {
                earliest = s->deadline;
                have = 1;
            }
        }
        if (have) {
            watchdog_waiting_forever = 0;
            watchdog_wakes_at = earliest;
            pthread_cond_timedwait(&watchdog_wakeup, &watchdog_mutex, &earliest);
        } else if (!watchdog_waiting_forever && before(&now, &watchdog_wakes_at)) {
            /* Woken by an arm whose call has already returned: keep to the wake promised, so the
               next calls (whose deadlines come later) arm without a signal. Waiting forever here
               made every short call wake this thread: a futex syscall and a context switch per
               hook, more than the hook itself. */
            struct timespec until = watchdog_wakes_at;
            pthread_cond_timedwait(&watchdog_wakeup, &watchdog_mutex, &until);
        } else {
            watchdog_waiting_forever = 1;
            pthread_cond_wait(&watchdog_wakeup, &watchdog_mutex);
        }
    }
    return NULL;
}

static void watchdog_start(void) {
    pthread_condattr_t attributes;
    pthread_condattr_init(&attributes);
    pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC);
    pthread_cond_init(&watchdog_wakeup, &attributes);
    pthread_t thread;
    pthread_attr_t thread_attributes;
    pthread_attr_init(&thread_attributes);
    pthread_attr_setdetachstate(&thread_attributes, PTHREAD_CREATE_DETACHED);
    pthread_create(&thread, &thread_attributes, watchdog_main, NULL);
}

static void arm(lantern_state *state, unsigned time_ms) {
    pthread_once(&watchdog_once, watchdog_start);
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += time_ms / 1000;
    deadline.tv_nsec += (long)(time_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) { deadline.tv_sec += 1; deadline.tv_nsec -= 1000000000L; }
    pthread_mutex_lock(&watchdog_mutex);
    state->deadline = deadline;
    state->armed = 1;
    state->next_armed = armed_states;
    armed_states = state;
    if (watchdog_waiting_forever || before(&deadline, &watchdog_wakes_at)) {
        /* Set here too, so that arms before the watchdog runs again do not signal once more. */
        watchdog_waiting_forever = 0;
        watchdog_wakes_at = deadline;
        state->watchdog_signals++;
        pthread_cond_signal(&watchdog_wakeup);
    }
    pthread_mutex_unlock(&watchdog_mutex);
}

/* After this returns the watchdog never touches the state again (it only does so under the mutex). */
static void disarm(lantern_state *state) {
    pthread_mutex_lock(&watchdog_mutex);
    if (state->armed) {
        for (lantern_state **link = &armed_states; *link; link = &(*link)->next_armed) {
            if (*link == state) { *link = state->next_armed; break; }
        }
        state->armed = 0;
    }
    pthread_mutex_unlock(&watchdog_mutex);
}

/* The watchdog sets the limit's hook only together with time_exceeded (under the mutex, so visible
   after disarm), the allocator together with memory_exceeded: a call that kept its limits has no
   hook to clear. */
static void clear_limit_hooks(lantern_state *state) {
    if (state->limit_hook_set || atomic_load(&state->time_exceeded) || atomic_load(&state->memory_exceeded))
        lua_sethook(state->L, NULL, 0, 0);
    state->limit_hook_set = 0;
}

void shim_hit_memory_limit(lantern_state *state) {
    if (atomic_exchange(&state->memory_exceeded, 1)) return;
    shim_set_limit_hooks(state);
}

void shim_set_limit_hooks(lantern_state *state) {
    pthread_mutex_lock(&watchdog_mutex);
    set_deadline_hook(state->L);
    for (int i = 0; i < state->running_count; i++) set_deadline_hook(state->running[i]);
    state->limit_hook_set = 1;
    pthread_mutex_unlock(&watchdog_mutex);
}

int shim_thread_enter(lua_State *L, lua_State *co) {
    lantern_state *state = shim_state(L);
    int entered = 0;
    pthread_mutex_lock(&watchdog_mutex);
    if (state->running_count < SHIM_MAX_RUNNING) {
        state->running[state->running_count++] = co;
        /* Past a limit already: neither the watchdog nor the allocator will come again. */
        if (atomic_load(&state->time_exceeded) || atomic_load(&state->memory_exceeded)) set_deadline_hook(co);
        entered = 1;
    }
    pthread_mutex_unlock(&watchdog_mutex);
    return entered;
}

void shim_thread_leave(lua_State *L) {
    lantern_state *state = shim_state(L);
    pthread_mutex_lock(&watchdog_mutex);
    if (state->running_count > 0) state->running_count--;
    pthread_mutex_unlock(&watchdog_mutex);
}

/* ---- Limits seen from C functions -------------------------------------------------------- */

lantern_state *shim_state(lua_State *L) {
    void *ud = NULL;
    lua_getallocf(L, &ud);
    return ud;
}

/* Which limit the running invocation has hit (LANTERN_LIMIT_*), the time limit first. */
static int limit_kind(lantern_state *state) {
    if (atomic_load(&state->time_exceeded)) return LANTERN_LIMIT_TIME;
    if (atomic_load_explicit(&state->memory_exceeded, memory_order_relaxed)) return LANTERN_LIMIT_MEMORY;
    return LANTERN_LIMIT_NONE;
}

int shim_limit_hit(lua_State *L) { return limit_kind(shim_state(L)) != LANTERN_LIMIT_NONE; }

int lantern_limit_hit(lua_State *L) { return limit_kind(shim_state(L)); }

void shim_check_limits(lua_State *L) {
    lantern_state *state = shim_state(L);
    if (atomic_load(&state->time_exceeded)) luaL_error(L, "time limit exceeded");
    /* No allocation is possible now: raise the interned message without a position. */
    if (atomic_load(&state->memory_exceeded)) { lua_pushliteral(L, "memory limit exceeded"); lua_error(L); }
}

int lantern_charge_copy(lua_State *L, size_t bytes) {
    lantern_state *state = shim_state(L);
    if (state->limit == 0 || !state->enforcing) return 1;
    size_t left = state->used < state->limit ? state->limit - state->used : 0;
    if (bytes <= left) return 1;
    shim_hit_memory_limit(state);
    return 0;
}

/* ---- Host functions ---------------------------------------------------------------------- */

void lantern_set_host(lantern_state *state, lantern_host_dispatch dispatch, void *context) {
    state->dispatch = dispatch;
    state->context = context;
}

/* Calls into Swift and raises here, in C, whatever error Swift reported (design.md rule 1). */
static int host_trampoline(lua_State *L) {
    lantern_state *state = shim_state(L);
    int function_id = (int)lua_tointeger(L, lua_upvalueindex(1));
    if (state->dispatch == NULL) return luaL_error(L, "host function %d called without a host", function_id);
    shim_check_limits(L);
    shim_check_c_stack(L);
    state->host_depth++;
    int results = state->dispatch(state->context, L, function_id);
    state->host_depth--;
    shim_check_limits(L);
    if (results < 0) {
        luaL_where(L, 1);
        lua_insert(L, -2);
        lua_concat(L, 2);
        return lua_error(L);
    }
    return results;
}

void lantern_push_host_function(lua_State *L, int function_id) {
    lua_pushinteger(L, function_id);
    lua_pushcclosure(L, host_trampoline, 1);
}

void lantern_set_seed(lantern_state *state, long long seed) {
    state->seed = (lua_Integer)seed;
    state->seed_pending = 1;
}

/* ---- States and calls ------------------------------------------------------------------ */

static int open_libraries(lua_State *L) {
    luaL_openlibs(L);
    return 0;
}

lantern_state *lantern_state_new(size_t memory_limit) {
    lantern_state *state = calloc(1, sizeof *state);
    if (state == NULL) return NULL;
    state->limit = memory_limit;
    state->L = lua_newstate(lantern_alloc, state);
    if (state->L == NULL) { small_release_all(&state->small); free(state); return NULL; }
    /* Opening the libraries allocates: do it protected, so running out of memory is an error, not a panic. */
    lua_pushcfunction(state->L, open_libraries);
    if (lua_pcall(state->L, 0, 0, 0) != LUA_OK) { lua_close(state->L); small_release_all(&state->small); free(state); return NULL; }
    /* Referenced for good, so the strings stay interned and raising them never allocates. */
    lua_pushliteral(state->L, "time limit exceeded");
    state->time_message_ref = luaL_ref(state->L, LUA_REGISTRYINDEX);
    lua_pushliteral(state->L, "memory limit exceeded");
    state->memory_message_ref = luaL_ref(state->L, LUA_REGISTRYINDEX);
    /* Generational collection: what a hook allocates (its event table, the strings in it) dies
       young, and minor collections leave the plugin's long-lived module, config and sandbox
       tables alone. Dispatch measured about 5% faster than with the incremental default. The
       memory limit is unaffected: Lua runs a full emergency collection before an allocation fails. */
    lua_gc(state->L, LUA_GCGEN, 0, 0);
    return state;
}

void lantern_state_close(lantern_state *state) {
    if (state == NULL) return;
    disarm(state);
    lua_close(state->L);
    small_release_all(&state->small);
    free(state);
}

lua_State *lantern_state_lua(lantern_state *state) { return state->L; }

size_t lantern_state_memory(const lantern_state *state) { return state->used; }

unsigned long lantern_watchdog_signals(lantern_state *state) {
    pthread_mutex_lock(&watchdog_mutex);
    unsigned long signals = state->watchdog_signals;
    pthread_mutex_unlock(&watchdog_mutex);
    return signals;
}

/* Readies the state for a call or a load within `time_ms` (0: no limit) and its memory limit. */
static void begin_limited(lantern_state *state, unsigned time_ms) {
    /* Relaxed: between calls the state is disarmed, so the watchdog cannot be writing these flags,
       and arm() takes the watchdog's mutex before it could (which orders these stores before it).
       A sequentially consistent store is a locked instruction on x86: three per hook showed in
       the dispatch bench. */
    atomic_store_explicit(&state->memory_exceeded, 0, memory_order_relaxed);
    atomic_store_explicit(&state->time_exceeded, 0, memory_order_relaxed);
    state->closing_depth = 0;
    state->running_count = 0;
    shim_set_stack_floor(state);
    if (time_ms > 0) arm(state, time_ms);
    state->enforcing = 1;
}

/* Ends what begin_limited started; returns which limit was hit. */
static int end_limited(lantern_state *state, unsigned time_ms) {
    state->enforcing = 0;
    if (time_ms > 0) disarm(state);
    clear_limit_hooks(state);
    int limit = limit_kind(state);
    /* The host may allocate again (the error message, its own pushes). Only this thread (the
       allocator's) ever writes this flag. */
    atomic_store_explicit(&state->memory_exceeded, 0, memory_order_relaxed);
    return limit;
}

static const char *limit_message(int limit) {
    return limit == LANTERN_LIMIT_TIME ? "time limit exceeded" : "memory limit exceeded";
}

int lantern_load(lantern_state *state, const char *code, size_t length, const char *chunkname,
                 unsigned time_ms, int *limit) {
    begin_limited(state, time_ms);
    /* Text only (never bytecode), in pieces with the limits checked between them. */
    int status = shim_load_text(state->L, code, length, chunkname);
    *limit = end_limited(state, time_ms);
    if (*limit != LANTERN_LIMIT_NONE) {
        lua_pop(state->L, 1);   /* the function, or the error the reader raised */
        lua_pushstring(state->L, limit_message(*limit));
        status = LUA_ERRRUN;
    }
    return status;
}

int lantern_call(lantern_state *state, int nargs, int nresults, unsigned time_ms, int *limit) {
    begin_limited(state, time_ms);
    int status = lua_pcall(state->L, nargs, nresults, 0);
    *limit = end_limited(state, time_ms);
    if (*limit != LANTERN_LIMIT_NONE) {
        /* Whatever the script did with the limit's error (even swallowed it and returned),
           the invocation failed, and says so in the same words every time. */
        lua_settop(state->L, 0);
        lua_pushstring(state->L, limit_message(*limit));
        status = LUA_ERRRUN;
    }
    return status;
}

size_t lantern_utf8_cut(const char *s, size_t length, size_t maximum) {
    if (length <= maximum) return length;
    size_t n = maximum;
    /* Back off UTF-8 continuation bytes (10xxxxxx) to the start of the character the cut falls in. */
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80) n--;
    return n;
}

void lantern_pop_error(lua_State *L, char *buffer, size_t size) {
    if (size == 0) return;
    if (lua_type(L, -1) == LUA_TSTRING) {
        size_t len = 0;
        const char *message = lua_tolstring(L, -1, &len);
        size_t n = lantern_utf8_cut(message, len, size - 1);
        memcpy(buffer, message, n);
        buffer[n] = '\0';
    } else {
        /* Never call __tostring on a script value from the host: report its type only. */
        snprintf(buffer, size, "(error object is a %s value)", luaL_typename(L, -1));
    }
    lua_pop(L, 1);
}
