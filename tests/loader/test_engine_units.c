/* The engine's pure parts: outcome classification, the weighted scenario
 * pick, think time, the open model's arrival timeline and the split of a
 * load into the parts of --threads and --shard. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "loader_engine_internal.h"
#include "lgtest.h"

struct curl_case {
    CURLcode code;
    enum metrics_errclass want;
};

static const struct curl_case curl_cases[] = {
    {CURLE_OK, METRICS_ERR_NONE},
    {CURLE_COULDNT_RESOLVE_HOST, METRICS_ERR_DNS},
    {CURLE_COULDNT_RESOLVE_PROXY, METRICS_ERR_DNS},
    {CURLE_COULDNT_CONNECT, METRICS_ERR_CONNECT},
    {CURLE_OPERATION_TIMEDOUT, METRICS_ERR_TIMEOUT},
    {CURLE_SSL_CONNECT_ERROR, METRICS_ERR_TLS},
    {CURLE_SSL_CERTPROBLEM, METRICS_ERR_TLS},
    {CURLE_SSL_CIPHER, METRICS_ERR_TLS},
    {CURLE_SSL_CACERT_BADFILE, METRICS_ERR_TLS},
    {CURLE_SSL_PINNEDPUBKEYNOTMATCH, METRICS_ERR_TLS},
    {CURLE_SSL_INVALIDCERTSTATUS, METRICS_ERR_TLS},
    {CURLE_SSL_CLIENTCERT, METRICS_ERR_TLS},
    {CURLE_PEER_FAILED_VERIFICATION, METRICS_ERR_TLS},
    {CURLE_RECV_ERROR, METRICS_ERR_RESET},
    {CURLE_SEND_ERROR, METRICS_ERR_RESET},
    {CURLE_GOT_NOTHING, METRICS_ERR_RESET},
    {CURLE_PARTIAL_FILE, METRICS_ERR_RESET},
    {CURLE_URL_MALFORMAT, METRICS_ERR_OTHER},
    {CURLE_UNSUPPORTED_PROTOCOL, METRICS_ERR_OTHER},
    {CURLE_WRITE_ERROR, METRICS_ERR_OTHER},
    {CURLE_OUT_OF_MEMORY, METRICS_ERR_OTHER},
    {CURLE_TOO_MANY_REDIRECTS, METRICS_ERR_OTHER},
};

static void test_curl_errclass_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(curl_cases) / sizeof(*curl_cases); i++) {
        enum metrics_errclass got = loader__curl_errclass(curl_cases[i].code);

        if (got != curl_cases[i].want)
            fail_msg("%s: class %d, want %d",
                     curl_easy_strerror(curl_cases[i].code), (int)got,
                     (int)curl_cases[i].want);
    }
}

struct status_case {
    int status;
    const int *expect;
    size_t n_expect;
    enum metrics_errclass want;
};

static const int expect_201[] = {201};
static const int expect_404_200[] = {404, 200};

static const struct status_case status_cases[] = {
    /* no expect: 1xx-3xx succeed, 4xx unexpected, 5xx their own class */
    {100, NULL, 0, METRICS_ERR_NONE},
    {200, NULL, 0, METRICS_ERR_NONE},
    {204, NULL, 0, METRICS_ERR_NONE},
    {301, NULL, 0, METRICS_ERR_NONE},
    {399, NULL, 0, METRICS_ERR_NONE},
    {400, NULL, 0, METRICS_ERR_STATUS},
    {404, NULL, 0, METRICS_ERR_STATUS},
    {429, NULL, 0, METRICS_ERR_STATUS},
    {500, NULL, 0, METRICS_ERR_HTTP_5XX},
    {503, NULL, 0, METRICS_ERR_HTTP_5XX},
    {599, NULL, 0, METRICS_ERR_HTTP_5XX},
    {0, NULL, 0, METRICS_ERR_OTHER},
    /* expect lists what is accepted, nothing else */
    {201, expect_201, 1, METRICS_ERR_NONE},
    {200, expect_201, 1, METRICS_ERR_STATUS},
    {302, expect_201, 1, METRICS_ERR_STATUS},
    {502, expect_201, 1, METRICS_ERR_HTTP_5XX},
    {404, expect_404_200, 2, METRICS_ERR_NONE},
    {200, expect_404_200, 2, METRICS_ERR_NONE},
    {201, expect_404_200, 2, METRICS_ERR_STATUS},
};

