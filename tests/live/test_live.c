/*
 * The live servers end to end on loopback: samples handed over as the
 * engine's progress callback does, then the page, /state.json, the event
 * stream, /metrics in both formats, Stop, the token rule and the verdict,
 * read with libcurl.
 */
#include <curl/curl.h>
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "compare.h"
#include "lghttp.h"
#include "lgjson.h"
#include "live.h"
#include "metrics.h"

#define START 1767268800 /* 2026-01-01T12:00:00Z */
#define N_FAST 500       /* GET /x: 2 ms each, over 5 whole seconds */
#define TOKEN "s3cret-Zq"
#define ODD_PATH "/a\"b\\c" /* a label value to escape */
#define X_BUCKET "loadgate_request_duration_seconds_bucket{endpoint=\"GET /x\""

/* ---- HTTP ------------------------------------------------------------------
 */

/* method url, with extra header lines (NULL-terminated, may be NULL). */
static struct http_reply http(const char *method, const char *url,
                              const char *const *headers)
{
    struct http_reply r;
    struct curl_slist *h = NULL;
    CURL *c = curl_easy_init();
    CURLcode rc;

    assert_non_null(c);
    http_reply_capture(c, &r);
    for (; headers && *headers; headers++)
        h = curl_slist_append(h, *headers);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (strcmp(method, "POST") == 0)
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
    curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
    rc = curl_easy_perform(c);
    if (rc != CURLE_OK)
        fail_msg("%s %s: %s", method, url, curl_easy_strerror(rc));
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
    curl_easy_cleanup(c);
    curl_slist_free_all(h);
    if (!r.body)
        r.body = calloc(1, 1);
    return r;
}

/* method url answers status, with the Content-Type type unless that is
 * NULL; the reply (free its body). */
static struct http_reply answer(const char *method, const char *url,
                                const char *const *headers, long status,
                                const char *type)
{
    struct http_reply r = http(method, url, headers);

    if (r.status != status)
        fail_msg("%s %s: HTTP %ld, want %ld", method, url, r.status, status);
    if (type)
        assert_string_equal(r.type, type);
    return r;
}

/* method url answers status (its body unread). */
static void expect(const char *method, const char *url,
                   const char *const *headers, long status)
{
    struct http_reply r = http(method, url, headers);

    assert_int_equal(r.status, status);
    free(r.body);
}

static void url_of(struct live *l, bool metrics, const char *path, char *buf,
                   size_t len)
{
    char base[128];

    live_url(l, metrics, base, sizeof(base));
    assert_true(base[0] != '\0');
    base[strlen(base) - (metrics ? strlen("/metrics") : 1)] = '\0';
    snprintf(buf, len, "%s%s", base, path);
}

/* ---- fixtures --------------------------------------------------------------
 */

/* GET /x: N_FAST requests of 2 ms over START..START+4, one more at
 * START+5 (the newest second, still filling); GET ODD_PATH: 10 of 50 ms
 * at START and START+5, 2 of them answered 500. */
static struct metrics_results *results(void)
{
    struct metrics_results *r = NULL;
    struct metrics_endpoint *x, *odd;

    assert_int_equal(metrics_results_new(&r), 0);
    r->start_second = START;
    r->duration_s = 6;
    x = metrics_results_endpoint(r, "GET", "/x", true);
    odd = metrics_results_endpoint(r, "GET", ODD_PATH, true);
    assert_non_null(x);
    assert_non_null(odd);
    for (int i = 0; i < N_FAST; i++)
        assert_int_equal(metrics_endpoint_record(x, START + i % 5, true, 2000,
                                                 200, METRICS_ERR_NONE),
                         0);
    assert_int_equal(metrics_endpoint_record(x, START + 5, true, 2000, 200,
                                             METRICS_ERR_NONE),
                     0);
    for (int i = 0; i < 10; i++)
        assert_int_equal(metrics_endpoint_record(odd, START + (i < 5 ? 0 : 5),
                                                 true, 50000, i < 2 ? 500 : 200,
                                                 i < 2 ? METRICS_ERR_HTTP_5XX
                                                       : METRICS_ERR_NONE),
                         0);
    return r;
}

struct fx {
    struct live *l;
    struct metrics_results *r;
    struct compare_threshold th[3];
    char report[64];
};

static int stops;

static void on_stop(void *ud)
{
    (void)ud;
    stops++;
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    struct live_opts o = {0};
    char err[256];

    assert_non_null(f);
    assert_int_equal(
        compare_threshold_parse("p95 < 1ms", NULL, &f->th[0], err, sizeof(err)),
        0);
    assert_int_equal(compare_threshold_parse("error_rate < 50%", NULL,
                                             &f->th[1], err, sizeof(err)),
                     0);
    assert_int_equal(compare_threshold_parse("p95 < 1ms", "GET /x", &f->th[2],
                                             err, sizeof(err)),
                     0);
    f->th[2].for_s = 3;
    f->th[2].abort_run = true;
    f->r = results();
    o.ui = "127.0.0.1:0";
    o.title = "fixture";
    o.stop = on_stop;
    o.thresholds = f->th;
    o.n_thresholds = 3;
    assert_int_equal(live_start(&o, &f->l, err, sizeof(err)), 0);
    stops = 0;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;

    live_stop(f->l);
    metrics_results_free(f->r);
    for (int i = 0; i < 3; i++)
        compare_threshold_release(&f->th[i]);
    if (f->report[0])
        unlink(f->report);
    free(f);
    return 0;
}

static void sample(struct live *l, const struct metrics_results *r,
                   double elapsed)
{
    struct live_sample s = {.elapsed_s = elapsed,
                            .users = 7,
                            .target_rps = 40,
                            .rps = 12.5,
                            .requests = metrics_results_total_requests(r),
                            .errors = metrics_results_total_errors(r),
                            .results = r};
    live_update(l, &s);
}

/* /state.json once its GET /x row shows want requests.  The sample of
 * run at elapsed is handed over again and again, as the engine does every
 * 0.5 s: live_update skips one while the worker reads the last copy, and
 * the worker turns copies into snapshots once a second. */
static json_t *state_when(struct live *l, json_int_t want,
                          const struct metrics_results *run, double elapsed)
{
    char url[160], seen[512] = "";

    url_of(l, false, "/state.json", url, sizeof(url));
    for (int tries = 0; tries < 200; tries++) {
        struct http_reply r;

        sample(l, run, elapsed);
        r = http("GET", url, NULL);
        json_t *doc = json_loads(r.body, 0, NULL), *eps;

        snprintf(seen, sizeof(seen), "%s", r.body);
        free(r.body);
        assert_non_null(doc);
        eps = json_object_get(doc, "endpoints");
        if (json_array_size(eps) > 0 &&
            json_integer_value(
                json_object_get(json_array_get(eps, 0), "requests")) == want)
            return doc;
        json_decref(doc);
        usleep(100 * 1000);
    }
    fail_msg("the live state never showed %lld requests: %s", (long long)want,
             seen);
    return NULL;
}

static json_t *threshold(json_t *doc, size_t i)
{
    return json_array_get(json_object_get(doc, "thresholds"), i);
}

/* ---- tests ----------------------------------------------------------------
 */

static void test_page_is_self_contained(void **state)
{
    struct fx *f = *state;
    char url[160];
    struct http_reply r;

    url_of(f->l, false, "/", url, sizeof(url));
    r = answer("GET", url, NULL, 200, "text/html; charset=utf-8");
    assert_non_null(strstr(r.body, "<!doctype html>"));
    assert_non_null(strstr(r.body, "new EventSource(\"events\""));
    /* nothing from elsewhere: no address, and the browser told so */
    assert_null(strstr(r.body, "http://"));
    assert_null(strstr(r.body, "https://"));
    assert_non_null(strstr(r.csp, "default-src 'none'"));
    assert_non_null(strstr(r.csp, "connect-src 'self'"));
    free(r.body);
    url_of(f->l, false, "/nothing", url, sizeof(url));
    expect("GET", url, NULL, 404);
}

