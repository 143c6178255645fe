/*
 * The pipeline every gating command ends in: thresholds and baseline are
 * prepared before any traffic (so that a typo costs nothing), then the run
 * is judged, written out and mapped to an exit code.
 */
#include <errno.h>
#include <fnmatch.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "server.h"

/* Why the run was aborted early by an abort: threshold; empty if not. */
static char abort_reason[512];

/* The GitHub step summary limit is 1 MiB per step; gate keeps ours under
 * 256 KiB. */
static void append_file(const char *path, const char *data, size_t len)
{
    FILE *f = fopen(path, "a");

    if (!f) {
        cmd_warn("cannot append the summary to '%s': %s", path,
                 strerror(errno));
        return;
    }
    if (fwrite(data, 1, len, f) != len || fclose(f) != 0)
        cmd_warn("cannot append the summary to '%s'", path);
}

/* Does the profile have a step reporting under endpoint `name`? */
static bool profile_has_endpoint(const struct loader_profile *p,
                                 const char *name)
{
    char buf[1024];

    for (size_t i = 0; i < p->n_scenarios; i++)
        for (size_t k = 0; k < p->scenarios[i].n_steps; k++) {
            loader_step_endpoint(&p->scenarios[i].steps[k], buf,
                                 sizeof(buf));
            /* a name, or a pattern ("GET /api/agents*") matching one */
            if (strcmp(buf, name) == 0 || fnmatch(name, buf, 0) == 0)
                return true;
        }
    return false;
}

static void list_endpoints(const struct loader_profile *p, char *out,
                           size_t len)
{
    char buf[1024];
    size_t used = 0;

    out[0] = '\0';
    for (size_t i = 0; i < p->n_scenarios; i++)
        for (size_t k = 0; k < p->scenarios[i].n_steps; k++) {
            loader_step_endpoint(&p->scenarios[i].steps[k], buf,
                                 sizeof(buf));
            if (strstr(out, buf))
                continue;
            int n = snprintf(out + used, len - used, "%s'%s'",
                             used ? ", " : "", buf);
            if (n < 0 || (size_t)n >= len - used)
                return;
            used += (size_t)n;
        }
}

static int prepare_thresholds(const struct cmd_judge *j,
                              struct cmd_prepared *p)
{
    const struct loader_profile *prof = j->profile;
    char err[512];
    size_t n;

    if (j->n_cli_thresholds > 0)
        n = j->n_cli_thresholds;
    else if (prof && prof->n_thresholds > 0)
        n = prof->n_thresholds;
    else
        return compare_threshold_defaults(&p->thresholds, &p->n_thresholds)
                   ? GATE_EXIT_UNJUDGED
                   : 0;

    p->thresholds = calloc(n, sizeof(*p->thresholds));
    if (!p->thresholds)
        return GATE_EXIT_UNJUDGED;
    for (size_t i = 0; i < n; i++) {
        const char *expr, *endpoint = NULL;
        struct compare_threshold *t = &p->thresholds[i];

        if (j->n_cli_thresholds > 0) {
            expr = j->cli_thresholds[i];
        } else {
            expr = prof->thresholds[i].check;
            endpoint = prof->thresholds[i].endpoint;
        }
        if (compare_threshold_parse(expr, endpoint, t, err, sizeof(err))) {
            if (j->n_cli_thresholds > 0)
                snprintf(p->reason, sizeof(p->reason),
                         "--threshold '%s': %s", expr, err);
            else
                snprintf(p->reason, sizeof(p->reason),
                         "%s:%d:%d: threshold '%s': %s", prof->path,
                         prof->thresholds[i].line, prof->thresholds[i].col,
                         expr, err);
            return GATE_EXIT_USAGE;
        }
        p->n_thresholds = i + 1;
        if (prof && j->n_cli_thresholds == 0) {
            const struct loader_threshold *lt = &prof->thresholds[i];
            t->file = prof->path;
            t->line = lt->line;
            t->col = lt->col;
            t->warn_only = lt->severity && strcmp(lt->severity, "warn") == 0;
            t->for_s = lt->for_s;
            t->abort_run = lt->abort_run;
            if (lt->min_effect &&
                compare_parse_quantity(t->stat, lt->min_effect,
                                       &t->min_effect, err, sizeof(err))) {
                snprintf(p->reason, sizeof(p->reason),
                         "%s:%d:%d: min_effect '%s': %s", prof->path,
                         lt->line, lt->col, lt->min_effect, err);
                return GATE_EXIT_USAGE;
            }
        }
        if (prof && t->endpoint && strcmp(t->endpoint, "ALL") != 0 &&
            !profile_has_endpoint(prof, t->endpoint)) {
            char names[600];
            list_endpoints(prof, names, sizeof(names));
            if (j->n_cli_thresholds == 0)
                snprintf(p->reason, sizeof(p->reason),
                         "%s:%d:%d: threshold names endpoint '%s', which "
                         "the profile does not have; endpoints: %s",
                         prof->path, prof->thresholds[i].line,
                         prof->thresholds[i].col, t->endpoint, names);
            else
                snprintf(p->reason, sizeof(p->reason),
                         "--threshold names endpoint '%s', which the "
                         "profile does not have; endpoints: %s",
                         t->endpoint, names);
            return GATE_EXIT_USAGE;
        }
    }
    return 0;
}