static void test_status_errclass_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(status_cases) / sizeof(*status_cases); i++) {
        struct loader_step s;
        enum metrics_errclass got;

        memset(&s, 0, sizeof(s));
        s.expect_status = (int *)status_cases[i].expect;
        s.n_expect_status = status_cases[i].n_expect;
        got = loader__status_errclass(&s, status_cases[i].status);
        if (got != status_cases[i].want)
            fail_msg("case %zu: status %d gives class %d, want %d", i,
                     status_cases[i].status, (int)got,
                     (int)status_cases[i].want);
    }
}

/* Weighted pick with a fixed seed: each scenario's share is within 1 % of
 * its weight's, and the same seed picks the same sequence. */
static void test_pick_distribution(void **state)
{
    struct loader_scenario sc[3];
    struct loader_plan p;
    unsigned weights[3] = {1, 3, 6};
    unsigned counts[3] = {0, 0, 0};
    uint64_t rng = loader__rng_seed(7), rng2 = loader__rng_seed(7);
    const unsigned n = 200000;

    (void)state;
    memset(&p, 0, sizeof(p));
    memset(sc, 0, sizeof(sc));
    for (int i = 0; i < 3; i++)
        sc[i].weight = weights[i];
    p.scenarios = sc;
    p.n_scenarios = 3;
    for (unsigned i = 0; i < n; i++) {
        size_t k = loader__pick_scenario(&p, &rng);

        assert_true(k < 3);
        counts[k]++;
    }
    for (int i = 0; i < 3; i++) {
        double share = (double)counts[i] / n, want = weights[i] / 10.0;

        if (fabs(share - want) > 0.01)
            fail_msg("scenario %d: share %.4f, want %.2f", i, share, want);
    }
    /* determinism per user, difference between users */
    rng = loader__rng_seed(7);
    for (int i = 0; i < 100; i++)
        assert_int_equal(loader__pick_scenario(&p, &rng),
                         loader__pick_scenario(&p, &rng2));
    assert_int_not_equal(loader__rng_seed(1), loader__rng_seed(2));
    /* a single scenario is always picked */
    p.n_scenarios = 1;
    for (int i = 0; i < 100; i++)
        assert_int_equal(loader__pick_scenario(&p, &rng), 0);
}

static void test_think_time_range(void **state)
{
    struct loader_load l;
    uint64_t rng = loader__rng_seed(3), lo = UINT64_MAX, hi = 0;
    double sum = 0;
    const int n = 100000;

    (void)state;
    memset(&l, 0, sizeof(l));
    assert_int_equal(loader__think_ns(&l, &rng), 0);
    l.think_min_s = 1.0;
    l.think_max_s = 3.0;
    for (int i = 0; i < n; i++) {
        uint64_t t = loader__think_ns(&l, &rng);

        lo = t < lo ? t : lo;
        hi = t > hi ? t : hi;
        sum += (double)t;
    }
    assert_true(lo >= UINT64_C(1000000000));
    assert_true(hi <= UINT64_C(3000000000));
    /* spread over the whole range, centred */
    assert_true(lo < UINT64_C(1010000000));
    assert_true(hi > UINT64_C(2990000000));
    assert_true(fabs(sum / n / 1e9 - 2.0) < 0.02);
    /* a fixed think time */
    l.think_min_s = l.think_max_s = 0.25;
    assert_int_equal(loader__think_ns(&l, &rng), UINT64_C(250000000));
}

