/*
 * What the page and /metrics show of a moment: per-endpoint numbers from
 * a results document, the thresholds' state from a verdict (with the
 * breach streaks of sustained ones), and the snapshot JSON.
 */
#include <fnmatch.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "live_internal.h"

const uint64_t live__le_us[LIVE__N_LE] = {
    500,    1000,   2500,    5000,    10000,   25000,    50000,   100000,
    250000, 500000, 1000000, 2500000, 5000000, 10000000, 30000000};

static void ep_release(struct live__ep *e)
{
    free(e->name);
    memset(e, 0, sizeof(*e));
}

static void th_release(struct live__th *t)
{
    free(t->expr);
    free(t->scope);
    free(t->status);
    free(t->message);
    memset(t, 0, sizeof(*t));
}

void live__view_release(struct live__view *v)
{
    for (size_t i = 0; i < v->n_eps; i++)
        ep_release(&v->eps[i]);
    free(v->eps);
    ep_release(&v->all);
    for (size_t i = 0; i < v->n_ths; i++)
        th_release(&v->ths[i]);
    free(v->ths);
    free(v->verdict);
    free(v->line);
    free(v->error);
    memset(v, 0, sizeof(*v));
}

/* ---- endpoints ------------------------------------------------------------
 */

static double value_or(const struct metrics_results *r,
                       const struct metrics_endpoint *ep, enum metrics_stat s,
                       double dflt)
{
    double v;

    return metrics_value(r, ep, s, &v) == 0 ? v : dflt;
}

/* The whole seconds of ep's timeline: all of it, or all but the newest
 * point, which may still be filling. */
static size_t whole_points(const struct metrics_endpoint *ep,
                           bool complete_tail)
{
    if (complete_tail || ep->n_timeline == 0)
        return ep->n_timeline;
    return ep->n_timeline - 1;
}

static int fill_ep(struct live__ep *e, const struct metrics_results *r,
                   const struct metrics_endpoint *ep, const char *name,
                   bool complete_tail, const struct metrics_results *baseline)
{
    const struct metrics_hist *h = ep->hist;
    size_t whole = whole_points(ep, complete_tail);

    memset(e, 0, sizeof(*e));
    if (!(e->name = strdup(name)))
        return LIVE_ENOMEM;
    e->requests = ep->requests;
    e->errors = ep->errors;
    memcpy(e->err_class, ep->err_class, sizeof(e->err_class));
    e->n_lat = h ? metrics_hist_count(h) : 0;
    e->sum_s = h ? metrics_hist_mean(h) * (double)e->n_lat / 1e6 : 0;
    for (size_t i = 0; i < LIVE__N_LE; i++)
        e->le[i] = h ? metrics_hist_count_le(h, live__le_us[i]) : 0;
    e->p50_ms = value_or(r, ep, METRICS_STAT_P50, -1);
    e->p95_ms = value_or(r, ep, METRICS_STAT_P95, -1);
    e->p99_ms = value_or(r, ep, METRICS_STAT_P99, -1);
    e->rps_now = -1;
    e->p95_now = -1;
    if (whole > 0) {
        const struct metrics_point *pt = &ep->timeline[whole - 1];
        e->rps_now = (double)pt->requests;
        if (pt->hist && metrics_hist_count(pt->hist) > 0)
            e->p95_now = (double)metrics_hist_percentile(pt->hist, 95) / 1e3;
    }
    const struct metrics_endpoint *b =
        baseline ? metrics_results_find(baseline, name) : NULL;
    struct metrics_endpoint *ball = NULL;
    if (baseline && !b && strcmp(name, "ALL") == 0 &&
        metrics_results_aggregate(baseline, &ball) == 0)
        b = ball;
    if (b) {
        e->has_base = true;
        e->b_p50 = value_or(baseline, b, METRICS_STAT_P50, -1);
        e->b_p95 = value_or(baseline, b, METRICS_STAT_P95, -1);
        e->b_p99 = value_or(baseline, b, METRICS_STAT_P99, -1);
        e->b_error_rate = value_or(baseline, b, METRICS_STAT_ERROR_RATE, -1);
        e->b_rps = value_or(baseline, b, METRICS_STAT_RPS, -1);
    }
    metrics_endpoint_free(ball);
    return 0;
}

