/* Template rendering: {{var}}, ${vu}, ${iteration}, and what stays
 * literal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "loader_engine_internal.h"
#include "lgtest.h"

struct render_case {
    const char *tpl;
    unsigned vu;
    uint64_t iteration;
    const char *want;
};

static const struct render_case cases[] = {
    {"/api/health", 1, 0, "/api/health"},
    {"", 1, 0, ""},
    {"/agents/{{agent}}/query", 1, 0, "/agents/a-17/query"},
    {"/agents/{{ agent }}/q", 1, 0, "/agents/a-17/q"},
    {"{{agent}}{{token}}", 1, 0, "a-17t0k"},
    {"/x/{{unknown}}/y", 1, 0, "/x//y"},
    {"agent-${vu}", 42, 0, "agent-42"},
    {"it=${iteration}", 3, 18446744073709551615u, "it=18446744073709551615"},
    {"${vu}-${iteration}-{{agent}}", 7, 5, "7-5-a-17"},
    {"{\"name\":\"agent-${vu}\"}", 9, 0, "{\"name\":\"agent-9\"}"},
    {"${HOME}", 1, 0, "${HOME}"},
    {"${vu", 1, 0, "${vu"},
    {"$", 1, 0, "$"},
    {"{{agent", 1, 0, "{{agent"},
    {"a{{agent}}b{{", 1, 0, "aa-17b{{"},
    {"{agent}", 1, 0, "{agent}"},
    {"{{}}", 1, 0, ""},
    {"{{{agent}}}", 1, 0, "}"},
};

static void test_render_table(void **state)
{
    struct loader__vars vars = {0};

    (void)state;
    assert_int_equal(loader__vars_set(&vars, "agent", "a-17"), 0);
    assert_int_equal(loader__vars_set(&vars, "token", "t0k"), 0);
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        struct loader__buf out = {0};

        assert_int_equal(loader__template_render(cases[i].tpl, &vars,
                                                 cases[i].vu,
                                                 cases[i].iteration, &out),
                         0);
        if (strcmp(out.p, cases[i].want) != 0)
            fail_msg("case %zu: '%s' rendered '%s', want '%s'", i, cases[i].tpl,
                     out.p, cases[i].want);
        assert_int_equal(out.len, strlen(cases[i].want));
        loader__buf_release(&out);
    }
    loader__vars_release(&vars);
}

static void test_render_appends_and_null(void **state)
{
    struct loader__buf out = {0};

    (void)state;
    assert_int_equal(loader__buf_append(&out, "http://h", 8), 0);
    assert_int_equal(loader__template_render("/u/${vu}", NULL, 3, 0, &out), 0);
    assert_string_equal(out.p, "http://h/u/3");
    out.len = 0;
    assert_int_equal(loader__template_render(NULL, NULL, 3, 0, &out), 0);
    assert_string_equal(out.p, "");
    /* {{var}} without variables renders empty */
    assert_int_equal(loader__template_render("a{{x}}b", NULL, 1, 0, &out), 0);
    assert_string_equal(out.p, "ab");
    loader__buf_release(&out);
}

static void test_vars_replace_and_clear(void **state)
{
    struct loader__vars vars = {0};

    (void)state;
    assert_int_equal(loader__vars_set(&vars, "a", "1"), 0);
    assert_int_equal(loader__vars_set(&vars, "a", "2"), 0);
    assert_int_equal(vars.n, 1);
    assert_string_equal(loader__vars_get(&vars, "a", 1), "2");
    assert_null(loader__vars_get(&vars, "ab", 2));
    for (int i = 0; i < 20; i++) {
        char name[8];

        name[0] = 'v';
        name[1] = (char)('a' + i);
        name[2] = '\0';
        assert_int_equal(loader__vars_set(&vars, name, name), 0);
    }
    assert_int_equal(vars.n, 21);
    assert_string_equal(loader__vars_get(&vars, "vt", 2), "vt");
    loader__vars_clear(&vars);
    assert_int_equal(vars.n, 0);
    assert_null(loader__vars_get(&vars, "a", 1));
    loader__vars_release(&vars);
}

/* A long template with many substitutions grows the buffer correctly. */
static void test_render_long(void **state)
{
    static const char unit[] = "{{v}}/${vu};";
    struct loader__vars vars = {0};
    struct loader__buf out = {0};
    size_t ul = strlen(unit);
    char *tpl = malloc(ul * 1000 + 1);

    (void)state;
    assert_non_null(tpl);
    for (size_t i = 0; i < 1000; i++)
        memcpy(tpl + i * ul, unit, ul);
    tpl[ul * 1000] = '\0';
    assert_int_equal(loader__vars_set(&vars, "v", "xyz"), 0);
    assert_int_equal(loader__template_render(tpl, &vars, 5, 0, &out), 0);
    assert_int_equal(out.len, 6 * 1000);
    for (size_t i = 0; i < 1000; i++)
        assert_memory_equal(out.p + 6 * i, "xyz/5;", 6);
    free(tpl);
    loader__buf_release(&out);
    loader__vars_release(&vars);
}

LGTEST_MAIN(NULL, NULL, cmocka_unit_test(test_render_table),
            cmocka_unit_test(test_render_appends_and_null),
            cmocka_unit_test(test_vars_replace_and_clear),
            cmocka_unit_test(test_render_long))
