/*
 * importer: a CSV reader over a buffer and its length (RFC 4180: fields
 * separated by commas, records by LF or CRLF, quoted fields may hold
 * commas, line breaks and "" for a quote).  Both Locust (Python's csv
 * module) and JMeter (CSVSaveService) write this dialect.
 */
#include <stdlib.h>
#include <string.h>

#include "importer_internal.h"

void importer__csv_init(struct importer__csv *c, const char *text, size_t len)
{
    memset(c, 0, sizeof(*c));
    c->text = text;
    c->len = len;
    c->line = 1;
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        c->pos = 3;
}

int importer__csv_first(struct importer__csv *c, const char *text, size_t len,
                        const struct importer__err *e, const char *expected)
{
    int rc;

    importer__csv_init(c, text, len);
    rc = importer__csv_next(c, e);
    if (rc == 0)
        return importer__errorf(e, 0, 0, "empty file: expected %s", expected);
    return rc < 0 ? rc : 0;
}

void importer__csv_release(struct importer__csv *c)
{
    free(c->buf);
    free(c->offs);
    free(c->fields);
    memset(c, 0, sizeof(*c));
}

static int put_char(struct importer__csv *c, char ch)
{
    if (c->buf_len == c->buf_cap) {
        size_t cap = c->buf_cap ? c->buf_cap * 2 : 256;
        char *nb = realloc(c->buf, cap);

        if (!nb)
            return IMPORTER_ENOMEM;
        c->buf = nb;
        c->buf_cap = cap;
    }
    c->buf[c->buf_len++] = ch;
    return 0;
}

/* Ends the current field: NUL-terminates it and remembers where it
 * starts. */
static int end_field(struct importer__csv *c, size_t start)
{
    if (put_char(c, '\0'))
        return IMPORTER_ENOMEM;
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 32;
        size_t *no = realloc(c->offs, cap * sizeof(*no));
        char **nf;

        if (!no)
            return IMPORTER_ENOMEM;
        c->offs = no;
        nf = realloc(c->fields, cap * sizeof(*nf));
        if (!nf)
            return IMPORTER_ENOMEM;
        c->fields = nf;
        c->cap = cap;
    }
    c->offs[c->n++] = start;
    return 0;
}

int importer__csv_next(struct importer__csv *c, const struct importer__err *e)
{
    const char *t = c->text;
    size_t start, line_start;
    int rc;

    c->n = 0;
    c->buf_len = 0;
    /* skip blank lines */
    while (c->pos < c->len && (t[c->pos] == '\n' || t[c->pos] == '\r')) {
        if (t[c->pos] == '\n')
            c->line++;
        c->pos++;
    }
    if (c->pos >= c->len)
        return 0;
    c->record_line = c->line;
    /* column numbers are counted from the start of the physical line */
    line_start = c->pos;
    for (size_t i = c->pos; i > 0 && t[i - 1] != '\n'; i--)
        line_start = i - 1;

    for (;;) {
        start = c->buf_len;
        if (c->pos < c->len && t[c->pos] == '"') {
            size_t open_line = c->line, open_col = c->pos - line_start + 1;

            c->pos++;
            for (;;) {
                if (c->pos >= c->len)
                    return importer__errorf(e, open_line, open_col,
                                            "unterminated quoted field");
                if (t[c->pos] == '"') {
                    if (c->pos + 1 < c->len && t[c->pos + 1] == '"') {
                        if ((rc = put_char(c, '"')))
                            return rc;
                        c->pos += 2;
                        continue;
                    }
                    c->pos++;
                    break;
                }
                if (t[c->pos] == '\0')
                    return importer__errorf(e, c->line, c->pos - line_start + 1,
                                            "NUL byte in the input");
                if (t[c->pos] == '\n') {
                    c->line++;
                    line_start = c->pos + 1;
                }
                if ((rc = put_char(c, t[c->pos])))
                    return rc;
                c->pos++;
            }
            if (c->pos < c->len && t[c->pos] != ',' && t[c->pos] != '\n' &&
                !(t[c->pos] == '\r' &&
                  (c->pos + 1 >= c->len || t[c->pos + 1] == '\n')))
                return importer__errorf(e, c->line, c->pos - line_start + 1,
                                        "unexpected character after a "
                                        "closing quote");
        } else {
            while (c->pos < c->len && t[c->pos] != ',' && t[c->pos] != '\n') {
                if (t[c->pos] == '\0')
                    return importer__errorf(e, c->line, c->pos - line_start + 1,
                                            "NUL byte in the input");
                if (t[c->pos] == '\r' &&
                    (c->pos + 1 >= c->len || t[c->pos + 1] == '\n')) {
                    c->pos++;
                    continue; /* the CR of a CRLF */
                }
                if ((rc = put_char(c, t[c->pos])))
                    return rc;
                c->pos++;
            }
        }
        if ((rc = end_field(c, start)))
            return rc;
        if (c->pos < c->len && t[c->pos] == '\r')
            c->pos++;
        if (c->pos >= c->len)
            break;
        if (t[c->pos] == '\n') {
            c->pos++;
            c->line++;
            break;
        }
        c->pos++; /* the comma */
    }

    /* buf may have moved while growing: point fields at it only now */
    for (size_t i = 0; i < c->n; i++)
        c->fields[i] = c->buf + c->offs[i];
    return 1;
}

int importer__csv_column(const struct importer__csv *c, const char *name)
{
    for (size_t i = 0; i < c->n && i < (size_t)INT32_MAX; i++)
        if (strcmp(c->fields[i], name) == 0)
            return (int)i;
    return -1;
}
