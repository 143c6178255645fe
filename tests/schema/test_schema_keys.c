/* schema/profile.schema.json against the parser's key tables
 * (profile__keys): at every level of a profile, each key the parser
 * accepts is a property of the schema there, each property of the schema
 * is a key the parser accepts, and the schema refuses every other key (as
 * the parser does), so that neither can fall behind the other silently. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "profile_internal.h"
#include "lgtest.h"

#define SCHEMA_FILE LOADGATE_SOURCE_DIR "/schema/profile.schema.json"

/* A parser level and the schema object that describes it: the root for
 * "top", definitions/<level> for the others. */
static const char *const levels[] = {
    "top",  "defaults", "target",  "load", "stage",     "scenario",
    "step", "expect",   "capture", "data", "threshold", "wait_for",
    "http", "stream",   "tokens",  "slo",  "message",
};

#define N_LEVELS (sizeof(levels) / sizeof(*levels))

static int setup(void **state)
{
    json_error_t jerr;
    json_t *schema = json_load_file(SCHEMA_FILE, 0, &jerr);

    if (!schema) {
        print_error("%s:%d:%d: %s\n", SCHEMA_FILE, jerr.line, jerr.column,
                    jerr.text);
        return -1;
    }
    *state = schema;
    return 0;
}

static int teardown(void **state)
{
    json_decref(*state);
    return 0;
}

/* The schema object of level (borrowed), or NULL. */
static json_t *level_object(json_t *schema, const char *level)
{
    if (strcmp(level, "top") == 0)
        return schema;
    return json_object_get(json_object_get(schema, "definitions"), level);
}

static bool in_table(const char *const *keys, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(keys[i], key) == 0)
            return true;
    return false;
}

static void test_schema_has_every_parser_key(void **state)
{
    size_t missing = 0, total = 0;

    for (size_t l = 0; l < N_LEVELS; l++) {
        size_t n = 0;
        const char *const *keys = profile__keys(levels[l], &n);
        json_t *obj = level_object(*state, levels[l]);
        json_t *props = json_object_get(obj, "properties");

        if (!keys || n == 0) {
            print_error("level '%s': the parser has no key table\n", levels[l]);
            missing++;
            continue;
        }
        if (!json_is_object(props)) {
            print_error(
                "level '%s': the schema has no %s with properties\n", levels[l],
                strcmp(levels[l], "top") == 0 ? "root" : "definitions entry");
            missing++;
            continue;
        }
        for (size_t i = 0; i < n; i++, total++)
            if (!json_object_get(props, keys[i])) {
                print_error("level '%s': the parser accepts '%s', the "
                            "schema does not list it\n",
                            levels[l], keys[i]);
                missing++;
            }
    }
    print_message("%zu parser keys over %zu levels\n", total, (size_t)N_LEVELS);
    assert_int_equal(missing, 0);
    /* the README's key tables alone hold more than 30 keys */
    assert_true(total > 30);
}

static void test_parser_accepts_every_schema_key(void **state)
{
    size_t extra = 0;

    for (size_t l = 0; l < N_LEVELS; l++) {
        size_t n = 0;
        const char *const *keys = profile__keys(levels[l], &n);
        json_t *props =
            json_object_get(level_object(*state, levels[l]), "properties");
        const char *key;
        json_t *v;

        if (!keys || !json_is_object(props))
            continue; /* reported by the test above */
        json_object_foreach(props, key, v)
        {
            if (!in_table(keys, n, key)) {
                print_error("level '%s': the schema lists '%s', the parser "
                            "refuses it\n",
                            levels[l], key);
                extra++;
            }
        }
    }
    assert_int_equal(extra, 0);
}

static void test_schema_refuses_unknown_keys(void **state)
{
    size_t open = 0;

    for (size_t l = 0; l < N_LEVELS; l++) {
        json_t *obj = level_object(*state, levels[l]);

        if (!obj)
            continue; /* reported above */
        if (json_object_get(obj, "additionalProperties") != json_false()) {
            print_error("level '%s': the schema lacks "
                        "\"additionalProperties\": false\n",
                        levels[l]);
            open++;
        }
    }
    assert_int_equal(open, 0);
}

LGTEST_MAIN(setup, teardown, cmocka_unit_test(test_schema_has_every_parser_key),
            cmocka_unit_test(test_parser_accepts_every_schema_key),
            cmocka_unit_test(test_schema_refuses_unknown_keys))
