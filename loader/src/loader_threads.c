/* Splitting a load into parts that together drive the whole (the
 * engine's --threads loops and `run --shard` alike), and running a plan
 * on n threads, one event loop each, merging what they measured. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader_engine_internal.h"

/* ---- splitting a load: --threads and `run --shard` alike ---------------
 * Both drive part i of n of the profile's load, so that the parts together
 * drive the whole. */

/* Part i of n of whole: the first whole % n parts get one more.  A part
 * of none is an error where 0 would mean something else ("no limit",
 * "the default"): when needed. */
static int split_count(uint64_t whole, unsigned i, unsigned n, bool needed,
                       const char *what, uint64_t *out, char *errbuf,
                       size_t errlen)
{
    if (needed && whole < n)
        return loader__set_err(errbuf, errlen, LOADER_EINVAL,
                               "%s (%llu) cannot be split into %u parts (each "
                               "needs at least one)",
                               what, (unsigned long long)whole, n);
    *out = whole / n + (i < whole % n ? 1 : 0);
    return 0;
}

int loader_load_split(const struct loader_load *in, unsigned i, unsigned n,
                      struct loader_load *out, char *errbuf, size_t errlen)
{
    struct loader_load l;
    struct loader_stage *room;
    uint64_t v = 0;
    bool open;
    int rc;

    if (errbuf && errlen)
        errbuf[0] = '\0';
    if (!in || !out || n == 0 || i >= n)
        return loader__set_err(errbuf, errlen, LOADER_EINVAL,
                               "part %u of %u does not exist", i + 1, n);
    if (in->n_stages > 0 && !out->stages)
        return loader__set_err(errbuf, errlen, LOADER_EINVAL,
                               "no room for the stages");
    l = *in; /* in and out may be the same */
    room = out->stages;
    open = in->model == LOADER_MODEL_OPEN;

    /* users: the closed model's users, or the open model's cap when
     * max_in_flight does not set one */
    if ((rc = split_count(in->users, i, n,
                          in->users > 0 && !(open && in->max_in_flight),
                          "'users'", &v, errbuf, errlen)))
        return rc;
    l.users = (unsigned)v;
    if (open && !in->max_in_flight && !in->users) {
        if ((rc = split_count(LOADER_MAX_IN_FLIGHT_DEFAULT, i, n, true,
                              "the default max_in_flight", &v, errbuf, errlen)))
            return rc;
        l.max_in_flight = (unsigned)v;
    } else {
        if ((rc = split_count(in->max_in_flight, i, n,
                              open && in->max_in_flight > 0, "'max_in_flight'",
                              &v, errbuf, errlen)))
            return rc;
        l.max_in_flight = (unsigned)v;
    }
    if ((rc = split_count(in->requests, i, n, in->requests > 0, "'requests'",
                          &l.requests, errbuf, errlen)) ||
        (rc = split_count(in->iterations, i, n, in->iterations > 0,
                          "'iterations'", &l.iterations, errbuf, errlen)))
        return rc;
    l.rate = in->rate / n;
    l.spawn_rate = in->spawn_rate / n;
    for (size_t k = 0; k < in->n_stages; k++) {
        room[k].duration_s = in->stages[k].duration_s;
        room[k].rate = in->stages[k].rate / n;
    }
    if (in->n_stages > 0)
        l.stages = room;
    *out = l;
    return 0;
}

/* ---- threads ------------------------------------------------------------ */

struct run_thread {
    pthread_t tid;
    struct loader_plan prof; /* a shallow copy with this thread's share */
    struct loader_stage *stages;
    struct loader_run_opts opts;
    const struct loader__transport_ops *t;
    unsigned vu_base, vu_total;
    struct loader__progress_slot *share; /* NULL without progress */
    unsigned share_idx, share_n;
    struct metrics_results *res;
    int rc;
    char err[256];
};

static void *run_thread_main(void *arg)
{
    struct run_thread *th = arg;

    th->rc = loader__run_loop(&th->prof, &th->opts, th->t, th->vu_base,
                              th->vu_total, th->share, th->share_idx,
                              th->share_n, &th->res, th->err, sizeof(th->err));
    return NULL;
}

int loader__run_threads(const struct loader_plan *p,
                        const struct loader_run_opts *o,
                        const struct loader__transport_ops *t, unsigned n,
                        struct metrics_results **out, char *errbuf,
                        size_t errlen)
{
    const struct loader_load *l = &p->load;
    struct run_thread *th = calloc(n, sizeof(*th));
    /* one progress line for all the loops: theirs summed by the first */
    struct loader__progress_slot *share =
        o->progress ? calloc(n, sizeof(*share)) : NULL;
    unsigned started = 0, base = 0;
    double duration = 0;
    int rc = 0;

    if (!th || (o->progress && !share)) {
        free(th);
        free(share);
        return LOADER_ENOMEM;
    }
    for (unsigned i = 0; i < n; i++) {
        struct loader_load *tl = &th[i].prof.load;

        th[i].share = share;
        th[i].share_idx = i;
        th[i].share_n = n;
        th[i].prof = *p;
        th[i].t = t;
        th[i].opts = *o;
        th[i].opts.threads = 1;
        if (i > 0) { /* they publish; the first loop reports */
            th[i].opts.progress = NULL;
            th[i].opts.progress_ud = NULL;
        }
        if (l->n_stages &&
            !(th[i].stages = calloc(l->n_stages, sizeof(*th[i].stages)))) {
            rc = LOADER_ENOMEM;
            goto join;
        }
        tl->stages = th[i].stages; /* room for this loop's part */
        /* loader_run() keeps n within every count to split */
        if ((rc = loader_load_split(l, i, n, tl, errbuf, errlen)) ||
            (rc = loader_plan_check(&th[i].prof, errbuf, errlen)))
            goto join;
        th[i].vu_base = base;
        base += loader__slots(tl);
    }
    for (unsigned i = 0; i < n; i++)
        th[i].vu_total = base;
    for (; started < n; started++)
        if (pthread_create(&th[started].tid, NULL, run_thread_main,
                           &th[started]) != 0) {
            rc = loader__set_err(errbuf, errlen, LOADER_EENGINE,
                                 "cannot start engine thread %u", started + 1);
            break;
        }
join:
    for (unsigned i = 0; i < started; i++)
        pthread_join(th[i].tid, NULL);
    for (unsigned i = 0; i < started && !rc; i++)
        if (th[i].rc) {
            rc = th[i].rc;
            loader__set_err(errbuf, errlen, rc, "%s", th[i].err);
        }
    for (unsigned i = 1; i < started && !rc; i++) {
        if (metrics_results_merge(th[0].res, th[i].res))
            rc = LOADER_ENOMEM;
    }
    if (!rc && started == n) {
        struct metrics_results *r = th[0].res;

        /* The loops measured the same window: not its union, which
         * second-rounded start times could stretch. */
        for (unsigned i = 0; i < n; i++)
            if (th[i].res->duration_s > duration)
                duration = th[i].res->duration_s;
        r->duration_s = duration;
        r->concurrent_users = l->users;
        r->meta.achieved_rps =
            duration > 0 ? (double)metrics_results_total_requests(r) / duration
                         : 0;
        *out = r;
        th[0].res = NULL;
    }
    for (unsigned i = 0; i < n; i++) {
        metrics_results_free(th[i].res);
        free(th[i].stages);
    }
    free(th);
    free(share);
    return rc;
}
