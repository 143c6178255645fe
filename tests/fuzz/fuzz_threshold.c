/* libFuzzer target: threshold expressions. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct compare_threshold t;
    char err[512];
    char *expr = malloc(size + 1);

    if (!expr)
        return 0;
    memcpy(expr, data, size);
    expr[size] = '\0';
    memset(&t, 0, sizeof(t));
    if (compare_threshold_parse(expr, NULL, &t, err, sizeof(err)) == 0)
        compare_threshold_release(&t);
    free(expr);
    return 0;
}
