#include "profile.h"

const char *profile_strerror(int code) {
    switch (code) {
#define PROFILE_X(name, value, msg)                                            \
    case value:                                                                \
        return msg;
        PROFILE_ERRNO_MAP(PROFILE_X)
#undef PROFILE_X
    default:
        return "unknown error";
    }
}
