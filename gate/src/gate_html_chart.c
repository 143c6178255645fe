/*
 * The HTML report's charts: inline SVG written in C, so the report needs
 * no script and no network to show them.  Text is real <text>, every chart
 * has a <title>, a <desc> and a table in a <details>; series differ by
 * colour (Okabe-Ito, safe for colour-blind readers) and by dash pattern or
 * shape, so they stay apart in greyscale print too.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gate_internal.h"

/* Okabe-Ito colours. */
#define C_BLUE "#0072B2"
#define C_ORANGE "#E69F00"
#define C_VERMILLION "#D55E00"
#define C_SKY "#56B4E9"
#define C_GREEN "#009E73"
#define C_PURPLE "#CC79A7"
#define C_GRID "#dddddd"
#define C_AXIS "#555555"

/* Dash patterns: p50 solid, p95 dashed, p99 dotted; baselines long dashes. */
#define DASH_P95 "7 3"
#define DASH_P99 "2 2.5"
#define DASH_BASE "12 6"

#define CHART_W 920

/* ---- timeline ---------------------------------------------------------- */

static double pct_ms(const struct metrics_hist *h, double pct)
{
    return (double)metrics_hist_percentile(h, pct) / 1000.0;
}

int gate__html_timeline(const struct metrics_endpoint *ep, int64_t start,
                        size_t max_points, struct gate__tl_point **out,
                        size_t *n, uint64_t *bucket_s)
{
    struct gate__tl_point *pts = NULL;
    struct metrics_hist **hists = NULL;
    uint64_t span, w, nb, first, last, origin;
    int rc = 0;

    *out = NULL;
    *n = 0;
    *bucket_s = 1;
    if (!ep || !ep->timeline || ep->n_timeline == 0)
        return 0;
    if (max_points == 0)
        max_points = GATE__HTML_MAX_POINTS;
    /* Unsigned arithmetic on the seconds: a hostile document may hold
     * seconds far apart (or out of order) without overflowing anything. */
    first = last = (uint64_t)ep->timeline[0].second;
    for (size_t i = 1; i < ep->n_timeline; i++) {
        int64_t s = ep->timeline[i].second;

        if (s < (int64_t)first)
            first = (uint64_t)s;
        if (s > (int64_t)last)
            last = (uint64_t)s;
    }
    origin = first;
    if (start > 0 && start <= (int64_t)first)
        origin = (uint64_t)start;
    span = last - origin;
    if (span < UINT64_MAX)
        span++;
    w = span / max_points + (span % max_points != 0);
    if (w == 0)
        w = 1;
    nb = span / w + (span % w != 0);
    pts = calloc((size_t)nb, sizeof(*pts));
    hists = calloc((size_t)nb, sizeof(*hists));
    if (!pts || !hists) {
        rc = GATE_ENOMEM;
        goto out;
    }
    for (uint64_t b = 0; b < nb; b++) {
        uint64_t left = span - b * w;

        pts[b].t = (double)(b * w);
        pts[b].width = (double)(left < w ? left : w);
        pts[b].p50 = pts[b].p95 = pts[b].p99 = NAN;
    }
    for (size_t i = 0; i < ep->n_timeline; i++) {
        const struct metrics_point *p = &ep->timeline[i];
        uint64_t b = ((uint64_t)p->second - origin) / w;

        if (b >= nb)
            b = nb - 1;
        pts[b].requests += p->requests;
        pts[b].errors += p->errors;
        if (!p->hist || metrics_hist_count(p->hist) == 0)
            continue;
        if (!hists[b] && metrics_hist_new(&hists[b]) != 0) {
            rc = GATE_ENOMEM;
            goto out;
        }
        if (metrics_hist_add(hists[b], p->hist) != 0) {
            rc = GATE_ENOMEM;
            goto out;
        }
    }
    for (uint64_t b = 0; b < nb; b++) {
        if (!hists[b])
            continue;
        pts[b].samples = metrics_hist_count(hists[b]);
        if (pts[b].samples) {
            pts[b].p50 = pct_ms(hists[b], 50);
            pts[b].p95 = pct_ms(hists[b], 95);
            pts[b].p99 = pct_ms(hists[b], 99);
        }
    }
    *out = pts;
    *n = (size_t)nb;
    *bucket_s = w;
    pts = NULL;
out:
    if (hists)
        for (uint64_t b = 0; b < nb; b++)
            metrics_hist_free(hists[b]);
    free(hists);
    free(pts);
    return rc;
}

/* ---- drawing helpers ---------------------------------------------------- */

struct frame {
    double w, h;           /* whole SVG */
    double ml, mr, mt, mb; /* margins around the plot area */
    double x0, x1, y0, y1; /* data ranges */
};

static double px(const struct frame *f, double x)
{
    double span = f->x1 - f->x0;

    return f->ml + (span > 0 ? (x - f->x0) / span : 0) * (f->w - f->ml - f->mr);
}

static double py(const struct frame *f, double y)
{
    double span = f->y1 - f->y0;

    return f->h - f->mb -
           (span > 0 ? (y - f->y0) / span : 0) * (f->h - f->mt - f->mb);
}

/* A 1-2-5 step giving about target intervals over [0, hi]. */
static double nice_step(double hi, int target)
{
    double raw, mag, f;

    if (!(hi > 0) || !isfinite(hi))
        return 1;
    raw = hi / target;
    mag = pow(10, floor(log10(raw)));
    f = raw / mag;
    return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
}

/* Steps that read well on a time axis, in seconds. */
static double time_step(double span, int target)
{
    static const double steps[] = {1,    2,    5,     10,    15,    30,
                                   60,   120,  300,   600,   900,   1800,
                                   3600, 7200, 14400, 21600, 43200, 86400};

    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
        if (span / steps[i] <= target)
            return steps[i];
    return nice_step(span / 86400.0, target) * 86400.0;
}

/* "45s" under a minute, else "m:ss", else "h:mm:ss". */
static void fmt_time(double t, char *buf, size_t len)
{
    uint64_t s;

    if (!(t >= 0) || t > 1e15) {
        snprintf(buf, len, "?");
        return;
    }
    s = (uint64_t)(t + 0.5);
    if (s < 60)
        snprintf(buf, len, "%" PRIu64 "s", s);
    else if (s < 3600)
        snprintf(buf, len, "%" PRIu64 ":%02" PRIu64, s / 60, s % 60);
    else
        snprintf(buf, len, "%" PRIu64 ":%02" PRIu64 ":%02" PRIu64, s / 3600,
                 s / 60 % 60, s % 60);
}

/* A tick value: no more decimals than the step needs. */
static void fmt_tick(double v, double step, char *buf, size_t len)
{
    int dec = step >= 1 ? 0 : (int)ceil(-log10(step) - 1e-9);

    if (dec > 6)
        dec = 6;
    snprintf(buf, len, "%.*f", dec, v);
}

/* A value in a table cell or label: ms as the endpoint table does. */
static void fmt_ms(double ms, char *buf, size_t len)
{
    gate__fmt_ms(ms, buf, len);
}

static void fmt_rate(double v, char *buf, size_t len)
{
    if (!isfinite(v))
        snprintf(buf, len, "-");
    else if (v < 10)
        snprintf(buf, len, "%.2f", v);
    else
        snprintf(buf, len, "%.1f", v);
}

/* Opens <figure><svg> with an accessible name: the <title> and <desc>
 * are the SVG's label, and the figure caption repeats the title. */
static unsigned svg_open(struct gate__html *h, const struct frame *f,
                         const char *kind, const char *title, const char *name,
                         const char *desc)
{
    unsigned id = ++h->next_id;
    FILE *o = h->out;

    fprintf(o,
            "<figure class=\"chart %s\">\n<svg xmlns=\"http://www.w3.org/"
            "2000/svg\" role=\"img\" viewBox=\"0 0 %.0f %.0f\" "
            "aria-labelledby=\"c%u-t c%u-d\" class=\"svg\">\n"
            "<title id=\"c%u-t\">%s: ",
            kind, f->w, f->h, id, id, id, title);
    gate__html_text(h, name, GATE__CLEAN_COLLAPSE, 0);
    fprintf(o, "</title>\n<desc id=\"c%u-d\">", id);
    gate__html_text(h, desc, GATE__CLEAN_COLLAPSE, 0);
    fputs("</desc>\n", o);
    return id;
}

static void svg_close(struct gate__html *h, const char *caption)
{
    fprintf(h->out, "</svg>\n<figcaption>%s</figcaption>\n</figure>\n",
            caption);
}

