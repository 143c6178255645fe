/*
 * A streaming test server with known timings, for the streaming tests
 * and bench/stream.sh: every POST is answered with a stream whose first
 * token comes --ttft ms after the request arrived, then a token every
 * --gap ms, each delay uniformly jittered by +- --jitter ms (so the
 * median is the configured value), --tokens tokens in all.  SSE (OpenAI
 * chunks, a usage chunk, data: [DONE]) or JSON lines; chunked transfer
 * encoding, keep-alive.  --cut-every M --cut-after K closes every M-th
 * stream after K tokens, mid-body.
 *
 * One thread, epoll and a timer heap; timeouts with nanosecond precision
 * (epoll_pwait2), each event written with one send() when it is due.  On
 * SIGTERM or SIGINT it prints what it sent, one JSON line: the streams,
 * the median time from a request to its first token and the median gap
 * as the server timed them.  Loopback only.
 *
 *   stream_server --port 0 --ttft 100 --gap 20 --jitter 5 --tokens 20
 *   -> "port 40123" on stdout, then serves until a signal
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_EVENTS 512
#define REQ_MAX 65536
#define SAMPLES_MAX 2000000

struct conn {
    int fd;
    char *in; /* the request being read */
    size_t in_len;
    bool streaming;
    unsigned sent;  /* tokens sent */
    bool cut;       /* this stream is cut after --cut-after tokens */
    uint64_t start; /* when the request had arrived */
    uint64_t last;  /* when the last token went out */
    size_t heap;    /* index in the heap, or SIZE_MAX */
    uint64_t due;
};

static struct {
    double ttft_ms, gap_ms, jitter_ms;
    unsigned tokens, cut_every, cut_after;
    bool lines;
} opt = {100, 20, 0, 20, 0, 0, false};

static struct conn **heap;
static size_t heap_n, heap_cap;
static uint64_t rng = 0x9E3779B97F4A7C15u, streams, cut_streams;
static uint32_t *ttft_us, *gap_us;
static size_t n_ttft, n_gap;
static volatile sig_atomic_t stop;

static uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static double unit(void)
{ /* uniform in [0, 1) */
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (double)(rng >> 11) * 0x1.0p-53;
}

static uint64_t delay_ns(double ms)
{
    double d = ms + opt.jitter_ms * (2 * unit() - 1);

    return d > 0 ? (uint64_t)(d * 1e6) : 0;
}

/* ---- timer heap ----------------------------------------------------- */

static void swap(size_t a, size_t b)
{
    struct conn *t = heap[a];

    heap[a] = heap[b];
    heap[b] = t;
    heap[a]->heap = a;
    heap[b]->heap = b;
}

