/* libcurl's memory, through curl_global_init_mem().
 *
 * A libcurl 7.88 transfer allocates and frees a few dozen small blocks
 * (a connection record it throws away when it reuses one, header and
 * request buffers, URL parts), so at tens of thousands of requests a
 * second glibc's malloc and free took about 6 % of the curl transport's
 * time, part of it consolidating fast bins for every block over 1 KB.
 *
 * Here a thread that drives a transport keeps the blocks libcurl frees in
 * per-size free lists (16-byte classes up to 4 KB, at most CACHE_MAX bytes
 * in all) and hands them back on the next request: a pop and a push
 * instead of a trip through the arenas.  Every block carries a 16-byte
 * head naming its class (0: not cacheable), so any thread can free any
 * block; threads without a cache (a resolver's, the main thread outside a
 * run) and blocks over 4 KB go straight to malloc and free.  The cache is
 * emptied when its transport closes, so nothing is held between runs and
 * leak checkers see every block returned. */
#include <stdalign.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "loader_engine_internal.h"

#define CLASS_SHIFT 4
#define N_CLASSES 256 /* 16 .. 4096 bytes */
#define CLASS_BYTES(c) ((size_t)(c) << CLASS_SHIFT)
#define CACHE_MAX (4u << 20)

/* 16 bytes: keeps malloc()'s 16-byte alignment for the block after it */
struct mem_head {
    alignas(16) uint32_t cls;
};

struct mem_free {
    struct mem_free *next;
};

struct mem_cache {
    struct mem_free *list[N_CLASSES + 1];
    size_t bytes;
    unsigned users; /* transports open on this thread */
};

static _Thread_local struct mem_cache cache;

static unsigned size_class(size_t size)
{
    if (size == 0)
        size = 1;
    if (size > CLASS_BYTES(N_CLASSES))
        return 0;
    return (unsigned)((size + CLASS_BYTES(1) - 1) >> CLASS_SHIFT);
}

void *loader__mem_malloc(size_t size)
{
    unsigned cls = size_class(size);
    struct mem_head *h;

    if (cls && cache.users && cache.list[cls]) {
        struct mem_free *f = cache.list[cls];

        cache.list[cls] = f->next;
        cache.bytes -= CLASS_BYTES(cls);
        return f;
    }
    if (cls)
        size = CLASS_BYTES(cls);
    else if (size > SIZE_MAX - sizeof(*h))
        return NULL;
    h = malloc(sizeof(*h) + size);
    if (!h)
        return NULL;
    h->cls = cls;
    return h + 1;
}

void loader__mem_free(void *p)
{
    struct mem_head *h;
    unsigned cls;

    if (!p)
        return;
    h = (struct mem_head *)p - 1;
    cls = h->cls;
    if (cls && cache.users && cache.bytes + CLASS_BYTES(cls) <= CACHE_MAX) {
        struct mem_free *f = p;

        f->next = cache.list[cls];
        cache.list[cls] = f;
        cache.bytes += CLASS_BYTES(cls);
        return;
    }
    free(h);
}

void *loader__mem_realloc(void *p, size_t size)
{
    struct mem_head *h;
    void *n;

    if (!p)
        return loader__mem_malloc(size);
    h = (struct mem_head *)p - 1;
    if (h->cls == 0) {
        /* a large block stays one: realloc() may grow it in place */
        if (size > SIZE_MAX - sizeof(*h))
            return NULL;
        h = realloc(h, sizeof(*h) + (size ? size : 1));
        return h ? h + 1 : NULL;
    }
    if (size <= CLASS_BYTES(h->cls))
        return p;
    if (!(n = loader__mem_malloc(size)))
        return NULL;
    memcpy(n, p, CLASS_BYTES(h->cls));
    loader__mem_free(p);
    return n;
}

void *loader__mem_calloc(size_t n, size_t size)
{
    void *p;

    if (size && n > SIZE_MAX / size)
        return NULL;
    if ((p = loader__mem_malloc(n * size)))
        memset(p, 0, n * size);
    return p;
}

char *loader__mem_strdup(const char *s)
{
    size_t len = strlen(s) + 1;
    char *p = loader__mem_malloc(len);

    if (p)
        memcpy(p, s, len);
    return p;
}

int loader_curl_global_init(void)
{
    return curl_global_init_mem(CURL_GLOBAL_DEFAULT, loader__mem_malloc,
                                loader__mem_free, loader__mem_realloc,
                                loader__mem_strdup,
                                loader__mem_calloc) == CURLE_OK
               ? 0
               : LOADER_EENGINE;
}

void loader__curl_mem_hold(void)
{
    cache.users++;
}

void loader__curl_mem_release(void)
{
    if (cache.users == 0 || --cache.users > 0)
        return;
    for (unsigned c = 1; c <= N_CLASSES; c++) {
        while (cache.list[c]) {
            struct mem_free *f = cache.list[c];

            cache.list[c] = f->next;
            free((struct mem_head *)(void *)f - 1);
        }
    }
    cache.bytes = 0;
}
