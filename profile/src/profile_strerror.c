#include "profile.h"

LOADGATE_ERRNO_DEFINE(profile, PROFILE_ERRNO_MAP)
