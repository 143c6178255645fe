/* Streamed responses: the SSE and JSON-lines framing (events split across
 * reads at every byte, CRLF / CR / LF and a CRLF split in two, comments
 * and other fields, multi-line data, a BOM, an unfinished event, a line
 * over the cap), the token rules, and what a stream's end is classified
 * as (the [DONE] sentinel, a cut, malformed data, an error status). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "loader_engine_internal.h"
#include "loader_stream_internal.h"

/* ---- framing ---------------------------------------------------------- */

struct events {
    char text[4096]; /* events joined by '|' */
    size_t n;
};

static int collect(void *ud, const char *data, size_t len)
{
    struct events *ev = ud;
    size_t used = strlen(ev->text);

    assert_true(used + len + 2 < sizeof(ev->text));
    if (ev->n++)
        ev->text[used++] = '|';
    memcpy(ev->text + used, data, len);
    ev->text[used + len] = '\0';
    return 0;
}

/* Parses in (as pieces cut at the offsets of cuts, n_cuts of them) and
 * returns the events. */
static struct events parse_cut(enum loader_stream_type type, const char *in,
                               const size_t *cuts, size_t n_cuts, bool *cut)
{
    struct loader__sse p;
    struct events ev;
    size_t len = strlen(in), at = 0;

    memset(&p, 0, sizeof(p));
    memset(&ev, 0, sizeof(ev));
    loader__sse_reset(&p, type);
    for (size_t i = 0; i <= n_cuts; i++) {
        size_t to = i < n_cuts ? cuts[i] : len;

        assert_int_equal(loader__sse_feed(&p, in + at, to - at, collect, &ev),
                         0);
        at = to;
    }
    assert_int_equal(loader__sse_end(&p, cut, collect, &ev), 0);
    loader__sse_release(&p);
    return ev;
}

/* The same events whole, cut once at every offset, twice at every pair of
 * offsets, and one byte at a time. */
static void expect_events(enum loader_stream_type type, const char *in,
                          const char *want, bool want_cut)
{
    size_t len = strlen(in), *bytes;
    struct events ev;
    bool cut;

    ev = parse_cut(type, in, NULL, 0, &cut);
    assert_string_equal(ev.text, want);
    assert_int_equal(cut, want_cut);
    for (size_t i = 1; i < len; i++) {
        for (size_t j = i; j < len; j++) {
            size_t cuts[2] = {i, j};

            ev = parse_cut(type, in, cuts, 2, &cut);
            if (strcmp(ev.text, want) != 0 || cut != want_cut)
                fail_msg("cut at %zu and %zu: got '%s', want '%s'", i, j,
                         ev.text, want);
        }
    }
    bytes = malloc(len * sizeof(*bytes));
    assert_non_null(bytes);
    for (size_t i = 0; i < len; i++)
        bytes[i] = i;
    ev = parse_cut(type, in, bytes, len, &cut);
    free(bytes);
    assert_string_equal(ev.text, want);
}

static void test_sse_basic(void **state)
{
    (void)state;
    expect_events(LOADER_STREAM_SSE, "data: a\n\ndata: bb\n\n", "a|bb", false);
    /* no space after the colon; two spaces keep one; a bare field */
    expect_events(LOADER_STREAM_SSE, "data:x\n\ndata:  y\n\ndata\n\n", "x| y|",
                  false);
}

static void test_sse_line_ends(void **state)
{
    (void)state;
    /* CRLF, CR alone and LF alone, mixed */
    expect_events(LOADER_STREAM_SSE, "data: a\r\n\r\ndata: b\r\rdata: c\n\n",
                  "a|b|c", false);
    /* a CRLF split between two reads is one line end, not two (two would
     * dispatch an event early): checked at every cut above too */
    {
        size_t cut1[] = {8};
        bool cut;
        struct events ev = parse_cut(
            LOADER_STREAM_SSE, "data: a\r\ndata: b\r\n\r\n", cut1, 1, &cut);

        assert_string_equal(ev.text, "a\nb");
    }
}

static void test_sse_fields_and_comments(void **state)
{
    (void)state;
    expect_events(LOADER_STREAM_SSE,
                  ": keep-alive\nevent: delta\nid: 7\nretry: 100\n"
                  "data: {\"x\":1}\n\n:\n\n",
                  "{\"x\":1}", false);
    /* an event without data is no event */
    expect_events(LOADER_STREAM_SSE, "event: ping\n\ndata: z\n\n", "z", false);
    /* "database:" is not "data:" */
    expect_events(LOADER_STREAM_SSE, "database: q\ndata: r\n\n", "r", false);
}

static void test_sse_multiline_and_done(void **state)
{
    (void)state;
    expect_events(LOADER_STREAM_SSE, "data: l1\ndata: l2\ndata:\n\n",
                  "l1\nl2\n", false);
    /* the sentinel is data like any other here (the engine ends on it) */
    expect_events(LOADER_STREAM_SSE, "data: t\n\ndata: [DONE]\n\n", "t|[DONE]",
                  false);
}

static void test_sse_bom_and_cut(void **state)
{
    (void)state;
    expect_events(LOADER_STREAM_SSE,
                  "\xEF\xBB\xBF"
                  "data: a\n\n",
                  "a", false);
    /* a BOM only at the very start */
    expect_events(LOADER_STREAM_SSE, "data: \xEF\xBB\xBF\n\n", "\xEF\xBB\xBF",
                  false);
    /* the body ends inside an event: dropped, and a cut */
    expect_events(LOADER_STREAM_SSE, "data: a\n\ndata: b\n", "a", true);
    expect_events(LOADER_STREAM_SSE, "data: a\n\ndata: b", "a", true);
}

static void test_lines(void **state)
{
    (void)state;
    expect_events(LOADER_STREAM_LINES,
                  "{\"a\":1}\n\n{\"a\":2}\r\n  \n{\"a\":3}",
                  "{\"a\":1}|{\"a\":2}|{\"a\":3}", false);
    expect_events(LOADER_STREAM_LINES, "x\ry\n", "x|y", false);
}

static void test_too_long(void **state)
{
    struct loader__sse p;
    struct events ev;
    size_t n = LOADER__STREAM_LINE_MAX / 4 + 1;
    char *big = malloc(n);

    (void)state;
    assert_non_null(big);
    memset(big, 'x', n);
    memset(&p, 0, sizeof(p));
    memset(&ev, 0, sizeof(ev));
    loader__sse_reset(&p, LOADER_STREAM_SSE);
    assert_int_equal(loader__sse_feed(&p, "data: ", 6, collect, &ev), 0);
    for (int i = 0; i < 3; i++)
        assert_int_equal(loader__sse_feed(&p, big, n, collect, &ev), 0);
    /* the fourth piece passes 1 MiB */
    assert_int_equal(loader__sse_feed(&p, big, n, collect, &ev), 1);
    assert_true(p.malformed);
    assert_int_equal(loader__sse_feed(&p, "\n\n", 2, collect, &ev), 1);
    assert_int_equal(ev.n, 0);
    /* reset makes it usable again */
    loader__sse_reset(&p, LOADER_STREAM_LINES);
    assert_int_equal(loader__sse_feed(&p, "ok\n", 3, collect, &ev), 0);
    assert_string_equal(ev.text, "ok");
    loader__sse_release(&p);
    free(big);
}

static void test_token_counts(void **state)
{
    bool in = false;

    (void)state;
    assert_int_equal(loader__count_words("Hel", 3, &in), 1);
    assert_true(in);
    /* "lo" continues the word */
    assert_int_equal(loader__count_words("lo world", 8, &in), 1);
    assert_int_equal(loader__count_words(" ", 1, &in), 0);
    assert_false(in);
    assert_int_equal(loader__count_words("\tnew\nlines ", 11, &in), 2);
    assert_int_equal(loader__count_chars("h\xC3\xA9llo", 6), 5); /* héllo */
    assert_int_equal(loader__count_chars("\xE2\x82\xAC", 3), 1); /* € */
}

