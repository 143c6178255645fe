#include "gate.h"

LOADGATE_ERRNO_DEFINE(gate, GATE_ERRNO_MAP)
