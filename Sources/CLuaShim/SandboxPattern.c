// Lua's pattern language (string.find, match, gmatch, gsub), written for Lantern so that matching
// stops at the deadline: Lua's own matcher backtracks in C with no hook, and 200 bytes can keep it
// busy for half a minute (design.md rule 6). Same syntax and results as Lua 5.4's; the recursion is
// bounded ("pattern too complex") and the limits are looked at after every quantum of work
// (design.md rule 9, shim_internal.h's bounded work): a backtracking step counts SHIM_STEP_BYTES, and
// whatever scans or copies bytes (a set's items, %b, a back-reference, a replacement, a plain find)
// counts the bytes it touches, in pieces of at most a quantum, so that no step whose size the script
// chooses runs between two looks at the deadline.
#define _GNU_SOURCE /* memmem */
#include "shim_internal.h"
#include <string.h>

#define MAX_CAPTURES 32
#define MAX_DEPTH 200
#define CAPTURE_OPEN (-1)
#define CAPTURE_POSITION (-2)
#define SPECIALS "^$*+?.([%-"

typedef struct {
    lua_State *L;
    const char *subject;       /* the whole subject */
    const char *subject_end;
    const char *pattern_end;
    int depth;                 /* recursion levels left */
    shim_work work;
    int captures;
    struct { const char *start; ptrdiff_t length; } capture[MAX_CAPTURES];
} Matcher;

static const char *match_here(Matcher *m, const char *s, const char *p);

/* ---- Character classes (ASCII, as Lua's are in the C locale) ------------------------------ */

