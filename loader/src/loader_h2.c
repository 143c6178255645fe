/* The fast engine's HTTP/2 (`http: 2`, or `http: auto` when ALPN offers
 * h2): libcurl opens TCP connections (CONNECT_ONLY, one multi handle, so
 * that DNS and connect never block the loop), OpenSSL does TLS on them
 * with ALPN h2 (loader_tls.c), cleartext goes h2c by prior knowledge,
 * and nghttp2 drives each session over the non-blocking socket in the
 * engine's own epoll loop.
 *
 * Users and connections.  The slots (users, or open-model slots) are cut
 * into groups of loader__h2_users_per_conn() consecutive ones, like
 * h2load's clients: each group owns its connection, and each user has at
 * most one request in flight, one stream.  A connection has at most the
 * server's SETTINGS_MAX_CONCURRENT_STREAMS streams open, and at most
 * max_streams when the profile sets it; users beyond wait in the group's
 * queue, their wait counted in their latency.
 *
 * The socket is ours once connected: the easy handle leaves the multi at
 * once (which closes a CONNECT_ONLY connection) while on_closesocket keeps
 * libcurl from closing the socket we took (st->keep_fd).
 *
 * Writes are batched: send() and the reads only ask nghttp2 for frames
 * (a connection is marked dirty), and each poll first flushes every dirty
 * connection, one write for all its frames.
 *
 * A GOAWAY retires its connection (the streams it still answers finish
 * there, the group opens a new one for the next requests); streams the
 * server did not process go out again (loader__h2_retry()). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <curl/curl.h>

#include "loader_capture_internal.h"
#include "loader_h2_internal.h"
#include "loader_stream_internal.h"

#define H2_MAX_EVENTS 256
#define H2_RBUF 65536
#define H2_OUT_BATCH 65536
#define H2_NO_DEADLINE UINT64_MAX
#define H2_TAG_MULTI (UINT64_C(1) << 63)
/* windows as h2load's defaults: flow control never holds a response */
#define H2_WINDOW ((1 << 30) - 1)
/* the nap while answers are due (h2_poll()), unless H2_NAP_FEW
 * connections have something */
#define H2_NAP_MIN_NS UINT64_C(5000)
#define H2_NAP_MAX_NS UINT64_C(100000)
#define H2_NAP_FEW 4

enum h2_cstate {
    H2_FREE,       /* a pool entry not in use */
    H2_CONNECTING, /* in the multi: libcurl connecting TCP */
    H2_HANDSHAKE,  /* TLS handshake */
    H2_READY,      /* the session runs */
};

struct h2_group;

struct h2_conn {
    struct h2_state *st;
    struct h2_group *g;
    unsigned idx; /* in st->conns */
    enum h2_cstate state;
    CURL *easy;
    bool in_multi;
    int fd;
    SSL *ssl;
    nghttp2_session *ss;
    bool want_out, dirty;
    bool goaway; /* the server sent GOAWAY: no new streams here */
    bool proto;  /* we sent GOAWAY with an error: a protocol error */
    int32_t goaway_last;
    bool reused;          /* a response completed on it */
    bool fresh;           /* connect and TLS times not yet recorded */
    unsigned active;      /* our streams on it */
    uint64_t deadline_ns; /* of connecting and the handshake */
    uint64_t hs_start_ns, connect_us, tls_us;
    struct loader__buf out;
    size_t out_off;
};

struct h2_user {
    struct loader__vu *vu;
    struct h2_group *g;
    struct h2_conn *conn;        /* of the stream in flight */
    int32_t stream_id;           /* 0: no stream */
    struct loader__request req;  /* points into vu: valid while busy */
    struct h2_user *prev, *next; /* in the group's queue */
    bool queued, head, keep_body, idempotent, retried, grpc;
    bool got_first, done, rst, trailers;
    uint32_t rst_code;
    int status;
    int grpc_status; /* a grpc: step's answer, -1 until it comes */
    size_t body_off;
    uint64_t body_bytes, max_body;
    uint64_t deadline_ns, write_ns, first_ns;
    enum metrics_errclass deferred_err;
};

struct h2_group {
    struct h2_conn *cur;         /* takes the group's new streams; NULL: none */
    struct h2_user *head, *tail; /* waiting for a stream */
    struct h2_user *users;       /* the group's users, n_users of them */
    unsigned n_users;
};

struct h2_state {
    struct loader__engine *e;
    struct loader__origin o;
    int epfd;
    CURLM *multi;
    uint64_t multi_deadline_ns;
    struct loader__tls *tls;
    nghttp2_session_callbacks *cbs;
    nghttp2_option *opt;
    struct h2_user *users;
    unsigned n_users;
    struct h2_group *groups;
    unsigned n_groups;
    struct h2_conn **conns; /* pool: stable addresses, reused entries */
    unsigned n_conns, cap_conns;
    struct h2_conn **dirty;
    unsigned n_dirty;
    unsigned *deferred; /* users whose request ended inside send() */
    unsigned n_deferred;
    bool in_send;
    bool global_init;
    bool mem_held;       /* loader__curl_mem_hold() on this thread */
    int keep_fd;         /* the socket being taken from libcurl */
    unsigned stream_cap; /* http.max_streams, 0: the server's */
    uint64_t now;        /* of the events being processed */
    uint64_t next_scan_ns, completions;
    uint64_t lat_ns; /* a moving mean of the requests' time, 0: none */
    char user_agent[64];
    struct loader__h2_nvs nvs;
    struct loader__buf line; /* a header line for captures */
    uint8_t rbuf[H2_RBUF];
};

/* ---- nghttp2's memory: the engine thread's cache (loader_curl_mem.c) ---- */

/* A stream allocates and frees a dozen small blocks in nghttp2 (the
 * stream, its frames, the header copies): the per-thread free lists the
 * curl transport uses for libcurl's blocks serve them too. */
static void *mem_malloc(size_t size, void *ud)
{
    (void)ud;
    return loader__mem_malloc(size);
}

static void mem_free(void *p, void *ud)
{
    (void)ud;
    loader__mem_free(p);
}

static void *mem_calloc(size_t n, size_t size, void *ud)
{
    (void)ud;
    return loader__mem_calloc(n, size);
}

