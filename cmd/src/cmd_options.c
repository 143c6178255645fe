/* Option tables: getopt_long's arguments, the usage line and the --help
 * list of a command, all made from its table (cmd.h). */
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"

/* The columns of the --help list: the help text starts at the widest
 * "  -o, --out FILE" of at most OPTION_COLUMN characters plus two; a wider
 * one is followed by two spaces.  Lines are at most LINE_WIDTH long. */
#define OPTION_COLUMN 28
#define LINE_WIDTH 79

int cmd_options_flatten(const struct cmd_option *table,
                        const struct cmd_option **out, size_t max)
{
    size_t n = 0;

    for (const struct cmd_option *o = table; o && (o->long_name || o->include);
         o++) {
        if (!o->include) {
            if (n == max)
                return -1;
            out[n++] = o;
            continue;
        }
        for (const struct cmd_option *sub = o->include; sub->long_name; sub++) {
            if (n == max)
                return -1;
            out[n++] = sub;
        }
    }
    return (int)n;
}

int cmd_getopt_init(struct cmd_getopt *g, const struct cmd_option *table)
{
    int n = cmd_options_flatten(table, g->opts, CMD_MAX_OPTIONS);
    size_t k = 0;

    memset(g->longopts, 0, sizeof(g->longopts));
    g->table = NULL;
    g->n = 0;
    if (n < 0)
        return -1;
    g->shortopts[k++] = ':';
    for (int i = 0; i < n; i++) {
        const struct cmd_option *o = g->opts[i];
        for (int j = 0; j < i; j++)
            if (strcmp(g->opts[j]->long_name, o->long_name) == 0 ||
                g->opts[j]->id == o->id ||
                (o->short_name && g->opts[j]->short_name == o->short_name))
                return -1;
        /* ids above any character: '?' and ':' stay getopt's errors */
        if ((int)o->id < 256)
            return -1;
        g->longopts[i].name = o->long_name;
        g->longopts[i].has_arg = o->arg == CMD_ARG_REQUIRED ? required_argument
                                 : o->arg == CMD_ARG_OPTIONAL
                                     ? optional_argument
                                     : no_argument;
        g->longopts[i].flag = NULL;
        g->longopts[i].val = (int)o->id;
        if (o->short_name) {
            g->shortopts[k++] = o->short_name;
            if (o->arg == CMD_ARG_REQUIRED)
                g->shortopts[k++] = ':';
        }
    }
    g->shortopts[k] = '\0';
    g->n = (size_t)n;
    g->table = table;
    return 0;
}

int cmd_getopt(int argc, char **argv, const struct cmd_option *table,
               struct cmd_getopt *g)
{
    int c;

    if (g->table != table && cmd_getopt_init(g, table))
        return '?'; /* a broken table: the unit tests say which */
    c = getopt_long(argc, argv, g->shortopts, g->longopts, NULL);
    if (c >= 256 && !optarg && optind < argc && argv[optind][0] != '-')
        for (size_t i = 0; i < g->n; i++)
            if ((int)g->opts[i]->id == c &&
                g->opts[i]->arg == CMD_ARG_OPTIONAL && g->opts[i]->value_ok &&
                g->opts[i]->value_ok(argv[optind]))
                optarg = argv[optind++]; /* --name VALUE */
    if (c == -1 || c == '?' || c == ':' || c >= 256)
        return c;
    for (size_t i = 0; i < g->n; i++)
        if (g->opts[i]->short_name == c)
            return (int)g->opts[i]->id;
    return '?';
}

/* What --help and the usage show for o's value: its metavar, or its words
 * joined by '|'. */
static void metavar(const struct cmd_option *o, char *buf, size_t len)
{
    size_t i;

    snprintf(buf, len, "%s",
             o->metavar ? o->metavar
             : o->words ? o->words
                        : "VALUE");
    if (!o->metavar)
        for (i = 0; buf[i]; i++)
            if (buf[i] == ' ')
                buf[i] = '|';
}

