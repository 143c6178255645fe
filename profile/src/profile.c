/* The profile schema: walks the YAML tree of profile_yaml.c and fills a
 * struct profile and its plan, with the position of the offending node on every
 * error.  Values (never keys) get ${ENV} expansion; a value that came from
 * the environment is never quoted back in a message, nor named in an
 * endpoint (keep_written()). */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <regex.h>
#include <string.h>
#include <unistd.h>

#include "profile_internal.h"
#include "units.h"

#define N_OF(a) (sizeof(a) / sizeof(*(a)))

struct pctx {
    struct profile_error *err;
    struct profile *prof;
    struct loader_plan *p; /* prof->plan */
    bool in_setup;         /* parsing setup: or teardown: steps */
};

/* Keys known at each level: unknown ones are errors with a suggestion.
 * profile__keys() hands them to the schema test. */
static const char *const top_keys[] = {
    "version",   "target",     "defaults", "load", "engine",
    "scenarios", "thresholds", "baseline", "data", "setup",
    "teardown",  "wait_for",   "http"};
static const char *const defaults_keys[] = {"headers",          "timeout",
                                            "insecure",         "ca_file",
                                            "follow_redirects", "max_body"};
static const char *const target_keys[] = {"url", "insecure", "ca_file"};
static const char *const load_keys[] = {
    "users",      "spawn_rate", "duration", "requests",      "warmup",
    "think_time", "rate",       "stages",   "max_in_flight", "iterations"};
static const char *const stage_keys[] = {"duration", "rate"};
static const char *const scenario_keys[] = {"name", "weight", "steps", "data"};
static const char *const methods[] = {"get",   "post",   "put",
                                      "patch", "delete", "head"};
static const char *const step_keys[] = {
    "get",     "post",    "put",     "patch",  "delete", "head",
    "name",    "headers", "json",    "body",   "expect", "capture",
    "timeout", "form",    "query",   "stream", "slo", /* profile_stream.c */
    "grpc",    "message", "metadata"};                /* profile_grpc.c */
static const char *const expect_keys[] = {"status", "body_contains", "json",
                                          "grpc_status"};
static const char *const capture_keys[] = {"json", "header", "regex"};
static const char *const data_keys[] = {"file", "order"};
static const char *const threshold_keys[] = {"endpoint", "check", "severity",
                                             "for",      "abort", "min_effect"};
static const char *const wait_for_keys[] = {"get", "head", "timeout",
                                            "interval"};

const char *const *profile__keys(const char *level, size_t *n)
{
#define LEVEL(name, table)                                                     \
    if (level && strcmp(level, name) == 0) {                                   \
        *n = N_OF(table);                                                      \
        return table;                                                          \
    }
    LEVEL("top", top_keys)
    LEVEL("defaults", defaults_keys)
    LEVEL("target", target_keys)
    LEVEL("load", load_keys)
    LEVEL("stage", stage_keys)
    LEVEL("scenario", scenario_keys)
    LEVEL("step", step_keys)
    LEVEL("expect", expect_keys)
    LEVEL("capture", capture_keys)
    LEVEL("data", data_keys)
    LEVEL("threshold", threshold_keys)
    LEVEL("wait_for", wait_for_keys)
#undef LEVEL
    if (level && strcmp(level, "http") == 0) /* profile_http.c */
        return profile__http_keys(n);
    if (level && strcmp(level, "message") == 0) /* profile_grpc.c */
        return profile__grpc_keys(level, n);
    return profile__stream_keys(level, n); /* stream, tokens, slo */
}

__attribute__((format(printf, 3, 4))) static int
fail(struct pctx *c, const struct profile__yaml_node *n, const char *fmt, ...)
{
    va_list ap;

    c->err->line = n ? n->line : 0;
    c->err->col = n ? n->col : 0;
    va_start(ap, fmt);
    vsnprintf(c->err->msg, sizeof(c->err->msg), fmt, ap);
    va_end(ap);
    return PROFILE_EPROFILE;
}

/* ", not 'value'" for a message, or "" when the value came from the
 * environment (it may be a secret). */
static const char *shown(const char *s, bool expanded, char *buf, size_t len)
{
    char q[72];

    if (expanded) {
        snprintf(buf, len, " (the value comes from ${...}: not shown)");
        return buf;
    }
    profile__quote(s, strlen(s), q, sizeof(q));
    snprintf(buf, len, ", not '%s'", q);
    return buf;
}

static bool key_is(const struct profile__yaml_node *k, const char *name)
{
    size_t n = strlen(name);

    return k->len == n && memcmp(k->str, name, n) == 0;
}

/* The value under key in map (NULL when absent); *key_node gets the key. */
static const struct profile__yaml_node *
find(const struct profile__yaml_node *map, const char *key,
     const struct profile__yaml_node **key_node)
{
    for (size_t i = 0; i + 1 < map->n; i += 2)
        if (key_is(map->items[i], key)) {
            if (key_node)
                *key_node = map->items[i];
            return map->items[i + 1];
        }
    return NULL;
}

static int check_keys(struct pctx *c, const struct profile__yaml_node *map,
                      const char *const *known, size_t n_known,
                      const char *where)
{
    for (size_t i = 0; i + 1 < map->n; i += 2) {
        const struct profile__yaml_node *k = map->items[i];
        const char *best = NULL;
        size_t best_d = 3, j;
        char name[72], list[256] = "";

        for (j = 0; j < n_known; j++)
            if (key_is(k, known[j]))
                break;
        if (j < n_known)
            continue;
        profile__quote(k->str, k->len, name, sizeof(name));
        if (strlen(k->str) == k->len) {
            for (j = 0; j < n_known; j++) {
                size_t d = profile__levenshtein(k->str, known[j], 2);
                if (d < best_d && d < strlen(known[j])) {
                    best_d = d;
                    best = known[j];
                }
            }
        }
        if (best)
            return fail(c, k, "unknown key '%s' in %s; did you mean '%s'?",
                        name, where, best);
        for (j = 0; j < n_known; j++) {
            size_t l = strlen(list);
            snprintf(list + l, sizeof(list) - l, "%s%s", j ? ", " : "",
                     known[j]);
        }
        return fail(c, k, "unknown key '%s' in %s (expected one of: %s)", name,
                    where, list);
    }
    return 0;
}

static int want(struct pctx *c, const struct profile__yaml_node *n,
                enum profile__yaml_type type, const char *what)
{
    static const char *const names[] = {"a single value", "a map", "a list"};

    if (n->type == type)
        return 0;
    return fail(c, n, "'%s' must be %s, not %s", what, names[type],
                profile__yaml_kind(n));
}

/* The scalar n, expanded, as a new string. */
static int text(struct pctx *c, const struct profile__yaml_node *n,
                const char *what, char **out, bool *expanded)
{
    char msg[400];
    bool exp_local;
    int rc;

    *out = NULL;
    if (!expanded)
        expanded = &exp_local;
    rc = want(c, n, PROFILE__YAML_SCALAR, what);
    if (rc)
        return rc;
    if (memchr(n->str, '\0', n->len))
        return fail(c, n, "'%s': a NUL character is not allowed", what);
    rc = profile__env_expand(n->str, n->len, out, expanded, msg, sizeof(msg));
    if (rc == PROFILE_EPROFILE)
        return fail(c, n, "'%s': %s", what, msg);
    return rc;
}

/* A non-empty string value. */
static int string_field(struct pctx *c, const struct profile__yaml_node *n,
                        const char *what, char **out, bool *expanded)
{
    int rc = text(c, n, what, out, expanded);

    if (rc == 0 && !**out) {
        free(*out);
        *out = NULL;
        return fail(c, n, "'%s' must not be empty", what);
    }
    return rc;
}

/* What names an endpoint keeps n's text as written when its value came
 * through ${ENV}: replaces *out with that text then, so that no value from
 * the environment (a token in a query string, say) reaches a report. */
static int keep_written(const struct profile__yaml_node *n, bool expanded,
                        char **out)
{
    char *s;

    if (!expanded)
        return 0;
    if (!(s = strdup(n->str)))
        return PROFILE_ENOMEM;
    free(*out);
    *out = s;
    return 0;
}

static int uint_field(struct pctx *c, const struct profile__yaml_node *n,
                      const char *what, unsigned long long min,
                      unsigned long long max, unsigned long long *out)
{
    char *s = NULL, *end, buf[120];
    unsigned long long v = 0;
    bool expanded = false, ok;
    int rc = text(c, n, what, &s, &expanded);

    if (rc)
        return rc;
    errno = 0;
    ok = s[0] >= '0' && s[0] <= '9';
    if (ok)
        v = strtoull(s, &end, 10);
    ok = ok && *end == '\0' && errno == 0 && v >= min && v <= max;
    if (!ok)
        rc = fail(c, n, "'%s' must be a whole number from %llu to %llu%s", what,
                  min, max, shown(s, expanded, buf, sizeof(buf)));
    else
        *out = v;
    free(s);
    return rc;
}

/* The helpers above for the parsers of single keys in files of their own
 * (profile_http.c), which have no pctx. */
const struct profile__yaml_node *
profile__find(const struct profile__yaml_node *map, const char *key)
{
    return find(map, key, NULL);
}

int profile__check_keys(const struct profile__yaml_node *map,
                        const char *const *known, size_t n_known,
                        const char *where, struct profile_error *err)
{
    struct pctx c = {err, NULL, NULL, false};

    return check_keys(&c, map, known, n_known, where);
}

int profile__text(const struct profile__yaml_node *n, const char *what,
                  char **out, bool *expanded, struct profile_error *err)
{
    struct pctx c = {err, NULL, NULL, false};

    return text(&c, n, what, out, expanded);
}

int profile__uint(const struct profile__yaml_node *n, const char *what,
                  unsigned long long min, unsigned long long max,
                  unsigned long long *out, struct profile_error *err)
{
    struct pctx c = {err, NULL, NULL, false};

    return uint_field(&c, n, what, min, max, out);
}

/* A scalar in one of the profile's small grammars: parse() fills out or
 * fails, and the error says what was expected ("a duration like 30s"). */
static int parsed_field(struct pctx *c, const struct profile__yaml_node *n,
                        const char *what, const char *expected,
                        int (*parse)(const char *s, void *out), void *out)
{
    char *s = NULL, buf[120];
    bool expanded = false;
    int rc = text(c, n, what, &s, &expanded);

    if (rc)
        return rc;
    if (parse(s, out))
        rc = fail(c, n, "'%s': expected %s%s", what, expected,
                  shown(s, expanded, buf, sizeof(buf)));
    free(s);
    return rc;
}

static int parse_duration(const char *s, void *out)
{
    return units_parse_duration(s, UNITS_SECONDS, out, NULL);
}

static int parse_rate(const char *s, void *out)
{
    return units_parse_rate(s, out, NULL);
}

static int parse_size(const char *s, void *out)
{
    return units_parse_size(s, out, NULL);
}

static int duration_field(struct pctx *c, const struct profile__yaml_node *n,
                          const char *what, bool allow_zero, double *out)
{
    int rc = parsed_field(c, n, what, "a duration like 30s or 5m",
                          parse_duration, out);

    if (!rc && !allow_zero && *out <= 0)
        rc = fail(c, n, "'%s' must be longer than zero", what);
    return rc;
}

static int size_field(struct pctx *c, const struct profile__yaml_node *n,
                      const char *what, uint64_t *out)
{
    int rc =
        parsed_field(c, n, what, "a size like 10MB, 512KB or a number of bytes",
                     parse_size, out);

    if (!rc && *out == 0)
        rc = fail(c, n, "'%s' must be greater than zero", what);
    return rc;
}

static int rate_field(struct pctx *c, const struct profile__yaml_node *n,
                      const char *what, bool allow_zero, double *out)
{
    int rc =
        parsed_field(c, n, what, "a rate like 50/s or 3000/m", parse_rate, out);

    if (!rc && !allow_zero && *out <= 0)
        rc = fail(c, n, "'%s' must be greater than zero", what);
    return rc;
}

static int bool_field(struct pctx *c, const struct profile__yaml_node *n,
                      const char *what, bool *out)
{
    char *s = NULL, buf[120];
    bool expanded = false;
    int rc = text(c, n, what, &s, &expanded);

    if (rc)
        return rc;
    if (strcmp(s, "true") == 0 || strcmp(s, "True") == 0 ||
        strcmp(s, "TRUE") == 0)
        *out = true;
    else if (strcmp(s, "false") == 0 || strcmp(s, "False") == 0 ||
             strcmp(s, "FALSE") == 0)
        *out = false;
    else
        rc = fail(c, n, "'%s' must be true or false%s", what,
                  shown(s, expanded, buf, sizeof(buf)));
    free(s);
    return rc;
}

/* A template's {{function(...)}} calls must be known ones. */
static int check_tpl(struct pctx *c, const struct profile__yaml_node *n,
                     const char *what, const char *tpl)
{
    char msg[300];

    if (!tpl || loader_template_check(tpl, msg, sizeof(msg)))
        return 0;
    return fail(c, n, "'%s': %s", what, msg);
}

/* A file named in the profile, resolved against the profile's folder. */
static int file_field(struct pctx *c, const struct profile__yaml_node *n,
                      const char *what, char **as_written, char **resolved)
{
    int rc = string_field(c, n, what, as_written, NULL);

    if (rc)
        return rc;
    *resolved = profile__relpath(c->prof->path, *as_written);
    return *resolved ? 0 : PROFILE_ENOMEM;
}

static int parse_feeder(struct pctx *c, const struct profile__yaml_node *n,
                        struct loader_feeder **out)
{
    const struct profile__yaml_node *v;
    struct loader_feeder *f;
    char msg[400], *text_buf = NULL, *order = NULL;
    size_t len = 0;
    int rc = want(c, n, PROFILE__YAML_MAP, "data");

    if (!rc)
        rc = check_keys(c, n, data_keys, N_OF(data_keys), "data");
    if (rc)
        return rc;
    if (!(f = calloc(1, sizeof(*f))))
        return PROFILE_ENOMEM;
    *out = f;
    f->line = n->line;
    f->col = n->col;
    if (!(v = find(n, "file", NULL)))
        return fail(c, n, "'data' needs 'file', like 'file: users.csv'");
    if ((rc = file_field(c, v, "file", &f->file, &f->path)))
        return rc;
    if ((rc = profile__read_file(f->path, 64u * 1024 * 1024, &text_buf, &len,
                                 msg, sizeof(msg)))) {
        if (rc == PROFILE_EPROFILE)
            rc = fail(c, v, "data: %s", msg);
        return rc;
    }
    rc = profile__feeder_parse(f, text_buf, len, msg, sizeof(msg));
    free(text_buf);
    if (rc == PROFILE_EPROFILE)
        return fail(c, v, "data: %s", msg);
    if (rc)
        return rc;
    if ((v = find(n, "order", NULL))) {
        char q[72];

        if ((rc = string_field(c, v, "order", &order, NULL)))
            return rc;
        if (strcmp(order, "random") == 0) {
            f->random = true;
        } else if (strcmp(order, "sequence") != 0) {
            profile__quote(order, strlen(order), q, sizeof(q));
            rc = fail(c, v, "'order' must be sequence or random, not '%s'", q);
        }
        free(order);
    }
    return rc;
}

