/*
 * importer: Locust's `--csv PREFIX` statistics (PREFIX_stats.csv).
 *
 * One row per (Type, Name) plus the "Aggregated" row.  Locust keeps no
 * per-request samples in this file, so endpoints carry summary numbers
 * only (struct metrics_scalars); "N/A" (a row without requests) leaves a
 * value absent.  Summary numbers cannot be merged, so the whole run (ALL)
 * takes its percentiles, average, min and max from the Aggregated row
 * (metrics_results.whole_run), and its counts and rate, which must agree
 * with the endpoints' sums.  Columns are found by their header names, so files
 * of Locust versions that add or reorder columns still import.
 */
#include <inttypes.h>
#include <string.h>

#include "importer_internal.h"

enum col {
    C_TYPE,
    C_NAME,
    C_REQUESTS,
    C_FAILURES,
    C_RPS,
    C_MEDIAN,
    C_AVG,
    C_MIN,
    C_MAX,
    C_P50,
    C_P75,
    C_P90,
    C_P95,
    C_P99,
    C_P999,
    C__COUNT
};

static const struct {
    const char *name;
    bool required;
} columns[C__COUNT] = {
    [C_TYPE] = {"Type", true},
    [C_NAME] = {"Name", true},
    [C_REQUESTS] = {"Request Count", true},
    [C_FAILURES] = {"Failure Count", true},
    [C_RPS] = {"Requests/s", true},
    [C_MEDIAN] = {"Median Response Time", false},
    [C_AVG] = {"Average Response Time", false},
    [C_MIN] = {"Min Response Time", false},
    [C_MAX] = {"Max Response Time", false},
    [C_P50] = {"50%", false},
    [C_P75] = {"75%", false},
    [C_P90] = {"90%", false},
    [C_P95] = {"95%", false},
    [C_P99] = {"99%", false},
    [C_P999] = {"99.9%", false},
};

struct row_ctx {
    const struct importer__err *e;
    const struct importer__csv *csv;
    const int *col;
};

/* An optional time in ms: absent (false) for a missing column, an empty
 * field or "N/A"; an error for anything else that is not a number >= 0. */
static int opt_ms(const struct row_ctx *x, enum col k, bool *has, double *v)
{
    const char *s;

    *has = false;
    if (x->col[k] < 0)
        return 0;
    s = x->csv->fields[x->col[k]];
    if (!*s || strcmp(s, "N/A") == 0)
        return 0;
    if (!importer__parse_double(s, v) || *v < 0)
        return importer__errorf(x->e, x->csv->record_line, 0,
                                "field %d (%s): expected a time in ms or "
                                "N/A, found '%.40s'",
                                x->col[k] + 1, columns[k].name, s);
    *has = true;
    return 0;
}

static int count_field(const struct row_ctx *x, enum col k, uint64_t *v)
{
    const char *s = x->csv->fields[x->col[k]];

    if (!importer__parse_u64(s, v))
        return importer__errorf(x->e, x->csv->record_line, 0,
                                "field %d (%s): expected a count, found "
                                "'%.40s'",
                                x->col[k] + 1, columns[k].name, s);
    return 0;
}

/* The counts and times of the current row (an endpoint's or the
 * Aggregated row). */
static int row_numbers(const struct row_ctx *x, uint64_t *requests,
                       uint64_t *failures, struct metrics_scalars *s)
{
    bool has_median = false;
    double median = 0;
    int rc;

    memset(s, 0, sizeof(*s));
    if ((rc = count_field(x, C_REQUESTS, requests)) ||
        (rc = count_field(x, C_FAILURES, failures)))
        return rc;
    if (*failures > *requests)
        return importer__errorf(x->e, x->csv->record_line, 0,
                                "%" PRIu64 " failures out of %" PRIu64
                                " requests",
                                *failures, *requests);
    if ((rc = opt_ms(x, C_P50, &s->has_p50, &s->p50_ms)) ||
        (rc = opt_ms(x, C_MEDIAN, &has_median, &median)) ||
        (rc = opt_ms(x, C_P75, &s->has_p75, &s->p75_ms)) ||
        (rc = opt_ms(x, C_P90, &s->has_p90, &s->p90_ms)) ||
        (rc = opt_ms(x, C_P95, &s->has_p95, &s->p95_ms)) ||
        (rc = opt_ms(x, C_P99, &s->has_p99, &s->p99_ms)) ||
        (rc = opt_ms(x, C_P999, &s->has_p999, &s->p999_ms)) ||
        (rc = opt_ms(x, C_AVG, &s->has_avg, &s->avg_ms)) ||
        (rc = opt_ms(x, C_MIN, &s->has_min, &s->min_ms)) ||
        (rc = opt_ms(x, C_MAX, &s->has_max, &s->max_ms)))
        return rc;
    if (!s->has_p50 && has_median) {
        s->has_p50 = true;
        s->p50_ms = median;
    }
    /* Locust writes 0 for the times of a row without requests: those are
     * not measurements. */
    s->present = *requests > 0;
    if (!s->present)
        memset(s, 0, sizeof(*s));
    return 0;
}

