/* loader_run() end to end against a libmicrohttpd server on 127.0.0.1 in
 * this process.  Every run is bounded by a duration or a request count. */
#include <arpa/inet.h>
#include <math.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <inttypes.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <microhttpd.h>

#include "lgtest.h"
#include "loader.h"
#include "loader_fixture.h"
#include "metrics.h"

/* ---- the server ---------------------------------------------------------- */

struct server {
    struct MHD_Daemon *d;
    unsigned short port;
    char target[64];
    atomic_uint_fast64_t served;      /* every response sent */
    atomic_uint_fast64_t registered;  /* agents handed out */
    atomic_uint_fast64_t good_query;  /* queries for a registered agent */
    atomic_uint_fast64_t bad_query;   /* queries for anything else */
    atomic_uint_fast64_t bad_headers; /* requests missing expected headers */
};

static struct server srv;
/* /stall answers at once, except inside [stall_from, stall_to) (monotonic
 * ns), when it holds every request until stall_to: a 1 s service pause */
static _Atomic uint64_t stall_from, stall_to;

static struct server fast_srv; /* poll, no sleeps: for 1000 users */

static enum MHD_Result reply(struct server *s, struct MHD_Connection *c,
                             unsigned status, const char *body)
{
    atomic_fetch_add(&s->served, 1);
    return fx_reply(c, status, body, NULL);
}

/* "a<digits>" as handed out by /api/register */
static bool is_agent(const char *id, size_t len)
{
    if (len < 2 || id[0] != 'a')
        return false;
    for (size_t i = 1; i < len; i++)
        if (id[i] < '0' || id[i] > '9')
            return false;
    return true;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c,
                               const char *url, const char *method,
                               const char *version, const char *upload,
                               size_t *upload_size, void **req_cls)
{
    static int started;
    struct server *s = cls;

    (void)version;
    (void)upload;
    if (*req_cls == NULL) {
        *req_cls = &started;
        return MHD_YES;
    }
    if (*upload_size) {
        *upload_size = 0; /* bodies are read and ignored */
        return MHD_YES;
    }
    if (strcmp(url, "/health") == 0)
        return reply(s, c, 200, "{\"status\":\"ok\"}");
    if (strcmp(url, "/fast") == 0) {
        sleep_ms(10);
        return reply(s, c, 200, "{\"ok\":true}");
    }
    if (strcmp(url, "/stall") == 0) {
        uint64_t now = mono_ns(), to = atomic_load(&stall_to);

        if (now >= atomic_load(&stall_from) && now < to) {
            struct timespec ts = {(time_t)((to - now) / 1000000000u),
                                  (long)((to - now) % 1000000000u)};

            while (nanosleep(&ts, &ts) != 0)
                ;
        }
        return reply(s, c, 200, "{}");
    }
    if (strcmp(url, "/slow") == 0) {
        sleep_ms(600);
        return reply(s, c, 200, "{}");
    }
    if (strcmp(url, "/err500") == 0)
        return reply(s, c, 500, "{\"error\":\"boom\"}");
    if (strcmp(url, "/api/register") == 0 && strcmp(method, "POST") == 0) {
        const char *ct = fx_header(c, "Content-Type");
        const char *tok = fx_header(c, "X-Token");
        const char *ua = fx_header(c, "User-Agent");
        char body[64];

        if (!ct || strcmp(ct, "application/json") != 0 || !tok ||
            strcmp(tok, "step-token") != 0 || !ua ||
            strncmp(ua, "loadgate/", 9) != 0) {
            atomic_fetch_add(&s->bad_headers, 1);
            return reply(s, c, 400, "{}");
        }
        snprintf(body, sizeof(body), "{\"agent_id\":\"a%llu\",\"n\":1}",
                 (unsigned long long)atomic_fetch_add(&s->registered, 1));
        return reply(s, c, 201, body);
    }
    if (strncmp(url, "/api/agents/", 12) == 0 && strcmp(method, "POST") == 0) {
        const char *id = url + 12, *slash = strchr(id, '/');

        if (slash && strcmp(slash, "/query") == 0 &&
            is_agent(id, (size_t)(slash - id))) {
            atomic_fetch_add(&s->good_query, 1);
            return reply(s, c, 200, "{\"rows\":1}");
        }
        atomic_fetch_add(&s->bad_query, 1);
        return reply(s, c, 400, "{}");
    }
    return reply(s, c, 404, "{}");
}

