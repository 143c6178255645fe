/* A step's stream: and slo: keys (README, "Streaming APIs"):
 *
 *   stream: sse                       # or lines
 *   stream:
 *     type: sse                       # sse | lines
 *     tokens: {pointer: /choices/0/delta/content, count: words}
 *     usage: /usage/completion_tokens
 *     done: "[DONE]"                  # false: the end of the body
 *   slo: {ttft: 500ms, tpot: 50ms}
 *
 * Hooked into profile.c's step parser; errors carry the position of
 * the offending node, as the rest of the profile's do. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "profile_internal.h"
#include "units.h"

#define N_OF(a) (sizeof(a) / sizeof(*(a)))

static const char *const stream_keys[] = {"type", "tokens", "usage", "done"};
static const char *const tokens_keys[] = {"pointer", "count"};
static const char *const slo_keys[] = {"ttft", "tpot"};
static const char *const types[] = {"none", "sse", "lines"};
static const char *const counts[] = {"events", "words", "chars4"};

const char *const *profile__stream_keys(const char *level, size_t *n)
{
    if (level && strcmp(level, "stream") == 0) {
        *n = N_OF(stream_keys);
        return stream_keys;
    }
    if (level && strcmp(level, "tokens") == 0) {
        *n = N_OF(tokens_keys);
        return tokens_keys;
    }
    if (level && strcmp(level, "slo") == 0) {
        *n = N_OF(slo_keys);
        return slo_keys;
    }
    *n = 0;
    return NULL;
}

/* The parser's one error setter, at node n. */
#define bad(err, n, ...)                                                       \
    profile__fail_at((err), (n)->line, (n)->col, __VA_ARGS__)

static const struct profile__yaml_node *
get(const struct profile__yaml_node *map, const char *key)
{
    size_t n = strlen(key);

    for (size_t i = 0; map && i + 1 < map->n; i += 2)
        if (map->items[i]->len == n && memcmp(map->items[i]->str, key, n) == 0)
            return map->items[i + 1];
    return NULL;
}

/* names[first..n) as "a, b or c" into buf. */
static void list(const char *const *names, size_t first, size_t n,
                 const char *last_sep, char *buf, size_t len)
{
    size_t used = 0;

    buf[0] = '\0';
    for (size_t i = first; i < n && used < len; i++) {
        int w = snprintf(buf + used, len - used, "%s%s",
                         i == first   ? ""
                         : i + 1 == n ? last_sep
                                      : ", ",
                         names[i]);
        used += w > 0 ? (size_t)w : 0;
    }
}

/* Every key of map must be one of known; a near miss is suggested. */
static int known_keys(const struct profile__yaml_node *map,
                      const char *const *known, size_t n_known,
                      const char *where, struct profile_error *err)
{
    for (size_t i = 0; i + 1 < map->n; i += 2) {
        const struct profile__yaml_node *k = map->items[i];
        const char *near = NULL;
        char name[72], all[160];
        size_t j = 0;

        while (j < n_known && !(strlen(known[j]) == k->len &&
                                memcmp(known[j], k->str, k->len) == 0))
            j++;
        if (j < n_known)
            continue;
        for (j = 0; j < n_known && !near && strlen(k->str) == k->len; j++)
            if (profile__levenshtein(k->str, known[j], 2) <= 2)
                near = known[j];
        profile__quote(k->str, k->len, name, sizeof(name));
        if (near)
            return bad(err, k, "unknown key '%s' in %s; did you mean '%s'?",
                       name, where, near);
        list(known, 0, n_known, ", ", all, sizeof(all));
        return bad(err, k, "unknown key '%s' in %s (expected one of: %s)", name,
                   where, all);
    }
    return 0;
}

