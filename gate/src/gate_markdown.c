/*
 * The GitHub-flavoured Markdown summary: verdict
 * headline first, then one table of endpoints (baseline | current | Δ |
 * verdict), the checks that need attention, every check folded in
 * <details>, recommendations.  Kept under 256 KiB: GitHub drops a whole
 * step summary over 1 MiB.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gate_internal.h"

#define MD_LIMIT (256u * 1024u)
/* Room kept for the truncation note and a closing </details>. */
#define MD_RESERVE 512u
/* Characters of the reason that the headline shows. */
#define HEADLINE_REASON_MAX 300

/* Writes s as the content of a table cell or list item: cleaned to one
 * line, '|' escaped (it would end the cell), '<' as &lt; (it would open
 * HTML). */
static void md_text(FILE *out, const char *s, size_t len)
{
    char *c = gate__clean(s, len, GATE__CLEAN_COLLAPSE, 0);

    if (!c)
        return;
    for (const char *p = c; *p; p++) {
        if (*p == '|')
            fputs("\\|", out);
        else if (*p == '<')
            fputs("&lt;", out);
        else
            fputc(*p, out);
    }
    free(c);
}

static void md_str(FILE *out, const char *s)
{
    md_text(out, s ? s : "", s ? strlen(s) : 0);
}

static const char *status_icon(enum compare_status s)
{
    switch (s) {
    case COMPARE_PASS:
        return "✅";
    case COMPARE_FAIL:
        return "❌";
    case COMPARE_SKIPPED:
        return "⏭️";
    default:
        return "⚠️";
    }
}

static void fmt_ms_unit(double ms, char *buf, size_t len)
{
    gate__fmt_ms_unit(ms, "—", buf, len);
}

static void write_headline(const struct gate_report *r, FILE *out)
{
    const char *overall = gate__overall(r);
    const char *icon = strcmp(overall, "PASS") == 0   ? "✅"
                       : strcmp(overall, "FAIL") == 0 ? "❌"
                                                      : "⚠️";

    fprintf(out, "### %s loadgate: %s — ", icon, overall);
    md_str(out, r->profile_name ? r->profile_name : "results");
    /* the exit code's reason, where every reader looks first (the full
     * text follows in the summary when it is longer than this) */
    if (strcmp(overall, "ERROR") == 0) {
        char *why = gate__clean_str(
            r->error_reason ? r->error_reason : "no response from the target",
            GATE__CLEAN_COLLAPSE, HEADLINE_REASON_MAX);

        fputs(" — could not judge: ", out);
        md_str(out, why ? why : "out of memory");
        free(why);
    }
    fputc('\n', out);
    fputc('\n', out);
}

static void write_summary_line(const struct gate_report *r, FILE *out)
{
    const struct metrics_results *run = r->run;
    struct metrics_endpoint *all = NULL;
    char count[32];
    uint64_t total = 0;
    double rps, err;

    if (r->error_reason) {
        char *why = gate__clean_str(r->error_reason, GATE__CLEAN_COLLAPSE, 0);

        /* cut short in the headline: the whole reason here */
        if (why && gate__utf8_len(why) > HEADLINE_REASON_MAX) {
            fputs("**Could not judge:** ", out);
            md_str(out, why);
            fputs("\n\n", out);
        }
        free(why);
    }
    if (!run) {
        fputs("Nothing was measured.\n\n", out);
        return;
    }
    for (size_t i = 0; i < run->n_endpoints; i++)
        total += run->endpoints[i]->requests;
    if (metrics_results_aggregate(run, &all) != 0)
        all = NULL;
    rps = gate__value(run, all, METRICS_STAT_RPS);
    err = gate__value(run, all, METRICS_STAT_ERROR_RATE);
    metrics_endpoint_free(all);
    gate__fmt_count(total, count, sizeof(count));
    fprintf(out, "%s requests in %.1f s · ", count,
            isfinite(run->duration_s) ? run->duration_s : 0.0);
    if (isfinite(rps))
        fprintf(out, "%.1f req/s · ", rps);
    if (isfinite(err))
        fprintf(out, "error rate %.2f%% · ", err * 100.0);
    if (r->baseline_name) {
        fputs("baseline ", out);
        md_str(out, r->baseline_name);
    } else if (r->baseline) {
        fputs("baseline from file", out);
    } else {
        fputs("no baseline", out);
    }
    if (run->partial || r->signal)
        fputs(" · **partial run (interrupted)**", out);
    fputs("\n\n", out);
}

/* Worst status per endpoint name, by a single pass over the checks. */
static int worst_by_endpoint(const struct compare_verdict *v,
                             struct gate__map **out)
{
    struct gate__map *m = NULL;
    int rc = gate__map_new(&m);

