/*
 * The results document as JSON (jansson): the field names of the original
 * specification's baseline report plus what a gate needs (README,
 * "Reports").  A document without "schema" is read as a legacy
 * baseline report of that specification (summary numbers only).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "metrics_internal.h"

/* Milliseconds rounded to microseconds, so files stay readable. */
static json_t *ms(double v)
{
    return json_real(round(v * 1000.0) / 1000.0);
}

/* The members of "meta" that are strings (and cpus, a whole number among
 * them), in the order a document writes them. */
static const struct meta_field {
    const char *key;
    size_t off; /* in struct metrics_meta */
    bool is_int;
} meta_fields[] = {
    {"loadgate_version", offsetof(struct metrics_meta, loadgate_version),
     false},
    {"profile_sha256", offsetof(struct metrics_meta, profile_sha256), false},
    {"profile_name", offsetof(struct metrics_meta, profile_name), false},
    {"git_sha", offsetof(struct metrics_meta, git_sha), false},
    {"git_branch", offsetof(struct metrics_meta, git_branch), false},
    {"host", offsetof(struct metrics_meta, host), false},
    {"cpus", offsetof(struct metrics_meta, cpus), true},
    {"model", offsetof(struct metrics_meta, model), false},
    {"shard", offsetof(struct metrics_meta, shard), false},
    {"run_id", offsetof(struct metrics_meta, run_id), false},
    {"source", offsetof(struct metrics_meta, source), false},
};

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

/* json_object_set_new that remembers a failure. */
static void set(json_t *o, const char *k, json_t *v, bool *ok)
{
    if (!v || json_object_set_new(o, k, v) != 0)
        *ok = false;
}

static double value_or(const struct metrics_results *r,
                       const struct metrics_endpoint *ep, enum metrics_stat s,
                       bool *has)
{
    double v = 0;
    *has = metrics_value(r, ep, s, &v) == 0;
    return v;
}

static double value_or_series(const struct metrics_results *r,
                              const struct metrics_endpoint *ep,
                              enum metrics_series series, enum metrics_stat s,
                              bool *has)
{
    double v = 0;
    *has = metrics_series_value(r, ep, series, s, &v) == 0;
    return v;
}

/* A timeline as JSON: the per-second one (fine_ms 0: "t" in seconds and
 * each point's percentiles) or the fine one ("t_ms", the slot's start). */
static json_t *points_json(const struct metrics_point *tl, size_t n,
                           unsigned fine_ms, bool *ok)
{
    json_t *a = json_array();

    for (size_t i = 0; a && i < n; i++) {
        const struct metrics_point *pt = &tl[i];
        json_t *o = json_object();
        char *enc = NULL;

        if (fine_ms)
            set(o, "t_ms", json_integer(pt->second * (json_int_t)fine_ms), ok);
        else
            set(o, "t", json_integer(pt->second), ok);
        set(o, "requests", json_integer((json_int_t)pt->requests), ok);
        set(o, "errors", json_integer((json_int_t)pt->errors), ok);
        if (!fine_ms) {
            set(o, "p50",
                ms((double)metrics_hist_percentile(pt->hist, 50) / 1e3), ok);
            set(o, "p95",
                ms((double)metrics_hist_percentile(pt->hist, 95) / 1e3), ok);
            set(o, "p99",
                ms((double)metrics_hist_percentile(pt->hist, 99) / 1e3), ok);
        }
        if (metrics_hist_encode(pt->hist, &enc) == 0) {
            set(o, "histogram", json_string(enc), ok);
            free(enc);
        } else {
            *ok = false;
        }
        if (pt->stream)
            set(o, "stream", metrics__stream_json(NULL, pt->stream, true, ok),
                ok);
        if (!o || json_array_append_new(a, o) != 0)
            *ok = false;
    }
    if (!a)
        *ok = false;
    return a;
}

static const struct {
    enum metrics_stat stat;
    const char *key;
} ms_fields[] = {
    {METRICS_STAT_P50, "p50_response_time_ms"},
    {METRICS_STAT_P75, "p75_response_time_ms"},
    {METRICS_STAT_P90, "p90_response_time_ms"},
    {METRICS_STAT_P95, "p95_response_time_ms"},
    {METRICS_STAT_P99, "p99_response_time_ms"},
    {METRICS_STAT_P999, "p999_response_time_ms"},
    {METRICS_STAT_AVG, "avg_response_time_ms"},
    {METRICS_STAT_MIN, "min_response_time_ms"},
    {METRICS_STAT_MAX, "max_response_time_ms"},
};

/* Where a summary-only source keeps the value of ms_fields[i]. */
static void scalar_slot(struct metrics_scalars *s, size_t i, double **v,
                        bool **has)
{
    switch (ms_fields[i].stat) {
    case METRICS_STAT_P50:
        *v = &s->p50_ms, *has = &s->has_p50;
        break;
    case METRICS_STAT_P75:
        *v = &s->p75_ms, *has = &s->has_p75;
        break;
    case METRICS_STAT_P90:
        *v = &s->p90_ms, *has = &s->has_p90;
        break;
    case METRICS_STAT_P95:
        *v = &s->p95_ms, *has = &s->has_p95;
        break;
    case METRICS_STAT_P99:
        *v = &s->p99_ms, *has = &s->has_p99;
        break;
    case METRICS_STAT_P999:
        *v = &s->p999_ms, *has = &s->has_p999;
        break;
    case METRICS_STAT_AVG:
        *v = &s->avg_ms, *has = &s->has_avg;
        break;
    case METRICS_STAT_MIN:
        *v = &s->min_ms, *has = &s->has_min;
        break;
    default:
        *v = &s->max_ms, *has = &s->has_max;
        break;
    }
}

