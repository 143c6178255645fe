/* The "fast" transport: HTTP/1.1 over connections that libcurl only sets
 * up (CURLOPT_CONNECT_ONLY), driven by the engine's own epoll loop.
 *
 * Connection setup goes through small multi handles (FAST_PER_MULTI easy
 * handles each, never removed while the connection lives: removal closes
 * a CONNECT_ONLY connection), so that DNS and TCP never block the loop.
 * Once a connection is up its socket (CURLINFO_ACTIVESOCKET) is ours:
 * requests are written as prepared bytes, responses read and parsed with
 * http-parser.  Plain http uses send()/recv() on the socket.  For https,
 * libcurl only connects TCP: the handle then leaves its multi at once
 * (on_closesocket leaves the socket to us) and TLS is OpenSSL's, with one
 * context for every connection (loader_tls.c): libcurl would build an
 * SSL_CTX for each, which with OpenSSL 3 made most of the cost of a
 * thousand users connecting at once.
 *
 * Each user (or open-model slot) owns one connection.  A connection that
 * the server closes, or that answers "Connection: close", is set up again
 * for the next request; a reused connection that dies before any byte of
 * the response came back is retried once for idempotent methods.
 *
 * libcurl 7.88 hands a finished CONNECT_ONLY connection back to its
 * multi's connection cache as idle.  Whenever another handle of the same
 * multi connects, libcurl prunes idle connections it thinks dead (unread
 * input counts as dead, so does an age over CURLOPT_MAXAGE_CONN) and
 * closes their sockets under us: an EOF or a response then never arrives
 * and the request times out, and the socket number may be reused by a
 * neighbour.  So the first write on every connection goes through
 * curl_easy_send(), which attaches the handle to its connection (an
 * attached connection is in use, never pruned); the age limit is lifted;
 * and a close of a socket we own is deferred to conn_close() (on_closesocket),
 * so that a number stays ours until we let it go. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <curl/curl.h>
#include <http_parser.h>

#include "loader_capture_internal.h"
#include "loader_engine_internal.h"
#include "loader_stream_internal.h"
#include "loader_tls_internal.h"

#define FAST_PER_MULTI 10
#define FAST_MAX_EVENTS 256
#define FAST_RBUF 16384
#define FAST_NO_DEADLINE UINT64_MAX
#define FAST_TAG_MULTI (UINT64_C(1) << 63)
#define FAST_SETUP_BATCH 16 /* multis driven by their timer per poll */

enum fast_cstate {
    FAST_IDLE,       /* no connection */
    FAST_CONNECTING, /* in its multi, libcurl setting it up */
    FAST_READY,      /* connected; a request may be in flight */
};

struct fast_multi {
    CURLM *m;
    unsigned idx;
    unsigned connecting; /* handles of this multi being set up */
    bool listed;         /* in st->active */
    uint64_t deadline_ns;
    struct fast_state *st;
};

struct fast_conn {
    struct loader__vu *vu;
    unsigned idx; /* index of the user / slot */
    CURL *easy;
    struct fast_multi *mc;
    int fd; /* ours once FAST_READY, else -1 */
    enum fast_cstate state;
    bool in_multi;
    bool tls;
    SSL *ssl;         /* https: ours once connected */
    bool handshaking; /* its TLS handshake is under way */
    uint64_t hs_start_ns;
    bool want_out;    /* EPOLLOUT registered */
    bool attached;    /* curl_easy_send() ran once on this connection */
    bool curl_closed; /* libcurl let go of our socket: we close it */
    bool fresh;       /* no request timed on this connection yet */
    bool reused;      /* a request already completed on this connection */
    /* the request in flight */
    bool pending; /* built, waiting for the connection */
    bool head, keep_body, idempotent, retried;
    bool got_first, msg_done, msg_head_seen;
    bool too_large;    /* the body passed max_body: body_too_large */
    uint64_t max_body; /* defaults.max_body, 0 for none */
    uint64_t body_bytes;
    int status;
    enum metrics_errclass deferred_err; /* completed inside send() */
    uint64_t deadline_ns, write_ns, first_ns;
    uint64_t rx_ns; /* when the bytes being parsed were read (streams) */
    uint64_t connect_us, tls_us; /* of the current connection */
    struct loader__buf origin;   /* "http://host:port" of the connection */
    struct loader__buf out;
    size_t out_off;
    http_parser parser;
};

struct fast_state {
    struct loader__engine *e;
    int epfd;
    CURLSH *share;
    struct fast_multi *multis;
    unsigned n_multis;
    unsigned *active; /* multis with connections being set up */
    unsigned n_active;
    struct fast_conn *conns;
    unsigned n_conns;
    /* owner[fd]: 1 + index of the connection that owns socket fd, 0 when
     * libcurl does; a late CURL_POLL_REMOVE for a number already reused
     * by one of our connections must not unregister it */
    unsigned *owner;
    size_t n_owner;
    uint64_t next_scan_ns; /* earliest request deadline (may be early) */
    uint64_t completions;
    unsigned *deferred; /* users whose request failed inside send() */
    unsigned n_deferred;
    bool in_send;
    bool global_init;
    struct loader__tls *tls; /* https: made at the first TLS connection */
    bool tls_failed;         /* ... and could not be (the CA file?) */
    char user_agent[64];
    http_parser_settings settings;      /* bodies and headers dropped */
    http_parser_settings settings_keep; /* kept: captures, expectations */
    char rbuf[FAST_RBUF];
};

