/* The streamed answer of POST /api/agents/{id}/query/stream: server-sent
 * events in the shape of OpenAI's chat completion chunks, as an
 * OpenAI-compatible service streams them. */
#include <stdio.h>
#include <string.h>

#include "demo_internal.h"

/* The answer, one token a piece (NULL: the number of agents). */
static const char *const tokens[DEMO__STREAM_TOKENS] = {
    "There", " are",    NULL,      " agents", " registered", ";",
    " the",  " answer", " comes",  " from",   " SELECT",     " count",
    "(*)",   " FROM",   " agents", ".",
};

#define CHUNK                                                                  \
    "data: {\"id\":\"chatcmpl-demo-%llu\",\"object\":"                         \
    "\"chat.completion.chunk\",\"created\":%lld,\"model\":\"demo-sql-1\","     \
    "\"choices\":[%s]%s}\n\n"

size_t demo__stream_piece(unsigned k, unsigned long long n, long long created,
                          unsigned long long agents, char *buf, size_t len)
{
    char text[64], choice[160], usage[96];
    size_t used = 0;
    int w;

    if (k >= DEMO__STREAM_TOKENS || len == 0)
        return 0;
    buf[0] = '\0';
    if (k == 0) { /* the assistant's role first, as OpenAI sends it */
        w = snprintf(buf, len, CHUNK, n, created,
                     "{\"index\":0,\"delta\":{\"role\":\"assistant\","
                     "\"content\":\"\"},\"finish_reason\":null}",
                     "");
        if (w < 0 || (size_t)w >= len)
            return 0;
        used = (size_t)w;
    }
    /* the token text has no quote or backslash to escape */
    if (tokens[k])
        snprintf(text, sizeof(text), "%s", tokens[k]);
    else
        snprintf(text, sizeof(text), " %llu", agents);
    snprintf(choice, sizeof(choice),
             "{\"index\":0,\"delta\":{\"content\":\"%s\"},"
             "\"finish_reason\":null}",
             text);
    w = snprintf(buf + used, len - used, CHUNK, n, created, choice, "");
    if (w < 0 || (size_t)w >= len - used)
        return 0;
    used += (size_t)w;
    if (k + 1 < DEMO__STREAM_TOKENS)
        return used;
    /* the end: finish_reason, the usage chunk, the sentinel */
    snprintf(usage, sizeof(usage),
             ",\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":%d,"
             "\"total_tokens\":%d}",
             DEMO__STREAM_TOKENS, DEMO__STREAM_TOKENS + 9);
    w = snprintf(buf + used, len - used, CHUNK CHUNK "data: [DONE]\n\n", n,
                 created,
                 "{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}", "", n,
                 created, "", usage);
    if (w < 0 || (size_t)w >= len - used)
        return 0;
    return used + (size_t)w;
}
