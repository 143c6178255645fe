/*
 * JSON outputs, written with jansson: GitLab's Load Performance report
 * (k6's legacy --summary-export shape) and the
 * verdict for --format json.  A value that is unknown is left out (GitLab)
 * or null (verdict), never written as 0.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "gate_internal.h"

/* Enough digits for any value a report shows, without 33.299999999999997. */
#define JSON_FLAGS (JSON_INDENT(2) | JSON_REAL_PRECISION(15))

/* json_object_set_new() that remembers a failure (a NULL value included:
 * jansson's constructors return NULL when out of memory). */
static void set(json_t *obj, const char *key, json_t *val, bool *failed)
{
    if (!val || json_object_set_new(obj, key, val) != 0)
        *failed = true;
}

/* A number, or NULL (and nothing set) when v is not finite. */
static json_t *num_or_null(bool has, double v)
{
    if (!has || !isfinite(v))
        return json_null();
    return json_real(v);
}

/* A cleaned copy of s as a JSON string (jansson wants valid UTF-8). */
static json_t *str(const char *s, size_t len)
{
    char *c = gate__clean(s, len, GATE__CLEAN_KEEP_WS, 0);
    json_t *j;

    if (!c)
        return NULL;
    j = json_string(c);
    free(c);
    return j;
}

static json_t *str_or_null(const char *s)
{
    return s ? str(s, strlen(s)) : json_null();
}

/* ---- GitLab Load Performance ------------------------------------------- */

/* k6's trend keys: the statistic of each, and its percentile of a
 * histogram (0 and 100 are the exact min and max, -1 the mean). */
static const struct {
    const char *key;
    enum metrics_stat stat;
    double pct;
} k6_trend[] = {
    {"avg", METRICS_STAT_AVG, -1},   {"min", METRICS_STAT_MIN, 0},
    {"med", METRICS_STAT_P50, 50},   {"max", METRICS_STAT_MAX, 100},
    {"p(90)", METRICS_STAT_P90, 90}, {"p(95)", METRICS_STAT_P95, 95}};

/* A k6 trend object in ms for the whole run (all): its response time,
 * or with hist that histogram's (the time to the first byte, a stream's
 * TTFT or ITL).  NULL (nothing to set) when there is no value at all. */
