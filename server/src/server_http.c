/* The libmicrohttpd daemon: request bodies, limits and answers. */
#include <microhttpd.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>

#include "compare.h"
#include "server_internal.h"

/* Past the body limit a request with a declared length is still read (and
 * thrown away) for this much more, so that the client gets its 413 instead
 * of a reset; beyond it the 413 goes out before the body is read. */
#define DRAIN_LIMIT ((size_t)1024 * 1024)
/* A refused chunked body is answered at once, then read (and thrown away)
 * for this long at most, so that the client reads the answer before the
 * connection closes under what it still sends. */
#define LINGER_MS 2000u
/* Internal polling threads (epoll where there is one), never a thread per
 * connection: an idle connection costs a socket and a little memory. */
#define POOL_THREADS 4u
/* A connection that has not sent a whole request head in this long (since
 * it connected, since its last byte, or since its last answer) is closed;
 * once a head is in, the body and the answer get the longer one. */
#define HEAD_TIMEOUT_S 5u
#define BODY_TIMEOUT_S 30u
/* Connections at once from one client address (more are closed as soon as
 * they are accepted), and in all: at most MAX_CONNECTIONS, fewer when the
 * file descriptor limit leaves less than FD_RESERVE for the rest. */
#define PER_CLIENT_CONNECTIONS 32u
#define MAX_CONNECTIONS 1024u
#define FD_RESERVE 64u

struct server {
    struct MHD_Daemon *daemon;
    char *store;
    char *token;
    size_t max_body;
    unsigned port;
    pthread_mutex_t write_lock;
    struct server__api api;
    /* libmicrohttpd's messages, kept only while starting */
    pthread_mutex_t log_lock;
    bool capture;
    char log[256];
};

/* One request in flight. */
struct conn {
    char *body;
    size_t len, cap;
    size_t seen;  /* body bytes received, kept or not */
    bool refused; /* reply is decided; the body is drained */
    bool queued;
    bool chunked;         /* the body comes in chunks, its length unknown */
    bool answered;        /* answer_now() sent the reply: close after it */
    uint64_t answered_ms; /* when, on the monotonic clock */
    struct server__reply reply;
};

static void on_log(void *cls, const char *fmt, va_list ap)
{
    struct server *s = cls;

    pthread_mutex_lock(&s->log_lock);
    if (s->capture && s->log[0] == '\0') {
        vsnprintf(s->log, sizeof(s->log), fmt, ap);
        s->log[strcspn(s->log, "\r\n")] = '\0';
    }
    pthread_mutex_unlock(&s->log_lock);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode code)
{
    struct conn *k = *con_cls;

    (void)cls;
    /* back to the short timeout while a kept-alive connection waits for
     * its next request */
    if (code == MHD_REQUEST_TERMINATED_COMPLETED_OK)
        MHD_set_connection_option(c, MHD_CONNECTION_OPTION_TIMEOUT,
                                  HEAD_TIMEOUT_S);
    if (k == NULL)
        return;
    server__reply_release(&k->reply);
    free(k->body);
    free(k);
    *con_cls = NULL;
}

/* The headers of r besides its length, into h; returns how many. */
static size_t reply_headers(const struct server__reply *r, const char *h[5][2])
{
    size_t n = 0;

    h[n][0] = MHD_HTTP_HEADER_CONTENT_TYPE;
    h[n++][1] = r->content_type;
    h[n][0] = MHD_HTTP_HEADER_CACHE_CONTROL;
    h[n++][1] = "no-store";
    if (r->allow != NULL) {
        h[n][0] = MHD_HTTP_HEADER_ALLOW;
        h[n++][1] = r->allow;
    }
    if (r->www_authenticate != NULL) {
        h[n][0] = MHD_HTTP_HEADER_WWW_AUTHENTICATE;
        h[n++][1] = r->www_authenticate;
    }
    if (r->location != NULL) {
        h[n][0] = MHD_HTTP_HEADER_LOCATION;
        h[n++][1] = r->location;
    }
    return n;
}

static enum MHD_Result queue(struct MHD_Connection *c, struct conn *k)
{
    struct server__reply *r = &k->reply;
    struct MHD_Response *resp;
    enum MHD_Result ret;
    const char *h[5][2];
    static const char oom[] = "{\"error\": \"out of memory\"}\n";

