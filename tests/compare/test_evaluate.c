/*
 * compare_evaluate: absolute and relative checks, min_effect, missing
 * baselines and endpoints, no data, too few samples, ALL expansion,
 * error_rate and rps, messages and details.
 *
 * Latencies within one endpoint are all equal, so every percentile is the
 * exact value (the histogram clamps to [min, max]) and messages can be
 * asserted character for character.
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

struct eval_case {
    const char *expr;
    size_t run_n;
    double run_ms;
    size_t run_failed;
    size_t base_n; /* 0: no baseline at all */
    double base_ms;
    size_t base_failed;
    enum compare_status status;
    const char *type; /* NULL for PASS */
    bool warning;
    const char *message;
};

#define NOBASE 0, 0, 0

static const struct eval_case cases[] = {
    /* absolute */
    {"p95 < 1s", 300, 100, 0, NOBASE, COMPARE_PASS, NULL, false,
     "p95 = 100 ms, limit < 1000 ms"},
    {"p95 < 1s", 300, 1320, 0, NOBASE, COMPARE_FAIL, "loadgate.threshold",
     false, "p95 = 1320 ms, limit < 1000 ms"},
    {"p95 < 1s", 300, 1000, 0, NOBASE, COMPARE_FAIL, "loadgate.threshold",
     false, "p95 = 1000 ms, limit < 1000 ms"},
    {"p95 <= 1s", 300, 1000, 0, NOBASE, COMPARE_PASS, NULL, false,
     "p95 = 1000 ms, limit <= 1000 ms"},
    {"avg < 5", 300, 2.5, 0, NOBASE, COMPARE_PASS, NULL, false,
     "avg = 2.5 ms, limit < 5 ms"},
    {"max > 3s", 10, 1320.4, 0, NOBASE, COMPARE_FAIL, "loadgate.threshold",
     false, "max = 1320.4 ms, limit > 3000 ms"},
    /* relative, fraction of the baseline */
    {"p95 < baseline + 10%", 300, 120, 0, 300, 100, 0, COMPARE_FAIL,
     "loadgate.regression", false,
     "p95 = 120 ms, limit < 110 ms (baseline 100 ms + 10%); +20.0%, "
     "significant (p<1e-06; 10 + 10 windows of 1 s)"},
    /* a pass says what change the run could have seen (constant
     * latencies: no noise, so the tolerance itself) */
    {"p95 < baseline + 10%", 300, 105, 0, 300, 100, 0, COMPARE_PASS, NULL,
     false,
     "p95 = 105 ms, limit < 110 ms (baseline 100 ms + 10%); +5.0%; "
     "could have seen +10.0% or more (10 + 10 windows of 1 s)"},
    {"p95 < baseline + 10%", 300, 80, 0, 300, 100, 0, COMPARE_PASS, NULL, false,
     "p95 = 80 ms, limit < 110 ms (baseline 100 ms + 10%); -20.0%; could "
     "have seen +10.0% or more (10 + 10 windows of 1 s)"},
    /* beyond the tolerance, but below min_effect (1 ms): a warning */
    {"p95 < baseline + 10%", 300, 5.8, 0, 300, 5, 0, COMPARE_PASS, NULL, true,
     "p95 = 5.8 ms, limit < 5.5 ms (baseline 5 ms + 10%); +16.0%; change "
     "0.8 ms below min_effect 1 ms; could have seen +20.0% or more "
     "(10 + 10 windows of 1 s)"},
    /* ... and at min_effect it fails */
    {"p95 < baseline + 10%", 300, 6, 0, 300, 5, 0, COMPARE_FAIL,
     "loadgate.regression", false,
     "p95 = 6 ms, limit < 5.5 ms (baseline 5 ms + 10%); +20.0%, significant "
     "(p<1e-06; 10 + 10 windows of 1 s)"},
    /* relative, absolute tolerance */
    {"p95 < baseline + 50ms", 300, 160, 0, 300, 100, 0, COMPARE_FAIL,
     "loadgate.regression", false,
     "p95 = 160 ms, limit < 150 ms (baseline 100 ms + 50 ms); +60.0%, "
     "significant (p<1e-06; 10 + 10 windows of 1 s)"},
    {"p99 <= baseline", 1000, 100, 0, 1000, 100, 0, COMPARE_PASS, NULL, false,
     "p99 = 100 ms, limit <= 100 ms (baseline 100 ms); +0.0%; could have "
     "seen +1.0% or more (10 + 10 windows of 1 s)"},
    /* no baseline: skipped */
    {"p95 < baseline + 10%", 300, 100, 0, NOBASE, COMPARE_SKIPPED,
     "loadgate.no_baseline", false, "no baseline; relative check skipped"},
    /* no data */
    {"p95 < 1s", 0, 0, 0, NOBASE, COMPARE_INCONCLUSIVE, "loadgate.no_data",
     false, "0 requests in measured window; not evaluated"},
    {"error_rate < 5%", 0, 0, 0, NOBASE, COMPARE_INCONCLUSIVE,
     "loadgate.no_data", false, "0 requests in measured window; not evaluated"},
    /* too few samples for the percentile, in the run or the baseline */
    {"p99 < 1s", 50, 100, 0, NOBASE, COMPARE_INCONCLUSIVE,
     "loadgate.too_few_samples", false,
     "p99 of 50 requests needs at least 1000"},
    {"p95 < 1s", 199, 100, 0, NOBASE, COMPARE_INCONCLUSIVE,
     "loadgate.too_few_samples", false,
     "p95 of 199 requests needs at least 200"},
    {"p95 < 1s", 200, 100, 0, NOBASE, COMPARE_PASS, NULL, false,
     "p95 = 100 ms, limit < 1000 ms"},
    {"p50 < 1s", 19, 100, 0, NOBASE, COMPARE_INCONCLUSIVE,
     "loadgate.too_few_samples", false, "p50 of 19 requests needs at least 20"},
    {"p95 < baseline + 10%", 300, 100, 0, 100, 100, 0, COMPARE_INCONCLUSIVE,
     "loadgate.too_few_samples", false,
     "p95 of the baseline's 100 requests needs at least 200"},
    /* avg/max are not percentiles: a few samples are enough */
    {"avg < 1s", 3, 100, 0, NOBASE, COMPARE_PASS, NULL, false,
     "avg = 100 ms, limit < 1000 ms"},
    /* error_rate: 15 of 300 is exactly 5 % */
    {"error_rate < 5%", 300, 10, 15, NOBASE, COMPARE_FAIL, "loadgate.threshold",
     false, "error_rate = 5.00%, limit < 5.00%"},
    {"error_rate <= 0.05", 300, 10, 15, NOBASE, COMPARE_PASS, NULL, false,
     "error_rate = 5.00%, limit <= 5.00%"},
    {"error_rate < 0.5%", 400, 10, 1, NOBASE, COMPARE_PASS, NULL, false,
     "error_rate = 0.25%, limit < 0.50%"},
    /* error_rate relative: '%' is percentage points (1 % + 1 point) */
    {"error_rate < baseline + 1%", 300, 10, 9, 300, 10, 3, COMPARE_FAIL,
     "loadgate.regression", false,
     "error_rate = 3.00%, limit < 2.00% (baseline 1.00% + 1 point); "
     "+200.0%, significant (p=0.001; 10 + 10 windows of 1 s)"},
    {"error_rate < baseline + 1%", 300, 10, 5, 300, 10, 3, COMPARE_PASS, NULL,
     false,
     "error_rate = 1.67%, limit < 2.00% (baseline 1.00% + 1 point); "
     "+66.7%"},
    /* from a clean baseline the delta is absolute */
    /* ... but 3 errors in 3 of 10 seconds are not significant: a draw of
     * ten 1-second blocks misses all three with p = 0.7^10 */
    {"error_rate <= baseline", 300, 10, 3, 300, 10, 0, COMPARE_PASS, NULL, true,
     "error_rate = 1.00%, limit <= 0.00% (baseline 0.00%); +1.00%, not "
     "significant (p=0.02; 10 + 10 windows of 1 s)"},
    {"error_rate <= baseline", 300, 10, 30, 300, 10, 0, COMPARE_FAIL,
     "loadgate.regression", false,
     "error_rate = 10.00%, limit <= 0.00% (baseline 0.00%); +10.00%, "
     "significant (p<1e-06; 10 + 10 windows of 1 s)"},
    /* rps: requests over the 10 s window */
    {"rps > 50", 300, 10, 0, NOBASE, COMPARE_FAIL, "loadgate.threshold", false,
     "rps = 30/s, limit > 50/s"},
    {"rps >= 1200/m", 300, 10, 0, NOBASE, COMPARE_PASS, NULL, false,
     "rps = 30/s, limit >= 20/s"},
    {"rps > baseline - 10%", 300, 10, 0, 400, 10, 0, COMPARE_FAIL,
     "loadgate.regression", false,
     "rps = 30/s, limit > 36/s (baseline 40/s - 10%); -25.0%, significant "
     "(p<1e-06; 10 + 10 windows of 1 s)"},
    {"rps > baseline - 10%", 380, 10, 0, 400, 10, 0, COMPARE_PASS, NULL, false,
     "rps = 38/s, limit > 36/s (baseline 40/s - 10%); -5.0%; could have "
     "seen -10.0% or more (10 + 10 windows of 1 s)"},
    /* counts */
    {"errors < 10", 300, 10, 15, NOBASE, COMPARE_FAIL, "loadgate.threshold",
     false, "errors = 15, limit < 10"},
    {"requests >= 300", 300, 10, 0, NOBASE, COMPARE_PASS, NULL, false,
     "requests = 300, limit >= 300"},
};

