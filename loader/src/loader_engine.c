/* loader_run(): checks the plan and the file limit, picks the transport
 * and the number of loops (loader_transport.c, loader_limits.c,
 * loader_threads.c), drives the event loop of the closed or the open
 * model, and fills in the results document. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "loader_engine_internal.h"
#include "loader_stream_internal.h"

#ifndef LOADGATE_VERSION
#define LOADGATE_VERSION "0"
#endif

#define NS_PER_S 1000000000.0
#define MAX_WAIT_NS UINT64_C(100000000) /* re-check the stop flag */
#define SATURATED_MEAN_US 10000.0
#define SATURATED_P99_US UINT64_C(100000)

uint64_t loader__mono_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int64_t loader__wall_ns(const struct loader__engine *e, uint64_t mono_ns)
{
    return e->start_wall_ns + (int64_t)(mono_ns - e->start_ns);
}

static uint64_t secs_to_ns(double s)
{
    if (!(s > 0))
        return 0;
    if (s > 1e9) /* ~31 years: "forever" */
        return UINT64_MAX / 4;
    return (uint64_t)(s * NS_PER_S);
}

/* ---- timer heap (min-heap of users by due time) ----------------------- */

static void heap_swap(struct loader__engine *e, size_t a, size_t b)
{
    struct loader__vu *t = e->heap[a];

    e->heap[a] = e->heap[b];
    e->heap[b] = t;
    e->heap[a]->heap_pos = a;
    e->heap[b]->heap_pos = b;
}

int loader__heap_push(struct loader__engine *e, struct loader__vu *vu)
{
    size_t i = e->heap_len;

    if (vu->heap_pos != SIZE_MAX || e->heap_len >= e->n_vus)
        return LOADER_EINVAL; /* already queued: cannot happen */
    e->heap[i] = vu;
    vu->heap_pos = i;
    e->heap_len++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;

        if (e->heap[parent]->due_ns <= e->heap[i]->due_ns)
            break;
        heap_swap(e, parent, i);
        i = parent;
    }
    return 0;
}

static struct loader__vu *heap_pop(struct loader__engine *e)
{
    struct loader__vu *top = e->heap[0];
    size_t i = 0;

    e->heap_len--;
    if (e->heap_len > 0) {
        e->heap[0] = e->heap[e->heap_len];
        e->heap[0]->heap_pos = 0;
    }
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;

        if (l < e->heap_len && e->heap[l]->due_ns < e->heap[m]->due_ns)
            m = l;
        if (r < e->heap_len && e->heap[r]->due_ns < e->heap[m]->due_ns)
            m = r;
        if (m == i)
            break;
        heap_swap(e, i, m);
        i = m;
    }
    top->heap_pos = SIZE_MAX;
    return top;
}

/* ---- the loop ------------------------------------------------------------ */

static void stop_sending(struct loader__engine *e, uint64_t at_ns)
{
    if (e->stopping)
        return;
    e->stopping = true;
    e->stopped_ns = at_ns;
}

static void record_lateness(struct loader__engine *e, uint64_t due_ns,
                            uint64_t now_ns)
{
    if (due_ns < e->measure_start_ns)
        return;
    metrics_hist_record(e->late_hist,
                        now_ns > due_ns ? (now_ns - due_ns) / 1000 : 0);
}

static void report_progress(struct loader__engine *e, uint64_t now_ns)
{
    const struct loader_run_opts *o = e->o;
    struct loader_progress pr;
    uint64_t p95_us;
    double span;

    if ((!o->progress && !e->share) || now_ns < e->next_progress_ns)
        return;
    memset(&pr, 0, sizeof(pr));
    pr.users = e->open_model ? e->in_flight : e->active_users;
    pr.requests = e->done_measured;
    pr.errors = e->errors_measured;
    p95_us = metrics_hist_percentile(e->all_hist, 95);
    if (e->share) {
        struct loader__progress_slot *me = &e->share[e->share_idx];

        atomic_store_explicit(&me->done, pr.requests, memory_order_relaxed);
        atomic_store_explicit(&me->errors, pr.errors, memory_order_relaxed);
        atomic_store_explicit(&me->users, pr.users, memory_order_relaxed);
        atomic_store_explicit(&me->p95_us, p95_us, memory_order_relaxed);
    }
    if (o->progress && e->share) {
        /* the sum of the loops (each as of its last publication); the
         * p95 of the slowest loop, as percentiles do not add up */
        pr.requests = pr.errors = 0;
        pr.users = 0;
        for (unsigned i = 0; i < e->share_n; i++) {
            struct loader__progress_slot *s = &e->share[i];
            uint64_t q = atomic_load_explicit(&s->p95_us, memory_order_relaxed);

            pr.requests += atomic_load_explicit(&s->done, memory_order_relaxed);
            pr.errors += atomic_load_explicit(&s->errors, memory_order_relaxed);
            pr.users += atomic_load_explicit(&s->users, memory_order_relaxed);
            if (q > p95_us)
                p95_us = q;
        }
    }
    if (o->progress) {
        span = (double)(now_ns - e->last_progress_ns) / NS_PER_S;
        pr.elapsed_s = (double)(now_ns - e->start_ns) / NS_PER_S;
        pr.warming_up = now_ns < e->measure_start_ns;
        pr.rps = span > 0 && pr.requests >= e->last_progress_done
                     ? (double)(pr.requests - e->last_progress_done) / span
                     : 0;
        pr.p95_ms = (double)p95_us / 1000.0;
        pr.live = e->res;
        o->progress(&pr, o->progress_ud);
    }
    e->last_progress_ns = now_ns;
    e->last_progress_done = pr.requests;
    e->next_progress_ns =
        now_ns +
        secs_to_ns(o->progress_interval_s > 0 ? o->progress_interval_s : 1.0);
}

/* Sends every closed-model user whose time has come. */
static void closed_dispatch(struct loader__engine *e, uint64_t now_ns)
{
    while (!e->stopping && !e->fatal && e->heap_len > 0 &&
           e->heap[0]->due_ns <= now_ns) {
        struct loader__vu *vu = heap_pop(e);
        int rc;

        record_lateness(e, vu->due_ns, now_ns);
        /* load.iterations: once that many have started in the measured
         * window, a user done with its iteration starts no other */
        if (!vu->started && e->p->load.iterations &&
            now_ns >= e->measure_start_ns) {
            if (e->iterations_started >= e->p->load.iterations) {
                if (vu->active) {
                    vu->active = false;
                    e->active_users--;
                }
                continue;
            }
            e->iterations_started++;
        }
        if (!vu->active) {
            vu->active = true;
            e->active_users++;
        }
        rc = loader__vu_send(e, vu, now_ns, now_ns);
        if (rc)
            e->fatal = rc;
    }
}

static void next_arrival(struct loader__engine *e)
{
    double t;

    e->next_arrival++;
    if (!loader__arrival_time(&e->p->load, e->next_arrival, &t)) {
        e->arrivals_done = true;
        return;
    }
    e->next_arrival_ns = e->start_ns + secs_to_ns(t);
}

/* Starts every open-model arrival whose time has come, each on a free
 * slot; an arrival without one is dropped. */
static void open_dispatch(struct loader__engine *e, uint64_t now_ns)
{
    while (!e->stopping && !e->fatal && !e->arrivals_done &&
           e->next_arrival_ns <= now_ns) {
        uint64_t due = e->next_arrival_ns;

        if (due >= e->send_end_ns) {
            e->arrivals_done = true;
            break;
        }
        if (e->n_free > 0) {
            struct loader__vu *vu = &e->vus[e->free_slots[--e->n_free]];
            int rc;

            record_lateness(e, due, now_ns);
            /* Latency counts from the scheduled time: a late send is the
             * generator's delay the user would have seen too. */
            rc = loader__vu_send(e, vu, due, now_ns);
            if (rc)
                e->fatal = rc;
        } else if (due >= e->measure_start_ns) {
            e->dropped++;
        }
        next_arrival(e);
    }
}

int loader__engine_loop(struct loader__engine *e,
                        const struct loader__transport_ops *t)
{
    for (;;) {
        uint64_t now = e->now_ns(), deadline;
        int rc;

        if (e->fatal)
            return e->fatal;
        if (!e->stopping) {
            if (e->o->stop && *e->o->stop) {
                e->interrupted = true;
                stop_sending(e, now);
            } else if (now >= e->send_end_ns) {
                stop_sending(e, e->send_end_ns);
            } else if (e->open_model && e->arrivals_done && e->in_flight == 0) {
                stop_sending(e, now);
            } else if (!e->open_model && e->p->load.iterations &&
                       e->iterations_started >= e->p->load.iterations &&
                       e->heap_len == 0 && e->in_flight == 0) {
                stop_sending(e, now); /* every iteration has finished */
            }
        }
        if (e->open_model)
            open_dispatch(e, now);
        else
            closed_dispatch(e, now);
        if (e->fatal)
            return e->fatal;
        report_progress(e, now);
        if (e->stopping && e->in_flight == 0)
            return 0;

        deadline = now + MAX_WAIT_NS;
        if (!e->stopping) {
            if (!e->open_model && e->heap_len > 0 &&
                e->heap[0]->due_ns < deadline)
                deadline = e->heap[0]->due_ns;
            if (e->open_model && !e->arrivals_done &&
                e->next_arrival_ns < deadline)
                deadline = e->next_arrival_ns;
            if (e->send_end_ns < deadline)
                deadline = e->send_end_ns;
        }
        if ((e->o->progress || e->share) && e->next_progress_ns < deadline)
            deadline = e->next_progress_ns;
        if ((rc = t->poll(e, deadline)))
            return rc;
    }
}