static void test_arrivals_constant(void **state)
{
    struct loader_load l;
    double t;

    (void)state;
    memset(&l, 0, sizeof(l));
    assert_false(loader__arrival_time(&l, 0, &t));
    l.rate = 200;
    assert_true(loader__arrival_time(&l, 0, &t));
    assert_true(fabs(t) < 1e-12);
    assert_true(loader__arrival_time(&l, 200, &t));
    assert_true(fabs(t - 1.0) < 1e-9);
    assert_true(loader__arrival_time(&l, 1001, &t));
    assert_true(fabs(t - 5.005) < 1e-9);
}

/* Ramp 0 -> 100/s over 10 s (500 arrivals), then 100/s for 5 s (500
 * more), then down to 0 over 10 s (500 more). */
static void test_arrivals_stages(void **state)
{
    struct loader_stage st[3] = {{10, 100}, {5, 100}, {10, 0}};
    struct loader_load l;
    double t, prev = -1;

    (void)state;
    memset(&l, 0, sizeof(l));
    l.stages = st;
    l.n_stages = 3;
    assert_true(fabs(loader__stages_length(&l) - 25) < 1e-12);
    /* N(t) = 5 t^2 in the ramp: arrival 125 at t = 5 */
    assert_true(loader__arrival_time(&l, 125, &t));
    assert_true(fabs(t - 5.0) < 1e-9);
    assert_true(loader__arrival_time(&l, 500, &t));
    assert_true(fabs(t - 10.0) < 1e-9);
    assert_true(loader__arrival_time(&l, 750, &t));
    assert_true(fabs(t - 12.5) < 1e-9);
    /* ramp down: N = 1000 + 100 u - 5 u^2; 1375 at u = 5 */
    assert_true(loader__arrival_time(&l, 1375, &t));
    assert_true(fabs(t - 20.0) < 1e-9);
    assert_true(loader__arrival_time(&l, 1500, &t));
    assert_true(fabs(t - 25.0) < 1e-6);
    assert_false(loader__arrival_time(&l, 1501, &t));
    for (uint64_t k = 0; k <= 1500; k++) {
        assert_true(loader__arrival_time(&l, k, &t));
        assert_true(t >= prev);
        prev = t;
    }
    /* the last rate is held after the last stage */
    st[2].rate = 50; /* 10 s from 100 to 50: 750 arrivals */
    assert_true(loader__arrival_time(&l, 1750 + 50, &t));
    assert_true(fabs(t - 26.0) < 1e-9);
}

/* loader_load_split(), for --threads and --shard alike: the parts' counts
 * sum to the whole, the first (whole % n) parts getting one more; every
 * rate, spawn_rate included, is divided (the loops of --threads once each
 * spawned users at the whole spawn_rate); the rest is kept. */
