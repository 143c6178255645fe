/*
 * demo: the bundled service `loadgate demo` runs against.
 *
 * An HTTP server (libmicrohttpd) on loopback that mimics the API a team
 * would gate: GET /api/health, POST /api/agents/register, GET /api/agents,
 * POST /api/agents/{id}/query, POST /api/agents/{id}/nl-query,
 * GET /api/cost/dashboard, GET /api/failover/stats, POST /graphql, each
 * with its own realistic, jittered latency, and a streaming one:
 * POST /api/agents/{id}/query/stream answers with server-sent events in
 * OpenAI's chat.completion.chunk shape (a jittered time to the first
 * token, jittered gaps between tokens, then data: [DONE]).  One endpoint
 * can be slowed down to show a regression.  Delays never block a thread: a
 * connection waits suspended, so thousands of concurrent users cost no threads.
 *
 * Errors: 0 or a negative DEMO_E* code.  Nothing here prints or exits.
 */
#ifndef LOADGATE_DEMO_H
#define LOADGATE_DEMO_H

#include <stdbool.h>
#include <stddef.h>

#include "loadgate_errno.h"

#ifdef __cplusplus
extern "C" {
#endif

#define DEMO_ERRNO_MAP(X)                                                      \
    X(DEMO_ENOMEM, -1, "out of memory")                                        \
    X(DEMO_ELISTEN, -2, "cannot listen on the address")                        \
    X(DEMO_EINVAL, -3, "invalid option")

/** Static message for a DEMO_E* code. */
LOADGATE_ERRNO_DECLARE(demo, DEMO_ERRNO_MAP);

struct demo_slow {
    const char *endpoint; /* "POST /api/agents/{id}/query", or a path that
                             matches exactly one route: "/graphql"; a
                             streaming route's name may end in " ttft" or
                             " gaps" to slow only its first token or only
                             the gaps between tokens (else both) */
    double percent;       /* +50 makes it 1.5 times slower */
};

struct demo_opts {
    const char *bind; /* "127.0.0.1" when NULL */
    unsigned port;    /* 0: an ephemeral port */
    const struct demo_slow *slow;
    size_t n_slow;
    unsigned seed; /* jitter seed; 0: fixed default */
};

struct demo_server;

/** Starts serving in background threads.  Returns 0, DEMO_EINVAL (a slow
 * endpoint that names no route), DEMO_ELISTEN or DEMO_ENOMEM. */
int demo_server_start(const struct demo_opts *o, struct demo_server **out);
/** The port it listens on. */
unsigned demo_server_port(const struct demo_server *s);
/** Stops it and frees it; NULL is a no-op. */
void demo_server_stop(struct demo_server *s);

/** Checks a --slow argument "ENDPOINT=PERCENT" and fills *out (endpoint
 * points into arg).  Returns 0 or DEMO_EINVAL. */
int demo_slow_parse(const char *arg, struct demo_slow *out);

/* One route of the demo API and its latency model. */
struct demo_route {
    const char *method;
    const char *pattern; /* "/api/agents/{id}/query" */
    double base_ms;      /* typical latency (a stream's: to the first
                            token) */
    double jitter_ms;    /* spread around it */
    double gap_ms;       /* a stream's typical gap between tokens; 0: the
                            route does not stream */
    double gap_jitter_ms;
};

/** The routes, in a static table of *n entries. */
const struct demo_route *demo_routes(size_t *n);

/** The bundled profile (ci-examples/demo/profile.yaml) and baseline
 * (ci-examples/demo/baseline.json), compiled into the binary. */
extern const char demo_profile_yaml[];
extern const char demo_baseline_json[];

#ifdef __cplusplus
}
#endif
#endif
