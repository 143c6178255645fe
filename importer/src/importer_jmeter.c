/*
 * importer: JMeter's JTL results in CSV with a header line
 * (jmeter.save.saveservice.output_format=csv, print_field_names=true).
 *
 * Every row is one sample, so the results get real histograms and
 * per-second timelines.  Columns are found by their header names: JMeter
 * versions and saveservice settings add or drop columns (2.13's default has
 * no failureMessage, URL, IdleTime or Connect).
 */
#include <inttypes.h>
#include <string.h>
#include <strings.h>

#include "importer_internal.h"

enum col {
    C_TIMESTAMP,
    C_ELAPSED,
    C_LABEL,
    C_CODE,
    C_MESSAGE,
    C_SUCCESS,
    C_GRP_THREADS,
    C_ALL_THREADS,
    C__COUNT
};

static const struct {
    const char *name;
    bool required;
} columns[C__COUNT] = {
    [C_TIMESTAMP] = {"timeStamp", true},
    [C_ELAPSED] = {"elapsed", true},
    [C_LABEL] = {"label", true},
    [C_CODE] = {"responseCode", false},
    [C_MESSAGE] = {"responseMessage", false},
    [C_SUCCESS] = {"success", true},
    [C_GRP_THREADS] = {"grpThreads", false},
    [C_ALL_THREADS] = {"allThreads", false},
};

/* Year 9999 in ms: later timestamps are not JMeter's, and the bound keeps
 * timeStamp + elapsed far from overflowing. */
#define MAX_TIMESTAMP_MS INT64_C(253402300799999)
/* Longest latency a histogram takes, in ms. */
#define MAX_ELAPSED_MS (METRICS_HIST_MAX_VALUE / 1000)

/*
 * Why a failed sample failed.  JMeter marks a sample failed for an HTTP
 * status >= 400 and for a failed assertion (then the status may be 200);
 * samples that got no response carry the Java exception in place of the
 * code ("Non HTTP response code: java.net.ConnectException").
 */
static enum metrics_errclass classify(int code, const char *code_text,
                                      const char *message) {
    static const struct {
        const char *needle;
        enum metrics_errclass cls;
    } exceptions[] = {
        {"UnknownHostException", METRICS_ERR_DNS},
        {"ConnectTimeoutException", METRICS_ERR_TIMEOUT},
        {"SocketTimeoutException", METRICS_ERR_TIMEOUT},
        {"ConnectException", METRICS_ERR_CONNECT}, /* + HttpHost... */
        {"NoRouteToHostException", METRICS_ERR_CONNECT},
        {"SSL", METRICS_ERR_TLS},
        {"NoHttpResponseException", METRICS_ERR_RESET},
    };

    if (code >= 500)
        return METRICS_ERR_HTTP_5XX;
    if (code >= 400)
        return METRICS_ERR_STATUS;
    if (code > 0)
        return METRICS_ERR_EXPECT; /* a response JMeter's assertions
                                      rejected */
    for (size_t i = 0; i < sizeof(exceptions) / sizeof(exceptions[0]); i++)
        if (strstr(code_text, exceptions[i].needle))
            return exceptions[i].cls;
    if (strstr(message, "Connection reset") || strstr(message, "Broken pipe"))
        return METRICS_ERR_RESET;
    return METRICS_ERR_OTHER;
}

static int bad_field(const struct importer__err *e,
                     const struct importer__csv *csv, const int *col,
                     enum col k, const char *expected) {
    return importer__errorf(
        e, csv->record_line, 0, "field %d (%s): expected %s, found '%.40s'",
        col[k] + 1, columns[k].name, expected, csv->fields[col[k]]);
}

static int header(struct importer__csv *csv, const struct importer__err *e,
                  int *col) {
    int64_t ignored;

    if (importer__parse_i64(csv->fields[0], &ignored))
        return importer__errorf(e, csv->record_line, 0,
                                "no header line: import a JTL saved with "
                                "jmeter.save.saveservice.print_field_names="
                                "true");
    for (int k = 0; k < C__COUNT; k++) {
        col[k] = importer__csv_column(csv, columns[k].name);
        if (col[k] < 0 && columns[k].required)
            return importer__errorf(e, csv->record_line, 0,
                                    "no '%s' column: not a JMeter CSV JTL "
                                    "header",
                                    columns[k].name);
    }
    return 0;
}

