/*
 * server: the baseline service, so that many pipelines share baselines.
 *
 * An HTTP API (libmicrohttpd) over a compare baseline store, the API of the
 * original specification:
 *
 *   POST /api/load-test/baseline        {"baseline_name": NAME,
 *                                        "results": {...results...}}
 *                                       -> 201 {"id","baseline_name",
 *                                               "timestamp"}
 *   GET  /api/load-test/baselines       -> 200 {"baselines": [...]}
 *   GET  /api/load-test/baselines/NAME  -> 200 the results document;
 *                                          ?format=text a text report
 *   GET  /api/load-test/info            -> 200 version, store, count, schema
 *
 * Every error is a 4xx/5xx with a JSON body {"error": "..."}.  Writes need
 * "Authorization: Bearer TOKEN" when a token is configured; without one
 * the server listens on loopback only.  Reads are open.
 *
 * And the client side (libcurl easy): fetch a baseline from such a server,
 * push a results document to it.
 *
 * Errors: functions return 0 or a negative SERVER_E* code; details go into
 * a caller's errbuf.  Nothing here prints or exits.  A token never appears
 * in an error message.
 */
#ifndef LOADGATE_SERVER_H
#define LOADGATE_SERVER_H

#include <stdbool.h>
#include <stddef.h>

#include "loadgate_errno.h"

#ifdef __cplusplus
extern "C" {
#endif

struct metrics_results;

#define SERVER_ERRNO_MAP(X)                                                    \
    X(SERVER_ENOMEM, -1, "out of memory")                                      \
    X(SERVER_EINVAL, -2, "invalid argument")                                   \
    X(SERVER_ELISTEN, -3, "cannot listen on the address")                      \
    X(SERVER_EINSECURE, -4,                                                    \
      "refusing to listen beyond loopback without a token")                    \
    X(SERVER_ESTORE, -5, "cannot use the baseline store")                      \
    X(SERVER_ECONNECT, -6, "cannot reach the baseline service")                \
    X(SERVER_EHTTP, -7, "the baseline service answered with an error")         \
    X(SERVER_EPARSE, -8, "the baseline service sent an invalid document")      \
    X(SERVER_ENAME, -9, "invalid baseline name")

/** Static message for a SERVER_E* code ("unknown error" otherwise). */
LOADGATE_ERRNO_DECLARE(server, SERVER_ERRNO_MAP);

/* ---- the service ----------------------------------------------------------
 */

#define SERVER_DEFAULT_LISTEN "127.0.0.1:8089"
#define SERVER_DEFAULT_MAX_BODY ((size_t)16 * 1024 * 1024)
#define SERVER_API_PREFIX "/api/load-test"

struct server_opts {
    const char *store;  /* baseline store folder (created on first save) */
    const char *listen; /* "127.0.0.1:8089", "[::1]:0", "0.0.0.0:8089",
                           "localhost:8089" or a bare port "8089" (loopback);
                           NULL: SERVER_DEFAULT_LISTEN.  Port 0: ephemeral */
    const char *token;  /* bearer token for writes; NULL or "": none, and
                           then only loopback addresses are allowed */
    size_t max_body;    /* request body limit in bytes (413 beyond);
                           0: SERVER_DEFAULT_MAX_BODY */
};

struct server;

/**
 * Starts serving o->store on o->listen in background threads (copies every
 * option, so o may go away).  *out is owned by the caller (server_stop).
 * Returns 0, SERVER_EINVAL (no store, a malformed listen address),
 * SERVER_EINSECURE (a non-loopback address without a token),
 * SERVER_ESTORE (the store exists but cannot be listed), SERVER_ELISTEN
 * (bind failed: in use, not local, ...) or SERVER_ENOMEM; errbuf says why.
 */
int server_start(const struct server_opts *o, struct server **out, char *errbuf,
                 size_t errlen);
/** The port s listens on (the real one when 0 was asked for). */
unsigned server_port(const struct server *s);
/** Stops s (waits for requests in flight) and frees it; NULL is a no-op. */
void server_stop(struct server *s);

/* ---- the client -----------------------------------------------------------
 */

/** True when spec starts with http:// or https:// (case-insensitive): a
 * --baseline or --to argument naming a baseline service
 * (compare_baseline_kind()'s COMPARE_BASELINE_URL). */
bool server_is_url(const char *spec);

/**
 * GETs a baseline, url being its full address
 * ("http://host:8089/api/load-test/baselines/main"), sending
 * "Authorization: Bearer token" when token is neither NULL nor "", and
 * parses it.  *out is owned by the caller (metrics_results_free).  30 s
 * timeout, no redirects.  Returns 0, SERVER_EINVAL (not an http(s) URL, a
 * token with control characters), SERVER_ECONNECT (DNS, connect, TLS,
 * timeout: curl's message), SERVER_EHTTP ("GET <url>: HTTP 404: <the
 * server's error text>"), SERVER_EPARSE (not a results document: the
 * parser's message) or SERVER_ENOMEM.
 */
int server_fetch_baseline(const char *url, const char *token,
                          struct metrics_results **out, char *errbuf,
                          size_t errlen);

/**
 * POSTs r as baseline name to the service at base_url ("http://host:8089";
 * a trailing "/api/load-test/baseline[s]" or "/" is accepted too).  r is
 * not changed.  Same token, timeout and errors as server_fetch_baseline(),
 * plus SERVER_ENAME for a name compare_name_valid() refuses.
 */
int server_push_baseline(const char *base_url, const char *name,
                         const struct metrics_results *r, const char *token,
                         char *errbuf, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif
