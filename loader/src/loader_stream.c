/* Streamed responses: the SSE / JSON-lines framing, the token rules, and
 * the measurement of each event as its bytes arrive (README, "Streaming
 * APIs").
 *
 * Both transports hand body bytes to loader__vu_stream_data() from their
 * body callbacks (fast: http-parser's on_body, right after recv(); curl:
 * the write callback), chunked encoding already decoded, with the
 * monotonic time they were read at.  An event is timed when the bytes that
 * end it (sse: the blank line; lines: the line end) arrive.  An event
 * "carries tokens" when the step counts every event, or when its data has
 * text (or a number) at tokens.pointer: the first such event gives the
 * TTFT (from the request's latency origin), the gaps between consecutive
 * ones the ITL, and the first and last of them the TPOT. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "loader_capture_internal.h"
#include "loader_stream_internal.h"

/* ---- framing ----------------------------------------------------------- */

void loader__sse_reset(struct loader__sse *p, enum loader_stream_type type)
{
    p->type = type;
    p->line_len = p->data_len = 0;
    p->has_data = p->cr = p->started = p->malformed = false;
    p->bom = 0;
}

void loader__sse_release(struct loader__sse *p)
{
    free(p->line);
    free(p->data);
    memset(p, 0, sizeof(*p));
}

/* Appends s[0..n) to a buffer capped at LOADER__STREAM_LINE_MAX: 1 when
 * it would pass the cap. */
static int grow(char **b, size_t *len, size_t *cap, const char *s, size_t n)
{
    if (*len + n > LOADER__STREAM_LINE_MAX)
        return 1;
    if (*len + n > *cap) {
        size_t c = *cap ? *cap : 256;
        char *nb;

        while (c < *len + n)
            c *= 2;
        if (!(nb = realloc(*b, c)))
            return LOADER_ENOMEM;
        *b = nb;
        *cap = c;
    }
    if (n)
        memcpy(*b + *len, s, n);
    *len += n;
    return 0;
}

static int malformed(struct loader__sse *p, int rc)
{
    if (rc == 1)
        p->malformed = true;
    return rc;
}

/* One whole line (without its end). */
static int sse_line(struct loader__sse *p, const char *l, size_t n,
                    loader__sse_fn fn, void *ud)
{
    const char *colon, *value;
    size_t vlen;
    int rc;

    if (p->type == LOADER_STREAM_LINES) {
        size_t k = 0;

        while (k < n && (l[k] == ' ' || l[k] == '\t'))
            k++;
        return k == n ? 0 : fn(ud, l, n);
    }
    if (n == 0) { /* a blank line dispatches the event */
        size_t len = p->data_len;

        if (!p->has_data)
            return 0;
        if (len && p->data[len - 1] == '\n')
            len--;
        p->has_data = false;
        p->data_len = 0;
        return fn(ud, p->data, len);
    }
    if (l[0] == ':')
        return 0; /* a comment */
    colon = memchr(l, ':', n);
    if (!colon)
        colon = l + n; /* a field name alone: an empty value */
    if ((size_t)(colon - l) != 4 || memcmp(l, "data", 4) != 0)
        return 0; /* event:, id:, retry: (no reconnection here), others */
    value = colon < l + n ? colon + 1 : colon;
    if (value < l + n && *value == ' ')
        value++;
    vlen = (size_t)(l + n - value);
    p->has_data = true;
    if ((rc = grow(&p->data, &p->data_len, &p->data_cap, value, vlen)) ||
        (rc = grow(&p->data, &p->data_len, &p->data_cap, "\n", 1)))
        return malformed(p, rc);
    return 0;
}

