/* Streamed responses: per-endpoint and per-second statistics of SSE and
 * JSON-lines streams (TTFT, ITL, TPOT, tokens, stream errors, goodput),
 * their merge, their JSON and the series views thresholds read. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "metrics_internal.h"

/* ---- recording ----------------------------------------------------------- */

static int hist_put(struct metrics_hist **h, uint64_t v)
{
    if (!*h && metrics_hist_new(h))
        return METRICS_ENOMEM;
    if (v > METRICS_HIST_MAX_VALUE)
        v = METRICS_HIST_MAX_VALUE;
    return metrics_hist_record(*h, v) ? 0 : METRICS_ENOMEM;
}

static struct metrics_stream *stream_of(struct metrics_stream **s)
{
    if (!*s)
        *s = calloc(1, sizeof(**s));
    return *s;
}

int metrics_stream_declare(struct metrics_endpoint *ep, const char *rule,
                           double slo_ttft_ms, double slo_tpot_ms)
{
    struct metrics_stream *s = stream_of(&ep->stream);

    if (!s)
        return METRICS_ENOMEM;
    if (rule && !s->rule && !(s->rule = strdup(rule)))
        return METRICS_ENOMEM;
    s->slo_ttft_ms = slo_ttft_ms > 0 ? slo_ttft_ms : 0;
    s->slo_tpot_ms = slo_tpot_ms > 0 ? slo_tpot_ms : 0;
    return 0;
}

int metrics_stream_gap(struct metrics_endpoint *ep, int64_t second, bool first,
                       uint64_t gap_us)
{
    struct metrics_point *pt = metrics__timeline_point(ep, second);
    struct metrics_stream *es = stream_of(&ep->stream), *ps;

    if (!pt || !es || !(ps = stream_of(&pt->stream)))
        return METRICS_ENOMEM;
    if (first)
        return hist_put(&es->ttft, gap_us) || hist_put(&ps->ttft, gap_us)
                   ? METRICS_ENOMEM
                   : 0;
    return hist_put(&es->itl, gap_us) || hist_put(&ps->itl, gap_us)
               ? METRICS_ENOMEM
               : 0;
}

static void counts_add(struct metrics_stream *d, const struct metrics_stream *s)
{
    d->streams += s->streams;
    d->events += s->events;
    d->tokens += s->tokens;
    d->errors += s->errors;
    d->good += s->good;
    d->usage += s->usage;
}

int metrics_stream_end(struct metrics_endpoint *ep, int64_t second,
                       const struct metrics_stream_end *e)
{
    struct metrics_point *pt = metrics__timeline_point(ep, second);
    struct metrics_stream *es = stream_of(&ep->stream), *ps, one;

    if (!pt || !es || !(ps = stream_of(&pt->stream)))
        return METRICS_ENOMEM;
    memset(&one, 0, sizeof(one));
    one.streams = 1;
    one.events = e->events;
    one.tokens = e->tokens;
    one.errors = e->error;
    one.good = e->good && !e->error;
    one.usage = e->from_usage;
    counts_add(es, &one);
    counts_add(ps, &one);
    if (e->has_tpot &&
        (hist_put(&es->tpot, e->tpot_us) || hist_put(&ps->tpot, e->tpot_us)))
        return METRICS_ENOMEM;
    if (e->has_rate && hist_put(&es->rate, e->rate_mtps))
        return METRICS_ENOMEM;
    return 0;
}

static int hist_merge(struct metrics_hist **dst, const struct metrics_hist *src)
{
    if (!src || metrics_hist_count(src) == 0)
        return 0;
    if (!*dst && metrics_hist_new(dst))
        return METRICS_ENOMEM;
    return metrics_hist_add(*dst, src) ? METRICS_ENOMEM : 0;
}

int metrics_stream_merge(struct metrics_stream **dst,
                         const struct metrics_stream *src)
{
    struct metrics_stream *d;

    if (!src)
        return 0;
    if (!(d = stream_of(dst)))
        return METRICS_ENOMEM;
    if (hist_merge(&d->ttft, src->ttft) || hist_merge(&d->itl, src->itl) ||
        hist_merge(&d->tpot, src->tpot) || hist_merge(&d->rate, src->rate))
        return METRICS_ENOMEM;
    counts_add(d, src);
    if (!d->rule && src->rule) {
        if (!(d->rule = strdup(src->rule)))
            return METRICS_ENOMEM;
        d->slo_ttft_ms = src->slo_ttft_ms;
        d->slo_tpot_ms = src->slo_tpot_ms;
    }
    return 0;
}

