/* The demo service over real HTTP on loopback (libcurl): every route's
 * status and JSON, errors, latency bands, --slow, concurrency, start/stop. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <jansson.h>

#include "demo.h"
#include "lghttp.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void resp_release(struct http_reply *r)
{
    free(r->body);
    memset(r, 0, sizeof(*r));
}

static void url_of(char *buf, size_t cap, unsigned port, const char *path)
{
    snprintf(buf, cap, "http://127.0.0.1:%u%s", port, path);
}

/* Prepares h for one request; the caller performs it. */
static void setup(CURL *h, struct curl_slist *hdrs, unsigned port,
                  const char *method, const char *path, const char *body,
                  struct http_reply *r)
{
    char url[256];

    url_of(url, sizeof(url), port, path);
    curl_easy_reset(h);
    http_reply_capture(h, r);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 10L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_PRIVATE, r);
    if (strcmp(method, "HEAD") == 0)
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    else if (strcmp(method, "GET") != 0)
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    if (body) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
                         (curl_off_t)strlen(body));
    }
}

static struct curl_slist *json_headers(void)
{
    struct curl_slist *l =
        curl_slist_append(NULL, "Content-Type: application/json");

    return curl_slist_append(l, "Expect:");
}

static void finish(CURL *h, struct http_reply *r)
{
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
    curl_easy_getinfo(h, CURLINFO_TOTAL_TIME, &r->total_s);
}

static void http(CURL *h, unsigned port, const char *method, const char *path,
                 const char *body, struct http_reply *r)
{
    struct curl_slist *hdrs = json_headers();

    setup(h, hdrs, port, method, path, body, r);
    r->rc = curl_easy_perform(h);
    finish(h, r);
    curl_slist_free_all(hdrs);
}

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct fixture {
    struct demo_server *srv;
    unsigned port;
    CURL *h;
};

static int start_with(void **state, const struct demo_opts *o)
{
    struct fixture *f = calloc(1, sizeof(*f));

    if (!f)
        return -1;
    if (demo_server_start(o, &f->srv)) {
        free(f);
        return -1;
    }
    f->port = demo_server_port(f->srv);
    f->h = curl_easy_init();
    *state = f;
    return f->h && f->port ? 0 : -1;
}

static int setup_plain(void **state)
{
    struct demo_opts o = {.seed = 7};

    return start_with(state, &o);
}

static int setup_slowed(void **state)
{
    static struct demo_slow slow[2];
    struct demo_opts o = {.seed = 7, .slow = slow, .n_slow = 2};

    /* as `--slow` hands them over: the name points into the argument */
    if (demo_slow_parse("GET /api/health=100", &slow[0]) ||
        demo_slow_parse("/api/agents/{id}/query=-50", &slow[1]))
        return -1;
    return start_with(state, &o);
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    if (f) {
        curl_easy_cleanup(f->h);
        demo_server_stop(f->srv);
        free(f);
    }
    return 0;
}

/* JSON value at a '/'-separated path of keys and array indexes. */
static json_t *at(json_t *doc, const char *path)
{
    char buf[128], *save = NULL, *tok;

    snprintf(buf, sizeof(buf), "%s", path);
    for (tok = strtok_r(buf, "/", &save); tok && doc;
         tok = strtok_r(NULL, "/", &save)) {
        if (json_is_array(doc))
            doc = json_array_get(doc, (size_t)atoi(tok));
        else
            doc = json_object_get(doc, tok);
    }
    return doc;
}

static bool is_agent_id(const char *s)
{
    const char *p;

    if (!s || strncmp(s, "agent-", 6) || !s[6])
        return false;
    for (p = s + 6; *p; p++)
        if (*p < '0' || *p > '9')
            return false;
    return true;
}

/* Whether v is of kind k: s string, i integer, r number, a array, o
 * object, n null, A an agent's id (any other kind: no). */
