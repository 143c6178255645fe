/* JSON pointers (RFC 6901) and how captured values are stringified. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "loader_engine_internal.h"
#include "lgtest.h"

/* The example document of RFC 6901 section 5, plus a few more members. */
static const char doc[] =
    "{\"foo\": [\"bar\", \"baz\"], \"\": 0, \"a/b\": 1, \"c%d\": 2, "
    "\"e^f\": 3, \"g|h\": 4, \"i\\\\j\": 5, \"k\\\"l\": 6, \" \": 7, "
    "\"m~n\": 8, \"num\": 0.5, \"big\": 12345678901234, \"t\": true, "
    "\"f\": false, \"z\": null, \"obj\": {\"x\": [1, {\"y\": \"deep\"}]}, "
    "\"~1\": \"tilde-one\", \"agent_id\": \"a-42\"}";

/* A pointer (or a document) and the value it gives, stringified. */
struct ptr_value {
    const char *in, *want;
};

/* Pointers that resolve in doc. */
static const struct ptr_value found[] = {
    {"/foo/0", "bar"},
    {"/foo/1", "baz"},
    {"/", "0"},
    {"/a~1b", "1"},
    {"/c%d", "2"},
    {"/e^f", "3"},
    {"/g|h", "4"},
    {"/i\\j", "5"},
    {"/k\"l", "6"},
    {"/ ", "7"},
    {"/m~0n", "8"},
    {"/~01", "tilde-one"}, /* ~01 is "~1", not "/" */
    {"/num", "0.5"},
    {"/big", "12345678901234"},
    {"/t", "true"},
    {"/f", "false"},
    {"/z", "null"},
    {"/obj/x/1/y", "deep"},
    {"/obj/x", "[1,{\"y\":\"deep\"}]"},
    {"/foo", "[\"bar\",\"baz\"]"},
    {"/agent_id", "a-42"},
};

/* Pointers that do not resolve: LOADER_EINVAL and no value. */
static const char *const refused[] = {
    "/missing",
    "/foo/2",
    "/foo/-",
    "/foo/01",
    "/foo/-1",
    "/foo/1x",
    "/foo/99999999999999999999999",
    "/foo/0/bar",
    "/m~2n",
    "/m~",
    "foo",
    "/a/b",
};

static void test_pointer_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(found) / sizeof(*found); i++) {
        char *val = NULL;
        int rc = loader__jsonptr_extract(doc, strlen(doc), found[i].in, &val);

        if (rc != 0)
            fail_msg("'%s': rc %d, want 0", found[i].in, rc);
        assert_non_null(val);
        if (strcmp(val, found[i].want) != 0)
            fail_msg("'%s': got '%s', want '%s'", found[i].in, val,
                     found[i].want);
        free(val);
    }
    for (size_t i = 0; i < sizeof(refused) / sizeof(*refused); i++) {
        char *val = NULL;
        int rc = loader__jsonptr_extract(doc, strlen(doc), refused[i], &val);

        if (rc != LOADER_EINVAL)
            fail_msg("'%s': rc %d, want %d", refused[i], rc, LOADER_EINVAL);
        assert_null(val);
    }
}

/* The empty pointer: the whole document, a scalar as its text. */
static void test_whole_document_and_scalars(void **state)
{
    /* here .in is the document */
    static const struct ptr_value cases[] = {
        {"[1, 2]", "[1,2]"},
        {"\"s\"", "s"},
        {"0.1", "0.1"},
        {"-7", "-7"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        char *val = NULL;

        assert_int_equal(
            loader__jsonptr_extract(cases[i].in, strlen(cases[i].in), "", &val),
            0);
        assert_string_equal(val, cases[i].want);
        free(val);
    }
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

LGTEST_MAIN(NULL, NULL, cmocka_unit_test(test_pointer_table),
            cmocka_unit_test(test_whole_document_and_scalars),
            cmocka_unit_test(test_not_json))
