/*
 * importer: Gatling 3.x results, either file:
 *
 * - simulation.log (the text log of Gatling 3.0 to 3.11; 3.12 made it
 *   binary), tab-separated records, one per line:
 *
 *     RUN      class  simulationId  start(ms)  description  version
 *     USER     scenario  START|END  timestamp          (3.4+)
 *     USER     scenario  userId  START|END  start  end  (3.0-3.3)
 *     REQUEST  groups  name  start(ms)  end(ms)  OK|KO  message   (3.4+)
 *     REQUEST  userId  groups  name  start  end  OK|KO  message   (3.0-3.3)
 *     GROUP, ERROR, ASSERTION: not requests
 *
 *   Every request recorded (response time = end - start): real
 *   histograms and per-second timelines.  The endpoint is the request's
 *   name, after its groups ("group / name").  KO is a failure, classed
 *   by its message ("..., found 500": the status).  Users: the most
 *   started and not yet ended at once.
 *
 * - js/stats.json of the HTML report: summary numbers per request name,
 *   nested in groups, the whole run at the top:
 *
 *     {"type":"GROUP","name":"All Requests","stats":{
 *        "numberOfRequests":{"total":..,"ok":..,"ko":..},
 *        "minResponseTime":{"total":..}, "maxResponseTime", "meanResponseTime",
 *        "percentiles1".."percentiles4", "meanNumberOfRequestsPerSecond"},
 *      "contents":{"req_x":{"type":"REQUEST","name":..,"path":..,"stats":..},
 *                  "group_y":{"type":"GROUP",...,"contents":{...}}}}
 *
 *   percentiles1..4 are read as p50, p75, p95 and p99: Gatling's default
 *   charting.indicators.percentile1..4 (the file does not say which a
 *   changed configuration chose).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "importer_internal.h"

/* ---- simulation.log ------------------------------------------------------ */

#define MAX_FIELDS 10

struct log_state {
    struct metrics_results *r;
    const struct importer__err *e;
    struct importer__window window;
    uint64_t requests;
    int64_t users, max_users;
};

/* Why a KO failed, from its message: Gatling's check messages end with
 * "found NNN" for a status check; exceptions name themselves. */
static enum metrics_errclass ko_class(const char *msg, int *status)
{
    static const struct {
        const char *needle;
        enum metrics_errclass cls;
    } known[] = {
        {"UnknownHost", METRICS_ERR_DNS},
        {"UnresolvedAddress", METRICS_ERR_DNS},
        {"imeout", METRICS_ERR_TIMEOUT}, /* Timeout, timeout */
        {"Connection refused", METRICS_ERR_CONNECT},
        {"ConnectException", METRICS_ERR_CONNECT},
        {"Connection reset", METRICS_ERR_RESET},
        {"PrematureClose", METRICS_ERR_RESET},
        {"ClosedChannel", METRICS_ERR_RESET},
        {"SSL", METRICS_ERR_TLS},
        {"Handshake", METRICS_ERR_TLS},
    };
    const char *f = NULL;

    *status = 0;
    for (const char *p = msg; (p = strstr(p, "found ")) != NULL; p++)
        f = p + 6;
    if (f && f[0] >= '1' && f[0] <= '5' && f[1] >= '0' && f[1] <= '9' &&
        f[2] >= '0' && f[2] <= '9' && (f[3] < '0' || f[3] > '9')) {
        *status = (f[0] - '0') * 100 + (f[1] - '0') * 10 + (f[2] - '0');
        return importer__status_class(*status) != METRICS_ERR_NONE
                   ? importer__status_class(*status)
                   : METRICS_ERR_STATUS;
    }
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        if (strstr(msg, known[i].needle))
            return known[i].cls;
    return METRICS_ERR_EXPECT; /* a check that failed on a response */
}

static int log_time(const struct importer__err *e, size_t line,
                    const char *field, const char *what, int64_t *ms)
{
    if (!importer__parse_i64(field, ms) || *ms < 0 ||
        *ms > INT64_C(253402300799999))
        return importer__errorf(e, line, 0,
                                "%s: expected milliseconds since 1970, "
                                "found '%.40s'",
                                what, field);
    return 0;
}

