/*
 * importer: Artillery, autocannon, Gatling, vegeta, wrk, hey and k6's
 * per-request and handleSummary output, and telling the formats apart.
 *
 * Fixtures (tests/importer/fixtures/README.md says how each was made):
 * real Artillery 2.0.21, autocannon 9, wrk 4.1, wrk2 and hey 0.1.4 output
 * against loopback servers; k6, Gatling and vegeta files written by
 * make_samples.py in their documented formats.  Expected numbers were
 * read off the files independently (Python's json and csv modules); the
 * distributions of the per-request files are checked against the same
 * files' samples by test_gate_from.py.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "importer.h"
#include "importer_internal.h"
#include "importer_test.h"
#include "metrics.h"

/* What one endpoint must hold.  Times in ms; ABSENT: none; for
 * per-request sources min and max are exact. */
struct want {
    const char *endpoint;
    uint64_t requests, errors;
    /* p50 p75 p90 p95 p99 p99.9 avg min max */
    double v[9];
};

static const enum metrics_stat stats9[9] = {
    METRICS_STAT_P50, METRICS_STAT_P75, METRICS_STAT_P90,
    METRICS_STAT_P95, METRICS_STAT_P99, METRICS_STAT_P999,
    METRICS_STAT_AVG, METRICS_STAT_MIN, METRICS_STAT_MAX,
};

/* Checks ep (or ALL when w->endpoint is "ALL") against w; a value of
 * -2 is not checked. */
static void check(const struct metrics_results *r, const struct want *w)
{
    struct metrics_endpoint *all = NULL;
    const struct metrics_endpoint *ep;
    char what[256];

    if (strcmp(w->endpoint, "ALL") == 0) {
        assert_int_equal(metrics_results_aggregate(r, &all), 0);
        ep = all;
    } else {
        ep = find(r, w->endpoint);
    }
    if (ep->requests != w->requests || ep->errors != w->errors)
        fail_msg(
            "%s: %llu requests, %llu errors; want %llu, %llu", w->endpoint,
            (unsigned long long)ep->requests, (unsigned long long)ep->errors,
            (unsigned long long)w->requests, (unsigned long long)w->errors);
    for (int i = 0; i < 9; i++) {
        if (w->v[i] == -2)
            continue;
        snprintf(what, sizeof(what), "%s %s", w->endpoint,
                 metrics_stat_name(stats9[i]));
        assert_close(value(r, ep, stats9[i]), w->v[i], 1e-9, what);
    }
    metrics_endpoint_free(all);
}

#define ANY (-2.0)

static bool has_recommendation(const struct metrics_results *r,
                               const char *part)
{
    for (size_t i = 0; i < r->n_recommendations; i++)
        if (strstr(r->recommendations[i], part))
            return true;
    return false;
}

/* ---- telling the formats apart ------------------------------------------ */

static void test_detect(void **state)
{
    static const struct {
        const char *file;
        int want;
    } cases[] = {
        {FIXTURE("locust_stats.csv"), IMPORTER_LOCUST},
        {FIXTURE("k6_summary.json"), IMPORTER_K6},
        {FIXTURE("k6_handle_summary.json"), IMPORTER_K6},
        {FIXTURE("k6_points.json"), IMPORTER_K6},
        {FIXTURE("jmeter_full.jtl"), IMPORTER_JMETER},
        {FIXTURE("jmeter_noheader.jtl"), IMPORTER_JMETER},
        {FIXTURE("jmeter5_noheader.jtl"), IMPORTER_JMETER},
        {FIXTURE("jmeter_xml.jtl"), IMPORTER_JMETER},
        {FIXTURE("artillery_endpoints.json"), IMPORTER_ARTILLERY},
        {FIXTURE("artillery_refused.json"), IMPORTER_ARTILLERY},
        {FIXTURE("autocannon.json"), IMPORTER_AUTOCANNON},
        {FIXTURE("gatling_simulation.log"), IMPORTER_GATLING},
        {FIXTURE("gatling_stats.json"), IMPORTER_GATLING},
        {FIXTURE("vegeta_results.json"), IMPORTER_VEGETA},
        {FIXTURE("vegeta_report.json"), IMPORTER_VEGETA},
        {FIXTURE("wrk_latency.txt"), IMPORTER_WRK},
        {FIXTURE("wrk_plain.txt"), IMPORTER_WRK},
        {FIXTURE("wrk2_latency.txt"), IMPORTER_WRK},
        {FIXTURE("hey.csv"), IMPORTER_HEY},
    };
    static const struct {
        const char *text;
        int want;
    } texts[] = {
        {"{\"schema\":\"loadgate/results/v1\"}", IMPORTER_LOADGATE},
        /* any other JSON: loadgate's reader says what is wrong */
        {"{\"metrics\":[]}", IMPORTER_LOADGATE},
        {"[1, 2", IMPORTER_LOADGATE},
        {"", -1},
        {"  \n", -1},
        {"\x1f\x8b\x08\x00", -1},
        {"hello,world\n1,2\n", -1},
        {"\xEF\xBB\xBF"
         "Type,Name,Request Count,Failure Count\n",
         IMPORTER_LOCUST},
        {"ASSERTION\tAAA\nRUN\tx\ty\t1\t \t3.9.5\n", IMPORTER_GATLING},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        FILE *fp = fopen(cases[i].file, "rb");
        char *buf = malloc(1 << 20);
        size_t n;

        assert_non_null(fp);
        assert_non_null(buf);
        n = fread(buf, 1, 1 << 20, fp);
        fclose(fp);
        if (importer_detect(buf, n) != cases[i].want)
            fail_msg("%s: detected %d, want %d", cases[i].file,
                     importer_detect(buf, n), cases[i].want);
        free(buf);
    }
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
        if (importer_detect(texts[i].text, strlen(texts[i].text)) !=
            texts[i].want)
            fail_msg("text %zu: detected %d, want %d", i,
                     importer_detect(texts[i].text, strlen(texts[i].text)),
                     texts[i].want);
}

