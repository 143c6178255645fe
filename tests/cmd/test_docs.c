/* What cmd_docs.c makes from the tables: the man page's SYNOPSIS and
 * OPTIONS (roff) and the bash completion script, for a small table (the
 * whole text) and for every command (each option in its place). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cmd_fixture.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

typedef void doc_fn(const struct cmd *cmds, FILE *out);

static char *make(doc_fn *fn, const struct cmd *cmds)
{
    struct mem m;

    mem_open(&m);
    fn(cmds, m.f);
    return mem_close(&m);
}

/* fn over the test table writes exactly want. */
static void expect_doc(doc_fn *fn, const char *want)
{
    char *text = make(fn, test_cmds);

    assert_string_equal(text, want);
    free(text);
}

static void test_man_synopsis_of_a_table(void **state)
{
    (void)state;
    expect_doc(cmd_man_synopsis,
               ".ad l\n"
               ".B loadgate t\n"
               "\\fIFILE\\fR \\fB\\-\\-beta\\fR [\\fIMORE\\fR...]\n"
               "\\%[\\fB\\-\\-alpha\\fR\\ \\fIA\\-B\\fR]...\\&\n"
               "\\%[\\fB\\-\\-gamma\\fR]\n"
               "\\%[\\fB\\-\\-delta\\fR\\ \\fIup|down\\fR]\n"
               ".ad b\n");
}

static void test_man_options_of_a_table(void **state)
{
    (void)state;
    expect_doc(cmd_man_options,
               ".SS \"t\"\n"
               ".TP\n"
               "\\fB\\-a\\fR, \\fB\\-\\-alpha\\fR\\ \\fIA\\-B\\fR\n"
               "the first\n"
               ".TP\n"
               "\\fB\\-\\-beta\\fR\n"
               "the second\n"
               ".PP\n"
               "and the extra options (below).\n"
               ".SS \"extra options (t)\"\n"
               ".TP\n"
               "\\fB\\-g\\fR, \\fB\\-\\-gamma\\fR\n"
               "the third\n"
               ".TP\n"
               "\\fB\\-\\-delta\\fR\\ \\fIup|down\\fR\n"
               /* a text line, not a request */
               "\\&.dotted help starts a line\n");
}

/* "\-\-name" as roff writes it */
static void roff_name(const char *name, char *buf, size_t len)
{
    size_t k = 0;

    for (; *name && k + 3 < len; name++) {
        if (*name == '-')
            buf[k++] = '\\';
        buf[k++] = *name;
    }
    buf[k] = '\0';
}

/* Every option of every command in the synopsis and the options, and no
 * line of the options that roff would take for a request. */
static void test_man_has_every_option(void **state)
{
    char *syn = make(cmd_man_synopsis, cmd_commands);
    char *opts = make(cmd_man_options, cmd_commands);
    (void)state;

    for (const struct cmd *c = cmd_commands; c->name; c++) {
        const struct cmd_option *o[CMD_MAX_OPTIONS];
        int n = cmd_options_flatten(c->options, o, N_OF(o));
        char want[256], name[128];
        const char *at;

        snprintf(want, sizeof(want), ".B loadgate %s\n", c->name);
        at = strstr(syn, want);
        if (!at)
            fail_msg("synopsis lacks %s", c->name);
        for (int i = 0; i < n; i++) {
            snprintf(want, sizeof(want), "--%s", o[i]->long_name);
            roff_name(want, name, sizeof(name));
            snprintf(want, sizeof(want), "\\fB%s\\fR", name);
            if (!(o[i]->flags & CMD_OPTF_IN_ARGS) && !strstr(at, want))
                fail_msg("synopsis of %s lacks %s", c->name, want);
            if (!strstr(opts, want))
                fail_msg("options lack %s", want);
        }
    }
    for (const char *line = opts; *line; line = strchr(line, '\n') + 1)
        if ((line[0] == '.' && strncmp(line, ".TP\n", 4) &&
             strncmp(line, ".PP\n", 4) && strncmp(line, ".SS \"", 5)) ||
            line[0] == '\'')
            fail_msg("a request in the options: %.40s", line);
    free(syn);
    free(opts);
}

