/* Hand-built documents for gate's tests: a run made through the metrics
 * API and verdicts filled in by hand, so gate's tests do not depend on
 * compare's evaluation. */
#ifndef LOADGATE_GATE_FIXTURE_H
#define LOADGATE_GATE_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "gate.h"

/* Start of the fixture's measured window: 2026-01-01T12:00:00Z. */
#define FX_START INT64_C(1767268800)

/** Records n requests of latency_ms on ep (status 200, or 500 with the
 * http_5xx class when failed), spread over the run's 10 seconds. */
void fx_record(struct metrics_endpoint *ep, size_t n, double latency_ms,
               bool failed);
/** fx_record() on (method, path) of r, created when absent; returns it. */
struct metrics_endpoint *fx_add(struct metrics_results *r, const char *method,
                                const char *path, size_t n, double latency_ms,
                                bool failed);
/** The fixed run of the text-report test (10 s, 4 endpoints, 1,360
 * requests, 1 error, recommendations); never NULL (asserts). */
struct metrics_results *fx_run(void);
/** An empty run (timestamp, duration) with no endpoints. */
struct metrics_results *fx_empty_run(void);

/** A verdict with room for n checks, all zeroed. */
struct compare_verdict *fx_verdict(size_t n);
/** Fills check i: endpoint and expr are copied; message and detail may be
 * NULL. */
void fx_check(struct compare_verdict *v, size_t i, const char *endpoint,
              const char *expr, enum compare_status st, const char *type,
              const char *message, const char *detail);
/** Check i judged by *th, set to "stat <" from file:line (th must outlive
 * v). */
void fx_at(struct compare_verdict *v, size_t i, struct compare_threshold *th,
           enum metrics_stat stat, const char *file, int line);
/** Check i's numbers as compare fills them: measured against limit, the
 * baseline's value and the change in %. */
void fx_measured(struct compare_verdict *v, size_t i, double measured,
                 double limit, double baseline, double delta_pct);
/** Frees what fx_verdict()/fx_check() allocated. */
void fx_verdict_free(struct compare_verdict *v);

/** What write (gate_text_write, gate_html_write, ...) makes of r, as a
 * malloc'd text; asserts it returns 0. *len (when len is not NULL) gets
 * the text's length. */
char *fx_render(int (*write)(const struct gate_report *, FILE *),
                const struct gate_report *r, size_t *len);

#endif
