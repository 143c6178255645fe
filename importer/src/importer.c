/*
 * importer: the public entry points, error messages, numbers and labels
 * shared by the three formats.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "importer_internal.h"

/* Inputs beyond this are refused rather than read: results files are
 * megabytes, and a mistaken path to a disk image should fail fast. */
#define IMPORTER_MAX_FILE (UINT64_C(1) << 31)

const char *importer_strerror(int code) {
    switch (code) {
#define IMPORTER_X(name, value, msg)                                           \
    case value:                                                                \
        return msg;
        IMPORTER_ERRNO_MAP(IMPORTER_X)
#undef IMPORTER_X
    default:
        return "unknown error";
    }
}

static const char *const format_names[] = {
    [IMPORTER_LOCUST] = "locust",
    [IMPORTER_K6] = "k6",
    [IMPORTER_JMETER] = "jmeter",
};
#define N_FORMATS (sizeof(format_names) / sizeof(format_names[0]))

int importer_format_parse(const char *name) {
    if (!name)
        return -1;
    for (size_t i = 0; i < N_FORMATS; i++)
        if (strcmp(name, format_names[i]) == 0)
            return (int)i;
    return -1;
}

const char *importer_format_name(enum importer_format f) {
    if ((unsigned)f >= N_FORMATS)
        return NULL;
    return format_names[f];
}

int importer__errorf(const struct importer__err *e, size_t line, size_t col,
                     const char *fmt, ...) {
    va_list ap;
    int n;

    if (!e->buf || !e->len)
        return IMPORTER_EPARSE;
    if (line && col)
        n = snprintf(e->buf, e->len, "%s:%zu:%zu: ", e->name, line, col);
    else if (line)
        n = snprintf(e->buf, e->len, "%s:%zu: ", e->name, line);
    else
        n = snprintf(e->buf, e->len, "%s: ", e->name);
    if (n < 0 || (size_t)n >= e->len)
        return IMPORTER_EPARSE;
    va_start(ap, fmt);
    vsnprintf(e->buf + n, e->len - (size_t)n, fmt, ap);
    va_end(ap);
    return IMPORTER_EPARSE;
}

static void set_err(char *errbuf, size_t errlen, const char *fmt, ...)
    IMPORTER__PRINTF(3, 4);
static void set_err(char *errbuf, size_t errlen, const char *fmt, ...) {
    va_list ap;

    if (!errbuf || !errlen)
        return;
    va_start(ap, fmt);
    vsnprintf(errbuf, errlen, fmt, ap);
    va_end(ap);
}

/* ---- numbers ------------------------------------------------------------ */

static bool blank(char ch) {
    return ch == ' ' || ch == '\t';
}

bool importer__parse_double(const char *s, double *out) {
    char *end;
    double v;

    while (blank(*s))
        s++;
    /* strtod also takes hex, "inf" and "nan": none is a measurement */
    if (!((*s >= '0' && *s <= '9') || *s == '-' || *s == '+' || *s == '.'))
        return false;
    for (const char *p = s; *p; p++)
        if (*p == 'x' || *p == 'X')
            return false;
    errno = 0;
    v = strtod(s, &end);
    if (end == s || errno == ERANGE || !isfinite(v))
        return false;
    while (blank(*end))
        end++;
    if (*end)
        return false;
    *out = v;
    return true;
}