/* Appends to buf at *used (never past len - 1), counting what would not
 * fit in *used too. */
__attribute__((format(printf, 4, 5))) static void
append(char *buf, size_t len, size_t *used, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(*used < len ? buf + *used : NULL,
                  *used < len ? len - *used : 0, fmt, ap);
    va_end(ap);
    if (n > 0)
        *used += (size_t)n;
}

size_t cmd_usage_format(const struct cmd *c, char *buf, size_t len)
{
    const struct cmd_option *opts[CMD_MAX_OPTIONS];
    int n = cmd_options_flatten(c->options, opts, CMD_MAX_OPTIONS);
    size_t used = 0;
    char mv[128];

    if (len)
        buf[0] = '\0';
    append(buf, len, &used, "%s", c->name);
    if (c->args && *c->args)
        append(buf, len, &used, " %s", c->args);
    for (int i = 0; i < n; i++) {
        const struct cmd_option *o = opts[i];
        if (o->flags & CMD_OPTF_IN_ARGS)
            continue;
        metavar(o, mv, sizeof(mv));
        append(buf, len, &used, " [--%s%s%s]%s", o->long_name,
               o->arg != CMD_ARG_NONE ? " " : "",
               o->arg != CMD_ARG_NONE ? mv : "",
               o->flags & CMD_OPTF_REPEAT ? "..." : "");
    }
    return used;
}

const char *cmd_usage(const char *name)
{
    static char buf[2048];
    const struct cmd *c = cmd_find(name);

    if (!c)
        return name;
    cmd_usage_format(c, buf, sizeof(buf));
    return buf;
}

/* "  -o, --out FILE" */
static size_t option_left(const struct cmd_option *o, char *buf, size_t len)
{
    char mv[128];
    int n;

    metavar(o, mv, sizeof(mv));
    if (o->short_name)
        n = snprintf(buf, len, "  -%c, --%s", o->short_name, o->long_name);
    else
        n = snprintf(buf, len, "      --%s", o->long_name);
    if (n > 0 && (size_t)n < len && o->arg != CMD_ARG_NONE)
        n += snprintf(buf + n, len - (size_t)n, " %s", mv);
    return n > 0 ? strlen(buf) : 0;
}

/* text from the cursor's column at on, word by word, each line at most
 * LINE_WIDTH long, the next ones indented to col. */
static void wrap(const char *text, size_t col, size_t at, FILE *out)
{
    const char *p = text;
    bool line_start = true;

    while (*p) {
        size_t w = strcspn(p, " ");
        /* a word wider than any line goes alone on its own */
        if (!line_start && at + 1 + w > LINE_WIDTH) {
            fprintf(out, "\n%*s", (int)col, "");
            at = col;
            line_start = true;
        }
        if (!line_start) {
            fputc(' ', out);
            at++;
        }
        fwrite(p, 1, w, out);
        at += w;
        line_start = false;
        p += w;
        while (*p == ' ')
            p++;
    }
    fputc('\n', out);
}

void cmd_options_help(const struct cmd_option *table, FILE *out)
{
    const struct cmd_option *opts[CMD_MAX_OPTIONS];
    int n = cmd_options_flatten(table, opts, CMD_MAX_OPTIONS);
    size_t col = 0;
    char left[256];

    for (int i = 0; i < n; i++) {
        size_t w = option_left(opts[i], left, sizeof(left));
        if (w <= OPTION_COLUMN && w + 2 > col)
            col = w + 2;
    }
    for (int i = 0; i < n; i++) {
        size_t w = option_left(opts[i], left, sizeof(left));
        fputs(left, out);
        if (w + 2 > col) {
            fputs("  ", out);
            w += 2;
        } else {
            fprintf(out, "%*s", (int)(col - w), "");
            w = col;
        }
        wrap(opts[i]->help, col, w, out);
    }
}