static void test_load_split(void **state)
{
    static const struct {
        unsigned users, max_in_flight;
        uint64_t requests, iterations;
        double rate, spawn_rate;
        bool stages;
    } loads[] = {
        {10, 0, 0, 0, 0, 10, false}, /* closed, ramped */
        {1001, 0, 7, 1000003, 0, 3, false},
        {7, 0, 0, 0, 0, 0, false},     /* all at once */
        {0, 0, 99, 0, 500, 0, false},  /* open: default cap */
        {0, 13, 13, 0, 0.5, 0, false}, /* open: its own cap */
        {3, 100, 0, 0, 50, 0, false},  /* users beside a cap */
        {0, 0, 0, 0, 0, 0, true},      /* stages */
        /* too few to split 7 ways: 0 would mean "no limit" */
        {5, 0, 0, 0, 0, 1, false},
        {20, 0, 0, 5, 0, 1, false},
        {0, 0, 3, 0, 100, 0, false},
        {0, 4, 0, 0, 10, 0, false},
    };
    static const unsigned parts[] = {1, 2, 3, 7};
    unsigned refused = 0;
    char err[200];

    (void)state;
    for (size_t c = 0; c < sizeof(loads) / sizeof(*loads); c++) {
        for (size_t pn = 0; pn < sizeof(parts) / sizeof(*parts); pn++) {
            struct loader_stage st[3] = {{10, 0}, {5, 70}, {10, 0}}, room[3];
            struct loader_load in, out;
            unsigned n = parts[pn];
            uint64_t users = 0, cap = 0, req = 0, it = 0;
            double rate = 0, spawn = 0, srate = 0;
            bool open;
            int rc = 0;

            memset(&in, 0, sizeof(in));
            in.users = loads[c].users;
            in.max_in_flight = loads[c].max_in_flight;
            in.requests = loads[c].requests;
            in.iterations = loads[c].iterations;
            in.rate = loads[c].rate;
            in.spawn_rate = loads[c].spawn_rate;
            in.duration_s = 30;
            in.warmup_s = 5;
            in.think_min_s = 1;
            in.think_max_s = 3;
            if (loads[c].stages) {
                in.stages = st;
                in.n_stages = 3;
            }
            open = in.rate > 0 || in.n_stages > 0;
            in.model = open ? LOADER_MODEL_OPEN : LOADER_MODEL_CLOSED;
            for (unsigned i = 0; i < n; i++) {
                memset(&out, 0xff, sizeof(out));
                out.stages = room;
                rc = loader_load_split(&in, i, n, &out, err, sizeof(err));
                if ((in.users && in.users < n && !(open && in.max_in_flight)) ||
                    (in.requests && in.requests < n) ||
                    (in.iterations && in.iterations < n) ||
                    (in.max_in_flight && in.max_in_flight < n)) {
                    print_message("load %zu into %u: %s\n", c, n, err);
                    assert_int_equal(rc, LOADER_EINVAL);
                    assert_non_null(strstr(err, "cannot be split into"));
                    goto next;
                }
                assert_int_equal(rc, 0);
                /* a part differs from whole / n by at most one, the
                 * first parts getting the remainder */
                assert_int_equal(out.users, in.users / n + (i < in.users % n));
                assert_int_equal(out.requests,
                                 in.requests / n + (i < in.requests % n));
                assert_int_equal(out.iterations,
                                 in.iterations / n + (i < in.iterations % n));
                if (open && !in.max_in_flight && !in.users)
                    assert_int_equal(
                        out.max_in_flight,
                        LOADER_MAX_IN_FLIGHT_DEFAULT / n +
                            (i < LOADER_MAX_IN_FLIGHT_DEFAULT % n));
                else
                    assert_int_equal(out.max_in_flight,
                                     in.max_in_flight / n +
                                         (i < in.max_in_flight % n));
                users += out.users;
                cap += out.max_in_flight;
                req += out.requests;
                it += out.iterations;
                rate += out.rate;
                spawn += out.spawn_rate;
                assert_true(out.duration_s == 30 && out.warmup_s == 5);
                assert_true(out.think_min_s == 1 && out.think_max_s == 3);
                assert_int_equal(out.n_stages, in.n_stages);
                if (in.n_stages) {
                    assert_ptr_equal(out.stages, room);
                    for (size_t k = 0; k < 3; k++) {
                        assert_true(room[k].duration_s == st[k].duration_s);
                        assert_true(fabs(room[k].rate * n - st[k].rate) < 1e-9);
                    }
                    srate += room[1].rate;
                } else {
                    assert_null(out.stages);
                }
            }
            assert_int_equal(users, in.users);
            assert_int_equal(req, in.requests);
            assert_int_equal(it, in.iterations);
            if (in.max_in_flight || !open || in.users)
                assert_int_equal(cap, in.max_in_flight);
            else
                assert_int_equal(cap, LOADER_MAX_IN_FLIGHT_DEFAULT);
            assert_true(fabs(rate - in.rate) < 1e-9);
            assert_true(fabs(spawn - in.spawn_rate) < 1e-9);
            if (in.n_stages)
                assert_true(fabs(srate - 70) < 1e-9);
        next:
            refused += rc != 0;
        }
    }
    assert_int_equal(refused, 4); /* each of the last four into 7 */
    /* in place, as `run --shard` does it */
    {
        struct loader_stage st[1] = {{60, 90}};
        struct loader_load l;

        memset(&l, 0, sizeof(l));
        l.model = LOADER_MODEL_OPEN;
        l.users = 10;
        l.stages = st;
        l.n_stages = 1;
        l.requests = 1000;
        assert_int_equal(loader_load_split(&l, 2, 3, &l, err, sizeof(err)), 0);
        assert_int_equal(l.users, 3);
        assert_int_equal(l.requests, 333);
        assert_ptr_equal(l.stages, st);
        assert_true(st[0].rate == 30 && st[0].duration_s == 60);
    }
    /* no such part, no room for the stages */
    {
        struct loader_stage st[1] = {{60, 90}};
        struct loader_load in, out;

        memset(&in, 0, sizeof(in));
        in.users = 4;
        assert_int_equal(loader_load_split(&in, 3, 3, &out, err, sizeof(err)),
                         LOADER_EINVAL);
        assert_int_equal(loader_load_split(&in, 0, 0, &out, err, sizeof(err)),
                         LOADER_EINVAL);
        in.stages = st;
        in.n_stages = 1;
        out.stages = NULL;
        assert_int_equal(loader_load_split(&in, 0, 2, &out, err, sizeof(err)),
                         LOADER_EINVAL);
    }
}

