/* gRPC steps' logic without sockets (loader/src/loader_grpc.c): the
 * length-prefixed message frame, the grpc-timeout header's value, a
 * grpc-status value, the class of an answer, the plan's rules; and the
 * grpc_status counts of an endpoint (metrics): recorded, merged and
 * through the results JSON and back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "loader_capture_internal.h"
#include "loader_engine_internal.h"

static void test_frame(void **state)
{
    unsigned char *f = NULL;
    size_t n = 0;
    unsigned char big[300];

    (void)state;
    assert_int_equal(loader_grpc_frame("\x0a\x05world", 7, &f, &n), 0);
    assert_int_equal(n, 12);
    assert_memory_equal(f, "\0\0\0\0\x07\x0a\x05world", 12);
    free(f);
    /* the empty message */
    assert_int_equal(loader_grpc_frame(NULL, 0, &f, &n), 0);
    assert_int_equal(n, 5);
    assert_memory_equal(f, "\0\0\0\0\0", 5);
    free(f);
    /* the length is big-endian */
    memset(big, 0xab, sizeof(big));
    assert_int_equal(loader_grpc_frame(big, sizeof(big), &f, &n), 0);
    assert_int_equal(n, 305);
    assert_memory_equal(f, "\0\0\0\x01\x2c", 5);
    assert_memory_equal(f + 5, big, sizeof(big));
    free(f);
}

static void test_timeout(void **state)
{
    static const struct {
        double s;
        const char *want;
    } cases[] = {
        {2, "2000m"},
        {0.1, "100m"},
        {0.25, "250m"},
        {0.00025, "250u"},
        {1.5005, "1500500u"},
        {30 * 60, "1800000m"},
        {99999.999, "99999999m"},
        {100000, "100000S"},         /* past 8 digits of ms */
        {1e-9, "1u"},                /* never 0 */
        {3155760000.0, "52596000M"}, /* a century */
    };
    char buf[16];

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        loader__grpc_timeout(cases[i].s, buf, sizeof(buf));
        assert_string_equal(buf, cases[i].want);
        assert_true(strlen(buf) <= 9); /* 8 digits and a unit */
    }
}

static void test_status(void **state)
{
    (void)state;
    assert_int_equal(loader__grpc_status("0", 1), 0);
    assert_int_equal(loader__grpc_status("14", 2), 14);
    assert_int_equal(loader__grpc_status("140", 2), 14); /* n counts */
    assert_int_equal(loader__grpc_status("", 0), -1);
    assert_int_equal(loader__grpc_status("x", 1), -1);
    assert_int_equal(loader__grpc_status("-1", 2), -1);
    assert_int_equal(loader__grpc_status("12345", 5), -1);
}

static void test_errclass(void **state)
{
    struct loader_grpc ok = {0}, unavailable = {0};

    (void)state;
    unavailable.expect = (1u << 0) | (1u << 14);
    assert_int_equal(loader__grpc_errclass(&ok, 200, 0), METRICS_ERR_NONE);
    assert_int_equal(loader__grpc_errclass(&ok, 200, 14), METRICS_ERR_GRPC);
    assert_int_equal(loader__grpc_errclass(&ok, 200, -1), METRICS_ERR_GRPC);
    assert_int_equal(loader__grpc_errclass(&ok, 200, 99), METRICS_ERR_GRPC);
    assert_int_equal(loader__grpc_errclass(&unavailable, 200, 14),
                     METRICS_ERR_NONE);
    assert_int_equal(loader__grpc_errclass(&unavailable, 200, 5),
                     METRICS_ERR_GRPC);
    /* HTTP says first: gRPC always answers 200 */
    assert_int_equal(loader__grpc_errclass(&ok, 503, 0), METRICS_ERR_HTTP_5XX);
    assert_int_equal(loader__grpc_errclass(&ok, 404, -1), METRICS_ERR_STATUS);
    assert_int_equal(loader__grpc_errclass(&ok, 204, 0), METRICS_ERR_STATUS);
    assert_string_equal(metrics_errclass_name(METRICS_ERR_GRPC), "grpc");
}

static void test_plan_rules(void **state)
{
    struct loader_grpc g = {0};
    struct loader_step steps[2] = {{0}};
    struct loader_scenario sc = {0};
    struct loader_plan p = {0};
    char err[256];

    (void)state;
    steps[0].method = "POST";
    steps[0].path = "/a.B/C";
    steps[0].grpc = &g;
    sc.name = "s";
    sc.weight = 1;
    sc.steps = steps;
    sc.n_steps = 1;
    p.target = "http://127.0.0.1:1";
    p.timeout_s = 10;
    p.scenarios = &sc;
    p.n_scenarios = 1;
    p.load.users = 1;
    p.load.duration_s = 1;
    assert_true(loader__plan_grpc(&p));
    assert_int_equal(loader_plan_check(&p, err, sizeof(err)), LOADER_EINVAL);
    assert_non_null(strstr(err, "need HTTP/2"));
    p.http.version = LOADER_HTTP_AUTO; /* cleartext auto: HTTP/1.1 */
    assert_int_equal(loader_plan_check(&p, err, sizeof(err)), LOADER_EINVAL);
    p.target = "https://127.0.0.1:1";
    assert_int_equal(loader_plan_check(&p, err, sizeof(err)), 0);
    p.http.version = LOADER_HTTP_2;
    p.target = "http://127.0.0.1:1";
    assert_int_equal(loader_plan_check(&p, err, sizeof(err)), 0);
    /* not in setup */
    steps[1] = steps[0];
    p.setup = &steps[1];
    p.n_setup = 1;
    assert_int_equal(loader_plan_check(&p, err, sizeof(err)), LOADER_EINVAL);
    assert_non_null(strstr(err, "not in setup"));
    p.setup = NULL;
    p.n_setup = 0;
    steps[0].grpc = NULL;
    assert_false(loader__plan_grpc(&p));
}

/* A call's headers: the defaults' (but their Content-Type and TE), its
 * metadata, then content-type, te and grpc-timeout of its own. */
static void test_render(void **state)
{
    struct loader_kv defaults[] = {{"Content-Type", "text/plain", false},
                                   {"TE", "gzip", false},
                                   {"grpc-encoding", "gzip", false},
                                   {"X-A", "b", false}};
    struct loader_kv meta[] = {{"x-tenant", "{{t}}", false}};
    struct loader_grpc g = {0};
    struct loader_step s = {0};
    struct loader_plan p = {0};
    struct loader__vu vu;
    static const char *const want[] = {"X-A: b", "x-tenant: acme",
                                       "Content-Type: application/grpc",
                                       "TE: trailers", "grpc-timeout: 250m"};

    (void)state;
    memset(&vu, 0, sizeof(vu));
    vu.number = 1;
    assert_int_equal(loader__vars_set(&vu.vars, "t", "acme"), 0);
    p.target = "http://127.0.0.1:1";
    p.headers = defaults;
    p.n_headers = 4;
    s.method = "POST";
    s.path = "/a.B/C";
    s.headers = meta;
    s.n_headers = 1;
    s.timeout_s = 0.25;
    s.grpc = &g;
    assert_int_equal(loader__vu_render(&p, &s, &vu), 0);
    assert_string_equal(vu.url.p, "http://127.0.0.1:1/a.B/C");
    assert_int_equal(vu.n_headers, 5);
    for (size_t i = 0; i < 5; i++)
        assert_string_equal(vu.headers[i], want[i]);
    /* without a timeout of its own: no grpc-timeout */
    s.timeout_s = 0;
    assert_int_equal(loader__vu_render(&p, &s, &vu), 0);
    assert_int_equal(vu.n_headers, 4);
    loader__vu_release(&vu);
}

static void test_results(void **state)
{
    struct metrics_results *r = NULL, *back = NULL;
    struct metrics_endpoint *ep, *other;
    char *json = NULL, err[256];

    (void)state;
    assert_int_equal(metrics_results_new(&r), 0);
    ep = metrics_results_endpoint(r, "GRPC", "/a.B/C", true);
    other = metrics_results_endpoint(r, "GET", "/", true);
    assert_non_null(ep);
    for (int i = 0; i < 5; i++) {
        int code = i < 3 ? 0 : 14;

        assert_int_equal(
            metrics_endpoint_record(ep, 1000, true, 100, 200,
                                    code ? METRICS_ERR_GRPC : METRICS_ERR_NONE),
            0);
        metrics_endpoint_record_grpc(ep, code);
    }
    metrics_endpoint_record_grpc(ep, 17); /* not a code: ignored */
    metrics_endpoint_record_grpc(ep, -1);
    assert_int_equal(
        metrics_endpoint_record(other, 1000, true, 100, 200, METRICS_ERR_NONE),
        0);
    assert_int_equal(metrics_results_dump(r, &json), 0);
    assert_non_null(strstr(json, "\"grpc_status\": {"));
    assert_non_null(strstr(json, "\"OK\": 3"));
    assert_non_null(strstr(json, "\"UNAVAILABLE\": 2"));
    assert_non_null(strstr(json, "\"grpc\": 2"));
    /* only the gRPC endpoint has them */
    assert_null(strstr(strstr(json, "\"grpc_status\"") + 13, "grpc_status"));
    assert_int_equal(
        metrics_results_parse(json, strlen(json), &back, err, sizeof(err)), 0);
    ep = metrics_results_endpoint(back, "GRPC", "/a.B/C", false);
    assert_non_null(ep);
    assert_int_equal(ep->grpc_status[0], 3);
    assert_int_equal(ep->grpc_status[14], 2);
    assert_int_equal(ep->err_class[METRICS_ERR_GRPC], 2);
    other = metrics_results_endpoint(back, "GET", "/", false);
    assert_non_null(other);
    for (int c = 0; c < METRICS_GRPC_STATUS_MAX; c++)
        assert_int_equal(other->grpc_status[c], 0);
    /* merged with itself: twice the counts */
    assert_int_equal(metrics_endpoint_merge(ep, ep), 0);
    assert_int_equal(ep->grpc_status[14], 4);
    free(json);
    metrics_results_free(back);
    metrics_results_free(r);
    assert_string_equal(metrics_grpc_status_name(16), "UNAUTHENTICATED");
    assert_null(metrics_grpc_status_name(17));
    assert_int_equal(metrics_grpc_status_parse("NOT_FOUND"), 5);
    assert_int_equal(metrics_grpc_status_parse("not_found"), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_frame),      cmocka_unit_test(test_timeout),
        cmocka_unit_test(test_status),     cmocka_unit_test(test_errclass),
        cmocka_unit_test(test_plan_rules), cmocka_unit_test(test_render),
        cmocka_unit_test(test_results),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