/* ---- small helpers ------------------------------------------------------ */

static int buf_put(struct loader__buf *b, const char *s)
{
    return loader__buf_append(b, s, strlen(s));
}

static int buf_put_u64(struct loader__buf *b, uint64_t v)
{
    char tmp[24];
    size_t i = sizeof(tmp);

    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return loader__buf_append(b, tmp + i, sizeof(tmp) - i);
}

static bool header_is(const char *h, const char *name)
{
    size_t n = strlen(name);

    return strncasecmp(h, name, n) == 0 && h[n] == ':';
}

static bool is_idempotent(const char *m)
{
    return strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0 ||
           strcmp(m, "PUT") == 0 || strcmp(m, "DELETE") == 0 ||
           strcmp(m, "OPTIONS") == 0;
}

/* Splits an absolute http(s) URL: origin "scheme://authority" and the
 * request target (path and query, "/" when empty; the fragment is
 * dropped).  false for another scheme or a URL without a host. */
static bool split_url(const char *url, size_t *origin_len, const char **host,
                      size_t *host_len, const char **path, size_t *path_len,
                      bool *tls)
{
    const char *a, *p, *at;

    if (strncmp(url, "http://", 7) == 0) {
        a = url + 7;
        *tls = false;
    } else if (strncmp(url, "https://", 8) == 0) {
        a = url + 8;
        *tls = true;
    } else {
        return false;
    }
    p = a + strcspn(a, "/?#");
    if (p == a)
        return false;
    *origin_len = (size_t)(p - url);
    at = memchr(a, '@', (size_t)(p - a));
    *host = at ? at + 1 : a;
    *host_len = (size_t)(p - *host);
    *path = p;
    *path_len = strcspn(p, "#");
    return true;
}

/* ---- http-parser callbacks -------------------------------------------- */

/* Only for users whose step captures or checks the response
 * (settings_keep): the others' headers cost nothing. */
static int on_message_begin(http_parser *hp)
{
    struct fast_conn *c = hp->data;

    loader__vu_header_begin(c->vu);
    c->vu->resp.len = 0;
    c->vu->resp_overflow = false;
    return 0;
}

static int on_header_field(http_parser *hp, const char *at, size_t len)
{
    struct fast_conn *c = hp->data;

    return loader__vu_header_part(c->vu, at, len, false) ? -1 : 0;
}

static int on_header_value(http_parser *hp, const char *at, size_t len)
{
    struct fast_conn *c = hp->data;

    return loader__vu_header_part(c->vu, at, len, true) ? -1 : 0;
}

static int on_headers_complete(http_parser *hp)
{
    struct fast_conn *c = hp->data;

    c->status = (int)hp->status_code;
    c->msg_head_seen = true;
    /* a declared length over the limit fails before a byte is read
     * (http-parser says ULLONG_MAX when there is none) */
    if (c->max_body && !c->head && hp->content_length != ULLONG_MAX &&
        hp->content_length > c->max_body) {
        c->too_large = true;
        return -1;
    }
    /* 1 = the response has no body (a reply to HEAD) */
    return c->head ? 1 : 0;
}

static int on_body(http_parser *hp, const char *at, size_t len)
{
    struct fast_conn *c = hp->data;

    c->body_bytes += len;
    if (c->max_body && c->body_bytes > c->max_body) {
        c->too_large = true; /* chunked or read to the close */
        return -1;
    }
    if (c->keep_body && loader__vu_body(c->vu, at, len) != 0)
        return -1;
    if (c->vu->stream) /* a stream: step's events, timed as read */
        loader__vu_stream_data(c->mc->st->e, c->vu, c->status, at, len,
                               c->rx_ns);
    return 0;
}

static int on_message_complete(http_parser *hp)
{
    struct fast_conn *c = hp->data;

    if (c->status >= 100 && c->status < 200 && c->status != 101) {
        /* an interim response (100 Continue): the real one follows */
        c->msg_head_seen = false;
        return 0;
    }
    c->msg_done = true;
    /* Stop right after the message: bytes behind it are not ours. */
    http_parser_pause(hp, 1);
    return 0;
}

static const http_parser_settings *conn_settings(const struct fast_state *st,
                                                 const struct fast_conn *c)
{
    return c->keep_body ? &st->settings_keep : &st->settings;
}

/* ---- connections ------------------------------------------------------ */

static void list_multi(struct fast_state *st, struct fast_multi *mc)
{
    if (!mc->listed) {
        mc->listed = true;
        st->active[st->n_active++] = mc->idx;
    }
}

static void epoll_set(struct fast_state *st, struct fast_conn *c, bool out)
{
    loader__epoll_watch(st->epfd, c->fd,
                        ((uint64_t)c->idx << 32) | (uint32_t)c->fd, out);
    c->want_out = out;
}

