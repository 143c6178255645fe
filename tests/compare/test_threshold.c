/* Threshold expressions: a table of valid and invalid ones, the defaults,
 * and the number formatting the verdict messages use. */
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
#include "compare_internal.h"
#include "lgtest.h"

struct ok_case {
    const char *expr;
    enum metrics_stat stat;
    enum compare_op op;
    bool relative, pct;
    double value; /* absolute limit, or the relative tolerance */
    double min_effect;
};

#define ABS(e, s, o, v, me)                                                    \
    {                                                                          \
        e, METRICS_STAT_##s, COMPARE_##o, false, false, v, me                  \
    }
#define REL(e, s, o, p, t, me)                                                 \
    {                                                                          \
        e, METRICS_STAT_##s, COMPARE_##o, true, p, t, me                       \
    }

static const struct ok_case ok_cases[] = {
    ABS("p95 < 1s", P95, LT, 1000, 1),
    ABS("p95<1s", P95, LT, 1000, 1),
    ABS("  p95   <   1000  ", P95, LT, 1000, 1),
    ABS("p95 <\t2s", P95, LT, 2000, 1),
    ABS("p99 <= 2s", P99, LE, 2000, 1),
    ABS("p50 < 250ms", P50, LT, 250, 1),
    ABS("p50 < 250 ms", P50, LT, 250, 1),
    ABS("p75 > 1500us", P75, GT, 1.5, 1),
    ABS("p90 >= 0.5s", P90, GE, 500, 1),
    ABS("p95 < .5s", P95, LT, 500, 1),
    ABS("p99.9 < 1m", P999, LT, 60000, 1),
    /* the units of units.h: hours and durations of several parts too */
    ABS("p99 < 1h", P99, LT, 3600000, 1),
    ABS("p99 < 1m30s", P99, LT, 90000, 1),
    ABS("p99 < 1s500ms", P99, LT, 1500, 1),
    ABS("avg < 100", AVG, LT, 100, 1),
    ABS("min >= 0.25", MIN, GE, 0.25, 1),
    ABS("max < 3.5s", MAX, LT, 3500, 1),
    ABS("error_rate < 5%", ERROR_RATE, LT, 0.05, 0),
    ABS("error_rate <= 0.05", ERROR_RATE, LE, 0.05, 0),
    ABS("error_rate < 0.5 %", ERROR_RATE, LT, 0.005, 0),
    ABS("error_rate < 100%", ERROR_RATE, LT, 1.0, 0),
    ABS("rps > 100", RPS, GT, 100, 0),
    ABS("rps > 100/s", RPS, GT, 100, 0),
    ABS("rps > 100 /s", RPS, GT, 100, 0),
    ABS("rps >= 600/m", RPS, GE, 10, 0),
    ABS("rps >= 36000/h", RPS, GE, 10, 0),
    ABS("errors < 10", ERRORS, LT, 10, 0),
    ABS("requests >= 1000", REQUESTS, GE, 1000, 0),
    REL("p95 < baseline + 10%", P95, LT, true, 0.10, 1),
    REL("p95<baseline+10%", P95, LT, true, 0.10, 1),
    REL("p95 < baseline + 50ms", P95, LT, false, 50, 1),
    REL("p95 < baseline + 0.5s", P95, LT, false, 500, 1),
    REL("p95 < baseline", P95, LT, false, 0, 1),
    REL("p95 < baseline   ", P95, LT, false, 0, 1),
    REL("p99.9 <= baseline + 50ms", P999, LE, false, 50, 1),
    REL("avg < baseline + 250us", AVG, LT, false, 0.25, 1),
    REL("rps > baseline - 10%", RPS, GT, true, -0.10, 0),
    REL("rps > baseline - 5/s", RPS, GT, false, -5, 0),
    REL("rps > baseline - 120/m", RPS, GT, false, -2, 0),
    REL("rps > baseline - 7200/h", RPS, GT, false, -2, 0),
    REL("p95 < baseline + 1m", P95, LT, false, 60000, 1),
    /* error_rate: '%' is percentage points, not a share of the baseline */
    REL("error_rate < baseline + 1%", ERROR_RATE, LT, false, 0.01, 0),
    REL("error_rate <= baseline + 0.02", ERROR_RATE, LE, false, 0.02, 0),
    REL("requests > baseline - 20%", REQUESTS, GT, true, -0.20, 0),
    REL("errors <= baseline + 5", ERRORS, LE, false, 5, 0),
};