    k->queued = true;
    if (r->status == 0 || r->body == NULL) {
        resp = MHD_create_response_from_buffer(sizeof(oom) - 1, (void *)oom,
                                               MHD_RESPMEM_PERSISTENT);
        if (resp == NULL)
            return MHD_NO;
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                                "application/json");
        ret = MHD_queue_response(c, MHD_HTTP_INTERNAL_SERVER_ERROR, resp);
        MHD_destroy_response(resp);
        return ret;
    }
    resp =
        MHD_create_response_from_buffer(r->len, r->body, MHD_RESPMEM_MUST_FREE);
    if (resp == NULL)
        return MHD_NO;
    r->body = NULL; /* the response frees it */
    r->len = 0;
    for (size_t i = 0, n = reply_headers(r, h); i < n; i++)
        MHD_add_response_header(resp, h[i][0], h[i][1]);
    ret = MHD_queue_response(c, r->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

/*
 * Writes k's reply to the client's socket itself, with "Connection:
 * close".  libmicrohttpd 0.9 takes an answer only before it reads a body
 * or after it read all of it, and a chunked body is found too long (or
 * refused) in between: answered only at its end, a long one would be
 * dropped without a word.  Nothing else was sent on the socket yet but
 * maybe a "100 Continue".  Returns true when the whole answer went out.
 */
static bool answer_now(struct MHD_Connection *c, const struct conn *k)
{
    const struct server__reply *r = &k->reply;
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
    const char *h[5][2];
    char head[1024];
    size_t n;
    int w;

    if (ci == NULL || r->status == 0 || r->body == NULL)
        return false;
    w = snprintf(head, sizeof(head), "HTTP/1.1 %u %s\r\nConnection: close\r\n",
                 r->status, MHD_get_reason_phrase_for(r->status));
    n = (size_t)w;
    for (size_t i = 0, nh = reply_headers(r, h); i < nh && n < sizeof(head);
         i++) {
        w = snprintf(head + n, sizeof(head) - n, "%s: %s\r\n", h[i][0],
                     h[i][1]);
        n += (size_t)w;
    }
    if (n < sizeof(head))
        n += (size_t)snprintf(head + n, sizeof(head) - n,
                              "Content-Length: %zu\r\n\r\n", r->len);
    if (n >= sizeof(head))
        return false;
    struct iovec iov[2] = {{.iov_base = head, .iov_len = n},
                           {.iov_base = r->body, .iov_len = r->len}};
    struct msghdr msg = {.msg_iov = iov, .msg_iovlen = 2};
    return sendmsg(ci->connect_fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT) ==
           (ssize_t)(n + r->len);
}

/* The declared body length; -1 when there is none (chunked or absent). */
static long long content_length(struct MHD_Connection *c)
{
    const char *v = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                MHD_HTTP_HEADER_CONTENT_LENGTH);
    char *end = NULL;
    long long n;

    if (v == NULL)
        return -1;
    n = strtoll(v, &end, 10);
    if (end == v || *end != '\0' || n < 0)
        return -1;
    return n;
}

static bool expects_continue(struct MHD_Connection *c)
{
    const char *v =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_EXPECT);
    return v != NULL && strcasecmp(v, "100-continue") == 0;
}

static void request_of(struct MHD_Connection *c, const char *url,
                       const char *method, struct server__request *req)
{
    memset(req, 0, sizeof(*req));
    req->method = method;
    req->path = url;
    req->format =
        MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "format");
    req->auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                            MHD_HTTP_HEADER_AUTHORIZATION);
}

/* The first call, headers only: refuse early what can be refused. */
static enum MHD_Result on_headers(struct server *s, struct MHD_Connection *c,
                                  const char *url, const char *method,
                                  struct conn *k)
{
    struct server__request req;
    long long cl = content_length(c);

    /* the head is in: the body and the answer get the longer timeout */
    MHD_set_connection_option(c, MHD_CONNECTION_OPTION_TIMEOUT, BODY_TIMEOUT_S);
    k->chunked = cl < 0 && MHD_lookup_connection_value(
                               c, MHD_HEADER_KIND,
                               MHD_HTTP_HEADER_TRANSFER_ENCODING) != NULL;
    request_of(c, url, method, &req);
    if (server__api_precheck(&s->api, &req, &k->reply)) {
        k->refused = true;
    } else if (cl >= 0 && (unsigned long long)cl > s->max_body) {
        k->refused = true;
        server__reply_error(&k->reply, 413,
                            "request body of %lld bytes is over the limit of "
                            "%zu bytes",
                            cl, s->max_body);
    }
    if (!k->refused)
        return MHD_YES;
    /* Answer now when no body is on its way (none declared, or the client
     * waits for 100-continue) or when draining it would cost too much;
     * otherwise after it was read, so the client sees the answer. */
    if (cl == 0 || expects_continue(c) || (cl < 0 && !k->chunked) ||
        (cl > 0 && (unsigned long long)cl > s->max_body + DRAIN_LIMIT))
        return queue(c, k);
    return MHD_YES;
}