/* Horizontal grid and labels on the y axis, from 0 to f->y1. */
static void y_axis(FILE *o, const struct frame *f, double step,
                   const char *unit)
{
    char buf[32];

    fputs("<g class=\"axis y\">\n", o);
    for (int i = 0; i <= 40; i++) {
        double v = f->y0 + step * i, y;

        if (v > f->y1 + step * 1e-6)
            break;
        y = py(f, v);
        fprintf(o,
                "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                "stroke=\"" C_GRID "\"/>",
                f->ml, y, f->w - f->mr, y);
        fmt_tick(v, step, buf, sizeof(buf));
        fprintf(o,
                "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" "
                "dominant-baseline=\"middle\">%s</text>\n",
                f->ml - 6, y, buf);
    }
    fprintf(o,
            "<text x=\"14\" y=\"%.1f\" text-anchor=\"middle\" "
            "transform=\"rotate(-90 14 %.1f)\">%s</text>\n",
            (f->mt + f->h - f->mb) / 2, (f->mt + f->h - f->mb) / 2, unit);
    fputs("</g>\n", o);
}

/* Time ticks along the bottom. */
static void x_time_axis(FILE *o, const struct frame *f)
{
    double step = time_step(f->x1 - f->x0, 10);
    char buf[32];
    double base = f->h - f->mb;

    fputs("<g class=\"axis x\">\n", o);
    fprintf(o,
            "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
            "stroke=\"" C_AXIS "\"/>\n",
            f->ml, base, f->w - f->mr, base);
    for (int i = 0; i <= 40; i++) {
        double t = step * i, x;

        if (t > f->x1 + step * 1e-6)
            break;
        x = px(f, t);
        fmt_time(t, buf, sizeof(buf));
        fprintf(o,
                "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                "stroke=\"" C_AXIS "\"/><text x=\"%.1f\" y=\"%.1f\" "
                "text-anchor=\"middle\">%s</text>\n",
                x, base, x, base + 4, x, base + 16, buf);
    }
    fprintf(o,
            "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">time since "
            "start</text>\n</g>\n",
            (f->ml + f->w - f->mr) / 2, f->h - 4);
}

/* A legend entry: a short line in the series' style, then its label. */
static double legend(FILE *o, double x, double y, const char *color,
                     const char *dash, double width, const char *label)
{
    fprintf(o,
            "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
            "stroke=\"%s\" stroke-width=\"%.1f\"%s%s%s/>"
            "<text x=\"%.1f\" y=\"%.1f\" dominant-baseline=\"middle\">%s"
            "</text>\n",
            x, y, x + 28, y, color, width, dash ? " stroke-dasharray=\"" : "",
            dash ? dash : "", dash ? "\"" : "", x + 34, y, label);
    return x + 40 + 7.0 * (double)strlen(label);
}

static double max_finite(double a, double b)
{
    if (!isfinite(a))
        return b;
    if (!isfinite(b))
        return a;
    return a > b ? a : b;
}

/* ---- latency over time -------------------------------------------------- */

/* A baseline's label at the right end of its line. */
struct blabel {
    double y, v;
    size_t i;
};

struct series {
    const char *key, *label, *color, *dash;
    const char *text_color; /* darker where the line colour is too light
                               for text on white */
    double width;
    size_t off; /* offsetof the value in gate__tl_point */
};

static const struct series lat_series[3] = {
    {"p50", "p50", C_BLUE, NULL, C_BLUE, 1.6,
     offsetof(struct gate__tl_point, p50)},
    {"p95", "p95", C_ORANGE, DASH_P95, "#8a5a00", 1.8,
     offsetof(struct gate__tl_point, p95)},
    {"p99", "p99", C_VERMILLION, DASH_P99, "#b34700", 1.8,
     offsetof(struct gate__tl_point, p99)},
};

static double series_val(const struct gate__tl_point *p, const struct series *s)
{
    return *(const double *)(const void *)((const char *)p + s->off);
}

static double base_val(const struct gate__html_base *b, size_t i)
{
    if (!b)
        return NAN;
    return i == 0 ? b->p50 : i == 1 ? b->p95 : b->p99;
}

static void empty_chart(struct gate__html *h, const char *what)
{
    fprintf(h->out, "<p class=\"nodata\">%s</p>\n", what);
}