static void *mem_realloc(void *p, size_t size, void *ud)
{
    (void)ud;
    return loader__mem_realloc(p, size);
}

static nghttp2_mem h2_mem = {NULL, mem_malloc, mem_free, mem_calloc,
                             mem_realloc};

/* ---- completion --------------------------------------------------------- */

static void complete(struct h2_state *st, struct h2_user *u,
                     enum metrics_errclass err, int status)
{
    struct loader__engine *e = st->e;
    struct loader__outcome oc;

    if (st->in_send) {
        /* completing inside send() would let the engine send this user
         * again before it returns: report it from the next poll */
        u->deadline_ns = H2_NO_DEADLINE;
        u->deferred_err = err;
        st->deferred[st->n_deferred++] = u->vu->id - 1;
        return;
    }
    if (err == METRICS_ERR_NONE) {
        struct h2_conn *c = u->conn;
        uint64_t ttfb = u->got_first && u->first_ns >= u->write_ns
                            ? (u->first_ns - u->write_ns) / 1000
                            : 0;

        if (c && c->fresh) {
            loader__record_timing(e, u->vu, c->connect_us, c->tls_us,
                                  ttfb ? ttfb : 1);
            c->fresh = false;
        } else {
            loader__record_timing(e, u->vu, 0, 0, ttfb ? ttfb : 1);
        }
        if (c)
            c->reused = true;
        if (st->now > u->write_ns) {
            uint64_t lat = st->now - u->write_ns;

            st->lat_ns =
                st->lat_ns ? st->lat_ns - st->lat_ns / 16 + lat / 16 : lat;
        }
    }
    u->deadline_ns = H2_NO_DEADLINE;
    u->conn = NULL;
    u->stream_id = 0;
    oc.transport_err = err;
    oc.status = err == METRICS_ERR_NONE ? status : 0;
    oc.grpc_status = u->grpc_status;
    st->completions++;
    loader__vu_complete(e, u->vu, &oc, st->now);
}

/* ---- the group's queue -------------------------------------------------- */

static void queue_push(struct h2_group *g, struct h2_user *u, bool front)
{
    u->queued = true;
    u->prev = u->next = NULL;
    if (!g->head) {
        g->head = g->tail = u;
    } else if (front) {
        u->next = g->head;
        g->head->prev = u;
        g->head = u;
    } else {
        u->prev = g->tail;
        g->tail->next = u;
        g->tail = u;
    }
}

static void queue_unlink(struct h2_group *g, struct h2_user *u)
{
    if (u->prev)
        u->prev->next = u->next;
    else
        g->head = u->next;
    if (u->next)
        u->next->prev = u->prev;
    else
        g->tail = u->prev;
    u->prev = u->next = NULL;
    u->queued = false;
}

/* ---- connections -------------------------------------------------------- */

static void mark_dirty(struct h2_state *st, struct h2_conn *c)
{
    if (!c->dirty) {
        c->dirty = true;
        st->dirty[st->n_dirty++] = c;
    }
}

static void epoll_set(struct h2_state *st, struct h2_conn *c, bool out)
{
    loader__epoll_watch(st->epfd, c->fd,
                        ((uint64_t)c->idx << 32) | (uint32_t)c->fd, out);
    c->want_out = out;
}

/* Closes c and returns its entry to the pool; its streams must be gone. */
static void conn_free(struct h2_state *st, struct h2_conn *c)
{
    if (c->dirty) {
        for (unsigned i = 0; i < st->n_dirty; i++)
            if (st->dirty[i] == c) {
                st->dirty[i] = st->dirty[--st->n_dirty];
                break;
            }
        c->dirty = false;
    }
    loader__tls_close(c->ssl);
    c->ssl = NULL;
    if (c->fd >= 0) {
        epoll_ctl(st->epfd, EPOLL_CTL_DEL, c->fd, NULL);
        close(c->fd);
        c->fd = -1;
    }
    if (c->ss) {
        nghttp2_session_del(c->ss);
        c->ss = NULL;
    }
    if (c->in_multi) {
        curl_multi_remove_handle(st->multi, c->easy);
        c->in_multi = false;
    }
    if (c->g && c->g->cur == c)
        c->g->cur = NULL;
    c->g = NULL;
    c->state = H2_FREE;
    c->active = 0;
    c->out.len = c->out_off = 0;
}

static void group_kick(struct h2_state *st, struct h2_group *g);

/* Resets what a user knows of its response, for a retry. */
static void user_rewind(struct h2_user *u)
{
    u->stream_id = 0;
    u->conn = NULL;
    u->got_first = u->done = u->rst = u->trailers = false;
    u->status = 0;
    u->grpc_status = -1;
    u->body_off = 0;
    u->body_bytes = 0;
    u->vu->resp.len = 0;
    u->vu->resp_overflow = false;
    loader__vu_header_begin(u->vu);
}

/* u's stream ended without a complete response: retry or fail. */
static void stream_failed(struct h2_state *st, struct h2_user *u,
                          struct loader__h2_end *end)
{
    enum metrics_errclass err = METRICS_ERR_OTHER;
    struct h2_conn *c = u->conn;

    end->idempotent = u->idempotent;
    end->retried = u->retried;
    end->got_first = u->got_first;
    if (c) {
        end->goaway = c->goaway;
        end->goaway_last = c->goaway_last;
        end->conn_reused = c->reused;
    }
    if (loader__h2_retry(end, &err)) {
        u->retried = true;
        user_rewind(u);
        queue_push(u->g, u, true); /* group_kick() sends it */
        return;
    }
    complete(st, u, err, 0);
}

/* Detaches u from its stream (the stream goes on without it). */
static void detach(struct h2_user *u)
{
    if (u->conn && u->stream_id && u->conn->active)
        u->conn->active--;
}

/* Gives up u's stream (a timeout, a body over max_body): the server is
 * told with RST_STREAM CANCEL, and the request ends now with err. */
static void abandon(struct h2_state *st, struct h2_user *u,
                    enum metrics_errclass err)
{
    struct h2_conn *c = u->conn;

