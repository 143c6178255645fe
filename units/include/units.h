/*
 * units: the quantities people write in a profile, in a threshold and on
 * the command line, with one grammar and one set of errors everywhere:
 *
 *   durations    250us 300ms 30s 5m 1h 1m30s, a bare number in a default
 *                unit chosen by the caller (seconds in a profile and on
 *                the command line, milliseconds in a threshold)
 *   rates        50/s 3000/m 10/h, a bare number per second
 *   sizes        64B 512KB 10MB 1.5GB (K, M, G: powers of 1024; KB and KiB
 *                alike, any case), a bare number of bytes
 *   percentages  5% is 0.05; a bare number is a fraction already
 *
 * A number is "12", "1.5" or ".5": no sign, no exponent, no hex, no inf
 * or nan.  White space (blanks, tabs) may stand between a number and its
 * unit ("250 ms"); the parts of a duration are written together
 * ("1m30s").  Each kind has an upper bound (a century, 10^9/s, 1 TiB);
 * anything beyond is an error, never a silent wrap.
 *
 * Errors: 0 or a negative UNITS_E* code; a struct units_error, when given,
 * says where in the text it went wrong (a 0-based offset) and what was
 * wrong there, in one line of printable ASCII.  Nothing here prints, and
 * the module depends on nothing but the C library.
 */
#ifndef LOADGATE_UNITS_H
#define LOADGATE_UNITS_H

#include <stddef.h>
#include <stdint.h>

#include "loadgate_errno.h"

#ifdef __cplusplus
extern "C" {
#endif

#define UNITS_ERRNO_MAP(X)                                                     \
    X(UNITS_EINVAL, -1, "invalid argument")                                    \
    X(UNITS_ENUMBER, -2, "expected a number")                                  \
    X(UNITS_EEXPONENT, -3, "exponents are not supported")                      \
    X(UNITS_ERANGE, -4, "value out of range")                                  \
    X(UNITS_EUNIT, -5, "unknown unit")                                         \
    X(UNITS_ETRAILING, -6, "unexpected text after the value")

/** Static message for a UNITS_E* code ("unknown error" otherwise). */
LOADGATE_ERRNO_DECLARE(units, UNITS_ERRNO_MAP);

/** Where and why a text did not parse. */
struct units_error {
    int code;      /* the UNITS_E* code returned */
    size_t at;     /* 0-based offset into the text where it went wrong */
    char msg[160]; /* e.g. "unknown unit 'sec'; expected us, ms, s, m or h" */
};

/** What a unit written after a number makes of it. */
enum units_kind {
    UNITS_PLAIN,    /* no unit: a bare number */
    UNITS_DURATION, /* us ms s m h */
    UNITS_RATE,     /* /s /m /h */
    UNITS_SIZE,     /* B K KB KiB M MB MiB G GB GiB, any case */
    UNITS_PERCENT   /* % */
};

/** Bit of units_scan()'s accept mask for a kind of unit. */
#define UNITS_ACCEPT(kind) (1u << (kind))

/** The unit a duration is given back in, and a bare number is read in. */
enum units_time { UNITS_SECONDS, UNITS_MILLISECONDS };

/** One quantity found by units_scan(). */
struct units_value {
    enum units_kind kind; /* of the unit written, UNITS_PLAIN for none */
    double number;        /* the (first) number as written */
    /* In the kind's unit: a duration in the caller's enum units_time, a
     * rate per second, a size in bytes, a percentage as a fraction; a
     * bare number as written. */
    double value;
    size_t number_at; /* 0-based offsets: the number, */
    size_t unit_at;   /* its (first) unit (== end when there is none) */
    size_t end;       /* and just past the quantity */
    char unit[8];     /* the (first) unit as written: "ms", "/s", "%"; "" */
};

/**
 * Scans one quantity at text + pos: a number, then, after optional white
 * space, a unit of one of the kinds in accept (UNITS_ACCEPT() bits; sizes
 * cannot be asked for together with durations: "10m" is either); a
 * duration may go on with more parts ("1h30m").  White space with no unit
 * after it is left to the caller, as is anything after the quantity; but
 * a word, '%' or '/' after the number (white space or not) must be a unit
 * of an accepted kind.  Bounds: the number at most 10^15; a duration a
 * century, a rate 10^9/s, a size 1 TiB (a bare number is bounded as a
 * number only: its unit is the caller's).
 * Returns 0 and fills *out, or a UNITS_E* code and fills *err (may be
 * NULL).
 */
int units_scan(const char *text, size_t pos, unsigned accept,
               enum units_time time, struct units_value *out,
               struct units_error *err);

/** The whole of s as a duration in the unit time, a bare number in that
 * unit too ("30s", "1m30s", "250ms"; "2" is 2 s or 2 ms).  0 to a century. */
int units_parse_duration(const char *s, enum units_time time, double *out,
                         struct units_error *err);
/** The whole of s as a rate per second ("50/s", "3000/m", "10/h", "12").
 * 0 to 10^9/s. */
int units_parse_rate(const char *s, double *per_second,
                     struct units_error *err);
/** The whole of s as a size in bytes ("10MB", "512 kb", "64B", "1048576").
 * 0 to 1 TiB; a fraction of a byte is dropped. */
int units_parse_size(const char *s, uint64_t *bytes, struct units_error *err);
/** The whole of s as a fraction: "5%" is 0.05, a bare "0.05" too. */
int units_parse_percent(const char *s, double *fraction,
                        struct units_error *err);

/** What a kind looks like, for "expected ..." messages: "a duration like
 * 30s or 5m", "a rate like 50/s or 3000/m", ... */
const char *units_expected(enum units_kind kind);

#ifdef __cplusplus
}
#endif

#endif
