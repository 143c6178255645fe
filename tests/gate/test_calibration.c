/* The calibration table of `loadgate calibrate`, rendered from a
 * calibration built by hand (compare_calibrate() computing it is
 * tests/compare/test_calibrate.c): the header, the aligned rows, values
 * in their units with "-" for a run without one and "..." past six, bands
 * in percent or percentage points, the suggested line or why there is
 * none; and the errors. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gate.h"
#include "lgtest.h"

#define N_RUNS 8

static double values[COMPARE_CALIB_NSTATS][N_RUNS] = {
    {12.345, 12.5, NAN, 13, 14, 15, 16, 17},  /* p50: "-", then "..." */
    {NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN}, /* p95: too few samples */
    {0, 0, 0, 0, 0, 0, 0, 0},                 /* p99: zeros */
    {2.456, 2.5, 2.5, 2.5, 2.5, 2.5, 2.5, 2.5},
    {33.333, 33, 33, 33, 33, 33, 33, 33},
    {0.025, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01}};

static void fill(struct compare_calibration *c,
                 struct compare_calibration_endpoint *ep)
{
    static const enum metrics_stat stats[COMPARE_CALIB_NSTATS] = {
        METRICS_STAT_P50, METRICS_STAT_P95, METRICS_STAT_P99,
        METRICS_STAT_AVG, METRICS_STAT_RPS, METRICS_STAT_ERROR_RATE};

    memset(c, 0, sizeof(*c));
    memset(ep, 0, sizeof(*ep));
    c->n_runs = N_RUNS;
    c->endpoints = ep;
    c->n_endpoints = 1;
    ep->name = "GET /x";
    for (size_t k = 0; k < COMPARE_CALIB_NSTATS; k++) {
        struct compare_calibration_metric *m = &ep->m[k];

        m->stat = stats[k];
        m->values = values[k];
        m->n_usable = N_RUNS;
        m->drift_pct = NAN;
        m->noise_pct = NAN;
        m->suggested = NAN;
    }
    ep->m[0].n_usable = 7;
    ep->m[0].drift_pct = 37.7;
    ep->m[0].noise_pct = 4.3;
    ep->m[0].suggested = 58;
    snprintf(ep->m[0].line, sizeof(ep->m[0].line), "p50 < baseline + 58%%");
    ep->m[1].n_usable = 0;
    ep->m[5].drift_pct = 1.5;
    ep->m[5].noise_pct = 0.25;
}

static char *render(const struct compare_calibration *c)
{
    struct mem m;

    mem_open(&m);
    assert_int_equal(gate_calibration_write(c, m.f), 0);
    return mem_close(&m);
}

static void has_line(const char *text, const char *line)
{
    char *want = malloc(strlen(line) + 3);

    assert_non_null(want);
    sprintf(want, "\n%s\n", line);
    if (!strstr(text, want))
        fail_msg("no line \"%s\" in:\n%s", line, text);
    free(want);
}

static void test_table(void **state)
{
    struct compare_calibration c;
    struct compare_calibration_endpoint ep;
    char *text;

    (void)state;
    fill(&c, &ep);
    text = render(&c);
    assert_true(strncmp(text, "Calibration over 8 A/A runs of one profile.\n",
                        44) == 0);
    assert_non_null(strstr(text, "safety margin (1.5 x drift + 1, at least "
                                 "1)"));
    has_line(text, "GET /x");
    has_line(text, "  stat        drift     noise       values"
                   "                             suggested");
    /* 11, 9, 11 and 34 columns; "±" is two bytes of the eleven */
    has_line(text, "  p50         37.7%     \xc2\xb1"
                   "4.3%      12.3 ms, 12.5 ms, -, 13 ms, 14 ms, 15 ms, "
                   "... p50 < baseline + 58%");
    has_line(text, "  p95         -         -           -, -, -, -, -, -, "
                   "...              (too few runs with enough samples)");
    has_line(text, "  p99         -         -           0 ms, 0 ms, 0 ms, "
                   "0 ms, 0 ms, 0 ms, ... (no relative tolerance from a "
                   "zero)");
    has_line(text, "  avg         -         -           2.46 ms, 2.5 ms, "
                   "2.5 ms, 2.5 ms, 2.5 ms, 2.5 ms, ... (no relative "
                   "tolerance from a zero)");
    has_line(text, "  rps         -         -           33.3/s, 33/s, 33/s, "
                   "33/s, 33/s, 33/s, ... (no relative tolerance from a "
                   "zero)");
    has_line(text, "  error_rate  1.50 pt   \xc2\xb1"
                   "0.25 pt   2.50%, 1.00%, 1.00%, 1.00%, 1.00%, 1.00%, ... "
                   "(no relative tolerance from a zero)");
    free(text);

    /* two runs: every value shown, padded to its column */
    c.n_runs = 2;
    text = render(&c);
    has_line(text, "  rps         -         -           33.3/s, 33/s"
                   "                       (no relative tolerance from a "
                   "zero)");
    free(text);
}

static void test_errors(void **state)
{
    struct compare_calibration c;
    struct compare_calibration_endpoint ep;
    FILE *full = fopen("/dev/full", "w");

    (void)state;
    fill(&c, &ep);
    assert_int_equal(gate_calibration_write(NULL, stdout), GATE_EIO);
    assert_int_equal(gate_calibration_write(&c, NULL), GATE_EIO);
    if (full) { /* a write that fails is reported */
        assert_int_equal(gate_calibration_write(&c, full), GATE_EIO);
        fclose(full);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
