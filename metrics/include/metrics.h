/*
 * metrics: the shared data model of loadgate.
 *
 * A latency histogram (log-linear, mergeable, <= 1 % relative error),
 * per-endpoint statistics with a per-second timeline, and the results
 * document (read and written as JSON, atomically).  Every other module
 * speaks in these types.
 *
 * Units: latencies are recorded in microseconds; every value handed out by
 * metrics_value() is in the unit users read (milliseconds for times,
 * a fraction 0..1 for error_rate, requests per second for rps, plain counts
 * for requests and errors).
 *
 * Errors: functions return 0 or a negative METRICS_E* code; details go into
 * a caller's errbuf where one is taken.  Nothing here prints or exits.
 */
#ifndef LOADGATE_METRICS_H
#define LOADGATE_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "loadgate_errno.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- errors ----------------------------------------------------------- */

#define METRICS_ERRNO_MAP(X)                                                   \
    X(METRICS_ENOMEM, -1, "out of memory")                                     \
    X(METRICS_EIO, -2, "input/output error")                                   \
    X(METRICS_EPARSE, -3, "malformed JSON")                                    \
    X(METRICS_ESCHEMA, -4, "not a loadgate results document")                  \
    X(METRICS_ERANGE, -5, "value out of range")                                \
    X(METRICS_EMISMATCH, -6, "documents cannot be merged")                     \
    X(METRICS_EINVAL, -7, "invalid argument")                                  \
    X(METRICS_ENODATA, -8, "no data for this value")

/** Static message for a METRICS_E* code ("unknown error" otherwise). */
LOADGATE_ERRNO_DECLARE(metrics, METRICS_ERRNO_MAP);

/* ---- histogram -------------------------------------------------------- */

/*
 * Log-linear histogram of unsigned values (microseconds by convention).
 * Values below 256 are exact; above, each power-of-two range is split into
 * 128 linear buckets, so a bucket is at most 1/128 of its value wide and the
 * reported value (the bucket's midpoint) is within 0.4 % of every value in
 * it.  Memory grows only over the range of buckets actually used (a
 * per-second window of one endpoint costs a few hundred bytes), so
 * histograms are cheap enough to keep one per timeline second.
 * min, max, count and the sum are exact.
 */
#define METRICS_HIST_MAX_VALUE (UINT64_C(1) << 42) /* ~50 days in us */

struct metrics_hist;

/** New empty histogram.  Returns 0 or METRICS_ENOMEM. */
int metrics_hist_new(struct metrics_hist **out);
/** Frees h; NULL is a no-op. */
void metrics_hist_free(struct metrics_hist *h);
/** Deep copy.  Returns 0 or METRICS_ENOMEM. */
int metrics_hist_clone(const struct metrics_hist *h, struct metrics_hist **out);
/** Empties h, keeping its memory. */
void metrics_hist_reset(struct metrics_hist *h);

/** Records one value; false when it is above METRICS_HIST_MAX_VALUE or
 * memory ran out (the value is then not counted). */
bool metrics_hist_record(struct metrics_hist *h, uint64_t value);
/** Records value `count` times; false as for metrics_hist_record(). */
bool metrics_hist_record_n(struct metrics_hist *h, uint64_t value,
                           uint64_t count);
/** Adds every value of src to dst.  Returns how many values were dropped
 * (0 unless memory ran out). */
uint64_t metrics_hist_add(struct metrics_hist *dst,
                          const struct metrics_hist *src);

uint64_t metrics_hist_count(const struct metrics_hist *h);
/** Exact smallest / largest recorded value; 0 when empty. */
uint64_t metrics_hist_min(const struct metrics_hist *h);
uint64_t metrics_hist_max(const struct metrics_hist *h);
/** Exact mean of the recorded values; 0 when empty. */
double metrics_hist_mean(const struct metrics_hist *h);
/**
 * The pct-th percentile (0 <= pct <= 100), 0 when empty.
 * Definition (pinned by tests): rank = max(1, ceil(pct / 100 * count)); the
 * answer is the value of the bucket holding the rank-th smallest value
 * (exact below 256, the bucket's midpoint above), clamped to [min, max].
 * So pct = 0 gives min and pct = 100 gives max.
 */
uint64_t metrics_hist_percentile(const struct metrics_hist *h, double pct);
/**
 * How many recorded values are at most value, to the histogram's
 * resolution: every value in value's bucket counts (so the answer may
 * include values up to one bucket width, under 0.8 %, above value).
 * Exact below 256, 0 below min, the count at max or above; never
 * decreasing in value (cumulative "le" buckets, e.g. for Prometheus).
 */
uint64_t metrics_hist_count_le(const struct metrics_hist *h, uint64_t value);

/** Calls fn for every non-empty bucket of h in ascending order with the
 * value metrics_hist_percentile() reports for it (the bucket's value,
 * clamped to [min, max]) and its count, until fn returns false.  Returns
 * false when fn stopped it. */
bool metrics_hist_foreach(const struct metrics_hist *h,
                          bool (*fn)(uint64_t value, uint64_t count, void *ud),
                          void *ud);

/** Compact printable encoding (base64 of varint-coded non-empty buckets
 * plus exact min/max/sum).  *out is malloc'd; the caller frees it.
 * Returns 0 or METRICS_ENOMEM. */
int metrics_hist_encode(const struct metrics_hist *h, char **out);
/** Inverse of metrics_hist_encode().  Returns 0, METRICS_EPARSE for
 * anything malformed (never crashes on hostile input) or METRICS_ENOMEM. */
int metrics_hist_decode(const char *text, struct metrics_hist **out);

/* ---- per-endpoint statistics ----------------------------------------- */

/* Error classes: a failed request is counted in exactly one. */
#define METRICS_ERRCLASS_MAP(X)                                                \
    X(CONNECT, "connect")                                                      \
    X(DNS, "dns")                                                              \
    X(TLS, "tls")                                                              \
    X(TIMEOUT, "timeout")                                                      \
    X(RESET, "reset")                                                          \
    X(HTTP_5XX, "http_5xx")                                                    \
    X(STATUS, "unexpected_status")                                             \
    X(EXPECT, "expect")                                                        \
    X(BODY_TOO_LARGE, "body_too_large")                                        \
    X(STREAM, "stream")                                                        \
    /* HTTP/2: a protocol error on the connection or the stream, a stream      \
     * reset by the server, a request lost to its GOAWAY */                    \
    X(H2_PROTOCOL, "h2_protocol")                                              \
    X(STREAM_RESET, "stream_reset")                                            \
    X(GOAWAY, "goaway")                                                        \
    /* gRPC: a grpc-status other than the step expects (or none) */            \
    X(GRPC, "grpc")                                                            \
    X(OTHER, "other")

enum metrics_errclass {
#define METRICS_X(name, str) METRICS_ERR_##name,
    METRICS_ERRCLASS_MAP(METRICS_X)
#undef METRICS_X
        METRICS_ERR__COUNT,
    METRICS_ERR_NONE = -1
};

/** "connect", "http_5xx", ...; NULL for an out-of-range value. */
const char *metrics_errclass_name(enum metrics_errclass c);
/** Inverse of metrics_errclass_name(); METRICS_ERR_NONE when unknown. */
enum metrics_errclass metrics_errclass_parse(const char *name);

/*
 * What streamed responses (a step's stream: sse or lines) add to an
 * endpoint, or to one second of its timeline.  Times in microseconds;
 * per-stream token rates in 1/1000 token per second.  Every histogram is
 * NULL until its first value.  An event's TTFT and ITL gap go into the
 * second the event arrived in; the rest into the second the stream ended.
 */
struct metrics_stream {
    struct metrics_hist *ttft; /* send -> the first event carrying tokens */
    struct metrics_hist *itl;  /* gaps between consecutive such events */
    struct metrics_hist *tpot; /* per stream: (last - first token event)
                                  / (tokens - 1), streams of >= 2 tokens */
    struct metrics_hist *rate; /* per stream: tokens / (send -> last token
                                  event), in mtok/s */
    uint64_t streams;          /* streamed responses that ended, well or not */
    uint64_t events;           /* their events (the sentinel not counted) */
    uint64_t tokens;           /* their tokens, by the endpoint's rule */
    uint64_t errors; /* stream errors: cut before the end, malformed */
    uint64_t good;   /* ended well and within the SLOs (goodput) */
    uint64_t usage;  /* streams whose count came from the usage pointer */
    /* endpoint only (NULL / 0 in timeline points): how tokens are counted
     * ("words of /choices/0/delta/content (approximate)") and the SLOs a
     * good stream meets, 0 when not declared */
    char *rule;
    double slo_ttft_ms, slo_tpot_ms;
};

/* One wall-clock second of one endpoint. */
struct metrics_point {
    int64_t second;                /* Unix time, seconds */
    uint64_t requests;             /* completed in that second, failed or not */
    uint64_t errors;               /* of which failed */
    struct metrics_hist *hist;     /* their latencies; never NULL once added */
    struct metrics_stream *stream; /* streamed responses; NULL: none */
};

#define METRICS_STATUS_MAX 600 /* status codes 0..599 are counted */
/* gRPC status codes 0 (OK) .. 16 (UNAUTHENTICATED) are counted */
#define METRICS_GRPC_STATUS_MAX 17

/* Imported documents may carry only summary numbers (no histogram). */
struct metrics_scalars {
    bool present;
    double p50_ms, p75_ms, p90_ms, p95_ms, p99_ms, p999_ms;
    double avg_ms, min_ms, max_ms;
    bool has_p75, has_p90, has_p999, has_min, has_max;
    /* A source may lack even these (k6 reports no p99 unless asked, a
     * Locust row says "N/A"): when false, the value is absent
     * (METRICS_ENODATA), never 0.  Set by the importer module. */
    bool has_p50, has_p95, has_p99, has_avg;
};

struct metrics_endpoint {
    char *method; /* "GET" */
    char *path;   /* "/api/health", or a step's name without its method */
    struct metrics_hist *hist; /* every latency in the measured window */
    uint64_t requests;         /* completed requests, failed or not */
    uint64_t errors;           /* failed requests (sum of err_class) */
    uint64_t err_class[METRICS_ERR__COUNT];
    uint64_t status[METRICS_STATUS_MAX]; /* responses by HTTP status */
    /* gRPC steps' answers by grpc-status (OK included); all 0 for other
     * endpoints (metrics_endpoint_record_grpc) */
    uint64_t grpc_status[METRICS_GRPC_STATUS_MAX];
    struct metrics_point *timeline; /* ascending by second */
    size_t n_timeline, cap_timeline;
    struct metrics_scalars scalars; /* used only when hist is empty and
                                       the document was imported */
    /* Timing breakdown (us), NULL until the first value: connection setup
     * (TCP connect, once per new connection), TLS handshake (once per new
     * https connection) and time to the first response byte. */
    struct metrics_hist *connect_hist, *tls_hist, *ttfb_hist;
    /* streamed responses (metrics_stream_*); NULL: not a streaming
     * endpoint */
    struct metrics_stream *stream;
    /* A finer timeline for short runs (the verdict's windows), next to the
     * per-second one: points of fine_ms milliseconds, whose `second` holds
     * the slot (Unix milliseconds / fine_ms).  fine_ms 0: none.  It counts
     * only when it holds every request (metrics_endpoint_fine_complete). */
    struct metrics_point *fine;
    size_t n_fine, cap_fine;
    unsigned fine_ms;
};

/* Longest fine timeline slot; a divisor of 1000. */
#define METRICS_FINE_MAX_MS 500

/**
 * Records one completed request of ep.
 * second: Unix second the request completed in (selects the timeline
 * point, appended or found); latency_us: its latency, recorded only when
 * has_latency (a request that got no response has none); status: the HTTP
 * status or 0; err: its error class or METRICS_ERR_NONE for success.
 * Returns 0 or METRICS_ENOMEM.
 */
