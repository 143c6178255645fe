/* A step's grpc: key (README, "gRPC"): a unary call over HTTP/2.
 *
 *   - grpc: /helloworld.Greeter/SayHello
 *     message: {file: hello.bin}        # or {base64: "CgV3b3JsZA=="}
 *     metadata: {x-tenant: acme}        # headers, secret as headers are
 *     timeout: 2s                       # also sent as grpc-timeout
 *     name: "GRPC SayHello"
 *     expect: {grpc_status: 0}          # or [0, NOT_FOUND]; default OK
 *
 * Hooked into profile.c's step parser (profile__grpc_step()); the step
 * becomes a POST to the method's path with the message framed
 * (loader_grpc_frame()); the engine adds content-type, te and
 * grpc-timeout. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "profile_internal.h"

#define N_OF(a) (sizeof(a) / sizeof(*(a)))

/* What a gRPC step may hold, and the maps under it. */
static const char *const grpc_step_keys[] = {"grpc",    "name",    "metadata",
                                             "message", "timeout", "expect"};
static const char *const message_keys[] = {"file", "base64"};
static const char *const grpc_expect_keys[] = {"grpc_status"};

/* The largest message a profile may give (as a body: file). */
#define GRPC_MESSAGE_MAX (16u * 1024 * 1024)

const char *const *profile__grpc_keys(const char *level, size_t *n)
{
    if (level && strcmp(level, "message") == 0) {
        *n = N_OF(message_keys);
        return message_keys;
    }
    *n = 0;
    return NULL;
}

#define bad(err, n, ...)                                                       \
    profile__fail_at((err), (n)->line, (n)->col, __VA_ARGS__)

/* ---- base64 --------------------------------------------------------------
 */

static int b64_value(unsigned char ch)
{
    if (ch >= 'A' && ch <= 'Z')
        return ch - 'A';
    if (ch >= 'a' && ch <= 'z')
        return ch - 'a' + 26;
    if (ch >= '0' && ch <= '9')
        return ch - '0' + 52;
    if (ch == '+' || ch == '-')
        return 62;
    if (ch == '/' || ch == '_')
        return 63;
    return -1;
}

int profile__base64_decode(const char *s, size_t len, unsigned char **out,
                           size_t *out_len, size_t *bad_at)
{
    unsigned char *o = malloc(len / 4 * 3 + 3);
    size_t n = 0, digits = 0, pad = 0;
    uint32_t acc = 0;

    *out = NULL;
    *out_len = 0;
    if (!o)
        return PROFILE_ENOMEM;
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        int v;

        if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r')
            continue; /* a folded YAML string */
        if (ch == '=') {
            /* padding ends the text: at most two, where a group ends */
            if (digits % 4 < 2 || digits % 4 + pad >= 4) {
                *bad_at = i;
                free(o);
                return PROFILE_EPROFILE;
            }
            pad++;
            continue;
        }
        if (pad || (v = b64_value(ch)) < 0) {
            *bad_at = i;
            free(o);
            return PROFILE_EPROFILE;
        }
        acc = acc << 6 | (uint32_t)v;
        if (++digits % 4 == 0) {
            o[n++] = (unsigned char)(acc >> 16);
            o[n++] = (unsigned char)(acc >> 8);
            o[n++] = (unsigned char)acc;
            acc = 0;
        }
    }
    switch (digits % 4) {
    case 1: /* six bits are no byte */
        *bad_at = len;
        free(o);
        return PROFILE_EPROFILE;
    case 2:
        o[n++] = (unsigned char)(acc >> 4);
        break;
    case 3:
        o[n++] = (unsigned char)(acc >> 10);
        o[n++] = (unsigned char)(acc >> 2);
        break;
    default:
        break;
    }
    *out = o;
    *out_len = n;
    return 0;
}

/* ---- the keys --------------------------------------------------------- */

static bool in(const struct profile__yaml_node *k, const char *const *names,
               size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (k->len == strlen(names[i]) && memcmp(k->str, names[i], k->len) == 0)
            return true;
    return false;
}

/* /package.Service/Method: two non-empty parts, no spaces. */
static bool method_ok(const char *s)
{
    const char *slash;

    if (s[0] != '/' || !(slash = strchr(s + 1, '/')) || slash == s + 1 ||
        !slash[1] || strchr(slash + 1, '/'))
        return false;
    for (; *s; s++)
        if ((unsigned char)*s <= 0x20 || *s == 0x7f || *s == '?' || *s == '#')
            return false;
    return true;
}

