/*
 * JUnit XML (the shape GitLab, Jenkins and GitHub reporters read): one
 * <testsuite> per run, one <testcase> per check, valid against both the Ant
 * (windyroad) and the Jenkins xUnit (junit-10) schemas.  Written with libxml2's
 * xmlTextWriter into memory, then atomically to the path.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/xmlwriter.h>

#include "gate_internal.h"

#ifndef LOADGATE_VERSION
#define LOADGATE_VERSION "unknown"
#endif

/* Any libxml2 writer call returning < 0 ends the document. */
#define XW(call)                                                               \
    do {                                                                       \
        if ((call) < 0) {                                                      \
            rc = GATE_EXML;                                                    \
            goto out;                                                          \
        }                                                                      \
    } while (0)

/*
 * Seconds as JUnit's time: at most 3 decimals (junit-10.xsd's pattern
 * allows no more, and JUnit.xsd's xs:decimal no exponent); a negative or
 * non-finite value is 0, a huge one capped.
 */
static void fmt_seconds(double s, char *buf, size_t len)
{
    if (!isfinite(s) || s < 0)
        s = 0;
    if (s > 1e12)
        s = 1e12;
    snprintf(buf, len, "%.3f", s);
}

/* The measured window, in seconds, that the run's checks judged. */
static double window_s(const struct metrics_results *run)
{
    return run && isfinite(run->duration_s) && run->duration_s > 0
               ? run->duration_s
               : 0.0;
}

static void set_err(char *errbuf, size_t errlen, const char *fmt, const char *a,
                    const char *b)
{
    if (errbuf && errlen)
        snprintf(errbuf, errlen, fmt, a, b);
}

/* "loadgate.<endpoint>" with '.' in the endpoint replaced by '_' (Jenkins
 * splits a classname into package and class at the last '.'). */
static char *make_classname(const char *endpoint)
{
    char *clean = gate__clean_str(endpoint ? endpoint : "ALL",
                                  GATE__CLEAN_COLLAPSE, GATE__NAME_MAX);
    char *out = NULL;
    size_t n;

    if (!clean)
        return NULL;
    for (char *p = clean; *p; p++)
        if (*p == '.')
            *p = '_';
    n = strlen(clean) + sizeof("loadgate.");
    out = malloc(n);
    if (out)
        snprintf(out, n, "loadgate.%s", clean);
    free(clean);
    return out;
}

/*
 * Makes (classname, *name) unique in seen: GitLab keys test cases on
 * suite + classname + name and silently drops duplicates.  A repeat gets
 * " [2]", " [3]", ...  *name may be replaced (the old one is freed).
 * Returns 0 or GATE_ENOMEM.
 */
static int make_unique(struct gate__map *seen, const char *classname,
                       char **name)
{
    size_t klen = strlen(classname) + strlen(*name) + 32;
    char *key = malloc(klen), *alt = NULL;
    size_t first = 0;
    int rc = GATE_ENOMEM;

    if (!key)
        return GATE_ENOMEM;
    snprintf(key, klen, "%s\x01%s", classname, *name);
    if (gate__map_get(seen, key, &first)) {
        size_t alen = strlen(*name) + 24;

        alt = malloc(alen);
        if (!alt)
            goto out;
        /* Start where the last repeat of this name stopped, so n repeats
         * cost O(n), and skip suffixes that happen to be taken. */
        for (size_t k = first + 1;; k++) {
            snprintf(alt, alen, "%s [%zu]", *name, k);
            snprintf(key, klen, "%s\x01%s", classname, alt);
            if (!gate__map_get(seen, key, NULL)) {
                char *orig_key = malloc(klen);

                if (!orig_key)
                    goto out;
                snprintf(orig_key, klen, "%s\x01%s", classname, *name);
                rc = gate__map_put(seen, orig_key, k);
                free(orig_key);
                if (rc)
                    goto out;
                break;
            }
        }
        free(*name);
        *name = alt;
        alt = NULL;
    }
    rc = gate__map_put(seen, key, 1);
out:
    free(alt);
    free(key);
    return rc;
}

