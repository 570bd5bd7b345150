// A check of every chunk the sandbox compiles, for code-generation bugs of Debian's Lua 5.4.4 that
// scripts can reach (docs/lua-5.4.4-bugs.md). The compiled function is dumped with lua_dump (the
// public API), the 5.4 binary format is walked with bounds checks, and:
//   - 'break' out of a generic for whose body captures a variable: 5.4.4 emits the loop's closing
//     OP_CLOSE four registers too high, so the for's closing value stays on the thread's
//     to-be-closed list and a later <close> corrupts the heap. The A operand is set to the loop's
//     base, which is the code 5.4.5 and later emit, and the patched dump is reloaded.
//   - long chains of table reads through temporaries (t.a.a.a...): 5.4.4 names the culprit of a
//     runtime error by recursing once per link, in C, with no bound (a C stack overflow, and time
//     quadratic in the function's size). Chains longer than SHIM_MAX_NAME_CHAIN are refused.
// Reloading takes only the bytes this file got from lua_dump, never bytes a script supplied: the
// binary loader trusts its input (a corrupted chunk can crash 5.4.4), so scripts stay text-only.
#include "shim_internal.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Table reads (or register copies) that naming one value in a runtime error's message may visit.
   Real code stays in single digits; 5.4.4's recursion needs tens of thousands to exhaust a stack. */
#define SHIM_MAX_NAME_CHAIN 200
/* And those reads times the instructions before them: each visit scans the function's code from
   its start (findsetreg), so a short chain deep in a huge function costs as much as a long one. */
#define SHIM_MAX_NAME_WORK 4000000L
/* Where a chain's count stops growing (it is compared with the bounds above only). */
#define CHAIN_SATURATED (1 << 20)

/* Functions nested in one another (the parser already stops at about 200). */
#define MAX_NESTING 250

/* Opcode numbers of the Lua 5.4 VM (the enum in lopcodes.h; the same from 5.4.0 to 5.4.8). */
enum {
    OPC_MOVE = 0, OPC_LOADNIL = 8, OPC_SETUPVAL = 10, OPC_GETTABUP = 11, OPC_GETTABLE = 12,
    OPC_GETFIELD = 14, OPC_SETTABUP = 15, OPC_SETFIELD = 18, OPC_SELF = 20, OPC_MMBIN = 46,
    OPC_MMBINK = 48, OPC_CLOSE = 54, OPC_TBC = 55, OPC_JMP = 56, OPC_EQ = 57, OPC_TEST = 66,
    OPC_CALL = 68, OPC_TAILCALL = 69, OPC_RETURN = 70, OPC_RETURN1 = 72, OPC_TFORPREP = 75,
    OPC_TFORCALL = 76, OPC_TFORLOOP = 77, OPC_SETLIST = 78, OPC_EXTRAARG = 82, OPC_COUNT = 83,
};

/* Instruction fields: opcode in bits 0-6, A in 7-14, k in 15, B in 16-23, C in 24-31. */
#define OP_OF(i) ((int)((i) & 0x7f))
#define A_OF(i) ((int)(((i) >> 7) & 0xff))
#define K_OF(i) ((int)(((i) >> 15) & 1))
#define B_OF(i) ((int)(((i) >> 16) & 0xff))
#define C_OF(i) ((int)(((i) >> 24) & 0xff))
#define WITH_A(i, a) (((i) & ~((uint32_t)0xff << 7)) | ((uint32_t)(a) << 7))

/* Whether an opcode writes register A (what the error-naming code of 5.4.4 counts as setting a
   register, besides the range setters handled on their own). The ones that do not: stores into
   tables and upvalues, metamethod fallbacks, closing, jumps, tests, returns, list stores. */
static int writes_a(int op) {
    if (op >= OPC_SETTABUP && op <= OPC_SETFIELD) return 0;
    if (op >= OPC_MMBIN && op <= OPC_MMBINK) return 0;
    if (op >= OPC_CLOSE && op <= OPC_TEST) return 0;   /* CLOSE TBC JMP EQ LT LE EQK EQI LTI LEI GTI GEI TEST */
    if (op >= OPC_RETURN && op <= OPC_RETURN1) return 0;
    switch (op) {
    case OPC_SETUPVAL: case OPC_TFORPREP: case OPC_TFORCALL: case OPC_SETLIST: case OPC_EXTRAARG: return 0;
    default: return 1;
    }
}

/* ---- Reading the dump: every read is bounds-checked; the first failure sticks --------------- */