static void test_state_and_thresholds(void **state)
{
    struct fx *f = *state;
    json_t *doc, *eps, *odd, *t;

    doc = state_when(f->l, N_FAST + 1, f->r, 6.0);
    assert_jstr(doc, "phase", "running");
    assert_jstr(doc, "title", "fixture");
    assert_int_equal(json_integer_value(json_object_get(doc, "users")), 7);
    eps = json_object_get(doc, "endpoints");
    assert_int_equal(json_array_size(eps), 2);
    /* the last whole second: START+4 (START+5 is still filling) */
    assert_true(json_real_value(json_object_get(json_array_get(eps, 0),
                                                "rps")) == N_FAST / 5);
    assert_true(
        json_real_value(json_object_get(json_array_get(eps, 0), "p95")) == 2.0);
    odd = json_array_get(eps, 1);
    assert_jstr(odd, "name", "GET " ODD_PATH);
    assert_int_equal(json_integer_value(json_object_get(odd, "errors")), 2);
    assert_int_equal(json_integer_value(json_object_get(
                         json_object_get(odd, "classes"), "http_5xx")),
                     2);
    /* p95 < 1ms fails on GET /x (and ALL); the error rate passes */
    t = threshold(doc, 0);
    assert_jstr(t, "status", "FAIL");
    assert_non_null(
        strstr(json_string_value(json_object_get(t, "message")), "p95 = 2"));
    assert_string_equal(
        json_string_value(json_object_get(threshold(doc, 1), "status")),
        "PASS");
    /* for 3 s: breached in each of the 5 whole seconds */
    t = threshold(doc, 2);
    assert_int_equal(json_integer_value(json_object_get(t, "streak")), 5);
    assert_int_equal(json_integer_value(json_object_get(t, "longest")), 5);
    assert_true(json_is_true(json_object_get(t, "abort")));
    assert_true(json_is_null(json_object_get(doc, "verdict")));
    json_decref(doc);
}

/* The lines of text that start with prefix, in order, into a buffer. */
static const char *line_of(const char *text, const char *prefix)
{
    const char *p = text;

    while (p && *p) {
        if (strncmp(p, prefix, strlen(prefix)) == 0)
            return p;
        p = strchr(p, '\n');
        p = p ? p + 1 : NULL;
    }
    return NULL;
}

static unsigned long long value_of(const char *text, const char *prefix)
{
    const char *l = line_of(text, prefix);

    assert_non_null(l);
    return strtoull(l + strlen(prefix), NULL, 10);
}

/* A streaming threshold is judged on the live copy as on the run: the
 * copy carries each endpoint's streams (it used to show no data). */
static void test_stream_thresholds(void **state)
{
    struct metrics_results *r = NULL;
    struct metrics_endpoint *ep;
    struct compare_threshold th;
    struct live_opts o = {0};
    struct live *l = NULL;
    char err[256];
    json_t *doc, *t;

    (void)state;
    assert_int_equal(metrics_results_new(&r), 0);
    r->start_second = START;
    r->duration_s = 6;
    ep = metrics_results_endpoint(r, "POST", "/chat", true);
    assert_non_null(ep);
    for (int i = 0; i < 300; i++) {
        struct metrics_stream_end e = {.events = 4, .tokens = 4};

        assert_int_equal(metrics_endpoint_record(ep, START + i % 5, true, 90000,
                                                 200, METRICS_ERR_NONE),
                         0);
        assert_int_equal(metrics_stream_gap(ep, START + i % 5, true, 50000), 0);
        for (int g = 0; g < 3; g++)
            assert_int_equal(
                metrics_stream_gap(ep, START + i % 5, false, 10000), 0);
        assert_int_equal(metrics_stream_end(ep, START + i % 5, &e), 0);
    }
    assert_int_equal(
        compare_threshold_parse("ttft p95 < 1s", NULL, &th, err, sizeof(err)),
        0);
    o.ui = "127.0.0.1:0";
    o.title = "streams";
    o.thresholds = &th;
    o.n_thresholds = 1;
    assert_int_equal(live_start(&o, &l, err, sizeof(err)), 0);
    doc = state_when(l, 300, r, 6.0);
    t = threshold(doc, 0);
    assert_jstr(t, "status", "PASS");
    assert_non_null(
        strstr(json_string_value(json_object_get(t, "message")), "ttft"));
    json_decref(doc);
    live_stop(l);
    compare_threshold_release(&th);
    metrics_results_free(r);
}

