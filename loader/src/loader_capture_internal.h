/*
 * Private interface of the scenario features (loader_template.c,
 * loader_vu.c, loader_capture*.c, loader_feeder*.c): template functions,
 * escaping, captures by JSON pointer / header / regex, expectations, data
 * feeders at the start of an iteration, and the unmeasured run-level
 * steps (wait_for:, setup:, teardown:).
 */
#ifndef LOADGATE_LOADER_CAPTURE_INTERNAL_H
#define LOADGATE_LOADER_CAPTURE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "loader.h"
#include "loader_engine_internal.h"

/* ---- rendering ---------------------------------------------------------- */

/* What a template may refer to. */
struct loader__render_ctx {
    const struct loader__vars *vars;
    unsigned vu;        /* ${vu} */
    uint64_t iteration; /* ${iteration} */
    uint64_t *rng;      /* for uuid and random_int; NULL: a state derived
                           from vu and iteration */
};

/* Substituted values ({{var}} only) are escaped for the inside of a JSON
 * string: a captured value holding '"' keeps a json: body valid. */
#define LOADER__RENDER_JSON 1u

/**
 * Appends tpl rendered into out: {{var}} the variable's value (nothing
 * when unknown), {{uuid}} a random version 4 UUID, {{random_int(a, b)}} a
 * uniform integer in [a, b] (a variable of the same name wins), ${vu},
 * ${iteration}.  flags: LOADER__RENDER_JSON or 0.  0 or LOADER_ENOMEM.
 */
int loader__render(const char *tpl, const struct loader__render_ctx *cx,
                   unsigned flags, struct loader__buf *out);
/** Appends s[0..n) percent-encoded (RFC 3986 unreserved characters kept;
 * a space as '+' when plus_space, for form bodies).  0 or LOADER_ENOMEM. */
int loader__url_encode(const char *s, size_t n, bool plus_space,
                       struct loader__buf *out);
/** Appends s[0..n) escaped for the inside of a JSON string.  0 or
 * LOADER_ENOMEM. */
int loader__json_escape(const char *s, size_t n, struct loader__buf *out);

/**
 * Renders step s of profile p for vu into vu->url (target + path + query),
 * vu->headers / vu->hdr (defaults, the step's, Content-Type for json: and
 * form:) and vu->body (json:, body: or form:); vu->rng feeds the template
 * functions.  0 or LOADER_ENOMEM.
 */
int loader__vu_render(const struct loader_plan *p, const struct loader_step *s,
                      struct loader__vu *vu);
/**
 * Starts an iteration's variables: forgets the last ones, sets the n
 * shared ones (setup: captures), then the columns of feeder f's row for
 * this user and iteration (f may be NULL).  sequence order gives user u
 * (vu->number: 1-based, of n_users in every loop of --threads) in
 * iteration i the row (u - 1 + i * n_users) mod rows of its slice, so rows
 * go out in order and each once per round, whatever the threads;
 * random order a uniform row from vu->rng.  0 or LOADER_ENOMEM.
 */
int loader__vu_seed(struct loader__vu *vu, const struct loader_kv *shared,
                    size_t n_shared, const struct loader_feeder *f,
                    unsigned n_users);
/** The feeder a scenario uses: its own data:, else the profile's. */
const struct loader_feeder *loader__scenario_feeder(const struct loader_plan *p,
                                                    size_t scenario);

/* ---- responses ---------------------------------------------------------- */

/**
 * Keeps one response header line ("Name: value", with or without CRLF)
 * for header captures, in vu->tmp (unused while a request is in flight;
 * loader__vu_send() empties it).  Transports call it for every header
 * line of a response when the request has keep_body set.  Lines past
 * 64 KiB in total are dropped.  0 or LOADER_ENOMEM.
 */
int loader__vu_header(struct loader__vu *vu, const char *line, size_t n);
/** Forgets the header lines kept so far: a new response begins (after an
 * interim 100 Continue, a redirect, or a retry on a new connection). */
void loader__vu_header_begin(struct loader__vu *vu);
/**
 * The same as loader__vu_header() for parsers that hand a header over in
 * pieces (http-parser's on_header_field and on_header_value, each maybe
 * split across reads): value says which of the two at..n continues.
 * A line that would pass the 64 KiB cap is dropped whole.  0 or
 * LOADER_ENOMEM.
 */
int loader__vu_header_part(struct loader__vu *vu, const char *at, size_t n,
                           bool value);
/** Whether the step needs the response body or headers kept (captures,
 * body_contains, json expectations). */
bool loader__step_keeps_body(const struct loader_step *s);
/**
 * Resolves capture cap against a response: headers (lines "Name: value"
 * separated by CRLF or LF, as loader__vu_header() keeps them) and body.
 * *out is malloc'd.  Returns 0, LOADER_EINVAL (nothing matched: the
 * request fails with METRICS_ERR_EXPECT) or LOADER_ENOMEM.
 */
int loader__capture_value(const struct loader_capture *cap, const char *headers,
                          size_t hlen, const char *body, size_t blen,
                          char **out);
/**
 * Checks the expectations of s beyond the status (body_contains, json)
 * against body; overflow: the body was cut (over 1 MiB), so they fail.
 * Returns true when they hold; otherwise false and a reason in why.
 */
bool loader__expect_body(const struct loader_step *s, const char *body,
                         size_t blen, bool overflow, char *why, size_t whylen);

/* ---- open model bookkeeping ------------------------------------------- */

/* A measured open-model arrival sent this much after its schedule is
 * counted late (metrics_meta.late). */
#define LOADER__LATE_NS UINT64_C(10000000)

#endif
