/*
 * loadgate_errno.h: the one mechanism behind every module's error codes.
 *
 * A module lists its codes once, as an X-macro of full names, values and
 * messages, in its public header:
 *
 *   #define COMPARE_ERRNO_MAP(X)                                          \
 *       X(COMPARE_ENOMEM, -1, "out of memory")                            \
 *       X(COMPARE_ESYNTAX, -2, "invalid threshold expression")
 *
 *   LOADGATE_ERRNO_DECLARE(compare, COMPARE_ERRNO_MAP);
 *
 * which declares enum compare_errno { COMPARE_ENOMEM = -1, ... } and
 * const char *compare_strerror(int code); and, in one of its .c files,
 *
 *   LOADGATE_ERRNO_DEFINE(compare, COMPARE_ERRNO_MAP)
 *
 * defines compare_strerror(): the code's message, "unknown error" for any
 * other int.  The details of an error go into the caller's errbuf
 * (loadgate_errorf).  Header-only; it lives in units, the bottom module.
 */
#ifndef LOADGATE_ERRNO_H
#define LOADGATE_ERRNO_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#define LOADGATE_ERRNO__ENUM(name, code, msg) name = (code),
#define LOADGATE_ERRNO__CASE(name, code, msg)                                  \
    case name:                                                                 \
        return msg;

/* enum mod_errno from map, and the prototype of mod_strerror() (the
 * caller writes the ';'). */
#define LOADGATE_ERRNO_DECLARE(mod, map)                                       \
    enum mod##_errno{map(LOADGATE_ERRNO__ENUM)};                               \
    const char *mod##_strerror(int code)

/* The definition of mod_strerror() (no ';' after it). */
#define LOADGATE_ERRNO_DEFINE(mod, map)                                        \
    const char *mod##_strerror(int code)                                       \
    {                                                                          \
        switch (code) {                                                        \
            map(LOADGATE_ERRNO__CASE) default : return "unknown error";        \
        }                                                                      \
    }

/* printf into a caller's errbuf: nothing when errbuf is NULL or errlen 0. */
__attribute__((format(printf, 3, 4))) static inline void
loadgate_errorf(char *errbuf, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (!errbuf || !errlen)
        return;
    va_start(ap, fmt);
    vsnprintf(errbuf, errlen, fmt, ap);
    va_end(ap);
}

#endif
