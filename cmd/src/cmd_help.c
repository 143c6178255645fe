/*
 * The commands (cmd_commands[]: what main() dispatches to, with each
 * command's arguments, option table, summary, prose and examples) and
 * their help, made from the tables.
 */
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>

#include "cmd.h"

const struct cmd cmd_commands[] = {
    {.name = "run",
     .fn = cmd_run,
     .args = "PROFILE",
     .args_complete = CMD_COMPLETE_FILE,
     .options = cmd_run_options,
     .summary = "drive the profile's load, judge it, report, exit with the "
                "verdict",
     .details =
         "Runs PROFILE's load, judges it against its thresholds (defaults: p95 "
         "< 1s,\n"
         "error_rate < 5%; error_rate < 5% stays unless the profile checks\n"
         "error_rate itself) and its baseline, writes the reports asked for, "
         "and\n"
         "exits 0 (pass), 1 (regression), 2 (profile error), 3 (could not "
         "judge)\n"
         "or 130/143 (interrupted; partial results written).\n",
     .examples =
         "Examples:\n"
         "  loadgate run perf/checkout.yaml --baseline main --junit junit.xml\n"
         "  loadgate run perf/checkout.yaml --save-baseline main --if-pass\n"
         "  loadgate run perf/checkout.yaml --ui 8080     # watch it at "
         "http://127.0.0.1:8080/\n"},
    {.name = "ab",
     .fn = cmd_ab,
     .args = "PROFILE",
     .args_complete = CMD_COMPLETE_FILE,
     .options = cmd_ab_options,
     .summary = "run the profile against two targets at once and judge B "
                "against A",
     .details = "Runs PROFILE against --a (the baseline build) and --b (the "
                "candidate)\n"
                "at the same time, in two engine runs; each side gets the "
                "profile's full\n"
                "load (users, rate), so each is measured as the profile says "
                "(the host\n"
                "carries twice the load).  Relative thresholds ('p95 < "
                "baseline + 5%')\n"
                "compare B with A over windows paired on the clock; absolute "
                "ones judge\n"
                "B.  The profile's own baseline is not used.  Reports and exit "
                "codes as\n"
                "for run; --out/--out-b write B's results, --out-a A's (either "
                "can be\n"
                "stored later with baseline save).\n",
     .examples = "Example:\n"
                 "  loadgate ab perf/checkout.yaml --a http://127.0.0.1:8001 "
                 "--b http://127.0.0.1:8002 --junit junit.xml\n"},
    {.name = "quick",
     .fn = cmd_quick,
     .args = "URL [REQUESTS [CONCURRENCY]]",
     .options = cmd_quick_options,
     .summary = "one-line load test of one URL (default 1000 requests, 100 "
                "concurrent)",
     .details = "Load-tests one URL without a profile and prints the same "
                "report.\n",
     .examples = "Examples:\n"
                 "  loadgate quick http://localhost:5000/api/health 1000 100\n"
                 "  loadgate quick http://localhost:5000/api/health -d 30s -c "
                 "50 -t 'p99 < 200ms'\n"},
    {.name = "gate",
     .fn = cmd_gate,
     .args = "RESULTS",
     .args_complete = CMD_COMPLETE_FILE,
     .options = cmd_gate_options,
     .summary = "judge a results file against thresholds and a baseline",
     .details =
         "Judges a results file (from run --out, a merge, or another "
         "machine).\n"
         "Thresholds come from --threshold, else --profile's, else those the\n"
         "results carry (run writes its profile's), else the defaults; the\n"
         "default error_rate < 5% check stays unless they check error_rate.\n\n"
         "RESULTS may be another tool's results, told from the content (--from "
         "auto,\n"
         "the default) or named by --from: locust (--csv stats), k6 "
         "(--summary-export,\n"
         "handleSummary JSON or --out json), jmeter (JTL: CSV or XML), "
         "artillery (run -o\n"
         "JSON), autocannon (--json), gatling (simulation.log or "
         "js/stats.json), vegeta\n"
         "(encode JSON lines or report -type=json), wrk (--latency output, "
         "wrk2 too),\n"
         "hey (-o csv). Per-request files are judged like loadgate's own "
         "runs;\n"
         "what a summary-only source lacks (k6 has no p99 unless asked) is\n"
         "INCONCLUSIVE, never guessed.\n",
     .examples =
         "Examples:\n"
         "  loadgate gate results.json --profile perf/checkout.yaml --baseline "
         "main\n"
         "  loadgate gate results.json -t 'p95 < 800ms' -t 'error_rate < 1%' "
         "--junit junit.xml\n"
         "  loadgate gate run_stats.csv -t 'p95 < 500ms'       # Locust, told "
         "from the content\n"
         "  loadgate gate --from k6 summary.json --baseline main\n"
         "  loadgate gate --from jmeter results.jtl --junit junit.xml\n"},
    {.name = "compare",
     .fn = cmd_compare,
     .args = "BASELINE RESULTS",
     .args_complete = CMD_COMPLETE_BASELINE,
     .options = cmd_compare_options,
     .summary = "side-by-side diff of two results files, per endpoint",
     .details =
         "Prints p50/p95/p99/rps/error rate/requests of both side by side, "
         "per\n"
         "endpoint and for the whole run, with the change.  BASELINE is a "
         "results\n"
         "file, a stored name or a baseline service's URL, as for run.\n",
     .examples =
         "Examples:\n"
         "  loadgate compare main results.json\n"
         "  loadgate compare .loadgate/baselines/main.json results.json\n"},
    {.name = "baseline",
     .fn = cmd_baseline,
     .args = "save RESULTS --name NAME | list | show NAME | history NAME | "
             "rollback NAME [VERSION] | rm NAME",
     .args_complete = CMD_COMPLETE_FILE,
     .verbs = "save list show history rollback rm",
     .options = cmd_baseline_options,
     .summary = "manage the stored baselines (default store "
                ".loadgate/baselines)",
     .details =
         "A baseline is a results file promoted under a name, one JSON file "
         "per\n"
         "name in the store (default .loadgate/baselines; LOADGATE_STORE), "
         "written\n"
         "atomically, meant to be committed next to the code it measures.\n",
     .examples = "Examples:\n"
                 "  loadgate baseline save results.json --name main\n"
                 "  loadgate baseline list\n"
                 "  loadgate baseline show main --json\n"
                 "  loadgate baseline history main        # every save keeps "
                 "the last version\n"
                 "  loadgate baseline rollback main       # back to the "
                 "previous version\n"
                 "  loadgate baseline rm old-main\n"},
    {.name = "calibrate",
     .fn = cmd_calibrate,
     .args = "PROFILE",
     .args_complete = CMD_COMPLETE_FILE,
     .options = cmd_calibrate_options,
     .summary = "A/A runs: the noise band per endpoint and metric, suggested "
                "tolerances",
     .details = "Runs PROFILE N times (default 5) against the same service and "
                "prints,\n"
                "per endpoint and metric, the values of each run, the noise "
                "band, and\n"
                "the smallest tolerance that would not have raised a false "
                "alarm on any\n"
                "pair, with a suggested threshold line.\n",
     .examples = "Example:\n"
                 "  loadgate calibrate perf/checkout.yaml --runs 5\n"},
    {.name = "merge",
     .fn = cmd_merge,
     .args = "A.json B.json ... -o OUT.json",
     .args_complete = CMD_COMPLETE_FILE,
     .options = cmd_merge_options,
     .summary = "merge the shards of one run exactly",
     .details =
         "Adds up histograms, counts, error classes and timelines (aligned on\n"
         "wall-clock seconds), so thresholds on the merged result are exact.\n"
         "The inputs must be the shards of one run: shards I/N of the same N,\n"
         "each I once, of one profile, whose measured windows overlap, and of\n"
         "the same CI run (meta.run_id) where both know it.  Anything else, a\n"
         "corrupt file or counts that would add up beyond 2^53 is refused\n"
         "(exit 3).\n",
     .examples =
         "Example:\n"
         "  loadgate merge results-1.json results-2.json -o results.json\n"},
    {.name = "validate",
     .fn = cmd_validate,
     .args = "PROFILE",
     .args_complete = CMD_COMPLETE_FILE,
     .summary = "check a profile and its thresholds without running anything",
     .details = "Parses the profile and its thresholds and checks that every "
                "threshold's\n"
                "endpoint exists; exit 0 or 2 with file:line:column.  Lists "
                "the checks\n"
                "each endpoint gets, with the profile line each comes from and "
                "what it\n"
                "replaces there, and warns about per-endpoint rps checks in "
                "the closed\n"
                "model.\n",
     .examples = "Example:\n"
                 "  loadgate validate perf/checkout.yaml\n"},
    {.name = "demo",
     .fn = cmd_demo,
     .args = "",
     .options = cmd_demo_options,
     .summary = "run the bundled service and profile end to end",
     .details = "Starts the bundled service on a free loopback port and runs "
                "the bundled\n"
                "profile (ci-examples/demo/profile.yaml: 1000 users) against "
                "it, judged\n"
                "against the bundled baseline.\n",
     .examples =
         "Examples:\n"
         "  loadgate demo\n"
         "  loadgate demo --slow 'GET /api/agents=100'       # exits 1\n"
         "  loadgate demo --serve 8080\n"},
    {.name = "report",
     .fn = cmd_report,
     .args = "RESULTS",
     .args_complete = CMD_COMPLETE_FILE,
     .options = cmd_gate_options,
     .summary = "render the reports of a results file (exit 0 whatever the "
                "verdict)",
     .details =
         "Renders the reports of a results file, as gate does (same options "
         "and\n"
         "thresholds: --threshold, else --profile's, else those the results\n"
         "carry), but exits 0 whatever the verdict.\n",
     .examples = "Example:\n"
                 "  loadgate report results.json --baseline main --markdown "
                 "summary.md\n"},
    {.name = "serve",
     .fn = cmd_serve,
     .args = "",
     .options = cmd_serve_options,
     .summary = "run the baseline service (HTTP API) over a store folder",
     .details = "Serves the original specification's API so that many "
                "pipelines share\n"
                "baselines: POST /api/load-test/baseline, GET "
                "/api/load-test/baselines,\n"
                "GET /api/load-test/baselines/{id}[?format=text], GET "
                "/api/load-test/info.\n"
                "Writes need 'Authorization: Bearer $LOADGATE_TOKEN' when "
                "LOADGATE_TOKEN\n"
                "is set; without it the service listens on loopback only.\n",
     .examples =
         "Examples:\n"
         "  loadgate serve --store /srv/baselines --listen 127.0.0.1:8089\n"
         "  loadgate run perf.yaml --baseline "
         "http://ci-baselines:8089/api/load-test/baselines/main\n"
         "  loadgate baseline save results.json --name main --to "
         "http://ci-baselines:8089\n"},
    {.name = "help",
     .fn = cmd_help,
     .args = "[COMMAND]",
     .args_complete = CMD_COMPLETE_COMMAND,
     .summary = "show help for a command",
     .details = "",
     .examples = "Example:\n  loadgate help run\n"},
    {.name = "version",
     .fn = cmd_version,
     .args = "",
     .summary = "print the version",
     .details = "",
     .examples = ""},
    {.name = NULL},
};

