/* The profile's value grammars, one table each: think times, URLs, ${ENV}
 * expansion, "did you mean" distances, secret header names and json:
 * bodies (durations, rates and sizes: tests/units). */
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

static void close_to(double got, double want)
{
    double d = got - want;
    if (d < 0)
        d = -d;
    assert_true(d <= 1e-9 * (want < 1 ? 1 : want));
}

struct think_case {
    const char *in;
    int rc;
    double min, max;
};

static const struct think_case think_cases[] = {
    {"1s", 0, 1, 1},       {"1s..3s", 0, 1, 3},     {"0.5s..1.5s", 0, .5, 1.5},
    {"1..3", 0, 1, 3},     {"500ms..1s", 0, .5, 1}, {"0", 0, 0, 0},
    {"3s..1s", -1, 0, 0},  {"1s..", -1, 0, 0},      {"..1s", -1, 0, 0},
    {"1s...3s", -1, 0, 0}, {"1s-3s", -1, 0, 0},     {"-1s..1s", -1, 0, 0},
};

static void test_think(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(think_cases) / sizeof(*think_cases); i++) {
        double lo = -1, hi = -1;
        int rc = profile__parse_think(think_cases[i].in, &lo, &hi);
        print_message("'%s' -> %d %g..%g\n", think_cases[i].in, rc, lo, hi);
        assert_int_equal(rc, think_cases[i].rc);
        if (rc == 0) {
            close_to(lo, think_cases[i].min);
            close_to(hi, think_cases[i].max);
        }
    }
}

struct url_case {
    const char *in;
    int rc;
    size_t path_at; /* or a fragment of why */
    const char *why;
};

static const struct url_case url_cases[] = {
    {"http://h", 0, 8, NULL},
    {"https://h:443/x/y", 0, 13, NULL},
    {"HTTP://h/", 0, 8, NULL},
    {"http://u:p@h:8/p", 0, 14, NULL},
    {"http://[::1]:8080/p", 0, 17, NULL},
    {"http://[::1]", 0, 12, NULL},
    {"http://h?x=1", 0, 8, NULL},
    {"ftp://h", -1, 0, "http:// or https://"},
    {"h:80", -1, 0, "http:// or https://"},
    {"http://", -1, 0, "no host"},
    {"http://:8080", -1, 0, "no host"},
    {"http://h:", -1, 0, "bad port"},
    {"http://h:65536", -1, 0, "bad port"},
    {"http://h:8a", -1, 0, "bad port"},
    {"http://h:123456", -1, 0, "bad port"},
    {"http://[::1/", -1, 0, "IPv6"},
    {"http://[::1]x/", -1, 0, "IPv6"},
    {"http://h /", -1, 0, "spaces"},
    {"http://h/\x01", -1, 0, "control"},
};

static void test_urls(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(url_cases) / sizeof(*url_cases); i++) {
        const char *why = NULL;
        size_t at = 0;
        int rc = profile__split_url(url_cases[i].in, &at, &why);
        print_message("'%s' -> %d %zu %s\n", url_cases[i].in, rc, at,
                      why ? why : "");
        assert_int_equal(rc, url_cases[i].rc);
        if (rc == 0)
            assert_int_equal(at, url_cases[i].path_at);
        else
            assert_non_null(strstr(why, url_cases[i].why));
    }
}

struct env_case {
    const char *in;
    int rc;
    const char *want; /* output, or a fragment of the message */
    bool expanded;
};