    *out = NULL;
    if (rc)
        return rc;
    for (size_t i = 0; v && v->checks && i < v->n_checks; i++) {
        const struct compare_check *c = &v->checks[i];
        const char *ep = c->endpoint ? c->endpoint : "ALL";
        size_t prev;
        int sev = gate__severity(gate__status(c));

        if (gate__map_get(m, ep, &prev) &&
            gate__severity((enum compare_status)prev) >= sev)
            continue;
        rc = gate__map_put(m, ep, (size_t)gate__status(c));
        if (rc) {
            gate__map_free(m);
            return rc;
        }
    }
    *out = m;
    return 0;
}

static void endpoint_row(const struct gate_report *r, FILE *out,
                         const char *name, const struct metrics_endpoint *ep,
                         const struct gate__map *worst)
{
    const struct metrics_endpoint *bep = NULL;
    double cur = gate__value(r->run, ep, METRICS_STAT_P95), base = NAN;
    double err = gate__value(r->run, ep, METRICS_STAT_ERROR_RATE);
    char b[48], c[48];
    size_t st;

    if (r->baseline) {
        if (strcmp(name, "ALL") == 0) {
            struct metrics_endpoint *ball = NULL;

            if (metrics_results_aggregate(r->baseline, &ball) == 0)
                base = gate__value(r->baseline, ball, METRICS_STAT_P95);
            metrics_endpoint_free(ball);
        } else {
            bep = metrics_results_find(r->baseline, name);
            base = gate__value(r->baseline, bep, METRICS_STAT_P95);
        }
    }
    fmt_ms_unit(base, b, sizeof(b));
    fmt_ms_unit(cur, c, sizeof(c));
    fputs("| ", out);
    md_str(out, strcmp(name, "ALL") == 0 ? "ALL (whole run)" : name);
    fprintf(out, " | %s | %s | ", b, c);
    if (isfinite(gate__change_pct(cur, base)))
        fprintf(out, "%+.1f%%", gate__change_pct(cur, base));
    else
        fputs("—", out);
    if (isfinite(err))
        fprintf(out, " | %.2f%% | ", err * 100.0);
    else
        fputs(" | — | ", out);
    if (worst && gate__map_get(worst, name, &st))
        fprintf(out, "%s %s |\n", status_icon((enum compare_status)st),
                compare_status_str((enum compare_status)st));
    else
        fputs("no check |\n", out);
}

static void write_endpoints(const struct gate_report *r, FILE *out)
{
    const struct metrics_results *run = r->run;
    struct gate__map *worst = NULL;
    struct metrics_endpoint *all = NULL;

    if (!run)
        return;
    if (worst_by_endpoint(r->verdict, &worst))
        worst = NULL;
    fputs("| Endpoint | Baseline p95 | Current p95 | Δ | Errors | Verdict |\n"
          "|---|---:|---:|---:|---:|---|\n",
          out);
    if (metrics_results_aggregate(run, &all) == 0)
        endpoint_row(r, out, "ALL", all, worst);
    metrics_endpoint_free(all);
    for (size_t i = 0; i < run->n_endpoints; i++) {
        char name[1024];

        metrics_endpoint_name(run->endpoints[i], name, sizeof(name));
        endpoint_row(r, out, name, run->endpoints[i], worst);
    }
    fputc('\n', out);
    gate__map_free(worst);
}

/* Streamed responses, only when the run has streaming endpoints. */
static void write_streams(const struct gate_report *r, FILE *out)
{
    struct gate__streams st;
    char a[48], b[48], how[1024];

    if (!r->run || gate__streams_get(r->run, &st) != 0 || st.n == 0)
        return;
    fputs("**Streams**\n\n"
          "| Endpoint | TTFT p50 | TTFT p95 | ITL p50 | ITL p99 | TPOT p50 "
          "| tokens/s | goodput | stream errors |\n"
          "|---|---:|---:|---:|---:|---:|---:|---:|---:|\n",
          out);
    for (size_t i = 0; i < st.n; i++) {
        const struct gate__stream_row *w = &st.rows[i];
        const double ms[] = {w->ttft_p50, w->ttft_p95, w->itl_p50, w->itl_p99,
                             w->tpot_p50};

        fputs("| ", out);
        md_str(out, strcmp(w->name, "ALL") == 0 ? "ALL (whole run)" : w->name);
        for (size_t k = 0; k < sizeof(ms) / sizeof(*ms); k++) {
            fmt_ms_unit(ms[k], a, sizeof(a));
            fprintf(out, " | %s", a);
        }
        snprintf(a, sizeof(a), isfinite(w->tokens_per_s) ? "%.1f/s" : "—",
                 w->tokens_per_s);
        snprintf(b, sizeof(b), isfinite(w->goodput) ? "%.1f/s" : "—",
                 w->goodput);
        fprintf(out, " | %s | %s | %llu of %llu |\n", a, b,
                (unsigned long long)w->errors, (unsigned long long)w->streams);
    }
    fputc('\n', out);
    for (size_t i = 0; i < st.n; i++) {
        if (!st.rows[i].rule)
            continue;
        gate__stream_rule(&st.rows[i], how, sizeof(how));
        fputs("- ", out);
        md_str(out, st.rows[i].name);
        fputs(": ", out);
        md_str(out, how);
        fputc('\n', out);
    }
    fputc('\n', out);
    gate__streams_free(&st);
}

