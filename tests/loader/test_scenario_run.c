/* Scenario features end to end against a libmicrohttpd server on
 * 127.0.0.1: wait_for, setup captures shared by every user, teardown once,
 * form/query bodies, json-escaped captures, expect failures counted as
 * class "expect", and late/dropped arrivals of an overloaded open model.
 * Every run is bounded by a request count or a short duration. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <jansson.h>
#include <microhttpd.h>

#include "lgtest.h"
#include "loader.h"
#include "loader_fixture.h"
#include "metrics.h"
#include "profile.h"

struct server {
    struct MHD_Daemon *d;
    unsigned short port;
    atomic_uint health_calls, ready_after, logins, teardowns;
    atomic_uint good_use, bad_use, good_echo, bad_echo, moved;
};

static struct server srv;

struct upload {
    char body[4096];
    size_t len;
};

static enum MHD_Result handler(void *cls, struct MHD_Connection *c,
                               const char *url, const char *method,
                               const char *version, const char *upload,
                               size_t *upload_size, void **req_cls)
{
    struct upload *up = *req_cls;

    (void)cls;
    (void)version;
    if (!up) {
        if (!(up = calloc(1, sizeof(*up))))
            return MHD_NO;
        *req_cls = up;
        return MHD_YES;
    }
    if (*upload_size) {
        size_t n = *upload_size;
        if (n > sizeof(up->body) - 1 - up->len)
            n = sizeof(up->body) - 1 - up->len;
        memcpy(up->body + up->len, upload, n);
        up->len += n;
        *upload_size = 0;
        return MHD_YES;
    }
    if (strcmp(url, "/health") == 0) {
        unsigned n = atomic_fetch_add(&srv.health_calls, 1) + 1;
        return fx_reply(c, n >= atomic_load(&srv.ready_after) ? 200 : 503, "{}",
                        NULL);
    }
    if (strcmp(url, "/login") == 0 && strcmp(method, "POST") == 0) {
        const char *ct = fx_header(c, "Content-Type");
        if (!ct || strcmp(ct, "application/x-www-form-urlencoded") != 0 ||
            strcmp(up->body, "user=admin&pass=a+b%26c") != 0)
            return fx_reply(c, 400, "{}", NULL);
        atomic_fetch_add(&srv.logins, 1);
        return fx_reply(c, 200, "{\"next\":\"/use?id=42\"}", "tok-1");
    }
    if (strcmp(url, "/session") == 0 && strcmp(method, "DELETE") == 0) {
        const char *auth = fx_header(c, "Authorization");
        if (auth && strcmp(auth, "Bearer tok-1") == 0)
            atomic_fetch_add(&srv.teardowns, 1);
        return fx_reply(c, 204, "", NULL);
    }
    if (strcmp(url, "/use") == 0) {
        const char *auth = fx_header(c, "Authorization");
        const char *id = fx_arg(c, "id");
        const char *who = fx_arg(c, "who");
        if (auth && strcmp(auth, "Bearer tok-1") == 0 && id &&
            strcmp(id, "42") == 0 && who &&
            (strcmp(who, "al ice") == 0 || strcmp(who, "bob") == 0)) {
            atomic_fetch_add(&srv.good_use, 1);
            return fx_reply(c, 200, "{\"name\":\"say \\\"hi\\\"\",\"ok\":true}",
                            NULL);
        }
        atomic_fetch_add(&srv.bad_use, 1);
        return fx_reply(c, 400, "{}", NULL);
    }
    if (strcmp(url, "/echo") == 0) {
        json_t *j = json_loadb(up->body, up->len, 0, NULL);
        json_t *q = json_object_get(j, "q");
        bool ok = json_is_string(q) &&
                  strcmp(json_string_value(q), "say \"hi\"") == 0;
        json_decref(j);
        atomic_fetch_add(ok ? &srv.good_echo : &srv.bad_echo, 1);
        return fx_reply(c, ok ? 200 : 400, "{\"ok\":false}", NULL);
    }
    if (strcmp(url, "/old") == 0) {
        struct MHD_Response *r = MHD_create_response_from_buffer(
            0, (void *)"", MHD_RESPMEM_PERSISTENT);
        enum MHD_Result ret;

        if (!r)
            return MHD_NO;
        MHD_add_response_header(r, "Location", "/moved");
        ret = MHD_queue_response(c, 302, r);
        MHD_destroy_response(r);
        return ret;
    }
    if (strcmp(url, "/moved") == 0) {
        atomic_fetch_add(&srv.moved, 1);
        return fx_reply(c, 200, "{}", NULL);
    }
    if (strcmp(url, "/slow") == 0) {
        sleep_ms(100);
        return fx_reply(c, 200, "{}", NULL);
    }
    return fx_reply(c, 404, "{}", NULL);
}

static void completed(void *cls, struct MHD_Connection *c, void **req_cls,
                      enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    free(*req_cls);
    *req_cls = NULL;
}

static int setup(void **state)
{
    struct sockaddr_in sa;
    const union MHD_DaemonInfo *info;

    (void)state;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    srv.d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION, 0,
        NULL, NULL, handler, NULL, MHD_OPTION_SOCK_ADDR, &sa,
        MHD_OPTION_NOTIFY_COMPLETED, completed, NULL, MHD_OPTION_END);
    if (!srv.d)
        return -1;
    info = MHD_get_daemon_info(srv.d, MHD_DAEMON_INFO_BIND_PORT);
    srv.port = info ? info->port : 0;
    return srv.port ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    MHD_stop_daemon(srv.d);
    return 0;
}

/* The plan of a profile written in YAML. */
static struct loader_plan *profile(const char *fmt, ...)
{
    char text[4096], body[3800];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(body, sizeof(body), fmt, ap);
    va_end(ap);
    snprintf(text, sizeof(text), "version: 1\ntarget: http://127.0.0.1:%u\n%s",
             srv.port, body);
    return fx_plan(text, LOADGATE_SOURCE_DIR "/tests/profile/profiles/r.yaml");
}