/* How a step's token rule is worded for the results and reports. */
static void test_rule_words(void **state)
{
    struct loader_step st;
    char rule[400];

    (void)state;
    memset(&st, 0, sizeof(st));
    st.stream.type = LOADER_STREAM_SSE;
    loader__stream_rule(&st, rule, sizeof(rule));
    assert_string_equal(rule, "one per event");
    st.stream.pointer = "/choices/0/delta/content";
    loader__stream_rule(&st, rule, sizeof(rule));
    assert_string_equal(rule,
                        "one per event with text at /choices/0/delta/content");
    st.stream.count = LOADER_COUNT_WORDS;
    st.stream.usage = "/usage/completion_tokens";
    loader__stream_rule(&st, rule, sizeof(rule));
    assert_string_equal(rule, "usage /usage/completion_tokens when present, "
                              "else words of /choices/0/delta/content "
                              "(approximate)");
    st.stream.pointer = "/t";
    st.stream.count = LOADER_COUNT_CHARS4;
    st.stream.usage = NULL;
    loader__stream_rule(&st, rule, sizeof(rule));
    assert_string_equal(rule, "characters/4 of /t (approximate)");
}

/* ---- a stream's end -------------------------------------------------- */

struct fake {
    struct loader__engine e;
    struct loader_plan p;
    struct loader_scenario sc;
    struct loader_step st;
    struct loader__vu vu;
    struct metrics_endpoint *ep;
    struct metrics_endpoint **row;
};

static uint64_t fake_now;
static uint64_t now_fn(void)
{
    return fake_now;
}

static void fake_init(struct fake *f, const char *pointer, const char *done)
{
    memset(f, 0, sizeof(*f));
    assert_int_equal(metrics_results_new(&f->e.res), 0);
    f->ep = metrics_results_endpoint(f->e.res, "POST", "/v1/chat", true);
    f->row = &f->ep;
    f->e.step_ep = &f->row;
    f->e.p = &f->p;
    f->e.now_ns = now_fn;
    f->e.start_ns = 1000000000;
    f->e.start_wall_ns = INT64_C(1767268800) * 1000000000;
    f->p.scenarios = &f->sc;
    f->p.n_scenarios = 1;
    f->sc.steps = &f->st;
    f->sc.n_steps = 1;
    f->st.method = "POST";
    f->st.stream.type = LOADER_STREAM_SSE;
    f->st.stream.pointer = (char *)pointer;
    f->st.stream.count = LOADER_COUNT_WORDS;
    f->st.stream.done = (char *)done;
    f->st.slo_ttft_s = 0.2;
    assert_int_equal(loader__stream_declare(f->ep, &f->st), 0);
    f->vu.measured = true;
    f->vu.sent_ns = 2000000000;
    assert_int_equal(loader__vu_stream_start(&f->vu, &f->st), 0);
}

static void fake_free(struct fake *f)
{
    loader__vu_stream_release(&f->vu);
    metrics_results_free(f->e.res);
}

/* Feeds text as one read arriving ms after the send. */
static void feed_at(struct fake *f, int status, const char *text, double ms)
{
    fake_now = f->vu.sent_ns + (uint64_t)(ms * 1e6);
    loader__vu_stream_data(&f->e, &f->vu, status, text, strlen(text), fake_now);
}

#define CHUNK(s) "data: {\"choices\":[{\"delta\":{\"content\":\"" s "\"}}]}\n\n"

