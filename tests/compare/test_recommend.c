/* compare_recommend: what gets flagged, what does not, and idempotence. */
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

#define OK_LINE "Performance metrics are within acceptable ranges."

/* How many recommendations contain needle. */
static struct compare_verdict *judge(struct metrics_results *r,
                                     const char *const *exprs,
                                     const char *const *endpoints, size_t n,
                                     struct compare_threshold *t)
{
    struct compare_verdict *v = NULL;
    char err[256];

    for (size_t i = 0; i < n; i++) {
        if (compare_threshold_parse(exprs[i], endpoints[i], &t[i], err,
                                    sizeof(err)))
            fail_msg("%s: %s", exprs[i], err);
    }
    if (compare_evaluate(r, NULL, t, n, NULL, &v, err, sizeof(err)))
        fail_msg("evaluate: %s", err);
    return v;
}

static void release(struct compare_threshold *t, size_t n)
{
    for (size_t i = 0; i < n; i++)
        compare_threshold_release(&t[i]);
}

static void test_healthy(void **state)
{
    static const struct cfx_ep eps[] = {{"GET", "/a", 300, 20, 0},
                                        {"GET", "/b", 300, 30, 3}};
    static const char *const ex[] = {"p95 < 1s", "error_rate < 5%"};
    static const char *const en[] = {NULL, NULL};
    struct metrics_results *r = cfx_doc(eps, 2);
    struct compare_threshold t[2];
    struct compare_verdict *v = judge(r, ex, en, 2, t);

    (void)state;
    assert_int_equal(compare_recommend(r, v), 0);
    assert_int_equal(r->n_recommendations, 1);
    assert_string_equal(r->recommendations[0], OK_LINE);
    /* twice: still one line */
    assert_int_equal(compare_recommend(r, v), 0);
    assert_int_equal(r->n_recommendations, 1);
    /* without a verdict too */
    assert_int_equal(compare_recommend(r, NULL), 0);
    assert_int_equal(r->n_recommendations, 1);
    compare_verdict_free(v);
    release(t, 2);
    metrics_results_free(r);
}

static void test_flags(void **state)
{
    static const struct cfx_ep eps[] = {
        {"GET", "/slow", 300, 1320, 0},
        {"POST", "/flaky", 100, 20, 10},
        {"GET", "/rare", 50, 20, 0},
        {"GET", "/idle", 0, 0, 0},
    };
    static const char *const ex[] = {"p99 < 2s", "p95 < 2s"};
    static const char *const en[] = {"GET /rare", "GET /slow"};
    struct metrics_results *r = cfx_doc(eps, 4);
    static const char *const made[] = {
        "GET /slow: P95 response time is 1320 ms (over 1 s)",
        "POST /flaky: error rate is 10.00% (over 5%); most failures are "
        "http_5xx (10 of 10)",
        "Too few samples for 'p99 < 2s' (p99 needs at least 1000 requests): "
        "GET /rare has 50; run longer",
        "Target rate not reached: 45/s of 100/s (45.0%)",
        "load generator was saturated",
        "interrupted",
        "GET /idle: no requests",
        /* every threshold names its endpoint: the others are pointed out */
        "POST /flaky has no check of its own",
        "GET /idle has no check of its own",
    };
    static const char *const not_made[] = {
        "GET /slow has no check", "GET /rare has no check", OK_LINE,
        /* the healthy endpoint's numbers are not flagged */
        "GET /rare: P95", "GET /rare: error rate"};
    struct compare_threshold t[2];
    struct compare_verdict *v;
    size_t n;

    (void)state;
    r->meta.target_rps = 100;
    r->meta.achieved_rps = 45;
    r->meta.saturated = true;
    r->partial = true;
    v = judge(r, ex, en, 2, t);
    assert_int_equal(v->checks[0].status, COMPARE_INCONCLUSIVE);

    assert_int_equal(compare_recommend(r, v), 0);
    for (size_t i = 0; i < sizeof(made) / sizeof(made[0]); i++)
        cfx_recs(r, made[i], 1);
    for (size_t i = 0; i < sizeof(not_made) / sizeof(not_made[0]); i++)
        cfx_recs(r, not_made[i], 0);
    n = r->n_recommendations;
    assert_int_equal(n, 9);
    /* idempotent */
    assert_int_equal(compare_recommend(r, v), 0);
    assert_int_equal(r->n_recommendations, n);
    compare_verdict_free(v);
    release(t, 2);
    metrics_results_free(r);
}