    if (c && u->stream_id) {
        nghttp2_submit_rst_stream(c->ss, NGHTTP2_FLAG_NONE, u->stream_id,
                                  NGHTTP2_CANCEL);
        detach(u);
        mark_dirty(st, c);
    }
    complete(st, u, err, 0);
}

/* The connection died (or nghttp2 gave up on it): every stream on it
 * ends, lost or as a protocol error, then it closes. */
static void conn_down(struct h2_state *st, struct h2_conn *c, bool protocol)
{
    struct h2_group *g = c->g;

    for (unsigned i = 0; g && i < g->n_users; i++) {
        struct h2_user *u = &g->users[i];
        struct loader__h2_end end;

        if (u->conn != c || !u->stream_id)
            continue;
        memset(&end, 0, sizeof(end));
        end.stream_id = u->stream_id;
        end.conn_lost = !protocol;
        end.close_code = protocol ? NGHTTP2_PROTOCOL_ERROR : 0;
        detach(u);
        stream_failed(st, u, &end);
    }
    conn_free(st, c);
    if (g)
        group_kick(st, g);
}

/* Connecting failed: every user waiting for the group's connection fails
 * with err (they all waited for this one). */
static void conn_setup_failed(struct h2_state *st, struct h2_conn *c,
                              enum metrics_errclass err)
{
    struct h2_group *g = c->g;

    conn_free(st, c);
    while (g && g->head) {
        struct h2_user *u = g->head;

        queue_unlink(g, u);
        complete(st, u, err, 0);
    }
}

/* The error class of a libcurl connect failure. */
static enum metrics_errclass connect_errclass(struct h2_conn *c, CURLcode res)
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
    return err;
}

static struct h2_conn *conn_alloc(struct h2_state *st)
{
    struct h2_conn *c;

    for (unsigned i = 0; i < st->n_conns; i++)
        if (st->conns[i]->state == H2_FREE)
            return st->conns[i];
    if (st->n_conns == st->cap_conns) {
        unsigned cap = st->cap_conns ? st->cap_conns * 2 : 16;
        struct h2_conn **nc = realloc(st->conns, cap * sizeof(*nc));
        struct h2_conn **nd;

        if (!nc)
            return NULL;
        st->conns = nc;
        if (!(nd = realloc(st->dirty, cap * sizeof(*nd))))
            return NULL;
        st->dirty = nd;
        st->cap_conns = cap;
    }
    if (!(c = calloc(1, sizeof(*c))))
        return NULL;
    c->st = st;
    c->idx = st->n_conns;
    c->fd = -1;
    st->conns[st->n_conns++] = c;
    return c;
}

static int on_closesocket(void *userp, curl_socket_t s)
{
    struct h2_state *st = userp;

    if (s == st->keep_fd)
        return 0; /* ours from now on */
    return close(s);
}

/* Opens a new connection for g.  0 or LOADER_E*. */
static int conn_open(struct h2_state *st, struct h2_group *g)
{
    struct h2_conn *c = conn_alloc(st);
    const struct loader_plan *p = st->e->p;
    double t = p->timeout_s > 0 ? p->timeout_s : 10;
    CURL *h;

    if (!c)
        return LOADER_ENOMEM;
    if (!c->easy) {
        if (!(h = c->easy = curl_easy_init()))
            return LOADER_ENOMEM;
        curl_easy_setopt(h, CURLOPT_PRIVATE, (char *)c);
        curl_easy_setopt(h, CURLOPT_URL, st->o.connect_url);
        curl_easy_setopt(h, CURLOPT_CONNECT_ONLY, 1L);
        curl_easy_setopt(h, CURLOPT_CLOSESOCKETFUNCTION, on_closesocket);
        curl_easy_setopt(h, CURLOPT_CLOSESOCKETDATA, st);
        curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(h, CURLOPT_PROXY, "");
        curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
        curl_easy_setopt(h, CURLOPT_BUFFERSIZE, 1024L);
        curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)(t * 1000));
    }
    if (curl_multi_add_handle(st->multi, c->easy) != CURLM_OK)
        return LOADER_EENGINE;
    c->in_multi = true;
    c->state = H2_CONNECTING;
    c->g = g;
    c->goaway = c->proto = c->reused = c->want_out = false;
    c->goaway_last = 0;
    c->deadline_ns = st->now + (uint64_t)(t * 1e9);
    if (c->deadline_ns < st->next_scan_ns)
        st->next_scan_ns = c->deadline_ns;
    g->cur = c;
    return 0;
}

/* ---- nghttp2 callbacks -------------------------------------------------- */

/* The user of stream id on c, or NULL when none waits for it (timed out,
 * or not ours). */
static struct h2_user *stream_user(struct h2_conn *c, int32_t id)
{
    struct h2_user *u = nghttp2_session_get_stream_user_data(c->ss, id);

    return u && u->conn == c && u->stream_id == id ? u : NULL;
}

static void first_byte(struct h2_state *st, struct h2_user *u)
{
    if (!u->got_first) {
        u->got_first = true;
        u->first_ns = st->now;
    }
}

static int on_begin_headers(nghttp2_session *s, const nghttp2_frame *f,
                            void *ud)
{
    struct h2_conn *c = ud;
    struct h2_user *u;

    (void)s;
    if (f->hd.type != NGHTTP2_HEADERS || !(u = stream_user(c, f->hd.stream_id)))
        return 0;
    first_byte(c->st, u);
    if (u->status >= 200) {
        u->trailers = true;
    } else if (u->keep_body) {
        /* the final response, or one more interim one: its headers */
        loader__vu_header_begin(u->vu);
        u->vu->resp.len = 0;
        u->vu->resp_overflow = false;
    }
    return 0;
}

