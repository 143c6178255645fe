/*
 * Thresholds on streamed responses: the grammar ("ttft p95 < 800ms",
 * "itl p99 < baseline + 10%", "goodput > baseline - 5%", "tokens_per_s",
 * "stream_errors"), and their verdicts: absolute, relative with the window
 * bootstrap, on streaming endpoints only, overrides that keep latency and
 * streaming checks apart, and sustained breaches.
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
#include "compare_internal.h"

#define T0 1767268800

/* ---- grammar ------------------------------------------------------------ */

static void test_parse(void **state)
{
    struct compare_threshold t;
    char err[256];

    (void)state;
    assert_int_equal(
        compare_threshold_parse("ttft p95 < 800ms", NULL, &t, err, sizeof(err)),
        0);
    assert_int_equal(t.series, METRICS_SERIES_TTFT);
    assert_int_equal(t.stat, METRICS_STAT_P95);
    assert_true(t.value == 800);
    assert_false(t.relative);
    assert_true(t.min_effect == 1.0);
    compare_threshold_release(&t);

    assert_int_equal(compare_threshold_parse("itl  p99 < baseline + 10%", NULL,
                                             &t, err, sizeof(err)),
                     0);
    assert_int_equal(t.series, METRICS_SERIES_ITL);
    assert_int_equal(t.stat, METRICS_STAT_P99);
    assert_true(t.relative && t.tolerance_pct && t.tolerance == 0.10);
    compare_threshold_release(&t);

    assert_int_equal(compare_threshold_parse("goodput > baseline - 5%", NULL,
                                             &t, err, sizeof(err)),
                     0);
    assert_int_equal(t.series, METRICS_SERIES_GOODPUT);
    assert_int_equal(t.stat, METRICS_STAT_RPS);
    assert_true(t.relative && t.tolerance == -0.05);
    compare_threshold_release(&t);

    assert_int_equal(compare_threshold_parse("tokens_per_s >= 100/s", NULL, &t,
                                             err, sizeof(err)),
                     0);
    assert_int_equal(t.series, METRICS_SERIES_TOKENS_PER_S);
    assert_true(t.value == 100);
    compare_threshold_release(&t);

    assert_int_equal(compare_threshold_parse("stream_errors < 1", NULL, &t, err,
                                             sizeof(err)),
                     0);
    assert_int_equal(t.series, METRICS_SERIES_STREAM_ERRORS);
    assert_int_equal(t.stat, METRICS_STAT_ERRORS);
    compare_threshold_release(&t);

    assert_int_equal(
        compare_threshold_parse("tpot avg < 50", NULL, &t, err, sizeof(err)),
        0);
    assert_int_equal(t.series, METRICS_SERIES_TPOT);
    assert_int_equal(t.stat, METRICS_STAT_AVG);
    compare_threshold_release(&t);

    /* the latency stays what it was */
    assert_int_equal(
        compare_threshold_parse("p95 < 1s", NULL, &t, err, sizeof(err)), 0);
    assert_int_equal(t.series, METRICS_SERIES_LATENCY);
    compare_threshold_release(&t);
}

struct bad {
    const char *expr;
    const char *frag;
};

static const struct bad bads[] = {
    {"ttft < 1s", "column 6: expected a time statistic after 'ttft'"},
    {"ttft rps < 1", "column 6: expected a time statistic after 'ttft'"},
    {"itl error_rate < 1%", "expected a time statistic after 'itl'"},
    {"ttft", "column 5: expected a time statistic after 'ttft'"},
    {"goodput < 5ms", "'ms' does not apply to rps"},
    {"stream_errors < 5%", "'%' does not apply to errors"},
    {"latency < 5", "unknown statistic 'latency'"},
    {"ttftp95 < 5", "unknown statistic 'ttftp95'; expected one of p50"},
    {"tokens_per_s p95 < 5", "expected a comparison"},
};

static void test_parse_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(bads) / sizeof(*bads); i++) {
        struct compare_threshold t;
        char err[512] = "";

        if (compare_threshold_parse(bads[i].expr, NULL, &t, err, sizeof(err)) !=
                COMPARE_ESYNTAX ||
            !strstr(err, bads[i].frag))
            fail_msg("'%s': '%s', want '%s'", bads[i].expr, err, bads[i].frag);
    }
    /* the list of statistics names the streaming ones */
    {
        struct compare_threshold t;
        char err[512] = "";

        assert_int_equal(
            compare_threshold_parse("bogus < 1", NULL, &t, err, sizeof(err)),
            COMPARE_ESYNTAX);
        assert_non_null(strstr(err, "goodput, tokens_per_s, stream_errors"));
        assert_non_null(strstr(err, "ttft, itl or tpot"));
    }
}

/* ---- verdicts --------------------------------------------------------- */

