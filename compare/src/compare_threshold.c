/*
 * Threshold expressions:
 *
 *   STAT OP ( NUMBER [UNIT] | baseline [ (+|-) NUMBER [UNIT] ] )
 *
 * with optional white space between tokens.  A small hand-written scanner,
 * NUMBER [UNIT] being the quantities of units.h (a bare time in ms), so
 * that every error can name the 1-based column where it went wrong and
 * what was expected there.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare_internal.h"
#include "units.h"

/* ---- statistics (names from the shared METRICS_STAT_MAP) -------------- */

static const struct {
    const char *name, *unit;
} stat_table[] = {
#define COMPARE_X(id, str, unit) {str, unit},
    METRICS_STAT_MAP(COMPARE_X)
#undef COMPARE_X
};

#define N_STATS (sizeof(stat_table) / sizeof(stat_table[0]))

const char *compare__stat_name(int stat)
{
    if (stat < 0 || (size_t)stat >= N_STATS)
        return "?";
    return stat_table[stat].name;
}

bool compare__stat_is_time(int stat)
{
    return stat >= 0 && (size_t)stat < N_STATS &&
           strcmp(stat_table[stat].unit, "ms") == 0;
}

double compare__stat_percentile(int stat)
{
    const char *n;

    if (!compare__stat_is_time(stat))
        return -1;
    n = stat_table[stat].name;
    if (n[0] != 'p' || !isdigit((unsigned char)n[1]))
        return -1; /* avg, min, max */
    return atof(n + 1);
}

int compare__stat_lookup(const char *name, size_t len)
{
    for (size_t i = 0; i < N_STATS; i++)
        if (strlen(stat_table[i].name) == len &&
            memcmp(stat_table[i].name, name, len) == 0)
            return (int)i;
    return -1;
}

const char *compare__check_name(const struct compare_threshold *t, char *buf,
                                size_t len)
{
    if (!t || t->series == METRICS_SERIES_LATENCY)
        return compare__stat_name(t ? (int)t->stat : -1);
    if (metrics_series_is_time(t->series))
        snprintf(buf, len, "%s %s", metrics_series_name(t->series),
                 compare__stat_name((int)t->stat));
    else
        snprintf(buf, len, "%s", metrics_series_name(t->series));
    return buf;
}

int compare__series_ep(const struct metrics_endpoint *ep,
                       const struct compare_threshold *t,
                       const struct metrics_endpoint **use,
                       struct metrics_endpoint **owned)
{
    *owned = NULL;
    *use = ep;
    if (!ep || t->series == METRICS_SERIES_LATENCY)
        return 0;
    if (metrics_series_view(ep, t->series, owned))
        return COMPARE_ENOMEM;
    *use = *owned;
    return 0;
}

/* The streaming series that prefix a time statistic ("ttft p95") and
 * those that are statistics of their own ("goodput"). */
#define SERIES_PREFIXES "ttft, itl or tpot"
#define SERIES_STATS "goodput, tokens_per_s, stream_errors"

static void stat_list(char *buf, size_t len)
{
    size_t used = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < N_STATS; i++) {
        int n = snprintf(buf + used, len - used, "%s%s", i ? ", " : "",
                         stat_table[i].name);
        if (n < 0 || (size_t)n >= len - used)
            return;
        used += (size_t)n;
    }
    snprintf(buf + used, len - used,
             ", " SERIES_STATS " (streams), or " SERIES_PREFIXES
             " before p50..max");
}

const char *compare_op_str(enum compare_op op)
{
    switch (op) {
    case COMPARE_LT:
        return "<";
    case COMPARE_LE:
        return "<=";
    case COMPARE_GT:
        return ">";
    case COMPARE_GE:
        return ">=";
    }
    return "?";
}

/* ---- scanner ---------------------------------------------------------- */

struct parser {
    const char *s;
    size_t pos;
    char *errbuf;
    size_t errlen;
};

static void skip_ws(struct parser *p)
{
    while (p->s[p->pos] == ' ' || p->s[p->pos] == '\t')
        p->pos++;
}

/* Sets errbuf to "column N: <fmt>" (N of position at) and returns
 * COMPARE_ESYNTAX. */
