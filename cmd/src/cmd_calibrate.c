/* loadgate calibrate PROFILE [--runs N]: A/A runs against the same service
 * measure how far two runs of the same build drift on this runner, per
 * endpoint and metric, and the smallest tolerance that would not have
 * raised a false alarm. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"

const struct cmd_option cmd_calibrate_options[] = {
    CMD_OPTION_VALUE("runs", 'n', CMD_OPT_RUNS, "N",
                     "A/A runs (2 to 100, default 5)"),
    CMD_OPTION_FLAG("quiet", 'q', CMD_OPT_QUIET, "no progress"),
    {.long_name = NULL},
};

int cmd_calibrate(int argc, char **argv)
{
    const char *usage = cmd_usage("calibrate");
    struct cmd_getopt g = {0};
    struct cmd_report_opts ro = {0};
    struct profile *prof = NULL;
    struct metrics_results **runs = NULL;
    struct compare_calibration *cal = NULL;
    struct profile_error perr;
    unsigned long long n = 5;
    size_t have = 0;
    char msg[1200];
    int opt, rc = GATE_EXIT_UNJUDGED;

    optind = 0;
    while ((opt = cmd_getopt(argc, argv, cmd_calibrate_options, &g)) != -1) {
        if (opt == CMD_OPT_QUIET)
            ro.quiet = true;
        else if (opt != CMD_OPT_RUNS)
            return cmd_bad_option(usage, opt, argv);
        else if (cmd_parse_uint(optarg, 2, 100, &n))
            return cmd_usage_error(usage, "--runs wants a count from 2 to "
                                          "100");
    }
    if (optind + 1 != argc)
        return cmd_usage_error(usage, "calibrate takes exactly one PROFILE");
    if (profile_load(argv[optind], &prof, &perr)) {
        profile_error_format(&perr, msg, sizeof(msg));
        cmd_error("%s", msg);
        return GATE_EXIT_USAGE;
    }
    runs = calloc(n, sizeof(*runs));
    if (!runs)
        goto out;
    for (have = 0; have < n && !cmd_stop; have++) {
        if (!ro.quiet)
            cmd_notice("A/A run %zu of %llu", have + 1, n);
        if (cmd_run_load(prof->plan, &ro, NULL, &runs[have], msg,
                         sizeof(msg))) {
            cmd_error("%s", msg);
            goto out;
        }
        if (gate_no_response(runs[have])) {
            cmd_error("run %zu got no response from the target", have + 1);
            have++;
            goto out;
        }
    }
    if (cmd_stop) {
        rc = cmd_signal == SIGTERM ? GATE_EXIT_SIGTERM : GATE_EXIT_SIGINT;
        goto out;
    }
    if (compare_calibrate((const struct metrics_results *const *)runs, have,
                          &cal)) {
        cmd_error("cannot calibrate: the runs share no endpoint with samples");
        goto out;
    }
    gate_calibration_write(cal, stdout);
    rc = 0;
out:
    compare_calibration_free(cal);
    for (size_t i = 0; runs && i < n; i++)
        metrics_results_free(runs[i]);
    free(runs);
    profile_free(prof);
    return rc;
}
