/*
 * profile: the one owner of a profile.  profile_load() reads the YAML
 * once (libyaml; positions kept for every error) into a validated, typed
 * struct profile: the plan the engine runs (struct loader_plan), the
 * thresholds and the baseline.  `quick` builds the same from its flags
 * (profile_quick()).
 *
 * Errors: functions return 0 or a negative PROFILE_E* code; details go
 * into struct profile_error.  Nothing here prints or exits.
 */
#ifndef LOADGATE_PROFILE_H
#define LOADGATE_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compare.h"
#include "loader.h"
#include "loadgate_errno.h"
#include "metrics.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PROFILE_ERRNO_MAP(X)                                                   \
    X(PROFILE_ENOMEM, -1, "out of memory")                                     \
    X(PROFILE_EIO, -2, "cannot read the profile")                              \
    X(PROFILE_ESYNTAX, -3, "YAML syntax error")                                \
    X(PROFILE_EPROFILE, -4, "invalid profile")                                 \
    X(PROFILE_EINVAL, -5, "invalid argument")

/** Static message for a PROFILE_E* code. */
LOADGATE_ERRNO_DECLARE(profile, PROFILE_ERRNO_MAP);

/* Where and why a profile is wrong.  line and col are 1-based; 0 when the
 * error has no position (e.g. the file cannot be opened). */
struct profile_error {
    char file[512];
    int line, col;
    char msg[1024];
};

/** "file:line:col: msg" (or "file: msg" without a position) into buf. */
void profile_error_format(const struct profile_error *e, char *buf, size_t len);

/* The baseline: key, classified once (compare_baseline_kind()). */
struct profile_baseline {
    enum compare_baseline_kind kind; /* COMPARE_BASELINE_NONE: not given */
    char *spec; /* as written (${ENV} expanded); NULL when not given */
    /* what to load: a file resolved against the profile's folder, else
     * spec itself (a name in the store, a URL) */
    char *path;
    int line, col;
};

struct profile {
    char *path;  /* as given */
    int version; /* 1 */
    /* What the engine runs.  plan->name is the file's stem ("checkout"
     * for perf/checkout.yaml); plan->sha256 the SHA-256 of the normalised
     * profile: load and scenarios, without the target, headers' values,
     * thresholds or baseline, so that a baseline taken against another
     * host still matches. */
    struct loader_plan *plan;
    /* thresholds, parsed (compare_threshold_from(): statistic, operator,
     * limit or tolerance, severity, for, abort, min_effect) and checked
     * against the plan's endpoints; file borrows written[i].file, the
     * profile's path */
    struct compare_threshold *thresholds;
    /* the same thresholds as written: what the results carry */
    struct metrics_threshold *written;
    size_t n_thresholds;
    struct profile_baseline baseline;
};

/**
 * Reads and parses the profile at path.  ${ENV} and ${ENV:-default} are
 * expanded in every scalar (an unset variable without a default is an
 * error); only what names an endpoint keeps the text as written (a
 * step's name: and, in path_written, its path; a threshold's endpoint:),
 * so that no value from the environment reaches a report.  ${vu} and
 * ${iteration} are left for the engine.  Unknown keys are errors, with
 * "did you mean" when a known key is close.
 * Returns 0, or PROFILE_EIO / PROFILE_ESYNTAX / PROFILE_EPROFILE with *err
 * filled in, or PROFILE_ENOMEM.
 */
int profile_load(const char *path, struct profile **out,
                 struct profile_error *err);
/** As profile_load() on text already in memory; file names it in errors
 * and sets path and the plan's name. */
int profile_parse(const char *text, size_t len, const char *file,
                  struct profile **out, struct profile_error *err);
/** Frees p and everything it owns (its plan too); NULL is a no-op. */
void profile_free(struct profile *p);

/**
 * Whether endpoint, a threshold's endpoint: (a name, a glob pattern such
 * as "GET /api/agents*", or "ALL"), names something the steps of p
 * report under (loader_step_endpoint()).  When not, msg gets "names
 * endpoint 'x', which the profile does not have; endpoints: 'GET /a',
 * ..." for the caller to put after what names it.
 */
bool profile_endpoint_known(const struct loader_plan *p, const char *endpoint,
                            char *msg, size_t len);

/* What `loadgate quick` asks for. */
struct profile_quick {
    const char *url;            /* full URL: target and path */
    const char *method;         /* NULL: GET */
    const char *const *headers; /* "K: V" strings */
    size_t n_headers;
    const char *body;          /* NULL: none */
    uint64_t requests;         /* 0: none (duration) */
    unsigned concurrency;      /* users */
    double duration_s;         /* 0: none (requests) */
    double rate;               /* > 0: open model */
    enum loader_engine engine; /* --engine */
    struct loader_http http;   /* --http, --connections, --max-streams */
};

/** Builds a one-step profile named "quick" from q, hashed like any other
 * (the engine aside).  Returns 0, PROFILE_EINVAL (a bad URL or header;
 * err says which) or PROFILE_ENOMEM. */
int profile_quick(const struct profile_quick *q, struct profile **out,
                  struct profile_error *err);

#ifdef __cplusplus
}
#endif
#endif