/* loader_plan_check(): what every plan must hold, whoever built it.  A
 * valid plan passes; each case breaks one rule and names it. */
enum plan_break {
    PB_NONE,
    PB_TARGET,
    PB_ENGINE_REDIRECTS,
    PB_TIMEOUT,
    PB_NO_STEPS,
    PB_WEIGHT,
    PB_OPEN_NO_RATE,
    PB_CLOSED_WITH_RATE,
    PB_NO_USERS,
    PB_OPEN_ITERATIONS,
    PB_NEGATIVE,
    PB_THINK_ORDER,
    PB_STAGE_ZERO,
    PB_STAGES_ALL_ZERO,
    PB_NO_STOP,
};

static void test_plan_check(void **state)
{
    static const struct {
        enum plan_break brk;
        const char *frag;
    } cases[] = {
        {PB_NONE, NULL},
        {PB_TARGET, "no target"},
        {PB_ENGINE_REDIRECTS, "does not follow redirects"},
        {PB_TIMEOUT, "timeout"},
        {PB_NO_STEPS, "scenario 's' has no steps"},
        {PB_WEIGHT, "weight 0"},
        {PB_OPEN_NO_RATE, "the open model needs a rate or stages"},
        {PB_CLOSED_WITH_RATE, "make the open model"},
        {PB_NO_USERS, "starts no users"},
        {PB_OPEN_ITERATIONS, "'iterations'"},
        {PB_NEGATIVE, "negative time or rate"},
        {PB_THINK_ORDER, "negative time or rate"},
        {PB_STAGE_ZERO, "stage 2 needs a duration"},
        {PB_STAGES_ALL_ZERO, "every stage has rate 0"},
        {PB_NO_STOP, "neither a duration nor a number of requests"},
    };
    char err[256];

    (void)state;
    assert_int_equal(loader_plan_check(NULL, err, sizeof(err)), LOADER_EINVAL);
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        struct loader_step step = {0};
        struct loader_scenario sc = {0};
        struct loader_stage st[2] = {{10, 0}, {5, 50}};
        struct loader_plan p = {0};
        int rc;

        p.target = "http://127.0.0.1:1";
        p.timeout_s = 10;
        sc.name = "s";
        sc.weight = 1;
        sc.steps = &step;
        sc.n_steps = 1;
        p.scenarios = &sc;
        p.n_scenarios = 1;
        p.load.model = LOADER_MODEL_CLOSED;
        p.load.users = 2;
        p.load.duration_s = 1;
        switch (cases[i].brk) {
        case PB_NONE:
            break;
        case PB_TARGET:
            p.target = "";
            break;
        case PB_ENGINE_REDIRECTS:
            p.engine = LOADER_ENGINE_FAST;
            p.follow_redirects = true;
            break;
        case PB_TIMEOUT:
            p.timeout_s = 0;
            break;
        case PB_NO_STEPS:
            sc.n_steps = 0;
            break;
        case PB_WEIGHT:
            sc.weight = 0;
            break;
        case PB_OPEN_NO_RATE:
            p.load.model = LOADER_MODEL_OPEN;
            break;
        case PB_CLOSED_WITH_RATE:
            p.load.rate = 10;
            break;
        case PB_NO_USERS:
            p.load.users = 0;
            break;
        case PB_OPEN_ITERATIONS:
            p.load.model = LOADER_MODEL_OPEN;
            p.load.rate = 10;
            p.load.iterations = 5;
            break;
        case PB_NEGATIVE:
            p.load.warmup_s = -1;
            break;
        case PB_THINK_ORDER:
            p.load.think_min_s = 3;
            p.load.think_max_s = 1;
            break;
        case PB_STAGE_ZERO:
        case PB_STAGES_ALL_ZERO:
            p.load.model = LOADER_MODEL_OPEN;
            p.load.stages = st;
            p.load.n_stages = 2;
            if (cases[i].brk == PB_STAGE_ZERO)
                st[1].duration_s = 0; /* a stage of no time */
            else
                st[1].rate = 0; /* no stage with a rate */
            break;
        case PB_NO_STOP:
            p.load.duration_s = 0;
            break;
        }
        rc = loader_plan_check(&p, err, sizeof(err));
        if (!cases[i].frag) {
            assert_int_equal(rc, 0);
            continue;
        }
        print_message("case %zu: %s\n", i, err);
        assert_int_equal(rc, LOADER_EINVAL);
        assert_non_null(strstr(err, cases[i].frag));
    }
}

