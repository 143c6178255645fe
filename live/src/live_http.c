/*
 * The live servers on libmicrohttpd: a thread per connection (an event
 * stream waits for the next snapshot on a condition variable, which the
 * internal polling modes cannot do without spinning), a handful of
 * connections at most, polled with poll() (file descriptors beyond
 * FD_SETSIZE are common while a thousand users run).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include "live_internal.h"

#define MAX_CONNECTIONS 32u
#define PER_CLIENT_CONNECTIONS 24u
#define IDLE_TIMEOUT_S 30u
#define KEEPALIVE_S 15 /* a comment on an idle event stream */
#define STREAM_BLOCK 16384
#define REPORT_MAX ((size_t)64 * 1024 * 1024)

struct live__daemon {
    struct MHD_Daemon *d;
    struct live *l;
    bool ui; /* every route; else /metrics only */
    struct live__addr addr;
    unsigned port;
    pthread_mutex_t log_lock;
    bool capture;
    char log[256];
};

/* One /events connection. */
struct stream {
    struct live *l;
    uint64_t seq; /* of the last snapshot sent */
    bool history_sent;
    char *buf;
    size_t len, off;
};

static char marker; /* *con_cls once the headers were seen */

static void on_log(void *cls, const char *fmt, va_list ap)
{
    struct live__daemon *d = cls;

    pthread_mutex_lock(&d->log_lock);
    if (d->capture && d->log[0] == '\0') {
        vsnprintf(d->log, sizeof(d->log), fmt, ap);
        d->log[strcspn(d->log, "\r\n")] = '\0';
    }
    pthread_mutex_unlock(&d->log_lock);
}

/* ---- answers ------------------------------------------------------------- */

/* A malloc'd printf; NULL when out of memory. */
__attribute__((format(printf, 1, 2))) static char *print(const char *fmt, ...)
{
    va_list ap;
    int n;
    char *s;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !(s = malloc((size_t)n + 1)))
        return NULL;
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