static int on_header(nghttp2_session *s, const nghttp2_frame *f,
                     const uint8_t *name, size_t nlen, const uint8_t *value,
                     size_t vlen, uint8_t flags, void *ud)
{
    struct h2_conn *c = ud;
    struct h2_state *st = c->st;
    struct h2_user *u;

    (void)s;
    (void)flags;
    if (f->hd.type != NGHTTP2_HEADERS || !(u = stream_user(c, f->hd.stream_id)))
        return 0;
    if (u->grpc && u->status >= 200 && nlen == 11 &&
        memcmp(name, "grpc-status", 11) == 0) {
        /* in the trailers, or the headers of a trailers-only answer */
        u->grpc_status = loader__grpc_status((const char *)value, vlen);
        return 0;
    }
    if (u->trailers)
        return 0;
    if (nlen == 7 && memcmp(name, ":status", 7) == 0) {
        int v = 0;

        for (size_t i = 0; i < vlen && i < 3; i++)
            v = v * 10 + (value[i] - '0');
        u->status = v;
        return 0;
    }
    if (nlen == 14 && memcmp(name, "content-length", 14) == 0 && u->max_body &&
        !u->head && u->status >= 200) {
        uint64_t n = 0;

        for (size_t i = 0; i < vlen && i < 20; i++)
            n = n * 10 + (uint64_t)(value[i] - '0');
        if (n > u->max_body) {
            /* over max_body before a byte of it: the stream goes */
            abandon(st, u, METRICS_ERR_BODY_TOO_LARGE);
            return 0;
        }
    }
    if (!u->keep_body || u->status < 200)
        return 0;
    st->line.len = 0;
    if (loader__buf_append(&st->line, (const char *)name, nlen) ||
        loader__buf_append(&st->line, ": ", 2) ||
        loader__buf_append(&st->line, (const char *)value, vlen) ||
        loader__vu_header(u->vu, st->line.p, st->line.len)) {
        if (!st->e->fatal)
            st->e->fatal = LOADER_ENOMEM;
        abandon(st, u, METRICS_ERR_OTHER);
    }
    return 0;
}

static int on_data_chunk(nghttp2_session *s, uint8_t flags, int32_t id,
                         const uint8_t *data, size_t len, void *ud)
{
    struct h2_conn *c = ud;
    struct h2_user *u = stream_user(c, id);

    (void)s;
    (void)flags;
    if (!u)
        return 0;
    first_byte(c->st, u);
    u->body_bytes += len;
    if (u->max_body && u->body_bytes > u->max_body) {
        /* chunks past max_body: the rest is not read */
        abandon(c->st, u, METRICS_ERR_BODY_TOO_LARGE);
    } else if (u->keep_body &&
               loader__vu_body(u->vu, (const char *)data, len)) {
        if (!c->st->e->fatal)
            c->st->e->fatal = LOADER_ENOMEM;
        abandon(c->st, u, METRICS_ERR_OTHER);
    } else if (u->vu->stream) { /* a stream: step's events, timed as read */
        loader__vu_stream_data(c->st->e, u->vu, u->status, (const char *)data,
                               len, c->st->e->now_ns());
    }
    return 0;
}

static int on_frame_recv(nghttp2_session *s, const nghttp2_frame *f, void *ud)
{
    struct h2_conn *c = ud;
    struct h2_user *u;

    (void)s;
    switch (f->hd.type) {
    case NGHTTP2_HEADERS:
    case NGHTTP2_DATA:
        if ((f->hd.flags & NGHTTP2_FLAG_END_STREAM) &&
            (u = stream_user(c, f->hd.stream_id)))
            u->done = u->status >= 200;
        break;
    case NGHTTP2_RST_STREAM:
        if ((u = stream_user(c, f->hd.stream_id))) {
            u->rst = true;
            u->rst_code = f->rst_stream.error_code;
        }
        break;
    case NGHTTP2_GOAWAY:
        /* no new streams here; those beyond last_stream_id are closed by
         * nghttp2 as REFUSED_STREAM (and go out again) */
        c->goaway = true;
        c->goaway_last = f->goaway.last_stream_id;
        if (c->g && c->g->cur == c)
            c->g->cur = NULL;
        break;
    default:
        break;
    }
    return 0;
}

static int on_stream_close(nghttp2_session *s, int32_t id, uint32_t code,
                           void *ud)
{
    struct h2_conn *c = ud;
    struct h2_state *st = c->st;
    struct h2_user *u = stream_user(c, id);
    struct loader__h2_end end;

    (void)s;
    if (!u)
        return 0;
    detach(u);
    if (u->done) {
        complete(st, u, METRICS_ERR_NONE, u->status);
        return 0;
    }
    memset(&end, 0, sizeof(end));
    end.stream_id = id;
    end.rst = u->rst;
    end.rst_code = u->rst_code;
    end.close_code = code;
    stream_failed(st, u, &end);
    return 0;
}

static int on_frame_send(nghttp2_session *s, const nghttp2_frame *f, void *ud)
{
    struct h2_conn *c = ud;
    struct h2_user *u;

    (void)s;
    if (f->hd.type == NGHTTP2_HEADERS && (u = stream_user(c, f->hd.stream_id)))
        u->write_ns = c->st->now;
    /* nghttp2 ends a session the server broke the protocol on with a
     * GOAWAY of its own */
    if (f->hd.type == NGHTTP2_GOAWAY &&
        f->goaway.error_code != NGHTTP2_NO_ERROR)
        c->proto = true;
    return 0;
}

/* A request's HEADERS that never left: the stream was not opened (a
 * GOAWAY came first, or the ids ran out). */
static int on_frame_not_send(nghttp2_session *s, const nghttp2_frame *f,
                             int lib_error, void *ud)
{
    struct h2_conn *c = ud;
    struct h2_group *g = c->g;

    (void)s;
    (void)lib_error;
    if (f->hd.type != NGHTTP2_HEADERS || !g)
        return 0;
    for (unsigned i = 0; i < g->n_users; i++) {
        struct h2_user *u = &g->users[i];

        if (u->conn == c && u->stream_id == f->hd.stream_id) {
            struct loader__h2_end end;

            memset(&end, 0, sizeof(end));
            end.stream_id = f->hd.stream_id;
            end.not_sent = true;
            detach(u);
            stream_failed(c->st, u, &end);
            break;
        }
    }
    return 0;
}

static ssize_t read_body(nghttp2_session *s, int32_t id, uint8_t *buf,
                         size_t len, uint32_t *flags, nghttp2_data_source *src,
                         void *ud)
{
    struct h2_user *u = src->ptr;
    size_t left;

    (void)s;
    if (!u || u->conn != ud || u->stream_id != id)
        return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE; /* timed out */
    left = u->req.body_len - u->body_off;
    if (len > left)
        len = left;
    memcpy(buf, u->req.body + u->body_off, len);
    u->body_off += len;
    if (u->body_off == u->req.body_len)
        *flags |= NGHTTP2_DATA_FLAG_EOF;
    return (ssize_t)len;
}

