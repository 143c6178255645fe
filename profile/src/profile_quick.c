/* `loadgate quick URL`: a one-step profile built from command-line
 * arguments instead of YAML, hashed like any other profile. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "profile_internal.h"

__attribute__((format(printf, 2, 3))) static int
inval(struct profile_error *err, const char *fmt, ...)
{
    va_list ap;

    err->line = err->col = 0;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
    return PROFILE_EINVAL;
}

static int method_of(const char *m, char **out)
{
    static const char *const known[] = {"GET",   "POST",   "PUT",
                                        "PATCH", "DELETE", "HEAD"};

    for (size_t i = 0; i < sizeof(known) / sizeof(*known); i++)
        if (strcasecmp(m, known[i]) == 0) {
            *out = strdup(known[i]);
            return *out ? 0 : PROFILE_ENOMEM;
        }
    return PROFILE_EINVAL;
}

/* "K: V" into kv; the value loses the spaces around it. */
static int header_of(const char *h, struct loader_kv *kv,
                     struct profile_error *err)
{
    const char *colon = strchr(h, ':'), *v;
    size_t vlen;
    char q[72];

    profile__quote(h, strlen(h), q, sizeof(q));
    if (!colon)
        return inval(err, "header '%s' has no ':'; write it as 'Name: value'",
                     q);
    kv->key = strndup(h, (size_t)(colon - h));
    if (!kv->key)
        return PROFILE_ENOMEM;
    if (!profile__header_name_ok(kv->key))
        return inval(err, "header '%s' has a bad name before ':'", q);
    for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
        ;
    vlen = strlen(v);
    while (vlen > 0 && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
        vlen--;
    if (strpbrk(v, "\r\n"))
        return inval(err, "header '%s': a value cannot contain line breaks",
                     kv->key);
    kv->value = strndup(v, vlen);
    if (!kv->value)
        return PROFILE_ENOMEM;
    kv->secret = profile__header_name_secret(kv->key);
    return 0;
}

/* A body that is a JSON object or array goes out as application/json
 * unless a Content-Type was given, as curl --json would do. */
static bool looks_json(const char *body, const struct loader_step *st)
{
    json_t *j;
    bool yes;

    for (size_t i = 0; i < st->n_headers; i++)
        if (strcasecmp(st->headers[i].key, "Content-Type") == 0)
            return false;
    j = json_loads(body, 0, NULL);
    yes = j && (json_is_object(j) || json_is_array(j));
    json_decref(j);
    return yes;
}

int profile_quick(const struct profile_quick *q, struct profile **out,
                  struct profile_error *err)
{
    struct profile_error local;
    struct profile *prof = NULL;
    struct loader_plan *p = NULL;
    struct loader_step *st;
    const char *why = NULL;
    size_t path_at;
    char u[72];
    int rc = PROFILE_ENOMEM;

    if (!err)
        err = &local;
    memset(err, 0, sizeof(*err));
    if (!q || !out || !q->url)
        return inval(err, "no URL given");
    *out = NULL;
    profile__quote(q->url, strlen(q->url), u, sizeof(u));
    if (profile__split_url(q->url, &path_at, &why))
        return inval(err, "URL '%s' %s: expected http(s)://host[:port][/path]",
                     u, why);
    if (q->requests == 0 && !(q->duration_s > 0))
        return inval(err, "give a number of requests or a duration");
    if (q->duration_s < 0 || q->rate < 0)
        return inval(err, "a duration or rate cannot be negative");

    prof = calloc(1, sizeof(*prof));
    if (!prof || !(p = prof->plan = calloc(1, sizeof(*p))))
        goto out;
    prof->version = 1;
    prof->path = strdup("quick");
    p->timeout_s = 10;
    p->name = strdup("quick");
    p->target = strndup(q->url, path_at);
    p->scenarios = calloc(1, sizeof(*p->scenarios));
    if (!prof->path || !p->name || !p->target || !p->scenarios)
        goto out;
    p->n_scenarios = 1;
    p->scenarios[0].name = strdup("quick");
    p->scenarios[0].weight = 1;
    p->scenarios[0].steps = calloc(1, sizeof(*st));
    if (!p->scenarios[0].name || !p->scenarios[0].steps)
        goto out;
    p->scenarios[0].n_steps = 1;
    st = &p->scenarios[0].steps[0];

    {
        /* the rest of the URL, without a fragment (never sent); a bare
         * query gets the "/" it hangs on */
        const char *rest = q->url + path_at;
        size_t n = strcspn(rest, "#");
        st->path = malloc(n + 2);
        if (!st->path)
            goto out;
        snprintf(st->path, n + 2, "%s%.*s", rest[0] == '/' ? "" : "/", (int)n,
                 rest);
    }
    rc = method_of(q->method ? q->method : "GET", &st->method);
    if (rc == PROFILE_EINVAL) {
        profile__quote(q->method, strlen(q->method), u, sizeof(u));
        rc = inval(err,
                   "method '%s' is not one of GET, POST, PUT, PATCH, "
                   "DELETE, HEAD",
                   u);
    }
    if (rc)
        goto out;
    rc = PROFILE_ENOMEM;
    if (q->n_headers) {
        st->headers = calloc(q->n_headers, sizeof(*st->headers));
        if (!st->headers)
            goto out;
    }
    for (size_t i = 0; i < q->n_headers; i++) {
        st->n_headers = i + 1;
        if ((rc = header_of(q->headers[i] ? q->headers[i] : "", &st->headers[i],
                            err)))
            goto out;
    }
    rc = PROFILE_ENOMEM;
    if (q->body) {
        st->body = strdup(q->body);
        if (!st->body)
            goto out;
        st->body_is_json = looks_json(st->body, st);
    }
    st->line = st->col = 0;

    p->load.users = q->concurrency ? q->concurrency : 1;
    p->load.requests = q->requests;
    p->load.duration_s = q->duration_s;
    p->load.rate = q->rate;
    p->load.model = q->rate > 0 ? LOADER_MODEL_OPEN : LOADER_MODEL_CLOSED;
    /* hashed as the profile's http: is: HTTP/2 is another measurement */
    p->http = q->http;
    rc = profile__hash(p);
    if (rc)
        goto out;
    /* after the hash: --engine never made a quick run's baseline another
     * profile's */
    p->engine = q->engine;
    if (loader_plan_check(p, err->msg, sizeof(err->msg))) {
        rc = PROFILE_EINVAL;
        goto out;
    }
    *out = prof;
    prof = NULL;
out:
    if (rc == PROFILE_ENOMEM)
        snprintf(err->msg, sizeof(err->msg), "%s", profile_strerror(rc));
    profile_free(prof);
    return rc;
}
