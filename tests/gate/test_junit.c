/* JUnit XML: validity against both XSDs and the exact structure of
 * the shape CI consumers read, checked through XPath. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <libxml/parser.h>
#include <libxml/xmlschemas.h>
#include <libxml/xpath.h>

#include "gate_fixture.h"
#include "gate_internal.h"
#include "gate_xpath.h"
#include "lgtest.h"

struct fx {
    xmlSchemaPtr ant, xunit;
    struct tmp_file out; /* where the report is written */
    /* the test's report (demo()) and its document (junit()) */
    struct metrics_results *run;
    struct compare_verdict *v;
    struct gate_report rep;
    xmlDocPtr doc;
};

static xmlSchemaPtr load_schema(const char *file)
{
    char path[1024];
    xmlSchemaParserCtxtPtr pc;
    xmlSchemaPtr s;

    snprintf(path, sizeof(path), "%s/%s", LOADGATE_SCHEMA_DIR, file);
    pc = xmlSchemaNewParserCtxt(path);
    assert_non_null(pc);
    s = xmlSchemaParse(pc);
    xmlSchemaFreeParserCtxt(pc);
    if (!s)
        fail_msg("cannot load schema %s", path);
    return s;
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));

    assert_non_null(f);
    f->ant = load_schema("JUnit.xsd");
    f->xunit = load_schema("junit-10.xsd");
    tmp_file_make(&f->out, "gate-junit", "junit.xml");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;

    tmp_file_remove(&f->out);
    xmlSchemaFree(f->ant);
    xmlSchemaFree(f->xunit);
    free(f);
    xmlCleanupParser();
    return 0;
}

static void validate(xmlSchemaPtr s, xmlDocPtr doc, const char *which)
{
    xmlSchemaValidCtxtPtr vc = xmlSchemaNewValidCtxt(s);
    int rc;

    assert_non_null(vc);
    rc = xmlSchemaValidateDoc(vc, doc);
    xmlSchemaFreeValidCtxt(vc);
    if (rc != 0)
        fail_msg("not valid against %s (rc %d)", which, rc);
}

/* Writes r, parses it strictly and validates it against both schemas. */
static xmlDocPtr write_and_validate(struct fx *f, const struct gate_report *r)
{
    char err[256] = "x";
    xmlDocPtr doc;

    assert_int_equal(gate_junit_write(r, f->out.path, err, sizeof(err)), 0);
    assert_string_equal(err, "");
    doc = xmlReadFile(f->out.path, NULL, XML_PARSE_NONET);
    assert_non_null(doc);
    validate(f->ant, doc, "JUnit.xsd");
    validate(f->xunit, doc, "junit-10.xsd");
    return doc;
}

/* The invariants of every document: counts equal the children, the
 * testsuites element has no attributes, (classname, name) are unique. */
