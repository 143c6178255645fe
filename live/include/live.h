/*
 * live: watching a run while it runs.
 *
 * A web page served by loadgate itself (`--ui`): the per-endpoint table,
 * charts and the thresholds' current state, pushed once a second over
 * Server-Sent Events, a Stop button, and the verdict once judged; and the
 * live metrics in the Prometheus / OpenMetrics text format (`--metrics`).
 * Both run on libmicrohttpd in threads of their own; one more thread
 * turns what the engine measured into what they serve, so that the
 * engine's own thread only copies numbers (live_update).
 *
 * Routes (a --ui server serves them all, a --metrics one /metrics only):
 *   GET  /             the page (self-contained: inline CSS, JS and SVG)
 *   GET  /events       text/event-stream: "history" once, then a
 *                      "snapshot" (one JSON document) about every second
 *   GET  /state.json   the latest snapshot
 *   GET  /metrics      OpenMetrics 1.0 or text format 0.0.4 (by Accept)
 *   GET  /report.html  the HTML report, once the run wrote one
 *   POST /stop         the Stop button: live_opts.stop is called (202)
 *
 * Access: without a token only loopback addresses are allowed, and a
 * request whose Host header names anything but an IP address or
 * localhost is refused (DNS rebinding).  With a token, every route but
 * the page itself needs "Authorization: Bearer TOKEN" or ?token=TOKEN
 * (EventSource cannot send headers).  A POST whose Origin is not the
 * page's own is refused.
 *
 * Errors: functions return 0 or a negative LIVE_E* code; details go into
 * a caller's errbuf.  Nothing here prints or exits.  A token never appears
 * in an error message.
 */
#ifndef LOADGATE_LIVE_H
#define LOADGATE_LIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compare.h"
#include "loadgate_errno.h"
#include "metrics.h"

#ifdef __cplusplus
extern "C" {
#endif

#define LIVE_ERRNO_MAP(X)                                                      \
    X(LIVE_ENOMEM, -1, "out of memory")                                        \
    X(LIVE_EINVAL, -2, "invalid listen address")                               \
    X(LIVE_ELISTEN, -3, "cannot listen on the address")                        \
    X(LIVE_EINSECURE, -4,                                                      \
      "refusing to listen beyond loopback without a token")                    \
    X(LIVE_ETHREAD, -5, "cannot start a thread")

/** Static message for a LIVE_E* code ("unknown error" otherwise). */
LOADGATE_ERRNO_DECLARE(live, LIVE_ERRNO_MAP);

/**
 * Checks a listen address as --ui and --metrics take it: "PORT" (on
 * 127.0.0.1), "ADDR:PORT", "[IPv6]:PORT" or "localhost:PORT"; port 0 asks
 * for any free port.  A non-loopback address needs a token (token NULL
 * or "": none).  Returns 0, LIVE_EINVAL or LIVE_EINSECURE; errbuf says
 * why.
 */
int live_check_listen(const char *spec, const char *token, char *errbuf,
                      size_t errlen);

struct live_opts {
    const char *ui;      /* the page's address; NULL: no page */
    const char *metrics; /* /metrics' address; NULL: none (the page's
                            server serves /metrics too) */
    const char *token;   /* bearer token (LOADGATE_TOKEN); NULL or "" */
    const char *title;   /* the profile's name, for the page */
    /* The Stop button: called from a server thread (set a flag). */
    void (*stop)(void *ud);
    void *stop_ud;
    /* Borrowed; must outlive the live server (live_stop).  The
     * thresholds the run is judged with (their current state is shown)
     * and the baseline (its values beside the live ones; NULL: none). */
    const struct compare_threshold *thresholds;
    size_t n_thresholds;
    const struct metrics_results *baseline;
    const char *baseline_name;
};

struct live;

/**
 * Starts the servers o asks for (copies what it needs of o but the
 * borrowed pointers).  *out is owned by the caller (live_stop).
 * Returns 0, LIVE_EINVAL, LIVE_EINSECURE, LIVE_ELISTEN (bind failed: in
 * use, not local, ...), LIVE_ETHREAD or LIVE_ENOMEM; errbuf says why.
 */
int live_start(const struct live_opts *o, struct live **out, char *errbuf,
               size_t errlen);
/** The port the page (or /metrics) listens on: the real one when 0 was
 * asked for; 0 when not served. */
unsigned live_ui_port(const struct live *l);
unsigned live_metrics_port(const struct live *l);
/** "http://127.0.0.1:8080/" (the page) or ".../metrics" into buf; "" when
 * that is not served. */
void live_url(const struct live *l, bool metrics, char *buf, size_t len);

/* What the engine's progress callback hands over, about every 0.5 s. */
struct live_sample {
    double elapsed_s; /* since the run started, warm-up included */
    bool warming_up;
    unsigned users;    /* active virtual users, or requests in flight */
    double target_rps; /* the open model's rate now; 0: closed */
    double rps;        /* over the last interval, all event loops */
    uint64_t requests; /* measured so far, all event loops */
    uint64_t errors;
    /* what was measured so far (with several event loops, the first
     * loop's share); read only during the call */
    const struct metrics_results *results;
};

/**
 * Takes a sample from the engine's thread: copies the numbers (never
 * waits for the servers; skipped when they are busy reading the last
 * copy).  A sample whose elapsed_s goes back starts a new run (--repeat).
 */
void live_update(struct live *l, const struct live_sample *s);

/* The end of the run, for the page. */
struct live_final {
    const struct metrics_results *run;     /* judged; NULL: none */
    const struct compare_verdict *verdict; /* NULL: not judged */
    int exit_code;
    const char *line;   /* the verdict line; may be NULL */
    const char *error;  /* why it could not be judged; NULL */
    const char *report; /* the HTML report written, or NULL */
};

/**
 * Shows the judged run (its final numbers), the verdict and a link to
 * the report, served at /report.html from then on.  Returns 0 or
 * LIVE_ENOMEM.
 */
int live_finish(struct live *l, const struct live_final *f);

/** Stops the servers (ending the event streams) and frees l; NULL no-op. */
void live_stop(struct live *l);

/**
 * The live metrics in the Prometheus exposition format into *out
 * (malloc'd, *len bytes): OpenMetrics 1.0 (with "# EOF") when openmetrics,
 * else the text format 0.0.4.  Returns 0 or LIVE_ENOMEM.
 */
int live_metrics_text(struct live *l, bool openmetrics, char **out,
                      size_t *len);

#ifdef __cplusplus
}
#endif
#endif
