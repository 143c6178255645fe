/*
 * demo internals shared between the files of demo/src and the unit tests.
 */
#ifndef LOADGATE_DEMO_INTERNAL_H
#define LOADGATE_DEMO_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "demo.h"

/* Route ids, in the order of the demo_routes() table. */
enum demo__route_id {
    DEMO__HEALTH,
    DEMO__REGISTER,
    DEMO__AGENTS,
    DEMO__QUERY,
    DEMO__NL_QUERY,
    DEMO__COST,
    DEMO__FAILOVER,
    DEMO__GRAPHQL,
    DEMO__STREAM, /* POST /api/agents/{id}/query/stream: server-sent events */
    DEMO__N_ROUTES
};

/* The streamed answer (demo_stream.c): DEMO__STREAM_TOKENS content
 * tokens, the first with the assistant role chunk, the last with the
 * finish chunk, the usage chunk and data: [DONE]. */
#define DEMO__STREAM_TOKENS 16

/**
 * The text of piece k (0 .. DEMO__STREAM_TOKENS - 1) of a streamed answer
 * into buf: SSE events ("data: {...}\n\n") of chat.completion.chunk
 * objects with id "chatcmpl-demo-<n>", created at unix second created,
 * the agent's count in the answer.  Returns the length (0 when it does
 * not fit).
 */
size_t demo__stream_piece(unsigned k, unsigned long long n, long long created,
                          unsigned long long agents, char *buf, size_t len);

/* Request bodies above this are refused with 413. */
#define DEMO__BODY_MAX ((size_t)1 << 20)
/* How many (newest) agents GET /api/agents lists; bytes of a name kept. */
#define DEMO__RECENT 20
#define DEMO__NAME_MAX 128

/** Whether path (path_len bytes) matches pattern, where "{x}" stands for one
 * non-empty segment without '/'.  On a match, *seg and *seg_len (when not NULL)
 * receive the bytes the (last) "{x}" matched, or NULL/0 when it has none. */
bool demo__path_match(const char *pattern, const char *path, size_t path_len,
                      const char **seg, size_t *seg_len);

/** The route (enum demo__route_id) whose pattern matches path, or -1.  No
 * two routes share a path, whatever the method. */
int demo__route_find(const char *path, const char **seg, size_t *seg_len);

/** Whether method may call route: its own method, and HEAD for GET. */
bool demo__method_allowed(int route, const char *method);

/** The route a --slow name designates: "METHOD pattern-or-path" or a
 * pattern or path alone that matches exactly one route.  name_len bytes of
 * name are read.  Returns the route id or DEMO_EINVAL. */
int demo__slow_route(const char *name, size_t name_len);

/** Whether id is "agent-" and 1 to 18 digits. */
bool demo__agent_id_valid(const char *id, size_t len);

/** One draw of a route's latency in ms: base times a log-normal factor of
 * median 1 and sigma jitter/base (u1 in (0, 1], u2 in [0, 1) drive a
 * Box-Muller normal), clipped to [base - 2 jitter, base + 4 jitter] and
 * never below 1 ms. */
double demo__latency_ms(double base, double jitter, double u1, double u2);

/** splitmix64's output function: a well-mixed 64-bit value from a counter. */
uint64_t demo__mix64(uint64_t x);

/** A uniform double in (0, 1] from 64 random bits. */
double demo__unit(uint64_t bits);

/* The delayed connections, a binary min-heap on (due, seq). */
struct demo__timer_entry {
    uint64_t due_ns; /* CLOCK_MONOTONIC */
    uint64_t seq;    /* keeps equal due times in arrival order */
    void *conn;
};

struct demo__heap {
    struct demo__timer_entry *v;
    size_t n, cap;
    uint64_t next_seq;
};

/** Adds an entry; returns 0 or DEMO_ENOMEM (the heap is then unchanged). */
int demo__heap_push(struct demo__heap *h, uint64_t due_ns, void *conn);
/** The earliest entry, or NULL when empty; valid until the next change. */
const struct demo__timer_entry *demo__heap_top(const struct demo__heap *h);
/** Removes the earliest entry into *out; false when empty. */
bool demo__heap_pop(struct demo__heap *h, struct demo__timer_entry *out);
/** Frees the entries' array; the heap is then empty and reusable. */
void demo__heap_release(struct demo__heap *h);

/* What the demo API remembers: registered agents. */
struct demo__store {
    pthread_mutex_t mu;
    unsigned long long registered; /* agents so far; ids are 1..registered */
    unsigned long long queries;    /* answered queries, for the dashboards */
    struct {
        unsigned long long n;
        char *name;         /* NULL: registered without a name */
    } recent[DEMO__RECENT]; /* ring of the newest agents */
};

/** Initialises an empty store; 0 or DEMO_ENOMEM. */
int demo__store_init(struct demo__store *st);
/** Frees what the store holds. */
void demo__store_release(struct demo__store *st);

/** The answer to a request that passed routing and validation: route, the
 * {id} segment (id_len bytes, may be NULL), the parsed JSON body (may be
 * NULL) and the time it waited.  Returns a malloc'ed JSON text (the caller
 * frees it) and sets *status; NULL when out of memory. */
char *demo__answer(struct demo__store *st, int route, const char *id,
                   size_t id_len, const json_t *body, double elapsed_ms,
                   unsigned *status);

/** A malloc'ed {"error": msg, "status": status} text, NULL when out of
 * memory. */
char *demo__error_body(unsigned status, const char *msg);

#endif