static int start_server(struct server *s, unsigned flags)
{
    struct sockaddr_in sa;
    const union MHD_DaemonInfo *info;

    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    s->d = MHD_start_daemon(
        flags, 0, NULL, NULL, handler, s, MHD_OPTION_SOCK_ADDR,
        (struct sockaddr *)&sa, MHD_OPTION_CONNECTION_LIMIT, (unsigned)4000,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
        MHD_OPTION_LISTENING_ADDRESS_REUSE, 1, MHD_OPTION_END);
    if (!s->d)
        return -1;
    info = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    if (!info || !info->port)
        return -1;
    s->port = info->port;
    snprintf(s->target, sizeof(s->target), "http://127.0.0.1:%u",
             (unsigned)s->port);
    return 0;
}

static void reset_counters(struct server *s)
{
    atomic_store(&s->served, 0);
    atomic_store(&s->registered, 0);
    atomic_store(&s->good_query, 0);
    atomic_store(&s->bad_query, 0);
    atomic_store(&s->bad_headers, 0);
}

static int setup(void **state)
{
    (void)state;
    if (start_server(&srv, MHD_USE_THREAD_PER_CONNECTION |
                               MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL))
        return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    if (srv.d)
        MHD_stop_daemon(srv.d);
    if (fast_srv.d)
        MHD_stop_daemon(fast_srv.d);
    return 0;
}

/* ---- profiles built in C --------------------------------------------------
 */

struct step_spec {
    const char *method, *path, *name, *body;
    int expect; /* 0: none */
    const char *cap_var, *cap_ptr;
    double timeout_s;
    const char *hdr_key, *hdr_value;
};

struct scen_spec {
    const char *name;
    unsigned weight;
    const struct step_spec *steps;
    size_t n_steps;
};

static struct loader_plan *make_profile(const char *target,
                                        const struct scen_spec *sc, size_t n_sc)
{
    struct loader_plan *p = xcalloc(1, sizeof(*p));

    p->name = xs("enginetest");
    p->target = xs(target);
    p->timeout_s = 5;
    strcpy(p->sha256, "0123456789abcdef0123456789abcdef"
                      "0123456789abcdef0123456789abcdef");
    p->n_headers = 1;
    p->headers = xcalloc(1, sizeof(*p->headers));
    p->headers[0].key = xs("X-Token");
    p->headers[0].value = xs("default-token");
    p->headers[0].secret = true;
    p->n_scenarios = n_sc;
    p->scenarios = xcalloc(n_sc, sizeof(*p->scenarios));
    for (size_t i = 0; i < n_sc; i++) {
        struct loader_scenario *s = &p->scenarios[i];

        s->name = xs(sc[i].name);
        s->weight = sc[i].weight;
        s->n_steps = sc[i].n_steps;
        s->steps = xcalloc(s->n_steps, sizeof(*s->steps));
        for (size_t k = 0; k < s->n_steps; k++) {
            const struct step_spec *in = &sc[i].steps[k];
            struct loader_step *st = &s->steps[k];

            st->method = xs(in->method);
            st->path = xs(in->path);
            st->name = xs(in->name);
            st->body = xs(in->body);
            st->body_is_json = in->body != NULL;
            st->timeout_s = in->timeout_s;
            if (in->expect) {
                st->n_expect_status = 1;
                st->expect_status = xcalloc(1, sizeof(int));
                st->expect_status[0] = in->expect;
            }
            if (in->cap_var) {
                st->n_captures = 1;
                st->captures = xcalloc(1, sizeof(*st->captures));
                st->captures[0].var = xs(in->cap_var);
                st->captures[0].pointer = xs(in->cap_ptr);
            }
            if (in->hdr_key) {
                st->n_headers = 1;
                st->headers = xcalloc(1, sizeof(*st->headers));
                st->headers[0].key = xs(in->hdr_key);
                st->headers[0].value = xs(in->hdr_value);
            }
        }
    }
    return p;
}

