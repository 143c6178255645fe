/* The demo service's pure parts: routes, path matching, --slow names and
 * arguments, agent ids, the latency model and the timer heap. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "demo_internal.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void test_route_table(void **state)
{
    static const struct demo_route want[] = {
        {"GET", "/api/health", 10, 3, 0, 0},
        {"POST", "/api/agents/register", 20, 6, 0, 0},
        {"GET", "/api/agents", 25, 8, 0, 0},
        {"POST", "/api/agents/{id}/query", 50, 15, 0, 0},
        {"POST", "/api/agents/{id}/nl-query", 120, 40, 0, 0},
        {"GET", "/api/cost/dashboard", 40, 12, 0, 0},
        {"GET", "/api/failover/stats", 15, 5, 0, 0},
        {"POST", "/graphql", 35, 10, 0, 0},
        {"POST", "/api/agents/{id}/query/stream", 150, 40, 20, 5},
    };
    size_t n = 0;
    const struct demo_route *r = demo_routes(&n);

    (void)state;
    assert_int_equal(n, N(want));
    assert_int_equal(n, DEMO__N_ROUTES);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(r[i].method, want[i].method);
        assert_string_equal(r[i].pattern, want[i].pattern);
        assert_true(r[i].base_ms == want[i].base_ms);
        assert_true(r[i].jitter_ms == want[i].jitter_ms);
        assert_true(r[i].gap_ms == want[i].gap_ms);
        assert_true(r[i].gap_jitter_ms == want[i].gap_jitter_ms);
    }
    assert_ptr_equal(demo_routes(NULL), r);
}

static void test_path_match(void **state)
{
    static const struct {
        const char *pattern, *path;
        bool match;
        const char *seg; /* NULL: none */
    } cases[] = {
        {"/api/health", "/api/health", true, NULL},
        {"/api/health", "/api/health/", false, NULL},
        {"/api/health", "/api/healt", false, NULL},
        {"/api/health", "/api/healthz", false, NULL},
        {"/api/health", "", false, NULL},
        {"/api/agents/{id}/query", "/api/agents/agent-7/query", true,
         "agent-7"},
        {"/api/agents/{id}/query", "/api/agents//query", false, NULL},
        {"/api/agents/{id}/query", "/api/agents/a/b/query", false, NULL},
        {"/api/agents/{id}/query", "/api/agents/x/query/", false, NULL},
        {"/api/agents/{id}/query", "/api/agents/x/nl-query", false, NULL},
        {"/api/agents/{id}/query", "/api/agents/{id}/query", true, "{id}"},
        {"/api/agents/{id}", "/api/agents/", false, NULL},
        {"/api/agents/{id}", "/api/agents/zz", true, "zz"},
        {"/{broken", "/x", false, NULL},
    };

    (void)state;
    for (size_t i = 0; i < N(cases); i++) {
        const char *seg = (const char *)"unset";
        size_t seg_len = 99;
        bool m = demo__path_match(cases[i].pattern, cases[i].path,
                                  strlen(cases[i].path), &seg, &seg_len);

        assert_int_equal(m, cases[i].match);
        if (!m)
            continue;
        if (!cases[i].seg) {
            assert_null(seg);
            assert_int_equal(seg_len, 0);
        } else {
            assert_int_equal(seg_len, strlen(cases[i].seg));
            assert_memory_equal(seg, cases[i].seg, seg_len);
        }
    }
}

