/*
 * Durations, rates, sizes and percentages: one scanner for the profile,
 * the threshold expressions and the command line (see units.h).
 *
 * Numbers are scanned by hand and only then handed to strtod: strtod alone
 * would take a sign, leading blanks, "inf", "nan", "0x1p3" and exponents,
 * none of which a person means here.  loadgate never calls setlocale, so
 * the decimal point is '.'.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "units.h"

#define MAX_NUMBER 1e15                   /* any number as written */
#define MAX_SECONDS (100.0 * 365 * 86400) /* a century is a typo */
#define MAX_RATE 1e9                      /* per second */
#define MAX_BYTES 1099511627776.0         /* 1 TiB */
#define ACCEPT_ALL                                                             \
    (UNITS_ACCEPT(UNITS_PLAIN) | UNITS_ACCEPT(UNITS_DURATION) |                \
     UNITS_ACCEPT(UNITS_RATE) | UNITS_ACCEPT(UNITS_SIZE) |                     \
     UNITS_ACCEPT(UNITS_PERCENT))

struct unit_def {
    const char *name;
    double factor;
};

/* microseconds per unit: integers, so that the factor into either
 * enum units_time is one correctly rounded division (1e3 / 1e6 is the
 * double nearest 0.001, as the literal is) */
static const struct unit_def time_units[] = {
    {"us", 1}, {"ms", 1e3}, {"s", 1e6}, {"m", 6e7}, {"h", 3.6e9}};
static const double time_base_us[] = {
    [UNITS_SECONDS] = 1e6, [UNITS_MILLISECONDS] = 1e3};
/* seconds per unit of "/unit" */
static const struct unit_def rate_units[] = {{"s", 1}, {"m", 60}, {"h", 3600}};
/* bytes per unit, matched without regard to case */
static const struct unit_def size_units[] = {{"b", 1},
                                             {"k", 1024.0},
                                             {"kb", 1024.0},
                                             {"kib", 1024.0},
                                             {"m", 1048576.0},
                                             {"mb", 1048576.0},
                                             {"mib", 1048576.0},
                                             {"g", 1073741824.0},
                                             {"gb", 1073741824.0},
                                             {"gib", 1073741824.0}};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

LOADGATE_ERRNO_DEFINE(units, UNITS_ERRNO_MAP)

const char *units_expected(enum units_kind kind)
{
    switch (kind) {
    case UNITS_DURATION:
        return "a duration like 30s or 5m";
    case UNITS_RATE:
        return "a rate like 50/s or 3000/m";
    case UNITS_SIZE:
        return "a size like 10MB, 512KB or a number of bytes";
    case UNITS_PERCENT:
        return "a percentage like 5%";
    case UNITS_PLAIN:
        break;
    }
    return "a number";
}

static int fail(struct units_error *err, int code, size_t at, const char *fmt,
                ...) __attribute__((format(printf, 4, 5)));

static int fail(struct units_error *err, int code, size_t at, const char *fmt,
                ...)
{
    va_list ap;

    if (!err)
        return code;
    err->code = code;
    err->at = at;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
    return code;
}

static bool blank(char c)
{
    return c == ' ' || c == '\t';
}

/* What is at text + at, for messages: "'x'", "white space", "the end of
 * the text" or "byte 0x01"; never a control byte. */
static void describe(const char *text, size_t at, char *buf, size_t len)
{
    const unsigned char *c = (const unsigned char *)text + at;
    size_t n = 0;

    if (!*c) {
        snprintf(buf, len, "the end of the text");
        return;
    }
    if (blank((char)*c)) {
        snprintf(buf, len, "white space");
        return;
    }
    /* one token's worth, printable ASCII only */
    while (c[n] && n < 16 && isgraph(c[n]) &&
           (n == 0 || !isalnum(c[n]) == !isalnum(c[0])))
        n++;
    if (n == 0)
        snprintf(buf, len, "byte 0x%02x", c[0]);
    else
        snprintf(buf, len, "'%.*s'", (int)n, (const char *)c);
}

/* NUMBER: digits [. digits] | . digits, at text + *pos; advances *pos. */
static int number(const char *text, size_t *pos, double *out,
                  struct units_error *err)
{
    size_t start = *pos, p = start;
    bool digits = false;
    char buf[128], what[40];
    double v;

    while (isdigit((unsigned char)text[p])) {
        p++;
        digits = true;
    }
    if (text[p] == '.' && isdigit((unsigned char)text[p + 1])) {
        p++;
        while (isdigit((unsigned char)text[p]))
            p++;
        digits = true;
    }
    if (!digits) {
        describe(text, start, what, sizeof(what));
        return fail(err, UNITS_ENUMBER, start, "expected a number%s, found %s",
                    text[start] == '-' || text[start] == '+' ? " without a sign"
                                                             : "",
                    what);
    }
    /* 1e3 would otherwise read as 1 with an unknown unit 'e3' */
    if ((text[p] == 'e' || text[p] == 'E') &&
        (isdigit((unsigned char)text[p + 1]) || text[p + 1] == '+' ||
         text[p + 1] == '-'))
        return fail(err, UNITS_EEXPONENT, p,
                    "exponents are not supported; write the number in full");
    if (p - start >= sizeof(buf))
        return fail(err, UNITS_ERANGE, start,
                    "number out of range (too many digits)");
    memcpy(buf, text + start, p - start);
    buf[p - start] = '\0';
    v = strtod(buf, NULL);
    if (!(v <= MAX_NUMBER))
        return fail(err, UNITS_ERANGE, start,
                    "number out of range (at most 1000000000000000)");
    *out = v;
    *pos = p;
    return 0;
}

/* "us, ms, s, m, h, %, /s, /m or /h": the units of the kinds in accept. */
static void unit_list(unsigned accept, char *buf, size_t len)
{
    static const struct {
        enum units_kind kind;
        const char *units[4];
    } all[] = {{UNITS_DURATION, {"us, ms, s, m", "h"}},
               {UNITS_PERCENT, {"%"}},
               {UNITS_RATE, {"/s, /m", "/h"}},
               {UNITS_SIZE, {"B, KB, MB", "GB"}}};
    const char *last = NULL;
    size_t used = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < COUNT(all); i++) {
        if (!(accept & UNITS_ACCEPT(all[i].kind)))
            continue;
        for (size_t k = 0; k < COUNT(all[i].units) && all[i].units[k]; k++) {
            if (last) {
                int n = snprintf(buf + used, len - used, "%s%s",
                                 used ? ", " : "", last);
                if (n < 0 || (size_t)n >= len - used)
                    return;
                used += (size_t)n;
            }
            last = all[i].units[k];
        }
    }
    if (last)
        snprintf(buf + used, len - used, "%s%s", used ? " or " : "", last);
    else
        snprintf(buf, len, "a number without a unit");
}

struct unit_hit {
    enum units_kind kind;
    size_t len;
    double factor; /* time: us per unit; rate: s per unit; size: bytes */
};

static const struct unit_def *lookup(const struct unit_def *defs, size_t n,
                                     const char *w, size_t len, bool nocase)
{
    for (size_t i = 0; i < n; i++)
        if (strlen(defs[i].name) == len &&
            (nocase ? strncasecmp(w, defs[i].name, len)
                    : strncmp(w, defs[i].name, len)) == 0)
            return &defs[i];
    return NULL;
}

/* The unit at text + at: 1 and *hit, 0 when there is none (anything but
 * '%', '/' or a letter), or an error for one not in accept. */
static int unit(const char *text, size_t at, unsigned accept,
                struct unit_hit *hit, struct units_error *err)
{
    const char *w = text + at;
    const struct unit_def *d = NULL;
    char list[80];
    size_t n = 0;

