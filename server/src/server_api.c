/* The HTTP API: routing, validation and the store behind it. */
#include <jansson.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "metrics.h"
#include "server_internal.h"

#ifndef LOADGATE_VERSION
#define LOADGATE_VERSION "unknown"
#endif

#define CT_JSON "application/json"
#define CT_TEXT "text/plain; charset=utf-8"
#define NAME_RULE "1..64 characters from [A-Za-z0-9._-], not starting with '.'"

enum route { ROUTE_NONE, ROUTE_SAVE, ROUTE_LIST, ROUTE_ONE, ROUTE_INFO };

void server__reply_release(struct server__reply *r)
{
    free(r->body);
    free(r->location);
    memset(r, 0, sizeof(*r));
}

/* Steals doc.  Returns 0 or SERVER_ENOMEM. */
static int reply_json(struct server__reply *r, unsigned status, json_t *doc)
{
    char *text = NULL;
    size_t n;

    if (doc == NULL)
        return SERVER_ENOMEM;
    text = json_dumps(doc, JSON_INDENT(2));
    json_decref(doc);
    if (text == NULL)
        return SERVER_ENOMEM;
    n = strlen(text);
    /* a final newline, for people reading answers with curl */
    char *t = realloc(text, n + 2);
    if (t == NULL) {
        free(text);
        return SERVER_ENOMEM;
    }
    t[n] = '\n';
    t[n + 1] = '\0';
    free(r->body);
    r->body = t;
    r->len = n + 1;
    r->status = status;
    r->content_type = CT_JSON;
    return 0;
}

int server__reply_error(struct server__reply *r, unsigned status,
                        const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    /* Messages may quote what a client sent: keep them printable ASCII
     * so that they are always valid JSON strings. */
    for (char *p = msg; *p != '\0'; p++)
        if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
            *p = '?';
    return reply_json(r, status, json_pack("{s:s}", "error", msg));
}

/* 400 for a name that is not a baseline name. */
static int bad_name(struct server__reply *r, const char *name)
{
    return server__reply_error(r, 400, "invalid baseline name '%.80s': %s",
                               name, NAME_RULE);
}

static enum route route_of(const char *path, const char **id)
{
    static const char prefix[] = SERVER_API_PREFIX;
    static const char one[] = "/baselines/";
    size_t n = strlen(path);
    const char *rest;

    *id = NULL;
    if (strncmp(path, prefix, sizeof(prefix) - 1) != 0)
        return ROUTE_NONE;
    rest = path + sizeof(prefix) - 1;
    n -= sizeof(prefix) - 1;
    /* one trailing slash is forgiven */
    if (n > 1 && rest[n - 1] == '/')
        n--;
    if (n == 9 && strncmp(rest, "/baseline", 9) == 0)
        return ROUTE_SAVE;
    if (n == 10 && strncmp(rest, "/baselines", 10) == 0)
        return ROUTE_LIST;
    if (n == 5 && strncmp(rest, "/info", 5) == 0)
        return ROUTE_INFO;
    if (n > sizeof(one) - 1 && strncmp(rest, one, sizeof(one) - 1) == 0) {
        *id = rest + sizeof(one) - 1;
        return ROUTE_ONE;
    }
    return ROUTE_NONE;
}

static bool is_read(const char *method)
{
    return strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
}

bool server__api_precheck(const struct server__api *api,
                          const struct server__request *req,
                          struct server__reply *r)
{
    const char *id;
    enum route rt = route_of(req->path, &id);
    int rc = 0;

    if (rt == ROUTE_NONE) {
        rc = server__reply_error(r, 404, "no such endpoint: %.200s", req->path);
    } else if (rt == ROUTE_SAVE && strcmp(req->method, "POST") != 0) {
        rc = server__reply_error(r, 405,
                                 "%.16s not allowed on %.200s: use "
                                 "POST",
                                 req->method, req->path);
        r->allow = "POST";
    } else if (rt != ROUTE_SAVE && !is_read(req->method)) {
        rc = server__reply_error(r, 405,
                                 "%.16s not allowed on %.200s: use "
                                 "GET",
                                 req->method, req->path);
        r->allow = "GET, HEAD";
    } else if (rt == ROUTE_SAVE && api->token != NULL &&
               !server__auth_ok(req->auth, api->token)) {
        rc = server__reply_error(r, 401, "%s",
                                 req->auth == NULL
                                     ? "this server needs "
                                       "'Authorization: Bearer <token>' "
                                       "for writes"
                                     : "invalid bearer token");
        r->www_authenticate = "Bearer realm=\"loadgate\"";
    } else {
        return false;
    }
    if (rc < 0)
        server__reply_release(r); /* the caller answers 500 */
    return true;
}

static int handle_save(const struct server__api *api,
                       const struct server__request *req,
                       struct server__reply *r)
{
    json_error_t jerr;
    json_t *doc = NULL, *jname, *jres;
    char *text = NULL;
    const char *name;
    struct metrics_results *res = NULL;
    char err[512] = "";
    int rc;

