/* What differs between a baseline and a run, in one line. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare_internal.h"

#define NAME_LEN 512

struct out {
    char *buf;
    size_t len, used;
    bool any;
};

static void put(struct out *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void put(struct out *o, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (o->used + 1 >= o->len)
        return;
    va_start(ap, fmt);
    n = vsnprintf(o->buf + o->used, o->len - o->used, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    o->used += (size_t)n;
    if (o->used >= o->len) {
        /* cut: drop a multi-byte sequence left incomplete at the end */
        size_t i = o->len - 1, need;
        unsigned char lead;

        while (i > 0 && ((unsigned char)o->buf[i - 1] & 0xC0) == 0x80)
            i--;
        lead = i > 0 ? (unsigned char)o->buf[i - 1] : 0;
        need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
        if (lead >= 0xC0 && (i - 1) + need > o->len - 1)
            o->buf[i - 1] = '\0';
        o->used = strlen(o->buf);
        o->len = o->used + 1; /* nothing more fits */
    }
}

static void item(struct out *o)
{
    if (o->any)
        put(o, "; ");
    o->any = true;
}

/* Endpoints of a missing from b, as "label: A, B"; true if any. */
static bool missing(struct out *o, const struct metrics_results *a,
                    const struct metrics_results *b, const char *label)
{
    char name[NAME_LEN];
    bool first = true;

    for (size_t i = 0; i < a->n_endpoints; i++) {
        metrics_endpoint_name(a->endpoints[i], name, sizeof(name));
        if (metrics_results_find(b, name))
            continue;
        if (first) {
            item(o);
            put(o, "%s: ", label);
        }
        put(o, "%s%s", first ? "" : ", ", name);
        first = false;
    }
    return !first;
}

static const char *str_or(const char *s, const char *dflt)
{
    return s && *s ? s : dflt;
}

bool compare_profile_mismatch(const char *baseline_sha256,
                              const char *run_sha256)
{
    return baseline_sha256 && *baseline_sha256 && run_sha256 && *run_sha256 &&
           strcmp(baseline_sha256, run_sha256) != 0;
}

void compare_profile_diff(const struct metrics_results *baseline,
                          const struct metrics_results *run, char *buf,
                          size_t len)
{
    struct out o = {buf, len, 0, false};
    char x[64], y[64];

    if (!buf || !len)
        return;
    buf[0] = '\0';
    if (!baseline || !run) {
        snprintf(buf, len, "nothing to compare");
        return;
    }
    if (baseline->concurrent_users != run->concurrent_users) {
        item(&o);
        put(&o, "users %llu → %llu",
            (unsigned long long)baseline->concurrent_users,
            (unsigned long long)run->concurrent_users);
    }
    if (strcmp(str_or(baseline->meta.model, "?"),
               str_or(run->meta.model, "?"))) {
        item(&o);
        put(&o, "model %s → %s", str_or(baseline->meta.model, "unknown"),
            str_or(run->meta.model, "unknown"));
    }
    if (fabs(baseline->meta.target_rps - run->meta.target_rps) > 1e-9) {
        compare__fmt_value(METRICS_STAT_RPS, baseline->meta.target_rps, x,
                           sizeof(x));
        compare__fmt_value(METRICS_STAT_RPS, run->meta.target_rps, y,
                           sizeof(y));
        item(&o);
        put(&o, "target rate %s → %s",
            baseline->meta.target_rps > 0 ? x : "none",
            run->meta.target_rps > 0 ? y : "none");
    }
    /* durations differ by a fraction of a second run to run: whole seconds */
    if (fabs(baseline->duration_s - run->duration_s) >= 1.0) {
        item(&o);
        put(&o, "duration %.0f s → %.0f s", baseline->duration_s,
            run->duration_s);
    }
    if (missing(&o, run, baseline, "endpoints added"))
        missing(&o, baseline, run, "removed");
    else
        missing(&o, baseline, run, "endpoints removed");
    if (!o.any)
        snprintf(buf, len,
                 "no difference in users, model, target rate, "
                 "duration or endpoints");
}
