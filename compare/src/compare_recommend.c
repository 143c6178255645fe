/*
 * Recommendations: short advice appended to the results document, numbered
 * later by the reports.  Idempotent: a text already present is not added
 * again (a results file read back from disk already carries its own).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare_internal.h"

#define REC_OK "Performance metrics are within acceptable ranges."
#define NAME_LEN 512
#define P95_LIMIT_MS 1000.0
#define ERROR_RATE_LIMIT 0.05
#define TARGET_SHORTFALL 0.95

struct rec {
    struct metrics_results *r;
    size_t added;
};

static bool has_text(const struct metrics_results *r, const char *text)
{
    for (size_t i = 0; i < r->n_recommendations; i++)
        if (r->recommendations[i] && strcmp(r->recommendations[i], text) == 0)
            return true;
    return false;
}

static int add(struct rec *rc, const char *text)
{
    if (has_text(rc->r, text)) {
        rc->added++; /* still flagged, so no "all fine" line */
        return 0;
    }
    if (metrics_results_add_recommendation(rc->r, text))
        return COMPARE_ENOMEM;
    rc->added++;
    return 0;
}

/* add() of a text printed as compare__printf() prints it, in at most
 * 1199 bytes. */
__attribute__((format(printf, 2, 3))) static int addf(struct rec *rc,
                                                      const char *fmt, ...)
{
    char text[1200];
    va_list ap;

    va_start(ap, fmt);
    compare__vprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    return add(rc, text);
}

/* The error class with most failures, for a hint on where to look. */
static int top_class(const struct metrics_endpoint *ep)
{
    int best = -1;
    uint64_t n = 0;

    for (int c = 0; c < METRICS_ERR__COUNT; c++)
        if (ep->err_class[c] > n) {
            n = ep->err_class[c];
            best = c;
        }
    return best;
}

static int endpoint_recs(struct rec *rc, const struct metrics_endpoint *ep)
{
    char name[NAME_LEN], val[64];
    double v;
    int rv;

    metrics_endpoint_name(ep, name, sizeof(name));
    if (ep->requests == 0) {
        return addf(rc,
                    "%s: no requests completed in the measured window; check "
                    "the scenario's weight and the warm-up.",
                    name);
    }
    if (metrics_value(rc->r, ep, METRICS_STAT_P95, &v) == 0 &&
        v > P95_LIMIT_MS) {
        compare__fmt_value(METRICS_STAT_P95, v, val, sizeof(val));
        if ((rv = addf(
                 rc,
                 "%s: P95 response time is %s (over 1 s); investigate slow "
                 "queries, downstream calls and resource contention on "
                 "this endpoint.",
                 name, val)))
            return rv;
    }
    if (metrics_value(rc->r, ep, METRICS_STAT_ERROR_RATE, &v) == 0 &&
        v > ERROR_RATE_LIMIT) {
        int c = top_class(ep);
        char hint[200] = "";

        compare__fmt_value(METRICS_STAT_ERROR_RATE, v, val, sizeof(val));
        if (c >= 0)
            snprintf(hint, sizeof(hint),
                     "; most failures are %s (%llu of "
                     "%llu)",
                     metrics_errclass_name((enum metrics_errclass)c),
                     (unsigned long long)ep->err_class[c],
                     (unsigned long long)ep->errors);
        if ((rv = addf(rc,
                       "%s: error rate is %s (over 5%%)%s; check the service's "
                       "logs and capacity.",
                       name, val, hint)))
            return rv;
    }
    return 0;
}

static bool is_type(const struct compare_check *c, const char *type)
{
    return c->type && strcmp(c->type, type) == 0;
}

/* A relative check beyond its tolerance by less than min_effect. */
static bool below_min_effect(const struct compare_check *c)
{
    return c->threshold && c->has_measured && c->has_baseline &&
           fabs(c->measured - c->baseline) < c->threshold->min_effect;
}

static bool too_few(const struct compare_check *c)
{
    return c->status == COMPARE_INCONCLUSIVE && is_type(c, COMPARE__T_TOO_FEW);
}

/* One line per threshold whose percentile had too few samples, listing
 * where: "Too few samples for 'p99 < 2s' (p99 needs at least 1000
 * requests): GET /a has 300, ALL has 650; ...". */
