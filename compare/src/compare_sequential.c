/*
 * Sequential verdicts: measure in slices until every relative check is
 * decided (README, "Reading a verdict").
 *
 * Testing the growing run again and again at a fixed level would fail an
 * A/A run far more often than that level says.  A group-sequential test
 * does not: each look holds the check's z against a boundary chosen so
 * that the chance of crossing at any look, when nothing changed, adds up
 * to alpha.  How much of alpha each look may use is an alpha-spending
 * function of the information fraction t (Lan and DeMets 1983): the
 * O'Brien-Fleming type spends almost nothing early (early stops need an
 * overwhelming change) and leaves the last look near the fixed-sample
 * test; the Pocock type spends evenly.  The boundaries follow from the
 * joint distribution of the looks' z-values (a Brownian motion in t,
 * Armitage, McPherson and Rowe 1969): the density of the score S = Z
 * sqrt(t) among the sequences not yet stopped is carried from look to look
 * on a grid, and each boundary is the one whose crossing probability is
 * what that look may spend.  Looks need not be planned; only t must grow.
 *
 * Each check of the m relative checks spends alpha / m (Bonferroni), so
 * the whole gate keeps alpha.  Against a fixed baseline the looks are more
 * correlated than the Brownian motion assumes (the baseline's noise is in
 * every look), which by Slepian's inequality only lowers the chance of a
 * false crossing.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compare_internal.h"

/* ---- boundaries --------------------------------------------------------- */

#define GS_H 0.02  /* grid step of the score S */
#define GS_LO -8.0 /* S has sd sqrt(t) <= 1: 8 sd below */
#define GS_HI 8.0
#define GS_TAIL 9.0  /* kernels cut at 9 sd */
#define GS_NONE 40.0 /* a boundary nothing crosses */

static double phi(double z)
{
    return 0.39894228040143267794 * exp(-0.5 * z * z);
}

double compare__gs_spend(int spending, double alpha, double t)
{
    if (!(t > 0))
        return 0;
    if (t >= 1)
        return alpha;
    if (spending == COMPARE_SPEND_POCOCK)
        return alpha * log(1.0 + (2.71828182845904523536 - 1.0) * t);
    /* one-sided O'Brien-Fleming type: 2 - 2 Phi(z_{alpha/2} / sqrt(t)) */
    return 2.0 * compare__norm_sf(compare__norm_isf(alpha / 2.0) / sqrt(t));
}

void compare__gs_release(struct compare__gs *g)
{
    free(g->f);
    g->f = NULL;
    g->nf = 0;
}

/*
 * The density lives at x0 + i h (i < nf, uniform) and, when the region is
 * cut by a boundary b between grid points, at b itself as node nf: the
 * trapezoid weight of node i is then w(i).
 */
static double weight(const struct compare__gs *g, size_t i, double b, bool cut)
{
    double d = cut ? b - (g->x0 + (double)(g->nf - 1) * g->h) : 0;

    if (i == g->nf) /* the boundary node */
        return d / 2;
    if (i == 0)
        return g->h / 2;
    if (i == g->nf - 1)
        return g->h / 2 + d / 2;
    return g->h;
}

/* Probability of crossing c at the next look (fraction t, step dt) from
 * the current density, cut at b. */
static double crossing(const struct compare__gs *g, double b, bool cut,
                       double c, double t, double dt)
{
    double sd = sqrt(dt), at = c * sqrt(t), p = 0;
    size_t n = g->nf + (cut ? 1 : 0);

    for (size_t i = 0; i < n; i++) {
        double x = i < g->nf ? g->x0 + (double)i * g->h : b;
        double z = (at - x) / sd;
        if (z > GS_TAIL)
            continue;
        p += weight(g, i, b, cut) * g->f[i] * compare__norm_sf(z);
    }
    return p;
}

/* The density of the scores not stopped at the look (t, dt, boundary c),
 * from the current one (cut at b) into nf, nxt. */
static int propagate(struct compare__gs *g, double b, bool cut, double c,
                     double t, double dt)
{
    double sd = sqrt(dt), nb = c * sqrt(t), *k, *nxt;
    size_t n_old = g->nf + (cut ? 1 : 0), d_max, nf;
    bool ncut = nb < GS_HI;
    long dm;

    nf = (size_t)floor(((ncut ? nb : GS_HI) - GS_LO) / GS_H) + 1;
    if (ncut && nb < GS_LO)
        nf = 0;
    d_max = (size_t)ceil(GS_TAIL * sd / GS_H);
    k = malloc((2 * d_max + 1) * sizeof(*k));
    nxt = calloc(nf + 2, sizeof(*nxt));
    if (!k || !nxt) {
        free(k);
        free(nxt);
        return COMPARE_ENOMEM;
    }
    for (size_t d = 0; d <= 2 * d_max; d++)
        k[d] = phi(((double)d - (double)d_max) * GS_H / sd) / sd;
    dm = (long)d_max;
    /* lattice to lattice: a Toeplitz kernel */
    for (size_t j = 0; j < nf; j++) {
        long lo = (long)j - dm, hi = (long)j + dm;
        double sum = 0;
        if (lo < 0)
            lo = 0;
        if (hi > (long)g->nf - 1)
            hi = (long)g->nf - 1;
        for (long i = lo; i <= hi; i++)
            sum += weight(g, (size_t)i, b, cut) * g->f[i] * k[(long)j - i + dm];
        nxt[j] = sum;
    }
    /* the old boundary node to the lattice, and everything to the new
     * boundary node */
    if (cut)
        for (size_t j = 0; j < nf; j++) {
            double z = (GS_LO + (double)j * GS_H - b) / sd;
            if (fabs(z) <= GS_TAIL)
                nxt[j] += weight(g, g->nf, b, cut) * g->f[g->nf] * phi(z) / sd;
        }
    if (ncut && nf > 0) {
        double sum = 0;
        for (size_t i = 0; i < n_old; i++) {
            double x = i < g->nf ? g->x0 + (double)i * g->h : b;
            double z = (nb - x) / sd;
            if (fabs(z) <= GS_TAIL)
                sum += weight(g, i, b, cut) * g->f[i] * phi(z) / sd;
        }
        nxt[nf] = sum;
    }
    free(k);
    free(g->f);
    g->f = nxt;
    g->nf = nf;
    g->x0 = GS_LO;
    g->h = GS_H;
    return 0;
}

int compare__gs_look(struct compare__gs *g, double t, double *c_out)
{
    double prev = g->k ? g->t[g->k - 1] : 0, target, b = 0, c, dt;
    bool cut = false;
    int rc;

    if (!(t > prev) || g->k >= COMPARE__GS_LOOKS)
        return COMPARE_EINVAL;
    if (t > 1)
        t = 1;
    target = compare__gs_spend(g->spending, g->alpha, t) - g->spent;
    dt = t - prev;
    if (g->k) {
        b = g->c[g->k - 1] * sqrt(prev);
        cut = b < GS_HI && g->nf > 0;
    }
    if (!g->f) {
        /* before the first look: all mass at S = 0 */
        c = target > 1e-300 ? compare__norm_isf(target) : GS_NONE;
        if (c > GS_NONE)
            c = GS_NONE;
    } else if (!(target > 1e-300)) {
        c = GS_NONE;
    } else {
        double lo = -GS_NONE, hi = GS_NONE;
        if (crossing(g, b, cut, lo, t, dt) <= target) {
            c = lo; /* cannot spend that much: stop whatever comes */
        } else {
            for (int it = 0; it < 60; it++) {
                double mid = (lo + hi) / 2;
                if (crossing(g, b, cut, mid, t, dt) > target)
                    lo = mid;
                else
                    hi = mid;
            }
            c = hi;
        }
    }
    if (!g->f) {
        /* the first look's density is the normal itself */
        double nb = c * sqrt(t), sd = sqrt(t);
        bool ncut = nb < GS_HI;
        size_t nf = (size_t)floor(((ncut ? nb : GS_HI) - GS_LO) / GS_H) + 1;

        if (ncut && nb < GS_LO)
            nf = 0;
        g->f = calloc(nf + 2, sizeof(*g->f));
        if (!g->f)
            return COMPARE_ENOMEM;
        for (size_t i = 0; i < nf; i++)
            g->f[i] = phi((GS_LO + (double)i * GS_H) / sd) / sd;
        if (ncut && nf > 0)
            g->f[nf] = phi(nb / sd) / sd;
        g->nf = nf;
        g->x0 = GS_LO;
        g->h = GS_H;
    } else if ((rc = propagate(g, b, cut, c, t, dt))) {
        return rc;
    }
    g->t[g->k] = t;
    g->c[g->k] = c;
    g->k++;
    g->spent += target > 0 ? target : 0;
    *c_out = c;
    return 0;
}

/* ---- the sequence -------------------------------------------------------- */

struct item {
    struct compare_seq_check pub; /* first: compare__sequential_boot */
    char *endpoint;
    struct compare__boot bt; /* the test behind pub.test */
};

