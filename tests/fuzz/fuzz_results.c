/* libFuzzer target: results / baseline JSON documents, and writing back
 * whatever was accepted. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "metrics.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct metrics_results *r = NULL;
    char err[1024];
    char *text = NULL;

    if (metrics_results_parse((const char *)data, size, &r, err,
                              sizeof(err)) == 0) {
        if (metrics_results_dump(r, &text) == 0)
            free(text);
        metrics_results_free(r);
    }
    return 0;
}
