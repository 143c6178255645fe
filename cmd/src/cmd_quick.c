/* loadgate quick URL [REQUESTS [CONCURRENCY]]: the ad-hoc one-liner. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "units.h"

const struct cmd_option cmd_quick_options[] = {
    {.long_name = "requests",
     .short_name = 'n',
     .id = CMD_OPT_REQUESTS,
     .arg = CMD_ARG_REQUIRED,
     .metavar = "N",
     .help = "requests to send (default 1000)"},
    {.long_name = "concurrency",
     .short_name = 'c',
     .id = CMD_OPT_CONCURRENCY,
     .arg = CMD_ARG_REQUIRED,
     .metavar = "N",
     .help = "concurrent users (default 100)"},
    {.long_name = "duration",
     .short_name = 'd',
     .id = CMD_OPT_DURATION,
     .arg = CMD_ARG_REQUIRED,
     .metavar = "DURATION",
     .help = "run for DURATION (30s, 5m) instead of N requests"},
    {.long_name = "rate",
     .id = CMD_OPT_RATE,
     .arg = CMD_ARG_REQUIRED,
     .metavar = "R/s",
     .help = "open model: R arrivals per second"},
    {.long_name = "method",
     .short_name = 'm',
     .id = CMD_OPT_METHOD,
     .arg = CMD_ARG_REQUIRED,
     .metavar = "METHOD",
     .help = "HTTP method (GET)"},
    {.long_name = "header",
     .short_name = 'H',
     .id = CMD_OPT_HEADER,
     .arg = CMD_ARG_REQUIRED,
     .metavar = "'K: V'",
     .flags = CMD_OPTF_REPEAT,
     .help = "a request header (repeatable; never reported)"},
    {.long_name = "body",
     .id = CMD_OPT_BODY,
     .arg = CMD_ARG_REQUIRED,
     .metavar = "FILE",
     .complete = CMD_COMPLETE_FILE,
     .help = "request body"},
    {.long_name = "threshold",
     .short_name = 't',
     .id = CMD_OPT_THRESHOLD,
     .arg = CMD_ARG_REQUIRED,
     .metavar = "EXPR",
     .flags = CMD_OPTF_REPEAT,
     .help = "a check instead of the defaults (repeatable); error_rate < 5% "
             "stays unless one checks error_rate ('error_rate <= 100%' turns "
             "it off)"},
    {.long_name = "baseline",
     .short_name = 'b',
     .id = CMD_OPT_BASELINE,
     .arg = CMD_ARG_REQUIRED,
     .metavar = "B",
     .complete = CMD_COMPLETE_BASELINE,
     .help = "compare with a results file, stored name or URL"},
    {.long_name = "store",
     .id = CMD_OPT_STORE,
     .arg = CMD_ARG_REQUIRED,
     .metavar = "DIR",
     .complete = CMD_COMPLETE_DIR,
     .help = "baseline store (.loadgate/baselines)"},
    {.long_name = "engine",
     .id = CMD_OPT_ENGINE,
     .arg = CMD_ARG_REQUIRED,
     .complete = CMD_COMPLETE_WORDS,
     .words = "fast curl",
     .help = "the transport (default: automatic)"},
    {.long_name = "http",
     .id = CMD_OPT_HTTP,
     .arg = CMD_ARG_REQUIRED,
     .complete = CMD_COMPLETE_WORDS,
     .words = "1.1 2 auto",
     .help = "HTTP version: 1.1 (default), 2 (h2 over TLS, h2c in the clear), "
             "auto (ALPN)"},
    {.long_name = "connections",
     .id = CMD_OPT_CONNECTIONS,
     .arg = CMD_ARG_REQUIRED,
     .metavar = "N",
     .help = "HTTP/2: connections the users share (default: enough for all "
             "at --max-streams)"},
    {.long_name = "max-streams",
     .id = CMD_OPT_MAX_STREAMS,
     .arg = CMD_ARG_REQUIRED,
     .metavar = "N",
     .help = "HTTP/2: streams in flight per connection (default: the "
             "server's limit)"},
    {.long_name = "threads",
     .id = CMD_OPT_THREADS,
     .arg = CMD_ARG_REQUIRED,
     .metavar = "N",
     .help = "event loops (for a remote target)"},
    CMD_REPORT_OPTIONS_INCLUDE,
    CMD_LIVE_OPTIONS_INCLUDE,
    {.long_name = NULL},
};

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
    struct units_error ue;
    char *body = NULL, msg[1200];
    int opt, urc, rc = GATE_EXIT_USAGE;
    bool n_set = false, c_set = false, h2_counts = false;
    struct cmd_getopt g = {0};
    const char *usage = cmd_usage("quick");

    headers = calloc((size_t)argc, sizeof(*headers));
    ths = calloc((size_t)argc, sizeof(*ths));
    if (!headers || !ths)
        goto out;
    q.requests = 1000;
    q.concurrency = 100;
    optind = 0;
    while ((opt = cmd_getopt(argc, argv, cmd_quick_options, &g)) != -1) {
        if (cmd_report_opt(&ro, opt, optarg) || cmd_judge_opt(&j, opt, optarg))
            continue;
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
            urc =
                units_parse_duration(optarg, UNITS_SECONDS, &q.duration_s, &ue);
            if (urc || q.duration_s <= 0) {
                rc = cmd_usage_error(usage, "-d wants %s, not '%s': %s",
                                     units_expected(UNITS_DURATION), optarg,
                                     urc ? ue.msg : "it must be longer than 0");
                goto out;
            }
            break;
        case CMD_OPT_RATE:
            urc = units_parse_rate(optarg, &q.rate, &ue);
            if (urc || q.rate <= 0) {
                rc = cmd_usage_error(usage, "--rate wants %s, not '%s': %s",
                                     units_expected(UNITS_RATE), optarg,
                                     urc ? ue.msg : "it must be more than 0");
                goto out;
            }
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
            h2_counts = true;
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
    if (h2_counts && q.http.version == LOADER_HTTP_1_1) {
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
