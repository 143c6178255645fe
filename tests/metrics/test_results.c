/* Endpoints, timelines, values, merge, and the results JSON round trip;
 * SHA-256 vectors and atomic writes. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "metrics_internal.h"

static struct metrics_results *sample_run(int64_t t0, uint64_t scale)
{
    struct metrics_results *r = NULL;
    struct metrics_endpoint *a, *b;

    assert_int_equal(metrics_results_new(&r), 0);
    a = metrics_results_endpoint(r, "GET", "/api/health", true);
    b = metrics_results_endpoint(r, "POST", "/api/agents/{id}/query", true);
    assert_non_null(a);
    assert_non_null(b);
    for (uint64_t i = 0; i < 1000 * scale; i++) {
        int64_t sec = t0 + (int64_t)(i % 10);
        assert_int_equal(metrics_endpoint_record(a, sec, true,
                                                 8000 + (i % 50) * 100, 200,
                                                 METRICS_ERR_NONE),
                         0);
        if (i % 2 == 0)
            assert_int_equal(
                metrics_endpoint_record(
                    b, sec, true, 40000 + i % 997, i % 100 == 0 ? 503 : 200,
                    i % 100 == 0 ? METRICS_ERR_HTTP_5XX : METRICS_ERR_NONE),
                0);
    }
    /* a connect failure: counted, no latency */
    assert_int_equal(
        metrics_endpoint_record(b, t0 + 3, false, 0, 0, METRICS_ERR_CONNECT),
        0);
    r->start_second = t0;
    r->duration_s = 10;
    r->timestamp = strdup("2026-01-01T12:00:00Z");
    r->concurrent_users = 50;
    r->meta.profile_sha256 = strdup("abc123");
    r->meta.profile_name = strdup("checkout");
    r->meta.model = strdup("closed");
    r->meta.cpus = 2;
    assert_int_equal(metrics_results_add_recommendation(r, "all good"), 0);
    return r;
}

static void test_record_and_values(void **state)
{
    struct metrics_results *r = sample_run(1767268800, 1);
    const struct metrics_endpoint *b =
        metrics_results_find(r, "POST /api/agents/{id}/query");
    double v;

    (void)state;
    assert_non_null(b);
    assert_null(metrics_results_find(r, "GET /nope"));
    assert_int_equal(b->requests, 501);
    assert_int_equal(b->errors, 11); /* 10 x 503 + 1 connect */
    assert_int_equal(b->err_class[METRICS_ERR_HTTP_5XX], 10);
    assert_int_equal(b->err_class[METRICS_ERR_CONNECT], 1);
    assert_int_equal(b->status[503], 10);
    assert_int_equal(b->status[200], 490);
    assert_int_equal(metrics_hist_count(b->hist), 500);
    /* even i only: seconds +0 +2 +4 +6 +8, and the connect error at +3
     * inserted in order */
    assert_int_equal(b->n_timeline, 6);
    assert_int_equal(b->timeline[2].second, 1767268803);
    assert_int_equal(b->timeline[2].requests, 1);
    assert_int_equal(b->timeline[2].errors, 1);
    assert_int_equal(metrics_hist_count(b->timeline[2].hist), 0);
    assert_int_equal(b->timeline[3].requests, 100);
    assert_int_equal(metrics_value(r, b, METRICS_STAT_ERROR_RATE, &v), 0);
    assert_true(fabs(v - 11.0 / 501) < 1e-12);
    assert_int_equal(metrics_value(r, b, METRICS_STAT_RPS, &v), 0);
    assert_true(fabs(v - 50.1) < 1e-9);
    assert_int_equal(metrics_value(r, b, METRICS_STAT_MIN, &v), 0);
    assert_true(fabs(v - 40.0) < 1e-9);
    assert_int_equal(metrics_results_total_requests(r), 1501);
    assert_int_equal(metrics_results_total_errors(r), 11);
    metrics_results_free(r);
}

static void test_empty_endpoint_has_no_data(void **state)
{
    struct metrics_results *r = NULL;
    struct metrics_endpoint *ep;
    double v = -1;

    (void)state;
    assert_int_equal(metrics_results_new(&r), 0);
    ep = metrics_results_endpoint(r, "GET", "/x", true);
    assert_int_equal(metrics_value(r, ep, METRICS_STAT_P95, &v),
                     METRICS_ENODATA);
    assert_int_equal(metrics_value(r, ep, METRICS_STAT_ERROR_RATE, &v),
                     METRICS_ENODATA);
    assert_int_equal(metrics_value(r, ep, METRICS_STAT_RPS, &v),
                     METRICS_ENODATA);
    assert_int_equal(metrics_value(r, ep, METRICS_STAT_REQUESTS, &v), 0);
    assert_true(v == 0);
    metrics_results_free(r);
}

