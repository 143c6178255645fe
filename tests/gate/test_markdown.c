/* The Markdown summary: headline, endpoint table, escaping, size cap. */
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

static char *render(const struct gate_report *r, size_t *len)
{
    return fx_render(gate_markdown_write, r, len);
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;

    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
        n++;
    return n;
}

static void test_headlines(void **state)
{
    static const struct {
        enum compare_status second;
        const char *error;
        const char *want;
    } cases[] = {
        {COMPARE_PASS, NULL, "### ✅ loadgate: PASS — demo\n"},
        {COMPARE_SKIPPED, NULL, "### ✅ loadgate: PASS — demo\n"},
        {COMPARE_FAIL, NULL, "### ❌ loadgate: FAIL — demo\n"},
        {COMPARE_INCONCLUSIVE, NULL,
         "### ⚠️ loadgate: INCONCLUSIVE — demo\n"},
        /* could not judge: before a failed check, and with the reason */
        {COMPARE_PASS, "no baseline",
         "### ⚠️ loadgate: ERROR — demo — could not judge: no "
         "baseline\n\n"
         "1,360 requests"},
        {COMPARE_FAIL, "cannot write 'x': No such file or directory",
         "### ⚠️ loadgate: ERROR — demo — could not judge: cannot "
         "write "
         "'x': No such file or directory\n\n1,360 requests"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct metrics_results *run = fx_run();
        struct compare_verdict *v = fx_verdict(2);
        struct gate_report rep = {0};
        char *md;

        fx_check(v, 0, "ALL", "p95 < 1s", COMPARE_PASS, NULL, "ok", NULL);
        fx_check(v, 1, "GET /api/health", "p99 < 20ms", cases[i].second,
                 "loadgate.threshold", "p99 = 50 ms, limit < 20 ms", NULL);
        rep.run = run;
        rep.verdict = v;
        rep.profile_name = "demo";
        rep.error_reason = cases[i].error;
        md = render(&rep, NULL);
        if (strncmp(md, cases[i].want, strlen(cases[i].want)) != 0)
            fail_msg("case %zu: got '%.80s'", i, md);
        free(md);
        fx_verdict_free(v);
        metrics_results_free(run);
    }
}

static void test_tables(void **state)
{
    struct metrics_results *run = fx_run();
    struct metrics_results *base = fx_empty_run();
    struct compare_verdict *v = fx_verdict(4);
    struct gate_report rep = {0};
    char *md;

    (void)state;
    fx_add(base, "GET", "/api/agents", 100, 2, false);
    fx_check(v, 0, "GET /api/agents", "p95 < baseline + 10%", COMPARE_FAIL,
             "loadgate.regression", "p95 = 25 ms, limit < 22 ms | +25%", NULL);
    fx_check(v, 1, "GET /api/health", "p95 < 1s", COMPARE_PASS, NULL, "ok",
             NULL);
    fx_check(v, 2, "POST /api/agents/{id}/query", "p99.9 < 1s",
             COMPARE_INCONCLUSIVE, "loadgate.too_few_samples",
             "200 samples <1000", NULL);
    fx_check(v, 3, "ALL", "p95 < 1s", COMPARE_PASS, NULL, "ok", NULL);
    rep.run = run;
    rep.baseline = base;
    rep.baseline_name = "main";
    rep.verdict = v;
    rep.profile_name = "demo";
    md = render(&rep, NULL);
    assert_non_null(strstr(md, "\n1,360 requests in 10.0 s · 136.0 req/s · "
                               "error rate 0.07% · baseline main\n"));
    assert_non_null(strstr(md, "| Endpoint | Baseline p95 | Current p95 | Δ | "
                               "Errors | Verdict |\n|---|---:|---:|---:|---:|"
                               "---|\n"));
    assert_non_null(strstr(md, "| ALL (whole run) | 2.0 ms | 150 ms | "));
    assert_non_null(strstr(md, "| GET /api/agents | 2.0 ms | 2.5 ms | +25.0% | "
                               "0.00% | ❌ FAIL |\n"));
    assert_non_null(strstr(md, "| POST /api/agents/{id}/query | — | 150 ms | "
                               "— | 0.50% | ⚠️ INCONCLUSIVE |\n"));
    assert_non_null(strstr(md, "| GET /api/health | — | 25 ms | — | 0.00% | "
                               "✅ PASS |\n"));
    assert_non_null(strstr(md, "| GET /api/organisations/{org}/projects/"
                               "{project}/settings | — | 1.0 ms | — | 0.00% | "
                               "no check |\n"));
    /* failed and inconclusive listed with their message, escaped */
    assert_non_null(strstr(md, "- ❌ **FAIL** GET /api/agents · p95 &lt; "
                               "baseline + 10% — p95 = 25 ms, limit &lt; 22 "
                               "ms \\| +25%\n"));
    assert_non_null(strstr(md, "- ⚠️ **INCONCLUSIVE** POST "
                               "/api/agents/{id}/query · p99.9 &lt; 1s — 200 "
                               "samples &lt;1000\n"));
    /* every check in the folded table */
    assert_non_null(strstr(md, "<details><summary>All checks</summary>"));
    assert_int_equal(count(md, "\n| ✅ PASS | "), 2);
    assert_non_null(strstr(md, "</details>"));
    assert_non_null(strstr(md,
                           "1. Performance metrics are within acceptable "
                           "ranges.\n2. Add a check for GET /api/agents.\n"));
    /* nothing raw from the data reaches HTML */
    assert_null(strstr(md, "<1000"));
    assert_null(strstr(md, "< 1s"));
    free(md);
    fx_verdict_free(v);
    metrics_results_free(run);
    metrics_results_free(base);
}

static void test_size_cap(void **state)
{
    struct metrics_results *run = fx_empty_run();
    struct compare_verdict *v = fx_verdict(5000);
    struct gate_report rep = {0};
    size_t len;
    char *md;

    (void)state;
    for (size_t i = 0; i < 5000; i++) {
        char path[64], name[80];

        snprintf(path, sizeof(path), "/api/resource/%zu/with/a/long/path", i);
        fx_add(run, "GET", path, 1, 5, false);
        snprintf(name, sizeof(name), "GET %s", path);
        fx_check(v, i, name, "p95 < 1s", i % 7 ? COMPARE_PASS : COMPARE_FAIL,
                 "loadgate.threshold", "p95 = 5.0 ms, limit < 1000 ms", NULL);
    }
    rep.run = run;
    rep.verdict = v;
    rep.profile_name = "big";
    md = render(&rep, &len);
    assert_true(len < 256 * 1024);
    assert_true(len > 200 * 1024); /* it was filled, not emptied */
    assert_int_equal(strncmp(md, "### ❌ loadgate: FAIL — big\n",
                             strlen("### ❌ loadgate: FAIL — big\n")),
                     0);
    assert_non_null(strstr(md, "… truncated"));
    assert_int_equal(md[len - 1], '\n');
    /* cut at a line boundary: no half table row before the note */
    {
        const char *note = strstr(md, "\n… truncated");
        const char *prev = note - 1;

        while (prev > md && *prev != '\n')
            prev--;
        assert_true(prev[1] == '|' || prev[1] == '\n' || prev[1] == '<' ||
                    prev[1] == '-');
    }
    assert_int_equal(count(md, "<details>"), count(md, "</details>"));
    free(md);
    fx_verdict_free(v);
    metrics_results_free(run);
}

static void test_no_run(void **state)
{
    struct gate_report rep = {0};
    char *md, *head, longr[400];

    (void)state;
    rep.profile_name = "a|b<c";
    rep.error_reason = "cannot connect | <script>";
    md = render(&rep, NULL);
    assert_string_equal(md,
                        "### ⚠️ loadgate: ERROR — a\\|b&lt;c — could "
                        "not judge: cannot connect \\| &lt;script>\n\n"
                        "Nothing was measured.\n\n");
    free(md);

    /* a long reason is cut in the headline and given whole below it */
    memset(longr, 'r', sizeof(longr) - 1);
    longr[sizeof(longr) - 1] = '\0';
    rep.error_reason = longr;
    md = render(&rep, NULL);
    head = strstr(md, "could not judge: ");
    assert_non_null(head);
    assert_non_null(strstr(head, "rrr…\n\n**Could not judge:** rrr"));
    assert_non_null(strstr(md, longr));
    free(md);
}

LGTEST_MAIN(NULL, NULL, cmocka_unit_test(test_headlines),
            cmocka_unit_test(test_tables), cmocka_unit_test(test_size_cap),
            cmocka_unit_test(test_no_run))
