/* Streamed responses in the data model: recording TTFT, ITL, TPOT,
 * tokens, stream errors and goodput; their values; the series views that
 * thresholds read; the JSON round trip and the merge of shards. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "metrics_internal.h"

#define T0 1767268800

/* One streaming endpoint: 10 seconds, 20 streams a second, each with a
 * TTFT of 100 + (i % 5) ms, 9 gaps of 20 ms, 10 tokens (one in every
 * tenth stream cut: a stream error, with 5 tokens), and a good stream when
 * TTFT <= 102 ms. */
static struct metrics_results *stream_run(int64_t t0)
{
    struct metrics_results *r = NULL;
    struct metrics_endpoint *ep;

    assert_int_equal(metrics_results_new(&r), 0);
    ep = metrics_results_endpoint(r, "POST", "/v1/chat/completions", true);
    assert_non_null(ep);
    assert_int_equal(metrics_stream_declare(ep, "events", 102, 0), 0);
    for (int i = 0; i < 200; i++) {
        int64_t sec = t0 + i / 20;
        bool cut = i % 10 == 9;
        uint64_t ttft = 100000 + (uint64_t)(i % 5) * 1000;
        int gaps = cut ? 4 : 9;
        struct metrics_stream_end e;

        assert_int_equal(metrics_stream_gap(ep, sec, true, ttft), 0);
        for (int g = 0; g < gaps; g++)
            assert_int_equal(metrics_stream_gap(ep, sec, false, 20000), 0);
        memset(&e, 0, sizeof(e));
        e.events = (uint64_t)gaps + 1;
        e.tokens = (uint64_t)gaps + 1;
        e.has_tpot = true;
        e.tpot_us = 20000;
        e.has_rate = true;
        e.rate_mtps = 1000000 * e.tokens / (ttft / 1000 + 20 * gaps);
        e.error = cut;
        e.good = !cut && ttft <= 102000;
        assert_int_equal(metrics_endpoint_record(
                             ep, sec, true, ttft + 20000 * gaps, cut ? 0 : 200,
                             cut ? METRICS_ERR_STREAM : METRICS_ERR_NONE),
                         0);
        assert_int_equal(metrics_stream_end(ep, sec, &e), 0);
    }
    r->start_second = t0;
    r->duration_s = 10;
    r->timestamp = strdup("2026-01-01T12:00:00Z");
    r->meta.profile_sha256 = strdup("abc");
    return r;
}

static double series(const struct metrics_results *r,
                     const struct metrics_endpoint *ep, enum metrics_series s,
                     enum metrics_stat st)
{
    double v = NAN;

    assert_int_equal(metrics_series_value(r, ep, s, st, &v), 0);
    return v;
}

static void test_record_and_values(void **state)
{
    struct metrics_results *r = stream_run(T0);
    const struct metrics_endpoint *ep = r->endpoints[0];
    const struct metrics_stream *s = ep->stream;
    double v;

    (void)state;
    assert_non_null(s);
    assert_string_equal(s->rule, "events");
    assert_int_equal(s->streams, 200);
    assert_int_equal(s->errors, 20);
    /* 180 whole streams of 10 tokens and 20 cut ones of 5 */
    assert_int_equal(s->tokens, 180 * 10 + 20 * 5);
    assert_int_equal(s->events, s->tokens);
    /* TTFT 100..104 ms in turn: 100, 101, 102 good, unless cut */
    assert_int_equal(s->good, 120); /* cut ones have TTFT 104 */
    assert_int_equal(metrics_hist_count(s->ttft), 200);
    assert_int_equal(metrics_hist_count(s->itl), 180 * 9 + 20 * 4);
    assert_true(fabs(series(r, ep, METRICS_SERIES_TTFT, METRICS_STAT_P50) -
                     102.0) < 0.5);
    assert_true(
        fabs(series(r, ep, METRICS_SERIES_ITL, METRICS_STAT_P99) - 20.0) < 0.1);
    assert_true(fabs(series(r, ep, METRICS_SERIES_TPOT, METRICS_STAT_AVG) -
                     20.0) < 1e-9);
    assert_true(fabs(series(r, ep, METRICS_SERIES_TTFT, METRICS_STAT_MAX) -
                     104.0) < 1e-9);
    assert_true(fabs(series(r, ep, METRICS_SERIES_GOODPUT, METRICS_STAT_RPS) -
                     12.0) < 1e-9);
    assert_true(
        fabs(series(r, ep, METRICS_SERIES_TOKENS_PER_S, METRICS_STAT_RPS) -
             190.0) < 1e-9);
    assert_true(
        series(r, ep, METRICS_SERIES_STREAM_ERRORS, METRICS_STAT_ERRORS) == 20);
    /* each second has its own */
    assert_int_equal(ep->n_timeline, 10);
    assert_non_null(ep->timeline[3].stream);
    assert_int_equal(ep->timeline[3].stream->streams, 20);
    assert_int_equal(ep->timeline[3].stream->errors, 2);
    assert_int_equal(metrics_hist_count(ep->timeline[3].stream->ttft), 20);
    /* the latency series is metrics_value() */
    assert_int_equal(metrics_series_value(r, ep, METRICS_SERIES_LATENCY,
                                          METRICS_STAT_REQUESTS, &v),
                     0);
    assert_true(v == 200);
    assert_true(metrics_results_has_streams(r));
    assert_int_equal(ep->err_class[METRICS_ERR_STREAM], 20);
    metrics_results_free(r);
}

