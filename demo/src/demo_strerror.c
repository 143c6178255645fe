#include "demo.h"

LOADGATE_ERRNO_DEFINE(demo, DEMO_ERRNO_MAP)
