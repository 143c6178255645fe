/*
 * cmd: the loadgate command line.  main.c dispatches to one cmd_<name>()
 * per subcommand; this header holds what they share: messages, option
 * helpers and the pipeline every gating command goes through: prepare
 * (cmd_prepare.c), run with progress (cmd_progress.c), repeat and pool
 * (cmd_repeat.c), judge and report (cmd_judge.c).
 */
#ifndef LOADGATE_CMD_H
#define LOADGATE_CMD_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "compare.h"
#include "gate.h"
#include "loader.h"
#include "metrics.h"
#include "profile.h"

struct cmd {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *usage;   /* one line, after "loadgate " */
    const char *summary; /* what it does, one line */
    const char *details; /* options and examples, for help and --help */
};

/* ---- messages (the only place loadgate prints diagnostics) ---------------
 * git's style: "loadgate: error: cannot open 'x.yaml': No such file". */
__attribute__((format(printf, 1, 2))) void cmd_error(const char *fmt, ...);
__attribute__((format(printf, 1, 2))) void cmd_warn(const char *fmt, ...);
__attribute__((format(printf, 1, 2))) void cmd_notice(const char *fmt, ...);
/** Prints "loadgate: error: <msg>" and "usage: loadgate <usage>", returns
 * GATE_EXIT_USAGE. */
__attribute__((format(printf, 2, 3))) int cmd_usage_error(const char *usage,
                                                          const char *fmt,
                                                          ...);
/** For getopt_long's '?' (unknown option) and ':' (missing value, with
 * opterr 0 and an optstring starting with ':'): one error line naming the
 * option, then the usage line.  Returns GATE_EXIT_USAGE. */
int cmd_bad_option(const char *usage, int opt, char **argv);
/** Prints the help of the command named name (usage, summary, details). */
int cmd_help_for(const char *name, FILE *out);

/* ---- parsing helpers ------------------------------------------------------ */

/** A whole number in [min, max]. */
int cmd_parse_uint(const char *s, unsigned long long min,
                   unsigned long long max, unsigned long long *out);

/* ---- signals ---------------------------------------------------------------
 * SIGINT/SIGTERM set cmd_stop (the loader's stop flag) and cmd_signal. */
extern volatile sig_atomic_t cmd_stop;
extern volatile sig_atomic_t cmd_signal;
/** main(), once the command is known: SIGPIPE ignored; for a command
 * that polls cmd_stop (polls), SIGINT/SIGTERM caught from here on. */
void cmd_signals_init(bool polls);

/* ---- the judge-and-report pipeline ------------------------------------- */

struct cmd_report_opts {
    const char *out;      /* results JSON path */
    const char *junit;    /* JUnit XML path */
    const char *markdown; /* Markdown summary path */
    const char *html;     /* HTML report path */
    const char *gitlab;   /* GitLab Load Performance JSON path */
    const char *format;   /* "text" (default) or "json" on stdout */
    bool quiet;           /* -q: no progress, no report on stdout */
    bool progress;        /* --progress: progress lines even off a TTY */
};

/* Report options shared by run, quick, gate, demo, report.  Returns 1 when
 * opt was one of them (consumed), 0 otherwise. */
#define CMD_REPORT_LONGOPTS                                                  \
    {"out", required_argument, NULL, 'o'},                                   \
        {"junit", required_argument, NULL, 1001},                            \
        {"markdown", required_argument, NULL, 1002},                         \
        {"format", required_argument, NULL, 1003},                           \
        {"quiet", no_argument, NULL, 'q'},                                   \
        {"progress", no_argument, NULL, 1004},                               \
        {"html", required_argument, NULL, 1005},                             \
        {"gitlab-load-performance", required_argument, NULL, 1006}
int cmd_report_opt(struct cmd_report_opts *o, int opt, const char *arg);
#define CMD_REPORT_USAGE                                                     \
    "[--out FILE] [--junit FILE] [--markdown FILE] [--html FILE] "           \
    "[--gitlab-load-performance FILE] [--format text|json] [--progress|-q]"
