/*
 * importer: autocannon's `--json` result (autocannon 7 to 9):
 *
 *   {"url":"http://h/x","connections":10,"duration":3.02,
 *    "start":"2026-01-02T03:04:05.678Z","errors":0,"timeouts":0,
 *    "non2xx":0,"mismatches":0,"statusCodeStats":{"200":{"count":2785}},
 *    "latency":{"mean":10.28,"min":4,"max":34,"p50":10,"p75":12,"p90":15,
 *               "p97_5":18,"p99":21,"p99_9":26,"totalCount":2785,...},
 *    "requests":{"total":2785,"sent":2795,...}, ...}
 *
 * The whole run only, summary numbers (ms): p50, p75, p90, p99, p99.9,
 * mean, min and max (autocannon reports no p95).  Requests: the responses
 * (requests.total) and the connection errors (errors, timeouts among
 * them), which got none; failed: those errors, responses with a status
 * >= 400, and mismatched bodies when no response was a non-2xx (they
 * could be the same responses otherwise).  Users: connections.
 */
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "importer_internal.h"

static int latency(const struct importer__err *e, json_t *lat,
                   struct metrics_scalars *s)
{
    static const struct importer__scalar keys[] = {
        IMPORTER__SCALAR("p50", p50),    IMPORTER__SCALAR("p75", p75),
        IMPORTER__SCALAR("p90", p90),    IMPORTER__SCALAR("p99", p99),
        IMPORTER__SCALAR("p99_9", p999), IMPORTER__SCALAR("mean", avg),
        IMPORTER__SCALAR("min", min),    IMPORTER__SCALAR("max", max),
    };

    return importer__json_scalars(e, lat, "latency", keys,
                                  sizeof(keys) / sizeof(keys[0]), 1, s);
}

/* Responses by status: statusCodeStats {"200": {"count": n}}. */
static int statuses(const struct importer__err *e, json_t *stats,
                    struct importer__counts *all)
{
    const char *key;
    json_t *v;

    json_object_foreach(stats, key, v)
    {
        char where[80];
        int64_t status;
        uint64_t n = 0;
        bool has = false;
        int rc;

        snprintf(where, sizeof(where), "statusCodeStats[\"%.20s\"]", key);
        if (!importer__parse_i64(key, &status) || status < 100 ||
            status >= METRICS_STATUS_MAX)
            return importer__errorf(e, 0, 0, "%s: not an HTTP status", where);
        if ((rc = importer__json_count(e, v, where, "count", &has, &n)))
            return rc;
        all->status[status] += n;
        if (importer__status_class((int)status) != METRICS_ERR_NONE) {
            all->errors += n;
            all->err_class[importer__status_class((int)status)] += n;
        }
    }
    return 0;
}

int importer__autocannon(const char *text, size_t len,
                         const struct importer__err *e,
                         struct metrics_results *r)
{
    json_t *root = NULL, *lat, *reqs, *stats;
    struct importer__counts *all = NULL;
    struct metrics_scalars s;
    uint64_t responses = 0, errors = 0, timeouts = 0, non2xx = 0,
             mismatches = 0, connections = 0;
    double duration = 0;
    bool has;
    const char *url;
    int rc;

    if ((rc = importer__json_load(e, text, len, 1, &root)))
        return rc;
    lat = json_object_get(root, "latency");
    reqs = json_object_get(root, "requests");
    stats = json_object_get(root, "statusCodeStats");
    if (!json_is_object(lat) || !json_is_object(reqs)) {
        rc = importer__errorf(e, 0, 0,
                              "no \"latency\" and \"requests\" objects: not "
                              "autocannon's --json result");
        goto out;
    }
    all = calloc(1, sizeof(*all));
    if (!all) {
        rc = IMPORTER_ENOMEM;
        goto out;
    }
    if ((rc = importer__json_count(e, reqs, "requests", "total", &has,
                                   &responses)) ||
        (rc = importer__json_count(e, root, "", "errors", &has, &errors)) ||
        (rc = importer__json_count(e, root, "", "timeouts", &has, &timeouts)) ||
        (rc = importer__json_count(e, root, "", "non2xx", &has, &non2xx)) ||
        (rc = importer__json_count(e, root, "", "mismatches", &has,
                                   &mismatches)) ||
        (rc = importer__json_count(e, root, "", "connections", &has,
                                   &connections)) ||
        (rc = importer__json_num(e, root, "", "duration", &has, &duration)) ||
        (rc = latency(e, lat, &s)))
        goto out;
    if (stats && !json_is_object(stats)) {
        rc = importer__errorf(e, 0, 0, "statusCodeStats: expected an object");
        goto out;
    }
    if ((rc = statuses(e, stats, all)))
        goto out;
    if (timeouts > errors)
        timeouts = errors;
    all->requests = responses + errors;
    all->errors += errors;
    all->err_class[METRICS_ERR_TIMEOUT] += timeouts;
    all->err_class[METRICS_ERR_OTHER] += errors - timeouts;
    if (non2xx == 0 && mismatches <= responses - (all->errors - errors)) {
        all->errors += mismatches;
        all->err_class[METRICS_ERR_EXPECT] += mismatches;
    }
    if (!all->requests) {
        rc = importer__errorf(e, 0, 0,
                              "requests.total is 0: the run made "
                              "no request");
        goto out;
    }
    r->duration_s = duration;
    r->concurrent_users = connections <= 1000000000 ? connections : 0;
    if ((rc = importer__set_start_time(
             r, json_string_value(json_object_get(root, "start")))))
        goto out;
    url = json_string_value(json_object_get(root, "url"));
    rc =
        importer__whole_run(r, e, all, &s, url ? importer__url_path(url) : "*");
out:
    free(all);
    json_decref(root);
    return rc;
}
