/* The profile's http: key: the HTTP version and, for HTTP/2, how the
 * users are spread over connections.
 *
 *   http: 2                 # or 1.1 (the default), auto
 *   http: {version: 2, connections: 10, max_streams: 10}
 *
 * Called from profile.c's walk of the top level
 * (profile__http()); the keys are in the schema test's tables
 * through profile__keys("http"). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "profile_internal.h"

static const char *const http_keys[] = {"version", "connections",
                                        "max_streams"};
#define N_HTTP_KEYS (sizeof(http_keys) / sizeof(*http_keys))

/* The most connections or streams per connection a profile may ask for. */
#define HTTP_MAX_COUNT 1000000ull

const char *const *profile__http_keys(size_t *n)
{
    *n = N_HTTP_KEYS;
    return http_keys;
}

__attribute__((format(printf, 3, 4))) static int
fail(struct profile_error *err, const struct profile__yaml_node *n,
     const char *fmt, ...)
{
    va_list ap;

    err->line = n ? n->line : 0;
    err->col = n ? n->col : 0;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
    return PROFILE_EPROFILE;
}

static int version_of(const struct profile__yaml_node *n,
                      enum loader_http_version *out, struct profile_error *err)
{
    char *s = NULL, q[72];
    bool expanded = false;
    int rc = profile__text(n, "http", &s, &expanded, err);

    if (rc)
        return rc;
    if (loader_http_version_parse(s, out) == 0)
        ;              /* one of the three */
    else if (expanded) /* it may be a secret: not quoted */
        rc = fail(err, n,
                  "'http' must be 1.1, 2 or auto (the value comes "
                  "from ${...}: not shown)");
    else {
        profile__quote(s, strlen(s), q, sizeof(q));
        rc = fail(err, n, "'http' must be 1.1, 2 or auto, not '%s'", q);
    }
    free(s);
    return rc;
}

static int count_of(const struct profile__yaml_node *n, const char *what,
                    unsigned *out, struct profile_error *err)
{
    unsigned long long v = 0;
    int rc = profile__uint(n, what, 1, HTTP_MAX_COUNT, &v, err);

    if (!rc)
        *out = (unsigned)v;
    return rc;
}

int profile__http(const struct profile__yaml_node *v, struct loader_plan *p,
                  struct profile_error *err)
{
    const struct profile__yaml_node *n, *counts = NULL;
    struct loader_http h = {LOADER_HTTP_1_1, 0, 0};
    int rc;

    if (v->type == PROFILE__YAML_SCALAR) {
        if ((rc = version_of(v, &h.version, err)))
            return rc;
        p->http = h;
        return 0;
    }
    if (v->type != PROFILE__YAML_MAP)
        return fail(err, v,
                    "'http' must be 1.1, 2, auto or a map like {version: 2, "
                    "connections: 10}, not %s",
                    profile__yaml_kind(v));
    if ((rc = profile__check_keys(v, http_keys, N_HTTP_KEYS, "http", err)))
        return rc;
    if (!(n = profile__find(v, "version")))
        return fail(err, v, "'http' needs a 'version': 1.1, 2 or auto");
    if ((rc = version_of(n, &h.version, err)))
        return rc;
    if ((n = profile__find(v, "connections"))) {
        counts = n;
        if ((rc = count_of(n, "connections", &h.connections, err)))
            return rc;
    }
    if ((n = profile__find(v, "max_streams"))) {
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

struct json_t *profile__http_json(const struct loader_http *h)
{
    static const char *const names[] = {"1.1", "2", "auto"};

    return json_pack("{s:s, s:I, s:I}", "version", names[h->version],
                     "connections", (json_int_t)h->connections, "max_streams",
                     (json_int_t)h->max_streams);
}
