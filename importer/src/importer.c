/*
 * importer: the public entry points, error messages, numbers, labels,
 * times and whole-run counts shared by the formats.
 */
#include <errno.h>
#include <inttypes.h>
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

LOADGATE_ERRNO_DEFINE(importer, IMPORTER_ERRNO_MAP)

typedef int (*import_fn)(const char *text, size_t len,
                         const struct importer__err *e,
                         struct metrics_results *r);

static const struct {
    const char *name;
    import_fn fn;
} formats[] = {
    [IMPORTER_LOCUST] = {"locust", importer__locust},
    [IMPORTER_K6] = {"k6", importer__k6},
    [IMPORTER_JMETER] = {"jmeter", importer__jmeter},
    [IMPORTER_ARTILLERY] = {"artillery", importer__artillery},
    [IMPORTER_AUTOCANNON] = {"autocannon", importer__autocannon},
    [IMPORTER_GATLING] = {"gatling", importer__gatling},
    [IMPORTER_VEGETA] = {"vegeta", importer__vegeta},
    [IMPORTER_WRK] = {"wrk", importer__wrk},
    [IMPORTER_HEY] = {"hey", importer__hey},
    [IMPORTER_AUTO] = {"auto", NULL},
    [IMPORTER_LOADGATE] = {"loadgate", NULL},
};
#define N_FORMATS (sizeof(formats) / sizeof(formats[0]))

int importer_format_parse(const char *name)
{
    if (!name)
        return -1;
    /* "loadgate" is what auto finds, not a --from */
    for (size_t i = 0; i < IMPORTER_LOADGATE; i++)
        if (strcmp(name, formats[i].name) == 0)
            return (int)i;
    return -1;
}

const char *importer_format_name(enum importer_format f)
{
    if ((unsigned)f >= N_FORMATS)
        return NULL;
    return formats[f].name;
}