static uint64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static enum MHD_Result on_body(struct server *s, struct MHD_Connection *c,
                               struct conn *k, const char *data, size_t n)
{
    k->seen += n;
    if (!k->refused && k->len + n > s->max_body) {
        k->refused = true;
        free(k->body);
        k->body = NULL;
        k->len = k->cap = 0;
        server__reply_error(&k->reply, 413,
                            "request body is over the limit of %zu bytes",
                            s->max_body);
    }
    if (k->refused) {
        /* A chunked body may never end: answer at once, so that a client
         * reading while it sends stops, and close after LINGER_MS. */
        if (k->chunked) {
            if (!k->answered) {
                if (!answer_now(c, k))
                    return MHD_NO;
                k->answered = true;
                k->answered_ms = now_ms();
                MHD_set_connection_option(c, MHD_CONNECTION_OPTION_TIMEOUT,
                                          (LINGER_MS + 999) / 1000);
            }
            return now_ms() - k->answered_ms > LINGER_MS ? MHD_NO : MHD_YES;
        }
        return k->seen > s->max_body + DRAIN_LIMIT ? MHD_NO : MHD_YES;
    }
    if (k->len + n > k->cap) {
        size_t cap = k->cap != 0 ? k->cap : 4096;
        while (cap < k->len + n)
            cap *= 2;
        if (cap > s->max_body)
            cap = s->max_body;
        char *b = realloc(k->body, cap);
        if (b == NULL)
            return MHD_NO;
        k->body = b;
        k->cap = cap;
    }
    memcpy(k->body + k->len, data, n);
    k->len += n;
    return MHD_YES;
}

static int hex_digit(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

/*
 * libmicrohttpd's own unescaping turns "%00" into a NUL, and the handler
 * then sees "fine" for "fine%00x": a name it was never asked for.  This
 * one decodes %XX in place like it, except that %00 stays as written, so
 * such a name is refused as invalid (a '%' is not a name character).
 */
static size_t unescape(void *cls, struct MHD_Connection *c, char *s)
{
    char *r = s, *w = s;

    (void)cls;
    (void)c;
    while (*r) {
        int hi, lo;

        if (r[0] == '%' && (hi = hex_digit(r[1])) >= 0 &&
            (lo = hex_digit(r[2])) >= 0 && (hi | lo) != 0) {
            *w++ = (char)(hi * 16 + lo);
            r += 3;
        } else {
            *w++ = *r++;
        }
    }
    *w = '\0';
    return (size_t)(w - s);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
                                  const char *url, const char *method,
                                  const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    struct server *s = cls;
    struct conn *k = *con_cls;
    struct server__request req;
    enum MHD_Result ret;

    (void)version;
    if (k == NULL) {
        k = calloc(1, sizeof(*k));
        if (k == NULL)
            return MHD_NO;
        *con_cls = k;
        return on_headers(s, c, url, method, k);
    }
    if (k->queued) {
        *upload_size = 0;
        return MHD_YES;
    }
    if (*upload_size != 0) {
        ret = on_body(s, c, k, upload, *upload_size);
        *upload_size = 0;
        return ret;
    }
    if (k->answered)
        return MHD_NO; /* closes the connection */
    if (!k->refused) {
        request_of(c, url, method, &req);
        req.body = k->body;
        req.len = k->len;
        if (server__api_handle(&s->api, &req, &k->reply) < 0)
            server__reply_release(&k->reply); /* queue() answers 500 */
    }
    return queue(c, k);
}

/* How many connections the service keeps at once: MAX_CONNECTIONS, or
 * fewer when the file descriptor limit would not leave FD_RESERVE for the
 * store's files and libmicrohttpd's own. */
static unsigned connection_limit(void)
{
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY ||
        rl.rlim_cur >= MAX_CONNECTIONS + FD_RESERVE)
        return MAX_CONNECTIONS;
    if (rl.rlim_cur >= 2 * FD_RESERVE)
        return (unsigned)(rl.rlim_cur - FD_RESERVE);
    return rl.rlim_cur / 2 > POOL_THREADS ? (unsigned)(rl.rlim_cur / 2)
                                          : POOL_THREADS;
}

