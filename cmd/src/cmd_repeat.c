/*
 * --repeat and calibrate: a plan run n times one after another, its runs
 * pooled into one document; and the sequence run, quick and demo share
 * (prepare, run, judge).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

int cmd_run_repeated(const struct loader_plan *p,
                     const struct cmd_report_opts *o,
                     const struct cmd_prepared *prep, unsigned n,
                     struct metrics_results **out, char *reason, size_t len)
{
    struct metrics_results *acc = NULL, *r = NULL;
    double duration = 0;
    int rc;

    /* at least once, even when interrupted already: the partial (empty)
     * results are still written and judged */
    for (unsigned i = 0; i < n && (i == 0 || !cmd_stop); i++) {
        if (n > 1 && !o->quiet)
            cmd_notice("run %u of %u", i + 1, n);
        rc = cmd_run_load(p, o, prep, &r, reason, len);
        if (rc) {
            metrics_results_free(acc);
            return rc;
        }
        duration += r->duration_s;
        if (!acc) {
            acc = r;
        } else if (metrics_results_merge(acc, r)) {
            metrics_results_free(acc);
            metrics_results_free(r);
            snprintf(reason, len, "out of memory while pooling the runs");
            return GATE_EXIT_UNJUDGED;
        } else {
            metrics_results_free(r);
        }
        r = NULL;
    }
    /* Runs one after another, not side by side: the same users, and the
     * measured time is the sum of the runs' (not the span, which holds
     * the warm-ups in between).  Their windows pool for the verdict. */
    acc->concurrent_users = p->load.users;
    acc->duration_s = duration;
    if (n > 1 && acc->duration_s > 0) {
        acc->meta.achieved_rps =
            (double)metrics_results_total_requests(acc) / acc->duration_s;
        acc->meta.target_rps /= n;
    }
    *out = acc;
    return 0;
}

int cmd_run_and_judge(const struct loader_plan *p, const struct cmd_judge *j,
                      const struct cmd_report_opts *o, unsigned repeat,
                      const char *shard, const char *banner)
{
    struct cmd_prepared prep;
    struct metrics_results *run = NULL;
    char reason[1024];
    int rc;

    if (cmd_prepare(j, &prep)) {
        rc = cmd_fail_early(prep.exit_code, prep.reason, j, o);
        goto out;
    }
    if (banner && !o->quiet)
        fprintf(stderr, "%s\n", banner);
    rc = cmd_run_repeated(p, o, &prep, repeat, &run, reason, sizeof(reason));
    if (rc) {
        rc = cmd_fail_early(rc, reason, j, o);
        goto out;
    }
    if (shard) {
        free(run->meta.shard);
        run->meta.shard = strdup(shard);
        free(run->meta.run_id);
        run->meta.run_id = cmd_run_id();
    }
    rc = cmd_judge_and_report(run, j, &prep, o, (int)cmd_signal);
out:
    cmd_prepared_release(&prep);
    metrics_results_free(run);
    return rc;
}

struct run_slice {
    const struct loader_plan *p;
    const struct cmd_report_opts *o;
    const struct cmd_prepared *prep;
};

static int run_slice(void *ud, struct metrics_results **run,
                     struct metrics_results **a, char *reason, size_t len)
{
    const struct run_slice *s = ud;

    *a = NULL;
    return cmd_run_load(s->p, s->o, s->prep, run, reason, len);
}

int cmd_run_until_decided(struct loader_plan *p, const struct cmd_judge *j,
                          const struct cmd_report_opts *o, double max_s)
{
    struct cmd_judge jj = *j;
    struct cmd_prepared prep;
    struct cmd_decide dec = {.max_s = max_s};
    struct run_slice rs = {.p = p, .o = o};
    struct metrics_results *run = NULL;
    char reason[1024], decided[80];
    int rc;

    if (cmd_until_decided_check(&p, 1, &max_s, reason, sizeof(reason)))
        return cmd_fail_early(GATE_EXIT_USAGE, reason, j, o);
    if (cmd_prepare(j, &prep)) {
        rc = cmd_fail_early(prep.exit_code, prep.reason, j, o);
        goto out;
    }
    rs.prep = &prep;
    if (!prep.baseline) {
        /* nothing to decide: measure MAX as a fixed-length run */
        if (!o->quiet)
            cmd_notice("--until-decided: no baseline, so the run measures "
                       "all of MAX");
        p->load.duration_s = max_s;
        rc = cmd_run_load(p, o, &prep, &run, reason, sizeof(reason));
    } else {
        dec.slice = run_slice;
        dec.ud = &rs;
        rc = cmd_until_decided(&dec, &p, 1, &prep, reason, sizeof(reason));
        run = dec.run;
        dec.run = NULL;
        if (!rc) {
            snprintf(decided, sizeof(decided), "decided after %.0f s of %.0f s",
                     dec.elapsed_s, max_s);
            jj.sequential = dec.seq;
            jj.decided = decided;
        }
    }
    if (rc) {
        rc = cmd_fail_early(rc, reason, j, o);
        goto out;
    }
    rc = cmd_judge_and_report(run, &jj, &prep, o, (int)cmd_signal);
out:
    cmd_prepared_release(&prep);
    compare_sequential_free(dec.seq);
    metrics_results_free(run);
    return rc;
}