static void assert_same(const struct metrics_results *a,
                        const struct metrics_results *b)
{
    assert_int_equal(a->n_endpoints, b->n_endpoints);
    assert_int_equal(a->concurrent_users, b->concurrent_users);
    assert_true(a->duration_s == b->duration_s);
    assert_int_equal(a->start_second, b->start_second);
    assert_int_equal(a->partial, b->partial);
    assert_string_equal(a->timestamp, b->timestamp);
    assert_string_equal(a->meta.profile_sha256, b->meta.profile_sha256);
    assert_int_equal(a->n_recommendations, b->n_recommendations);
    for (size_t i = 0; i < a->n_endpoints; i++) {
        const struct metrics_endpoint *x = a->endpoints[i];
        const struct metrics_endpoint *y = b->endpoints[i];
        assert_string_equal(x->method, y->method);
        assert_string_equal(x->path, y->path);
        assert_int_equal(x->requests, y->requests);
        assert_int_equal(x->errors, y->errors);
        assert_memory_equal(x->err_class, y->err_class, sizeof(x->err_class));
        assert_memory_equal(x->status, y->status, sizeof(x->status));
        for (int s = 0; s < METRICS_STAT__COUNT; s++) {
            double vx = -1, vy = -2;
            int rx = metrics_value(a, x, s, &vx);
            int ry = metrics_value(b, y, s, &vy);
            assert_int_equal(rx, ry);
            if (!rx)
                assert_true(vx == vy);
        }
        assert_int_equal(x->n_timeline, y->n_timeline);
        for (size_t k = 0; k < x->n_timeline; k++) {
            assert_int_equal(x->timeline[k].second, y->timeline[k].second);
            assert_int_equal(x->timeline[k].requests, y->timeline[k].requests);
            assert_int_equal(x->timeline[k].errors, y->timeline[k].errors);
            assert_int_equal(metrics_hist_percentile(x->timeline[k].hist, 95),
                             metrics_hist_percentile(y->timeline[k].hist, 95));
        }
    }
}

static void test_json_round_trip(void **state)
{
    struct metrics_results *r = sample_run(1767268800, 2), *back = NULL;
    char *text = NULL, err[256];

    (void)state;
    r->partial = true;
    r->baseline_id = strdup("main");
    r->meta.shard = strdup("2/3");
    r->meta.run_id = strdup("github-42");
    r->meta.late = 7;
    assert_int_equal(metrics_results_dump(r, &text), 0);
    assert_non_null(strstr(text, "\"schema\": \"loadgate/results/v1\""));
    assert_non_null(strstr(text, "\"p95_response_time_ms\""));
    assert_non_null(strstr(text, "\"overall_p95_response_time\""));
    assert_non_null(strstr(text, "\"http_5xx\": 20"));
    assert_int_equal(
        metrics_results_parse(text, strlen(text), &back, err, sizeof(err)), 0);
    assert_same(r, back);
    assert_string_equal(back->baseline_id, "main");
    assert_string_equal(back->meta.shard, "2/3");
    assert_string_equal(back->meta.run_id, "github-42");
    assert_int_equal(back->meta.late, 7);
    free(text);
    metrics_results_free(r);
    metrics_results_free(back);
}

/* The thresholds a run was judged with travel in its results, so that a
 * later gate or report judges it with them; older documents lack them. */
static void test_thresholds_round_trip(void **state)
{
    static const struct metrics_threshold given[] = {
        {"p95 < 1s", NULL, NULL, NULL, 0, false, "perf/p.yaml", 37, 5},
        {"p95 < baseline + 50%", "GET /api/health", "warn", "5ms", 30, true,
         "perf/p.yaml", 40, 7},
        {"error_rate < 1%", NULL, NULL, NULL, 0, false, NULL, 0, 0},
    };
    struct metrics_results *r = sample_run(1767268800, 1), *back = NULL;
    char *text = NULL, err[256];

    (void)state;
    assert_int_equal(metrics_results_dump(r, &text), 0);
    assert_null(strstr(text, "\"thresholds\"")); /* none: not written */
    free(text);
    assert_int_equal(metrics_results_set_thresholds(r, given, 3), 0);
    /* setting a document's own thresholds again (aliasing) is safe */
    assert_int_equal(
        metrics_results_set_thresholds(r, r->thresholds, r->n_thresholds), 0);
    assert_int_equal(metrics_results_dump(r, &text), 0);
    assert_non_null(strstr(text, "\"thresholds\""));
    assert_int_equal(
        metrics_results_parse(text, strlen(text), &back, err, sizeof(err)), 0);
    assert_int_equal(back->n_thresholds, 3);
    for (size_t i = 0; i < 3; i++) {
        const struct metrics_threshold *a = &given[i],
                                       *b = &back->thresholds[i];
        assert_string_equal(a->check, b->check);
        if (a->endpoint)
            assert_string_equal(a->endpoint, b->endpoint);
        else
            assert_null(b->endpoint);
        assert_string_equal(a->severity ? a->severity : "error", b->severity);
        if (a->min_effect)
            assert_string_equal(a->min_effect, b->min_effect);
        else
            assert_null(b->min_effect);
        assert_true(a->for_s == b->for_s);
        assert_int_equal(a->abort_run, b->abort_run);
        if (a->file)
            assert_string_equal(a->file, b->file);
        else
            assert_null(b->file);
        assert_int_equal(a->line, b->line);
        assert_int_equal(a->col, b->col);
    }
    free(text);
    metrics_results_free(back);
    back = NULL;
    /* a malformed entry is an error naming it */
    {
        static const char bad[] =
            "{\"metrics\": [], \"thresholds\": [{\"endpoint\": \"x\"}]}";
        assert_int_equal(
            metrics_results_parse(bad, strlen(bad), &back, err, sizeof(err)),
            METRICS_ESCHEMA);
        assert_non_null(strstr(err, "thresholds[0].check"));
    }
    metrics_results_free(r);
}

