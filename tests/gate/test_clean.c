/* String hygiene and small formatting helpers of gate. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gate_internal.h"

struct clean_case {
    const char *name;
    const char *in;
    size_t len; /* 0: strlen(in) */
    unsigned flags;
    size_t max;
    const char *want;
};

#define WS GATE__CLEAN_KEEP_WS
#define CO GATE__CLEAN_COLLAPSE
#define FFFD "\xEF\xBF\xBD"
#define ELL "\xE2\x80\xA6"

static const struct clean_case clean_cases[] = {
    {"plain ascii", "GET /api/health", 0, WS, 0, "GET /api/health"},
    {"xml specials kept (the writer escapes)", "<&\">'", 0, WS, 0, "<&\">'"},
    {"C0 controls dropped",
     "a\x01"
     "b\x1b[31mc\x7f"
     "d",
     0, WS, 0, "ab[31mcd"},
    {"embedded NUL dropped", "a\0b", 3, WS, 0, "ab"},
    {"tab lf cr kept", "a\tb\nc\rd", 0, WS, 0, "a\tb\nc\rd"},
    {"tab lf cr to space", "a\tb\nc\rd", 0, 0, 0, "a b c d"},
    {"collapse and trim", "  GET \t\n /x  ", 0, CO, 0, "GET /x"},
    {"C1 control dropped",
     "a\xC2\x9B"
     "b",
     0, WS, 0, "ab"},
    {"valid 2,3,4 byte kept", "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80", 0, WS, 0,
     "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80"},
    {"lone continuation",
     "a\x80"
     "b",
     0, WS, 0, "a" FFFD "b"},
    {"invalid lead byte", "\xFF\xFE", 0, WS, 0, FFFD FFFD},
    {"overlong slash", "\xC0\xAF", 0, WS, 0, FFFD FFFD},
    {"overlong 3-byte", "\xE0\x80\xAF", 0, WS, 0, FFFD FFFD FFFD},
    {"surrogate", "\xED\xA0\x80", 0, WS, 0, FFFD FFFD FFFD},
    {"above U+10FFFF", "\xF4\x90\x80\x80", 0, WS, 0, FFFD FFFD FFFD FFFD},
    {"truncated sequence is one U+FFFD",
     "\xE2\x82"
     "A",
     0, WS, 0, FFFD "A"},
    {"truncated at end", "x\xF0\x9F\x98", 0, WS, 0, "x" FFFD},
    {"noncharacter U+FFFF", "\xEF\xBF\xBF", 0, WS, 0, FFFD},
    {"cap exact fits", "abcde", 0, WS, 5, "abcde"},
    {"cap cuts with ellipsis", "abcdefgh", 0, WS, 5, "abcd" ELL},
    {"cap counts characters not bytes", "\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9", 0,
     WS, 3, "\xC3\xA9\xC3\xA9" ELL},
    {"cap after collapse", "a    bc    d", 0, CO, 4, "a b" ELL},
    {"empty", "", 0, WS, 10, ""},
};

static void test_clean_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(clean_cases) / sizeof(clean_cases[0]); i++) {
        const struct clean_case *c = &clean_cases[i];
        size_t len = c->len ? c->len : strlen(c->in);
        char *got = gate__clean(c->in, len, c->flags, c->max);

        assert_non_null(got);
        if (strcmp(got, c->want) != 0)
            fail_msg("case '%s': got '%s', want '%s'", c->name, got, c->want);
        free(got);
    }
}

static void test_clean_null_and_hostile(void **state)
{
    char *got;
    unsigned char all[256];

    (void)state;
    got = gate__clean_str(NULL, WS, 0);
    assert_non_null(got);
    assert_string_equal(got, "");
    free(got);
    /* Every byte value: the result is valid UTF-8 without C0 controls. */
    for (int i = 0; i < 256; i++)
        all[i] = (unsigned char)i;
    got = gate__clean((const char *)all, sizeof(all), 0, 0);
    assert_non_null(got);
    for (const unsigned char *p = (const unsigned char *)got; *p; p++)
        assert_true(*p >= 0x20 && *p != 0x7F);
    {
        char *again = gate__clean_str(got, 0, 0);

        /* Cleaning is idempotent: clean text passes unchanged. */
        assert_string_equal(again, got);
        free(again);
    }
    free(got);
}

static void test_fmt_count(void **state)
{
    static const struct {
        uint64_t n;
        const char *want;
    } cases[] = {{0, "0"},
                 {999, "999"},
                 {1000, "1,000"},
                 {10000, "10,000"},
                 {123456, "123,456"},
                 {1234567, "1,234,567"},
                 {UINT64_MAX, "18,446,744,073,709,551,615"}};
    char buf[64];

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        gate__fmt_count(cases[i].n, buf, sizeof(buf));
        assert_string_equal(buf, cases[i].want);
    }
}

static void test_fmt_ms(void **state)
{
    static const struct {
        double ms;
        const char *want;
    } cases[] = {{2.5, "2.5"}, {0.04, "0.0"}, {9.94, "9.9"},
                 {10.0, "10"}, {25.4, "25"},  {1320.6, "1321"}};
    char buf[32];

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        gate__fmt_ms(cases[i].ms, buf, sizeof(buf));
        assert_string_equal(buf, cases[i].want);
    }
}

static void test_utf8_helpers(void **state)
{
    (void)state;
    assert_int_equal(gate__utf8_len("a\xC3\xA9\xE2\x82\xAC"), 3);
    assert_int_equal(gate__utf8_prefix("a\xC3\xA9\xE2\x82\xAC", 2), 3);
    assert_int_equal(gate__utf8_prefix("ab", 5), 2);
}

static void test_map(void **state)
{
    struct gate__map *m = NULL;
    char key[32];
    size_t v;

    (void)state;
    assert_int_equal(gate__map_new(&m), 0);
    for (size_t i = 0; i < 5000; i++) {
        snprintf(key, sizeof(key), "k%zu", i);
        assert_int_equal(gate__map_put(m, key, i * 2), 0);
    }
    for (size_t i = 0; i < 5000; i++) {
        snprintf(key, sizeof(key), "k%zu", i);
        assert_true(gate__map_get(m, key, &v));
        assert_int_equal(v, i * 2);
    }
    assert_false(gate__map_get(m, "k5000", &v));
    assert_int_equal(gate__map_put(m, "k1", 7), 0);
    assert_true(gate__map_get(m, "k1", &v));
    assert_int_equal(v, 7);
    gate__map_free(m);
    gate__map_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clean_table),
        cmocka_unit_test(test_clean_null_and_hostile),
        cmocka_unit_test(test_fmt_count),
        cmocka_unit_test(test_fmt_ms),
        cmocka_unit_test(test_utf8_helpers),
        cmocka_unit_test(test_map),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