/* Closes c's connection (if any); the user keeps its handle. */
static void conn_close(struct fast_state *st, struct fast_conn *c)
{
    loader__tls_close(c->ssl);
    c->ssl = NULL;
    c->handshaking = false;
    if (c->fd >= 0) {
        epoll_ctl(st->epfd, EPOLL_CTL_DEL, c->fd, NULL);
        if ((size_t)c->fd < st->n_owner)
            st->owner[c->fd] = 0;
        if (c->curl_closed)
            close(c->fd);
        c->fd = -1;
    }
    c->curl_closed = false;
    c->attached = false;
    if (c->state == FAST_CONNECTING && c->mc->connecting)
        c->mc->connecting--;
    if (c->in_multi) {
        /* Removing a CONNECT_ONLY handle closes its connection. */
        curl_multi_remove_handle(c->mc->m, c->easy);
        c->in_multi = false;
    }
    c->state = FAST_IDLE;
    c->want_out = false;
    c->reused = false;
}

static void record_and_complete(struct fast_state *st, struct fast_conn *c,
                                enum metrics_errclass err, int status,
                                uint64_t now)
{
    struct loader__engine *e = st->e;
    struct loader__outcome oc;
    uint64_t ttfb = 0;

    if (st->in_send) {
        /* Completing inside send() would let the engine send this user
         * again before it returns: report it from the next poll. */
        c->pending = false;
        c->deadline_ns = FAST_NO_DEADLINE;
        c->deferred_err = err;
        c->status = status;
        st->deferred[st->n_deferred++] = c->idx;
        return;
    }
    if (err == METRICS_ERR_NONE && c->got_first && c->first_ns >= c->write_ns)
        ttfb = (c->first_ns - c->write_ns) / 1000;
    if (err == METRICS_ERR_NONE) {
        if (c->fresh)
            loader__record_timing(e, c->vu, c->connect_us, c->tls_us,
                                  ttfb ? ttfb : 1);
        else
            loader__record_timing(e, c->vu, 0, 0, ttfb ? ttfb : 1);
        c->fresh = false;
    }
    c->pending = false;
    c->deadline_ns = FAST_NO_DEADLINE;
    oc.transport_err = err;
    oc.status = err == METRICS_ERR_NONE ? status : 0;
    oc.grpc_status = -1; /* HTTP/1.1 carries no gRPC */
    st->completions++;
    loader__vu_complete(e, c->vu, &oc, now);
}

/* Fails the request in flight (closing the connection). */
static void conn_fail(struct fast_state *st, struct fast_conn *c,
                      enum metrics_errclass err, uint64_t now)
{
    conn_close(st, c);
    if (c->vu->busy)
        record_and_complete(st, c, err, 0, now);
}

static int start_connect(struct fast_state *st, struct fast_conn *c,
                         double timeout_s);
static void try_write(struct fast_state *st, struct fast_conn *c, uint64_t now);

/* A reused connection died before any byte of the answer: the server
 * closed it while idle.  Retries idempotent requests once on a new one. */
static void conn_lost(struct fast_state *st, struct fast_conn *c,
                      enum metrics_errclass err, uint64_t now)
{
    bool may_retry = c->vu->busy && c->reused && !c->got_first &&
                     c->idempotent && !c->retried;

    if (!may_retry) {
        conn_fail(st, c, err, now);
        return;
    }
    conn_close(st, c);
    c->retried = true;
    c->out_off = 0;
    c->pending = true;
    if (start_connect(st, c, 0) != 0)
        record_and_complete(st, c, METRICS_ERR_OTHER, 0, now);
}

/* libcurl closes a socket.  One of our connections' (see the top of the
 * file) stays open until conn_close(): its number must not be reused
 * while we still read and write it. */
static int on_closesocket(void *userp, curl_socket_t s)
{
    struct fast_state *st = userp;

    if (s >= 0 && (size_t)s < st->n_owner && st->owner[s]) {
        st->conns[st->owner[s] - 1].curl_closed = true;
        return 0;
    }
    return close(s);
}

static int start_connect(struct fast_state *st, struct fast_conn *c,
                         double timeout_s)
{
    CURL *h = c->easy;
    long ms = (long)(timeout_s * 1000.0 + 0.5);

    if (!h) {
        h = c->easy = curl_easy_init();
        if (!h)
            return LOADER_ENOMEM;
        curl_easy_setopt(h, CURLOPT_PRIVATE, (char *)c);
        curl_easy_setopt(h, CURLOPT_CONNECT_ONLY, 1L);
        curl_easy_setopt(h, CURLOPT_CLOSESOCKETFUNCTION, on_closesocket);
        curl_easy_setopt(h, CURLOPT_CLOSESOCKETDATA, st);
        /* no pruning by age (118 s by default): see the top of the file */
        curl_easy_setopt(h, CURLOPT_MAXAGE_CONN, (long)INT_MAX);
        curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(h, CURLOPT_SHARE, st->share);
        /* ALPN h2 would crash curl_easy_recv() on 7.88 */
        curl_easy_setopt(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
        curl_easy_setopt(h, CURLOPT_PROXY, "");
        curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
        /* Only libcurl's own transfers read into its 16 KB buffer; ours
         * read into the connection's (curl_easy_recv() too).  The least
         * it takes: 6 MB less at 10000 connections. */
        curl_easy_setopt(h, CURLOPT_BUFFERSIZE, 1024L);
    }
    if (ms > 0)
        curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, ms);
    if (c->tls) {
        /* TCP only: TLS is ours (tls_start) */
        struct loader__origin o;

        if (!loader__origin_parse(c->origin.p, &o))
            return LOADER_EINVAL;
        curl_easy_setopt(h, CURLOPT_URL, o.connect_url);
    } else {
        curl_easy_setopt(h, CURLOPT_URL, c->origin.p);
    }
    if (curl_multi_add_handle(c->mc->m, h) != CURLM_OK)
        return LOADER_EENGINE;
    c->in_multi = true;
    c->state = FAST_CONNECTING;
    c->mc->connecting++;
    list_multi(st, c->mc);
    return 0;
}

