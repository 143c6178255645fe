/* The documents made from the option tables: the man page's SYNOPSIS and
 * OPTIONS (roff, between doc/loadgate.1's "generated" markers) and the
 * bash completion script (completions/loadgate.bash).  scripts/gen-docs
 * writes them; a test checks that the committed ones are these. */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"

/* ---- roff -----------------------------------------------------------------
 */

/* s as roff text: backslashes and hyphens escaped. */
static void roff(const char *s, size_t n, FILE *out)
{
    for (size_t i = 0; i < n && s[i]; i++) {
        if (s[i] == '\\')
            fputs("\\e", out);
        else if (s[i] == '-')
            fputs("\\-", out);
        else
            fputc(s[i], out);
    }
}

/* s as a line of roff text: one starting with '.' or '\'' would be a
 * request. */
static void roff_line(const char *s, FILE *out)
{
    if (*s == '.' || *s == '\'')
        fputs("\\&", out);
    roff(s, strlen(s), out);
    fputc('\n', out);
}

static void roff_font(char font, const char *s, size_t n, FILE *out)
{
    fprintf(out, "\\f%c", font);
    roff(s, n, out);
    fputs("\\fR", out);
}

/* A usage's arguments: options and verbs bold, names to replace (with a
 * capital) italic, brackets, bars and "..." plain. */