/* The timing breakdown's fields, in the order they are written. */
static const struct {
    size_t off; /* of the histogram pointer in struct metrics_endpoint */
    const char *p50, *p95, *hist;
} timing_fields[] = {
    {offsetof(struct metrics_endpoint, connect_hist), "connect_p50_ms",
     "connect_p95_ms", "connect_histogram"},
    {offsetof(struct metrics_endpoint, tls_hist), "tls_p50_ms", "tls_p95_ms",
     "tls_histogram"},
    {offsetof(struct metrics_endpoint, ttfb_hist), "ttfb_p50_ms", "ttfb_p95_ms",
     "ttfb_histogram"},
};

static struct metrics_hist **timing_slot(struct metrics_endpoint *ep, size_t i)
{
    return (struct metrics_hist **)(void *)((char *)ep + timing_fields[i].off);
}

/* "timing": {...} of an endpoint, or NULL when nothing was measured. */
static json_t *timing_json(const struct metrics_endpoint *ep, bool *ok)
{
    json_t *o = NULL;

    for (size_t i = 0; i < sizeof(timing_fields) / sizeof(*timing_fields);
         i++) {
        const struct metrics_hist *h =
            *timing_slot((struct metrics_endpoint *)(uintptr_t)ep, i);
        char *enc = NULL;

        if (!h || metrics_hist_count(h) == 0)
            continue;
        if (!o && !(o = json_object())) {
            *ok = false;
            return NULL;
        }
        set(o, timing_fields[i].p50,
            ms((double)metrics_hist_percentile(h, 50) / 1000.0), ok);
        set(o, timing_fields[i].p95,
            ms((double)metrics_hist_percentile(h, 95) / 1000.0), ok);
        if (metrics_hist_encode(h, &enc) == 0) {
            set(o, timing_fields[i].hist, json_string(enc), ok);
            free(enc);
        } else {
            *ok = false;
        }
    }
    return o;
}

/* "grpc_status": {"OK": 97, "UNAVAILABLE": 3}, only on an endpoint that
 * counted gRPC answers.  0 or -1 (out of memory). */
static int grpc_json(const struct metrics_endpoint *ep, json_t *o)
{
    json_t *g = NULL;

    for (int c = 0; c < METRICS_GRPC_STATUS_MAX; c++) {
        if (!ep->grpc_status[c])
            continue;
        if (!g &&
            (!(g = json_object()) || json_object_set_new(o, "grpc_status", g)))
            return -1;
        if (json_object_set_new(g, metrics_grpc_status_name(c),
                                json_integer((json_int_t)ep->grpc_status[c])))
            return -1;
    }
    return 0;
}

static json_t *endpoint_json(const struct metrics_results *r,
                             const struct metrics_endpoint *ep, bool *ok)
{
    json_t *timing;
    json_t *o = json_object(), *codes = json_object(), *errs = json_object();
    char key[16], *enc = NULL;
    bool has;
    double v;

    if (!o || !codes || !errs) {
        json_decref(o);
        json_decref(codes);
        json_decref(errs);
        *ok = false;
        return NULL;
    }
    set(o, "endpoint", json_string(ep->path), ok);
    set(o, "method", json_string(ep->method), ok);
    for (size_t i = 0; i < sizeof(ms_fields) / sizeof(*ms_fields); i++) {
        v = value_or(r, ep, ms_fields[i].stat, &has);
        set(o, ms_fields[i].key, has ? ms(v) : json_null(), ok);
    }
    v = value_or(r, ep, METRICS_STAT_RPS, &has);
    set(o, "requests_per_second", json_real(round(v * 1000) / 1000), ok);
    v = value_or(r, ep, METRICS_STAT_ERROR_RATE, &has);
    set(o, "error_rate", json_real(v), ok);
    set(o, "sample_size", json_integer((json_int_t)ep->requests), ok);
    set(o, "errors_total", json_integer((json_int_t)ep->errors), ok);
    for (int s = 0; s < METRICS_STATUS_MAX; s++)
        if (ep->status[s]) {
            snprintf(key, sizeof(key), "%d", s);
            set(codes, key, json_integer((json_int_t)ep->status[s]), ok);
        }
    set(o, "status_codes", codes, ok);
    if (grpc_json(ep, o))
        *ok = false;
    for (int c = 0; c < METRICS_ERR__COUNT; c++)
        if (ep->err_class[c])
            set(errs, metrics_errclass_name(c),
                json_integer((json_int_t)ep->err_class[c]), ok);
    set(o, "errors", errs, ok);
    if (metrics_hist_count(ep->hist) || !ep->scalars.present) {
        if (metrics_hist_encode(ep->hist, &enc) == 0) {
            set(o, "histogram", json_string(enc), ok);
            free(enc);
        } else {
            *ok = false;
        }
    }
    set(o, "timeline", points_json(ep->timeline, ep->n_timeline, 0, ok), ok);
    if (metrics_endpoint_fine_complete(ep)) {
        set(o, "fine_timeline_ms", json_integer((json_int_t)ep->fine_ms), ok);
        set(o, "fine_timeline",
            points_json(ep->fine, ep->n_fine, ep->fine_ms, ok), ok);
    }
    if ((timing = timing_json(ep, ok)))
        set(o, "timing", timing, ok);
    if (ep->stream)
        set(o, "stream", metrics__stream_json(r, ep->stream, false, ok), ok);
    return o;
}

/* ---- carried thresholds ---------------------------------------------------
 */

void metrics_threshold_release(struct metrics_threshold *t)
{
    if (!t)
        return;
    free(t->check);
    free(t->endpoint);
    free(t->severity);
    free(t->min_effect);
    free(t->file);
    memset(t, 0, sizeof(*t));
}

