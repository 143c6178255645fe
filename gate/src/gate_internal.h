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
void gate__timestamp(const struct metrics_results *run, char *buf,
                     size_t len);
/** A value of statistic stat (or -1: unknown) in its unit: "1320.4 ms",
 * "4.25%", "33.3/s", "12". */
void gate__fmt_value(int stat, double v, char *buf, size_t len);
/** The statistic a check is about: its threshold's, else parsed from the
 * first word of its expression; -1 when unknown. */
int gate__check_stat(const struct compare_check *c);
/** Latency for a table cell: integer ms, one decimal below 10 ("2.5"). */
void gate__fmt_ms(double ms, char *buf, size_t len);

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
/** "PASS", "FAIL", "INCONCLUSIVE" for the whole report (FAIL when any check
 * failed; INCONCLUSIVE on error_reason, no response or an inconclusive
 * check; else PASS). */
const char *gate__overall(const struct gate_report *r);
/** Writes check c's detail block (endpoint, threshold, profile file:line,
 * measured, baseline, limit, delta), used when compare left detail empty. */
void gate__synth_detail(const struct gate_report *r,
                        const struct compare_check *c, char *buf,
                        size_t len);
/** A one-line message for c when compare left message empty. */
void gate__synth_message(const struct compare_check *c, char *buf,
                         size_t len);

/* ---- a small string -> size_t map ------------------------------------ */

struct gate__map;

/** New empty map.  Returns 0 or GATE_ENOMEM. */
int gate__map_new(struct gate__map **out);
void gate__map_free(struct gate__map *m);
/** Looks key up: true and *val when present. */
bool gate__map_get(const struct gate__map *m, const char *key, size_t *val);
/** Inserts or replaces key (copied).  Returns 0 or GATE_ENOMEM. */
int gate__map_put(struct gate__map *m, const char *key, size_t val);

#endif
