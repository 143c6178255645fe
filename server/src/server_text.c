/* The compact plain-text report of one baseline (?format=text), in the
 * layout of the original specification's "Example Baseline Report".  The
 * gate module renders the full reports; server may not use it. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "metrics.h"
#include "server_internal.h"

#define RULE_EQ                                                                \
    "================================================================"         \
    "================\n"
#define RULE_DASH                                                              \
    "----------------------------------------------------------------"         \
    "----------------\n"

/* Writes s with control characters replaced, padded to width. */
static void put_clean(FILE *out, const char *s, int width)
{
    int n = 0;

    for (; s != NULL && *s != '\0'; s++, n++) {
        unsigned char c = (unsigned char)*s;
        fputc(c < 0x20 || c == 0x7f ? '?' : c, out);
    }
    for (; n < width; n++)
        fputc(' ', out);
}

/* 10000 -> "10,000" */
static void put_count(FILE *out, uint64_t v)
{
    char digits[24];
    int n = snprintf(digits, sizeof(digits), "%" PRIu64, v);

    for (int i = 0; i < n; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            fputc(',', out);
        fputc(digits[i], out);
    }
}

/* A statistic as the report writes it: after label, times scale with
 * prec decimals and unit, padded to width. */
struct stat_col {
    const char *label;
    enum metrics_stat stat;
    double scale;
    int prec;
    const char *unit;
    int width;
};

/* The overall lines, and an endpoint line's columns after its name. */
static const struct stat_col overall[] = {
    {"Average Response Time: ", METRICS_STAT_AVG, 1, 2, " ms", 0},
    {"\nP95 Response Time: ", METRICS_STAT_P95, 1, 2, " ms", 0},
    {"\nError Rate: ", METRICS_STAT_ERROR_RATE, 100, 2, "%", 0},
    {"\nRequests per Second: ", METRICS_STAT_RPS, 1, 2, "", 0},
};
static const struct stat_col per_endpoint[] = {
    {" ", METRICS_STAT_P50, 1, 1, "", 10},
    {" ", METRICS_STAT_P95, 1, 1, "", 10},
    {" ", METRICS_STAT_P99, 1, 1, "", 10},
    {" ", METRICS_STAT_RPS, 1, 1, "", 10},
    {" ", METRICS_STAT_ERROR_RATE, 100, 2, "%", 0},
};

/* The columns c[0..n) of ep ("-" where there is no data). */
static void put_stats(FILE *out, const struct metrics_results *r,
                      const struct metrics_endpoint *ep,
                      const struct stat_col *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char buf[48];
        double v;

        if (ep != NULL && metrics_value(r, ep, c[i].stat, &v) == 0)
            snprintf(buf, sizeof(buf), "%.*f%s", c[i].prec, v * c[i].scale,
                     c[i].unit);
        else
            snprintf(buf, sizeof(buf), "-");
        fprintf(out, "%s%-*s", c[i].label, c[i].width, buf);
    }
}

int server__text_report(const struct metrics_results *r, FILE *out)
{
    struct metrics_endpoint *all = NULL;
    int rc = 0;

    if (metrics_results_aggregate(r, &all) < 0)
        all = NULL; /* the overall lines then say "-" */

    fputs(RULE_EQ "Performance Baseline Report\n" RULE_EQ, out);
    fputs("Baseline ID: ", out);
    put_clean(out, r->baseline_id != NULL ? r->baseline_id : "-", 0);
    fputs("\nGenerated: ", out);
    put_clean(out, r->timestamp != NULL ? r->timestamp : "-", 0);
    fprintf(out,
            "\nTest Duration: %.2f seconds\nTotal Requests: ", r->duration_s);
    put_count(out, metrics_results_total_requests(r));
    fputs("\nConcurrent Users: ", out);
    put_count(out, r->concurrent_users);
    fputc('\n', out);
    if (r->partial)
        fputs("Partial: yes (the run was interrupted)\n", out);

    fputs("\nOverall Summary\n" RULE_DASH, out);
    put_stats(out, r, all, overall, sizeof(overall) / sizeof(overall[0]));

    fputs("\n\nEndpoint Performance\n" RULE_DASH, out);
    fprintf(out, "%-8s %-41s %-10s %-10s %-10s %-10s %s\n", "Method",
            "Endpoint", "P50", "P95", "P99", "RPS", "Errors");
    fputs(RULE_DASH, out);
    for (size_t i = 0; i < r->n_endpoints; i++) {
        const struct metrics_endpoint *ep = r->endpoints[i];
        put_clean(out, ep->method, 8);
        fputc(' ', out);
        put_clean(out, ep->path, 41);
        put_stats(out, r, ep, per_endpoint,
                  sizeof(per_endpoint) / sizeof(per_endpoint[0]));
        fputc('\n', out);
    }
    if (r->n_endpoints == 0)
        fputs("(no endpoints)\n", out);

    if (r->n_recommendations > 0) {
        fputs("\nRecommendations\n" RULE_DASH, out);
        for (size_t i = 0; i < r->n_recommendations; i++) {
            fprintf(out, "%zu. ", i + 1);
            put_clean(out, r->recommendations[i], 0);
            fputc('\n', out);
        }
    }
    if (ferror(out))
        rc = SERVER_ENOMEM;
    metrics_endpoint_free(all);
    return rc;
}
