/*
 * importer: the report wrk (4.x) and wrk2 print, with --latency:
 *
 *   Running 10s test @ http://127.0.0.1:8080/x
 *     2 threads and 10 connections
 *     Thread Stats   Avg      Stdev     Max   +/- Stdev
 *       Latency    10.79ms    3.29ms  24.46ms   70.91%
 *       Req/Sec   464.37     23.92   510.00     58.33%
 *     Latency Distribution
 *        50%   10.26ms
 *        75%   12.59ms
 *        90%   15.25ms
 *        99%   20.63ms
 *     2777 requests in 3.00s, 405.42KB read
 *     Socket errors: connect 0, read 0, write 0, timeout 12
 *     Non-2xx or 3xx responses: 14
 *   Requests/sec:    924.82
 *
 * wrk2 prints "Latency Distribution (HdrHistogram - Recorded Latency)"
 * with 50.000% ... 100.000%, then a "Detailed Percentile spectrum" whose
 * lines are "value(ms) percentile count 1/(1-percentile)": its 0.95 line
 * is the p95 and its first line the min.
 *
 * The whole run only, summary numbers: the distribution's percentiles,
 * the Latency line's Avg and Max.  Requests: the completed ones ("N
 * requests") plus each connect, read and write error (a request that
 * never completed); failed: those, the responses with a status >= 400
 * ("Non-2xx or 3xx") and the timeouts (completed too late; wrk counts them
 * among the completed).  Users: connections.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "importer_internal.h"

/* A time as wrk prints it ("850.00us", "10.26ms", "1.20s", "2.00m",
 * "1.00h") in ms. */
