/*
 * Is a relative change real or noise?  A block bootstrap over the windows
 * of a run (README, "Reading a verdict").
 *
 * Requests inside one run are not independent (latency drifts with GC,
 * caches and the neighbours' load), so resampling requests would make the
 * interval far too narrow.  Windows are resampled instead, in blocks of k
 * consecutive windows so that drift slower than a window stays inside a
 * block.  Blocks wrap around the end (the circular block bootstrap), so
 * that the first and last windows are drawn as often as the others.  Each draw
 * takes ceil(n / k) blocks from each run independently, merges them and
 * computes the statistic; the log of the ratio current / baseline over the
 * draws gives its standard error, and the p-value and interval are normal
 * ones on that log scale (smooth in the tails, which the family-wise
 * correction of compare_evaluate.c and the sequential boundaries need).
 *
 * Windows: a run's per-second timeline, or for short runs its fine
 * timeline (metrics_endpoint.fine), with consecutive slots merged until a
 * window holds COMPARE__WINDOW_SAMPLES samples on average.
 *
 * Paired runs (A and B measured at the same time): windows aligned on the
 * clock, and each draw takes the same window indices from both, so that
 * what disturbed both at once (the runner, the network) cancels in the
 * ratio.
 *
 * Speed: every possible block (n of them) is prepared once up front (see
 * "one run's series" for percentiles); a draw only sums block counts.  No
 * malloc in the loop.
 *
 * Determinism: the generator is seeded with an FNV-1a hash of both runs'
 * windows, so the same two documents always give the same verdict.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compare_internal.h"

/* ---- generator: splitmix64 seeds xoshiro256** -------------------------- */

struct rng {
    uint64_t s[4];
};