static void free_kvs(struct loader_kv *kv, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(kv[i].key);
        free(kv[i].value);
    }
    free(kv);
}

static void free_profile(struct loader_plan *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n_scenarios; i++) {
        struct loader_scenario *s = &p->scenarios[i];

        for (size_t k = 0; k < s->n_steps; k++) {
            struct loader_step *st = &s->steps[k];

            free(st->method);
            free(st->path);
            free(st->name);
            free(st->body);
            free(st->expect_status);
            free_kvs(st->headers, st->n_headers);
            for (size_t c = 0; c < st->n_captures; c++) {
                free(st->captures[c].var);
                free(st->captures[c].pointer);
            }
            free(st->captures);
        }
        free(s->steps);
        free(s->name);
    }
    free(p->scenarios);
    free_kvs(p->headers, p->n_headers);
    free(p->load.stages);
    free(p->name);
    free(p->target);
    free(p);
}

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static const struct metrics_endpoint *find_ep(const struct metrics_results *r,
                                              const char *name)
{
    const struct metrics_endpoint *ep = metrics_results_find(r, name);

    if (!ep)
        fail_msg("no endpoint '%s' in the results", name);
    return ep;
}

static double p_ms(const struct metrics_endpoint *ep, double pct)
{
    return (double)metrics_hist_percentile(ep->hist, pct) / 1000.0;
}

static void run_ok(const struct loader_plan *p, const struct loader_run_opts *o,
                   struct metrics_results **r)
{
    char err[256] = "";
    int rc = loader_run(p, o, r, err, sizeof(err));

    if (rc != 0)
        fail_msg("loader_run: %d (%s)", rc, err);
    assert_non_null(*r);
}

/* One scenario of n steps (named name) run against the test server by
 * users closed-loop users for requests requests; the profile is freed. */
static struct metrics_results *run_steps(const char *name,
                                         const struct step_spec *steps,
                                         size_t n, unsigned users,
                                         uint64_t requests)
{
    const struct scen_spec sc[] = {{name, 1, steps, n}};
    struct loader_plan *p = make_profile(srv.target, sc, 1);
    struct metrics_results *r = NULL;

    p->load.users = users;
    p->load.requests = requests;
    run_ok(p, NULL, &r);
    free_profile(p);
    return r;
}

/* ---- the runs -------------------------------------------------------------
 */

static const struct step_spec fast_steps[] = {
    {.method = "GET", .path = "/fast"},
};
static const struct step_spec error_steps[] = {
    {.method = "GET", .path = "/err500"},
    {.method = "GET", .path = "/nope/${vu}", .name = "GET /nope"},
};
static const struct step_spec agent_steps[] = {
    {.method = "POST",
     .path = "/api/register",
     .body = "{\"name\":\"agent-${vu}-${iteration}\"}",
     .expect = 201,
     .cap_var = "agent",
     .cap_ptr = "/agent_id",
     .hdr_key = "x-token",
     .hdr_value = "step-token"},
    {.method = "POST",
     .path = "/api/agents/{{agent}}/query",
     .name = "POST /api/agents/{id}/query",
     .body = "{\"query\":\"SELECT 1\"}"},
};

/* 50 users for 0.5 s of warm-up and 2 s measured over three scenarios:
 * latency, error classes, captures feeding the next path, warm-up. */