static void test_no_stream_no_value(void **state)
{
    struct metrics_results *r = NULL;
    struct metrics_endpoint *ep;
    double v;

    (void)state;
    assert_int_equal(metrics_results_new(&r), 0);
    ep = metrics_results_endpoint(r, "GET", "/x", true);
    assert_int_equal(
        metrics_endpoint_record(ep, T0, true, 1000, 200, METRICS_ERR_NONE), 0);
    r->duration_s = 1;
    assert_false(metrics_results_has_streams(r));
    for (int s = METRICS_SERIES_TTFT; s < METRICS_SERIES__COUNT; s++)
        assert_int_equal(metrics_series_value(r, ep, (enum metrics_series)s,
                                              METRICS_STAT_P50, &v),
                         METRICS_ENODATA);
    /* no stream: nothing about streams in the document */
    {
        char *text = NULL;

        assert_int_equal(metrics_results_dump(r, &text), 0);
        assert_null(strstr(text, "stream"));
        free(text);
    }
    metrics_results_free(r);
}

static void test_views(void **state)
{
    struct metrics_results *r = stream_run(T0);
    const struct metrics_endpoint *ep = r->endpoints[0];
    struct metrics_endpoint *v = NULL;
    double x;

    (void)state;
    assert_int_equal(metrics_series_view(ep, METRICS_SERIES_TTFT, &v), 0);
    assert_int_equal(metrics_hist_count(v->hist), 200);
    assert_int_equal(v->requests, 200);
    assert_int_equal(v->n_timeline, 10);
    assert_int_equal(metrics_hist_count(v->timeline[0].hist), 20);
    assert_int_equal(metrics_value(r, v, METRICS_STAT_MAX, &x), 0);
    assert_true(fabs(x - 104.0) < 1e-9);
    metrics_endpoint_free(v);

    assert_int_equal(metrics_series_view(ep, METRICS_SERIES_GOODPUT, &v), 0);
    assert_int_equal(v->requests, 120);
    assert_int_equal(metrics_value(r, v, METRICS_STAT_RPS, &x), 0);
    assert_true(fabs(x - 12.0) < 1e-9);
    assert_int_equal(metrics_hist_count(v->hist), 0);
    metrics_endpoint_free(v);

    assert_int_equal(metrics_series_view(ep, METRICS_SERIES_TOKENS_PER_S, &v),
                     0);
    assert_int_equal(v->timeline[0].requests, 18 * 10 + 2 * 5);
    metrics_endpoint_free(v);

    assert_int_equal(metrics_series_view(ep, METRICS_SERIES_STREAM_ERRORS, &v),
                     0);
    assert_int_equal(v->errors, 20);
    assert_int_equal(v->timeline[9].errors, 2);
    assert_int_equal(metrics_value(r, v, METRICS_STAT_ERRORS, &x), 0);
    assert_true(x == 20);
    metrics_endpoint_free(v);

    assert_int_equal(metrics_series_view(ep, METRICS_SERIES_LATENCY, &v),
                     METRICS_EINVAL);
    assert_null(v);
    metrics_results_free(r);
}