struct bad_case {
    const char *expr;
    int col;            /* expected column in "column N: " */
    const char *needle; /* expected in the message after it */
};

static const struct bad_case bad_cases[] = {
    {"", 1, "expected a statistic (p50, p75, p90, p95, p99, p99.9"},
    {"   ", 4, "expected a statistic"},
    {"< 1s", 1, "expected a statistic"},
    {"p96 < 1s", 1, "unknown statistic 'p96'; expected one of p50"},
    {"P95 < 1s", 1, "unknown statistic 'P95'"},
    {"latency < 1s", 1, "error_rate, errors, requests"},
    {"p95", 4, "expected a comparison (<, <=, >, >=)"},
    {"p95 = 1s", 5, "expected a comparison (<, <=, >, >=)"},
    {"p99.9 x 1", 7, "expected a comparison (<, <=, >, >=)"},
    {"p95 == 1s", 5, "expected a comparison"},
    {"p95 < ", 7, "expected a number or 'baseline', found the end"},
    {"p95 < -5ms", 7, "expected a number or 'baseline', found '-'"},
    {"p95 < fast", 7, "expected a number or 'baseline', found 'fast'"},
    {"p95 < baselines", 7, "expected a number or 'baseline'"},
    {"p95 < .", 7, "expected a number"},
    {"p95 < 5%", 8, "'%' does not apply to p95"},
    {"p95 < 5/s", 8, "'/s' does not apply to p95"},
    {"p95 < 5 sec", 9, "unknown unit 'sec'"},
    {"p95 < 5/h", 8, "'/h' does not apply to p95 (times take us, ms, s, m"},
    {"p95 < 5/x", 8, "expected '/s', '/m' or '/h'"},
    {"p95 < 1m30", 11, "after 30: each part of a duration has one"},
    {"p95 < 1000000h", 7, "longer than 100 years"},
    {"error_rate < 1h", 15, "'h' does not apply to error_rate"},
    {"p95 < 1e3", 8, "exponents are not supported"},
    {"p95 < 99999999999999999999", 7, "out of range"},
    {"p95 < 1s extra", 10,
     "expected the end of the expression, found "
     "'extra'"},
    {"p95 < 1s\x01", 9, "byte 0x01"},
    {"p95 < 10 baseline", 10, "found 'baseline'"},
    {"error_rate < 5", 14, "above 1"},
    {"error_rate < 5ms", 15, "'ms' does not apply to error_rate"},
    {"error_rate < 150%", 14, "above 100%"},
    {"error_rate < 5/s", 15, "'/s' does not apply to error_rate"},
    {"rps > 5%", 8, "'%' does not apply to rps"},
    {"rps > 5ms", 8, "'ms' does not apply to rps"},
    {"errors < 5%", 11, "'%' does not apply to errors"},
    {"requests > 10/s", 14, "'/s' does not apply to requests"},
    {"p95 < baseline * 2", 16, "expected '+', '-' or the end"},
    {"p95 < baseline +", 17, "expected a number, found the end"},
    {"p95 < baseline + 10%%", 21, "expected the end of the expression"},
    {"p95 < baseline + 10% + 5ms", 22, "expected the end"},
    {"rps > baseline - 100%", 18, "leaves no limit"},
    {"error_rate < baseline + 1ms", 26, "'ms' does not apply to error_rate"},
    {"p95 < baseline + 10/s", 20, "'/s' does not apply to p95"},
};