static void test_legacy_report(void **state)
{
    static const char legacy[] =
        "{\"baseline_id\": \"production_baseline_v1\", \"timestamp\": "
        "\"2024-01-01T12:00:00\", \"test_duration_seconds\": 300.0, "
        "\"total_requests\": 10000, \"concurrent_users\": 100, "
        "\"summary\": {}, \"metrics\": [{\"endpoint\": \"/api/health\", "
        "\"method\": \"GET\", \"p50_response_time_ms\": 10.0, "
        "\"p95_response_time_ms\": 25.0, \"p99_response_time_ms\": 50.0, "
        "\"avg_response_time_ms\": 12.5, \"requests_per_second\": 100.0, "
        "\"error_rate\": 0.001, \"sample_size\": 3000}], "
        "\"recommendations\": [\"ok\"]}";
    struct metrics_results *r = NULL;
    const struct metrics_endpoint *ep;
    char err[256];
    double v;

    (void)state;
    assert_int_equal(
        metrics_results_parse(legacy, strlen(legacy), &r, err, sizeof(err)), 0);
    ep = metrics_results_find(r, "GET /api/health");
    assert_non_null(ep);
    assert_int_equal(ep->requests, 3000);
    assert_int_equal(ep->errors, 3);
    assert_int_equal(metrics_value(r, ep, METRICS_STAT_P95, &v), 0);
    assert_true(v == 25.0);
    assert_int_equal(metrics_value(r, ep, METRICS_STAT_RPS, &v), 0);
    assert_true(fabs(v - 10.0) < 1e-9);
    /* what the old report did not have is absent, not guessed */
    assert_int_equal(metrics_value(r, ep, METRICS_STAT_P999, &v),
                     METRICS_ENODATA);
    assert_int_equal(metrics_value(r, ep, METRICS_STAT_P90, &v),
                     METRICS_ENODATA);
    metrics_results_free(r);
}

static void test_bad_documents(void **state)
{
    static const struct {
        const char *doc;
        int rc;
        const char *msg;
    } cases[] = {
        {"{", METRICS_EPARSE, "line 1"},
        {"[]", METRICS_ESCHEMA, "top"},
        {"{\"schema\": \"other/v9\", \"metrics\": []}", METRICS_ESCHEMA,
         "schema"},
        {"{\"schema\": \"loadgate/results/v1\"}", METRICS_ESCHEMA, "metrics"},
        {"{\"metrics\": [{\"method\": \"GET\"}]}", METRICS_ESCHEMA,
         "metrics[0].endpoint"},
        {"{\"metrics\": [{\"endpoint\": \"/a\", \"sample_size\": -1}]}",
         METRICS_ESCHEMA, "sample_size"},
        {"{\"metrics\": [{\"endpoint\": \"/a\", \"histogram\": "
         "\"v1:zz\"}]}",
         METRICS_ESCHEMA, "metrics[0].histogram"},
        {"{\"metrics\": [{\"endpoint\": \"/a\", \"sample_size\": 1, "
         "\"errors\": {\"bogus\": 1}}]}",
         METRICS_ESCHEMA, "errors.bogus"},
        {"{\"metrics\": [{\"endpoint\": \"/a\", \"sample_size\": 1, "
         "\"errors\": {\"timeout\": 2}}]}",
         METRICS_ESCHEMA, "more errors"},
        {"{\"metrics\": [{\"endpoint\": \"/a\"}, {\"endpoint\": "
         "\"/a\"}]}",
         METRICS_ESCHEMA, "twice"},
        {"{\"metrics\": [], \"metrics\": []}", METRICS_EPARSE, "duplicate"},
        {"{\"metrics\": [{\"endpoint\": \"/a\", \"timeline\": [{\"t\": "
         "5}, {\"t\": 4}]}]}",
         METRICS_ESCHEMA, "ascend"},
        /* counts that are no counts: negative, beyond 2^53, or adding up
         * beyond it (or wrapping) */
        {"{\"metrics\": [{\"endpoint\": \"/a\", \"sample_size\": "
         "10000000000000000}]}",
         METRICS_ESCHEMA,
         "metrics[0].sample_size: expected a whole number "
         "from 0 to 9007199254740992"},
        {"{\"metrics\": [{\"endpoint\": \"/a\", \"sample_size\": 1, "
         "\"status_codes\": {\"200\": 9007199254740993}}]}",
         METRICS_ESCHEMA, "status_codes.200"},
        {"{\"metrics\": [{\"endpoint\": \"/a\", \"sample_size\": 1, "
         "\"status_codes\": {\"200\": -1}}]}",
         METRICS_ESCHEMA, "status_codes.200"},
        {"{\"metrics\": [{\"endpoint\": \"/a\", \"sample_size\": 1, "
         "\"errors\": {\"connect\": 4611686018427387904, \"dns\": "
         "4611686018427387904, \"tls\": 4611686018427387904, "
         "\"timeout\": 4611686018427387904}}]}",
         METRICS_ESCHEMA, "errors.connect"},
        {"{\"metrics\": [{\"endpoint\": \"/a\", \"sample_size\": "
         "9007199254740992}, {\"endpoint\": \"/b\", \"sample_size\": 1}]}",
         METRICS_ESCHEMA, "add up"},
        {"{\"metrics\": [{\"endpoint\": \"/a\", \"sample_size\": 1, "
         "\"status_codes\": {\"200\": 9007199254740992}}, {\"endpoint\": "
         "\"/b\", \"sample_size\": 1, \"status_codes\": {\"200\": 1}}]}",
         METRICS_ESCHEMA, "add up"},
        {"{\"total_requests\": -9223372036854775808, \"metrics\": "
         "[{\"endpoint\": \"/a\", \"sample_size\": 1}]}",
         METRICS_ESCHEMA, "total_requests"},
        {"{\"metrics\": [{\"endpoint\": \"/a\", \"sample_size\": 2, "
         "\"timeline\": [{\"t\": 5, \"requests\": 1e17}]}]}",
         METRICS_ESCHEMA, "timeline[0].requests"},
        {"{\"meta\": {\"late\": -5}, \"metrics\": []}", METRICS_ESCHEMA,
         "meta.late"},
        {"{\"meta\": {\"shard\": \"3/2\"}, \"metrics\": []}", METRICS_ESCHEMA,
         "meta.shard"},
        {"{\"metrics\": [{\"endpoint\": \"/a\", \"fine_timeline\": []}]}",
         METRICS_ESCHEMA, "fine_timeline_ms"},
        {"{\"metrics\": [{\"endpoint\": \"/a\", \"fine_timeline_ms\": 300, "
         "\"fine_timeline\": []}]}",
         METRICS_ESCHEMA, "divisor of 1000"},
        {"{\"metrics\": [{\"endpoint\": \"/a\", \"fine_timeline_ms\": 250, "
         "\"fine_timeline\": [{\"t_ms\": 1100}]}]}",
         METRICS_ESCHEMA, "fine_timeline[0].t_ms: not a multiple of 250"},
        {"{\"metrics\": [{\"endpoint\": \"/a\", \"fine_timeline_ms\": 250, "
         "\"fine_timeline\": [{\"t_ms\": 1000}, {\"t_ms\": 1000}]}]}",
         METRICS_ESCHEMA, "times must ascend"},
    };
    char err[256];

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        struct metrics_results *r = NULL;
        int rc;
        err[0] = '\0';
        rc = metrics_results_parse(cases[i].doc, strlen(cases[i].doc), &r, err,
                                   sizeof(err));
        if (rc != cases[i].rc)
            fail_msg("case %zu: %d, not %d", i, rc, cases[i].rc);
        if (r)
            fail_msg("case %zu parsed", i);
        if (!strstr(err, cases[i].msg))
            fail_msg("case %zu: '%s' lacks '%s'", i, err, cases[i].msg);
    }
}

