/* The run-level steps: wait_for: (poll until the service answers 2xx),
 * setup: (run once before the load, captures shared by every user) and
 * teardown: (once after it).  They are not measured, so a plain blocking
 * libcurl easy handle sends them, honouring the profile's TLS and
 * redirect settings like the transports do. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "loader_capture_internal.h"

#ifndef LOADGATE_VERSION
#define LOADGATE_VERSION "0"
#endif

static size_t on_body(char *data, size_t size, size_t n, void *ud)
{
    struct loader__vu *vu = ud;

    return loader__vu_body(vu, data, size * n) == 0 ? size * n : 0;
}

static size_t on_header(char *data, size_t size, size_t n, void *ud)
{
    struct loader__vu *vu = ud;

    /* a new status line (after a redirect or 100 Continue) starts over */
    if (size * n >= 5 && memcmp(data, "HTTP/", 5) == 0) {
        vu->tmp.len = 0;
        return size * n;
    }
    return loader__vu_header(vu, data, size * n) == 0 ? size * n : 0;
}

/* Sends step s for vu once, blocking.  *status gets the HTTP status (0
 * without a response); on a transport failure why says what happened. */
static int send_once(CURL *h, const struct loader_plan *p,
                     const struct loader_step *s, struct loader__vu *vu,
                     double timeout_s, long *status, char *why, size_t whylen)
{
    struct curl_slist *hl = NULL, *t;
    const char *method = s->method ? s->method : "GET";
    bool has_body = s->body || s->n_form > 0;
    CURLcode cc;
    int rc;

    *status = 0;
    if ((rc = loader__vu_render(p, s, vu)))
        return rc;
    vu->resp.len = 0;
    vu->resp_overflow = false;
    vu->tmp.len = 0;
    for (size_t i = 0; i < vu->n_headers; i++) {
        if (!(t = curl_slist_append(hl, vu->headers[i]))) {
            curl_slist_free_all(hl);
            return LOADER_ENOMEM;
        }
        hl = t;
    }
    if ((t = curl_slist_append(hl, "Expect:")))
        hl = t;
    curl_easy_reset(h);
    curl_easy_setopt(h, CURLOPT_URL, vu->url.p);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "loadgate/" LOADGATE_VERSION);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, vu);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, vu);
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, p->follow_redirects ? 1L : 0L);
    curl_easy_setopt(h, CURLOPT_MAXREDIRS, 10L);
    /* http: as the load's (loader_h2.c); a libcurl that cannot reuse h2c
     * connections opens one a step */
    curl_easy_setopt(h, CURLOPT_HTTP_VERSION, loader__curl_http_version(p));
    if (loader__curl_http_check(p, NULL, 0))
        curl_easy_setopt(h, CURLOPT_FORBID_REUSE, 1L);
    if (p->insecure) {
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (p->ca_file)
        curl_easy_setopt(h, CURLOPT_CAINFO, p->ca_file);
    if (strcmp(method, "HEAD") == 0) {
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else if (has_body || strcmp(method, "POST") == 0) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
                         (curl_off_t)(has_body ? vu->body.len : 0));
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, has_body ? vu->body.p : "");
        if (strcmp(method, "POST") != 0)
            curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    } else if (strcmp(method, "GET") != 0) {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    }
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS,
                     (long)(timeout_s > 0.001 ? timeout_s * 1000 : 1));
    cc = curl_easy_perform(h);
    curl_slist_free_all(hl);
    if (cc != CURLE_OK) {
        snprintf(why, whylen, "%s", curl_easy_strerror(cc));
        return 0;
    }
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
    return 0;
}

static void vu_init(struct loader__vu *vu)
{
    memset(vu, 0, sizeof(*vu));
    vu->id = 0; /* ${vu} is 0 in run-level steps */
    vu->rng = loader__rng_seed(0);
    vu->heap_pos = SIZE_MAX;
}

