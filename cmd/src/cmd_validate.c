/* loadgate validate PROFILE: every error a run would stop on, without
 * sending a request, and the checks each endpoint gets. */
#include <stdio.h>
#include <string.h>

#include "cmd.h"

/* "p.yaml:12", or "default" for loadgate's own checks. */
static void origin(const struct compare_threshold *t, char *buf, size_t len)
{
    if (t->is_default)
        snprintf(buf, len, "default");
    else if (t->file && t->line > 0)
        snprintf(buf, len, "%s:%d", t->file, t->line);
    else
        snprintf(buf, len, "--threshold");
}

/* The thresholds checked on name, one line each, with where they come
 * from and what they replace there; streaming checks (ttft, goodput, ...)
 * only where streams is true. */
static void list_checks(const struct cmd_prepared *prep, const char *name,
                        bool streams)
{
    const struct compare_threshold *ts = prep->thresholds;
    size_t n = prep->n_thresholds;

    printf("  %s\n", name);
    for (size_t i = 0; i < n; i++) {
        const struct compare_threshold *t = &ts[i];
        char from[600], tags[64] = "";
        size_t used = 0;

        if (compare_threshold_scope(ts, n, i, name, NULL) !=
                COMPARE_SCOPE_APPLIES ||
            (t->series != METRICS_SERIES_LATENCY && !streams))
            continue;
        origin(t, from, sizeof(from));
        if (t->warn_only)
            used += (size_t)snprintf(tags + used, sizeof(tags) - used,
                                     " [warn only]");
        if (t->for_s > 0 && used < sizeof(tags))
            used += (size_t)snprintf(tags + used, sizeof(tags) - used,
                                     " [for %gs]", t->for_s);
        printf("    %-32s %s%s", t->expr, from, tags);
        /* what it replaces here */
        for (size_t k = 0; k < n; k++) {
            size_t by;
            char was[600];
            if (compare_threshold_scope(ts, n, k, name, &by) ==
                    COMPARE_SCOPE_OVERRIDDEN &&
                by == i) {
                origin(&ts[k], was, sizeof(was));
                printf("; replaces '%s' (%s) here", ts[k].expr, was);
            }
        }
        putchar('\n');
    }
}

/* Per-endpoint rps checks in the closed model: the users are shared, so
 * one slow endpoint lowers every endpoint's rate. */
static void warn_closed_rps(const struct loader_plan *prof,
                            const struct cmd_prepared *prep)
{
    if (prof->load.model == LOADER_MODEL_OPEN)
        return;
    for (size_t i = 0; i < prep->n_thresholds; i++) {
        const struct compare_threshold *t = &prep->thresholds[i];
        if (t->stat != METRICS_STAT_RPS ||
            (t->endpoint && strcmp(t->endpoint, "ALL") == 0))
            continue;
        cmd_warn("%s:%d: '%s' checks rps per endpoint, but in the closed "
                 "model users are shared, so one slow endpoint lowers every "
                 "endpoint's rps; per-endpoint rps checks belong to the open "
                 "model (load.rate), or check the whole run (endpoint: ALL)",
                 t->file ? t->file : "?", t->line, t->expr);
    }
}

/* Does a step before step k of scenario i report under name? */
static bool seen_before(const struct loader_plan *prof, size_t i, size_t k,
                        const char *name)
{
    char other[1024];

    for (size_t a = 0; a <= i; a++)
        for (size_t b = 0; b < (a == i ? k : prof->scenarios[a].n_steps); b++) {
            loader_step_endpoint(&prof->scenarios[a].steps[b], other,
                                 sizeof(other));
            if (strcmp(other, name) == 0)
                return true;
        }
    return false;
}

int cmd_validate(int argc, char **argv)
{
    struct profile *profile = NULL;
    const struct loader_plan *prof;
    struct profile_error perr;
    struct cmd_judge j = {0};
    struct cmd_prepared prep;
    char msg[1200], name[1024];
    size_t steps = 0;
    bool has_default = false;

    if (argc != 2)
        return cmd_usage_error(cmd_usage("validate"),
                               "validate takes exactly one PROFILE");
    if (profile_load(argv[1], &profile, &perr)) {
        profile_error_format(&perr, msg, sizeof(msg));
        cmd_error("%s", msg);
        return GATE_EXIT_USAGE;
    }
    prof = profile->plan;
    /* thresholds only: a baseline that is absent here may exist in CI */
    j.profile = profile;
    j.profile_path = argv[1];
    j.baseline_spec = NULL;
    memset(&prep, 0, sizeof(prep));
    {
        struct cmd_judge jt = j;
        struct profile copy = *profile;
        copy.baseline.kind = COMPARE_BASELINE_NONE;
        copy.baseline.spec = copy.baseline.path = NULL;
        jt.profile = &copy;
        if (cmd_prepare(&jt, &prep)) {
            cmd_error("%s", prep.reason);
            cmd_prepared_release(&prep);
            profile_free(profile);
            return GATE_EXIT_USAGE;
        }
    }
    for (size_t i = 0; i < prof->n_scenarios; i++)
        steps += prof->scenarios[i].n_steps;
    printf("%s: OK (%zu scenario%s, %zu step%s, %zu threshold%s%s; profile "
           "sha256 %.12s)\n",
           argv[1], prof->n_scenarios, prof->n_scenarios == 1 ? "" : "s", steps,
           steps == 1 ? "" : "s", profile->n_thresholds,
           profile->n_thresholds == 1 ? "" : "s",
           profile->n_thresholds ? "" : ", the defaults", prof->sha256);
    printf("checks per endpoint:\n");
    for (size_t i = 0; i < prof->n_scenarios; i++)
        for (size_t k = 0; k < prof->scenarios[i].n_steps; k++) {
            loader_step_endpoint(&prof->scenarios[i].steps[k], name,
                                 sizeof(name));
            if (!seen_before(prof, i, k, name))
                list_checks(&prep, name,
                            prof->scenarios[i].steps[k].stream.type !=
                                LOADER_STREAM_NONE);
        }
    list_checks(&prep, "ALL", true);
    for (size_t i = 0; i < prep.n_thresholds; i++)
        has_default |= prep.thresholds[i].is_default;
    if (has_default)
        printf("default: loadgate's own check (error_rate < 5%% stays "
               "unless an error_rate check of yours replaces it; "
               "'error_rate <= 100%%' turns it off)\n");
    warn_closed_rps(prof, &prep);
    cmd_prepared_release(&prep);
    profile_free(profile);
    return 0;
}
