/*
 * importer: results of other load tools as loadgate results documents, so
 * teams keep their suites and use loadgate as the gate.
 *
 * What a source does not provide stays absent: a percentile a tool did not
 * report is never estimated (metrics_value() then returns METRICS_ENODATA
 * and a check on it is INCONCLUSIVE); the document's recommendations say
 * which statistics a summary-only source lacks.
 *
 * Per-request sources (every request recorded: real histograms and
 * per-second timelines, judged like loadgate's own runs):
 * - JMeter JTL, told from the content: CSV with its header line, CSV
 *   without one (JMeter's default column order), or XML (<testResults>,
 *   read by libxml2 without network, DTD or entity expansion).
 * - k6 `--out json` (NDJSON of Points): each http_req_duration Point is a
 *   request, endpoint tags.method + tags.name (k6's name defaults to the
 *   URL; the scheme and host are left out).
 * - Gatling 3.x simulation.log (tab-separated, before 3.12's binary log):
 *   REQUEST records.
 * - vegeta results as JSON lines (`vegeta encode`).
 * - hey `-o csv`: one endpoint, seconds from the run's start.
 *
 * Summary-only sources (struct metrics_scalars; the whole run's own
 * numbers in whole_run):
 * - Locust `--csv PREFIX` -> PREFIX_stats.csv: one endpoint per row except
 *   "Aggregated", which is the whole run; duration = requests /
 *   Requests/s of the Aggregated row.
 * - k6 `--summary-export` (legacy flat JSON) and handleSummary() data
 *   (metrics.X.values): the whole run, plus one endpoint per
 *   `{name:...}` or `{url:...}` submetric with a request count.
 * - Artillery `run -o` JSON: the whole run, plus one endpoint per
 *   metrics-by-endpoint entry.
 * - Gatling js/stats.json: the whole run and one endpoint per request.
 * - autocannon `--json`, vegeta `report -type=json`, wrk/wrk2 `--latency`
 *   text: the whole run only.
 * ALL sums the endpoints' counts (metrics_results_aggregate), so what the
 * endpoints leave out of the whole run is an endpoint "HTTP (other
 * requests)" with counts and no times.
 *
 * Errors: functions return 0 or a negative IMPORTER_E* code; errbuf gets
 * one line "file:line[:column]: what" for malformed input.  Nothing here
 * prints or exits.  Parsing works on a buffer and its length (no NUL
 * needed, embedded NULs rejected) and never crashes on hostile input.
 */
#ifndef LOADGATE_IMPORTER_H
#define LOADGATE_IMPORTER_H

#include <stddef.h>

#include "loadgate_errno.h"
#include "metrics.h"

#ifdef __cplusplus
extern "C" {
#endif

#define IMPORTER_ERRNO_MAP(X)                                                  \
    X(IMPORTER_ENOMEM, -1, "out of memory")                                    \
    X(IMPORTER_EIO, -2, "cannot read the input file")                          \
    X(IMPORTER_EPARSE, -3, "malformed input")                                  \
    X(IMPORTER_EINVAL, -4, "invalid argument")

/** Static message for an IMPORTER_E* code ("unknown error" otherwise). */
LOADGATE_ERRNO_DECLARE(importer, IMPORTER_ERRNO_MAP);

enum importer_format {
    IMPORTER_LOCUST,
    IMPORTER_K6,
    IMPORTER_JMETER,
    IMPORTER_ARTILLERY,
    IMPORTER_AUTOCANNON,
    IMPORTER_GATLING,
    IMPORTER_VEGETA,
    IMPORTER_WRK,
    IMPORTER_HEY,
    /* told from the content (importer_detect); a loadgate results
     * document is read as one (metrics_results_parse) */
    IMPORTER_AUTO,
    /* importer_detect() only: a loadgate results document, or a JSON
     * document of no other tool (metrics_results_parse says what is
     * wrong with it) */
    IMPORTER_LOADGATE
};

/** Parses "locust", "k6", "jmeter", "artillery", "autocannon", "gatling",
 * "vegeta", "wrk", "hey" or "auto" into an enum importer_format value; -1
 * when unknown or NULL. */
int importer_format_parse(const char *name);

/** The names above (the value of meta.source), "loadgate" for
 * IMPORTER_LOADGATE; NULL when out of range. */
const char *importer_format_name(enum importer_format f);

/**
 * Tells the format of the len bytes at text from their content: one of
 * the tools' formats, IMPORTER_LOADGATE for a loadgate results document
 * and for any other JSON document no tool wrote (including broken JSON:
 * loadgate's reader then says where), or -1 when it is none of them
 * (empty, binary, gzip, text of no known tool).
 */
int importer_detect(const char *text, size_t len);

/**
 * Reads path and imports it as format f (see importer_parse()).  For
 * Locust (and IMPORTER_AUTO), path may also be the `--csv` PREFIX:
 * PREFIX_stats.csv is read when path itself does not exist.  *out is owned by
 * the caller (metrics_results_free).  Returns 0, IMPORTER_EIO (errbuf: "path:
 * reason"), IMPORTER_EPARSE, IMPORTER_EINVAL or IMPORTER_ENOMEM.
 */
int importer_load(enum importer_format f, const char *path,
                  struct metrics_results **out, char *errbuf, size_t errlen);

/**
 * Imports the len bytes at text as format f.  name_for_errors (may be
 * NULL: "input") prefixes error messages: "stats.csv:4: expected 22
 * columns, found 3".  On success *out is a new results document owned by
 * the caller, meta.source set to importer_format_name() of the format
 * read; on failure *out is untouched.  IMPORTER_AUTO reads what
 * importer_detect() tells, a loadgate results document as such
 * (metrics_results_parse, its meta.source kept); -1 is an EPARSE that
 * lists what can be read.  Returns 0, IMPORTER_EPARSE (errbuf says where and
 * what), IMPORTER_EINVAL (unknown format, NULL arguments) or IMPORTER_ENOMEM.
 */
int importer_parse(enum importer_format f, const char *text, size_t len,
                   const char *name_for_errors, struct metrics_results **out,
                   char *errbuf, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif
