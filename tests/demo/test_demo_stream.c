/* The demo's streaming endpoint, POST /api/agents/{id}/query/stream, over
 * real HTTP on loopback: server-sent events in OpenAI's chunk shape, the
 * first token after its drawn delay and the rest at drawn gaps (timed as
 * they arrive), the [DONE] sentinel, --slow on the first token or the
 * gaps, and a stop while streams wait. */
#define _GNU_SOURCE /* memmem */
#include <arpa/inet.h>
#include <math.h>
#include <netinet/in.h>
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

#include "demo_internal.h"
#include "lghttp.h"
#include "lgjson.h"
#include "lgtest.h"

static double now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* What a stream brought: its body, and when each content token came. */
struct got {
    char body[16384];
    size_t len;
    double start, token_ms[64];
    size_t tokens;
    char ctype[128];
};

static size_t on_data(char *p, size_t sz, size_t n, void *ud)
{
    struct got *g = ud;
    double t = now_ms() - g->start;
    const char *s = p, *end = p + sz * n;

    assert_true(g->len + sz * n < sizeof(g->body));
    memcpy(g->body + g->len, p, sz * n);
    g->len += sz * n;
    g->body[g->len] = '\0';
    while ((s = memmem(s, (size_t)(end - s), "\"content\":\"", 11))) {
        s += 11;
        if (*s != '"' && g->tokens < 64) /* the role chunk's "" is none */
            g->token_ms[g->tokens++] = t;
    }
    return sz * n;
}

static size_t on_header(char *p, size_t sz, size_t n, void *ud)
{
    struct got *g = ud;

    if (sz * n > 14 && strncasecmp(p, "Content-Type: ", 14) == 0)
        snprintf(g->ctype, sizeof(g->ctype), "%.*s", (int)(sz * n - 16),
                 p + 14);
    return sz * n;
}

static void stream(unsigned port, struct got *g)
{
    CURL *h = curl_easy_init();
    char url[128];
    long status = 0;

    memset(g, 0, sizeof(*g));
    snprintf(url, sizeof(url),
             "http://127.0.0.1:%u/api/agents/agent-3/query/stream", port);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, "{\"stream\":true}");
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, g);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, g);
    curl_easy_setopt(h, CURLOPT_PROXY, "");
    g->start = now_ms();
    assert_int_equal(curl_easy_perform(h), CURLE_OK);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    assert_int_equal(status, 200);
    curl_easy_cleanup(h);
}

/* The answer's text, every data: line valid JSON. */
static void check_events(const struct got *g, char *text, size_t len)
{
    const char *p = g->body;
    size_t events = 0, used = 0;
    bool done = false, usage = false;

    text[0] = '\0';
    while ((p = strstr(p, "data: "))) {
        const char *e = strstr(p, "\n\n");
        json_t *doc, *c;

        assert_non_null(e);
        p += 6;
        if ((size_t)(e - p) == 6 && memcmp(p, "[DONE]", 6) == 0) {
            done = true;
            assert_string_equal(e, "\n\n"); /* the very end */
            break;
        }
        doc = json_loadb(p, (size_t)(e - p), 0, NULL);
        assert_non_null(doc);
        assert_jstr(doc, "object", "chat.completion.chunk");
        c = json_object_get(
            json_object_get(json_array_get(json_object_get(doc, "choices"), 0),
                            "delta"),
            "content");
        if (json_is_string(c)) {
            used += (size_t)snprintf(text + used, len - used, "%s",
                                     json_string_value(c));
        }
        if (json_object_get(doc, "usage")) {
            usage = true;
            assert_int_equal(
                json_integer_value(json_object_get(
                    json_object_get(doc, "usage"), "completion_tokens")),
                DEMO__STREAM_TOKENS);
        }
        json_decref(doc);
        events++;
        p = e + 2;
    }
    assert_true(done);
    assert_true(usage);
    /* role + 16 tokens + finish + usage */
    assert_int_equal(events, DEMO__STREAM_TOKENS + 3);
}

static void test_stream_shape_and_timing(void **state)
{
    struct demo_server *s = NULL;
    struct got g;
    char text[512];

    (void)state;
    assert_int_equal(demo_server_start(NULL, &s), 0);
    stream(demo_server_port(s), &g);
    assert_string_equal(g.ctype, "text/event-stream");
    check_events(&g, text, sizeof(text));
    assert_string_equal(text, "There are 0 agents registered; the answer "
                              "comes from SELECT count(*) FROM agents.");
    assert_int_equal(g.tokens, DEMO__STREAM_TOKENS);
    /* the first token after its delay (150 +- 40 ms, at least 70), then
     * gaps of about 20 ms (at least 10), not all at once */
    assert_true(g.token_ms[0] >= 65);
    assert_true(g.token_ms[0] < 1000);
    for (size_t i = 1; i < g.tokens; i++)
        assert_true(g.token_ms[i] - g.token_ms[i - 1] >= 5);
    assert_true(g.token_ms[g.tokens - 1] - g.token_ms[0] >= 15 * 12);
    demo_server_stop(s);
}

