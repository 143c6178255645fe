/* How many slots (users, or requests in flight) a load needs, and whether
 * the process may open that many sockets. */
#include <stdio.h>
#include <sys/resource.h>

#include "loader_engine_internal.h"

unsigned loader__slots(const struct loader_load *l)
{
    return l->model == LOADER_MODEL_OPEN
               ? (l->max_in_flight ? l->max_in_flight
                  : l->users       ? l->users
                                   : LOADER_MAX_IN_FLIGHT_DEFAULT)
               : l->users;
}

/* Raises the soft limit of open files to the hard one and checks that the
 * run fits. */
int loader__check_nofile(unsigned slots, bool open, bool fast, char *errbuf,
                         size_t errlen)
{
    struct rlimit rl;
    unsigned long long need = (unsigned long long)slots + 64;
    /* the fast transport's setup multis hold a socket pair per 10 users */
    unsigned long long extra = fast ? (unsigned long long)slots / 5 : 0;

    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return 0;
    if (rl.rlim_cur != rl.rlim_max) {
        struct rlimit nr = rl;

        nr.rlim_cur = rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &nr) == 0)
            rl = nr;
    }
    if (rl.rlim_cur != RLIM_INFINITY && need > rl.rlim_cur)
        return loader__set_err(
            errbuf, errlen, LOADER_ELIMIT,
            "%u %s need about %llu file descriptors; the limit is "
            "%llu (raise it with ulimit -n)",
            slots, open ? "requests in flight" : "users", need,
            (unsigned long long)rl.rlim_cur);
    if (rl.rlim_cur != RLIM_INFINITY && need + extra > rl.rlim_cur)
        return loader__set_err(
            errbuf, errlen, LOADER_ELIMIT,
            "%u %s need about %llu file descriptors with the fast "
            "engine; the limit is %llu (raise it with ulimit -n, "
            "or set engine: curl)",
            slots, open ? "requests in flight" : "users", need + extra,
            (unsigned long long)rl.rlim_cur);
    return 0;
}
