/* Endpoints with their per-second timelines, and the results document. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics_internal.h"

/* ---- endpoints ---------------------------------------------------------- */

/* The timeline point for second, appended or inserted in order.  Requests
 * complete almost in order, so the last point is checked first. */
struct metrics_point *metrics__timeline_point(struct metrics_endpoint *ep,
                                              int64_t second)
{
    size_t lo = 0, hi = ep->n_timeline;
    struct metrics_point *pt;

    if (hi && ep->timeline[hi - 1].second == second)
        return &ep->timeline[hi - 1];
    if (!hi || ep->timeline[hi - 1].second < second) {
        lo = hi;
    } else {
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (ep->timeline[mid].second < second)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo < ep->n_timeline && ep->timeline[lo].second == second)
            return &ep->timeline[lo];
    }
    if (ep->n_timeline == ep->cap_timeline) {
        size_t cap = ep->cap_timeline ? ep->cap_timeline * 2 : 64;
        struct metrics_point *t = realloc(ep->timeline, cap * sizeof(*t));
        if (!t)
            return NULL;
        ep->timeline = t;
        ep->cap_timeline = cap;
    }
    pt = &ep->timeline[lo];
    memmove(pt + 1, pt, (ep->n_timeline - lo) * sizeof(*pt));
    memset(pt, 0, sizeof(*pt));
    pt->second = second;
    if (metrics_hist_new(&pt->hist)) {
        memmove(pt, pt + 1, (ep->n_timeline - lo) * sizeof(*pt));
        return NULL;
    }
    ep->n_timeline++;
    return pt;
}

int metrics_endpoint_record(struct metrics_endpoint *ep, int64_t second,
                            bool has_latency, uint64_t latency_us, int status,
                            enum metrics_errclass err)
{
    struct metrics_point *pt = metrics__timeline_point(ep, second);

    if (!pt)
        return METRICS_ENOMEM;
    if (has_latency) {
        if (latency_us > METRICS_HIST_MAX_VALUE)
            latency_us = METRICS_HIST_MAX_VALUE;
        if (!metrics_hist_record(ep->hist, latency_us) ||
            !metrics_hist_record(pt->hist, latency_us))
            return METRICS_ENOMEM;
    }
    ep->requests++;
    pt->requests++;
    if (err != METRICS_ERR_NONE && (int)err >= 0 && err < METRICS_ERR__COUNT) {
        ep->errors++;
        ep->err_class[err]++;
        pt->errors++;
    }
    if (status > 0 && status < METRICS_STATUS_MAX)
        ep->status[status]++;
    return 0;
}

static int timing_record(struct metrics_hist **h, uint64_t us)
{
    if (us == 0)
        return 0;
    if (!*h && metrics_hist_new(h))
        return METRICS_ENOMEM;
    if (us > METRICS_HIST_MAX_VALUE)
        us = METRICS_HIST_MAX_VALUE;
    return metrics_hist_record(*h, us) ? 0 : METRICS_ENOMEM;
}

int metrics_endpoint_record_timing(struct metrics_endpoint *ep,
                                   uint64_t connect_us, uint64_t tls_us,
                                   uint64_t ttfb_us)
{
    if (timing_record(&ep->connect_hist, connect_us) ||
        timing_record(&ep->tls_hist, tls_us) ||
        timing_record(&ep->ttfb_hist, ttfb_us))
        return METRICS_ENOMEM;
    return 0;
}

static int timing_merge(struct metrics_hist **dst,
                        const struct metrics_hist *src)
{
    if (!src || metrics_hist_count(src) == 0)
        return 0;
    if (!*dst && metrics_hist_new(dst))
        return METRICS_ENOMEM;
    return metrics_hist_add(*dst, src) ? METRICS_ENOMEM : 0;
}

