/*
 * Private interface of streamed responses in the engine: the SSE /
 * JSON-lines parser and the per-user measurement of events
 * (loader_stream.c), which both transports feed with body bytes as they
 * arrive.  A step's stream: and slo: are parsed by the profile module
 * (profile_stream.c); the plan's memory, theirs too, is freed by
 * loader_plan_free() (loader_plan.c).
 */
#ifndef LOADGATE_LOADER_STREAM_INTERNAL_H
#define LOADGATE_LOADER_STREAM_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "loader.h"
#include "metrics.h"

struct loader__engine;
struct loader__vu;

/* ---- token rules (loader_stream.c) ------------------------------------- */

/** How step s counts tokens, in words for the results:
 * "usage /usage/completion_tokens, else words of /choices/0/delta/content
 * (approximate)". */
void loader__stream_rule(const struct loader_step *s, char *buf, size_t len);

/* ---- the parser (loader_stream.c) ------------------------------------- */

/* Lines and events longer than this make a stream malformed. */
#define LOADER__STREAM_LINE_MAX (1024u * 1024u)

/* One stream's framing: SSE events or JSON lines, bytes in any pieces. */
struct loader__sse {
    enum loader_stream_type type;
    char *line; /* the line being assembled across reads */
    size_t line_len, line_cap;
    char *data; /* sse: the data lines of the event being assembled */
    size_t data_len, data_cap;
    bool has_data;  /* sse: a data field in that event */
    bool cr;        /* the last byte was CR: an LF right after is its pair */
    unsigned bom;   /* bytes of a leading UTF-8 BOM matched so far */
    bool started;   /* past where a BOM may be */
    bool malformed; /* a line over LOADER__STREAM_LINE_MAX */
};

/** Called for each event's data (sse: the data lines joined by LF; lines:
 * the line without its end).  Non-zero stops the parse and is returned by
 * loader__sse_feed(). */
typedef int (*loader__sse_fn)(void *ud, const char *data, size_t len);

/** Starts p over for a stream of type (keeps its buffers). */
void loader__sse_reset(struct loader__sse *p, enum loader_stream_type type);
/** Frees p's buffers. */
void loader__sse_release(struct loader__sse *p);
/**
 * Parses n more bytes of the body: SSE per the WHATWG event-stream rules
 * (lines end in CRLF, LF or CR, the pair possibly split across reads; a
 * leading BOM dropped; ':' comments, event:, id: and retry: ignored; an
 * event is dispatched at a blank line when it had a data field), or JSON
 * lines (each line that is not blank is an event; CRLF or LF).  Returns
 * 0, LOADER_ENOMEM, 1 once malformed (p->malformed; later bytes are
 * ignored), or what fn returned.
 */
int loader__sse_feed(struct loader__sse *p, const char *buf, size_t n,
                     loader__sse_fn fn, void *ud);
/**
 * The end of the body: lines' last line without a line end is an event;
 * sse's unfinished event (data lines not closed by a blank line) is
 * dropped, as the specification says, and *cut is set (it may be NULL).
 * Returns as loader__sse_feed().
 */
int loader__sse_end(struct loader__sse *p, bool *cut, loader__sse_fn fn,
                    void *ud);

/** Whitespace-separated words in text[0..n) that start there, given
 * whether the text before ended inside a word (*in_word, updated): a word
 * split across two events counts once. */
uint64_t loader__count_words(const char *text, size_t n, bool *in_word);
/** UTF-8 characters (code points) in text[0..n). */
uint64_t loader__count_chars(const char *text, size_t n);

/* ---- measuring (loader_stream.c) ---------------------------------------- */

/** Declares endpoint ep a streaming one when step s streams (its rule and
 * SLOs).  0 or LOADER_ENOMEM. */
int loader__stream_declare(struct metrics_endpoint *ep,
                           const struct loader_step *s);
/** Starts measuring vu's request of step s as a stream (no-op for a step
 * that does not stream).  0 or LOADER_ENOMEM. */
int loader__vu_stream_start(struct loader__vu *vu, const struct loader_step *s);
/**
 * Body bytes of vu's response, as they arrive at now_ns (monotonic), for
 * a streaming request: status is the response's; a status the step does
 * not accept leaves the body unparsed.  Transports call it from their body
 * callbacks, before the request completes.
 */
void loader__vu_stream_data(struct loader__engine *e, struct loader__vu *vu,
                            int status, const char *data, size_t n,
                            uint64_t now_ns);
/**
 * vu's streaming request completed at now_ns with class err (what the
 * status, expectations and captures said, or the transport's failure):
 * returns the class it ends with (METRICS_ERR_STREAM when the stream
 * began and was cut, timed out, malformed or ended without its sentinel)
 * and records the stream's end when measured.  Other requests: err.
 */
enum metrics_errclass loader__vu_stream_end(struct loader__engine *e,
                                            struct loader__vu *vu,
                                            enum metrics_errclass err,
                                            uint64_t now_ns);
/** Whether vu's request in flight is a stream that began (the latency of
 * a cut stream runs to the cut). */
bool loader__vu_stream_began(const struct loader__vu *vu);
/** Frees vu's stream state. */
void loader__vu_stream_release(struct loader__vu *vu);

#endif
