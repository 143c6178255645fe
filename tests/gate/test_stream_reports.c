/* Streamed responses in every report: the text report's and the Markdown
 * summary's Streams tables, JUnit properties, the HTML report's section
 * (TTFT and ITL distributions, tokens per second), the JSON verdict's
 * streams, GitLab's custom metrics and GitHub's notice, and none of them
 * for a run without streams. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>

#include "gate_fixture.h"
#include "gate_internal.h"
#include "lgjson.h"

/* fx_run() plus POST /v1/chat: 10 s of 30 streams a second, TTFT 200 ms,
 * 9 gaps of 25 ms, 10 tokens each; 3 a second cut. */
static struct metrics_results *stream_run(void)
{
    struct metrics_results *r = fx_run();
    struct metrics_endpoint *ep =
        metrics_results_endpoint(r, "POST", "/v1/chat", true);

    assert_non_null(ep);
    assert_int_equal(metrics_stream_declare(ep, "one per event", 300, 0), 0);
    for (int s = 0; s < 10; s++)
        for (int i = 0; i < 30; i++) {
            struct metrics_stream_end e;
            bool cut = i < 3;

            assert_int_equal(metrics_stream_gap(ep, FX_START + s, true, 200000),
                             0);
            for (int g = 0; g < 9; g++)
                assert_int_equal(
                    metrics_stream_gap(ep, FX_START + s, false, 25000), 0);
            memset(&e, 0, sizeof(e));
            e.events = e.tokens = 10;
            e.has_tpot = true;
            e.tpot_us = 25000;
            e.has_rate = true;
            e.rate_mtps = 23529;
            e.error = cut;
            e.good = !cut;
            assert_int_equal(metrics_endpoint_record(
                                 ep, FX_START + s, true, 425000, 200,
                                 cut ? METRICS_ERR_STREAM : METRICS_ERR_NONE),
                             0);
            assert_int_equal(metrics_stream_end(ep, FX_START + s, &e), 0);
        }
    return r;
}

typedef int (*writer)(const struct gate_report *r, FILE *out);

static char *render(writer w, const struct metrics_results *run)
{
    struct gate_report rep;

    memset(&rep, 0, sizeof(rep));
    rep.run = run;
    rep.profile_name = "chat";
    return fx_render(w, &rep, NULL);
}

/* What w makes of the streamed run (*t) and of the plain fixed run (*p). */
static void render_pair(writer w, char **t, char **p)
{
    struct metrics_results *r = stream_run(), *plain = fx_run();

    *t = render(w, r);
    *p = render(w, plain);
    metrics_results_free(r);
    metrics_results_free(plain);
}

/* The reports that only add a section of streams: what the streamed run's
 * report holds (has[], up to a NULL) and lacks (lacks, or NULL), and what
 * the plain run's lacks. */
static const struct {
    const char *name;
    writer w;
    const char *has[5];
    const char *lacks, *plain_lacks;
} sections[] = {
    {"text",
     gate_text_write,
     {"\nStreams\n",
      "Endpoint                    TTFT p50 TTFT p95 ITL p50  ITL p99  "
      "TPOT p50 tok/s    good/s   Errors\n",
      "POST /v1/chat               200      200      25       25       25  "
      "     300.0    27.0     30/300\n",
      "POST /v1/chat: tokens: one per event; goodput: streams that ended "
      "well within TTFT ≤ 300 ms"},
     /* one streaming endpoint: no ALL row */
     "\nALL           ",
     "Streams"},
    {"markdown",
     gate_markdown_write,
     {"**Streams**\n\n| Endpoint | TTFT p50 |",
      "| POST /v1/chat | 200 ms | 200 ms | 25 ms | 25 ms | 25 ms | 300.0/s "
      "| 27.0/s | 30 of 300 |"},
     NULL,
     "Streams"},
    {"github",
     gate_github_annotations,
     {"::notice title=loadgate streams (POST /v1/chat)::TTFT p50 200 ms, "
      "p95 200 ms · ITL p50 25 ms, p99 25 ms · TPOT p50 25 ms · 300.0 "
      "tokens/s · goodput 27.0/s · 30 of 300 streams cut or malformed\n"},
     NULL,
     "streams"},
};

