#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gate_fixture.h"
#include "lgtest.h"

void fx_record(struct metrics_endpoint *ep, size_t n, double latency_ms,
               bool failed)
{
    for (size_t i = 0; i < n; i++)
        assert_int_equal(metrics_endpoint_record(
                             ep, FX_START + (int64_t)(i % 10), true,
                             (uint64_t)(latency_ms * 1000.0 + 0.5),
                             failed ? 500 : 200,
                             failed ? METRICS_ERR_HTTP_5XX : METRICS_ERR_NONE),
                         0);
}

struct metrics_results *fx_empty_run(void)
{
    struct metrics_results *r = NULL;

    assert_int_equal(metrics_results_new(&r), 0);
    r->timestamp = strdup("2026-01-01T12:00:00Z");
    assert_non_null(r->timestamp);
    r->start_second = FX_START;
    r->duration_s = 10.0;
    r->concurrent_users = 100;
    r->meta.profile_name = strdup("demo");
    r->meta.profile_sha256 = strdup("ab12");
    assert_non_null(r->meta.profile_name);
    return r;
}

/* fx_run()'s requests: n of ms each to an endpoint, failed or not. */
static const struct {
    const char *method, *path;
    size_t n;
    double ms;
    bool failed;
} fx_requests[] = {
    /* 1000 requests: p50 10 ms, p95 25 ms, p99 50 ms, 100.0 rps */
    {"GET", "/api/health", 500, 10, false},
    {"GET", "/api/health", 450, 25, false},
    {"GET", "/api/health", 40, 50, false},
    {"GET", "/api/health", 10, 80, false},
    /* 200 requests, one failed: p50 50, p95 150, p99 300, 0.50 % */
    {"POST", "/api/agents/{id}/query", 100, 50, false},
    {"POST", "/api/agents/{id}/query", 90, 150, false},
    {"POST", "/api/agents/{id}/query", 7, 300, false},
    {"POST", "/api/agents/{id}/query", 1, 300, true},
    {"POST", "/api/agents/{id}/query", 2, 400, false},
    /* 150 requests at 2.5 ms: one decimal below 10 ms */
    {"GET", "/api/agents", 150, 2.5, false},
    /* a name longer than the 40-column cell */
    {"GET", "/api/organisations/{org}/projects/{project}/settings", 10, 1,
     false},
};

struct metrics_results *fx_run(void)
{
    struct metrics_results *r = fx_empty_run();

    for (size_t i = 0; i < sizeof(fx_requests) / sizeof(fx_requests[0]); i++)
        fx_add(r, fx_requests[i].method, fx_requests[i].path, fx_requests[i].n,
               fx_requests[i].ms, fx_requests[i].failed);
    assert_int_equal(metrics_results_add_recommendation(
                         r, "Performance metrics are within acceptable "
                            "ranges."),
                     0);
    assert_int_equal(metrics_results_add_recommendation(
                         r, "Add a check for GET /api/agents."),
                     0);
    return r;
}

/* A verdict and the thresholds its checks were evaluated with, as
 * compare_evaluate() gives every check one. */
struct fx_verdict {
    struct compare_verdict v; /* first: fx_verdict() hands out &v */
    struct compare_threshold *thresholds;
};

struct compare_verdict *fx_verdict(size_t n)
{
    struct fx_verdict *fv = calloc(1, sizeof(*fv));

    assert_non_null(fv);
    fv->v.checks = calloc(n ? n : 1, sizeof(*fv->v.checks));
    fv->thresholds = calloc(n ? n : 1, sizeof(*fv->thresholds));
    assert_non_null(fv->v.checks);
    assert_non_null(fv->thresholds);
    fv->v.n_checks = n;
    return &fv->v;
}

void fx_check(struct compare_verdict *v, size_t i, const char *endpoint,
              const char *expr, enum compare_status st, const char *type,
              const char *message, const char *detail)
{
    struct compare_check *c = &v->checks[i];

    assert_true(i < v->n_checks);
    c->endpoint = strdup(endpoint);
    c->expr = strdup(expr);
    assert_non_null(c->endpoint);
    assert_non_null(c->expr);
    /* the threshold the check was evaluated with (a test may replace it
     * with its own, or take it away) */
    if (compare_threshold_parse(
            expr, NULL, &((struct fx_verdict *)v)->thresholds[i], NULL, 0) == 0)
        c->threshold = &((struct fx_verdict *)v)->thresholds[i];
    c->status = st;
    c->type = type;
    if (message)
        snprintf(c->message, sizeof(c->message), "%s", message);
    if (detail)
        snprintf(c->detail, sizeof(c->detail), "%s", detail);
    switch (st) {
    case COMPARE_PASS:
        v->n_pass++;
        break;
    case COMPARE_FAIL:
        v->n_fail++;
        break;
    case COMPARE_INCONCLUSIVE:
        v->n_inconclusive++;
        break;
    default:
        v->n_skipped++;
        break;
    }
}

void fx_verdict_free(struct compare_verdict *v)
{
    if (!v)
        return;
    for (size_t i = 0; i < v->n_checks; i++) {
        free(v->checks[i].endpoint);
        free(v->checks[i].expr);
        compare_threshold_release(&((struct fx_verdict *)v)->thresholds[i]);
    }
    free(v->checks);
    free(((struct fx_verdict *)v)->thresholds);
    free(v);
}

char *fx_render(int (*write)(const struct gate_report *, FILE *),
                const struct gate_report *r, size_t *len)
{
    struct mem m;

    mem_open(&m);
    assert_int_equal(write(r, m.f), 0);
    mem_close(&m);
    if (len)
        *len = m.len;
    return m.text;
}

void fx_at(struct compare_verdict *v, size_t i, struct compare_threshold *th,
           enum metrics_stat stat, const char *file, int line)
{
    memset(th, 0, sizeof(*th));
    th->stat = stat;
    th->op = COMPARE_LT;
    th->file = file;
    th->line = line;
    v->checks[i].threshold = th;
}

void fx_measured(struct compare_verdict *v, size_t i, double measured,
                 double limit, double baseline, double delta_pct)
{
    struct compare_check *c = &v->checks[i];

    c->has_measured = c->has_limit = c->has_baseline = true;
    c->measured = measured;
    c->limit = limit;
    c->baseline = baseline;
    c->delta_pct = delta_pct;
}

struct metrics_endpoint *fx_add(struct metrics_results *r, const char *method,
                                const char *path, size_t n, double latency_ms,
                                bool failed)
{
    struct metrics_endpoint *ep =
        metrics_results_endpoint(r, method, path, true);

    assert_non_null(ep);
    fx_record(ep, n, latency_ms, failed);
    return ep;
}
