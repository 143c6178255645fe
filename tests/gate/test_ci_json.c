/* GitLab Load Performance JSON and the verdict JSON, parsed back with
 * jansson. */
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "gate_fixture.h"
#include "gate_internal.h"
#include "lgjson.h"
#include "lgtest.h"

/* ---- helpers ------------------------------------------------------------ */

static json_t *load_file(const char *path)
{
    json_error_t e;
    json_t *j = json_load_file(path, 0, &e);

    if (!j)
        fail_msg("%s: %d:%d: %s", path, e.line, e.column, e.text);
    return j;
}

static json_t *verdict_json(const struct gate_report *r)
{
    size_t n;
    char *buf = fx_render(gate_json_write, r, &n);
    json_error_t e;
    json_t *j;

    assert_true(n > 0 && buf[n - 1] == '\n');
    j = json_loadb(buf, n, 0, &e);
    if (!j)
        fail_msg("verdict JSON: %d:%d: %s\n%s", e.line, e.column, e.text, buf);
    free(buf);
    return j;
}

/* A number at a path of object keys ("metrics", "http_reqs", "rate"). */
static json_t *at(json_t *j, const char *a, const char *b, const char *c)
{
    j = json_object_get(j, a);
    if (j && b)
        j = json_object_get(j, b);
    if (j && c)
        j = json_object_get(j, c);
    return j;
}

static double num_at(json_t *j, const char *a, const char *b, const char *c)
{
    json_t *v = at(j, a, b, c);

    if (!v || !json_is_number(v))
        fail_msg("%s.%s.%s is not a number", a, b ? b : "", c ? c : "");
    return json_number_value(v);
}

static double value_of(const struct metrics_results *r, enum metrics_stat s)
{
    struct metrics_endpoint *all = NULL;
    double v = NAN;

    assert_int_equal(metrics_results_aggregate(r, &all), 0);
    assert_int_equal(metrics_value(r, all, s, &v), 0);
    metrics_endpoint_free(all);
    return v;
}

/* The GitLab report's path (tests/common/lgtest.h). */
static int setup(void **state)
{
    static struct tmp_file t;

    tmp_file_make(&t, "gate-ci", "load-performance.json");
    *state = &t;
    return 0;
}

static int teardown(void **state)
{
    tmp_file_remove(*state);
    return 0;
}

/* ---- GitLab -------------------------------------------------------------- */

static void test_gitlab_values(void **state)
{
    struct tmp_file *t = *state;
    struct metrics_results *run = fx_run();
    struct compare_verdict *v = fx_verdict(5);
    struct gate_report rep = {0};
    static const struct {
        const char *key;
        enum metrics_stat stat;
    } duration[] = {{"avg", METRICS_STAT_AVG},   {"min", METRICS_STAT_MIN},
                    {"med", METRICS_STAT_P50},   {"max", METRICS_STAT_MAX},
                    {"p(90)", METRICS_STAT_P90}, {"p(95)", METRICS_STAT_P95}};
    /* time to first byte, apart from the response time: 900 first bytes
     * at 2 ms and 100 at 7 ms on one endpoint, 200 at 40 ms on another
     * (the other two endpoints measured none) */
    static const struct {
        const char *key;
        double ms;
    } waiting[] = {{"avg", (900 * 2.0 + 100 * 7.0 + 200 * 40.0) / 1200},
                   {"min", 2},
                   {"med", 2},
                   {"max", 40},
                   {"p(90)", 40},
                   {"p(95)", 40}};
    char err[256] = "x";
    json_t *j, *g;

    for (size_t i = 0; i < 1200; i++)
        assert_int_equal(metrics_endpoint_record_timing(
                             run->endpoints[i < 1000 ? 0 : 1], 0, 0,
                             i < 900    ? 2000
                             : i < 1000 ? 7000
                                        : 40000),
                         0);

    fx_check(v, 0, "ALL", "p95 < 1s", COMPARE_PASS, NULL, NULL, NULL);
    fx_check(v, 1, "GET /a", "p95 < 1s", COMPARE_PASS, NULL, NULL, NULL);
    fx_check(v, 2, "GET /b", "p95 < 1s", COMPARE_PASS, NULL, NULL, NULL);
    fx_check(v, 3, "GET /c", "p95 < 1s", COMPARE_FAIL, NULL, NULL, NULL);
    fx_check(v, 4, "GET /d", "p99 < 1s", COMPARE_INCONCLUSIVE, NULL, NULL,
             NULL);
    rep.run = run;
    rep.verdict = v;
    assert_int_equal(gate_gitlab_lp_write(&rep, t->path, err, sizeof(err)), 0);
    assert_string_equal(err, "");
    j = load_file(t->path);
    /* 1,360 requests in 10 s */
    assert_int_equal(json_integer_value(at(j, "metrics", "http_reqs", "count")),
                     1360);
    assert_true(fabs(num_at(j, "metrics", "http_reqs", "rate") - 136.0) < 1e-9);
    for (size_t i = 0; i < sizeof(duration) / sizeof(duration[0]); i++) {
        double want = value_of(run, duration[i].stat);
        double got = num_at(j, "metrics", "http_req_duration", duration[i].key);

        if (fabs(got - want) > 1e-9 * fmax(1, want))
            fail_msg("%s: %g, want %g", duration[i].key, got, want);
    }
    /* the fixture's whole run: 660 of 1,360 requests at or below 10 ms,
     * so the median (rank 680) is 25 ms */
    assert_true(fabs(num_at(j, "metrics", "http_req_duration", "med") - 25) <
                0.1);
    assert_true(num_at(j, "metrics", "http_req_duration", "max") >= 400);
    /* GitLab's TTFB is the time to the first byte, not the response time
     * (exact below 256 us, within 0.4 % above) */
    for (size_t i = 0; i < sizeof(waiting) / sizeof(waiting[0]); i++) {
        double got = num_at(j, "metrics", "http_req_waiting", waiting[i].key);

        if (fabs(got - waiting[i].ms) > 0.004 * waiting[i].ms)
            fail_msg("waiting %s: %g, want %g", waiting[i].key, got,
                     waiting[i].ms);
    }
    assert_int_equal(
        json_object_size(at(j, "metrics", "http_req_waiting", NULL)), 6);
    /* checks: pass vs fail only */
    assert_int_equal(json_integer_value(at(j, "metrics", "checks", "passes")),
                     3);
    assert_int_equal(json_integer_value(at(j, "metrics", "checks", "fails")),
                     1);
    assert_true(fabs(num_at(j, "metrics", "checks", "value") - 0.75) < 1e-12);
    /* root_group as k6 writes it */
    g = json_object_get(j, "root_group");
    assert_non_null(g);
    assert_jstr(g, "name", "");
    assert_jstr(g, "path", "");
    assert_jstr(g, "id", "d41d8cd98f00b204e9800998ecf8427e");
    assert_true(json_is_object(json_object_get(g, "groups")));
    assert_int_equal(json_object_size(json_object_get(g, "groups")), 0);
    assert_true(json_is_object(json_object_get(g, "checks")));
    json_decref(j);
    fx_verdict_free(v);
    metrics_results_free(run);
}

