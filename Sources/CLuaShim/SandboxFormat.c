// string.format for the sandbox, written for Lantern (design.md rule 9): Lua's scans the format a
// byte at a time and quotes a %q string a byte at a time, with no look at the deadline, so a format
// or an argument of hundreds of megabytes ran for seconds. This one copies the text between
// conversions in pieces of at most a quantum, counts each conversion as a step and its output as
// bytes, and quotes a quantum of input at a time. The conversions and their checks (flags allowed
// per conversion, at most two digits of width and precision, the error messages and the argument
// numbers in them) are Lua 5.4.4's; the numbers themselves are written by the C library as Lua does.
#include "shim_internal.h"
#include <ctype.h>
#include <float.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* The room one converted item may take: a '%99.99f' of the largest double needs 99 digits after the
   point and one per power of ten before it; every other conversion fits in 120. */
#define ITEM_ROOM 120
#define FLOAT_ITEM_ROOM (110 + DBL_MAX_10_EXP)
/* A specification ('%', flags, width, precision, conversion) longer than this is refused. */
#define SPEC_ROOM 32

#define FLAGS_FLOAT "-+#0 "
#define FLAGS_HEX "-#0"
#define FLAGS_INT "-+0 "
#define FLAGS_UNSIGNED "-0"
#define FLAGS_PLAIN "-"

static int in_spec_prefix(int c) { return c != '\0' && strchr(FLAGS_FLOAT "123456789.", c) != NULL; }

/* Copies the specification that starts after a '%' at f into spec ("%...x") and returns where its
   conversion character is. Flags, digits and points are taken whatever their order; checks_spec
   judges them once the conversion is known. */
static const char *read_spec(lua_State *L, const char *f, char *spec) {
    size_t span = 0;
    while (span < SPEC_ROOM - 10 && in_spec_prefix((unsigned char)f[span])) span++;
    if (span + 1 >= SPEC_ROOM - 10) luaL_error(L, "invalid format (too long)");
    spec[0] = '%';
    memcpy(spec + 1, f, span + 1);
    spec[span + 2] = '\0';
    return f + span;
}

static const char *skip_two_digits(const char *p) {
    if (isdigit((unsigned char)*p)) { p++; if (isdigit((unsigned char)*p)) p++; }
    return p;
}

/* Accepts a specification whose flags are among `flags`, with a width of at most two digits (not
   starting with 0) and, when `precision` allows, a point and at most two digits. */
static void check_spec(lua_State *L, const char *spec, const char *flags, int precision) {
    const char *p = spec + 1;
    while (*p != '\0' && strchr(flags, *p) != NULL) p++;
    if (*p != '0') {
        p = skip_two_digits(p);
        if (*p == '.' && precision) p = skip_two_digits(p + 1);
    }
    if (!isalpha((unsigned char)*p)) luaL_error(L, "invalid conversion specification: '%s'", spec);
}

/* Puts a length modifier ("ll" for lua_Integer) before the conversion character. */
static void add_length_modifier(char *spec, const char *modifier) {
    size_t l = strlen(spec), m = strlen(modifier);
    char conversion = spec[l - 1];
    memcpy(spec + l - 1, modifier, m);
    spec[l - 1 + m] = conversion;
    spec[l + m] = '\0';
}

/* %q of a string: quotes, backslashes before '"', '\\' and newlines, control characters as decimal
   escapes (three digits when a digit follows). A quantum of input between two looks at the limits. */
static void add_quoted_string(shim_work *work, luaL_Buffer *b, const char *s, size_t length) {
    luaL_addchar(b, '"');
    for (size_t done = 0; done < length;) {
        size_t stop = length - done > SHIM_WORK_QUANTUM ? done + SHIM_WORK_QUANTUM : length;
        for (size_t i = done; i < stop; i++) {
            unsigned char c = (unsigned char)s[i];
            if (c == '"' || c == '\\' || c == '\n') {
                luaL_addchar(b, '\\');
                luaL_addchar(b, (char)c);
            } else if (iscntrl(c)) {
                char escape[8];
                /* s[length] is the string's terminating zero: no digit follows the last byte. */
                int digit_next = isdigit((unsigned char)s[i + 1]);
                int n = snprintf(escape, sizeof escape, digit_next ? "\\%03d" : "\\%d", (int)c);
                luaL_addlstring(b, escape, (size_t)n);
            } else {
                luaL_addchar(b, (char)c);
            }
        }
        shim_charge(work, 2 * (stop - done));
        done = stop;
    }
    luaL_addchar(b, '"');
}

/* %q of a number: integers in decimal (the smallest in hexadecimal, as no decimal numeral reads back
   as it), floats in hexadecimal, and inf, -inf and NaN as expressions that read back. */
static void add_quoted_number(lua_State *L, luaL_Buffer *b, int arg) {
    char *out = luaL_prepbuffsize(b, ITEM_ROOM);
    int n;
    if (lua_isinteger(L, arg)) {
        lua_Integer i = lua_tointeger(L, arg);
        n = snprintf(out, ITEM_ROOM, i == LUA_MININTEGER ? "0x%" LUA_INTEGER_FRMLEN "x" : LUA_INTEGER_FMT, (LUAI_UACINT)i);
    } else {
        lua_Number x = lua_tonumber(L, arg);
        if (x == (lua_Number)HUGE_VAL) n = snprintf(out, ITEM_ROOM, "1e9999");
        else if (x == -(lua_Number)HUGE_VAL) n = snprintf(out, ITEM_ROOM, "-1e9999");
        else if (x != x) n = snprintf(out, ITEM_ROOM, "(0/0)");
        else {
            n = snprintf(out, ITEM_ROOM, "%" LUA_NUMBER_FRMLEN "a", (LUAI_UACNUMBER)x);
            if (memchr(out, '.', (size_t)n) == NULL) {   /* a locale's radix character: make it a dot */
                char *point = memchr(out, lua_getlocaledecpoint(), (size_t)n);
                if (point) *point = '.';
            }
        }
    }
    luaL_addsize(b, (size_t)n);
}

