/*
 * importer: k6's `--summary-export` JSON (the legacy flat format GitLab's
 * Load Performance widget reads), and handleSummary() data, which nests
 * the same numbers under "values":
 *
 *   {"metrics": {"http_req_duration": {"avg","min","med","max","p(90)",
 *                                      "p(95)"},
 *                "http_reqs": {"count","rate"},
 *                "http_req_failed": {"passes","fails","value"},
 *                "http_req_duration{name:GET /x}": {...}, ...}}
 *   {"metrics": {"http_req_duration": {"type":"trend","contains":"time",
 *                                      "values": {"avg":..,"p(95)":..}}}}
 *
 * Each submetric tagged {name:...} (or {url:...}) becomes an endpoint of
 * its own, its requests and errors taken from http_reqs{same tags} and
 * http_req_failed{same tags} when the file has them (k6 exports a
 * submetric only when a threshold names it).  An endpoint without a
 * request count keeps no times: they could not be judged, and the results
 * document drops them.  The whole run (http_reqs, http_req_failed,
 * http_req_duration) is the document's whole_run, and what the endpoints
 * leave out of it is "HTTP (other requests)" (importer__whole_run); with
 * no endpoint counted, the whole run is endpoint "HTTP *".  A trend
 * statistic k6 did not export (p(99) unless summaryTrendStats asks for
 * it) stays absent.
 */
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "importer_internal.h"

/* The values of a metric: the object itself (legacy) or its "values". */
static json_t *metric_values(json_t *m)
{
    json_t *v = json_object_get(m, "values");

    return json_is_object(v) ? v : m;
}

/* "metrics[\"name\"]", what messages call a metric. */
static void metric_where(char *buf, size_t len, const char *metric)
{
    snprintf(buf, len, "metrics[\"%.120s\"]", metric);
}

/* An optional number member; errors name the metric and the key. */
static int opt_number(const struct importer__err *e, json_t *vals,
                      const char *metric, const char *key, bool *has,
                      double *out)
{
    char where[160];

    metric_where(where, sizeof(where), metric);
    return importer__json_num(e, vals, where, key, has, out);
}

static int opt_count(const struct importer__err *e, json_t *vals,
                     const char *metric, const char *key, bool *has,
                     uint64_t *out)
{
    char where[160];

    metric_where(where, sizeof(where), metric);
    return importer__json_count(e, vals, where, key, has, out);
}

/* The latency statistics of an http_req_duration (sub)metric. */
static int trend(const struct importer__err *e, json_t *m, const char *metric,
                 struct metrics_scalars *s)
{
    static const struct importer__scalar keys[] = {
        IMPORTER__SCALAR("med", p50),      IMPORTER__SCALAR("p(50)", p50),
        IMPORTER__SCALAR("p(75)", p75),    IMPORTER__SCALAR("p(90)", p90),
        IMPORTER__SCALAR("p(95)", p95),    IMPORTER__SCALAR("p(99)", p99),
        IMPORTER__SCALAR("p(99.9)", p999), IMPORTER__SCALAR("avg", avg),
        IMPORTER__SCALAR("min", min),      IMPORTER__SCALAR("max", max),
    };
    char where[160];

    metric_where(where, sizeof(where), metric);
    return importer__json_scalars(e, metric_values(m), where, keys,
                                  sizeof(keys) / sizeof(keys[0]), 1, s);
}

/* Requests from an http_reqs (sub)metric. */
static int req_count(const struct importer__err *e, json_t *reqs,
                     const char *name, uint64_t *requests)
{
    bool has = false;
    int rc = opt_count(e, metric_values(reqs), name, "count", &has, requests);

    if (!rc && !has)
        rc =
            importer__errorf(e, 0, 0, "metrics[\"%.120s\"] has no count", name);
    return rc;
}

/* Failed requests from an http_req_failed (sub)metric, a Rate: "passes"
 * counts the requests for which failed was true; without it, the rate
 * ("value", or "rate" in handleSummary files) times the requests. */
