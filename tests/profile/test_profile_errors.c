/* The profile parser on bad input: every case names the exact line and
 * column of the offending node and says what was expected. */
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

#define V "version: 1\n"
#define T "target: http://h\n"
#define L "load: {users: 1, requests: 1}\n"
#define S "scenarios: [{steps: [{get: /}]}]\n"

struct error_case {
    const char *what;
    const char *text;
    int rc, line, col;
    const char *frag;
};

static const struct error_case cases[] = {
    {"unknown key, suggestion", V T L S "thresolds: []\n", PROFILE_EPROFILE, 5,
     1,
     "unknown key 'thresolds' in the profile; did you mean "
     "'thresholds'?"},
    {"an unknown load key",
     V T "load:\n  users: 1\n  requests: 1\n"
         "  loops: 5\n" S,
     PROFILE_EPROFILE, 6, 3,
     "unknown key 'loops' in load (expected one of: users,"},
    {"unknown step key, suggestion",
     V T L "scenarios:\n  - steps:\n"
           "      - get: /\n        nmae: x\n",
     PROFILE_EPROFILE, 7, 9, "did you mean 'name'?"},
    {"method key in capitals",
     V T L "scenarios:\n  - steps:\n"
           "      - GET: /\n",
     PROFILE_EPROFILE, 6, 9, "did you mean 'get'?"},
    {"bad duration", V T "load:\n  users: 1\n  duration: 5 minutes\n" S,
     PROFILE_EPROFILE, 5, 13,
     "'duration': expected a duration like 30s or 5m, not '5 minutes'"},
    {"negative duration", V T "load:\n  users: 1\n  duration: -5s\n" S,
     PROFILE_EPROFILE, 5, 13, "expected a duration like 30s or 5m, not '-5s'"},
    {"zero duration", V T "load:\n  users: 1\n  duration: 0s\n" S,
     PROFILE_EPROFILE, 5, 13, "'duration' must be longer than zero"},
    {"missing target", V L S, PROFILE_EPROFILE, 1, 1, "missing 'target'"},
    {"missing version", T L S, PROFILE_EPROFILE, 1, 1, "missing 'version: 1'"},
    {"missing scenarios", V T L, PROFILE_EPROFILE, 1, 1, "missing 'scenarios'"},
    {"missing load", "# c\n" V T S, PROFILE_EPROFILE, 2, 1, "missing 'load'"},
    {"empty scenarios", V T L "scenarios: []\n", PROFILE_EPROFILE, 4, 12,
     "'scenarios' is empty"},
    {"scenario without steps", V T L "scenarios:\n  - name: a\n",
     PROFILE_EPROFILE, 5, 5, "scenario 'a' has no 'steps'"},
    {"empty steps", V T L "scenarios:\n  - name: a\n    steps: []\n",
     PROFILE_EPROFILE, 6, 12, "scenario 'a' has no steps"},
    {"json and body",
     V T L "scenarios:\n  - steps:\n      - post: /x\n"
           "        json: {a: 1}\n        body: x\n",
     PROFILE_EPROFILE, 8, 9, "'json' and 'body' cannot be used together"},
    {"alias", V T "load: &l {users: 1, requests: 1}\nx: *l\n" S,
     PROFILE_EPROFILE, 4, 4, "aliases (*l) are not allowed"},
    {"merge key alias",
     V T "load: &l {users: 1, requests: 1}\n"
         "more:\n  <<: *l\n",
     PROFILE_EPROFILE, 5, 7, "aliases (*l)"},
    {"duplicate key", V T L S "target: http://other\n", PROFILE_EPROFILE, 5, 1,
     "duplicate key 'target' (first at line 2, column 1)"},
    {"duplicate key in a flow map",
     V T "load: {users: 1, requests: 1, "
         "users: 2}\n" S,
     PROFILE_EPROFILE, 3, 31, "duplicate key 'users'"},
    {"tab indentation", V T "load:\n\tusers: 1\n", PROFILE_ESYNTAX, 4, 1,
     "found character that cannot start any token (while scanning for the "
     "next token at line 4); indent with spaces, not tabs"},
    {"unclosed flow list", V "target: [http://h\n", PROFILE_ESYNTAX, 3, 1,
     "did not find expected ',' or ']'"},
    {"invalid UTF-8", V "x: \xff\n", PROFILE_ESYNTAX, 2, 4, "UTF-8"},
    {"empty file", "", PROFILE_EPROFILE, 1, 1, "empty profile"},
    {"only comments", "# nothing here\n\n", PROFILE_EPROFILE, 1, 1,
     "empty profile"},
    {"not a map", "- a\n- b\n", PROFILE_EPROFILE, 1, 1,
     "a profile must be a map of keys"},
    {"second document", V T L S "---\nversion: 1\n", PROFILE_EPROFILE, 5, 1,
     "one YAML document"},
    {"non-scalar key", V "? [a]\n: b\n", PROFILE_EPROFILE, 2, 3,
     "a map key must be a plain name, not a list"},
    {"wrong version", "version: 2\n" T L S, PROFILE_EPROFILE, 1, 10,
     "unsupported version 2: this loadgate reads version 1"},
    {"version not a number", "version: one\n" T L S, PROFILE_EPROFILE, 1, 10,
     "'version' must be a whole number"},
    {"unset env var", V "target: ${LG_NOPE_XYZ}\n" L S, PROFILE_EPROFILE, 2, 9,
     "environment variable LG_NOPE_XYZ is not set; use "
     "${LG_NOPE_XYZ:-default} for an optional one"},
    {"malformed expansion", V T L S "baseline: 'a${b'\n", PROFILE_EPROFILE, 5,
     11, "unterminated ${b"},
    {"non-map step", V T L "scenarios:\n  - steps:\n      - /api\n",
     PROFILE_EPROFILE, 6, 9,
     "a step must be a map like '- get: /path', not "
     "a single value"},
    {"step without method",
     V T L "scenarios:\n  - steps:\n"
           "      - name: x\n",
     PROFILE_EPROFILE, 6, 9, "a step needs a method"},
    {"two methods",
     V T L "scenarios:\n  - steps:\n      - get: /a\n"
           "        post: /b\n",
     PROFILE_EPROFILE, 7, 9,
     "a step has one method; 'post' comes after 'get' (line 6)"},
    {"path without slash", V T L "scenarios: [{steps: [{get: api}]}]\n",
     PROFILE_EPROFILE, 4, 28, "the path must start with '/'"},
    {"path with a space", V T L "scenarios: [{steps: [{get: '/a b'}]}]\n",
     PROFILE_EPROFILE, 4, 28, "hold no spaces"},
    {"bad URL", V "target: localhost:5000\n" L S, PROFILE_EPROFILE, 2, 9,
     "'target' must start with http:// or https://: expected a URL like "
     "http://127.0.0.1:8080, not 'localhost:5000'"},
    {"URL without host", V "target: http:///x\n" L S, PROFILE_EPROFILE, 2, 9,
     "has no host"},
    {"URL with bad port", V "target: http://h:0\n" L S, PROFILE_EPROFILE, 2, 9,
     "bad port"},
    {"bad rate", V T "load:\n  rate: 50/sec\n  duration: 1m\n" S,
     PROFILE_EPROFILE, 4, 9,
     "'rate': expected a rate like 50/s or 3000/m, "
     "not '50/sec'"},
    {"zero rate", V T "load:\n  rate: 0/s\n  duration: 1m\n" S,
     PROFILE_EPROFILE, 4, 9, "'rate' must be greater than zero"},
    /* spawn_rate 0 once started every user at once, unlike rate 0 */
    {"zero spawn_rate",
     V T "load:\n  users: 5\n  spawn_rate: 0/s\n  duration: 1m\n" S,
     PROFILE_EPROFILE, 5, 15,
     "'spawn_rate' must be greater than zero (leave it out to start every "
     "user at once)"},
    {"bare zero spawn_rate",
     V T "load: {users: 5, spawn_rate: 0, duration: 1m}\n" S, PROFILE_EPROFILE,
     3, 30, "'spawn_rate' must be greater than zero"},
    {"spawn_rate zero per minute",
     V T "load: {users: 5, spawn_rate: 0.0/m, duration: 1m}\n" S,
     PROFILE_EPROFILE, 3, 30, "'spawn_rate' must be greater than zero"},
    /* a stage at 0/s is a ramp's start or end; all at 0/s send nothing */
    {"every stage at zero",
     V T "load:\n  stages:\n    - {duration: 1m, rate: 0/s}\n"
         "    - {duration: 30s, rate: 0}\n" S,
     PROFILE_EPROFILE, 5, 5,
     "every stage has rate 0: the load would send "
     "nothing"},
    {"negative users", V T "load:\n  users: -5\n  duration: 1m\n" S,
     PROFILE_EPROFILE, 4, 10,
     "'users' must be a whole number from 1 to "
     "4294967295, not '-5'"},
    {"zero users", V T "load:\n  users: 0\n  duration: 1m\n" S,
     PROFILE_EPROFILE, 4, 10, "'users' must be a whole number from 1"},
    {"fractional users", V T "load:\n  users: 2.5\n  duration: 1m\n" S,
     PROFILE_EPROFILE, 4, 10, "not '2.5'"},
    {"no load model", V T "load: {duration: 1m}\n" S, PROFILE_EPROFILE, 3, 7,
     "load needs 'users' (closed model) or 'rate' or 'stages'"},
    {"no stop condition", V T "load: {users: 5}\n" S, PROFILE_EPROFILE, 3, 7,
     "load needs 'duration', 'requests' or 'iterations'"},
    {"iterations in the open model",
     V T "load: {rate: 10/s, duration: 5s, iterations: 40}\n" S,
     PROFILE_EPROFILE, 3, 46, "'iterations' counts the closed model's"},
    {"iterations zero", V T "load: {users: 2, iterations: 0}\n" S,
     PROFILE_EPROFILE, 3, 30, "'iterations'"},
    {"load is a list", V T "load: [1, 2]\n" S, PROFILE_EPROFILE, 3, 7,
     "'load' must be a map, not a list"},
    {"load is empty", V T "load:\n" S, PROFILE_EPROFILE, 3, 6,
     "'load' must be a map, not nothing"},
    {"target map, unknown key", V "target: {a: b}\n" L S, PROFILE_EPROFILE, 2,
     10,
     "unknown key 'a' in target (expected one of: url, insecure, "
     "ca_file)"},
    {"target map without url", V "target: {insecure: true}\n" L S,
     PROFILE_EPROFILE, 2, 9, "a 'target' map needs 'url'"},
    {"rate and stages",
     V T "load:\n  rate: 5/s\n"
         "  stages: [{duration: 1m, rate: 1/s}]\n" S,
     PROFILE_EPROFILE, 5, 3, "'rate' and 'stages' cannot be used together"},
    {"stage without rate", V T "load:\n  stages:\n    - duration: 1m\n" S,
     PROFILE_EPROFILE, 5, 7, "a stage needs 'rate'"},
    {"capture pointer",
     V T L "scenarios:\n  - steps:\n      - get: /\n"
           "        capture: {id: id}\n",
     PROFILE_EPROFILE, 7, 23, "capture 'id': a JSON pointer starts with '/'"},
    {"expect status out of range",
     V T L "scenarios:\n  - steps:\n"
           "      - get: /\n        expect: {status: 999}\n",
     PROFILE_EPROFILE, 7, 26,
     "'status' must be a whole number from 100 to 599"},
    {"expect status in a list",
     V T L "scenarios:\n  - steps:\n"
           "      - get: /\n        expect: {status: [200, x]}\n",
     PROFILE_EPROFILE, 7, 32, "not 'x'"},
    {"engine", V T L "engine: turbo\n" S, PROFILE_EPROFILE, 4, 9,
     "'engine' must be fast or curl, not 'turbo'"},
    {"redirects on the fast engine",
     V T "defaults: {follow_redirects: true}\n" L "engine: fast\n" S,
     PROFILE_EPROFILE, 5, 9, "'engine: fast' does not follow redirects"},
    {"threshold key typo",
     V T L S "thresholds:\n  - endpoint: x\n"
             "    chek: p95 < 1s\n",
     PROFILE_EPROFILE, 7, 5, "did you mean 'check'?"},
    {"threshold without check", V T L S "thresholds:\n  - endpoint: x\n",
     PROFILE_EPROFILE, 6, 5, "needs 'check'"},
    {"threshold is a list", V T L S "thresholds:\n  - [p95 < 1s]\n",
     PROFILE_EPROFILE, 6, 5, "a threshold is an expression"},
    /* thresholds are parsed with the profile, at their position */
    {"threshold expression", V T L S "thresholds:\n  - p95 < 1 parsec\n",
     PROFILE_EPROFILE, 6, 5, "threshold 'p95 < 1 parsec': "},
    {"threshold min_effect",
     V T L S "thresholds:\n  - {check: p95 < baseline + 10%, "
             "min_effect: 5xs}\n",
     PROFILE_EPROFILE, 6, 5,
     "threshold 'p95 < baseline + 10%': min_effect '5xs': "},
    {"threshold endpoint the profile lacks",
     V T L S "thresholds:\n  - {endpoint: GET /nope, check: p95 < 1s}\n",
     PROFILE_EPROFILE, 6, 5,
     "threshold 'p95 < 1s' names endpoint 'GET /nope', which the profile "
     "does not have; endpoints: 'GET /'"},
    /* ... after every error of the profile's structure */
    {"threshold checked after the structure",
     V T L S "thresholds: [p95 < 1 parsec]\nwait_for: {get: nope}\n",
     PROFILE_EPROFILE, 6, 17, "wait_for: the path must start with '/'"},
    {"header value with a line break",
     V T L "scenarios: [{steps: [{get: /, "
           "headers: {X-A: \"a\\nb\"}}]}]\n",
     PROFILE_EPROFILE, 4, 46,
     "header 'X-A': a value cannot contain line breaks"},
    {"bad header name",
     V T L "scenarios: [{steps: [{get: /, "
           "headers: {'X A': b}}]}]\n",
     PROFILE_EPROFILE, 4, 41, "'X A' is not a valid header name"},
    {"think time reversed",
     V T "load: {users: 1, duration: 1s, "
         "think_time: 3s..1s}\n" S,
     PROFILE_EPROFILE, 3, 44,
     "expected a duration like 1s or a range like 1s..3s, not '3s..1s'"},
    {"zero weight", V T L "scenarios: [{weight: 0, steps: [{get: /}]}]\n",
     PROFILE_EPROFILE, 4, 22, "'weight' must be a whole number from 1"},
    {"NUL in a value", V T L S "baseline: \"a\\0b\"\n", PROFILE_EPROFILE, 5, 11,
     "NUL"},
    {"defaults timeout", V T "defaults:\n  timeout: soon\n" L S,
     PROFILE_EPROFILE, 4, 12, "'timeout': expected a duration"},
    {"defaults max_body", V T "defaults:\n  max_body: lots\n" L S,
     PROFILE_EPROFILE, 4, 13, "'max_body': expected a size like 10MB"},
    {"defaults max_body zero", V T "defaults:\n  max_body: 0\n" L S,
     PROFILE_EPROFILE, 4, 13, "'max_body' must be greater than zero"},
    {"defaults headers a list", V T "defaults:\n  headers: [a]\n" L S,
     PROFILE_EPROFILE, 4, 12, "'headers' must be a map, not a list"},
    {"empty baseline", V T L S "baseline: ''\n", PROFILE_EPROFILE, 5, 11,
     "'baseline' must not be empty"},
    {"json with an unset variable",
     V T L "scenarios: [{steps: [{post: /, "
           "json: {a: [1, '${LG_NOPE_XYZ}']}}]}]\n",
     PROFILE_EPROFILE, 4, 46, "LG_NOPE_XYZ is not set"},
};

