/*
 * importer: vegeta's results, either form:
 *
 * - JSON lines of `vegeta encode` (vegeta's default encoding of `attack`
 *   results, one per request):
 *
 *     {"attack":"","seq":0,"code":200,"timestamp":"2026-01-02T03:04:05.1+01:00",
 *      "latency":12345678,"bytes_out":0,"bytes_in":15,"error":"",
 *      "body":null,"method":"GET","url":"http://h/x","headers":{...}}
 *
 *   Every request recorded (latency in ns, timestamp when it was sent):
 *   real histograms and per-second timelines.  The endpoint is method and
 *   URL path (results of vegeta before 12.8 have neither: one endpoint
 *   "HTTP *").  A request failed, as vegeta counts success, unless its
 *   code is 2xx or 3xx; code 0 got no response, classed by its error.
 *
 * - `vegeta report -type=json`: the whole run only, summary numbers:
 *
 *     {"latencies":{"total":..,"mean":..,"50th":..,"90th":..,"95th":..,
 *                   "99th":..,"max":..,"min":..},   (ns)
 *      "earliest":"...","latest":"...","end":"...","duration":..,"wait":..,
 *      "requests":100,"rate":..,"throughput":..,"success":1,
 *      "status_codes":{"200":100},"errors":[]}
 *
 *   Failed: the requests whose code is not 2xx or 3xx (status_codes).
 *   The window is duration + wait, from the first request sent to the
 *   last response, as for the results.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "importer_internal.h"

#define NS_PER_US 1000

/* A request vegeta counts as failed, and why. */
static enum metrics_errclass failure(int code, const char *error)
{
    static const struct {
        const char *needle;
        enum metrics_errclass cls;
    } known[] = {
        {"no such host", METRICS_ERR_DNS},
        {"timeout", METRICS_ERR_TIMEOUT},
        {"Timeout", METRICS_ERR_TIMEOUT},
        {"connection refused", METRICS_ERR_CONNECT},
        {"connection reset", METRICS_ERR_RESET},
        {"broken pipe", METRICS_ERR_RESET},
        {"EOF", METRICS_ERR_RESET},
        {"tls:", METRICS_ERR_TLS},
        {"x509", METRICS_ERR_TLS},
    };

    if (code >= 200 && code < 400)
        return METRICS_ERR_NONE;
    if (code >= 100)
        return importer__status_class(code) != METRICS_ERR_NONE
                   ? importer__status_class(code)
                   : METRICS_ERR_STATUS;
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        if (error && strstr(error, known[i].needle))
            return known[i].cls;
    return METRICS_ERR_OTHER;
}

/* ---- JSON lines ---------------------------------------------------------- */

struct lines {
    struct metrics_results *r;
    const struct importer__err *e;
    struct importer__window window;
};

static int result(void *ctx, json_t *v, size_t line)
{
    struct lines *st = ctx;
    const char *stamp, *method, *url;
    struct metrics_endpoint *ep;
    int64_t start_us;
    double code_v, latency_v;
    int code;
    enum metrics_errclass cls;
    int rc;

    if (!importer__is_vegeta_result(v))
        return importer__errorf(st->e, line, 0,
                                "not a vegeta result (`vegeta encode`: "
                                "{\"code\":..,\"timestamp\":..,"
                                "\"latency\":..})");
    stamp = json_string_value(json_object_get(v, "timestamp"));
    if (!importer__parse_time(stamp, &start_us))
        return importer__errorf(st->e, line, 0,
                                "timestamp: expected an RFC 3339 time, "
                                "found '%.40s'",
                                stamp);
    code_v = json_number_value(json_object_get(v, "code"));
    latency_v = json_number_value(json_object_get(v, "latency"));
    if (code_v < 0 || code_v >= METRICS_STATUS_MAX || code_v != (int)code_v)
        return importer__errorf(st->e, line, 0,
                                "code: %g is not an HTTP status", code_v);
    if (!(latency_v >= 0) || latency_v > 1e18)
        return importer__errorf(st->e, line, 0,
                                "latency: expected nanoseconds");
    code = (int)code_v;
    method = json_string_value(json_object_get(v, "method"));
    url = json_string_value(json_object_get(v, "url"));
    if ((rc = importer__endpoint_at(st->r, st->e, line, method,
                                    url && *url ? url : "*", &ep)))
        return rc;
    cls = failure(code, json_string_value(json_object_get(v, "error")));
    /* code 0: no response, so no latency to judge */
    return importer__record(&st->window, ep, start_us, code != 0,
                            (uint64_t)llround(latency_v / NS_PER_US), code,
                            cls);
}

