/* What a plan holds that is not the engine's loop: the names of the
 * engines, what every plan must satisfy before it runs
 * (loader_plan_check()), releasing a plan, and a shard's slice of its
 * data: feeders. */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader_engine_internal.h"

static const char *const engine_names[] = {
    [LOADER_ENGINE_AUTO] = "auto",
    [LOADER_ENGINE_FAST] = "fast",
    [LOADER_ENGINE_CURL] = "curl",
};

const char *loader_engine_name(enum loader_engine e)
{
    if ((unsigned)e >= sizeof(engine_names) / sizeof(*engine_names))
        return "auto";
    return engine_names[e];
}

int loader_engine_parse(const char *name, enum loader_engine *out)
{
    if (name && strcmp(name, "fast") == 0)
        *out = LOADER_ENGINE_FAST;
    else if (name && strcmp(name, "curl") == 0)
        *out = LOADER_ENGINE_CURL;
    else
        return LOADER_EINVAL;
    return 0;
}

int loader_http_version_parse(const char *s, enum loader_http_version *out)
{
    if (s && strcmp(s, "1.1") == 0)
        *out = LOADER_HTTP_1_1;
    else if (s && (strcmp(s, "2") == 0 || strcmp(s, "2.0") == 0))
        *out = LOADER_HTTP_2;
    else if (s && strcmp(s, "auto") == 0)
        *out = LOADER_HTTP_AUTO;
    else
        return LOADER_EINVAL;
    return 0;
}

/* ---- checking a plan ----------------------------------------------- */

static int check_load(const struct loader_load *l, char *err, size_t len)
{
    bool rated = l->rate > 0 || l->n_stages > 0, any_stage_rate = false;

    if (l->model != LOADER_MODEL_CLOSED && l->model != LOADER_MODEL_OPEN)
        return loader__set_err(err, len, LOADER_EINVAL,
                               "the load has no model");
    if (l->model == LOADER_MODEL_OPEN && !rated)
        return loader__set_err(
            err, len, LOADER_EINVAL,
            "the open model needs a rate or stages (load.rate, "
            "load.stages)");
    if (l->model == LOADER_MODEL_CLOSED && rated)
        return loader__set_err(
            err, len, LOADER_EINVAL,
            "a rate or stages make the open model, but the load "
            "is closed");
    if (l->model == LOADER_MODEL_CLOSED && l->users == 0)
        return loader__set_err(err, len, LOADER_EINVAL,
                               "the profile starts no users");
    if (l->model == LOADER_MODEL_OPEN && l->iterations > 0)
        return loader__set_err(
            err, len, LOADER_EINVAL,
            "'iterations' counts the closed model's scenario runs "
            "(users); the open model stops on 'duration' or "
            "'requests'");
    if (!(l->rate >= 0) || !(l->spawn_rate >= 0) || !(l->think_min_s >= 0) ||
        !(l->think_max_s >= 0) || !(l->warmup_s >= 0) ||
        !(l->duration_s >= 0) || l->think_min_s > l->think_max_s)
        return loader__set_err(err, len, LOADER_EINVAL,
                               "negative time or rate in the load section");
    if (l->n_stages > 0 && !l->stages)
        return loader__set_err(err, len, LOADER_EINVAL,
                               "the load's stages are missing");
    for (size_t i = 0; i < l->n_stages; i++) {
        if (!(l->stages[i].duration_s > 0) || !(l->stages[i].rate >= 0))
            return loader__set_err(
                err, len, LOADER_EINVAL,
                "stage %zu needs a duration above zero and a rate of "
                "zero or more",
                i + 1);
        any_stage_rate = any_stage_rate || l->stages[i].rate > 0;
    }
    if (l->n_stages > 0 && !any_stage_rate)
        return loader__set_err(
            err, len, LOADER_EINVAL,
            "every stage has rate 0: the load would send nothing");
    if (!(l->duration_s > 0) && l->requests == 0 &&
        !(l->iterations > 0 && l->model == LOADER_MODEL_CLOSED) &&
        !(l->n_stages > 0 && loader__stages_length(l) > 0))
        return loader__set_err(
            err, len, LOADER_EINVAL,
            "the profile sets neither a duration nor a number of "
            "requests");
    return 0;
}