static void server_free(struct server *s)
{
    if (s == NULL)
        return;
    pthread_mutex_destroy(&s->write_lock);
    pthread_mutex_destroy(&s->log_lock);
    free(s->store);
    free(s->token);
    free(s);
}

int server_start(const struct server_opts *o, struct server **out, char *errbuf,
                 size_t errlen)
{
    struct server__addr addr;
    struct server *s = NULL;
    struct compare_store_entry *e = NULL;
    size_t n = 0;
    char err[512] = "";
    const char *listen;
    unsigned limit = connection_limit();
    unsigned per_client = PER_CLIENT_CONNECTIONS;
    int rc;

    *out = NULL;
    if (errlen > 0)
        errbuf[0] = '\0';
    if (o == NULL || o->store == NULL || o->store[0] == '\0') {
        snprintf(errbuf, errlen, "no baseline store folder given");
        return SERVER_EINVAL;
    }
    listen = o->listen != NULL ? o->listen : SERVER_DEFAULT_LISTEN;
    rc = server__parse_listen(listen, &addr, errbuf, errlen);
    if (rc < 0)
        return rc;
    bool has_token = o->token != NULL && o->token[0] != '\0';
    if (!has_token && !addr.loopback) {
        snprintf(errbuf, errlen,
                 "refusing to listen on %s without a token: anyone who can "
                 "reach it could overwrite baselines; configure a bearer "
                 "token or listen on loopback (127.0.0.1, [::1])",
                 listen);
        return SERVER_EINSECURE;
    }
    rc = compare_store_list(o->store, &e, &n, err, sizeof(err));
    compare_store_list_free(e, n);
    if (rc == COMPARE_ENOMEM)
        return SERVER_ENOMEM;
    if (rc < 0) {
        snprintf(errbuf, errlen, "baseline store '%s': %s", o->store,
                 err[0] != '\0' ? err : compare_strerror(rc));
        return SERVER_ESTORE;
    }

    s = calloc(1, sizeof(*s));
    if (s == NULL)
        return SERVER_ENOMEM;
    pthread_mutex_init(&s->write_lock, NULL);
    pthread_mutex_init(&s->log_lock, NULL);
    s->store = strdup(o->store);
    s->token = has_token ? strdup(o->token) : NULL;
    if (s->store == NULL || (has_token && s->token == NULL)) {
        rc = SERVER_ENOMEM;
        goto out;
    }
    s->max_body = o->max_body != 0 ? o->max_body : SERVER_DEFAULT_MAX_BODY;
    s->api.store = s->store;
    s->api.token = s->token;
    s->api.max_body = s->max_body;
    s->api.write_lock = &s->write_lock;

    /* one client never takes more than a quarter of the connections */
    if (per_client > limit / 4)
        per_client = limit / 4 > 0 ? limit / 4 : 1;
    s->capture = true;
    s->daemon = MHD_start_daemon(
        MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG |
            (addr.family == AF_INET6 ? MHD_USE_IPv6 : 0),
        (uint16_t)addr.port, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR,
        (struct sockaddr *)&addr.sa, MHD_OPTION_THREAD_POOL_SIZE, POOL_THREADS,
        MHD_OPTION_CONNECTION_LIMIT, limit, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
        per_client, MHD_OPTION_CONNECTION_TIMEOUT, HEAD_TIMEOUT_S,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
        MHD_OPTION_EXTERNAL_LOGGER, on_log, s, MHD_OPTION_UNESCAPE_CALLBACK,
        unescape, NULL, MHD_OPTION_END);
    pthread_mutex_lock(&s->log_lock);
    s->capture = false;
    pthread_mutex_unlock(&s->log_lock);
    if (s->daemon == NULL) {
        snprintf(errbuf, errlen, "cannot listen on %s: %s", listen,
                 s->log[0] != '\0' ? s->log : "libmicrohttpd failed to start");
        rc = SERVER_ELISTEN;
        goto out;
    }
    const union MHD_DaemonInfo *info =
        MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info != NULL ? info->port : addr.port;
    *out = s;
    s = NULL;
    rc = 0;
out:
    server_free(s);
    return rc;
}

unsigned server_port(const struct server *s)
{
    return s != NULL ? s->port : 0;
}

void server_stop(struct server *s)
{
    if (s == NULL)
        return;
    if (s->daemon != NULL)
        MHD_stop_daemon(s->daemon);
    server_free(s);
}
