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
                metrics_endpoint_record(b, sec, true, 40000 + i % 997,
                                        i % 100 == 0 ? 503 : 200,
                                        i % 100 == 0 ? METRICS_ERR_HTTP_5XX
                                                     : METRICS_ERR_NONE),
                0);
    }
    /* a connect failure: counted, no latency */
    assert_int_equal(metrics_endpoint_record(b, t0 + 3, false, 0, 0,
                                             METRICS_ERR_CONNECT),
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
        assert_memory_equal(x->err_class, y->err_class,
                            sizeof(x->err_class));
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
            assert_int_equal(x->timeline[k].requests,
                             y->timeline[k].requests);
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
    assert_int_equal(metrics_results_dump(r, &text), 0);
    assert_non_null(strstr(text, "\"schema\": \"loadgate/results/v1\""));
    assert_non_null(strstr(text, "\"p95_response_time_ms\""));
    assert_non_null(strstr(text, "\"overall_p95_response_time\""));
    assert_non_null(strstr(text, "\"http_5xx\": 20"));
    assert_int_equal(metrics_results_parse(text, strlen(text), &back, err,
                                           sizeof(err)),
                     0);
    assert_same(r, back);
    assert_string_equal(back->baseline_id, "main");
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
    assert_int_equal(metrics_results_parse(text, strlen(text), &back, err,
                                           sizeof(err)),
                     0);
    assert_int_equal(back->n_thresholds, 3);
    for (size_t i = 0; i < 3; i++) {
        const struct metrics_threshold *a = &given[i], *b = &back->thresholds[i];
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
        metrics_results_parse(legacy, strlen(legacy), &r, err, sizeof(err)),
        0);
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
        {"{\"schema\": \"loadgate/results/v1\"}", METRICS_ESCHEMA,
         "metrics"},
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
        err[0] = '\0';
        assert_int_equal(metrics_results_parse(cases[i].doc,
                                               strlen(cases[i].doc), &r, err,
                                               sizeof(err)),
                         cases[i].rc);
        assert_null(r);
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
    assert_int_equal(metrics_endpoint_record_fine(ep, t0, 100, true, 5,
                                                  METRICS_ERR_NONE),
                     0);
    assert_int_equal(metrics_endpoint_record_fine(ep, t0, 300, true, 5,
                                                  METRICS_ERR_NONE),
                     0);
    assert_int_equal(ep->n_fine, 12);

    /* the JSON has it, and reads it back */
    assert_int_equal(metrics_results_dump(r, &text), 0);
    assert_non_null(strstr(text, "\"fine_timeline_ms\": 250"));
    assert_non_null(strstr(text, "\"t_ms\": 1767268800250"));
    assert_int_equal(metrics_results_parse(text, strlen(text), &back, err,
                                           sizeof(err)),
                     0);
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
    assert_int_equal(metrics_endpoint_record(ep2, t0 / 1000, true, 7, 200,
                                             METRICS_ERR_NONE),
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
        {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
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
        out, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
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
        cmocka_unit_test(test_fine_timeline),
        cmocka_unit_test(test_sha256_vectors),
        cmocka_unit_test(test_timeline_out_of_order),
        cmocka_unit_test(test_atomic_write),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
