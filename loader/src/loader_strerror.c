#include <stdarg.h>
#include <stdio.h>

#include "loader_engine_internal.h"

const char *loader_strerror(int code)
{
    switch (code) {
#define LOADER_X(name, value, msg)                                             \
    case value:                                                              \
        return msg;
        LOADER_ERRNO_MAP(LOADER_X)
#undef LOADER_X
    default:
        return "unknown error";
    }
}

int loader__set_err(char *errbuf, size_t errlen, int rc, const char *fmt, ...) {
    va_list ap;

    if (errbuf && errlen) {
        va_start(ap, fmt);
        vsnprintf(errbuf, errlen, fmt, ap);
        va_end(ap);
    }
    return rc;
}