int metrics_endpoint_record(struct metrics_endpoint *ep, int64_t second,
                            bool has_latency, uint64_t latency_us, int status,
                            enum metrics_errclass err);
/**
 * Records one completed request of ep into its fine timeline as well (runs
 * shorter than 60 s; metrics_endpoint_record() still records it): unix_ms
 * is when it completed, interval_ms the slot length (a divisor of 1000 from
 * 10 to METRICS_FINE_MAX_MS, the same for every call on ep; another one is
 * ignored).  has_latency, latency_us and err as for
 * metrics_endpoint_record().  Returns 0 or METRICS_ENOMEM.
 */
int metrics_endpoint_record_fine(struct metrics_endpoint *ep, int64_t unix_ms,
                                 unsigned interval_ms, bool has_latency,
                                 uint64_t latency_us,
                                 enum metrics_errclass err);
/** True when ep has a fine timeline holding every one of its requests and
 * latencies (so windows built from it see the whole run). */
bool metrics_endpoint_fine_complete(const struct metrics_endpoint *ep);
/**
 * Records the timing breakdown of one request of ep, in microseconds;
 * 0 means not measured (a reused connection has no connect or TLS time).
 * Returns 0 or METRICS_ENOMEM.
 */
int metrics_endpoint_record_timing(struct metrics_endpoint *ep,
                                   uint64_t connect_us, uint64_t tls_us,
                                   uint64_t ttfb_us);
/** Counts one answer of a gRPC endpoint by its grpc-status code (0..16;
 * another code is ignored).  The error class is recorded as for any
 * request, by metrics_endpoint_record(). */
void metrics_endpoint_record_grpc(struct metrics_endpoint *ep, int code);
/** The canonical name of gRPC status code ("OK", "UNAVAILABLE", ...), or
 * NULL outside 0..16. */
const char *metrics_grpc_status_name(int code);
/** Inverse of metrics_grpc_status_name(); -1 when unknown. */
int metrics_grpc_status_parse(const char *name);
/** Adds src's counts, histograms and timeline (aligned on seconds) into
 * dst; fine timelines of the same fine_ms are aligned on slots (another
 * fine_ms leaves dst's fine timeline incomplete).  Returns 0,
 * METRICS_ERANGE (a count would exceed METRICS_COUNT_MAX; dst is then
 * unchanged) or METRICS_ENOMEM. */
int metrics_endpoint_merge(struct metrics_endpoint *dst,
                           const struct metrics_endpoint *src);
/** "GET /api/health" into buf (always NUL-terminated). */
void metrics_endpoint_name(const struct metrics_endpoint *ep, char *buf,
                           size_t len);
/** Frees an endpoint made by metrics_results_aggregate(); NULL no-op. */
void metrics_endpoint_free(struct metrics_endpoint *ep);

/* ---- streamed responses ------------------------------------------------ */

/** Makes ep a streaming endpoint (ep->stream, once): rule says how its
 * tokens are counted, slo_ttft_ms and slo_tpot_ms (0: none) what a good
 * stream meets.  Returns 0 or METRICS_ENOMEM. */
int metrics_stream_declare(struct metrics_endpoint *ep, const char *rule,
                           double slo_ttft_ms, double slo_tpot_ms);
/** Records one event's timing, in the second it arrived: first, gap_us is
 * the stream's time to first token (TTFT), else the inter-token gap (ITL)
 * since the last token event.  Returns 0 or METRICS_ENOMEM. */
int metrics_stream_gap(struct metrics_endpoint *ep, int64_t second, bool first,
                       uint64_t gap_us);

/* How one stream ended. */
struct metrics_stream_end {
    uint64_t events, tokens;
    bool has_tpot, has_rate;
    uint64_t tpot_us, rate_mtps;
    bool error;      /* a stream error (cut, malformed) */
    bool good;       /* ended well within the SLOs */
    bool from_usage; /* tokens came from the usage pointer */
};

