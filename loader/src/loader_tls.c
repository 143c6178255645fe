/* TLS for the HTTP/2 path, with OpenSSL on sockets libcurl connected.
 *
 * libcurl 7.88 cannot be asked which protocol ALPN chose on a
 * CONNECT_ONLY connection, and with h2 negotiated its curl_easy_recv()
 * is not usable (its own HTTP/2 layer takes the connection over).  So
 * libcurl only opens TCP here, and the handshake is OpenSSL's, with the
 * profile's insecure and ca_file as libcurl would apply them. */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <curl/curl.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "loader_h2_internal.h"

SSL_CTX *loader__h2_tls_ctx(const struct loader_profile *p, char *errbuf,
                            size_t errlen) {
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

    if (!ctx) {
        snprintf(errbuf, errlen, "cannot create a TLS context");
        return NULL;
    }
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    /* writes of whatever nghttp2 queued, from a buffer that may move */
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
                              SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                              SSL_MODE_RELEASE_BUFFERS);
    /* one read() for what the socket has, not two for every record (its
     * header, then its body) */
    SSL_CTX_set_read_ahead(ctx, 1);
    if (p->insecure) {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    } else {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
        if (p->ca_file
                ? SSL_CTX_load_verify_locations(ctx, p->ca_file, NULL) != 1
                : SSL_CTX_set_default_verify_paths(ctx) != 1) {
            snprintf(errbuf, errlen, "cannot load the CA certificates%s%s",
                     p->ca_file ? " of " : "", p->ca_file ? p->ca_file : "");
            ERR_clear_error();
            SSL_CTX_free(ctx);
            return NULL;
        }
    }
    return ctx;
}

/* ---- a socket BIO that never raises SIGPIPE ------------------------------

 * OpenSSL's own socket BIO write()s: a peer gone away would kill a process
 * that has not ignored SIGPIPE.  This one send()s with MSG_NOSIGNAL. */

static int bio_write(BIO *b, const char *buf, int len) {
    ssize_t n =
        send((int)(intptr_t)BIO_get_data(b), buf, (size_t)len, MSG_NOSIGNAL);

    BIO_clear_retry_flags(b);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        BIO_set_retry_write(b);
    return (int)n;
}

static int bio_read(BIO *b, char *buf, int len) {
    ssize_t n = recv((int)(intptr_t)BIO_get_data(b), buf, (size_t)len, 0);

    BIO_clear_retry_flags(b);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        BIO_set_retry_read(b);
    return (int)n;
}

static long bio_ctrl(BIO *b, int cmd, long num, void *ptr) {
    (void)b;
    (void)num;
    (void)ptr;
    return cmd == BIO_CTRL_FLUSH ? 1 : 0;
}

static int bio_create(BIO *b) {
    BIO_set_init(b, 1);
    return 1;
}

static BIO_METHOD *bio_method;
static pthread_once_t bio_once = PTHREAD_ONCE_INIT;

static void bio_method_init(void) {
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
static bool set_socket(SSL *ssl, int fd) {
    BIO *b;

    pthread_once(&bio_once, bio_method_init);
    if (!bio_method || !(b = BIO_new(bio_method)))
        return false;
    BIO_set_data(b, (void *)(intptr_t)fd);
    SSL_set_bio(ssl, b, b); /* one reference, taken by ssl */
    return true;
}

SSL *loader__h2_tls_new(SSL_CTX *ctx, int fd, const struct loader__h2_origin *o,
                        bool insecure, const unsigned char *alpn,
                        unsigned alpn_len) {
    SSL *ssl = SSL_new(ctx);
    unsigned char ip[16];
    bool is_ip = inet_pton(AF_INET, o->host, ip) == 1 ||
                 inet_pton(AF_INET6, o->host, ip) == 1;

    if (!ssl)
        return NULL;
    if (!set_socket(ssl, fd) || SSL_set_alpn_protos(ssl, alpn, alpn_len) != 0 ||
        (!is_ip && SSL_set_tlsext_host_name(ssl, o->host) != 1))
        goto fail;
    if (!insecure) {
        X509_VERIFY_PARAM *vp = SSL_get0_param(ssl);

        if (is_ip ? X509_VERIFY_PARAM_set1_ip_asc(vp, o->host) != 1
                  : SSL_set1_host(ssl, o->host) != 1)
            goto fail;
    }
    SSL_set_connect_state(ssl);
    return ssl;
fail:
    ERR_clear_error();
    SSL_free(ssl);
    return NULL;
}

CURLcode loader__tls_read_ahead(CURL *h, void *ssl_ctx, void *ud) {
    (void)h;
    (void)ud;
    SSL_CTX_set_read_ahead((SSL_CTX *)ssl_ctx, 1);
    return CURLE_OK;
}

bool loader__h2_tls_is_h2(const SSL *ssl) {
    const unsigned char *sel = NULL;
    unsigned len = 0;

    SSL_get0_alpn_selected(ssl, &sel, &len);
    return len == 2 && memcmp(sel, "h2", 2) == 0;
}

static uint64_t mono_ms(void) {
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

bool loader__h2_probe(const struct loader_profile *p) {
    static const unsigned char alpn[] = "\x02h2\x08http/1.1";
    struct loader__h2_origin o;
    double timeout_s = p->timeout_s > 0 ? p->timeout_s : 10;
    uint64_t deadline = mono_ms() + (uint64_t)(timeout_s * 1000);
    curl_socket_t fd = CURL_SOCKET_BAD;
    SSL_CTX *ctx = NULL;
    SSL *ssl = NULL;
    CURL *h = NULL;
    char err[128];
    bool h2 = false;

    if (!p->target || !loader__h2_origin(p->target, &o) || !o.tls ||
        loader__curl_global_init() != 0)
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
    if (!(ctx = loader__h2_tls_ctx(p, err, sizeof(err))) ||
        !(ssl = loader__h2_tls_new(ctx, (int)fd, &o, p->insecure, alpn,
                                   sizeof(alpn) - 1)))
        goto out;
    for (;;) {
        struct pollfd pfd = {(int)fd, 0, 0};
        uint64_t now = mono_ms();
        int r, e;

        ERR_clear_error();
        if ((r = SSL_connect(ssl)) == 1) {
            h2 = loader__h2_tls_is_h2(ssl);
            break;
        }
        e = SSL_get_error(ssl, r);
        if ((e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) ||
            now >= deadline)
            break;
        pfd.events = e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT;
        poll(&pfd, 1, (int)(deadline - now));
    }
out:
    ERR_clear_error();
    if (ssl)
        SSL_free(ssl);
    if (ctx)
        SSL_CTX_free(ctx);
    if (h)
        curl_easy_cleanup(h); /* closes the socket */
    loader__curl_global_cleanup();
    return h2;
}