static void test_gitlab_absent(void **state)
{
    static const struct {
        bool run, empty_run, verdict;
        json_int_t count;
        bool rate, duration, waiting, checks;
    } cases[] = {
        /* no checks, and no TTFB measured (imported results): the
         * response time is not passed off as a TTFB */
        {true, false, false, 1360, true, true, false, false},
        {false, false, true, 0, false, false, false, false}, /* nothing ran */
        {true, true, true, 0, true, false, false, false},    /* no endpoints */
    };
    struct tmp_file *t = *state;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct metrics_results *run =
            cases[i].empty_run ? fx_empty_run() : fx_run();
        struct compare_verdict *v = fx_verdict(1);
        struct gate_report rep = {0};
        char err[256];
        json_t *j;

        /* only skipped and inconclusive checks: no pass/fail to count */
        fx_check(v, 0, "ALL", "p95 < baseline", COMPARE_SKIPPED, NULL, NULL,
                 NULL);
        rep.run = cases[i].run ? run : NULL;
        rep.verdict = cases[i].verdict ? v : NULL;
        assert_int_equal(gate_gitlab_lp_write(&rep, t->path, err, sizeof(err)),
                         0);
        j = load_file(t->path);
        assert_int_equal(
            json_integer_value(at(j, "metrics", "http_reqs", "count")),
            cases[i].count);
        if ((at(j, "metrics", "http_reqs", "rate") != NULL) != cases[i].rate ||
            (at(j, "metrics", "http_req_duration", NULL) != NULL) !=
                cases[i].duration ||
            (at(j, "metrics", "http_req_waiting", NULL) != NULL) !=
                cases[i].waiting ||
            (at(j, "metrics", "checks", NULL) != NULL) != cases[i].checks)
            fail_msg("case %zu: wrong keys", i);
        assert_non_null(json_object_get(j, "root_group"));
        json_decref(j);
        fx_verdict_free(v);
        metrics_results_free(run);
    }
}

static void test_gitlab_unwritable(void **state)
{
    struct metrics_results *run = fx_run();
    struct gate_report rep = {0};
    char err[256] = "";

    (void)state;
    rep.run = run;
    assert_int_equal(gate_gitlab_lp_write(&rep, "/nonexistent-dir/lp.json", err,
                                          sizeof(err)),
                     GATE_EIO);
    assert_non_null(strstr(err, "/nonexistent-dir/lp.json"));
    assert_int_equal(gate_gitlab_lp_write(NULL, "x", err, sizeof(err)),
                     GATE_EIO);
    metrics_results_free(run);
}

/* ---- the verdict -----------------------------------------------------------
 */