static enum MHD_Result answer(struct MHD_Connection *c, unsigned status,
                              const char *type, void *body, size_t len,
                              enum MHD_ResponseMemoryMode mode)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(len, body, mode);
    enum MHD_Result ret;

    if (!r) {
        if (mode == MHD_RESPMEM_MUST_FREE)
            free(body);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    if (status == MHD_HTTP_UNAUTHORIZED)
        MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer");
    ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

/* {"error": msg} (msg holds no character JSON escapes). */
static enum MHD_Result fail(struct MHD_Connection *c, unsigned status,
                            const char *msg)
{
    char *body = print("{\"error\": \"%s\"}\n", msg);

    if (!body)
        return MHD_NO;
    return answer(c, status, "application/json", body, strlen(body),
                  MHD_RESPMEM_MUST_FREE);
}

/* 405 with the method the route takes. */
static enum MHD_Result not_allowed(struct MHD_Connection *c, const char *allow)
{
    char *body = print("{\"error\": \"%s only\"}\n", allow);
    struct MHD_Response *r;
    enum MHD_Result ret;

    if (!body)
        return MHD_NO;
    r = MHD_create_response_from_buffer(strlen(body), body,
                                        MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(body);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
                            "application/json");
    MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
    ret = MHD_queue_response(c, MHD_HTTP_METHOD_NOT_ALLOWED, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result page(struct MHD_Connection *c)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(
        live__page_html_len, (void *)live__page_html, MHD_RESPMEM_PERSISTENT);
    enum MHD_Result ret;

    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
                            "text/html; charset=utf-8");
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    /* nothing from elsewhere, no framing (the Stop button) */
    MHD_add_response_header(
        r, "Content-Security-Policy",
        "default-src 'none'; script-src 'unsafe-inline'; style-src "
        "'unsafe-inline'; img-src data:; connect-src 'self'; frame-ancestors "
        "'none'; base-uri 'none'; form-action 'none'");
    MHD_add_response_header(r, "X-Frame-Options", "DENY");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    ret = MHD_queue_response(c, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return ret;
}

/* ---- the event stream -----------------------------------------------------
 */

static char *frame(const char *event, const char *data, bool first)
{
    return print("%sevent: %s\ndata: %s\n\n", first ? "retry: 2000\n" : "",
                 event, data ? data : "{}");
}

/* The next bytes of the stream: the history once, then each snapshot as
 * it comes (a comment when none came for KEEPALIVE_S). */
static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct stream *s = cls;
    struct live *l = s->l;
    size_t n;

    (void)pos;
    while (s->off == s->len) {
        free(s->buf);
        s->buf = NULL;
        s->len = s->off = 0;
        pthread_mutex_lock(&l->lock);
        if (!s->history_sent) {
            char *h = live__history_json(l);
            s->buf = h ? frame("history", h, true) : NULL;
            s->history_sent = true;
            free(h);
        } else {
            struct timespec until;
            int rc = 0;

            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_sec += KEEPALIVE_S;
            while (!l->closing && s->seq == l->seq && rc != ETIMEDOUT)
                rc = pthread_cond_timedwait(&l->cond, &l->lock, &until);
            if (l->closing) {
                pthread_mutex_unlock(&l->lock);
                return MHD_CONTENT_READER_END_OF_STREAM;
            }
            if (s->seq != l->seq) {
                s->seq = l->seq;
                s->buf = frame("snapshot", l->snapshot, false);
            } else {
                s->buf = strdup(": keep-alive\n\n");
            }
        }
        pthread_mutex_unlock(&l->lock);
        if (!s->buf)
            return MHD_CONTENT_READER_END_WITH_ERROR;
        s->len = strlen(s->buf);
    }
    n = s->len - s->off < max ? s->len - s->off : max;
    memcpy(buf, s->buf + s->off, n);
    s->off += n;
    return (ssize_t)n;
}

static void stream_free(void *cls)
{
    struct stream *s = cls;

    free(s->buf);
    free(s);
}

static enum MHD_Result events(struct MHD_Connection *c, struct live *l)
{
    struct stream *s = calloc(1, sizeof(*s));
    struct MHD_Response *r;
    enum MHD_Result ret;

    if (!s)
        return MHD_NO;
    s->l = l;
    r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, STREAM_BLOCK,
                                          stream_read, s, stream_free);
    if (!r) {
        free(s);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
                            "text/event-stream");
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    MHD_add_response_header(r, "X-Accel-Buffering", "no");
    ret = MHD_queue_response(c, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return ret;
}

/* ---- the other routes -----------------------------------------------------
 */

static enum MHD_Result state(struct MHD_Connection *c, struct live *l)
{
    char *body;

    pthread_mutex_lock(&l->lock);
    body = l->snapshot ? strdup(l->snapshot) : NULL;
    pthread_mutex_unlock(&l->lock);
    if (!body)
        return MHD_NO;
    return answer(c, MHD_HTTP_OK, "application/json", body, strlen(body),
                  MHD_RESPMEM_MUST_FREE);
}

static enum MHD_Result metrics(struct MHD_Connection *c, struct live *l)
{
    const char *accept =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT);
    bool om = accept && strstr(accept, "application/openmetrics-text");
    char *text = NULL;
    size_t len = 0;

    if (live_metrics_text(l, om, &text, &len))
        return MHD_NO;
    return answer(c, MHD_HTTP_OK,
                  om ? "application/openmetrics-text; version=1.0.0; "
                       "charset=utf-8"
                     : "text/plain; version=0.0.4; charset=utf-8",
                  text, len, MHD_RESPMEM_MUST_FREE);
}

static enum MHD_Result report(struct MHD_Connection *c, struct live *l)
{
    char *path, *body = NULL;
    size_t len = 0;
    FILE *f;