static void sift_up(size_t i)
{
    while (i > 0 && heap[(i - 1) / 2]->due > heap[i]->due) {
        swap(i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
}

static void sift_down(size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;

        if (l < heap_n && heap[l]->due < heap[m]->due)
            m = l;
        if (r < heap_n && heap[r]->due < heap[m]->due)
            m = r;
        if (m == i)
            return;
        swap(i, m);
        i = m;
    }
}

static void heap_push(struct conn *c)
{
    if (heap_n == heap_cap) {
        heap_cap = heap_cap ? heap_cap * 2 : 1024;
        heap = realloc(heap, heap_cap * sizeof(*heap));
        if (!heap)
            abort();
    }
    heap[heap_n] = c;
    c->heap = heap_n++;
    sift_up(c->heap);
}

static void heap_remove(struct conn *c)
{
    size_t i = c->heap;

    if (i == SIZE_MAX)
        return;
    c->heap = SIZE_MAX;
    if (i == --heap_n)
        return;
    heap[i] = heap[heap_n];
    heap[i]->heap = i;
    sift_down(i);
    sift_up(heap[i]->heap);
}

/* ---- connections ------------------------------------------------------ */

static void conn_close(int ep, struct conn *c)
{
    heap_remove(c);
    epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    free(c->in);
    free(c);
}

/* Writes all of buf (a loopback socket with room: a short write means the
 * client stopped reading; the connection goes). */
static bool put(struct conn *c, const char *buf, size_t n)
{
    while (n > 0) {
        ssize_t w = send(c->fd, buf, n, MSG_NOSIGNAL);

        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        buf += w;
        n -= (size_t)w;
    }
    return true;
}

/* Appends one chunk holding text to out. */
static size_t chunk(char *out, size_t at, const char *text)
{
    size_t n = strlen(text);

    at += (size_t)sprintf(out + at, "%zx\r\n", n);
    memcpy(out + at, text, n);
    at += n;
    memcpy(out + at, "\r\n", 2);
    return at + 2;
}

/* The next token of c (and the end after the last one). */
static bool send_token(struct conn *c, uint64_t now)
{
    char out[2048], ev[512];
    size_t n = 0;

    if (opt.lines)
        snprintf(ev, sizeof(ev),
                 "{\"choices\":[{\"delta\":{\"content\":\" t%u\"}}]}\n",
                 c->sent);
    else
        snprintf(ev, sizeof(ev),
                 "data: {\"object\":\"chat.completion.chunk\",\"choices\":"
                 "[{\"index\":0,\"delta\":{\"content\":\" t%u\"}}]}\n\n",
                 c->sent);
    n = chunk(out, n, ev);
    if (c->sent + 1 == opt.tokens) {
        snprintf(ev, sizeof(ev),
                 opt.lines ? "{\"choices\":[],\"usage\":{\"completion_tokens\":"
                             "%u}}\n"
                           : "data: {\"choices\":[],\"usage\":"
                             "{\"completion_tokens\":%u}}\n\ndata: [DONE]\n\n",
                 opt.tokens);
        n = chunk(out, n, ev);
        memcpy(out + n, "0\r\n\r\n", 5);
        n += 5;
    }
    if (n_ttft < SAMPLES_MAX && c->sent == 0)
        ttft_us[n_ttft++] = (uint32_t)((now - c->start) / 1000);
    else if (n_gap < SAMPLES_MAX && c->sent > 0)
        gap_us[n_gap++] = (uint32_t)((now - c->last) / 1000);
    c->last = now;
    c->sent++;
    return put(c, out, n);
}

/* A whole request arrived: the headers, then the stream's first token
 * when it is due. */
static bool respond(struct conn *c, uint64_t now)
{
    static const char head[] = "HTTP/1.1 200 OK\r\n"
                               "Content-Type: text/event-stream\r\n"
                               "Cache-Control: no-cache\r\n"
                               "Transfer-Encoding: chunked\r\n\r\n";
    static const char head_lines[] = "HTTP/1.1 200 OK\r\n"
                                     "Content-Type: application/x-ndjson\r\n"
                                     "Transfer-Encoding: chunked\r\n\r\n";

    streams++;
    c->streaming = true;
    c->sent = 0;
    c->start = now;
    c->cut = opt.cut_every && streams % opt.cut_every == 0;
    cut_streams += c->cut;
    c->due = now + delay_ns(opt.ttft_ms);
    heap_push(c);
    return opt.lines ? put(c, head_lines, sizeof(head_lines) - 1)
                     : put(c, head, sizeof(head) - 1);
}

/* Reads what came; answers a complete request.  false: close. */
static bool on_read(struct conn *c, uint64_t now)
{
    for (;;) {
        char *end;
        size_t body = 0, need;
        const char *cl;
        ssize_t r;

        if (!c->in && !(c->in = malloc(REQ_MAX + 1)))
            return false;
        if (c->in_len == REQ_MAX)
            return false;
        r = recv(c->fd, c->in + c->in_len, REQ_MAX - c->in_len, 0);
        if (r < 0)
            return errno == EAGAIN || errno == EINTR;
        if (r == 0)
            return false;
        c->in_len += (size_t)r;
        c->in[c->in_len] = '\0';
        if (c->streaming)
            continue; /* pipelining is not for streams: wait */
        end = strstr(c->in, "\r\n\r\n");
        if (!end)
            continue;
        cl = strcasestr(c->in, "\r\nContent-Length:");
        if (cl && cl < end)
            body = strtoul(cl + 17, NULL, 10);
        need = (size_t)(end + 4 - c->in) + body;
        if (c->in_len < need)
            continue;
        memmove(c->in, c->in + need, c->in_len - need);
        c->in_len -= need;
        return respond(c, now);
    }
}

/* Sends every token due by now. */
static void fire(int ep, uint64_t now)
{
    while (heap_n > 0 && heap[0]->due <= now) {
        struct conn *c = heap[0];

        heap_remove(c);
        if (c->cut && c->sent == opt.cut_after) {
            conn_close(ep, c); /* mid-body: no terminating chunk */
            continue;
        }
        if (!send_token(c, now)) {
            conn_close(ep, c);
            continue;
        }
        if (c->sent < opt.tokens) {
            /* from the schedule, so that gaps do not drift */
            c->due += delay_ns(opt.gap_ms);
            heap_push(c);
        } else {
            c->streaming = false;
        }
    }
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

    return x < y ? -1 : x > y;
}

static double median_ms(uint32_t *v, size_t n)
{
    if (n == 0)
        return -1;
    qsort(v, n, sizeof(*v), cmp_u32);
    return n % 2 ? v[n / 2] / 1000.0 : (v[n / 2 - 1] + v[n / 2]) / 2000.0;
}

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

int main(int argc, char **argv)
{
    struct sockaddr_in a;
    struct epoll_event ev, evs[MAX_EVENTS];
    struct rlimit rl;
    socklen_t alen = sizeof(a);
    unsigned port = 0;
    int ls, ep, one = 1;

    for (int i = 1; i + 1 < argc; i += 2) {
        const char *k = argv[i], *v = argv[i + 1];

        if (!strcmp(k, "--port"))
            port = (unsigned)atoi(v);
        else if (!strcmp(k, "--ttft"))
            opt.ttft_ms = atof(v);
        else if (!strcmp(k, "--gap"))
            opt.gap_ms = atof(v);
        else if (!strcmp(k, "--jitter"))
            opt.jitter_ms = atof(v);
        else if (!strcmp(k, "--tokens"))
            opt.tokens = (unsigned)atoi(v);
        else if (!strcmp(k, "--cut-every"))
            opt.cut_every = (unsigned)atoi(v);
        else if (!strcmp(k, "--cut-after"))
            opt.cut_after = (unsigned)atoi(v);
        else if (!strcmp(k, "--format"))
            opt.lines = !strcmp(v, "lines");
        else {
            fprintf(stderr, "stream_server: unknown option %s\n", k);
            return 2;
        }
    }
    if (opt.tokens == 0 || opt.jitter_ms > opt.gap_ms ||
        opt.jitter_ms > opt.ttft_ms) {
        fprintf(stderr, "stream_server: need tokens > 0 and jitter <= ttft, "
                        "gap\n");
        return 2;
    }
    /* wake when a token is due, not up to 50 us later */
    prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    ttft_us = malloc(SAMPLES_MAX * sizeof(*ttft_us));
    gap_us = malloc(SAMPLES_MAX * sizeof(*gap_us));
    ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    ep = epoll_create1(EPOLL_CLOEXEC);
    if (!ttft_us || !gap_us || ls < 0 || ep < 0)
        return 1;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(ls, (struct sockaddr *)&a, sizeof(a)) || listen(ls, 65535) ||
        getsockname(ls, (struct sockaddr *)&a, &alen)) {
        perror("stream_server: listen");
        return 1;
    }
    memset(&ev, 0, sizeof(ev));
    ev.events = EPOLLIN;
    ev.data.ptr = NULL;
    epoll_ctl(ep, EPOLL_CTL_ADD, ls, &ev);
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    signal(SIGPIPE, SIG_IGN);
    printf("port %u\n", ntohs(a.sin_port));
    fflush(stdout);
    while (!stop) {
        uint64_t now = now_ns();
        struct timespec to = {1, 0};
        int n;

        fire(ep, now);
        if (heap_n > 0) {
            uint64_t d = heap[0]->due > now ? heap[0]->due - now : 0;

            to.tv_sec = (time_t)(d / 1000000000u);
            to.tv_nsec = (long)(d % 1000000000u);
        }
        n = epoll_pwait2(ep, evs, MAX_EVENTS, &to, NULL);
        now = now_ns();
        for (int i = 0; i < n; i++) {
            struct conn *c = evs[i].data.ptr;

            if (!c) {
                int fd;

                while ((fd = accept4(ls, NULL, NULL,
                                     SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
                    c = calloc(1, sizeof(*c));
                    if (!c) {
                        close(fd);
                        continue;
                    }
                    c->fd = fd;
                    c->heap = SIZE_MAX;
                    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
                    ev.events = EPOLLIN | EPOLLRDHUP;
                    ev.data.ptr = c;
                    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
                }
                continue;
            }
            if ((evs[i].events & (EPOLLERR | EPOLLHUP)) || !on_read(c, now))
                conn_close(ep, c);
        }
    }
    printf("{\"streams\": %llu, \"cut\": %llu, \"ttft_p50_ms\": %.3f, "
           "\"gap_p50_ms\": %.3f, \"gaps\": %zu}\n",
           (unsigned long long)streams, (unsigned long long)cut_streams,
           median_ms(ttft_us, n_ttft), median_ms(gap_us, n_gap), n_gap);
    return 0;
}
