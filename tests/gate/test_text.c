/* The text report, matched line by line (alignment included) against the
 * layout of the original specification's "Example Baseline Report". */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gate_fixture.h"
#include "gate_internal.h"
#include "lgtest.h"

#define EQ80                                                                   \
    "========================================================================" \
    "========"
#define DASH80                                                                 \
    "------------------------------------------------------------------------" \
    "--------"

static char *render(const struct gate_report *r)
{
    return fx_render(gate_text_write, r, NULL);
}

/* Where want[] says P95_LINE, the line must be the whole run's p95 as
 * metrics reports it (a histogram answers within 0.4 %, so the second
 * decimal is the histogram's, not gate's). */
#define P95_LINE "<p95>"
static char p95_line[64];

static void set_p95_line(const struct metrics_results *run)
{
    struct metrics_endpoint *all = NULL;
    double v = 0;

    assert_int_equal(metrics_results_aggregate(run, &all), 0);
    assert_int_equal(metrics_value(run, all, METRICS_STAT_P95, &v), 0);
    metrics_endpoint_free(all);
    /* rank 1292 of 1360 falls among the 90 requests of 150 ms */
    assert_true(v > 149.0 && v < 151.0);
    snprintf(p95_line, sizeof(p95_line), "P95 Response Time: %.2f ms", v);
}

/* Compares text with want[] line by line; reports the first difference. */
static void assert_lines(const char *text, const char *const *want, size_t n)
{
    const char *p = text;

    for (size_t i = 0; i < n; i++) {
        const char *nl = strchr(p, '\n'), *want_i;
        size_t len;

        if (!nl)
            fail_msg("line %zu missing, want '%s'", i + 1, want[i]);
        if (strcmp(want[i], P95_LINE) == 0)
            want_i = p95_line;
        else
            want_i = want[i];
        len = (size_t)(nl - p);
        if (len != strlen(want_i) || strncmp(p, want_i, len) != 0)
            fail_msg("line %zu:\n got '%.*s'\nwant '%s'", i + 1, (int)len, p,
                     want_i);
        p = nl + 1;
    }
    if (*p)
        fail_msg("extra text after line %zu: '%s'", n, p);
}

/* The fixed run's summary, the same in both reports, up to the table. */
#define OVERALL_SUMMARY                                                        \
    "Overall Summary", DASH80, "Average Response Time: 30.25 ms", P95_LINE,    \
        "Error Rate: 0.07%", "Requests per Second: 136.00", "",                \
        "Endpoint Performance", DASH80

static const char *const plain_report[] = {
    EQ80,
    "Performance Report",
    EQ80,
    "Profile: demo",
    "Generated: 2026-01-01T12:00:00",
    "Test Duration: 10.00 seconds",
    "Total Requests: 1,360",
    "Concurrent Users: 100",
    "",
    OVERALL_SUMMARY,
    "Method   Endpoint                                  P50        P95        "
    "P99        RPS        Errors",
    DASH80,
    "GET      /api/health                               10         25         "
    "50         100.0      0.00%",
    "POST     /api/agents/{id}/query                    50         150        "
    "300        20.0       0.50%",
    "GET      /api/agents                               2.5        2.5        "
    "2.5        15.0       0.00%",
    "GET      /api/organisations/{org}/projects/{pr...  1.0        1.0        "
    "1.0        1.0        0.00%",
    "",
    "Recommendations",
    DASH80,
    "1. Performance metrics are within acceptable ranges.",
    "2. Add a check for GET /api/agents.",
};

static void test_plain_report(void **state)
{
    struct metrics_results *run = fx_run();
    struct gate_report rep = {0};
    char *text;

    (void)state;
    rep.run = run;
    rep.profile_name = "demo";
    set_p95_line(run);
    text = render(&rep);
    assert_lines(text, plain_report,
                 sizeof(plain_report) / sizeof(plain_report[0]));
    free(text);
    metrics_results_free(run);
}

