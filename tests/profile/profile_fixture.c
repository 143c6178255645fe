#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "profile_fixture.h"

struct profile *pfx_parse(const char *text)
{
    struct profile *p = NULL;
    struct profile_error err;
    char msg[1200];
    int rc;

    memset(&err, 0, sizeof(err));
    rc = profile_parse(text, strlen(text), "t.yaml", &p, &err);
    if (rc) {
        profile_error_format(&err, msg, sizeof(msg));
        fail_msg("unexpected error %d: %s\n%s", rc, msg, text);
    }
    assert_non_null(p);
    return p;
}

void pfx_same_hash(const char *a, const char *b, bool same)
{
    struct profile *pa = pfx_parse(a), *pb = pfx_parse(b);

    if ((strcmp(pa->plan->sha256, pb->plan->sha256) == 0) != same)
        fail_msg("hashes %s:\n%s\n%s", same ? "differ" : "the same", a, b);
    profile_free(pa);
    profile_free(pb);
}
