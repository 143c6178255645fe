/* The profile's http: key: the HTTP version and, for HTTP/2, how the
 * users are spread over connections.
 *
 *   http: 2                 # or 1.1 (the default), auto
 *   http: {version: 2, connections: 10, max_streams: 10}
 *
 * Called from loader_profile.c's walk of the top level
 * (loader__profile_http()); the keys are in the schema test's tables
 * through loader__profile_keys("http"). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "loader_profile_internal.h"

static const char *const http_keys[] = {"version", "connections",
                                        "max_streams"};
#define N_HTTP_KEYS (sizeof(http_keys) / sizeof(*http_keys))

/* The most connections or streams per connection a profile may ask for. */
#define HTTP_MAX_COUNT 1000000ull

const char *const *loader__profile_http_keys(size_t *n) {
    *n = N_HTTP_KEYS;
    return http_keys;
}

__attribute__((format(printf, 3, 4))) static int
fail(struct loader_error *err, const struct loader__yaml_node *n,
     const char *fmt, ...) {
    va_list ap;

    err->line = n ? n->line : 0;
    err->col = n ? n->col : 0;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
    return LOADER_EPROFILE;
}

/* The scalar n after ${ENV} expansion (*out malloc'd). */
static int scalar(const struct loader__yaml_node *n, const char *what,
                  char **out, bool *expanded, struct loader_error *err) {
    char msg[400];
    int rc;

    *out = NULL;
    if (n->type != LOADER__YAML_SCALAR)
        return fail(err, n, "'%s' must be a single value, not %s", what,
                    loader__yaml_kind(n));
    if (memchr(n->str, '\0', n->len))
        return fail(err, n, "'%s': a NUL character is not allowed", what);
    rc = loader__env_expand(n->str, n->len, out, expanded, msg, sizeof(msg));
    if (rc == LOADER_EPROFILE)
        return fail(err, n, "'%s': %s", what, msg);
    return rc;
}

/* What a wrong value is said to be: quoted, unless it came from the
 * environment (it may be a secret). */
static const char *shown(const char *s, bool expanded, char *buf, size_t len) {
    char q[72];

    if (expanded)
        return "a value from ${...}";
    loader__quote(s, strlen(s), q, sizeof(q));
    snprintf(buf, len, "'%s'", q);
    return buf;
}

static int version_of(const struct loader__yaml_node *n,
                      enum loader_http_version *out, struct loader_error *err) {
    char *s = NULL, buf[80];
    bool expanded = false;
    int rc = scalar(n, "http", &s, &expanded, err);

    if (rc)
        return rc;
    if (strcmp(s, "1.1") == 0)
        *out = LOADER_HTTP_1_1;
    else if (strcmp(s, "2") == 0 || strcmp(s, "2.0") == 0)
        *out = LOADER_HTTP_2;
    else if (strcmp(s, "auto") == 0)
        *out = LOADER_HTTP_AUTO;
    else
        rc = fail(err, n, "'http' must be 1.1, 2 or auto, not %s",
                  shown(s, expanded, buf, sizeof(buf)));
    free(s);
    return rc;
}

static int count_of(const struct loader__yaml_node *n, const char *what,
                    unsigned *out, struct loader_error *err) {
    char *s = NULL, *end = NULL, buf[80];
    unsigned long long v = 0;
    bool expanded = false, ok;
    int rc = scalar(n, what, &s, &expanded, err);

    if (rc)
        return rc;
    errno = 0;
    ok = s[0] >= '0' && s[0] <= '9';
    if (ok)
        v = strtoull(s, &end, 10);
    ok = ok && *end == '\0' && errno == 0 && v >= 1 && v <= HTTP_MAX_COUNT;
    if (ok)
        *out = (unsigned)v;
    else
        rc = fail(err, n, "'%s' must be a whole number from 1 to %llu, not %s",
                  what, HTTP_MAX_COUNT, shown(s, expanded, buf, sizeof(buf)));
    free(s);
    return rc;
}

/* Unknown keys of the map form, with a suggestion when one is close. */
static int known_keys(const struct loader__yaml_node *map,
                      struct loader_error *err) {
    for (size_t i = 0; i + 1 < map->n; i += 2) {
        const struct loader__yaml_node *k = map->items[i];
        const char *near = NULL;
        char name[72];

        for (size_t j = 0; j < N_HTTP_KEYS && k; j++)
            if (k->len == strlen(http_keys[j]) &&
                memcmp(k->str, http_keys[j], k->len) == 0)
                k = NULL;
        if (!k)
            continue;
        for (size_t j = 0; j < N_HTTP_KEYS && strlen(k->str) == k->len; j++)
            if (loader__levenshtein(k->str, http_keys[j], 2) <= 2)
                near = http_keys[j];
        loader__quote(map->items[i]->str, map->items[i]->len, name,
                      sizeof(name));
        if (near)
            return fail(err, map->items[i],
                        "unknown key '%s' in http; did you mean '%s'?", name,
                        near);
        return fail(err, map->items[i],
                    "unknown key '%s' in http (expected one of: version, "
                    "connections, max_streams)",
                    name);
    }
    return 0;
}

static const struct loader__yaml_node *
value_of(const struct loader__yaml_node *map, const char *key) {
    for (size_t i = 0; i + 1 < map->n; i += 2)
        if (map->items[i]->len == strlen(key) &&
            memcmp(map->items[i]->str, key, map->items[i]->len) == 0)
            return map->items[i + 1];
    return NULL;
}

int loader__profile_http(const struct loader__yaml_node *v,
                         struct loader_profile *p, struct loader_error *err) {
    const struct loader__yaml_node *n, *counts = NULL;
    struct loader_http h = {LOADER_HTTP_1_1, 0, 0};
    int rc;

    if (v->type == LOADER__YAML_SCALAR) {
        if ((rc = version_of(v, &h.version, err)))
            return rc;
        p->http = h;
        return 0;
    }
    if (v->type != LOADER__YAML_MAP)
        return fail(err, v,
                    "'http' must be 1.1, 2, auto or a map like {version: 2, "
                    "connections: 10}, not %s",
                    loader__yaml_kind(v));
    if ((rc = known_keys(v, err)))
        return rc;
    if (!(n = value_of(v, "version")))
        return fail(err, v, "'http' needs a 'version': 1.1, 2 or auto");
    if ((rc = version_of(n, &h.version, err)))
        return rc;
    if ((n = value_of(v, "connections"))) {
        counts = n;
        if ((rc = count_of(n, "connections", &h.connections, err)))
            return rc;
    }
    if ((n = value_of(v, "max_streams"))) {
        counts = counts ? counts : n;
        if ((rc = count_of(n, "max_streams", &h.max_streams, err)))
            return rc;
    }
    if (counts && h.version == LOADER_HTTP_1_1)
        return fail(err, counts,
                    "'connections' and 'max_streams' are for HTTP/2: with "
                    "HTTP/1.1 each user has a connection of its own");
    p->http = h;
    return 0;
}

struct json_t *loader__profile_http_json(const struct loader_http *h) {
    static const char *const names[] = {"1.1", "2", "auto"};

    return json_pack("{s:s, s:I, s:I}", "version", names[h->version],
                     "connections", (json_int_t)h->connections, "max_streams",
                     (json_int_t)h->max_streams);
}
