/* A binary min-heap of delayed connections, ordered by (due, seq). */
#include <stdlib.h>

#include "demo_internal.h"

static bool before(const struct demo__timer_entry *a,
                   const struct demo__timer_entry *b)
{
    return a->due_ns < b->due_ns || (a->due_ns == b->due_ns && a->seq < b->seq);
}

int demo__heap_push(struct demo__heap *h, uint64_t due_ns, void *conn)
{
    struct demo__timer_entry e = {due_ns, h->next_seq, conn};
    size_t i;

    if (h->n == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 256;
        struct demo__timer_entry *v = realloc(h->v, cap * sizeof(*v));

        if (!v)
            return DEMO_ENOMEM;
        h->v = v;
        h->cap = cap;
    }
    h->next_seq++;
    i = h->n++;
    while (i > 0 && before(&e, &h->v[(i - 1) / 2])) {
        h->v[i] = h->v[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    h->v[i] = e;
    return 0;
}

const struct demo__timer_entry *demo__heap_top(const struct demo__heap *h)
{
    return h->n ? &h->v[0] : NULL;
}

bool demo__heap_pop(struct demo__heap *h, struct demo__timer_entry *out)
{
    struct demo__timer_entry last;
    size_t i = 0;

    if (h->n == 0)
        return false;
    *out = h->v[0];
    last = h->v[--h->n];
    for (;;) {
        size_t c = 2 * i + 1;

        if (c >= h->n)
            break;
        if (c + 1 < h->n && before(&h->v[c + 1], &h->v[c]))
            c++;
        if (!before(&h->v[c], &last))
            break;
        h->v[i] = h->v[c];
        i = c;
    }
    if (h->n)
        h->v[i] = last;
    return true;
}

void demo__heap_release(struct demo__heap *h)
{
    free(h->v);
    h->v = NULL;
    h->n = h->cap = 0;
}