/* The caller's errbuf, or local when it gave none; emptied. */
static char *errbuf_or(char *errbuf, size_t *errlen, char *local, size_t n)
{
    if (!errbuf || !*errlen) {
        errbuf = local;
        *errlen = n;
    }
    errbuf[0] = '\0';
    return errbuf;
}

/* libcurl and an easy handle for run-level requests: 0; LOADER_EENGINE
 * (errbuf says so; nothing to undo) or LOADER_ENOMEM (curl_global_cleanup()
 * still owed). */
static int easy_open(CURL **h, char *errbuf, size_t errlen)
{
    if (loader_curl_global_init() != 0) {
        snprintf(errbuf, errlen, "cannot initialise libcurl");
        return LOADER_EENGINE;
    }
    *h = curl_easy_init();
    return *h ? 0 : LOADER_ENOMEM;
}

/* Runs steps in order with vu's variables; the first failure (or every
 * one when keep_going) goes into errbuf. */
static int run_steps(const struct loader_plan *p,
                     const struct loader_step *steps, size_t n,
                     const char *what, bool keep_going, struct loader__vu *vu,
                     char *errbuf, size_t errlen)
{
    CURL *h = NULL;
    int rc = 0, failed = 0;

    if (n == 0)
        return 0;
    if ((rc = easy_open(&h, errbuf, errlen)) == LOADER_EENGINE)
        return rc;
    if (rc)
        goto out;
    for (size_t i = 0; i < n; i++) {
        const struct loader_step *s = &steps[i];
        char why[300] = "", ep[512];
        double timeout = s->timeout_s > 0   ? s->timeout_s
                         : p->timeout_s > 0 ? p->timeout_s
                                            : 10;
        long status;
        int r;

        if ((rc = send_once(h, p, s, vu, timeout, &status, why, sizeof(why))))
            goto out;
        if (!why[0] &&
            loader__status_errclass(s, (int)status) != METRICS_ERR_NONE)
            snprintf(why, sizeof(why), "unexpected status %ld", status);
        if (!why[0])
            loader__expect_body(s, vu->resp.p, vu->resp.len, vu->resp_overflow,
                                why, sizeof(why));
        for (size_t k = 0; !why[0] && k < s->n_captures; k++) {
            char *val = NULL;

            r = loader__capture_value(&s->captures[k], vu->tmp.p, vu->tmp.len,
                                      vu->resp.p, vu->resp.len, &val);
            if (r == LOADER_ENOMEM ||
                (r == 0 &&
                 loader__vars_set(&vu->vars, s->captures[k].var, val))) {
                free(val);
                rc = LOADER_ENOMEM;
                goto out;
            }
            free(val);
            if (r)
                snprintf(why, sizeof(why), "capture '%s' found nothing",
                         s->captures[k].var);
        }
        if (!why[0])
            continue;
        loader_step_endpoint(s, ep, sizeof(ep));
        if (!failed)
            snprintf(errbuf, errlen, "%s step %zu (%s, line %d): %s", what,
                     i + 1, ep, s->line, why);
        failed = 1;
        if (!keep_going)
            break;
    }
    rc = failed ? LOADER_ESETUP : 0;
out:
    curl_easy_cleanup(h);
    curl_global_cleanup();
    return rc;
}

int loader_setup(const struct loader_plan *p, struct loader_kv **vars,
                 size_t *n_vars, char *errbuf, size_t errlen)
{
    struct loader__vu vu;
    char local[8];
    int rc;

    errbuf = errbuf_or(errbuf, &errlen, local, sizeof(local));
    if (!p || !vars || !n_vars)
        return LOADER_EINVAL;
    *vars = NULL;
    *n_vars = 0;
    vu_init(&vu);
    rc =
        run_steps(p, p->setup, p->n_setup, "setup", false, &vu, errbuf, errlen);
    if (!rc && vu.vars.n > 0) {
        *vars = calloc(vu.vars.n, sizeof(**vars));
        if (!*vars)
            rc = LOADER_ENOMEM;
        for (size_t i = 0; !rc && i < vu.vars.n; i++) {
            (*vars)[i].key = strdup(vu.vars.v[i].name);
            (*vars)[i].value = strdup(vu.vars.v[i].value);
            *n_vars = i + 1;
            if (!(*vars)[i].key || !(*vars)[i].value)
                rc = LOADER_ENOMEM;
        }
        if (rc) {
            loader_vars_free(*vars, *n_vars);
            *vars = NULL;
            *n_vars = 0;
        }
    }
    loader__vu_release(&vu);
    return rc;
}