/* A baseline file named in a profile is relative to the profile. */
static char *baseline_path(const struct cmd_judge *j, const char *spec)
{
    bool is_file = strchr(spec, '/') || strstr(spec, ".json");
    char *dir, *copy, *out;

    if (!is_file || spec[0] == '/' || j->baseline_spec || !j->profile ||
        !j->profile->path || !strchr(j->profile->path, '/'))
        return strdup(spec);
    copy = strdup(j->profile->path);
    if (!copy)
        return NULL;
    dir = dirname(copy);
    out = malloc(strlen(dir) + strlen(spec) + 2);
    if (out)
        sprintf(out, "%s/%s", dir, spec);
    free(copy);
    return out;
}

/* What differs between the profile about to run and the baseline, in
 * the terms both carry (compare_profile_diff on a sketch of the run). */
static void profile_diff(const struct loader_profile *prof,
                         const struct metrics_results *base, char *buf,
                         size_t len)
{
    struct metrics_results *sketch = NULL;
    char name[1024];

    snprintf(buf, len, "its load or scenarios changed");
    if (metrics_results_new(&sketch))
        return;
    sketch->concurrent_users = prof->load.users;
    sketch->duration_s = prof->load.duration_s;
    sketch->meta.model = strdup(prof->load.rate > 0 || prof->load.n_stages
                                    ? "open"
                                    : "closed");
    sketch->meta.target_rps = prof->load.rate;
    for (size_t i = 0; i < prof->n_scenarios; i++)
        for (size_t k = 0; k < prof->scenarios[i].n_steps; k++) {
            size_t m = loader_step_endpoint(&prof->scenarios[i].steps[k],
                                            name, sizeof(name));
            name[m] = '\0';
            metrics_results_endpoint(sketch, name, name + m + 1, true);
        }
    compare_profile_diff(base, sketch, buf, len);
    metrics_results_free(sketch);
}