/* What follows the line "    a|name|b)" of text, the case arm of name. */
static char *find_arm(char *text, const char *name)
{
    size_t len = strlen(name);

    for (char *line = strchr(text, '\n'); line; line = strchr(line + 1, '\n')) {
        char *p = line + 5, *end = strchr(p, '\n');
        if (strncmp(line, "\n    ", 5) != 0 || *p == ' ' || !end ||
            end[-1] != ')')
            continue;
        /* name among the '|'-separated names before ')' */
        for (char *q = p; q < end; q += strcspn(q, "|)") + 1)
            if (strncmp(q, name, len) == 0 && (q[len] == '|' || q[len] == ')'))
                return end + 1;
    }
    return NULL;
}

static void test_bash_completion_of_a_table(void **state)
{
    char *text = make(cmd_bash_completion, test_cmds);
    const char *arm;
    (void)state;

    assert_non_null(strstr(text, "\n    local commands=\"t\"\n"));
    arm = strstr(text, "\n    t)\n");
    assert_non_null(arm);
    assert_non_null(strstr(
        arm, "\n    t)\n"
             "        case \"$prev\" in\n"
             "        --alpha|-a) COMPREPLY=($(compgen -f -- \"$cur\")); "
             "return ;;\n"
             "        --delta) COMPREPLY=($(compgen -W \"up down\" -- "
             "\"$cur\")); return ;;\n"
             "        esac\n"
             "        COMPREPLY=($(compgen -W \"--alpha --beta --gamma "
             "--delta\" -f -- \"$cur\")) ;;\n"
             "    *) COMPREPLY=($(compgen -f -- \"$cur\")) ;;\n"));
    assert_ptr_equal(find_arm(text, "t"), arm + strlen("\n    t)\n"));
    assert_non_null(strstr(text, "\ncomplete -F _loadgate loadgate\n"));
    free(text);
}

/* Every command an arm with every option among its words, and each
 * option's value completed as its table says. */
static void test_bash_completion_has_every_option(void **state)
{
    static const char *const action[] = {
        [CMD_COMPLETE_NONE] = "COMPREPLY=()",
        [CMD_COMPLETE_FILE] = "compgen -f",
        [CMD_COMPLETE_DIR] = "compgen -d",
        [CMD_COMPLETE_BASELINE] = "_loadgate_baselines",
        [CMD_COMPLETE_WORDS] = "compgen -W",
    };
    char *text = make(cmd_bash_completion, cmd_commands);
    (void)state;

    for (const struct cmd *c = cmd_commands; c->name; c++) {
        const struct cmd_option *o[CMD_MAX_OPTIONS];
        int n = cmd_options_flatten(c->options, o, N_OF(o));
        char want[256], *arm, *end, *words;

        arm = find_arm(text, c->name);
        if (!arm)
            fail_msg("no arm for %s", c->name);
        /* to the next arm, "    name)" */
        for (end = arm; (end = strstr(end, ";;\n    ")) && end[7] == ' '; end++)
            ;
        assert_non_null(end);
        /* this arm only; its last line holds the words */
        *end = '\0';
        words = strrchr(arm, '\n') ? strrchr(arm, '\n') : arm;
        for (int i = 0; i < n; i++) {
            char *line;
            snprintf(want, sizeof(want), "--%s ", o[i]->long_name);
            if (!strstr(words, want) &&
                !(snprintf(want, sizeof(want), "--%s\"", o[i]->long_name),
                  strstr(words, want)))
                fail_msg("%s: --%s not offered", c->name, o[i]->long_name);
            if (o[i]->arg != CMD_ARG_REQUIRED)
                continue;
            /* its value: on the case line naming it */
            snprintf(want, sizeof(want), "--%s", o[i]->long_name);
            for (line = arm; (line = strstr(line, want)); line++)
                if ((line[-1] == ' ' || line[-1] == '|') &&
                    (line[strlen(want)] == '|' || line[strlen(want)] == ')'))
                    break;
            if (!line)
                fail_msg("%s: no case for --%s's value", c->name,
                         o[i]->long_name);
            *strchr(line, '\n') = '\0';
            if (!strstr(line, action[o[i]->complete]))
                fail_msg("%s: --%s's value: %s", c->name, o[i]->long_name,
                         line);
            if (o[i]->complete == CMD_COMPLETE_WORDS &&
                !strstr(line, o[i]->words))
                fail_msg("%s: --%s lacks its words", c->name, o[i]->long_name);
            line[strlen(line)] = '\n';
        }
        *end = ';';
    }
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_man_synopsis_of_a_table),
        cmocka_unit_test(test_man_options_of_a_table),
        cmocka_unit_test(test_man_has_every_option),
        cmocka_unit_test(test_bash_completion_of_a_table),
        cmocka_unit_test(test_bash_completion_has_every_option),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
