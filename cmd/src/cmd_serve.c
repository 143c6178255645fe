/* loadgate serve: the baseline service (the original specification's
 * /api/load-test API) over a store folder, so many pipelines share
 * baselines.  Writes need LOADGATE_TOKEN as a bearer token when it is set;
 * without one the service listens on loopback only. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cmd.h"
#include "server.h"

const struct cmd_option cmd_serve_options[] = {
    CMD_OPTION_STORE('s', "the store folder"),
    CMD_OPTION_VALUE("listen", 'l', CMD_OPT_LISTEN, "ADDR:PORT",
                     "where to listen (127.0.0.1:8089)"),
    {.long_name = NULL},
};

int cmd_serve(int argc, char **argv)
{
    const char *usage = cmd_usage("serve");
    struct cmd_getopt g = {0};
    struct server_opts so = {0};
    struct server *srv = NULL;
    char err[512];
    int opt;

    optind = 0;
    while ((opt = cmd_getopt(argc, argv, cmd_serve_options, &g)) != -1) {
        switch (opt) {
        case CMD_OPT_STORE:
            so.store = optarg;
            break;
        case CMD_OPT_LISTEN:
            so.listen = optarg;
            break;
        default:
            return cmd_bad_option(usage, opt, argv);
        }
    }
    if (optind != argc)
        return cmd_usage_error(usage, "serve takes no arguments");
    if (!so.store)
        so.store = COMPARE_DEFAULT_STORE;
    so.token = getenv("LOADGATE_TOKEN");
    if (server_start(&so, &srv, err, sizeof(err))) {
        cmd_error("cannot start the baseline service: %s", err);
        return GATE_EXIT_UNJUDGED;
    }
    printf("baseline service on port %u, store %s%s (Ctrl-C stops it)\n",
           server_port(srv), so.store,
           so.token && *so.token ? ", writes need the token"
                                 : ", no token: loopback only");
    fflush(stdout);
    while (!cmd_stop)
        pause();
    server_stop(srv);
    return 0;
}
