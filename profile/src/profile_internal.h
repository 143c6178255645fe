/*
 * Private interface of the profile parser (profile*.c).
 *
 * The parser works in two passes: profile_yaml.c turns libyaml's events
 * into a small tree that keeps a 1-based line and column for every node
 * (and already refuses aliases, duplicate keys, deep nesting and huge
 * scalars); profile.c walks that tree against the schema of the README's
 * "Profiles" section and fills a struct profile and its struct
 * loader_plan.
 */
#ifndef LOADGATE_PROFILE_INTERNAL_H
#define LOADGATE_PROFILE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "profile.h"

struct json_t;

/* Limits that keep hostile input bounded. */
#define PROFILE__PROFILE_MAX_FILE (16u * 1024 * 1024)
#define PROFILE__YAML_MAX_DEPTH 64
#define PROFILE__YAML_MAX_SCALAR (1024u * 1024)
#define PROFILE__YAML_MAX_NODES 1000000u
/* A value after ${ENV} expansion. */
#define PROFILE__ENV_MAX_VALUE (16u * 1024 * 1024)

/* ---- YAML tree --------------------------------------------------------- */

enum profile__yaml_type {
    PROFILE__YAML_SCALAR,
    PROFILE__YAML_MAP,
    PROFILE__YAML_SEQ,
};

struct profile__yaml_node {
    enum profile__yaml_type type;
    int line, col; /* 1-based, of the node's first character */
    /* scalar: the text as libyaml decoded it (NUL-terminated, may hold
     * NULs inside when written as "\0") */
    char *str;
    size_t len;
    bool plain; /* a plain (unquoted, untagged) scalar: may be a number,
                   a boolean or null in json: */
    /* map: keys and values interleaved (items[2i] key, items[2i+1] value,
     * n = 2 * pairs); seq: the items */
    struct profile__yaml_node **items;
    size_t n, cap;
};

/**
 * Parses one YAML document from text[0..len) into *out (free with
 * profile__yaml_free()).  Aliases, a second document, nesting deeper than
 * PROFILE__YAML_MAX_DEPTH, scalars over PROFILE__YAML_MAX_SCALAR, non-scalar
 * map keys and duplicate keys are refused.  An empty stream (nothing but
 * comments) gives *out = NULL and 0.  Returns 0, PROFILE_ESYNTAX (libyaml's
 * complaint), PROFILE_EPROFILE (a refused construct) with err's line, col
 * and msg set, or PROFILE_ENOMEM.
 */
int profile__yaml_parse(const char *text, size_t len,
                        struct profile__yaml_node **out,
                        struct profile_error *err);
