/* JSON expectations for the C tests that read JSON with jansson (they
 * link it themselves): a member's value, with the key in the failure. */
#ifndef LOADGATE_LGJSON_H
#define LOADGATE_LGJSON_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

/** o's member key is the string want. */
static inline void assert_jstr(const json_t *o, const char *key,
                               const char *want)
{
    const char *got = json_string_value(json_object_get(o, key));

    if (!got || strcmp(got, want) != 0)
        fail_msg("\"%s\": got '%s', want '%s'", key, got ? got : "(none)",
                 want);
}

/** o's member key is the real number want, exactly (0 when it is not a
 * real). */
static inline void assert_jreal(const json_t *o, const char *key, double want)
{
    double got = json_real_value(json_object_get(o, key));

    if (got != want)
        fail_msg("\"%s\": got %.17g, want %.17g", key, got, want);
}

#endif