int loader__sse_feed(struct loader__sse *p, const char *buf, size_t n,
                     loader__sse_fn fn, void *ud)
{
    static const unsigned char bom[3] = {0xEF, 0xBB, 0xBF};
    size_t i = 0;
    int rc;

    if (p->malformed)
        return 1;
    while (!p->started && i < n) {
        if ((unsigned char)buf[i] == bom[p->bom]) {
            i++;
            if (++p->bom == 3)
                p->started = true;
            continue;
        }
        /* not a BOM after all: what matched of it is text */
        p->started = true;
        if (p->bom && (rc = grow(&p->line, &p->line_len, &p->line_cap,
                                 (const char *)bom, p->bom)))
            return malformed(p, rc);
    }
    while (i < n) {
        size_t j = i;
        const char *l;
        size_t ll;

        if (p->cr) {
            p->cr = false;
            if (buf[i] == '\n') {
                i++;
                continue;
            }
        }
        while (j < n && buf[j] != '\n' && buf[j] != '\r')
            j++;
        if (j == n) { /* no line end yet: keep the piece */
            if ((rc = grow(&p->line, &p->line_len, &p->line_cap, buf + i,
                           n - i)))
                return malformed(p, rc);
            break;
        }
        if (p->line_len) {
            if ((rc = grow(&p->line, &p->line_len, &p->line_cap, buf + i,
                           j - i)))
                return malformed(p, rc);
            l = p->line;
            ll = p->line_len;
        } else {
            l = buf + i;
            ll = j - i;
        }
        p->cr = buf[j] == '\r';
        p->line_len = 0;
        if ((rc = sse_line(p, l, ll, fn, ud)))
            return rc;
        i = j + 1;
    }
    return 0;
}

int loader__sse_end(struct loader__sse *p, bool *cut, loader__sse_fn fn,
                    void *ud)
{
    int rc = 0;

    if (cut)
        *cut = false;
    if (p->malformed)
        return 1;
    if (p->line_len) {
        size_t ll = p->line_len;

        p->line_len = 0;
        rc = sse_line(p, p->line, ll, fn, ud);
    }
    if (p->type == LOADER_STREAM_SSE && p->has_data) {
        /* data lines never closed by a blank line: dropped, and a cut */
        p->has_data = false;
        p->data_len = 0;
        if (cut)
            *cut = true;
    }
    return rc;
}

/* ---- token rules ----------------------------------------------------------
 */

static bool is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
           c == '\v';
}

uint64_t loader__count_words(const char *text, size_t n, bool *in_word)
{
    uint64_t words = 0;
    bool in = *in_word;

    for (size_t i = 0; i < n; i++) {
        bool sp = is_space((unsigned char)text[i]);

        if (!sp && !in)
            words++;
        in = !sp;
    }
    *in_word = in;
    return words;
}

uint64_t loader__count_chars(const char *text, size_t n)
{
    uint64_t c = 0;

    for (size_t i = 0; i < n; i++)
        c += ((unsigned char)text[i] & 0xC0) != 0x80;
    return c;
}

void loader__stream_rule(const struct loader_step *s, char *buf, size_t len)
{
    const struct loader_stream *t = &s->stream;
    char usage[300] = "", what[300];

    if (t->usage)
        snprintf(usage, sizeof(usage), "usage %s when present, else ",
                 t->usage);
    if (!t->pointer)
        snprintf(what, sizeof(what), "one per event");
    else if (t->count == LOADER_COUNT_EVENTS)
        snprintf(what, sizeof(what), "one per event with text at %s",
                 t->pointer);
    else
        snprintf(what, sizeof(what), "%s of %s (approximate)",
                 t->count == LOADER_COUNT_WORDS ? "words" : "characters/4",
                 t->pointer);
    snprintf(buf, len, "%s%s", usage, what);
}

/* ---- measuring ---------------------------------------------------------- */

struct loader__stream {
    struct loader__sse p;
    const struct loader_step *s; /* the streaming step; NULL: inactive */
    struct loader__engine *e;
    struct loader__vu *vu;
    bool began;   /* body bytes came with an accepted status */
    bool ignored; /* the status was not accepted: the body is not a stream */
    bool done;    /* the sentinel came */
    bool bad;     /* an event's data was not the JSON the rule reads */
    bool in_word;
    bool has_usage;
    uint64_t events, tokens, chars, usage;
    uint64_t first_ns, last_ns; /* first and last token event; 0: none */
    uint64_t rx_ns;             /* when the bytes being parsed arrived */
};