static void test_valid_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(ok_cases) / sizeof(ok_cases[0]); i++) {
        const struct ok_case *k = &ok_cases[i];
        struct compare_threshold t;
        char err[256] = "";
        int rc = compare_threshold_parse(k->expr, NULL, &t, err, sizeof(err));

        if (rc != 0)
            fail_msg("'%s': rc %d, %s", k->expr, rc, err);
        if (t.stat != k->stat || t.op != k->op || t.relative != k->relative)
            fail_msg("'%s': stat %d op %d relative %d", k->expr, t.stat, t.op,
                     t.relative);
        if (k->relative) {
            if (t.tolerance_pct != k->pct ||
                fabs(t.tolerance - k->value) > 1e-9)
                fail_msg("'%s': tolerance %g pct %d, want %g pct %d", k->expr,
                         t.tolerance, t.tolerance_pct, k->value, k->pct);
        } else if (fabs(t.value - k->value) > 1e-9) {
            fail_msg("'%s': value %g, want %g", k->expr, t.value, k->value);
        }
        if (fabs(t.min_effect - k->min_effect) > 1e-12)
            fail_msg("'%s': min_effect %g", k->expr, t.min_effect);
        assert_string_equal(t.expr, k->expr);
        assert_null(t.endpoint);
        assert_null(t.file);
        compare_threshold_release(&t);
        assert_null(t.expr);
    }
}

static void test_invalid_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
        const struct bad_case *k = &bad_cases[i];
        struct compare_threshold t;
        char err[512] = "", prefix[32];
        int rc = compare_threshold_parse(k->expr, NULL, &t, err, sizeof(err));

        if (rc != COMPARE_ESYNTAX)
            fail_msg("'%s': rc %d, want ESYNTAX", k->expr, rc);
        snprintf(prefix, sizeof(prefix), "column %d: ", k->col);
        if (strncmp(err, prefix, strlen(prefix)) != 0 ||
            !strstr(err, k->needle))
            fail_msg("'%s': got \"%s\", want \"%s...%s\"", k->expr, err, prefix,
                     k->needle);
        /* nothing allocated, nothing to release, and no garbage left */
        assert_null(t.expr);
        assert_null(t.endpoint);
    }
}

static void test_table_size(void **state)
{
    (void)state;
    assert_true(sizeof(ok_cases) / sizeof(ok_cases[0]) +
                    sizeof(bad_cases) / sizeof(bad_cases[0]) >=
                40);
}

static void test_endpoint_and_args(void **state)
{
    struct compare_threshold t;
    char err[128];

    (void)state;
    assert_int_equal(compare_threshold_parse("p99 < 2s", "GET /api/health", &t,
                                             err, sizeof(err)),
                     0);
    assert_string_equal(t.endpoint, "GET /api/health");
    compare_threshold_release(&t);
    compare_threshold_release(&t); /* twice is harmless */

    assert_int_equal(
        compare_threshold_parse("p99 < 2s", "", &t, err, sizeof(err)),
        COMPARE_ESYNTAX);
    assert_non_null(strstr(err, "endpoint"));
    assert_int_equal(compare_threshold_parse(NULL, NULL, &t, err, sizeof(err)),
                     COMPARE_ESYNTAX);
    /* no errbuf is fine */
    assert_int_equal(compare_threshold_parse("p95 <", NULL, &t, NULL, 0),
                     COMPARE_ESYNTAX);
    /* a tiny errbuf is truncated, not overrun */
    char tiny[8];
    assert_int_equal(
        compare_threshold_parse("p95 ? 1", NULL, &t, tiny, sizeof(tiny)),
        COMPARE_ESYNTAX);
    assert_string_equal(tiny, "column ");
}

/* A threshold as written (a profile's map, --threshold, or one a results
 * document carries) parses into the same struct wherever it comes from. */
