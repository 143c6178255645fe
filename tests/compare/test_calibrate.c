/*
 * Calibration from A/A runs (values, drift, within-run noise, suggested
 * tolerance and threshold line) and the recommendation that flags a
 * tolerance inside the run's own noise.  The table: tests/gate.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "compare.h"
#include "compare_fixture.h"
#include "compare_internal.h"

#define N_RUNS 4

static const struct cfx_synth NOISE = {60,  40,   100,  1.0, 0.35,
                                       0.5, 0.05, 0.02, 0,   false};

static void make_runs(struct metrics_results *runs[N_RUNS])
{
    for (size_t i = 0; i < N_RUNS; i++) {
        struct cfx_synth s = NOISE;
        runs[i] = cfx_synth_run(&s, 100 + i);
        /* a second endpoint with a few requests: p99 has too few */
        s.per_window = 2;
        s.base_ms = 20;
        cfx_synth_add(runs[i], "POST", "/y", &s, 200 + i);
    }
}

static double value_of(const struct metrics_results *r, const char *name,
                       enum metrics_stat stat)
{
    struct metrics_endpoint *all = NULL;
    double v = NAN;

    if (strcmp(name, "ALL") == 0) {
        assert_int_equal(metrics_results_aggregate(r, &all), 0);
        assert_int_equal(metrics_value(r, all, stat, &v), 0);
        metrics_endpoint_free(all);
    } else {
        assert_int_equal(
            metrics_value(r, metrics_results_find(r, name), stat, &v), 0);
    }
    return v;
}

static void test_calibrate(void **state)
{
    struct metrics_results *runs[N_RUNS];
    struct compare_calibration *c = NULL;
    static const char *const names[] = {"GET /x", "POST /y", "ALL"};

    (void)state;
    make_runs(runs);
    assert_int_equal(
        compare_calibrate((const struct metrics_results *const *)runs, N_RUNS,
                          &c),
        0);
    assert_int_equal(c->n_runs, N_RUNS);
    assert_int_equal(c->n_endpoints, 3);
    for (size_t e = 0; e < 3; e++) {
        assert_string_equal(c->endpoints[e].name, names[e]);
        for (size_t k = 0; k < COMPARE_CALIB_NSTATS; k++) {
            const struct compare_calibration_metric *m = &c->endpoints[e].m[k];
            double lo = INFINITY, hi = -INFINITY, drift, sugg;
            /* POST /y has 120 requests: p95 needs 200, p99 1000 */
            bool few = e == 1 && (m->stat == METRICS_STAT_P95 ||
                                  m->stat == METRICS_STAT_P99);

            if (few) {
                for (size_t i = 0; i < N_RUNS; i++)
                    assert_true(isnan(m->values[i]));
                assert_true(isnan(m->suggested));
                assert_string_equal(m->line, "");
                continue;
            }
            for (size_t i = 0; i < N_RUNS; i++) {
                double v = value_of(runs[i], names[e], m->stat);
                assert_true(fabs(m->values[i] - v) < 1e-9);
                lo = fmin(lo, v);
                hi = fmax(hi, v);
            }
            drift = m->stat == METRICS_STAT_ERROR_RATE ? (hi - lo) * 100
                                                       : (hi / lo - 1) * 100;
            assert_true(fabs(m->drift_pct - drift) < 1e-9);
            sugg = fmax(1, ceil(1.5 * drift + 1 - 1e-9));
            if (m->stat == METRICS_STAT_RPS)
                sugg = fmin(sugg, 99);
            assert_true(m->suggested == sugg);
            /* never below the drift: no pair would have breached it */
            assert_true(m->suggested >= drift);
            assert_false(isnan(m->noise_pct));
            /* the synthetic runs have the same requests every second */
            if (m->stat == METRICS_STAT_RPS)
                assert_true(m->noise_pct == 0);
            else
                assert_true(m->noise_pct > 0);
            {
                char want[96];
                const char *sn = metrics_stat_name(m->stat);
                if (m->stat == METRICS_STAT_RPS)
                    snprintf(want, sizeof(want), "%s > baseline - %.0f%%", sn,
                             sugg);
                else
                    snprintf(want, sizeof(want), "%s < baseline + %.0f%%", sn,
                             sugg);
                assert_string_equal(m->line, want);
            }
        }
    }
    compare_calibration_free(c);
    compare_calibration_free(NULL);
    c = (struct compare_calibration *)&c;
    assert_int_equal(
        compare_calibrate((const struct metrics_results *const *)runs, 1, &c),
        COMPARE_EINVAL);
    assert_null(c);
    for (size_t i = 0; i < N_RUNS; i++)
        metrics_results_free(runs[i]);
}

/* A 1 % tolerance on a noisy 60-window run sits inside its noise; 50 %
 * does not; absolute checks are never flagged. */
static void test_recommend_noise(void **state)
{
    struct cfx_synth s = NOISE;
    struct metrics_results *base = cfx_synth_run(&s, 1);
    struct metrics_results *run = cfx_synth_run(&s, 2);
    static const char *const flagged[] = {
        "GET /x: 'p95 < baseline + 1%' sits inside this run's noise (±",
        "%); widen it or run longer (loadgate calibrate)"};
    struct compare_threshold t[3];
    struct compare_verdict *v = NULL;

    (void)state;
    cfx_threshold(&t[0], "p95 < baseline + 1%", "GET /x");
    cfx_threshold(&t[1], "avg < baseline + 50%", "GET /x");
    cfx_threshold(&t[2], "p95 < 5s", "GET /x");
    assert_int_equal(compare_evaluate(run, base, t, 3, NULL, &v, NULL, 0), 0);
    assert_int_equal(compare_recommend(run, v), 0);
    cfx_recs(run, "within acceptable ranges", 1);
    assert_int_equal(compare_recommend_noise(run, v), 0);
    for (size_t i = 0; i < sizeof(flagged) / sizeof(flagged[0]); i++)
        cfx_recs(run, flagged[i], 1);
    /* absolute checks and wide tolerances are not */
    cfx_recs(run, "avg < baseline + 50%", 0);
    cfx_recs(run, "p95 < 5s", 0);
    /* the "all fine" line went: it would contradict the advice */
    cfx_recs(run, "within acceptable ranges", 0);
    /* idempotent */
    assert_int_equal(compare_recommend_noise(run, v), 0);
    cfx_recs(run, "sits inside this run's noise", 1);
    assert_int_equal(compare_recommend_noise(NULL, v), COMPARE_EINVAL);
    compare_verdict_free(v);
    for (size_t i = 0; i < 3; i++)
        compare_threshold_release(&t[i]);
    metrics_results_free(base);
    metrics_results_free(run);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_calibrate),
        cmocka_unit_test(test_recommend_noise),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
