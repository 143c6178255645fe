#include "server.h"

const char *server_strerror(int code) {
    switch (code) {
#define SERVER_X(name, value, msg)                                             \
    case value:                                                                \
        return msg;
        SERVER_ERRNO_MAP(SERVER_X)
#undef SERVER_X
    default:
        return "unknown error";
    }
}
