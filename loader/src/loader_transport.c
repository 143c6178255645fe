/* Which transport a plan runs on: its engine when it names one, else fast
 * unless the run needs what only libcurl does (redirects, a proxy from
 * the environment, credentials in the URL); the fast engine's HTTP/2
 * transport for the http: key (loader__h2_pick). */
#include <stdlib.h>
#include <string.h>

#include "loader_engine_internal.h"

bool loader__env_proxy(void)
{
    static const char *const vars[] = {"http_proxy", "https_proxy",
                                       "HTTPS_PROXY", "all_proxy", "ALL_PROXY"};

    for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
        const char *v = getenv(vars[i]);

        if (v && *v)
            return true;
    }
    return false;
}

static const struct loader__transport_ops *
pick_http1(const struct loader_plan *p)
{
    const char *t = p->target ? p->target : "", *a, *end;

    if (p->engine == LOADER_ENGINE_CURL)
        return &loader__curl_transport;
    if (p->engine == LOADER_ENGINE_FAST)
        return &loader__fast_transport;
    /* Automatic: fast does plain HTTP/1.1 only.  Following redirects, a
     * proxy from the environment or credentials in the URL need libcurl. */
    if (p->follow_redirects)
        return &loader__curl_transport;
    if (strncmp(t, "http://", 7) == 0)
        a = t + 7;
    else if (strncmp(t, "https://", 8) == 0)
        a = t + 8;
    else
        return &loader__curl_transport;
    end = a + strcspn(a, "/?#");
    if (memchr(a, '@', (size_t)(end - a)))
        return &loader__curl_transport;
    if (loader__env_proxy())
        return &loader__curl_transport;
    return &loader__fast_transport;
}

const struct loader__transport_ops *
loader__pick_transport(const struct loader_plan *p)
{
    return loader__h2_pick(p, pick_http1(p)); /* http: 2 / auto (loader_h2.c) */
}