/* libcurl's allocator (loader_curl_mem.c): blocks keep their contents
 * through realloc, calloc zeroes a reused dirty block, a freed block is
 * reused only while a transport holds the cache, and blocks outlive a
 * release.  ASan checks the bounds of every block. */
static void test_curl_mem(void **state)
{
    static const size_t sizes[] = {0,    1,    15,   16,   17,
                                   1000, 4095, 4096, 4097, 70000};
    unsigned char *b, *c;
    char *d;

    (void)state;
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        size_t n = sizes[i];

        b = loader__mem_malloc(n);
        assert_non_null(b);
        assert_int_equal((uintptr_t)b % 16, 0);
        memset(b, 0xa5, n);
        /* grow within the class, past it, into and out of large blocks */
        b = loader__mem_realloc(b, n + 1);
        assert_non_null(b);
        b[n] = 0xa5;
        b = loader__mem_realloc(b, n * 3 + 5000);
        assert_non_null(b);
        for (size_t k = 0; k <= n; k++)
            assert_int_equal(b[k], 0xa5);
        b = loader__mem_realloc(b, n / 2 + 1);
        assert_non_null(b);
        for (size_t k = 0; k <= n / 2; k++)
            assert_int_equal(b[k], 0xa5);
        loader__mem_free(b);
    }
    loader__mem_free(NULL);
    assert_null(loader__mem_calloc(SIZE_MAX / 2, 3));
    assert_null(loader__mem_malloc(SIZE_MAX - 4));

    loader__curl_mem_hold();
    b = loader__mem_malloc(100);
    memset(b, 0xff, 100);
    loader__mem_free(b);
    c = loader__mem_malloc(112); /* the same 112-byte class: reused */
    assert_ptr_equal(b, c);
    loader__mem_free(c);
    c = loader__mem_calloc(10, 10); /* reused, and zeroed */
    assert_ptr_equal(b, c);
    for (size_t k = 0; k < 100; k++)
        assert_int_equal(c[k], 0);
    d = loader__mem_strdup("kept across the release");
    loader__curl_mem_hold(); /* nested: the cache stays until the last */
    loader__curl_mem_release();
    loader__mem_free(c);
    assert_ptr_equal(loader__mem_malloc(97), c);
    loader__curl_mem_release();
    loader__curl_mem_release(); /* one too many: ignored */
    assert_string_equal(d, "kept across the release");
    loader__mem_free(d);
    loader__mem_free(c);
}

/* The fine timeline's slots: about 60 below 60 s (a 30 s run: 500 ms,
 * twice its seconds for the verdict's windows), none from 60 s on. */