static const struct metrics_endpoint *ep(const struct metrics_results *r,
                                         const char *name)
{
    const struct metrics_endpoint *e = metrics_results_find(r, name);

    if (!e)
        print_error("no endpoint '%s'\n", name);
    assert_non_null(e);
    return e;
}

/* wait_for polls until 2xx; then setup logs in once (form body, header
 * capture); every user reuses the token, the regex capture of /login's
 * body and a data: row; teardown runs once with the token. */
static void test_setup_shared_and_teardown(void **state)
{
    struct loader_plan *p =
        profile("wait_for: {get: /health, timeout: 10s, interval: 50ms}\n"
                "setup:\n"
                "  - post: /login\n"
                "    form: {user: admin, pass: \"a b&c\"}\n"
                "    capture: {token: {header: X-Token}, id: {regex: "
                "\"id=([0-9]+)\"}}\n"
                "teardown:\n  - delete: /session\n"
                "    headers: {Authorization: \"Bearer {{token}}\"}\n"
                "data: {file: run_users.csv}\n"
                "load: {users: 4, requests: 40}\n"
                "scenarios:\n  - steps:\n"
                "      - get: /use\n"
                "        headers: {Authorization: \"Bearer {{token}}\"}\n"
                "        query: {id: \"{{id}}\", who: \"{{who}}\"}\n"
                "        expect: {json: {/ok: true}, body_contains: hi}\n"
                "        capture: {name: /name}\n"
                "      - post: /echo\n        json: {q: \"{{name}}\"}\n"
                "        expect: {status: 200}\n");
    struct loader_kv *vars = NULL;
    size_t n_vars = 0;
    struct loader_run_opts o;
    struct metrics_results *r = NULL;
    char errbuf[512];
    FILE *f;

    (void)state;
    f = fopen(LOADGATE_SOURCE_DIR "/tests/profile/profiles/run_users.csv", "r");
    assert_non_null(f);
    fclose(f);
    atomic_store(&srv.ready_after, 3);
    atomic_store(&srv.health_calls, 0);
    assert_int_equal(loader_wait_for(p, NULL, errbuf, sizeof(errbuf)), 0);
    assert_int_equal(atomic_load(&srv.health_calls), 3);
    assert_int_equal(loader_setup(p, &vars, &n_vars, errbuf, sizeof(errbuf)),
                     0);
    assert_int_equal(atomic_load(&srv.logins), 1);
    assert_int_equal(n_vars, 2);

    memset(&o, 0, sizeof(o));
    o.vars = vars;
    o.n_vars = n_vars;
    assert_int_equal(loader_run(p, &o, &r, errbuf, sizeof(errbuf)), 0);
    assert_int_equal(atomic_load(&srv.logins), 1); /* setup ran once */
    assert_int_equal(atomic_load(&srv.bad_use), 0);
    assert_true(atomic_load(&srv.good_use) >= 20);
    /* the captured name holds quotes: the json: body stayed valid */
    assert_int_equal(atomic_load(&srv.bad_echo), 0);
    /* 40 requests started, each user alternating /use and /echo: a user
     * may stop after /use, so at least (40 - 4 users) / 2 echoes */
    assert_true(atomic_load(&srv.good_echo) >= 18);
    assert_int_equal(ep(r, "GET /use")->errors, 0);
    assert_int_equal(ep(r, "POST /echo")->errors, 0);

    assert_int_equal(loader_teardown(p, vars, n_vars, errbuf, sizeof(errbuf)),
                     0);
    assert_int_equal(atomic_load(&srv.teardowns), 1);
    loader_vars_free(vars, n_vars);
    metrics_results_free(r);
    loader_plan_free(p);
}