/* One step of c's TLS handshake; the request waiting goes once done. */
static void tls_step(struct fast_state *st, struct fast_conn *c, uint64_t now)
{
    int r = loader__tls_handshake(c->ssl);

    if (r == 1) {
        c->handshaking = false;
        c->tls_us = (st->e->now_ns() - c->hs_start_ns) / 1000;
        if (!c->tls_us)
            c->tls_us = 1;
        epoll_set(st, c, false);
        if (c->pending)
            try_write(st, c, now);
    } else if (r == LOADER__TLS_ERROR) {
        conn_fail(st, c, METRICS_ERR_TLS, now);
    } else if ((r == LOADER__TLS_WANT_WRITE) != c->want_out) {
        epoll_set(st, c, r == LOADER__TLS_WANT_WRITE);
    }
}

/* An https connection's TCP is up: libcurl lets go of it (leaving the
 * multi closes a CONNECT_ONLY connection, on_closesocket keeps our
 * socket open), and the TLS handshake starts. */
static void tls_start(struct fast_state *st, struct fast_conn *c, uint64_t now)
{
    static const unsigned char alpn[] = "\x08http/1.1";
    struct loader__origin o;

    curl_multi_remove_handle(c->mc->m, c->easy);
    c->in_multi = false;
    if (!st->tls && !st->tls_failed) {
        char why[256];

        if (!(st->tls = loader__tls_new(st->e->p, why, sizeof(why))))
            st->tls_failed = true; /* every https request fails as tls */
    }
    if (!st->tls || !loader__origin_parse(c->origin.p, &o) ||
        !(c->ssl = loader__tls_connect(st->tls, c->fd, &o, c->origin.p, alpn,
                                       sizeof(alpn) - 1))) {
        conn_fail(st, c, METRICS_ERR_TLS, now);
        return;
    }
    c->handshaking = true;
    c->hs_start_ns = st->e->now_ns();
    epoll_set(st, c, true);
    tls_step(st, c, now);
}

/* The connection of c is up: the socket becomes ours. */
static void conn_ready(struct fast_state *st, struct fast_conn *c, uint64_t now)
{
    curl_socket_t fd = CURL_SOCKET_BAD;
    curl_off_t conn_t = 0;

    if (c->mc->connecting)
        c->mc->connecting--;
    if (curl_easy_getinfo(c->easy, CURLINFO_ACTIVESOCKET, &fd) != CURLE_OK ||
        fd == CURL_SOCKET_BAD) {
        c->state = FAST_IDLE;
        conn_fail(st, c, METRICS_ERR_CONNECT, now);
        return;
    }
    curl_easy_getinfo(c->easy, CURLINFO_CONNECT_TIME_T, &conn_t);
    c->connect_us = conn_t > 0 ? (uint64_t)conn_t : 1;
    c->tls_us = 0;
    c->fd = (int)fd;
    if ((size_t)fd < st->n_owner)
        st->owner[fd] = c->idx + 1;
    c->state = FAST_READY;
    c->fresh = true;
    c->reused = false;
    if (c->tls) {
        tls_start(st, c, now);
        return;
    }
    epoll_set(st, c, false);
    if (c->pending)
        try_write(st, c, now);
}

static void conn_connect_failed(struct fast_state *st, struct fast_conn *c,
                                CURLcode res, uint64_t now)
{
    enum metrics_errclass err = loader__curl_errclass((int)res);

    if (err == METRICS_ERR_NONE)
        err = METRICS_ERR_CONNECT;
    if (err == METRICS_ERR_TIMEOUT) {
        curl_off_t dns_us = 0;

        curl_easy_getinfo(c->easy, CURLINFO_NAMELOOKUP_TIME_T, &dns_us);
        if (dns_us == 0)
            err = METRICS_ERR_DNS;
    }
    conn_fail(st, c, err, now);
}

/* Hands the connections libcurl finished setting up to their users. */
static void drain_multi(struct fast_state *st, struct fast_multi *mc,
                        uint64_t now)
{
    CURLMsg *msg;
    int left;

    while ((msg = curl_multi_info_read(mc->m, &left))) {
        char *priv = NULL;
        struct fast_conn *c;
        CURLcode res;

        if (msg->msg != CURLMSG_DONE)
            continue;
        res = msg->data.result;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
        c = (struct fast_conn *)(void *)priv;
        if (!c || c->state != FAST_CONNECTING)
            continue;
        if (res == CURLE_OK)
            conn_ready(st, c, now);
        else
            conn_connect_failed(st, c, res, now);
    }
}