    if (*w == '%') {
        n = 1;
        if (accept & UNITS_ACCEPT(UNITS_PERCENT)) {
            hit->kind = UNITS_PERCENT;
            hit->len = 1;
            hit->factor = 100;
            return 1;
        }
    } else if (*w == '/') {
        while (isalpha((unsigned char)w[1 + n]))
            n++;
        if (accept & UNITS_ACCEPT(UNITS_RATE)) {
            d = lookup(rate_units, COUNT(rate_units), w + 1, n, false);
            if (!d)
                return fail(err, UNITS_EUNIT, at,
                            "expected '/s', '/m' or '/h' after the number");
            hit->kind = UNITS_RATE;
            hit->len = 1 + n;
            hit->factor = d->factor;
            return 1;
        }
        n++;
    } else if (isalpha((unsigned char)*w)) {
        while (isalpha((unsigned char)w[n]))
            n++;
        if (accept & UNITS_ACCEPT(UNITS_DURATION)) {
            d = lookup(time_units, COUNT(time_units), w, n, false);
            hit->kind = UNITS_DURATION;
        }
        if (!d && (accept & UNITS_ACCEPT(UNITS_SIZE))) {
            d = lookup(size_units, COUNT(size_units), w, n, true);
            hit->kind = UNITS_SIZE;
        }
        if (d) {
            hit->len = n;
            hit->factor = d->factor;
            return 1;
        }
    } else {
        return 0;
    }
    unit_list(accept, list, sizeof(list));
    return fail(err, UNITS_EUNIT, at, "unknown unit '%.*s'; expected %s",
                (int)(n > 16 ? 16 : n), w, list);
}

/* The bound of a kind, value in its unit; pos is where the quantity
 * starts. */
static int check_bound(enum units_kind kind, enum units_time time, double value,
                       size_t pos, struct units_error *err)
{
    switch (kind) {
    case UNITS_DURATION:
        if (!(value <= MAX_SECONDS * (1e6 / time_base_us[time])))
            return fail(err, UNITS_ERANGE, pos,
                        "a duration longer than 100 years is out of range");
        break;
    case UNITS_RATE:
        if (!(value <= MAX_RATE))
            return fail(err, UNITS_ERANGE, pos,
                        "a rate above 1000000000/s is out of range");
        break;
    case UNITS_SIZE:
        if (!(value <= MAX_BYTES))
            return fail(err, UNITS_ERANGE, pos,
                        "a size above 1024GB is out of range");
        break;
    case UNITS_PLAIN:
    case UNITS_PERCENT:
        break; /* the number's own bound */
    }
    return 0;
}

/* A number, optional white space and a unit of accept at text + *pos:
 * *hit and 1, 0 with no unit (*pos just past the number), or an error. */
static int part(const char *text, size_t *pos, unsigned accept, double *v,
                size_t *unit_at, struct unit_hit *hit, struct units_error *err)
{
    size_t q;
    int rc = number(text, pos, v, err);

    if (rc)
        return rc;
    for (q = *pos; blank(text[q]); q++)
        ;
    rc = unit(text, q, accept, hit, err);
    if (rc > 0) {
        *unit_at = q;
        *pos = q + hit->len;
    }
    return rc;
}

int units_scan(const char *text, size_t pos, unsigned accept,
               enum units_time time, struct units_value *out,
               struct units_error *err)
{
    struct unit_hit hit;
    size_t p = pos, unit_at = pos;
    double v, base;
    int rc;

