/*
 * importer: results of other load tools (Locust, k6, JMeter) as loadgate
 * results documents, so teams keep their suites and use loadgate as the
 * gate.
 *
 * What a source does not provide stays absent: a percentile a tool did not
 * report is never estimated (metrics_value() then returns METRICS_ENODATA
 * and a check on it is INCONCLUSIVE).
 *
 * - Locust `--csv PREFIX` -> PREFIX_stats.csv: one endpoint per row except
 *   "Aggregated" (method = Type, path = Name); summary numbers only
 *   (struct metrics_scalars); the Aggregated row's are the whole run's
 *   (whole_run); duration = requests / Requests/s of the Aggregated row.
 * - k6 `--summary-export` (legacy flat JSON): the whole run as endpoint
 *   "HTTP *", plus one endpoint per `{name:...}` or `{url:...}` submetric;
 *   summary numbers only; duration = http_reqs.count / http_reqs.rate.
 * - JMeter JTL, told from the content: CSV with its header line, CSV
 *   without one (JMeter's default column order), or XML (<testResults>,
 *   read by libxml2 without network, DTD or entity expansion): every
 *   sample recorded, so real histograms and per-second timelines.
 *
 * Errors: functions return 0 or a negative IMPORTER_E* code; errbuf gets
 * one line "file:line[:column]: what" for malformed input.  Nothing here
 * prints or exits.  Parsing works on a buffer and its length (no NUL
 * needed, embedded NULs rejected) and never crashes on hostile input.
 */
#ifndef LOADGATE_IMPORTER_H
#define LOADGATE_IMPORTER_H

#include <stddef.h>

#include "metrics.h"

#ifdef __cplusplus
extern "C" {
#endif

#define IMPORTER_ERRNO_MAP(X)                                                  \
    X(NOMEM, -1, "out of memory")                                              \
    X(IO, -2, "cannot read the input file")                                    \
    X(PARSE, -3, "malformed input")                                            \
    X(INVAL, -4, "invalid argument")

enum importer_errno {
#define IMPORTER_X(name, code, msg) IMPORTER_E##name = (code),
    IMPORTER_ERRNO_MAP(IMPORTER_X)
#undef IMPORTER_X
};

/** Static message for an IMPORTER_E* code ("unknown error" otherwise). */
const char *importer_strerror(int code);

enum importer_format { IMPORTER_LOCUST, IMPORTER_K6, IMPORTER_JMETER };

/** Parses "locust", "k6" or "jmeter" into an enum importer_format value;
 * -1 when unknown or NULL. */
int importer_format_parse(const char *name);

/** "locust", "k6", "jmeter" (the value of meta.source); NULL when out of
 * range. */
const char *importer_format_name(enum importer_format f);

/**
 * Reads path and imports it as format f (see importer_parse()).  For
 * Locust, path may also be the `--csv` PREFIX: PREFIX_stats.csv is read
 * when path itself does not exist.  *out is owned by the caller
 * (metrics_results_free).  Returns 0, IMPORTER_EIO (errbuf: "path: reason"),
 * IMPORTER_EPARSE, IMPORTER_EINVAL or IMPORTER_ENOMEM.
 */
int importer_load(enum importer_format f, const char *path,
                  struct metrics_results **out, char *errbuf, size_t errlen);

/**
 * Imports the len bytes at text as format f.  name_for_errors (may be
 * NULL: "input") prefixes error messages: "stats.csv:4: expected 22
 * columns, found 3".  On success *out is a new results document owned by
 * the caller, meta.source set to importer_format_name(f); on failure *out
 * is untouched.  Returns 0, IMPORTER_EPARSE (errbuf says where and what),
 * IMPORTER_EINVAL (unknown format, NULL arguments) or IMPORTER_ENOMEM.
 */
int importer_parse(enum importer_format f, const char *text, size_t len,
                   const char *name_for_errors, struct metrics_results **out,
                   char *errbuf, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif
