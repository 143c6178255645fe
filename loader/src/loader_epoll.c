/* The epoll plumbing the transports share (loader_engine_internal.h). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>

#include "loader_engine_internal.h"

void loader__epoll_watch(int epfd, int fd, uint64_t tag, bool out)
{
    struct epoll_event ev;

    memset(&ev, 0, sizeof(ev));
    ev.events = EPOLLIN | (out ? EPOLLOUT : 0u);
    ev.data.u64 = tag;
    if (epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &ev) != 0)
        epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
}

/* What epoll_wait() returned as the waits' result: a signal is no event. */
static int wait_result(struct loader__engine *e, int n)
{
    if (n >= 0 || errno == EINTR)
        return n < 0 ? 0 : n;
    snprintf(e->errbuf, e->errlen, "epoll_wait: %s", strerror(errno));
    return LOADER_EENGINE;
}

int loader__epoll_wait(struct loader__engine *e, int epfd,
                       struct epoll_event *ev, int max, uint64_t now,
                       uint64_t deadline_ns)
{
    uint64_t wait_ns = deadline_ns > now ? deadline_ns - now : 0;
    int n;

    if (wait_ns == 0) {
        n = epoll_wait(epfd, ev, max, 0);
    } else if (wait_ns >= (uint64_t)INT_MAX * 1000000u) {
        n = epoll_wait(epfd, ev, max, INT_MAX);
    } else {
        /* to the microsecond: a millisecond's timeout would send an
         * open-model arrival up to 1 ms late, and that wait counts in
         * its latency (from the scheduled time) */
        struct timespec ts = {(time_t)(wait_ns / 1000000000u),
                              (long)(wait_ns % 1000000000u)};

        n = epoll_pwait2(epfd, ev, max, &ts, NULL);
        if (n < 0 && errno == ENOSYS) /* a kernel before 5.11 */
            n = epoll_wait(epfd, ev, max, (int)((wait_ns + 999999) / 1000000));
    }
    return wait_result(e, n);
}

int loader__epoll_nap(struct loader__engine *e, int epfd,
                      struct epoll_event *ev, int max, uint64_t nap_ns, int few)
{
    struct timespec ts = {0, (long)nap_ns};
    int n = epoll_wait(epfd, ev, max, 0);

    /* level-triggered: what the first look saw, the second sees again */
    if (n >= 0 && n < few && nap_ns > 0 && nap_ns < 1000000000u) {
        nanosleep(&ts, NULL);
        n = epoll_wait(epfd, ev, max, 0);
    }
    return wait_result(e, n);
}
