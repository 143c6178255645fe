/*
 * Threshold features: endpoint glob patterns, per-endpoint overrides,
 * severity warn, sustained checks ("for"), per-check min_effect parsing
 * (compare_parse_quantity), the engine's compare_sustained_breach and
 * compare_profile_diff.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "compare.h"
#include "compare_fixture.h"
#include "compare_internal.h"

static void test_glob(void **state)
{
    static const struct {
        const char *pattern, *name;
        bool match;
    } cases[] = {
        {"GET /api/agents*", "GET /api/agents", true},
        {"GET /api/agents*", "GET /api/agents/42", true},
        {"GET /api/agents*", "POST /api/agents", false},
        {"* /api/*", "POST /api/x", true},
        {"GET /a?", "GET /ab", true},
        {"GET /a?", "GET /a", false},
        {"GET /a?", "GET /abc", false},
        {"*", "", true},
        {"", "", true},
        {"", "x", false},
        {"a*b*c", "aXXbYYc", true},
        {"a*b*c", "aXXbYY", false},
        /* hostile: must stay linear, not exponential */
        {"a*a*a*a*a*a*a*a*a*a*a*b",
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        if (compare__glob(cases[i].pattern, cases[i].name) != cases[i].match)
            fail_msg("'%s' vs '%s'", cases[i].pattern, cases[i].name);
    assert_true(compare__is_pattern("GET /a*"));
    assert_true(compare__is_pattern("GET /a?"));
    assert_false(compare__is_pattern("GET /a"));
}

static struct metrics_results *three_endpoints(void)
{
    static const struct cfx_ep eps[] = {
        {"GET", "/api/agents", 300, 100, 0},
        {"GET", "/api/agents/42", 300, 300, 0},
        {"POST", "/api/orders", 300, 50, 0},
    };
    return cfx_doc(eps, 3);
}

static void test_patterns(void **state)
{
    struct metrics_results *run = three_endpoints();
    struct compare_threshold t;
    struct compare_verdict *v = NULL;
    char err[512];

    (void)state;
    cfx_threshold(&t, "p95 < 200ms", "GET /api/agents*");
    assert_int_equal(
        compare_evaluate(run, NULL, &t, 1, NULL, &v, err, sizeof(err)), 0);
    assert_int_equal(v->n_checks, 2);
    assert_string_equal(v->checks[0].endpoint, "GET /api/agents");
    assert_int_equal(v->checks[0].status, COMPARE_PASS);
    assert_string_equal(v->checks[1].endpoint, "GET /api/agents/42");
    assert_int_equal(v->checks[1].status, COMPARE_FAIL);
    compare_verdict_free(v);
    compare_threshold_release(&t);

    cfx_threshold(&t, "p95 < 200ms", "DELETE /*");
    t.line = 9;
    v = (struct compare_verdict *)&v;
    assert_int_equal(
        compare_evaluate(run, NULL, &t, 1, NULL, &v, err, sizeof(err)),
        COMPARE_EUNKNOWN);
    assert_null(v);
    assert_string_equal(err, "threshold 'p95 < 200ms' (line 9): no endpoint "
                             "matches 'DELETE /*'; endpoints: GET "
                             "/api/agents, GET /api/agents/42, POST "
                             "/api/orders");
    compare_threshold_release(&t);
    metrics_results_free(run);
}

/* An endpoint-less threshold yields to one naming the endpoint (or a
 * pattern matching it) for the same statistic; ALL stays; another
 * statistic does not override. */