int metrics_threshold_copy(struct metrics_threshold *dst,
                           const struct metrics_threshold *src)
{
    *dst = *src;
    dst->check = metrics__strdup(src->check);
    dst->endpoint = metrics__strdup(src->endpoint);
    dst->severity = metrics__strdup(src->severity);
    dst->min_effect = metrics__strdup(src->min_effect);
    dst->file = metrics__strdup(src->file);
    if ((src->check && !dst->check) || (src->endpoint && !dst->endpoint) ||
        (src->severity && !dst->severity) ||
        (src->min_effect && !dst->min_effect) || (src->file && !dst->file)) {
        metrics_threshold_release(dst);
        return METRICS_ENOMEM;
    }
    return 0;
}

int metrics_results_set_thresholds(struct metrics_results *r,
                                   const struct metrics_threshold *t, size_t n)
{
    struct metrics_threshold *copy = NULL;

    if (n > 0) {
        copy = calloc(n, sizeof(*copy));
        if (!copy)
            return METRICS_ENOMEM;
        for (size_t i = 0; i < n; i++)
            if (metrics_threshold_copy(&copy[i], &t[i])) {
                while (i-- > 0)
                    metrics_threshold_release(&copy[i]);
                free(copy);
                return METRICS_ENOMEM;
            }
    }
    /* after the copy: t may be r's own */
    for (size_t i = 0; i < r->n_thresholds; i++)
        metrics_threshold_release(&r->thresholds[i]);
    free(r->thresholds);
    r->thresholds = copy;
    r->n_thresholds = n;
    return 0;
}

static json_t *thresholds_json(const struct metrics_results *r, bool *ok)
{
    json_t *a = json_array();

    if (!a)
        *ok = false;
    for (size_t i = 0; a && i < r->n_thresholds; i++) {
        const struct metrics_threshold *t = &r->thresholds[i];
        json_t *o = json_object();

        if (!o) {
            *ok = false;
            break;
        }
        set(o, "check", str_or_null(t->check), ok);
        set(o, "endpoint", str_or_null(t->endpoint), ok);
        set(o, "severity", json_string(t->severity ? t->severity : "error"),
            ok);
        set(o, "for_seconds", json_real(t->for_s), ok);
        set(o, "min_effect", str_or_null(t->min_effect), ok);
        set(o, "abort", json_boolean(t->abort_run), ok);
        set(o, "file", str_or_null(t->file), ok);
        set(o, "line", json_integer(t->line), ok);
        set(o, "column", json_integer(t->col), ok);
        if (json_array_append_new(a, o) != 0)
            *ok = false;
    }
    return a;
}

int metrics_results_dump(const struct metrics_results *r, char **out)
{
    json_t *doc = json_object(), *meta = json_object(),
           *summary = json_object(), *metrics = json_array(),
           *recs = json_array();
    struct metrics_endpoint *all = NULL;
    bool ok = doc && meta && summary && metrics && recs, has;
    uint64_t total = metrics_results_total_requests(r);
    char *text;
    double v;

    if (!ok || metrics_results_aggregate(r, &all)) {
        json_decref(doc);
        json_decref(meta);
        json_decref(summary);
        json_decref(metrics);
        json_decref(recs);
        return METRICS_ENOMEM;
    }
    set(doc, "schema", json_string(METRICS_SCHEMA), &ok);
    set(doc, "baseline_id", str_or_null(r->baseline_id), &ok);
    set(doc, "timestamp", str_or_null(r->timestamp), &ok);
    set(doc, "test_duration_seconds",
        json_real(round(r->duration_s * 1000) / 1000), &ok);
    set(doc, "total_requests", json_integer((json_int_t)total), &ok);
    set(doc, "concurrent_users", json_integer((json_int_t)r->concurrent_users),
        &ok);
    set(doc, "partial", json_boolean(r->partial), &ok);

    for (size_t i = 0; i < sizeof(meta_fields) / sizeof(*meta_fields); i++) {
        const char *at = (const char *)&r->meta + meta_fields[i].off;

        set(meta, meta_fields[i].key,
            meta_fields[i].is_int ? json_integer(*(const int *)at)
                                  : str_or_null(*(char *const *)at),
            &ok);
    }
    set(meta, "warmup_seconds", json_real(r->meta.warmup_s), &ok);
    set(meta, "target_rps", json_real(r->meta.target_rps), &ok);
    set(meta, "achieved_rps",
        json_real(round(r->meta.achieved_rps * 1000) / 1000), &ok);
    set(meta, "saturated", json_boolean(r->meta.saturated), &ok);
    set(meta, "late", json_integer((json_int_t)r->meta.late), &ok);
    set(meta, "dropped", json_integer((json_int_t)r->meta.dropped), &ok);
    set(meta, "start_second", json_integer(r->start_second), &ok);
    set(doc, "meta", meta, &ok);

    v = value_or(r, all, METRICS_STAT_AVG, &has);
    set(summary, "overall_avg_response_time", has ? ms(v) : json_null(), &ok);
    v = value_or(r, all, METRICS_STAT_P95, &has);
    set(summary, "overall_p95_response_time", has ? ms(v) : json_null(), &ok);
    v = value_or(r, all, METRICS_STAT_ERROR_RATE, &has);
    set(summary, "overall_error_rate", json_real(v), &ok);
    v = value_or(r, all, METRICS_STAT_RPS, &has);
    set(summary, "total_requests_per_second", json_real(round(v * 1000) / 1000),
        &ok);
    if (all->stream) {
        /* the whole run's streams (only runs with streaming endpoints) */
        v = value_or_series(r, all, METRICS_SERIES_TTFT, METRICS_STAT_P95,
                            &has);
        set(summary, "overall_ttft_p95_ms", has ? ms(v) : json_null(), &ok);
        v = value_or_series(r, all, METRICS_SERIES_ITL, METRICS_STAT_P95, &has);
        set(summary, "overall_itl_p95_ms", has ? ms(v) : json_null(), &ok);
        v = value_or_series(r, all, METRICS_SERIES_TOKENS_PER_S,
                            METRICS_STAT_RPS, &has);
        set(summary, "overall_tokens_per_second",
            has ? json_real(round(v * 1000) / 1000) : json_null(), &ok);
        v = value_or_series(r, all, METRICS_SERIES_GOODPUT, METRICS_STAT_RPS,
                            &has);
        set(summary, "overall_goodput_per_second",
            has ? json_real(round(v * 1000) / 1000) : json_null(), &ok);
        set(summary, "overall_stream_errors",
            json_integer((json_int_t)all->stream->errors), &ok);
    }
    set(doc, "summary", summary, &ok);
    if (r->whole_run.present) {
        /* an imported run's own whole-run numbers (see metrics.h) */
        json_t *whole = json_object();

        for (size_t i = 0; i < sizeof(ms_fields) / sizeof(*ms_fields); i++) {
            v = value_or(r, all, ms_fields[i].stat, &has);
            set(whole, ms_fields[i].key, has ? ms(v) : json_null(), &ok);
        }
        set(doc, "whole_run", whole, &ok);
    }

    for (size_t i = 0; i < r->n_endpoints; i++) {
        json_t *e = endpoint_json(r, r->endpoints[i], &ok);
        if (!e || json_array_append_new(metrics, e) != 0)
            ok = false;
    }
    set(doc, "metrics", metrics, &ok);
    for (size_t i = 0; i < r->n_recommendations; i++)
        if (json_array_append_new(recs, json_string(r->recommendations[i])))
            ok = false;
    set(doc, "recommendations", recs, &ok);
    if (r->n_thresholds > 0)
        set(doc, "thresholds", thresholds_json(r, &ok), &ok);
    metrics_endpoint_free(all);

    text = ok ? json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
                                    JSON_REAL_PRECISION(12))
              : NULL;
    json_decref(doc);
    if (!text)
        return METRICS_ENOMEM;
    *out = text;
    return 0;
}