/* auto reads each tool's file as --from would, and loadgate's own
 * results as loadgate's reader does */
static void test_auto(void **state)
{
    static const char *const files[] = {FIXTURE("locust_stats.csv"),
                                        FIXTURE("k6_points.json"),
                                        FIXTURE("jmeter_xml.jtl"),
                                        FIXTURE("artillery_endpoints.json"),
                                        FIXTURE("autocannon.json"),
                                        FIXTURE("gatling_simulation.log"),
                                        FIXTURE("vegeta_report.json"),
                                        FIXTURE("wrk2_latency.txt"),
                                        FIXTURE("hey.csv")};
    static const enum importer_format formats[] = {
        IMPORTER_LOCUST,    IMPORTER_K6,         IMPORTER_JMETER,
        IMPORTER_ARTILLERY, IMPORTER_AUTOCANNON, IMPORTER_GATLING,
        IMPORTER_VEGETA,    IMPORTER_WRK,        IMPORTER_HEY};
    struct metrics_results *r = NULL, *back = NULL;
    char *json = NULL, err[512];

    (void)state;
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        struct metrics_results *a = load_ok(IMPORTER_AUTO, files[i]);
        struct metrics_results *b = load_ok(formats[i], files[i]);

        assert_string_equal(a->meta.source, importer_format_name(formats[i]));
        assert_int_equal(metrics_results_total_requests(a),
                         metrics_results_total_requests(b));
        assert_int_equal(a->n_endpoints, b->n_endpoints);
        metrics_results_free(a);
        metrics_results_free(b);
    }
    /* a results document (here an imported run saved) comes back as it
     * was written, its source kept */
    r = load_ok(IMPORTER_HEY, FIXTURE("hey.csv"));
    assert_int_equal(metrics_results_dump(r, &json), 0);
    assert_int_equal(importer_parse(IMPORTER_AUTO, json, strlen(json), "r.json",
                                    &back, err, sizeof(err)),
                     0);
    assert_string_equal(back->meta.source, "hey");
    assert_int_equal(metrics_results_total_requests(back), 200);
    metrics_results_free(back);
    back = NULL;
    /* a broken one: loadgate's reader's message, after the name */
    json[strlen(json) / 2] = '\0';
    assert_int_equal(importer_parse(IMPORTER_AUTO, json, strlen(json), "r.json",
                                    &back, err, sizeof(err)),
                     IMPORTER_EPARSE);
    assert_null(back);
    assert_true(strncmp(err, "r.json: line ", 13) == 0);
    free(json);
    metrics_results_free(r);
    /* what no tool writes */
    assert_int_equal(importer_parse(IMPORTER_AUTO, "a,b\n", 4, "x.csv", &back,
                                    err, sizeof(err)),
                     IMPORTER_EPARSE);
    assert_true(strncmp(err,
                        "x.csv: unknown format: not a results file "
                        "loadgate knows (",
                        strlen("x.csv: unknown format: not a results file "
                               "loadgate knows (")) == 0);
    assert_int_equal(importer_parse(IMPORTER_AUTO, "\x1f\x8b\x08", 3, "x.gz",
                                    &back, err, sizeof(err)),
                     IMPORTER_EPARSE);
    assert_string_equal(err, "x.gz: gzip-compressed: decompress it first");
}

/* ---- Artillery ----------------------------------------------------------- */