    doc = json_loadb(req->body != NULL ? req->body : "", req->len, 0, &jerr);
    if (doc == NULL) {
        rc = server__reply_error(r, 400,
                                 "invalid JSON at line %d, column "
                                 "%d: %s",
                                 jerr.line, jerr.column, jerr.text);
        goto out;
    }
    if (!json_is_object(doc)) {
        rc = server__reply_error(r, 400,
                                 "the body must be a JSON object "
                                 "{\"baseline_name\": NAME, \"results\": "
                                 "{...}}");
        goto out;
    }
    jname = json_object_get(doc, "baseline_name");
    if (!json_is_string(jname)) {
        rc = server__reply_error(r, 400,
                                 "missing \"baseline_name\": a "
                                 "string, %s",
                                 NAME_RULE);
        goto out;
    }
    name = json_string_value(jname);
    if (strlen(name) != json_string_length(jname) ||
        !compare_name_valid(name)) {
        rc = bad_name(r, name);
        goto out;
    }
    jres = json_object_get(doc, "results");
    if (!json_is_object(jres)) {
        rc = server__reply_error(r, 400,
                                 "missing \"results\": a loadgate "
                                 "results document (schema %s)",
                                 METRICS_SCHEMA);
        goto out;
    }
    /* The results parser is the one judge of what a results document
     * is, so it sees exactly what a file on disk would hold. */
    text = json_dumps(jres, JSON_COMPACT);
    if (text == NULL) {
        rc = SERVER_ENOMEM;
        goto out;
    }
    rc = metrics_results_parse(text, strlen(text), &res, err, sizeof(err));
    if (rc == METRICS_ENOMEM) {
        rc = SERVER_ENOMEM;
        goto out;
    }
    if (rc < 0) {
        rc = server__reply_error(r, 400, "results: %s",
                                 err[0] != '\0' ? err : metrics_strerror(rc));
        goto out;
    }

    pthread_mutex_lock((pthread_mutex_t *)api->write_lock);
    rc = compare_store_save(api->store, name, res, err, sizeof(err));
    pthread_mutex_unlock((pthread_mutex_t *)api->write_lock);
    if (rc == COMPARE_ENOMEM) {
        rc = SERVER_ENOMEM;
        goto out;
    }
    if (rc == COMPARE_ENAME) {
        rc = bad_name(r, name);
        goto out;
    }
    if (rc < 0) {
        rc = server__reply_error(r, 500, "cannot save baseline '%s': %s", name,
                                 err[0] != '\0' ? err : compare_strerror(rc));
        goto out;
    }

    char ts[32];
    if (res->timestamp == NULL) {
        metrics_format_utc(res->start_second, ts, sizeof(ts));
    } else {
        snprintf(ts, sizeof(ts), "%s", res->timestamp);
    }
    size_t loc_len = strlen(SERVER_API_PREFIX "/baselines/") + strlen(name) + 1;
    r->location = malloc(loc_len);
    if (r->location == NULL) {
        rc = SERVER_ENOMEM;
        goto out;
    }
    snprintf(r->location, loc_len, "%s/baselines/%s", SERVER_API_PREFIX, name);
    rc = reply_json(r, 201,
                    json_pack("{s:s, s:s, s:s}", "id", name, "baseline_name",
                              name, "timestamp", ts));
out:
    free(text);
    json_decref(doc);
    metrics_results_free(res);
    return rc;
}

/* The store's entries into *e and *n (0, *answered false); or, the store
 * unreadable, the 500 reply made or SERVER_ENOMEM (*answered true). */
static int list_store(const struct server__api *api, struct server__reply *r,
                      struct compare_store_entry **e, size_t *n, bool *answered)
{
    char err[512] = "";
    int rc = compare_store_list(api->store, e, n, err, sizeof(err));

    *answered = rc < 0;
    if (rc == COMPARE_ENOMEM)
        return SERVER_ENOMEM;
    if (rc < 0)
        return server__reply_error(r, 500, "cannot list the store: %s",
                                   err[0] != '\0' ? err : compare_strerror(rc));
    return 0;
}

static int handle_list(const struct server__api *api, struct server__reply *r)
{
    struct compare_store_entry *e = NULL;
    size_t n = 0;
    json_t *arr = NULL;
    bool answered;
    int rc = list_store(api, r, &e, &n, &answered);

    if (answered)
        return rc;
    arr = json_array();
    if (arr == NULL) {
        rc = SERVER_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        json_t *item =
            json_pack("{s:s, s:s, s:s?, s:I, s:{s:f}, s:s?}", "id", e[i].name,
                      "name", e[i].name, "timestamp", e[i].timestamp,
                      "total_requests", (json_int_t)e[i].total_requests,
                      "summary", "overall_p95_response_time", e[i].p95_ms,
                      "profile_sha256", e[i].profile_sha256);
        if (item == NULL || json_array_append_new(arr, item) < 0) {
            rc = SERVER_ENOMEM;
            goto out;
        }
    }
    rc = reply_json(
        r, 200,
        json_pack("{s:o, s:I}", "baselines", arr, "count", (json_int_t)n));
    arr = NULL; /* json_pack's "o" took it, even on failure */
out:
    json_decref(arr);
    compare_store_list_free(e, n);
    return rc;
}

static int text_of(const struct metrics_results *res, struct server__reply *r)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    int rc;

    if (f == NULL)
        return SERVER_ENOMEM;
    rc = server__text_report(res, f);
    if (fclose(f) != 0 && rc == 0)
        rc = SERVER_ENOMEM;
    if (rc < 0) {
        free(buf);
        return rc;
    }
    free(r->body);
    r->body = buf;
    r->len = len;
    r->status = 200;
    r->content_type = CT_TEXT;
    return 0;
}

static int handle_one(const struct server__api *api, const char *id,
                      const char *format, struct server__reply *r)
{
    struct metrics_results *res = NULL;
    char err[512] = "";
    char *text = NULL;
    int rc;

    if (format != NULL && strcmp(format, "json") != 0 &&
        strcmp(format, "text") != 0)
        return server__reply_error(r, 400,
                                   "unknown format '%.40s': json "
                                   "or text",
                                   format);
    if (!compare_name_valid(id))
        return bad_name(r, id);
    rc = compare_store_load(api->store, id, &res, err, sizeof(err));
    switch (rc) {
    case 0:
        break;
    case COMPARE_ENOMEM:
        return SERVER_ENOMEM;
    case COMPARE_ENOTFOUND:
        return server__reply_error(r, 404, "no baseline named '%s'", id);
    case COMPARE_ENAME:
        return bad_name(r, id);
    case COMPARE_ECORRUPT:
        return server__reply_error(r, 500, "baseline '%s' is corrupt: %s", id,
                                   err);
    default:
        return server__reply_error(r, 500, "cannot read baseline '%s': %s", id,
                                   err[0] != '\0' ? err : compare_strerror(rc));
    }

    if (format != NULL && strcmp(format, "text") == 0) {
        rc = text_of(res, r);
        goto out;
    }
    rc = metrics_results_dump(res, &text);
    if (rc < 0) {
        rc = SERVER_ENOMEM;
        goto out;
    }
    free(r->body);
    r->body = text;
    r->len = strlen(text);
    r->status = 200;
    r->content_type = CT_JSON;
    text = NULL;
out:
    free(text);
    metrics_results_free(res);
    return rc;
}

static int handle_info(const struct server__api *api, struct server__reply *r)
{
    struct compare_store_entry *e = NULL;
    size_t n = 0;
    bool answered;
    int rc = list_store(api, r, &e, &n, &answered);

    if (answered)
        return rc;
    compare_store_list_free(e, n);
    return reply_json(
        r, 200,
        json_pack("{s:s, s:s, s:s, s:I, s:s, s:[s], s:s, s:I, s:[s,s,s,s]}",
                  "service", "loadgate baseline service", "version",
                  LOADGATE_VERSION, "store", api->store, "baseline_count",
                  (json_int_t)n, "schema", METRICS_SCHEMA, "supported_schemas",
                  METRICS_SCHEMA, "auth",
                  api->token != NULL ? "bearer" : "none", "max_body_bytes",
                  (json_int_t)api->max_body, "endpoints",
                  "POST " SERVER_API_PREFIX "/baseline",
                  "GET " SERVER_API_PREFIX "/baselines",
                  "GET " SERVER_API_PREFIX "/baselines/{id}[?format=text]",
                  "GET " SERVER_API_PREFIX "/info"));
}

int server__api_handle(const struct server__api *api,
                       const struct server__request *req,
                       struct server__reply *r)
{
    const char *id;
    int rc;

    if (server__api_precheck(api, req, r))
        return r->body != NULL ? 0 : SERVER_ENOMEM;
    switch (route_of(req->path, &id)) {
    case ROUTE_SAVE:
        rc = handle_save(api, req, r);
        break;
    case ROUTE_LIST:
        rc = handle_list(api, r);
        break;
    case ROUTE_INFO:
        rc = handle_info(api, r);
        break;
    case ROUTE_ONE: {
        /* the id ends before a forgiven trailing slash */
        char name[80];
        size_t n = strlen(id);
        if (n > 0 && id[n - 1] == '/')
            n--;
        if (n >= sizeof(name) || memchr(id, '/', n) != NULL) {
            rc = bad_name(r, id);
            break;
        }
        memcpy(name, id, n);
        name[n] = '\0';
        rc = handle_one(api, name, req->format, r);
        break;
    }
    default:
        rc = server__reply_error(r, 404, "no such endpoint: %.200s", req->path);
        break;
    }
    if (rc < 0)
        server__reply_release(r);
    return rc;
}
