/* The HTTP/2 path's logic that needs no socket (loader_h2_req.c) and the
 * choice of transport under http: (loader_h2.c): the target's origin, a
 * request as header fields, users per connection, what becomes of a
 * stream that ended without its response. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "loader.h"
#include "loader_h2_internal.h"
#include "loader_tls_internal.h"
#include "profile.h"
#include "lgtest.h"

static void test_origin(void **state)
{
    struct loader__origin o;

    (void)state;
    assert_true(loader__origin_parse("https://example.com/a/b?c", &o));
    assert_true(o.tls);
    assert_string_equal(o.origin, "https://example.com");
    assert_string_equal(o.authority, "example.com");
    assert_string_equal(o.host, "example.com");
    assert_string_equal(o.connect_url, "http://example.com:443/");

    assert_true(loader__origin_parse("http://127.0.0.1:8080", &o));
    assert_false(o.tls);
    assert_string_equal(o.authority, "127.0.0.1:8080");
    assert_string_equal(o.host, "127.0.0.1");
    assert_string_equal(o.connect_url, "http://127.0.0.1:8080/");

    assert_true(loader__origin_parse("https://[::1]:8443/x", &o));
    assert_string_equal(o.host, "::1");
    assert_string_equal(o.authority, "[::1]:8443");
    assert_string_equal(o.connect_url, "http://[::1]:8443/");
    assert_true(loader__origin_parse("http://[::1]", &o));
    assert_string_equal(o.connect_url, "http://[::1]:80/");

    assert_false(loader__origin_parse("ftp://h/", &o));
    assert_false(loader__origin_parse("http:///x", &o));
    assert_false(loader__origin_parse("http://u:p@h/", &o)); /* credentials */
    assert_false(loader__origin_parse("http://[::1/", &o));

    assert_true(loader__origin_parse("http://h:1", &o));
    assert_true(loader__origin_same(&o, "http://h:1"));
    assert_true(loader__origin_same(&o, "http://h:1/x"));
    assert_true(loader__origin_same(&o, "http://h:1?q"));
    assert_false(loader__origin_same(&o, "http://h:10/x"));
    assert_false(loader__origin_same(&o, "https://h:1/x"));
}

/* The value of field name in nvs, or NULL; *count how many there are. */
static const char *field(const struct loader__h2_nvs *nvs, const char *name,
                         int *count, char *buf, size_t len)
{
    const char *found = NULL;

    *count = 0;
    for (size_t i = 0; i < nvs->n; i++)
        if (nvs->nv[i].namelen == strlen(name) &&
            memcmp(nvs->nv[i].name, name, nvs->nv[i].namelen) == 0) {
            snprintf(buf, len, "%.*s", (int)nvs->nv[i].valuelen,
                     (const char *)nvs->nv[i].value);
            found = buf;
            (*count)++;
        }
    return found;
}

static void expect_field(const struct loader__h2_nvs *nvs, const char *name,
                         const char *value)
{
    char buf[256];
    int n;
    const char *v = field(nvs, name, &n, buf, sizeof(buf));

    if (!value) {
        if (v)
            print_error("%s: unexpected '%s'\n", name, v);
        assert_null(v);
        return;
    }
    if (!v || strcmp(v, value) != 0)
        print_error("%s: '%s', expected '%s'\n", name, v ? v : "(none)", value);
    assert_non_null(v);
    assert_string_equal(v, value);
    assert_int_equal(n, 1);
}