static void test_merge(void **state)
{
    struct metrics_results *a = sample_run(1000, 1), *b = sample_run(1005, 1);
    struct metrics_results *c = sample_run(1000, 1);
    const struct metrics_endpoint *ep;

    (void)state;
    assert_int_equal(metrics_results_merge(a, b), 0);
    assert_int_equal(metrics_results_total_requests(a), 3002);
    assert_int_equal(a->concurrent_users, 100);
    assert_int_equal(a->start_second, 1000);
    assert_true(a->duration_s == 15);
    ep = metrics_results_find(a, "GET /api/health");
    /* seconds 1005..1009 overlap: 15 distinct seconds */
    assert_int_equal(ep->n_timeline, 15);
    assert_int_equal(ep->timeline[5].requests, 200);
    free(c->meta.profile_sha256);
    c->meta.profile_sha256 = strdup("different");
    assert_int_equal(metrics_results_merge(a, c), METRICS_EMISMATCH);
    metrics_results_free(a);
    metrics_results_free(b);
    metrics_results_free(c);
}

/* A histogram whose count is beyond 2^53 (the encoding allows it) makes
 * the document corrupt. */
static void test_absurd_histogram_count(void **state)
{
    struct metrics_hist *h = NULL;
    struct metrics_results *r = NULL;
    char *enc = NULL, doc[512], err[256];

    (void)state;
    assert_int_equal(metrics_hist_new(&h), 0);
    assert_true(metrics_hist_record_n(h, 3, METRICS_COUNT_MAX + 1));
    assert_int_equal(metrics_hist_encode(h, &enc), 0);
    snprintf(doc, sizeof(doc),
             "{\"metrics\": [{\"endpoint\": \"/a\", \"sample_size\": 1, "
             "\"histogram\": \"%s\"}]}",
             enc);
    assert_int_equal(
        metrics_results_parse(doc, strlen(doc), &r, err, sizeof(err)),
        METRICS_ESCHEMA);
    assert_null(r);
    assert_non_null(strstr(err, "metrics[0].histogram"));
    free(enc);
    metrics_hist_free(h);
}

/* Each summed counter, pushed to the edge in dst, refuses the merge with
 * METRICS_ERANGE and leaves dst as it was (it used to wrap). */
static void test_merge_overflow(void **state)
{
    enum {
        REQ,
        ERR,
        CLASS,
        STATUS,
        POINT_REQ,
        POINT_ERR,
        HIST,
        POINT_HIST,
        TTFB,
        USERS,
        LATE,
        TOTAL,
        N_CASES
    };
    const uint64_t edge = METRICS_COUNT_MAX - 5;

    (void)state;
    for (int c = 0; c < N_CASES; c++) {
        struct metrics_results *a = sample_run(1000, 1),
                               *b = sample_run(1000, 1);
        /* the endpoint with errors (all at second 1000, its first point) */
        struct metrics_endpoint *ep = metrics_results_endpoint(
            a, "POST", "/api/agents/{id}/query", false);
        struct metrics_endpoint *bep = metrics_results_endpoint(
            b, "POST", "/api/agents/{id}/query", false);
        uint64_t before;

        assert_non_null(bep);
        for (int k = 0; k < 10; k++)
            assert_int_equal(metrics_endpoint_record_timing(bep, 0, 0, 900), 0);
        switch (c) {
        case REQ:
            ep->requests = edge;
            break;
        case ERR:
            ep->errors = edge;
            break;
        case CLASS:
            ep->err_class[METRICS_ERR_HTTP_5XX] = edge;
            break;
        case STATUS:
            ep->status[200] = edge;
            break;
        case POINT_REQ:
            ep->timeline[0].requests = edge;
            break;
        case POINT_ERR:
            ep->timeline[0].errors = edge;
            break;
        case HIST:
            assert_true(metrics_hist_record_n(ep->hist, 10, edge));
            break;
        case POINT_HIST:
            assert_true(metrics_hist_record_n(ep->timeline[0].hist, 10, edge));
            break;
        case TTFB:
            assert_int_equal(metrics_endpoint_record_timing(ep, 0, 0, 1), 0);
            assert_true(metrics_hist_record_n(ep->ttfb_hist, 10, edge));
            break;
        case USERS:
            a->concurrent_users = edge;
            break;
        case LATE:
            a->meta.late = edge;
            b->meta.late = 10;
            break;
        case TOTAL:
            /* every endpoint fits, the document's total does not */
            ep->requests = edge - 1000;
            break;
        }
        before = metrics_results_total_requests(a);
        if (metrics_results_merge(a, b) != METRICS_ERANGE)
            fail_msg("case %d: merged past 2^53", c);
        assert_int_equal(metrics_results_total_requests(a), before);
        assert_int_equal(a->concurrent_users, c == USERS ? edge : 50);
        assert_int_equal(metrics_hist_count(ep->hist),
                         c == HIST ? edge + 500 : 500);
        metrics_results_free(a);
        metrics_results_free(b);
    }
}

