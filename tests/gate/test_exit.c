/* gate_exit_code(), gate_no_response() and gate_verdict_line(). */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gate_fixture.h"
#include "gate_internal.h"
#include "lgtest.h"

/* The runs of the table. */
enum run_kind {
    RUN_NULL,      /* nothing ran */
    RUN_EMPTY,     /* ran, no request completed */
    RUN_CONNECT,   /* every request failed to connect / resolve / TLS */
    RUN_SOME_RESP, /* connect failures plus one answered request */
    RUN_ALL_5XX,   /* every request failed, but with a response */
    RUN_OK         /* normal run */
};

static struct metrics_results *make_run(enum run_kind k)
{
    struct metrics_results *r;
    struct metrics_endpoint *ep;

    if (k == RUN_NULL)
        return NULL;
    r = fx_empty_run();
    if (k == RUN_EMPTY)
        return r;
    ep = metrics_results_endpoint(r, "GET", "/a", true);
    assert_non_null(ep);
    switch (k) {
    case RUN_CONNECT:
    case RUN_SOME_RESP:
        for (int i = 0; i < 3; i++) {
            assert_int_equal(metrics_endpoint_record(ep, FX_START, false, 0, 0,
                                                     METRICS_ERR_CONNECT),
                             0);
            assert_int_equal(metrics_endpoint_record(ep, FX_START, false, 0, 0,
                                                     METRICS_ERR_DNS),
                             0);
            assert_int_equal(metrics_endpoint_record(ep, FX_START, false, 0, 0,
                                                     METRICS_ERR_TLS),
                             0);
        }
        if (k == RUN_SOME_RESP)
            fx_record(ep, 1, 5, false);
        break;
    case RUN_ALL_5XX:
        fx_record(ep, 5, 5, true);
        break;
    default:
        fx_record(ep, 20, 5, false);
        break;
    }
    return r;
}

static void test_no_response(void **state)
{
    static const struct {
        enum run_kind run;
        bool want;
    } cases[] = {{RUN_NULL, true},     {RUN_EMPTY, true},
                 {RUN_CONNECT, true},  {RUN_SOME_RESP, false},
                 {RUN_ALL_5XX, false}, {RUN_OK, false}};

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct metrics_results *r = make_run(cases[i].run);

        if (gate_no_response(r) != cases[i].want)
            fail_msg("run kind %d: want %d", (int)cases[i].run,
                     (int)cases[i].want);
        metrics_results_free(r);
    }
}

/* Verdict shapes of the table. */
enum verdict_kind {
    V_NONE,
    V_PASS,
    V_FAIL,
    V_INCONCL,
    V_FAIL_INCONCL,
    V_SKIPPED,
    V_BAD_STATUS
};

/* The checks of each verdict kind, in order (a kind's rows together). */
static const struct {
    enum verdict_kind kind;
    const char *endpoint, *expr;
    enum compare_status st;
    const char *type, *message;
} verdict_checks[] = {
    {V_PASS, "ALL", "p95 < 1s", COMPARE_PASS, NULL, "ok"},
    {V_PASS, "GET /a", "p95 < 1s", COMPARE_PASS, NULL, "ok"},
    {V_FAIL, "ALL", "p95 < 1s", COMPARE_PASS, NULL, "ok"},
    {V_FAIL, "GET /a", "p95 < 1ms", COMPARE_FAIL, "loadgate.threshold",
     "p95 = 5 ms"},
    {V_INCONCL, "ALL", "p95 < 1s", COMPARE_PASS, NULL, "ok"},
    {V_INCONCL, "GET /a", "p99 < 1s", COMPARE_INCONCLUSIVE,
     "loadgate.too_few_samples", "20 samples"},
    {V_FAIL_INCONCL, "GET /a", "p99 < 1s", COMPARE_INCONCLUSIVE,
     "loadgate.too_few_samples", "20 samples"},
    {V_FAIL_INCONCL, "GET /a", "p95 < 1ms", COMPARE_FAIL, "loadgate.threshold",
     "p95 = 5 ms"},
    {V_FAIL_INCONCL, "ALL", "p95 < 1s", COMPARE_PASS, NULL, "ok"},
    {V_SKIPPED, "GET /a", "p95 < baseline + 10%", COMPARE_SKIPPED, NULL,
     "no baseline"},
    /* its status is then set to one compare does not have */
    {V_BAD_STATUS, "GET /a", "p95 < 1s", COMPARE_PASS, NULL, "ok"},
};

