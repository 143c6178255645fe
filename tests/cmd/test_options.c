/* The option tables and what cmd_options.c makes of them: getopt_long's
 * arguments, the ids cmd_getopt() hands back, the usage line and the
 * aligned --help list; every command's table among them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cmd_fixture.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static void test_flatten_puts_includes_in_place(void **state)
{
    const struct cmd_option *o[CMD_MAX_OPTIONS];
    (void)state;

    assert_int_equal(cmd_options_flatten(test_table, o, N_OF(o)), 4);
    assert_string_equal(o[0]->long_name, "alpha");
    assert_string_equal(o[1]->long_name, "beta");
    assert_string_equal(o[2]->long_name, "gamma");
    assert_string_equal(o[3]->long_name, "delta");
    assert_int_equal(cmd_options_flatten(test_table, o, 3), -1);
    assert_int_equal(cmd_options_flatten(NULL, o, N_OF(o)), 0);
}

static void test_getopt_arguments_of_a_table(void **state)
{
    struct cmd_getopt g = {0};
    (void)state;

    assert_int_equal(cmd_getopt_init(&g, test_table), 0);
    assert_int_equal(g.n, 4);
    /* ':' first: a missing value is ':', not '?' */
    assert_string_equal(g.shortopts, ":a:g");
    assert_string_equal(g.longopts[0].name, "alpha");
    assert_int_equal(g.longopts[0].has_arg, required_argument);
    assert_int_equal(g.longopts[0].val, TEST_ALPHA);
    assert_null(g.longopts[0].flag);
    assert_string_equal(g.longopts[1].name, "beta");
    assert_int_equal(g.longopts[1].has_arg, no_argument);
    assert_int_equal(g.longopts[2].val, TEST_GAMMA);
    assert_int_equal(g.longopts[3].has_arg, required_argument);
    assert_int_equal(g.longopts[3].val, TEST_DELTA);
    assert_null(g.longopts[4].name); /* the end */
}

/* Both names of an option give its id; values and permutation as
 * getopt_long's. */
static void test_getopt_hands_back_ids(void **state)
{
    char *argv[] = {"t",  "-a",         "v1",   "pos",     "--beta",
                    "-g", "--alpha=v2", "-av3", "--gamma", "--delta",
                    "up", "--del=down", NULL};
    static const struct {
        int id;
        const char *arg;
    } want[] = {{TEST_ALPHA, "v1"}, {TEST_BETA, NULL},   {TEST_GAMMA, NULL},
                {TEST_ALPHA, "v2"}, {TEST_ALPHA, "v3"},  {TEST_GAMMA, NULL},
                {TEST_DELTA, "up"}, {TEST_DELTA, "down"}};
    struct cmd_getopt g = {0};
    int argc = (int)N_OF(argv) - 1, opt;
    size_t k = 0;
    (void)state;

    opterr = 0;
    optind = 0;
    while ((opt = cmd_getopt(argc, argv, test_table, &g)) != -1) {
        assert_true(k < N_OF(want));
        assert_int_equal(opt, want[k].id);
        if (want[k].arg)
            assert_string_equal(optarg, want[k].arg);
        k++;
    }
    assert_int_equal(k, N_OF(want));
    assert_int_equal(optind, argc - 1);
    assert_string_equal(argv[optind], "pos");
}

static bool is_number(const char *w)
{
    return w[0] >= '0' && w[0] <= '9';
}

/* An optional value: --opt=V, --opt V when value_ok takes V, else --opt
 * alone with the next word left as an argument (here: run's
 * --until-decided [MAX] before a PROFILE). */