/* One <failure>/<error> with type, message and a body. */
static int write_problem(xmlTextWriterPtr w, const char *elem, const char *type,
                         const char *message, const char *text)
{
    if (xmlTextWriterStartElement(w, BAD_CAST elem) < 0 ||
        xmlTextWriterWriteAttribute(w, BAD_CAST "type", BAD_CAST type) < 0 ||
        xmlTextWriterWriteAttribute(w, BAD_CAST "message", BAD_CAST message) <
            0 ||
        xmlTextWriterWriteString(w, BAD_CAST text) < 0 ||
        xmlTextWriterEndElement(w) < 0)
        return GATE_EXML;
    return 0;
}

static int write_check(xmlTextWriterPtr w, const struct gate_report *r,
                       const struct compare_check *c, struct gate__map *seen)
{
    enum compare_status st = gate__status(c);
    char *classname = make_classname(c->endpoint);
    char *name = gate__clean_str(c->expr, GATE__CLEAN_COLLAPSE, GATE__NAME_MAX);
    char *message = NULL, *text = NULL, *type = NULL;
    char *synth = NULL;
    char time_s[32];
    int rc = GATE_ENOMEM;

    /* A check judged the run's measured window (GitLab and GitHub show it
     * as the case's duration); a skipped one judged nothing. */
    fmt_seconds(st == COMPARE_SKIPPED ? 0.0 : window_s(r->run), time_s,
                sizeof(time_s));
    if (!classname || !name)
        goto out;
    rc = make_unique(seen, classname, &name);
    if (rc)
        goto out;
    rc = GATE_ENOMEM;
    synth = malloc(2048);
    if (!synth)
        goto out;
    if (c->message[0]) {
        message =
            gate__clean(c->message, strnlen(c->message, sizeof(c->message)),
                        GATE__CLEAN_COLLAPSE, GATE__MESSAGE_MAX);
    } else {
        gate__synth_message(c, synth, 2048);
        message =
            gate__clean_str(synth, GATE__CLEAN_COLLAPSE, GATE__MESSAGE_MAX);
    }
    if (c->detail[0]) {
        text = gate__clean(c->detail, strnlen(c->detail, sizeof(c->detail)),
                           GATE__CLEAN_KEEP_WS, GATE__TEXT_MAX);
    } else {
        gate__synth_detail(r, c, synth, 2048);
        text = gate__clean_str(synth, GATE__CLEAN_KEEP_WS, GATE__TEXT_MAX);
    }
    if (c->type && c->type[0])
        type = gate__clean_str(c->type, GATE__CLEAN_COLLAPSE, 100);
    else if (st == COMPARE_FAIL)
        type =
            strdup(c->relative ? "loadgate.regression" : "loadgate.threshold");
    else
        type = strdup("loadgate.inconclusive");
    if (!message || !text || !type)
        goto out;

    rc = GATE_EXML;
    if (xmlTextWriterStartElement(w, BAD_CAST "testcase") < 0 ||
        xmlTextWriterWriteAttribute(w, BAD_CAST "classname",
                                    BAD_CAST classname) < 0 ||
        xmlTextWriterWriteAttribute(w, BAD_CAST "name", BAD_CAST name) < 0 ||
        xmlTextWriterWriteAttribute(w, BAD_CAST "time", BAD_CAST time_s) < 0)
        goto out;
    switch (st) {
    case COMPARE_FAIL:
        if (write_problem(w, "failure", type, message, text))
            goto out;
        break;
    case COMPARE_SKIPPED:
        /* The Ant schema allows only a message on <skipped>. */
        if (xmlTextWriterStartElement(w, BAD_CAST "skipped") < 0 ||
            xmlTextWriterWriteAttribute(w, BAD_CAST "message",
                                        BAD_CAST message) < 0 ||
            xmlTextWriterEndElement(w) < 0)
            goto out;
        break;
    case COMPARE_PASS:
        /* Nothing inside: the Ant schema allows no <system-out> in a
         * testcase, so a warning lives in the text report and summary. */
        break;
    default:
        if (write_problem(w, "error", type, message, text))
            goto out;
        break;
    }
    if (xmlTextWriterEndElement(w) < 0)
        goto out;
    rc = 0;
out:
    free(classname);
    free(name);
    free(message);
    free(text);
    free(type);
    free(synth);
    return rc;
}

