/* The HTML report: well-formed (strict XML and libxml2's HTML parser),
 * self-contained, holds the run's numbers, draws the baseline, downsamples
 * long timelines and escapes hostile names. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>

#include "gate_fixture.h"
#include "gate_internal.h"
#include "gate_xpath.h"
#include "lgtest.h"

static char *render(const struct gate_report *r, size_t *len)
{
    return fx_render(gate_html_write, r, len);
}

/* ---- parsing ------------------------------------------------------------ */

struct errs {
    int count;
    int first_code;
    char first[256];
    bool html; /* ignore the HTML4 parser's "Tag svg invalid" */
};

static void on_error(void *ctx, xmlErrorPtr e)
{
    struct errs *er = ctx;

    if (er->html && e->code == XML_HTML_UNKNOWN_TAG)
        return;
    if (e->level < XML_ERR_ERROR)
        return;
    if (er->count++ == 0) {
        er->first_code = e->code;
        snprintf(er->first, sizeof(er->first), "line %d: %s", e->line,
                 e->message ? e->message : "?");
    }
}

/* Strict XML parse: any error at all fails the test. */
static xmlDocPtr parse_xml(const char *buf, size_t len)
{
    struct errs er = {0};
    xmlDocPtr doc;

    xmlSetStructuredErrorFunc(&er, on_error);
    doc = xmlReadMemory(buf, (int)len, "report.html", "UTF-8", XML_PARSE_NONET);
    xmlSetStructuredErrorFunc(NULL, NULL);
    if (!doc || er.count)
        fail_msg("not well-formed XML (%d errors): %s", er.count, er.first);
    return doc;
}

/* libxml2's HTML parser: no error except tags HTML 4 does not know. */
static void parse_html(const char *buf, size_t len)
{
    struct errs er = {.html = true};
    htmlDocPtr doc;

    xmlSetStructuredErrorFunc(&er, on_error);
    doc =
        htmlReadMemory(buf, (int)len, "report.html", "UTF-8", HTML_PARSE_NONET);
    xmlSetStructuredErrorFunc(NULL, NULL);
    assert_non_null(doc);
    xmlFreeDoc(doc);
    if (er.count)
        fail_msg("HTML parser: %d errors (code %d): %s", er.count,
                 er.first_code, er.first);
}

/* Number of drawing commands (M and L) in a path's d attribute. */
static size_t path_points(const char *d, size_t *moves)
{
    size_t n = 0, m = 0;

    for (; *d; d++) {
        if (*d == 'M')
            m++;
        if (*d == 'M' || *d == 'L')
            n++;
    }
    if (moves)
        *moves = m;
    return n;
}

/* ---- a report with checks ---------------------------------------------- */

struct doc {
    struct metrics_results *run, *base;
    struct compare_verdict *v;
    struct compare_threshold th;
    struct gate_report rep;
    char *html; /* rendered(): the report, */
    size_t len;
    xmlDocPtr xml; /* parsed */
};

static void make(struct doc *d, bool with_base)
{
    memset(d, 0, sizeof(*d));
    d->run = fx_run();
    d->base = with_base ? fx_empty_run() : NULL;
    if (d->base) {
        /* the baseline is faster: p95 20 ms on /api/health */
        struct metrics_endpoint *ep =
            metrics_results_endpoint(d->base, "GET", "/api/health", true);

        assert_non_null(ep);
        fx_record(ep, 600, 8, false);
        fx_record(ep, 350, 20, false);
        fx_record(ep, 50, 40, false);
    }
    d->v = fx_verdict(3);
    fx_check(d->v, 0, "GET /api/health", "p95 < baseline + 10%", COMPARE_FAIL,
             "loadgate.regression",
             "p95 = 25.0 ms, limit < 22.0 ms (baseline 20.0 ms + 10%)", NULL);
    fx_at(d->v, 0, &d->th, METRICS_STAT_P95, "perf/demo.yaml", 12);
    fx_measured(d->v, 0, 1320.4, 1078.2, 980.2, 34.7);
    fx_check(d->v, 1, "ALL", "error_rate < 5%", COMPARE_PASS, NULL, NULL, NULL);
    fx_check(d->v, 2, "GET /api/agents", "p99 < 20ms", COMPARE_SKIPPED, NULL,
             "endpoint not in baseline 'main'", NULL);
    d->rep.run = d->run;
    d->rep.baseline = d->base;
    d->rep.baseline_name = with_base ? "main" : NULL;
    d->rep.verdict = d->v;
    d->rep.profile_name = "demo";
    d->rep.profile_path = "perf/demo.yaml";
}

