/* Endpoints with their per-second timelines, and the results document. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics_internal.h"

/* ---- endpoints ---------------------------------------------------------- */

/* The point for key in the timeline *tl of *n (capacity *cap), appended
 * or inserted in order.  Requests complete almost in order, so the last
 * point is checked first. */
static struct metrics_point *point_at(struct metrics_point **tl, size_t *n,
                                      size_t *cap, int64_t key)
{
    size_t lo = 0, hi = *n;
    struct metrics_point *pt;

    if (hi && (*tl)[hi - 1].second == key)
        return &(*tl)[hi - 1];
    if (!hi || (*tl)[hi - 1].second < key) {
        lo = hi;
    } else {
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if ((*tl)[mid].second < key)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo < *n && (*tl)[lo].second == key)
            return &(*tl)[lo];
    }
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 64;
        struct metrics_point *t = realloc(*tl, c * sizeof(*t));
        if (!t)
            return NULL;
        *tl = t;
        *cap = c;
    }
    pt = &(*tl)[lo];
    memmove(pt + 1, pt, (*n - lo) * sizeof(*pt));
    memset(pt, 0, sizeof(*pt));
    pt->second = key;
    if (metrics_hist_new(&pt->hist)) {
        memmove(pt, pt + 1, (*n - lo) * sizeof(*pt));
        return NULL;
    }
    (*n)++;
    return pt;
}

/* The timeline point for second (also metrics_stream.c's). */
struct metrics_point *metrics__timeline_point(struct metrics_endpoint *ep,
                                              int64_t second)
{
    return point_at(&ep->timeline, &ep->n_timeline, &ep->cap_timeline, second);
}

/* Floor division: slots of instants before 1970 too. */
static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static bool fine_interval_ok(unsigned ms)
{
    return ms >= 10 && ms <= METRICS_FINE_MAX_MS && 1000 % ms == 0;
}

int metrics_endpoint_record_fine(struct metrics_endpoint *ep, int64_t unix_ms,
                                 unsigned interval_ms, bool has_latency,
                                 uint64_t latency_us, enum metrics_errclass err)
{
    struct metrics_point *pt;

    if (!fine_interval_ok(interval_ms) ||
        (ep->fine_ms && ep->fine_ms != interval_ms))
        return 0;
    ep->fine_ms = interval_ms;
    pt = point_at(&ep->fine, &ep->n_fine, &ep->cap_fine,
                  floor_div(unix_ms, interval_ms));
    if (!pt)
        return METRICS_ENOMEM;
    if (has_latency) {
        if (latency_us > METRICS_HIST_MAX_VALUE)
            latency_us = METRICS_HIST_MAX_VALUE;
        if (!metrics_hist_record(pt->hist, latency_us))
            return METRICS_ENOMEM;
    }
    pt->requests++;
    if (err != METRICS_ERR_NONE && (int)err >= 0 && err < METRICS_ERR__COUNT)
        pt->errors++;
    return 0;
}

bool metrics_endpoint_fine_complete(const struct metrics_endpoint *ep)
{
    uint64_t req = 0, lat = 0, err = 0;

    if (!ep || !fine_interval_ok(ep->fine_ms) || ep->n_fine == 0)
        return false;
    for (size_t i = 0; i < ep->n_fine; i++) {
        req += ep->fine[i].requests;
        err += ep->fine[i].errors;
        lat += metrics_hist_count(ep->fine[i].hist);
    }
    return req == ep->requests && err == ep->errors &&
           lat == metrics_hist_count(ep->hist);
}

static void fine_release(struct metrics_endpoint *ep)
{
    for (size_t i = 0; i < ep->n_fine; i++)
        metrics_hist_free(ep->fine[i].hist);
    free(ep->fine);
    ep->fine = NULL;
    ep->n_fine = ep->cap_fine = 0;
}

/* src's fine timeline into dst's: slot by slot when both have the same
 * interval (or dst none yet); otherwise dst's is dropped and stays
 * incomplete from then on. */