static void test_mixed_run(void **state)
{
    const struct scen_spec sc[] = {
        {"fast", 3, fast_steps, 1},
        {"errors", 1, error_steps, 2},
        {"agents", 2, agent_steps, 2},
    };
    struct loader_plan *p = make_profile(srv.target, sc, 3);
    struct metrics_results *r = NULL;
    const struct metrics_endpoint *ep;
    uint64_t total;
    double t0;

    (void)state;
    reset_counters(&srv);
    p->load.users = 50;
    p->load.warmup_s = 0.5;
    p->load.duration_s = 2.0;
    /* Some think time keeps the rate (and CPU use: server and generator
     * share this box) moderate, so that latency is the server's. */
    p->load.think_min_s = 0.02;
    p->load.think_max_s = 0.04;
    t0 = now_s();
    run_ok(p, NULL, &r);
    assert_true(now_s() - t0 < 4.0);

    /* endpoints in profile order, named as the reports name them */
    assert_int_equal(r->n_endpoints, 5);
    assert_string_equal(r->endpoints[0]->method, "GET");
    assert_string_equal(r->endpoints[0]->path, "/fast");
    assert_string_equal(r->endpoints[2]->path, "/nope");
    assert_string_equal(r->endpoints[4]->path, "/api/agents/{id}/query");

    ep = find_ep(r, "GET /fast");
    assert_true(ep->requests > 100);
    assert_true(ep->requests < 50 * 2.0 / 0.03); /* think time held */
    assert_int_equal(ep->errors, 0);
    assert_int_equal(ep->status[200], ep->requests);
    assert_int_equal(metrics_hist_count(ep->hist), ep->requests);
    if (getenv("ENGINE_TEST_VERBOSE"))
        fprintf(stderr, "p50 %.2f ms p99 %.2f ms, %llu requests\n",
                p_ms(ep, 50), p_ms(ep, 99), (unsigned long long)ep->requests);
    if (p_ms(ep, 50) < 10.0 || p_ms(ep, 50) > 14.0)
        fail_msg("p50 of the 10 ms endpoint is %.2f ms", p_ms(ep, 50));

    ep = find_ep(r, "GET /err500");
    assert_true(ep->requests > 0);
    assert_int_equal(ep->errors, ep->requests);
    assert_int_equal(ep->err_class[METRICS_ERR_HTTP_5XX], ep->requests);
    assert_int_equal(ep->status[500], ep->requests);
    assert_int_equal(metrics_hist_count(ep->hist), ep->requests);

    ep = find_ep(r, "GET /nope");
    assert_true(ep->requests > 0);
    assert_int_equal(ep->err_class[METRICS_ERR_STATUS], ep->requests);
    assert_int_equal(ep->status[404], ep->requests);

    /* captures: every query used an agent id the server handed out, and the
     * step header replaced the default one */
    ep = find_ep(r, "POST /api/register");
    assert_true(ep->requests > 0);
    assert_int_equal(ep->errors, 0);
    assert_int_equal(ep->status[201], ep->requests);
    ep = find_ep(r, "POST /api/agents/{id}/query");
    assert_true(ep->requests > 0);
    assert_int_equal(ep->errors, 0);
    assert_int_equal(atomic_load(&srv.bad_query), 0);
    assert_int_equal(atomic_load(&srv.bad_headers), 0);

    /* the warm-up's requests reached the server but not the results */
    total = metrics_results_total_requests(r);
    assert_true(total < atomic_load(&srv.served));
    assert_true(atomic_load(&srv.served) - total > 100);

    /* the document */
    assert_false(r->partial);
    assert_true(fabs(r->duration_s - 2.0) < 0.05);
    assert_int_equal(r->concurrent_users, 50);
    assert_non_null(r->timestamp);
    assert_string_equal(r->meta.model, "closed");
    assert_string_equal(r->meta.source, "loadgate");
    assert_string_equal(r->meta.profile_name, "enginetest");
    assert_string_equal(r->meta.profile_sha256, p->sha256);
    assert_string_equal(r->meta.loadgate_version, LOADGATE_VERSION);
    assert_true(r->meta.cpus >= 1);
    assert_true(fabs(r->meta.achieved_rps - (double)total / r->duration_s) <
                1e-6);
    assert_false(r->meta.saturated);
    /* timeline: completion seconds of the measured window; a run this
     * short has a fine timeline of 100 ms slots as well, holding every
     * request (the verdict's windows) */
    for (size_t i = 0; i < r->n_endpoints; i++) {
        ep = r->endpoints[i];
        for (size_t k = 0; k < ep->n_timeline; k++) {
            assert_true(ep->timeline[k].second >= r->start_second);
            assert_true(ep->timeline[k].second <= r->start_second + 8);
        }
        assert_int_equal(ep->fine_ms, 100);
        assert_true(metrics_endpoint_fine_complete(ep));
        assert_true(ep->n_fine >= 15 && ep->n_fine <= 80);
    }
    metrics_results_free(r);
    free_profile(p);
}