static int request(struct log_state *st, size_t line, char **f, size_t n)
{
    /* 3.4+: REQUEST groups name start end status message; 3.0-3.3 have
     * the user's id before groups */
    size_t o = n == 7 ? 1 : 2;
    const char *groups, *name, *ok;
    int64_t start, end;
    struct metrics_endpoint *ep;
    enum metrics_errclass cls = METRICS_ERR_NONE;
    int status = 0, rc;
    bool response = true;
    char *label;

    if (n != 7 && n != 8)
        return importer__errorf(st->e, line, 0,
                                "a REQUEST record of %zu fields: Gatling "
                                "3.x writes 7 (3.4 and later) or 8",
                                n);
    groups = f[o];
    name = f[o + 1];
    ok = f[o + 4];
    if ((rc = log_time(st->e, line, f[o + 2], "start", &start)) ||
        (rc = log_time(st->e, line, f[o + 3], "end", &end)))
        return rc;
    if (end < start)
        return importer__errorf(st->e, line, 0, "ends before it starts");
    if (!*name)
        return importer__errorf(st->e, line, 0, "a request without a name");
    if (strcmp(ok, "KO") == 0) {
        cls = ko_class(f[o + 5], &status);
        /* no response to time: the connection failed */
        response = cls == METRICS_ERR_HTTP_5XX || cls == METRICS_ERR_STATUS ||
                   cls == METRICS_ERR_EXPECT;
    } else if (strcmp(ok, "OK") != 0) {
        return importer__errorf(st->e, line, 0,
                                "status: expected OK or KO, found '%.40s'", ok);
    }
    /* groups are written "a,b": the endpoint "a / b / name" */
    label = malloc(strlen(groups) * 3 + strlen(name) + 4);
    if (!label)
        return IMPORTER_ENOMEM;
    label[0] = '\0';
    for (const char *g = groups; *g; g++) {
        if (*g == ',')
            strcat(label, " / ");
        else
            strncat(label, g, 1);
    }
    if (*groups)
        strcat(label, " / ");
    strcat(label, name);
    rc = importer__endpoint_label(st->r, st->e, line, label, &ep);
    free(label);
    if (rc)
        return rc;
    st->requests++;
    return importer__record(&st->window, ep, start * 1000, response,
                            (uint64_t)(end - start) * 1000, status, cls);
}

static int user(struct log_state *st, char **f, size_t n)
{
    for (size_t i = 2; i < n; i++) {
        if (strcmp(f[i], "START") == 0) {
            if (++st->users > st->max_users)
                st->max_users = st->users;
            return 0;
        }
        if (strcmp(f[i], "END") == 0) {
            if (st->users > 0)
                st->users--;
            return 0;
        }
    }
    return 0;
}

/* A record name of printable ASCII (a binary log has none). */
static bool printable(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
            return false;
    return true;
}

static int simulation_log(const char *text, size_t len,
                          const struct importer__err *e,
                          struct metrics_results *r)
{
    struct log_state st = {r, e, {0, 0, false}, 0, 0, 0};
    struct importer__lines l;
    int rc;

    importer__window_init(&st.window, false);
    importer__lines_init(&l, text, len);
    while ((rc = importer__lines_next(&l, e)) == 1) {
        char *f[MAX_FIELDS], *p;
        size_t nf = 0;

        if (!l.n)
            continue;
        rc = 0;
        for (p = l.buf; nf < MAX_FIELDS; nf++) {
            f[nf] = p;
            p = strchr(p, '\t');
            if (!p) {
                nf++;
                break;
            }
            *p++ = '\0';
        }
        if (strcmp(f[0], "REQUEST") == 0) {
            rc = request(&st, l.line, f, p ? MAX_FIELDS + 1 : nf);
        } else if (strcmp(f[0], "USER") == 0) {
            rc = user(&st, f, nf);
        } else if (!printable(f[0])) {
            rc = importer__errorf(e, l.line, 0,
                                  "binary data: Gatling 3.12 and later write "
                                  "a binary simulation.log; give the "
                                  "report's js/stats.json instead");
        } else if (strcmp(f[0], "RUN") != 0 && strcmp(f[0], "GROUP") != 0 &&
                   strcmp(f[0], "ERROR") != 0 &&
                   strcmp(f[0], "ASSERTION") != 0) {
            rc = importer__errorf(e, l.line, 0,
                                  "a '%.20s' record: not Gatling 3.x's "
                                  "simulation.log (RUN, USER, REQUEST, "
                                  "GROUP, ERROR)",
                                  f[0]);
        }
        if (rc)
            goto out;
    }
    if (rc)
        goto out;
    if (!st.requests) {
        rc = importer__errorf(e, 0, 0,
                              "no REQUEST record: the simulation made no "
                              "request");
        goto out;
    }
    r->concurrent_users = (uint64_t)st.max_users;
    rc = importer__window_finish(&st.window, r);
out:
    importer__lines_release(&l);
    return rc;
}

/* ---- js/stats.json ------------------------------------------------------- */

/* stats.X.total */
static int total(const struct importer__err *e, json_t *stats, const char *path,
                 const char *key, bool *has, double *out)
{
    char where[300];

    snprintf(where, sizeof(where), "%.200s.stats.%s", path, key);
    return importer__json_num(e, json_object_get(stats, key), where, "total",
                              has, out);
}

static int stats_numbers(const struct importer__err *e, json_t *stats,
                         const char *path, struct importer__counts *c,
                         struct metrics_scalars *s, double *rps)
{
    char where[300];
    bool has = false;
    uint64_t ko = 0;
    int rc;