int metrics_endpoint_merge(struct metrics_endpoint *dst,
                           const struct metrics_endpoint *src)
{
    if (metrics_hist_add(dst->hist, src->hist))
        return METRICS_ENOMEM;
    if (timing_merge(&dst->connect_hist, src->connect_hist) ||
        timing_merge(&dst->tls_hist, src->tls_hist) ||
        timing_merge(&dst->ttfb_hist, src->ttfb_hist) ||
        metrics_stream_merge(&dst->stream, src->stream))
        return METRICS_ENOMEM;
    dst->requests += src->requests;
    dst->errors += src->errors;
    for (int c = 0; c < METRICS_ERR__COUNT; c++)
        dst->err_class[c] += src->err_class[c];
    for (int s = 0; s < METRICS_STATUS_MAX; s++)
        dst->status[s] += src->status[s];
    for (size_t i = 0; i < src->n_timeline; i++) {
        const struct metrics_point *sp = &src->timeline[i];
        struct metrics_point *dp = metrics__timeline_point(dst, sp->second);
        if (!dp || metrics_hist_add(dp->hist, sp->hist) ||
            metrics_stream_merge(&dp->stream, sp->stream))
            return METRICS_ENOMEM;
        dp->requests += sp->requests;
        dp->errors += sp->errors;
    }
    /* summary-only sources cannot be merged exactly; keep the first */
    if (!dst->scalars.present && src->scalars.present)
        dst->scalars = src->scalars;
    return 0;
}

void metrics_endpoint_name(const struct metrics_endpoint *ep, char *buf,
                           size_t len)
{
    snprintf(buf, len, "%s %s", ep->method ? ep->method : "",
             ep->path ? ep->path : "");
}

void metrics__endpoint_release(struct metrics_endpoint *ep)
{
    free(ep->method);
    free(ep->path);
    metrics_hist_free(ep->hist);
    metrics_hist_free(ep->connect_hist);
    metrics_hist_free(ep->tls_hist);
    metrics_hist_free(ep->ttfb_hist);
    metrics_stream_free(ep->stream);
    for (size_t i = 0; i < ep->n_timeline; i++) {
        metrics_hist_free(ep->timeline[i].hist);
        metrics_stream_free(ep->timeline[i].stream);
    }
    free(ep->timeline);
}

void metrics_endpoint_free(struct metrics_endpoint *ep)
{
    if (!ep)
        return;
    metrics__endpoint_release(ep);
    free(ep);
}

static struct metrics_endpoint *endpoint_new(const char *method,
                                             const char *path)
{
    struct metrics_endpoint *ep = calloc(1, sizeof(*ep));

    if (!ep)
        return NULL;
    ep->method = strdup(method);
    ep->path = strdup(path);
    if (!ep->method || !ep->path || metrics_hist_new(&ep->hist)) {
        metrics_endpoint_free(ep);
        return NULL;
    }
    return ep;
}

/* ---- results ----------------------------------------------------------- */

int metrics_results_new(struct metrics_results **out)
{
    *out = calloc(1, sizeof(**out));
    return *out ? 0 : METRICS_ENOMEM;
}

static void meta_release(struct metrics_meta *m)
{
    free(m->loadgate_version);
    free(m->profile_sha256);
    free(m->profile_name);
    free(m->git_sha);
    free(m->git_branch);
    free(m->host);
    free(m->model);
    free(m->shard);
    free(m->source);
}

void metrics_results_free(struct metrics_results *r)
{
    if (!r)
        return;
    free(r->baseline_id);
    free(r->timestamp);
    meta_release(&r->meta);
    for (size_t i = 0; i < r->n_endpoints; i++)
        metrics_endpoint_free(r->endpoints[i]);
    free(r->endpoints);
    for (size_t i = 0; i < r->n_recommendations; i++)
        free(r->recommendations[i]);
    free(r->recommendations);
    for (size_t i = 0; i < r->n_thresholds; i++)
        metrics_threshold_release(&r->thresholds[i]);
    free(r->thresholds);
    free(r);
}

struct metrics_endpoint *metrics_results_endpoint(struct metrics_results *r,
                                                  const char *method,
                                                  const char *path,
                                                  bool create)
{
    struct metrics_endpoint *ep;

    for (size_t i = 0; i < r->n_endpoints; i++)
        if (strcmp(r->endpoints[i]->method, method) == 0 &&
            strcmp(r->endpoints[i]->path, path) == 0)
            return r->endpoints[i];
    if (!create)
        return NULL;
    if (r->n_endpoints == r->cap_endpoints) {
        size_t cap = r->cap_endpoints ? r->cap_endpoints * 2 : 8;
        struct metrics_endpoint **e =
            realloc(r->endpoints, cap * sizeof(*e));
        if (!e)
            return NULL;
        r->endpoints = e;
        r->cap_endpoints = cap;
    }
    ep = endpoint_new(method, path);
    if (!ep)
        return NULL;
    r->endpoints[r->n_endpoints++] = ep;
    return ep;
}

