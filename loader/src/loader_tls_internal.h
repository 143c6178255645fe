/*
 * Private interface of the fast engine's TLS (loader_tls.c), used by its
 * HTTP/1.1 path (loader_fast.c) and its HTTP/2 path (loader_h2.c).
 *
 * libcurl opens the TCP connections; TLS on them is OpenSSL's, with one
 * context for every connection of a transport.  libcurl 7.88 would create
 * an SSL_CTX for each connection (with OpenSSL 3, most of the cost of
 * opening a thousand connections at once), cannot say which protocol ALPN
 * chose on a CONNECT_ONLY connection, and has no curl_easy_recv() once h2
 * is negotiated.
 */
#ifndef LOADGATE_LOADER_TLS_INTERNAL_H
#define LOADGATE_LOADER_TLS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <openssl/ssl.h>

#include "loader.h"

/* ---- where a connection goes ------------------------------------------- */

struct loader__origin {
    bool tls;
    char origin[512]; /* "https://host:port" as written, no path */
    size_t origin_len;
    char authority[300];   /* :authority, "host:port" as written */
    char host[256];        /* SNI and certificate check: no brackets */
    char connect_url[320]; /* "http://authority:port/" for libcurl's TCP */
};

/** Splits an http(s) URL's origin into o.  false for another scheme, no
 * host, userinfo, or parts too long. */
bool loader__origin_parse(const char *url, struct loader__origin *o);
/** Whether url is on o's origin (its path starts right after it). */
bool loader__origin_same(const struct loader__origin *o, const char *url);

/* ---- TLS --------------------------------------------------------------- */

struct loader__tls;

/** A client context for p's connections: the profile's insecure and
 * ca_file, read-ahead on (a read() takes what the socket has, where
 * OpenSSL would make two a record), and the last session of each origin
 * kept for the next connection to resume.  NULL with errbuf saying why
 * (the CA file cannot be read, or out of memory). */
/** Whether p may hold 500 TLS connections or more at once: then idle
 * connections give their record buffers back (SSL_MODE_RELEASE_BUFFERS). */
bool loader__tls_many_connections(const struct loader_plan *p);

struct loader__tls *loader__tls_new(const struct loader_plan *p, char *errbuf,
                                    size_t errlen);
void loader__tls_free(struct loader__tls *t);

/**
 * A client SSL on the connected socket fd for o: SNI unless the host is
 * an IP address, the certificate checked against the host unless
 * insecure, offering alpn (wire format: "\x02h2"), resuming the last
 * session of key (the origin, "https://host:port": a string that outlives
 * the SSL, new sessions are filed under it).  Its I/O is
 * send(MSG_NOSIGNAL) and recv() on fd.  NULL when out of memory.
 */
SSL *loader__tls_connect(struct loader__tls *t, int fd,
                         const struct loader__origin *o, const char *key,
                         const unsigned char *alpn, unsigned alpn_len);
/** Ends ssl (a close_notify when its handshake was done, so that its
 * session stays fit for resuming) and frees it; the socket stays open.
 * NULL is a no-op. */
void loader__tls_close(SSL *ssl);
/** Whether ALPN agreed on proto ("h2"). */
bool loader__tls_alpn_is(const SSL *ssl, const char *proto);

/* What loader__tls_handshake(), _read() and _write() return besides a
 * byte count. */
#define LOADER__TLS_ERROR (-1)      /* the connection failed */
#define LOADER__TLS_WANT_READ (-2)  /* wait for input */
#define LOADER__TLS_WANT_WRITE (-3) /* wait until the socket takes more */

/** One step of the handshake: 1 when done, else LOADER__TLS_*. */
int loader__tls_handshake(SSL *ssl);
/** Up to n bytes: their count, 0 at the end (close_notify or EOF), or
 * LOADER__TLS_*.  The thread's OpenSSL error queue is left empty. */
ssize_t loader__tls_read(SSL *ssl, void *buf, size_t n);
/** Writes up to n bytes (n > 0): how many, or LOADER__TLS_*. */
ssize_t loader__tls_write(SSL *ssl, const void *buf, size_t n);

/** loader__tls_read() through ssl, or recv() on fd when ssl is NULL, with
 * the same results.  On a socket with SO_TIMESTAMPNS, the kernel's receive
 * time of the bytes is kept for loader__rx_take(). */
ssize_t loader__conn_read(SSL *ssl, int fd, void *buf, size_t n);
/** The receive time of the last read on this thread from a socket with
 * SO_TIMESTAMPNS on, as CLOCK_MONOTONIC ns, or 0: none since the last
 * call, or not within the last second (the wall clock was set); forgotten
 * once taken. */
uint64_t loader__rx_take(void);
/** loader__tls_write() through ssl, or send(MSG_NOSIGNAL) on fd when ssl
 * is NULL, with the same results. */
ssize_t loader__conn_write(SSL *ssl, int fd, const void *buf, size_t n);

/**
 * The ALPN answer of p's https target, asked once before the load
 * (`http: auto`): a TCP connection through libcurl, a handshake offering
 * h2 and http/1.1, no request.  true when the server chose h2; false when
 * it chose http/1.1, offered nothing, or could not be reached within the
 * profile's timeout (the load then runs on HTTP/1.1 and measures why).
 */
bool loader__tls_probe_h2(const struct loader_plan *p);

#endif
