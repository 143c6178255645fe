#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "compare_fixture.h"

void cfx_add(struct metrics_results *r, const char *method, const char *path,
             size_t n, double latency_ms, size_t failed) {
    struct metrics_endpoint *ep =
        metrics_results_endpoint(r, method, path, true);

    assert_non_null(ep);
    for (size_t i = 0; i < n; i++) {
        bool bad = i < failed;
        /* spread over the window's seconds, like a real run */
        assert_int_equal(
            metrics_endpoint_record(
                ep, CFX_START + (int64_t)(i % (size_t)CFX_DURATION), true,
                (uint64_t)(latency_ms * 1000.0 + 0.5), bad ? 500 : 200,
                bad ? METRICS_ERR_HTTP_5XX : METRICS_ERR_NONE),
            0);
    }
}

struct metrics_results *cfx_doc(const struct cfx_ep *eps, size_t n) {
    struct metrics_results *r = NULL;

    assert_int_equal(metrics_results_new(&r), 0);
    r->timestamp = strdup("2026-01-01T12:00:00Z");
    assert_non_null(r->timestamp);
    r->start_second = CFX_START;
    r->duration_s = CFX_DURATION;
    r->concurrent_users = 10;
    for (size_t i = 0; i < n; i++)
        cfx_add(r, eps[i].method, eps[i].path, eps[i].n, eps[i].latency_ms,
                eps[i].failed);
    return r;
}

void cfx_threshold(struct compare_threshold *t, const char *expr,
                   const char *endpoint) {
    char err[256] = "";

    if (compare_threshold_parse(expr, endpoint, t, err, sizeof(err)) != 0)
        fail_msg("'%s': %s", expr, err);
}