static void test_verdict_fields(void **state)
{
    struct metrics_results *run = fx_run();
    struct metrics_results *base = fx_run();
    struct compare_verdict *v = fx_verdict(3);
    struct compare_threshold th = {0};
    struct gate_report rep = {0};
    struct compare_check *c;
    json_t *j, *checks, *k;

    (void)state;
    fx_check(v, 0, "POST /api/agents/{id}/query", "p95 < baseline + 10%",
             COMPARE_FAIL, "loadgate.regression",
             "p95 = 1320 ms, limit < 1078 ms (baseline 980 ms + 10%); "
             "+34.7%, significant",
             NULL);
    fx_at(v, 0, &th, METRICS_STAT_P95, "perf/demo.yaml", 41);
    fx_measured(v, 0, 1320.4, 1078.22, 980.2, 34.7);
    c = &v->checks[0];
    c->has_ci = true;
    c->p_value = 0.0004;
    c->p_adjusted = 0.0012;
    c->windows_run = 30;
    c->windows_base = 300;
    c->window_ms_run = 200;
    c->window_ms_base = 1000;
    fx_check(v, 1, "ALL", "error_rate < 5%", COMPARE_PASS, NULL, NULL, NULL);
    v->checks[1].has_measured = v->checks[1].has_limit = true;
    v->checks[1].measured = 0.0007;
    v->checks[1].limit = 0.05;
    v->checks[1].warning = true;
    fx_check(v, 2, "GET /new", "rps > baseline - 10%", COMPARE_SKIPPED, NULL,
             "endpoint not in baseline 'main'", NULL);
    v->checks[2].delta_pct = NAN;
    v->checks[2].has_mde = true; /* as a passing relative check has */
    v->checks[2].mde_pct = -8.5;
    rep.run = run;
    rep.baseline = base;
    rep.baseline_name = "main";
    rep.verdict = v;
    rep.profile_name = "demo";
    rep.profile_path = "perf/other.yaml";
    j = verdict_json(&rep);
    assert_jstr(j, "verdict", "fail");
    assert_int_equal(json_integer_value(json_object_get(j, "exit_code")), 1);
    assert_jstr(j, "profile", "demo");
    assert_jstr(j, "baseline", "main");
    assert_true(json_is_false(json_object_get(j, "partial")));
    assert_true(json_is_null(json_object_get(j, "error")));
    assert_int_equal(json_integer_value(at(j, "counts", "total", NULL)), 3);
    assert_int_equal(json_integer_value(at(j, "counts", "fail", NULL)), 1);
    assert_int_equal(json_integer_value(at(j, "counts", "pass", NULL)), 1);
    assert_int_equal(json_integer_value(at(j, "counts", "skipped", NULL)), 1);
    assert_int_equal(json_integer_value(at(j, "counts", "warnings", NULL)), 1);
    checks = json_object_get(j, "checks");
    assert_int_equal(json_array_size(checks), 3);
    k = json_array_get(checks, 0);
    assert_jstr(k, "endpoint", "POST /api/agents/{id}/query");
    assert_jstr(k, "check", "p95 < baseline + 10%");
    assert_jstr(k, "status", "fail");
    assert_jstr(k, "type", "loadgate.regression");
    assert_jreal(k, "measured", 1320.4);
    assert_jreal(k, "baseline", 980.2);
    assert_jreal(k, "limit", 1078.22);
    assert_jreal(k, "delta_pct", 34.7);
    assert_jreal(k, "p_value", 0.0004);
    assert_jreal(k, "p_adjusted", 0.0012);
    assert_true(json_is_null(json_object_get(k, "mde_pct")));
    assert_int_equal(json_integer_value(at(k, "windows", "run", NULL)), 30);
    assert_int_equal(json_integer_value(at(k, "windows", "baseline", NULL)),
                     300);
    assert_int_equal(json_integer_value(at(k, "windows", "run_ms", NULL)), 200);
    assert_int_equal(json_integer_value(at(k, "windows", "baseline_ms", NULL)),
                     1000);
    assert_jstr(k, "unit", "ms");
    assert_true(json_is_false(json_object_get(k, "warning")));
    assert_jstr(k, "file", "perf/demo.yaml");
    assert_int_equal(json_integer_value(json_object_get(k, "line")), 41);
    assert_non_null(strstr(json_string_value(json_object_get(k, "message")),
                           "+34.7%, significant"));
    /* error_rate is a fraction; the stat comes from the expression */
    k = json_array_get(checks, 1);
    assert_jstr(k, "unit", "fraction");
    assert_jreal(k, "measured", 0.0007);
    assert_true(json_is_null(json_object_get(k, "baseline")));
    assert_true(json_is_null(json_object_get(k, "delta_pct")));
    assert_true(json_is_null(json_object_get(k, "p_value")));
    assert_true(json_is_null(json_object_get(k, "p_adjusted")));
    assert_true(json_is_null(json_object_get(k, "windows")));
    assert_true(json_is_true(json_object_get(k, "warning")));
    assert_true(json_is_null(json_object_get(k, "type")));
    /* the profile path stands in for a threshold's file; no line */
    assert_jstr(k, "file", "perf/other.yaml");
    assert_true(json_is_null(json_object_get(k, "line")));
    /* synthesised message when compare left none, from the check's
     * threshold (its statistic and operator; never the expression's text
     * parsed again) */
    assert_jstr(k, "message", "error_rate = 0.07%, limit < 5.00%");
    k = json_array_get(checks, 2);
    assert_jstr(k, "status", "skipped");
    assert_true(json_is_null(json_object_get(k, "measured")));
    assert_jstr(k, "unit", "req/s");
    assert_jreal(k, "mde_pct", -8.5);
    json_decref(j);
    fx_verdict_free(v);
    metrics_results_free(run);
    metrics_results_free(base);
}

