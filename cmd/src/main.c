/*
 * loadgate: a load-testing regression gate for CI pipelines.
 * main() finds the subcommand in cmd_commands[] and runs it (git's git.c).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>

#include "cmd.h"

/* The options gate and report share (one parser, cmd_gate.c). */
#define GATE_OPTIONS_HELP                                                    \
    "  -p, --profile PROFILE      thresholds (and hash check) of this profile\n" \
    "  -t, --threshold EXPR       a check instead of those (repeatable)\n"  \
    "  -b, --baseline FILE|NAME|URL  as for run\n"                          \
    "      --require-baseline     a missing baseline is exit 3, not a notice\n" \
    "      --allow-profile-change compare with a baseline of another profile\n" \
    "      --store DIR            baseline store (.loadgate/baselines)\n"   \
    "      --from FORMAT          another tool's results: locust, k6, jmeter,\n" \
    "                             artillery, autocannon, gatling, vegeta, wrk,\n" \
    "                             hey; auto (the default): told from the content\n" \
    CMD_REPORT_HELP

const struct cmd cmd_commands[] = {
    {"run", cmd_run,
     "run PROFILE [--baseline FILE|NAME|URL] [--require-baseline] "
     "[--allow-profile-change] [--save-baseline NAME [--if-pass]] "
     "[--keep N] [--store DIR] [--no-gate] [--shard I/N | --shards N] "
     "[--repeat N] [--threads N] " CMD_REPORT_USAGE,
     "drive the profile's load, judge it, report, exit with the verdict",
     "Runs PROFILE's load, judges it against its thresholds (defaults: p95 < 1s,\n"
     "error_rate < 5%; error_rate < 5% stays unless the profile checks\n"
     "error_rate itself) and its baseline, writes the reports asked for, and\n"
     "exits 0 (pass), 1 (regression), 2 (profile error), 3 (could not judge)\n"
     "or 130/143 (interrupted; partial results written).\n\n"
     "  -b, --baseline FILE|NAME|URL  compare with a results file (missing:\n"
     "                             exit 3), a stored name (missing from an empty\n"
     "                             store: relative checks skipped; from a store\n"
     "                             holding others: exit 3) or a baseline service\n"
     "      --require-baseline     a missing baseline is exit 3, not a notice\n"
     "      --allow-profile-change compare with a baseline of another profile\n"
     "      --save-baseline NAME   store this run as baseline NAME afterwards\n"
     "      --if-pass              ... only when the verdict is PASS\n"
     "      --keep N               ... keeping N versions of its history\n"
     "      --store DIR            baseline store (.loadgate/baselines)\n"
     "      --no-gate              report, but exit 0 whatever the verdict\n"
     "      --shard I/N            run shard I of N (also LOADGATE_SHARD)\n"
     "      --shards N             shard from JOB_COMPLETION_INDEX (Kubernetes)\n"
     "      --threads N            event loops (for a remote target)\n"
     "      --repeat N             run N times and judge them pooled (fewer\n"
     "                             false alarms, more power)\n"
     CMD_REPORT_HELP "\n"
     "Examples:\n"
     "  loadgate run perf/checkout.yaml --baseline main --junit junit.xml\n"
     "  loadgate run perf/checkout.yaml --save-baseline main --if-pass\n"},
    {"quick", cmd_quick,
     "quick URL [REQUESTS [CONCURRENCY]] [-n N] [-c N] [-d DURATION] "
     "[--rate R/s] [-m METHOD] [-H 'K: V']... [--body FILE] "
     "[--threshold EXPR]... [--baseline B] [--store DIR] "
     "[--engine fast|curl] [--threads N] " CMD_REPORT_USAGE,
     "one-line load test of one URL (default 1000 requests, 100 "
     "concurrent)",
     "Load-tests one URL without a profile and prints the same report.\n\n"
     "  -n, --requests N      requests to send (default 1000)\n"
     "  -c, --concurrency N   concurrent users (default 100)\n"
     "  -d, --duration D      run for D (30s, 5m) instead of N requests\n"
     "      --rate R/s        open model: R arrivals per second\n"
     "  -m, --method M        HTTP method (GET)\n"
     "  -H, --header 'K: V'   a request header (repeatable; never reported)\n"
     "      --body FILE       request body\n"
     "  -t, --threshold EXPR  a check instead of the defaults (repeatable);\n"
     "                        error_rate < 5% stays unless one checks\n"
     "                        error_rate ('error_rate <= 100%' turns it off)\n"
     "  -b, --baseline B      compare with a results file, stored name or URL\n"
     "      --store DIR       baseline store (.loadgate/baselines)\n"
     "      --engine fast|curl  the transport (default: automatic)\n"
     "      --threads N       event loops (for a remote target)\n"
     CMD_REPORT_HELP "\n"
     "Examples:\n"
     "  loadgate quick http://localhost:5000/api/health 1000 100\n"
     "  loadgate quick http://localhost:5000/api/health -d 30s -c 50 -t 'p99 < 200ms'\n"},
    {"gate", cmd_gate,
     "gate RESULTS [--from FORMAT] [--profile PROFILE] "
     "[--threshold EXPR]... [--baseline B] [--require-baseline] "
     "[--allow-profile-change] [--store DIR] " CMD_REPORT_USAGE,
     "judge a results file against thresholds and a baseline",
     "Judges a results file (from run --out, a merge, or another machine).\n"
     "Thresholds come from --threshold, else --profile's, else those the\n"
     "results carry (run writes its profile's), else the defaults; the\n"
     "default error_rate < 5% check stays unless they check error_rate.\n\n"
     GATE_OPTIONS_HELP "\n"
     "Examples:\n"
     "  loadgate gate results.json --profile perf/checkout.yaml --baseline main\n"
     "  loadgate gate results.json -t 'p95 < 800ms' -t 'error_rate < 1%' --junit junit.xml\n"
     "  loadgate gate run_stats.csv -t 'p95 < 500ms'       # Locust, told from the content\n"
     "  loadgate gate --from k6 summary.json --baseline main\n"
     "  loadgate gate --from jmeter results.jtl --junit junit.xml\n\n"
     "RESULTS may be another tool's results, told from the content (--from auto,\n"
     "the default) or named by --from: locust (--csv stats), k6 (--summary-export,\n"
     "handleSummary JSON or --out json), jmeter (JTL: CSV or XML), artillery (run -o\n"
     "JSON), autocannon (--json), gatling (simulation.log or js/stats.json), vegeta\n"
     "(encode JSON lines or report -type=json), wrk (--latency output, wrk2 too),\n"
     "hey (-o csv). Per-request files are judged like loadgate's own runs;\n"
     "what a summary-only source lacks (k6 has no p99 unless asked) is\n"
     "INCONCLUSIVE, never guessed.\n"},
    {"compare", cmd_compare, "compare BASELINE RESULTS [--store DIR]",
     "side-by-side diff of two results files, per endpoint",
     "Prints p50/p95/p99/rps/error rate/requests of both side by side, per\n"
     "endpoint and for the whole run, with the change.  BASELINE is a results\n"
     "file, a stored name or a baseline service's URL, as for run.\n\n"
     "      --store DIR   baseline store (.loadgate/baselines)\n\n"
     "Examples:\n"
     "  loadgate compare main results.json\n"
     "  loadgate compare .loadgate/baselines/main.json results.json\n"},
    {"baseline", cmd_baseline,
     "baseline save RESULTS --name NAME [--to URL] [--keep N] | list | "
     "show NAME [--json] | history NAME | rollback NAME [VERSION] | rm NAME "
     " [--store DIR]",
     "manage the stored baselines (default store .loadgate/baselines)",
     "A baseline is a results file promoted under a name, one JSON file per\n"
     "name in the store (default .loadgate/baselines; LOADGATE_STORE), written\n"
     "atomically, meant to be committed next to the code it measures.\n\n"
     "  -n, --name NAME   the name to save under\n"
     "  -t, --to URL      save to a baseline service instead (LOADGATE_TOKEN)\n"
     "  -k, --keep N      keep N versions of the name's history\n"
     "  -j, --json        show: the document as JSON\n"
     "  -s, --store DIR   the store folder\n\n"
     "Examples:\n"
     "  loadgate baseline save results.json --name main\n"
     "  loadgate baseline list\n"
     "  loadgate baseline show main --json\n"
     "  loadgate baseline history main        # every save keeps the last version\n"
     "  loadgate baseline rollback main       # back to the previous version\n"
     "  loadgate baseline rm old-main\n"},
    {"calibrate", cmd_calibrate, "calibrate PROFILE [--runs N] [--quiet]",
     "A/A runs: the noise band per endpoint and metric, suggested tolerances",
     "Runs PROFILE N times (default 5) against the same service and prints,\n"
     "per endpoint and metric, the values of each run, the noise band, and\n"
     "the smallest tolerance that would not have raised a false alarm on any\n"
     "pair, with a suggested threshold line.\n\n"
     "  -n, --runs N   A/A runs (2 to 100, default 5)\n"
     "  -q, --quiet    no progress\n\n"
     "Example:\n"
     "  loadgate calibrate perf/checkout.yaml --runs 5\n"},
    {"merge", cmd_merge, "merge A.json B.json ... -o OUT.json [--force]",
     "merge the shards of one run exactly",
     "Adds up histograms, counts, error classes and timelines (aligned on\n"
     "wall-clock seconds), so thresholds on the merged result are exact.\n"
     "The inputs must be the shards of one run: shards I/N of the same N,\n"
     "each I once, of one profile, whose measured windows overlap, and of\n"
     "the same CI run (meta.run_id) where both know it. Anything else, a\n"
     "corrupt file or counts that would add up beyond 2^53 is refused\n"
     "(exit 3).\n\n"
     "  -o, --out FILE   the merged results\n"
     "      --force      merge runs that are not one run's shards (of one\n"
     "                   profile), with a warning; the time between runs\n"
     "                   that did not overlap is left out of the duration\n\n"
     "Example:\n"
     "  loadgate merge results-1.json results-2.json -o results.json\n"},
    {"validate", cmd_validate, "validate PROFILE",
     "check a profile and its thresholds without running anything",
     "Parses the profile and its thresholds and checks that every threshold's\n"
     "endpoint exists; exit 0 or 2 with file:line:column.  Lists the checks\n"
     "each endpoint gets, with the profile line each comes from and what it\n"
     "replaces there, and warns about per-endpoint rps checks in the closed\n"
     "model.\n\n"
     "Example:\n"
     "  loadgate validate perf/checkout.yaml\n"},
    {"demo", cmd_demo,
     "demo [--slow ENDPOINT=PERCENT]... [--serve PORT] [--baseline B] "
     "[--save-baseline NAME] [--store DIR] " CMD_REPORT_USAGE,
     "run the bundled service and profile end to end",
     "Starts the bundled service on a free loopback port and runs the bundled\n"
     "profile (ci-examples/demo/profile.yaml: 1000 users) against it, judged\n"
     "against the bundled baseline.\n\n"
     "      --slow ENDPOINT=PERCENT  slow one endpoint down (repeatable)\n"
     "      --serve PORT       only serve the demo API on 127.0.0.1:PORT\n"
     "  -b, --baseline B       judge against B instead of the bundled baseline\n"
     "      --save-baseline NAME  store this run as baseline NAME\n"
     "      --store DIR        baseline store (.loadgate/baselines)\n"
     CMD_REPORT_HELP "\n"
     "Examples:\n"
     "  loadgate demo\n"
     "  loadgate demo --slow 'GET /api/agents=100'       # exits 1\n"
     "  loadgate demo --serve 8080\n"},
    {"report", cmd_report,
     "report RESULTS [--from FORMAT] [--profile PROFILE] "
     "[--threshold EXPR]... [--baseline B] [--require-baseline] "
     "[--allow-profile-change] [--store DIR] " CMD_REPORT_USAGE,
     "render the reports of a results file (exit 0 whatever the verdict)",
     "Renders the reports of a results file, as gate does (same options and\n"
     "thresholds: --threshold, else --profile's, else those the results\n"
     "carry), but exits 0 whatever the verdict.\n\n"
     GATE_OPTIONS_HELP "\n"
     "Example:\n"
     "  loadgate report results.json --baseline main --markdown summary.md\n"},
    {"serve", cmd_serve, "serve --store DIR [--listen ADDR:PORT]",
     "run the baseline service (HTTP API) over a store folder",
     "Serves the original specification's API so that many pipelines share\n"
     "baselines: POST /api/load-test/baseline, GET /api/load-test/baselines,\n"
     "GET /api/load-test/baselines/{id}[?format=text], GET /api/load-test/info.\n"
     "Writes need 'Authorization: Bearer $LOADGATE_TOKEN' when LOADGATE_TOKEN\n"
     "is set; without it the service listens on loopback only.\n\n"
     "  -s, --store DIR          the store folder\n"
     "  -l, --listen ADDR:PORT   where to listen (127.0.0.1:8089)\n\n"
     "Examples:\n"
     "  loadgate serve --store /srv/baselines --listen 127.0.0.1:8089\n"
     "  loadgate run perf.yaml --baseline http://ci-baselines:8089/api/load-test/baselines/main\n"
     "  loadgate baseline save results.json --name main --to http://ci-baselines:8089\n"},
    {"help", cmd_help, "help [COMMAND]", "show help for a command",
     "Example:\n  loadgate help run\n"},
    {"version", cmd_version, "version", "print the version",
     ""},
    {NULL, NULL, NULL, NULL, NULL},
};

