/*
 * importer: declarations shared between the module's files and its tests.
 */
#ifndef LOADGATE_IMPORTER_INTERNAL_H
#define LOADGATE_IMPORTER_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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
    int64_t first_ms, last_ms;
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

#endif