static void test_artillery(void **state)
{
    /* artillery_endpoints.json: metrics-by-endpoint on (the default) */
    static const struct want endpoints[] = {
        {"HTTP /api/health",
         40,
         0,
         {10.1, 12.1, 16, 16, 16.9, 16.9, 11, 6, 20}},
        {"HTTP /api/agents",
         40,
         0,
         {27.9, 30.9, 37, 41.7, 48.9, 48.9, 28.4, 15, 53}},
        {"HTTP /missing", 40, 40, {0, 0, 1, 1, 1, 1, 0.2, 0, 2}},
        /* the whole run's own numbers, not the endpoints' merged */
        {"ALL", 120, 40, {10.1, 22.9, 30.9, 34.8, 41.7, 48.9, 13.2, 0, 53}},
    };
    struct metrics_results *r;
    const struct metrics_endpoint *ep;

    (void)state;
    r = load_ok(IMPORTER_ARTILLERY, FIXTURE("artillery_endpoints.json"));
    assert_string_equal(r->meta.source, "artillery");
    assert_int_equal(r->n_endpoints, 3);
    for (size_t i = 0; i < sizeof(endpoints) / sizeof(endpoints[0]); i++)
        check(r, &endpoints[i]);
    ep = find(r, "HTTP /missing");
    assert_int_equal(ep->status[404], 40);
    assert_int_equal(ep->err_class[METRICS_ERR_STATUS], 40);
    assert_close(r->duration_s, 3.942, 1e-9, "first to last counter");
    assert_int_equal(r->start_second, 1796517147);
    assert_int_equal(r->n_recommendations, 0);
    metrics_results_free(r);

    /* the plugin left out every request: the whole run only, said so */
    r = load_ok(IMPORTER_ARTILLERY, FIXTURE("artillery_whole.json"));
    assert_int_equal(r->n_endpoints, 1);
    check(r, &(struct want){"HTTP *",
                            120,
                            40,
                            {ANY, ANY, ANY, ANY, ANY, ANY, ANY, ANY, ANY}});
    assert_true(has_recommendation(r, "no per-endpoint numbers"));
    metrics_results_free(r);

    /* named requests only: the rest is "HTTP (other requests)" */
    r = load_ok(IMPORTER_ARTILLERY, FIXTURE("artillery_partial.json"));
    assert_int_equal(r->n_endpoints, 3);
    check(r, &(struct want){"GET /api/health",
                            40,
                            0,
                            {ANY, ANY, ANY, ANY, ANY, ANY, ANY, ANY, ANY}});
    check(r, &(struct want){"GET /missing",
                            40,
                            40,
                            {ANY, ANY, ANY, ANY, ANY, ANY, ANY, ANY, ANY}});
    check(r, &(struct want){"HTTP (other requests)",
                            40,
                            0,
                            {ABSENT, ABSENT, ABSENT, ABSENT, ABSENT, ABSENT,
                             ABSENT, ABSENT, ABSENT}});
    check(r,
          &(struct want){
              "ALL", 120, 40, {ANY, ANY, ANY, 34.1, ANY, ANY, ANY, ANY, ANY}});
    metrics_results_free(r);

    /* nothing answered: requests without a response, classed */
    r = load_ok(IMPORTER_ARTILLERY, FIXTURE("artillery_refused.json"));
    ep = find(r, "HTTP /api/health");
    assert_int_equal(ep->requests, 10);
    assert_int_equal(ep->err_class[METRICS_ERR_CONNECT], 10);
    check(r, &(struct want){"ALL",
                            10,
                            10,
                            {ABSENT, ABSENT, ABSENT, ABSENT, ABSENT, ABSENT,
                             ABSENT, ABSENT, ABSENT}});
    assert_true(has_recommendation(r, "artillery reports summary numbers "
                                      "without p50,"));
    metrics_results_free(r);
}

/* ---- autocannon ---------------------------------------------------------- */

static void test_autocannon(void **state)
{
    struct metrics_results *r;
    const struct metrics_endpoint *ep;

    (void)state;
    r = load_ok(IMPORTER_AUTOCANNON, FIXTURE("autocannon.json"));
    /* no p95: autocannon reports p97.5 instead */
    check(r, &(struct want){"HTTP /api/health",
                            2785,
                            0,
                            {10, 12, 15, ABSENT, 21, 26, 10.28, 4, 34}});
    assert_close(r->duration_s, 3.02, 1e-12, "duration");
    assert_int_equal(r->concurrent_users, 10);
    assert_string_equal(r->timestamp, "2026-12-06T00:32:07Z");
    assert_int_equal(find(r, "HTTP /api/health")->status[200], 2785);
    assert_string_equal(r->recommendations[0],
                        "autocannon reports summary numbers without p95 for "
                        "the whole run: a check on it is INCONCLUSIVE.");
    metrics_results_free(r);

    /* 48 responses (7 of them 500), 8 timeouts without one */
    r = load_ok(IMPORTER_AUTOCANNON, FIXTURE("autocannon_errors.json"));
    ep = find(r, "HTTP /api/orders");
    assert_int_equal(ep->requests, 56);
    assert_int_equal(ep->errors, 15);
    assert_int_equal(ep->err_class[METRICS_ERR_TIMEOUT], 8);
    assert_int_equal(ep->err_class[METRICS_ERR_HTTP_5XX], 7);
    assert_int_equal(ep->status[500], 7);
    assert_int_equal(ep->status[200], 41);
    metrics_results_free(r);
}

/* ---- wrk and wrk2 -------------------------------------------------------- */

