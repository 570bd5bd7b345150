// The utf8 library for the sandbox, written for Lantern (design.md rule 9): Lua's len, offset,
// codepoint and codes walk strings of any length with no look at the deadline. These look at the
// limits after every quantum of bytes and give Lua 5.4's results, with one deliberate difference:
// utf8.codes behaves as Lua 5.4.5 and later (upstream commit a1089b41), which refuse spurious
// continuation bytes ("invalid UTF-8 code") where Debian's 5.4.4 skips them silently.
#include "shim_internal.h"
#include <limits.h>
#include <string.h>

#define MAX_UNICODE 0x10FFFFu
#define MAX_UTF 0x7FFFFFFFu
#define INVALID "invalid UTF-8 code"

static int is_continuation(const char *p) { return ((unsigned char)*p & 0xC0) == 0x80; }

/* A negative position counts back from the end (-1: the last byte); too far back gives 0. */
static lua_Integer relative_position(lua_Integer position, size_t length) {
    if (position >= 0) return position;
    if (0u - (size_t)position > length) return 0;
    return (lua_Integer)length + position + 1;
}

/* Decodes the sequence at s (which ends with a zero byte, so a truncated sequence stops there);
   returns where the next one starts, or NULL when it is invalid: a lead byte with the wrong number
   of continuation bytes, an overlong form, past 2^31, and (strict) past U+10FFFF or a surrogate. */
static const char *decode(const char *s, unsigned long *value, int strict) {
    static const unsigned long smallest[] = {~0ul, 0x80, 0x800, 0x10000u, 0x200000u, 0x4000000u};
    unsigned int c = (unsigned char)s[0];
    unsigned long code = 0;
    if (c < 0x80) {
        code = c;
    } else {
        int count = 0;
        for (; c & 0x40; c <<= 1) {
            unsigned int next = (unsigned char)s[++count];
            if ((next & 0xC0) != 0x80) return NULL;
            code = (code << 6) | (next & 0x3F);
        }
        code |= (unsigned long)(c & 0x7F) << (count * 5);
        if (count > 5 || code > MAX_UTF || code < smallest[count]) return NULL;
        s += count;
    }
    if (strict && (code > MAX_UNICODE || (code >= 0xD800u && code <= 0xDFFFu))) return NULL;
    if (value) *value = code;
    return s + 1;
}

static int utf8_len(lua_State *L) {
    size_t length;
    const char *s = luaL_checklstring(L, 1, &length);
    lua_Integer i = relative_position(luaL_optinteger(L, 2, 1), length);
    lua_Integer j = relative_position(luaL_optinteger(L, 3, -1), length);
    int lax = lua_toboolean(L, 4);
    luaL_argcheck(L, 1 <= i && --i <= (lua_Integer)length, 2, "initial position out of bounds");
    luaL_argcheck(L, --j < (lua_Integer)length, 3, "final position out of bounds");
    shim_work work;
    shim_work_init(&work, L);
    lua_Integer n = 0;
    while (i <= j) {
        const char *next = decode(s + i, NULL, !lax);
        if (next == NULL) {
            luaL_pushfail(L);
            lua_pushinteger(L, i + 1);
            return 2;
        }
        shim_charge(&work, (size_t)(next - (s + i)));
        i = next - s;
        n++;
    }
    lua_pushinteger(L, n);
    return 1;
}

static int utf8_codepoint(lua_State *L) {
    size_t length;
    const char *s = luaL_checklstring(L, 1, &length);
    lua_Integer i = relative_position(luaL_optinteger(L, 2, 1), length);
    lua_Integer j = relative_position(luaL_optinteger(L, 3, i), length);
    int lax = lua_toboolean(L, 4);
    luaL_argcheck(L, i >= 1, 2, "out of bounds");
    luaL_argcheck(L, j <= (lua_Integer)length, 3, "out of bounds");
    if (i > j) return 0;
    if (j - i >= INT_MAX) return luaL_error(L, "string slice too long");
    luaL_checkstack(L, (int)(j - i) + 1, "string slice too long");
    shim_work work;
    shim_work_init(&work, L);
    int n = 0;
    const char *end = s + j;
    for (s += i - 1; s < end;) {
        unsigned long code;
        const char *next = decode(s, &code, !lax);
        if (next == NULL) return luaL_error(L, INVALID);
        lua_pushinteger(L, (lua_Integer)code);
        shim_charge(&work, 16);
        s = next;
        n++;
    }
    return n;
}