/* Their help lines, for the commands' details. */
#define CMD_REPORT_HELP                                                      \
    "  -o, --out FILE             results JSON\n"                            \
    "      --junit FILE           JUnit XML (one test case per check)\n"     \
    "      --markdown FILE        Markdown summary (also $GITHUB_STEP_SUMMARY)\n" \
    "      --html FILE            self-contained HTML report with charts\n"  \
    "      --gitlab-load-performance FILE  GitLab Load Performance JSON\n"   \
    "      --format text|json     what goes to stdout\n"                     \
    "      --progress             progress lines on stderr even off a TTY\n" \
    "  -q, --quiet                only the verdict line\n"

struct cmd_judge {
    /* what the run was */
    const struct profile *profile; /* may be NULL (gate, report) */
    const char *profile_name;             /* suite name; "results" if NULL */
    const char *profile_path;
    /* thresholds: from --threshold, else the profile's, else those the
     * results carry (gate, report), else the defaults; the default
     * error_rate check stays unless they check error_rate themselves */
    const char *const *cli_thresholds;
    size_t n_cli_thresholds;
    const struct metrics_threshold *run_thresholds;
    size_t n_run_thresholds;
    /* baseline */
    const char *baseline_spec; /* --baseline, else the profile's */
    const struct metrics_results *baseline_doc; /* already loaded (demo) */
    const char *baseline_label;
    bool require_baseline;
    bool allow_profile_change;
    const char *store; /* baseline store folder */
    const char *save_baseline; /* --save-baseline NAME */
    bool save_if_pass;
    unsigned keep; /* --keep N: versions of its history to keep; 0 all */
    bool no_gate; /* report, but exit 0 whatever the verdict */
};

/* Loaded before a run: thresholds parsed and checked against the profile's
 * endpoints, baseline resolved and checked against the profile's hash, so
 * that errors stop us before any traffic is sent. */
struct cmd_prepared {
    struct compare_threshold *thresholds;
    size_t n_thresholds;
    /* the thresholds as written (not the defaults), carried by the
     * results written; thresholds[i].file points into them */
    struct metrics_threshold *written;
    size_t n_written;
    struct metrics_results *baseline; /* owned unless borrowed */
    bool baseline_borrowed;
    char *baseline_name;
    char *baseline_missing; /* notice text when a named baseline is absent */
    char reason[1024];      /* set when preparation failed */
    int exit_code;          /* 2 or 3 when preparation failed */
};

/** Parses thresholds and resolves the baseline.  Returns 0, or the exit
 * code (2 or 3) with p->reason set. */
int cmd_prepare(const struct cmd_judge *j, struct cmd_prepared *p);
void cmd_prepared_release(struct cmd_prepared *p);
/** The one refusal of a baseline recorded with another profile
 * (compare_profile_mismatch() of p->baseline's hash and sha256) unless
 * --allow-profile-change: 0, or GATE_EXIT_UNJUDGED with reason set.  plan
 * is the profile about to run (its hash is sha256; reason says what
 * changed), or NULL when judging a results file (sha256 is the run's). */
int cmd_refuse_other_profile(const struct cmd_judge *j,
                             const struct cmd_prepared *p,
                             const char *sha256,
                             const struct loader_plan *plan, char *reason,
                             size_t len);

/**
 * Loads the baseline spec: a results file (anything with '/' or ending in
 * .json), a name in store (NULL: the default store) or a baseline
 * service's URL (token from LOADGATE_TOKEN).  Returns 0 with *out and
 * *name (malloc'd) set, or an exit code with reason set: 2 for an invalid
 * name, else 3.  *absent is set (exit code 3) when the baseline is
 * legitimately missing, the first run on a branch: an empty or missing
 * store, or a baseline service answering 404 "no baseline named" on its
 * baseline route.  A missing file, a name absent from a store that holds
 * others ("did you mean"), and any other 404 are errors.  hide_url keeps
 * the URL out of reason (it may hold expanded ${ENV} values).
 */
int cmd_baseline_load(const char *spec, const char *store, bool hide_url,
                      struct metrics_results **out, char **name,
                      bool *absent, char *reason, size_t len);