static void test_error_cases(void **state)
{
    (void)state;
    unsetenv("LG_NOPE_XYZ");
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        const struct error_case *c = &cases[i];
        struct profile *p = NULL;
        struct profile_error err;
        char msg[1200], prefix[64];
        int rc;

        rc = profile_parse(c->text, strlen(c->text), "e.yaml", &p, &err);
        profile_error_format(&err, msg, sizeof(msg));
        print_message("%-32s %s\n", c->what, msg);
        assert_int_equal(rc, c->rc);
        assert_null(p);
        assert_string_equal(err.file, "e.yaml");
        assert_int_equal(err.line, c->line);
        assert_int_equal(err.col, c->col);
        assert_non_null(strstr(err.msg, c->frag));
        snprintf(prefix, sizeof(prefix), "e.yaml:%d:%d: ", c->line, c->col);
        assert_int_equal(strncmp(msg, prefix, strlen(prefix)), 0);
    }
}

/* The limits that keep hostile input bounded. */
static void test_limits(void **state)
{
    struct profile *p = NULL;
    struct profile_error err;
    size_t n = PROFILE__YAML_MAX_SCALAR + 16, len;
    char *text = malloc(n + 64);
    (void)state;

    assert_non_null(text);
    /* nesting: the 64th '[' is level 65 (the top map is level 1) */
    len = (size_t)sprintf(text, "version: 1\nx: ");
    for (int i = 0; i < 70; i++)
        text[len++] = '[';
    assert_int_equal(profile_parse(text, len, "d.yaml", &p, &err),
                     PROFILE_EPROFILE);
    assert_int_equal(err.line, 2);
    assert_int_equal(err.col, 3 + 64);
    assert_non_null(strstr(err.msg, "nesting deeper than 64 levels"));

    /* a scalar over 1 MiB */
    len = (size_t)sprintf(text, "version: 1\nx: ");
    memset(text + len, 'a', PROFILE__YAML_MAX_SCALAR + 1);
    len += PROFILE__YAML_MAX_SCALAR + 1;
    text[len++] = '\n';
    assert_int_equal(profile_parse(text, len, "s.yaml", &p, &err),
                     PROFILE_EPROFILE);
    assert_int_equal(err.line, 2);
    assert_int_equal(err.col, 4);
    assert_non_null(strstr(err.msg, "a value longer than 1048576 bytes"));

    /* a file over 16 MiB is refused before parsing */
    assert_int_equal(
        profile_parse(text, PROFILE__PROFILE_MAX_FILE + 1, "b.yaml", &p, &err),
        PROFILE_EPROFILE);
    assert_int_equal(err.line, 0);
    assert_non_null(strstr(err.msg, "larger than 16 MiB"));
    assert_null(p);
    free(text);
}

