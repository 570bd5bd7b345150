// The table functions whose loops run in C for as long as a script asks (a `__len` of 2^50, a move
// over math.maxinteger slots, a sort whose comparisons never call Lua): the same behaviour as
// Lua's, with the limits checked as they go (design.md rules 6 and 9).
#include "shim_internal.h"
#include <limits.h>

static lua_Integer length_of(lua_State *L, int index) {
    luaL_checktype(L, index, LUA_TTABLE);
    return luaL_len(L, index);
}

static int table_insert(lua_State *L) {
    lua_Integer end = length_of(L, 1) + 1;   /* the first empty slot */
    lua_Integer position = end;
    shim_work work;
    shim_work_init(&work, L);
    switch (lua_gettop(L)) {
    case 2: break;
    case 3:
        position = luaL_checkinteger(L, 2);
        luaL_argcheck(L, (lua_Unsigned)position - 1u < (lua_Unsigned)end, 2, "position out of bounds");
        for (lua_Integer i = end; i > position; i--) {
            lua_geti(L, 1, i - 1);
            lua_seti(L, 1, i);
            shim_step(&work);
        }
        break;
    default:
        return luaL_error(L, "wrong number of arguments to 'insert'");
    }
    lua_seti(L, 1, position);
    return 0;
}

static int table_remove(lua_State *L) {
    lua_Integer size = length_of(L, 1);
    lua_Integer position = luaL_optinteger(L, 2, size);
    shim_work work;
    shim_work_init(&work, L);
    if (position != size)
        luaL_argcheck(L, (lua_Unsigned)position - 1u <= (lua_Unsigned)size, 2, "position out of bounds");
    lua_geti(L, 1, position);
    for (; position < size; position++) {
        lua_geti(L, 1, position + 1);
        lua_seti(L, 1, position);
        shim_step(&work);
    }
    lua_pushnil(L);
    lua_seti(L, 1, position);
    return 1;
}

static int table_move(lua_State *L) {
    lua_Integer first = luaL_checkinteger(L, 2);
    lua_Integer last = luaL_checkinteger(L, 3);
    lua_Integer target = luaL_checkinteger(L, 4);
    int destination = lua_isnoneornil(L, 5) ? 1 : 5;
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_checktype(L, destination, LUA_TTABLE);
    shim_work work;
    shim_work_init(&work, L);
    if (last >= first) {
        luaL_argcheck(L, first > 0 || last < LUA_MAXINTEGER + first, 3, "too many elements to move");
        lua_Integer count = last - first + 1;
        luaL_argcheck(L, target <= LUA_MAXINTEGER - count + 1, 4, "destination wrap around");
        int forward = target > last || target <= first || (destination != 1 && !lua_rawequal(L, 1, destination));
        for (lua_Integer i = 0; i < count; i++) {
            lua_Integer offset = forward ? i : count - 1 - i;
            lua_geti(L, 1, first + offset);
            lua_seti(L, destination, target + offset);
            shim_step(&work);
        }
    }
    lua_pushvalue(L, destination);
    return 1;
}

/* concat charges the bytes it copies, not only the elements: one element may be megabytes. */
static int table_concat(lua_State *L) {
    luaL_Buffer buffer;
    lua_Integer last = luaL_opt(L, luaL_checkinteger, 4, length_of(L, 1));
    size_t separator_length = 0;
    const char *separator = luaL_optlstring(L, 2, "", &separator_length);
    lua_Integer i = luaL_optinteger(L, 3, 1);
    shim_work work;
    shim_work_init(&work, L);
    luaL_buffinit(L, &buffer);
    for (; i <= last; i++) {
        lua_geti(L, 1, i);
        if (!lua_isstring(L, -1))
            return luaL_error(L, "invalid value (%s) at index %I in table for 'concat'",
                              luaL_typename(L, -1), (LUAI_UACINT)i);
        size_t length = lua_rawlen(L, -1);   /* 0 for a number, whose text is short */
        luaL_addvalue(&buffer);
        shim_charge(&work, length + SHIM_STEP_BYTES);   /* one copy of an existing value */
        if (i == last) break;   /* also keeps i from overflowing at math.maxinteger */
        shim_add_bounded(&work, &buffer, separator, separator_length);
    }
    luaL_pushresult(&buffer);
    return 1;
}

