/* The demo API's routes, their latency model and --slow names. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "demo_internal.h"

/* In the order of enum demo__route_id. */
static const struct demo_route routes[DEMO__N_ROUTES] = {
    [DEMO__HEALTH] = {"GET", "/api/health", 10.0, 3.0},
    [DEMO__REGISTER] = {"POST", "/api/agents/register", 20.0, 6.0},
    [DEMO__AGENTS] = {"GET", "/api/agents", 25.0, 8.0},
    [DEMO__QUERY] = {"POST", "/api/agents/{id}/query", 50.0, 15.0},
    [DEMO__NL_QUERY] = {"POST", "/api/agents/{id}/nl-query", 120.0, 40.0},
    [DEMO__COST] = {"GET", "/api/cost/dashboard", 40.0, 12.0},
    [DEMO__FAILOVER] = {"GET", "/api/failover/stats", 15.0, 5.0},
    [DEMO__GRAPHQL] = {"POST", "/graphql", 35.0, 10.0},
    /* 150 ms to the first token, then a token every 20 ms */
    [DEMO__STREAM] = {"POST", "/api/agents/{id}/query/stream", 150.0, 40.0,
                      20.0, 5.0},
};

const struct demo_route *demo_routes(size_t *n)
{
    if (n)
        *n = DEMO__N_ROUTES;
    return routes;
}

bool demo__path_match(const char *pattern, const char *path, size_t path_len,
                      const char **seg, size_t *seg_len)
{
    const char *p = pattern, *s = path, *end = path + path_len;
    const char *found = NULL;
    size_t found_len = 0;

    while (*p) {
        if (*p == '{') {
            const char *close = strchr(p, '}');
            const char *start = s;

            if (!close)
                return false;
            while (s < end && *s != '/')
                s++;
            if (s == start)
                return false;
            found = start;
            found_len = (size_t)(s - start);
            p = close + 1;
            continue;
        }
        if (s == end || *s != *p)
            return false;
        p++;
        s++;
    }
    if (s != end)
        return false;
    if (seg)
        *seg = found;
    if (seg_len)
        *seg_len = found_len;
    return true;
}

int demo__route_find(const char *path, const char **seg, size_t *seg_len)
{
    size_t len = strlen(path);

    for (int i = 0; i < DEMO__N_ROUTES; i++)
        if (demo__path_match(routes[i].pattern, path, len, seg, seg_len))
            return i;
    return -1;
}

bool demo__method_allowed(int route, const char *method)
{
    if (route < 0 || route >= DEMO__N_ROUTES || !method)
        return false;
    if (strcmp(method, routes[route].method) == 0)
        return true;
    return strcmp(method, "HEAD") == 0 &&
           strcmp(routes[route].method, "GET") == 0;
}

/* Whether name (len bytes) designates route r as a pattern or a path. */
static bool names_route(int r, const char *name, size_t len)
{
    size_t plen = strlen(routes[r].pattern);

    if (len == plen && memcmp(name, routes[r].pattern, len) == 0)
        return true;
    return demo__path_match(routes[r].pattern, name, len, NULL, NULL);
}

int demo__slow_route(const char *name, size_t len)
{
    const char *method = NULL, *path = name;
    size_t method_len = 0;
    int found = DEMO_EINVAL, matches = 0;

    while (len > 0 && isspace((unsigned char)name[len - 1]))
        len--;
    while (len > 0 && isspace((unsigned char)*name)) {
        name++;
        len--;
    }
    path = name;
    if (len > 0 && *name != '/') {
        /* "METHOD path" */
        const char *sp = memchr(name, ' ', len);

        if (!sp)
            return DEMO_EINVAL;
        method = name;
        method_len = (size_t)(sp - name);
        path = sp;
        while (path < name + len && *path == ' ')
            path++;
    }
    len -= (size_t)(path - name);
    if (len == 0 || *path != '/')
        return DEMO_EINVAL;
    for (int i = 0; i < DEMO__N_ROUTES; i++) {
        if (method && (strlen(routes[i].method) != method_len ||
                       strncasecmp(method, routes[i].method, method_len)))
            continue;
        if (names_route(i, path, len)) {
            found = i;
            matches++;
        }
    }
    return matches == 1 ? found : DEMO_EINVAL;
}

int demo_slow_parse(const char *arg, struct demo_slow *out)
{
    const char *eq, *num;
    char *end = NULL;
    double v;

    if (!arg || !out)
        return DEMO_EINVAL;
    eq = strrchr(arg, '=');
    if (!eq || eq == arg)
        return DEMO_EINVAL;
    num = eq + 1;
    while (isspace((unsigned char)*num))
        num++;
    if (!*num)
        return DEMO_EINVAL;
    errno = 0;
    v = strtod(num, &end);
    if (end == num || errno == ERANGE)
        return DEMO_EINVAL;
    if (*end == '%')
        end++;
    while (isspace((unsigned char)*end))
        end++;
    if (*end || !isfinite(v) || v <= -100.0)
        return DEMO_EINVAL;
    /* whether the name designates a route is demo_server_start's check,
     * so that the caller can tell a bad syntax from an unknown endpoint */
    for (num = arg; num < eq && isspace((unsigned char)*num); num++)
        ;
    if (num == eq)
        return DEMO_EINVAL;
    out->endpoint = arg;
    out->percent = v;
    return 0;
}

bool demo__agent_id_valid(const char *id, size_t len)
{
    static const char prefix[] = "agent-";
    size_t plen = sizeof(prefix) - 1;

    if (!id || len <= plen || len - plen > 18 || memcmp(id, prefix, plen))
        return false;
    for (size_t i = plen; i < len; i++)
        if (id[i] < '0' || id[i] > '9')
            return false;
    return true;
}

double demo__latency_ms(double base, double jitter, double u1, double u2)
{
    const double two_pi = 6.283185307179586;
    double sigma, z, v, lo, hi;

    if (!(base > 0.0))
        return 1.0;
    if (!(jitter > 0.0))
        return base < 1.0 ? 1.0 : base;
    if (!(u1 > 0.0))
        u1 = 1e-300;
    /* Box-Muller: a standard normal from two uniforms */
    z = sqrt(-2.0 * log(u1)) * cos(two_pi * u2);
    /* log-normal of median base: a long right tail as real services have,
     * whose spread near the median is about +-jitter */
    sigma = jitter / base;
    v = base * exp(sigma * z);
    lo = base - 2.0 * jitter;
    hi = base + 4.0 * jitter;
    if (v < lo)
        v = lo;
    if (v > hi)
        v = hi;
    return v < 1.0 ? 1.0 : v;
}

uint64_t demo__mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

double demo__unit(uint64_t bits)
{
    /* 53 bits, shifted by one so that 0 never comes out */
    return ((double)(bits >> 11) + 1.0) * (1.0 / 9007199254740992.0);
}