static json_t *k6_trend_of(const struct metrics_results *run,
                           const struct metrics_endpoint *all,
                           const struct metrics_hist *hist, bool *failed)
{
    const struct metrics_hist *h = hist;
    bool ttfb = hist != NULL; /* a histogram of its own */
    json_t *o;
    double v;

    if (!all || (ttfb && metrics_hist_count(h) == 0))
        return NULL;
    o = json_object();
    if (!o) {
        *failed = true;
        return NULL;
    }
    for (size_t i = 0; i < sizeof(k6_trend) / sizeof(k6_trend[0]); i++) {
        if (ttfb)
            v = (k6_trend[i].pct < 0
                     ? metrics_hist_mean(h)
                     : (double)metrics_hist_percentile(h, k6_trend[i].pct)) /
                1000.0;
        else if (metrics_value(run, all, k6_trend[i].stat, &v) != 0)
            continue;
        if (isfinite(v))
            set(o, k6_trend[i].key, json_real(v), failed);
    }
    if (json_object_size(o) == 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* A k6 counter: the count and its rate over the measured window. */
static json_t *k6_counter(const struct metrics_results *run, uint64_t n)
{
    return json_pack("{s:I, s:f}", "count", (json_int_t)n, "rate",
                     run && run->duration_s > 0 ? (double)n / run->duration_s
                                                : 0.0);
}

/* Streamed responses as custom k6-style metrics of the whole run (only
 * runs with streams; GitLab's widget shows the standard ones, the file
 * keeps these beside them). */
static void stream_metrics(const struct metrics_results *run,
                           const struct metrics_endpoint *all, json_t *m,
                           bool *failed)
{
    const struct metrics_stream *s = all->stream;
    json_t *t;

    if (s->ttft && (t = k6_trend_of(run, all, s->ttft, failed)))
        set(m, "loadgate_ttft", t, failed);
    if (s->itl && (t = k6_trend_of(run, all, s->itl, failed)))
        set(m, "loadgate_itl", t, failed);
    if (s->tpot && (t = k6_trend_of(run, all, s->tpot, failed)))
        set(m, "loadgate_tpot", t, failed);
    set(m, "loadgate_tokens", k6_counter(run, s->tokens), failed);
    set(m, "loadgate_good_streams", k6_counter(run, s->good), failed);
    set(m, "loadgate_stream_errors", k6_counter(run, s->errors), failed);
}

static json_t *gitlab_doc(const struct gate_report *r)
{
    json_t *root = json_object(), *metrics = json_object();
    json_t *reqs = json_object(), *trend, *group;
    struct metrics_endpoint *all = NULL;
    struct gate__tally t;
    bool failed = !root || !metrics || !reqs;
    double v;

    if (failed)
        goto out;
    if (r->run && metrics_results_aggregate(r->run, &all) != 0) {
        failed = true;
        goto out;
    }
    set(reqs, "count",
        json_integer(r->run ? (json_int_t)metrics_results_total_requests(r->run)
                            : 0),
        &failed);
    if (all && metrics_value(r->run, all, METRICS_STAT_RPS, &v) == 0 &&
        isfinite(v))
        set(reqs, "rate", json_real(v), &failed);
    set(metrics, "http_reqs", reqs, &failed);
    reqs = NULL;
    /* k6's http_req_duration is the response time; http_req_waiting
     * (GitLab's TTFB) the time to the first byte, only where it was
     * measured: imported results have none, and the response time in
     * its place would pass for a TTFB. */
    trend = k6_trend_of(r->run, all, NULL, &failed);
    if (trend)
        set(metrics, "http_req_duration", trend, &failed);
    trend = all && all->ttfb_hist
                ? k6_trend_of(r->run, all, all->ttfb_hist, &failed)
                : NULL;
    if (trend)
        set(metrics, "http_req_waiting", trend, &failed);
    if (all && all->stream)
        stream_metrics(r->run, all, metrics, &failed);
    gate__tally(r->verdict, &t);
    if (t.pass + t.fail > 0) {
        json_t *checks = json_object();

        if (checks) {
            set(checks, "passes", json_integer((json_int_t)t.pass), &failed);
            set(checks, "fails", json_integer((json_int_t)t.fail), &failed);
            set(checks, "value",
                json_real((double)t.pass / (double)(t.pass + t.fail)), &failed);
        }
        set(metrics, "checks", checks, &failed);
    }
    set(root, "metrics", metrics, &failed);
    metrics = NULL;
    group =
        json_pack("{s:s, s:s, s:s, s:{}, s:{}}", "name", "", "path", "", "id",
                  "d41d8cd98f00b204e9800998ecf8427e", "groups", "checks");
    set(root, "root_group", group, &failed);
out:
    metrics_endpoint_free(all);
    json_decref(reqs);
    json_decref(metrics);
    if (failed) {
        json_decref(root);
        return NULL;
    }
    return root;
}

int gate_gitlab_lp_write(const struct gate_report *r, const char *path,
                         char *errbuf, size_t errlen)
{
    json_t *doc = NULL;
    char *text = NULL;
    int rc = 0;

    if (errbuf && errlen)
        errbuf[0] = '\0';
    if (!r || !path) {
        if (errbuf && errlen)
            snprintf(errbuf, errlen, "no report or no path");
        return GATE_EIO;
    }
    doc = gitlab_doc(r);
    text = doc ? json_dumps(doc, JSON_FLAGS) : NULL;
    if (!text) {
        rc = GATE_ENOMEM;
        if (errbuf && errlen)
            snprintf(errbuf, errlen, "out of memory");
        goto out;
    }
    {
        size_t len = strlen(text);
        char *nl = realloc(text, len + 2);

        if (!nl) {
            rc = GATE_ENOMEM;
            if (errbuf && errlen)
                snprintf(errbuf, errlen, "out of memory");
            goto out;
        }
        text = nl;
        memcpy(text + len, "\n", 2); /* every text file ends in one */
        if (metrics_write_atomic(path, text, len + 1) != 0) {
            rc = GATE_EIO;
            if (errbuf && errlen)
                snprintf(errbuf, errlen, "cannot write '%s': %s", path,
                         strerror(errno));
        }
    }
out:
    free(text);
    json_decref(doc);
    return rc;
}

/* ---- the verdict --------------------------------------------------------- */

/* The unit of measured/baseline/limit: metrics_value()'s units. */
static const char *unit_word(int stat)
{
    if (stat < 0 || stat >= METRICS_STAT__COUNT)
        return NULL;
    if (metrics_stat_is_time((enum metrics_stat)stat))
        return "ms";
    switch (stat) {
    case METRICS_STAT_ERROR_RATE:
        return "fraction";
    case METRICS_STAT_RPS:
        return "req/s";
    default:
        return "count";
    }
}

/* {"run": 30, "baseline": 300, "run_ms": 200, "baseline_ms": 1000}, or
 * null when no test ran */
static json_t *windows_json(const struct compare_check *c)
{
    if (!c->has_ci)
        return json_null();
    return json_pack("{s:I, s:I, s:I, s:I}", "run", (json_int_t)c->windows_run,
                     "baseline", (json_int_t)c->windows_base, "run_ms",
                     (json_int_t)c->window_ms_run, "baseline_ms",
                     (json_int_t)c->window_ms_base);
}

static json_t *check_json(const struct gate_report *r,
                          const struct compare_check *c)
{
    const struct compare_threshold *th = c->threshold;
    const char *file = th && th->file && *th->file ? th->file : r->profile_path;
    int stat = gate__check_stat(c);
    const char *unit =
        th && th->series == METRICS_SERIES_TOKENS_PER_S ? "tokens/s"
        : th && th->series == METRICS_SERIES_GOODPUT    ? "streams/s"
                                                        : unit_word(stat);
    json_t *o = json_object();
    bool failed = !o;
    char synth[512];

    if (failed)
        return NULL;
    set(o, "endpoint", str_or_null(c->endpoint ? c->endpoint : "ALL"), &failed);
    set(o, "check", str_or_null(c->expr), &failed);
    set(o, "status", json_string(gate__status_word(gate__status(c))), &failed);
    set(o, "type", str_or_null(c->type), &failed);
    set(o, "measured", num_or_null(c->has_measured, c->measured), &failed);
    set(o, "baseline", num_or_null(c->has_baseline, c->baseline), &failed);
    set(o, "limit", num_or_null(c->has_limit, c->limit), &failed);
    set(o, "unit", unit ? json_string(unit) : json_null(), &failed);
    set(o, "delta_pct", num_or_null(c->has_baseline, c->delta_pct), &failed);
    /* the significance test of a relative check: raw and Holm-adjusted
     * p-values, the windows behind them, and for a pass the smallest
     * change the run could have seen */
    set(o, "p_value", num_or_null(c->has_ci, c->p_value), &failed);
    set(o, "p_adjusted", num_or_null(c->has_ci, c->p_adjusted), &failed);
    set(o, "mde_pct", num_or_null(c->has_mde, c->mde_pct), &failed);
    set(o, "windows", windows_json(c), &failed);
    set(o, "warning", json_boolean(c->warning), &failed);
    if (c->message[0]) {
        set(o, "message",
            str(c->message, strnlen(c->message, sizeof(c->message))), &failed);
    } else {
        gate__synth_message(c, synth, sizeof(synth));
        set(o, "message", str(synth, strlen(synth)), &failed);
    }
    set(o, "file", file && *file ? str_or_null(file) : json_null(), &failed);
    set(o, "line", th && th->line > 0 ? json_integer(th->line) : json_null(),
        &failed);
    if (failed) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* The streaming endpoints' numbers (and ALL when there are several). */
static json_t *streams_json(const struct metrics_results *run, bool *failed)
{
    struct gate__streams st;
    json_t *a = json_array();

    if (!a || gate__streams_get(run, &st) != 0) {
        *failed = true;
        json_decref(a);
        return NULL;
    }
    for (size_t i = 0; i < st.n; i++) {
        const struct gate__stream_row *w = &st.rows[i];
        json_t *o = json_object();
        const struct {
            const char *key;
            double v;
        } nums[] = {
            {"ttft_p50_ms", w->ttft_p50},
            {"ttft_p95_ms", w->ttft_p95},
            {"ttft_p99_ms", w->ttft_p99},
            {"itl_p50_ms", w->itl_p50},
            {"itl_p95_ms", w->itl_p95},
            {"itl_p99_ms", w->itl_p99},
            {"tpot_p50_ms", w->tpot_p50},
            {"tpot_p95_ms", w->tpot_p95},
            {"tokens_per_s", w->tokens_per_s},
            {"stream_tokens_per_s_p50", w->stream_tps_p50},
            {"goodput_per_s", w->goodput},
        };

        if (!o || json_array_append_new(a, o) != 0) {
            *failed = true;
            break;
        }
        set(o, "endpoint", str_or_null(w->name), failed);
        for (size_t k = 0; k < sizeof(nums) / sizeof(*nums); k++)
            set(o, nums[k].key, num_or_null(isfinite(nums[k].v), nums[k].v),
                failed);
        set(o, "streams", json_integer((json_int_t)w->streams), failed);
        set(o, "events", json_integer((json_int_t)w->events), failed);
        set(o, "tokens", json_integer((json_int_t)w->tokens), failed);
        set(o, "stream_errors", json_integer((json_int_t)w->errors), failed);
        set(o, "good", json_integer((json_int_t)w->good), failed);
        set(o, "token_rule", str_or_null(w->rule), failed);
        set(o, "slo_ttft_ms", num_or_null(w->slo_ttft_ms > 0, w->slo_ttft_ms),
            failed);
        set(o, "slo_tpot_ms", num_or_null(w->slo_tpot_ms > 0, w->slo_tpot_ms),
            failed);
    }
    gate__streams_free(&st);
    return a;
}

static const char *verdict_word(const struct gate_report *r,
                                const struct gate__tally *t)
{
    /* The exit-code precedence: could not run or judge comes before a
     * failed check. */
    if (r->error_reason || gate_no_response(r->run))
        return "error";
    if (t->fail)
        return "fail";
    if (t->inconclusive)
        return "inconclusive";
    return "pass";
}

static json_t *verdict_doc(const struct gate_report *r)
{
    const struct compare_verdict *v = r->verdict;
    json_t *root = json_object(), *counts = json_object();
    json_t *checks = json_array();
    struct gate__tally t;
    bool failed = !root || !counts || !checks;
    char line[1024];

    if (failed)
        goto out;
    gate__tally(v, &t);
    gate_verdict_line(r, line, sizeof(line));
    set(root, "verdict", json_string(verdict_word(r, &t)), &failed);
    set(root, "exit_code", json_integer(gate_exit_code(r)), &failed);
    set(root, "summary", str(line, strlen(line)), &failed);
    set(root, "profile", str_or_null(r->profile_name), &failed);
    set(root, "baseline",
        str_or_null(r->baseline_name ? r->baseline_name
                    : r->baseline    ? r->baseline->baseline_id
                                     : NULL),
        &failed);
    set(root, "partial",
        json_boolean((r->run && r->run->partial) || r->signal != 0), &failed);
    set(root, "error", str_or_null(r->error_reason), &failed);
    set(counts, "total", json_integer((json_int_t)t.total), &failed);
    set(counts, "pass", json_integer((json_int_t)t.pass), &failed);
    set(counts, "fail", json_integer((json_int_t)t.fail), &failed);
    set(counts, "inconclusive", json_integer((json_int_t)t.inconclusive),
        &failed);
    set(counts, "skipped", json_integer((json_int_t)t.skipped), &failed);
    set(counts, "warnings", json_integer((json_int_t)t.warnings), &failed);
    set(root, "counts", counts, &failed);
    counts = NULL;
    for (size_t i = 0; v && v->checks && i < v->n_checks && !failed; i++) {
        json_t *c = check_json(r, &v->checks[i]);

        if (!c || json_array_append_new(checks, c) != 0)
            failed = true;
    }
    set(root, "checks", checks, &failed);
    checks = NULL;
    if (r->run && metrics_results_has_streams(r->run))
        set(root, "streams", streams_json(r->run, &failed), &failed);
out:
    json_decref(counts);
    json_decref(checks);
    if (failed) {
        json_decref(root);
        return NULL;
    }
    return root;
}

int gate_json_write(const struct gate_report *r, FILE *out)
{
    json_t *doc;
    int rc = 0;

    if (!r || !out)
        return GATE_EIO;
    doc = verdict_doc(r);
    if (!doc)
        return GATE_ENOMEM;
    if (json_dumpf(doc, out, JSON_FLAGS) != 0 || fputc('\n', out) == EOF)
        rc = GATE_EIO;
    json_decref(doc);
    if (fflush(out) != 0 || ferror(out))
        rc = GATE_EIO;
    return rc;
}
