/*
 * Private interface of the load engine (loader_engine*.c, loader_vu*.c,
 * loader_template*.c, loader_jsonptr*.c, loader_curl*.c).
 *
 * The engine is split in two layers so that a second transport can reuse
 * everything but the socket plumbing:
 *
 *  - bookkeeping (loader_vu.c, loader_template.c, loader_jsonptr.c): which
 *    scenario and step a virtual user runs next, rendering the request,
 *    think time, classifying the outcome, captures, recording into the
 *    results, stop conditions, saturation and progress;
 *  - a transport (loader_curl.c): sends a prepared request and hands back a
 *    struct loader__outcome.
 */
#ifndef LOADGATE_LOADER_ENGINE_INTERNAL_H
#define LOADGATE_LOADER_ENGINE_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/epoll.h>

#include <curl/curl.h>

#include "loader.h"
#include "metrics.h"

/* ---- plan pieces ---------------------------------------------------- */

/** Frees a feeder and everything it owns; NULL is a no-op. */
void loader__feeder_free(struct loader_feeder *f);

/* ---- growable byte buffer ------------------------------------------- */

struct loader__buf {
    char *p; /* NUL-terminated when len > 0 or after any append */
    size_t len, cap;
};

/** Appends n bytes (and keeps a NUL after them).  0 or LOADER_ENOMEM. */
int loader__buf_append(struct loader__buf *b, const char *s, size_t n);
/** Frees b's memory and zeroes it. */
void loader__buf_release(struct loader__buf *b);

/* ---- templates ------------------------------------------------------- */

/* A captured variable of one virtual user. */
struct loader__var {
    char *name;
    char *value;
};

struct loader__vars {
    struct loader__var *v;
    size_t n, cap;
};

/** Sets name = value (copies both; replaces an existing value).
 * 0 or LOADER_ENOMEM. */
int loader__vars_set(struct loader__vars *vs, const char *name,
                     const char *value);
/** The value of name, or NULL. */
const char *loader__vars_get(const struct loader__vars *vs, const char *name,
                             size_t name_len);
/** Forgets every variable (keeps the array). */
void loader__vars_clear(struct loader__vars *vs);
/** Frees everything. */
void loader__vars_release(struct loader__vars *vs);

/**
 * Appends tpl rendered into out: {{var}} (spaces inside allowed) becomes
 * the captured value of var, or nothing when var is unknown; ${vu} the
 * 1-based user number; ${iteration} the 0-based iteration.  Anything else
 * (an unclosed "{{", another ${...}) is copied as written.  tpl NULL
 * renders nothing.  Returns 0 or LOADER_ENOMEM.
 */
int loader__template_render(const char *tpl, const struct loader__vars *vars,
                            unsigned vu, uint64_t iteration,
                            struct loader__buf *out);

/* ---- JSON pointer (RFC 6901) ---------------------------------------- */

/**
 * Resolves pointer (e.g. "/items/0/id", "~0" for '~', "~1" for '/') in
 * root (a jansson json_t *, passed as void * to keep jansson out of this
 * header).  "" is the whole document.  Array indexes are decimal without
 * leading zeros; "-" never resolves.  Returns the borrowed value or NULL
 * when the pointer is malformed or names nothing.
 */
void *loader__jsonptr_get(void *root, const char *pointer);
/**
 * Parses body (len bytes) as JSON and resolves pointer: strings as they
 * are, integers and reals as numbers ("42", "0.5"), booleans "true" /
 * "false", null "null", arrays and objects as compact JSON.  *out is
 * malloc'd.  Returns 0, LOADER_EINVAL (not JSON, or nothing at pointer)
 * or LOADER_ENOMEM.
 */
int loader__jsonptr_extract(const char *body, size_t len, const char *pointer,
                            char **out);

/* ---- outcome classification ---------------------------------------- */

/** The class of a transfer that failed in libcurl (a CURLcode, as int;
 * 0 = CURLE_OK gives METRICS_ERR_NONE). */
enum metrics_errclass loader__curl_errclass(int curl_code);
/** The class of a response with HTTP status: against s->expect_status
 * when the step lists any, else >= 400 fails.  5xx is HTTP_5XX, other
 * failures STATUS, a status of 0 OTHER. */
enum metrics_errclass loader__status_errclass(const struct loader_step *s,
                                              int status);

/* ---- deterministic randomness --------------------------------------- */

/** The seed of virtual user vu (1-based): a fixed function of vu. */
uint64_t loader__rng_seed(unsigned vu);
/** Next 64 random bits (splitmix64). */
uint64_t loader__rng_next(uint64_t *state);
/** Uniform double in [0, 1). */
double loader__rng_unit(uint64_t *state);
/** Picks a scenario index with probability weight / sum of weights. */
size_t loader__pick_scenario(const struct loader_plan *p, uint64_t *rng);
/** Think time in ns, uniform in [think_min_s, think_max_s]. */
uint64_t loader__think_ns(const struct loader_load *l, uint64_t *rng);

/* ---- open model timeline ------------------------------------------- */

/**
 * Time in seconds since the start at which arrival k (0-based) is due:
 * with a constant rate, k / rate; with stages, where the cumulative
 * arrivals of the piecewise-linear rate (starting from 0 and from each
 * stage's end rate, the last rate held after the last stage) reach k.
 * Returns false when it never comes (rate 0 to the end).
 */
bool loader__arrival_time(const struct loader_load *l, uint64_t k, double *t_s);
/** Length of the stages in seconds (0 without stages). */
double loader__stages_length(const struct loader_load *l);
/* The fine timeline's slot for a measured window of duration_s (0: not
 * known): about 60 slots of 100 to 500 ms below 60 s, 100 ms when not
 * known; 0 for none (a longer run judges its seconds). */
unsigned loader__fine_ms(double duration_s);

/* ---- the run ---------------------------------------------------------- */

struct loader__engine;

/* One virtual user (closed model) or one in-flight slot (open model). */
struct loader__vu {
    unsigned id;     /* 1-based, in this loop: the transports' index */
    unsigned number; /* ${vu}: 1-based across every loop of --threads */
    uint64_t rng;
    size_t scenario, step;
    uint64_t iteration;
    bool started;     /* has a scenario chosen for this iteration */
    bool active;      /* spawned and not finished */
    bool busy;        /* a request is in flight */
    bool measured;    /* the request in flight started after the warm-up */
    uint64_t due_ns;  /* closed: when to send next; open: scheduled send */
    uint64_t sent_ns; /* latency origin of the request in flight */
    size_t heap_pos;  /* position in the timer heap, or SIZE_MAX */
    struct loader__vars vars;
    /* the rendered request, valid while busy */
    struct loader__buf url, body;
    char **headers; /* "Name: value", n_headers of them */
    size_t n_headers, cap_headers;
    struct loader__buf hdr; /* the headers' text, NUL-separated */
    struct loader__buf tmp; /* scratch for rendering */
    /* the response body, kept only when the step captures (<= 1 MiB) */
    struct loader__buf resp;
    bool resp_overflow;
    /* loader__vu_header_part(): where the header text in tmp stands */
    unsigned char hdr_state;
    size_t hdr_line; /* where the line being assembled starts in tmp */
    void *transport; /* the transport's per-user state */
    /* a streaming step's events (loader_stream.c); NULL until the first */
    struct loader__stream *stream;
};

/* One loop's live counts, read by the first loop for the progress line. */
struct loader__progress_slot {
    _Atomic uint64_t done, errors, p95_us;
    _Atomic unsigned users;
};

/* What a transport reports when a request completes. */
struct loader__outcome {
    enum metrics_errclass transport_err; /* NONE when a response came */
    int status;                          /* HTTP status, 0 without one */
    int grpc_status; /* a gRPC step's grpc-status, -1 without one (read
                        only for grpc: steps) */
};

/* The request a transport sends for a user. */
struct loader__request {
    const char *method;
    const char *url;
    const char *body; /* NULL for none */
    size_t body_len;
    char *const *headers; /* "Name: value" */
    size_t n_headers;
    double timeout_s;
    bool keep_body; /* deliver the body into vu->resp (captures) */
    bool grpc;      /* a grpc: step: read grpc-status (trailers too) */
};

/* The transport interface. */
struct loader__transport_ops {
    const char *name;
    /** Prepares for n_slots users/slots.  0 or LOADER_E*. */
    int (*open)(struct loader__engine *e, unsigned n_slots, char *errbuf,
                size_t errlen);
    /** Starts req for vu; completion comes through loader__vu_complete().
     * 0 or LOADER_E* (a hard failure of the engine, not of the request). */
    int (*send)(struct loader__engine *e, struct loader__vu *vu,
                const struct loader__request *req);
    /** Waits for events at most until deadline_ns (monotonic) and
     * processes them.  0 or LOADER_E*. */
    int (*poll)(struct loader__engine *e, uint64_t deadline_ns);
    void (*close)(struct loader__engine *e);
};

extern const struct loader__transport_ops loader__curl_transport;
/* HTTP/1.1 over CONNECT_ONLY connections and the engine's own epoll loop
 * (loader_fast.c). */
extern const struct loader__transport_ops loader__fast_transport;

/* ---- HTTP/2 (loader_h2*.c, loader_h2_internal.h) ---------------------- */

/* HTTP/2 on the fast engine: libcurl CONNECT_ONLY connections, OpenSSL
 * for TLS, nghttp2 sessions in the engine's own epoll loop. */
extern const struct loader__transport_ops loader__h2_transport;
/** The transport for p's http: key, given the one loader__pick_transport()
 * chose: the HTTP/2 one instead of fast for http: 2, and for http: auto
 * when the https target offers h2 over ALPN (asked once, before the
 * load); t otherwise. */
const struct loader__transport_ops *
loader__h2_pick(const struct loader_plan *p,
                const struct loader__transport_ops *t);
/** CURLOPT_HTTP_VERSION for the curl transport under p's http: key. */
long loader__curl_http_version(const struct loader_plan *p);
/** Whether the curl transport can run p's http: key: 0, or LOADER_EINVAL
 * with errbuf saying why (h2c on a libcurl before 8.0, whose reuse of
 * prior-knowledge connections fails: curl issue 10634). */
int loader__curl_http_check(const struct loader_plan *p, char *errbuf,
                            size_t errlen);

/** curl_global_init() / curl_global_cleanup() made safe to call from
 * several engine threads at once (reference counted under a lock).
 * 0 or LOADER_EENGINE, errbuf saying so. */
int loader__curl_global_init(char *errbuf, size_t errlen);
void loader__curl_global_cleanup(void);

/** While held, this thread keeps the small blocks libcurl frees for its
 * next allocations (loader_curl_mem.c); the last release empties the
 * cache.  Hold and release on the same thread. */
void loader__curl_mem_hold(void);
void loader__curl_mem_release(void);
/** A transport's event loop: *fd an epoll instance (close-on-exec), 0; or
 * -1 in *fd and LOADER_ELIMIT (out of file descriptors) or LOADER_EENGINE,
 * errbuf saying why. */
int loader__epoll_new(int *fd, char *errbuf, size_t errlen);
/** How many file descriptors a per-descriptor table covers: the soft
 * limit of open files, 65536 when that is unlimited or huge. */
size_t loader__fd_table_size(void);
/** Points a libcurl multi's socket and timer callbacks at the transport's
 * (socket_action mode), both with data. */
void loader__multi_callbacks(CURLM *m, curl_socket_callback on_socket,
                             curl_multi_timer_callback on_timer, void *data);
/* The functions given to curl_global_init_mem(), for the unit tests. */
void *loader__mem_malloc(size_t size);
void loader__mem_free(void *p);
void *loader__mem_realloc(void *p, size_t size);
void *loader__mem_calloc(size_t n, size_t size);
char *loader__mem_strdup(const char *s);

/* ---- gRPC (loader_grpc.c) ---------------------------------------------- */

/** The grpc-timeout header's value for a timeout (at most 8 digits and a
 * unit: "2500m", "250u", "100000S"; rounded up) into buf (16 bytes). */
void loader__grpc_timeout(double timeout_s, char *buf, size_t len);
/** The code of a grpc-status value v[0..n) (decimal digits), or -1. */
int loader__grpc_status(const char *v, size_t n);
/** The class of a gRPC step's answer: its HTTP status (200, else
 * http_5xx or unexpected_status), then the grpc-status (-1: none came)
 * against g->expect (grpc when not accepted). */
enum metrics_errclass loader__grpc_errclass(const struct loader_grpc *g,
                                            int http_status, int grpc_status);
