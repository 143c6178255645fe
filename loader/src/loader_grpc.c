/* gRPC unary calls (a step's grpc:) over the HTTP/2 transports: the
 * message frame, the grpc-timeout header, the grpc-status answer and
 * what a plan with such steps must hold.  The transports send the step
 * as a POST (loader_vu.c renders its headers) and hand back the
 * grpc-status they read (loader__outcome.grpc_status). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader_engine_internal.h"

int loader_grpc_frame(const void *msg, size_t len, unsigned char **out,
                      size_t *out_len)
{
    unsigned char *f;

    *out = NULL;
    *out_len = 0;
    if ((uint64_t)len > UINT32_MAX)
        return LOADER_EINVAL;
    if (!(f = malloc(len + 5)))
        return LOADER_ENOMEM;
    f[0] = 0; /* not compressed */
    f[1] = (unsigned char)(len >> 24);
    f[2] = (unsigned char)(len >> 16);
    f[3] = (unsigned char)(len >> 8);
    f[4] = (unsigned char)len;
    if (len)
        memcpy(f + 5, msg, len);
    *out = f;
    *out_len = len + 5;
    return 0;
}

/* TimeoutValue is at most 8 digits. */
#define GRPC_TIMEOUT_MAX 99999999.0

void loader__grpc_timeout(double timeout_s, char *buf, size_t len)
{
    /* whole microseconds, rounded up (a float's excess forgiven) */
    double us = ceil(timeout_s * 1e6 - 1e-6);

    if (!(us >= 1))
        us = 1;
    /* milliseconds when whole, else microseconds; a timeout too long for
     * them in the finest coarser unit it fits, rounded up */
    if (fmod(us, 1000) == 0 && us / 1000 <= GRPC_TIMEOUT_MAX)
        snprintf(buf, len, "%.0fm", us / 1000);
    else if (us <= GRPC_TIMEOUT_MAX)
        snprintf(buf, len, "%.0fu", us);
    else if (ceil(us / 1e6) <= GRPC_TIMEOUT_MAX)
        snprintf(buf, len, "%.0fS", ceil(us / 1e6));
    else if (ceil(us / 6e7) <= GRPC_TIMEOUT_MAX)
        snprintf(buf, len, "%.0fM", ceil(us / 6e7));
    else
        snprintf(buf, len, "%.0fH", fmin(ceil(us / 3.6e9), GRPC_TIMEOUT_MAX));
}

int loader__grpc_status(const char *v, size_t n)
{
    int code = 0;

    if (n == 0 || n > 4)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (v[i] < '0' || v[i] > '9')
            return -1;
        code = code * 10 + (v[i] - '0');
    }
    return code;
}

enum metrics_errclass loader__grpc_errclass(const struct loader_grpc *g,
                                            int http_status, int grpc_status)
{
    uint32_t want = g && g->expect ? g->expect : 1u;

    if (http_status != 200)
        return http_status >= 500 && http_status <= 599 ? METRICS_ERR_HTTP_5XX
                                                        : METRICS_ERR_STATUS;
    if (grpc_status >= 0 && grpc_status < 32 &&
        (want & (UINT32_C(1) << grpc_status)))
        return METRICS_ERR_NONE;
    return METRICS_ERR_GRPC;
}

static bool steps_grpc(const struct loader_step *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i].grpc)
            return true;
    return false;
}

bool loader__plan_grpc(const struct loader_plan *p)
{
    for (size_t i = 0; i < p->n_scenarios; i++)
        if (steps_grpc(p->scenarios[i].steps, p->scenarios[i].n_steps))
            return true;
    return false;
}

int loader__grpc_check(const struct loader_plan *p, char *err, size_t len)
{
    bool tls = p->target && strncmp(p->target, "https://", 8) == 0;

    if (steps_grpc(p->setup, p->n_setup) ||
        steps_grpc(p->teardown, p->n_teardown))
        return loader__set_err(err, len, LOADER_EINVAL,
                               "grpc: steps run in scenarios, not in setup "
                               "or teardown");
    if (!loader__plan_grpc(p))
        return 0;
    if (p->http.version == LOADER_HTTP_2 ||
        (p->http.version == LOADER_HTTP_AUTO && tls))
        return 0;
    return loader__set_err(err, len, LOADER_EINVAL,
                           "grpc: steps need HTTP/2: add 'http: 2' (or "
                           "'http: auto' with an https target that offers h2)");
}
