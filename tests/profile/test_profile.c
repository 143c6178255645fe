/* The profile parser on valid input: every field of a full profile, the
 * open model, ${ENV} expansion, secret headers, the profile hash, quick
 * profiles and profile_error_format(). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "profile.h"
#include "profile_internal.h"
#include "profile_fixture.h"

#define FIXTURE(name) LOADGATE_SOURCE_DIR "/tests/profile/profiles/" name

/* ---- the full profile ------------------------------------------------- */

static void test_full_profile(void **state)
{
    struct profile *p = NULL;
    struct profile_error err;
    const struct loader_scenario *s;
    const struct loader_step *st;
    (void)state;

    setenv("LG_TEST_TOKEN", "s3cr3t", 1);
    unsetenv("LG_TEST_HOST");
    assert_int_equal(profile_load(FIXTURE("full.yaml"), &p, &err), 0);
    assert_string_equal(p->path, FIXTURE("full.yaml"));
    assert_string_equal(p->plan->name, "full");
    assert_int_equal(p->version, 1);
    assert_string_equal(p->plan->target, "http://127.0.0.1:5000");
    assert_int_equal(p->plan->n_headers, 2);
    assert_string_equal(p->plan->headers[0].key, "Authorization");
    assert_string_equal(p->plan->headers[0].value, "Bearer s3cr3t");
    assert_true(p->plan->headers[0].secret);
    assert_string_equal(p->plan->headers[1].key, "X-Trace");
    assert_string_equal(p->plan->headers[1].value, "on");
    assert_true(p->plan->headers[1].secret); /* every default header */
    assert_true(p->plan->timeout_s == 90.0);
    assert_int_equal(p->plan->engine, LOADER_ENGINE_CURL);

    assert_int_equal(p->plan->load.users, 1000);
    assert_true(p->plan->load.spawn_rate == 50.0);
    assert_true(p->plan->load.duration_s == 300.0);
    assert_int_equal(p->plan->load.requests, 10000);
    assert_true(p->plan->load.warmup_s == 30.0);
    assert_true(p->plan->load.think_min_s == 1.0);
    assert_true(p->plan->load.think_max_s == 3.0);
    assert_int_equal(p->plan->load.max_in_flight, 64);
    assert_true(p->plan->load.rate == 0.0);
    assert_int_equal(p->plan->load.n_stages, 0);
    assert_null(p->plan->load.stages);

    assert_int_equal(p->plan->n_scenarios, 2);
    s = &p->plan->scenarios[0];
    assert_string_equal(s->name, "browse");
    assert_int_equal(s->weight, 3);
    assert_int_equal(s->line, 17);
    assert_int_equal(s->col, 5);
    assert_int_equal(s->n_steps, 1);
    st = &s->steps[0];
    assert_string_equal(st->method, "GET");
    assert_string_equal(st->path, "/api/health");
    assert_null(st->name);
    assert_null(st->body);
    assert_false(st->body_is_json);
    assert_int_equal(st->n_headers, 0);
    assert_int_equal(st->n_expect_status, 0);
    assert_int_equal(st->n_captures, 0);
    assert_true(st->timeout_s == 0.0);
    assert_int_equal(st->line, 20);
    assert_int_equal(st->col, 9);

    s = &p->plan->scenarios[1];
    assert_string_equal(s->name, "ask");
    assert_int_equal(s->weight, 5);
    assert_int_equal(s->n_steps, 6);
    st = &s->steps[0];
    assert_string_equal(st->method, "POST");
    assert_string_equal(st->path, "/api/agents/register");
    assert_string_equal(st->body, "{\"name\":\"agent-${vu}\",\"tags\":[\"a\",2,"
                                  "true,null,1.5],\"n\":\"7\"}");
    assert_true(st->body_is_json);
    assert_int_equal(st->n_captures, 2);
    assert_string_equal(st->captures[0].var, "agent");
    assert_string_equal(st->captures[0].pointer, "/agent_id");
    assert_string_equal(st->captures[1].var, "first_tag");
    assert_string_equal(st->captures[1].pointer, "/tags/0");
    assert_int_equal(st->n_expect_status, 1);
    assert_int_equal(st->expect_status[0], 201);
    assert_int_equal(st->line, 24);
    assert_int_equal(st->col, 9);

    st = &s->steps[1];
    assert_string_equal(st->method, "POST");
    assert_string_equal(st->path, "/api/agents/{{agent}}/query");
    assert_string_equal(st->name, "POST /api/agents/{id}/query");
    assert_int_equal(st->n_headers, 3);
    assert_string_equal(st->headers[0].key, "X-Request-Token");
    assert_string_equal(st->headers[0].value, "abc");
    assert_true(st->headers[0].secret); /* by its name */
    assert_string_equal(st->headers[1].key, "Accept");
    assert_false(st->headers[1].secret);
    assert_string_equal(st->headers[2].key, "X-Host");
    assert_string_equal(st->headers[2].value, "localhost");
    assert_true(st->headers[2].secret); /* holds an expansion */
    assert_string_equal(st->body, "{\"query\":\"SELECT 1\"}");
    assert_true(st->body_is_json);
    assert_int_equal(st->n_expect_status, 2);
    assert_int_equal(st->expect_status[0], 200);
    assert_int_equal(st->expect_status[1], 204);
    assert_true(st->timeout_s == 0.25);
    assert_int_equal(st->line, 28);

    st = &s->steps[2];
    assert_string_equal(st->method, "PUT");
    assert_string_equal(st->path, "/api/items/${iteration}");
    assert_string_equal(st->body, "raw ${literal} text");
    assert_false(st->body_is_json);
    st = &s->steps[3];
    assert_string_equal(st->method, "PATCH");
    assert_string_equal(st->body, "line one\n");
    assert_string_equal(s->steps[4].method, "DELETE");
    assert_string_equal(s->steps[5].method, "HEAD");
    assert_string_equal(s->steps[5].path, "/");
    assert_int_equal(s->steps[5].line, 43);

    assert_int_equal(p->n_thresholds, 5);
    assert_null(p->thresholds[0].endpoint);
    assert_string_equal(p->thresholds[0].expr, "p95 < 1s");
    assert_int_equal(p->thresholds[0].line, 45);
    assert_int_equal(p->thresholds[0].col, 5);
    assert_string_equal(p->thresholds[1].expr, "error_rate < 5%");
    assert_string_equal(p->thresholds[2].endpoint,
                        "POST /api/agents/{id}/query");
    assert_string_equal(p->thresholds[2].expr, "p99 < 2s");
    assert_int_equal(p->thresholds[2].line, 47);
    assert_string_equal(p->thresholds[3].expr, "p95 < baseline + 10%");
    assert_string_equal(p->thresholds[4].expr, "rps > baseline - 10%");
    assert_int_equal(p->thresholds[4].line, 50);
    assert_string_equal(p->baseline.spec, "baselines/main.json");
    assert_int_equal(p->baseline.line, 51);
    assert_int_equal(strlen(p->plan->sha256), 64);
    assert_int_equal(strspn(p->plan->sha256, "0123456789abcdef"), 64);
    profile_free(p);
    unsetenv("LG_TEST_TOKEN");
}