static int prepare_baseline(const struct cmd_judge *j, struct cmd_prepared *p)
{
    const char *spec = j->baseline_spec;
    const char *store = j->store ? j->store : COMPARE_DEFAULT_STORE;
    char err[600];
    char *path;
    int rc;

    if (j->baseline_doc) {
        p->baseline = (struct metrics_results *)j->baseline_doc;
        p->baseline_borrowed = true;
        p->baseline_name = strdup(j->baseline_label ? j->baseline_label
                                                    : "baseline");
        goto check_hash;
    }
    if (!spec && j->profile)
        spec = j->profile->baseline;
    if (!spec) {
        if (j->require_baseline) {
            snprintf(p->reason, sizeof(p->reason),
                     "--require-baseline is set, but no baseline is named "
                     "(--baseline, or baseline: in the profile)");
            return GATE_EXIT_UNJUDGED;
        }
        return 0;
    }
    if (server_is_url(spec)) {
        rc = server_fetch_baseline(spec, getenv("LOADGATE_TOKEN"),
                                   &p->baseline, err, sizeof(err));
        if (rc) {
            if (j->baseline_spec)
                snprintf(p->reason, sizeof(p->reason), "baseline %s", err);
            else /* the URL may hold expanded ${ENV} values: not shown */
                snprintf(p->reason, sizeof(p->reason),
                         "the profile's baseline URL (line %d): %s",
                         j->profile->baseline_line, server_strerror(rc));
            if (rc == SERVER_EHTTP && strstr(err, "HTTP 404") &&
                !j->require_baseline) {
                p->baseline_missing = strdup(p->reason);
                p->reason[0] = '\0';
                return 0;
            }
            return GATE_EXIT_UNJUDGED;
        }
        p->baseline_name = strdup(p->baseline->baseline_id
                                      ? p->baseline->baseline_id
                                      : spec);
        goto check_hash;
    }
    path = baseline_path(j, spec);
    if (!path)
        return GATE_EXIT_UNJUDGED;
    rc = compare_baseline_resolve(path, store, &p->baseline,
                                  &p->baseline_name, err, sizeof(err));
    free(path);
    if (rc == COMPARE_ENOTFOUND && !j->require_baseline) {
        char notice[800];
        snprintf(notice, sizeof(notice),
                 "%s; relative checks are skipped (the first run on a "
                 "branch has no baseline; --require-baseline makes this "
                 "an error)",
                 err);
        p->baseline_missing = strdup(notice);
        return 0;
    }
    if (rc) {
        if (j->baseline_spec)
            snprintf(p->reason, sizeof(p->reason), "baseline '%s': %s", spec,
                     err);
        else
            snprintf(p->reason, sizeof(p->reason),
                     "the profile's baseline (line %d): %s",
                     j->profile->baseline_line, err);
        return rc == COMPARE_ENAME ? GATE_EXIT_USAGE : GATE_EXIT_UNJUDGED;
    }
check_hash:
    if (j->profile && p->baseline->meta.profile_sha256 &&
        *p->baseline->meta.profile_sha256 &&
        strcmp(p->baseline->meta.profile_sha256, j->profile->sha256) != 0 &&
        !j->allow_profile_change) {
        char diff[400];
        profile_diff(j->profile, p->baseline, diff, sizeof(diff));
        snprintf(p->reason, sizeof(p->reason),
                 "baseline '%s' was recorded with a different profile "
                 "(profile sha256 %.12s, baseline %.12s): %s; the numbers "
                 "are not comparable: save a new baseline, or "
                 "--allow-profile-change",
                 p->baseline_name ? p->baseline_name : "(bundled)",
                 j->profile->sha256, p->baseline->meta.profile_sha256, diff);
        return GATE_EXIT_UNJUDGED;
    }
    return 0;
}

int cmd_prepare(const struct cmd_judge *j, struct cmd_prepared *p)
{
    int rc;

    memset(p, 0, sizeof(*p));
    rc = prepare_thresholds(j, p);
    if (!rc)
        rc = prepare_baseline(j, p);
    if (rc && !p->reason[0])
        snprintf(p->reason, sizeof(p->reason), "out of memory");
    p->exit_code = rc;
    return rc;
}

void cmd_prepared_release(struct cmd_prepared *p)
{
    for (size_t i = 0; i < p->n_thresholds; i++)
        compare_threshold_release(&p->thresholds[i]);
    free(p->thresholds);
    if (!p->baseline_borrowed)
        metrics_results_free(p->baseline);
    free(p->baseline_name);
    free(p->baseline_missing);
    memset(p, 0, sizeof(*p));
}

static const char *judge_name(const struct cmd_judge *j)
{
    if (j->profile_name)
        return j->profile_name;
    if (j->profile && j->profile->name)
        return j->profile->name;
    return "results";
}

int cmd_fail_early(int code, const char *reason, const struct cmd_judge *j,
                   const struct cmd_report_opts *o)
{
    struct gate_report rep = {0};
    char err[512];

    cmd_error("%s", reason);
    if (o && o->junit) {
        rep.profile_name = judge_name(j);
        rep.profile_path = j->profile_path;
        rep.error_reason = reason;
        if (gate_junit_write(&rep, o->junit, err, sizeof(err)))
            cmd_warn("cannot write '%s': %s", o->junit, err);
    }
    return code;
}