static int on_timer(CURLM *m, long timeout_ms, void *userp)
{
    struct fast_multi *mc = userp;

    (void)m;
    mc->deadline_ns =
        timeout_ms < 0 ? FAST_NO_DEADLINE
                       : mc->st->e->now_ns() + (uint64_t)timeout_ms * 1000000u;
    if (timeout_ms >= 0)
        list_multi(mc->st, mc);
    return 0;
}

static int on_socket(CURL *easy, curl_socket_t s, int what, void *userp,
                     void *socketp)
{
    struct fast_multi *mc = userp;
    struct epoll_event ev;
    char *priv = NULL;
    struct fast_conn *c;

    (void)socketp;
    curl_easy_getinfo(easy, CURLINFO_PRIVATE, &priv);
    c = (struct fast_conn *)(void *)priv;
    if (c && c->state != FAST_CONNECTING)
        return 0; /* the socket is ours by now */
    if (s >= 0 && (size_t)s < mc->st->n_owner && mc->st->owner[s])
        return 0; /* a stale number, reused by one of our connections */
    if (what == CURL_POLL_REMOVE) {
        epoll_ctl(mc->st->epfd, EPOLL_CTL_DEL, s, NULL);
        return 0;
    }
    memset(&ev, 0, sizeof(ev));
    ev.events = ((what & CURL_POLL_IN) ? EPOLLIN : 0u) |
                ((what & CURL_POLL_OUT) ? EPOLLOUT : 0u);
    ev.data.u64 = FAST_TAG_MULTI | ((uint64_t)mc->idx << 32) | (uint32_t)s;
    if (epoll_ctl(mc->st->epfd, EPOLL_CTL_MOD, s, &ev) != 0 &&
        epoll_ctl(mc->st->epfd, EPOLL_CTL_ADD, s, &ev) != 0)
        return -1;
    return 0;
}

/* ---- requests ----------------------------------------------------------- */

static int build_request(struct fast_state *st, struct fast_conn *c,
                         const struct loader__request *req, const char *host,
                         size_t host_len, const char *path, size_t path_len)
{
    struct loader__buf *b = &c->out;
    bool has_host = false, has_ua = false, has_accept = false, has_len = false;
    int rc = 0;

    for (size_t i = 0; i < req->n_headers; i++) {
        const char *h = req->headers[i];

        has_host |= header_is(h, "Host");
        has_ua |= header_is(h, "User-Agent");
        has_accept |= header_is(h, "Accept");
        has_len |=
            header_is(h, "Content-Length") || header_is(h, "Transfer-Encoding");
    }
    b->len = 0;
    c->out_off = 0;
    rc |= buf_put(b, req->method);
    rc |= loader__buf_append(b, " ", 1);
    if (path_len == 0 || path[0] != '/')
        rc |= loader__buf_append(b, "/", 1);
    rc |= loader__buf_append(b, path, path_len);
    rc |= loader__buf_append(b, " HTTP/1.1\r\n", 11);
    if (!has_host) {
        rc |= loader__buf_append(b, "Host: ", 6);
        rc |= loader__buf_append(b, host, host_len);
        rc |= loader__buf_append(b, "\r\n", 2);
    }
    if (!has_ua) {
        rc |= loader__buf_append(b, "User-Agent: ", 12);
        rc |= buf_put(b, st->user_agent);
        rc |= loader__buf_append(b, "\r\n", 2);
    }
    if (!has_accept)
        rc |= loader__buf_append(b, "Accept: */*\r\n", 13);
    for (size_t i = 0; i < req->n_headers; i++) {
        rc |= buf_put(b, req->headers[i]);
        rc |= loader__buf_append(b, "\r\n", 2);
    }
    if (!has_len && (req->body || strcmp(req->method, "POST") == 0 ||
                     strcmp(req->method, "PUT") == 0 ||
                     strcmp(req->method, "PATCH") == 0)) {
        rc |= loader__buf_append(b, "Content-Length: ", 16);
        rc |= buf_put_u64(b, req->body ? req->body_len : 0);
        rc |= loader__buf_append(b, "\r\n", 2);
    }
    rc |= loader__buf_append(b, "\r\n", 2);
    if (req->body && req->body_len)
        rc |= loader__buf_append(b, req->body, req->body_len);
    return rc ? LOADER_ENOMEM : 0;
}

/* Writes what is left of the request; waits for EPOLLOUT when the socket
 * is full. */
