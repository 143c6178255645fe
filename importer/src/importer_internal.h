/*
 * importer: declarations shared between the module's files and its tests.
 */
#ifndef LOADGATE_IMPORTER_INTERNAL_H
#define LOADGATE_IMPORTER_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "importer.h"
#include "metrics.h"

#if defined(__GNUC__)
#define IMPORTER__PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define IMPORTER__PRINTF(f, a)
#endif

/* Where error messages go: "name:line[:col]: message". */
struct importer__err {
    const char *name; /* file name for messages, never NULL */
    char *buf;        /* may be NULL */
    size_t len;
};

/** Writes "name:line:col: message" (col 0: omitted, line 0: both omitted)
 * into e's buffer.  Returns IMPORTER_EPARSE for convenience. */
int importer__errorf(const struct importer__err *e, size_t line, size_t col,
                     const char *fmt, ...) IMPORTER__PRINTF(4, 5);

/* ---- CSV (RFC 4180: quoted fields with "" for a quote, CRLF or LF) ---- */

struct importer__csv {
    const char *text;
    size_t len, pos;
    size_t line;        /* physical line of pos, 1-based */
    size_t record_line; /* line the current record started on */
    /* the current record: n fields, each NUL-terminated in buf */
    char *buf;
    size_t buf_len, buf_cap;
    size_t *offs;
    char **fields;
    size_t n, cap;
};

/** Starts reading text (a UTF-8 byte order mark is skipped). */
void importer__csv_init(struct importer__csv *c, const char *text, size_t len);
/** Frees what the reader allocated. */
void importer__csv_release(struct importer__csv *c);
/**
 * Reads the next record (blank lines are skipped) into c->fields[0..n).
 * Returns 1 for a record, 0 at the end, IMPORTER_EPARSE (message in e:
 * unterminated quote, text after a closing quote, NUL byte) or
 * IMPORTER_ENOMEM.
 */
int importer__csv_next(struct importer__csv *c, const struct importer__err *e);
/** importer__csv_init() and the first record (the header line, or a
 * headerless file's first row) into c->fields: 0, an EPARSE "empty file:
 * expected EXPECTED" when there is none, or importer__csv_next()'s error.
 * Release c whatever it returns. */
int importer__csv_first(struct importer__csv *c, const char *text, size_t len,
                        const struct importer__err *e, const char *expected);
/** Index of the current record's field equal to name (used on a header
 * record), or -1. */
int importer__csv_column(const struct importer__csv *c, const char *name);

/* ---- numbers and names ----------------------------------------------- */

/** Whole field is a finite decimal number (surrounding blanks allowed). */
bool importer__parse_double(const char *s, double *out);
/** Whole field is a non-negative integer that fits in uint64_t. */
bool importer__parse_u64(const char *s, uint64_t *out);
/** Whole field is an integer (may be negative) that fits in int64_t. */
bool importer__parse_i64(const char *s, int64_t *out);
/**
 * Splits "GET /x" into method "GET" and path "/x" when the label starts
 * with an HTTP method (GET HEAD POST PUT DELETE PATCH OPTIONS TRACE
 * CONNECT, then blanks, then a non-empty rest);
 * otherwise method = fallback and path = the label.  *method and *path
 * point into label or at fallback, with *method_len the method's length.
 */
void importer__split_label(const char *label, const char *fallback,
                           const char **method, size_t *method_len,
                           const char **path);
/** metrics_results_endpoint() for a label split as above.  NULL on out of
 * memory. */
struct metrics_endpoint *importer__endpoint(struct metrics_results *r,
                                            const char *label,
                                            const char *fallback);

/* ---- what several formats share (importer.c) --------------------------- */

/* Endpoints an import may create: a URL with a unique query string per
 * request is not an endpoint, and would make the document as large as
 * the input. */
#define IMPORTER__MAX_ENDPOINTS 10000

/** metrics_results_endpoint(r, method, path) with "HTTP" for a NULL or
 * empty method and the path of an absolute URL ("http://h:8/x?q" ->
 * "/x?q"); an EPARSE naming `line` past IMPORTER__MAX_ENDPOINTS,
 * ENOMEM.  *out is owned by r. */
int importer__endpoint_at(struct metrics_results *r,
                          const struct importer__err *e, size_t line,
                          const char *method, const char *path,
                          struct metrics_endpoint **out);
/** importer__endpoint_at() for a label "GET /x" (importer__split_label,
 * method "HTTP" when the label starts with none). */
int importer__endpoint_label(struct metrics_results *r,
                             const struct importer__err *e, size_t line,
                             const char *label, struct metrics_endpoint **out);
/** The path of an absolute URL (after scheme://host[:port]; "/" when
 * there is none), or url itself. */
const char *importer__url_path(const char *url);
/** The error class of a response with this status: http_5xx for 5xx,
 * unexpected_status for 4xx, METRICS_ERR_NONE below 400. */
