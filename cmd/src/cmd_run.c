/* loadgate run PROFILE: load, judge, report, exit with the verdict. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

static const char usage[] =
    "run PROFILE [--baseline FILE|NAME|URL] [--require-baseline] "
    "[--allow-profile-change] [--save-baseline NAME [--if-pass]] "
    "[--keep N] [--store DIR] [--no-gate] [--shard I/N | --shards N] "
    "[--repeat N] [--threads N] "
    CMD_REPORT_USAGE;

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
            cmd_usage_error(usage, "--shards %u needs JOB_COMPLETION_INDEX "
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
    static const struct option longopts[] = {
        CMD_REPORT_LONGOPTS,
        {"baseline", required_argument, NULL, 'b'},
        {"require-baseline", no_argument, NULL, 2001},
        {"save-baseline", required_argument, NULL, 2002},
        {"if-pass", no_argument, NULL, 2003},
        {"store", required_argument, NULL, 2004},
        {"no-gate", no_argument, NULL, 2005},
        {"allow-profile-change", no_argument, NULL, 2006},
        {"shard", required_argument, NULL, 2007},
        {"shards", required_argument, NULL, 2008},
        {"repeat", required_argument, NULL, 2009},
        {"keep", required_argument, NULL, 2010},
        {"threads", required_argument, NULL, 2900},
        {NULL, 0, NULL, 0}};
    struct cmd_report_opts ro = {0};
    struct cmd_judge j = {0};
    struct profile *prof = NULL;
    struct profile_error perr;
    char reason[1024], msg[1200], suite[600], shard[32];
    const char *shard_flag = NULL;
    unsigned long long shards = 0, repeat = 1;
    unsigned shard_i, shard_n;
    int opt, rc;

    optind = 0;
    while ((opt = getopt_long(argc, argv, ":o:qb:", longopts, NULL)) != -1) {
        if (cmd_report_opt(&ro, opt, optarg))
            continue;
        switch (opt) {
        case 'b':
            j.baseline_spec = optarg;
            break;
        case 2001:
            j.require_baseline = true;
            break;
        case 2002:
            j.save_baseline = optarg;
            break;
        case 2003:
            j.save_if_pass = true;
            break;
        case 2004:
            j.store = optarg;
            break;
        case 2005:
            j.no_gate = true;
            break;
        case 2006:
            j.allow_profile_change = true;
            break;
        case 2007:
            shard_flag = optarg;
            break;
        case 2008:
            if (cmd_parse_uint(optarg, 1, 100000, &shards))
                return cmd_usage_error(usage, "--shards wants a count, not "
                                              "'%s'", optarg);
            break;
        case 2010: {
            unsigned long long k;
            if (cmd_parse_uint(optarg, 1, 100000, &k))
                return cmd_usage_error(usage, "--keep wants a count, not '%s'",
                                       optarg);
            j.keep = (unsigned)k;
            break;
        }
        case 2009:
            if (cmd_parse_uint(optarg, 1, 1000, &repeat))
                return cmd_usage_error(usage, "--repeat wants a count from 1 "
                                              "to 1000, not '%s'", optarg);
            break;
        case 2900:
            if ((rc = cmd_threads_opt(optarg, usage)))
                return rc;
            break;
        default:
            return cmd_bad_option(usage, opt, argv);
        }
    }
    if (optind + 1 != argc)
        return cmd_usage_error(usage, "run takes exactly one PROFILE");
    if (j.save_if_pass && !j.save_baseline)
        return cmd_usage_error(usage, "--if-pass goes with --save-baseline");
    if (j.save_baseline && !compare_name_valid(j.save_baseline))
        return cmd_usage_error(usage,
                               "invalid baseline name '%s' (letters, "
                               "digits, '.', '_', '-')",
                               j.save_baseline);

    if (pick_shard(shard_flag, (unsigned)shards, &shard_i, &shard_n))
        return GATE_EXIT_USAGE;

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
        snprintf(suite, sizeof(suite), "%s.shard%u", prof->plan->name,
                 shard_i);
        j.profile_name = suite;
    }
    if (shard_n > 1)
        snprintf(shard, sizeof(shard), "%u/%u", shard_i, shard_n);
    rc = cmd_run_and_judge(prof->plan, &j, &ro, (unsigned)repeat,
                           shard_n > 1 ? shard : NULL, NULL);
    profile_free(prof);
    return rc;
}
