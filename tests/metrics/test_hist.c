/* The histogram: bucket precision, the pinned percentile definition,
 * merge, and the encoding (including hostile input). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "metrics_internal.h"

static struct metrics_hist *hist(void)
{
    struct metrics_hist *h = NULL;
    assert_int_equal(metrics_hist_new(&h), 0);
    return h;
}

static void test_bucket_precision(void **state)
{
    (void)state;
    /* every value maps into a bucket whose midpoint is within 0.4 % */
    for (uint64_t v = 0; v < 2000000; v += (v < 1000 ? 1 : v / 997 + 1)) {
        uint32_t i = metrics__bucket_index(v);
        uint64_t mid = metrics__bucket_mid(i);
        assert_true(metrics__bucket_low(i) <= v);
        assert_true(v < metrics__bucket_low(i + 1));
        if (v < 256)
            assert_int_equal(mid, v);
        else
            assert_true(fabs((double)mid - (double)v) / (double)v <= 0.004);
    }
    assert_int_equal(metrics__bucket_index(255), 255);
    assert_int_equal(metrics__bucket_index(256), 256);
    assert_int_equal(metrics__bucket_index(511), 383);
    assert_int_equal(metrics__bucket_index(512), 384);
}

/* The pinned definition: rank = max(1, ceil(p/100 * n)). */
static void test_percentile_exact(void **state)
{
    static const struct {
        double pct;
        uint64_t want;
    } cases[] = {{0, 1},   {1, 1},   {10, 10}, {50, 50},    {50.5, 51},
                 {90, 90}, {95, 95}, {99, 99}, {99.9, 100}, {100, 100}};
    struct metrics_hist *h = hist();

    (void)state;
    for (uint64_t v = 1; v <= 100; v++)
        assert_true(metrics_hist_record(h, v));
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++)
        assert_int_equal(metrics_hist_percentile(h, cases[i].pct),
                         cases[i].want);
    assert_int_equal(metrics_hist_count(h), 100);
    assert_int_equal(metrics_hist_min(h), 1);
    assert_int_equal(metrics_hist_max(h), 100);
    assert_true(fabs(metrics_hist_mean(h) - 50.5) < 1e-9);
    metrics_hist_free(h);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void test_percentile_against_sorted(void **state)
{
    enum { N = 20000 };
    static uint64_t v[N];
    static const double pcts[] = {1, 25, 50, 75, 90, 95, 99, 99.9};
    struct metrics_hist *h = hist();
    uint64_t x = 88172645463325252ULL;

    (void)state;
    for (int i = 0; i < N; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17; /* xorshift */
        /* a long tail: 1 ms to ~30 s */
        v[i] = 1000 + (uint64_t)(exp((double)(x % 10000) / 1000.0) * 1000);
        metrics_hist_record(h, v[i]);
    }
    qsort(v, N, sizeof(*v), cmp_u64);
    for (size_t i = 0; i < sizeof(pcts) / sizeof(*pcts); i++) {
        size_t rank = (size_t)ceil(pcts[i] / 100 * N);
        double want = (double)v[rank - 1];
        double got = (double)metrics_hist_percentile(h, pcts[i]);
        assert_true(fabs(got - want) / want < 0.005);
    }
    assert_int_equal(metrics_hist_max(h), v[N - 1]);
    assert_int_equal(metrics_hist_min(h), v[0]);
    metrics_hist_free(h);
}

/* Cumulative counts for Prometheus' le buckets: exact below 256, within
 * one bucket above, never decreasing, everything at max. */
static void test_count_le(void **state)
{
    enum { N = 20000 };
    static uint64_t v[N];
    struct metrics_hist *h = hist();
    uint64_t x = 2463534242ULL, prev = 0;

    (void)state;
    assert_int_equal(metrics_hist_count_le(h, 1000), 0);
    for (int i = 0; i < N; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        v[i] = 1 + x % 300000; /* 1 us to 0.3 s */
        metrics_hist_record(h, v[i]);
    }
    qsort(v, N, sizeof(*v), cmp_u64);
    for (uint64_t le = 0; le < 400000; le += le < 300 ? 1 : le / 50) {
        uint64_t got = metrics_hist_count_le(h, le), below = 0, within = 0;

        for (int i = 0; i < N; i++) {
            below += v[i] <= le;
            /* the values sharing le's bucket may count too */
            within += v[i] <= le ||
                      metrics__bucket_index(v[i]) == metrics__bucket_index(le);
        }
        if (le < 256 || le >= v[N - 1])
            assert_int_equal(got, below);
        assert_true(got >= below && got <= within);
        assert_true(got >= prev);
        prev = got;
    }
    assert_int_equal(metrics_hist_count_le(h, v[0] - 1), 0);
    assert_int_equal(metrics_hist_count_le(h, v[N - 1]), N);
    assert_int_equal(metrics_hist_count_le(h, UINT64_MAX), N);
    metrics_hist_free(h);
}