static void check_shape(xmlDocPtr doc)
{
    xmlXPathObjectPtr o;
    int n;

    assert_int_equal((int)xnum(doc, "count(/testsuites/@*)"), 0);
    assert_int_equal((int)xnum(doc, "count(/testsuites/testsuite)"), 1);
    assert_int_equal(xnum(doc, "number(/testsuites/testsuite/@tests)"),
                     xnum(doc, "count(//testcase)"));
    assert_int_equal(xnum(doc, "number(/testsuites/testsuite/@failures)"),
                     xnum(doc, "count(//testcase/failure)"));
    assert_int_equal(xnum(doc, "number(/testsuites/testsuite/@errors)"),
                     xnum(doc, "count(//testcase/error)"));
    assert_int_equal(xnum(doc, "number(/testsuites/testsuite/@skipped)"),
                     xnum(doc, "count(//testcase/skipped)"));
    /* time: seconds with 3 decimals; a check's is the measured window
     * the suite's time gives, a skipped check's and the error case's 0 */
    assert_int_equal((int)xnum(doc,
                               "count(//*[@time][string-length(substring-after("
                               "@time, '.')) != 3 or number(@time) != "
                               "number(@time) or starts-with(@time, '-')])"),
                     0);
    assert_int_equal((int)xnum(doc, "count(//testcase[not(skipped) and "
                                    "not(error[@type='loadgate.error']) and "
                                    "@time != /testsuites/testsuite/@time])"),
                     0);
    assert_int_equal((int)xnum(doc, "count(//testcase[(skipped or "
                                    "error[@type='loadgate.error']) and "
                                    "@time != '0.000'])"),
                     0);
    assert_int_equal((int)xnum(doc, "count(//testcase/*[2])"), 0);
    assert_xstr(doc, "string(/testsuites/testsuite/@package)", "loadgate");
    assert_xstr(doc, "string(/testsuites/testsuite/@id)", "0");
    assert_xstr(doc, "name(/testsuites/testsuite/*[1])", "properties");
    assert_xstr(doc, "name(/testsuites/testsuite/*[last()])", "system-err");
    assert_xstr(doc, "name(/testsuites/testsuite/*[last()-1])", "system-out");
    assert_int_equal((int)xnum(doc,
                               "count(//testcase[not(starts-with(@classname, "
                               "'loadgate.'))])"),
                     0);
    /* failure and error always carry a type and a body */
    assert_int_equal(
        (int)xnum(doc, "count(//failure[not(@type) or string-length(.)=0])"),
        0);
    assert_int_equal(
        (int)xnum(doc, "count(//error[not(@type) or string-length(.)=0])"), 0);

    o = xeval(doc, "//testcase");
    n = o->nodesetval ? o->nodesetval->nodeNr : 0;
    for (int i = 0; i < n; i++) {
        xmlChar *ci =
            xmlGetProp(o->nodesetval->nodeTab[i], BAD_CAST "classname");
        xmlChar *ni = xmlGetProp(o->nodesetval->nodeTab[i], BAD_CAST "name");

        for (int j = i + 1; j < n; j++) {
            xmlChar *cj =
                xmlGetProp(o->nodesetval->nodeTab[j], BAD_CAST "classname");
            xmlChar *nj =
                xmlGetProp(o->nodesetval->nodeTab[j], BAD_CAST "name");

            if (xmlStrEqual(ci, cj) && xmlStrEqual(ni, nj))
                fail_msg("duplicate testcase (%s, %s)", (char *)ci, (char *)ni);
            xmlFree(cj);
            xmlFree(nj);
        }
        xmlFree(ci);
        xmlFree(ni);
    }
    xmlXPathFreeObject(o);
}

/* A report of profile "demo" over a fresh fx_run() with a verdict of n
 * checks to fill; done() frees it. */
static struct compare_verdict *demo(struct fx *f, size_t n)
{
    f->run = fx_run();
    f->v = fx_verdict(n);
    memset(&f->rep, 0, sizeof(f->rep));
    f->rep.run = f->run;
    f->rep.verdict = f->v;
    f->rep.profile_name = "demo";
    return f->v;
}

/* f->rep as JUnit XML, valid and of the right shape. */
static xmlDocPtr junit(struct fx *f)
{
    f->doc = write_and_validate(f, &f->rep);
    check_shape(f->doc);
    return f->doc;
}

static void done(struct fx *f)
{
    xmlFreeDoc(f->doc);
    fx_verdict_free(f->v);
    metrics_results_free(f->run);
    f->doc = NULL;
    f->v = NULL;
    f->run = NULL;
}

/* string(prefix KEY suffix) is VALUE for each KEY=VALUE of spec (separated
 * by spaces; a value holds none). */
static void assert_each(xmlDocPtr doc, const char *prefix, const char *suffix,
                        const char *spec)
{
    char buf[1024], expr[256], *save = NULL;

    snprintf(buf, sizeof(buf), "%s", spec);
    for (char *kv = strtok_r(buf, " ", &save); kv;
         kv = strtok_r(NULL, " ", &save)) {
        char *eq = strchr(kv, '=');

        assert_non_null(eq);
        *eq = '\0';
        snprintf(expr, sizeof(expr), "%s%s%s", prefix, kv, suffix);
        assert_xstr(doc, expr, eq + 1);
    }
}

/* The suite's attributes, e.g. "tests=3 failures=0". */
static void assert_suite(xmlDocPtr doc, const char *spec)
{
    assert_each(doc, "string(//testsuite/@", ")", spec);
}

/* The loadgate.* properties, e.g. "exit_code=0 partial=false". */
static void assert_props(xmlDocPtr doc, const char *spec)
{
    assert_each(doc, "string(//property[@name='loadgate.", "']/@value)", spec);
}