void gate__html_latency_chart(struct gate__html *h, const char *name,
                              const struct gate__tl_point *pts, size_t n,
                              uint64_t bucket_s,
                              const struct gate__html_base *base)
{
    struct frame f = {CHART_W, 300, 64, 128, 34, 40, 0, 1, 0, 1};
    FILE *o = h->out;
    double ymax = 0, step, lx;
    bool any = false, any_base = false;
    char desc[256], buf[64];
    struct blabel labels[3];
    size_t nl = 0;

    for (size_t i = 0; i < n; i++)
        if (pts[i].samples) {
            any = true;
            ymax = max_finite(ymax, pts[i].p99);
        }
    for (size_t i = 0; i < 3; i++)
        if (isfinite(base_val(base, i))) {
            any_base = true;
            ymax = max_finite(ymax, base_val(base, i));
        }
    if (!any) {
        empty_chart(h, "No per-second latencies in these results: the "
                       "latency-over-time chart is not drawn.");
        return;
    }
    if (!any_base)
        f.mr = 20;
    step = nice_step(ymax * 1.05, 5);
    f.y1 = ceil(ymax * 1.05 / step) * step;
    if (f.y1 <= 0)
        f.y1 = step;
    f.x1 = pts[n - 1].t + pts[n - 1].width;
    snprintf(desc, sizeof(desc),
             "p50, p95 and p99 latency in ms per %" PRIu64 "-second window%s.",
             bucket_s,
             any_base ? "; the baseline's whole-run values as dashed "
                        "horizontal lines"
                      : "");
    svg_open(h, &f, "latency", "Latency over time", name, desc);
    y_axis(o, &f, step, "ms");
    x_time_axis(o, &f);
    /* legend above the plot */
    lx = f.ml;
    for (size_t s = 0; s < 3; s++)
        lx = legend(o, lx, 14, lat_series[s].color, lat_series[s].dash,
                    lat_series[s].width, lat_series[s].label);
    if (any_base)
        legend(o, lx + 10, 14, C_AXIS, DASH_BASE, 1.2, "baseline (whole run)");
    /* baselines first, under the run's lines */
    for (size_t s = 0; s < 3; s++) {
        double v = base_val(base, s), y;

        if (!isfinite(v))
            continue;
        y = py(&f, v);
        fprintf(o,
                "<line class=\"base-line base-%s\" x1=\"%.1f\" y1=\"%.1f\" "
                "x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"1.2\" "
                "stroke-dasharray=\"" DASH_BASE "\" opacity=\"0.8\"/>\n",
                lat_series[s].key, f.ml, y, f.w - f.mr, y, lat_series[s].color);
        labels[nl].y = y;
        labels[nl].v = v;
        labels[nl].i = s;
        nl++;
    }
    /* labels at the right end, pushed apart so they never overlap */
    for (size_t a = 1; a < nl; a++)
        for (size_t b = a; b > 0 && labels[b].y < labels[b - 1].y; b--) {
            struct blabel tmp;

            memcpy(&tmp, &labels[b], sizeof(tmp));
            memcpy(&labels[b], &labels[b - 1], sizeof(tmp));
            memcpy(&labels[b - 1], &tmp, sizeof(tmp));
        }
    for (size_t a = 1; a < nl; a++)
        if (labels[a].y < labels[a - 1].y + 13)
            labels[a].y = labels[a - 1].y + 13;
    for (size_t a = 0; a < nl; a++) {
        fmt_ms(labels[a].v, buf, sizeof(buf));
        fprintf(o,
                "<text class=\"base-label\" x=\"%.1f\" y=\"%.1f\" "
                "dominant-baseline=\"middle\" fill=\"%s\">base %s %s ms"
                "</text>\n",
                f.w - f.mr + 6, labels[a].y, lat_series[labels[a].i].text_color,
                lat_series[labels[a].i].key, buf);
    }
    /* the run's series: one path each, broken where a window has no
     * samples */
    for (size_t s = 0; s < 3; s++) {
        bool pen = false;

        fprintf(o,
                "<path class=\"series run-%s\" fill=\"none\" stroke=\"%s\" "
                "stroke-width=\"%.1f\" stroke-linejoin=\"round\" "
                "stroke-linecap=\"round\"%s%s%s d=\"",
                lat_series[s].key, lat_series[s].color, lat_series[s].width,
                lat_series[s].dash ? " stroke-dasharray=\"" : "",
                lat_series[s].dash ? lat_series[s].dash : "",
                lat_series[s].dash ? "\"" : "");
        for (size_t i = 0; i < n; i++) {
            double v = series_val(&pts[i], &lat_series[s]);

            if (!pts[i].samples || !isfinite(v)) {
                pen = false;
                continue;
            }
            fprintf(o, "%s%.1f %.1f", pen ? "L" : "M",
                    px(&f, pts[i].t + pts[i].width / 2), py(&f, v));
            /* an isolated window still shows, as a dot */
            if (!pen && (i + 1 >= n || !pts[i + 1].samples))
                fputs("l0 0", o);
            pen = true;
        }
        fputs("\"/>\n", o);
    }
    svg_close(h, bucket_s > 1 ? "Latency over time (each point merges "
                                "adjacent seconds; see the table)"
                              : "Latency over time");
}

/* ---- requests and errors per second -------------------------------------- */

/* The data of a tokens-per-second chart. */
static void token_table(struct gate__html *h, const char *name,
                        const struct gate__tl_point *pts, size_t n,
                        uint64_t bucket_s)
{
    FILE *o = h->out;
    char t0[32], t1[32], a[32];

    fprintf(o,
            "<details class=\"data\"><summary>Tokens per second (%zu row%s%s)"
            "</summary>\n<table class=\"num\">\n<caption>",
            n, n == 1 ? "" : "s",
            bucket_s > 1 ? ", adjacent seconds merged" : "");
    gate__html_text(h, name, GATE__CLEAN_COLLAPSE, 200);
    fputs(": tokens per second</caption>\n<thead><tr><th scope=\"col\">"
          "from</th><th scope=\"col\">to</th><th scope=\"col\">tokens/s"
          "</th></tr></thead>\n<tbody>\n",
          o);
    for (size_t i = 0; i < n; i++) {
        double wd = pts[i].width > 0 ? pts[i].width : 1;

        fmt_time(pts[i].t, t0, sizeof(t0));
        fmt_time(pts[i].t + pts[i].width, t1, sizeof(t1));
        fmt_rate((double)pts[i].requests / wd, a, sizeof(a));
        fprintf(o, "<tr><td>%s</td><td>%s</td><td>%s</td></tr>\n", t0, t1, a);
    }
    fputs("</tbody>\n</table>\n</details>\n", o);
}

