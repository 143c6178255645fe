/* Think times, "did you mean" distances, secret header names and URLs:
 * the small value grammars of a profile (durations, rates and sizes are
 * units.h's). */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "profile_internal.h"
#include "units.h"

int profile__parse_think(const char *s, double *min, double *max)
{
    const char *dots = s ? strstr(s, "..") : NULL;
    char buf[64];
    size_t n;

    if (!s)
        return -1;
    if (!dots) {
        if (units_parse_duration(s, UNITS_SECONDS, min, NULL))
            return -1;
        *max = *min;
        return 0;
    }
    n = (size_t)(dots - s);
    if (n >= sizeof(buf))
        return -1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    if (units_parse_duration(buf, UNITS_SECONDS, min, NULL) ||
        units_parse_duration(dots + 2, UNITS_SECONDS, max, NULL) || *min > *max)
        return -1;
    return 0;
}

size_t profile__levenshtein(const char *a, const char *b, size_t cap)
{
    size_t la = strlen(a), lb = strlen(b), row[65], best;

    /* Only short names get suggestions; longer ones are never close. */
    if (lb > 64 || la > 64)
        return cap + 1;
    if ((la > lb ? la - lb : lb - la) > cap)
        return cap + 1;
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        best = row[0];
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t cost = tolower((unsigned char)a[i - 1]) ==
                                  tolower((unsigned char)b[j - 1])
                              ? 0
                              : 1;
            size_t v = diag + cost;
            if (row[j - 1] + 1 < v)
                v = row[j - 1] + 1;
            if (up + 1 < v)
                v = up + 1;
            row[j] = v;
            diag = up;
            if (v < best)
                best = v;
        }
        if (best > cap)
            return cap + 1;
    }
    return row[lb] > cap ? cap + 1 : row[lb];
}

static bool contains_ci(const char *s, const char *needle)
{
    size_t n = strlen(needle);

    for (; *s; s++)
        if (strncasecmp(s, needle, n) == 0)
            return true;
    return false;
}

bool profile__header_name_secret(const char *name)
{
    static const char *const exact[] = {"authorization", "cookie",
                                        "proxy-authorization", "x-api-key"};

    for (size_t i = 0; i < sizeof(exact) / sizeof(*exact); i++)
        if (strcasecmp(name, exact[i]) == 0)
            return true;
    return contains_ci(name, "token") || contains_ci(name, "secret");
}

int profile__split_url(const char *url, size_t *path_at, const char **why)
{
    const char *host, *end, *p, *port = NULL;
    size_t skip;

    if (strncasecmp(url, "http://", 7) == 0) {
        skip = 7;
    } else if (strncasecmp(url, "https://", 8) == 0) {
        skip = 8;
    } else {
        *why = "must start with http:// or https://";
        return -1;
    }
    for (p = url; *p; p++)
        if ((unsigned char)*p <= 0x20 || *p == 0x7f) {
            *why = "cannot contain spaces or control characters";
            return -1;
        }
    host = url + skip;
    end = host + strcspn(host, "/?#");
    for (p = host; p < end; p++) /* user:password@host */
        if (*p == '@')
            host = p + 1;
    if (*host == '[') {
        p = memchr(host, ']', (size_t)(end - host));
        if (!p || p == host + 1) {
            *why = "has a bad IPv6 address (write [::1])";
            return -1;
        }
        p++;
        if (p < end && *p != ':') {
            *why = "has a bad IPv6 address (write [::1]:port)";
            return -1;
        }
        if (p < end)
            port = p + 1;
    } else {
        for (p = host; p < end; p++)
            if (*p == ':') {
                port = p + 1;
                break;
            }
        if ((port ? port - 1 : end) == host) {
            *why = "has no host";
            return -1;
        }
    }
    if (port) {
        unsigned long v = 0;
        if (port == end || end - port > 5) {
            *why = "has a bad port (1 to 65535)";
            return -1;
        }
        for (p = port; p < end; p++) {
            if (*p < '0' || *p > '9') {
                *why = "has a bad port (1 to 65535)";
                return -1;
            }
            v = v * 10 + (unsigned long)(*p - '0');
        }
        if (v < 1 || v > 65535) {
            *why = "has a bad port (1 to 65535)";
            return -1;
        }
    }
    *path_at = (size_t)(end - url);
    return 0;
}

bool profile__var_name_ok(const char *s)
{
    if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == '_'))
        return false;
    for (s++; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
              (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
            return false;
    return true;
}

bool profile__header_name_ok(const char *name)
{
    if (!*name)
        return false;
    for (const char *p = name; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("!#$%&'*+-.^_`|~", *p))
            return false;
    return true;
}