static void test_passing_run(void **state)
{
    struct fx *f = *state;
    struct compare_verdict *v = demo(f, 3);
    xmlDocPtr doc;
    char *out;

    fx_check(v, 0, "ALL", "p95 < 1s", COMPARE_PASS, NULL,
             "p95 = 25.0 ms, limit < 1000 ms", NULL);
    fx_check(v, 1, "GET /api/health", "p95 < 1s", COMPARE_PASS, NULL,
             "p95 = 25.0 ms, limit < 1000 ms", NULL);
    fx_check(v, 2, "GET /api/health", "error_rate < 5%", COMPARE_PASS, NULL,
             "error_rate = 0.00%, limit < 5.00%", NULL);
    v->checks[1].warning = true;
    doc = junit(f);
    assert_suite(doc, "name=loadgate.demo tests=3 failures=0 errors=0 "
                      "skipped=0 time=10.000 timestamp=2026-01-01T12:00:00");
    assert_int_equal((int)xnum(doc, "string-length(//testsuite/@hostname)") > 0,
                     1);
    assert_props(doc, "timestamp_utc=2026-01-01T12:00:00Z profile=demo "
                      "profile_sha256=ab12 baseline=none partial=false "
                      "total_requests=1360 exit_code=0 "
                      "version=" LOADGATE_VERSION);
    assert_int_equal((int)xnum(doc, "count(//property)"), 8);
    assert_xstr(doc, "string(//testcase[1]/@classname)", "loadgate.ALL");
    assert_xstr(doc, "string(//testcase[2]/@classname)",
                "loadgate.GET /api/health");
    assert_xstr(doc, "string(//testcase[2]/@name)", "p95 < 1s");
    /* each check judged the 10 s window: GitLab and GitHub show that */
    assert_xstr(doc, "string(//testcase[1]/@time)", "10.000");
    assert_xstr(doc, "string(//testcase[3]/@time)", "10.000");
    assert_int_equal((int)xnum(doc, "count(//testcase/*)"), 0);
    /* the text report rides in system-out */
    out = xstr(doc, "string(//system-out)");
    assert_non_null(strstr(out, "Endpoint Performance"));
    assert_non_null(strstr(out, "/api/agents/{id}/query"));
    free(out);
    assert_xstr(doc, "string(//system-err)", "");
    done(f);
}

static void test_failing_run(void **state)
{
    struct fx *f = *state;
    struct compare_verdict *v = demo(f, 4);
    struct metrics_results *base = fx_run();
    struct compare_threshold th = {0};
    xmlDocPtr doc;
    char *text;

    fx_check(v, 0, "POST /api/agents/{id}/query", "p95 < baseline + 10%",
             COMPARE_FAIL, "loadgate.regression",
             "p95 = 1320 ms, limit < 1078 ms (baseline 980 ms + 10%); "
             "+34.7%, significant",
             "endpoint : POST /api/agents/{id}/query\n"
             "threshold: p95 < baseline + 10%  (perf/demo.yaml:41)\n"
             "measured : 1320.4 ms (n=2998)   baseline: 980.2 ms (n=2950)   "
             "limit: 1078.2 ms");
    /* compare left message and detail empty: gate composes both */
    fx_check(v, 1, "GET /v1.2/items", "p99 < 200ms", COMPARE_FAIL, NULL, NULL,
             NULL);
    fx_at(v, 1, &th, METRICS_STAT_P99, "perf/demo.yaml", 17);
    fx_measured(v, 1, 321.5, 200, 150.25, 114.0);
    v->checks[1].n_measured = 4000;
    fx_check(v, 2, "ALL", "p95 < 1s", COMPARE_PASS, NULL, "ok", NULL);
    fx_check(v, 3, "GET /api/health", "p95 < 1s", COMPARE_PASS, NULL, "ok",
             NULL);
    f->rep.baseline = base;
    f->rep.baseline_name = "main";
    f->rep.profile_path = "perf/demo.yaml";
    doc = junit(f);
    assert_suite(doc, "failures=2 errors=0");
    assert_props(doc, "baseline=main exit_code=1");
    assert_xstr(doc, "string(//testcase[1]/@classname)",
                "loadgate.POST /api/agents/{id}/query");
    assert_xstr(doc, "string(//testcase[1]/failure/@type)",
                "loadgate.regression");
    assert_xstr(doc, "string(//testcase[1]/failure/@message)",
                v->checks[0].message);
    assert_xstr(doc, "string(//testcase[1]/failure)", v->checks[0].detail);
    /* '.' inside an endpoint becomes '_' */
    assert_xstr(doc, "string(//testcase[2]/@classname)",
                "loadgate.GET /v1_2/items");
    assert_xstr(doc, "string(//testcase[2]/failure/@type)",
                "loadgate.threshold");
    assert_xstr(doc, "string(//testcase[2]/failure/@message)",
                "p99 = 321.5 ms, limit < 200.0 ms (baseline 150.2 ms)");
    text = xstr(doc, "string(//testcase[2]/failure)");
    assert_non_null(strstr(text, "endpoint : GET /v1.2/items\n"));
    assert_non_null(
        strstr(text, "threshold: p99 < 200ms  (perf/demo.yaml:17)"));
    assert_non_null(strstr(text, "measured : 321.5 ms (n=4000)\n"));
    assert_non_null(strstr(text, "baseline : 150.2 ms\n"));
    assert_non_null(strstr(text, "limit    : 200.0 ms\n"));
    assert_non_null(strstr(text, "delta    : +114.0%"));
    free(text);
    done(f);
    metrics_results_free(base);
}

static void test_error_only(void **state)
{
    struct fx *f = *state;
    struct gate_report rep = {0};
    xmlDocPtr doc;
    char *ts;

    rep.profile_name = "checkout";
    rep.error_reason = "baseline 'main' not found in .loadgate/baselines";
    doc = write_and_validate(f, &rep);
    check_shape(doc);
    assert_suite(doc, "tests=1 errors=1 time=0.000");
    assert_xstr(doc, "string(//testcase/@time)", "0.000");
    assert_xstr(doc, "string(//testcase/@classname)", "loadgate.ALL");
    assert_xstr(doc, "string(//testcase/@name)", "run");
    assert_xstr(doc, "string(//testcase/error/@type)", "loadgate.error");
    assert_xstr(doc, "string(//testcase/error/@message)", rep.error_reason);
    assert_xstr(doc, "string(//testcase/error)", rep.error_reason);
    assert_xstr(doc, "string(//system-err)", rep.error_reason);
    assert_props(doc, "exit_code=3 total_requests=0");
    /* no run: the timestamp is now, still in the schema's format */
    ts = xstr(doc, "string(//testsuite/@timestamp)");
    assert_int_equal(strlen(ts), 19);
    assert_int_equal(ts[10], 'T');
    free(ts);
    xmlFreeDoc(doc);
}

static void test_skipped_and_inconclusive(void **state)
{
    struct fx *f = *state;
    struct compare_verdict *v = demo(f, 5);
    xmlDocPtr doc;

    fx_check(v, 0, "GET /api/new", "rps > baseline - 10%", COMPARE_SKIPPED,
             NULL, "endpoint not in baseline 'main'", NULL);
    fx_check(v, 1, "GET /api/orders", "p99 < 2s", COMPARE_INCONCLUSIVE,
             "loadgate.no_data", "0 requests in measured window; not evaluated",
             "endpoint : GET /api/orders\nmeasured : no data");
    fx_check(v, 2, "GET /api/agents", "p99.9 < 2s", COMPARE_INCONCLUSIVE, NULL,
             NULL, NULL);
    fx_check(v, 3, "ALL", "p95 < 1s", COMPARE_PASS, NULL, "ok", NULL);
    fx_check(v, 4, "ALL", "p95 < baseline + 10%", COMPARE_SKIPPED, NULL, NULL,
             NULL);
    f->run->partial = true;
    f->run->meta.shard = strdup("2/4");
    assert_non_null(f->run->meta.shard);
    doc = junit(f);
    /* a shard's suite is named apart (GitLab and Jenkins merge suites by
     * name) */
    assert_suite(doc, "name=loadgate.demo.shard2 skipped=2 errors=2");
    assert_xstr(doc, "string(//testcase[1]/skipped/@message)",
                "endpoint not in baseline 'main'");
    /* a skipped check judged nothing; an inconclusive one the window */
    assert_xstr(doc, "string(//testcase[1]/@time)", "0.000");
    assert_xstr(doc, "string(//testcase[2]/@time)", "10.000");
    assert_int_equal((int)xnum(doc, "count(//skipped/@type)"), 0);
    assert_xstr(doc, "string(//testcase[2]/error/@type)", "loadgate.no_data");
    assert_xstr(doc, "string(//testcase[2]/error)",
                "endpoint : GET /api/orders\nmeasured : no data");
    assert_xstr(doc, "string(//testcase[3]/error/@type)",
                "loadgate.inconclusive");
    assert_xstr(doc, "string(//testcase[5]/skipped/@message)",
                "not applicable");
    assert_props(doc, "partial=true exit_code=3");
    done(f);
}

