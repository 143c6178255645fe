/*
 * Verdicts with power, on synthetic runs with a known truth:
 *  - a 6-second run (75 requests/s, a fine timeline of 100 ms) is judged
 *    over windows of 200 ms: +47 % fails, A/A passes; the same runs with
 *    only their per-second timeline cannot be judged; a 20-minute run
 *    over windows of 3 s;
 *  - A/B runs measured at the same time share the runner's noise: the
 *    paired test sees through it, the unpaired one cannot; at the alpha
 *    of one check in a gate of 9, 30 s of A/B often see +5 %;
 *  - Holm's correction keeps the whole gate's false FAILs within alpha
 *    over many A/A gates of 18 checks, where testing each check at alpha
 *    would not;
 *  - a change as large as a pass's "could have seen" is caught about 80 %
 *    of the time.
 * The measured rates are printed.
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

/* 6 s at 75 requests/s: 60 slots of 100 ms, 7.5 requests each (Poisson),
 * a mild drift of the level (time constant about a second) */
static const struct cfx_synth SHORT = {60,  8,    100, 1.0, 0.35,
                                       0.9, 0.02, 0,   100, true};

/* Drops the fine timeline: the run as an older loadgate recorded it. */
static void drop_fine(struct metrics_results *r)
{
    for (size_t e = 0; e < r->n_endpoints; e++) {
        struct metrics_endpoint *ep = r->endpoints[e];
        for (size_t i = 0; i < ep->n_fine; i++)
            metrics_hist_free(ep->fine[i].hist);
        ep->n_fine = 0;
    }
}

/* The one check of expr on GET /x (min_effect 0 unless keep), copied out
 * (its strings are gone). */
static struct compare_check judge1(const struct metrics_results *run,
                                   const struct metrics_results *base,
                                   const char *expr,
                                   const struct compare_opts *o)
{
    struct compare_threshold t;
    struct compare_verdict *v = NULL;
    struct compare_check c;
    char err[256] = "";

    cfx_threshold(&t, expr, "GET /x");
    t.min_effect = 0;
    if (compare_evaluate(run, base, &t, 1, o, &v, err, sizeof(err)) != 0)
        fail_msg("%s: %s", expr, err);
    assert_int_equal(v->n_checks, 1);
    c = v->checks[0];
    c.endpoint = c.expr = NULL;
    c.threshold = NULL;
    compare_verdict_free(v);
    compare_threshold_release(&t);
    return c;
}

static void test_short_runs(void **state)
{
    const size_t n = 50;
    size_t aa_fail = 0, det = 0, old_inconclusive = 0;
    struct cfx_synth slow = SHORT;
    struct compare_check c;

    (void)state;
    slow.shift = 1.47;
    for (uint64_t seed = 1; seed <= n; seed++) {
        struct metrics_results *b = cfx_synth_run(&SHORT, 10 + seed * 3);
        struct metrics_results *a = cfx_synth_run(&SHORT, 11 + seed * 3);
        struct metrics_results *r = cfx_synth_run(&slow, 12 + seed * 3);

        c = judge1(a, b, "p95 < baseline + 10%", NULL);
        assert_true(c.status == COMPARE_PASS);
        aa_fail += c.status == COMPARE_FAIL;
        c = judge1(r, b, "p95 < baseline + 10%", NULL);
        det += c.status == COMPARE_FAIL;
        if (seed == 1) {
            print_message("6 s, +47%%: %s\n", c.message);
            assert_non_null(strstr(c.message, "windows of 200 ms)"));
        }
        /* the per-second timeline alone: six windows */
        drop_fine(b);
        drop_fine(r);
        c = judge1(r, b, "p95 < baseline + 10%", NULL);
        old_inconclusive += c.status == COMPARE_INCONCLUSIVE;
        if (seed == 1)
            assert_non_null(strstr(c.message, "; 6 + 6 windows, needs 10 "
                                              "each to tell it from noise"));
        metrics_results_free(a);
        metrics_results_free(b);
        metrics_results_free(r);
    }
    print_message("6 s runs, 'p95 < baseline + 10%%': A/A %zu/%zu failed; "
                  "+47%% %zu/%zu failed (per-second windows only: %zu/%zu "
                  "inconclusive)\n",
                  aa_fail, n, det, n, old_inconclusive, n);
    assert_int_equal(aa_fail, 0);
    assert_true(det >= n - 1);
    assert_int_equal(old_inconclusive, n);
}

/* A long run is judged over at most 400 windows (the bootstrap's cost
 * grows with them): 20 minutes in windows of 3 s. */
