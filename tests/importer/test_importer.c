/*
 * importer: Locust, k6 and JMeter results as loadgate results documents.
 *
 * Fixtures (tests/importer/fixtures/README.md says how each was made):
 * real Locust 2.12 and JMeter 2.13 output (CSV with and without a header
 * line, XML), a JMeter 5 CSV made from a real one, a hand-written k6
 * summary.
 * Expected numbers were read off the files independently (Python's csv
 * module, the percentile definition of metrics.h).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "importer.h"
#include "importer_internal.h"
#include "importer_test.h"
#include "metrics.h"

/* ---- format names ------------------------------------------------------- */

static void test_format_parse(void **state)
{
    static const struct {
        const char *name;
        int want;
    } cases[] = {
        {"locust", IMPORTER_LOCUST},
        {"k6", IMPORTER_K6},
        {"jmeter", IMPORTER_JMETER},
        {"artillery", IMPORTER_ARTILLERY},
        {"autocannon", IMPORTER_AUTOCANNON},
        {"gatling", IMPORTER_GATLING},
        {"vegeta", IMPORTER_VEGETA},
        {"wrk", IMPORTER_WRK},
        {"hey", IMPORTER_HEY},
        {"auto", IMPORTER_AUTO},
        {"loadgate", -1}, /* what auto finds, not a --from */
        {"JMeter", -1},
        {"", -1},
        {"k6 ", -1},
        {NULL, -1},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int got = importer_format_parse(cases[i].name);

        assert_int_equal(got, cases[i].want);
        if (got >= 0)
            assert_string_equal(importer_format_name((enum importer_format)got),
                                cases[i].name);
    }
    assert_string_equal(importer_format_name(IMPORTER_LOADGATE), "loadgate");
    assert_null(
        importer_format_name((enum importer_format)(IMPORTER_LOADGATE + 1)));
    assert_string_equal(importer_strerror(IMPORTER_EPARSE), "malformed input");
    assert_string_equal(importer_strerror(12345), "unknown error");
}

/* ---- Locust ------------------------------------------------------------- */

struct scalar_case {
    const char *endpoint;
    uint64_t requests, errors;
    /* p50 p75 p90 p95 p99 p99.9 avg min max, ms; ABSENT = none */
    double v[9];
};

static const enum metrics_stat scalar_stats[9] = {
    METRICS_STAT_P50, METRICS_STAT_P75, METRICS_STAT_P90,
    METRICS_STAT_P95, METRICS_STAT_P99, METRICS_STAT_P999,
    METRICS_STAT_AVG, METRICS_STAT_MIN, METRICS_STAT_MAX,
};

static void check_scalars(const struct metrics_results *r,
                          const struct scalar_case *c)
{
    const struct metrics_endpoint *ep = find(r, c->endpoint);
    char what[256];

    assert_int_equal(ep->requests, c->requests);
    assert_int_equal(ep->errors, c->errors);
    assert_int_equal(ep->err_class[METRICS_ERR_OTHER], c->errors);
    for (int i = 0; i < 9; i++) {
        snprintf(what, sizeof(what), "%s %s", c->endpoint,
                 metrics_stat_name(scalar_stats[i]));
        assert_close(value(r, ep, scalar_stats[i]), c->v[i], 1e-12, what);
    }
}

static void test_locust_fixture(void **state)
{
    /* from locust_stats.csv: 50%, 75%, 90%, 95%, 99%, 99.9%, Average,
     * Min, Max */
    static const struct scalar_case cases[] = {
        {"GET /api/health",
         234,
         0,
         {4, 5, 6, 7, 33, 37, 4.750349662377926, 2.1478500002558576,
          36.98803299994324}},
        {"POST /api/health",
         78,
         78,
         {4, 4, 6, 7, 9, 9, 4.033485717954113, 2.1001790000809706,
          9.377888999551942}},
        {"GET /index.html",
         65,
         0,
         {4, 5, 7, 8, 10, 10, 4.5503563231250155, 1.819968999370758,
          10.047918000054779}},
        {"GET /missing, \"quoted\"",
         76,
         76,
         {4, 5, 6, 7, 37, 37, 4.654836421064158, 2.30266299968207,
          37.395205999928294}},
    };
    struct metrics_results *r =
        load_ok(IMPORTER_LOCUST, FIXTURE("locust_stats.csv"));
    const double duration = 453 / 90.54403255967755;

    (void)state;
    assert_string_equal(r->meta.source, "locust");
    assert_int_equal(r->n_endpoints, 4); /* not the Aggregated row */
    assert_int_equal(metrics_results_total_requests(r), 453);
    assert_int_equal(metrics_results_total_errors(r), 154);
    assert_close(r->duration_s, duration, 1e-12, "duration");
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        check_scalars(r, &cases[i]);
    /* rps reproduces Locust's Requests/s column */
    assert_close(value(r, find(r, "GET /api/health"), METRICS_STAT_RPS),
                 46.7710896665884, 1e-9, "rps");
    assert_close(value(r, find(r, "POST /api/health"), METRICS_STAT_ERROR_RATE),
                 1.0, 0, "error_rate");
    /* summary only: no histogram samples are invented */
    assert_int_equal(metrics_hist_count(find(r, "GET /api/health")->hist), 0);
    metrics_results_free(r);
}

/* The whole run (ALL) has the Aggregated row's percentiles, average, min
 * and max, which no endpoint's numbers give (Locust computes them over
 * every request), and its counts and rate. */
static void test_locust_whole_run(void **state)
{
    static const struct {
        const char *file;
        struct scalar_case all;
        double rps;
    } cases[] = {
        /* p99 29 and p75 5: no endpoint row has those */
        {FIXTURE("locust_stats.csv"),
         {"ALL",
          453,
          154,
          {4, 5, 6, 7, 29, 37, 4.5821952229599505, 1.819968999370758,
           37.395205999928294}},
         90.54403255967755},
        /* p90 9 where /index.html's is 10 */
        {FIXTURE("locust_healthy_stats.csv"),
         {"ALL",
          3372,
          0,
          {5, 7, 9, 11, 19, 1000, 9.654771290926629, 1.135582999950202,
           1042.3288109999476}},
         481.41322339620666},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct metrics_results *r = load_ok(IMPORTER_LOCUST, cases[i].file);
        const struct scalar_case *c = &cases[i].all;
        struct metrics_endpoint *all = NULL;
        char what[300];

        assert_int_equal(metrics_results_aggregate(r, &all), 0);
        assert_int_equal(all->requests, c->requests);
        assert_int_equal(all->errors, c->errors);
        for (int k = 0; k < 9; k++) {
            snprintf(what, sizeof(what), "%s ALL %s", cases[i].file,
                     metrics_stat_name(scalar_stats[k]));
            assert_close(value(r, all, scalar_stats[k]), c->v[k], 1e-12, what);
        }
        assert_close(value(r, all, METRICS_STAT_RPS), cases[i].rps, 1e-9,
                     "ALL rps");
        metrics_endpoint_free(all);
        metrics_results_free(r);
    }
}

/* Hand-made variants of Locust's format: N/A, reordered and extra
 * columns, CRLF, a BOM, the pre-1.0 "Total" row. */
static void test_locust_variants(void **state)
{
    static const char na[] =
        "Type,Name,Request Count,Failure Count,Median Response Time,"
        "Average Response Time,Min Response Time,Max Response Time,"
        "Average Content Size,Requests/s,Failures/s,50%,66%,75%,80%,90%,"
        "95%,98%,99%,99.9%,99.99%,100%\n"
        "GET,/a,10,1,5,6.5,1,20,3,2,0.2,5,6,7,8,9,10,11,12,N/A,N/A,20\n"
        "GET,/never,0,0,0,0.0,0,0,0,0.000000,0.000000,N/A,N/A,N/A,N/A,N/A,"
        "N/A,N/A,N/A,N/A,N/A,N/A\n"
        ",Aggregated,10,1,5,6.5,1,20,3,2,0.2,5,6,7,8,9,10,11,12,N/A,N/A,"
        "20\n";
    static const char reordered[] =
        "\xEF\xBB\xBFName,Type,Requests/s,Request Count,Failure Count,"
        "Extra,95%,Average Response Time\r\n"
        "\"/b, c\",POST,4,8,0,x,12.5,7\r\n"
        "Total,,4,8,0,x,12.5,7\r\n";
    struct metrics_results *r = NULL;
    const struct metrics_endpoint *ep;
    char err[256];

    (void)state;
    assert_int_equal(importer_parse(IMPORTER_LOCUST, na, strlen(na), "na.csv",
                                    &r, err, sizeof(err)),
                     0);
    ep = find(r, "GET /a");
    assert_close(value(r, ep, METRICS_STAT_P99), 12, 0, "p99");
    assert_close(value(r, ep, METRICS_STAT_P999), ABSENT, 0, "p99.9 N/A");
    assert_close(r->duration_s, 5, 1e-12, "duration");
    ep = find(r, "GET /never");
    assert_int_equal(ep->requests, 0);
    for (int i = 0; i < 9; i++)
        assert_close(value(r, ep, scalar_stats[i]), ABSENT, 0,
                     "a row without requests has no times");
    assert_close(value(r, ep, METRICS_STAT_ERROR_RATE), ABSENT, 0,
                 "error_rate of nothing");
    metrics_results_free(r);

    r = NULL;
    assert_int_equal(importer_parse(IMPORTER_LOCUST, reordered,
                                    strlen(reordered), "r.csv", &r, err,
                                    sizeof(err)),
                     0);
    ep = find(r, "POST /b, c");
    assert_int_equal(ep->requests, 8);
    assert_close(value(r, ep, METRICS_STAT_P95), 12.5, 0, "p95");
    assert_close(value(r, ep, METRICS_STAT_AVG), 7, 0, "avg");
    assert_close(value(r, ep, METRICS_STAT_P50), ABSENT, 0, "no 50%");
    assert_close(value(r, ep, METRICS_STAT_MAX), ABSENT, 0, "no max");
    assert_close(r->duration_s, 2, 1e-12, "duration");
    metrics_results_free(r);
}

/* ---- k6 ----------------------------------------------------------------- */

static void test_k6_fixture(void **state)
{
    static const struct scalar_case cases[] = {
        {"GET /api/health",
         900,
         0,
         {10.0233, ABSENT, 21.2, 25.0081, ABSENT, ABSENT, 12.5017, 2.3104,
          80.0417}},
        /* no http_reqs{name:...} in the file: its count is unknown, so
         * its times cannot be judged and are not kept */
        {"POST /api/agents/{id}/query",
         0,
         0,
         {ABSENT, ABSENT, ABSENT, ABSENT, ABSENT, ABSENT, ABSENT, ABSENT,
          ABSENT}},
        /* what the named endpoints leave of the whole run: counts only */
        {"HTTP (other requests)",
         300,
         24,
         {ABSENT, ABSENT, ABSENT, ABSENT, ABSENT, ABSENT, ABSENT, ABSENT,
          ABSENT}},
    };
    struct metrics_results *r =
        load_ok(IMPORTER_K6, FIXTURE("k6_summary.json"));

    (void)state;
    assert_string_equal(r->meta.source, "k6");
    /* {expected_response:true} names no endpoint */
    assert_int_equal(r->n_endpoints, 3);
    assert_string_equal(r->endpoints[1]->method, "POST");
    assert_string_equal(r->endpoints[1]->path, "/api/agents/{id}/query");
    assert_close(r->duration_s, 30.0, 1e-12, "duration = count / rate");
    assert_int_equal(r->concurrent_users, 10);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        check_scalars(r, &cases[i]);
    assert_close(value(r, find(r, "GET /api/health"), METRICS_STAT_RPS), 30.0,
                 1e-12, "rps");
    /* k6 exported no p(99): said once, for every report */
    assert_int_equal(r->n_recommendations, 1);
    assert_string_equal(r->recommendations[0],
                        "k6 reports summary numbers without p75, p99, p99.9 "
                        "for the whole run: a check on them is "
                        "INCONCLUSIVE.");
    metrics_results_free(r);
}

/* The whole run (ALL) of a k6 summary with per-endpoint submetrics is
 * k6's own whole run: 1200 requests, 24 failed, its percentiles, not the
 * whole-run endpoint and the named ones added together (2100). */
static void test_k6_whole_run(void **state)
{
    struct metrics_results *r =
        load_ok(IMPORTER_K6, FIXTURE("k6_summary.json"));
    struct metrics_endpoint *all = NULL;

    (void)state;
    assert_int_equal(metrics_results_aggregate(r, &all), 0);
    assert_int_equal(all->requests, 1200);
    assert_int_equal(all->errors, 24);
    assert_int_equal(metrics_results_total_requests(r), 1200);
    assert_close(value(r, all, METRICS_STAT_P95), 120.3311, 1e-12, "ALL p95");
    assert_close(value(r, all, METRICS_STAT_P50), 30.5121, 1e-12, "ALL p50");
    assert_close(value(r, all, METRICS_STAT_MAX), 812.4399, 1e-12, "ALL max");
    assert_close(value(r, all, METRICS_STAT_P99), ABSENT, 0, "ALL p99");
    assert_close(value(r, all, METRICS_STAT_RPS), 40.0, 1e-12, "ALL rps");
    assert_close(value(r, all, METRICS_STAT_ERROR_RATE), 0.02, 1e-12,
                 "ALL error_rate");
    metrics_endpoint_free(all);
    metrics_results_free(r);
}

static void test_k6_variants(void **state)
{
    /* p(99) exported, failures only as a ratio, a url submetric with a
     * method tag, a name with a comma, handleSummary's nesting */
    static const char legacy[] =
        "{\"metrics\":{"
        "\"http_reqs\":{\"count\":200,\"rate\":20},"
        "\"http_req_failed\":{\"value\":0.05},"
        "\"http_req_duration\":{\"avg\":5,\"med\":4,\"p(90)\":8,"
        "\"p(95)\":9,\"p(99)\":15,\"p(99.9)\":30,\"max\":31},"
        "\"http_req_duration{url:http://h/x,method:PUT}\":{\"p(95)\":7},"
        "\"http_req_failed{name:GET /a, b}\":{\"value\":0.5},"
        "\"http_req_duration{name:GET /a, b}\":{\"p(95)\":6.5},"
        "\"http_reqs{name:GET /a, b}\":{\"count\":10,\"rate\":1}"
        "}}";
    static const char nested[] =
        "{\"state\":{\"testRunDurationMs\":12500},\"metrics\":{"
        "\"http_reqs\":{\"type\":\"counter\",\"values\":{\"count\":50}},"
        "\"http_req_failed\":{\"type\":\"rate\",\"values\":{\"rate\":0.1,"
        "\"passes\":5,\"fails\":45}},"
        "\"http_req_duration\":{\"type\":\"trend\",\"values\":{\"p(50)\":3,"
        "\"p(99)\":11}}}}";
    /* a count without http_req_failed{...} while the run had failures:
     * the endpoint's failures are unknown, not taken as none */
    static const char unknown_failures[] =
        "{\"metrics\":{"
        "\"http_reqs\":{\"count\":100,\"rate\":10},"
        "\"http_req_failed\":{\"passes\":4},"
        "\"http_req_duration\":{\"p(95)\":9},"
        "\"http_reqs{name:GET /a}\":{\"count\":60},"
        "\"http_req_duration{name:GET /a}\":{\"p(95)\":6}}}";
    struct metrics_results *r = NULL;
    const struct metrics_endpoint *ep;
    struct metrics_endpoint *all = NULL;
    char err[256];

    (void)state;
    assert_int_equal(importer_parse(IMPORTER_K6, legacy, strlen(legacy),
                                    "l.json", &r, err, sizeof(err)),
                     0);
    /* the url's scheme and host are left out */
    ep = find(r, "PUT /x");
    assert_int_equal(ep->requests, 0);
    assert_close(value(r, ep, METRICS_STAT_P95), ABSENT, 0, "no count");
    ep = find(r, "GET /a, b");
    assert_int_equal(ep->requests, 10);
    assert_int_equal(ep->errors, 5); /* rate read after the count */
    assert_close(value(r, ep, METRICS_STAT_P95), 6.5, 0, "named p95");
    ep = find(r, "HTTP (other requests)");
    assert_int_equal(ep->requests, 190);
    assert_int_equal(ep->errors, 5); /* round(0.05 * 200) - 5 */
    assert_int_equal(metrics_results_aggregate(r, &all), 0);
    assert_int_equal(all->requests, 200);
    assert_int_equal(all->errors, 10);
    assert_close(value(r, all, METRICS_STAT_P99), 15, 0, "p99");
    assert_close(value(r, all, METRICS_STAT_P999), 30, 0, "p99.9");
    assert_close(value(r, all, METRICS_STAT_MIN), ABSENT, 0, "min");
    assert_close(r->duration_s, 10, 1e-12, "duration");
    metrics_endpoint_free(all);
    metrics_results_free(r);

    r = NULL;
    assert_int_equal(importer_parse(IMPORTER_K6, nested, strlen(nested),
                                    "n.json", &r, err, sizeof(err)),
                     0);
    /* no endpoint with a count: the whole run is "HTTP *" */
    assert_int_equal(r->n_endpoints, 1);
    ep = find(r, "HTTP *");
    assert_int_equal(ep->requests, 50);
    assert_int_equal(ep->errors, 5);
    assert_close(value(r, ep, METRICS_STAT_P50), 3, 0, "p50");
    assert_close(value(r, ep, METRICS_STAT_P99), 11, 0, "p99");
    assert_close(value(r, ep, METRICS_STAT_P95), ABSENT, 0, "p95");
    assert_close(r->duration_s, 12.5, 1e-12, "duration from state");
    metrics_results_free(r);

    r = NULL;
    assert_int_equal(importer_parse(IMPORTER_K6, unknown_failures,
                                    strlen(unknown_failures), "u.json", &r, err,
                                    sizeof(err)),
                     0);
    ep = find(r, "GET /a");
    assert_int_equal(ep->requests, 0);
    assert_close(value(r, ep, METRICS_STAT_P95), ABSENT, 0, "not judged");
    /* no endpoint left with a count: the whole run is "HTTP *" */
    ep = find(r, "HTTP *");
    assert_int_equal(ep->requests, 100);
    assert_int_equal(ep->errors, 4);
    assert_true(strstr(r->recommendations[0], "no http_req_failed{...} for "
                                              "GET /a") != NULL);
    metrics_results_free(r);
}

/* ---- JMeter ------------------------------------------------------------- */

struct jm_endpoint {
    const char *name;
    uint64_t requests, errors;
    enum metrics_errclass cls;      /* class of every error */
    int status;                     /* status of every sample, 0 = none */
    double p50, p95, min, max, avg; /* ms, exact from the file */
    size_t n_seconds;
    int64_t first_second;
};

struct jm_case {
    const char *file;
    int64_t start_second;
    double duration;
    uint64_t users;
    size_t n_ep;
    struct jm_endpoint ep[6];
};

/* clang-format off */
/* jmeter_full.jtl and jmeter5_noheader.jtl (the same samples) */
#define JM_FULL_ENDPOINTS                                                      \
    {{"GET /api/health", 12, 0, METRICS_ERR_NONE, 200, 8, 293, 2, 293, 76.25, \
      3, 1795739700},                                                          \
     {"HTTP home page, \"index\"", 12, 0, METRICS_ERR_NONE, 200, 10, 34, 4,   \
      34, 12.666666666666666, 3, 1795739700},                                  \
     {"GET /missing", 12, 12, METRICS_ERR_STATUS, 404, 8, 16, 3, 16, 9.0, 3,   \
      1795739700},                                                             \
     {"POST /api/health", 12, 12, METRICS_ERR_HTTP_5XX, 501, 6, 9, 3, 9,       \
      5.833333333333333, 3, 1795739700}}
/* clang-format on */

