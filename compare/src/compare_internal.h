/*
 * compare internals shared between compare's files and reached by its unit
 * tests.  Not part of the public contract (compare.h is).
 */
#ifndef LOADGATE_COMPARE_INTERNAL_H
#define LOADGATE_COMPARE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compare.h"

/** Type strings of compare_check.type (static, compared by value). */
#define COMPARE__T_THRESHOLD "loadgate.threshold"
#define COMPARE__T_REGRESSION "loadgate.regression"
#define COMPARE__T_NO_DATA "loadgate.no_data"
#define COMPARE__T_TOO_FEW "loadgate.too_few_samples"
#define COMPARE__T_NO_BASELINE "loadgate.no_baseline"
#define COMPARE__T_LOAD "loadgate.load"
#define COMPARE__T_WARN "loadgate.warn"
#define COMPARE__T_FEW_WINDOWS "loadgate.too_few_windows"

/** Expressions of the whole-run load check compare_evaluate() adds for
 * open-model or saturated runs (no threshold behind it). */
#define COMPARE__LOAD_EXPR "rps >= 95% of the target rate"
#define COMPARE__SAT_EXPR "load generator not saturated"

/** A statistic's name from METRICS_STAT_MAP ("p95"); "?" when out of
 * range.  Needs no metrics object code, so the parser links alone. */
const char *compare__stat_name(int stat);
/** True for the time statistics (unit "ms" in METRICS_STAT_MAP). */
bool compare__stat_is_time(int stat);
/** The percentile a statistic names (95 for p95), or -1. */
double compare__stat_percentile(int stat);
/** Statistic by exact name, or -1. */
int compare__stat_lookup(const char *name, size_t len);
/** What t checks, for messages: "p95", "ttft p95", "goodput". */
const char *compare__check_name(const struct compare_threshold *t, char *buf,
                                size_t len);
/** The endpoint t's statistic is read on: ep itself for the latency, else
 * ep's series view (metrics_series_view), which *owned then holds (free
 * it with metrics_endpoint_free; NULL otherwise).  0 or COMPARE_ENOMEM. */
int compare__series_ep(const struct metrics_endpoint *ep,
                       const struct compare_threshold *t,
                       const struct metrics_endpoint **use,
                       struct metrics_endpoint **owned);

/**
 * Formats value v of statistic stat in its unit into buf: times as
 * "1320.4 ms" (at most one decimal from 10 ms up, two below, trailing
 * zeros dropped), error_rate as a percentage "2.50%", rps as "33.3/s",
 * counts as "12".  Always NUL-terminates.
 */
void compare__fmt_value(int stat, double v, char *buf, size_t len);
/** A signed percentage "+34.7%" / "-5.0%" into buf. */
void compare__fmt_pct(double pct, char *buf, size_t len);
/** The tolerance part of a relative threshold, "+ 10%", "- 50 ms",
 * "+ 1.00 points" (error_rate); "" when the tolerance is 0. */
void compare__fmt_tolerance(const struct compare_threshold *t, char *buf,
                            size_t len);

/** How many samples percentile pct needs so that at least 10 lie beyond
 * it: ceil(10 / (1 - pct/100)); 0 for pct < 0 (not a percentile). */
uint64_t compare__samples_needed(double pct);

/** snprintf into buf that may truncate (at a UTF-8 boundary) on purpose:
 * messages are capped, and a long endpoint name must not break them. */
void compare__printf(char *buf, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/** Cuts s (NUL-terminated, in a buffer) to at most max bytes without
 * splitting a UTF-8 sequence. */
void compare__utf8_cut(char *s, size_t max);

/* ---- window bootstrap (compare_stats.c) ------------------------------ */

#define COMPARE__BLOCK 5    /* consecutive windows per block */
#define COMPARE__DRAWS 2000 /* bootstrap draws */
#define COMPARE__MIN_WINDOWS 10

/** Windows (timeline points) of ep with samples for stat: a latency for
 * time statistics, a request for the others. */
size_t compare__windows(const struct metrics_endpoint *ep, int stat);

/** The value of stat over one window, metric units; false when the window
 * has no sample for it. */
bool compare__window_value(const struct metrics_point *pt, int stat,
                           double *out);

/** Result of a two-run bootstrap. */
struct compare__boot {
    double ci_low, ci_high; /* 5th / 95th percentile of the ratio */
    double p_value;         /* fraction of draws on the wrong side of 1 */
    bool significant;
    size_t n_cur, n_base;         /* windows used */
    size_t block_cur, block_base; /* block lengths chosen */
    unsigned draws;
};

/**
 * Block bootstrap of the ratio stat(cur)/stat(base) over the two runs'
 * windows: circular blocks of at least `block` consecutive windows (longer
 * when the windows are autocorrelated, Politis-White, capped at n/5) drawn
 * with replacement from each run independently, `draws` times, seeded from
 * both series' contents (deterministic), widened by sqrt(m/(m-1)) for the
 * m blocks per draw.  op is the check's comparison: the "bad"
 * direction is ratio > 1 for < and <=, ratio < 1 for > and >=.  Needs at
 * least `block` windows in each.  Returns 0, COMPARE_EINVAL or
 * COMPARE_ENOMEM.
 */
int compare__bootstrap(const struct metrics_endpoint *cur,
                       const struct metrics_endpoint *base, int stat,
                       enum compare_op op, unsigned draws, unsigned block,
                       struct compare__boot *out);

/**
 * Within-run bootstrap of stat over ep's windows: *lo and *hi are the
 * 2.5th and 97.5th percentiles of the statistic over the draws, *point the
 * statistic over every window.  Returns 0, COMPARE_EINVAL (fewer than
 * `block` windows) or COMPARE_ENOMEM.
 */
int compare__bootstrap_one(const struct metrics_endpoint *ep, int stat,
                           unsigned draws, unsigned block, double *point,
                           double *lo, double *hi);

/* ---- sustained checks and patterns (compare_sustained.c) -------------- */

/** Longest run of consecutive seconds (among ep's first n_points timeline
 * points) whose one-window value breaches `op limit`; its length in
 * seconds and first second.  0 when none. */
size_t compare__longest_breach(const struct metrics_endpoint *ep,
                               size_t n_points, int stat, enum compare_op op,
                               double limit, int64_t *first);

/** True when m satisfies `m op limit`. */
bool compare__holds(double m, enum compare_op op, double limit);

/** Glob match of name against pattern: '*' any run, '?' one byte. */
bool compare__glob(const char *pattern, const char *name);
/** True when s contains a glob metacharacter. */
bool compare__is_pattern(const char *s);

/** "HH:MM:SS" (UTC) of a Unix second into buf. */
void compare__fmt_clock(int64_t second, char *buf, size_t len);

#endif
