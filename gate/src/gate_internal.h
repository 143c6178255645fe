/*
 * gate internals shared between gate's files and reached by its unit tests.
 * Not part of the public contract (gate.h is).
 */
#ifndef LOADGATE_GATE_INTERNAL_H
#define LOADGATE_GATE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "gate.h"

/* ---- string cleaning ------------------------------------------------- */

/* Keep TAB, LF and CR (otherwise each becomes one space). */
#define GATE__CLEAN_KEEP_WS 0x1u
/* Collapse runs of white space to one space and trim both ends, as XML
 * Schema's xs:token does, so two names that a validator would see as equal
 * are equal here too. */
#define GATE__CLEAN_COLLAPSE 0x2u

/* Caps (in characters, i.e. code points) of the JUnit texts. */
#define GATE__MESSAGE_MAX 200
#define GATE__TEXT_MAX 1000
#define GATE__NAME_MAX 1000

/**
 * Returns a malloc'd, NUL-terminated copy of the len bytes at src that is
 * safe for XML 1.0, terminals and Markdown: C0 controls (other than TAB, LF,
 * CR, see flags), DEL and C1 controls are dropped; invalid UTF-8 (overlong
 * forms, surrogates, values above U+10FFFF, truncated sequences) and the
 * non-characters U+FFFE/U+FFFF become U+FFFD, one per maximal invalid
 * subpart.  With max_chars > 0 the result holds at most max_chars code
 * points; a cut one ends in U+2026.  src may be NULL (an empty string).
 * Returns NULL only when out of memory.
 */
char *gate__clean(const char *src, size_t len, unsigned flags,
                  size_t max_chars);
/** gate__clean() of a NUL-terminated string (NULL is ""). */
char *gate__clean_str(const char *src, unsigned flags, size_t max_chars);
/** Number of code points in a valid UTF-8 string. */
size_t gate__utf8_len(const char *s);
/** Byte length of the first n code points of a valid UTF-8 string. */
size_t gate__utf8_prefix(const char *s, size_t n);

/* ---- formatting helpers ---------------------------------------------- */

/** "10,000" into buf. */
void gate__fmt_count(uint64_t n, char *buf, size_t len);
/**
 * The run's start as "YYYY-MM-DDTHH:MM:SS" (UTC, no zone) into buf
 * (>= 20 bytes): run->timestamp when it is a valid UTC timestamp, else
 * run->start_second when set, else now.
 */
void gate__timestamp(const struct metrics_results *run, char *buf, size_t len);
/** A value of statistic stat (or -1: unknown) in its unit: "1320.4 ms",
 * "4.25%", "33.3/s", "12". */
void gate__fmt_value(int stat, double v, char *buf, size_t len);
/** The statistic a check is about: its threshold's (compare_evaluate()
 * gives every check one); -1 without one. */
int gate__check_stat(const struct compare_check *c);
/** metrics_value() of ep's statistic s, or NAN when r or ep is NULL or
 * the statistic has no (finite) value. */
double gate__value(const struct metrics_results *r,
                   const struct metrics_endpoint *ep, enum metrics_stat s);
/** "pass", "fail", "skipped" or "inconclusive": a status in lower case, as
 * CSS classes and JSON documents write it. */
const char *gate__status_word(enum compare_status s);
/** gate__value() of the baseline's endpoint of ep's name (NAN without a
 * baseline or that endpoint in it). */
double gate__base_value(const struct gate_report *r,
                        const struct metrics_endpoint *ep, enum metrics_stat s);
/** The change from base to cur in percent of base; NAN when either is
 * not finite or base is not above 0. */
double gate__change_pct(double cur, double base);
/** Latency for a table cell: integer ms, one decimal below 10 ("2.5"). */
void gate__fmt_ms(double ms, char *buf, size_t len);
/** gate__fmt_ms() with its unit ("2.5 ms"), or none when ms is not
 * finite. */
void gate__fmt_ms_unit(double ms, const char *none, char *buf, size_t len);

/* ---- verdict tallies ------------------------------------------------- */

struct gate__tally {
    size_t total, pass, fail, inconclusive, skipped, warnings;
};

/** Counts v's checks by status (v may be NULL).  An out-of-range status
 * counts as inconclusive: never a silent pass. */
void gate__tally(const struct compare_verdict *v, struct gate__tally *t);
/** The check's status, out-of-range values mapped to INCONCLUSIVE. */
enum compare_status gate__status(const struct compare_check *c);
/** Severity order for "worst status": SKIPPED < PASS < INCONCLUSIVE <
 * FAIL. */
int gate__severity(enum compare_status s);
/** "ERROR", "FAIL", "INCONCLUSIVE" or "PASS" for the whole report, in
 * gate_exit_code's order: ERROR (could not judge) on error_reason or no
 * response; FAIL when any check failed; INCONCLUSIVE when any could not be
 * judged; else PASS. */
const char *gate__overall(const struct gate_report *r);
/** Writes check c's detail block (endpoint, threshold, profile file:line,
 * measured, baseline, limit, delta), used when compare left detail empty. */
void gate__synth_detail(const struct gate_report *r,
                        const struct compare_check *c, char *buf, size_t len);
/** A one-line message for c when compare left message empty. */
void gate__synth_message(const struct compare_check *c, char *buf, size_t len);

/* ---- a small string -> size_t map ------------------------------------ */

struct gate__map;

/** New empty map.  Returns 0 or GATE_ENOMEM. */
int gate__map_new(struct gate__map **out);
void gate__map_free(struct gate__map *m);
/** Looks key up: true and *val when present. */
bool gate__map_get(const struct gate__map *m, const char *key, size_t *val);
/** Inserts or replaces key (copied).  Returns 0 or GATE_ENOMEM. */
int gate__map_put(struct gate__map *m, const char *key, size_t val);