    pthread_mutex_lock(&l->lock);
    path = l->report_path ? strdup(l->report_path) : NULL;
    pthread_mutex_unlock(&l->lock);
    if (!path)
        return fail(c, MHD_HTTP_NOT_FOUND, "no HTML report (yet)");
    f = fopen(path, "rb");
    free(path);
    if (f && fseek(f, 0, SEEK_END) == 0) {
        long size = ftell(f);
        if (size >= 0 && (size_t)size <= REPORT_MAX &&
            fseek(f, 0, SEEK_SET) == 0 && (body = malloc((size_t)size + 1)))
            len = fread(body, 1, (size_t)size, f);
    }
    if (f)
        fclose(f);
    if (!body)
        return fail(c, MHD_HTTP_NOT_FOUND, "cannot read the HTML report");
    return answer(c, MHD_HTTP_OK, "text/html; charset=utf-8", body, len,
                  MHD_RESPMEM_MUST_FREE);
}

/* The Stop button.  A POST from another site's page (its Origin) is
 * refused: a page on the web must not stop a local run. */
static enum MHD_Result stop(struct MHD_Connection *c, struct live *l)
{
    const char *origin =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
    const char *host =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
    bool first;

    if (origin && (!host || strncmp(origin, "http://", 7) != 0 ||
                   strcmp(origin + 7, host) != 0))
        return fail(c, MHD_HTTP_FORBIDDEN, "cross-origin stop refused");
    pthread_mutex_lock(&l->lock);
    if (l->finished) {
        pthread_mutex_unlock(&l->lock);
        return fail(c, MHD_HTTP_CONFLICT, "the run is over");
    }
    first = !l->stop_requested;
    l->stop_requested = true;
    pthread_mutex_unlock(&l->lock);
    if (first && l->stop_cb)
        l->stop_cb(l->stop_ud);
    static const char ok[] = "{\"stopping\": true}\n";
    return answer(c, MHD_HTTP_ACCEPTED, "application/json", (void *)ok,
                  sizeof(ok) - 1, MHD_RESPMEM_PERSISTENT);
}

/* With a token: "Authorization: Bearer TOKEN", or ?token=TOKEN. */
static bool authorized(struct MHD_Connection *c, const struct live *l)
{
    const char *auth = MHD_lookup_connection_value(
        c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    const char *q =
        MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "token");

    if (!l->token)
        return true;
    if (auth && strncasecmp(auth, "Bearer ", 7) == 0) {
        auth += 7;
        auth += strspn(auth, " ");
        return live__token_ok(auth, l->token);
    }
    return live__token_ok(q, l->token);
}

static enum MHD_Result route(struct live__daemon *d, struct MHD_Connection *c,
                             const char *url, const char *method)
{
    struct live *l = d->l;
    bool get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    bool is_page = strcmp(url, "/") == 0 || strcmp(url, "/index.html") == 0;

    /* without a token, only names a DNS rebinding cannot take over */
    if (!l->token && !live__host_is_literal(MHD_lookup_connection_value(
                         c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST)))
        return fail(c, MHD_HTTP_FORBIDDEN,
                    "use an IP address or localhost in the address");
    if (strcmp(url, "/metrics") == 0 || !d->ui) {
        if (strcmp(url, "/metrics") != 0)
            return fail(c, MHD_HTTP_NOT_FOUND, "not found; try /metrics");
        if (!authorized(c, l))
            return fail(c, MHD_HTTP_UNAUTHORIZED, "token needed");
        return get ? metrics(c, l) : not_allowed(c, "GET");
    }
    if (is_page)
        return get ? page(c) : not_allowed(c, "GET");
    if (!authorized(c, l))
        return fail(c, MHD_HTTP_UNAUTHORIZED, "token needed");
    if (strcmp(url, "/stop") == 0)
        return strcmp(method, "POST") == 0 ? stop(c, l)
                                           : not_allowed(c, "POST");
    if (!get)
        return not_allowed(c, "GET");
    if (strcmp(url, "/events") == 0)
        return events(c, l);
    if (strcmp(url, "/state.json") == 0)
        return state(c, l);
    if (strcmp(url, "/report.html") == 0)
        return report(c, l);
    return fail(c, MHD_HTTP_NOT_FOUND, "not found");
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
                                  const char *url, const char *method,
                                  const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    (void)version;
    (void)upload;
    if (*con_cls == NULL) { /* the headers: wait for the end of a body */
        *con_cls = &marker;
        return MHD_YES;
    }
    if (*upload_size != 0) { /* no route reads a body */
        *upload_size = 0;
        return MHD_YES;
    }
    return route(cls, c, url, method);
}

