/*
 * The verdict of a run: every threshold evaluated on every endpoint it
 * covers, PASS, FAIL, INCONCLUSIVE or SKIPPED, never a silent pass.
 *
 * A relative check beyond its limit fails only when the change is also
 * larger than min_effect and significant by the window bootstrap of
 * compare_stats.c, after Holm's correction over every relative check with
 * a p-value (so the whole gate, not each check, keeps its false-FAIL rate
 * within alpha).  Hence two passes: judge() measures every check, then
 * finish() corrects, decides what waited for it, and writes the texts.
 * Sustained checks (for_s) look at 1-second windows (compare_sustained.c);
 * severity warn never fails.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare_internal.h"

#define NAME_MAX_LEN 1024
#define MESSAGE_MAX 200
#define DETAIL_MAX 1000
/* Closed model: an endpoint's rate is the users' pace through the whole
 * scenario, so one slow endpoint slows them all. */
#define CLOSED_RPS_NOTE                                                        \
    "closed model: users are shared, so one slow endpoint lowers every "       \
    "endpoint's rps"

const char *compare_status_str(enum compare_status s)
{
    switch (s) {
    case COMPARE_PASS:
        return "PASS";
    case COMPARE_FAIL:
        return "FAIL";
    case COMPARE_INCONCLUSIVE:
        return "INCONCLUSIVE";
    case COMPARE_SKIPPED:
        return "SKIPPED";
    }
    return "INCONCLUSIVE";
}

int compare_status_rank(enum compare_status s, bool warning)
{
    return s == COMPARE_FAIL           ? 4
           : s == COMPARE_INCONCLUSIVE ? 3
           : s == COMPARE_PASS         ? (warning ? 2 : 1)
                                       : 0;
}

/* What a check carries from judge() to finish(). */
struct pend {
    struct compare__boot bt; /* the test, when has_ci */
    bool tested;             /* has a p-value of its own: in Holm's family */
    bool decide;     /* beyond the limit and min_effect: FAIL or PASS with a
                        warning, once Holm has spoken */
    bool finished;   /* texts written already (the load check) */
    bool seq;        /* decided by the sequential test */
    double fail_log; /* log of the ratio, toward the bad direction, from
                        which the check fails; NAN when unknown */
    /* the detail's note: note, the check's message, or a static string
     * (notep); kept as a kind, not a pointer into the checks, which
     * new_check() may move */
    enum { NOTE_NONE, NOTE_OWN, NOTE_MSG, NOTE_STATIC } notek;
    const char *notep; /* NOTE_STATIC */
    char note[256];
};

struct eval {
    const struct metrics_results *run, *base;
    struct metrics_endpoint *run_all, *base_all; /* lazily aggregated */
    struct compare_verdict *v;
    size_t cap;
    struct pend *pend; /* parallel to v->checks */
    const struct compare_opts *opts;
    const struct compare_threshold *all_t; /* every threshold, overrides */
    size_t n_t;
    double alpha;
    size_t family; /* relative checks with a p-value (Holm's m) */
};

/* Samples behind a statistic: latencies for time statistics (imported
 * documents without a histogram fall back to their request count),
 * requests for the others. */
static uint64_t sample_count(const struct metrics_endpoint *ep, int stat)
{
    uint64_t n;

    if (!compare__stat_is_time(stat) || !ep->hist)
        return ep->requests;
    n = metrics_hist_count(ep->hist);
    return n ? n : ep->requests;
}

static int get_all(const struct metrics_results *r,
                   struct metrics_endpoint **slot)
{
    if (*slot)
        return 0;
    return metrics_results_aggregate(r, slot) ? COMPARE_ENOMEM : 0;
}

static struct compare_check *new_check(struct eval *e)
{
    struct compare_verdict *v = e->v;

    if (v->n_checks == e->cap) {
        size_t cap = e->cap ? e->cap * 2 : 16;
        struct compare_check *c = realloc(v->checks, cap * sizeof(*c));
        struct pend *p;
        if (!c)
            return NULL;
        v->checks = c;
        p = realloc(e->pend, cap * sizeof(*p));
        if (!p)
            return NULL;
        e->pend = p;
        e->cap = cap;
    }
    memset(&v->checks[v->n_checks], 0, sizeof(v->checks[0]));
    memset(&e->pend[v->n_checks], 0, sizeof(e->pend[0]));
    e->pend[v->n_checks].fail_log = NAN;
    return &v->checks[v->n_checks++];
}

static struct pend *pend_of(struct eval *e, const struct compare_check *c)
{
    return &e->pend[c - e->v->checks];
}

/* "200 ms", "1 s", "2.5 s" */
static void fmt_len(unsigned ms, char *buf, size_t len)
{
    if (ms < 1000)
        snprintf(buf, len, "%u ms", ms);
    else if (ms % 1000 == 0)
        snprintf(buf, len, "%u s", ms / 1000);
    else
        snprintf(buf, len, "%.1f s", ms / 1000.0);
}

/* "30 + 300 windows of 1 s", "30 windows of 200 ms + 300 of 1 s", "30
 * paired windows of 200 ms" */
static void fmt_windows(const struct compare__boot *bt, char *buf, size_t len)
{
    char a[32], b[32];

    fmt_len(bt->len_cur, a, sizeof(a));
    fmt_len(bt->len_base, b, sizeof(b));
    if (bt->paired)
        snprintf(buf, len, "%zu paired windows of %s", bt->n_cur, a);
    else if (bt->len_cur == bt->len_base)
        snprintf(buf, len, "%zu + %zu windows of %s", bt->n_cur, bt->n_base, a);
    else
        snprintf(buf, len, "%zu windows of %s + %zu of %s", bt->n_cur, a,
                 bt->n_base, b);
}