/* Nothing listens: every request is a connect error, nothing crashes. */
static void test_connection_refused(void **state)
{
    const struct scen_spec sc[] = {{"fast", 1, fast_steps, 1}};
    struct sockaddr_in sa;
    socklen_t len = sizeof(sa);
    char target[64];
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct loader_plan *p;
    struct metrics_results *r = NULL;
    const struct metrics_endpoint *ep;

    (void)state;
    /* a port that was just free: bind, read it back, close */
    assert_true(fd >= 0);
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
    close(fd);
    snprintf(target, sizeof(target), "http://127.0.0.1:%u",
             (unsigned)ntohs(sa.sin_port));
    p = make_profile(target, sc, 1);
    p->load.users = 5;
    p->load.requests = 100;
    p->load.duration_s = 5;
    /* where a run happened is cmd's to say (cmd_run_meta): the engine
     * reads no CI variable */
    setenv("GITHUB_SHA", "0123abc", 1);
    setenv("CI_COMMIT_REF_NAME", "main", 1);
    run_ok(p, NULL, &r);
    unsetenv("GITHUB_SHA");
    unsetenv("CI_COMMIT_REF_NAME");
    assert_null(r->meta.git_sha);
    assert_null(r->meta.git_branch);
    assert_null(r->meta.host);
    ep = find_ep(r, "GET /fast");
    assert_int_equal(ep->requests, 100);
    assert_int_equal(ep->errors, 100);
    assert_int_equal(ep->err_class[METRICS_ERR_CONNECT], 100);
    assert_int_equal(metrics_hist_count(ep->hist), 0);
    assert_int_equal(ep->status[0], 0);
    metrics_results_free(r);
    free_profile(p);
}

/* requests: 200 stops at exactly 200 measured requests. */
static void test_requests_limit(void **state)
{
    const struct step_spec health_steps[] = {
        {.method = "GET", .path = "/health"}};
    struct metrics_results *r;

    (void)state;
    reset_counters(&srv);
    r = run_steps("fast", fast_steps, 1, 20, 200);
    assert_int_equal(metrics_results_total_requests(r), 200);
    assert_int_equal(metrics_results_total_errors(r), 0);
    /* no duration: a fine timeline all the same (capped at 60 s) */
    assert_true(metrics_endpoint_fine_complete(r->endpoints[0]));
    assert_int_equal(atomic_load(&srv.served), 200);
    assert_false(r->partial);
    /* ten rounds of 10 ms: a loop that sleeps while a user is due (a lost
     * libcurl timer) takes several times longer */
    if (r->duration_s < 0.09 || r->duration_s > 0.6)
        fail_msg("200 requests of 10 ms by 20 users took %.3f s",
                 r->duration_s);
    metrics_results_free(r);

    /* an immediate endpoint: answers often arrive while libcurl runs a
     * timer, and the users they free must not wait for the next wake-up */
    r = run_steps("health", health_steps, 1, 50, 2000);
    assert_int_equal(metrics_results_total_requests(r), 2000);
    if (getenv("ENGINE_TEST_VERBOSE"))
        fprintf(stderr, "2000 immediate requests: %.3f s, saturated %d\n",
                r->duration_s, (int)r->meta.saturated);
    assert_false(r->meta.saturated);
    if (r->duration_s > 1.5)
        fail_msg("2000 immediate requests by 50 users took %.3f s",
                 r->duration_s);
    metrics_results_free(r);
}

struct stop_ctx {
    volatile sig_atomic_t stop;
    int calls;
    double last_elapsed;
    unsigned max_users;
    uint64_t last_requests;
    bool monotonic;
};