static bool wrk_time(const char *s, double *ms)
{
    static const struct {
        const char *unit;
        double ms;
    } units[] = {
        {"us", 0.001}, {"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}};
    char *end;
    double v;

    if (!((*s >= '0' && *s <= '9') || *s == '.'))
        return false;
    v = strtod(s, &end);
    if (end == s || !isfinite(v) || v < 0)
        return false;
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
        if (strcmp(end, units[i].unit) == 0) {
            *ms = v * units[i].ms;
            return true;
        }
    return false;
}

/* The next blank-separated word of *p (NUL-terminated in place). */
static char *word(char **p)
{
    char *w = *p;

    while (*w == ' ' || *w == '\t')
        w++;
    if (!*w)
        return NULL;
    *p = w;
    while (**p && **p != ' ' && **p != '\t')
        (*p)++;
    if (**p)
        *(*p)++ = '\0';
    return w;
}

struct wrk {
    const struct importer__err *e;
    struct metrics_scalars s;
    uint64_t requests, connections, status_errors, sock[4];
    double duration_ms;
    bool have_requests, distribution, spectrum;
    char url[512];
};

/* "50%   10.26ms" or " 99.900%   12.30ms"; anything else ends the
 * distribution (and is read as a line of its own) */
static int percentile_line(struct wrk *w, size_t line, const char *p)
{
    char t[32], extra;
    double v, ms;

    if (sscanf(p, " %lf%% %31s %c", &v, t, &extra) != 2) {
        w->distribution = false;
        return 0;
    }
    if (!wrk_time(t, &ms))
        return importer__errorf(
            w->e, line, 0, "expected a time after %g%%, found '%.31s'", v, t);
#define SET(f)                                                                 \
    do {                                                                       \
        w->s.has_##f = true;                                                   \
        w->s.f##_ms = ms;                                                      \
    } while (0)
    if (v == 50)
        SET(p50);
    else if (v == 75)
        SET(p75);
    else if (v == 90)
        SET(p90);
    else if (v == 95)
        SET(p95);
    else if (v == 99)
        SET(p99);
    else if (v == 99.9)
        SET(p999);
    else if (v == 100 && !w->s.has_max)
        SET(max); /* the Latency line's Max is exact */
    return 0;
}

/* "   10.015     0.950000        37543        20.00" (ms) */
static int spectrum_line(struct wrk *w, size_t line, char *p)
{
    char *value = word(&p), *pct = word(&p), *end;
    double ms, q;

    if (!value || strncmp(value, "Value", 5) == 0)
        return 0; /* its header, and the blank line after it */
    if (*value == '#') {
        w->spectrum = false; /* "#[Mean = ...": the end */
        return 0;
    }
    ms = strtod(value, &end);
    if (*end || !pct || !isfinite(ms) || ms < 0)
        return importer__errorf(w->e, line, 0,
                                "a percentile spectrum line: expected "
                                "'value percentile count', found '%.40s'",
                                value);
    q = strtod(pct, &end);
    if (*end)
        return importer__errorf(w->e, line, 0,
                                "a percentile spectrum line: expected a "
                                "percentile, found '%.40s'",
                                pct);
    if (q == 0 && !w->s.has_min)
        SET(min);
    if (fabs(q - 0.95) < 1e-9)
        SET(p95);
    return 0;
}
#undef SET

static int wrk_line(struct wrk *w, size_t line, char *p)
{
    char *first;
    unsigned long long a, b, c, d;
    char t1[32], t2[32], t3[32];

    if (w->spectrum)
        return spectrum_line(w, line, p);
    if (w->distribution) {
        int rc = percentile_line(w, line, p);

        if (rc || w->distribution)
            return rc;
    }
    while (*p == ' ' || *p == '\t')
        p++;
    first = p;
    if (strncmp(first, "Running ", 8) == 0) {
        char *at = strstr(first, " test @ ");

        if (at)
            snprintf(w->url, sizeof(w->url), "%s", at + 8);
    } else if (sscanf(first, "%llu threads and %llu connections", &a, &b) ==
               2) {
        w->connections = b;
    } else if (strncmp(first, "Latency Distribution", 20) == 0) {
        w->distribution = true;
    } else if (sscanf(first, "Latency %31s %31s %31s", t1, t2, t3) == 3) {
        double avg, max;

        if (!wrk_time(t1, &avg) || !wrk_time(t3, &max))
            return importer__errorf(w->e, line, 0,
                                    "the Latency line: expected times, "
                                    "found '%.40s'",
                                    first);
        w->s.has_avg = w->s.has_max = true;
        w->s.avg_ms = avg;
        w->s.max_ms = max;
    } else if (strncmp(first, "Detailed Percentile spectrum", 28) == 0) {
        w->spectrum = true;
    } else if (sscanf(first, "%llu requests in %31[^,]", &a, t1) == 2) {
        if (!wrk_time(t1, &w->duration_ms))
            return importer__errorf(w->e, line, 0,
                                    "expected the run's duration, found "
                                    "'%.40s'",
                                    t1);
        w->requests = a;
        w->have_requests = true;
    } else if (sscanf(first,
                      "Socket errors: connect %llu, read %llu, write %llu, "
                      "timeout %llu",
                      &a, &b, &c, &d) == 4) {
        w->sock[0] = a;
        w->sock[1] = b;
        w->sock[2] = c;
        w->sock[3] = d;
    } else if (sscanf(first, "Non-2xx or 3xx responses: %llu", &a) == 1) {
        w->status_errors = a;
    }
    return 0;
}

int importer__wrk(const char *text, size_t len, const struct importer__err *e,
                  struct metrics_results *r)
{
    struct wrk w;
    struct importer__counts *all = NULL;
    struct importer__lines l;
    uint64_t lost;
    int rc;

    memset(&w, 0, sizeof(w));
    w.e = e;
    importer__lines_init(&l, text, len);
    while ((rc = importer__lines_next(&l, e)) == 1)
        if ((rc = wrk_line(&w, l.line, l.buf)))
            goto out;
    if (rc)
        goto out;
    if (!w.have_requests) {
        rc = importer__errorf(e, 0, 0,
                              "no \"N requests in T\" line: not wrk's "
                              "report, or it is cut short");
        goto out;
    }
    all = calloc(1, sizeof(*all));
    if (!all) {
        rc = IMPORTER_ENOMEM;
        goto out;
    }
    lost = w.sock[0] + w.sock[1] + w.sock[2];
    all->requests = w.requests + lost;
    all->err_class[METRICS_ERR_CONNECT] = w.sock[0];
    all->err_class[METRICS_ERR_RESET] = w.sock[1] + w.sock[2];
    all->err_class[METRICS_ERR_STATUS] = w.status_errors;
    all->err_class[METRICS_ERR_TIMEOUT] = w.sock[3];
    all->errors = lost + w.status_errors + w.sock[3];
    if (w.status_errors + w.sock[3] > w.requests) {
        /* timeouts that were non-2xx too: known only as failed */
        memset(all->err_class, 0, sizeof(all->err_class));
        all->errors = all->requests;
        all->err_class[METRICS_ERR_OTHER] = all->requests;
    }
    if (!all->requests) {
        rc = importer__errorf(e, 0, 0, "0 requests: the run made none");
        goto out;
    }
    w.s.present = w.s.has_p50 || w.s.has_p75 || w.s.has_p90 || w.s.has_p95 ||
                  w.s.has_p99 || w.s.has_p999 || w.s.has_avg || w.s.has_min ||
                  w.s.has_max;
    r->duration_s = w.duration_ms / 1000.0;
    r->concurrent_users = w.connections <= 1000000000 ? w.connections : 0;
    rc = importer__whole_run(r, e, all, &w.s,
                             w.url[0] ? importer__url_path(w.url) : "*");
out:
    free(all);
    importer__lines_release(&l);
    return rc;
}