    memset(s, 0, sizeof(*s));
    if (!json_is_object(stats))
        return importer__errorf(e, 0, 0, "%.200s: no \"stats\" object", path);
    snprintf(where, sizeof(where), "%.200s.stats.numberOfRequests", path);
    if ((rc =
             importer__json_count(e, json_object_get(stats, "numberOfRequests"),
                                  where, "total", &has, &c->requests)) ||
        (rc =
             importer__json_count(e, json_object_get(stats, "numberOfRequests"),
                                  where, "ko", &has, &ko)))
        return rc;
    if (ko > c->requests)
        return importer__errorf(e, 0, 0, "%s: ko above total", where);
    c->errors = ko;
    c->err_class[METRICS_ERR_OTHER] = ko;
    if ((rc = total(e, stats, path, "percentiles1", &s->has_p50, &s->p50_ms)) ||
        (rc = total(e, stats, path, "percentiles2", &s->has_p75, &s->p75_ms)) ||
        (rc = total(e, stats, path, "percentiles3", &s->has_p95, &s->p95_ms)) ||
        (rc = total(e, stats, path, "percentiles4", &s->has_p99, &s->p99_ms)) ||
        (rc = total(e, stats, path, "meanResponseTime", &s->has_avg,
                    &s->avg_ms)) ||
        (rc = total(e, stats, path, "minResponseTime", &s->has_min,
                    &s->min_ms)) ||
        (rc =
             total(e, stats, path, "maxResponseTime", &s->has_max, &s->max_ms)))
        return rc;
    s->present =
        c->requests && (s->has_p50 || s->has_p75 || s->has_p95 || s->has_p99 ||
                        s->has_avg || s->has_min || s->has_max);
    if (!s->present)
        memset(s, 0, sizeof(*s));
    *rps = 0;
    return total(e, stats, path, "meanNumberOfRequestsPerSecond", &has, rps);
}

/* The requests of a group's contents, and of its groups' (depth-bounded:
 * Gatling nests groups a few levels deep). */
static int contents(const struct importer__err *e, json_t *group,
                    const char *path, int depth, struct metrics_results *r)
{
    json_t *items = json_object_get(group, "contents"), *item;
    const char *key;
    int rc;

    if (!items)
        return 0;
    if (!json_is_object(items) || depth > 64)
        return importer__errorf(e, 0, 0,
                                "%.200s.contents: expected an object "
                                "(nested at most 64 deep)",
                                path);
    json_object_foreach(items, key, item)
    {
        const char *type = json_string_value(json_object_get(item, "type"));
        const char *name = json_string_value(json_object_get(item, "path"));
        char where[300];
        struct importer__counts c = {0};
        struct metrics_scalars s;
        struct metrics_endpoint *ep;
        double rps;

        snprintf(where, sizeof(where), "%.150s.contents[\"%.80s\"]", path, key);
        if (!name || !*name)
            name = json_string_value(json_object_get(item, "name"));
        if (!type || !name || !*name)
            return importer__errorf(
                e, 0, 0, "%s: expected \"type\" and \"name\"", where);
        if (strcmp(type, "GROUP") == 0) {
            if ((rc = contents(e, item, where, depth + 1, r)))
                return rc;
            continue;
        }
        if (strcmp(type, "REQUEST") != 0)
            return importer__errorf(e, 0, 0,
                                    "%s: type '%.20s', expected REQUEST or "
                                    "GROUP",
                                    where, type);
        if ((rc = stats_numbers(e, json_object_get(item, "stats"), where, &c,
                                &s, &rps)) ||
            (rc = importer__endpoint_label(r, e, 0, name, &ep)))
            return rc;
        if (ep->requests)
            return importer__errorf(e, 0, 0,
                                    "%s: request '%.80s' appears "
                                    "twice",
                                    where, name);
        ep->requests = c.requests;
        ep->errors = c.errors;
        memcpy(ep->err_class, c.err_class, sizeof(ep->err_class));
        ep->scalars = s;
    }
    return 0;
}

static int stats_json(const char *text, size_t len,
                      const struct importer__err *e, struct metrics_results *r)
{
    json_t *root = NULL;
    struct importer__counts *all = NULL;
    struct metrics_scalars s;
    double rps = 0;
    int rc;

    if ((rc = importer__json_load(e, text, len, 1, &root)))
        return rc;
    all = calloc(1, sizeof(*all));
    if (!all) {
        rc = IMPORTER_ENOMEM;
        goto out;
    }
    /* messages name members from the document's root, "$" */
    if ((rc = stats_numbers(e, json_object_get(root, "stats"), "$", all, &s,
                            &rps)) ||
        (rc = contents(e, root, "$", 0, r)))
        goto out;
    if (!all->requests) {
        rc = importer__errorf(e, 0, 0,
                              "$.stats.numberOfRequests.total is 0: "
                              "the simulation made no request");
        goto out;
    }
    r->duration_s = rps > 0 ? (double)all->requests / rps : 0.0;
    rc = importer__whole_run(r, e, all, &s, "*");
out:
    free(all);
    json_decref(root);
    return rc;
}

int importer__gatling(const char *text, size_t len,
                      const struct importer__err *e, struct metrics_results *r)
{
    char c = importer__first_char(text, len);

    if (c == '{')
        return stats_json(text, len, e, r);
    if (c == '\0')
        return importer__errorf(e, 0, 0,
                                "empty file: expected Gatling's "
                                "simulation.log or js/stats.json");
    return simulation_log(text, len, e, r);
}