static void test_fields(void **state)
{
    struct loader__origin o;
    struct loader__h2_nvs nvs;
    char *hdrs[] = {"X-Trace: t1",
                    "Connection: keep-alive",
                    "Keep-Alive: 5",
                    "Transfer-Encoding: chunked",
                    "TE: gzip",
                    "Upgrade: h2c",
                    "Content-Type: application/json"};
    struct loader__request req = {0};

    (void)state;
    memset(&nvs, 0, sizeof(nvs));
    assert_true(loader__origin_parse("https://api.test:8443", &o));
    req.method = "POST";
    req.url = "https://api.test:8443/v1/items?x=1#frag";
    req.body = "{\"a\":1}";
    req.body_len = 7;
    req.headers = hdrs;
    req.n_headers = sizeof(hdrs) / sizeof(*hdrs);
    assert_int_equal(loader__h2_fields(&o, &req, "loadgate/t", &nvs), 0);
    /* pseudo-headers first, in order */
    assert_true(nvs.n >= 4);
    assert_memory_equal(nvs.nv[0].name, ":method", 7);
    assert_memory_equal(nvs.nv[3].name, ":path", 5);
    expect_field(&nvs, ":method", "POST");
    expect_field(&nvs, ":scheme", "https");
    expect_field(&nvs, ":authority", "api.test:8443");
    expect_field(&nvs, ":path", "/v1/items?x=1");
    expect_field(&nvs, "user-agent", "loadgate/t");
    expect_field(&nvs, "accept", "*/*");
    expect_field(&nvs, "x-trace", "t1"); /* lowercased */
    expect_field(&nvs, "content-type", "application/json");
    expect_field(&nvs, "content-length", "7");
    /* connection-specific fields are not HTTP/2's */
    expect_field(&nvs, "connection", NULL);
    expect_field(&nvs, "keep-alive", NULL);
    expect_field(&nvs, "transfer-encoding", NULL);
    expect_field(&nvs, "te", NULL);
    expect_field(&nvs, "upgrade", NULL);

    /* Host becomes :authority; given fields are not doubled; "?q" alone
     * has the path "/" */
    {
        char *h2[] = {"Host: other.test", "User-Agent: mine",
                      "Accept: text/plain", "TE: trailers"};

        req.method = "GET";
        req.url = "https://api.test:8443?q=1";
        req.body = NULL;
        req.body_len = 0;
        req.headers = h2;
        req.n_headers = 4;
        assert_int_equal(loader__h2_fields(&o, &req, "loadgate/t", &nvs), 0);
        expect_field(&nvs, ":authority", "other.test");
        expect_field(&nvs, "host", NULL);
        expect_field(&nvs, ":path", "/?q=1");
        expect_field(&nvs, "user-agent", "mine");
        expect_field(&nvs, "accept", "text/plain");
        expect_field(&nvs, "te", "trailers");
        expect_field(&nvs, "content-length", NULL); /* GET without body */
    }
    /* an empty PUT still says its length, as HTTP/1.1 does */
    req.method = "PUT";
    req.url = "https://api.test:8443";
    req.headers = NULL;
    req.n_headers = 0;
    assert_int_equal(loader__h2_fields(&o, &req, "lg", &nvs), 0);
    expect_field(&nvs, ":path", "/");
    expect_field(&nvs, "content-length", "0");
    loader__h2_nvs_release(&nvs);
}

static void test_users_per_conn(void **state)
{
    struct loader_http h = {LOADER_HTTP_2, 0, 0};

    (void)state;
    assert_int_equal(loader__h2_users_per_conn(&h, 1000),
                     LOADER__H2_DEFAULT_STREAMS);
    h.max_streams = 10; /* h2load -m 10: ten users a connection */
    assert_int_equal(loader__h2_users_per_conn(&h, 1000), 10);
    h.connections = 100; /* -c 100: connections win */
    assert_int_equal(loader__h2_users_per_conn(&h, 1000), 10);
    h.connections = 3;
    assert_int_equal(loader__h2_users_per_conn(&h, 10), 4); /* 4+4+2 */
    h.connections = 1000;
    assert_int_equal(loader__h2_users_per_conn(&h, 10), 1);
    assert_int_equal(loader__h2_users_per_conn(&h, 0), 1);
}