static void test_end_whole_stream(void **state)
{
    struct fake f;
    const struct metrics_stream *s;

    (void)state;
    fake_init(&f, "/choices/0/delta/content", "[DONE]");
    assert_true(f.ep->stream && f.ep->stream->rule);
    feed_at(&f, 200, "data: {\"choices\":[{\"delta\":{\"role\":\"x\"}}]}\n\n",
            50);
    feed_at(&f, 200, CHUNK("Hello"), 150);
    feed_at(&f, 200, CHUNK(" wor") CHUNK("ld,"), 170);
    feed_at(&f, 200, CHUNK(" bye") "data: [DONE]\n\n", 190);
    assert_true(loader__vu_stream_began(&f.vu));
    assert_int_equal(
        loader__vu_stream_end(&f.e, &f.vu, METRICS_ERR_NONE, fake_now),
        METRICS_ERR_NONE);
    s = f.ep->stream;
    assert_int_equal(s->streams, 1);
    assert_int_equal(s->errors, 0);
    assert_int_equal(s->events, 5); /* the role event counts, [DONE] not */
    assert_int_equal(s->tokens, 3); /* Hello, world, bye */
    assert_int_equal(s->good, 1);   /* TTFT 150 ms <= 200 ms */
    /* TTFT to the first event with text; gaps 20, 0, 20 ms */
    assert_int_equal(metrics_hist_min(s->ttft), 150000);
    assert_int_equal(metrics_hist_count(s->itl), 3);
    assert_int_equal(metrics_hist_min(s->itl), 0);
    assert_int_equal(metrics_hist_max(s->itl), 20000);
    /* TPOT: 40 ms over 3 - 1 tokens */
    assert_int_equal(metrics_hist_min(s->tpot), 20000);
    fake_free(&f);
}

/* Streams that do not end well, under the rule "/choices/0/delta/content"
 * with the sentinel done (NULL: none): the body (status 200), the class
 * the transport ends with, the class the stream ends in and, where not
 * -1, its errors, tokens and good streams. */
static const struct {
    const char *what, *done, *body;
    enum metrics_errclass transport, want;
    int errors, tokens, good;
} ends[] = {
    {"the body ended well, but the sentinel never came", "[DONE]",
     CHUNK("a") CHUNK("b"), METRICS_ERR_NONE, METRICS_ERR_STREAM, 1, -1, 0},
    {"no sentinel asked for: the end of the body ends it", NULL,
     CHUNK("a") CHUNK("b"), METRICS_ERR_NONE, METRICS_ERR_NONE, -1, -1, -1},
    {"the connection reset mid-stream: a stream error, not a reset", "[DONE]",
     CHUNK("a"), METRICS_ERR_RESET, METRICS_ERR_STREAM, 1, -1, -1},
    {"a timeout mid-stream too", "[DONE]", CHUNK("a"), METRICS_ERR_TIMEOUT,
     METRICS_ERR_STREAM, -1, -1, -1},
    {"data that is not JSON where the rule reads JSON: nothing after it "
     "counts",
     "[DONE]", CHUNK("a") "data: {oops\n\n" CHUNK("b") "data: [DONE]\n\n",
     METRICS_ERR_NONE, METRICS_ERR_STREAM, -1, 1, -1},
    {"an unfinished last event", NULL, CHUNK("a") "data: {\"choices\":[]}\n",
     METRICS_ERR_NONE, METRICS_ERR_STREAM, -1, -1, -1},
};

/* n is the stream's count (want -1: not checked). */
static void expect_count(const char *what, const char *name, uint64_t n,
                         int want)
{
    if (want >= 0 && n != (uint64_t)want)
        fail_msg("%s: %s %llu, want %d", what, name, (unsigned long long)n,
                 want);
}

static void test_end_cut_and_malformed(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(ends) / sizeof(ends[0]); i++) {
        struct fake f;
        enum metrics_errclass got;

        fake_init(&f, "/choices/0/delta/content", ends[i].done);
        feed_at(&f, 200, ends[i].body, 10);
        got = loader__vu_stream_end(&f.e, &f.vu, ends[i].transport, fake_now);
        if (got != ends[i].want)
            fail_msg("%s: class %d, want %d", ends[i].what, (int)got,
                     (int)ends[i].want);
        expect_count(ends[i].what, "errors", f.ep->stream->errors,
                     ends[i].errors);
        expect_count(ends[i].what, "tokens", f.ep->stream->tokens,
                     ends[i].tokens);
        expect_count(ends[i].what, "good", f.ep->stream->good, ends[i].good);
        fake_free(&f);
    }
}