/* ---- setup and results -------------------------------------------------- */

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

/* What the run measured and how.  Where it ran (host, git commit and
 * branch from the CI's variables) is not the engine's business: cmd adds
 * it (cmd_run_meta). */
static int fill_meta(struct loader__engine *e)
{
    struct metrics_results *r = e->res;
    struct metrics_meta *m = &r->meta;
    const struct loader_plan *p = e->p;
    const struct loader_load *l = &p->load;
    char ts[32];
    uint64_t end = e->stopped_ns ? e->stopped_ns : e->now_ns();
    int64_t wall0 = loader__wall_ns(e, e->measure_start_ns);

    r->start_second = wall0 / 1000000000;
    metrics_format_utc(r->start_second, ts, sizeof(ts));
    free(r->timestamp);
    r->timestamp = strdup(ts);
    r->duration_s = end > e->measure_start_ns
                        ? (double)(end - e->measure_start_ns) / NS_PER_S
                        : 0;
    r->concurrent_users = l->users;
    r->partial = e->interrupted;

    m->loadgate_version = strdup(LOADGATE_VERSION);
    m->profile_sha256 = strdup(p->sha256);
    m->profile_name = dup_or_null(p->name);
    m->cpus = (int)sysconf(_SC_NPROCESSORS_ONLN);
    m->model = strdup(e->open_model ? "open" : "closed");
    m->source = strdup("loadgate");
    m->warmup_s = l->warmup_s;
    if (e->open_model) {
        /* The mean rate the profile asked for over the measured window. */
        double rate = l->rate;

        if (l->n_stages > 0 && r->duration_s > 0) {
            double t0 = (double)(e->measure_start_ns - e->start_ns) / NS_PER_S;
            double t1 = t0 + r->duration_s, a = 0, b = 0;

            /* arrivals due before t, by bisection on the arrival index */
            for (int which = 0; which < 2; which++) {
                double target = which ? t1 : t0, t;
                uint64_t lo = 0, hi = 1;

                while (loader__arrival_time(l, hi, &t) && t < target &&
                       hi < (UINT64_C(1) << 40))
                    hi *= 2;
                while (lo + 1 < hi) {
                    uint64_t mid = lo + (hi - lo) / 2;

                    if (loader__arrival_time(l, mid, &t) && t < target)
                        lo = mid;
                    else
                        hi = mid;
                }
                if (which)
                    b = (double)lo;
                else
                    a = (double)lo;
            }
            rate = (b - a) / r->duration_s;
        }
        m->target_rps = rate;
    }
    m->achieved_rps =
        r->duration_s > 0 ? (double)e->done_measured / r->duration_s : 0;
    if (metrics_hist_count(e->late_hist) > 0 &&
        (metrics_hist_mean(e->late_hist) > SATURATED_MEAN_US ||
         metrics_hist_percentile(e->late_hist, 99) > SATURATED_P99_US))
        m->saturated = true;
    if (!r->timestamp || !m->loadgate_version || !m->profile_sha256 ||
        !m->model || !m->source || (p->name && !m->profile_name))
        return LOADER_ENOMEM;
    return 0;
}

/*
 * A measured window shorter than FINE_BELOW_S has too few seconds for the
 * verdict's windows (a 30 s run has 30, where 60 of 500 ms give the
 * paired test of an A/B run its power): the endpoints also record a fine
 * timeline of about 60 slots (100 ms when the length is not known, then
 * only for the first FINE_CAP_S: a longer run has seconds enough, and the
 * fine timeline, incomplete, is not written).
 */
#define FINE_BELOW_S 60.0
#define FINE_CAP_S 60.0