/* A header captured during the load (not in setup:) feeds the next step,
 * through both transports: each parses response headers its own way. */
static void header_capture_in_load(const char *engine)
{
    struct loader_plan *p =
        profile("engine: %s\n"
                "load: {users: 3, requests: 30}\n"
                "scenarios:\n  - steps:\n"
                "      - post: /login\n"
                "        form: {user: admin, pass: \"a b&c\"}\n"
                "        capture: {token: {header: x-token}}\n"
                "      - get: /use\n"
                "        headers: {Authorization: \"Bearer {{token}}\"}\n"
                "        query: {id: \"42\", who: bob}\n",
                engine);
    struct loader_run_opts o;
    struct metrics_results *r = NULL;
    char errbuf[512];

    atomic_store(&srv.good_use, 0);
    atomic_store(&srv.bad_use, 0);
    memset(&o, 0, sizeof(o));
    assert_int_equal(loader_run(p, &o, &r, errbuf, sizeof(errbuf)), 0);
    print_message("%s: %u good, %u refused\n", engine,
                  atomic_load(&srv.good_use), atomic_load(&srv.bad_use));
    assert_int_equal(ep(r, "POST /login")->errors, 0);
    assert_int_equal(ep(r, "GET /use")->errors, 0);
    assert_int_equal(atomic_load(&srv.bad_use), 0);
    assert_true(atomic_load(&srv.good_use) >= 12);
    metrics_results_free(r);
    loader_plan_free(p);
}

static void test_header_capture_in_load_fast(void **state)
{
    (void)state;
    header_capture_in_load("fast");
}

static void test_header_capture_in_load_curl(void **state)
{
    (void)state;
    header_capture_in_load("curl");
}

/* load.iterations: exactly that many scenario runs, shared by the users,
 * each run to its end (2 steps each), in one loop or two. */
