/*
 * gate: renders a verdict (JUnit XML via libxml2, text, Markdown) and maps
 * it to the exit code (README, "Exit codes").
 *
 * Header values never reach any report: gate sees only metrics and
 * verdicts, never requests.  Errors: 0 or a negative GATE_E* code, details
 * in a caller's errbuf.  Nothing here prints to the terminal or exits.
 */
#ifndef LOADGATE_GATE_H
#define LOADGATE_GATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "compare.h"
#include "loadgate_errno.h"
#include "metrics.h"

#ifdef __cplusplus
extern "C" {
#endif

#define GATE_ERRNO_MAP(X)                                                      \
    X(GATE_ENOMEM, -1, "out of memory")                                        \
    X(GATE_EIO, -2, "cannot write the report")                                 \
    X(GATE_EXML, -3, "XML writer failed")

/** Static message for a GATE_E* code. */
LOADGATE_ERRNO_DECLARE(gate, GATE_ERRNO_MAP);

/* The exit codes (README, "Exit codes"). */
enum gate_exit {
    GATE_EXIT_PASS = 0,     /* every check passed, or none was asked */
    GATE_EXIT_FAIL = 1,     /* a threshold or regression failed */
    GATE_EXIT_USAGE = 2,    /* usage or profile error: nothing ran */
    GATE_EXIT_UNJUDGED = 3, /* could not run or could not judge */
    GATE_EXIT_SIGINT = 130, /* interrupted; partial results written */
    GATE_EXIT_SIGTERM = 143
};

/* Everything a report shows.  All pointers are borrowed. */
struct gate_report {
    const struct metrics_results *run;      /* may be NULL (nothing ran) */
    const struct metrics_results *baseline; /* may be NULL */
    const char *baseline_name;              /* may be NULL */
    const struct compare_verdict *verdict;  /* may be NULL */
    const char *profile_name; /* suite "loadgate.<profile_name>" */
    const char *profile_path; /* for file:line in details; may be NULL */
    /* Set when the run could not happen or be judged (codes 2 and 3): the
     * one-line reason, reported as an <error> case. */
    const char *error_reason;
    int signal; /* SIGINT / SIGTERM when interrupted, else 0 */
};

/**
 * The exit code, by the documented precedence: 130/143 when interrupted; 3
 * when error_reason is set or the run got no response at all (every
 * request failed in the connect, dns or tls classes, or none was made);
 * 1 when any check FAILED; 3 when any was INCONCLUSIVE; else 0.
 * (Code 2 is decided before anything runs, by the caller.)
 */
enum gate_exit gate_exit_code(const struct gate_report *r);

/** True when the run got not one response (see gate_exit_code). */
bool gate_no_response(const struct metrics_results *run);

/**
 * Writes the JUnit XML (README, "Reports") to path, atomically: one <testsuite
 * name="loadgate.<profile>" package="loadgate" id="0"> with properties,
 * one <testcase classname="loadgate.<endpoint>" name="<check>" time="S">
 * per check, the text report in <system-out>; valid against both XSDs in
 * tests/schemas (Ant's JUnit.xsd, Jenkins' junit-10.xsd).  time is the
 * length of the measured window the check judged, in seconds with 3
 * decimals (0.000 for a skipped check), as is the testsuite's.  With
 * error_reason set it holds an <error> case saying so, first, counted in
 * tests and errors.  Returns 0, GATE_EIO (errbuf says why) or GATE_EXML.
 */
int gate_junit_write(const struct gate_report *r, const char *path,
                     char *errbuf, size_t errlen);

/** The text report in the layout of the original specification's example
 * (overall summary, endpoint table, checks, numbered recommendations).
 * Returns 0 or GATE_EIO. */
int gate_text_write(const struct gate_report *r, FILE *out);

/** The Markdown summary: verdict headline, a table per endpoint (baseline,
 * current, delta, verdict), details folded.  Kept under 256 KiB.  Returns 0
 * or GATE_EIO. */
int gate_markdown_write(const struct gate_report *r, FILE *out);

/** The calibration table of `loadgate calibrate` (compare_calibrate()'s
 * result): per endpoint and metric the drift, the noise, the values (at
 * most 6 shown) and the suggested threshold line, under a header saying
 * how to read them.  Returns 0 or GATE_EIO. */
int gate_calibration_write(const struct compare_calibration *c, FILE *out);

/** One line for the terminal: "loadgate: PASS (12 checks: 12 passed)". */
void gate_verdict_line(const struct gate_report *r, char *buf, size_t len);

/**
 * Self-contained HTML report (one file, no network access): verdict and
 * checks, per endpoint inline SVG charts of latency over time (baseline
 * p50/p95/p99 as dashed lines), requests and errors per second and the
 * percentile distribution against the baseline, each with a table in a
 * <details>; the endpoint table, run metadata and recommendations.
 * Timelines beyond 600 seconds are downsampled by merging adjacent
 * seconds.  Returns 0, GATE_ENOMEM or GATE_EIO.
 */
int gate_html_write(const struct gate_report *r, FILE *out);

/**
 * GitHub workflow commands for the verdict (for GITHUB_ACTIONS=true),
 * written to out: "::error file=,line=,title=::" per failed check (at most
 * 9, then one "N more" line), "::warning" for inconclusive, warned and
 * skipped checks (the same cap), one "::notice title=loadgate::" with the
 * verdict line.  file= is the threshold's file (else profile_path); when
 * GITHUB_WORKSPACE is set (GitHub resolves file= against it), made
 * absolute and then relative to the workspace, or left absolute when it
 * lies outside.  Returns 0, GATE_ENOMEM or GATE_EIO.
 */
int gate_github_annotations(const struct gate_report *r, FILE *out);

/**
 * GitLab Load Performance JSON (k6 legacy --summary-export shape:
 * metrics.http_reqs, metrics.http_req_duration (response time) and
 * metrics.http_req_waiting (time to first byte, GitLab's TTFB) in ms,
 * metrics.checks, root_group) to path, atomically.  Values without data
 * are left out, never written as 0: http_req_waiting only when the run
 * measured TTFB (imported results do not).  Returns 0, GATE_ENOMEM or GATE_EIO
 * (errbuf says why).
 */
int gate_gitlab_lp_write(const struct gate_report *r, const char *path,
                         char *errbuf, size_t errlen);

/**
 * The verdict as JSON (for --format json) to out: verdict, exit_code,
 * profile, baseline, partial, error, counts and one object per check.
 * Returns 0, GATE_ENOMEM or GATE_EIO.
 */
int gate_json_write(const struct gate_report *r, FILE *out);

#ifdef __cplusplus
}
#endif
#endif
