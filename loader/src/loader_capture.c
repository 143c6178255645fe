/* What a response is checked and mined for: captures by JSON pointer,
 * header or regex, expect: body_contains and json, and the variables an
 * iteration starts with (setup: captures and a data: row). */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "loader_capture_internal.h"

#define HEADERS_CAP (64u * 1024u)

int loader__vu_header(struct loader__vu *vu, const char *line, size_t n)
{
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        n--;
    if (n == 0 || vu->tmp.len + n + 1 > HEADERS_CAP)
        return 0;
    if (vu->tmp.len > 0) {
        int rc = loader__buf_append(&vu->tmp, "\n", 1);
        if (rc)
            return rc;
    }
    return loader__buf_append(&vu->tmp, line, n);
}

enum { HDR_START, HDR_FIELD, HDR_VALUE, HDR_FULL };

void loader__vu_header_begin(struct loader__vu *vu)
{
    vu->tmp.len = 0;
    vu->hdr_state = HDR_START;
    vu->hdr_line = 0;
}

int loader__vu_header_part(struct loader__vu *vu, const char *at, size_t n,
                           bool value)
{
    const char *sep = NULL;
    size_t sep_len = 0;
    int rc;

    if (vu->hdr_state == HDR_FULL)
        return 0;
    if (!value && vu->hdr_state != HDR_FIELD) {
        /* a new line: behind the last one */
        vu->hdr_line = vu->tmp.len;
        if (vu->hdr_state == HDR_VALUE) {
            sep = "\n";
            sep_len = 1;
        }
        vu->hdr_state = HDR_FIELD;
    } else if (value && vu->hdr_state == HDR_FIELD) {
        sep = ": ";
        sep_len = 2;
        vu->hdr_state = HDR_VALUE;
    } else if (value && vu->hdr_state != HDR_VALUE) {
        return 0; /* a value without a name: nothing to keep */
    }
    if (vu->tmp.len + sep_len + n + 1 > HEADERS_CAP) {
        /* drop the unfinished line whole, keep the ones before it */
        vu->tmp.len = vu->hdr_line;
        vu->hdr_state = HDR_FULL;
        return 0;
    }
    if (sep_len && (rc = loader__buf_append(&vu->tmp, sep, sep_len)))
        return rc;
    return n ? loader__buf_append(&vu->tmp, at, n) : 0;
}

bool loader__step_keeps_body(const struct loader_step *s)
{
    return s->n_captures > 0 || s->expect_body_contains || s->n_expect_json > 0;
}

static int capture_header(const char *name, const char *h, size_t hlen,
                          char **out)
{
    size_t nl = strlen(name);
    const char *end = h ? h + hlen : NULL;

    while (h && h < end) {
        const char *eol = memchr(h, '\n', (size_t)(end - h));
        const char *le = eol ? eol : end, *v;

        if ((size_t)(le - h) > nl && h[nl] == ':' &&
            strncasecmp(h, name, nl) == 0) {
            v = h + nl + 1;
            while (v < le && (*v == ' ' || *v == '\t'))
                v++;
            while (le > v &&
                   (le[-1] == ' ' || le[-1] == '\t' || le[-1] == '\r'))
                le--;
            *out = strndup(v, (size_t)(le - v));
            return *out ? 0 : LOADER_ENOMEM;
        }
        h = eol ? eol + 1 : end;
    }
    return LOADER_EINVAL;
}

static int capture_regex(const regex_t *re, const char *body, size_t blen,
                         char **out)
{
    regmatch_t m[2];
    char *copy;
    int rc;

    if (!re || !body)
        return LOADER_EINVAL;
    /* regexec wants a string: a body with a NUL inside is matched up to
     * it */
    copy = strndup(body, blen);
    if (!copy)
        return LOADER_ENOMEM;
    memset(m, 0, sizeof(m));
    rc = regexec(re, copy, 2, m, 0);
    if (rc == 0) {
        regmatch_t g = re->re_nsub >= 1 && m[1].rm_so >= 0 ? m[1] : m[0];

        *out = strndup(copy + g.rm_so, (size_t)(g.rm_eo - g.rm_so));
        rc = *out ? 0 : LOADER_ENOMEM;
    } else {
        rc = LOADER_EINVAL;
    }
    free(copy);
    return rc;
}