static void test_getopt_optional_value(void **state)
{
    static const struct cmd_option table[] = {{.long_name = "opt",
                                               .id = (enum cmd_opt)2000,
                                               .arg = CMD_ARG_OPTIONAL,
                                               .metavar = "[N]",
                                               .value_ok = is_number,
                                               .help = ""},
                                              {.long_name = NULL}};
    static const struct {
        const char *argv[4];
        const char *value; /* NULL: none */
        const char *left;  /* the argument left, NULL: none */
    } cases[] = {{{"t", "--opt", "60", NULL}, "60", NULL},
                 {{"t", "--opt=x", NULL}, "x", NULL},
                 {{"t", "--opt", "p.yaml", NULL}, NULL, "p.yaml"},
                 {{"t", "--opt", NULL}, NULL, NULL},
                 {{"t", "p.yaml", "--opt", "5"}, "5", "p.yaml"}};
    (void)state;

    opterr = 0;
    for (size_t i = 0; i < N_OF(cases); i++) {
        char *argv[5] = {NULL};
        struct cmd_getopt g = {0};
        int argc = 0;

        for (; argc < 4 && cases[i].argv[argc]; argc++)
            argv[argc] = (char *)cases[i].argv[argc];
        optind = 0;
        assert_int_equal(cmd_getopt(argc, argv, table, &g), 2000);
        if (cases[i].value)
            assert_string_equal(optarg, cases[i].value);
        else
            assert_null(optarg);
        assert_int_equal(cmd_getopt(argc, argv, table, &g), -1);
        if (cases[i].left) {
            assert_int_equal(optind, argc - 1);
            assert_string_equal(argv[optind], cases[i].left);
        } else {
            assert_int_equal(optind, argc);
        }
    }
}

/* What cmd_bad_option() is given: '?' or ':' with optopt set. */
static void test_getopt_errors_stay_errors(void **state)
{
    static const struct {
        const char *arg;
        int ret;
        int optopt;
    } cases[] = {{"-z", '?', 'z'},
                 {"--nope", '?', 0},
                 {"--beta=x", '?', TEST_BETA},
                 {"-a", ':', 'a'},
                 {"--alpha", ':', TEST_ALPHA}};
    (void)state;

    opterr = 0;
    for (size_t i = 0; i < N_OF(cases); i++) {
        char *argv[] = {"t", (char *)cases[i].arg, NULL};
        struct cmd_getopt g = {0};
        optind = 0;
        assert_int_equal(cmd_getopt(2, argv, test_table, &g), cases[i].ret);
        assert_int_equal(optopt, cases[i].optopt);
    }
}

static void test_broken_tables_are_refused(void **state)
{
    static const struct cmd_option same_long[] = {
        {.long_name = "x", .id = (enum cmd_opt)2000, .help = ""},
        {.long_name = "x", .id = (enum cmd_opt)2001, .help = ""},
        {.long_name = NULL}};
    static const struct cmd_option same_short[] = {{.long_name = "x",
                                                    .short_name = 'x',
                                                    .id = (enum cmd_opt)2000,
                                                    .help = ""},
                                                   {.long_name = "y",
                                                    .short_name = 'x',
                                                    .id = (enum cmd_opt)2001,
                                                    .help = ""},
                                                   {.long_name = NULL}};
    static const struct cmd_option same_id[] = {
        {.long_name = "x", .id = (enum cmd_opt)2000, .help = ""},
        {.long_name = "y", .id = (enum cmd_opt)2000, .help = ""},
        {.long_name = NULL}};
    static const struct cmd_option char_id[] = {
        {.long_name = "x", .id = (enum cmd_opt)'x', .help = ""},
        {.long_name = NULL}};
    /* an include of the test table's included one, twice */
    static const struct cmd_option twice[] = {
        {.help = "a", .include = test_included},
        {.help = "b", .include = test_included},
        {.long_name = NULL}};
    static struct cmd_option many[CMD_MAX_OPTIONS + 2];
    static char names[CMD_MAX_OPTIONS + 1][8];
    const struct cmd_option *bad[] = {same_long, same_short, same_id,
                                      char_id,   twice,      many};
    struct cmd_getopt g;
    (void)state;

    for (size_t i = 0; i <= CMD_MAX_OPTIONS; i++) {
        snprintf(names[i], sizeof(names[i]), "o%zu", i);
        many[i].long_name = names[i];
        many[i].id = (enum cmd_opt)(2000 + i);
        many[i].help = "";
    }
    for (size_t i = 0; i < N_OF(bad); i++) {
        memset(&g, 0, sizeof(g));
        if (cmd_getopt_init(&g, bad[i]) != -1)
            fail_msg("table %zu accepted", i);
        assert_null(g.table);
    }
    many[CMD_MAX_OPTIONS].long_name = NULL; /* exactly the most */
    assert_int_equal(cmd_getopt_init(&g, many), 0);
}

