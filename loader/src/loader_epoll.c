/* The epoll plumbing the transports share (loader_engine_internal.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>

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

int loader__epoll_wait(struct loader__engine *e, int epfd,
                       struct epoll_event *ev, int max, uint64_t now,
                       uint64_t deadline_ns)
{
    uint64_t wait_ns = deadline_ns > now ? deadline_ns - now : 0;
    /* Round up: waking a little late costs less than spinning. */
    int n = epoll_wait(epfd, ev, max, (int)((wait_ns + 999999) / 1000000));

    if (n >= 0 || errno == EINTR)
        return n < 0 ? 0 : n;
    snprintf(e->errbuf, e->errlen, "epoll_wait: %s", strerror(errno));
    return LOADER_EENGINE;
}
