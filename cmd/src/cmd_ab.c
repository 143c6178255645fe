/*
 * loadgate ab PROFILE --a URL_A --b URL_B: the same profile against two
 * targets at the same time (two engine runs in two threads, each with the
 * profile's full load), B judged against A as a paired baseline.
 */
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

const struct cmd_option cmd_ab_options[] = {
    {.long_name = "a", .id = CMD_OPT_A, .arg = CMD_ARG_REQUIRED,
     .metavar = "URL", .help = "target of side A (the baseline build)"},
    {.long_name = "b", .id = CMD_OPT_B, .arg = CMD_ARG_REQUIRED,
     .metavar = "URL", .help = "target of side B (the candidate, judged)"},
    {.long_name = "out-a", .id = CMD_OPT_OUT_A, .arg = CMD_ARG_REQUIRED,
     .metavar = "FILE", .complete = CMD_COMPLETE_FILE,
     .help = "write side A's results JSON"},
    {.long_name = "out-b", .id = CMD_OPT_OUT_B, .arg = CMD_ARG_REQUIRED,
     .metavar = "FILE", .complete = CMD_COMPLETE_FILE,
     .help = "write side B's results JSON (as --out)"},
    {.long_name = "no-gate", .id = CMD_OPT_NO_GATE,
     .help = "report, but exit 0 whatever the verdict"},
    {.long_name = "threads", .id = CMD_OPT_THREADS, .arg = CMD_ARG_REQUIRED,
     .metavar = "N", .help = "event loops per side"},
    CMD_REPORT_OPTIONS_INCLUDE,
    {.long_name = NULL},
};

/* One side: its own plan (nothing shared with the other side's run). */
struct side {
    struct profile *prof;
    const struct cmd_report_opts *o;
    struct metrics_results *run;
    char reason[1024];
    int rc;
};

static void *run_side(void *ud)
{
    struct side *s = ud;

    s->rc = cmd_run_load(s->prof->plan, s->o, NULL, &s->run, s->reason,
                         sizeof(s->reason));
    return NULL;
}

/* Loads the profile for one side with its target replaced.  Returns 0 or
 * the exit code (message printed). */
static int load_side(const char *path, const char *url, struct side *s,
                     const struct cmd_judge *j,
                     const struct cmd_report_opts *o)
{
    struct profile_error perr;
    char msg[1200];
    char *t;
    size_t n = strlen(url);

    if (profile_load(path, &s->prof, &perr)) {
        profile_error_format(&perr, msg, sizeof(msg));
        return cmd_fail_early(GATE_EXIT_USAGE, msg, j, o);
    }
    while (n > 0 && url[n - 1] == '/')
        n--;
    if (!(t = strndup(url, n))) {
        cmd_error("out of memory");
        return GATE_EXIT_UNJUDGED;
    }
    free(s->prof->plan->target);
    s->prof->plan->target = t;
    return 0;
}

static bool http_url(const char *u)
{
    return strncmp(u, "http://", 7) == 0 || strncmp(u, "https://", 8) == 0;
}

int cmd_ab(int argc, char **argv)
{
    struct cmd_report_opts ro = {0}, quiet;
    struct cmd_judge j = {0};
    struct cmd_prepared prep;
    struct side a = {0}, b = {0};
    const char *url_a = NULL, *url_b = NULL, *out_a = NULL, *out_b = NULL;
    const char *usage = cmd_usage("ab");
    struct cmd_getopt g = {0};
    char err[512];
    pthread_t ta;
    int opt, rc;

    optind = 0;
    while ((opt = cmd_getopt(argc, argv, cmd_ab_options, &g)) != -1) {
        if (cmd_report_opt(&ro, opt, optarg))
            continue;
        switch (opt) {
        case CMD_OPT_A:
            url_a = optarg;
            break;
        case CMD_OPT_B:
            url_b = optarg;
            break;
        case CMD_OPT_OUT_A:
            out_a = optarg;
            break;
        case CMD_OPT_OUT_B:
            out_b = optarg;
            break;
        case CMD_OPT_NO_GATE:
            j.no_gate = true;
            break;
        case CMD_OPT_THREADS:
            if ((rc = cmd_threads_opt(optarg, usage)))
                return rc;
            break;
        default:
            return cmd_bad_option(usage, opt, argv);
        }
    }
    if (optind + 1 != argc)
        return cmd_usage_error(usage, "ab takes exactly one PROFILE");
    if (!url_a || !url_b)
        return cmd_usage_error(usage, "ab needs both --a URL and --b URL");
    if (!http_url(url_a) || !http_url(url_b))
        return cmd_usage_error(usage, "--a and --b want http:// or https:// "
                                      "URLs");
    if (out_b && ro.out && strcmp(out_b, ro.out) != 0)
        return cmd_usage_error(usage, "--out-b and --out name two files; "
                                      "give one");
    if (out_b)
        ro.out = out_b;

    j.profile_path = argv[optind];
    if ((rc = load_side(argv[optind], url_a, &a, &j, &ro)) ||
        (rc = load_side(argv[optind], url_b, &b, &j, &ro)))
        goto out_profiles;
    /* B is judged against A, never against the profile's baseline */
    free(b.prof->baseline.path);
    b.prof->baseline.path = NULL;
    j.profile = b.prof;
    j.paired = true;
    if (cmd_prepare(&j, &prep)) {
        rc = cmd_fail_early(prep.exit_code, prep.reason, &j, &ro);
        cmd_prepared_release(&prep);
        goto out_profiles;
    }
    if (!ro.quiet)
        cmd_notice("A/B: A %s and B %s at the same time, each with the "
                   "profile's full load",
                   url_a, url_b);
    /* no progress lines from two runs at once */
    quiet = ro;
    quiet.quiet = true;
    quiet.progress = false;
    a.o = b.o = &quiet;
    if (pthread_create(&ta, NULL, run_side, &a)) {
        cmd_error("cannot start a thread for side A");
        rc = GATE_EXIT_UNJUDGED;
        goto out;
    }
    run_side(&b);
    pthread_join(ta, NULL);
    if (a.rc || b.rc) {
        struct side *s = a.rc ? &a : &b;
        char why[1100];
        snprintf(why, sizeof(why), "side %s: %s", a.rc ? "A" : "B",
                 s->reason);
        rc = cmd_fail_early(s->rc, why, &j, &ro);
        goto out;
    }
    if (out_a && metrics_results_save(a.run, out_a, err, sizeof(err)))
        cmd_warn("cannot write %s: %s", out_a, err);
    prep.baseline = a.run;
    prep.baseline_borrowed = true;
    free(prep.baseline_name);
    prep.baseline_name = strdup("A");
    rc = cmd_judge_and_report(b.run, &j, &prep, &ro, (int)cmd_signal);
out:
    cmd_prepared_release(&prep);
out_profiles:
    metrics_results_free(a.run);
    metrics_results_free(b.run);
    profile_free(a.prof);
    profile_free(b.prof);
    return rc;
}
