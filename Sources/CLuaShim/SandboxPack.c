// string.pack, string.unpack and string.packsize for the sandbox, written for Lantern (design.md
// rule 9): Lua's read the format an option at a time and pad a byte at a time with no look at the
// deadline, so a format of ("x"):rep(1e8) or a "c300000000" ran for seconds. Here every option
// counts as a step and every byte padded, copied or scanned counts as work. Options, sizes,
// alignment and error messages are Lua 5.4.4's.
#include "shim_internal.h"
#include <limits.h>
#include <stddef.h>
#include <string.h>

#define MAX_INT_SIZE 16
/* The largest size an option may give ('c' and the sizes of results), as Lua's int-based counts. */
#define MAX_SIZE ((size_t)INT_MAX)
#define LUA_INTEGER_SIZE ((int)sizeof(lua_Integer))

typedef enum { K_INT, K_UINT, K_FLOAT, K_NUMBER, K_DOUBLE, K_CHAR, K_STRING, K_ZSTR, K_PADDING, K_ALIGN, K_NOP } Kind;

typedef struct {
    lua_State *L;
    int little;
    int max_align;
    shim_work work;
} Packer;

static int native_little(void) { const union { int i; char c; } u = {1}; return u.c; }

static int is_digit(int c) { return c >= '0' && c <= '9'; }

/* A decimal count after an option, or `otherwise` when there is none; stops before it could pass
   MAX_SIZE (further digits are then read as options, as Lua does). */
static int read_count(const char **f, int otherwise) {
    if (!is_digit((unsigned char)**f)) return otherwise;
    int n = 0;
    do n = n * 10 + (*(*f)++ - '0');
    while (is_digit((unsigned char)**f) && n <= ((int)MAX_SIZE - 9) / 10);
    return n;
}

static int read_int_size(Packer *k, const char **f, int otherwise) {
    int n = read_count(f, otherwise);
    if (n > MAX_INT_SIZE || n <= 0)
        luaL_error(k->L, "integral size (%d) out of limits [1,%d]", n, MAX_INT_SIZE);
    return n;
}

/* Reads the next option at *f: its kind and size (configuration options change the packer). */
static Kind read_option(Packer *k, const char **f, int *size) {
    struct aligned { char c; union { LUAI_MAXALIGN; } u; };
    int option = (unsigned char)*(*f)++;
    *size = 0;
    shim_step(&k->work);
    switch (option) {
    case 'b': *size = (int)sizeof(char); return K_INT;
    case 'B': *size = (int)sizeof(char); return K_UINT;
    case 'h': *size = (int)sizeof(short); return K_INT;
    case 'H': *size = (int)sizeof(short); return K_UINT;
    case 'l': *size = (int)sizeof(long); return K_INT;
    case 'L': *size = (int)sizeof(long); return K_UINT;
    case 'j': *size = (int)sizeof(lua_Integer); return K_INT;
    case 'J': *size = (int)sizeof(lua_Integer); return K_UINT;
    case 'T': *size = (int)sizeof(size_t); return K_UINT;
    case 'f': *size = (int)sizeof(float); return K_FLOAT;
    case 'n': *size = (int)sizeof(lua_Number); return K_NUMBER;
    case 'd': *size = (int)sizeof(double); return K_DOUBLE;
    case 'i': *size = read_int_size(k, f, (int)sizeof(int)); return K_INT;
    case 'I': *size = read_int_size(k, f, (int)sizeof(int)); return K_UINT;
    case 's': *size = read_int_size(k, f, (int)sizeof(size_t)); return K_STRING;
    case 'c':
        *size = read_count(f, -1);
        if (*size == -1) luaL_error(k->L, "missing size for format option 'c'");
        return K_CHAR;
    case 'z': return K_ZSTR;
    case 'x': *size = 1; return K_PADDING;
    case 'X': return K_ALIGN;
    case ' ': break;
    case '<': k->little = 1; break;
    case '>': k->little = 0; break;
    case '=': k->little = native_little(); break;
    case '!': k->max_align = read_int_size(k, f, (int)offsetof(struct aligned, u)); break;
    default: luaL_error(k->L, "invalid format option '%c'", option);
    }
    return K_NOP;
}

/* The next option, its size and the padding that aligns it at offset `total`. */
static Kind read_details(Packer *k, size_t total, const char **f, int *size, int *padding) {
    Kind kind = read_option(k, f, size);
    int align = *size;
    if (kind == K_ALIGN) {   /* X takes its alignment from the option after it */
        if (**f == '\0' || read_option(k, f, &align) == K_CHAR || align == 0)
            luaL_argerror(k->L, 1, "invalid next option for option 'X'");
    }
    if (align <= 1 || kind == K_CHAR) {
        *padding = 0;
    } else {
        if (align > k->max_align) align = k->max_align;
        if ((align & (align - 1)) != 0) luaL_argerror(k->L, 1, "format asks for alignment not power of 2");
        *padding = (align - (int)(total & (size_t)(align - 1))) & (align - 1);
    }
    return kind;
}

