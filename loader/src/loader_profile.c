/* The profile schema: walks the YAML tree of loader_yaml.c and fills a
 * struct loader_profile, with the position of the offending node on every
 * error.  Values (never keys) get ${ENV} expansion; a value that came from
 * the environment is never quoted back in a message. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader_profile_internal.h"

#define N_OF(a) (sizeof(a) / sizeof(*(a)))

struct pctx {
    struct loader_error *err;
    struct loader_profile *p;
};

/* Keys known at each level: unknown ones are errors with a suggestion. */
static const char *const top_keys[] = {"version",    "target",  "defaults",
                                       "load",       "engine",  "scenarios",
                                       "thresholds", "baseline"};
static const char *const defaults_keys[] = {"headers", "timeout"};
static const char *const load_keys[] = {
    "users",      "spawn_rate", "duration", "requests",     "warmup",
    "think_time", "rate",       "stages",   "max_in_flight"};
static const char *const stage_keys[] = {"duration", "rate"};
static const char *const scenario_keys[] = {"name", "weight", "steps"};
static const char *const methods[] = {"get",   "post",   "put",
                                      "patch", "delete", "head"};
static const char *const step_keys[] = {
    "get",     "post", "put",  "patch",  "delete",  "head",   "name",
    "headers", "json", "body", "expect", "capture", "timeout"};
static const char *const expect_keys[] = {"status"};
static const char *const threshold_keys[] = {"endpoint", "check"};

__attribute__((format(printf, 3, 4))) static int
fail(struct pctx *c, const struct loader__yaml_node *n, const char *fmt, ...) {
    va_list ap;

    c->err->line = n ? n->line : 0;
    c->err->col = n ? n->col : 0;
    va_start(ap, fmt);
    vsnprintf(c->err->msg, sizeof(c->err->msg), fmt, ap);
    va_end(ap);
    return LOADER_EPROFILE;
}

/* ", not 'value'" for a message, or "" when the value came from the
 * environment (it may be a secret). */
static const char *shown(const char *s, bool expanded, char *buf, size_t len) {
    char q[72];

    if (expanded) {
        snprintf(buf, len, " (the value comes from ${...}: not shown)");
        return buf;
    }
    loader__quote(s, strlen(s), q, sizeof(q));
    snprintf(buf, len, ", not '%s'", q);
    return buf;
}

static bool key_is(const struct loader__yaml_node *k, const char *name) {
    size_t n = strlen(name);

    return k->len == n && memcmp(k->str, name, n) == 0;
}

/* The value under key in map (NULL when absent); *key_node gets the key. */
static const struct loader__yaml_node *
find(const struct loader__yaml_node *map, const char *key,
     const struct loader__yaml_node **key_node) {
    for (size_t i = 0; i + 1 < map->n; i += 2)
        if (key_is(map->items[i], key)) {
            if (key_node)
                *key_node = map->items[i];
            return map->items[i + 1];
        }
    return NULL;
}