/* ---- parsing ---------------------------------------------------------------
 */

/* Says what is wrong with the document; METRICS_ESCHEMA. */
#define fail(errbuf, errlen, ...)                                              \
    (metrics__errorf((errbuf), (errlen), __VA_ARGS__), METRICS_ESCHEMA)

/* Optional string field: absent or null is fine, another type is not. */
static int get_str(json_t *o, const char *key, char **dst, const char *where,
                   char *errbuf, size_t errlen)
{
    json_t *v = json_object_get(o, key);

    if (!v || json_is_null(v))
        return 0;
    if (!json_is_string(v))
        return fail(errbuf, errlen, "%s%s: expected a string", where, key);
    *dst = strdup(json_string_value(v));
    return *dst ? 0 : METRICS_ENOMEM;
}

static int get_num(json_t *o, const char *key, double *dst, bool *has,
                   const char *where, char *errbuf, size_t errlen)
{
    json_t *v = json_object_get(o, key);

    if (has)
        *has = false;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_number(v))
        return fail(errbuf, errlen, "%s%s: expected a number", where, key);
    *dst = json_number_value(v);
    if (!isfinite(*dst))
        return fail(errbuf, errlen, "%s%s: not a finite number", where, key);
    if (has)
        *has = true;
    return 0;
}

/* v (a JSON number) as a count: whole, 0..METRICS_COUNT_MAX, exactly (an
 * integer is not rounded through a double).  A negative or larger one is
 * a corrupt document, not a number to wrap. */
static int to_count(json_t *v, uint64_t *dst, const char *where,
                    const char *key, char *errbuf, size_t errlen)
{
    double d = json_number_value(v);
    bool ok;

    if (json_is_integer(v))
        ok = json_integer_value(v) >= 0 &&
             (uint64_t)json_integer_value(v) <= METRICS_COUNT_MAX;
    else
        ok = json_is_real(v) && d >= 0 && d <= (double)METRICS_COUNT_MAX &&
             d == floor(d);
    if (!ok)
        return fail(errbuf, errlen,
                    "%s%s: expected a whole number from 0 to %llu", where, key,
                    (unsigned long long)METRICS_COUNT_MAX);
    *dst = json_is_integer(v) ? (uint64_t)json_integer_value(v) : (uint64_t)d;
    return 0;
}

static int get_count(json_t *o, const char *key, uint64_t *dst, bool *has,
                     const char *where, char *errbuf, size_t errlen)
{
    double d = 0;
    bool h = false;
    int rc = get_num(o, key, &d, &h, where, errbuf, errlen);

    if (has)
        *has = h;
    if (rc || !h)
        return rc;
    return to_count(json_object_get(o, key), dst, where, key, errbuf, errlen);
}

/* A count of an object's members ("status_codes", "errors"). */
static int member_count(json_t *v, uint64_t *dst, const char *where,
                        const char *key, char *errbuf, size_t errlen)
{
    if (!json_is_integer(v))
        return fail(errbuf, errlen, "%s%s: expected a whole number", where,
                    key);
    return to_count(v, dst, where, key, errbuf, errlen);
}

/* The reverse of grpc_json(). */
static int parse_grpc_status(json_t *v, struct metrics_endpoint *ep,
                             const char *where, char *errbuf, size_t errlen)
{
    const char *key;
    json_t *val;
    char w[80];
    int rc;

    if (!v || json_is_null(v))
        return 0;
    if (!json_is_object(v))
        return fail(errbuf, errlen, "%sgrpc_status: expected an object", where);
    snprintf(w, sizeof(w), "%sgrpc_status.", where);
    json_object_foreach(v, key, val)
    {
        int c = metrics_grpc_status_parse(key);

        if (c < 0)
            return fail(errbuf, errlen, "%sgrpc_status.%s: unknown status",
                        where, key);
        if ((rc = member_count(val, &ep->grpc_status[c], w, key, errbuf,
                               errlen)))
            return rc;
    }
    return 0;
}

