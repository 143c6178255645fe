/*
 * cmd: the loadgate command line.  main.c dispatches to one cmd_<name>()
 * per subcommand; this header holds what they share: messages, option
 * helpers and the pipeline every gating command goes through: prepare
 * (cmd_prepare.c), run with progress (cmd_progress.c), repeat and pool
 * (cmd_repeat.c), judge and report (cmd_judge.c).
 */
#ifndef LOADGATE_CMD_H
#define LOADGATE_CMD_H

#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "compare.h"
#include "gate.h"
#include "loader.h"
#include "metrics.h"
#include "profile.h"

/* ---- option tables -------------------------------------------------------
 * Every option of every command is one entry of its command's table; the
 * getopt_long arguments, the usage line, the --help list, the man page's
 * SYNOPSIS and OPTIONS and the bash completion are all made from them
 * (cmd_options.c, cmd_docs.c). */

/* What getopt_long hands back for an option, whichever of its names was
 * used: above any character, so that '?' and ':' stay errors. */
enum cmd_opt {
    /* the report options */
    CMD_OPT_OUT = 1000,
    CMD_OPT_JUNIT,
    CMD_OPT_MARKDOWN,
    CMD_OPT_HTML,
    CMD_OPT_GITLAB,
    CMD_OPT_FORMAT,
    CMD_OPT_PROGRESS,
    CMD_OPT_QUIET,
    /* judging and baselines */
    CMD_OPT_BASELINE,
    CMD_OPT_REQUIRE_BASELINE,
    CMD_OPT_ALLOW_PROFILE_CHANGE,
    CMD_OPT_SAVE_BASELINE,
    CMD_OPT_IF_PASS,
    CMD_OPT_KEEP,
    CMD_OPT_STORE,
    CMD_OPT_NO_GATE,
    CMD_OPT_PROFILE,
    CMD_OPT_THRESHOLD,
    CMD_OPT_FROM,
    /* running */
    CMD_OPT_SHARD,
    CMD_OPT_SHARDS,
    CMD_OPT_REPEAT,
    CMD_OPT_THREADS,
    CMD_OPT_RUNS,
    /* quick */
    CMD_OPT_REQUESTS,
    CMD_OPT_CONCURRENCY,
    CMD_OPT_DURATION,
    CMD_OPT_RATE,
    CMD_OPT_METHOD,
    CMD_OPT_HEADER,
    CMD_OPT_BODY,
    CMD_OPT_ENGINE,
    CMD_OPT_HTTP,
    CMD_OPT_CONNECTIONS,
    CMD_OPT_MAX_STREAMS,
    /* baseline */
    CMD_OPT_NAME,
    CMD_OPT_TO,
    CMD_OPT_JSON,
    CMD_OPT_FORCE,
    /* demo and serve */
    CMD_OPT_SLOW,
    CMD_OPT_SERVE,
    CMD_OPT_LISTEN,
    /* watching a run live */
    CMD_OPT_UI,
    CMD_OPT_METRICS,
    CMD_OPT_UI_LINGER,
    /* ab */
    CMD_OPT_A,
    CMD_OPT_B,
    CMD_OPT_OUT_A,
    CMD_OPT_OUT_B,
    CMD_OPT_UNTIL_DECIDED,
};

/* CMD_ARG_OPTIONAL: --name=VALUE, or --name VALUE when .value_ok takes
 * the next word, else --name alone (optarg NULL); its metavar shows the
 * brackets ("[MAX]"). */
enum cmd_arg { CMD_ARG_NONE, CMD_ARG_REQUIRED, CMD_ARG_OPTIONAL };

/* What the bash completion offers for an option's value (or a command's
 * arguments). */
enum cmd_complete {
    CMD_COMPLETE_NONE,     /* nothing to offer */
    CMD_COMPLETE_FILE,     /* file names */
    CMD_COMPLETE_DIR,      /* folder names */
    CMD_COMPLETE_BASELINE, /* stored baseline names, and file names */
    CMD_COMPLETE_WORDS,    /* one of .words */
    CMD_COMPLETE_COMMAND,  /* a loadgate command */
};