/* ---- streams ------------------------------------------------------------ */

/* Opens u's stream on c.  false when c takes no more (its ids ran out):
 * u is back in the queue. */
static bool submit(struct h2_state *st, struct h2_conn *c, struct h2_user *u)
{
    nghttp2_data_provider prd;
    int32_t id;

    if (loader__h2_fields(&st->o, &u->req, st->user_agent, &st->nvs)) {
        if (!st->e->fatal)
            st->e->fatal = LOADER_ENOMEM;
        complete(st, u, METRICS_ERR_OTHER, 0);
        return true;
    }
    prd.source.ptr = u;
    prd.read_callback = read_body;
    u->body_off = 0;
    id =
        nghttp2_submit_request(c->ss, NULL, st->nvs.nv, st->nvs.n,
                               u->req.body && u->req.body_len ? &prd : NULL, u);
    if (id == NGHTTP2_ERR_STREAM_ID_NOT_AVAILABLE) {
        /* 2^30 requests on this one: the group opens another */
        c->goaway = true;
        if (c->g->cur == c)
            c->g->cur = NULL;
        queue_push(u->g, u, true);
        return false;
    }
    if (id < 0) {
        complete(st, u, METRICS_ERR_OTHER, 0);
        return true;
    }
    u->conn = c;
    u->stream_id = id;
    u->write_ns = st->now;
    c->active++;
    mark_dirty(st, c);
    return true;
}

/* Gives g's waiting users streams, opening a connection when needed. */
static void group_kick(struct h2_state *st, struct h2_group *g)
{
    uint32_t cap;
    int rc;

    while (g->head) {
        struct h2_conn *c = g->cur;
        struct h2_user *u;

        if (!c) {
            if ((rc = conn_open(st, g)) && !st->e->fatal)
                st->e->fatal = rc;
            return;
        }
        if (c->state != H2_READY)
            return;
        cap = nghttp2_session_get_remote_settings(
            c->ss, NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS);
        if (st->stream_cap && st->stream_cap < cap)
            cap = st->stream_cap;
        if (c->active >= cap)
            return;
        u = g->head;
        queue_unlink(g, u);
        submit(st, c, u);
    }
}

/* ---- the session ------------------------------------------------------ */

static int session_start(struct h2_state *st, struct h2_conn *c)
{
    nghttp2_settings_entry iv[] = {
        {NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
        {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, H2_WINDOW},
    };

    if (nghttp2_session_client_new3(&c->ss, st->cbs, c, st->opt, &h2_mem) != 0)
        return LOADER_ENOMEM;
    if (nghttp2_submit_settings(c->ss, NGHTTP2_FLAG_NONE, iv,
                                sizeof(iv) / sizeof(*iv)) != 0 ||
        nghttp2_session_set_local_window_size(c->ss, NGHTTP2_FLAG_NONE, 0,
                                              H2_WINDOW) != 0)
        return LOADER_ENOMEM;
    c->state = H2_READY;
    c->fresh = true;
    c->deadline_ns = H2_NO_DEADLINE;
    mark_dirty(st, c);
    if (c->g)
        group_kick(st, c->g);
    return 0;
}

/* One step of c's TLS handshake. */
static void handshake(struct h2_state *st, struct h2_conn *c)
{
    int r = loader__tls_handshake(c->ssl);

    if (r == 1) {
        c->tls_us = (st->e->now_ns() - c->hs_start_ns) / 1000;
        if (!c->tls_us)
            c->tls_us = 1;
        if (!loader__tls_alpn_is(c->ssl, "h2")) {
            /* ALPN did not agree on h2: the TLS setup failed for us */
            conn_setup_failed(st, c, METRICS_ERR_TLS);
            return;
        }
        epoll_set(st, c, false);
        if ((r = session_start(st, c)) && !st->e->fatal)
            st->e->fatal = r;
        return;
    }
    if (r == LOADER__TLS_ERROR) {
        conn_setup_failed(st, c, METRICS_ERR_TLS);
        return;
    }
    if ((r == LOADER__TLS_WANT_WRITE) != c->want_out)
        epoll_set(st, c, r == LOADER__TLS_WANT_WRITE);
}

/* libcurl connected c: the socket becomes ours. */
static void conn_connected(struct h2_state *st, struct h2_conn *c)
{
    static const unsigned char alpn[] = "\x02h2";
    curl_socket_t fd = CURL_SOCKET_BAD;
    curl_off_t conn_t = 0;
    int rc;

    if (curl_easy_getinfo(c->easy, CURLINFO_ACTIVESOCKET, &fd) != CURLE_OK ||
        fd == CURL_SOCKET_BAD) {
        conn_setup_failed(st, c, METRICS_ERR_CONNECT);
        return;
    }
    curl_easy_getinfo(c->easy, CURLINFO_CONNECT_TIME_T, &conn_t);
    c->connect_us = conn_t > 0 ? (uint64_t)conn_t : 1;
    c->tls_us = 0;
    /* leaving the multi closes the connection, but not this socket */
    st->keep_fd = (int)fd;
    curl_multi_remove_handle(st->multi, c->easy);
    st->keep_fd = -1;
    c->in_multi = false;
    /* a handle is some kilobytes: a new one if the group reconnects */
    curl_easy_cleanup(c->easy);
    c->easy = NULL;
    c->fd = (int)fd;
    epoll_ctl(st->epfd, EPOLL_CTL_DEL, c->fd, NULL);
    {
        int on = 1; /* the kernel's receive times: see on_readable() */

        setsockopt(c->fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on));
    }
    if (st->o.tls) {
        c->ssl = loader__tls_connect(st->tls, c->fd, &st->o, st->o.origin, alpn,
                                     sizeof(alpn) - 1);
        if (!c->ssl) {
            conn_setup_failed(st, c, METRICS_ERR_TLS);
            return;
        }
        c->state = H2_HANDSHAKE;
        c->hs_start_ns = st->e->now_ns();
        epoll_set(st, c, true);
        handshake(st, c);
        return;
    }
    epoll_set(st, c, false);
    if ((rc = session_start(st, c)) && !st->e->fatal)
        st->e->fatal = rc;
}