int loader__stream_declare(struct metrics_endpoint *ep,
                           const struct loader_step *s)
{
    char rule[700];

    if (s->stream.type == LOADER_STREAM_NONE)
        return 0;
    loader__stream_rule(s, rule, sizeof(rule));
    return metrics_stream_declare(ep, rule, s->slo_ttft_s * 1000.0,
                                  s->slo_tpot_s * 1000.0)
               ? LOADER_ENOMEM
               : 0;
}

int loader__vu_stream_start(struct loader__vu *vu, const struct loader_step *s)
{
    struct loader__stream *st = vu->stream;

    if (s->stream.type == LOADER_STREAM_NONE) {
        if (st)
            st->s = NULL;
        return 0;
    }
    if (!st && !(st = vu->stream = calloc(1, sizeof(*st))))
        return LOADER_ENOMEM;
    loader__sse_reset(&st->p, s->stream.type);
    st->s = s;
    st->vu = vu;
    st->began = st->ignored = st->done = st->bad = false;
    st->in_word = st->has_usage = false;
    st->events = st->tokens = st->chars = st->usage = 0;
    st->first_ns = st->last_ns = 0;
    return 0;
}

/* The time of a token event: TTFT for the first, else an ITL gap. */
static void token_event(struct loader__stream *st)
{
    struct loader__engine *e = st->e;
    struct loader__vu *vu = st->vu;
    uint64_t now = st->rx_ns;
    bool first = st->first_ns == 0;
    uint64_t from = first ? vu->sent_ns : st->last_ns;

    if (first)
        st->first_ns = now;
    st->last_ns = now;
    if (!vu->measured)
        return;
    if (metrics_stream_gap(e->step_ep[vu->scenario][vu->step],
                           loader__wall_ns(e, now) / 1000000000, first,
                           now > from ? (now - from) / 1000 : 0) &&
        !e->fatal)
        e->fatal = LOADER_ENOMEM;
}

/* Tokens at the pointer of one event's JSON; *carries when it has any. */
static uint64_t json_tokens(struct loader__stream *st, json_t *v, bool *carries)
{
    const struct loader_stream *rule = &st->s->stream;
    const char *text;
    size_t n;

    if (json_is_number(v)) {
        double x = json_number_value(v);

        *carries = x > 0;
        return x > 0 && x < 1e15 ? (uint64_t)llround(x) : 0;
    }
    if (!json_is_string(v))
        return 0;
    text = json_string_value(v);
    n = json_string_length(v);
    *carries = n > 0;
    switch (rule->count) {
    case LOADER_COUNT_WORDS:
        return loader__count_words(text, n, &st->in_word);
    case LOADER_COUNT_CHARS4:
        st->chars += loader__count_chars(text, n);
        return 0; /* tokens = chars / 4 at the end */
    default:
        return n > 0;
    }
}

static int on_event(void *ud, const char *data, size_t len)
{
    struct loader__stream *st = ud;
    const struct loader_stream *rule = &st->s->stream;
    bool carries = false;

    if (st->done)
        return 0; /* past the sentinel: nothing more counts */
    if (rule->done && strlen(rule->done) == len &&
        memcmp(rule->done, data, len) == 0) {
        st->done = true;
        return 0;
    }
    st->events++;
    if (!rule->pointer && !rule->usage) {
        st->tokens++;
        token_event(st);
        return 0;
    }
    {
        json_t *root = json_loadb(data, len, JSON_DECODE_ANY, NULL);
        json_t *v;

        if (!root) {
            st->bad = true; /* malformed: the rule reads JSON */
            return 1;
        }
        if (rule->usage && (v = loader__jsonptr_get(root, rule->usage)) &&
            json_is_number(v) && json_number_value(v) >= 0 &&
            json_number_value(v) < 1e15) {
            st->usage = (uint64_t)llround(json_number_value(v));
            st->has_usage = true;
        }
        if (!rule->pointer) {
            st->tokens++;
            carries = true;
        } else if ((v = loader__jsonptr_get(root, rule->pointer))) {
            st->tokens += json_tokens(st, v, &carries);
        }
        json_decref(root);
    }
    if (carries)
        token_event(st);
    return 0;
}