/* Counts code points of a UTF-8 string. */
static size_t chars(const char *s)
{
    return gate__utf8_len(s);
}

static void test_hostile_names(void **state)
{
    struct fx *f = *state;
    struct compare_verdict *v = demo(f, 7);
    struct metrics_results *run = f->run;
    char *longname = malloc(5001), *longtext = malloc(4000), *s;
    const char *evil = "GET /x\x01\x1b[31m<&\"'>\xff\xc0\xaf\xed\xa0\x80]]>";
    xmlDocPtr doc;

    assert_non_null(longname);
    assert_non_null(longtext);
    memset(longname, 'a', 5000);
    memcpy(longname, "GET /", 5);
    longname[5000] = '\0';
    memset(longtext, 'z', 3999);
    longtext[3999] = '\0';
    fx_add(run, "GET", "/x\x01\x1b[31m<&\"'>\xff]]>", 3, 5, false);
    fx_add(run, "GET", longname + 4, 3, 5, false);
    assert_int_equal(metrics_results_add_recommendation(run, "bad\x02 \xfe"),
                     0);

    fx_check(v, 0, evil, "p95\t<\n1s\x07", COMPARE_FAIL, "loadgate.threshold",
             "msg\x01 with <&\"> and \xff", "detail\x01\n<&>\xff\xfe");
    fx_check(v, 1, longname, "p95 < 1s", COMPARE_INCONCLUSIVE,
             "loadgate.no_data", NULL, NULL);
    /* message and detail at compare's full size, without the NUL */
    memset(v->checks[1].message, 'm', sizeof(v->checks[1].message));
    memset(v->checks[1].detail, 'd', sizeof(v->checks[1].detail));
    /* duplicates, and a name that already looks like a repeat */
    fx_check(v, 2, "GET /dup", "p95 < 1s [2]", COMPARE_PASS, NULL, "ok", NULL);
    fx_check(v, 3, "GET /dup", "p95 < 1s", COMPARE_PASS, NULL, "ok", NULL);
    fx_check(v, 4, "GET /dup", "p95 < 1s", COMPARE_PASS, NULL, "ok", NULL);
    fx_check(v, 5, "GET /dup", "p95  <  1s", COMPARE_PASS, NULL, "ok", NULL);
    fx_check(v, 6, "ALL", "run", COMPARE_SKIPPED, NULL, longtext, NULL);
    f->rep.profile_name = "de\x01mo \xff";
    f->rep.profile_path = "perf/\x1b.yaml";
    f->rep.error_reason = "reason\x01 <&> \xff";
    doc = junit(f);
    assert_suite(doc, "tests=8");
    assert_xstr(doc, "string(//testsuite/@name)", "loadgate.demo \xEF\xBF\xBD");
    /* the error case comes first, then checks in order */
    assert_xstr(doc, "string(//testcase[1]/@name)", "run");
    assert_xstr(doc, "string(//testcase[1]/error)", "reason <&> \xEF\xBF\xBD");
    assert_xstr(doc, "string(//testcase[2]/@classname)",
                "loadgate.GET /x[31m<&\"'>\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"
                "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD]]>");
    assert_xstr(doc, "string(//testcase[2]/@name)", "p95 < 1s");
    assert_xstr(doc, "string(//testcase[2]/failure)",
                "detail\n<&>\xEF\xBF\xBD\xEF\xBF\xBD");
    /* caps: names 1000, message 200, text 1000 characters */
    s = xstr(doc, "string(//testcase[3]/@classname)");
    assert_int_equal(chars(s), strlen("loadgate.") + GATE__NAME_MAX);
    free(s);
    s = xstr(doc, "string(//testcase[3]/error/@message)");
    assert_int_equal(chars(s), GATE__MESSAGE_MAX);
    assert_int_equal(strncmp(s, "mmmm", 4), 0);
    free(s);
    s = xstr(doc, "string(//testcase[3]/error)");
    assert_int_equal(chars(s), GATE__TEXT_MAX);
    assert_int_equal(strncmp(s, "dddd", 4), 0);
    free(s);
    /* uniqueness: existing " [2]" is not reused */
    assert_xstr(doc, "string(//testcase[4]/@name)", "p95 < 1s [2]");
    assert_xstr(doc, "string(//testcase[5]/@name)", "p95 < 1s");
    assert_xstr(doc, "string(//testcase[6]/@name)", "p95 < 1s [3]");
    assert_xstr(doc, "string(//testcase[7]/@name)", "p95 < 1s [4]");
    assert_xstr(doc, "string(//testcase[8]/@name)", "run [2]");
    s = xstr(doc, "string(//testcase[8]/skipped/@message)");
    assert_int_equal(chars(s), GATE__MESSAGE_MAX);
    free(s);
    done(f);
    free(longname);
    free(longtext);
}

