/* Messages, option parsing helpers and signal handling shared by every
 * subcommand. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

volatile sig_atomic_t cmd_stop;
volatile sig_atomic_t cmd_signal;

static void vmessage(const char *prefix, const char *fmt, va_list ap)
{
    fprintf(stderr, "loadgate: %s", prefix);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

void cmd_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmessage("error: ", fmt, ap);
    va_end(ap);
}

void cmd_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmessage("warning: ", fmt, ap);
    va_end(ap);
}

void cmd_notice(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmessage("", fmt, ap);
    va_end(ap);
}

int cmd_usage_error(const char *usage, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmessage("error: ", fmt, ap);
    va_end(ap);
    fprintf(stderr, "usage: loadgate %s\n", usage);
    return GATE_EXIT_USAGE;
}

int cmd_bad_option(const char *usage, int opt, char **argv)
{
    const char *arg = optind > 0 ? argv[optind - 1] : "", *cur = argv[optind];
    bool is_long = strncmp(arg, "--", 2) == 0;
    char letter[3] = {'-', (char)optopt, '\0'};
    /* getopt_long sets optopt to the letter of a short option, to the
     * value of a known long one (its enum cmd_opt id, no character), and
     * to 0 for an unknown long one.  A letter inside a cluster (-zq)
     * leaves optind on the cluster. */
    bool in_cluster = optopt > 0 && optopt < 256 && isgraph(optopt) && cur &&
                      cur[0] == '-' && cur[1] != '-' && strchr(cur + 1, optopt);

    if (opt == ':')
        return cmd_usage_error(usage, "option '%s' needs a value",
                               is_long ? arg : letter);
    if (optopt == 0)
        return cmd_usage_error(usage, "unknown option '%s'", arg);
    if (is_long && strchr(arg, '=') && !in_cluster)
        return cmd_usage_error(usage, "option '%.*s' takes no value",
                               (int)strcspn(arg, "="), arg);
    return cmd_usage_error(usage, "unknown option '%s'", letter);
}

int cmd_parse_uint(const char *s, unsigned long long min,
                   unsigned long long max, unsigned long long *out)
{
    char *end;
    unsigned long long v;

    if (!s || !isdigit((unsigned char)*s))
        return -1;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno || *end || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

static void on_signal(int sig)
{
    cmd_signal = sig;
    cmd_stop = 1;
}

void cmd_signals_init(bool polls)
{
    struct sigaction sa;

    signal(SIGPIPE, SIG_IGN);
    /* A command that does not poll cmd_stop keeps the default action,
     * so "loadgate validate" or "baseline save" stop at once on Ctrl-C;
     * for one that does, a signal only asks it to stop, and it writes
     * what it measured. */
    if (!polls)
        return;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

const struct cmd_option cmd_report_options[] = {
    CMD_OPTION_OUT(0, "results JSON"),
    CMD_OPTION_FILE("junit", CMD_OPT_JUNIT,
                    "JUnit XML (one test case per check)"),
    CMD_OPTION_FILE("markdown", CMD_OPT_MARKDOWN,
                    "Markdown summary (also $GITHUB_STEP_SUMMARY)"),
    CMD_OPTION_FILE("html", CMD_OPT_HTML,
                    "self-contained HTML report with charts"),
    CMD_OPTION_FILE("gitlab-load-performance", CMD_OPT_GITLAB,
                    "GitLab Load Performance JSON"),
    CMD_OPTION_WORDS("format", CMD_OPT_FORMAT, NULL, "text json",
                     "what goes to stdout"),
    CMD_OPTION_FLAG("progress", 0, CMD_OPT_PROGRESS,
                    "progress lines on stderr even off a TTY"),
    CMD_OPTION_FLAG("quiet", 'q', CMD_OPT_QUIET, "only the verdict line"),
    {.long_name = NULL},
};

int cmd_report_opt(struct cmd_report_opts *o, int opt, const char *arg)
{
    switch (opt) {
    case CMD_OPT_OUT:
        o->out = arg;
        return 1;
    case CMD_OPT_JUNIT:
        o->junit = arg;
        return 1;
    case CMD_OPT_MARKDOWN:
        o->markdown = arg;
        return 1;
    case CMD_OPT_FORMAT:
        if (strcmp(arg, "text") != 0 && strcmp(arg, "json") != 0) {
            /* before anything runs: a usage error */
            cmd_error("--format is text or json, not '%s'", arg);
            exit(GATE_EXIT_USAGE);
        }
        o->format = arg;
        return 1;
    case CMD_OPT_QUIET:
        o->quiet = true;
        return 1;
    case CMD_OPT_PROGRESS:
        o->progress = true;
        return 1;
    case CMD_OPT_HTML:
        o->html = arg;
        return 1;
    case CMD_OPT_GITLAB:
        o->gitlab = arg;
        return 1;
    default:
        return cmd_live_opt(o, opt, arg);
    }
}

int cmd_getopt_judged(int argc, char **argv, const struct cmd_option *table,
                      struct cmd_getopt *g, struct cmd_report_opts *ro,
                      struct cmd_judge *j)
{
    int opt;

    while ((opt = cmd_getopt(argc, argv, table, g)) != -1)
        if (!cmd_report_opt(ro, opt, optarg) && !cmd_judge_opt(j, opt, optarg))
            return opt;
    return -1;
}

int cmd_judge_opt(struct cmd_judge *j, int opt, const char *arg)
{
    switch (opt) {
    case CMD_OPT_BASELINE:
        j->baseline_spec = arg;
        return 1;
    case CMD_OPT_REQUIRE_BASELINE:
        j->require_baseline = true;
        return 1;
    case CMD_OPT_ALLOW_PROFILE_CHANGE:
        j->allow_profile_change = true;
        return 1;
    case CMD_OPT_STORE:
        j->store = arg;
        return 1;
    case CMD_OPT_SAVE_BASELINE:
        j->save_baseline = arg;
        return 1;
    case CMD_OPT_IF_PASS:
        j->save_if_pass = true;
        return 1;
    case CMD_OPT_NO_GATE:
        j->no_gate = true;
        return 1;
    default:
        return 0;
    }
}