static void test_overrides(void **state)
{
    struct metrics_results *run = three_endpoints();
    struct compare_threshold t[4];
    struct compare_verdict *v = NULL;
    static const struct {
        const char *endpoint, *expr;
        enum compare_status status;
    } want[] = {
        {"POST /api/orders", "p95 < 150ms", COMPARE_PASS},
        {"ALL", "p95 < 150ms", COMPARE_FAIL},
        {"GET /api/agents", "p95 < 1s", COMPARE_PASS},
        {"GET /api/agents/42", "p95 < 1s", COMPARE_PASS},
        {"GET /api/agents", "avg < 1ms", COMPARE_FAIL},
        {"GET /api/agents/42", "avg < 1ms", COMPARE_FAIL},
        {"POST /api/orders", "avg < 1ms", COMPARE_FAIL},
        {"ALL", "avg < 1ms", COMPARE_FAIL},
        {"ALL", "p95 < 2s", COMPARE_PASS},
    };

    (void)state;
    cfx_threshold(&t[0], "p95 < 150ms", NULL);
    cfx_threshold(&t[1], "p95 < 1s", "GET /api/agents*");
    cfx_threshold(&t[2], "avg < 1ms", NULL);
    cfx_threshold(&t[3], "p95 < 2s", "ALL"); /* ALL overrides nothing */
    assert_int_equal(compare_evaluate(run, NULL, t, 4, NULL, &v, NULL, 0), 0);
    assert_int_equal(v->n_checks, sizeof(want) / sizeof(want[0]));
    for (size_t i = 0; i < v->n_checks; i++) {
        const struct compare_check *c = &v->checks[i];
        if (strcmp(c->endpoint, want[i].endpoint) != 0 ||
            strcmp(c->expr, want[i].expr) != 0 || c->status != want[i].status)
            fail_msg("check %zu: %s '%s' %s", i, c->endpoint, c->expr,
                     compare_status_str(c->status));
    }
    compare_verdict_free(v);
    for (size_t i = 0; i < 4; i++)
        compare_threshold_release(&t[i]);
    metrics_results_free(run);
}

/* Checks of v on endpoint ep, as "expr" strings joined by "|". */
static void checks_on(const struct compare_verdict *v, const char *ep,
                      char *buf, size_t len)
{
    buf[0] = '\0';
    for (size_t i = 0; i < v->n_checks; i++)
        if (strcmp(v->checks[i].endpoint, ep) == 0) {
            size_t used = strlen(buf);
            snprintf(buf + used, len - used, "%s%s", used ? "|" : "",
                     v->checks[i].expr);
        }
}

/* An override replaces only a check of the same statistic and the same
 * kind, and a warning never removes a blocking check: a warn-only
 * 'p95 < baseline + 50%' for one endpoint once removed that endpoint's
 * 'p95 < 1s' and 'p95 < baseline + 20%'. */
static void test_override_same_kind_and_severity(void **state)
{
    struct metrics_results *run = three_endpoints();
    struct compare_threshold t[3];
    struct compare_verdict *v = NULL;
    char got[256];
    size_t by = 99;

    (void)state;
    cfx_threshold(&t[0], "p95 < 1s", NULL);
    cfx_threshold(&t[1], "p95 < baseline + 20%", NULL);
    cfx_threshold(&t[2], "p95 < baseline + 50%", "GET /api/agents");
    t[2].warn_only = true;
    assert_int_equal(compare_threshold_scope(t, 3, 0, "GET /api/agents", NULL),
                     COMPARE_SCOPE_APPLIES);
    assert_int_equal(compare_threshold_scope(t, 3, 1, "GET /api/agents", NULL),
                     COMPARE_SCOPE_APPLIES);
    assert_int_equal(compare_threshold_scope(t, 3, 2, "GET /api/agents", NULL),
                     COMPARE_SCOPE_APPLIES);
    assert_int_equal(compare_threshold_scope(t, 3, 2, "ALL", NULL),
                     COMPARE_SCOPE_NONE);
    assert_int_equal(compare_evaluate(run, run, t, 3, NULL, &v, NULL, 0), 0);
    checks_on(v, "GET /api/agents", got, sizeof(got));
    assert_string_equal(got, "p95 < 1s|p95 < baseline + 20%|"
                             "p95 < baseline + 50%");
    compare_verdict_free(v);

    /* blocking: it replaces the relative check there, not the absolute */
    t[2].warn_only = false;
    assert_int_equal(compare_threshold_scope(t, 3, 1, "GET /api/agents", &by),
                     COMPARE_SCOPE_OVERRIDDEN);
    assert_int_equal(by, 2);
    assert_int_equal(compare_threshold_scope(t, 3, 1, "ALL", NULL),
                     COMPARE_SCOPE_APPLIES);
    assert_int_equal(compare_evaluate(run, run, t, 3, NULL, &v, NULL, 0), 0);
    checks_on(v, "GET /api/agents", got, sizeof(got));
    assert_string_equal(got, "p95 < 1s|p95 < baseline + 50%");
    checks_on(v, "GET /api/agents/42", got, sizeof(got));
    assert_string_equal(got, "p95 < 1s|p95 < baseline + 20%");
    checks_on(v, "ALL", got, sizeof(got));
    assert_string_equal(got, "p95 < 1s|p95 < baseline + 20%");
    compare_verdict_free(v);
    for (size_t i = 0; i < 3; i++)
        compare_threshold_release(&t[i]);
    metrics_results_free(run);
}