const struct cmd *cmd_find(const char *name)
{
    for (const struct cmd *c = cmd_commands; c->name; c++)
        if (strcmp(c->name, name) == 0)
            return c;
    return NULL;
}

void cmd_help_general(FILE *out)
{
    fprintf(out, "usage: loadgate COMMAND [ARGS]\n\n"
                 "A load-testing regression gate for CI pipelines.\n\n"
                 "Commands:\n");
    for (const struct cmd *c = cmd_commands; c->name; c++)
        fprintf(out, "  %-10s %s\n", c->name, c->summary);
    fprintf(out, "\nExit codes: 0 pass, 1 performance regression or threshold "
                 "failed,\n2 usage or profile error, 3 could not run or judge, "
                 "130/143 interrupted.\n"
                 "Run 'loadgate help COMMAND' for a command's options.\n");
}

int cmd_help_for(const char *name, FILE *out)
{
    const struct cmd *c = cmd_find(name);

    if (!c) {
        cmd_error("'%s' is not a loadgate command", name);
        return GATE_EXIT_USAGE;
    }
    fprintf(out, "usage: loadgate %s\n\n%s.\n", cmd_usage(name), c->summary);
    if (c->details && *c->details)
        fprintf(out, "\n%s", c->details);
    if (c->options) {
        fputc('\n', out);
        cmd_options_help(c->options, out);
    }
    if (c->examples && *c->examples)
        fprintf(out, "\n%s", c->examples);
    return 0;
}

