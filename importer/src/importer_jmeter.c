/*
 * importer: JMeter's JTL results, in each format JMeter writes:
 *
 * - CSV with a header line (jmeter.save.saveservice.print_field_names=
 *   true, the default since JMeter 3.0): columns found by their names, so
 *   versions and saveservice settings that add or drop columns import;
 * - CSV without a header line (print_field_names=false, the default of
 *   JMeter 2.x): told by its first field being a number, columns taken in
 *   JMeter's default order;
 * - XML (output_format=xml, <testResults>): importer_jmeter_xml.c.
 *
 * Every sample is recorded, so the results get real histograms and
 * per-second timelines.
 */
#include <inttypes.h>
#include <string.h>
#include <strings.h>

#include "importer_internal.h"

#define F_TIMESTAMP IMPORTER__JM_TIMESTAMP
#define F_ELAPSED IMPORTER__JM_ELAPSED
#define F_LABEL IMPORTER__JM_LABEL
#define F_CODE IMPORTER__JM_CODE
#define F_MESSAGE IMPORTER__JM_MESSAGE
#define F_SUCCESS IMPORTER__JM_SUCCESS
#define F_GRP_THREADS IMPORTER__JM_GRP_THREADS
#define F_ALL_THREADS IMPORTER__JM_ALL_THREADS
#define F__COUNT IMPORTER__JM__COUNT

/* The CSV header names, which messages use for every format. */
const char *const importer__jm_names[F__COUNT] = {
    [F_TIMESTAMP] = "timeStamp",
    [F_ELAPSED] = "elapsed",
    [F_LABEL] = "label",
    [F_CODE] = "responseCode",
    [F_MESSAGE] = "responseMessage",
    [F_SUCCESS] = "success",
    [F_GRP_THREADS] = "grpThreads",
    [F_ALL_THREADS] = "allThreads",
};

static const bool required[F__COUNT] = {
    [F_TIMESTAMP] = true,
    [F_ELAPSED] = true,
    [F_LABEL] = true,
    [F_SUCCESS] = true,
};

/* Year 9999 in ms: later timestamps are not JMeter's, and the bound keeps
 * timeStamp + elapsed far from overflowing. */
#define MAX_TIMESTAMP_MS INT64_C(253402300799999)
/* Longest latency a histogram takes, in ms. */
#define MAX_ELAPSED_MS (METRICS_HIST_MAX_VALUE / 1000)

/* ---- samples, whatever the format --------------------------------------- */

/*
 * Why a failed sample failed.  JMeter marks a sample failed for an HTTP
 * status >= 400 and for a failed assertion (then the status may be 200);
 * samples that got no response carry the Java exception in place of the
 * code ("Non HTTP response code: java.net.ConnectException").
 */
