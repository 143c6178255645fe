/* loadgate merge A.json B.json ... -o OUT.json: exact merge of shards.
 * Histograms, counts, error classes and timelines add up, so thresholds on
 * the merged result are exact (k6 OSS cannot evaluate thresholds across
 * instances). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

const struct cmd_option cmd_merge_options[] = {
    {.long_name = "out", .short_name = 'o', .id = CMD_OPT_OUT,
     .arg = CMD_ARG_REQUIRED, .metavar = "FILE", .complete = CMD_COMPLETE_FILE,
     .flags = CMD_OPTF_IN_ARGS, .help = "the merged results"},
    {.long_name = NULL},
};

int cmd_merge(int argc, char **argv)
{
    const char *usage = cmd_usage("merge");
    struct cmd_getopt g = {0};
    struct metrics_results *acc = NULL, *r = NULL;
    const char *out = NULL;
    char err[1024];
    char **shards = NULL;
    unsigned shard_n = 0;
    int opt, rc = GATE_EXIT_UNJUDGED;

    optind = 0;
    while ((opt = cmd_getopt(argc, argv, cmd_merge_options, &g)) != -1) {
        if (opt != CMD_OPT_OUT)
            return cmd_bad_option(usage, opt, argv);
        out = optarg;
    }
    if (!out)
        return cmd_usage_error(usage, "merge needs -o OUT.json");
    if (argc - optind < 1)
        return cmd_usage_error(usage, "merge needs at least one results "
                                      "file");
    shards = calloc((size_t)argc, sizeof(*shards));
    if (!shards)
        return GATE_EXIT_UNJUDGED;

    for (int k = optind; k < argc; k++) {
        if (cmd_load_results(argv[k], &r))
            goto out;
        if (r->meta.shard) {
            unsigned i, n;
            if (cmd_parse_shard(r->meta.shard, &i, &n) == 0) {
                if (shard_n && n != shard_n) {
                    cmd_error("'%s' is shard %s, but the others are of %u "
                              "shards",
                              argv[k], r->meta.shard, shard_n);
                    goto out;
                }
                shard_n = n;
                if (shards[i - 1]) {
                    cmd_error("'%s' and '%s' are both shard %s: merging "
                              "them would count that share twice",
                              shards[i - 1], argv[k], r->meta.shard);
                    goto out;
                }
                shards[i - 1] = argv[k];
            }
        }
        if (!acc) {
            acc = r;
            r = NULL;
            continue;
        }
        rc = metrics_results_merge(acc, r);
        if (rc == METRICS_EMISMATCH) {
            cmd_error("'%s' comes from a different profile than '%s' "
                      "(profile sha256 %.12s vs %.12s); refusing to merge",
                      argv[k], argv[optind],
                      r->meta.profile_sha256 ? r->meta.profile_sha256 : "-",
                      acc->meta.profile_sha256 ? acc->meta.profile_sha256
                                               : "-");
            rc = GATE_EXIT_UNJUDGED;
            goto out;
        }
        if (rc) {
            cmd_error("cannot merge '%s': %s", argv[k], metrics_strerror(rc));
            rc = GATE_EXIT_UNJUDGED;
            goto out;
        }
        metrics_results_free(r);
        r = NULL;
    }
    rc = GATE_EXIT_UNJUDGED;
    if (shard_n) {
        unsigned have = 0;
        for (unsigned i = 0; i < shard_n && i < (unsigned)argc; i++)
            have += shards[i] != NULL;
        if (have < shard_n)
            cmd_warn("merged %u of %u shards: the result covers only part "
                     "of the load",
                     have, shard_n);
    }
    free(acc->meta.shard);
    acc->meta.shard = NULL;
    if (metrics_results_save(acc, out, err, sizeof(err))) {
        cmd_error("cannot write merged results: %s", err);
        goto out;
    }
    printf("merged %d result%s into %s: %llu requests, %zu endpoints\n",
           argc - optind, argc - optind == 1 ? "" : "s", out,
           (unsigned long long)metrics_results_total_requests(acc),
           acc->n_endpoints);
    rc = 0;
out:
    metrics_results_free(acc);
    metrics_results_free(r);
    free(shards);
    return rc;
}