static void test_sections(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++) {
        char *t, *p;

        render_pair(sections[i].w, &t, &p);
        for (size_t k = 0; sections[i].has[k]; k++)
            if (!strstr(t, sections[i].has[k]))
                fail_msg("%s: no '%s' in\n%s", sections[i].name,
                         sections[i].has[k], t);
        if (sections[i].lacks && strstr(t, sections[i].lacks))
            fail_msg("%s: '%s' in\n%s", sections[i].name, sections[i].lacks, t);
        if (strstr(p, sections[i].plain_lacks))
            fail_msg("%s: '%s' in the plain run's\n%s", sections[i].name,
                     sections[i].plain_lacks, p);
        free(t);
        free(p);
    }
}

static void test_html(void **state)
{
    char *t, *p;
    xmlDocPtr doc;

    (void)state;
    render_pair(gate_html_write, &t, &p);
    assert_non_null(strstr(t, "<section id=\"streams\">"));
    assert_non_null(strstr(t, "TTFT percentile distribution: POST /v1/chat"));
    assert_non_null(strstr(t, "ITL percentile distribution: POST /v1/chat"));
    assert_non_null(strstr(t, "Tokens per second: POST /v1/chat"));
    assert_non_null(strstr(t, ": TTFT in ms by percentile</caption>"));
    /* still one well-formed document */
    doc = xmlReadMemory(t, (int)strlen(t), "r.html", NULL,
                        XML_PARSE_NONET | XML_PARSE_NOERROR |
                            XML_PARSE_NOWARNING);
    assert_non_null(doc);
    xmlFreeDoc(doc);
    assert_null(strstr(p, "id=\"streams\""));
    assert_null(strstr(p, "TTFT"));
    free(t);
    free(p);
}

static void test_json_verdict(void **state)
{
    char *t, *p;
    json_t *doc, *s;

    (void)state;
    render_pair(gate_json_write, &t, &p);
    doc = json_loads(t, 0, NULL);
    assert_non_null(doc);
    s = json_array_get(json_object_get(doc, "streams"), 0);
    assert_non_null(s);
    assert_jstr(s, "endpoint", "POST /v1/chat");
    assert_jreal(s, "ttft_p95_ms", 200.0);
    assert_int_equal(json_integer_value(json_object_get(s, "stream_errors")),
                     30);
    assert_jreal(s, "slo_ttft_ms", 300.0);
    assert_jstr(s, "token_rule", "one per event");
    json_decref(doc);
    doc = json_loads(p, 0, NULL);
    assert_null(json_object_get(doc, "streams"));
    json_decref(doc);
    free(t);
    free(p);
}

static void test_gitlab_and_junit(void **state)
{
    struct metrics_results *r = stream_run();
    struct gate_report rep;
    char path[] = "/tmp/lg-stream-XXXXXX", err[256], *text;
    int fd = mkstemp(path);
    json_t *doc, *m;
    xmlDocPtr x;
    xmlXPathContextPtr cx;
    xmlXPathObjectPtr o;

    (void)state;
    assert_true(fd >= 0);
    close(fd);
    memset(&rep, 0, sizeof(rep));
    rep.run = r;
    rep.profile_name = "chat";
    assert_int_equal(gate_gitlab_lp_write(&rep, path, err, sizeof(err)), 0);
    doc = json_load_file(path, 0, NULL);
    m = json_object_get(doc, "metrics");
    assert_true(json_real_value(json_object_get(
                    json_object_get(m, "loadgate_ttft"), "p(95)")) == 200.0);
    assert_int_equal(json_integer_value(json_object_get(
                         json_object_get(m, "loadgate_tokens"), "count")),
                     3000);
    assert_int_equal(
        json_integer_value(json_object_get(
            json_object_get(m, "loadgate_stream_errors"), "count")),
        30);
    json_decref(doc);

    assert_int_equal(gate_junit_write(&rep, path, err, sizeof(err)), 0);
    x = xmlReadFile(path, NULL, XML_PARSE_NONET);
    assert_non_null(x);
    cx = xmlXPathNewContext(x);
    o = xmlXPathEvalExpression(
        BAD_CAST "string(//property[@name='loadgate.streams.ttft_p95_ms']"
                 "/@value)",
        cx);
    text = (char *)o->stringval;
    assert_string_equal(text, "200.000");
    xmlXPathFreeObject(o);
    o = xmlXPathEvalExpression(
        BAD_CAST "string(//property[@name='loadgate.streams.stream_errors']"
                 "/@value)",
        cx);
    assert_string_equal((char *)o->stringval, "30.000");
    xmlXPathFreeObject(o);
    xmlXPathFreeContext(cx);
    xmlFreeDoc(x);
    unlink(path);
    metrics_results_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sections),
        cmocka_unit_test(test_html),
        cmocka_unit_test(test_json_verdict),
        cmocka_unit_test(test_gitlab_and_junit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