/* A run of 30 s with a plain endpoint (GET /health, 10 ms) and a
 * streaming one (POST /chat): 20 streams a second, TTFT ttft_ms, 9 gaps
 * of itl_ms, 10 tokens each; `bad` of every 20 cut (stream errors). */
static struct metrics_results *run(double ttft_ms, double itl_ms, int bad)
{
    struct metrics_results *r = NULL;
    struct metrics_endpoint *h, *c;

    assert_int_equal(metrics_results_new(&r), 0);
    h = metrics_results_endpoint(r, "GET", "/health", true);
    c = metrics_results_endpoint(r, "POST", "/chat", true);
    assert_int_equal(metrics_stream_declare(c, "one per event", 0, 0), 0);
    for (int s = 0; s < 30; s++) {
        for (int i = 0; i < 20; i++) {
            int64_t sec = T0 + s;
            /* a little spread so that windows differ */
            uint64_t tt =
                (uint64_t)(ttft_ms * 1000) + (uint64_t)(i * 97 % 13) * 100;
            bool cut = i < bad;
            struct metrics_stream_end e;

            assert_int_equal(metrics_endpoint_record(h, sec, true, 10000, 200,
                                                     METRICS_ERR_NONE),
                             0);
            assert_int_equal(metrics_stream_gap(c, sec, true, tt), 0);
            for (int g = 0; g < 9; g++)
                assert_int_equal(
                    metrics_stream_gap(c, sec, false,
                                       (uint64_t)(itl_ms * 1000) +
                                           (uint64_t)((i + g) % 7) * 50),
                    0);
            memset(&e, 0, sizeof(e));
            e.events = e.tokens = 10;
            e.has_tpot = true;
            e.tpot_us = (uint64_t)(itl_ms * 1000);
            e.error = cut;
            e.good = !cut;
            assert_int_equal(metrics_endpoint_record(
                                 c, sec, true, tt + 9 * 20000, cut ? 0 : 200,
                                 cut ? METRICS_ERR_STREAM : METRICS_ERR_NONE),
                             0);
            assert_int_equal(metrics_stream_end(c, sec, &e), 0);
        }
    }
    r->start_second = T0;
    r->duration_s = 30;
    return r;
}

static struct compare_verdict *judge(const char *const *exprs, size_t n,
                                     const struct metrics_results *r,
                                     const struct metrics_results *b)
{
    struct compare_threshold *t = calloc(n, sizeof(*t));
    struct compare_verdict *v = NULL;
    char err[256];

    assert_non_null(t);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(
            compare_threshold_parse(exprs[i], NULL, &t[i], err, sizeof(err)),
            0);
    assert_int_equal(compare_evaluate(r, b, t, n, NULL, &v, err, sizeof(err)),
                     0);
    /* the checks borrow their thresholds: keep them until the end */
    for (size_t i = 0; i < v->n_checks; i++)
        v->checks[i].threshold = NULL;
    for (size_t i = 0; i < n; i++)
        compare_threshold_release(&t[i]);
    free(t);
    return v;
}

static const struct compare_check *find(const struct compare_verdict *v,
                                        const char *endpoint, const char *expr)
{
    for (size_t i = 0; i < v->n_checks; i++)
        if (strcmp(v->checks[i].endpoint, endpoint) == 0 &&
            strcmp(v->checks[i].expr, expr) == 0)
            return &v->checks[i];
    return NULL;
}

static void test_absolute_on_streaming_endpoints_only(void **state)
{
    static const char *const ex[] = {"ttft p95 < 150ms", "p95 < 1s",
                                     "stream_errors < 1",
                                     "tokens_per_s > 100/s"};
    struct metrics_results *r = run(100, 20, 1);
    struct compare_verdict *v = judge(ex, 4, r, NULL);
    const struct compare_check *c;

    (void)state;
    /* ttft on POST /chat and ALL, never on GET /health */
    assert_null(find(v, "GET /health", "ttft p95 < 150ms"));
    assert_non_null(find(v, "GET /health", "p95 < 1s"));
    c = find(v, "POST /chat", "ttft p95 < 150ms");
    assert_non_null(c);
    assert_int_equal(c->status, COMPARE_PASS);
    assert_non_null(strstr(c->message, "ttft p95 = "));
    assert_int_equal(c->n_measured, 600);
    c = find(v, "ALL", "ttft p95 < 150ms");
    assert_non_null(c);
    assert_int_equal(c->status, COMPARE_PASS);
    c = find(v, "POST /chat", "stream_errors < 1");
    assert_int_equal(c->status, COMPARE_FAIL);
    assert_string_equal(c->message, "stream_errors = 30, limit < 1");
    c = find(v, "POST /chat", "tokens_per_s > 100/s");
    assert_int_equal(c->status, COMPARE_PASS);
    assert_string_equal(c->message, "tokens_per_s = 200/s, limit > 100/s");
    compare_verdict_free(v);
    metrics_results_free(r);
}