int loader__capture_value(const struct loader_capture *cap, const char *headers,
                          size_t hlen, const char *body, size_t blen,
                          char **out)
{
    *out = NULL;
    switch (cap->kind) {
    case LOADER_CAPTURE_HEADER:
        return capture_header(cap->header, headers, hlen, out);
    case LOADER_CAPTURE_REGEX:
        return capture_regex(cap->compiled, body, blen, out);
    case LOADER_CAPTURE_JSON:
    default:
        if (!body)
            return LOADER_EINVAL;
        return loader__jsonptr_extract(body, blen, cap->pointer, out);
    }
}

/* Equal as JSON: numbers by value (1 equals 1.0), the rest structurally. */
static bool json_same(json_t *a, json_t *b)
{
    if (json_is_number(a) && json_is_number(b))
        return json_number_value(a) == json_number_value(b);
    return json_equal(a, b) != 0;
}

bool loader__expect_body(const struct loader_step *s, const char *body,
                         size_t blen, bool overflow, char *why, size_t whylen)
{
    json_t *root = NULL;
    bool ok = true;

    if (!s->expect_body_contains && s->n_expect_json == 0)
        return true;
    if (overflow) {
        if (why && whylen)
            snprintf(why, whylen, "the body is over 1 MiB: not checked");
        return false;
    }
    if (s->expect_body_contains) {
        size_t nl = strlen(s->expect_body_contains);
        bool found = nl == 0;

        for (size_t i = 0; !found && body && i + nl <= blen; i++)
            found = memcmp(body + i, s->expect_body_contains, nl) == 0;
        if (!found) {
            if (why && whylen)
                snprintf(why, whylen, "the body does not contain '%.80s'",
                         s->expect_body_contains);
            return false;
        }
    }
    if (s->n_expect_json == 0)
        return true;
    root = body ? json_loadb(body, blen, JSON_DECODE_ANY, NULL) : NULL;
    if (!root) {
        if (why && whylen)
            snprintf(why, whylen, "the body is not JSON");
        return false;
    }
    for (size_t i = 0; ok && i < s->n_expect_json; i++) {
        const struct loader_expect_json *ej = &s->expect_json[i];
        json_t *want = json_loads(ej->value, JSON_DECODE_ANY, NULL);
        json_t *got = loader__jsonptr_get(root, ej->pointer);

        ok = want && got && json_same(got, want);
        if (!ok && why && whylen)
            snprintf(why, whylen, "%.100s is %s, expected %.100s", ej->pointer,
                     got ? "something else" : "missing", ej->value);
        json_decref(want);
    }
    json_decref(root);
    return ok;
}

const struct loader_feeder *loader__scenario_feeder(const struct loader_plan *p,
                                                    size_t scenario)
{
    if (scenario < p->n_scenarios && p->scenarios[scenario].data)
        return p->scenarios[scenario].data;
    return p->data;
}

int loader__vu_seed(struct loader__vu *vu, const struct loader_kv *shared,
                    size_t n_shared, const struct loader_feeder *f,
                    unsigned n_users)
{
    size_t row;
    int rc;

    loader__vars_clear(&vu->vars);
    for (size_t i = 0; i < n_shared; i++)
        if (shared[i].key && shared[i].value &&
            (rc = loader__vars_set(&vu->vars, shared[i].key, shared[i].value)))
            return rc;
    if (!f || f->n_rows == 0 || f->n_columns == 0)
        return 0;
    if (f->random) {
        row = (size_t)(loader__rng_next(&vu->rng) % f->n_rows);
    } else {
        uint64_t users = n_users ? n_users : 1;
        uint64_t k =
            (uint64_t)(vu->number ? vu->number - 1 : 0) + vu->iteration * users;

        row = (size_t)(k % f->n_rows);
    }
    row += f->row0;
    for (size_t c = 0; c < f->n_columns; c++)
        if ((rc = loader__vars_set(&vu->vars, f->columns[c],
                                   f->cells[row * f->n_columns + c])))
            return rc;
    return 0;
}
