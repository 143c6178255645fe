/* The one grammar of durations, rates, sizes and percentages (units.h),
 * table by table: every accepted form with its value, every refused one
 * with its error code and the offset it names; scanning inside a longer
 * text (thresholds); and hostile input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lgtest.h"
#include "units.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

struct num_case {
    const char *in;
    int rc;             /* 0 or the UNITS_E* code */
    double want;        /* the value, or (on error) the offset named */
    const char *needle; /* in the message, on error; may be NULL */
};

static void close_to(const char *in, double got, double want)
{
    double d = got - want;
    if (d < 0)
        d = -d;
    if (!(d <= 1e-9 * (want < 1 ? 1 : want)))
        fail_msg("'%s': %.17g, want %.17g", in, got, want);
}

static void check_error(const char *in, int rc, const struct units_error *e,
                        const struct num_case *k)
{
    if (rc != k->rc)
        fail_msg("'%s': rc %d (%s), want %d", in, rc, e->msg, k->rc);
    if (e->code != rc)
        fail_msg("'%s': err.code %d, rc %d", in, e->code, rc);
    if (e->at != (size_t)k->want)
        fail_msg("'%s': at %zu, want %g (%s)", in, e->at, k->want, e->msg);
    if (k->needle && !strstr(e->msg, k->needle))
        fail_msg("'%s': \"%s\" lacks \"%s\"", in, e->msg, k->needle);
}

typedef int parse_fn(const char *s, double *out, struct units_error *err);

/* Every case of a table through parse: the value, or the error with its
 * code, offset and message, and *out untouched. */
static void run_table(const struct num_case *cases, size_t n, parse_fn *parse)
{
    for (size_t i = 0; i < n; i++) {
        const struct num_case *k = &cases[i];
        struct units_error e = {0};
        double v = -1;
        int rc = parse(k->in, &v, &e);

        if (k->rc == 0) {
            if (rc != 0)
                fail_msg("'%s': rc %d (%s)", k->in, rc, e.msg);
            close_to(k->in, v, k->want);
        } else {
            check_error(k->in, rc, &e, k);
            assert_true(v == -1);
        }
    }
}

static int duration_s(const char *s, double *out, struct units_error *err)
{
    return units_parse_duration(s, UNITS_SECONDS, out, err);
}

/* Durations: bare numbers are seconds (the profile, the command line). */
static const struct num_case duration_cases[] = {
    {"300ms", 0, 0.3, NULL},
    {"10s", 0, 10, NULL},
    {"5m", 0, 300, NULL},
    {"1h", 0, 3600, NULL},
    {"1m30s", 0, 90, NULL},
    {"1h2m3s", 0, 3723, NULL},
    {"1h30m", 0, 5400, NULL},
    {"30s1m", 0, 90, NULL},
    {"250us", 0, 250e-6, NULL},
    {"1.5s", 0, 1.5, NULL},
    {"0.5s", 0, 0.5, NULL},
    {".5s", 0, 0.5, NULL},
    {"1.5m", 0, 90, NULL},
    {"2", 0, 2, NULL},
    {"2.25", 0, 2.25, NULL},
    {"0", 0, 0, NULL},
    {"0s", 0, 0, NULL},
    {"0.0s", 0, 0, NULL},
    {"1s500ms", 0, 1.5, NULL},
    {"5 s", 0, 5, NULL}, /* white space between a number and its unit */
    {"250\tms", 0, 0.25, NULL},
    {"1 m30 s", 0, 90, NULL},
    {"3153600000", 0, 3153600000.0, NULL}, /* a century, to the second */
    {"876000h", 0, 3153600000.0, NULL},
    {"", UNITS_ENUMBER, 0, "expected a number, found the end"},
    {"s", UNITS_ENUMBER, 0, "expected a number, found 's'"},
    {"-5s", UNITS_ENUMBER, 0, "without a sign, found '-'"},
    {"-1", UNITS_ENUMBER, 0, "without a sign"},
    {"+5s", UNITS_ENUMBER, 0, "without a sign"},
    {" 5s", UNITS_ENUMBER, 0, "found white space"},
    {"5s ", UNITS_ETRAILING, 2, "expected the end of the duration"},
    {"5 minutes", UNITS_EUNIT, 2,
     "unknown unit 'minutes'; expected us, ms, s, m or h"},
    {"5x", UNITS_EUNIT, 1, "unknown unit 'x'"},
    {"5S", UNITS_EUNIT, 1, "unknown unit 'S'"},
    {"5mm", UNITS_EUNIT, 1, "unknown unit 'mm'"},
    {"10d", UNITS_EUNIT, 2, "unknown unit 'd'"},
    {"5sec", UNITS_EUNIT, 1, "unknown unit 'sec'"},
    {"5%", UNITS_EUNIT, 1, "unknown unit '%'"},
    {"5/s", UNITS_EUNIT, 1, "unknown unit '/s'"},
    {"1e3", UNITS_EEXPONENT, 1, "exponents are not supported"},
    {"1E+3s", UNITS_EEXPONENT, 1, "exponents"},
    {"2.5e-1", UNITS_EEXPONENT, 3, "exponents"},
    {"inf", UNITS_ENUMBER, 0, "found 'inf'"},
    {"nan", UNITS_ENUMBER, 0, "found 'nan'"},
    {"0x10", UNITS_EUNIT, 1, "unknown unit 'x'"},
    {"1.", UNITS_ETRAILING, 1, "found '.'"}, /* "1...3" would be ambiguous */
    {".", UNITS_ENUMBER, 0, "expected a number"},
    {"1..2", UNITS_ETRAILING, 1, NULL},
    {"1m30", UNITS_EUNIT, 4, "after 30: each part of a duration has one"},
    {"1m 30s", UNITS_ETRAILING, 2, "found white space"},
    {"5s!", UNITS_ETRAILING, 2, "found '!'"},
    {"5s\x01", UNITS_ETRAILING, 2, "byte 0x01"},
    {"3153600001", UNITS_ERANGE, 0, "longer than 100 years"},
    {"99999999999h", UNITS_ERANGE, 0, "out of range"},
    {"876000h1s", UNITS_ERANGE, 0, "out of range"},
    {"9999999999999999s", UNITS_ERANGE, 0, "number out of range"},
};

