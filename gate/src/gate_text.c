/* The text report, in the layout of the original specification's "Example
 * Baseline Report": 80-column rules, an overall summary, an aligned
 * endpoint table, checks, numbered recommendations and the verdict. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gate_internal.h"

#define RULE_WIDTH 80
#define COL_METHOD 9    /* "Method   " */
#define COL_ENDPOINT 42 /* a name of at most 40, then two spaces */
#define ENDPOINT_MAX 40
#define COL_NUM 11         /* "P50        " */
#define STATUS_WIDTH 14    /* "PASS (warning)" */
#define STREAM_COL_NAME 28 /* the Streams table */
#define STREAM_COL_NUM 9

static void rule(FILE *out, char c)
{
    for (int i = 0; i < RULE_WIDTH; i++)
        fputc(c, out);
    fputc('\n', out);
}

static void section(FILE *out, const char *title)
{
    fprintf(out, "\n%s\n", title);
    rule(out, '-');
}

/* Prints s (valid UTF-8, no controls) and pads it with spaces to width
 * characters (one character is one column: names are ASCII in practice);
 * pad false for the last column (no trailing blanks). */
static void cell(FILE *out, const char *s, size_t width, bool pad)
{
    size_t n = gate__utf8_len(s);

    fputs(s, out);
    if (!pad)
        return;
    /* An oversized value still keeps one blank before the next column. */
    if (n >= width)
        fputc(' ', out);
    for (; n < width; n++)
        fputc(' ', out);
}

/* A cleaned copy of s cut to max characters with "..." (the example
 * report's way of shortening); NULL when out of memory. */
static char *shorten(const char *s, size_t max)
{
    char *c = gate__clean_str(s, GATE__CLEAN_COLLAPSE, 0);
    size_t cut;

    if (!c || gate__utf8_len(c) <= max)
        return c;
    cut = gate__utf8_prefix(c, max - 3);
    memcpy(c + cut, "...", 4);
    return c;
}

static void fmt_pct(double fraction, char *buf, size_t len)
{
    if (isfinite(fraction))
        snprintf(buf, len, "%.2f%%", fraction * 100.0);
    else
        snprintf(buf, len, "-");
}

static void write_header(const struct gate_report *r, FILE *out)
{
    const struct metrics_results *run = r->run;
    char ts[32], count[32], *s;

    rule(out, '=');
    fprintf(out, "%s\n",
            run && run->baseline_id ? "Performance Baseline Report"
                                    : "Performance Report");
    rule(out, '=');
    if (run && run->baseline_id) {
        s = gate__clean_str(run->baseline_id, GATE__CLEAN_COLLAPSE, 200);
        fprintf(out, "Baseline ID: %s\n", s ? s : "");
        free(s);
    }
    s = gate__clean_str(r->profile_name ? r->profile_name : "-",
                        GATE__CLEAN_COLLAPSE, 200);
    fprintf(out, "Profile: %s\n", s ? s : "");
    free(s);
    gate__timestamp(run, ts, sizeof(ts));
    fprintf(out, "Generated: %s\n", ts);
    if (run) {
        double d = isfinite(run->duration_s) ? run->duration_s : 0.0;
        uint64_t total = 0;

        for (size_t i = 0; i < run->n_endpoints; i++)
            total += run->endpoints[i]->requests;
        fprintf(out, "Test Duration: %.2f seconds\n", d);
        gate__fmt_count(total, count, sizeof(count));
        fprintf(out, "Total Requests: %s\n", count);
        gate__fmt_count(run->concurrent_users, count, sizeof(count));
        fprintf(out, "Concurrent Users: %s\n", count);
        if (run->partial || r->signal)
            fprintf(out, "Partial: yes (interrupted)\n");
    }
    if (r->baseline || r->baseline_name) {
        s = gate__clean_str(r->baseline_name ? r->baseline_name : "(file)",
                            GATE__CLEAN_COLLAPSE, 200);
        fprintf(out, "Compared With: %s\n", s ? s : "");
        free(s);
    }
    if (r->error_reason) {
        s = gate__clean_str(r->error_reason, GATE__CLEAN_COLLAPSE, 1000);
        fprintf(out, "Error: %s\n", s ? s : "");
        free(s);
    }
}

static void write_summary(const struct metrics_results *run, FILE *out)
{
    struct metrics_endpoint *all = NULL;
    char buf[64];
    double v;

    section(out, "Overall Summary");
    if (metrics_results_aggregate(run, &all) != 0)
        all = NULL;
    v = gate__value(run, all, METRICS_STAT_AVG);
    if (isfinite(v))
        fprintf(out, "Average Response Time: %.2f ms\n", v);
    else
        fprintf(out, "Average Response Time: n/a\n");
    v = gate__value(run, all, METRICS_STAT_P95);
    if (isfinite(v))
        fprintf(out, "P95 Response Time: %.2f ms\n", v);
    else
        fprintf(out, "P95 Response Time: n/a\n");
    fmt_pct(gate__value(run, all, METRICS_STAT_ERROR_RATE), buf, sizeof(buf));
    fprintf(out, "Error Rate: %s\n", strcmp(buf, "-") ? buf : "n/a");
    v = gate__value(run, all, METRICS_STAT_RPS);
    if (isfinite(v))
        fprintf(out, "Requests per Second: %.2f\n", v);
    else
        fprintf(out, "Requests per Second: n/a\n");
    metrics_endpoint_free(all);
}

static void write_endpoints(const struct gate_report *r, FILE *out)
{
    const struct metrics_results *run = r->run;
    bool with_base = r->baseline != NULL;
    char buf[64];

    section(out, "Endpoint Performance");
    cell(out, "Method", COL_METHOD, true);
    cell(out, "Endpoint", COL_ENDPOINT, true);
    cell(out, "P50", COL_NUM, true);
    cell(out, "P95", COL_NUM, true);
    cell(out, "P99", COL_NUM, true);
    cell(out, "RPS", COL_NUM, true);
    cell(out, "Errors", COL_NUM, with_base);
    if (with_base) {
        cell(out, "Base P95", COL_NUM, true);
        cell(out, "Δ P95", 0, false);
    }
    fputc('\n', out);
    rule(out, '-');
    for (size_t i = 0; i < run->n_endpoints; i++) {
        const struct metrics_endpoint *ep = run->endpoints[i];
        char *method = shorten(ep->method ? ep->method : "-", COL_METHOD - 1);
        char *path = shorten(ep->path ? ep->path : "", ENDPOINT_MAX);

        cell(out, method ? method : "", COL_METHOD, true);
        cell(out, path ? path : "", COL_ENDPOINT, true);
        free(method);
        free(path);
        gate__fmt_ms(gate__value(run, ep, METRICS_STAT_P50), buf, sizeof(buf));
        cell(out, buf, COL_NUM, true);
        gate__fmt_ms(gate__value(run, ep, METRICS_STAT_P95), buf, sizeof(buf));
        cell(out, buf, COL_NUM, true);
        gate__fmt_ms(gate__value(run, ep, METRICS_STAT_P99), buf, sizeof(buf));
        cell(out, buf, COL_NUM, true);
        {
            double rps = gate__value(run, ep, METRICS_STAT_RPS);

            if (isfinite(rps))
                snprintf(buf, sizeof(buf), "%.1f", rps);
            else
                snprintf(buf, sizeof(buf), "-");
        }
        cell(out, buf, COL_NUM, true);
        fmt_pct(gate__value(run, ep, METRICS_STAT_ERROR_RATE), buf,
                sizeof(buf));
        cell(out, buf, COL_NUM, with_base);
        if (with_base) {
            double base = gate__base_value(r, ep, METRICS_STAT_P95);
            double d =
                gate__change_pct(gate__value(run, ep, METRICS_STAT_P95), base);

            gate__fmt_ms(base, buf, sizeof(buf));
            cell(out, buf, COL_NUM, true);
            if (isfinite(d))
                snprintf(buf, sizeof(buf), "%+.1f%%", d);
            else
                snprintf(buf, sizeof(buf), "-");
            cell(out, buf, 0, false);
        }
        fputc('\n', out);
    }
}

/* Streamed responses, only when the run has streaming endpoints: times
 * in ms, rates per second of the measured window. */
