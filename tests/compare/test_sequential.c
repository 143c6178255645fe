/*
 * Sequential verdicts (--until-decided): the group-sequential boundaries
 * against published values, their error rate on simulated Brownian looks,
 * and the whole procedure on synthetic A/A streams (the false FAIL rate
 * over every look stays within alpha) and on a clear regression (decided
 * within few looks); the verdict takes its decisions.
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

/* Lan-DeMets spending, five equally spaced looks, one-sided 2.5 %: the
 * boundaries every group-sequential package prints (gsDesign, ldbounds). */
static void test_boundaries(void **state)
{
    static const double obf[5] = {4.8769, 3.3569, 2.6803, 2.2898, 2.0310};
    static const double pocock[5] = {2.4380, 2.4268, 2.4101, 2.3966, 2.3859};

    (void)state;
    for (int sp = 0; sp < 2; sp++) {
        struct compare__gs g;
        const double *want = sp ? pocock : obf;

        memset(&g, 0, sizeof(g));
        g.spending = sp ? COMPARE_SPEND_POCOCK : COMPARE_SPEND_OBF;
        g.alpha = 0.025;
        for (int k = 0; k < 5; k++) {
            double c;
            assert_int_equal(compare__gs_look(&g, (k + 1) / 5.0, &c), 0);
            if (fabs(c - want[k]) > 0.002)
                fail_msg("%s look %d: boundary %.4f, want %.4f",
                         sp ? "Pocock" : "OBF", k + 1, c, want[k]);
        }
        assert_true(fabs(g.spent - 0.025) < 1e-12);
        /* t must grow */
        {
            double c;
            assert_int_equal(compare__gs_look(&g, 1.0, &c), COMPARE_EINVAL);
        }
        compare__gs_release(&g);
    }
    /* spending functions: nothing at 0, alpha at 1 */
    assert_true(compare__gs_spend(COMPARE_SPEND_OBF, 0.05, 0) == 0);
    assert_true(fabs(compare__gs_spend(COMPARE_SPEND_OBF, 0.05, 1) - 0.05) <
                1e-15);
    assert_true(fabs(compare__gs_spend(COMPARE_SPEND_POCOCK, 0.05, 1) - 0.05) <
                1e-15);
    assert_true(compare__gs_spend(COMPARE_SPEND_OBF, 0.05, 0.2) < 1e-4);
    /* the normal tail and its inverse */
    assert_true(fabs(compare__norm_isf(0.025) - 1.959963984540054) < 1e-9);
    assert_true(fabs(compare__norm_isf(1e-10) - 6.361340902404056) < 1e-7);
    assert_true(fabs(compare__norm_sf(compare__norm_isf(0.3)) - 0.3) < 1e-12);
}

