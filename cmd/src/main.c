/*
 * loadgate: a load-testing regression gate for CI pipelines.
 * main() finds the subcommand in cmd_commands[] (cmd_help.c) and runs it
 * (git's git.c).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>

#include "cmd.h"

/* The commands that poll cmd_stop and write what they measured. */
static bool command_polls(const char *name)
{
    static const char *const polling[] = {"run",  "ab",        "quick",
                                          "demo", "calibrate", "serve"};

    for (size_t i = 0; i < sizeof(polling) / sizeof(*polling); i++)
        if (strcmp(name, polling[i]) == 0)
            return true;
    return false;
}

int main(int argc, char **argv)
{
    const struct cmd *c;
    int rc;

    if (argc < 2) {
        cmd_help_general(stderr);
        return GATE_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        cmd_help_general(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0)
        return cmd_version(argc - 1, argv + 1);
    c = cmd_find(argv[1]);
    if (!c) {
        cmd_error("'%s' is not a loadgate command; see 'loadgate help'",
                  argv[1]);
        return GATE_EXIT_USAGE;
    }
    /* Before anything else: a signal during the profile's parsing or the
     * baseline's loading must reach a run's handler (exit 130/143 with
     * partial results), not the default action. */
    cmd_signals_init(command_polls(c->name));
    for (int i = 2; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return cmd_help_for(c->name, stdout);

    if (loader_curl_global_init() != 0) {
        cmd_error("cannot initialise libcurl");
        return GATE_EXIT_UNJUDGED;
    }
    /* the commands say what is wrong with an option, once */
    opterr = 0;
    rc = c->fn(argc - 1, argv + 1);
    /* git's run_builtin: a report that did not reach stdout is a failure. */
    if (fflush(stdout) != 0 || ferror(stdout)) {
        cmd_error("cannot write to standard output");
        if (rc == 0)
            rc = GATE_EXIT_UNJUDGED;
    }
    curl_global_cleanup();
    return rc;
}