static void try_write(struct fast_state *st, struct fast_conn *c, uint64_t now)
{
    if (c->out_off == 0) {
        c->write_ns = st->e->now_ns();
        c->got_first = false;
        c->msg_done = false;
        c->msg_head_seen = false;
        c->status = 0;
        http_parser_init(&c->parser, HTTP_RESPONSE);
        c->parser.data = c;
    }
    c->pending = false;
    while (c->out_off < c->out.len) {
        size_t left = c->out.len - c->out_off, n = 0;

        if (!c->ssl && !c->attached) {
            /* the first write attaches the handle (top of the file) */
            CURLcode r =
                curl_easy_send(c->easy, c->out.p + c->out_off, left, &n);

            c->attached = true;
            if (r == CURLE_AGAIN) {
                n = 0;
            } else if (r != CURLE_OK) {
                conn_lost(st, c, METRICS_ERR_RESET, now);
                return;
            }
        } else {
            ssize_t w =
                loader__conn_write(c->ssl, c->fd, c->out.p + c->out_off, left);

            if (w == LOADER__TLS_ERROR) {
                conn_lost(st, c, METRICS_ERR_RESET, now);
                return;
            }
            n = w > 0 ? (size_t)w : 0;
        }
        if (n == 0) {
            if (!c->want_out)
                epoll_set(st, c, true);
            return;
        }
        c->out_off += n;
    }
    if (c->want_out)
        epoll_set(st, c, false);
}

static int send_request(struct fast_state *st, struct fast_conn *c,
                        const struct loader__request *req);

static int fast_send(struct loader__engine *e, struct loader__vu *vu,
                     const struct loader__request *req)
{
    struct fast_state *st = e->transport;
    struct fast_conn *c = &st->conns[vu->id - 1];
    int rc;

    st->in_send = true;
    rc = send_request(st, c, req);
    st->in_send = false;
    return rc;
}

static int send_request(struct fast_state *st, struct fast_conn *c,
                        const struct loader__request *req)
{
    struct loader__engine *e = st->e;
    const char *host, *path;
    size_t olen, hlen, plen;
    bool tls;
    uint64_t now;
    int rc;

    if (!split_url(req->url, &olen, &host, &hlen, &path, &plen, &tls)) {
        /* not http(s): fails as the curl transport's unsupported protocol */
        record_and_complete(st, c, METRICS_ERR_OTHER, 0, e->now_ns());
        return 0;
    }
    if ((rc = build_request(st, c, req, host, hlen, path, plen)))
        return rc;
    c->head = strcmp(req->method, "HEAD") == 0;
    c->keep_body = req->keep_body;
    c->idempotent = is_idempotent(req->method);
    c->retried = false;
    c->got_first = false;
    c->max_body = e->p->max_body;
    c->too_large = false;
    c->body_bytes = 0;
    now = e->now_ns();
    c->deadline_ns =
        now + (uint64_t)((req->timeout_s > 0 ? req->timeout_s : 10) * 1e9);
    if (c->deadline_ns < st->next_scan_ns)
        st->next_scan_ns = c->deadline_ns;
    if (c->state != FAST_IDLE &&
        (c->origin.len != olen || memcmp(c->origin.p, req->url, olen) != 0))
        conn_close(st, c);
    if (c->state == FAST_IDLE) {
        c->origin.len = 0;
        if (loader__buf_append(&c->origin, req->url, olen))
            return LOADER_ENOMEM;
        c->tls = tls;
        c->pending = true;
        if ((rc = start_connect(st, c, req->timeout_s))) {
            snprintf(e->errbuf, e->errlen,
                     "cannot start a connection for user %u", c->vu->id);
            return rc;
        }
        return 0;
    }
    if (c->state == FAST_CONNECTING || c->handshaking) {
        c->pending = true; /* cannot happen: one request each */
        return 0;
    }
    try_write(st, c, now);
    return 0;
}

/* Reads and parses what c's socket has. */
static void on_readable(struct fast_state *st, struct fast_conn *c,
                        uint64_t now)
{
    for (;;) {
        size_t n = 0, parsed;
        bool eof = false;
        enum http_errno herr;

        {
            ssize_t got = loader__conn_read(c->ssl, c->fd, st->rbuf, FAST_RBUF);

            if (got == LOADER__TLS_WANT_READ || got == LOADER__TLS_WANT_WRITE)
                return; /* the socket is drained */
            if (got == LOADER__TLS_ERROR) {
                conn_lost(st, c, METRICS_ERR_RESET, now);
                return;
            }
            n = (size_t)got;
            eof = n == 0;
        }
        if (!c->vu->busy || c->pending) {
            /* bytes or EOF on an idle connection: it is of no use now */
            conn_close(st, c);
            return;
        }
        if (eof) {
            /* A body delimited by the end of the connection ends here. */
            if (c->got_first) {
                http_parser_execute(&c->parser, conn_settings(st, c), NULL, 0);
                if (c->msg_done) {
                    int status = c->status;

                    conn_close(st, c);
                    record_and_complete(st, c, METRICS_ERR_NONE, status, now);
                    return;
                }
            }
            conn_lost(st, c, METRICS_ERR_RESET, now);
            return;
        }
        if (!c->got_first) {
            c->got_first = true;
            c->first_ns = now;
        }
        if (c->vu->stream)
            c->rx_ns = st->e->now_ns(); /* each read of a stream, timed */
        parsed =
            http_parser_execute(&c->parser, conn_settings(st, c), st->rbuf, n);
        herr = HTTP_PARSER_ERRNO(&c->parser);
        if (c->msg_done) {
            int status = c->status;
            bool keep = http_should_keep_alive(&c->parser) != 0;

            if (parsed < n) {
                /* More than the response: the stream is out of step. */
                conn_fail(st, c, METRICS_ERR_OTHER, now);
                return;
            }
            http_parser_pause(&c->parser, 0);
            if (!keep)
                conn_close(st, c);
            else
                c->reused = true;
            record_and_complete(st, c, METRICS_ERR_NONE, status, now);
            return;
        }
        if (herr != HPE_OK) {
            /* the rest of an oversized body is not read: the connection
             * goes, as it would in a browser that stops a download */
            conn_fail(st, c,
                      c->too_large ? METRICS_ERR_BODY_TOO_LARGE
                                   : METRICS_ERR_OTHER,
                      now);
            return;
        }
        /* drained, or OpenSSL holds nothing more: epoll (level-triggered)
         * says when more comes, without a read() to hear EAGAIN */
        if (c->ssl ? !SSL_has_pending(c->ssl) : n < FAST_RBUF)
            return;
    }
}