static void host_name(char *buf, size_t len)
{
    char raw[256] = "";
    char *clean;

    if (gethostname(raw, sizeof(raw) - 1) != 0)
        raw[0] = '\0';
    raw[sizeof(raw) - 1] = '\0';
    clean = gate__clean_str(raw, GATE__CLEAN_COLLAPSE, 200);
    snprintf(buf, len, "%s", clean && clean[0] ? clean : "localhost");
    free(clean);
}

/* "loadgate.<profile>[.shardI]". */
static char *suite_name(const struct gate_report *r)
{
    const char *profile = r->profile_name;
    char *clean, *out;
    char shard[32] = "";
    size_t n;

    if ((!profile || !profile[0]) && r->run && r->run->meta.profile_name)
        profile = r->run->meta.profile_name;
    clean = gate__clean_str(profile && profile[0] ? profile : "results",
                            GATE__CLEAN_COLLAPSE, 200);
    if (!clean)
        return NULL;
    if (r->run && r->run->meta.shard) {
        unsigned long i = strtoul(r->run->meta.shard, NULL, 10);

        if (i > 0)
            snprintf(shard, sizeof(shard), ".shard%lu", i);
    }
    n = strlen(clean) + strlen(shard) + sizeof("loadgate.") + 8;
    out = malloc(n);
    if (out)
        snprintf(out, n, "loadgate.%s%s", clean[0] ? clean : "results", shard);
    free(clean);
    return out;
}

static int write_property(xmlTextWriterPtr w, const char *name,
                          const char *value)
{
    char *v = gate__clean_str(value ? value : "", GATE__CLEAN_COLLAPSE,
                              GATE__NAME_MAX);
    int rc = GATE_ENOMEM;

    if (!v)
        return rc;
    rc = GATE_EXML;
    if (xmlTextWriterStartElement(w, BAD_CAST "property") >= 0 &&
        xmlTextWriterWriteAttribute(w, BAD_CAST "name", BAD_CAST name) >= 0 &&
        xmlTextWriterWriteAttribute(w, BAD_CAST "value", BAD_CAST v) >= 0 &&
        xmlTextWriterEndElement(w) >= 0)
        rc = 0;
    free(v);
    return rc;
}

/* The whole run's streams (only runs with streaming endpoints): the
 * numbers a CI view can plot from the properties. */
static int stream_properties(xmlTextWriterPtr w,
                             const struct metrics_results *run)
{
    struct gate__streams st;
    const struct gate__stream_row *a;
    char num[64];
    int rc = 0;

    if (!run || gate__streams_get(run, &st) != 0 || st.n == 0)
        return 0;
    a = &st.rows[st.n - 1]; /* ALL, or the only streaming endpoint */
    {
        const struct {
            const char *name;
            double v;
        } fields[] = {
            {"loadgate.streams.ttft_p50_ms", a->ttft_p50},
            {"loadgate.streams.ttft_p95_ms", a->ttft_p95},
            {"loadgate.streams.itl_p50_ms", a->itl_p50},
            {"loadgate.streams.itl_p99_ms", a->itl_p99},
            {"loadgate.streams.tpot_p50_ms", a->tpot_p50},
            {"loadgate.streams.tokens_per_s", a->tokens_per_s},
            {"loadgate.streams.goodput_per_s", a->goodput},
            {"loadgate.streams.stream_errors", (double)a->errors},
        };

        for (size_t i = 0; i < sizeof(fields) / sizeof(*fields) && !rc; i++) {
            if (isfinite(fields[i].v))
                snprintf(num, sizeof(num), "%.3f", fields[i].v);
            else
                snprintf(num, sizeof(num), "n/a");
            rc = write_property(w, fields[i].name, num);
        }
    }
    gate__streams_free(&st);
    return rc;
}