static const char open_model[] = "version: 1\n"
                                 "target: https://example.test:8443/base/\n"
                                 "load:\n"
                                 "  stages:\n"
                                 "    - { duration: 1m, rate: 100/s }\n"
                                 "    - { duration: 30s, rate: 6000/m }\n"
                                 "    - duration: 10s\n"
                                 "      rate: 0\n"
                                 "  max_in_flight: 500\n"
                                 "scenarios:\n"
                                 "  - steps: [ { get: / } ]\n";

static void test_open_model(void **state)
{
    struct profile *p = pfx_parse(open_model);
    (void)state;

    assert_string_equal(p->plan->target, "https://example.test:8443/base");
    assert_string_equal(p->plan->name, "t");
    assert_int_equal(p->plan->load.users, 0);
    assert_int_equal(p->plan->load.n_stages, 3);
    assert_true(p->plan->load.stages[0].duration_s == 60);
    assert_true(p->plan->load.stages[0].rate == 100);
    assert_true(p->plan->load.stages[1].duration_s == 30);
    assert_true(p->plan->load.stages[1].rate == 100);
    assert_true(p->plan->load.stages[2].rate == 0);
    /* without duration or requests the stages say how long */
    assert_true(p->plan->load.duration_s == 100);
    assert_int_equal(p->plan->load.requests, 0);
    assert_int_equal(p->plan->load.max_in_flight, 500);
    assert_true(p->plan->timeout_s == 10.0); /* the default */
    assert_int_equal(p->plan->engine, LOADER_ENGINE_AUTO);
    assert_null(p->baseline.spec);
    assert_int_equal(p->n_thresholds, 0);
    assert_string_equal(p->plan->scenarios[0].name, "scenario1");
    assert_int_equal(p->plan->scenarios[0].weight, 1);
    profile_free(p);
}