/* Expires requests past their deadline; sets the next scan time. */
static void scan_timeouts(struct fast_state *st, uint64_t now)
{
    uint64_t next = FAST_NO_DEADLINE;

    if (now < st->next_scan_ns)
        return;
    for (unsigned i = 0; i < st->n_conns; i++) {
        struct fast_conn *c = &st->conns[i];

        if (!c->vu || !c->vu->busy || c->deadline_ns == FAST_NO_DEADLINE)
            continue;
        if (c->deadline_ns <= now) {
            enum metrics_errclass err = METRICS_ERR_TIMEOUT;

            if (c->state == FAST_CONNECTING) {
                curl_off_t dns_us = 0;

                curl_easy_getinfo(c->easy, CURLINFO_NAMELOOKUP_TIME_T, &dns_us);
                if (dns_us == 0)
                    err = METRICS_ERR_DNS;
            }
            conn_fail(st, c, err, now);
        } else if (c->deadline_ns < next) {
            next = c->deadline_ns;
        }
    }
    st->next_scan_ns = next;
}

static void fire_multi_timers(struct fast_state *st, uint64_t now)
{
    unsigned fired = 0;

    for (unsigned k = 0; k < st->n_active;) {
        struct fast_multi *mc = &st->multis[st->active[k]];
        int running;

        /* A few groups per turn: thousands of connections set up at once
         * would otherwise hold every response back for seconds. */
        if (mc->deadline_ns <= now && fired < FAST_SETUP_BATCH) {
            fired++;
            long ms = -1;

            curl_multi_socket_action(mc->m, CURL_SOCKET_TIMEOUT, 0, &running);
            if (curl_multi_timeout(mc->m, &ms) == CURLM_OK)
                mc->deadline_ns =
                    ms < 0 ? FAST_NO_DEADLINE : now + (uint64_t)ms * 1000000u;
            drain_multi(st, mc, now);
        }
        if (mc->connecting == 0) {
            /* set up: off the list */
            mc->listed = false;
            st->active[k] = st->active[--st->n_active];
            continue;
        }
        k++;
    }
}

static int fast_poll(struct loader__engine *e, uint64_t deadline_ns)
{
    struct fast_state *st = e->transport;
    struct epoll_event ev[FAST_MAX_EVENTS];
    uint64_t now = e->now_ns(), done_before = st->completions;
    int n;

    /* failures inside send(), in order */
    for (unsigned k = 0; k < st->n_deferred; k++) {
        struct fast_conn *c = &st->conns[st->deferred[k]];

        record_and_complete(st, c, c->deferred_err, c->status, now);
    }
    st->n_deferred = 0;
    fire_multi_timers(st, now);
    scan_timeouts(st, now);
    if (st->completions != done_before)
        deadline_ns = 0; /* a user freed here may be due now */
    for (unsigned k = 0; k < st->n_active; k++)
        if (st->multis[st->active[k]].deadline_ns < deadline_ns)
            deadline_ns = st->multis[st->active[k]].deadline_ns;
    if (st->next_scan_ns < deadline_ns)
        deadline_ns = st->next_scan_ns;
    n = loader__epoll_wait(e, st->epfd, ev, FAST_MAX_EVENTS, now, deadline_ns);
    if (n < 0)
        return n;
    for (int i = 0; i < n; i++) {
        uint64_t tag = ev[i].data.u64;
        int fd = (int)(uint32_t)tag;
        unsigned idx = (unsigned)((tag & ~FAST_TAG_MULTI) >> 32);

        now = e->now_ns();
        if (tag & FAST_TAG_MULTI) {
            struct fast_multi *mc;
            int flags, running;

            if (idx >= st->n_multis)
                continue;
            mc = &st->multis[idx];
            flags = loader__curl_select_flags(ev[i].events);
            curl_multi_socket_action(mc->m, fd, flags, &running);
            drain_multi(st, mc, now);
            list_multi(st, mc);
        } else {
            struct fast_conn *c;

            if (idx >= st->n_conns)
                continue;
            c = &st->conns[idx];
            if (c->fd != fd || c->state != FAST_READY)
                continue; /* stale: closed earlier in this batch */
            if (c->handshaking) {
                tls_step(st, c, now);
                continue;
            }
            if ((ev[i].events & EPOLLOUT) && c->vu->busy &&
                c->out_off < c->out.len)
                try_write(st, c, now);
            if (c->fd == fd && (ev[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP)))
                on_readable(st, c, now);
        }
    }
    return 0;
}

