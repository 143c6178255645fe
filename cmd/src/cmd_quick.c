/* loadgate quick URL [REQUESTS [CONCURRENCY]]: the ad-hoc one-liner. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "units.h"

static const char usage[] =
    "quick URL [REQUESTS [CONCURRENCY]] [-n N] [-c N] [-d DURATION] "
    "[--rate R/s] [-m METHOD] [-H 'K: V']... [--body FILE] "
    "[--threshold EXPR]... [--baseline B] [--store DIR] "
    "[--engine fast|curl] [--threads N] "
    CMD_REPORT_USAGE;

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t len = 0, cap = 0, n;

    if (!f)
        return NULL;
    do {
        if (len + 4096 + 1 > cap) {
            char *nb = realloc(buf, cap = cap * 2 + 8192);
            if (!nb) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
        }
        n = fread(buf + len, 1, cap - len - 1, f);
        len += n;
    } while (n > 0);
    fclose(f);
    buf[len] = '\0';
    return buf;
}

int cmd_quick(int argc, char **argv)
{
    static const struct option longopts[] = {
        CMD_REPORT_LONGOPTS,
        {"requests", required_argument, NULL, 'n'},
        {"concurrency", required_argument, NULL, 'c'},
        {"duration", required_argument, NULL, 'd'},
        {"rate", required_argument, NULL, 2001},
        {"method", required_argument, NULL, 'm'},
        {"header", required_argument, NULL, 'H'},
        {"body", required_argument, NULL, 2002},
        {"threshold", required_argument, NULL, 't'},
        {"baseline", required_argument, NULL, 'b'},
        {"store", required_argument, NULL, 2003},
        {"engine", required_argument, NULL, 2004},
        {"threads", required_argument, NULL, 2900},
        {NULL, 0, NULL, 0}};
    struct cmd_report_opts ro = {0};
    struct cmd_judge j = {0};
    struct profile_quick q = {0};
    struct profile *prof = NULL;
    struct profile_error perr;
    const char **headers = NULL, **ths = NULL, *engine = NULL;
    size_t n_headers = 0, n_ths = 0;
    unsigned long long v;
    struct units_error ue;
    char *body = NULL, msg[1200];
    int opt, urc, rc = GATE_EXIT_USAGE;
    bool n_set = false, c_set = false;

    headers = calloc((size_t)argc, sizeof(*headers));
    ths = calloc((size_t)argc, sizeof(*ths));
    if (!headers || !ths)
        goto out;
    q.requests = 1000;
    q.concurrency = 100;
    optind = 0;
    while ((opt = getopt_long(argc, argv, ":o:qn:c:d:m:H:t:b:", longopts,
                              NULL)) != -1) {
        if (cmd_report_opt(&ro, opt, optarg))
            continue;
        switch (opt) {
        case 'n':
            if (cmd_parse_uint(optarg, 1, 1000000000000ULL, &v)) {
                rc = cmd_usage_error(usage, "-n wants a number of requests, "
                                            "not '%s'", optarg);
                goto out;
            }
            q.requests = v;
            n_set = true;
            break;
        case 'c':
            if (cmd_parse_uint(optarg, 1, 1000000, &v)) {
                rc = cmd_usage_error(usage, "-c wants a concurrency from 1, "
                                            "not '%s'", optarg);
                goto out;
            }
            q.concurrency = (unsigned)v;
            c_set = true;
            break;
        case 'd':
            urc = units_parse_duration(optarg, UNITS_SECONDS, &q.duration_s,
                                       &ue);
            if (urc || q.duration_s <= 0) {
                rc = cmd_usage_error(usage, "-d wants %s, not '%s': %s",
                                     units_expected(UNITS_DURATION), optarg,
                                     urc ? ue.msg : "it must be longer than 0");
                goto out;
            }
            break;
        case 2001:
            urc = units_parse_rate(optarg, &q.rate, &ue);
            if (urc || q.rate <= 0) {
                rc = cmd_usage_error(usage, "--rate wants %s, not '%s': %s",
                                     units_expected(UNITS_RATE), optarg,
                                     urc ? ue.msg : "it must be more than 0");
                goto out;
            }
            break;
        case 'm':
            q.method = optarg;
            break;
        case 'H':
            headers[n_headers++] = optarg;
            break;
        case 2002:
            free(body);
            body = read_file(optarg);
            if (!body) {
                rc = cmd_usage_error(usage, "cannot read --body '%s'",
                                     optarg);
                goto out;
            }
            break;
        case 't':
            ths[n_ths++] = optarg;
            break;
        case 'b':
            j.baseline_spec = optarg;
            break;
        case 2003:
            j.store = optarg;
            break;
        case 2004:
            if (strcmp(optarg, "fast") != 0 && strcmp(optarg, "curl") != 0) {
                rc = cmd_usage_error(usage, "--engine is fast or curl, not "
                                            "'%s'", optarg);
                goto out;
            }
            engine = optarg;
            break;
        case 2900:
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
        if (n_set || cmd_parse_uint(argv[optind + 1], 1, 1000000000000ULL,
                                    &v)) {
            rc = cmd_usage_error(usage, "REQUESTS must be a number, not "
                                        "'%s'", argv[optind + 1]);
            goto out;
        }
        q.requests = v;
        n_set = true;
    }
    if (optind + 2 < argc) {
        if (c_set || cmd_parse_uint(argv[optind + 2], 1, 1000000, &v)) {
            rc = cmd_usage_error(usage, "CONCURRENCY must be a number, not "
                                        "'%s'", argv[optind + 2]);
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
    if (engine)
        loader_engine_parse(engine, &q.engine); /* checked above */

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