static void test_route_find_and_methods(void **state)
{
    static const struct {
        const char *path;
        int route;
        const char *allowed, *refused;
    } cases[] = {
        {"/api/health", DEMO__HEALTH, "HEAD", "POST"},
        {"/api/agents/register", DEMO__REGISTER, "POST", "GET"},
        {"/api/agents", DEMO__AGENTS, "GET", "DELETE"},
        {"/api/agents/agent-1/query", DEMO__QUERY, "POST", "GET"},
        {"/api/agents/bogus/query", DEMO__QUERY, "POST", "HEAD"},
        {"/api/agents/agent-1/nl-query", DEMO__NL_QUERY, "POST", "PUT"},
        {"/api/cost/dashboard", DEMO__COST, "GET", "post"},
        {"/api/failover/stats", DEMO__FAILOVER, "GET", "PATCH"},
        {"/graphql", DEMO__GRAPHQL, "POST", "GET"},
        {"/", -1, NULL, NULL},
        {"/api", -1, NULL, NULL},
        {"/api/agents/", -1, NULL, NULL},
        {"/api/agents/x", -1, NULL, NULL},
        {"/graphql/", -1, NULL, NULL},
        {"/api/agents/agent-1/query/extra", -1, NULL, NULL},
    };

    (void)state;
    for (size_t i = 0; i < N(cases); i++) {
        int r = demo__route_find(cases[i].path, NULL, NULL);

        assert_int_equal(r, cases[i].route);
        if (r < 0) {
            assert_false(demo__method_allowed(r, "GET"));
            continue;
        }
        assert_true(demo__method_allowed(r, demo_routes(NULL)[r].method));
        assert_true(demo__method_allowed(r, cases[i].allowed));
        assert_false(demo__method_allowed(r, cases[i].refused));
        assert_false(demo__method_allowed(r, NULL));
    }
}

static void test_slow_route(void **state)
{
    static const struct {
        const char *name;
        int route;
    } cases[] = {
        {"POST /api/agents/{id}/query", DEMO__QUERY},
        {"post /api/agents/{id}/query", DEMO__QUERY},
        {"  POST   /api/agents/{id}/query  ", DEMO__QUERY},
        {"POST /api/agents/agent-3/query", DEMO__QUERY},
        {"/api/agents/{id}/query", DEMO__QUERY},
        {"/api/agents/{id}/nl-query", DEMO__NL_QUERY},
        {"/api/agents/agent-9/nl-query", DEMO__NL_QUERY},
        {"/graphql", DEMO__GRAPHQL},
        {"POST /graphql", DEMO__GRAPHQL},
        {"GET /api/agents", DEMO__AGENTS},
        {"/api/agents", DEMO__AGENTS},
        {"/api/agents/register", DEMO__REGISTER},
        {"GET /api/health", DEMO__HEALTH},
        {"GET /graphql", DEMO_EINVAL},
        {"POST /api/health", DEMO_EINVAL},
        {"/nope", DEMO_EINVAL},
        {"/api/health/", DEMO_EINVAL},
        {"graphql", DEMO_EINVAL},
        {"GET", DEMO_EINVAL},
        {"GET ", DEMO_EINVAL},
        {"", DEMO_EINVAL},
        {"   ", DEMO_EINVAL},
        {"GETX /api/health", DEMO_EINVAL},
    };

    (void)state;
    for (size_t i = 0; i < N(cases); i++)
        assert_int_equal(demo__slow_route(cases[i].name, strlen(cases[i].name)),
                         cases[i].route);
    /* only name_len bytes count */
    assert_int_equal(demo__slow_route("/graphql=50", 8), DEMO__GRAPHQL);
    assert_int_equal(demo__slow_route("/graphql=50", 11), DEMO_EINVAL);
}