int live__view_endpoints(struct live__view *v, const struct metrics_results *r,
                         bool complete_tail,
                         const struct metrics_results *baseline)
{
    struct metrics_endpoint *all = NULL;
    char name[1024];
    int rc;

    if (r->n_endpoints == 0)
        return 0;
    v->eps = calloc(r->n_endpoints, sizeof(*v->eps));
    if (!v->eps)
        return LIVE_ENOMEM;
    for (size_t i = 0; i < r->n_endpoints; i++) {
        metrics_endpoint_name(r->endpoints[i], name, sizeof(name));
        if ((rc = fill_ep(&v->eps[i], r, r->endpoints[i], name, complete_tail,
                          baseline)))
            return rc;
        v->n_eps = i + 1;
    }
    if (metrics_results_aggregate(r, &all))
        return LIVE_ENOMEM;
    rc = fill_ep(&v->all, r, all, "ALL", complete_tail, baseline);
    metrics_endpoint_free(all);
    return rc;
}

/* ---- thresholds -----------------------------------------------------------
 */

/* How close a check is to its limit (1: at it), to show the tightest of
 * equals; 0 when it cannot tell. */
static double closeness(const struct compare_check *c)
{
    if (!c->has_measured || !c->has_limit)
        return 0;
    if (c->threshold &&
        (c->threshold->op == COMPARE_GT || c->threshold->op == COMPARE_GE))
        return c->measured > 0 ? c->limit / c->measured : 0;
    return c->limit > 0 ? c->measured / c->limit : 0;
}

static int rank(const struct compare_check *c)
{
    return compare_status_rank(c->status, c->warning);
}

/* Is the limit breached in the 1-second window pt? */
static bool window_breached(const struct metrics_point *pt,
                            const struct compare_threshold *t, double limit)
{
    struct metrics_results one = {.duration_s = 1};
    struct metrics_endpoint w = {
        .hist = pt->hist, .requests = pt->requests, .errors = pt->errors};
    double v;

    if (metrics_value(&one, &w, t->stat, &v) != 0)
        return false; /* nothing seen that second: not a breach */
    switch (t->op) {
    case COMPARE_LT:
        return !(v < limit);
    case COMPARE_LE:
        return !(v <= limit);
    case COMPARE_GT:
        return !(v > limit);
    case COMPARE_GE:
        return !(v >= limit);
    }
    return false;
}

/* The breach running at the end of ep's timeline, and the longest one, in
 * consecutive seconds (compare_sustained_breach's windows). */
static void streaks(const struct metrics_endpoint *ep,
                    const struct compare_threshold *t, double limit,
                    unsigned *now, unsigned *longest)
{
    unsigned run = 0;
    int64_t prev = 0;

    for (size_t i = 0; ep && i < ep->n_timeline; i++) {
        const struct metrics_point *pt = &ep->timeline[i];

        if (!window_breached(pt, t, limit))
            run = 0;
        else
            run = run > 0 && pt->second == prev + 1 ? run + 1 : 1;
        prev = pt->second;
        if (run > *longest)
            *longest = run;
    }
    if (run > *now)
        *now = run;
}

static char *scope_of(const struct compare_threshold *t)
{
    return strdup(t->endpoint ? t->endpoint : "every endpoint");
}