/* ---- HTML report (gate_html*.c) -------------------------------------- */

/* Timelines longer than this are downsampled for the charts and their
 * tables: adjacent seconds are merged (see gate__html_timeline). */
#define GATE__HTML_MAX_POINTS 600

/* State of one HTML document being written. */
struct gate__html {
    FILE *out;
    unsigned next_id; /* for unique element ids (aria-labelledby) */
    int err;          /* first error (GATE_ENOMEM), else 0 */
    /* the charts of a streaming series: what the distribution chart shows
     * ("TTFT"; NULL: "Latency") and what the rate chart counts ("tokens":
     * no errors, no latencies; NULL: requests) */
    const char *quantity, *rate_of;
};

/** Writes the len bytes of s HTML-escaped (& < > " '); s must already be
 * clean (see gate__clean). */
void gate__html_puts(FILE *out, const char *s, size_t len);
/** Cleans s (flags, max_chars as gate__clean_str; NULL is "") and writes
 * it HTML-escaped; on out of memory sets h->err to GATE_ENOMEM. */
void gate__html_text(struct gate__html *h, const char *s, unsigned flags,
                     size_t max_chars);

/* One point of a (possibly downsampled) timeline. */
struct gate__tl_point {
    double t;     /* seconds from the run's start to the window's start */
    double width; /* seconds the window covers (last one may be short) */
    uint64_t requests, errors; /* in the window */
    uint64_t samples;          /* latencies recorded in the window */
    double p50, p95, p99;      /* ms, from the merged histogram; NAN when
                                  samples is 0 */
};

/**
 * ep's timeline as at most max_points windows of *bucket_s seconds each,
 * counted from start (the run's start_second; ignored when 0 or later than
 * the first point).  Up to max_points seconds every second is a window;
 * beyond, bucket_s = ceil(span / max_points) adjacent seconds are merged:
 * their histograms are added, so a window's percentiles are exact for the
 * window (not a max or a mean of per-second values), and its counts are
 * summed.  Seconds without a point are windows without samples.  *out is
 * malloc'd (NULL when the timeline is empty).  Returns 0 or GATE_ENOMEM.
 */
int gate__html_timeline(const struct metrics_endpoint *ep, int64_t start,
                        size_t max_points, struct gate__tl_point **out,
                        size_t *n, uint64_t *bucket_s);

/* Whole-run values drawn as dashed horizontal lines (NAN: absent). */
struct gate__html_base {
    double p50, p95, p99;
};

/** The latency-over-time chart (p50/p95/p99 of each window, base as dashed
 * lines when base is not NULL) in a <figure>. */
void gate__html_latency_chart(struct gate__html *h, const char *name,
                              const struct gate__tl_point *pts, size_t n,
                              uint64_t bucket_s,
                              const struct gate__html_base *base);
/** The requests and errors per second chart, then one <details> table
 * with the data of both timeline charts. */
void gate__html_rate_chart(struct gate__html *h, const char *name,
                           const struct gate__tl_point *pts, size_t n,
                           uint64_t bucket_s,
                           const struct gate__html_base *base);
/** The percentile distribution chart (log x axis, p0 to p99.99) of
 * run_ep, overlaid with base_ep when not NULL, and its <details> table. */
void gate__html_dist_chart(struct gate__html *h, const char *name,
                           const struct metrics_results *run,
                           const struct metrics_endpoint *run_ep,
                           const struct metrics_results *base,
                           const struct metrics_endpoint *base_ep);

/* ---- streamed responses (gate_stream.c) ------------------------------- */

/* What every report shows of one streaming endpoint (or of the whole
 * run); NAN where there is no value. */
struct gate__stream_row {
    char name[1024];                   /* "POST /v1/chat", or "ALL" */
    const struct metrics_endpoint *ep; /* the endpoint (or the aggregate) */
    double ttft_p50, ttft_p95, ttft_p99, itl_p50, itl_p95, itl_p99;
    double tpot_p50, tpot_p95;
    double tokens_per_s;   /* over the measured window */
    double stream_tps_p50; /* median of the streams' own token rates */
    double goodput;        /* good streams per second */
    uint64_t streams, events, tokens, errors, good, from_usage;
    const char *rule;                /* how tokens were counted; NULL for ALL */
    double slo_ttft_ms, slo_tpot_ms; /* 0: none */
};

struct gate__streams {
    struct gate__stream_row *rows; /* the streaming endpoints in run order,
                                      then ALL when there are several */
    size_t n;
    struct metrics_endpoint *all; /* owned: the aggregate behind ALL */
};

/** The streaming endpoints of run (none: n = 0; the reports then show
 * nothing of streams).  Returns 0 or GATE_ENOMEM. */
int gate__streams_get(const struct metrics_results *run,
                      struct gate__streams *out);
void gate__streams_free(struct gate__streams *s);
/** "usage ..., else words of /x (approximate); goodput: TTFT <= 500 ms,
 * TPOT <= 50 ms" of a row into buf (the SLO part only when declared). */
void gate__stream_rule(const struct gate__stream_row *row, char *buf,
                       size_t len);

/** One line of a row: "TTFT p50 52 ms, p95 56 ms · ITL p50 20 ms, p99
 * 23 ms · TPOT p50 13 ms · 116.7 tokens/s · goodput 16.7/s · 0 of 50
 * streams cut or malformed". */
void gate__stream_line(const struct gate__stream_row *w, char *buf, size_t len);

/* ---- CI outputs (gate_ci*.c) ------------------------------------------ */

/** Writes s escaped as GitHub workflow-command data (% CR LF as %25 %0D
 * %0A); with property true also : and , (%3A %2C). */
void gate__gh_escape(FILE *out, const char *s, bool property);

#endif