/* ---- pieces ------------------------------------------------------------ */

static int parse_target_url(struct pctx *c, const struct profile__yaml_node *n)
{
    char buf[120];
    const char *why = NULL;
    size_t path_at, len;
    bool expanded = false;
    int rc = string_field(c, n, "target", &c->p->target, &expanded);

    if (rc)
        return rc;
    if (profile__split_url(c->p->target, &path_at, &why) == 0 &&
        strpbrk(c->p->target + path_at, "?#"))
        why = "cannot have a query or fragment (put them in the steps)";
    if (why)
        return fail(c, n,
                    "'target' %s: expected a URL like "
                    "http://127.0.0.1:8080%s",
                    why, shown(c->p->target, expanded, buf, sizeof(buf)));
    len = strlen(c->p->target);
    while (len > path_at && c->p->target[len - 1] == '/')
        c->p->target[--len] = '\0';
    return 0;
}

static int parse_ca_file(struct pctx *c, const struct profile__yaml_node *n)
{
    char *written = NULL;
    int rc;

    free(c->p->ca_file);
    c->p->ca_file = NULL;
    rc = file_field(c, n, "ca_file", &written, &c->p->ca_file);
    free(written);
    if (!rc && access(c->p->ca_file, R_OK) != 0)
        rc = fail(c, n, "ca_file: cannot read '%s': %s", c->p->ca_file,
                  strerror(errno));
    return rc;
}

/* target: URL, or {url: URL, insecure: true, ca_file: ca.pem}. */
static int parse_target(struct pctx *c, const struct profile__yaml_node *n)
{
    const struct profile__yaml_node *v;
    int rc;

    if (n->type != PROFILE__YAML_MAP)
        return parse_target_url(c, n);
    if ((rc = check_keys(c, n, target_keys, N_OF(target_keys), "target")))
        return rc;
    if (!(v = find(n, "url", NULL)))
        return fail(c, n,
                    "a 'target' map needs 'url', like "
                    "'url: https://127.0.0.1:8443'");
    if ((rc = parse_target_url(c, v)))
        return rc;
    if ((v = find(n, "insecure", NULL)) &&
        (rc = bool_field(c, v, "insecure", &c->p->insecure)))
        return rc;
    if ((v = find(n, "ca_file", NULL)) && (rc = parse_ca_file(c, v)))
        return rc;
    return 0;
}

/* The maps of name to value: headers (names checked as header names,
 * values without line breaks; all_secret, an expanded value or a secret
 * name marks one secret) and a step's form: and query: (KV_PARAMS: any
 * name, template values; an expanded value is secret). */
enum kv_kind { KV_HEADERS, KV_PARAMS };

static int parse_kv_map(struct pctx *c, const struct profile__yaml_node *n,
                        const char *what, enum kv_kind kind, bool all_secret,
                        struct loader_kv **out, size_t *count)
{
    size_t pairs = n->n / 2;
    int rc = want(c, n, PROFILE__YAML_MAP, what);

    if (rc || pairs == 0)
        return rc;
    *out = calloc(pairs, sizeof(**out));
    if (!*out)
        return PROFILE_ENOMEM;
    for (size_t i = 0; i < pairs; i++) {
        const struct profile__yaml_node *k = n->items[2 * i];
        const struct profile__yaml_node *v = n->items[2 * i + 1];
        struct loader_kv *kv = &(*out)[i];
        bool expanded = false;
        char name[72];

        profile__quote(k->str, k->len, name, sizeof(name));
        if (kind == KV_HEADERS &&
            (strlen(k->str) != k->len || !profile__header_name_ok(k->str)))
            return fail(c, k, "'%s' is not a valid header name", name);
        if (kind == KV_PARAMS && (strlen(k->str) != k->len || k->len == 0))
            return fail(c, k, "%s: '%s' is not a parameter name", what, name);
        if (!(kv->key = strdup(k->str)))
            return PROFILE_ENOMEM;
        *count = i + 1;
        if ((rc = text(c, v, name, &kv->value, &expanded)))
            return rc;
        kv->secret = expanded;
        if (kind == KV_PARAMS && (rc = check_tpl(c, v, name, kv->value)))
            return rc;
        if (kind == KV_PARAMS)
            continue;
        if (strpbrk(kv->value, "\r\n"))
            return fail(c, v,
                        "header '%s': a value cannot contain line "
                        "breaks",
                        name);
        kv->secret |= all_secret || profile__header_name_secret(kv->key);
    }
    return 0;
}

static int parse_defaults(struct pctx *c, const struct profile__yaml_node *n)
{
    const struct profile__yaml_node *v;
    int rc = want(c, n, PROFILE__YAML_MAP, "defaults");

    if (!rc)
        rc = check_keys(c, n, defaults_keys, N_OF(defaults_keys), "defaults");
    if (!rc && (v = find(n, "headers", NULL)))
        /* every default header is secret: they usually carry credentials */
        rc = parse_kv_map(c, v, "headers", KV_HEADERS, true, &c->p->headers,
                          &c->p->n_headers);
    if (!rc && (v = find(n, "timeout", NULL)))
        rc = duration_field(c, v, "timeout", false, &c->p->timeout_s);
    if (!rc && (v = find(n, "insecure", NULL)))
        rc = bool_field(c, v, "insecure", &c->p->insecure);
    if (!rc && (v = find(n, "ca_file", NULL)))
        rc = parse_ca_file(c, v);
    if (!rc && (v = find(n, "follow_redirects", NULL)))
        rc = bool_field(c, v, "follow_redirects", &c->p->follow_redirects);
    if (!rc && (v = find(n, "max_body", NULL)))
        rc = size_field(c, v, "max_body", &c->p->max_body);
    return rc;
}

static int parse_stages(struct pctx *c, const struct profile__yaml_node *n)
{
    struct loader_load *l = &c->p->load;
    bool any_rate = false;
    int rc = want(c, n, PROFILE__YAML_SEQ, "stages");

    if (rc)
        return rc;
    if (n->n == 0)
        return fail(c, n,
                    "'stages' is empty: give stages like "
                    "[{duration: 1m, rate: 100/s}]");
    l->stages = calloc(n->n, sizeof(*l->stages));
    if (!l->stages)
        return PROFILE_ENOMEM;
    for (size_t i = 0; i < n->n; i++) {
        const struct profile__yaml_node *s = n->items[i], *v;
        struct loader_stage *st = &l->stages[i];

        l->n_stages = i + 1;
        rc = want(c, s, PROFILE__YAML_MAP, "a stage");
        if (!rc)
            rc = check_keys(c, s, stage_keys, N_OF(stage_keys), "a stage");
        if (rc)
            return rc;
        if (!(v = find(s, "duration", NULL)))
            return fail(c, s, "a stage needs 'duration'");
        rc = duration_field(c, v, "duration", false, &st->duration_s);
        if (rc)
            return rc;
        if (!(v = find(s, "rate", NULL)))
            return fail(c, s, "a stage needs 'rate' (0/s is allowed)");
        rc = rate_field(c, v, "rate", true, &st->rate);
        if (rc)
            return rc;
        any_rate = any_rate || st->rate > 0;
    }
    /* a stage at 0/s starts or ends a ramp; all of them send nothing */
    if (!any_rate)
        return fail(c, n,
                    "every stage has rate 0: the load would send nothing; "
                    "give at least one stage a rate above zero");
    return 0;
}

