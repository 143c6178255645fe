/* Scenario features without a network: template functions, escaping,
 * captures by pointer/header/regex, expectations, CSV feeders and their
 * shard slices, the new profile keys with their positioned errors, and
 * the profile hash of the new keys. */
#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "loader.h"
#include "loader_capture_internal.h"
#include "loader_engine_internal.h"
#include "loader_fixture.h"
#include "profile_internal.h"

#define PROFILES LOADGATE_SOURCE_DIR "/tests/profile/profiles/"

/* A fresh virtual user: number 1, a fixed random seed. */
static void vu_init(struct loader__vu *vu)
{
    memset(vu, 0, sizeof(*vu));
    vu->id = 1;
    vu->rng = 12345;
}

/* Step i of p rendered for vu: its URL and its body ("": none). */
static void expect_step(const struct loader_plan *p, size_t i,
                        struct loader__vu *vu, const char *url,
                        const char *body)
{
    assert_int_equal(loader__vu_render(p, &p->scenarios[0].steps[i], vu), 0);
    assert_string_equal(vu->url.p, url);
    if (*body)
        assert_string_equal(vu->body.p, body);
    else
        assert_int_equal(vu->body.len, 0);
}

/* The plan of one "get: /" step with the step key line key (e.g.
 * "expect: {status: 200}"). */
static struct loader_plan *get_step(const char *key)
{
    char text[1024];

    snprintf(text, sizeof(text),
             "version: 1\ntarget: http://h:1\nload: {users: 1, "
             "requests: 1}\nscenarios:\n  - steps:\n      - get: /\n"
             "        %s\n",
             key);
    return fx_plan(text, "step.yaml");
}

/* ---- templates ----------------------------------------------------------- */

static void test_uuid(void **state)
{
    struct loader__buf b = {0};
    struct loader__render_ctx cx = {NULL, 3, 0, NULL};
    uint64_t rng = 42;
    regex_t re;
    char first[40] = "";

    (void)state;
    cx.rng = &rng;
    assert_int_equal(regcomp(&re,
                             "^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab]"
                             "[0-9a-f]{3}-[0-9a-f]{12}$",
                             REG_EXTENDED | REG_NOSUB),
                     0);
    for (int i = 0; i < 200; i++) {
        b.len = 0;
        assert_int_equal(
            loader__render(i % 2 ? "{{ uuid }}" : "{{uuid()}}", &cx, 0, &b), 0);
        assert_int_equal(b.len, 36);
        assert_int_equal(regexec(&re, b.p, 0, NULL, 0), 0);
        if (i == 0)
            snprintf(first, sizeof(first), "%s", b.p);
        else
            assert_string_not_equal(first, b.p);
    }
    regfree(&re);
    loader__buf_release(&b);
}

static void test_random_int(void **state)
{
    static const struct {
        const char *tpl;
        long long lo, hi;
    } cases[] = {
        {"{{ random_int(1, 100) }}", 1, 100},
        {"{{random_int(-5,5)}}", -5, 5},
        {"{{ random_int(7, 7) }}", 7, 7},
        {"{{random_int( 0 , 1 )}}", 0, 1},
    };
    struct loader__buf b = {0};
    uint64_t rng = 7;
    struct loader__render_ctx cx = {NULL, 1, 0, &rng};

    (void)state;
    for (size_t c = 0; c < sizeof(cases) / sizeof(*cases); c++) {
        bool saw_lo = false, saw_hi = false;

        for (int i = 0; i < 2000; i++) {
            long long v;
            char *end;

            b.len = 0;
            assert_int_equal(loader__render(cases[c].tpl, &cx, 0, &b), 0);
            v = strtoll(b.p, &end, 10);
            assert_true(*end == '\0' && end != b.p);
            assert_true(v >= cases[c].lo && v <= cases[c].hi);
            saw_lo |= v == cases[c].lo;
            saw_hi |= v == cases[c].hi;
        }
        assert_true(saw_lo && saw_hi);
    }
    loader__buf_release(&b);
}

static void test_template_check(void **state)
{
    static const char *const good[] = {"/a/{{id}}", "{{ uuid }}",
                                       "{{random_int(1, 2)}}"};
    /* each refused with a message */
    static const char *const bad[] = {
        "{{random_int(2, 1)}}", "{{random_int(1)}}", "{{random_int(a, b)}}",
        "{{nope(1)}}",          "{{uuid(3)}}",       "{{random_int(1, 2}}"};
    char msg[200];

    (void)state;
    for (size_t i = 0; i < sizeof(good) / sizeof(*good); i++)
        assert_true(loader_template_check(good[i], msg, sizeof(msg)));
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        msg[0] = '\0';
        assert_false(loader_template_check(bad[i], msg, sizeof(msg)));
        if (!msg[0])
            fail_msg("'%s': refused without a message", bad[i]);
    }
}

static void test_escaping(void **state)
{
    static const struct {
        const char *in;
        const char *json, *query, *form;
    } cases[] = {
        {"plain", "plain", "plain", "plain"},
        {"a\"b\\c", "a\\\"b\\\\c", "a%22b%5Cc", "a%22b%5Cc"},
        {"x y&z=1", "x y&z=1", "x%20y%26z%3D1", "x+y%26z%3D1"},
        {"l1\nl2\t\x01", "l1\\nl2\\t\\u0001", "l1%0Al2%09%01", "l1%0Al2%09%01"},
        {"é~._-", "é~._-", "%C3%A9~._-", "%C3%A9~._-"},
    };
    struct loader__buf b = {0};

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        const char *in = cases[i].in;

        b.len = 0;
        assert_int_equal(loader__json_escape(in, strlen(in), &b), 0);
        assert_string_equal(b.p, cases[i].json);
        b.len = 0;
        assert_int_equal(loader__url_encode(in, strlen(in), false, &b), 0);
        assert_string_equal(b.p, cases[i].query);
        b.len = 0;
        assert_int_equal(loader__url_encode(in, strlen(in), true, &b), 0);
        assert_string_equal(b.p, cases[i].form);
    }
    loader__buf_release(&b);
}

/* A captured value with quotes stays valid JSON in a json: body. */
static void test_json_body_escapes_captures(void **state)
{
    struct loader_plan *p = fx_plan(
        "version: 1\ntarget: http://127.0.0.1:1\nload: {users: 1, "
        "requests: 1}\nscenarios:\n  - steps:\n      - post: /q?x={{v}}\n"
        "        json: {query: \"{{v}}\", n: 1}\n",
        "t.yaml");
    struct loader__vu vu;

    (void)state;
    vu_init(&vu);
    assert_int_equal(loader__vars_set(&vu.vars, "v", "say \"hi\"\\"), 0);
    /* escaped in the json body, not outside it */
    expect_step(p, 0, &vu, "http://127.0.0.1:1/q?x=say \"hi\"\\",
                "{\"query\":\"say \\\"hi\\\"\\\\\",\"n\":1}");
    loader__vu_release(&vu);
    loader_plan_free(p);
}

static void test_form_query_render(void **state)
{
    struct loader_plan *p = fx_plan(
        "version: 1\ntarget: http://h:1\nload: {users: 1, requests: 1}\n"
        "scenarios:\n  - steps:\n"
        "      - post: /login?a=1\n"
        "        query: {q: \"{{name}} & co\", \"k y\": 2}\n"
        "        form: {user: \"{{name}}\", pass: \"p@ss w=rd\"}\n"
        "      - get: /plain\n        query: {x: \"1/2\"}\n",
        "t.yaml");
    struct loader__vu vu;
    bool ctype = false;

    (void)state;
    vu_init(&vu);
    assert_int_equal(loader__vars_set(&vu.vars, "name", "Zoë"), 0);
    expect_step(p, 0, &vu, "http://h:1/login?a=1&q=Zo%C3%AB%20%26%20co&k%20y=2",
                "user=Zo%C3%AB&pass=p%40ss+w%3Drd");
    for (size_t i = 0; i < vu.n_headers; i++)
        ctype |= strcmp(vu.headers[i],
                        "Content-Type: application/x-www-form-urlencoded") == 0;
    assert_true(ctype);
    expect_step(p, 1, &vu, "http://h:1/plain?x=1%2F2", "");
    loader__vu_release(&vu);
    loader_plan_free(p);
}

/* ---- captures and expectations ---------------------------------------- */

