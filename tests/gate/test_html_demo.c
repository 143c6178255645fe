/*
 * Writes a demo-like HTML report (3 endpoints, a baseline, a regression,
 * a slow spell and some errors) to argv[1], for the render test and for
 * people who want to look at one: test_html_demo OUT.html [SECONDS].
 * Deterministic: the same file every time.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gate.h"

#define START INT64_C(1767268800) /* 2026-01-01T12:00:00Z */

static uint64_t rng_state = 0x9E3779B97F4A7C15u;

static double uniform(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return ((double)(rng_state >> 11) + 0.5) / 9007199254740992.0;
}

/* A log-normal latency with the given median (ms) and spread. */
static double lognormal(double median_ms, double sigma)
{
    double z = sqrt(-2.0 * log(uniform())) * cos(6.283185307179586 * uniform());

    return median_ms * exp(sigma * z);
}

struct shape {
    const char *method, *path;
    double rps, median_ms, sigma, err_rate;
    double slow_from, slow_to, slow_factor; /* fractions of the run */
};

static int fill(struct metrics_results *r, const struct shape *s, size_t n,
                int seconds)
{
    for (size_t k = 0; k < n; k++) {
        struct metrics_endpoint *ep =
            metrics_results_endpoint(r, s[k].method, s[k].path, true);

        if (!ep)
            return -1;
        for (int sec = 0; sec < seconds; sec++) {
            double frac = (double)sec / seconds;
            double f = frac >= s[k].slow_from && frac < s[k].slow_to
                           ? s[k].slow_factor
                           : 1.0;
            /* a gentle wave in the load */
            int count = (int)(s[k].rps * (0.85 + 0.3 * uniform()));

            for (int i = 0; i < count; i++) {
                bool failed = uniform() < s[k].err_rate * f;
                double ms = lognormal(s[k].median_ms * f, s[k].sigma);

                if (metrics_endpoint_record(
                        ep, START + sec, true, (uint64_t)(ms * 1000.0) + 1,
                        failed ? 503 : 200,
                        failed ? METRICS_ERR_HTTP_5XX : METRICS_ERR_NONE))
                    return -1;
            }
        }
    }
    return 0;
}

static struct metrics_results *results(const char *id, int seconds)
{
    struct metrics_results *r = NULL;

    if (metrics_results_new(&r))
        return NULL;
    r->timestamp = strdup("2026-01-01T12:00:00Z");
    r->start_second = START;
    r->duration_s = seconds;
    r->concurrent_users = 50;
    r->baseline_id = id ? strdup(id) : NULL;
    r->meta.profile_name = strdup("demo");
    r->meta.profile_sha256 =
        strdup("3f1a9c0d5e7b24681357acef02468ace13579bdf2468ace013579bdf246"
               "8ace0");
    r->meta.host = strdup("ci-runner-7");
    r->meta.git_sha = strdup(id ? "a1b2c3d" : "e4f5a6b");
    r->meta.git_branch = strdup(id ? "main" : "feature/faster-search");
    r->meta.model = strdup("closed");
    r->meta.loadgate_version = strdup("0.1.0");
    r->meta.source = strdup("loadgate");
    r->meta.cpus = 4;
    r->meta.warmup_s = 10;
    return r;
}

static void check(struct compare_check *c, const char *ep, const char *expr,
                  struct compare_threshold *th, enum compare_status st,
                  const char *type, double measured, double limit, double base,
                  const char *msg)
{
    c->endpoint = strdup(ep);
    c->expr = strdup(expr);
    c->threshold = th;
    c->status = st;
    c->type = type;
    c->has_measured = isfinite(measured);
    c->measured = measured;
    c->has_limit = isfinite(limit);
    c->limit = limit;
    c->has_baseline = isfinite(base);
    c->baseline = base;
    if (c->has_baseline && base != 0)
        c->delta_pct = (measured - base) / base * 100.0;
    snprintf(c->message, sizeof(c->message), "%s", msg);
}