/** Judges run, writes every requested output, prints the report, and
 * returns the exit code.  signal is SIGINT/SIGTERM when interrupted. */
int cmd_judge_and_report(struct metrics_results *run, const struct cmd_judge *j,
                         struct cmd_prepared *p,
                         const struct cmd_report_opts *o, int signal);

/** Writes a JUnit with one <error> case and prints the reason: for codes 2
 * and 3 reached before any verdict.  Returns code. */
int cmd_fail_early(int code, const char *reason, const struct cmd_judge *j,
                   const struct cmd_report_opts *o);

/* --threads N: event loops for run and quick (default 1). */
extern unsigned cmd_threads;
/** Sets cmd_threads from --threads' argument; 0, or the usage error's
 * exit code (printed). */
int cmd_threads_opt(const char *arg, const char *usage);
/** --keep N after a save: prunes NAME's history in store to keep
 * versions, warning (never failing) when it cannot. */
void cmd_prune_history(const char *store, const char *name, unsigned keep);

/* Why the run was stopped early by an abort: threshold ("aborted early:
 * 'p95 < 1s' breached: ..."); empty if it was not.  Set by cmd_run_load's
 * progress callback, said and recorded by cmd_judge_and_report. */
extern char cmd_abort_reason[512];

/** Runs the plan with progress display and signals; *out gets the
 * results.  prep (may be NULL) gives the thresholds, of which those with
 * abort: true are checked live and stop the run when breached.  Returns 0
 * or an exit code (3) with reason printed. */
int cmd_run_load(const struct loader_plan *p, const struct cmd_report_opts *o,
                 const struct cmd_prepared *prep, struct metrics_results **out,
                 char *reason, size_t len);

/** Sets r's meta.host, git_sha and git_branch: this host, and the commit
 * and branch from the CI's variables (GITHUB_SHA, CI_COMMIT_SHA,
 * GIT_COMMIT; GITHUB_HEAD_REF, GITHUB_REF_NAME, CI_COMMIT_REF_NAME,
 * GIT_BRANCH: the first one set), NULL when none is.  cmd_run_load calls
 * it after every run.  Returns 0, METRICS_EINVAL or METRICS_ENOMEM. */
int cmd_run_meta(struct metrics_results *r);

/** Runs p n times one after another and pools the runs into one
 * document (windows of all runs; users as one run; duration summed), for
 * --repeat and calibrate.  Returns 0 or an exit code with reason set. */
int cmd_run_repeated(const struct loader_plan *p,
                     const struct cmd_report_opts *o,
                     const struct cmd_prepared *prep, unsigned n,
                     struct metrics_results **out, char *reason, size_t len);

/** The sequence of run, quick and demo: prepare thresholds and baseline,
 * print banner (unless quiet), run p repeat times, mark the results with
 * shard (may be NULL), judge and report.  Returns the exit code. */
int cmd_run_and_judge(const struct loader_plan *p,
                      const struct cmd_judge *j,
                      const struct cmd_report_opts *o, unsigned repeat,
                      const char *shard, const char *banner);

/** Loads a results document, printing the error; returns 0 or 3. */
int cmd_load_results(const char *path, struct metrics_results **out);

/* ---- sharding ------------------------------------------------------------ */

/** Parses "I/N" (1 <= I <= N).  Returns 0 or -1. */
int cmd_parse_shard(const char *s, unsigned *index, unsigned *count);
/** Reduces p's load to shard i of n.  Returns 0, or -1 with err set. */
int cmd_shard_profile(struct loader_plan *p, unsigned i, unsigned n,
                      char *err, size_t len);

/* ---- subcommands ---------------------------------------------------------- */
int cmd_run(int argc, char **argv);
int cmd_quick(int argc, char **argv);
int cmd_gate(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_baseline(int argc, char **argv);
int cmd_validate(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_calibrate(int argc, char **argv);
int cmd_help(int argc, char **argv);
int cmd_version(int argc, char **argv);

extern const struct cmd cmd_commands[];

#endif