void metrics_stream_free(struct metrics_stream *s)
{
    if (!s)
        return;
    metrics_hist_free(s->ttft);
    metrics_hist_free(s->itl);
    metrics_hist_free(s->tpot);
    metrics_hist_free(s->rate);
    free(s->rule);
    free(s);
}

bool metrics_results_has_streams(const struct metrics_results *r)
{
    for (size_t i = 0; r && i < r->n_endpoints; i++)
        if (r->endpoints[i]->stream)
            return true;
    return false;
}

/* ---- series -----------------------------------------------------------------
 */

static const char *const series_names[] = {METRICS_SERIES_MAP(METRICS__NAME2)};

const char *metrics_series_name(enum metrics_series s)
{
    return metrics__name_at(series_names, METRICS_SERIES__COUNT, (int)s);
}

int metrics_series_parse(const char *name, size_t len)
{
    return metrics__name_index(series_names, METRICS_SERIES__COUNT, name, len);
}

bool metrics_series_is_time(enum metrics_series s)
{
    return s == METRICS_SERIES_LATENCY || s == METRICS_SERIES_TTFT ||
           s == METRICS_SERIES_ITL || s == METRICS_SERIES_TPOT;
}

int metrics_series_stat(enum metrics_series s)
{
    switch (s) {
    case METRICS_SERIES_GOODPUT:
    case METRICS_SERIES_TOKENS_PER_S:
        return METRICS_STAT_RPS;
    case METRICS_SERIES_STREAM_ERRORS:
        return METRICS_STAT_ERRORS;
    default:
        return -1;
    }
}

/* The histogram of a time series in s (NULL when none). */
static const struct metrics_hist *series_hist(const struct metrics_stream *s,
                                              enum metrics_series series)
{
    if (!s)
        return NULL;
    switch (series) {
    case METRICS_SERIES_TTFT:
        return s->ttft;
    case METRICS_SERIES_ITL:
        return s->itl;
    case METRICS_SERIES_TPOT:
        return s->tpot;
    default:
        return NULL;
    }
}

/* A copy of h, or an empty histogram for NULL. */
static int hist_copy(const struct metrics_hist *h, struct metrics_hist **out)
{
    return h ? metrics_hist_clone(h, out) : metrics_hist_new(out);
}

/* requests and errors of a view, from the counts of s (NULL: none). */
static void view_counts(enum metrics_series series,
                        const struct metrics_stream *s, uint64_t requests,
                        uint64_t *req_out, uint64_t *err_out)
{
    switch (series) {
    case METRICS_SERIES_GOODPUT:
        *req_out = s ? s->good : 0;
        *err_out = 0;
        break;
    case METRICS_SERIES_TOKENS_PER_S:
        *req_out = s ? s->tokens : 0;
        *err_out = 0;
        break;
    case METRICS_SERIES_STREAM_ERRORS:
        *req_out = requests;
        *err_out = s ? s->errors : 0;
        if (*err_out > *req_out)
            *req_out = *err_out;
        break;
    default:
        break;
    }
}

int metrics_series_view(const struct metrics_endpoint *ep,
                        enum metrics_series series,
                        struct metrics_endpoint **out)
{
    struct metrics_endpoint *v;
    bool time =
        series != METRICS_SERIES_LATENCY && metrics_series_is_time(series);

    *out = NULL;
    if (!ep || series <= METRICS_SERIES_LATENCY ||
        series >= METRICS_SERIES__COUNT)
        return METRICS_EINVAL;
    v = calloc(1, sizeof(*v));
    if (!v)
        return METRICS_ENOMEM;
    v->method = metrics__strdup(ep->method);
    v->path = metrics__strdup(ep->path);
    v->requests = ep->requests;
    v->errors = ep->errors;
    memcpy(v->err_class, ep->err_class, sizeof(v->err_class));
    memcpy(v->status, ep->status, sizeof(v->status));
    if ((ep->method && !v->method) || (ep->path && !v->path) ||
        hist_copy(time ? series_hist(ep->stream, series) : NULL, &v->hist))
        goto nomem;
    if (!time)
        view_counts(series, ep->stream, ep->requests, &v->requests, &v->errors);
    if (ep->n_timeline) {
        v->timeline = calloc(ep->n_timeline, sizeof(*v->timeline));
        if (!v->timeline)
            goto nomem;
        v->cap_timeline = ep->n_timeline;
    }
    for (size_t i = 0; i < ep->n_timeline; i++) {
        const struct metrics_point *pt = &ep->timeline[i];
        struct metrics_point *vp = &v->timeline[i];

        vp->second = pt->second;
        vp->requests = pt->requests;
        vp->errors = pt->errors;
        v->n_timeline = i + 1;
        if (hist_copy(time ? series_hist(pt->stream, series) : NULL, &vp->hist))
            goto nomem;
        if (!time)
            view_counts(series, pt->stream, pt->requests, &vp->requests,
                        &vp->errors);
    }
    *out = v;
    return 0;
nomem:
    metrics_endpoint_free(v);
    return METRICS_ENOMEM;
}