static void add_literal(shim_work *work, lua_State *L, luaL_Buffer *b, int arg) {
    switch (lua_type(L, arg)) {
    case LUA_TSTRING: {
        size_t length;
        const char *s = lua_tolstring(L, arg, &length);
        add_quoted_string(work, b, s, length);
        break;
    }
    case LUA_TNUMBER: add_quoted_number(L, b, arg); break;
    case LUA_TNIL: case LUA_TBOOLEAN:
        luaL_tolstring(L, arg, NULL);
        luaL_addvalue(b);
        break;
    default: luaL_argerror(L, arg, "value has no literal form");
    }
}

/* Whether s holds a zero byte among its first `length`, looked for a quantum at a time. */
static int has_zero(shim_work *work, const char *s, size_t length) {
    for (size_t done = 0; done < length;) {
        size_t piece = length - done > SHIM_WORK_QUANTUM ? SHIM_WORK_QUANTUM : length - done;
        if (memchr(s + done, '\0', piece) != NULL) return 1;
        shim_charge(work, piece);
        done += piece;
    }
    return 0;
}

int shim_str_format(lua_State *L) {
    int top = lua_gettop(L);
    int arg = 1;
    size_t format_length;
    const char *f = luaL_checklstring(L, 1, &format_length);
    const char *end = f + format_length;
    shim_work work;
    shim_work_init(&work, L);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    while (f < end) {
        size_t left = (size_t)(end - f);
        size_t window = left > SHIM_WORK_QUANTUM ? SHIM_WORK_QUANTUM : left;
        const char *escape = memchr(f, '%', window);
        if (escape == NULL) {
            shim_add_bounded(&work, &b, f, window);
            f += window;
            continue;
        }
        shim_add_bounded(&work, &b, f, (size_t)(escape - f));
        f = escape + 1;   /* may be `end`, whose byte is the string's terminating zero */
        shim_step(&work);
        if (*f == '%') { luaL_addchar(&b, '%'); f++; continue; }
        char spec[SPEC_ROOM];
        char *out = luaL_prepbuffsize(&b, ITEM_ROOM);
        int room = ITEM_ROOM;
        int written = 0;
        if (++arg > top) return luaL_argerror(L, arg, "no value");
        f = read_spec(L, f, spec);
        switch (*f++) {
        case 'c':
            check_spec(L, spec, FLAGS_PLAIN, 0);
            written = snprintf(out, (size_t)room, spec, (int)luaL_checkinteger(L, arg));
            break;
        case 'd': case 'i': case 'u': case 'o': case 'x': case 'X': {
            char conversion = f[-1];
            const char *flags = conversion == 'd' || conversion == 'i' ? FLAGS_INT
                              : conversion == 'u' ? FLAGS_UNSIGNED : FLAGS_HEX;
            lua_Integer n = luaL_checkinteger(L, arg);
            check_spec(L, spec, flags, 1);
            add_length_modifier(spec, LUA_INTEGER_FRMLEN);
            written = snprintf(out, (size_t)room, spec, (LUAI_UACINT)n);
            break;
        }
        case 'a': case 'A':
            check_spec(L, spec, FLAGS_FLOAT, 1);
            add_length_modifier(spec, LUA_NUMBER_FRMLEN);
            written = snprintf(out, (size_t)room, spec, (LUAI_UACNUMBER)luaL_checknumber(L, arg));
            break;
        case 'f': case 'e': case 'E': case 'g': case 'G': {
            if (f[-1] == 'f') { room = FLOAT_ITEM_ROOM; out = luaL_prepbuffsize(&b, (size_t)room); }
            lua_Number n = luaL_checknumber(L, arg);
            check_spec(L, spec, FLAGS_FLOAT, 1);
            add_length_modifier(spec, LUA_NUMBER_FRMLEN);
            written = snprintf(out, (size_t)room, spec, (LUAI_UACNUMBER)n);
            break;
        }
        case 'p': {
            const void *p = lua_topointer(L, arg);
            check_spec(L, spec, FLAGS_PLAIN, 0);
            if (p == NULL) {   /* no NULL to printf: write "(null)" as a string */
                spec[strlen(spec) - 1] = 's';
                written = snprintf(out, (size_t)room, spec, "(null)");
            } else {
                written = snprintf(out, (size_t)room, spec, p);
            }
            break;
        }
        case 'q':
            if (spec[2] != '\0') return luaL_error(L, "specifier '%%q' cannot have modifiers");
            add_literal(&work, L, &b, arg);
            break;
        case 's': {
            size_t length;
            const char *s = luaL_tolstring(L, arg, &length);
            if (spec[2] == '\0') {   /* no modifiers: the whole string */
                luaL_addvalue(&b);
                shim_charge(&work, length);
                break;
            }
            luaL_argcheck(L, !has_zero(&work, s, length), arg, "string contains zeros");
            check_spec(L, spec, FLAGS_PLAIN, 1);
            if (strchr(spec, '.') == NULL && length >= 100) {   /* too long to pad: kept whole */
                luaL_addvalue(&b);
                shim_charge(&work, length);
            } else {
                written = snprintf(out, (size_t)room, spec, s);
                lua_pop(L, 1);
            }
            break;
        }
        default:
            return luaL_error(L, "invalid conversion '%s' to 'format'", spec);
        }
        luaL_addsize(&b, (size_t)written);
        shim_charge(&work, (size_t)written);
    }
    luaL_pushresult(&b);
    return 1;
}