const struct compare__boot *
compare__sequential_boot(const struct compare_seq_check *q)
{
    return &((const struct item *)(const void *)q)->bt;
}

struct compare_sequential {
    struct compare_seq_opts o;
    const struct compare_threshold *ts;
    size_t n_t;
    struct item *c;
    size_t n_c;
    bool fixed; /* the checks are known (a look was taken) */
    bool over;  /* the last look was taken */
    struct compare__gs gs;
};

int compare_sequential_new(const struct compare_threshold *ts, size_t n,
                           const struct compare_seq_opts *o,
                           struct compare_sequential **out)
{
    struct compare_sequential *s;

    if (!out || !o || (n && !ts) || !(o->max_s > 0))
        return COMPARE_EINVAL;
    *out = NULL;
    if (o->alpha != 0 && !(o->alpha > 0 && o->alpha < 0.5))
        return COMPARE_EINVAL;
    s = calloc(1, sizeof(*s));
    if (!s)
        return COMPARE_ENOMEM;
    s->o = *o;
    if (s->o.alpha == 0)
        s->o.alpha = COMPARE_ALPHA;
    s->ts = ts;
    s->n_t = n;
    s->gs.spending = (int)o->spending;
    *out = s;
    return 0;
}

void compare_sequential_free(struct compare_sequential *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n_c; i++)
        free(s->c[i].endpoint);
    free(s->c);
    compare__gs_release(&s->gs);
    free(s);
}

/*
 * Done when every check is decided, or when a blocking one has FAILED: the
 * gate fails then whatever the others would show, and measuring on would
 * only keep a failing build waiting (the others stay undecided:
 * INCONCLUSIVE, "undecided when the run stopped").
 */
bool compare_sequential_done(const struct compare_sequential *s)
{
    bool open = false;

    if (!s || !s->fixed)
        return false;
    for (size_t i = 0; i < s->n_c; i++) {
        const struct compare_seq_check *c = &s->c[i].pub;

        if (c->decision == COMPARE_SEQ_FAIL && !c->threshold->warn_only)
            return true;
        open = open || c->decision == COMPARE_SEQ_CONTINUE;
    }
    return !open;
}

unsigned compare_sequential_looks(const struct compare_sequential *s)
{
    return s ? s->gs.k : 0;
}

size_t compare_sequential_n(const struct compare_sequential *s)
{
    return s ? s->n_c : 0;
}

const struct compare_seq_check *
compare_sequential_check(const struct compare_sequential *s, size_t i)
{
    return s && i < s->n_c ? &s->c[i].pub : NULL;
}

const struct compare_seq_check *
compare_sequential_find(const struct compare_sequential *s,
                        const struct compare_threshold *t, const char *name)
{
    for (size_t i = 0; s && t && name && i < s->n_c; i++)
        if (s->c[i].pub.threshold == t && strcmp(s->c[i].endpoint, name) == 0)
            return &s->c[i].pub;
    return NULL;
}

/* A check the sequence decides: relative, whole-run, with a baseline. */
static bool takes_part(const struct compare_check *c)
{
    const struct compare_threshold *t = c->threshold;

    return t && t->relative && !(t->for_s > 0) && c->has_baseline;
}

/* The checks of the first look taken. */
static int fix_checks(struct compare_sequential *s,
                      const struct compare_verdict *v)
{
    size_t n = 0;

    for (size_t i = 0; i < v->n_checks; i++)
        n += takes_part(&v->checks[i]);
    s->c = calloc(n + 1, sizeof(*s->c));
    if (!s->c)
        return COMPARE_ENOMEM;
    for (size_t i = 0; i < v->n_checks; i++) {
        const struct compare_check *c = &v->checks[i];
        struct item *it;

        if (!takes_part(c))
            continue;
        it = &s->c[s->n_c];
        it->endpoint = strdup(c->endpoint);
        if (!it->endpoint)
            return COMPARE_ENOMEM;
        it->pub.endpoint = it->endpoint;
        it->pub.threshold = c->threshold;
        s->n_c++;
    }
    s->fixed = true;
    /* each check spends its share of the gate's alpha */
    s->gs.alpha = s->o.alpha / (double)(s->n_c ? s->n_c : 1);
    return 0;
}

/* A t statistic as the normal z of the same upper tail. */
static double normal_scale(double t, double df)
{
    double p = compare__t_sf(t, df);

    if (p < 1e-300)
        return GS_NONE + 1;
    return compare__norm_isf(p);
}

