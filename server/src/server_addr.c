/* Listen addresses, the loopback rule, bearer tokens, URL redaction. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "server_internal.h"

static int parse_port(const char *s, unsigned *out)
{
    unsigned long v = 0;
    size_t n = 0;

    for (; s[n] >= '0' && s[n] <= '9'; n++) {
        if (n >= 5)
            return -1;
        v = v * 10 + (unsigned long)(s[n] - '0');
    }
    if (n == 0 || s[n] != '\0' || v > 65535)
        return -1;
    *out = (unsigned)v;
    return 0;
}

int server__parse_listen(const char *spec, struct server__addr *out,
                         char *errbuf, size_t errlen)
{
    char host[64];
    const char *port_s = NULL;
    size_t hlen = 0;

    if (spec == NULL)
        spec = SERVER_DEFAULT_LISTEN;
    memset(out, 0, sizeof(*out));

    if (spec[0] == '[') {
        const char *end = strchr(spec, ']');
        if (end == NULL || end[1] != ':') {
            snprintf(errbuf, errlen,
                     "listen address '%.80s': expected [IPv6]:PORT", spec);
            return SERVER_EINVAL;
        }
        hlen = (size_t)(end - spec - 1);
        if (hlen >= sizeof(host))
            goto bad_host;
        memcpy(host, spec + 1, hlen);
        port_s = end + 2;
    } else {
        const char *colon = strrchr(spec, ':');
        if (colon == NULL) {
            /* a bare port: loopback, the safe default */
            strcpy(host, "127.0.0.1");
            hlen = strlen(host);
            port_s = spec;
        } else {
            hlen = (size_t)(colon - spec);
            if (memchr(spec, ':', hlen) != NULL) {
                snprintf(errbuf, errlen,
                         "listen address '%.80s': put an IPv6 address in "
                         "brackets, e.g. [::1]:8089",
                         spec);
                return SERVER_EINVAL;
            }
            if (hlen >= sizeof(host))
                goto bad_host;
            memcpy(host, spec, hlen);
            port_s = colon + 1;
        }
    }
    host[hlen] = '\0';
    if (hlen == 0) {
        snprintf(errbuf, errlen,
                 "listen address '%.80s': missing host (e.g. "
                 "127.0.0.1:8089, or 0.0.0.0:8089 for every interface)",
                 spec);
        return SERVER_EINVAL;
    }
    if (parse_port(port_s, &out->port) < 0) {
        snprintf(errbuf, errlen,
                 "listen address '%.80s': port must be a number 0..65535",
                 spec);
        return SERVER_EINVAL;
    }
    if (strcasecmp(host, "localhost") == 0)
        strcpy(host, "127.0.0.1");

    struct sockaddr_in *v4 = (struct sockaddr_in *)&out->sa;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&out->sa;
    if (spec[0] != '[' && inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)out->port);
        out->family = AF_INET;
        out->sa_len = sizeof(*v4);
        out->loopback = (ntohl(v4->sin_addr.s_addr) >> 24) == 127;
        return 0;
    }
    if (spec[0] == '[' && inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
        const unsigned char *b = v6->sin6_addr.s6_addr;
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)out->port);
        out->family = AF_INET6;
        out->sa_len = sizeof(*v6);
        out->loopback = IN6_IS_ADDR_LOOPBACK(&v6->sin6_addr) ||
                        (IN6_IS_ADDR_V4MAPPED(&v6->sin6_addr) && b[12] == 127);
        return 0;
    }
bad_host:
    snprintf(errbuf, errlen,
             "listen address '%.80s': host must be an IP address "
             "(127.0.0.1, [::1], 0.0.0.0) or localhost",
             spec);
    return SERVER_EINVAL;
}

bool server__auth_ok(const char *given, const char *expected)
{
    static const char scheme[] = "Bearer ";
    size_t lg, le, i;
    unsigned char diff;

    if (given == NULL || expected == NULL)
        return false;
    if (strncasecmp(given, scheme, sizeof(scheme) - 1) != 0)
        return false;
    given += sizeof(scheme) - 1;
    while (*given == ' ')
        given++;
    lg = strlen(given);
    le = strlen(expected);
    /* Walk the whole expected token whatever given holds, so the time
     * taken tells nothing about how long a prefix matched. */
    diff = (unsigned char)(lg != le);
    for (i = 0; i < le; i++) {
        unsigned char g = (unsigned char)given[i < lg ? i : lg];
        diff |= (unsigned char)(g ^ (unsigned char)expected[i]);
    }
    return diff == 0 && le > 0;
}

void server__redact_url(const char *url, char *buf, size_t len)
{
    const char *scheme_end, *auth_end, *at = NULL, *p;

    if (len == 0)
        return;
    if (url == NULL) {
        snprintf(buf, len, "(null)");
        return;
    }
    scheme_end = strstr(url, "://");
    if (scheme_end != NULL) {
        auth_end = scheme_end + 3 + strcspn(scheme_end + 3, "/?#");
        for (p = scheme_end + 3; p < auth_end; p++)
            if (*p == '@')
                at = p;
    }
    if (at == NULL) {
        snprintf(buf, len, "%s", url);
        return;
    }
    snprintf(buf, len, "%.*s***%s", (int)(scheme_end + 3 - url), url, at);
}