static bool of_kind(const json_t *v, char k)
{
    return (k == 's' && json_is_string(v)) ||
           (k == 'i' && json_is_integer(v)) ||
           (k == 'r' && json_is_number(v)) || (k == 'a' && json_is_array(v)) ||
           (k == 'o' && json_is_object(v)) || (k == 'n' && json_is_null(v)) ||
           (k == 'A' && is_agent_id(json_string_value(v)));
}

static void test_routes(void **state)
{
    /* want: "key=value" (a string), "key:type" (s string, i integer,
     * r real, a array, o object, n null, A agent id) */
    static const struct {
        const char *method, *path, *body;
        long status;
        const char *want[4];
    } cases[] = {
        {"GET", "/api/health", NULL, 200, {"status=ok"}},
        {"POST",
         "/api/agents/register",
         "{\"name\":\"alice\"}",
         201,
         {"agent_id:A", "name=alice"}},
        {"POST", "/api/agents/register", NULL, 201, {"agent_id:A", "name:n"}},
        {"POST",
         "/api/agents/register",
         "{\"name\":42}",
         201,
         {"agent_id:A", "name:n"}},
        {"GET",
         "/api/agents",
         NULL,
         200,
         {"agents:a", "agents/0/agent_id:A", "agents/2/name=alice", "total:i"}},
        {"POST",
         "/api/agents/agent-1/query",
         "{\"query\":\"SELECT 1\"}",
         200,
         {"agent_id=agent-1", "rows/0/0:i", "elapsed_ms:r"}},
        {"POST",
         "/api/agents/agent-77/nl-query",
         "{\"question\":\"how many agents?\"}",
         200,
         {"agent_id=agent-77", "answer:s", "elapsed_ms:r"}},
        {"GET",
         "/api/cost/dashboard",
         NULL,
         200,
         {"currency=USD", "total:r", "by_item:a"}},
        {"GET",
         "/api/failover/stats",
         NULL,
         200,
         {"primary:s", "replicas:a", "failovers_24h:i"}},
        {"POST",
         "/graphql",
         "{\"query\":\"{ agents { id } }\"}",
         200,
         {"data:o", "data/agents/0/id:A", "data/agentCount:i"}},
        {"POST", "/api/agents/bogus/query", "{}", 404, {"error:s"}},
        {"POST", "/api/agents/agent-x1/nl-query", "{}", 404, {"error:s"}},
        {"GET", "/nope", NULL, 404, {"error:s", "status:i"}},
        {"GET", "/api/health/", NULL, 404, {"error:s"}},
        {"GET", "/graphql", NULL, 405, {"error:s"}},
        {"POST", "/api/health", "{}", 405, {"error:s"}},
        {"DELETE", "/api/agents", NULL, 405, {"error:s"}},
        {"POST", "/graphql", "{bad", 400, {"error:s"}},
        {"POST", "/api/agents/register", "[1,", 400, {"error:s"}},
    };
    struct fixture *f = *state;

    for (size_t i = 0; i < N(cases); i++) {
        struct http_reply r;
        json_t *doc;

        http(f->h, f->port, cases[i].method, cases[i].path, cases[i].body, &r);
        assert_int_equal(r.rc, CURLE_OK);
        if (r.status != cases[i].status)
            fail_msg("%s %s: %ld, want %ld (%s)", cases[i].method,
                     cases[i].path, r.status, cases[i].status,
                     r.body ? r.body : "");
        assert_string_equal(r.type, "application/json");
        doc = json_loadb(r.body ? r.body : "", r.len, 0, NULL);
        assert_non_null(doc);
        for (size_t k = 0; k < N(cases[i].want) && cases[i].want[k]; k++) {
            const char *w = cases[i].want[k];
            const char *sep = strpbrk(w, "=:");
            char key[64];
            json_t *v;

            snprintf(key, sizeof(key), "%.*s", (int)(sep - w), w);
            v = at(doc, key);
            if (!v)
                fail_msg("%s %s: no %s in %s", cases[i].method, cases[i].path,
                         key, r.body);
            if (*sep == '=') {
                assert_true(json_is_string(v));
                assert_string_equal(json_string_value(v), sep + 1);
                continue;
            }
            if (!of_kind(v, sep[1]))
                fail_msg("%s %s: %s is not of kind '%c' in %s", cases[i].method,
                         cases[i].path, key, sep[1], r.body);
        }
        if (r.status == 405)
            assert_true(r.allow[0]);
        json_decref(doc);
        resp_release(&r);
    }
}