/* What a merge of the same run's shards (and nothing else) takes. */
static struct metrics_results *shard(int64_t t0, const char *spec,
                                     const char *run_id)
{
    struct metrics_results *r = sample_run(t0, 1);

    r->meta.shard = spec ? strdup(spec) : NULL;
    r->meta.run_id = run_id ? strdup(run_id) : NULL;
    return r;
}

static int merge_pair(struct metrics_results *a, struct metrics_results *b,
                      unsigned flags, struct metrics_merge_info *info,
                      char *err, size_t len)
{
    struct metrics_results *in[] = {a, b};
    static const char *const names[] = {"a.json", "b.json"};
    int rc = metrics_results_merge_runs(in, names, 2, flags, info, err, len);

    metrics_results_free(a);
    metrics_results_free(b);
    return rc;
}

static void test_merge_runs_refuses_non_shards(void **state)
{
    static const struct {
        int64_t t0[2];
        const char *shard[2], *run[2];
        const char *why;
        bool overridable;
    } cases[] = {
        /* an unrelated run beside a shard, or two whole runs */
        {{1000, 1002},
         {"1/2", NULL},
         {NULL, NULL},
         "'b.json' is not a shard",
         true},
        {{1000, 1002},
         {NULL, NULL},
         {NULL, NULL},
         "'a.json' is not a shard",
         true},
        {{1000, 1000},
         {"1/2", "2/3"},
         {NULL, NULL},
         "'b.json' is shard 2/3, but 'a.json' is shard 1/2",
         true},
        {{1000, 1000}, {"1/2", "1/2"}, {NULL, NULL}, "both shard 1/2", true},
        {{1000, 1000},
         {"1/2", "2/2"},
         {"github-1", "github-2"},
         "'b.json' is from run github-2, 'a.json' from run github-1",
         true},
        /* shard 2 of a run an hour later: its load never met shard 1's */
        {{1000, 4600},
         {"1/2", "2/2"},
         {NULL, NULL},
         "did not run at the same time",
         true},
        {{4600, 1000},
         {"1/2", "2/2"},
         {"x", "x"},
         "did not run at the same time",
         true},
        /* known to the second: one that started in the second after the
         * other's last had certainly not run beside it */
        {{1000, 1011},
         {"1/2", "2/2"},
         {NULL, NULL},
         "did not run at the same time",
         true},
        {{0, 1000},
         {"1/2", "2/2"},
         {NULL, NULL},
         "'a.json' has no measured window",
         true},
    };
    struct metrics_merge_info info;
    char err[512];

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        struct metrics_results *a =
            shard(cases[i].t0[0], cases[i].shard[0], cases[i].run[0]);
        struct metrics_results *b =
            shard(cases[i].t0[1], cases[i].shard[1], cases[i].run[1]);
        if (cases[i].t0[0] == 0)
            a->start_second = 0;
        assert_int_equal(merge_pair(a, b, 0, &info, err, sizeof(err)),
                         METRICS_EMISMATCH);
        if (!strstr(err, cases[i].why))
            fail_msg("case %zu: '%s' lacks '%s'", i, err, cases[i].why);
        assert_int_equal(info.overridable, cases[i].overridable);
    }

    /* another profile is refused even when forced */
    {
        struct metrics_results *a = shard(1000, "1/2", NULL),
                               *b = shard(1000, "2/2", NULL);
        free(b->meta.profile_sha256);
        b->meta.profile_sha256 = strdup("different");
        assert_int_equal(
            merge_pair(a, b, METRICS_MERGE_FORCE, &info, err, sizeof(err)),
            METRICS_EMISMATCH);
        assert_non_null(strstr(err, "different profile"));
        assert_false(info.overridable);
        assert_int_equal(info.culprit, 1);
    }
    /* counts beyond 2^53 are refused, naming the input */
    {
        struct metrics_results *a = shard(1000, "1/2", NULL),
                               *b = shard(1000, "2/2", NULL);
        a->endpoints[0]->requests = METRICS_COUNT_MAX - 1;
        assert_int_equal(
            merge_pair(a, b, METRICS_MERGE_FORCE, &info, err, sizeof(err)),
            METRICS_ERANGE);
        assert_non_null(strstr(err, "'b.json'"));
        assert_false(info.overridable);
    }
}