/* ---- open / close ------------------------------------------------------- */

static void fast_close(struct loader__engine *e);

static int fast_open(struct loader__engine *e, unsigned n_slots, char *errbuf,
                     size_t errlen)
{
    struct fast_state *st = calloc(1, sizeof(*st));
    int rc = LOADER_ENOMEM;

    if (!st)
        return LOADER_ENOMEM;
    e->transport = st;
    st->e = e;
    st->epfd = -1;
    st->next_scan_ns = FAST_NO_DEADLINE;
    if (loader__plan_grpc(e->p)) {
        /* http: auto fell back: the server offered no h2 */
        snprintf(errbuf, errlen,
                 "grpc: steps need HTTP/2, and %s did not offer h2 over ALPN",
                 e->p->target);
        rc = LOADER_EINVAL;
        goto out;
    }
    if ((rc = loader__curl_global_init(errbuf, errlen)))
        goto out;
    st->global_init = true;
    snprintf(st->user_agent, sizeof(st->user_agent), "loadgate/%s",
             LOADGATE_VERSION);
    http_parser_settings_init(&st->settings);
    st->settings.on_headers_complete = on_headers_complete;
    st->settings.on_body = on_body;
    st->settings.on_message_complete = on_message_complete;
    st->settings_keep = st->settings;
    st->settings_keep.on_message_begin = on_message_begin;
    st->settings_keep.on_header_field = on_header_field;
    st->settings_keep.on_header_value = on_header_value;
    if ((rc = loader__epoll_new(&st->epfd, errbuf, errlen)))
        goto out;
    rc = LOADER_ENOMEM;
    st->share = curl_share_init();
    if (!st->share)
        goto out;
    curl_share_setopt(st->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl_share_setopt(st->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    st->n_multis = (n_slots + FAST_PER_MULTI - 1) / FAST_PER_MULTI;
    if (st->n_multis == 0)
        st->n_multis = 1;
    st->multis = calloc(st->n_multis, sizeof(*st->multis));
    st->active = calloc(st->n_multis, sizeof(*st->active));
    st->conns = calloc(n_slots ? n_slots : 1, sizeof(*st->conns));
    st->deferred = calloc(n_slots ? n_slots : 1, sizeof(*st->deferred));
    st->n_owner = loader__fd_table_size();
    st->owner = calloc(st->n_owner, sizeof(*st->owner));
    if (!st->multis || !st->active || !st->conns || !st->deferred || !st->owner)
        goto out;
    st->n_conns = n_slots;
    for (unsigned i = 0; i < n_slots; i++) {
        struct fast_conn *c = &st->conns[i];

        c->idx = i;
        c->vu = &e->vus[i];
        c->fd = -1;
        c->deadline_ns = FAST_NO_DEADLINE;
        c->mc = &st->multis[i / FAST_PER_MULTI];
        e->vus[i].transport = c;
    }
    for (unsigned i = 0; i < st->n_multis; i++) {
        struct fast_multi *mc = &st->multis[i];

        mc->idx = i;
        mc->st = st;
        mc->deadline_ns = FAST_NO_DEADLINE;
        mc->m = curl_multi_init();
        if (!mc->m) {
            snprintf(errbuf, errlen,
                     "cannot create libcurl multi handle %u "
                     "(file descriptors?)",
                     i);
            rc = LOADER_ELIMIT;
            goto out;
        }
        loader__multi_callbacks(mc->m, on_socket, on_timer, mc);
        curl_multi_setopt(mc->m, CURLMOPT_MAXCONNECTS,
                          (long)FAST_PER_MULTI + 4);
    }
    return 0;
out:
    fast_close(e);
    return rc;
}

static void fast_close(struct loader__engine *e)
{
    struct fast_state *st = e->transport;

    if (!st)
        return;
    for (unsigned i = 0; st->conns && i < st->n_conns; i++) {
        struct fast_conn *c = &st->conns[i];

        if (c->mc && c->mc->m)
            conn_close(st, c);
        if (c->easy)
            curl_easy_cleanup(c->easy);
        loader__buf_release(&c->origin);
        loader__buf_release(&c->out);
        if (c->vu)
            c->vu->transport = NULL;
    }
    for (unsigned i = 0; st->multis && i < st->n_multis; i++)
        if (st->multis[i].m)
            curl_multi_cleanup(st->multis[i].m);
    free(st->multis);
    free(st->active);
    free(st->conns);
    free(st->deferred);
    free(st->owner);
    loader__tls_free(st->tls); /* after the last SSL */
    if (st->share)
        curl_share_cleanup(st->share);
    if (st->epfd >= 0)
        close(st->epfd);
    if (st->global_init)
        loader__curl_global_cleanup();
    free(st);
    e->transport = NULL;
}

const struct loader__transport_ops loader__fast_transport = {
    "fast", fast_open, fast_send, fast_poll, fast_close,
};