static void test_query_answer_details(void **state)
{
    struct fixture *f = *state;
    struct http_reply r;
    json_t *doc;

    http(f->h, f->port, "POST", "/api/agents/agent-1/query",
         "{\"query\":\"SELECT 1\"}", &r);
    assert_int_equal(r.status, 200);
    doc = json_loadb(r.body, r.len, 0, NULL);
    assert_non_null(doc);
    /* rows is exactly [[1]]; elapsed_ms is the wait the header reports */
    assert_int_equal(json_array_size(at(doc, "rows")), 1);
    assert_int_equal(json_array_size(at(doc, "rows/0")), 1);
    assert_int_equal(json_integer_value(at(doc, "rows/0/0")), 1);
    assert_true(r.delay_ms >= 20.0 && r.delay_ms <= 110.0);
    assert_true(json_real_value(at(doc, "elapsed_ms")) >= r.delay_ms - 0.01);
    assert_true(json_real_value(at(doc, "elapsed_ms")) < r.delay_ms + 50);
    json_decref(doc);
    resp_release(&r);
}

static void test_405_allow_and_head(void **state)
{
    struct fixture *f = *state;
    struct http_reply r;

    http(f->h, f->port, "GET", "/graphql", NULL, &r);
    assert_int_equal(r.status, 405);
    assert_string_equal(r.allow, "POST");
    resp_release(&r);
    http(f->h, f->port, "PUT", "/api/health", "{}", &r);
    assert_int_equal(r.status, 405);
    assert_string_equal(r.allow, "GET, HEAD");
    resp_release(&r);
    http(f->h, f->port, "HEAD", "/api/health", NULL, &r);
    assert_int_equal(r.rc, CURLE_OK);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.len, 0);
    resp_release(&r);
}

static void test_register_counts_up(void **state)
{
    struct fixture *f = *state;
    unsigned long long prev = 0;

    for (int i = 0; i < 5; i++) {
        struct http_reply r;
        json_t *doc;
        const char *id;
        unsigned long long n;

        http(f->h, f->port, "POST", "/api/agents/register", "{\"name\":\"n\"}",
             &r);
        assert_int_equal(r.status, 201);
        doc = json_loadb(r.body, r.len, 0, NULL);
        id = json_string_value(json_object_get(doc, "agent_id"));
        assert_true(is_agent_id(id));
        n = strtoull(id + 6, NULL, 10);
        if (i > 0)
            assert_int_equal(n, prev + 1);
        prev = n;
        json_decref(doc);
        resp_release(&r);
    }
}

/* A 400 names where the JSON went wrong. */
static void test_bad_json_position(void **state)
{
    struct fixture *f = *state;
    struct http_reply r;

    http(f->h, f->port, "POST", "/graphql", "{\"query\":\n  nope}", &r);
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(r.body, "line 2"));
    resp_release(&r);
}

/* Read callback producing a body of a given size, for chunked uploads. */
struct feed {
    size_t left;
};

static size_t on_read(char *buf, size_t sz, size_t n, void *ud)
{
    struct feed *fd = ud;
    size_t k = sz * n < fd->left ? sz * n : fd->left;

    memset(buf, ' ', k);
    fd->left -= k;
    return k;
}

