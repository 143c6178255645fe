/*
 * The baseline service end to end on loopback: the real server on an
 * ephemeral port over a fresh store, the real client, and raw libcurl
 * requests for what the client never sends.
 */
#include <curl/curl.h>
#include <dirent.h>
#include <jansson.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "compare.h"
#include "lghttp.h"
#include "lgjson.h"
#include "lgtest.h"
#include "metrics.h"
#include "server.h"
#include "server_internal.h"

#define TOKEN "s3cret-token-Zq"
#define MAX_BODY ((size_t)256 * 1024)
#define START 1767268800 /* 2026-01-01T12:00:00Z */
#define DURATION 10

struct fx {
    char store[64];
    struct server *open;   /* no token, 127.0.0.1 */
    struct server *locked; /* TOKEN, 127.0.0.1 */
    char open_url[64], locked_url[64];
};

/* ---- helpers --------------------------------------------------------------
 */

/* A results document: per endpoint k, n requests with latencies spread
 * over 1..100 ms times (k + 1), every 25th one failing with a 500. */
static struct metrics_results *make_results(size_t n_endpoints, size_t n)
{
    static const char *const paths[][2] = {
        {"GET", "/api/health"},
        {"POST", "/api/agents/{id}/query"},
        {"GET", "/api/agents"},
    };
    struct metrics_results *r = NULL;

    assert_int_equal(metrics_results_new(&r), 0);
    r->timestamp = strdup("2026-01-01T12:00:00Z");
    r->meta.profile_sha256 = strdup(
        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
    r->meta.loadgate_version = strdup("test");
    assert_non_null(r->timestamp);
    r->start_second = START;
    r->duration_s = DURATION;
    r->concurrent_users = 8;
    for (size_t k = 0; k < n_endpoints; k++) {
        struct metrics_endpoint *ep =
            metrics_results_endpoint(r, paths[k][0], paths[k][1], true);
        assert_non_null(ep);
        for (size_t i = 0; i < n; i++) {
            bool bad = i % 25 == 24;
            uint64_t us = (uint64_t)((i % 100) + 1) * 1000 * (k + 1);
            assert_int_equal(metrics_endpoint_record(
                                 ep, START + (int64_t)(i % DURATION), true, us,
                                 bad ? 500 : 200,
                                 bad ? METRICS_ERR_HTTP_5XX : METRICS_ERR_NONE),
                             0);
        }
    }
    assert_int_equal(metrics_results_add_recommendation(
                         r, "Performance metrics are within acceptable "
                            "ranges."),
                     0);
    return r;
}

/* One raw request: path sent as is (no dot-segment cleaning); extra is a
 * header line or NULL.  Returns the curl code; *a owns a body. */
static CURLcode raw(const char *base, const char *method, const char *path,
                    const char *extra, const char *body, size_t len,
                    struct http_reply *a)
{
    char url[1024];
    struct curl_slist *h = NULL;
    CURL *c = curl_easy_init();
    CURLcode cc;

    assert_non_null(c);
    http_reply_capture(c, a);
    snprintf(url, sizeof(url), "%s%s", base, path);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    /* no Expect: 100-continue unless a test asks for it */
    h = curl_slist_append(h, "Expect:");
    if (extra != NULL)
        h = curl_slist_append(h, extra);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    if (body != NULL) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    }
    cc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &a->status);
    curl_easy_cleanup(c);
    curl_slist_free_all(h);
    return cc;
}

/* The answer's JSON; fails the test unless it is an object. */
static json_t *answer_json(const struct http_reply *a)
{
    json_error_t e;
    json_t *doc = json_loadb(a->body != NULL ? a->body : "", a->len, 0, &e);
    if (!json_is_object(doc))
        fail_msg("not a JSON object (%s): %.200s", e.text,
                 a->body != NULL ? a->body : "");
    return doc;
}

static void push_ok(const char *base, const char *name,
                    const struct metrics_results *r, const char *token)
{
    char err[512] = "";
    int rc = server_push_baseline(base, name, r, token, err, sizeof(err));
    if (rc != 0)
        fail_msg("push %s: %d %s", name, rc, err);
}

/* The body of a POST that saves r as name. */
static char *save_body(const char *name, const struct metrics_results *r)
{
    char *doc = NULL, *body;
    size_t n;

    assert_int_equal(metrics_results_dump(r, &doc), 0);
    n = strlen(doc) + strlen(name) + 64;
    body = malloc(n);
    assert_non_null(body);
    snprintf(body, n, "{\"baseline_name\": \"%s\", \"results\": %s}", name,
             doc);
    free(doc);
    return body;
}

static void same_numbers(const struct metrics_results *a,
                         const struct metrics_results *b)
{
    assert_int_equal(a->n_endpoints, b->n_endpoints);
    assert_int_equal(a->concurrent_users, b->concurrent_users);
    assert_int_equal(metrics_results_total_requests(a),
                     metrics_results_total_requests(b));
    assert_int_equal(metrics_results_total_errors(a),
                     metrics_results_total_errors(b));
    for (size_t i = 0; i < a->n_endpoints; i++) {
        const struct metrics_endpoint *ea = a->endpoints[i];
        char name[128];
        metrics_endpoint_name(ea, name, sizeof(name));
        const struct metrics_endpoint *eb = metrics_results_find(b, name);
        if (eb == NULL)
            fail_msg("endpoint %s lost", name);
        assert_int_equal(ea->requests, eb->requests);
        assert_int_equal(ea->errors, eb->errors);
        assert_int_equal(ea->status[500], eb->status[500]);
        for (int s = 0; s < METRICS_STAT__COUNT; s++) {
            double va = 0, vb = 0;
            int ra = metrics_value(a, ea, (enum metrics_stat)s, &va);
            int rb = metrics_value(b, eb, (enum metrics_stat)s, &vb);
            assert_int_equal(ra, rb);
            if (ra == 0 && (va - vb > 1e-9 || vb - va > 1e-9))
                fail_msg("%s %s: %g != %g", name,
                         metrics_stat_name((enum metrics_stat)s), va, vb);
        }
    }
}

/* ---- fixture --------------------------------------------------------------
 */

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    struct server_opts o = {0};
    char err[512] = "";

    if (f == NULL)
        return -1;
    snprintf(f->store, sizeof(f->store), "/tmp/lg-server-XXXXXX");
    if (mkdtemp(f->store) == NULL)
        return -1;
    o.store = f->store;
    o.listen = "127.0.0.1:0";
    o.max_body = MAX_BODY;
    if (server_start(&o, &f->open, err, sizeof(err)) != 0) {
        print_error("open server: %s\n", err);
        return -1;
    }
    o.token = TOKEN;
    o.max_body = 0;
    if (server_start(&o, &f->locked, err, sizeof(err)) != 0) {
        print_error("locked server: %s\n", err);
        return -1;
    }
    snprintf(f->open_url, sizeof(f->open_url), "http://127.0.0.1:%u",
             server_port(f->open));
    snprintf(f->locked_url, sizeof(f->locked_url), "http://127.0.0.1:%u",
             server_port(f->locked));
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;

    server_stop(f->open);
    server_stop(f->locked);
    rm_tree(f->store);
    free(f);
    return 0;
}

/* ---- tests ----------------------------------------------------------------
 */

static void test_push_then_fetch(void **state)
{
    struct fx *f = *state;
    struct metrics_results *r = make_results(2, 1000), *back = NULL;
    struct metrics_results *stored = NULL;
    char url[256], err[512] = "";

    assert_true(server_port(f->open) > 0);
    push_ok(f->open_url, "main", r, NULL);
    snprintf(url, sizeof(url), "%s/api/load-test/baselines/main", f->open_url);
    assert_int_equal(server_fetch_baseline(url, NULL, &back, err, sizeof(err)),
                     0);
    assert_non_null(back->baseline_id);
    assert_string_equal(back->baseline_id, "main");
    same_numbers(r, back);
    /* and what is on disk is that same document */
    assert_int_equal(
        compare_store_load(f->store, "main", &stored, err, sizeof(err)), 0);
    same_numbers(r, stored);

    /* a base URL with the API path and a slash is the same service;
     * pushing a name again replaces it */
    struct metrics_results *r2 = make_results(1, 200);
    snprintf(url, sizeof(url), "%s/api/load-test/baseline/", f->open_url);
    push_ok(url, "main", r2, NULL);
    metrics_results_free(back);
    back = NULL;
    snprintf(url, sizeof(url), "%s/api/load-test/baselines/main", f->open_url);
    assert_int_equal(server_fetch_baseline(url, NULL, &back, err, sizeof(err)),
                     0);
    same_numbers(r2, back);

    metrics_results_free(stored);
    metrics_results_free(back);
    metrics_results_free(r2);
    metrics_results_free(r);
}

