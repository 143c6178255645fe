#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "lghttp.h"

size_t http_reply_on_body(char *p, size_t size, size_t n, void *reply)
{
    struct http_reply *r = reply;
    char *b = realloc(r->body, r->len + size * n + 1);

    assert_non_null(b);
    memcpy(b + r->len, p, size * n);
    r->len += size * n;
    b[r->len] = '\0';
    r->body = b;
    return size * n;
}

/* The value of "name: value" into out when line is that header. */
static void header_value(const char *line, size_t n, const char *name,
                         char *out, size_t len)
{
    size_t k = strlen(name);

    if (n > k + 1 && strncasecmp(line, name, k) == 0 && line[k] == ':') {
        line += k + 1;
        n -= k + 1;
        while (n && *line == ' ')
            line++, n--;
        while (n && (line[n - 1] == '\r' || line[n - 1] == '\n'))
            n--;
        snprintf(out, len, "%.*s", (int)n, line);
    }
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
    struct http_reply *r = ud;
    char delay[32] = "";

    header_value(p, size * n, "Content-Type", r->type, sizeof(r->type));
    header_value(p, size * n, "Allow", r->allow, sizeof(r->allow));
    header_value(p, size * n, "WWW-Authenticate", r->www, sizeof(r->www));
    header_value(p, size * n, "Content-Security-Policy", r->csp,
                 sizeof(r->csp));
    header_value(p, size * n, "X-Demo-Latency-Ms", delay, sizeof(delay));
    if (delay[0])
        r->delay_ms = atof(delay);
    return size * n;
}

void http_reply_capture(CURL *h, struct http_reply *r)
{
    memset(r, 0, sizeof(*r));
    r->delay_ms = -1;
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, http_reply_on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, r);
}

int http_group_setup(void **state)
{
    (void)state;
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

int http_group_teardown(void **state)
{
    (void)state;
    curl_global_cleanup();
    return 0;
}
