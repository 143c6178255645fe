/* libFuzzer target: the SSE and JSON-lines framing of streamed responses
 * (loader_stream.c), fed in pieces.  The first byte picks the type and
 * how the rest is cut into reads; every event's data must lie inside the
 * parser's own buffers or the input, and the word and character counts
 * run over it. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "loader_stream_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int on_event(void *ud, const char *d, size_t n)
{
    bool *in_word = ud;

    (void)loader__count_words(d, n, in_word);
    (void)loader__count_chars(d, n);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct loader__sse p;
    bool in_word = false, cut = false;
    size_t at = 1, piece;

    if (size < 1)
        return 0;
    memset(&p, 0, sizeof(p));
    loader__sse_reset(&p,
                      data[0] & 1 ? LOADER_STREAM_LINES : LOADER_STREAM_SSE);
    piece = (size_t)(data[0] >> 1) + 1; /* 1 .. 128 bytes a read */
    while (at < size) {
        size_t n = size - at < piece ? size - at : piece;

        if (loader__sse_feed(&p, (const char *)data + at, n, on_event,
                             &in_word) != 0)
            break;
        at += n;
    }
    (void)loader__sse_end(&p, &cut, on_event, &in_word);
    loader__sse_release(&p);
    return 0;
}