static int parse_load(struct pctx *c, const struct profile__yaml_node *n)
{
    struct loader_load *l = &c->p->load;
    const struct profile__yaml_node *v, *stages, *rate_key = NULL, *stages_key;
    const struct profile__yaml_node *iter_node;
    unsigned long long u;
    int rc = want(c, n, PROFILE__YAML_MAP, "load");

    if (!rc)
        rc = check_keys(c, n, load_keys, N_OF(load_keys), "load");
    if (rc)
        return rc;
    if ((v = find(n, "users", NULL))) {
        if ((rc = uint_field(c, v, "users", 1, UINT_MAX, &u)))
            return rc;
        l->users = (unsigned)u;
    }
    if ((v = find(n, "spawn_rate", NULL))) {
        /* 0/s would start no one: "all at once" is spawn_rate left out */
        if ((rc = rate_field(c, v, "spawn_rate", true, &l->spawn_rate)))
            return rc;
        if (!(l->spawn_rate > 0))
            return fail(c, v,
                        "'spawn_rate' must be greater than zero (leave it "
                        "out to start every user at once)");
    }
    if ((v = find(n, "duration", NULL)) &&
        (rc = duration_field(c, v, "duration", false, &l->duration_s)))
        return rc;
    if ((v = find(n, "requests", NULL))) {
        if ((rc = uint_field(c, v, "requests", 1, ULLONG_MAX, &u)))
            return rc;
        l->requests = u;
    }
    if ((iter_node = find(n, "iterations", NULL))) {
        if ((rc = uint_field(c, iter_node, "iterations", 1, ULLONG_MAX, &u)))
            return rc;
        l->iterations = u;
    }
    if ((v = find(n, "warmup", NULL)) &&
        (rc = duration_field(c, v, "warmup", true, &l->warmup_s)))
        return rc;
    if ((v = find(n, "think_time", NULL))) {
        char *s = NULL, buf[120];
        bool expanded = false;
        if ((rc = text(c, v, "think_time", &s, &expanded)))
            return rc;
        if (profile__parse_think(s, &l->think_min_s, &l->think_max_s))
            rc = fail(c, v,
                      "'think_time': expected a duration like 1s or a range "
                      "like 1s..3s%s",
                      shown(s, expanded, buf, sizeof(buf)));
        free(s);
        if (rc)
            return rc;
    }
    if ((v = find(n, "rate", &rate_key)) &&
        (rc = rate_field(c, v, "rate", false, &l->rate)))
        return rc;
    if ((stages = find(n, "stages", &stages_key))) {
        if (rate_key) {
            const struct profile__yaml_node *later =
                stages_key->line > rate_key->line ||
                        (stages_key->line == rate_key->line &&
                         stages_key->col > rate_key->col)
                    ? stages_key
                    : rate_key;
            return fail(c, later,
                        "'rate' and 'stages' cannot be used "
                        "together: stages set the rate themselves");
        }
        if ((rc = parse_stages(c, stages)))
            return rc;
    }
    if ((v = find(n, "max_in_flight", NULL))) {
        if ((rc = uint_field(c, v, "max_in_flight", 1, UINT_MAX, &u)))
            return rc;
        l->max_in_flight = (unsigned)u;
    }
    l->model = l->rate > 0 || l->n_stages > 0 ? LOADER_MODEL_OPEN
                                              : LOADER_MODEL_CLOSED;
    if (l->model == LOADER_MODEL_CLOSED && l->users == 0)
        return fail(c, n,
                    "load needs 'users' (closed model) or 'rate' or "
                    "'stages' (open model)");
    if (iter_node && l->model == LOADER_MODEL_OPEN)
        return fail(c, iter_node,
                    "'iterations' counts the closed model's scenario runs "
                    "(users); the open model stops on 'duration' or "
                    "'requests'");
    if (l->duration_s <= 0 && l->requests == 0 && l->iterations == 0) {
        /* a ramp knows its own length */
        for (size_t i = 0; i < l->n_stages; i++)
            l->duration_s += l->stages[i].duration_s;
        if (l->duration_s <= 0)
            return fail(c, n,
                        "load needs 'duration', 'requests' or "
                        "'iterations' to know when to stop");
    }
    return 0;
}

static int parse_expect_status(struct pctx *c,
                               const struct profile__yaml_node *v,
                               struct loader_step *st)
{
    unsigned long long u;
    size_t count;
    int rc;

    if (v->type == PROFILE__YAML_MAP)
        return fail(c, v,
                    "'status' must be a status like 201 or a list "
                    "like [200, 204], not a map");
    count = v->type == PROFILE__YAML_SEQ ? v->n : 1;
    if (count == 0)
        return fail(c, v, "'status' is an empty list");
    st->expect_status = calloc(count, sizeof(*st->expect_status));
    if (!st->expect_status)
        return PROFILE_ENOMEM;
    for (size_t i = 0; i < count; i++) {
        const struct profile__yaml_node *s =
            v->type == PROFILE__YAML_SEQ ? v->items[i] : v;
        if ((rc = uint_field(c, s, "status", 100, 599, &u)))
            return rc;
        st->expect_status[i] = (int)u;
        st->n_expect_status = i + 1;
    }
    return 0;
}

/* json: {"/pointer": value}: the body's value there must equal value. */
static int parse_expect_json(struct pctx *c, const struct profile__yaml_node *n,
                             struct loader_step *st)
{
    size_t pairs = n->n / 2;
    int rc = want(c, n, PROFILE__YAML_MAP, "json");

    if (rc)
        return rc;
    if (pairs == 0)
        return fail(c, n,
                    "expect 'json' is empty: give pointers and values, "
                    "like {/status: ok}");
    st->expect_json = calloc(pairs, sizeof(*st->expect_json));
    if (!st->expect_json)
        return PROFILE_ENOMEM;
    for (size_t i = 0; i < pairs; i++) {
        const struct profile__yaml_node *k = n->items[2 * i];
        struct loader_expect_json *ej = &st->expect_json[i];
        char name[72];

        profile__quote(k->str, k->len, name, sizeof(name));
        if (strlen(k->str) != k->len || k->str[0] != '/')
            return fail(c, k,
                        "expect json: '%s' is not a JSON pointer: it starts "
                        "with '/', like /status or /items/0/id",
                        name);
        if (!(ej->pointer = strdup(k->str)))
            return PROFILE_ENOMEM;
        st->n_expect_json = i + 1;
        if ((rc = profile__json(n->items[2 * i + 1], &ej->value, c->err)))
            return rc;
    }
    return 0;
}

static int parse_expect(struct pctx *c, const struct profile__yaml_node *n,
                        struct loader_step *st)
{
    const struct profile__yaml_node *v;
    int rc = want(c, n, PROFILE__YAML_MAP, "expect");