static void test_case_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct eval_case *k = &cases[i];
        struct cfx_ep run_ep = {"GET", "/a", k->run_n, k->run_ms,
                                k->run_failed};
        struct cfx_ep base_ep = {"GET", "/a", k->base_n, k->base_ms,
                                 k->base_failed};
        struct metrics_results *run = cfx_doc(&run_ep, 1);
        struct metrics_results *base = k->base_n ? cfx_doc(&base_ep, 1) : NULL;
        struct compare_threshold t;
        struct compare_verdict *v = NULL;
        char err[256] = "";
        const struct compare_check *c;
        int rc;

        cfx_threshold(&t, k->expr, "GET /a");
        rc = compare_evaluate(run, base, &t, 1, NULL, &v, err, sizeof(err));
        if (rc != 0)
            fail_msg("case %zu '%s': rc %d %s", i, k->expr, rc, err);
        assert_int_equal(v->n_checks, 1);
        c = &v->checks[0];
        if (c->status != k->status || c->warning != k->warning ||
            strcmp(c->message, k->message) != 0 ||
            (k->type == NULL) != (c->type == NULL) ||
            (k->type && strcmp(k->type, c->type) != 0))
            fail_msg("case %zu '%s': got %s %s warning=%d \"%s\"; want %s "
                     "%s warning=%d \"%s\"",
                     i, k->expr, compare_status_str(c->status),
                     c->type ? c->type : "-", c->warning, c->message,
                     compare_status_str(k->status), k->type ? k->type : "-",
                     k->warning, k->message);
        assert_string_equal(c->endpoint, "GET /a");
        assert_string_equal(c->expr, k->expr);
        assert_ptr_equal(c->threshold, &t);
        assert_int_equal(c->relative, t.relative);
        assert_true(strlen(c->message) <= 200);
        assert_int_equal(v->baseline_missing, t.relative && !base);
        assert_int_equal(
            v->n_pass + v->n_fail + v->n_inconclusive + v->n_skipped, 1);
        assert_int_equal(v->n_warnings, k->warning ? 1 : 0);
        compare_verdict_free(v);
        compare_threshold_release(&t);
        metrics_results_free(run);
        metrics_results_free(base);
    }
}

