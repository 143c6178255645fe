/* The fast transport end to end against a raw-socket HTTP/1.1 server in
 * this process (127.0.0.1 only), so that the bytes on the wire are exactly
 * the ones a case needs: chunked bodies, Connection: close, HEAD, 204,
 * bytes beyond a response, responses dribbled byte by byte, bodies ending
 * with the connection.  Every run is bounded by a request count. */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
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

#include "lgtest.h"
#include "loader.h"
#include "loader_engine_internal.h"
#include "metrics.h"

/* ---- the server ---------------------------------------------------------- */

static int listen_fd = -1;
static unsigned short port;
static char target[64];
static atomic_uint accepted;  /* connections */
static atomic_uint requests;  /* requests read */
static atomic_uint bad_posts; /* POST bodies not as announced */
static atomic_int stopping;
#define MAX_VU 64
static atomic_uint vu_seen[MAX_VU + 1]; /* /vu/N requests, by N */
/* how long each /delay20 took the server, from request to response */
#define MAX_SERVED 4096
static uint64_t served_ns[MAX_SERVED];
static atomic_uint n_served;

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return (x > y) - (x < y);
}

/* The median of the server's own /delay20 times, in ms. */
static double served_median_ms(void)
{
    unsigned n = atomic_load(&n_served);
    uint64_t *v;
    double m;

    if (n > MAX_SERVED)
        n = MAX_SERVED;
    assert_true(n > 0);
    v = malloc(n * sizeof(*v));
    assert_non_null(v);
    memcpy(v, served_ns, n * sizeof(*v));
    qsort(v, n, sizeof(*v), cmp_u64);
    m = (double)v[n / 2] / 1e6;
    free(v);
    return m;
}

static void sleep_us(long us)
{
    struct timespec ts = {us / 1000000, (us % 1000000) * 1000L};

    while (nanosleep(&ts, &ts) != 0)
        ;
}

static void put(int fd, const char *s)
{
    size_t n = strlen(s);

    while (n > 0) {
        ssize_t w = send(fd, s, n, MSG_NOSIGNAL);

        if (w <= 0)
            return;
        s += w;
        n -= (size_t)w;
    }
}

/* Content-Length's value in a request head, 0 without one. */
static long content_length(const char *head)
{
    for (const char *l = strstr(head, "\r\n"); l; l = strstr(l + 2, "\r\n"))
        if (strncasecmp(l + 2, "Content-Length:", 15) == 0)
            return strtol(l + 17, NULL, 10);
    return 0;
}

/* One request: head into buf (NUL-terminated), body checked against
 * Content-Length.  false at EOF. */
static bool read_request(int fd, char *buf, size_t cap)
{
    size_t len = 0;
    long body;

    for (;;) {
        ssize_t n;

        buf[len] = '\0';
        if (strstr(buf, "\r\n\r\n"))
            break;
        if (len + 1 >= cap)
            return false;
        n = recv(fd, buf + len, 1, 0); /* byte by byte: no over-read */
        if (n <= 0)
            return false;
        len += (size_t)n;
    }
    body = content_length(buf);
    if (body > 0) {
        char b[256];
        long got = 0;

        while (got < body) {
            ssize_t n = recv(fd, b, sizeof(b), 0);

            if (n <= 0)
                return false;
            got += n;
        }
        if (got != body || body != 13 || strncmp(b, "{\"a\":\"hello\"}", 13))
            atomic_fetch_add(&bad_posts, 1);
    }
    atomic_fetch_add(&requests, 1);
    return true;
}