static int check_keys(struct pctx *c, const struct loader__yaml_node *map,
                      const char *const *known, size_t n_known,
                      const char *where) {
    for (size_t i = 0; i + 1 < map->n; i += 2) {
        const struct loader__yaml_node *k = map->items[i];
        const char *best = NULL;
        size_t best_d = 3, j;
        char name[72], list[256] = "";

        for (j = 0; j < n_known; j++)
            if (key_is(k, known[j]))
                break;
        if (j < n_known)
            continue;
        loader__quote(k->str, k->len, name, sizeof(name));
        if (strlen(k->str) == k->len) {
            for (j = 0; j < n_known; j++) {
                size_t d = loader__levenshtein(k->str, known[j], 2);
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

static int want(struct pctx *c, const struct loader__yaml_node *n,
                enum loader__yaml_type type, const char *what) {
    static const char *const names[] = {"a single value", "a map", "a list"};

    if (n->type == type)
        return 0;
    return fail(c, n, "'%s' must be %s, not %s", what, names[type],
                loader__yaml_kind(n));
}

/* The scalar n, expanded, as a new string. */
static int text(struct pctx *c, const struct loader__yaml_node *n,
                const char *what, char **out, bool *expanded) {
    char msg[400];
    bool exp_local;
    int rc;

    *out = NULL;
    if (!expanded)
        expanded = &exp_local;
    rc = want(c, n, LOADER__YAML_SCALAR, what);
    if (rc)
        return rc;
    if (memchr(n->str, '\0', n->len))
        return fail(c, n, "'%s': a NUL character is not allowed", what);
    rc = loader__env_expand(n->str, n->len, out, expanded, msg, sizeof(msg));
    if (rc == LOADER_EPROFILE)
        return fail(c, n, "'%s': %s", what, msg);
    return rc;
}

/* A non-empty string value. */
static int string_field(struct pctx *c, const struct loader__yaml_node *n,
                        const char *what, char **out, bool *expanded) {
    int rc = text(c, n, what, out, expanded);

    if (rc == 0 && !**out) {
        free(*out);
        *out = NULL;
        return fail(c, n, "'%s' must not be empty", what);
    }
    return rc;
}

static int uint_field(struct pctx *c, const struct loader__yaml_node *n,
                      const char *what, unsigned long long min,
                      unsigned long long max, unsigned long long *out) {
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

static int duration_field(struct pctx *c, const struct loader__yaml_node *n,
                          const char *what, bool allow_zero, double *out) {
    char *s = NULL, buf[120];
    bool expanded = false;
    int rc = text(c, n, what, &s, &expanded);

    if (rc)
        return rc;
    if (loader__parse_duration(s, out))
        rc = fail(c, n, "'%s': expected a duration like 30s or 5m%s", what,
                  shown(s, expanded, buf, sizeof(buf)));
    else if (!allow_zero && *out <= 0)
        rc = fail(c, n, "'%s' must be longer than zero", what);
    free(s);
    return rc;
}

static int rate_field(struct pctx *c, const struct loader__yaml_node *n,
                      const char *what, bool allow_zero, double *out) {
    char *s = NULL, buf[120];
    bool expanded = false;
    int rc = text(c, n, what, &s, &expanded);

    if (rc)
        return rc;
    if (loader__parse_rate(s, out))
        rc = fail(c, n, "'%s': expected a rate like 50/s or 3000/m%s", what,
                  shown(s, expanded, buf, sizeof(buf)));
    else if (!allow_zero && *out <= 0)
        rc = fail(c, n, "'%s' must be greater than zero", what);
    free(s);
    return rc;
}

/* ---- pieces ------------------------------------------------------------ */

static int parse_target(struct pctx *c, const struct loader__yaml_node *n) {
    char buf[120];
    const char *why = NULL;
    size_t path_at, len;
    bool expanded = false;
    int rc = string_field(c, n, "target", &c->p->target, &expanded);

    if (rc)
        return rc;
    if (loader__split_url(c->p->target, &path_at, &why) == 0 &&
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

static int parse_headers(struct pctx *c, const struct loader__yaml_node *n,
                         const char *what, bool all_secret,
                         struct loader_kv **out, size_t *count) {
    size_t pairs = n->n / 2;
    int rc = want(c, n, LOADER__YAML_MAP, what);

    if (rc || pairs == 0)
        return rc;
    *out = calloc(pairs, sizeof(**out));
    if (!*out)
        return LOADER_ENOMEM;
    for (size_t i = 0; i < pairs; i++) {
        const struct loader__yaml_node *k = n->items[2 * i];
        const struct loader__yaml_node *v = n->items[2 * i + 1];
        struct loader_kv *kv = &(*out)[i];
        bool expanded = false;
        char name[72];

        loader__quote(k->str, k->len, name, sizeof(name));
        if (strlen(k->str) != k->len || !loader__header_name_ok(k->str))
            return fail(c, k, "'%s' is not a valid header name", name);
        kv->key = strdup(k->str);
        if (!kv->key)
            return LOADER_ENOMEM;
        *count = i + 1;
        rc = text(c, v, name, &kv->value, &expanded);
        if (rc)
            return rc;
        if (strpbrk(kv->value, "\r\n"))
            return fail(c, v,
                        "header '%s': a value cannot contain line "
                        "breaks",
                        name);
        kv->secret =
            all_secret || expanded || loader__header_name_secret(kv->key);
    }
    return 0;
}

static int parse_defaults(struct pctx *c, const struct loader__yaml_node *n) {
    const struct loader__yaml_node *v;
    int rc = want(c, n, LOADER__YAML_MAP, "defaults");

    if (!rc)
        rc = check_keys(c, n, defaults_keys, N_OF(defaults_keys), "defaults");
    if (!rc && (v = find(n, "headers", NULL)))
        /* every default header is secret: they usually carry credentials */
        rc = parse_headers(c, v, "headers", true, &c->p->headers,
                           &c->p->n_headers);
    if (!rc && (v = find(n, "timeout", NULL)))
        rc = duration_field(c, v, "timeout", false, &c->p->timeout_s);
    return rc;
}

static int parse_stages(struct pctx *c, const struct loader__yaml_node *n) {
    struct loader_load *l = &c->p->load;
    int rc = want(c, n, LOADER__YAML_SEQ, "stages");

    if (rc)
        return rc;
    if (n->n == 0)
        return fail(c, n,
                    "'stages' is empty: give stages like "
                    "[{duration: 1m, rate: 100/s}]");
    l->stages = calloc(n->n, sizeof(*l->stages));
    if (!l->stages)
        return LOADER_ENOMEM;
    for (size_t i = 0; i < n->n; i++) {
        const struct loader__yaml_node *s = n->items[i], *v;
        struct loader_stage *st = &l->stages[i];

        l->n_stages = i + 1;
        rc = want(c, s, LOADER__YAML_MAP, "a stage");
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
    }
    return 0;
}

static int parse_load(struct pctx *c, const struct loader__yaml_node *n) {
    struct loader_load *l = &c->p->load;
    const struct loader__yaml_node *v, *stages, *rate_key = NULL, *stages_key;
    unsigned long long u;
    int rc = want(c, n, LOADER__YAML_MAP, "load");

    if (!rc)
        rc = check_keys(c, n, load_keys, N_OF(load_keys), "load");
    if (rc)
        return rc;
    if ((v = find(n, "users", NULL))) {
        if ((rc = uint_field(c, v, "users", 1, UINT_MAX, &u)))
            return rc;
        l->users = (unsigned)u;
    }
    if ((v = find(n, "spawn_rate", NULL)) &&
        (rc = rate_field(c, v, "spawn_rate", true, &l->spawn_rate)))
        return rc;
    if ((v = find(n, "duration", NULL)) &&
        (rc = duration_field(c, v, "duration", false, &l->duration_s)))
        return rc;
    if ((v = find(n, "requests", NULL))) {
        if ((rc = uint_field(c, v, "requests", 1, ULLONG_MAX, &u)))
            return rc;
        l->requests = u;
    }
    if ((v = find(n, "warmup", NULL)) &&
        (rc = duration_field(c, v, "warmup", true, &l->warmup_s)))
        return rc;
    if ((v = find(n, "think_time", NULL))) {
        char *s = NULL, buf[120];
        bool expanded = false;
        if ((rc = text(c, v, "think_time", &s, &expanded)))
            return rc;
        if (loader__parse_think(s, &l->think_min_s, &l->think_max_s))
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
            const struct loader__yaml_node *later =
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
    if (l->users == 0 && l->rate <= 0 && l->n_stages == 0)
        return fail(c, n,
                    "load needs 'users' (closed model) or 'rate' or "
                    "'stages' (open model)");
    if (l->duration_s <= 0 && l->requests == 0) {
        /* a ramp knows its own length */
        for (size_t i = 0; i < l->n_stages; i++)
            l->duration_s += l->stages[i].duration_s;
        if (l->duration_s <= 0)
            return fail(c, n,
                        "load needs 'duration' or 'requests' to know "
                        "when to stop");
    }
    return 0;
}

static bool var_name_ok(const char *s) {
    if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == '_'))
        return false;
    for (s++; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
              (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
            return false;
    return true;
}

static int parse_expect(struct pctx *c, const struct loader__yaml_node *n,
                        struct loader_step *st) {
    const struct loader__yaml_node *v;
    unsigned long long u;
    size_t count;
    int rc = want(c, n, LOADER__YAML_MAP, "expect");

    if (!rc)
        rc = check_keys(c, n, expect_keys, N_OF(expect_keys), "expect");
    if (rc || !(v = find(n, "status", NULL)))
        return rc;
    if (v->type == LOADER__YAML_MAP)
        return fail(c, v,
                    "'status' must be a status like 201 or a list "
                    "like [200, 204], not a map");
    count = v->type == LOADER__YAML_SEQ ? v->n : 1;
    if (count == 0)
        return fail(c, v, "'status' is an empty list");
    st->expect_status = calloc(count, sizeof(*st->expect_status));
    if (!st->expect_status)
        return LOADER_ENOMEM;
    for (size_t i = 0; i < count; i++) {
        const struct loader__yaml_node *s =
            v->type == LOADER__YAML_SEQ ? v->items[i] : v;
        if ((rc = uint_field(c, s, "status", 100, 599, &u)))
            return rc;
        st->expect_status[i] = (int)u;
        st->n_expect_status = i + 1;
    }
    return 0;
}

static int parse_capture(struct pctx *c, const struct loader__yaml_node *n,
                         struct loader_step *st) {
    size_t pairs = n->n / 2;
    int rc = want(c, n, LOADER__YAML_MAP, "capture");

    if (rc || pairs == 0)
        return rc;
    st->captures = calloc(pairs, sizeof(*st->captures));
    if (!st->captures)
        return LOADER_ENOMEM;
    for (size_t i = 0; i < pairs; i++) {
        const struct loader__yaml_node *k = n->items[2 * i];
        const struct loader__yaml_node *v = n->items[2 * i + 1];
        struct loader_capture *cap = &st->captures[i];
        char name[72];

        loader__quote(k->str, k->len, name, sizeof(name));
        if (strlen(k->str) != k->len || !var_name_ok(k->str))
            return fail(c, k,
                        "capture: '%s' is not a variable name "
                        "(letters, digits, _ and -)",
                        name);
        cap->var = strdup(k->str);
        if (!cap->var)
            return LOADER_ENOMEM;
        st->n_captures = i + 1;
        if ((rc = text(c, v, name, &cap->pointer, NULL)))
            return rc;
        if (cap->pointer[0] != '/')
            return fail(c, v,
                        "capture '%s': a JSON pointer starts with "
                        "'/', like /id or /items/0/id",
                        name);
    }
    return 0;
}

static bool path_ok(const char *s) {
    if (!(s[0] == '/' || strncmp(s, "{{", 2) == 0 || strncmp(s, "${", 2) == 0))
        return false;
    for (; *s; s++)
        if ((unsigned char)*s <= 0x20 || *s == 0x7f)
            return false;
    return true;
}

static int parse_step(struct pctx *c, const struct loader__yaml_node *n,
                      struct loader_step *st) {
    const struct loader__yaml_node *method_key = NULL, *method_val = NULL;
    const struct loader__yaml_node *v, *json_key = NULL, *body_key = NULL;
    int rc;

    if (n->type != LOADER__YAML_MAP)
        return fail(c, n, "a step must be a map like '- get: /path', not %s",
                    loader__yaml_kind(n));
    st->line = n->line;
    st->col = n->col;
    if ((rc = check_keys(c, n, step_keys, N_OF(step_keys), "a step")))
        return rc;
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
                    "patch, delete, head (like '- get: /path')");
    st->method = strdup(method_key->str);
    if (!st->method)
        return LOADER_ENOMEM;
    for (char *p = st->method; *p; p++)
        *p = (char)(*p - 'a' + 'A');
    if ((rc = string_field(c, method_val, method_key->str, &st->path, NULL)))
        return rc;
    if (!path_ok(st->path))
        return fail(c, method_val,
                    "'%s': the path must start with '/' (or be a "
                    "{{template}}) and hold no spaces; percent-encode them",
                    method_key->str);
    if ((v = find(n, "name", NULL)) &&
        (rc = string_field(c, v, "name", &st->name, NULL)))
        return rc;
    if ((v = find(n, "headers", NULL)) &&
        (rc = parse_headers(c, v, "headers", false, &st->headers,
                            &st->n_headers)))
        return rc;
    find(n, "json", &json_key);
    find(n, "body", &body_key);
    if (json_key && body_key) {
        const struct loader__yaml_node *later =
            json_key->line > body_key->line ||
                    (json_key->line == body_key->line &&
                     json_key->col > body_key->col)
                ? json_key
                : body_key;
        return fail(c, later,
                    "'json' and 'body' cannot be used together "
                    "in one step: json: is the body");
    }
    if (json_key) {
        if ((rc = loader__profile_json(find(n, "json", NULL), &st->body,
                                       c->err)))
            return rc;
        st->body_is_json = true;
    }
    if (body_key &&
        (rc = text(c, find(n, "body", NULL), "body", &st->body, NULL)))
        return rc;
    if ((v = find(n, "expect", NULL)) && (rc = parse_expect(c, v, st)))
        return rc;
    if ((v = find(n, "capture", NULL)) && (rc = parse_capture(c, v, st)))
        return rc;
    if ((v = find(n, "timeout", NULL)) &&
        (rc = duration_field(c, v, "timeout", false, &st->timeout_s)))
        return rc;
    return 0;
}

static int parse_scenario(struct pctx *c, const struct loader__yaml_node *n,
                          size_t index, struct loader_scenario *sc) {
    const struct loader__yaml_node *v, *steps;
    unsigned long long u;
    int rc;

    if (n->type != LOADER__YAML_MAP)
        return fail(c, n,
                    "a scenario must be a map with name, weight and "
                    "steps, not %s",
                    loader__yaml_kind(n));
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
            return LOADER_ENOMEM;
    }
    if ((v = find(n, "weight", NULL))) {
        /* capped so that the sum of the weights cannot overflow */
        if ((rc = uint_field(c, v, "weight", 1, 1000000, &u)))
            return rc;
        sc->weight = (unsigned)u;
    }
    if (!(steps = find(n, "steps", NULL)))
        return fail(c, n, "scenario '%s' has no 'steps'", sc->name);
    if ((rc = want(c, steps, LOADER__YAML_SEQ, "steps")))
        return rc;
    if (steps->n == 0)
        return fail(c, steps,
                    "scenario '%s' has no steps: give at least "
                    "one, like '- get: /'",
                    sc->name);
    sc->steps = calloc(steps->n, sizeof(*sc->steps));
    if (!sc->steps)
        return LOADER_ENOMEM;
    for (size_t i = 0; i < steps->n; i++) {
        sc->n_steps = i + 1;
        if ((rc = parse_step(c, steps->items[i], &sc->steps[i])))
            return rc;
    }
    return 0;
}

static int parse_scenarios(struct pctx *c, const struct loader__yaml_node *n) {
    int rc = want(c, n, LOADER__YAML_SEQ, "scenarios");

    if (rc)
        return rc;
    if (n->n == 0)
        return fail(c, n,
                    "'scenarios' is empty: give at least one scenario "
                    "with steps");
    c->p->scenarios = calloc(n->n, sizeof(*c->p->scenarios));
    if (!c->p->scenarios)
        return LOADER_ENOMEM;
    for (size_t i = 0; i < n->n; i++) {
        c->p->n_scenarios = i + 1;
        if ((rc = parse_scenario(c, n->items[i], i, &c->p->scenarios[i])))
            return rc;
    }
    return 0;
}

static int parse_thresholds(struct pctx *c, const struct loader__yaml_node *n) {
    int rc = want(c, n, LOADER__YAML_SEQ, "thresholds");

    if (rc || n->n == 0)
        return rc;
    c->p->thresholds = calloc(n->n, sizeof(*c->p->thresholds));
    if (!c->p->thresholds)
        return LOADER_ENOMEM;
    for (size_t i = 0; i < n->n; i++) {
        const struct loader__yaml_node *t = n->items[i], *v;
        struct loader_threshold *th = &c->p->thresholds[i];

        c->p->n_thresholds = i + 1;
        th->line = t->line;
        th->col = t->col;
        if (t->type == LOADER__YAML_SCALAR) {
            if ((rc = string_field(c, t, "threshold", &th->check, NULL)))
                return rc;
            continue;
        }
        if (t->type != LOADER__YAML_MAP)
            return fail(c, t,
                        "a threshold is an expression like 'p95 < 1s' "
                        "or a map with endpoint and check, not %s",
                        loader__yaml_kind(t));
        if ((rc = check_keys(c, t, threshold_keys, N_OF(threshold_keys),
                             "a threshold")))
            return rc;
        if (!(v = find(t, "endpoint", NULL)))
            return fail(c, t,
                        "a threshold map needs 'endpoint' (or write "
                        "the check alone for every endpoint)");
        if ((rc = string_field(c, v, "endpoint", &th->endpoint, NULL)))
            return rc;
        if (!(v = find(t, "check", NULL)))
            return fail(c, t,
                        "a threshold map needs 'check', like "
                        "'check: p99 < 2s'");
        if ((rc = string_field(c, v, "check", &th->check, NULL)))
            return rc;
    }
    return 0;
}

static int parse_root(struct pctx *c, const struct loader__yaml_node *root) {
    const struct loader__yaml_node *v;
    unsigned long long u;
    int rc;

    if (!root || (root->type == LOADER__YAML_SCALAR && root->plain &&
                  (root->len == 0 || strcmp(root->str, "~") == 0 ||
                   strcmp(root->str, "null") == 0))) {
        c->err->line = 1;
        c->err->col = 1;
        snprintf(c->err->msg, sizeof(c->err->msg),
                 "empty profile: expected version, target, load and "
                 "scenarios");
        return LOADER_EPROFILE;
    }
    if (root->type != LOADER__YAML_MAP)
        return fail(c, root,
                    "a profile must be a map of keys (version, "
                    "target, load, scenarios, ...), not %s",
                    loader__yaml_kind(root));
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
    c->p->version = 1;

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
        if ((rc = string_field(c, v, "engine", &c->p->engine, NULL)))
            return rc;
        if (strcmp(c->p->engine, "fast") != 0 &&
            strcmp(c->p->engine, "curl") != 0) {
            char q[72];
            loader__quote(c->p->engine, strlen(c->p->engine), q, sizeof(q));
            return fail(c, v, "'engine' must be fast or curl, not '%s'", q);
        }
    }

    if (!(v = find(root, "scenarios", NULL)))
        return fail(c, root, "missing 'scenarios': what the users do");
    if ((rc = parse_scenarios(c, v)))
        return rc;

    if ((v = find(root, "thresholds", NULL)) && (rc = parse_thresholds(c, v)))
        return rc;

    if ((v = find(root, "baseline", NULL))) {
        if ((rc = string_field(c, v, "baseline", &c->p->baseline, NULL)))
            return rc;
        c->p->baseline_line = v->line;
    }
    return 0;
}

/* ---- public ------------------------------------------------------------ */

static void release_kvs(struct loader_kv *kv, size_t n) {
    for (size_t i = 0; i < n; i++) {
        free(kv[i].key);
        free(kv[i].value);
    }
    free(kv);
}

void loader_profile_free(struct loader_profile *p) {
    if (!p)
        return;
    for (size_t i = 0; i < p->n_scenarios; i++) {
        struct loader_scenario *s = &p->scenarios[i];
        for (size_t k = 0; k < s->n_steps; k++) {
            struct loader_step *st = &s->steps[k];
            free(st->method);
            free(st->path);
            free(st->name);
            release_kvs(st->headers, st->n_headers);
            free(st->body);
            free(st->expect_status);
            for (size_t j = 0; j < st->n_captures; j++) {
                free(st->captures[j].var);
                free(st->captures[j].pointer);
            }
            free(st->captures);
        }
        free(s->steps);
        free(s->name);
    }
    free(p->scenarios);
    for (size_t i = 0; i < p->n_thresholds; i++) {
        free(p->thresholds[i].endpoint);
        free(p->thresholds[i].check);
    }
    free(p->thresholds);
    release_kvs(p->headers, p->n_headers);
    free(p->load.stages);
    free(p->path);
    free(p->name);
    free(p->target);
    free(p->engine);
    free(p->baseline);
    free(p);
}

/* "checkout" for "perf/checkout.yaml". */
static char *stem(const char *path) {
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

int loader_profile_parse(const char *text, size_t len, const char *file,
                         struct loader_profile **out,
                         struct loader_error *err) {
    struct loader_error local;
    struct loader__yaml_node *root = NULL;
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
        return LOADER_EINVAL;
    }
    *out = NULL;
    if (len > LOADER__PROFILE_MAX_FILE) {
        snprintf(err->msg, sizeof(err->msg),
                 "the profile is larger than %u MiB",
                 LOADER__PROFILE_MAX_FILE / (1024 * 1024));
        return LOADER_EPROFILE;
    }
    rc = loader__yaml_parse(text ? text : "", len, &root, err);
    if (rc)
        goto out;
    c.err = err;
    c.p = calloc(1, sizeof(*c.p));
    if (!c.p) {
        rc = LOADER_ENOMEM;
        goto out;
    }
    c.p->path = strdup(file);
    c.p->name = stem(file);
    if (!c.p->path || !c.p->name) {
        rc = LOADER_ENOMEM;
        goto out;
    }
    rc = parse_root(&c, root);
    if (!rc)
        rc = loader__profile_hash(c.p);
    if (!rc) {
        *out = c.p;
        c.p = NULL;
    }
out:
    if (rc == LOADER_ENOMEM) {
        err->line = err->col = 0;
        snprintf(err->msg, sizeof(err->msg), "%s", loader_strerror(rc));
    }
    loader_profile_free(c.p);
    loader__yaml_free(root);
    return rc;
}

int loader_profile_load(const char *path, struct loader_profile **out,
                        struct loader_error *err) {
    struct loader_error local;
    FILE *f = NULL;
    char *buf = NULL;
    size_t len = 0, cap = 64 * 1024;
    int rc = 0;

    if (!err)
        err = &local;
    memset(err, 0, sizeof(*err));
    if (!path || !out) {
        snprintf(err->msg, sizeof(err->msg), "no profile path");
        return LOADER_EINVAL;
    }
    *out = NULL;
    snprintf(err->file, sizeof(err->file), "%s", path);
    f = fopen(path, "rb");
    if (!f) {
        snprintf(err->msg, sizeof(err->msg), "cannot open the profile: %s",
                 strerror(errno));
        return LOADER_EIO;
    }
    for (;;) {
        size_t got;
        if (len == cap || !buf) {
            char *p;
            if (buf)
                cap *= 2;
            if (cap > LOADER__PROFILE_MAX_FILE + 1)
                cap = LOADER__PROFILE_MAX_FILE + 1;
            p = realloc(buf, cap);
            if (!p) {
                rc = LOADER_ENOMEM;
                snprintf(err->msg, sizeof(err->msg), "%s", loader_strerror(rc));
                goto out;
            }
            buf = p;
        }
        got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (len > LOADER__PROFILE_MAX_FILE) {
            snprintf(err->msg, sizeof(err->msg),
                     "the profile is larger than %u MiB",
                     LOADER__PROFILE_MAX_FILE / (1024 * 1024));
            rc = LOADER_EPROFILE;
            goto out;
        }
        if (got == 0) {
            if (ferror(f)) {
                snprintf(err->msg, sizeof(err->msg),
                         "cannot read the profile: %s", strerror(errno));
                rc = LOADER_EIO;
                goto out;
            }
            break;
        }
    }
    rc = loader_profile_parse(buf, len, path, out, err);
out:
    free(buf);
    fclose(f);
    return rc;
}

void loader_error_format(const struct loader_error *e, char *buf, size_t len) {
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