static void test_durations(void **state)
{
    (void)state;
    run_table(duration_cases, N_OF(duration_cases), duration_s);
}

/* The same grammar with bare numbers in milliseconds (thresholds), and
 * values exact where they were exact before: 1100ms is 1100, not
 * 1100.0000000000002. */
static void test_durations_ms(void **state)
{
    static const struct {
        const char *in;
        double want;
    } cases[] = {{"250ms", 250},  {"1100ms", 1100}, {"1s", 1000},
                 {"1.1s", 1100},  {"2", 2},         {"0.25", 0.25},
                 {"1500us", 1.5}, {"1m", 60000},    {"1m30s", 90000},
                 {"1h", 3600000}, {"250 ms", 250}};

    (void)state;
    for (size_t i = 0; i < N_OF(cases); i++) {
        double v = -1;
        struct units_error e;

        if (units_parse_duration(cases[i].in, UNITS_MILLISECONDS, &v, &e))
            fail_msg("'%s': %s", cases[i].in, e.msg);
        close_to(cases[i].in, v, cases[i].want);
    }
    {
        double v;
        assert_int_equal(
            units_parse_duration("1100ms", UNITS_MILLISECONDS, &v, NULL), 0);
        assert_true(v == 1100.0);
        assert_int_equal(units_parse_duration("300ms", UNITS_SECONDS, &v, NULL),
                         0);
        assert_true(v == 300 * 1e-3);
        /* the century in ms, and one ms more */
        assert_int_equal(
            units_parse_duration("3153600000000", UNITS_MILLISECONDS, &v, NULL),
            0);
        assert_int_equal(
            units_parse_duration("3153600000001", UNITS_MILLISECONDS, &v, NULL),
            UNITS_ERANGE);
    }
}

static const struct num_case rate_cases[] = {
    {"50/s", 0, 50, NULL},
    {"3000/m", 0, 50, NULL},
    {"7200/h", 0, 2, NULL},
    {"10/h", 0, 10.0 / 3600, NULL},
    {"12", 0, 12, NULL},
    {"0.5", 0, 0.5, NULL},
    {".5/s", 0, 0.5, NULL},
    {"0/s", 0, 0, NULL},
    {"50 /s", 0, 50, NULL},
    {"1000000000/s", 0, 1e9, NULL},
    {"1000000000", 0, 1e9, NULL},
    {"50/sec", UNITS_EUNIT, 2, "expected '/s', '/m' or '/h'"},
    {"50/S", UNITS_EUNIT, 2, "expected '/s', '/m' or '/h'"},
    {"50/", UNITS_EUNIT, 2, "expected '/s', '/m' or '/h'"},
    {"50/ s", UNITS_EUNIT, 2, NULL},
    {"/s", UNITS_ENUMBER, 0, "expected a number"},
    {"-5/s", UNITS_ENUMBER, 0, "without a sign"},
    {"fast", UNITS_ENUMBER, 0, "found 'fast'"},
    {"", UNITS_ENUMBER, 0, NULL},
    {"5s", UNITS_EUNIT, 1, "unknown unit 's'; expected /s, /m or /h"},
    {"1e12", UNITS_EEXPONENT, 1, "exponents"},
    {"1e3/s", UNITS_EEXPONENT, 1, "exponents"},
    {"0x10", UNITS_EUNIT, 1, NULL},
    {"inf", UNITS_ENUMBER, 0, NULL},
    {"9999999999/s", UNITS_ERANGE, 0, "rate above 1000000000/s"},
    {"1000000001", UNITS_ERANGE, 0, "out of range"},
    {"50/s/s", UNITS_ETRAILING, 4, "expected the end of the rate"},
};