const struct metrics_endpoint *
metrics_results_find(const struct metrics_results *r, const char *name)
{
    for (size_t i = 0; i < r->n_endpoints; i++) {
        const struct metrics_endpoint *ep = r->endpoints[i];
        size_t m = strlen(ep->method);
        if (strncmp(name, ep->method, m) == 0 && name[m] == ' ' &&
            strcmp(name + m + 1, ep->path) == 0)
            return ep;
    }
    return NULL;
}

int metrics_results_add_recommendation(struct metrics_results *r,
                                       const char *text)
{
    char *copy;

    if (r->n_recommendations == r->cap_recommendations) {
        size_t cap = r->cap_recommendations ? r->cap_recommendations * 2 : 8;
        char **p = realloc(r->recommendations, cap * sizeof(*p));
        if (!p)
            return METRICS_ENOMEM;
        r->recommendations = p;
        r->cap_recommendations = cap;
    }
    copy = strdup(text);
    if (!copy)
        return METRICS_ENOMEM;
    r->recommendations[r->n_recommendations++] = copy;
    return 0;
}

uint64_t metrics_results_total_requests(const struct metrics_results *r)
{
    uint64_t n = 0;
    for (size_t i = 0; i < r->n_endpoints; i++)
        n += r->endpoints[i]->requests;
    return n;
}

uint64_t metrics_results_total_errors(const struct metrics_results *r)
{
    uint64_t n = 0;
    for (size_t i = 0; i < r->n_endpoints; i++)
        n += r->endpoints[i]->errors;
    return n;
}

int metrics_results_aggregate(const struct metrics_results *r,
                              struct metrics_endpoint **out)
{
    struct metrics_endpoint *all = endpoint_new("ALL", "ALL");
    uint64_t scalar_requests = 0;

    if (!all)
        return METRICS_ENOMEM;
    for (size_t i = 0; i < r->n_endpoints; i++) {
        const struct metrics_endpoint *ep = r->endpoints[i];
        if (metrics_endpoint_merge(all, ep)) {
            metrics_endpoint_free(all);
            return METRICS_ENOMEM;
        }
        if (ep->scalars.present && metrics_hist_count(ep->hist) == 0)
            scalar_requests += ep->requests;
    }
    /* Summary-only endpoints cannot be merged into percentiles: the whole
     * run has them when its source gave them, or when it is one endpoint. */
    all->scalars.present = false;
    if (r->whole_run.present && all->requests)
        all->scalars = r->whole_run;
    else if (r->n_endpoints == 1 && scalar_requests)
        all->scalars = r->endpoints[0]->scalars;
    *out = all;
    return 0;
}

static int merge_str(char **dst, const char *src)
{
    if (*dst || !src)
        return 0;
    *dst = strdup(src);
    return *dst ? 0 : METRICS_ENOMEM;
}

int metrics_results_merge(struct metrics_results *dst,
                          const struct metrics_results *src)
{
    double dend, send, start, end;

    if (dst->meta.profile_sha256 && src->meta.profile_sha256 &&
        strcmp(dst->meta.profile_sha256, src->meta.profile_sha256) != 0)
        return METRICS_EMISMATCH;
    /* one run's whole-run numbers say nothing of two runs together */
    if (!metrics_results_total_requests(dst))
        dst->whole_run = src->whole_run;
    else if (metrics_results_total_requests(src))
        memset(&dst->whole_run, 0, sizeof(dst->whole_run));
    for (size_t i = 0; i < src->n_endpoints; i++) {
        const struct metrics_endpoint *sep = src->endpoints[i];
        struct metrics_endpoint *dep =
            metrics_results_endpoint(dst, sep->method, sep->path, true);
        if (!dep || metrics_endpoint_merge(dep, sep))
            return METRICS_ENOMEM;
    }
    /* the measured window is the union of both */
    if (dst->start_second && src->start_second) {
        dend = (double)dst->start_second + dst->duration_s;
        send = (double)src->start_second + src->duration_s;
        start = (double)(dst->start_second < src->start_second
                             ? dst->start_second
                             : src->start_second);
        end = dend > send ? dend : send;
        if (src->start_second < dst->start_second) {
            free(dst->timestamp);
            dst->timestamp = metrics__strdup(src->timestamp);
            dst->start_second = src->start_second;
        }
        dst->duration_s = end - start;
    } else if (!dst->start_second) {
        dst->start_second = src->start_second;
        if (src->duration_s > dst->duration_s)
            dst->duration_s = src->duration_s;
        if (!dst->timestamp)
            dst->timestamp = metrics__strdup(src->timestamp);
    }
    dst->concurrent_users += src->concurrent_users;
    dst->partial = dst->partial || src->partial;
    dst->meta.target_rps += src->meta.target_rps;
    dst->meta.achieved_rps += src->meta.achieved_rps;
    dst->meta.saturated = dst->meta.saturated || src->meta.saturated;
    if (src->meta.cpus > dst->meta.cpus)
        dst->meta.cpus = src->meta.cpus;
    if (merge_str(&dst->meta.profile_sha256, src->meta.profile_sha256) ||
        merge_str(&dst->meta.profile_name, src->meta.profile_name) ||
        merge_str(&dst->meta.loadgate_version, src->meta.loadgate_version) ||
        merge_str(&dst->meta.git_sha, src->meta.git_sha) ||
        merge_str(&dst->meta.git_branch, src->meta.git_branch) ||
        merge_str(&dst->meta.host, src->meta.host) ||
        merge_str(&dst->meta.model, src->meta.model) ||
        merge_str(&dst->meta.source, src->meta.source))
        return METRICS_ENOMEM;
    return 0;
}