/* Every command's table converts, with every option's names and id, and
 * no letter in the short options that no option has. */
static void test_every_command_table_converts(void **state)
{
    (void)state;

    for (const struct cmd *c = cmd_commands; c->name; c++) {
        const struct cmd_option *o[CMD_MAX_OPTIONS];
        int n = cmd_options_flatten(c->options, o, N_OF(o));
        struct cmd_getopt g = {0};
        size_t letters = 0;

        if (!c->options)
            continue;
        if (cmd_getopt_init(&g, c->options))
            fail_msg("%s: its table does not convert", c->name);
        assert_int_equal(g.n, n);
        for (int i = 0; i < n; i++) {
            const char *s;
            assert_string_equal(g.longopts[i].name, o[i]->long_name);
            assert_int_equal(g.longopts[i].val, o[i]->id);
            assert_non_null(o[i]->help);
            assert_null(strchr(o[i]->help, '\n'));
            if (o[i]->complete == CMD_COMPLETE_WORDS)
                assert_non_null(o[i]->words);
            if (!o[i]->short_name)
                continue;
            letters += o[i]->arg == CMD_ARG_REQUIRED ? 2 : 1;
            s = strchr(g.shortopts + 1, o[i]->short_name);
            assert_non_null(s);
            assert_int_equal(s[1] == ':', o[i]->arg == CMD_ARG_REQUIRED);
        }
        assert_int_equal(strlen(g.shortopts), 1 + letters);
    }
}

static void test_usage_of_a_table(void **state)
{
    static const char want[] =
        "t FILE --beta [MORE...] [--alpha A-B]... [--gamma] "
        "[--delta up|down]";
    char buf[256], small[10];
    (void)state;

    assert_int_equal(cmd_usage_format(&test_cmds[0], buf, sizeof(buf)),
                     strlen(want));
    assert_string_equal(buf, want);
    /* cut short, but NUL-terminated, and the whole length told */
    assert_int_equal(cmd_usage_format(&test_cmds[0], small, sizeof(small)),
                     strlen(want));
    assert_string_equal(small, "t FILE --");
    assert_string_equal(cmd_usage("no-such-command"), "no-such-command");
}

/* "FILE", or the words joined by '|'. */
static void value_name(const struct cmd_option *o, char *buf, size_t len)
{
    snprintf(buf, len, "%s", o->metavar ? o->metavar : o->words);
    for (char *p = buf; !o->metavar && *p; p++)
        if (*p == ' ')
            *p = '|';
}

/* Every option of every command in its usage line, as "[--name VALUE]",
 * unless its arguments show it. */
static void test_every_usage_lists_every_option(void **state)
{
    (void)state;

    for (const struct cmd *c = cmd_commands; c->name; c++) {
        const struct cmd_option *o[CMD_MAX_OPTIONS];
        int n = cmd_options_flatten(c->options, o, N_OF(o));
        const char *usage = cmd_usage(c->name);
        char want[256], value[128];

        assert_true(strncmp(usage, c->name, strlen(c->name)) == 0);
        assert_non_null(strstr(usage, c->args));
        for (int i = 0; i < n; i++) {
            value_name(o[i], value, sizeof(value));
            snprintf(want, sizeof(want), "[--%s%s%s]%s", o[i]->long_name,
                     o[i]->arg != CMD_ARG_NONE ? " " : "",
                     o[i]->arg != CMD_ARG_NONE ? value : "",
                     o[i]->flags & CMD_OPTF_REPEAT ? "..." : "");
            if ((strstr(usage, want) != NULL) !=
                !(o[i]->flags & CMD_OPTF_IN_ARGS))
                fail_msg("%s: '%s' in '%s'", c->name, want, usage);
        }
    }
}

static void test_help_list_of_a_table(void **state)
{
    struct mem m;
    (void)state;

    mem_open(&m);
    cmd_options_help(test_table, m.f);
    assert_string_equal(mem_close(&m),
                        "  -a, --alpha A-B      the first\n"
                        "      --beta           the second\n"
                        "  -g, --gamma          the third\n"
                        "      --delta up|down  .dotted help starts a line\n");
    free(m.text);
}