static uint64_t xs_next(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

static double xs_normal(uint64_t *x)
{
    double u = ((double)(xs_next(x) >> 11) + 0.5) / 9007199254740992.0;
    double v = ((double)(xs_next(x) >> 11) + 0.5) / 9007199254740992.0;
    return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

/* Looks at uneven fractions, as slices that do not divide MAX evenly give:
 * the chance of crossing any of them under no change is alpha. */
static void test_brownian_looks(void **state)
{
    static const double uneven[] = {0.13, 0.3, 0.42, 0.61, 0.8, 0.9, 1.0};
    double t[20];
    size_t nt;
    const int sims = 100000;

    (void)state;
    /* the uneven looks with either spending; then the 20 even looks of
     * --until-decided 60s (3 s slices) with Pocock's, which it uses */
    for (int sp = 0; sp < 3; sp++) {
        struct compare__gs g;
        double c[20];
        uint64_t x = 88172645463325252ULL;
        int crossed = 0;

        if (sp < 2) {
            nt = sizeof(uneven) / sizeof(*uneven);
            memcpy(t, uneven, sizeof(uneven));
        } else {
            nt = 20;
            for (size_t k = 0; k < nt; k++)
                t[k] = (double)(k + 1) / 20.0;
        }
        memset(&g, 0, sizeof(g));
        g.spending = sp ? COMPARE_SPEND_POCOCK : COMPARE_SPEND_OBF;
        g.alpha = 0.05;
        for (size_t k = 0; k < nt; k++)
            assert_int_equal(compare__gs_look(&g, t[k], &c[k]), 0);
        for (int i = 0; i < sims; i++) {
            double s = 0, prev = 0;
            for (size_t k = 0; k < nt; k++) {
                s += sqrt(t[k] - prev) * xs_normal(&x);
                prev = t[k];
                if (s / sqrt(t[k]) >= c[k]) {
                    crossed++;
                    break;
                }
            }
        }
        print_message("brownian %s, %zu looks: %.4f crossed (alpha 0.05), "
                      "last bound %.3f\n",
                      sp ? "Pocock" : "OBF", nt, (double)crossed / sims,
                      c[nt - 1]);
        /* 3 standard errors of a 100 000-run estimate */
        assert_true(fabs((double)crossed / sims - 0.05) < 0.0021);
        compare__gs_release(&g);
    }
}

/* One endpoint "GET /x" per document. */
static const struct cfx_synth STREAM = {60,  30,   100, 1.0, 0.35,
                                        0.5, 0.04, 0,   0,   false};

/* Runs a sequence of looks at 12, 24, ... 60 s over run (truncated to each
 * look) against base with spending sp; the first decision and its look. */
static enum compare_seq_decision
sequence(const struct compare_threshold *t, const struct metrics_results *base,
         const struct cfx_synth *s, uint64_t seed, double alpha,
         enum compare_spending sp, unsigned *look)
{
    struct compare_seq_opts o = {alpha, 60, sp, false};
    struct compare_sequential *q = NULL;
    const struct compare_seq_check *c;
    enum compare_seq_decision d = COMPARE_SEQ_CONTINUE;
    char err[256];

    assert_int_equal(compare_sequential_new(t, 1, &o, &q), 0);
    for (size_t n = 12; n <= 60 && !compare_sequential_done(q); n += 12) {
        struct metrics_results *r = cfx_synth_run(s, seed);
        cfx_truncate(r, n, 0);
        if (compare_sequential_look(q, r, base, (double)n, false, err,
                                    sizeof(err)))
            fail_msg("look at %zu s: %s", n, err);
        metrics_results_free(r);
    }
    assert_int_equal(compare_sequential_n(q), 1);
    c = compare_sequential_check(q, 0);
    d = c->decision;
    *look = c->look;
    compare_sequential_free(q);
    return d;
}

/* What n streams decided: runs like *run (seeds run_seed + 1..n) against
 * baselines like STREAM (base_seed + 1..n), judged by t at alpha with
 * spending sp. */
struct tally {
    size_t fail, pass, cont;       /* by the decision */
    size_t fail_early, pass_early; /* decided by look `early` */
};

static struct tally streams(const struct compare_threshold *t,
                            const struct cfx_synth *run, uint64_t base_seed,
                            uint64_t run_seed, size_t n, double alpha,
                            enum compare_spending sp, unsigned early)
{
    struct cfx_synth s = STREAM;
    struct tally k = {0};

    for (uint64_t seed = 1; seed <= n; seed++) {
        struct metrics_results *base = cfx_synth_run(&s, base_seed + seed);
        unsigned look = 0;
        enum compare_seq_decision d =
            sequence(t, base, run, run_seed + seed, alpha, sp, &look);

        k.fail += d == COMPARE_SEQ_FAIL;
        k.pass += d == COMPARE_SEQ_PASS;
        k.cont += d == COMPARE_SEQ_CONTINUE;
        k.fail_early += d == COMPARE_SEQ_FAIL && look <= early;
        k.pass_early += d == COMPARE_SEQ_PASS && look <= early;
        metrics_results_free(base);
    }
    return k;
}

/*
 * 2000 A/A streams, each looked at five times, with either spending: the
 * share that ever FAILs stays within 1.5 alpha (alpha 5 % so that the
 * count says something).  Every stream is decided by its last look.
 */
static void test_aa_streams(void **state)
{
    const size_t n = 2000;
    const double alpha = 0.05;
    struct compare_threshold t;
    struct cfx_synth s = STREAM;
    struct tally k;

    (void)state;
    cfx_threshold(&t, "avg < baseline", "GET /x");
    t.min_effect = 0;
    for (int i = 0; i < 2; i++) {
        enum compare_spending sp = i ? COMPARE_SPEND_POCOCK : COMPARE_SPEND_OBF;

        k = streams(&t, &s, 700000, 900000, n, alpha, sp, 4);
        print_message("A/A streams, %s: %zu of %zu failed over five looks "
                      "(alpha %.2f: at most %.0f), %zu passed early\n",
                      i ? "Pocock" : "OBF", k.fail, n, alpha,
                      1.5 * alpha * (double)n, k.pass_early);
        assert_int_equal(k.cont, 0);
        assert_true((double)k.fail <= 1.5 * alpha * (double)n);
    }
    compare_threshold_release(&t);
}

/* +30 % against a 10 % tolerance decides FAIL within three of the five
 * looks; an A/A run with a 20 % tolerance mostly decides PASS early. */
static void test_clear_changes(void **state)
{
    struct compare_threshold t;
    struct cfx_synth s = STREAM, slow = STREAM;
    struct tally worse, same;
    size_t n = 100;

    (void)state;
    slow.shift = 1.3;
    cfx_threshold(&t, "p95 < baseline + 10%", "GET /x");
    worse =
        streams(&t, &slow, 300000, 400000, n, 0.01, COMPARE_SPEND_POCOCK, 3);
    compare_threshold_release(&t);
    cfx_threshold(&t, "p95 < baseline + 20%", "GET /x");
    same = streams(&t, &s, 500000, 600000, n, 0.01, COMPARE_SPEND_POCOCK, 3);
    print_message("+30%%: %zu of %zu failed within 3 of 5 looks; A/A with "
                  "20%% tolerance: %zu passed within 3\n",
                  worse.fail_early, n, same.pass_early);
    assert_int_equal(same.fail, 0);
    assert_true(worse.fail_early >= n * 95 / 100);
    assert_true(same.pass_early >= n * 80 / 100);
    compare_threshold_release(&t);
}

/*
 * A regression on one endpoint ends the sequence at once though another
 * endpoint is still undecided: the gate fails whatever it would show.  The
 * undecided check is INCONCLUSIVE; a warn-only FAIL does not end it.
 */
static void test_stop_at_fail(void **state)
{
    struct compare_threshold t;
    struct cfx_synth s = STREAM, slow = STREAM;
    struct compare_seq_opts o = {0.01, 60, COMPARE_SPEND_OBF, false};
    struct compare_sequential *q = NULL;
    struct metrics_results *base, *r;
    struct compare_verdict *v = NULL;
    struct compare_opts co;
    char err[256];

    (void)state;
    slow.shift = 1.5;
    for (int warn = 0; warn <= 1; warn++) {
        cfx_threshold(&t, "p95 < baseline + 10%", NULL);
        t.tolerance = 0.001; /* /y, unchanged, cannot pass early */
        t.warn_only = warn;
        base = cfx_synth_run(&s, 11);
        cfx_synth_add(base, "GET", "/y", &s, 12);
        r = cfx_synth_run(&slow, 13);
        cfx_synth_add(r, "GET", "/y", &s, 14);
        cfx_truncate(r, 20, 0);
        assert_int_equal(compare_sequential_new(&t, 1, &o, &q), 0);
        assert_int_equal(
            compare_sequential_look(q, r, base, 20, false, err, sizeof(err)),
            0);
        assert_int_equal(compare_sequential_find(q, &t, "GET /x")->decision,
                         COMPARE_SEQ_FAIL);
        assert_int_equal(compare_sequential_find(q, &t, "GET /y")->decision,
                         COMPARE_SEQ_CONTINUE);
        assert_int_equal(compare_sequential_done(q), !warn);
        if (!warn) {
            memset(&co, 0, sizeof(co));
            co.sequential = q;
            assert_int_equal(
                compare_evaluate(r, base, &t, 1, &co, &v, err, sizeof(err)), 0);
            for (size_t i = 0; i < v->n_checks; i++)
                if (strcmp(v->checks[i].endpoint, "GET /y") == 0) {
                    assert_int_equal(v->checks[i].status, COMPARE_INCONCLUSIVE);
                    assert_non_null(strstr(v->checks[i].message,
                                           "undecided when the run stopped"));
                }
            compare_verdict_free(v);
        }
        compare_sequential_free(q);
        metrics_results_free(r);
        metrics_results_free(base);
        compare_threshold_release(&t);
    }
}

/* The API around the looks, and the verdict that takes the decisions. */
static void test_api(void **state)
{
    struct compare_threshold t[2];
    struct cfx_synth s = STREAM, slow = STREAM;
    struct compare_seq_opts o = {0, 60, COMPARE_SPEND_POCOCK, false};
    struct compare_sequential *q = NULL;
    struct metrics_results *base, *r;
    struct compare_verdict *v = NULL;
    struct compare_opts co;
    const struct compare_seq_check *c;
    char err[256];

    (void)state;
    slow.shift = 1.5;
    cfx_threshold(&t[0], "p95 < baseline + 10%", NULL);
    cfx_threshold(&t[1], "p95 < 2s", NULL);
    base = cfx_synth_run(&s, 1);
    r = cfx_synth_run(&slow, 2);

    assert_int_equal(compare_sequential_new(t, 2, &o, NULL), COMPARE_EINVAL);
    o.max_s = 0;
    assert_int_equal(compare_sequential_new(t, 2, &o, &q), COMPARE_EINVAL);
    o.max_s = 60;
    o.alpha = 0.7;
    assert_int_equal(compare_sequential_new(t, 2, &o, &q), COMPARE_EINVAL);
    o.alpha = 0;
    assert_int_equal(compare_sequential_new(t, 2, &o, &q), 0);
    assert_false(compare_sequential_done(q));

    /* 5 s: too few windows to look (nothing spent) */
    cfx_truncate(r, 5, 0);
    assert_int_equal(
        compare_sequential_look(q, r, base, 5, false, err, sizeof(err)), 0);
    assert_int_equal(compare_sequential_looks(q), 0);
    assert_int_equal(compare_sequential_n(q), 0);
    metrics_results_free(r);

    /* 20 s: the first look; the relative checks (GET /x and ALL) */
    r = cfx_synth_run(&slow, 2);
    cfx_truncate(r, 20, 0);
    assert_int_equal(
        compare_sequential_look(q, r, base, 20, false, err, sizeof(err)), 0);
    assert_int_equal(compare_sequential_looks(q), 1);
    assert_int_equal(compare_sequential_n(q), 2);
    c = compare_sequential_find(q, &t[0], "GET /x");
    assert_non_null(c);
    assert_ptr_equal(c, compare_sequential_check(q, 0));
    assert_null(compare_sequential_find(q, &t[1], "GET /x")); /* absolute */
    assert_null(compare_sequential_check(q, 2));
    /* +50 %: decided at once */
    assert_int_equal(c->decision, COMPARE_SEQ_FAIL);
    assert_int_equal(c->look, 1);
    assert_true(c->z >= c->bound && c->bound > 2);
    assert_true(c->ratio > 1.3 && c->test.windows_run == 20);
    assert_true(compare_sequential_done(q));

    /* the verdict takes the decisions; the absolute checks are its own */
    memset(&co, 0, sizeof(co));
    co.sequential = q;
    assert_int_equal(compare_evaluate(r, base, t, 2, &co, &v, err, sizeof(err)),
                     0);
    assert_int_equal(v->n_checks, 4);
    assert_int_equal(v->checks[0].status, COMPARE_FAIL);
    assert_string_equal(v->checks[0].type, "loadgate.regression");
    assert_non_null(strstr(v->checks[0].message, ", significant at look 1 "
                                                 "(20 s; z="));
    assert_non_null(strstr(v->checks[0].message, "20 + 60 windows of 1 s)"));
    assert_true(v->checks[0].has_ci && !v->checks[0].has_mde);
    assert_int_equal(v->checks[2].status, COMPARE_PASS); /* p95 < 2s */
    compare_verdict_free(v);
    metrics_results_free(r);
    compare_sequential_free(q);

    /* an A/A run looked at once, then the last look decides everything */
    assert_int_equal(compare_sequential_new(t, 2, &o, &q), 0);
    r = cfx_synth_run(&s, 3);
    cfx_truncate(r, 30, 0);
    /* a tolerance no noise reaches: decided only by the last look */
    t[0].tolerance = 0.001;
    assert_int_equal(
        compare_sequential_look(q, r, base, 30, false, err, sizeof(err)), 0);
    assert_false(compare_sequential_done(q));
    /* 30.3 s: closer than 1 % of MAX to the last look, not taken */
    assert_int_equal(
        compare_sequential_look(q, r, base, 30.3, false, err, sizeof(err)), 0);
    assert_int_equal(compare_sequential_looks(q), 1);
    assert_int_equal(
        compare_sequential_look(q, r, base, 31, true, err, sizeof(err)), 0);
    assert_true(compare_sequential_done(q));
    assert_int_equal(compare_sequential_check(q, 0)->decision,
                     COMPARE_SEQ_PASS);
    assert_int_equal(compare_sequential_check(q, 0)->look, 2);
    /* after the last look nothing changes */
    assert_int_equal(
        compare_sequential_look(q, r, base, 40, false, err, sizeof(err)), 0);
    assert_int_equal(compare_sequential_looks(q), 2);
    memset(&co, 0, sizeof(co));
    co.sequential = q;
    assert_int_equal(compare_evaluate(r, base, t, 2, &co, &v, err, sizeof(err)),
                     0);
    assert_int_equal(v->checks[0].status, COMPARE_PASS);
    assert_non_null(strstr(v->checks[0].message, " at look 2 (31 s)"));
    compare_verdict_free(v);
    metrics_results_free(r);
    compare_sequential_free(q);
    compare_sequential_free(NULL);

    metrics_results_free(base);
    compare_threshold_release(&t[0]);
    compare_threshold_release(&t[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_boundaries),
        cmocka_unit_test(test_brownian_looks),
        cmocka_unit_test(test_api),
        cmocka_unit_test(test_stop_at_fail),
        cmocka_unit_test(test_clear_changes),
        cmocka_unit_test(test_aa_streams),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
