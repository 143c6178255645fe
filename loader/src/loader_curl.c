/* The "curl" transport: libcurl multi handles driven by
 * curl_multi_socket_action() from one epoll loop.
 *
 * Users are spread over several multi handles of at most PER_MULTI easy
 * handles each, all sharing one epoll fd: on libcurl 7.88 removing a
 * handle and finding a connection to reuse walk the multi's whole
 * connection cache, so one multi with 1000 connections is several times
 * slower than ten of 100 (measured with bench/peers.sh).
 *
 * libcurl asks to stop watching a connection's socket at the end of every
 * transfer and to watch it again at the start of the next one on it: two
 * or three epoll_ctl() calls a request.  The sockets libcurl opens and
 * closes through our callbacks (connections, CURLOPT_OPENSOCKETFUNCTION)
 * stay registered instead until they close or wake us unasked; others
 * (a resolver's) follow libcurl's wishes at once. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <curl/curl.h>

#include "loader_capture_internal.h"
#include "loader_engine_internal.h"
#include "loader_stream_internal.h"

#define PER_MULTI 100
#define MAX_EVENTS 256
#define NO_DEADLINE UINT64_MAX

struct curl_multi_ctx {
    CURLM *m;
    unsigned idx;
    uint64_t deadline_ns; /* libcurl's timer, NO_DEADLINE when unset */
    struct curl_state *st;
};

struct curl_state {
    int epfd;
    CURLSH *share;
    struct curl_multi_ctx *multis;
    unsigned n_multis;
    struct loader__engine *e;
    char user_agent[64];
    bool global_init;
    bool mem_held;         /* loader__curl_mem_hold() on this thread */
    bool poll_mode;        /* one multi: curl_multi_perform + curl_multi_poll */
    bool env_proxy;        /* a proxy variable is set: libcurl picks one */
    const char *no_proxy;  /* no_proxy or NO_PROXY, "" when neither is set */
    uint64_t completions;  /* transfers handed back so far */
    uint64_t next_scan_ns; /* earliest request deadline (may be early) */
    /* per socket number: SOCK_OURS when opened through on_opensocket,
     * SOCK_WANTED while libcurl watches it, and the epoll events
     * registered for it (EPOLLIN, EPOLLOUT) */
    uint8_t *sock;
    size_t n_sock;
};

#define SOCK_OURS 0x80u
#define SOCK_WANTED 0x40u
#define SOCK_EVENTS (EPOLLIN | EPOLLOUT)

/* One user's easy handle and the header list its requests use. */
struct curl_vu {
    CURL *easy;
    struct curl_multi_ctx *mc;
    struct curl_slist *nodes; /* points into vu->headers: no copies */
    size_t cap_nodes;
    uint64_t max_body, body_bytes; /* defaults.max_body (0: none) */
    uint64_t deadline_ns;          /* the request's timeout */
    bool too_large;
    bool grpc, keep_headers; /* the request's: read grpc-status; keep the
                                header lines for captures */
    int grpc_status;         /* -1 until a grpc-status line came */
};

/* Counts the body against max_body: libcurl 7.88's MAXFILESIZE checks
 * only a declared Content-Length, not chunked or read-to-close bodies. */
static bool body_over(struct loader__vu *vu, size_t n)
{
    struct curl_vu *cv = vu->transport;

    cv->body_bytes += n;
    if (cv->max_body && cv->body_bytes > cv->max_body) {
        cv->too_large = true;
        return true;
    }
    return false;
}

enum metrics_errclass loader__curl_errclass(int curl_code)
{
    switch ((CURLcode)curl_code) {
    case CURLE_OK:
        return METRICS_ERR_NONE;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
        return METRICS_ERR_DNS;
    case CURLE_COULDNT_CONNECT:
        return METRICS_ERR_CONNECT;
    case CURLE_OPERATION_TIMEDOUT:
        return METRICS_ERR_TIMEOUT;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CLIENTCERT:
    case CURLE_PEER_FAILED_VERIFICATION:
        return METRICS_ERR_TLS;
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
        return METRICS_ERR_RESET;
    default:
        return METRICS_ERR_OTHER;
    }
}

