/*
 * Running a plan: wait_for, setup, the load with a progress line on
 * stderr (a TTY's line redrawn, or lines every few seconds with
 * --progress), abort: thresholds checked live on the run's own results,
 * the live page and metrics (--ui, --metrics) fed from the same
 * callback, and teardown.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "live.h"
#include "units.h"

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

/* ---- the live page and metrics --------------------------------------- */

const struct cmd_option cmd_live_options[] = {
    CMD_OPTION_VALUE("ui", 0, CMD_OPT_UI, "[ADDR:]PORT",
                     "watch the run in a browser at http://127.0.0.1:PORT/ "
                     "(loopback unless LOADGATE_TOKEN is set)"),
    CMD_OPTION_VALUE("metrics", 0, CMD_OPT_METRICS, "[ADDR:]PORT",
                     "serve the live metrics at /metrics for Prometheus "
                     "(OpenMetrics)"),
    CMD_OPTION_VALUE("ui-linger", 0, CMD_OPT_UI_LINGER, "DURATION",
                     "keep --ui and --metrics up this long after the verdict "
                     "(default 5s with --ui, else 0)"),
    {.long_name = NULL},
};

int cmd_live_opt(struct cmd_report_opts *o, int opt, const char *arg)
{
    struct units_error ue;
    char err[512];

    switch (opt) {
    case CMD_OPT_UI:
    case CMD_OPT_METRICS:
        /* before anything runs: a usage error */
        if (live_check_listen(arg, getenv("LOADGATE_TOKEN"), err,
                              sizeof(err))) {
            cmd_error("--%s: %s", opt == CMD_OPT_UI ? "ui" : "metrics", err);
            exit(GATE_EXIT_USAGE);
        }
        *(opt == CMD_OPT_UI ? &o->ui : &o->metrics) = arg;
        return 1;
    case CMD_OPT_UI_LINGER:
        if (units_parse_duration(arg, UNITS_SECONDS, &o->ui_linger_s, &ue)) {
            cmd_error("--ui-linger wants %s, not '%s': %s",
                      units_expected(UNITS_DURATION), arg, ue.msg);
            exit(GATE_EXIT_USAGE);
        }
        o->ui_linger_set = true;
        return 1;
    default:
        return 0;
    }
}

/* The server of this process's run (one, across --repeat's runs). */
static struct live *live_srv;
static double live_linger_s;
static bool live_quiet;
static volatile sig_atomic_t live_stopped;

/* The Stop button: what Ctrl-C does. */
static void on_live_stop(void *ud)
{
    (void)ud;
    live_stopped = 1;
    cmd_signal = SIGINT;
    cmd_stop = 1;
}

static int live_begin(const struct loader_plan *p,
                      const struct cmd_report_opts *o,
                      const struct cmd_prepared *prep, char *reason, size_t len)
{
    struct live_opts lo = {0};
    char err[512], url[128];

    if (live_srv || (!o->ui && !o->metrics))
        return 0;
    lo.ui = o->ui;
    lo.metrics = o->metrics;
    lo.token = getenv("LOADGATE_TOKEN");
    lo.title = p->name;
    lo.stop = on_live_stop;
    if (prep) {
        lo.thresholds = prep->thresholds;
        lo.n_thresholds = prep->n_thresholds;
        lo.baseline = prep->baseline;
        lo.baseline_name = prep->baseline_name;
    }
    if (live_start(&lo, &live_srv, err, sizeof(err))) {
        snprintf(reason, len, "%s", err);
        return GATE_EXIT_UNJUDGED;
    }
    live_linger_s = o->ui_linger_set ? o->ui_linger_s : o->ui ? 5 : 0;
    live_quiet = o->quiet;
    if (o->ui && !o->quiet) {
        live_url(live_srv, false, url, sizeof(url));
        cmd_notice("watch the run at %s%s", url,
                   lo.token && *lo.token ? " (with #token=...)" : "");
    }
    if (o->metrics && !o->quiet) {
        live_url(live_srv, true, url, sizeof(url));
        cmd_notice("metrics for Prometheus at %s", url);
    }
    return 0;
}

/* The open model's rate asked for at t seconds into the run (stages ramp
 * linearly from the previous stage's rate, the first from 0). */
static double target_rate(const struct loader_load *l, double t)
{
    double t0 = 0, prev = 0;

    if (l->model != LOADER_MODEL_OPEN)
        return 0;
    if (l->n_stages == 0)
        return l->rate;
    for (size_t i = 0; i < l->n_stages; i++) {
        double d = l->stages[i].duration_s, r = l->stages[i].rate;

        if (t < t0 + d && d > 0)
            return prev + (r - prev) * (t - t0) / d;
        t0 += d;
        prev = r;
    }
    return prev;
}

void cmd_live_end(const struct metrics_results *run,
                  const struct compare_verdict *verdict, int code,
                  const char *line, const char *error, const char *report)
{
    struct live_final f = {.run = run,
                           .verdict = verdict,
                           .exit_code = code,
                           .line = line,
                           .error = error,
                           .report = report};
    struct timespec nap = {0, 100 * 1000 * 1000};

    if (!live_srv)
        return;
    if (live_finish(live_srv, &f))
        cmd_warn("out of memory while showing the verdict on the live page");
    if (live_linger_s > 0 && !live_quiet)
        cmd_notice("the live page stays up for %g s (Ctrl-C ends it)",
                   live_linger_s);
    /* a Ctrl-C from here on only ends the wait */
    cmd_stop = 0;
    for (double waited = 0; waited < live_linger_s && !cmd_stop; waited += 0.1)
        nanosleep(&nap, NULL);
    live_stop(live_srv);
    live_srv = NULL;
}

/* ---- the progress line and abort: --------------------------------------- */

struct progress_ctx {
    bool tty;
    bool lines;
    bool show;
    /* abort: true thresholds, checked once a second on the live results */
    const struct compare_threshold *thresholds;
    size_t n_thresholds;
    const struct loader_load *load; /* for the live target rate */
};

static void on_progress(const struct loader_progress *pr, void *ud)
{
    struct progress_ctx *c = ud;
    double er =
        pr->requests ? 100.0 * (double)pr->errors / (double)pr->requests : 0;
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
    if (live_srv) {
        struct live_sample ls = {.elapsed_s = pr->elapsed_s,
                                 .warming_up = pr->warming_up,
                                 .users = pr->users,
                                 .target_rps =
                                     target_rate(c->load, pr->elapsed_s),
                                 .rps = pr->rps,
                                 .requests = pr->requests,
                                 .errors = pr->errors,
                                 .results = pr->live};
        live_update(live_srv, &ls);
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

    if ((rc = live_begin(p, o, prep, reason, len)))
        return rc;
    pc.load = &p->load;
    pc.tty = isatty(STDERR_FILENO);
    pc.lines = !pc.tty && o->progress;
    pc.show = !o->quiet && (pc.tty || pc.lines);
    if (prep) {
        pc.thresholds = prep->thresholds;
        pc.n_thresholds = prep->n_thresholds;
    }
    ro.stop = &cmd_stop;
    ro.threads = cmd_threads;
    if (pc.show || pc.n_thresholds || live_srv) {
        ro.progress = on_progress;
        ro.progress_ud = &pc;
        ro.progress_interval_s =
            pc.n_thresholds || pc.tty || live_srv ? 0.5 : 5;
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
    if (live_stopped == 1) {
        live_stopped = 2; /* said once */
        cmd_notice("stopped from the live page");
    }
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
