/* Formatting and verdict helpers shared by gate's writers. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gate_internal.h"

double gate__value(const struct metrics_results *r,
                   const struct metrics_endpoint *ep, enum metrics_stat s)
{
    double v = NAN;

    if (!r || !ep || metrics_value(r, ep, s, &v) != 0 || !isfinite(v))
        return NAN;
    return v;
}

double gate__base_value(const struct gate_report *r,
                        const struct metrics_endpoint *ep, enum metrics_stat s)
{
    char name[1024];

    if (!r->baseline || !ep)
        return NAN;
    metrics_endpoint_name(ep, name, sizeof(name));
    return gate__value(r->baseline, metrics_results_find(r->baseline, name), s);
}

double gate__change_pct(double cur, double base)
{
    return isfinite(base) && isfinite(cur) && base > 0
               ? (cur - base) / base * 100.0
               : NAN;
}

const char *gate__status_word(enum compare_status s)
{
    static const char *const words[] = {
        [COMPARE_PASS] = "pass",
        [COMPARE_FAIL] = "fail",
        [COMPARE_INCONCLUSIVE] = "inconclusive",
        [COMPARE_SKIPPED] = "skipped",
    };

    return (size_t)s < sizeof(words) / sizeof(*words) && words[s]
               ? words[s]
               : "inconclusive";
}

void gate__fmt_count(uint64_t n, char *buf, size_t len)
{
    char digits[32], out[48];
    size_t nd, o = 0;

    nd =
        (size_t)snprintf(digits, sizeof(digits), "%llu", (unsigned long long)n);
    for (size_t i = 0; i < nd; i++) {
        if (i > 0 && (nd - i) % 3 == 0)
            out[o++] = ',';
        out[o++] = digits[i];
    }
    out[o] = '\0';
    snprintf(buf, len, "%s", out);
}

/* Parses "YYYY-MM-DDTHH:MM:SS" optionally followed by a fraction and "Z"
 * (UTC only: an offset is refused rather than guessed). */
static bool parse_utc(const char *s, time_t *out)
{
    int f[6];
    const int width[6] = {4, 2, 2, 2, 2, 2};
    const char sep[6] = {'-', '-', 'T', ':', ':', '\0'};
    struct tm tm = {0}, back;
    time_t t;

    if (!s)
        return false;
    for (int k = 0; k < 6; k++) {
        f[k] = 0;
        for (int d = 0; d < width[k]; d++, s++) {
            if (!isdigit((unsigned char)*s))
                return false;
            f[k] = f[k] * 10 + (*s - '0');
        }
        if (k < 5 && *s++ != sep[k])
            return false;
    }
    if (*s == '.') {
        s++;
        while (isdigit((unsigned char)*s))
            s++;
    }
    if (*s == 'Z')
        s++;
    if (*s != '\0' || f[0] < 1)
        return false;
    tm.tm_year = f[0] - 1900;
    tm.tm_mon = f[1] - 1;
    tm.tm_mday = f[2];
    tm.tm_hour = f[3];
    tm.tm_min = f[4];
    tm.tm_sec = f[5];
    t = timegm(&tm);
    /* timegm() normalises 2026-02-30 into March: refuse what changed. */
    if (t == (time_t)-1 || !gmtime_r(&t, &back) || back.tm_year != tm.tm_year ||
        back.tm_mon != f[1] - 1 || back.tm_mday != f[2] ||
        back.tm_hour != f[3] || back.tm_min != f[4] || back.tm_sec != f[5])
        return false;
    *out = t;
    return true;
}

void gate__timestamp(const struct metrics_results *run, char *buf, size_t len)
{
    time_t t;
    struct tm tm;

    if (!run || !parse_utc(run->timestamp, &t)) {
        if (run && run->start_second > 0)
            t = (time_t)run->start_second;
        else
            t = time(NULL);
    }
    if (!gmtime_r(&t, &tm) || tm.tm_year + 1900 > 9999 ||
        tm.tm_year + 1900 < 1) {
        snprintf(buf, len, "1970-01-01T00:00:00");
        return;
    }
    strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
}

void gate__fmt_value(int stat, double v, char *buf, size_t len)
{
    if (!isfinite(v)) {
        snprintf(buf, len, "n/a");
        return;
    }
    if (stat >= 0 && stat < METRICS_STAT__COUNT &&
        metrics_stat_is_time((enum metrics_stat)stat))
        snprintf(buf, len, "%.1f ms", v);
    else if (stat == METRICS_STAT_ERROR_RATE)
        snprintf(buf, len, "%.2f%%", v * 100.0);
    else if (stat == METRICS_STAT_RPS)
        snprintf(buf, len, "%.1f/s", v);
    else if (stat == METRICS_STAT_ERRORS || stat == METRICS_STAT_REQUESTS)
        snprintf(buf, len, "%.0f", v);
    else
        snprintf(buf, len, "%g", v);
}

int gate__check_stat(const struct compare_check *c)
{
    return c->threshold ? (int)c->threshold->stat : -1;
}

void gate__fmt_ms(double ms, char *buf, size_t len)
{
    if (!isfinite(ms))
        snprintf(buf, len, "-");
    else if (ms < 10.0)
        snprintf(buf, len, "%.1f", ms);
    else
        snprintf(buf, len, "%.0f", ms);
}

enum compare_status gate__status(const struct compare_check *c)
{
    switch (c->status) {
    case COMPARE_PASS:
    case COMPARE_FAIL:
    case COMPARE_INCONCLUSIVE:
    case COMPARE_SKIPPED:
        return c->status;
    default:
        return COMPARE_INCONCLUSIVE;
    }
}

int gate__severity(enum compare_status s)
{
    switch (s) {
    case COMPARE_SKIPPED:
        return 0;
    case COMPARE_PASS:
        return 1;
    case COMPARE_INCONCLUSIVE:
        return 2;
    default:
        return 3;
    }
}

void gate__tally(const struct compare_verdict *v, struct gate__tally *t)
{
    memset(t, 0, sizeof(*t));
    if (!v || !v->checks)
        return;
    for (size_t i = 0; i < v->n_checks; i++) {
        const struct compare_check *c = &v->checks[i];

        t->total++;
        switch (gate__status(c)) {
        case COMPARE_PASS:
            t->pass++;
            break;
        case COMPARE_FAIL:
            t->fail++;
            break;
        case COMPARE_SKIPPED:
            t->skipped++;
            break;
        default:
            t->inconclusive++;
            break;
        }
        if (c->warning)
            t->warnings++;
    }
}

const char *gate__overall(const struct gate_report *r)
{
    struct gate__tally t;

    /* gate_exit_code's precedence: could not judge (3) comes first, so no
     * report says PASS or FAIL where the exit code says otherwise. */
    if (!r || r->error_reason || gate_no_response(r->run))
        return "ERROR";
    gate__tally(r->verdict, &t);
    if (t.fail)
        return "FAIL";
    if (t.inconclusive)
        return "INCONCLUSIVE";
    return "PASS";
}

void gate__synth_message(const struct compare_check *c, char *buf, size_t len)
{
    int stat = gate__check_stat(c);
    char m[64] = "n/a", l[64] = "", b[64] = "";
    const char *name =
        stat >= 0 ? metrics_stat_name((enum metrics_stat)stat) : NULL;

    if (gate__status(c) == COMPARE_SKIPPED && !c->has_measured) {
        snprintf(buf, len, "not applicable");
        return;
    }
    if (c->has_measured)
        gate__fmt_value(stat, c->measured, m, sizeof(m));
    if (c->has_limit) {
        const char *op = c->threshold ? compare_op_str(c->threshold->op) : NULL;
        char v[48];

        gate__fmt_value(stat, c->limit, v, sizeof(v));
        snprintf(l, sizeof(l), ", limit %s%s%s", op ? op : "", op ? " " : "",
                 v);
    }
    if (c->has_baseline) {
        char v[48];

        gate__fmt_value(stat, c->baseline, v, sizeof(v));
        snprintf(b, sizeof(b), " (baseline %s)", v);
    }
    snprintf(buf, len, "%s = %s%s%s", name ? name : "value", m, l, b);
}

void gate__synth_detail(const struct gate_report *r,
                        const struct compare_check *c, char *buf, size_t len)
{
    int stat = gate__check_stat(c);
    const char *file = c->threshold && c->threshold->file ? c->threshold->file
                                                          : r->profile_path;
    int line = c->threshold ? c->threshold->line : 0;
    size_t used = 0;
    char v[64];

#define GATE_APPEND(...)                                                       \
    do {                                                                       \
        if (used < len) {                                                      \
            int k_ = snprintf(buf + used, len - used, __VA_ARGS__);            \
            used += k_ > 0 ? (size_t)k_ : 0;                                   \
        }                                                                      \
    } while (0)

    if (len == 0)
        return;
    buf[0] = '\0';
    GATE_APPEND("endpoint : %s\n", c->endpoint ? c->endpoint : "ALL");
    GATE_APPEND("threshold: %s", c->expr ? c->expr : "");
    if (file && line > 0)
        GATE_APPEND("  (%s:%d)", file, line);
    else if (file)
        GATE_APPEND("  (%s)", file);
    GATE_APPEND("\n");
    /* the measured value (or "no data"), then the baseline's if any */
    for (int b = 0; b < 2; b++) {
        bool has = b ? c->has_baseline : c->has_measured;
        uint64_t n = b ? c->n_baseline : c->n_measured;

        if (!has) {
            if (!b)
                GATE_APPEND("measured : no data\n");
            continue;
        }
        gate__fmt_value(stat, b ? c->baseline : c->measured, v, sizeof(v));
        GATE_APPEND("%s : %s", b ? "baseline" : "measured", v);
        if (n)
            GATE_APPEND(" (n=%llu)", (unsigned long long)n);
        GATE_APPEND("\n");
    }
    if (c->has_limit) {
        gate__fmt_value(stat, c->limit, v, sizeof(v));
        GATE_APPEND("limit    : %s\n", v);
    }
    if (c->has_baseline && isfinite(c->delta_pct))
        GATE_APPEND("delta    : %+.1f%%\n", c->delta_pct);
    GATE_APPEND("result   : %s", compare_status_str(gate__status(c)));
    if (c->message[0])
        GATE_APPEND(" - %.*s", (int)sizeof(c->message), c->message);
#undef GATE_APPEND
}
