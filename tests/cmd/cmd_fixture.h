/* What the cmd tests share: stderr captured and a small option table
 * with an include (a stream into memory is lgtest.h's). */
#ifndef LOADGATE_TEST_CMD_FIXTURE_H
#define LOADGATE_TEST_CMD_FIXTURE_H

#include <stdio.h>

#include "cmd.h"
#include "lgtest.h"

/** From here to capture_end(), what is written to stderr (fd 2) is kept. */
void capture_begin(void);
/** What stderr got since capture_begin() (malloc'd); stderr is back. */
char *capture_end(void);

/** Lines of text (its '\n's), not counting an unterminated last one. */
size_t count_lines(const char *text);

/* A table in the tables' shape: --alpha/-a VALUE (repeatable), --beta
 * (shown among the arguments), and the included table's --gamma/-g and
 * --delta WORDS. */
#define TEST_ALPHA ((enum cmd_opt)2000)
#define TEST_BETA ((enum cmd_opt)2001)
#define TEST_GAMMA ((enum cmd_opt)2002)
#define TEST_DELTA ((enum cmd_opt)2003)
extern const struct cmd_option test_included[];
extern const struct cmd_option test_table[];
/* The command "t ARGS" taking test_table, and the end. */
extern const struct cmd test_cmds[];

#endif