/* The numbers behind a relative failure, and its detail block. */
static void test_relative_detail(void **state)
{
    struct cfx_ep r_ep = {"GET", "/api/x", 3000, 1320.4, 0};
    struct cfx_ep b_ep = {"GET", "/api/x", 2950, 980.2, 0};
    struct metrics_results *run = cfx_doc(&r_ep, 1), *base = cfx_doc(&b_ep, 1);
    struct compare_threshold t;
    struct compare_verdict *v = NULL;
    struct compare_opts o = {.baseline_name = "main"};
    const struct compare_check *c;

    (void)state;
    cfx_threshold(&t, "p95 < baseline + 10%", NULL);
    t.file = "profiles/checkout.yaml";
    t.line = 12;
    assert_int_equal(compare_evaluate(run, base, &t, 1, &o, &v, NULL, 0), 0);
    assert_int_equal(v->n_checks, 2); /* the endpoint and ALL */
    c = &v->checks[0];
    assert_int_equal(c->status, COMPARE_FAIL);
    assert_true(c->has_measured && c->has_baseline && c->has_limit);
    assert_true(fabs(c->measured - 1320.4) < 1e-9);
    assert_true(fabs(c->baseline - 980.2) < 1e-9);
    assert_true(fabs(c->limit - 980.2 * 1.1) < 1e-9);
    assert_true(fabs(c->delta_pct - (1320.4 - 980.2) / 980.2 * 100) < 1e-9);
    assert_int_equal(c->n_measured, 3000);
    assert_int_equal(c->n_baseline, 2950);
    assert_string_equal(c->message,
                        "p95 = 1320.4 ms, limit < 1078.2 ms "
                        "(baseline 980.2 ms + 10%); +34.7%, significant "
                        "(p<1e-06, Holm p<1e-06; 10 + 10 windows of 1 s)");
    /* constant latencies: every draw's ratio is exactly 1320.4 / 980.2 (as
     * bucket midpoints) */
    assert_true(c->has_ci && c->significant);
    assert_true(c->p_value == 0);
    assert_true(fabs(c->ci_low - c->ci_high) < 1e-12);
    assert_true(fabs(c->ci_low - 1320.4 / 980.2) < 0.01);
    assert_string_equal(c->detail, "endpoint : GET /api/x\n"
                                   "threshold: p95 < baseline + 10%  "
                                   "(profiles/checkout.yaml:12)\n"
                                   "measured : 1320.4 ms (n=3000)\n"
                                   "baseline : 980.2 ms (n=2950)\n"
                                   "limit    : < 1078.2 ms\n"
                                   "delta    : +34.7%\n"
                                   "95% CI   : ratio 1.35 .. 1.35 (each "
                                   "bound one-sided; block bootstrap, 1000 "
                                   "draws over 10 + 10 windows of 1 s, "
                                   "blocks of 1 + 1)\n"
                                   "p-value  : p<1e-06; Holm-adjusted over "
                                   "2 relative checks: p<1e-06 (the gate's "
                                   "alpha 1%)");
    assert_string_equal(v->checks[1].endpoint, "ALL");
    assert_int_equal(v->checks[1].status, COMPARE_FAIL);
    assert_int_equal(v->n_fail, 2);
    compare_verdict_free(v);
    compare_threshold_release(&t);
    metrics_results_free(run);
    metrics_results_free(base);
}