static int failed_count(const struct importer__err *e, json_t *failed,
                        const char *name, uint64_t requests, uint64_t *errors)
{
    json_t *fv = metric_values(failed);
    bool has = false;
    double rate = 0;
    int rc;

    *errors = 0;
    if ((rc = opt_count(e, fv, name, "passes", &has, errors)))
        return rc;
    if (!has) {
        if ((rc = opt_number(e, fv, name, "value", &has, &rate)))
            return rc;
        if (!has && (rc = opt_number(e, fv, name, "rate", &has, &rate)))
            return rc;
        if (has && rate > 1)
            return importer__errorf(e, 0, 0,
                                    "metrics[\"%.120s\"]: a failure rate "
                                    "above 1",
                                    name);
        *errors = (uint64_t)llround(rate * (double)requests);
    }
    return 0;
}

/*
 * The endpoint a submetric's tags name: "{name:GET /x}" -> label
 * "GET /x"; "{url:http://h/x,method:POST}" -> "POST http://h/x" (and
 * "{name:/x,method:GET}" -> "GET /x", as --out json names it; the
 * endpoint leaves the scheme and host out).
 * Returns a malloc'd label, NULL for tags that name no endpoint
 * (expected_response, status, ...) or out of memory (*nomem set).
 */
static char *tags_label(const char *tags, size_t len, bool *nomem)
{
    char *copy = malloc(len + 1), *name = NULL, *url = NULL, *method = NULL;
    char *label = NULL, *p, *last_val = NULL;

    *nomem = false;
    if (!copy) {
        *nomem = true;
        return NULL;
    }
    memcpy(copy, tags, len);
    copy[len] = '\0';
    /* k6 splits tags on ',' and each at its first ':'; a piece without a
     * ':' continues the previous value (a comma inside a name). */
    p = copy;
    while (p) {
        char *comma = strchr(p, ','), *colon;

        if (comma)
            *comma = '\0';
        colon = strchr(p, ':');
        if (colon) {
            *colon = '\0';
            last_val = colon + 1;
            if (strcmp(p, "name") == 0)
                name = last_val;
            else if (strcmp(p, "url") == 0)
                url = last_val;
            else if (strcmp(p, "method") == 0)
                method = last_val;
        } else if (last_val) {
            p[-1] = ','; /* undo the split at the comma before p */
        }
        p = comma ? comma + 1 : NULL;
    }
    if (name || url) {
        const char *v = name ? name : url;
        size_t vlen = strlen(v), mlen = method ? strlen(method) : 0;

        if (vlen >= 2 && v[0] == '"' && v[vlen - 1] == '"') {
            v++;
            vlen -= 2;
        }
        label = malloc(mlen + 1 + vlen + 1);
        if (!label) {
            *nomem = true;
        } else if (mlen) {
            memcpy(label, method, mlen);
            label[mlen] = ' ';
            memcpy(label + mlen + 1, v, vlen);
            label[mlen + 1 + vlen] = '\0';
        } else {
            memcpy(label, v, vlen);
            label[vlen] = '\0';
        }
    }
    free(copy);
    if (label && !*label) {
        free(label);
        label = NULL;
    }
    return label;
}

/* Splits "base{tags}" (k6's submetric name); false when key has no tags. */
static bool split_submetric(const char *key, size_t *base_len,
                            const char **tags, size_t *tags_len)
{
    const char *open = strchr(key, '{');
    size_t n = strlen(key);

    if (!open || n < 2 || key[n - 1] != '}')
        return false;
    *base_len = (size_t)(open - key);
    *tags = open + 1;
    *tags_len = (size_t)(key + n - 1 - *tags);
    return true;
}

/* The endpoint a submetric's tags name, created when new; NULL for tags
 * that name none (expected_response, status, ...). */
static int tagged_endpoint(const struct importer__err *e,
                           struct metrics_results *r, const char *tags,
                           size_t tags_len, struct metrics_endpoint **ep)
{
    bool nomem;
    char *label = tags_label(tags, tags_len, &nomem);
    int rc;

    *ep = NULL;
    if (!label)
        return nomem ? IMPORTER_ENOMEM : 0;
    rc = importer__endpoint_label(r, e, 0, label, ep);
    free(label);
    return rc;
}

/* Position of ep in r->endpoints. */
static size_t index_of(const struct metrics_results *r,
                       const struct metrics_endpoint *ep)
{
    size_t i = 0;

    while (i < r->n_endpoints && r->endpoints[i] != ep)
        i++;
    return i;
}

/* The endpoints of the submetrics; failed[i] tells whether endpoint i has
 * an http_req_failed submetric (failed has one slot per metric key, an
 * upper bound on the endpoints made here). */
static int submetrics(const struct importer__err *e, json_t *metrics,
                      struct metrics_results *r, bool *failed)
{
    static const char *const bases[] = {"http_req_duration", "http_reqs",
                                        "http_req_failed"};
    const char *key;
    json_t *m;
    int rc = 0;

    /* Two passes so that a failure rate finds its endpoint's count
     * whatever the order of the keys; endpoints are created in the file's
     * order (jansson keeps insertion order). */
    for (int pass = 0; pass < 2; pass++) {
        json_object_foreach(metrics, key, m)
        {
            size_t base_len, tags_len;
            const char *tags;
            int which = -1;
            struct metrics_endpoint *ep;

            if (!split_submetric(key, &base_len, &tags, &tags_len))
                continue;
            for (int i = 0; i < 3; i++)
                if (strlen(bases[i]) == base_len &&
                    strncmp(key, bases[i], base_len) == 0)
                    which = i;
            if (which < 0 || (pass == 0) != (which < 2))
                continue;
            if (!json_is_object(m))
                return importer__errorf(e, 0, 0,
                                        "metrics[\"%.120s\"]: expected an "
                                        "object",
                                        key);
            if ((rc = tagged_endpoint(e, r, tags, tags_len, &ep)))
                return rc;
            if (!ep)
                continue;
            if (which == 0) {
                rc = trend(e, m, key, &ep->scalars);
            } else if (which == 1) {
                rc = req_count(e, m, key, &ep->requests);
            } else {
                failed[index_of(r, ep)] = true;
                rc = failed_count(e, m, key, ep->requests, &ep->errors);
                ep->err_class[METRICS_ERR_OTHER] = ep->errors;
                if (!rc && ep->requests && ep->errors > ep->requests)
                    rc = importer__errorf(e, 0, 0,
                                          "metrics[\"%.120s\"]: %" PRIu64
                                          " failed requests out of %" PRIu64,
                                          key, ep->errors, ep->requests);
            }
            if (rc)
                return rc;
        }
    }
    return 0;
}

/*
 * Endpoints k6 gave no usable numbers for.  Times without a request count
 * cannot be judged (how many samples?) and a results document keeps none
 * for an endpoint without requests: drop them here too, so a run gates the
 * same before and after it is saved.  An endpoint with a count and no
 * http_req_failed{...} in a run that had failures has unknown failures:
 * its requests stay in the whole run only, not guessed as successes.
 */
static int unusable(struct metrics_results *r, uint64_t run_errors,
                    const bool *failed)
{
    char text[400];

    for (size_t i = 0; i < r->n_endpoints; i++) {
        struct metrics_endpoint *ep = r->endpoints[i];
        char name[200];

        if (ep->requests && !failed[i] && run_errors) {
            metrics_endpoint_name(ep, name, sizeof(name));
            snprintf(text, sizeof(text),
                     "k6 exported no http_req_failed{...} for %s: its "
                     "failures are unknown, so its requests are judged "
                     "only within the whole run. A threshold on "
                     "http_req_failed{name:...} exports it.",
                     name);
            if (metrics_results_add_recommendation(r, text))
                return IMPORTER_ENOMEM;
            ep->requests = 0;
        }
        if (!ep->requests) {
            ep->errors = 0;
            memset(ep->err_class, 0, sizeof(ep->err_class));
            memset(&ep->scalars, 0, sizeof(ep->scalars));
        }
    }
    return 0;
}