/* A scalar, ${ENV} expanded, as a new string. */
static int scalar(const struct profile__yaml_node *n, const char *what,
                  char **out, struct profile_error *err)
{
    char msg[400];
    bool expanded;
    int rc;

    *out = NULL;
    if (n->type != PROFILE__YAML_SCALAR)
        return bad(err, n, "'%s' must be a single value, not %s", what,
                   profile__yaml_kind(n));
    if (memchr(n->str, '\0', n->len))
        return bad(err, n, "'%s': a NUL character is not allowed", what);
    rc = profile__env_expand(n->str, n->len, out, &expanded, msg, sizeof(msg));
    if (rc == PROFILE_EPROFILE)
        return bad(err, n, "'%s': %s", what, msg);
    return rc;
}

/* One of names (the index), from a scalar. */
static int choice(const struct profile__yaml_node *n, const char *what,
                  const char *const *names, size_t n_names, size_t first,
                  int *out, struct profile_error *err)
{
    char *s = NULL, q[72], all[80];
    int rc = scalar(n, what, &s, err);

    if (rc)
        return rc;
    for (size_t i = first; i < n_names; i++)
        if (strcmp(s, names[i]) == 0) {
            *out = (int)i;
            free(s);
            return 0;
        }
    profile__quote(s, strlen(s), q, sizeof(q));
    free(s);
    list(names, first, n_names, " or ", all, sizeof(all));
    return bad(err, n, "'%s' must be %s, not '%s'", what, all, q);
}

/* A JSON pointer: "" or starting with '/'. */
static int pointer(const struct profile__yaml_node *n, const char *what,
                   char **out, struct profile_error *err)
{
    int rc = scalar(n, what, out, err);

    if (rc)
        return rc;
    if ((*out)[0] != '\0' && (*out)[0] != '/') {
        free(*out);
        *out = NULL;
        return bad(err, n,
                   "'%s' must be a JSON pointer starting with '/' (like "
                   "/choices/0/delta/content)",
                   what);
    }
    return 0;
}

static int parse_tokens(const struct profile__yaml_node *n,
                        struct loader_stream *s, struct profile_error *err)
{
    const struct profile__yaml_node *v;
    int c = LOADER_COUNT_EVENTS, rc;

    if (n->type != PROFILE__YAML_MAP)
        return bad(err, n,
                   "'tokens' must be a map like {pointer: /text, "
                   "count: words}, not %s",
                   profile__yaml_kind(n));
    if ((rc = known_keys(n, tokens_keys, N_OF(tokens_keys), "tokens", err)))
        return rc;
    if ((v = get(n, "pointer")) &&
        (rc = pointer(v, "tokens.pointer", &s->pointer, err)))
        return rc;
    if ((v = get(n, "count")) &&
        (rc = choice(v, "tokens.count", counts, N_OF(counts), 0, &c, err)))
        return rc;
    s->count = (enum loader_stream_count)c;
    if (s->count != LOADER_COUNT_EVENTS && !s->pointer)
        return bad(err, n,
                   "'tokens.count: %s' counts the text at a pointer: add "
                   "tokens.pointer",
                   counts[s->count]);
    return 0;
}

/* done: a string, or false / null / ~ for none. */
static int parse_done(const struct profile__yaml_node *n,
                      struct loader_stream *s, struct profile_error *err)
{
    int rc;

    free(s->done);
    s->done = NULL;
    if (n->type == PROFILE__YAML_SCALAR && n->plain &&
        (strcmp(n->str, "false") == 0 || strcmp(n->str, "null") == 0 ||
         strcmp(n->str, "~") == 0 || n->len == 0))
        return 0;
    if ((rc = scalar(n, "done", &s->done, err)))
        return rc;
    if (!s->done[0]) {
        free(s->done);
        s->done = NULL;
        return bad(err, n,
                   "'done' must not be empty (false: no sentinel, "
                   "the stream ends with the body)");
    }
    return 0;
}

static int parse_stream(const struct profile__yaml_node *n,
                        struct loader_stream *s, struct profile_error *err)
{
    const struct profile__yaml_node *v;
    int type = LOADER_STREAM_NONE, rc;

