/* JSON pointers (RFC 6901) into response bodies, for captures. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "loader_engine_internal.h"

/* Unescapes the reference token [s, e) into buf (~1 -> '/', ~0 -> '~').
 * Returns its length, or -1 for a '~' not followed by 0 or 1. */
static long unescape_token(const char *s, const char *e, char *buf)
{
    size_t n = 0;

    while (s < e) {
        if (*s == '~') {
            if (s + 1 >= e || (s[1] != '0' && s[1] != '1'))
                return -1;
            buf[n++] = s[1] == '0' ? '~' : '/';
            s += 2;
        } else {
            buf[n++] = *s++;
        }
    }
    buf[n] = '\0';
    return (long)n;
}

/* Array index per RFC 6901: "0" or digits without a leading zero. */
static bool parse_index(const char *tok, size_t len, size_t *out)
{
    size_t v = 0;

    if (len == 0 || (tok[0] == '0' && len > 1))
        return false;
    for (size_t i = 0; i < len; i++) {
        if (tok[i] < '0' || tok[i] > '9')
            return false;
        if (v > (SIZE_MAX - 9) / 10)
            return false;
        v = v * 10 + (size_t)(tok[i] - '0');
    }
    *out = v;
    return true;
}

void *loader__jsonptr_get(void *root, const char *pointer)
{
    json_t *cur = root;
    const char *s = pointer;
    char *tok = NULL;

    if (!cur || !pointer)
        return NULL;
    if (*s == '\0')
        return cur;
    if (*s != '/')
        return NULL;
    tok = malloc(strlen(pointer) + 1);
    if (!tok)
        return NULL;
    while (cur && *s == '/') {
        const char *e = strchr(s + 1, '/');
        long n;

        if (!e)
            e = s + strlen(s);
        n = unescape_token(s + 1, e, tok);
        if (n < 0) {
            cur = NULL;
            break;
        }
        if (json_is_object(cur)) {
            /* Keys may hold NUL-free text only here; jansson's getn
             * handles the exact length. */
            cur = json_object_getn(cur, tok, (size_t)n);
        } else if (json_is_array(cur)) {
            size_t idx;

            cur = parse_index(tok, (size_t)n, &idx) ? json_array_get(cur, idx)
                                                    : NULL;
        } else {
            cur = NULL;
        }
        s = e;
    }
    free(tok);
    return cur;
}

/* Shortest "%.*g" that reads back as the same double. */
static void format_real(double d, char *buf, size_t len)
{
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, len, "%.*g", prec, d);
        if (strtod(buf, NULL) == d)
            return;
    }
}

int loader__jsonptr_extract(const char *body, size_t len, const char *pointer,
                            char **out)
{
    json_t *root = NULL, *v;
    json_error_t jerr;
    char num[64];
    const char *text = NULL;
    char *dumped = NULL;
    int rc = 0;

    *out = NULL;
    if (!body)
        return LOADER_EINVAL;
    root = json_loadb(body, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
    if (!root)
        return LOADER_EINVAL;
    v = loader__jsonptr_get(root, pointer);
    if (!v) {
        rc = LOADER_EINVAL;
        goto out;
    }
    switch (json_typeof(v)) {
    case JSON_STRING:
        text = json_string_value(v);
        break;
    case JSON_INTEGER:
        snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
                 json_integer_value(v));
        text = num;
        break;
    case JSON_REAL:
        format_real(json_real_value(v), num, sizeof(num));
        text = num;
        break;
    case JSON_TRUE:
        text = "true";
        break;
    case JSON_FALSE:
        text = "false";
        break;
    case JSON_NULL:
        text = "null";
        break;
    default:
        dumped = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        if (!dumped) {
            rc = LOADER_ENOMEM;
            goto out;
        }
        text = dumped;
        break;
    }
    *out = strdup(text);
    if (!*out)
        rc = LOADER_ENOMEM;
out:
    free(dumped);
    json_decref(root);
    return rc;
}