static void test_relative_with_bootstrap(void **state)
{
    static const char *const ex[] = {"ttft p95 < baseline + 10%",
                                     "itl p99 < baseline + 10%",
                                     "goodput > baseline - 5%"};
    struct metrics_results *base = run(100, 20, 0);
    struct metrics_results *same = run(100, 20, 0);
    struct metrics_results *slow = run(160, 30, 4);
    struct compare_verdict *v;
    const struct compare_check *c;

    (void)state;
    v = judge(ex, 3, same, base);
    for (size_t i = 0; i < v->n_checks; i++)
        if (v->checks[i].status != COMPARE_PASS)
            fail_msg("%s %s: %s", v->checks[i].endpoint, v->checks[i].expr,
                     v->checks[i].message);
    compare_verdict_free(v);

    v = judge(ex, 3, slow, base);
    c = find(v, "POST /chat", "ttft p95 < baseline + 10%");
    assert_int_equal(c->status, COMPARE_FAIL);
    assert_string_equal(c->type, "loadgate.regression");
    assert_true(c->has_ci && c->significant);
    assert_non_null(strstr(c->message, "ttft p95 = 161"));
    c = find(v, "POST /chat", "itl p99 < baseline + 10%");
    assert_int_equal(c->status, COMPARE_FAIL);
    c = find(v, "POST /chat", "goodput > baseline - 5%");
    assert_int_equal(c->status, COMPARE_FAIL);
    assert_true(fabs(c->measured - 16.0) < 1e-9);
    assert_true(fabs(c->baseline - 20.0) < 1e-9);
    c = find(v, "ALL", "goodput > baseline - 5%");
    assert_int_equal(c->status, COMPARE_FAIL);
    compare_verdict_free(v);
    metrics_results_free(base);
    metrics_results_free(same);
    metrics_results_free(slow);
}

static void test_no_streams_in_the_run(void **state)
{
    static const char *const ex[] = {"ttft p95 < 150ms", "goodput > 1/s"};
    struct metrics_results *r = NULL;
    struct metrics_endpoint *h;
    struct compare_verdict *v;

    (void)state;
    assert_int_equal(metrics_results_new(&r), 0);
    h = metrics_results_endpoint(r, "GET", "/health", true);
    for (int i = 0; i < 300; i++)
        assert_int_equal(metrics_endpoint_record(h, T0 + i % 10, true, 1000,
                                                 200, METRICS_ERR_NONE),
                         0);
    r->duration_s = 10;
    v = judge(ex, 2, r, NULL);
    /* asked for, never silently passed nor failed on a 0: the whole run
     * says no data */
    assert_int_equal(v->n_checks, 2);
    for (size_t i = 0; i < 2; i++) {
        assert_string_equal(v->checks[i].endpoint, "ALL");
        assert_int_equal(v->checks[i].status, COMPARE_INCONCLUSIVE);
        assert_string_equal(v->checks[i].type, "loadgate.no_data");
        assert_non_null(strstr(v->checks[i].message,
                               "no streamed response in measured window"));
    }
    compare_verdict_free(v);
    metrics_results_free(r);
}

static void test_overrides_keep_series_apart(void **state)
{
    struct compare_threshold t[2];
    char err[128];

    (void)state;
    assert_int_equal(
        compare_threshold_parse("p95 < 1s", NULL, &t[0], err, sizeof(err)), 0);
    assert_int_equal(compare_threshold_parse("ttft p95 < 200ms", "POST /chat",
                                             &t[1], err, sizeof(err)),
                     0);
    /* a ttft check on an endpoint does not replace its latency check */
    assert_int_equal(compare_threshold_scope(t, 2, 0, "POST /chat", NULL),
                     COMPARE_SCOPE_APPLIES);
    compare_threshold_release(&t[0]);
    compare_threshold_release(&t[1]);
}

static void test_sustained(void **state)
{
    struct metrics_results *r = run(100, 20, 0);
    struct compare_threshold t;
    char err[128], why[256];

    (void)state;
    assert_int_equal(
        compare_threshold_parse("ttft p95 < 50ms", NULL, &t, err, sizeof(err)),
        0);
    t.for_s = 5;
    assert_true(compare_sustained_breach(r, &t, why, sizeof(why)));
    assert_non_null(strstr(why, "POST /chat: ttft p95 < 50ms breached"));
    compare_threshold_release(&t);
    assert_int_equal(
        compare_threshold_parse("ttft p95 < 500ms", NULL, &t, err, sizeof(err)),
        0);
    t.for_s = 5;
    assert_false(compare_sustained_breach(r, &t, why, sizeof(why)));
    compare_threshold_release(&t);
    metrics_results_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_absolute_on_streaming_endpoints_only),
        cmocka_unit_test(test_relative_with_bootstrap),
        cmocka_unit_test(test_no_streams_in_the_run),
        cmocka_unit_test(test_overrides_keep_series_apart),
        cmocka_unit_test(test_sustained),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
