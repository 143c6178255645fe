/* What the profile tests share: a profile that must parse, and the hash
 * two profiles get. */
#ifndef LOADGATE_TEST_PROFILE_FIXTURE_H
#define LOADGATE_TEST_PROFILE_FIXTURE_H

#include <stdbool.h>

#include "profile.h"

/** The profile of text (file "t.yaml"); an error fails the test with its
 * position, message and the text. */
struct profile *pfx_parse(const char *text);
/** Parses a and b; fails the test unless their hashes are the same (same)
 * or differ (!same). */
void pfx_same_hash(const char *a, const char *b, bool same);

#endif
