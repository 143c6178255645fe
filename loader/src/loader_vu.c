/* Per-request bookkeeping of the engine, independent of the transport:
 * scenario choice, think time, rendering, outcome classification,
 * captures and recording. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "loader_capture_internal.h"
#include "loader_stream_internal.h"

#define RESP_CAP (1024u * 1024u) /* body bytes kept for captures */

/* ---- classification ---------------------------------------------------- */

enum metrics_errclass loader__status_errclass(const struct loader_step *s,
                                              int status)
{
    if (status <= 0)
        return METRICS_ERR_OTHER;
    if (s && s->n_expect_status > 0) {
        for (size_t i = 0; i < s->n_expect_status; i++)
            if (s->expect_status[i] == status)
                return METRICS_ERR_NONE;
    } else if (status < 400) {
        return METRICS_ERR_NONE;
    }
    return status >= 500 && status <= 599 ? METRICS_ERR_HTTP_5XX
                                          : METRICS_ERR_STATUS;
}

/* ---- randomness ------------------------------------------------------- */

uint64_t loader__rng_next(uint64_t *state)
{
    uint64_t z = (*state += UINT64_C(0x9E3779B97F4A7C15));

    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

uint64_t loader__rng_seed(unsigned vu)
{
    uint64_t s = UINT64_C(0x6c6f616467617465) ^ (uint64_t)vu; /* "loadgate" */

    return loader__rng_next(&s);
}

double loader__rng_unit(uint64_t *state)
{
    return (double)(loader__rng_next(state) >> 11) * 0x1.0p-53;
}

size_t loader__pick_scenario(const struct loader_plan *p, uint64_t *rng)
{
    double total = 0, x;

    for (size_t i = 0; i < p->n_scenarios; i++)
        total += p->scenarios[i].weight ? p->scenarios[i].weight : 1;
    x = loader__rng_unit(rng) * total;
    for (size_t i = 0; i < p->n_scenarios; i++) {
        double w = p->scenarios[i].weight ? p->scenarios[i].weight : 1;

        if (x < w)
            return i;
        x -= w;
    }
    return p->n_scenarios ? p->n_scenarios - 1 : 0;
}

uint64_t loader__think_ns(const struct loader_load *l, uint64_t *rng)
{
    double lo = l->think_min_s > 0 ? l->think_min_s : 0;
    double hi = l->think_max_s > lo ? l->think_max_s : lo;
    double t = lo + (hi - lo) * loader__rng_unit(rng);

    if (t <= 0)
        return 0;
    return (uint64_t)(t * 1e9);
}

/* ---- open model timeline ---------------------------------------------- */

double loader__stages_length(const struct loader_load *l)
{
    double t = 0;

    for (size_t i = 0; i < l->n_stages; i++)
        t += l->stages[i].duration_s > 0 ? l->stages[i].duration_s : 0;
    return t;
}

/* Time x arrivals into a segment whose rate goes linearly from a to b
 * over d seconds: solves a t + (b - a) / (2 d) t^2 = x in the form that
 * stays exact when the rate barely changes. */
static double segment_time(double a, double b, double d, double x)
{
    double c = d > 0 ? (b - a) / (2 * d) : 0;
    double disc = a * a + 4 * c * x;
    double den;

    if (disc < 0)
        disc = 0;
    den = a + sqrt(disc);
    return den > 0 ? 2 * x / den : 0;
}

bool loader__arrival_time(const struct loader_load *l, uint64_t k, double *t_s)
{
    double x = (double)k, t0 = 0, prev = 0;

    if (l->n_stages == 0) {
        if (!(l->rate > 0))
            return false;
        *t_s = x / l->rate;
        return true;
    }
    for (size_t i = 0; i < l->n_stages; i++) {
        double d = l->stages[i].duration_s > 0 ? l->stages[i].duration_s : 0;
        double r = l->stages[i].rate > 0 ? l->stages[i].rate : 0;
        double n = (prev + r) / 2 * d; /* arrivals in this stage */

        if (x <= n && n > 0) {
            *t_s = t0 + segment_time(prev, r, d, x);
            return true;
        }
        x -= n;
        t0 += d;
        prev = r;
    }
    if (!(prev > 0))
        return false;
    *t_s = t0 + x / prev;
    return true;
}

/* ---- sending ------------------------------------------------------------ */

static bool has_header(const struct loader_kv *h, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (h[i].key && strcasecmp(h[i].key, name) == 0)
            return true;
    return false;
}

/* A header a gRPC call sets itself, whatever defaults.headers say (its
 * metadata may not set them: profile_grpc.c). */
static bool grpc_own(const char *name)
{
    return strcasecmp(name, "Content-Type") == 0 ||
           strcasecmp(name, "TE") == 0 || strncasecmp(name, "grpc-", 5) == 0;
}

static int add_header(struct loader__vu *vu, size_t *offs, const char *name,
                      const char *tpl)
{
    struct loader__render_ctx cx = {&vu->vars, vu->number, vu->iteration,
                                    &vu->rng};
    int rc;

    offs[vu->n_headers++] = vu->hdr.len;
    if ((rc = loader__buf_append(&vu->hdr, name, strlen(name))) ||
        (rc = loader__buf_append(&vu->hdr, ": ", 2)))
        return rc;
    vu->tmp.len = 0;
    if ((rc = loader__render(tpl, &cx, 0, &vu->tmp)) ||
        (rc = loader__buf_append(&vu->hdr, vu->tmp.p, vu->tmp.len)))
        return rc;
    return loader__buf_append(&vu->hdr, "", 1); /* separator */
}

/* Renders the headers: the profile's defaults, then the step's (a step
 * header replaces a default of the same name), then Content-Type for JSON
 * and form bodies unless one is set. */
static int render_headers(const struct loader_plan *p,
                          const struct loader_step *s, struct loader__vu *vu)
{
    size_t need = p->n_headers + s->n_headers + 3;
    size_t small[16], *offs = small; /* no allocation per request */
    const char *ctype = NULL;
    int rc = 0;

    if (need > vu->cap_headers) {
        char **nh = realloc(vu->headers, need * sizeof(*nh));

        if (!nh)
            return LOADER_ENOMEM;
        vu->headers = nh;
        vu->cap_headers = need;
    }
    if (need > sizeof(small) / sizeof(*small) &&
        !(offs = malloc(need * sizeof(*offs))))
        return LOADER_ENOMEM;
    vu->n_headers = 0;
    vu->hdr.len = 0;
    for (size_t i = 0; i < p->n_headers && !rc; i++) {
        if (!p->headers[i].key ||
            has_header(s->headers, s->n_headers, p->headers[i].key) ||
            (s->grpc && grpc_own(p->headers[i].key)))
            continue;
        rc = add_header(vu, offs, p->headers[i].key, p->headers[i].value);
    }
    for (size_t i = 0; i < s->n_headers && !rc; i++)
        if (s->headers[i].key)
            rc = add_header(vu, offs, s->headers[i].key, s->headers[i].value);
    if (s->grpc)
        ctype = "application/grpc";
    else if (s->body && s->body_is_json)
        ctype = "application/json";
    else if (s->n_form > 0)
        ctype = "application/x-www-form-urlencoded";
    if (!rc && ctype &&
        (s->grpc || (!has_header(p->headers, p->n_headers, "Content-Type") &&
                     !has_header(s->headers, s->n_headers, "Content-Type"))))
        rc = add_header(vu, offs, "Content-Type", ctype);
    if (!rc && s->grpc) {
        /* trailers, and the call's deadline for the server (the
         * profile refuses metadata that would set them) */
        char t[16];

        rc = add_header(vu, offs, "TE", "trailers");
        if (!rc && s->timeout_s > 0) { /* the step's own timeout: */
            loader__grpc_timeout(s->timeout_s, t, sizeof(t));
            rc = add_header(vu, offs, "grpc-timeout", t);
        }
    }
    /* Pointers only now: the buffer may have moved while it grew. */
    for (size_t i = 0; i < vu->n_headers && !rc; i++)
        vu->headers[i] = vu->hdr.p + offs[i];
    if (offs != small)
        free(offs);
    return rc;
}

/* name=value&... of kv (values rendered, both URL-encoded) appended to
 * out, after sep when out already holds something. */
static int render_params(const struct loader_kv *kv, size_t n, bool plus,
                         char sep, struct loader__vu *vu,
                         struct loader__buf *out)
{
    struct loader__render_ctx cx = {&vu->vars, vu->number, vu->iteration,
                                    &vu->rng};
    int rc = 0;

    for (size_t i = 0; i < n && !rc; i++) {
        if (i > 0 || sep)
            rc = loader__buf_append(out, i > 0 ? "&" : &sep, 1);
        vu->tmp.len = 0;
        if (!rc)
            rc = loader__url_encode(kv[i].key, strlen(kv[i].key), plus, out);
        if (!rc)
            rc = loader__buf_append(out, "=", 1);
        if (!rc)
            rc = loader__render(kv[i].value, &cx, 0, &vu->tmp);
        if (!rc)
            rc = loader__url_encode(vu->tmp.p, vu->tmp.len, plus, out);
    }
    return rc;
}

static int render_url(const struct loader_plan *p, const struct loader_step *s,
                      struct loader__vu *vu)
{
    struct loader__render_ctx cx = {&vu->vars, vu->number, vu->iteration,
                                    &vu->rng};
    int rc;

    vu->tmp.len = 0;
    vu->url.len = 0;
    if ((rc = loader__render(s->path ? s->path : "/", &cx, 0, &vu->tmp)))
        return rc;
    if (strncmp(vu->tmp.p, "http://", 7) != 0 &&
        strncmp(vu->tmp.p, "https://", 8) != 0) {
        const char *t = p->target ? p->target : "";
        size_t tl = strlen(t);

        while (tl > 0 && t[tl - 1] == '/')
            tl--;
        if ((rc = loader__buf_append(&vu->url, t, tl)))
            return rc;
        if (vu->tmp.p[0] != '/' && (rc = loader__buf_append(&vu->url, "/", 1)))
            return rc;
    }
    if ((rc = loader__buf_append(&vu->url, vu->tmp.p, vu->tmp.len)))
        return rc;
    if (s->n_query == 0)
        return 0;
    /* query: goes after the path's own query, if it has one */
    return render_params(s->query, s->n_query, false,
                         strchr(vu->url.p, '?') ? '&' : '?', vu, &vu->url);
}

int loader__vu_render(const struct loader_plan *p, const struct loader_step *s,
                      struct loader__vu *vu)
{
    struct loader__render_ctx cx = {&vu->vars, vu->number, vu->iteration,
                                    &vu->rng};
    int rc;

    if ((rc = render_url(p, s, vu)) || (rc = render_headers(p, s, vu)))
        return rc;
    vu->body.len = 0;
    if (s->n_form > 0)
        return render_params(s->form, s->n_form, true, '\0', vu, &vu->body);
    if (s->body)
        return loader__render(
            s->body, &cx, s->body_is_json ? LOADER__RENDER_JSON : 0, &vu->body);
    return 0;
}

int loader__vu_send(struct loader__engine *e, struct loader__vu *vu,
                    uint64_t origin_ns, uint64_t now_ns)
{
    const struct loader_plan *p = e->p;
    const struct loader_step *s;
    struct loader__request req = {0};
    bool has_body;
    int rc;

    if (!vu->started) {
        vu->scenario = loader__pick_scenario(p, &vu->rng);
        vu->step = 0;
        vu->started = true;
        if ((rc = loader__vu_seed(vu, e->o->vars, e->o->n_vars,
                                  loader__scenario_feeder(p, vu->scenario),
                                  e->vu_total)))
            return rc;
    }
    s = &p->scenarios[vu->scenario].steps[vu->step];
    if ((rc = loader__vu_render(p, s, vu)))
        return rc;
    has_body = s->body || s->n_form > 0 || s->grpc;
    vu->resp.len = 0;
    vu->resp_overflow = false;
    loader__vu_header_begin(vu); /* from now on: the response's headers */
    if ((rc = loader__vu_stream_start(vu, s)))
        return rc;

    req.method = s->method ? s->method : "GET";
    req.url = vu->url.p;
    req.body = has_body ? vu->body.p : NULL;
    req.body_len = has_body ? vu->body.len : 0;
    if (s->grpc) { /* the message frame, as the plan holds it */
        req.body = (const char *)s->grpc->frame;
        req.body_len = s->grpc->frame_len;
        req.grpc = true;
    }
    req.headers = vu->headers;
    req.n_headers = vu->n_headers;
    req.timeout_s = s->timeout_s > 0   ? s->timeout_s
                    : p->timeout_s > 0 ? p->timeout_s
                                       : 10;
    req.keep_body = loader__step_keeps_body(s);

    vu->busy = true;
    vu->sent_ns = origin_ns;
    vu->measured = origin_ns >= e->measure_start_ns;
    e->in_flight++;
    if (vu->measured) {
        e->started_measured++;
        /* the open model sends at scheduled times: one sent well after
         * its time is late (the generator, not the service, held it) */
        if (e->open_model && now_ns > origin_ns + LOADER__LATE_NS)
            e->res->meta.late++;
        if (p->load.requests && e->started_measured >= p->load.requests &&
            !e->stopping) {
            e->stopping = true;
            e->stopped_ns = now_ns;
        }
    }
    rc = e->ops->send(e, vu, &req);
    if (rc) {
        vu->busy = false;
        e->in_flight--;
    }
    return rc;
}

/* ---- completion -------------------------------------------------------- */

/* Runs the step's captures on the kept response; METRICS_ERR_EXPECT when
 * one does not resolve. */
static enum metrics_errclass run_captures(struct loader__engine *e,
                                          const struct loader_step *s,
                                          struct loader__vu *vu)
{
    for (size_t i = 0; i < s->n_captures; i++) {
        const struct loader_capture *cap = &s->captures[i];
        char *val = NULL;
        int rc;

        if (vu->resp_overflow && cap->kind != LOADER_CAPTURE_HEADER)
            return METRICS_ERR_EXPECT;
        rc = loader__capture_value(cap, vu->tmp.p, vu->tmp.len, vu->resp.p,
                                   vu->resp.len, &val);
        if (rc == LOADER_ENOMEM && !e->fatal)
            e->fatal = rc;
        if (rc)
            return METRICS_ERR_EXPECT;
        rc = loader__vars_set(&vu->vars, cap->var, val);
        free(val);
        if (rc) {
            if (!e->fatal)
                e->fatal = rc;
            return METRICS_ERR_OTHER;
        }
    }
    return METRICS_ERR_NONE;
}

void loader__vu_complete(struct loader__engine *e, struct loader__vu *vu,
                         const struct loader__outcome *oc, uint64_t now_ns)
{
    const struct loader_scenario *sc = &e->p->scenarios[vu->scenario];
    const struct loader_step *s = &sc->steps[vu->step];
    enum metrics_errclass err = oc->transport_err;
    bool has_latency;
    int status = 0, grpc = -1;
    uint64_t lat_us = now_ns > vu->sent_ns ? (now_ns - vu->sent_ns) / 1000 : 0;

    vu->busy = false;
    if (e->in_flight)
        e->in_flight--;
    if (err != METRICS_ERR_NONE) {
        /* a stream cut mid-way ran until the cut */
        has_latency = err == METRICS_ERR_TIMEOUT || loader__vu_stream_began(vu);
    } else {
        status = oc->status;
        has_latency = status > 0;
        if (s->grpc) {
            /* no grpc-status: INTERNAL, as gRPC's clients report it */
            grpc = status == 200 ? (oc->grpc_status >= 0 ? oc->grpc_status : 13)
                                 : -1;
            err = loader__grpc_errclass(s->grpc, status, oc->grpc_status);
        } else {
            err = loader__status_errclass(s, status);
        }
        if (err == METRICS_ERR_NONE &&
            !loader__expect_body(s, vu->resp.p, vu->resp.len, vu->resp_overflow,
                                 NULL, 0))
            err = METRICS_ERR_EXPECT;
        if (err == METRICS_ERR_NONE && s->n_captures)
            err = run_captures(e, s, vu);
    }
    err = loader__vu_stream_end(e, vu, err, now_ns); /* stream: steps */
    /* arrivals are dropped only while every slot is busy, so one of them
     * completes after the last drop: the count is final at the end */
    e->res->meta.dropped = e->dropped;
    if (vu->measured) {
        struct metrics_endpoint *ep = e->step_ep[vu->scenario][vu->step];
        int64_t wall = loader__wall_ns(e, now_ns);
        int64_t second = wall / 1000000000;

        if (metrics_endpoint_record(
                ep, second, has_latency, lat_us,
                status >= 0 && status < METRICS_STATUS_MAX ? status : 0, err) &&
            !e->fatal)
            e->fatal = LOADER_ENOMEM;
        if (e->fine_ms && wall / 1000000 < e->fine_until_ms &&
            metrics_endpoint_record_fine(ep, wall / 1000000, e->fine_ms,
                                         has_latency, lat_us, err) &&
            !e->fatal)
            e->fatal = LOADER_ENOMEM;
        if (grpc >= 0)
            metrics_endpoint_record_grpc(ep, grpc);
        e->done_measured++;
        if (err != METRICS_ERR_NONE)
            e->errors_measured++;
        if (has_latency)
            metrics_hist_record(e->all_hist, lat_us);
    }
    vu->resp.len = 0;
    vu->resp_overflow = false;
    vu->tmp.len = 0;

    /* Next step, or a new iteration with fresh captures (seeded again
     * when it starts). */
    if (++vu->step >= sc->n_steps) {
        vu->step = 0;
        vu->iteration++;
        vu->started = false;
        loader__vars_clear(&vu->vars);
    }

    if (e->open_model) {
        e->free_slots[e->n_free++] = vu->id - 1;
        return;
    }
    if (e->stopping) {
        if (vu->active) {
            vu->active = false;
            e->active_users--;
        }
        return;
    }
    vu->due_ns = now_ns + loader__think_ns(&e->p->load, &vu->rng);
    if (loader__heap_push(e, vu) && !e->fatal)
        e->fatal = LOADER_ENOMEM;
}

void loader__vu_release(struct loader__vu *vu)
{
    loader__vars_release(&vu->vars);
    loader__buf_release(&vu->url);
    loader__buf_release(&vu->body);
    loader__buf_release(&vu->hdr);
    loader__buf_release(&vu->tmp);
    loader__buf_release(&vu->resp);
    loader__vu_stream_release(vu);
    free(vu->headers);
    vu->headers = NULL;
    vu->n_headers = vu->cap_headers = 0;
}

int loader__vu_body(struct loader__vu *vu, const char *data, size_t n)
{
    if (vu->resp_overflow)
        return 0;
    if (vu->resp.len + n > RESP_CAP) {
        vu->resp_overflow = true;
        return 0;
    }
    return loader__buf_append(&vu->resp, data, n);
}