/** Whether a scenario of p has a grpc: step. */
bool loader__plan_grpc(const struct loader_plan *p);
/** loader_plan_check()'s rules for grpc: steps: only in scenarios, and
 * over HTTP/2 (http: 2, or auto with an https target).  0 or
 * LOADER_EINVAL with err saying why. */
int loader__grpc_check(const struct loader_plan *p, char *err, size_t len);

/* ---- transport choice (loader_transport.c) --------------------------- */

/** Whether a proxy variable libcurl would consult is set (non-empty):
 * http_proxy, https_proxy, HTTPS_PROXY, all_proxy or ALL_PROXY. */
bool loader__env_proxy(void);

/** The transport a plan runs on: its engine when set, else fast for
 * http(s) targets without userinfo when no proxy variable is set. */
const struct loader__transport_ops *
loader__pick_transport(const struct loader_plan *p);

/* ---- limits (loader_limits.c) ------------------------------------------ */

/** The slots a load needs: its users (closed model), or its cap on
 * requests in flight (open: max_in_flight, else users, else
 * LOADER_MAX_IN_FLIGHT_DEFAULT). */
unsigned loader__slots(const struct loader_load *l);
/** Raises the soft limit of open files to the hard one and checks that
 * slots users (or requests in flight when open) fit, with the fast
 * transport's extra sockets when fast.  0 or LOADER_ELIMIT (errbuf says
 * which limit and how to raise it). */
int loader__check_nofile(unsigned slots, bool open, bool fast, char *errbuf,
                         size_t errlen);