/* The report of d rendered and parsed strictly (unmake frees both). */
static xmlDocPtr rendered(struct doc *d)
{
    d->html = render(&d->rep, &d->len);
    d->xml = parse_xml(d->html, d->len);
    return d->xml;
}

static void unmake(struct doc *d)
{
    if (d->xml)
        xmlFreeDoc(d->xml);
    free(d->html);
    fx_verdict_free(d->v);
    metrics_results_free(d->run);
    metrics_results_free(d->base);
}

/* ---- tests ----------------------------------------------------------------
 */

static void test_well_formed(void **state)
{
    static const struct {
        bool base, verdict, run, error;
    } cases[] = {
        {true, true, true, false},   {false, true, true, false},
        {false, false, true, false}, {false, false, false, true},
        {true, true, true, true},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct doc d;
        xmlDocPtr doc;

        make(&d, cases[i].base);
        if (!cases[i].verdict)
            d.rep.verdict = NULL;
        if (!cases[i].run)
            d.rep.run = NULL;
        if (cases[i].error)
            d.rep.error_reason = "baseline 'main' not found";
        doc = rendered(&d);
        assert_true(d.len > 500);
        assert_int_equal(strncmp(d.html, "<!DOCTYPE html>", 15), 0);
        parse_html(d.html, d.len);
        assert_xstr(doc, "local-name(/*)", "html");
        /* the headline names the verdict */
        assert_xstr(doc, "normalize-space(//h:h1/h:span)",
                    cases[i].error || !cases[i].run ? "? ERROR"
                    : cases[i].verdict              ? "✗ FAIL"
                                                    : "✓ PASS");
        if (cases[i].error)
            assert_true(xnum(doc, "count(//h:p[@class='error' and "
                                  "contains(., \"baseline 'main' not "
                                  "found\")])") == 1);
        unmake(&d);
    }
}

static void test_self_contained(void **state)
{
    struct doc d;
    char *html;
    xmlDocPtr doc;

    (void)state;
    make(&d, true);
    doc = rendered(&d);
    html = d.html;
    /* no attribute anywhere points at the network */
    assert_int_equal(xnum(doc, "count(//@*[(local-name()='src' or "
                               "local-name()='href') and "
                               "(contains(., 'http://') or "
                               "contains(., 'https://') or "
                               "starts-with(., '//'))])"),
                     0);
    assert_int_equal(xnum(doc, "count(//h:script[@src])"), 0);
    assert_int_equal(xnum(doc, "count(//h:link)"), 0);
    assert_int_equal(xnum(doc, "count(//h:img)"), 0);
    assert_int_equal(xnum(doc, "count(//h:iframe | //h:object | //h:embed)"),
                     0);
    /* nor does the style sheet */
    assert_null(strstr(html, "@import"));
    assert_null(strstr(html, "url("));
    /* real charts: inline SVG with text, titles and labels */
    assert_true(xnum(doc, "count(//s:svg)") >= 6);
    assert_int_equal(xnum(doc, "count(//s:svg[not(s:title) or "
                               "not(@aria-labelledby) or not(@role='img')])"),
                     0);
    assert_true(xnum(doc, "count(//s:text)") > 50);
    /* every chart has its table in a <details> after it */
    assert_int_equal(xnum(doc, "count(//h:figure[contains(@class,'rate') or "
                               "contains(@class,'dist')])"),
                     xnum(doc, "count(//h:details[@class='data']/h:table)"));
    /* print CSS */
    assert_non_null(strstr(html, "@media print"));
    unmake(&d);
}