static void packer_init(Packer *k, lua_State *L) {
    k->L = L;
    k->little = native_little();
    k->max_align = 1;
    shim_work_init(&k->work, L);
}

/* `count` zero bytes, a quantum at a time. */
static void add_zeros(Packer *k, luaL_Buffer *b, size_t count) {
    while (count > 0) {
        size_t piece = count > SHIM_WORK_QUANTUM ? SHIM_WORK_QUANTUM : count;
        memset(luaL_prepbuffsize(b, piece), 0, piece);
        luaL_addsize(b, piece);
        shim_charge(&k->work, piece);
        count -= piece;
    }
}

static void add_int(luaL_Buffer *b, lua_Unsigned n, int little, int size, int negative) {
    char *out = luaL_prepbuffsize(b, (size_t)size);
    for (int i = 0; i < size; i++) {
        /* bytes past a lua_Integer's are the sign's */
        unsigned char byte = i < LUA_INTEGER_SIZE ? (unsigned char)(n >> (8 * i)) : (negative ? 0xFF : 0);
        out[little ? i : size - 1 - i] = (char)byte;
    }
    luaL_addsize(b, (size_t)size);
}

static void copy_ordered(char *to, const char *from, int size, int little) {
    if (little == native_little()) memcpy(to, from, (size_t)size);
    else for (int i = 0; i < size; i++) to[i] = from[size - 1 - i];
}

/* Appends the `size` bytes of a float at `x` in the byte order asked for. */
static void add_ordered(luaL_Buffer *b, const void *x, int size, int little) {
    copy_ordered(luaL_prepbuffsize(b, (size_t)size), (const char *)x, size, little);
    luaL_addsize(b, (size_t)size);
}

/* Whether s holds a zero byte among its first `length`, looked for a quantum at a time. */
static int has_zero(Packer *k, const char *s, size_t length) {
    for (size_t done = 0; done < length;) {
        size_t piece = length - done > SHIM_WORK_QUANTUM ? SHIM_WORK_QUANTUM : length - done;
        if (memchr(s + done, '\0', piece) != NULL) return 1;
        shim_charge(&k->work, piece);
        done += piece;
    }
    return 0;
}

int shim_str_pack(lua_State *L) {
    Packer k;
    const char *f = luaL_checkstring(L, 1);
    int arg = 1;
    size_t total = 0;
    packer_init(&k, L);
    lua_pushnil(L);   /* keeps the arguments apart from the buffer */
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    while (*f != '\0') {
        int size, padding;
        Kind kind = read_details(&k, total, &f, &size, &padding);
        total += (size_t)padding + (size_t)size;
        add_zeros(&k, &b, (size_t)padding);
        arg++;
        switch (kind) {
        case K_INT: {
            lua_Integer n = luaL_checkinteger(L, arg);
            if (size < LUA_INTEGER_SIZE) {
                lua_Integer limit = (lua_Integer)1 << (size * 8 - 1);
                luaL_argcheck(L, -limit <= n && n < limit, arg, "integer overflow");
            }
            add_int(&b, (lua_Unsigned)n, k.little, size, n < 0);
            break;
        }
        case K_UINT: {
            lua_Integer n = luaL_checkinteger(L, arg);
            if (size < LUA_INTEGER_SIZE)
                luaL_argcheck(L, (lua_Unsigned)n < ((lua_Unsigned)1 << (size * 8)), arg, "unsigned overflow");
            add_int(&b, (lua_Unsigned)n, k.little, size, 0);
            break;
        }
        case K_FLOAT: {
            float x = (float)luaL_checknumber(L, arg);
            add_ordered(&b, &x, (int)sizeof x, k.little);
            break;
        }
        case K_NUMBER: {
            lua_Number x = luaL_checknumber(L, arg);
            add_ordered(&b, &x, (int)sizeof x, k.little);
            break;
        }
        case K_DOUBLE: {
            double x = (double)luaL_checknumber(L, arg);
            add_ordered(&b, &x, (int)sizeof x, k.little);
            break;
        }
        case K_CHAR: {
            size_t length;
            const char *s = luaL_checklstring(L, arg, &length);
            luaL_argcheck(L, length <= (size_t)size, arg, "string longer than given size");
            shim_add_bounded(&k.work, &b, s, length);
            add_zeros(&k, &b, (size_t)size - length);
            break;
        }
        case K_STRING: {
            size_t length;
            const char *s = luaL_checklstring(L, arg, &length);
            luaL_argcheck(L, size >= (int)sizeof(size_t) || length < ((size_t)1 << (size * 8)),
                          arg, "string length does not fit in given size");
            add_int(&b, (lua_Unsigned)length, k.little, size, 0);
            shim_add_bounded(&k.work, &b, s, length);
            total += length;
            break;
        }
        case K_ZSTR: {
            size_t length;
            const char *s = luaL_checklstring(L, arg, &length);
            luaL_argcheck(L, !has_zero(&k, s, length), arg, "string contains zeros");
            shim_add_bounded(&k.work, &b, s, length);
            luaL_addchar(&b, '\0');
            total += length + 1;
            break;
        }
        case K_PADDING: luaL_addchar(&b, '\0'); /* fall through */
        case K_ALIGN: case K_NOP:
            arg--;   /* took no argument */
            break;
        }
    }
    luaL_pushresult(&b);
    return 1;
}