int metrics_series_value(const struct metrics_results *r,
                         const struct metrics_endpoint *ep,
                         enum metrics_series series, enum metrics_stat stat,
                         double *out)
{
    const struct metrics_stream *s;
    const struct metrics_hist *h;

    if (series == METRICS_SERIES_LATENCY)
        return metrics_value(r, ep, stat, out);
    if (!ep || !(s = ep->stream))
        return METRICS_ENODATA;
    switch (series) {
    case METRICS_SERIES_GOODPUT:
    case METRICS_SERIES_TOKENS_PER_S:
        if (!r || !(r->duration_s > 0))
            return METRICS_ENODATA;
        *out =
            (double)(series == METRICS_SERIES_GOODPUT ? s->good : s->tokens) /
            r->duration_s;
        return 0;
    case METRICS_SERIES_STREAM_ERRORS:
        *out = (double)s->errors;
        return 0;
    default:
        break;
    }
    h = series_hist(s, series);
    if (!h || metrics_hist_count(h) == 0 || !metrics_stat_is_time(stat))
        return METRICS_ENODATA;
    *out = metrics__hist_stat(h, stat);
    return 0;
}

/* ---- JSON ------------------------------------------------------------------
 */

static void put(json_t *o, const char *k, json_t *v, bool *ok)
{
    if (!v || json_object_set_new(o, k, v) != 0)
        *ok = false;
}

static json_t *ms3(double v)
{
    return json_real(round(v * 1000.0) / 1000.0);
}

/* The histograms of a stream as they are written, in order. */
static const struct {
    size_t off;
    const char *name, *key; /* "ttft", "ttft_histogram" */
    bool point;             /* also in timeline points */
} hist_fields[] = {
    {offsetof(struct metrics_stream, ttft), "ttft", "ttft_histogram", true},
    {offsetof(struct metrics_stream, itl), "itl", "itl_histogram", true},
    {offsetof(struct metrics_stream, tpot), "tpot", "tpot_histogram", true},
    {offsetof(struct metrics_stream, rate), "rate", "rate_histogram", false},
};

#define N_HIST (sizeof(hist_fields) / sizeof(*hist_fields))

static struct metrics_hist **hist_slot(struct metrics_stream *s, size_t i)
{
    return (struct metrics_hist **)(void *)((char *)s + hist_fields[i].off);
}

static const struct {
    size_t off;
    const char *key;
} count_fields[] = {
    {offsetof(struct metrics_stream, streams), "streams"},
    {offsetof(struct metrics_stream, events), "events"},
    {offsetof(struct metrics_stream, tokens), "tokens"},
    {offsetof(struct metrics_stream, errors), "stream_errors"},
    {offsetof(struct metrics_stream, good), "good"},
    {offsetof(struct metrics_stream, usage), "tokens_from_usage"},
};

#define N_COUNT (sizeof(count_fields) / sizeof(*count_fields))

static uint64_t *count_slot(struct metrics_stream *s, size_t i)
{
    return (uint64_t *)(void *)((char *)s + count_fields[i].off);
}

/* n per second of r's measured time, to 3 decimals; null without one. */
static json_t *per_s(const struct metrics_results *r, uint64_t n)
{
    return r && r->duration_s > 0
               ? json_real(round((double)n / r->duration_s * 1000) / 1000)
               : json_null();
}

