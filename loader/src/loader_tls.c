/* TLS for the fast engine (loader_tls_internal.h): OpenSSL on sockets
 * libcurl connected, one context for all of a transport's connections,
 * the profile's insecure and ca_file as libcurl would apply them. */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <curl/curl.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "loader_engine_internal.h"
#include "loader_h2_internal.h"
#include "loader_tls_internal.h"

/* ---- the origin ---------------------------------------------------------- */

bool loader__origin_parse(const char *url, struct loader__origin *o)
{
    const char *a, *end, *colon, *h, *he;
    size_t alen, hlen;
    bool bracket;

    memset(o, 0, sizeof(*o));
    if (strncmp(url, "http://", 7) == 0) {
        a = url + 7;
    } else if (strncmp(url, "https://", 8) == 0) {
        a = url + 8;
        o->tls = true;
    } else {
        return false;
    }
    end = a + strcspn(a, "/?#");
    alen = (size_t)(end - a);
    if (alen == 0 || memchr(a, '@', alen) ||
        (size_t)(end - url) >= sizeof(o->origin) ||
        alen >= sizeof(o->authority))
        return false;
    o->origin_len = (size_t)(end - url);
    memcpy(o->origin, url, o->origin_len);
    memcpy(o->authority, a, alen);
    /* host: "[v6]" or up to the port's colon */
    bracket = a[0] == '[';
    h = bracket ? a + 1 : a;
    he = bracket ? memchr(a, ']', alen) : memchr(a, ':', alen);
    if (!he)
        he = end;
    if (bracket && he == end)
        return false;
    hlen = (size_t)(he - h);
    if (hlen == 0 || hlen >= sizeof(o->host))
        return false;
    memcpy(o->host, h, hlen);
    colon = bracket ? (he + 1 < end && he[1] == ':' ? he + 1 : NULL)
                    : memchr(a, ':', alen);
    snprintf(o->connect_url, sizeof(o->connect_url), "http://%.*s%s/",
             (int)alen, a,
             colon    ? ""
             : o->tls ? ":443"
                      : ":80");
    return true;
}

bool loader__origin_same(const struct loader__origin *o, const char *url)
{
    char c;

    if (strncmp(url, o->origin, o->origin_len) != 0)
        return false;
    c = url[o->origin_len];
    return c == '\0' || c == '/' || c == '?' || c == '#';
}

/* ---- the context ------------------------------------------------------- */

/* The last session of an origin, for the next connection to resume. */
struct tls_session {
    char origin[512];
    SSL_SESSION *s;
};

struct loader__tls {
    SSL_CTX *ctx;
    bool insecure;
    struct tls_session *sessions;
    size_t n_sessions, cap_sessions;
};

/* The ex_data index of an SSL's origin ("https://host:port", the caller's
 * string: it outlives the SSL). */
static int origin_index = -1;
static pthread_once_t origin_once = PTHREAD_ONCE_INIT;

static void origin_index_init(void)
{
    origin_index = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL);
}

static struct tls_session *session_slot(struct loader__tls *t,
                                        const char *origin, bool add)
{
    for (size_t i = 0; i < t->n_sessions; i++)
        if (strcmp(t->sessions[i].origin, origin) == 0)
            return &t->sessions[i];
    if (!add)
        return NULL;
    if (t->n_sessions == t->cap_sessions) {
        size_t cap = t->cap_sessions ? 2 * t->cap_sessions : 4;
        struct tls_session *n = realloc(t->sessions, cap * sizeof(*n));

        if (!n)
            return NULL;
        t->sessions = n;
        t->cap_sessions = cap;
    }
    memset(&t->sessions[t->n_sessions], 0, sizeof(*t->sessions));
    snprintf(t->sessions[t->n_sessions].origin, sizeof(t->sessions->origin),
             "%s", origin);
    return &t->sessions[t->n_sessions++];
}

/* A new session (after the handshake, or a TLS 1.3 ticket later): kept as
 * its origin's latest. */
