/* json: bodies (a YAML value serialised as JSON) and the profile hash
 * (canonical JSON of the parts of a profile that shape the load). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "profile_internal.h"

/* YAML 1.2 core schema, as people read a plain scalar in a body. */
static bool is_null(const char *s)
{
    return !*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") ||
           !strcmp(s, "NULL");
}

static int is_bool(const char *s)
{
    if (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "TRUE"))
        return 1;
    if (!strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "FALSE"))
        return 0;
    return -1;
}

static bool digits(const char **p)
{
    const char *s = *p;

    while (**p >= '0' && **p <= '9')
        (*p)++;
    return *p > s;
}

/* [-+]?[0-9]+ -> 1; a float [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?
 * [0-9]+)? -> 2; anything else (hex, .inf, .nan: no JSON for them) 0. */
static int number_kind(const char *s)
{
    const char *p = s;
    bool d;

    if (*p == '-' || *p == '+')
        p++;
    d = digits(&p);
    if (d && !*p)
        return 1;
    if (*p == '.') {
        p++;
        d = digits(&p) || d;
    }
    if (!d)
        return 0;
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '-' || *p == '+')
            p++;
        if (!digits(&p))
            return 0;
    }
    return *p ? 0 : 2;
}

__attribute__((format(printf, 3, 4))) static int
fail(struct profile_error *err, const struct profile__yaml_node *n,
     const char *fmt, ...)
{
    va_list ap;

    err->line = n->line;
    err->col = n->col;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
    return PROFILE_EPROFILE;
}

static int scalar_json(const struct profile__yaml_node *n, json_t **out,
                       struct profile_error *err)
{
    char *s = NULL, msg[256];
    bool expanded;
    int rc, kind;

    if (memchr(n->str, '\0', n->len))
        return fail(err, n, "a NUL character is not allowed in a value");
    rc = profile__env_expand(n->str, n->len, &s, &expanded, msg, sizeof(msg));
    if (rc == PROFILE_EPROFILE)
        return fail(err, n, "%s", msg);
    if (rc)
        return rc;
    if (n->plain && is_null(s)) {
        *out = json_null();
    } else if (n->plain && (kind = is_bool(s)) >= 0) {
        *out = json_boolean(kind);
    } else if (n->plain && (kind = number_kind(s)) > 0) {
        char *end;
        long long v;
        errno = 0;
        v = strtoll(s, &end, 10);
        if (kind == 1 && errno == 0)
            *out = json_integer((json_int_t)v);
        else
            *out = json_real(strtod(s, NULL));
        if (!*out) /* too large for a double: keep the digits */
            *out = json_string(s);
    } else {
        *out = json_stringn(s, strlen(s));
        if (!*out) {
            free(s);
            return fail(err, n, "json: strings must be valid UTF-8");
        }
    }
    free(s);
    return *out ? 0 : PROFILE_ENOMEM;
}

static int to_json(const struct profile__yaml_node *n, json_t **out,
                   struct profile_error *err)
{
    json_t *v = NULL, *item = NULL;
    int rc = 0;

    *out = NULL;
    if (n->type == PROFILE__YAML_SCALAR)
        return scalar_json(n, out, err);
    v = n->type == PROFILE__YAML_MAP ? json_object() : json_array();
    if (!v)
        return PROFILE_ENOMEM;
    for (size_t i = 0; i < n->n; i += n->type == PROFILE__YAML_MAP ? 2 : 1) {
        const struct profile__yaml_node *key = n->items[i];
        rc = to_json(n->type == PROFILE__YAML_MAP ? n->items[i + 1] : key,
                     &item, err);
        if (rc)
            goto out;
        if (n->type == PROFILE__YAML_SEQ) {
            rc = json_array_append_new(v, item) ? PROFILE_ENOMEM : 0;
        } else if (memchr(key->str, '\0', key->len)) {
            json_decref(item);
            rc = fail(err, key, "a NUL character is not allowed in a key");
        } else {
            rc = json_object_set_new(v, key->str, item)
                     ? fail(err, key, "json: keys must be valid UTF-8")
                     : 0;
        }
        item = NULL;
        if (rc)
            goto out;
    }
    *out = v;
    v = NULL;
out:
    json_decref(v);
    return rc;
}

