/*
 * Sustained checks (`for: 30s`, like Taurus's "for"): a limit breached in
 * every 1-second window of a run of consecutive seconds at least that
 * long.  Also the endpoint glob patterns of thresholds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare_internal.h"

#define NAME_LEN 1024

bool compare__holds(double m, enum compare_op op, double limit)
{
    switch (op) {
    case COMPARE_LT:
        return m < limit;
    case COMPARE_LE:
        return m <= limit;
    case COMPARE_GT:
        return m > limit;
    case COMPARE_GE:
        return m >= limit;
    }
    return false;
}

bool compare__is_pattern(const char *s)
{
    return s && strpbrk(s, "*?") != NULL;
}

/* Iterative glob with one backtrack point: linear in practice, never
 * exponential on hostile patterns like "a*a*a*a*b". */
bool compare__glob(const char *p, const char *s)
{
    const char *star = NULL, *mark = NULL;

    if (!p || !s)
        return false;
    while (*s) {
        if (*p == '?' || (*p && *p != '*' && *p == *s)) {
            p++;
            s++;
        } else if (*p == '*') {
            star = p++;
            mark = s;
        } else if (star) {
            p = star + 1;
            s = ++mark;
        } else {
            return false;
        }
    }
    while (*p == '*')
        p++;
    return *p == '\0';
}

void compare__fmt_clock(int64_t second, char *buf, size_t len)
{
    char utc[32];

    metrics_format_utc(second, utc, sizeof(utc));
    /* "2026-01-01T12:00:03Z" -> "12:00:03" */
    if (strlen(utc) >= 19)
        snprintf(buf, len, "%.8s", utc + 11);
    else
        snprintf(buf, len, "%s", utc);
}

size_t compare__longest_breach(const struct metrics_endpoint *ep,
                               size_t n_points, int stat, enum compare_op op,
                               double limit, int64_t *first)
{
    size_t best = 0, run = 0;
    int64_t run_start = 0, prev = 0;

    if (first)
        *first = 0;
    if (!ep || !ep->timeline)
        return 0;
    if (n_points > ep->n_timeline)
        n_points = ep->n_timeline;
    for (size_t i = 0; i < n_points; i++) {
        const struct metrics_point *pt = &ep->timeline[i];
        double v;
        /* a second without a value is not a breach: nothing was seen */
        bool breached = compare__window_value(pt, stat, &v) &&
                        !compare__holds(v, op, limit);

        if (!breached) {
            run = 0;
        } else {
            if (run == 0 || pt->second != prev + 1) {
                run = 0;
                run_start = pt->second;
            }
            run++;
            if (run > best) {
                best = run;
                if (first)
                    *first = run_start;
            }
        }
        prev = pt->second;
    }
    return best;
}

static bool breach_on(const struct metrics_endpoint *ep, const char *name,
                      const struct compare_threshold *t, char *why, size_t len)
{
    size_t need = t->for_s > 1 ? (size_t)(t->for_s + 0.999) : 1, got;
    int64_t first;
    char clock[16];
    const struct metrics_endpoint *use;
    struct metrics_endpoint *view = NULL;

    if (!ep || ep->n_timeline < 2 ||
        compare__series_ep(ep, t, &use, &view) != 0)
        return false;
    got = compare__longest_breach(use, use->n_timeline - 1, (int)t->stat, t->op,
                                  t->value, &first);
    metrics_endpoint_free(view);
    if (got < need)
        return false;
    if (why && len) {
        compare__fmt_clock(first, clock, sizeof(clock));
        compare__printf(why, len, "%s: %s breached for %zu s from %s", name,
                        t->expr ? t->expr : "?", got, clock);
    }
    return true;
}

bool compare_sustained_breach(const struct metrics_results *live,
                              const struct compare_threshold *t, char *why,
                              size_t len)
{
    char name[NAME_LEN];
    bool hit = false;

    if (why && len)
        why[0] = '\0';
    if (!live || !t || t->relative)
        return false;
    if (!t->endpoint || strcmp(t->endpoint, "ALL") == 0) {
        struct metrics_endpoint *all = NULL;

        if (!t->endpoint)
            for (size_t i = 0; i < live->n_endpoints && !hit; i++) {
                metrics_endpoint_name(live->endpoints[i], name, sizeof(name));
                hit = breach_on(live->endpoints[i], name, t, why, len);
            }
        if (hit || metrics_results_aggregate(live, &all) != 0)
            return hit;
        hit = breach_on(all, "ALL", t, why, len);
        metrics_endpoint_free(all);
        return hit;
    }
    for (size_t i = 0; i < live->n_endpoints && !hit; i++) {
        metrics_endpoint_name(live->endpoints[i], name, sizeof(name));
        if (strcmp(name, t->endpoint) == 0 ||
            (compare__is_pattern(t->endpoint) &&
             compare__glob(t->endpoint, name)))
            hit = breach_on(live->endpoints[i], name, t, why, len);
    }
    return hit;
}