static int is_lower(int c) { return c >= 'a' && c <= 'z'; }
static int is_upper(int c) { return c >= 'A' && c <= 'Z'; }
static int is_alpha(int c) { return is_lower(c) || is_upper(c); }
static int is_digit(int c) { return c >= '0' && c <= '9'; }
static int is_alnum(int c) { return is_alpha(c) || is_digit(c); }
static int is_space(int c) { return c == ' ' || (c >= '\t' && c <= '\r'); }
static int is_cntrl(int c) { return c < 32 || c == 127; }
static int is_graph(int c) { return c > 32 && c < 127; }
static int is_punct(int c) { return is_graph(c) && !is_alnum(c); }
static int is_xdigit(int c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

/* Whether c belongs to class %cl (a letter class, or a literal escaped character). */
static int in_class(int c, int cl) {
    int result;
    switch (is_upper(cl) ? cl + ('a' - 'A') : cl) {
    case 'a': result = is_alpha(c); break;
    case 'c': result = is_cntrl(c); break;
    case 'd': result = is_digit(c); break;
    case 'g': result = is_graph(c); break;
    case 'l': result = is_lower(c); break;
    case 'p': result = is_punct(c); break;
    case 's': result = is_space(c); break;
    case 'u': result = is_upper(c); break;
    case 'w': result = is_alnum(c); break;
    case 'x': result = is_xdigit(c); break;
    case 'z': result = c == 0; break;   /* deprecated, still understood by 5.4 */
    default: return cl == c;
    }
    return is_upper(cl) ? !result : result;
}

/* Whether c belongs to the set [...] that starts at open and whose ']' is at close. The items are
   read a quantum at a time, each piece charged: a set may be megabytes long, and it is read again at
   every step that tries it. */
static int in_set(Matcher *m, int c, const char *open, const char *close) {
    const char *p = open + 1;
    int wanted = 1;
    if (*p == '^') { wanted = 0; p++; }
    while (p < close) {
        const char *piece = p;
        const char *stop = (size_t)(close - p) > SHIM_WORK_QUANTUM ? p + SHIM_WORK_QUANTUM : close;
        int found = 0;
        while (p < stop) {
            if (*p == '%' && p + 1 < close) {
                if (in_class(c, (unsigned char)p[1])) { found = 1; break; }
                p += 2;
            } else if (p + 2 < close && p[1] == '-') {
                if ((unsigned char)p[0] <= c && c <= (unsigned char)p[2]) { found = 1; break; }
                p += 3;
            } else {
                if ((unsigned char)*p == c) { found = 1; break; }
                p++;
            }
        }
        shim_charge(&m->work, (size_t)(p - piece) + 1);
        if (found) return wanted;
    }
    return !wanted;
}

/* The end of the single-character item that starts at p (a char, %x, or a set). */
static const char *item_end(Matcher *m, const char *p) {
    char c = *p++;
    if (c == '%') {
        if (p >= m->pattern_end) luaL_error(m->L, "malformed pattern (ends with '%%')");
        return p + 1;
    }
    if (c == '[') {
        const char *piece = p;
        if (p < m->pattern_end && *p == '^') p++;
        for (int first = 1;; first = 0) {   /* a ']' right after the opening is literal */
            if (p >= m->pattern_end) luaL_error(m->L, "malformed pattern (missing ']')");
            if (*p == ']' && !first) break;
            if (*p == '%') p++;
            p++;
            if ((size_t)(p - piece) >= SHIM_WORK_QUANTUM) { shim_charge(&m->work, (size_t)(p - piece)); piece = p; }
        }
        shim_charge(&m->work, (size_t)(p - piece));
        return p + 1;
    }
    return p;
}

static int item_matches(Matcher *m, const char *s, const char *p, const char *end) {
    if (s >= m->subject_end) return 0;
    int c = (unsigned char)*s;
    switch (*p) {
    case '.': return 1;
    case '%': return in_class(c, (unsigned char)p[1]);
    case '[': return in_set(m, c, p, end - 1);
    default: return (unsigned char)*p == c;
    }
}

static inline void step(Matcher *m) { shim_step(&m->work); }

/* ---- Matching ---------------------------------------------------------------------------- */

/* item* : as many as possible, then give back one at a time. */
static const char *match_greedy(Matcher *m, const char *s, const char *p, const char *end) {
    ptrdiff_t count = 0;
    while (item_matches(m, s + count, p, end)) { count++; step(m); }
    for (; count >= 0; count--) {
        const char *rest = match_here(m, s + count, end + 1);
        if (rest) return rest;
        step(m);
    }
    return NULL;
}

/* item- : as few as possible, then take one more at a time. */
static const char *match_lazy(Matcher *m, const char *s, const char *p, const char *end) {
    for (;;) {
        const char *rest = match_here(m, s, end + 1);
        if (rest) return rest;
        if (!item_matches(m, s, p, end)) return NULL;
        s++;
        step(m);
    }
}

static const char *open_capture(Matcher *m, const char *s, const char *p, ptrdiff_t kind) {
    if (m->captures >= MAX_CAPTURES) luaL_error(m->L, "too many captures");
    m->capture[m->captures].start = s;
    m->capture[m->captures].length = kind;
    m->captures++;
    const char *rest = match_here(m, s, p);
    if (!rest) m->captures--;
    return rest;
}

static const char *close_capture(Matcher *m, const char *s, const char *p) {
    int open = m->captures - 1;
    while (open >= 0 && m->capture[open].length != CAPTURE_OPEN) open--;
    if (open < 0) luaL_error(m->L, "invalid pattern capture");
    m->capture[open].length = s - m->capture[open].start;
    const char *rest = match_here(m, s, p);
    if (!rest) m->capture[open].length = CAPTURE_OPEN;
    return rest;
}

/* %bxy: a balanced run from x to the matching y. */
static const char *match_balanced(Matcher *m, const char *s, const char *p) {
    if (p + 1 >= m->pattern_end) luaL_error(m->L, "malformed pattern (missing arguments to '%%b')");
    if (s >= m->subject_end || *s != p[0]) return NULL;
    /* depth can reach the subject's length: a size_t cannot overflow where an int could. */
    size_t depth = 1;
    const char *piece = s;
    while (++s < m->subject_end) {
        if (*s == p[1]) { if (--depth == 0) break; }
        else if (*s == p[0]) depth++;
        if ((size_t)(s - piece) >= SHIM_WORK_QUANTUM) { shim_charge(&m->work, (size_t)(s - piece)); piece = s; }
    }
    shim_charge(&m->work, (size_t)(s - piece));
    return s < m->subject_end ? s + 1 : NULL;
}

/* %1-%9: the text of an earlier, closed capture again. */
static const char *match_backreference(Matcher *m, const char *s, int digit) {
    int index = digit - '1';
    if (index < 0 || index >= m->captures || m->capture[index].length == CAPTURE_OPEN)
        luaL_error(m->L, "invalid capture index %%%d", index + 1);
    ptrdiff_t length = m->capture[index].length;
    if (length < 0 || m->subject_end - s < length) return NULL;
    /* A capture may be megabytes long and compared again at every backtracking step. */
    const char *capture = m->capture[index].start;
    for (ptrdiff_t done = 0; done < length;) {
        size_t piece = (size_t)(length - done) > SHIM_WORK_QUANTUM ? SHIM_WORK_QUANTUM : (size_t)(length - done);
        if (memcmp(capture + done, s + done, piece) != 0) return NULL;
        done += (ptrdiff_t)piece;
        shim_charge(&m->work, piece);
    }
    return s + length;
}

/* Matches pattern p against the subject from s; returns where the match ends, or NULL. Plain
   items advance in the loop; only what must backtrack recurses. */
static const char *match_here(Matcher *m, const char *s, const char *p) {
    if (m->depth-- == 0) luaL_error(m->L, "pattern too complex");
    while (s != NULL && p < m->pattern_end) {
        step(m);
        if (*p == '(') {
            s = p + 1 < m->pattern_end && p[1] == ')' ? open_capture(m, s, p + 2, CAPTURE_POSITION)
                                                       : open_capture(m, s, p + 1, CAPTURE_OPEN);
            break;
        }
        if (*p == ')') { s = close_capture(m, s, p + 1); break; }
        if (*p == '$' && p + 1 == m->pattern_end) { s = s == m->subject_end ? s : NULL; break; }
        if (*p == '%' && p + 1 < m->pattern_end) {
            char kind = p[1];
            if (kind == 'b') { s = match_balanced(m, s, p + 2); p += 4; continue; }
            if (kind == 'f') {
                p += 2;
                if (p >= m->pattern_end || *p != '[') luaL_error(m->L, "missing '[' after '%%f' in pattern");
                const char *end = item_end(m, p);
                int previous = s == m->subject ? 0 : (unsigned char)s[-1];
                int current = s < m->subject_end ? (unsigned char)*s : 0;
                if (in_set(m, previous, p, end - 1) || !in_set(m, current, p, end - 1)) s = NULL;
                p = end;
                continue;
            }
            if (is_digit(kind)) { s = match_backreference(m, s, kind); p += 2; continue; }
        }
        const char *end = item_end(m, p);
        char quantifier = end < m->pattern_end ? *end : '\0';
        if (quantifier == '?') {
            if (item_matches(m, s, p, end)) {
                const char *rest = match_here(m, s + 1, end + 1);
                if (rest) { s = rest; break; }
            }
            p = end + 1;
        } else if (quantifier == '+') {
            s = item_matches(m, s, p, end) ? match_greedy(m, s + 1, p, end) : NULL;
            break;
        } else if (quantifier == '*') {
            s = match_greedy(m, s, p, end);
            break;
        } else if (quantifier == '-') {
            s = match_lazy(m, s, p, end);
            break;
        } else {
            s = item_matches(m, s, p, end) ? s + 1 : NULL;
            p = end;
        }
    }
    m->depth++;
    return s;
}

/* ---- From Lua ---------------------------------------------------------------------------- */

static void matcher_init(Matcher *m, lua_State *L, const char *s, size_t ls, const char *p, size_t lp) {
    m->L = L;
    m->subject = s;
    m->subject_end = s + ls;
    m->pattern_end = p + lp;
    shim_work_init(&m->work, L);
}

static void matcher_reset(Matcher *m) {
    m->captures = 0;
    m->depth = MAX_DEPTH;
}

/* Pushes capture i (or the whole match when there are no captures and i is 0). */
static void push_capture(Matcher *m, int i, const char *s, const char *e) {
    if (i >= m->captures) {
        if (i != 0) luaL_error(m->L, "invalid capture index %%%d", i + 1);
        lua_pushlstring(m->L, s, (size_t)(e - s));
        shim_charge(&m->work, (size_t)(e - s));   /* one copy, charged after the fact */
        return;
    }
    ptrdiff_t length = m->capture[i].length;
    if (length == CAPTURE_OPEN) luaL_error(m->L, "unfinished capture");
    if (length == CAPTURE_POSITION) lua_pushinteger(m->L, (m->capture[i].start - m->subject) + 1);
    else {
        lua_pushlstring(m->L, m->capture[i].start, (size_t)length);
        shim_charge(&m->work, (size_t)length);
    }
}

/* Where capture i (or the whole match s..e when there are no captures and i is 0) lies in the
   subject; returns 0 for a position capture, whose value is then pushed instead. */
static int capture_text(Matcher *m, int i, const char *s, const char *e, const char **start, size_t *length) {
    if (i >= m->captures) {
        if (i != 0) luaL_error(m->L, "invalid capture index %%%d", i + 1);
        *start = s;
        *length = (size_t)(e - s);
        return 1;
    }
    ptrdiff_t l = m->capture[i].length;
    if (l == CAPTURE_OPEN) luaL_error(m->L, "unfinished capture");
    if (l == CAPTURE_POSITION) { lua_pushinteger(m->L, (m->capture[i].start - m->subject) + 1); return 0; }
    *start = m->capture[i].start;
    *length = (size_t)l;
    return 1;
}

/* Pushes every capture (or the whole match when s is given and there are none); returns the count. */
static int push_captures(Matcher *m, const char *s, const char *e) {
    int count = m->captures == 0 && s != NULL ? 1 : m->captures;
    luaL_checkstack(m->L, count, "too many captures");
    for (int i = 0; i < count; i++) push_capture(m, i, s, e);
    return count;
}

/* A 1-based start position as Lua's string functions read it, 0-based, or past the end. */
static size_t start_offset(lua_Integer position, size_t length) {
    if (position > 0) return (size_t)position - 1;
    if (position == 0 || position < -(lua_Integer)length) return 0;
    return length + (size_t)position;
}

static int has_specials(shim_work *work, const char *p, size_t lp) {
    static const unsigned char special[256] = {
        ['^'] = 1, ['$'] = 1, ['*'] = 1, ['+'] = 1, ['?'] = 1, ['.'] = 1, ['('] = 1, ['['] = 1, ['%'] = 1, ['-'] = 1,
    };   /* SPECIALS, as a table */
    for (size_t i = 0; i < lp;) {
        size_t stop = lp - i > SHIM_WORK_QUANTUM ? i + SHIM_WORK_QUANTUM : lp;
        for (size_t j = i; j < stop; j++) if (special[(unsigned char)p[j]]) return 1;
        shim_charge(work, stop - i);
        i = stop;
    }
    return 0;
}

/* A plain find that looks at the limits between windows: memmem over windows of a quantum of
   starting places, or as many as the needle is long when it is longer (so that a search stays linear:
   the two-way search memmem uses costs the window plus the needle), the windows overlapping by the
   needle's length less one, each charged. One memmem over hundreds of megabytes would run with no
   look at the deadline; a window's work is at most a quantum or about three times the needle, an
   existing value. */
static const char *find_plain(shim_work *work, const char *s, size_t ls, const char *p, size_t lp) {
    if (lp == 0) return s;
    if (lp > ls) return NULL;
    size_t window = lp > SHIM_WORK_QUANTUM ? lp : SHIM_WORK_QUANTUM;
    size_t last_start = ls - lp;   /* the last place a match can start */
    for (size_t at = 0; at <= last_start;) {
        size_t starts = last_start - at + 1;
        if (starts > window) starts = window;
        const char *found = memmem(s + at, starts + lp - 1, p, lp);
        shim_charge(work, starts + 2 * lp);
        if (found != NULL) return found;
        at += starts;
    }
    return NULL;
}

static int find_or_match(lua_State *L, int find) {
    size_t ls, lp;
    const char *s = luaL_checklstring(L, 1, &ls);
    const char *p = luaL_checklstring(L, 2, &lp);
    size_t init = start_offset(luaL_optinteger(L, 3, 1), ls);
    if (init > ls) { luaL_pushfail(L); return 1; }
    shim_work work;
    shim_work_init(&work, L);
    if (find && (lua_toboolean(L, 4) || !has_specials(&work, p, lp))) {
        const char *found = find_plain(&work, s + init, ls - init, p, lp);
        if (!found) { luaL_pushfail(L); return 1; }
        lua_pushinteger(L, (found - s) + 1);
        lua_pushinteger(L, (found - s) + (lua_Integer)lp);
        return 2;
    }
    int anchored = lp > 0 && *p == '^';
    if (anchored) { p++; lp--; }
    Matcher m;
    matcher_init(&m, L, s, ls, p, lp);
    const char *start = s + init;
    do {
        matcher_reset(&m);
        const char *end = match_here(&m, start, p);
        if (end) {
            if (!find) return push_captures(&m, start, end);
            lua_pushinteger(L, (start - s) + 1);
            lua_pushinteger(L, end - s);
            return push_captures(&m, NULL, NULL) + 2;
        }
    } while (start++ < m.subject_end && !anchored);
    luaL_pushfail(L);
    return 1;
}

int shim_str_find(lua_State *L) { return find_or_match(L, 1); }
int shim_str_match(lua_State *L) { return find_or_match(L, 0); }

typedef struct {
    const char *next;          /* where the next search starts */
    const char *last_match;    /* the end of the last match, so an empty one is not repeated */
    Matcher m;
} GlobalMatch;

static int gmatch_next(lua_State *L) {
    GlobalMatch *g = lua_touserdata(L, lua_upvalueindex(3));
    /* The thread calling now: the one that made the iterator may be suspended or collected, and its
       limits raised on it would unwind the wrong thread (or read freed memory). */
    g->m.L = L;
    shim_work_init(&g->m.work, L);
    for (const char *start = g->next; start <= g->m.subject_end; start++) {
        matcher_reset(&g->m);
        const char *end = match_here(&g->m, start, lua_tostring(L, lua_upvalueindex(2)));
        if (end != NULL && end != g->last_match) {
            g->next = g->last_match = end;
            return push_captures(&g->m, start, end);
        }
    }
    return 0;
}

int shim_str_gmatch(lua_State *L) {
    size_t ls, lp;
    const char *s = luaL_checklstring(L, 1, &ls);
    const char *p = luaL_checklstring(L, 2, &lp);
    size_t init = start_offset(luaL_optinteger(L, 3, 1), ls);
    lua_settop(L, 2);
    GlobalMatch *g = lua_newuserdatauv(L, sizeof *g, 0);
    if (init > ls) init = ls + 1;   /* nothing left to match */
    matcher_init(&g->m, L, s, ls, p, lp);
    g->next = s + init;
    g->last_match = NULL;
    lua_pushcclosure(L, gmatch_next, 3);   /* the subject and pattern stay alive as upvalues */
    return 1;
}

/* Appends the replacement of the match s..e to the buffer. */
static void add_replacement(Matcher *m, luaL_Buffer *b, const char *s, const char *e, int kind) {
    lua_State *L = m->L;
    step(m);
    if (kind == LUA_TFUNCTION) {
        lua_pushvalue(L, 3);
        int count = push_captures(m, s, e);
        lua_call(L, count, 1);
    } else if (kind == LUA_TTABLE) {
        push_capture(m, 0, s, e);
        lua_gettable(L, 3);
    } else {
        /* Plain runs and captures go straight from the replacement and the subject into the
           buffer, in charged pieces; each escape counts a step besides. */
        size_t length;
        const char *r = lua_tolstring(L, 3, &length);
        const char *r_end = r + length;
        while (r < r_end) {
            size_t left = (size_t)(r_end - r);
            const char *escape = memchr(r, '%', left > SHIM_WORK_QUANTUM ? SHIM_WORK_QUANTUM : left);
            if (escape == NULL) {
                size_t piece = left > SHIM_WORK_QUANTUM ? SHIM_WORK_QUANTUM : left;
                shim_add_bounded(&m->work, b, r, piece);
                r += piece;
                continue;
            }
            shim_add_bounded(&m->work, b, r, (size_t)(escape - r));
            r = escape + 1;
            step(m);
            if (r < r_end && *r == '%') { luaL_addchar(b, '%'); r++; continue; }
            if (r >= r_end || !is_digit((unsigned char)*r))
                luaL_error(L, "invalid use of '%%' in replacement string");
            const char *text;
            size_t text_length;
            if (*r == '0') { text = s; text_length = (size_t)(e - s); }
            else if (!capture_text(m, *r - '1', s, e, &text, &text_length)) {
                luaL_addvalue(b);   /* a position capture: its integer, as Lua writes it */
                r++;
                continue;
            }
            shim_add_bounded(&m->work, b, text, text_length);
            r++;
        }
        return;
    }
    if (!lua_toboolean(L, -1)) {          /* nil or false: keep the original text */
        lua_pop(L, 1);
        luaL_addlstring(b, s, (size_t)(e - s));
    } else if (!lua_isstring(L, -1)) {
        luaL_error(L, "invalid replacement value (a %s)", luaL_typename(L, -1));
    } else {
        size_t length = lua_rawlen(L, -1);   /* a string, or a number whose text is short */
        luaL_addvalue(b);
        shim_charge(&m->work, length);   /* one copy of an existing value, charged after the fact */
    }
}

int shim_str_gsub(lua_State *L) {
    size_t ls, lp;
    const char *s = luaL_checklstring(L, 1, &ls);
    const char *p = luaL_checklstring(L, 2, &lp);
    int kind = lua_type(L, 3);
    lua_Integer max_replacements = luaL_optinteger(L, 4, (lua_Integer)ls + 1);
    luaL_argexpected(L, kind == LUA_TNUMBER || kind == LUA_TSTRING || kind == LUA_TFUNCTION || kind == LUA_TTABLE,
                     3, "string/function/table");
    int anchored = lp > 0 && *p == '^';
    if (anchored) { p++; lp--; }
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    Matcher m;
    matcher_init(&m, L, s, ls, p, lp);
    const char *last_match = NULL;
    lua_Integer count = 0;
    while (count < max_replacements) {
        matcher_reset(&m);
        const char *end = match_here(&m, s, p);
        if (end != NULL && end != last_match) {
            count++;
            add_replacement(&m, &b, s, end, kind);
            s = last_match = end;
        } else if (s < m.subject_end) {
            luaL_addchar(&b, *s++);
        } else {
            break;
        }
        if (anchored) break;
        step(&m);
    }
    shim_add_bounded(&m.work, &b, s, (size_t)(m.subject_end - s));
    luaL_pushresult(&b);
    lua_pushinteger(L, count);
    return 2;
}