static void test_numbers(void **state)
{
    static const char *const names[] = {
        "GET /api/health", "POST /api/agents/{id}/query", "GET /api/agents",
        "GET /api/organisations/{org}/projects/{project}/settings"};
    struct doc d;
    char expr[256], want[64];
    xmlDocPtr doc;

    (void)state;
    make(&d, true);
    doc = rendered(&d);
    /* the endpoint table: the text report's columns and formatting */
    for (size_t i = 0; i < d.run->n_endpoints; i++) {
        static const enum metrics_stat cols[] = {
            METRICS_STAT_P50, METRICS_STAT_P95, METRICS_STAT_P99};
        const struct metrics_endpoint *ep = d.run->endpoints[i];

        for (size_t k = 0; k < 3; k++) {
            double v;

            assert_int_equal(metrics_value(d.run, ep, cols[k], &v), 0);
            gate__fmt_ms(v, want, sizeof(want));
            snprintf(expr, sizeof(expr),
                     "string(//h:table[contains(@class,'endpoints')]/h:tbody/"
                     "h:tr[%zu]/h:td[%zu])",
                     i + 1, k + 3);
            assert_xstr(doc, expr, want);
        }
    }
    /* the fixture's p95 of /api/health is 25 ms: "25" */
    assert_xstr(doc,
                "string(//h:table[contains(@class,'endpoints')]/h:tbody/"
                "h:tr[1]/h:td[4])",
                "25");
    assert_xstr(doc,
                "string(//h:table[contains(@class,'endpoints')]/h:tbody/"
                "h:tr[1]/h:td[8])",
                "20");
    /* one chart section per endpoint, named, plus the whole run */
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        snprintf(expr, sizeof(expr),
                 "count(//h:section[@class='endpoint']/h:h3[.='%s'])",
                 names[i]);
        assert_int_equal(xnum(doc, expr), 1);
    }
    assert_int_equal(xnum(doc, "count(//h:section[@class='endpoint'])"), 5);
    /* the failed check first, with measured, limit, baseline, delta */
    assert_xstr(doc,
                "normalize-space(//h:table[@class='checks']/h:tbody/"
                "h:tr[1]/h:td[1])",
                "✗ FAIL");
    assert_xstr(doc,
                "string(//h:table[@class='checks']/h:tbody/h:tr[1]/"
                "h:td[4])",
                "1320.4 ms");
    assert_xstr(doc,
                "string(//h:table[@class='checks']/h:tbody/h:tr[1]/"
                "h:td[5])",
                "< 1078.2 ms");
    assert_xstr(doc,
                "string(//h:table[@class='checks']/h:tbody/h:tr[1]/"
                "h:td[6])",
                "980.2 ms");
    assert_xstr(doc,
                "string(//h:table[@class='checks']/h:tbody/h:tr[1]/"
                "h:td[7])",
                "+34.7%");
    assert_xstr(doc,
                "normalize-space(//h:table[@class='checks']/h:tbody/"
                "h:tr[3]/h:td[1])",
                "– SKIPPED");
    /* metadata and recommendations */
    assert_true(xnum(doc, "count(//h:dl[@class='meta']/h:dd[.='ab12'])") == 1);
    assert_xstr(doc,
                "string(//h:section[@id='recommendations']/h:ol/"
                "h:li[2])",
                "Add a check for GET /api/agents.");
    unmake(&d);
}

static void test_baseline_lines(void **state)
{
    static const struct {
        bool base;
        double lines; /* dashed baseline lines in the latency charts */
        double dists; /* baseline curves in the distribution charts */
    } cases[] = {
        /* the baseline has /api/health only, and so the whole run: two
         * sections with three lines each */
        {true, 6, 2},
        {false, 0, 0},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct doc d;
        char *y, want[64];
        xmlDocPtr doc;
        double p95;

        make(&d, cases[i].base);
        doc = rendered(&d);
        assert_int_equal(xnum(doc, "count(//s:line[contains(@class,"
                                   "'base-line')])"),
                         cases[i].lines);
        assert_int_equal(xnum(doc, "count(//s:line[contains(@class,"
                                   "'base-line') and "
                                   "not(@stroke-dasharray)])"),
                         0);
        assert_int_equal(
            xnum(doc, "count(//s:path[contains(@class,'base-dist')])"),
            cases[i].dists);
        if (cases[i].base) {
            /* the label gives the baseline's p95, and the line is level */
            assert_int_equal(metrics_value(d.base, d.base->endpoints[0],
                                           METRICS_STAT_P95, &p95),
                             0);
            gate__fmt_ms(p95, want, sizeof(want));
            assert_string_equal(want, "20");
            assert_int_equal(xnum(doc,
                                  "count(//h:section[h:h3='GET /api/health']//"
                                  "s:text[@class='base-label' and "
                                  ".='base p95 20 ms'])"),
                             1);
            y = xstr(doc, "string(//h:section[h:h3='GET /api/health']//"
                          "s:line[contains(@class,'base-p95')]/@y1)");
            assert_xstr(doc,
                        "string(//h:section[h:h3='GET /api/health']//"
                        "s:line[contains(@class,'base-p95')]/@y2)",
                        y);
            free(y);
            /* the endpoint the baseline lacks says so */
            assert_int_equal(xnum(doc,
                                  "count(//h:section[h:h3='GET /api/agents']/"
                                  "h:p[.='Not in the baseline.'])"),
                             1);
        }
        unmake(&d);
    }
}

