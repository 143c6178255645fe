#include <math.h>
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
             size_t n, double latency_ms, size_t failed)
{
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

struct metrics_results *cfx_doc(const struct cfx_ep *eps, size_t n)
{
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
                   const char *endpoint)
{
    char err[256] = "";

    if (compare_threshold_parse(expr, endpoint, t, err, sizeof(err)) != 0)
        fail_msg("'%s': %s", expr, err);
}

/* splitmix64: a small, good, seedable generator for test data */
static uint64_t sm_next(uint64_t *x)
{
    uint64_t z = (*x += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static double sm_unit(uint64_t *x)
{ /* (0, 1) */
    return ((double)(sm_next(x) >> 11) + 0.5) / 9007199254740992.0;
}

static double sm_normal(uint64_t *x)
{ /* Box-Muller */
    double u = sm_unit(x), v = sm_unit(x);
    return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

/* Poisson by inversion (small means) or a rounded normal. */
static size_t sm_poisson(uint64_t *x, double mean)
{
    if (mean > 50) {
        double v = mean + sqrt(mean) * sm_normal(x);
        return v < 0 ? 0 : (size_t)(v + 0.5);
    } else {
        double l = exp(-mean), p = 1;
        size_t k = 0;
        do {
            k++;
            p *= sm_unit(x);
        } while (p > l);
        return k - 1;
    }
}

void cfx_ar1(double *out, size_t n, double phi, double sigma, uint64_t seed)
{
    uint64_t x = seed * UINT64_C(0x9E3779B97F4A7C15) + 7;
    double d = 0;

    if (sigma > 0 && phi < 1)
        d = sigma / sqrt(1 - phi * phi) * sm_normal(&x);
    for (size_t w = 0; w < n; w++) {
        if (w > 0)
            d = phi * d + sigma * sm_normal(&x);
        out[w] = d;
    }
}

void cfx_synth_add_drift(struct metrics_results *r, const char *method,
                         const char *path, const struct cfx_synth *s,
                         uint64_t seed, const double *drift)
{
    struct metrics_endpoint *ep =
        metrics_results_endpoint(r, method, path, true);
    uint64_t x = seed * UINT64_C(0x2545F4914F6CDD1D) + 1;
    double d = 0;

    assert_non_null(ep);
    /* start the drift in its stationary distribution */
    if (s->sigma > 0 && s->phi < 1)
        d = s->sigma / sqrt(1 - s->phi * s->phi) * sm_normal(&x);
    for (size_t w = 0; w < s->n_windows; w++) {
        size_t n =
            s->poisson ? sm_poisson(&x, (double)s->per_window) : s->per_window;
        if (w > 0)
            d = s->phi * d + s->sigma * sm_normal(&x);
        for (size_t i = 0; i < n; i++) {
            double ms = s->base_ms * s->shift * exp(s->spread * sm_normal(&x)) *
                        exp(d + (drift ? drift[w] : 0));
            bool bad = s->error_p > 0 && sm_unit(&x) < s->error_p;
            uint64_t us = (uint64_t)(ms * 1000.0 + 0.5);
            int64_t at_ms;

            if (!s->slot_ms) {
                assert_int_equal(
                    metrics_endpoint_record(
                        ep, CFX_START + (int64_t)w, true, us, bad ? 500 : 200,
                        bad ? METRICS_ERR_HTTP_5XX : METRICS_ERR_NONE),
                    0);
                continue;
            }
            /* spread over the slot */
            at_ms =
                CFX_START * 1000 + (int64_t)(w * s->slot_ms) +
                (int64_t)((double)s->slot_ms * ((double)i + 0.5) / (double)n);
            assert_int_equal(metrics_endpoint_record(
                                 ep, at_ms / 1000, true, us, bad ? 500 : 200,
                                 bad ? METRICS_ERR_HTTP_5XX : METRICS_ERR_NONE),
                             0);
            assert_int_equal(metrics_endpoint_record_fine(
                                 ep, at_ms, s->slot_ms, true, us,
                                 bad ? METRICS_ERR_HTTP_5XX : METRICS_ERR_NONE),
                             0);
        }
    }
}

void cfx_synth_add(struct metrics_results *r, const char *method,
                   const char *path, const struct cfx_synth *s, uint64_t seed)
{
    cfx_synth_add_drift(r, method, path, s, seed, NULL);
}

/* Keeps the points of tl before `end` (a key), freeing the others. */
static size_t keep_before(struct metrics_point *tl, size_t n, int64_t end)
{
    size_t k = 0;

    for (size_t i = 0; i < n; i++) {
        if (tl[i].second < end)
            tl[k++] = tl[i];
        else
            metrics_hist_free(tl[i].hist);
    }
    return k;
}

void cfx_truncate(struct metrics_results *r, size_t n, unsigned slot_ms)
{
    int64_t end_ms =
        CFX_START * 1000 + (int64_t)(n * (slot_ms ? slot_ms : 1000));

    for (size_t e = 0; e < r->n_endpoints; e++) {
        struct metrics_endpoint *ep = r->endpoints[e];
        const struct metrics_point *src;
        size_t ns;

        ep->n_timeline =
            keep_before(ep->timeline, ep->n_timeline, (end_ms + 999) / 1000);
        if (ep->n_fine)
            ep->n_fine = keep_before(ep->fine, ep->n_fine,
                                     end_ms / (int64_t)ep->fine_ms);
        /* the endpoint's counts from what is left */
        src = ep->n_fine ? ep->fine : ep->timeline;
        ns = ep->n_fine ? ep->n_fine : ep->n_timeline;
        metrics_hist_reset(ep->hist);
        ep->requests = ep->errors = 0;
        memset(ep->err_class, 0, sizeof(ep->err_class));
        memset(ep->status, 0, sizeof(ep->status));
        for (size_t i = 0; i < ns; i++) {
            assert_int_equal(metrics_hist_add(ep->hist, src[i].hist), 0);
            ep->requests += src[i].requests;
            ep->errors += src[i].errors;
        }
        ep->err_class[METRICS_ERR_HTTP_5XX] = ep->errors;
        ep->status[500] = ep->errors;
        ep->status[200] = ep->requests - ep->errors;
    }
    r->duration_s = (double)n * (slot_ms ? slot_ms : 1000) / 1000.0;
}
struct metrics_results *cfx_synth_run(const struct cfx_synth *s, uint64_t seed)
{
    struct metrics_results *r = cfx_doc(NULL, 0);

    r->duration_s = (double)s->n_windows;
    cfx_synth_add(r, "GET", "/x", s, seed);
    return r;
}

void cfx_recs(const struct metrics_results *r, const char *needle, size_t n)
{
    size_t got = 0;

    for (size_t i = 0; i < r->n_recommendations; i++)
        got += strstr(r->recommendations[i], needle) != NULL;
    if (got == n)
        return;
    for (size_t i = 0; i < r->n_recommendations; i++)
        print_error("recommendation %zu: %s\n", i + 1, r->recommendations[i]);
    fail_msg("%zu recommendations hold '%s', want %zu", got, needle, n);
}