static void test_rates(void **state)
{
    (void)state;
    run_table(rate_cases, N_OF(rate_cases), units_parse_rate);
}

static void test_sizes(void **state)
{
    static const struct {
        const char *in;
        int rc;
        uint64_t want; /* or the offset named */
    } cases[] = {
        {"1048576", 0, 1048576},
        {"64B", 0, 64},
        {"64b", 0, 64},
        {"512KB", 0, 512 * 1024},
        {"512k", 0, 512 * 1024},
        {"10MB", 0, 10u * 1024 * 1024},
        {"10 mb", 0, 10u * 1024 * 1024},
        {"10  Mb", 0, 10u * 1024 * 1024},
        {"1MiB", 0, 1024 * 1024},
        {"1.5k", 0, 1536},
        {"1.5", 0, 1},
        {"2GB", 0, 2ull << 30},
        {"1gib", 0, 1ull << 30},
        {"1024GB", 0, 1ull << 40},
        {"1099511627776", 0, 1ull << 40},
        {"1025GB", UNITS_ERANGE, 0},
        {"1099511627777", UNITS_ERANGE, 0},
        {"", UNITS_ENUMBER, 0},
        {"MB", UNITS_ENUMBER, 0},
        {"-1MB", UNITS_ENUMBER, 0},
        {"10XB", UNITS_EUNIT, 2},
        {"10MBs", UNITS_EUNIT, 2},
        {"10ms", UNITS_EUNIT, 2},
        {"1e9", UNITS_EEXPONENT, 1},
        {"10MB ", UNITS_ETRAILING, 4},
    };

    (void)state;
    for (size_t i = 0; i < N_OF(cases); i++) {
        struct units_error e = {0};
        uint64_t v = 0;
        int rc = units_parse_size(cases[i].in, &v, &e);

        if (rc != cases[i].rc)
            fail_msg("'%s': rc %d (%s), want %d", cases[i].in, rc, e.msg,
                     cases[i].rc);
        if (rc == 0 && v != cases[i].want)
            fail_msg("'%s': %llu", cases[i].in, (unsigned long long)v);
        if (rc != 0 && e.at != cases[i].want)
            fail_msg("'%s': at %zu", cases[i].in, e.at);
    }
}

static const struct num_case percent_cases[] = {
    {"5%", 0, 0.05, NULL},
    {"0.5 %", 0, 0.005, NULL},
    {"100%", 0, 1, NULL},
    {"250%", 0, 2.5, NULL},
    {".5%", 0, 0.005, NULL},
    {"0.05", 0, 0.05, NULL}, /* a bare number is a fraction already */
    {"0", 0, 0, NULL},
    {"5%%", UNITS_ETRAILING, 2, "expected the end of the percentage"},
    {"%", UNITS_ENUMBER, 0, NULL},
    {"-5%", UNITS_ENUMBER, 0, "without a sign"},
    {"5 pct", UNITS_EUNIT, 2, "unknown unit 'pct'; expected %"},
    {"5ms", UNITS_EUNIT, 1, "unknown unit 'ms'"},
    {"1e2%", UNITS_EEXPONENT, 1, NULL},
};

static void test_percent(void **state)
{
    (void)state;
    run_table(percent_cases, N_OF(percent_cases), units_parse_percent);
}

#define THRESHOLD_UNITS                                                        \
    (UNITS_ACCEPT(UNITS_DURATION) | UNITS_ACCEPT(UNITS_RATE) |                 \
     UNITS_ACCEPT(UNITS_PERCENT))

/* Inside a longer text, as a threshold expression scans it: what follows
 * the quantity is left to the caller, and so is white space with no unit
 * after it. */
