/* The profile's http: key (profile/src/profile_http.c): the version as a
 * scalar or in a map with connections and max_streams, the errors with
 * their positions, and the profile hash (unchanged for HTTP/1.1, so that
 * older baselines still match; different for HTTP/2). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "profile.h"
#include "profile_internal.h"
#include "lgtest.h"
#include "profile_fixture.h"

#define HEAD "version: 1\ntarget: http://127.0.0.1:1\n"
#define TAIL "load: {users: 1, requests: 1}\nscenarios: [{steps: [{get: /}]}]\n"

static void test_versions(void **state)
{
    static const struct {
        const char *text;
        enum loader_http_version v;
        unsigned conns, streams;
    } ok[] = {
        {HEAD TAIL, LOADER_HTTP_1_1, 0, 0},
        {HEAD "http: 1.1\n" TAIL, LOADER_HTTP_1_1, 0, 0},
        {HEAD "http: 2\n" TAIL, LOADER_HTTP_2, 0, 0},
        {HEAD "http: \"2.0\"\n" TAIL, LOADER_HTTP_2, 0, 0},
        {HEAD "http: auto\n" TAIL, LOADER_HTTP_AUTO, 0, 0},
        {HEAD "http: {version: 2, connections: 10}\n" TAIL, LOADER_HTTP_2, 10,
         0},
        {HEAD "http: {version: auto, max_streams: 8}\n" TAIL, LOADER_HTTP_AUTO,
         0, 8},
        {HEAD "http:\n  version: 2\n  connections: 3\n  max_streams: 4\n" TAIL,
         LOADER_HTTP_2, 3, 4},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(ok) / sizeof(*ok); i++) {
        struct profile *p = pfx_parse(ok[i].text);

        assert_int_equal(p->plan->http.version, ok[i].v);
        assert_int_equal(p->plan->http.connections, ok[i].conns);
        assert_int_equal(p->plan->http.max_streams, ok[i].streams);
        profile_free(p);
    }
}

static void test_env(void **state)
{
    struct profile *p;

    (void)state;
    setenv("LG_HTTP_VERSION", "2", 1);
    p = pfx_parse(HEAD "http: ${LG_HTTP_VERSION}\n" TAIL);
    assert_int_equal(p->plan->http.version, LOADER_HTTP_2);
    profile_free(p);
    unsetenv("LG_HTTP_VERSION");
}

static void test_errors(void **state)
{
    static const struct {
        const char *text;
        int line, col;
        const char *frag;
    } bad[] = {
        {HEAD "http: 3\n" TAIL, 3, 7, "'http' must be 1.1, 2 or auto, not '3'"},
        {HEAD "http: [2]\n" TAIL, 3, 7, "'http' must be 1.1, 2, auto or a map"},
        {HEAD "http: {connections: 2}\n" TAIL, 3, 7, "needs a 'version'"},
        {HEAD "http: {version: 2, conections: 2}\n" TAIL, 3, 20,
         "unknown key 'conections' in http; did you mean 'connections'?"},
        {HEAD "http: {version: 2, pool: 2}\n" TAIL, 3, 20,
         "unknown key 'pool' in http (expected one of: version"},
        {HEAD "http: {version: 2, connections: 0}\n" TAIL, 3, 33,
         "'connections' must be a whole number from 1 to 1000000, not '0'"},
        {HEAD "http: {version: 2, max_streams: x}\n" TAIL, 3, 33,
         "'max_streams' must be a whole number"},
        {HEAD "http: {version: 1.1, connections: 4}\n" TAIL, 3, 35,
         "'connections' and 'max_streams' are for HTTP/2"},
        {HEAD "http: {version: [2]}\n" TAIL, 3, 17,
         "'http' must be a single value, not a list"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        struct profile *p = NULL;
        struct profile_error err;
        int rc;

        memset(&err, 0, sizeof(err));
        rc =
            profile_parse(bad[i].text, strlen(bad[i].text), "t.yaml", &p, &err);
        if (rc != PROFILE_EPROFILE || err.line != bad[i].line ||
            err.col != bad[i].col || !strstr(err.msg, bad[i].frag))
            print_error("case %zu: rc %d at %d:%d: %s\n", i, rc, err.line,
                        err.col, err.msg);
        assert_int_equal(rc, PROFILE_EPROFILE);
        assert_int_equal(err.line, bad[i].line);
        assert_int_equal(err.col, bad[i].col);
        assert_non_null(strstr(err.msg, bad[i].frag));
        assert_null(p);
    }
}

static void test_hash(void **state)
{
    (void)state;
    /* HTTP/1.1 said or not: the hash of before */
    pfx_same_hash(HEAD TAIL, HEAD "http: 1.1\n" TAIL, true);
    /* another protocol, another way of spreading users: another load */
    pfx_same_hash(HEAD TAIL, HEAD "http: 2\n" TAIL, false);
    pfx_same_hash(HEAD "http: 2\n" TAIL,
                  HEAD "http: {version: 2, connections: 2}\n" TAIL, false);
}

static void test_keys(void **state)
{
    size_t n = 0;
    const char *const *k = profile__keys("http", &n);
    bool top = false;

    (void)state;
    assert_int_equal(n, 3);
    assert_string_equal(k[0], "version");
    k = profile__keys("top", &n);
    for (size_t i = 0; i < n; i++)
        top |= strcmp(k[i], "http") == 0;
    assert_true(top);
}

LGTEST_MAIN(NULL, NULL, cmocka_unit_test(test_versions),
            cmocka_unit_test(test_env), cmocka_unit_test(test_errors),
            cmocka_unit_test(test_hash), cmocka_unit_test(test_keys))