/* A run of one endpoint with one request per second for `seconds`
 * seconds, latency growing with the second (so windows differ). */
static struct metrics_results *long_run(int64_t seconds, int64_t gap_from,
                                        int64_t gap_to)
{
    struct metrics_results *r = fx_empty_run();
    struct metrics_endpoint *ep =
        metrics_results_endpoint(r, "GET", "/long", true);

    assert_non_null(ep);
    r->duration_s = (double)seconds;
    for (int64_t s = 0; s < seconds; s++) {
        if (s >= gap_from && s < gap_to)
            continue;
        assert_int_equal(
            metrics_endpoint_record(
                ep, FX_START + s, true, (uint64_t)(1000 + 10 * s), 200,
                s % 7 == 0 ? METRICS_ERR_HTTP_5XX : METRICS_ERR_NONE),
            0);
    }
    return r;
}

static void test_downsample(void **state)
{
    static const struct {
        int64_t seconds;
        uint64_t bucket;
        size_t n;
    } cases[] = {
        {1, 1, 1},      {599, 1, 599},   {600, 1, 600},  {601, 2, 301},
        {3600, 6, 600}, {7200, 12, 600}, {3601, 7, 515},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct metrics_results *r = long_run(cases[i].seconds, -1, -1);
        struct gate__tl_point *pts = NULL;
        size_t n = 0;
        uint64_t bucket = 0, reqs = 0, errs = 0;

        assert_int_equal(gate__html_timeline(r->endpoints[0], r->start_second,
                                             GATE__HTML_MAX_POINTS, &pts, &n,
                                             &bucket),
                         0);
        if (n != cases[i].n || bucket != cases[i].bucket)
            fail_msg("%lld s: %zu points of %llu s, want %zu of %llu",
                     (long long)cases[i].seconds, n, (unsigned long long)bucket,
                     cases[i].n, (unsigned long long)cases[i].bucket);
        for (size_t k = 0; k < n; k++) {
            reqs += pts[k].requests;
            errs += pts[k].errors;
        }
        /* merging loses no request */
        assert_int_equal(reqs, cases[i].seconds);
        assert_int_equal(errs, r->endpoints[0]->errors);
        /* a merged window's p99 is its largest latency here (few
         * samples): the last second of the window, exact below 256 us
         * steps of 0.4 % */
        if (cases[i].bucket > 1) {
            double want =
                (1000.0 + 10.0 * (double)(cases[i].bucket - 1)) / 1000.0;

            assert_true(fabs(pts[0].p99 - want) <= want * 0.005);
            assert_true(pts[0].p50 < pts[0].p99);
            assert_int_equal(pts[0].samples, cases[i].bucket);
        }
        free(pts);
        metrics_results_free(r);
    }
}