int loader_teardown(const struct loader_plan *p, const struct loader_kv *vars,
                    size_t n_vars, char *errbuf, size_t errlen)
{
    struct loader__vu vu;
    char local[8];
    int rc = 0;

    errbuf = errbuf_or(errbuf, &errlen, local, sizeof(local));
    if (!p)
        return LOADER_EINVAL;
    vu_init(&vu);
    rc = loader__vu_seed(&vu, vars, n_vars, NULL, 1);
    if (!rc)
        rc = run_steps(p, p->teardown, p->n_teardown, "teardown", true, &vu,
                       errbuf, errlen);
    loader__vu_release(&vu);
    return rc;
}

void loader_vars_free(struct loader_kv *vars, size_t n)
{
    for (size_t i = 0; vars && i < n; i++) {
        free(vars[i].key);
        free(vars[i].value);
    }
    free(vars);
}

static void sleep_ns(uint64_t ns)
{
    struct timespec ts = {(time_t)(ns / 1000000000u), (long)(ns % 1000000000u)};

    nanosleep(&ts, NULL);
}

int loader_wait_for(const struct loader_plan *p, volatile sig_atomic_t *stop,
                    char *errbuf, size_t errlen)
{
    const struct loader_wait_for *w;
    struct loader_step s;
    struct loader__vu vu;
    CURL *h = NULL;
    char why[300] = "", local[8];
    uint64_t start, deadline, interval;
    int rc = LOADER_ENOTREADY;

    errbuf = errbuf_or(errbuf, &errlen, local, sizeof(local));
    if (!p)
        return LOADER_EINVAL;
    if (!(w = p->wait_for))
        return 0;
    memset(&s, 0, sizeof(s));
    s.method = w->method;
    s.path = w->path;
    s.path_written = w->path_written;
    vu_init(&vu);
    if ((rc = easy_open(&h, errbuf, errlen)) == LOADER_EENGINE)
        return rc;
    if (rc)
        goto out;
    start = loader__mono_ns();
    deadline = start + (uint64_t)(w->timeout_s * 1e9);
    interval = (uint64_t)(w->interval_s * 1e9);
    for (;;) {
        uint64_t now = loader__mono_ns(), left;
        double attempt_s;
        long status = 0;
        int r;

        if (stop && *stop)
            break;
        left = deadline > now ? deadline - now : 0;
        if (left == 0)
            break;
        /* one attempt never outlives the wait, nor hangs on a stuck
         * service for longer than the profile's timeout */
        attempt_s = (double)left / 1e9;
        if (p->timeout_s > 0 && attempt_s > p->timeout_s)
            attempt_s = p->timeout_s;
        why[0] = '\0';
        if ((r = send_once(h, p, &s, &vu, attempt_s, &status, why,
                           sizeof(why)))) {
            rc = r;
            goto out;
        }
        if (!why[0] && status >= 200 && status <= 299) {
            rc = 0;
            goto out;
        }
        if (!why[0])
            snprintf(why, sizeof(why), "answered %ld", status);
        now = loader__mono_ns();
        if (now >= deadline)
            break;
        sleep_ns(deadline - now < interval ? deadline - now : interval);
    }
    snprintf(errbuf, errlen, "service not ready after %g s: %s %s: %s",
             w->timeout_s, w->method,
             w->path_written ? w->path_written : w->path,
             why[0] ? why : (stop && *stop ? "interrupted" : "no answer"));
    rc = LOADER_ENOTREADY;
out:
    curl_easy_cleanup(h);
    curl_global_cleanup();
    loader__vu_release(&vu);
    return rc;
}
