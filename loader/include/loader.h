/*
 * loader: load generation (libcurl).
 *
 * loader_run() drives the load a struct loader_plan describes and returns
 * a struct metrics_results.  A plan is built by the profile module (from
 * YAML, or from `quick`'s flags) or by hand; the loader knows nothing of
 * YAML, thresholds or baselines.
 *
 * Errors: functions return 0 or a negative LOADER_E* code; details go into
 * an errbuf.  Nothing here prints or exits.
 */
#ifndef LOADGATE_LOADER_H
#define LOADGATE_LOADER_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "loadgate_errno.h"
#include "metrics.h"

#ifdef __cplusplus
extern "C" {
#endif

#define LOADER_ERRNO_MAP(X)                                                    \
    X(LOADER_ENOMEM, -1, "out of memory")                                      \
    X(LOADER_EINVAL, -5, "invalid argument")                                   \
    X(LOADER_EENGINE, -6, "the load engine failed")                            \
    X(LOADER_ELIMIT, -7, "a system limit is too low for this load")            \
    X(LOADER_ENOTREADY, -8, "the service is not ready")                        \
    X(LOADER_ESETUP, -9, "a setup or teardown step failed")

/** Static message for a LOADER_E* code. */
LOADGATE_ERRNO_DECLARE(loader, LOADER_ERRNO_MAP);

/** curl_global_init() with the allocator the load engine's threads use
 * for libcurl's small blocks (loader_curl_mem.c).  Call it before any
 * other libcurl function, once per curl_global_cleanup(); 0 or
 * LOADER_EENGINE. */
int loader_curl_global_init(void);

/* ---- plan ------------------------------------------------------------- */

/* The transport a run goes over (engine: in a profile, --engine). */
enum loader_engine {
    LOADER_ENGINE_AUTO = 0, /* fast unless the run needs libcurl's extras */
    LOADER_ENGINE_FAST,     /* own HTTP/1.1 over libcurl's connections */
    LOADER_ENGINE_CURL,     /* libcurl multi */
};

/** "auto", "fast" or "curl". */
const char *loader_engine_name(enum loader_engine e);
/** "fast" or "curl" (as a profile or --engine writes them) into *out.
 * Returns 0, or LOADER_EINVAL for anything else ("auto" is the engine
 * left out, never written). */
int loader_engine_parse(const char *name, enum loader_engine *out);

struct loader_kv {
    char *key;
    char *value;
    bool secret; /* from defaults.headers, an Authorization/Cookie header,
                    or holding an expanded ${ENV} value: never reported */
};

/* Where a capture takes its value from. */
enum loader_capture_kind {
    LOADER_CAPTURE_JSON = 0, /* a JSON pointer into the body */
    LOADER_CAPTURE_HEADER,   /* a response header (case-insensitive name) */
    LOADER_CAPTURE_REGEX,    /* a POSIX extended regex on the body: the
                                first group, or the whole match without one */
};

struct loader_capture {
    char *var;     /* {{var}} */
    char *pointer; /* JSON pointer into the response body, "/agent_id" */
    enum loader_capture_kind kind;
    char *header;   /* LOADER_CAPTURE_HEADER: the header's name */
    char *regex;    /* LOADER_CAPTURE_REGEX: the expression as written */
    void *compiled; /* LOADER_CAPTURE_REGEX: its regex_t, owned */
};

/* A JSON value a step expects at a pointer of the response body. */
struct loader_expect_json {
    char *pointer; /* "/status" */
    char *value;   /* the expected value as compact JSON text */
};

/* A CSV data feeder: each iteration of a user starts with one row's
 * columns as {{column}} variables. */
struct loader_feeder {
    char *file;     /* as written in the profile */
    char *path;     /* resolved against the profile's folder */
    bool random;    /* order: random (each iteration a random row);
                       false: sequence (rows in order, see loader_vu.c) */
    char **columns; /* header row */
    size_t n_columns;
    char **cells; /* n_rows_all * n_columns, row-major */
    size_t n_rows_all;
    size_t row0, n_rows; /* the rows this run uses: all, or a shard's
                            slice (loader_plan_shard_feeder) */
    int line, col;       /* of data: in the profile */
};

/* ---- streamed responses (a step's stream: and slo:) -------------------- */

enum loader_stream_type {
    LOADER_STREAM_NONE = 0, /* a plain response */
    LOADER_STREAM_SSE,      /* text/event-stream: events, data: lines */
    LOADER_STREAM_LINES,    /* one event per non-empty line (NDJSON) */
};

/* How the text at tokens.pointer is counted (approximations: no
 * tokenizer). */
enum loader_stream_count {
    LOADER_COUNT_EVENTS = 0, /* one per event carrying text (a number at
                                the pointer counts as that many) */
    LOADER_COUNT_WORDS,      /* whitespace-separated words of the text */
    LOADER_COUNT_CHARS4,     /* characters of the text / 4, rounded up */
};

struct loader_stream {
    enum loader_stream_type type;
    char *pointer; /* tokens.pointer into each event's JSON data; NULL:
                      every event is one token */
    enum loader_stream_count count;
    char *usage; /* a JSON pointer to the stream's total token count in an
                    event (the last one found wins); NULL: none */
    char *done;  /* the data that ends the stream ("[DONE]", sse's default);
                    NULL: the end of the body (lines' default) */
};

/* A gRPC unary call (a step's grpc:, parsed in the profile module's
 * profile_grpc.c): an HTTP/2 POST to the method's path with
 * content-type application/grpc, te: trailers and this message frame;
 * its outcome is the grpc-status trailer (or header). */
struct loader_grpc {
    unsigned char *frame; /* the request message, length-prefixed
                             (loader_grpc_frame()) */
    size_t frame_len;
    char *message_file; /* message: {file:} as written; NULL: base64 or
                           an empty message */
    uint32_t expect;    /* accepted grpc-status codes, bit (1 << code);
                           0: OK only */
};

struct loader_step {
    char *method; /* "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD" */
    char *path;   /* template: may hold {{var}}, ${vu}, ${iteration} */
    /* the path as the profile writes it, when it uses ${ENV}: the
     * endpoint's name keeps that text, never a value from the environment
     * (which may be a token); NULL: the same as path */
    char *path_written;
    char *name; /* endpoint name in reports; NULL means "METHOD path";
                   as written (${ENV} unexpanded) */
    struct loader_kv *headers;
    size_t n_headers;
    char *body;         /* template; NULL for none (json: is serialised here) */
    bool body_is_json;  /* sends Content-Type: application/json */
    int *expect_status; /* accepted statuses; none given: any 2xx/3xx */
    size_t n_expect_status;
    struct loader_capture *captures;
    size_t n_captures;
    double timeout_s; /* 0: the profile's defaults.timeout */
    int line, col;    /* of the step in the profile */
    /* expect: beyond the status (a failure is METRICS_ERR_EXPECT) */
    char *expect_body_contains; /* NULL: none */
    struct loader_expect_json *expect_json;
    size_t n_expect_json;
    /* form: {k: v} (values are templates; sent URL-encoded as
     * application/x-www-form-urlencoded in body) and query: {k: v}
     * (appended to the path, URL-encoded); keys are written encoded */
    struct loader_kv *form;
    size_t n_form;
    struct loader_kv *query;
    size_t n_query;
    char *body_file; /* body: @file as written (body holds its text) */

    /* ---- streamed responses: stream: and slo: (the profile module's
     * profile_stream.c parses them, loader_stream.c measures them) ---- */
    struct loader_stream stream;   /* type LOADER_STREAM_NONE: not a stream */
    double slo_ttft_s, slo_tpot_s; /* slo: what a good stream meets (the
                                      goodput); 0: not declared */

    /* grpc: a gRPC call (method "POST", path the method's path
     * "/package.Service/Method", headers its metadata); NULL: HTTP */
    struct loader_grpc *grpc;
};

struct loader_scenario {
    char *name;
    unsigned weight; /* >= 1, default 1 */
    struct loader_step *steps;
    size_t n_steps;
    int line, col;
    struct loader_feeder *data; /* NULL: the profile's data: (if any) */
};

struct loader_stage {
    double duration_s;
    double rate; /* requests per second reached at the stage's end */
};

/* The open model's cap on requests in flight when neither max_in_flight
 * nor users sets one. */
#define LOADER_MAX_IN_FLIGHT_DEFAULT 10000u

/* How arrivals come: a fixed number of users looping over their scenario
 * (closed), or requests arriving at a rate whatever the answers take
 * (open: load.rate or load.stages).  Whoever builds a load sets it once;
 * nothing else infers it from the rates. */
enum loader_model {
    LOADER_MODEL_CLOSED = 0,
    LOADER_MODEL_OPEN,
};

struct loader_load {
    enum loader_model model;
    /* closed model */
    unsigned users;     /* concurrent virtual users */
    double spawn_rate;  /* users started per second; 0: all at once */
    double think_min_s; /* think time between a user's requests: */
    double think_max_s; /* uniform in [min, max]; both 0 for none */
    /* open model: rate > 0, or stages */
    double rate; /* constant arrivals per second */
    struct loader_stage *stages;
    size_t n_stages;
    unsigned max_in_flight; /* open model cap; 0: users or
                               LOADER_MAX_IN_FLIGHT_DEFAULT */
    /* stop conditions, whichever comes first (at least one is set) */
    double duration_s; /* measured duration, after the warm-up */
    uint64_t requests; /* measured requests */
    /* closed model: scenario iterations started in the measured window,
     * shared by all users (k6's shared-iterations); each one finishes */
    uint64_t iterations;
    double warmup_s; /* excluded from every metric */
};

/**
 * Part i (0-based) of n of the load in, into *out: what one of n event
 * loops (loader_run_opts.threads) or one of n shards (`run --shard`)
 * drives, so that the n parts together drive in.  Counts (users, requests,
 * iterations, max_in_flight) are split so that the parts sum to the whole
 * and differ by at most one, the first (count % n) parts getting one more;
 * rates (rate, every stage's rate, spawn_rate) are divided by n;
 * durations, warm-up and think time are kept.  An open-model load without
 * a cap (max_in_flight, users) gets its part of
 * LOADER_MAX_IN_FLIGHT_DEFAULT.  out->stages must point at room for
 * in->n_stages stages (it may be in->stages, and out may be in: the load
 * is then split in place).  Returns 0, or LOADER_EINVAL when i >= n, or
 * when a count given is smaller than n (a part would get none, and 0
 * means "no limit"), with errbuf saying which.
 */
int loader_load_split(const struct loader_load *in, unsigned i, unsigned n,
                      struct loader_load *out, char *errbuf, size_t errlen);

/* wait_for: polled until a 2xx answers, before setup: and the load. */
struct loader_wait_for {
    char *method;      /* "GET" */
    char *path;        /* "/api/health" (or a full URL) */
    double timeout_s;  /* default 60 */
    double interval_s; /* default 1 */
    int line, col;
    char *path_written; /* as written when it uses ${ENV}; NULL: path */
};

/* ---- HTTP version (the profile's http: key, profile/src/profile_http.c) ----
 */

enum loader_http_version {
    LOADER_HTTP_1_1 = 0, /* the default */
    LOADER_HTTP_2,       /* h2 over TLS (ALPN), h2c by prior knowledge */
    LOADER_HTTP_AUTO,    /* ALPN: h2 when the server offers it, else 1.1
                            (cleartext: 1.1) */
};

/** "1.1", "2" (or "2.0") or "auto" (as the profile's http: and quick's
 * --http write them) into *out.  Returns 0, or LOADER_EINVAL. */
int loader_http_version_parse(const char *s, enum loader_http_version *out);

/* http: 2, or http: {version: 2, connections: 10, max_streams: 10}.
 * HTTP/2 multiplexes the users (each one request in flight) over
 * connections, like h2load -c connections -m max_streams. */
struct loader_http {
    enum loader_http_version version;
    /* 0: enough for every user at max_streams (100 when that is 0) */
    unsigned connections;
    /* cap on streams in flight per connection; 0: the server's
     * SETTINGS_MAX_CONCURRENT_STREAMS */
    unsigned max_streams;
};

/* What the engine runs.  A plan owns everything it points to (each
 * pointer malloc'd, regexes compiled with regcomp()); loader_plan_free()
 * releases it. */
struct loader_plan {
    /* what the results are labelled with (meta.profile_name and
     * profile_sha256): the profile's name ("checkout" for
     * perf/checkout.yaml) and the hash of its normalised load and
     * scenarios, set by whoever builds the plan */
    char *name;
    char sha256[65];
    char *target;              /* "http://127.0.0.1:5000", no trailing slash */
    struct loader_kv *headers; /* defaults.headers */
    size_t n_headers;
    double timeout_s; /* defaults.timeout; 10 s when not given */
    /* defaults.max_body: a response body over this many bytes fails the
     * request as body_too_large; 0 (the default) for no limit */
    uint64_t max_body;
    enum loader_engine engine; /* engine: in the profile */
    struct loader_http http;   /* http: (see struct loader_http) */
    struct loader_load load;
    struct loader_scenario *scenarios;
    size_t n_scenarios;
    /* TLS and redirects (defaults: or a target: map); the transports
     * honour them */
    bool insecure;              /* skip certificate and host verification */
    char *ca_file;              /* CA bundle, resolved against the profile */
    bool follow_redirects;      /* off by default */
    struct loader_feeder *data; /* profile-level data: (NULL: none) */
    struct loader_wait_for *wait_for; /* NULL: none */
    struct loader_step *setup;        /* run once before the load, unmeasured */
    size_t n_setup;
    struct loader_step *teardown; /* run once after it, unmeasured */
    size_t n_teardown;
};

/** Frees p and everything it owns; NULL is a no-op. */
void loader_plan_free(struct loader_plan *p);

/**
 * What every plan must satisfy to run, whoever built or changed it (the
 * profile parser, quick, a shard's split, the engine's split over its
 * threads): a target; a known engine, and not fast with
 * follow_redirects; a timeout; scenarios with steps and weights; a
 * model that agrees with the rates (open: load.rate or stages; closed:
 * users, and no rate); no negative time or rate; stages with durations
 * and some rate; a way to stop (duration, requests, closed-model
 * iterations or stages); grpc: steps only in scenarios, over HTTP/2
 * (http: 2, or auto with an https target).  The profile parser says the same
 * with positions first.  Returns 0, or LOADER_EINVAL with err saying what is
 * wrong.
 */
int loader_plan_check(const struct loader_plan *p, char *err, size_t len);

/**
 * The endpoint a step reports under, as (method, path): a name: that starts
 * with an HTTP method and a space ("POST /api/agents/{id}/query") is split
 * there; another name keeps the step's method; without a name, the step's
 * method and path as written (templates unrendered, ${ENV} unexpanded:
 * path_written when set); a grpc: step's method is "GRPC" ("GRPC
 * /package.Service/Method").  Writes "METHOD path" into buf and returns the
 * length of the method prefix (so buf[0..ret) is the method and
 * buf + ret + 1 the path).
 */
size_t loader_step_endpoint(const struct loader_step *s, char *buf, size_t len);

/**
 * Narrows every data: feeder of p to shard index (1-based) of count: the
 * rows [(index-1) * n / count, index * n / count), so that shards never
 * send the same row.  count 0 is a no-op.  Returns 0, or LOADER_EINVAL
 * when index is out of range or a feeder has fewer rows than shards
 * (errbuf says which file).
 */
int loader_plan_shard_feeder(struct loader_plan *p, unsigned index,
                             unsigned count, char *errbuf, size_t errlen);

/**
 * msg[0..len) as a gRPC message frame: a zero byte (not compressed), the
 * length as 4 bytes big-endian, the message.  *out is malloc'd (*out_len
 * = len + 5).  Returns 0, LOADER_EINVAL (a message over 4 GiB - 1) or
 * LOADER_ENOMEM.
 */
int loader_grpc_frame(const void *msg, size_t len, unsigned char **out,
                      size_t *out_len);

/** Whether the {{...}} expressions of tpl are variables or template
 * functions the engine knows (uuid, random_int(a, b) with integers
 * a <= b); when not, returns false with msg saying which. */
bool loader_template_check(const char *tpl, char *msg, size_t msglen);

/* ---- engine ------------------------------------------------------------ */

struct loader_progress {
    double elapsed_s; /* since the start, warm-up included */
    bool warming_up;
    unsigned users;    /* active virtual users (closed) or in flight (open) */
    uint64_t requests; /* measured so far */
    uint64_t errors;
    double rps;    /* over the last second */
    double p95_ms; /* measured so far */
    /* What this loop measured so far (with --threads, one thread's
     * share); valid only during the callback.  For abort: thresholds. */
    const struct metrics_results *live;
};

struct loader_run_opts {
    /* Set to non-zero (e.g. from a signal handler) to stop: sending stops,
     * in-flight requests finish or are abandoned within their timeout, and
     * the results come back marked partial. */
    volatile sig_atomic_t *stop;
    /* Called about once per progress_interval_s from the engine's thread. */
    void (*progress)(const struct loader_progress *p, void *ud);
    void *progress_ud;
    double progress_interval_s; /* default 1 */
    /* 0 or 1: one loop; N: N loops, each driving its part of the load
     * (loader_load_split()), users numbered across them */
    unsigned threads;
    /* Variables every user starts each iteration with (before the data:
     * row's columns): the captures of loader_setup(). */
    const struct loader_kv *vars;
    size_t n_vars;
};

/**
 * Runs the load p describes and returns what it measured in *out (owned by
 * the caller).  Each step's endpoint name ("METHOD path" or its name:) is
 * the endpoint in the results.  Requests that failed are counted by class,
 * never returned as errors: a run against a dead target returns 0 with
 * every request in the connect/dns/tls classes.  Returns 0, LOADER_ELIMIT
 * (errbuf says which limit), LOADER_EENGINE or LOADER_ENOMEM.
 */
int loader_run(const struct loader_plan *p, const struct loader_run_opts *o,
               struct metrics_results **out, char *errbuf, size_t errlen);

/* ---- run-level steps (unmeasured) ----------------------------------- */

/**
 * Polls p->wait_for (if any) every interval until it answers 2xx, for at
 * most its timeout; stop (may be NULL) cuts the wait short.  Returns 0
 * (ready, or nothing to wait for), LOADER_ENOTREADY with errbuf saying
 * "service not ready after 60 s: GET /api/health: ..." (the lead maps it
 * to exit 3), LOADER_EINVAL or LOADER_ENOMEM.
 */
int loader_wait_for(const struct loader_plan *p, volatile sig_atomic_t *stop,
                    char *errbuf, size_t errlen);
/**
 * Runs p->setup once, in order, sharing captures between its steps, and
 * returns every captured variable in *vars (n_vars of them; free with
 * loader_vars_free()) for loader_run_opts.vars.  A step failing its
 * status, expect: or capture is LOADER_ESETUP (errbuf says which step and
 * why); also LOADER_ENOMEM.
 */
int loader_setup(const struct loader_plan *p, struct loader_kv **vars,
                 size_t *n_vars, char *errbuf, size_t errlen);
/** Runs p->teardown once with the setup's variables.  Errors as
 * loader_setup(); every step is tried even after one failed. */
int loader_teardown(const struct loader_plan *p, const struct loader_kv *vars,
                    size_t n_vars, char *errbuf, size_t errlen);
/** Frees what loader_setup() returned; NULL is a no-op. */
void loader_vars_free(struct loader_kv *vars, size_t n);

#ifdef __cplusplus
}
#endif
#endif
