/* CSV data feeders (data: {file: users.csv, order: sequence|random}):
 * reading the file next to the profile and splitting it into a header row
 * and rows (a shard's slice of them is the loader's:
 * loader_plan_shard_feeder). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profile_internal.h"

#define FEEDER_MAX_FILE (64u * 1024 * 1024)
#define FEEDER_MAX_COLUMNS 256u

char *profile__relpath(const char *profile_path, const char *file)
{
    const char *slash = profile_path ? strrchr(profile_path, '/') : NULL;
    size_t dl, fl;
    char *out;

    if (file[0] == '/' || !slash)
        return strdup(file);
    dl = (size_t)(slash - profile_path) + 1;
    fl = strlen(file);
    out = malloc(dl + fl + 1);
    if (!out)
        return NULL;
    memcpy(out, profile_path, dl);
    memcpy(out + dl, file, fl + 1);
    return out;
}

int profile__read_file(const char *path, size_t max, char **out, size_t *len,
                       char *msg, size_t msglen)
{
    FILE *f = fopen(path, "rb");
    int rc;

    *out = NULL;
    *len = 0;
    if (!f) {
        snprintf(msg, msglen, "cannot open '%s': %s", path, strerror(errno));
        return PROFILE_EPROFILE;
    }
    rc = metrics_read_all(f, max, out, len);
    if (rc == METRICS_ERANGE) {
        snprintf(msg, msglen, "'%s' is larger than %zu MiB", path,
                 max / (1024 * 1024));
        rc = PROFILE_EPROFILE;
    } else if (rc == METRICS_ENOMEM) {
        rc = PROFILE_ENOMEM;
    } else if (rc) {
        snprintf(msg, msglen, "cannot read '%s': %s", path, strerror(errno));
        rc = PROFILE_EPROFILE;
    }
    fclose(f);
    return rc;
}

/* ---- CSV (RFC 4180: quoted fields with "" inside, CRLF or LF) ---------- */

struct csv {
    const char *s, *end;
    int line;
    char **fields; /* of the current row */
    size_t n, cap;
};

static void csv_drop_row(struct csv *c)
{
    for (size_t i = 0; i < c->n; i++)
        free(c->fields[i]);
    c->n = 0;
}

static int csv_push(struct csv *c, const char *a, size_t len, bool quoted)
{
    char *f;
    size_t o = 0;

    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 8;
        char **nf = realloc(c->fields, cap * sizeof(*nf));

        if (!nf)
            return PROFILE_ENOMEM;
        c->fields = nf;
        c->cap = cap;
    }
    f = malloc(len + 1);
    if (!f)
        return PROFILE_ENOMEM;
    for (size_t i = 0; i < len; i++) {
        f[o++] = a[i];
        if (quoted && a[i] == '"')
            i++; /* "" is one quote */
    }
    f[o] = '\0';
    c->fields[c->n++] = f;
    return 0;
}

/* Reads one row into c->fields.  Returns 1 for a row, 0 at the end, or a
 * LOADER_E* code with msg set. */