/* message: {file: x.bin} or {base64: "..."}: the bytes into *msg. */
static int parse_message(const struct profile__yaml_node *n,
                         const char *profile_path, struct loader_grpc *g,
                         unsigned char **msg, size_t *len,
                         struct profile_error *err)
{
    const struct profile__yaml_node *f, *b;
    char why[400], *s = NULL, *path;
    size_t at = 0;
    int rc;

    if (n->type != PROFILE__YAML_MAP)
        return bad(err, n,
                   "'message' must be a map like {file: request.bin} or "
                   "{base64: \"CgV3b3JsZA==\"}, not %s",
                   profile__yaml_kind(n));
    if ((rc = profile__check_keys(n, message_keys, N_OF(message_keys),
                                  "message", err)))
        return rc;
    f = profile__find(n, "file");
    b = profile__find(n, "base64");
    if (!f == !b)
        return bad(err, n,
                   "'message' takes one of file (serialized protobuf "
                   "bytes, relative to the profile) or base64");
    if (f) {
        if ((rc = profile__text(f, "file", &g->message_file, NULL, err)))
            return rc;
        if (!g->message_file[0])
            return bad(err, f, "'file' must not be empty");
        if (!(path = profile__relpath(profile_path, g->message_file)))
            return PROFILE_ENOMEM;
        rc = profile__read_file(path, GRPC_MESSAGE_MAX, (char **)msg, len, why,
                                sizeof(why));
        free(path);
        if (rc == PROFILE_EPROFILE)
            return bad(err, f, "message: %s", why);
        return rc;
    }
    if ((rc = profile__text(b, "base64", &s, NULL, err)))
        return rc;
    rc = profile__base64_decode(s, strlen(s), msg, len, &at);
    if (rc == PROFILE_EPROFILE)
        rc = at < strlen(s)
                 ? bad(err, b,
                       "'base64': '%c' at offset %zu is not base64 "
                       "(A-Z, a-z, 0-9, +, / and = at the end)",
                       s[at] >= 0x20 && s[at] < 0x7f ? s[at] : '?', at)
                 : bad(err, b,
                       "'base64': the text ends mid-byte (its length "
                       "is one more than a multiple of 4)");
    free(s);
    return rc;
}

/* A code 0..16, as a number or its name. */
static int status_code(const struct profile__yaml_node *n, int *out,
                       struct profile_error *err)
{
    char *s = NULL, *end, q[72];
    long v;
    int rc = profile__text(n, "grpc_status", &s, NULL, err);

    if (rc)
        return rc;
    v = strtol(s, &end, 10);
    if (s[0] >= '0' && s[0] <= '9' && !*end && v < METRICS_GRPC_STATUS_MAX)
        *out = (int)v;
    else if ((*out = metrics_grpc_status_parse(s)) < 0) {
        profile__quote(s, strlen(s), q, sizeof(q));
        rc = bad(err, n,
                 "'grpc_status' must be a gRPC status code from 0 to 16 or "
                 "its name (OK, NOT_FOUND, UNAVAILABLE, ...), not '%s'",
                 q);
    }
    free(s);
    return rc;
}

/* expect: {grpc_status: 0} or {grpc_status: [0, NOT_FOUND]}. */
static int parse_expect(const struct profile__yaml_node *n,
                        struct loader_grpc *g, struct profile_error *err)
{
    const struct profile__yaml_node *v;
    int rc, code;

    if (n->type != PROFILE__YAML_MAP)
        return bad(err, n, "'expect' must be a map like {grpc_status: 0}");
    for (size_t i = 0; i + 1 < n->n; i += 2) {
        const struct profile__yaml_node *k = n->items[i];

        if (strcmp(k->str, "status") == 0 ||
            strcmp(k->str, "body_contains") == 0 || strcmp(k->str, "json") == 0)
            return bad(err, k,
                       "a grpc: step expects 'grpc_status' (its HTTP status "
                       "is always 200, its body protobuf), not '%s'",
                       k->str);
    }
    if ((rc = profile__check_keys(n, grpc_expect_keys, N_OF(grpc_expect_keys),
                                  "expect", err)))
        return rc;
    if (!(v = profile__find(n, "grpc_status")))
        return 0;
    if (v->type == PROFILE__YAML_MAP)
        return bad(err, v,
                   "'grpc_status' must be a code like 0 or a list like "
                   "[0, NOT_FOUND], not a map");
    if (v->type == PROFILE__YAML_SEQ && v->n == 0)
        return bad(err, v, "'grpc_status' is an empty list");
    for (size_t i = 0; i < (v->type == PROFILE__YAML_SEQ ? v->n : 1); i++) {
        if ((rc = status_code(v->type == PROFILE__YAML_SEQ ? v->items[i] : v,
                              &code, err)))
            return rc;
        g->expect |= UINT32_C(1) << code;
    }
    return 0;
}

