/*
 * Is a relative change real or noise?  A block bootstrap over the
 * 1-second windows of a run (README, "Reading a verdict").
 *
 * Requests inside one run are not independent (latency drifts with GC,
 * caches and the neighbours' load), so resampling requests would make the
 * interval far too narrow.  Windows are resampled instead, in blocks of k
 * consecutive windows so that drift slower than a second stays inside a
 * block.  Blocks wrap around the end (the circular block bootstrap), so
 * that the first and last windows are drawn as often as the others.  Each draw
 * takes ceil(n / k) blocks from each run independently, merges them and
 * computes the statistic; the ratio current / baseline over the draws is the
 * interval.
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

static uint64_t splitmix(uint64_t *x) {
    uint64_t z = (*x += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k) {
    return (x << k) | (x >> (64 - k));
}

static uint64_t rng_next(struct rng *r) {
    uint64_t *s = r->s, res = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return res;
}

static void rng_seed(struct rng *r, uint64_t seed) {
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix(&seed);
}

/* Uniform in [0, n); the modulo bias is below 2^-40 for the n we see. */
static size_t rng_below(struct rng *r, size_t n) {
    return (size_t)((rng_next(r) >> 11) % (uint64_t)n);
}

/* ---- FNV-1a over the windows ------------------------------------------ */

#define FNV_OFFSET UINT64_C(0xcbf29ce484222325)
#define FNV_PRIME UINT64_C(0x100000001b3)

static uint64_t fnv_u64(uint64_t h, uint64_t v) {
    for (int i = 0; i < 8; i++) {
        h ^= (v >> (i * 8)) & 0xff;
        h *= FNV_PRIME;
    }
    return h;
}

/* ---- windows ------------------------------------------------------------ */

/* Statistics read from the merged histogram (percentiles, min, max). */
static bool uses_hist(int stat) {
    return compare__stat_is_time(stat) && stat != METRICS_STAT_AVG;
}

static bool has_sample(const struct metrics_point *pt, int stat) {
    if (compare__stat_is_time(stat))
        return pt->hist && metrics_hist_count(pt->hist) > 0;
    return pt->requests > 0;
}

size_t compare__windows(const struct metrics_endpoint *ep, int stat) {
    size_t n = 0;

    if (!ep || !ep->timeline)
        return 0;
    for (size_t i = 0; i < ep->n_timeline; i++)
        n += has_sample(&ep->timeline[i], stat);
    return n;
}