static void test_constant_rate(void **state)
{
    struct profile *p =
        pfx_parse("version: 1\ntarget: http://[::1]:8080\nengine: fast\n"
                  "load: { rate: 500/s, requests: 3, think_time: 2 }\n"
                  "scenarios: [ { name: x, steps: [ { get: '/a?b=1' } ] } ]\n");
    (void)state;

    assert_string_equal(p->plan->target, "http://[::1]:8080");
    assert_int_equal(p->plan->engine, LOADER_ENGINE_FAST);
    assert_true(p->plan->load.rate == 500);
    assert_int_equal(p->plan->load.requests, 3);
    assert_true(p->plan->load.duration_s == 0);
    assert_true(p->plan->load.think_min_s == 2 &&
                p->plan->load.think_max_s == 2);
    assert_string_equal(p->plan->scenarios[0].steps[0].path, "/a?b=1");
    profile_free(p);
}

/* ---- ${ENV} ------------------------------------------------------------ */

struct env_case {
    const char *set;   /* LG_E1 value, NULL: unset */
    const char *value; /* the baseline: value as written */
    const char *want;  /* expected result; NULL: an error */
    const char *frag;  /* message fragment for errors */
};

static const struct env_case env_cases[] = {
    {"main", "${LG_E1}", "main", NULL},
    {"main", "b/${LG_E1}.json", "b/main.json", NULL},
    {NULL, "${LG_E1:-dflt}", "dflt", NULL},
    {"", "${LG_E1:-dflt}", "dflt", NULL}, /* set but empty, as in sh */
    {"x", "${LG_E1:-dflt}", "x", NULL},
    {NULL, "${LG_E1:-}x", "x", NULL},
    {NULL, "u${vu}-${iteration}", "u${vu}-${iteration}", NULL},
    {NULL, "$${LG_E1}", "${LG_E1}", NULL},
    {NULL, "cost $5 and $x", "cost $5 and $x", NULL},
    {NULL, "{{agent}}", "{{agent}}", NULL},
    {NULL, "${LG_E1}", NULL,
     "environment variable LG_E1 is not set; use "
     "${LG_E1:-default} for an optional one"},
    {NULL, "a ${LG_E1", NULL, "unterminated ${LG_E1"},
    {NULL, "${1X}", NULL, "must start ${NAME}"},
    {NULL, "${}", NULL, "must start ${NAME}"},
    {NULL, "${LG_E1-x}", NULL, "unterminated"},
};

static void test_env_expansion(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(env_cases) / sizeof(*env_cases); i++) {
        const struct env_case *c = &env_cases[i];
        struct profile *p = NULL;
        struct profile_error err;
        char text[512];
        int rc;

        if (c->set)
            setenv("LG_E1", c->set, 1);
        else
            unsetenv("LG_E1");
        snprintf(text, sizeof(text),
                 "version: 1\ntarget: http://h\nload: {users: 1, "
                 "requests: 1}\nscenarios: [{steps: [{get: /}]}]\n"
                 "baseline: '%s'\n",
                 c->value);
        rc = profile_parse(text, strlen(text), "e.yaml", &p, &err);
        print_message("case %zu: %s -> rc %d %s\n", i, c->value, rc,
                      rc ? err.msg : p->baseline.spec);
        if (c->want) {
            assert_int_equal(rc, 0);
            assert_string_equal(p->baseline.spec, c->want);
        } else {
            assert_int_equal(rc, PROFILE_EPROFILE);
            assert_null(p);
            assert_int_equal(err.line, 5);
            assert_int_equal(err.col, 11);
            assert_non_null(strstr(err.msg, c->frag));
        }
        profile_free(p);
    }
    unsetenv("LG_E1");
}

/* The baseline: is classified once (compare_baseline_kind()); a file is
 * resolved against the profile's folder, a name or URL kept as is. */
