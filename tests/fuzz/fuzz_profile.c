/* libFuzzer target: the YAML profile parser must answer every input with
 * a profile or a positioned error, in bounded time and memory. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "loader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct loader_profile *p = NULL;
    struct loader_error err;
    char msg[1200];

    if (loader_profile_parse((const char *)data, size, "fuzz.yaml", &p,
                             &err) == 0)
        loader_profile_free(p);
    else
        loader_error_format(&err, msg, sizeof(msg));
    return 0;
}