static pthread_mutex_t global_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned global_users;

int loader__curl_global_init(char *errbuf, size_t errlen)
{
    int rc = 0;

    pthread_mutex_lock(&global_lock);
    if (global_users == 0 && loader_curl_global_init() != 0)
        rc = LOADER_EENGINE;
    else
        global_users++;
    pthread_mutex_unlock(&global_lock);
    if (rc)
        snprintf(errbuf, errlen, "cannot initialise libcurl");
    return rc;
}

int loader__epoll_new(int *fd, char *errbuf, size_t errlen)
{
    int err;

    *fd = epoll_create1(EPOLL_CLOEXEC);
    if (*fd >= 0)
        return 0;
    err = errno;
    snprintf(errbuf, errlen, "epoll_create1: %s", strerror(err));
    return err == EMFILE || err == ENFILE ? LOADER_ELIMIT : LOADER_EENGINE;
}

size_t loader__fd_table_size(void)
{
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
        rl.rlim_cur < (1u << 22))
        return (size_t)rl.rlim_cur;
    return 65536;
}

void loader__multi_callbacks(CURLM *m, curl_socket_callback on_socket,
                             curl_multi_timer_callback on_timer, void *data)
{
    curl_multi_setopt(m, CURLMOPT_SOCKETFUNCTION, on_socket);
    curl_multi_setopt(m, CURLMOPT_SOCKETDATA, data);
    curl_multi_setopt(m, CURLMOPT_TIMERFUNCTION, on_timer);
    curl_multi_setopt(m, CURLMOPT_TIMERDATA, data);
}

void loader__curl_global_cleanup(void)
{
    pthread_mutex_lock(&global_lock);
    if (global_users > 0 && --global_users == 0)
        curl_global_cleanup();
    pthread_mutex_unlock(&global_lock);
}

static uint64_t ns_after_ms(struct loader__engine *e, long ms)
{
    return e->now_ns() + (uint64_t)ms * 1000000u;
}

static int on_timer(CURLM *m, long timeout_ms, void *userp)
{
    struct curl_multi_ctx *mc = userp;

    (void)m;
    mc->deadline_ns =
        timeout_ms < 0 ? NO_DEADLINE : ns_after_ms(mc->st->e, timeout_ms);
    return 0;
}

static uint8_t *sock_slot(struct curl_state *st, curl_socket_t s)
{
    return s >= 0 && (size_t)s < st->n_sock ? &st->sock[s] : NULL;
}

/* Stops watching s. */
static void sock_unwatch(struct curl_state *st, curl_socket_t s)
{
    uint8_t *slot = sock_slot(st, s);

    /* The socket may already be closed; nothing to undo then. */
    epoll_ctl(st->epfd, EPOLL_CTL_DEL, s, NULL);
    if (slot)
        *slot &= SOCK_OURS;
}

/* An event libcurl did not ask for: on a connection of ours idle in the
 * cache (the server closed it, say).  Unregistered, and not passed on. */
static bool sock_unwanted(struct curl_state *st, curl_socket_t s)
{
    uint8_t *slot = sock_slot(st, s);

    if (!slot || (*slot & (SOCK_OURS | SOCK_WANTED)) != SOCK_OURS)
        return false;
    sock_unwatch(st, s);
    return true;
}

static int on_socket(CURL *easy, curl_socket_t s, int what, void *userp,
                     void *socketp)
{
    struct curl_multi_ctx *mc = userp;
    uint8_t *slot = sock_slot(mc->st, s);
    struct epoll_event ev;
    uint8_t want;

    (void)easy;
    (void)socketp;
    if (what == CURL_POLL_REMOVE) {
        /* one of our connections' stays registered (top of the file) */
        if (slot && (*slot & SOCK_OURS))
            *slot &= (uint8_t)~SOCK_WANTED;
        else
            sock_unwatch(mc->st, s);
        return 0;
    }
    want = (uint8_t)(((what & CURL_POLL_IN) ? EPOLLIN : 0u) |
                     ((what & CURL_POLL_OUT) ? EPOLLOUT : 0u));
    /* only ours: another socket may have been closed behind our back,
     * and the kernel forgot its registration */
    if (slot && (*slot & SOCK_OURS) && (*slot & SOCK_EVENTS) == want) {
        *slot |= SOCK_WANTED;
        return 0; /* registered so already */
    }
    memset(&ev, 0, sizeof(ev));
    ev.events = want;
    /* (multi, fd) by value rather than a pointer: an event still queued
     * for a socket removed earlier in the same batch stays harmless. */
    ev.data.u64 = ((uint64_t)mc->idx << 32) | (uint32_t)s;
    if (epoll_ctl(mc->st->epfd, EPOLL_CTL_MOD, s, &ev) != 0) {
        if (errno != ENOENT ||
            epoll_ctl(mc->st->epfd, EPOLL_CTL_ADD, s, &ev) != 0)
            return -1;
    }
    if (slot)
        *slot = (uint8_t)((*slot & SOCK_OURS) | SOCK_WANTED | want);
    return 0;
}

/* Connection sockets: opened and closed here, so that their lazy epoll
 * registration (top of the file) never outlives them. */
static curl_socket_t on_opensocket(void *userp, curlsocktype purpose,
                                   struct curl_sockaddr *a)
{
    struct curl_state *st = userp;
    curl_socket_t s;
    uint8_t *slot;

    (void)purpose;
    s = socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
    if (s < 0)
        return CURL_SOCKET_BAD;
    if ((slot = sock_slot(st, s)))
        *slot = SOCK_OURS;
    return s;
}

static int on_closesocket(void *userp, curl_socket_t s)
{
    struct curl_state *st = userp;
    uint8_t *slot = sock_slot(st, s);

    if (slot && *slot) {
        epoll_ctl(st->epfd, EPOLL_CTL_DEL, s, NULL);
        *slot = 0;
    }
    return close(s);
}

/* A stream: step's body bytes, timed as libcurl hands them over (in the
 * turn of the loop that read them, chunked encoding decoded). */
static void stream_bytes(struct loader__vu *vu, const char *data, size_t n)
{
    struct curl_vu *cv = vu->transport;
    struct loader__engine *e = cv->mc->st->e;
    long status = 0;

    curl_easy_getinfo(cv->easy, CURLINFO_RESPONSE_CODE, &status);
    loader__vu_stream_data(e, vu, (int)status, data, n, e->now_ns());
}

static size_t on_write(char *data, size_t size, size_t nmemb, void *userp)
{
    struct loader__vu *vu = userp;
    size_t n = size * nmemb;

    if (body_over(vu, n) || loader__vu_body(vu, data, n) != 0)
        return 0; /* over max_body, or out of memory: fails the transfer */
    if (vu->stream)
        stream_bytes(vu, data, n);
    return n;
}

/* Keeps the header lines of the last response (after a 100 Continue or
 * a redirect, only the final one's) for header captures; a grpc: step's
 * grpc-status, which libcurl hands over here from the trailers too. */
static size_t on_header(char *data, size_t size, size_t nmemb, void *userp)
{
    struct loader__vu *vu = userp;
    struct curl_vu *cv = vu->transport;
    size_t n = size * nmemb;

    if (n >= 5 && memcmp(data, "HTTP/", 5) == 0) {
        loader__vu_header_begin(vu); /* a status line: a new response */
        cv->grpc_status = -1;
        return n;
    }
    if (cv->grpc && n > 12 && strncasecmp(data, "grpc-status:", 12) == 0) {
        size_t a = 12, b = n;

        while (a < b && (data[a] == ' ' || data[a] == '\t'))
            a++;
        while (b > a && (data[b - 1] == '\r' || data[b - 1] == '\n' ||
                         data[b - 1] == ' ' || data[b - 1] == '\t'))
            b--;
        cv->grpc_status = loader__grpc_status(data + a, b - a);
    }
    if (!cv->keep_headers)
        return n;
    return loader__vu_header(vu, data, n) == 0 ? n : 0;
}