static void test_json_round_trip(void **state)
{
    struct metrics_results *r = stream_run(T0), *back = NULL;
    char *text = NULL, *again = NULL, err[256];
    const struct metrics_stream *a, *b;

    (void)state;
    assert_int_equal(metrics_results_dump(r, &text), 0);
    assert_non_null(strstr(text, "\"ttft_histogram\""));
    assert_non_null(strstr(text, "\"overall_tokens_per_second\""));
    assert_non_null(strstr(text, "\"rule\": \"events\""));
    assert_int_equal(
        metrics_results_parse(text, strlen(text), &back, err, sizeof(err)), 0);
    a = r->endpoints[0]->stream;
    b = back->endpoints[0]->stream;
    assert_non_null(b);
    assert_int_equal(b->streams, a->streams);
    assert_int_equal(b->tokens, a->tokens);
    assert_int_equal(b->errors, a->errors);
    assert_int_equal(b->good, a->good);
    assert_int_equal(b->events, a->events);
    assert_true(b->slo_ttft_ms == 102);
    assert_int_equal(metrics_hist_count(b->itl), metrics_hist_count(a->itl));
    assert_int_equal(metrics_hist_percentile(b->ttft, 95),
                     metrics_hist_percentile(a->ttft, 95));
    assert_int_equal(metrics_hist_count(b->rate), metrics_hist_count(a->rate));
    assert_non_null(back->endpoints[0]->timeline[4].stream);
    assert_int_equal(
        metrics_hist_count(back->endpoints[0]->timeline[4].stream->itl),
        metrics_hist_count(r->endpoints[0]->timeline[4].stream->itl));
    /* what was read writes the same bytes */
    assert_int_equal(metrics_results_dump(back, &again), 0);
    assert_string_equal(text, again);
    free(text);
    free(again);
    metrics_results_free(back);
    metrics_results_free(r);
}

static void test_parse_refuses(void **state)
{
    static const char *const bad[] = {
        "\"stream\": 3",
        "\"stream\": {\"streams\": 1, \"stream_errors\": 2}",
        "\"stream\": {\"streams\": -1}",
        "\"stream\": {\"ttft_histogram\": \"!!\"}",
    };
    char doc[512], err[256];

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        struct metrics_results *r = NULL;

        snprintf(doc, sizeof(doc),
                 "{\"schema\": \"loadgate/results/v1\", \"metrics\": "
                 "[{\"endpoint\": \"/x\", \"method\": \"GET\", %s}]}",
                 bad[i]);
        err[0] = '\0';
        assert_int_equal(
            metrics_results_parse(doc, strlen(doc), &r, err, sizeof(err)),
            METRICS_ESCHEMA);
        assert_non_null(strstr(err, "metrics[0].stream"));
        assert_null(r);
    }
}

static void test_merge(void **state)
{
    struct metrics_results *a = stream_run(T0), *b = stream_run(T0 + 5);
    struct metrics_endpoint *all = NULL;

    (void)state;
    assert_int_equal(metrics_results_merge(a, b), 0);
    assert_int_equal(a->endpoints[0]->stream->streams, 400);
    assert_int_equal(a->endpoints[0]->stream->errors, 40);
    assert_int_equal(metrics_hist_count(a->endpoints[0]->stream->ttft), 400);
    /* seconds 5..9 overlap: their streams add up */
    assert_int_equal(a->endpoints[0]->n_timeline, 15);
    assert_int_equal(a->endpoints[0]->timeline[5].stream->streams, 40);
    assert_int_equal(a->endpoints[0]->timeline[0].stream->streams, 20);
    assert_string_equal(a->endpoints[0]->stream->rule, "events");
    /* the whole run */
    assert_int_equal(metrics_results_aggregate(a, &all), 0);
    assert_non_null(all->stream);
    assert_int_equal(all->stream->tokens, 2 * (180 * 10 + 20 * 5));
    metrics_endpoint_free(all);
    metrics_results_free(a);
    metrics_results_free(b);
}

static void test_series_names(void **state)
{
    (void)state;
    assert_string_equal(metrics_series_name(METRICS_SERIES_TTFT), "ttft");
    assert_int_equal(metrics_series_parse("tokens_per_s", 12),
                     METRICS_SERIES_TOKENS_PER_S);
    assert_int_equal(metrics_series_parse("ttftx", 5), -1);
    assert_int_equal(metrics_series_parse("itl p99", 3), METRICS_SERIES_ITL);
    assert_true(metrics_series_is_time(METRICS_SERIES_TPOT));
    assert_false(metrics_series_is_time(METRICS_SERIES_GOODPUT));
    assert_int_equal(metrics_series_stat(METRICS_SERIES_GOODPUT),
                     METRICS_STAT_RPS);
    assert_int_equal(metrics_series_stat(METRICS_SERIES_STREAM_ERRORS),
                     METRICS_STAT_ERRORS);
    assert_int_equal(metrics_series_stat(METRICS_SERIES_ITL), -1);
    assert_string_equal(metrics_errclass_name(METRICS_ERR_STREAM), "stream");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_record_and_values),
        cmocka_unit_test(test_no_stream_no_value),
        cmocka_unit_test(test_views),
        cmocka_unit_test(test_json_round_trip),
        cmocka_unit_test(test_parse_refuses),
        cmocka_unit_test(test_merge),
        cmocka_unit_test(test_series_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