static void test_metrics_formats(void **state)
{
    struct fx *f = *state;
    const char *om[] = {"Accept: application/openmetrics-text;version=1.0.0,"
                        "text/plain;version=0.0.4;q=0.5",
                        NULL};
    char url[160];
    struct http_reply r;
    unsigned long long prev = 0;

    json_decref(state_when(f->l, N_FAST + 1, f->r, 6.0));
    url_of(f->l, true, "/metrics", url, sizeof(url));

    /* text format 0.0.4 when OpenMetrics is not asked for */
    r = answer("GET", url, NULL, 200,
               "text/plain; version=0.0.4; charset=utf-8");
    assert_non_null(strstr(r.body, "# TYPE loadgate_requests_total counter\n"));
    assert_null(strstr(r.body, "# EOF"));
    assert_null(strstr(r.body, "# UNIT"));
    assert_int_equal(
        value_of(r.body, "loadgate_requests_total{endpoint=\"GET /x\"} "),
        N_FAST + 1);
    /* the label escaped: " and \ */
    assert_int_equal(
        value_of(r.body, "loadgate_errors_total{endpoint=\"GET /a\\\"b\\\\c\","
                         "class=\"http_5xx\"} "),
        2);
    free(r.body);

    r = answer("GET", url, om, 200,
               "application/openmetrics-text; version=1.0.0; charset=utf-8");
    assert_non_null(strstr(r.body, "# TYPE loadgate_requests counter\n"));
    assert_non_null(
        strstr(r.body, "# UNIT loadgate_request_duration_seconds seconds\n"));
    assert_true(r.len >= 6 && strcmp(r.body + r.len - 6, "# EOF\n") == 0);
    /* cumulative buckets: 2 ms falls in le=0.0025, +Inf is the count */
    assert_int_equal(value_of(r.body,
                              "loadgate_request_duration_seconds_"
                              "bucket{endpoint=\"GET /x\",le=\"0.001\"} "),
                     0);
    assert_int_equal(value_of(r.body,
                              "loadgate_request_duration_seconds_"
                              "bucket{endpoint=\"GET /x\",le=\"0.0025\"} "),
                     N_FAST + 1);
    /* GET /x's buckets: never decreasing, +Inf the count */
    for (const char *p = line_of(r.body, X_BUCKET); p;
         p = line_of(strchr(p, '\n') + 1, X_BUCKET)) {
        char line[256];
        unsigned long long v;

        snprintf(line, sizeof(line), "%.*s", (int)strcspn(p, "\n"), p);
        v = strtoull(strrchr(line, ' '), NULL, 10);
        assert_true(v >= prev);
        prev = v;
    }
    assert_int_equal(value_of(r.body, X_BUCKET ",le=\"+Inf\"} "), N_FAST + 1);
    assert_int_equal(value_of(r.body, "loadgate_request_duration_seconds_count"
                                      "{endpoint=\"GET /x\"} "),
                     N_FAST + 1);
    assert_non_null(line_of(r.body, "loadgate_request_duration_seconds_sum"
                                    "{endpoint=\"GET /x\"} 1.002\n"));
    assert_non_null(line_of(r.body, "loadgate_request_latency_seconds"
                                    "{endpoint=\"GET /x\",quantile=\"0.95\"} "
                                    "0.002\n"));
    assert_non_null(line_of(r.body, "loadgate_users 7.0\n"));
    assert_non_null(
        line_of(r.body, "loadgate_target_requests_per_second 40.0\n"));
    assert_non_null(
        line_of(r.body, "loadgate_achieved_requests_per_second 12.5\n"));
    assert_non_null(line_of(r.body, "loadgate_threshold_failing"
                                    "{threshold=\"p95 < 1ms\"} 1\n"));
    assert_non_null(line_of(r.body, "loadgate_finished 0.0\n"));
    free(r.body);
}

/* An event stream read until both events came (then aborted). */
static size_t on_events(char *p, size_t size, size_t n, void *ud)
{
    struct http_reply *r = ud;
    const char *snap;

    http_reply_on_body(p, size, n, ud);
    snap = strstr(r->body, "event: snapshot\n");
    if (strstr(r->body, "event: history\n") && snap && strstr(snap, "\n\n"))
        return 0; /* enough */
    return size * n;
}

static void test_event_stream(void **state)
{
    struct fx *f = *state;
    struct http_reply e = {0};
    char url[160];
    char *type = NULL;
    CURL *c = curl_easy_init();

    json_decref(state_when(f->l, N_FAST + 1, f->r, 6.0));
    url_of(f->l, false, "/events", url, sizeof(url));
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_events);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &e);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
    curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
    /* aborted by on_events once both came */
    if (curl_easy_perform(c) != CURLE_WRITE_ERROR)
        fail_msg("the event stream ended early: %s", e.body ? e.body : "");
    curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &type);
    assert_string_equal(type, "text/event-stream");
    curl_easy_cleanup(c);
    /* the history first, with the chart points so far */
    assert_true(strstr(e.body, "event: history\n") <
                strstr(e.body, "event: snapshot\n"));
    assert_non_null(strstr(e.body, "data: {\"points\":[{"));
    assert_non_null(strstr(e.body, "\"name\":\"GET /x\",\"requests\":501"));
    free(e.body);
}