    if (err) {
        err->code = 0;
        err->at = pos;
        err->msg[0] = '\0';
    }
    if (!text || !out || (accept & ~(unsigned)ACCEPT_ALL) ||
        ((accept & UNITS_ACCEPT(UNITS_DURATION)) &&
         (accept & UNITS_ACCEPT(UNITS_SIZE))) ||
        (time != UNITS_SECONDS && time != UNITS_MILLISECONDS))
        return fail(err, UNITS_EINVAL, pos, "invalid argument");
    memset(out, 0, sizeof(*out));
    out->number_at = pos;
    rc = part(text, &p, accept, &v, &unit_at, &hit, err);
    if (rc < 0)
        return rc;
    out->number = v;
    if (rc == 0) {
        out->kind = UNITS_PLAIN;
        out->value = v;
        out->unit_at = out->end = p;
        return 0;
    }
    out->kind = hit.kind;
    out->unit_at = unit_at;
    snprintf(out->unit, sizeof(out->unit), "%.*s", (int)hit.len,
             text + unit_at);
    switch (hit.kind) {
    case UNITS_DURATION:
        base = time_base_us[time];
        out->value = v * (hit.factor / base);
        /* more parts written together: 1h30m, 1s500ms */
        while (isdigit((unsigned char)text[p]) ||
               (text[p] == '.' && isdigit((unsigned char)text[p + 1]))) {
            size_t at = p;

            rc = part(text, &p, UNITS_ACCEPT(UNITS_DURATION), &v, &unit_at,
                      &hit, err);
            if (rc < 0)
                return rc;
            if (rc == 0)
                return fail(err, UNITS_EUNIT, p,
                            "expected a unit (us, ms, s, m or h) after %.*s: "
                            "each part of a duration has one",
                            (int)(p - at > 24 ? 24 : p - at), text + at);
            out->value += v * (hit.factor / base);
        }
        break;
    case UNITS_RATE:
        out->value = v / hit.factor;
        break;
    case UNITS_SIZE:
        out->value = v * hit.factor;
        break;
    case UNITS_PERCENT:
        out->value = v / hit.factor;
        break;
    case UNITS_PLAIN:
        break;
    }
    if ((rc = check_bound(out->kind, time, out->value, pos, err)))
        return rc;
    out->end = p;
    return 0;
}

/* The whole of s as one quantity of kind (or a bare number), bounded,
 * into *out (unchanged on error). */
static int parse_whole(const char *s, enum units_kind kind,
                       enum units_time time, double *out,
                       struct units_error *err)
{
    static const char *const noun[] = {[UNITS_PLAIN] = "number",
                                       [UNITS_DURATION] = "duration",
                                       [UNITS_RATE] = "rate",
                                       [UNITS_SIZE] = "size",
                                       [UNITS_PERCENT] = "percentage"};
    struct units_value v;
    char what[40];
    int rc;

    if (!s || !out)
        return fail(err, UNITS_EINVAL, 0, "invalid argument");
    rc = units_scan(s, 0, UNITS_ACCEPT(kind), time, &v, err);
    if (rc)
        return rc;
    if (s[v.end]) {
        describe(s, v.end, what, sizeof(what));
        return fail(err, UNITS_ETRAILING, v.end,
                    "expected the end of the %s, found %s", noun[kind], what);
    }
    /* a bare number is in the kind's unit: the same bound */
    if ((rc = check_bound(kind, time, v.value, 0, err)))
        return rc;
    *out = v.value;
    return 0;
}

int units_parse_duration(const char *s, enum units_time time, double *out,
                         struct units_error *err)
{
    return parse_whole(s, UNITS_DURATION, time, out, err);
}

int units_parse_rate(const char *s, double *per_second, struct units_error *err)
{
    return parse_whole(s, UNITS_RATE, UNITS_SECONDS, per_second, err);
}

int units_parse_size(const char *s, uint64_t *bytes, struct units_error *err)
{
    double v = 0;
    int rc = parse_whole(s, UNITS_SIZE, UNITS_SECONDS, bytes ? &v : NULL, err);

    if (rc == 0)
        *bytes = (uint64_t)v; /* a fraction of a byte is dropped */
    return rc;
}

int units_parse_percent(const char *s, double *fraction,
                        struct units_error *err)
{
    return parse_whole(s, UNITS_PERCENT, UNITS_SECONDS, fraction, err);
}
