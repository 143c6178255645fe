/* live: declarations shared between the module's files and its tests. */
#ifndef LOADGATE_LIVE_INTERNAL_H
#define LOADGATE_LIVE_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <jansson.h>

#include "live.h"

/* ---- listen addresses (live_addr.c) ------------------------------------ */

struct live__addr {
    struct sockaddr_storage sa;
    socklen_t sa_len;
    int family; /* AF_INET or AF_INET6 */
    unsigned port;
    bool loopback;
};

/** Parses a listen spec (see live_check_listen) into *out.  Returns 0 or
 * LIVE_EINVAL with the reason in errbuf. */
int live__parse_listen(const char *spec, struct live__addr *out, char *errbuf,
                       size_t errlen);
/** True when host (a Host header: "127.0.0.1:8080", "[::1]:80",
 * "localhost") names an IP address or localhost, not a DNS name that could
 * be rebound to a loopback address.  NULL is false. */
bool live__host_is_literal(const char *host);
/** True when given is the token (compared in time independent of where
 * they differ).  "Bearer " is stripped by the caller. */
bool live__token_ok(const char *given, const char *token);

/* ---- what the servers show (live.c, live_view.c) ------------------------ */

/* Prometheus' cumulative "le" buckets, in microseconds. */
#define LIVE__N_LE 15
extern const uint64_t live__le_us[LIVE__N_LE];

/* One endpoint (or the whole run) as shown. */
struct live__ep {
    char *name;
    uint64_t requests, errors;
    uint64_t err_class[METRICS_ERR__COUNT];
    uint64_t n_lat;          /* latencies recorded */
    double sum_s;            /* their sum, seconds */
    uint64_t le[LIVE__N_LE]; /* cumulative counts at live__le_us */
    double p50_ms, p95_ms, p99_ms;
    double rps_now; /* the last whole second; -1: not known yet */
    double p95_now; /* ms, the last whole second; -1: none */
    /* the baseline's values beside (has_base) */
    bool has_base;
    double b_p50, b_p95, b_p99, b_error_rate, b_rps;
};

/* One threshold's current state. */
struct live__th {
    char *expr;
    char *scope;   /* "every endpoint", "ALL", a name or pattern */
    char *status;  /* "PASS", "FAIL", "INCONCLUSIVE", "SKIPPED",
                      "WAITING" (no data yet) */
    char *message; /* the worst check's */
    bool warning, warn_only, abort_run;
    double for_s;
    unsigned streak_s, longest_s; /* for_s > 0: seconds breached */
    size_t n_checks, n_fail;
};

/* The numbers of one moment. */
struct live__view {
    double elapsed_s;
    bool warming_up, stopping, finished;
    unsigned users;
    double target_rps, rps;
    uint64_t requests, errors;
    struct live__ep *eps;
    size_t n_eps;
    struct live__ep all;
    struct live__th *ths;
    size_t n_ths;
    /* after live_finish */
    int exit_code;
    char *verdict; /* "PASS", "FAIL", ... or "ERROR" */
    char *line, *error;
    bool has_report, partial;
};

void live__view_release(struct live__view *v);
/** Fills v's endpoints (and ALL) from r: counts, classes, percentiles,
 * buckets, the last whole second (the newest timeline point is taken as
 * whole when complete_tail), and the baseline beside.  Returns 0 or
 * LIVE_ENOMEM. */
int live__view_endpoints(struct live__view *v, const struct metrics_results *r,
                         bool complete_tail,
                         const struct metrics_results *baseline);
/** Fills v's thresholds from verdict (its checks borrow pointers into
 * ths[0..n)), with the breach streaks of sustained ones measured on r.
 * verdict NULL: every threshold WAITING.  Returns 0 or LIVE_ENOMEM. */
int live__view_thresholds(struct live__view *v,
                          const struct compare_threshold *ths, size_t n,
                          const struct compare_verdict *verdict,
                          const struct metrics_results *r);
/** Evaluates ths on r (and baseline) as compare_evaluate() does, leaving
 * out while they are unknown the thresholds naming endpoints that r does
 * not have yet; fills v's thresholds.  Returns 0 or LIVE_ENOMEM. */
int live__evaluate(struct live__view *v, const struct compare_threshold *ths,
                   size_t n, const struct metrics_results *r,
                   const struct metrics_results *baseline);

/** The snapshot document of v ("snapshot" events and /state.json), with
 * the chart points given (new reference). */
json_t *live__view_json(const struct live__view *v, const char *title,
                        const char *baseline_name, json_t *points);

/** The exposition text of v into *out (malloc'd).  Returns 0 or
 * LIVE_ENOMEM. */
int live__prom_text(const struct live__view *v, bool openmetrics, char **out,
                    size_t *len);

/* ---- the live server (live.c) ------------------------------------------- */

#define LIVE__HISTORY 1800 /* chart points kept: 30 minutes at 1/s */

struct live__daemon;

struct live {
    /* set once by live_start */
    char *token, *title, *baseline_name;
    void (*stop_cb)(void *ud);
    void *stop_ud;
    const struct compare_threshold *ths;
    size_t n_ths;
    const struct metrics_results *baseline;
    struct live__daemon *ui, *metrics;

    /* the engine's copy, under copy_lock (taken with trylock by the
     * engine's thread) */
    pthread_mutex_t copy_lock;
    struct metrics_results *copy;
    struct metrics_hist *empty;
    struct live_sample sample; /* results NULL */
    bool have_sample;
    double measure_start_s; /* elapsed when the warm-up ended; <0: not yet */
    uint64_t copy_gen;      /* bumped by every copy */
    int run;                /* 1, 2, ... (--repeat runs one after another) */
    bool finished_copy;     /* live_finish came: no more samples */

    /* what is served, under lock */
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool closing, finished, stop_requested;
    uint64_t seq;   /* of the snapshot below */
    char *snapshot; /* JSON */
    struct live__view view;
    json_t *history; /* array of chart points */
    char *report_path;

    /* the worker */
    pthread_t worker;
    bool worker_started;
    uint64_t worked_gen; /* copy_gen last turned into a snapshot */
    double last_errors_t;
    uint64_t last_errors;
};

/** The history event's document (under l->lock).  NULL: out of memory. */
char *live__history_json(struct live *l);

/* ---- HTTP (live_http.c) ------------------------------------------------- */

/** Starts a daemon on addr serving l: every route (ui) or /metrics only.
 * Returns 0, LIVE_ELISTEN (errbuf says why) or LIVE_ENOMEM. */
int live__daemon_start(struct live *l, const struct live__addr *addr,
                       const char *spec, bool ui, struct live__daemon **out,
                       char *errbuf, size_t errlen);
unsigned live__daemon_port(const struct live__daemon *d);
/** "http://ADDR:PORT" + path into buf ("" for NULL d). */
void live__daemon_url(const struct live__daemon *d, const char *path, char *buf,
                      size_t len);
void live__daemon_stop(struct live__daemon *d);

/* The page (generated from page.html at build time). */
extern const unsigned char live__page_html[];
extern const size_t live__page_html_len;

#endif