/* ---- the daemon ------------------------------------------------------------
 */

int live__daemon_start(struct live *l, const struct live__addr *addr,
                       const char *spec, bool ui, struct live__daemon **out,
                       char *errbuf, size_t errlen)
{
    struct live__daemon *d = calloc(1, sizeof(*d));
    const union MHD_DaemonInfo *info;

    *out = NULL;
    if (!d)
        return LIVE_ENOMEM;
    pthread_mutex_init(&d->log_lock, NULL);
    d->l = l;
    d->ui = ui;
    d->addr = *addr;
    d->capture = true;
    d->d = MHD_start_daemon(
        /* poll(), not select(): the engine's sockets take the low file
         * descriptors, past FD_SETSIZE with a thousand users */
        MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL_INTERNAL_THREAD |
            MHD_USE_ERROR_LOG | (addr->family == AF_INET6 ? MHD_USE_IPv6 : 0),
        (uint16_t)addr->port, NULL, NULL, on_request, d, MHD_OPTION_SOCK_ADDR,
        (const struct sockaddr *)&addr->sa, MHD_OPTION_CONNECTION_LIMIT,
        MAX_CONNECTIONS, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
        PER_CLIENT_CONNECTIONS, MHD_OPTION_CONNECTION_TIMEOUT, IDLE_TIMEOUT_S,
        MHD_OPTION_EXTERNAL_LOGGER, on_log, d, MHD_OPTION_END);
    pthread_mutex_lock(&d->log_lock);
    d->capture = false;
    pthread_mutex_unlock(&d->log_lock);
    if (!d->d) {
        snprintf(errbuf, errlen, "cannot listen on %s: %s", spec,
                 d->log[0] ? d->log : "libmicrohttpd failed to start");
        live__daemon_stop(d);
        return LIVE_ELISTEN;
    }
    info = MHD_get_daemon_info(d->d, MHD_DAEMON_INFO_BIND_PORT);
    d->port = info ? info->port : addr->port;
    *out = d;
    return 0;
}

unsigned live__daemon_port(const struct live__daemon *d)
{
    return d ? d->port : 0;
}

void live__daemon_url(const struct live__daemon *d, const char *path, char *buf,
                      size_t len)
{
    char host[INET6_ADDRSTRLEN] = "";
    bool v6;

    if (len)
        buf[0] = '\0';
    if (!d)
        return;
    v6 = d->addr.family == AF_INET6;
    if (v6)
        inet_ntop(AF_INET6,
                  &((const struct sockaddr_in6 *)&d->addr.sa)->sin6_addr, host,
                  sizeof(host));
    else
        inet_ntop(AF_INET, &((const struct sockaddr_in *)&d->addr.sa)->sin_addr,
                  host, sizeof(host));
    snprintf(buf, len, "http://%s%s%s:%u%s", v6 ? "[" : "", host, v6 ? "]" : "",
             d->port, path);
}

void live__daemon_stop(struct live__daemon *d)
{
    if (!d)
        return;
    if (d->d)
        MHD_stop_daemon(d->d);
    pthread_mutex_destroy(&d->log_lock);
    free(d);
}