static struct compare_verdict *make_verdict(enum verdict_kind k)
{
    const size_t rows = sizeof(verdict_checks) / sizeof(verdict_checks[0]);
    struct compare_verdict *v;
    size_t n = 0;

    if (k == V_NONE)
        return NULL;
    for (size_t i = 0; i < rows; i++)
        n += verdict_checks[i].kind == k;
    v = fx_verdict(n);
    n = 0;
    for (size_t i = 0; i < rows; i++)
        if (verdict_checks[i].kind == k)
            fx_check(v, n++, verdict_checks[i].endpoint, verdict_checks[i].expr,
                     verdict_checks[i].st, verdict_checks[i].type,
                     verdict_checks[i].message, NULL);
    if (k == V_BAD_STATUS)
        v->checks[0].status = (enum compare_status)42;
    return v;
}

/* A report of a run and a verdict of these kinds (free_report frees
 * them). */
static struct gate_report
make_report(enum run_kind run, enum verdict_kind verdict, const char *error)
{
    struct gate_report rep = {0};

    rep.run = make_run(run);
    rep.verdict = make_verdict(verdict);
    rep.error_reason = error;
    return rep;
}

static void free_report(struct gate_report *rep)
{
    metrics_results_free((struct metrics_results *)rep->run);
    fx_verdict_free((struct compare_verdict *)rep->verdict);
}

/* Exit code of the report of signal, error, run and verdict. */
static void expect_exit(size_t i, int signal, const char *error,
                        enum run_kind run, enum verdict_kind verdict,
                        enum gate_exit want)
{
    struct gate_report rep = make_report(run, verdict, error);
    enum gate_exit got;

    rep.signal = signal;
    rep.profile_name = "demo";
    got = gate_exit_code(&rep);
    if (got != want)
        fail_msg("case %zu: got %d, want %d", i, (int)got, (int)want);
    free_report(&rep);
}

static void test_exit_code_table(void **state)
{
    static const struct {
        int signal;
        const char *error;
        enum run_kind run;
        enum verdict_kind verdict;
        enum gate_exit want;
    } cases[] = {
        /* interruption comes first, whatever else happened */
        {SIGINT, NULL, RUN_OK, V_FAIL, GATE_EXIT_SIGINT},
        {SIGTERM, "boom", RUN_NULL, V_NONE, GATE_EXIT_SIGTERM},
        {SIGINT, NULL, RUN_OK, V_PASS, GATE_EXIT_SIGINT},
        {SIGHUP, NULL, RUN_OK, V_PASS, (enum gate_exit)(128 + SIGHUP)},
        /* then "could not run or judge" */
        {0, "baseline 'main' is missing", RUN_OK, V_PASS, GATE_EXIT_UNJUDGED},
        {0, "baseline corrupt", RUN_OK, V_FAIL, GATE_EXIT_UNJUDGED},
        {0, NULL, RUN_NULL, V_NONE, GATE_EXIT_UNJUDGED},
        {0, NULL, RUN_EMPTY, V_PASS, GATE_EXIT_UNJUDGED},
        {0, NULL, RUN_CONNECT, V_FAIL, GATE_EXIT_UNJUDGED},
    };
    /* not interrupted, no error: the run and the verdict decide (cases
     * numbered on after the first table's) */
    static const struct {
        enum run_kind run;
        enum verdict_kind verdict;
        enum gate_exit want;
    } judged[] = {
        /* errors after traffic started count against thresholds */
        {RUN_SOME_RESP, V_FAIL, GATE_EXIT_FAIL},
        {RUN_ALL_5XX, V_FAIL, GATE_EXIT_FAIL},
        {RUN_ALL_5XX, V_PASS, GATE_EXIT_PASS},
        /* a confirmed regression blocks even next to inconclusive ones */
        {RUN_OK, V_FAIL_INCONCL, GATE_EXIT_FAIL},
        {RUN_OK, V_FAIL, GATE_EXIT_FAIL},
        {RUN_OK, V_INCONCL, GATE_EXIT_UNJUDGED},
        {RUN_OK, V_BAD_STATUS, GATE_EXIT_UNJUDGED},
        {RUN_OK, V_PASS, GATE_EXIT_PASS},
        {RUN_OK, V_SKIPPED, GATE_EXIT_PASS},
        {RUN_OK, V_NONE, GATE_EXIT_PASS},
    };
    const size_t n = sizeof(cases) / sizeof(cases[0]);

    (void)state;
    for (size_t i = 0; i < n; i++)
        expect_exit(i, cases[i].signal, cases[i].error, cases[i].run,
                    cases[i].verdict, cases[i].want);
    for (size_t i = 0; i < sizeof(judged) / sizeof(judged[0]); i++)
        expect_exit(n + i, 0, NULL, judged[i].run, judged[i].verdict,
                    judged[i].want);
    assert_int_equal(gate_exit_code(NULL), GATE_EXIT_UNJUDGED);
}

