/*
 * importer: Artillery's JSON report (`artillery run -o report.json`,
 * Artillery 2.x):
 *
 *   {"aggregate": {
 *      "counters": {"http.requests": 120, "http.responses": 118,
 *                   "http.codes.200": 80, "http.codes.404": 38,
 *                   "errors.ECONNREFUSED": 2,
 *                   "plugins.metrics-by-endpoint./x.codes.200": 40,
 *                   "plugins.metrics-by-endpoint./x.errors.ETIMEDOUT": 1},
 *      "summaries": {"http.response_time": {"min","max","count","mean",
 *                        "p50","median","p75","p90","p95","p99","p999"},
 *                    "plugins.metrics-by-endpoint.response_time./x": {...}},
 *      "firstCounterAt": 1700000000000, "lastCounterAt": ..., ...},
 *    "intermediate": [...]}
 *
 * Summary numbers only (ms).  The whole run: http.requests, failed when
 * they got no response (http.requests - http.responses, classed by the
 * errors.* counters) or a status >= 400, or a capture or match failed
 * (errors.* counters that are not a network error code); times from
 * http.response_time.  Each endpoint of the metrics-by-endpoint plugin
 * (its default namespace; on by default since Artillery 2.0.x, or
 * `config.plugins.metrics-by-endpoint: {}`) is an endpoint, named as the
 * plugin names it (the URL's path, "path (name)", or the request's name).
 * Without the plugin's numbers the whole run is all there is, and the
 * recommendations say so.
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "importer_internal.h"

#define PLUGIN "plugins.metrics-by-endpoint."
#define PLUGIN_TIMES PLUGIN "response_time."

/* A network error's code ("ECONNREFUSED", "EAI_AGAIN", "ERR_TLS_...")
 * rather than a failed capture or match ("Error", "Failed capture..."). */