static void test_raw_post_answer(void **state)
{
    struct fx *f = *state;
    struct metrics_results *r = make_results(1, 100);
    char *body = save_body("raw-1", r);
    struct http_reply a;

    assert_int_equal(raw(f->open_url, "POST", "/api/load-test/baseline",
                         "Content-Type: application/json", body, strlen(body),
                         &a),
                     CURLE_OK);
    assert_int_equal(a.status, 201);
    assert_string_equal(a.type, "application/json");
    json_t *doc = answer_json(&a);
    assert_jstr(doc, "id", "raw-1");
    assert_string_equal(
        json_string_value(json_object_get(doc, "baseline_name")), "raw-1");
    assert_jstr(doc, "timestamp", r->timestamp);
    json_decref(doc);
    free(a.body);
    free(body);
    metrics_results_free(r);
}

static void test_list(void **state)
{
    struct fx *f = *state;
    static const struct {
        const char *name;
        size_t endpoints, n;
    } pushes[] = {{"zeta", 1, 300}, {"alpha", 2, 500}, {"mid.v2", 3, 100}};
    static const char *const sorted[] = {"alpha", "mid.v2", "zeta"};
    struct metrics_results *docs[3];
    struct http_reply a;

    for (size_t i = 0; i < 3; i++) {
        docs[i] = make_results(pushes[i].endpoints, pushes[i].n);
        push_ok(f->open_url, pushes[i].name, docs[i], NULL);
    }
    assert_int_equal(
        raw(f->open_url, "GET", "/api/load-test/baselines", NULL, NULL, 0, &a),
        CURLE_OK);
    assert_int_equal(a.status, 200);
    json_t *doc = answer_json(&a);
    json_t *list = json_object_get(doc, "baselines");
    assert_int_equal(json_array_size(list), 3);
    assert_int_equal(json_integer_value(json_object_get(doc, "count")), 3);
    for (size_t i = 0; i < 3; i++) {
        json_t *it = json_array_get(list, i);
        size_t k = 0;
        while (strcmp(pushes[k].name, sorted[i]) != 0)
            k++;
        assert_jstr(it, "id", sorted[i]);
        assert_jstr(it, "name", sorted[i]);
        assert_jstr(it, "timestamp", docs[k]->timestamp);
        assert_int_equal(
            json_integer_value(json_object_get(it, "total_requests")),
            metrics_results_total_requests(docs[k]));
        struct metrics_endpoint *all = NULL;
        double p95 = 0;
        assert_int_equal(metrics_results_aggregate(docs[k], &all), 0);
        assert_int_equal(metrics_value(docs[k], all, METRICS_STAT_P95, &p95),
                         0);
        double got = json_number_value(json_object_get(
            json_object_get(it, "summary"), "overall_p95_response_time"));
        if (got - p95 > 0.01 * p95 || p95 - got > 0.01 * p95)
            fail_msg("%s: listed p95 %g, document p95 %g", sorted[i], got, p95);
        metrics_endpoint_free(all);
    }
    json_decref(doc);
    free(a.body);
    for (size_t i = 0; i < 3; i++)
        metrics_results_free(docs[i]);
}

static void test_text_format(void **state)
{
    static const char *const report[] = {
        "Performance Baseline Report", "Baseline ID: text-me\n",
        "Total Requests: 2,000\n", "Concurrent Users: 8\n",
        "1. Performance metrics are within"};
    struct fx *f = *state;
    struct metrics_results *r = make_results(2, 1000);
    struct http_reply a;
    char want[128];
    double p95;

    push_ok(f->open_url, "text-me", r, NULL);
    assert_int_equal(raw(f->open_url, "GET",
                         "/api/load-test/baselines/text-me?format=text", NULL,
                         NULL, 0, &a),
                     CURLE_OK);
    assert_int_equal(a.status, 200);
    assert_non_null(strstr(a.type, "text/plain"));
    for (size_t i = 0; i < sizeof(report) / sizeof(report[0]); i++)
        if (!strstr(a.body, report[i]))
            fail_msg("no '%s' in:\n%s", report[i], a.body);
    /* the endpoint line carries the endpoint's own p95 */
    const struct metrics_endpoint *ep =
        metrics_results_find(r, "POST /api/agents/{id}/query");
    assert_non_null(ep);
    assert_int_equal(metrics_value(r, ep, METRICS_STAT_P95, &p95), 0);
    const char *line = strstr(a.body, "\nPOST     /api/agents/{id}/query");
    assert_non_null(line);
    snprintf(want, sizeof(want), " %.1f ", p95);
    const char *eol = strchr(line + 1, '\n');
    const char *hit = strstr(line, want);
    if (hit == NULL || hit > eol)
        fail_msg("'%s' not in: %.*s", want, (int)(eol - line), line);
    free(a.body);

    /* JSON explicitly, and an unknown format */
    assert_int_equal(raw(f->open_url, "GET",
                         "/api/load-test/baselines/text-me?format=json", NULL,
                         NULL, 0, &a),
                     CURLE_OK);
    assert_int_equal(a.status, 200);
    json_decref(answer_json(&a));
    free(a.body);
    metrics_results_free(r);
}