/* A histogram's count, which must be a count too. */
static int hist_count_ok(const struct metrics_hist *h, const char *where,
                         const char *key, char *errbuf, size_t errlen)
{
    if (metrics_hist_count(h) > METRICS_COUNT_MAX)
        return fail(errbuf, errlen, "%s%s: more than %llu values", where, key,
                    (unsigned long long)METRICS_COUNT_MAX);
    return 0;
}

static int parse_hist(json_t *v, struct metrics_hist **out, const char *where,
                      char *errbuf, size_t errlen)
{
    int rc;

    if (!json_is_string(v))
        return fail(errbuf, errlen, "%shistogram: expected a string", where);
    rc = metrics_hist_decode(json_string_value(v), out);
    if (rc == METRICS_EPARSE)
        return fail(errbuf, errlen, "%shistogram: corrupt encoding", where);
    if (!rc && (rc = hist_count_ok(*out, where, "histogram", errbuf, errlen))) {
        metrics_hist_free(*out);
        *out = NULL;
    }
    return rc;
}

/* A timeline array into *tl (*n points, capacity *cap): the per-second
 * one ("t": Unix second) when fine_ms is 0, else the fine one ("t_ms":
 * Unix ms, a multiple of fine_ms; the point keeps the slot). */
static int parse_points(json_t *arr, struct metrics_point **tl, size_t *n,
                        size_t *cap, unsigned fine_ms, const char *where,
                        char *errbuf, size_t errlen)
{
    const char *name = fine_ms ? "fine_timeline" : "timeline";
    const char *key = fine_ms ? "t_ms" : "t";
    size_t i;
    json_t *pt;
    char w[160];

    if (!json_is_array(arr))
        return fail(errbuf, errlen, "%s%s: expected an array", where, name);
    json_array_foreach(arr, i, pt)
    {
        struct metrics_hist *h = NULL;
        json_t *sv;
        struct metrics_point *p;
        double t = 0;
        int64_t slot;
        bool has;
        int rc;

        snprintf(w, sizeof(w), "%s%s[%zu].", where, name, i);
        if (!json_is_object(pt))
            return fail(errbuf, errlen, "%s: expected an object", w);
        if ((rc = get_num(pt, key, &t, &has, w, errbuf, errlen)))
            return rc;
        if (!has || t != floor(t) || fabs(t) > 1e15)
            return fail(errbuf, errlen, "%s%s: expected a Unix %s", w, key,
                        fine_ms ? "time in ms" : "second");
        if (fine_ms && fmod(t, (double)fine_ms) != 0)
            return fail(errbuf, errlen, "%st_ms: not a multiple of %u", w,
                        fine_ms);
        slot = fine_ms ? (int64_t)t / (int64_t)fine_ms : (int64_t)t;
        if (*n && slot <= (*tl)[*n - 1].second)
            return fail(errbuf, errlen, "%s%s: %s must ascend", w, key,
                        fine_ms ? "times" : "seconds");
        if (*n == *cap) {
            size_t c = *cap ? *cap * 2 : 64;
            p = realloc(*tl, c * sizeof(*p));
            if (!p)
                return METRICS_ENOMEM;
            *tl = p;
            *cap = c;
        }
        if (json_object_get(pt, "histogram")) {
            if ((rc = parse_hist(json_object_get(pt, "histogram"), &h, w,
                                 errbuf, errlen)))
                return rc;
        } else if (metrics_hist_new(&h)) {
            return METRICS_ENOMEM;
        }
        p = &(*tl)[(*n)++];
        memset(p, 0, sizeof(*p));
        p->second = slot;
        p->hist = h;
        if ((rc = get_count(pt, "requests", &p->requests, NULL, w, errbuf,
                            errlen)) ||
            (rc = get_count(pt, "errors", &p->errors, NULL, w, errbuf, errlen)))
            return rc;
        if (p->errors > p->requests)
            return fail(errbuf, errlen, "%serrors: more than requests", w);
        /* streams per second only: a fine point has none */
        if (!fine_ms && (sv = json_object_get(pt, "stream")) &&
            !json_is_null(sv) &&
            (rc = metrics__stream_parse(sv, &p->stream, true, w, errbuf,
                                        errlen)))
            return rc;
    }
    return 0;
}

static int parse_timeline(json_t *arr, struct metrics_endpoint *ep,
                          const char *where, char *errbuf, size_t errlen)
{
    return parse_points(arr, &ep->timeline, &ep->n_timeline, &ep->cap_timeline,
                        0, where, errbuf, errlen);
}

/* "fine_timeline_ms" and "fine_timeline" (short runs); absent in older
 * documents and in long runs. */
static int parse_fine(json_t *m, struct metrics_endpoint *ep, const char *where,
                      char *errbuf, size_t errlen)
{
    json_t *arr = json_object_get(m, "fine_timeline");
    double ms = 0;
    bool has;
    int rc;

    if (!arr || json_is_null(arr))
        return 0;
    if ((rc = get_num(m, "fine_timeline_ms", &ms, &has, where, errbuf, errlen)))
        return rc;
    if (!has || ms != floor(ms) || ms < 10 || ms > METRICS_FINE_MAX_MS ||
        fmod(1000, ms) != 0)
        return fail(errbuf, errlen,
                    "%sfine_timeline_ms: expected a divisor of 1000 from 10 "
                    "to %d",
                    where, METRICS_FINE_MAX_MS);
    ep->fine_ms = (unsigned)ms;
    return parse_points(arr, &ep->fine, &ep->n_fine, &ep->cap_fine, ep->fine_ms,
                        where, errbuf, errlen);
}