static void test_end_error_status_is_not_a_stream(void **state)
{
    struct fake f;

    (void)state;
    fake_init(&f, "/choices/0/delta/content", "[DONE]");
    feed_at(&f, 503, "{\"error\": \"overloaded\"}", 10);
    assert_false(loader__vu_stream_began(&f.vu));
    /* the status decides (http_5xx), no stream was counted */
    assert_int_equal(
        loader__vu_stream_end(&f.e, &f.vu, METRICS_ERR_HTTP_5XX, fake_now),
        METRICS_ERR_HTTP_5XX);
    assert_int_equal(f.ep->stream->streams, 0);
    fake_free(&f);

    /* a redirect's body (libcurl following it) is no stream either; the
     * answer it leads to is */
    fake_init(&f, "/choices/0/delta/content", "[DONE]");
    feed_at(&f, 302, "<html>moved</html>\n\n", 5);
    assert_false(loader__vu_stream_began(&f.vu));
    feed_at(&f, 200, CHUNK("a") "data: [DONE]\n\n", 10);
    assert_true(loader__vu_stream_began(&f.vu));
    assert_int_equal(
        loader__vu_stream_end(&f.e, &f.vu, METRICS_ERR_NONE, fake_now),
        METRICS_ERR_NONE);
    assert_int_equal(f.ep->stream->tokens, 1);
    fake_free(&f);

    /* nothing came at all: the transport's class stays */
    fake_init(&f, NULL, "[DONE]");
    assert_int_equal(
        loader__vu_stream_end(&f.e, &f.vu, METRICS_ERR_CONNECT, fake_now),
        METRICS_ERR_CONNECT);
    fake_free(&f);
}

static void test_end_usage_and_slo(void **state)
{
    struct fake f;

    (void)state;
    fake_init(&f, "/choices/0/delta/content", "[DONE]");
    f.st.stream.usage = "/usage/completion_tokens";
    f.st.stream.count = LOADER_COUNT_CHARS4;
    feed_at(&f, 200, CHUNK("abcde"), 250); /* TTFT 250 ms: over the SLO */
    feed_at(&f, 200, CHUNK("fgh"), 260);
    feed_at(&f, 200,
            "data: {\"choices\":[],\"usage\":{\"completion_tokens\":9}}\n\n"
            "data: [DONE]\n\n",
            261);
    assert_int_equal(
        loader__vu_stream_end(&f.e, &f.vu, METRICS_ERR_NONE, fake_now),
        METRICS_ERR_NONE);
    assert_int_equal(f.ep->stream->tokens, 9);
    assert_int_equal(f.ep->stream->usage, 1);
    assert_int_equal(f.ep->stream->good, 0);
    fake_free(&f);

    /* without usage, characters / 4 rounded up: 8 -> 2 */
    fake_init(&f, "/choices/0/delta/content", "[DONE]");
    f.st.stream.count = LOADER_COUNT_CHARS4;
    feed_at(&f, 200, CHUNK("abcde") CHUNK("fgh") "data: [DONE]\n\n", 20);
    assert_int_equal(
        loader__vu_stream_end(&f.e, &f.vu, METRICS_ERR_NONE, fake_now),
        METRICS_ERR_NONE);
    assert_int_equal(f.ep->stream->tokens, 2);
    assert_int_equal(f.ep->stream->good, 1);
    fake_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sse_basic),
        cmocka_unit_test(test_sse_line_ends),
        cmocka_unit_test(test_sse_fields_and_comments),
        cmocka_unit_test(test_sse_multiline_and_done),
        cmocka_unit_test(test_sse_bom_and_cut),
        cmocka_unit_test(test_lines),
        cmocka_unit_test(test_too_long),
        cmocka_unit_test(test_token_counts),
        cmocka_unit_test(test_rule_words),
        cmocka_unit_test(test_end_whole_stream),
        cmocka_unit_test(test_end_cut_and_malformed),
        cmocka_unit_test(test_end_error_status_is_not_a_stream),
        cmocka_unit_test(test_end_usage_and_slo),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