static void test_stop_button(void **state)
{
    struct fx *f = *state;
    const char *evil[] = {"Origin: http://evil.example", NULL};
    const char *rebound[] = {"Host: evil.example", NULL};
    char url[160], own[200];
    const char *same[] = {own, NULL};
    struct http_reply r;

    url_of(f->l, false, "/stop", url, sizeof(url));
    r = answer("GET", url, NULL, 405, NULL);
    assert_string_equal(r.allow, "POST");
    free(r.body);
    expect("POST", url, evil, 403);
    expect("POST", url, rebound, 403);
    assert_int_equal(stops, 0);
    /* the page's own origin, as a browser sends it */
    snprintf(own, sizeof(own), "Origin: %.*s", (int)(strlen(url) - 5), url);
    expect("POST", url, same, 202);
    expect("POST", url, NULL, 202);
    assert_int_equal(stops, 1); /* once, however often it is pressed */
    sample(f->l, f->r, 6.5);
    for (int tries = 0; tries < 150; tries++) {
        json_t *doc;
        url_of(f->l, false, "/state.json", url, sizeof(url));
        r = http("GET", url, NULL);
        doc = json_loads(r.body, 0, NULL);
        free(r.body);
        if (strcmp(json_string_value(json_object_get(doc, "phase")),
                   "stopping") == 0) {
            json_decref(doc);
            return;
        }
        json_decref(doc);
        usleep(100 * 1000);
    }
    fail_msg("the page never said it was stopping");
}

static void test_new_run(void **state)
{
    struct fx *f = *state;
    struct metrics_results *second = NULL;
    struct metrics_endpoint *x;
    json_t *doc, *pts;

    json_decref(state_when(f->l, N_FAST + 1, f->r, 6.0));
    /* --repeat: the next run starts from 0 s */
    assert_int_equal(metrics_results_new(&second), 0);
    x = metrics_results_endpoint(second, "GET", "/x", true);
    for (int i = 0; i < 3; i++)
        metrics_endpoint_record(x, START + 100, true, 1000, 200,
                                METRICS_ERR_NONE);
    doc = state_when(f->l, 3, second, 0.5);
    pts = json_object_get(doc, "points");
    assert_true(json_array_size(pts) > 0);
    assert_int_equal(json_integer_value(json_object_get(
                         json_array_get(pts, json_array_size(pts) - 1), "run")),
                     2);
    json_decref(doc);
    metrics_results_free(second);
}

static void test_verdict_and_report(void **state)
{
    struct fx *f = *state;
    struct compare_verdict *v = NULL;
    struct live_final fin = {0};
    char url[160], err[256];
    struct http_reply r;
    json_t *doc, *verdict;
    FILE *html;
    int fd;

    json_decref(state_when(f->l, N_FAST + 1, f->r, 6.0));
    strcpy(f->report, "/tmp/loadgate-live-XXXXXX");
    fd = mkstemp(f->report);
    assert_true(fd >= 0);
    html = fdopen(fd, "w");
    fputs("<html>the report</html>", html);
    fclose(html);
    url_of(f->l, false, "/report.html", url, sizeof(url));
    r = answer("GET", url, NULL, 404, NULL); /* not before the verdict */
    free(r.body);

    f->r->partial = true;
    assert_int_equal(
        compare_evaluate(f->r, NULL, f->th, 3, NULL, &v, err, sizeof(err)), 0);
    fin.run = f->r;
    fin.verdict = v;
    fin.exit_code = 1;
    fin.line = "loadgate: FAIL";
    fin.report = f->report;
    assert_int_equal(live_finish(f->l, &fin), 0);
    compare_verdict_free(v);

    url_of(f->l, false, "/state.json", url, sizeof(url));
    r = http("GET", url, NULL);
    doc = json_loads(r.body, 0, NULL);
    free(r.body);
    assert_jstr(doc, "phase", "done");
    verdict = json_object_get(doc, "verdict");
    assert_jstr(verdict, "status", "FAIL");
    assert_int_equal(json_integer_value(json_object_get(verdict, "exit_code")),
                     1);
    assert_true(json_is_true(json_object_get(verdict, "report")));
    assert_true(json_is_true(json_object_get(verdict, "partial")));
    /* the judged run's numbers, the newest second included */
    assert_int_equal(
        json_integer_value(json_object_get(
            json_array_get(json_object_get(doc, "endpoints"), 0), "requests")),
        N_FAST + 1);
    json_decref(doc);

    url_of(f->l, false, "/report.html", url, sizeof(url));
    r = answer("GET", url, NULL, 200, NULL);
    assert_string_equal(r.body, "<html>the report</html>");
    free(r.body);
    /* samples after the verdict change nothing; Stop is over */
    sample(f->l, f->r, 7.0);
    url_of(f->l, false, "/stop", url, sizeof(url));
    expect("POST", url, NULL, 409);
    assert_int_equal(stops, 0);
    url_of(f->l, true, "/metrics", url, sizeof(url));
    r = http("GET", url, NULL);
    assert_non_null(line_of(r.body, "loadgate_finished 1.0\n"));
    assert_non_null(line_of(r.body, "loadgate_exit_code 1.0\n"));
    free(r.body);
}

