/* libFuzzer target: the importers of Artillery, autocannon, Gatling,
 * vegeta, wrk, hey, k6's --out json and --from auto, in one target (the
 * fuzz time of CI stays bounded): the first byte picks the reader (modulo
 * 8: the seeds start with the digit of its index), the rest is its
 * input. */
#include <stddef.h>
#include <stdint.h>

#include "importer.h"
#include "metrics.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const enum importer_format formats[] = {
        IMPORTER_ARTILLERY, IMPORTER_AUTOCANNON, IMPORTER_GATLING,
        IMPORTER_VEGETA,    IMPORTER_WRK,        IMPORTER_HEY,
        IMPORTER_K6,        IMPORTER_AUTO,
    };
    struct metrics_results *r = NULL;
    char err[512];

    if (size == 0)
        return 0;
    if (importer_parse(formats[data[0] % (sizeof(formats) / sizeof(*formats))],
                       (const char *)data + 1, size - 1, "fuzz", &r, err,
                       sizeof(err)) == 0)
        metrics_results_free(r);
    return 0;
}
