/* JSON pointers (RFC 6901) and how captured values are stringified. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "loader_engine_internal.h"

/* The example document of RFC 6901 section 5, plus a few more members. */
static const char doc[] =
    "{\"foo\": [\"bar\", \"baz\"], \"\": 0, \"a/b\": 1, \"c%d\": 2, "
    "\"e^f\": 3, \"g|h\": 4, \"i\\\\j\": 5, \"k\\\"l\": 6, \" \": 7, "
    "\"m~n\": 8, \"num\": 0.5, \"big\": 12345678901234, \"t\": true, "
    "\"f\": false, \"z\": null, \"obj\": {\"x\": [1, {\"y\": \"deep\"}]}, "
    "\"~1\": \"tilde-one\", \"agent_id\": \"a-42\"}";

struct ptr_case {
    const char *pointer;
    int rc;
    const char *want; /* stringified value when rc == 0 */
};

static const struct ptr_case cases[] = {
    {"/foo/0", 0, "bar"},
    {"/foo/1", 0, "baz"},
    {"/", 0, "0"},
    {"/a~1b", 0, "1"},
    {"/c%d", 0, "2"},
    {"/e^f", 0, "3"},
    {"/g|h", 0, "4"},
    {"/i\\j", 0, "5"},
    {"/k\"l", 0, "6"},
    {"/ ", 0, "7"},
    {"/m~0n", 0, "8"},
    {"/~01", 0, "tilde-one"}, /* ~01 is "~1", not "/" */
    {"/num", 0, "0.5"},
    {"/big", 0, "12345678901234"},
    {"/t", 0, "true"},
    {"/f", 0, "false"},
    {"/z", 0, "null"},
    {"/obj/x/1/y", 0, "deep"},
    {"/obj/x", 0, "[1,{\"y\":\"deep\"}]"},
    {"/foo", 0, "[\"bar\",\"baz\"]"},
    {"/agent_id", 0, "a-42"},
    /* failures */
    {"/missing", LOADER_EINVAL, NULL},
    {"/foo/2", LOADER_EINVAL, NULL},
    {"/foo/-", LOADER_EINVAL, NULL},
    {"/foo/01", LOADER_EINVAL, NULL},
    {"/foo/-1", LOADER_EINVAL, NULL},
    {"/foo/1x", LOADER_EINVAL, NULL},
    {"/foo/99999999999999999999999", LOADER_EINVAL, NULL},
    {"/foo/0/bar", LOADER_EINVAL, NULL},
    {"/m~2n", LOADER_EINVAL, NULL},
    {"/m~", LOADER_EINVAL, NULL},
    {"foo", LOADER_EINVAL, NULL},
    {"/a/b", LOADER_EINVAL, NULL},
};

static void test_pointer_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        char *val = NULL;
        int rc =
            loader__jsonptr_extract(doc, strlen(doc), cases[i].pointer, &val);

        if (rc != cases[i].rc)
            fail_msg("case %zu '%s': rc %d, want %d", i, cases[i].pointer, rc,
                     cases[i].rc);
        if (cases[i].want) {
            assert_non_null(val);
            if (strcmp(val, cases[i].want) != 0)
                fail_msg("case %zu '%s': got '%s', want '%s'", i,
                         cases[i].pointer, val, cases[i].want);
        } else {
            assert_null(val);
        }
        free(val);
    }
}

static void test_whole_document_and_scalars(void **state)
{
    char *val = NULL;

    (void)state;
    assert_int_equal(loader__jsonptr_extract("[1, 2]", 6, "", &val), 0);
    assert_string_equal(val, "[1,2]");
    free(val);
    assert_int_equal(loader__jsonptr_extract("\"s\"", 3, "", &val), 0);
    assert_string_equal(val, "s");
    free(val);
    assert_int_equal(loader__jsonptr_extract("0.1", 3, "", &val), 0);
    assert_string_equal(val, "0.1");
    free(val);
    assert_int_equal(loader__jsonptr_extract("-7", 2, "", &val), 0);
    assert_string_equal(val, "-7");
    free(val);
}

static void test_not_json(void **state)
{
    static const char *const bodies[] = {
        "", "not json", "{\"a\": ", "{\"a\": 1} trailing", "<html></html>",
    };
    char *val = (char *)1;

    (void)state;
    for (size_t i = 0; i < sizeof(bodies) / sizeof(*bodies); i++) {
        assert_int_equal(
            loader__jsonptr_extract(bodies[i], strlen(bodies[i]), "/a", &val),
            LOADER_EINVAL);
        assert_null(val);
    }
    assert_int_equal(loader__jsonptr_extract(NULL, 0, "/a", &val),
                     LOADER_EINVAL);
    /* the length counts, not a NUL */
    assert_int_equal(loader__jsonptr_extract("{\"a\":1}xxxx", 7, "/a", &val),
                     0);
    assert_string_equal(val, "1");
    free(val);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pointer_table),
        cmocka_unit_test(test_whole_document_and_scalars),
        cmocka_unit_test(test_not_json),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
