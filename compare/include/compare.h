/*
 * compare: threshold expressions, baselines (store, load, save), the
 * verdict of a run against thresholds and a baseline, and recommendations.
 *
 * Errors: functions return 0 or a negative COMPARE_E* code; details go into
 * a caller's errbuf.  Nothing here prints or exits.
 */
#ifndef LOADGATE_COMPARE_H
#define LOADGATE_COMPARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "loadgate_errno.h"
#include "metrics.h"

#ifdef __cplusplus
extern "C" {
#endif

#define COMPARE_ERRNO_MAP(X)                                                   \
    X(COMPARE_ENOMEM, -1, "out of memory")                                     \
    X(COMPARE_ESYNTAX, -2, "invalid threshold expression")                     \
    X(COMPARE_ENOTFOUND, -3, "no such baseline")                               \
    X(COMPARE_EIO, -4, "cannot read or write the baseline store")              \
    X(COMPARE_ECORRUPT, -5, "baseline is not a valid results document")        \
    X(COMPARE_ENAME, -6, "invalid baseline name")                              \
    X(COMPARE_EUNKNOWN, -7, "threshold names an endpoint that does not exist") \
    X(COMPARE_EINVAL, -8, "invalid argument")

/** Static message for a COMPARE_E* code. */
LOADGATE_ERRNO_DECLARE(compare, COMPARE_ERRNO_MAP);

/* ---- thresholds --------------------------------------------------------- */

enum compare_op { COMPARE_LT, COMPARE_LE, COMPARE_GT, COMPARE_GE };

/** "<", "<=", ">", ">=". */
const char *compare_op_str(enum compare_op op);

/** A value of statistic stat in its unit as the verdict messages write it
 * ("1320.4 ms", "2.46 ms", "2.50%", "33.3/s", "12"), into buf. */
void compare_format_value(enum metrics_stat stat, double v, char *buf,
                          size_t len);

struct compare_threshold {
    char *expr;     /* as written: "p95 < baseline + 10%" */
    char *endpoint; /* NULL: every endpoint and the whole run ("ALL");
                       "ALL": the whole run only; else an endpoint name */
    enum metrics_stat stat;
    /* what stat is taken of: the latency, or a streaming series ("ttft
     * p95": TTFT, P95; "goodput": GOODPUT, RPS; "stream_errors":
     * STREAM_ERRORS, ERRORS), read through metrics_series_view().  An
     * endpoint-less streaming check covers the streaming endpoints and
     * ALL. */
    enum metrics_series series;
    enum compare_op op;
    /* absolute: stat op value.  value is in metrics_value() units: ms for
     * times ("1s" -> 1000), a fraction for error_rate ("5%" -> 0.05),
     * requests/s for rps, a count for requests and errors. */
    double value;
    /* relative: stat op baseline (+|-) tolerance */
    bool relative;
    bool tolerance_pct; /* tolerance is a fraction of the baseline value */
    double tolerance;   /* signed: "+ 10%" -> 0.10, "- 50ms" -> -50 */
    double min_effect;  /* smallest absolute change that can fail a relative
                           check, metric units; default 1 ms for times */
    /* where it was written (for reports and annotations) */
    const char *file; /* borrowed; may be NULL */
    int line, col;
    /* From the threshold's map (compare_threshold_from());
     * compare_threshold_parse() leaves them false/0. */
    bool warn_only;  /* severity: warn: a breach is PASS with warning=true,
                        type "loadgate.warn", never a failed build */
    double for_s;    /* for: 30s: FAIL only when the limit is breached in
                        every 1-second window of a run of consecutive
                        windows at least this long; 0: whole-run check */
    bool abort_run;  /* abort: true: the engine stops the run once
                        compare_sustained_breach() says so */
    bool is_default; /* one of compare_threshold_defaults(): yields to
                        any threshold given for the same statistic and
                        kind (see compare_threshold_scope) */
};

/**
 * Parses expr ("p95 < 1s", "error_rate < 5%", "rps > baseline - 10%",
 * "p99.9 <= baseline + 50ms"; for streamed responses a series before a
 * time statistic, "ttft p95 < 800ms", "itl p99 < baseline + 10%", or
 * "goodput > baseline - 5%", "tokens_per_s > 100/s", "stream_errors < 1")
 * into *out (owned by the caller, released with
 * compare_threshold_release).  endpoint may be NULL.  Units: us ms s m for
 * times (a bare number is ms), % for error_rate (a bare number is a
 * fraction), /s for rps.  Returns 0, COMPARE_ESYNTAX (errbuf says what was
 * expected and at which column of expr) or COMPARE_ENOMEM.
 */
int compare_threshold_parse(const char *expr, const char *endpoint,
                            struct compare_threshold *out, char *errbuf,
                            size_t errlen);
/** Frees what compare_threshold_parse() allocated in t. */
void compare_threshold_release(struct compare_threshold *t);
/**
 * A threshold as written (a profile's, --threshold's with only check set,
 * or one a results document carries) parsed into *out (released with
 * compare_threshold_release): check and endpoint as
 * compare_threshold_parse(); severity "warn" sets warn_only; for and
 * abort are copied; min_effect is a quantity of the threshold's
 * statistic (compare_parse_quantity()); out->file borrows w->file, with
 * its line and column.  Returns 0, COMPARE_ESYNTAX (errbuf says what is
 * wrong: the expression's error, or "min_effect '5xs': ...") or
 * COMPARE_ENOMEM.
 */
int compare_threshold_from(const struct metrics_threshold *w,
                           struct compare_threshold *out, char *errbuf,
                           size_t errlen);
/** A copy of src into dst (expr and endpoint duplicated, file still
 * borrowed).  Returns 0 or COMPARE_ENOMEM (dst then owns nothing). */
int compare_threshold_copy(struct compare_threshold *dst,
                           const struct compare_threshold *src);
/** The defaults when a profile gives no thresholds: p95 < 1s and
 * error_rate < 5% (is_default set).  *out is an array of *n (caller
 * releases each and frees the array).  Returns 0 or COMPARE_ENOMEM. */
int compare_threshold_defaults(struct compare_threshold **out, size_t *n);
/**
 * The default error_rate check stays when thresholds are given: appends
 * the default "error_rate < 5%" (is_default) to the array *ts of *n
 * (reallocated) unless one of them replaces it everywhere: a blocking,
 * absolute error_rate check without endpoint (writing
 * "error_rate <= 100%" turns the default off).  Where the given ones
 * replace it only on some endpoints, compare_threshold_scope() says so.
 * Returns 0 or COMPARE_ENOMEM (*ts unchanged).
 */
int compare_threshold_add_defaults(struct compare_threshold **ts, size_t *n);

/** Where a threshold of a list is checked. */
enum compare_scope {
    COMPARE_SCOPE_NONE,       /* it does not cover the endpoint */
    COMPARE_SCOPE_APPLIES,    /* it is checked there */
    COMPARE_SCOPE_OVERRIDDEN, /* it covers the endpoint, but another
                                 threshold of the list replaces it there */
};

/**
 * Is ts[i] checked on endpoint name ("ALL": the whole run)?  A threshold
 * without endpoint covers every endpoint and ALL; "ALL" covers ALL only;
 * a name or glob pattern covers the endpoints it matches.  Overrides:
 * another threshold u replaces ts[i] there when both are of the same
 * statistic and the same kind (absolute or relative to the baseline), u
 * is not warn-only unless ts[i] is (a warning never removes a blocking
 * check), u is not a default, and either ts[i] is a default that u covers
 * there, or ts[i] has no endpoint and u names the endpoint (a name or a
 * pattern; never ALL).  *by (may be NULL) gets the index of the first such
 * u when OVERRIDDEN.
 */
enum compare_scope compare_threshold_scope(const struct compare_threshold *ts,
                                           size_t n, size_t i, const char *name,
                                           size_t *by);

/**
 * Parses a quantity of statistic stat written with the threshold units
 * ("5ms", "1s", "0.5%" for error_rate, "10/s" for rps, "3" for counts)
 * into *out in metrics_value() units (ms, a fraction, /s, a count), e.g.
 * for a threshold's per-check min_effect.  Returns 0 or COMPARE_ESYNTAX
 * (errbuf says what is wrong and at which column of text).
 */
int compare_parse_quantity(enum metrics_stat stat, const char *text,
                           double *out, char *errbuf, size_t errlen);

/**
 * For `abort: true` thresholds, called by the engine about once a second
 * on the live results: true once t's limit has been breached in every
 * 1-second window of a run of consecutive windows lasting at least
 * t->for_s seconds (1 s when for_s is 0).  The newest timeline point is
 * ignored (its second may still be filling).  t->endpoint may be NULL or
 * "ALL" (the whole run), a name or a glob pattern (any matching endpoint).
 * Relative thresholds need a baseline and are never breached here.  When
 * true, why (may be NULL) gets "GET /x: p95 < 1s breached for 30 s from
 * 12:00:03".
 */
bool compare_sustained_breach(const struct metrics_results *live,
                              const struct compare_threshold *t, char *why,
                              size_t len);

/* ---- verdict ------------------------------------------------------------ */

enum compare_status {
    COMPARE_PASS,
    COMPARE_FAIL,
    COMPARE_INCONCLUSIVE,
    COMPARE_SKIPPED
};

/** "PASS", "FAIL", "INCONCLUSIVE", "SKIPPED". */
const char *compare_status_str(enum compare_status s);
/** How bad a status is, for ordering checks worst first: FAIL 4,
 * INCONCLUSIVE 3, PASS with a warning 2, PASS 1, SKIPPED 0. */
int compare_status_rank(enum compare_status s, bool warning);

/* One threshold evaluated on one endpoint (or the whole run). */
struct compare_check {
    char *endpoint;                            /* "ALL" or "GET /api/health" */
    char *expr;                                /* the threshold as written */
    const struct compare_threshold *threshold; /* borrowed */
    enum compare_status status;
    /* JUnit type: "loadgate.threshold" or "loadgate.regression" for FAIL,
     * "loadgate.no_data", "loadgate.too_few_samples", "loadgate.partial",
     * ... for INCONCLUSIVE; static string */
    const char *type;
    bool relative;
    bool has_measured, has_baseline, has_limit;
    double measured, baseline, limit; /* metric units (see above) */
    uint64_t n_measured, n_baseline;  /* sample sizes */
    double delta_pct;                 /* measured vs baseline, percent */
    bool warning; /* passed, but something deserves attention */
    /* Relative checks that reached the window bootstrap (has_ci): the
     * ratio measured/baseline over the windows.  ci_low/ci_high are
     * one-sided 95 % bounds of it; p_value (raw) is the one-sided p-value
     * of "no change" against a change in the bad direction (ratio > 1 for
     * < and <=, < 1 for > and >=); p_adjusted is p_value adjusted by Holm
     * over every relative check of the verdict that has one (the gate's
     * family); significant when p_adjusted < the gate's alpha. */
    double p_value, p_adjusted;
    double ci_low, ci_high;
    bool has_ci;
    bool significant;
    /* A relative check that passed with has_ci: the smallest change in the
     * bad direction this run would have failed with 80 % power at its
     * noise, tolerance and the family's alpha, percent of the baseline
     * ("+8.0": this run could have seen +8 % or more). */
    bool has_mde;
    double mde_pct;
    /* windows behind has_ci: how many in run and baseline (paired: pairs
     * of windows, the same in both) and their lengths in ms */
    size_t windows_run, windows_base;
    unsigned window_ms_run, window_ms_base;
    char message[256]; /* one line: "p95 = 1320 ms, limit < 1078 ms
                          (baseline 980 ms + 10%); +34.7%" */
    char detail[1024]; /* endpoint, threshold, profile file:line, measured,
                          baseline, limit, delta: one item per line */
};

struct compare_verdict {
    struct compare_check *checks;
    size_t n_checks;
    size_t n_pass, n_fail, n_inconclusive, n_skipped, n_warnings;
    bool baseline_missing; /* relative checks were skipped */
};

/* The whole gate's rate of false FAILs from noise by default: at most 1
 * gate in 100 fails a relative check on a change that is not there. */
#define COMPARE_ALPHA 0.01

struct compare_sequential;

struct compare_opts {
    const char *baseline_name; /* for messages; may be NULL */
    double alpha; /* family-wise error of the gate's relative checks;
                     0: COMPARE_ALPHA */
    /* The baseline is side A of an A/B run measured at the same time as
     * run (side B): relative checks judge the paired ratio B/A over
     * windows aligned on the clock (compare_paired). */
    bool paired;
    /* --until-decided: the relative checks it covers take its decisions
     * (compare_sequential_look) instead of a fixed-sample test, and stay
     * out of Holm's family (the sequence spends alpha / m on each); the
     * others are judged as without it.  NULL: none. */
    const struct compare_sequential *sequential;
};

/**
 * Evaluates every threshold on run (and baseline, which may be NULL) into
 * *out (owned by the caller, compare_verdict_free).
 *
 * A threshold without endpoint yields one check per endpoint of the run
 * plus one on the whole run ("ALL").  An endpoint may be a glob pattern
 * ("GET /api/agents*", with * and ?): one check per matching endpoint.
 * Per-endpoint overrides as compare_threshold_scope() says: a threshold
 * naming an endpoint replaces an endpoint-less one of the same statistic
 * and kind there (never a blocking one by a warn-only one); its whole-run
 * ALL check stays.  An rps check failing on an endpoint of a closed-model
 * run says that users are shared there.  Never a silent pass: an endpoint with
 * no samples, or a percentile asked of too few samples (fewer than 10
 * beyond it, so p99 needs 1000) is INCONCLUSIVE; a relative check without
 * a baseline, or on an endpoint the baseline lacks, is SKIPPED.  A partial
 * run's checks are judged on what was measured.  A threshold naming an
 * endpoint that the run does not have (or a pattern matching none) is
 * COMPARE_EUNKNOWN (errbuf lists the endpoints that exist).
 *
 * A relative check FAILS only when the measured value is beyond the limit,
 * |measured - baseline| >= min_effect, and the change is significant: a
 * block bootstrap over the windows of both runs (windows of 1 s, or of the
 * fine timeline of short runs, merged until they hold 10 samples on
 * average; blocks of up to 5 windows, longer when autocorrelated; 2000
 * draws, seeded from the two documents so that the same inputs give the
 * same verdict) gives the one-sided p-value of the ratio
 * measured/baseline, and Holm's step-down over every relative check with
 * a p-value keeps it below opts->alpha (the whole gate's false-FAIL rate).
 * Beyond the limit but not significant is PASS with warning; beyond the
 * limit with fewer than 10 windows with samples in either run (or no
 * timeline) is INCONCLUSIVE "loadgate.too_few_windows".  A passing
 * relative check says the smallest change the run could have seen
 * (mde_pct).  opts->paired and opts->sequential: see struct compare_opts.
 * severity: warn (warn_only) turns a FAIL
 * into PASS with warning, type "loadgate.warn", and an INCONCLUSIVE into
 * SKIPPED with warning; for_s > 0 judges sustained breaches instead of
 * the whole-run value (see struct compare_threshold).
 */
int compare_evaluate(const struct metrics_results *run,
                     const struct metrics_results *baseline,
                     const struct compare_threshold *thresholds, size_t n,
                     const struct compare_opts *opts,
                     struct compare_verdict **out, char *errbuf, size_t errlen);
/** Frees v; NULL is a no-op. */
void compare_verdict_free(struct compare_verdict *v);

/**
 * Adds the standard recommendations to r (P95 over 1 s, error rate over
 * 5 %, too few samples for a percentile, target rate not reached, load
 * generator saturated, endpoints with no check, ...).  v may be NULL.
 * When nothing is flagged, adds "Performance metrics are within acceptable
 * ranges.".  Returns 0 or COMPARE_ENOMEM.
 */
int compare_recommend(struct metrics_results *r,
                      const struct compare_verdict *v);

/**
 * Adds a recommendation for every relative check of v whose tolerance
 * sits inside the noise of run r itself (the bootstrap's 95 % half-width
 * of the statistic over r's windows is larger than the tolerance):
 * "GET /x: 'p95 < baseline + 5%' sits inside this run's noise (±8%);
 * widen it or run longer (loadgate calibrate)".  Returns 0, COMPARE_EINVAL
 * or COMPARE_ENOMEM.
 */
int compare_recommend_noise(struct metrics_results *r,
                            const struct compare_verdict *v);

/**
 * The significance test of relative checks on its own, for side-by-side
 * diffs (loadgate compare): the window block bootstrap of the ratio
 * stat(run) / stat(baseline) for one endpoint of each (see
 * compare_evaluate).  *p_value, *ci_low, *ci_high and *significant as in
 * struct compare_check for one check alone (significant: p_value <
 * COMPARE_ALPHA); op gives the bad direction (< and <=: up).
 * Returns 0, COMPARE_EINVAL (fewer than 10 windows with samples in either,
 * or a NULL argument) or COMPARE_ENOMEM.
 */
int compare_significance(const struct metrics_endpoint *run,
                         const struct metrics_endpoint *baseline,
                         enum metrics_stat stat, enum compare_op op,
                         double *p_value, double *ci_low, double *ci_high,
                         bool *significant);

/* The test behind a relative check, on its own. */
struct compare_test {
    double ratio;           /* stat(run) / stat(baseline) over the windows */
    double se_log;          /* standard error of log(ratio); NAN when a
                               draw was 0 (p and bounds are then the
                               draws' own) */
    double p_value;         /* one-sided, toward the bad direction */
    double ci_low, ci_high; /* one-sided 95 % bounds of the ratio */
    bool paired;
    size_t windows_run, windows_base; /* paired: the pairs, in both */
    unsigned window_ms_run, window_ms_base;
};

/**
 * Tests stat of run against baseline for one endpoint of each: the window
 * block bootstrap of compare_evaluate, or with paired the paired one (run
 * is side B, baseline side A, measured at the same time: windows aligned
 * on the clock, the same window indices drawn for both, so that noise
 * common to both cancels).  op gives the bad direction (< and <=: up).
 * Returns 0, COMPARE_EINVAL (fewer than 10 windows, or pairs of windows,
 * with samples; out then has the counts) or COMPARE_ENOMEM.
 */
int compare_test_ratio(const struct metrics_endpoint *run,
                       const struct metrics_endpoint *baseline,
                       enum metrics_stat stat, enum compare_op op, bool paired,
                       struct compare_test *out);

/* ---- sequential verdicts (--until-decided) ---------------------------- */

/*
 * Measuring in slices until every relative check is decided, with a
 * group-sequential test: at each look the p-value's z of every undecided
 * check is held against a boundary from an alpha-spending function of the
 * information fraction t = elapsed / max_s (Lan-DeMets O'Brien-Fleming or
 * Pocock type, which `--until-decided` uses; boundaries by recursive
 * integration over the looks so far),
 * so that over all looks each check's false FAIL rate stays within
 * alpha / m (m: the relative checks, Bonferroni), the gate's within alpha.
 * A check is decided FAIL when its z crosses the boundary and its value is
 * beyond the limit (as compare_evaluate's rule), PASS when the mirrored
 * test puts the change inside the tolerance with the same boundary, or at
 * the last look (t = 1, or final) when it did not fail.  Looks closer than
 * 1 % of max_s to the previous one, or with fewer than 10 windows, are not
 * taken (no alpha spent).
 */
enum compare_seq_decision {
    COMPARE_SEQ_CONTINUE, /* measure on */
    COMPARE_SEQ_PASS,
    COMPARE_SEQ_FAIL
};

enum compare_spending {
    COMPARE_SPEND_OBF,   /* O'Brien-Fleming type: spends little early */
    COMPARE_SPEND_POCOCK /* Pocock type: about evenly over the looks */
};

struct compare_seq_opts {
    double alpha; /* the gate's; 0: COMPARE_ALPHA */
    double max_s; /* the longest the run may be measured (MAX), > 0 */
    enum compare_spending spending;
    bool paired; /* baseline is side A measured with the run */
};

/* One relative check of a sequential verdict. */
struct compare_seq_check {
    const char *endpoint; /* "ALL" or a name (owned by the sequence) */
    const struct compare_threshold *threshold; /* borrowed */
    enum compare_seq_decision decision;
    unsigned look; /* the look that decided it (1-based); 0: none yet */
    double at_s;   /* elapsed seconds at that look (or the last one) */
    double z;      /* toward the bad direction, at that look */
    double bound;  /* the boundary it was held against */
    double ratio;  /* measured / baseline at that look */
    struct compare_test test; /* the look's test */
};

/**
 * A new sequence for thresholds ts[0..n) (borrowed; relative ones without
 * for_s take part) and options o.  Returns 0, COMPARE_EINVAL (max_s <= 0,
 * alpha outside (0, 0.5)) or COMPARE_ENOMEM.
 */
int compare_sequential_new(const struct compare_threshold *ts, size_t n,
                           const struct compare_seq_opts *o,
                           struct compare_sequential **out);
/**
 * A look at the run so far (and the baseline; paired: side A so far)
 * after elapsed_s seconds of measuring; final: the last look whatever t
 * (the run stops).  The checks are fixed at the first look taken (the
 * thresholds over the endpoints run and baseline have then).  Decided
 * checks stay decided.  Returns 0, COMPARE_EUNKNOWN (a threshold names an
 * endpoint the run lacks; errbuf), COMPARE_EINVAL or COMPARE_ENOMEM.
 */
int compare_sequential_look(struct compare_sequential *s,
                            const struct metrics_results *run,
                            const struct metrics_results *baseline,
                            double elapsed_s, bool final, char *errbuf,
                            size_t errlen);
/** True once every check is decided (or there is none after a look), or
 * once a blocking check (not severity: warn) has FAILED. */
bool compare_sequential_done(const struct compare_sequential *s);
/** Looks taken so far, and the checks (valid until the next look). */
unsigned compare_sequential_looks(const struct compare_sequential *s);
size_t compare_sequential_n(const struct compare_sequential *s);
const struct compare_seq_check *
compare_sequential_check(const struct compare_sequential *s, size_t i);
/** The check of threshold t on endpoint name; NULL when none. */
const struct compare_seq_check *
compare_sequential_find(const struct compare_sequential *s,
                        const struct compare_threshold *t, const char *name);
/** Frees s; NULL is a no-op. */
void compare_sequential_free(struct compare_sequential *s);

/* ---- calibration (A/A runs) ------------------------------------------- */

#define COMPARE_CALIB_NSTATS 6 /* p50 p95 p99 avg rps error_rate */

struct compare_calibration_metric {
    enum metrics_stat stat;
    double *values;   /* one per run, metric units; NAN when absent or
                         too few samples */
    size_t n_usable;  /* runs with a value */
    double drift_pct; /* largest pairwise relative difference, percent
                         (error_rate: percentage points) */
    double noise_pct; /* largest within-run bootstrap 95 % half-width,
                         percent of the value (error_rate: points); NAN
                         when no run has 10 windows */
    double suggested; /* smallest whole-percent tolerance that no pair
                         would have breached, with the safety margin
                         (1.5 x drift + 1, at least 1); NAN if unusable */
    char line[96];    /* "p95 < baseline + 12%", "" if unusable */
};

struct compare_calibration_endpoint {
    char *name; /* "GET /x" or "ALL" */
    struct compare_calibration_metric m[COMPARE_CALIB_NSTATS];
};

struct compare_calibration {
    size_t n_runs;
    struct compare_calibration_endpoint *endpoints; /* run order, ALL last */
    size_t n_endpoints;
};

/**
 * Calibrates tolerances from n >= 2 A/A runs of one profile: per endpoint
 * (those of the first run, plus ALL) and per metric, the values, the drift
 * between runs, the within-run noise and a suggested threshold line.
 * *out is owned by the caller (compare_calibration_free).  Returns 0,
 * COMPARE_EINVAL (fewer than 2 runs) or COMPARE_ENOMEM.
 */
int compare_calibrate(const struct metrics_results *const *runs, size_t n,
                      struct compare_calibration **out);
/** Frees c; NULL is a no-op.  (gate_calibration_write() renders c.) */
void compare_calibration_free(struct compare_calibration *c);

/**
 * Says in one line what differs between what a baseline and a run both
 * carry: users, model, target rate, duration and the endpoint sets, e.g.
 * "users 1000 → 500; endpoints added: GET /x; removed: POST /y".  When
 * nothing differs: "no difference in users, model, target rate, duration
 * or endpoints".  buf is always NUL-terminated (cut at a UTF-8 boundary).
 */
void compare_profile_diff(const struct metrics_results *baseline,
                          const struct metrics_results *run, char *buf,
                          size_t len);

/**
 * Whether a baseline was recorded with another profile than the run it
 * would judge: both profile hashes are known (non-empty) and differ.
 * Relative checks across such runs compare different loads.
 */
bool compare_profile_mismatch(const char *baseline_sha256,
                              const char *run_sha256);

/* ---- baselines ---------------------------------------------------------- */

#define COMPARE_DEFAULT_STORE ".loadgate/baselines"

/** True for names of 1..64 characters from [A-Za-z0-9._-], not starting
 * with '.' (so never a path). */
bool compare_name_valid(const char *name);

struct compare_store_entry {
    char *name;
    char *timestamp;
    uint64_t total_requests;
    double p95_ms;
    char *profile_sha256;
};

/** Saves r as baseline name in dir (created if needed), atomically; sets
 * r's baseline_id to name.  The version it replaces is kept in
 * <dir>/.history/<name>/<UTC time>-<seq>.json.  Save, rollback, prune and
 * rm hold an exclusive flock on <dir>/.lock, so parallel jobs never
 * corrupt the store.  Returns 0, COMPARE_ENAME, COMPARE_EIO. */
int compare_store_save(const char *dir, const char *name,
                       struct metrics_results *r, char *errbuf, size_t errlen);
/** Loads baseline name from dir.  Returns 0, COMPARE_ENAME,
 * COMPARE_ENOTFOUND, COMPARE_ECORRUPT (errbuf says what is wrong) or
 * COMPARE_EIO. */
int compare_store_load(const char *dir, const char *name,
                       struct metrics_results **out, char *errbuf,
                       size_t errlen);
/** Lists dir's baselines sorted by name (an absent dir is an empty list).
 * Free with compare_store_list_free.  Returns 0 or COMPARE_EIO. */
int compare_store_list(const char *dir, struct compare_store_entry **out,
                       size_t *n, char *errbuf, size_t errlen);
void compare_store_list_free(struct compare_store_entry *e, size_t n);
/** Removes baseline name (the removed version is kept in its history, so
 * compare_store_rollback() can bring it back).  Returns 0, COMPARE_ENAME,
 * COMPARE_ENOTFOUND or COMPARE_EIO. */
int compare_store_rm(const char *dir, const char *name, char *errbuf,
                     size_t errlen);
/**
 * Lists the kept versions of baseline name, newest first: entry name is
 * the version ("20260127T014303Z-000003", for compare_store_rollback),
 * timestamp the document's, with its total requests and whole-run p95.
 * No history is an empty list.  Free with compare_store_list_free.
 * Returns 0, COMPARE_ENAME or COMPARE_EIO.
 */
int compare_store_history(const char *dir, const char *name,
                          struct compare_store_entry **out, size_t *n,
                          char *errbuf, size_t errlen);
/**
 * Makes a kept version the current baseline name again: version NULL is
 * the newest kept one.  The version it replaces is itself kept in history.
 * Returns 0, COMPARE_ENAME, COMPARE_ENOTFOUND (no such version, or no
 * history), COMPARE_ECORRUPT (the version does not parse) or COMPARE_EIO.
 */
int compare_store_rollback(const char *dir, const char *name,
                           const char *version, char *errbuf, size_t errlen);
/**
 * Keeps only the newest `keep` versions in name's history (--keep N).
 * Returns how many were removed (>= 0), or COMPARE_ENAME, COMPARE_EIO.
 */
int compare_store_prune(const char *dir, const char *name, size_t keep,
                        char *errbuf, size_t errlen);

/**
 * The baseline in dir whose name is closest to name (fewest single-letter
 * edits; the first in name order on a tie), for "did you mean" after a
 * mistyped --baseline.  *closest (malloc'd) is NULL when dir holds no
 * baseline (or does not exist).  Returns 0, COMPARE_EIO or COMPARE_ENOMEM.
 */
int compare_store_closest(const char *dir, const char *name, char **closest,
                          char *errbuf, size_t errlen);

/* What a baseline spec (--baseline, a profile's baseline:) names. */
enum compare_baseline_kind {
    COMPARE_BASELINE_NONE = 0, /* none given (NULL or "") */
    COMPARE_BASELINE_FILE,     /* a results file */
    COMPARE_BASELINE_NAME,     /* a name in a baseline store */
    COMPARE_BASELINE_URL,      /* a baseline service's URL */
};

/**
 * The one classification of a baseline spec: http:// or https://
 * (any case) is a URL; anything with '/', ending in .json, or naming an
 * existing regular file is a file; anything else a name in a store.
 */
enum compare_baseline_kind compare_baseline_kind(const char *spec);

/**
 * Resolves a --baseline argument that is not a URL: a file
 * (compare_baseline_kind()) is loaded as a file, otherwise spec is a
 * name in store_dir.  *name_out (may be NULL) receives a malloc'd display
 * name.  Errors as compare_store_load().
 */
int compare_baseline_resolve(const char *spec, const char *store_dir,
                             struct metrics_results **out, char **name_out,
                             char *errbuf, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif
