/*
 * importer: k6's per-request output, `k6 run --out json=FILE`: JSON lines
 * declaring metrics and recording points,
 *
 *   {"type":"Metric","metric":"http_req_duration","data":{"type":"trend",...}}
 *   {"type":"Point","metric":"http_req_duration","data":{
 *       "time":"2026-01-02T03:04:05.678901+01:00","value":12.3,
 *       "tags":{"method":"GET","name":"http://h/x","status":"200",
 *               "expected_response":"true","error_code":"1212",...}}}
 *
 * Each http_req_duration Point is one request, recorded at "time" (k6
 * stamps HTTP samples with the request's end) with its duration: real
 * histograms and per-second timelines.  The endpoint is tags.method and
 * tags.name (k6 names a request after its URL unless the script names it;
 * the scheme and host are left out).  A request failed when
 * expected_response is "false" (k6's http_req_failed), or, from k6 before
 * 0.31 or with no response callback, when its status is 0 or >= 400.
 * Every other metric is skipped except vus, whose largest value is the
 * run's users.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "importer_internal.h"

struct points {
    struct metrics_results *r;
    const struct importer__err *e;
    struct importer__window window;
    uint64_t requests;
    double vus;
};

static const char *tag(json_t *tags, const char *name)
{
    return json_string_value(json_object_get(tags, name));
}

/* k6's error codes (its error_code tag) by class. */
static enum metrics_errclass error_code_class(int code)
{
    if (code == 1050 || code == 1211)
        return METRICS_ERR_TIMEOUT; /* request timeout, dial timeout */
    if (code >= 1100 && code < 1200)
        return METRICS_ERR_DNS;
    if (code == 1201 || code == 1220)
        return METRICS_ERR_RESET; /* broken pipe, reset by peer */
    if (code >= 1200 && code < 1300)
        return METRICS_ERR_CONNECT;
    if (code >= 1300 && code < 1400)
        return METRICS_ERR_TLS;
    return METRICS_ERR_OTHER;
}

static enum metrics_errclass failure_class(int status, const char *code)
{
    int64_t n;

    if (status >= 500)
        return METRICS_ERR_HTTP_5XX;
    if (status >= 100)
        return METRICS_ERR_STATUS; /* not among the expected statuses */
    if (code && importer__parse_i64(code, &n) && n > 0 && n < 100000)
        return error_code_class((int)n);
    return METRICS_ERR_OTHER;
}

static int point(void *ctx, json_t *v, size_t line)
{
    struct points *p = ctx;
    const char *metric, *time, *expected, *name, *status_text;
    json_t *data, *tags, *value;
    struct metrics_endpoint *ep;
    int64_t end_us, status = 0;
    double ms;
    uint64_t latency_us;
    bool failed;
    int rc;

    if (!importer__is_k6_line(v))
        return importer__errorf(p->e, line, 0,
                                "not a line of k6's --out json "
                                "({\"type\":\"Point\",\"metric\":...,"
                                "\"data\":{...}})");
    if (strcmp(json_string_value(json_object_get(v, "type")), "Point") != 0)
        return 0;
    metric = json_string_value(json_object_get(v, "metric"));
    data = json_object_get(v, "data");
    value = json_object_get(data, "value");
    if (strcmp(metric, "vus") == 0) {
        if (json_is_number(value) && json_number_value(value) > p->vus &&
            json_number_value(value) <= 1e9)
            p->vus = json_number_value(value);
        return 0;
    }
    if (strcmp(metric, "http_req_duration") != 0)
        return 0;
    time = json_string_value(json_object_get(data, "time"));
    if (!time || !importer__parse_time(time, &end_us))
        return importer__errorf(p->e, line, 0,
                                "data.time: expected an RFC 3339 time, "
                                "found %.40s",
                                time ? time : "none");
    if (!json_is_number(value) || !isfinite(json_number_value(value)) ||
        json_number_value(value) < 0 ||
        json_number_value(value) > (double)(METRICS_HIST_MAX_VALUE / 1000))
        return importer__errorf(p->e, line, 0,
                                "data.value: expected a duration in ms");
    ms = json_number_value(value);
    latency_us = (uint64_t)llround(ms * 1000.0);
    tags = json_object_get(data, "tags");
    status_text = tag(tags, "status");
    if (status_text && (!importer__parse_i64(status_text, &status) ||
                        status < 0 || status >= METRICS_STATUS_MAX))
        status = 0;
    expected = tag(tags, "expected_response");
    if (expected)
        failed = strcmp(expected, "true") != 0;
    else
        failed = status == 0 || status >= 400;
    name = tag(tags, "name");
    if (!name || !*name)
        name = tag(tags, "url");
    if (!name || !*name)
        name = "*";
    if ((rc = importer__endpoint_at(p->r, p->e, line, tag(tags, "method"), name,
                                    &ep)))
        return rc;
    p->requests++;
    /* status 0: no response, so no latency to judge */
    return importer__record(
        &p->window, ep, end_us - (int64_t)latency_us, status != 0, latency_us,
        (int)status,
        failed ? failure_class((int)status, tag(tags, "error_code"))
               : METRICS_ERR_NONE);
}

int importer__k6_points(const char *text, size_t len,
                        const struct importer__err *e,
                        struct metrics_results *r)
{
    struct points p = {r, e, {0, 0, false}, 0, 0};
    int rc;

    importer__window_init(&p.window, false);
    if ((rc = importer__json_lines(text, len, e, point, &p)))
        return rc;
    if (!p.requests)
        return importer__errorf(e, 0, 0,
                                "no http_req_duration point: the run made "
                                "no HTTP request");
    r->concurrent_users = (uint64_t)p.vus;
    return importer__window_finish(&p.window, r);
}
