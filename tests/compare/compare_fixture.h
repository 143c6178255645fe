/* Results documents built through the metrics API for compare's tests. */
#ifndef LOADGATE_COMPARE_FIXTURE_H
#define LOADGATE_COMPARE_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compare.h"

#define CFX_START INT64_C(1767268800) /* 2026-01-01T12:00:00Z */
#define CFX_DURATION 10.0

/* One endpoint: n requests of latency_ms each, of which failed fail with
 * HTTP 500.  n == 0 creates the endpoint with no requests. */
struct cfx_ep {
    const char *method, *path;
    size_t n;
    double latency_ms;
    size_t failed;
};

/** A document over CFX_DURATION seconds with the given endpoints. */
struct metrics_results *cfx_doc(const struct cfx_ep *eps, size_t n);
/** Adds n more requests of latency_ms to (method, path). */
void cfx_add(struct metrics_results *r, const char *method, const char *path,
             size_t n, double latency_ms, size_t failed);
/** Fails the test unless n of r's recommendations hold needle (the
 * failure lists them). */
void cfx_recs(const struct metrics_results *r, const char *needle, size_t n);
/** Parses expr for endpoint (may be NULL); fails the test on error. */
void cfx_threshold(struct compare_threshold *t, const char *expr,
                   const char *endpoint);

/* A synthetic run with a per-second timeline: n_windows seconds of
 * per_window requests to (method, path) each; a request's latency is
 * base_ms * shift * exp(spread * z) * exp(d_w), z standard normal and d_w
 * an AR(1) drift of the window's level (d_w = phi * d_{w-1} + sigma * z').
 * Every window of errors_per_window failures (HTTP 500).  Deterministic in
 * seed. */
struct cfx_synth {
    size_t n_windows, per_window;
    double base_ms, shift, spread;
    double phi, sigma; /* AR(1) of the window level; 0, 0 for none */
    double error_p;    /* chance that a request fails */
    /* 0: windows are seconds (the per-second timeline only); else windows
     * of slot_ms, recorded in the fine timeline too (a short run) */
    unsigned slot_ms;
    /* per_window is a Poisson mean rather than a count */
    bool poisson;
};
struct metrics_results *cfx_synth_run(const struct cfx_synth *s, uint64_t seed);
/** Adds a synthetic endpoint to r (see cfx_synth_run). */
void cfx_synth_add(struct metrics_results *r, const char *method,
                   const char *path, const struct cfx_synth *s, uint64_t seed);
/** As cfx_synth_add, with drift[w] (may be NULL) added to the log level of
 * window w as well: noise common to runs measured at the same time. */
void cfx_synth_add_drift(struct metrics_results *r, const char *method,
                         const char *path, const struct cfx_synth *s,
                         uint64_t seed, const double *drift);
/** n values of an AR(1) series (phi, sigma), stationary from the start,
 * into out. */
void cfx_ar1(double *out, size_t n, double phi, double sigma, uint64_t seed);
/** Keeps only the first n windows (seconds or slots) of every endpoint of
 * r, as if the run had been measured that long; counts and histograms of
 * the endpoints follow. */
void cfx_truncate(struct metrics_results *r, size_t n, unsigned slot_ms);

#endif