static int fail_at(struct parser *p, size_t at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail_at(struct parser *p, size_t at, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (!p->errbuf || p->errlen == 0)
        return COMPARE_ESYNTAX;
    n = snprintf(p->errbuf, p->errlen, "column %zu: ", at + 1);
    if (n >= 0 && (size_t)n < p->errlen) {
        va_start(ap, fmt);
        vsnprintf(p->errbuf + n, p->errlen - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return COMPARE_ESYNTAX;
}

/* What is at pos, for messages: "'x'" or "the end". */
static void describe(const struct parser *p, size_t at, char *buf, size_t len)
{
    const unsigned char *c = (const unsigned char *)p->s + at;
    size_t n = 0;

    if (!*c) {
        snprintf(buf, len, "the end of the expression");
        return;
    }
    /* One token's worth, printable ASCII only (never echo controls). */
    while (c[n] && n < 16 && isgraph(c[n]) &&
           (n == 0 || !isalnum(c[n]) == !isalnum(c[0])))
        n++;
    if (n == 0) {
        snprintf(buf, len, "byte 0x%02x", c[0]);
        return;
    }
    snprintf(buf, len, "'%.*s'", (int)n, (const char *)c);
}

static bool is_word(int c)
{
    return isalnum(c) || c == '_' || c == '.';
}

/* The units a threshold's quantities may carry; which applies to which
 * statistic is convert_limit()'s business. */
#define QUANTITY_UNITS                                                         \
    (UNITS_ACCEPT(UNITS_DURATION) | UNITS_ACCEPT(UNITS_RATE) |                 \
     UNITS_ACCEPT(UNITS_PERCENT))

/* NUMBER [UNIT] at pos (the grammar of units.h, a bare time in ms) into
 *q; pos moves past it. */
static int scan_quantity(struct parser *p, struct units_value *q)
{
    struct units_error ue;
    const char *w;
    char what[40];

    if (units_scan(p->s, p->pos, QUANTITY_UNITS, UNITS_MILLISECONDS, q, &ue) ==
        0) {
        p->pos = q->end;
        return 0;
    }
    w = p->s + ue.at;
    if (ue.code == UNITS_ENUMBER) { /* in the words of an expression */
        describe(p, ue.at, what, sizeof(what));
        return fail_at(p, ue.at, "expected a number, found %s", what);
    }
    if (ue.code == UNITS_EUNIT && strncmp(w, "baseline", 8) == 0 &&
        !is_word((unsigned char)w[8]))
        return fail_at(p, ue.at,
                       "expected a unit or the end of the expression, "
                       "found 'baseline'");
    return fail_at(p, ue.at, "%s", ue.msg);
}

static int unit_mismatch(struct parser *p, const struct units_value *q,
                         int stat, const char *how)
{
    return fail_at(p, q->unit_at, "'%s' does not apply to %s%s", q->unit,
                   compare__stat_name(stat), how);
}

/* An absolute limit "NUMBER [UNIT]" into metrics_value() units. */
static int convert_limit(struct parser *p, int stat,
                         const struct units_value *q, double *out)
{
    if (compare__stat_is_time(stat)) {
        if (q->kind != UNITS_PLAIN && q->kind != UNITS_DURATION)
            return unit_mismatch(p, q, stat, " (times take us, ms, s, m or h)");
        *out = q->value; /* ms, bare numbers included */
        return 0;
    }
    switch (stat) {
    case METRICS_STAT_ERROR_RATE:
        if (q->kind == UNITS_PERCENT) {
            if (q->value > 1)
                return fail_at(p, q->number_at,
                               "an error rate above 100%% "
                               "cannot be reached");
            *out = q->value;
            return 0;
        }
        if (q->kind != UNITS_PLAIN)
            return unit_mismatch(p, q, stat,
                                 " (write 5% or the fraction 0.05)");
        if (q->value > 1)
            return fail_at(p, q->number_at,
                           "error_rate %g is above 1; a bare error rate is "
                           "a fraction (0.05), write %g%% for a percentage",
                           q->value, q->value);
        *out = q->value;
        return 0;
    case METRICS_STAT_RPS:
        if (q->kind != UNITS_PLAIN && q->kind != UNITS_RATE)
            return unit_mismatch(p, q, stat, " (rates take /s, /m or /h)");
        *out = q->value; /* per second, bare numbers included */
        return 0;
    default: /* errors, requests: plain counts */
        if (q->kind != UNITS_PLAIN)
            return unit_mismatch(p, q, stat, " (it is a plain count)");
        *out = q->value;
        return 0;
    }
}

/*
 * A relative tolerance "NUMBER [UNIT]" (sign applied by the caller).
 *
 * '%' is a fraction of the baseline value ("p95 < baseline + 10%": the
 * limit is 1.10 * baseline), except for error_rate: error_rate is itself a
 * percentage, and "error_rate < baseline + 1%" is read the way people say
 * it, as one percentage POINT (baseline 2% -> limit 3%), not as 1 % of 2 %
 * (2.02 %), which would fail on a single extra error.  So for error_rate
 * tolerance_pct stays false and tolerance is 0.01; a bare number is points
 * as a fraction too (0.01).
 */
static int convert_tolerance(struct parser *p, int stat,
                             const struct units_value *q,
                             struct compare_threshold *t)
{
    if (stat == METRICS_STAT_ERROR_RATE) {
        if (q->kind != UNITS_PERCENT && q->kind != UNITS_PLAIN)
            return unit_mismatch(p, q, stat,
                                 " (write + 1% for one percentage point)");
        t->tolerance = q->value; /* 1% and 0.01 alike */
        t->tolerance_pct = false;
        return 0;
    }
    if (q->kind == UNITS_PERCENT) {
        t->tolerance = q->value;
        t->tolerance_pct = true;
        return 0;
    }
    t->tolerance_pct = false;
    return convert_limit(p, stat, q, &t->tolerance);
}

static int parse_rhs(struct parser *p, int stat, struct compare_threshold *t)
{
    struct units_value q;
    size_t at;
    int rc;
    char what[40];

    skip_ws(p);
    at = p->pos;
    if (strncmp(p->s + at, "baseline", 8) == 0 &&
        !is_word((unsigned char)p->s[at + 8])) {
        int sign;

        p->pos += 8;
        t->relative = true;
        skip_ws(p);
        if (p->s[p->pos] == '\0')
            return 0; /* "p95 < baseline": tolerance 0 */
        if (p->s[p->pos] == '+')
            sign = 1;
        else if (p->s[p->pos] == '-')
            sign = -1;
        else {
            describe(p, p->pos, what, sizeof(what));
            return fail_at(p, p->pos,
                           "expected '+', '-' or the end of the expression "
                           "after 'baseline', found %s",
                           what);
        }
        p->pos++;
        skip_ws(p);
        if ((rc = scan_quantity(p, &q)))
            return rc;
        if ((rc = convert_tolerance(p, stat, &q, t)))
            return rc;
        t->tolerance *= sign;
        if (t->tolerance_pct && t->tolerance <= -1)
            return fail_at(p, q.number_at,
                           "a tolerance of -%g%% leaves no limit above zero",
                           q.number);
        return 0;
    }
    if (!isdigit((unsigned char)p->s[at]) && p->s[at] != '.') {
        describe(p, at, what, sizeof(what));
        return fail_at(p, at, "expected a number or 'baseline', found %s",
                       what);
    }
    if ((rc = scan_quantity(p, &q)))
        return rc;
    return convert_limit(p, stat, &q, &t->value);
}

static int parse_expr(struct parser *p, struct compare_threshold *t)
{
    size_t at, n = 0;
    int stat, rc;
    char what[40], list[400];

    skip_ws(p);
    at = p->pos;
    while (is_word((unsigned char)p->s[at + n]))
        n++;
    if (n == 0) {
        stat_list(list, sizeof(list));
        describe(p, at, what, sizeof(what));
        return fail_at(p, at, "expected a statistic (%s), found %s", list,
                       what);
    }
    /* streams: "ttft p95" (a series, then a time statistic), "goodput" */
    t->series = METRICS_SERIES_LATENCY;
    stat = metrics_series_parse(p->s + at, n);
    if (stat > METRICS_SERIES_LATENCY && !metrics_series_is_time(stat)) {
        t->series = (enum metrics_series)stat;
        stat = metrics_series_stat(t->series);
    } else if (stat > METRICS_SERIES_LATENCY) {
        t->series = (enum metrics_series)stat;
        at += n;
        while (p->s[at] == ' ' || p->s[at] == '\t')
            at++;
        n = 0;
        while (is_word((unsigned char)p->s[at + n]))
            n++;
        stat = compare__stat_lookup(p->s + at, n);
        if (n == 0 || stat < 0 || !compare__stat_is_time(stat)) {
            describe(p, at, what, sizeof(what));
            return fail_at(p, at,
                           "expected a time statistic after '%s' (p50, p75, "
                           "p90, p95, p99, p99.9, avg, min or max), found %s",
                           metrics_series_name(t->series), what);
        }
    } else {
        stat = compare__stat_lookup(p->s + at, n);
    }
    if (stat < 0) {
        stat_list(list, sizeof(list));
        return fail_at(p, at, "unknown statistic '%.*s'; expected one of %s",
                       (int)(n > 32 ? 32 : n), p->s + at, list);
    }
    t->stat = (enum metrics_stat)stat;
    p->pos = at + n;

    skip_ws(p);
    at = p->pos;
    if (p->s[at] == '<' || p->s[at] == '>') {
        bool eq = p->s[at + 1] == '=';
        if (p->s[at] == '<')
            t->op = eq ? COMPARE_LE : COMPARE_LT;
        else
            t->op = eq ? COMPARE_GE : COMPARE_GT;
        p->pos += eq ? 2 : 1;
    } else {
        return fail_at(p, at, "expected a comparison (<, <=, >, >=)");
    }

    if ((rc = parse_rhs(p, stat, t)))
        return rc;
    skip_ws(p);
    if (p->s[p->pos] != '\0') {
        describe(p, p->pos, what, sizeof(what));
        return fail_at(p, p->pos,
                       "expected the end of the expression, "
                       "found %s",
                       what);
    }
    t->min_effect = compare__stat_is_time(stat) ? 1.0 : 0.0;
    return 0;
}

int compare_threshold_parse(const char *expr, const char *endpoint,
                            struct compare_threshold *out, char *errbuf,
                            size_t errlen)
{
    struct compare_threshold t;
    struct parser p;
    int rc;

    if (errbuf && errlen)
        errbuf[0] = '\0';
    if (!out)
        return COMPARE_EINVAL;
    memset(out, 0, sizeof(*out));
    if (!expr) {
        if (errbuf && errlen)
            snprintf(errbuf, errlen, "no threshold expression");
        return COMPARE_ESYNTAX;
    }
    if (endpoint && !*endpoint) {
        if (errbuf && errlen)
            snprintf(errbuf, errlen, "the endpoint name is empty");
        return COMPARE_ESYNTAX;
    }
    memset(&t, 0, sizeof(t));
    p.s = expr;
    p.pos = 0;
    p.errbuf = errbuf;
    p.errlen = errlen;
    rc = parse_expr(&p, &t);
    if (rc)
        goto out;
    t.expr = strdup(expr);
    if (endpoint)
        t.endpoint = strdup(endpoint);
    if (!t.expr || (endpoint && !t.endpoint)) {
        compare_threshold_release(&t);
        rc = COMPARE_ENOMEM;
        goto out;
    }
    *out = t;
out:
    return rc;
}

void compare_threshold_release(struct compare_threshold *t)
{
    if (!t)
        return;
    free(t->expr);
    free(t->endpoint);
    t->expr = NULL;
    t->endpoint = NULL;
}

int compare_threshold_from(const struct metrics_threshold *w,
                           struct compare_threshold *out, char *errbuf,
                           size_t errlen)
{
    char err[512];
    int rc;

    if (errbuf && errlen)
        errbuf[0] = '\0';
    if (!w || !out)
        return COMPARE_EINVAL;
    rc = compare_threshold_parse(w->check, w->endpoint, out, errbuf, errlen);
    if (rc)
        return rc;
    out->file = w->file;
    out->line = w->line;
    out->col = w->col;
    out->warn_only = w->severity && strcmp(w->severity, "warn") == 0;
    out->for_s = w->for_s;
    out->abort_run = w->abort_run;
    if (w->min_effect &&
        (rc = compare_parse_quantity(out->stat, w->min_effect, &out->min_effect,
                                     err, sizeof(err)))) {
        if (errbuf && errlen)
            snprintf(errbuf, errlen, "min_effect '%.60s': %s", w->min_effect,
                     err);
        compare_threshold_release(out);
        return rc;
    }
    return 0;
}

int compare_threshold_copy(struct compare_threshold *dst,
                           const struct compare_threshold *src)
{
    if (!dst || !src)
        return COMPARE_EINVAL;
    *dst = *src;
    dst->expr = src->expr ? strdup(src->expr) : NULL;
    dst->endpoint = src->endpoint ? strdup(src->endpoint) : NULL;
    if ((src->expr && !dst->expr) || (src->endpoint && !dst->endpoint)) {
        compare_threshold_release(dst);
        return COMPARE_ENOMEM;
    }
    return 0;
}

#define DEFAULT_ERROR_RATE "error_rate < 5%"

int compare_threshold_defaults(struct compare_threshold **out, size_t *n)
{
    static const char *const exprs[] = {"p95 < 1s", DEFAULT_ERROR_RATE};
    const size_t count = sizeof(exprs) / sizeof(exprs[0]);
    struct compare_threshold *t = NULL;
    int rc = 0;

    if (!out || !n)
        return COMPARE_EINVAL;
    *out = NULL;
    *n = 0;
    t = calloc(count, sizeof(*t));
    if (!t)
        return COMPARE_ENOMEM;
    for (size_t i = 0; i < count; i++) {
        rc = compare_threshold_parse(exprs[i], NULL, &t[i], NULL, 0);
        if (rc) {
            for (size_t k = 0; k < i; k++)
                compare_threshold_release(&t[k]);
            free(t);
            t = NULL;
            goto out;
        }
        t[i].is_default = true;
    }
    *out = t;
    *n = count;
out:
    return rc;
}

int compare_threshold_add_defaults(struct compare_threshold **ts, size_t *n)
{
    struct compare_threshold d, *grown;
    int rc;

    if (!ts || !n || (*n && !*ts))
        return COMPARE_EINVAL;
    for (size_t i = 0; i < *n; i++) {
        const struct compare_threshold *u = &(*ts)[i];
        if (u->stat == METRICS_STAT_ERROR_RATE && !u->relative &&
            !u->warn_only && !u->is_default && !u->endpoint)
            return 0; /* replaced everywhere */
    }
    rc = compare_threshold_parse(DEFAULT_ERROR_RATE, NULL, &d, NULL, 0);
    if (rc)
        return rc;
    d.is_default = true;
    grown = realloc(*ts, (*n + 1) * sizeof(*grown));
    if (!grown) {
        compare_threshold_release(&d);
        return COMPARE_ENOMEM;
    }
    grown[*n] = d;
    *ts = grown;
    (*n)++;
    return 0;
}

int compare_parse_quantity(enum metrics_stat stat, const char *text,
                           double *out, char *errbuf, size_t errlen)
{
    struct parser p;
    struct units_value q;
    int rc;
    char what[40];

    if (errbuf && errlen)
        errbuf[0] = '\0';
    if (!out || (int)stat < 0 || (size_t)stat >= N_STATS)
        return COMPARE_EINVAL;
    if (!text) {
        if (errbuf && errlen)
            snprintf(errbuf, errlen, "no quantity given");
        return COMPARE_ESYNTAX;
    }
    p.s = text;
    p.pos = 0;
    p.errbuf = errbuf;
    p.errlen = errlen;
    skip_ws(&p);
    if (p.s[p.pos] == '-' || p.s[p.pos] == '+')
        return fail_at(&p, p.pos, "a quantity takes no sign");
    if ((rc = scan_quantity(&p, &q)))
        return rc;
    skip_ws(&p);
    if (p.s[p.pos] != '\0') {
        describe(&p, p.pos, what, sizeof(what));
        return fail_at(&p, p.pos, "expected the end of the quantity, found %s",
                       what);
    }
    return convert_limit(&p, (int)stat, &q, out);
}