/* Writes what nghttp2 has for c, in batches; EPOLLOUT when the socket is
 * full. */
static void flush(struct h2_state *st, struct h2_conn *c)
{
    for (;;) {
        while (c->out_off < c->out.len) {
            ssize_t w = loader__conn_write(c->ssl, c->fd, c->out.p + c->out_off,
                                           c->out.len - c->out_off);

            if (w == LOADER__TLS_ERROR) {
                conn_down(st, c, c->proto);
                return;
            }
            if (w < 0) { /* the socket is full (or TLS wants to read) */
                if (!c->want_out)
                    epoll_set(st, c, true);
                return;
            }
            c->out_off += (size_t)w;
        }
        c->out.len = c->out_off = 0;
        while (c->out.len < H2_OUT_BATCH) {
            const uint8_t *data;
            ssize_t n = nghttp2_session_mem_send(c->ss, &data);

            if (n < 0) {
                conn_down(st, c, true);
                return;
            }
            if (n == 0)
                break;
            if (loader__buf_append(&c->out, (const char *)data, (size_t)n)) {
                if (!st->e->fatal)
                    st->e->fatal = LOADER_ENOMEM;
                return;
            }
        }
        if (c->out.len == 0)
            break;
    }
    if (c->want_out)
        epoll_set(st, c, false);
    if (!nghttp2_session_want_read(c->ss) && !nghttp2_session_want_write(c->ss))
        conn_down(st, c, c->proto); /* the session is over (GOAWAY) */
    else if (c->g && c->g->head)
        group_kick(st, c->g); /* retries of HEADERS that never left */
}

/* Reads and processes what c's socket has.  Its responses end, and their
 * first bytes come, at the kernel's receive time of the bytes that
 * carried them, not when the loop got to them: a wait in the loop (see
 * h2_poll()) does not count in their latency. */
static void on_readable(struct h2_state *st, struct h2_conn *c)
{
    struct h2_group *g = c->g;
    uint64_t seen = st->now;

    loader__rx_take();
    for (;;) {
        ssize_t n =
            loader__conn_read(c->ssl, c->fd, st->rbuf, sizeof(st->rbuf));
        uint64_t rx = loader__rx_take();
        ssize_t rv;

        if (rx) /* the engine's clock is CLOCK_MONOTONIC */
            st->now = rx;

        if (n == LOADER__TLS_WANT_READ)
            break;
        if (n == LOADER__TLS_WANT_WRITE) {
            epoll_set(st, c, true);
            break;
        }
        if (n <= 0) { /* EOF, close_notify or an error */
            conn_down(st, c, c->proto);
            return;
        }
        rv = nghttp2_session_mem_recv(c->ss, st->rbuf, (size_t)n);
        if (rv < 0) {
            conn_down(st, c, true);
            return;
        }
        /* drained, or OpenSSL holds nothing more: epoll (level-triggered)
         * says when more comes, without a read() to hear EAGAIN */
        if (c->ssl ? !SSL_has_pending(c->ssl) : (size_t)n < sizeof(st->rbuf))
            break;
    }
    st->now = seen;
    mark_dirty(st, c);
    if (g)
        group_kick(st, g); /* streams freed, retries queued */
    if (c->goaway && c->active == 0 && c->state != H2_FREE &&
        nghttp2_session_get_outbound_queue_size(c->ss) == 0)
        conn_down(st, c, c->proto);
}

/* ---- libcurl's multi ---------------------------------------------------- */

static void drain_multi(struct h2_state *st)
{
    CURLMsg *msg;
    int left;

    while ((msg = curl_multi_info_read(st->multi, &left))) {
        char *priv = NULL;
        struct h2_conn *c;

        if (msg->msg != CURLMSG_DONE)
            continue;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
        c = (struct h2_conn *)(void *)priv;
        if (!c || c->state != H2_CONNECTING)
            continue;
        if (msg->data.result == CURLE_OK)
            conn_connected(st, c);
        else
            conn_setup_failed(st, c, connect_errclass(c, msg->data.result));
    }
}

static int on_timer(CURLM *m, long timeout_ms, void *userp)
{
    struct h2_state *st = userp;

    (void)m;
    st->multi_deadline_ns =
        timeout_ms < 0 ? H2_NO_DEADLINE
                       : st->e->now_ns() + (uint64_t)timeout_ms * 1000000u;
    return 0;
}

static int on_socket(CURL *easy, curl_socket_t s, int what, void *userp,
                     void *socketp)
{
    struct h2_state *st = userp;
    struct epoll_event ev;

    (void)easy;
    (void)socketp;
    if (what == CURL_POLL_REMOVE) {
        epoll_ctl(st->epfd, EPOLL_CTL_DEL, s, NULL);
        return 0;
    }
    memset(&ev, 0, sizeof(ev));
    ev.events = ((what & CURL_POLL_IN) ? EPOLLIN : 0u) |
                ((what & CURL_POLL_OUT) ? EPOLLOUT : 0u);
    ev.data.u64 = H2_TAG_MULTI | (uint32_t)s;
    if (epoll_ctl(st->epfd, EPOLL_CTL_MOD, s, &ev) != 0 &&
        epoll_ctl(st->epfd, EPOLL_CTL_ADD, s, &ev) != 0)
        return -1;
    return 0;
}

/* ---- the transport ------------------------------------------------------ */

