#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "lgtest.h"

char *xs(const char *s)
{
    char *r = s ? strdup(s) : NULL;

    if (s)
        assert_non_null(r);
    return r;
}

void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size);

    assert_non_null(p);
    return p;
}

uint64_t mono_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

    while (nanosleep(&ts, &ts) != 0)
        ;
}

int loopback_bound(struct sockaddr_in *sa)
{
    socklen_t len = sizeof(*sa);
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    memset(sa, 0, sizeof(*sa));
    sa->sin_family = AF_INET;
    sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)sa, sizeof(*sa)), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)sa, &len), 0);
    return fd;
}

void rm_tree(const char *path)
{
    struct stat st;
    DIR *d;
    struct dirent *de;
    char child[1024];

    if (lstat(path, &st) != 0)
        return;
    if (S_ISDIR(st.st_mode) && (d = opendir(path)) != NULL) {
        while ((de = readdir(d)) != NULL) {
            if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
                continue;
            snprintf(child, sizeof(child), "%s/%s", path, de->d_name);
            rm_tree(child);
        }
        closedir(d);
        rmdir(path);
    } else {
        unlink(path);
    }
}

void tmp_file_make(struct tmp_file *t, const char *tag, const char *name)
{
    snprintf(t->dir, sizeof(t->dir), "/tmp/lg-%s-XXXXXX", tag);
    assert_non_null(mkdtemp(t->dir));
    snprintf(t->path, sizeof(t->path), "%s/%s", t->dir, name);
}

void tmp_file_remove(const struct tmp_file *t)
{
    unlink(t->path);
    rmdir(t->dir);
}

void mem_open(struct mem *m)
{
    m->text = NULL;
    m->len = 0;
    m->f = open_memstream(&m->text, &m->len);
    assert_non_null(m->f);
}

char *mem_close(struct mem *m)
{
    assert_int_equal(fclose(m->f), 0);
    m->f = NULL;
    return m->text;
}

size_t random_text(uint32_t *seed, const char *alphabet, size_t n, char *buf,
                   size_t size)
{
    size_t len;

    *seed = *seed * 1103515245u + 12345u;
    len = (*seed >> 16) % (size - 1);
    for (size_t i = 0; i < len; i++) {
        *seed = *seed * 1103515245u + 12345u;
        buf[i] = alphabet[(*seed >> 16) % n];
    }
    buf[len] = '\0';
    return len;
}
