/* Private to the metrics module and its unit tests. */
#ifndef LOADGATE_METRICS_INTERNAL_H
#define LOADGATE_METRICS_INTERNAL_H

#include "metrics.h"

/* Histogram bucket arithmetic (metrics_hist.c). */
uint32_t metrics__bucket_index(uint64_t v);
uint64_t metrics__bucket_low(uint32_t idx);
uint64_t metrics__bucket_mid(uint32_t idx);
uint32_t metrics__bucket_max_index(void);
/* The exact sum of the recorded values (metrics_hist_add refuses to wrap
 * it). */
uint64_t metrics__hist_sum(const struct metrics_hist *h);

/* strdup that keeps NULL. */
char *metrics__strdup(const char *s);
/* The strings of an X-macro map (METRICS_ERRCLASS_MAP, ..._SERIES_MAP;
 * METRICS__NAME3 for METRICS_STAT_MAP) as the entries of a name table. */
#define METRICS__NAME2(name, str) str,
#define METRICS__NAME3(name, str, unit) str,
/* names[i] of a table of n names, NULL out of range. */
const char *metrics__name_at(const char *const *names, int n, int i);
/* The index of the len bytes at name in a table of n names; -1 when none
 * (or name is NULL). */
int metrics__name_index(const char *const *names, int n, const char *name,
                        size_t len);

/* printf into a caller's error buffer (NULL or 0 bytes: nothing): the
 * metrics files' name for loadgate_errorf(). */
#define metrics__errorf loadgate_errorf

/* Frees everything an endpoint owns, not the endpoint itself. */
void metrics__endpoint_release(struct metrics_endpoint *ep);

/* Time statistic s (a percentile, avg, min or max) of a non-empty
 * histogram of microseconds, in ms. */
double metrics__hist_stat(const struct metrics_hist *h, enum metrics_stat s);

/* The timeline point of ep for second, appended or inserted in order;
 * NULL when out of memory (metrics_results.c). */
struct metrics_point *metrics__timeline_point(struct metrics_endpoint *ep,
                                              int64_t second);

/* A stream's JSON object (metrics_stream.c): an endpoint's (with its rule,
 * SLOs and the headline numbers over r's window) or a timeline point's
 * (point).  *ok goes false on a failure. */
struct json_t;
struct json_t *metrics__stream_json(const struct metrics_results *r,
                                    const struct metrics_stream *s, bool point,
                                    bool *ok);
/* Parses what metrics__stream_json() wrote into *out.  Returns 0,
 * METRICS_ESCHEMA (errbuf says what, prefixed with where) or
 * METRICS_ENOMEM. */
int metrics__stream_parse(struct json_t *v, struct metrics_stream **out,
                          bool point, const char *where, char *errbuf,
                          size_t errlen);

#endif