/* The numerator and denominator a window adds to a ratio statistic. */
static void window_sums(const struct metrics_point *pt, int stat, double *num,
                        double *den) {
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

static double hist_stat(const struct metrics_hist *h, int stat) {
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
                           double *out) {
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

/* ---- one run's series ---------------------------------------------------- */

/*
 * Percentiles without merging histograms.  Merging m block histograms per
 * draw costs m times the bucket span (hundreds of buckets), some 250 ms
 * per check for 300 windows.  Instead each window's values are read once
 * (as the histogram reports them, bucket by bucket, through rank queries)
 * onto a grid of the run's distinct values, and every block keeps its
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

static void series_release(struct series *s) {
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

/* The value the histogram reports at rank r (1-based) of its c values. */
static uint64_t at_rank(const struct metrics_hist *h, uint64_t r, uint64_t c) {
    /* pct / 100 * c = r - 0.5, whose ceiling is r */
    return metrics_hist_percentile(h, 100.0 * ((double)r - 0.5) / (double)c);
}

struct pairs {
    uint64_t *v, *n;
    size_t len, cap;
};

static bool pairs_push(struct pairs *p, uint64_t v, uint64_t n) {
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

/* Appends h's (value, count) pairs in ascending order: for each distinct
 * value, gallop then bisect to the last rank holding it. */
static bool read_hist(const struct metrics_hist *h, struct pairs *p) {
    uint64_t c = metrics_hist_count(h), r = 1, v;

    if (c == 0)
        return true;
    v = at_rank(h, 1, c);
    while (r <= c) {
        /* at_rank(lo) == v; hv is at_rank(hi) once probed */
        uint64_t lo = r, hi, step = 1, hv = 0;

        for (;;) {
            hi = r + step;
            if (hi > c)
                break;
            hv = at_rank(h, hi, c);
            if (hv != v)
                break;
            lo = hi;
            step *= 2;
        }
        if (hi > c)
            hi = c + 1;
        while (hi - lo > 1) {
            uint64_t mid = lo + (hi - lo) / 2, mv = at_rank(h, mid, c);
            if (mv == v) {
                lo = mid;
            } else {
                hi = mid;
                hv = mv;
            }
        }
        if (!pairs_push(p, v, lo - r + 1))
            return false;
        r = lo + 1;
        v = hv; /* the value at the next rank, already known */
    }
    return true;
}

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static size_t grid_index(const uint64_t *g, size_t n, uint64_t v) {
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
static int grid_init(struct series *s, const struct metrics_point **w) {
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
    s->pick = malloc(s->m * sizeof(*s->pick));
    if (!s->cdf || !s->btotal || !s->bmin || !s->bmax || !s->pick) {
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

static int merge_init(struct series *s, const struct metrics_point **w) {
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
                         double *widen) {
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
    if (!(r0 > 0))
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

/* The window values choose_block looks at (logs for times: drift is a
 * factor). */
static int block_for(struct series *s, const struct metrics_point *const *w,
                     size_t k_min) {
    double *x = malloc(s->n * sizeof(*x));

    if (!x)
        return COMPARE_ENOMEM;
    for (size_t i = 0; i < s->n; i++) {
        double v = 0;
        (void)compare__window_value(w[i], s->stat, &v);
        x[i] = compare__stat_is_time(s->stat) ? log(v > 0 ? v : 1e-6) : v;
    }
    choose_block(x, s->n, k_min, &s->k, &s->widen);
    free(x);
    s->m = (s->n + s->k - 1) / s->k;
    /* m blocks drawn from a run of about m blocks: a block mean's spread
     * is short by (m - 1) / m in variance */
    if (s->m > 1)
        s->widen *= sqrt((double)s->m / (double)(s->m - 1));
    return 0;
}

static int series_init(struct series *s, const struct metrics_endpoint *ep,
                       int stat, size_t k) {
    const struct metrics_point **w = NULL;
    int rc = 0;

    memset(s, 0, sizeof(*s));
    s->stat = stat;
    s->k = k;
    s->pct = compare__stat_percentile(stat);
    s->n = compare__windows(ep, stat);
    if (k == 0 || s->n < k)
        return COMPARE_EINVAL;
    s->nb = s->n; /* circular: block b is windows b .. b+k-1 mod n */
    w = malloc(s->n * sizeof(*w));
    if (!w)
        return COMPARE_ENOMEM;
    s->hash = fnv_u64(FNV_OFFSET, (uint64_t)stat);
    for (size_t i = 0, j = 0; i < ep->n_timeline; i++) {
        const struct metrics_point *pt = &ep->timeline[i];
        if (!has_sample(pt, stat))
            continue;
        w[j++] = pt;
        s->hash = fnv_u64(s->hash, pt->requests);
        s->hash = fnv_u64(s->hash, pt->errors);
        if (pt->hist) {
            s->hash = fnv_u64(s->hash, metrics_hist_count(pt->hist));
            s->hash = fnv_u64(s->hash, metrics_hist_min(pt->hist));
            s->hash = fnv_u64(s->hash, metrics_hist_max(pt->hist));
            s->hash = fnv_u64(s->hash, metrics_hist_percentile(pt->hist, 50));
        }
    }
    if ((rc = block_for(s, w, k)))
        goto out;
    k = s->k;
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
                window_sums(w[(b + i) % s->n], stat, &num, &den);
                s->bnum[b] += num;
                s->bden[b] += den;
            }
    }
out:
    free(w);
    if (rc)
        series_release(s);
    return rc;
}

/* The rank-th value of the current pick: binary search over the grid. */
static uint64_t grid_rank(const struct series *s, uint64_t rank) {
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

/* One draw: m blocks drawn with replacement, the statistic of their
 * union (metric units). */
static double series_draw(struct series *s, struct rng *r) {
    if (s->grid) {
        uint64_t total = 0, lo = UINT64_MAX, hi = 0, v, rank;
        double rr;

        for (size_t i = 0; i < s->m; i++) {
            size_t b = rng_below(r, s->nb);
            s->pick[i] = b;
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
            (void)metrics_hist_add(s->scratch, s->block[rng_below(r, s->nb)]);
        return hist_stat(s->scratch, s->stat);
    } else {
        double num = 0, den = 0;
        for (size_t i = 0; i < s->m; i++) {
            size_t b = rng_below(r, s->nb);
            num += s->bnum[b];
            den += s->bden[b];
        }
        return den > 0 ? num / den : 0;
    }
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Nearest-rank quantile of sorted v[0..n). */
static double quantile(const double *v, size_t n, double q) {
    double r = ceil(q * (double)n);
    size_t i = r < 1 ? 0 : (size_t)r - 1;
    return v[i < n ? i : n - 1];
}

/* Widens log draws v[0..n) around their median by f (a copy is sorted in
 * tmp).  Infinite logs (a zero rate) stay as they are. */
static void widen_logs(double *v, double *tmp, size_t n, double f) {
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

static double safe_log(double v) {
    return v > 0 ? log(v) : -INFINITY;
}

int compare__bootstrap(const struct metrics_endpoint *cur,
                       const struct metrics_endpoint *base, int stat,
                       enum compare_op op, unsigned draws, unsigned block,
                       struct compare__boot *out) {
    struct series sc, sb;
    struct rng r;
    double *lc = NULL, *lb = NULL, *tmp = NULL;
    size_t wrong = 0;
    bool up = op == COMPARE_LT || op == COMPARE_LE; /* bad: ratio > 1 */
    int rc;

    memset(&sb, 0, sizeof(sb));
    if (!out || !cur || !base || draws == 0)
        return COMPARE_EINVAL;
    memset(out, 0, sizeof(*out));
    if ((rc = series_init(&sc, cur, stat, block)))
        return rc;
    if ((rc = series_init(&sb, base, stat, block)))
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
    for (unsigned i = 0; i < draws; i++) {
        double d;
        if (lc[i] == -INFINITY && lb[i] == -INFINITY)
            d = 0; /* both zero: no change */
        else
            d = lc[i] - lb[i];
        if (up ? d <= 0 : d >= 0)
            wrong++;
        tmp[i] = d;
    }
    qsort(tmp, draws, sizeof(*tmp), cmp_double);
    out->ci_low = exp(quantile(tmp, draws, 0.05));
    out->ci_high = exp(quantile(tmp, draws, 0.95));
    out->p_value = (double)wrong / (double)draws;
    out->significant = up ? out->ci_low > 1.0 : out->ci_high < 1.0;
    out->n_cur = sc.n;
    out->n_base = sb.n;
    out->block_cur = sc.k;
    out->block_base = sb.k;
    out->draws = draws;
out:
    free(lc);
    free(lb);
    free(tmp);
    series_release(&sc);
    series_release(&sb);
    return rc;
}

int compare__bootstrap_one(const struct metrics_endpoint *ep, int stat,
                           unsigned draws, unsigned block, double *point,
                           double *lo, double *hi) {
    struct series s;
    struct rng r;
    double *v = NULL, *tmp = NULL;
    int rc;

    if (!ep || !point || !lo || !hi || draws == 0)
        return COMPARE_EINVAL;
    if ((rc = series_init(&s, ep, stat, block)))
        return rc;
    v = malloc(draws * sizeof(*v));
    tmp = malloc(draws * sizeof(*tmp));
    if (!v || !tmp) {
        rc = COMPARE_ENOMEM;
        goto out;
    }
    /* the point value over every window, each counted once */
    if (uses_hist(stat)) {
        struct metrics_hist *all = NULL;
        if (metrics_hist_new(&all)) {
            rc = COMPARE_ENOMEM;
            goto out;
        }
        for (size_t i = 0; i < ep->n_timeline; i++)
            if (has_sample(&ep->timeline[i], stat))
                (void)metrics_hist_add(all, ep->timeline[i].hist);
        *point = hist_stat(all, stat);
        metrics_hist_free(all);
    } else {
        double num = 0, den = 0;
        for (size_t i = 0; i < ep->n_timeline; i++)
            if (has_sample(&ep->timeline[i], stat)) {
                double a, b;
                window_sums(&ep->timeline[i], stat, &a, &b);
                num += a;
                den += b;
            }
        *point = den > 0 ? num / den : 0;
    }
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
    return rc;
}

int compare_significance(const struct metrics_endpoint *run,
                         const struct metrics_endpoint *baseline,
                         enum metrics_stat stat, enum compare_op op,
                         double *p_value, double *ci_low, double *ci_high,
                         bool *significant) {
    struct compare__boot bt;
    int rc;

    if (!run || !baseline || !p_value || !ci_low || !ci_high || !significant ||
        (int)stat < 0 || stat >= METRICS_STAT__COUNT)
        return COMPARE_EINVAL;
    if (compare__windows(run, (int)stat) < COMPARE__MIN_WINDOWS ||
        compare__windows(baseline, (int)stat) < COMPARE__MIN_WINDOWS)
        return COMPARE_EINVAL;
    rc = compare__bootstrap(run, baseline, (int)stat, op, COMPARE__DRAWS,
                            COMPARE__BLOCK, &bt);
    if (rc)
        return rc;
    *p_value = bt.p_value;
    *ci_low = bt.ci_low;
    *ci_high = bt.ci_high;
    *significant = bt.significant;
    return 0;
}
