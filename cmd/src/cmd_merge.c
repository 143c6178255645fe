/* loadgate merge A.json B.json ... -o OUT.json [--force]: exact merge of
 * one run's shards.  Histograms, counts, error classes and timelines add
 * up, so thresholds on the merged result are exact (k6 OSS cannot evaluate
 * thresholds across instances).  What makes inputs one run's shards is
 * metrics_results_merge_runs()'s to decide. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd.h"

const struct cmd_option cmd_merge_options[] = {
    CMD_OPTION_OUT(CMD_OPTF_IN_ARGS, "the merged results"),
    CMD_OPTION_FLAG("force", 0, CMD_OPT_FORCE,
                    "merge runs that are not one run's shards (of one "
                    "profile), with a warning; the time between runs that did "
                    "not overlap is left out of the duration"),
    {.long_name = NULL},
};

/* The same file named twice (a glob and a name, a link) under --force,
 * which lifts the refusal of two equal shards: it would be counted twice.
 * Returns 0 or 3 (message printed). */
static int same_file_twice(char **paths, int n)
{
    struct stat *st = calloc((size_t)n, sizeof(*st));
    int rc = 0;

    if (!st)
        return 0; /* only a check */
    for (int k = 0; k < n && !rc; k++) {
        if (stat(paths[k], &st[k]) != 0)
            continue; /* loading it will say why */
        for (int j = 0; j < k; j++)
            if (st[j].st_dev == st[k].st_dev && st[j].st_ino == st[k].st_ino &&
                st[j].st_ino != 0) {
                cmd_error("'%s' and '%s' are the same file: merging it twice "
                          "would count it twice",
                          paths[j], paths[k]);
                rc = GATE_EXIT_UNJUDGED;
                break;
            }
    }
    free(st);
    return rc;
}

int cmd_merge(int argc, char **argv)
{
    const char *usage = cmd_usage("merge");
    struct cmd_getopt g = {0};
    struct metrics_results **in = NULL;
    struct metrics_merge_info info;
    const char *out = NULL;
    char err[2048];
    unsigned flags = 0;
    int opt, n, loaded = 0, rc = GATE_EXIT_UNJUDGED;

    optind = 0;
    while ((opt = cmd_getopt(argc, argv, cmd_merge_options, &g)) != -1) {
        if (opt == CMD_OPT_OUT)
            out = optarg;
        else if (opt == CMD_OPT_FORCE)
            flags |= METRICS_MERGE_FORCE;
        else
            return cmd_bad_option(usage, opt, argv);
    }
    if (!out)
        return cmd_usage_error(usage, "merge needs -o OUT.json");
    n = argc - optind;
    if (n < 1)
        return cmd_usage_error(usage, "merge needs at least one results "
                                      "file");
    if ((flags & METRICS_MERGE_FORCE) && same_file_twice(argv + optind, n))
        return GATE_EXIT_UNJUDGED;
    in = calloc((size_t)n, sizeof(*in));
    if (!in)
        return GATE_EXIT_UNJUDGED;
    for (; loaded < n; loaded++)
        if (cmd_load_results(argv[optind + loaded], &in[loaded]))
            goto out;

    rc = metrics_results_merge_runs(in, (const char *const *)(argv + optind),
                                    (size_t)n, flags, &info, err, sizeof(err));
    if (rc) {
        if (rc == METRICS_ENOMEM || !err[0])
            cmd_error("cannot merge: %s", metrics_strerror(rc));
        else
            cmd_error("cannot merge: %s%s", err,
                      info.overridable ? " (--force merges them anyway)" : "");
        rc = GATE_EXIT_UNJUDGED;
        goto out;
    }
    rc = GATE_EXIT_UNJUDGED;
    if (info.forced)
        cmd_warn("merging runs that are not the shards of one run "
                 "(--force): %s; the merged duration leaves out the time "
                 "between them",
                 err);
    if (info.shards_have < info.shards_of)
        cmd_warn("merged %u of %u shards: the result covers only part "
                 "of the load",
                 info.shards_have, info.shards_of);
    free(in[0]->meta.shard);
    in[0]->meta.shard = NULL;
    if (metrics_results_save(in[0], out, err, sizeof(err))) {
        cmd_error("cannot write merged results: %s", err);
        goto out;
    }
    printf("merged %d result%s into %s: %llu requests, %zu endpoints\n", n,
           n == 1 ? "" : "s", out,
           (unsigned long long)metrics_results_total_requests(in[0]),
           in[0]->n_endpoints);
    rc = 0;
out:
    for (int k = 0; k < loaded; k++)
        metrics_results_free(in[k]);
    free(in);
    return rc;
}