static void test_baseline_kind(void **state)
{
    static const struct {
        const char *file, *value;
        enum compare_baseline_kind kind;
        const char *path;
    } cases[] = {
        {"perf/p.yaml", "baselines/main.json", COMPARE_BASELINE_FILE,
         "perf/baselines/main.json"},
        {"perf/p.yaml", "main.json", COMPARE_BASELINE_FILE, "perf/main.json"},
        {"perf/p.yaml", "/abs/main.json", COMPARE_BASELINE_FILE,
         "/abs/main.json"},
        {"p.yaml", "b/main.json", COMPARE_BASELINE_FILE, "b/main.json"},
        {"perf/p.yaml", "main", COMPARE_BASELINE_NAME, "main"},
        /* a name holding ".json" is still a name (one rule everywhere) */
        {"perf/p.yaml", "main.json.old", COMPARE_BASELINE_NAME,
         "main.json.old"},
        {"perf/p.yaml", "HTTP://h:1/api/load-test/baselines/main",
         COMPARE_BASELINE_URL, "HTTP://h:1/api/load-test/baselines/main"},
        {"perf/p.yaml", NULL, COMPARE_BASELINE_NONE, NULL},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        struct profile *p = NULL;
        struct profile_error err;
        char text[512];

        snprintf(text, sizeof(text),
                 "version: 1\ntarget: http://h\nload: {users: 1, "
                 "requests: 1}\nscenarios: [{steps: [{get: /}]}]\n"
                 "%s%s\n",
                 cases[i].value ? "baseline: " : "",
                 cases[i].value ? cases[i].value : "");
        assert_int_equal(
            profile_parse(text, strlen(text), cases[i].file, &p, &err), 0);
        assert_int_equal(p->baseline.kind, cases[i].kind);
        assert_int_equal(compare_baseline_kind(p->baseline.spec),
                         cases[i].kind);
        if (cases[i].path) {
            assert_string_equal(p->baseline.path, cases[i].path);
            assert_int_equal(p->baseline.line, 5);
            assert_int_equal(p->baseline.col, 11);
        } else {
            assert_null(p->baseline.path);
        }
        profile_free(p);
    }
}

/* "$$${X}" is "$" followed by "$${X}"?  No: the scan sees "$$${" as "$"
 * then "$${" (a literal "${"), so the variable is not expanded. */
static void test_env_dollar_run(void **state)
{
    struct profile *p;
    (void)state;

    setenv("LG_E1", "v", 1);
    p = pfx_parse("version: 1\ntarget: http://h\nload: {users: 1, "
                  "requests: 1}\nscenarios: [{steps: [{get: /}]}]\n"
                  "baseline: '$$${LG_E1}'\n");
    assert_string_equal(p->baseline.spec, "$${LG_E1}");
    profile_free(p);
    unsetenv("LG_E1");
}

/* Keys are never expanded; numbers and durations are, before parsing. */
static void test_env_in_numbers_not_keys(void **state)
{
    struct profile *p;
    (void)state;

    setenv("LG_USERS", "42", 1);
    unsetenv("LG_DUR");
    p = pfx_parse("version: 1\ntarget: http://h\nload:\n  users: ${LG_USERS}\n"
                  "  duration: ${LG_DUR:-2m}\n\nscenarios: [{steps: [{get: /, "
                  "json: {'${LG_USERS}': '${LG_USERS}'}}]}]\n");
    assert_int_equal(p->plan->load.users, 42);
    assert_true(p->plan->load.duration_s == 120);
    assert_string_equal(p->plan->scenarios[0].steps[0].body,
                        "{\"${LG_USERS}\":\"42\"}");
    profile_free(p);
    unsetenv("LG_USERS");
}

/* An expanded value never shows in an error message: it may be a token. */
static void test_env_value_not_in_errors(void **state)
{
    static const char *const texts[] = {
        "version: 1\ntarget: http://h\nload: {users: '${LG_SECRET}', "
        "requests: 1}\nscenarios: [{steps: [{get: /}]}]\n",
        "version: 1\ntarget: '${LG_SECRET}'\nload: {users: 1, "
        "requests: 1}\nscenarios: [{steps: [{get: /}]}]\n",
        "version: 1\ntarget: http://h\nload: {users: 1, duration: "
        "'${LG_SECRET}'}\nscenarios: [{steps: [{get: /}]}]\n",
        "version: 1\ntarget: http://h\nload: {users: 1, requests: 1}\n"
        "scenarios: [{steps: [{get: '${LG_SECRET}'}]}]\n",
    };
    (void)state;

    setenv("LG_SECRET", "TOPSECRET-42", 1);
    for (size_t i = 0; i < sizeof(texts) / sizeof(*texts); i++) {
        struct profile *p = NULL;
        struct profile_error err;
        char msg[1200];

        assert_int_equal(
            profile_parse(texts[i], strlen(texts[i]), "s.yaml", &p, &err),
            PROFILE_EPROFILE);
        profile_error_format(&err, msg, sizeof(msg));
        print_message("%s\n", msg);
        assert_true(err.line > 0);
        assert_null(strstr(msg, "TOPSECRET"));
    }
    unsetenv("LG_SECRET");
}

/* ---- secrets ------------------------------------------------------------ */

struct secret_case {
    const char *name, *value;
    bool secret;
};