static void test_wrk(void **state)
{
    struct metrics_results *r;
    const struct metrics_endpoint *ep;

    (void)state;
    r = load_ok(IMPORTER_WRK, FIXTURE("wrk_latency.txt"));
    check(r, &(struct want){"HTTP /api/health",
                            2777,
                            0,
                            {10.26, 12.59, 15.25, ABSENT, 20.63, ABSENT, 10.79,
                             ABSENT, 24.46}});
    assert_close(r->duration_s, 3.0, 1e-12, "requests in 3.00s");
    assert_int_equal(r->concurrent_users, 10);
    metrics_results_free(r);

    /* 6 timeouts (completed late) and 5 responses >= 400 among 43 */
    r = load_ok(IMPORTER_WRK, FIXTURE("wrk_errors.txt"));
    ep = find(r, "HTTP /api/orders");
    assert_int_equal(ep->requests, 43);
    assert_int_equal(ep->errors, 11);
    assert_int_equal(ep->err_class[METRICS_ERR_TIMEOUT], 6);
    assert_int_equal(ep->err_class[METRICS_ERR_STATUS], 5);
    metrics_results_free(r);

    /* without --latency: Avg and Max only */
    r = load_ok(IMPORTER_WRK, FIXTURE("wrk_plain.txt"));
    check(r, &(struct want){"HTTP /api/agents",
                            1077,
                            0,
                            {ABSENT, ABSENT, ABSENT, ABSENT, ABSENT, ABSENT,
                             27.99, ABSENT, 64.48}});
    metrics_results_free(r);

    /* wrk2: HdrHistogram percentiles; p95 and min from the spectrum */
    r = load_ok(IMPORTER_WRK, FIXTURE("wrk2_latency.txt"));
    check(r, &(struct want){"ALL",
                            3602,
                            0,
                            {11.02, 13.11, 15.37, 16.831, 20.01, 22.59, 11.46,
                             5.311, 23.44}});
    assert_close(r->duration_s, 12.01, 1e-12, "duration");
    metrics_results_free(r);
}

/* ---- hey ----------------------------------------------------------------- */

static void test_hey(void **state)
{
    struct metrics_results *r;
    const struct metrics_endpoint *ep;

    (void)state;
    /* per request: exact min, max and mean; seconds from the run's start */
    r = load_ok(IMPORTER_HEY, FIXTURE("hey.csv"));
    check(r, &(struct want){"HTTP *",
                            200,
                            0,
                            {ANY, ANY, ANY, ANY, ANY, ANY, 11.155, 5.3, 21.3}});
    ep = find(r, "HTTP *");
    assert_int_equal(metrics_hist_count(ep->hist), 200);
    assert_int_equal(ep->status[200], 200);
    assert_int_equal(r->start_second, 0);
    assert_null(r->timestamp);
    assert_close(r->duration_s, 0.4617, 1e-9, "first start to last end");
    assert_int_equal(r->n_recommendations, 0);
    metrics_results_free(r);

    r = load_ok(IMPORTER_HEY, FIXTURE("hey_404.csv"));
    ep = find(r, "HTTP *");
    assert_int_equal(ep->requests, 50);
    assert_int_equal(ep->err_class[METRICS_ERR_STATUS], 50);
    metrics_results_free(r);
}

/* ---- k6 ------------------------------------------------------------------ */

static void test_k6_points(void **state)
{
    struct metrics_results *r = load_ok(IMPORTER_K6, FIXTURE("k6_points.json"));
    const struct metrics_endpoint *ep;
    size_t seconds = 0;

    (void)state;
    assert_string_equal(r->meta.source, "k6");
    assert_int_equal(r->n_endpoints, 3);
    /* named by method and name tag, the URL's host left out; 2 refused
     * (status 0: no latency) */
    check(r, &(struct want){"GET /api/health",
                            161,
                            2,
                            {ANY, ANY, ANY, ANY, ANY, ANY, ANY, 2.05, 14.75}});
    check(r,
          &(struct want){"GET /api/agents",
                         63,
                         0,
                         {ANY, ANY, ANY, ANY, ANY, ANY, ANY, 16.438, 59.917}});
    check(r,
          &(struct want){"POST /api/agents/{id}/query",
                         52,
                         4,
                         {ANY, ANY, ANY, ANY, ANY, ANY, ANY, 29.09, 212.239}});
    ep = find(r, "GET /api/health");
    assert_int_equal(metrics_hist_count(ep->hist), 159);
    assert_int_equal(ep->err_class[METRICS_ERR_CONNECT], 2); /* 1212 */
    ep = find(r, "POST /api/agents/{id}/query");
    assert_int_equal(ep->err_class[METRICS_ERR_HTTP_5XX], 4);
    assert_int_equal(ep->status[500], 4);
    for (size_t i = 0; i < r->n_endpoints; i++)
        seconds += r->endpoints[i]->n_timeline;
    assert_true(seconds >= 15); /* 3 endpoints over 6 seconds */
    assert_int_equal(r->start_second, 1796515323);
    assert_close(r->duration_s, 5.048423, 1e-6, "window");
    assert_int_equal(r->concurrent_users, 10);
    assert_int_equal(r->n_recommendations, 0);
    metrics_results_free(r);
}