/* Discards bodies of steps without captures. */
static size_t on_discard(char *data, size_t size, size_t nmemb, void *userp)
{
    struct loader__vu *vu = userp;

    if (body_over(vu, size * nmemb))
        return 0;
    if (vu->stream)
        stream_bytes(vu, data, size * nmemb);
    return size * nmemb;
}

static void curl_close(struct loader__engine *e);
static int curl_poll_epoll(struct loader__engine *e, uint64_t deadline_ns);

static const char *env_value(const char *name)
{
    const char *v = getenv(name);

    return v && *v ? v : NULL;
}

/* libcurl looks the proxy variables up on every transfer (five getenv()
 * calls a request, each a walk of the environment); they are read once
 * here and handed over as options to the same effect: no_proxy as
 * CURLOPT_NOPROXY, and no proxy at all when none of the variables
 * libcurl would consult is set. */
static void proxy_env(struct curl_state *st)
{
    st->no_proxy = env_value("no_proxy");
    if (!st->no_proxy)
        st->no_proxy = env_value("NO_PROXY");
    if (!st->no_proxy)
        st->no_proxy = "";
    st->env_proxy = loader__env_proxy();
}

static int curl_open(struct loader__engine *e, unsigned n_slots, char *errbuf,
                     size_t errlen)
{
    struct curl_state *st = calloc(1, sizeof(*st));
    int rc = LOADER_ENOMEM;

    if (!st)
        return LOADER_ENOMEM;
    e->transport = st;
    st->e = e;
    st->epfd = -1;
    st->next_scan_ns = NO_DEADLINE;
    if ((rc = loader__curl_global_init(errbuf, errlen)))
        goto out;
    st->global_init = true;
    if ((rc = loader__curl_http_check(e->p, errbuf, errlen)))
        goto out; /* http: 2 this libcurl cannot do (loader_h2.c) */
    rc = LOADER_ENOMEM;
    proxy_env(st);
    loader__curl_mem_hold();
    st->mem_held = true;
    snprintf(st->user_agent, sizeof(st->user_agent), "loadgate/%s",
             LOADGATE_VERSION);
    if ((rc = loader__epoll_new(&st->epfd, errbuf, errlen)))
        goto out;
    rc = LOADER_ENOMEM;
    st->share = curl_share_init();
    if (!st->share)
        goto out;
    curl_share_setopt(st->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    st->n_multis = (n_slots + PER_MULTI - 1) / PER_MULTI;
    if (st->n_multis == 0)
        st->n_multis = 1;
    /* A single multi is cheaper to drive with curl_multi_poll(): the
     * socket callbacks re-register each socket around every request
     * (measured: poll 61k vs socket_action 48k req/s). */
    st->poll_mode = st->n_multis == 1;
    st->multis = calloc(st->n_multis, sizeof(*st->multis));
    if (!st->multis)
        goto out;
    if (!st->poll_mode) {
        st->n_sock = loader__fd_table_size();
        st->sock = calloc(st->n_sock, 1);
        if (!st->sock)
            goto out;
    }
    for (unsigned i = 0; i < st->n_multis; i++) {
        struct curl_multi_ctx *mc = &st->multis[i];

        mc->idx = i;
        mc->st = st;
        mc->deadline_ns = NO_DEADLINE;
        mc->m = curl_multi_init();
        if (!mc->m)
            goto out;
        if (!st->poll_mode)
            loader__multi_callbacks(mc->m, on_socket, on_timer, mc);
        /* Handles leave the multi between requests; without a fixed cache
         * size libcurl would shrink it and close idle keep-alive
         * connections. */
        curl_multi_setopt(mc->m, CURLMOPT_MAXCONNECTS, (long)PER_MULTI + 16);
        if (e->p->http.max_streams) /* http: {max_streams: N} */
            curl_multi_setopt(mc->m, CURLMOPT_MAX_CONCURRENT_STREAMS,
                              (long)e->p->http.max_streams);
    }
    return 0;
out:
    curl_close(e);
    return rc;
}

static int new_easy(struct curl_state *st, struct loader__vu *vu,
                    struct curl_vu **out)
{
    struct curl_vu *cv = calloc(1, sizeof(*cv));
    CURL *h;

    if (!cv)
        return LOADER_ENOMEM;
    h = cv->easy = curl_easy_init();
    if (!h) {
        free(cv);
        return LOADER_ENOMEM;
    }
    cv->mc = &st->multis[((vu->id - 1) / PER_MULTI) % st->n_multis];
    cv->deadline_ns = NO_DEADLINE;
    curl_easy_setopt(h, CURLOPT_PRIVATE, vu);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_SHARE, st->share);
    /* http: 2 / auto multiplex (loader_h2.c); a transfer waits for a
     * connection being set up rather than open one more (all of them
     * would start at once, each with its own TLS handshake) */
    curl_easy_setopt(h, CURLOPT_HTTP_VERSION,
                     loader__curl_http_version(st->e->p));
    if (st->e->p->http.version != LOADER_HTTP_1_1)
        curl_easy_setopt(h, CURLOPT_PIPEWAIT, 1L);
    /* defaults.follow_redirects: the final answer is the one measured,
     * the hops included in its latency (as a browser's user sees it) */
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION,
                     st->e->p->follow_redirects ? 1L : 0L);
    curl_easy_setopt(h, CURLOPT_MAXREDIRS, 10L);
    curl_easy_setopt(h, CURLOPT_USERAGENT, st->user_agent);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, vu);
    cv->max_body = st->e->p->max_body;
    if (cv->max_body) /* a declared length over it: fails before reading */
        curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE,
                         (curl_off_t)cv->max_body);
    curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(h, CURLOPT_NOPROXY, st->no_proxy);
    if (!st->env_proxy)
        curl_easy_setopt(h, CURLOPT_PROXY, "");
    if (!st->poll_mode) {
        curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, on_opensocket);
        curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, st);
        curl_easy_setopt(h, CURLOPT_CLOSESOCKETFUNCTION, on_closesocket);
        curl_easy_setopt(h, CURLOPT_CLOSESOCKETDATA, st);
    }
    if (st->e->p->insecure) { /* target: {insecure: true} */
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (st->e->p->ca_file)
        curl_easy_setopt(h, CURLOPT_CAINFO, st->e->p->ca_file);
    *out = cv;
    return 0;
}

/* The header list as curl_slist nodes pointing at vu's strings (libcurl
 * only reads the list), plus "Expect:" so that bodies go out without a
 * 100-continue round trip. */
static int build_headers(struct curl_vu *cv, const struct loader__request *req)
{
    static char no_expect[] = "Expect:";
    size_t n = req->n_headers + 1;

    if (n > cv->cap_nodes) {
        struct curl_slist *nn = realloc(cv->nodes, n * sizeof(*nn));

        if (!nn)
            return LOADER_ENOMEM;
        cv->nodes = nn;
        cv->cap_nodes = n;
    }
    for (size_t i = 0; i < req->n_headers; i++) {
        cv->nodes[i].data = req->headers[i];
        cv->nodes[i].next = &cv->nodes[i + 1];
    }
    cv->nodes[n - 1].data = no_expect;
    cv->nodes[n - 1].next = NULL;
    return 0;
}

/* Re-reads when libcurl next wants CURL_SOCKET_TIMEOUT.  The timer
 * callback alone is not enough: libcurl skips it when the expiry it would
 * report equals the last one it reported, so a deadline cleared here while
 * libcurl still holds that expiry would be lost and the multi stall until
 * some socket of it wakes up. */
static void refresh_deadline(struct loader__engine *e,
                             struct curl_multi_ctx *mc)
{
    long ms = -1;

    if (curl_multi_timeout(mc->m, &ms) != CURLM_OK)
        return;
    mc->deadline_ns = ms < 0 ? NO_DEADLINE : ns_after_ms(e, ms);
}

static int curl_send(struct loader__engine *e, struct loader__vu *vu,
                     const struct loader__request *req)
{
    struct curl_state *st = e->transport;
    struct curl_vu *cv = vu->transport;
    const char *method = req->method;
    long timeout_ms;
    CURL *h;
    int rc;

    if (!cv) {
        if ((rc = new_easy(st, vu, &cv)))
            return rc;
        vu->transport = cv;
    }
    h = cv->easy;
    cv->body_bytes = 0;
    cv->too_large = false;
    cv->grpc = req->grpc;
    cv->keep_headers = req->keep_body;
    cv->grpc_status = -1;
    if ((rc = build_headers(cv, req)))
        return rc;
    curl_easy_setopt(h, CURLOPT_URL, req->url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, cv->nodes);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION,
                     req->keep_body ? on_write : on_discard);
    /* without a header function, a non-NULL HEADERDATA would send the
     * headers through the write function: both or neither */
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION,
                     req->keep_body || req->grpc ? on_header : NULL);
    curl_easy_setopt(h, CURLOPT_HEADERDATA,
                     req->keep_body || req->grpc ? vu : NULL);
    /* Back to a plain GET, then this step's method and body. */
    curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, NULL);
    if (strcmp(method, "HEAD") == 0) {
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else if (req->body || strcmp(method, "POST") == 0) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
                         (curl_off_t)req->body_len);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, req->body ? req->body : "");
        if (strcmp(method, "POST") != 0)
            curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    } else if (strcmp(method, "GET") != 0) {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    }
    /* The deadline is ours, not CURLOPT_TIMEOUT_MS: libcurl would keep
     * a timer in its splay tree for every transfer (about 1.5 % of the
     * time at 100 users); scan_timeouts() looks at all users only when
     * the earliest deadline may have passed. */
    timeout_ms = (long)(req->timeout_s * 1000.0 + 0.5);
    cv->deadline_ns = ns_after_ms(e, timeout_ms > 0 ? timeout_ms : 1L);
    if (cv->deadline_ns < st->next_scan_ns)
        st->next_scan_ns = cv->deadline_ns;
    if (curl_multi_add_handle(cv->mc->m, h) != CURLM_OK) {
        cv->deadline_ns = NO_DEADLINE;
        snprintf(e->errbuf, e->errlen,
                 "curl_multi_add_handle failed for user %u", vu->id);
        return LOADER_EENGINE;
    }
    if (!st->poll_mode) /* curl_poll_mode() asks libcurl itself */
        refresh_deadline(e, cv->mc);
    return 0;
}

/* libcurl's timing of a finished transfer: connect and TLS only when it
 * opened a connection; time to first byte from the request's start. */
static void record_timing(struct loader__engine *e, struct loader__vu *vu,
                          CURL *h)
{
    curl_off_t conn = 0, app = 0, pre = 0, start = 0;
    long n_conn = 0;
    uint64_t c_us = 0, t_us = 0, f_us = 0;

    curl_easy_getinfo(h, CURLINFO_NUM_CONNECTS, &n_conn);
    curl_easy_getinfo(h, CURLINFO_PRETRANSFER_TIME_T, &pre);
    curl_easy_getinfo(h, CURLINFO_STARTTRANSFER_TIME_T, &start);
    if (n_conn > 0) {
        curl_easy_getinfo(h, CURLINFO_CONNECT_TIME_T, &conn);
        curl_easy_getinfo(h, CURLINFO_APPCONNECT_TIME_T, &app);
        c_us = conn > 0 ? (uint64_t)conn : 1;
        t_us = app > conn ? (uint64_t)(app - conn) : 0;
    }
    if (start > pre)
        f_us = (uint64_t)(start - pre);
    loader__record_timing(e, vu, c_us, t_us, f_us ? f_us : 1);
}

/* A transfer that timed out before its name was resolved is a DNS
 * failure (a resolver that drops queries), not a slow server. */
static enum metrics_errclass timeout_class(CURL *h)
{
    curl_off_t dns_us = 0;

    curl_easy_getinfo(h, CURLINFO_NAMELOOKUP_TIME_T, &dns_us);
    return dns_us == 0 ? METRICS_ERR_DNS : METRICS_ERR_TIMEOUT;
}

