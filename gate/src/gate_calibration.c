/* The calibration table of `loadgate calibrate`: per endpoint and metric
 * the drift between the A/A runs, the within-run noise, the values and
 * the suggested threshold line, as compare_calibrate() computed them. */
#include <math.h>
#include <stdio.h>

#include "gate_internal.h"

#define MAX_SHOWN 6 /* values printed per metric line */

static void fmt_band(int stat, double v, bool plus_minus, char *buf, size_t len)
{
    if (isnan(v))
        snprintf(buf, len, "-");
    else if (stat == METRICS_STAT_ERROR_RATE)
        snprintf(buf, len, "%s%.2f pt", plus_minus ? "±" : "", v);
    else
        snprintf(buf, len, "%s%.1f%%", plus_minus ? "±" : "", v);
}

int gate_calibration_write(const struct compare_calibration *c, FILE *out)
{
    if (!c || !out)
        return GATE_EIO;
    fprintf(out,
            "Calibration over %zu A/A runs of one profile.\n"
            "drift: largest difference between any two runs (error_rate in "
            "percentage points)\n"
            "noise: largest 95%% half-width of the window bootstrap within "
            "one run\n"
            "suggested: the smallest whole-percent tolerance no pair of runs "
            "would have\n"
            "  breached, with a safety margin (1.5 x drift + 1, at least 1): "
            "a few runs\n"
            "  understate the drift, so run calibrate again with more runs "
            "to narrow it.\n",
            c->n_runs);
    for (size_t e = 0; e < c->n_endpoints; e++) {
        const struct compare_calibration_endpoint *ce = &c->endpoints[e];

        fprintf(out, "\n%s\n  %-11s %-9s %-11s %-34s %s\n", ce->name, "stat",
                "drift", "noise", "values", "suggested");
        for (size_t k = 0; k < COMPARE_CALIB_NSTATS; k++) {
            const struct compare_calibration_metric *m = &ce->m[k];
            char drift[32], noise[32], vals[160] = "", v[48];
            size_t used = 0, shown = 0;

            fmt_band((int)m->stat, m->drift_pct, false, drift, sizeof(drift));
            fmt_band((int)m->stat, m->noise_pct, true, noise, sizeof(noise));
            for (size_t i = 0; i < c->n_runs; i++) {
                int w;
                if (shown == MAX_SHOWN) {
                    snprintf(vals + used, sizeof(vals) - used, ", ...");
                    break;
                }
                if (isnan(m->values[i]))
                    snprintf(v, sizeof(v), "-");
                else
                    compare_format_value(m->stat, m->values[i], v, sizeof(v));
                w = snprintf(vals + used, sizeof(vals) - used, "%s%s",
                             i ? ", " : "", v);
                if (w < 0 || (size_t)w >= sizeof(vals) - used)
                    break;
                used += (size_t)w;
                shown++;
            }
            fprintf(out, "  %-11s %-9s %-11s %-34s %s\n",
                    metrics_stat_name(m->stat), drift, noise, vals,
                    m->line[0]        ? m->line
                    : m->n_usable < 2 ? "(too few runs with enough samples)"
                                      : "(no relative tolerance from a zero)");
        }
    }
    fflush(out);
    return ferror(out) ? GATE_EIO : 0;
}