static void test_downsample_document(void **state)
{
    struct metrics_results *r = long_run(3600, -1, -1);
    struct gate_report rep = {0};
    char *html, *d;
    size_t len;
    xmlDocPtr doc;

    (void)state;
    rep.run = r;
    rep.profile_name = "long";
    html = render(&rep, &len);
    doc = parse_xml(html, len);
    for (int s = 0; s < 3; s++) {
        static const char *const exprs[] = {
            "string(//s:path[contains(@class,'run-p50')]/@d)",
            "string(//s:path[contains(@class,'run-p95')]/@d)",
            "string(//s:path[contains(@class,'run-p99')]/@d)"};

        d = xstr(doc, exprs[s]);
        assert_true(path_points(d, NULL) <= GATE__HTML_MAX_POINTS);
        assert_true(path_points(d, NULL) >= GATE__HTML_MAX_POINTS - 1);
        free(d);
    }
    assert_int_equal(
        xnum(doc, "count(//h:details[@class='data']/h:table/h:tbody/h:tr)"),
        600 + 9);
    /* a long run stays a reasonable size */
    assert_true(len < 400 * 1024);
    assert_non_null(strstr(html, "each row merges 6 seconds"));
    xmlFreeDoc(doc);
    free(html);
    metrics_results_free(r);
}

static void test_gap_breaks_lines(void **state)
{
    struct metrics_results *r = long_run(60, 20, 30);
    struct gate_report rep = {0};
    char *html, *d;
    size_t len, moves;
    xmlDocPtr doc;

    (void)state;
    rep.run = r;
    html = render(&rep, &len);
    doc = parse_xml(html, len);
    d = xstr(doc, "string(//s:path[contains(@class,'run-p95')]/@d)");
    /* 50 seconds with samples, in two runs of points */
    assert_int_equal(path_points(d, &moves), 50);
    assert_int_equal(moves, 2);
    free(d);
    xmlFreeDoc(doc);
    free(html);
    metrics_results_free(r);
}

static void test_hostile_names(void **state)
{
    static const char evil[] =
        "/x</h3><script>alert(1)</script>\"'&amp;\x01\x1b[31m\xff\xfe<!--";
    struct metrics_results *run = fx_run();
    struct compare_verdict *v = fx_verdict(1);
    struct gate_report rep = {0};
    char *html, *want, *got, expr[256];
    size_t len;
    xmlDocPtr doc;

    (void)state;
    fx_add(run, "GE\"T", evil, 20, 5, false);
    fx_check(v, 0, "GE\"T /x</h3><script>", "p95 < 1s<script>", COMPARE_FAIL,
             "loadgate.threshold", "<b>bold</b> & \x07", "<pre>\x01</pre>");
    assert_int_equal(
        metrics_results_add_recommendation(run, "<img src=http://evil/x.png>"),
        0);
    rep.run = run;
    rep.verdict = v;
    rep.profile_name = "de<mo>\"";
    rep.profile_path = "perf/<x>.yaml";
    rep.error_reason = "</p><script>x</script>";
    html = render(&rep, &len);
    doc = parse_xml(html, len);
    parse_html(html, len);
    /* the only script is the report's own, the only h3 are ours */
    assert_int_equal(xnum(doc, "count(//h:script)"), 1);
    assert_int_equal(xnum(doc, "count(//h:img)"), 0);
    assert_int_equal(xnum(doc, "count(//h:b[.='bold'])"), 0);
    assert_int_equal(xnum(doc, "count(//h:section[@class='endpoint']/h:h3)"),
                     6);
    /* the name reads back as its cleaned self */
    want = gate__clean_str(evil, GATE__CLEAN_COLLAPSE, 300);
    assert_non_null(want);
    got = xstr(doc, "string(//h:table[contains(@class,'endpoints')]/"
                    "h:tbody/h:tr[5]/h:td[2])");
    assert_string_equal(got, want);
    free(got);
    snprintf(expr, sizeof(expr), "count(//s:title[contains(., '%s')])",
             "alert(1)");
    assert_int_equal(xnum(doc, expr), 3);
    /* could not judge comes before a failed check, as in the exit code */
    assert_xstr(doc, "string(//h:title)", "loadgate ERROR — de<mo>\"");
    free(want);
    xmlFreeDoc(doc);
    free(html);
    fx_verdict_free(v);
    metrics_results_free(run);
}