static void test_slow_parse(void **state)
{
    static const struct {
        const char *arg;
        int rc;
        double percent;
    } cases[] = {
        {"POST /api/agents/{id}/query=50", 0, 50},
        {"/graphql=-50", 0, -50},
        {"/graphql=0", 0, 0},
        {"/graphql=12.5", 0, 12.5},
        {"/graphql=50%", 0, 50},
        {"/graphql= 200 ", 0, 200},
        {"/graphql=-99.9", 0, -99.9},
        {"a=b=20", 0, 20}, /* the last '=' splits; the name is checked at
                              start */
        {"/graphql=-100", DEMO_EINVAL, 0},
        {"/graphql=-150", DEMO_EINVAL, 0},
        {"/graphql=", DEMO_EINVAL, 0},
        {"/graphql=  ", DEMO_EINVAL, 0},
        {"/graphql=abc", DEMO_EINVAL, 0},
        {"/graphql=50x", DEMO_EINVAL, 0},
        {"/graphql=50%%", DEMO_EINVAL, 0},
        {"/graphql=1e999", DEMO_EINVAL, 0},
        {"/graphql=nan", DEMO_EINVAL, 0},
        {"/graphql=inf", DEMO_EINVAL, 0},
        {"/graphql", DEMO_EINVAL, 0},
        {"=50", DEMO_EINVAL, 0},
        {"  =50", DEMO_EINVAL, 0},
        {"", DEMO_EINVAL, 0},
    };

    (void)state;
    for (size_t i = 0; i < N(cases); i++) {
        struct demo_slow s = {"untouched", -1};
        int rc = demo_slow_parse(cases[i].arg, &s);

        assert_int_equal(rc, cases[i].rc);
        if (rc == 0) {
            assert_ptr_equal(s.endpoint, cases[i].arg);
            assert_true(fabs(s.percent - cases[i].percent) < 1e-9);
        }
    }
    assert_int_equal(demo_slow_parse(NULL, &(struct demo_slow){0}),
                     DEMO_EINVAL);
    assert_int_equal(demo_slow_parse("/graphql=5", NULL), DEMO_EINVAL);
}

static void test_agent_id(void **state)
{
    static const struct {
        const char *id;
        bool valid;
    } cases[] = {
        {"agent-1", true},
        {"agent-0", true},
        {"agent-123456789012345678", true},
        {"agent-1234567890123456789", false},
        {"agent-", false},
        {"agent-x", false},
        {"agent-1a", false},
        {"agent--1", false},
        {"Agent-1", false},
        {"bogus", false},
        {"", false},
    };

    (void)state;
    for (size_t i = 0; i < N(cases); i++)
        assert_int_equal(demo__agent_id_valid(cases[i].id, strlen(cases[i].id)),
                         cases[i].valid);
    /* the length given counts, not the NUL */
    assert_true(demo__agent_id_valid("agent-12/query", 8));
    assert_false(demo__agent_id_valid(NULL, 3));
}

