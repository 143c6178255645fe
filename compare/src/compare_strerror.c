#include "compare.h"

LOADGATE_ERRNO_DEFINE(compare, COMPARE_ERRNO_MAP)