static void test_verdict_line(void **state)
{
    static const struct {
        const char *error;
        enum run_kind run;
        enum verdict_kind verdict;
        const char *want;
    } cases[] = {
        {NULL, RUN_OK, V_PASS, "loadgate: PASS — 2 checks passed"},
        {NULL, RUN_OK, V_NONE, "loadgate: PASS — no checks"},
        {NULL, RUN_OK, V_SKIPPED, "loadgate: PASS — 1 check skipped"},
        {NULL, RUN_OK, V_FAIL,
         "loadgate: FAIL — 1 of 2 checks failed (GET /a p95 < 1ms)"},
        {NULL, RUN_OK, V_FAIL_INCONCL,
         "loadgate: FAIL — 1 of 3 checks failed (GET /a p95 < 1ms); "
         "1 inconclusive"},
        {NULL, RUN_OK, V_INCONCL,
         "loadgate: INCONCLUSIVE — 1 of 2 checks could not be judged "
         "(GET /a p99 < 1s)"},
        {"baseline 'main'\nnot found", RUN_OK, V_PASS,
         "loadgate: could not judge — baseline 'main' not found"},
        {NULL, RUN_CONNECT, V_FAIL,
         "loadgate: could not judge — no response from the target"},
    };
    char buf[512];

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct gate_report rep =
            make_report(cases[i].run, cases[i].verdict, cases[i].error);

        gate_verdict_line(&rep, buf, sizeof(buf));
        if (strcmp(buf, cases[i].want) != 0)
            fail_msg("case %zu: got '%s'\nwant '%s'", i, buf, cases[i].want);
        free_report(&rep);
    }
}

static void test_verdict_line_many_and_small(void **state)
{
    struct compare_verdict *v = fx_verdict(5);
    struct metrics_results *run = make_run(RUN_OK);
    struct gate_report rep = {0};
    char buf[512], small[12];

    (void)state;
    for (size_t i = 0; i < 5; i++) {
        char ep[16];

        snprintf(ep, sizeof(ep), "GET /e%zu", i);
        fx_check(v, i, ep, "p95 < 1s", COMPARE_FAIL, "loadgate.threshold",
                 "slow", NULL);
    }
    rep.run = run;
    rep.verdict = v;
    gate_verdict_line(&rep, buf, sizeof(buf));
    assert_string_equal(buf, "loadgate: FAIL — 5 of 5 checks failed "
                             "(GET /e0 p95 < 1s, GET /e1 p95 < 1s, "
                             "GET /e2 p95 < 1s, ...)");
    /* A short buffer never ends in half a character ("—" is 3 bytes and
     * starts at byte 15). */
    gate_verdict_line(&rep, small, sizeof(small));
    assert_string_equal(small, "loadgate: F");
    {
        char cut[17];

        gate_verdict_line(&rep, cut, sizeof(cut));
        assert_string_equal(cut, "loadgate: FAIL ");
    }
    fx_verdict_free(v);
    metrics_results_free(run);
}

LGTEST_MAIN(NULL, NULL, cmocka_unit_test(test_no_response),
            cmocka_unit_test(test_exit_code_table),
            cmocka_unit_test(test_verdict_line),
            cmocka_unit_test(test_verdict_line_many_and_small))
