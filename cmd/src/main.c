/*
 * loadgate: a load-testing regression gate for CI pipelines.
 * main() finds the subcommand in cmd_commands[] and runs it (git's git.c).
 */
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>

#include "cmd.h"

const struct cmd cmd_commands[] = {
    {"run", cmd_run,
     "run PROFILE [--baseline FILE|NAME] [--require-baseline] "
     "[--save-baseline NAME [--if-pass]] [--store DIR] [--no-gate] "
     "[--shard I/N | --shards N] " CMD_REPORT_USAGE,
     "drive the profile's load, judge it, report, exit with the verdict"},
    {"quick", cmd_quick,
     "quick URL [REQUESTS [CONCURRENCY]] [-n N] [-c N] [-d DURATION] "
     "[--rate R/s] [-m METHOD] [-H 'K: V']... [--body FILE] "
     "[--threshold EXPR]... " CMD_REPORT_USAGE,
     "one-line load test of one URL (default 1000 requests, 100 "
     "concurrent)"},
    {"gate", cmd_gate,
     "gate RESULTS [--profile PROFILE] [--threshold EXPR]... "
     "[--baseline B] [--require-baseline] " CMD_REPORT_USAGE,
     "judge a results file against thresholds and a baseline"},
    {"compare", cmd_compare, "compare BASELINE RESULTS",
     "side-by-side diff of two results files, per endpoint"},
    {"baseline", cmd_baseline,
     "baseline save RESULTS --name NAME | list | show NAME [--json] | "
     "rm NAME  [--store DIR]",
     "manage the stored baselines (default store .loadgate/baselines)"},
    {"merge", cmd_merge, "merge A.json B.json ... -o OUT.json",
     "merge the results of shards (or any runs of one profile) exactly"},
    {"validate", cmd_validate, "validate PROFILE",
     "check a profile and its thresholds without running anything"},
    {"demo", cmd_demo,
     "demo [--slow ENDPOINT=PERCENT]... [--serve PORT] " CMD_REPORT_USAGE,
     "run the bundled service and profile end to end"},
    {"report", cmd_report,
     "report RESULTS [--baseline B] [--profile PROFILE] " CMD_REPORT_USAGE,
     "render the reports of a results file (exit 0 whatever the verdict)"},
    {"help", cmd_help, "help [COMMAND]", "show help for a command"},
    {"version", cmd_version, "version", "print the version"},
    {NULL, NULL, NULL, NULL},
};

static const struct cmd *find_command(const char *name)
{
    for (const struct cmd *c = cmd_commands; c->name; c++)
        if (strcmp(c->name, name) == 0)
            return c;
    return NULL;
}

static void general_help(FILE *out)
{
    fprintf(out, "usage: loadgate COMMAND [ARGS]\n\n"
                 "A load-testing regression gate for CI pipelines.\n\n"
                 "Commands:\n");
    for (const struct cmd *c = cmd_commands; c->name; c++)
        fprintf(out, "  %-10s %s\n", c->name, c->summary);
    fprintf(out,
            "\nExit codes: 0 pass, 1 performance regression or threshold "
            "failed,\n2 usage or profile error, 3 could not run or judge, "
            "130/143 interrupted.\n"
            "Run 'loadgate help COMMAND' for a command's options.\n");
}

int cmd_help_for(const char *name, FILE *out)
{
    const struct cmd *c = find_command(name);

    if (!c) {
        cmd_error("'%s' is not a loadgate command", name);
        return GATE_EXIT_USAGE;
    }
    fprintf(out, "usage: loadgate %s\n\n%s\n", c->usage, c->summary);
    return 0;
}

int cmd_help(int argc, char **argv)
{
    if (argc > 1)
        return cmd_help_for(argv[1], stdout);
    general_help(stdout);
    return 0;
}

int cmd_version(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    printf("loadgate %s (%s)\n", LOADGATE_VERSION, curl_version());
    return 0;
}

int main(int argc, char **argv)
{
    const struct cmd *c;
    int rc;

    if (argc < 2) {
        general_help(stderr);
        return GATE_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        general_help(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0)
        return cmd_version(argc - 1, argv + 1);
    c = find_command(argv[1]);
    if (!c) {
        cmd_error("'%s' is not a loadgate command; see 'loadgate help'",
                  argv[1]);
        return GATE_EXIT_USAGE;
    }
    for (int i = 2; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return cmd_help_for(c->name, stdout);

    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        cmd_error("cannot initialise libcurl");
        return GATE_EXIT_UNJUDGED;
    }
    rc = c->fn(argc - 1, argv + 1);
    /* git's run_builtin: a report that did not reach stdout is a failure. */
    if (fflush(stdout) != 0 || ferror(stdout)) {
        cmd_error("cannot write to standard output");
        if (rc == 0)
            rc = GATE_EXIT_UNJUDGED;
    }
    curl_global_cleanup();
    return rc;
}