static int fine_merge(struct metrics_endpoint *dst,
                      const struct metrics_endpoint *src)
{
    if (!src->n_fine)
        return 0;
    if (dst->fine_ms && dst->fine_ms != src->fine_ms) {
        fine_release(dst);
        return 0;
    }
    dst->fine_ms = src->fine_ms;
    for (size_t i = 0; i < src->n_fine; i++) {
        const struct metrics_point *sp = &src->fine[i];
        struct metrics_point *dp =
            point_at(&dst->fine, &dst->n_fine, &dst->cap_fine, sp->second);
        if (!dp || metrics_hist_add(dp->hist, sp->hist))
            return METRICS_ENOMEM;
        dp->requests += sp->requests;
        dp->errors += sp->errors;
    }
    return 0;
}

void metrics_endpoint_record_grpc(struct metrics_endpoint *ep, int code)
{
    if (ep && code >= 0 && code < METRICS_GRPC_STATUS_MAX)
        ep->grpc_status[code]++;
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

/* ---- counts that add up -------------------------------------------------- */

/* a + b, both counts, within METRICS_COUNT_MAX. */
static bool fits(uint64_t a, uint64_t b)
{
    return a <= METRICS_COUNT_MAX && b <= METRICS_COUNT_MAX - a;
}

/* The histograms h and g (either may be NULL) added up keep their count
 * within METRICS_COUNT_MAX and their exact sum within 64 bits. */
static bool hists_fit(const struct metrics_hist *h,
                      const struct metrics_hist *g)
{
    uint64_t hs = h ? metrics__hist_sum(h) : 0;

    return fits(h ? metrics_hist_count(h) : 0, g ? metrics_hist_count(g) : 0) &&
           (!g || metrics__hist_sum(g) <= UINT64_MAX - hs);
}

/* Whether every count of src added to dst's stays a count: requests,
 * errors, error classes, status codes, histograms and timeline points.
 * dst NULL: src's counts alone. */
static bool endpoint_fits(const struct metrics_endpoint *dst,
                          const struct metrics_endpoint *src)
{
    static const struct metrics_endpoint none;
    const struct metrics_endpoint *d = dst ? dst : &none;
    size_t j = 0;

    if (!fits(d->requests, src->requests) || !fits(d->errors, src->errors) ||
        !hists_fit(d->hist, src->hist) ||
        !hists_fit(d->connect_hist, src->connect_hist) ||
        !hists_fit(d->tls_hist, src->tls_hist) ||
        !hists_fit(d->ttfb_hist, src->ttfb_hist))
        return false;
    for (int c = 0; c < METRICS_ERR__COUNT; c++)
        if (!fits(d->err_class[c], src->err_class[c]))
            return false;
    for (int s = 0; s < METRICS_STATUS_MAX; s++)
        if (!fits(d->status[s], src->status[s]))
            return false;
    for (int g = 0; g < METRICS_GRPC_STATUS_MAX; g++)
        if (!fits(d->grpc_status[g], src->grpc_status[g]))
            return false;
    for (size_t i = 0; i < src->n_timeline; i++) {
        const struct metrics_point *sp = &src->timeline[i], *dp = NULL;

        while (j < d->n_timeline && d->timeline[j].second < sp->second)
            j++;
        if (j < d->n_timeline && d->timeline[j].second == sp->second)
            dp = &d->timeline[j];
        if (!fits(dp ? dp->requests : 0, sp->requests) ||
            !fits(dp ? dp->errors : 0, sp->errors) ||
            !hists_fit(dp ? dp->hist : NULL, sp->hist))
            return false;
    }
    return true;
}

int metrics_endpoint_merge(struct metrics_endpoint *dst,
                           const struct metrics_endpoint *src)
{
    if (!endpoint_fits(dst, src))
        return METRICS_ERANGE;
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
    for (int g = 0; g < METRICS_GRPC_STATUS_MAX; g++)
        dst->grpc_status[g] += src->grpc_status[g];
    for (size_t i = 0; i < src->n_timeline; i++) {
        const struct metrics_point *sp = &src->timeline[i];
        struct metrics_point *dp = metrics__timeline_point(dst, sp->second);
        if (!dp || metrics_hist_add(dp->hist, sp->hist) ||
            metrics_stream_merge(&dp->stream, sp->stream))
            return METRICS_ENOMEM;
        dp->requests += sp->requests;
        dp->errors += sp->errors;
    }
    if (fine_merge(dst, src))
        return METRICS_ENOMEM;
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
    fine_release(ep);
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
    free(m->run_id);
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
                                                  const char *path, bool create)
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
        struct metrics_endpoint **e = realloc(r->endpoints, cap * sizeof(*e));
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
        int rc = metrics_endpoint_merge(all, ep);
        if (rc) {
            metrics_endpoint_free(all);
            return rc;
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

/* The sum of r's requests into *out; false when it is no count. */
static bool total_fits(const struct metrics_results *r, uint64_t *out)
{
    *out = 0;
    for (size_t i = 0; i < r->n_endpoints; i++) {
        if (!fits(*out, r->endpoints[i]->requests))
            return false;
        *out += r->endpoints[i]->requests;
    }
    return true;
}

/* Whether every count of src added to dst's stays a count, the whole
 * document's total requests included. */
static bool results_fit(struct metrics_results *dst,
                        const struct metrics_results *src)
{
    uint64_t a, b;

    if (!total_fits(dst, &a) || !total_fits(src, &b) || !fits(a, b) ||
        !fits(dst->concurrent_users, src->concurrent_users) ||
        !fits(dst->meta.late, src->meta.late) ||
        !fits(dst->meta.dropped, src->meta.dropped))
        return false;
    for (size_t i = 0; i < src->n_endpoints; i++) {
        const struct metrics_endpoint *sep = src->endpoints[i];
        if (!endpoint_fits(
                metrics_results_endpoint(dst, sep->method, sep->path, false),
                sep))
            return false;
    }
    return true;
}

int metrics_results_merge(struct metrics_results *dst,
                          const struct metrics_results *src)
{
    double dend, send, start, end;

    if (dst->meta.profile_sha256 && src->meta.profile_sha256 &&
        strcmp(dst->meta.profile_sha256, src->meta.profile_sha256) != 0)
        return METRICS_EMISMATCH;
    /* checked before anything changes: a refused merge leaves dst whole */
    if (!results_fit(dst, src))
        return METRICS_ERANGE;
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
        start =
            (double)(dst->start_second < src->start_second ? dst->start_second
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
    dst->meta.late += src->meta.late;
    dst->meta.dropped += src->meta.dropped;
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
        merge_str(&dst->meta.run_id, src->meta.run_id) ||
        merge_str(&dst->meta.source, src->meta.source))
        return METRICS_ENOMEM;
    return 0;
}

/* ---- the shards of one run ----------------------------------------------- */

int metrics_shard_parse(const char *s, unsigned *index, unsigned *count)
{
    unsigned long v[2] = {0, 0};

    for (int part = 0; part < 2; part++) {
        if (!s || *s < '0' || *s > '9')
            return -1;
        for (; *s >= '0' && *s <= '9'; s++) {
            v[part] = v[part] * 10 + (unsigned long)(*s - '0');
            if (v[part] > 100000)
                return -1;
        }
        if (*s++ != (part ? '\0' : '/'))
            return -1;
    }
    if (v[0] < 1 || v[0] > v[1])
        return -1;
    *index = (unsigned)v[0];
    *count = (unsigned)v[1];
    return 0;
}

/* A window is known to the second: start_second is its start rounded
 * down, so it ends before start_second + duration_s + SECOND.  Windows are
 * apart only when that says so for certain. */
#define SECOND 1.0

/* One input's measured window and the load it carried, taken before the
 * merge changes in[0]. */
struct window {
    double start, end; /* Unix seconds; start 0: not known */
    double users, target_rps, achieved_rps;
};

static int window_cmp(const void *a, const void *b)
{
    const struct window *x = a, *y = b;

    /* windows not known last: each is a run of its own */
    if ((x->start == 0) != (y->start == 0))
        return x->start == 0 ? 1 : -1;
    return x->start < y->start ? -1 : x->start > y->start;
}

/* Why in[k] cannot be one more shard of the run of in[0..k-1] (which
 * passed), into errbuf; false when it can.  lo/hi: the windows' common
 * part so far, and the inputs that bound it. */
static bool not_a_shard(struct metrics_results **in, const char *const *names,
                        size_t k, double *lo, double *hi, size_t *lo_k,
                        size_t *hi_k, char *errbuf, size_t errlen)
{
    const struct metrics_meta *m = &in[k]->meta, *m0 = &in[0]->meta;
    unsigned i, n, i0, n0;
    double start = (double)in[k]->start_second,
           end = start + in[k]->duration_s + SECOND;
    char t[2][32];

    if (!m->shard) {
        metrics__errorf(errbuf, errlen,
                        "'%s' is not a shard (no meta.shard): merge "
                        "adds up the shards of one run",
                        names[k]);
        return true;
    }
    if (metrics_shard_parse(m->shard, &i, &n)) {
        metrics__errorf(errbuf, errlen, "'%s': meta.shard '%s' is not I/N",
                        names[k], m->shard);
        return true;
    }
    if (k > 0 && metrics_shard_parse(m0->shard, &i0, &n0) == 0 && n != n0) {
        metrics__errorf(errbuf, errlen,
                        "'%s' is shard %s, but '%s' is shard %s", names[k],
                        m->shard, names[0], m0->shard);
        return true;
    }
    for (size_t j = 0; j < k; j++)
        if (metrics_shard_parse(in[j]->meta.shard, &i0, &n0) == 0 && i0 == i) {
            metrics__errorf(errbuf, errlen,
                            "'%s' and '%s' are both shard %s: merging "
                            "them would count that share twice",
                            names[j], names[k], m->shard);
            return true;
        }
    for (size_t j = 0; m->run_id && j < k; j++)
        if (in[j]->meta.run_id && strcmp(in[j]->meta.run_id, m->run_id)) {
            metrics__errorf(errbuf, errlen,
                            "'%s' is from run %s, '%s' from run %s", names[k],
                            m->run_id, names[j], in[j]->meta.run_id);
            return true;
        }
    if (!in[k]->start_second) {
        metrics__errorf(errbuf, errlen,
                        "'%s' has no measured window (meta.start_second)",
                        names[k]);
        return true;
    }
    if (k > 0 && (start >= *hi || end <= *lo)) {
        size_t o = start >= *hi ? *hi_k : *lo_k;
        metrics_format_utc(in[k]->start_second, t[0], sizeof(t[0]));
        metrics_format_utc(in[o]->start_second, t[1], sizeof(t[1]));
        metrics__errorf(errbuf, errlen,
                        "'%s' (measured from %s for %.1f s) and '%s' "
                        "(from %s for %.1f s) did not run at the same "
                        "time, so their loads never added up",
                        names[k], t[0], in[k]->duration_s, names[o], t[1],
                        in[o]->duration_s);
        return true;
    }
    if (k == 0 || start > *lo) {
        *lo = start;
        *lo_k = k;
    }
    if (k == 0 || end < *hi) {
        *hi = end;
        *hi_k = k;
    }
    return false;
}

/* After a forced merge of runs that did not all overlap: the duration
 * without the gaps between groups of overlapping windows, and users and
 * rates (which add up inside a group) weighted by each group's span. */
static void spread_over_windows(struct metrics_results *dst, struct window *w,
                                size_t n)
{
    double total = 0, users = 0, target = 0, achieved = 0;
    size_t groups = 0;

    qsort(w, n, sizeof(*w), window_cmp);
    for (size_t g = 0, k; g < n; g = k) {
        double end = w[g].end, u = w[g].users, t = w[g].target_rps,
               a = w[g].achieved_rps, span;

        for (k = g + 1; w[g].start != 0 && k < n && w[k].start != 0 &&
                        w[k].start < end + SECOND;
             k++) {
            if (w[k].end > end)
                end = w[k].end;
            u += w[k].users;
            t += w[k].target_rps;
            a += w[k].achieved_rps;
        }
        span = end - w[g].start;
        total += span;
        users += u * span;
        target += t * span;
        achieved += a * span;
        groups++;
    }
    /* one group: the union of the windows, the sums metrics_results_merge
     * made */
    if (groups < 2 || !(total > 0))
        return;
    dst->duration_s = total;
    dst->concurrent_users = (uint64_t)llround(users / total);
    dst->meta.target_rps = target / total;
    dst->meta.achieved_rps = achieved / total;
}

int metrics_results_merge_runs(struct metrics_results **in,
                               const char *const *names, size_t n,
                               unsigned flags, struct metrics_merge_info *info,
                               char *errbuf, size_t errlen)
{
    struct window *w = NULL;
    double lo = 0, hi = 0;
    size_t lo_k = 0, hi_k = 0, hashed = 0;
    unsigned si, sn;
    int rc = 0;

    memset(info, 0, sizeof(*info));
    metrics__errorf(errbuf, errlen, "%s", "");
    if (n == 0)
        return METRICS_EINVAL;
    /* another profile: nothing to add up, forced or not */
    for (size_t k = 1; k < n; k++) {
        const char *h = in[k]->meta.profile_sha256,
                   *h0 = in[hashed]->meta.profile_sha256;
        if (!h0) {
            hashed = k;
        } else if (h && strcmp(h, h0) != 0) {
            info->culprit = k;
            metrics__errorf(errbuf, errlen,
                            "'%s' comes from a different profile than "
                            "'%s' (profile sha256 %.12s vs %.12s)",
                            names[k], names[hashed], h, h0);
            return METRICS_EMISMATCH;
        }
    }
    for (size_t k = 0; n > 1 && k < n; k++)
        if (not_a_shard(in, names, k, &lo, &hi, &lo_k, &hi_k, errbuf, errlen)) {
            info->culprit = k;
            info->overridable = true;
            if (!(flags & METRICS_MERGE_FORCE))
                return METRICS_EMISMATCH;
            info->forced = true;
            break;
        }
    if (!info->forced &&
        metrics_shard_parse(in[0]->meta.shard, &si, &sn) == 0) {
        info->shards_of = sn;
        info->shards_have = (unsigned)n;
    }
    w = calloc(n, sizeof(*w));
    if (!w)
        return METRICS_ENOMEM;
    for (size_t k = 0; k < n; k++) {
        w[k].start = (double)in[k]->start_second;
        w[k].end = w[k].start + in[k]->duration_s;
        w[k].users = (double)in[k]->concurrent_users;
        w[k].target_rps = in[k]->meta.target_rps;
        w[k].achieved_rps = in[k]->meta.achieved_rps;
    }
    for (size_t k = 1; k < n && !rc; k++) {
        rc = metrics_results_merge(in[0], in[k]);
        if (rc) {
            info->culprit = k;
            if (rc == METRICS_ERANGE)
                metrics__errorf(errbuf, errlen,
                                "'%s': its counts added to the others' "
                                "would exceed %llu, the most a results "
                                "document holds",
                                names[k],
                                (unsigned long long)METRICS_COUNT_MAX);
            else
                metrics__errorf(errbuf, errlen, "'%s': %s", names[k],
                                metrics_strerror(rc));
        }
    }
    if (!rc && info->forced) {
        spread_over_windows(in[0], w, n);
        /* runs of their own: no one run to name */
        free(in[0]->meta.run_id);
        in[0]->meta.run_id = NULL;
    }
    free(w);
    return rc;
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
