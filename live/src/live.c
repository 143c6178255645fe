/*
 * The live server's state: the engine's thread copies what it measured
 * (live_update: counters, whole-run histograms, the whole seconds of the
 * timelines), a worker thread turns the copy into what is served once a
 * second (live__view, the snapshot JSON, a chart point), and live_finish
 * puts the judged run and its verdict in their place.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "live_internal.h"

/* ---- the engine's copy ----------------------------------------------------
 */

/* Makes dst hold src's counters and whole-run histogram, and the whole
 * seconds of its timeline (all but the newest point, which may still be
 * filling; points are only ever appended).  Returns 0 or an error. */
static int copy_endpoint(struct metrics_endpoint *dst,
                         const struct metrics_endpoint *src,
                         const struct metrics_hist *empty)
{
    struct metrics_endpoint more = {.hist = (struct metrics_hist *)empty};
    int64_t have =
        dst->n_timeline ? dst->timeline[dst->n_timeline - 1].second : INT64_MIN;
    size_t whole = src->n_timeline ? src->n_timeline - 1 : 0, k = 0;
    int rc;

    while (k < whole && src->timeline[k].second <= have)
        k++;
    if (k < whole) { /* the new whole seconds, through merge's appending */
        more.timeline = &src->timeline[k];
        more.n_timeline = whole - k;
        if ((rc = metrics_endpoint_merge(dst, &more)))
            return rc;
    }
    metrics_hist_reset(dst->hist);
    if (metrics_hist_add(dst->hist, src->hist))
        return METRICS_ENOMEM;
    dst->requests = src->requests;
    dst->errors = src->errors;
    memcpy(dst->err_class, src->err_class, sizeof(dst->err_class));
    memcpy(dst->status, src->status, sizeof(dst->status));
    /* streaming thresholds (ttft, itl, goodput...) read the streams */
    metrics_stream_free(dst->stream);
    dst->stream = NULL;
    if (src->stream && metrics_stream_merge(&dst->stream, src->stream))
        return METRICS_ENOMEM;
    return 0;
}

/* Endpoints are only appended to a run's results, in the same order. */
static int copy_results(struct live *l, const struct metrics_results *src)
{
    struct metrics_results *dst = l->copy;

    for (size_t i = 0; i < src->n_endpoints; i++) {
        const struct metrics_endpoint *s = src->endpoints[i];
        struct metrics_endpoint *d =
            i < dst->n_endpoints
                ? dst->endpoints[i]
                : metrics_results_endpoint(dst, s->method, s->path, true);
        int rc;

        if (!d)
            return METRICS_ENOMEM;
        if ((rc = copy_endpoint(d, s, l->empty)))
            return rc;
    }
    dst->start_second = src->start_second;
    return 0;
}

void live_update(struct live *l, const struct live_sample *s)
{
    struct metrics_results *fresh = NULL;

    if (!l || !s || pthread_mutex_trylock(&l->copy_lock) != 0)
        return; /* the worker reads the copy: the next sample will do */
    if (l->finished_copy)
        goto out;
    if (l->have_sample && s->elapsed_s + 0.25 < l->sample.elapsed_s) {
        /* a new run (--repeat): its own numbers from zero */
        if (metrics_results_new(&fresh))
            goto out;
        metrics_results_free(l->copy);
        l->copy = fresh;
        l->measure_start_s = -1;
        l->run++;
    }
    l->sample = *s;
    l->sample.results = NULL;
    l->have_sample = true;
    if (!s->warming_up && l->measure_start_s < 0)
        l->measure_start_s = s->elapsed_s;
    l->copy->duration_s =
        l->measure_start_s >= 0 ? s->elapsed_s - l->measure_start_s : 0;
    if (s->results && copy_results(l, s->results)) {
        /* out of memory: start over at the next sample */
        if (metrics_results_new(&fresh) == 0) {
            metrics_results_free(l->copy);
            l->copy = fresh;
        }
    }
    l->copy_gen++;
out:
    pthread_mutex_unlock(&l->copy_lock);
}

/* ---- the worker ---------------------------------------------------------- */

/* One chart point: time, users, rates, errors per second, p95 of each
 * endpoint's last whole second. */
