/* libFuzzer target: the k6 importer. */
#include <stddef.h>
#include <stdint.h>

#include "importer.h"
#include "metrics.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct metrics_results *r = NULL;
    char err[512];

    if (importer_parse(IMPORTER_K6, (const char *)data, size, "fuzz", &r,
                       err, sizeof(err)) == 0)
        metrics_results_free(r);
    return 0;
}