/** Records one ended stream in the second it ended.  Returns 0 or
 * METRICS_ENOMEM. */
int metrics_stream_end(struct metrics_endpoint *ep, int64_t second,
                       const struct metrics_stream_end *s);
/** Adds src into *dst (created when NULL; the rule and SLOs are taken
 * when dst has none).  Returns 0 or METRICS_ENOMEM. */
int metrics_stream_merge(struct metrics_stream **dst,
                         const struct metrics_stream *src);
/** Frees s and what it owns; NULL is a no-op. */
void metrics_stream_free(struct metrics_stream *s);

/* ---- results document ------------------------------------------------ */

#define METRICS_SCHEMA "loadgate/results/v1"

struct metrics_meta {
    char *loadgate_version;
    char *profile_sha256; /* hash of the normalised profile, hex */
    char *profile_name;   /* profile file stem, e.g. "checkout" */
    char *git_sha, *git_branch, *host;
    int cpus;
    char *model;  /* "closed" or "open" */
    char *shard;  /* "1/4" or NULL */
    char *run_id; /* the CI run a shard belongs to ("github-123",
                     LOADGATE_RUN_ID), or NULL when none was known */
    char *source; /* "loadgate", "locust", "k6", "jmeter" */
    double warmup_s;
    double target_rps; /* open model target; 0 for closed */
    double achieved_rps;
    bool saturated; /* the load generator could not keep up */
    /* open model: measured arrivals sent more than 10 ms after their
     * scheduled time (late), and arrivals never sent because every
     * max_in_flight slot was busy (dropped); 0 in the closed model */
    uint64_t late, dropped;
};

/* A threshold as the profile (or --threshold) wrote it, carried by the
 * results so that a later gate or report judges the run with its own
 * checks.  Every string may be NULL except check. */
struct metrics_threshold {
    char *check;      /* "p95 < baseline + 10%" */
    char *endpoint;   /* NULL: every endpoint and the whole run */
    char *severity;   /* "warn" or "error"; NULL: not given (error) */
    char *min_effect; /* as written ("5ms"); NULL: not given */
    double for_s;     /* for: sustained this long; 0: whole-run check */
    bool abort_run;   /* abort: true */
    char *file;       /* the profile it comes from; NULL: --threshold */
    int line, col;    /* its position there; 0 when unknown */
};

struct metrics_results {
    char *baseline_id; /* name when promoted to a baseline; may be NULL */
    char *timestamp; /* start of the measured window, "2026-01-01T12:00:00Z" */
    int64_t start_second; /* Unix second of the measured window's start */
    double duration_s;    /* length of the measured window */
    uint64_t concurrent_users;
    bool partial; /* interrupted: what was measured until then */
    struct metrics_meta meta;
    /* An imported run's own numbers for the whole run (Locust's Aggregated
     * row): summary-only endpoints cannot be merged into percentiles, so
     * the whole run (ALL) takes its times from here.  Not present for
     * runs with histograms. */
    struct metrics_scalars whole_run;
    struct metrics_endpoint **endpoints; /* in order of first appearance */
    size_t n_endpoints, cap_endpoints;
    char **recommendations;
    size_t n_recommendations, cap_recommendations;
    /* the thresholds the run was judged with ("thresholds" in the JSON;
     * absent in older documents) */
    struct metrics_threshold *thresholds;
    size_t n_thresholds;
};

/** New empty document.  Returns 0 or METRICS_ENOMEM. */
int metrics_results_new(struct metrics_results **out);
/** Frees r and everything it owns; NULL is a no-op. */
void metrics_results_free(struct metrics_results *r);

/**
 * Finds the endpoint (method, path); when absent and create is true, adds
 * it.  Returns a pointer owned by r (valid until r is freed), or NULL when
 * absent (create false) or out of memory.
 */
struct metrics_endpoint *metrics_results_endpoint(struct metrics_results *r,
                                                  const char *method,
                                                  const char *path,
                                                  bool create);