static int csv_row(struct csv *c, const char *file, char *msg, size_t msglen)
{
    int rc;

    csv_drop_row(c);
    if (c->s >= c->end)
        return 0;
    c->line++;
    for (;;) {
        const char *a = c->s;

        if (c->s < c->end && *c->s == '"') {
            int start_line = c->line;

            a = ++c->s;
            for (;;) {
                if (c->s >= c->end) {
                    snprintf(msg, msglen,
                             "%s:%d: a quoted field is never closed", file,
                             start_line);
                    return PROFILE_EPROFILE;
                }
                if (*c->s == '"') {
                    if (c->s + 1 < c->end && c->s[1] == '"') {
                        c->s += 2;
                        continue;
                    }
                    break;
                }
                if (*c->s == '\n')
                    c->line++;
                c->s++;
            }
            if ((rc = csv_push(c, a, (size_t)(c->s - a), true)))
                return rc;
            c->s++; /* closing quote */
            if (c->s < c->end && *c->s != ',' && *c->s != '\n' &&
                *c->s != '\r') {
                snprintf(msg, msglen,
                         "%s:%d: unexpected text after a quoted field", file,
                         c->line);
                return PROFILE_EPROFILE;
            }
        } else {
            while (c->s < c->end && *c->s != ',' && *c->s != '\n' &&
                   *c->s != '\r') {
                if (*c->s == '"' || *c->s == '\0') {
                    snprintf(msg, msglen, "%s:%d: %s inside an unquoted field",
                             file, c->line, *c->s ? "a quote" : "a NUL byte");
                    return PROFILE_EPROFILE;
                }
                c->s++;
            }
            if ((rc = csv_push(c, a, (size_t)(c->s - a), false)))
                return rc;
        }
        if (c->n > FEEDER_MAX_COLUMNS) {
            snprintf(msg, msglen, "%s:%d: more than %u columns", file, c->line,
                     FEEDER_MAX_COLUMNS);
            return PROFILE_EPROFILE;
        }
        if (c->s < c->end && *c->s == ',') {
            c->s++;
            continue;
        }
        if (c->s < c->end && *c->s == '\r')
            c->s++;
        if (c->s < c->end && *c->s == '\n')
            c->s++;
        return 1;
    }
}

int profile__feeder_parse(struct loader_feeder *f, const char *text, size_t len,
                          char *msg, size_t msglen)
{
    struct csv c = {text, text + len, 0, NULL, 0, 0};
    const char *file = f->file ? f->file : "data";
    size_t cap = 0;
    int rc;

    /* a UTF-8 byte order mark is not part of the first column's name */
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        c.s += 3;
    rc = csv_row(&c, file, msg, msglen);
    if (rc == 0) {
        snprintf(msg, msglen, "%s is empty: the first row names the columns",
                 file);
        rc = PROFILE_EPROFILE;
    }
    if (rc < 0)
        goto out;
    for (size_t i = 0; i < c.n; i++) {
        char q[72];

        profile__quote(c.fields[i], strlen(c.fields[i]), q, sizeof(q));
        if (!profile__var_name_ok(c.fields[i])) {
            snprintf(msg, msglen,
                     "%s:1: column %zu: '%s' is not a variable name "
                     "(letters, digits, _ and -)",
                     file, i + 1, q);
            rc = PROFILE_EPROFILE;
            goto out;
        }
        for (size_t k = 0; k < i; k++)
            if (strcmp(c.fields[k], c.fields[i]) == 0) {
                snprintf(msg, msglen, "%s:1: column '%s' appears twice", file,
                         q);
                rc = PROFILE_EPROFILE;
                goto out;
            }
    }
    f->columns = c.fields;
    f->n_columns = c.n;
    c.fields = NULL;
    c.n = c.cap = 0;
    while ((rc = csv_row(&c, file, msg, msglen)) == 1) {
        if (c.n == 1 && c.fields[0][0] == '\0')
            continue; /* a blank line */
        if (c.n != f->n_columns) {
            snprintf(msg, msglen, "%s:%d: %zu field%s, the header has %zu",
                     file, c.line, c.n, c.n == 1 ? "" : "s", f->n_columns);
            rc = PROFILE_EPROFILE;
            goto out;
        }
        if ((f->n_rows_all + 1) * f->n_columns > cap) {
            size_t ncap = cap ? cap * 2 : 64 * f->n_columns;
            char **nc = realloc(f->cells, ncap * sizeof(*nc));

            if (!nc) {
                rc = PROFILE_ENOMEM;
                goto out;
            }
            f->cells = nc;
            cap = ncap;
        }
        memcpy(f->cells + f->n_rows_all * f->n_columns, c.fields,
               c.n * sizeof(*c.fields));
        c.n = 0; /* the cells own the strings now */
        f->n_rows_all++;
    }
    if (rc < 0)
        goto out;
    if (f->n_rows_all == 0) {
        snprintf(msg, msglen, "%s has a header row but no data rows", file);
        rc = PROFILE_EPROFILE;
        goto out;
    }
    f->row0 = 0;
    f->n_rows = f->n_rows_all;
    rc = 0;
out:
    csv_drop_row(&c);
    free(c.fields);
    return rc;
}
