/* String hygiene for every report: what reaches XML, a terminal or
 * Markdown is valid UTF-8 without control characters. */
#include <stdlib.h>
#include <string.h>

#include "gate_internal.h"

/*
 * Decodes one UTF-8 sequence at s (n > 0 bytes available).  Returns the
 * number of bytes consumed and sets *cp, or -(bytes of the maximal invalid
 * subpart) when the sequence is malformed (Unicode's "substitution of
 * maximal subparts": a lead byte plus the continuation bytes that were
 * still valid).
 */
static int utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
    unsigned char c = s[0];
    int need;
    unsigned char lo = 0x80, hi = 0xBF;
    uint32_t v;

    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        need = 1;
        v = c & 0x1Fu;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 2;
        v = c & 0x0Fu;
        if (c == 0xE0)
            lo = 0xA0; /* no overlong forms */
        else if (c == 0xED)
            hi = 0x9F; /* no surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 3;
        v = c & 0x07u;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F; /* nothing above U+10FFFF */
    } else {
        return -1;
    }
    for (int i = 1; i <= need; i++) {
        if ((size_t)i >= n || s[i] < lo || s[i] > hi)
            return -i;
        v = (v << 6) | (s[i] & 0x3Fu);
        lo = 0x80;
        hi = 0xBF;
    }
    *cp = v;
    return need + 1;
}

static size_t utf8_encode(uint32_t cp, char *out)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

static bool is_ws(uint32_t cp)
{
    return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r';
}

/* Output cursor of gate__clean(). */
struct clean_out {
    char *w;
    size_t chars, max_chars;
    char *cut; /* where the text stood one character before the cap */
};

/* Appends cp; false when the cap is reached (the caller then ends the
 * text in an ellipsis at o->cut). */
static bool clean_emit(struct clean_out *o, uint32_t cp)
{
    if (o->max_chars && o->chars + 1 > o->max_chars)
        return false;
    if (o->max_chars && o->chars + 1 == o->max_chars)
        o->cut = o->w;
    o->w += utf8_encode(cp, o->w);
    o->chars++;
    return true;
}

char *gate__clean(const char *src, size_t len, unsigned flags, size_t max_chars)
{
    const unsigned char *s = (const unsigned char *)src;
    struct clean_out o = {NULL, 0, max_chars, NULL};
    char *out;
    size_t i = 0;
    bool pending_space = false, truncated = false;

    if (!src)
        len = 0;
    /* Each input byte yields at most 3 output bytes (one U+FFFD). */
    if (len > (SIZE_MAX - 8) / 3)
        return NULL;
    out = malloc(len * 3 + 8);
    if (!out)
        return NULL;
    o.w = out;
    while (i < len && !truncated) {
        uint32_t cp = 0xFFFD;
        int used = utf8_decode(s + i, len - i, &cp);

        if (used < 0) {
            cp = 0xFFFD;
            i += (size_t)-used;
        } else {
            i += (size_t)used;
        }
        if (cp == 0xFFFE || cp == 0xFFFF)
            cp = 0xFFFD;
        if (is_ws(cp) && cp != ' ' && !(flags & GATE__CLEAN_KEEP_WS))
            cp = ' ';
        if ((cp < 0x20 && !is_ws(cp)) || (cp >= 0x7F && cp <= 0x9F))
            continue;
        if ((flags & GATE__CLEAN_COLLAPSE) && is_ws(cp)) {
            pending_space = o.chars > 0;
            continue;
        }
        if (pending_space) {
            pending_space = false;
            if (!clean_emit(&o, ' ')) {
                truncated = true;
                break;
            }
        }
        if (!clean_emit(&o, cp))
            truncated = true;
    }
    if (truncated) {
        o.w = o.cut ? o.cut : out;
        memcpy(o.w, "\xE2\x80\xA6", 3); /* U+2026 */
        o.w += 3;
    }
    *o.w = '\0';
    return out;
}

char *gate__clean_str(const char *src, unsigned flags, size_t max_chars)
{
    return gate__clean(src, src ? strlen(src) : 0, flags, max_chars);
}

size_t gate__utf8_len(const char *s)
{
    size_t n = 0;

    for (; s && *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    return n;
}

size_t gate__utf8_prefix(const char *s, size_t n)
{
    size_t i = 0, chars = 0;

    if (!s)
        return 0;
    while (s[i]) {
        if (((unsigned char)s[i] & 0xC0) != 0x80) {
            if (chars == n)
                break;
            chars++;
        }
        i++;
    }
    return i;
}

/* ---- string map (open addressing, FNV-1a) ---------------------------- */

struct gate__map_slot {
    char *key;
    size_t val;
};

struct gate__map {
    struct gate__map_slot *slots;
    size_t cap, used;
};

static size_t hash_str(const char *s)
{
    uint64_t h = UINT64_C(1469598103934665603);

    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= UINT64_C(1099511628211);
    }
    return (size_t)h;
}

int gate__map_new(struct gate__map **out)
{
    struct gate__map *m = calloc(1, sizeof(*m));

    *out = NULL;
    if (!m)
        return GATE_ENOMEM;
    m->cap = 64;
    m->slots = calloc(m->cap, sizeof(*m->slots));
    if (!m->slots) {
        free(m);
        return GATE_ENOMEM;
    }
    *out = m;
    return 0;
}

void gate__map_free(struct gate__map *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->cap; i++)
        free(m->slots[i].key);
    free(m->slots);
    free(m);
}

static struct gate__map_slot *map_find(const struct gate__map *m,
                                       const char *key)
{
    size_t i = hash_str(key) & (m->cap - 1);

    while (m->slots[i].key && strcmp(m->slots[i].key, key) != 0)
        i = (i + 1) & (m->cap - 1);
    return &m->slots[i];
}

bool gate__map_get(const struct gate__map *m, const char *key, size_t *val)
{
    const struct gate__map_slot *s = map_find(m, key);

    if (!s->key)
        return false;
    if (val)
        *val = s->val;
    return true;
}

static int map_grow(struct gate__map *m)
{
    struct gate__map old = *m;

    m->cap = old.cap * 2;
    m->slots = calloc(m->cap, sizeof(*m->slots));
    if (!m->slots) {
        *m = old;
        return GATE_ENOMEM;
    }
    for (size_t i = 0; i < old.cap; i++)
        if (old.slots[i].key)
            *map_find(m, old.slots[i].key) = old.slots[i];
    free(old.slots);
    return 0;
}

int gate__map_put(struct gate__map *m, const char *key, size_t val)
{
    struct gate__map_slot *s;

    if ((m->used + 1) * 4 > m->cap * 3 && map_grow(m))
        return GATE_ENOMEM;
    s = map_find(m, key);
    if (!s->key) {
        s->key = strdup(key);
        if (!s->key)
            return GATE_ENOMEM;
        m->used++;
    }
    s->val = val;
    return 0;
}
