/* GitHub workflow commands: exact lines, escaping, the 9-per-kind cap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "gate_fixture.h"
#include "gate_internal.h"
#include "lgtest.h"

static char *annotations(const struct gate_report *r)
{
    return fx_render(gate_github_annotations, r, NULL);
}

static size_t count_prefix(const char *text, const char *prefix)
{
    size_t n = 0, len = strlen(prefix);

    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : p)
        if (strncmp(p, prefix, len) == 0)
            n++;
    return n;
}

static void assert_starts(const char *s, const char *prefix)
{
    if (strncmp(s, prefix, strlen(prefix)) != 0)
        fail_msg("'%.300s' does not start with '%s'", s, prefix);
}

static void test_escape(void **state)
{
    static const struct {
        const char *in;
        bool property;
        const char *want;
    } cases[] = {
        {"plain text", false, "plain text"},
        {"50%", false, "50%25"},
        {"a\nb\r\nc", false, "a%0Ab%0D%0Ac"},
        {"a:b,c", false, "a:b,c"},
        {"a:b,c", true, "a%3Ab%2Cc"},
        {"100%\n:", true, "100%25%0A%3A"},
        {"%0A", false, "%250A"}, /* no way to smuggle an escape in */
        {"::error::x", false, "::error::x"},
        {"::error::x", true, "%3A%3Aerror%3A%3Ax"},
        {"", true, ""},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct mem m;

        mem_open(&m);
        gate__gh_escape(m.f, cases[i].in, cases[i].property);
        if (strcmp(mem_close(&m), cases[i].want) != 0)
            fail_msg("case %zu: got '%s', want '%s'", i, m.text, cases[i].want);
        free(m.text);
    }
}

static void test_exact_lines(void **state)
{
    struct metrics_results *run = fx_run();
    struct compare_verdict *v = fx_verdict(5);
    struct compare_threshold th[2] = {{0}};
    struct gate_report rep = {0};
    char *out;

    (void)state;
    th[0].file = "perf/demo.yaml";
    th[0].line = 12;
    th[1].file = "perf/demo.yaml";
    th[1].line = 13;
    fx_check(v, 0, "GET /api/health", "p95 < 1s", COMPARE_FAIL,
             "loadgate.threshold", "p95 = 1320.4 ms, limit < 1000.0 ms", NULL);
    v->checks[0].threshold = &th[0];
    fx_check(v, 1, "ALL", "p95 < baseline + 10%", COMPARE_PASS, NULL,
             "+12.0%, not significant (p=0.21)", NULL);
    v->checks[1].warning = true;
    fx_check(v, 2, "GET /x", "p99 < 2s", COMPARE_INCONCLUSIVE,
             "loadgate.too_few_samples", "too few samples", NULL);
    v->checks[2].threshold = &th[1];
    fx_check(v, 3, "GET /new", "rps > baseline - 10%", COMPARE_SKIPPED, NULL,
             "endpoint not in baseline 'main'", NULL);
    fx_check(v, 4, "ALL", "error_rate < 5%", COMPARE_PASS, NULL, "ok", NULL);
    rep.run = run;
    rep.verdict = v;
    rep.profile_name = "demo";
    rep.profile_path = "perf/demo.yaml";
    out = annotations(&rep);
    assert_string_equal(
        out,
        "::error file=perf/demo.yaml,line=12,title=GET /api/health%3A p95 < "
        "1s::p95 = 1320.4 ms, limit < 1000.0 ms\n"
        "::warning file=perf/demo.yaml,line=13,title=GET /x%3A p99 < "
        "2s::inconclusive: too few samples\n"
        "::warning file=perf/demo.yaml,title=ALL%3A p95 < baseline + "
        "10%25::passed with a warning: +12.0%25, not significant (p=0.21)\n"
        "::warning file=perf/demo.yaml,title=GET /new%3A rps > baseline - "
        "10%25::skipped: endpoint not in baseline 'main'\n"
        "::notice title=loadgate::loadgate: FAIL — 1 of 5 checks failed (GET "
        "/api/health p95 < 1s); 1 inconclusive\n");
    free(out);

    /* without a profile path and threshold: no file, no line */
    rep.profile_path = NULL;
    v->checks[0].threshold = NULL;
    out = annotations(&rep);
    assert_starts(out, "::error title=GET /api/health%3A p95 < 1s::p95 = "
                       "1320.4 ms, limit < 1000.0 ms\n");
    free(out);
    fx_verdict_free(v);
    metrics_results_free(run);
}

static void test_hostile_data(void **state)
{
    struct compare_verdict *v = fx_verdict(1);
    struct metrics_results *run = fx_run();
    struct compare_threshold th = {0};
    struct gate_report rep = {0};
    char *out;

    (void)state;
    th.file = "perf/a,b:c.yaml";
    th.line = 7;
    fx_check(v, 0, "GET /a,b:c\n::error::x", "p95 < 1s", COMPARE_FAIL,
             "loadgate.threshold", "50% over\r\n::warning::injected\x01", NULL);
    v->checks[0].threshold = &th;
    rep.run = run;
    rep.verdict = v;
    out = annotations(&rep);
    /* one command per line, nothing injected */
    assert_int_equal(count_prefix(out, "::"), 2);
    assert_starts(out, "::error file=perf/a%2Cb%3Ac.yaml,line=7,title=GET "
                       "/a%2Cb%3Ac%0A%3A%3Aerror%3A%3Ax%3A p95 < 1s::50%25 "
                       "over%0D%0A::warning::injected\n");
    free(out);
    fx_verdict_free(v);
    metrics_results_free(run);
}