static void test_merge_runs_of_shards(void **state)
{
    struct metrics_results *in[3];
    static const char *const names[] = {"s1", "s2", "s3"};
    struct metrics_merge_info info;
    char err[512];

    (void)state;
    /* three shards of one run, started a second or two apart, one of
     * them without a run id (a shard run outside CI): as before, the
     * union of the windows and the users and rates summed */
    in[0] = shard(1002, "2/3", "gitlab-7");
    in[1] = shard(1000, "1/3", NULL);
    in[2] = shard(1001, "3/3", "gitlab-7");
    for (int k = 0; k < 3; k++)
        in[k]->meta.target_rps = in[k]->meta.achieved_rps = 100;
    assert_int_equal(
        metrics_results_merge_runs(in, names, 3, 0, &info, err, sizeof(err)),
        0);
    assert_false(info.forced);
    assert_string_equal(err, "");
    assert_int_equal(info.shards_of, 3);
    assert_int_equal(info.shards_have, 3);
    assert_int_equal(metrics_results_total_requests(in[0]), 3 * 1501);
    assert_int_equal(in[0]->start_second, 1000);
    assert_true(in[0]->duration_s == 12);
    assert_int_equal(in[0]->concurrent_users, 150);
    assert_true(in[0]->meta.target_rps == 300);
    assert_true(in[0]->meta.achieved_rps == 300);
    assert_string_equal(in[0]->meta.run_id, "gitlab-7");
    for (int k = 0; k < 3; k++)
        metrics_results_free(in[k]);

    /* two of three: merged, and said; a window that may have ended in
     * the second the other started in may have met it */
    in[0] = shard(1000, "1/3", NULL);
    in[1] = shard(1010, "3/3", NULL);
    assert_int_equal(
        metrics_results_merge_runs(in, names, 2, 0, &info, err, sizeof(err)),
        0);
    assert_int_equal(info.shards_of, 3);
    assert_int_equal(info.shards_have, 2);
    metrics_results_free(in[0]);
    metrics_results_free(in[1]);

    /* one input is merged as it is */
    in[0] = shard(1000, NULL, NULL);
    assert_int_equal(
        metrics_results_merge_runs(in, names, 1, 0, &info, err, sizeof(err)),
        0);
    assert_int_equal(info.shards_of, 0);
    assert_true(in[0]->duration_s == 10);
    metrics_results_free(in[0]);
    assert_int_equal(
        metrics_results_merge_runs(in, names, 0, 0, &info, err, sizeof(err)),
        METRICS_EINVAL);
}

/* Merges the n runs of in (named r1, r2, r3) with METRICS_MERGE_FORCE,
 * which must succeed; whether it had to force, and the warning in err. */
static bool force_merge(struct metrics_results **in, size_t n,
                        struct metrics_merge_info *info, char *err, size_t len)
{
    static const char *const names[] = {"r1", "r2", "r3"};

    err[0] = '\0';
    if (metrics_results_merge_runs(in, names, n, METRICS_MERGE_FORCE, info, err,
                                   len) != 0)
        fail_msg("merge: %s", err);
    return info->forced;
}

/* Forced: the time between runs is no part of the duration, so rps is
 * that of the runs; users and rates are weighted by the time each group
 * of overlapping runs covers. */
static void test_merge_runs_forced_duration(void **state)
{
    struct metrics_results *in[3];
    struct metrics_merge_info info;
    char err[512];
    double rps;

    (void)state;
    /* two whole runs an hour apart, 10 s each */
    in[0] = shard(1000, NULL, "github-1");
    in[1] = shard(4600, NULL, "github-2");
    assert_true(force_merge(in, 2, &info, err, sizeof(err)));
    assert_non_null(strstr(err, "'r1' is not a shard"));
    assert_int_equal(info.shards_of, 0);
    assert_true(in[0]->duration_s == 20);
    assert_int_equal(in[0]->start_second, 1000);
    assert_int_equal(in[0]->concurrent_users, 50);
    assert_int_equal(
        metrics_value(in[0], in[0]->endpoints[0], METRICS_STAT_RPS, &rps), 0);
    assert_true(rps == 100); /* 1000 requests in each run's 10 s */
    assert_null(in[0]->meta.run_id);
    metrics_results_free(in[0]);
    metrics_results_free(in[1]);

    /* two runs overlapping (1000..1010, 1005..1015: 15 s, 100 users) and
     * one apart (2000..2010: 10 s, 50 users): 25 s, 80 users */
    in[0] = shard(1000, "1/3", NULL);
    in[1] = shard(2000, "2/3", NULL);
    in[2] = shard(1005, "3/3", NULL);
    for (int k = 0; k < 3; k++)
        in[k]->meta.target_rps = 10;
    assert_true(force_merge(in, 3, &info, err, sizeof(err)));
    assert_non_null(strstr(err, "did not run at the same time"));
    assert_true(in[0]->duration_s == 25);
    assert_int_equal(in[0]->concurrent_users, 80);
    assert_true(fabs(in[0]->meta.target_rps - 16) < 1e-9);
    assert_int_equal(metrics_results_total_requests(in[0]), 3 * 1501);
    for (int k = 0; k < 3; k++)
        metrics_results_free(in[k]);

    /* forced, but nothing to force: no warning, and as without */
    in[0] = shard(1000, "1/2", NULL);
    in[1] = shard(1003, "2/2", NULL);
    assert_false(force_merge(in, 2, &info, err, sizeof(err)));
    assert_true(in[0]->duration_s == 13);
    assert_int_equal(in[0]->concurrent_users, 100);
    metrics_results_free(in[0]);
    metrics_results_free(in[1]);
}

static void test_shard_parse(void **state)
{
    static const char *const bad[] = {
        "",     "1",    "0/2",  "3/2",      "1/",   "/2", "a/b",
        "1/2x", "-1/2", " 1/2", "1/100001", "1//2", NULL};
    unsigned i = 0, n = 0;

    (void)state;
    assert_int_equal(metrics_shard_parse("3/4", &i, &n), 0);
    assert_int_equal(i, 3);
    assert_int_equal(n, 4);
    assert_int_equal(metrics_shard_parse("100000/100000", &i, &n), 0);
    assert_int_equal(n, 100000);
    for (size_t k = 0; k < sizeof(bad) / sizeof(*bad); k++)
        if (metrics_shard_parse(bad[k], &i, &n) != -1)
            fail_msg("'%s' parsed", bad[k] ? bad[k] : "(null)");
}

/* A short run's fine timeline: recorded next to the per-second one,
 * complete only when it holds every request, merged slot by slot, written
 * and read back only when complete. */