int importer__jmeter(const char *text, size_t len,
                     const struct importer__err *e, struct metrics_results *r) {
    struct importer__csv csv;
    int col[C__COUNT];
    size_t n_header;
    int64_t first_ms = INT64_MAX, last_ms = INT64_MIN;
    uint64_t users = 0;
    int rc;

    importer__csv_init(&csv, text, len);
    /* an XML JTL has no commas on its first line: say what it is */
    for (size_t i = csv.pos; i < len; i++) {
        if (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' ||
            text[i] == '\n')
            continue;
        if (text[i] == '<') {
            rc = importer__errorf(e, 1, 0,
                                  "an XML JTL: import the CSV format "
                                  "(jmeter.save.saveservice.output_format="
                                  "csv)");
            goto out;
        }
        break;
    }
    rc = importer__csv_next(&csv, e);
    if (rc < 0)
        goto out;
    if (rc == 0) {
        rc = importer__errorf(e, 0, 0,
                              "empty file: expected a JMeter CSV JTL with "
                              "its header line");
        goto out;
    }
    if ((rc = header(&csv, e, col)))
        goto out;
    n_header = csv.n;

    while ((rc = importer__csv_next(&csv, e)) == 1) {
        const char *label, *success, *code_text = "", *message = "";
        int64_t ts;
        uint64_t elapsed, threads;
        int64_t code = 0;
        bool ok;
        struct metrics_endpoint *ep;
        enum metrics_errclass err;

        if (csv.n != n_header) {
            rc = importer__errorf(e, csv.record_line, 0,
                                  "expected %zu columns, found %zu", n_header,
                                  csv.n);
            goto out;
        }
        if (!importer__parse_i64(csv.fields[col[C_TIMESTAMP]], &ts) || ts < 0 ||
            ts > MAX_TIMESTAMP_MS) {
            rc = bad_field(e, &csv, col, C_TIMESTAMP,
                           "milliseconds since 1970 "
                           "(jmeter.save.saveservice.timestamp_format=ms)");
            goto out;
        }
        if (!importer__parse_u64(csv.fields[col[C_ELAPSED]], &elapsed) ||
            elapsed > MAX_ELAPSED_MS) {
            rc = bad_field(e, &csv, col, C_ELAPSED, "milliseconds");
            goto out;
        }
        success = csv.fields[col[C_SUCCESS]];
        if (strcasecmp(success, "true") == 0) {
            ok = true;
        } else if (strcasecmp(success, "false") == 0) {
            ok = false;
        } else {
            rc = bad_field(e, &csv, col, C_SUCCESS, "true or false");
            goto out;
        }
        label = csv.fields[col[C_LABEL]];
        if (!*label) {
            rc = bad_field(e, &csv, col, C_LABEL, "a sampler name");
            goto out;
        }
        if (col[C_CODE] >= 0) {
            code_text = csv.fields[col[C_CODE]];
            /* "Non HTTP response code: ..." means no response: 0 */
            if (!importer__parse_i64(code_text, &code) || code < 100 ||
                code >= METRICS_STATUS_MAX)
                code = 0;
        }
        if (col[C_MESSAGE] >= 0)
            message = csv.fields[col[C_MESSAGE]];
        threads = 0;
        if (col[C_ALL_THREADS] >= 0 &&
            !importer__parse_u64(csv.fields[col[C_ALL_THREADS]], &threads)) {
            rc = bad_field(e, &csv, col, C_ALL_THREADS, "a thread count");
            goto out;
        } else if (col[C_ALL_THREADS] < 0 && col[C_GRP_THREADS] >= 0 &&
                   !importer__parse_u64(csv.fields[col[C_GRP_THREADS]],
                                        &threads)) {
            rc = bad_field(e, &csv, col, C_GRP_THREADS, "a thread count");
            goto out;
        }
        if (threads > users)
            users = threads;

        ep = importer__endpoint(r, label, "HTTP");
        if (!ep) {
            rc = IMPORTER_ENOMEM;
            goto out;
        }
        err = ok ? METRICS_ERR_NONE : classify((int)code, code_text, message);
        /* timeStamp is when the sample started (JMeter's default
         * sampleresult.timestamp.start=true); metrics counts a request in
         * the second it completed. */
        if (metrics_endpoint_record(ep, (ts + (int64_t)elapsed) / 1000, true,
                                    elapsed * 1000, (int)code, err) != 0) {
            rc = IMPORTER_ENOMEM;
            goto out;
        }
        if (ts < first_ms)
            first_ms = ts;
        if (ts + (int64_t)elapsed > last_ms)
            last_ms = ts + (int64_t)elapsed;
    }
    if (rc < 0)
        goto out;
    if (first_ms != INT64_MAX) {
        char stamp[32];

        r->start_second = first_ms / 1000;
        r->duration_s = (double)(last_ms - first_ms) / 1000.0;
        metrics_format_utc(r->start_second, stamp, sizeof(stamp));
        r->timestamp = strdup(stamp);
        if (!r->timestamp) {
            rc = IMPORTER_ENOMEM;
            goto out;
        }
    }
    r->concurrent_users = users;
    rc = 0;
out:
    importer__csv_release(&csv);
    return rc;
}
