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

int cmd_shard_profile(struct loader_plan *p, unsigned i, unsigned n,
                      char *err, size_t len)
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
