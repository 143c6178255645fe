/* Request templates: {{var}}, ${vu}, ${iteration}; and the small buffer
 * and variable helpers the engine renders with. */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader_capture_internal.h"
#include "loader_engine_internal.h"

int loader__buf_append(struct loader__buf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        char *np;

        while (cap < b->len + n + 1) {
            if (cap > SIZE_MAX / 2)
                return LOADER_ENOMEM;
            cap *= 2;
        }
        np = realloc(b->p, cap);
        if (!np)
            return LOADER_ENOMEM;
        b->p = np;
        b->cap = cap;
    }
    if (n)
        memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
    return 0;
}

void loader__buf_release(struct loader__buf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

const char *loader__vars_get(const struct loader__vars *vs, const char *name,
                             size_t name_len)
{
    for (size_t i = 0; i < vs->n; i++)
        if (strlen(vs->v[i].name) == name_len &&
            memcmp(vs->v[i].name, name, name_len) == 0)
            return vs->v[i].value;
    return NULL;
}

int loader__vars_set(struct loader__vars *vs, const char *name,
                     const char *value)
{
    char *nv = strdup(value);

    if (!nv)
        return LOADER_ENOMEM;
    for (size_t i = 0; i < vs->n; i++) {
        if (strcmp(vs->v[i].name, name) == 0) {
            free(vs->v[i].value);
            vs->v[i].value = nv;
            return 0;
        }
    }
    if (vs->n == vs->cap) {
        size_t cap = vs->cap ? vs->cap * 2 : 4;
        struct loader__var *np = realloc(vs->v, cap * sizeof(*np));

        if (!np) {
            free(nv);
            return LOADER_ENOMEM;
        }
        vs->v = np;
        vs->cap = cap;
    }
    vs->v[vs->n].name = strdup(name);
    if (!vs->v[vs->n].name) {
        free(nv);
        return LOADER_ENOMEM;
    }
    vs->v[vs->n].value = nv;
    vs->n++;
    return 0;
}

void loader__vars_clear(struct loader__vars *vs)
{
    for (size_t i = 0; i < vs->n; i++) {
        free(vs->v[i].name);
        free(vs->v[i].value);
    }
    vs->n = 0;
}

void loader__vars_release(struct loader__vars *vs)
{
    loader__vars_clear(vs);
    free(vs->v);
    vs->v = NULL;
    vs->cap = 0;
}

static int is_space(char c)
{
    return c == ' ' || c == '\t';
}

/* ---- template functions ------------------------------------------------- */

static const char *skip_space(const char *a, const char *b)
{
    while (a < b && is_space(*a))
        a++;
    return a;
}

/* A signed decimal integer in [a, b) after spaces; *end gets where it
 * stopped.  false when there is none or it overflows. */
static bool parse_ll(const char *a, const char *b, long long *out,
                     const char **end)
{
    char buf[32];
    char *e;
    size_t n;

    a = skip_space(a, b);
    n = 0;
    while (a + n < b && n < sizeof(buf) - 1 &&
           ((a[n] >= '0' && a[n] <= '9') || (n == 0 && a[n] == '-')))
        n++;
    if (n == 0 || (n == 1 && a[0] == '-'))
        return false;
    memcpy(buf, a, n);
    buf[n] = '\0';
    errno = 0;
    *out = strtoll(buf, &e, 10);
    if (errno || *e)
        return false;
    *end = skip_space(a + n, b);
    return true;
}

enum tpl_fn { FN_NONE, FN_UUID, FN_RANDOM_INT, FN_BAD };

/* Classifies the expression a..b (trimmed) of a {{...}}. */
static enum tpl_fn parse_fn(const char *a, const char *b, long long *lo,
                            long long *hi, const char **why)
{
    size_t n = (size_t)(b - a);
    const char *open = memchr(a, '(', n), *p;

    *why = NULL;
    if (!open)
        return n == 4 && memcmp(a, "uuid", 4) == 0 ? FN_UUID : FN_NONE;
    if (b[-1] != ')') {
        *why = "a function call ends with ')'";
        return FN_BAD;
    }
    {
        const char *ne = open;
        while (ne > a && is_space(ne[-1]))
            ne--;
        if ((size_t)(ne - a) == 4 && memcmp(a, "uuid", 4) == 0) {
            if (skip_space(open + 1, b - 1) != b - 1) {
                *why = "uuid takes no arguments";
                return FN_BAD;
            }
            return FN_UUID;
        }
        if (!((size_t)(ne - a) == 10 && memcmp(a, "random_int", 10) == 0)) {
            *why = "unknown function (known: uuid, random_int(min, max))";
            return FN_BAD;
        }
    }
    if (!parse_ll(open + 1, b - 1, lo, &p) || p >= b - 1 || *p != ',' ||
        !parse_ll(p + 1, b - 1, hi, &p) || p != b - 1) {
        *why = "random_int takes two whole numbers: random_int(1, 100)";
        return FN_BAD;
    }
    if (*lo > *hi) {
        *why = "random_int(min, max) needs min <= max";
        return FN_BAD;
    }
    return FN_RANDOM_INT;
}

bool loader_template_check(const char *tpl, char *msg, size_t msglen)
{
    const char *s = tpl;

    while (s && (s = strstr(s, "{{"))) {
        const char *end = strstr(s + 2, "}}"), *a = s + 2, *b, *why;
        long long lo, hi;

        if (!end)
            break;
        b = end;
        while (a < b && is_space(*a))
            a++;
        while (b > a && is_space(b[-1]))
            b--;
        if (parse_fn(a, b, &lo, &hi, &why) == FN_BAD) {
            snprintf(msg, msglen, "{{%.*s}}: %s",
                     (int)(b - a > 60 ? 60 : b - a), a, why);
            return false;
        }
        s = end + 2;
    }
    return true;
}

static int append_uuid(uint64_t *rng, struct loader__buf *out)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char u[16];
    char text[37];
    size_t o = 0;
    uint64_t a = loader__rng_next(rng), b = loader__rng_next(rng);

    for (int i = 0; i < 8; i++) {
        u[i] = (unsigned char)(a >> (8 * i));
        u[8 + i] = (unsigned char)(b >> (8 * i));
    }
    u[6] = (unsigned char)((u[6] & 0x0f) | 0x40); /* version 4 */
    u[8] = (unsigned char)((u[8] & 0x3f) | 0x80); /* RFC 4122 variant */
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            text[o++] = '-';
        text[o++] = hex[u[i] >> 4];
        text[o++] = hex[u[i] & 15];
    }
    text[o] = '\0';
    return loader__buf_append(out, text, o);
}