static void test_merge_is_union(void **state)
{
    struct metrics_hist *a = hist(), *b = hist(), *u = hist();

    (void)state;
    for (uint64_t i = 0; i < 5000; i++) {
        uint64_t va = 100 + i * 7, vb = 900000 + i * 131;
        metrics_hist_record(a, va);
        metrics_hist_record(b, vb);
        metrics_hist_record(u, va);
        metrics_hist_record(u, vb);
    }
    assert_int_equal(metrics_hist_add(a, b), 0);
    assert_int_equal(metrics_hist_count(a), metrics_hist_count(u));
    for (double p = 0; p <= 100; p += 2.5)
        assert_int_equal(metrics_hist_percentile(a, p),
                         metrics_hist_percentile(u, p));
    assert_true(metrics_hist_mean(a) == metrics_hist_mean(u));
    metrics_hist_free(a);
    metrics_hist_free(b);
    metrics_hist_free(u);
}

static void test_range_and_empty(void **state)
{
    struct metrics_hist *h = hist();

    (void)state;
    assert_int_equal(metrics_hist_percentile(h, 50), 0);
    assert_int_equal(metrics_hist_mean(h), 0);
    assert_false(metrics_hist_record(h, METRICS_HIST_MAX_VALUE + 1));
    assert_int_equal(metrics_hist_count(h), 0);
    assert_true(metrics_hist_record(h, METRICS_HIST_MAX_VALUE));
    assert_true(metrics_hist_record(h, 0));
    assert_int_equal(metrics_hist_max(h), METRICS_HIST_MAX_VALUE);
    assert_int_equal(metrics_hist_percentile(h, 50), 0);
    metrics_hist_reset(h);
    assert_int_equal(metrics_hist_count(h), 0);
    metrics_hist_free(h);
    metrics_hist_free(NULL);
}

static void test_encode_round_trip(void **state)
{
    struct metrics_hist *h = hist(), *d = NULL, *e = NULL;
    char *text = NULL;

    (void)state;
    assert_int_equal(metrics_hist_encode(h, &text), 0);
    assert_int_equal(metrics_hist_decode(text, &e), 0);
    assert_int_equal(metrics_hist_count(e), 0);
    free(text);
    for (uint64_t v = 3; v < 3000000; v = v * 3 / 2 + 1)
        metrics_hist_record_n(h, v, v % 5 + 1);
    assert_int_equal(metrics_hist_encode(h, &text), 0);
    assert_memory_equal(text, "v1:", 3);
    assert_int_equal(metrics_hist_decode(text, &d), 0);
    assert_int_equal(metrics_hist_count(d), metrics_hist_count(h));
    assert_int_equal(metrics_hist_min(d), metrics_hist_min(h));
    assert_int_equal(metrics_hist_max(d), metrics_hist_max(h));
    assert_true(metrics_hist_mean(d) == metrics_hist_mean(h));
    for (double p = 0; p <= 100; p += 0.5)
        assert_int_equal(metrics_hist_percentile(d, p),
                         metrics_hist_percentile(h, p));
    free(text);
    metrics_hist_free(h);
    metrics_hist_free(d);
    metrics_hist_free(e);
}

static void test_decode_hostile(void **state)
{
    static const char *const bad[] = {
        "",
        "v1",
        "v2:AAAA",
        "v1:A",
        "v1:A===",
        "v1:####",
        "v1:AAA=AAAA",
        "v1://///////w==",
        "v1:AQEBAQ==", /* min 1 max 1 sum 1, K=1 then truncated */
        "v1:AQIDAQEB", /* buckets disagree with min/max */
        "v1:AgEDAA==", /* min 2 > max 1 */
        "v1:AAAAAQAA", /* a bucket with count 0 */
    };
    struct metrics_hist *h = NULL;

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        h = NULL;
        assert_int_equal(metrics_hist_decode(bad[i], &h), METRICS_EPARSE);
        assert_null(h);
    }
    assert_int_equal(metrics_hist_decode(NULL, &h), METRICS_EPARSE);
}

/* Every truncation and every single-character change of a valid encoding
 * either decodes to a consistent histogram or is METRICS_EPARSE. */