static void test_from_written(void **state)
{
    struct metrics_threshold w = {0};
    struct compare_threshold t, copy;
    char err[256];

    (void)state;
    w.check = "p95 < baseline + 10%";
    w.endpoint = "GET /x";
    w.severity = "warn";
    w.min_effect = "5ms";
    w.for_s = 30;
    w.abort_run = true;
    w.file = "perf/p.yaml";
    w.line = 12;
    w.col = 5;
    assert_int_equal(compare_threshold_from(&w, &t, err, sizeof(err)), 0);
    assert_string_equal(t.expr, "p95 < baseline + 10%");
    assert_string_equal(t.endpoint, "GET /x");
    assert_int_equal(t.stat, METRICS_STAT_P95);
    assert_true(t.relative);
    assert_true(t.warn_only);
    assert_true(t.min_effect == 5.0);
    assert_true(t.for_s == 30 && t.abort_run);
    assert_ptr_equal(t.file, w.file);
    assert_int_equal(t.line, 12);
    assert_int_equal(t.col, 5);
    /* a copy owns its strings */
    assert_int_equal(compare_threshold_copy(&copy, &t), 0);
    compare_threshold_release(&t);
    assert_string_equal(copy.expr, "p95 < baseline + 10%");
    assert_string_equal(copy.endpoint, "GET /x");
    assert_true(copy.warn_only && copy.min_effect == 5.0);
    compare_threshold_release(&copy);

    /* severity error (or none) blocks; min_effect in the statistic's unit */
    w.severity = "error";
    w.check = "error_rate < 5%";
    w.min_effect = "0.5%";
    assert_int_equal(compare_threshold_from(&w, &t, err, sizeof(err)), 0);
    assert_false(t.warn_only);
    assert_true(fabs(t.min_effect - 0.005) < 1e-12);
    compare_threshold_release(&t);

    /* errors say what is wrong, the caller says where */
    w.min_effect = "5xs";
    w.check = "p95 < 1s";
    assert_int_equal(compare_threshold_from(&w, &t, err, sizeof(err)),
                     COMPARE_ESYNTAX);
    assert_non_null(strstr(err, "min_effect '5xs': "));
    assert_null(t.expr);
    w.min_effect = NULL;
    w.check = "p95 < 1 parsec";
    assert_int_equal(compare_threshold_from(&w, &t, err, sizeof(err)),
                     COMPARE_ESYNTAX);
    assert_non_null(strstr(err, "column"));
    assert_int_equal(compare_threshold_from(NULL, &t, err, sizeof(err)),
                     COMPARE_EINVAL);
}