static int results(const char *text, size_t len, const struct importer__err *e,
                   struct metrics_results *r)
{
    struct lines st = {r, e, {0, 0, false}};
    int rc;

    importer__window_init(&st.window, false);
    if ((rc = importer__json_lines(text, len, e, result, &st)))
        return rc;
    if (!metrics_results_total_requests(r))
        return importer__errorf(e, 0, 0,
                                "no result: the attack made no "
                                "request");
    return importer__window_finish(&st.window, r);
}

/* ---- report -type=json --------------------------------------------------- */

static int report(const char *text, size_t len, const struct importer__err *e,
                  struct metrics_results *r)
{
    /* in nanoseconds */
    static const struct importer__scalar keys[] = {
        IMPORTER__SCALAR("50th", p50), IMPORTER__SCALAR("90th", p90),
        IMPORTER__SCALAR("95th", p95), IMPORTER__SCALAR("99th", p99),
        IMPORTER__SCALAR("mean", avg), IMPORTER__SCALAR("min", min),
        IMPORTER__SCALAR("max", max),
    };
    json_t *root = NULL, *lat, *codes, *v;
    struct importer__counts *all = NULL;
    struct metrics_scalars s = {0};
    double duration = 0, wait = 0;
    const char *key;
    bool has;
    int rc;

    if ((rc = importer__json_load(e, text, len, 1, &root)))
        return rc;
    lat = json_object_get(root, "latencies");
    codes = json_object_get(root, "status_codes");
    all = calloc(1, sizeof(*all));
    if (!all) {
        rc = IMPORTER_ENOMEM;
        goto out;
    }
    if (!json_is_object(lat) || !json_is_object(codes)) {
        rc = importer__errorf(e, 0, 0,
                              "no \"latencies\" and \"status_codes\" "
                              "objects: not vegeta's report -type=json");
        goto out;
    }
    if ((rc = importer__json_count(e, root, "", "requests", &has,
                                   &all->requests)) ||
        (rc =
             importer__json_scalars(e, lat, "latencies", keys,
                                    sizeof(keys) / sizeof(keys[0]), 1e6, &s)) ||
        (rc = importer__json_num(e, root, "", "duration", &has, &duration)) ||
        (rc = importer__json_num(e, root, "", "wait", &has, &wait)))
        goto out;
    json_object_foreach(codes, key, v)
    {
        char where[60];
        int64_t code;
        uint64_t n;

        snprintf(where, sizeof(where), "status_codes[\"%.20s\"]", key);
        if (!importer__parse_i64(key, &code) || code < 0 ||
            code >= METRICS_STATUS_MAX) {
            rc = importer__errorf(e, 0, 0, "%s: not an HTTP status", where);
            goto out;
        }
        if ((rc = importer__json_whole(e, v, where, &n)))
            goto out;
        if (code > 0) /* 0: no response */
            all->status[code] += n;
        if (failure((int)code, NULL) != METRICS_ERR_NONE) {
            all->errors += n;
            all->err_class[failure((int)code, NULL)] += n;
        }
    }
    if (!all->requests) {
        rc = importer__errorf(e, 0, 0,
                              "requests is 0: the attack made no request");
        goto out;
    }
    r->duration_s = (duration + wait) / 1e9;
    if ((rc = importer__set_start_time(
             r, json_string_value(json_object_get(root, "earliest")))))
        goto out;
    rc = importer__whole_run(r, e, all, &s, "*");
out:
    free(all);
    json_decref(root);
    return rc;
}

int importer__vegeta(const char *text, size_t len,
                     const struct importer__err *e, struct metrics_results *r)
{
    json_t *first = importer__json_first(text, len);
    bool lines = first && importer__is_vegeta_result(first);

    json_decref(first);
    return lines ? results(text, len, e, r) : report(text, len, e, r);
}
