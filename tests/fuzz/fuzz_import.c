/* libFuzzer target: the importer of one format, FUZZ_IMPORT_FORMAT
 * (tests/fuzz/CMakeLists.txt builds fuzz_import_locust, fuzz_import_k6 and
 * fuzz_import_jmeter from this file). */
#include <stddef.h>
#include <stdint.h>

#include "importer.h"
#include "metrics.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct metrics_results *r = NULL;
    char err[512];

    if (importer_parse(FUZZ_IMPORT_FORMAT, (const char *)data, size, "fuzz", &r,
                       err, sizeof(err)) == 0)
        metrics_results_free(r);
    return 0;
}