static void no_response_reason(const struct metrics_results *run, char *buf,
                               size_t len)
{
    uint64_t total = run ? metrics_results_total_requests(run) : 0;
    uint64_t cls[METRICS_ERR__COUNT] = {0};
    size_t used;

    if (!run || total == 0) {
        snprintf(buf, len, "no request was completed in the measured "
                           "window; nothing to judge");
        return;
    }
    for (size_t i = 0; i < run->n_endpoints; i++)
        for (int c = 0; c < METRICS_ERR__COUNT; c++)
            cls[c] += run->endpoints[i]->err_class[c];
    used = (size_t)snprintf(buf, len,
                            "no response from the target: all %llu "
                            "requests failed (",
                            (unsigned long long)total);
    for (int c = 0; c < METRICS_ERR__COUNT && used < len; c++)
        if (cls[c])
            used += (size_t)snprintf(buf + used, len - used, "%s%s: %llu",
                                     buf[used - 1] == '(' ? "" : ", ",
                                     metrics_errclass_name(c),
                                     (unsigned long long)cls[c]);
    if (used < len)
        snprintf(buf + used, len - used, ")");
}

static int write_markdown(const struct gate_report *rep,
                          const struct cmd_report_opts *o)
{
    const char *gh = getenv("GITHUB_STEP_SUMMARY");
    char *md = NULL;
    size_t mdlen = 0;
    FILE *f;
    int rc = 0;

    if (!o->markdown && !(gh && *gh))
        return 0;
    f = open_memstream(&md, &mdlen);
    if (!f)
        return -1;
    gate_markdown_write(rep, f);
    if (fclose(f) != 0) {
        free(md);
        return -1;
    }
    if (o->markdown && metrics_write_atomic(o->markdown, md, mdlen)) {
        cmd_error("cannot write '%s': %s", o->markdown, strerror(errno));
        rc = -1;
    }
    if (gh && *gh)
        append_file(gh, md, mdlen);
    free(md);
    return rc;
}

/* Renders a report into memory and writes it atomically to path. */
static int write_rendered(const char *path,
                          int (*render)(const struct gate_report *, FILE *),
                          const struct gate_report *rep)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    int rc;

    if (!f)
        return -1;
    rc = render(rep, f);
    if (fclose(f) != 0)
        rc = -1;
    if (!rc && metrics_write_atomic(path, buf, len)) {
        cmd_error("cannot write '%s': %s", path, strerror(errno));
        rc = -1;
    }
    free(buf);
    return rc;
}