static json_t *chart_point(struct live *l, const struct live__view *v, int run)
{
    json_t *p95 = json_object();
    double dt = v->elapsed_s - l->last_errors_t;
    double eps = dt > 0 && v->errors >= l->last_errors
                     ? (double)(v->errors - l->last_errors) / dt
                     : 0;

    l->last_errors_t = v->elapsed_s;
    l->last_errors = v->errors;
    for (size_t i = 0; p95 && i < v->n_eps; i++)
        if (v->eps[i].p95_now >= 0)
            json_object_set_new(p95, v->eps[i].name,
                                json_real(v->eps[i].p95_now));
    return json_pack("{s:f,s:i,s:f,s:f,s:f,s:o?,s:i}", "t", v->elapsed_s,
                     "users", (int)v->users, "rps", v->rps, "target",
                     v->target_rps, "eps", eps, "p95", p95, "run", run);
}

/* Replaces what is served (unless the run is judged already).  Takes v's
 * contents. */
static void publish(struct live *l, struct live__view *v, json_t *doc,
                    json_t *point, bool final)
{
    char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;

    pthread_mutex_lock(&l->lock);
    if (text && (!l->finished || final)) {
        free(l->snapshot);
        l->snapshot = text;
        text = NULL;
        live__view_release(&l->view);
        l->view = *v;
        memset(v, 0, sizeof(*v));
        if (point && l->history) {
            if (json_array_size(l->history) >= LIVE__HISTORY)
                json_array_remove(l->history, 0);
            json_array_append(l->history, point);
        }
        l->finished = l->finished || final;
        l->seq++;
        pthread_cond_broadcast(&l->cond);
    }
    pthread_mutex_unlock(&l->lock);
    free(text);
    live__view_release(v);
}

/* The last few chart points, so that a page missing one snapshot misses
 * no point (it drops the ones it has). */
static json_t *recent_points(struct live *l, json_t *point)
{
    json_t *a = json_array();
    size_t n;

    pthread_mutex_lock(&l->lock);
    n = l->history ? json_array_size(l->history) : 0;
    for (size_t i = n > 4 ? n - 4 : 0; a && i < n; i++)
        json_array_append(a, json_array_get(l->history, i));
    pthread_mutex_unlock(&l->lock);
    if (a && point)
        json_array_append(a, point);
    return a;
}

static void tick(struct live *l)
{
    struct live__view v = {0};
    json_t *point = NULL, *doc;
    bool fresh;
    int rc = 0, run;

    pthread_mutex_lock(&l->lock);
    v.stopping = l->stop_requested;
    pthread_mutex_unlock(&l->lock);
    pthread_mutex_lock(&l->copy_lock);
    fresh = l->copy_gen != l->worked_gen || !l->have_sample;
    l->worked_gen = l->copy_gen;
    if (l->finished_copy) {
        pthread_mutex_unlock(&l->copy_lock);
        return;
    }
    v.elapsed_s = l->sample.elapsed_s;
    v.warming_up = l->sample.warming_up;
    v.users = l->sample.users;
    v.target_rps = l->sample.target_rps;
    v.rps = l->sample.rps;
    v.requests = l->sample.requests;
    v.errors = l->sample.errors;
    run = l->run;
    if (l->have_sample)
        rc = live__view_endpoints(&v, l->copy, true, l->baseline);
    if (!rc)
        rc = live__evaluate(&v, l->ths, l->n_ths,
                            l->have_sample ? l->copy : NULL, l->baseline);
    pthread_mutex_unlock(&l->copy_lock);
    if (rc) {
        live__view_release(&v);
        return;
    }
    if (fresh && l->have_sample)
        point = chart_point(l, &v, run);
    doc = live__view_json(&v, l->title, l->baseline_name,
                          recent_points(l, point));
    publish(l, &v, doc, point, false);
    json_decref(point);
    json_decref(doc);
}

