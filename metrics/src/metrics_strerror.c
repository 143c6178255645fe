#include "metrics.h"

const char *metrics_strerror(int code)
{
    switch (code) {
#define METRICS_X(name, value, msg)                                             \
    case value:                                                              \
        return msg;
        METRICS_ERRNO_MAP(METRICS_X)
#undef METRICS_X
    default:
        return "unknown error";
    }
}