static void test_caps(void **state)
{
    static const struct {
        size_t fails, skips, inconclusive;
        bool error;
        size_t want_errors, want_warnings;
        const char *more_errors, *more_warnings;
    } cases[] = {
        {12, 0, 0, false, 10, 0,
         "::error::3 more failed checks; see the job summary\n", NULL},
        {9, 0, 0, false, 9, 0, NULL, NULL},
        {10, 0, 0, false, 10, 0,
         "::error::1 more failed check; see the job summary\n", NULL},
        {10, 0, 0, true, 10, 0,
         "::error::2 more failed checks; see the job summary\n", NULL},
        {0, 12, 1, false, 0, 10, NULL,
         "::warning::4 more warnings; see the job summary\n"},
        {3, 5, 0, false, 3, 5, NULL, NULL},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t n = cases[i].fails + cases[i].skips + cases[i].inconclusive;
        struct compare_verdict *v = fx_verdict(n);
        struct metrics_results *run = fx_run();
        struct gate_report rep = {0};
        size_t k = 0;
        char *out, name[32];

        for (size_t j = 0; j < cases[i].skips; j++, k++) {
            snprintf(name, sizeof(name), "GET /s%zu", j);
            fx_check(v, k, name, "rps > baseline", COMPARE_SKIPPED, NULL,
                     "no baseline", NULL);
        }
        for (size_t j = 0; j < cases[i].fails; j++, k++) {
            snprintf(name, sizeof(name), "GET /f%zu", j);
            fx_check(v, k, name, "p95 < 1s", COMPARE_FAIL, "loadgate.threshold",
                     "too slow", NULL);
        }
        for (size_t j = 0; j < cases[i].inconclusive; j++, k++)
            fx_check(v, k, "GET /i", "p99 < 1s", COMPARE_INCONCLUSIVE,
                     "loadgate.no_data", "no data", NULL);
        rep.run = run;
        rep.verdict = v;
        rep.profile_path = "perf/demo.yaml";
        rep.error_reason = cases[i].error ? "baseline corrupt" : NULL;
        out = annotations(&rep);
        if (count_prefix(out, "::error") != cases[i].want_errors ||
            count_prefix(out, "::warning") != cases[i].want_warnings)
            fail_msg("case %zu: %zu errors, %zu warnings:\n%s", i,
                     count_prefix(out, "::error"),
                     count_prefix(out, "::warning"), out);
        assert_int_equal(count_prefix(out, "::notice title=loadgate::"), 1);
        if (cases[i].more_errors)
            assert_non_null(strstr(out, cases[i].more_errors));
        else
            assert_null(strstr(out, "more failed"));
        if (cases[i].more_warnings)
            assert_non_null(strstr(out, cases[i].more_warnings));
        else
            assert_null(strstr(out, "more warning"));
        if (cases[i].error)
            assert_starts(out, "::error title=loadgate::could not judge: "
                               "baseline corrupt\n");
        /* the inconclusive check comes before the skipped ones */
        if (cases[i].inconclusive)
            assert_starts(out, "::warning file=perf/demo.yaml,title=GET "
                               "/i%3A p99 < 1s::inconclusive: no data\n");
        /* the last line is the notice */
        assert_non_null(strstr(out, "\n::notice title=loadgate::loadgate: "));
        free(out);
        fx_verdict_free(v);
        metrics_results_free(run);
    }
}

static void test_errors(void **state)
{
    struct gate_report rep = {0};
    FILE *f = fopen("/dev/full", "w");

    (void)state;
    assert_int_equal(gate_github_annotations(NULL, stdout), GATE_EIO);
    assert_int_equal(gate_github_annotations(&rep, NULL), GATE_EIO);
    if (!f)
        skip();
    assert_int_equal(gate_github_annotations(&rep, f), GATE_EIO);
    fclose(f);
}

/* The file= of the first annotation of a failed check on file:12. */
static char *file_of(const char *file)
{
    struct compare_verdict *v = fx_verdict(1);
    struct compare_threshold th = {0};
    struct gate_report rep = {0};
    char *out, *start, *end, *got;

    th.file = file;
    th.line = 12;
    fx_check(v, 0, "GET /x", "p95 < 1s", COMPARE_FAIL, "loadgate.threshold",
             "too slow", NULL);
    v->checks[0].threshold = &th;
    rep.verdict = v;
    rep.profile_name = "demo";
    out = annotations(&rep);
    assert_starts(out, "::error file=");
    start = out + strlen("::error file=");
    end = strstr(start, ",line=12,title=GET /x%3A p95 < 1s::too slow\n");
    assert_non_null(end);
    got = strndup(start, (size_t)(end - start));
    assert_non_null(got);
    free(out);
    fx_verdict_free(v);
    return got;
}