/* A long help wraps under its column; a wide option pushes only its own
 * text (two spaces after it); no line is longer than 79. */
static void test_help_list_wraps_and_aligns(void **state)
{
    static const struct cmd_option t[] = {
        {.long_name = "short",
         .short_name = 's',
         .id = (enum cmd_opt)2000,
         .help = "one two three four five six seven eight nine ten eleven "
                 "twelve thirteen fourteen fifteen sixteen"},
        {.long_name = "a-very-long-option-name",
         .id = (enum cmd_opt)2001,
         .arg = CMD_ARG_REQUIRED,
         .metavar = "VALUE",
         .help = "wide"},
        {.long_name = NULL}};
    struct mem m;
    (void)state;

    mem_open(&m);
    cmd_options_help(t, m.f);
    assert_string_equal(
        mem_close(&m),
        "  -s, --short  one two three four five six seven eight nine ten "
        "eleven twelve\n"
        "               thirteen fourteen fifteen sixteen\n"
        "      --a-very-long-option-name VALUE  wide\n");
    free(m.text);
}

/* Each command's --help: usage, summary, every option on a line of its
 * own, the texts of the options that fit in one column, option lines at
 * most 79 wide, examples. */
static void test_every_help_lists_every_option_aligned(void **state)
{
    (void)state;

    for (const struct cmd *c = cmd_commands; c->name; c++) {
        const struct cmd_option *o[CMD_MAX_OPTIONS];
        int n = cmd_options_flatten(c->options, o, N_OF(o));
        size_t column = 0;
        struct mem m;
        char *line;

        mem_open(&m);
        assert_int_equal(cmd_help_for(c->name, m.f), 0);
        mem_close(&m);
        assert_true(strncmp(m.text, "usage: loadgate ", 16) == 0);
        assert_non_null(strstr(m.text, c->summary));
        assert_non_null(strstr(m.text, c->examples));
        for (int i = 0; i < n; i++) {
            char head[128];
            size_t at;
            if (o[i]->short_name)
                snprintf(head, sizeof(head), "\n  -%c, --%s ", o[i]->short_name,
                         o[i]->long_name);
            else
                snprintf(head, sizeof(head), "\n      --%s ", o[i]->long_name);
            line = strstr(m.text, head);
            if (!line)
                fail_msg("help %s lacks '%s'", c->name, head + 1);
            line++;
            /* past the names and the value's: the text */
            at = (size_t)(strstr(line + strlen(head) - 2, "  ") - line);
            while (line[at] == ' ')
                at++;
            if (strncmp(line + at, o[i]->help, strcspn(o[i]->help, " ")))
                fail_msg("help %s: --%s's text is not at %zu", c->name,
                         o[i]->long_name, at);
            if (at <= 30) {
                if (column && at != column)
                    fail_msg("help %s: --%s's text at %zu, not %zu", c->name,
                             o[i]->long_name, at, column);
                column = at;
            }
        }
        free(m.text);
        if (!c->options)
            continue;
        mem_open(&m);
        cmd_options_help(c->options, m.f);
        mem_close(&m);
        for (line = m.text; *line;) {
            size_t len = strcspn(line, "\n");
            if (len > 79)
                fail_msg("help %s: an option line of %zu", c->name, len);
            line += len + (line[len] == '\n');
        }
        free(m.text);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_flatten_puts_includes_in_place),
        cmocka_unit_test(test_getopt_arguments_of_a_table),
        cmocka_unit_test(test_getopt_hands_back_ids),
        cmocka_unit_test(test_getopt_optional_value),
        cmocka_unit_test(test_getopt_errors_stay_errors),
        cmocka_unit_test(test_broken_tables_are_refused),
        cmocka_unit_test(test_every_command_table_converts),
        cmocka_unit_test(test_usage_of_a_table),
        cmocka_unit_test(test_every_usage_lists_every_option),
        cmocka_unit_test(test_help_list_of_a_table),
        cmocka_unit_test(test_help_list_wraps_and_aligns),
        cmocka_unit_test(test_every_help_lists_every_option_aligned),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