static int utf8_char(lua_State *L) {
    int n = lua_gettop(L);
    shim_work work;
    shim_work_init(&work, L);
    luaL_Buffer b;
    if (n != 1) luaL_buffinit(L, &b);
    for (int i = 1; i <= n; i++) {
        lua_Unsigned code = (lua_Unsigned)luaL_checkinteger(L, i);
        luaL_argcheck(L, code <= MAX_UTF, i, "value out of range");
        lua_pushfstring(L, "%U", (long)code);
        if (n == 1) return 1;
        luaL_addvalue(&b);
        shim_step(&work);
    }
    luaL_pushresult(&b);
    return 1;
}

static int utf8_offset(lua_State *L) {
    size_t length;
    const char *s = luaL_checklstring(L, 1, &length);
    lua_Integer n = luaL_checkinteger(L, 2);
    lua_Integer i = relative_position(luaL_optinteger(L, 3, n >= 0 ? 1 : (lua_Integer)length + 1), length);
    luaL_argcheck(L, 1 <= i && --i <= (lua_Integer)length, 3, "position out of bounds");
    shim_work work;
    shim_work_init(&work, L);
    if (n == 0) {   /* the start of the character at i */
        while (i > 0 && is_continuation(s + i)) { i--; shim_charge(&work, 1); }
    } else {
        if (is_continuation(s + i)) return luaL_error(L, "initial position is a continuation byte");
        if (n < 0) {
            while (n < 0 && i > 0) {
                do { i--; shim_charge(&work, 1); } while (i > 0 && is_continuation(s + i));
                n++;
            }
        } else {
            n--;   /* the first character is the one at i */
            while (n > 0 && i < (lua_Integer)length) {
                do { i++; shim_charge(&work, 1); } while (is_continuation(s + i));   /* the final zero stops it */
                n--;
            }
        }
    }
    if (n == 0) lua_pushinteger(L, i + 1);
    else luaL_pushfail(L);
    return 1;
}

/* The iterator of utf8.codes: the character after the one at byte n (0: the first), refusing a
   character followed by a continuation byte (Lua 5.4.5's fix; 5.4.4 skipped them). */
static int codes_next(lua_State *L, int strict) {
    size_t length;
    const char *s = luaL_checklstring(L, 1, &length);
    lua_Unsigned n = (lua_Unsigned)lua_tointeger(L, 2);
    if (n < length) {
        /* A script may call the iterator itself from any position: skip a run of any length. */
        shim_work work;
        shim_work_init(&work, L);
        while (is_continuation(s + n)) { n++; shim_charge(&work, 1); }
    }
    if (n >= length) return 0;
    unsigned long code;
    const char *next = decode(s + n, &code, strict);
    if (next == NULL || is_continuation(next)) return luaL_error(L, INVALID);
    lua_pushinteger(L, (lua_Integer)n + 1);
    lua_pushinteger(L, (lua_Integer)code);
    return 2;
}

static int codes_next_strict(lua_State *L) { return codes_next(L, 1); }
static int codes_next_lax(lua_State *L) { return codes_next(L, 0); }

static int utf8_codes(lua_State *L) {
    int lax = lua_toboolean(L, 2);
    const char *s = luaL_checkstring(L, 1);
    luaL_argcheck(L, !is_continuation(s), 1, INVALID);
    lua_pushcfunction(L, lax ? codes_next_lax : codes_next_strict);
    lua_pushvalue(L, 1);
    lua_pushinteger(L, 0);
    return 3;
}

void shim_install_utf8(lua_State *L) {
    static const luaL_Reg functions[] = {
        {"len", utf8_len}, {"codepoint", utf8_codepoint}, {"char", utf8_char},
        {"offset", utf8_offset}, {"codes", utf8_codes}, {NULL, NULL},
    };
    lua_getglobal(L, "utf8");
    if (lua_istable(L, -1)) luaL_setfuncs(L, functions, 0);
    lua_pop(L, 1);
}
