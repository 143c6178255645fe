/*
 * The pipeline every gating command ends in: thresholds and baseline are
 * prepared before any traffic (so that a typo costs nothing), then the run
 * is judged, written out and mapped to an exit code.
 */
#include <errno.h>
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

/* The thresholds as written, in p->written: --threshold, else (gate,
 * report without --profile) those the results carry.  Returns 0 or an
 * exit code. */
static int written_thresholds(const struct cmd_judge *j,
                              struct cmd_prepared *p)
{
    size_t n = j->n_cli_thresholds;

    if (n == 0 && !j->profile)
        n = j->n_run_thresholds;
    if (n == 0)
        return 0;
    p->written = calloc(n, sizeof(*p->written));
    if (!p->written)
        return GATE_EXIT_UNJUDGED;
    for (size_t i = 0; i < n; i++) {
        struct metrics_threshold w = {0};

        if (j->n_cli_thresholds > 0)
            w.check = (char *)j->cli_thresholds[i];
        else
            w = j->run_thresholds[i];
        if (metrics_threshold_copy(&p->written[i], &w))
            return GATE_EXIT_UNJUDGED;
        p->n_written = i + 1;
    }
    return 0;
}

/* "p.yaml:12:5: threshold 'x'", "--threshold 'x'" or "threshold 'x' of
 * the results": where a threshold came from, for its errors. */
static void threshold_where(const struct cmd_judge *j,
                            const struct metrics_threshold *w, char *buf,
                            size_t len)
{
    if (j->n_cli_thresholds > 0)
        snprintf(buf, len, "--threshold '%s'", w->check);
    else if (w->file && w->line > 0)
        snprintf(buf, len, "%s:%d:%d: threshold '%s'", w->file, w->line,
                 w->col, w->check);
    else
        snprintf(buf, len, "threshold '%s' of the results", w->check);
}

/* The profile's thresholds, parsed and checked when it was loaded. */
static int profile_thresholds(const struct profile *prof,
                              struct cmd_prepared *p)
{
    size_t n = prof->n_thresholds;

    p->written = calloc(n, sizeof(*p->written));
    p->thresholds = calloc(n, sizeof(*p->thresholds));
    if (!p->written || !p->thresholds)
        return GATE_EXIT_UNJUDGED;
    for (size_t i = 0; i < n; i++) {
        if (metrics_threshold_copy(&p->written[i], &prof->written[i]))
            return GATE_EXIT_UNJUDGED;
        p->n_written = i + 1;
        if (compare_threshold_copy(&p->thresholds[i], &prof->thresholds[i]))
            return GATE_EXIT_UNJUDGED;
        p->n_thresholds = i + 1;
        p->thresholds[i].file = p->written[i].file;
    }
    return 0;
}

static int prepare_thresholds(const struct cmd_judge *j,
                              struct cmd_prepared *p)
{
    const struct loader_plan *plan = j->profile ? j->profile->plan : NULL;
    char err[700], where[700];
    int rc;

    if (j->n_cli_thresholds == 0 && j->profile &&
        j->profile->n_thresholds > 0)
        rc = profile_thresholds(j->profile, p);
    else
        rc = written_thresholds(j, p);
    if (rc)
        return rc;
    if (p->n_written == 0)
        return compare_threshold_defaults(&p->thresholds, &p->n_thresholds)
                   ? GATE_EXIT_UNJUDGED
                   : 0;

    if (!p->thresholds &&
        !(p->thresholds = calloc(p->n_written, sizeof(*p->thresholds))))
        return GATE_EXIT_UNJUDGED;
    for (size_t i = p->n_thresholds; i < p->n_written; i++) {
        const struct metrics_threshold *w = &p->written[i];

        threshold_where(j, w, where, sizeof(where));
        rc = compare_threshold_from(w, &p->thresholds[i], err, sizeof(err));
        if (rc == COMPARE_ENOMEM)
            return GATE_EXIT_UNJUDGED;
        if (rc) {
            snprintf(p->reason, sizeof(p->reason), "%.480s: %.530s", where,
                     err);
            return GATE_EXIT_USAGE;
        }
        p->n_thresholds = i + 1;
        if (!profile_endpoint_known(plan, w->endpoint, err, sizeof(err))) {
            snprintf(p->reason, sizeof(p->reason), "%.400s %.600s", where,
                     err);
            return GATE_EXIT_USAGE;
        }
    }
    /* given thresholds keep the default error_rate check unless they
     * check error_rate themselves */
    return compare_threshold_add_defaults(&p->thresholds, &p->n_thresholds)
               ? GATE_EXIT_UNJUDGED
               : 0;
}

