/* What a plan holds that is not the engine's loop: the names of the
 * engines. */
#include <string.h>

#include "loader.h"

static const char *const engine_names[] = {
    [LOADER_ENGINE_AUTO] = "auto",
    [LOADER_ENGINE_FAST] = "fast",
    [LOADER_ENGINE_CURL] = "curl",
};

const char *loader_engine_name(enum loader_engine e) {
    if ((unsigned)e >= sizeof(engine_names) / sizeof(*engine_names))
        return "auto";
    return engine_names[e];
}

int loader_engine_parse(const char *name, enum loader_engine *out) {
    if (name && strcmp(name, "fast") == 0)
        *out = LOADER_ENGINE_FAST;
    else if (name && strcmp(name, "curl") == 0)
        *out = LOADER_ENGINE_CURL;
    else
        return LOADER_EINVAL;
    return 0;
}