static const struct jm_case jm_cases[] = {
    {FIXTURE("jmeter_full.jtl"), 1795739699, 2.754, 3, 4, JM_FULL_ENDPOINTS},
    /* no header line, JMeter 5's default columns */
    {FIXTURE("jmeter5_noheader.jtl"), 1795739699, 2.754, 3, 4,
     JM_FULL_ENDPOINTS},
    {FIXTURE("jmeter_default.jtl"),
     1795739690,
     2.52,
     3,
     4,
     {{"GET /api/health", 12, 0, METRICS_ERR_NONE, 200, 7, 118, 2, 118,
       33.916666666666664, 3, 1795739691},
      {"HTTP home page, \"index\"", 12, 0, METRICS_ERR_NONE, 200, 7, 14, 3, 14,
       7.333333333333333, 3, 1795739691},
      {"GET /missing", 12, 12, METRICS_ERR_STATUS, 404, 6, 28, 3, 28,
       7.666666666666667, 3, 1795739691},
      {"POST /api/health", 12, 12, METRICS_ERR_HTTP_5XX, 501, 4, 8, 2, 8,
       5.083333333333333, 3, 1795739691}}},
    {FIXTURE("jmeter_refused.jtl"),
     1795739709,
     2.459,
     3,
     4,
     {{"GET /api/health", 12, 12, METRICS_ERR_CONNECT, 0, 1, 81, 0, 81, 21.0, 3,
       1795739709},
      {"HTTP home page, \"index\"", 12, 12, METRICS_ERR_CONNECT, 0, 1, 14, 0,
       14, 2.1666666666666665, 3, 1795739709},
      {"GET /missing", 12, 12, METRICS_ERR_CONNECT, 0, 1, 2, 1, 2,
       1.1666666666666667, 3, 1795739709},
      {"POST /api/health", 12, 12, METRICS_ERR_CONNECT, 0, 1, 5, 1, 5,
       1.9166666666666667, 3, 1795739709}}},
    /* JMeter 2.13's default CSV: no header line */
    {FIXTURE("jmeter_noheader.jtl"),
     1796515765,
     2.392,
     3,
     4,
     {{"GET /api/health", 12, 0, METRICS_ERR_NONE, 200, 3, 70, 2, 70,
       19.333333333333332, 3, 1796515765},
      {"HTTP home page, \"index\"", 12, 0, METRICS_ERR_NONE, 200, 4, 7, 2, 7,
       4.083333333333333, 3, 1796515766},
      {"GET /missing", 12, 12, METRICS_ERR_STATUS, 404, 3, 7, 2, 7,
       3.3333333333333335, 3, 1796515766},
      {"POST /api/health", 12, 12, METRICS_ERR_HTTP_5XX, 501, 2, 5, 1, 5,
       2.8333333333333335, 3, 1796515766}}},
    /* XML: a redirect followed and a transaction, each one sample with
     * its sub-results inside, not counted again */
    {FIXTURE("jmeter_xml.jtl"),
     1796515786,
     4.053,
     3,
     6,
     {{"GET /api/health", 12, 0, METRICS_ERR_NONE, 200, 4, 103, 2, 103,
       27.833333333333332, 4, 1796515786},
      {"HTTP home page, \"index\"", 12, 0, METRICS_ERR_NONE, 200, 3, 11, 2, 11,
       4.75, 4, 1796515787},
      {"GET /missing", 12, 12, METRICS_ERR_STATUS, 404, 3, 6, 2, 6,
       2.9166666666666665, 4, 1796515787},
      {"POST /api/health", 12, 12, METRICS_ERR_HTTP_5XX, 501, 4, 6, 3, 6, 4.0,
       4, 1796515787},
      {"GET /api (redirect)", 12, 0, METRICS_ERR_NONE, 200, 9, 15, 3, 15, 8.25,
       4, 1796515787},
      {"HTTP checkout", 12, 0, METRICS_ERR_NONE, 200, 5, 11, 3, 11, 5.75, 4,
       1796515787}}},
    {FIXTURE("jmeter_xml_refused.jtl"),
     1796515794,
     3.881,
     3,
     6,
     {{"GET /api/health", 12, 12, METRICS_ERR_CONNECT, 0, 0, 57, 0, 57,
       13.583333333333334, 4, 1796515794},
      {"HTTP home page, \"index\"", 12, 12, METRICS_ERR_CONNECT, 0, 1, 12, 0,
       12, 2.5, 4, 1796515794},
      {"GET /missing", 12, 12, METRICS_ERR_CONNECT, 0, 1, 1, 0, 1,
       0.5833333333333334, 4, 1796515794},
      {"POST /api/health", 12, 12, METRICS_ERR_CONNECT, 0, 1, 6, 0, 6,
       1.6666666666666667, 4, 1796515794},
      {"GET /api (redirect)", 12, 12, METRICS_ERR_CONNECT, 0, 0, 1, 0, 1,
       0.4166666666666667, 4, 1796515794},
      {"HTTP checkout", 12, 12, METRICS_ERR_CONNECT, 0, 1, 3, 0, 3,
       1.0833333333333333, 4, 1796515794}}},
};

static void test_jmeter_fixtures(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(jm_cases) / sizeof(jm_cases[0]); i++) {
        const struct jm_case *c = &jm_cases[i];
        struct metrics_results *r = load_ok(IMPORTER_JMETER, c->file);
        char ts[32];

        assert_string_equal(r->meta.source, "jmeter");
        if (r->n_endpoints != c->n_ep)
            fail_msg("%s: %zu endpoints, want %zu", c->file, r->n_endpoints,
                     c->n_ep);
        assert_int_equal(r->start_second, c->start_second);
        metrics_format_utc(c->start_second, ts, sizeof(ts));
        assert_string_equal(r->timestamp, ts);
        assert_close(r->duration_s, c->duration, 1e-12, "duration");
        assert_int_equal(r->concurrent_users, c->users);
        for (size_t k = 0; k < c->n_ep; k++) {
            const struct jm_endpoint *x = &c->ep[k];
            const struct metrics_endpoint *ep = find(r, x->name);
            uint64_t in_timeline = 0, errors_in_timeline = 0;

            assert_int_equal(ep->requests, x->requests);
            assert_int_equal(ep->errors, x->errors);
            if (x->errors)
                assert_int_equal(ep->err_class[x->cls], x->errors);
            assert_int_equal(status_count(ep, x->status), x->requests);
            /* a real histogram of every sample: 1 % relative error */
            assert_int_equal(metrics_hist_count(ep->hist), x->requests);
            assert_close(value(r, ep, METRICS_STAT_P50), x->p50, 0.01, "p50");
            assert_close(value(r, ep, METRICS_STAT_P95), x->p95, 0.01, "p95");
            assert_close(value(r, ep, METRICS_STAT_MIN), x->min, 0, "min");
            assert_close(value(r, ep, METRICS_STAT_MAX), x->max, 0, "max");
            assert_close(value(r, ep, METRICS_STAT_AVG), x->avg, 1e-9, "avg");
            assert_int_equal(ep->n_timeline, x->n_seconds);
            assert_int_equal(ep->timeline[0].second, x->first_second);
            for (size_t t = 0; t < ep->n_timeline; t++) {
                in_timeline += ep->timeline[t].requests;
                errors_in_timeline += ep->timeline[t].errors;
            }
            assert_int_equal(in_timeline, x->requests);
            assert_int_equal(errors_in_timeline, x->errors);
        }
        metrics_results_free(r);
    }
}

/* Failure classes of samples that got no HTTP response or failed an
 * assertion, and a label without an HTTP method. */