/* .flags */
#define CMD_OPTF_REPEAT 1u  /* repeatable: "[--header 'K: V']..." */
#define CMD_OPTF_IN_ARGS 2u /* the usage shows it among the arguments */

struct cmd_option {
    const char *long_name; /* NULL: an include entry, or the end */
    char short_name;       /* 0: none */
    enum cmd_opt id;
    enum cmd_arg arg;
    const char *metavar; /* the value's name; NULL: .words joined by '|' */
    enum cmd_complete complete;
    const char *words; /* CMD_COMPLETE_WORDS: the values, space-separated */
    unsigned flags;
    const char *help; /* one sentence, no newline: the list wraps it */
    /* CMD_ARG_OPTIONAL: whether the next word is the value */
    bool (*value_ok)(const char *word);
    /* an include entry (long_name NULL): the entries of another table
     * (flat, itself without includes), named by help */
    const struct cmd_option *include;
};

/* Entries several tables share, each defined once: the name, id, value and
 * completion here, the help (and where it varies, the short name) the
 * command's own.  CMD_OPTION_ARG: any option that takes a value. */
#define CMD_OPTION_ARG(name, short_, id_, metavar_, complete_, flags_, text)   \
    {                                                                          \
        .long_name = (name), .short_name = (short_), .id = (id_),              \
        .arg = CMD_ARG_REQUIRED, .metavar = (metavar_),                        \
        .complete = (complete_), .flags = (flags_), .help = (text)             \
    }
/* A value named N, NAME, MAX: --threads, --keep, --save-baseline, ... */
#define CMD_OPTION_VALUE(name, short_, id_, metavar_, text)                    \
    CMD_OPTION_ARG(name, short_, id_, metavar_, CMD_COMPLETE_NONE, 0, text)
/* An option whose value is a file. */
#define CMD_OPTION_FILE(name, id_, text)                                       \
    CMD_OPTION_ARG(name, 0, id_, "FILE", CMD_COMPLETE_FILE, 0, text)
#define CMD_OPTION_OUT(flags_, text)                                           \
    CMD_OPTION_ARG("out", 'o', CMD_OPT_OUT, "FILE", CMD_COMPLETE_FILE, flags_, \
                   text)
#define CMD_OPTION_STORE(short_, text)                                         \
    CMD_OPTION_ARG("store", short_, CMD_OPT_STORE, "DIR", CMD_COMPLETE_DIR, 0, \
                   text)
#define CMD_OPTION_BASELINE(metavar_, text)                                    \
    CMD_OPTION_ARG("baseline", 'b', CMD_OPT_BASELINE, metavar_,                \
                   CMD_COMPLETE_BASELINE, 0, text)
#define CMD_OPTION_THRESHOLD(text)                                             \
    CMD_OPTION_ARG("threshold", 't', CMD_OPT_THRESHOLD, "EXPR",                \
                   CMD_COMPLETE_NONE, CMD_OPTF_REPEAT, text)
/* A value from a list of words: metavar NULL shows them joined by '|'. */
#define CMD_OPTION_WORDS(name, id_, metavar_, words_, text)                    \
    {                                                                          \
        .long_name = (name), .id = (id_), .arg = CMD_ARG_REQUIRED,             \
        .metavar = (metavar_), .complete = CMD_COMPLETE_WORDS,                 \
        .words = (words_), .help = (text)                                      \
    }
/* A switch without a value: --quiet, --no-gate, ... */
#define CMD_OPTION_FLAG(name, short_, id_, text)                               \
    {                                                                          \
        .long_name = (name), .short_name = (short_), .id = (id_),              \
        .help = (text)                                                         \
    }
#define CMD_OPTION_NO_GATE                                                     \
    CMD_OPTION_FLAG("no-gate", 0, CMD_OPT_NO_GATE,                             \
                    "report, but exit 0 whatever the verdict")
#define CMD_OPTION_REQUIRE_BASELINE                                            \
    CMD_OPTION_FLAG("require-baseline", 0, CMD_OPT_REQUIRE_BASELINE,           \
                    "a missing baseline is exit 3, not a notice")