typedef struct {
    unsigned char *at, *end;
    const char *error;          /* why the walk refused the dump, or NULL */
    int patched;                /* how many OP_CLOSE operands were corrected */
    int longest_chain;
    long name_work;             /* the most reads times instructions one naming may cost */
} walk;

static void refuse(walk *w, const char *why) {
    if (w->error == NULL) w->error = why;
    w->at = w->end;
}

static unsigned char *take(walk *w, size_t n) {
    if (w->error || (size_t)(w->end - w->at) < n) { refuse(w, "truncated"); return NULL; }
    unsigned char *p = w->at;
    w->at += n;
    return p;
}

static unsigned read_byte(walk *w) {
    unsigned char *p = take(w, 1);
    return p ? *p : 0;
}

/* Sizes and counts: 7 bits a byte, most significant first, the last byte marked by bit 0x80. */
static size_t read_size(walk *w) {
    size_t x = 0;
    for (int n = 0; n < 10; n++) {
        unsigned b = read_byte(w);
        if (w->error) return 0;
        if (x > (SIZE_MAX >> 7)) break;
        x = (x << 7) | (b & 0x7f);
        if (b & 0x80) return x;
    }
    refuse(w, "bad size");
    return 0;
}

/* A count of items of at least `item` bytes each: never more than the bytes left could hold. */
static size_t read_count(walk *w, size_t item) {
    size_t n = read_size(w);
    if (!w->error && n > (size_t)(w->end - w->at) / item) refuse(w, "count past the end");
    return w->error ? 0 : n;
}

static void skip_string(walk *w) {
    size_t size = read_size(w);        /* 0: no string; else the length plus one */
    if (size > 0) take(w, size - 1);
}

/* ---- The checks, over one function's code ---------------------------------------------------- */

static uint32_t instruction_at(const unsigned char *code, size_t pc) {
    uint32_t i;
    memcpy(&i, code + 4 * pc, 4);      /* the dump keeps the machine's byte order */
    return i;
}

/* Bug 'break' may not properly close variable in a 'for' loop (997f11f5): every generic for is
   followed by the OP_CLOSE of its block; when a break had to close upvalues, 5.4.4 gave it the
   level of the loop's variables (base + 4) instead of the loop's own (base), so the closing value
   in base + 3 was never closed. Closing from base is what fixed versions emit; nothing above
   base + 3 is alive at that point. */
static void fix_for_close(walk *w, unsigned char *code, size_t pc, uint32_t loop) {
    uint32_t next = instruction_at(code, pc + 1);
    if (OP_OF(next) != OPC_CLOSE || A_OF(next) <= A_OF(loop)) return;
    next = WITH_A(next, A_OF(loop));
    memcpy(code + 4 * (pc + 1), &next, 4);
    w->patched++;
}

/* Bug 'Recursion in getobjname can stack overflow' (7923dbbf): to name the value in a register,
   5.4.4 finds the instruction that last set it and, for a table read, a copy or a method lookup,
   names that instruction's source register the same way, one C call deeper per link (and a scan
   of the function's code per link). chain[r] bounds the reads behind register r: it follows the
   same "last writer" rule in a single forward pass, and ignores what only shortens chains (jumps,
   named locals), so it never underestimates. A table read indexed by a register names both the
   table and the key, so its count is the two added: a balanced tree of reads 15 levels deep is
   32,767 visits (seconds of C), not 15. */
static int chain_sum(int a, int b) {
    long sum = (long)a + b + 1;
    return sum > CHAIN_SATURATED ? CHAIN_SATURATED : (int)sum;
}

static void track_chain(walk *w, int chain[256], int *high, uint32_t i, size_t pc, int named) {
    int op = OP_OF(i), a = A_OF(i), b = B_OF(i), c = C_OF(i);
    /* Naming stops at a named local (the first `named` registers at this pc): its chain is 0. */
#define LINKS(r) ((r) < named ? 0 : chain[r])
    int links = -1;                                      /* -1: not a writer of A */
    switch (op) {
    case OPC_GETFIELD: links = chain_sum(LINKS(b), 0); break;
    case OPC_GETTABLE: links = chain_sum(LINKS(b), LINKS(c)); break;
    case OPC_MOVE: links = b < a ? chain_sum(LINKS(b), 0) : 0; break;
    case OPC_SELF: links = K_OF(i) ? 0 : chain_sum(LINKS(c), 0); break;
#undef LINKS
    case OPC_LOADNIL:                                    /* writes A .. A + B */
        for (int r = a; r <= a + b && r < 256; r++) chain[r] = 0;
        return;
    case OPC_CALL: case OPC_TAILCALL: case OPC_TFORCALL: {  /* write every register above a base */
        int from = op == OPC_TFORCALL ? a + 2 : a;
        for (int r = from; r <= *high && r < 256; r++) chain[r] = 0;
        return;
    }
    default: if (writes_a(op)) links = 0; break;
    }
    if (links < 0) return;
    if (a < named) links = 0;
    chain[a] = links;
    if (links > 0 && a > *high) *high = a;
    if (links > w->longest_chain) w->longest_chain = links;
    long work = (long)links * (long)(pc + 1);
    if (work > w->name_work) w->name_work = work;
}