static void test_info(void **state)
{
    struct fx *f = *state;
    struct metrics_results *r = make_results(1, 50);
    struct http_reply a;

    for (int round = 0; round < 2; round++) {
        assert_int_equal(
            raw(f->open_url, "GET", "/api/load-test/info", NULL, NULL, 0, &a),
            CURLE_OK);
        assert_int_equal(a.status, 200);
        json_t *doc = answer_json(&a);
        assert_jstr(doc, "version", LOADGATE_VERSION);
        assert_jstr(doc, "store", f->store);
        assert_jstr(doc, "schema", METRICS_SCHEMA);
        assert_int_equal(
            json_integer_value(json_object_get(doc, "baseline_count")), round);
        assert_jstr(doc, "auth", "none");
        json_decref(doc);
        free(a.body);
        if (round == 0)
            push_ok(f->open_url, "one", r, NULL);
    }
    /* the locked server tells it needs a token */
    assert_int_equal(
        raw(f->locked_url, "GET", "/api/load-test/info", NULL, NULL, 0, &a),
        CURLE_OK);
    json_t *doc = answer_json(&a);
    assert_jstr(doc, "auth", "bearer");
    json_decref(doc);
    free(a.body);
    metrics_results_free(r);
}

static void test_token(void **state)
{
    struct fx *f = *state;
    struct metrics_results *r = make_results(1, 100), *back = NULL;
    char err[512], url[256];
    static const struct {
        const char *token;
        int rc;
    } pushes[] = {
        {NULL, SERVER_EHTTP},
        {"", SERVER_EHTTP},
        {"wrong", SERVER_EHTTP},
        {TOKEN "x", SERVER_EHTTP},
        {"s3cret-token-Z", SERVER_EHTTP},
        {TOKEN, 0},
    };

    for (size_t i = 0; i < sizeof(pushes) / sizeof(pushes[0]); i++) {
        err[0] = '\0';
        int rc = server_push_baseline(f->locked_url, "guarded", r,
                                      pushes[i].token, err, sizeof(err));
        if (rc != pushes[i].rc)
            fail_msg("token %zu: rc %d (%s)", i, rc, err);
        if (rc == SERVER_EHTTP) {
            assert_non_null(strstr(err, "HTTP 401: "));
            assert_non_null(strstr(err, "POST http://127.0.0.1:"));
            if (pushes[i].token != NULL && pushes[i].token[0] != '\0')
                assert_null(strstr(err, pushes[i].token));
        }
    }
    /* raw: no header, another scheme, a wrong token: 401 with JSON */
    static const char *const bad[] = {NULL, "Authorization: Basic " TOKEN,
                                      "Authorization: Bearer nope"};
    char *body = save_body("guarded", r);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct http_reply a;
        assert_int_equal(raw(f->locked_url, "POST", "/api/load-test/baseline",
                             bad[i], body, strlen(body), &a),
                         CURLE_OK);
        assert_int_equal(a.status, 401);
        json_t *doc = answer_json(&a);
        assert_true(json_is_string(json_object_get(doc, "error")));
        json_decref(doc);
        free(a.body);
    }
    free(body);
    /* reads stay open, and a token sent anyway does no harm */
    snprintf(url, sizeof(url), "%s/api/load-test/baselines/guarded",
             f->locked_url);
    assert_int_equal(server_fetch_baseline(url, NULL, &back, err, sizeof(err)),
                     0);
    same_numbers(r, back);
    metrics_results_free(back);
    back = NULL;
    assert_int_equal(server_fetch_baseline(url, TOKEN, &back, err, sizeof(err)),
                     0);
    metrics_results_free(back);
    /* a token with a line break is refused before anything is sent */
    assert_int_equal(server_push_baseline(f->locked_url, "guarded", r,
                                          "abc\r\nX-Evil: 1", err, sizeof(err)),
                     SERVER_EINVAL);
    assert_null(strstr(err, "abc"));
    metrics_results_free(r);
}

