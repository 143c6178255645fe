/*
 * The log-linear histogram (HdrHistogram's shape, our own code).
 *
 * Bucket index of a value v: v itself below 256; above, with e the index of
 * v's highest set bit and shift = e - 7, index = 256 + (e - 8) * 128 +
 * (v >> shift) - 128: 128 linear buckets per power of two, each 2^shift
 * wide, so a bucket is at most 1/128 of its smallest value wide.
 *
 * Counts live in a dense array over [lo, lo + n) of bucket indexes only,
 * grown by realloc when a value lands outside: a histogram of one second
 * of one endpoint costs a few hundred bytes, not the whole 4.6k-bucket
 * range.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "metrics_internal.h"

#define SUB_BITS 7
#define SUB_COUNT (1u << SUB_BITS) /* 128 */
#define EXACT_LIMIT 256u

struct metrics_hist {
    uint64_t *counts;
    uint32_t lo, n;
    uint64_t count, min, max, sum;
};

uint32_t metrics__bucket_index(uint64_t v)
{
    unsigned e, shift;

    if (v < EXACT_LIMIT)
        return (uint32_t)v;
    e = 63u - (unsigned)__builtin_clzll(v);
    shift = e - SUB_BITS;
    return EXACT_LIMIT + (e - 8) * SUB_COUNT +
           (uint32_t)((v >> shift) - SUB_COUNT);
}

uint64_t metrics__bucket_low(uint32_t idx)
{
    uint32_t e, sub;

    if (idx < EXACT_LIMIT)
        return idx;
    e = (idx - EXACT_LIMIT) / SUB_COUNT + 8;
    sub = (idx - EXACT_LIMIT) % SUB_COUNT;
    return (uint64_t)(SUB_COUNT + sub) << (e - SUB_BITS);
}

uint64_t metrics__bucket_mid(uint32_t idx)
{
    uint64_t low = metrics__bucket_low(idx);
    uint64_t width;

    if (idx < EXACT_LIMIT)
        return low;
    width = metrics__bucket_low(idx + 1) - low;
    return low + (width - 1) / 2;
}

uint32_t metrics__bucket_max_index(void)
{
    return metrics__bucket_index(METRICS_HIST_MAX_VALUE);
}

int metrics_hist_new(struct metrics_hist **out)
{
    *out = calloc(1, sizeof(**out));
    return *out ? 0 : METRICS_ENOMEM;
}

void metrics_hist_free(struct metrics_hist *h)
{
    if (!h)
        return;
    free(h->counts);
    free(h);
}

int metrics_hist_clone(const struct metrics_hist *h, struct metrics_hist **out)
{
    struct metrics_hist *c = malloc(sizeof(*c));

    if (!c)
        return METRICS_ENOMEM;
    *c = *h;
    c->counts = NULL;
    if (h->n) {
        c->counts = malloc(h->n * sizeof(*c->counts));
        if (!c->counts) {
            free(c);
            return METRICS_ENOMEM;
        }
        memcpy(c->counts, h->counts, h->n * sizeof(*c->counts));
    }
    *out = c;
    return 0;
}

void metrics_hist_reset(struct metrics_hist *h)
{
    if (h->n)
        memset(h->counts, 0, h->n * sizeof(*h->counts));
    h->count = h->min = h->max = h->sum = 0;
}

/* Makes [idx, idx] part of the covered range.  Grows with some slack so
 * that a drifting latency does not realloc on every new bucket. */
static bool cover(struct metrics_hist *h, uint32_t idx)
{
    uint32_t lo, hi, slack;
    uint64_t *c;

    if (h->n && idx >= h->lo && idx < h->lo + h->n)
        return true;
    if (!h->n) {
        lo = idx;
        hi = idx + 1;
    } else {
        lo = idx < h->lo ? idx : h->lo;
        hi = idx >= h->lo + h->n ? idx + 1 : h->lo + h->n;
    }
    slack = (hi - lo) / 4 + 8;
    if (idx < h->lo || !h->n)
        lo = lo > slack ? lo - slack : 0;
    if (!h->n || idx >= h->lo + h->n)
        hi += slack;
    if (hi > metrics__bucket_max_index() + 1)
        hi = metrics__bucket_max_index() + 1;
    c = calloc(hi - lo, sizeof(*c));
    if (!c)
        return false;
    if (h->n)
        memcpy(c + (h->lo - lo), h->counts, h->n * sizeof(*c));
    free(h->counts);
    h->counts = c;
    h->lo = lo;
    h->n = hi - lo;
    return true;
}

bool metrics_hist_record_n(struct metrics_hist *h, uint64_t value,
                           uint64_t count)
{
    uint32_t idx;

    uint64_t add, sum, total;

    if (value > METRICS_HIST_MAX_VALUE || count == 0)
        return count == 0;
    /* the exact sum and count must not wrap: refuse what would */
    if (__builtin_mul_overflow(value, count, &add) ||
        __builtin_add_overflow(h->sum, add, &sum) ||
        __builtin_add_overflow(h->count, count, &total))
        return false;
    idx = metrics__bucket_index(value);
    if (!cover(h, idx))
        return false;
    h->counts[idx - h->lo] += count;
    if (h->count == 0 || value < h->min)
        h->min = value;
    if (h->count == 0 || value > h->max)
        h->max = value;
    h->count = total;
    h->sum = sum;
    return true;
}