    if (n->type == PROFILE__YAML_SCALAR) {
        rc = choice(n, "stream", types, N_OF(types), 1, &type, err);
    } else if (n->type == PROFILE__YAML_MAP) {
        if ((rc = known_keys(n, stream_keys, N_OF(stream_keys), "stream", err)))
            return rc;
        if (!(v = get(n, "type")))
            return bad(err, n, "'stream' needs a type: sse or lines");
        rc = choice(v, "stream.type", types, N_OF(types), 1, &type, err);
    } else {
        return bad(err, n,
                   "'stream' must be sse, lines or a map like "
                   "{type: sse, tokens: {...}}, not %s",
                   profile__yaml_kind(n));
    }
    if (rc)
        return rc;
    s->type = (enum loader_stream_type)type;
    if (s->type == LOADER_STREAM_SSE && !(s->done = strdup("[DONE]")))
        return PROFILE_ENOMEM;
    if (n->type != PROFILE__YAML_MAP)
        return 0;
    if ((v = get(n, "tokens")) && (rc = parse_tokens(v, s, err)))
        return rc;
    if ((v = get(n, "usage")) && (rc = pointer(v, "usage", &s->usage, err)))
        return rc;
    if ((v = get(n, "done")) && (rc = parse_done(v, s, err)))
        return rc;
    return 0;
}

static int slo_time(const struct profile__yaml_node *n, const char *what,
                    double *out, struct profile_error *err)
{
    char *s = NULL;
    int rc = scalar(n, what, &s, err);

    if (rc)
        return rc;
    if (units_parse_duration(s, UNITS_SECONDS, out, NULL) || !(*out > 0))
        rc = bad(err, n,
                 "'%s': expected a duration longer than zero, like "
                 "500ms",
                 what);
    free(s);
    return rc;
}

int profile__stream(const struct profile__yaml_node *n, struct loader_step *st,
                    struct profile_error *err)
{
    const struct profile__yaml_node *v, *slo = get(n, "slo");
    int rc;

    if ((v = get(n, "stream")) && (rc = parse_stream(v, &st->stream, err)))
        return rc;
    if (st->stream.type != LOADER_STREAM_NONE && st->method &&
        strcmp(st->method, "HEAD") == 0)
        return bad(err, v, "'stream': a HEAD request has no body to stream");
    if (!slo)
        return 0;
    if (st->stream.type == LOADER_STREAM_NONE)
        return bad(err, slo,
                   "'slo' applies to streamed responses: add "
                   "stream: sse or stream: lines to the step");
    if (slo->type != PROFILE__YAML_MAP)
        return bad(err, slo,
                   "'slo' must be a map like {ttft: 500ms, tpot: "
                   "50ms}, not %s",
                   profile__yaml_kind(slo));
    if ((rc = known_keys(slo, slo_keys, N_OF(slo_keys), "slo", err)))
        return rc;
    if ((v = get(slo, "ttft")) &&
        (rc = slo_time(v, "slo.ttft", &st->slo_ttft_s, err)))
        return rc;
    if ((v = get(slo, "tpot")) &&
        (rc = slo_time(v, "slo.tpot", &st->slo_tpot_s, err)))
        return rc;
    return 0;
}

struct json_t *profile__stream_hash_json(const struct loader_step *s,
                                         bool *bad_out)
{
    const struct loader_stream *t = &s->stream;
    json_t *o;

    if (t->type == LOADER_STREAM_NONE)
        return NULL;
    o = json_pack("{s:s, s:s?, s:s, s:s?, s:s?, s:f, s:f}", "type",
                  types[t->type], "pointer", t->pointer, "count",
                  counts[t->count], "usage", t->usage, "done", t->done,
                  "slo_ttft_s", s->slo_ttft_s, "slo_tpot_s", s->slo_tpot_s);
    if (!o)
        *bad_out = true;
    return o;
}
