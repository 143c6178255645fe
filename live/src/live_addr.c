/* Listen addresses, the loopback rule, Host headers and tokens. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "live_internal.h"

LOADGATE_ERRNO_DEFINE(live, LIVE_ERRNO_MAP)

/* "8080" -> 8080; -1 for anything but 1 to 5 digits up to 65535. */
static long port_of(const char *s)
{
    size_t n = strspn(s, "0123456789");
    long v;

    if (n == 0 || n > 5 || s[n] != '\0')
        return -1;
    v = strtol(s, NULL, 10);
    return v <= 65535 ? v : -1;
}

int live__parse_listen(const char *spec, struct live__addr *out, char *errbuf,
                       size_t errlen)
{
    char host[64] = "127.0.0.1";
    const char *port = spec, *colon;
    struct sockaddr_in *v4 = (struct sockaddr_in *)&out->sa;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&out->sa;
    long p;

    memset(out, 0, sizeof(*out));
    if (spec == NULL || spec[0] == '\0')
        goto bad;
    if (spec[0] == '[') { /* [IPv6]:PORT */
        const char *end = strchr(spec, ']');
        if (end == NULL || end[1] != ':' || (size_t)(end - spec) > sizeof(host))
            goto bad;
        snprintf(host, sizeof(host), "%.*s", (int)(end - spec - 1), spec + 1);
        port = end + 2;
    } else if ((colon = strrchr(spec, ':')) != NULL) {
        if ((size_t)(colon - spec) >= sizeof(host) ||
            memchr(spec, ':', (size_t)(colon - spec)) != NULL)
            goto bad; /* too long, or IPv6 without brackets */
        snprintf(host, sizeof(host), "%.*s", (int)(colon - spec), spec);
        port = colon + 1;
        if (strcasecmp(host, "localhost") == 0)
            strcpy(host, "127.0.0.1");
    }
    if ((p = port_of(port)) < 0)
        goto bad;
    out->port = (unsigned)p;
    if (spec[0] != '[' && inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)p);
        out->family = AF_INET;
        out->sa_len = sizeof(*v4);
        out->loopback = (ntohl(v4->sin_addr.s_addr) >> 24) == 127;
        return 0;
    }
    if (spec[0] == '[' && inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)p);
        out->family = AF_INET6;
        out->sa_len = sizeof(*v6);
        out->loopback = IN6_IS_ADDR_LOOPBACK(&v6->sin6_addr) ||
                        (IN6_IS_ADDR_V4MAPPED(&v6->sin6_addr) &&
                         v6->sin6_addr.s6_addr[12] == 127);
        return 0;
    }
bad:
    snprintf(errbuf, errlen,
             "listen address '%.80s': expected PORT, ADDR:PORT, [IPv6]:PORT "
             "or localhost:PORT with an IP address and a port 0..65535",
             spec ? spec : "");
    return LIVE_EINVAL;
}

int live_check_listen(const char *spec, const char *token, char *errbuf,
                      size_t errlen)
{
    struct live__addr a;
    int rc = live__parse_listen(spec, &a, errbuf, errlen);

    if (rc)
        return rc;
    if (!a.loopback && (token == NULL || token[0] == '\0')) {
        snprintf(errbuf, errlen,
                 "refusing to listen on %.80s without a token: anyone who "
                 "can reach it could watch and stop the run; set "
                 "LOADGATE_TOKEN or listen on loopback (127.0.0.1, [::1])",
                 spec);
        return LIVE_EINSECURE;
    }
    return 0;
}

bool live__host_is_literal(const char *host)
{
    char buf[64];
    struct in_addr a4;
    struct in6_addr a6;
    size_t n;

    if (host == NULL)
        return false;
    if (host[0] == '[') {
        const char *end = strchr(host, ']');
        if (end == NULL || (size_t)(end - host) > sizeof(buf))
            return false;
        snprintf(buf, sizeof(buf), "%.*s", (int)(end - host - 1), host + 1);
        return inet_pton(AF_INET6, buf, &a6) == 1 &&
               (end[1] == '\0' || (end[1] == ':' && port_of(end + 2) >= 0));
    }
    n = strcspn(host, ":");
    if (n >= sizeof(buf) || (host[n] == ':' && port_of(host + n + 1) < 0))
        return false;
    snprintf(buf, sizeof(buf), "%.*s", (int)n, host);
    return strcasecmp(buf, "localhost") == 0 ||
           inet_pton(AF_INET, buf, &a4) == 1;
}

bool live__token_ok(const char *given, const char *token)
{
    size_t lg, lt;
    unsigned char diff;

    if (given == NULL || token == NULL || token[0] == '\0')
        return false;
    lg = strlen(given);
    lt = strlen(token);
    /* every byte of the token looked at, whatever given holds */
    diff = (unsigned char)(lg != lt);
    for (size_t i = 0; i < lt; i++)
        diff |= (unsigned char)(given[i < lg ? i : 0] ^ token[i]);
    return diff == 0;
}