static const char *const baseline_report_head[] = {
    EQ80,
    "Performance Baseline Report",
    EQ80,
    "Baseline ID: release-1.4",
    "Profile: demo",
    "Generated: 2026-01-01T12:00:00",
    "Test Duration: 10.00 seconds",
    "Total Requests: 1,360",
    "Concurrent Users: 100",
    "Partial: yes (interrupted)",
    "Compared With: main",
    "",
    OVERALL_SUMMARY,
    "Method   Endpoint                                  P50        P95        "
    "P99        RPS        Errors     Base P95   Δ P95",
    DASH80,
    "GET      /api/health                               10         25         "
    "50         100.0      0.00%      -          -",
    "POST     /api/agents/{id}/query                    50         150        "
    "300        20.0       0.50%      -          -",
    "GET      /api/agents                               2.5        2.5        "
    "2.5        15.0       0.00%      2.0        +25.0%",
    "GET      /api/organisations/{org}/projects/{pr...  1.0        1.0        "
    "1.0        1.0        0.00%      2.0        -50.0%",
    "",
    "Checks",
    DASH80,
    "FAIL           POST /api/agents/{id}/query  p95 < 100ms           "
    "p95 = 150 ms, limit < 100 ms",
    "PASS (warning) ALL                          p95 < baseline + 10%  "
    "p95 = 150 ms, +12.0%, not significant",
    "SKIPPED        GET /api/agents              rps > baseline - 10%  "
    "not applicable",
    "",
    "Recommendations",
    DASH80,
    "1. Performance metrics are within acceptable ranges.",
    "2. Add a check for GET /api/agents.",
    "",
    "Verdict: FAIL — 3 checks: 1 passed, 1 failed, 0 inconclusive, "
    "1 skipped",
};

static void test_baseline_checks_and_verdict(void **state)
{
    struct metrics_results *run = fx_run();
    struct metrics_results *base = fx_empty_run();
    struct compare_verdict *v = fx_verdict(3);
    struct gate_report rep = {0};
    char *text;

    (void)state;
    /* Deltas only where both p95 are exact (a histogram reports within
     * 0.4 %, which would move the first decimal): single-valued
     * endpoints, whose percentiles clamp to min = max. */
    fx_add(base, "GET", "/api/agents", 100, 2, false);
    fx_add(base, "GET", "/api/organisations/{org}/projects/{project}/settings",
           10, 2, false);
    run->baseline_id = strdup("release-1.4");
    run->partial = true;
    fx_check(v, 0, "POST /api/agents/{id}/query", "p95 < 100ms", COMPARE_FAIL,
             "loadgate.threshold", "p95 = 150 ms, limit < 100 ms", NULL);
    fx_check(v, 1, "ALL", "p95 < baseline + 10%", COMPARE_PASS, NULL,
             "p95 = 150 ms, +12.0%, not significant", NULL);
    v->checks[1].warning = true;
    fx_check(v, 2, "GET /api/agents", "rps > baseline - 10%", COMPARE_SKIPPED,
             NULL, NULL, NULL);
    rep.run = run;
    rep.baseline = base;
    rep.baseline_name = "main";
    rep.verdict = v;
    rep.profile_name = "demo";
    set_p95_line(run);
    text = render(&rep);
    assert_lines(text, baseline_report_head,
                 sizeof(baseline_report_head) /
                     sizeof(baseline_report_head[0]));
    free(text);
    fx_verdict_free(v);
    metrics_results_free(run);
    metrics_results_free(base);
}

static void test_error_without_run(void **state)
{
    static const char *const want[] = {
        EQ80,
        "Performance Report",
        EQ80,
        "Profile: checkout",
        NULL, /* Generated: now */
        "Error: baseline 'main' is corrupt: line 3",
        "",
        "Verdict: ERROR — 0 checks: 0 passed, 0 failed, "
        "0 inconclusive, 0 skipped",
    };
    struct gate_report rep = {0};
    char *text, *p, *line;
    size_t i = 0;

    (void)state;
    rep.profile_name = "checkout";
    rep.error_reason = "baseline 'main' is corrupt:\nline 3\x1b";
    text = render(&rep);
    for (p = text; i < 8 && (line = strsep(&p, "\n")) != NULL; i++) {
        if (want[i])
            assert_string_equal(line, want[i]);
        else
            assert_int_equal(strncmp(line, "Generated: ", 11), 0);
    }
    assert_int_equal(i, 8);
    assert_true(p != NULL && *p == '\0');
    free(text);
}

static void test_hostile_text(void **state)
{
    struct metrics_results *run = fx_empty_run();
    struct gate_report rep = {0};
    char *text;

    (void)state;
    fx_add(run, "GET\x1b", "/x\n\x1b[2J\xff", 5, 5, false);
    rep.run = run;
    rep.profile_name = "demo\r";
    text = render(&rep);
    assert_null(strchr(text, '\x1b'));
    assert_null(strchr(text, '\r'));
    assert_non_null(strstr(text, "\nGET      /x [2J\xEF\xBF\xBD "));
    free(text);
    metrics_results_free(run);
}

LGTEST_MAIN(NULL, NULL, cmocka_unit_test(test_plain_report),
            cmocka_unit_test(test_baseline_checks_and_verdict),
            cmocka_unit_test(test_error_without_run),
            cmocka_unit_test(test_hostile_text))
