/* libFuzzer target: the histogram decoder; what decodes must re-encode to
 * something that decodes to the same counts. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct metrics_hist *h = NULL, *h2 = NULL;
    char *text = malloc(size + 1), *enc = NULL;

    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    if (metrics_hist_decode(text, &h) == 0) {
        (void)metrics_hist_percentile(h, 99.9);
        if (metrics_hist_encode(h, &enc) == 0) {
            if (metrics_hist_decode(enc, &h2) != 0 ||
                metrics_hist_count(h2) != metrics_hist_count(h) ||
                metrics_hist_max(h2) != metrics_hist_max(h))
                abort();
            metrics_hist_free(h2);
            free(enc);
        }
        metrics_hist_free(h);
    }
    free(text);
    return 0;
}