/* The ms_fields of o into s; s->present when any was there. */
static int parse_scalars(json_t *o, struct metrics_scalars *s,
                         const char *where, char *errbuf, size_t errlen)
{
    s->present = false;
    for (size_t i = 0; i < sizeof(ms_fields) / sizeof(*ms_fields); i++) {
        double *v;
        bool *has;
        int rc;

        scalar_slot(s, i, &v, &has);
        if ((rc = get_num(o, ms_fields[i].key, v, has, where, errbuf, errlen)))
            return rc;
        s->present = s->present || *has;
    }
    return 0;
}

/* A member name of "status_codes" (a status code) or of "errors" (an
 * error class) as the index of its count; -1 when it is none. */
static int status_index(const char *key)
{
    char *end;
    long code = strtol(key, &end, 10);

    return *end || code <= 0 || code >= METRICS_STATUS_MAX ? -1 : (int)code;
}

static int errclass_index(const char *key)
{
    enum metrics_errclass c = metrics_errclass_parse(key);

    return c == METRICS_ERR_NONE ? -1 : (int)c;
}

/* The object of counts under name in m (absent or null: *present false):
 * each member's count into counts[index(key)]; a key whose index is -1 is
 * refused, bad saying why. */
static int count_map(json_t *m, const char *name, int (*index)(const char *),
                     const char *bad, uint64_t *counts, bool *present,
                     const char *where, char *errbuf, size_t errlen)
{
    json_t *v = json_object_get(m, name), *val;
    const char *key;
    char w[80];

    *present = v && !json_is_null(v);
    if (!*present)
        return 0;
    if (!json_is_object(v))
        return fail(errbuf, errlen, "%s%s: expected an object", where, name);
    snprintf(w, sizeof(w), "%s%s.", where, name);
    json_object_foreach(v, key, val)
    {
        int i = index(key), rc;

        if (i < 0)
            return fail(errbuf, errlen, "%s%s.%s: %s", where, name, key, bad);
        if ((rc = member_count(val, &counts[i], w, key, errbuf, errlen)))
            return rc;
    }
    return 0;
}

static int parse_endpoint(json_t *m, size_t idx, struct metrics_results *r,
                          bool legacy, char *errbuf, size_t errlen)
{
    struct metrics_endpoint *ep;
    json_t *v;
    char where[64], *method = NULL, *path = NULL;
    double rate = 0;
    bool has_rate, has_status, has_errors;
    int rc;

    snprintf(where, sizeof(where), "metrics[%zu].", idx);
    if (!json_is_object(m))
        return fail(errbuf, errlen, "metrics[%zu]: expected an object", idx);
    if ((rc = get_str(m, "endpoint", &path, where, errbuf, errlen)) ||
        (rc = get_str(m, "method", &method, where, errbuf, errlen)))
        goto out;
    if (!path) {
        rc = fail(errbuf, errlen, "%sendpoint: missing", where);
        goto out;
    }
    if (metrics_results_endpoint(r, method ? method : "GET", path, false)) {
        rc = fail(errbuf, errlen, "%s: endpoint '%s %s' appears twice", where,
                  method ? method : "GET", path);
        goto out;
    }
    ep = metrics_results_endpoint(r, method ? method : "GET", path, true);
    if (!ep) {
        rc = METRICS_ENOMEM;
        goto out;
    }
    if ((rc = get_count(m, "sample_size", &ep->requests, NULL, where, errbuf,
                        errlen)) ||
        (rc =
             get_num(m, "error_rate", &rate, &has_rate, where, errbuf, errlen)))
        goto out;
    if (has_rate && (rate < 0 || rate > 1)) {
        rc = fail(errbuf, errlen, "%serror_rate: expected 0..1", where);
        goto out;
    }

    if ((rc = count_map(m, "status_codes", status_index, "invalid", ep->status,
                        &has_status, where, errbuf, errlen)) ||
        (rc = count_map(m, "errors", errclass_index, "unknown class",
                        ep->err_class, &has_errors, where, errbuf, errlen)))
        goto out;
    if (has_errors) {
        /* each <= 2^53: no wrap; more than requests is refused below */
        for (int c = 0; c < METRICS_ERR__COUNT; c++)
            ep->errors += ep->err_class[c];
    } else if (has_rate) {
        /* a legacy report has only the rate */
        ep->errors = (uint64_t)llround(rate * (double)ep->requests);
        ep->err_class[METRICS_ERR_OTHER] = ep->errors;
    }
    if (ep->errors > ep->requests) {
        rc = fail(errbuf, errlen, "%serrors: more errors than requests", where);
        goto out;
    }
    if ((rc = parse_grpc_status(json_object_get(m, "grpc_status"), ep, where,
                                errbuf, errlen)))
        goto out;

    v = json_object_get(m, "histogram");
    if (v && !json_is_null(v)) {
        struct metrics_hist *h = NULL;
        if ((rc = parse_hist(v, &h, where, errbuf, errlen)))
            goto out;
        metrics_hist_free(ep->hist);
        ep->hist = h;
    }
    if (metrics_hist_count(ep->hist) == 0) {
        /* summary numbers only: a legacy report or an imported run */
        if ((rc = parse_scalars(m, &ep->scalars, where, errbuf, errlen)))
            goto out;
        /* whatever the source had; what it lacked stays absent */
        ep->scalars.present = ep->scalars.present && ep->requests > 0;
        (void)legacy;
    }
    v = json_object_get(m, "timeline");
    if (v && !json_is_null(v) &&
        (rc = parse_timeline(v, ep, where, errbuf, errlen)))
        goto out;
    if ((rc = parse_fine(m, ep, where, errbuf, errlen)))
        goto out;
    v = json_object_get(m, "timing");
    if (v && !json_is_null(v)) {
        char twhere[80];

        if (!json_is_object(v)) {
            rc = fail(errbuf, errlen, "%stiming: expected an object", where);
            goto out;
        }
        snprintf(twhere, sizeof(twhere), "%stiming.", where);
        for (size_t i = 0; i < sizeof(timing_fields) / sizeof(*timing_fields);
             i++) {
            json_t *hv = json_object_get(v, timing_fields[i].hist);
            struct metrics_hist *h = NULL;

            if (!hv || json_is_null(hv))
                continue;
            if ((rc = parse_hist(hv, &h, twhere, errbuf, errlen)))
                goto out;
            metrics_hist_free(*timing_slot(ep, i));
            *timing_slot(ep, i) = h;
        }
    }
    v = json_object_get(m, "stream");
    if (v && !json_is_null(v) &&
        (rc = metrics__stream_parse(v, &ep->stream, false, where, errbuf,
                                    errlen)))
        goto out;
    rc = 0;
out:
    free(method);
    free(path);
    return rc;
}

