/* Helpers the C unit tests of several modules share (the Python tests'
 * are tests/integration/lgtest.py); linked into every loadgate_unit_test.
 * A helper that cannot do its job fails the test. */
#ifndef LOADGATE_LGTEST_H
#define LOADGATE_LGTEST_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/** A test file's main(): runs the cmocka tests given after the group
 * setup and teardown (each may be NULL), e.g.
 * LGTEST_MAIN(NULL, NULL, cmocka_unit_test(test_a), ...). */
#define LGTEST_MAIN(setup, teardown, ...)                                      \
    int main(void)                                                             \
    {                                                                          \
        const struct CMUnitTest tests[] = {__VA_ARGS__};                       \
        return cmocka_run_group_tests(tests, setup, teardown);                 \
    }

/** A test run between the test file's own setup() and teardown(). */
#define LGTEST_FX(test) cmocka_unit_test_setup_teardown(test, setup, teardown)

/** strdup that keeps NULL. */
char *xs(const char *s);
/** calloc of at least one element. */
void *xcalloc(size_t n, size_t size);
/** CLOCK_MONOTONIC in ns. */
uint64_t mono_ns(void);
/** Sleeps ms milliseconds, through signals. */
void sleep_ms(long ms);
struct sockaddr_in;
/** A TCP socket bound to 127.0.0.1 on a port the kernel picked, not yet
 * listening; *sa is its address.  Asserts that it worked. */
int loopback_bound(struct sockaddr_in *sa);
/** rm -r path (a test's own mkdtemp folder); no symbolic link is
 * followed. */
void rm_tree(const char *path);
/* A stream into memory: mem_open(), write to .f, mem_close() for the
 * text; .len is its length. */
struct mem {
    FILE *f;
    char *text;
    size_t len;
};
void mem_open(struct mem *m);
/** Closes .f (asserts it closes); returns .text, what was written (free
 * it). */
char *mem_close(struct mem *m);

/* A file path in a fresh folder of its own under /tmp. */
struct tmp_file {
    char dir[64], path[128];
};
/** Makes the folder /tmp/lg-<tag>-XXXXXX; .path is <folder>/<name> (not
 * created). */
void tmp_file_make(struct tmp_file *t, const char *tag, const char *name);
/** Removes the file, if there, and the folder. */
void tmp_file_remove(const struct tmp_file *t);

/** A pseudo-random text of 0 to size - 2 characters from alphabet[0..n),
 * NUL-terminated, from *seed (the same seed gives the same texts).
 * Returns its length. */
size_t random_text(uint32_t *seed, const char *alphabet, size_t n, char *buf,
                   size_t size);

#endif