static void test_jmeter_classes(void **state)
{
    static const struct {
        const char *code, *message, *success;
        enum metrics_errclass cls;
        int status;
    } cases[] = {
        {"200", "OK", "true", METRICS_ERR_NONE, 200},
        {"200", "OK", "false", METRICS_ERR_EXPECT, 200},
        {"302", "Found", "FALSE", METRICS_ERR_EXPECT, 302},
        {"404", "Not Found", "false", METRICS_ERR_STATUS, 404},
        {"503", "Unavailable", "false", METRICS_ERR_HTTP_5XX, 503},
        {"Non HTTP response code: java.net.UnknownHostException", "x", "false",
         METRICS_ERR_DNS, 0},
        {"Non HTTP response code: java.net.SocketTimeoutException",
         "Read timed out", "false", METRICS_ERR_TIMEOUT, 0},
        {"Non HTTP response code: javax.net.ssl.SSLHandshakeException", "x",
         "false", METRICS_ERR_TLS, 0},
        {"Non HTTP response code: java.net.SocketException",
         "Non HTTP response message: Connection reset", "false",
         METRICS_ERR_RESET, 0},
        {"Non HTTP response code: java.lang.IllegalStateException", "x",
         "false", METRICS_ERR_OTHER, 0},
        {"999", "odd", "false", METRICS_ERR_OTHER, 0},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char text[512], err[256];
        struct metrics_results *r = NULL;
        const struct metrics_endpoint *ep;
        int n = snprintf(text, sizeof(text),
                         "timeStamp,elapsed,label,responseCode,"
                         "responseMessage,success,allThreads\n"
                         "1700000000900,250,Login page,\"%s\",\"%s\",%s,7\n",
                         cases[i].code, cases[i].message, cases[i].success);

        assert_int_equal(importer_parse(IMPORTER_JMETER, text, (size_t)n,
                                        "c.jtl", &r, err, sizeof(err)),
                         0);
        ep = find(r, "HTTP Login page");
        assert_int_equal(ep->requests, 1);
        assert_int_equal(status_count(ep, cases[i].status), 1);
        if (cases[i].cls == METRICS_ERR_NONE) {
            assert_int_equal(ep->errors, 0);
        } else {
            assert_int_equal(ep->errors, 1);
            if (ep->err_class[cases[i].cls] != 1)
                fail_msg("case %zu: not counted as %s", i,
                         metrics_errclass_name(cases[i].cls));
        }
        /* started in second ...000, completed in ...001 */
        assert_int_equal(ep->timeline[0].second, 1700000001);
        assert_int_equal(r->start_second, 1700000000);
        assert_close(r->duration_s, 0.25, 1e-12, "duration");
        assert_int_equal(r->concurrent_users, 7);
        metrics_results_free(r);
    }
}

/* A JTL without a header line: JMeter's default columns by position, the
 * thread counts where each version's defaults put them. */
static void test_jmeter_headerless(void **state)
{
    static const struct {
        const char *text;
        uint64_t users;
    } cases[] = {
        /* 3.1 to 5.x: failureMessage, bytes, sentBytes, grpThreads (2),
         * allThreads (5), URL, Latency, IdleTime, Connect */
        {"1700000000900,250,GET /a,200,OK,tg 1-1,text,true,,216,141,2,5,"
         "http://h/a,249,0,17\n",
         5},
        /* 2.x: bytes, grpThreads (2), allThreads (5), Latency */
        {"1700000000900,250,GET /a,200,OK,tg 1-1,text,true,216,2,5,249\n", 5},
        /* settings of their own past success: no thread counts known */
        {"1700000000900,250,GET /a,200,OK,tg 1-1,text,true,216\n", 0},
        {"1700000000900,250,GET /a,200,OK,tg 1-1,text,true,\"x,y\",216,141,"
         "/a,b,249,0\n",
         0},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct metrics_results *r = NULL;
        const struct metrics_endpoint *ep;
        char err[256] = "";

        if (importer_parse(IMPORTER_JMETER, cases[i].text,
                           strlen(cases[i].text), "h.jtl", &r, err,
                           sizeof(err)) != 0)
            fail_msg("case %zu: %s", i, err);
        ep = find(r, "GET /a");
        assert_int_equal(ep->requests, 1);
        assert_int_equal(ep->errors, 0);
        assert_int_equal(ep->status[200], 1);
        assert_close(value(r, ep, METRICS_STAT_MAX), 250, 0, "elapsed");
        assert_int_equal(r->start_second, 1700000000);
        if (r->concurrent_users != cases[i].users)
            fail_msg("case %zu: %llu users, want %llu", i,
                     (unsigned long long)r->concurrent_users,
                     (unsigned long long)cases[i].users);
        metrics_results_free(r);
    }
}

/* XML as JMeter may write it: references in attributes, comments, a
 * BOM, <sample> of non-HTTP samplers, elements nested in samples. */
static void test_jmeter_xml_variants(void **state)
{
    static const char xml[] =
        "\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<testResults version=\"1.2\">\n"
        "<!-- comment -->\n"
        "<httpSample t=\"12\" lt=\"10\" ct=\"3\" ts=\"1700000000000\" "
        "s=\"true\" lb=\"GET /q?a=1&amp;b=&#38;#38;&lt;&#233;\" rc=\"200\" "
        "rm=\"OK\" tn=\"tg 1-1\" dt=\"text\" by=\"10\" sby=\"20\" ng=\"2\" "
        "na=\"4\">\n"
        "  <assertionResult><name>ok</name><failure>false</failure>"
        "</assertionResult>\n"
        "  <responseData class=\"java.lang.String\"><![CDATA[<x>]]>"
        "</responseData>\n"
        "  <java.net.URL>http://h/q?a=1&amp;b=2</java.net.URL>\n"
        "</httpSample>\n"
        "<sample t=\"30\" ts=\"1700000000500\" s=\"false\" lb=\"JDBC\" "
        "rc=\"Non HTTP response code: java.net.SocketTimeoutException\" "
        "rm=\"x\" ng=\"3\"/>\n"
        "</testResults>\n";
    struct metrics_results *r = NULL;
    const struct metrics_endpoint *ep;
    char err[256] = "";

    (void)state;
    if (importer_parse(IMPORTER_JMETER, xml, sizeof(xml) - 1, "v.jtl", &r, err,
                       sizeof(err)) != 0)
        fail_msg("%s", err);
    assert_int_equal(r->n_endpoints, 2);
    ep = find(r, "GET /q?a=1&b=&#38;<\xC3\xA9");
    assert_int_equal(ep->requests, 1);
    assert_int_equal(ep->status[200], 1);
    assert_close(value(r, ep, METRICS_STAT_MAX), 12, 0, "t");
    ep = find(r, "HTTP JDBC");
    assert_int_equal(ep->errors, 1);
    assert_int_equal(ep->err_class[METRICS_ERR_TIMEOUT], 1);
    assert_int_equal(r->concurrent_users, 4); /* na, then ng */
    assert_close(r->duration_s, 0.53, 1e-12, "duration");
    metrics_results_free(r);
}

/* XML that must never be expanded or fetched: refused at its document
 * type declaration, at once. */