enum metrics_errclass importer__status_class(int status);
/** RFC 3339 ("2026-01-02T03:04:05.123456789+01:00", "Z", or no zone:
 * UTC) as microseconds since 1970, between the years 1970 and 9999. */
bool importer__parse_time(const char *s, int64_t *us);

/* The measured window of a per-request run: from the first request's
 * start to the last one's end, in microseconds since 1970 (or since the
 * run's start when the source has no clock: relative). */
struct importer__window {
    int64_t first_us, last_us;
    bool relative;
};

void importer__window_init(struct importer__window *w, bool relative);
/**
 * Records one request of ep that started at start_us and took latency_us
 * (has_latency false: it got no response and has no latency) into the
 * timeline second it ended in, with its status (0: none) and error class
 * (METRICS_ERR_NONE for a success).  Returns 0 or IMPORTER_ENOMEM.
 */
int importer__record(struct importer__window *w, struct metrics_endpoint *ep,
                     int64_t start_us, bool has_latency, uint64_t latency_us,
                     int status, enum metrics_errclass err);
/** r's start second and timestamp ("2026-01-02T03:04:05Z").  Returns 0
 * or IMPORTER_ENOMEM. */
int importer__set_start(struct metrics_results *r, int64_t unix_second);
/** importer__set_start() from an RFC 3339 time; nothing is set when time
 * is NULL or not one (a summary's start is informative). */
int importer__set_start_time(struct metrics_results *r, const char *time);
/** r's start, duration and timestamp (none when relative) from w.
 * Returns 0 or IMPORTER_ENOMEM. */
int importer__window_finish(const struct importer__window *w,
                            struct metrics_results *r);

/* Counts of a whole run (or of the part of it the endpoints leave out). */
struct importer__counts {
    uint64_t requests, errors;
    uint64_t err_class[METRICS_ERR__COUNT];
    uint64_t status[METRICS_STATUS_MAX];
};

/**
 * A summary-only source's whole run: its counts and times (s).  ALL sums
 * the endpoints' counts, so when no endpoint has requests the whole run
 * becomes endpoint "HTTP <path>", and what the endpoints leave out becomes
 * endpoint "HTTP (other requests)", with counts and no times.  r->whole_run
 * gets s. Returns 0, IMPORTER_ENOMEM, or EPARSE when the endpoints count more
 * requests or failures than the whole run.
 */
int importer__whole_run(struct metrics_results *r,
                        const struct importer__err *e,
                        const struct importer__counts *all,
                        const struct metrics_scalars *s, const char *path);

/** v as a finite number >= 0: an EPARSE "WHAT: expected a number >= 0"
 * otherwise. */
int importer__json_number(const struct importer__err *e, json_t *v,
                          const char *what, double *out);
/** v as a whole count (up to 2^53): "WHAT: expected a whole count". */
int importer__json_whole(const struct importer__err *e, json_t *v,
                         const char *what, uint64_t *out);
/** A number member key of obj: absent or null leaves *has false; a value
 * that is not a finite number >= 0 is an EPARSE "WHERE.key: expected a
 * number >= 0" (where as given, e.g. "metrics[\"http_reqs\"]"; "" for
 * the document's own members). */
int importer__json_num(const struct importer__err *e, json_t *obj,
                       const char *where, const char *key, bool *has,
                       double *out);
/** importer__json_num() for a whole count (up to 2^53). */
int importer__json_count(const struct importer__err *e, json_t *obj,
                         const char *where, const char *key, bool *has,
                         uint64_t *out);

/* A member that holds a latency statistic, and the field of struct
 * metrics_scalars it fills: IMPORTER__SCALAR("p(95)", p95). */