static void stop_after_half_second(const struct loader_progress *pr, void *ud)
{
    struct stop_ctx *c = ud;

    if (pr->elapsed_s < c->last_elapsed || pr->requests < c->last_requests)
        c->monotonic = false;
    c->calls++;
    c->last_elapsed = pr->elapsed_s;
    c->last_requests = pr->requests;
    if (pr->users > c->max_users)
        c->max_users = pr->users;
    if (pr->elapsed_s >= 0.5)
        c->stop = 1;
}

/* The stop flag ends a 30 s run early with partial results. */
static void test_stop_flag(void **state)
{
    const struct scen_spec sc[] = {{"fast", 1, fast_steps, 1}};
    struct loader_plan *p = make_profile(srv.target, sc, 1);
    struct metrics_results *r = NULL;
    struct stop_ctx c = {.monotonic = true};
    struct loader_run_opts o = {0};
    double t0;

    (void)state;
    p->load.users = 10;
    p->load.spawn_rate = 100; /* all ten within 0.1 s */
    p->load.duration_s = 30;
    o.stop = &c.stop;
    o.progress = stop_after_half_second;
    o.progress_ud = &c;
    o.progress_interval_s = 0.1;
    t0 = now_s();
    run_ok(p, &o, &r);
    assert_true(now_s() - t0 < 3.0);
    assert_true(r->partial);
    assert_true(c.calls >= 4);
    assert_true(c.monotonic);
    assert_int_equal(c.max_users, 10);
    assert_true(metrics_results_total_requests(r) > 50);
    assert_true(r->duration_s > 0.4 && r->duration_s < 1.5);
    metrics_results_free(r);
    free_profile(p);
}

/* A step timeout below the server's delay: class timeout, latency kept. */
static void test_timeout(void **state)
{
    const struct step_spec steps[] = {
        {.method = "GET", .path = "/slow", .timeout_s = 0.2},
    };
    struct metrics_results *r = run_steps("slow", steps, 1, 2, 4);
    const struct metrics_endpoint *ep = find_ep(r, "GET /slow");

    (void)state;
    assert_int_equal(ep->requests, 4);
    assert_int_equal(ep->err_class[METRICS_ERR_TIMEOUT], 4);
    assert_int_equal(metrics_hist_count(ep->hist), 4);
    assert_true(metrics_hist_min(ep->hist) >= 195000);
    assert_true(metrics_hist_max(ep->hist) < 500000);
    metrics_results_free(r);
}

/* A capture that does not resolve fails its request as "expect". */
static void test_capture_missing(void **state)
{
    const struct step_spec steps[] = {
        {.method = "POST",
         .path = "/api/register",
         .body = "{}",
         .cap_var = "x",
         .cap_ptr = "/no/such/member",
         .hdr_key = "X-Token",
         .hdr_value = "step-token"},
        {.method = "GET", .path = "/err500"},
    };
    struct metrics_results *r = run_steps("cap", steps, 1, 2, 10);
    const struct metrics_endpoint *ep = find_ep(r, "POST /api/register");

    (void)state;
    assert_int_equal(ep->requests, 10);
    assert_int_equal(ep->err_class[METRICS_ERR_EXPECT], 10);
    assert_int_equal(ep->status[201], 10);
    metrics_results_free(r);
}

/* Too few file descriptors: a clear LOADER_ELIMIT, before anything runs.
 * In a child, since the hard limit cannot be raised again. */
static void test_fd_limit(void **state)
{
    const struct scen_spec sc[] = {{"fast", 1, fast_steps, 1}};
    struct loader_plan *p = make_profile(srv.target, sc, 1);
    pid_t pid;
    int status = 0;

    (void)state;
    p->load.users = 500;
    p->load.duration_s = 1;
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct rlimit rl = {256, 256};
        struct metrics_results *r = NULL;
        char err[256] = "";
        int rc;

        if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
            _exit(10);
        rc = loader_run(p, NULL, &r, err, sizeof(err));
        if (rc != LOADER_ELIMIT || r)
            _exit(11);
        if (!strstr(err, "500 users need about 564 file descriptors; the "
                         "limit is 256 (raise it with ulimit -n)"))
            _exit(12);
        _exit(0);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    free_profile(p);
}

