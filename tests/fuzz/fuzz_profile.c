/* libFuzzer target: the YAML profile parser must answer every input with
 * a profile or a positioned error, in bounded time and memory. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct profile *p = NULL;
    struct profile_error err;
    char msg[1200];

    if (profile_parse((const char *)data, size, "fuzz.yaml", &p, &err) == 0)
        profile_free(p);
    else
        profile_error_format(&err, msg, sizeof(msg));
    return 0;
}
