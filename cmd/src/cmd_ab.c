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
    CMD_OPTION_VALUE("a", 0, CMD_OPT_A, "URL",
                     "target of side A (the baseline build)"),
    CMD_OPTION_VALUE("b", 0, CMD_OPT_B, "URL",
                     "target of side B (the candidate, judged)"),
    CMD_OPTION_FILE("out-a", CMD_OPT_OUT_A, "write side A's results JSON"),
    CMD_OPTION_FILE("out-b", CMD_OPT_OUT_B,
                    "write side B's results JSON (as --out)"),
    CMD_OPTION_UNTIL_DECIDED("measure in slices until every relative check "
                             "is decided, at most MAX (e.g. 60s; default: "
                             "the profile's duration)"),
    CMD_OPTION_NO_GATE,
    CMD_OPTION_VALUE("threads", 0, CMD_OPT_THREADS, "N",
                     "event loops per side"),
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

    s->run = NULL;
    s->rc = cmd_run_load(s->prof->plan, s->o, NULL, &s->run, s->reason,
                         sizeof(s->reason));
    return NULL;
}

/* Both sides at the same time: A in a thread of its own, B here.  *b and
 * *a get the results (taken from the sides). */
static int run_both(void *ud, struct metrics_results **b,
                    struct metrics_results **a, char *reason, size_t len)
{
    struct side *sides = ud; /* [0] A, [1] B */
    pthread_t ta;

    if (pthread_create(&ta, NULL, run_side, &sides[0])) {
        snprintf(reason, len, "cannot start a thread for side A");
        return GATE_EXIT_UNJUDGED;
    }
    run_side(&sides[1]);
    pthread_join(ta, NULL);
    if (sides[0].rc || sides[1].rc) {
        const struct side *s = sides[0].rc ? &sides[0] : &sides[1];
        snprintf(reason, len, "side %s: %s", sides[0].rc ? "A" : "B",
                 s->reason);
        metrics_results_free(sides[0].run);
        metrics_results_free(sides[1].run);
        sides[0].run = sides[1].run = NULL;
        return s->rc;
    }
    *a = sides[0].run;
    *b = sides[1].run;
    sides[0].run = sides[1].run = NULL;
    return 0;
}

/* Loads the profile for one side with its target replaced.  Returns 0 or
 * the exit code (message printed). */
static int load_side(const char *path, const char *url, struct side *s,
                     const struct cmd_judge *j, const struct cmd_report_opts *o)
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
    struct side sides[2] = {{0}};
    struct cmd_decide dec = {0};
    struct metrics_results *run_a = NULL, *run_b = NULL;
    char reason[1200], decided[80];
    const char *url_a = NULL, *url_b = NULL, *out_a = NULL, *out_b = NULL;
    const char *usage = cmd_usage("ab");
    struct cmd_getopt g = {0};
    char err[512];
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
        case CMD_OPT_UNTIL_DECIDED:
            if ((rc = cmd_until_decided_opt(optarg, usage, &dec.max_s)))
                return rc;
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
    if ((rc = load_side(argv[optind], url_a, &sides[0], &j, &ro)) ||
        (rc = load_side(argv[optind], url_b, &sides[1], &j, &ro)))
        goto out_profiles;
    if (dec.max_s != 0 &&
        cmd_until_decided_check(&sides[1].prof->plan, 1, &dec.max_s, reason,
                                sizeof(reason))) {
        rc = cmd_usage_error(usage, "%s", reason);
        goto out_profiles;
    }
    /* B is judged against A, never against the profile's baseline */
    free(sides[1].prof->baseline.path);
    sides[1].prof->baseline.path = NULL;
    j.profile = sides[1].prof;
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
    sides[0].o = sides[1].o = &quiet;
    if (dec.max_s > 0) {
        struct loader_plan *plans[2] = {sides[0].prof->plan,
                                        sides[1].prof->plan};
        dec.paired = true;
        dec.slice = run_both;
        dec.ud = sides;
        rc = cmd_until_decided(&dec, plans, 2, &prep, reason, sizeof(reason));
        run_a = dec.a;
        run_b = dec.run;
        dec.a = dec.run = NULL;
        if (!rc) {
            snprintf(decided, sizeof(decided), "decided after %.0f s of %.0f s",
                     dec.elapsed_s, dec.max_s);
            j.sequential = dec.seq;
            j.decided = decided;
        }
    } else {
        rc = run_both(sides, &run_b, &run_a, reason, sizeof(reason));
    }
    if (rc) {
        rc = cmd_fail_early(rc, reason, &j, &ro);
        goto out;
    }
    if (out_a && metrics_results_save(run_a, out_a, err, sizeof(err)))
        cmd_warn("cannot write %s: %s", out_a, err);
    prep.baseline = run_a;
    prep.baseline_borrowed = true;
    free(prep.baseline_name);
    prep.baseline_name = strdup("A");
    rc = cmd_judge_and_report(run_b, &j, &prep, &ro, (int)cmd_signal);
out:
    cmd_prepared_release(&prep);
out_profiles:
    compare_sequential_free(dec.seq);
    metrics_results_free(run_a);
    metrics_results_free(run_b);
    profile_free(sides[0].prof);
    profile_free(sides[1].prof);
    return rc;
}