static void check_message(const struct compare_check *c, FILE *out)
{
    char synth[512];

    if (c->message[0]) {
        md_text(out, c->message, strnlen(c->message, sizeof(c->message)));
    } else {
        gate__synth_message(c, synth, sizeof(synth));
        md_str(out, synth);
    }
}

/* What goes around a check's parts: a list item or a table row. */
struct line_seps {
    const char *start, *open, *close, *mid1, *mid2, *end;
};
static const struct line_seps list_item = {"- ",  "**",  "** ",
                                           " · ", " — ", "\n"};
static const struct line_seps table_row = {"| ",  "",    " | ",
                                           " | ", " | ", " |\n"};

/* One check: its status (with the icon), endpoint, expression and
 * message. */
static void check_line(FILE *out, const struct compare_check *c,
                       const struct line_seps *s)
{
    enum compare_status st = gate__status(c);

    fprintf(out, "%s%s %s%s%s%s", s->start, status_icon(st), s->open,
            compare_status_str(st),
            st == COMPARE_PASS && c->warning ? " (warning)" : "", s->close);
    md_str(out, c->endpoint ? c->endpoint : "ALL");
    fputs(s->mid1, out);
    md_str(out, c->expr);
    fputs(s->mid2, out);
    check_message(c, out);
    fputs(s->end, out);
}

static void write_attention(const struct gate_report *r, FILE *out)
{
    const struct compare_verdict *v = r->verdict;
    bool any = false;

    for (size_t i = 0; v && v->checks && i < v->n_checks; i++) {
        const struct compare_check *c = &v->checks[i];
        enum compare_status st = gate__status(c);

        if (st != COMPARE_FAIL && st != COMPARE_INCONCLUSIVE && !c->warning)
            continue;
        if (!any)
            fputs("**Checks that need attention**\n\n", out);
        any = true;
        check_line(out, c, &list_item);
    }
    if (any)
        fputc('\n', out);
}

static void write_all_checks(const struct gate_report *r, FILE *out)
{
    const struct compare_verdict *v = r->verdict;

    if (!v || !v->checks || v->n_checks == 0)
        return;
    fputs("<details><summary>All checks</summary>\n\n"
          "| Status | Endpoint | Check | Result |\n"
          "|---|---|---|---|\n",
          out);
    for (size_t i = 0; i < v->n_checks; i++)
        check_line(out, &v->checks[i], &table_row);
    fputs("\n</details>\n\n", out);
}

static void write_recommendations(const struct gate_report *r, FILE *out)
{
    const struct metrics_results *run = r->run;

    if (!run || run->n_recommendations == 0)
        return;
    fputs("**Recommendations**\n\n", out);
    for (size_t i = 0; i < run->n_recommendations; i++) {
        fprintf(out, "%zu. ", i + 1);
        md_str(out, run->recommendations[i]);
        fputc('\n', out);
    }
}

/* Index just past the last '\n' at or before limit. */
static size_t line_cut(const char *s, size_t limit)
{
    while (limit > 0 && s[limit - 1] != '\n')
        limit--;
    return limit;
}

/* Whether a <details> is open at the end of s[0..n). */
static bool details_open(const char *s, size_t n)
{
    const char *open = NULL, *close = NULL;

    for (const char *p = s; p < s + n; p++) {
        if (strncmp(p, "<details>", 9) == 0)
            open = p;
        else if (strncmp(p, "</details>", 10) == 0)
            close = p;
    }
    return open && (!close || close < open);
}

int gate_markdown_write(const struct gate_report *r, FILE *out)
{
    char *doc = NULL;
    size_t len = 0, keep;
    FILE *mem;
    int rc = 0;

    if (!r || !out)
        return GATE_EIO;
    mem = open_memstream(&doc, &len);
    if (!mem)
        return GATE_EIO;
    write_headline(r, mem);
    write_summary_line(r, mem);
    write_endpoints(r, mem);
    write_streams(r, mem);
    write_attention(r, mem);
    write_all_checks(r, mem);
    write_recommendations(r, mem);
    if (fclose(mem) != 0) {
        free(doc);
        return GATE_EIO;
    }
    if (len < MD_LIMIT) {
        keep = len;
    } else {
        /* Cut at a line boundary so no table row or tag is split. */
        keep = line_cut(doc, MD_LIMIT - MD_RESERVE);
    }
    if (fwrite(doc, 1, keep, out) != keep)
        rc = GATE_EIO;
    if (keep < len) {
        bool in_details = details_open(doc, keep);

        fprintf(out,
                "%s\n… truncated: %zu more bytes did not fit in the "
                "256 KiB summary; see the JUnit or text report.\n",
                in_details ? "\n</details>\n" : "", len - keep);
    }
    free(doc);
    if (fflush(out) != 0 || ferror(out))
        rc = GATE_EIO;
    return rc;
}
