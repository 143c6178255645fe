/* loadgate demo: the bundled service and profile, end to end. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "demo.h"

const struct cmd_option cmd_demo_options[] = {
    CMD_OPTION_ARG("slow", 0, CMD_OPT_SLOW, "ENDPOINT=PERCENT",
                   CMD_COMPLETE_NONE, CMD_OPTF_REPEAT,
                   "slow one endpoint down (repeatable)"),
    CMD_OPTION_VALUE("serve", 0, CMD_OPT_SERVE, "PORT",
                     "only serve the demo API on 127.0.0.1:PORT"),
    CMD_OPTION_BASELINE("B", "judge against B instead of the bundled baseline"),
    CMD_OPTION_VALUE("save-baseline", 0, CMD_OPT_SAVE_BASELINE, "NAME",
                     "store this run as baseline NAME"),
    CMD_OPTION_STORE(0, "baseline store (.loadgate/baselines)"),
    CMD_REPORT_OPTIONS_INCLUDE,
    CMD_LIVE_OPTIONS_INCLUDE,
    {.long_name = NULL},
};

/* cmd_usage("demo"), for the messages */
static const char *usage;

#define DEMO_PROFILE_PATH "ci-examples/demo/profile.yaml"

static int serve(struct demo_opts *dopts)
{
    struct demo_server *srv = NULL;
    int rc = demo_server_start(dopts, &srv);

    if (rc) {
        cmd_error("cannot start the demo service on port %u: %s", dopts->port,
                  demo_strerror(rc));
        return GATE_EXIT_UNJUDGED;
    }
    printf("demo service listening on http://127.0.0.1:%u (Ctrl-C stops "
           "it)\n",
           demo_server_port(srv));
    fflush(stdout);
    while (!cmd_stop)
        pause();
    demo_server_stop(srv);
    return 0;
}

int cmd_demo(int argc, char **argv)
{
    struct cmd_report_opts ro = {0};
    struct cmd_judge j = {0};
    struct demo_opts dopts = {0};
    struct demo_slow *slow = NULL;
    struct demo_server *srv = NULL;
    struct profile *prof = NULL;
    struct metrics_results *bundled = NULL;
    struct profile_error perr;
    unsigned long long port = 0;
    bool serve_only = false;
    char target[64], banner[256], msg[1200], err[512];
    struct cmd_getopt g = {0};
    int opt, rc = GATE_EXIT_USAGE;

    usage = cmd_usage("demo");
    slow = calloc((size_t)argc, sizeof(*slow));
    if (!slow)
        return GATE_EXIT_UNJUDGED;
    optind = 0;
    while ((opt = cmd_getopt_judged(argc, argv, cmd_demo_options, &g, &ro,
                                    &j)) != -1) {
        switch (opt) {
        case CMD_OPT_SLOW:
            if (demo_slow_parse(optarg, &slow[dopts.n_slow])) {
                rc = cmd_usage_error(usage,
                                     "--slow wants ENDPOINT=PERCENT, e.g. "
                                     "'POST /api/agents/{id}/query=50', "
                                     "not '%s'",
                                     optarg);
                goto out;
            }
            dopts.n_slow++;
            break;
        case CMD_OPT_SERVE:
            if (cmd_parse_uint(optarg, 1, 65535, &port)) {
                rc = cmd_usage_error(usage, "--serve wants a port, not '%s'",
                                     optarg);
                goto out;
            }
            serve_only = true;
            break;
        default:
            rc = cmd_bad_option(usage, opt, argv);
            goto out;
        }
    }
    if (optind != argc) {
        rc = cmd_usage_error(usage, "demo takes no arguments");
        goto out;
    }
    dopts.slow = slow;
    dopts.port = (unsigned)port;
    if (serve_only) {
        rc = serve(&dopts);
        goto out;
    }

    rc = demo_server_start(&dopts, &srv);
    if (rc) {
        rc =
            rc == DEMO_EINVAL
                ? cmd_usage_error(usage, "--slow names no endpoint of the demo "
                                         "service")
                : cmd_fail_early(GATE_EXIT_UNJUDGED,
                                 "cannot start the demo service", &j, &ro);
        goto out;
    }
    snprintf(target, sizeof(target), "http://127.0.0.1:%u",
             demo_server_port(srv));
    setenv("LOADGATE_DEMO_TARGET", target, 1);
    if (profile_parse(demo_profile_yaml, strlen(demo_profile_yaml),
                      DEMO_PROFILE_PATH, &prof, &perr)) {
        profile_error_format(&perr, msg, sizeof(msg));
        rc = cmd_fail_early(GATE_EXIT_USAGE, msg, &j, &ro);
        goto out;
    }
    free(prof->plan->name);
    prof->plan->name = strdup("demo");
    j.profile = prof;
    j.profile_name = "demo";
    j.profile_path = DEMO_PROFILE_PATH;
    if (!j.baseline_spec) {
        /* the bundled baseline, unless it was never generated */
        if (metrics_results_parse(demo_baseline_json,
                                  strlen(demo_baseline_json), &bundled, err,
                                  sizeof(err)) == 0 &&
            bundled->n_endpoints > 0) {
            j.baseline_doc = bundled;
            j.baseline_label = "demo (bundled)";
        }
    }
    snprintf(banner, sizeof(banner),
             "loadgate: demo service on %s; running %s (%u users, %.0f s "
             "warm-up + %.0f s)%s",
             target, DEMO_PROFILE_PATH, prof->plan->load.users,
             prof->plan->load.warmup_s, prof->plan->load.duration_s,
             dopts.n_slow ? " with a slowed endpoint" : "");
    rc = cmd_run_and_judge(prof->plan, &j, &ro, 1, NULL, banner);
out:
    demo_server_stop(srv);
    metrics_results_free(bundled);
    profile_free(prof);
    free(slow);
    return rc;
}
