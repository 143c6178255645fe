/*
 * The demo HTTP service on libmicrohttpd.
 *
 * One MHD polling thread (epoll) serves every connection.  A request's
 * latency never blocks it: the handler suspends the connection and puts
 * (due time, connection) in a min-heap; one timer thread sleeps until the
 * earliest due time and resumes the connection, whose handler MHD then
 * calls again to answer.  Thousands of waiting requests cost no thread.
 * A stream (POST /api/agents/{id}/query/stream) is answered at once, its
 * body by a content reader that suspends the connection until its next
 * event is due, the same way.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <microhttpd.h>

#include "demo_internal.h"

/* Bodies sent in chunks past the cap are read and dropped up to this, so
 * the client gets its 413; beyond it the connection is closed. */
#define DISCARD_MAX ((size_t)64 << 20)
/* Connections resumed per pass of the timer thread outside its lock. */
#define RESUME_BATCH 64

struct demo_server {
    struct MHD_Daemon *mhd;
    unsigned port;
    double base_ms[DEMO__N_ROUTES];
    double jitter_ms[DEMO__N_ROUTES];
    double gap_ms[DEMO__N_ROUTES], gap_jitter_ms[DEMO__N_ROUTES];
    atomic_uint_fast64_t rng; /* splitmix64 counter */
    struct demo__store store;

    /* the timer: mu guards heap and stopping */
    pthread_mutex_t mu;
    pthread_cond_t wake;
    struct demo__heap heap;
    bool stopping;
    pthread_t timer;
    bool store_ok, mu_ok, wake_ok, timer_ok;
};

enum req_phase {
    REQ_READING, /* headers and body arriving */
    REQ_WAITING, /* suspended until its due time */
};

/* Per request; MHD keeps it in *req_cls, freed when the request ends. */
struct demo_req {
    enum req_phase phase;
    int route;
    uint64_t start_ns; /* when the whole request had arrived */
    double delay_ms;   /* the latency drawn for it */
    char *body;
    size_t len, cap, seen;
    char id[32]; /* the {id} segment of the path */
    size_t id_len;
    bool has_id;
    json_t *json; /* parsed body, NULL when empty */
};

static uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static uint64_t next_random(struct demo_server *s)
{
    return demo__mix64(atomic_fetch_add(&s->rng, 1));
}

static double draw_latency(struct demo_server *s, int route)
{
    double u1 = demo__unit(next_random(s));
    double u2 = demo__unit(next_random(s));

    /* u2 is wanted in [0, 1): 1.0 and 0.0 give the same cosine anyway */
    return demo__latency_ms(s->base_ms[route], s->jitter_ms[route], u1, u2);
}

/* Queues a JSON answer; body (malloc'ed, may be NULL: out of memory) is
 * handed to MHD, which frees it. */