int shim_str_packsize(lua_State *L) {
    Packer k;
    const char *f = luaL_checkstring(L, 1);
    size_t total = 0;
    packer_init(&k, L);
    while (*f != '\0') {
        int size, padding;
        Kind kind = read_details(&k, total, &f, &size, &padding);
        luaL_argcheck(L, kind != K_STRING && kind != K_ZSTR, 1, "variable-length format");
        size += padding;
        luaL_argcheck(L, total <= MAX_SIZE - (size_t)size, 1, "format result too large");
        total += (size_t)size;
    }
    lua_pushinteger(L, (lua_Integer)total);
    return 1;
}

static lua_Integer read_int(lua_State *L, const char *s, int little, int size, int is_signed) {
    lua_Unsigned n = 0;
    int kept = size <= LUA_INTEGER_SIZE ? size : LUA_INTEGER_SIZE;
    for (int i = kept - 1; i >= 0; i--) n = (n << 8) | (unsigned char)s[little ? i : size - 1 - i];
    if (size < LUA_INTEGER_SIZE) {
        if (is_signed) {   /* extend the sign */
            lua_Unsigned sign = (lua_Unsigned)1 << (size * 8 - 1);
            n = (n ^ sign) - sign;
        }
    } else if (size > LUA_INTEGER_SIZE) {   /* the bytes left out must be the sign's */
        unsigned char expected = (!is_signed || (lua_Integer)n >= 0) ? 0 : 0xFF;
        for (int i = kept; i < size; i++)
            if ((unsigned char)s[little ? i : size - 1 - i] != expected)
                luaL_error(L, "%d-byte integer does not fit into Lua Integer", size);
    }
    return (lua_Integer)n;
}

/* The length of the zero-terminated string at s (data ends with Lua's terminating zero), looked
   for a quantum at a time. */
static size_t zstring_length(Packer *k, const char *s, size_t available) {
    size_t span = available + 1;   /* with the terminating zero: a zero is always found */
    for (size_t done = 0;;) {
        size_t piece = span - done > SHIM_WORK_QUANTUM ? SHIM_WORK_QUANTUM : span - done;
        const char *zero = memchr(s + done, '\0', piece);
        if (zero != NULL) return (size_t)(zero - s);
        shim_charge(&k->work, piece);
        done += piece;
    }
}

int shim_str_unpack(lua_State *L) {
    Packer k;
    const char *f = luaL_checkstring(L, 1);
    size_t ld;
    const char *data = luaL_checklstring(L, 2, &ld);
    lua_Integer init = luaL_optinteger(L, 3, 1);
    size_t position = init > 0 ? (size_t)init - 1
                    : init == 0 || init < -(lua_Integer)ld ? 0 : ld + (size_t)init;
    int n = 0;
    luaL_argcheck(L, position <= ld, 3, "initial position out of string");
    packer_init(&k, L);
    while (*f != '\0') {
        int size, padding;
        Kind kind = read_details(&k, position, &f, &size, &padding);
        luaL_argcheck(L, (size_t)padding + (size_t)size <= ld - position, 2, "data string too short");
        position += (size_t)padding;
        luaL_checkstack(L, 2, "too many results");
        n++;
        switch (kind) {
        case K_INT: case K_UINT:
            lua_pushinteger(L, read_int(L, data + position, k.little, size, kind == K_INT));
            break;
        case K_FLOAT: {
            float x;
            copy_ordered((char *)&x, data + position, (int)sizeof x, k.little);
            lua_pushnumber(L, (lua_Number)x);
            break;
        }
        case K_NUMBER: {
            lua_Number x;
            copy_ordered((char *)&x, data + position, (int)sizeof x, k.little);
            lua_pushnumber(L, x);
            break;
        }
        case K_DOUBLE: {
            double x;
            copy_ordered((char *)&x, data + position, (int)sizeof x, k.little);
            lua_pushnumber(L, (lua_Number)x);
            break;
        }
        case K_CHAR:
            lua_pushlstring(L, data + position, (size_t)size);
            shim_charge(&k.work, (size_t)size);   /* one copy, charged after the fact */
            break;
        case K_STRING: {
            size_t length = (size_t)read_int(L, data + position, k.little, size, 0);
            luaL_argcheck(L, length <= ld - position - (size_t)size, 2, "data string too short");
            lua_pushlstring(L, data + position + size, length);
            shim_charge(&k.work, length);
            position += length;
            break;
        }
        case K_ZSTR: {
            size_t length = zstring_length(&k, data + position, ld - position);
            luaL_argcheck(L, position + length < ld, 2, "unfinished string for format 'z'");
            lua_pushlstring(L, data + position, length);
            shim_charge(&k.work, length);
            position += length + 1;
            break;
        }
        case K_ALIGN: case K_PADDING: case K_NOP:
            n--;
            break;
        }
        position += (size_t)size;
    }
    lua_pushinteger(L, (lua_Integer)position + 1);
    return n + 1;
}