/* "thresholds": optional (older documents lack it). */
static int parse_thresholds(json_t *v, struct metrics_results *r, char *errbuf,
                            size_t errlen)
{
    json_t *o;
    size_t i, n;
    int rc = 0;

    if (!v || json_is_null(v))
        return 0;
    if (!json_is_array(v))
        return fail(errbuf, errlen, "thresholds: expected an array");
    n = json_array_size(v);
    if (n == 0)
        return 0;
    r->thresholds = calloc(n, sizeof(*r->thresholds));
    if (!r->thresholds)
        return METRICS_ENOMEM;
    json_array_foreach(v, i, o)
    {
        struct metrics_threshold *t = &r->thresholds[i];
        char where[48];
        double d = 0;
        json_t *b;

        r->n_thresholds = i + 1;
        snprintf(where, sizeof(where), "thresholds[%zu].", i);
        if (!json_is_object(o))
            return fail(errbuf, errlen, "thresholds[%zu]: expected an object",
                        i);
        if (!json_is_string(json_object_get(o, "check")))
            return fail(errbuf, errlen, "%scheck: expected a string", where);
        if ((rc = get_str(o, "check", &t->check, where, errbuf, errlen)) ||
            (rc =
                 get_str(o, "endpoint", &t->endpoint, where, errbuf, errlen)) ||
            (rc =
                 get_str(o, "severity", &t->severity, where, errbuf, errlen)) ||
            (rc = get_str(o, "min_effect", &t->min_effect, where, errbuf,
                          errlen)) ||
            (rc = get_str(o, "file", &t->file, where, errbuf, errlen)) ||
            (rc = get_num(o, "for_seconds", &t->for_s, NULL, where, errbuf,
                          errlen)))
            return rc;
        if (t->for_s < 0)
            return fail(errbuf, errlen, "%sfor_seconds: negative", where);
        b = json_object_get(o, "abort");
        if (b && !json_is_null(b) && !json_is_boolean(b))
            return fail(errbuf, errlen, "%sabort: expected true or false",
                        where);
        t->abort_run = b && json_is_true(b);
        if ((rc = get_num(o, "line", &d, NULL, where, errbuf, errlen)))
            return rc;
        t->line = d > 0 && d < 1e9 ? (int)d : 0;
        d = 0;
        if ((rc = get_num(o, "column", &d, NULL, where, errbuf, errlen)))
            return rc;
        t->col = d > 0 && d < 1e9 ? (int)d : 0;
    }
    return 0;
}

