/* The demo API's answers and the little state behind them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "demo_internal.h"

int demo__store_init(struct demo__store *st)
{
    memset(st, 0, sizeof(*st));
    return pthread_mutex_init(&st->mu, NULL) ? DEMO_ENOMEM : 0;
}

void demo__store_release(struct demo__store *st)
{
    for (size_t i = 0; i < DEMO__RECENT; i++)
        free(st->recent[i].name);
    pthread_mutex_destroy(&st->mu);
}

/* A copy of name cut to DEMO__NAME_MAX bytes on a UTF-8 boundary. */
static char *name_copy(const char *name, size_t len)
{
    char *s;

    if (len > DEMO__NAME_MAX) {
        len = DEMO__NAME_MAX;
        while (len > 0 && ((unsigned char)name[len] & 0xC0) == 0x80)
            len--;
    }
    s = malloc(len + 1);
    if (s) {
        memcpy(s, name, len);
        s[len] = '\0';
    }
    return s;
}

static json_t *agent_id(unsigned long long n)
{
    char buf[40];

    snprintf(buf, sizeof(buf), "agent-%llu", n);
    return json_string(buf);
}

/* Registers an agent; returns its number, 0 when out of memory. */
static unsigned long long store_register(struct demo__store *st,
                                         const char *name, size_t len)
{
    char *copy = NULL;
    unsigned long long n;
    size_t slot;

    if (name) {
        copy = name_copy(name, len);
        if (!copy)
            return 0;
    }
    pthread_mutex_lock(&st->mu);
    n = ++st->registered;
    slot = (size_t)(n % DEMO__RECENT);
    free(st->recent[slot].name);
    st->recent[slot].n = n;
    st->recent[slot].name = copy;
    pthread_mutex_unlock(&st->mu);
    return n;
}

/* The newest agents, newest first: [{"agent_id":..,"name":..}] or, with
 * ids_only, [{"id":..}]; sets *total to the number ever registered. */
static json_t *store_recent(struct demo__store *st, bool ids_only,
                            unsigned long long *total)
{
    json_t *list = json_array();

    if (!list)
        return NULL;
    pthread_mutex_lock(&st->mu);
    *total = st->registered;
    for (unsigned long long k = 0; k < DEMO__RECENT && k < st->registered;
         k++) {
        unsigned long long n = st->registered - k;
        size_t slot = (size_t)(n % DEMO__RECENT);
        const char *name = st->recent[slot].name;
        json_t *o;

        if (ids_only)
            o = json_pack("{s:o}", "id", agent_id(n));
        else
            o = json_pack("{s:o,s:o}", "agent_id", agent_id(n), "name",
                          name ? json_string(name) : json_null());
        if (json_array_append_new(list, o)) {
            json_decref(list);
            list = NULL;
            break;
        }
    }
    pthread_mutex_unlock(&st->mu);
    return list;
}

static unsigned long long count_query(struct demo__store *st)
{
    unsigned long long q;

    pthread_mutex_lock(&st->mu);
    q = ++st->queries;
    pthread_mutex_unlock(&st->mu);
    return q;
}

static json_t *answer_register(struct demo__store *st, const json_t *body)
{
    const json_t *name = json_object_get(body, "name");
    unsigned long long n;

    if (!json_is_string(name))
        name = NULL;
    n = store_register(st, name ? json_string_value(name) : NULL,
                       name ? json_string_length(name) : 0);
    if (n == 0)
        return NULL;
    return json_pack("{s:o,s:O}", "agent_id", agent_id(n), "name",
                     name ? name : json_null());
}

static json_t *answer_agents(struct demo__store *st)
{
    unsigned long long total = 0;
    json_t *list = store_recent(st, false, &total);

    if (!list)
        return NULL;
    return json_pack("{s:o,s:I}", "agents", list, "total", (json_int_t)total);
}

static json_t *answer_query(struct demo__store *st, json_t *id,
                            double elapsed_ms)
{
    count_query(st);
    return json_pack("{s:o,s:[s],s:[[i]],s:i,s:f}", "agent_id", id, "columns",
                     "?column?", "rows", 1, "row_count", 1, "elapsed_ms",
                     elapsed_ms);
}