static int h2_send(struct loader__engine *e, struct loader__vu *vu,
                   const struct loader__request *req)
{
    struct h2_state *st = e->transport;
    struct h2_user *u = &st->users[vu->id - 1];
    const struct loader_plan *p = e->p;

    st->in_send = true;
    st->now = e->now_ns();
    u->req = *req;
    u->head = strcmp(req->method, "HEAD") == 0;
    u->keep_body = req->keep_body;
    u->grpc = req->grpc;
    u->idempotent = strcmp(req->method, "GET") == 0 || u->head ||
                    strcmp(req->method, "PUT") == 0 ||
                    strcmp(req->method, "DELETE") == 0 ||
                    strcmp(req->method, "OPTIONS") == 0;
    u->retried = false;
    u->max_body = p->max_body;
    user_rewind(u);
    u->deadline_ns =
        st->now + (uint64_t)((req->timeout_s > 0 ? req->timeout_s : 10) * 1e9);
    if (u->deadline_ns < st->next_scan_ns)
        st->next_scan_ns = u->deadline_ns;
    if (!loader__origin_same(&st->o, req->url)) {
        /* the connections go to the target: another origin (a step's
         * absolute URL) needs engine: curl */
        complete(st, u, METRICS_ERR_OTHER, 0);
    } else {
        queue_push(u->g, u, false);
        group_kick(st, u->g);
    }
    st->in_send = false;
    return e->fatal;
}

/* Expires requests and connection setups past their deadline. */
static void scan_timeouts(struct h2_state *st)
{
    uint64_t next = H2_NO_DEADLINE, now = st->now;

    if (now < st->next_scan_ns)
        return;
    for (unsigned i = 0; i < st->n_conns; i++) {
        struct h2_conn *c = st->conns[i];

        if (c->state != H2_CONNECTING && c->state != H2_HANDSHAKE)
            continue;
        if (c->deadline_ns <= now)
            conn_setup_failed(
                st, c,
                c->state == H2_HANDSHAKE
                    ? METRICS_ERR_TLS
                    : connect_errclass(c, CURLE_OPERATION_TIMEDOUT));
        else if (c->deadline_ns < next)
            next = c->deadline_ns;
    }
    for (unsigned i = 0; i < st->n_users; i++) {
        struct h2_user *u = &st->users[i];
        struct h2_conn *c = u->conn;

        if (!u->vu->busy || u->deadline_ns == H2_NO_DEADLINE)
            continue;
        if (u->deadline_ns > now) {
            if (u->deadline_ns < next)
                next = u->deadline_ns;
            continue;
        }
        if (u->queued)
            queue_unlink(u->g, u);
        abandon(st, u, METRICS_ERR_TIMEOUT);
        if (c)
            group_kick(st, u->g);
    }
    st->next_scan_ns = next;
}

static int h2_poll(struct loader__engine *e, uint64_t deadline_ns)
{
    struct h2_state *st = e->transport;
    struct epoll_event ev[H2_MAX_EVENTS];
    uint64_t done_before = st->completions;
    int n;

    st->now = e->now_ns();
    for (unsigned k = 0; k < st->n_deferred; k++) {
        struct h2_user *u = &st->users[st->deferred[k]];

        complete(st, u, u->deferred_err, 0);
    }
    st->n_deferred = 0;
    if (st->multi_deadline_ns <= st->now) {
        int running;

        st->multi_deadline_ns = H2_NO_DEADLINE;
        curl_multi_socket_action(st->multi, CURL_SOCKET_TIMEOUT, 0, &running);
        drain_multi(st);
    }
    scan_timeouts(st);
    /* one write per connection for everything asked since the last poll */
    while (st->n_dirty > 0) {
        struct h2_conn *c = st->dirty[--st->n_dirty];

        c->dirty = false;
        if (c->state == H2_READY)
            flush(st, c);
    }
    if (e->fatal)
        return e->fatal;
    if (st->completions != done_before)
        deadline_ns = 0; /* a user freed here may be due now */
    if (st->multi_deadline_ns < deadline_ns)
        deadline_ns = st->multi_deadline_ns;
    if (st->next_scan_ns < deadline_ns)
        deadline_ns = st->next_scan_ns;
    n = 0;
    if (deadline_ns > st->now && e->in_flight > 0 &&
        st->lat_ns / 4 >= H2_NAP_MIN_NS) {
        /* Answers are on their way: unless a few connections have
         * something already, nap rather than wait to be woken for each
         * answer (a wake-up from the server's core is dear).  A quarter
         * of the requests' time at most, so an answer is seldom kept long:
         * and a kept one still ends at its receive time. */
        uint64_t nap = st->lat_ns / 4;

        if (nap > H2_NAP_MAX_NS)
            nap = H2_NAP_MAX_NS;
        if (nap > deadline_ns - st->now)
            nap = deadline_ns - st->now;
        n = loader__epoll_nap(e, st->epfd, ev, H2_MAX_EVENTS, nap, H2_NAP_FEW);
    }
    if (n == 0)
        n = loader__epoll_wait(e, st->epfd, ev, H2_MAX_EVENTS, e->now_ns(),
                               deadline_ns);
    if (n < 0)
        return n;
    st->now = e->now_ns();
    for (int i = 0; i < n; i++) {
        uint64_t tag = ev[i].data.u64;
        int fd = (int)(uint32_t)tag;
        unsigned idx = (unsigned)((tag & ~H2_TAG_MULTI) >> 32);
        struct h2_conn *c;

        if (tag & H2_TAG_MULTI) {
            int running;

            curl_multi_socket_action(st->multi, fd,
                                     loader__curl_select_flags(ev[i].events),
                                     &running);
            drain_multi(st);
            continue;
        }
        if (idx >= st->n_conns)
            continue;
        c = st->conns[idx];
        if (c->fd != fd)
            continue; /* stale: closed earlier in this batch */
        if (c->state == H2_HANDSHAKE) {
            handshake(st, c);
            continue;
        }
        if (c->state != H2_READY)
            continue;
        if (ev[i].events & EPOLLOUT)
            flush(st, c);
        if (c->state == H2_READY && c->fd == fd &&
            (ev[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP)))
            on_readable(st, c);
    }
    return e->fatal;
}

static void h2_close(struct loader__engine *e);