/* help --man synopsis|options and help --bash-completion print what
 * scripts/gen-docs writes into doc/loadgate.1 and completions/. */
static int generated(int argc, char **argv)
{
    const char *usage = cmd_usage("help");

    if (strcmp(argv[1], "--bash-completion") == 0) {
        if (argc != 2)
            return cmd_usage_error(usage, "help --bash-completion takes no "
                                          "arguments");
        cmd_bash_completion(cmd_commands, stdout);
        return 0;
    }
    if (argc == 3 && strcmp(argv[2], "synopsis") == 0)
        cmd_man_synopsis(cmd_commands, stdout);
    else if (argc == 3 && strcmp(argv[2], "options") == 0)
        cmd_man_options(cmd_commands, stdout);
    else
        return cmd_usage_error(usage, "help --man takes synopsis or "
                                      "options");
    return 0;
}

int cmd_help(int argc, char **argv)
{
    if (argc > 1 && (strcmp(argv[1], "--man") == 0 ||
                     strcmp(argv[1], "--bash-completion") == 0))
        return generated(argc, argv);
    if (argc > 1)
        return cmd_help_for(argv[1], stdout);
    cmd_help_general(stdout);
    return 0;
}

int cmd_version(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    printf("loadgate %s (%s)\n", LOADGATE_VERSION, curl_version());
    return 0;
}
