/*
 * --until-decided MAX (run with a baseline, ab): measure in slices until
 * every relative check is decided by the sequential test
 * (compare_sequential_*) or MAX seconds have been measured.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "units.h"

bool cmd_is_duration(const char *word)
{
    struct units_error uerr;
    double s;

    return units_parse_duration(word, UNITS_SECONDS, &s, &uerr) == 0;
}

int cmd_until_decided_opt(const char *arg, const char *usage, double *max_s)
{
    struct units_error uerr;

    if (!arg) {
        *max_s = CMD_UNTIL_PROFILE;
        return 0;
    }
    if (units_parse_duration(arg, UNITS_SECONDS, max_s, &uerr) || *max_s < 5 ||
        *max_s > 86400)
        return cmd_usage_error(usage,
                               "--until-decided wants a duration "
                               "from 5s to 24h, not '%s'",
                               arg);
    return 0;
}

int cmd_until_decided_check(struct loader_plan *const *plans, size_t n,
                            double *max_s, char *reason, size_t len)
{
    for (size_t i = 0; i < n; i++) {
        const struct loader_load *l = &plans[i]->load;
        if (l->n_stages || l->requests || l->iterations) {
            snprintf(reason, len,
                     "--until-decided measures in slices of "
                     "time: the profile's load must stop on "
                     "duration only (no stages, requests or "
                     "iterations)");
            return -1;
        }
    }
    if (n && *max_s == CMD_UNTIL_PROFILE) {
        *max_s = plans[0]->load.duration_s;
        if (!(*max_s >= 5)) {
            snprintf(reason, len,
                     "--until-decided without MAX measures up to the "
                     "profile's duration, which is under 5 s: give MAX "
                     "(e.g. --until-decided 60s)");
            return -1;
        }
    }
    return 0;
}

/* Adds slice r into *acc (taking r), summing the measured time. */
static int pool(struct metrics_results **acc, struct metrics_results *r,
                char *reason, size_t len)
{
    double d;

    if (!*acc) {
        *acc = r;
        return 0;
    }
    d = (*acc)->duration_s + r->duration_s;
    if (metrics_results_merge(*acc, r)) {
        metrics_results_free(r);
        snprintf(reason, len, "out of memory while pooling the slices");
        return GATE_EXIT_UNJUDGED;
    }
    metrics_results_free(r);
    (*acc)->duration_s = d;
    if (d > 0)
        (*acc)->meta.achieved_rps =
            (double)metrics_results_total_requests(*acc) / d;
    return 0;
}

int cmd_until_decided(struct cmd_decide *d, struct loader_plan *const *plans,
                      size_t n_plans, const struct cmd_prepared *prep,
                      char *reason, size_t len)
{
    /* Short slices and Pocock's spending, which leaves the early looks
     * a fair share of alpha: +25 % on one of 8 endpoints with 1000 users
     * stopped after a median of 18 s of 60 with O'Brien-Fleming's and 6 s
     * slices, 4.5 s with these and a look after every slice, and 6 s once
     * the first look waits for max(6 s, MAX/10) (bench/verdicts.sh until):
     * a p95 from 3 s of a slow endpoint's requests is too thin to stake
     * alpha on (one A/A of 20 failed when the first look came at 3 s). */
    double slice = d->max_s / 20 > 3 ? d->max_s / 20 : 3;
    double first = d->max_s / 10 > 6 ? d->max_s / 10 : 6;
    struct compare_seq_opts so = {.max_s = d->max_s,
                                  .spending = COMPARE_SPEND_POCOCK,
                                  .paired = d->paired};
    char err[1024];
    int rc;

    rc = compare_sequential_new(prep->thresholds, prep->n_thresholds, &so,
                                &d->seq);
    if (rc) {
        snprintf(reason, len, "cannot start the sequential test: %s",
                 compare_strerror(rc));
        return GATE_EXIT_UNJUDGED;
    }
    d->elapsed_s = 0;
    for (unsigned i = 0; i == 0 || !cmd_stop; i++) {
        struct metrics_results *r = NULL, *a = NULL;
        double left = d->max_s - d->elapsed_s;
        bool last;

        for (size_t k = 0; k < n_plans; k++) {
            plans[k]->load.duration_s = left < slice ? left : slice;
            if (i > 0)
                plans[k]->load.warmup_s = 0;
        }
        rc = d->slice(d->ud, &r, &a, reason, len);
        if (rc)
            return rc;
        d->elapsed_s += r->duration_s;
        if ((rc = pool(&d->run, r, reason, len))) {
            metrics_results_free(a);
            return rc;
        }
        if (a && (rc = pool(&d->a, a, reason, len)))
            return rc;
        last = cmd_stop || d->elapsed_s >= d->max_s - 0.5 || d->run->partial;
        if (!last && d->elapsed_s < first - 0.5)
            continue;
        rc = compare_sequential_look(d->seq, d->run,
                                     d->paired ? d->a : prep->baseline,
                                     d->elapsed_s, last, err, sizeof(err));
        if (rc == COMPARE_EUNKNOWN) {
            snprintf(reason, len, "%s", err);
            return GATE_EXIT_USAGE;
        }
        if (rc) {
            snprintf(reason, len, "cannot judge a slice: %s",
                     compare_strerror(rc));
            return GATE_EXIT_UNJUDGED;
        }
        if (last || compare_sequential_done(d->seq))
            break;
    }
    return 0;
}