static const struct cmd *find_command(const char *name)
{
    for (const struct cmd *c = cmd_commands; c->name; c++)
        if (strcmp(c->name, name) == 0)
            return c;
    return NULL;
}

static void general_help(FILE *out)
{
    fprintf(out, "usage: loadgate COMMAND [ARGS]\n\n"
                 "A load-testing regression gate for CI pipelines.\n\n"
                 "Commands:\n");
    for (const struct cmd *c = cmd_commands; c->name; c++)
        fprintf(out, "  %-10s %s\n", c->name, c->summary);
    fprintf(out,
            "\nExit codes: 0 pass, 1 performance regression or threshold "
            "failed,\n2 usage or profile error, 3 could not run or judge, "
            "130/143 interrupted.\n"
            "Run 'loadgate help COMMAND' for a command's options.\n");
}

int cmd_help_for(const char *name, FILE *out)
{
    const struct cmd *c = find_command(name);

    if (!c) {
        cmd_error("'%s' is not a loadgate command", name);
        return GATE_EXIT_USAGE;
    }
    fprintf(out, "usage: loadgate %s\n\n%s.\n", c->usage, c->summary);
    if (c->details && *c->details)
        fprintf(out, "\n%s", c->details);
    return 0;
}

int cmd_help(int argc, char **argv)
{
    if (argc > 1)
        return cmd_help_for(argv[1], stdout);
    general_help(stdout);
    return 0;
}

int cmd_version(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    printf("loadgate %s (%s)\n", LOADGATE_VERSION, curl_version());
    return 0;
}

/* The commands that poll cmd_stop and write what they measured. */
static bool command_polls(const char *name)
{
    static const char *const polling[] = {"run", "quick", "demo",
                                          "calibrate", "serve"};

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
        general_help(stderr);
        return GATE_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        general_help(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0)
        return cmd_version(argc - 1, argv + 1);
    c = find_command(argv[1]);
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