static int append_random_int(uint64_t *rng, long long lo, long long hi,
                             struct loader__buf *out)
{
    uint64_t span = (uint64_t)hi - (uint64_t)lo, r = loader__rng_next(rng);
    char num[24];
    long long v;

    if (span != UINT64_MAX)
        r %= span + 1;
    v = (long long)((uint64_t)lo + r);
    snprintf(num, sizeof(num), "%lld", v);
    return loader__buf_append(out, num, strlen(num));
}

/* ---- escaping ----------------------------------------------------------- */

int loader__json_escape(const char *s, size_t n, struct loader__buf *out)
{
    /* the characters JSON has a short escape for; the rest \u00XX */
    static const char *const named[] = {
        ['"'] = "\\\"", ['\\'] = "\\\\", ['\n'] = "\\n",
        ['\r'] = "\\r", ['\t'] = "\\t",
    };
    size_t lit = 0;
    int rc;

    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        char esc[8];

        if (ch >= 0x20 && ch != '"' && ch != '\\' && ch != 0x7f)
            continue;
        if ((rc = loader__buf_append(out, s + lit, i - lit)))
            return rc;
        if (ch < sizeof(named) / sizeof(*named) && named[ch])
            snprintf(esc, sizeof(esc), "%s", named[ch]);
        else
            snprintf(esc, sizeof(esc), "\\u%04x", ch);
        if ((rc = loader__buf_append(out, esc, strlen(esc))))
            return rc;
        lit = i + 1;
    }
    return loader__buf_append(out, s + lit, n - lit);
}

