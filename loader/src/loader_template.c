/* Request templates: {{var}}, ${vu}, ${iteration}; and the small buffer
 * and variable helpers the engine renders with. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader_engine_internal.h"

int loader__buf_append(struct loader__buf *b, const char *s, size_t n) {
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

void loader__buf_release(struct loader__buf *b) {
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

const char *loader__vars_get(const struct loader__vars *vs, const char *name,
                             size_t name_len) {
    for (size_t i = 0; i < vs->n; i++)
        if (strlen(vs->v[i].name) == name_len &&
            memcmp(vs->v[i].name, name, name_len) == 0)
            return vs->v[i].value;
    return NULL;
}

int loader__vars_set(struct loader__vars *vs, const char *name,
                     const char *value) {
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

void loader__vars_clear(struct loader__vars *vs) {
    for (size_t i = 0; i < vs->n; i++) {
        free(vs->v[i].name);
        free(vs->v[i].value);
    }
    vs->n = 0;
}

void loader__vars_release(struct loader__vars *vs) {
    loader__vars_clear(vs);
    free(vs->v);
    vs->v = NULL;
    vs->cap = 0;
}

static int is_space(char c) {
    return c == ' ' || c == '\t';
}

int loader__template_render(const char *tpl, const struct loader__vars *vars,
                            unsigned vu, uint64_t iteration,
                            struct loader__buf *out) {
    const char *s = tpl, *lit;
    int rc = 0;

    /* Keep out->p a valid (possibly empty) string even for an empty
     * template. */
    rc = loader__buf_append(out, "", 0);
    if (rc || !tpl)
        return rc;
    lit = s;
    while (*s) {
        if (s[0] == '{' && s[1] == '{') {
            const char *end = strstr(s + 2, "}}");
            const char *a = s + 2, *b;

            if (!end)
                break; /* unclosed: the rest is literal */
            b = end;
            while (a < b && is_space(*a))
                a++;
            while (b > a && is_space(b[-1]))
                b--;
            if ((rc = loader__buf_append(out, lit, (size_t)(s - lit))))
                return rc;
            if (vars) {
                const char *v = loader__vars_get(vars, a, (size_t)(b - a));

                if (v && (rc = loader__buf_append(out, v, strlen(v))))
                    return rc;
            }
            s = lit = end + 2;
            continue;
        }
        if (s[0] == '$' && s[1] == '{') {
            char num[24];
            const char *word = NULL;
            size_t wlen = 0;

            if (strncmp(s + 2, "vu}", 3) == 0) {
                snprintf(num, sizeof(num), "%u", vu);
                wlen = 5;
                word = num;
            } else if (strncmp(s + 2, "iteration}", 10) == 0) {
                snprintf(num, sizeof(num), "%" PRIu64, iteration);
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