static enum metrics_errclass classify(int code, const char *code_text,
                                      const char *message)
{
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

void importer__jm_init(struct importer__jm *jm, struct metrics_results *r)
{
    memset(jm, 0, sizeof(*jm));
    jm->r = r;
    importer__window_init(&jm->window, false);
}

int importer__jm_sample(struct importer__jm *jm,
                        const char *const v[IMPORTER__JM__COUNT],
                        enum importer__jm_field *bad, const char **expected)
{
    const char *code_text = v[F_CODE] ? v[F_CODE] : "";
    const char *message = v[F_MESSAGE] ? v[F_MESSAGE] : "";
    int64_t ts, code = 0;
    uint64_t elapsed, threads = 0;
    bool ok;
    struct metrics_endpoint *ep;
    enum metrics_errclass err;

#define BAD(field, what)                                                       \
    do {                                                                       \
        *bad = (field);                                                        \
        *expected = (what);                                                    \
        return IMPORTER_EPARSE;                                                \
    } while (0)
    for (int k = 0; k < F__COUNT; k++)
        if (required[k] && !v[k])
            BAD((enum importer__jm_field)k, "a value");
    if (!importer__parse_i64(v[F_TIMESTAMP], &ts) || ts < 0 ||
        ts > MAX_TIMESTAMP_MS)
        BAD(F_TIMESTAMP, "milliseconds since 1970");
    if (!importer__parse_u64(v[F_ELAPSED], &elapsed) ||
        elapsed > MAX_ELAPSED_MS)
        BAD(F_ELAPSED, "milliseconds");
    if (strcasecmp(v[F_SUCCESS], "true") == 0)
        ok = true;
    else if (strcasecmp(v[F_SUCCESS], "false") == 0)
        ok = false;
    else
        BAD(F_SUCCESS, "true or false");
    if (!*v[F_LABEL])
        BAD(F_LABEL, "a sampler name");
    /* "Non HTTP response code: ..." means no response: 0 */
    if (!importer__parse_i64(code_text, &code) || code < 100 ||
        code >= METRICS_STATUS_MAX)
        code = 0;
    if (v[F_ALL_THREADS]) {
        if (!importer__parse_u64(v[F_ALL_THREADS], &threads))
            BAD(F_ALL_THREADS, "a thread count");
    } else if (v[F_GRP_THREADS]) {
        if (!importer__parse_u64(v[F_GRP_THREADS], &threads))
            BAD(F_GRP_THREADS, "a thread count");
    }
#undef BAD
    if (threads > jm->users)
        jm->users = threads;

    ep = importer__endpoint(jm->r, v[F_LABEL], "HTTP");
    if (!ep)
        return IMPORTER_ENOMEM;
    err = ok ? METRICS_ERR_NONE : classify((int)code, code_text, message);
    /* timeStamp is when the sample started (JMeter's default
     * sampleresult.timestamp.start=true) */
    return importer__record(&jm->window, ep, ts * 1000, true, elapsed * 1000,
                            (int)code, err);
}

int importer__jm_finish(struct importer__jm *jm)
{
    jm->r->concurrent_users = jm->users;
    return importer__window_finish(&jm->window, jm->r);
}

/* ---- CSV ---------------------------------------------------------------- */

/* JMeter's default CSV columns, in the order JMeter writes them (3.1 to
 * 5.x; 2.x writes no failureMessage, sentBytes, URL, IdleTime or Connect):
 * the first eight are the same in every version. */
#define N_FIXED 8

/* Where the values are in a JTL without a header line of n columns.  The
 * thread counts are only where JMeter's defaults put them. */
static void default_columns(size_t n, int *col, bool *threads_guessed)
{
    for (int k = 0; k < F__COUNT; k++)
        col[k] = -1;
    col[F_TIMESTAMP] = 0;
    col[F_ELAPSED] = 1;
    col[F_LABEL] = 2;
    col[F_CODE] = 3;
    col[F_MESSAGE] = 4;
    col[F_SUCCESS] = 7;
    *threads_guessed = true;
    if (n == 12) {
        /* 2.x: ...,success,bytes,grpThreads,allThreads,Latency */
        col[F_GRP_THREADS] = 9;
        col[F_ALL_THREADS] = 10;
    } else if (n >= 13) {
        /* ...,success,failureMessage,bytes,sentBytes,grpThreads,
         * allThreads,URL,Latency,IdleTime,Connect */
        col[F_GRP_THREADS] = 11;
        col[F_ALL_THREADS] = 12;
    }
}

static int bad_field(const struct importer__err *e,
                     const struct importer__csv *csv, const int *col,
                     enum importer__jm_field k, const char *expected)
{
    return importer__errorf(
        e, csv->record_line, 0, "field %d (%s): expected %s%s, found '%.40s'",
        col[k] + 1, importer__jm_names[k], expected,
        k == F_TIMESTAMP ? " (jmeter.save.saveservice.timestamp_format=ms)"
                         : "",
        csv->fields[col[k]]);
}

static int header(struct importer__csv *csv, const struct importer__err *e,
                  int *col)
{
    for (int k = 0; k < F__COUNT; k++) {
        col[k] = importer__csv_column(csv, importer__jm_names[k]);
        if (col[k] < 0 && required[k])
            return importer__errorf(e, csv->record_line, 0,
                                    "no '%s' column: not a JMeter CSV JTL "
                                    "header",
                                    importer__jm_names[k]);
    }
    return 0;
}

static int jmeter_csv(const char *text, size_t len,
                      const struct importer__err *e, struct importer__jm *jm)
{
    struct importer__csv csv;
    int col[F__COUNT];
    size_t n_columns;
    bool headerless, threads_guessed = false;
    int64_t ignored;
    int rc;

    if ((rc = importer__csv_first(&csv, text, len, e,
                                  "a JMeter JTL (CSV or XML)")))
        goto out;
    n_columns = csv.n;
    headerless = importer__parse_i64(csv.fields[0], &ignored);
    if (headerless) {
        if (csv.n < N_FIXED) {
            rc = importer__errorf(e, csv.record_line, 0,
                                  "%zu columns and no header line: a JTL "
                                  "without one must have JMeter's default "
                                  "columns (timeStamp, elapsed, label, "
                                  "responseCode, responseMessage, "
                                  "threadName, dataType, success, ...)",
                                  csv.n);
            goto out;
        }
        default_columns(csv.n, col, &threads_guessed);
        rc = 1; /* the first line is a sample */
    } else {
        if ((rc = header(&csv, e, col)))
            goto out;
        rc = importer__csv_next(&csv, e);
    }

    for (; rc == 1; rc = importer__csv_next(&csv, e)) {
        const char *v[F__COUNT];
        enum importer__jm_field bad;
        const char *expected;
        uint64_t count;

        if (csv.n != n_columns) {
            rc = importer__errorf(e, csv.record_line, 0,
                                  "expected %zu columns, found %zu", n_columns,
                                  csv.n);
            goto out;
        }
        for (int k = 0; k < F__COUNT; k++) {
            v[k] = col[k] >= 0 ? csv.fields[col[k]] : NULL;
            /* where JMeter's defaults put the thread counts, not
             * necessarily where this file has them */
            if (threads_guessed && v[k] &&
                (k == F_GRP_THREADS || k == F_ALL_THREADS) &&
                !importer__parse_u64(v[k], &count))
                v[k] = NULL;
        }
        rc = importer__jm_sample(jm, v, &bad, &expected);
        if (rc == IMPORTER_EPARSE)
            rc = bad_field(e, &csv, col, bad, expected);
        if (rc)
            goto out;
    }
    if (rc < 0)
        goto out;
    rc = 0;
out:
    importer__csv_release(&csv);
    return rc;
}

int importer__jmeter(const char *text, size_t len,
                     const struct importer__err *e, struct metrics_results *r)
{
    struct importer__jm jm;
    int rc;

    importer__jm_init(&jm, r);
    /* the format is told from the content: XML starts with '<' */
    if (importer__first_char(text, len) == '<')
        rc = importer__jmeter_xml(text, len, e, &jm);
    else
        rc = jmeter_csv(text, len, e, &jm);
    if (rc)
        return rc;
    return importer__jm_finish(&jm);
}