int importer__errorf(const struct importer__err *e, size_t line, size_t col,
                     const char *fmt, ...)
{
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

/* ---- numbers ------------------------------------------------------------ */

static bool blank(char ch)
{
    return ch == ' ' || ch == '\t';
}

bool importer__parse_double(const char *s, double *out)
{
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

bool importer__parse_u64(const char *s, uint64_t *out)
{
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

bool importer__parse_i64(const char *s, int64_t *out)
{
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
                           const char **path)
{
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
                                            const char *fallback)
{
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

int importer__endpoint_at(struct metrics_results *r,
                          const struct importer__err *e, size_t line,
                          const char *method, const char *path,
                          struct metrics_endpoint **out)
{
    const char *m = method && *method ? method : "HTTP";
    const char *p = importer__url_path(path);

    *out = metrics_results_endpoint(r, m, p, false);
    if (*out)
        return 0;
    if (r->n_endpoints >= IMPORTER__MAX_ENDPOINTS)
        return importer__errorf(e, line, 0,
                                "more than %d endpoints (a unique URL per "
                                "request?): name the requests in the tool",
                                IMPORTER__MAX_ENDPOINTS);
    *out = metrics_results_endpoint(r, m, p, true);
    return *out ? 0 : IMPORTER_ENOMEM;
}

int importer__endpoint_label(struct metrics_results *r,
                             const struct importer__err *e, size_t line,
                             const char *label, struct metrics_endpoint **out)
{
    const char *method, *path;
    size_t mlen;
    char mbuf[16];

    importer__split_label(label, "HTTP", &method, &mlen, &path);
    if (mlen >= sizeof(mbuf))
        mlen = sizeof(mbuf) - 1;
    memcpy(mbuf, method, mlen);
    mbuf[mlen] = '\0';
    return importer__endpoint_at(r, e, line, mbuf, path, out);
}

const char *importer__url_path(const char *url)
{
    const char *p = strstr(url, "://"), *slash;

    if (!p || p == url)
        return url;
    for (const char *c = url; c < p; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
              (*c >= '0' && *c <= '9') || *c == '+' || *c == '-' || *c == '.'))
            return url; /* not a scheme */
    slash = strpbrk(p + 3, "/?#");
    if (!slash || *slash == '#')
        return "/";
    /* "http://h?q": the path is empty, the query stays */
    return slash;
}

enum metrics_errclass importer__status_class(int status)
{
    if (status >= 500)
        return METRICS_ERR_HTTP_5XX;
    if (status >= 400)
        return METRICS_ERR_STATUS;
    return METRICS_ERR_NONE;
}

/* Digits at s[0..n) as a number; false unless all are digits. */
static bool digits(const char *s, int n, int *out)
{
    int v = 0;

    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static int64_t days_from_civil(int y, int m, int d)
{
    int64_t era, yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

bool importer__parse_time(const char *s, int64_t *us)
{
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y, mo, d, h, mi, sec, zh = 0, zm = 0;
    int64_t frac = 0, t;
    int sign = 0;

    /* 2026-01-02T03:04:05 */
    if (!digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) ||
        s[7] != '-' || !digits(s + 8, 2, &d) ||
        (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
        !digits(s + 11, 2, &h) || s[13] != ':' || !digits(s + 14, 2, &mi) ||
        s[16] != ':' || !digits(s + 17, 2, &sec))
        return false;
    s += 19;
    if (*s == '.') {
        int n = 0;

        for (s++; *s >= '0' && *s <= '9'; s++, n++)
            if (n < 6)
                frac = frac * 10 + (*s - '0');
        if (n == 0)
            return false;
        for (; n < 6; n++)
            frac *= 10;
    }
    if (*s == 'Z' || *s == 'z') {
        s++;
    } else if (*s == '+' || *s == '-') {
        sign = *s == '-' ? -1 : 1;
        if (!digits(s + 1, 2, &zh) || s[3] != ':' || !digits(s + 4, 2, &zm) ||
            zh > 23 || zm > 59)
            return false;
        s += 6;
    }
    if (*s || y < 1970 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
        h > 23 || mi > 59 || sec > 60)
        return false;
    t = ((days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60 + sec;
    t -= sign * (zh * 3600 + zm * 60);
    if (t < 0)
        return false;
    *us = t * 1000000 + frac;
    return true;
}

void importer__window_init(struct importer__window *w, bool relative)
{
    w->first_us = INT64_MAX;
    w->last_us = INT64_MIN;
    w->relative = relative;
}

/* Later than any real start (year 9999), and far from overflowing when a
 * latency is added. */
#define MAX_TIME_US INT64_C(253402300799999999)

int importer__record(struct importer__window *w, struct metrics_endpoint *ep,
                     int64_t start_us, bool has_latency, uint64_t latency_us,
                     int status, enum metrics_errclass err)
{
    int64_t end_us;

    if (start_us < 0)
        start_us = 0;
    if (start_us > MAX_TIME_US)
        start_us = MAX_TIME_US;
    if (!has_latency)
        latency_us = 0;
    if (latency_us > METRICS_HIST_MAX_VALUE)
        latency_us = METRICS_HIST_MAX_VALUE;
    end_us = start_us + (int64_t)latency_us;
    if (status < 0 || status >= METRICS_STATUS_MAX)
        status = 0;
    /* metrics counts a request in the second it completed */
    if (metrics_endpoint_record(ep, end_us / 1000000, has_latency, latency_us,
                                status, err) != 0)
        return IMPORTER_ENOMEM;
    if (start_us < w->first_us)
        w->first_us = start_us;
    if (end_us > w->last_us)
        w->last_us = end_us;
    return 0;
}

int importer__set_start(struct metrics_results *r, int64_t unix_second)
{
    char stamp[32];

    r->start_second = unix_second;
    metrics_format_utc(unix_second, stamp, sizeof(stamp));
    free(r->timestamp);
    r->timestamp = strdup(stamp);
    return r->timestamp ? 0 : IMPORTER_ENOMEM;
}

int importer__set_start_time(struct metrics_results *r, const char *time)
{
    int64_t us;

    if (!time || !importer__parse_time(time, &us))
        return 0;
    return importer__set_start(r, us / 1000000);
}

int importer__window_finish(const struct importer__window *w,
                            struct metrics_results *r)
{
    if (w->first_us == INT64_MAX)
        return 0;
    r->start_second = w->first_us / 1000000;
    r->duration_s = (double)(w->last_us - w->first_us) / 1e6;
    return w->relative ? 0 : importer__set_start(r, r->start_second);
}

/* What of `all` the endpoints of r leave out, into rest; false when they
 * count more than all. */
static bool rest_of(const struct metrics_results *r,
                    const struct importer__counts *all,
                    struct importer__counts *rest)
{
    uint64_t classes = 0;

    *rest = *all;
    for (size_t i = 0; i < r->n_endpoints; i++) {
        const struct metrics_endpoint *ep = r->endpoints[i];

        if (ep->requests > rest->requests || ep->errors > rest->errors)
            return false;
        rest->requests -= ep->requests;
        rest->errors -= ep->errors;
        for (int c = 0; c < METRICS_ERR__COUNT; c++)
            rest->err_class[c] -= ep->err_class[c] < rest->err_class[c]
                                      ? ep->err_class[c]
                                      : rest->err_class[c];
        for (int s = 0; s < METRICS_STATUS_MAX; s++)
            rest->status[s] -= ep->status[s] < rest->status[s]
                                   ? ep->status[s]
                                   : rest->status[s];
    }
    /* classes the endpoints and the whole run split differently: the rest
     * is known only as failed */
    for (int c = 0; c < METRICS_ERR__COUNT; c++)
        classes += rest->err_class[c];
    if (classes != rest->errors) {
        memset(rest->err_class, 0, sizeof(rest->err_class));
        rest->err_class[METRICS_ERR_OTHER] = rest->errors;
    }
    return rest->errors <= rest->requests;
}

static void set_counts(struct metrics_endpoint *ep,
                       const struct importer__counts *c)
{
    ep->requests = c->requests;
    ep->errors = c->errors;
    memcpy(ep->err_class, c->err_class, sizeof(ep->err_class));
    memcpy(ep->status, c->status, sizeof(ep->status));
}

int importer__whole_run(struct metrics_results *r,
                        const struct importer__err *e,
                        const struct importer__counts *all,
                        const struct metrics_scalars *s, const char *path)
{
    struct importer__counts *rest;
    struct metrics_endpoint *ep;
    int rc = 0;

    if (all->errors > all->requests)
        return importer__errorf(e, 0, 0,
                                "%" PRIu64 " failed requests out of %" PRIu64,
                                all->errors, all->requests);
    if (metrics_results_total_requests(r) == 0) {
        ep = metrics_results_endpoint(r, "HTTP", path, true);
        if (!ep)
            return IMPORTER_ENOMEM;
        set_counts(ep, all);
        ep->scalars = *s;
        if (!all->requests)
            memset(&ep->scalars, 0, sizeof(ep->scalars));
        r->whole_run = ep->scalars;
        return 0;
    }
    rest = malloc(sizeof(*rest));
    if (!rest)
        return IMPORTER_ENOMEM;
    if (!rest_of(r, all, rest)) {
        rc = importer__errorf(
            e, 0, 0,
            "the endpoints count %" PRIu64 " requests (%" PRIu64
            " failed), more than the whole run's %" PRIu64 " (%" PRIu64 ")",
            metrics_results_total_requests(r), metrics_results_total_errors(r),
            all->requests, all->errors);
        goto out;
    }
    if (rest->requests) {
        ep = metrics_results_endpoint(r, "HTTP", "(other requests)", true);
        if (!ep) {
            rc = IMPORTER_ENOMEM;
            goto out;
        }
        set_counts(ep, rest);
    }
    r->whole_run = *s;
    r->whole_run.present = s->present && all->requests > 0;
out:
    free(rest);
    return rc;
}

/* ---- JSON ---------------------------------------------------------------- */

int importer__json_number(const struct importer__err *e, json_t *v,
                          const char *what, double *out)
{
    if (!json_is_number(v) || !isfinite(json_number_value(v)) ||
        json_number_value(v) < 0)
        return importer__errorf(e, 0, 0, "%s: expected a number >= 0", what);
    *out = json_number_value(v);
    return 0;
}

int importer__json_whole(const struct importer__err *e, json_t *v,
                         const char *what, uint64_t *out)
{
    double d = 0;
    int rc = importer__json_number(e, v, what, &d);

    if (rc)
        return rc;
    if (d != floor(d) || d > 9007199254740992.0) /* 2^53 */
        return importer__errorf(e, 0, 0, "%s: expected a whole count", what);
    *out = (uint64_t)d;
    return 0;
}

/* obj.key, NULL when absent or null; what names it in messages. */
static json_t *member(json_t *obj, const char *where, const char *key,
                      char *what, size_t len)
{
    json_t *v = json_object_get(obj, key);

    snprintf(what, len, "%s%s%s", where, *where ? "." : "", key);
    return v && !json_is_null(v) ? v : NULL;
}

/* An optional member read as a number (count NULL) or a whole count. */
static int optional(const struct importer__err *e, json_t *obj,
                    const char *where, const char *key, bool *has, double *num,
                    uint64_t *count)
{
    char what[300];
    json_t *v = member(obj, where, key, what, sizeof(what));
    int rc = !v      ? 0
             : count ? importer__json_whole(e, v, what, count)
                     : importer__json_number(e, v, what, num);

    *has = v && !rc;
    return rc;
}

int importer__json_num(const struct importer__err *e, json_t *obj,
                       const char *where, const char *key, bool *has,
                       double *out)
{
    return optional(e, obj, where, key, has, out, NULL);
}

int importer__json_count(const struct importer__err *e, json_t *obj,
                         const char *where, const char *key, bool *has,
                         uint64_t *out)
{
    return optional(e, obj, where, key, has, NULL, out);
}

int importer__json_scalars(const struct importer__err *e, json_t *obj,
                           const char *where,
                           const struct importer__scalar *keys, size_t n,
                           double per_ms, struct metrics_scalars *s)
{
    memset(s, 0, sizeof(*s));
    for (size_t i = 0; i < n; i++) {
        bool *has = (bool *)((char *)s + keys[i].has), got;
        double *v = (double *)((char *)s + keys[i].value), x = 0;
        int rc = importer__json_num(e, obj, where, keys[i].key, &got, &x);

        if (rc)
            return rc;
        if (got && !*has) {
            *has = true;
            *v = x / per_ms;
        }
        s->present = s->present || got;
    }
    return 0;
}

int importer__json_load(const struct importer__err *e, const char *text,
                        size_t len, size_t first_line, json_t **out)
{
    json_error_t jerr;

    *out = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (*out)
        return 0;
    return importer__errorf(
        e, jerr.line > 0 ? (size_t)jerr.line + first_line - 1 : 0,
        jerr.column > 0 ? (size_t)jerr.column : 0, "invalid JSON: %s",
        jerr.text);
}

void importer__lines_init(struct importer__lines *l, const char *text,
                          size_t len)
{
    memset(l, 0, sizeof(*l));
    l->text = text;
    l->len = len;
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        l->pos = 3;
}

void importer__lines_release(struct importer__lines *l)
{
    free(l->buf);
    l->buf = NULL;
}

int importer__lines_next(struct importer__lines *l,
                         const struct importer__err *e)
{
    const char *start = l->text + l->pos, *nl;
    size_t n;

    if (l->pos >= l->len)
        return 0;
    nl = memchr(start, '\n', l->len - l->pos);
    n = nl ? (size_t)(nl - start) : l->len - l->pos;
    l->line++;
    l->pos += n + (nl ? 1 : 0);
    if (n && start[n - 1] == '\r')
        n--;
    if (memchr(start, '\0', n))
        return importer__errorf(e, l->line, 0, "NUL byte in the input");
    if (n + 1 > l->cap) {
        char *nb = realloc(l->buf, n + 1);

        if (!nb)
            return IMPORTER_ENOMEM;
        l->buf = nb;
        l->cap = n + 1;
    }
    memcpy(l->buf, start, n);
    l->buf[n] = '\0';
    l->n = n;
    return 1;
}

int importer__json_lines(const char *text, size_t len,
                         const struct importer__err *e, importer__line_fn fn,
                         void *ctx)
{
    struct importer__lines l;
    int rc;

    importer__lines_init(&l, text, len);
    while ((rc = importer__lines_next(&l, e)) == 1) {
        json_t *v;

        if (strspn(l.buf, " \t") == l.n)
            continue; /* blank */
        if ((rc = importer__json_load(e, l.buf, l.n, l.line, &v)))
            break;
        rc = fn(ctx, v, l.line);
        json_decref(v);
        if (rc)
            break;
    }
    importer__lines_release(&l);
    return rc;
}

char importer__first_char(const char *text, size_t len)
{
    size_t i = 0;

    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        i = 3;
    while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' ||
                       text[i] == '\n'))
        i++;
    return i < len ? text[i] : '\0';
}

/* ---- what a summary-only import cannot judge ----------------------------- */

/*
 * A summary-only source reports the statistics it reports: a check on
 * another one is INCONCLUSIVE.  Say which, once, in the recommendations
 * every report shows.
 */
static int note_missing(struct metrics_results *r, const char *source)
{
    static const enum metrics_stat stats[] = {
        METRICS_STAT_P50, METRICS_STAT_P75, METRICS_STAT_P90,
        METRICS_STAT_P95, METRICS_STAT_P99, METRICS_STAT_P999,
        METRICS_STAT_AVG, METRICS_STAT_MIN, METRICS_STAT_MAX,
    };
    struct metrics_endpoint *all = NULL;
    char text[512];
    size_t n = 0, k = 0;
    int rc;

    for (size_t i = 0; i < r->n_endpoints; i++)
        if (metrics_hist_count(r->endpoints[i]->hist))
            return 0; /* every request recorded: nothing is missing */
    if (!metrics_results_total_requests(r))
        return 0;
    if ((rc = metrics_results_aggregate(r, &all)))
        return rc == METRICS_ENOMEM ? IMPORTER_ENOMEM : 0;
    n = (size_t)snprintf(text, sizeof(text),
                         "%s reports summary numbers "
                         "without",
                         source);
    for (size_t s = 0; s < sizeof(stats) / sizeof(stats[0]); s++) {
        double v;

        if (metrics_value(r, all, stats[s], &v) == 0)
            continue;
        n += (size_t)snprintf(text + n, sizeof(text) - n, "%s %s", k ? "," : "",
                              metrics_stat_name(stats[s]));
        k++;
    }
    metrics_endpoint_free(all);
    if (!k)
        return 0;
    snprintf(text + n, sizeof(text) - n,
             " for the whole run: a check on %s is INCONCLUSIVE.",
             k > 1 ? "them" : "it");
    return metrics_results_add_recommendation(r, text) ? IMPORTER_ENOMEM : 0;
}

/* ---- entry points ------------------------------------------------------- */

/* A loadgate results document through auto: read as `loadgate gate
 * RESULTS` always read it, its messages prefixed with the name. */
static int loadgate_results(const char *text, size_t len,
                            const struct importer__err *e,
                            struct metrics_results **out)
{
    char inner[768];
    int rc = metrics_results_parse(text, len, out, inner, sizeof(inner));

    if (rc == METRICS_ENOMEM)
        return IMPORTER_ENOMEM;
    if (rc)
        return importer__errorf(e, 0, 0, "%s",
                                inner[0] ? inner : metrics_strerror(rc));
    return 0;
}

/* Text importer_detect() does not know. */
static int unknown_format(const char *text, size_t len,
                          const struct importer__err *e)
{
    if (len >= 2 && (unsigned char)text[0] == 0x1f &&
        (unsigned char)text[1] == 0x8b)
        return importer__errorf(e, 0, 0,
                                "gzip-compressed: decompress it "
                                "first");
    return importer__errorf(
        e, 0, 0,
        "%s: not a results file loadgate knows (loadgate results, Locust "
        "--csv stats, k6 --summary-export or --out json, JMeter JTL, "
        "Artillery JSON, autocannon --json, Gatling simulation.log or "
        "stats.json, vegeta JSON, wrk --latency, hey -o csv)",
        len ? "unknown format" : "empty file");
}

int importer_parse(enum importer_format f, const char *text, size_t len,
                   const char *name_for_errors, struct metrics_results **out,
                   char *errbuf, size_t errlen)
{
    struct importer__err e = {name_for_errors ? name_for_errors : "input",
                              errbuf, errlen};
    struct metrics_results *r = NULL;
    int rc;

    if (errbuf && errlen)
        errbuf[0] = '\0';
    if (!out || (!text && len)) {
        loadgate_errorf(errbuf, errlen, "%s: invalid argument", e.name);
        return IMPORTER_EINVAL;
    }
    if ((unsigned)f >= IMPORTER_LOADGATE) {
        loadgate_errorf(errbuf, errlen, "unknown input format %d", (int)f);
        return IMPORTER_EINVAL;
    }
    if (!text)
        text = "";
    if (f == IMPORTER_AUTO) {
        int found = importer_detect(text, len);

        if (found == IMPORTER_LOADGATE) {
            rc = loadgate_results(text, len, &e, &r);
            goto out;
        }
        if (found < 0) {
            rc = unknown_format(text, len, &e);
            goto out;
        }
        f = (enum importer_format)found;
    }
    if (metrics_results_new(&r) != 0) {
        rc = IMPORTER_ENOMEM;
        goto out;
    }
    r->meta.source = strdup(formats[f].name);
    if (!r->meta.source) {
        rc = IMPORTER_ENOMEM;
        goto out;
    }
    rc = formats[f].fn(text, len, &e, r);
    if (!rc)
        rc = note_missing(r, formats[f].name);
out:
    if (rc == IMPORTER_ENOMEM)
        loadgate_errorf(errbuf, errlen, "%s: out of memory", e.name);
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
                     size_t errlen)
{
    FILE *fp = fopen(path, "rb");
    int rc;

    if (!fp) {
        loadgate_errorf(errbuf, errlen, "%s: %s", path, strerror(errno));
        return IMPORTER_EIO;
    }
    rc = metrics_read_all(fp, (size_t)IMPORTER_MAX_FILE, text, len);
    if (rc == METRICS_ERANGE) {
        loadgate_errorf(errbuf, errlen, "%s: larger than %llu bytes", path,
                        (unsigned long long)IMPORTER_MAX_FILE);
        rc = IMPORTER_EIO;
    } else if (rc == METRICS_ENOMEM) {
        loadgate_errorf(errbuf, errlen, "%s: out of memory", path);
        rc = IMPORTER_ENOMEM;
    } else if (rc) {
        loadgate_errorf(errbuf, errlen, "%s: %s", path, strerror(errno));
        rc = IMPORTER_EIO;
    }
    fclose(fp);
    return rc;
}

int importer_load(enum importer_format f, const char *path,
                  struct metrics_results **out, char *errbuf, size_t errlen)
{
    char *text = NULL, *alt = NULL;
    const char *use = path;
    size_t len = 0;
    struct stat st;
    int rc;

    if (!path || !out) {
        loadgate_errorf(errbuf, errlen, "invalid argument");
        return IMPORTER_EINVAL;
    }
    if ((unsigned)f >= IMPORTER_LOADGATE) {
        loadgate_errorf(errbuf, errlen, "unknown input format %d", (int)f);
        return IMPORTER_EINVAL;
    }
    /* `locust --csv PREFIX` names files after PREFIX: accept either. */
    if ((f == IMPORTER_LOCUST || f == IMPORTER_AUTO) && stat(path, &st) != 0 &&
        errno == ENOENT) {
        size_t n = strlen(path);

        alt = malloc(n + sizeof("_stats.csv"));
        if (!alt) {
            loadgate_errorf(errbuf, errlen, "%s: out of memory", path);
            return IMPORTER_ENOMEM;
        }
        memcpy(alt, path, n);
        memcpy(alt + n, "_stats.csv", sizeof("_stats.csv"));
        if (stat(alt, &st) == 0)
            use = alt;
    }
    if (stat(use, &st) == 0 && S_ISDIR(st.st_mode)) {
        loadgate_errorf(errbuf, errlen, "%s: is a directory", use);
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