static void test_invalid_profiles(void **state)
{
    const struct scen_spec sc[] = {{"fast", 1, fast_steps, 1}};
    struct loader_plan *p = make_profile(srv.target, sc, 1);
    struct metrics_results *r = NULL;
    char err[256];

    (void)state;
    p->load.users = 0;
    p->load.duration_s = 1;
    assert_int_equal(loader_run(p, NULL, &r, err, sizeof(err)), LOADER_EINVAL);
    assert_null(r);
    assert_non_null(strstr(err, "users"));
    p->load.users = 1;
    p->load.duration_s = 0;
    assert_int_equal(loader_run(p, NULL, &r, err, sizeof(err)), LOADER_EINVAL);
    assert_non_null(strstr(err, "duration"));
    assert_int_equal(loader_run(NULL, NULL, &r, err, sizeof(err)),
                     LOADER_EINVAL);
    free_profile(p);
}

/* Open model: 200/s for 1 s reaches its rate; with one slot and a 10 ms
 * endpoint, 400/s cannot, and the shortfall shows. */
static void test_open_model(void **state)
{
    const struct scen_spec sc[] = {{"fast", 1, fast_steps, 1}};
    struct loader_plan *p = make_profile(srv.target, sc, 1);
    struct metrics_results *r = NULL;
    const struct metrics_endpoint *ep;

    (void)state;
    p->load.model = LOADER_MODEL_OPEN;
    p->load.rate = 200;
    p->load.duration_s = 1.0;
    p->load.max_in_flight = 50;
    run_ok(p, NULL, &r);
    assert_string_equal(r->meta.model, "open");
    assert_true(fabs(r->meta.target_rps - 200) < 1e-9);
    print_message("achieved %.2f/s of 200/s\n", r->meta.achieved_rps);
    if (r->meta.achieved_rps < 196 || r->meta.achieved_rps > 204)
        fail_msg("achieved %.1f/s of 200/s (more than 2 %% off)",
                 r->meta.achieved_rps);
    ep = find_ep(r, "GET /fast");
    assert_int_equal(ep->errors, 0);
    assert_true(p_ms(ep, 50) >= 10.0);
    metrics_results_free(r);

    p->load.rate = 400;
    p->load.max_in_flight = 1;
    run_ok(p, NULL, &r);
    assert_true(fabs(r->meta.target_rps - 400) < 1e-9);
    if (r->meta.achieved_rps > 120)
        fail_msg("one slot of 10 ms achieved %.1f/s", r->meta.achieved_rps);
    metrics_results_free(r);

    /* stages without a duration: 0 -> 200/s over 0.5 s, then 200/s for
     * 0.5 s: 150 arrivals in 1 s */
    p->load.rate = 0;
    p->load.duration_s = 0;
    p->load.max_in_flight = 50;
    p->load.n_stages = 2;
    p->load.stages = xcalloc(2, sizeof(*p->load.stages));
    p->load.stages[0].duration_s = 0.5;
    p->load.stages[0].rate = 200;
    p->load.stages[1].duration_s = 0.5;
    p->load.stages[1].rate = 200;
    run_ok(p, NULL, &r);
    assert_true(fabs(r->duration_s - 1.0) < 0.05);
    assert_true(fabs(r->meta.target_rps - 150) < 2);
    ep = find_ep(r, "GET /fast");
    assert_true(ep->requests >= 145 && ep->requests <= 151);
    assert_int_equal(ep->errors, 0);
    metrics_results_free(r);
    free_profile(p);
}

/* Runs p with /stall pausing from 1 s to 2 s after the start. */
static const struct metrics_endpoint *
run_with_pause(const struct loader_plan *p, struct metrics_results **r)
{
    uint64_t t0 = mono_ns();

    atomic_store(&stall_from, t0 + 1000000000u);
    atomic_store(&stall_to, t0 + 2000000000u);
    run_ok(p, NULL, r);
    return find_ep(*r, "GET /stall");
}

/* Coordinated omission: the service pauses for 1 s in the middle of a 3 s
 * run.  The open model keeps sending on schedule and times from the
 * scheduled send, so its p99 shows the pause; the closed model's few users
 * simply wait (one stalled request each, among thousands), so its p99
 * does not, although its maximum saw the same pause. */