static void write_streams(const struct metrics_results *run, FILE *out)
{
    static const char *const heads[] = {"TTFT p50", "TTFT p95", "ITL p50",
                                        "ITL p99",  "TPOT p50", "tok/s",
                                        "good/s",   "Errors"};
    struct gate__streams st;
    char buf[64], how[1024];

    if (gate__streams_get(run, &st) != 0 || st.n == 0)
        return;
    section(out, "Streams");
    cell(out, "Endpoint", STREAM_COL_NAME, true);
    for (size_t i = 0; i < sizeof(heads) / sizeof(*heads); i++)
        cell(out, heads[i], STREAM_COL_NUM,
             i + 1 < sizeof(heads) / sizeof(*heads));
    fputc('\n', out);
    rule(out, '-');
    for (size_t i = 0; i < st.n; i++) {
        const struct gate__stream_row *w = &st.rows[i];
        const double ms[] = {w->ttft_p50, w->ttft_p95, w->itl_p50, w->itl_p99,
                             w->tpot_p50};
        char *name = shorten(w->name, STREAM_COL_NAME - 2);

        cell(out, name ? name : "", STREAM_COL_NAME, true);
        free(name);
        for (size_t k = 0; k < sizeof(ms) / sizeof(*ms); k++) {
            gate__fmt_ms(ms[k], buf, sizeof(buf));
            cell(out, buf, STREAM_COL_NUM, true);
        }
        snprintf(buf, sizeof(buf), isfinite(w->tokens_per_s) ? "%.1f" : "-",
                 w->tokens_per_s);
        cell(out, buf, STREAM_COL_NUM, true);
        snprintf(buf, sizeof(buf), isfinite(w->goodput) ? "%.1f" : "-",
                 w->goodput);
        cell(out, buf, STREAM_COL_NUM, true);
        snprintf(buf, sizeof(buf), "%llu/%llu", (unsigned long long)w->errors,
                 (unsigned long long)w->streams);
        cell(out, buf, 0, false);
        fputc('\n', out);
    }
    for (size_t i = 0; i < st.n; i++) {
        char *name, *text;

        if (!st.rows[i].rule)
            continue;
        gate__stream_rule(&st.rows[i], how, sizeof(how));
        name = gate__clean_str(st.rows[i].name, GATE__CLEAN_COLLAPSE, 200);
        text = gate__clean_str(how, GATE__CLEAN_COLLAPSE, 0);
        fprintf(out, "%s: %s\n", name ? name : "", text ? text : "");
        free(name);
        free(text);
    }
    gate__streams_free(&st);
}

static void write_checks(const struct gate_report *r, FILE *out)
{
    const struct compare_verdict *v = r->verdict;
    size_t ep_w = 0, ex_w = 0;

    section(out, "Checks");
    for (size_t i = 0; i < v->n_checks; i++) {
        const struct compare_check *c = &v->checks[i];
        char *ep = shorten(c->endpoint ? c->endpoint : "ALL", ENDPOINT_MAX);
        char *ex = gate__clean_str(c->expr, GATE__CLEAN_COLLAPSE, 0);

        if (ep && gate__utf8_len(ep) > ep_w)
            ep_w = gate__utf8_len(ep);
        if (ex && gate__utf8_len(ex) > ex_w)
            ex_w = gate__utf8_len(ex);
        free(ep);
        free(ex);
    }
    if (ex_w > 40)
        ex_w = 40;
    for (size_t i = 0; i < v->n_checks; i++) {
        const struct compare_check *c = &v->checks[i];
        enum compare_status st = gate__status(c);
        char status[32], synth[256];
        char *ep = shorten(c->endpoint ? c->endpoint : "ALL", ENDPOINT_MAX);
        char *ex = gate__clean_str(c->expr, GATE__CLEAN_COLLAPSE, 0);
        char *msg;

        if (c->message[0]) {
            msg =
                gate__clean(c->message, strnlen(c->message, sizeof(c->message)),
                            GATE__CLEAN_COLLAPSE, 0);
        } else {
            gate__synth_message(c, synth, sizeof(synth));
            msg = gate__clean_str(synth, GATE__CLEAN_COLLAPSE, 0);
        }
        snprintf(status, sizeof(status), "%s%s", compare_status_str(st),
                 st == COMPARE_PASS && c->warning ? " (warning)" : "");
        cell(out, status, STATUS_WIDTH + 1, true);
        cell(out, ep ? ep : "", ep_w + 2, true);
        cell(out, ex ? ex : "", ex_w + 2, true);
        fprintf(out, "%s\n", msg ? msg : "");
        free(ep);
        free(ex);
        free(msg);
    }
}

int gate_text_write(const struct gate_report *r, FILE *out)
{
    const struct metrics_results *run;

    if (!r || !out)
        return GATE_EIO;
    run = r->run;
    write_header(r, out);
    if (run) {
        write_summary(run, out);
        write_endpoints(r, out);
        write_streams(run, out);
    }
    if (r->verdict && r->verdict->checks && r->verdict->n_checks)
        write_checks(r, out);
    if (run && run->n_recommendations) {
        section(out, "Recommendations");
        for (size_t i = 0; i < run->n_recommendations; i++) {
            char *s = gate__clean_str(run->recommendations[i],
                                      GATE__CLEAN_COLLAPSE, 0);

            fprintf(out, "%zu. %s\n", i + 1, s ? s : "");
            free(s);
        }
    }
    if (r->verdict || r->error_reason) {
        struct gate__tally t;

        gate__tally(r->verdict, &t);
        fprintf(out,
                "\nVerdict: %s — %zu check%s: %zu passed, %zu failed, "
                "%zu inconclusive, %zu skipped\n",
                gate__overall(r), t.total, t.total == 1 ? "" : "s", t.pass,
                t.fail, t.inconclusive, t.skipped);
    }
    if (fflush(out) != 0 || ferror(out))
        return GATE_EIO;
    return 0;
}