/* A threshold without endpoint covers every endpoint: no "no check" line.
 * The target rate counts only when missed by more than 5 %. */
static void test_covered_and_target_met(void **state)
{
    static const struct cfx_ep eps[] = {{"GET", "/a", 300, 20, 0},
                                        {"GET", "/b", 300, 20, 0}};
    static const char *const ex[] = {"p95 < 1s", "p99 < 1s"};
    static const char *const en[] = {NULL, "GET /a"};
    struct metrics_results *r = cfx_doc(eps, 2);
    struct compare_threshold t[2];
    struct compare_verdict *v = judge(r, ex, en, 2, t);

    (void)state;
    r->meta.target_rps = 100;
    r->meta.achieved_rps = 96;
    assert_int_equal(compare_recommend(r, v), 0);
    cfx_recs(r, "has no check", 0);
    cfx_recs(r, "Target rate", 0);
    /* p99 of 300 is too few, and that is the only advice */
    cfx_recs(r,
             "Too few samples for 'p99 < 1s' (p99 "
             "needs at least 1000 requests): GET /a "
             "has 300; ",
             1);
    assert_int_equal(r->n_recommendations, 1);
    compare_verdict_free(v);
    release(t, 2);
    metrics_results_free(r);
}

/* A stale "all fine" line (a results file read back) goes when something
 * is flagged now; achieved_rps 0 falls back to requests / duration. */
static void test_stale_ok_line(void **state)
{
    static const struct cfx_ep eps[] = {{"GET", "/a", 300, 20, 0}};
    struct metrics_results *r = cfx_doc(eps, 1);

    (void)state;
    assert_int_equal(metrics_results_add_recommendation(r, OK_LINE), 0);
    r->meta.target_rps = 50; /* 300 requests in 10 s: 30/s */
    assert_int_equal(compare_recommend(r, NULL), 0);
    cfx_recs(r, OK_LINE, 0);
    cfx_recs(r, "Target rate not reached: 30/s of 50/s (60.0%)", 1);
    assert_int_equal(r->n_recommendations, 1);
    assert_int_equal(compare_recommend(NULL, NULL), COMPARE_EINVAL);
    metrics_results_free(r);
}

/* Too few samples: one line per threshold naming every place; a short
 * baseline is named as such; a pass thanks to min_effect is pointed out. */
static void test_grouped_and_warning(void **state)
{
    static const struct cfx_ep r_eps[] = {{"GET", "/a", 300, 5.8, 0},
                                          {"GET", "/b", 50, 20, 0}};
    static const struct cfx_ep b_eps[] = {{"GET", "/a", 300, 5, 0},
                                          {"GET", "/b", 10, 20, 0}};
    struct metrics_results *r = cfx_doc(r_eps, 2), *b = cfx_doc(b_eps, 2);
    struct compare_threshold t[3];
    struct compare_verdict *v = NULL;

    (void)state;
    cfx_threshold(&t[0], "p99 < 2s", NULL);
    cfx_threshold(&t[1], "p95 < baseline + 10%", "GET /a");
    cfx_threshold(&t[2], "p50 < baseline + 10%", "GET /b");
    assert_int_equal(compare_evaluate(r, b, t, 3, NULL, &v, NULL, 0), 0);
    assert_int_equal(compare_recommend(r, v), 0);
    cfx_recs(r,
             "Too few samples for 'p99 < 2s' (p99 "
             "needs at least 1000 requests): GET /a "
             "has 300, GET /b has 50, ALL has 350; "
             "run longer",
             1);
    cfx_recs(r,
             "Too few samples for 'p50 < baseline + "
             "10%' (p50 needs at least 20 requests): "
             "the baseline of GET /b has 10;",
             1);
    cfx_recs(r,
             "GET /a: 'p95 < baseline + 10%' is beyond its tolerance (+16.0% "
             "against the baseline) but the change is below min_effect",
             1);
    assert_int_equal(r->n_recommendations, 3);
    compare_verdict_free(v);
    release(t, 3);
    metrics_results_free(r);
    metrics_results_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_healthy),
        cmocka_unit_test(test_flags),
        cmocka_unit_test(test_covered_and_target_met),
        cmocka_unit_test(test_stale_ok_line),
        cmocka_unit_test(test_grouped_and_warning),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
