/* Number formatting shared by verdict messages and recommendations. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "compare_internal.h"

/* "%.*f" with trailing zeros (and a trailing '.') dropped. */
static void fmt_trim(double v, int decimals, char *buf, size_t len)
{
    char *dot, *end;
    int n;

    if (len == 0)
        return;
    if (!isfinite(v)) {
        snprintf(buf, len, "%s", isnan(v) ? "nan" : v > 0 ? "inf" : "-inf");
        return;
    }
    n = snprintf(buf, len, "%.*f", decimals, v);
    if (n < 0 || (size_t)n >= len)
        return;
    dot = strchr(buf, '.');
    if (!dot)
        return;
    end = buf + n - 1;
    while (end > dot && *end == '0')
        *end-- = '\0';
    if (end == dot)
        *end = '\0';
    if (strcmp(buf, "-0") == 0)
        snprintf(buf, len, "0");
}

void compare__fmt_value(int stat, double v, char *buf, size_t len)
{
    char num[64];

    if (len == 0)
        return;
    if (compare__stat_is_time(stat)) {
        fmt_trim(v, fabs(v) >= 10 ? 1 : 2, num, sizeof(num));
        snprintf(buf, len, "%s ms", num);
    } else if (stat == METRICS_STAT_ERROR_RATE) {
        snprintf(buf, len, "%.2f%%", v * 100);
    } else if (stat == METRICS_STAT_RPS) {
        fmt_trim(v, fabs(v) >= 10 ? 1 : 2, num, sizeof(num));
        snprintf(buf, len, "%s/s", num);
    } else {
        fmt_trim(v, 0, num, sizeof(num));
        snprintf(buf, len, "%s", num);
    }
}

void compare_format_value(enum metrics_stat stat, double v, char *buf,
                          size_t len)
{
    compare__fmt_value((int)stat, v, buf, len);
}

void compare__fmt_pct(double pct, char *buf, size_t len)
{
    if (len == 0)
        return;
    if (!isfinite(pct))
        snprintf(buf, len, "n/a");
    else
        snprintf(buf, len, "%+.1f%%", pct);
}

void compare__fmt_tolerance(const struct compare_threshold *t, char *buf,
                            size_t len)
{
    char num[64];
    double mag = fabs(t->tolerance);
    char sign = t->tolerance < 0 ? '-' : '+';

    if (len == 0)
        return;
    buf[0] = '\0';
    if (t->tolerance == 0)
        return;
    if (t->tolerance_pct) {
        fmt_trim(mag * 100, 2, num, sizeof(num));
        snprintf(buf, len, "%c %s%%", sign, num);
    } else if (t->stat == METRICS_STAT_ERROR_RATE) {
        /* percentage points, see compare_threshold.c */
        fmt_trim(mag * 100, 2, num, sizeof(num));
        snprintf(buf, len, "%c %s %s", sign, num,
                 strcmp(num, "1") == 0 ? "point" : "points");
    } else {
        compare__fmt_value((int)t->stat, mag, num, sizeof(num));
        snprintf(buf, len, "%c %s", sign, num);
    }
}

uint64_t compare__samples_needed(double pct)
{
    double need;

    if (pct < 0 || pct >= 100)
        return 0;
    /* the small epsilon keeps 10 / 0.001000000000000001 at 10000 */
    need = ceil(10.0 / (1.0 - pct / 100.0) - 1e-6);
    return need < 1 ? 1 : (uint64_t)need;
}

void compare__utf8_cut(char *s, size_t max)
{
    size_t n = strlen(s);

    if (n <= max)
        return;
    n = max;
    /* back off continuation bytes so no sequence is split */
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    s[n] = '\0';
}

/* Drops a multi-byte sequence that truncation left incomplete at the end. */
static void trim_partial_utf8(char *s)
{
    size_t n = strlen(s), i = n, need;
    unsigned char lead;

    while (i > 0 && n - i < 4 && ((unsigned char)s[i - 1] & 0xC0) == 0x80)
        i--;
    if (i == 0)
        return;
    lead = (unsigned char)s[i - 1];
    if (lead < 0x80)
        return;
    need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
    if ((i - 1) + need > n)
        s[i - 1] = '\0';
}

void compare__vprintf(char *buf, size_t len, const char *fmt, va_list ap)
{
    int n;

    if (!buf || len == 0)
        return;
    n = vsnprintf(buf, len, fmt, ap);
    if (n < 0)
        buf[0] = '\0';
    else if ((size_t)n >= len)
        trim_partial_utf8(buf);
}

void compare__printf(char *buf, size_t len, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    compare__vprintf(buf, len, fmt, ap);
    va_end(ap);
}