/* method path with len bytes of body (none when NULL) and the header
 * line extra (when not NULL) answers status with an application/json
 * "error" holding error, and the Allow header allow when not NULL. */
static void expect_raw_error(const char *base, const char *method,
                             const char *path, const char *extra,
                             const char *body, size_t len, long status,
                             const char *error, const char *allow)
{
    struct http_reply a;
    json_t *doc;
    const char *e;

    assert_int_equal(raw(base, method, path, extra, body, len, &a), CURLE_OK);
    if (a.status != status)
        fail_msg("%s %s (%zu bytes): HTTP %ld, want %ld: %s", method, path, len,
                 a.status, status, a.body != NULL ? a.body : "");
    assert_string_equal(a.type, "application/json");
    doc = answer_json(&a);
    e = json_string_value(json_object_get(doc, "error"));
    if (e == NULL || strstr(e, error) == NULL)
        fail_msg("%s %s: error '%s' lacks '%s'", method, path, e ? e : "(none)",
                 error);
    if (allow != NULL)
        assert_string_equal(a.allow, allow);
    json_decref(doc);
    free(a.body);
}

/* The same with a text body and no extra header. */
static void expect_error(const char *base, const char *method, const char *path,
                         const char *body, long status, const char *error,
                         const char *allow)
{
    expect_raw_error(base, method, path, NULL, body,
                     body != NULL ? strlen(body) : 0, status, error, allow);
}

/* The store's baselines (free with compare_store_list_free). */
static size_t stored(const struct fx *f, struct compare_store_entry **e)
{
    size_t n = 0;
    char err[512];

    *e = NULL;
    if (compare_store_list(f->store, e, &n, err, sizeof(err)) != 0)
        fail_msg("compare_store_list: %s", err);
    return n;
}

static void test_bad_requests(void **state)
{
    struct fx *f = *state;
    struct metrics_results *r = make_results(1, 50);
    char *valid = NULL, *doc_only = NULL;
    assert_int_equal(metrics_results_dump(r, &doc_only), 0);
    valid = save_body("fine", r);
    assert_true(strlen(doc_only) < 60 * 1024);
    char nul_name[64 * 1024], bad_schema[256];
    snprintf(nul_name, sizeof(nul_name),
             "{\"baseline_name\": \"a\\u0000b\", \"results\": %s}", doc_only);
    snprintf(bad_schema, sizeof(bad_schema),
             "{\"baseline_name\": \"x\", \"results\": {\"schema\": "
             "\"other/v9\", \"metrics\": []}}");
    char dotdot[64 * 1024];
    snprintf(dotdot, sizeof(dotdot),
             "{\"baseline_name\": \"../x\", \"results\": %s}", doc_only);
    char long_name[64 * 1024];
    snprintf(long_name, sizeof(long_name),
             "{\"baseline_name\": \"%065d\", \"results\": %s}", 7, doc_only);

    /* POST /api/load-test/baseline: 400 and the error, {body, error} */
    const char *const posts[][2] = {
        {"{not json", "invalid JSON at line 1"},
        {"", "invalid JSON"},
        {"[1, 2]", "JSON object"},
        {"{\"results\": {}}", "baseline_name"},
        {"{\"baseline_name\": 7}", "baseline_name"},
        {"{\"baseline_name\": \"x\"}", "missing \"results\""},
        {dotdot, "invalid baseline name '../x'"},
        /* jansson refuses \u0000 unless asked: no name with a NUL */
        {nul_name, "\\u0000 is not allowed"},
        {long_name, "invalid baseline name"},
        {bad_schema, "results: "},
    };
    /* GET /api/load-test/baselines/NAME: 400 invalid baseline name; a %00
     * once cut the name short: "fine%00x" served "fine" */
    static const char *const bad_names[] = {"../x", ".hidden", "a%2Fb",
                                            "fine%00x"};
    static const struct {
        const char *method, *path, *body;
        long status;
        const char *error; /* substring of "error" */
        const char *allow;
    } others[] = {
        {"GET", "/api/load-test/baselines/fine?format=text%00json", NULL, 400,
         "unknown format", NULL},
        {"GET", "/api/load-test/baselines/nope", NULL, 404,
         "no baseline named 'nope'", NULL},
        {"GET", "/api/load-test/baselines/fine?format=xml", NULL, 400,
         "unknown format", NULL},
        {"GET", "/api/load-test/nothing", NULL, 404, "no such endpoint", NULL},
        {"GET", "/", NULL, 404, "no such endpoint", NULL},
        {"DELETE", "/api/load-test/baselines/fine", NULL, 405, "not allowed",
         "GET, HEAD"},
        {"PUT", "/api/load-test/baselines", "{}", 405, "not allowed",
         "GET, HEAD"},
        {"GET", "/api/load-test/baseline", NULL, 405, "use POST", "POST"},
        {"POST", "/api/load-test/info", "{}", 405, "not allowed", "GET, HEAD"},
    };

    push_ok(f->open_url, "fine", r, NULL);
    for (size_t i = 0; i < sizeof(posts) / sizeof(posts[0]); i++)
        expect_error(f->open_url, "POST", "/api/load-test/baseline",
                     posts[i][0], 400, posts[i][1], NULL);
    for (size_t i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++) {
        char path[128];

        snprintf(path, sizeof(path), "/api/load-test/baselines/%s",
                 bad_names[i]);
        expect_error(f->open_url, "GET", path, NULL, 400,
                     "invalid baseline name", NULL);
    }
    for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++)
        expect_error(f->open_url, others[i].method, others[i].path,
                     others[i].body, others[i].status, others[i].error,
                     others[i].allow);
    /* nothing of that reached the store */
    struct compare_store_entry *e;
    size_t n = stored(f, &e);
    assert_int_equal(n, 1);
    assert_string_equal(e[0].name, "fine");
    compare_store_list_free(e, n);
    free(valid);
    free(doc_only);
    metrics_results_free(r);
}