/* "1.21"; "inf" when the baseline draw was 0. */
static void fmt_ratio(double r, char *buf, size_t len)
{
    if (r == INFINITY)
        snprintf(buf, len, "inf");
    else
        snprintf(buf, len, "%.2f", r);
}

/* "p=0.003", "p=0.21", "p<1e-06". */
static void fmt_p(double p, char *buf, size_t len)
{
    if (p < 1e-6)
        snprintf(buf, len, "p<1e-06");
    else if (p < 0.001)
        snprintf(buf, len, "p=%.1e", p);
    else if (p < 0.01)
        snprintf(buf, len, "p=%.3f", p);
    else
        snprintf(buf, len, "p=%.2f", p);
}

/* bt: the bootstrap behind c->has_ci; family: Holm's m (0: not in it)
 * at alpha. */
/* Appends to c->detail at *used (which counts what did not fit too);
 * false once the detail is full. */
__attribute__((format(printf, 3, 4))) static bool
detail_add(struct compare_check *c, size_t *used, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(c->detail + *used, sizeof(c->detail) - *used, fmt, ap);
    va_end(ap);
    *used += n < 0 ? 0 : (size_t)n;
    return *used < sizeof(c->detail);
}

static void finish_text(struct compare_check *c,
                        const struct compare_threshold *t, const char *note,
                        const struct compare__boot *bt, size_t family,
                        double alpha)
{
    char val[64], lim[64], where[600] = "";
    size_t used = 0;

    compare__utf8_cut(c->message, MESSAGE_MAX);

    if (t->file && t->line > 0)
        snprintf(where, sizeof(where), "  (%s:%d)", t->file, t->line);
    else if (t->line > 0)
        snprintf(where, sizeof(where), "  (line %d)", t->line);
    if (!detail_add(c, &used, "endpoint : %s\nthreshold: %s%s", c->endpoint,
                    c->expr, where))
        goto out;
    if (c->has_measured) {
        compare__fmt_value((int)t->stat, c->measured, val, sizeof(val));
        if (!detail_add(c, &used, "\nmeasured : %s (n=%llu)", val,
                        (unsigned long long)c->n_measured))
            goto out;
    }
    if (c->has_baseline) {
        compare__fmt_value((int)t->stat, c->baseline, val, sizeof(val));
        if (!detail_add(c, &used, "\nbaseline : %s (n=%llu)", val,
                        (unsigned long long)c->n_baseline))
            goto out;
    }
    if (c->has_limit) {
        compare__fmt_value((int)t->stat, c->limit, lim, sizeof(lim));
        if (!detail_add(c, &used, "\nlimit    : %s %s", compare_op_str(t->op),
                        lim))
            goto out;
    }
    if (c->has_measured && c->has_baseline) {
        if (c->baseline != 0) {
            compare__fmt_pct(c->delta_pct, val, sizeof(val));
        } else {
            char abs[64];
            compare__fmt_value((int)t->stat, fabs(c->measured), abs,
                               sizeof(abs));
            compare__printf(val, sizeof(val), "%s%s (baseline is 0)",
                            c->measured < 0 ? "-" : "+", abs);
        }
        if (!detail_add(c, &used, "\ndelta    : %s", val))
            goto out;
    }
    if (c->has_ci && bt) {
        char lo[32], hi[32], w[96], blocks[48];
        fmt_ratio(c->ci_low, lo, sizeof(lo));
        fmt_ratio(c->ci_high, hi, sizeof(hi));
        fmt_windows(bt, w, sizeof(w));
        if (bt->paired)
            snprintf(blocks, sizeof(blocks), "blocks of %zu", bt->block_cur);
        else
            snprintf(blocks, sizeof(blocks), "blocks of %zu + %zu",
                     bt->block_cur, bt->block_base);
        if (!detail_add(c, &used,
                        "\n95%% CI   : ratio %s .. %s (each bound one-sided; "
                        "%sblock bootstrap, %u draws over %s, %s)",
                        lo, hi, bt->paired ? "paired " : "", bt->draws, w,
                        blocks))
            goto out;
        if (family) {
            char raw[32], adj[32];
            fmt_p(c->p_value, raw, sizeof(raw));
            fmt_p(c->p_adjusted, adj, sizeof(adj));
            if (!detail_add(c, &used,
                            "\np-value  : %s; Holm-adjusted over %zu relative "
                            "check%s: %s (the gate's alpha %g%%)",
                            raw, family, family == 1 ? "" : "s", adj,
                            alpha * 100))
                goto out;
        }
    }
    if (c->has_mde) {
        compare__fmt_pct(c->mde_pct, val, sizeof(val));
        if (!detail_add(c, &used,
                        "\ncould see: %s or more (80%% power at this noise)",
                        val))
            goto out;
    }
    if (note)
        detail_add(c, &used, "\nnote     : %s", note);
out:
    compare__utf8_cut(c->detail, DETAIL_MAX);
}

static void set_status(struct compare_check *c, enum compare_status s,
                       const char *type)
{
    c->status = s;
    c->type = type;
}

/* "p95 = 1320 ms, limit < 1078 ms (baseline 980 ms + 10%); +34.7%" */
static void relative_message(struct compare_check *c,
                             const struct compare_threshold *t)
{
    char m[64], lim[64], b[64], tol[64], delta[80], nbuf[48];
    const char *name = compare__check_name(t, nbuf, sizeof(nbuf));

    compare__fmt_value((int)t->stat, c->measured, m, sizeof(m));
    compare__fmt_value((int)t->stat, c->limit, lim, sizeof(lim));
    compare__fmt_value((int)t->stat, c->baseline, b, sizeof(b));
    compare__fmt_tolerance(t, tol, sizeof(tol));
    if (c->baseline != 0) {
        compare__fmt_pct(c->delta_pct, delta, sizeof(delta));
    } else {
        char abs[64];
        compare__fmt_value((int)t->stat, fabs(c->measured), abs, sizeof(abs));
        snprintf(delta, sizeof(delta), "%s%s", c->measured < 0 ? "-" : "+",
                 abs);
    }
    compare__printf(c->message, sizeof(c->message),
                    "%s = %s, limit %s %s (baseline %s%s%s); %s", name, m,
                    compare_op_str(t->op), lim, b, tol[0] ? " " : "", tol,
                    delta);
}