static enum MHD_Result reply(struct MHD_Connection *c, unsigned status,
                             char *body, const char *allow, double delay_ms)
{
    struct MHD_Response *resp;
    enum MHD_Result ret;
    char delay[32];

    if (!body)
        return MHD_NO; /* out of memory: drop the connection */
    resp = MHD_create_response_from_buffer(strlen(body), body,
                                           MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(body);
        return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                            "application/json");
    if (allow)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, allow);
    if (delay_ms >= 0) {
        snprintf(delay, sizeof(delay), "%.3f", delay_ms);
        MHD_add_response_header(resp, "X-Demo-Latency-Ms", delay);
    }
    ret = MHD_queue_response(c, status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static enum MHD_Result reply_error(struct MHD_Connection *c, unsigned status,
                                   const char *msg, const char *allow)
{
    return reply(c, status, demo__error_body(status, msg), allow, -1);
}

/* Appends upload data to the body, dropping what is past the cap. */
static enum MHD_Result take_body(struct demo_req *r, const char *data, size_t n)
{
    r->seen += n;
    if (r->seen > DISCARD_MAX)
        return MHD_NO;
    if (r->seen > DEMO__BODY_MAX)
        return MHD_YES;
    if (r->len + n > r->cap) {
        size_t cap = r->cap ? r->cap : 1024;
        char *b;

        while (cap < r->len + n)
            cap *= 2;
        if (cap > DEMO__BODY_MAX)
            cap = DEMO__BODY_MAX;
        b = realloc(r->body, cap);
        if (!b)
            return MHD_NO;
        r->body = b;
        r->cap = cap;
    }
    memcpy(r->body + r->len, data, n);
    r->len += n;
    return MHD_YES;
}

/* The answer after the wait. */
static enum MHD_Result answer(struct demo_server *s, struct MHD_Connection *c,
                              struct demo_req *r, double delay_ms)
{
    double elapsed = (double)(now_ns() - r->start_ns) / 1e6;
    unsigned status = 500;
    char *body = demo__answer(&s->store, r->route, r->has_id ? r->id : NULL,
                              r->id_len, r->json, elapsed, &status);

    if (!body)
        return reply_error(c, 500, "out of memory", NULL);
    return reply(c, status, body, NULL, delay_ms);
}

/* ---- streams ----------------------------------------------------------- */

/* One streamed answer: its events go out one piece at a time, each when
 * it is due; in between the connection waits suspended. */
struct demo_stream {
    struct demo_server *s;
    struct MHD_Connection *c;
    unsigned next;   /* the next piece */
    uint64_t due_ns; /* when it is due */
    unsigned long long n, agents;
    long long created;
    char buf[2048]; /* the piece being handed to MHD */
    size_t len, off;
};

static bool wait_for(struct demo_server *s, struct MHD_Connection *c,
                     uint64_t due_ns);

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct demo_stream *st = cls;
    size_t n;

    (void)pos;
    if (st->off == st->len) {
        if (st->next >= DEMO__STREAM_TOKENS)
            return MHD_CONTENT_READER_END_OF_STREAM;
        /* not due yet: suspended until it is (0 = no data for now) */
        if (now_ns() < st->due_ns && wait_for(st->s, st->c, st->due_ns))
            return 0;
        st->len = demo__stream_piece(st->next, st->n, st->created, st->agents,
                                     st->buf, sizeof(st->buf));
        st->off = 0;
        if (st->len == 0)
            return MHD_CONTENT_READER_END_WITH_ERROR;
        st->next++;
        st->due_ns += (uint64_t)llround(
            demo__latency_ms(st->s->gap_ms[DEMO__STREAM],
                             st->s->gap_jitter_ms[DEMO__STREAM],
                             demo__unit(next_random(st->s)),
                             demo__unit(next_random(st->s))) *
            1e6);
    }
    n = st->len - st->off < max ? st->len - st->off : max;
    memcpy(buf, st->buf + st->off, n);
    st->off += n;
    return (ssize_t)n;
}

/* Answers a stream at once (headers first, as streaming services do);
 * its first token comes after a drawn delay, the rest at drawn gaps. */
static enum MHD_Result answer_stream(struct demo_server *s,
                                     struct MHD_Connection *c,
                                     struct demo_req *r)
{
    struct demo_stream *st = calloc(1, sizeof(*st));
    struct MHD_Response *resp;
    enum MHD_Result ret;
    char delay[32];

    if (!st)
        return MHD_NO;
    st->s = s;
    st->c = c;
    st->due_ns = r->start_ns + (uint64_t)llround(r->delay_ms * 1e6);
    st->created = (long long)time(NULL);
    pthread_mutex_lock(&s->store.mu);
    st->n = ++s->store.queries;
    st->agents = s->store.registered;
    pthread_mutex_unlock(&s->store.mu);
    resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 2048,
                                             stream_read, st, free);
    if (!resp) {
        free(st);
        return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                            "text/event-stream");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
    snprintf(delay, sizeof(delay), "%.3f", r->delay_ms);
    MHD_add_response_header(resp, "X-Demo-Latency-Ms", delay);
    ret = MHD_queue_response(c, 200, resp);
    MHD_destroy_response(resp);
    return ret;
}

/* Checks a complete request: 0 when it may wait for its answer, else the
 * error status already queued on c (*ret is MHD's verdict). */
static int check_request(struct MHD_Connection *c, const char *url,
                         const char *method, struct demo_req *r,
                         enum MHD_Result *ret)
{
    const char *seg = NULL;
    size_t seg_len = 0;
    json_error_t jerr;
    char msg[300];

    r->route = demo__route_find(url, &seg, &seg_len);
    if (r->route < 0) {
        *ret = reply_error(c, 404, "no such endpoint", NULL);
        return 404;
    }
    if (!demo__method_allowed(r->route, method)) {
        const char *m = demo_routes(NULL)[r->route].method;

        *ret = reply_error(c, 405, "method not allowed",
                           strcmp(m, "GET") == 0 ? "GET, HEAD" : m);
        return 405;
    }
    if (r->seen > DEMO__BODY_MAX) {
        *ret = reply_error(c, 413, "request body over 1 MiB", NULL);
        return 413;
    }
    if (seg) {
        if (!demo__agent_id_valid(seg, seg_len)) {
            *ret = reply_error(c, 404, "no such agent", NULL);
            return 404;
        }
        memcpy(r->id, seg, seg_len);
        r->id_len = seg_len;
        r->has_id = true;
    }
    if (r->len > 0) {
        r->json = json_loadb(r->body, r->len, JSON_DECODE_ANY, &jerr);
        if (!r->json) {
            snprintf(msg, sizeof(msg),
                     "invalid JSON body at line %d, column %d: %s", jerr.line,
                     jerr.column, jerr.text);
            *ret = reply_error(c, 400, msg, NULL);
            return 400;
        }
    }
    return 0;
}

/* Suspends c until its due time; false when it must be answered now (the
 * server is stopping, or no memory for the timer entry). */
static bool wait_for(struct demo_server *s, struct MHD_Connection *c,
                     uint64_t due_ns)
{
    const struct demo__timer_entry *top;
    bool earliest;

    pthread_mutex_lock(&s->mu);
    if (s->stopping || demo__heap_push(&s->heap, due_ns, c)) {
        pthread_mutex_unlock(&s->mu);
        return false;
    }
    /* suspended before the lock is let go, so that the timer never resumes
     * a connection that is not suspended yet */
    MHD_suspend_connection(c);
    top = demo__heap_top(&s->heap);
    earliest = top->conn == c && top->due_ns == due_ns;
    pthread_mutex_unlock(&s->mu);
    if (earliest)
        pthread_cond_signal(&s->wake);
    return true;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
                                  const char *url, const char *method,
                                  const char *version, const char *upload,
                                  size_t *upload_size, void **req_cls)
{
    struct demo_server *s = cls;
    struct demo_req *r = *req_cls;
    enum MHD_Result ret = MHD_NO;
    double delay;

    (void)version;
    if (!r) {
        const char *cl = MHD_lookup_connection_value(
            c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);

        r = calloc(1, sizeof(*r));
        if (!r)
            return MHD_NO;
        r->route = -1;
        *req_cls = r;
        if (cl) {
            char *end = NULL;
            unsigned long long n;

            errno = 0;
            n = strtoull(cl, &end, 10);
            if (errno == ERANGE || n > DEMO__BODY_MAX) {
                /* refused before the body is read: MHD closes after */
                r->seen = DEMO__BODY_MAX + 1;
                return reply_error(c, 413, "request body over 1 MiB", NULL);
            }
        }
        return MHD_YES;
    }
    if (*upload_size) {
        ret = take_body(r, upload, *upload_size);
        *upload_size = 0;
        return ret;
    }
    if (r->phase == REQ_WAITING)
        return answer(s, c, r, r->delay_ms);
    if (check_request(c, url, method, r, &ret))
        return ret;
    r->start_ns = now_ns();
    delay = draw_latency(s, r->route);
    r->delay_ms = delay;
    if (r->route == DEMO__STREAM) /* delay: to the first token */
        return answer_stream(s, c, r);
    r->phase = REQ_WAITING;
    if (!wait_for(s, c, r->start_ns + (uint64_t)llround(delay * 1e6)))
        return answer(s, c, r, -1);
    return MHD_YES;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct demo_req *r = *req_cls;

    (void)cls;
    (void)c;
    (void)toe;
    if (!r)
        return;
    json_decref(r->json);
    free(r->body);
    free(r);
    *req_cls = NULL;
}

static struct timespec to_timespec(uint64_t ns)
{
    struct timespec ts;

    ts.tv_sec = (time_t)(ns / 1000000000ULL);
    ts.tv_nsec = (long)(ns % 1000000000ULL);
    return ts;
}

static void *timer_main(void *arg)
{
    struct demo_server *s = arg;
    struct demo__timer_entry e;
    void *batch[RESUME_BATCH];

    pthread_mutex_lock(&s->mu);
    while (!s->stopping) {
        const struct demo__timer_entry *top = demo__heap_top(&s->heap);
        uint64_t now = now_ns();
        size_t n = 0;

        if (!top) {
            pthread_cond_wait(&s->wake, &s->mu);
            continue;
        }
        if (top->due_ns > now) {
            struct timespec until = to_timespec(top->due_ns);

            pthread_cond_timedwait(&s->wake, &s->mu, &until);
            continue;
        }
        while (n < RESUME_BATCH && (top = demo__heap_top(&s->heap)) &&
               top->due_ns <= now && demo__heap_pop(&s->heap, &e))
            batch[n++] = e.conn;
        /* resumed outside the lock: MHD takes its own locks in there */
        pthread_mutex_unlock(&s->mu);
        for (size_t i = 0; i < n; i++)
            MHD_resume_connection(batch[i]);
        pthread_mutex_lock(&s->mu);
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

/* The "METHOD pattern" part of a --slow name: up to its last '=', which
 * demo_slow_parse leaves in (the name points into its argument). */
static size_t slow_name_len(const char *name)
{
    const char *eq = strrchr(name, '=');

    return eq ? (size_t)(eq - name) : strlen(name);
}

/* A streaming route's name may end in " ttft" or " gaps": what of the
 * stream to slow (1: the first token, 2: the gaps, 3: both); the name's
 * length without it into *len. */
static unsigned slow_part(const char *name, size_t *len)
{
    size_t n = *len;

    while (n > 0 && name[n - 1] == ' ')
        n--;
    if (n > 5 && name[n - 5] == ' ' && memcmp(name + n - 4, "ttft", 4) == 0) {
        *len = n - 5;
        return 1;
    }
    if (n > 5 && name[n - 5] == ' ' && memcmp(name + n - 4, "gaps", 4) == 0) {
        *len = n - 5;
        return 2;
    }
    return 3;
}

static int apply_slow(struct demo_server *s, const struct demo_opts *o)
{
    for (size_t i = 0; i < o->n_slow; i++) {
        const struct demo_slow *sl = &o->slow[i];
        size_t len;
        unsigned part;
        double f;
        int r;

        if (!sl->endpoint || !isfinite(sl->percent) || sl->percent <= -100.0)
            return DEMO_EINVAL;
        len = slow_name_len(sl->endpoint);
        part = slow_part(sl->endpoint, &len);
        r = demo__slow_route(sl->endpoint, len);
        if (r < 0 || (part != 3 && !(s->gap_ms[r] > 0)))
            return DEMO_EINVAL; /* ttft / gaps: only a stream has them */
        f = 1.0 + sl->percent / 100.0;
        if (part & 1) {
            s->base_ms[r] *= f;
            s->jitter_ms[r] *= f;
        }
        if (part & 2) {
            s->gap_ms[r] *= f;
            s->gap_jitter_ms[r] *= f;
        }
    }
    return 0;
}

/* Fills *sa from a bind address: an IPv4 or IPv6 literal, the latter
 * possibly in brackets.  Returns the address length, 0 when invalid. */
static socklen_t parse_bind(const char *bind, unsigned port,
                            struct sockaddr_storage *sa)
{
    struct sockaddr_in *v4 = (struct sockaddr_in *)sa;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)sa;
    char buf[INET6_ADDRSTRLEN + 2];
    size_t len = strlen(bind);

    memset(sa, 0, sizeof(*sa));
    if (inet_pton(AF_INET, bind, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)port);
        return sizeof(*v4);
    }
    if (len >= 2 && bind[0] == '[' && bind[len - 1] == ']') {
        if (len - 2 >= sizeof(buf))
            return 0;
        memcpy(buf, bind + 1, len - 2);
        buf[len - 2] = '\0';
        bind = buf;
    }
    if (inet_pton(AF_INET6, bind, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)port);
        return sizeof(*v6);
    }
    return 0;
}

int demo_server_start(const struct demo_opts *o, struct demo_server **out)
{
    static const struct demo_opts defaults = {0};
    struct demo_server *s = NULL;
    struct sockaddr_storage sa;
    pthread_condattr_t ca;
    const struct demo_route *rt;
    const union MHD_DaemonInfo *info;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
                     MHD_ALLOW_SUSPEND_RESUME;
    int rc = DEMO_ENOMEM;

    if (!out)
        return DEMO_EINVAL;
    *out = NULL;
    if (!o)
        o = &defaults;
    if (o->port > 65535 || (o->n_slow && !o->slow))
        return DEMO_EINVAL;
    if (!parse_bind(o->bind ? o->bind : "127.0.0.1", o->port, &sa))
        return DEMO_EINVAL;
    if (sa.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;

    s = calloc(1, sizeof(*s));
    if (!s)
        return DEMO_ENOMEM;
    rt = demo_routes(NULL);
    for (int i = 0; i < DEMO__N_ROUTES; i++) {
        s->base_ms[i] = rt[i].base_ms;
        s->jitter_ms[i] = rt[i].jitter_ms;
        s->gap_ms[i] = rt[i].gap_ms;
        s->gap_jitter_ms[i] = rt[i].gap_jitter_ms;
    }
    rc = apply_slow(s, o);
    if (rc)
        goto out;
    rc = DEMO_ENOMEM;
    atomic_init(&s->rng, demo__mix64(o->seed ? o->seed : 0x5eedULL));
    if (demo__store_init(&s->store))
        goto out;
    s->store_ok = true;
    if (pthread_mutex_init(&s->mu, NULL))
        goto out;
    s->mu_ok = true;
    if (pthread_condattr_init(&ca))
        goto out;
    /* due times are CLOCK_MONOTONIC: immune to the wall clock moving */
    if (pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) == 0 &&
        pthread_cond_init(&s->wake, &ca) == 0)
        s->wake_ok = true;
    pthread_condattr_destroy(&ca);
    if (!s->wake_ok)
        goto out;
    if (pthread_create(&s->timer, NULL, timer_main, s))
        goto out;
    s->timer_ok = true;

    s->mhd = MHD_start_daemon(flags, (uint16_t)o->port, NULL, NULL, on_request,
                              s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                              MHD_OPTION_CONNECTION_LIMIT, (unsigned)20000,
                              MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)4096,
                              MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120,
                              MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
                              MHD_OPTION_END);
    if (!s->mhd) {
        rc = DEMO_ELISTEN;
        goto out;
    }
    info = MHD_get_daemon_info(s->mhd, MHD_DAEMON_INFO_BIND_PORT);
    if (!info || info->port == 0) {
        rc = DEMO_ELISTEN;
        goto out;
    }
    s->port = info->port;
    *out = s;
    s = NULL;
    rc = 0;
out:
    demo_server_stop(s);
    return rc;
}

unsigned demo_server_port(const struct demo_server *s)
{
    return s ? s->port : 0;
}

void demo_server_stop(struct demo_server *s)
{
    struct demo__timer_entry e;

    if (!s)
        return;
    if (s->mu_ok) {
        pthread_mutex_lock(&s->mu);
        s->stopping = true; /* from now on, handlers answer at once */
        pthread_mutex_unlock(&s->mu);
    }
    if (s->timer_ok) {
        pthread_cond_signal(&s->wake);
        pthread_join(s->timer, NULL);
    }
    /* MHD refuses to stop with suspended connections: resume them all;
     * they are answered at once or closed by MHD_stop_daemon */
    while (s->mu_ok) {
        bool popped;

        pthread_mutex_lock(&s->mu);
        popped = demo__heap_pop(&s->heap, &e);
        pthread_mutex_unlock(&s->mu);
        if (!popped)
            break;
        MHD_resume_connection(e.conn);
    }
    if (s->mhd)
        MHD_stop_daemon(s->mhd);
    demo__heap_release(&s->heap);
    if (s->wake_ok)
        pthread_cond_destroy(&s->wake);
    if (s->mu_ok)
        pthread_mutex_destroy(&s->mu);
    if (s->store_ok)
        demo__store_release(&s->store);
    free(s);
}