int live__view_thresholds(struct live__view *v,
                          const struct compare_threshold *ths, size_t n,
                          const struct compare_verdict *verdict,
                          const struct metrics_results *r)
{
    struct metrics_endpoint *all = NULL;
    int rc = 0;

    if (n == 0)
        return 0;
    if (!(v->ths = calloc(n, sizeof(*v->ths))))
        return LIVE_ENOMEM;
    v->n_ths = n;
    for (size_t i = 0; i < n && !rc; i++) {
        const struct compare_threshold *t = &ths[i];
        struct live__th *s = &v->ths[i];
        const struct compare_check *worst = NULL;

        s->expr = strdup(t->expr ? t->expr : "?");
        s->scope = scope_of(t);
        s->warn_only = t->warn_only;
        s->abort_run = t->abort_run;
        s->for_s = t->for_s;
        for (size_t k = 0; verdict && k < verdict->n_checks; k++) {
            const struct compare_check *c = &verdict->checks[k];
            const struct metrics_endpoint *ep;

            if (c->threshold != t)
                continue;
            s->n_checks++;
            s->n_fail += c->status == COMPARE_FAIL;
            if (!worst || rank(c) > rank(worst) ||
                (rank(c) == rank(worst) && closeness(c) > closeness(worst)))
                worst = c;
            if (t->for_s <= 0 || !c->has_limit || !r)
                continue;
            ep = metrics_results_find(r, c->endpoint);
            if (!ep && strcmp(c->endpoint, "ALL") == 0) {
                if (!all && metrics_results_aggregate(r, &all))
                    rc = LIVE_ENOMEM;
                ep = all;
            }
            streaks(ep, t, c->limit, &s->streak_s, &s->longest_s);
        }
        s->status =
            strdup(worst ? compare_status_str(worst->status) : "WAITING");
        s->warning = worst && worst->warning;
        if (worst) {
            size_t size = strlen(worst->endpoint) + strlen(worst->message) + 3;
            if ((s->message = malloc(size)))
                snprintf(s->message, size, "%s: %s", worst->endpoint,
                         worst->message);
        } else {
            s->message = strdup("no data yet");
        }
        if (!s->expr || !s->scope || !s->status || !s->message)
            rc = LIVE_ENOMEM;
    }
    metrics_endpoint_free(all);
    return rc;
}

/* Is the endpoint a threshold names (a name or a pattern) in r yet? */
static bool named_in(const struct metrics_results *r, const char *endpoint)
{
    char name[1024];

    if (!endpoint || strcmp(endpoint, "ALL") == 0)
        return true;
    for (size_t i = 0; i < r->n_endpoints; i++) {
        metrics_endpoint_name(r->endpoints[i], name, sizeof(name));
        if (strcmp(name, endpoint) == 0 || fnmatch(endpoint, name, 0) == 0)
            return true;
    }
    return false;
}

int live__evaluate(struct live__view *v, const struct compare_threshold *ths,
                   size_t n, const struct metrics_results *r,
                   const struct metrics_results *baseline)
{
    struct compare_verdict *verdict = NULL;
    struct compare_opts opts = {0};
    struct compare_threshold *known = NULL;
    size_t n_known = 0;
    char err[512];
    int rc;

    if (n == 0)
        return 0;
    if (!r) /* nothing measured yet */
        return live__view_thresholds(v, ths, n, NULL, NULL);
    rc = compare_evaluate(r, baseline, ths, n, &opts, &verdict, err,
                          sizeof(err));
    if (rc == COMPARE_EUNKNOWN) {
        /* an endpoint not requested yet: judge the others meanwhile */
        if (!(known = calloc(n, sizeof(*known))))
            return LIVE_ENOMEM;
        for (size_t i = 0; i < n; i++)
            if (named_in(r, ths[i].endpoint))
                known[n_known++] = ths[i];
        rc = n_known ? compare_evaluate(r, baseline, known, n_known, &opts,
                                        &verdict, err, sizeof(err))
                     : 0;
        /* the checks point into known: back to ths */
        for (size_t k = 0; rc == 0 && verdict && k < verdict->n_checks; k++) {
            const struct compare_threshold *t = verdict->checks[k].threshold;
            for (size_t i = 0; i < n; i++)
                if (t && t->expr == ths[i].expr &&
                    t->endpoint == ths[i].endpoint)
                    verdict->checks[k].threshold = &ths[i];
        }
    }
    if (rc == COMPARE_ENOMEM) {
        free(known);
        return LIVE_ENOMEM;
    }
    rc = live__view_thresholds(v, ths, n, rc == 0 ? verdict : NULL, r);
    compare_verdict_free(verdict);
    free(known);
    return rc;
}

/* ---- the snapshot document ----------------------------------------------- */

/* A number, or null for "not known" (negative). */
static json_t *num(double x)
{
    return x >= 0 && isfinite(x) ? json_real(x) : json_null();
}