static void test_k6_handle_summary(void **state)
{
    struct metrics_results *r =
        load_ok(IMPORTER_K6, FIXTURE("k6_handle_summary.json"));

    (void)state;
    /* every endpoint exported: no rest, ALL is k6's whole run */
    assert_int_equal(r->n_endpoints, 3);
    check(r, &(struct want){"GET /api/health",
                            161,
                            2,
                            {8.235601, ABSENT, 13.41093, 14.168147, ABSENT,
                             ABSENT, 8.101184006211184, 0.240153, 14.750058}});
    check(r, &(struct want){"POST /api/agents/{id}/query",
                            52,
                            4,
                            {79.5146205, ABSENT, ANY, 191.5192265, ABSENT,
                             ABSENT, ANY, 29.090107, 212.239149}});
    check(r,
          &(struct want){"ALL",
                         276,
                         6,
                         {12.3924685, ABSENT, 77.3273435, 101.889577, ABSENT,
                          ABSENT, 30.117459923913042, 0.240153, 212.239149}});
    assert_close(r->duration_s, 276 / 54.67054853972191, 1e-12, "count / rate");
    assert_int_equal(r->concurrent_users, 10);
    metrics_results_free(r);
}

/* ---- Gatling ------------------------------------------------------------- */

static void test_gatling_log(void **state)
{
    static const char v33[] =
        "RUN\tsim.S\ts\t1700000000000\t \t3.3.1\n"
        "USER\tS\t1\tSTART\t1700000000000\t0\n"
        "REQUEST\t1\t\thome\t1700000000000\t1700000000012\tOK\t \n"
        "REQUEST\t1\tg1,g2\tpay\t1700000000100\t1700000001150\tKO\t"
        "j.u.c.TimeoutException: Request timeout to /127.0.0.1:8080 after "
        "1000 ms\n"
        "USER\tS\t1\tEND\t1700000000000\t1700000001200\n";
    struct metrics_results *r;
    const struct metrics_endpoint *ep;
    char err[256];

    (void)state;
    r = load_ok(IMPORTER_GATLING, FIXTURE("gatling_simulation.log"));
    assert_int_equal(r->n_endpoints, 3);
    /* the endpoint is the request's name after its groups */
    check(r, &(struct want){"HTTP health",
                            255,
                            1,
                            {ANY, ANY, ANY, ANY, ANY, ANY, ANY, 2, 15}});
    check(r, &(struct want){"HTTP agents",
                            115,
                            0,
                            {ANY, ANY, ANY, ANY, ANY, ANY, ANY, 15, 59}});
    check(r, &(struct want){"HTTP ask / query",
                            136,
                            12,
                            {ANY, ANY, ANY, ANY, ANY, ANY, ANY, 16, 463}});
    ep = find(r, "HTTP ask / query");
    /* "..., found 500": a response, with its status; a refused
     * connection: none */
    assert_int_equal(ep->err_class[METRICS_ERR_HTTP_5XX], 10);
    assert_int_equal(ep->status[500], 10);
    assert_int_equal(ep->err_class[METRICS_ERR_CONNECT], 2);
    assert_int_equal(metrics_hist_count(ep->hist), 134);
    assert_int_equal(r->concurrent_users, 10);
    assert_int_equal(r->start_second, 1796515323);
    assert_close(r->duration_s, 6.146, 1e-9, "window");
    metrics_results_free(r);

    /* Gatling 3.0-3.3: the user's id before the groups */
    r = NULL;
    assert_int_equal(importer_parse(IMPORTER_GATLING, v33, strlen(v33), "s.log",
                                    &r, err, sizeof(err)),
                     0);
    check(r, &(struct want){
                 "HTTP home", 1, 0, {12, 12, 12, 12, 12, 12, 12, 12, 12}});
    ep = find(r, "HTTP g1 / g2 / pay");
    assert_int_equal(ep->err_class[METRICS_ERR_TIMEOUT], 1);
    assert_int_equal(metrics_hist_count(ep->hist), 0);
    assert_int_equal(r->concurrent_users, 1);
    metrics_results_free(r);
}

static void test_gatling_stats(void **state)
{
    struct metrics_results *r =
        load_ok(IMPORTER_GATLING, FIXTURE("gatling_stats.json"));

    (void)state;
    /* percentiles1..4: p50, p75, p95, p99 (Gatling's defaults) */
    check(r, &(struct want){"HTTP health",
                            255,
                            1,
                            {8, 11, ABSENT, 15, 15, ABSENT, 8, 1, 15}});
    check(r, &(struct want){"HTTP ask / query",
                            136,
                            12,
                            {80, 104, ABSENT, 220, 352, ABSENT, 94, 0, 463}});
    check(r, &(struct want){"ALL",
                            506,
                            13,
                            {15, ANY, ABSENT, 130, ANY, ABSENT, 38, ANY, ANY}});
    assert_close(r->duration_s, 506 / 82.33, 1e-12, "requests / rps");
    assert_true(has_recommendation(r, "without p90, p99.9"));
    metrics_results_free(r);
}

/* ---- vegeta -------------------------------------------------------------- */

