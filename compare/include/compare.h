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

#include "metrics.h"

#ifdef __cplusplus
extern "C" {
#endif

#define COMPARE_ERRNO_MAP(X)                                                 \
    X(NOMEM, -1, "out of memory")                                            \
    X(SYNTAX, -2, "invalid threshold expression")                            \
    X(NOTFOUND, -3, "no such baseline")                                      \
    X(IO, -4, "cannot read or write the baseline store")                     \
    X(CORRUPT, -5, "baseline is not a valid results document")               \
    X(NAME, -6, "invalid baseline name")                                     \
    X(UNKNOWN, -7, "threshold names an endpoint that does not exist")        \
    X(INVAL, -8, "invalid argument")

enum compare_errno {
#define COMPARE_X(name, code, msg) COMPARE_E##name = (code),
    COMPARE_ERRNO_MAP(COMPARE_X)
#undef COMPARE_X
};

/** Static message for a COMPARE_E* code. */
const char *compare_strerror(int code);

/* ---- thresholds --------------------------------------------------------- */

enum compare_op { COMPARE_LT, COMPARE_LE, COMPARE_GT, COMPARE_GE };

/** "<", "<=", ">", ">=". */
const char *compare_op_str(enum compare_op op);

struct compare_threshold {
    char *expr;     /* as written: "p95 < baseline + 10%" */
    char *endpoint; /* NULL: every endpoint and the whole run ("ALL");
                       "ALL": the whole run only; else an endpoint name */
    enum metrics_stat stat;
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
};

/**
 * Parses expr ("p95 < 1s", "error_rate < 5%", "rps > baseline - 10%",
 * "p99.9 <= baseline + 50ms") into *out (owned by the caller, released with
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
/** The defaults when a profile gives no thresholds: p95 < 1s and
 * error_rate < 5%.  *out is an array of *n (caller releases each and frees
 * the array).  Returns 0 or COMPARE_ENOMEM. */
int compare_threshold_defaults(struct compare_threshold **out, size_t *n);

/* ---- verdict ------------------------------------------------------------ */

enum compare_status {
    COMPARE_PASS,
    COMPARE_FAIL,
    COMPARE_INCONCLUSIVE,
    COMPARE_SKIPPED
};

/** "PASS", "FAIL", "INCONCLUSIVE", "SKIPPED". */
const char *compare_status_str(enum compare_status s);

/* One threshold evaluated on one endpoint (or the whole run). */
struct compare_check {
    char *endpoint; /* "ALL" or "GET /api/health" */
    char *expr;     /* the threshold as written */
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

struct compare_opts {
    const char *baseline_name; /* for messages; may be NULL */
};

/**
 * Evaluates every threshold on run (and baseline, which may be NULL) into
 * *out (owned by the caller, compare_verdict_free).
 *
 * A threshold without endpoint yields one check per endpoint of the run
 * plus one on the whole run ("ALL").  Never a silent pass: an endpoint with
 * no samples, or a percentile asked of too few samples (fewer than 10
 * beyond it, so p99 needs 1000) is INCONCLUSIVE; a relative check without
 * a baseline, or on an endpoint the baseline lacks, is SKIPPED.  A partial
 * run's checks are judged on what was measured.  A threshold naming an
 * endpoint that the run does not have is COMPARE_EUNKNOWN (errbuf lists
 * the endpoints that exist).
 */
int compare_evaluate(const struct metrics_results *run,
                     const struct metrics_results *baseline,
                     const struct compare_threshold *thresholds, size_t n,
                     const struct compare_opts *opts,
                     struct compare_verdict **out, char *errbuf,
                     size_t errlen);
/** Frees v; NULL is a no-op. */
void compare_verdict_free(struct compare_verdict *v);

/**
 * Adds the recommendations of DESIGN.md to r (P95 over 1 s, error rate over
 * 5 %, too few samples for a percentile, target rate not reached, load
 * generator saturated, endpoints with no check, ...).  v may be NULL.
 * When nothing is flagged, adds "Performance metrics are within acceptable
 * ranges.".  Returns 0 or COMPARE_ENOMEM.
 */
int compare_recommend(struct metrics_results *r,
                      const struct compare_verdict *v);

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
 * r's baseline_id to name.  Returns 0, COMPARE_ENAME, COMPARE_EIO. */
int compare_store_save(const char *dir, const char *name,
                       struct metrics_results *r, char *errbuf,
                       size_t errlen);
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
/** Removes baseline name.  Returns 0, COMPARE_ENAME, COMPARE_ENOTFOUND or
 * COMPARE_EIO. */
int compare_store_rm(const char *dir, const char *name, char *errbuf,
                     size_t errlen);
/**
 * Resolves a --baseline argument: an existing file (or anything with '/'
 * or ending in .json) is loaded as a file, otherwise spec is a name in
 * store_dir.  *name_out (may be NULL) receives a malloc'd display name.
 * Errors as compare_store_load().
 */
int compare_baseline_resolve(const char *spec, const char *store_dir,
                             struct metrics_results **out, char **name_out,
                             char *errbuf, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif
