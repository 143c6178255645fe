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
    unsigned long long i, n;
    char buf[64], *slash;

    if (!s || strlen(s) >= sizeof(buf))
        return -1;
    strcpy(buf, s);
    slash = strchr(buf, '/');
    if (!slash)
        return -1;
    *slash = '\0';
    if (cmd_parse_uint(buf, 1, 100000, &i) ||
        cmd_parse_uint(slash + 1, 1, 100000, &n) || i > n)
        return -1;
    *index = (unsigned)i;
    *count = (unsigned)n;
    return 0;
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