struct importer__scalar {
    const char *key;
    size_t has, value; /* offsets of has_<f> and <f>_ms */
};
#define IMPORTER__SCALAR(key, f)                                               \
    {                                                                          \
        (key), offsetof(struct metrics_scalars, has_##f),                      \
            offsetof(struct metrics_scalars, f##_ms)                           \
    }

/** The members keys[0..n) of obj, each an optional number >= 0 read by
 * importer__json_num() (same messages), into s (zeroed first), divided by
 * per_ms (1: the tool writes milliseconds; 1e6: nanoseconds).  A key for a
 * statistic an earlier key filled is a fallback, used only when that one
 * was absent (Artillery's "median" after "p50").  s->present when any
 * was there. */
int importer__json_scalars(const struct importer__err *e, json_t *obj,
                           const char *where,
                           const struct importer__scalar *keys, size_t n,
                           double per_ms, struct metrics_scalars *s);
/** json_loadb() with duplicate keys refused; an EPARSE with jansson's
 * line and column (offset by first_line - 1) otherwise. */
int importer__json_load(const struct importer__err *e, const char *text,
                        size_t len, size_t first_line, json_t **out);

/* ---- JMeter: the samples of a run, whatever the file's format -------- */

/* The values of one JMeter sample, as text (CSV fields, XML attributes). */
enum importer__jm_field {
    IMPORTER__JM_TIMESTAMP, /* ms since 1970, when the sample started */
    IMPORTER__JM_ELAPSED,   /* ms */
    IMPORTER__JM_LABEL,
    IMPORTER__JM_CODE,    /* "200" or "Non HTTP response code: ..." */
    IMPORTER__JM_MESSAGE, /* "OK" or "Non HTTP response message: ..." */
    IMPORTER__JM_SUCCESS, /* "true" or "false" */
    IMPORTER__JM_GRP_THREADS,
    IMPORTER__JM_ALL_THREADS,
    IMPORTER__JM__COUNT
};

/* Their names in the CSV header, which messages use for every format. */
extern const char *const importer__jm_names[IMPORTER__JM__COUNT];

/* A JMeter run being imported into r. */
struct importer__jm {
    struct metrics_results *r;
    struct importer__window window;
    uint64_t users;
};

/** Starts importing a JMeter run into r. */
void importer__jm_init(struct importer__jm *jm, struct metrics_results *r);
/**
 * Records one sample; v[k] is NULL for a value the file does not have
 * (CODE, MESSAGE and the thread counts are optional).  Returns 0,
 * IMPORTER_ENOMEM, or IMPORTER_EPARSE with *bad the field that is not
 * valid and *expected what it should be ("milliseconds"); the caller
 * writes the message, naming the field as its format does.
 */
int importer__jm_sample(struct importer__jm *jm,
                        const char *const v[IMPORTER__JM__COUNT],
                        enum importer__jm_field *bad, const char **expected);
/** Sets r's window, timestamp and users once every sample is recorded.
 * Returns 0 or IMPORTER_ENOMEM. */
int importer__jm_finish(struct importer__jm *jm);
/** JMeter's XML JTL (<testResults>) into jm: libxml2, streaming, no
 * network, no DTD (a document with one is refused), no entity
 * expansion. */
int importer__jmeter_xml(const char *text, size_t len,
                         const struct importer__err *e,
                         struct importer__jm *jm);

/* ---- the formats ------------------------------------------------------ */

int importer__locust(const char *text, size_t len,
                     const struct importer__err *e, struct metrics_results *r);
int importer__k6(const char *text, size_t len, const struct importer__err *e,
                 struct metrics_results *r);
int importer__jmeter(const char *text, size_t len,
                     const struct importer__err *e, struct metrics_results *r);
/* k6 --out json (NDJSON of Metric and Point lines) */
int importer__k6_points(const char *text, size_t len,
                        const struct importer__err *e,
                        struct metrics_results *r);
int importer__artillery(const char *text, size_t len,
                        const struct importer__err *e,
                        struct metrics_results *r);
int importer__autocannon(const char *text, size_t len,
                         const struct importer__err *e,
                         struct metrics_results *r);
/* simulation.log, or js/stats.json when text is a JSON object */
int importer__gatling(const char *text, size_t len,
                      const struct importer__err *e, struct metrics_results *r);
/* JSON lines of `vegeta encode`, or `vegeta report -type=json` */
int importer__vegeta(const char *text, size_t len,
                     const struct importer__err *e, struct metrics_results *r);
int importer__wrk(const char *text, size_t len, const struct importer__err *e,
                  struct metrics_results *r);
int importer__hey(const char *text, size_t len, const struct importer__err *e,
                  struct metrics_results *r);

/* Text read line by line (LF or CRLF; a UTF-8 byte order mark skipped),
 * each line NUL-terminated in buf. */
struct importer__lines {
    const char *text;
    size_t len, pos;
    size_t line; /* of buf, 1-based */
    char *buf;   /* the current line */
    size_t n, cap;
};

void importer__lines_init(struct importer__lines *l, const char *text,
                          size_t len);
/** The next line into l->buf (l->n bytes): 1, 0 at the end, an EPARSE
 * for a NUL byte in it, or IMPORTER_ENOMEM. */
int importer__lines_next(struct importer__lines *l,
                         const struct importer__err *e);
void importer__lines_release(struct importer__lines *l);

/** Calls fn(ctx, value, line) for each non-blank line of text, parsed as
 * JSON (an EPARSE with its line and column when it is not); stops at the
 * first non-zero return of fn and returns it. */
typedef int (*importer__line_fn)(void *ctx, json_t *v, size_t line);
int importer__json_lines(const char *text, size_t len,
                         const struct importer__err *e, importer__line_fn fn,
                         void *ctx);

/** The first JSON value of text (its first line of JSON lines, or the
 * whole document), NULL when text does not start with one.  The caller
 * json_decref()s it. */
json_t *importer__json_first(const char *text, size_t len);
/** A line of k6's --out json: {"type":"Point"|"Metric","metric":...}. */
bool importer__is_k6_line(json_t *v);
/** A line of `vegeta encode`: {"code":..,"timestamp":..,"latency":..}. */
bool importer__is_vegeta_result(json_t *v);

/** The first non-blank byte of text (after a UTF-8 byte order mark), or
 * '\0' when there is none. */
char importer__first_char(const char *text, size_t len);

#endif