/* The look's decision on one undecided check. */
static void judge_look(struct item *it, const struct compare_check *c,
                       const struct compare__tested *ts, double bound,
                       unsigned look, double at_s, bool last)
{
    const struct compare_threshold *t = c->threshold;
    bool up = t->op == COMPARE_LT || t->op == COMPARE_LE;
    const struct compare__boot *bt = &ts->bt;
    double lr = up ? bt->center : -bt->center, z, z_pass = -INFINITY;
    bool beyond;

    if (isfinite(bt->se) && bt->se > 0) {
        /* on the normal's scale, which the boundaries are on: the same
         * tail probability as Student's t at the test's degrees of
         * freedom */
        z = normal_scale(lr / bt->se, bt->df);
        if (isfinite(ts->fail_log))
            z_pass = normal_scale((ts->fail_log - lr) / bt->se, bt->df);
    } else if (isfinite(bt->se)) { /* no noise at all */
        z = lr > 0 ? INFINITY : lr < 0 ? -INFINITY : 0;
        if (isfinite(ts->fail_log) && lr < ts->fail_log)
            z_pass = INFINITY;
    } else {
        z = compare__norm_isf(bt->p_value > 1e-12 ? bt->p_value : 1e-12);
    }
    beyond = !compare__holds(c->measured, t->op, c->limit) &&
             fabs(c->measured - c->baseline) >= t->min_effect;
    it->pub.z = z;
    it->pub.bound = bound;
    it->pub.ratio = exp(bt->log_ratio);
    it->pub.at_s = at_s;
    compare__test_of(bt, &it->pub.test);
    it->bt = *bt;
    if (z >= bound && beyond)
        it->pub.decision = COMPARE_SEQ_FAIL;
    else if (z_pass >= bound || last)
        it->pub.decision = COMPARE_SEQ_PASS;
    if (it->pub.decision != COMPARE_SEQ_CONTINUE)
        it->pub.look = look;
}

int compare_sequential_look(struct compare_sequential *s,
                            const struct metrics_results *run,
                            const struct metrics_results *baseline,
                            double elapsed_s, bool final, char *errbuf,
                            size_t errlen)
{
    struct compare_opts co;
    struct compare_verdict *v = NULL;
    struct compare__tested *tests = NULL;
    double t, prev, bound;
    bool any = false, last;
    int rc;

    if (errbuf && errlen)
        errbuf[0] = '\0';
    if (!s || !run)
        return COMPARE_EINVAL;
    if (s->over || (s->fixed && compare_sequential_done(s)))
        return 0;
    t = final ? 1.0 : elapsed_s / s->o.max_s;
    if (!(t > 0))
        return 0;
    if (t > 1)
        t = 1;
    last = t >= 1;
    prev = s->gs.k ? s->gs.t[s->gs.k - 1] : 0;
    /* looks closer than 1 % of the information apart add nothing but
     * grid error */
    if (!last && t - prev < 0.01)
        return 0;
    memset(&co, 0, sizeof(co));
    co.alpha = s->o.alpha;
    co.paired = s->o.paired;
    rc = compare__evaluate_ex(run, baseline, s->ts, s->n_t, &co, &v, &tests,
                              errbuf, errlen);
    if (rc)
        goto out;
    /* a look is taken only when some check has a test to hold */
    for (size_t i = 0; i < v->n_checks && !any; i++) {
        const struct compare_check *c = &v->checks[i];
        if (!takes_part(c) || !tests[i].tested)
            continue;
        any =
            !s->fixed ||
            (compare_sequential_find(s, c->threshold, c->endpoint) &&
             compare_sequential_find(s, c->threshold, c->endpoint)->decision ==
                 COMPARE_SEQ_CONTINUE);
    }
    if (!any) {
        if (last)
            s->over = true; /* never decided: INCONCLUSIVE */
        goto out;
    }
    if (!s->fixed && (rc = fix_checks(s, v)))
        goto out;
    if ((rc = compare__gs_look(&s->gs, t, &bound)))
        goto out;
    for (size_t i = 0; i < v->n_checks; i++) {
        const struct compare_check *c = &v->checks[i];
        struct item *it = NULL;

        if (!takes_part(c) || !tests[i].tested)
            continue;
        for (size_t j = 0; j < s->n_c && !it; j++)
            if (s->c[j].pub.threshold == c->threshold &&
                strcmp(s->c[j].endpoint, c->endpoint) == 0)
                it = &s->c[j];
        if (!it || it->pub.decision != COMPARE_SEQ_CONTINUE)
            continue;
        judge_look(it, c, &tests[i], bound, s->gs.k, elapsed_s, last);
    }
    if (last)
        s->over = true;
out:
    free(tests);
    compare_verdict_free(v);
    return rc;
}