bool metrics_hist_record(struct metrics_hist *h, uint64_t value)
{
    return metrics_hist_record_n(h, value, 1);
}

uint64_t metrics_hist_add(struct metrics_hist *dst,
                          const struct metrics_hist *src)
{
    uint32_t first = UINT32_MAX, last = 0;
    uint64_t sum, total;

    if (!src->count)
        return 0;
    if (__builtin_add_overflow(dst->sum, src->sum, &sum) ||
        __builtin_add_overflow(dst->count, src->count, &total))
        return src->count;
    for (uint32_t i = 0; i < src->n; i++)
        if (src->counts[i]) {
            if (first == UINT32_MAX)
                first = i;
            last = i;
        }
    if (!cover(dst, src->lo + first) || !cover(dst, src->lo + last))
        return src->count;
    for (uint32_t i = first; i <= last; i++)
        dst->counts[src->lo + i - dst->lo] += src->counts[i];
    if (dst->count == 0 || src->min < dst->min)
        dst->min = src->min;
    if (dst->count == 0 || src->max > dst->max)
        dst->max = src->max;
    dst->count = total;
    dst->sum = sum;
    return 0;
}

uint64_t metrics_hist_count(const struct metrics_hist *h)
{
    return h->count;
}

uint64_t metrics__hist_sum(const struct metrics_hist *h)
{
    return h->sum;
}

uint64_t metrics_hist_min(const struct metrics_hist *h)
{
    return h->min;
}

uint64_t metrics_hist_max(const struct metrics_hist *h)
{
    return h->max;
}

double metrics_hist_mean(const struct metrics_hist *h)
{
    return h->count ? (double)h->sum / (double)h->count : 0;
}

uint64_t metrics_hist_percentile(const struct metrics_hist *h, double pct)
{
    uint64_t rank, seen = 0, v;
    double r;

    if (!h->count)
        return 0;
    if (!(pct > 0))
        return h->min;
    if (pct >= 100)
        return h->max;
    r = ceil(pct / 100.0 * (double)h->count);
    rank = r < 1 ? 1 : (uint64_t)r;
    for (uint32_t i = 0; i < h->n; i++) {
        seen += h->counts[i];
        if (seen >= rank) {
            v = metrics__bucket_mid(h->lo + i);
            if (v < h->min)
                v = h->min;
            if (v > h->max)
                v = h->max;
            return v;
        }
    }
    return h->max;
}

bool metrics_hist_foreach(const struct metrics_hist *h,
                          bool (*fn)(uint64_t value, uint64_t count, void *ud),
                          void *ud)
{
    for (uint32_t i = 0; h->count && i < h->n; i++) {
        uint64_t v;

        if (!h->counts[i])
            continue;
        v = metrics__bucket_mid(h->lo + i);
        v = v < h->min ? h->min : v > h->max ? h->max : v;
        if (!fn(v, h->counts[i], ud))
            return false;
    }
    return true;
}

uint64_t metrics_hist_count_le(const struct metrics_hist *h, uint64_t value)
{
    uint32_t last;
    uint64_t seen = 0;

    if (!h->count || value < h->min)
        return 0;
    if (value >= h->max)
        return h->count;
    last = metrics__bucket_index(value);
    for (uint32_t i = 0; i < h->n && h->lo + i <= last; i++)
        seen += h->counts[i];
    return seen;
}

/* ---- encoding: "v1:" + base64(varints) --------------------------------
 * min, max, sum, K, then K pairs (gap to the previous non-empty bucket,
 * count).  The first gap is from index 0. */

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

struct buf {
    unsigned char *p;
    size_t len, cap;
};

static bool put_varint(struct buf *b, uint64_t v)
{
    if (b->len + 10 > b->cap) {
        size_t cap = b->cap * 2 + 64;
        unsigned char *p = realloc(b->p, cap);
        if (!p)
            return false;
        b->p = p;
        b->cap = cap;
    }
    do {
        unsigned char byte = v & 0x7f;
        v >>= 7;
        b->p[b->len++] = byte | (v ? 0x80 : 0);
    } while (v);
    return true;
}