static int too_few_rec(struct rec *rc, const struct compare_verdict *v,
                       size_t first)
{
    const struct compare_check *c0 = &v->checks[first];
    const struct compare_threshold *t = c0->threshold;
    char text[1200], part[600];
    size_t used;
    int stat = t ? (int)t->stat : -1;
    bool cut = false;

    compare__printf(text, sizeof(text),
                    "Too few samples for '%s' (%s needs at least %llu "
                    "requests): ",
                    c0->expr ? c0->expr : "?", compare__stat_name(stat),
                    (unsigned long long)compare__samples_needed(
                        compare__stat_percentile(stat)));
    used = strlen(text);
    for (size_t i = first; i < v->n_checks; i++) {
        const struct compare_check *c = &v->checks[i];
        bool in_base;

        if (!too_few(c) || c->threshold != t)
            continue;
        /* the run had enough when the baseline is the short one */
        in_base = c->has_baseline && c->n_baseline < c->n_measured &&
                  c->n_measured >=
                      compare__samples_needed(compare__stat_percentile(stat));
        compare__printf(
            part, sizeof(part), "%s%s%s has %llu", i == first ? "" : ", ",
            in_base ? "the baseline of " : "", c->endpoint ? c->endpoint : "?",
            (unsigned long long)(in_base ? c->n_baseline : c->n_measured));
        if (used + strlen(part) + 120 >= sizeof(text)) {
            cut = true;
            break;
        }
        memcpy(text + used, part, strlen(part) + 1);
        used += strlen(part);
    }
    compare__printf(text + used, sizeof(text) - used,
                    "%s; run longer or with more load, or check a lower "
                    "percentile.",
                    cut ? ", ..." : "");
    return add(rc, text);
}

static int verdict_recs(struct rec *rc, const struct compare_verdict *v)
{
    char delta[32];
    int rv;

    for (size_t i = 0; i < v->n_checks; i++) {
        const struct compare_check *c = &v->checks[i];

        if (too_few(c)) {
            bool seen = false;
            for (size_t k = 0; k < i && !seen; k++)
                seen = too_few(&v->checks[k]) &&
                       v->checks[k].threshold == c->threshold;
            if (!seen && (rv = too_few_rec(rc, v, i)))
                return rv;
        } else if (c->warning && is_type(c, COMPARE__T_WARN)) {
            if ((rv = addf(rc,
                           "%s: '%s' is breached (severity warn, so the "
                           "build goes on): %s",
                           c->endpoint ? c->endpoint : "?",
                           c->expr ? c->expr : "?", c->message)))
                return rv;
        } else if (c->status == COMPARE_PASS && c->warning && c->has_ci &&
                   !below_min_effect(c)) {
            compare__fmt_pct(c->delta_pct, delta, sizeof(delta));
            if ((rv = addf(rc,
                           "%s: '%s' is beyond its tolerance (%s against "
                           "the baseline) but not significant given the "
                           "noise of both runs (p=%.2g, Holm-adjusted "
                           "%.2g), so it passed; rerun or run longer to "
                           "tell a regression from noise.",
                           c->endpoint ? c->endpoint : "?",
                           c->expr ? c->expr : "?", delta, c->p_value,
                           c->p_adjusted)))
                return rv;
        } else if (c->status == COMPARE_PASS && c->warning) {
            compare__fmt_pct(c->delta_pct, delta, sizeof(delta));
            if ((rv = addf(rc,
                           "%s: '%s' is beyond its tolerance (%s against "
                           "the baseline) but the change is below "
                           "min_effect, so it passed; watch it, it may be "
                           "noise or the start of a regression.",
                           c->endpoint ? c->endpoint : "?",
                           c->expr ? c->expr : "?", delta)))
                return rv;
        }
    }
    return 0;
}

/* Endpoints no check looks at on their own; reported only when every
 * threshold names its endpoints, as otherwise every endpoint has one. */
static int unchecked_recs(struct rec *rc, const struct compare_verdict *v)
{
    char name[NAME_LEN];
    int rv;

    if (v->n_checks == 0)
        return 0;
    for (size_t i = 0; i < v->n_checks; i++)
        if (v->checks[i].threshold && !v->checks[i].threshold->endpoint)
            return 0; /* only the load check has no threshold */
    for (size_t i = 0; i < rc->r->n_endpoints; i++) {
        bool found = false;

        metrics_endpoint_name(rc->r->endpoints[i], name, sizeof(name));
        for (size_t k = 0; k < v->n_checks && !found; k++)
            found = v->checks[k].endpoint &&
                    strcmp(v->checks[k].endpoint, name) == 0;
        if (found)
            continue;
        if ((rv = addf(rc,
                       "%s has no check of its own; add a threshold for it "
                       "(endpoint: \"%s\", check: p95 < ...) so that a "
                       "regression there fails the build.",
                       name, name)))
            return rv;
    }
    return 0;
}

