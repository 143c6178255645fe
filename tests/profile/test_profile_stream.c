/* A step's stream: and slo: in a profile: the short and long forms, the
 * defaults (sse ends with [DONE], lines with the body), errors with their
 * line and column, and the profile hash that tells token rules apart.
 * (How the engine words a token rule: tests/loader/test_stream.c.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "profile.h"
#include "profile_fixture.h"

#define HEAD                                                                   \
    "version: 1\ntarget: http://h\nload: {users: 1, requests: 1}\n"            \
    "scenarios:\n  - steps:\n      - post: /v1/chat\n"

static struct profile *parse_ok(const char *step_tail)
{
    char text[2048];

    snprintf(text, sizeof(text), HEAD "%s", step_tail);
    return pfx_parse(text);
}

static void test_short_forms(void **state)
{
    struct profile *p;
    const struct loader_step *s;

    (void)state;
    p = parse_ok("        stream: sse\n");
    s = &p->plan->scenarios[0].steps[0];
    assert_int_equal(s->stream.type, LOADER_STREAM_SSE);
    assert_string_equal(s->stream.done, "[DONE]");
    assert_null(s->stream.pointer);
    assert_int_equal(s->stream.count, LOADER_COUNT_EVENTS);
    profile_free(p);

    p = parse_ok("        stream: lines\n");
    s = &p->plan->scenarios[0].steps[0];
    assert_int_equal(s->stream.type, LOADER_STREAM_LINES);
    assert_null(s->stream.done);
    profile_free(p);

    p = parse_ok("        json: {a: 1}\n");
    assert_int_equal(p->plan->scenarios[0].steps[0].stream.type,
                     LOADER_STREAM_NONE);
    profile_free(p);
}

static void test_long_form(void **state)
{
    struct profile *p;
    const struct loader_step *s;

    (void)state;
    p = parse_ok("        stream:\n"
                 "          type: sse\n"
                 "          tokens: {pointer: /choices/0/delta/content, "
                 "count: words}\n"
                 "          usage: /usage/completion_tokens\n"
                 "          done: \"<END>\"\n"
                 "        slo: {ttft: 500ms, tpot: 0.05}\n");
    s = &p->plan->scenarios[0].steps[0];
    assert_int_equal(s->stream.type, LOADER_STREAM_SSE);
    assert_string_equal(s->stream.pointer, "/choices/0/delta/content");
    assert_int_equal(s->stream.count, LOADER_COUNT_WORDS);
    assert_string_equal(s->stream.usage, "/usage/completion_tokens");
    assert_string_equal(s->stream.done, "<END>");
    assert_true(s->slo_ttft_s == 0.5);
    assert_true(s->slo_tpot_s == 0.05);
    profile_free(p);

    /* done: false: no sentinel on sse either */
    p = parse_ok("        stream: {type: sse, done: false, tokens: "
                 "{pointer: /t, count: chars4}}\n");
    s = &p->plan->scenarios[0].steps[0];
    assert_null(s->stream.done);
    assert_string_equal(s->stream.pointer, "/t");
    assert_int_equal(s->stream.count, LOADER_COUNT_CHARS4);
    profile_free(p);
}

struct bad_case {
    const char *tail;
    int line, col;
    const char *frag;
};

static const struct bad_case bad_cases[] = {
    {"        stream: sse2\n", 7, 17, "'stream' must be sse or lines"},
    {"        stream: {tokens: {pointer: /x}}\n", 7, 17,
     "'stream' needs a type"},
    {"        stream: {type: sse, tokns: {}}\n", 7, 29,
     "unknown key 'tokns' in stream; did you mean 'tokens'?"},
    {"        stream: {type: sse, tokens: {count: words}}\n", 7, 37,
     "counts the text at a pointer"},
    {"        stream: {type: sse, tokens: {pointer: x}}\n", 7, 47,
     "must be a JSON pointer"},
    {"        stream: {type: sse, tokens: {pointer: /x, count: tokens}}\n", 7,
     58, "'tokens.count' must be events, words or chars4"},
    {"        stream: {type: lines, done: \"\"}\n", 7, 37,
     "'done' must not be empty"},
    {"        stream: [sse]\n", 7, 17, "'stream' must be sse, lines"},
    {"        slo: {ttft: 1s}\n", 7, 14, "add stream: sse"},
    {"        stream: sse\n        slo: {ttft: 0s}\n", 8, 21,
     "'slo.ttft': expected a duration longer than zero"},
    {"        stream: sse\n        slo: {itl: 1s}\n", 8, 15,
     "unknown key 'itl' in slo (expected one of: ttft, tpot)"},
    {"        stream: sse\n        slo: 5\n", 8, 14, "'slo' must be a map"},
};

static void test_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(bad_cases) / sizeof(*bad_cases); i++) {
        const struct bad_case *c = &bad_cases[i];
        char text[2048];
        struct profile *p = NULL;
        struct profile_error err;
        int rc;

        snprintf(text, sizeof(text), HEAD "%s", c->tail);
        memset(&err, 0, sizeof(err));
        rc = profile_parse(text, strlen(text), "t.yaml", &p, &err);
        if (rc != PROFILE_EPROFILE || !strstr(err.msg, c->frag) ||
            err.line != c->line || err.col != c->col)
            fail_msg("case %zu: rc %d at %d:%d '%s'; want %d:%d '%s'", i, rc,
                     err.line, err.col, err.msg, c->line, c->col, c->frag);
        assert_null(p);
    }
}

static void test_head_cannot_stream(void **state)
{
    const char *text =
        "version: 1\ntarget: http://h\nload: {users: 1, requests: 1}\n"
        "scenarios:\n  - steps:\n      - head: /x\n        stream: sse\n";
    struct profile *p = NULL;
    struct profile_error err;

    (void)state;
    memset(&err, 0, sizeof(err));
    assert_int_equal(profile_parse(text, strlen(text), "t.yaml", &p, &err),
                     PROFILE_EPROFILE);
    assert_non_null(strstr(err.msg, "HEAD"));
}

static void test_hash_tells_rules_apart(void **state)
{
    (void)state;
    pfx_same_hash(HEAD, HEAD, true);
    pfx_same_hash(HEAD, HEAD "        stream: sse\n", false);
    pfx_same_hash(HEAD "        stream: sse\n", HEAD "        stream: lines\n",
                  false);
    pfx_same_hash(HEAD "        stream: sse\n",
                  HEAD "        stream: sse\n        slo: {ttft: 1s}\n", false);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_short_forms),
        cmocka_unit_test(test_long_form),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_head_cannot_stream),
        cmocka_unit_test(test_hash_tells_rules_apart),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