#define CMD_OPTION_ALLOW_PROFILE_CHANGE                                        \
    CMD_OPTION_FLAG("allow-profile-change", 0, CMD_OPT_ALLOW_PROFILE_CHANGE,   \
                    "compare with a baseline of another profile")

/* --until-decided [MAX] (run, ab): MAX may be left out. */
#define CMD_OPTION_UNTIL_DECIDED(text)                                         \
    {                                                                          \
        .long_name = "until-decided", .id = CMD_OPT_UNTIL_DECIDED,             \
        .arg = CMD_ARG_OPTIONAL, .metavar = "[MAX]",                           \
        .value_ok = cmd_is_duration, .help = (text)                            \
    }

/* The entry of a table that takes the report options. */
#define CMD_REPORT_OPTIONS_INCLUDE                                             \
    {                                                                          \
        .help = "report options", .include = cmd_report_options                \
    }

/* The shared report options: --out, --junit, ..., -q. */
extern const struct cmd_option cmd_report_options[];

/* The entry of a table that runs a load: --ui, --metrics, --ui-linger
 * (cmd_progress.c). */
#define CMD_LIVE_OPTIONS_INCLUDE                                               \
    {                                                                          \
        .help = "live options", .include = cmd_live_options                    \
    }
extern const struct cmd_option cmd_live_options[];

/* The tables, one per command (gate and report share one). */
extern const struct cmd_option cmd_run_options[];
extern const struct cmd_option cmd_ab_options[];
extern const struct cmd_option cmd_quick_options[];
extern const struct cmd_option cmd_gate_options[];
extern const struct cmd_option cmd_compare_options[];
extern const struct cmd_option cmd_baseline_options[];
extern const struct cmd_option cmd_calibrate_options[];
extern const struct cmd_option cmd_merge_options[];
extern const struct cmd_option cmd_demo_options[];
extern const struct cmd_option cmd_serve_options[];

struct cmd {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *args; /* the usage's arguments ("PROFILE"); "" for none */
    enum cmd_complete args_complete; /* what the arguments are */
    const char *verbs; /* the words of the first argument (baseline) */
    const struct cmd_option *options; /* its table; NULL: takes none */
    const char *summary;              /* what it does, one line */
    const char *details;  /* prose before the options ("" for none) */
    const char *examples; /* after them ("" for none) */
};

extern const struct cmd cmd_commands[];

/* Up to this many options per command, includes flattened. */
#define CMD_MAX_OPTIONS 48

/** The entries of table, includes replaced by theirs, in order, into out
 * (at most max).  Returns how many, or -1 when more than max. */
int cmd_options_flatten(const struct cmd_option *table,
                        const struct cmd_option **out, size_t max);
/** The command named name in cmd_commands (NULL: none). */
const struct cmd *cmd_find(const char *name);

/* getopt_long's arguments made from a table. */
struct cmd_getopt {
    const struct cmd_option *table; /* what longopts was made from */
    const struct cmd_option *opts[CMD_MAX_OPTIONS];
    size_t n;
    struct option longopts[CMD_MAX_OPTIONS + 1];
    char shortopts[3 * CMD_MAX_OPTIONS + 2]; /* ":" first: ':' if no value */
};

/** Makes g's getopt_long arguments from table.  Returns 0, or -1 when the
 * table is too long or gives a long name, a short name or an id twice. */
int cmd_getopt_init(struct cmd_getopt *g, const struct cmd_option *table);
/** getopt_long over table (g zeroed before the first call, optind set by
 * the caller as for getopt_long): the option's id whichever name was used,
 * -1 at the end, '?' or ':' for cmd_bad_option. */
int cmd_getopt(int argc, char **argv, const struct cmd_option *table,
               struct cmd_getopt *g);

/** "run PROFILE [--baseline FILE|NAME|URL] ...": c's usage line, after
 * "loadgate ", into buf (truncated to len).  Returns its full length. */