/* One threshold without endpoint: one check per endpoint, in the run's
 * order, plus ALL over the whole run. */
static void test_all_expansion(void **state)
{
    static const struct cfx_ep eps[] = {
        {"GET", "/a", 300, 10, 0},
        {"POST", "/b", 200, 2000, 0},
        {"GET", "/c", 100, 20, 0},
    };
    struct metrics_results *run = cfx_doc(eps, 3);
    struct compare_threshold t[2];
    struct compare_verdict *v = NULL;
    static const char *const want[] = {"GET /a", "POST /b", "GET /c", "ALL"};

    (void)state;
    cfx_threshold(&t[0], "requests >= 150", NULL);
    cfx_threshold(&t[1], "p95 < 1s", "ALL");
    assert_int_equal(compare_evaluate(run, NULL, t, 2, NULL, &v, NULL, 0), 0);
    assert_int_equal(v->n_checks, 4 + 1);
    for (size_t i = 0; i < 4; i++)
        assert_string_equal(v->checks[i].endpoint, want[i]);
    assert_int_equal(v->checks[0].status, COMPARE_PASS);
    assert_int_equal(v->checks[1].status, COMPARE_PASS);
    assert_int_equal(v->checks[2].status, COMPARE_FAIL);
    assert_int_equal(v->checks[3].status, COMPARE_PASS);
    assert_true(fabs(v->checks[3].measured - 600) < 1e-9);
    /* "ALL" alone: the whole run only; p95 of 600 is 2000 ms (the 200
     * slow requests are the top third) */
    assert_string_equal(v->checks[4].endpoint, "ALL");
    assert_int_equal(v->checks[4].status, COMPARE_FAIL);
    assert_int_equal(v->checks[4].n_measured, 600);
    assert_int_equal(v->n_pass, 3);
    assert_int_equal(v->n_fail, 2);
    compare_verdict_free(v);
    compare_threshold_release(&t[0]);
    compare_threshold_release(&t[1]);
    metrics_results_free(run);
}

