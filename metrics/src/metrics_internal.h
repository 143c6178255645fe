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

/* printf into a caller's error buffer (NULL or 0 bytes: nothing): the
 * metrics files' name for loadgate_errorf(). */
#define metrics__errorf loadgate_errorf

/* Frees everything an endpoint owns, not the endpoint itself. */
void metrics__endpoint_release(struct metrics_endpoint *ep);

#endif