/* What differs between the profile about to run and the baseline, in
 * the terms both carry (compare_profile_diff on a sketch of the run). */
static void profile_diff(const struct loader_plan *prof,
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
    sketch->meta.model = strdup(
        prof->load.model == LOADER_MODEL_OPEN ? "open" : "closed");
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

/* Is url's path a baseline service's baseline route,
 * ".../api/load-test/baselines/NAME" (query and fragment aside)? */
static bool baseline_route(const char *url)
{
    static const char route[] = SERVER_API_PREFIX "/baselines/";
    const char *path = strstr(url, "://"), *at, *name;
    char last[128];
    size_t n;

    if (!path || !(path = strchr(path + 3, '/')))
        return false;
    n = strcspn(path, "?#");
    at = NULL;
    for (const char *q = path; (q = strstr(q, route)) && q < path + n; q++)
        at = q;
    if (!at)
        return false;
    name = at + strlen(route);
    if ((size_t)(path + n - name) >= sizeof(last))
        return false;
    memcpy(last, name, (size_t)(path + n - name));
    last[path + n - name] = '\0';
    return compare_name_valid(last);
}

#define BASELINE_ROUTE "http://HOST:PORT" SERVER_API_PREFIX "/baselines/NAME"

static int load_url(const char *spec, bool hide_url,
                    struct metrics_results **out, char **name, bool *absent,
                    char *reason, size_t len)
{
    char err[600];
    int rc = server_fetch_baseline(spec, getenv("LOADGATE_TOKEN"), out, err,
                                   sizeof(err));

    if (rc == 0) {
        *name = strdup((*out)->baseline_id ? (*out)->baseline_id : spec);
        return *name ? 0 : GATE_EXIT_UNJUDGED;
    }
    /* A loadgate service answers a missing name on its baseline route
     * with 404 {"error": "no baseline named 'NAME'"}; a 404 for another
     * path ({"error": "no such endpoint: ..."}, or another server's page)
     * means the URL is wrong, not that the baseline is missing. */
    if (rc == SERVER_EHTTP && strstr(err, "HTTP 404")) {
        if (baseline_route(spec) &&
            strstr(err, "HTTP 404: no baseline named '")) {
            *absent = true;
            if (hide_url)
                snprintf(reason, len, "the baseline service has no such "
                                      "baseline (HTTP 404)");
            else
                snprintf(reason, len, "baseline %s", err);
            return GATE_EXIT_UNJUDGED;
        }
        if (hide_url)
            snprintf(reason, len, "the baseline service answered HTTP 404; "
                                  "the URL is not a loadgate service's "
                                  "baseline route (" BASELINE_ROUTE ")");
        else
            snprintf(reason, len,
                     "baseline %s; the URL is not a loadgate service's "
                     "baseline route (" BASELINE_ROUTE ")",
                     err);
        return GATE_EXIT_UNJUDGED;
    }
    if (hide_url) /* the URL may hold expanded ${ENV} values: not shown */
        snprintf(reason, len, "%s", server_strerror(rc));
    else
        snprintf(reason, len, "baseline %s", err);
    return GATE_EXIT_UNJUDGED;
}

int cmd_baseline_load(const char *spec, const char *store, bool hide_url,
                      struct metrics_results **out, char **name,
                      bool *absent, char *reason, size_t len)
{
    enum compare_baseline_kind kind;
    char err[800], *closest = NULL;
    int rc;

    *out = NULL;
    *name = NULL;
    *absent = false;
    if (!store)
        store = COMPARE_DEFAULT_STORE;
    kind = compare_baseline_kind(spec);
    if (kind == COMPARE_BASELINE_URL)
        return load_url(spec, hide_url, out, name, absent, reason, len);
    rc = compare_baseline_resolve(spec, store, out, name, err, sizeof(err));
    if (rc == 0)
        return 0;
    if (rc == COMPARE_ENAME) {
        snprintf(reason, len, "baseline '%s': %s", spec, err);
        return GATE_EXIT_USAGE;
    }
    if (rc != COMPARE_ENOTFOUND) {
        snprintf(reason, len, "baseline '%s': %s", spec, err);
        return GATE_EXIT_UNJUDGED;
    }
    if (kind == COMPARE_BASELINE_FILE) {
        snprintf(reason, len, "baseline file '%s' does not exist", spec);
        return GATE_EXIT_UNJUDGED;
    }
    /* a name: missing from an empty store is the first run on a branch;
     * missing from a store that holds others is a typo until shown
     * otherwise */
    rc = compare_store_closest(store, spec, &closest, err, sizeof(err));
    if (rc) {
        snprintf(reason, len, "baseline '%s': %s", spec, err);
        return GATE_EXIT_UNJUDGED;
    }
    if (closest) {
        snprintf(reason, len,
                 "no baseline '%s' in %s; did you mean '%s'? (loadgate "
                 "baseline list shows what exists)",
                 spec, store, closest);
        free(closest);
        return GATE_EXIT_UNJUDGED;
    }
    *absent = true;
    snprintf(reason, len, "no baseline '%s' in %s (the store is empty)", spec,
             store);
    return GATE_EXIT_UNJUDGED;
}

static int prepare_baseline(const struct cmd_judge *j, struct cmd_prepared *p)
{
    const char *spec = j->baseline_spec;
    char err[900];
    bool absent;
    int rc;

    if (j->baseline_doc) {
        p->baseline = (struct metrics_results *)j->baseline_doc;
        p->baseline_borrowed = true;
        p->baseline_name = strdup(j->baseline_label ? j->baseline_label
                                                    : "baseline");
        goto check_hash;
    }
    /* the profile's baseline file is resolved against its folder */
    if (!spec && j->profile)
        spec = j->profile->baseline.path;
    if (!spec) {
        if (j->require_baseline) {
            snprintf(p->reason, sizeof(p->reason),
                     "--require-baseline is set, but no baseline is named "
                     "(--baseline, or baseline: in the profile)");
            return GATE_EXIT_UNJUDGED;
        }
        return 0;
    }
    rc = cmd_baseline_load(spec, j->store, !j->baseline_spec, &p->baseline,
                           &p->baseline_name, &absent, err, sizeof(err));
    if (rc) {
        if (j->baseline_spec)
            snprintf(p->reason, sizeof(p->reason), "%s", err);
        else
            snprintf(p->reason, sizeof(p->reason),
                     "the profile's baseline (line %d): %s",
                     j->profile->baseline.line, err);
    }
    if (rc && absent && !j->require_baseline) {
        char notice[sizeof(p->reason) + 200];
        snprintf(notice, sizeof(notice),
                 "%s; relative checks are skipped (the first run on a "
                 "branch has no baseline; --require-baseline makes this "
                 "an error)",
                 p->reason);
        p->baseline_missing = strdup(notice);
        p->reason[0] = '\0';
        return 0;
    }
    if (rc)
        return rc;
check_hash:
    if (!j->profile)
        return 0; /* judged against the run's hash (cmd_judge_and_report) */
    return cmd_refuse_other_profile(j, p, j->profile->plan->sha256,
                                    j->profile->plan, p->reason,
                                    sizeof(p->reason));
}

int cmd_refuse_other_profile(const struct cmd_judge *j,
                             const struct cmd_prepared *p,
                             const char *sha256,
                             const struct loader_plan *plan, char *reason,
                             size_t len)
{
    const char *base = p->baseline ? p->baseline->meta.profile_sha256 : NULL;
    char diff[400];

    if (j->allow_profile_change || !compare_profile_mismatch(base, sha256))
        return 0;
    if (!plan) {
        snprintf(reason, len,
                 "baseline '%s' was recorded with a different profile "
                 "(run sha256 %.12s, baseline %.12s); refusing to compare",
                 p->baseline_name ? p->baseline_name : "?", sha256, base);
        return GATE_EXIT_UNJUDGED;
    }
    profile_diff(plan, p->baseline, diff, sizeof(diff));
    snprintf(reason, len,
             "baseline '%s' was recorded with a different profile "
             "(profile sha256 %.12s, baseline %.12s): %s; the numbers "
             "are not comparable: save a new baseline, or "
             "--allow-profile-change",
             p->baseline_name ? p->baseline_name : "(bundled)", sha256, base,
             diff);
    return GATE_EXIT_UNJUDGED;
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
    for (size_t i = 0; i < p->n_written; i++)
        metrics_threshold_release(&p->written[i]);
    free(p->written);
    if (!p->baseline_borrowed)
        metrics_results_free(p->baseline);
    free(p->baseline_name);
    free(p->baseline_missing);
    memset(p, 0, sizeof(*p));
}

/* The suite's name: the profile's, or when the profile itself could not
 * be loaded, its file's ("checkout" for perf/checkout.yaml) in buf. */
static const char *judge_name(const struct cmd_judge *j, char *buf,
                              size_t len)
{
    const char *base;
    size_t n;

    if (j->profile_name)
        return j->profile_name;
    if (j->profile && j->profile->plan->name)
        return j->profile->plan->name;
    if (!j->profile_path)
        return "results";
    base = strrchr(j->profile_path, '/');
    base = base ? base + 1 : j->profile_path;
    n = strlen(base);
    if (n > 5 && strcmp(base + n - 5, ".yaml") == 0)
        n -= 5;
    else if (n > 4 && strcmp(base + n - 4, ".yml") == 0)
        n -= 4;
    snprintf(buf, len, "%.*s", (int)n, base);
    return buf[0] ? buf : "results";
}

int cmd_fail_early(int code, const char *reason, const struct cmd_judge *j,
                   const struct cmd_report_opts *o)
{
    struct gate_report rep = {0};
    char err[512], name[256];

    cmd_error("%s", reason);
    if (o && o->junit) {
        rep.profile_name = judge_name(j, name, sizeof(name));
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

/* The message for an output that could not be written: what names it
 * (e.g. "results"), once, with the path once: err says "cannot write
 * 'path': why" already when it comes from the writers. */
static void write_failure(char *msg, size_t len, const char *what,
                          const char *path, const char *err)
{
    const char *prefix = "cannot write ";
    size_t n = strlen(prefix);

    if (strstr(err, path) && strncmp(err, prefix, n) == 0)
        snprintf(msg, len, "cannot write %s%s", what, err + n);
    else
        snprintf(msg, len, "cannot write %s'%s': %s", what, path, err);
}

/* Returns 0, or -1 with err saying what could not be written. */
static int write_markdown(const struct gate_report *rep,
                          const struct cmd_report_opts *o, char *err,
                          size_t len)
{
    const char *gh = getenv("GITHUB_STEP_SUMMARY");
    char *md = NULL;
    size_t mdlen = 0;
    FILE *f;
    int rc = 0;

    if (!o->markdown && !(gh && *gh))
        return 0;
    snprintf(err, len, "cannot write the Markdown summary: out of memory");
    f = open_memstream(&md, &mdlen);
    if (!f)
        return -1;
    gate_markdown_write(rep, f);
    if (fclose(f) != 0) {
        free(md);
        return -1;
    }
    if (o->markdown && metrics_write_atomic(o->markdown, md, mdlen)) {
        snprintf(err, len, "cannot write '%s': %s", o->markdown,
                 strerror(errno));
        rc = -1;
    }
    if (gh && *gh)
        append_file(gh, md, mdlen);
    free(md);
    return rc;
}

/* Renders a report into memory and writes it atomically to path.
 * Returns 0, or -1 with err saying why. */
static int write_rendered(const char *path,
                          int (*render)(const struct gate_report *, FILE *),
                          const struct gate_report *rep, char *err,
                          size_t errlen)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    int rc;

    snprintf(err, errlen, "cannot write '%s': out of memory", path);
    if (!f)
        return -1;
    rc = render(rep, f);
    if (fclose(f) != 0)
        rc = -1;
    if (!rc && metrics_write_atomic(path, buf, len)) {
        snprintf(err, errlen, "cannot write '%s': %s", path,
                 strerror(errno));
        rc = -1;
    }
    free(buf);
    return rc;
}

/* A write that failed after the run: said now, and added to the reason
 * (in why) that makes the exit code 3, so that every report written after
 * it carries it. */
static void after_run_error(struct gate_report *rep, char *why, size_t len,
                            const char *msg)
{
    size_t used;

    cmd_error("%s", msg);
    if (rep->error_reason && rep->error_reason != why)
        snprintf(why, len, "%s", rep->error_reason);
    used = rep->error_reason ? strlen(why) : 0;
    if (used + 2 < len)
        snprintf(why + used, len - used, "%s%s", used ? "; " : "", msg);
    rep->error_reason = why;
}

/* --save-baseline after a judged run (--if-pass: when code is 0).
 * Returns 0, or -1 with err set. */
static int save_baseline(struct metrics_results *run,
                         const struct cmd_judge *j,
                         const struct cmd_report_opts *o, int code, char *err,
                         size_t len)
{
    char why[512];

    if (run->partial) {
        cmd_warn("not saving baseline '%s': the run was interrupted",
                 j->save_baseline);
    } else if (j->save_if_pass && code != GATE_EXIT_PASS) {
        cmd_notice("not saving baseline '%s': the verdict is not PASS "
                   "(--if-pass)",
                   j->save_baseline);
    } else if (compare_store_save(j->store ? j->store : COMPARE_DEFAULT_STORE,
                                  j->save_baseline, run, why, sizeof(why))) {
        snprintf(err, len, "cannot save baseline '%s': %s", j->save_baseline,
                 why);
        return -1;
    } else {
        if (j->keep > 0)
            cmd_prune_history(j->store ? j->store : COMPARE_DEFAULT_STORE,
                              j->save_baseline, j->keep);
        if (!o->quiet)
            cmd_notice("saved baseline '%s' in %s", j->save_baseline,
                       j->store ? j->store : COMPARE_DEFAULT_STORE);
    }
    return 0;
}

int cmd_judge_and_report(struct metrics_results *run, const struct cmd_judge *j,
                         struct cmd_prepared *p,
                         const struct cmd_report_opts *o, int signal)
{
    struct compare_verdict *verdict = NULL;
    struct gate_report rep = {0};
    struct compare_opts copts = {0};
    char err[1024], reason[1024], line[1024], name[256];
    char msg[1100], why[2048];
    int code, rc;
    bool json_out, no_response = false;

    rep.run = run;
    rep.profile_name = judge_name(j, name, sizeof(name));
    rep.profile_path = j->profile_path;
    rep.signal = signal;
    rep.baseline = p->baseline;
    rep.baseline_name = p->baseline_name;

    /* without a profile, the run's own hash (with one: cmd_prepare) */
    if (!j->profile && (rc = cmd_refuse_other_profile(
                            j, p, run->meta.profile_sha256, NULL, reason,
                            sizeof(reason))))
        return cmd_fail_early(rc, reason, j, o);

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
        no_response = true;
    }
    code = gate_exit_code(&rep); /* the verdict's, for --if-pass */

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

    /* the results say which checks they were judged with, so that a
     * later gate or report without --profile uses the same */
    if (metrics_results_set_thresholds(run, p->written, p->n_written))
        cmd_warn("out of memory");
    /* The data first (results, baseline), then the reports: whatever of
     * it fails makes the exit code 3, and every report written after it
     * says so (an <error> case, an ERROR headline). */
    if (o->out && metrics_results_save(run, o->out, err, sizeof(err))) {
        write_failure(msg, sizeof(msg), "results to ", o->out, err);
        after_run_error(&rep, why, sizeof(why), msg);
    }
    if (j->save_baseline &&
        save_baseline(run, j, o, code, err, sizeof(err)))
        after_run_error(&rep, why, sizeof(why), err);
    if (o->junit && gate_junit_write(&rep, o->junit, err, sizeof(err))) {
        write_failure(msg, sizeof(msg), "", o->junit, err);
        after_run_error(&rep, why, sizeof(why), msg);
    }
    if (write_markdown(&rep, o, err, sizeof(err)))
        after_run_error(&rep, why, sizeof(why), err);
    if (o->html &&
        write_rendered(o->html, gate_html_write, &rep, err, sizeof(err)))
        after_run_error(&rep, why, sizeof(why), err);
    if (o->gitlab &&
        gate_gitlab_lp_write(&rep, o->gitlab, err, sizeof(err))) {
        write_failure(msg, sizeof(msg), "", o->gitlab, err);
        after_run_error(&rep, why, sizeof(why), msg);
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
    /* codes 2 and 3 say one reason line (a failed write said its own);
     * otherwise the verdict line */
    if (no_response) {
        cmd_error("%s", reason);
    } else if (!rep.error_reason) {
        gate_verdict_line(&rep, line, sizeof(line));
        fprintf(stderr, "%s\n", line);
    }
    code = j->no_gate && !rep.error_reason && !rep.signal
               ? GATE_EXIT_PASS
               : gate_exit_code(&rep);
    compare_verdict_free(verdict);
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

int cmd_run_and_judge(const struct loader_plan *p,
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