/* unpack: at most a stack's worth of results (Lua's own bound), a step each. */
static int table_unpack(lua_State *L) {
    lua_Integer i = luaL_optinteger(L, 2, 1);
    lua_Integer e = luaL_opt(L, luaL_checkinteger, 3, luaL_len(L, 1));
    if (i > e) return 0;
    lua_Unsigned n = (lua_Unsigned)e - (lua_Unsigned)i;   /* one less than the count: no overflow */
    if (n >= (unsigned int)INT_MAX || !lua_checkstack(L, (int)(++n)))
        return luaL_error(L, "too many results to unpack");
    shim_work work;
    shim_work_init(&work, L);
    for (; i < e; i++) {
        lua_geti(L, 1, i);
        shim_step(&work);
    }
    lua_geti(L, 1, e);
    return (int)n;
}

/* ---- sort: a heapsort on the table's slots, comparing with `less` or the comparator -------- */

typedef struct {
    lua_State *L;
    int has_comparator;
    shim_work work;
} Sorter;

/* Whether slot a's value sorts before slot b's. */
static int slot_less(Sorter *sorter, lua_Integer a, lua_Integer b) {
    lua_State *L = sorter->L;
    shim_step(&sorter->work);
    int result;
    if (sorter->has_comparator) {
        lua_pushvalue(L, 2);
        lua_geti(L, 1, a);
        lua_geti(L, 1, b);
        lua_call(L, 2, 1);
        result = lua_toboolean(L, -1);
        lua_pop(L, 1);
    } else {
        lua_geti(L, 1, a);
        lua_geti(L, 1, b);
        result = lua_compare(L, -2, -1, LUA_OPLT);
        lua_pop(L, 2);
    }
    return result;
}

static void swap_slots(lua_State *L, lua_Integer a, lua_Integer b) {
    lua_geti(L, 1, a);
    lua_geti(L, 1, b);
    lua_seti(L, 1, a);
    lua_seti(L, 1, b);
}

static void sift_down(Sorter *sorter, lua_Integer root, lua_Integer end) {
    while (2 * root <= end) {
        lua_Integer child = 2 * root;
        if (child + 1 <= end && slot_less(sorter, child, child + 1)) child++;
        if (!slot_less(sorter, root, child)) return;
        swap_slots(sorter->L, root, child);
        root = child;
    }
}

static int table_sort(lua_State *L) {
    lua_Integer n = length_of(L, 1);
    if (n <= 1) return 0;
    luaL_argcheck(L, n < INT_MAX, 1, "array too big");
    Sorter sorter = { L, !lua_isnoneornil(L, 2), { L, 0 } };
    if (sorter.has_comparator) luaL_checktype(L, 2, LUA_TFUNCTION);
    lua_settop(L, 2);
    for (lua_Integer start = n / 2; start >= 1; start--) sift_down(&sorter, start, n);
    for (lua_Integer end = n; end > 1; end--) {
        swap_slots(L, 1, end);
        sift_down(&sorter, 1, end - 1);
    }
    return 0;
}

void shim_install_table(lua_State *L) {
    static const luaL_Reg functions[] = {
        {"insert", table_insert}, {"remove", table_remove}, {"move", table_move},
        {"concat", table_concat}, {"sort", table_sort}, {"unpack", table_unpack}, {NULL, NULL},
    };
    lua_getglobal(L, "table");
    luaL_setfuncs(L, functions, 0);
    lua_pop(L, 1);
}