/* `named[pc]`: how many named locals are active at pc (they hold the lowest registers). */
static void check_code(walk *w, unsigned char *code, size_t n, const int *named) {
    int chain[256] = {0};
    int high = 0;                                        /* no register above has a chain */
    for (size_t pc = 0; pc < n; pc++) {
        uint32_t i = instruction_at(code, pc);
        int op = OP_OF(i);
        if (op >= OPC_COUNT) { refuse(w, "unknown opcode"); return; }
        if (op == OPC_TFORLOOP && pc + 1 < n) fix_for_close(w, code, pc, i);
        track_chain(w, chain, &high, i, pc, named ? named[pc] : 0);
    }
}

/* ---- One function of the dump, then its nested ones -------------------------------------------- */

static void walk_function(walk *w, int depth) {
    if (depth > MAX_NESTING) { refuse(w, "functions nested too deeply"); return; }
    skip_string(w);                    /* source */
    read_size(w);                      /* linedefined */
    read_size(w);                      /* lastlinedefined */
    take(w, 2);                        /* numparams, is_vararg */
    read_byte(w);                      /* maxstacksize */
    size_t ncode = read_count(w, 4);
    unsigned char *code = take(w, 4 * ncode);
    if (w->error) return;

    size_t nk = read_count(w, 1);
    for (size_t k = 0; k < nk && !w->error; k++) {
        switch (read_byte(w)) {        /* the constant's type tag */
        case 0x00: case 0x01: case 0x11: break;          /* nil, false, true */
        case 0x03: case 0x13: take(w, 8); break;         /* integer, float */
        case 0x04: case 0x14: skip_string(w); break;     /* short, long string */
        default: refuse(w, "unknown constant type"); break;
        }
    }
    size_t nup = read_count(w, 3);
    take(w, 3 * nup);                  /* instack, idx, kind */
    size_t nproto = read_count(w, 1);
    for (size_t p = 0; p < nproto && !w->error; p++) walk_function(w, depth + 1);

    size_t nline = read_count(w, 1);   /* debug information */
    take(w, nline);
    size_t nabs = read_count(w, 2);
    for (size_t k = 0; k < nabs && !w->error; k++) { read_size(w); read_size(w); }
    /* The named locals' ranges come after the code: count the active ones per pc (a running
       sum of +1 at each start and -1 at each end), then check the code with them. */
    int *named = calloc(ncode + 1, sizeof *named);
    size_t nloc = read_count(w, 3);
    for (size_t k = 0; k < nloc && !w->error; k++) {
        skip_string(w);
        size_t start = read_size(w), end = read_size(w);
        if (named != NULL && start < end && end <= ncode + 1) { named[start]++; if (end <= ncode) named[end]--; }
    }
    if (named != NULL) for (size_t pc = 1; pc <= ncode; pc++) named[pc] += named[pc - 1];
    size_t nupname = read_count(w, 1);
    for (size_t k = 0; k < nupname && !w->error; k++) skip_string(w);
    /* Without the counts (no memory), every register is taken as a temporary: never an underestimate. */
    if (!w->error) check_code(w, code, ncode, named);
    free(named);
}

/* The header lua_dump writes for this build: signature, version 5.4, format 0, conversion check
   bytes, sizes of Instruction, lua_Integer and lua_Number, then a test integer and float. */
static void walk_header(walk *w) {
    static const unsigned char start[] = { 0x1b, 'L', 'u', 'a', 0x54, 0, 0x19, 0x93, '\r', '\n', 0x1a, '\n' };
    unsigned char *p = take(w, sizeof start);
    if (p == NULL || memcmp(p, start, sizeof start) != 0) { refuse(w, "unexpected header"); return; }
    if (read_byte(w) != 4 || read_byte(w) != sizeof(lua_Integer) || read_byte(w) != sizeof(lua_Number)) {
        refuse(w, "unexpected sizes");
        return;
    }
    lua_Integer integer = 0x5678;
    lua_Number number = 370.5;
    p = take(w, sizeof integer);
    if (p == NULL || memcmp(p, &integer, sizeof integer) != 0) { refuse(w, "unexpected integer format"); return; }
    p = take(w, sizeof number);
    if (p == NULL || memcmp(p, &number, sizeof number) != 0) { refuse(w, "unexpected float format"); return; }
    read_byte(w);                      /* the main function's upvalue count */
}