/** Finds an endpoint by its display name "GET /api/health"; NULL if none. */
const struct metrics_endpoint *
metrics_results_find(const struct metrics_results *r, const char *name);
/** Appends a copy of text.  Returns 0 or METRICS_ENOMEM. */
int metrics_results_add_recommendation(struct metrics_results *r,
                                       const char *text);
/** Replaces r's thresholds with copies of t[0..n) (t may alias them).
 * Returns 0 or METRICS_ENOMEM (r unchanged). */
int metrics_results_set_thresholds(struct metrics_results *r,
                                   const struct metrics_threshold *t, size_t n);
/** Copies src into dst (strings duplicated).  Returns 0 or
 * METRICS_ENOMEM (dst then owns nothing). */
int metrics_threshold_copy(struct metrics_threshold *dst,
                           const struct metrics_threshold *src);
/** Frees what t owns (not t itself); NULL is a no-op. */
void metrics_threshold_release(struct metrics_threshold *t);
/* The largest count a results document holds: 2^53, exact in a double
 * and in every JSON reader.  A document with a larger (or a negative)
 * count is corrupt, and a merge that would exceed it is refused. */
#define METRICS_COUNT_MAX (UINT64_C(1) << 53)

/** Sum of requests over every endpoint. */
uint64_t metrics_results_total_requests(const struct metrics_results *r);
/** Sum of errors over every endpoint. */
uint64_t metrics_results_total_errors(const struct metrics_results *r);
/**
 * The whole run as one endpoint (method "ALL", path "ALL"): histograms,
 * counts, classes and timelines of every endpoint merged; the summary
 * numbers of r->whole_run when present.  *out is owned by the caller
 * (metrics_endpoint_free).  Returns 0, METRICS_ERANGE (the endpoints'
 * counts add up beyond METRICS_COUNT_MAX, which a parsed document never
 * does) or METRICS_ENOMEM.
 */
int metrics_results_aggregate(const struct metrics_results *r,
                              struct metrics_endpoint **out);
/** Merges src into dst (threads, repeats): endpoints matched by name,
 * counts, histograms, timelines (aligned on seconds), users, late and
 * dropped added, duration the union of both windows.  Returns 0,
 * METRICS_EMISMATCH (different profile hashes), METRICS_ERANGE (a sum
 * would exceed METRICS_COUNT_MAX; dst is then unchanged) or ENOMEM. */
int metrics_results_merge(struct metrics_results *dst,
                          const struct metrics_results *src);

/** Parses a shard "I/N" (1 <= I <= N <= 100000).  Returns 0 or -1. */
int metrics_shard_parse(const char *s, unsigned *index, unsigned *count);

/* A flag of metrics_results_merge_runs(): merge runs that are not one
 * run's shards. */
#define METRICS_MERGE_FORCE 0x1u

/* What metrics_results_merge_runs() found. */
struct metrics_merge_info {
    size_t culprit;   /* on an error: the input at fault */
    bool overridable; /* the refusal is one METRICS_MERGE_FORCE lifts */
    bool forced;      /* merged only thanks to METRICS_MERGE_FORCE: errbuf
                         says what it overrode */
    unsigned shards_of, shards_have; /* N of one run's shards, and how many
                                        distinct ones were merged; 0, 0
                                        when forced or a single non-shard */
};

/**
 * Merges the shards of one run, in[0..n-1], into in[0] (`loadgate merge`).
 * Shards of one run (each refusal names the input, by names[k] when given):
 * every input carries meta.shard I/N with the same N and a distinct I, the
 * same profile_sha256, the same meta.run_id where both carry one, and the
 * measured windows [start_second, + duration_s] all overlap: shards that
 * did not run at the same time never added their load up.  A single input
 * is merged as it is.
 * METRICS_MERGE_FORCE merges inputs that fail these tests (not a different
 * profile); the measured windows are then grouped where they overlap, the
 * duration is the sum of the groups' spans (the gaps between runs are left
 * out, so rps stays right), and users and rates add up within a group and
 * are weighted by span across groups.  For one run's shards that is one
 * group: the union of the windows, users and rates summed.
 * Returns 0, METRICS_EMISMATCH (not one run's shards, or another profile;
 * info says which input and whether force lifts it), METRICS_ERANGE (a
 * count would exceed METRICS_COUNT_MAX), METRICS_EINVAL (n == 0) or
 * METRICS_ENOMEM; errbuf says why (and, when info->forced, what was
 * overridden).  On an error in[0] may hold part of the merge.
 */
