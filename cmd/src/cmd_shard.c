/* Sharding: `run --shard I/N` runs shard I's share of the load (the users
 * split so that shares differ by at most one, rates and request counts
 * split exactly), so that N copies of a CI job together drive the whole
 * profile and `loadgate merge` sums them exactly. */
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
        {"GITHUB_RUN_ID", "github-"},     /* every job of a workflow run */
        {"CI_PIPELINE_ID", "gitlab-"},    /* every job of a pipeline */
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

/* The share of total that shard i (1-based) of n gets: the first
 * total % n shards get one more. */
static unsigned long long share(unsigned long long total, unsigned i,
                                unsigned n)
{
    return total / n + ((i - 1) < total % n ? 1 : 0);
}

int cmd_shard_profile(struct loader_profile *p, unsigned i, unsigned n,
                      char *err, size_t len)
{
    struct loader_load *l = &p->load;

    if (n <= 1)
        return 0;
    if (l->rate > 0 || l->n_stages > 0) {
        l->rate /= n;
        for (size_t k = 0; k < l->n_stages; k++)
            l->stages[k].rate /= n;
        if (l->max_in_flight)
            l->max_in_flight = (unsigned)share(l->max_in_flight, i, n);
    }
    if (l->users > 0) {
        if (l->users < n) {
            snprintf(err, len,
                     "%u users cannot be split into %u shards (each needs "
                     "at least one)",
                     l->users, n);
            return -1;
        }
        l->users = (unsigned)share(l->users, i, n);
    }
    l->spawn_rate /= n;
    if (l->requests)
        l->requests = share(l->requests, i, n);
    if (l->iterations) {
        if (l->iterations < n) {
            snprintf(err, len,
                     "%llu iterations cannot be split into %u shards (each "
                     "needs at least one)",
                     (unsigned long long)l->iterations, n);
            return -1;
        }
        l->iterations = share(l->iterations, i, n);
    }
    return 0;
}