static void assert_file(const char *file, const char *want)
{
    char *got = file_of(file);

    if (strcmp(got, want) != 0)
        fail_msg("file=%s for '%s', want '%s'", got, file, want);
    free(got);
}

static void touch(const char *path)
{
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    assert_int_equal(fclose(f), 0);
}

/* GitHub resolves file= against GITHUB_WORKSPACE, not the step's
 * working-directory: the profile path is made absolute, then relative to
 * the workspace, or left absolute outside it. */
static void test_workspace_paths(void **state)
{
    char tmpl[] = "/tmp/gate-gh-XXXXXX", old[4096], *d, *p;
    char perf[512], profile[512], comma[512], link[512], want[1024];
    char outside[512], prefix[512];

    (void)state;
    assert_non_null(getcwd(old, sizeof(old)));
    assert_non_null(mkdtemp(tmpl));
    d = realpath(tmpl, NULL); /* the workspace as the kernel names it */
    assert_non_null(d);
    snprintf(perf, sizeof(perf), "%s/perf", d);
    snprintf(profile, sizeof(profile), "%s/perf/demo.yaml", d);
    snprintf(comma, sizeof(comma), "%s/perf/a,b.yaml", d);
    snprintf(link, sizeof(link), "%s-link", d);
    snprintf(outside, sizeof(outside), "%s/ws", d);
    snprintf(prefix, sizeof(prefix), "%s/pe", d);
    assert_int_equal(mkdir(perf, 0700), 0);
    assert_int_equal(mkdir(outside, 0700), 0);
    touch(profile);
    touch(comma);
    assert_int_equal(symlink(d, link), 0);
    assert_int_equal(chdir(perf), 0); /* working-directory: perf */

    /* no workspace: the path as given */
    assert_int_equal(unsetenv("GITHUB_WORKSPACE"), 0);
    assert_file("demo.yaml", "demo.yaml");
    assert_int_equal(setenv("GITHUB_WORKSPACE", "", 1), 0);
    assert_file("demo.yaml", "demo.yaml");

    assert_int_equal(setenv("GITHUB_WORKSPACE", d, 1), 0);
    assert_file("demo.yaml", "perf/demo.yaml");
    assert_file("./demo.yaml", "perf/demo.yaml");
    assert_file(profile, "perf/demo.yaml");
    /* a file that does not exist (yet) is resolved all the same */
    assert_file("../other//./x.yaml", "other/x.yaml");
    assert_file("a,b.yaml", "perf/a%2Cb.yaml");
    /* above the workspace: absolute */
    snprintf(want, sizeof(want), "%s", d);
    *strrchr(want, '/') = '\0';
    strcat(want, "/x.yaml");
    assert_file("../../x.yaml", want);
    /* a trailing slash, and a workspace reached through a link */
    snprintf(want, sizeof(want), "%s/", d);
    assert_int_equal(setenv("GITHUB_WORKSPACE", want, 1), 0);
    assert_file("demo.yaml", "perf/demo.yaml");
    assert_int_equal(setenv("GITHUB_WORKSPACE", link, 1), 0);
    assert_file("demo.yaml", "perf/demo.yaml");
    /* outside the workspace: absolute, never a path with ../ */
    assert_int_equal(setenv("GITHUB_WORKSPACE", outside, 1), 0);
    assert_file("demo.yaml", profile);
    /* a workspace whose name is a prefix of the folder is not its parent */
    assert_int_equal(setenv("GITHUB_WORKSPACE", prefix, 1), 0);
    assert_file("demo.yaml", profile);
    /* the profile_path (no threshold file) goes the same way */
    assert_int_equal(setenv("GITHUB_WORKSPACE", d, 1), 0);
    {
        struct compare_verdict *v = fx_verdict(1);
        struct gate_report rep = {0};

        fx_check(v, 0, "ALL", "p95 < 1s", COMPARE_FAIL, "loadgate.threshold",
                 "too slow", NULL);
        rep.verdict = v;
        rep.profile_path = "demo.yaml";
        p = annotations(&rep);
        assert_starts(p, "::error file=perf/demo.yaml,title=ALL%3A ");
        free(p);
        fx_verdict_free(v);
    }

    assert_int_equal(unsetenv("GITHUB_WORKSPACE"), 0);
    assert_int_equal(chdir(old), 0);
    unlink(profile);
    unlink(comma);
    unlink(link);
    rmdir(perf);
    rmdir(outside);
    rmdir(d);
    free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escape),
        cmocka_unit_test(test_exact_lines),
        cmocka_unit_test(test_hostile_data),
        cmocka_unit_test(test_caps),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_workspace_paths),
    };

    /* the other tests want file= as given: no workspace of the caller's */
    unsetenv("GITHUB_WORKSPACE");

    return cmocka_run_group_tests(tests, NULL, NULL);
}
