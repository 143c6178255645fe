/* loadgate run PROFILE: load, judge, report, exit with the verdict. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

const struct cmd_option cmd_run_options[] = {
    CMD_OPTION_BASELINE(
        "FILE|NAME|URL",
        "compare with a results file (missing: exit 3), a stored name "
        "(missing from an empty store: relative checks skipped; from a "
        "store holding others: exit 3) or a baseline service"),
    CMD_OPTION_REQUIRE_BASELINE,
    CMD_OPTION_ALLOW_PROFILE_CHANGE,
    CMD_OPTION_VALUE("save-baseline", 0, CMD_OPT_SAVE_BASELINE, "NAME",
                     "store this run as baseline NAME afterwards"),
    CMD_OPTION_FLAG("if-pass", 0, CMD_OPT_IF_PASS,
                    "... only when the verdict is PASS"),
    CMD_OPTION_VALUE("keep", 0, CMD_OPT_KEEP, "N",
                     "... keeping N versions of its history"),
    CMD_OPTION_STORE(0, "baseline store (.loadgate/baselines)"),
    CMD_OPTION_NO_GATE,
    CMD_OPTION_VALUE("shard", 0, CMD_OPT_SHARD, "I/N",
                     "run shard I of N (also LOADGATE_SHARD)"),
    CMD_OPTION_VALUE("shards", 0, CMD_OPT_SHARDS, "N",
                     "shard from JOB_COMPLETION_INDEX (Kubernetes)"),
    CMD_OPTION_VALUE("threads", 0, CMD_OPT_THREADS, "N",
                     "event loops (for a remote target)"),
    CMD_OPTION_VALUE("repeat", 0, CMD_OPT_REPEAT, "N",
                     "run N times and judge them pooled (fewer false alarms, "
                     "more power)"),
    CMD_OPTION_UNTIL_DECIDED("with a baseline: measure in slices until "
                             "every relative check is decided, at most MAX "
                             "(e.g. 60s; default: the profile's duration)"),
    CMD_REPORT_OPTIONS_INCLUDE,
    CMD_LIVE_OPTIONS_INCLUDE,
    {.long_name = NULL},
};

/* cmd_usage("run"), for the messages */
static const char *usage;

/* --shard I/N, else LOADGATE_SHARD=I/N, else Kubernetes' 0-based
 * JOB_COMPLETION_INDEX with --shards N.  Returns 0 or -1 (message
 * printed). */
static int pick_shard(const char *flag, unsigned shards, unsigned *i,
                      unsigned *n)
{
    const char *env = getenv("LOADGATE_SHARD");
    const char *k8s = getenv("JOB_COMPLETION_INDEX");
    unsigned long long idx;

    *i = *n = 0;
    if (flag || (env && *env)) {
        const char *s = flag ? flag : env;
        if (cmd_parse_shard(s, i, n)) {
            cmd_usage_error(usage, "%s wants I/N with 1 <= I <= N, not '%s'",
                            flag ? "--shard" : "LOADGATE_SHARD", s);
            return -1;
        }
        return 0;
    }
    if (shards) {
        if (!k8s || cmd_parse_uint(k8s, 0, shards - 1, &idx)) {
            cmd_usage_error(usage,
                            "--shards %u needs JOB_COMPLETION_INDEX "
                            "from 0 to %u (a Kubernetes Indexed Job "
                            "sets it), or use --shard I/N",
                            shards, shards - 1);
            return -1;
        }
        *i = (unsigned)idx + 1;
        *n = shards;
    }
    return 0;
}

int cmd_run(int argc, char **argv)
{
    struct cmd_report_opts ro = {0};
    struct cmd_judge j = {0};
    struct profile *prof = NULL;
    struct profile_error perr;
    char reason[1024], msg[1200], suite[600], shard[32];
    const char *shard_flag = NULL;
    unsigned long long shards = 0, repeat = 1;
    double until_decided = 0;
    unsigned shard_i, shard_n;
    struct cmd_getopt g = {0};
    int opt, rc;

    usage = cmd_usage("run");
    optind = 0;
    while ((opt = cmd_getopt_judged(argc, argv, cmd_run_options, &g, &ro,
                                    &j)) != -1) {
        switch (opt) {
        case CMD_OPT_SHARD:
            shard_flag = optarg;
            break;
        case CMD_OPT_SHARDS:
            if (cmd_parse_uint(optarg, 1, 100000, &shards))
                return cmd_usage_error(usage,
                                       "--shards wants a count, not "
                                       "'%s'",
                                       optarg);
            break;
        case CMD_OPT_KEEP: {
            unsigned long long k;
            if (cmd_parse_uint(optarg, 1, 100000, &k))
                return cmd_usage_error(usage, "--keep wants a count, not '%s'",
                                       optarg);
            j.keep = (unsigned)k;
            break;
        }
        case CMD_OPT_REPEAT:
            if (cmd_parse_uint(optarg, 1, 1000, &repeat))
                return cmd_usage_error(usage,
                                       "--repeat wants a count from 1 "
                                       "to 1000, not '%s'",
                                       optarg);
            break;
        case CMD_OPT_THREADS:
            if ((rc = cmd_threads_opt(optarg, usage)))
                return rc;
            break;
        case CMD_OPT_UNTIL_DECIDED:
            if ((rc = cmd_until_decided_opt(optarg, usage, &until_decided)))
                return rc;
            break;
        default:
            return cmd_bad_option(usage, opt, argv);
        }
    }
    if (optind + 1 != argc)
        return cmd_usage_error(usage, "run takes exactly one PROFILE");
    if (until_decided != 0 && repeat > 1)
        return cmd_usage_error(usage, "--until-decided and --repeat "
                                      "exclude each other");
    if (j.save_if_pass && !j.save_baseline)
        return cmd_usage_error(usage, "--if-pass goes with --save-baseline");
    if (j.save_baseline && !compare_name_valid(j.save_baseline))
        return cmd_usage_error(usage,
                               "invalid baseline name '%s' (letters, "
                               "digits, '.', '_', '-')",
                               j.save_baseline);

    if (pick_shard(shard_flag, (unsigned)shards, &shard_i, &shard_n))
        return GATE_EXIT_USAGE;
    if (until_decided != 0 && shard_n > 1)
        return cmd_usage_error(usage, "--until-decided judges one whole "
                                      "run, not a shard");

    j.profile_path = argv[optind];
    rc = profile_load(argv[optind], &prof, &perr);
    if (rc) {
        profile_error_format(&perr, msg, sizeof(msg));
        return cmd_fail_early(GATE_EXIT_USAGE, msg, &j, &ro);
    }
    j.profile = prof;
    if (shard_n > 1) {
        if (cmd_shard_profile(prof->plan, shard_i, shard_n, reason,
                              sizeof(reason))) {
            profile_free(prof);
            return cmd_usage_error(usage, "%s", reason);
        }
        if (loader_plan_shard_feeder(prof->plan, shard_i, shard_n, reason,
                                     sizeof(reason))) {
            profile_free(prof);
            return cmd_usage_error(usage, "%s", reason);
        }
        snprintf(suite, sizeof(suite), "%s.shard%u", prof->plan->name, shard_i);
        j.profile_name = suite;
    }
    if (shard_n > 1)
        snprintf(shard, sizeof(shard), "%u/%u", shard_i, shard_n);
    if (until_decided != 0)
        rc = cmd_run_until_decided(prof->plan, &j, &ro, until_decided);
    else
        rc = cmd_run_and_judge(prof->plan, &j, &ro, (unsigned)repeat,
                               shard_n > 1 ? shard : NULL, NULL);
    profile_free(prof);
    return rc;
}