int profile__json(const struct profile__yaml_node *n, char **out,
                  struct profile_error *err)
{
    json_t *j = NULL;
    int rc;

    *out = NULL;
    rc = to_json(n, &j, err);
    if (rc)
        return rc;
    /* 15 significant digits print 0.1 as 0.1 (17 would send
     * 0.10000000000000001): a body should read as the profile wrote it. */
    *out = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY |
                             JSON_REAL_PRECISION(15));
    json_decref(j);
    return *out ? 0 : PROFILE_ENOMEM;
}

/* ---- the profile hash -------------------------------------------------- */

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *load_json(const struct loader_load *l)
{
    json_t *o =
        json_pack("{s:I, s:f, s:f, s:f, s:f, s:I, s:f, s:I, s:f}", "users",
                  (json_int_t)l->users, "spawn_rate", l->spawn_rate,
                  "think_min_s", l->think_min_s, "think_max_s", l->think_max_s,
                  "rate", l->rate, "max_in_flight",
                  (json_int_t)l->max_in_flight, "duration_s", l->duration_s,
                  "requests", (json_int_t)l->requests, "warmup_s", l->warmup_s);
    json_t *stages;

    if (!o)
        return NULL;
    /* only when set: the hash of every profile without it stays as it was
     * (baselines taken before the key existed still match) */
    if (l->iterations &&
        json_object_set_new(o, "iterations",
                            json_integer((json_int_t)l->iterations))) {
        json_decref(o);
        return NULL;
    }
    stages = json_array();
    if (json_object_set_new(o, "stages", stages)) { /* takes stages */
        json_decref(o);
        return NULL;
    }
    for (size_t i = 0; i < l->n_stages; i++)
        if (json_array_append_new(stages,
                                  json_pack("{s:f, s:f}", "duration_s",
                                            l->stages[i].duration_s, "rate",
                                            l->stages[i].rate))) {
            json_decref(o);
            return NULL;
        }
    return o;
}

/* Parameters (form:, query:) as [[name, value], ...]: their values are
 * part of the load unless they came from the environment. */
static json_t *kv_json(const struct loader_kv *kv, size_t n)
{
    json_t *a = json_array();

    for (size_t i = 0; a && i < n; i++)
        if (json_array_append_new(
                a, json_pack("[s?, s?]", kv[i].key,
                             kv[i].secret ? "(env)" : kv[i].value))) {
            json_decref(a);
            return NULL;
        }
    return a;
}

static json_t *feeder_json(const struct loader_feeder *f)
{
    const char *base = strrchr(f->file, '/');

    /* the file's name, not its folder: a checkout elsewhere hashes the
     * same */
    return json_pack("{s:s, s:s}", "file", base ? base + 1 : f->file, "order",
                     f->random ? "random" : "sequence");
}