static void test_body_limit(void **state)
{
    const size_t cap = (size_t)1 << 20;
    struct fixture *f = *state;
    char *big = malloc(cap + 2);
    struct curl_slist *hdrs;
    struct feed fd;
    struct http_reply r;

    assert_non_null(big);
    /* exactly 1 MiB of valid JSON (a string) is accepted */
    memset(big, 'a', cap);
    big[0] = '"';
    big[cap - 1] = '"';
    big[cap] = '\0';
    http(f->h, f->port, "POST", "/api/agents/agent-1/query", big, &r);
    assert_int_equal(r.rc, CURLE_OK);
    assert_int_equal(r.status, 200);
    resp_release(&r);

    /* one byte more, announced by Content-Length: refused at once */
    memset(big, ' ', cap + 1);
    big[cap + 1] = '\0';
    hdrs = curl_slist_append(NULL, "Content-Type: application/json");
    setup(f->h, hdrs, f->port, "POST", "/api/agents/agent-1/query", big, &r);
    r.rc = curl_easy_perform(f->h);
    finish(f->h, &r);
    assert_int_equal(r.status, 413);
    assert_string_equal(r.type, "application/json");
    resp_release(&r);
    curl_slist_free_all(hdrs);

    /* chunked, with no length up front: read, dropped, then refused */
    hdrs = curl_slist_append(NULL, "Transfer-Encoding: chunked");
    hdrs = curl_slist_append(hdrs, "Expect:");
    setup(f->h, hdrs, f->port, "POST", "/graphql", NULL, &r);
    fd.left = cap + cap / 2;
    curl_easy_setopt(f->h, CURLOPT_POST, 1L);
    curl_easy_setopt(f->h, CURLOPT_READFUNCTION, on_read);
    curl_easy_setopt(f->h, CURLOPT_READDATA, &fd);
    r.rc = curl_easy_perform(f->h);
    finish(f->h, &r);
    assert_int_equal(r.rc, CURLE_OK);
    assert_int_equal(r.status, 413);
    assert_int_equal(fd.left, 0);
    resp_release(&r);
    curl_slist_free_all(hdrs);
    free(big);

    /* the service still answers */
    http(f->h, f->port, "GET", "/api/health", NULL, &r);
    assert_int_equal(r.status, 200);
    resp_release(&r);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

/* n sequential requests on one keep-alive connection; fills the service's
 * delays and the client's times (ms), sorted. */
static void sample(struct fixture *f, const char *method, const char *path,
                   const char *body, size_t n, double *delay, double *client)
{
    for (size_t i = 0; i < n; i++) {
        struct http_reply r;

        http(f->h, f->port, method, path, body, &r);
        assert_int_equal(r.status, 200);
        assert_true(r.delay_ms > 0);
        /* the client waited at least the delay the service chose */
        assert_true(r.total_s * 1000 >= r.delay_ms - 0.5);
        delay[i] = r.delay_ms;
        client[i] = r.total_s * 1000;
        resp_release(&r);
    }
    qsort(delay, n, sizeof(*delay), cmp_double);
    qsort(client, n, sizeof(*client), cmp_double);
}

/* The n sorted delays lie in [lo, hi], their median in (mid_lo, mid_hi). */
static void expect_band(const double *delay, size_t n, double lo, double hi,
                        double mid_lo, double mid_hi)
{
    if (delay[0] < lo || delay[n - 1] > hi)
        fail_msg("delays %.2f..%.2f ms, want within [%g, %g]", delay[0],
                 delay[n - 1], lo, hi);
    if (delay[n / 2] <= mid_lo || delay[n / 2] >= mid_hi)
        fail_msg("median delay %.2f ms, want within (%g, %g)", delay[n / 2],
                 mid_lo, mid_hi);
}

static void test_health_latency_band(void **state)
{
    enum { COUNT = 40 };
    double delay[COUNT], client[COUNT];

    sample(*state, "GET", "/api/health", NULL, COUNT, delay, client);
    /* 10 +- 3 ms, clipped to [4, 22] */
    expect_band(delay, COUNT, 4.0, 22.0, 7.0, 13.5);
    assert_true(client[0] >= 4.0);
    assert_true(client[COUNT / 2] > 7.0 && client[COUNT / 2] < 20.0);
}

static void test_slowed_routes(void **state)
{
    enum { COUNT = 30 };
    double delay[COUNT], client[COUNT];

    /* GET /api/health=100: twice 10 +- 3 ms, clipped to [8, 44] */
    sample(*state, "GET", "/api/health", NULL, COUNT, delay, client);
    expect_band(delay, COUNT, 8.0, 44.0, 15.0, 26.0);
    assert_true(client[COUNT / 2] > 15.0);
    /* /api/agents/{id}/query=-50: half of 50 +- 15 ms, in [10, 55] */
    sample(*state, "POST", "/api/agents/agent-3/query", "{}", COUNT, delay,
           client);
    expect_band(delay, COUNT, 10.0, 55.0, 19.0, 32.0);
    /* the others are untouched: GET /api/agents is 25 +- 8 */
    sample(*state, "GET", "/api/agents", NULL, COUNT, delay, client);
    expect_band(delay, COUNT, 9.0, 57.0, 19.0, 32.0);
}

/* Runs a multi handle until done or deadline_s; returns how long it took. */
static double run_multi(CURLM *m, double deadline_s)
{
    double t0 = now_s();
    int running = 1;

    while (running && now_s() - t0 < deadline_s) {
        curl_multi_perform(m, &running);
        if (running)
            curl_multi_poll(m, NULL, 0, 50, NULL);
    }
    return now_s() - t0;
}

/* count easy handles to path over their own connections, all at once */
static void concurrent(unsigned port, size_t count, const char *method,
                       const char *path, const char *body, int rounds,
                       double max_s)
{
    CURLM *m = curl_multi_init();
    CURL **h = calloc(count, sizeof(*h));
    struct http_reply *r = calloc(count, sizeof(*r));
    struct curl_slist *hdrs = json_headers();

    assert_non_null(m);
    assert_non_null(h);
    assert_non_null(r);
    for (int round = 0; round < rounds; round++) {
        double took, max_delay = 0;
        CURLMsg *msg;
        int left;
        size_t done = 0;

        for (size_t i = 0; i < count; i++) {
            if (!h[i])
                h[i] = curl_easy_init();
            assert_non_null(h[i]);
            resp_release(&r[i]);
            setup(h[i], hdrs, port, method, path, body, &r[i]);
            r[i].rc = CURLE_AGAIN;
            /* the connect itself must not be the bottleneck being tested */
            curl_easy_setopt(h[i], CURLOPT_CONNECTTIMEOUT, 10L);
            assert_int_equal(curl_multi_add_handle(m, h[i]), CURLM_OK);
        }
        took = run_multi(m, 20.0);
        while ((msg = curl_multi_info_read(m, &left))) {
            struct http_reply *rr = NULL;

            if (msg->msg != CURLMSG_DONE)
                continue;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &rr);
            rr->rc = msg->data.result;
            finish(msg->easy_handle, rr);
            done++;
        }
        assert_int_equal(done, count);
        for (size_t i = 0; i < count; i++) {
            long connects = -1;

            if (r[i].rc != CURLE_OK || r[i].status != 200)
                fail_msg("request %zu of round %d: %s, status %ld", i, round,
                         curl_easy_strerror(r[i].rc), r[i].status);
            curl_easy_getinfo(h[i], CURLINFO_NUM_CONNECTS, &connects);
            /* keep-alive: a later round reuses the connections */
            if (round > 0)
                assert_int_equal(connects, 0);
            if (r[i].delay_ms > max_delay)
                max_delay = r[i].delay_ms;
            curl_multi_remove_handle(m, h[i]);
        }
        /* they did wait, and all at the same time */
        assert_true(max_delay > 0);
        if (took >= max_s)
            fail_msg("%zu requests took %.3f s (limit %.1f s)", count, took,
                     max_s);
    }
    for (size_t i = 0; i < count; i++) {
        curl_easy_cleanup(h[i]);
        resp_release(&r[i]);
    }
    curl_multi_cleanup(m);
    curl_slist_free_all(hdrs);
    free(h);
    free(r);
}