static void test_fine_slots(void **state)
{
    (void)state;
    assert_int_equal(loader__fine_ms(0), 100);
    assert_int_equal(loader__fine_ms(6), 100);
    assert_int_equal(loader__fine_ms(10), 125);
    assert_int_equal(loader__fine_ms(15), 250);
    assert_int_equal(loader__fine_ms(30), 500);
    assert_int_equal(loader__fine_ms(59), 500);
    assert_int_equal(loader__fine_ms(60), 0);
    assert_int_equal(loader__fine_ms(600), 0);
}

/* A wait ends at its deadline to the microsecond, not rounded up to a
 * millisecond: an open-model arrival is sent on time.  The shortest of
 * 20 waits of 200 us, so that a loaded machine cannot fail it. */
static void test_wait_precise(void **state)
{
    struct loader__engine e;
    char errbuf[128];
    struct epoll_event ev[4];
    uint64_t best = UINT64_MAX;
    int epfd = epoll_create1(EPOLL_CLOEXEC);

    (void)state;
    assert_true(epfd >= 0);
    memset(&e, 0, sizeof(e));
    e.errbuf = errbuf;
    e.errlen = sizeof(errbuf);
    prctl(PR_SET_TIMERSLACK, LOADER__TIMER_SLACK_NS, 0, 0, 0);
    for (int i = 0; i < 20; i++) {
        uint64_t t0 = mono_ns(), took;

        assert_int_equal(loader__epoll_wait(&e, epfd, ev, 4, t0, t0 + 200000u),
                         0);
        took = mono_ns() - t0;
        assert_true(took >= 200000u);
        if (took < best)
            best = took;
    }
    assert_true(best < 700000u);
    close(epfd);
}

/* The nap: with fewer events than asked for, it sleeps and looks again,
 * and what the first look saw is seen again (level-triggered); with
 * enough, it returns at once. */
static void test_nap(void **state)
{
    struct loader__engine e;
    char errbuf[128];
    struct epoll_event ev[4], add;
    int fds[2], epfd = epoll_create1(EPOLL_CLOEXEC);
    uint64_t t0, took;

    (void)state;
    assert_true(epfd >= 0);
    assert_int_equal(pipe(fds), 0);
    memset(&e, 0, sizeof(e));
    e.errbuf = errbuf;
    e.errlen = sizeof(errbuf);
    memset(&add, 0, sizeof(add));
    add.events = EPOLLIN;
    add.data.u64 = 7;
    assert_int_equal(epoll_ctl(epfd, EPOLL_CTL_ADD, fds[0], &add), 0);

    t0 = mono_ns(); /* nothing: naps, and still nothing */
    assert_int_equal(loader__epoll_nap(&e, epfd, ev, 4, 20000000u, 1), 0);
    assert_true(mono_ns() - t0 >= 20000000u);

    assert_int_equal(write(fds[1], "x", 1), 1);
    t0 = mono_ns(); /* one event, four wanted: naps, then sees it again */
    assert_int_equal(loader__epoll_nap(&e, epfd, ev, 4, 20000000u, 4), 1);
    assert_true(mono_ns() - t0 >= 20000000u);
    assert_true(ev[0].data.u64 == 7);

    t0 = mono_ns(); /* one wanted: no nap */
    assert_int_equal(loader__epoll_nap(&e, epfd, ev, 4, 200000000u, 1), 1);
    took = mono_ns() - t0;
    assert_true(took < 150000000u);
    close(fds[0]);
    close(fds[1]);
    close(epfd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_curl_errclass_table),
        cmocka_unit_test(test_fine_slots),
        cmocka_unit_test(test_wait_precise),
        cmocka_unit_test(test_nap),
        cmocka_unit_test(test_curl_mem),
        cmocka_unit_test(test_status_errclass_table),
        cmocka_unit_test(test_pick_distribution),
        cmocka_unit_test(test_think_time_range),
        cmocka_unit_test(test_arrivals_constant),
        cmocka_unit_test(test_arrivals_stages),
        cmocka_unit_test(test_load_split),
        cmocka_unit_test(test_plan_check),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
