/* server: declarations shared between the module's files and its tests. */
#ifndef LOADGATE_SERVER_INTERNAL_H
#define LOADGATE_SERVER_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/socket.h>

#include "server.h"

struct metrics_results;

/* A parsed listen address. */
struct server__addr {
    struct sockaddr_storage sa;
    socklen_t sa_len;
    int family; /* AF_INET or AF_INET6 */
    unsigned port;
    bool loopback; /* 127.0.0.0/8, ::1 or ::ffff:127.0.0.0/104 */
};

/** Parses a listen spec (see struct server_opts) into *out.  Host names
 * other than "localhost" are refused: a server binds to an address.
 * Returns 0 or SERVER_EINVAL with the reason in errbuf. */
int server__parse_listen(const char *spec, struct server__addr *out,
                         char *errbuf, size_t errlen);

/** True when given is the "Bearer <token>" that expected allows, compared
 * in time independent of where they differ.  NULL given is false. */
bool server__auth_ok(const char *given, const char *expected);

/** Writes the compact plain-text report of a results document (overall
 * numbers, endpoint table, recommendations).  Returns 0 or SERVER_ENOMEM
 * (a write to out failed). */
int server__text_report(const struct metrics_results *r, FILE *out);

/** Copies url into buf with any "user:password@" replaced by "***@" and
 * cut to len, for error messages. */
void server__redact_url(const char *url, char *buf, size_t len);

/* One HTTP answer: status, content type and a malloc'd body. */
struct server__reply {
    unsigned status;
    const char *content_type;     /* static */
    const char *allow;            /* static; for 405 */
    const char *www_authenticate; /* static; for 401 */
    char *location;               /* malloc'd; for 201, may be NULL */
    char *body;
    size_t len;
};

/** Frees what r owns and zeroes it. */
void server__reply_release(struct server__reply *r);

/** Fills r with status and {"error": message}.  Returns 0 or
 * SERVER_ENOMEM. */
int server__reply_error(struct server__reply *r, unsigned status,
                        const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* What the API needs to know of the running server. */
struct server__api {
    const char *store;
    const char *token; /* NULL: none */
    size_t max_body;
    void *write_lock; /* pthread_mutex_t *, serialises store writes */
};

/* A request as the router sees it. */
struct server__request {
    const char *method;
    const char *path;   /* decoded, without the query */
    const char *format; /* ?format= or NULL */
    const char *auth;   /* Authorization header or NULL */
    const char *body;
    size_t len;
};

/**
 * Decides from the request line and headers alone whether req can be
 * served: fills r and returns true when it cannot (404, 405, 401), so that
 * the body need not be read.  req's body is ignored.
 */
bool server__api_precheck(const struct server__api *api,
                          const struct server__request *req,
                          struct server__reply *r);

/** Serves req (body included) into r.  Returns 0 or SERVER_ENOMEM (r is
 * then empty and the caller answers 500). */
int server__api_handle(const struct server__api *api,
                       const struct server__request *req,
                       struct server__reply *r);

#endif
