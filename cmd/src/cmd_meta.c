/* Where a run happened, for its results' meta: the host, and the git
 * commit and branch the CI system says it builds.  The engine only says
 * what it measured and how; this is the one place that reads these CI
 * variables. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"

/* The first of names set and not empty, or NULL. */
static const char *first_env(const char *const *names)
{
    for (; *names; names++) {
        const char *v = getenv(*names);

        if (v && *v)
            return v;
    }
    return NULL;
}

/* *field becomes a copy of value (NULL: none). */
static int set(char **field, const char *value)
{
    char *v = NULL;

    if (value && !(v = strdup(value)))
        return METRICS_ENOMEM;
    free(*field);
    *field = v;
    return 0;
}

int cmd_run_meta(struct metrics_results *r)
{
    /* GitHub Actions, GitLab CI, Jenkins (and anything that sets them) */
    static const char *const sha_env[] = {"GITHUB_SHA", "CI_COMMIT_SHA",
                                          "GIT_COMMIT", NULL};
    /* GITHUB_HEAD_REF: a pull request's branch, not its merge ref */
    static const char *const branch_env[] = {
        "GITHUB_HEAD_REF", "GITHUB_REF_NAME", "CI_COMMIT_REF_NAME",
        "GIT_BRANCH", NULL};
    char host[256];

    if (!r)
        return METRICS_EINVAL;
    if (gethostname(host, sizeof(host)) != 0)
        host[0] = '\0';
    host[sizeof(host) - 1] = '\0';
    if (set(&r->meta.host, host) || set(&r->meta.git_sha, first_env(sha_env)) ||
        set(&r->meta.git_branch, first_env(branch_env)))
        return METRICS_ENOMEM;
    return 0;
}