static json_t *step_json(const struct loader_step *s)
{
    /* the path as written: a value from ${ENV} (a token, a host's
     * version) is no part of the load */
    json_t *o = json_pack(
        "{s:o, s:o, s:o, s:o, s:b, s:f}", "method", str_or_null(s->method),
        "path", str_or_null(s->path_written ? s->path_written : s->path),
        "name", str_or_null(s->name), "body", str_or_null(s->body),
        "body_is_json", (int)s->body_is_json, "timeout_s", s->timeout_s);
    json_t *headers = json_array(), *expect = json_array(),
           *captures = json_array();
    bool bad = !o || !headers || !expect || !captures;

    /* header names only: values are secrets or per-environment */
    for (size_t i = 0; !bad && i < s->n_headers; i++)
        bad = json_array_append_new(headers, json_string(s->headers[i].key));
    for (size_t i = 0; !bad && i < s->n_expect_status; i++)
        bad = json_array_append_new(expect, json_integer(s->expect_status[i]));
    for (size_t i = 0; !bad && i < s->n_captures; i++) {
        const struct loader_capture *cap = &s->captures[i];
        json_t *cj;

        /* a JSON-pointer capture hashes as it always did */
        if (cap->kind == LOADER_CAPTURE_HEADER)
            cj = json_pack("{s:s?, s:s?}", "var", cap->var, "header",
                           cap->header);
        else if (cap->kind == LOADER_CAPTURE_REGEX)
            cj =
                json_pack("{s:s?, s:s?}", "var", cap->var, "regex", cap->regex);
        else
            cj = json_pack("{s:s?, s:s?}", "var", cap->var, "pointer",
                           cap->pointer);
        bad = json_array_append_new(captures, cj);
    }
    if (!bad) {
        bad = json_object_set(o, "headers", headers) ||
              json_object_set(o, "expect", expect) ||
              json_object_set(o, "captures", captures);
    }
    /* Keys added after version 1 shipped enter the hash only when used,
     * so that the baselines of profiles without them stay valid. */
    if (!bad && s->expect_body_contains)
        bad = json_object_set_new(o, "expect_body_contains",
                                  json_string(s->expect_body_contains));
    if (!bad && s->n_expect_json) {
        json_t *ej = json_object();

        bad = !ej || json_object_set_new(o, "expect_json", ej);
        for (size_t i = 0; !bad && i < s->n_expect_json; i++)
            bad = json_object_set_new(ej, s->expect_json[i].pointer,
                                      json_string(s->expect_json[i].value));
    }
    if (!bad && s->body_file)
        bad = json_object_set_new(o, "body_file", json_string(s->body_file));
    if (!bad && s->n_form)
        bad = json_object_set_new(o, "form", kv_json(s->form, s->n_form));
    if (!bad && s->n_query)
        bad = json_object_set_new(o, "query", kv_json(s->query, s->n_query));
    if (!bad && s->grpc)
        bad = json_object_set_new(o, "grpc", profile__grpc_hash_json(s));
    if (!bad && s->stream.type != LOADER_STREAM_NONE)
        bad = json_object_set_new(o, "stream",
                                  profile__stream_hash_json(s, &bad));
    json_decref(headers);
    json_decref(expect);
    json_decref(captures);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

int profile__hash(struct loader_plan *p)
{
    json_t *root = NULL, *scenarios = NULL, *sc = NULL, *steps = NULL;
    char *text = NULL;
    int rc = PROFILE_ENOMEM;

    /* the engine left out hashes as null, as it always did */
    root = json_pack("{s:i, s:o, s:o}", "version", 1, "engine",
                     str_or_null(p->engine == LOADER_ENGINE_AUTO
                                     ? NULL
                                     : loader_engine_name(p->engine)),
                     "load", load_json(&p->load));
    scenarios = json_array();
    if (!root || !scenarios || json_object_set(root, "scenarios", scenarios))
        goto out;
    for (size_t i = 0; i < p->n_scenarios; i++) {
        const struct loader_scenario *s = &p->scenarios[i];
        steps = json_array();
        sc = json_pack("{s:o, s:I}", "name", str_or_null(s->name), "weight",
                       (json_int_t)s->weight);
        if (!steps || !sc || json_object_set(sc, "steps", steps) ||
            json_array_append(scenarios, sc))
            goto out;
        if (s->data && json_object_set_new(sc, "data", feeder_json(s->data)))
            goto out;
        for (size_t k = 0; k < s->n_steps; k++)
            if (json_array_append_new(steps, step_json(&s->steps[k])))
                goto out;
        json_decref(sc);
        json_decref(steps);
        sc = steps = NULL;
    }
    if (p->data && json_object_set_new(root, "data", feeder_json(p->data)))
        goto out;
    if (p->follow_redirects &&
        json_object_set_new(root, "follow_redirects", json_true()))
        goto out;
    /* http: only when not the default, so that older hashes hold */
    if (p->http.version != LOADER_HTTP_1_1 &&
        json_object_set_new(root, "http", profile__http_json(&p->http)))
        goto out;
    /* sorted keys and fixed real formatting: the same profile gives the
     * same bytes on every machine */
    text = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS);
    if (!text)
        goto out;
    metrics_sha256_hex(text, strlen(text), p->sha256);
    rc = 0;
out:
    free(text);
    json_decref(sc);
    json_decref(steps);
    json_decref(scenarios);
    json_decref(root);
    return rc;
}