int importer__k6(const char *text, size_t len, const struct importer__err *e,
                 struct metrics_results *r)
{
    json_t *root = NULL, *metrics, *reqs, *dur, *failed, *state, *vus;
    struct importer__counts *all = NULL;
    struct metrics_scalars whole = {0};
    bool *has_failed = NULL;
    double rate = 0, users = 0;
    bool has = false;
    int rc;

    /* k6's --out json is JSON lines of Metric and Point objects */
    root = importer__json_first(text, len);
    if (root && importer__is_k6_line(root)) {
        json_decref(root);
        return importer__k6_points(text, len, e, r);
    }
    json_decref(root);
    if ((rc = importer__json_load(e, text, len, 1, &root)))
        return rc;
    metrics = json_object_get(root, "metrics");
    if (!json_is_object(metrics)) {
        rc = importer__errorf(e, 0, 0,
                              "no \"metrics\" object: not a k6 "
                              "--summary-export file");
        goto out;
    }
    reqs = json_object_get(metrics, "http_reqs");
    dur = json_object_get(metrics, "http_req_duration");
    failed = json_object_get(metrics, "http_req_failed");
    if (!json_is_object(reqs)) {
        rc = importer__errorf(e, 0, 0,
                              "no metrics[\"http_reqs\"] object: the run "
                              "made no HTTP request");
        goto out;
    }
    if ((dur && !json_is_object(dur)) || (failed && !json_is_object(failed))) {
        rc = importer__errorf(e, 0, 0, "metrics[\"%s\"]: expected an object",
                              dur && !json_is_object(dur) ? "http_req_duration"
                                                          : "http_req_failed");
        goto out;
    }

    all = calloc(1, sizeof(*all));
    has_failed = calloc(json_object_size(metrics) + 1, sizeof(*has_failed));
    if (!all || !has_failed) {
        rc = IMPORTER_ENOMEM;
        goto out;
    }
    if ((rc = req_count(e, reqs, "http_reqs", &all->requests)))
        goto out;
    if (failed && (rc = failed_count(e, failed, "http_req_failed",
                                     all->requests, &all->errors)))
        goto out;
    if (all->errors > all->requests) {
        rc = importer__errorf(e, 0, 0,
                              "metrics[\"http_req_failed\"]: %" PRIu64
                              " failed requests out of %" PRIu64,
                              all->errors, all->requests);
        goto out;
    }
    /* k6 counts failures by its expected-status rule and network errors
     * alike, without saying which. */
    all->err_class[METRICS_ERR_OTHER] = all->errors;
    if (dur && (rc = trend(e, dur, "http_req_duration", &whole)))
        goto out;

    if ((rc = opt_number(e, metric_values(reqs), "http_reqs", "rate", &has,
                         &rate)))
        goto out;
    if (has && rate > 0) {
        r->duration_s = (double)all->requests / rate;
    } else {
        /* handleSummary files carry the run's length */
        state = json_object_get(root, "state");
        if ((rc = opt_number(e, state, "state", "testRunDurationMs", &has,
                             &rate)))
            goto out;
        r->duration_s = has ? rate / 1000.0 : 0.0;
    }
    vus = json_object_get(metrics, "vus_max");
    if (json_is_object(vus)) {
        json_t *vv = metric_values(vus);

        if ((rc = opt_number(e, vv, "vus_max", "max", &has, &users)))
            goto out;
        if (!has && (rc = opt_number(e, vv, "vus_max", "value", &has, &users)))
            goto out;
        if (has && users <= 1e9)
            r->concurrent_users = (uint64_t)users;
    }
    if ((rc = submetrics(e, metrics, r, has_failed)) ||
        (rc = unusable(r, all->errors, has_failed)))
        goto out;
    rc = importer__whole_run(r, e, all, &whole, "*");
out:
    free(all);
    free(has_failed);
    json_decref(root);
    return rc;
}
