/* ${ENV} expansion in profile values, shell-like: ${NAME} and
 * ${NAME:-default} (the default also replaces a set but empty variable,
 * as in sh).  Messages name the variable, never its value: the value may
 * be a token. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profile_internal.h"

struct out_buf {
    char *p;
    size_t len, cap;
};

static int put(struct out_buf *o, const char *s, size_t n)
{
    if (n > PROFILE__ENV_MAX_VALUE - o->len)
        return PROFILE_EPROFILE;
    if (o->len + n + 1 > o->cap) {
        size_t cap = o->cap ? o->cap : 64;
        char *p;
        while (cap < o->len + n + 1)
            cap *= 2;
        p = realloc(o->p, cap);
        if (!p)
            return PROFILE_ENOMEM;
        o->p = p;
        o->cap = cap;
    }
    if (n)
        memcpy(o->p + o->len, s, n);
    o->len += n;
    o->p[o->len] = '\0';
    return 0;
}

static bool name_start(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static bool name_char(char c)
{
    return name_start(c) || (c >= '0' && c <= '9');
}

static bool is_runtime(const char *name, size_t n)
{
    return (n == 2 && memcmp(name, "vu", 2) == 0) ||
           (n == 9 && memcmp(name, "iteration", 9) == 0);
}

int profile__env_expand(const char *in, size_t len, char **out, bool *expanded,
                        char *msg, size_t msglen)
{
    struct out_buf o = {0};
    char name[256];
    size_t i = 0;
    int rc = 0;

    *out = NULL;
    *expanded = false;
    if (msglen)
        msg[0] = '\0';
    rc = put(&o, "", 0);
    while (rc == 0 && i < len) {
        const char *dollar = memchr(in + i, '$', len - i);
        size_t at, nlen, end, dstart = 0, dlen = 0;
        bool has_default = false;
        const char *val;

        if (!dollar) {
            rc = put(&o, in + i, len - i);
            break;
        }
        at = (size_t)(dollar - in);
        rc = put(&o, in + i, at - i);
        if (rc)
            break;
        if (at + 2 < len && in[at + 1] == '$' && in[at + 2] == '{') {
            rc = put(&o, "${", 2); /* $${ is a literal ${ */
            i = at + 3;
            continue;
        }
        if (at + 1 >= len || in[at + 1] != '{') {
            rc = put(&o, "$", 1);
            i = at + 1;
            continue;
        }
        /* ${ ... */
        end = at + 2;
        while (end < len && name_char(in[end]))
            end++;
        nlen = end - (at + 2);
        if (nlen == 0 || !name_start(in[at + 2])) {
            snprintf(msg, msglen,
                     "'${' must start ${NAME} or ${NAME:-default}, NAME "
                     "being letters, digits and _; write $${ for a literal "
                     "${");
            rc = PROFILE_EPROFILE;
            break;
        }
        if (end + 1 < len && in[end] == ':' && in[end + 1] == '-') {
            has_default = true;
            dstart = end + 2;
            end = dstart;
            while (end < len && in[end] != '}')
                end++;
            dlen = end - dstart;
        }
        if (end >= len || in[end] != '}') {
            snprintf(msg, msglen,
                     "unterminated ${%.*s: expected ${NAME} or "
                     "${NAME:-default}; write $${ for a literal ${",
                     (int)(nlen > 64 ? 64 : nlen), in + at + 2);
            rc = PROFILE_EPROFILE;
            break;
        }
        if (is_runtime(in + at + 2, nlen)) {
            /* ${vu}, ${iteration}: the engine renders them per request */
            rc = put(&o, in + at, end + 1 - at);
            i = end + 1;
            continue;
        }
        if (nlen >= sizeof(name)) {
            snprintf(msg, msglen,
                     "environment variable name ${%.64s...} "
                     "is too long",
                     in + at + 2);
            rc = PROFILE_EPROFILE;
            break;
        }
        memcpy(name, in + at + 2, nlen);
        name[nlen] = '\0';
        val = getenv(name);
        if (has_default && (!val || !*val)) {
            rc = put(&o, in + dstart, dlen);
        } else if (!val) {
            snprintf(msg, msglen,
                     "environment variable %s is not set; use "
                     "${%s:-default} for an optional one",
                     name, name);
            rc = PROFILE_EPROFILE;
            break;
        } else {
            rc = put(&o, val, strlen(val));
        }
        *expanded = true;
        i = end + 1;
    }
    if (rc == PROFILE_EPROFILE && msglen && msg[0] == '\0') /* from put() */
        snprintf(msg, msglen,
                 "the value is longer than %u bytes after "
                 "expanding ${...}",
                 PROFILE__ENV_MAX_VALUE);
    if (rc) {
        free(o.p);
        return rc;
    }
    *out = o.p;
    return 0;
}
