#include "cmd_fixture.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int saved_fd = -1;
static FILE *sink;

void capture_begin(void)
{
    fflush(stderr);
    sink = tmpfile();
    saved_fd = dup(2);
    if (!sink || saved_fd < 0 || dup2(fileno(sink), 2) < 0)
        abort();
}

char *capture_end(void)
{
    long len;
    char *text;

    fflush(stderr);
    if (dup2(saved_fd, 2) < 0)
        abort();
    close(saved_fd);
    len = ftell(sink);
    text = calloc(1, (size_t)(len > 0 ? len : 0) + 1);
    rewind(sink);
    if (!text || (len > 0 && fread(text, 1, (size_t)len, sink) != (size_t)len))
        abort();
    fclose(sink);
    return text;
}

size_t count_lines(const char *text)
{
    size_t n = 0;

    for (; *text; text++)
        n += *text == '\n';
    return n;
}

const struct cmd_option test_included[] = {
    {.long_name = "gamma",
     .short_name = 'g',
     .id = TEST_GAMMA,
     .help = "the third"},
    {.long_name = "delta",
     .id = TEST_DELTA,
     .arg = CMD_ARG_REQUIRED,
     .complete = CMD_COMPLETE_WORDS,
     .words = "up down",
     .help = ".dotted help starts a line"},
    {.long_name = NULL},
};

const struct cmd_option test_table[] = {
    {.long_name = "alpha",
     .short_name = 'a',
     .id = TEST_ALPHA,
     .arg = CMD_ARG_REQUIRED,
     .metavar = "A-B",
     .complete = CMD_COMPLETE_FILE,
     .flags = CMD_OPTF_REPEAT,
     .help = "the first"},
    {.long_name = "beta",
     .id = TEST_BETA,
     .flags = CMD_OPTF_IN_ARGS,
     .help = "the second"},
    {.help = "extra options", .include = test_included},
    {.long_name = NULL},
};

const struct cmd test_cmds[] = {
    {.name = "t",
     .args = "FILE --beta [MORE...]",
     .args_complete = CMD_COMPLETE_FILE,
     .options = test_table,
     .summary = "a test",
     .details = "",
     .examples = ""},
    {.name = NULL},
};