static void *worker_main(void *arg)
{
    struct live *l = arg;
    struct timespec next, now;

    clock_gettime(CLOCK_REALTIME, &next);
    pthread_mutex_lock(&l->lock);
    while (!l->closing && !l->finished) {
        pthread_mutex_unlock(&l->lock);
        tick(l);
        /* once a second; a tick that took longer delays the next */
        clock_gettime(CLOCK_REALTIME, &now);
        next.tv_sec += 1;
        if (next.tv_sec < now.tv_sec ||
            (next.tv_sec == now.tv_sec && next.tv_nsec < now.tv_nsec)) {
            next = now;
            next.tv_sec += 1;
        }
        pthread_mutex_lock(&l->lock);
        while (!l->closing && !l->finished &&
               pthread_cond_timedwait(&l->cond, &l->lock, &next) != ETIMEDOUT)
            ;
    }
    pthread_mutex_unlock(&l->lock);
    return NULL;
}

/* ---- the public face ------------------------------------------------------
 */

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

static void live_free(struct live *l)
{
    if (!l)
        return;
    live__daemon_stop(l->ui);
    live__daemon_stop(l->metrics);
    if (l->worker_started)
        pthread_join(l->worker, NULL);
    free(l->token);
    free(l->title);
    free(l->baseline_name);
    free(l->snapshot);
    free(l->report_path);
    live__view_release(&l->view);
    json_decref(l->history);
    metrics_results_free(l->copy);
    metrics_hist_free(l->empty);
    pthread_mutex_destroy(&l->copy_lock);
    pthread_mutex_destroy(&l->lock);
    pthread_cond_destroy(&l->cond);
    free(l);
}

static int start_daemons(struct live *l, const struct live_opts *o,
                         char *errbuf, size_t errlen)
{
    struct live__addr ui, m;
    int rc;

    if (o->ui && (rc = live_check_listen(o->ui, o->token, errbuf, errlen)))
        return rc;
    if (o->metrics &&
        (rc = live_check_listen(o->metrics, o->token, errbuf, errlen)))
        return rc;
    if (o->ui) {
        live__parse_listen(o->ui, &ui, errbuf, errlen);
        if ((rc = live__daemon_start(l, &ui, o->ui, true, &l->ui, errbuf,
                                     errlen)))
            return rc;
    }
    if (o->metrics) {
        live__parse_listen(o->metrics, &m, errbuf, errlen);
        /* the page's own address: one server for both */
        if (o->ui && m.port != 0 && m.sa_len == ui.sa_len &&
            memcmp(&m.sa, &ui.sa, m.sa_len) == 0)
            return 0;
        if ((rc = live__daemon_start(l, &m, o->metrics, false, &l->metrics,
                                     errbuf, errlen)))
            return rc;
    }
    return 0;
}

int live_start(const struct live_opts *o, struct live **out, char *errbuf,
               size_t errlen)
{
    struct live *l;
    struct live__view v = {0};
    json_t *doc;
    int rc;

    *out = NULL;
    if (errlen)
        errbuf[0] = '\0';
    if (!o || (!o->ui && !o->metrics)) {
        snprintf(errbuf, errlen, "neither a page nor metrics to serve");
        return LIVE_EINVAL;
    }
    if (!(l = calloc(1, sizeof(*l))))
        return LIVE_ENOMEM;
    pthread_mutex_init(&l->copy_lock, NULL);
    pthread_mutex_init(&l->lock, NULL);
    pthread_cond_init(&l->cond, NULL);
    l->measure_start_s = -1;
    l->run = 1;
    l->stop_cb = o->stop;
    l->stop_ud = o->stop_ud;
    l->ths = o->thresholds;
    l->n_ths = o->n_thresholds;
    l->baseline = o->baseline;
    l->token = o->token && o->token[0] ? strdup(o->token) : NULL;
    l->title = dup_or_null(o->title);
    l->baseline_name = dup_or_null(o->baseline_name);
    l->history = json_array();
    if ((o->token && o->token[0] && !l->token) || (o->title && !l->title) ||
        (o->baseline_name && !l->baseline_name) || !l->history ||
        metrics_results_new(&l->copy) || metrics_hist_new(&l->empty)) {
        live_free(l);
        return LIVE_ENOMEM;
    }
    /* something to serve before the first sample: the thresholds, waiting */
    if (live__view_thresholds(&v, l->ths, l->n_ths, NULL, NULL) ||
        !(doc = live__view_json(&v, l->title, l->baseline_name, NULL))) {
        live__view_release(&v);
        live_free(l);
        return LIVE_ENOMEM;
    }
    publish(l, &v, doc, NULL, false);
    json_decref(doc);
    if ((rc = start_daemons(l, o, errbuf, errlen))) {
        live_free(l);
        return rc;
    }
    if (pthread_create(&l->worker, NULL, worker_main, l) != 0) {
        snprintf(errbuf, errlen, "cannot start the live server's thread");
        live_free(l);
        return LIVE_ETHREAD;
    }
    l->worker_started = true;
    *out = l;
    return 0;
}

