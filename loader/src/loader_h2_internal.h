/*
 * Private interface of the fast engine's HTTP/2 path (loader_h2*.c).
 *
 *  - loader_h2.c: the transport (struct loader__transport_ops): libcurl
 *    CONNECT_ONLY opens the TCP connections, nghttp2 drives the sessions
 *    over them in the engine's own epoll loop, many streams each;
 *  - loader_tls.c (loader_tls_internal.h): TLS with OpenSSL on those
 *    sockets (ALPN h2, the profile's insecure / ca_file), and the ALPN
 *    probe of `http: auto`;
 *  - loader_h2_req.c: what needs no socket: a request as HTTP/2 header
 *    fields, how many streams share a connection, what becomes of a
 *    stream that ended without its response (retry or error class).
 */
#ifndef LOADGATE_LOADER_H2_INTERNAL_H
#define LOADGATE_LOADER_H2_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <nghttp2/nghttp2.h>
#include <openssl/ssl.h>

#include "loader_engine_internal.h"
#include "loader_tls_internal.h"

/* Streams per connection when neither connections: nor max_streams: says
 * (RFC 9113 asks servers to allow at least 100). */
#define LOADER__H2_DEFAULT_STREAMS 100u

/* ---- requests as header fields ------------------------------------------- */

/* A request's header list for nghttp2_submit_request() (which copies
 * it): nv points into buf (lowercased names) and into o, req and static
 * text, valid while req is. */
struct loader__h2_nvs {
    nghttp2_nv *nv;
    size_t n, cap;
    struct loader__buf buf;
};

/**
 * Fills out with req as HTTP/2 fields: the pseudo-headers (:method,
 * :scheme, :authority from o or the request's Host header, :path), the
 * request's headers with lowercased names, without the connection-
 * specific ones HTTP/2 forbids (Connection, Keep-Alive, Proxy-Connection,
 * Transfer-Encoding, Upgrade, TE other than "trailers"), user-agent and
 * accept unless given, and content-length for a body (or an empty POST,
 * PUT or PATCH) unless given.  req->url must be on o's origin.
 * 0 or LOADER_ENOMEM.
 */
int loader__h2_fields(const struct loader__origin *o,
                      const struct loader__request *req, const char *user_agent,
                      struct loader__h2_nvs *out);
/** Frees what loader__h2_fields() allocated. */
void loader__h2_nvs_release(struct loader__h2_nvs *nvs);

/* ---- users and connections ----------------------------------------------- */

/**
 * How many users (slots) share one connection: vu_total users over
 * h->connections when given, else h->max_streams, else
 * LOADER__H2_DEFAULT_STREAMS.  At least 1.
 */
unsigned loader__h2_users_per_conn(const struct loader_http *h,
                                   unsigned vu_total);

/* ---- streams that ended without their response ----------------------------
 */

/* How a stream ended, as far as the transport knows. */
struct loader__h2_end {
    bool rst;            /* the server reset it (RST_STREAM) */
    uint32_t rst_code;   /* its error code */
    uint32_t close_code; /* nghttp2's error code at the close */
    bool not_sent;       /* its HEADERS never left (GOAWAY, no ids) */
    bool goaway;         /* the connection got a GOAWAY */
    int32_t goaway_last; /* its last_stream_id */
    int32_t stream_id;
    bool conn_lost;   /* the connection died under it */
    bool conn_reused; /* a response had completed on it before */
    bool got_first;   /* some of the response came */
    bool idempotent;  /* GET, HEAD, PUT, DELETE, OPTIONS */
    bool retried;     /* already sent once more */
};

/**
 * What becomes of a stream that ended without a complete response:
 * true (*err untouched) when it goes out again on a connection of its
 * group, else false and its error class in *err.  Not processed by the
 * server (RST_STREAM REFUSED_STREAM, beyond GOAWAY's last_stream_id, or
 * never sent): once more, whatever the method (RFC 9113 8.7).  A
 * connection lost without a GOAWAY before any byte of the answer: once
 * more for idempotent methods on a connection that had answered before,
 * as the HTTP/1.1 path does.  Errors: goaway (refused again, or lost
 * after a GOAWAY), stream_reset (RST_STREAM), h2_protocol
 * (PROTOCOL_ERROR and the like), reset (connection lost).
 */
bool loader__h2_retry(const struct loader__h2_end *end,
                      enum metrics_errclass *err);

#endif
