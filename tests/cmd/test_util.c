/* The small helpers of cmd_util.c and cmd_shard.c: whole numbers and
 * shards from the command line, the one-line messages of a bad option,
 * the report options, a profile's shard. */
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

static void test_parse_uint(void **state)
{
    static const struct {
        const char *s;
        unsigned long long min, max;
        int rc;
        unsigned long long want;
    } cases[] = {
        {"0", 0, 10, 0, 0},
        {"10", 0, 10, 0, 10},
        {"007", 1, 10, 0, 7},
        {"18446744073709551615", 0, ~0ULL, 0, ~0ULL},
        {"11", 0, 10, -1, 0}, /* above max */
        {"0", 1, 10, -1, 0},  /* below min */
        {"", 0, 10, -1, 0},
        {"-1", 0, 10, -1, 0}, /* strtoull would wrap it */
        {"+1", 0, 10, -1, 0},
        {" 1", 0, 10, -1, 0},
        {"1 ", 0, 10, -1, 0},
        {"1x", 0, 10, -1, 0},
        {"1.0", 0, 10, -1, 0},
        {"0x10", 0, 100, -1, 0},
        {"18446744073709551616", 0, ~0ULL, -1, 0}, /* overflow */
    };
    unsigned long long v;
    (void)state;

    for (size_t i = 0; i < N_OF(cases); i++) {
        v = 12345;
        if (cmd_parse_uint(cases[i].s, cases[i].min, cases[i].max, &v) !=
            cases[i].rc)
            fail_msg("'%s' in [%llu, %llu]: rc", cases[i].s, cases[i].min,
                     cases[i].max);
        /* a refused number leaves *out alone */
        assert_int_equal(v, cases[i].rc ? 12345 : cases[i].want);
    }
    assert_int_equal(cmd_parse_uint(NULL, 0, 10, &v), -1);
}

static void test_parse_shard(void **state)
{
    static const struct {
        const char *s;
        unsigned i, n;
    } ok[] = {
        {"1/1", 1, 1},
        {"2/3", 2, 3},
        {"3/3", 3, 3},
        {"100000/100000", 100000, 100000},
        /* read digit by digit (metrics_shard_parse), never cut short:
         * leading zeros are the same number */
        {"1/000000000000000000000000000000000000000000000000000000000000002", 1,
         2},
    };
    static const char *const bad[] = {
        "0/1",
        "2/1",
        "1/0",
        "1",
        "/",
        "1/",
        "/1",
        "a/b",
        "1/2/3",
        "1 /2",
        "-1/2",
        "100001/100001",
        "",
        "1/99999999999999999999999999999999999999999999999999999999999999"};
    unsigned i, n;
    (void)state;

    for (size_t k = 0; k < N_OF(ok); k++) {
        i = n = 77;
        if (cmd_parse_shard(ok[k].s, &i, &n) != 0)
            fail_msg("'%s': rc", ok[k].s);
        assert_int_equal(i, ok[k].i);
        assert_int_equal(n, ok[k].n);
    }
    for (size_t k = 0; k < N_OF(bad); k++)
        if (cmd_parse_shard(bad[k], &i, &n) != -1)
            fail_msg("'%s': rc", bad[k]);
    assert_int_equal(cmd_parse_shard(NULL, &i, &n), -1);
}

/* argv through cmd_getopt() over the test table to its first error, then
 * cmd_bad_option(): the one error line (then the usage line) it prints. */
static void check_bad_option(char **argv, const char *want)
{
    struct cmd_getopt g = {0};
    int argc = 0, opt, rc;
    char *err, line[256];

    while (argv[argc])
        argc++;
    opterr = 0;
    optind = 0;
    while ((opt = cmd_getopt(argc, argv, test_table, &g)) != -1 && opt != '?' &&
           opt != ':')
        ;
    assert_int_not_equal(opt, -1);
    capture_begin();
    rc = cmd_bad_option("t USAGE", opt, argv);
    err = capture_end();
    assert_int_equal(rc, GATE_EXIT_USAGE);
    snprintf(line, sizeof(line),
             "loadgate: error: %s\nusage: loadgate t USAGE\n", want);
    assert_string_equal(err, line);
    free(err);
}

static void test_bad_option_messages(void **state)
{
    (void)state;

    check_bad_option((char *[]){"t", "--nope", NULL},
                     "unknown option '--nope'");
    check_bad_option((char *[]){"t", "-z", NULL}, "unknown option '-z'");
    check_bad_option((char *[]){"t", "-gz", NULL}, "unknown option '-z'");
    check_bad_option((char *[]){"t", "--beta=1", NULL},
                     "option '--beta' takes no value");
    /* a known long option's id is no letter: still "takes no value" */
    check_bad_option((char *[]){"t", "--gamma=x", "-g", NULL},
                     "option '--gamma' takes no value");
    check_bad_option((char *[]){"t", "--alpha", NULL},
                     "option '--alpha' needs a value");
    check_bad_option((char *[]){"t", "-g", "-a", NULL},
                     "option '-a' needs a value");
    /* a letter inside a cluster after "--x=y": the letter, not the
     * earlier option */
    check_bad_option((char *[]){"t", "--alpha=v", "-zg", NULL},
                     "unknown option '-z'");
}