/* Metadata gRPC itself sends: not the user's to set. */
static bool reserved_metadata(const char *name)
{
    static const char *const names[] = {"content-type", "te", "user-agent",
                                        "content-length", "host"};

    if (strncasecmp(name, "grpc-", 5) == 0)
        return true;
    for (size_t i = 0; i < N_OF(names); i++)
        if (strcasecmp(name, names[i]) == 0)
            return true;
    return false;
}

int profile__grpc_step(const struct profile__yaml_node *n,
                       const struct profile__yaml_node *grpc_key,
                       const char *profile_path, const struct loader_plan *p,
                       struct loader_step *st, struct profile_error *err)
{
    const struct profile__yaml_node *v = profile__find(n, "grpc");
    struct loader_grpc *g;
    unsigned char *msg = NULL;
    size_t len = 0;
    bool expanded = false;
    char q[72];
    int rc;

    for (size_t i = 0; i + 1 < n->n; i += 2) {
        const struct profile__yaml_node *k = n->items[i];

        if (strcmp(k->str, "headers") == 0)
            return bad(err, k,
                       "a grpc: step sends 'metadata', not 'headers' "
                       "(defaults.headers still go out)");
        if (in(k, grpc_step_keys, N_OF(grpc_step_keys)))
            continue;
        profile__quote(k->str, k->len, q, sizeof(q));
        return bad(err, k,
                   "'%s' is not for a grpc: step (it takes name, message, "
                   "metadata, timeout and expect: {grpc_status})",
                   q);
    }
    if (p->http.version != LOADER_HTTP_2 &&
        !(p->http.version == LOADER_HTTP_AUTO && p->target &&
          strncmp(p->target, "https://", 8) == 0))
        return bad(err, grpc_key,
                   "grpc: needs HTTP/2: add 'http: 2' to the profile (or "
                   "'http: auto' with an https target that offers h2)");
    if (!(g = st->grpc = calloc(1, sizeof(*g))) ||
        !(st->method = strdup("POST")))
        return PROFILE_ENOMEM;
    if ((rc = profile__text(v, "grpc", &st->path, &expanded, err)))
        return rc;
    /* the endpoint's name keeps ${ENV} as written */
    if (expanded && !(st->path_written = strdup(v->str)))
        return PROFILE_ENOMEM;
    if (!method_ok(st->path))
        return bad(err, v,
                   "'grpc' is a method's path like "
                   "/package.Service/Method (no spaces, no query)");
    if ((v = profile__find(n, "message")) &&
        (rc = parse_message(v, profile_path, g, &msg, &len, err))) {
        free(msg);
        return rc;
    }
    rc = loader_grpc_frame(msg, len, &g->frame, &g->frame_len);
    free(msg);
    if (rc)
        return rc == LOADER_ENOMEM ? PROFILE_ENOMEM
                                   : bad(err, v, "the message is too large");
    for (size_t i = 0; i < st->n_headers; i++) {
        if (!reserved_metadata(st->headers[i].key))
            continue;
        profile__quote(st->headers[i].key, strlen(st->headers[i].key), q,
                       sizeof(q));
        return bad(err, profile__find(n, "metadata"),
                   "metadata: '%s' is set by gRPC itself (content-type, te, "
                   "grpc-*): leave it out",
                   q);
    }
    if ((v = profile__find(n, "expect")) && (rc = parse_expect(v, g, err)))
        return rc;
    return 0;
}

struct json_t *profile__grpc_hash_json(const struct loader_step *s)
{
    char sum[65];

    /* the message's bytes by their hash: a new message is a new load */
    metrics_sha256_hex(s->grpc->frame, s->grpc->frame_len, sum);
    return json_pack("{s:s, s:s?, s:I}", "message_sha256", sum, "message_file",
                     s->grpc->message_file, "expect",
                     (json_int_t)s->grpc->expect);
}