static void test_defaults(void **state)
{
    struct compare_threshold *t = NULL;
    size_t n = 0;

    (void)state;
    assert_int_equal(compare_threshold_defaults(&t, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(t[0].stat, METRICS_STAT_P95);
    assert_int_equal(t[0].op, COMPARE_LT);
    assert_true(fabs(t[0].value - 1000) < 1e-9);
    assert_int_equal(t[1].stat, METRICS_STAT_ERROR_RATE);
    assert_true(fabs(t[1].value - 0.05) < 1e-12);
    assert_null(t[0].endpoint);
    for (size_t i = 0; i < n; i++)
        compare_threshold_release(&t[i]);
    free(t);
}

static void test_op_and_stat_names(void **state)
{
    (void)state;
    assert_string_equal(compare_op_str(COMPARE_LT), "<");
    assert_string_equal(compare_op_str(COMPARE_LE), "<=");
    assert_string_equal(compare_op_str(COMPARE_GT), ">");
    assert_string_equal(compare_op_str(COMPARE_GE), ">=");
    assert_string_equal(compare__stat_name(METRICS_STAT_P999), "p99.9");
    assert_true(compare__stat_is_time(METRICS_STAT_MAX));
    assert_false(compare__stat_is_time(METRICS_STAT_RPS));
    assert_true(fabs(compare__stat_percentile(METRICS_STAT_P999) - 99.9) <
                1e-9);
    assert_true(compare__stat_percentile(METRICS_STAT_AVG) < 0);
    assert_string_equal(compare_strerror(COMPARE_ESYNTAX),
                        "invalid threshold expression");
}

static void test_samples_needed(void **state)
{
    static const struct {
        double pct;
        uint64_t need;
    } cases[] = {{50, 20},   {75, 40},      {90, 100}, {95, 200},
                 {99, 1000}, {99.9, 10000}, {-1, 0}};

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        if (compare__samples_needed(cases[i].pct) != cases[i].need)
            fail_msg("p%g: %llu, want %llu", cases[i].pct,
                     (unsigned long long)compare__samples_needed(cases[i].pct),
                     (unsigned long long)cases[i].need);
}

static void test_format(void **state)
{
    static const struct {
        int stat;
        double v;
        const char *want;
    } cases[] = {
        {METRICS_STAT_P95, 1320.44, "1320.4 ms"},
        {METRICS_STAT_P95, 1078.0, "1078 ms"},
        {METRICS_STAT_AVG, 2.5, "2.5 ms"},
        {METRICS_STAT_AVG, 2.456, "2.46 ms"},
        {METRICS_STAT_MIN, 0.004, "0 ms"},
        {METRICS_STAT_ERROR_RATE, 0.025, "2.50%"},
        {METRICS_STAT_ERROR_RATE, 0, "0.00%"},
        {METRICS_STAT_RPS, 33.333, "33.3/s"},
        {METRICS_STAT_RPS, 4.5, "4.5/s"},
        {METRICS_STAT_REQUESTS, 12, "12"},
    };
    char buf[64];

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        compare__fmt_value(cases[i].stat, cases[i].v, buf, sizeof(buf));
        assert_string_equal(buf, cases[i].want);
    }
    compare__fmt_pct(34.66, buf, sizeof(buf));
    assert_string_equal(buf, "+34.7%");
    compare__fmt_pct(-5, buf, sizeof(buf));
    assert_string_equal(buf, "-5.0%");

    /* cutting never splits a UTF-8 sequence */
    char s[] = "ab\xc3\xa9";
    compare__utf8_cut(s, 3);
    assert_string_equal(s, "ab");
    compare__printf(buf, 4, "%s", "ab\xc3\xa9z");
    assert_string_equal(buf, "ab");
}

/* Hostile input: random strings over the expression alphabet and raw
 * bytes never crash, and every error names a column inside the input. */
static void test_random_inputs(void **state)
{
    static const char alphabet[] = "p0123456789.<>= +-%/smuabelinr_ \t\x01\xff";
    uint32_t seed = 12345;
    char expr[40], err[512];
    size_t n_ok = 0, n_bad = 0;

    (void)state;
    for (int round = 0; round < 20000; round++) {
        size_t len = random_text(&seed, alphabet, sizeof(alphabet) - 1, expr,
                                 sizeof(expr));
        struct compare_threshold t;
        int rc;

        /* every fourth input starts valid, to reach the later states */
        if (round % 4 == 0 && len > 6)
            memcpy(expr, "p95 < ", 6);
        rc = compare_threshold_parse(expr, NULL, &t, err, sizeof(err));
        if (rc == 0) {
            n_ok++;
            assert_true(isfinite(t.value) && isfinite(t.tolerance));
            compare_threshold_release(&t);
            continue;
        }
        unsigned col = 0;
        assert_int_equal(rc, COMPARE_ESYNTAX);
        if (sscanf(err, "column %u: ", &col) != 1 || col < 1 ||
            col > strlen(expr) + 1)
            fail_msg("'%s': bad position in \"%s\"", expr, err);
        for (const char *c = err; *c; c++)
            if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f)
                fail_msg("'%s': control or non-ASCII byte in error", expr);
        n_bad++;
    }
    assert_true(n_ok > 0 && n_bad > 0);
}

LGTEST_MAIN(NULL, NULL, cmocka_unit_test(test_valid_table),
            cmocka_unit_test(test_invalid_table),
            cmocka_unit_test(test_table_size),
            cmocka_unit_test(test_endpoint_and_args),
            cmocka_unit_test(test_from_written),
            cmocka_unit_test(test_defaults),
            cmocka_unit_test(test_op_and_stat_names),
            cmocka_unit_test(test_samples_needed),
            cmocka_unit_test(test_format), cmocka_unit_test(test_random_inputs))