/* The text report for <system-out>, cleaned for XML. */
static char *system_out(const struct gate_report *r)
{
    char *raw = NULL, *clean;
    size_t len = 0;
    FILE *f = open_memstream(&raw, &len);

    if (!f)
        return NULL;
    gate_text_write(r, f);
    if (fclose(f) != 0) {
        free(raw);
        return NULL;
    }
    clean = gate__clean(raw, len, GATE__CLEAN_KEEP_WS, 0);
    free(raw);
    return clean;
}

int gate_junit_write(const struct gate_report *r, const char *path,
                     char *errbuf, size_t errlen)
{
    const struct metrics_results *run;
    struct gate__tally t;
    struct gate__map *seen = NULL;
    xmlBufferPtr buf = NULL;
    xmlTextWriterPtr w = NULL;
    char *name = NULL, *out_text = NULL, *err_text = NULL;
    char *reason_msg = NULL, *reason_text = NULL, *run_name = NULL;
    char ts[32], tsz[40], host[256], num[32], total_s[32], code_s[16];
    size_t errors;
    uint64_t total = 0;
    int rc = GATE_ENOMEM;

    if (errbuf && errlen)
        errbuf[0] = '\0';
    if (!r || !path) {
        set_err(errbuf, errlen, "%s%s", "no report or no path", "");
        return GATE_EIO;
    }
    run = r->run;
    gate__tally(r->verdict, &t);
    errors = t.inconclusive + (r->error_reason ? 1 : 0);
    gate__timestamp(run, ts, sizeof(ts));
    snprintf(tsz, sizeof(tsz), "%sZ", ts);
    host_name(host, sizeof(host));
    for (size_t i = 0; run && i < run->n_endpoints; i++)
        total += run->endpoints[i]->requests;
    snprintf(total_s, sizeof(total_s), "%llu", (unsigned long long)total);
    snprintf(code_s, sizeof(code_s), "%d", (int)gate_exit_code(r));

    name = suite_name(r);
    out_text = system_out(r);
    err_text = gate__clean_str(r->error_reason ? r->error_reason : "",
                               GATE__CLEAN_KEEP_WS, 0);
    if (!name || !out_text || !err_text || gate__map_new(&seen))
        goto nomem;
    buf = xmlBufferCreate();
    if (!buf)
        goto nomem;
    w = xmlNewTextWriterMemory(buf, 0);
    if (!w)
        goto nomem;

    rc = 0;
    XW(xmlTextWriterSetIndent(w, 1));
    XW(xmlTextWriterSetIndentString(w, BAD_CAST " "));
    XW(xmlTextWriterStartDocument(w, NULL, "UTF-8", NULL));
    XW(xmlTextWriterStartElement(w, BAD_CAST "testsuites"));
    XW(xmlTextWriterStartElement(w, BAD_CAST "testsuite"));
    XW(xmlTextWriterWriteAttribute(w, BAD_CAST "name", BAD_CAST name));
    XW(xmlTextWriterWriteAttribute(w, BAD_CAST "package", BAD_CAST "loadgate"));
    XW(xmlTextWriterWriteAttribute(w, BAD_CAST "id", BAD_CAST "0"));
    snprintf(num, sizeof(num), "%zu", t.total + (r->error_reason ? 1 : 0));
    XW(xmlTextWriterWriteAttribute(w, BAD_CAST "tests", BAD_CAST num));
    snprintf(num, sizeof(num), "%zu", t.fail);
    XW(xmlTextWriterWriteAttribute(w, BAD_CAST "failures", BAD_CAST num));
    snprintf(num, sizeof(num), "%zu", errors);
    XW(xmlTextWriterWriteAttribute(w, BAD_CAST "errors", BAD_CAST num));
    snprintf(num, sizeof(num), "%zu", t.skipped);
    XW(xmlTextWriterWriteAttribute(w, BAD_CAST "skipped", BAD_CAST num));
    fmt_seconds(window_s(run), num, sizeof(num));
    XW(xmlTextWriterWriteAttribute(w, BAD_CAST "time", BAD_CAST num));
    XW(xmlTextWriterWriteAttribute(w, BAD_CAST "timestamp", BAD_CAST ts));
    XW(xmlTextWriterWriteAttribute(w, BAD_CAST "hostname", BAD_CAST host));

    XW(xmlTextWriterStartElement(w, BAD_CAST "properties"));
    XW(write_property(w, "loadgate.timestamp_utc", tsz));
    XW(write_property(w, "loadgate.version", LOADGATE_VERSION));
    XW(write_property(w, "loadgate.profile",
                      r->profile_name ? r->profile_name
                      : run           ? run->meta.profile_name
                                      : ""));
    XW(write_property(w, "loadgate.profile_sha256",
                      run ? run->meta.profile_sha256 : ""));
    XW(write_property(w, "loadgate.baseline",
                      r->baseline_name ? r->baseline_name
                      : r->baseline    ? "(file)"
                                       : "none"));
    XW(write_property(w, "loadgate.partial",
                      (run && run->partial) || r->signal ? "true" : "false"));
    XW(write_property(w, "loadgate.total_requests", total_s));
    XW(write_property(w, "loadgate.exit_code", code_s));
    XW(stream_properties(w, run));
    XW(xmlTextWriterEndElement(w));

    if (r->error_reason) {
        /* A run that could not happen or be judged still says why, in
         * the one place every CI consumer shows. */
        run_name = strdup("run");
        reason_msg = gate__clean_str(r->error_reason, GATE__CLEAN_COLLAPSE,
                                     GATE__MESSAGE_MAX);
        reason_text = gate__clean_str(r->error_reason, GATE__CLEAN_KEEP_WS,
                                      GATE__TEXT_MAX);
        if (!run_name || !reason_msg || !reason_text)
            goto nomem;
        rc = make_unique(seen, "loadgate.ALL", &run_name);
        if (rc)
            goto nomem;
        XW(xmlTextWriterStartElement(w, BAD_CAST "testcase"));
        XW(xmlTextWriterWriteAttribute(w, BAD_CAST "classname",
                                       BAD_CAST "loadgate.ALL"));
        XW(xmlTextWriterWriteAttribute(w, BAD_CAST "name", BAD_CAST run_name));
        XW(xmlTextWriterWriteAttribute(w, BAD_CAST "time", BAD_CAST "0.000"));
        XW(write_problem(w, "error", "loadgate.error", reason_msg,
                         reason_text));
        XW(xmlTextWriterEndElement(w));
    }
    for (size_t i = 0;
         r->verdict && r->verdict->checks && i < r->verdict->n_checks; i++) {
        rc = write_check(w, r, &r->verdict->checks[i], seen);
        if (rc == GATE_ENOMEM)
            goto nomem;
        if (rc)
            goto out;
    }
    XW(xmlTextWriterWriteElement(w, BAD_CAST "system-out", BAD_CAST out_text));
    XW(xmlTextWriterWriteElement(w, BAD_CAST "system-err", BAD_CAST err_text));
    XW(xmlTextWriterEndElement(w)); /* testsuite */
    XW(xmlTextWriterEndElement(w)); /* testsuites */
    XW(xmlTextWriterEndDocument(w));
    xmlFreeTextWriter(w); /* flushes into buf */
    w = NULL;

    if (metrics_write_atomic(path, xmlBufferContent(buf),
                             (size_t)xmlBufferLength(buf)) != 0) {
        set_err(errbuf, errlen, "cannot write '%s': %s", path, strerror(errno));
        rc = GATE_EIO;
        goto out;
    }
    rc = 0;
    goto out;
nomem:
    rc = GATE_ENOMEM;
out:
    if (rc == GATE_EXML)
        set_err(errbuf, errlen, "%s%s", gate_strerror(GATE_EXML), "");
    else if (rc == GATE_ENOMEM)
        set_err(errbuf, errlen, "%s%s", gate_strerror(GATE_ENOMEM), "");
    xmlFreeTextWriter(w);
    xmlBufferFree(buf);
    gate__map_free(seen);
    free(name);
    free(out_text);
    free(err_text);
    free(reason_msg);
    free(reason_text);
    free(run_name);
    return rc;
}