static void test_vegeta(void **state)
{
    struct metrics_results *r;
    const struct metrics_endpoint *ep;

    (void)state;
    r = load_ok(IMPORTER_VEGETA, FIXTURE("vegeta_results.json"));
    /* latencies in ns, recorded to the microsecond */
    check(r, &(struct want){"GET /api/health",
                            257,
                            0,
                            {ANY, ANY, ANY, ANY, ANY, ANY, ANY, 2.01, 14.998}});
    check(r,
          &(struct want){"GET /api/agents",
                         134,
                         2,
                         {ANY, ANY, ANY, ANY, ANY, ANY, ANY, 15.132, 59.363}});
    ep = find(r, "POST /api/agents/1/query");
    assert_int_equal(ep->requests, 116);
    assert_int_equal(ep->errors, 12);
    assert_int_equal(ep->err_class[METRICS_ERR_HTTP_5XX], 11);
    assert_int_equal(ep->err_class[METRICS_ERR_CONNECT], 1);
    assert_int_equal(metrics_hist_count(ep->hist), 115); /* code 0: none */
    assert_int_equal(r->start_second, 1796515323);
    assert_close(r->duration_s, 6.172273, 1e-6, "window");
    metrics_results_free(r);

    r = load_ok(IMPORTER_VEGETA, FIXTURE("vegeta_report.json"));
    check(r,
          &(struct want){"HTTP *",
                         507,
                         14,
                         {14.499099, ABSENT, 95.440374, 126.495379, 175.490404,
                          ABSENT, 36.2315, 0.349816, 359.593303}});
    ep = find(r, "HTTP *");
    assert_int_equal(ep->status[500], 11);
    assert_int_equal(ep->err_class[METRICS_ERR_OTHER], 3); /* code 0 */
    assert_close(r->duration_s, (5994835000.0 + 177438000.0) / 1e9, 1e-12,
                 "duration + wait");
    assert_string_equal(r->timestamp, "2026-12-06T00:02:03Z");
    metrics_results_free(r);
}

/* ---- malformed input --------------------------------------------------- */