static void test_retry(void **state)
{
    static const struct {
        const char *what;
        struct loader__h2_end end;
        bool retry;
        enum metrics_errclass err;
    } cases[] = {
        {"refused",
         {.rst = true, .rst_code = NGHTTP2_REFUSED_STREAM, .stream_id = 5},
         true,
         METRICS_ERR_NONE},
        {"refused POST too (not processed)",
         {.rst = true, .rst_code = NGHTTP2_REFUSED_STREAM},
         true,
         METRICS_ERR_NONE},
        {"refused again",
         {.rst = true, .rst_code = NGHTTP2_REFUSED_STREAM, .retried = true},
         false,
         METRICS_ERR_STREAM_RESET},
        {"beyond GOAWAY's last stream",
         {.goaway = true, .goaway_last = 3, .stream_id = 5},
         true,
         METRICS_ERR_NONE},
        {"beyond GOAWAY, again",
         {.goaway = true, .goaway_last = 3, .stream_id = 5, .retried = true},
         false,
         METRICS_ERR_GOAWAY},
        {"never sent", {.not_sent = true}, true, METRICS_ERR_NONE},
        {"reset by the server",
         {.rst = true, .rst_code = NGHTTP2_INTERNAL_ERROR},
         false,
         METRICS_ERR_STREAM_RESET},
        {"reset as a protocol error",
         {.rst = true, .rst_code = NGHTTP2_PROTOCOL_ERROR},
         false,
         METRICS_ERR_H2_PROTOCOL},
        {"lost after a GOAWAY that covered it",
         {.conn_lost = true,
          .goaway = true,
          .goaway_last = 7,
          .stream_id = 5,
          .idempotent = true,
          .conn_reused = true},
         false,
         METRICS_ERR_GOAWAY},
        {"lost on a reused connection, idempotent, nothing came",
         {.conn_lost = true, .idempotent = true, .conn_reused = true},
         true,
         METRICS_ERR_NONE},
        {"lost, not idempotent",
         {.conn_lost = true, .conn_reused = true},
         false,
         METRICS_ERR_RESET},
        {"lost on a fresh connection",
         {.conn_lost = true, .idempotent = true},
         false,
         METRICS_ERR_RESET},
        {"lost after the first byte",
         {.conn_lost = true,
          .idempotent = true,
          .conn_reused = true,
          .got_first = true},
         false,
         METRICS_ERR_RESET},
        {"lost twice",
         {.conn_lost = true,
          .idempotent = true,
          .conn_reused = true,
          .retried = true},
         false,
         METRICS_ERR_RESET},
        {"closed by nghttp2 (malformed response)",
         {.close_code = NGHTTP2_PROTOCOL_ERROR},
         false,
         METRICS_ERR_H2_PROTOCOL},
        {"closed without a response, no error", {0}, false, METRICS_ERR_OTHER},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        enum metrics_errclass err = METRICS_ERR_NONE;
        bool r = loader__h2_retry(&cases[i].end, &err);

        if (r != cases[i].retry || err != cases[i].err)
            print_error("%s: retry %d, %s\n", cases[i].what, r,
                        metrics_errclass_name(err) ? metrics_errclass_name(err)
                                                   : "none");
        assert_int_equal(r, cases[i].retry);
        assert_int_equal(err, cases[i].err);
    }
}

/* The http: key through the profile parser (profile_http.c). */
static struct profile *profile(const char *text)
{
    struct profile *p = NULL;
    struct profile_error err;

    memset(&err, 0, sizeof(err));
    if (profile_parse(text, strlen(text), "t.yaml", &p, &err))
        print_error("%d:%d: %s\n", err.line, err.col, err.msg);
    assert_non_null(p);
    return p;
}

static void test_pick(void **state)
{
    static const struct {
        const char *text;
        const struct loader__transport_ops *want;
        long curl_version;
    } cases[] = {
        {"target: http://127.0.0.1:1\n", &loader__fast_transport,
         CURL_HTTP_VERSION_1_1},
        {"target: http://127.0.0.1:1\nhttp: 2\n", &loader__h2_transport,
         CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE},
        {"target: https://127.0.0.1:1\nhttp: 2\n", &loader__h2_transport,
         CURL_HTTP_VERSION_2TLS},
        {"target: http://127.0.0.1:1\nhttp: 2\nengine: curl\n",
         &loader__curl_transport, CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE},
        /* cleartext auto: no ALPN to ask, HTTP/1.1 */
        {"target: http://127.0.0.1:1\nhttp: auto\n", &loader__fast_transport,
         CURL_HTTP_VERSION_2TLS},
        /* redirects need libcurl, which speaks HTTP/2 too */
        {"target: http://127.0.0.1:1\nhttp: 2\n"
         "defaults: {follow_redirects: true}\n",
         &loader__curl_transport, CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE},
    };
    const char *rest = "version: 1\nload: {users: 1, requests: 1}\n"
                       "scenarios: [{steps: [{get: /}]}]\n";

    (void)state;
    unsetenv("http_proxy");
    unsetenv("https_proxy");
    unsetenv("HTTPS_PROXY");
    unsetenv("all_proxy");
    unsetenv("ALL_PROXY");
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        char text[512];
        struct profile *p;

        snprintf(text, sizeof(text), "%s%s", rest, cases[i].text);
        p = profile(text);
        assert_ptr_equal(loader__pick_transport(p->plan), cases[i].want);
        assert_int_equal(loader__curl_http_version(p->plan),
                         cases[i].curl_version);
        profile_free(p);
    }
}

