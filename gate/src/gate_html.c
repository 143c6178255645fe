/*
 * The HTML report: one self-contained file (inline CSS and SVG, no
 * external resource of any kind) that reads with JavaScript off and
 * prints.  The markup is XHTML-compatible (every element closed, every
 * attribute quoted) so that it parses as XML as well as HTML; the tests
 * rely on that.  Every string from the run is cleaned (gate__clean) and
 * HTML-escaped: endpoint names and messages may be hostile.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gate_internal.h"

#define NAME_MAX_CHARS 300

void gate__html_puts(FILE *out, const char *s, size_t len)
{
    size_t start = 0;

    for (size_t i = 0; i < len; i++) {
        const char *rep;

        switch (s[i]) {
        case '&':
            rep = "&amp;";
            break;
        case '<':
            rep = "&lt;";
            break;
        case '>':
            rep = "&gt;";
            break;
        case '"':
            rep = "&quot;";
            break;
        case '\'':
            rep = "&#39;";
            break;
        default:
            continue;
        }
        fwrite(s + start, 1, i - start, out);
        fputs(rep, out);
        start = i + 1;
    }
    fwrite(s + start, 1, len - start, out);
}

void gate__html_text(struct gate__html *h, const char *s, unsigned flags,
                     size_t max_chars)
{
    char *c = gate__clean_str(s, flags, max_chars);

    if (!c) {
        h->err = GATE_ENOMEM;
        return;
    }
    gate__html_puts(h->out, c, strlen(c));
    free(c);
}

/* The same for a fixed char array that may lack its NUL. */
static void html_field(struct gate__html *h, const char *s, size_t cap,
                       unsigned flags)
{
    char *c = gate__clean(s, strnlen(s, cap), flags, 0);

    if (!c) {
        h->err = GATE_ENOMEM;
        return;
    }
    gate__html_puts(h->out, c, strlen(c));
    free(c);
}

/* ---- head and style ------------------------------------------------------ */

static const char css[] =
    ":root{--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--bg:#ffffff;"
    "--soft:#f6f8fa;--pass:#007a5a;--fail:#b34700;--inc:#8a5a00;"
    "--skip:#57606a}\n"
    "*{box-sizing:border-box}\n"
    "body{margin:0;font:14px/1.45 system-ui,-apple-system,'Segoe UI',"
    "Roboto,'Helvetica Neue',Arial,sans-serif;color:var(--fg);"
    "background:var(--bg)}\n"
    "main,header.verdict>div{max-width:1000px;margin:0 auto;padding:0 20px}"
    "\n"
    "header.verdict{padding:18px 0 14px;border-bottom:4px solid var(--v);"
    "background:var(--vbg)}\n"
    ".v-pass{--v:#009E73;--vbg:#e8f6f1}.v-fail{--v:#D55E00;--vbg:#fbece3}"
    ".v-inconclusive{--v:#E69F00;--vbg:#fdf4e1}\n"
    "h1{font-size:24px;margin:0 0 4px}h1 .badge{display:inline-block;"
    "padding:1px 10px;border-radius:4px;background:var(--v);color:#fff;"
    "margin-right:10px;letter-spacing:.03em}\n"
    ".v-inconclusive h1 .badge{color:#1b1f24}\n"
    "header p{margin:4px 0}.verdict-line{font-weight:600}\n"
    ".error{border-left:4px solid #D55E00;padding:6px 10px;background:"
    "#fff;margin:8px 0}\n"
    ".tiles{display:flex;flex-wrap:wrap;gap:10px;margin:12px 0 0;padding:0;"
    "list-style:none}\n"
    ".tiles li{background:#fff;border:1px solid var(--line);border-radius:"
    "6px;padding:6px 12px;min-width:120px}\n"
    ".tiles b{display:block;font-size:18px}.tiles span{color:var(--muted);"
    "font-size:12px}\n"
    "h2{font-size:19px;margin:28px 0 8px;padding-bottom:4px;border-bottom:"
    "1px solid var(--line)}\n"
    "h3{font-size:16px;margin:22px 0 6px;font-family:ui-monospace,"
    "SFMono-Regular,Menlo,Consolas,monospace;word-break:break-all}\n"
    "table{border-collapse:collapse;width:100%;margin:6px 0 10px;"
    "font-size:13px}\n"
    "th,td{border:1px solid var(--line);padding:4px 7px;text-align:left;"
    "vertical-align:top}\n"
    "thead th{background:var(--soft)}\n"
    "table.num td,td.num{text-align:right;font-variant-numeric:"
    "tabular-nums;white-space:nowrap}\n"
    "table td.name{text-align:left;white-space:normal;font-family:"
    "ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;"
    "overflow-wrap:anywhere}\n"
    "caption{text-align:left;color:var(--muted);padding:2px 0}\n"
    ".st{font-weight:700;white-space:nowrap}.st-pass{color:var(--pass)}"
    ".st-fail{color:var(--fail)}.st-inconclusive{color:var(--inc)}"
    ".st-skipped{color:var(--skip)}\n"
    "tr.row-fail{background:#fbece3}tr.row-inconclusive{background:"
    "#fdf4e1}\n"
    "figure{margin:10px 0 4px;break-inside:avoid}figure svg{width:100%;"
    "height:auto;display:block;font:12px system-ui,sans-serif;"
    "fill:#1b1f24}\n"
    "figcaption{color:var(--muted);font-size:12px}\n"
    "svg .series{transition:stroke-width .1s}svg .series:hover{"
    "stroke-width:3}\n"
    "details.data{margin:2px 0 12px}details.data table{max-width:720px}\n"
    "details summary{cursor:pointer;color:#0b5cad}\n"
    "pre{white-space:pre-wrap;margin:4px 0;font-size:12px}\n"
    "dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:3px "
    "16px;margin:6px 0}\n"
    "dl.meta dt{color:var(--muted)}dl.meta dd{margin:0;word-break:"
    "break-all}\n"
    ".nodata{color:var(--muted);font-style:italic}\n"
    "footer{max-width:1000px;margin:30px auto 20px;padding:0 20px;color:"
    "var(--muted);font-size:12px}\n"
    "@media print{body{font-size:10pt}header.verdict{background:none;"
    "border-bottom-width:2px}h2{break-after:avoid}h3{break-after:avoid}"
    "section.endpoint{break-before:auto}details summary{display:none}"
    "tr{break-inside:avoid}a{color:inherit}}\n"
    "@page{margin:12mm}\n";

/* Opens every <details> before printing, so the data tables print too;
 * the only script, and the report reads fine without it. */
static const char print_js[] =
    "window.addEventListener('beforeprint',function(){"
    "document.querySelectorAll('details').forEach(function(d){"
    "d.open=true})});";

/* pass, fail or other as overall is PASS, FAIL or anything else. */
static const char *by_verdict(const char *overall, const char *pass,
                              const char *fail, const char *other)
{
    return strcmp(overall, "PASS") == 0   ? pass
           : strcmp(overall, "FAIL") == 0 ? fail
                                          : other;
}

static void write_head(struct gate__html *h, const struct gate_report *r,
                       const char *overall)
{
    FILE *o = h->out;

    fputs("<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" "
          "lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n"
          "<meta name=\"viewport\" content=\"width=device-width, "
          "initial-scale=1\"/>\n<meta name=\"generator\" "
          "content=\"loadgate " LOADGATE_VERSION "\"/>\n<title>loadgate ",
          o);
    fputs(overall, o);
    fputs(" — ", o);
    gate__html_text(h, r->profile_name ? r->profile_name : "results",
                    GATE__CLEAN_COLLAPSE, NAME_MAX_CHARS);
    fprintf(o,
            "</title>\n<style>\n%s</style>\n<script>//<![CDATA[\n%s\n"
            "//]]></script>\n</head>\n",
            css, print_js);
}

/* ---- header: verdict and summary tiles ----------------------------------- */

static void tile(FILE *o, const char *value_s, const char *label)
{
    fprintf(o, "<li><b>%s</b><span>%s</span></li>\n", value_s, label);
}

/* The whole run's tiles after requests and the measured time: the value
 * printed with fmt after multiplying it by scale, or "n/a". */
static const struct {
    enum metrics_stat stat;
    const char *fmt;
    double scale;
    const char *label;
} tiles[] = {
    {METRICS_STAT_RPS, "%.1f/s", 1.0, "throughput"},
    {METRICS_STAT_P95, "%.2f ms", 1.0, "p95 latency"},
    {METRICS_STAT_AVG, "%.2f ms", 1.0, "average latency"},
    {METRICS_STAT_ERROR_RATE, "%.2f%%", 100.0, "error rate"},
};

static void write_header(struct gate__html *h, const struct gate_report *r,
                         const char *overall)
{
    FILE *o = h->out;
    const struct metrics_results *run = r->run;
    struct gate__tally t;
    char line[1024], buf[64];

    gate__tally(r->verdict, &t);
    fprintf(o,
            "<header class=\"verdict %s\" role=\"banner\">\n<div>\n"
            "<h1><span class=\"badge\">%s %s</span>",
            by_verdict(overall, "v-pass", "v-fail", "v-inconclusive"),
            by_verdict(overall, "✓", "✗", "?"), overall);
    gate__html_text(h, r->profile_name ? r->profile_name : "results",
                    GATE__CLEAN_COLLAPSE, NAME_MAX_CHARS);
    fputs("</h1>\n<p class=\"verdict-line\">", o);
    gate_verdict_line(r, line, sizeof(line));
    gate__html_text(h, line, GATE__CLEAN_COLLAPSE, 0);
    fprintf(o,
            "</p>\n<p class=\"counts\">%zu check%s: %zu passed, %zu failed, "
            "%zu inconclusive, %zu skipped%s",
            t.total, t.total == 1 ? "" : "s", t.pass, t.fail, t.inconclusive,
            t.skipped, t.warnings ? "; " : "");
    if (t.warnings)
        fprintf(o, "%zu with a warning", t.warnings);
    fputs("</p>\n", o);
    if (r->error_reason) {
        fputs("<p class=\"error\"><b>Could not judge:</b> ", o);
        gate__html_text(h, r->error_reason, GATE__CLEAN_COLLAPSE, 1000);
        fputs("</p>\n", o);
    }
    if ((run && run->partial) || r->signal)
        fputs("<p class=\"error\"><b>Partial run:</b> interrupted; the "
              "numbers cover what was measured until then.</p>\n",
              o);
    if (run) {
        struct metrics_endpoint *all = NULL;

        if (metrics_results_aggregate(run, &all) != 0) {
            all = NULL;
            h->err = GATE_ENOMEM;
        }
        fputs("<ul class=\"tiles\">\n", o);
        gate__fmt_count(metrics_results_total_requests(run), buf, sizeof(buf));
        tile(o, buf, "requests");
        snprintf(buf, sizeof(buf), "%.1f s",
                 isfinite(run->duration_s) ? run->duration_s : 0.0);
        tile(o, buf, "measured");
        for (size_t i = 0; i < sizeof(tiles) / sizeof(*tiles); i++) {
            double v = gate__value(run, all, tiles[i].stat);

            if (isfinite(v))
                snprintf(buf, sizeof(buf), tiles[i].fmt, v * tiles[i].scale);
            else
                snprintf(buf, sizeof(buf), "n/a");
            tile(o, buf, tiles[i].label);
        }
        fputs("<li><b>", o);
        if (r->baseline_name)
            gate__html_text(h, r->baseline_name, GATE__CLEAN_COLLAPSE, 60);
        else
            fputs(r->baseline ? "(file)" : "none", o);
        fputs("</b><span>baseline</span></li>\n</ul>\n", o);
        metrics_endpoint_free(all);
    }
    fputs("</div>\n</header>\n", o);
}

/* ---- checks -------------------------------------------------------------- */

static int check_rank(const struct compare_check *c)
{
    return compare_status_rank(gate__status(c), c->warning);
}

static const char *status_mark(enum compare_status s)
{
    switch (s) {
    case COMPARE_PASS:
        return "✓";
    case COMPARE_FAIL:
        return "✗";
    case COMPARE_SKIPPED:
        return "–";
    default:
        return "?";
    }
}

static void value_cell(FILE *o, int stat, bool has, double v,
                       const char *prefix)
{
    char buf[64];

    if (!has || !isfinite(v)) {
        fputs("<td class=\"num\">-</td>", o);
        return;
    }
    gate__fmt_value(stat, v, buf, sizeof(buf));
    fputs("<td class=\"num\">", o);
    gate__html_puts(o, prefix, strlen(prefix)); /* "<" of the operator */
    fprintf(o, "%s</td>", buf);
}

static void check_row(struct gate__html *h, const struct gate_report *r,
                      const struct compare_check *c)
{
    FILE *o = h->out;
    enum compare_status st = gate__status(c);
    int stat = gate__check_stat(c);
    char op[8] = "", synth[512];

    fprintf(o,
            "<tr class=\"row-%s\"><td class=\"st st-%s\">%s %s%s</td>"
            "<td class=\"name\">",
            gate__status_word(st), gate__status_word(st), status_mark(st),
            compare_status_str(st),
            st == COMPARE_PASS && c->warning ? " (warning)" : "");
    gate__html_text(h, c->endpoint ? c->endpoint : "ALL", GATE__CLEAN_COLLAPSE,
                    NAME_MAX_CHARS);
    fputs("</td><td class=\"name\">", o);
    gate__html_text(h, c->expr, GATE__CLEAN_COLLAPSE, NAME_MAX_CHARS);
    fputs("</td>", o);
    value_cell(o, stat, c->has_measured, c->measured, "");
    if (c->threshold)
        snprintf(op, sizeof(op), "%s ", compare_op_str(c->threshold->op));
    value_cell(o, stat, c->has_limit, c->limit, op);
    value_cell(o, stat, c->has_baseline, c->baseline, "");
    if (c->has_baseline && isfinite(c->delta_pct))
        fprintf(o, "<td class=\"num\">%+.1f%%</td>", c->delta_pct);
    else
        fputs("<td class=\"num\">-</td>", o);
    fputs("<td>", o);
    if (c->message[0]) {
        html_field(h, c->message, sizeof(c->message), GATE__CLEAN_COLLAPSE);
    } else {
        gate__synth_message(c, synth, sizeof(synth));
        gate__html_text(h, synth, GATE__CLEAN_COLLAPSE, 0);
    }
    if (st == COMPARE_FAIL || st == COMPARE_INCONCLUSIVE) {
        char detail[1024];

        fputs("<details><summary>details</summary><pre>", o);
        if (c->detail[0]) {
            html_field(h, c->detail, sizeof(c->detail), GATE__CLEAN_KEEP_WS);
        } else {
            gate__synth_detail(r, c, detail, sizeof(detail));
            gate__html_text(h, detail, GATE__CLEAN_KEEP_WS, 0);
        }
        fputs("</pre></details>", o);
    }
    fputs("</td></tr>\n", o);
}

static void write_checks(struct gate__html *h, const struct gate_report *r)
{
    const struct compare_verdict *v = r->verdict;
    FILE *o = h->out;
    size_t *order;

    fputs("<section id=\"checks\">\n<h2>Checks</h2>\n", o);
    if (!v || !v->checks || v->n_checks == 0) {
        fputs("<p class=\"nodata\">No checks were evaluated.</p>\n"
              "</section>\n",
              o);
        return;
    }
    order = malloc(v->n_checks * sizeof(*order));
    if (!order) {
        h->err = GATE_ENOMEM;
        fputs("</section>\n", o);
        return;
    }
    /* Worst first, stable: the order of the profile within a status. */
    for (size_t i = 0; i < v->n_checks; i++) {
        size_t j = i;

        while (j > 0 && check_rank(&v->checks[order[j - 1]]) <
                            check_rank(&v->checks[i])) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = i;
    }
    fputs("<table class=\"checks\">\n<thead><tr><th scope=\"col\">Status"
          "</th><th scope=\"col\">Endpoint</th><th scope=\"col\">Check</th>"
          "<th scope=\"col\">Measured</th><th scope=\"col\">Limit</th>"
          "<th scope=\"col\">Baseline</th><th scope=\"col\">Δ</th>"
          "<th scope=\"col\">Message</th></tr></thead>\n<tbody>\n",
          o);
    for (size_t i = 0; i < v->n_checks; i++)
        check_row(h, r, &v->checks[order[i]]);
    fputs("</tbody>\n</table>\n</section>\n", o);
    free(order);
}

/* ---- endpoint table (the text report's) -----------------------------------
 */

static void ms_cell(FILE *o, double ms)
{
    char buf[32];

    gate__fmt_ms(ms, buf, sizeof(buf));
    fprintf(o, "<td>%s</td>", buf);
}

static void write_endpoint_table(struct gate__html *h,
                                 const struct gate_report *r)
{
    const struct metrics_results *run = r->run;
    bool with_base = r->baseline != NULL;
    FILE *o = h->out;

    fputs("<section id=\"endpoints\">\n<h2>Endpoint performance</h2>\n", o);
    if (run->n_endpoints == 0) {
        fputs("<p class=\"nodata\">No endpoint was measured.</p>\n"
              "</section>\n",
              o);
        return;
    }
    fputs("<table class=\"endpoints num\">\n<thead><tr><th scope=\"col\">"
          "Method</th><th scope=\"col\">Endpoint</th><th scope=\"col\">P50 "
          "ms</th><th scope=\"col\">P95 ms</th><th scope=\"col\">P99 ms</th>"
          "<th scope=\"col\">RPS</th><th scope=\"col\">Errors</th>",
          o);
    if (with_base)
        fputs("<th scope=\"col\">Base P95 ms</th><th scope=\"col\">Δ P95"
              "</th>",
              o);
    fputs("</tr></thead>\n<tbody>\n", o);
    for (size_t i = 0; i < run->n_endpoints; i++) {
        const struct metrics_endpoint *ep = run->endpoints[i];
        double rps = gate__value(run, ep, METRICS_STAT_RPS);
        double err = gate__value(run, ep, METRICS_STAT_ERROR_RATE);

        fputs("<tr><td class=\"name\">", o);
        gate__html_text(h, ep->method ? ep->method : "-", GATE__CLEAN_COLLAPSE,
                        40);
        fputs("</td><td class=\"name\">", o);
        gate__html_text(h, ep->path ? ep->path : "", GATE__CLEAN_COLLAPSE,
                        NAME_MAX_CHARS);
        fputs("</td>", o);
        ms_cell(o, gate__value(run, ep, METRICS_STAT_P50));
        ms_cell(o, gate__value(run, ep, METRICS_STAT_P95));
        ms_cell(o, gate__value(run, ep, METRICS_STAT_P99));
        if (isfinite(rps))
            fprintf(o, "<td>%.1f</td>", rps);
        else
            fputs("<td>-</td>", o);
        if (isfinite(err))
            fprintf(o, "<td>%.2f%%</td>", err * 100.0);
        else
            fputs("<td>-</td>", o);
        if (with_base) {
            double base = gate__base_value(r, ep, METRICS_STAT_P95);
            double d =
                gate__change_pct(gate__value(run, ep, METRICS_STAT_P95), base);

            ms_cell(o, base);
            if (isfinite(d))
                fprintf(o, "<td>%+.1f%%</td>", d);
            else
                fputs("<td>-</td>", o);
        }
        fputs("</tr>\n", o);
    }
    fputs("</tbody>\n</table>\n</section>\n", o);
}

/* ---- charts per endpoint ---------------------------------------------------
 */

static void write_endpoint_charts(struct gate__html *h,
                                  const struct gate_report *r,
                                  const struct metrics_endpoint *ep,
                                  const char *name,
                                  const struct metrics_endpoint *bep,
                                  const struct metrics_results *base)
{
    FILE *o = h->out;
    struct gate__tl_point *pts = NULL;
    struct gate__html_base bl = {NAN, NAN, NAN};
    size_t n = 0;
    uint64_t bucket = 1;

    fputs("<section class=\"endpoint\">\n<h3>", o);
    gate__html_text(h, name, GATE__CLEAN_COLLAPSE, NAME_MAX_CHARS);
    fputs("</h3>\n", o);
    if (bep) {
        bl.p50 = gate__value(base, bep, METRICS_STAT_P50);
        bl.p95 = gate__value(base, bep, METRICS_STAT_P95);
        bl.p99 = gate__value(base, bep, METRICS_STAT_P99);
    } else if (base) {
        fputs("<p class=\"nodata\">Not in the baseline.</p>\n", o);
    }
    if (gate__html_timeline(ep, r->run->start_second, GATE__HTML_MAX_POINTS,
                            &pts, &n, &bucket) != 0) {
        h->err = GATE_ENOMEM;
        n = 0;
    }
    gate__html_latency_chart(h, name, pts, n, bucket, bep ? &bl : NULL);
    gate__html_rate_chart(h, name, pts, n, bucket, bep ? &bl : NULL);
    gate__html_dist_chart(h, name, r->run, ep, base, bep);
    free(pts);
    fputs("</section>\n", o);
}

static void write_charts(struct gate__html *h, const struct gate_report *r)
{
    const struct metrics_results *run = r->run;
    FILE *o = h->out;

    if (run->n_endpoints == 0)
        return;
    fputs("<section id=\"charts\">\n<h2>Latency and throughput</h2>\n", o);
    if (run->n_endpoints > 1) {
        struct metrics_endpoint *all = NULL, *ball = NULL;

        if (metrics_results_aggregate(run, &all) != 0 ||
            (r->baseline && metrics_results_aggregate(r->baseline, &ball))) {
            h->err = GATE_ENOMEM;
        } else {
            write_endpoint_charts(h, r, all, "ALL (whole run)", ball,
                                  r->baseline);
        }
        metrics_endpoint_free(all);
        metrics_endpoint_free(ball);
    }
    for (size_t i = 0; i < run->n_endpoints; i++) {
        const struct metrics_endpoint *ep = run->endpoints[i];
        char name[1024];

        metrics_endpoint_name(ep, name, sizeof(name));
        write_endpoint_charts(
            h, r, ep, name,
            r->baseline ? metrics_results_find(r->baseline, name) : NULL,
            r->baseline);
    }
    fputs("</section>\n", o);
}

/* ---- streamed responses
 * ------------------------------------------------------ */

/* One streaming endpoint's charts: the TTFT and ITL distributions (with
 * the baseline's when it streams there too) and its tokens per second. */
static void stream_charts(struct gate__html *h, const struct gate_report *r,
                          const struct gate__stream_row *w)
{
    const struct metrics_endpoint *bep = NULL;
    struct metrics_endpoint *v = NULL, *bv = NULL, *ball = NULL;
    static const enum metrics_series dist[] = {METRICS_SERIES_TTFT,
                                               METRICS_SERIES_ITL};
    static const char *const label[] = {"TTFT", "ITL"};
    struct gate__tl_point *pts = NULL;
    size_t n = 0;
    uint64_t bucket = 1;
    char name[1100];

    if (r->baseline && strcmp(w->name, "ALL") == 0) {
        if (metrics_results_aggregate(r->baseline, &ball) != 0)
            h->err = GATE_ENOMEM;
        bep = ball;
    } else if (r->baseline) {
        bep = metrics_results_find(r->baseline, w->name);
    }
    if (bep && !bep->stream)
        bep = NULL;
    fputs("<section class=\"endpoint stream\">\n<h3>", h->out);
    snprintf(name, sizeof(name), "%s (streams)",
             strcmp(w->name, "ALL") == 0 ? "ALL (whole run)" : w->name);
    gate__html_text(h, name, GATE__CLEAN_COLLAPSE, NAME_MAX_CHARS);
    fputs("</h3>\n", h->out);
    for (size_t i = 0; i < 2; i++) {
        if (metrics_series_view(w->ep, dist[i], &v) != 0 ||
            (bep && metrics_series_view(bep, dist[i], &bv) != 0)) {
            h->err = GATE_ENOMEM;
        } else {
            h->quantity = label[i];
            gate__html_dist_chart(h, name, r->run, v, r->baseline, bv);
            h->quantity = NULL;
        }
        metrics_endpoint_free(v);
        metrics_endpoint_free(bv);
        v = bv = NULL;
    }
    if (metrics_series_view(w->ep, METRICS_SERIES_TOKENS_PER_S, &v) != 0 ||
        gate__html_timeline(v, r->run->start_second, GATE__HTML_MAX_POINTS,
                            &pts, &n, &bucket) != 0) {
        h->err = GATE_ENOMEM;
        n = 0;
    }
    h->rate_of = "tokens";
    gate__html_rate_chart(h, name, pts, n, bucket, NULL);
    h->rate_of = NULL;
    free(pts);
    metrics_endpoint_free(v);
    metrics_endpoint_free(ball);
    fputs("</section>\n", h->out);
}

static void write_streams(struct gate__html *h, const struct gate_report *r)
{
    struct gate__streams st;
    FILE *o = h->out;
    char how[1024];

    if (gate__streams_get(r->run, &st) != 0) {
        h->err = GATE_ENOMEM;
        return;
    }
    if (st.n == 0)
        return;
    fputs("<section id=\"streams\">\n<h2>Streams</h2>\n"
          "<table class=\"endpoints num\">\n<thead><tr><th scope=\"col\">"
          "Endpoint</th><th scope=\"col\">TTFT p50 ms</th><th "
          "scope=\"col\">TTFT p95 ms</th><th scope=\"col\">ITL p50 ms</th>"
          "<th scope=\"col\">ITL p99 ms</th><th scope=\"col\">TPOT p50 ms"
          "</th><th scope=\"col\">tokens/s</th><th scope=\"col\">goodput/s"
          "</th><th scope=\"col\">stream errors</th></tr></thead>\n<tbody>\n",
          o);
    for (size_t i = 0; i < st.n; i++) {
        const struct gate__stream_row *w = &st.rows[i];

        fputs("<tr><td class=\"name\">", o);
        gate__html_text(h, w->name, GATE__CLEAN_COLLAPSE, NAME_MAX_CHARS);
        fputs("</td>", o);
        ms_cell(o, w->ttft_p50);
        ms_cell(o, w->ttft_p95);
        ms_cell(o, w->itl_p50);
        ms_cell(o, w->itl_p99);
        ms_cell(o, w->tpot_p50);
        fprintf(o, isfinite(w->tokens_per_s) ? "<td>%.1f</td>" : "<td>-</td>",
                w->tokens_per_s);
        fprintf(o, isfinite(w->goodput) ? "<td>%.1f</td>" : "<td>-</td>",
                w->goodput);
        fprintf(o, "<td>%llu of %llu</td></tr>\n",
                (unsigned long long)w->errors, (unsigned long long)w->streams);
    }
    fputs("</tbody>\n</table>\n<ul class=\"rules\">\n", o);
    for (size_t i = 0; i < st.n; i++) {
        if (!st.rows[i].rule)
            continue;
        gate__stream_rule(&st.rows[i], how, sizeof(how));
        fputs("<li>", o);
        gate__html_text(h, st.rows[i].name, GATE__CLEAN_COLLAPSE,
                        NAME_MAX_CHARS);
        fputs(": ", o);
        gate__html_text(h, how, GATE__CLEAN_COLLAPSE, 0);
        fputs("</li>\n", o);
    }
    fputs("</ul>\n", o);
    for (size_t i = 0; i < st.n; i++)
        stream_charts(h, r, &st.rows[i]);
    fputs("</section>\n", o);
    gate__streams_free(&st);
}

/* ---- run metadata and recommendations -------------------------------------
 */

static void meta_str(struct gate__html *h, const char *label, const char *v)
{
    if (!v || !*v)
        return;
    fprintf(h->out, "<dt>%s</dt><dd>", label);
    gate__html_text(h, v, GATE__CLEAN_COLLAPSE, 400);
    fputs("</dd>\n", h->out);
}

static void write_meta(struct gate__html *h, const struct gate_report *r)
{
    const struct metrics_results *run = r->run;
    const struct metrics_meta *m = &run->meta;
    FILE *o = h->out;
    char ts[32], buf[128];

    fputs("<section id=\"run\">\n<h2>Run</h2>\n<dl class=\"meta\">\n", o);
    meta_str(h, "Profile", r->profile_name ? r->profile_name : m->profile_name);
    meta_str(h, "Profile file", r->profile_path);
    meta_str(h, "Profile SHA-256", m->profile_sha256);
    meta_str(h, "Host", m->host);
    if (m->git_sha || m->git_branch) {
        fputs("<dt>Git</dt><dd>", o);
        gate__html_text(h, m->git_sha ? m->git_sha : "-", GATE__CLEAN_COLLAPSE,
                        80);
        if (m->git_branch) {
            fputs(" (", o);
            gate__html_text(h, m->git_branch, GATE__CLEAN_COLLAPSE, 200);
            fputs(")", o);
        }
        fputs("</dd>\n", o);
    }
    if (run->timestamp && *run->timestamp) {
        meta_str(h, "Started", run->timestamp);
    } else {
        gate__timestamp(run, ts, sizeof(ts));
        fprintf(o, "<dt>Started</dt><dd>%sZ</dd>\n", ts);
    }
    fprintf(o, "<dt>Duration</dt><dd>%.2f s measured",
            isfinite(run->duration_s) ? run->duration_s : 0.0);
    if (isfinite(m->warmup_s) && m->warmup_s > 0)
        fprintf(o, " (after %.1f s warm-up)", m->warmup_s);
    fputs("</dd>\n", o);
    gate__fmt_count(run->concurrent_users, buf, sizeof(buf));
    fprintf(o, "<dt>Concurrent users</dt><dd>%s</dd>\n", buf);
    meta_str(h, "Load model", m->model);
    if (isfinite(m->target_rps) && m->target_rps > 0)
        fprintf(o, "<dt>Target rate</dt><dd>%.1f/s (achieved %.1f/s)%s</dd>\n",
                m->target_rps, isfinite(m->achieved_rps) ? m->achieved_rps : 0,
                m->saturated ? "; load generator saturated" : "");
    else if (m->saturated)
        fputs("<dt>Load generator</dt><dd>saturated</dd>\n", o);
    fprintf(o, "<dt>Partial</dt><dd>%s</dd>\n",
            run->partial || r->signal ? "yes (interrupted)" : "no");
    meta_str(h, "Shard", m->shard);
    meta_str(h, "Source", m->source);
    if (m->cpus > 0)
        fprintf(o, "<dt>CPUs</dt><dd>%d</dd>\n", m->cpus);
    meta_str(h, "loadgate version", m->loadgate_version);
    if (r->baseline || r->baseline_name) {
        fputs("<dt>Baseline</dt><dd>", o);
        gate__html_text(h, r->baseline_name ? r->baseline_name : "(file)",
                        GATE__CLEAN_COLLAPSE, 200);
        if (r->baseline && r->baseline->timestamp) {
            fputs(", recorded ", o);
            gate__html_text(h, r->baseline->timestamp, GATE__CLEAN_COLLAPSE,
                            64);
        }
        if (r->baseline && r->baseline->meta.git_sha) {
            fputs(" at ", o);
            gate__html_text(h, r->baseline->meta.git_sha, GATE__CLEAN_COLLAPSE,
                            80);
        }
        fputs("</dd>\n", o);
    }
    fputs("</dl>\n</section>\n", o);
}

static void write_recommendations(struct gate__html *h,
                                  const struct metrics_results *run)
{
    FILE *o = h->out;

    if (!run->n_recommendations)
        return;
    fputs("<section id=\"recommendations\">\n<h2>Recommendations</h2>\n"
          "<ol>\n",
          o);
    for (size_t i = 0; i < run->n_recommendations; i++) {
        fputs("<li>", o);
        gate__html_text(h, run->recommendations[i], GATE__CLEAN_COLLAPSE, 0);
        fputs("</li>\n", o);
    }
    fputs("</ol>\n</section>\n", o);
}

int gate_html_write(const struct gate_report *r, FILE *out)
{
    struct gate__html h = {out, 0, 0, NULL, NULL};
    const char *overall;

    if (!r || !out)
        return GATE_EIO;
    overall = gate__overall(r);
    write_head(&h, r, overall);
    fputs("<body>\n", out);
    write_header(&h, r, overall);
    fputs("<main>\n", out);
    write_checks(&h, r);
    if (r->run) {
        write_endpoint_table(&h, r);
        write_charts(&h, r);
        write_streams(&h, r);
        write_meta(&h, r);
        write_recommendations(&h, r->run);
    } else {
        fputs("<p class=\"nodata\">Nothing was measured.</p>\n", out);
    }
    fputs("</main>\n<footer>Generated by loadgate " LOADGATE_VERSION
          ". This file is self-contained: it loads nothing from the network"
          " and reads without JavaScript.</footer>\n</body>\n</html>\n",
          out);
    if (fflush(out) != 0 || ferror(out))
        return GATE_EIO;
    return h.err;
}