static int h2_open(struct loader__engine *e, unsigned n_slots, char *errbuf,
                   size_t errlen)
{
    struct h2_state *st = calloc(1, sizeof(*st));
    const struct loader_plan *p = e->p;
    unsigned per;
    int rc = LOADER_ENOMEM;

    if (!st)
        return LOADER_ENOMEM;
    e->transport = st;
    st->e = e;
    st->epfd = -1;
    st->keep_fd = -1;
    st->next_scan_ns = H2_NO_DEADLINE;
    st->multi_deadline_ns = H2_NO_DEADLINE;
    st->stream_cap = p->http.max_streams;
    snprintf(st->user_agent, sizeof(st->user_agent), "loadgate/%s",
             LOADGATE_VERSION);
    if (!p->target || !loader__origin_parse(p->target, &st->o)) {
        snprintf(errbuf, errlen,
                 "HTTP/2 needs an http or https target "
                 "without credentials");
        rc = LOADER_EINVAL;
        goto out;
    }
    if ((rc = loader__curl_global_init(errbuf, errlen)))
        goto out;
    st->global_init = true;
    loader__curl_mem_hold();
    st->mem_held = true;
    if (st->o.tls && !(st->tls = loader__tls_new(p, errbuf, errlen))) {
        rc = LOADER_EENGINE;
        goto out;
    }
    if ((rc = loader__epoll_new(&st->epfd, errbuf, errlen)))
        goto out;
    rc = LOADER_ENOMEM;
    if (!(st->multi = curl_multi_init()) ||
        nghttp2_session_callbacks_new(&st->cbs) != 0 ||
        nghttp2_option_new(&st->opt) != 0)
        goto out;
    loader__multi_callbacks(st->multi, on_socket, on_timer, st);
    nghttp2_session_callbacks_set_on_begin_headers_callback(st->cbs,
                                                            on_begin_headers);
    nghttp2_session_callbacks_set_on_header_callback(st->cbs, on_header);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(st->cbs,
                                                              on_data_chunk);
    nghttp2_session_callbacks_set_on_frame_recv_callback(st->cbs,
                                                         on_frame_recv);
    nghttp2_session_callbacks_set_on_stream_close_callback(st->cbs,
                                                           on_stream_close);
    nghttp2_session_callbacks_set_on_frame_send_callback(st->cbs,
                                                         on_frame_send);
    nghttp2_session_callbacks_set_on_frame_not_send_callback(st->cbs,
                                                             on_frame_not_send);
    st->users = calloc(n_slots ? n_slots : 1, sizeof(*st->users));
    st->deferred = calloc(n_slots ? n_slots : 1, sizeof(*st->deferred));
    per = loader__h2_users_per_conn(&p->http, e->vu_total);
    st->n_groups = (n_slots + per - 1) / per;
    st->groups = calloc(st->n_groups ? st->n_groups : 1, sizeof(*st->groups));
    if (!st->users || !st->deferred || !st->groups)
        goto out;
    st->n_users = n_slots;
    for (unsigned i = 0; i < st->n_groups; i++) {
        struct h2_group *g = &st->groups[i];

        g->users = &st->users[i * per];
        g->n_users = n_slots - i * per < per ? n_slots - i * per : per;
    }
    for (unsigned i = 0; i < n_slots; i++) {
        st->users[i].vu = &e->vus[i];
        st->users[i].g = &st->groups[i / per];
        st->users[i].deadline_ns = H2_NO_DEADLINE;
        e->vus[i].transport = &st->users[i];
    }
    return 0;
out:
    h2_close(e);
    return rc;
}

static void h2_close(struct loader__engine *e)
{
    struct h2_state *st = e->transport;

    if (!st)
        return;
    for (unsigned i = 0; i < st->n_conns; i++) {
        struct h2_conn *c = st->conns[i];

        c->g = NULL;
        if (c->state != H2_FREE)
            conn_free(st, c);
        if (c->easy)
            curl_easy_cleanup(c->easy);
        loader__buf_release(&c->out);
        free(c);
    }
    for (unsigned i = 0; i < st->n_users; i++)
        st->users[i].vu->transport = NULL;
    free(st->conns);
    free(st->dirty);
    free(st->users);
    free(st->groups);
    free(st->deferred);
    loader__h2_nvs_release(&st->nvs);
    loader__buf_release(&st->line);
    if (st->multi)
        curl_multi_cleanup(st->multi);
    if (st->cbs)
        nghttp2_session_callbacks_del(st->cbs);
    if (st->opt)
        nghttp2_option_del(st->opt);
    loader__tls_free(st->tls);
    if (st->epfd >= 0)
        close(st->epfd);
    if (st->global_init)
        loader__curl_global_cleanup();
    if (st->mem_held) /* after the last nghttp2 session is gone */
        loader__curl_mem_release();
    free(st);
    e->transport = NULL;
}

const struct loader__transport_ops loader__h2_transport = {
    "fast", h2_open, h2_send, h2_poll, h2_close,
};

/* ---- choosing it -------------------------------------------------------- */

const struct loader__transport_ops *
loader__h2_pick(const struct loader_plan *p,
                const struct loader__transport_ops *t)
{
    struct loader__origin o;

    if (t != &loader__fast_transport || p->http.version == LOADER_HTTP_1_1 ||
        !p->target || !loader__origin_parse(p->target, &o))
        return t;
    if (p->http.version == LOADER_HTTP_AUTO &&
        (!o.tls || !loader__tls_probe_h2(p)))
        return t; /* HTTP/1.1 */
    return &loader__h2_transport;
}

long loader__curl_http_version(const struct loader_plan *p)
{
    bool tls = p->target && strncmp(p->target, "https://", 8) == 0;

    switch (p->http.version) {
    case LOADER_HTTP_2:
        return tls ? (long)CURL_HTTP_VERSION_2TLS
                   : (long)CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE;
    case LOADER_HTTP_AUTO:
        return (long)CURL_HTTP_VERSION_2TLS; /* ALPN; cleartext 1.1 */
    default:
        return (long)CURL_HTTP_VERSION_1_1;
    }
}

int loader__curl_http_check(const struct loader_plan *p, char *errbuf,
                            size_t errlen)
{
    const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);

    if (p->http.version == LOADER_HTTP_2 && p->target &&
        strncmp(p->target, "http://", 7) == 0 && v->version_num < 0x080000) {
        snprintf(errbuf, errlen,
                 "HTTP/2 over cleartext (h2c) needs the fast engine: "
                 "libcurl %s fails every request after the first on a "
                 "reused h2c connection (curl issue 10634)",
                 v->version);
        return LOADER_EINVAL;
    }
    return 0;
}