bool importer__parse_u64(const char *s, uint64_t *out) {
    uint64_t v = 0;
    bool any = false;

    while (blank(*s))
        s++;
    for (; *s >= '0' && *s <= '9'; s++) {
        unsigned d = (unsigned)(*s - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
        any = true;
    }
    while (blank(*s))
        s++;
    if (!any || *s)
        return false;
    *out = v;
    return true;
}

bool importer__parse_i64(const char *s, int64_t *out) {
    bool neg = false;
    uint64_t u;

    while (blank(*s))
        s++;
    if (*s == '-') {
        neg = true;
        s++;
    }
    if (!importer__parse_u64(s, &u) || u > (uint64_t)INT64_MAX)
        return false;
    *out = neg ? -(int64_t)u : (int64_t)u;
    return true;
}

/* ---- labels ------------------------------------------------------------- */

static const char *const http_methods[] = {
    "GET",   "HEAD",    "POST",  "PUT",     "DELETE",
    "PATCH", "OPTIONS", "TRACE", "CONNECT",
};

void importer__split_label(const char *label, const char *fallback,
                           const char **method, size_t *method_len,
                           const char **path) {
    for (size_t i = 0; i < sizeof(http_methods) / sizeof(http_methods[0]);
         i++) {
        size_t n = strlen(http_methods[i]);
        const char *rest;

        if (strncmp(label, http_methods[i], n) != 0 || !blank(label[n]))
            continue;
        rest = label + n;
        while (blank(*rest))
            rest++;
        if (!*rest)
            break;
        *method = label;
        *method_len = n;
        *path = rest;
        return;
    }
    *method = fallback;
    *method_len = strlen(fallback);
    *path = label;
}

struct metrics_endpoint *importer__endpoint(struct metrics_results *r,
                                            const char *label,
                                            const char *fallback) {
    const char *method, *path;
    size_t mlen;
    char mbuf[16];

    importer__split_label(label, fallback, &method, &mlen, &path);
    if (mlen >= sizeof(mbuf))
        mlen = sizeof(mbuf) - 1;
    memcpy(mbuf, method, mlen);
    mbuf[mlen] = '\0';
    return metrics_results_endpoint(r, mbuf, path, true);
}

/* ---- entry points ------------------------------------------------------- */

int importer_parse(enum importer_format f, const char *text, size_t len,
                   const char *name_for_errors, struct metrics_results **out,
                   char *errbuf, size_t errlen) {
    struct importer__err e = {name_for_errors ? name_for_errors : "input",
                              errbuf, errlen};
    struct metrics_results *r = NULL;
    const char *source = importer_format_name(f);
    int rc;

    if (errbuf && errlen)
        errbuf[0] = '\0';
    if (!out || (!text && len)) {
        set_err(errbuf, errlen, "%s: invalid argument", e.name);
        return IMPORTER_EINVAL;
    }
    if (!source) {
        set_err(errbuf, errlen, "unknown input format %d", (int)f);
        return IMPORTER_EINVAL;
    }
    if (!text)
        text = "";
    if (metrics_results_new(&r) != 0) {
        rc = IMPORTER_ENOMEM;
        goto out;
    }
    r->meta.source = strdup(source);
    if (!r->meta.source) {
        rc = IMPORTER_ENOMEM;
        goto out;
    }
    switch (f) {
    case IMPORTER_LOCUST:
        rc = importer__locust(text, len, &e, r);
        break;
    case IMPORTER_K6:
        rc = importer__k6(text, len, &e, r);
        break;
    default:
        rc = importer__jmeter(text, len, &e, r);
        break;
    }
out:
    if (rc == IMPORTER_ENOMEM)
        set_err(errbuf, errlen, "%s: out of memory", e.name);
    if (rc != 0) {
        metrics_results_free(r);
        return rc;
    }
    *out = r;
    return 0;
}

/* Reads all of path into a malloc'd buffer (NUL-terminated for
 * convenience, *len excludes it). */
static int read_file(const char *path, char **text, size_t *len, char *errbuf,
                     size_t errlen) {
    FILE *fp = NULL;
    char *buf = NULL;
    size_t cap = 0, n = 0;
    int rc = 0;

    fp = fopen(path, "rb");
    if (!fp) {
        set_err(errbuf, errlen, "%s: %s", path, strerror(errno));
        rc = IMPORTER_EIO;
        goto out;
    }
    for (;;) {
        size_t got;

        if (cap - n < 65536) {
            char *nb;

            if (cap >= IMPORTER_MAX_FILE) {
                set_err(errbuf, errlen, "%s: larger than %llu bytes", path,
                        (unsigned long long)IMPORTER_MAX_FILE);
                rc = IMPORTER_EIO;
                goto out;
            }
            cap = cap ? cap * 2 : 65536 + 1;
            nb = realloc(buf, cap);
            if (!nb) {
                rc = IMPORTER_ENOMEM;
                set_err(errbuf, errlen, "%s: out of memory", path);
                goto out;
            }
            buf = nb;
        }
        got = fread(buf + n, 1, cap - n - 1, fp);
        n += got;
        if (got == 0) {
            if (ferror(fp)) {
                set_err(errbuf, errlen, "%s: %s", path, strerror(errno));
                rc = IMPORTER_EIO;
                goto out;
            }
            break;
        }
    }
    buf[n] = '\0';
    *text = buf;
    *len = n;
    buf = NULL;
out:
    if (fp)
        fclose(fp);
    free(buf);
    return rc;
}

int importer_load(enum importer_format f, const char *path,
                  struct metrics_results **out, char *errbuf, size_t errlen) {
    char *text = NULL, *alt = NULL;
    const char *use = path;
    size_t len = 0;
    struct stat st;
    int rc;

    if (!path || !out) {
        set_err(errbuf, errlen, "invalid argument");
        return IMPORTER_EINVAL;
    }
    if (!importer_format_name(f)) {
        set_err(errbuf, errlen, "unknown input format %d", (int)f);
        return IMPORTER_EINVAL;
    }
    /* `locust --csv PREFIX` names files after PREFIX: accept either. */
    if (f == IMPORTER_LOCUST && stat(path, &st) != 0 && errno == ENOENT) {
        size_t n = strlen(path);

        alt = malloc(n + sizeof("_stats.csv"));
        if (!alt) {
            set_err(errbuf, errlen, "%s: out of memory", path);
            return IMPORTER_ENOMEM;
        }
        memcpy(alt, path, n);
        memcpy(alt + n, "_stats.csv", sizeof("_stats.csv"));
        if (stat(alt, &st) == 0)
            use = alt;
    }
    if (stat(use, &st) == 0 && S_ISDIR(st.st_mode)) {
        set_err(errbuf, errlen, "%s: is a directory", use);
        rc = IMPORTER_EIO;
        goto out;
    }
    rc = read_file(use, &text, &len, errbuf, errlen);
    if (rc)
        goto out;
    rc = importer_parse(f, text, len, use, out, errbuf, errlen);
out:
    free(text);
    free(alt);
    return rc;
}