/* ---- values -------------------------------------------------------------- */

static int scalar_value(const struct metrics_scalars *s, enum metrics_stat st,
                        double *out)
{
    if (!s->present)
        return METRICS_ENODATA;
    switch (st) {
    case METRICS_STAT_P50:
        *out = s->p50_ms;
        return s->has_p50 ? 0 : METRICS_ENODATA;
    case METRICS_STAT_P75:
        *out = s->p75_ms;
        return s->has_p75 ? 0 : METRICS_ENODATA;
    case METRICS_STAT_P90:
        *out = s->p90_ms;
        return s->has_p90 ? 0 : METRICS_ENODATA;
    case METRICS_STAT_P95:
        *out = s->p95_ms;
        return s->has_p95 ? 0 : METRICS_ENODATA;
    case METRICS_STAT_P99:
        *out = s->p99_ms;
        return s->has_p99 ? 0 : METRICS_ENODATA;
    case METRICS_STAT_P999:
        *out = s->p999_ms;
        return s->has_p999 ? 0 : METRICS_ENODATA;
    case METRICS_STAT_AVG:
        *out = s->avg_ms;
        return s->has_avg ? 0 : METRICS_ENODATA;
    case METRICS_STAT_MIN:
        *out = s->min_ms;
        return s->has_min ? 0 : METRICS_ENODATA;
    case METRICS_STAT_MAX:
        *out = s->max_ms;
        return s->has_max ? 0 : METRICS_ENODATA;
    default:
        return METRICS_ENODATA;
    }
}

int metrics_value(const struct metrics_results *r,
                  const struct metrics_endpoint *ep, enum metrics_stat s,
                  double *out)
{
    const struct metrics_hist *h = ep->hist;

    switch (s) {
    case METRICS_STAT_RPS:
        if (!r || !(r->duration_s > 0))
            return METRICS_ENODATA;
        *out = (double)ep->requests / r->duration_s;
        return 0;
    case METRICS_STAT_ERROR_RATE:
        if (!ep->requests)
            return METRICS_ENODATA;
        *out = (double)ep->errors / (double)ep->requests;
        return 0;
    case METRICS_STAT_ERRORS:
        *out = (double)ep->errors;
        return 0;
    case METRICS_STAT_REQUESTS:
        *out = (double)ep->requests;
        return 0;
    default:
        break;
    }
    if (!metrics_stat_is_time(s))
        return METRICS_EINVAL;
    if (!h || metrics_hist_count(h) == 0)
        return scalar_value(&ep->scalars, s, out);
    *out = metrics__hist_stat(h, s);
    return 0;
}

double metrics__hist_stat(const struct metrics_hist *h, enum metrics_stat s)
{
    double pct = metrics_stat_percentile(s);

    if (pct >= 0)
        return (double)metrics_hist_percentile(h, pct) / 1000.0;
    if (s == METRICS_STAT_AVG)
        return metrics_hist_mean(h) / 1000.0;
    if (s == METRICS_STAT_MIN)
        return (double)metrics_hist_min(h) / 1000.0;
    return (double)metrics_hist_max(h) / 1000.0;
}