static const struct env_case env_cases[] = {
    {"plain", 0, "plain", false},
    {"${LGV_A}", 0, "alpha", true},
    {"x${LGV_A}y${LGV_A}z", 0, "xalphayalphaz", true},
    {"${LGV_UNSET:-d e f}", 0, "d e f", true},
    {"${LGV_EMPTY:-d}", 0, "d", true},
    {"${LGV_EMPTY}", 0, "", true},
    {"${LGV_A:-d}", 0, "alpha", true},
    {"${vu}/${iteration}/${vu:-1}", 0, "${vu}/${iteration}/${vu:-1}", false},
    {"$${LGV_A}", 0, "${LGV_A}", false},
    {"$$", 0, "$$", false},
    {"$", 0, "$", false},
    {"a$b", 0, "a$b", false},
    {"${LGV_UNSET}", PROFILE_EPROFILE,
     "environment variable LGV_UNSET is not "
     "set",
     false},
    {"${LGV_A", PROFILE_EPROFILE, "unterminated ${LGV_A", false},
    {"${LGV_A:-x", PROFILE_EPROFILE, "unterminated", false},
    {"${LGV-A}", PROFILE_EPROFILE, "unterminated", false},
    {"${ LGV_A}", PROFILE_EPROFILE, "must start ${NAME}", false},
    {"${9}", PROFILE_EPROFILE, "must start ${NAME}", false},
    {"${", PROFILE_EPROFILE, "must start ${NAME}", false},
};

static void test_env(void **state)
{
    (void)state;
    setenv("LGV_A", "alpha", 1);
    setenv("LGV_EMPTY", "", 1);
    unsetenv("LGV_UNSET");
    for (size_t i = 0; i < sizeof(env_cases) / sizeof(*env_cases); i++) {
        const struct env_case *c = &env_cases[i];
        char *out = NULL, msg[256];
        bool expanded = true;
        int rc = profile__env_expand(c->in, strlen(c->in), &out, &expanded, msg,
                                     sizeof(msg));
        print_message("'%s' -> %d '%s'\n", c->in, rc, rc ? msg : out);
        assert_int_equal(rc, c->rc);
        if (rc == 0) {
            assert_string_equal(out, c->want);
            assert_int_equal(expanded, c->expanded);
        } else {
            assert_null(out);
            assert_non_null(strstr(msg, c->want));
            assert_null(strstr(msg, "alpha")); /* never the value */
        }
        free(out);
    }
    unsetenv("LGV_A");
    unsetenv("LGV_EMPTY");
}

struct lev_case {
    const char *a, *b;
    size_t want; /* with cap 2: 3 means "more than 2" */
};

static const struct lev_case lev_cases[] = {
    {"thresolds", "thresholds", 1},
    {"thresholds", "thresholds", 0},
    {"GET", "get", 0},
    {"nmae", "name", 2},
    {"spawnrate", "spawn_rate", 1},
    {"duraton", "duration", 1},
    {"iterations", "duration", 3},
    {"x", "version", 3},
    {"", "ab", 2},
    {"abc", "", 3},
};

static void test_levenshtein(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(lev_cases) / sizeof(*lev_cases); i++) {
        size_t d = profile__levenshtein(lev_cases[i].a, lev_cases[i].b, 2);
        print_message("%s/%s -> %zu\n", lev_cases[i].a, lev_cases[i].b, d);
        assert_int_equal(d, lev_cases[i].want);
    }
    /* uncapped distance, to pin the algorithm itself */
    assert_int_equal(profile__levenshtein("kitten", "sitting", 10), 3);
    assert_int_equal(profile__levenshtein("flaw", "lawn", 10), 2);
}

static void test_header_names(void **state)
{
    static const struct {
        const char *name;
        bool ok, secret;
    } cases[] = {
        {"Authorization", true, true}, {"Cookie", true, true},
        {"X-Api-Key", true, true},     {"x-api-key", true, true},
        {"X-CSRF-Token", true, true},  {"Client-Secret", true, true},
        {"Accept", true, false},       {"X-Api-Keys", true, false},
        {"Content-Type", true, false}, {"X A", false, false},
        {"X:A", false, false},         {"", false, false},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        assert_int_equal(profile__header_name_ok(cases[i].name), cases[i].ok);
        assert_int_equal(profile__header_name_secret(cases[i].name),
                         cases[i].secret);
    }
}

struct json_case {
    const char *yaml;
    const char *want; /* JSON text, or a message fragment */
    int rc;
};

