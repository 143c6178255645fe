/*
 * importer: hey's per-request CSV (`hey -o csv`):
 *
 *   response-time,DNS+dialup,DNS,Request-write,Response-delay,
 *   Response-read,status-code,offset
 *   0.0072,0.0001,0.0000,0.0000,0.0069,0.0001,200,0.0008
 *
 * Times in seconds (to 0.1 ms); offset: when the request started, from
 * the run's start (hey writes no clock time, so the timeline counts
 * seconds from 0 and the run has no timestamp).  hey runs one URL, which
 * the file does not name: one endpoint, "HTTP *".  Every request
 * recorded: real histograms and per-second timelines.  A status >= 400
 * failed.  hey leaves requests that got no response (connection errors)
 * out of the file; hey 0.1.2 and older write neither status-code nor
 * offset (no timeline then).
 */
#include <math.h>
#include <string.h>

#include "importer_internal.h"

enum col { C_TIME, C_STATUS, C_OFFSET, C__COUNT };

static const char *const names[C__COUNT] = {"response-time", "status-code",
                                            "offset"};

/* Seconds, as hey prints them: a number >= 0. */
static bool seconds(const char *s, double *v)
{
    return importer__parse_double(s, v) && *v >= 0 && *v < 1e9;
}

int importer__hey(const char *text, size_t len, const struct importer__err *e,
                  struct metrics_results *r)
{
    struct importer__csv csv;
    struct importer__window w;
    struct metrics_endpoint *ep = NULL;
    int col[C__COUNT];
    size_t n_columns;
    int rc;

    importer__window_init(&w, true);
    if ((rc = importer__csv_first(&csv, text, len, e, "hey's -o csv")))
        goto out;
    n_columns = csv.n;
    for (int k = 0; k < C__COUNT; k++)
        col[k] = importer__csv_column(&csv, names[k]);
    if (col[C_TIME] < 0) {
        rc = importer__errorf(e, csv.record_line, 0,
                              "no 'response-time' column: not hey's -o csv "
                              "header");
        goto out;
    }
    while ((rc = importer__csv_next(&csv, e)) == 1) {
        double t, offset = 0;
        int64_t status = 0;
        enum metrics_errclass cls = METRICS_ERR_NONE;

        if (csv.n != n_columns) {
            rc = importer__errorf(e, csv.record_line, 0,
                                  "expected %zu columns, found %zu", n_columns,
                                  csv.n);
            goto out;
        }
        if (!seconds(csv.fields[col[C_TIME]], &t) ||
            (col[C_OFFSET] >= 0 &&
             !seconds(csv.fields[col[C_OFFSET]], &offset))) {
            int k = seconds(csv.fields[col[C_TIME]], &t) ? C_OFFSET : C_TIME;

            rc = importer__errorf(e, csv.record_line, 0,
                                  "field %d (%s): expected seconds, found "
                                  "'%.40s'",
                                  col[k] + 1, names[k], csv.fields[col[k]]);
            goto out;
        }
        if (col[C_STATUS] >= 0) {
            if (!importer__parse_i64(csv.fields[col[C_STATUS]], &status) ||
                status < 100 || status >= METRICS_STATUS_MAX) {
                rc = importer__errorf(e, csv.record_line, 0,
                                      "field %d (status-code): expected an "
                                      "HTTP status, found '%.40s'",
                                      col[C_STATUS] + 1,
                                      csv.fields[col[C_STATUS]]);
                goto out;
            }
            cls = importer__status_class((int)status);
        }
        if (!ep && !(ep = metrics_results_endpoint(r, "HTTP", "*", true))) {
            rc = IMPORTER_ENOMEM;
            goto out;
        }
        if ((rc = importer__record(&w, ep, llround(offset * 1e6), true,
                                   (uint64_t)llround(t * 1e6), (int)status,
                                   cls)))
            goto out;
    }
    if (rc < 0)
        goto out;
    if (!ep) {
        rc = importer__errorf(e, 0, 0,
                              "no request: hey's CSV lists the requests that "
                              "got a response");
        goto out;
    }
    rc = col[C_OFFSET] >= 0 ? importer__window_finish(&w, r) : 0;
out:
    importer__csv_release(&csv);
    return rc;
}