static void test_slow_first_token_or_gaps(void **state)
{
    struct demo_slow slow;
    struct demo_opts o;
    struct demo_server *s = NULL;
    struct got g;

    (void)state;
    memset(&o, 0, sizeof(o));
    o.slow = &slow;
    o.n_slow = 1;
    /* 10 times slower first token: at least 700 ms */
    assert_int_equal(
        demo_slow_parse("POST /api/agents/{id}/query/stream ttft=900", &slow),
        0);
    assert_int_equal(demo_server_start(&o, &s), 0);
    stream(demo_server_port(s), &g);
    assert_true(g.token_ms[0] >= 650);
    assert_true(g.token_ms[g.tokens - 1] - g.token_ms[0] < 15 * 60);
    demo_server_stop(s);

    /* gaps 5 times longer: at least 15 x 50 ms after the first token */
    assert_int_equal(
        demo_slow_parse("POST /api/agents/{id}/query/stream gaps=400", &slow),
        0);
    assert_int_equal(demo_server_start(&o, &s), 0);
    stream(demo_server_port(s), &g);
    assert_true(g.token_ms[g.tokens - 1] - g.token_ms[0] >= 15 * 50);
    demo_server_stop(s);

    /* a route that does not stream has no first token nor gaps */
    assert_int_equal(demo_slow_parse("GET /api/health ttft=50", &slow), 0);
    assert_int_equal(demo_server_start(&o, &s), DEMO_EINVAL);
    assert_int_equal(demo_slow_parse("/graphql gaps=50", &slow), 0);
    assert_int_equal(demo_server_start(&o, &s), DEMO_EINVAL);
}

static void test_pieces(void **state)
{
    char buf[2048];

    (void)state;
    for (unsigned k = 0; k < DEMO__STREAM_TOKENS; k++) {
        size_t n = demo__stream_piece(k, 7, 1767268800, 42, buf, sizeof(buf));

        assert_true(n > 0);
        assert_int_equal(strlen(buf), n);
        assert_int_equal(strncmp(buf, "data: {\"id\":\"chatcmpl-demo-7\"", 29),
                         0);
        assert_string_equal(buf + n - 2, "\n\n");
    }
    assert_non_null(
        strstr((demo__stream_piece(2, 7, 0, 42, buf, sizeof(buf)), buf),
               "\"content\":\" 42\""));
    assert_int_equal(
        demo__stream_piece(DEMO__STREAM_TOKENS, 7, 0, 42, buf, sizeof(buf)), 0);
    assert_int_equal(demo__stream_piece(15, 7, 0, 42, buf, 100), 0);
}

static void test_stop_while_streaming(void **state)
{
    struct demo_server *s = NULL;
    struct sockaddr_in a;
    const char req[] = "POST /api/agents/agent-1/query/stream HTTP/1.1\r\n"
                       "Host: x\r\nContent-Length: 2\r\n\r\n{}";
    int fds[20];
    char buf[512];
    double t0;

    (void)state;
    assert_int_equal(demo_server_start(NULL, &s), 0);
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)demo_server_port(s));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    for (size_t i = 0; i < 20; i++) {
        fds[i] = socket(AF_INET, SOCK_STREAM, 0);
        assert_true(fds[i] >= 0);
        assert_int_equal(connect(fds[i], (struct sockaddr *)&a, sizeof(a)), 0);
        assert_int_equal(write(fds[i], req, sizeof(req) - 1),
                         (ssize_t)(sizeof(req) - 1));
        /* the headers come at once */
        assert_true(read(fds[i], buf, sizeof(buf)) > 0);
    }
    /* every stream waits for its first token: stop does not hang */
    t0 = now_ms();
    demo_server_stop(s);
    assert_true(now_ms() - t0 < 3000);
    for (size_t i = 0; i < 20; i++)
        close(fds[i]);
}

LGTEST_MAIN(http_group_setup, http_group_teardown,
            cmocka_unit_test(test_stream_shape_and_timing),
            cmocka_unit_test(test_slow_first_token_or_gaps),
            cmocka_unit_test(test_pieces),
            cmocka_unit_test(test_stop_while_streaming))