/* With a token: everything but the page needs it, by header or query. */
static void test_token(void **state)
{
    struct live_opts o = {.ui = "127.0.0.1:0", .token = TOKEN};
    const char *bearer[] = {"Authorization: Bearer " TOKEN, NULL};
    const char *wrong[] = {"Authorization: Bearer nope", NULL};
    const char *named[] = {"Host: ci-runner.example:80",
                           "Authorization: Bearer " TOKEN, NULL};
    struct live *l = NULL;
    char url[160], err[256];
    struct http_reply r;

    (void)state;
    assert_int_equal(live_start(&o, &l, err, sizeof(err)), 0);
    url_of(l, true, "/metrics", url, sizeof(url));
    r = answer("GET", url, NULL, 401, NULL);
    assert_string_equal(r.www, "Bearer");
    free(r.body);
    expect("GET", url, wrong, 401);
    expect("GET", url, bearer, 200);
    /* a host name is fine once the token is asked for */
    expect("GET", url, named, 200);
    url_of(l, false, "/state.json?token=" TOKEN, url, sizeof(url));
    expect("GET", url, NULL, 200);
    url_of(l, false, "/events?token=nope", url, sizeof(url));
    expect("GET", url, NULL, 401);
    url_of(l, false, "/stop", url, sizeof(url));
    expect("POST", url, NULL, 401);
    url_of(l, false, "/", url, sizeof(url));
    r = answer("GET", url, NULL, 200, NULL); /* the page holds no numbers */
    free(r.body);
    live_stop(l);
}

static void test_metrics_only(void **state)
{
    struct live_opts o = {.metrics = "[::1]:0"};
    struct live *l = NULL;
    char url[160], err[256];

    (void)state;
    if (live_start(&o, &l, err, sizeof(err)) == LIVE_ELISTEN)
        skip(); /* no IPv6 here */
    assert_non_null(l);
    assert_int_equal(live_ui_port(l), 0);
    url_of(l, true, "/metrics", url, sizeof(url));
    assert_non_null(strstr(url, "http://[::1]:"));
    expect("GET", url, NULL, 200);
    url_of(l, true, "/", url, sizeof(url));
    expect("GET", url, NULL, 404);
    live_stop(l);
}

static void test_start_errors(void **state)
{
    struct live_opts o = {.ui = "0.0.0.0:0"};
    struct live *l = NULL, *first = NULL;
    char err[256], spec[64];

    (void)state;
    assert_int_equal(live_start(&o, &l, err, sizeof(err)), LIVE_EINSECURE);
    assert_null(l);
    o.ui = NULL;
    assert_int_equal(live_start(&o, &l, err, sizeof(err)), LIVE_EINVAL);
    /* a port in use */
    o.ui = "127.0.0.1:0";
    assert_int_equal(live_start(&o, &first, err, sizeof(err)), 0);
    snprintf(spec, sizeof(spec), "127.0.0.1:%u", live_ui_port(first));
    o.ui = spec;
    assert_int_equal(live_start(&o, &l, err, sizeof(err)), LIVE_ELISTEN);
    assert_non_null(strstr(err, spec));
    assert_null(l);
    live_stop(first);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_page_is_self_contained, setup,
                                        teardown),
        cmocka_unit_test(test_stream_thresholds),
        cmocka_unit_test_setup_teardown(test_state_and_thresholds, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_metrics_formats, setup, teardown),
        cmocka_unit_test_setup_teardown(test_event_stream, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stop_button, setup, teardown),
        cmocka_unit_test_setup_teardown(test_new_run, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verdict_and_report, setup,
                                        teardown),
        cmocka_unit_test(test_token),
        cmocka_unit_test(test_metrics_only),
        cmocka_unit_test(test_start_errors),
    };

    return cmocka_run_group_tests(tests, http_group_setup, http_group_teardown);
}
