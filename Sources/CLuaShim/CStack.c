// A bound on the C stack a call may use, in bytes. Lua counts C levels per thread (200), but
// Debian's 5.4.4 does not carry the count into a coroutine being closed (lua_resetthread, fixed
// upstream in 5.4.5 by lua_closethread's `from`), so a chain of coroutines whose pending __close
// handlers nest calls and close the next one gets a fresh allowance at every link and overflows
// the thread's stack (about 60 links of 180 pcalls each). Counting links would need a guess of
// the bytes per level; the stack pointer itself is the measure that cannot be fooled. Every path
// that nests C frames across Lua threads (pcall, xpcall, resume, wrap, close, host functions, the
// comparator of table.sort) compares it with the floor set when the call started.
#define _GNU_SOURCE /* pthread_getattr_np */
#include "shim_internal.h"
#include <pthread.h>

/* How much C stack one call may use below its entry, and what it must leave of the thread's
   stack in any case (Lua's own 200 levels between two checks fit in far less than the margin). */
#define CALL_STACK_BUDGET (1024 * 1024)
#define STACK_MARGIN (256 * 1024)

/* The lowest address of this thread's stack, found once per thread (NULL when unknown). */
static _Thread_local const char *thread_stack_low;
static _Thread_local int thread_stack_known;

static const char *stack_low(void) {
    if (!thread_stack_known) {
        thread_stack_known = 1;
        pthread_attr_t attributes;
        if (pthread_getattr_np(pthread_self(), &attributes) == 0) {
            void *low = NULL;
            size_t size = 0;
            if (pthread_attr_getstack(&attributes, &low, &size) == 0) thread_stack_low = low;
            pthread_attr_destroy(&attributes);
        }
    }
    return thread_stack_low;
}

void shim_set_stack_floor(lantern_state *state) {
    const char *here = (const char *)__builtin_frame_address(0);
    const char *floor = here - CALL_STACK_BUDGET;
    const char *low = stack_low();
    if (low != NULL && floor < low + STACK_MARGIN) floor = low + STACK_MARGIN;
    state->stack_floor = floor;
}

void shim_check_c_stack(lua_State *L) {
    const char *here = (const char *)__builtin_frame_address(0);
    lantern_state *state = shim_state(L);
    if (state->stack_floor != NULL && here < state->stack_floor) luaL_error(L, "C stack overflow");
}