void gate__html_rate_chart(struct gate__html *h, const char *name,
                           const struct gate__tl_point *pts, size_t n,
                           uint64_t bucket_s,
                           const struct gate__html_base *base)
{
    struct frame f = {CHART_W, 170, 64, 128, 30, 40, 0, 1, 0, 1};
    FILE *o = h->out;
    double ymax = 0, step, lx, y0;
    char t0[32], t1[32], what[80];
    bool any_err = false, tokens = h->rate_of != NULL;

    if (n == 0) {
        empty_chart(h, tokens ? "No per-second timeline in these results: "
                                "the tokens-per-second chart is not drawn."
                              : "No per-second timeline in these results: "
                                "the requests-per-second chart is not "
                                "drawn.");
        return;
    }
    for (size_t i = 0; i < n; i++) {
        double wd = pts[i].width > 0 ? pts[i].width : 1;

        ymax = max_finite(ymax, (double)pts[i].requests / wd);
        if (pts[i].errors)
            any_err = true;
    }
    step = nice_step(ymax * 1.05, 4);
    f.y1 = ceil(ymax * 1.05 / step) * step;
    if (f.y1 <= 0)
        f.y1 = step;
    f.x1 = pts[n - 1].t + pts[n - 1].width;
    if (!base)
        f.mr = 20;
    if (tokens) /* a stream's tokens: no errors to show */
        snprintf(what, sizeof(what), "%s per second", "Tokens");
    svg_open(h, &f, "rate", tokens ? what : "Requests and errors per second",
             name,
             tokens ? "Tokens of the streams that ended in each second, per "
                      "second, as a filled area."
                    : "Completed requests per second as a filled area; "
                      "failed requests per second as bars.");
    y_axis(o, &f, step, tokens ? "tok/s" : "req/s");
    x_time_axis(o, &f);
    lx =
        legend(o, f.ml, 12, C_SKY, NULL, 8, tokens ? "tokens/s" : "requests/s");
    if (!tokens)
        fprintf(o,
                "<rect x=\"%.1f\" y=\"7\" width=\"28\" height=\"10\" "
                "fill=\"" C_VERMILLION "\"/><text x=\"%.1f\" y=\"12\" "
                "dominant-baseline=\"middle\">errors/s%s</text>\n",
                lx, lx + 34, any_err ? "" : " (none)");
    y0 = py(&f, 0);
    /* requests: a step area over the windows */
    fputs("<path class=\"series run-rps\" fill=\"" C_SKY "\" "
          "fill-opacity=\"0.55\" stroke=\"" C_BLUE "\" stroke-width=\"1\" d=\"",
          o);
    fprintf(o, "M%.1f %.1f", px(&f, pts[0].t), y0);
    for (size_t i = 0; i < n; i++) {
        double wd = pts[i].width > 0 ? pts[i].width : 1;
        double y = py(&f, (double)pts[i].requests / wd);

        fprintf(o, "V%.1fH%.1f", y, px(&f, pts[i].t + pts[i].width));
    }
    fprintf(o, "V%.1fZ\"/>\n", y0);
    if (any_err) {
        fputs("<path class=\"series run-errors\" fill=\"" C_VERMILLION
              "\" d=\"",
              o);
        for (size_t i = 0; i < n; i++) {
            double wd = pts[i].width > 0 ? pts[i].width : 1;

            if (!pts[i].errors)
                continue;
            fprintf(o, "M%.1f %.1fV%.1fH%.1fV%.1fZ", px(&f, pts[i].t), y0,
                    py(&f, (double)pts[i].errors / wd),
                    px(&f, pts[i].t + pts[i].width), y0);
        }
        fputs("\"/>\n", o);
    }
    svg_close(h, tokens ? what : "Requests and errors per second");
    if (tokens) {
        token_table(h, name, pts, n, bucket_s);
        return;
    }

    /* one table for both timeline charts */
    fprintf(o,
            "<details class=\"data\"><summary>Timeline data (%zu row%s%s)"
            "</summary>\n<table class=\"num\">\n<caption>",
            n, n == 1 ? "" : "s",
            bucket_s > 1 ? ", adjacent seconds merged" : "");
    gate__html_text(h, name, GATE__CLEAN_COLLAPSE, 200);
    if (bucket_s > 1)
        fprintf(o,
                ": each row merges %" PRIu64 " seconds (histograms added, "
                "so percentiles are exact for the window; rates are the "
                "window's mean)",
                bucket_s);
    fputs("</caption>\n<thead><tr><th scope=\"col\">from</th><th "
          "scope=\"col\">to</th><th scope=\"col\">req/s</th><th "
          "scope=\"col\">errors/s</th><th scope=\"col\">p50 ms</th><th "
          "scope=\"col\">p95 ms</th><th scope=\"col\">p99 ms</th></tr>"
          "</thead>\n<tbody>\n",
          o);
    for (size_t i = 0; i < n; i++) {
        double wd = pts[i].width > 0 ? pts[i].width : 1;
        char a[32], b[32], c[32];

        fmt_time(pts[i].t, t0, sizeof(t0));
        fmt_time(pts[i].t + pts[i].width, t1, sizeof(t1));
        fmt_rate((double)pts[i].requests / wd, a, sizeof(a));
        fmt_rate((double)pts[i].errors / wd, b, sizeof(b));
        fprintf(o, "<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td>", t0, t1,
                a, b);
        fmt_ms(pts[i].p50, a, sizeof(a));
        fmt_ms(pts[i].p95, b, sizeof(b));
        fmt_ms(pts[i].p99, c, sizeof(c));
        fprintf(o, "<td>%s</td><td>%s</td><td>%s</td></tr>\n", a, b, c);
    }
    fputs("</tbody>\n", o);
    if (base &&
        (isfinite(base->p50) || isfinite(base->p95) || isfinite(base->p99))) {
        char a[32], b[32], c[32];

        fmt_ms(base->p50, a, sizeof(a));
        fmt_ms(base->p95, b, sizeof(b));
        fmt_ms(base->p99, c, sizeof(c));
        fprintf(o,
                "<tfoot><tr><th scope=\"row\" colspan=\"4\">baseline "
                "(whole run)</th><td>%s</td><td>%s</td><td>%s</td></tr>"
                "</tfoot>\n",
                a, b, c);
    }
    fputs("</table>\n</details>\n", o);
}

/* ---- percentile distribution -------------------------------------------- */

/* x = -log10(1 - p/100): p0 at 0, p90 at 1, p99 at 2, p99.99 at 4. */
#define DIST_XMAX 4.0
#define DIST_STEPS 160