static void test_latency_fixed_points(void **state)
{
    /* z = +1 and z = -1: exp(-0.5) as u1 makes sqrt(-2 ln u1) = 1 */
    static const struct {
        double base, jitter, u1, u2, want;
    } cases[] = {
        {10, 3, 0.60653065971263342, 0.0, 13.498588075760033},
        {10, 3, 0.60653065971263342, 0.5, 7.4081822068171788},
        {50, 15, 1.0, 0.3, 50.0},   /* z = 0: the median */
        {10, 3, 1e-300, 0.0, 22.0}, /* far tail: base + 4 jitter */
        {10, 3, 1e-300, 0.5, 4.0},  /* base - 2 jitter */
        {2, 1, 1e-300, 0.5, 1.0},   /* never below 1 ms */
        {0.5, 0, 0.3, 0.3, 1.0},    /* no jitter, still 1 ms */
        {25, 0, 0.3, 0.3, 25.0},    /* no jitter: the base */
        {10, 3, 0.0, 0.0, 22.0},    /* u1 = 0 does not blow up */
    };

    (void)state;
    for (size_t i = 0; i < N(cases); i++) {
        double v = demo__latency_ms(cases[i].base, cases[i].jitter, cases[i].u1,
                                    cases[i].u2);

        assert_true(fabs(v - cases[i].want) < 1e-9 * cases[i].want);
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

/* For every route: draws stay in the band, the median is the base, about
 * two thirds fall within +-jitter, and the tail is on the slow side. */
static void test_latency_shape(void **state)
{
    enum { DRAWS = 20000 };
    size_t n = 0;
    const struct demo_route *r = demo_routes(&n);
    double *v = malloc(DRAWS * sizeof(*v));
    uint64_t ctr = 42;

    (void)state;
    assert_non_null(v);
    for (size_t k = 0; k < n; k++) {
        double b = r[k].base_ms, j = r[k].jitter_ms;
        double lo = fmax(1.0, b - 2 * j), hi = b + 4 * j, sum = 0;
        size_t within = 0;

        for (size_t i = 0; i < DRAWS; i++) {
            double u1 = demo__unit(demo__mix64(ctr++));
            double u2 = demo__unit(demo__mix64(ctr++));

            v[i] = demo__latency_ms(b, j, u1, u2);
            assert_true(v[i] >= lo && v[i] <= hi);
            sum += v[i];
            within += fabs(v[i] - b) <= j;
        }
        qsort(v, DRAWS, sizeof(*v), cmp_double);
        assert_true(fabs(v[DRAWS / 2] - b) < 0.03 * b);
        assert_true(within > DRAWS * 55 / 100 && within < DRAWS * 80 / 100);
        assert_true(sum / DRAWS > v[DRAWS / 2]); /* right skew */
        assert_true(v[DRAWS * 99 / 100] > b + 1.5 * j);
    }
    free(v);
}

static void test_unit_and_mix(void **state)
{
    (void)state;
    assert_true(demo__unit(0) > 0.0);
    assert_true(demo__unit(UINT64_MAX) <= 1.0);
    assert_true(demo__unit(UINT64_MAX) > 0.999999);
    assert_true(demo__mix64(1) != demo__mix64(2));
    assert_true(demo__mix64(7) == demo__mix64(7));
}

static void test_heap_order(void **state)
{
    enum { COUNT = 5000 };
    struct demo__heap h = {0};
    struct demo__timer_entry e, prev = {0, 0, NULL};
    uint64_t x = 1;

    (void)state;
    assert_null(demo__heap_top(&h));
    assert_false(demo__heap_pop(&h, &e));
    for (uintptr_t i = 0; i < COUNT; i++) {
        /* few distinct due times, so that ties are common */
        uint64_t due = demo__mix64(x++) % 97;

        assert_int_equal(demo__heap_push(&h, due, (void *)(i + 1)), 0);
    }
    assert_int_equal(h.n, COUNT);
    for (size_t i = 0; i < COUNT; i++) {
        const struct demo__timer_entry *top = demo__heap_top(&h);

        assert_non_null(top);
        uint64_t due = top->due_ns;
        assert_true(demo__heap_pop(&h, &e));
        assert_int_equal(e.due_ns, due);
        if (i > 0) {
            assert_true(e.due_ns >= prev.due_ns);
            /* equal due times leave in the order they came */
            if (e.due_ns == prev.due_ns)
                assert_true((uintptr_t)e.conn > (uintptr_t)prev.conn);
        }
        prev = e;
    }
    assert_false(demo__heap_pop(&h, &e));
    /* reusable after draining, and release empties it */
    assert_int_equal(demo__heap_push(&h, 5, NULL), 0);
    demo__heap_release(&h);
    assert_null(demo__heap_top(&h));
    demo__heap_release(&h);
}

static void test_strerror(void **state)
{
    static const int codes[] = {DEMO_ENOMEM, DEMO_ELISTEN, DEMO_EINVAL};

    (void)state;
    for (size_t i = 0; i < N(codes); i++)
        assert_string_not_equal(demo_strerror(codes[i]), "unknown error");
    assert_string_equal(demo_strerror(-999), "unknown error");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_route_table),
        cmocka_unit_test(test_path_match),
        cmocka_unit_test(test_route_find_and_methods),
        cmocka_unit_test(test_slow_route),
        cmocka_unit_test(test_slow_parse),
        cmocka_unit_test(test_agent_id),
        cmocka_unit_test(test_latency_fixed_points),
        cmocka_unit_test(test_latency_shape),
        cmocka_unit_test(test_unit_and_mix),
        cmocka_unit_test(test_heap_order),
        cmocka_unit_test(test_strerror),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