static void test_malformed(void **state)
{
    static const struct {
        enum importer_format f;
        const char *text;
        const char *error;
    } cases[] = {
        {IMPORTER_ARTILLERY, "{\"aggregate\":{}}",
         "in: no \"aggregate\" object with \"counters\": not an Artillery 2 "
         "report (artillery run -o)"},
        {IMPORTER_ARTILLERY,
         "{\"aggregate\":{\"counters\":{\"http.requests\":1.5}}}",
         "in: aggregate.counters[\"http.requests\"]: expected a whole count"},
        {IMPORTER_ARTILLERY,
         "{\"aggregate\":{\"counters\":{\"http.requests\":2,"
         "\"http.responses\":3}}}",
         "in: aggregate.counters: 3 responses to 2 requests"},
        {IMPORTER_ARTILLERY,
         "{\"aggregate\":{\"counters\":{\"http.requests\":2,"
         "\"http.responses\":2,\"http.codes.200\":2,"
         "\"plugins.metrics-by-endpoint./x.codes.200\":5}}}",
         "in: the endpoints count 5 requests (0 failed), more than the "
         "whole run's 2 (0)"},
        {IMPORTER_ARTILLERY, "{\"aggregate\":{\"counters\":{}}}",
         "in: aggregate.counters has no http.requests: the run made no HTTP "
         "request"},
        {IMPORTER_AUTOCANNON, "{\"latency\":{}}",
         "in: no \"latency\" and \"requests\" objects: not autocannon's "
         "--json result"},
        {IMPORTER_AUTOCANNON,
         "{\"latency\":{\"p50\":-1},\"requests\":{\"total\":3}}",
         "in: latency.p50: expected a number >= 0"},
        {IMPORTER_GATLING, "",
         "in: empty file: expected Gatling's "
         "simulation.log or js/stats.json"},
        {IMPORTER_GATLING,
         "RUN\ta\tb\t1\t \t3.9.5\nREQUEST\t\tx\t5\t4\tOK\t \n",
         "in:2: ends before it starts"},
        {IMPORTER_GATLING,
         "RUN\ta\tb\t1\t \t3.9.5\nREQUEST\t\tx\t1\t2\tMAYBE\t \n",
         "in:2: status: expected OK or KO, found 'MAYBE'"},
        {IMPORTER_GATLING, "RUN\ta\tb\t1\t \t3.9.5\nREQUEST\tx\t1\t2\n",
         "in:2: a REQUEST record of 4 fields: Gatling 3.x writes 7 (3.4 and "
         "later) or 8"},
        {IMPORTER_GATLING,
         "RUN\ta\tb\t1\t \t3.9.5\nREQUEST\t\tx\tsoon\t2\tOK\t \n",
         "in:2: start: expected milliseconds since 1970, found 'soon'"},
        {IMPORTER_GATLING, "SCENARIO\tx\n",
         "in:1: a 'SCENARIO' record: not Gatling 3.x's simulation.log (RUN, "
         "USER, REQUEST, GROUP, ERROR)"},
        {IMPORTER_GATLING, "RUN\ta\tb\t1\t \t3.9.5\n",
         "in: no REQUEST record: the simulation made no request"},
        {IMPORTER_GATLING, "\x01\x00\x00\x00\x05\x33\x2e\x31\x32",
         "in:1: binary data: Gatling 3.12 and later write a binary "
         "simulation.log; give the report's js/stats.json instead"},
        {IMPORTER_GATLING, "{\"stats\":{}}",
         "in: $.stats.numberOfRequests.total is 0: the simulation made no "
         "request"},
        {IMPORTER_GATLING,
         "{\"stats\":{\"numberOfRequests\":{\"total\":2,\"ko\":3}}}",
         "in: $.stats.numberOfRequests: ko above total"},
        {IMPORTER_VEGETA,
         "{\"code\":200,\"timestamp\":\"yesterday\",\"latency\":5}\n",
         "in:1: timestamp: expected an RFC 3339 time, found 'yesterday'"},
        {IMPORTER_VEGETA,
         "{\"code\":200,\"timestamp\":\"2026-01-02T03:04:05Z\",\"latency\":5}"
         "\n{\"code\":200}\n",
         "in:2: not a vegeta result (`vegeta encode`: {\"code\":..,"
         "\"timestamp\":..,\"latency\":..})"},
        {IMPORTER_VEGETA,
         "{\"code\":700,\"timestamp\":\"2026-01-02T03:04:05Z\",\"latency\":5}",
         "in:1: code: 700 is not an HTTP status"},
        {IMPORTER_VEGETA, "{\"latencies\":{}}",
         "in: no \"latencies\" and \"status_codes\" objects: not vegeta's "
         "report -type=json"},
        {IMPORTER_VEGETA,
         "{\"latencies\":{},\"status_codes\":{\"abc\":1},\"requests\":1}",
         "in: status_codes[\"abc\"]: not an HTTP status"},
        {IMPORTER_WRK, "Running 1s test @ http://h/\n",
         "in: no \"N requests in T\" line: not wrk's report, or it is cut "
         "short"},
        {IMPORTER_WRK,
         "Running 1s test @ http://h/\n    Latency    fast    1ms  2ms  50%\n",
         "in:2: the Latency line: expected times, found 'Latency    fast    "
         "1ms  2ms  50%'"},
        {IMPORTER_WRK, "  Latency Distribution\n     50%   soon\n",
         "in:2: expected a time after 50%, found 'soon'"},
        {IMPORTER_HEY, "", "in: empty file: expected hey's -o csv"},
        {IMPORTER_HEY, "a,b\n",
         "in:1: no 'response-time' column: not hey's -o csv header"},
        {IMPORTER_HEY, "response-time,status-code,offset\n0.1,200\n",
         "in:2: expected 3 columns, found 2"},
        {IMPORTER_HEY, "response-time,status-code,offset\n-0.1,200,0\n",
         "in:2: field 1 (response-time): expected seconds, found '-0.1'"},
        {IMPORTER_HEY, "response-time,status-code,offset\n0.1,OK,0\n",
         "in:2: field 2 (status-code): expected an HTTP status, found 'OK'"},
        {IMPORTER_HEY, "response-time,status-code,offset\n",
         "in: no request: hey's CSV lists the requests that got a response"},
        {IMPORTER_K6,
         "{\"type\":\"Point\",\"metric\":\"http_req_duration\","
         "\"data\":{\"time\":\"then\",\"value\":1}}\n",
         "in:1: data.time: expected an RFC 3339 time, found then"},
        {IMPORTER_K6,
         "{\"type\":\"Point\",\"metric\":\"vus\",\"data\":{}}\n"
         "{\"type\":\"Point\",\"metric\":\"http_req_duration\","
         "\"data\":{\"time\":\"2026-01-02T03:04:05Z\","
         "\"value\":\"fast\"}}\n",
         "in:2: data.value: expected a duration in ms"},
        {IMPORTER_K6,
         "{\"type\":\"Metric\",\"metric\":\"vus\",\"data\":{}}\n"
         "[1]\n",
         "in:2: not a line of k6's --out json ({\"type\":\"Point\","
         "\"metric\":...,\"data\":{...}})"},
        {IMPORTER_K6, "{\"type\":\"Metric\",\"metric\":\"vus\",\"data\":{}}\n",
         "in: no http_req_duration point: the run made no HTTP request"},
        {IMPORTER_K6, "{\"type\":\"Metric\",\"metric\":\"vus\",\"data\":{}}\n{",
         NULL /* jansson's wording: checked for the line */},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        expect_parse_error(i, cases[i].f, cases[i].text, cases[i].error);
}

/* ---- internals ----------------------------------------------------------- */

static void test_times_and_urls(void **state)
{
    static const struct {
        const char *s;
        bool ok;
        int64_t us;
    } times[] = {
        {"1970-01-01T00:00:00Z", true, 0},
        {"2026-12-06T01:02:03.250000+01:00", true, INT64_C(1796515323250000)},
        {"2026-12-06T00:02:03.2500004Z", true, INT64_C(1796515323250000)},
        {"2026-12-06T00:02:03", true, INT64_C(1796515323000000)},
        {"2024-02-29T12:00:00-05:30", true, INT64_C(1709227800000000)},
        {"2023-02-29T12:00:00Z", true, INT64_C(1677672000000000)},
        {"2026-12-06 00:02:03Z", true, INT64_C(1796515323000000)},
        {"2026-13-06T00:02:03Z", false, 0},
        {"2026-12-06T00:02:03.Z", false, 0},
        {"2026-12-06T00:02:03+1:00", false, 0},
        {"1969-12-31T23:59:59Z", false, 0},
        {"2026-12-06T00:02:03Z ", false, 0},
        {"", false, 0},
    };
    static const struct {
        const char *url, *path;
    } urls[] = {
        {"http://127.0.0.1:8080/api/x?a=1", "/api/x?a=1"},
        {"https://h", "/"},
        {"http://h?q=1", "?q=1"},
        {"http://h#frag", "/"},
        {"/api/x", "/api/x"},
        {"GET /x", "GET /x"},
        {"x://", "/"},
        {"://h/x", "://h/x"},
        {"a b://h/x", "a b://h/x"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
        int64_t us = -1;
        bool ok = importer__parse_time(times[i].s, &us);

        /* Feb 29 of 2023 is let through as March 1st: not a check of
         * calendars, only of the shape */
        if (ok != times[i].ok || (ok && us != times[i].us))
            fail_msg("'%s': %d %lld, want %d %lld", times[i].s, ok,
                     (long long)us, times[i].ok, (long long)times[i].us);
    }
    for (size_t i = 0; i < sizeof(urls) / sizeof(urls[0]); i++)
        assert_string_equal(importer__url_path(urls[i].url), urls[i].path);
}

/* The latency members the summary formats share one reader for: a later
 * key for a filled statistic is only a fallback, nanoseconds are divided
 * down, and a bad value is named with its key. */
static void test_json_scalars(void **state)
{
    static const struct importer__scalar keys[] = {
        IMPORTER__SCALAR("p50", p50),
        IMPORTER__SCALAR("max", max),
        IMPORTER__SCALAR("median", p50),
    };
    static const struct {
        const char *json;
        double per_ms;
        int rc;
        bool present, has_p50, has_max;
        double p50, max;
        const char *err;
    } cases[] = {
        {"{\"p50\": 3, \"median\": 4}", 1, 0, true, true, false, 3, 0, ""},
        {"{\"median\": 4, \"max\": 9}", 1, 0, true, true, true, 4, 9, ""},
        {"{\"max\": 2500000, \"p50\": null}", 1e6, 0, true, false, true, 0, 2.5,
         ""},
        {"{\"p95\": 1}", 1, 0, false, false, false, 0, 0, ""},
        {"[1]", 1, 0, false, false, false, 0, 0, ""},
        {"{\"p50\": 3, \"median\": \"x\"}", 1, IMPORTER_EPARSE, true, true,
         false, 3, 0, "f: lat.median: expected a number >= 0"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char err[128] = "";
        struct importer__err e = {"f", err, sizeof(err)};
        struct metrics_scalars s;
        json_t *obj = json_loads(cases[i].json, 0, NULL);

        assert_non_null(obj);
        assert_int_equal(importer__json_scalars(&e, obj, "lat", keys, 3,
                                                cases[i].per_ms, &s),
                         cases[i].rc);
        assert_string_equal(err, cases[i].err);
        if (s.present != cases[i].present || s.has_p50 != cases[i].has_p50 ||
            s.has_max != cases[i].has_max || s.p50_ms != cases[i].p50 ||
            s.max_ms != cases[i].max)
            fail_msg("%s: present %d, p50 %d %g, max %d %g", cases[i].json,
                     s.present, s.has_p50, s.p50_ms, s.has_max, s.max_ms);
        json_decref(obj);
    }
}

/* An import cannot grow without bound: a unique URL per request is not
 * an endpoint. */
static void test_endpoint_limit(void **state)
{
    size_t cap = (size_t)(IMPORTER__MAX_ENDPOINTS + 1) * 120 + 64, n = 0;
    char *text = malloc(cap);
    struct metrics_results *r = NULL;
    char err[256];

    (void)state;
    assert_non_null(text);
    for (int i = 0; i <= IMPORTER__MAX_ENDPOINTS; i++)
        n += (size_t)snprintf(text + n, cap - n,
                              "{\"code\":200,\"timestamp\":\"2026-01-02T03:"
                              "04:05Z\",\"latency\":5,\"url\":\"http://h/"
                              "x?id=%d\"}\n",
                              i);
    assert_int_equal(
        importer_parse(IMPORTER_VEGETA, text, n, "v", &r, err, sizeof(err)),
        IMPORTER_EPARSE);
    assert_string_equal(err, "v:10001: more than 10000 endpoints (a unique "
                             "URL per request?): name the requests in the "
                             "tool");
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_detect),
        cmocka_unit_test(test_auto),
        cmocka_unit_test(test_artillery),
        cmocka_unit_test(test_autocannon),
        cmocka_unit_test(test_wrk),
        cmocka_unit_test(test_hey),
        cmocka_unit_test(test_k6_points),
        cmocka_unit_test(test_k6_handle_summary),
        cmocka_unit_test(test_gatling_log),
        cmocka_unit_test(test_gatling_stats),
        cmocka_unit_test(test_vegeta),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_times_and_urls),
        cmocka_unit_test(test_endpoint_limit),
        cmocka_unit_test(test_json_scalars),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