/* What the samples of t's statistic are: requests, or a stream's values
 * (one TTFT or TPOT a stream, one ITL a gap). */
static const char *samples_noun(const struct compare_threshold *t)
{
    if (!t || t->series == METRICS_SERIES_LATENCY ||
        !metrics_series_is_time(t->series))
        return "requests";
    return t->series == METRICS_SERIES_ITL ? "gaps" : "streams";
}

/* The run has too few samples for the percentile: INCONCLUSIVE. */
static bool too_few_run(struct compare_check *c, const char *sname,
                        uint64_t need)
{
    if (!need || c->n_measured >= need)
        return false;
    set_status(c, COMPARE_INCONCLUSIVE, COMPARE__T_TOO_FEW);
    snprintf(c->message, sizeof(c->message),
             "%s of %llu %s needs at least %llu", sname,
             (unsigned long long)c->n_measured, samples_noun(c->threshold),
             (unsigned long long)need);
    return true;
}

/* Appends text to c->message (capped later by finish_text). */
static void append(struct compare_check *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void append(struct compare_check *c, const char *fmt, ...)
{
    size_t len = strlen(c->message);
    va_list ap;

    if (len + 1 >= sizeof(c->message))
        return;
    va_start(ap, fmt);
    vsnprintf(c->message + len, sizeof(c->message) - len, fmt, ap);
    va_end(ap);
}

/*
 * for_s > 0: the check fails only when the limit is breached in every
 * 1-second window of a run of consecutive seconds at least for_s long.
 * c has its whole-run value, limit and message; this decides the status.
 */
static void judge_sustained(struct compare_check *c,
                            const struct compare_threshold *t,
                            const struct metrics_endpoint *ep,
                            const char *fail_type)
{
    int stat = (int)t->stat;
    size_t need = (size_t)ceil(t->for_s - 1e-9), got;
    int64_t first;
    char clock[16];

    if (need < 1)
        need = 1;
    if (compare__windows(ep, stat) == 0) {
        set_status(c, COMPARE_INCONCLUSIVE, COMPARE__T_FEW_WINDOWS);
        append(c, "; no per-second windows to judge 'for %g s'", t->for_s);
        return;
    }
    got = compare__longest_breach(ep, ep->n_timeline, stat, t->op, c->limit,
                                  &first);
    if (got >= need) {
        compare__fmt_clock(first, clock, sizeof(clock));
        set_status(c, COMPARE_FAIL, fail_type);
        append(c, "; breached for %zu s from %s (for %g s)", got, clock,
               t->for_s);
    } else {
        set_status(c, COMPARE_PASS, NULL);
        if (got)
            append(c, "; longest breach %zu s (for %g s)", got, t->for_s);
        else
            append(c, "; not breached in any 1-second window");
    }
}

/* The test's numbers into the check. */
static void set_ci(struct compare_check *c, const struct compare__boot *bt)
{
    c->has_ci = true;
    c->ci_low = bt->ci_low;
    c->ci_high = bt->ci_high;
    c->p_value = bt->p_value;
    c->p_adjusted = bt->p_value;
    c->windows_run = bt->n_cur;
    c->windows_base = bt->n_base;
    c->window_ms_run = bt->len_cur;
    c->window_ms_base = bt->len_base;
}

/* Runs the check's test (paired or not) into p->bt; false when the runs
 * have too few windows for it (p->bt then has their counts). */
static int run_test(struct eval *e, const struct compare_threshold *t,
                    const struct metrics_endpoint *ep,
                    const struct metrics_endpoint *bep, struct pend *p,
                    bool *tested)
{
    int rc;

    if (e->opts && e->opts->paired)
        rc = compare__bootstrap_paired(ep, bep, (int)t->stat, t->op,
                                       COMPARE__DRAWS, &p->bt);
    else
        rc = compare__bootstrap(ep, bep, (int)t->stat, t->op, COMPARE__DRAWS, 0,
                                &p->bt);
    *tested = rc == 0;
    return rc == COMPARE_EINVAL ? 0 : rc;
}

/* Beyond the limit, but too few windows to tell it from noise. */
static void too_few_windows(struct compare_check *c,
                            const struct metrics_endpoint *ep,
                            const struct metrics_endpoint *bep, struct pend *p)
{
    const struct compare__boot *bt = &p->bt;

    set_status(c, COMPARE_INCONCLUSIVE, COMPARE__T_FEW_WINDOWS);
    if (!ep->n_timeline || !bep->n_timeline) {
        append(c,
               "; no per-second windows in the %s to tell it from "
               "noise",
               !ep->n_timeline && !bep->n_timeline ? "run or baseline"
               : !ep->n_timeline                   ? "run"
                                                   : "baseline");
    } else if (bt->paired) {
        append(c, "; %zu paired windows, needs %d to tell it from noise",
               bt->n_cur, COMPARE__MIN_WINDOWS);
    } else {
        append(c, "; %zu + %zu windows, needs %d each to tell it from noise",
               bt->n_cur, bt->n_base, COMPARE__MIN_WINDOWS);
    }
    if (bt->paired) {
        snprintf(p->note, sizeof(p->note),
                 "beyond the tolerance, but significance needs at least %d "
                 "windows with samples in both sides at once (%zu)",
                 COMPARE__MIN_WINDOWS, bt->n_cur);
    } else {
        char a[32], b[32];
        fmt_len(bt->len_cur, a, sizeof(a));
        fmt_len(bt->len_base, b, sizeof(b));
        snprintf(p->note, sizeof(p->note),
                 "beyond the tolerance, but significance needs at least %d "
                 "windows with samples in both runs (run %zu of %s, "
                 "baseline %zu of %s)",
                 COMPARE__MIN_WINDOWS, bt->n_cur, a, bt->n_base, b);
    }
    p->notek = NOTE_OWN;
}

/* The log of the ratio, toward the bad direction, from which t fails on a
 * baseline value b: the limit, and min_effect beyond the baseline.  NAN
 * when it cannot be said (a baseline of 0); INFINITY when it cannot
 * fail. */
static double fail_log(const struct compare_threshold *t, double b,
                       double limit)
{
    bool up = t->op == COMPARE_LT || t->op == COMPARE_LE;
    double lim, me;

    if (!(b > 0) || !isfinite(limit))
        return NAN;
    if (up) {
        lim = limit > 0 ? log(limit / b) : -INFINITY;
        me = log1p(t->min_effect / b);
    } else {
        lim = limit > 0 ? -log(limit / b) : INFINITY;
        me = t->min_effect < b ? -log1p(-t->min_effect / b) : INFINITY;
    }
    return fmax(fmax(lim, me), 0.0);
}

/* A decision of the sequential test as the check's status. */
static void judge_sequential(struct compare_check *c,
                             const struct compare_seq_check *q, struct pend *p)
{
    char w[96];

    p->seq = true;
    if (q->look) {
        p->bt = *compare__sequential_boot(q);
        set_ci(c, &p->bt);
        fmt_windows(&p->bt, w, sizeof(w));
    }
    switch (q->decision) {
    case COMPARE_SEQ_FAIL:
        set_status(c, COMPARE_FAIL, COMPARE__T_REGRESSION);
        c->significant = true;
        append(c,
               ", significant at look %u (%.0f s; z=%.2f, bound %.2f; "
               "%s)",
               q->look, q->at_s, q->z, q->bound, w);
        break;
    case COMPARE_SEQ_PASS:
        set_status(c, COMPARE_PASS, NULL);
        if (!compare__holds(c->measured, c->threshold->op, c->limit)) {
            c->warning = true;
            append(c, ", not significant at look %u (%.0f s)", q->look,
                   q->at_s);
            snprintf(p->note, sizeof(p->note),
                     "beyond the tolerance, but not significant by the "
                     "sequential test when the run stopped; passed with a "
                     "warning");
            p->notek = NOTE_OWN;
        } else {
            append(c, "; decided at look %u (%.0f s)", q->look, q->at_s);
        }
        break;
    default:
        set_status(c, COMPARE_INCONCLUSIVE, COMPARE__T_FEW_WINDOWS);
        append(c, "; undecided when the run stopped");
        p->notek = NOTE_MSG;
        break;
    }
}

/*
 * After Holm: a check beyond its limit and min_effect fails when
 * significant, else passes with a warning.
 */
static void decide(struct eval *e, struct compare_check *c, struct pend *p)
{
    char pv[32], pa[32], w[96];

    fmt_p(c->p_value, pv, sizeof(pv));
    fmt_p(c->p_adjusted, pa, sizeof(pa));
    fmt_windows(&p->bt, w, sizeof(w));
    if (c->significant) {
        set_status(c, COMPARE_FAIL, COMPARE__T_REGRESSION);
        if (e->family > 1)
            append(c, ", significant (%s, Holm %s; %s)", pv, pa, w);
        else
            append(c, ", significant (%s; %s)", pv, w);
    } else {
        set_status(c, COMPARE_PASS, NULL);
        c->warning = true;
        if (e->family > 1)
            append(c, ", not significant (%s, Holm %s; %s)", pv, pa, w);
        else
            append(c, ", not significant (%s; %s)", pv, w);
        snprintf(p->note, sizeof(p->note),
                 "beyond the tolerance, but not significant given the noise "
                 "of both runs (%s, Holm-adjusted %s); passed with a warning",
                 pv, pa + 2);
        p->notek = NOTE_OWN;
    }
}

/* A passing relative check: the smallest change it would have failed on
 * with 80 % power, at the run's noise, its tolerance and min_effect, and
 * the family's alpha (Bonferroni's alpha / m, Holm's first step). */
static void set_mde(struct eval *e, struct compare_check *c,
                    const struct pend *p)
{
    const struct compare_threshold *t = c->threshold;
    bool up = t->op == COMPARE_LT || t->op == COMPARE_LE;
    double se = p->bt.se, z, mde;
    char v[32], w[96];

    if (!isfinite(se) || !isfinite(p->fail_log) || !e->family)
        return;
    z = compare__t_isf(e->alpha / (double)e->family, p->bt.df);
    mde = fmax(p->fail_log, z * se) + compare__t_isf(0.2, p->bt.df) * se;
    c->mde_pct = (exp(up ? mde : -mde) - 1.0) * 100.0;
    c->has_mde = isfinite(c->mde_pct);
    if (!c->has_mde)
        return;
    compare__fmt_pct(c->mde_pct, v, sizeof(v));
    fmt_windows(&p->bt, w, sizeof(w));
    append(c, "; could have seen %s or more (%s)", v, w);
}

/* Holm's step-down over the checks with a p-value: p_adjusted, and
 * significant when it is below alpha. */
static int holm(struct eval *e)
{
    struct compare_verdict *v = e->v;
    size_t *idx, m = 0;
    double run = 0;

    idx = malloc((v->n_checks + 1) * sizeof(*idx));
    if (!idx)
        return COMPARE_ENOMEM;
    for (size_t i = 0; i < v->n_checks; i++)
        if (e->pend[i].tested)
            idx[m++] = i;
    /* by p ascending (insertion sort: a gate has tens of checks) */
    for (size_t i = 1; i < m; i++) {
        size_t x = idx[i], j = i;
        while (j > 0 && v->checks[idx[j - 1]].p_value > v->checks[x].p_value) {
            idx[j] = idx[j - 1];
            j--;
        }
        idx[j] = x;
    }
    for (size_t k = 0; k < m; k++) {
        struct compare_check *c = &v->checks[idx[k]];
        double a = (double)(m - k) * c->p_value;
        run = fmax(run, fmin(1.0, a));
        c->p_adjusted = run;
        c->significant = run < e->alpha;
    }
    e->family = m;
    free(idx);
    return 0;
}

/* severity: warn: a breach is reported and never fails the build. */
static void apply_warn_only(struct compare_check *c,
                            const struct compare_threshold *t)
{
    char tmp[sizeof(c->message)];

    if (!t->warn_only ||
        (c->status != COMPARE_FAIL && c->status != COMPARE_INCONCLUSIVE))
        return;
    c->warning = true;
    if (c->status == COMPARE_FAIL)
        set_status(c, COMPARE_PASS, COMPARE__T_WARN);
    else
        set_status(c, COMPARE_SKIPPED, c->type);
    compare__printf(tmp, sizeof(tmp), "warning only: %s", c->message);
    memcpy(c->message, tmp, sizeof(tmp));
}

/* A check that cannot be judged: status st of type, its message from fmt,
 * which the detail repeats as its note.  Returns 0. */
__attribute__((format(printf, 5, 6))) static int
unjudged(struct compare_check *c, struct pend *p, enum compare_status st,
         const char *type, const char *fmt, ...)
{
    va_list ap;

    set_status(c, st, type);
    va_start(ap, fmt);
    vsnprintf(c->message, sizeof(c->message), fmt, ap);
    va_end(ap);
    p->notek = NOTE_MSG;
    return 0;
}

/* One threshold on one endpoint.  ep: the run's; bep: the baseline's or
 * NULL; both already the series' views of src and the baseline's for a
 * streaming check (src: the run's endpoint itself).  Measures; finish()
 * decides what waits for Holm and writes the texts. */
static int judge_on(struct eval *e, const struct compare_threshold *t,
                    const char *name, const struct metrics_endpoint *src,
                    const struct metrics_endpoint *ep,
                    const struct metrics_endpoint *bep)
{
    struct compare_check *c = new_check(e);
    struct pend *p;
    int stat = (int)t->stat, rc;
    double pct = compare__stat_percentile(stat), m, b;
    uint64_t need = compare__samples_needed(pct);
    char nbuf[48];
    const char *sname = compare__check_name(t, nbuf, sizeof(nbuf));
    const struct compare_seq_check *q = NULL;
    bool beyond, tested = false;

    if (!c)
        return COMPARE_ENOMEM;
    p = pend_of(e, c);
    c->endpoint = strdup(name);
    c->expr = strdup(t->expr ? t->expr : "");
    if (!c->endpoint || !c->expr)
        return COMPARE_ENOMEM;
    c->threshold = t;
    c->relative = t->relative;

    if (src->requests == 0)
        return unjudged(c, p, COMPARE_INCONCLUSIVE, COMPARE__T_NO_DATA,
                        "0 requests in measured window; not evaluated");
    if (t->series != METRICS_SERIES_LATENCY && !src->stream)
        /* goodput would read 0/s: not streams, not a value */
        return unjudged(c, p, COMPARE_INCONCLUSIVE, COMPARE__T_NO_DATA,
                        "no streamed response in measured window (%llu "
                        "requests); not evaluated",
                        (unsigned long long)src->requests);
    rc = metrics_value(e->run, ep, t->stat, &m);
    if (rc || !isfinite(m))
        return unjudged(c, p, COMPARE_INCONCLUSIVE, COMPARE__T_NO_DATA,
                        "no %s in measured window (%llu requests, none with "
                        "%s); not evaluated",
                        sname, (unsigned long long)src->requests,
                        t->series ? "a stream's value" : "a latency");
    c->has_measured = true;
    c->measured = m;
    c->n_measured = sample_count(ep, stat);
    if (!t->relative) {
        char mv[64], lv[64];

        /* a sustained check judges windows, not the whole-run sample */
        if (!(t->for_s > 0) && too_few_run(c, sname, need))
            return 0;

        c->has_limit = true;
        c->limit = t->value;
        compare__fmt_value(stat, m, mv, sizeof(mv));
        compare__fmt_value(stat, c->limit, lv, sizeof(lv));
        snprintf(c->message, sizeof(c->message), "%s = %s, limit %s %s", sname,
                 mv, compare_op_str(t->op), lv);
        if (t->for_s > 0)
            judge_sustained(c, t, ep, COMPARE__T_THRESHOLD);
        else if (compare__holds(m, t->op, c->limit))
            set_status(c, COMPARE_PASS, NULL);
        else
            set_status(c, COMPARE_FAIL, COMPARE__T_THRESHOLD);
        return 0;
    }

    if (!e->base) {
        e->v->baseline_missing = true;
        return unjudged(c, p, COMPARE_SKIPPED, COMPARE__T_NO_BASELINE,
                        "no baseline; relative check skipped");
    }
    if ((!bep || bep->requests == 0) && e->opts && e->opts->baseline_name)
        return unjudged(c, p, COMPARE_SKIPPED, COMPARE__T_NO_BASELINE,
                        "endpoint not in baseline '%.150s'",
                        e->opts->baseline_name);
    if (!bep || bep->requests == 0)
        return unjudged(c, p, COMPARE_SKIPPED, COMPARE__T_NO_BASELINE,
                        "endpoint '%.150s' not in baseline", name);
    rc = metrics_value(e->base, bep, t->stat, &b);
    if (rc || !isfinite(b))
        return unjudged(c, p, COMPARE_SKIPPED, COMPARE__T_NO_BASELINE,
                        "baseline has no %s for this endpoint; relative "
                        "check skipped",
                        sname);
    c->has_baseline = true;
    c->baseline = b;
    c->n_baseline = sample_count(bep, stat);
    c->delta_pct = b != 0 ? (m - b) / b * 100.0 : 0.0;
    /* After the baseline checks: a check that is skipped anyway (the first
     * run on a branch) is not made inconclusive by its sample size. */
    if (!(t->for_s > 0) && too_few_run(c, sname, need))
        return 0;
    if (need && c->n_baseline < need)
        return unjudged(c, p, COMPARE_INCONCLUSIVE, COMPARE__T_TOO_FEW,
                        "%s of the baseline's %llu %s needs at least %llu",
                        sname, (unsigned long long)c->n_baseline,
                        samples_noun(t), (unsigned long long)need);
    c->has_limit = true;
    c->limit = t->tolerance_pct ? b * (1.0 + t->tolerance) : b + t->tolerance;
    relative_message(c, t);
    if (t->for_s > 0) {
        judge_sustained(c, t, ep, COMPARE__T_REGRESSION);
        return 0;
    }
    if (e->opts && e->opts->sequential &&
        (q = compare_sequential_find(e->opts->sequential, t, name))) {
        judge_sequential(c, q, p);
        return 0;
    }
    /* Every other relative check has its test: the p-value for Holm's
     * family, the noise for what the run could have seen. */
    if ((rc = run_test(e, t, ep, bep, p, &tested)))
        return rc;
    p->tested = tested;
    if (tested)
        set_ci(c, &p->bt);
    p->fail_log = fail_log(t, b, c->limit);
    beyond = !compare__holds(m, t->op, c->limit);
    if (beyond && fabs(m - b) >= t->min_effect) {
        if (tested)
            p->decide = true; /* after Holm */
        else
            too_few_windows(c, ep, bep, p);
    } else if (beyond) {
        /* Beyond the tolerance, but the change is too small to matter. */
        char d[64], me[64];

        set_status(c, COMPARE_PASS, NULL);
        c->warning = true;
        compare__fmt_value(stat, fabs(m - b), d, sizeof(d));
        compare__fmt_value(stat, t->min_effect, me, sizeof(me));
        snprintf(p->note, sizeof(p->note),
                 "beyond the tolerance, but the change (%s) is below "
                 "min_effect (%s); passed with a warning",
                 d, me);
        append(c, "; change %s below min_effect %s", d, me);
        p->notek = NOTE_OWN;
    } else {
        set_status(c, COMPARE_PASS, NULL);
    }
    return 0;
}

/* After every check is measured: Holm, the decisions that waited for it,
 * what passing checks could have seen, notes and texts. */
static int finish(struct eval *e)
{
    struct compare_verdict *v = e->v;
    int rc;

    if ((rc = holm(e)))
        return rc;
    for (size_t i = 0; i < v->n_checks; i++) {
        struct compare_check *c = &v->checks[i];
        struct pend *p = &e->pend[i];
        const struct compare_threshold *t = c->threshold;

        if (p->finished || !t)
            continue;
        if (p->decide)
            decide(e, c, p);
        if (c->status == COMPARE_PASS && p->tested && !p->seq)
            set_mde(e, c, p);
        if (c->status == COMPARE_FAIL && t->stat == METRICS_STAT_RPS &&
            strcmp(c->endpoint, "ALL") != 0 && e->run->meta.model &&
            strcmp(e->run->meta.model, "closed") == 0) {
            append(c, "; %s", CLOSED_RPS_NOTE);
            if (p->notek == NOTE_NONE) {
                p->notek = NOTE_STATIC;
                p->notep = CLOSED_RPS_NOTE;
            }
        }
        apply_warn_only(c, t);
        if (p->notek == NOTE_NONE &&
            (c->status == COMPARE_INCONCLUSIVE || c->status == COMPARE_SKIPPED))
            p->notek = NOTE_MSG;
        finish_text(c, t,
                    p->notek == NOTE_OWN   ? p->note
                    : p->notek == NOTE_MSG ? c->message
                                           : p->notep,
                    c->has_ci ? &p->bt : NULL, p->tested ? e->family : 0,
                    e->alpha);
    }
    return 0;
}

static int judge(struct eval *e, const struct compare_threshold *t,
                 const char *name, const struct metrics_endpoint *ep,
                 const struct metrics_endpoint *bep)
{
    const struct metrics_endpoint *v, *bv = NULL;
    struct metrics_endpoint *vo = NULL, *bvo = NULL;
    int rc = compare__series_ep(ep, t, &v, &vo);

    if (!rc && bep)
        rc = compare__series_ep(bep, t, &bv, &bvo);
    if (!rc)
        rc = judge_on(e, t, name, ep, v, bv);
    metrics_endpoint_free(vo);
    metrics_endpoint_free(bvo);
    return rc;
}

static void list_endpoints(const struct metrics_results *r, char *buf,
                           size_t len)
{
    size_t used = 0;
    char name[NAME_MAX_LEN];

    snprintf(buf, len, "(none)");
    for (size_t i = 0; i < r->n_endpoints; i++) {
        int n;
        metrics_endpoint_name(r->endpoints[i], name, sizeof(name));
        n = snprintf(buf + used, len - used, "%s%s", i ? ", " : "", name);
        if (n < 0 || (size_t)n >= len - used) {
            compare__utf8_cut(buf, len > 4 ? len - 4 : 0);
            if (len > 4)
                strcat(buf, "...");
            return;
        }
        used += (size_t)n;
    }
}

static int unknown_endpoint(const struct metrics_results *run,
                            const struct compare_threshold *t, char *errbuf,
                            size_t errlen)
{
    char names[800], line[32] = "";

    if (!errbuf || !errlen)
        return COMPARE_EUNKNOWN;
    list_endpoints(run, names, sizeof(names));
    if (t->line > 0)
        snprintf(line, sizeof(line), " (line %d)", t->line);
    snprintf(errbuf, errlen,
             "threshold '%s'%s: %s '%s'; "
             "endpoints: %s",
             t->expr ? t->expr : "", line,
             compare__is_pattern(t->endpoint) ? "no endpoint matches"
                                              : "no endpoint",
             t->endpoint, names);
    return COMPARE_EUNKNOWN;
}

/* True when t names the endpoint `name`, exactly or by a pattern (never
 * for "ALL" or no endpoint). */
static bool names_endpoint(const struct compare_threshold *t, const char *name)
{
    if (!t->endpoint || strcmp(t->endpoint, "ALL") == 0)
        return false;
    return strcmp(t->endpoint, name) == 0 ||
           (compare__is_pattern(t->endpoint) &&
            compare__glob(t->endpoint, name));
}

/* Is t checked on name when nothing replaces it? */
static bool covers(const struct compare_threshold *t, const char *name)
{
    if (!t->endpoint)
        return true;
    if (strcmp(t->endpoint, "ALL") == 0)
        return strcmp(name, "ALL") == 0;
    return strcmp(name, "ALL") != 0 && names_endpoint(t, name);
}

/* Does u replace t on name?  Same statistic and kind; a warning never
 * removes a blocking check; a default yields to any check given for the
 * same statistic there, an endpoint-less check to one naming the
 * endpoint. */
static bool replaces(const struct compare_threshold *u,
                     const struct compare_threshold *t, const char *name)
{
    if (u == t || u->is_default || u->stat != t->stat ||
        u->series != t->series || u->relative != t->relative ||
        (u->warn_only && !t->warn_only))
        return false;
    if (t->is_default)
        return covers(u, name);
    return !t->endpoint && names_endpoint(u, name);
}

enum compare_scope compare_threshold_scope(const struct compare_threshold *ts,
                                           size_t n, size_t i, const char *name,
                                           size_t *by)
{
    if (!ts || i >= n || !name || !covers(&ts[i], name))
        return COMPARE_SCOPE_NONE;
    for (size_t k = 0; k < n; k++)
        if (replaces(&ts[k], &ts[i], name)) {
            if (by)
                *by = k;
            return COMPARE_SCOPE_OVERRIDDEN;
        }
    return COMPARE_SCOPE_APPLIES;
}

/* Is e's threshold t checked on name? */
static bool applies(const struct eval *e, const struct compare_threshold *t,
                    const char *name)
{
    return compare_threshold_scope(e->all_t, e->n_t, (size_t)(t - e->all_t),
                                   name, NULL) == COMPARE_SCOPE_APPLIES;
}

static int eval_threshold(struct eval *e, const struct compare_threshold *t,
                          char *errbuf, size_t errlen)
{
    char name[NAME_MAX_LEN];
    size_t matched = 0;
    int rc;

    if (!t->endpoint || strcmp(t->endpoint, "ALL") == 0) {
        if (!t->endpoint) {
            for (size_t i = 0; i < e->run->n_endpoints; i++) {
                const struct metrics_endpoint *ep = e->run->endpoints[i];
                metrics_endpoint_name(ep, name, sizeof(name));
                if (!applies(e, t, name) || (t->series && !ep->stream))
                    continue; /* a streaming check: streaming endpoints */
                rc =
                    judge(e, t, name, ep,
                          e->base ? metrics_results_find(e->base, name) : NULL);
                if (rc)
                    return rc;
            }
        }
        if (!applies(e, t, "ALL"))
            return 0;
        if ((rc = get_all(e->run, &e->run_all)))
            return rc;
        if (e->base && (rc = get_all(e->base, &e->base_all)))
            return rc;
        return judge(e, t, "ALL", e->run_all, e->base_all);
    }
    {
        const struct metrics_endpoint *ep =
            metrics_results_find(e->run, t->endpoint);
        if (ep)
            return judge(e, t, t->endpoint, ep,
                         e->base ? metrics_results_find(e->base, t->endpoint)
                                 : NULL);
    }
    if (!compare__is_pattern(t->endpoint))
        return unknown_endpoint(e->run, t, errbuf, errlen);
    for (size_t i = 0; i < e->run->n_endpoints; i++) {
        const struct metrics_endpoint *ep = e->run->endpoints[i];
        metrics_endpoint_name(ep, name, sizeof(name));
        if (!compare__glob(t->endpoint, name))
            continue;
        matched++;
        if (t->series && !ep->stream)
            continue;
        rc = judge(e, t, name, ep,
                   e->base ? metrics_results_find(e->base, name) : NULL);
        if (rc)
            return rc;
    }
    return matched ? 0 : unknown_endpoint(e->run, t, errbuf, errlen);
}

/*
 * An open-model run that missed its target rate by more than
 * 5 %, or whose load generator was saturated, is INCONCLUSIVE: the load was
 * not what the profile asked for.  One extra whole-run check says so (no
 * threshold behind it), added only when the run has a target rate or was
 * saturated, so closed-model and imported runs keep exactly one check per
 * threshold and endpoint.
 */
static int load_check(struct eval *e)
{
    const struct metrics_results *r = e->run;
    double target = r->meta.target_rps, achieved = r->meta.achieved_rps;
    struct compare_check *c;
    char a[64], t[64];
    bool short_of_target;

    if (!(target > 0) && !r->meta.saturated)
        return 0;
    if (!(achieved > 0) && r->duration_s > 0)
        achieved = (double)metrics_results_total_requests(r) / r->duration_s;
    c = new_check(e);
    if (!c)
        return COMPARE_ENOMEM;
    pend_of(e, c)->finished = true;
    c->endpoint = strdup("ALL");
    c->expr = strdup(target > 0 ? COMPARE__LOAD_EXPR : COMPARE__SAT_EXPR);
    if (!c->endpoint || !c->expr)
        return COMPARE_ENOMEM;
    short_of_target = target > 0 && achieved < 0.95 * target;
    compare__fmt_value(METRICS_STAT_RPS, achieved, a, sizeof(a));
    compare__fmt_value(METRICS_STAT_RPS, target, t, sizeof(t));
    if (target > 0) {
        c->has_measured = c->has_limit = true;
        c->measured = achieved;
        c->limit = 0.95 * target;
        c->n_measured = metrics_results_total_requests(r);
    }
    if (short_of_target)
        snprintf(c->message, sizeof(c->message),
                 "achieved %s of the target %s (%.1f%%, needs 95%%); the "
                 "load was not what the profile asked for",
                 a, t, achieved / target * 100.0);
    else if (r->meta.saturated)
        snprintf(c->message, sizeof(c->message),
                 "the load generator was saturated; latencies include "
                 "client-side delay");
    else
        snprintf(c->message, sizeof(c->message),
                 "achieved %s of the target %s (%.1f%%)", a, t,
                 achieved / target * 100.0);
    if (short_of_target || r->meta.saturated)
        set_status(c, COMPARE_INCONCLUSIVE, COMPARE__T_LOAD);
    else
        set_status(c, COMPARE_PASS, NULL);
    if (target > 0) {
        char lim[64];
        compare__fmt_value(METRICS_STAT_RPS, c->limit, lim, sizeof(lim));
        compare__printf(c->detail, sizeof(c->detail),
                        "endpoint : ALL\nthreshold: %s\n"
                        "measured : %s (n=%llu)\n"
                        "limit    : >= %s (95%% of the target %s)\n"
                        "saturated: %s\nnote     : %s",
                        c->expr, a, (unsigned long long)c->n_measured, lim, t,
                        r->meta.saturated ? "yes" : "no", c->message);
    } else {
        compare__printf(c->detail, sizeof(c->detail),
                        "endpoint : ALL\nthreshold: %s\nsaturated: yes\n"
                        "note     : %s",
                        c->expr, c->message);
    }
    return 0;
}

int compare_evaluate(const struct metrics_results *run,
                     const struct metrics_results *baseline,
                     const struct compare_threshold *thresholds, size_t n,
                     const struct compare_opts *opts,
                     struct compare_verdict **out, char *errbuf, size_t errlen)
{
    return compare__evaluate_ex(run, baseline, thresholds, n, opts, out, NULL,
                                errbuf, errlen);
}

int compare__evaluate_ex(const struct metrics_results *run,
                         const struct metrics_results *baseline,
                         const struct compare_threshold *thresholds, size_t n,
                         const struct compare_opts *opts,
                         struct compare_verdict **out,
                         struct compare__tested **tests, char *errbuf,
                         size_t errlen)
{
    struct eval e;
    int rc = 0;

    if (errbuf && errlen)
        errbuf[0] = '\0';
    if (tests)
        *tests = NULL;
    if (!out)
        return COMPARE_EINVAL;
    *out = NULL;
    if (!run || (n && !thresholds)) {
        if (errbuf && errlen)
            snprintf(errbuf, errlen, "no run or no thresholds given");
        return COMPARE_EINVAL;
    }
    memset(&e, 0, sizeof(e));
    e.run = run;
    e.base = baseline;
    e.opts = opts;
    e.all_t = thresholds;
    e.n_t = n;
    e.alpha = opts && opts->alpha > 0 && opts->alpha < 1 ? opts->alpha
                                                         : COMPARE_ALPHA;
    e.v = calloc(1, sizeof(*e.v));
    if (!e.v) {
        rc = COMPARE_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        rc = eval_threshold(&e, &thresholds[i], errbuf, errlen);
        if (rc)
            goto out;
    }
    if ((rc = finish(&e)))
        goto out;
    if (n > 0 && (rc = load_check(&e)))
        goto out;
    for (size_t i = 0; i < e.v->n_checks; i++) {
        const struct compare_check *c = &e.v->checks[i];
        size_t *const tally[] = {
            [COMPARE_PASS] = &e.v->n_pass,
            [COMPARE_FAIL] = &e.v->n_fail,
            [COMPARE_INCONCLUSIVE] = &e.v->n_inconclusive,
            [COMPARE_SKIPPED] = &e.v->n_skipped,
        };

        (*tally[c->status])++;
        if (c->warning)
            e.v->n_warnings++;
    }
    if (tests) {
        *tests = calloc(e.v->n_checks + 1, sizeof(**tests));
        if (!*tests) {
            rc = COMPARE_ENOMEM;
            goto out;
        }
        for (size_t i = 0; i < e.v->n_checks; i++) {
            (*tests)[i].tested = e.pend[i].tested;
            (*tests)[i].fail_log = e.pend[i].fail_log;
            (*tests)[i].bt = e.pend[i].bt;
        }
    }
    *out = e.v;
    e.v = NULL;
out:
    if (rc == COMPARE_ENOMEM && errbuf && errlen && !errbuf[0])
        snprintf(errbuf, errlen, "out of memory");
    compare_verdict_free(e.v);
    free(e.pend);
    metrics_endpoint_free(e.run_all);
    metrics_endpoint_free(e.base_all);
    return rc;
}

void compare_verdict_free(struct compare_verdict *v)
{
    if (!v)
        return;
    for (size_t i = 0; i < v->n_checks; i++) {
        free(v->checks[i].endpoint);
        free(v->checks[i].expr);
    }
    free(v->checks);
    free(v);
}