static void test_unknown_endpoint(void **state)
{
    static const struct cfx_ep eps[] = {
        {"GET", "/a", 10, 10, 0},
        {"GET", "/b", 10, 10, 0},
        {"POST", "/c", 10, 10, 0},
    };
    struct metrics_results *run = cfx_doc(eps, 3);
    struct compare_threshold t[2];
    struct compare_verdict *v = (struct compare_verdict *)&v;
    char err[512];

    (void)state;
    cfx_threshold(&t[0], "avg < 1s", NULL);
    cfx_threshold(&t[1], "p95 < 1s", "GET /nope");
    t[1].line = 7;
    assert_int_equal(
        compare_evaluate(run, NULL, t, 2, NULL, &v, err, sizeof(err)),
        COMPARE_EUNKNOWN);
    assert_null(v);
    assert_string_equal(err, "threshold 'p95 < 1s' (line 7): no endpoint "
                             "'GET /nope'; endpoints: GET /a, GET /b, "
                             "POST /c");
    compare_threshold_release(&t[0]);
    compare_threshold_release(&t[1]);
    metrics_results_free(run);
}

/* The baseline lacks an endpoint: that check is skipped, naming the
 * baseline when its name is known; the others are judged. */
static void test_endpoint_not_in_baseline(void **state)
{
    static const struct cfx_ep r_eps[] = {{"GET", "/a", 300, 10, 0},
                                          {"GET", "/new", 300, 10, 0}};
    static const struct cfx_ep b_eps[] = {{"GET", "/a", 300, 10, 0}};
    struct metrics_results *run = cfx_doc(r_eps, 2), *base = cfx_doc(b_eps, 1);
    struct compare_threshold t;
    struct compare_verdict *v = NULL;
    struct compare_opts o = {.baseline_name = "main"};

    (void)state;
    cfx_threshold(&t, "p95 < baseline + 10%", NULL);
    assert_int_equal(compare_evaluate(run, base, &t, 1, &o, &v, NULL, 0), 0);
    assert_int_equal(v->n_checks, 3);
    assert_int_equal(v->checks[0].status, COMPARE_PASS);
    assert_int_equal(v->checks[1].status, COMPARE_SKIPPED);
    assert_string_equal(v->checks[1].message,
                        "endpoint not in baseline 'main'");
    assert_int_equal(v->checks[2].status, COMPARE_PASS); /* ALL */
    assert_false(v->baseline_missing);
    assert_int_equal(v->n_skipped, 1);
    compare_verdict_free(v);

    assert_int_equal(compare_evaluate(run, base, &t, 1, NULL, &v, NULL, 0), 0);
    assert_string_equal(v->checks[1].message,
                        "endpoint 'GET /new' not in baseline");
    compare_verdict_free(v);
    compare_threshold_release(&t);
    metrics_results_free(run);
    metrics_results_free(base);
}

/* Mixed verdict: counts equal the checks, and an empty run has an
 * inconclusive ALL rather than nothing. */
