/* loadgate gate RESULTS and loadgate report RESULTS: judge a results file
 * that a run (here or on another machine) wrote. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "importer.h"

/* gate's and report's */
const struct cmd_option cmd_gate_options[] = {
    CMD_OPTION_ARG("profile", 'p', CMD_OPT_PROFILE, "PROFILE",
                   CMD_COMPLETE_FILE, 0,
                   "thresholds (and hash check) of this profile"),
    CMD_OPTION_THRESHOLD("a check instead of those (repeatable)"),
    CMD_OPTION_BASELINE("FILE|NAME|URL", "as for run"),
    CMD_OPTION_REQUIRE_BASELINE,
    CMD_OPTION_ALLOW_PROFILE_CHANGE,
    CMD_OPTION_STORE(0, "baseline store (.loadgate/baselines)"),
    CMD_OPTION_WORDS("from", CMD_OPT_FROM, "FORMAT",
                     "auto locust k6 jmeter artillery autocannon gatling "
                     "vegeta wrk hey",
                     "another tool's results: locust, k6, jmeter, artillery, "
                     "autocannon, gatling, vegeta, wrk, hey; auto (the "
                     "default): told from the content"),
    CMD_REPORT_OPTIONS_INCLUDE,
    {.long_name = NULL},
};

static int gate_or_report(int argc, char **argv, bool report)
{
    const char *usage = cmd_usage(report ? "report" : "gate");
    struct cmd_report_opts ro = {0};
    struct cmd_judge j = {0};
    struct cmd_prepared prep = {0};
    struct profile *prof = NULL;
    struct metrics_results *run = NULL;
    struct profile_error perr;
    const char **ths;
    size_t n_ths = 0;
    const char *profile_path = NULL;
    int from = IMPORTER_AUTO;
    char msg[1200];
    struct cmd_getopt g = {0};
    int opt, rc = GATE_EXIT_USAGE;

    ths = calloc((size_t)argc, sizeof(*ths));
    if (!ths)
        return GATE_EXIT_UNJUDGED;
    optind = 0;
    while ((opt = cmd_getopt_judged(argc, argv, cmd_gate_options, &g, &ro,
                                    &j)) != -1) {
        switch (opt) {
        case CMD_OPT_PROFILE:
            profile_path = optarg;
            break;
        case CMD_OPT_THRESHOLD:
            ths[n_ths++] = optarg;
            break;
        case CMD_OPT_FROM:
            from = importer_format_parse(optarg);
            if (from < 0) {
                rc = cmd_usage_error(usage,
                                     "--from is locust, k6, jmeter, artillery, "
                                     "autocannon, gatling, vegeta, wrk, hey or "
                                     "auto, not '%s'",
                                     optarg);
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
    /* loadgate's own results, or another tool's (--from, or told from the
     * content) */
    rc = 0;
    if (importer_load((enum importer_format)from, argv[optind], &run, msg,
                      sizeof(msg))) {
        cmd_error("%s", msg);
        rc = GATE_EXIT_UNJUDGED;
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