static void test_decode_mutations(void **state)
{
    static const char alphabet[] = "AZaz09+/=:v#";
    struct metrics_hist *h = hist(), *d;
    char *text = NULL, *m;
    size_t len, rejected = 0;

    (void)state;
    for (uint64_t v = 10; v < 200000; v = v * 5 / 3 + 7)
        metrics_hist_record_n(h, v, v % 3 + 1);
    assert_int_equal(metrics_hist_encode(h, &text), 0);
    len = strlen(text);
    m = malloc(len + 1);
    assert_non_null(m);
    for (size_t cut = 0; cut < len; cut++) {
        memcpy(m, text, cut);
        m[cut] = '\0';
        d = NULL;
        int rc = metrics_hist_decode(m, &d);
        /* a shorter valid base64 string cannot carry the same data */
        assert_int_equal(rc, METRICS_EPARSE);
        assert_null(d);
    }
    for (size_t i = 0; i < len; i++)
        for (size_t a = 0; a < sizeof(alphabet) - 1; a++) {
            if (text[i] == alphabet[a])
                continue;
            memcpy(m, text, len + 1);
            m[i] = alphabet[a];
            d = NULL;
            int rc = metrics_hist_decode(m, &d);
            if (rc == 0) {
                /* accepted: it must be self-consistent */
                assert_true(metrics_hist_min(d) <= metrics_hist_max(d));
                assert_true(metrics_hist_percentile(d, 50) >=
                            metrics_hist_min(d));
                assert_true(metrics_hist_percentile(d, 50) <=
                            metrics_hist_max(d));
                metrics_hist_free(d);
            } else {
                assert_int_equal(rc, METRICS_EPARSE);
                assert_null(d);
                rejected++;
            }
        }
    assert_true(rejected > 0);
    free(m);
    free(text);
    metrics_hist_free(h);
}

/* The exact sum and count never wrap: a record that would is refused and
 * leaves the histogram as it was. */
struct seen {
    uint64_t v[4096], n[4096];
    size_t len, stop_at;
};

static bool collect(uint64_t v, uint64_t n, void *ud)
{
    struct seen *s = ud;

    if (s->len == s->stop_at)
        return false;
    s->v[s->len] = v;
    s->n[s->len++] = n;
    return true;
}

/* Every bucket once, ascending, with the value a percentile reports for
 * the ranks it holds. */
static void test_foreach(void **state)
{
    struct metrics_hist *h = NULL;
    static struct seen s;
    uint64_t total = 0, rank = 0;

    (void)state;
    assert_int_equal(metrics_hist_new(&h), 0);
    s.stop_at = SIZE_MAX;
    assert_true(metrics_hist_foreach(h, collect, &s)); /* empty */
    assert_int_equal(s.len, 0);
    for (uint64_t i = 0; i < 5000; i++)
        assert_true(metrics_hist_record(h, 100 + (i * 7919) % 900000));
    assert_true(metrics_hist_foreach(h, collect, &s));
    for (size_t i = 0; i < s.len; i++) {
        assert_true(s.n[i] > 0);
        if (i)
            assert_true(s.v[i] > s.v[i - 1]);
        /* the first and the last rank of the bucket */
        assert_int_equal(
            metrics_hist_percentile(h, 100.0 * ((double)rank + 0.5) / 5000.0),
            s.v[i]);
        rank += s.n[i];
        assert_int_equal(
            metrics_hist_percentile(h, 100.0 * ((double)rank - 0.5) / 5000.0),
            s.v[i]);
        total += s.n[i];
    }
    assert_int_equal(total, 5000);
    assert_true(s.v[0] >= metrics_hist_min(h));
    assert_true(s.v[s.len - 1] <= metrics_hist_max(h));
    /* stopped by the callback */
    s.len = 0;
    s.stop_at = 3;
    assert_false(metrics_hist_foreach(h, collect, &s));
    assert_int_equal(s.len, 3);
    metrics_hist_free(h);
}

static void test_overflow_refused(void **state)
{
    struct metrics_hist *h = hist(), *g = hist();

    (void)state;
    assert_true(
        metrics_hist_record_n(h, METRICS_HIST_MAX_VALUE, UINT64_C(1) << 21));
    assert_false(
        metrics_hist_record_n(h, METRICS_HIST_MAX_VALUE, UINT64_C(1) << 22));
    assert_false(metrics_hist_record_n(h, 2, UINT64_MAX));
    assert_int_equal(metrics_hist_count(h), UINT64_C(1) << 21);
    assert_true(metrics_hist_mean(h) == (double)METRICS_HIST_MAX_VALUE);
    assert_true(metrics_hist_record_n(g, METRICS_HIST_MAX_VALUE,
                                      (UINT64_C(1) << 22) - 1));
    /* 2^21 + 2^22 - 1 values of 2^42 do not fit in 64 bits of sum */
    assert_int_equal(metrics_hist_add(h, g), (UINT64_C(1) << 22) - 1);
    assert_int_equal(metrics_hist_count(h), UINT64_C(1) << 21);
    assert_int_equal(metrics_hist_record_n(h, 5, 0), true);
    metrics_hist_free(h);
    metrics_hist_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bucket_precision),
        cmocka_unit_test(test_percentile_exact),
        cmocka_unit_test(test_percentile_against_sorted),
        cmocka_unit_test(test_count_le),
        cmocka_unit_test(test_merge_is_union),
        cmocka_unit_test(test_range_and_empty),
        cmocka_unit_test(test_encode_round_trip),
        cmocka_unit_test(test_decode_hostile),
        cmocka_unit_test(test_decode_mutations),
        cmocka_unit_test(test_foreach),
        cmocka_unit_test(test_overflow_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