static const struct secret_case secret_cases[] = {
    {"Authorization", "Bearer x", true},
    {"authorization", "x", true},
    {"Cookie", "a=b", true},
    {"Proxy-Authorization", "Basic x", true},
    {"X-Api-Key", "k", true},
    {"X-API-KEY", "k", true},
    {"X-Auth-Token", "t", true},
    {"X-Client-Secret", "s", true},
    {"TOKEN", "s", true},
    {"Accept", "application/json", false},
    {"X-Trace", "1", false},
    {"X-Trace", "${LG_S1}", true},    /* holds an expansion */
    {"X-Trace", "${LG_S2:-d}", true}, /* a default counts too */
    {"X-Trace", "${vu}", false},      /* runtime, not the environment */
    {"X-Trace", "$${LG_S1}", false},  /* a literal */
    {"X-Keys", "keyring", false},
};

static void test_secret_marking(void **state)
{
    (void)state;
    setenv("LG_S1", "v", 1);
    unsetenv("LG_S2");
    for (size_t i = 0; i < sizeof(secret_cases) / sizeof(*secret_cases); i++) {
        const struct secret_case *c = &secret_cases[i];
        struct profile *p;
        char text[512];

        snprintf(text, sizeof(text),
                 "version: 1\ntarget: http://h\nload: {users: 1, "
                 "requests: 1}\nscenarios: [{steps: [{get: /, headers: "
                 "{'%s': '%s'}}]}]\n",
                 c->name, c->value);
        p = pfx_parse(text);
        print_message("%s: %s\n", c->name, c->value);
        assert_int_equal(p->plan->scenarios[0].steps[0].n_headers, 1);
        assert_string_equal(p->plan->scenarios[0].steps[0].headers[0].key,
                            c->name);
        assert_int_equal(p->plan->scenarios[0].steps[0].headers[0].secret,
                         c->secret);
        profile_free(p);
    }
    unsetenv("LG_S1");
}

/* ---- endpoint names never hold an ${ENV} value ------------------------- */

/* A path, name: or threshold endpoint: using ${ENV} names its endpoint
 * with the text as written: the request gets the value (a token in a query
 * string, say), every report only "${LG_TOKEN}".  It once named the
 * endpoint "GET /api/x?token=<the token>". */
static void test_endpoint_names_keep_env_unexpanded(void **state)
{
    static const char text[] =
        "version: 1\ntarget: http://h\nload: {users: 1, requests: 1}\n"
        "wait_for: {get: '/health?token=${LG_TOKEN}'}\n"
        "scenarios:\n  - steps:\n"
        "      - get: /api/x?token=${LG_TOKEN}\n"
        "      - get: /api/y/${LG_TOKEN}\n"
        "        name: \"GET /api/y/${LG_TOKEN}\"\n"
        "      - post: /api/z\n"
        "        name: \"z ${LG_TOKEN:-none}\"\n"
        "        query: {token: \"${LG_TOKEN}\"}\n"
        "      - get: /plain/${vu}?a=$${LG_TOKEN}\n"
        "thresholds:\n"
        "  - endpoint: \"GET /api/x?token=${LG_TOKEN}\"\n"
        "    check: p95 < 1s\n";
    static const char *const want[] = {
        "GET /api/x?token=${LG_TOKEN}", "GET /api/y/${LG_TOKEN}",
        "POST z ${LG_TOKEN:-none}", "GET /plain/${vu}?a=${LG_TOKEN}"};
    struct profile *p, *q;
    const struct loader_scenario *sc;
    char buf[256];
    size_t m;

    (void)state;
    setenv("LG_TOKEN", "TOPSECRET-1", 1);
    p = pfx_parse(text);
    setenv("LG_TOKEN", "TOPSECRET-2", 1);
    q = pfx_parse(text);
    unsetenv("LG_TOKEN");
    sc = &p->plan->scenarios[0];
    assert_int_equal(sc->n_steps, 4);
    for (size_t k = 0; k < sc->n_steps; k++) {
        m = loader_step_endpoint(&sc->steps[k], buf, sizeof(buf));
        print_message("step %zu: %s\n", k + 1, buf);
        assert_string_equal(buf, want[k]);
        assert_null(strstr(buf, "TOPSECRET"));
        assert_int_equal(m, strcspn(want[k], " "));
    }
    /* the requests get the values */
    assert_string_equal(sc->steps[0].path, "/api/x?token=TOPSECRET-1");
    assert_string_equal(sc->steps[1].path, "/api/y/TOPSECRET-1");
    assert_string_equal(sc->steps[2].query[0].value, "TOPSECRET-1");
    assert_true(sc->steps[2].query[0].secret);
    assert_string_equal(sc->steps[3].path, "/plain/${vu}?a=${LG_TOKEN}");
    assert_null(sc->steps[3].path_written); /* no ${ENV} in it */
    assert_string_equal(p->plan->wait_for->path, "/health?token=TOPSECRET-1");
    assert_string_equal(p->plan->wait_for->path_written,
                        "/health?token=${LG_TOKEN}");
    /* a threshold names the endpoint as the step does */
    assert_string_equal(p->thresholds[0].endpoint,
                        "GET /api/x?token=${LG_TOKEN}");
    /* nor does the value reach the profile's hash (a rotated token is
     * the same load) */
    assert_string_equal(p->plan->sha256, q->plan->sha256);
    profile_free(p);
    profile_free(q);
}