static int parse_doc(json_t *doc, struct metrics_results *r, char *errbuf,
                     size_t errlen)
{
    json_t *schema = json_object_get(doc, "schema"), *meta, *m, *v;
    bool legacy = schema == NULL, has;
    struct metrics_endpoint *all = NULL;
    uint64_t stated;
    unsigned si, sn;
    double d;
    size_t i;
    int rc;

    if (!json_is_object(doc))
        return fail(errbuf, errlen, "expected a JSON object at the top");
    if (schema && (!json_is_string(schema) ||
                   strcmp(json_string_value(schema), METRICS_SCHEMA) != 0))
        return fail(errbuf, errlen, "schema: expected \"%s\"", METRICS_SCHEMA);
    m = json_object_get(doc, "metrics");
    if (!json_is_array(m))
        return fail(errbuf, errlen,
                    "metrics: missing or not an array "
                    "(not a loadgate results document)");
    if ((rc = get_str(doc, "baseline_id", &r->baseline_id, "", errbuf,
                      errlen)) ||
        (rc = get_str(doc, "timestamp", &r->timestamp, "", errbuf, errlen)) ||
        (rc = get_num(doc, "test_duration_seconds", &r->duration_s, &has, "",
                      errbuf, errlen)) ||
        (rc = get_count(doc, "concurrent_users", &r->concurrent_users, NULL, "",
                        errbuf, errlen)))
        return rc;
    if (r->duration_s < 0)
        return fail(errbuf, errlen, "test_duration_seconds: negative");
    v = json_object_get(doc, "partial");
    if (v && !json_is_null(v)) {
        if (!json_is_boolean(v))
            return fail(errbuf, errlen, "partial: expected true or false");
        r->partial = json_is_true(v);
    }
    meta = json_object_get(doc, "meta");
    if (meta && !json_is_null(meta)) {
        struct metrics_meta *mt = &r->meta;
        if (!json_is_object(meta))
            return fail(errbuf, errlen, "meta: expected an object");
        for (const struct meta_field *f = meta_fields;
             f < meta_fields + sizeof(meta_fields) / sizeof(*meta_fields); f++)
            if (!f->is_int &&
                (rc = get_str(meta, f->key, (char **)((char *)mt + f->off),
                              "meta.", errbuf, errlen)))
                return rc;
        if ((rc = get_num(meta, "warmup_seconds", &mt->warmup_s, NULL, "meta.",
                          errbuf, errlen)) ||
            (rc = get_num(meta, "target_rps", &mt->target_rps, NULL, "meta.",
                          errbuf, errlen)) ||
            (rc = get_num(meta, "achieved_rps", &mt->achieved_rps, NULL,
                          "meta.", errbuf, errlen)))
            return rc;
        d = 0;
        if ((rc = get_num(meta, "cpus", &d, NULL, "meta.", errbuf, errlen)))
            return rc;
        mt->cpus = d > 0 && d < 1e6 ? (int)d : 0;
        d = 0;
        if ((rc = get_num(meta, "start_second", &d, NULL, "meta.", errbuf,
                          errlen)))
            return rc;
        r->start_second = fabs(d) < 1e15 ? (int64_t)d : 0;
        v = json_object_get(meta, "saturated");
        mt->saturated = v && json_is_true(v);
        /* late and dropped are optional: older documents lack them */
        if ((rc = get_count(meta, "late", &mt->late, NULL, "meta.", errbuf,
                            errlen)) ||
            (rc = get_count(meta, "dropped", &mt->dropped, NULL, "meta.",
                            errbuf, errlen)))
            return rc;
        if (mt->shard && metrics_shard_parse(mt->shard, &si, &sn))
            return fail(errbuf, errlen, "meta.shard: expected I/N, not '%s'",
                        mt->shard);
    }
    json_array_foreach(m, i, v)
    {
        if ((rc = parse_endpoint(v, i, r, legacy, errbuf, errlen)))
            return rc;
    }
    v = json_object_get(doc, "whole_run");
    if (v && !json_is_null(v)) {
        if (!json_is_object(v))
            return fail(errbuf, errlen, "whole_run: expected an object");
        if ((rc =
                 parse_scalars(v, &r->whole_run, "whole_run.", errbuf, errlen)))
            return rc;
        r->whole_run.present =
            r->whole_run.present && metrics_results_total_requests(r) > 0;
    }
    /* the whole run (every report shows it) must hold its counts too */
    if ((rc = metrics_results_aggregate(r, &all)) == METRICS_ERANGE)
        return fail(errbuf, errlen,
                    "metrics: the endpoints' counts add up "
                    "to more than %llu",
                    (unsigned long long)METRICS_COUNT_MAX);
    metrics_endpoint_free(all);
    if (rc)
        return rc;
    /* written by every loadgate; recomputed, but a corrupt one says the
     * document is */
    if ((rc = get_count(doc, "total_requests", &stated, NULL, "", errbuf,
                        errlen)))
        return rc;
    v = json_object_get(doc, "recommendations");
    if (v && !json_is_null(v)) {
        json_t *s;
        if (!json_is_array(v))
            return fail(errbuf, errlen, "recommendations: expected an array");
        json_array_foreach(v, i, s)
        {
            if (!json_is_string(s))
                return fail(errbuf, errlen,
                            "recommendations[%zu]: expected "
                            "a string",
                            i);
            if (metrics_results_add_recommendation(r, json_string_value(s)))
                return METRICS_ENOMEM;
        }
    }
    return parse_thresholds(json_object_get(doc, "thresholds"), r, errbuf,
                            errlen);
}

int metrics_results_parse(const char *text, size_t len,
                          struct metrics_results **out, char *errbuf,
                          size_t errlen)
{
    struct metrics_results *r = NULL;
    json_error_t jerr;
    json_t *doc;
    int rc;

    if (errbuf && errlen)
        errbuf[0] = '\0';
    doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!doc) {
        if (errbuf && errlen)
            snprintf(errbuf, errlen, "line %d, column %d: %s", jerr.line,
                     jerr.column, jerr.text);
        return METRICS_EPARSE;
    }
    rc = metrics_results_new(&r);
    if (!rc)
        rc = parse_doc(doc, r, errbuf, errlen);
    json_decref(doc);
    if (rc) {
        metrics_results_free(r);
        return rc;
    }
    *out = r;
    return 0;
}

int metrics_results_save(const struct metrics_results *r, const char *path,
                         char *errbuf, size_t errlen)
{
    char *text = NULL;
    int rc = metrics_results_dump(r, &text);

    if (rc) {
        if (errbuf && errlen)
            snprintf(errbuf, errlen, "%s: %s", path, metrics_strerror(rc));
        return rc;
    }
    rc = metrics_write_atomic(path, text, strlen(text));
    if (rc && errbuf && errlen)
        snprintf(errbuf, errlen, "cannot write '%s': %s", path,
                 strerror(errno));
    free(text);
    return rc;
}

int metrics_results_load(const char *path, struct metrics_results **out,
                         char *errbuf, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL, inner[768];
    size_t len = 0, cap = 0, n;
    int rc;

    if (!f) {
        if (errbuf && errlen)
            snprintf(errbuf, errlen, "cannot read '%s': %s", path,
                     strerror(errno));
        return METRICS_EIO;
    }
    do {
        if (cap - len < 65536) {
            char *nb;
            if (cap > ((size_t)1 << 31)) { /* 2 GiB: not a results file */
                free(buf);
                fclose(f);
                if (errbuf && errlen)
                    snprintf(errbuf, errlen, "'%s': too large", path);
                return METRICS_ESCHEMA;
            }
            nb = realloc(buf, cap = cap * 2 + 65536);
            if (!nb) {
                free(buf);
                fclose(f);
                return METRICS_ENOMEM;
            }
            buf = nb;
        }
        n = fread(buf + len, 1, cap - len, f);
        len += n;
    } while (n > 0);
    if (ferror(f)) {
        if (errbuf && errlen)
            snprintf(errbuf, errlen, "cannot read '%s': %s", path,
                     strerror(errno));
        free(buf);
        fclose(f);
        return METRICS_EIO;
    }
    fclose(f);
    rc = metrics_results_parse(buf, len, out, inner, sizeof(inner));
    if (rc && errbuf && errlen)
        snprintf(errbuf, errlen, "%s: %s", path,
                 inner[0] ? inner : metrics_strerror(rc));
    free(buf);
    return rc;
}