unsigned loader__fine_ms(double duration_s)
{
    static const unsigned steps[] = {100, 125, 200, 250, 500};
    double want = duration_s * 1000.0 / 60.0;
    unsigned ms = steps[0];

    if (duration_s >= FINE_BELOW_S)
        return 0;
    for (size_t i = 1; duration_s > 0 && i < sizeof(steps) / sizeof(*steps);
         i++)
        if (steps[i] <= want)
            ms = steps[i];
    return ms;
}

static void fine_timeline(struct loader__engine *e, double duration_s)
{
    e->fine_ms = loader__fine_ms(duration_s);
    if (e->fine_ms == 0)
        return;
    e->fine_until_ms = duration_s > 0
                           ? INT64_MAX
                           : loader__wall_ns(e, e->measure_start_ns) / 1000000 +
                                 (int64_t)(FINE_CAP_S * 1000.0);
}

static int make_endpoints(struct loader__engine *e)
{
    const struct loader_plan *p = e->p;

    e->step_ep = calloc(p->n_scenarios, sizeof(*e->step_ep));
    if (!e->step_ep)
        return LOADER_ENOMEM;
    for (size_t i = 0; i < p->n_scenarios; i++) {
        const struct loader_scenario *sc = &p->scenarios[i];

        e->step_ep[i] = calloc(sc->n_steps, sizeof(**e->step_ep));
        if (!e->step_ep[i])
            return LOADER_ENOMEM;
        for (size_t k = 0; k < sc->n_steps; k++) {
            char buf[2048];
            size_t m = loader_step_endpoint(&sc->steps[k], buf, sizeof(buf));

            const char *path = "";

            if (buf[m] == ' ')
                path = buf + m + 1;
            buf[m] = '\0';
            e->step_ep[i][k] =
                metrics_results_endpoint(e->res, buf, path, true);
            if (!e->step_ep[i][k] ||
                loader__stream_declare(e->step_ep[i][k], &sc->steps[k]))
                return LOADER_ENOMEM;
        }
    }
    return 0;
}

static void free_endpoints(struct loader__engine *e)
{
    if (!e->step_ep)
        return;
    for (size_t i = 0; i < e->p->n_scenarios; i++)
        free(e->step_ep[i]);
    free(e->step_ep);
}

void loader__record_timing(struct loader__engine *e,
                           const struct loader__vu *vu, uint64_t connect_us,
                           uint64_t tls_us, uint64_t ttfb_us)
{
    if (!vu->measured || !vu->started)
        return;
    if (metrics_endpoint_record_timing(e->step_ep[vu->scenario][vu->step],
                                       connect_us, tls_us, ttfb_us) &&
        !e->fatal)
        e->fatal = LOADER_ENOMEM;
}

