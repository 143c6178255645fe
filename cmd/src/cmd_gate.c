/* loadgate gate RESULTS and loadgate report RESULTS: judge a results file
 * that a run (here or on another machine) wrote. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "importer.h"

static const char gate_usage[] =
    "gate RESULTS [--profile PROFILE] [--threshold EXPR]... [--baseline B] "
    "[--require-baseline] [--allow-profile-change] [--store DIR] "
    "[--from locust|k6|jmeter] " CMD_REPORT_USAGE;
static const char report_usage[] =
    "report RESULTS [--profile PROFILE] [--threshold EXPR]... [--baseline B] "
    "[--require-baseline] [--allow-profile-change] [--store DIR] "
    "[--from locust|k6|jmeter] " CMD_REPORT_USAGE;

static int gate_or_report(int argc, char **argv, bool report)
{
    static const struct option longopts[] = {
        CMD_REPORT_LONGOPTS,
        {"profile", required_argument, NULL, 'p'},
        {"threshold", required_argument, NULL, 't'},
        {"baseline", required_argument, NULL, 'b'},
        {"require-baseline", no_argument, NULL, 2001},
        {"store", required_argument, NULL, 2002},
        {"allow-profile-change", no_argument, NULL, 2003},
        {"from", required_argument, NULL, 2004},
        {NULL, 0, NULL, 0}};
    const char *usage = report ? report_usage : gate_usage;
    struct cmd_report_opts ro = {0};
    struct cmd_judge j = {0};
    struct cmd_prepared prep = {0};
    struct profile *prof = NULL;
    struct metrics_results *run = NULL;
    struct profile_error perr;
    const char **ths;
    size_t n_ths = 0;
    const char *profile_path = NULL;
    int from = -1;
    char msg[1200];
    int opt, rc = GATE_EXIT_USAGE;

    ths = calloc((size_t)argc, sizeof(*ths));
    if (!ths)
        return GATE_EXIT_UNJUDGED;
    optind = 0;
    while ((opt = getopt_long(argc, argv, ":o:qp:t:b:", longopts, NULL)) !=
           -1) {
        if (cmd_report_opt(&ro, opt, optarg))
            continue;
        switch (opt) {
        case 'p':
            profile_path = optarg;
            break;
        case 't':
            ths[n_ths++] = optarg;
            break;
        case 'b':
            j.baseline_spec = optarg;
            break;
        case 2001:
            j.require_baseline = true;
            break;
        case 2002:
            j.store = optarg;
            break;
        case 2003:
            j.allow_profile_change = true;
            break;
        case 2004:
            from = importer_format_parse(optarg);
            if (from < 0) {
                rc = cmd_usage_error(usage, "--from is locust, k6 or jmeter, "
                                            "not '%s'", optarg);
                goto out;
            }
            break;
        default:
            rc = cmd_bad_option(usage, opt, argv);
            goto out;
        }
    }
    if (optind + 1 != argc) {
        rc = cmd_usage_error(usage, "%s takes exactly one RESULTS file",
                             report ? "report" : "gate");
        goto out;
    }
    if (profile_path) {
        j.profile_path = profile_path;
        if (profile_load(profile_path, &prof, &perr)) {
            profile_error_format(&perr, msg, sizeof(msg));
            rc = cmd_fail_early(GATE_EXIT_USAGE, msg, &j, &ro);
            goto out;
        }
        j.profile = prof;
    }
    j.cli_thresholds = ths;
    j.n_cli_thresholds = n_ths;
    j.no_gate = report;
    if (from >= 0) {
        char err[1024];
        if (importer_load((enum importer_format)from, argv[optind], &run, err,
                          sizeof(err))) {
            cmd_error("%s", err);
            rc = GATE_EXIT_UNJUDGED;
        } else {
            rc = 0;
        }
    } else {
        rc = cmd_load_results(argv[optind], &run);
    }
    if (rc) {
        struct gate_report rep = {0};
        char err[512];
        if (ro.junit) {
            rep.profile_name = "results";
            rep.error_reason = "cannot read the results file";
            if (gate_junit_write(&rep, ro.junit, err, sizeof(err)))
                cmd_warn("cannot write '%s': %s", ro.junit, err);
        }
        goto out;
    }
    if (!prof && run->meta.profile_name)
        j.profile_name = run->meta.profile_name;
    /* without --threshold and --profile: the checks the run carries */
    j.run_thresholds = run->thresholds;
    j.n_run_thresholds = run->n_thresholds;
    if (cmd_prepare(&j, &prep)) {
        rc = cmd_fail_early(prep.exit_code, prep.reason, &j, &ro);
        goto out;
    }
    /* The results file is already written; --out would copy it. */
    rc = cmd_judge_and_report(run, &j, &prep, &ro, 0);
out:
    cmd_prepared_release(&prep);
    metrics_results_free(run);
    profile_free(prof);
    free(ths);
    return rc;
}

int cmd_gate(int argc, char **argv)
{
    return gate_or_report(argc, argv, false);
}

int cmd_report(int argc, char **argv)
{
    return gate_or_report(argc, argv, true);
}