size_t cmd_usage_format(const struct cmd *c, char *buf, size_t len);
/** The usage line of the command named name (valid until the next call). */
const char *cmd_usage(const char *name);
/** The aligned option list of table, as --help shows it: "  -o, --out
 * FILE  help", wrapped to 79 columns. */
void cmd_options_help(const struct cmd_option *table, FILE *out);

/* Generated documents (cmd_docs.c): the man page's parts between its
 * "generated" markers, and the whole bash completion script. */
void cmd_man_synopsis(const struct cmd *cmds, FILE *out);
void cmd_man_options(const struct cmd *cmds, FILE *out);
void cmd_bash_completion(const struct cmd *cmds, FILE *out);

/* ---- messages (the only place loadgate prints diagnostics) ---------------
 * git's style: "loadgate: error: cannot open 'x.yaml': No such file". */
__attribute__((format(printf, 1, 2))) void cmd_error(const char *fmt, ...);
__attribute__((format(printf, 1, 2))) void cmd_warn(const char *fmt, ...);
__attribute__((format(printf, 1, 2))) void cmd_notice(const char *fmt, ...);
/** Prints "loadgate: error: <msg>" and "usage: loadgate <usage>", returns
 * GATE_EXIT_USAGE. */
__attribute__((format(printf, 2, 3))) int cmd_usage_error(const char *usage,
                                                          const char *fmt, ...);
/** For getopt_long's '?' (unknown option) and ':' (missing value, with
 * opterr 0 and an optstring starting with ':'): one error line naming the
 * option, then the usage line.  Returns GATE_EXIT_USAGE. */
int cmd_bad_option(const char *usage, int opt, char **argv);
/** Prints the help of the command named name (usage, summary, details,
 * options, examples). */
int cmd_help_for(const char *name, FILE *out);
/** Prints the list of commands (loadgate help). */
void cmd_help_general(FILE *out);

/* ---- parsing helpers ------------------------------------------------------
 */

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
    /* run, quick, demo: watching the run (cmd_live_options) */
    const char *ui;      /* --ui [ADDR:]PORT: the live page */
    const char *metrics; /* --metrics [ADDR:]PORT: Prometheus /metrics */
    double ui_linger_s;  /* --ui-linger: up this long after the verdict */
    bool ui_linger_set;
};

/* Report options shared by run, quick, gate, demo, report (the ids of
 * cmd_report_options).  Returns 1 when opt was one of them (consumed), 0
 * otherwise. */
int cmd_report_opt(struct cmd_report_opts *o, int opt, const char *arg);
/** The same for the ids of cmd_live_options (a bad address: an error
 * line and exit 2). */
int cmd_live_opt(struct cmd_report_opts *o, int opt, const char *arg);
/** After the verdict (or the error that stopped the run): shows it on the
 * live page, keeps the page up for --ui-linger (Ctrl-C ends the wait) and
 * stops it.  run, verdict, line, error and report may be NULL.  Nothing
 * when no live page or metrics were asked for. */
void cmd_live_end(const struct metrics_results *run,
                  const struct compare_verdict *verdict, int code,
                  const char *line, const char *error, const char *report);

struct cmd_judge {
    /* what the run was */
    const struct profile *profile; /* may be NULL (gate, report) */
    const char *profile_name;      /* suite name; "results" if NULL */
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
    const char *store;         /* baseline store folder */
    const char *save_baseline; /* --save-baseline NAME */
    bool save_if_pass;
    unsigned keep; /* --keep N: versions of its history to keep; 0 all */
    bool no_gate;  /* report, but exit 0 whatever the verdict */
    /* ab: the baseline is side A measured at the same time as the run
     * (compare_opts.paired) */
    bool paired;
    /* --until-decided: the sequence that decided the relative checks,
     * and the line saying how long it took (NULL: none) */
    const struct compare_sequential *sequential;
    const char *decided;
};

/* The options that fill a struct cmd_judge alike in run, quick, gate,
 * report and demo (--baseline, --require-baseline,
 * --allow-profile-change, --store, --save-baseline, --if-pass,
 * --no-gate: whichever the command's table has).  Returns 1 when opt was
 * one of them (consumed), 0 otherwise. */