static void test_scan(void **state)
{
    static const struct {
        const char *text;
        size_t pos;
        enum units_kind kind;
        double number, value;
        size_t unit_at, end;
        const char *unit;
    } cases[] = {
        {"p95 < 250ms", 6, UNITS_DURATION, 250, 250, 9, 11, "ms"},
        {"p95 < 250 ms", 6, UNITS_DURATION, 250, 250, 10, 12, "ms"},
        {"p95 < 1m30s rest", 6, UNITS_DURATION, 1, 90000, 7, 11, "m"},
        {"p95 < 1h", 6, UNITS_DURATION, 1, 3600000, 7, 8, "h"},
        {"p95 < 1000  ", 6, UNITS_PLAIN, 1000, 1000, 10, 10, ""},
        {"rps > 600/m", 6, UNITS_RATE, 600, 10, 9, 11, "/m"},
        {"rps > 36/h", 6, UNITS_RATE, 36, 0.01, 8, 10, "/h"},
        {"rps > 100 /s", 6, UNITS_RATE, 100, 100, 10, 12, "/s"},
        {"x < 5%", 4, UNITS_PERCENT, 5, 0.05, 5, 6, "%"},
        {"x < 0.5 %", 4, UNITS_PERCENT, 0.5, 0.005, 8, 9, "%"},
        {"x < baseline + 10%% y", 15, UNITS_PERCENT, 10, 0.1, 17, 18, "%"},
        {"1s\x01", 0, UNITS_DURATION, 1, 1000, 1, 2, "s"},
    };

    (void)state;
    for (size_t i = 0; i < N_OF(cases); i++) {
        struct units_value v;
        struct units_error e;
        int rc = units_scan(cases[i].text, cases[i].pos, THRESHOLD_UNITS,
                            UNITS_MILLISECONDS, &v, &e);

        if (rc)
            fail_msg("'%s': %s", cases[i].text, e.msg);
        if (v.kind != cases[i].kind || v.unit_at != cases[i].unit_at ||
            v.end != cases[i].end || v.number_at != cases[i].pos ||
            strcmp(v.unit, cases[i].unit) != 0)
            fail_msg("'%s': kind %d unit '%s' at %zu, end %zu", cases[i].text,
                     v.kind, v.unit, v.unit_at, v.end);
        close_to(cases[i].text, v.number, cases[i].number);
        close_to(cases[i].text, v.value, cases[i].value);
    }
}

static void test_scan_errors(void **state)
{
    static const struct {
        const char *text;
        size_t pos;
        int rc;
        size_t at;
        const char *needle;
    } cases[] = {
        {"p95 < 5 sec", 6, UNITS_EUNIT, 8,
         "unknown unit 'sec'; expected us, ms, s, m, h, %, /s, /m or /h"},
        {"p95 < 10 baseline", 6, UNITS_EUNIT, 9, "unknown unit 'baseline'"},
        {"p95 < 5/x", 6, UNITS_EUNIT, 7, "expected '/s', '/m' or '/h'"},
        {"p95 < 1e3", 6, UNITS_EEXPONENT, 7, "exponents"},
        {"p95 < 99999999999999999999", 6, UNITS_ERANGE, 6, "out of range"},
        {"p95 < 10MB", 6, UNITS_EUNIT, 8, "unknown unit 'MB'"},
        {"p95 < .", 6, UNITS_ENUMBER, 6, "expected a number"},
        {"p95 < ", 6, UNITS_ENUMBER, 6, "found the end"},
        {"p95 < 1s5", 6, UNITS_EUNIT, 9, "after 5"},
    };

    (void)state;
    for (size_t i = 0; i < N_OF(cases); i++) {
        struct units_value v;
        struct units_error e;
        int rc = units_scan(cases[i].text, cases[i].pos, THRESHOLD_UNITS,
                            UNITS_MILLISECONDS, &v, &e);

        if (rc != cases[i].rc || e.code != rc || e.at != cases[i].at ||
            !strstr(e.msg, cases[i].needle))
            fail_msg("'%s': rc %d at %zu \"%s\"", cases[i].text, rc, e.at,
                     e.msg);
    }
}

