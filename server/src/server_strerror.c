#include "server.h"

LOADGATE_ERRNO_DEFINE(server, SERVER_ERRNO_MAP)