int metrics_hist_encode(const struct metrics_hist *h, char **out)
{
    struct buf b = {0};
    uint64_t k = 0;
    uint32_t prev = 0;
    char *s, *w;
    bool ok;

    for (uint32_t i = 0; i < h->n; i++)
        k += h->counts[i] != 0;
    ok = put_varint(&b, h->min) && put_varint(&b, h->max) &&
         put_varint(&b, h->sum) && put_varint(&b, k);
    for (uint32_t i = 0; ok && i < h->n; i++) {
        if (!h->counts[i])
            continue;
        ok = put_varint(&b, h->lo + i - prev) && put_varint(&b, h->counts[i]);
        prev = h->lo + i;
    }
    s = ok ? malloc(3 + (b.len + 2) / 3 * 4 + 1) : NULL;
    if (!s) {
        free(b.p);
        return METRICS_ENOMEM;
    }
    memcpy(s, "v1:", 3);
    w = s + 3;
    for (size_t i = 0; i < b.len; i += 3) {
        uint32_t v = (uint32_t)b.p[i] << 16;
        if (i + 1 < b.len)
            v |= (uint32_t)b.p[i + 1] << 8;
        if (i + 2 < b.len)
            v |= b.p[i + 2];
        *w++ = b64[(v >> 18) & 63];
        *w++ = b64[(v >> 12) & 63];
        *w++ = i + 1 < b.len ? b64[(v >> 6) & 63] : '=';
        *w++ = i + 2 < b.len ? b64[v & 63] : '=';
    }
    *w = '\0';
    free(b.p);
    *out = s;
    return 0;
}

static int b64val(char c)
{
    const char *p = c ? strchr(b64, c) : NULL;
    return p ? (int)(p - b64) : -1;
}

/* Decodes base64 text into *out (malloc'd).  Returns false when
 * malformed. */
static bool unbase64(const char *s, unsigned char **out, size_t *len)
{
    size_t n = strlen(s), o = 0;
    unsigned char *p;

    if (n % 4)
        return false;
    p = malloc(n / 4 * 3 + 1);
    if (!p)
        return false;
    for (size_t i = 0; i < n; i += 4) {
        int v[4];
        for (int k = 0; k < 4; k++) {
            v[k] = s[i + k] == '=' ? 0 : b64val(s[i + k]);
            if (v[k] < 0 || (s[i + k] == '=' && (i + 4 < n || k < 2))) {
                free(p);
                return false;
            }
        }
        if (s[i + 2] == '=' && s[i + 3] != '=') {
            free(p);
            return false;
        }
        uint32_t w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 |
                     (uint32_t)v[2] << 6 | (uint32_t)v[3];
        p[o++] = (unsigned char)(w >> 16);
        if (s[i + 2] != '=')
            p[o++] = (unsigned char)(w >> 8);
        if (s[i + 3] != '=')
            p[o++] = (unsigned char)w;
    }
    *out = p;
    *len = o;
    return true;
}

static bool get_varint(const unsigned char *p, size_t len, size_t *pos,
                       uint64_t *v)
{
    uint64_t r = 0;

    for (unsigned shift = 0; shift < 64; shift += 7) {
        unsigned char byte;
        if (*pos >= len)
            return false;
        byte = p[(*pos)++];
        if (shift == 63 && (byte & 0x7e))
            return false;
        r |= (uint64_t)(byte & 0x7f) << shift;
        if (!(byte & 0x80)) {
            *v = r;
            return true;
        }
    }
    return false;
}

int metrics_hist_decode(const char *text, struct metrics_hist **out)
{
    unsigned char *p = NULL;
    size_t len = 0, pos = 0;
    uint64_t min, max, sum, k, idx = 0, total = 0;
    uint32_t maxidx = metrics__bucket_max_index();
    uint32_t first = 0, last = 0;
    struct metrics_hist *h = NULL;
    int rc = METRICS_EPARSE;

    if (!text || strncmp(text, "v1:", 3) != 0 || !unbase64(text + 3, &p, &len))
        return METRICS_EPARSE;
    if (!get_varint(p, len, &pos, &min) || !get_varint(p, len, &pos, &max) ||
        !get_varint(p, len, &pos, &sum) || !get_varint(p, len, &pos, &k) ||
        k > maxidx + 1 || min > max || max > METRICS_HIST_MAX_VALUE)
        goto out;
    if (metrics_hist_new(&h)) {
        rc = METRICS_ENOMEM;
        goto out;
    }
    for (uint64_t i = 0; i < k; i++) {
        uint64_t gap, count;
        if (!get_varint(p, len, &pos, &gap) ||
            !get_varint(p, len, &pos, &count) || count == 0 ||
            (i > 0 && gap == 0) || gap > maxidx || idx + gap > maxidx ||
            total + count < total)
            goto out;
        idx += gap;
        if (!cover(h, (uint32_t)idx)) {
            rc = METRICS_ENOMEM;
            goto out;
        }
        h->counts[idx - h->lo] = count;
        total += count;
        if (i == 0)
            first = (uint32_t)idx;
        last = (uint32_t)idx;
    }
    if (pos != len)
        goto out;
    if (k == 0) {
        if (min || max || sum)
            goto out;
    } else {
        /* min and max must sit in the first and last buckets, and the sum
         * between count * min and count * max */
        if (metrics__bucket_index(min) != first ||
            metrics__bucket_index(max) != last)
            goto out;
        if ((double)sum < (double)min * (double)total * 0.999999 ||
            (double)sum > (double)max * (double)total * 1.000001)
            goto out;
    }
    h->count = total;
    h->min = min;
    h->max = max;
    h->sum = sum;
    *out = h;
    h = NULL;
    rc = 0;
out:
    metrics_hist_free(h);
    free(p);
    return rc;
}