/* Ends the requests past their deadline as CURLOPT_TIMEOUT_MS would:
 * the transfer is abandoned (its connection closed) and counted as a
 * timeout.  Runs only once the earliest deadline may have passed. */
static void scan_timeouts(struct loader__engine *e, struct curl_state *st,
                          uint64_t now)
{
    uint64_t next = NO_DEADLINE;

    if (now < st->next_scan_ns)
        return;
    st->next_scan_ns = NO_DEADLINE; /* lowered by the sends below */
    for (unsigned i = 0; i < e->n_vus; i++) {
        struct loader__vu *vu = &e->vus[i];
        struct curl_vu *cv = vu->transport;
        struct loader__outcome oc;

        if (!cv || cv->deadline_ns == NO_DEADLINE)
            continue;
        if (cv->deadline_ns > now) {
            if (cv->deadline_ns < next)
                next = cv->deadline_ns;
            continue;
        }
        curl_multi_remove_handle(cv->mc->m, cv->easy);
        cv->deadline_ns = NO_DEADLINE;
        oc.transport_err = timeout_class(cv->easy);
        oc.status = 0;
        oc.grpc_status = -1;
        st->completions++;
        loader__vu_complete(e, vu, &oc, now);
    }
    if (next < st->next_scan_ns)
        st->next_scan_ns = next;
}

/* Hands every finished transfer of mc to the bookkeeping. */
static void drain(struct loader__engine *e, struct curl_multi_ctx *mc)
{
    CURLMsg *msg;
    int left;

    while ((msg = curl_multi_info_read(mc->m, &left))) {
        struct loader__outcome oc;
        struct loader__vu *vu;
        char *priv = NULL;
        CURL *h = msg->easy_handle;
        CURLcode res;
        long status = 0;

        if (msg->msg != CURLMSG_DONE)
            continue;
        res = msg->data.result; /* msg dies with remove_handle */
        curl_easy_getinfo(h, CURLINFO_PRIVATE, &priv);
        vu = (struct loader__vu *)(void *)priv;
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
        curl_multi_remove_handle(mc->m, h);
        if (!vu)
            continue;
        ((struct curl_vu *)vu->transport)->deadline_ns = NO_DEADLINE;
        oc.transport_err = loader__curl_errclass((int)res);
        if (res == CURLE_FILESIZE_EXCEEDED ||
            (res == CURLE_WRITE_ERROR &&
             ((struct curl_vu *)vu->transport)->too_large))
            oc.transport_err = METRICS_ERR_BODY_TOO_LARGE;
        if (oc.transport_err == METRICS_ERR_TIMEOUT)
            oc.transport_err = timeout_class(h);
        oc.status = oc.transport_err == METRICS_ERR_NONE ? (int)status : 0;
        oc.grpc_status = ((struct curl_vu *)vu->transport)->grpc_status;
        if (oc.transport_err == METRICS_ERR_NONE)
            record_timing(e, vu, h);
        mc->st->completions++;
        loader__vu_complete(e, vu, &oc, e->now_ns());
    }
}

static void fire_timers(struct loader__engine *e, struct curl_state *st,
                        uint64_t now)
{
    for (unsigned i = 0; i < st->n_multis; i++) {
        struct curl_multi_ctx *mc = &st->multis[i];
        int running;

        if (mc->deadline_ns > now)
            continue;
        curl_multi_socket_action(mc->m, CURL_SOCKET_TIMEOUT, 0, &running);
        refresh_deadline(e, mc);
        drain(e, mc);
    }
}

