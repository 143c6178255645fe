#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "loader_fixture.h"
#include "profile.h"

struct loader_plan *fx_plan(const char *text, const char *file)
{
    struct profile *prof = NULL;
    struct loader_plan *p;
    struct profile_error err;
    char msg[1024];
    int rc = profile_parse(text, strlen(text), file, &prof, &err);

    profile_error_format(&err, msg, sizeof(msg));
    if (rc)
        fail_msg("unexpected error: %s", msg);
    p = prof->plan;
    prof->plan = NULL;
    profile_free(prof);
    return p;
}