unsigned live_ui_port(const struct live *l)
{
    return l && l->ui ? live__daemon_port(l->ui) : 0;
}

unsigned live_metrics_port(const struct live *l)
{
    if (!l)
        return 0;
    return l->metrics ? live__daemon_port(l->metrics) : live_ui_port(l);
}

void live_url(const struct live *l, bool metrics, char *buf, size_t len)
{
    const struct live__daemon *d = !l                      ? NULL
                                   : metrics && l->metrics ? l->metrics
                                                           : l->ui;

    if (len)
        buf[0] = '\0';
    if (d)
        live__daemon_url(d, metrics ? "/metrics" : "/", buf, len);
}

int live_finish(struct live *l, const struct live_final *f)
{
    struct live__view v = {0};
    json_t *doc;
    int rc = 0;

    if (!l || !f)
        return 0;
    pthread_mutex_lock(&l->copy_lock);
    l->finished_copy = true; /* no more samples, no more ticks */
    v = (struct live__view){.elapsed_s = l->sample.elapsed_s,
                            .users = 0,
                            .target_rps = 0,
                            .rps = 0};
    pthread_mutex_unlock(&l->copy_lock);
    v.finished = true;
    v.exit_code = f->exit_code;
    if (f->run) {
        v.requests = metrics_results_total_requests(f->run);
        v.errors = metrics_results_total_errors(f->run);
        v.partial = f->run->partial;
        rc = live__view_endpoints(&v, f->run, true, l->baseline);
        /* rates over the whole measured window now, as the report's */
        if (f->run->duration_s > 0) {
            v.rps = (double)v.requests / f->run->duration_s;
            v.all.rps_now = v.rps;
            for (size_t i = 0; i < v.n_eps; i++)
                v.eps[i].rps_now =
                    (double)v.eps[i].requests / f->run->duration_s;
        }
    }
    if (!rc)
        rc = live__view_thresholds(&v, l->ths, l->n_ths, f->verdict, f->run);
    v.verdict = strdup(f->error                           ? "ERROR"
                       : f->verdict && f->verdict->n_fail ? "FAIL"
                       : f->verdict                       ? "PASS"
                                                          : "ERROR");
    v.line = dup_or_null(f->line);
    v.error = dup_or_null(f->error);
    v.has_report = f->report != NULL;
    if (rc || !v.verdict || (f->line && !v.line) || (f->error && !v.error)) {
        live__view_release(&v);
        return LIVE_ENOMEM;
    }
    pthread_mutex_lock(&l->lock);
    free(l->report_path);
    l->report_path = dup_or_null(f->report);
    pthread_mutex_unlock(&l->lock);
    doc = live__view_json(&v, l->title, l->baseline_name, NULL);
    if (!doc) {
        live__view_release(&v);
        return LIVE_ENOMEM;
    }
    publish(l, &v, doc, NULL, true);
    json_decref(doc);
    return 0;
}

void live_stop(struct live *l)
{
    if (!l)
        return;
    pthread_mutex_lock(&l->lock);
    l->closing = true; /* ends the event streams, and the worker */
    pthread_cond_broadcast(&l->cond);
    pthread_mutex_unlock(&l->lock);
    live_free(l);
}

int live_metrics_text(struct live *l, bool openmetrics, char **out, size_t *len)
{
    int rc;

    pthread_mutex_lock(&l->lock);
    rc = live__prom_text(&l->view, openmetrics, out, len);
    pthread_mutex_unlock(&l->lock);
    return rc;
}

char *live__history_json(struct live *l)
{
    json_t *doc = json_pack("{s:O}", "points", l->history);
    char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;

    json_decref(doc);
    return text;
}