/* 300 x 50 ms would be 15 s if they were served one after the other. */
static void test_300_concurrent_queries(void **state)
{
    struct fixture *f = *state;

    concurrent(f->port, 300, "POST", "/api/agents/agent-1/query",
               "{\"query\":\"SELECT 1\"}", 1, 2.0);
}

/* 1000 keep-alive connections waiting at once, twice over the same
 * connections. */
static void test_1000_keepalive_connections(void **state)
{
    struct fixture *f = *state;

    concurrent(f->port, 1000, "GET", "/api/health", NULL, 2, 5.0);
}

static void test_start_errors(void **state)
{
    static const struct {
        const char *slow; /* a --slow argument, or NULL */
        const char *bind;
        unsigned port;
        int rc;
    } cases[] = {
        {"/nope=50", NULL, 0, DEMO_EINVAL},
        {"GET /graphql=50", NULL, 0, DEMO_EINVAL},
        {"POST /api/health=10", NULL, 0, DEMO_EINVAL},
        {"a=b=20", NULL, 0, DEMO_EINVAL},
        {NULL, "localhost", 0, DEMO_EINVAL},
        {NULL, "300.1.1.1", 0, DEMO_EINVAL},
        {NULL, "", 0, DEMO_EINVAL},
        {NULL, NULL, 70000, DEMO_EINVAL},
    };
    struct demo_server *s = (struct demo_server *)&s;

    (void)state;
    for (size_t i = 0; i < N(cases); i++) {
        struct demo_slow slow = {0};
        struct demo_opts o = {.bind = cases[i].bind, .port = cases[i].port};

        if (cases[i].slow) {
            assert_int_equal(demo_slow_parse(cases[i].slow, &slow), 0);
            o.slow = &slow;
            o.n_slow = 1;
        }
        assert_int_equal(demo_server_start(&o, &s), cases[i].rc);
        assert_null(s);
    }
    /* a percent the parser would refuse, given directly */
    {
        struct demo_slow slow = {"/graphql", -100};
        struct demo_opts o = {.slow = &slow, .n_slow = 1};

        assert_int_equal(demo_server_start(&o, &s), DEMO_EINVAL);
        slow.percent = NAN;
        assert_int_equal(demo_server_start(&o, &s), DEMO_EINVAL);
    }
    assert_int_equal(demo_server_start(NULL, NULL), DEMO_EINVAL);
    demo_server_stop(NULL);
    assert_int_equal(demo_server_port(NULL), 0);
}

