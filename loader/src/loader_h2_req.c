/* The HTTP/2 path's logic that needs no socket (loader_h2_internal.h): a
 * request as header fields, users per connection, and the fate of a
 * stream that ended without its response. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "loader_h2_internal.h"

/* ---- requests as header fields ------------------------------------------- */

/* Header fields HTTP/2 forbids (RFC 9113 8.2.2); Host becomes
 * :authority. */
static bool connection_specific(const char *name, size_t n, const char *v)
{
    static const char *const names[] = {"connection",       "keep-alive",
                                        "proxy-connection", "transfer-encoding",
                                        "upgrade",          "host"};

    for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++)
        if (n == strlen(names[i]) && strncasecmp(name, names[i], n) == 0)
            return true;
    return n == 2 && strncasecmp(name, "te", 2) == 0 &&
           strcasecmp(v, "trailers") != 0;
}

/* The value of header h ("Name: value") when its name is name. */
static const char *header_value(const char *h, const char *name)
{
    size_t n = strlen(name);

    if (strncasecmp(h, name, n) != 0 || h[n] != ':')
        return NULL;
    h += n + 1;
    while (*h == ' ' || *h == '\t')
        h++;
    return h;
}

static void put(struct loader__h2_nvs *out, const char *name, size_t nlen,
                const char *value, size_t vlen)
{
    nghttp2_nv *nv = &out->nv[out->n++];

    nv->name = (uint8_t *)(uintptr_t)name;
    nv->namelen = nlen;
    nv->value = (uint8_t *)(uintptr_t)value;
    nv->valuelen = vlen;
    nv->flags = NGHTTP2_NV_FLAG_NONE;
}

/* Room for n fields and bytes of text in out (the text never moves once
 * the fields point into it). */
static int reserve(struct loader__h2_nvs *out, size_t n, size_t bytes)
{
    struct loader__buf *b = &out->buf;

    if (n > out->cap) {
        nghttp2_nv *nv = realloc(out->nv, n * sizeof(*nv));

        if (!nv)
            return LOADER_ENOMEM;
        out->nv = nv;
        out->cap = n;
    }
    if (bytes + 1 > b->cap) {
        char *p = realloc(b->p, bytes + 1);

        if (!p)
            return LOADER_ENOMEM;
        b->p = p;
        b->cap = bytes + 1;
    }
    b->len = 0;
    return 0;
}

/* Copies s[0..n) into out's text (room reserved), lowercased when asked. */
static const char *text(struct loader__h2_nvs *out, const char *s, size_t n,
                        bool lower)
{
    char *d = out->buf.p + out->buf.len;

    for (size_t i = 0; i < n; i++)
        d[i] = lower && s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] - 'A' + 'a')
                                                   : s[i];
    out->buf.len += n;
    return d;
}

int loader__h2_fields(const struct loader__origin *o,
                      const struct loader__request *req, const char *user_agent,
                      struct loader__h2_nvs *out)
{
    const char *authority = o->authority, *path, *v;
    size_t path_len, bytes = 0;
    bool has_ua = false, has_accept = false, has_len = false, slash;
    char len[24] = "";

    path = req->url + o->origin_len;
    path_len = strcspn(path, "#");
    slash = path_len == 0 || path[0] != '/'; /* "?q" alone: "/?q" */
    for (size_t i = 0; i < req->n_headers; i++) {
        const char *h = req->headers[i];

        if ((v = header_value(h, "Host")) && *v)
            authority = v;
        has_ua |= header_value(h, "User-Agent") != NULL;
        has_accept |= header_value(h, "Accept") != NULL;
        has_len |= header_value(h, "Content-Length") != NULL;
        bytes += strcspn(h, ":");
    }
    if (!has_len &&
        (req->body || strcmp(req->method, "POST") == 0 ||
         strcmp(req->method, "PUT") == 0 || strcmp(req->method, "PATCH") == 0))
        snprintf(len, sizeof(len), "%zu", req->body ? req->body_len : 0);
    if (reserve(out, req->n_headers + 7,
                bytes + (slash ? path_len + 1 : 0) + strlen(len)))
        return LOADER_ENOMEM;
    out->n = 0;
    put(out, ":method", 7, req->method, strlen(req->method));
    put(out, ":scheme", 7, o->tls ? "https" : "http", o->tls ? 5 : 4);
    put(out, ":authority", 10, authority, strlen(authority));
    if (slash) {
        const char *p = text(out, "/", 1, false);

        text(out, path, path_len, false);
        put(out, ":path", 5, p, path_len + 1);
    } else {
        put(out, ":path", 5, path, path_len);
    }
    if (!has_ua)
        put(out, "user-agent", 10, user_agent, strlen(user_agent));
    if (!has_accept)
        put(out, "accept", 6, "*/*", 3);
    for (size_t i = 0; i < req->n_headers; i++) {
        const char *h = req->headers[i], *colon = strchr(h, ':');
        size_t nlen;

        if (!colon || colon == h)
            continue;
        nlen = (size_t)(colon - h);
        v = colon + 1;
        while (*v == ' ' || *v == '\t')
            v++;
        if (connection_specific(h, nlen, v))
            continue;
        put(out, text(out, h, nlen, true), nlen, v, strlen(v));
    }
    if (len[0])
        put(out, "content-length", 14, text(out, len, strlen(len), false),
            strlen(len));
    return 0;
}

void loader__h2_nvs_release(struct loader__h2_nvs *nvs)
{
    free(nvs->nv);
    loader__buf_release(&nvs->buf);
    memset(nvs, 0, sizeof(*nvs));
}

/* ---- users and connections ----------------------------------------------- */

unsigned loader__h2_users_per_conn(const struct loader_http *h,
                                   unsigned vu_total)
{
    unsigned n;

    if (h->connections)
        n = vu_total / h->connections + (vu_total % h->connections ? 1 : 0);
    else
        n = h->max_streams ? h->max_streams : LOADER__H2_DEFAULT_STREAMS;
    return n ? n : 1;
}

/* ---- streams that ended without their response ----------------------------
 */

bool loader__h2_retry(const struct loader__h2_end *end,
                      enum metrics_errclass *err)
{
    bool beyond_goaway = end->goaway && end->stream_id > end->goaway_last;
    bool unprocessed = end->not_sent || beyond_goaway ||
                       (end->rst && end->rst_code == NGHTTP2_REFUSED_STREAM);

    if (unprocessed) {
        if (!end->retried)
            return true;
        *err = end->goaway ? METRICS_ERR_GOAWAY : METRICS_ERR_STREAM_RESET;
        return false;
    }
    if (end->rst) {
        *err = end->rst_code == NGHTTP2_PROTOCOL_ERROR
                   ? METRICS_ERR_H2_PROTOCOL
                   : METRICS_ERR_STREAM_RESET;
        return false;
    }
    if (end->conn_lost) {
        if (end->goaway) {
            *err = METRICS_ERR_GOAWAY;
            return false;
        }
        if (end->conn_reused && !end->got_first && end->idempotent &&
            !end->retried)
            return true;
        *err = METRICS_ERR_RESET;
        return false;
    }
    /* closed by nghttp2 itself: a malformed response, a flow-control or
     * frame-size error on the stream */
    *err = end->close_code == NGHTTP2_NO_ERROR ? METRICS_ERR_OTHER
                                               : METRICS_ERR_H2_PROTOCOL;
    return false;
}