static void test_long_run(void **state)
{
    static const struct cfx_synth s = {1200, 20,   100, 1.0, 0.35,
                                       0.5,  0.03, 0,   0,   false};
    struct cfx_synth slow = s;
    struct metrics_results *b, *r;
    struct compare_check c;

    (void)state;
    slow.shift = 1.3;
    b = cfx_synth_run(&s, 1);
    r = cfx_synth_run(&slow, 2);
    c = judge1(r, b, "p95 < baseline + 10%", NULL);
    assert_int_equal(c.status, COMPARE_FAIL);
    assert_non_null(strstr(c.message, "; 400 + 400 windows of 3 s)"));
    assert_int_equal(c.window_ms_run, 3000);
    metrics_results_free(b);
    metrics_results_free(r);
}

/* 6 s of A and B at once, 200 requests/s each: the runner's noise (drift
 * of 15 %, time constant about a second) is the same on both sides. */
static const struct cfx_synth PAIR = {60, 20, 100, 1.0, 0.35,
                                      0,  0,  0,   100, true};

/* A and B of s (60 windows) measured at once: a drift of sd (AR(1), phi
 * 0.9) common to both, seeded by drift_seed; B slower by shift. */
static void synth_pair(const struct cfx_synth *s, double sd,
                       uint64_t drift_seed, uint64_t seed, double shift,
                       struct metrics_results **a, struct metrics_results **b)
{
    struct cfx_synth sb = *s;
    double drift[60];

    assert_int_equal(s->n_windows, 60);
    sb.shift = shift;
    cfx_ar1(drift, 60, 0.9, sd * sqrt(1 - 0.81), drift_seed);
    *a = cfx_doc(NULL, 0);
    (*a)->duration_s = s->slot_ms * 60 / 1000.0;
    cfx_synth_add_drift(*a, "GET", "/x", s, seed * 2, drift);
    *b = cfx_doc(NULL, 0);
    (*b)->duration_s = (*a)->duration_s;
    cfx_synth_add_drift(*b, "GET", "/x", &sb, seed * 2 + 1, drift);
}

static void pair_runs(uint64_t seed, double shift, struct metrics_results **a,
                      struct metrics_results **b)
{
    synth_pair(&PAIR, 0.15, seed * 31 + 5, seed, shift, a, b);
}

static void test_paired_power(void **state)
{
    const size_t n = 100;
    struct compare_opts paired = {.alpha = 0.05, .paired = true};
    struct compare_opts unpaired = {.alpha = 0.05};
    size_t aa = 0, det_p = 0, det_u = 0;

    (void)state;
    for (uint64_t seed = 1; seed <= n; seed++) {
        struct metrics_results *a, *b;
        struct compare_check c;

        pair_runs(seed, 1.0, &a, &b);
        c = judge1(b, a, "p95 < baseline", &paired);
        aa += c.status == COMPARE_FAIL;
        metrics_results_free(a);
        metrics_results_free(b);

        pair_runs(seed + 1000, 1.10, &a, &b);
        c = judge1(b, a, "p95 < baseline", &paired);
        det_p += c.status == COMPARE_FAIL;
        if (seed == 1) {
            print_message("paired +10%%: %s\n", c.message);
            assert_non_null(strstr(c.message, "60 paired windows of 100 ms"));
            assert_true(c.windows_run == 60 && c.windows_base == 60);
        }
        c = judge1(b, a, "p95 < baseline", &unpaired);
        det_u += c.status == COMPARE_FAIL;
        metrics_results_free(a);
        metrics_results_free(b);
    }
    print_message("A/B with common noise, 'p95 < baseline' at alpha 5%%: A/A "
                  "%zu/%zu failed; +10%% failed paired %zu/%zu, unpaired "
                  "%zu/%zu\n",
                  aa, n, det_p, n, det_u, n);
    assert_true(aa <= 10);
    assert_true(det_p >= 70);
    assert_true(det_p >= det_u + 30);
    /* the public test says the same */
    {
        struct metrics_results *a, *b;
        struct compare_test tp, tu;

        pair_runs(1001, 1.10, &a, &b);
        assert_int_equal(compare_test_ratio(b->endpoints[0], a->endpoints[0],
                                            METRICS_STAT_P95, COMPARE_LT, true,
                                            &tp),
                         0);
        assert_int_equal(compare_test_ratio(b->endpoints[0], a->endpoints[0],
                                            METRICS_STAT_P95, COMPARE_LT, false,
                                            &tu),
                         0);
        assert_true(tp.paired && !tu.paired);
        assert_true(tp.se_log < tu.se_log);
        assert_true(tp.ratio > 1.0);
        metrics_results_free(a);
        metrics_results_free(b);
    }
}

