/*
 * importer tests: what every test file of the folder shares (fixtures,
 * statistics read back, comparisons).
 */
#ifndef LOADGATE_IMPORTER_TEST_H
#define LOADGATE_IMPORTER_TEST_H

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "importer.h"
#include "metrics.h"

#define FIXTURE(name) LOADGATE_SOURCE_DIR "/tests/importer/fixtures/" name

/* absent: the statistic must be METRICS_ENODATA */
#define ABSENT (-1.0)

static inline struct metrics_results *load_ok(enum importer_format f,
                                              const char *path)
{
    struct metrics_results *r = NULL;
    char err[512] = "";
    int rc = importer_load(f, path, &r, err, sizeof(err));

    if (rc != 0)
        fail_msg("importer_load(%s): %d %s", path, rc, err);
    assert_non_null(r);
    return r;
}

static inline const struct metrics_endpoint *
find(const struct metrics_results *r, const char *name)
{
    const struct metrics_endpoint *ep = metrics_results_find(r, name);

    if (!ep)
        fail_msg("no endpoint '%s'", name);
    return ep;
}

/* value of s, or ABSENT when metrics_value says there is none */
static inline double value(const struct metrics_results *r,
                           const struct metrics_endpoint *ep,
                           enum metrics_stat s)
{
    double v = -12345;
    int rc = metrics_value(r, ep, s, &v);

    if (rc == METRICS_ENODATA)
        return ABSENT;
    assert_int_equal(rc, 0);
    return v;
}

static inline void assert_close(double got, double want, double rel,
                                const char *what)
{
    if (want == ABSENT || got == ABSENT) {
        if (got != want)
            fail_msg("%s: got %.6g, want %s", what, got,
                     want == ABSENT ? "absent" : "a value");
        return;
    }
    if (fabs(got - want) > rel * fabs(want) + 1e-9)
        fail_msg("%s: got %.9g, want %.9g", what, got, want);
}

/* A value read back from the results JSON: times are kept to the
 * microsecond and the run's duration (duration_s) to the millisecond,
 * which rps moves with; counts and rates of counts are exact. */
static inline void assert_round_trip(double got, double want,
                                     enum metrics_stat s, double duration_s,
                                     const char *what)
{
    double tol = s == METRICS_STAT_RPS     ? fabs(want) * 0.0005 / duration_s
                 : metrics_stat_is_time(s) ? 0.0005
                                           : 0.0;

    if ((got == ABSENT) != (want == ABSENT) || fabs(got - want) > tol + 1e-9)
        fail_msg("%s: got %.9g, want %.9g", what, got, want);
}

/* responses with that status; for 0 (no response), requests with none */
static inline uint64_t status_count(const struct metrics_endpoint *ep,
                                    int status)
{
    uint64_t with = 0;

    if (status > 0)
        return ep->status[status];
    for (int s = 0; s < METRICS_STATUS_MAX; s++)
        with += ep->status[s];
    return ep->requests - with;
}

/* Case i: importer_parse(f, text) named "in" fails with EPARSE and the
 * message error (NULL: any message naming line 2, for libraries' own
 * wording). */
static inline void expect_parse_error(size_t i, enum importer_format f,
                                      const char *text, const char *error)
{
    struct metrics_results *r = NULL;
    char err[512] = "";
    int rc = importer_parse(f, text, strlen(text), "in", &r, err, sizeof(err));

    if (rc != IMPORTER_EPARSE)
        fail_msg("case %zu: rc %d, want EPARSE (%s)", i, rc, err);
    assert_null(r);
    if (error && strcmp(err, error) != 0)
        fail_msg("case %zu:\n got: %s\nwant: %s", i, err, error);
    if (!error && strncmp(err, "in:2:", 5) != 0)
        fail_msg("case %zu: no line 2 in '%s'", i, err);
}

#endif