static int run_recs(struct rec *rc)
{
    const struct metrics_results *r = rc->r;
    const struct metrics_meta *m = &r->meta;
    char a[64], t[64];
    int rv;

    if (m->target_rps > 0) {
        double achieved = m->achieved_rps;
        if (achieved <= 0 && r->duration_s > 0)
            achieved =
                (double)metrics_results_total_requests(r) / r->duration_s;
        if (achieved < TARGET_SHORTFALL * m->target_rps) {
            compare__fmt_value(METRICS_STAT_RPS, achieved, a, sizeof(a));
            compare__fmt_value(METRICS_STAT_RPS, m->target_rps, t, sizeof(t));
            if ((rv = addf(
                     rc,
                     "Target rate not reached: %s of %s (%.1f%%); the load "
                     "was not what the profile asked for, so the verdict "
                     "is inconclusive. Check the service's capacity and "
                     "the load generator.",
                     a, t, achieved / m->target_rps * 100.0)))
                return rv;
        }
    }
    if (m->saturated &&
        (rv = add(rc, "The load generator was saturated (it could not keep "
                      "its schedule); latencies include client-side delay. "
                      "Give it more CPUs, split the load with --shard I/N, "
                      "or lower the rate.")))
        return rv;
    if (r->partial &&
        (rv = add(rc, "The run was interrupted: the results cover only what "
                      "was measured until then; rerun before trusting the "
                      "verdict.")))
        return rv;
    return 0;
}

/* A stale "all fine" line from an earlier pass contradicts new advice. */
static void drop_ok_line(struct metrics_results *r)
{
    size_t w = 0;

    for (size_t i = 0; i < r->n_recommendations; i++) {
        if (r->recommendations[i] &&
            strcmp(r->recommendations[i], REC_OK) == 0) {
            free(r->recommendations[i]);
            continue;
        }
        r->recommendations[w++] = r->recommendations[i];
    }
    r->n_recommendations = w;
}

int compare_recommend(struct metrics_results *r,
                      const struct compare_verdict *v)
{
    struct rec rc = {r, 0};
    int rv = 0;

    if (!r)
        return COMPARE_EINVAL;
    for (size_t i = 0; i < r->n_endpoints; i++)
        if ((rv = endpoint_recs(&rc, r->endpoints[i])))
            goto out;
    if (v && (rv = verdict_recs(&rc, v)))
        goto out;
    if ((rv = run_recs(&rc)))
        goto out;
    if (v && (rv = unchecked_recs(&rc, v)))
        goto out;
    if (rc.added)
        drop_ok_line(r);
    else if (r->n_recommendations == 0)
        rv = metrics_results_add_recommendation(r, REC_OK) ? COMPARE_ENOMEM : 0;
out:
    return rv;
}

/* The tolerance of a relative threshold and the run's noise, in the same
 * unit: percent of the value, error_rate points, or metric units. */
static int noise_rec(struct rec *rc, const struct compare_check *c,
                     const struct metrics_endpoint *ep)
{
    const struct compare_threshold *t = c->threshold;
    int stat = (int)t->stat;
    double point, lo, hi, half, tol;
    char band[64];

    const struct metrics_endpoint *use;
    struct metrics_endpoint *view = NULL;
    int rv;

    /* a streaming check's noise is its series' (metrics_series_view) */
    if (compare__series_ep(ep, t, &use, &view) != 0)
        return 0; /* out of memory: advice is optional */
    rv = compare__bootstrap_one(use, stat, COMPARE__DRAWS, 0, &point, &lo, &hi);
    metrics_endpoint_free(view);
    if (rv != 0)
        return 0; /* fewer than 10 windows; out of memory: advice is
                     optional */
    half = (hi - lo) / 2;
    tol = fabs(t->tolerance);
    if (t->tolerance_pct) {
        if (!(point > 0))
            return 0;
        half = half / point;
        if (half <= tol)
            return 0;
        snprintf(band, sizeof(band), "±%.0f%%", ceil(half * 100));
    } else if (stat == METRICS_STAT_ERROR_RATE) {
        if (half <= tol)
            return 0;
        snprintf(band, sizeof(band), "±%.2f points", half * 100);
    } else {
        char v[48];
        if (half <= tol)
            return 0;
        compare__fmt_value(stat, half, v, sizeof(v));
        snprintf(band, sizeof(band), "±%s", v);
    }
    return addf(rc,
                "%s: '%s' sits inside this run's noise (%s); widen it or "
                "run longer (loadgate calibrate)",
                c->endpoint ? c->endpoint : "?", c->expr ? c->expr : "?", band);
}

int compare_recommend_noise(struct metrics_results *r,
                            const struct compare_verdict *v)
{
    struct rec rc = {r, 0};
    struct metrics_endpoint *all = NULL;
    int rv = 0;

    if (!r || !v)
        return COMPARE_EINVAL;
    for (size_t i = 0; i < v->n_checks; i++) {
        const struct compare_check *c = &v->checks[i];
        const struct metrics_endpoint *ep;

        if (!c->relative || !c->threshold || !c->has_baseline || !c->endpoint)
            continue;
        if (strcmp(c->endpoint, "ALL") == 0) {
            if (!all && metrics_results_aggregate(r, &all) != 0) {
                rv = COMPARE_ENOMEM;
                goto out;
            }
            ep = all;
        } else {
            ep = metrics_results_find(r, c->endpoint);
        }
        if (ep && (rv = noise_rec(&rc, c, ep)))
            goto out;
    }
    if (rc.added)
        drop_ok_line(r);
out:
    metrics_endpoint_free(all);
    return rv;
}