/* ---- Dumping, checking and reloading ------------------------------------------------------------ */

typedef struct {
    unsigned char *bytes;              /* malloc'd: freed by shim_fix_compiled whatever happens */
    size_t size, capacity;
    int failed;
} dump_buffer;

static int collect(lua_State *L, const void *p, size_t size, void *ud) {
    (void)L;
    dump_buffer *d = ud;
    if (size > d->capacity - d->size) {
        size_t capacity = d->capacity ? d->capacity : 4096;
        while (capacity - d->size < size) {
            if (capacity > SIZE_MAX / 2) { d->failed = 1; return 1; }
            capacity *= 2;
        }
        unsigned char *bytes = realloc(d->bytes, capacity);
        if (bytes == NULL) { d->failed = 1; return 1; }
        d->bytes = bytes;
        d->capacity = capacity;
    }
    memcpy(d->bytes + d->size, p, size);
    d->size += size;
    return 0;
}

static const char *reader_once(lua_State *L, void *ud, size_t *size) {
    (void)L;
    dump_buffer *d = ud;
    *size = d->size;
    d->size = 0;                       /* all at once, then the end */
    return *size ? (const char *)d->bytes : NULL;
}

/* Runs protected: the compiled function at 2, the dump buffer (light userdata) at 1. Leaves the
   function to use (the same or the corrected one) on the top. */
static int fix_protected(lua_State *L) {
    dump_buffer *d = lua_touserdata(L, 1);
    if (lua_dump(L, collect, d, 0) != 0 || d->failed)
        return luaL_error(L, "not enough memory to check the compiled chunk");
    walk w = { d->bytes, d->bytes + d->size, NULL, 0, 0, 0 };
    walk_header(&w);
    if (!w.error) walk_function(&w, 0);
    if (!w.error && w.at != w.end) refuse(&w, "trailing bytes");
    if (w.error)
        return luaL_error(L, "cannot check the compiled chunk (%s); refusing to run it", w.error);
    if (w.longest_chain > SHIM_MAX_NAME_CHAIN)
        return luaL_error(L, "chain of %d table reads in one expression is longer than the sandbox's %d "
                          "(Lua 5.4.4 bug: naming a value in an error message recurses once per link)",
                          w.longest_chain, SHIM_MAX_NAME_CHAIN);
    if (w.name_work > SHIM_MAX_NAME_WORK)
        return luaL_error(L, "a chain of table reads deep in a long function: naming its value in an error message "
                          "would scan %ld instructions, more than the sandbox's %ld (Lua 5.4.4 bug: the message "
                          "rescans the function once per read); split the function", w.name_work, SHIM_MAX_NAME_WORK);
    if (w.patched == 0) return 1;

    /* Mode "b": these are our own bytes from lua_dump, corrected above; never a script's. */
    /* The chunk name is only for the loader's messages: the dump keeps the source's own name. */
    int status = lua_load(L, reader_once, d, "=(checked chunk)", "b");
    if (status != LUA_OK) return lua_error(L);
    /* lua_load gave the new function the globals as _ENV; keep the original's upvalues instead
       (load(text, name, mode, env) set _ENV to env). */
    for (int n = 1; lua_getupvalue(L, 2, n) != NULL; n++) {
        if (lua_setupvalue(L, -2, n) == NULL) { lua_pop(L, 1); break; }
    }
    return 1;
}

int shim_fix_compiled(lua_State *L) {
    if (!lua_checkstack(L, 4)) {
        lua_pop(L, 1);                 /* the error replaces the function, as below */
        lua_pushliteral(L, "not enough stack to check the compiled chunk");
        return LUA_ERRMEM;
    }
    if (lua_type(L, -1) != LUA_TFUNCTION || lua_iscfunction(L, -1)) {
        lua_pushliteral(L, "shim_fix_compiled: a Lua function expected");
        return LUA_ERRRUN;
    }
    dump_buffer d = { NULL, 0, 0, 0 };
    lua_pushcfunction(L, fix_protected);
    lua_pushlightuserdata(L, &d);
    lua_pushvalue(L, -3);
    int status = lua_pcall(L, 2, 1, 0);
    free(d.bytes);
    lua_remove(L, -2);                 /* the original function: the result or error replaces it */
    return status;
}
