/*
 * The live metrics in the Prometheus exposition formats: OpenMetrics 1.0
 * (what Prometheus asks for first) and the text format 0.0.4.  They
 * differ here in three ways: a counter's family name carries _total only
 * in 0.0.4, # UNIT lines are OpenMetrics', and so is the final # EOF.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "live_internal.h"

struct out {
    FILE *f;
    bool om; /* OpenMetrics */
};

/* A label value: backslash, double quote and line feed escaped. */
static void label(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        if (*s == '\\')
            fputs("\\\\", f);
        else if (*s == '"')
            fputs("\\\"", f);
        else if (*s == '\n')
            fputs("\\n", f);
        else
            fputc(*s, f);
    }
}

/* A float as both formats read it: NaN, +Inf, -Inf or a number (whole
 * ones as "1.0", OpenMetrics' canonical form). */
static void format_number(char *buf, size_t len, double v)
{
    if (isnan(v))
        snprintf(buf, len, "NaN");
    else if (isinf(v))
        snprintf(buf, len, "%s", v > 0 ? "+Inf" : "-Inf");
    else if (v == floor(v) && fabs(v) < 1e15)
        snprintf(buf, len, "%.1f", v);
    else
        snprintf(buf, len, "%.10g", v);
}

static void number(FILE *f, double v)
{
    char buf[40];

    format_number(buf, sizeof(buf), v);
    fputs(buf, f);
}

/* The metadata of a family.  name is the family's name without _total;
 * unit (may be NULL) is the suffix it ends with. */
static void family(struct out *o, const char *name, const char *type,
                   const char *unit, const char *help)
{
    const char *total = !o->om && strcmp(type, "counter") == 0 ? "_total" : "";

    fprintf(o->f, "# HELP %s%s %s\n", name, total, help);
    fprintf(o->f, "# TYPE %s%s %s\n", name, total, type);
    if (o->om && unit)
        fprintf(o->f, "# UNIT %s %s\n", name, unit);
}

/* name{endpoint="..."[,extra="value"]} (no value yet) */
static void sample(struct out *o, const char *name, const char *endpoint,
                   const char *extra, const char *extra_value)
{
    fputs(name, o->f);
    if (!endpoint && !extra) {
        fputc(' ', o->f);
        return;
    }
    fputc('{', o->f);
    if (endpoint) {
        fputs("endpoint=\"", o->f);
        label(o->f, endpoint);
        fputc('"', o->f);
    }
    if (extra) {
        fprintf(o->f, "%s%s=\"", endpoint ? "," : "", extra);
        label(o->f, extra_value);
        fputc('"', o->f);
    }
    fputs("} ", o->f);
}

static void gauge(struct out *o, const char *name, const char *unit,
                  const char *help, double v)
{
    family(o, name, "gauge", unit, help);
    sample(o, name, NULL, NULL, NULL);
    number(o->f, v);
    fputc('\n', o->f);
}

/* A histogram's or a summary's _count and _sum of endpoint e. */
static void count_and_sum(struct out *o, const char *family,
                          const struct live__ep *e)
{
    char name[96];

    snprintf(name, sizeof(name), "%s_count", family);
    sample(o, name, e->name, NULL, NULL);
    fprintf(o->f, "%llu\n", (unsigned long long)e->n_lat);
    snprintf(name, sizeof(name), "%s_sum", family);
    sample(o, name, e->name, NULL, NULL);
    number(o->f, e->sum_s);
    fputc('\n', o->f);
}

static void counts(struct out *o, const struct live__view *v)
{
    char le[32];

    family(o, "loadgate_requests", "counter", NULL,
           "Requests completed in the measured window, failed or not.");
    for (size_t i = 0; i < v->n_eps; i++) {
        sample(o, "loadgate_requests_total", v->eps[i].name, NULL, NULL);
        fprintf(o->f, "%llu\n", (unsigned long long)v->eps[i].requests);
    }
    family(o, "loadgate_errors", "counter", NULL,
           "Failed requests by error class (each failure in one class).");
    for (size_t i = 0; i < v->n_eps; i++)
        for (int c = 0; c < METRICS_ERR__COUNT; c++) {
            sample(o, "loadgate_errors_total", v->eps[i].name, "class",
                   metrics_errclass_name(c));
            fprintf(o->f, "%llu\n", (unsigned long long)v->eps[i].err_class[c]);
        }
    family(o, "loadgate_request_duration_seconds", "histogram", "seconds",
           "Latency from send to completion of requests that got an "
           "answer.");
    for (size_t i = 0; i < v->n_eps; i++) {
        const struct live__ep *e = &v->eps[i];

        for (size_t b = 0; b <= LIVE__N_LE; b++) {
            format_number(le, sizeof(le),
                          b < LIVE__N_LE ? (double)live__le_us[b] / 1e6
                                         : INFINITY);
            sample(o, "loadgate_request_duration_seconds_bucket", e->name, "le",
                   le);
            fprintf(o->f, "%llu\n",
                    (unsigned long long)(b < LIVE__N_LE ? e->le[b] : e->n_lat));
        }
        count_and_sum(o, "loadgate_request_duration_seconds", e);
    }
}

static void quantiles(struct out *o, const struct live__view *v)
{
    static const char *const q[] = {"0.5", "0.95", "0.99"};

    family(o, "loadgate_request_latency_seconds", "summary", "seconds",
           "Latency percentiles of the measured window so far (the "
           "histogram's, within 1 %).");
    for (size_t i = 0; i < v->n_eps; i++) {
        const struct live__ep *e = &v->eps[i];
        const double ms[] = {e->p50_ms, e->p95_ms, e->p99_ms};

        for (size_t k = 0; k < 3; k++) {
            sample(o, "loadgate_request_latency_seconds", e->name, "quantile",
                   q[k]);
            number(o->f, ms[k] >= 0 ? ms[k] / 1e3 : NAN);
            fputc('\n', o->f);
        }
        count_and_sum(o, "loadgate_request_latency_seconds", e);
    }
}

static void run_state(struct out *o, const struct live__view *v)
{
    gauge(o, "loadgate_users", NULL,
          "Active virtual users (closed model) or requests in flight (open "
          "model).",
          v->users);
    if (v->target_rps > 0)
        gauge(o, "loadgate_target_requests_per_second", NULL,
              "The open model's arrival rate asked for now.", v->target_rps);
    gauge(o, "loadgate_achieved_requests_per_second", NULL,
          "Requests completed per second over the last progress interval.",
          v->rps);
    gauge(o, "loadgate_elapsed_seconds", "seconds",
          "Time since the run started, warm-up included.", v->elapsed_s);
    gauge(o, "loadgate_warming_up", NULL, "1 during the warm-up.",
          v->warming_up);
    family(o, "loadgate_threshold_failing", "gauge", NULL,
           "1 while a threshold fails on some endpoint (as judged now).");
    for (size_t i = 0; i < v->n_ths; i++) {
        sample(o, "loadgate_threshold_failing", NULL, "threshold",
               v->ths[i].expr);
        fputs(strcmp(v->ths[i].status, "FAIL") == 0 ? "1\n" : "0\n", o->f);
    }
    gauge(o, "loadgate_finished", NULL, "1 once the run is judged.",
          v->finished);
    if (v->finished)
        gauge(o, "loadgate_exit_code", NULL,
              "The exit code of the judged run (0 pass, 1 regression, ...).",
              v->exit_code);
}

int live__prom_text(const struct live__view *v, bool openmetrics, char **out,
                    size_t *len)
{
    struct out o = {.om = openmetrics};

    *out = NULL;
    *len = 0;
    o.f = open_memstream(out, len);
    if (!o.f)
        return LIVE_ENOMEM;
    counts(&o, v);
    quantiles(&o, v);
    run_state(&o, v);
    if (o.om)
        fputs("# EOF\n", o.f);
    if (fclose(o.f) != 0 || !*out) {
        free(*out);
        *out = NULL;
        return LIVE_ENOMEM;
    }
    return 0;
}
