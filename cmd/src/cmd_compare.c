/* loadgate compare BASELINE RESULTS: the side-by-side diff. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

static const enum metrics_stat shown[] = {
    METRICS_STAT_P50, METRICS_STAT_P95,        METRICS_STAT_P99,
    METRICS_STAT_RPS, METRICS_STAT_ERROR_RATE, METRICS_STAT_REQUESTS};

static void format_value(enum metrics_stat s, int rc, double v, char *buf,
                         size_t len)
{
    if (rc)
        snprintf(buf, len, "-");
    else if (metrics_stat_is_time(s))
        snprintf(buf, len, "%.1f ms", v);
    else if (s == METRICS_STAT_ERROR_RATE)
        snprintf(buf, len, "%.2f%%", v * 100);
    else if (s == METRICS_STAT_RPS)
        snprintf(buf, len, "%.1f/s", v);
    else
        snprintf(buf, len, "%.0f", v);
}

static void compare_endpoint(const struct metrics_results *base,
                             const struct metrics_endpoint *be,
                             const struct metrics_results *cur,
                             const struct metrics_endpoint *ce,
                             const char *name)
{
    for (size_t i = 0; i < sizeof(shown) / sizeof(*shown); i++) {
        double b = 0, c = 0;
        int brc = be ? metrics_value(base, be, shown[i], &b) : -1;
        int crc = ce ? metrics_value(cur, ce, shown[i], &c) : -1;
        char bs[32], cs[32], ds[32] = "";

        format_value(shown[i], brc, b, bs, sizeof(bs));
        format_value(shown[i], crc, c, cs, sizeof(cs));
        if (!brc && !crc && shown[i] == METRICS_STAT_ERROR_RATE)
            snprintf(ds, sizeof(ds), "%+.2f pt", (c - b) * 100);
        else if (!brc && !crc && b != 0)
            snprintf(ds, sizeof(ds), "%+.1f%%", (c - b) / b * 100);
        printf("%-44.44s %-10s %12s %12s %10s\n", i == 0 ? name : "",
               metrics_stat_name(shown[i]), bs, cs, ds);
    }
}

const struct cmd_option cmd_compare_options[] = {
    CMD_OPTION_STORE('s', "baseline store (.loadgate/baselines)"),
    {.long_name = NULL},
};

int cmd_compare(int argc, char **argv)
{
    const char *usage = cmd_usage("compare");
    struct cmd_getopt g = {0};
    struct metrics_results *base = NULL, *cur = NULL;
    struct metrics_endpoint *ball = NULL, *call = NULL;
    const char *store = NULL;
    char name[1024], reason[1024], *base_name = NULL;
    bool absent;
    int opt, rc;

    optind = 0;
    while ((opt = cmd_getopt(argc, argv, cmd_compare_options, &g)) != -1) {
        if (opt != CMD_OPT_STORE)
            return cmd_bad_option(usage, opt, argv);
        store = optarg;
    }
    if (argc - optind != 2)
        return cmd_usage_error(usage, "compare takes a BASELINE (a file, a "
                                      "stored name or a URL) and a RESULTS "
                                      "file");
    /* a baseline as run and gate take it: a file, a name, a URL */
    rc = cmd_baseline_load(argv[optind], store, false, &base, &base_name,
                           &absent, reason, sizeof(reason));
    free(base_name);
    if (rc) {
        cmd_error("%s", reason);
        return rc;
    }
    if ((rc = cmd_load_results(argv[optind + 1], &cur)))
        goto out;
    if (compare_profile_mismatch(base->meta.profile_sha256,
                                 cur->meta.profile_sha256))
        cmd_warn("the two runs come from different profiles; their numbers "
                 "may not be comparable");
    printf("%-44s %-10s %12s %12s %10s\n", "Endpoint", "Metric", "Baseline",
           "Current", "Delta");
    printf("%.*s\n", 92,
           "----------------------------------------------------------------"
           "--------------------------------");
    for (size_t i = 0; i < cur->n_endpoints; i++) {
        const struct metrics_endpoint *ce = cur->endpoints[i];
        metrics_endpoint_name(ce, name, sizeof(name));
        compare_endpoint(base, metrics_results_find(base, name), cur, ce, name);
    }
    for (size_t i = 0; i < base->n_endpoints; i++) {
        metrics_endpoint_name(base->endpoints[i], name, sizeof(name));
        if (!metrics_results_find(cur, name))
            compare_endpoint(base, base->endpoints[i], cur, NULL, name);
    }
    if (metrics_results_aggregate(base, &ball) == 0 &&
        metrics_results_aggregate(cur, &call) == 0)
        compare_endpoint(base, ball, cur, call, "ALL");
    printf("\nDeltas here are plain differences; 'loadgate gate' judges "
           "them against thresholds.\n");
    rc = 0;
out:
    metrics_endpoint_free(ball);
    metrics_endpoint_free(call);
    metrics_results_free(base);
    metrics_results_free(cur);
    return rc;
}
