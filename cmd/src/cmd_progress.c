/*
 * Running a plan: wait_for, setup, the load with a progress line on
 * stderr (a TTY's line redrawn, or lines every few seconds with
 * --progress), abort: thresholds checked live on the run's own results,
 * and teardown.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"

char cmd_abort_reason[512];

unsigned cmd_threads = 1;

int cmd_threads_opt(const char *arg, const char *usage)
{
    unsigned long long t;

    if (cmd_parse_uint(arg, 1, 256, &t))
        return cmd_usage_error(usage, "--threads wants 1 to 256, not '%s'",
                               arg);
    cmd_threads = (unsigned)t;
    return 0;
}

struct progress_ctx {
    bool tty;
    bool lines;
    bool show;
    /* abort: true thresholds, checked once a second on the live results */
    const struct compare_threshold *thresholds;
    size_t n_thresholds;
};

static void on_progress(const struct loader_progress *pr, void *ud)
{
    struct progress_ctx *c = ud;
    double er = pr->requests ? 100.0 * (double)pr->errors /
                                   (double)pr->requests
                             : 0;
    char buf[256];

    for (size_t i = 0; pr->live && !cmd_stop && i < c->n_thresholds; i++) {
        const struct compare_threshold *t = &c->thresholds[i];
        char why[256];
        if (t->abort_run && t->for_s > 0 && !pr->warming_up &&
            compare_sustained_breach(pr->live, t, why, sizeof(why))) {
            snprintf(cmd_abort_reason, sizeof(cmd_abort_reason),
                     "aborted early: '%s' breached: %s", t->expr, why);
            cmd_stop = 1; /* stop sending; results come back partial */
        }
    }
    if (!c->show)
        return;
    snprintf(buf, sizeof(buf),
             "[%6.1fs]%s users %u  req/s %.0f  p95 %.1f ms  requests %llu  "
             "errors %llu (%.2f%%)",
             pr->elapsed_s, pr->warming_up ? " warm-up" : "", pr->users,
             pr->rps, pr->p95_ms, (unsigned long long)pr->requests,
             (unsigned long long)pr->errors, er);
    if (c->tty)
        fprintf(stderr, "\r\033[K%s", buf);
    else
        fprintf(stderr, "%s\n", buf);
}

int cmd_run_load(const struct loader_plan *p, const struct cmd_report_opts *o,
                 const struct cmd_prepared *prep, struct metrics_results **out,
                 char *reason, size_t len)
{
    struct loader_run_opts ro = {0};
    struct progress_ctx pc = {0};
    struct loader_kv *vars = NULL;
    size_t n_vars = 0;
    char err[512];
    bool set_up;
    int rc;

    pc.tty = isatty(STDERR_FILENO);
    pc.lines = !pc.tty && o->progress;
    pc.show = !o->quiet && (pc.tty || pc.lines);
    if (prep) {
        pc.thresholds = prep->thresholds;
        pc.n_thresholds = prep->n_thresholds;
    }
    ro.stop = &cmd_stop;
    ro.threads = cmd_threads;
    if (pc.show || pc.n_thresholds) {
        ro.progress = on_progress;
        ro.progress_ud = &pc;
        ro.progress_interval_s = pc.n_thresholds || pc.tty ? 0.5 : 5;
    }
    err[0] = '\0';
    /* wait_for (CI starts services in the background), setup once, the
     * load with setup's captures, teardown once */
    rc = loader_wait_for(p, &cmd_stop, err, sizeof(err));
    if (rc && !cmd_stop) {
        snprintf(reason, len, "%s", err[0] ? err : loader_strerror(rc));
        return GATE_EXIT_UNJUDGED;
    }
    /* interrupted before the load: no setup, and loader_run (seeing the
     * stop flag) gives back empty results marked partial to report */
    set_up = !cmd_stop;
    rc = set_up ? loader_setup(p, &vars, &n_vars, err, sizeof(err)) : 0;
    if (rc) {
        snprintf(reason, len, "setup failed: %s",
                 err[0] ? err : loader_strerror(rc));
        return GATE_EXIT_UNJUDGED;
    }
    ro.vars = vars;
    ro.n_vars = n_vars;
    rc = loader_run(p, &ro, out, err, sizeof(err));
    if (rc == 0 && cmd_run_meta(*out)) {
        metrics_results_free(*out);
        *out = NULL;
        rc = LOADER_ENOMEM;
    }
    if (pc.tty && ro.progress)
        fprintf(stderr, "\r\033[K");
    if (rc) {
        snprintf(reason, len, "cannot run the load: %s",
                 err[0] ? err : loader_strerror(rc));
        loader_vars_free(vars, n_vars);
        return GATE_EXIT_UNJUDGED;
    }
    if (set_up && loader_teardown(p, vars, n_vars, err, sizeof(err)))
        cmd_warn("teardown: %s", err);
    loader_vars_free(vars, n_vars);
    return 0;
}
