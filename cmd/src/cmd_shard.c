/* Sharding: `run --shard I/N` runs shard I's share of the load
 * (loader_load_split(): counts split so that shares differ by at most one
 * and sum to the whole, rates divided), so that N copies of a CI job
 * together drive the whole profile and `loadgate merge` sums them
 * exactly. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

int cmd_parse_shard(const char *s, unsigned *index, unsigned *count)
{
    return metrics_shard_parse(s, index, count);
}

char *cmd_run_id(void)
{
    static const struct {
        const char *var, *prefix;
    } ci[] = {
        {"LOADGATE_RUN_ID", ""},
        {"GITHUB_RUN_ID", "github-"},        /* every job of a workflow run */
        {"CI_PIPELINE_ID", "gitlab-"},       /* every job of a pipeline */
        {"CIRCLE_WORKFLOW_ID", "circleci-"}, /* every job of a workflow */
    };

    for (size_t k = 0; k < sizeof(ci) / sizeof(*ci); k++) {
        const char *v = getenv(ci[k].var);
        char *id;

        if (!v || !*v)
            continue;
        id = malloc(strlen(ci[k].prefix) + strlen(v) + 1);
        if (id)
            sprintf(id, "%s%s", ci[k].prefix, v);
        return id;
    }
    return NULL;
}

int cmd_shard_profile(struct loader_plan *p, unsigned i, unsigned n, char *err,
                      size_t len)
{
    char why[256];

    if (n <= 1)
        return 0;
    /* the same split as the engine's --threads, in place, and the same
     * check of what comes out */
    if (loader_load_split(&p->load, i - 1, n, &p->load, why, sizeof(why)) ||
        loader_plan_check(p, why, sizeof(why))) {
        snprintf(err, len, "shard %u/%u: %s", i, n, why);
        return -1;
    }
    return 0;
}