static void test_bad_timestamp_and_path(void **state)
{
    struct fx *f = *state;
    static const char *bad[] = {"2026-02-30T12:00:00Z", "garbage",
                                "2026-01-01T12:00:00+02:00",
                                "2026-01-01 12:00:00", ""};
    struct metrics_results *run = fx_empty_run();
    struct gate_report rep = {0};
    char err[256];

    rep.run = run;
    rep.profile_name = "demo";
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        xmlDocPtr doc;

        free(run->timestamp);
        run->timestamp = strdup(bad[i]);
        doc = write_and_validate(f, &rep);
        /* falls back to the start second */
        assert_xstr(doc, "string(//testsuite/@timestamp)",
                    "2026-01-01T12:00:00");
        xmlFreeDoc(doc);
    }
    free(run->timestamp);
    run->timestamp = strdup("2026-03-04T05:06:07.250Z");
    {
        xmlDocPtr doc = write_and_validate(f, &rep);

        assert_xstr(doc, "string(//testsuite/@timestamp)",
                    "2026-03-04T05:06:07");
        xmlFreeDoc(doc);
    }
    assert_int_equal(
        gate_junit_write(&rep, "/nonexistent-dir/j.xml", err, sizeof(err)),
        GATE_EIO);
    assert_non_null(strstr(err, "/nonexistent-dir/j.xml"));
    metrics_results_free(run);
}

/* A window that is not whole seconds is rounded to 3 decimals (no more:
 * junit-10.xsd's time pattern), the same in the suite and its cases; an
 * unusable one is 0. */
static void test_case_time(void **state)
{
    static const struct {
        double duration;
        const char *want;
    } cases[] = {
        {12.3456, "12.346"}, {0.0004, "0.000"},
        {59.9996, "60.000"}, {1234567.5, "1234567.500"},
        {-3, "0.000"},       {NAN, "0.000"},
        {INFINITY, "0.000"}, {1e300, "1000000000000.000"},
    };
    struct fx *f = *state;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct compare_verdict *v = demo(f, 3);
        xmlDocPtr doc;

        fx_check(v, 0, "ALL", "p95 < 1s", COMPARE_PASS, NULL, "ok", NULL);
        fx_check(v, 1, "GET /api/health", "p95 < 1s", COMPARE_FAIL, NULL,
                 "too slow", NULL);
        fx_check(v, 2, "GET /api/health", "p95 < baseline", COMPARE_SKIPPED,
                 NULL, "no baseline", NULL);
        f->run->duration_s = cases[i].duration;
        doc = junit(f);
        assert_xstr(doc, "string(//testsuite/@time)", cases[i].want);
        assert_xstr(doc, "string(//testcase[1]/@time)", cases[i].want);
        assert_xstr(doc, "string(//testcase[2]/@time)", cases[i].want);
        assert_xstr(doc, "string(//testcase[3]/@time)", "0.000");
        done(f);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_passing_run),
        cmocka_unit_test(test_failing_run),
        cmocka_unit_test(test_error_only),
        cmocka_unit_test(test_skipped_and_inconclusive),
        cmocka_unit_test(test_hostile_names),
        cmocka_unit_test(test_bad_timestamp_and_path),
        cmocka_unit_test(test_case_time),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