/** vsnprintf()s into errbuf (when there is one) and returns rc. */
int loader__set_err(char *errbuf, size_t errlen, int rc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

struct loader__engine {
    const struct loader_plan *p;
    const struct loader_run_opts *o;
    struct metrics_results *res;
    uint64_t (*now_ns)(void); /* monotonic clock, injectable */

    bool open_model;
    struct metrics_endpoint ***step_ep; /* [scenario][step] */

    struct loader__vu *vus;
    unsigned n_vus;
    unsigned vu_total; /* users (slots) of every loop together */
    unsigned in_flight;
    unsigned active_users;

    /* timer heap of users waiting to send (closed model) */
    struct loader__vu **heap;
    size_t heap_len;

    /* open model */
    uint64_t next_arrival; /* index k of the next arrival */
    uint64_t next_arrival_ns;
    bool arrivals_done;
    unsigned *free_slots;
    size_t n_free;
    uint64_t dropped;

    /* clock */
    uint64_t start_ns, measure_start_ns, send_end_ns; /* monotonic */
    int64_t start_wall_ns;
    /* short runs also record a fine timeline (the verdict's windows):
     * its slot length, 0 for none, and the wall ms it stops at */
    unsigned fine_ms;
    int64_t fine_until_ms;
    uint64_t stopped_ns; /* when sending stopped; 0 while sending */
    bool stopping;
    bool interrupted;

    /* counters of the measured window */
    uint64_t started_measured;
    uint64_t iterations_started; /* in the measured window (iterations:) */
    uint64_t done_measured, errors_measured;
    struct metrics_hist *all_hist;  /* every measured latency (progress) */
    struct metrics_hist *late_hist; /* wake-up lateness, us (saturation) */

    /* progress */
    uint64_t next_progress_ns, last_progress_ns, last_progress_done;
    /* --threads: every loop publishes its counts in its slot; the first
     * loop (the only one with a progress callback) reports their sum */
    struct loader__progress_slot *share;
    unsigned share_idx, share_n;

    int fatal; /* first hard error (LOADER_E*), 0 if none */
    char *errbuf;
    size_t errlen;

    const struct loader__transport_ops *ops;
    void *transport; /* the transport's state */
};

/** Renders vu's next request (choosing a scenario at the start of an
 * iteration) and hands it to the transport; latency counts from origin_ns
 * (the actual send in the closed model, the scheduled one in the open
 * model).  0 or LOADER_E*. */
int loader__vu_send(struct loader__engine *e, struct loader__vu *vu,
                    uint64_t origin_ns, uint64_t now_ns);
/** Keeps response body bytes for captures (up to 1 MiB; beyond, the body
 * is marked overflowed and its captures fail).  0 or LOADER_ENOMEM. */
int loader__vu_body(struct loader__vu *vu, const char *data, size_t n);
/** Frees what vu owns except the transport state. */
void loader__vu_release(struct loader__vu *vu);

/** Called by a transport when vu's request has completed at now_ns.
 * Records it, runs captures and decides the user's next send. */
void loader__vu_complete(struct loader__engine *e, struct loader__vu *vu,
                         const struct loader__outcome *oc, uint64_t now_ns);

/** Records the timing breakdown of vu's request in flight (before
 * loader__vu_complete(), which moves the user on) into its step's
 * endpoint, when measured; 0 = not measured. */
void loader__record_timing(struct loader__engine *e,
                           const struct loader__vu *vu, uint64_t connect_us,
                           uint64_t tls_us, uint64_t ttfb_us);

/** Wall-clock ns for a monotonic reading of the run. */
int64_t loader__wall_ns(const struct loader__engine *e, uint64_t mono_ns);

/** Runs the event loop until every request is done.  0 or LOADER_E*. */
int loader__engine_loop(struct loader__engine *e,
                        const struct loader__transport_ops *t);

/** One event loop over p (already checked) on transport t: loop share_idx
 * of share_n (0 of 0 alone), whose users are numbered (${vu}, seeds) from
 * vu_base + 1, of vu_total in every loop together; share (may be NULL)
 * is where the loops publish their progress.  0 or a LOADER_E* code. */
int loader__run_loop(const struct loader_plan *p,
                     const struct loader_run_opts *o,
                     const struct loader__transport_ops *t, unsigned vu_base,
                     unsigned vu_total, struct loader__progress_slot *share,
                     unsigned share_idx, unsigned share_n,
                     struct metrics_results **out, char *errbuf, size_t errlen);
/** p on n threads (loader_threads.c): each loop drives its part of the
 * load (loader_load_split(), checked again with loader_plan_check()),
 * the first reports progress for all, and their results are merged over
 * the window they shared.  0 or a LOADER_E* code. */
int loader__run_threads(const struct loader_plan *p,
                        const struct loader_run_opts *o,
                        const struct loader__transport_ops *t, unsigned n,
                        struct metrics_results **out, char *errbuf,
                        size_t errlen);
/** Puts vu in the timer heap at vu->due_ns (closed model). */
int loader__heap_push(struct loader__engine *e, struct loader__vu *vu);

/* ---- epoll (loader_epoll.c) ---------------------------------------------- */

/** CLOCK_MONOTONIC in ns: the engine's clock (what e->now_ns is but in
 * the tests that inject their own). */
uint64_t loader__mono_ns(void);

/** Watches fd in epfd for input, and output too when out; tag is the
 * events' data.u64. */
void loader__epoll_watch(int epfd, int fd, uint64_t tag, bool out);
/** The timer slack of an engine's thread while it runs, ns. */
#define LOADER__TIMER_SLACK_NS 1000UL

/** epoll_wait() on epfd until deadline_ns at the latest (monotonic, now
 * being the time; to the microsecond, within the thread's timer slack,
 * which loader_run sets to 1 us): the number of events (0
 * when a signal came), or LOADER_EENGINE with e->errbuf saying why. */
int loader__epoll_wait(struct loader__engine *e, int epfd,
                       struct epoll_event *ev, int max, uint64_t now,
                       uint64_t deadline_ns);

/** Looks at epfd's events now; when fewer than few have come, sleeps
 * nap_ns (under a second) without waking for them and looks once more
 * (level-triggered: nothing seen is lost): the number of events, or
 * LOADER_EENGINE with e->errbuf saying why.  A loop that expects answers
 * naps rather than waiting to be woken for each one. */
int loader__epoll_nap(struct loader__engine *e, int epfd,
                      struct epoll_event *ev, int max, uint64_t nap_ns,
                      int few);

/* epoll events as curl_multi_socket_action() flags (both transports hand
 * libcurl's own sockets back to it). */
static inline int loader__curl_select_flags(uint32_t events)
{
    return (events & EPOLLIN ? CURL_CSELECT_IN : 0) |
           (events & EPOLLOUT ? CURL_CSELECT_OUT : 0) |
           (events & (EPOLLERR | EPOLLHUP) ? CURL_CSELECT_ERR : 0);
}

#endif