/** Sets err's line, col and msg (printf-style); returns PROFILE_EPROFILE. */
int profile__fail_at(struct profile_error *err, int line, int col,
                     const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/** Frees a tree; NULL is a no-op. */
void profile__yaml_free(struct profile__yaml_node *n);
/** A printable copy of s[0..len) for an error message: control
 * characters become '?', and a long text ends in "...". */
void profile__quote(const char *s, size_t len, char *buf, size_t buflen);
/** "a map", "a list" or "a single value" (for error messages). */
const char *profile__yaml_kind(const struct profile__yaml_node *n);

/* ---- ${ENV} expansion -------------------------------------------------- */

/**
 * Expands ${NAME} and ${NAME:-default} in in[0..len) into a new string
 * *out; ${vu} and ${iteration} (with or without a default) are kept as
 * written for the engine, "$${" becomes a literal "${".  *expanded tells
 * whether an environment variable (or a default) was substituted.
 * Returns 0, PROFILE_EPROFILE with a message in msg (naming the variable,
 * never its value) or PROFILE_ENOMEM.
 */
int profile__env_expand(const char *in, size_t len, char **out, bool *expanded,
                        char *msg, size_t msglen);

/* ---- values ------------------------------------------------------------ */

/* Durations, rates and sizes: units.h (units_parse_duration() in
 * seconds, units_parse_rate(), units_parse_size()). */

/** "1s" or "1s..3s" (durations of units.h, bare numbers in seconds) into
 * [min, max].  0 or -1 (also when min > max). */
int profile__parse_think(const char *s, double *min, double *max);
/** Edit distance of a and b, ASCII case-insensitive; capped: returns
 * cap + 1 as soon as it is known to exceed cap. */
size_t profile__levenshtein(const char *a, const char *b, size_t cap);
/** Checks that url is http(s)://host[:port][/path...] (no spaces or
 * control characters, a host, a port from 1 to 65535) and sets *path_at
 * to the index where the path (or query) starts, strlen(url) when there
 * is none.  Returns 0, or -1 with *why saying what is wrong. */
int profile__split_url(const char *url, size_t *path_at, const char **why);
/** Whether s is a variable name: a letter or '_', then letters, digits,
 * '_' and '-' (a capture's name, a CSV column). */
bool profile__var_name_ok(const char *s);
/** Whether name is an HTTP header name (an RFC 9110 token). */
bool profile__header_name_ok(const char *name);
/** Whether a header with this name is a secret by its name alone:
 * Authorization, Cookie, Proxy-Authorization, X-Api-Key, or one holding
 * "token" or "secret" (case-insensitive). */
bool profile__header_name_secret(const char *name);

/* ---- building a profile ------------------------------------------------ */

/**
 * Serialises a YAML value as compact JSON text (jansson) into *out: plain
 * scalars that read as null, booleans or numbers become those, every other
 * scalar a string after ${ENV} expansion.  Returns 0, PROFILE_EPROFILE with
 * err's position and msg set, or PROFILE_ENOMEM.
 */
int profile__json(const struct profile__yaml_node *n, char **out,
                  struct profile_error *err);
/** Computes p->sha256 from the normalised plan (see profile.h): what
 * shapes the load of a version-1 profile.  0 or PROFILE_ENOMEM. */
int profile__hash(struct loader_plan *p);

/**
 * What is checked once the tree is walked (profile_checks.c): every
 * threshold parsed into prof->thresholds (compare_threshold_from()) and
 * naming an endpoint the plan has, in order, with its position on error;
 * the baseline classified and a file resolved against the profile's
 * folder; then loader_plan_check() (an error there has no position).
 * Returns 0, PROFILE_EPROFILE with err's position and msg set, or
 * PROFILE_ENOMEM.
 */
int profile__finish(struct profile *prof, struct profile_error *err);

/**
 * The keys the parser knows at one mapping level, for the schema test:
 * level is one of "top", "defaults", "target", "load", "stage",
 * "scenario", "step", "expect", "capture", "data", "threshold",
 * "wait_for", "http", "stream", "tokens", "slo", "message".  Returns a static
 * array
 * (*n entries), or NULL with *n = 0 for an unknown level.
 */
const char *const *profile__keys(const char *level, size_t *n);

/* ---- parsing one key in a file of its own (profile.c's helpers) -------- */

/** The value under key in map, or NULL. */
const struct profile__yaml_node *
profile__find(const struct profile__yaml_node *map, const char *key);
/** PROFILE_EPROFILE (with "did you mean") for a key of map not in known;
 * where names the map in the message.  0 when all are known. */
int profile__check_keys(const struct profile__yaml_node *map,
                        const char *const *known, size_t n_known,
                        const char *where, struct profile_error *err);
/** The scalar n after ${ENV} expansion (*out malloc'd; *expanded, which
 * may be NULL, says whether the environment gave it).  0, PROFILE_EPROFILE
 * or PROFILE_ENOMEM. */
int profile__text(const struct profile__yaml_node *n, const char *what,
                  char **out, bool *expanded, struct profile_error *err);
/** A whole number from min to max.  0, PROFILE_EPROFILE or PROFILE_ENOMEM. */
int profile__uint(const struct profile__yaml_node *n, const char *what,
                  unsigned long long min, unsigned long long max,
                  unsigned long long *out, struct profile_error *err);

/* ---- http: (profile_http.c) -------------------------------------------- */

/** Parses the value of the top-level http: key into p->http.  Returns 0,
 * PROFILE_EPROFILE with err's position and msg set, or PROFILE_ENOMEM. */
int profile__http(const struct profile__yaml_node *v, struct loader_plan *p,
                  struct profile_error *err);
/** The keys of http:'s map form (level "http" of profile__keys). */
const char *const *profile__http_keys(size_t *n);
struct json_t;
/** h as JSON for the profile's hash (a new reference, NULL when out of
 * memory). */
struct json_t *profile__http_json(const struct loader_http *h);

/* ---- a step's stream: and slo: (profile_stream.c) ---------------------- */

/**
 * The stream: and slo: keys of the step map n (either may be absent) into
 * st->stream and st->slo_*: "stream: sse", "stream: lines", or
 * "stream: {type, tokens: {pointer, count}, usage, done}", and
 * "slo: {ttft, tpot}" (durations; only on a streaming step).  Returns 0,
 * PROFILE_EPROFILE with err's position and message set, or PROFILE_ENOMEM
 * (what st->stream got is freed with the plan: loader_plan_free()).
 */
int profile__stream(const struct profile__yaml_node *n, struct loader_step *st,
                    struct profile_error *err);
/** The keys of the levels "stream", "tokens" and "slo" (for the schema
 * test), or NULL with *n = 0 for another level. */
const char *const *profile__stream_keys(const char *level, size_t *n);
/** The stream: and slo: of step s for the profile's hash (a new jansson
 * object), NULL when s is not a streaming step or out of memory (*bad
 * set then). */
struct json_t *profile__stream_hash_json(const struct loader_step *s,
                                         bool *bad);

/* ---- a step's grpc: (profile_grpc.c) ----------------------------------- */

/**
 * The gRPC parts of the step map n whose grpc: key is grpc_key (profile.c
 * has parsed its name, metadata into st->headers, and timeout): every
 * other key must be one a gRPC step takes; p's http: must be 2 (or auto
 * with an https target); the method's path into st->path (method POST);
 * message: {file} (relative to profile_path) or {base64} framed into
 * st->grpc; the metadata must leave gRPC's own headers alone; expect:
 * {grpc_status}.  Returns 0, PROFILE_EPROFILE with err's position and
 * message set, or PROFILE_ENOMEM (st's parts are freed with the plan).
 */
int profile__grpc_step(const struct profile__yaml_node *n,
                       const struct profile__yaml_node *grpc_key,
                       const char *profile_path, const struct loader_plan *p,
                       struct loader_step *st, struct profile_error *err);
/** The keys of the level "message" (for the schema test), or NULL with
 * *n = 0 for another level. */
const char *const *profile__grpc_keys(const char *level, size_t *n);
/** A gRPC step's message and expectations for the profile's hash (a new
 * jansson object; NULL when out of memory). */
struct json_t *profile__grpc_hash_json(const struct loader_step *s);
/**
 * Decodes base64 s[0..len) (the standard alphabet or the URL-safe one,
 * '=' padding optional, white space skipped) into *out (malloc'd,
 * *out_len bytes).  Returns 0, PROFILE_EPROFILE with *bad_at the offset
 * of the offending character (len when the text ends mid-byte), or
 * PROFILE_ENOMEM.
 */
int profile__base64_decode(const char *s, size_t len, unsigned char **out,
                           size_t *out_len, size_t *bad_at);

/* ---- files next to the profile (profile_csv.c) -------------------------- */

/** file resolved against the folder of profile_path (as is when absolute
 * or when the profile has no folder); malloc'd, NULL when out of memory. */
char *profile__relpath(const char *profile_path, const char *file);
/** Reads a whole file of at most max bytes into *out (NUL-terminated,
 * *len without the NUL).  Returns 0, PROFILE_EPROFILE with msg saying why
 * (cannot open or read, too large), or PROFILE_ENOMEM. */
int profile__read_file(const char *path, size_t max, char **out, size_t *len,
                       char *msg, size_t msglen);
/** Parses CSV text (header row of variable names, then rows of as many
 * fields; quoted fields with "" and line breaks; blank lines skipped) into
 * f's columns and cells, all rows selected.  Returns 0, PROFILE_EPROFILE
 * with msg "file:line: why", or PROFILE_ENOMEM (f keeps what it got, freed
 * with the plan it hangs in). */
int profile__feeder_parse(struct loader_feeder *f, const char *text, size_t len,
                          char *msg, size_t msglen);

#endif