static const struct json_case json_cases[] = {
    {"{a: 1, b: -2, c: 1.5, d: 1e3, e: +3}",
     "{\"a\":1,\"b\":-2,\"c\":1.5,\"d\":1000.0,\"e\":3}", 0},
    {"{t: true, f: False, n: null, m: ~, e: }",
     "{\"t\":true,\"f\":false,\"n\":null,\"m\":null,\"e\":null}", 0},
    {"{q: '1', r: \"true\", s: !!str 2, u: 0x1F, v: .inf}",
     "{\"q\":\"1\",\"r\":\"true\",\"s\":\"2\",\"u\":\"0x1F\",\"v\":\".inf\"}",
     0},
    {"[1, [2, {x: [ ]}], {}]", "[1,[2,{\"x\":[]}],{}]", 0},
    {"\"just text\"", "\"just text\"", 0},
    {"0.1", "0.1", 0},
    {"99999999999999999999", "1e20", 0},      /* past long long: a real */
    {"{z: 1, a: 2}", "{\"z\":1,\"a\":2}", 0}, /* order kept */
    {"{name: \"agent-${vu}\", env: \"${LGJ_X}\"}",
     "{\"name\":\"agent-${vu}\",\"env\":\"xv\"}", 0},
    {"{s: \"line\\nnext \\\" \\u00e9\"}",
     "{\"s\":\"line\\nnext \\\" \xc3\xa9\"}", 0}, /* raw UTF-8 */
    {"{a: \"${LGJ_UNSET}\"}", "LGJ_UNSET is not set", PROFILE_EPROFILE},
};

static void test_json_bodies(void **state)
{
    (void)state;
    setenv("LGJ_X", "xv", 1);
    unsetenv("LGJ_UNSET");
    for (size_t i = 0; i < sizeof(json_cases) / sizeof(*json_cases); i++) {
        const struct json_case *c = &json_cases[i];
        struct profile__yaml_node *root = NULL;
        struct profile_error err;
        char *out = NULL;
        int rc;

        memset(&err, 0, sizeof(err));
        assert_int_equal(
            profile__yaml_parse(c->yaml, strlen(c->yaml), &root, &err), 0);
        rc = profile__json(root, &out, &err);
        print_message("%s -> %d %s\n", c->yaml, rc, rc ? err.msg : out);
        assert_int_equal(rc, c->rc);
        if (rc == 0)
            assert_string_equal(out, c->want);
        else
            assert_non_null(strstr(err.msg, c->want));
        free(out);
        profile__yaml_free(root);
    }
    unsetenv("LGJ_X");
}

/* The tree keeps 1-based positions of every node. */
static void test_tree_positions(void **state)
{
    static const char text[] = "# c\nk:\n  - a\n  - {b: \"x\"}\n";
    struct profile__yaml_node *root = NULL, *seq, *map;
    struct profile_error err;
    (void)state;

    memset(&err, 0, sizeof(err));
    assert_int_equal(profile__yaml_parse(text, strlen(text), &root, &err), 0);
    assert_int_equal(root->type, PROFILE__YAML_MAP);
    assert_int_equal(root->n, 2);
    assert_int_equal(root->line, 2);
    assert_int_equal(root->col, 1);
    seq = root->items[1];
    assert_int_equal(seq->type, PROFILE__YAML_SEQ);
    assert_int_equal(seq->n, 2);
    assert_int_equal(seq->items[0]->line, 3);
    assert_int_equal(seq->items[0]->col, 5);
    assert_true(seq->items[0]->plain);
    map = seq->items[1];
    assert_int_equal(map->line, 4);
    assert_int_equal(map->col, 5);
    assert_string_equal(map->items[0]->str, "b");
    assert_int_equal(map->items[1]->col, 9);
    assert_false(map->items[1]->plain);
    profile__yaml_free(root);

    /* nothing but a comment: no tree, no error */
    assert_int_equal(profile__yaml_parse("# x\n", 4, &root, &err), 0);
    assert_null(root);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_think),
        cmocka_unit_test(test_urls),
        cmocka_unit_test(test_env),
        cmocka_unit_test(test_levenshtein),
        cmocka_unit_test(test_header_names),
        cmocka_unit_test(test_json_bodies),
        cmocka_unit_test(test_tree_positions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