/* ---- the hash ----------------------------------------------------------- */

static const char hash_base[] =
    "version: 1\ntarget: http://a:1\n"
    "defaults: {headers: {Authorization: t1}, timeout: 5s}\n"
    "load: {users: 10, duration: 1m}\n"
    "scenarios: [{name: s, steps: [{get: /x, headers: {X-A: v1}}]}]\n"
    "thresholds: [p95 < 1s]\nbaseline: b1\n";

struct hash_case {
    const char *text;
    bool same;
};

static const struct hash_case hash_cases[] = {
    /* another host, thresholds, header values, defaults, baseline */
    {"version: 1\ntarget: https://b.example:2/\n"
     "defaults: {headers: {Authorization: t2}, timeout: 9s}\n"
     "load: {users: 10, duration: 1m}\n"
     "scenarios: [{name: s, steps: [{get: /x, headers: {X-A: v2}}]}]\n"
     "thresholds: [p99 < 3s, error_rate < 1%]\nbaseline: b2\n",
     true},
    /* the same load written differently */
    {"version: 1\ntarget: http://a:1\nload:\n  duration: 60s\n  users: 10\n"
     "scenarios:\n  - name: s\n    steps:\n      - headers: {X-A: v1}\n"
     "        get: /x\n",
     true},
    {"version: 1\ntarget: http://a:1\nload: {users: 11, duration: 1m}\n"
     "scenarios: [{name: s, steps: [{get: /x, headers: {X-A: v1}}]}]\n",
     false},
    {"version: 1\ntarget: http://a:1\nload: {users: 10, duration: 2m}\n"
     "scenarios: [{name: s, steps: [{get: /x, headers: {X-A: v1}}]}]\n",
     false},
    {"version: 1\ntarget: http://a:1\nload: {users: 10, duration: 1m}\n"
     "scenarios: [{name: s, steps: [{get: /y, headers: {X-A: v1}}]}]\n",
     false},
    {"version: 1\ntarget: http://a:1\nload: {users: 10, duration: 1m}\n"
     "scenarios: [{name: s, steps: [{post: /x, headers: {X-A: v1}}]}]\n",
     false},
    {"version: 1\ntarget: http://a:1\nload: {users: 10, duration: 1m}\n"
     "scenarios: [{name: s, steps: [{get: /x, headers: {X-B: v1}}]}]\n",
     false},
    {"version: 1\ntarget: http://a:1\nload: {users: 10, duration: 1m}\n"
     "scenarios: [{name: s, weight: 2, steps: [{get: /x, headers: "
     "{X-A: v1}}]}]\n",
     false},
    {"version: 1\ntarget: http://a:1\nengine: curl\n"
     "load: {users: 10, duration: 1m}\n"
     "scenarios: [{name: s, steps: [{get: /x, headers: {X-A: v1}}]}]\n",
     false},
    {"version: 1\ntarget: http://a:1\nload: {users: 10, duration: 1m}\n"
     "scenarios: [{name: s, steps: [{get: /x, headers: {X-A: v1}, "
     "expect: {status: 201}}]}]\n",
     false},
};

static void test_hash(void **state)
{
    struct profile *base = pfx_parse(hash_base), *again;
    (void)state;

    again = pfx_parse(hash_base);
    assert_string_equal(base->plan->sha256, again->plan->sha256);
    profile_free(again);
    for (size_t i = 0; i < sizeof(hash_cases) / sizeof(*hash_cases); i++) {
        struct profile *p = pfx_parse(hash_cases[i].text);
        print_message("hash case %zu\n", i);
        if (hash_cases[i].same)
            assert_string_equal(base->plan->sha256, p->plan->sha256);
        else
            assert_string_not_equal(base->plan->sha256, p->plan->sha256);
        profile_free(p);
    }
    profile_free(base);
}

/* ---- quick -------------------------------------------------------------- */

