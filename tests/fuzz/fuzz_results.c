/* libFuzzer target: results / baseline JSON documents, writing back
 * whatever was accepted, and merging it with a copy of itself. */
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

    if (metrics_results_parse((const char *)data, size, &r, err, sizeof(err)) ==
        0) {
        struct metrics_results *in[2] = {r, NULL};
        static const char *const names[] = {"a", "b"};
        struct metrics_merge_info info;

        if (metrics_results_dump(r, &text) == 0)
            free(text);
        /* forced past the identity checks: the counts, windows and
         * timelines of anything accepted add up (or are refused) */
        if (metrics_results_parse((const char *)data, size, &in[1], err,
                                  sizeof(err)) == 0) {
            if (metrics_results_merge_runs(in, names, 2, METRICS_MERGE_FORCE,
                                           &info, err, sizeof(err)) == 0 &&
                metrics_results_dump(r, &text) == 0)
                free(text);
            metrics_results_free(in[1]);
        }
        metrics_results_free(r);
    }
    return 0;
}
