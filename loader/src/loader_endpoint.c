#include <stdio.h>
#include <string.h>

#include "loader.h"

static const char *const http_methods[] = {"GET",    "POST", "PUT",     "PATCH",
                                           "DELETE", "HEAD", "OPTIONS", "GRPC"};

/* Length of the HTTP method that starts name and is followed by a space,
 * or 0. */
static size_t method_prefix(const char *name)
{
    for (size_t i = 0; i < sizeof(http_methods) / sizeof(*http_methods); i++) {
        size_t n = strlen(http_methods[i]);
        if (strncmp(name, http_methods[i], n) == 0 && name[n] == ' ')
            return n;
    }
    return 0;
}

size_t loader_step_endpoint(const struct loader_step *s, char *buf, size_t len)
{
    const char *method = s->grpc ? "GRPC" : s->method ? s->method : "GET";
    size_t m;

    if (len == 0)
        return 0;
    if (s->name && (m = method_prefix(s->name)) > 0) {
        snprintf(buf, len, "%s", s->name);
        return m < len ? m : len - 1;
    }
    snprintf(buf, len, "%s %s", method,
             s->name           ? s->name
             : s->path_written ? s->path_written
             : s->path         ? s->path
                               : "/");
    m = strlen(method);
    return m < len ? m : len - 1;
}