struct quick_case {
    const char *url, *method;
    const char *headers[3];
    const char *body;
    uint64_t requests;
    double duration_s;
    int rc;
    const char *target, *path, *want_method; /* or a message fragment */
};

static const struct quick_case quick_cases[] = {
    {"http://localhost:5000",
     NULL,
     {NULL},
     NULL,
     1000,
     0,
     0,
     "http://localhost:5000",
     "/",
     "GET"},
    {"https://h.example/api/x?y=1#frag",
     "post",
     {"Content-Type: text/plain", "X-Token:  abc  "},
     "hi",
     0,
     30,
     0,
     "https://h.example",
     "/api/x?y=1",
     "POST"},
    {"http://h?q=1",
     "head",
     {NULL},
     NULL,
     5,
     0,
     0,
     "http://h",
     "/?q=1",
     "HEAD"},
    {"http://[::1]:8080/",
     NULL,
     {NULL},
     NULL,
     5,
     0,
     0,
     "http://[::1]:8080",
     "/",
     "GET"},
    {"ftp://h/x",
     NULL,
     {NULL},
     NULL,
     5,
     0,
     PROFILE_EINVAL,
     "must start with http:// or https://",
     NULL,
     NULL},
    {"http://:80/",
     NULL,
     {NULL},
     NULL,
     5,
     0,
     PROFILE_EINVAL,
     "has no host",
     NULL,
     NULL},
    {"http://h:99999/",
     NULL,
     {NULL},
     NULL,
     5,
     0,
     PROFILE_EINVAL,
     "bad port",
     NULL,
     NULL},
    {"http://h x/",
     NULL,
     {NULL},
     NULL,
     5,
     0,
     PROFILE_EINVAL,
     "spaces",
     NULL,
     NULL},
    {"http://h/",
     NULL,
     {"NoColonHere"},
     NULL,
     5,
     0,
     PROFILE_EINVAL,
     "header 'NoColonHere' has no ':'",
     NULL,
     NULL},
    {"http://h/",
     NULL,
     {"Bad Name: v"},
     NULL,
     5,
     0,
     PROFILE_EINVAL,
     "bad name",
     NULL,
     NULL},
    {"http://h/",
     "BREW",
     {NULL},
     NULL,
     5,
     0,
     PROFILE_EINVAL,
     "method 'BREW'",
     NULL,
     NULL},
    {"http://h/",
     NULL,
     {NULL},
     NULL,
     0,
     0,
     PROFILE_EINVAL,
     "requests or a duration",
     NULL,
     NULL},
};

static void test_quick(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(quick_cases) / sizeof(*quick_cases); i++) {
        const struct quick_case *c = &quick_cases[i];
        struct profile_quick q = {0};
        struct profile *p = NULL;
        struct profile_error err;
        size_t nh = 0;
        int rc;

        while (nh < 3 && c->headers[nh])
            nh++;
        q.url = c->url;
        q.method = c->method;
        q.headers = c->headers;
        q.n_headers = nh;
        q.body = c->body;
        q.requests = c->requests;
        q.duration_s = c->duration_s;
        q.concurrency = 7;
        rc = profile_quick(&q, &p, &err);
        print_message("quick %s -> %d %s\n", c->url, rc, rc ? err.msg : "");
        assert_int_equal(rc, c->rc);
        if (rc) {
            assert_null(p);
            assert_non_null(strstr(err.msg, c->target));
            continue;
        }
        assert_string_equal(p->plan->name, "quick");
        assert_string_equal(p->plan->target, c->target);
        assert_int_equal(p->plan->n_scenarios, 1);
        assert_int_equal(p->plan->scenarios[0].n_steps, 1);
        assert_string_equal(p->plan->scenarios[0].steps[0].path, c->path);
        assert_string_equal(p->plan->scenarios[0].steps[0].method,
                            c->want_method);
        assert_int_equal(p->plan->scenarios[0].steps[0].n_headers, nh);
        assert_int_equal(p->n_thresholds, 0);
        assert_int_equal(p->plan->load.users, 7);
        assert_int_equal(p->plan->load.requests, c->requests);
        assert_true(p->plan->load.duration_s == c->duration_s);
        assert_true(p->plan->timeout_s == 10);
        assert_int_equal(strlen(p->plan->sha256), 64);
        profile_free(p);
    }
}