int main(int argc, char **argv)
{
    static const struct shape run_shape[] = {
        {"GET", "/api/health", 40, 4, 0.35, 0.0, 0, 0, 1},
        {"POST", "/api/agents/{id}/query", 25, 120, 0.45, 0.004, 0.55, 0.7,
         2.2},
        {"GET", "/api/search?q=<script>&x=\"1\"", 12, 60, 0.5, 0.0, 0, 0, 1},
    };
    static const struct shape base_shape[] = {
        {"GET", "/api/health", 40, 4, 0.35, 0.0, 0, 0, 1},
        {"POST", "/api/agents/{id}/query", 25, 95, 0.4, 0.001, 0, 0, 1},
        {"GET", "/api/search?q=<script>&x=\"1\"", 12, 62, 0.5, 0.0, 0, 0, 1},
    };
    struct compare_threshold th[4] = {{0}};
    struct compare_check checks[7] = {{0}};
    struct compare_verdict v = {0};
    struct metrics_results *run, *base;
    struct gate_report rep = {0};
    int seconds = argc > 2 ? atoi(argv[2]) : 300;
    FILE *f;
    int rc;

    if (argc < 2 || seconds < 1) {
        fprintf(stderr, "usage: test_html_demo OUT.html [SECONDS]\n");
        return 2;
    }
    run = results(NULL, seconds);
    base = results("main", seconds);
    if (!run || !base || fill(run, run_shape, 3, seconds) ||
        fill(base, base_shape, 3, seconds))
        return 1;
    metrics_results_add_recommendation(
        run, "POST /api/agents/{id}/query: p95 rose 34.7% against baseline "
             "'main' (significant); look at the changes to the query path.");
    metrics_results_add_recommendation(
        run, "GET /api/search?q=<script>&x=\"1\" has no check of its own; "
             "add one.");
    for (int i = 0; i < 4; i++) {
        th[i].file = "perf/demo.yaml";
        th[i].line = 21 + i;
        th[i].op = COMPARE_LT;
    }
    th[0].stat = METRICS_STAT_P95;
    th[1].stat = METRICS_STAT_ERROR_RATE;
    th[2].stat = METRICS_STAT_P95;
    th[2].relative = true;
    th[3].stat = METRICS_STAT_P99;
    check(&checks[0], "POST /api/agents/{id}/query", "p95 < baseline + 10%",
          &th[2], COMPARE_FAIL, "loadgate.regression", 412.3, 291.7, 265.2,
          "p95 = 412.3 ms, limit < 291.7 ms (baseline 265.2 ms + 10%); "
          "+55.5%, significant");
    check(&checks[1], "ALL", "p95 < 1s", &th[0], COMPARE_PASS, NULL, 301.0,
          1000, NAN, "p95 = 301.0 ms, limit < 1000.0 ms");
    check(&checks[2], "ALL", "error_rate < 5%", &th[1], COMPARE_PASS, NULL,
          0.0021, 0.05, NAN, "error_rate = 0.21%, limit < 5.00%");
    check(&checks[3], "GET /api/health", "p95 < baseline + 10%", &th[2],
          COMPARE_PASS, NULL, 7.1, 7.9, 7.2, "p95 = 7.1 ms, limit < 7.9 ms");
    check(&checks[4], "GET /api/search?q=<script>&x=\"1\"",
          "p95 < baseline + 10%", &th[2], COMPARE_PASS, NULL, 150.2, 163.6,
          148.7,
          "p95 = 150.2 ms (baseline 148.7 ms); +1.0%, within the noise band");
    checks[4].warning = true;
    check(&checks[5], "GET /api/health", "p99 < 20ms", &th[3],
          COMPARE_INCONCLUSIVE, "loadgate.too_few_samples", NAN, 20, NAN,
          "p99 needs 1000 samples beyond it; not evaluated");
    check(&checks[6], "GET /api/new", "rps > baseline - 10%", NULL,
          COMPARE_SKIPPED, NULL, NAN, NAN, NAN,
          "endpoint not in baseline 'main'");
    v.checks = checks;
    v.n_checks = 7;
    rep.run = run;
    rep.baseline = base;
    rep.baseline_name = "main";
    rep.verdict = &v;
    rep.profile_name = "demo";
    rep.profile_path = "perf/demo.yaml";
    f = fopen(argv[1], "w");
    if (!f) {
        perror(argv[1]);
        return 1;
    }
    rc = gate_html_write(&rep, f);
    if (fclose(f) != 0 || rc != 0) {
        fprintf(stderr, "test_html_demo: %s\n", gate_strerror(rc));
        return 1;
    }
    for (int i = 0; i < 7; i++) {
        free(checks[i].endpoint);
        free(checks[i].expr);
    }
    metrics_results_free(run);
    metrics_results_free(base);
    return 0;
}