int cmd_judge_opt(struct cmd_judge *j, int opt, const char *arg);
/* cmd_getopt() for run, quick, gate, report and demo: the report and
 * judge options (cmd_report_opt, cmd_judge_opt) are consumed on the way;
 * returns the next option of the command's own, or -1 at the end. */
int cmd_getopt_judged(int argc, char **argv, const struct cmd_option *table,
                      struct cmd_getopt *g, struct cmd_report_opts *ro,
                      struct cmd_judge *j);

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
                             const struct cmd_prepared *p, const char *sha256,
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
                      struct metrics_results **out, char **name, bool *absent,
                      char *reason, size_t len);

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
int cmd_run_and_judge(const struct loader_plan *p, const struct cmd_judge *j,
                      const struct cmd_report_opts *o, unsigned repeat,
                      const char *shard, const char *banner);

/* ---- --until-decided ------------------------------------------------------
 */

/* --until-decided without MAX: up to the profile's duration */
#define CMD_UNTIL_PROFILE (-1.0)

/** Whether word is a duration (--until-decided's value_ok). */
bool cmd_is_duration(const char *word);
/** Parses --until-decided's MAX (a duration, 5 s to 24 h) into *max_s, or
 * with arg NULL sets CMD_UNTIL_PROFILE; 0 or the usage error's exit code
 * (printed). */
int cmd_until_decided_opt(const char *arg, const char *usage, double *max_s);
/** 0 when plans can be measured in slices of time (no stages, requests
 * or iterations; *max_s CMD_UNTIL_PROFILE becomes the first plan's
 * duration, at least 5 s), else -1 with reason set. */
int cmd_until_decided_check(struct loader_plan *const *plans, size_t n,
                            double *max_s, char *reason, size_t len);

struct cmd_decide {
    double max_s; /* MAX */
    bool paired;  /* ab: the baseline is side A, measured with each slice */
    /* measures one slice of the plans as they are now: *run (and for ab
     * *a, side A's); 0 or an exit code with reason set */
    int (*slice)(void *ud, struct metrics_results **run,
                 struct metrics_results **a, char *reason, size_t len);
    void *ud;
    /* out (the caller frees them, also after an error) */
    struct metrics_results *run, *a; /* the slices pooled */
    struct compare_sequential *seq;
    double elapsed_s; /* measured */
};

/** Measures slices of max(5 s, MAX/10) (each plan's duration set per
 * slice, warm-up only before the first) until every relative check of
 * prep's thresholds is decided (compare_sequential_done) or MAX has been
 * measured, looking after each slice against prep->baseline (paired:
 * side A so far).  Returns 0 or an exit code with reason set. */
int cmd_until_decided(struct cmd_decide *d, struct loader_plan *const *plans,
                      size_t n_plans, const struct cmd_prepared *prep,
                      char *reason, size_t len);

/** run --until-decided MAX: prepare, measure p in slices
 * (cmd_until_decided; without a baseline, all of MAX at once), judge and
 * report.  Changes p's load.  Returns the exit code. */
int cmd_run_until_decided(struct loader_plan *p, const struct cmd_judge *j,
                          const struct cmd_report_opts *o, double max_s);

/** Loads a results document, printing the error; returns 0 or 3. */
int cmd_load_results(const char *path, struct metrics_results **out);

/* ---- sharding ------------------------------------------------------------ */

/** Parses "I/N" (1 <= I <= N).  Returns 0 or -1. */
int cmd_parse_shard(const char *s, unsigned *index, unsigned *count);
/** The CI run that the shards of this run share (LOADGATE_RUN_ID, else the
 * run of GitHub Actions, GitLab CI or CircleCI), malloc'd; NULL when none
 * is known. */
char *cmd_run_id(void);
/** Reduces p's load to shard i of n.  Returns 0, or -1 with err set. */
int cmd_shard_profile(struct loader_plan *p, unsigned i, unsigned n, char *err,
                      size_t len);

/* ---- subcommands ----------------------------------------------------------
 */
int cmd_run(int argc, char **argv);
int cmd_ab(int argc, char **argv);
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

#endif