static double dist_x(double pct)
{
    return -log10(1.0 - pct / 100.0);
}

static double dist_pct(double x)
{
    return 100.0 * (1.0 - pow(10, -x));
}

/* One side of the comparison: a histogram, or (imported documents) only
 * the percentiles metrics_value() knows. */
struct dist_src {
    const struct metrics_results *r;
    const struct metrics_endpoint *ep;
    bool hist; /* the histogram has samples */
};

static const enum metrics_stat known_pcts[] = {
    METRICS_STAT_P50, METRICS_STAT_P75, METRICS_STAT_P90,
    METRICS_STAT_P95, METRICS_STAT_P99, METRICS_STAT_P999};

/* The value at pct, NAN when unknown. */
static double dist_value(const struct dist_src *s, double pct)
{
    double v = NAN;

    if (!s->ep)
        return NAN;
    if (s->hist)
        return pct_ms(s->ep->hist, pct);
    for (size_t i = 0; i < sizeof(known_pcts) / sizeof(known_pcts[0]); i++)
        if (fabs(metrics_stat_percentile(known_pcts[i]) - pct) < 1e-9) {
            if (metrics_value(s->r, s->ep, known_pcts[i], &v) != 0)
                return NAN;
            return isfinite(v) ? v : NAN;
        }
    return NAN;
}

static void dist_path(FILE *o, const struct frame *f, const struct dist_src *s,
                      const char *cls, const char *color, const char *dash)
{
    bool pen = false;

    fprintf(o,
            "<path class=\"series %s\" fill=\"none\" stroke=\"%s\" "
            "stroke-width=\"2\" stroke-linejoin=\"round\"%s%s%s d=\"",
            cls, color, dash ? " stroke-dasharray=\"" : "", dash ? dash : "",
            dash ? "\"" : "");
    if (s->hist) {
        for (int i = 0; i <= DIST_STEPS; i++) {
            double x = DIST_XMAX * i / DIST_STEPS;
            double v = dist_value(s, dist_pct(x));

            fprintf(o, "%s%.1f %.1f", pen ? "L" : "M", px(f, x), py(f, v));
            pen = true;
        }
    } else {
        for (size_t i = 0; i < sizeof(known_pcts) / sizeof(known_pcts[0]);
             i++) {
            double p = metrics_stat_percentile(known_pcts[i]);
            double v = dist_value(s, p);

            if (!isfinite(v))
                continue;
            fprintf(o, "%s%.1f %.1f", pen ? "L" : "M", px(f, dist_x(p)),
                    py(f, v));
            pen = true;
        }
    }
    fputs("\"/>\n", o);
    if (!s->hist) /* a few known points: mark them */
        for (size_t i = 0; i < sizeof(known_pcts) / sizeof(known_pcts[0]);
             i++) {
            double p = metrics_stat_percentile(known_pcts[i]);
            double v = dist_value(s, p);

            if (isfinite(v))
                fprintf(o,
                        "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" "
                        "fill=\"%s\"/>\n",
                        px(f, dist_x(p)), py(f, v), color);
        }
}