    if (!rc)
        rc = check_keys(c, n, expect_keys, N_OF(expect_keys), "expect");
    if (!rc && find(n, "grpc_status", &v))
        rc = fail(c, v, "'grpc_status' is for grpc: steps");
    if (!rc && (v = find(n, "status", NULL)))
        rc = parse_expect_status(c, v, st);
    if (!rc && (v = find(n, "body_contains", NULL)))
        rc = string_field(c, v, "body_contains", &st->expect_body_contains,
                          NULL);
    if (!rc && (v = find(n, "json", NULL)))
        rc = parse_expect_json(c, v, st);
    return rc;
}

/* One capture's source: "/pointer", or a map with one of json, header,
 * regex. */
static int parse_capture_source(struct pctx *c,
                                const struct profile__yaml_node *v,
                                const char *name, struct loader_capture *cap)
{
    const struct profile__yaml_node *src = v, *key = NULL;
    int rc;

    if (v->type == PROFILE__YAML_MAP) {
        if ((rc = check_keys(c, v, capture_keys, N_OF(capture_keys),
                             "a capture")))
            return rc;
        if (v->n != 2)
            return fail(c, v,
                        "capture '%s': give exactly one of json, header or "
                        "regex",
                        name);
        key = v->items[0];
        src = v->items[1];
    } else if (v->type != PROFILE__YAML_SCALAR) {
        return fail(c, v,
                    "capture '%s' must be a JSON pointer like /id or a map "
                    "like {header: X-Token}, not %s",
                    name, profile__yaml_kind(v));
    }
    if (key && key_is(key, "header")) {
        cap->kind = LOADER_CAPTURE_HEADER;
        if ((rc = string_field(c, src, "header", &cap->header, NULL)))
            return rc;
        if (!profile__header_name_ok(cap->header))
            return fail(c, src, "capture '%s': '%s' is not a header name", name,
                        cap->header);
        return 0;
    }
    if (key && key_is(key, "regex")) {
        regex_t *re;
        char why[160];

        cap->kind = LOADER_CAPTURE_REGEX;
        if ((rc = string_field(c, src, "regex", &cap->regex, NULL)))
            return rc;
        if (!(re = calloc(1, sizeof(*re))))
            return PROFILE_ENOMEM;
        rc = regcomp(re, cap->regex, REG_EXTENDED);
        if (rc) {
            regerror(rc, re, why, sizeof(why));
            free(re);
            return fail(c, src, "capture '%s': bad regular expression: %s",
                        name, why);
        }
        cap->compiled = re;
        return 0;
    }
    cap->kind = LOADER_CAPTURE_JSON;
    if ((rc = text(c, src, name, &cap->pointer, NULL)))
        return rc;
    if (cap->pointer[0] != '/')
        return fail(c, src,
                    "capture '%s': a JSON pointer starts with "
                    "'/', like /id or /items/0/id",
                    name);
    return 0;
}

static int parse_capture(struct pctx *c, const struct profile__yaml_node *n,
                         struct loader_step *st)
{
    size_t pairs = n->n / 2;
    int rc = want(c, n, PROFILE__YAML_MAP, "capture");

    if (rc || pairs == 0)
        return rc;
    st->captures = calloc(pairs, sizeof(*st->captures));
    if (!st->captures)
        return PROFILE_ENOMEM;
    for (size_t i = 0; i < pairs; i++) {
        const struct profile__yaml_node *k = n->items[2 * i];
        const struct profile__yaml_node *v = n->items[2 * i + 1];
        struct loader_capture *cap = &st->captures[i];
        char name[72];

        profile__quote(k->str, k->len, name, sizeof(name));
        if (strlen(k->str) != k->len || !profile__var_name_ok(k->str))
            return fail(c, k,
                        "capture: '%s' is not a variable name "
                        "(letters, digits, _ and -)",
                        name);
        cap->var = strdup(k->str);
        if (!cap->var)
            return PROFILE_ENOMEM;
        st->n_captures = i + 1;
        if ((rc = parse_capture_source(c, v, name, cap)))
            return rc;
    }
    return 0;
}

/* body: text, or @file relative to the profile ("@@" for a literal '@'). */
static int parse_body(struct pctx *c, const struct profile__yaml_node *n,
                      struct loader_step *st)
{
    char msg[400], *path = NULL, *buf = NULL;
    size_t len = 0;
    int rc = text(c, n, "body", &st->body, NULL);

    if (rc || st->body[0] != '@')
        return rc;
    if (st->body[1] == '@') {
        memmove(st->body, st->body + 1, strlen(st->body));
        return 0;
    }
    if (!st->body[1])
        return fail(c, n, "'body: @' needs a file name, like @payload.json");
    if (!(st->body_file = strdup(st->body + 1)) ||
        !(path = profile__relpath(c->prof->path, st->body_file)))
        return PROFILE_ENOMEM;
    rc = profile__read_file(path, PROFILE__YAML_MAX_SCALAR * 16, &buf, &len,
                            msg, sizeof(msg));
    free(path);
    if (rc == PROFILE_EPROFILE)
        return fail(c, n, "body: %s", msg);
    if (rc)
        return rc;
    if (memchr(buf, '\0', len)) {
        free(buf);
        return fail(c, n, "body: '%s' holds a NUL byte: only text bodies",
                    st->body_file);
    }
    free(st->body);
    st->body = buf;
    return 0;
}

static bool path_ok(const char *s)
{
    if (!(s[0] == '/' || strncmp(s, "{{", 2) == 0 || strncmp(s, "${", 2) == 0))
        return false;
    for (; *s; s++)
        if ((unsigned char)*s <= 0x20 || *s == 0x7f)
            return false;
    return true;
}

/* A step's headers: (a grpc: step's metadata:), their templates checked. */
static int step_headers(struct pctx *c, const struct profile__yaml_node *n,
                        const char *key, struct loader_step *st)
{
    const struct profile__yaml_node *v = find(n, key, NULL);
    int rc;

    if (!v)
        return 0;
    if ((rc = parse_kv_map(c, v, key, KV_HEADERS, false, &st->headers,
                           &st->n_headers)))
        return rc;
    for (size_t i = 0; i < st->n_headers; i++)
        if ((rc = check_tpl(c, v->items[2 * i + 1], st->headers[i].key,
                            st->headers[i].value)))
            return rc;
    return 0;
}

/* A grpc: step: what it shares with HTTP steps (name, metadata as
 * headers, timeout) here, the rest in profile_grpc.c. */
static int parse_grpc_step(struct pctx *c, const struct profile__yaml_node *n,
                           const struct profile__yaml_node *grpc_key,
                           struct loader_step *st)
{
    const struct profile__yaml_node *v, *k;
    bool name_env = false;
    int rc;

    for (size_t m = 0; m < N_OF(methods); m++)
        if (find(n, methods[m], &k))
            return fail(c, k,
                        "a step has one method; '%s' comes with 'grpc' "
                        "(line %d): make it a step of its own",
                        methods[m], grpc_key->line);
    if (c->in_setup)
        return fail(c, grpc_key,
                    "grpc: steps run in scenarios, not in setup or "
                    "teardown");
    if ((v = find(n, "name", NULL)) &&
        ((rc = string_field(c, v, "name", &st->name, &name_env)) ||
         (rc = keep_written(v, name_env, &st->name))))
        return rc;
    if ((rc = step_headers(c, n, "metadata", st)))
        return rc;
    if ((v = find(n, "timeout", NULL)) &&
        (rc = duration_field(c, v, "timeout", false, &st->timeout_s)))
        return rc;
    return profile__grpc_step(n, grpc_key, c->prof->path, c->p, st, c->err);
}

static int parse_step(struct pctx *c, const struct profile__yaml_node *n,
                      struct loader_step *st)
{
    const struct profile__yaml_node *method_key = NULL, *method_val = NULL;
    const struct profile__yaml_node *v, *json_key = NULL, *body_key = NULL;
    const struct profile__yaml_node *form_key = NULL;
    bool path_env = false, name_env = false;
    int rc;

    if (n->type != PROFILE__YAML_MAP)
        return fail(c, n, "a step must be a map like '- get: /path', not %s",
                    profile__yaml_kind(n));
    st->line = n->line;
    st->col = n->col;
    if ((rc = check_keys(c, n, step_keys, N_OF(step_keys), "a step")))
        return rc;
    if (find(n, "grpc", &v))
        return parse_grpc_step(c, n, v, st);
    if (find(n, "message", &v) || find(n, "metadata", &v))
        return fail(c, v,
                    "'%.*s' is for grpc: steps (an HTTP step has body and "
                    "headers)",
                    (int)v->len, v->str);
    for (size_t i = 0; i + 1 < n->n; i += 2)
        for (size_t m = 0; m < N_OF(methods); m++) {
            if (!key_is(n->items[i], methods[m]))
                continue;
            if (method_key)
                return fail(c, n->items[i],
                            "a step has one method; '%s' comes after '%.*s' "
                            "(line %d): make it a step of its own",
                            methods[m], (int)method_key->len, method_key->str,
                            method_key->line);
            method_key = n->items[i];
            method_val = n->items[i + 1];
        }
    if (!method_key)
        return fail(c, n,
                    "a step needs a method: one of get, post, put, "
                    "patch, delete, head (like '- get: /path'), or grpc");
    st->method = strdup(method_key->str);
    if (!st->method)
        return PROFILE_ENOMEM;
    for (char *p = st->method; *p; p++)
        *p = (char)(*p - 'a' + 'A');
    if ((rc = string_field(c, method_val, method_key->str, &st->path,
                           &path_env)) ||
        (rc = keep_written(method_val, path_env, &st->path_written)))
        return rc;
    if (!path_ok(st->path))
        return fail(c, method_val,
                    "'%s': the path must start with '/' (or be a "
                    "{{template}}) and hold no spaces; percent-encode them",
                    method_key->str);
    if ((v = find(n, "name", NULL)) &&
        ((rc = string_field(c, v, "name", &st->name, &name_env)) ||
         (rc = keep_written(v, name_env, &st->name))))
        return rc;
    if ((rc = check_tpl(c, method_val, method_key->str, st->path)))
        return rc;
    if ((rc = step_headers(c, n, "headers", st)))
        return rc;
    find(n, "json", &json_key);
    find(n, "body", &body_key);
    find(n, "form", &form_key);
    {
        /* at most one body: name the later of two */
        const struct profile__yaml_node *keys[] = {json_key, body_key,
                                                   form_key};
        const struct profile__yaml_node *first = NULL;

        for (size_t i = 0; i < N_OF(keys); i++) {
            const struct profile__yaml_node *k = keys[i];

            if (!k)
                continue;
            if (!first) {
                first = k;
                continue;
            }
            if (k->line < first->line ||
                (k->line == first->line && k->col < first->col)) {
                const struct profile__yaml_node *t = first;
                first = k;
                k = t;
            }
            return fail(c, k,
                        "'%.*s' and '%.*s' cannot be used together in one "
                        "step: each is the request's body",
                        (int)first->len, first->str, (int)k->len, k->str);
        }
    }
    if (json_key) {
        if ((rc = profile__json(find(n, "json", NULL), &st->body, c->err)))
            return rc;
        st->body_is_json = true;
        if ((rc = check_tpl(c, find(n, "json", NULL), "json", st->body)))
            return rc;
    }
    if (body_key) {
        if ((rc = parse_body(c, find(n, "body", NULL), st)) ||
            (rc = check_tpl(c, find(n, "body", NULL), "body", st->body)))
            return rc;
    }
    if (form_key &&
        (rc = parse_kv_map(c, find(n, "form", NULL), "form", KV_PARAMS, false,
                           &st->form, &st->n_form)))
        return rc;
    if ((v = find(n, "query", NULL)) &&
        (rc = parse_kv_map(c, v, "query", KV_PARAMS, false, &st->query,
                           &st->n_query)))
        return rc;
    if ((v = find(n, "expect", NULL)) && (rc = parse_expect(c, v, st)))
        return rc;
    if ((v = find(n, "capture", NULL)) && (rc = parse_capture(c, v, st)))
        return rc;
    if ((v = find(n, "timeout", NULL)) &&
        (rc = duration_field(c, v, "timeout", false, &st->timeout_s)))
        return rc;
    return profile__stream(n, st, c->err); /* stream:, slo: */
}

static int parse_scenario(struct pctx *c, const struct profile__yaml_node *n,
                          size_t index, struct loader_scenario *sc)
{
    const struct profile__yaml_node *v, *steps;
    unsigned long long u;
    int rc;

    if (n->type != PROFILE__YAML_MAP)
        return fail(c, n,
                    "a scenario must be a map with name, weight and "
                    "steps, not %s",
                    profile__yaml_kind(n));
    sc->line = n->line;
    sc->col = n->col;
    sc->weight = 1;
    if ((rc = check_keys(c, n, scenario_keys, N_OF(scenario_keys),
                         "a scenario")))
        return rc;
    if ((v = find(n, "name", NULL))) {
        if ((rc = string_field(c, v, "name", &sc->name, NULL)))
            return rc;
    } else {
        char buf[32];
        snprintf(buf, sizeof(buf), "scenario%zu", index + 1);
        if (!(sc->name = strdup(buf)))
            return PROFILE_ENOMEM;
    }
    if ((v = find(n, "weight", NULL))) {
        /* capped so that the sum of the weights cannot overflow */
        if ((rc = uint_field(c, v, "weight", 1, 1000000, &u)))
            return rc;
        sc->weight = (unsigned)u;
    }
    if ((v = find(n, "data", NULL)) && (rc = parse_feeder(c, v, &sc->data)))
        return rc;
    if (!(steps = find(n, "steps", NULL)))
        return fail(c, n, "scenario '%s' has no 'steps'", sc->name);
    if ((rc = want(c, steps, PROFILE__YAML_SEQ, "steps")))
        return rc;
    if (steps->n == 0)
        return fail(c, steps,
                    "scenario '%s' has no steps: give at least "
                    "one, like '- get: /'",
                    sc->name);
    sc->steps = calloc(steps->n, sizeof(*sc->steps));
    if (!sc->steps)
        return PROFILE_ENOMEM;
    for (size_t i = 0; i < steps->n; i++) {
        sc->n_steps = i + 1;
        if ((rc = parse_step(c, steps->items[i], &sc->steps[i])))
            return rc;
    }
    return 0;
}

static int parse_scenarios(struct pctx *c, const struct profile__yaml_node *n)
{
    int rc = want(c, n, PROFILE__YAML_SEQ, "scenarios");

    if (rc)
        return rc;
    if (n->n == 0)
        return fail(c, n,
                    "'scenarios' is empty: give at least one scenario "
                    "with steps");
    c->p->scenarios = calloc(n->n, sizeof(*c->p->scenarios));
    if (!c->p->scenarios)
        return PROFILE_ENOMEM;
    for (size_t i = 0; i < n->n; i++) {
        c->p->n_scenarios = i + 1;
        if ((rc = parse_scenario(c, n->items[i], i, &c->p->scenarios[i])))
            return rc;
    }
    return 0;
}

