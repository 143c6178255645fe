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

/* Templates rendered with the variables agent = a-17 and token = t0k:
 * {template, what it renders}. */
static const char *const var_cases[][2] = {
    {"/api/health", "/api/health"},
    {"", ""},
    {"/agents/{{agent}}/query", "/agents/a-17/query"},
    {"/agents/{{ agent }}/q", "/agents/a-17/q"},
    {"{{agent}}{{token}}", "a-17t0k"},
    {"/x/{{unknown}}/y", "/x//y"},
    /* what stays literal */
    {"${HOME}", "${HOME}"},
    {"${vu", "${vu"},
    {"$", "$"},
    {"{{agent", "{{agent"},
    {"a{{agent}}b{{", "aa-17b{{"},
    {"{agent}", "{agent}"},
    {"{{}}", ""},
    {"{{{agent}}}", "}"},
};

/* Templates with the virtual user's number and iteration. */
static const struct {
    const char *tpl;
    unsigned vu;
    uint64_t iteration;
    const char *want;
} counter_cases[] = {
    {"agent-${vu}", 42, 0, "agent-42"},
    {"it=${iteration}", 3, 18446744073709551615u, "it=18446744073709551615"},
    {"${vu}-${iteration}-{{agent}}", 7, 5, "7-5-a-17"},
    {"{\"name\":\"agent-${vu}\"}", 9, 0, "{\"name\":\"agent-9\"}"},
};

/* tpl rendered for user vu in iteration it is want. */
static void expect_render(const struct loader__vars *vars, const char *tpl,
                          unsigned vu, uint64_t it, const char *want)
{
    struct loader__buf out = {0};

    assert_int_equal(loader__template_render(tpl, vars, vu, it, &out), 0);
    if (strcmp(out.p, want) != 0)
        fail_msg("'%s' rendered '%s', want '%s'", tpl, out.p, want);
    assert_int_equal(out.len, strlen(want));
    loader__buf_release(&out);
}

/* The variables of the tables: agent = a-17, token = t0k. */
static int vars_setup(void **state)
{
    static struct loader__vars vars;

    memset(&vars, 0, sizeof(vars));
    if (loader__vars_set(&vars, "agent", "a-17") ||
        loader__vars_set(&vars, "token", "t0k"))
        return -1;
    *state = &vars;
    return 0;
}

static int vars_teardown(void **state)
{
    loader__vars_release(*state);
    return 0;
}

static void test_render_table(void **state)
{
    for (size_t i = 0; i < sizeof(var_cases) / sizeof(*var_cases); i++)
        expect_render(*state, var_cases[i][0], 1, 0, var_cases[i][1]);
    for (size_t i = 0; i < sizeof(counter_cases) / sizeof(*counter_cases); i++)
        expect_render(*state, counter_cases[i].tpl, counter_cases[i].vu,
                      counter_cases[i].iteration, counter_cases[i].want);
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

LGTEST_MAIN(NULL, NULL,
            cmocka_unit_test_setup_teardown(test_render_table, vars_setup,
                                            vars_teardown),
            cmocka_unit_test(test_render_appends_and_null),
            cmocka_unit_test(test_vars_replace_and_clear),
            cmocka_unit_test(test_render_long))