int loader_plan_check(const struct loader_plan *p, char *err, size_t len)
{
    int rc;

    if (err && len)
        err[0] = '\0';
    if (!p)
        return loader__set_err(err, len, LOADER_EINVAL, "no plan");
    if (!p->target || !*p->target)
        return loader__set_err(err, len, LOADER_EINVAL,
                               "the profile has no target");
    if (p->engine != LOADER_ENGINE_AUTO && p->engine != LOADER_ENGINE_FAST &&
        p->engine != LOADER_ENGINE_CURL)
        return loader__set_err(err, len, LOADER_EINVAL,
                               "the profile names no known engine");
    if (p->engine == LOADER_ENGINE_FAST && p->follow_redirects)
        return loader__set_err(
            err, len, LOADER_EINVAL,
            "'engine: fast' does not follow redirects; use engine: "
            "curl (or leave engine: out) with follow_redirects");
    if (!(p->timeout_s > 0))
        return loader__set_err(
            err, len, LOADER_EINVAL,
            "the profile's timeout must be longer than zero");
    if (p->n_scenarios == 0 || !p->scenarios)
        return loader__set_err(err, len, LOADER_EINVAL,
                               "the profile has no scenarios");
    for (size_t i = 0; i < p->n_scenarios; i++) {
        const struct loader_scenario *s = &p->scenarios[i];
        const char *name = s->name ? s->name : "?";

        if (s->n_steps == 0 || !s->steps)
            return loader__set_err(err, len, LOADER_EINVAL,
                                   "scenario '%s' has no steps", name);
        if (s->weight == 0)
            return loader__set_err(err, len, LOADER_EINVAL,
                                   "scenario '%s' has weight 0", name);
    }
    if ((rc = check_load(&p->load, err, len)))
        return rc;
    return loader__grpc_check(p, err, len);
}

/* ---- releasing a plan ---------------------------------------------- */

static void release_kvs(struct loader_kv *kv, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(kv[i].key);
        free(kv[i].value);
    }
    free(kv);
}

static void release_steps(struct loader_step *steps, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        struct loader_step *st = &steps[k];
        free(st->method);
        free(st->path);
        free(st->path_written);
        free(st->name);
        release_kvs(st->headers, st->n_headers);
        free(st->body);
        free(st->body_file);
        free(st->expect_status);
        free(st->expect_body_contains);
        for (size_t j = 0; j < st->n_expect_json; j++) {
            free(st->expect_json[j].pointer);
            free(st->expect_json[j].value);
        }
        free(st->expect_json);
        release_kvs(st->form, st->n_form);
        release_kvs(st->query, st->n_query);
        for (size_t j = 0; j < st->n_captures; j++) {
            struct loader_capture *cap = &st->captures[j];
            free(cap->var);
            free(cap->pointer);
            free(cap->header);
            free(cap->regex);
            if (cap->compiled)
                regfree(cap->compiled);
            free(cap->compiled);
        }
        free(st->captures);
        free(st->stream.pointer); /* stream: (profile_stream.c) */
        free(st->stream.usage);
        free(st->stream.done);
        if (st->grpc) {
            free(st->grpc->frame);
            free(st->grpc->message_file);
            free(st->grpc);
        }
    }
    free(steps);
}

void loader_plan_free(struct loader_plan *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n_scenarios; i++) {
        struct loader_scenario *s = &p->scenarios[i];
        release_steps(s->steps, s->n_steps);
        free(s->name);
        loader__feeder_free(s->data);
    }
    free(p->scenarios);
    release_kvs(p->headers, p->n_headers);
    free(p->load.stages);
    free(p->name);
    free(p->target);
    free(p->ca_file);
    loader__feeder_free(p->data);
    if (p->wait_for) {
        free(p->wait_for->method);
        free(p->wait_for->path);
        free(p->wait_for->path_written);
        free(p->wait_for);
    }
    release_steps(p->setup, p->n_setup);
    release_steps(p->teardown, p->n_teardown);
    free(p);
}

/* ---- feeders ------------------------------------------------------- */

void loader__feeder_free(struct loader_feeder *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->n_columns; i++)
        free(f->columns[i]);
    for (size_t i = 0; f->cells && i < f->n_rows_all * f->n_columns; i++)
        free(f->cells[i]);
    free(f->columns);
    free(f->cells);
    free(f->file);
    free(f->path);
    free(f);
}

static int shard_one(struct loader_feeder *f, unsigned index, unsigned count,
                     char *errbuf, size_t errlen)
{
    size_t n = f->n_rows_all;
    size_t a = (size_t)((unsigned long long)(index - 1) * n / count);
    size_t b = (size_t)((unsigned long long)index * n / count);

    if (b <= a) {
        if (errbuf && errlen)
            snprintf(errbuf, errlen,
                     "shard %u/%u gets no rows of %s (%zu row%s for %u "
                     "shards)",
                     index, count, f->file ? f->file : "data", n,
                     n == 1 ? "" : "s", count);
        return LOADER_EINVAL;
    }
    f->row0 = a;
    f->n_rows = b - a;
    return 0;
}

int loader_plan_shard_feeder(struct loader_plan *p, unsigned index,
                             unsigned count, char *errbuf, size_t errlen)
{
    int rc;

    if (errbuf && errlen)
        errbuf[0] = '\0';
    if (!p)
        return LOADER_EINVAL;
    if (count == 0)
        return 0;
    if (index < 1 || index > count) {
        if (errbuf && errlen)
            snprintf(errbuf, errlen, "shard %u/%u: the index runs from 1 to %u",
                     index, count, count);
        return LOADER_EINVAL;
    }
    if (p->data && (rc = shard_one(p->data, index, count, errbuf, errlen)))
        return rc;
    for (size_t i = 0; i < p->n_scenarios; i++)
        if (p->scenarios[i].data && (rc = shard_one(p->scenarios[i].data, index,
                                                    count, errbuf, errlen)))
            return rc;
    return 0;
}
