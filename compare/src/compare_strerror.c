#include "compare.h"

const char *compare_strerror(int code)
{
    switch (code) {
#define COMPARE_X(name, value, msg)                                             \
    case value:                                                              \
        return msg;
        COMPARE_ERRNO_MAP(COMPARE_X)
#undef COMPARE_X
    default:
        return "unknown error";
    }
}
