/* Name tables, atomic writes, SHA-256 and time formatting. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "metrics_internal.h"

char *metrics__strdup(const char *s)
{
    return s ? strdup(s) : NULL;
}

const char *metrics__name_at(const char *const *names, int n, int i)
{
    return i >= 0 && i < n ? names[i] : NULL;
}

int metrics__name_index(const char *const *names, int n, const char *name,
                        size_t len)
{
    for (int i = 0; name && i < n; i++)
        if (strlen(names[i]) == len && memcmp(names[i], name, len) == 0)
            return i;
    return -1;
}

static const char *const errclass_names[] = {
    METRICS_ERRCLASS_MAP(METRICS__NAME2)};

const char *metrics_errclass_name(enum metrics_errclass c)
{
    return metrics__name_at(errclass_names, METRICS_ERR__COUNT, (int)c);
}

enum metrics_errclass metrics_errclass_parse(const char *name)
{
    int i = metrics__name_index(errclass_names, METRICS_ERR__COUNT, name,
                                name ? strlen(name) : 0);

    return i < 0 ? METRICS_ERR_NONE : (enum metrics_errclass)i;
}

/* gRPC's status codes (grpc/doc/statuscodes.md), by value. */
static const char *const grpc_names[METRICS_GRPC_STATUS_MAX] = {
    "OK",
    "CANCELLED",
    "UNKNOWN",
    "INVALID_ARGUMENT",
    "DEADLINE_EXCEEDED",
    "NOT_FOUND",
    "ALREADY_EXISTS",
    "PERMISSION_DENIED",
    "RESOURCE_EXHAUSTED",
    "FAILED_PRECONDITION",
    "ABORTED",
    "OUT_OF_RANGE",
    "UNIMPLEMENTED",
    "INTERNAL",
    "UNAVAILABLE",
    "DATA_LOSS",
    "UNAUTHENTICATED",
};

const char *metrics_grpc_status_name(int code)
{
    return code >= 0 && code < METRICS_GRPC_STATUS_MAX ? grpc_names[code]
                                                       : NULL;
}

int metrics_grpc_status_parse(const char *name)
{
    for (int i = 0; name && i < METRICS_GRPC_STATUS_MAX; i++)
        if (strcmp(grpc_names[i], name) == 0)
            return i;
    return -1;
}

static const char *const stat_names[] = {METRICS_STAT_MAP(METRICS__NAME3)};

const char *metrics_stat_name(enum metrics_stat s)
{
    return metrics__name_at(stat_names, METRICS_STAT__COUNT, (int)s);
}

int metrics_stat_parse(const char *name)
{
    return metrics__name_index(stat_names, METRICS_STAT__COUNT, name,
                               name ? strlen(name) : 0);
}

bool metrics_stat_is_time(enum metrics_stat s)
{
    return s <= METRICS_STAT_MAX;
}

double metrics_stat_percentile(enum metrics_stat s)
{
    switch (s) {
    case METRICS_STAT_P50:
        return 50;
    case METRICS_STAT_P75:
        return 75;
    case METRICS_STAT_P90:
        return 90;
    case METRICS_STAT_P95:
        return 95;
    case METRICS_STAT_P99:
        return 99;
    case METRICS_STAT_P999:
        return 99.9;
    default:
        return -1;
    }
}

int metrics_read_all(FILE *f, size_t max, char **out, size_t *len)
{
    char *buf = NULL;
    size_t n = 0, cap = 0, room, got;
    int saved;

    *out = NULL;
    *len = 0;
    do {
        if (n > max) {
            free(buf);
            return METRICS_ERANGE;
        }
        if (cap - n < 2) { /* a byte to read and the NUL */
            char *nb = cap <= SIZE_MAX / 2 ? realloc(buf, cap ? cap * 2 : 65536)
                                           : NULL;
            if (!nb) {
                free(buf);
                return METRICS_ENOMEM;
            }
            buf = nb;
            cap = cap ? cap * 2 : 65536;
        }
        room = cap - n - 1;
        if (max - n < room)
            room = max - n + 1;
        got = fread(buf + n, 1, room, f);
        n += got;
    } while (got > 0);
    if (ferror(f)) {
        saved = errno;
        free(buf);
        errno = saved;
        return METRICS_EIO;
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return 0;
}

int metrics_write_atomic(const char *path, const void *data, size_t len)
{
    static unsigned seq;
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 48);
    const char *p = data;
    int fd, saved;

    if (!tmp)
        return METRICS_ENOMEM;
    snprintf(tmp, plen + 48, "%s.tmp.%ld.%u", path, (long)getpid(), seq++);
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0)
        goto fail;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n == 0)
                errno = ENOSPC;
            goto fail_fd;
        }
        p += n;
        len -= (size_t)n;
    }
    if (fsync(fd) != 0)
        goto fail_fd;
    if (close(fd) != 0) {
        fd = -1;
        goto fail_fd;
    }
    if (rename(tmp, path) != 0) {
        fd = -1;
        goto fail_fd;
    }
    free(tmp);
    return 0;
fail_fd:
    saved = errno;
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    errno = saved;
fail:
    saved = errno;
    free(tmp);
    errno = saved;
    return METRICS_EIO;
}

void metrics_format_utc(int64_t unix_seconds, char *buf, size_t len)
{
    time_t t = (time_t)unix_seconds;
    struct tm tm;

    if (!gmtime_r(&t, &tm) ||
        strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
        if (len)
            buf[0] = '\0';
    }
}

/* ---- SHA-256 (FIPS 180-4) ------------------------------------------------ */

static const uint32_t sha_k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
    0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
    0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
    0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
    0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
    0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
    0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
    0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void sha_block(uint32_t h[8], const unsigned char *p)
{
    uint32_t w[64], a, b, c, d, e, f, g, hh;

    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
               (uint32_t)p[4 * i + 2] << 8 | (uint32_t)p[4 * i + 3];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    a = h[0], b = h[1], c = h[2], d = h[3];
    e = h[4], f = h[5], g = h[6], hh = h[7];
    for (int i = 0; i < 64; i++) {
        uint32_t t1 = hh + (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25)) +
                      ((e & f) ^ (~e & g)) + sha_k[i] + w[i];
        uint32_t t2 = (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22)) +
                      ((a & b) ^ (a & c) ^ (b & c));
        hh = g, g = f, f = e, e = d + t1;
        d = c, c = b, b = a, a = t1 + t2;
    }
    h[0] += a, h[1] += b, h[2] += c, h[3] += d;
    h[4] += e, h[5] += f, h[6] += g, h[7] += hh;
}

void metrics_sha256_hex(const void *data, size_t len, char out[65])
{
    uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                     0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    const unsigned char *p = data;
    unsigned char tail[128];
    size_t full = len / 64 * 64, rest = len - full, tlen;
    uint64_t bits = (uint64_t)len * 8;

    for (size_t i = 0; i < full; i += 64)
        sha_block(h, p + i);
    memset(tail, 0, sizeof(tail));
    if (rest)
        memcpy(tail, p + full, rest);
    tail[rest] = 0x80;
    tlen = rest + 1 + 8 <= 64 ? 64 : 128;
    for (int i = 0; i < 8; i++)
        tail[tlen - 1 - i] = (unsigned char)(bits >> (8 * i));
    sha_block(h, tail);
    if (tlen == 128)
        sha_block(h, tail + 64);
    for (int i = 0; i < 8; i++)
        snprintf(out + 8 * i, 9, "%08x", h[i]);
}
