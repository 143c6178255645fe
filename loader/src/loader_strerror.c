#include "loader.h"

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