static void test_counts_and_empty_run(void **state)
{
    static const struct cfx_ep eps[] = {{"GET", "/a", 300, 10, 0},
                                        {"GET", "/b", 0, 0, 0}};
    struct metrics_results *run = cfx_doc(eps, 2), *empty = cfx_doc(NULL, 0);
    struct compare_threshold t[3];
    struct compare_verdict *v = NULL;
    size_t counted[4] = {0};

    (void)state;
    cfx_threshold(&t[0], "p95 < 1s", NULL);       /* P, I, P */
    cfx_threshold(&t[1], "p95 < baseline", NULL); /* S, I, S */
    /* another statistic: "p95 < X" here would override t[0] on /a */
    cfx_threshold(&t[2], "avg < 5ms", "GET /a"); /* F */
    assert_int_equal(compare_evaluate(run, NULL, t, 3, NULL, &v, NULL, 0), 0);
    assert_int_equal(v->n_checks, 7);
    for (size_t i = 0; i < v->n_checks; i++)
        counted[v->checks[i].status]++;
    assert_int_equal(v->n_pass, counted[COMPARE_PASS]);
    assert_int_equal(v->n_fail, counted[COMPARE_FAIL]);
    assert_int_equal(v->n_inconclusive, counted[COMPARE_INCONCLUSIVE]);
    assert_int_equal(v->n_skipped, counted[COMPARE_SKIPPED]);
    assert_int_equal(v->n_pass, 2);
    assert_int_equal(v->n_fail, 1);
    assert_int_equal(v->n_inconclusive, 2);
    assert_int_equal(v->n_skipped, 2);
    assert_true(v->baseline_missing);
    compare_verdict_free(v);

    assert_int_equal(compare_evaluate(empty, NULL, t, 1, NULL, &v, NULL, 0), 0);
    assert_int_equal(v->n_checks, 1);
    assert_string_equal(v->checks[0].endpoint, "ALL");
    assert_int_equal(v->checks[0].status, COMPARE_INCONCLUSIVE);
    assert_string_equal(v->checks[0].type, "loadgate.no_data");
    compare_verdict_free(v);

    /* no thresholds: an empty verdict */
    assert_int_equal(compare_evaluate(run, NULL, NULL, 0, NULL, &v, NULL, 0),
                     0);
    assert_int_equal(v->n_checks, 0);
    compare_verdict_free(v);
    compare_verdict_free(NULL);
    assert_int_equal(compare_evaluate(NULL, NULL, t, 1, NULL, &v, NULL, 0),
                     COMPARE_EINVAL);

    for (size_t i = 0; i < 3; i++)
        compare_threshold_release(&t[i]);
    metrics_results_free(run);
    metrics_results_free(empty);
}

/* Hostile sizes: a 900-character endpoint name keeps message and detail
 * within their caps and NUL-terminated. */
static void test_long_names(void **state)
{
    char path[901];
    char name[1000];
    struct metrics_results *run = cfx_doc(NULL, 0);
    struct compare_threshold t;
    struct compare_verdict *v = NULL;

    (void)state;
    memset(path, 'x', sizeof(path) - 1);
    path[0] = '/';
    path[sizeof(path) - 1] = '\0';
    cfx_add(run, "GET", path, 300, 10, 0);
    snprintf(name, sizeof(name), "GET %s", path);
    cfx_threshold(&t, "p95 < baseline + 10%", name);
    assert_int_equal(compare_evaluate(run, NULL, &t, 1, NULL, &v, NULL, 0), 0);
    assert_int_equal(v->checks[0].status, COMPARE_SKIPPED);
    assert_true(strlen(v->checks[0].message) <= 200);
    assert_true(strlen(v->checks[0].detail) <= 1000);
    assert_non_null(strstr(v->checks[0].detail, "endpoint : GET /xxx"));
    compare_verdict_free(v);
    compare_threshold_release(&t);
    metrics_results_free(run);
}

/* Open model: a run that missed its target rate by more than 5 %, or a
 * saturated load generator, adds an INCONCLUSIVE whole-run check; a closed
 * run adds nothing. */