/* 30 s of A and B at once in slots of 500 ms (the fine timeline of a 30 s
 * run), about 140 requests a slot: the runner's drift common to both, and
 * a little of each side's own that does not cancel. */
static const struct cfx_synth DUET = {60,  140,  40, 1.0, 0.33,
                                      0.5, 0.02, 0,  500, true};

static void duet_runs(uint64_t seed, double shift, struct metrics_results **a,
                      struct metrics_results **b)
{
    synth_pair(&DUET, 0.10, seed * 37 + 11, seed, shift, a, b);
}

/*
 * The paired test at the alpha one check gets in a gate: 1 % over 9
 * relative checks (Holm's smallest p).  Its critical value is set by the
 * degrees of freedom of the standard error, so the ratio is judged in
 * blocks of 3 windows and 5 to 20 batches (a run alone: 5 and 10): in
 * this noise +5 % fails about half the time (with blocks of 5 and 10
 * batches, as a run alone is judged, 30 in 100), and A/A at 5 % stays
 * within 5 %.
 */
static void test_paired_gate_alpha(void **state)
{
    const size_t n = 100, n_aa = 200;
    struct compare_opts gate = {.alpha = COMPARE_ALPHA / 9, .paired = true};
    struct compare_opts loose = {.alpha = 0.05, .paired = true};
    size_t det = 0, aa = 0;

    (void)state;
    for (uint64_t seed = 1; seed <= n; seed++) {
        struct metrics_results *a, *b;
        struct compare_check c;

        duet_runs(seed, 1.05, &a, &b);
        c = judge1(b, a, "p95 < baseline", &gate);
        det += c.status == COMPARE_FAIL;
        if (seed == 1) {
            print_message("paired +5%%, 30 s: %s\n", c.message);
            assert_non_null(strstr(c.message, "60 paired windows of 500 ms"));
        }
        metrics_results_free(a);
        metrics_results_free(b);
    }
    for (uint64_t seed = 1; seed <= n_aa; seed++) {
        struct metrics_results *a, *b;

        duet_runs(seed + 5000, 1.0, &a, &b);
        aa += judge1(b, a, "p95 < baseline", &loose).status == COMPARE_FAIL;
        metrics_results_free(a);
        metrics_results_free(b);
    }
    print_message("30 s A/B: +5%% failed %zu/%zu at alpha %.5f; A/A failed "
                  "%zu/%zu at alpha 5%%\n",
                  det, n, gate.alpha, aa, n_aa);
    assert_true(det >= 45);
    /* 5 % of 200, and 2 standard errors of slack */
    assert_true(aa <= 16);
}

/* Too few windows both have at once: the paired test says so. */
static void test_paired_too_few(void **state)
{
    struct cfx_synth s = PAIR;
    struct metrics_results *a, *b;
    struct compare_opts paired = {.paired = true};
    struct compare_check c;

    (void)state;
    s.n_windows = 8;
    s.shift = 2;
    a = cfx_synth_run(&PAIR, 1);
    b = cfx_synth_run(&s, 2);
    c = judge1(b, a, "p50 < baseline", &paired);
    assert_int_equal(c.status, COMPARE_INCONCLUSIVE);
    assert_non_null(strstr(c.message, "; 8 paired windows, needs 10"));
    metrics_results_free(a);
    metrics_results_free(b);
}

/* 8 endpoints of 30 s at 20 requests/s, a little drift */
static const struct cfx_synth GATE_EP = {30,  20,   50, 1.0, 0.4,
                                         0.5, 0.03, 0,  0,   false};

