/*
 * Before any traffic (so that a typo costs nothing): the thresholds a run
 * is judged with (the profile's, parsed when it was loaded; --threshold;
 * those a results file carries) and the baseline, loaded and checked
 * against the profile's hash.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "server.h"

/* The thresholds as written, in p->written: --threshold, else (gate,
 * report without --profile) those the results carry.  Returns 0 or an
 * exit code. */
static int written_thresholds(const struct cmd_judge *j, struct cmd_prepared *p)
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
        snprintf(buf, len, "%s:%d:%d: threshold '%s'", w->file, w->line, w->col,
                 w->check);
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

static int prepare_thresholds(const struct cmd_judge *j, struct cmd_prepared *p)
{
    const struct loader_plan *plan = j->profile ? j->profile->plan : NULL;
    char err[700], where[700];
    int rc;

    if (j->n_cli_thresholds == 0 && j->profile && j->profile->n_thresholds > 0)
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
            snprintf(p->reason, sizeof(p->reason), "%.400s %.600s", where, err);
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
    sketch->meta.model =
        strdup(prof->load.model == LOADER_MODEL_OPEN ? "open" : "closed");
    sketch->meta.target_rps = prof->load.rate;
    for (size_t i = 0; i < prof->n_scenarios; i++)
        for (size_t k = 0; k < prof->scenarios[i].n_steps; k++) {
            size_t m = loader_step_endpoint(&prof->scenarios[i].steps[k], name,
                                            sizeof(name));
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
                snprintf(reason, len,
                         "the baseline service has no such "
                         "baseline (HTTP 404)");
            else
                snprintf(reason, len, "baseline %s", err);
            return GATE_EXIT_UNJUDGED;
        }
        if (hide_url)
            snprintf(reason, len,
                     "the baseline service answered HTTP 404; "
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
                      struct metrics_results **out, char **name, bool *absent,
                      char *reason, size_t len)
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
        p->baseline_name =
            strdup(j->baseline_label ? j->baseline_label : "baseline");
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
                             const struct cmd_prepared *p, const char *sha256,
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