static int endpoint_row(const struct row_ctx *x, struct metrics_results *r)
{
    const char *type = x->csv->fields[x->col[C_TYPE]];
    const char *name = x->csv->fields[x->col[C_NAME]];
    struct metrics_endpoint *ep;
    struct metrics_scalars s;
    uint64_t requests, failures;
    int rc;

    if ((rc = row_numbers(x, &requests, &failures, &s)))
        return rc;
    ep = metrics_results_endpoint(r, *type ? type : "HTTP", name, true);
    if (!ep)
        return IMPORTER_ENOMEM;
    if (ep->requests)
        return importer__errorf(x->e, x->csv->record_line, 0,
                                "endpoint '%.40s %.80s' appears twice",
                                *type ? type : "HTTP", name);
    ep->requests = requests;
    ep->errors = failures;
    /* Locust's stats file does not say why a request failed. */
    ep->err_class[METRICS_ERR_OTHER] = failures;
    ep->scalars = s;
    return 0;
}

int importer__locust(const char *text, size_t len,
                     const struct importer__err *e, struct metrics_results *r)
{
    struct importer__csv csv;
    int col[C__COUNT];
    size_t n_header;
    bool have_total = false;
    uint64_t total_requests = 0, total_failures = 0;
    double total_rps = 0;
    int rc;

    if ((rc = importer__csv_first(&csv, text, len, e,
                                  "Locust's --csv statistics "
                                  "(PREFIX_stats.csv)")))
        goto out;
    n_header = csv.n;
    for (int k = 0; k < C__COUNT; k++) {
        col[k] = importer__csv_column(&csv, columns[k].name);
        if (col[k] < 0 && columns[k].required) {
            rc = importer__errorf(e, csv.record_line, 0,
                                  "no '%s' column: not a Locust "
                                  "PREFIX_stats.csv header",
                                  columns[k].name);
            goto out;
        }
    }

    while ((rc = importer__csv_next(&csv, e)) == 1) {
        struct row_ctx x = {e, &csv, col};
        const char *type, *name;

        if (csv.n != n_header) {
            rc = importer__errorf(e, csv.record_line, 0,
                                  "expected %zu columns, found %zu", n_header,
                                  csv.n);
            goto out;
        }
        type = csv.fields[col[C_TYPE]];
        name = csv.fields[col[C_NAME]];
        /* "Aggregated" (Locust >= 1.0) or "Total" (older) with no Type */
        if (!*type &&
            (strcmp(name, "Aggregated") == 0 || strcmp(name, "Total") == 0)) {
            if (have_total) {
                rc = importer__errorf(e, csv.record_line, 0,
                                      "a second '%s' row", name);
                goto out;
            }
            have_total = true;
            /* the whole run's own percentiles, average, min and max: the
             * endpoints' cannot be merged into them */
            if ((rc = row_numbers(&x, &total_requests, &total_failures,
                                  &r->whole_run)))
                goto out;
            if (!importer__parse_double(csv.fields[col[C_RPS]], &total_rps) ||
                total_rps < 0) {
                rc = importer__errorf(e, csv.record_line, 0,
                                      "field %d (Requests/s): expected a "
                                      "rate, found '%.40s'",
                                      col[C_RPS] + 1, csv.fields[col[C_RPS]]);
                goto out;
            }
            continue;
        }
        if (!*name) {
            rc = importer__errorf(e, csv.record_line, 0,
                                  "field %d (Name) is empty", col[C_NAME] + 1);
            goto out;
        }
        if ((rc = endpoint_row(&x, r)))
            goto out;
    }
    if (rc < 0)
        goto out;
    if (!have_total) {
        rc = importer__errorf(e, csv.line, 0,
                              "no 'Aggregated' row: the file is cut short");
        goto out;
    }
    if (total_requests != metrics_results_total_requests(r)) {
        rc =
            importer__errorf(e, 0, 0,
                             "the Aggregated row counts %" PRIu64
                             " requests, the endpoints %" PRIu64,
                             total_requests, metrics_results_total_requests(r));
        goto out;
    }
    if (total_failures != metrics_results_total_errors(r)) {
        rc = importer__errorf(e, 0, 0,
                              "the Aggregated row counts %" PRIu64
                              " failures, the endpoints %" PRIu64,
                              total_failures, metrics_results_total_errors(r));
        goto out;
    }
    /* The stats file has no start time or duration; the run's rate does
     * give the duration back, so rps reproduces Locust's. */
    r->duration_s = total_rps > 0 ? (double)total_requests / total_rps : 0.0;
    rc = 0;
out:
    importer__csv_release(&csv);
    return rc;
}
