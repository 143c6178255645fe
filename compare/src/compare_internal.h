/*
 * compare internals shared between compare's files and reached by its unit
 * tests.  Not part of the public contract (compare.h is).
 */
#ifndef LOADGATE_COMPARE_INTERNAL_H
#define LOADGATE_COMPARE_INTERNAL_H

#include <stdarg.h>
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
/** compare__printf() with a va_list. */
void compare__vprintf(char *buf, size_t len, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/** Cuts s (NUL-terminated, in a buffer) to at most max bytes without
 * splitting a UTF-8 sequence. */
void compare__utf8_cut(char *s, size_t max);

/* ---- window bootstrap (compare_stats.c) ------------------------------ */

#define COMPARE__BLOCK 5        /* consecutive windows per block, at most */
#define COMPARE__BLOCK_PAIRED 3 /* the same for a paired run's ratio */
#define COMPARE__DRAWS 1000     /* bootstrap draws */
#define COMPARE__MIN_WINDOWS 10
#define COMPARE__WINDOW_SAMPLES 10 /* samples a window holds on average */
#define COMPARE__MAX_WINDOWS 400   /* longer runs: longer windows */

/** Per-second windows (timeline points) of ep with samples for stat: a
 * latency for time statistics, a request for the others. */
size_t compare__windows(const struct metrics_endpoint *ep, int stat);

/** The value of stat over one window, metric units; false when the window
 * has no sample for it. */
bool compare__window_value(const struct metrics_point *pt, int stat,
                           double *out);

/** A run's windows for one statistic. */
struct compare__wins {
    const struct metrics_point **w; /* windows with a sample, clock order */
    int64_t *key; /* window start / len_ms (the clock, for pairing) */
    size_t n;
    unsigned len_ms; /* window length */
    unsigned src_ms; /* the timeline they come from: 1000 or fine_ms */
    struct metrics_point *own; /* merged slots (len_ms > src_ms) */
    size_t n_own;
};

/** The window length the verdict uses for stat on ep: its fine timeline's
 * slot when complete (else 1 s), times the number of consecutive slots
 * that hold COMPARE__WINDOW_SAMPLES samples on average (and that leave
 * at most COMPARE__MAX_WINDOWS windows). */
unsigned compare__wins_length(const struct metrics_endpoint *ep, int stat);
/** Builds ep's windows of len_ms (0: compare__wins_length) into *ws
 * (compare__wins_release).  Returns 0, COMPARE_EINVAL (a length that is
 * not whole slots) or COMPARE_ENOMEM. */
int compare__wins_build(const struct metrics_endpoint *ep, int stat,
                        unsigned len_ms, struct compare__wins *ws);
void compare__wins_release(struct compare__wins *ws);

/** Upper tail of the standard normal: P(Z > z). */
double compare__norm_sf(double z);
/** Its inverse: the z with P(Z > z) = p, 0 < p < 1. */
double compare__norm_isf(double p);
/** Upper tail of Student's t with df degrees of freedom (the normal's
 * beyond 1e7), and its inverse. */
double compare__t_sf(double t, double df);
double compare__t_isf(double p, double df);

/** Result of a two-run bootstrap. */
struct compare__boot {
    double log_ratio;       /* log(stat(cur) / stat(base)), all windows */
    double center;          /* the median of the draws' log ratios */
    double se;              /* the standard error of the log ratio: the
                               draws' standard deviation, or the batch
                               means' when larger; NAN when some draw was
                               0 (percentile fallback) */
    double df;              /* its degrees of freedom (Student's t) */
    double ci_low, ci_high; /* one-sided 95 % bounds of the ratio */
    double p_value;         /* one-sided, toward the bad direction */
    bool significant;       /* p_value < COMPARE_ALPHA (one check alone) */
    bool paired;
    size_t n_cur, n_base;         /* windows used (paired: pairs) */
    unsigned len_cur, len_base;   /* their length, ms */
    size_t block_cur, block_base; /* block lengths chosen */
    unsigned draws;
};

/**
 * Block bootstrap of the ratio stat(cur)/stat(base) over the two runs'
 * windows: circular blocks of at least `block` consecutive windows (0:
 * COMPARE__BLOCK, fewer for runs of few windows; longer when the windows
 * are autocorrelated, Politis-White, capped at n/5) drawn with replacement
 * from each run independently, `draws` times, seeded from both series'
 * contents (deterministic), widened by sqrt(m/(m-1)) for the m blocks per
 * draw.  op is the check's comparison: the "bad" direction is ratio > 1
 * for < and <=, ratio < 1 for > and >=.  p-value and bounds are those of a
 * normal fitted to the draws' log ratios (median and standard deviation).
 * Returns 0, COMPARE_EINVAL (fewer than COMPARE__MIN_WINDOWS windows in
 * either: out has their counts and lengths) or COMPARE_ENOMEM.
 */
int compare__bootstrap(const struct metrics_endpoint *cur,
                       const struct metrics_endpoint *base, int stat,
                       enum compare_op op, unsigned draws, unsigned block,
                       struct compare__boot *out);

/**
 * The paired bootstrap of B against A measured at the same time: windows
 * of one length for both, aligned on the clock (window i of A with window
 * i of B; only windows both have samples in), blocks of window indices
 * drawn once per draw for both sides, so what disturbed both at once
 * cancels in the ratio stat(B)/stat(A).  Blocks are sized by the
 * dependence of the per-window ratio.  out as for compare__bootstrap
 * (n_cur = n_base: the pairs).  Returns 0, COMPARE_EINVAL (fewer than
 * COMPARE__MIN_WINDOWS pairs) or COMPARE_ENOMEM.
 */
int compare__bootstrap_paired(const struct metrics_endpoint *b,
                              const struct metrics_endpoint *a, int stat,
                              enum compare_op op, unsigned draws,
                              struct compare__boot *out);

/** The public view of a test. */
void compare__test_of(const struct compare__boot *bt, struct compare_test *t);

/**
 * Within-run bootstrap of stat over ep's windows: *lo and *hi are the
 * 2.5th and 97.5th percentiles of the statistic over the draws, *point the
 * statistic over every window.  Returns 0, COMPARE_EINVAL (fewer than
 * COMPARE__MIN_WINDOWS windows) or COMPARE_ENOMEM.
 */
int compare__bootstrap_one(const struct metrics_endpoint *ep, int stat,
                           unsigned draws, unsigned block, double *point,
                           double *lo, double *hi);

/* ---- the verdict's tests (compare_evaluate.c) ------------------------ */

/* A check's test, as compare_evaluate ran it. */
struct compare__tested {
    bool tested;     /* bt holds a test */
    double fail_log; /* log ratio toward the bad direction from which the
                        check fails (limit, min_effect); NAN: unknown */
    struct compare__boot bt;
};

/** compare_evaluate(), handing out each check's test as well: *tests
 * (may be NULL; malloc'd, parallel to (*out)->checks) */
int compare__evaluate_ex(const struct metrics_results *run,
                         const struct metrics_results *baseline,
                         const struct compare_threshold *thresholds, size_t n,
                         const struct compare_opts *opts,
                         struct compare_verdict **out,
                         struct compare__tested **tests, char *errbuf,
                         size_t errlen);

/* ---- group-sequential boundaries (compare_sequential.c) --------------- */

#define COMPARE__GS_LOOKS 128

/* The boundaries of one-sided group-sequential looks at information
 * fractions t_1 < t_2 < ... <= 1 under an alpha-spending function, and the
 * sub-density of the score S = Z sqrt(t) not yet stopped, on a grid. */
struct compare__gs {
    int spending; /* enum compare_spending */
    double alpha;
    unsigned k; /* looks so far */
    double t[COMPARE__GS_LOOKS], c[COMPARE__GS_LOOKS];
    double spent;
    double *f; /* density at x0 + i h, i < nf */
    size_t nf;
    double x0, h;
};

/** alpha(t) of the spending function. */
double compare__gs_spend(int spending, double alpha, double t);
/** The next look at information fraction t (> the last, <= 1; 1: the
 * last look, which spends what is left): its boundary *c on Z.  Returns
 * 0, COMPARE_EINVAL (t not beyond the last, or too many looks) or
 * COMPARE_ENOMEM. */
int compare__gs_look(struct compare__gs *g, double t, double *c);
void compare__gs_release(struct compare__gs *g);
/** The internal test behind a check of compare_sequential_check(). */
const struct compare__boot *
compare__sequential_boot(const struct compare_seq_check *q);

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
