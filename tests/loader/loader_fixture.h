/* What the loader tests share: a plan from a profile's YAML (link the
 * profile module) and a JSON answer of a libmicrohttpd test server (link
 * libmicrohttpd); each in its own file, linked where it is used. */
#ifndef LOADGATE_TEST_LOADER_FIXTURE_H
#define LOADGATE_TEST_LOADER_FIXTURE_H

#include "loader.h"

/** The plan of the profile text (file names it in messages); a profile
 * error fails the test with its message. */
struct loader_plan *fx_plan(const char *text, const char *file);

#ifdef MHD_VERSION
/** Queues status with body as application/json, and X-Token: token when
 * token is not NULL. */
enum MHD_Result fx_reply(struct MHD_Connection *c, unsigned status,
                         const char *body, const char *token);
/** The request's header name, or NULL. */
const char *fx_header(struct MHD_Connection *c, const char *name);
/** The request's query argument name, or NULL. */
const char *fx_arg(struct MHD_Connection *c, const char *name);
#endif

#endif
