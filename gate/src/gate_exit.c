/* Exit codes (the README's precedence) and the one-line terminal verdict. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gate_internal.h"

bool gate_no_response(const struct metrics_results *run)
{
    uint64_t total = 0, unreachable = 0;

    if (!run)
        return true;
    for (size_t i = 0; i < run->n_endpoints; i++) {
        const struct metrics_endpoint *ep =
            run->endpoints ? run->endpoints[i] : NULL;

        if (!ep)
            continue;
        total += ep->requests;
        /* Failing before the first byte of a response: no status code
         * could be recorded for these. */
        unreachable += ep->err_class[METRICS_ERR_CONNECT] +
                       ep->err_class[METRICS_ERR_DNS] +
                       ep->err_class[METRICS_ERR_TLS];
    }
    return total == 0 || unreachable >= total;
}

enum gate_exit gate_exit_code(const struct gate_report *r)
{
    struct gate__tally t;

    if (!r)
        return GATE_EXIT_UNJUDGED;
    if (r->signal == SIGINT)
        return GATE_EXIT_SIGINT;
    if (r->signal == SIGTERM)
        return GATE_EXIT_SIGTERM;
    /* Any other signal is a cancellation too (SIGHUP from a closing CI
     * session, ...): the shell's 128 + signal. */
    if (r->signal > 0 && r->signal < 128)
        return (enum gate_exit)(128 + r->signal);
    if (r->error_reason || gate_no_response(r->run))
        return GATE_EXIT_UNJUDGED;
    gate__tally(r->verdict, &t);
    if (t.fail)
        return GATE_EXIT_FAIL;
    if (t.inconclusive)
        return GATE_EXIT_UNJUDGED;
    return GATE_EXIT_PASS;
}

/* Appends the cleaned "endpoint expr" of up to max checks with status s,
 * then ", ..." when more exist. */
static void list_checks(const struct compare_verdict *v, enum compare_status s,
                        size_t max, char *buf, size_t len)
{
    size_t used = strlen(buf), shown = 0, left = 0;

    for (size_t i = 0; v && i < v->n_checks; i++) {
        const struct compare_check *c = &v->checks[i];
        char *ep, *ex;

        if (gate__status(c) != s)
            continue;
        if (shown == max) {
            left++;
            continue;
        }
        ep = gate__clean_str(c->endpoint ? c->endpoint : "ALL",
                             GATE__CLEAN_COLLAPSE, 80);
        ex = gate__clean_str(c->expr, GATE__CLEAN_COLLAPSE, 80);
        if (ep && ex && used < len) {
            int k = snprintf(buf + used, len - used, "%s%s %s",
                             shown ? ", " : " (", ep, ex);
            used += k > 0 ? (size_t)k : 0;
        }
        free(ep);
        free(ex);
        shown++;
    }
    if (left && used < len) {
        int k = snprintf(buf + used, len - used, ", ...");
        used += k > 0 ? (size_t)k : 0;
    }
    if (shown && used < len)
        snprintf(buf + used, len - used, ")");
}

/* snprintf() may have cut a multi-byte character at the end of a full
 * buffer: drop the incomplete tail so the line stays valid UTF-8. */
static void trim_utf8_tail(char *buf)
{
    size_t n = strlen(buf), i = n, need;
    unsigned char lead;

    while (i > 0 && ((unsigned char)buf[i - 1] & 0xC0) == 0x80)
        i--;
    if (i == 0)
        return;
    lead = (unsigned char)buf[i - 1];
    if (lead < 0x80)
        return;
    need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
    if (n - (i - 1) < need)
        buf[i - 1] = '\0';
}

void gate_verdict_line(const struct gate_report *r, char *buf, size_t len)
{
    struct gate__tally t;
    size_t used;
    char *reason = NULL;

    if (!buf || len == 0)
        return;
    buf[0] = '\0';
    if (!r) {
        snprintf(buf, len, "loadgate: could not judge — no report");
        trim_utf8_tail(buf);
        return;
    }
    gate__tally(r->verdict, &t);
    if (r->error_reason || gate_no_response(r->run)) {
        reason = gate__clean_str(
            r->error_reason ? r->error_reason : "no response from the target",
            GATE__CLEAN_COLLAPSE, 400);
        snprintf(buf, len, "loadgate: could not judge — %s",
                 reason ? reason : "out of memory");
        free(reason);
    } else if (t.fail) {
        snprintf(buf, len, "loadgate: FAIL — %zu of %zu check%s failed", t.fail,
                 t.total, t.total == 1 ? "" : "s");
        list_checks(r->verdict, COMPARE_FAIL, 3, buf, len);
        used = strlen(buf);
        if (t.inconclusive && used < len)
            snprintf(buf + used, len - used, "; %zu inconclusive",
                     t.inconclusive);
    } else if (t.inconclusive) {
        snprintf(buf, len,
                 "loadgate: INCONCLUSIVE — %zu of %zu check%s could not be "
                 "judged",
                 t.inconclusive, t.total, t.total == 1 ? "" : "s");
        list_checks(r->verdict, COMPARE_INCONCLUSIVE, 3, buf, len);
    } else if (t.total == 0) {
        snprintf(buf, len, "loadgate: PASS — no checks");
    } else if (t.pass == 0) {
        snprintf(buf, len, "loadgate: PASS — %zu check%s skipped", t.skipped,
                 t.skipped == 1 ? "" : "s");
    } else {
        used = (size_t)snprintf(buf, len, "loadgate: PASS — %zu check%s passed",
                                t.pass, t.pass == 1 ? "" : "s");
        if (t.skipped && used < len)
            used += (size_t)snprintf(buf + used, len - used, ", %zu skipped",
                                     t.skipped);
        if (t.warnings && used < len)
            snprintf(buf + used, len - used, " (%zu with a warning)",
                     t.warnings);
    }
    used = strlen(buf);
    if ((r->signal || (r->run && r->run->partial)) && used < len)
        snprintf(buf + used, len - used, " [interrupted: partial results]");
    trim_utf8_tail(buf);
}