static void test_coordinated_omission(void **state)
{
    const struct step_spec steps[] = {{.method = "GET", .path = "/stall"}};
    const struct scen_spec sc[] = {{"stall", 1, steps, 1}};
    struct loader_plan *p = make_profile(srv.target, sc, 1);
    struct metrics_results *r = NULL;
    const struct metrics_endpoint *ep;
    double open_p99, open_p50, closed_p99, closed_max;

    (void)state;
    p->load.duration_s = 3.0;
    /* open: 100 arrivals a second, enough slots for the pause */
    p->load.model = LOADER_MODEL_OPEN;
    p->load.rate = 100;
    p->load.max_in_flight = 400;
    ep = run_with_pause(p, &r);
    open_p50 = p_ms(ep, 50);
    open_p99 = p_ms(ep, 99);
    assert_int_equal(ep->errors, 0);
    metrics_results_free(r);

    /* closed: 4 users, 5 ms between requests */
    p->load.model = LOADER_MODEL_CLOSED;
    p->load.rate = 0;
    p->load.max_in_flight = 0;
    p->load.users = 4;
    p->load.think_min_s = p->load.think_max_s = 0.005;
    ep = run_with_pause(p, &r);
    closed_p99 = p_ms(ep, 99);
    closed_max = (double)metrics_hist_max(ep->hist) / 1000.0;
    print_message("open p50 %.1f ms p99 %.1f ms; closed p99 %.1f ms, max "
                  "%.1f ms over %" PRIu64 " requests\n",
                  open_p50, open_p99, closed_p99, closed_max, ep->requests);
    assert_int_equal(ep->errors, 0);
    assert_true(open_p50 < 100);    /* most requests did not meet it */
    assert_true(open_p99 >= 800);   /* a third of a second's arrivals waited */
    assert_true(closed_max >= 800); /* the closed users met it too ... */
    assert_true(closed_p99 < 200);  /* ... but its p99 hides it */
    metrics_results_free(r);
    free_profile(p);
}

/* 1000 concurrent users against a poll() server, for one second. */
static void test_thousand_users(void **state)
{
    const struct step_spec steps[] = {{.method = "GET", .path = "/health"}};
    const struct scen_spec sc[] = {{"health", 1, steps, 1}};
    struct loader_plan *p;
    struct metrics_results *r = NULL;
    const struct metrics_endpoint *ep;
    struct rlimit rl;

    (void)state;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_max < 2400) {
        skip();
        return;
    }
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    /* poll(), not epoll: libmicrohttpd 0.9.75's epoll mode, sharing two
     * busy cores with the 1000 users, at times left a quarter to a half
     * of them unanswered for seconds (their requests sent, nothing back
     * until loadgate's 5 s timeout closed connections): 6 runs in 60
     * under a parallel ctest, against 0 in 60 with poll(). */
    if (!fast_srv.d)
        assert_int_equal(start_server(&fast_srv, MHD_USE_POLL_INTERNAL_THREAD),
                         0);
    p = make_profile(fast_srv.target, sc, 1);
    p->load.users = 1000;
    p->load.duration_s = 1.0;
    run_ok(p, NULL, &r);
    ep = find_ep(r, "GET /health");
    for (int k = 0; k < METRICS_ERR__COUNT; k++)
        if (ep->err_class[k])
            print_message("%s: %" PRIu64 "\n", metrics_errclass_name(k),
                          ep->err_class[k]);
    assert_int_equal(ep->errors, 0);
    assert_true(ep->requests >= 1000);
    metrics_results_free(r);
    free_profile(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mixed_run),
        cmocka_unit_test(test_connection_refused),
        cmocka_unit_test(test_requests_limit),
        cmocka_unit_test(test_stop_flag),
        cmocka_unit_test(test_timeout),
        cmocka_unit_test(test_capture_missing),
        cmocka_unit_test(test_fd_limit),
        cmocka_unit_test(test_invalid_profiles),
        cmocka_unit_test(test_open_model),
        cmocka_unit_test(test_coordinated_omission),
        cmocka_unit_test(test_thousand_users),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