static int curl_poll_mode(struct loader__engine *e, struct curl_state *st,
                          uint64_t deadline_ns)
{
    struct curl_multi_ctx *mc = &st->multis[0];
    uint64_t now = e->now_ns(), done_before = st->completions, wait_ns;
    long ms = -1;
    int running, numfds;

    scan_timeouts(e, st, now);
    curl_multi_perform(mc->m, &running);
    drain(e, mc);
    if (st->completions != done_before)
        return 0; /* a user freed here may be due now */
    if (st->next_scan_ns < deadline_ns)
        deadline_ns = st->next_scan_ns;
    if (curl_multi_timeout(mc->m, &ms) == CURLM_OK && ms >= 0 &&
        now + (uint64_t)ms * 1000000u < deadline_ns)
        deadline_ns = now + (uint64_t)ms * 1000000u;
    wait_ns = deadline_ns > now ? deadline_ns - now : 0;
    if (curl_multi_poll(mc->m, NULL, 0, (int)((wait_ns + 999999) / 1000000),
                        &numfds) != CURLM_OK) {
        snprintf(e->errbuf, e->errlen, "curl_multi_poll failed");
        return LOADER_EENGINE;
    }
    curl_multi_perform(mc->m, &running);
    drain(e, mc);
    return 0;
}

static int curl_poll(struct loader__engine *e, uint64_t deadline_ns)
{
    struct curl_state *st = e->transport;

    if (st->poll_mode)
        return curl_poll_mode(e, st, deadline_ns);
    return curl_poll_epoll(e, deadline_ns);
}

static int curl_poll_epoll(struct loader__engine *e, uint64_t deadline_ns)
{
    struct curl_state *st = e->transport;
    struct epoll_event ev[MAX_EVENTS];
    uint64_t now = e->now_ns(), done_before = st->completions;
    int n;

    scan_timeouts(e, st, now);
    fire_timers(e, st, now);
    /* A user freed by a timer may be due now: the engine must see it
     * before we sleep. */
    if (st->completions != done_before)
        deadline_ns = 0;
    if (st->next_scan_ns < deadline_ns)
        deadline_ns = st->next_scan_ns;
    for (unsigned i = 0; i < st->n_multis; i++)
        if (st->multis[i].deadline_ns < deadline_ns)
            deadline_ns = st->multis[i].deadline_ns;
    n = loader__epoll_wait(e, st->epfd, ev, MAX_EVENTS, e->now_ns(),
                           deadline_ns);
    if (n < 0)
        return n;
    for (int i = 0; i < n; i++) {
        unsigned idx = (unsigned)(ev[i].data.u64 >> 32);
        curl_socket_t fd = (curl_socket_t)(uint32_t)ev[i].data.u64;
        struct curl_multi_ctx *mc;
        int flags, running;

        if (idx >= st->n_multis)
            continue;
        if (sock_unwanted(st, fd))
            continue;
        mc = &st->multis[idx];
        flags = loader__curl_select_flags(ev[i].events);
        curl_multi_socket_action(mc->m, fd, flags, &running);
        refresh_deadline(e, mc);
        drain(e, mc);
    }
    fire_timers(e, st, e->now_ns());
    return 0;
}

static void curl_close(struct loader__engine *e)
{
    struct curl_state *st = e->transport;

    if (!st)
        return;
    /* Easy handles first (removed from their multi if still running),
     * then the multis, then the share they all used. */
    for (unsigned i = 0; i < e->n_vus; i++) {
        struct curl_vu *cv = e->vus ? e->vus[i].transport : NULL;

        if (!cv)
            continue;
        if (e->vus[i].busy && cv->mc)
            curl_multi_remove_handle(cv->mc->m, cv->easy);
        curl_easy_cleanup(cv->easy);
        free(cv->nodes);
        free(cv);
        e->vus[i].transport = NULL;
    }
    for (unsigned i = 0; st->multis && i < st->n_multis; i++)
        if (st->multis[i].m)
            curl_multi_cleanup(st->multis[i].m);
    free(st->multis);
    free(st->sock);
    if (st->share)
        curl_share_cleanup(st->share);
    if (st->epfd >= 0)
        close(st->epfd);
    if (st->mem_held)
        loader__curl_mem_release();
    if (st->global_init)
        loader__curl_global_cleanup();
    free(st);
    e->transport = NULL;
}

const struct loader__transport_ops loader__curl_transport = {
    "curl", curl_open, curl_send, curl_poll, curl_close,
};