static void test_capture_kinds(void **state)
{
    static const char hdrs[] = "Content-Type: application/json\r\n"
                               "x-token:  abc123 \r\nSet-Cookie: s=1";
    static const char body[] =
        "{\"token\":\"t-1\",\"n\":5,\"next\":\"/p?id=77&x\"}";
    static const struct {
        const char *yaml;
        int rc;
        const char *want;
    } cases[] = {
        {"/token", 0, "t-1"},
        {"{json: /n}", 0, "5"},
        {"{json: /missing}", LOADER_EINVAL, NULL},
        {"{header: X-Token}", 0, "abc123"},
        {"{header: set-cookie}", 0, "s=1"},
        {"{header: X-Absent}", LOADER_EINVAL, NULL},
        {"{regex: \"id=([0-9]+)\"}", 0, "77"},
        {"{regex: \"n.:[0-9]+\"}", 0, "n\":5"},
        {"{regex: \"zzz([0-9])\"}", LOADER_EINVAL, NULL},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        char text[512], *val = NULL;
        struct loader_plan *p;

        snprintf(text, sizeof(text), "capture: {v: %s}", cases[i].yaml);
        p = get_step(text);
        assert_int_equal(
            loader__capture_value(&p->scenarios[0].steps[0].captures[0], hdrs,
                                  strlen(hdrs), body, strlen(body), &val),
            cases[i].rc);
        if (cases[i].want)
            assert_string_equal(val, cases[i].want);
        else
            assert_null(val);
        free(val);
        loader_plan_free(p);
    }
}

/* http-parser hands headers over in pieces split anywhere by the reads;
 * they join into "Name: value" lines, a new response starts afresh, and
 * a line past the 64 KiB cap is dropped whole. */
static void test_header_pieces(void **state)
{
    static const char *const pieces[][2] = {
        {"f", "Content-"},   {"f", "Type"},
        {"v", "appl"},       {"v", "ication/json"},
        {"f", "X-To"},       {"f", "ken"},
        {"v", "t"},          {"v", "ok-1"},
        {"f", "Empty"},      {"v", ""},
        {"f", "Set-Cookie"}, {"v", "s=1"},
    };
    struct loader__vu vu;
    char big[2048];

    (void)state;
    memset(&vu, 0, sizeof(vu));
    loader__vu_header_begin(&vu);
    /* a value before any name (a broken parser state) keeps nothing */
    assert_int_equal(loader__vu_header_part(&vu, "x", 1, true), 0);
    assert_int_equal(vu.tmp.len, 0);
    for (size_t i = 0; i < sizeof(pieces) / sizeof(*pieces); i++)
        assert_int_equal(loader__vu_header_part(&vu, pieces[i][1],
                                                strlen(pieces[i][1]),
                                                pieces[i][0][0] == 'v'),
                         0);
    assert_int_equal(vu.tmp.len, strlen("Content-Type: application/json\n"
                                        "X-Token: tok-1\nEmpty: \n"
                                        "Set-Cookie: s=1"));
    assert_memory_equal(vu.tmp.p,
                        "Content-Type: application/json\nX-Token: tok-1\n"
                        "Empty: \nSet-Cookie: s=1",
                        vu.tmp.len);

    /* the next response (after a 100 Continue, say) replaces them */
    loader__vu_header_begin(&vu);
    assert_int_equal(loader__vu_header_part(&vu, "A", 1, false), 0);
    assert_int_equal(loader__vu_header_part(&vu, "b", 1, true), 0);
    assert_int_equal(vu.tmp.len, 4);
    assert_memory_equal(vu.tmp.p, "A: b", 4);

    /* past 64 KiB: the unfinished line goes, the finished ones stay */
    memset(big, 'v', sizeof(big));
    assert_int_equal(loader__vu_header_part(&vu, "Big", 3, false), 0);
    for (int i = 0; i < 40; i++)
        assert_int_equal(loader__vu_header_part(&vu, big, sizeof(big), true),
                         0);
    assert_int_equal(vu.tmp.len, 4);
    assert_int_equal(loader__vu_header_part(&vu, "C", 1, false), 0);
    assert_int_equal(vu.tmp.len, 4);
    loader__buf_release(&vu.tmp);
}

/* More headers than the 16 kept on the stack while rendering: every one
 * still arrives, in order, a step header replacing a default. */