static uint64_t splitmix(uint64_t *x)
{
    uint64_t z = (*x += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static uint64_t rng_next(struct rng *r)
{
    uint64_t *s = r->s, res = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return res;
}

static void rng_seed(struct rng *r, uint64_t seed)
{
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix(&seed);
}

/* Uniform in [0, n); the modulo bias is below 2^-40 for the n we see. */
static size_t rng_below(struct rng *r, size_t n)
{
    return (size_t)((rng_next(r) >> 11) % (uint64_t)n);
}

/* ---- FNV-1a over the windows ------------------------------------------ */

#define FNV_OFFSET UINT64_C(0xcbf29ce484222325)
#define FNV_PRIME UINT64_C(0x100000001b3)

static uint64_t fnv_u64(uint64_t h, uint64_t v)
{
    for (int i = 0; i < 8; i++) {
        h ^= (v >> (i * 8)) & 0xff;
        h *= FNV_PRIME;
    }
    return h;
}

/* ---- windows ------------------------------------------------------------ */

/* Statistics read from the merged histogram (percentiles, min, max). */
static bool uses_hist(int stat)
{
    return compare__stat_is_time(stat) && stat != METRICS_STAT_AVG;
}

static bool has_sample(const struct metrics_point *pt, int stat)
{
    if (compare__stat_is_time(stat))
        return pt->hist && metrics_hist_count(pt->hist) > 0;
    return pt->requests > 0;
}

size_t compare__windows(const struct metrics_endpoint *ep, int stat)
{
    size_t n = 0;

    if (!ep || !ep->timeline)
        return 0;
    for (size_t i = 0; i < ep->n_timeline; i++)
        n += has_sample(&ep->timeline[i], stat);
    return n;
}

/* The numerator and denominator a window adds to a ratio statistic. */
static void window_sums(const struct metrics_point *pt, int stat, double *num,
                        double *den)
{
    switch (stat) {
    case METRICS_STAT_AVG: {
        double c = (double)metrics_hist_count(pt->hist);
        *num = metrics_hist_mean(pt->hist) * c;
        *den = c;
        break;
    }
    case METRICS_STAT_ERROR_RATE:
        *num = (double)pt->errors;
        *den = (double)pt->requests;
        break;
    case METRICS_STAT_ERRORS:
        *num = (double)pt->errors;
        *den = 1;
        break;
    default: /* rps, requests: requests per window */
        *num = (double)pt->requests;
        *den = 1;
        break;
    }
}

static double hist_stat(const struct metrics_hist *h, int stat)
{
    switch (stat) {
    case METRICS_STAT_MIN:
        return (double)metrics_hist_min(h) / 1000.0;
    case METRICS_STAT_MAX:
        return (double)metrics_hist_max(h) / 1000.0;
    default:
        return (double)metrics_hist_percentile(h,
                                               compare__stat_percentile(stat)) /
               1000.0;
    }
}

bool compare__window_value(const struct metrics_point *pt, int stat,
                           double *out)
{
    double num, den;

    if (!pt || !has_sample(pt, stat))
        return false;
    if (uses_hist(stat)) {
        *out = hist_stat(pt->hist, stat);
        return true;
    }
    window_sums(pt, stat, &num, &den);
    if (!(den > 0))
        return false;
    *out = num / den;
    if (stat == METRICS_STAT_AVG)
        *out /= 1000.0; /* us -> ms */
    return true;
}

/* Samples a point holds for stat. */
static uint64_t point_samples(const struct metrics_point *pt, int stat)
{
    if (compare__stat_is_time(stat))
        return pt->hist ? metrics_hist_count(pt->hist) : 0;
    return pt->requests;
}

void compare__wins_release(struct compare__wins *ws)
{
    if (!ws)
        return;
    for (size_t i = 0; i < ws->n_own; i++)
        metrics_hist_free(ws->own[i].hist);
    free(ws->own);
    free(ws->w);
    free(ws->key);
    memset(ws, 0, sizeof(*ws));
}

/* The timeline windows are built from: the fine one when it holds every
 * request, else the per-second one. */
static const struct metrics_point *source_of(const struct metrics_endpoint *ep,
                                             size_t *n, unsigned *ms)
{
    if (metrics_endpoint_fine_complete(ep)) {
        *n = ep->n_fine;
        *ms = ep->fine_ms;
        return ep->fine;
    }
    *n = ep->n_timeline;
    *ms = 1000;
    return ep->timeline;
}

unsigned compare__wins_length(const struct metrics_endpoint *ep, int stat)
{
    size_t n = 0;
    unsigned ms = 1000;
    const struct metrics_point *pt = ep ? source_of(ep, &n, &ms) : NULL;
    uint64_t total = 0, k, span;
    int64_t first = 0, last = 0;
    bool any = false;

    for (size_t i = 0; pt && i < n; i++) {
        uint64_t c = point_samples(&pt[i], stat);
        if (!c)
            continue;
        if (!any)
            first = pt[i].second;
        last = pt[i].second;
        any = true;
        total += c;
    }
    if (!any)
        return ms;
    /* slots spanned (empty ones too) per window, so that a window holds
     * COMPARE__WINDOW_SAMPLES samples on average, and a long run has at
     * most COMPARE__MAX_WINDOWS (the bootstrap's cost grows with them) */
    span = (uint64_t)(last - first + 1);
    k = (span * COMPARE__WINDOW_SAMPLES + total - 1) / total;
    if (k < (span + COMPARE__MAX_WINDOWS - 1) / COMPARE__MAX_WINDOWS)
        k = (span + COMPARE__MAX_WINDOWS - 1) / COMPARE__MAX_WINDOWS;
    if (k < 1)
        k = 1;
    if (k > 3600000 / ms)
        k = 3600000 / ms;
    return (unsigned)k * ms;
}

/* Floor division (slots before 1970 too). */
static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

int compare__wins_build(const struct metrics_endpoint *ep, int stat,
                        unsigned len_ms, struct compare__wins *ws)
{
    size_t n, k;
    unsigned ms;
    const struct metrics_point *pt;

    memset(ws, 0, sizeof(*ws));
    if (!ep)
        return COMPARE_EINVAL;
    pt = source_of(ep, &n, &ms);
    if (len_ms == 0)
        len_ms = compare__wins_length(ep, stat);
    if (len_ms % ms != 0) {
        /* a length the fine slots do not divide: whole seconds */
        if (len_ms % 1000 != 0)
            return COMPARE_EINVAL;
        pt = ep->timeline;
        n = ep->n_timeline;
        ms = 1000;
    }
    k = len_ms / ms;
    ws->len_ms = len_ms;
    ws->src_ms = ms;
    if (!pt || n == 0)
        return 0;
    ws->w = malloc(n * sizeof(*ws->w));
    ws->key = malloc(n * sizeof(*ws->key));
    if (!ws->w || !ws->key)
        goto nomem;
    if (k == 1) { /* the points themselves */
        for (size_t i = 0; i < n; i++)
            if (has_sample(&pt[i], stat)) {
                ws->w[ws->n] = &pt[i];
                ws->key[ws->n++] = pt[i].second;
            }
        return 0;
    }
    ws->own = calloc(n, sizeof(*ws->own));
    if (!ws->own)
        goto nomem;
    for (size_t i = 0; i < n; i++) {
        int64_t key = floor_div(pt[i].second, (int64_t)k);
        struct metrics_point *w;

        if (ws->n_own == 0 || ws->own[ws->n_own - 1].second != key) {
            w = &ws->own[ws->n_own++];
            w->second = key;
            if (metrics_hist_new(&w->hist))
                goto nomem;
        }
        w = &ws->own[ws->n_own - 1];
        w->requests += pt[i].requests;
        w->errors += pt[i].errors;
        if (pt[i].hist && metrics_hist_add(w->hist, pt[i].hist))
            goto nomem;
    }
    for (size_t i = 0; i < ws->n_own; i++)
        if (has_sample(&ws->own[i], stat)) {
            ws->w[ws->n] = &ws->own[i];
            ws->key[ws->n++] = ws->own[i].second;
        }
    return 0;
nomem:
    compare__wins_release(ws);
    return COMPARE_ENOMEM;
}

/* ---- one run's series ---------------------------------------------------- */

/*
 * Percentiles without merging histograms.  Merging m block histograms per
 * draw costs m times the bucket span (hundreds of buckets), some 250 ms
 * per check for 300 windows.  Instead each window's values are read once
 * (as the histogram reports them, bucket by bucket) onto a grid of the
 * run's distinct values, and every block keeps its
 * cumulative counts over that grid.  The rank-th value of a draw is then a
 * binary search over the grid, each step summing m block counts: about
 * m * log2(grid) operations per draw.  Values are the bucket values the
 * merged histogram would report; only its clamping to [min, max] is
 * redone from the blocks' exact min and max.
 */
#define GRID_MAX_CELLS (UINT64_C(1) << 24) /* blocks x grid; else merge */

struct series {
    int stat;
    size_t n;     /* windows with samples */
    size_t k;     /* block length */
    size_t nb;    /* possible blocks: n (circular) */
    size_t m;     /* blocks per draw: ceil(n / k) */
    double pct;   /* percentile statistics */
    double widen; /* factor for the spread of log draws (choose_block) */
    /* grid path (percentiles, min, max) */
    uint64_t *grid; /* distinct values, ascending, us */
    size_t ng;
    uint32_t *cdf; /* nb x ng: values of block b <= grid[g] */
    uint64_t *btotal, *bmin, *bmax;
    size_t *pick; /* m blocks of the current draw */
    /* fallback: merged block histograms */
    struct metrics_hist **block;
    struct metrics_hist *scratch;
    /* ratio statistics: block sums */
    double *bnum, *bden;
    uint64_t hash;
};

static void series_release(struct series *s)
{
    if (s->block)
        for (size_t i = 0; i < s->nb; i++)
            metrics_hist_free(s->block[i]);
    free(s->block);
    free(s->grid);
    free(s->cdf);
    free(s->btotal);
    free(s->bmin);
    free(s->bmax);
    free(s->pick);
    free(s->bnum);
    free(s->bden);
    metrics_hist_free(s->scratch);
    memset(s, 0, sizeof(*s));
}

struct pairs {
    uint64_t *v, *n;
    size_t len, cap;
};

static bool pairs_push(struct pairs *p, uint64_t v, uint64_t n)
{
    if (p->len == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 1024;
        uint64_t *nv = realloc(p->v, cap * sizeof(*nv));
        uint64_t *nn;
        if (!nv)
            return false;
        p->v = nv;
        nn = realloc(p->n, cap * sizeof(*nn));
        if (!nn)
            return false;
        p->n = nn;
        p->cap = cap;
    }
    p->v[p->len] = v;
    p->n[p->len] = n;
    p->len++;
    return true;
}

static bool pair_cb(uint64_t v, uint64_t n, void *ud)
{
    return pairs_push(ud, v, n);
}

/* Appends h's (value, count) pairs in ascending order, the values as the
 * merged histogram would report them. */
static bool read_hist(const struct metrics_hist *h, struct pairs *p)
{
    return metrics_hist_foreach(h, pair_cb, p);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static size_t grid_index(const uint64_t *g, size_t n, uint64_t v)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (g[mid] < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Builds the grid path; 1 when it does not fit (use the fallback). */
static int grid_init(struct series *s, const struct metrics_point *const *w)
{
    struct pairs p = {NULL, NULL, 0, 0};
    size_t *off = NULL, ng = 0;
    uint64_t *tmp = NULL, *raw = NULL;
    int rc = 0;

    off = malloc((s->n + 1) * sizeof(*off));
    if (!off)
        return COMPARE_ENOMEM;
    for (size_t i = 0; i < s->n; i++) {
        off[i] = p.len;
        if (!read_hist(w[i]->hist, &p)) {
            rc = COMPARE_ENOMEM;
            goto out;
        }
    }
    off[s->n] = p.len;
    tmp = malloc((p.len ? p.len : 1) * sizeof(*tmp));
    if (!tmp) {
        rc = COMPARE_ENOMEM;
        goto out;
    }
    memcpy(tmp, p.v, p.len * sizeof(*tmp));
    qsort(tmp, p.len, sizeof(*tmp), cmp_u64);
    for (size_t i = 0; i < p.len; i++)
        if (ng == 0 || tmp[ng - 1] != tmp[i])
            tmp[ng++] = tmp[i];
    if ((uint64_t)ng * s->nb > GRID_MAX_CELLS) {
        rc = 1;
        goto out;
    }
    s->grid = tmp;
    s->ng = ng;
    tmp = NULL;
    s->cdf = calloc(s->nb * ng, sizeof(*s->cdf));
    s->btotal = calloc(s->nb, sizeof(*s->btotal));
    s->bmin = malloc(s->nb * sizeof(*s->bmin));
    s->bmax = calloc(s->nb, sizeof(*s->bmax));
    if (!s->cdf || !s->btotal || !s->bmin || !s->bmax) {
        rc = COMPARE_ENOMEM;
        goto out;
    }
    /* grid index of every pair, once */
    for (size_t q = 0; q < p.len; q++)
        p.v[q] = grid_index(s->grid, ng, p.v[q]);
    /* counts of the current block, slid one window at a time */
    raw = calloc(ng, sizeof(*raw));
    if (!raw) {
        rc = COMPARE_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < s->k; i++)
        for (size_t q = off[i]; q < off[i + 1]; q++)
            raw[p.v[q]] += p.n[q];
    for (size_t b = 0; b < s->nb; b++) {
        uint32_t *row = s->cdf + b * ng;
        uint64_t sum = 0;

        if (b > 0) {
            size_t out_w = b - 1, in_w = (b - 1 + s->k) % s->n;
            for (size_t q = off[out_w]; q < off[out_w + 1]; q++)
                raw[p.v[q]] -= p.n[q];
            for (size_t q = off[in_w]; q < off[in_w + 1]; q++)
                raw[p.v[q]] += p.n[q];
        }
        for (size_t g = 0; g < ng; g++) {
            sum += raw[g];
            if (sum > UINT32_MAX) {
                rc = 1; /* absurd counts: the fallback copes */
                goto out;
            }
            row[g] = (uint32_t)sum;
        }
        s->bmin[b] = UINT64_MAX;
        for (size_t i = 0; i < s->k; i++) {
            const struct metrics_hist *h = w[(b + i) % s->n]->hist;
            s->btotal[b] += metrics_hist_count(h);
            if (metrics_hist_min(h) < s->bmin[b])
                s->bmin[b] = metrics_hist_min(h);
            if (metrics_hist_max(h) > s->bmax[b])
                s->bmax[b] = metrics_hist_max(h);
        }
    }
out:
    if (rc) {
        free(s->grid);
        free(s->cdf);
        s->grid = NULL;
        s->cdf = NULL;
        s->ng = 0;
    }
    free(raw);
    free(tmp);
    free(off);
    free(p.v);
    free(p.n);
    return rc;
}

static int merge_init(struct series *s, const struct metrics_point *const *w)
{
    s->block = calloc(s->nb, sizeof(*s->block));
    if (!s->block || metrics_hist_new(&s->scratch))
        return COMPARE_ENOMEM;
    for (size_t b = 0; b < s->nb; b++) {
        if (metrics_hist_new(&s->block[b]))
            return COMPARE_ENOMEM;
        for (size_t i = 0; i < s->k; i++)
            if (metrics_hist_add(s->block[b], w[(b + i) % s->n]->hist))
                return COMPARE_ENOMEM;
        /* grows the scratch to the whole range once, here */
        if (metrics_hist_add(s->scratch, s->block[b]))
            return COMPARE_ENOMEM;
    }
    return 0;
}

/*
 * Block length for the window values x[0..n) (Politis and White 2004,
 * with Patton, Politis and White's 2009 correction, circular bootstrap):
 * a flat-top lag window over the autocorrelations up to where they stop
 * being significant.  Slow drift (a neighbour loading the host for ten
 * seconds) makes blocks longer.
 *
 * Blocks still cut correlations longer than themselves, so the bootstrap
 * sees the variance of a Bartlett estimator with bandwidth k, short of the
 * long-run variance (the flat-top estimate): *widen gets the square root
 * of their ratio (1 .. 3), by which the draws are widened.
 */
#define MAX_LAG 63

static void choose_block(const double *x, size_t n, size_t k_min, size_t *k_out,
                         double *widen)
{
    double mean = 0, r0 = 0, thr, g = 0, lrv, d, b, bart;
    size_t kn, mmax, mhat, big_m, k = k_min, cap = n / 5;
    double rho[MAX_LAG + 1];

    *k_out = k_min;
    *widen = 1.0;
    if (n < 8)
        return;
    for (size_t i = 0; i < n; i++)
        mean += x[i];
    mean /= (double)n;
    for (size_t i = 0; i < n; i++)
        r0 += (x[i] - mean) * (x[i] - mean);
    r0 /= (double)n;
    if (!(r0 > 1e-12 * (mean * mean + 1e-12))) /* constant, but rounding */
        return;
    mmax = n - 1 < MAX_LAG ? n - 1 : MAX_LAG;
    rho[0] = 1;
    for (size_t j = 1; j <= mmax; j++) {
        double r = 0;
        for (size_t i = 0; i + j < n; i++)
            r += (x[i] - mean) * (x[i + j] - mean);
        rho[j] = r / (double)n / r0;
    }
    kn = (size_t)ceil(sqrt(log10((double)n)));
    if (kn < 5)
        kn = 5;
    thr = 2 * sqrt(log10((double)n) / (double)n);
    mhat = mmax > kn ? mmax - kn : 0;
    for (size_t m = 0; m + kn <= mmax; m++) {
        bool small = true;
        for (size_t j = 1; j <= kn && small; j++)
            small = fabs(rho[m + j]) < thr;
        if (small) {
            mhat = m;
            break;
        }
    }
    big_m = 2 * mhat < mmax ? 2 * mhat : mmax;
    lrv = 1.0; /* sum of lambda(j/M) rho(j) over -M..M */
    for (size_t j = 1; j <= big_m; j++) {
        double t = (double)j / (double)big_m;
        double lam = t <= 0.5 ? 1.0 : 2.0 * (1.0 - t);
        g += 2 * lam * (double)j * rho[j];
        lrv += 2 * lam * rho[j];
    }
    d = 4.0 / 3.0 * lrv * lrv;
    if (d > 0 && g != 0) {
        b = cbrt(2 * g * g / d) * cbrt((double)n);
        /* at least k_min, and at least 5 blocks per draw */
        if (b > (double)k && cap > k)
            k = b < (double)cap ? (size_t)ceil(b) : cap;
    }
    bart = 1.0;
    for (size_t j = 1; j < k && j <= mmax; j++)
        bart += 2 * (1.0 - (double)j / (double)k) * rho[j];
    if (lrv > bart && bart > 0)
        *widen = sqrt(lrv / bart) > 3 ? 3 : sqrt(lrv / bart);
    *k_out = k;
}

/* A window's value as choose_block looks at it: the log for times (drift
 * is a factor). */
static double block_value(const struct metrics_point *w, int stat)
{
    double v = 0;

    (void)compare__window_value(w, stat, &v);
    return compare__stat_is_time(stat) ? log(v > 0 ? v : 1e-6) : v;
}

/* The shortest block: COMPARE__BLOCK windows, fewer when there are few
 * windows (short runs: a block of 5 in 20 windows leaves 4 per draw);
 * for a paired run's ratio COMPARE__BLOCK_PAIRED.  What disturbs both
 * sides at once is not in the ratio, so its dependence is short; shorter
 * blocks give more of them per draw, the degrees of freedom of the paired
 * test.  Either is longer when the windows are autocorrelated
 * (choose_block). */
static size_t min_block(size_t n, bool paired)
{
    size_t k = n / 10, max = paired ? COMPARE__BLOCK_PAIRED : COMPARE__BLOCK;
    return k < 1 ? 1 : k > max ? max : k;
}

/* Block length and widening for the series x[0..n) (choose_block), and
 * the m blocks per draw with their own widening. */
static void set_block(struct series *s, const double *x, size_t n, size_t k_min)
{
    choose_block(x, n, k_min, &s->k, &s->widen);
    s->m = (s->n + s->k - 1) / s->k;
    /* m blocks drawn from a run of about m blocks: a block mean's spread
     * is short by (m - 1) / m in variance */
    if (s->m > 1)
        s->widen *= sqrt((double)s->m / (double)(s->m - 1));
}

/* The series of windows w[0..n) for stat, with blocks of s->k windows
 * (set_block first). */
static int series_init(struct series *s, const struct metrics_point *const *w,
                       size_t n, int stat)
{
    size_t k = s->k;
    int rc = 0;

    s->stat = stat;
    s->pct = compare__stat_percentile(stat);
    s->n = n;
    if (k == 0 || n < k)
        return COMPARE_EINVAL;
    s->nb = n; /* circular: block b is windows b .. b+k-1 mod n */
    s->hash = fnv_u64(FNV_OFFSET, (uint64_t)stat);
    for (size_t i = 0; i < n; i++) {
        const struct metrics_point *pt = w[i];
        s->hash = fnv_u64(s->hash, pt->requests);
        s->hash = fnv_u64(s->hash, pt->errors);
        if (pt->hist) {
            s->hash = fnv_u64(s->hash, metrics_hist_count(pt->hist));
            s->hash = fnv_u64(s->hash, metrics_hist_min(pt->hist));
            s->hash = fnv_u64(s->hash, metrics_hist_max(pt->hist));
            s->hash = fnv_u64(s->hash, metrics_hist_percentile(pt->hist, 50));
        }
    }
    s->pick = malloc(s->m * sizeof(*s->pick));
    if (!s->pick) {
        rc = COMPARE_ENOMEM;
        goto out;
    }
    if (uses_hist(stat)) {
        rc = grid_init(s, w);
        if (rc == 1) /* too large for the grid */
            rc = merge_init(s, w);
    } else {
        s->bnum = calloc(s->nb, sizeof(*s->bnum));
        s->bden = calloc(s->nb, sizeof(*s->bden));
        if (!s->bnum || !s->bden) {
            rc = COMPARE_ENOMEM;
            goto out;
        }
        for (size_t b = 0; b < s->nb; b++)
            for (size_t i = 0; i < k; i++) {
                double num, den;
                window_sums(w[(b + i) % n], stat, &num, &den);
                s->bnum[b] += num;
                s->bden[b] += den;
            }
    }
out:
    if (rc)
        series_release(s);
    return rc;
}

/* A series over ws with its own block choice (an unpaired run). */
static int series_own(struct series *s, const struct compare__wins *ws,
                      int stat, size_t k_min)
{
    double *x;

    memset(s, 0, sizeof(*s));
    if (ws->n < k_min || ws->n == 0)
        return COMPARE_EINVAL;
    x = malloc(ws->n * sizeof(*x));
    if (!x)
        return COMPARE_ENOMEM;
    for (size_t i = 0; i < ws->n; i++)
        x[i] = block_value(ws->w[i], stat);
    s->n = ws->n;
    set_block(s, x, ws->n, k_min);
    free(x);
    return series_init(s, ws->w, ws->n, stat);
}

/* The rank-th value of the current pick: binary search over the grid. */
static uint64_t grid_rank(const struct series *s, uint64_t rank)
{
    size_t lo = 0, hi = s->ng - 1;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        uint64_t sum = 0;
        for (size_t i = 0; i < s->m; i++)
            sum += s->cdf[s->pick[i] * s->ng + mid];
        if (sum >= rank)
            hi = mid;
        else
            lo = mid + 1;
    }
    return s->grid[lo];
}

/* m blocks drawn with replacement into s->pick. */
static void series_pick(struct series *s, struct rng *r)
{
    for (size_t i = 0; i < s->m; i++)
        s->pick[i] = rng_below(r, s->nb);
}

/* The statistic of the union of the picked blocks (metric units). */
static double series_eval(struct series *s)
{
    if (s->grid) {
        uint64_t total = 0, lo = UINT64_MAX, hi = 0, v, rank;
        double rr;

        for (size_t i = 0; i < s->m; i++) {
            size_t b = s->pick[i];
            total += s->btotal[b];
            lo = s->bmin[b] < lo ? s->bmin[b] : lo;
            hi = s->bmax[b] > hi ? s->bmax[b] : hi;
        }
        if (s->stat == METRICS_STAT_MIN)
            return (double)lo / 1000.0;
        if (s->stat == METRICS_STAT_MAX)
            return (double)hi / 1000.0;
        /* metrics_hist_percentile's rank: max(1, ceil(pct/100 * count)) */
        rr = ceil(s->pct / 100.0 * (double)total);
        rank = rr < 1 ? 1 : (uint64_t)rr;
        v = grid_rank(s, rank);
        v = v < lo ? lo : v > hi ? hi : v;
        return (double)v / 1000.0;
    }
    if (s->block) {
        metrics_hist_reset(s->scratch);
        for (size_t i = 0; i < s->m; i++)
            (void)metrics_hist_add(s->scratch, s->block[s->pick[i]]);
        return hist_stat(s->scratch, s->stat);
    } else {
        double num = 0, den = 0;
        for (size_t i = 0; i < s->m; i++) {
            num += s->bnum[s->pick[i]];
            den += s->bden[s->pick[i]];
        }
        return den > 0 ? num / den : 0;
    }
}

/* One draw: m blocks drawn with replacement, the statistic of their
 * union (metric units). */
static double series_draw(struct series *s, struct rng *r)
{
    series_pick(s, r);
    return series_eval(s);
}

/* The statistic over every window w[0..n), each counted once, in the
 * draws' units. */
static int point_of(const struct metrics_point *const *w, size_t n, int stat,
                    double *out)
{
    if (uses_hist(stat)) {
        struct metrics_hist *all = NULL;
        if (metrics_hist_new(&all))
            return COMPARE_ENOMEM;
        for (size_t i = 0; i < n; i++)
            (void)metrics_hist_add(all, w[i]->hist);
        *out = hist_stat(all, stat);
        metrics_hist_free(all);
    } else {
        double num = 0, den = 0;
        for (size_t i = 0; i < n; i++) {
            double a, b;
            window_sums(w[i], stat, &a, &b);
            num += a;
            den += b;
        }
        *out = den > 0 ? num / den : 0; /* avg in us, as the draws */
    }
    return 0;
}

/* The statistic over all of ws (point_of), read off the endpoint's own
 * histogram when the windows hold exactly its values. */
static int point_of_run(const struct metrics_endpoint *ep,
                        const struct compare__wins *ws, int stat, double *out)
{
    if (uses_hist(stat) && ep->hist) {
        uint64_t c = 0;
        for (size_t i = 0; i < ws->n; i++)
            c += metrics_hist_count(ws->w[i]->hist);
        if (c == metrics_hist_count(ep->hist)) {
            *out = hist_stat(ep->hist, stat);
            return 0;
        }
    }
    return point_of(ws->w, ws->n, stat, out);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Nearest-rank quantile of sorted v[0..n). */
static double quantile(const double *v, size_t n, double q)
{
    double r = ceil(q * (double)n);
    size_t i = r < 1 ? 0 : (size_t)r - 1;
    return v[i < n ? i : n - 1];
}

/* Widens log draws v[0..n) around their median by f (a copy is sorted in
 * tmp).  Infinite logs (a zero rate) stay as they are. */
static void widen_logs(double *v, double *tmp, size_t n, double f)
{
    double center;

    if (f == 1.0)
        return;
    memcpy(tmp, v, n * sizeof(*v));
    qsort(tmp, n, sizeof(*tmp), cmp_double);
    center = tmp[n / 2];
    if (!isfinite(center))
        return;
    for (size_t i = 0; i < n; i++)
        if (isfinite(v[i]))
            v[i] = center + f * (v[i] - center);
}

static double safe_log(double v)
{
    return v > 0 ? log(v) : -INFINITY;
}

/* log(cur / base) of two statistics; 0 when both are 0. */
static double log_ratio(double cur, double base)
{
    if (!(cur > 0) && !(base > 0))
        return 0;
    return safe_log(cur) - safe_log(base);
}

double compare__norm_sf(double z)
{
    return 0.5 * erfc(z / sqrt(2.0));
}

/* Wichura's AS 241 (PPND16): the z with P(Z <= z) = p, 1e-16 accurate. */
static double norm_ppf(double p)
{
    double q = p - 0.5, r, v;

    if (fabs(q) <= 0.425) {
        r = 0.180625 - q * q;
        return q *
               (((((((r * 2509.0809287301226727 + 33430.575583588128105) * r +
                     67265.770927008700853) *
                        r +
                    45921.953931549871457) *
                       r +
                   13731.693765509461125) *
                      r +
                  1971.5909503065514427) *
                     r +
                 133.14166789178437745) *
                    r +
                3.387132872796366608) /
               (((((((r * 5226.495278852545925 + 28729.085735721942674) * r +
                     39307.89580009271061) *
                        r +
                    21213.794301586595867) *
                       r +
                   5394.1960214247511077) *
                      r +
                  687.1870074920579083) *
                     r +
                 42.313330701600911252) *
                    r +
                1.0);
    }
    r = sqrt(-log(q < 0 ? p : 1.0 - p));
    if (r <= 5.0) {
        r -= 1.6;
        v = (((((((r * 7.7454501427834140764e-4 + 0.0227238449892691845833) *
                      r +
                  0.24178072517745061177) *
                     r +
                 1.27045825245236838258) *
                    r +
                3.64784832476320460504) *
                   r +
               5.7694972214606914055) *
                  r +
              4.6303378461565452959) *
                 r +
             1.42343711074968357734) /
            (((((((r * 1.05075007164441684324e-9 + 5.475938084995344946e-4) *
                      r +
                  0.0151986665636164571966) *
                     r +
                 0.14810397642748007459) *
                    r +
                0.68976733498510000455) *
                   r +
               1.6763848301838038494) *
                  r +
              2.05319162663775882187) *
                 r +
             1.0);
    } else {
        r -= 5.0;
        v = (((((((r * 2.01033439929228813265e-7 + 2.71155556874348757815e-5) *
                      r +
                  0.0012426609473880784386) *
                     r +
                 0.026532189526576123093) *
                    r +
                0.29656057182850489123) *
                   r +
               1.7848265399172913358) *
                  r +
              5.4637849111641143699) *
                 r +
             6.6579046435011037772) /
            (((((((r * 2.04426310338993978564e-15 + 1.4215117583164458887e-7) *
                      r +
                  1.8463183175100546818e-5) *
                     r +
                 7.868691311456132591e-4) *
                    r +
                0.0148753612908506148525) *
                   r +
               0.13692988092273580531) *
                  r +
              0.59983220655588793769) *
                 r +
             1.0);
    }
    return q < 0 ? -v : v;
}

double compare__norm_isf(double p)
{
    if (!(p > 0))
        return INFINITY;
    if (!(p < 1))
        return -INFINITY;
    return -norm_ppf(p);
}

/* Continued fraction of the incomplete beta (Lentz; Numerical Recipes'
 * betacf). */
static double beta_cf(double a, double b, double x)
{
    const double tiny = 1e-300;
    double qab = a + b, qap = a + 1, qam = a - 1, c = 1, d, h;

    d = 1 - qab * x / qap;
    d = 1 / (fabs(d) < tiny ? tiny : d);
    h = d;
    for (int m = 1; m <= 400; m++) {
        double m2 = 2.0 * m, aa, del;

        aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1 + aa * d;
        d = 1 / (fabs(d) < tiny ? tiny : d);
        c = 1 + aa / c;
        c = fabs(c) < tiny ? tiny : c;
        h *= d * c;
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1 + aa * d;
        d = 1 / (fabs(d) < tiny ? tiny : d);
        c = 1 + aa / c;
        c = fabs(c) < tiny ? tiny : c;
        del = d * c;
        h *= del;
        if (fabs(del - 1) < 1e-15)
            break;
    }
    return h;
}

/* The regularized incomplete beta I_x(a, b). */
static double beta_inc(double a, double b, double x)
{
    double front;

    if (x <= 0)
        return 0;
    if (x >= 1)
        return 1;
    front =
        exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x));
    if (x < (a + 1) / (a + b + 2))
        return front * beta_cf(a, b, x) / a;
    return 1 - front * beta_cf(b, a, 1 - x) / b;
}

double compare__t_sf(double t, double df)
{
    double tail;

    if (!(df < 1e7))
        return compare__norm_sf(t);
    if (!(df > 0.5))
        df = 0.5;
    if (isinf(t))
        return t > 0 ? 0 : 1;
    tail = 0.5 * beta_inc(df / 2, 0.5, df / (df + t * t));
    return t > 0 ? tail : 1 - tail;
}

double compare__t_isf(double p, double df)
{
    double lo = -1e4, hi = 1e4;

    if (!(df < 1e7))
        return compare__norm_isf(p);
    if (!(p > 0))
        return INFINITY;
    if (!(p < 1))
        return -INFINITY;
    for (int i = 0; i < 200 && hi - lo > 1e-12 * (1 + fabs(lo)); i++) {
        double mid = (lo + hi) / 2;
        if (compare__t_sf(mid, df) > p)
            lo = mid;
        else
            hi = mid;
    }
    return (lo + hi) / 2;
}

/*
 * Batch means: the windows cut into B contiguous batches, the statistic of
 * each.  Its spread says how far the whole run's statistic wanders with
 * drift up to a batch long, which a bootstrap of short blocks misses when
 * few windows hide the autocorrelation from the block choice.  The
 * standard error used is the larger of the two.  A run is cut into 5 to
 * 10 batches of at least 5 windows, so that drift as slow as a fifth of
 * the run shows; the ratio of a paired A/B run, where drift hits both
 * sides at once and cancels, into 5 to 20 batches of at least 3 windows:
 * more batches estimate the spread with more degrees of freedom, which is
 * the paired test's power at the gate's small alpha.
 */
#define BATCHES_MIN 5
#define BATCHES_MAX 10
#define BATCHES_MAX_PAIRED 20

static size_t n_batches(size_t n, bool paired)
{
    size_t b = n / (paired ? 3 : 5),
           max = paired ? BATCHES_MAX_PAIRED : BATCHES_MAX;
    return b < BATCHES_MIN ? BATCHES_MIN : b > max ? max : b;
}

/* log stat of each batch of w[0..n) into out[0..B); false when one is 0 */
static int batch_logs(const struct metrics_point *const *w, size_t n, int stat,
                      size_t nb, double *out, bool *finite)
{
    *finite = true;
    for (size_t j = 0; j < nb; j++) {
        size_t a = j * n / nb, b = (j + 1) * n / nb;
        double v = 0;
        int rc = point_of(w + a, b - a, stat, &v);
        if (rc)
            return rc;
        out[j] = safe_log(v);
        *finite = *finite && isfinite(out[j]);
    }
    return 0;
}

/* Standard error of the mean of x[0..n). */
static double se_of_mean(const double *x, size_t n)
{
    double m = 0, v = 0;

    for (size_t i = 0; i < n; i++)
        m += x[i];
    m /= (double)n;
    for (size_t i = 0; i < n; i++)
        v += (x[i] - m) * (x[i] - m);
    return sqrt(v / (double)(n - 1) / (double)n);
}

/* The batch-means standard error of log stat over w[0..n) (NAN when a
 * batch has a statistic of 0); with a, of log(stat(w) / stat(a)) over
 * windows paired by index. */
static int batch_se(const struct metrics_point *const *w,
                    const struct metrics_point *const *a, size_t n, int stat,
                    double *se)
{
    double lw[BATCHES_MAX_PAIRED], la[BATCHES_MAX_PAIRED];
    size_t nb = n_batches(n, a != NULL);
    bool fw, fa = true;
    int rc;

    *se = NAN;
    if ((rc = batch_logs(w, n, stat, nb, lw, &fw)) ||
        (a && (rc = batch_logs(a, n, stat, nb, la, &fa))))
        return rc;
    if (!fw || !fa)
        return 0;
    if (a)
        for (size_t j = 0; j < nb; j++)
            lw[j] -= la[j];
    *se = se_of_mean(lw, nb);
    return 0;
}

/* Welch-Satterthwaite degrees of freedom of a sum of two variances. */
static double welch(double v1, double df1, double v2, double df2)
{
    double den = (df1 > 0 ? v1 * v1 / df1 : 0) + (df2 > 0 ? v2 * v2 / df2 : 0);

    if (!(den > 0))
        return INFINITY;
    return (v1 + v2) * (v1 + v2) / den;
}

/* Standard deviation of x[0..n). */
static double sd_of(const double *x, size_t n)
{
    return se_of_mean(x, n) * sqrt((double)n);
}

/*
 * The p-value, interval and standard error from the log-ratio draws
 * d[0..draws) (tmp: scratch), with lr the point estimate: a normal fitted
 * to the draws (their median and standard deviation) when every draw is
 * finite, which is the percentile bootstrap made smooth in the tails that
 * Holm's correction and the sequential boundaries reach; when some are not
 * (a rate of 0 in a draw), the share of draws on the wrong side and their
 * 5th and 95th percentiles (se NAN).
 */
static void finish_boot(double *d, double *tmp, unsigned draws, double lr,
                        double se, double df, bool up,
                        struct compare__boot *out)
{
    double center;
    size_t wrong = 0;
    bool finite = isfinite(se);

    for (unsigned i = 0; i < draws && finite; i++)
        finite = isfinite(d[i]);
    out->log_ratio = lr;
    memcpy(tmp, d, draws * sizeof(*d));
    qsort(tmp, draws, sizeof(*tmp), cmp_double);
    out->df = df;
    if (finite && se < 1e-12)
        se = 0; /* no noise at all but the logs' rounding */
    if (finite) {
        double z = compare__t_isf(0.05, df); /* one-sided 95 % */
        center = tmp[draws / 2];
        out->center = center;
        out->se = se;
        out->ci_low = exp(center - z * out->se);
        out->ci_high = exp(center + z * out->se);
        if (out->se > 0)
            out->p_value =
                compare__t_sf(up ? center / out->se : -center / out->se, df);
        else
            out->p_value = (up ? center > 0 : center < 0) ? 0.0 : 1.0;
    } else {
        for (unsigned i = 0; i < draws; i++)
            if (up ? d[i] <= 0 : d[i] >= 0)
                wrong++;
        out->center = tmp[draws / 2];
        out->se = NAN;
        out->ci_low = exp(quantile(tmp, draws, 0.05));
        out->ci_high = exp(quantile(tmp, draws, 0.95));
        out->p_value = (double)wrong / (double)draws;
    }
    out->significant = out->p_value < COMPARE_ALPHA;
}

int compare__bootstrap(const struct metrics_endpoint *cur,
                       const struct metrics_endpoint *base, int stat,
                       enum compare_op op, unsigned draws, unsigned block,
                       struct compare__boot *out)
{
    struct series sc, sb;
    struct compare__wins wc, wb;
    struct rng r;
    double *lc = NULL, *lb = NULL, *tmp = NULL, pc = 0, pb = 0;
    double bc, bb, sec, seb, se, dfc, dfb, df;
    bool up = op == COMPARE_LT || op == COMPARE_LE; /* bad: ratio > 1 */
    int rc;

    memset(&sc, 0, sizeof(sc));
    memset(&sb, 0, sizeof(sb));
    memset(&wb, 0, sizeof(wb));
    if (!out || !cur || !base || draws == 0)
        return COMPARE_EINVAL;
    memset(out, 0, sizeof(*out));
    if ((rc = compare__wins_build(cur, stat, 0, &wc)))
        return rc;
    if ((rc = compare__wins_build(base, stat, 0, &wb)))
        goto out;
    out->n_cur = wc.n;
    out->n_base = wb.n;
    out->len_cur = wc.len_ms;
    out->len_base = wb.len_ms;
    if (wc.n < COMPARE__MIN_WINDOWS || wb.n < COMPARE__MIN_WINDOWS) {
        rc = COMPARE_EINVAL;
        goto out;
    }
    if ((rc = series_own(&sc, &wc, stat,
                         block ? block : min_block(wc.n, false))) ||
        (rc = series_own(&sb, &wb, stat,
                         block ? block : min_block(wb.n, false))) ||
        (rc = point_of_run(cur, &wc, stat, &pc)) ||
        (rc = point_of_run(base, &wb, stat, &pb)))
        goto out;
    lc = malloc(draws * sizeof(*lc));
    lb = malloc(draws * sizeof(*lb));
    tmp = malloc(draws * sizeof(*tmp));
    if (!lc || !lb || !tmp) {
        rc = COMPARE_ENOMEM;
        goto out;
    }
    rng_seed(&r, fnv_u64(sc.hash, sb.hash));
    for (unsigned i = 0; i < draws; i++) {
        lc[i] = safe_log(series_draw(&sc, &r));
        lb[i] = safe_log(series_draw(&sb, &r));
    }
    widen_logs(lc, tmp, draws, sc.widen);
    widen_logs(lb, tmp, draws, sb.widen);
    /* each run's standard error: its draws', or its batch means' when
     * larger */
    if ((rc = batch_se(wc.w, NULL, wc.n, stat, &bc)) ||
        (rc = batch_se(wb.w, NULL, wb.n, stat, &bb)))
        goto out;
    sec = sd_of(lc, draws);
    seb = sd_of(lb, draws);
    /* the degrees of freedom of each: blocks per draw, or batches, less
     * one; together by Welch and Satterthwaite */
    dfc = !isnan(bc) && bc > sec ? (double)n_batches(wc.n, false) - 1
                                 : (double)sc.m - 1;
    dfb = !isnan(bb) && bb > seb ? (double)n_batches(wb.n, false) - 1
                                 : (double)sb.m - 1;
    sec = isnan(bc) ? sec : fmax(sec, bc);
    seb = isnan(bb) ? seb : fmax(seb, bb);
    se = sqrt(sec * sec + seb * seb);
    df = welch(sec * sec, dfc, seb * seb, dfb);
    for (unsigned i = 0; i < draws; i++) {
        if (lc[i] == -INFINITY && lb[i] == -INFINITY)
            lc[i] = 0; /* both zero: no change */
        else
            lc[i] -= lb[i];
    }
    finish_boot(lc, tmp, draws, log_ratio(pc, pb), se, df, up, out);
    out->block_cur = sc.k;
    out->block_base = sb.k;
    out->draws = draws;
out:
    free(lc);
    free(lb);
    free(tmp);
    series_release(&sc);
    series_release(&sb);
    compare__wins_release(&wc);
    compare__wins_release(&wb);
    return rc;
}

/* The least common multiple of two window lengths (ms). */
static unsigned lcm_ms(unsigned a, unsigned b)
{
    unsigned x = a, y = b;

    while (y) {
        unsigned t = x % y;
        x = y;
        y = t;
    }
    return a / x * b;
}

int compare__bootstrap_paired(const struct metrics_endpoint *b_ep,
                              const struct metrics_endpoint *a_ep, int stat,
                              enum compare_op op, unsigned draws,
                              struct compare__boot *out)
{
    struct compare__wins wa, wb;
    struct series sa, sb;
    const struct metrics_point **pa = NULL, **pb = NULL;
    double *d = NULL, *tmp = NULL, *x = NULL, va = 0, vb = 0, bse, se;
    bool up = op == COMPARE_LT || op == COMPARE_LE;
    unsigned len;
    size_t n = 0;
    struct rng r;
    int rc;

    memset(&wa, 0, sizeof(wa));
    memset(&wb, 0, sizeof(wb));
    memset(&sa, 0, sizeof(sa));
    memset(&sb, 0, sizeof(sb));
    if (!out || !a_ep || !b_ep || draws == 0)
        return COMPARE_EINVAL;
    memset(out, 0, sizeof(*out));
    out->paired = true;
    /* one window length for both, long enough for either side's samples
     * and made of whole slots of both */
    {
        unsigned la = compare__wins_length(a_ep, stat);
        unsigned lb = compare__wins_length(b_ep, stat), ma, mb, unit;
        size_t na, nb;

        (void)source_of(a_ep, &na, &ma);
        (void)source_of(b_ep, &nb, &mb);
        unit = lcm_ms(ma, mb);
        len = la > lb ? la : lb;
        len = (len + unit - 1) / unit * unit;
    }
    if ((rc = compare__wins_build(a_ep, stat, len, &wa)) ||
        (rc = compare__wins_build(b_ep, stat, len, &wb)))
        goto out;
    out->len_cur = out->len_base = len;
    pa = malloc((wa.n + 1) * sizeof(*pa));
    pb = malloc((wa.n + 1) * sizeof(*pb));
    if (!pa || !pb) {
        rc = COMPARE_ENOMEM;
        goto out;
    }
    /* the windows both sides have, in clock order */
    for (size_t i = 0, j = 0; i < wa.n && j < wb.n;) {
        if (wa.key[i] < wb.key[j]) {
            i++;
        } else if (wb.key[j] < wa.key[i]) {
            j++;
        } else {
            pa[n] = wa.w[i++];
            pb[n++] = wb.w[j++];
        }
    }
    out->n_cur = out->n_base = n;
    if (n < COMPARE__MIN_WINDOWS) {
        rc = COMPARE_EINVAL;
        goto out;
    }
    /* blocks sized by the dependence of the per-window ratio, the series
     * the draws resample */
    x = malloc(n * sizeof(*x));
    d = malloc(draws * sizeof(*d));
    tmp = malloc(draws * sizeof(*tmp));
    if (!x || !d || !tmp) {
        rc = COMPARE_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        double a = 0, b = 0;
        (void)compare__window_value(pa[i], stat, &a);
        (void)compare__window_value(pb[i], stat, &b);
        x[i] = compare__stat_is_time(stat)
                   ? log_ratio(b > 0 ? b : 1e-6, a > 0 ? a : 1e-6)
                   : b - a;
    }
    sa.n = sb.n = n;
    set_block(&sa, x, n, min_block(n, true));
    sb.k = sa.k;
    sb.m = sa.m;
    sb.widen = sa.widen;
    if ((rc = series_init(&sa, pa, n, stat)) ||
        (rc = series_init(&sb, pb, n, stat)) ||
        (rc = point_of(pa, n, stat, &va)) || (rc = point_of(pb, n, stat, &vb)))
        goto out;
    rng_seed(&r, fnv_u64(sb.hash, sa.hash) ^ UINT64_C(0x5041495245440000));
    for (unsigned i = 0; i < draws; i++) {
        series_pick(&sa, &r);
        memcpy(sb.pick, sa.pick, sa.m * sizeof(*sa.pick));
        d[i] = log_ratio(series_eval(&sb), series_eval(&sa));
    }
    widen_logs(d, tmp, draws, sa.widen);
    if ((rc = batch_se(pb, pa, n, stat, &bse)))
        goto out;
    se = sd_of(d, draws);
    finish_boot(d, tmp, draws, log_ratio(vb, va),
                isnan(bse) ? se : fmax(se, bse),
                !isnan(bse) && bse > se ? (double)n_batches(n, true) - 1
                                        : (double)sa.m - 1,
                up, out);
    out->block_cur = out->block_base = sa.k;
    out->draws = draws;
out:
    free(x);
    free(d);
    free(tmp);
    free(pa);
    free(pb);
    series_release(&sa);
    series_release(&sb);
    compare__wins_release(&wa);
    compare__wins_release(&wb);
    return rc;
}

int compare__bootstrap_one(const struct metrics_endpoint *ep, int stat,
                           unsigned draws, unsigned block, double *point,
                           double *lo, double *hi)
{
    struct series s;
    struct compare__wins ws;
    struct rng r;
    double *v = NULL, *tmp = NULL;
    int rc;

    memset(&s, 0, sizeof(s));
    if (!ep || !point || !lo || !hi || draws == 0)
        return COMPARE_EINVAL;
    if ((rc = compare__wins_build(ep, stat, 0, &ws)))
        return rc;
    if (ws.n < COMPARE__MIN_WINDOWS) {
        rc = COMPARE_EINVAL;
        goto out;
    }
    if ((rc =
             series_own(&s, &ws, stat, block ? block : min_block(ws.n, false))))
        goto out;
    v = malloc(draws * sizeof(*v));
    tmp = malloc(draws * sizeof(*tmp));
    if (!v || !tmp) {
        rc = COMPARE_ENOMEM;
        goto out;
    }
    if ((rc = point_of_run(ep, &ws, stat, point)))
        goto out;
    rng_seed(&r, s.hash);
    for (unsigned i = 0; i < draws; i++)
        v[i] = safe_log(series_draw(&s, &r));
    widen_logs(v, tmp, draws, s.widen);
    qsort(v, draws, sizeof(*v), cmp_double);
    *lo = exp(quantile(v, draws, 0.025));
    *hi = exp(quantile(v, draws, 0.975));
out:
    free(v);
    free(tmp);
    series_release(&s);
    compare__wins_release(&ws);
    return rc;
}

int compare_significance(const struct metrics_endpoint *run,
                         const struct metrics_endpoint *baseline,
                         enum metrics_stat stat, enum compare_op op,
                         double *p_value, double *ci_low, double *ci_high,
                         bool *significant)
{
    struct compare__boot bt;
    int rc;

    if (!run || !baseline || !p_value || !ci_low || !ci_high || !significant ||
        (int)stat < 0 || stat >= METRICS_STAT__COUNT)
        return COMPARE_EINVAL;
    rc = compare__bootstrap(run, baseline, (int)stat, op, COMPARE__DRAWS, 0,
                            &bt);
    if (rc)
        return rc;
    *p_value = bt.p_value;
    *ci_low = bt.ci_low;
    *ci_high = bt.ci_high;
    *significant = bt.significant;
    return 0;
}

void compare__test_of(const struct compare__boot *bt, struct compare_test *t)
{
    memset(t, 0, sizeof(*t));
    t->ratio = exp(bt->log_ratio);
    t->se_log = bt->se;
    t->p_value = bt->p_value;
    t->ci_low = bt->ci_low;
    t->ci_high = bt->ci_high;
    t->paired = bt->paired;
    t->windows_run = bt->n_cur;
    t->windows_base = bt->n_base;
    t->window_ms_run = bt->len_cur;
    t->window_ms_base = bt->len_base;
}

int compare_test_ratio(const struct metrics_endpoint *run,
                       const struct metrics_endpoint *baseline,
                       enum metrics_stat stat, enum compare_op op, bool paired,
                       struct compare_test *out)
{
    struct compare__boot bt;
    int rc;

    if (!run || !baseline || !out || (int)stat < 0 ||
        stat >= METRICS_STAT__COUNT)
        return COMPARE_EINVAL;
    if (paired)
        rc = compare__bootstrap_paired(run, baseline, (int)stat, op,
                                       COMPARE__DRAWS, &bt);
    else
        rc = compare__bootstrap(run, baseline, (int)stat, op, COMPARE__DRAWS, 0,
                                &bt);
    compare__test_of(&bt, out);
    return rc;
}