int loader__url_encode(const char *s, size_t n, bool plus_space,
                       struct loader__buf *out)
{
    static const char hex[] = "0123456789ABCDEF";
    int rc = loader__buf_append(out, "", 0);

    for (size_t i = 0; i < n && !rc; i++) {
        unsigned char ch = (unsigned char)s[i];
        char enc[3];

        if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
            (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' || ch == '_' ||
            ch == '~') {
            rc = loader__buf_append(out, (const char *)&s[i], 1);
        } else if (ch == ' ' && plus_space) {
            rc = loader__buf_append(out, "+", 1);
        } else {
            enc[0] = '%';
            enc[1] = hex[ch >> 4];
            enc[2] = hex[ch & 15];
            rc = loader__buf_append(out, enc, 3);
        }
    }
    return rc;
}

/* ---- rendering ---------------------------------------------------------- */

int loader__render(const char *tpl, const struct loader__render_ctx *cx,
                   unsigned flags, struct loader__buf *out)
{
    const char *s = tpl, *lit;
    uint64_t local_rng = 0, *rng = cx->rng;
    int rc = 0;

    /* Keep out->p a valid (possibly empty) string even for an empty
     * template. */
    rc = loader__buf_append(out, "", 0);
    if (rc || !tpl)
        return rc;
    if (!rng) {
        local_rng = loader__rng_seed(cx->vu) ^
                    (cx->iteration * UINT64_C(0x9E3779B97F4A7C15));
        rng = &local_rng;
    }
    lit = s;
    while (*s) {
        if (s[0] == '{' && s[1] == '{') {
            const char *end = strstr(s + 2, "}}");
            const char *a = s + 2, *b, *why;
            const char *v = NULL;
            long long lo = 0, hi = 0;

            if (!end)
                break; /* unclosed: the rest is literal */
            b = end;
            while (a < b && is_space(*a))
                a++;
            while (b > a && is_space(b[-1]))
                b--;
            if ((rc = loader__buf_append(out, lit, (size_t)(s - lit))))
                return rc;
            if (cx->vars)
                v = loader__vars_get(cx->vars, a, (size_t)(b - a));
            if (v) {
                rc = flags & LOADER__RENDER_JSON
                         ? loader__json_escape(v, strlen(v), out)
                         : loader__buf_append(out, v, strlen(v));
            } else {
                switch (parse_fn(a, b, &lo, &hi, &why)) {
                case FN_UUID:
                    rc = append_uuid(rng, out);
                    break;
                case FN_RANDOM_INT:
                    rc = append_random_int(rng, lo, hi, out);
                    break;
                default:
                    break; /* an unknown variable renders as nothing */
                }
            }
            if (rc)
                return rc;
            s = lit = end + 2;
            continue;
        }
        if (s[0] == '$' && s[1] == '{') {
            char num[24];
            const char *word = NULL;
            size_t wlen = 0;

            if (strncmp(s + 2, "vu}", 3) == 0) {
                snprintf(num, sizeof(num), "%u", cx->vu);
                wlen = 5;
                word = num;
            } else if (strncmp(s + 2, "iteration}", 10) == 0) {
                snprintf(num, sizeof(num), "%" PRIu64, cx->iteration);
                wlen = 12;
                word = num;
            }
            if (word) {
                if ((rc = loader__buf_append(out, lit, (size_t)(s - lit))) ||
                    (rc = loader__buf_append(out, word, strlen(word))))
                    return rc;
                s = lit = s + wlen;
                continue;
            }
        }
        s++;
    }
    return loader__buf_append(out, lit, strlen(lit));
}

int loader__template_render(const char *tpl, const struct loader__vars *vars,
                            unsigned vu, uint64_t iteration,
                            struct loader__buf *out)
{
    struct loader__render_ctx cx = {vars, vu, iteration, NULL};

    return loader__render(tpl, &cx, 0, out);
}