static void test_fine_timeline(void **state)
{
    struct metrics_results *r = NULL, *s2 = NULL, *back = NULL;
    struct metrics_endpoint *ep, *ep2;
    const struct metrics_endpoint *bep;
    char *text = NULL, err[256];
    const int64_t t0 = INT64_C(1767268800000);

    (void)state;
    assert_int_equal(metrics_results_new(&r), 0);
    ep = metrics_results_endpoint(r, "GET", "/a", true);
    assert_false(metrics_endpoint_fine_complete(ep)); /* none */
    for (int i = 0; i < 60; i++) { /* 3 s, one request every 50 ms */
        int64_t ms = t0 + i * 50;
        bool bad = i % 10 == 0;
        enum metrics_errclass e = bad ? METRICS_ERR_HTTP_5XX : METRICS_ERR_NONE;
        assert_int_equal(metrics_endpoint_record(ep, ms / 1000, true,
                                                 1000 + (uint64_t)i, 200, e),
                         0);
        assert_int_equal(metrics_endpoint_record_fine(ep, ms, 250, true,
                                                      1000 + (uint64_t)i, e),
                         0);
    }
    assert_int_equal(ep->n_timeline, 3);
    assert_int_equal(ep->fine_ms, 250);
    assert_int_equal(ep->n_fine, 12);
    assert_int_equal(ep->fine[0].second, t0 / 250);
    assert_int_equal(ep->fine[0].requests, 5);
    assert_int_equal(ep->fine[0].errors, 1);
    assert_true(metrics_endpoint_fine_complete(ep));
    /* another interval on the same endpoint, or a bad one, is ignored */
    assert_int_equal(
        metrics_endpoint_record_fine(ep, t0, 100, true, 5, METRICS_ERR_NONE),
        0);
    assert_int_equal(
        metrics_endpoint_record_fine(ep, t0, 300, true, 5, METRICS_ERR_NONE),
        0);
    assert_int_equal(ep->n_fine, 12);

    /* the JSON has it, and reads it back */
    assert_int_equal(metrics_results_dump(r, &text), 0);
    assert_non_null(strstr(text, "\"fine_timeline_ms\": 250"));
    assert_non_null(strstr(text, "\"t_ms\": 1767268800250"));
    assert_int_equal(
        metrics_results_parse(text, strlen(text), &back, err, sizeof(err)), 0);
    bep = metrics_results_find(back, "GET /a");
    assert_int_equal(bep->fine_ms, 250);
    assert_int_equal(bep->n_fine, 12);
    assert_int_equal(bep->fine[11].second, t0 / 250 + 11);
    assert_int_equal(metrics_hist_count(bep->fine[3].hist), 5);
    assert_true(metrics_endpoint_fine_complete(bep));
    free(text);
    text = NULL;

    /* merged with a run of the same interval: slot by slot */
    assert_int_equal(metrics_results_new(&s2), 0);
    ep2 = metrics_results_endpoint(s2, "GET", "/a", true);
    assert_int_equal(
        metrics_endpoint_record(ep2, t0 / 1000, true, 7, 200, METRICS_ERR_NONE),
        0);
    assert_int_equal(metrics_endpoint_record_fine(ep2, t0 + 10, 250, true, 7,
                                                  METRICS_ERR_NONE),
                     0);
    assert_int_equal(metrics_results_merge(back, s2), 0);
    bep = metrics_results_find(back, "GET /a");
    assert_int_equal(bep->n_fine, 12);
    assert_int_equal(bep->fine[0].requests, 6);
    assert_true(metrics_endpoint_fine_complete(bep));

    /* a request the fine timeline lacks: incomplete, and not written */
    assert_int_equal(metrics_endpoint_record(ep, t0 / 1000 + 5, true, 9, 200,
                                             METRICS_ERR_NONE),
                     0);
    assert_false(metrics_endpoint_fine_complete(ep));
    assert_int_equal(metrics_results_dump(r, &text), 0);
    assert_null(strstr(text, "fine_timeline"));
    free(text);
    metrics_results_free(r);
    metrics_results_free(s2);
    metrics_results_free(back);
}