static json_t *ep_json(const struct live__ep *e)
{
    json_t *o = json_object(), *cls = json_object();

    if (!o || !cls) {
        json_decref(o);
        json_decref(cls);
        return NULL;
    }
    for (int c = 0; c < METRICS_ERR__COUNT; c++)
        if (e->err_class[c])
            json_object_set_new(cls, metrics_errclass_name(c),
                                json_integer((json_int_t)e->err_class[c]));
    json_object_set_new(o, "name", json_string(e->name ? e->name : ""));
    json_object_set_new(o, "requests", json_integer((json_int_t)e->requests));
    json_object_set_new(o, "errors", json_integer((json_int_t)e->errors));
    json_object_set_new(o, "p50", num(e->p50_ms));
    json_object_set_new(o, "p95", num(e->p95_ms));
    json_object_set_new(o, "p99", num(e->p99_ms));
    json_object_set_new(o, "rps", num(e->rps_now));
    json_object_set_new(o, "classes", cls);
    if (e->has_base)
        json_object_set_new(
            o, "base",
            json_pack("{s:o,s:o,s:o,s:o,s:o}", "p50", num(e->b_p50), "p95",
                      num(e->b_p95), "p99", num(e->b_p99), "error_rate",
                      num(e->b_error_rate), "rps", num(e->b_rps)));
    return o;
}

static json_t *th_json(const struct live__th *t)
{
    return json_pack("{s:s,s:s,s:s,s:s,s:b,s:b,s:b,s:f,s:I,s:I,s:I,s:I}",
                     "expr", t->expr, "scope", t->scope, "status", t->status,
                     "message", t->message, "warning", t->warning, "warn_only",
                     t->warn_only, "abort", t->abort_run, "for", t->for_s,
                     "streak", (json_int_t)t->streak_s, "longest",
                     (json_int_t)t->longest_s, "checks",
                     (json_int_t)t->n_checks, "failing", (json_int_t)t->n_fail);
}

json_t *live__view_json(const struct live__view *v, const char *title,
                        const char *baseline_name, json_t *points)
{
    json_t *o = json_object(), *eps = json_array(), *ths = json_array();
    const char *phase = v->finished        ? "done"
                        : v->stopping      ? "stopping"
                        : v->warming_up    ? "warm-up"
                        : v->elapsed_s > 0 ? "running"
                                           : "starting";

    if (!o || !eps || !ths) {
        json_decref(o);
        json_decref(eps);
        json_decref(ths);
        json_decref(points);
        return NULL;
    }
    for (size_t i = 0; i < v->n_eps; i++)
        json_array_append_new(eps, ep_json(&v->eps[i]));
    for (size_t i = 0; i < v->n_ths; i++)
        json_array_append_new(ths, th_json(&v->ths[i]));
    json_object_set_new(o, "title", json_string(title ? title : "loadgate"));
    json_object_set_new(o, "phase", json_string(phase));
    json_object_set_new(o, "elapsed", json_real(v->elapsed_s));
    json_object_set_new(o, "users", json_integer(v->users));
    json_object_set_new(o, "target_rps", json_real(v->target_rps));
    json_object_set_new(o, "rps", json_real(v->rps));
    json_object_set_new(o, "requests", json_integer((json_int_t)v->requests));
    json_object_set_new(o, "errors", json_integer((json_int_t)v->errors));
    json_object_set_new(o, "baseline",
                        baseline_name ? json_string(baseline_name)
                                      : json_null());
    json_object_set_new(o, "endpoints", eps);
    json_object_set_new(o, "all", v->all.name ? ep_json(&v->all) : json_null());
    json_object_set_new(o, "thresholds", ths);
    json_object_set_new(o, "points", points ? points : json_array());
    if (v->finished)
        json_object_set_new(o, "verdict",
                            json_pack("{s:s,s:i,s:s?,s:s?,s:b,s:b}", "status",
                                      v->verdict ? v->verdict : "ERROR",
                                      "exit_code", v->exit_code, "line",
                                      v->line, "error", v->error, "report",
                                      v->has_report, "partial", v->partial));
    else
        json_object_set_new(o, "verdict", json_null());
    return o;
}
