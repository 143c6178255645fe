/* What is checked once the YAML tree is walked: the thresholds parsed
 * (compare's grammar) and matched against the plan's endpoints, the
 * baseline: classified and resolved, and the plan as the engine will
 * check it (loader_plan_check()).  Errors keep the threshold's or the
 * key's position. */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profile_internal.h"

/* Does a step of p report under endpoint name (or a pattern matching
 * one)? */
static bool has_endpoint(const struct loader_plan *p, const char *name)
{
    char buf[1024];

    for (size_t i = 0; i < p->n_scenarios; i++)
        for (size_t k = 0; k < p->scenarios[i].n_steps; k++) {
            loader_step_endpoint(&p->scenarios[i].steps[k], buf, sizeof(buf));
            if (strcmp(buf, name) == 0 || fnmatch(name, buf, 0) == 0)
                return true;
        }
    return false;
}

/* "'GET /a', 'POST /b'": each endpoint of p once. */
static void list_endpoints(const struct loader_plan *p, char *out, size_t len)
{
    char buf[1024];
    size_t used = 0;

    out[0] = '\0';
    for (size_t i = 0; i < p->n_scenarios; i++)
        for (size_t k = 0; k < p->scenarios[i].n_steps; k++) {
            int n;

            loader_step_endpoint(&p->scenarios[i].steps[k], buf, sizeof(buf));
            if (strstr(out, buf))
                continue;
            n = snprintf(out + used, len - used, "%s'%s'", used ? ", " : "",
                         buf);
            if (n < 0 || (size_t)n >= len - used)
                return;
            used += (size_t)n;
        }
}

bool profile_endpoint_known(const struct loader_plan *p, const char *endpoint,
                            char *msg, size_t len)
{
    char names[600];

    if (!p || !endpoint || strcmp(endpoint, "ALL") == 0 ||
        has_endpoint(p, endpoint))
        return true;
    list_endpoints(p, names, sizeof(names));
    if (msg && len)
        snprintf(msg, len,
                 "names endpoint '%.100s', which the profile does not have; "
                 "endpoints: %.400s",
                 endpoint, names);
    return false;
}

static int check_thresholds(struct profile *prof, struct profile_error *err)
{
    char why[700];

    if (prof->n_thresholds == 0)
        return 0;
    prof->thresholds = calloc(prof->n_thresholds, sizeof(*prof->thresholds));
    if (!prof->thresholds)
        return PROFILE_ENOMEM;
    for (size_t i = 0; i < prof->n_thresholds; i++) {
        const struct metrics_threshold *w = &prof->written[i];
        int rc =
            compare_threshold_from(w, &prof->thresholds[i], why, sizeof(why));

        if (rc == COMPARE_ENOMEM)
            return PROFILE_ENOMEM;
        if (rc)
            return profile__fail_at(err, w->line, w->col, "threshold '%s': %s",
                                    w->check, why);
        if (!profile_endpoint_known(prof->plan, w->endpoint, why, sizeof(why)))
            return profile__fail_at(err, w->line, w->col, "threshold '%s' %s",
                                    w->check, why);
    }
    return 0;
}

/* A baseline file is relative to the profile's folder; a name or a URL
 * is what it says. */
static int resolve_baseline(struct profile *prof)
{
    struct profile_baseline *b = &prof->baseline;

    b->kind = compare_baseline_kind(b->spec);
    if (b->kind == COMPARE_BASELINE_NONE)
        return 0;
    b->path = b->kind == COMPARE_BASELINE_FILE
                  ? profile__relpath(prof->path, b->spec)
                  : strdup(b->spec);
    return b->path ? 0 : PROFILE_ENOMEM;
}

int profile__finish(struct profile *prof, struct profile_error *err)
{
    int rc = check_thresholds(prof, err);

    if (!rc)
        rc = resolve_baseline(prof);
    /* what the engine will check again: the walk above said it with
     * positions already, so this only catches what it let through */
    if (!rc && loader_plan_check(prof->plan, err->msg, sizeof(err->msg))) {
        err->line = err->col = 0;
        rc = PROFILE_EPROFILE;
    }
    return rc;
}