int metrics_results_merge_runs(struct metrics_results **in,
                               const char *const *names, size_t n,
                               unsigned flags, struct metrics_merge_info *info,
                               char *errbuf, size_t errlen);

/* The statistics a threshold can name. */
#define METRICS_STAT_MAP(X)                                                    \
    X(P50, "p50", "ms")                                                        \
    X(P75, "p75", "ms")                                                        \
    X(P90, "p90", "ms")                                                        \
    X(P95, "p95", "ms")                                                        \
    X(P99, "p99", "ms")                                                        \
    X(P999, "p99.9", "ms")                                                     \
    X(AVG, "avg", "ms")                                                        \
    X(MIN, "min", "ms")                                                        \
    X(MAX, "max", "ms")                                                        \
    X(RPS, "rps", "/s")                                                        \
    X(ERROR_RATE, "error_rate", "%")                                           \
    X(ERRORS, "errors", "")                                                    \
    X(REQUESTS, "requests", "")

enum metrics_stat {
#define METRICS_X(name, str, unit) METRICS_STAT_##name,
    METRICS_STAT_MAP(METRICS_X)
#undef METRICS_X
        METRICS_STAT__COUNT
};

/** "p95", "error_rate", ...; NULL when out of range. */
const char *metrics_stat_name(enum metrics_stat s);
/** Parses a statistic name; -1 when unknown. */
int metrics_stat_parse(const char *name);
/** True for statistics measured in time (p*, avg, min, max). */
bool metrics_stat_is_time(enum metrics_stat s);
/** The percentile a statistic names (95 for P95), or -1 for others. */
double metrics_stat_percentile(enum metrics_stat s);

/**
 * The value of statistic s for ep in run r (rps needs r's duration).
 * Times in ms, error_rate as a fraction.  Returns 0, or METRICS_ENODATA
 * when ep has no samples for it (an empty histogram, or an imported
 * document without that percentile).
 */
int metrics_value(const struct metrics_results *r,
                  const struct metrics_endpoint *ep, enum metrics_stat s,
                  double *out);

/*
 * The series a threshold can prefix or name beyond the latency: the
 * streaming statistics.  ttft, itl and tpot take a time statistic
 * ("ttft p95", "itl avg"); goodput and tokens_per_s are rates (stat RPS:
 * good streams, tokens per second of the measured window); stream_errors
 * a count (stat ERRORS).
 */
#define METRICS_SERIES_MAP(X)                                                  \
    X(LATENCY, "latency")                                                      \
    X(TTFT, "ttft")                                                            \
    X(ITL, "itl")                                                              \
    X(TPOT, "tpot")                                                            \
    X(GOODPUT, "goodput")                                                      \
    X(TOKENS_PER_S, "tokens_per_s")                                            \
    X(STREAM_ERRORS, "stream_errors")

enum metrics_series {
#define METRICS_X(name, str) METRICS_SERIES_##name,
    METRICS_SERIES_MAP(METRICS_X)
#undef METRICS_X
        METRICS_SERIES__COUNT
};

/** "ttft", "goodput", ...; NULL when out of range. */
const char *metrics_series_name(enum metrics_series s);
/** Parses a series name of len bytes; -1 when unknown. */
int metrics_series_parse(const char *name, size_t len);
/** True for the series of times (ttft, itl, tpot; latency too). */
bool metrics_series_is_time(enum metrics_series s);
/** The statistic a rate or count series stands for (RPS for goodput and
 * tokens_per_s, ERRORS for stream_errors); -1 for the time series. */