static int on_new_session(SSL *ssl, SSL_SESSION *s)
{
    struct loader__tls *t = SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl));
    const char *origin = SSL_get_ex_data(ssl, origin_index);
    struct tls_session *slot;

    if (!t || !origin || !(slot = session_slot(t, origin, true)))
        return 0;
    if (slot->s)
        SSL_SESSION_free(slot->s);
    slot->s = s;
    return 1; /* the reference is ours */
}

/* Whether cert names host, as libcurl checks it: an IP address against
 * the certificate's IP addresses, a name against its DNS names (with
 * wildcards); the subject's CN only when the certificate has neither. */
static bool host_matches(X509 *cert, const char *host)
{
    unsigned char ip[16];
    bool is_ip =
        inet_pton(AF_INET, host, ip) == 1 || inet_pton(AF_INET6, host, ip) == 1;
    GENERAL_NAMES *san =
        X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
    bool has_san = san && sk_GENERAL_NAME_num(san) > 0;

    GENERAL_NAMES_free(san);
    if (is_ip && has_san)
        return X509_check_ip_asc(cert, host, 0) == 1;
    /* a name (DNS names, else the CN), or an address on a certificate
     * without alternative names (its CN) */
    return X509_check_host(cert, host, 0, 0, NULL) == 1;
}

/* OpenSSL's verdict on the chain, and the host name on the certificate
 * (depth 0): the connection's origin says which host. */
static int verify_host(int ok, X509_STORE_CTX *x)
{
    SSL *ssl;
    const char *key;
    struct loader__origin o;

    if (!ok || X509_STORE_CTX_get_error_depth(x) != 0)
        return ok;
    ssl = X509_STORE_CTX_get_ex_data(x, SSL_get_ex_data_X509_STORE_CTX_idx());
    key = ssl ? SSL_get_ex_data(ssl, origin_index) : NULL;
    if (key && loader__origin_parse(key, &o) &&
        host_matches(X509_STORE_CTX_get_current_cert(x), o.host))
        return 1;
    X509_STORE_CTX_set_error(x, X509_V_ERR_HOSTNAME_MISMATCH);
    return 0;
}

/*
 * Whether the plan may hold many TLS connections at once: then each one
 * gives its record buffers (about 34 KB) back while idle, which keeps the
 * RSS of 1000 connections down at the cost of a malloc and free per record.
 * A few busy connections keep theirs.
 */
#define TLS_MANY_CONNECTIONS 500

bool loader__tls_many_connections(const struct loader_plan *p)
{
    unsigned n = loader__slots(&p->load);

    if (p->http.version != LOADER_HTTP_1_1) { /* users share connections */
        unsigned per = loader__h2_users_per_conn(&p->http, n);
        n = (n + per - 1) / per;
    }
    return n >= TLS_MANY_CONNECTIONS;
}

struct loader__tls *loader__tls_new(const struct loader_plan *p, char *errbuf,
                                    size_t errlen)
{
    struct loader__tls *t = calloc(1, sizeof(*t));

    pthread_once(&origin_once, origin_index_init);
    if (!t || origin_index < 0 ||
        !(t->ctx = SSL_CTX_new(TLS_client_method()))) {
        snprintf(errbuf, errlen, "cannot create a TLS context");
        ERR_clear_error();
        free(t);
        return NULL;
    }
    t->insecure = p->insecure;
    SSL_CTX_set_app_data(t->ctx, t);
    SSL_CTX_set_min_proto_version(t->ctx, TLS1_2_VERSION);
    /* writes of whatever was queued, from a buffer that may move */
    SSL_CTX_set_mode(t->ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
                                 SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    if (loader__tls_many_connections(p))
        SSL_CTX_set_mode(t->ctx, SSL_MODE_RELEASE_BUFFERS);
    /* one read() for what the socket has, not two for every record (its
     * header, then its body); the readers drain OpenSSL before waiting */
    SSL_CTX_set_read_ahead(t->ctx, 1);
    SSL_CTX_set_session_cache_mode(t->ctx, SSL_SESS_CACHE_CLIENT |
                                               SSL_SESS_CACHE_NO_INTERNAL);
    SSL_CTX_sess_set_new_cb(t->ctx, on_new_session);
    if (p->insecure) {
        SSL_CTX_set_verify(t->ctx, SSL_VERIFY_NONE, NULL);
    } else {
        SSL_CTX_set_verify(t->ctx, SSL_VERIFY_PEER, verify_host);
        if (p->ca_file
                ? SSL_CTX_load_verify_locations(t->ctx, p->ca_file, NULL) != 1
                : SSL_CTX_set_default_verify_paths(t->ctx) != 1) {
            snprintf(errbuf, errlen, "cannot load the CA certificates%s%s",
                     p->ca_file ? " of " : "", p->ca_file ? p->ca_file : "");
            loader__tls_free(t);
            return NULL;
        }
    }
    ERR_clear_error();
    return t;
}

void loader__tls_free(struct loader__tls *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n_sessions; i++)
        if (t->sessions[i].s)
            SSL_SESSION_free(t->sessions[i].s);
    free(t->sessions);
    SSL_CTX_free(t->ctx);
    ERR_clear_error();
    free(t);
}

/* ---- receive times -------------------------------------------------------

 * A socket with SO_TIMESTAMPNS on (HTTP/2's) hands the kernel's receive
 * time of what a read returned along with it; the last one is kept per
 * thread until loader__rx_take().  (CLOCK_REALTIME, or CLOCK_MONOTONIC
 * when the stamp is TCP's own departure time over loopback.) */

static _Thread_local uint64_t rx_stamp_ns;

/* a receive time older than this is a clock set meanwhile: none */
#define RX_MAX_AGE_NS UINT64_C(1000000000)

static ssize_t recv_timed(int fd, void *buf, size_t n)
{
    union {
        char b[CMSG_SPACE(sizeof(struct timespec))];
        struct cmsghdr align;
    } ctl;
    struct iovec iov = {buf, n};
    struct msghdr mh;
    ssize_t got;

    memset(&mh, 0, sizeof(mh));
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = ctl.b;
    mh.msg_controllen = sizeof(ctl.b);
    got = recvmsg(fd, &mh, 0);
    if (got <= 0 || mh.msg_controllen == 0)
        return got;
    for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm;
         cm = CMSG_NXTHDR(&mh, cm)) {
        struct timespec ts;

        if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_TIMESTAMPNS ||
            cm->cmsg_len < CMSG_LEN(sizeof(ts)))
            continue;
        memcpy(&ts, CMSG_DATA(cm), sizeof(ts));
        if (ts.tv_sec > 0)
            rx_stamp_ns =
                (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    }
    return got;
}

uint64_t loader__rx_take(void)
{
    uint64_t t = rx_stamp_ns, now, real;
    struct timespec ts;

    rx_stamp_ns = 0;
    if (t == 0)
        return 0;
    now = loader__mono_ns();
    /* TCP over loopback may hand over the sender's departure time
     * (CLOCK_MONOTONIC, as TCP's pacing keeps it) instead */
    if (t <= now && now - t < RX_MAX_AGE_NS)
        return t;
    clock_gettime(CLOCK_REALTIME, &ts);
    real = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    if (t > real || real - t >= RX_MAX_AGE_NS || real - t > now)
        return 0;
    return now - (real - t);
}

/* ---- a socket BIO that never raises SIGPIPE ------------------------------

 * OpenSSL's own socket BIO write()s: a peer gone away would kill a process
 * that has not ignored SIGPIPE.  This one send()s with MSG_NOSIGNAL. */

static int bio_write(BIO *b, const char *buf, int len)
{
    ssize_t n =
        send((int)(intptr_t)BIO_get_data(b), buf, (size_t)len, MSG_NOSIGNAL);

    BIO_clear_retry_flags(b);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        BIO_set_retry_write(b);
    return (int)n;
}

static int bio_read(BIO *b, char *buf, int len)
{
    ssize_t n = recv_timed((int)(intptr_t)BIO_get_data(b), buf, (size_t)len);

    BIO_clear_retry_flags(b);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        BIO_set_retry_read(b);
    return (int)n;
}

static long bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
    (void)b;
    (void)num;
    (void)ptr;
    return cmd == BIO_CTRL_FLUSH ? 1 : 0;
}

static int bio_create(BIO *b)
{
    BIO_set_init(b, 1);
    return 1;
}

static BIO_METHOD *bio_method;
static pthread_once_t bio_once = PTHREAD_ONCE_INIT;

static void bio_method_init(void)
{
    BIO_METHOD *m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK,
                                 "loadgate socket");

    if (m && BIO_meth_set_write(m, bio_write) == 1 &&
        BIO_meth_set_read(m, bio_read) == 1 &&
        BIO_meth_set_ctrl(m, bio_ctrl) == 1 &&
        BIO_meth_set_create(m, bio_create) == 1) {
        bio_method = m; /* kept for the process's lifetime */
        return;
    }
    BIO_meth_free(m);
}

/* ssl reads and writes fd through it.  false when out of memory. */
static bool set_socket(SSL *ssl, int fd)
{
    BIO *b;

    pthread_once(&bio_once, bio_method_init);
    if (!bio_method || !(b = BIO_new(bio_method)))
        return false;
    BIO_set_data(b, (void *)(intptr_t)fd);
    SSL_set_bio(ssl, b, b); /* one reference, taken by ssl */
    return true;
}

/* ---- connections -------------------------------------------------------- */

SSL *loader__tls_connect(struct loader__tls *t, int fd,
                         const struct loader__origin *o, const char *key,
                         const unsigned char *alpn, unsigned alpn_len)
{
    SSL *ssl = SSL_new(t->ctx);
    struct tls_session *last = session_slot(t, key, false);
    unsigned char ip[16];
    bool is_ip = inet_pton(AF_INET, o->host, ip) == 1 ||
                 inet_pton(AF_INET6, o->host, ip) == 1;

    if (!ssl)
        goto fail;
    if (!set_socket(ssl, fd) || SSL_set_alpn_protos(ssl, alpn, alpn_len) != 0 ||
        !SSL_set_ex_data(ssl, origin_index, (void *)key) ||
        (!is_ip && SSL_set_tlsext_host_name(ssl, o->host) != 1) ||
        (last && last->s && SSL_set_session(ssl, last->s) != 1))
        goto fail;
    SSL_set_connect_state(ssl);
    return ssl;
fail:
    ERR_clear_error();
    SSL_free(ssl);
    return NULL;
}

void loader__tls_close(SSL *ssl)
{
    if (!ssl)
        return;
    /* close_notify, as libcurl sends it: OpenSSL would otherwise mark the
     * session unfit for resuming when the SSL is freed */
    if (SSL_is_init_finished(ssl))
        SSL_shutdown(ssl);
    ERR_clear_error();
    SSL_free(ssl);
}

bool loader__tls_alpn_is(const SSL *ssl, const char *proto)
{
    const unsigned char *sel = NULL;
    unsigned len = 0;

    SSL_get0_alpn_selected(ssl, &sel, &len);
    return len == strlen(proto) && memcmp(sel, proto, len) == 0;
}

/* What SSL_get_error() says of a call that returned r <= 0.  The error
 * queue is kept empty (cleared after every failure) as SSL_get_error()
 * needs, instead of an ERR_clear_error() before every call, which costs. */
static int io_result(SSL *ssl, int r)
{
    switch (SSL_get_error(ssl, r)) {
    case SSL_ERROR_WANT_READ:
        return LOADER__TLS_WANT_READ;
    case SSL_ERROR_WANT_WRITE:
        return LOADER__TLS_WANT_WRITE;
    case SSL_ERROR_ZERO_RETURN:
        return 0;
    default:
        ERR_clear_error();
        return LOADER__TLS_ERROR;
    }
}

int loader__tls_handshake(SSL *ssl)
{
    int r = SSL_connect(ssl);

    if (r == 1)
        return 1;
    r = io_result(ssl, r);
    return r == 0 ? LOADER__TLS_ERROR : r;
}