static void test_port_in_use(void **state)
{
    struct fixture *f = *state;
    struct demo_opts o = {.port = f->port};
    struct demo_server *s = NULL;

    assert_int_equal(demo_server_start(&o, &s), DEMO_ELISTEN);
    assert_null(s);
}

static void test_defaults_and_ipv6(void **state)
{
    struct demo_server *s = NULL;
    struct demo_opts o = {.bind = "::1"};
    CURL *h = curl_easy_init();
    char url[128];
    struct http_reply r;
    int fd;

    (void)state;
    /* NULL options: loopback, ephemeral port */
    assert_int_equal(demo_server_start(NULL, &s), 0);
    assert_true(demo_server_port(s) > 0);
    http(h, demo_server_port(s), "GET", "/api/health", NULL, &r);
    assert_int_equal(r.status, 200);
    resp_release(&r);
    demo_server_stop(s);

    fd = socket(AF_INET6, SOCK_STREAM, 0);
    if (fd < 0) {
        curl_easy_cleanup(h);
        skip();
    }
    close(fd);
    s = NULL;
    if (demo_server_start(&o, &s) == DEMO_ELISTEN) {
        curl_easy_cleanup(h); /* no ::1 in this sandbox */
        skip();
    }
    assert_non_null(s);
    snprintf(url, sizeof(url), "http://[::1]:%u/api/health",
             demo_server_port(s));
    curl_easy_reset(h);
    http_reply_capture(h, &r);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 10L);
    assert_int_equal(curl_easy_perform(h), CURLE_OK);
    finish(h, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "{\"status\":\"ok\"}");
    resp_release(&r);
    demo_server_stop(s);
    curl_easy_cleanup(h);
}