static void test_body_limit(void **state)
{
    struct fx *f = *state;
    static const struct {
        size_t size;
        const char *extra;
    } cases[] = {
        {MAX_BODY + 1, NULL},                   /* read, then refused */
        {4 * MAX_BODY, NULL},                   /* drained */
        {16 * MAX_BODY, NULL},                  /* refused with the head */
        {2 * MAX_BODY, "Expect: 100-continue"}, /* refused before */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *big = malloc(cases[i].size);
        assert_non_null(big);
        memset(big, ' ', cases[i].size);
        big[0] = '{';
        big[cases[i].size - 1] = '}';
        expect_raw_error(f->open_url, "POST", "/api/load-test/baseline",
                         cases[i].extra, big, cases[i].size, 413,
                         "over the limit of 262144 bytes", NULL);
        free(big);
    }
    /* just under the limit is read and judged on its content */
    struct http_reply a;
    char *fits = malloc(MAX_BODY);
    assert_non_null(fits);
    memset(fits, ' ', MAX_BODY);
    memcpy(fits, "{\"baseline_name\": \"x\"}", 22);
    assert_int_equal(raw(f->open_url, "POST", "/api/load-test/baseline", NULL,
                         fits, MAX_BODY, &a),
                     CURLE_OK);
    assert_int_equal(a.status, 400);
    free(a.body);
    free(fits);
}