struct json_t *metrics__stream_json(const struct metrics_results *r,
                                    const struct metrics_stream *s, bool point,
                                    bool *ok)
{
    struct metrics_stream *w = (struct metrics_stream *)(uintptr_t)s;
    json_t *o = json_object();
    static const double pcts[] = {50, 95, 99};
    char key[40];

    if (!o) {
        *ok = false;
        return NULL;
    }
    if (!point) {
        put(o, "rule", s->rule ? json_string(s->rule) : json_null(), ok);
        put(o, "slo_ttft_ms",
            s->slo_ttft_ms > 0 ? ms3(s->slo_ttft_ms) : json_null(), ok);
        put(o, "slo_tpot_ms",
            s->slo_tpot_ms > 0 ? ms3(s->slo_tpot_ms) : json_null(), ok);
    }
    for (size_t i = 0; i < N_COUNT; i++)
        put(o, count_fields[i].key, json_integer((json_int_t)*count_slot(w, i)),
            ok);
    if (!point) {
        /* the numbers people read, beside the histograms they come from */
        for (size_t i = 0; i < 3; i++) {
            const struct metrics_hist *h = *hist_slot(w, i);

            for (size_t k = 0; k < sizeof(pcts) / sizeof(*pcts); k++) {
                snprintf(key, sizeof(key), "%s_p%g_ms", hist_fields[i].name,
                         pcts[k]);
                put(o, key,
                    h && metrics_hist_count(h)
                        ? ms3((double)metrics_hist_percentile(h, pcts[k]) /
                              1000.0)
                        : json_null(),
                    ok);
            }
        }
        put(o, "tokens_per_s", per_s(r, s->tokens), ok);
        put(o, "stream_tokens_per_s_p50",
            s->rate && metrics_hist_count(s->rate)
                ? json_real((double)metrics_hist_percentile(s->rate, 50) /
                            1000.0)
                : json_null(),
            ok);
        put(o, "goodput_per_s", per_s(r, s->good), ok);
    }
    for (size_t i = 0; i < N_HIST; i++) {
        const struct metrics_hist *h = *hist_slot(w, i);
        char *enc = NULL;

        if ((point && !hist_fields[i].point) || !h ||
            metrics_hist_count(h) == 0)
            continue;
        if (metrics_hist_encode(h, &enc) != 0) {
            *ok = false;
            continue;
        }
        put(o, hist_fields[i].key, json_string(enc), ok);
        free(enc);
    }
    return o;
}

int metrics__stream_parse(struct json_t *v, struct metrics_stream **out,
                          bool point, const char *where, char *errbuf,
                          size_t errlen)
{
    struct metrics_stream *s;
    json_t *x;

    *out = NULL;
    if (!json_is_object(v)) {
        if (errbuf && errlen)
            snprintf(errbuf, errlen, "%sstream: expected an object", where);
        return METRICS_ESCHEMA;
    }
    if (!(s = calloc(1, sizeof(*s))))
        return METRICS_ENOMEM;
    for (size_t i = 0; i < N_COUNT; i++) {
        x = json_object_get(v, count_fields[i].key);
        if (!x || json_is_null(x))
            continue;
        if (!json_is_integer(x) || json_integer_value(x) < 0) {
            if (errbuf && errlen)
                snprintf(errbuf, errlen,
                         "%sstream.%s: expected a whole number >= 0", where,
                         count_fields[i].key);
            metrics_stream_free(s);
            return METRICS_ESCHEMA;
        }
        *count_slot(s, i) = (uint64_t)json_integer_value(x);
    }
    if (s->errors > s->streams || s->good > s->streams) {
        if (errbuf && errlen)
            snprintf(errbuf, errlen,
                     "%sstream: more stream errors or good streams than "
                     "streams",
                     where);
        metrics_stream_free(s);
        return METRICS_ESCHEMA;
    }
    for (size_t i = 0; i < N_HIST; i++) {
        int rc;

        x = json_object_get(v, hist_fields[i].key);
        if (!x || json_is_null(x) || (point && !hist_fields[i].point))
            continue;
        rc = json_is_string(x)
                 ? metrics_hist_decode(json_string_value(x), hist_slot(s, i))
                 : METRICS_EPARSE;
        if (rc) {
            if (errbuf && errlen && rc != METRICS_ENOMEM)
                snprintf(errbuf, errlen, "%sstream.%s: corrupt encoding", where,
                         hist_fields[i].key);
            metrics_stream_free(s);
            return rc == METRICS_ENOMEM ? rc : METRICS_ESCHEMA;
        }
    }
    if (!point) {
        x = json_object_get(v, "rule");
        if (json_is_string(x) && !(s->rule = strdup(json_string_value(x)))) {
            metrics_stream_free(s);
            return METRICS_ENOMEM;
        }
        x = json_object_get(v, "slo_ttft_ms");
        s->slo_ttft_ms = json_is_number(x) && json_number_value(x) > 0
                             ? json_number_value(x)
                             : 0;
        x = json_object_get(v, "slo_tpot_ms");
        s->slo_tpot_ms = json_is_number(x) && json_number_value(x) > 0
                             ? json_number_value(x)
                             : 0;
    }
    *out = s;
    return 0;
}