ssize_t loader__tls_read(SSL *ssl, void *buf, size_t n)
{
    int r = SSL_read(ssl, buf, n > INT_MAX ? INT_MAX : (int)n);

    if (r > 0)
        return r;
    r = io_result(ssl, r);
    /* an EOF without close_notify ends the stream as well */
    return r == LOADER__TLS_ERROR && SSL_get_shutdown(ssl) == 0 ? 0 : r;
}

ssize_t loader__tls_write(SSL *ssl, const void *buf, size_t n)
{
    int r = SSL_write(ssl, buf, n > INT_MAX ? INT_MAX : (int)n);

    if (r > 0)
        return r;
    r = io_result(ssl, r);
    return r == 0 ? LOADER__TLS_ERROR : r;
}

ssize_t loader__conn_read(SSL *ssl, int fd, void *buf, size_t n)
{
    ssize_t got;

    if (ssl)
        return loader__tls_read(ssl, buf, n);
    got = recv_timed(fd, buf, n);
    if (got >= 0)
        return got;
    return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR
               ? LOADER__TLS_WANT_READ
               : LOADER__TLS_ERROR;
}

ssize_t loader__conn_write(SSL *ssl, int fd, const void *buf, size_t n)
{
    ssize_t w;

    if (ssl)
        return loader__tls_write(ssl, buf, n);
    w = send(fd, buf, n, MSG_NOSIGNAL);
    if (w >= 0)
        return w;
    return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR
               ? LOADER__TLS_WANT_WRITE
               : LOADER__TLS_ERROR;
}

/* ---- http: auto --------------------------------------------------------- */

bool loader__tls_probe_h2(const struct loader_plan *p)
{
    static const unsigned char alpn[] = "\x02h2\x08http/1.1";
    struct loader__origin o;
    double timeout_s = p->timeout_s > 0 ? p->timeout_s : 10;
    uint64_t deadline =
        loader__mono_ns() / 1000000u + (uint64_t)(timeout_s * 1000);
    curl_socket_t fd = CURL_SOCKET_BAD;
    struct loader__tls *t = NULL;
    SSL *ssl = NULL;
    CURL *h = NULL;
    char err[128];
    bool h2 = false;

    if (!p->target || !loader__origin_parse(p->target, &o) || !o.tls ||
        loader__curl_global_init(NULL, 0) != 0)
        return false;
    if (!(h = curl_easy_init()))
        goto out;
    curl_easy_setopt(h, CURLOPT_URL, o.connect_url);
    curl_easy_setopt(h, CURLOPT_CONNECT_ONLY, 1L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_PROXY, "");
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)(timeout_s * 1000));
    if (curl_easy_perform(h) != CURLE_OK ||
        curl_easy_getinfo(h, CURLINFO_ACTIVESOCKET, &fd) != CURLE_OK ||
        fd == CURL_SOCKET_BAD)
        goto out;
    if (!(t = loader__tls_new(p, err, sizeof(err))) ||
        !(ssl = loader__tls_connect(t, (int)fd, &o, o.origin, alpn,
                                    sizeof(alpn) - 1)))
        goto out;
    for (;;) {
        struct pollfd pfd = {(int)fd, 0, 0};
        uint64_t now = loader__mono_ns() / 1000000u;
        int r = loader__tls_handshake(ssl);

        if (r == 1) {
            h2 = loader__tls_alpn_is(ssl, "h2");
            break;
        }
        if (r == LOADER__TLS_ERROR || now >= deadline)
            break;
        pfd.events = r == LOADER__TLS_WANT_READ ? POLLIN : POLLOUT;
        poll(&pfd, 1, (int)(deadline - now));
    }
out:
    ERR_clear_error();
    if (ssl)
        SSL_free(ssl);
    loader__tls_free(t);
    if (h)
        curl_easy_cleanup(h); /* closes the socket */
    loader__curl_global_cleanup();
    return h2;
}