/* Given thresholds keep the default error_rate check unless they check
 * error_rate themselves: a run failing every request once passed
 * '-t "p99 < 200ms"'. */
static void test_default_error_rate_stays(void **state)
{
    static const struct cfx_ep eps[] = {{"GET", "/a", 1000, 10, 1000},
                                        {"GET", "/b", 1000, 10, 0}};
    struct metrics_results *run = cfx_doc(eps, 2);
    struct compare_threshold *t = calloc(1, sizeof(*t));
    struct compare_verdict *v = NULL;
    size_t n = 1, by = 99;
    char got[256];

    (void)state;
    assert_non_null(t);
    cfx_threshold(&t[0], "p99 < 200ms", NULL);
    assert_int_equal(compare_threshold_add_defaults(&t, &n), 0);
    assert_int_equal(n, 2);
    assert_string_equal(t[1].expr, "error_rate < 5%");
    assert_true(t[1].is_default);
    assert_int_equal(compare_evaluate(run, NULL, t, n, NULL, &v, NULL, 0), 0);
    assert_int_equal(v->n_fail, 2); /* GET /a and ALL */
    checks_on(v, "GET /a", got, sizeof(got));
    assert_string_equal(got, "p99 < 200ms|error_rate < 5%");
    compare_verdict_free(v);
    for (size_t i = 0; i < n; i++)
        compare_threshold_release(&t[i]);

    /* one endpoint's own error_rate check replaces the default there only;
     * a warn-only or relative one replaces nothing */
    n = 4;
    cfx_threshold(&t[0], "error_rate < 100%", "GET /a");
    cfx_threshold(&t[1], "error_rate < 1%", "GET /b");
    t[1].warn_only = true;
    t = realloc(t, 5 * sizeof(*t));
    assert_non_null(t);
    cfx_threshold(&t[2], "error_rate < baseline + 1%", NULL);
    cfx_threshold(&t[3], "error_rate < 60%", "ALL");
    assert_int_equal(compare_threshold_add_defaults(&t, &n), 0);
    assert_int_equal(n, 5);
    assert_int_equal(compare_threshold_scope(t, n, 4, "GET /a", &by),
                     COMPARE_SCOPE_OVERRIDDEN);
    assert_int_equal(by, 0);
    assert_int_equal(compare_threshold_scope(t, n, 4, "GET /b", NULL),
                     COMPARE_SCOPE_APPLIES);
    assert_int_equal(compare_threshold_scope(t, n, 4, "ALL", &by),
                     COMPARE_SCOPE_OVERRIDDEN);
    assert_int_equal(by, 3);
    /* a default never replaces a given check */
    assert_int_equal(compare_threshold_scope(t, n, 2, "GET /a", NULL),
                     COMPARE_SCOPE_APPLIES);
    for (size_t i = 0; i < n; i++)
        compare_threshold_release(&t[i]);

    /* an error_rate check of its own on every endpoint: no default
     * ('error_rate <= 100%' turns it off) */
    n = 1;
    cfx_threshold(&t[0], "error_rate <= 100%", NULL);
    assert_int_equal(compare_threshold_add_defaults(&t, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(compare_evaluate(run, NULL, t, n, NULL, &v, NULL, 0), 0);
    assert_int_equal(v->n_fail, 0);
    compare_verdict_free(v);
    compare_threshold_release(&t[0]);
    free(t);
    metrics_results_free(run);
}

/* In the closed model users are shared: an rps check failing on one
 * endpoint says so. */
static void test_closed_model_rps_note(void **state)
{
    static const struct cfx_synth slow = {30, 20, 50, 1, 0.05,
                                          0,  0,  0,  0, false},
                                  fast = {30, 40, 50, 1, 0.05,
                                          0,  0,  0,  0, false};
    struct metrics_results *run = cfx_synth_run(&slow, 1),
                           *base = cfx_synth_run(&fast, 2);
    struct compare_threshold t;
    struct compare_verdict *v = NULL;

    (void)state;
    cfx_threshold(&t, "rps > baseline - 20%", NULL);
    run->meta.model = strdup("closed");
    assert_non_null(run->meta.model);
    assert_int_equal(compare_evaluate(run, base, &t, 1, NULL, &v, NULL, 0), 0);
    assert_int_equal(v->n_checks, 2);
    assert_int_equal(v->checks[0].status, COMPARE_FAIL);
    assert_non_null(strstr(v->checks[0].message,
                           "; closed model: users are shared, so one slow "
                           "endpoint lowers every endpoint's rps"));
    assert_non_null(strstr(v->checks[0].detail, "closed model"));
    /* the whole run's rate is not one endpoint's */
    assert_string_equal(v->checks[1].endpoint, "ALL");
    assert_int_equal(v->checks[1].status, COMPARE_FAIL);
    assert_null(strstr(v->checks[1].message, "closed model"));
    compare_verdict_free(v);
    /* the open model: no such note */
    free(run->meta.model);
    run->meta.model = strdup("open");
    assert_int_equal(compare_evaluate(run, base, &t, 1, NULL, &v, NULL, 0), 0);
    assert_int_equal(v->checks[0].status, COMPARE_FAIL);
    assert_null(strstr(v->checks[0].message, "closed model"));
    compare_verdict_free(v);
    compare_threshold_release(&t);
    metrics_results_free(run);
    metrics_results_free(base);
}

/* severity: warn: a breach is PASS with a warning, never a failure; an
 * inconclusive warn-only check is SKIPPED, never exit 3. */
static void test_warn_only(void **state)
{
    struct metrics_results *run = three_endpoints();
    struct compare_threshold t[2];
    struct compare_verdict *v = NULL;
    const struct compare_check *c;

    (void)state;
    cfx_threshold(&t[0], "p95 < 200ms", "GET /api/agents/42");
    t[0].warn_only = true;
    cfx_threshold(&t[1], "p99.9 < 1s", "GET /api/agents");
    t[1].warn_only = true;
    assert_int_equal(compare_evaluate(run, NULL, t, 2, NULL, &v, NULL, 0), 0);
    c = &v->checks[0];
    assert_int_equal(c->status, COMPARE_PASS);
    assert_true(c->warning);
    assert_string_equal(c->type, "loadgate.warn");
    assert_string_equal(c->message,
                        "warning only: p95 = 300 ms, limit < 200 ms");
    c = &v->checks[1];
    assert_int_equal(c->status, COMPARE_SKIPPED);
    assert_true(c->warning);
    assert_string_equal(c->type, "loadgate.too_few_samples");
    assert_string_equal(c->message, "warning only: p99.9 of 300 requests "
                                    "needs at least 10000");
    assert_int_equal(v->n_fail + v->n_inconclusive, 0);
    assert_int_equal(v->n_warnings, 2);
    compare_verdict_free(v);
    /* the same thresholds without severity warn fail and are
     * inconclusive */
    t[0].warn_only = t[1].warn_only = false;
    assert_int_equal(compare_evaluate(run, NULL, t, 2, NULL, &v, NULL, 0), 0);
    assert_int_equal(v->n_fail, 1);
    assert_int_equal(v->n_inconclusive, 1);
    compare_verdict_free(v);
    compare_threshold_release(&t[0]);
    compare_threshold_release(&t[1]);
    metrics_results_free(run);
}

/* GET /x over 60 s: 100 ms, except seconds [from, to) at slow_ms. */
static struct metrics_results *spiky(size_t from, size_t to, double slow_ms)
{
    struct metrics_results *r = cfx_doc(NULL, 0);
    struct metrics_endpoint *ep =
        metrics_results_endpoint(r, "GET", "/x", true);

    r->duration_s = 60;
    for (size_t w = 0; w < 60; w++)
        for (size_t i = 0; i < 20; i++) {
            double ms = w >= from && w < to ? slow_ms : 100;
            assert_int_equal(metrics_endpoint_record(
                                 ep, CFX_START + (int64_t)w, true,
                                 (uint64_t)(ms * 1000), 200, METRICS_ERR_NONE),
                             0);
        }
    return r;
}

static void test_sustained(void **state)
{
    static const struct {
        size_t from, to;
        double for_s;
        const char *expr;
        enum compare_status status;
        const char *message;
    } cases[] = {
        {10, 50, 30, "p95 < 1s", COMPARE_FAIL,
         "p95 = 1500 ms, limit < 1000 ms; breached for 40 s from 12:00:10 "
         "(for 30 s)"},
        {10, 50, 40, "p95 < 1s", COMPARE_FAIL,
         "p95 = 1500 ms, limit < 1000 ms; breached for 40 s from 12:00:10 "
         "(for 40 s)"},
        {10, 50, 41, "p95 < 1s", COMPARE_PASS,
         "p95 = 1500 ms, limit < 1000 ms; longest breach 40 s (for 41 s)"},
        /* a whole-run breach that never lasts: passes with for */
        {0, 5, 10, "avg < 150ms", COMPARE_PASS,
         "avg = 216.7 ms, limit < 150 ms; longest breach 5 s (for 10 s)"},
        {0, 0, 10, "p95 < 1s", COMPARE_PASS,
         "p95 = 100 ms, limit < 1000 ms; not breached in any 1-second "
         "window"},
        /* rps per window: 20 requests each second */
        {0, 0, 30, "rps > 25", COMPARE_FAIL,
         "rps = 20/s, limit > 25/s; breached for 60 s from 12:00:00 (for "
         "30 s)"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct metrics_results *r = spiky(cases[i].from, cases[i].to, 1500);
        struct compare_threshold t;
        struct compare_verdict *v = NULL;
        const struct compare_check *c;

        cfx_threshold(&t, cases[i].expr, "GET /x");
        t.for_s = cases[i].for_s;
        assert_int_equal(compare_evaluate(r, NULL, &t, 1, NULL, &v, NULL, 0),
                         0);
        c = &v->checks[0];
        if (c->status != cases[i].status ||
            strcmp(c->message, cases[i].message) != 0)
            fail_msg("case %zu: %s \"%s\"", i, compare_status_str(c->status),
                     c->message);
        compare_verdict_free(v);
        compare_threshold_release(&t);
        metrics_results_free(r);
    }
}

/* Relative sustained: the limit from the baseline's whole run; and a
 * document without a timeline cannot be judged per second. */
static void test_sustained_relative_and_no_timeline(void **state)
{
    struct metrics_results *base = spiky(0, 0, 100), *run = spiky(20, 55, 130);
    struct compare_threshold t;
    struct compare_verdict *v = NULL;

    (void)state;
    cfx_threshold(&t, "p95 < baseline + 20%", "GET /x");
    t.for_s = 30;
    assert_int_equal(compare_evaluate(run, base, &t, 1, NULL, &v, NULL, 0), 0);
    assert_int_equal(v->checks[0].status, COMPARE_FAIL);
    assert_string_equal(v->checks[0].type, "loadgate.regression");
    assert_string_equal(v->checks[0].message,
                        "p95 = 129.8 ms, limit < 120 ms (baseline 100 ms + "
                        "20%); +29.8%; breached for 35 s from 12:00:20 (for "
                        "30 s)");
    compare_verdict_free(v);

    for (size_t i = 0; i < run->endpoints[0]->n_timeline; i++)
        metrics_hist_free(run->endpoints[0]->timeline[i].hist);
    run->endpoints[0]->n_timeline = 0;
    assert_int_equal(compare_evaluate(run, base, &t, 1, NULL, &v, NULL, 0), 0);
    assert_int_equal(v->checks[0].status, COMPARE_INCONCLUSIVE);
    assert_string_equal(v->checks[0].type, "loadgate.too_few_windows");
    assert_non_null(strstr(v->checks[0].message,
                           "; no per-second windows to judge 'for "
                           "30 s'"));
    compare_verdict_free(v);
    compare_threshold_release(&t);
    metrics_results_free(base);
    metrics_results_free(run);
}

static void test_parse_quantity(void **state)
{
    static const struct {
        enum metrics_stat stat;
        const char *text;
        int rc;
        double want;
        const char *err;
    } cases[] = {
        {METRICS_STAT_P95, "5ms", 0, 5, NULL},
        {METRICS_STAT_P95, " 5 ms ", 0, 5, NULL},
        {METRICS_STAT_P95, "5", 0, 5, NULL},
        {METRICS_STAT_P99, "1.5s", 0, 1500, NULL},
        {METRICS_STAT_AVG, "250us", 0, 0.25, NULL},
        {METRICS_STAT_ERROR_RATE, "0.5%", 0, 0.005, NULL},
        {METRICS_STAT_ERROR_RATE, "0.01", 0, 0.01, NULL},
        {METRICS_STAT_RPS, "10/s", 0, 10, NULL},
        {METRICS_STAT_RPS, "120/m", 0, 2, NULL},
        {METRICS_STAT_ERRORS, "3", 0, 3, NULL},
        {METRICS_STAT_P95, "5%", COMPARE_ESYNTAX, 0,
         "column 2: '%' does not apply to p95 (times take us, ms, s, m or h)"},
        {METRICS_STAT_P95, "abc", COMPARE_ESYNTAX, 0,
         "column 1: expected a number, found 'abc'"},
        {METRICS_STAT_P95, "5ms x", COMPARE_ESYNTAX, 0,
         "column 5: expected the end of the quantity, found 'x'"},
        {METRICS_STAT_P95, "-5ms", COMPARE_ESYNTAX, 0,
         "column 1: a quantity takes no sign"},
        {METRICS_STAT_P95, "", COMPARE_ESYNTAX, 0,
         "column 1: expected a number, found the end of the expression"},
        {METRICS_STAT_ERRORS, "3ms", COMPARE_ESYNTAX, 0,
         "column 2: 'ms' does not apply to errors (it is a plain count)"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        double v = -1;
        char err[256] = "";
        int rc = compare_parse_quantity(cases[i].stat, cases[i].text, &v, err,
                                        sizeof(err));
        if (rc != cases[i].rc)
            fail_msg("case %zu '%s': rc %d (%s)", i, cases[i].text, rc, err);
        if (rc == 0 && fabs(v - cases[i].want) > 1e-12)
            fail_msg("case %zu '%s': %g", i, cases[i].text, v);
        if (cases[i].err && strcmp(err, cases[i].err) != 0)
            fail_msg("case %zu '%s': \"%s\"", i, cases[i].text, err);
    }
    assert_int_equal(
        compare_parse_quantity(METRICS_STAT_P95, NULL, NULL, NULL, 0),
        COMPARE_EINVAL);
}

/* The engine's per-second question for abort: true thresholds. */
static void test_sustained_breach(void **state)
{
    struct metrics_results *r = spiky(10, 50, 1500);
    struct compare_threshold t;
    char why[256];

    (void)state;
    cfx_threshold(&t, "p95 < 1s", NULL);
    t.for_s = 30;
    t.abort_run = true;
    assert_true(compare_sustained_breach(r, &t, why, sizeof(why)));
    assert_string_equal(why, "GET /x: p95 < 1s breached for 40 s from "
                             "12:00:10");
    t.for_s = 45;
    assert_false(compare_sustained_breach(r, &t, why, sizeof(why)));
    assert_string_equal(why, "");
    compare_threshold_release(&t);

    /* by name and by pattern; the whole run only */
    cfx_threshold(&t, "p95 < 1s", "GET /*");
    t.for_s = 30;
    assert_true(compare_sustained_breach(r, &t, NULL, 0));
    compare_threshold_release(&t);
    cfx_threshold(&t, "p95 < 1s", "ALL");
    t.for_s = 30;
    assert_true(compare_sustained_breach(r, &t, why, sizeof(why)));
    assert_string_equal(why, "ALL: p95 < 1s breached for 40 s from 12:00:10");
    compare_threshold_release(&t);
    cfx_threshold(&t, "p95 < 1s", "GET /nope");
    assert_false(compare_sustained_breach(r, &t, why, sizeof(why)));
    compare_threshold_release(&t);
    /* relative thresholds need a baseline: never here */
    cfx_threshold(&t, "p95 < baseline", NULL);
    assert_false(compare_sustained_breach(r, &t, why, sizeof(why)));
    compare_threshold_release(&t);
    metrics_results_free(r);

    /* the newest second may still be filling: not counted */
    r = spiky(29, 60, 1500);
    cfx_threshold(&t, "p95 < 1s", "GET /x");
    t.for_s = 31;
    assert_false(compare_sustained_breach(r, &t, why, sizeof(why)));
    t.for_s = 30;
    assert_true(compare_sustained_breach(r, &t, why, sizeof(why)));
    compare_threshold_release(&t);
    metrics_results_free(r);
    assert_false(compare_sustained_breach(NULL, NULL, NULL, 0));
}

static void test_profile_diff(void **state)
{
    static const struct cfx_ep b_eps[] = {{"GET", "/a", 10, 10, 0},
                                          {"POST", "/y", 10, 10, 0}};
    static const struct cfx_ep r_eps[] = {{"GET", "/a", 10, 10, 0},
                                          {"GET", "/x", 10, 10, 0}};
    struct metrics_results *b = cfx_doc(b_eps, 2), *r = cfx_doc(r_eps, 2);
    struct metrics_results *same = cfx_doc(b_eps, 2);
    char buf[512], small[24];

    (void)state;
    b->concurrent_users = 1000;
    r->concurrent_users = 500;
    compare_profile_diff(b, r, buf, sizeof(buf));
    assert_string_equal(buf, "users 1000 → 500; endpoints added: GET /x; "
                             "removed: POST /y");
    b->meta.model = strdup("closed");
    r->meta.model = strdup("open");
    r->meta.target_rps = 50;
    r->duration_s = 30;
    compare_profile_diff(b, r, buf, sizeof(buf));
    assert_string_equal(buf, "users 1000 → 500; model closed → open; target "
                             "rate none → 50/s; duration 10 s → 30 s; "
                             "endpoints added: GET /x; removed: POST /y");
    compare_profile_diff(r, b, buf, sizeof(buf));
    assert_non_null(strstr(buf, "endpoints added: POST /y; removed: GET /x"));
    compare_profile_diff(b, same, buf, sizeof(buf));
    assert_string_equal(buf, "users 1000 → 10; model closed → unknown");
    compare_profile_diff(same, same, buf, sizeof(buf));
    assert_string_equal(buf, "no difference in users, model, target rate, "
                             "duration or endpoints");
    /* cut short: NUL-terminated, no split "→" */
    compare_profile_diff(b, r, small, sizeof(small));
    assert_true(strlen(small) < sizeof(small));
    assert_string_equal(small, "users 1000 → 500; mod");
    compare_profile_diff(b, r, small, 13); /* "→" would not fit whole */
    assert_string_equal(small, "users 1000 ");
    metrics_results_free(b);
    metrics_results_free(r);
    metrics_results_free(same);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_glob),
        cmocka_unit_test(test_patterns),
        cmocka_unit_test(test_overrides),
        cmocka_unit_test(test_override_same_kind_and_severity),
        cmocka_unit_test(test_default_error_rate_stays),
        cmocka_unit_test(test_closed_model_rps_note),
        cmocka_unit_test(test_warn_only),
        cmocka_unit_test(test_sustained),
        cmocka_unit_test(test_sustained_relative_and_no_timeline),
        cmocka_unit_test(test_parse_quantity),
        cmocka_unit_test(test_sustained_breach),
        cmocka_unit_test(test_profile_diff),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
