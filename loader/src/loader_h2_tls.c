/* TLS for the HTTP/2 path, with OpenSSL on sockets libcurl connected.
 *
 * libcurl 7.88 cannot be asked which protocol ALPN chose on a
 * CONNECT_ONLY connection, and with h2 negotiated its curl_easy_recv()
 * is not usable (its own HTTP/2 layer takes the connection over).  So
 * libcurl only opens TCP here, and the handshake is OpenSSL's, with the
 * profile's insecure and ca_file as libcurl would apply them. */
#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
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

SSL *loader__h2_tls_new(SSL_CTX *ctx, int fd, const struct loader__h2_origin *o,
                        bool insecure, const unsigned char *alpn,
                        unsigned alpn_len) {
    SSL *ssl = SSL_new(ctx);
    unsigned char ip[16];
    bool is_ip = inet_pton(AF_INET, o->host, ip) == 1 ||
                 inet_pton(AF_INET6, o->host, ip) == 1;

    if (!ssl)
        return NULL;
    if (SSL_set_fd(ssl, fd) != 1 ||
        SSL_set_alpn_protos(ssl, alpn, alpn_len) != 0 ||
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
