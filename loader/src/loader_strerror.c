#include <stdarg.h>
#include <stdio.h>

#include "loader_engine_internal.h"

LOADGATE_ERRNO_DEFINE(loader, LOADER_ERRNO_MAP)

int loader__set_err(char *errbuf, size_t errlen, int rc, const char *fmt, ...)
{
    va_list ap;

    if (errbuf && errlen) {
        va_start(ap, fmt);
        vsnprintf(errbuf, errlen, fmt, ap);
        va_end(ap);
    }
    return rc;
}