static void test_holm_gates(void **state)
{
    const size_t gates = 200, eps = 8;
    struct compare_threshold t[2];
    size_t failed = 0, raw = 0, m_seen = 0;

    (void)state;
    cfx_threshold(&t[0], "p95 < baseline", NULL);
    cfx_threshold(&t[1], "avg < baseline", NULL);
    t[0].min_effect = t[1].min_effect = 0;
    for (uint64_t g = 1; g <= gates; g++) {
        struct metrics_results *b = cfx_doc(NULL, 0), *r = cfx_doc(NULL, 0);
        struct compare_verdict *v = NULL;
        size_t idx[32], m = 0;
        bool any_raw = false;
        double run_max = 0;
        char path[16];

        b->duration_s = r->duration_s = 30;
        for (size_t e = 0; e < eps; e++) {
            snprintf(path, sizeof(path), "/e%zu", e);
            cfx_synth_add(b, "GET", path, &GATE_EP, g * 100 + e * 2);
            cfx_synth_add(r, "GET", path, &GATE_EP, g * 100 + e * 2 + 1);
        }
        assert_int_equal(compare_evaluate(r, b, t, 2, NULL, &v, NULL, 0), 0);
        failed += v->n_fail > 0;
        for (size_t i = 0; i < v->n_checks; i++) {
            const struct compare_check *c = &v->checks[i];
            if (!c->has_ci)
                continue;
            assert_true(m < 32);
            idx[m++] = i;
            assert_true(c->p_adjusted >= c->p_value);
            any_raw = any_raw || c->p_value < COMPARE_ALPHA;
            assert_int_equal(c->significant, c->p_adjusted < COMPARE_ALPHA);
            assert_non_null(strstr(c->detail, "; Holm-adjusted over 18 "
                                              "relative checks: "));
        }
        /* Holm's step-down, recomputed: sorted by p, the running maximum
         * of (m - k) p */
        for (size_t i = 1; i < m; i++)
            for (size_t j = i; j > 0 && v->checks[idx[j - 1]].p_value >
                                            v->checks[idx[j]].p_value;
                 j--) {
                size_t x = idx[j];
                idx[j] = idx[j - 1];
                idx[j - 1] = x;
            }
        for (size_t k = 0; k < m; k++) {
            const struct compare_check *c = &v->checks[idx[k]];
            run_max = fmax(run_max, fmin(1, (double)(m - k) * c->p_value));
            assert_true(fabs(c->p_adjusted - run_max) < 1e-12);
        }
        m_seen = m;
        raw += any_raw;
        compare_verdict_free(v);
        metrics_results_free(b);
        metrics_results_free(r);
    }
    print_message("%zu A/A gates of %zu relative checks, tolerance 0: %zu "
                  "failed with Holm (alpha %.0f%% for the gate); %zu would "
                  "have with each check at alpha\n",
                  gates, m_seen, failed, COMPARE_ALPHA * 100, raw);
    assert_int_equal(m_seen, 2 * (eps + 1));
    /* at most 1 in 100, and 2 standard errors of slack: 200 gates */
    assert_true(failed <= 4);
    assert_true(raw >= 3 * failed + 10);
    compare_threshold_release(&t[0]);
    compare_threshold_release(&t[1]);
}

/* A pass's "could have seen": a change that large fails about 80 % of the
 * time (the power it is computed for). */
static void test_mde_power(void **state)
{
    static const struct cfx_synth s = {60,  40,   100, 1.0, 0.35,
                                       0.5, 0.03, 0,   0,   false};
    struct cfx_synth slow = s;
    const size_t n = 100;
    double mde = 0;
    size_t det = 0, passed = 0;

    (void)state;
    for (uint64_t seed = 1; seed <= 20; seed++) {
        struct metrics_results *b = cfx_synth_run(&s, seed * 2);
        struct metrics_results *r = cfx_synth_run(&s, seed * 2 + 1);
        struct compare_check c = judge1(r, b, "p95 < baseline", NULL);
        if (c.status == COMPARE_PASS) { /* A/A: nearly always */
            assert_true(c.has_mde);
            mde += c.mde_pct;
            passed++;
        }
        metrics_results_free(b);
        metrics_results_free(r);
    }
    assert_true(passed >= 18);
    mde /= (double)passed;
    slow.shift = 1 + mde / 100;
    for (uint64_t seed = 1; seed <= n; seed++) {
        struct metrics_results *b = cfx_synth_run(&s, 5000 + seed * 2);
        struct metrics_results *r = cfx_synth_run(&slow, 5001 + seed * 2);
        det += judge1(r, b, "p95 < baseline", NULL).status == COMPARE_FAIL;
        metrics_results_free(b);
        metrics_results_free(r);
    }
    print_message("could have seen +%.1f%% on average; +%.1f%% failed "
                  "%zu/%zu\n",
                  mde, mde, det, n);
    assert_true(mde > 0);
    assert_true(det >= 60 && det <= 97);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_short_runs),
        cmocka_unit_test(test_long_run),
        cmocka_unit_test(test_paired_power),
        cmocka_unit_test(test_paired_too_few),
        cmocka_unit_test(test_paired_gate_alpha),
        cmocka_unit_test(test_holm_gates),
        cmocka_unit_test(test_mde_power),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
