/* loadgate baseline save|list|show|rm: the local baseline store. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "server.h"

const struct cmd_option cmd_baseline_options[] = {
    CMD_OPTION_ARG("name", 'n', CMD_OPT_NAME, "NAME", CMD_COMPLETE_NONE,
                   CMD_OPTF_IN_ARGS, "the name to save under"),
    CMD_OPTION_VALUE("to", 't', CMD_OPT_TO, "URL",
                     "save to a baseline service instead (LOADGATE_TOKEN)"),
    CMD_OPTION_VALUE("keep", 'k', CMD_OPT_KEEP, "N",
                     "keep N versions of the name's history"),
    CMD_OPTION_FLAG("json", 'j', CMD_OPT_JSON, "show: the document as JSON"),
    CMD_OPTION_STORE('s', "the store folder"),
    {.long_name = NULL},
};

/* cmd_usage("baseline"), for the messages */
static const char *usage;

static int baseline_save(const char *store, const char *results,
                         const char *name, const char *to)
{
    struct metrics_results *r = NULL;
    char err[1024];
    int rc;

    if (!name)
        return cmd_usage_error(usage, "baseline save needs --name NAME");
    if (!compare_name_valid(name))
        return cmd_usage_error(usage,
                               "invalid baseline name '%s' (1-64 letters, "
                               "digits, '.', '_', '-'; not starting with "
                               "'.')",
                               name);
    if ((rc = cmd_load_results(results, &r)))
        return rc;
    if (r->partial)
        cmd_warn("'%s' is a partial (interrupted) run", results);
    if (to) {
        if (server_push_baseline(to, name, r, getenv("LOADGATE_TOKEN"), err,
                                 sizeof(err))) {
            cmd_error("cannot push baseline '%s': %s", name, err);
            rc = GATE_EXIT_UNJUDGED;
        } else {
            printf("pushed baseline '%s' to %s (%llu requests)\n", name, to,
                   (unsigned long long)metrics_results_total_requests(r));
        }
    } else if (compare_store_save(store, name, r, err, sizeof(err))) {
        cmd_error("cannot save baseline '%s': %s", name, err);
        rc = GATE_EXIT_UNJUDGED;
    } else {
        printf("saved baseline '%s' in %s (%llu requests, %s)\n", name, store,
               (unsigned long long)metrics_results_total_requests(r),
               r->timestamp ? r->timestamp : "no timestamp");
    }
    metrics_results_free(r);
    return rc;
}

static int baseline_list(const char *store)
{
    struct compare_store_entry *e = NULL;
    size_t n = 0;
    char err[1024];

    if (compare_store_list(store, &e, &n, err, sizeof(err))) {
        cmd_error("cannot list %s: %s", store, err);
        return GATE_EXIT_UNJUDGED;
    }
    if (n == 0) {
        printf("no baselines in %s\n", store);
        return 0;
    }
    printf("%-24s %-22s %12s %10s  %s\n", "NAME", "TIMESTAMP", "REQUESTS",
           "P95 (ms)", "PROFILE");
    for (size_t i = 0; i < n; i++)
        printf("%-24s %-22s %12llu %10.1f  %.12s\n", e[i].name,
               e[i].timestamp ? e[i].timestamp : "-",
               (unsigned long long)e[i].total_requests, e[i].p95_ms,
               e[i].profile_sha256 ? e[i].profile_sha256 : "-");
    compare_store_list_free(e, n);
    return 0;
}

static int baseline_show(const char *store, const char *name, bool json)
{
    struct metrics_results *r = NULL;
    struct gate_report rep = {0};
    char err[1024];
    char *text = NULL;
    int rc;

    rc = compare_store_load(store, name, &r, err, sizeof(err));
    if (rc) {
        cmd_error("%s", err);
        return rc == COMPARE_ENAME ? GATE_EXIT_USAGE : GATE_EXIT_UNJUDGED;
    }
    if (json) {
        if (metrics_results_dump(r, &text) == 0)
            printf("%s\n", text);
        free(text);
    } else {
        rep.run = r;
        rep.profile_name = r->meta.profile_name ? r->meta.profile_name : name;
        gate_text_write(&rep, stdout);
    }
    metrics_results_free(r);
    return 0;
}

static int baseline_history(const char *store, const char *name)
{
    struct compare_store_entry *e = NULL;
    size_t n = 0;
    char err[1024];
    int rc = compare_store_history(store, name, &e, &n, err, sizeof(err));

    if (rc) {
        cmd_error("%s", err);
        return rc == COMPARE_ENAME ? GATE_EXIT_USAGE : GATE_EXIT_UNJUDGED;
    }
    if (n == 0) {
        printf("no earlier versions of '%s' in %s\n", name, store);
        return 0;
    }
    printf("%-26s %-22s %12s %10s\n", "VERSION", "TIMESTAMP", "REQUESTS",
           "P95 (ms)");
    for (size_t i = 0; i < n; i++)
        printf("%-26s %-22s %12llu %10.1f\n", e[i].name,
               e[i].timestamp ? e[i].timestamp : "-",
               (unsigned long long)e[i].total_requests, e[i].p95_ms);
    compare_store_list_free(e, n);
    return 0;
}

static int baseline_rollback(const char *store, const char *name,
                             const char *version)
{
    char err[1024];
    int rc = compare_store_rollback(store, name, version, err, sizeof(err));

    if (rc) {
        cmd_error("%s", err);
        return rc == COMPARE_ENAME ? GATE_EXIT_USAGE : GATE_EXIT_UNJUDGED;
    }
    printf("baseline '%s' rolled back to %s\n", name,
           version ? version : "its previous version");
    return 0;
}

static int baseline_rm(const char *store, const char *name)
{
    char err[1024];
    int rc = compare_store_rm(store, name, err, sizeof(err));

    if (rc) {
        cmd_error("%s", err);
        return rc == COMPARE_ENAME ? GATE_EXIT_USAGE : GATE_EXIT_UNJUDGED;
    }
    printf("removed baseline '%s' from %s\n", name, store);
    return 0;
}

int cmd_baseline(int argc, char **argv)
{
    const char *store = getenv("LOADGATE_STORE");
    const char *name = NULL, *to = NULL;
    unsigned long long keep = 0;
    const char *args[3];
    size_t nargs = 0;
    bool json = false;
    struct cmd_getopt g = {0};
    int opt;

    usage = cmd_usage("baseline");
    if (!store || !*store)
        store = COMPARE_DEFAULT_STORE;
    optind = 0;
    /* options may follow the verb: permute */
    while ((opt = cmd_getopt(argc, argv, cmd_baseline_options, &g)) != -1) {
        switch (opt) {
        case CMD_OPT_STORE:
            store = optarg;
            break;
        case CMD_OPT_NAME:
            name = optarg;
            break;
        case CMD_OPT_JSON:
            json = true;
            break;
        case CMD_OPT_TO:
            to = optarg;
            break;
        case CMD_OPT_KEEP:
            if (cmd_parse_uint(optarg, 1, 100000, &keep))
                return cmd_usage_error(usage, "--keep wants a count, not '%s'",
                                       optarg);
            break;
        default:
            return cmd_bad_option(usage, opt, argv);
        }
    }
    for (int i = optind; i < argc; i++) {
        if (nargs == 3)
            return cmd_usage_error(usage, "too many arguments");
        args[nargs++] = argv[i];
    }
    if (nargs == 0)
        return cmd_usage_error(usage, "baseline needs a verb: save, list, "
                                      "show or rm");
    if (strcmp(args[0], "save") == 0 && nargs == 2) {
        int rc = baseline_save(store, args[1], name, to);

        if (rc == 0 && keep && !to)
            cmd_prune_history(store, name, (unsigned)keep);
        return rc;
    }
    if (strcmp(args[0], "list") == 0 && nargs == 1)
        return baseline_list(store);
    if (strcmp(args[0], "show") == 0 && nargs == 2)
        return baseline_show(store, args[1], json);
    if (strcmp(args[0], "rm") == 0 && nargs == 2)
        return baseline_rm(store, args[1]);
    if (strcmp(args[0], "history") == 0 && nargs == 2)
        return baseline_history(store, args[1]);
    if (strcmp(args[0], "rollback") == 0 && (nargs == 2 || nargs == 3))
        return baseline_rollback(store, args[1], nargs == 3 ? args[2] : NULL);
    return cmd_usage_error(usage, "unknown or incomplete baseline verb '%s'",
                           args[0]);
}