static void test_quick_details(void **state)
{
    const char *const h[] = {"X-Token:  abc  ", "Accept:json"};
    struct profile_quick q = {.url = "http://h:81/p",
                              .method = "post",
                              .headers = h,
                              .n_headers = 2,
                              .body = "{\"a\":1}",
                              .requests = 10,
                              .rate = 25};
    struct profile *p = NULL, *yaml;
    struct profile_error err;
    const struct loader_step *st;
    (void)state;

    assert_int_equal(profile_quick(&q, &p, &err), 0);
    st = &p->plan->scenarios[0].steps[0];
    assert_string_equal(st->headers[0].key, "X-Token");
    assert_string_equal(st->headers[0].value, "abc");
    assert_true(st->headers[0].secret);
    assert_string_equal(st->headers[1].key, "Accept");
    assert_string_equal(st->headers[1].value, "json");
    assert_false(st->headers[1].secret);
    assert_string_equal(st->body, "{\"a\":1}");
    assert_true(st->body_is_json);            /* no Content-Type given */
    assert_int_equal(p->plan->load.users, 1); /* concurrency 0 */
    assert_true(p->plan->load.rate == 25);

    /* hashed like the same profile written in YAML */
    yaml = pfx_parse("version: 1\ntarget: http://other\n"
                     "load: {users: 1, requests: 10, rate: 25/s}\n"
                     "scenarios:\n  - name: quick\n    steps:\n"
                     "      - post: /p\n        headers: {X-Token: x, "
                     "Accept: y}\n        body: '{\"a\":1}'\n");
    yaml->plan->scenarios[0].steps[0].body_is_json = true;
    assert_int_equal(profile__hash(yaml->plan), 0);
    assert_string_equal(p->plan->sha256, yaml->plan->sha256);
    profile_free(yaml);
    profile_free(p);
}

/* ---- profile_error_format ------------------------------------------------ */

struct format_case {
    const char *file;
    int line, col;
    const char *msg, *want;
};

static const struct format_case format_cases[] = {
    {"p.yaml", 3, 7, "bad", "p.yaml:3:7: bad"},
    {"p.yaml", 3, 0, "bad", "p.yaml:3: bad"},
    {"p.yaml", 0, 0, "cannot open", "p.yaml: cannot open"},
    {"", 2, 4, "x", "2:4: x"},
    {"", 0, 0, "just this", "just this"},
};

static void test_error_format(void **state)
{
    char buf[64];
    struct profile_error e;
    (void)state;

    for (size_t i = 0; i < sizeof(format_cases) / sizeof(*format_cases); i++) {
        const struct format_case *c = &format_cases[i];
        memset(&e, 0, sizeof(e));
        snprintf(e.file, sizeof(e.file), "%s", c->file);
        e.line = c->line;
        e.col = c->col;
        snprintf(e.msg, sizeof(e.msg), "%s", c->msg);
        profile_error_format(&e, buf, sizeof(buf));
        assert_string_equal(buf, c->want);
    }
    /* truncated, still terminated */
    snprintf(e.file, sizeof(e.file), "f.yaml");
    e.line = 1;
    e.col = 2;
    snprintf(e.msg, sizeof(e.msg), "%s", "0123456789");
    profile_error_format(&e, buf, 8);
    assert_string_equal(buf, "f.yaml:");
    profile_error_format(NULL, buf, sizeof(buf));
    assert_string_equal(buf, "");
}

static void test_load_missing_file(void **state)
{
    struct profile *p = NULL;
    struct profile_error err;
    char msg[1200];
    (void)state;

    assert_int_equal(profile_load(FIXTURE("no-such.yaml"), &p, &err),
                     PROFILE_EIO);
    assert_null(p);
    assert_int_equal(err.line, 0);
    profile_error_format(&err, msg, sizeof(msg));
    assert_string_equal(msg, FIXTURE("no-such.yaml") ": cannot open the "
                                                     "profile: No such file "
                                                     "or directory");
    assert_int_equal(profile_load(FIXTURE(""), &p, &err), PROFILE_EIO);
    assert_non_null(strstr(err.msg, "directory"));
    profile_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_profile),
        cmocka_unit_test(test_open_model),
        cmocka_unit_test(test_constant_rate),
        cmocka_unit_test(test_env_expansion),
        cmocka_unit_test(test_baseline_kind),
        cmocka_unit_test(test_env_dollar_run),
        cmocka_unit_test(test_env_in_numbers_not_keys),
        cmocka_unit_test(test_env_value_not_in_errors),
        cmocka_unit_test(test_secret_marking),
        cmocka_unit_test(test_endpoint_names_keep_env_unexpanded),
        cmocka_unit_test(test_hash),
        cmocka_unit_test(test_quick),
        cmocka_unit_test(test_quick_details),
        cmocka_unit_test(test_error_format),
        cmocka_unit_test(test_load_missing_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