static void roff_args(const char *args, FILE *out)
{
    static const char word_chars[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._/=-";
    const char *p = args;

    while (*p) {
        size_t n = strspn(p, word_chars);
        bool upper = false, dots = true;

        if (n == 0) {
            fputc(*p++, out);
            continue;
        }
        for (size_t i = 0; i < n; i++) {
            upper |= isupper((unsigned char)p[i]) != 0;
            dots &= p[i] == '.';
        }
        if (dots) {
            fwrite(p, 1, n, out);
            p += n;
            continue;
        }
        /* "MORE...": the "..." plain */
        if (n > 3 && strncmp(p + n - 3, "...", 3) == 0)
            n -= 3;
        roff_font(p[0] != '-' && upper ? 'I' : 'B', p, n, out);
        p += n;
    }
}

/* "\fB\-\-out\fR\ \fIFILE\fR": o's names and its value's, never broken
 * apart. */
static void roff_option(const struct cmd_option *o, bool with_short, FILE *out)
{
    char name[128];

    if (with_short && o->short_name) {
        snprintf(name, sizeof(name), "-%c", o->short_name);
        roff_font('B', name, strlen(name), out);
        fputs(", ", out);
    }
    snprintf(name, sizeof(name), "--%s", o->long_name);
    roff_font('B', name, strlen(name), out);
    if (o->arg != CMD_ARG_NONE) {
        const char *mv = o->metavar ? o->metavar : o->words;
        fputs("\\ \\fI", out);
        for (; *mv; mv++)
            if (!o->metavar && *mv == ' ')
                fputc('|', out);
            else
                roff(mv, 1, out);
        fputs("\\fR", out);
    }
}

void cmd_man_synopsis(const struct cmd *cmds, FILE *out)
{
    /* ragged right: a justified synopsis spreads its words apart */
    fputs(".ad l\n", out);
    for (const struct cmd *c = cmds; c->name; c++) {
        const struct cmd_option *opts[CMD_MAX_OPTIONS];
        int n = cmd_options_flatten(c->options, opts, CMD_MAX_OPTIONS);

        if (c != cmds)
            fputs(".br\n", out);
        fprintf(out, ".B loadgate %s\n", c->name);
        if (c->args && *c->args) {
            roff_args(c->args, out);
            fputc('\n', out);
        }
        for (int i = 0; i < n; i++) {
            if (opts[i]->flags & CMD_OPTF_IN_ARGS)
                continue;
            fputs("\\%[", out); /* never hyphenated */
            roff_option(opts[i], false, out);
            /* "\&": not the end of a sentence (no wider space after) */
            fprintf(out, "]%s\n",
                    opts[i]->flags & CMD_OPTF_REPEAT ? "...\\&" : "");
        }
    }
    fputs(".ad b\n", out);
}

/* .TP entries for table's own options; includes named. */
static void man_table(const struct cmd_option *table, FILE *out)
{
    for (const struct cmd_option *o = table; o->long_name || o->include; o++) {
        if (o->include) {
            fputs(".PP\nand the ", out);
            roff(o->help, strlen(o->help), out);
            fputs(" (below).\n", out);
            continue;
        }
        fputs(".TP\n", out);
        roff_option(o, true, out);
        fputc('\n', out);
        roff_line(o->help, out);
    }
}

/* "gate, report": the commands whose table (or included table) is t. */
static void man_takers(const struct cmd *cmds, const struct cmd_option *t,
                       FILE *out)
{
    bool first = true;

    for (const struct cmd *c = cmds; c->name; c++) {
        bool takes = c->options == t;
        for (const struct cmd_option *o = c->options;
             !takes && o && (o->long_name || o->include); o++)
            takes = o->include == t;
        if (!takes)
            continue;
        fprintf(out, "%s%s", first ? "" : ", ", c->name);
        first = false;
    }
}

void cmd_man_options(const struct cmd *cmds, FILE *out)
{
    /* the tables included, each described once at the end */
    const struct cmd_option *included[8];
    size_t n_included = 0;

    for (const struct cmd *c = cmds; c->name; c++) {
        bool seen = false;

        if (!c->options)
            continue;
        for (const struct cmd *e = cmds; e != c; e++)
            seen |= e->options == c->options;
        if (seen)
            continue;
        fputs(".SS \"", out);
        man_takers(cmds, c->options, out);
        fputs("\"\n", out);
        man_table(c->options, out);
        for (const struct cmd_option *o = c->options;
             o->long_name || o->include; o++) {
            bool known = false;
            if (!o->include)
                continue;
            for (size_t i = 0; i < n_included; i++)
                known |= included[i] == o->include;
            if (!known && n_included < sizeof(included) / sizeof(*included))
                included[n_included++] = o->include;
        }
    }
    for (size_t i = 0; i < n_included; i++) {
        const char *name = "";
        /* the include entry names the table */
        for (const struct cmd *c = cmds; c->name && !*name; c++)
            for (const struct cmd_option *o = c->options;
                 o && (o->long_name || o->include); o++)
                if (o->include == included[i])
                    name = o->help;
        fputs(".SS \"", out);
        roff(name, strlen(name), out);
        fputs(" (", out);
        man_takers(cmds, included[i], out);
        fputs(")\"\n", out);
        man_table(included[i], out);
    }
}

/* ---- bash completion ------------------------------------------------------
 */

/* "--out|-o" */
static void bash_pattern(const struct cmd_option *o, FILE *out)
{
    fprintf(out, "--%s", o->long_name);
    if (o->short_name)
        fprintf(out, "|-%c", o->short_name);
}

/* One case arm for the options of opts that take a value completed as
 * kind (not CMD_COMPLETE_WORDS: each of those has its own). */
static void bash_value_arm(const struct cmd_option **opts, int n,
                           enum cmd_complete kind, FILE *out)
{
    static const char *const action[] = {
        [CMD_COMPLETE_NONE] = "COMPREPLY=()",
        [CMD_COMPLETE_FILE] = "COMPREPLY=($(compgen -f -- \"$cur\"))",
        [CMD_COMPLETE_DIR] = "COMPREPLY=($(compgen -d -- \"$cur\"))",
        [CMD_COMPLETE_BASELINE] = "_loadgate_baselines",
    };
    bool any = false;

    for (int i = 0; i < n; i++) {
        if (opts[i]->arg != CMD_ARG_REQUIRED || opts[i]->complete != kind)
            continue;
        fputs(any ? "|" : "        ", out);
        bash_pattern(opts[i], out);
        any = true;
    }
    if (any)
        fprintf(out, ") %s; return ;;\n", action[kind]);
}

/* The completion of c's arguments and options, after its values. */
static void bash_words(const struct cmd *c, const struct cmd_option **opts,
                       int n, FILE *out)
{
    static const char *const flag[] = {
        [CMD_COMPLETE_FILE] = " -f",
        [CMD_COMPLETE_DIR] = " -d",
        [CMD_COMPLETE_COMMAND] = " -W \"$commands\"",
    };
    const char *args = c->args_complete < sizeof(flag) / sizeof(*flag) &&
                               flag[c->args_complete]
                           ? flag[c->args_complete]
                           : "";

    if (c->args_complete == CMD_COMPLETE_BASELINE) {
        fputs("_loadgate_baselines \"", out);
    } else if (n == 0 && !*args) {
        fputs("COMPREPLY=()", out);
        return;
    } else if (n == 0) {
        fprintf(out, "COMPREPLY=($(compgen%s -- \"$cur\"))", args);
        return;
    } else {
        fputs("COMPREPLY=($(compgen -W \"", out);
    }
    for (int i = 0; i < n; i++)
        fprintf(out, "%s--%s", i ? " " : "", opts[i]->long_name);
    if (c->args_complete == CMD_COMPLETE_BASELINE)
        fputc('"', out);
    else
        fprintf(out, "\"%s -- \"$cur\"))", args);
}

static bool completed_alike(const struct cmd *a, const struct cmd *b)
{
    return a->options == b->options && a->args_complete == b->args_complete &&
           (a->verbs == b->verbs ||
            (a->verbs && b->verbs && strcmp(a->verbs, b->verbs) == 0));
}

void cmd_bash_completion(const struct cmd *cmds, FILE *out)
{
    fputs("# bash completion for loadgate, made from its option tables by\n"
          "# 'loadgate help --bash-completion' (scripts/gen-docs): do not "
          "edit.\n"
          "_loadgate_baselines() {\n"
          "    local store=\".loadgate/baselines\" names=\"\"\n"
          "    [ -d \"$store\" ] && names=$(cd \"$store\" && ls *.json "
          "2>/dev/null | sed 's/\\.json$//')\n"
          "    COMPREPLY=($(compgen -W \"$names $1\" -f -- \"$cur\"))\n"
          "}\n"
          "_loadgate() {\n"
          "    local cur prev cmd\n"
          "    cur=\"${COMP_WORDS[COMP_CWORD]}\"\n"
          "    prev=\"${COMP_WORDS[COMP_CWORD-1]}\"\n"
          "    cmd=\"${COMP_WORDS[1]}\"\n"
          "    local commands=\"",
          out);
    for (const struct cmd *c = cmds; c->name; c++)
        fprintf(out, "%s%s", c == cmds ? "" : " ", c->name);
    fputs("\"\n"
          "    if [ \"$COMP_CWORD\" -eq 1 ]; then\n"
          "        COMPREPLY=($(compgen -W \"$commands\" -- \"$cur\"))\n"
          "        return\n"
          "    fi\n"
          "    case \"$cmd\" in\n",
          out);
    for (const struct cmd *c = cmds; c->name; c++) {
        const struct cmd_option *opts[CMD_MAX_OPTIONS];
        int n = cmd_options_flatten(c->options, opts, CMD_MAX_OPTIONS);
        bool done = false;

        /* commands completed alike (gate and report) share one arm */
        for (const struct cmd *e = cmds; e != c; e++)
            done |= completed_alike(e, c);
        if (done)
            continue;
        fprintf(out, "    %s", c->name);
        for (const struct cmd *e = c + 1; e->name; e++)
            if (completed_alike(e, c))
                fprintf(out, "|%s", e->name);
        fputs(")\n", out);
        if (n > 0) {
            fputs("        case \"$prev\" in\n", out);
            bash_value_arm(opts, n, CMD_COMPLETE_FILE, out);
            bash_value_arm(opts, n, CMD_COMPLETE_DIR, out);
            bash_value_arm(opts, n, CMD_COMPLETE_BASELINE, out);
            for (int i = 0; i < n; i++) {
                if (opts[i]->complete != CMD_COMPLETE_WORDS)
                    continue;
                fputs("        ", out);
                bash_pattern(opts[i], out);
                fprintf(out,
                        ") COMPREPLY=($(compgen -W \"%s\" -- "
                        "\"$cur\")); return ;;\n",
                        opts[i]->words);
            }
            bash_value_arm(opts, n, CMD_COMPLETE_NONE, out);
            fputs("        esac\n", out);
        }
        if (c->verbs) {
            fprintf(out,
                    "        if [ \"$COMP_CWORD\" -eq 2 ]; then\n"
                    "            COMPREPLY=($(compgen -W \"%s\" -- \"$cur\"))\n"
                    "            return\n"
                    "        fi\n",
                    c->verbs);
        }
        fputs("        ", out);
        bash_words(c, opts, n < 0 ? 0 : n, out);
        fputs(" ;;\n", out);
    }
    fputs("    *) COMPREPLY=($(compgen -f -- \"$cur\")) ;;\n"
          "    esac\n"
          "}\n"
          "complete -F _loadgate loadgate\n",
          out);
}
