// The string library of the sandbox: no dump, our own pattern matching (SandboxPattern.c), and the
// functions whose C loops run over script-sized data rewritten so that they look at the limits after
// every quantum of work (design.md rule 9; format, pack and utf8 have files of their own). Results
// are Lua 5.4's.
#include "shim_internal.h"
#include <ctype.h>
#include <limits.h>
#include <string.h>

void shim_add_bounded(shim_work *work, luaL_Buffer *buffer, const char *s, size_t length) {
    while (length > 0) {
        size_t piece = length > SHIM_WORK_QUANTUM ? SHIM_WORK_QUANTUM : length;
        luaL_addlstring(buffer, s, piece);
        shim_charge(work, piece);
        s += piece;
        length -= piece;
    }
}

/* rep writes one piece (the string and the separator), then doubles what it wrote, a quantum at a
   time: the copies are charged by the byte whatever the piece's size (a piece may be a megabyte). */
static int string_rep(lua_State *L) {
    size_t length, separator_length;
    const char *s = luaL_checklstring(L, 1, &length);
    lua_Integer n = luaL_checkinteger(L, 2);
    const char *separator = luaL_optlstring(L, 3, "", &separator_length);
    /* rep("", math.maxinteger) would copy nothing math.maxinteger times. */
    if (n <= 0 || length + separator_length == 0) { lua_pushliteral(L, ""); return 1; }
    size_t piece = length + separator_length;
    if (piece < length || piece > (size_t)LUA_MAXINTEGER / (size_t)n) return luaL_error(L, "resulting string too large");
    size_t total = (size_t)n * length + (size_t)(n - 1) * separator_length;
    /* A result that cannot fit fails now, as the allocator would, instead of after a long copy. */
    if (!lantern_charge_copy(L, total)) shim_check_limits(L);
    shim_work work;
    shim_work_init(&work, L);
    luaL_Buffer buffer;
    char *out = luaL_buffinitsize(L, &buffer, total);
    size_t first = total < piece ? total : piece;   /* n == 1: the string alone */
    memcpy(out, s, length);
    if (first > length) memcpy(out + length, separator, first - length);
    shim_charge(&work, first);
    /* The result is periodic with period `piece`: any earlier stretch that starts a whole number of
       periods back can be copied forward. */
    size_t filled = first;
    while (filled < total) {
        size_t back = filled - filled % piece;
        size_t chunk = total - filled;
        if (chunk > back) chunk = back;
        if (chunk > SHIM_WORK_QUANTUM) chunk = SHIM_WORK_QUANTUM;
        memcpy(out + filled, out + filled - back, chunk);
        filled += chunk;
        shim_charge(&work, chunk);
    }
    luaL_pushresultsize(&buffer, total);
    return 1;
}

/* upper, lower and reverse: a quantum of bytes between two looks at the limits. */
static int map_bytes(lua_State *L, int how) {
    size_t length;
    const char *s = luaL_checklstring(L, 1, &length);
    shim_work work;
    shim_work_init(&work, L);
    luaL_Buffer buffer;
    char *out = luaL_buffinitsize(L, &buffer, length);
    for (size_t done = 0; done < length;) {
        size_t stop = length - done > SHIM_WORK_QUANTUM ? done + SHIM_WORK_QUANTUM : length;
        if (how == 'u') for (size_t i = done; i < stop; i++) out[i] = (char)toupper((unsigned char)s[i]);
        else if (how == 'l') for (size_t i = done; i < stop; i++) out[i] = (char)tolower((unsigned char)s[i]);
        else for (size_t i = done; i < stop; i++) out[i] = s[length - 1 - i];
        shim_charge(&work, stop - done);
        done = stop;
    }
    luaL_pushresultsize(&buffer, length);
    return 1;
}

static int string_upper(lua_State *L) { return map_bytes(L, 'u'); }
static int string_lower(lua_State *L) { return map_bytes(L, 'l'); }
static int string_reverse(lua_State *L) { return map_bytes(L, 'r'); }

/* Positions as string.byte reads them: a start (negative from the end, at least 1) and an end
   (clipped to the length). */
static size_t start_position(lua_Integer position, size_t length) {
    if (position > 0) return (size_t)position;
    if (position == 0 || position < -(lua_Integer)length) return 1;
    return length + (size_t)position + 1;
}

static size_t end_position(lua_Integer position, size_t length) {
    if (position > (lua_Integer)length) return length;
    if (position >= 0) return (size_t)position;
    if (position < -(lua_Integer)length) return 0;
    return length + (size_t)position + 1;
}

/* byte: at most a stack's worth of results (Lua's own bound), a step each. */
static int string_byte(lua_State *L) {
    size_t length;
    const char *s = luaL_checklstring(L, 1, &length);
    lua_Integer first_arg = luaL_optinteger(L, 2, 1);
    size_t last = end_position(luaL_optinteger(L, 3, first_arg), length);
    size_t first = start_position(first_arg, length);
    if (first > last) return 0;
    if (last - first >= (size_t)INT_MAX) return luaL_error(L, "string slice too long");
    int n = (int)(last - first) + 1;
    luaL_checkstack(L, n, "string slice too long");
    shim_work work;
    shim_work_init(&work, L);
    for (int i = 0; i < n; i++) {
        lua_pushinteger(L, (unsigned char)s[first + (size_t)i - 1]);
        shim_charge(&work, 16);
    }
    return n;
}

static int string_dump_unavailable(lua_State *L) {
    return luaL_error(L, "string.dump is not available in the sandbox");
}

void shim_install_string(lua_State *L) {
    static const luaL_Reg functions[] = {
        {"rep", string_rep}, {"find", shim_str_find}, {"match", shim_str_match},
        {"gmatch", shim_str_gmatch}, {"gsub", shim_str_gsub}, {"dump", string_dump_unavailable},
        {"upper", string_upper}, {"lower", string_lower}, {"reverse", string_reverse},
        {"byte", string_byte}, {"format", shim_str_format}, {"pack", shim_str_pack},
        {"unpack", shim_str_unpack}, {"packsize", shim_str_packsize},
        {NULL, NULL},
    };
    /* The string table is also the __index of the string metatable, so methods change with it. */
    lua_getglobal(L, "string");
    luaL_setfuncs(L, functions, 0);
    lua_pop(L, 1);
    shim_install_utf8(L);
}