static void test_iterations(void **state)
{
    (void)state;
    atomic_store(&srv.ready_after, 0);
    for (unsigned threads = 1; threads <= 2; threads++) {
        struct loader_plan *p =
            profile("load: {users: 3, iterations: 10}\n"
                    "scenarios:\n  - steps:\n      - get: /health\n"
                    "      - get: /moved\n");
        struct loader_run_opts o;
        struct metrics_results *r = NULL;
        char errbuf[512];

        memset(&o, 0, sizeof(o));
        o.threads = threads;
        atomic_store(&srv.moved, 0);
        assert_int_equal(loader_run(p, &o, &r, errbuf, sizeof(errbuf)), 0);
        assert_int_equal(ep(r, "GET /health")->requests, 10);
        assert_int_equal(ep(r, "GET /moved")->requests, 10);
        assert_int_equal(atomic_load(&srv.moved), 10);
        assert_false(r->partial);
        metrics_results_free(r);
        loader_plan_free(p);
    }
}

/* defaults.follow_redirects reaches the load (it once worked in setup:
 * only): the final answer is measured, through the curl transport, which
 * is picked for it; without it the 302 is the answer. */
static void test_follow_redirects(void **state)
{
    static const struct {
        const char *defaults;
        int status;
        unsigned moved;
    } cases[] = {
        {"defaults: {follow_redirects: true}\n", 200, 12},
        {"", 302, 0},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        struct loader_plan *p =
            profile("%sload: {users: 2, requests: 12}\n"
                    "scenarios:\n  - steps:\n      - get: /old\n",
                    cases[i].defaults);
        struct loader_run_opts o;
        struct metrics_results *r = NULL;
        char errbuf[512];

        atomic_store(&srv.moved, 0);
        memset(&o, 0, sizeof(o));
        assert_int_equal(loader_run(p, &o, &r, errbuf, sizeof(errbuf)), 0);
        assert_int_equal(ep(r, "GET /old")->requests, 12);
        assert_int_equal(ep(r, "GET /old")->status[cases[i].status], 12);
        assert_int_equal(atomic_load(&srv.moved), cases[i].moved);
        metrics_results_free(r);
        loader_plan_free(p);
    }
}

static void test_wait_for_timeout(void **state)
{
    struct loader_plan *p =
        profile("wait_for: {get: /health, timeout: 300ms, interval: 50ms}\n"
                "load: {users: 1, requests: 1}\nscenarios:\n  - steps:\n"
                "      - get: /health\n");
    char errbuf[512];
    struct timespec a, b;
    double took;

    (void)state;
    atomic_store(&srv.ready_after, 1000000);
    atomic_store(&srv.health_calls, 0);
    clock_gettime(CLOCK_MONOTONIC, &a);
    assert_int_equal(loader_wait_for(p, NULL, errbuf, sizeof(errbuf)),
                     LOADER_ENOTREADY);
    clock_gettime(CLOCK_MONOTONIC, &b);
    took = (double)(b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
    print_message("%s (%.3f s, %u polls)\n", errbuf, took,
                  atomic_load(&srv.health_calls));
    assert_non_null(strstr(errbuf, "service not ready after 0.3 s"));
    assert_non_null(strstr(errbuf, "answered 503"));
    assert_true(took >= 0.25 && took < 2.0);
    assert_true(atomic_load(&srv.health_calls) >= 3);
    loader_plan_free(p);
}

/* Failed expectations are class "expect", never a success; a status
 * other than the expected one is class "status", not "expect". */
static void test_expect_failures(void **state)
{
    static const struct {
        const char *expect;
        enum metrics_errclass cls; /* of all 5 requests */
    } cases[] = {
        {"{json: {/ok: true}}", METRICS_ERR_NONE},
        {"{json: {/ok: false}}", METRICS_ERR_EXPECT},
        {"{body_contains: hi}", METRICS_ERR_NONE},
        {"{body_contains: nope}", METRICS_ERR_EXPECT},
        {"{status: 201}", METRICS_ERR_STATUS},
    };

    (void)state;
    atomic_store(&srv.ready_after, 0);
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        struct loader_plan *p = profile(
            "setup:\n  - post: /login\n    form: {user: admin, pass: \"a "
            "b&c\"}\n    capture: {token: {header: X-Token}}\n"
            "load: {users: 1, requests: 5}\nscenarios:\n  - steps:\n"
            "      - get: \"/use?id=42&who=bob\"\n"
            "        headers: {Authorization: \"Bearer {{token}}\"}\n"
            "        expect: %s\n",
            cases[i].expect);
        struct loader_kv *vars = NULL;
        size_t n = 0;
        struct loader_run_opts o;
        struct metrics_results *r = NULL;
        const struct metrics_endpoint *e;
        char errbuf[512];

        assert_int_equal(loader_setup(p, &vars, &n, errbuf, sizeof(errbuf)), 0);
        memset(&o, 0, sizeof(o));
        o.vars = vars;
        o.n_vars = n;
        assert_int_equal(loader_run(p, &o, &r, errbuf, sizeof(errbuf)), 0);
        e = ep(r, "GET /use?id=42&who=bob");
        assert_int_equal(e->requests, 5);
        assert_int_equal(e->err_class[METRICS_ERR_EXPECT],
                         cases[i].cls == METRICS_ERR_EXPECT ? 5 : 0);
        if (cases[i].cls != METRICS_ERR_NONE)
            assert_int_equal(e->err_class[cases[i].cls], 5);
        loader_vars_free(vars, n);
        metrics_results_free(r);
        loader_plan_free(p);
    }
}

