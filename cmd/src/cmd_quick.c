/* loadgate quick URL [REQUESTS [CONCURRENCY]]: the ad-hoc one-liner. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "units.h"

const struct cmd_option cmd_quick_options[] = {
    CMD_OPTION_VALUE("requests", 'n', CMD_OPT_REQUESTS, "N",
                     "requests to send (default 1000)"),
    CMD_OPTION_VALUE("concurrency", 'c', CMD_OPT_CONCURRENCY, "N",
                     "concurrent users (default 100)"),
    CMD_OPTION_VALUE("duration", 'd', CMD_OPT_DURATION, "DURATION",
                     "run for DURATION (30s, 5m) instead of N requests"),
    CMD_OPTION_VALUE("rate", 0, CMD_OPT_RATE, "R/s",
                     "open model: R arrivals per second"),
    CMD_OPTION_VALUE("method", 'm', CMD_OPT_METHOD, "METHOD",
                     "HTTP method (GET)"),
    CMD_OPTION_ARG("header", 'H', CMD_OPT_HEADER, "'K: V'", CMD_COMPLETE_NONE,
                   CMD_OPTF_REPEAT,
                   "a request header (repeatable; never reported)"),
    CMD_OPTION_FILE("body", CMD_OPT_BODY, "request body"),
    CMD_OPTION_THRESHOLD("a check instead of the defaults (repeatable); "
                         "error_rate < 5% stays unless one checks error_rate "
                         "('error_rate <= 100%' turns it off)"),
    CMD_OPTION_BASELINE("B", "compare with a results file, stored name or URL"),
    CMD_OPTION_STORE(0, "baseline store (.loadgate/baselines)"),
    CMD_OPTION_WORDS("engine", CMD_OPT_ENGINE, NULL, "fast curl",
                     "the transport (default: automatic)"),
    CMD_OPTION_WORDS("http", CMD_OPT_HTTP, NULL, "1.1 2 auto",
                     "HTTP version: 1.1 (default), 2 (h2 over TLS, h2c in "
                     "the clear), auto (ALPN)"),
    CMD_OPTION_VALUE("connections", 0, CMD_OPT_CONNECTIONS, "N",
                     "HTTP/2: connections the users share (default: enough "
                     "for all at --max-streams)"),
    CMD_OPTION_VALUE("max-streams", 0, CMD_OPT_MAX_STREAMS, "N",
                     "HTTP/2: streams in flight per connection (default: "
                     "the server's limit)"),
    CMD_OPTION_VALUE("threads", 0, CMD_OPT_THREADS, "N",
                     "event loops (for a remote target)"),
    CMD_REPORT_OPTIONS_INCLUDE,
    CMD_LIVE_OPTIONS_INCLUDE,
    {.long_name = NULL},
};

/* -d DURATION or --rate R/s into q: 0, or the usage error's exit code
 * (message printed) unless it is a quantity above 0. */
static int quantity_opt(const char *usage, int opt, const char *arg,
                        struct profile_quick *q)
{
    bool rate = opt == CMD_OPT_RATE;
    double *v = rate ? &q->rate : &q->duration_s;
    struct units_error ue;
    int urc = rate ? units_parse_rate(arg, v, &ue)
                   : units_parse_duration(arg, UNITS_SECONDS, v, &ue);

    if (!urc && *v > 0)
        return 0;
    return cmd_usage_error(
        usage, "%s wants %s, not '%s': %s", rate ? "--rate" : "-d",
        units_expected(rate ? UNITS_RATE : UNITS_DURATION), arg,
        urc    ? ue.msg
        : rate ? "it must be more than 0"
               : "it must be longer than 0");
}

/* All of path, NUL-terminated; NULL when it cannot be read. */
static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t len;

    if (!f)
        return NULL;
    metrics_read_all(f, SIZE_MAX, &buf, &len);
    fclose(f);
    return buf;
}