/* loader__run_loop(): see loader_engine_internal.h. */
int loader__run_loop(const struct loader_plan *p,
                     const struct loader_run_opts *o,
                     const struct loader__transport_ops *t, unsigned vu_base,
                     unsigned vu_total, struct loader__progress_slot *share,
                     unsigned share_idx, unsigned share_n,
                     struct metrics_results **out, char *errbuf, size_t errlen)
{
    struct loader__engine e;
    const struct loader_load *l;
    bool transport_open = false;
    /* waits end within 1 us of their deadline, not the default 50 us:
     * an arrival sent late counts its delay in its latency */
    int slack = prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0);
    unsigned slots;
    int rc;

    memset(&e, 0, sizeof(e));
    prctl(PR_SET_TIMERSLACK, LOADER__TIMER_SLACK_NS, 0, 0, 0);
    l = &p->load;
    e.p = p;
    e.o = o;
    e.now_ns = loader__mono_ns;
    e.ops = t;
    e.errbuf = errbuf;
    e.errlen = errlen;
    e.open_model = l->model == LOADER_MODEL_OPEN;
    e.share = share;
    e.share_idx = share_idx;
    e.share_n = share_n;
    slots = loader__slots(l);
    e.vu_total = vu_total > slots ? vu_total : slots;

    rc = LOADER_ENOMEM;
    if (metrics_results_new(&e.res) || metrics_hist_new(&e.all_hist) ||
        metrics_hist_new(&e.late_hist))
        goto out;
    if (make_endpoints(&e))
        goto out;
    e.n_vus = slots;
    e.vus = calloc(slots, sizeof(*e.vus));
    e.heap = calloc(slots, sizeof(*e.heap));
    if (!e.vus || !e.heap)
        goto out;
    if (e.open_model) {
        e.free_slots = calloc(slots, sizeof(*e.free_slots));
        if (!e.free_slots)
            goto out;
    }
    for (unsigned i = 0; i < slots; i++) {
        e.vus[i].id = i + 1;
        e.vus[i].number = vu_base + i + 1;
        e.vus[i].rng = loader__rng_seed(vu_base + i + 1);
        e.vus[i].heap_pos = SIZE_MAX;
    }
    if ((rc = t->open(&e, slots, errbuf, errlen)))
        goto out;
    transport_open = true;

    {
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        e.start_ns = e.now_ns();
        e.start_wall_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
    }
    e.measure_start_ns = e.start_ns + secs_to_ns(l->warmup_s);
    e.send_end_ns = UINT64_MAX;
    if (l->duration_s > 0)
        e.send_end_ns = e.measure_start_ns + secs_to_ns(l->duration_s);
    else if (e.open_model && l->n_stages > 0 && l->requests == 0)
        e.send_end_ns = e.start_ns + secs_to_ns(loader__stages_length(l));
    e.last_progress_ns = e.start_ns;
    e.next_progress_ns = e.start_ns;
    fine_timeline(&e, l->duration_s);

    if (e.open_model) {
        double t0;

        for (unsigned i = 0; i < slots; i++)
            e.free_slots[e.n_free++] = slots - 1 - i; /* slot 0 on top */
        if (loader__arrival_time(l, 0, &t0))
            e.next_arrival_ns = e.start_ns + secs_to_ns(t0);
        else
            e.arrivals_done = true;
    } else {
        /* Loop k of n starts its users at k/n of its own spawn interval
         * (its part of spawn_rate is the whole / n): together the loops
         * start one user every 1/spawn_rate seconds, as one loop would. */
        double phase = share_n > 1 ? (double)share_idx / share_n : 0;

        for (unsigned i = 0; i < slots; i++) {
            e.vus[i].due_ns =
                e.start_ns + (l->spawn_rate > 0
                                  ? secs_to_ns((i + phase) / l->spawn_rate)
                                  : 0);
            loader__heap_push(&e, &e.vus[i]);
        }
    }

    rc = loader__engine_loop(&e, t);
    if (rc) {
        if (errbuf && errlen && !errbuf[0])
            loader__set_err(errbuf, errlen, rc, "the %s engine failed: %s",
                            t->name, loader_strerror(rc));
        goto out;
    }
    if ((rc = fill_meta(&e)))
        goto out;
    *out = e.res;
    e.res = NULL;
out:
    if (slack > 0)
        prctl(PR_SET_TIMERSLACK, (unsigned long)slack, 0, 0, 0);
    if (transport_open)
        t->close(&e);
    if (e.vus)
        for (unsigned i = 0; i < e.n_vus; i++)
            loader__vu_release(&e.vus[i]);
    free(e.vus);
    free(e.heap);
    free(e.free_slots);
    free_endpoints(&e);
    metrics_hist_free(e.all_hist);
    metrics_hist_free(e.late_hist);
    metrics_results_free(e.res);
    return rc;
}

int loader_run(const struct loader_plan *p, const struct loader_run_opts *o,
               struct metrics_results **out, char *errbuf, size_t errlen)
{
    static const struct loader_run_opts no_opts;
    const struct loader__transport_ops *t;
    unsigned slots, threads;
    int rc;

    if (errbuf && errlen)
        errbuf[0] = '\0';
    if (!out)
        return loader__set_err(errbuf, errlen, LOADER_EINVAL,
                               "no place for results");
    *out = NULL;
    if (!p)
        return loader__set_err(errbuf, errlen, LOADER_EINVAL, "no profile");
    if (!o)
        o = &no_opts;
    if ((rc = loader_plan_check(p, errbuf, errlen)))
        return rc;
    slots = loader__slots(&p->load);
    t = loader__pick_transport(p);
    if ((rc = loader__check_nofile(slots, p->load.model == LOADER_MODEL_OPEN,
                                   t == &loader__fast_transport, errbuf,
                                   errlen)))
        return rc;
    threads = o->threads > 1 ? o->threads : 1;
    if (threads > slots)
        threads = slots;
    if (p->load.requests && threads > p->load.requests)
        threads = (unsigned)p->load.requests;
    if (p->load.iterations && threads > p->load.iterations)
        threads = (unsigned)p->load.iterations;
    if (threads <= 1)
        return loader__run_loop(p, o, t, 0, 0, NULL, 0, 0, out, errbuf, errlen);
    return loader__run_threads(p, o, t, threads, out, errbuf, errlen);
}