static int parse_thresholds(struct pctx *c, const struct profile__yaml_node *n)
{
    int rc = want(c, n, PROFILE__YAML_SEQ, "thresholds");

    if (rc || n->n == 0)
        return rc;
    c->prof->written = calloc(n->n, sizeof(*c->prof->written));
    if (!c->prof->written)
        return PROFILE_ENOMEM;
    for (size_t i = 0; i < n->n; i++) {
        const struct profile__yaml_node *t = n->items[i], *v;
        struct metrics_threshold *th = &c->prof->written[i];
        bool endpoint_env = false;

        c->prof->n_thresholds = i + 1;
        if (!(th->file = strdup(c->prof->path)))
            return PROFILE_ENOMEM;
        th->line = t->line;
        th->col = t->col;
        if (t->type == PROFILE__YAML_SCALAR) {
            if ((rc = string_field(c, t, "threshold", &th->check, NULL)))
                return rc;
            continue;
        }
        if (t->type != PROFILE__YAML_MAP)
            return fail(c, t,
                        "a threshold is an expression like 'p95 < 1s' "
                        "or a map with endpoint and check, not %s",
                        profile__yaml_kind(t));
        if ((rc = check_keys(c, t, threshold_keys, N_OF(threshold_keys),
                             "a threshold")))
            return rc;
        if ((v = find(t, "endpoint", NULL)) &&
            ((rc = string_field(c, v, "endpoint", &th->endpoint,
                                &endpoint_env)) ||
             (rc = keep_written(v, endpoint_env, &th->endpoint))))
            return rc;
        if (!(v = find(t, "check", NULL)))
            return fail(c, t,
                        "a threshold map needs 'check', like "
                        "'check: p99 < 2s'");
        if ((rc = string_field(c, v, "check", &th->check, NULL)))
            return rc;
        if ((v = find(t, "severity", NULL))) {
            if ((rc = string_field(c, v, "severity", &th->severity, NULL)))
                return rc;
            if (strcmp(th->severity, "warn") != 0 &&
                strcmp(th->severity, "error") != 0) {
                char q[72];
                profile__quote(th->severity, strlen(th->severity), q,
                               sizeof(q));
                return fail(c, v, "'severity' must be warn or error, not '%s'",
                            q);
            }
        }
        if ((v = find(t, "for", NULL)) &&
            (rc = duration_field(c, v, "for", false, &th->for_s)))
            return rc;
        if ((v = find(t, "abort", NULL)) &&
            (rc = bool_field(c, v, "abort", &th->abort_run)))
            return rc;
        if ((v = find(t, "min_effect", NULL)) &&
            (rc = string_field(c, v, "min_effect", &th->min_effect, NULL)))
            return rc;
    }
    return 0;
}

/* setup: and teardown: lists of steps. */
static int parse_step_list(struct pctx *c, const struct profile__yaml_node *n,
                           const char *what, struct loader_step **out,
                           size_t *count)
{
    int rc = want(c, n, PROFILE__YAML_SEQ, what);

    if (rc || n->n == 0)
        return rc;
    *out = calloc(n->n, sizeof(**out));
    if (!*out)
        return PROFILE_ENOMEM;
    c->in_setup = true;
    for (size_t i = 0; i < n->n && !rc; i++) {
        *count = i + 1;
        rc = parse_step(c, n->items[i], &(*out)[i]);
    }
    c->in_setup = false;
    return rc;
}

/* wait_for: {get: /health, timeout: 60s, interval: 1s} */
static int parse_wait_for(struct pctx *c, const struct profile__yaml_node *n)
{
    const struct profile__yaml_node *v, *mk = NULL, *hk = NULL;
    struct loader_wait_for *w;
    bool path_env = false;
    int rc = want(c, n, PROFILE__YAML_MAP, "wait_for");

    if (!rc)
        rc = check_keys(c, n, wait_for_keys, N_OF(wait_for_keys), "wait_for");
    if (rc)
        return rc;
    if (!(w = c->p->wait_for = calloc(1, sizeof(*w))))
        return PROFILE_ENOMEM;
    w->line = n->line;
    w->col = n->col;
    w->timeout_s = 60;
    w->interval_s = 1;
    v = find(n, "get", &mk);
    if (find(n, "head", &hk)) {
        if (mk)
            return fail(c, hk, "wait_for has one method: get or head");
        v = find(n, "head", &mk);
    }
    if (!v)
        return fail(c, n, "wait_for needs what to poll, like 'get: /health'");
    if (!(w->method = strdup(key_is(mk, "get") ? "GET" : "HEAD")))
        return PROFILE_ENOMEM;
    if ((rc = string_field(c, v, key_is(mk, "get") ? "get" : "head", &w->path,
                           &path_env)) ||
        (rc = keep_written(v, path_env, &w->path_written)))
        return rc;
    if (!path_ok(w->path))
        return fail(c, v,
                    "wait_for: the path must start with '/' and hold no "
                    "spaces");
    if ((v = find(n, "timeout", NULL)) &&
        (rc = duration_field(c, v, "timeout", false, &w->timeout_s)))
        return rc;
    if ((v = find(n, "interval", NULL)) &&
        (rc = duration_field(c, v, "interval", false, &w->interval_s)))
        return rc;
    return 0;
}

static int parse_root(struct pctx *c, const struct profile__yaml_node *root)
{
    const struct profile__yaml_node *v;
    unsigned long long u;
    int rc;

    if (!root || (root->type == PROFILE__YAML_SCALAR && root->plain &&
                  (root->len == 0 || strcmp(root->str, "~") == 0 ||
                   strcmp(root->str, "null") == 0))) {
        c->err->line = 1;
        c->err->col = 1;
        snprintf(c->err->msg, sizeof(c->err->msg),
                 "empty profile: expected version, target, load and "
                 "scenarios");
        return PROFILE_EPROFILE;
    }
    if (root->type != PROFILE__YAML_MAP)
        return fail(c, root,
                    "a profile must be a map of keys (version, "
                    "target, load, scenarios, ...), not %s",
                    profile__yaml_kind(root));
    if ((rc = check_keys(c, root, top_keys, N_OF(top_keys), "the profile")))
        return rc;

    if (!(v = find(root, "version", NULL)))
        return fail(c, root, "missing 'version: 1'");
    if ((rc = uint_field(c, v, "version", 0, 1000000, &u)))
        return rc;
    if (u != 1)
        return fail(c, v,
                    "unsupported version %llu: this loadgate reads "
                    "version 1",
                    u);
    c->prof->version = 1;

    if (!(v = find(root, "target", NULL)))
        return fail(c, root,
                    "missing 'target': the service's base URL, "
                    "like http://127.0.0.1:8080");
    if ((rc = parse_target(c, v)))
        return rc;

    c->p->timeout_s = 10;
    if ((v = find(root, "defaults", NULL)) && (rc = parse_defaults(c, v)))
        return rc;

    if (!(v = find(root, "load", NULL)))
        return fail(c, root,
                    "missing 'load': how many users or what rate, "
                    "and for how long");
    if ((rc = parse_load(c, v)))
        return rc;

    if ((v = find(root, "engine", NULL))) {
        char *engine = NULL;

        if ((rc = string_field(c, v, "engine", &engine, NULL)))
            return rc;
        if (loader_engine_parse(engine, &c->p->engine)) {
            char q[72];
            profile__quote(engine, strlen(engine), q, sizeof(q));
            free(engine);
            return fail(c, v, "'engine' must be fast or curl, not '%s'", q);
        }
        free(engine);
        if (c->p->follow_redirects && c->p->engine == LOADER_ENGINE_FAST)
            return fail(c, v,
                        "'engine: fast' does not follow redirects; use "
                        "engine: curl (or leave engine: out) with "
                        "follow_redirects");
    }

    /* http: the HTTP version (profile_http.c) */
    if ((v = find(root, "http", NULL)) && (rc = profile__http(v, c->p, c->err)))
        return rc;

    if (!(v = find(root, "scenarios", NULL)))
        return fail(c, root, "missing 'scenarios': what the users do");
    if ((rc = parse_scenarios(c, v)))
        return rc;

    if ((v = find(root, "thresholds", NULL)) && (rc = parse_thresholds(c, v)))
        return rc;

    if ((v = find(root, "data", NULL)) &&
        (rc = parse_feeder(c, v, &c->p->data)))
        return rc;
    if ((v = find(root, "wait_for", NULL)) && (rc = parse_wait_for(c, v)))
        return rc;
    if ((v = find(root, "setup", NULL)) &&
        (rc = parse_step_list(c, v, "setup", &c->p->setup, &c->p->n_setup)))
        return rc;
    if ((v = find(root, "teardown", NULL)) &&
        (rc = parse_step_list(c, v, "teardown", &c->p->teardown,
                              &c->p->n_teardown)))
        return rc;

    if ((v = find(root, "baseline", NULL))) {
        if ((rc =
                 string_field(c, v, "baseline", &c->prof->baseline.spec, NULL)))
            return rc;
        c->prof->baseline.line = v->line;
        c->prof->baseline.col = v->col;
    }
    return 0;
}

/* ---- public ------------------------------------------------------------ */

/* "checkout" for "perf/checkout.yaml". */
static char *stem(const char *path)
{
    const char *base = strrchr(path, '/');
    size_t n;

    base = base ? base + 1 : path;
    n = strlen(base);
    if (n > 5 && strcmp(base + n - 5, ".yaml") == 0)
        n -= 5;
    else if (n > 4 && strcmp(base + n - 4, ".yml") == 0)
        n -= 4;
    if (n == 0)
        return strdup("profile");
    return strndup(base, n);
}

void profile_free(struct profile *p)
{
    if (!p)
        return;
    loader_plan_free(p->plan);
    for (size_t i = 0; p->thresholds && i < p->n_thresholds; i++)
        compare_threshold_release(&p->thresholds[i]);
    free(p->thresholds);
    for (size_t i = 0; i < p->n_thresholds; i++)
        metrics_threshold_release(&p->written[i]);
    free(p->written);
    free(p->baseline.spec);
    free(p->baseline.path);
    free(p->path);
    free(p);
}

int profile_parse(const char *text, size_t len, const char *file,
                  struct profile **out, struct profile_error *err)
{
    struct profile_error local;
    struct profile__yaml_node *root = NULL;
    struct pctx c = {0};
    int rc;

    if (!err)
        err = &local;
    memset(err, 0, sizeof(*err));
    if (!file)
        file = "<profile>";
    snprintf(err->file, sizeof(err->file), "%s", file);
    if (!out || (!text && len > 0)) {
        snprintf(err->msg, sizeof(err->msg), "no profile text");
        return PROFILE_EINVAL;
    }
    *out = NULL;
    if (len > PROFILE__PROFILE_MAX_FILE) {
        snprintf(err->msg, sizeof(err->msg),
                 "the profile is larger than %u MiB",
                 PROFILE__PROFILE_MAX_FILE / (1024 * 1024));
        return PROFILE_EPROFILE;
    }
    rc = profile__yaml_parse(text ? text : "", len, &root, err);
    if (rc)
        goto out;
    c.err = err;
    c.prof = calloc(1, sizeof(*c.prof));
    if (!c.prof || !(c.p = c.prof->plan = calloc(1, sizeof(*c.p)))) {
        rc = PROFILE_ENOMEM;
        goto out;
    }
    c.prof->path = strdup(file);
    c.p->name = stem(file);
    if (!c.prof->path || !c.p->name) {
        rc = PROFILE_ENOMEM;
        goto out;
    }
    rc = parse_root(&c, root);
    if (!rc)
        rc = profile__finish(c.prof, err);
    if (!rc)
        rc = profile__hash(c.p);
    if (!rc) {
        *out = c.prof;
        c.prof = NULL;
    }
out:
    if (rc == PROFILE_ENOMEM) {
        err->line = err->col = 0;
        snprintf(err->msg, sizeof(err->msg), "%s", profile_strerror(rc));
    }
    profile_free(c.prof);
    profile__yaml_free(root);
    return rc;
}

int profile_load(const char *path, struct profile **out,
                 struct profile_error *err)
{
    struct profile_error local;
    FILE *f = NULL;
    char *buf = NULL;
    size_t len = 0;
    int rc = 0;

    if (!err)
        err = &local;
    memset(err, 0, sizeof(*err));
    if (!path || !out) {
        snprintf(err->msg, sizeof(err->msg), "no profile path");
        return PROFILE_EINVAL;
    }
    *out = NULL;
    snprintf(err->file, sizeof(err->file), "%s", path);
    f = fopen(path, "rb");
    if (!f) {
        snprintf(err->msg, sizeof(err->msg), "cannot open the profile: %s",
                 strerror(errno));
        return PROFILE_EIO;
    }
    rc = metrics_read_all(f, PROFILE__PROFILE_MAX_FILE, &buf, &len);
    if (rc == METRICS_ERANGE) {
        snprintf(err->msg, sizeof(err->msg),
                 "the profile is larger than %u MiB",
                 PROFILE__PROFILE_MAX_FILE / (1024 * 1024));
        rc = PROFILE_EPROFILE;
        goto out;
    }
    if (rc == METRICS_ENOMEM) {
        rc = PROFILE_ENOMEM;
        snprintf(err->msg, sizeof(err->msg), "%s", profile_strerror(rc));
        goto out;
    }
    if (rc) {
        snprintf(err->msg, sizeof(err->msg), "cannot read the profile: %s",
                 strerror(errno));
        rc = PROFILE_EIO;
        goto out;
    }
    rc = profile_parse(buf, len, path, out, err);
out:
    free(buf);
    fclose(f);
    return rc;
}

void profile_error_format(const struct profile_error *e, char *buf, size_t len)
{
    if (!buf || len == 0)
        return;
    if (!e) {
        buf[0] = '\0';
        return;
    }
    if (e->file[0] && e->line > 0 && e->col > 0)
        snprintf(buf, len, "%s:%d:%d: %s", e->file, e->line, e->col, e->msg);
    else if (e->file[0] && e->line > 0)
        snprintf(buf, len, "%s:%d: %s", e->file, e->line, e->msg);
    else if (e->file[0])
        snprintf(buf, len, "%s: %s", e->file, e->msg);
    else if (e->line > 0)
        snprintf(buf, len, "%d:%d: %s", e->line, e->col, e->msg);
    else
        snprintf(buf, len, "%s", e->msg);
}