int cmd_quick(int argc, char **argv)
{
    struct cmd_report_opts ro = {0};
    struct cmd_judge j = {0};
    struct profile_quick q = {0};
    struct profile *prof = NULL;
    struct profile_error perr;
    const char **headers = NULL, **ths = NULL;
    enum loader_engine engine = LOADER_ENGINE_AUTO;
    size_t n_headers = 0, n_ths = 0;
    unsigned long long v;
    char *body = NULL, msg[1200];
    int opt, rc = GATE_EXIT_USAGE;
    bool n_set = false, c_set = false;
    struct cmd_getopt g = {0};
    const char *usage = cmd_usage("quick");

    headers = calloc((size_t)argc, sizeof(*headers));
    ths = calloc((size_t)argc, sizeof(*ths));
    if (!headers || !ths)
        goto out;
    q.requests = 1000;
    q.concurrency = 100;
    optind = 0;
    while ((opt = cmd_getopt_judged(argc, argv, cmd_quick_options, &g, &ro,
                                    &j)) != -1) {
        switch (opt) {
        case CMD_OPT_REQUESTS:
            if (cmd_parse_uint(optarg, 1, 1000000000000ULL, &v)) {
                rc = cmd_usage_error(usage,
                                     "-n wants a number of requests, "
                                     "not '%s'",
                                     optarg);
                goto out;
            }
            q.requests = v;
            n_set = true;
            break;
        case CMD_OPT_CONCURRENCY:
            if (cmd_parse_uint(optarg, 1, 1000000, &v)) {
                rc = cmd_usage_error(usage,
                                     "-c wants a concurrency from 1, "
                                     "not '%s'",
                                     optarg);
                goto out;
            }
            q.concurrency = (unsigned)v;
            c_set = true;
            break;
        case CMD_OPT_DURATION:
        case CMD_OPT_RATE:
            if ((rc = quantity_opt(usage, opt, optarg, &q)))
                goto out;
            break;
        case CMD_OPT_METHOD:
            q.method = optarg;
            break;
        case CMD_OPT_HEADER:
            headers[n_headers++] = optarg;
            break;
        case CMD_OPT_BODY:
            free(body);
            body = read_file(optarg);
            if (!body) {
                rc = cmd_usage_error(usage, "cannot read --body '%s'", optarg);
                goto out;
            }
            break;
        case CMD_OPT_THRESHOLD:
            ths[n_ths++] = optarg;
            break;
        case CMD_OPT_ENGINE:
            if (loader_engine_parse(optarg, &engine)) {
                rc = cmd_usage_error(usage,
                                     "--engine is fast or curl, not "
                                     "'%s'",
                                     optarg);
                goto out;
            }
            break;
        case CMD_OPT_HTTP:
            if (loader_http_version_parse(optarg, &q.http.version)) {
                rc = cmd_usage_error(
                    usage, "--http is 1.1, 2 or auto, not '%s'", optarg);
                goto out;
            }
            break;
        case CMD_OPT_CONNECTIONS:
        case CMD_OPT_MAX_STREAMS:
            if (cmd_parse_uint(optarg, 1, 1000000, &v)) {
                rc = cmd_usage_error(usage,
                                     "--%s wants a number from 1, not "
                                     "'%s'",
                                     opt == CMD_OPT_CONNECTIONS ? "connections"
                                                                : "max-streams",
                                     optarg);
                goto out;
            }
            *(opt == CMD_OPT_CONNECTIONS ? &q.http.connections
                                         : &q.http.max_streams) = (unsigned)v;
            break;
        case CMD_OPT_THREADS:
            /* through out: earlier -H, -t and --body are freed there */
            if ((rc = cmd_threads_opt(optarg, usage)))
                goto out;
            break;
        default:
            rc = cmd_bad_option(usage, opt, argv);
            goto out;
        }
    }
    if (optind >= argc || argc - optind > 3) {
        rc = cmd_usage_error(usage, "quick takes URL [REQUESTS "
                                    "[CONCURRENCY]]");
        goto out;
    }
    q.url = argv[optind];
    if (optind + 1 < argc) {
        if (n_set ||
            cmd_parse_uint(argv[optind + 1], 1, 1000000000000ULL, &v)) {
            rc = cmd_usage_error(usage,
                                 "REQUESTS must be a number, not "
                                 "'%s'",
                                 argv[optind + 1]);
            goto out;
        }
        q.requests = v;
        n_set = true;
    }
    if (optind + 2 < argc) {
        if (c_set || cmd_parse_uint(argv[optind + 2], 1, 1000000, &v)) {
            rc = cmd_usage_error(usage,
                                 "CONCURRENCY must be a number, not "
                                 "'%s'",
                                 argv[optind + 2]);
            goto out;
        }
        q.concurrency = (unsigned)v;
    }
    /* -d alone means "for that long", not "1000 requests or that long" */
    if (q.duration_s > 0 && !n_set)
        q.requests = 0;
    q.headers = headers;
    q.n_headers = n_headers;
    q.body = body;
    q.engine = engine;
    if ((q.http.connections || q.http.max_streams) &&
        q.http.version == LOADER_HTTP_1_1) {
        rc = cmd_usage_error(usage, "--connections and --max-streams are for "
                                    "HTTP/2 (--http 2 or auto)");
        goto out;
    }

    rc = profile_quick(&q, &prof, &perr);
    if (rc) {
        profile_error_format(&perr, msg, sizeof(msg));
        rc = cmd_usage_error(usage, "%s", perr.msg[0] ? perr.msg : msg);
        goto out;
    }
    j.profile = prof;
    j.profile_name = "quick";
    j.cli_thresholds = ths;
    j.n_cli_thresholds = n_ths;
    rc = cmd_run_and_judge(prof->plan, &j, &ro, 1, NULL, NULL);
out:
    profile_free(prof);
    free(headers);
    free(ths);
    free(body);
    return rc;
}