/* A setup step that fails stops everything with LOADER_ESETUP. */
static void test_setup_failure(void **state)
{
    struct loader_plan *p =
        profile("setup:\n  - post: /login\n    form: {user: eve}\n"
                "load: {users: 1, requests: 1}\nscenarios:\n  - steps:\n"
                "      - get: /health\n");
    struct loader_kv *vars = NULL;
    size_t n = 0;
    char errbuf[512];

    (void)state;
    assert_int_equal(loader_setup(p, &vars, &n, errbuf, sizeof(errbuf)),
                     LOADER_ESETUP);
    assert_null(vars);
    print_message("%s\n", errbuf);
    assert_non_null(strstr(errbuf, "setup step 1 (POST /login"));
    assert_non_null(strstr(errbuf, "unexpected status 400"));
    loader_plan_free(p);
}

/* 100 ms responses, 2 slots, 100 arrivals/s: most arrivals find no free
 * slot (dropped); the results document keeps both counts. */
static void test_late_and_dropped(void **state)
{
    struct loader_plan *p =
        profile("load: {rate: 100/s, duration: 1s, max_in_flight: 2}\n"
                "scenarios:\n  - steps:\n      - get: /slow\n");
    struct metrics_results *r = NULL, *back = NULL;
    char errbuf[512], *json = NULL;
    uint64_t sent;

    (void)state;
    assert_int_equal(loader_run(p, NULL, &r, errbuf, sizeof(errbuf)), 0);
    sent = metrics_results_total_requests(r);
    print_message("sent %llu, dropped %llu, late %llu\n",
                  (unsigned long long)sent, (unsigned long long)r->meta.dropped,
                  (unsigned long long)r->meta.late);
    assert_true(sent <= 25);
    assert_true(r->meta.dropped >= 60);
    assert_true(sent + r->meta.dropped >= 90 && sent + r->meta.dropped <= 102);
    assert_int_equal(metrics_results_dump(r, &json), 0);
    assert_int_equal(metrics_results_parse(json, strlen(json), &back, errbuf,
                                           sizeof(errbuf)),
                     0);
    assert_int_equal(back->meta.dropped, r->meta.dropped);
    assert_int_equal(back->meta.late, r->meta.late);
    free(json);
    metrics_results_free(back);
    metrics_results_free(r);
    loader_plan_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_setup_shared_and_teardown),
        cmocka_unit_test(test_header_capture_in_load_fast),
        cmocka_unit_test(test_header_capture_in_load_curl),
        cmocka_unit_test(test_follow_redirects),
        cmocka_unit_test(test_iterations),
        cmocka_unit_test(test_wait_for_timeout),
        cmocka_unit_test(test_expect_failures),
        cmocka_unit_test(test_setup_failure),
        cmocka_unit_test(test_late_and_dropped),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