static void test_sha256_vectors(void **state)
{
    static const struct {
        const char *in;
        const char *hex;
    } v[] = {
        {"",
         "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
        {"abc",
         "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
        {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
    };
    char out[65];
    char *million = malloc(1000000);

    (void)state;
    for (size_t i = 0; i < sizeof(v) / sizeof(*v); i++) {
        metrics_sha256_hex(v[i].in, strlen(v[i].in), out);
        assert_string_equal(out, v[i].hex);
    }
    assert_non_null(million);
    memset(million, 'a', 1000000);
    metrics_sha256_hex(million, 1000000, out);
    assert_string_equal(
        out,
        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    free(million);
}

/* Seconds arriving out of order are inserted in place; the timeline
 * stays ascending and each point counts only its own second. */
static void test_timeline_out_of_order(void **state)
{
    static const int64_t order[] = {105, 103, 107, 101, 103, 109, 100, 107};
    static const struct {
        int64_t second;
        uint64_t requests;
    } want[] = {{100, 1}, {101, 1}, {103, 2}, {105, 1}, {107, 2}, {109, 1}};
    struct metrics_results *r = NULL;
    struct metrics_endpoint *ep;

    (void)state;
    assert_int_equal(metrics_results_new(&r), 0);
    ep = metrics_results_endpoint(r, "GET", "/x", true);
    assert_non_null(ep);
    for (size_t i = 0; i < sizeof(order) / sizeof(*order); i++)
        assert_int_equal(metrics_endpoint_record(ep, order[i], true,
                                                 (uint64_t)order[i] * 10, 200,
                                                 METRICS_ERR_NONE),
                         0);
    assert_int_equal(ep->n_timeline, sizeof(want) / sizeof(*want));
    for (size_t i = 0; i < sizeof(want) / sizeof(*want); i++) {
        assert_int_equal(ep->timeline[i].second, want[i].second);
        assert_int_equal(ep->timeline[i].requests, want[i].requests);
        assert_int_equal(metrics_hist_count(ep->timeline[i].hist),
                         want[i].requests);
        assert_int_equal(metrics_hist_max(ep->timeline[i].hist),
                         (uint64_t)want[i].second * 10);
    }
    assert_ptr_equal(metrics_results_endpoint(r, "GET", "/x", false), ep);
    assert_null(metrics_results_endpoint(r, "POST", "/x", false));
    metrics_results_free(r);
}

static void test_atomic_write(void **state)
{
    char dir[] = "/tmp/lg-metrics-XXXXXX", path[256], bad[300], buf[32];
    FILE *f;

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/r.json", dir);
    assert_int_equal(metrics_write_atomic(path, "first", 5), 0);
    assert_int_equal(metrics_write_atomic(path, "second", 6), 0);
    f = fopen(path, "r");
    assert_non_null(f);
    assert_int_equal(fread(buf, 1, sizeof(buf), f), 6);
    fclose(f);
    assert_memory_equal(buf, "second", 6);
    snprintf(bad, sizeof(bad), "%s/missing/r.json", dir);
    assert_int_equal(metrics_write_atomic(bad, "x", 1), METRICS_EIO);
    assert_int_equal(errno, ENOENT);
    /* a folder we may not write into: the old file stays intact (root
     * is never denied, so only an unprivileged run can check this) */
    if (geteuid() != 0) {
        assert_int_equal(chmod(dir, 0500), 0);
        assert_int_equal(metrics_write_atomic(path, "third", 5), METRICS_EIO);
        assert_int_equal(chmod(dir, 0700), 0);
        f = fopen(path, "r");
        assert_non_null(f);
        assert_int_equal(fread(buf, 1, sizeof(buf), f), 6);
        fclose(f);
        assert_memory_equal(buf, "second", 6);
    }
    unlink(path);
    assert_int_equal(rmdir(dir), 0); /* no temporary file left behind */
}

/* A whole file read, up to a limit that is exact (across the first
 * buffer's size too), and a stream that cannot be read. */
static void test_read_all(void **state)
{
    static const struct {
        size_t size, max;
        int rc;
    } cases[] = {
        {0, 0, 0},
        {5, 5, 0},
        {5, 4, METRICS_ERANGE},
        {70000, SIZE_MAX, 0},
        {70000, 70000, 0},
        {70000, 69999, METRICS_ERANGE},
    };
    char dir[] = "/tmp/lg-metrics-XXXXXX", *text, *buf;
    size_t len;
    FILE *f;

    (void)state;
    text = malloc(70000);
    assert_non_null(text);
    for (size_t i = 0; i < 70000; i++)
        text[i] = (char)('a' + i % 26);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        f = tmpfile();
        assert_non_null(f);
        assert_int_equal(fwrite(text, 1, cases[i].size, f), cases[i].size);
        rewind(f);
        len = 1;
        assert_int_equal(metrics_read_all(f, cases[i].max, &buf, &len),
                         cases[i].rc);
        if (cases[i].rc) {
            assert_null(buf);
        } else {
            assert_int_equal(len, cases[i].size);
            assert_memory_equal(buf, text, len);
            assert_int_equal(buf[len], '\0');
        }
        free(buf);
        fclose(f);
    }
    free(text);
    assert_non_null(mkdtemp(dir));
    f = fopen(dir, "rb"); /* a folder opens, but does not read */
    assert_non_null(f);
    assert_int_equal(metrics_read_all(f, SIZE_MAX, &buf, &len), METRICS_EIO);
    assert_int_equal(errno, EISDIR);
    assert_null(buf);
    fclose(f);
    assert_int_equal(rmdir(dir), 0);
}

static void test_names(void **state)
{
    char buf[32];

    (void)state;
    assert_string_equal(metrics_stat_name(METRICS_STAT_P999), "p99.9");
    assert_int_equal(metrics_stat_parse("error_rate"), METRICS_STAT_ERROR_RATE);
    assert_int_equal(metrics_stat_parse("p42"), -1);
    assert_true(metrics_stat_is_time(METRICS_STAT_MAX));
    assert_false(metrics_stat_is_time(METRICS_STAT_RPS));
    assert_true(metrics_stat_percentile(METRICS_STAT_P999) == 99.9);
    assert_string_equal(metrics_errclass_name(METRICS_ERR_STATUS),
                        "unexpected_status");
    assert_int_equal(metrics_errclass_parse("tls"), METRICS_ERR_TLS);
    metrics_format_utc(1767268800, buf, sizeof(buf));
    assert_string_equal(buf, "2026-01-01T12:00:00Z");
    assert_string_equal(metrics_strerror(METRICS_ESCHEMA),
                        "not a loadgate results document");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_record_and_values),
        cmocka_unit_test(test_empty_endpoint_has_no_data),
        cmocka_unit_test(test_json_round_trip),
        cmocka_unit_test(test_thresholds_round_trip),
        cmocka_unit_test(test_legacy_report),
        cmocka_unit_test(test_bad_documents),
        cmocka_unit_test(test_merge),
        cmocka_unit_test(test_absurd_histogram_count),
        cmocka_unit_test(test_merge_overflow),
        cmocka_unit_test(test_merge_runs_refuses_non_shards),
        cmocka_unit_test(test_merge_runs_of_shards),
        cmocka_unit_test(test_merge_runs_forced_duration),
        cmocka_unit_test(test_shard_parse),
        cmocka_unit_test(test_fine_timeline),
        cmocka_unit_test(test_sha256_vectors),
        cmocka_unit_test(test_timeline_out_of_order),
        cmocka_unit_test(test_atomic_write),
        cmocka_unit_test(test_read_all),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