static void test_many_headers(void **state)
{
    char text[4096], want[64];
    size_t len;
    struct loader_plan *p;
    struct loader__vu vu;

    (void)state;
    len = (size_t)snprintf(text, sizeof(text),
                           "version: 1\ntarget: http://h:1\ndefaults:\n"
                           "  headers:\n");
    for (int i = 0; i < 20; i++)
        len += (size_t)snprintf(text + len, sizeof(text) - len,
                                "    X-D%02d: d%d\n", i, i);
    snprintf(text + len, sizeof(text) - len,
             "load: {users: 1, requests: 1}\nscenarios:\n  - steps:\n"
             "      - post: /\n        json: {a: 1}\n"
             "        headers: {X-D03: step, X-S: \"s{{ uuid }}\"}\n");
    p = fx_plan(text, "h.yaml");
    vu_init(&vu);
    assert_int_equal(loader__vu_render(p, &p->scenarios[0].steps[0], &vu), 0);
    /* 19 defaults, 2 step headers, Content-Type */
    assert_int_equal(vu.n_headers, 22);
    for (int i = 0, k = 0; i < 20; i++) {
        if (i == 3)
            continue;
        snprintf(want, sizeof(want), "X-D%02d: d%d", i, i);
        assert_string_equal(vu.headers[k++], want);
    }
    assert_string_equal(vu.headers[19], "X-D03: step");
    assert_int_equal(strncmp(vu.headers[20], "X-S: s", 6), 0);
    assert_int_equal(strlen(vu.headers[20]), 6 + 36);
    assert_string_equal(vu.headers[21], "Content-Type: application/json");
    loader__vu_release(&vu);
    loader_plan_free(p);
}

static void test_expect_body(void **state)
{
    static const struct {
        const char *expect, *body;
        bool ok;
    } cases[] = {
        {"{body_contains: ready}", "{\"s\":\"ready\"}", true},
        {"{body_contains: ready}", "{\"s\":\"busy\"}", false},
        {"{json: {/s: ready}}", "{\"s\":\"ready\"}", true},
        {"{json: {/s: ready}}", "{\"s\":\"readyx\"}", false},
        {"{json: {/n: 2}}", "{\"n\":2.0}", true},
        {"{json: {/n: 2}}", "{\"n\":\"2\"}", false},
        {"{json: {/a/1: true}}", "{\"a\":[false,true]}", true},
        {"{json: {/a: [1, 2]}}", "{\"a\":[1,2]}", true},
        {"{json: {/missing: null}}", "{\"a\":1}", false},
        {"{json: {/a: 1}}", "not json", false},
        {"{status: 200, body_contains: a, json: {/a: 1}}", "{\"a\":1}", true},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        char text[512], why[200] = "";
        struct loader_plan *p;
        const struct loader_step *s;

        snprintf(text, sizeof(text), "expect: %s", cases[i].expect);
        p = get_step(text);
        s = &p->scenarios[0].steps[0];
        assert_true(loader__step_keeps_body(s));
        assert_int_equal(loader__expect_body(s, cases[i].body,
                                             strlen(cases[i].body), false, why,
                                             sizeof(why)),
                         cases[i].ok);
        assert_true(cases[i].ok || why[0]);
        /* a body cut at 1 MiB never passes a body check */
        assert_false(loader__expect_body(s, cases[i].body,
                                         strlen(cases[i].body), true, NULL, 0));
        loader_plan_free(p);
    }
}

/* ---- feeders ------------------------------------------------------------ */