static void test_verdict_words(void **state)
{
    static const struct {
        enum compare_status st;
        const char *error;
        int signal;
        bool run;
        const char *verdict;
        int code;
        bool partial;
    } cases[] = {
        {COMPARE_PASS, NULL, 0, true, "pass", 0, false},
        {COMPARE_SKIPPED, NULL, 0, true, "pass", 0, false},
        {COMPARE_FAIL, NULL, 0, true, "fail", 1, false},
        {COMPARE_INCONCLUSIVE, NULL, 0, true, "inconclusive", 3, false},
        {COMPARE_FAIL, "baseline corrupt", 0, true, "error", 3, false},
        {COMPARE_PASS, NULL, 0, false, "error", 3, false},
        {COMPARE_FAIL, NULL, SIGINT, true, "fail", 130, true},
        {COMPARE_PASS, NULL, SIGTERM, true, "pass", 143, true},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct metrics_results *run = fx_run();
        struct compare_verdict *v = fx_verdict(1);
        struct gate_report rep = {0};
        json_t *j;

        fx_check(v, 0, "ALL", "p95 < 1s", cases[i].st, NULL, "m", NULL);
        rep.run = cases[i].run ? run : NULL;
        rep.verdict = v;
        rep.error_reason = cases[i].error;
        rep.signal = cases[i].signal;
        j = verdict_json(&rep);
        if (strcmp(json_string_value(json_object_get(j, "verdict")),
                   cases[i].verdict) != 0 ||
            json_integer_value(json_object_get(j, "exit_code")) !=
                cases[i].code)
            fail_msg("case %zu: %s/%d", i,
                     json_string_value(json_object_get(j, "verdict")),
                     (int)json_integer_value(json_object_get(j, "exit_code")));
        assert_int_equal(json_is_true(json_object_get(j, "partial")),
                         cases[i].partial);
        if (cases[i].error)
            assert_jstr(j, "error", cases[i].error);
        assert_true(json_is_null(json_object_get(j, "baseline")));
        assert_true(json_is_null(json_object_get(j, "profile")));
        json_decref(j);
        fx_verdict_free(v);
        metrics_results_free(run);
    }
}

static void test_verdict_hostile(void **state)
{
    struct metrics_results *run = fx_run();
    struct compare_verdict *v = fx_verdict(1);
    struct gate_report rep = {0};
    json_t *j, *k;

    (void)state;
    fx_check(v, 0, "GET /\xff\xfe\"\\\x01", "p95 < 1s\n", COMPARE_FAIL,
             "loadgate.threshold", "bad \xc3", NULL);
    rep.run = run;
    rep.verdict = v;
    rep.profile_name = "de\xffmo";
    j = verdict_json(&rep);
    k = json_array_get(json_object_get(j, "checks"), 0);
    /* invalid UTF-8 becomes U+FFFD, controls go, quotes survive */
    assert_jstr(k, "endpoint", "GET /\xef\xbf\xbd\xef\xbf\xbd\"\\");
    assert_jstr(k, "check", "p95 < 1s\n");
    assert_jstr(k, "message", "bad \xef\xbf\xbd");
    assert_jstr(j, "profile", "de\xef\xbf\xbdmo");
    json_decref(j);
    fx_verdict_free(v);
    metrics_results_free(run);
}

static void test_verdict_write_error(void **state)
{
    struct gate_report rep = {0};
    FILE *f = fopen("/dev/full", "w");

    (void)state;
    assert_int_equal(gate_json_write(NULL, stdout), GATE_EIO);
    if (!f)
        skip();
    assert_int_equal(gate_json_write(&rep, f), GATE_EIO);
    fclose(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_gitlab_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gitlab_absent, setup, teardown),
        cmocka_unit_test(test_gitlab_unwritable),
        cmocka_unit_test(test_verdict_fields),
        cmocka_unit_test(test_verdict_words),
        cmocka_unit_test(test_verdict_hostile),
        cmocka_unit_test(test_verdict_write_error),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
