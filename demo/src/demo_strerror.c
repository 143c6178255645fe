#include "demo.h"

const char *demo_strerror(int code) {
    switch (code) {
#define DEMO_X(name, value, msg)                                               \
    case value:                                                                \
        return msg;
        DEMO_ERRNO_MAP(DEMO_X)
#undef DEMO_X
    default:
        return "unknown error";
    }
}