static void test_feeder_csv(void **state)
{
    static const struct {
        const char *csv;
        int rc;
        size_t cols, rows;
        const char *last, *msg;
    } cases[] = {
        {"a,b\n1,2\n3,4\n", 0, 2, 2, "4", NULL},
        {"\xEF\xBB\xBFid\r\n1\r\n\r\n2\r\n", 0, 1, 2, "2", NULL},
        {"a,b\n\"x,\"\"y\"\"\nz\",2\n", 0, 2, 1, "2", NULL},
        {"a,b\n\"x,\"\"y\"\"\nz\",2\n", 0, 2, 1, "2", NULL},
        {"", PROFILE_EPROFILE, 0, 0, NULL, "is empty"},
        {"a,b\n", PROFILE_EPROFILE, 0, 0, NULL, "no data rows"},
        {"a,b\n1,2,3\n", PROFILE_EPROFILE, 0, 0, NULL, "f.csv:2: 3 fields"},
        {"a,a\n1,2\n", PROFILE_EPROFILE, 0, 0, NULL, "appears twice"},
        {"a b\n1\n", PROFILE_EPROFILE, 0, 0, NULL, "not a variable name"},
        {"a\n\"open\n", PROFILE_EPROFILE, 0, 0, NULL, "never closed"},
        {"a\nx\"y\n", PROFILE_EPROFILE, 0, 0, NULL, "a quote inside"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        struct loader_feeder *f = calloc(1, sizeof(*f));
        char msg[300] = "";
        int rc;

        assert_non_null(f);
        f->file = strdup("f.csv");
        rc = profile__feeder_parse(f, cases[i].csv, strlen(cases[i].csv), msg,
                                   sizeof(msg));
        assert_int_equal(rc, cases[i].rc);
        if (rc == 0) {
            assert_int_equal(f->n_columns, cases[i].cols);
            assert_int_equal(f->n_rows, cases[i].rows);
            assert_string_equal(f->cells[f->n_rows_all * f->n_columns - 1],
                                cases[i].last);
        } else {
            assert_non_null(strstr(msg, cases[i].msg));
        }
        loader__feeder_free(f);
    }
}

/* rows users get: sequence in order, each once per round; shards get
 * disjoint slices covering every row. */
static void test_feeder_order_and_shards(void **state)
{
    struct profile *prof = NULL;
    struct loader_plan *p;
    struct profile_error err;
    struct loader__vu vu;
    char errbuf[200];
    const struct loader_feeder *f;

    (void)state;
    assert_int_equal(profile_load(PROFILES "scenario.yml", &prof, &err), 0);
    p = prof->plan;
    f = p->data;
    assert_non_null(f);
    assert_false(f->random);
    assert_int_equal(f->n_rows, 4);
    assert_string_equal(f->columns[0], "user");
    assert_string_equal(f->cells[1], "p,1");
    assert_string_equal(f->cells[4], "carol \"c\"");
    assert_true(p->scenarios[0].data->random);

    memset(&vu, 0, sizeof(vu));
    /* 3 users, 2 iterations: rows 0 1 2 3 0 1 in order */
    {
        static const char *const want[] = {"alice", "bob",   "carol \"c\"",
                                           "dave",  "alice", "bob"};
        for (unsigned k = 0; k < 6; k++) {
            vu.number = k % 3 + 1;
            vu.iteration = k / 3;
            assert_int_equal(loader__vu_seed(&vu, NULL, 0, f, 3), 0);
            assert_string_equal(loader__vars_get(&vu.vars, "user", 4), want[k]);
        }
    }
    /* random: every row shows up, only rows of the slice */
    {
        unsigned seen[4] = {0};
        vu.rng = 5;
        for (int k = 0; k < 400; k++) {
            const char *u;
            assert_int_equal(
                loader__vu_seed(&vu, NULL, 0, p->scenarios[0].data, 3), 0);
            u = loader__vars_get(&vu.vars, "user", 4);
            for (int r = 0; r < 4; r++)
                seen[r] += strcmp(u, f->cells[r * 2]) == 0;
        }
        for (int r = 0; r < 4; r++)
            assert_true(seen[r] > 50);
    }
    /* shared (setup) variables come first, a row's columns after */
    {
        struct loader_kv shared[] = {{(char *)"token", (char *)"T", false},
                                     {(char *)"user", (char *)"X", false}};
        vu.number = 2;
        vu.iteration = 0;
        assert_int_equal(loader__vu_seed(&vu, shared, 2, f, 3), 0);
        assert_string_equal(loader__vars_get(&vu.vars, "token", 5), "T");
        assert_string_equal(loader__vars_get(&vu.vars, "user", 4), "bob");
    }
    /* shards: 1/3 rows [0,1), 2/3 [1,2), 3/3 [2,4) */
    {
        static const size_t r0[] = {0, 1, 2}, n[] = {1, 1, 2};
        for (unsigned i = 1; i <= 3; i++) {
            assert_int_equal(
                loader_plan_shard_feeder(p, i, 3, errbuf, sizeof(errbuf)), 0);
            assert_int_equal(p->data->row0, r0[i - 1]);
            assert_int_equal(p->data->n_rows, n[i - 1]);
            assert_int_equal(p->scenarios[0].data->n_rows, n[i - 1]);
        }
        vu.number = 1;
        for (uint64_t it = 0; it < 4; it++) {
            vu.iteration = it;
            assert_int_equal(loader__vu_seed(&vu, NULL, 0, f, 2), 0);
            assert_true(
                strcmp(loader__vars_get(&vu.vars, "user", 4), "carol \"c\"") ==
                    0 ||
                strcmp(loader__vars_get(&vu.vars, "user", 4), "dave") == 0);
        }
        assert_int_equal(
            loader_plan_shard_feeder(p, 1, 5, errbuf, sizeof(errbuf)),
            LOADER_EINVAL);
        assert_non_null(strstr(errbuf, "gets no rows of users.csv"));
        assert_int_equal(
            loader_plan_shard_feeder(p, 0, 2, errbuf, sizeof(errbuf)),
            LOADER_EINVAL);
        assert_int_equal(
            loader_plan_shard_feeder(p, 0, 0, errbuf, sizeof(errbuf)), 0);
    }
    loader__vu_release(&vu);
    profile_free(prof);
}

/* ---- the profile -------------------------------------------------------- */

static void test_profile_keys(void **state)
{
    struct profile *prof = NULL;
    const struct loader_plan *p;
    struct profile_error err;
    const struct loader_step *s;
    const struct metrics_threshold *t;
    static const char *const levels[] = {
        "top",  "defaults", "target",  "load", "stage",     "scenario",
        "step", "expect",   "capture", "data", "threshold", "wait_for"};
    size_t n;

    (void)state;
    for (size_t i = 0; i < sizeof(levels) / sizeof(*levels); i++) {
        assert_non_null(profile__keys(levels[i], &n));
        assert_true(n > 0);
    }
    assert_null(profile__keys("nope", &n));
    assert_int_equal(n, 0);

    assert_int_equal(profile_load(PROFILES "scenario.yml", &prof, &err), 0);
    p = prof->plan;
    assert_true(p->insecure);
    assert_true(p->follow_redirects);
    assert_string_equal(p->target, "http://127.0.0.1:1");
    assert_non_null(p->wait_for);
    assert_string_equal(p->wait_for->method, "GET");
    assert_string_equal(p->wait_for->path, "/health");
    assert_true(p->wait_for->timeout_s == 5 && p->wait_for->interval_s == 0.1);
    assert_int_equal(p->n_setup, 1);
    assert_int_equal(p->setup[0].n_form, 2);
    assert_int_equal(p->setup[0].captures[0].kind, LOADER_CAPTURE_HEADER);
    assert_string_equal(p->setup[0].captures[0].header, "X-Token");
    assert_int_equal(p->n_teardown, 1);
    assert_string_equal(p->teardown[0].method, "DELETE");
    s = &p->scenarios[0].steps[0];
    assert_int_equal(s->n_query, 2);
    assert_string_equal(s->query[1].value, "2");
    assert_int_equal(s->n_expect_status, 2);
    assert_string_equal(s->expect_body_contains, "ok");
    assert_int_equal(s->n_expect_json, 2);
    assert_string_equal(s->expect_json[0].value, "true");
    assert_string_equal(s->expect_json[1].value, "1");
    assert_int_equal(s->captures[0].kind, LOADER_CAPTURE_REGEX);
    assert_non_null(s->captures[0].compiled);
    assert_int_equal(s->captures[1].kind, LOADER_CAPTURE_JSON);
    assert_string_equal(s->captures[1].pointer, "/token");
    s = &p->scenarios[0].steps[1];
    assert_string_equal(s->body_file, "payload.json");
    assert_string_equal(s->body, "{\"hello\": \"{{name}}\", \"n\": ${vu}}");
    t = &prof->written[0];
    assert_null(t->endpoint);
    assert_string_equal(t->check, "p95 < 1s");
    assert_string_equal(t->severity, "warn");
    assert_true(t->for_s == 30);
    assert_true(t->abort_run);
    assert_string_equal(t->min_effect, "5ms");
    /* and parsed once, with the profile */
    assert_int_equal(prof->thresholds[0].stat, METRICS_STAT_P95);
    assert_true(prof->thresholds[0].warn_only);
    assert_true(prof->thresholds[0].for_s == 30);
    assert_true(prof->thresholds[0].abort_run);
    assert_true(prof->thresholds[0].min_effect == 5.0);
    assert_ptr_equal(prof->thresholds[0].file, t->file);
    profile_free(prof);
}

#define HEAD "version: 1\ntarget: http://h:1\nload: {users: 1, requests: 1}\n"
#define SC "scenarios:\n  - steps:\n      - get: /\n"
#define STEP HEAD SC

static void test_errors(void **state)
{
    static const struct {
        const char *name, *text;
        int line, col;
        const char *msg;
    } cases[] = {
        {"capture kind typo", STEP "        capture: {v: {haeder: X}}\n", 7, 23,
         "unknown key 'haeder' in a capture; did you mean 'header'?"},
        {"capture two kinds",
         STEP "        capture: {v: {header: X, regex: a}}\n", 7, 22,
         "give exactly one of json, header or regex"},
        {"bad regex", STEP "        capture: {v: {regex: \"a(\"}}\n", 7, 30,
         "bad regular expression"},
        {"bad header name", STEP "        capture: {v: {header: \"a b\"}}\n", 7,
         31, "is not a header name"},
        {"expect typo", STEP "        expect: {body_contain: x}\n", 7, 18,
         "did you mean 'body_contains'?"},
        {"expect json key", STEP "        expect: {json: {status: 1}}\n", 7, 25,
         "is not a JSON pointer"},
        {"expect json empty", STEP "        expect: {json: {}}\n", 7, 24,
         "expect 'json' is empty"},
        {"form and json", STEP "        json: {a: 1}\n        form: {a: 1}\n",
         8, 9, "'json' and 'form' cannot be used together"},
        {"form not a map", STEP "        form: [a]\n", 7, 15,
         "'form' must be a map"},
        {"query typo", STEP "        qurey: {a: 1}\n", 7, 9,
         "did you mean 'query'?"},
        {"body file missing", STEP "        body: \"@nope.json\"\n", 7, 15,
         "cannot open"},
        {"bad template fn",
         HEAD "scenarios:\n  - steps:\n      - get: "
              "\"/{{random_int(5,1)}}\"\n",
         6, 14, "needs min <= max"},
        {"data without file", HEAD "data: {order: random}\n" SC, 4, 7,
         "'data' needs 'file'"},
        {"data bad order",
         HEAD "data: {file: " PROFILES "users.csv, order: shuffled}\n" SC, 4, 0,
         "'order' must be sequence or random"},
        {"data missing file", HEAD "data: {file: none.csv}\n" SC, 4, 14,
         "data: cannot open"},
        {"data key typo", HEAD "data: {flie: a.csv}\n" SC, 4, 8,
         "did you mean 'file'?"},
        {"insecure not bool",
         "version: 1\ntarget: {url: \"http://h:1\", insecure: maybe}\n"
         "load: {users: 1, requests: 1}\nscenarios:\n  - steps:\n"
         "      - get: /\n",
         2, 39, "'insecure' must be true or false"},
        {"ca_file missing",
         HEAD "defaults: {ca_file: /nonexistent/ca.pem}\n" SC, 4, 21,
         "ca_file: cannot read"},
        {"wait_for typo", HEAD "wait_for: {get: /h, intervall: 1s}\n" SC, 4, 21,
         "did you mean 'interval'?"},
        {"wait_for no method", HEAD "wait_for: {timeout: 1s}\n" SC, 4, 11,
         "wait_for needs what to poll"},
        {"wait_for bad timeout", HEAD "wait_for: {get: /h, timeout: soon}\n" SC,
         4, 30, "'timeout': expected a duration"},
        {"setup not a list", HEAD "setup: {get: /}\n" SC, 4, 8,
         "'setup' must be a list"},
        {"setup step error", HEAD "setup:\n  - get: /\n    bogus: 1\n" SC, 6, 5,
         "unknown key 'bogus' in a step"},
        {"threshold no check", STEP "thresholds:\n  - severity: warn\n", 8, 5,
         "a threshold map needs 'check'"},
        {"threshold severity",
         STEP "thresholds:\n  - {check: p95 < 1s, severity: fatal}\n", 8, 33,
         "'severity' must be warn or error"},
        {"threshold for", STEP "thresholds:\n  - {check: p95 < 1s, for: x}\n",
         8, 28, "'for': expected a duration"},
        {"threshold abort",
         STEP "thresholds:\n  - {check: p95 < 1s, abort: 2}\n", 8, 30,
         "'abort' must be true or false"},
        {"threshold typo",
         STEP "thresholds:\n  - {check: p95 < 1s, min_efect: 5ms}\n", 8, 23,
         "did you mean 'min_effect'?"},
        {"follow_redirects typo", HEAD "defaults: {follow_redirect: true}\n" SC,
         4, 12, "did you mean 'follow_redirects'?"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        struct profile *p = NULL;
        struct profile_error err;
        int rc = profile_parse(cases[i].text, strlen(cases[i].text), "e.yaml",
                               &p, &err);
        char msg[1024];

        profile_error_format(&err, msg, sizeof(msg));
        print_message("%-24s %s\n", cases[i].name, msg);
        assert_int_equal(rc, PROFILE_EPROFILE);
        assert_null(p);
        assert_int_equal(err.line, cases[i].line);
        if (cases[i].col)
            assert_int_equal(err.col, cases[i].col);
        assert_non_null(strstr(err.msg, cases[i].msg));
    }
}

/* New keys enter the hash only when used: an old profile keeps its
 * hash; each new key that changes the load changes it; thresholds and
 * TLS settings do not. */
static void test_hash(void **state)
{
    static const char base[] = HEAD "scenarios:\n  - steps:\n      - "
                                    "post: /x\n        capture: {id: /id}\n";
    static const struct {
        const char *text;
        bool same;
    } cases[] = {
        {HEAD "scenarios:\n  - steps:\n      - post: /x\n        capture: "
              "{id: {json: /id}}\n",
         true},
        {HEAD "defaults: {insecure: true}\nscenarios:\n  - steps:\n      - "
              "post: /x\n        capture: {id: /id}\n",
         true},
        {HEAD "scenarios:\n  - steps:\n      - post: /x\n        capture: "
              "{id: /id}\nthresholds:\n  - {check: p95 < 1s, severity: warn, "
              "for: 1m}\n",
         true},
        {HEAD "scenarios:\n  - steps:\n      - post: /x\n        capture: "
              "{id: {header: X-Id}}\n",
         false},
        {HEAD "scenarios:\n  - steps:\n      - post: /x\n        capture: "
              "{id: {regex: \"id=(\\\\d)\"}}\n",
         false},
        {HEAD "scenarios:\n  - steps:\n      - post: /x\n        capture: "
              "{id: /id}\n        query: {a: 1}\n",
         false},
        {HEAD "scenarios:\n  - steps:\n      - post: /x\n        capture: "
              "{id: /id}\n        form: {a: 1}\n",
         false},
        {HEAD "scenarios:\n  - steps:\n      - post: /x\n        capture: "
              "{id: /id}\n        expect: {body_contains: ok}\n",
         false},
        {HEAD "scenarios:\n  - steps:\n      - post: /x\n        capture: "
              "{id: /id}\n        expect: {json: {/ok: true}}\n",
         false},
        {HEAD "defaults: {follow_redirects: true}\nscenarios:\n  - steps:\n"
              "      - post: /x\n        capture: {id: /id}\n",
         false},
        {HEAD "data: {file: " PROFILES "users.csv}\nscenarios:\n  - steps:\n"
              "      - post: /x\n        capture: {id: /id}\n",
         false},
    };
    struct loader_plan *b = fx_plan(base, "h.yaml");
    char prev[65] = "";

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        struct loader_plan *p = fx_plan(cases[i].text, "h.yaml");

        print_message("case %zu: %s\n", i, p->sha256);
        assert_int_equal(strcmp(p->sha256, b->sha256) == 0, cases[i].same);
        assert_string_not_equal(p->sha256, prev);
        if (!cases[i].same)
            snprintf(prev, sizeof(prev), "%s", p->sha256);
        loader_plan_free(p);
    }
    /* the data order is part of the hash too */
    {
        struct loader_plan *a = fx_plan(HEAD "data: {file: " PROFILES
                                             "users.csv, order: random}\n" SC,
                                        "h.yaml");
        struct loader_plan *c =
            fx_plan(HEAD "data: {file: " PROFILES "users.csv}\n" SC, "h.yaml");
        assert_string_not_equal(a->sha256, c->sha256);
        loader_plan_free(a);
        loader_plan_free(c);
    }
    loader_plan_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_uuid),
        cmocka_unit_test(test_random_int),
        cmocka_unit_test(test_template_check),
        cmocka_unit_test(test_escaping),
        cmocka_unit_test(test_json_body_escapes_captures),
        cmocka_unit_test(test_form_query_render),
        cmocka_unit_test(test_capture_kinds),
        cmocka_unit_test(test_header_pieces),
        cmocka_unit_test(test_many_headers),
        cmocka_unit_test(test_expect_body),
        cmocka_unit_test(test_feeder_csv),
        cmocka_unit_test(test_feeder_order_and_shards),
        cmocka_unit_test(test_profile_keys),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_hash),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