static void test_summary_only_endpoint(void **state)
{
    /* an imported document: percentiles without histogram or timeline */
    struct metrics_results *run = fx_empty_run();
    struct metrics_endpoint *ep =
        metrics_results_endpoint(run, "GET", "/imported", true);
    struct gate_report rep = {0};
    char *html;
    size_t len;
    xmlDocPtr doc;

    (void)state;
    assert_non_null(ep);
    ep->requests = 500;
    ep->scalars.present = true;
    ep->scalars.has_p50 = ep->scalars.has_p95 = ep->scalars.has_p99 = true;
    ep->scalars.p50_ms = 12;
    ep->scalars.p95_ms = 40;
    ep->scalars.p99_ms = 95;
    rep.run = run;
    html = render(&rep, &len);
    doc = parse_xml(html, len);
    assert_int_equal(xnum(doc, "count(//h:p[@class='nodata' and "
                               "starts-with(., 'No per-second')])"),
                     2);
    /* the distribution shows the three known percentiles as points */
    assert_int_equal(xnum(doc, "count(//h:figure[contains(@class,'dist')]//"
                               "s:circle)"),
                     3);
    assert_xstr(doc,
                "string(//h:details[@class='data']/h:table/h:tbody/"
                "h:tr[h:th='p95']/h:td[1])",
                "40");
    xmlFreeDoc(doc);
    free(html);
    metrics_results_free(run);
}

/* Seconds far apart (a hostile or corrupt document): no overflow, no
 * more than 600 windows, nothing lost, and the report still renders. */
static void test_extreme_seconds(void **state)
{
    static const int64_t pairs[][2] = {
        {INT64_MIN + 1, INT64_MAX},
        {-5, 5},
        {0, INT64_MAX},
        {FX_START, FX_START + INT64_C(100000000000)},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
        struct metrics_results *r = fx_empty_run();
        struct metrics_endpoint *ep =
            metrics_results_endpoint(r, "GET", "/odd", true);
        struct gate__tl_point *pts = NULL;
        struct gate_report rep = {0};
        size_t n = 0;
        uint64_t bucket = 0, reqs = 0;
        char *html;
        size_t len;
        xmlDocPtr doc;

        assert_non_null(ep);
        for (size_t k = 0; k < 2; k++)
            assert_int_equal(metrics_endpoint_record(ep, pairs[i][k], true,
                                                     5000 * (k + 1), 200,
                                                     METRICS_ERR_NONE),
                             0);
        assert_int_equal(gate__html_timeline(ep, r->start_second,
                                             GATE__HTML_MAX_POINTS, &pts, &n,
                                             &bucket),
                         0);
        assert_true(n >= 2 && n <= GATE__HTML_MAX_POINTS);
        for (size_t k = 0; k < n; k++)
            reqs += pts[k].requests;
        assert_int_equal(reqs, 2);
        assert_int_equal(pts[0].samples, 1);
        assert_int_equal(pts[n - 1].samples, 1);
        free(pts);
        rep.run = r;
        html = render(&rep, &len);
        doc = parse_xml(html, len);
        xmlFreeDoc(doc);
        free(html);
        metrics_results_free(r);
    }
}

static void test_write_error(void **state)
{
    struct doc d;
    FILE *f = fopen("/dev/full", "w");

    (void)state;
    if (!f)
        skip();
    make(&d, false);
    assert_int_equal(gate_html_write(&d.rep, f), GATE_EIO);
    fclose(f);
    assert_int_equal(gate_html_write(NULL, stdout), GATE_EIO);
    unmake(&d);
}

static void test_escape(void **state)
{
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"plain", "plain"},     {"a<b>&\"c'", "a&lt;b&gt;&amp;&quot;c&#39;"},
        {"&amp;", "&amp;amp;"}, {"", ""},
        {"ü<", "ü&lt;"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct mem m;

        mem_open(&m);
        gate__html_puts(m.f, cases[i].in, strlen(cases[i].in));
        assert_string_equal(mem_close(&m), cases[i].want);
        free(m.text);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escape),
        cmocka_unit_test(test_well_formed),
        cmocka_unit_test(test_self_contained),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_baseline_lines),
        cmocka_unit_test(test_downsample),
        cmocka_unit_test(test_downsample_document),
        cmocka_unit_test(test_gap_breaks_lines),
        cmocka_unit_test(test_hostile_names),
        cmocka_unit_test(test_summary_only_endpoint),
        cmocka_unit_test(test_extreme_seconds),
        cmocka_unit_test(test_write_error),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);

    xmlCleanupParser();
    return rc;
}