static void test_load_check(void **state)
{
    static const struct {
        double target, achieved;
        bool saturated;
        size_t n_checks;
        enum compare_status status;
        const char *message;
    } load_cases[] = {
        {0, 0, false, 2, COMPARE_PASS, NULL},
        {100, 96, false, 3, COMPARE_PASS,
         "achieved 96/s of the target 100/s (96.0%)"},
        {100, 95, false, 3, COMPARE_PASS,
         "achieved 95/s of the target 100/s (95.0%)"},
        {100, 84, false, 3, COMPARE_INCONCLUSIVE,
         "achieved 84/s of the target 100/s (84.0%, needs 95%); the load "
         "was not what the profile asked for"},
        /* achieved unknown: requests over the window, 300 in 10 s */
        {50, 0, false, 3, COMPARE_INCONCLUSIVE,
         "achieved 30/s of the target 50/s (60.0%, needs 95%); the load was "
         "not what the profile asked for"},
        {100, 100, true, 3, COMPARE_INCONCLUSIVE,
         "the load generator was saturated; latencies include client-side "
         "delay"},
        {0, 0, true, 3, COMPARE_INCONCLUSIVE,
         "the load generator was saturated; latencies include client-side "
         "delay"},
    };
    struct cfx_ep ep = {"GET", "/a", 300, 10, 0};
    struct compare_threshold t;

    (void)state;
    cfx_threshold(&t, "p95 < 1s", NULL);
    for (size_t i = 0; i < sizeof(load_cases) / sizeof(load_cases[0]); i++) {
        struct metrics_results *run = cfx_doc(&ep, 1);
        struct compare_verdict *v = NULL;
        const struct compare_check *c;

        run->meta.target_rps = load_cases[i].target;
        run->meta.achieved_rps = load_cases[i].achieved;
        run->meta.saturated = load_cases[i].saturated;
        assert_int_equal(compare_evaluate(run, NULL, &t, 1, NULL, &v, NULL, 0),
                         0);
        if (v->n_checks != load_cases[i].n_checks)
            fail_msg("case %zu: %zu checks", i, v->n_checks);
        c = &v->checks[v->n_checks - 1];
        if (load_cases[i].message) {
            assert_string_equal(c->endpoint, "ALL");
            assert_null(c->threshold);
            if (c->status != load_cases[i].status ||
                strcmp(c->message, load_cases[i].message) != 0)
                fail_msg("case %zu: %s \"%s\"", i,
                         compare_status_str(c->status), c->message);
            if (c->status == COMPARE_INCONCLUSIVE)
                assert_string_equal(c->type, "loadgate.load");
            assert_int_equal(v->n_inconclusive,
                             load_cases[i].status == COMPARE_INCONCLUSIVE);
            assert_non_null(strstr(c->detail, "endpoint : ALL\n"));
        }
        compare_verdict_free(v);
        metrics_results_free(run);
    }
    compare_threshold_release(&t);
}

/* Enough checks that the checks array is reallocated while they are
 * judged (it starts at 16): each note, the check's own message here,
 * still ends its detail (it was read through a pointer into the old
 * array once: freed memory, ASan's heap-use-after-free). */
static void test_notes_survive_realloc(void **state)
{
    enum { N_EPS = 40 };
    struct cfx_ep eps[N_EPS];
    char paths[N_EPS][16];
    struct compare_threshold t;
    struct compare_verdict *v = NULL;
    struct metrics_results *run;

    (void)state;
    for (size_t i = 0; i < N_EPS; i++) {
        snprintf(paths[i], sizeof(paths[i]), "/e%zu", i);
        eps[i] = (struct cfx_ep){"GET", paths[i], 0, 0, 0};
    }
    eps[0].n = 50; /* the whole run has requests: one check judged */
    eps[0].latency_ms = 5;
    run = cfx_doc(eps, N_EPS);
    cfx_threshold(&t, "p95 < 100ms", NULL);
    assert_int_equal(compare_evaluate(run, NULL, &t, 1, NULL, &v, NULL, 0), 0);
    assert_true(v->n_checks > 16);
    for (size_t i = 0; i < v->n_checks; i++) {
        const struct compare_check *c = &v->checks[i];
        char want[300];

        if (c->status != COMPARE_INCONCLUSIVE)
            continue;
        snprintf(want, sizeof(want), "\nnote     : %s", c->message);
        assert_non_null(strstr(c->detail, want));
    }
    compare_verdict_free(v);
    compare_threshold_release(&t);
    metrics_results_free(run);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_case_table),
        cmocka_unit_test(test_relative_detail),
        cmocka_unit_test(test_all_expansion),
        cmocka_unit_test(test_unknown_endpoint),
        cmocka_unit_test(test_endpoint_not_in_baseline),
        cmocka_unit_test(test_counts_and_empty_run),
        cmocka_unit_test(test_long_names),
        cmocka_unit_test(test_load_check),
        cmocka_unit_test(test_notes_survive_realloc),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