void loader__vu_stream_data(struct loader__engine *e, struct loader__vu *vu,
                            int status, const char *data, size_t n,
                            uint64_t now_ns)
{
    struct loader__stream *st = vu->stream;
    int rc;

    if (!st || !st->s || st->ignored || st->bad || n == 0)
        return;
    if (status >= 300 && status < 400)
        return; /* a redirect's body: the answer followed streams */
    if (!st->began) {
        if (loader__status_errclass(st->s, status) != METRICS_ERR_NONE) {
            st->ignored = true; /* an error's body, not a stream */
            return;
        }
        st->began = true;
    }
    st->e = e;
    st->rx_ns = now_ns;
    rc = loader__sse_feed(&st->p, data, n, on_event, st);
    if (rc == LOADER_ENOMEM && !e->fatal)
        e->fatal = rc;
}

bool loader__vu_stream_began(const struct loader__vu *vu)
{
    return vu->stream && vu->stream->s && vu->stream->began;
}

enum metrics_errclass loader__vu_stream_end(struct loader__engine *e,
                                            struct loader__vu *vu,
                                            enum metrics_errclass err,
                                            uint64_t now_ns)
{
    struct loader__stream *st = vu->stream;
    const struct loader_step *s;
    struct metrics_stream_end end;
    uint64_t tokens, ttft_ns;

    if (!st || !(s = st->s))
        return err;
    st->s = NULL;
    if (!st->began)
        return err; /* no stream came: the request's own failure */
    st->s = s;
    st->e = e;
    st->rx_ns = now_ns;
    if (err == METRICS_ERR_NONE) {
        bool cut = false;

        if (!st->done && !st->bad &&
            loader__sse_end(&st->p, &cut, on_event, st) == LOADER_ENOMEM &&
            !e->fatal)
            e->fatal = LOADER_ENOMEM;
        if (st->bad || st->p.malformed || cut || (s->stream.done && !st->done))
            err = METRICS_ERR_STREAM;
    } else if (!st->done && err != METRICS_ERR_BODY_TOO_LARGE &&
               err != METRICS_ERR_EXPECT) {
        err = METRICS_ERR_STREAM; /* cut, reset or timed out mid-stream */
    }
    st->s = NULL;
    if (!vu->measured)
        return err;
    tokens = st->has_usage ? st->usage : st->tokens + (st->chars + 3) / 4;
    memset(&end, 0, sizeof(end));
    end.events = st->events;
    end.tokens = tokens;
    end.from_usage = st->has_usage;
    end.error = err == METRICS_ERR_STREAM;
    if (tokens >= 2 && st->last_ns > st->first_ns) {
        end.has_tpot = true;
        end.tpot_us = (st->last_ns - st->first_ns) / (tokens - 1) / 1000;
    }
    if (tokens && st->last_ns > vu->sent_ns) {
        end.has_rate = true;
        end.rate_mtps = (uint64_t)llround((double)tokens * 1e12 /
                                          (double)(st->last_ns - vu->sent_ns));
    }
    ttft_ns = st->first_ns ? st->first_ns - vu->sent_ns : 0;
    end.good = err == METRICS_ERR_NONE &&
               (!(s->slo_ttft_s > 0) ||
                (st->first_ns && (double)ttft_ns <= s->slo_ttft_s * 1e9)) &&
               (!(s->slo_tpot_s > 0) || !end.has_tpot ||
                (double)end.tpot_us <= s->slo_tpot_s * 1e6);
    if (metrics_stream_end(e->step_ep[vu->scenario][vu->step],
                           loader__wall_ns(e, now_ns) / 1000000000, &end) &&
        !e->fatal)
        e->fatal = LOADER_ENOMEM;
    return err;
}

void loader__vu_stream_release(struct loader__vu *vu)
{
    if (!vu->stream)
        return;
    loader__sse_release(&vu->stream->p);
    free(vu->stream);
    vu->stream = NULL;
}
