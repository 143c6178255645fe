/*
 * Calibration: how far do two runs of the same build drift on this runner?
 * From A/A runs of one profile, per endpoint and metric: the values, the
 * largest pairwise difference (drift), the within-run noise by the window
 * bootstrap, and the smallest tolerance no pair would have breached, with
 * a safety margin because a handful of runs understates the drift.
 * gate_calibration_write() renders the table.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare_internal.h"

#define NAME_LEN 1024

static const enum metrics_stat calib_stats[COMPARE_CALIB_NSTATS] = {
    METRICS_STAT_P50, METRICS_STAT_P95, METRICS_STAT_P99,
    METRICS_STAT_AVG, METRICS_STAT_RPS, METRICS_STAT_ERROR_RATE};

/* The value of stat, or NAN when absent or from too few samples. */
static double usable_value(const struct metrics_results *r,
                           const struct metrics_endpoint *ep, int stat)
{
    uint64_t need = compare__samples_needed(compare__stat_percentile(stat));
    uint64_t n;
    double v;

    if (!ep || ep->requests == 0)
        return NAN;
    n = compare__stat_is_time(stat) && ep->hist ? metrics_hist_count(ep->hist)
                                                : ep->requests;
    if (compare__stat_is_time(stat) && n == 0)
        n = ep->requests; /* imported: summary numbers only */
    if (need && n < need)
        return NAN;
    if (metrics_value(r, ep, (enum metrics_stat)stat, &v) != 0 || !isfinite(v))
        return NAN;
    return v;
}

/* Within-run 95 % half-width, percent of the value (error_rate: points). */
static double noise_of(const struct metrics_endpoint *ep, int stat)
{
    double point, lo, hi;

    if (!ep || compare__bootstrap_one(ep, stat, COMPARE__DRAWS, 0, &point, &lo,
                                      &hi) != 0)
        return NAN; /* fewer than 10 windows (or out of memory) */
    if (stat == METRICS_STAT_ERROR_RATE)
        return (hi - lo) / 2 * 100;
    return point > 0 ? (hi - lo) / 2 / point * 100 : NAN;
}

static void fill_metric(struct compare_calibration_metric *m, size_t n)
{
    double lo = INFINITY, hi = -INFINITY;
    const char *name = compare__stat_name((int)m->stat);

    m->n_usable = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(m->values[i])) {
            m->n_usable++;
            lo = fmin(lo, m->values[i]);
            hi = fmax(hi, m->values[i]);
        }
    m->drift_pct = NAN;
    m->suggested = NAN;
    m->line[0] = '\0';
    if (m->n_usable < 2)
        return;
    if (m->stat == METRICS_STAT_ERROR_RATE)
        m->drift_pct = (hi - lo) * 100; /* percentage points */
    else if (lo > 0)
        m->drift_pct = (hi / lo - 1) * 100;
    else
        return; /* a zero can't anchor a relative tolerance */
    /* The margin: half again the drift seen, plus one point. */
    m->suggested = ceil(1.5 * m->drift_pct + 1 - 1e-9);
    if (m->suggested < 1)
        m->suggested = 1;
    if (m->stat == METRICS_STAT_RPS) {
        if (m->suggested > 99)
            m->suggested = 99;
        snprintf(m->line, sizeof(m->line), "%s > baseline - %.0f%%", name,
                 m->suggested);
    } else {
        snprintf(m->line, sizeof(m->line), "%s < baseline + %.0f%%", name,
                 m->suggested);
    }
}

void compare_calibration_free(struct compare_calibration *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n_endpoints; i++) {
        free(c->endpoints[i].name);
        for (size_t k = 0; k < COMPARE_CALIB_NSTATS; k++)
            free(c->endpoints[i].m[k].values);
    }
    free(c->endpoints);
    free(c);
}

int compare_calibrate(const struct metrics_results *const *runs, size_t n,
                      struct compare_calibration **out)
{
    struct compare_calibration *c = NULL;
    struct metrics_endpoint **all = NULL;
    char name[NAME_LEN];
    size_t ne;
    int rc = 0;

    if (!out)
        return COMPARE_EINVAL;
    *out = NULL;
    if (!runs || n < 2)
        return COMPARE_EINVAL;
    for (size_t i = 0; i < n; i++)
        if (!runs[i])
            return COMPARE_EINVAL;
    ne = runs[0]->n_endpoints + 1;
    c = calloc(1, sizeof(*c));
    all = calloc(n, sizeof(*all));
    if (!c || !all) {
        rc = COMPARE_ENOMEM;
        goto out;
    }
    c->n_runs = n;
    c->endpoints = calloc(ne, sizeof(*c->endpoints));
    if (!c->endpoints) {
        rc = COMPARE_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        if (metrics_results_aggregate(runs[i], &all[i]) != 0) {
            rc = COMPARE_ENOMEM;
            goto out;
        }
    for (size_t e = 0; e < ne; e++) {
        struct compare_calibration_endpoint *ce = &c->endpoints[e];
        bool is_all = e == ne - 1;

        c->n_endpoints = e + 1;
        if (is_all)
            snprintf(name, sizeof(name), "ALL");
        else
            metrics_endpoint_name(runs[0]->endpoints[e], name, sizeof(name));
        ce->name = strdup(name);
        if (!ce->name) {
            rc = COMPARE_ENOMEM;
            goto out;
        }
        for (size_t k = 0; k < COMPARE_CALIB_NSTATS; k++) {
            struct compare_calibration_metric *m = &ce->m[k];
            int stat = (int)calib_stats[k];

            m->stat = calib_stats[k];
            m->values = malloc(n * sizeof(*m->values));
            if (!m->values) {
                rc = COMPARE_ENOMEM;
                goto out;
            }
            m->noise_pct = NAN;
            for (size_t i = 0; i < n; i++) {
                const struct metrics_endpoint *ep =
                    is_all ? all[i] : metrics_results_find(runs[i], name);
                double noise;

                m->values[i] = usable_value(runs[i], ep, stat);
                if (isnan(m->values[i]))
                    continue;
                noise = noise_of(ep, stat);
                if (!isnan(noise) &&
                    (isnan(m->noise_pct) || noise > m->noise_pct))
                    m->noise_pct = noise;
            }
            fill_metric(m, n);
        }
    }
    *out = c;
    c = NULL;
out:
    if (all)
        for (size_t i = 0; i < n; i++)
            metrics_endpoint_free(all[i]);
    free(all);
    compare_calibration_free(c);
    return rc;
}
