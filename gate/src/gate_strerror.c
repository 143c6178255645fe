#include "gate.h"

const char *gate_strerror(int code)
{
    switch (code) {
#define GATE_X(name, value, msg)                                             \
    case value:                                                              \
        return msg;
        GATE_ERRNO_MAP(GATE_X)
#undef GATE_X
    default:
        return "unknown error";
    }
}
