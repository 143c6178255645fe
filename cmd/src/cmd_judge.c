/*
 * The end of every gating command: the run judged against the prepared
 * thresholds and baseline, the results, baseline and reports written, the
 * report printed and the verdict mapped to an exit code.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

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

/* The suite's name: the profile's, or when the profile itself could not
 * be loaded, its file's ("checkout" for perf/checkout.yaml) in buf. */
static const char *judge_name(const struct cmd_judge *j, char *buf, size_t len)
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
    cmd_live_end(NULL, NULL, code, NULL, reason, NULL);
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
        snprintf(buf, len,
                 "no request was completed in the measured "
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
        snprintf(err, errlen, "cannot write '%s': %s", path, strerror(errno));
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
static int save_baseline(struct metrics_results *run, const struct cmd_judge *j,
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
    bool json_out, no_response = false, html_ok = false;

    rep.run = run;
    rep.profile_name = judge_name(j, name, sizeof(name));
    rep.profile_path = j->profile_path;
    rep.signal = signal;
    rep.baseline = p->baseline;
    rep.baseline_name = p->baseline_name;

    /* without a profile, the run's own hash (with one: cmd_prepare) */
    if (!j->profile &&
        (rc = cmd_refuse_other_profile(j, p, run->meta.profile_sha256, NULL,
                                       reason, sizeof(reason))))
        return cmd_fail_early(rc, reason, j, o);

    copts.baseline_name = p->baseline_name;
    copts.paired = j->paired;
    copts.sequential = j->sequential;
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

    if (cmd_abort_reason[0]) {
        cmd_warn("%s", cmd_abort_reason);
        if (metrics_results_add_recommendation(run, cmd_abort_reason))
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
    if (j->save_baseline && save_baseline(run, j, o, code, err, sizeof(err)))
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
    else
        html_ok = o->html != NULL;
    if (o->gitlab && gate_gitlab_lp_write(&rep, o->gitlab, err, sizeof(err))) {
        write_failure(msg, sizeof(msg), "", o->gitlab, err);
        after_run_error(&rep, why, sizeof(why), msg);
    }

    json_out = o->format && strcmp(o->format, "json") == 0;
    if (json_out)
        gate_json_write(&rep, stdout); /* asked for explicitly: even -q */
    else if (!o->quiet)
        gate_text_write(&rep, stdout);
    if (!json_out && !o->quiet && j->decided)
        printf("%s\n", j->decided);
    /* The runner reads workflow commands from stdout and stderr; keep a
     * JSON stdout parseable. */
    if (getenv("GITHUB_ACTIONS") &&
        strcmp(getenv("GITHUB_ACTIONS"), "true") == 0)
        gate_github_annotations(&rep, json_out ? stderr : stdout);
    /* codes 2 and 3 say one reason line (a failed write said its own);
     * otherwise the verdict line */
    line[0] = '\0';
    if (no_response) {
        cmd_error("%s", reason);
    } else if (!rep.error_reason) {
        gate_verdict_line(&rep, line, sizeof(line));
        if (j->decided)
            fprintf(stderr, "%s (%s)\n", line, j->decided);
        else
            fprintf(stderr, "%s\n", line);
    }
    code = j->no_gate && !rep.error_reason && !rep.signal
               ? GATE_EXIT_PASS
               : gate_exit_code(&rep);
    cmd_live_end(run, verdict, code, line[0] ? line : NULL, rep.error_reason,
                 html_ok ? o->html : NULL);
    compare_verdict_free(verdict);
    return code;
}

void cmd_prune_history(const char *store, const char *name, unsigned keep)
{
    char err[512];

    if (compare_store_prune(store, name, keep, err, sizeof(err)) < 0)
        cmd_warn("cannot prune the history of '%s': %s", name, err);
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