static void test_jmeter_xml_entities(void **state)
{
    static const struct {
        const char *file;
        const char *error;
    } cases[] = {
        {FIXTURE("xml_billion_laughs.jtl"),
         FIXTURE("xml_billion_laughs.jtl") ":2: a document type declaration "
                                           "(<!DOCTYPE>): JMeter's XML JTL "
                                           "has none, and DTDs and entities "
                                           "are not read"},
        {FIXTURE("xml_xxe.jtl"),
         FIXTURE("xml_xxe.jtl") ":2: a document type declaration "
                                "(<!DOCTYPE>): JMeter's XML JTL has none, "
                                "and DTDs and entities are not read"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct metrics_results *r = NULL;
        char err[512] = "";

        assert_int_equal(
            importer_load(IMPORTER_JMETER, cases[i].file, &r, err, sizeof(err)),
            IMPORTER_EPARSE);
        assert_null(r);
        assert_string_equal(err, cases[i].error);
    }
}

/* ---- malformed input ---------------------------------------------------- */

#define LOCUST_HEADER                                                          \
    "Type,Name,Request Count,Failure Count,Median Response Time,"              \
    "Average Response Time,Min Response Time,Max Response Time,"               \
    "Average Content Size,Requests/s,Failures/s,50%,66%,75%,80%,90%,95%,"      \
    "98%,99%,99.9%,99.99%,100%\n"
#define LOCUST_ROW                                                             \
    "GET,/a,10,1,5,6.5,1,20,3,2,0.2,5,6,7,8,9,10,11,12,13,14,20\n"
#define JTL_HEADER "timeStamp,elapsed,label,responseCode,success\n"

static void test_malformed(void **state)
{
    static const struct {
        enum importer_format f;
        const char *text;
        const char *error; /* errbuf must equal this */
    } cases[] = {
        {IMPORTER_LOCUST, "",
         "in: empty file: expected Locust's --csv "
         "statistics (PREFIX_stats.csv)"},
        {IMPORTER_LOCUST, LOCUST_HEADER LOCUST_ROW "GET,/b,3\n",
         "in:3: expected 22 columns, found 3"},
        {IMPORTER_LOCUST, "a,b\n1,2\n",
         "in:1: no 'Type' column: not a Locust PREFIX_stats.csv header"},
        {IMPORTER_LOCUST, LOCUST_HEADER LOCUST_ROW,
         "in:3: no 'Aggregated' row: the file is cut short"},
        {IMPORTER_LOCUST,
         LOCUST_HEADER "GET,/a,ten,1,5,6.5,1,20,3,2,0.2,5,6,7,8,9,10,11,12,"
                       "13,14,20\n",
         "in:2: field 3 (Request Count): expected a count, found 'ten'"},
        {IMPORTER_LOCUST,
         LOCUST_HEADER "GET,/a,10,1,5,6.5,1,20,3,2,0.2,5,6,7,8,9,-1,11,12,"
                       "13,14,20\n",
         "in:2: field 17 (95%): expected a time in ms or N/A, found '-1'"},
        {IMPORTER_LOCUST,
         LOCUST_HEADER "GET,/a,10,11,5,6.5,1,20,3,2,0.2,5,6,7,8,9,10,11,12,"
                       "13,14,20\n",
         "in:2: 11 failures out of 10 requests"},
        {IMPORTER_LOCUST, LOCUST_HEADER "GET,\"/a\n\nb,10\n",
         "in:2:5: unterminated quoted field"},
        {IMPORTER_LOCUST, LOCUST_HEADER "GET,\"/a\"x,10\n",
         "in:2:9: unexpected character after a closing quote"},
        {IMPORTER_LOCUST,
         LOCUST_HEADER LOCUST_ROW
         ",Aggregated,11,1,5,6.5,1,20,3,2,0.2,5,6,7,8,9,10,11,12,13,14,20\n",
         "in: the Aggregated row counts 11 requests, the endpoints 10"},
        {IMPORTER_K6, "{\"metrics\": {\n  \"http_reqs\": {\"count\": 1,}}}",
         NULL /* jansson's wording: checked for position only */},
        {IMPORTER_K6, "[]",
         "in: no \"metrics\" object: not a k6 --summary-export file"},
        {IMPORTER_K6, "{\"metrics\":{\"vus\":{\"value\":1}}}",
         "in: no metrics[\"http_reqs\"] object: the run made no HTTP "
         "request"},
        {IMPORTER_K6,
         "{\"metrics\":{\"http_reqs\":{\"count\":2,\"rate\":1},"
         "\"http_req_duration\":{\"p(95)\":\"fast\"}}}",
         "in: metrics[\"http_req_duration\"].p(95): expected a number >= 0"},
        {IMPORTER_K6,
         "{\"metrics\":{\"http_reqs\":{\"count\":2.5,\"rate\":1}}}",
         "in: metrics[\"http_reqs\"].count: expected a whole count"},
        {IMPORTER_K6,
         "{\"metrics\":{\"http_reqs\":{\"count\":2,\"rate\":1},"
         "\"http_req_failed\":{\"passes\":3}}}",
         "in: metrics[\"http_req_failed\"]: 3 failed requests out of 2"},
        {IMPORTER_JMETER, "",
         "in: empty file: expected a JMeter JTL (CSV or XML)"},
        {IMPORTER_JMETER, "1700000000000,5,GET /a,200,true\n",
         "in:1: 5 columns and no header line: a JTL without one must have "
         "JMeter's default columns (timeStamp, elapsed, label, responseCode, "
         "responseMessage, threadName, dataType, success, ...)"},
        {IMPORTER_JMETER,
         "1700000000000,5,GET /a,200,OK,t,text,true,9,1,1,4\n"
         "1700000000000,5,GET /a,200,OK,t,text,yes,9,1,1,4\n",
         "in:2: field 8 (success): expected true or false, found 'yes'"},
        {IMPORTER_JMETER,
         "1700000000000,5,GET /a,200,OK,t,text,true,9,1,1,4\n"
         "1700000000000,5,GET /a,200,OK,t,text,true,9,1,1\n",
         "in:2: expected 12 columns, found 11"},
        {IMPORTER_JMETER, "<?xml version=\"1.0\"?>\n<testResults>\n",
         "in:2: the document ends inside <testResults>: the file is cut "
         "short"},
        {IMPORTER_JMETER, "<?xml version=\"1.0\"?>\n<results/>\n",
         "in:2: root element <results>: not a JMeter XML JTL "
         "(<testResults>)"},
        {IMPORTER_JMETER,
         "<testResults>\n<httpSample t=\"5\" s=\"true\" lb=\"a\"/>\n"
         "</testResults>\n",
         "in:2: <httpSample> without attribute ts (timeStamp)"},
        {IMPORTER_JMETER,
         "<testResults>\n<sample t=\"5\" ts=\"1700000000000\" s=\"true\"\n"
         "   lb=\"a\" na=\"many\"/>\n</testResults>\n",
         "in:3: <sample> attribute na (allThreads): expected a thread count, "
         "found 'many'"},
        {IMPORTER_JMETER,
         "<testResults>\n<httpSample t=\"5\" ts=\"1700000000000\" "
         "s=\"true\" lb=\"&nbsp;\"/>\n</testResults>\n",
         "in:2:57: not well-formed XML: Entity 'nbsp' not defined"},
        {IMPORTER_JMETER,
         "<testResults>\n<httpSample t=\"5\" ts=\"1\" s=\"true\" lb=\"a\">\n"
         "</testResults>\n",
         "in:3:15: not well-formed XML: Opening and ending tag mismatch: "
         "httpSample line 2 and testResults"},
        {IMPORTER_JMETER, "timeStamp,label,success\n",
         "in:1: no 'elapsed' column: not a JMeter CSV JTL header"},
        {IMPORTER_JMETER,
         JTL_HEADER "1700000000000,5,GET /a,200,true\n"
                    "1700000000000,5,GET /a\n",
         "in:3: expected 5 columns, found 3"},
        {IMPORTER_JMETER, JTL_HEADER "2023/11/14 22:13:20,5,GET /a,200,true\n",
         "in:2: field 1 (timeStamp): expected milliseconds since 1970 "
         "(jmeter.save.saveservice.timestamp_format=ms), found '2023/11/14 "
         "22:13:20'"},
        {IMPORTER_JMETER, JTL_HEADER "1700000000000,-5,GET /a,200,true\n",
         "in:2: field 2 (elapsed): expected milliseconds, found '-5'"},
        {IMPORTER_JMETER, JTL_HEADER "1700000000000,5,GET /a,200,yes\n",
         "in:2: field 5 (success): expected true or false, found 'yes'"},
        {IMPORTER_JMETER, JTL_HEADER "1700000000000,5,,200,true\n",
         "in:2: field 3 (label): expected a sampler name, found ''"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        expect_parse_error(i, cases[i].f, cases[i].text, cases[i].error);
}

static void test_embedded_nul(void **state)
{
    static const char text[] = JTL_HEADER "1700000000000,5,GET /\0a,200,true\n";
    struct metrics_results *r = NULL;
    char err[256];

    (void)state;
    assert_int_equal(importer_parse(IMPORTER_JMETER, text, sizeof(text) - 1,
                                    "z.jtl", &r, err, sizeof(err)),
                     IMPORTER_EPARSE);
    assert_string_equal(err, "z.jtl:2:22: NUL byte in the input");
    assert_null(r);
}

/* ---- files -------------------------------------------------------------- */

static void test_load_files(void **state)
{
    char dir[] = "/tmp/loadgate-importer-XXXXXX", path[256], prefix[256];
    struct metrics_results *r = NULL;
    char err[512];
    FILE *in, *out;
    int ch;

    (void)state;
    assert_int_equal(importer_load(IMPORTER_K6, "/nonexistent/k6.json", &r, err,
                                   sizeof(err)),
                     IMPORTER_EIO);
    assert_string_equal(err, "/nonexistent/k6.json: No such file or directory");
    assert_int_equal(importer_load(IMPORTER_JMETER, LOADGATE_SOURCE_DIR, &r,
                                   err, sizeof(err)),
                     IMPORTER_EIO);
    assert_null(r);
    assert_int_equal(importer_load(IMPORTER_LOADGATE,
                                   FIXTURE("k6_summary.json"), &r, err,
                                   sizeof(err)),
                     IMPORTER_EINVAL);
    /* errors name the file as given */
    assert_int_equal(importer_load(IMPORTER_LOCUST, FIXTURE("k6_summary.json"),
                                   &r, err, sizeof(err)),
                     IMPORTER_EPARSE);
    assert_true(strncmp(err, FIXTURE("k6_summary.json") ":1: ",
                        strlen(FIXTURE("k6_summary.json") ":1: ")) == 0);

    /* `locust --csv run` leaves run_stats.csv: "run" is accepted */
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/run_stats.csv", dir);
    snprintf(prefix, sizeof(prefix), "%s/run", dir);
    in = fopen(FIXTURE("locust_stats.csv"), "rb");
    out = fopen(path, "wb");
    assert_non_null(in);
    assert_non_null(out);
    while ((ch = fgetc(in)) != EOF)
        fputc(ch, out);
    fclose(in);
    assert_int_equal(fclose(out), 0);
    r = load_ok(IMPORTER_LOCUST, prefix);
    assert_int_equal(metrics_results_total_requests(r), 453);
    metrics_results_free(r);
    unlink(path);
    rmdir(dir);
}

/* ---- round trip through the results JSON -------------------------------- */

static void test_round_trip(void **state)
{
    static const struct {
        enum importer_format f;
        const char *file;
    } cases[] = {
        {IMPORTER_LOCUST, FIXTURE("locust_stats.csv")},
        {IMPORTER_LOCUST, FIXTURE("locust_healthy_stats.csv")},
        {IMPORTER_K6, FIXTURE("k6_summary.json")},
        {IMPORTER_JMETER, FIXTURE("jmeter_full.jtl")},
        {IMPORTER_JMETER, FIXTURE("jmeter_refused.jtl")},
        {IMPORTER_JMETER, FIXTURE("jmeter_noheader.jtl")},
        {IMPORTER_JMETER, FIXTURE("jmeter_xml.jtl")},
        {IMPORTER_K6, FIXTURE("k6_handle_summary.json")},
        {IMPORTER_K6, FIXTURE("k6_points.json")},
        {IMPORTER_ARTILLERY, FIXTURE("artillery_endpoints.json")},
        {IMPORTER_ARTILLERY, FIXTURE("artillery_partial.json")},
        {IMPORTER_AUTOCANNON, FIXTURE("autocannon_errors.json")},
        {IMPORTER_GATLING, FIXTURE("gatling_simulation.log")},
        {IMPORTER_GATLING, FIXTURE("gatling_stats.json")},
        {IMPORTER_VEGETA, FIXTURE("vegeta_results.json")},
        {IMPORTER_VEGETA, FIXTURE("vegeta_report.json")},
        {IMPORTER_WRK, FIXTURE("wrk2_latency.txt")},
        {IMPORTER_HEY, FIXTURE("hey.csv")},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct metrics_results *a = load_ok(cases[i].f, cases[i].file);
        struct metrics_results *b = NULL;
        struct metrics_endpoint *all_a = NULL, *all_b = NULL;
        char *json = NULL, err[512] = "";

        assert_int_equal(metrics_results_dump(a, &json), 0);
        if (metrics_results_parse(json, strlen(json), &b, err, sizeof(err)))
            fail_msg("%s: parse of the dump: %s", cases[i].file, err);
        assert_string_equal(b->meta.source, a->meta.source);
        assert_int_equal(b->n_endpoints, a->n_endpoints);
        /* the document keeps the duration to the millisecond */
        assert_true(fabs(b->duration_s - a->duration_s) <= 0.0005);
        assert_int_equal(b->concurrent_users, a->concurrent_users);
        for (size_t k = 0; k < a->n_endpoints; k++) {
            const struct metrics_endpoint *ea = a->endpoints[k];
            char name[256];
            const struct metrics_endpoint *eb;

            metrics_endpoint_name(ea, name, sizeof(name));
            eb = find(b, name);
            assert_int_equal(eb->requests, ea->requests);
            assert_int_equal(eb->errors, ea->errors);
            for (int s = 0; s < METRICS_STAT__COUNT; s++) {
                char what[300];

                snprintf(what, sizeof(what), "%s %s %s", cases[i].file, name,
                         metrics_stat_name((enum metrics_stat)s));
                assert_round_trip(value(b, eb, (enum metrics_stat)s),
                                  value(a, ea, (enum metrics_stat)s),
                                  (enum metrics_stat)s, a->duration_s, what);
            }
        }
        /* and so does the whole run (a summary source's own numbers) */
        assert_int_equal(metrics_results_aggregate(a, &all_a), 0);
        assert_int_equal(metrics_results_aggregate(b, &all_b), 0);
        for (int s = 0; s < METRICS_STAT__COUNT; s++) {
            char what[300];

            snprintf(what, sizeof(what), "%s ALL %s", cases[i].file,
                     metrics_stat_name((enum metrics_stat)s));
            assert_round_trip(value(b, all_b, (enum metrics_stat)s),
                              value(a, all_a, (enum metrics_stat)s),
                              (enum metrics_stat)s, a->duration_s, what);
        }
        metrics_endpoint_free(all_a);
        metrics_endpoint_free(all_b);
        free(json);
        metrics_results_free(a);
        metrics_results_free(b);
    }
}

/* ---- hostile input ------------------------------------------------------ */

static char *slurp(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    char *buf;
    long n;

    assert_non_null(fp);
    assert_int_equal(fseek(fp, 0, SEEK_END), 0);
    n = ftell(fp);
    assert_true(n > 0);
    rewind(fp);
    buf = malloc((size_t)n);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
    fclose(fp);
    *len = (size_t)n;
    return buf;
}

/* Every prefix of a fixture of every format, and byte flips, through every
 * parser:
 * each call returns 0 or EPARSE with a message, and never crashes (ASan
 * and UBSan builds run this too). */
static void test_hostile(void **state)
{
    /* the smaller fixtures of every format (the fuzz targets take the
     * larger ones) */
    static const char *const files[] = {FIXTURE("locust_stats.csv"),
                                        FIXTURE("k6_summary.json"),
                                        FIXTURE("jmeter_full.jtl"),
                                        FIXTURE("jmeter5_noheader.jtl"),
                                        FIXTURE("jmeter_xml.jtl"),
                                        FIXTURE("k6_handle_summary.json"),
                                        FIXTURE("artillery_partial.json"),
                                        FIXTURE("autocannon_errors.json"),
                                        FIXTURE("gatling_stats.json"),
                                        FIXTURE("vegeta_report.json"),
                                        FIXTURE("wrk_errors.txt"),
                                        FIXTURE("wrk2_latency.txt"),
                                        FIXTURE("hey_404.csv")};
    static const char flips[] = {'"', ',', '\n', '\r', '\0', '{',
                                 '}', ':', '-',  '9',  'N',  '\xff',
                                 '<', '>', '&',  '/',  '='};
    uint32_t seed = 12345;

    (void)state;
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        size_t len;
        char *text = slurp(files[i], &len);
        char *copy = malloc(len);

        assert_non_null(copy);
        for (size_t cut = 0; cut <= len; cut += (len > 3000 ? 7 : 1)) {
            for (int f = 0; f <= IMPORTER_AUTO; f++) {
                struct metrics_results *r = NULL;
                char err[256] = "";
                int rc = importer_parse((enum importer_format)f, text, cut, "h",
                                        &r, err, sizeof(err));

                assert_true(rc == 0 || rc == IMPORTER_EPARSE);
                assert_true(rc == 0 ? r != NULL : (r == NULL && err[0]));
                metrics_results_free(r);
            }
        }
        for (int round = 0; round < 300; round++) {
            struct metrics_results *r = NULL;
            char err[256];
            int rc;

            memcpy(copy, text, len);
            for (int k = 0; k < 4; k++) {
                seed = seed * 1103515245u + 12345u;
                copy[(seed >> 8) % len] = flips[(seed >> 20) % sizeof(flips)];
            }
            rc = importer_parse(
                (enum importer_format)(round % (IMPORTER_AUTO + 1)), copy, len,
                "h", &r, err, sizeof(err));
            assert_true(rc == 0 || rc == IMPORTER_EPARSE);
            metrics_results_free(r);
        }
        free(copy);
        free(text);
    }
}

/* ---- internals ---------------------------------------------------------- */

static void test_split_label(void **state)
{
    static const struct {
        const char *label, *method, *path;
    } cases[] = {
        {"GET /x", "GET", "/x"},
        {"DELETE   /a b", "DELETE", "/a b"},
        {"GET", "HTTP", "GET"},
        {"GET ", "HTTP", "GET "},
        {"GETTER /x", "HTTP", "GETTER /x"},
        {"get /x", "HTTP", "get /x"},
        {"API health", "HTTP", "API health"},
        {"OPTIONS\t*", "OPTIONS", "*"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *m, *p;
        size_t mlen;

        importer__split_label(cases[i].label, "HTTP", &m, &mlen, &p);
        assert_int_equal(mlen, strlen(cases[i].method));
        assert_memory_equal(m, cases[i].method, mlen);
        assert_string_equal(p, cases[i].path);
    }
}

static void test_numbers(void **state)
{
    static const struct {
        const char *s;
        bool ok;
        double v;
    } cases[] = {
        {"4.75", true, 4.75}, {" 12 ", true, 12}, {"1e3", true, 1000},
        {"-2", true, -2},     {"", false, 0},     {"N/A", false, 0},
        {"nan", false, 0},    {"inf", false, 0},  {"0x10", false, 0},
        {"1e999", false, 0},  {"3 4", false, 0},  {"7ms", false, 0},
    };
    uint64_t u;

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        double v = 0;

        assert_int_equal(importer__parse_double(cases[i].s, &v), cases[i].ok);
        if (cases[i].ok)
            assert_true(v == cases[i].v);
    }
    assert_true(importer__parse_u64("18446744073709551615", &u));
    assert_true(u == UINT64_MAX);
    assert_false(importer__parse_u64("18446744073709551616", &u));
    assert_false(importer__parse_u64("-1", &u));
    assert_false(importer__parse_u64("1.0", &u));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_parse),
        cmocka_unit_test(test_locust_fixture),
        cmocka_unit_test(test_locust_whole_run),
        cmocka_unit_test(test_locust_variants),
        cmocka_unit_test(test_k6_fixture),
        cmocka_unit_test(test_k6_whole_run),
        cmocka_unit_test(test_k6_variants),
        cmocka_unit_test(test_jmeter_fixtures),
        cmocka_unit_test(test_jmeter_classes),
        cmocka_unit_test(test_jmeter_headerless),
        cmocka_unit_test(test_jmeter_xml_variants),
        cmocka_unit_test(test_jmeter_xml_entities),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_embedded_nul),
        cmocka_unit_test(test_load_files),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_hostile),
        cmocka_unit_test(test_split_label),
        cmocka_unit_test(test_numbers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