static bool network_error(const char *code)
{
    if (code[0] != 'E' || !code[1])
        return false;
    for (const char *c = code + 1; *c; c++)
        if (!((*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
              *c == '_'))
            return false;
    return true;
}

static enum metrics_errclass code_class(const char *code)
{
    if (strcmp(code, "ECONNREFUSED") == 0 ||
        strcmp(code, "EHOSTUNREACH") == 0 || strcmp(code, "ENETUNREACH") == 0)
        return METRICS_ERR_CONNECT;
    if (strcmp(code, "ENOTFOUND") == 0 || strcmp(code, "EAI_AGAIN") == 0)
        return METRICS_ERR_DNS;
    if (strstr(code, "TIMEDOUT") || strstr(code, "TIMEOUT"))
        return METRICS_ERR_TIMEOUT;
    if (strcmp(code, "ECONNRESET") == 0 || strcmp(code, "EPIPE") == 0)
        return METRICS_ERR_RESET;
    if (strstr(code, "TLS") || strstr(code, "SSL") || strstr(code, "CERT"))
        return METRICS_ERR_TLS;
    return network_error(code) ? METRICS_ERR_OTHER : METRICS_ERR_EXPECT;
}

/* A counter's value: a whole count. */
static int counter(const struct importer__err *e, const char *key, json_t *v,
                   uint64_t *out)
{
    char what[200];

    snprintf(what, sizeof(what), "aggregate.counters[\"%.120s\"]", key);
    return importer__json_whole(e, v, what, out);
}

/* Times of a summary (ms). */
static int summary(const struct importer__err *e, json_t *sum, const char *name,
                   struct metrics_scalars *s)
{
    static const struct importer__scalar keys[] = {
        IMPORTER__SCALAR("p50", p50),  IMPORTER__SCALAR("p75", p75),
        IMPORTER__SCALAR("p90", p90),  IMPORTER__SCALAR("p95", p95),
        IMPORTER__SCALAR("p99", p99),  IMPORTER__SCALAR("p999", p999),
        IMPORTER__SCALAR("mean", avg), IMPORTER__SCALAR("min", min),
        IMPORTER__SCALAR("max", max),  IMPORTER__SCALAR("median", p50),
    };
    char where[200];

    snprintf(where, sizeof(where), "aggregate.summaries[\"%.120s\"]", name);
    return importer__json_scalars(e, sum, where, keys,
                                  sizeof(keys) / sizeof(keys[0]), 1, s);
}

/* An endpoint's counter: "<name>.codes.<status>" or "<name>.errors.<code>"
 * after the plugin's prefix.  Splits at the last such part (a name may
 * hold dots); false for other counters. */
static bool endpoint_counter(char *rest, const char **name, const char **what,
                             bool *is_code)
{
    char *codes = NULL, *errors = NULL;

    for (char *p = rest; (p = strstr(p, ".codes.")) != NULL; p++)
        codes = p;
    for (char *p = rest; (p = strstr(p, ".errors.")) != NULL; p++)
        errors = p;
    if (!codes && !errors)
        return false;
    *is_code = codes && (!errors || codes > errors);
    if (*is_code) {
        *codes = '\0';
        *what = codes + 7;
    } else {
        *errors = '\0';
        *what = errors + 8;
    }
    *name = rest;
    return **name != '\0' && **what != '\0';
}

static int add_endpoint_counter(struct metrics_results *r,
                                const struct importer__err *e, const char *key,
                                uint64_t n)
{
    char *rest = strdup(key + strlen(PLUGIN));
    const char *name, *what;
    bool is_code;
    struct metrics_endpoint *ep;
    int64_t status;
    int rc = 0;

    if (!rest)
        return IMPORTER_ENOMEM;
    if (!endpoint_counter(rest, &name, &what, &is_code))
        goto out;
    if ((rc = importer__endpoint_label(r, e, 0, name, &ep)))
        goto out;
    if (is_code) {
        if (!importer__parse_i64(what, &status) || status < 100 ||
            status >= METRICS_STATUS_MAX) {
            rc = importer__errorf(e, 0, 0,
                                  "aggregate.counters[\"%.120s\"]: not an "
                                  "HTTP status",
                                  key);
            goto out;
        }
        ep->requests += n;
        ep->status[status] += n;
        if (importer__status_class((int)status) != METRICS_ERR_NONE) {
            ep->errors += n;
            ep->err_class[importer__status_class((int)status)] += n;
        }
    } else {
        /* a network error is a request without a response; a failed
         * capture or match is a response that failed */
        if (network_error(what))
            ep->requests += n;
        ep->errors += n;
        ep->err_class[code_class(what)] += n;
    }
out:
    free(rest);
    return rc;
}

/* The whole run's counts from the counters not of the plugin. */
static int whole_counts(const struct importer__err *e, json_t *counters,
                        struct importer__counts *all)
{
    uint64_t responses = 0, n, nores, failed_checks = 0;
    const char *key;
    json_t *v;
    int rc;

    json_object_foreach(counters, key, v)
    {
        int64_t status;

        if ((rc = counter(e, key, v, &n)))
            return rc;
        if (strcmp(key, "http.requests") == 0) {
            all->requests = n;
        } else if (strcmp(key, "http.responses") == 0) {
            responses = n;
        } else if (strncmp(key, "http.codes.", 11) == 0) {
            if (!importer__parse_i64(key + 11, &status) || status < 100 ||
                status >= METRICS_STATUS_MAX)
                return importer__errorf(e, 0, 0,
                                        "aggregate.counters[\"%.120s\"]: not "
                                        "an HTTP status",
                                        key);
            all->status[status] += n;
            if (importer__status_class((int)status) != METRICS_ERR_NONE) {
                all->errors += n;
                all->err_class[importer__status_class((int)status)] += n;
            }
        } else if (strncmp(key, "errors.", 7) == 0 && !network_error(key + 7)) {
            failed_checks += n;
        }
    }
    if (responses > all->requests)
        return importer__errorf(e, 0, 0,
                                "aggregate.counters: %" PRIu64
                                " responses to %" PRIu64 " requests",
                                responses, all->requests);
    all->errors += failed_checks;
    all->err_class[METRICS_ERR_EXPECT] += failed_checks;
    /* requests without a response, classed by the network errors */
    nores = all->requests - responses;
    all->errors += nores;
    json_object_foreach(counters, key, v)
    {
        if (strncmp(key, "errors.", 7) != 0 || !network_error(key + 7) ||
            !nores)
            continue;
        if ((rc = counter(e, key, v, &n)))
            return rc;
        if (n > nores)
            n = nores;
        all->err_class[code_class(key + 7)] += n;
        nores -= n;
    }
    all->err_class[METRICS_ERR_OTHER] += nores;
    if (all->errors > all->requests) {
        /* failed checks on responses that failed anyway: known only as
         * failed */
        all->errors = all->requests;
        memset(all->err_class, 0, sizeof(all->err_class));
        all->err_class[METRICS_ERR_OTHER] = all->requests;
    }
    return 0;
}

/* The endpoints of the metrics-by-endpoint plugin. */
static int endpoints(const struct importer__err *e, json_t *counters,
                     json_t *summaries, struct metrics_results *r)
{
    const char *key;
    json_t *v;
    uint64_t n;
    int rc;

    json_object_foreach(counters, key, v)
    {
        if (strncmp(key, PLUGIN, strlen(PLUGIN)) != 0)
            continue;
        if ((rc = counter(e, key, v, &n)) ||
            (rc = add_endpoint_counter(r, e, key, n)))
            return rc;
    }
    json_object_foreach(summaries, key, v)
    {
        struct metrics_endpoint *ep;

        if (strncmp(key, PLUGIN_TIMES, strlen(PLUGIN_TIMES)) != 0)
            continue;
        if ((rc = importer__endpoint_label(r, e, 0, key + strlen(PLUGIN_TIMES),
                                           &ep)) ||
            (rc = summary(e, v, key, &ep->scalars)))
            return rc;
    }
    for (size_t i = 0; i < r->n_endpoints; i++) {
        struct metrics_endpoint *ep = r->endpoints[i];

        if (ep->errors > ep->requests) {
            /* a failed check on a response that failed anyway */
            ep->errors = ep->requests;
            memset(ep->err_class, 0, sizeof(ep->err_class));
            ep->err_class[METRICS_ERR_OTHER] = ep->requests;
        }
        if (!ep->requests)
            memset(&ep->scalars, 0, sizeof(ep->scalars));
    }
    return 0;
}

/* The run's window: its first and last counter, ms since 1970. */
static int window(const struct importer__err *e, json_t *agg,
                  struct metrics_results *r)
{
    bool has_first = false, has_last = false;
    double first = 0, last = 0;
    int rc;

    if ((rc = importer__json_num(e, agg, "aggregate", "firstCounterAt",
                                 &has_first, &first)) ||
        (rc = importer__json_num(e, agg, "aggregate", "lastCounterAt",
                                 &has_last, &last)))
        return rc;
    if (!has_first || !has_last || last < first || last > 253402300799999.0)
        return 0;
    r->duration_s = (last - first) / 1000.0;
    return importer__set_start(r, (int64_t)(first / 1000));
}

int importer__artillery(const char *text, size_t len,
                        const struct importer__err *e,
                        struct metrics_results *r)
{
    json_t *root = NULL, *agg, *counters, *summaries;
    struct importer__counts *all = NULL;
    struct metrics_scalars whole;
    int rc;

    if ((rc = importer__json_load(e, text, len, 1, &root)))
        return rc;
    agg = json_object_get(root, "aggregate");
    counters = json_object_get(agg, "counters");
    summaries = json_object_get(agg, "summaries");
    if (!json_is_object(counters)) {
        rc = importer__errorf(e, 0, 0,
                              "no \"aggregate\" object with \"counters\": "
                              "not an Artillery 2 report (artillery run -o)");
        goto out;
    }
    if (summaries && !json_is_object(summaries)) {
        rc = importer__errorf(e, 0, 0,
                              "aggregate.summaries: expected an object");
        goto out;
    }
    all = calloc(1, sizeof(*all));
    if (!all) {
        rc = IMPORTER_ENOMEM;
        goto out;
    }
    if ((rc = whole_counts(e, counters, all)))
        goto out;
    if (!all->requests) {
        rc = importer__errorf(e, 0, 0,
                              "aggregate.counters has no http.requests: the "
                              "run made no HTTP request");
        goto out;
    }
    if ((rc = summary(e, json_object_get(summaries, "http.response_time"),
                      "http.response_time", &whole)) ||
        (rc = endpoints(e, counters, summaries, r)) || (rc = window(e, agg, r)))
        goto out;
    if (!metrics_results_total_requests(r) &&
        metrics_results_add_recommendation(
            r, "The Artillery report has no per-endpoint numbers, so only the "
               "whole run is judged: its metrics-by-endpoint plugin reports "
               "each endpoint (config.plugins.metrics-by-endpoint: {}, "
               "without ignoreUnnamedRequests).")) {
        rc = IMPORTER_ENOMEM;
        goto out;
    }
    rc = importer__whole_run(r, e, all, &whole, "*");
out:
    free(all);
    json_decref(root);
    return rc;
}