/* A map with many keys and one repeated near the end: found, quickly. */
static void test_many_keys(void **state)
{
    size_t cap = 40u * 20000 + 64, len = 0;
    char *text = malloc(cap);
    struct profile *p = NULL;
    struct profile_error err;
    (void)state;

    assert_non_null(text);
    len += (size_t)sprintf(text + len, "json:\n");
    for (int i = 0; i < 20000; i++)
        len += (size_t)sprintf(text + len, "  k%d: 1\n", i);
    len += (size_t)sprintf(text + len, "  k17: 2\n");
    assert_int_equal(profile_parse(text, len, "k.yaml", &p, &err),
                     PROFILE_EPROFILE);
    assert_int_equal(err.line, 20002);
    assert_int_equal(err.col, 3);
    assert_non_null(strstr(err.msg, "duplicate key 'k17' (first at line 19"));
    free(text);
}

/* Hostile bytes get an error, never a crash (ASan watches). */
static void test_garbage(void **state)
{
    static const char *const inputs[] = {
        "\0\0\0",
        "{",
        "[",
        "]]]",
        "- - - -",
        ":",
        "? ",
        "!!binary x",
        "&a [*a]",
        "%YAML 9.9\n---\n",
        "version: 1\ntarget: \"\\x",
        "\xef\xbb\xbfversion: 1\n",
        "a: |\n  x\n b",
        "'unterminated",
    };
    (void)state;

    for (size_t i = 0; i < sizeof(inputs) / sizeof(*inputs); i++) {
        struct profile *p = NULL;
        struct profile_error err;
        char msg[1200];
        size_t len = i == 0 ? 3 : strlen(inputs[i]);
        int rc = profile_parse(inputs[i], len, "g.yaml", &p, &err);

        profile_error_format(&err, msg, sizeof(msg));
        print_message("%zu: %s\n", i, msg);
        assert_true(rc == PROFILE_ESYNTAX || rc == PROFILE_EPROFILE);
        assert_null(p);
        assert_true(err.msg[0] != '\0');
    }
}

LGTEST_MAIN(NULL, NULL, cmocka_unit_test(test_error_cases),
            cmocka_unit_test(test_limits), cmocka_unit_test(test_many_keys),
            cmocka_unit_test(test_garbage))