int metrics_series_stat(enum metrics_series s);

/**
 * ep seen as a plain endpoint of series s, so that whatever reads
 * latencies and requests reads the series instead: for ttft, itl and tpot
 * its histograms (the endpoint's and every second's) are the series'; for
 * goodput its requests are the good streams, for tokens_per_s the tokens;
 * for stream_errors its errors are the stream errors (requests stay).
 * The other fields are those of ep (counts, method, path).  *out is owned
 * by the caller (metrics_endpoint_free).  Returns 0, METRICS_EINVAL (s is
 * latency or out of range) or METRICS_ENOMEM.
 */
int metrics_series_view(const struct metrics_endpoint *ep,
                        enum metrics_series s, struct metrics_endpoint **out);
/**
 * metrics_value() of statistic stat on series s of ep (s latency: the
 * same as metrics_value()).  Times in ms; goodput and tokens_per_s per
 * second of r's window (stat is ignored for them and stream_errors).
 * Returns 0 or METRICS_ENODATA (not a streaming endpoint, no value yet).
 */
int metrics_series_value(const struct metrics_results *r,
                         const struct metrics_endpoint *ep,
                         enum metrics_series s, enum metrics_stat stat,
                         double *out);
/** True when any endpoint of r has streamed responses. */
bool metrics_results_has_streams(const struct metrics_results *r);

/**
 * Serialises r as the results JSON (README, "Reports") (schema, baseline_id,
 * timestamp, test_duration_seconds, total_requests, concurrent_users,
 * partial, meta, summary, metrics[] with histogram and timeline,
 * recommendations).  *out is malloc'd, NUL-terminated; caller frees.
 * Returns 0 or METRICS_ENOMEM.
 */
int metrics_results_dump(const struct metrics_results *r, char **out);
/**
 * Parses a results document.  Unknown fields are ignored; a wrong schema,
 * missing required fields or a corrupt histogram is METRICS_ESCHEMA, bad
 * JSON METRICS_EPARSE; errbuf then says what and where (line:column for
 * JSON syntax errors).
 */
int metrics_results_parse(const char *text, size_t len,
                          struct metrics_results **out, char *errbuf,
                          size_t errlen);
/** metrics_results_dump() written atomically to path (temp file in the
 * same folder, fsync, rename).  Returns 0, METRICS_EIO (errbuf has the
 * system's reason) or METRICS_ENOMEM. */
int metrics_results_save(const struct metrics_results *r, const char *path,
                         char *errbuf, size_t errlen);
/** Reads and parses path; errors as metrics_results_parse(), plus
 * METRICS_EIO when it cannot be read (errbuf prefixed with the path). */
int metrics_results_load(const char *path, struct metrics_results **out,
                         char *errbuf, size_t errlen);

/* ---- small shared utilities ------------------------------------------ */

/** Writes len bytes to path atomically: a temporary file beside it, fsync,
 * rename.  On failure nothing at path changes.  Returns 0 or METRICS_EIO
 * (errno is kept). */
int metrics_write_atomic(const char *path, const void *data, size_t len);
/** Reads f to its end into a malloc'd buffer, NUL-terminated (*len
 * without the NUL); the caller opens and closes f.  Returns 0;
 * METRICS_ERANGE when f holds more than max bytes (SIZE_MAX: no limit; it
 * reads at most max + 1); METRICS_EIO when a read fails (errno is kept);
 * METRICS_ENOMEM.  *out is NULL on failure. */
int metrics_read_all(FILE *f, size_t max, char **out, size_t *len);
/** SHA-256 of data as 64 lowercase hex digits plus NUL. */
void metrics_sha256_hex(const void *data, size_t len, char out[65]);
/** "2026-01-01T12:00:00Z" for a Unix time, into buf (>= 21 bytes). */
void metrics_format_utc(int64_t unix_seconds, char *buf, size_t len);

#ifdef __cplusplus
}
#endif
#endif