/* Record buffers are given back while idle only when the plan may hold
 * many connections: users for HTTP/1.1, connections for HTTP/2. */
static void test_tls_buffers(void **state)
{
    static const struct {
        enum loader_http_version v;
        unsigned users, connections, max_streams;
        bool many;
    } cases[] = {
        {LOADER_HTTP_1_1, 100, 0, 0, false},
        {LOADER_HTTP_1_1, 1000, 0, 0, true},
        {LOADER_HTTP_2, 100, 10, 0, false},  /* 10 x 10 */
        {LOADER_HTTP_2, 10000, 0, 10, true}, /* 1000 x 10 */
        {LOADER_HTTP_2, 1000, 0, 0, false},  /* 100 a connection: 10 */
        {LOADER_HTTP_2, 1000, 1000, 1, true},
    };
    (void)state;

    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        struct loader_plan p;

        memset(&p, 0, sizeof(p));
        p.load.model = LOADER_MODEL_CLOSED;
        p.load.users = cases[i].users;
        p.http.version = cases[i].v;
        p.http.connections = cases[i].connections;
        p.http.max_streams = cases[i].max_streams;
        if (loader__tls_many_connections(&p) != cases[i].many)
            fail_msg("case %zu", i);
    }
}

/* A loopback TCP pair: *a connected to *b. */
static void tcp_pair(int *a, int *b)
{
    struct sockaddr_in sa;
    int l = loopback_bound(&sa);

    assert_int_equal(listen(l, 1), 0);
    *a = socket(AF_INET, SOCK_STREAM, 0);
    assert_int_equal(connect(*a, (struct sockaddr *)&sa, sizeof(sa)), 0);
    *b = accept(l, NULL, NULL);
    assert_true(*b >= 0);
    close(l);
}

/* The receive time of what a read returns is the kernel's, not the
 * read's: HTTP/2 ends a response there, however late the loop reads it.
 * A socket without SO_TIMESTAMPNS (HTTP/1.1's) gives none. */
static void test_receive_time(void **state)
{
    struct timespec late = {0, 30000000};
    char buf[8];
    int a, b, on = 1;
    uint64_t sent, rx;
    int stamped = 0;

    (void)state;
    tcp_pair(&a, &b);
    assert_int_equal(send(b, "x", 1, 0), 1);
    nanosleep(&late, NULL);
    loader__rx_take();
    assert_int_equal(loader__conn_read(NULL, a, buf, sizeof(buf)), 1);
    assert_true(loader__rx_take() == 0);

    assert_int_equal(setsockopt(a, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on)),
                     0);
    /* the kernel turns receive stamps on a moment after the first socket
     * asks (a deferred static key): a read before may have none */
    for (int i = 0; i < 5; i++) {
        sent = mono_ns();
        assert_int_equal(send(b, "yz", 2, 0), 2);
        nanosleep(&late, NULL);
        assert_int_equal(loader__conn_read(NULL, a, buf, sizeof(buf)), 2);
        rx = loader__rx_take();
        assert_true(loader__rx_take() == 0); /* taken once */
        if (rx == 0)
            continue;
        /* received at the send (either clock the kernel stamps with),
         * within 10 ms; read 30 ms later */
        assert_true(rx + 1000000u >= sent);
        assert_true(rx < sent + 10000000u);
        stamped++;
    }
    assert_true(stamped >= 3);
    close(a);
    close(b);
}

LGTEST_MAIN(NULL, NULL, cmocka_unit_test(test_origin),
            cmocka_unit_test(test_receive_time),
            cmocka_unit_test(test_tls_buffers), cmocka_unit_test(test_fields),
            cmocka_unit_test(test_users_per_conn), cmocka_unit_test(test_retry),
            cmocka_unit_test(test_pick))