void gate__html_dist_chart(struct gate__html *h, const char *name,
                           const struct metrics_results *run,
                           const struct metrics_endpoint *run_ep,
                           const struct metrics_results *base,
                           const struct metrics_endpoint *base_ep)
{
    static const struct {
        double pct;
        const char *label;
    } ticks[] = {{0, "p0"},   {50, "p50"},     {90, "p90"},
                 {99, "p99"}, {99.9, "p99.9"}, {99.99, "p99.99"}},
      rows[] = {{0, "p0 (min)"}, {50, "p50"},       {75, "p75"},
                {90, "p90"},     {95, "p95"},       {99, "p99"},
                {99.9, "p99.9"}, {99.99, "p99.99"}, {100, "p100 (max)"}};
    struct frame f = {CHART_W, 300, 64, 20, 34, 40, 0, DIST_XMAX, 0, 1};
    struct dist_src rs = {run, run_ep, false}, bs = {base, base_ep, false};
    FILE *o = h->out;
    double ymax = 0, step, lx;
    bool have_run, have_base;
    const char *q = h->quantity ? h->quantity : "Latency";
    char title[96], desc[200];

    rs.hist = run_ep && run_ep->hist && metrics_hist_count(run_ep->hist);
    bs.hist = base_ep && base_ep->hist && metrics_hist_count(base_ep->hist);
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        if (rows[i].pct > 99.99)
            continue;
        ymax = max_finite(ymax, dist_value(&rs, rows[i].pct));
        ymax = max_finite(ymax, dist_value(&bs, rows[i].pct));
    }
    have_run = rs.hist || isfinite(dist_value(&rs, 50)) ||
               isfinite(dist_value(&rs, 95));
    have_base = bs.hist || isfinite(dist_value(&bs, 50)) ||
                isfinite(dist_value(&bs, 95));
    if (!have_run && !have_base) {
        snprintf(title, sizeof(title),
                 "No %s recorded: the percentile distribution is not drawn.",
                 h->quantity ? h->quantity : "latencies");
        empty_chart(h, title);
        return;
    }
    step = nice_step(ymax * 1.05, 5);
    f.y1 = ceil(ymax * 1.05 / step) * step;
    if (f.y1 <= 0)
        f.y1 = step;
    snprintf(title, sizeof(title), "%s percentile distribution", q);
    snprintf(desc, sizeof(desc),
             "%s in ms at each percentile from p0 to p99.99 on a "
             "logarithmic percentile axis%s",
             q,
             base_ep ? "; this run as a solid line, the baseline as a "
                       "dashed line."
                     : ".");
    svg_open(h, &f, "dist", title, name, desc);
    y_axis(o, &f, step, "ms");
    fputs("<g class=\"axis x\">\n", o);
    fprintf(o,
            "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
            "stroke=\"" C_AXIS "\"/>\n",
            f.ml, f.h - f.mb, f.w - f.mr, f.h - f.mb);
    for (size_t i = 0; i < sizeof(ticks) / sizeof(ticks[0]); i++) {
        double x = px(&f, dist_x(ticks[i].pct));

        fprintf(o,
                "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                "stroke=\"" C_GRID "\"/><text x=\"%.1f\" y=\"%.1f\" "
                "text-anchor=\"%s\">%s</text>\n",
                x, f.mt, x, f.h - f.mb + 4, x, f.h - f.mb + 16,
                i + 1 == sizeof(ticks) / sizeof(ticks[0]) ? "end" : "middle",
                ticks[i].label);
    }
    fprintf(o,
            "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">percentile "
            "(log scale)</text>\n</g>\n",
            (f.ml + f.w - f.mr) / 2, f.h - 4);
    lx = f.ml;
    if (have_run)
        lx = legend(o, lx, 14, C_BLUE, NULL, 2, "this run");
    if (have_base)
        legend(o, lx, 14, C_VERMILLION, DASH_BASE, 2, "baseline");
    if (have_base)
        dist_path(o, &f, &bs, "base-dist", C_VERMILLION, DASH_BASE);
    if (have_run)
        dist_path(o, &f, &rs, "run-dist", C_BLUE, NULL);
    svg_close(h, title);

    fputs("<details class=\"data\"><summary>Distribution data</summary>\n"
          "<table class=\"num\">\n<caption>",
          o);
    gate__html_text(h, name, GATE__CLEAN_COLLAPSE, 200);
    fprintf(o,
            ": %s in ms by percentile</caption>\n<thead><tr><th "
            "scope=\"col\">percentile</th><th scope=\"col\">this run</th>%s"
            "</tr></thead>\n<tbody>\n",
            h->quantity ? h->quantity : "latency",
            have_base ? "<th scope=\"col\">baseline</th><th "
                        "scope=\"col\">Δ</th>"
                      : "");
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        double rv = dist_value(&rs, rows[i].pct);
        double bv = dist_value(&bs, rows[i].pct);
        char a[32], b[32];

        if (!rs.hist && !bs.hist && !isfinite(rv) && !isfinite(bv))
            continue;
        fmt_ms(rv, a, sizeof(a));
        fprintf(o, "<tr><th scope=\"row\">%s</th><td>%s</td>", rows[i].label,
                a);
        if (have_base) {
            fmt_ms(bv, b, sizeof(b));
            fprintf(o, "<td>%s</td>", b);
            if (isfinite(rv) && isfinite(bv) && bv > 0)
                fprintf(o, "<td>%+.1f%%</td>", (rv - bv) / bv * 100.0);
            else
                fputs("<td>-</td>", o);
        }
        fputs("</tr>\n", o);
    }
    fputs("</tbody>\n</table>\n</details>\n", o);
}