static void test_start_stop_20_times(void **state)
{
    CURL *h = curl_easy_init();

    (void)state;
    for (unsigned i = 0; i < 20; i++) {
        struct demo_opts o = {.seed = i};
        struct demo_server *s = NULL;
        struct http_reply r;

        assert_int_equal(demo_server_start(&o, &s), 0);
        http(h, demo_server_port(s), "POST", "/api/agents/register",
             "{\"name\":\"x\"}", &r);
        assert_int_equal(r.status, 201);
        resp_release(&r);
        demo_server_stop(s);
    }
    curl_easy_cleanup(h);
}

/* Stopping while requests wait suspended: they are answered or closed,
 * and the stop neither hangs nor leaks. */
static void test_stop_with_waiting_requests(void **state)
{
    enum { COUNT = 40 };
    struct demo_server *s = NULL;
    CURLM *m = curl_multi_init();
    CURL *h[COUNT];
    struct http_reply r[COUNT];
    struct curl_slist *hdrs = json_headers();
    double t0;
    int running = 1;

    (void)state;
    assert_int_equal(demo_server_start(NULL, &s), 0);
    for (size_t i = 0; i < COUNT; i++) {
        h[i] = curl_easy_init();
        setup(h[i], hdrs, demo_server_port(s), "POST",
              "/api/agents/agent-1/nl-query", "{}", &r[i]);
        curl_multi_add_handle(m, h[i]);
    }
    /* long enough for all to be sent, shorter than their 40+ ms wait */
    t0 = now_s();
    while (now_s() - t0 < 0.03) {
        curl_multi_perform(m, &running);
        curl_multi_poll(m, NULL, 0, 5, NULL);
    }
    assert_true(running > 0);
    t0 = now_s();
    demo_server_stop(s);
    assert_true(now_s() - t0 < 2.0);
    run_multi(m, 10.0);
    curl_multi_perform(m, &running);
    assert_int_equal(running, 0);
    for (size_t i = 0; i < COUNT; i++) {
        long status = 0;

        curl_easy_getinfo(h[i], CURLINFO_RESPONSE_CODE, &status);
        /* answered at once, or closed: never anything else */
        assert_true(status == 200 || status == 0);
        curl_multi_remove_handle(m, h[i]);
        curl_easy_cleanup(h[i]);
        resp_release(&r[i]);
    }
    curl_multi_cleanup(m);
    curl_slist_free_all(hdrs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_routes, setup_plain, teardown),
        cmocka_unit_test_setup_teardown(test_query_answer_details, setup_plain,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_405_allow_and_head, setup_plain,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_register_counts_up, setup_plain,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_bad_json_position, setup_plain,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_body_limit, setup_plain, teardown),
        cmocka_unit_test_setup_teardown(test_health_latency_band, setup_plain,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_slowed_routes, setup_slowed,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_300_concurrent_queries,
                                        setup_plain, teardown),
        cmocka_unit_test_setup_teardown(test_1000_keepalive_connections,
                                        setup_plain, teardown),
        cmocka_unit_test(test_start_errors),
        cmocka_unit_test_setup_teardown(test_port_in_use, setup_plain,
                                        teardown),
        cmocka_unit_test(test_defaults_and_ipv6),
        cmocka_unit_test(test_start_stop_20_times),
        cmocka_unit_test(test_stop_with_waiting_requests),
    };

    return cmocka_run_group_tests(tests, http_group_setup, http_group_teardown);
}