static void test_listen_rules(void **state)
{
    struct fx *f = *state;
    static const struct {
        const char *listen, *token;
        int rc;
        const char *why;
    } cases[] = {
        {"0.0.0.0:0", NULL, SERVER_EINSECURE, "without a token"},
        {"0.0.0.0:0", "", SERVER_EINSECURE, "without a token"},
        {"[::]:0", NULL, SERVER_EINSECURE, "without a token"},
        {"10.0.0.1:0", NULL, SERVER_EINSECURE, "loopback"},
        {"nonsense", NULL, SERVER_EINVAL, "listen address"},
        {"0.0.0.0:0", TOKEN, 0, NULL},
        {"127.0.0.1:0", NULL, 0, NULL},
        {"localhost:0", NULL, 0, NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct server_opts o = {.store = f->store,
                                .listen = cases[i].listen,
                                .token = cases[i].token};
        struct server *s = NULL;
        char err[512] = "";
        int rc = server_start(&o, &s, err, sizeof(err));
        if (rc != cases[i].rc)
            fail_msg("%s: rc %d (%s)", cases[i].listen, rc, err);
        if (rc < 0) {
            assert_null(s);
            if (strstr(err, cases[i].why) == NULL)
                fail_msg("%s: '%s' lacks '%s'", cases[i].listen, err,
                         cases[i].why);
        } else {
            assert_true(server_port(s) > 0);
            server_stop(s);
        }
    }
    /* a port in use is a clear error */
    char listen[32], err[512] = "";
    struct server *s = NULL;
    snprintf(listen, sizeof(listen), "127.0.0.1:%u", server_port(f->open));
    struct server_opts o = {.store = f->store, .listen = listen};
    assert_int_equal(server_start(&o, &s, err, sizeof(err)), SERVER_ELISTEN);
    assert_non_null(strstr(err, listen));
    /* no store */
    o.store = NULL;
    assert_int_equal(server_start(&o, &s, err, sizeof(err)), SERVER_EINVAL);
    /* IPv6 loopback where the host has it */
    o.store = f->store;
    o.listen = "[::1]:0";
    int rc = server_start(&o, &s, err, sizeof(err));
    if (rc == 0) {
        char url[64];
        struct http_reply a;
        snprintf(url, sizeof(url), "http://[::1]:%u", server_port(s));
        if (raw(url, "GET", "/api/load-test/info", NULL, NULL, 0, &a) ==
            CURLE_OK)
            assert_int_equal(a.status, 200);
        free(a.body);
        server_stop(s);
    } else {
        assert_int_equal(rc, SERVER_ELISTEN);
    }
}

static void test_client_errors(void **state)
{
    struct fx *f = *state;
    struct metrics_results *r = make_results(1, 50), *out = NULL;
    char url[256], err[512], want[512];

    /* 404 with the server's message, and never the token */
    snprintf(url, sizeof(url), "%s/api/load-test/baselines/nope", f->open_url);
    assert_int_equal(
        server_fetch_baseline(url, "tok-never-shown", &out, err, sizeof(err)),
        SERVER_EHTTP);
    assert_null(out);
    snprintf(want, sizeof(want), "GET %s: HTTP 404: no baseline named 'nope'",
             url);
    assert_string_equal(err, want);
    assert_null(strstr(err, "tok-never-shown"));

    /* credentials in the URL are not repeated */
    snprintf(url, sizeof(url),
             "http://user:pa55@127.0.0.1:%u/api/load-test/baselines/nope",
             server_port(f->open));
    assert_int_equal(server_fetch_baseline(url, NULL, &out, err, sizeof(err)),
                     SERVER_EHTTP);
    assert_null(strstr(err, "pa55"));
    assert_non_null(strstr(err, "http://***@127.0.0.1:"));

    /* a 200 that is not a results document */
    snprintf(url, sizeof(url), "%s/api/load-test/info", f->open_url);
    assert_int_equal(server_fetch_baseline(url, NULL, &out, err, sizeof(err)),
                     SERVER_EPARSE);
    assert_non_null(strstr(err, "GET http://127.0.0.1:"));

    /* nobody listening: start a server, note its port, stop it */
    struct server_opts o = {.store = f->store, .listen = "127.0.0.1:0"};
    struct server *s = NULL;
    assert_int_equal(server_start(&o, &s, err, sizeof(err)), 0);
    unsigned dead = server_port(s);
    server_stop(s);
    snprintf(url, sizeof(url), "http://127.0.0.1:%u/api/load-test/baselines/x",
             dead);
    assert_int_equal(server_fetch_baseline(url, NULL, &out, err, sizeof(err)),
                     SERVER_ECONNECT);
    assert_non_null(strstr(err, "GET http://127.0.0.1:"));
    snprintf(url, sizeof(url), "http://127.0.0.1:%u", dead);
    assert_int_equal(server_push_baseline(url, "x", r, NULL, err, sizeof(err)),
                     SERVER_ECONNECT);
    assert_non_null(strstr(err, "POST http://127.0.0.1:"));

    /* refused before any request */
    assert_int_equal(
        server_fetch_baseline("ftp://h/x", NULL, &out, err, sizeof(err)),
        SERVER_EINVAL);
    assert_int_equal(
        server_push_baseline(f->open_url, "../x", r, NULL, err, sizeof(err)),
        SERVER_ENAME);
    assert_non_null(strstr(err, "'../x'"));
    assert_int_equal(
        server_push_baseline(f->open_url, "", r, NULL, err, sizeof(err)),
        SERVER_ENAME);
    metrics_results_free(r);
}

static void test_hostile(void **state)
{
    struct fx *f = *state;
    struct http_reply a;
    char path[6000];

    /* a chunked body far over the limit: 413 with the usual error (it
     * once closed the connection without an answer), and the server
     * carries on */
    size_t huge = MAX_BODY + 3 * 1024 * 1024;
    char *big = malloc(huge);
    assert_non_null(big);
    memset(big, 'x', huge);
    expect_raw_error(f->open_url, "POST", "/api/load-test/baseline",
                     "Transfer-Encoding: chunked", big, huge, 413,
                     "over the limit of 262144 bytes", NULL);
    free(big);

    /* names no store could hold, in every encoding: 400 with valid JSON */
    static const char *const names[] = {"%ff%fe", "a%20b", "%2e%2e", "a%5cb"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        snprintf(path, sizeof(path), "/api/load-test/baselines/%s", names[i]);
        assert_int_equal(raw(f->open_url, "GET", path, NULL, NULL, 0, &a),
                         CURLE_OK);
        if (a.status != 400)
            fail_msg("%s: HTTP %ld", names[i], a.status);
        json_decref(answer_json(&a));
        free(a.body);
    }
    memcpy(path, "/api/load-test/baselines/", 25);
    memset(path + 25, 'a', 5000);
    path[5025] = '\0';
    assert_int_equal(raw(f->open_url, "GET", path, NULL, NULL, 0, &a),
                     CURLE_OK);
    assert_int_equal(a.status, 400);
    free(a.body);

    /* still serving */
    assert_int_equal(
        raw(f->open_url, "GET", "/api/load-test/info", NULL, NULL, 0, &a),
        CURLE_OK);
    assert_int_equal(a.status, 200);
    free(a.body);
}

struct pusher {
    const char *base;
    int id;
    int failures;
    char err[512];
};

static void *push_many(void *arg)
{
    struct pusher *p = arg;
    struct metrics_results *r = make_results(1 + (size_t)(p->id % 3), 200);
    char name[16];

    /* threads 0 and 4, 1 and 5, ... write the same names */
    snprintf(name, sizeof(name), "conc-%d", p->id % 4);
    for (int i = 0; i < 5; i++)
        if (server_push_baseline(p->base, name, r, NULL, p->err,
                                 sizeof(p->err)) != 0)
            p->failures++;
    metrics_results_free(r);
    return NULL;
}

static void test_concurrent_pushes(void **state)
{
    struct fx *f = *state;
    pthread_t th[8];
    struct pusher p[8];

    for (int i = 0; i < 8; i++) {
        p[i] = (struct pusher){.base = f->open_url, .id = i};
        assert_int_equal(pthread_create(&th[i], NULL, push_many, &p[i]), 0);
    }
    for (int i = 0; i < 8; i++) {
        pthread_join(th[i], NULL);
        if (p[i].failures != 0)
            fail_msg("thread %d: %d failures, last: %s", i, p[i].failures,
                     p[i].err);
    }
    struct compare_store_entry *e;
    size_t n = stored(f, &e);
    char err[512];
    assert_int_equal(n, 4);
    for (size_t i = 0; i < n; i++) {
        struct metrics_results *r = NULL;
        char want[32];
        snprintf(want, sizeof(want), "conc-%zu", i);
        assert_string_equal(e[i].name, want);
        /* whole documents, from one writer or the other */
        assert_int_equal(
            compare_store_load(f->store, e[i].name, &r, err, sizeof(err)), 0);
        assert_int_equal(metrics_results_total_requests(r),
                         200 * r->n_endpoints);
        assert_true(r->n_endpoints == 1 + i % 3 ||
                    r->n_endpoints == 1 + (i + 4) % 3);
        metrics_results_free(r);
    }
    compare_store_list_free(e, n);
    /* no temporary files left behind */
    DIR *d = opendir(f->store);
    struct dirent *de;
    size_t files = 0;
    assert_non_null(d);
    while ((de = readdir(d)) != NULL)
        if (de->d_name[0] != '.')
            files++;
    closedir(d);
    assert_int_equal(files, 4);
}

LGTEST_MAIN(http_group_setup, http_group_teardown,
            LGTEST_FX(test_push_then_fetch), LGTEST_FX(test_raw_post_answer),
            LGTEST_FX(test_list), LGTEST_FX(test_text_format),
            LGTEST_FX(test_info), LGTEST_FX(test_token),
            LGTEST_FX(test_bad_requests), LGTEST_FX(test_body_limit),
            LGTEST_FX(test_listen_rules), LGTEST_FX(test_client_errors),
            LGTEST_FX(test_hostile), LGTEST_FX(test_concurrent_pushes))
