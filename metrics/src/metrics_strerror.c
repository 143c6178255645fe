#include "metrics.h"

LOADGATE_ERRNO_DEFINE(metrics, METRICS_ERRNO_MAP)
