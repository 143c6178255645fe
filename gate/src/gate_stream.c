/* The numbers every report shows of streamed responses: one row per
 * streaming endpoint (and the whole run), read from the results. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gate_internal.h"

static double sv(const struct metrics_results *run,
                 const struct metrics_endpoint *ep, enum metrics_series s,
                 enum metrics_stat st)
{
    double v = NAN;

    if (metrics_series_value(run, ep, s, st, &v) != 0 || !isfinite(v))
        return NAN;
    return v;
}

static void fill(const struct metrics_results *run,
                 const struct metrics_endpoint *ep, const char *name,
                 struct gate__stream_row *row)
{
    const struct metrics_stream *s = ep->stream;

    memset(row, 0, sizeof(*row));
    snprintf(row->name, sizeof(row->name), "%s", name);
    row->ep = ep;
    row->ttft_p50 = sv(run, ep, METRICS_SERIES_TTFT, METRICS_STAT_P50);
    row->ttft_p95 = sv(run, ep, METRICS_SERIES_TTFT, METRICS_STAT_P95);
    row->ttft_p99 = sv(run, ep, METRICS_SERIES_TTFT, METRICS_STAT_P99);
    row->itl_p50 = sv(run, ep, METRICS_SERIES_ITL, METRICS_STAT_P50);
    row->itl_p95 = sv(run, ep, METRICS_SERIES_ITL, METRICS_STAT_P95);
    row->itl_p99 = sv(run, ep, METRICS_SERIES_ITL, METRICS_STAT_P99);
    row->tpot_p50 = sv(run, ep, METRICS_SERIES_TPOT, METRICS_STAT_P50);
    row->tpot_p95 = sv(run, ep, METRICS_SERIES_TPOT, METRICS_STAT_P95);
    row->tokens_per_s =
        sv(run, ep, METRICS_SERIES_TOKENS_PER_S, METRICS_STAT_RPS);
    row->goodput = sv(run, ep, METRICS_SERIES_GOODPUT, METRICS_STAT_RPS);
    row->stream_tps_p50 =
        s->rate && metrics_hist_count(s->rate)
            ? (double)metrics_hist_percentile(s->rate, 50) / 1000.0
            : NAN;
    row->streams = s->streams;
    row->events = s->events;
    row->tokens = s->tokens;
    row->errors = s->errors;
    row->good = s->good;
    row->from_usage = s->usage;
    row->rule = s->rule;
    row->slo_ttft_ms = s->slo_ttft_ms;
    row->slo_tpot_ms = s->slo_tpot_ms;
}

int gate__streams_get(const struct metrics_results *run,
                      struct gate__streams *out)
{
    size_t n = 0;

    memset(out, 0, sizeof(*out));
    for (size_t i = 0; run && i < run->n_endpoints; i++)
        n += run->endpoints[i]->stream != NULL;
    if (n == 0)
        return 0;
    out->rows = calloc(n + 1, sizeof(*out->rows));
    if (!out->rows)
        return GATE_ENOMEM;
    for (size_t i = 0; i < run->n_endpoints; i++) {
        const struct metrics_endpoint *ep = run->endpoints[i];
        char name[1024];

        if (!ep->stream)
            continue;
        metrics_endpoint_name(ep, name, sizeof(name));
        fill(run, ep, name, &out->rows[out->n++]);
    }
    if (n > 1) {
        if (metrics_results_aggregate(run, &out->all) != 0 ||
            !out->all->stream) {
            gate__streams_free(out);
            return GATE_ENOMEM;
        }
        fill(run, out->all, "ALL", &out->rows[out->n++]);
        /* the endpoints' own rules and SLOs, not the first one's */
        out->rows[out->n - 1].rule = NULL;
        out->rows[out->n - 1].slo_ttft_ms = 0;
        out->rows[out->n - 1].slo_tpot_ms = 0;
    }
    return 0;
}

void gate__streams_free(struct gate__streams *s)
{
    free(s->rows);
    metrics_endpoint_free(s->all);
    memset(s, 0, sizeof(*s));
}

void gate__stream_rule(const struct gate__stream_row *row, char *buf,
                       size_t len)
{
    char ttft[48] = "", tpot[48] = "";

    if (row->slo_ttft_ms > 0)
        gate__fmt_ms_unit(row->slo_ttft_ms, "", ttft, sizeof(ttft));
    if (row->slo_tpot_ms > 0)
        gate__fmt_ms_unit(row->slo_tpot_ms, "", tpot, sizeof(tpot));
    snprintf(buf, len, "tokens: %s; goodput: streams that ended well%s%s%s%s%s",
             row->rule ? row->rule : "as each endpoint says",
             ttft[0] || tpot[0] ? " within " : "", ttft[0] ? "TTFT ≤ " : "",
             ttft, ttft[0] && tpot[0] ? ", " : "", tpot[0] ? "TPOT ≤ " : "");
    if (tpot[0])
        strncat(buf, tpot, len - strlen(buf) - 1);
}

void gate__fmt_ms_unit(double ms, const char *none, char *buf, size_t len)
{
    if (!isfinite(ms)) {
        snprintf(buf, len, "%s", none);
        return;
    }
    gate__fmt_ms(ms, buf, len);
    strncat(buf, " ms", len - strlen(buf) - 1);
}

static void ms_text(double v, char *buf, size_t len)
{
    gate__fmt_ms_unit(v, "-", buf, len);
}

void gate__stream_line(const struct gate__stream_row *w, char *buf, size_t len)
{
    char t50[32], t95[32], i50[32], i99[32], p50[32];

    ms_text(w->ttft_p50, t50, sizeof(t50));
    ms_text(w->ttft_p95, t95, sizeof(t95));
    ms_text(w->itl_p50, i50, sizeof(i50));
    ms_text(w->itl_p99, i99, sizeof(i99));
    ms_text(w->tpot_p50, p50, sizeof(p50));
    snprintf(buf, len,
             "TTFT p50 %s, p95 %s · ITL p50 %s, p99 %s · TPOT p50 %s · "
             "%.1f tokens/s · goodput %.1f/s · %llu of %llu streams cut or "
             "malformed",
             t50, t95, i50, i99, p50,
             isfinite(w->tokens_per_s) ? w->tokens_per_s : 0.0,
             isfinite(w->goodput) ? w->goodput : 0.0,
             (unsigned long long)w->errors, (unsigned long long)w->streams);
}