static void test_usage_error(void **state)
{
    char *err;
    int rc;
    (void)state;

    capture_begin();
    rc = cmd_usage_error("t ARGS", "%s takes %d", "t", 2);
    err = capture_end();
    assert_int_equal(rc, GATE_EXIT_USAGE);
    assert_string_equal(err, "loadgate: error: t takes 2\n"
                             "usage: loadgate t ARGS\n");
    free(err);
    /* the usage line made from the table */
    capture_begin();
    cmd_usage_error(cmd_usage("compare"), "x");
    err = capture_end();
    assert_string_equal(err, "loadgate: error: x\n"
                             "usage: loadgate compare BASELINE RESULTS "
                             "[--store DIR]\n");
    free(err);
}

/* Each id of the report table sets its field; no other id is taken. */
static void test_report_options(void **state)
{
    struct cmd_report_opts o = {0};
    const struct cmd_option *t[CMD_MAX_OPTIONS];
    int n = cmd_options_flatten(cmd_report_options, t, N_OF(t));
    (void)state;

    assert_int_equal(n, 8);
    for (int i = 0; i < n; i++)
        assert_int_equal(
            cmd_report_opt(&o, t[i]->id,
                           t[i]->id == CMD_OPT_FORMAT ? "json" : "f"),
            1);
    assert_string_equal(o.out, "f");
    assert_string_equal(o.junit, "f");
    assert_string_equal(o.markdown, "f");
    assert_string_equal(o.html, "f");
    assert_string_equal(o.gitlab, "f");
    assert_string_equal(o.format, "json");
    assert_true(o.quiet);
    assert_true(o.progress);
    assert_int_equal(cmd_report_opt(&o, CMD_OPT_BASELINE, "x"), 0);
    assert_int_equal(cmd_report_opt(&o, 'o', "x"), 0);
}

/* Of run's table, the seven baseline and gate options fill a cmd_judge;
 * the others (--keep, --shard, --repeat, the report options...) are the
 * command's own. */
static void test_judge_options(void **state)
{
    struct cmd_judge j = {0};
    const struct cmd_option *t[CMD_MAX_OPTIONS];
    int n = cmd_options_flatten(cmd_run_options, t, N_OF(t)), taken = 0;
    (void)state;

    assert_true(n > 7);
    for (int i = 0; i < n; i++)
        taken += cmd_judge_opt(&j, t[i]->id, "v");
    assert_int_equal(taken, 7);
    assert_string_equal(j.baseline_spec, "v");
    assert_true(j.require_baseline);
    assert_true(j.allow_profile_change);
    assert_string_equal(j.store, "v");
    assert_string_equal(j.save_baseline, "v");
    assert_true(j.save_if_pass);
    assert_true(j.no_gate);
    assert_int_equal(cmd_judge_opt(&j, CMD_OPT_KEEP, "3"), 0);
    assert_int_equal(cmd_judge_opt(&j, CMD_OPT_OUT, "x"), 0);
    assert_int_equal(j.keep, 0);
}

static void test_help_of_an_unknown_command(void **state)
{
    char *err;
    (void)state;

    capture_begin();
    assert_int_equal(cmd_help_for("frob", stdout), GATE_EXIT_USAGE);
    err = capture_end();
    assert_string_equal(err,
                        "loadgate: error: 'frob' is not a loadgate command\n");
    free(err);
}

/* Shards of a profile's load sum to the whole; one that would get no
 * user is an error naming the shard. */
/* A plan that loader_plan_check() accepts: one scenario of one step. */
static void small_plan(struct loader_plan *p, struct loader_scenario *sc,
                       struct loader_step *st, unsigned users)
{
    memset(p, 0, sizeof(*p));
    memset(sc, 0, sizeof(*sc));
    memset(st, 0, sizeof(*st));
    st->method = (char *)"GET";
    st->path = (char *)"/";
    sc->name = (char *)"s";
    sc->weight = 1;
    sc->steps = st;
    sc->n_steps = 1;
    p->target = (char *)"http://127.0.0.1:1";
    p->timeout_s = 10;
    p->scenarios = sc;
    p->n_scenarios = 1;
    p->load.users = users;
    p->load.duration_s = 1;
}

static void test_shard_profile(void **state)
{
    struct loader_plan p;
    struct loader_scenario sc;
    struct loader_step st;
    unsigned users = 0;
    char err[256];
    (void)state;

    for (unsigned i = 1; i <= 3; i++) {
        small_plan(&p, &sc, &st, 10);
        assert_int_equal(cmd_shard_profile(&p, i, 3, err, sizeof(err)), 0);
        assert_true(p.load.users == 3 || p.load.users == 4);
        users += p.load.users;
    }
    assert_int_equal(users, 10);
    small_plan(&p, &sc, &st, 10);
    assert_int_equal(cmd_shard_profile(&p, 1, 1, err, sizeof(err)), 0);
    assert_int_equal(p.load.users, 10); /* one shard: the whole */
    p.load.users = 2;
    assert_int_equal(cmd_shard_profile(&p, 3, 3, err, sizeof(err)), -1);
    assert_true(strncmp(err, "shard 3/3: ", 11) == 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_uint),
        cmocka_unit_test(test_parse_shard),
        cmocka_unit_test(test_bad_option_messages),
        cmocka_unit_test(test_usage_error),
        cmocka_unit_test(test_report_options),
        cmocka_unit_test(test_judge_options),
        cmocka_unit_test(test_help_of_an_unknown_command),
        cmocka_unit_test(test_shard_profile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