static json_t *answer_nl_query(struct demo__store *st, json_t *id,
                               double elapsed_ms)
{
    unsigned long long total;
    char text[96];

    count_query(st);
    pthread_mutex_lock(&st->mu);
    total = st->registered;
    pthread_mutex_unlock(&st->mu);
    snprintf(text, sizeof(text), "There are %llu agents.", total);
    return json_pack("{s:o,s:s,s:[[I]],s:s,s:f}", "agent_id", id, "sql",
                     "SELECT count(*) FROM agents", "rows", (json_int_t)total,
                     "answer", text, "elapsed_ms", elapsed_ms);
}

static json_t *answer_cost(struct demo__store *st)
{
    unsigned long long agents, queries;

    pthread_mutex_lock(&st->mu);
    agents = st->registered;
    queries = st->queries;
    pthread_mutex_unlock(&st->mu);
    /* made-up but consistent prices: 0.4 cent a query, 1 cent an agent */
    return json_pack("{s:s,s:s,s:f,s:[{s:s,s:I,s:f},{s:s,s:I,s:f}]}", "period",
                     "24h", "currency", "USD", "total",
                     (double)queries * 0.004 + (double)agents * 0.01, "by_item",
                     "item", "queries", "count", (json_int_t)queries, "cost",
                     (double)queries * 0.004, "item", "agents", "count",
                     (json_int_t)agents, "cost", (double)agents * 0.01);
}

static json_t *answer_failover(void)
{
    return json_pack("{s:s,s:b,s:i,s:n,s:[{s:s,s:b,s:i},{s:s,s:b,s:i}]}",
                     "primary", "db-primary", "healthy", 1, "failovers_24h", 0,
                     "last_failover", "replicas", "name", "db-replica-1",
                     "healthy", 1, "lag_ms", 3, "name", "db-replica-2",
                     "healthy", 1, "lag_ms", 7);
}

static json_t *answer_graphql(struct demo__store *st)
{
    unsigned long long total = 0;
    json_t *list = store_recent(st, true, &total);

    if (!list)
        return NULL;
    return json_pack("{s:{s:o,s:I}}", "data", "agents", list, "agentCount",
                     (json_int_t)total);
}

char *demo__answer(struct demo__store *st, int route, const char *id,
                   size_t id_len, const json_t *body, double elapsed_ms,
                   unsigned *status)
{
    json_t *doc = NULL, *jid = NULL;
    char *text = NULL;

    *status = 200;
    if (id) {
        jid = json_stringn(id, id_len);
        if (!jid)
            goto out;
    }
    switch (route) {
    case DEMO__HEALTH:
        doc = json_pack("{s:s}", "status", "ok");
        break;
    case DEMO__REGISTER:
        *status = 201;
        doc = answer_register(st, body);
        break;
    case DEMO__AGENTS:
        doc = answer_agents(st);
        break;
    case DEMO__QUERY:
        doc = answer_query(st, json_incref(jid), elapsed_ms);
        break;
    case DEMO__NL_QUERY:
        doc = answer_nl_query(st, json_incref(jid), elapsed_ms);
        break;
    case DEMO__COST:
        doc = answer_cost(st);
        break;
    case DEMO__FAILOVER:
        doc = answer_failover();
        break;
    case DEMO__GRAPHQL:
        doc = answer_graphql(st);
        break;
    default:
        *status = 404;
        doc = json_pack("{s:s,s:i}", "error", "not found", "status", 404);
        break;
    }
    if (doc)
        text = json_dumps(doc, JSON_COMPACT | JSON_REAL_PRECISION(6));
out:
    json_decref(doc);
    json_decref(jid);
    return text;
}

char *demo__error_body(unsigned status, const char *msg)
{
    json_t *doc = json_pack("{s:s,s:i}", "error", msg, "status", (int)status);
    char *text = NULL;

    if (doc)
        text = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    return text;
}