static void *serve_conn(void *arg)
{
    int fd = (int)(intptr_t)arg;
    char buf[4096];

    while (!atomic_load(&stopping) && read_request(fd, buf, sizeof(buf))) {
        const char *path = strchr(buf, ' ');

        path = path ? path + 1 : "";
        if (strncmp(path, "/cl ", 4) == 0) {
            put(fd, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello");
        } else if (strncmp(path, "/chunked ", 9) == 0) {
            put(fd,
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                "5\r\nhello\r\n3;ext=1\r\nabc\r\n0\r\nX-Trailer: 1\r\n\r\n");
        } else if (strncmp(path, "/close ", 7) == 0) {
            put(fd, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
                    "Connection: close\r\n\r\nok");
            break;
        } else if (strncmp(path, "/head ", 6) == 0) {
            /* HEAD: the length of a body that is not sent */
            put(fd, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n");
        } else if (strncmp(path, "/204 ", 5) == 0) {
            put(fd, "HTTP/1.1 204 No Content\r\n\r\n");
        } else if (strncmp(path, "/garbage ", 9) == 0) {
            put(fd, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokJUNK!");
        } else if (strncmp(path, "/tiny ", 6) == 0) {
            const char *r =
                "HTTP/1.1 201 Created\r\nContent-Type: text/plain\r\n"
                "Transfer-Encoding: chunked\r\n\r\n"
                "4\r\nabcd\r\n0\r\n\r\n";

            for (; *r; r++) {
                send(fd, r, 1, MSG_NOSIGNAL);
                sleep_us(200);
            }
        } else if (strncmp(path, "/eof ", 5) == 0) {
            put(fd, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n"
                    "until the end");
            break;
        } else if (strncmp(path, "/json ", 6) == 0) {
            put(fd, "HTTP/1.1 200 OK\r\nContent-Length: 15\r\n\r\n"
                    "{\"id\":\"a4242\"}\n");
        } else if (strncmp(path, "/delay20 ", 9) == 0) {
            uint64_t t0 = mono_ns();

            sleep_us(20000);
            put(fd, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
            served_ns[atomic_fetch_add(&n_served, 1) % MAX_SERVED] =
                mono_ns() - t0;
        } else if (strncmp(path, "/vu/", 4) == 0) {
            unsigned long n = strtoul(path + 4, NULL, 10);

            atomic_fetch_add(&vu_seen[n <= MAX_VU ? n : 0], 1);
            put(fd, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        } else if (strncmp(path, "/post ", 6) == 0) {
            put(fd, "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n");
        } else if (strncmp(path, "/slow ", 6) == 0) {
            /* never answers; the client gives up */
            char c;

            while (!atomic_load(&stopping) && recv(fd, &c, 1, 0) > 0)
                ;
            break;
        } else {
            put(fd, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
        }
    }
    close(fd);
    return NULL;
}

static void *accept_loop(void *arg)
{
    (void)arg;
    for (;;) {
        int fd = accept(listen_fd, NULL, NULL);
        pthread_t t;
        int one = 1;

        if (fd < 0) {
            if (atomic_load(&stopping))
                return NULL;
            continue;
        }
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        atomic_fetch_add(&accepted, 1);
        if (pthread_create(&t, NULL, serve_conn, (void *)(intptr_t)fd) != 0)
            close(fd);
        else
            pthread_detach(t);
    }
}

static pthread_t acceptor;

static int setup(void **state)
{
    struct sockaddr_in a;
    socklen_t alen = sizeof(a);
    int one = 1;

    (void)state;
    listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    if (listen_fd < 0)
        return -1;
    setsockopt(listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(listen_fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
        listen(listen_fd, 128) != 0 ||
        getsockname(listen_fd, (struct sockaddr *)&a, &alen) != 0)
        return -1;
    port = ntohs(a.sin_port);
    snprintf(target, sizeof(target), "http://127.0.0.1:%u", port);
    return pthread_create(&acceptor, NULL, accept_loop, NULL) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    atomic_store(&stopping, 1);
    shutdown(listen_fd, SHUT_RDWR);
    close(listen_fd);
    pthread_join(acceptor, NULL);
    sleep_us(50000); /* connection threads notice and leave */
    return 0;
}

static void reset(void)
{
    atomic_store(&accepted, 0);
    atomic_store(&requests, 0);
    atomic_store(&bad_posts, 0);
    atomic_store(&n_served, 0);
    for (unsigned i = 0; i <= MAX_VU; i++)
        atomic_store(&vu_seen[i], 0);
}

/* ---- profiles ------------------------------------------------------------ */

/* One scenario of one step. */
static struct loader_plan *one_step(const char *tgt, const char *engine,
                                    const char *method, const char *path,
                                    unsigned users, uint64_t n)
{
    struct loader_plan *p = xcalloc(1, sizeof(*p));
    struct loader_step *st;

    p->name = xs("fasttest");
    p->target = xs(tgt);
    p->timeout_s = 5;
    if (engine)
        assert_int_equal(loader_engine_parse(engine, &p->engine), 0);
    strcpy(p->sha256, "0123456789abcdef0123456789abcdef"
                      "0123456789abcdef0123456789abcdef");
    p->n_scenarios = 1;
    p->scenarios = xcalloc(1, sizeof(*p->scenarios));
    p->scenarios[0].name = xs("s");
    p->scenarios[0].weight = 1;
    p->scenarios[0].n_steps = 1;
    st = p->scenarios[0].steps = xcalloc(1, sizeof(*st));
    st->method = xs(method);
    st->path = xs(path);
    p->load.users = users;
    p->load.requests = n;
    return p;
}

static void free_profile(struct loader_plan *p)
{
    struct loader_step *st = p->scenarios[0].steps;

    free(st->method);
    free(st->path);
    free(st->body);
    for (size_t c = 0; c < st->n_captures; c++) {
        free(st->captures[c].var);
        free(st->captures[c].pointer);
    }
    free(st->captures);
    free(st);
    free(p->scenarios[0].name);
    free(p->scenarios);
    free(p->name);
    free(p->target);
    free(p);
}

static struct metrics_results *run(const struct loader_plan *p,
                                   unsigned threads)
{
    struct loader_run_opts o;
    struct metrics_results *r = NULL;
    char err[256] = "";
    int rc;

    memset(&o, 0, sizeof(o));
    o.threads = threads;
    rc = loader_run(p, &o, &r, err, sizeof(err));
    if (rc != 0)
        fail_msg("loader_run: %d (%s)", rc, err);
    assert_non_null(r);
    return r;
}

static const struct metrics_endpoint *only_ep(const struct metrics_results *r)
{
    assert_int_equal(r->n_endpoints, 1);
    return r->endpoints[0];
}

/* ---- cases ------------------------------------------------------------- */

struct wire_case {
    const char *method, *path;
    unsigned users;
    uint64_t n;
    int status;      /* of every response */
    uint64_t errors; /* requests failed */
    enum metrics_errclass err;
    unsigned min_conns, max_conns; /* connections the server accepted */
};

/* Response framing through the real transport: every case checks the
 * counts, the status, the class of failures and how many connections it
 * took (keep-alive, or one per request when the server closes). */
static void test_wire(void **state)
{
    static const struct wire_case cases[] = {
        {"GET", "/cl", 2, 40, 200, 0, METRICS_ERR_NONE, 2, 2},
        {"GET", "/chunked", 2, 40, 200, 0, METRICS_ERR_NONE, 2, 2},
        {"GET", "/close", 1, 10, 200, 0, METRICS_ERR_NONE, 10, 10},
        {"HEAD", "/head", 1, 10, 200, 0, METRICS_ERR_NONE, 1, 1},
        {"GET", "/204", 1, 10, 204, 0, METRICS_ERR_NONE, 1, 1},
        {"GET", "/tiny", 1, 3, 201, 0, METRICS_ERR_NONE, 1, 1},
        {"GET", "/eof", 1, 5, 200, 0, METRICS_ERR_NONE, 5, 5},
        /* bytes after the response: counted, and a new connection */
        {"GET", "/garbage", 1, 6, 0, 6, METRICS_ERR_OTHER, 6, 6},
        {"GET", "/nothing", 1, 4, 404, 4, METRICS_ERR_STATUS, 1, 1},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        const struct wire_case *c = &cases[i];
        struct loader_plan *p =
            one_step(target, "fast", c->method, c->path, c->users, c->n);
        struct metrics_results *r;
        const struct metrics_endpoint *ep;
        unsigned conns;

        reset();
        r = run(p, 1);
        ep = only_ep(r);
        conns = atomic_load(&accepted);
        if (ep->requests != c->n || ep->errors != c->errors ||
            (c->errors && ep->err_class[c->err] != c->errors) ||
            (c->status &&
             ep->status[c->status] !=
                 (c->err == METRICS_ERR_STATUS ? c->n : c->n - c->errors)) ||
            conns < c->min_conns || conns > c->max_conns)
            fail_msg("case %zu %s %s: %" PRIu64 " requests, %" PRIu64
                     " errors (class %d: %" PRIu64 "), status %d x %" PRIu64
                     ", %u connections",
                     i, c->method, c->path, ep->requests, ep->errors,
                     (int)c->err, c->errors ? ep->err_class[c->err] : 0,
                     c->status, c->status ? ep->status[c->status] : 0, conns);
        /* every successful request has a time to first byte; a
         * connection time only the ones that opened a connection */
        if (c->errors == 0) {
            assert_non_null(ep->ttfb_hist);
            assert_int_equal(metrics_hist_count(ep->ttfb_hist), c->n);
            assert_non_null(ep->connect_hist);
            assert_true(metrics_hist_count(ep->connect_hist) >= c->min_conns &&
                        metrics_hist_count(ep->connect_hist) <= c->max_conns);
            assert_null(ep->tls_hist);
        }
        metrics_results_free(r);
        free_profile(p);
    }
}

/* The timing breakdown survives the results JSON and a merge. */
static void test_timing_json(void **state)
{
    struct loader_plan *p = one_step(target, "fast", "GET", "/close", 1, 4);
    struct metrics_results *r, *back = NULL;
    const struct metrics_endpoint *ep, *bep;
    char *text = NULL, err[256] = "";

    (void)state;
    r = run(p, 1);
    ep = only_ep(r);
    assert_int_equal(metrics_hist_count(ep->connect_hist), 4);
    assert_int_equal(metrics_hist_count(ep->ttfb_hist), 4);
    assert_int_equal(metrics_results_dump(r, &text), 0);
    assert_non_null(strstr(text, "\"connect_p50_ms\""));
    assert_non_null(strstr(text, "\"ttfb_histogram\""));
    assert_null(strstr(text, "\"tls_p50_ms\"")); /* not measured */
    if (metrics_results_parse(text, strlen(text), &back, err, sizeof(err)))
        fail_msg("parse: %s", err);
    bep = only_ep(back);
    assert_int_equal(metrics_hist_count(bep->connect_hist), 4);
    assert_int_equal(metrics_hist_percentile(bep->ttfb_hist, 50),
                     metrics_hist_percentile(ep->ttfb_hist, 50));
    assert_null(bep->tls_hist);
    assert_int_equal(metrics_results_merge(back, r), 0);
    assert_int_equal(metrics_hist_count(bep->connect_hist), 8);
    assert_int_equal(metrics_hist_count(bep->ttfb_hist), 8);
    free(text);
    metrics_results_free(back);
    metrics_results_free(r);
    free_profile(p);
}

/* A body goes out with its length; captures see the response body. */
static void test_body_and_capture(void **state)
{
    struct loader_plan *p = one_step(target, "fast", "POST", "/post", 2, 10);
    struct loader_step *st = p->scenarios[0].steps;
    struct metrics_results *r;
    const struct metrics_endpoint *ep;

    (void)state;
    reset();
    st->body = xs("{\"a\":\"hello\"}");
    st->body_is_json = true;
    r = run(p, 1);
    ep = only_ep(r);
    assert_int_equal(ep->requests, 10);
    assert_int_equal(ep->status[201], 10);
    assert_int_equal(atomic_load(&bad_posts), 0);
    metrics_results_free(r);
    free_profile(p);

    p = one_step(target, "fast", "GET", "/json", 1, 3);
    st = p->scenarios[0].steps;
    st->n_captures = 1;
    st->captures = xcalloc(1, sizeof(*st->captures));
    st->captures[0].var = xs("id");
    st->captures[0].pointer = xs("/id");
    r = run(p, 1);
    ep = only_ep(r);
    assert_int_equal(ep->requests, 3);
    assert_int_equal(ep->errors, 0);
    st->captures[0].pointer[1] = 'x'; /* "/xd" resolves nothing */
    metrics_results_free(r);
    r = run(p, 1);
    ep = only_ep(r);
    assert_int_equal(ep->err_class[METRICS_ERR_EXPECT], 3);
    metrics_results_free(r);
    free_profile(p);
}

/* No answer within the step's timeout: class timeout, with its latency,
 * through both transports; the curl transport keeps the deadlines itself
 * (no CURLOPT_TIMEOUT_MS), so also with more than one multi handle. */
static void test_timeout(void **state)
{
    static const struct {
        const char *engine;
        unsigned users;
        uint64_t n;
    } runs[] = {{"fast", 2, 4}, {"curl", 2, 4}, {"curl", 150, 300}};

    (void)state;
    for (size_t i = 0; i < sizeof(runs) / sizeof(runs[0]); i++) {
        struct loader_plan *p = one_step(target, runs[i].engine, "GET", "/slow",
                                         runs[i].users, runs[i].n);
        struct metrics_results *r;
        const struct metrics_endpoint *ep;

        p->scenarios[0].steps[0].timeout_s = 0.2;
        r = run(p, 1);
        ep = only_ep(r);
        print_message("%s, %u users: %" PRIu64 " timeouts in %.0f-%.0f ms\n",
                      runs[i].engine, runs[i].users,
                      ep->err_class[METRICS_ERR_TIMEOUT],
                      (double)metrics_hist_min(ep->hist) / 1000.0,
                      (double)metrics_hist_max(ep->hist) / 1000.0);
        assert_int_equal(ep->requests, runs[i].n);
        assert_int_equal(ep->err_class[METRICS_ERR_TIMEOUT], runs[i].n);
        assert_int_equal(metrics_hist_count(ep->hist), runs[i].n);
        assert_true(metrics_hist_min(ep->hist) >= 195000);
        assert_true(metrics_hist_max(ep->hist) < 600000);
        metrics_results_free(r);
        free_profile(p);
    }
}

/* A loopback URL where nothing listens: a port that was just free,
 * bound and closed without listening. */
static void dead_target(char *buf, size_t len)
{
    struct sockaddr_in a;

    close(loopback_bound(&a));
    snprintf(buf, len, "http://127.0.0.1:%u", ntohs(a.sin_port));
}

/* Nothing listens: class connect, on both transports. */
static void test_refused(void **state)
{
    static const char *const engines[] = {"fast", "curl"};
    char dead[64];

    (void)state;
    dead_target(dead, sizeof(dead));
    for (size_t i = 0; i < 2; i++) {
        struct loader_plan *p = one_step(dead, engines[i], "GET", "/", 2, 6);
        struct metrics_results *r = run(p, 1);
        const struct metrics_endpoint *ep = only_ep(r);

        assert_int_equal(ep->requests, 6);
        assert_int_equal(ep->err_class[METRICS_ERR_CONNECT], 6);
        assert_int_equal(metrics_hist_count(ep->hist), 0);
        metrics_results_free(r);
        free_profile(p);
    }
}

/* The curl transport reads the proxy variables once, when it starts,
 * instead of libcurl on every transfer: http_proxy must still be used,
 * and no_proxy or NO_PROXY must still exempt a host.  The test server
 * stands in for the proxy (a request through it carries an absolute URI,
 * which it answers 404); the target itself does not listen. */
static void test_env_proxy(void **state)
{
    static const struct {
        const char *proxy, *var, *val;
        bool via_proxy;
    } cases[] = {
        {"server", NULL, NULL, true},
        {"server", "no_proxy", "127.0.0.1", false},
        {"server", "NO_PROXY", "localhost,127.0.0.1", false},
        {"server", "no_proxy", "example.test", true},
        {NULL, "no_proxy", "127.0.0.1", false},
        {NULL, NULL, NULL, false},
    };
    char dead[64];

    (void)state;
    dead_target(dead, sizeof(dead));
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct loader_plan *p = one_step(dead, "curl", "GET", "/", 1, 3);
        struct metrics_results *r;
        const struct metrics_endpoint *ep;

        if (cases[i].proxy)
            setenv("http_proxy", target, 1);
        if (cases[i].var)
            setenv(cases[i].var, cases[i].val, 1);
        r = run(p, 1);
        unsetenv("http_proxy");
        if (cases[i].var)
            unsetenv(cases[i].var);
        ep = only_ep(r);
        assert_int_equal(ep->requests, 3);
        if (cases[i].via_proxy) {
            assert_int_equal(ep->status[404], 3);
        } else {
            assert_int_equal(ep->err_class[METRICS_ERR_CONNECT], 3);
        }
        metrics_results_free(r);
        free_profile(p);
    }
}

/* The same 20 ms endpoint through both transports: the same counts, p50
 * within 10 %; and through two threads. */
static void test_transports_agree(void **state)
{
    struct {
        const char *engine;
        unsigned threads;
    } runs[] = {{"fast", 1}, {"curl", 1}, {"fast", 2}};
    double p50[3];

    (void)state;
    for (size_t i = 0; i < 3; i++) {
        struct loader_plan *p =
            one_step(target, runs[i].engine, "GET", "/delay20", 4, 80);
        struct metrics_results *r;
        const struct metrics_endpoint *ep;

        reset();
        r = run(p, runs[i].threads);
        ep = only_ep(r);
        assert_int_equal(ep->requests, 80);
        assert_int_equal(ep->errors, 0);
        assert_int_equal(ep->status[200], 80);
        assert_int_equal(r->concurrent_users, 4);
        assert_int_equal(atomic_load(&accepted), 4); /* keep-alive */
        p50[i] = (double)metrics_hist_percentile(ep->hist, 50) / 1000.0;
        {
            /* what loadgate adds to the server's own time: loopback, its
             * loop and the histogram's resolution (0.125 ms at 20 ms) */
            double served = served_median_ms();

            print_message("%s x%u: p50 %.3f ms, served in %.3f ms\n",
                          runs[i].engine, runs[i].threads, p50[i], served);
            /* the default transport on one loop: within ±0.5 ms; the
             * others agree with it within 10 % (below) */
            if (i == 0 && (p50[i] < served - 0.5 || p50[i] > served + 0.5))
                fail_msg("p50 %.3f ms, the server took %.3f ms", p50[i],
                         served);
        }
        assert_true(p50[i] >= 20.0);
        if (strcmp(runs[i].engine, "curl") == 0) {
            /* libcurl's timings: connect on new connections only */
            assert_non_null(ep->ttfb_hist);
            assert_int_equal(metrics_hist_count(ep->ttfb_hist), 80);
            assert_int_equal(metrics_hist_count(ep->connect_hist), 4);
        }
        metrics_results_free(r);
        free_profile(p);
    }
    for (size_t i = 1; i < 3; i++)
        if (p50[i] < p50[0] * 0.9 || p50[i] > p50[0] * 1.1)
            fail_msg("p50 %.2f ms (%s, %u threads) vs %.2f ms (fast)", p50[i],
                     runs[i].engine, runs[i].threads, p50[0]);
}

/* The curl transport over several multi handles (100 users each): 250
 * users keep one connection each, no request lost or doubled. */
static void test_curl_many_multis(void **state)
{
    struct loader_plan *p =
        one_step(target, "curl", "GET", "/delay20", 250, 1000);
    struct metrics_results *r;
    const struct metrics_endpoint *ep;

    (void)state;
    reset();
    r = run(p, 1);
    ep = only_ep(r);
    print_message("%" PRIu64 " requests, %u connections\n", ep->requests,
                  atomic_load(&accepted));
    assert_int_equal(ep->requests, 1000);
    assert_int_equal(ep->errors, 0);
    assert_int_equal(ep->status[200], 1000);
    assert_int_equal(atomic_load(&requests), 1000);
    assert_int_equal(atomic_load(&accepted), 250);
    metrics_results_free(r);
    free_profile(p);
}

struct seen {
    unsigned calls, max_users;
    uint64_t max_requests;
};

static void on_progress(const struct loader_progress *pr, void *ud)
{
    struct seen *s = ud;

    s->calls++;
    if (pr->users > s->max_users)
        s->max_users = pr->users;
    if (pr->requests > s->max_requests)
        s->max_requests = pr->requests;
}

/* With --threads, one progress line counts every loop's users and
 * requests (it once showed the first loop's share only). */
static void test_threads_progress(void **state)
{
    struct loader_plan *p = one_step(target, "fast", "GET", "/delay20", 4, 200);
    struct loader_run_opts o;
    struct metrics_results *r = NULL;
    struct seen s = {0};
    char err[256] = "";

    (void)state;
    reset();
    memset(&o, 0, sizeof(o));
    o.threads = 2;
    o.progress = on_progress;
    o.progress_ud = &s;
    o.progress_interval_s = 0.05;
    assert_int_equal(loader_run(p, &o, &r, err, sizeof(err)), 0);
    print_message("%u reports, up to %u users and %llu requests\n", s.calls,
                  s.max_users, (unsigned long long)s.max_requests);
    assert_int_equal(only_ep(r)->requests, 200);
    assert_true(s.calls >= 5);
    assert_int_equal(s.max_users, 4);  /* one loop alone has 2 */
    assert_true(s.max_requests > 120); /* one loop alone did 100 */
    assert_true(s.max_requests <= 200);
    metrics_results_free(r);
    free_profile(p);
}

/* --threads splits spawn_rate as it splits the users: 40 users at 20/s
 * start about 20 in the first second however many loops start them.  Each
 * loop once started its share at the whole rate (two loops: all 40). */
static void test_threads_spawn_rate(void **state)
{
    struct loader_plan *p = one_step(target, "fast", "GET", "/cl", 40, 0);
    struct metrics_results *r;
    unsigned conns;

    (void)state;
    p->load.duration_s = 1.0;
    p->load.spawn_rate = 20;
    p->load.think_min_s = p->load.think_max_s = 0.05;
    reset();
    r = run(p, 2);
    conns = atomic_load(&accepted); /* one per user that started */
    print_message("%u users started in 1 s at 20/s over 2 loops\n", conns);
    assert_true(conns >= 10);
    assert_true(conns <= 21);
    assert_int_equal(r->concurrent_users, 40);
    metrics_results_free(r);
    free_profile(p);
}

/* ${vu} numbers the users across the loops of --threads (each loop once
 * numbered its own from 1: two users were "1", and a data: row in
 * sequence order went to both). */
static void test_threads_number_users(void **state)
{
    struct loader_plan *p = one_step(target, "fast", "GET", "/vu/${vu}", 8, 64);
    struct metrics_results *r;

    (void)state;
    reset();
    r = run(p, 2);
    assert_int_equal(only_ep(r)->requests, 64);
    assert_int_equal(atomic_load(&vu_seen[0]), 0); /* none beyond 8 */
    for (unsigned n = 1; n <= 8; n++) {
        print_message("user %u: %u requests\n", n, atomic_load(&vu_seen[n]));
        assert_true(atomic_load(&vu_seen[n]) > 0);
    }
    for (unsigned n = 9; n <= MAX_VU; n++)
        assert_int_equal(atomic_load(&vu_seen[n]), 0);
    metrics_results_free(r);
    free_profile(p);
}

/* Automatic choice: fast for http(s), curl for credentials in the URL or a
 * proxy from the environment; engine: wins. */
static void test_pick(void **state)
{
    static const struct {
        const char *target, *engine, *proxy, *want;
    } cases[] = {
        {"http://127.0.0.1:1", NULL, NULL, "fast"},
        {"https://example.test", NULL, NULL, "fast"},
        {"http://u:p@127.0.0.1:1", NULL, NULL, "curl"},
        {"http://127.0.0.1:1", NULL, "http://127.0.0.1:3128", "curl"},
        {"http://127.0.0.1:1", "fast", "http://127.0.0.1:3128", "fast"},
        {"http://127.0.0.1:1", "curl", NULL, "curl"},
        {"ftp://127.0.0.1", NULL, NULL, "curl"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        struct loader_plan *p =
            one_step(cases[i].target, cases[i].engine, "GET", "/", 1, 1);
        const char *got;

        if (cases[i].proxy)
            setenv("http_proxy", cases[i].proxy, 1);
        got = loader__pick_transport(p)->name;
        unsetenv("http_proxy");
        if (strcmp(got, cases[i].want) != 0)
            fail_msg("case %zu: %s, want %s", i, got, cases[i].want);
        free_profile(p);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pick),
        cmocka_unit_test(test_wire),
        cmocka_unit_test(test_body_and_capture),
        cmocka_unit_test(test_timing_json),
        cmocka_unit_test(test_timeout),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_env_proxy),
        cmocka_unit_test(test_transports_agree),
        cmocka_unit_test(test_threads_progress),
        cmocka_unit_test(test_threads_spawn_rate),
        cmocka_unit_test(test_threads_number_users),
        cmocka_unit_test(test_curl_many_multis),
    };

    unsetenv("http_proxy");
    unsetenv("https_proxy");
    unsetenv("HTTPS_PROXY");
    unsetenv("all_proxy");
    unsetenv("ALL_PROXY");
    return cmocka_run_group_tests(tests, setup, teardown);
}