int cmd_judge_and_report(struct metrics_results *run, const struct cmd_judge *j,
                         struct cmd_prepared *p,
                         const struct cmd_report_opts *o, int signal)
{
    struct compare_verdict *verdict = NULL;
    struct gate_report rep = {0};
    struct compare_opts copts = {0};
    char err[1024], reason[1024], line[1024];
    int code, rc;
    bool write_failed = false, json_out;

    rep.run = run;
    rep.profile_name = judge_name(j);
    rep.profile_path = j->profile_path;
    rep.signal = signal;
    rep.baseline = p->baseline;
    rep.baseline_name = p->baseline_name;

    if (p->baseline && !j->profile && run->meta.profile_sha256 &&
        p->baseline->meta.profile_sha256 &&
        *run->meta.profile_sha256 && *p->baseline->meta.profile_sha256 &&
        strcmp(run->meta.profile_sha256, p->baseline->meta.profile_sha256) &&
        !j->allow_profile_change) {
        snprintf(reason, sizeof(reason),
                 "baseline '%s' was recorded with a different profile "
                 "(run sha256 %.12s, baseline %.12s); refusing to compare",
                 p->baseline_name ? p->baseline_name : "?",
                 run->meta.profile_sha256, p->baseline->meta.profile_sha256);
        return cmd_fail_early(GATE_EXIT_UNJUDGED, reason, j, o);
    }

    copts.baseline_name = p->baseline_name;
    rc = compare_evaluate(run, p->baseline, p->thresholds, p->n_thresholds,
                          &copts, &verdict, err, sizeof(err));
    if (rc == COMPARE_EUNKNOWN)
        return cmd_fail_early(GATE_EXIT_USAGE, err, j, o);
    if (rc) {
        snprintf(reason, sizeof(reason), "cannot judge the run: %s",
                 compare_strerror(rc));
        return cmd_fail_early(GATE_EXIT_UNJUDGED, reason, j, o);
    }
    rep.verdict = verdict;
    if (compare_recommend(run, verdict) ||
        compare_recommend_noise(run, verdict))
        cmd_warn("out of memory while writing recommendations");
    if (gate_no_response(run)) {
        no_response_reason(run, reason, sizeof(reason));
        rep.error_reason = reason;
    }
    code = gate_exit_code(&rep);

    if (abort_reason[0]) {
        cmd_warn("%s", abort_reason);
        if (metrics_results_add_recommendation(run, abort_reason))
            cmd_warn("out of memory");
    }
    if (p->baseline_missing)
        cmd_notice("%s", p->baseline_missing);
    if (run->partial)
        cmd_warn("the run was interrupted; results and reports are "
                 "marked partial");

    if (o->out && metrics_results_save(run, o->out, err, sizeof(err))) {
        cmd_error("cannot write results: %s", err);
        write_failed = true;
    }
    if (o->junit && gate_junit_write(&rep, o->junit, err, sizeof(err))) {
        cmd_error("cannot write '%s': %s", o->junit, err);
        write_failed = true;
    }
    if (write_markdown(&rep, o))
        write_failed = true;
    if (o->html && write_rendered(o->html, gate_html_write, &rep))
        write_failed = true;
    if (o->gitlab &&
        gate_gitlab_lp_write(&rep, o->gitlab, err, sizeof(err))) {
        cmd_error("cannot write '%s': %s", o->gitlab, err);
        write_failed = true;
    }

    json_out = o->format && strcmp(o->format, "json") == 0;
    if (json_out)
        gate_json_write(&rep, stdout); /* asked for explicitly: even -q */
    else if (!o->quiet)
        gate_text_write(&rep, stdout);
    /* The runner reads workflow commands from stdout and stderr; keep a
     * JSON stdout parseable. */
    if (getenv("GITHUB_ACTIONS") &&
        strcmp(getenv("GITHUB_ACTIONS"), "true") == 0)
        gate_github_annotations(&rep, json_out ? stderr : stdout);
    /* codes 2 and 3 say one reason line; otherwise the verdict line */
    if (rep.error_reason) {
        cmd_error("%s", rep.error_reason);
    } else if (!write_failed) {
        gate_verdict_line(&rep, line, sizeof(line));
        fprintf(stderr, "%s\n", line);
    }

    if (j->save_baseline) {
        if (run->partial)
            cmd_warn("not saving baseline '%s': the run was interrupted",
                     j->save_baseline);
        else if (j->save_if_pass && code != GATE_EXIT_PASS)
            cmd_notice("not saving baseline '%s': the verdict is not PASS "
                       "(--if-pass)",
                       j->save_baseline);
        else if (compare_store_save(j->store ? j->store
                                             : COMPARE_DEFAULT_STORE,
                                    j->save_baseline, run, err,
                                    sizeof(err))) {
            cmd_error("cannot save baseline '%s': %s", j->save_baseline,
                      err);
            write_failed = true;
        } else {
            if (j->keep > 0)
                cmd_prune_history(j->store ? j->store : COMPARE_DEFAULT_STORE,
                                  j->save_baseline, j->keep);
            if (!o->quiet)
                cmd_notice("saved baseline '%s' in %s", j->save_baseline,
                           j->store ? j->store : COMPARE_DEFAULT_STORE);
        }
    }
    compare_verdict_free(verdict);

    if (code == GATE_EXIT_SIGINT || code == GATE_EXIT_SIGTERM)
        return code;
    if (write_failed)
        return GATE_EXIT_UNJUDGED;
    if (j->no_gate && !rep.error_reason)
        return GATE_EXIT_PASS;
    return code;
}

void cmd_prune_history(const char *store, const char *name, unsigned keep)
{
    char err[512];

    if (compare_store_prune(store, name, keep, err, sizeof(err)) < 0)
        cmd_warn("cannot prune the history of '%s': %s", name, err);
}

/* ---- running a profile with progress ------------------------------------ */

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
            snprintf(abort_reason, sizeof(abort_reason),
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

int cmd_run_load(const struct loader_profile *p, const struct cmd_report_opts *o,
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

int cmd_run_repeated(const struct loader_profile *p,
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

int cmd_run_and_judge(const struct loader_profile *p,
                      const struct cmd_judge *j,
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

int cmd_load_results(const char *path, struct metrics_results **out)
{
    char err[1024];

    if (metrics_results_load(path, out, err, sizeof(err))) {
        cmd_error("%s", err);
        return GATE_EXIT_UNJUDGED;
    }
    return 0;
}