static void test_arguments(void **state)
{
    struct units_value v;
    struct units_error e;
    double d;
    uint64_t u;

    (void)state;
    /* "10m" is ten minutes or ten mebibytes: never both at once */
    assert_int_equal(
        units_scan("10m", 0,
                   UNITS_ACCEPT(UNITS_DURATION) | UNITS_ACCEPT(UNITS_SIZE),
                   UNITS_SECONDS, &v, &e),
        UNITS_EINVAL);
    assert_int_equal(e.code, UNITS_EINVAL);
    assert_int_equal(units_scan("10m", 0, 1u << 9, UNITS_SECONDS, &v, &e),
                     UNITS_EINVAL);
    assert_int_equal(units_scan(NULL, 0, 0, UNITS_SECONDS, &v, &e),
                     UNITS_EINVAL);
    assert_int_equal(units_scan("1", 0, 0, UNITS_SECONDS, NULL, NULL),
                     UNITS_EINVAL);
    assert_int_equal(units_parse_duration(NULL, UNITS_SECONDS, &d, NULL),
                     UNITS_EINVAL);
    assert_int_equal(units_parse_duration("1s", UNITS_SECONDS, NULL, NULL),
                     UNITS_EINVAL);
    assert_int_equal(units_parse_rate(NULL, &d, NULL), UNITS_EINVAL);
    assert_int_equal(units_parse_size(NULL, &u, NULL), UNITS_EINVAL);
    assert_int_equal(units_parse_percent(NULL, &d, NULL), UNITS_EINVAL);
    /* no unit asked for: a plain number only */
    assert_int_equal(units_scan("5", 0, 0, UNITS_SECONDS, &v, &e), 0);
    assert_int_equal(v.kind, UNITS_PLAIN);
    assert_int_equal(units_scan("5s", 0, 0, UNITS_SECONDS, &v, &e),
                     UNITS_EUNIT);
    assert_non_null(strstr(e.msg, "a number without a unit"));
    /* no error buffer is fine */
    assert_int_equal(units_parse_duration("5x", UNITS_SECONDS, &d, NULL),
                     UNITS_EUNIT);
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(units_strerror(UNITS_EUNIT), "unknown unit");
    assert_string_equal(units_strerror(UNITS_EEXPONENT),
                        "exponents are not supported");
    assert_string_equal(units_strerror(0), "unknown error");
    assert_string_equal(units_strerror(-99), "unknown error");
    /* the profile's messages read "expected <this>, not '...'" */
    assert_string_equal(units_expected(UNITS_DURATION),
                        "a duration like 30s or 5m");
    assert_string_equal(units_expected(UNITS_RATE),
                        "a rate like 50/s or 3000/m");
    assert_string_equal(units_expected(UNITS_SIZE),
                        "a size like 10MB, 512KB or a number of bytes");
    assert_string_equal(units_expected(UNITS_PERCENT), "a percentage like 5%");
    assert_string_equal(units_expected(UNITS_PLAIN), "a number");
}

/* Hostile input: random strings over the grammar's alphabet and raw
 * bytes never crash, every error names an offset inside the text (or its
 * end) and its message is one line of printable ASCII. */
static void test_random_inputs(void **state)
{
    static const char alphabet[] = "0123456789.. smuhbkgiBKMG%/e+-x\t\x01\xff";
    uint32_t seed = 4242;
    char text[24];
    size_t n_ok = 0, n_bad = 0;

    (void)state;
    for (int round = 0; round < 40000; round++) {
        struct units_value v;
        struct units_error e;
        unsigned accept = round % 3 == 0   ? THRESHOLD_UNITS
                          : round % 3 == 1 ? UNITS_ACCEPT(UNITS_SIZE)
                                           : UNITS_ACCEPT(UNITS_DURATION);
        size_t len = random_text(&seed, alphabet, sizeof(alphabet) - 1, text,
                                 sizeof(text));
        int rc;

        rc = units_scan(text, 0, accept, UNITS_SECONDS, &v, &e);
        if (rc == 0) {
            n_ok++;
            assert_true(v.end <= len && v.unit_at <= v.end);
            assert_true(v.value >= 0 && v.value <= 1e15);
            continue;
        }
        n_bad++;
        assert_int_equal(e.code, rc);
        if (e.at > len)
            fail_msg("'%s': at %zu beyond %zu", text, e.at, len);
        for (const char *c = e.msg; *c; c++)
            if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f)
                fail_msg("'%s': control or non-ASCII byte in \"%s\"", text,
                         e.msg);
    }
    assert_true(n_ok > 1000 && n_bad > 1000);
}

LGTEST_MAIN(NULL, NULL, cmocka_unit_test(test_durations),
            cmocka_unit_test(test_durations_ms), cmocka_unit_test(test_rates),
            cmocka_unit_test(test_sizes), cmocka_unit_test(test_percent),
            cmocka_unit_test(test_scan), cmocka_unit_test(test_scan_errors),
            cmocka_unit_test(test_arguments), cmocka_unit_test(test_names),
            cmocka_unit_test(test_random_inputs))
