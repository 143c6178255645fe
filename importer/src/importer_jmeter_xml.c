/*
 * importer: JMeter's XML JTL (jmeter.save.saveservice.output_format=xml):
 *
 *   <testResults version="1.2">
 *   <httpSample t="12" lt="10" ts="1700000000000" s="true" lb="GET /x"
 *               rc="200" rm="OK" tn="users 1-1" ng="3" na="3" .../>
 *   <sample t="30" ... lb="checkout">        (a transaction, or any
 *     <httpSample .../> ...                   non-HTTP sampler)
 *   </sample>
 *   </testResults>
 *
 * Each child of <testResults> is one sample, as one line of a CSV JTL is;
 * the samples nested in it (redirects followed, embedded resources, a
 * transaction's samplers) are its sub-results, already in its time, and
 * are not counted again.
 *
 * libxml2 reads the document as a stream (SAX): no tree is built, nothing
 * is fetched from the network (XML_PARSE_NONET), no DTD is loaded and no
 * entity is substituted.  JMeter writes no document type declaration, so a
 * document with one is refused as soon as it starts, before any entity is
 * declared (no billion laughs, no external entities).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/SAX2.h>
#include <libxml/parser.h>
#include <libxml/xmlerror.h>

#include "importer_internal.h"

/* The attributes JMeter writes for the CSV columns of importer__jm_names. */
static const char *const attr_names[IMPORTER__JM__COUNT] = {
    [IMPORTER__JM_TIMESTAMP] = "ts",   [IMPORTER__JM_ELAPSED] = "t",
    [IMPORTER__JM_LABEL] = "lb",       [IMPORTER__JM_CODE] = "rc",
    [IMPORTER__JM_MESSAGE] = "rm",     [IMPORTER__JM_SUCCESS] = "s",
    [IMPORTER__JM_GRP_THREADS] = "ng", [IMPORTER__JM_ALL_THREADS] = "na",
};

/* Bytes handed to libxml2 at a time (its lengths are ints). */
#define CHUNK (1 << 20)

struct xml_state {
    const struct importer__err *e;
    struct importer__jm *jm;
    xmlParserCtxtPtr ctxt;
    int depth; /* of the element being read; the root is 1 */
    bool root;
    int rc; /* the first error, 0 until then */
};

static size_t line_now(const struct xml_state *st)
{
    long line = xmlSAX2GetLineNumber(st->ctxt);

    return line > 0 ? (size_t)line : 0;
}

/* Keeps the first error and stops the parser. */
static void stop(struct xml_state *st, int rc)
{
    if (!st->rc)
        st->rc = rc;
    xmlStopParser(st->ctxt);
}

static void on_doctype(void *ctx, const xmlChar *name, const xmlChar *public_id,
                       const xmlChar *system_id)
{
    struct xml_state *st = ctx;

    (void)name;
    (void)public_id;
    (void)system_id;
    if (st->rc)
        return;
    stop(st, importer__errorf(st->e, line_now(st), 0,
                              "a document type declaration (<!DOCTYPE>): "
                              "JMeter's XML JTL has none, and DTDs and "
                              "entities are not read"));
}

static void on_entity(void *ctx, const xmlChar *name, int type,
                      const xmlChar *public_id, const xmlChar *system_id,
                      xmlChar *content)
{
    (void)name;
    (void)type;
    (void)public_id;
    (void)system_id;
    (void)content;
    on_doctype(ctx, NULL, NULL, NULL);
}

/* libxml2's own errors (not well-formed, too deep, ...): the first one. */
static void on_error(void *ctx, xmlErrorPtr err)
{
    struct xml_state *st = ctx;
    char msg[200];
    size_t n;

    if (st->rc || !err || err->level < XML_ERR_ERROR)
        return;
    if (err->code == XML_ERR_DOCUMENT_END && st->depth > 0) {
        st->rc =
            importer__errorf(st->e, err->line > 0 ? (size_t)err->line : 0, 0,
                             "the document ends inside <testResults>: "
                             "the file is cut short");
        return;
    }
    snprintf(msg, sizeof(msg), "%s", err->message ? err->message : "error");
    n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
        msg[--n] = '\0';
    st->rc = importer__errorf(st->e, err->line > 0 ? (size_t)err->line : 0,
                              err->int2 > 0 ? (size_t)err->int2 : 0,
                              "not well-formed XML: %s", msg);
}

/* An attribute's value, NUL-terminated.  Without entity substitution
 * libxml2 hands "&amp;" and "&#38;" over as "&#38;" (every other
 * reference is replaced): put the "&" back. */
static char *attr_value(const xmlChar *start, const xmlChar *end)
{
    size_t len = (size_t)(end - start), o = 0;
    char *v = malloc(len + 1);

    if (!v)
        return NULL;
    for (size_t i = 0; i < len; i++) {
        if (start[i] == '&' && len - i >= 5 &&
            memcmp(start + i, "&#38;", 5) == 0) {
            v[o++] = '&';
            i += 4;
            continue;
        }
        v[o++] = (char)start[i];
    }
    v[o] = '\0';
    return v;
}

static void sample(struct xml_state *st, const char *element, int n_attrs,
                   const xmlChar **attrs)
{
    char *v[IMPORTER__JM__COUNT] = {0};
    enum importer__jm_field bad;
    const char *expected;
    int rc = 0;

    for (int i = 0; i < n_attrs && !rc; i++) {
        const xmlChar **a = attrs + 5 * i; /* name, prefix, URI, start, end */

        if (a[1])
            continue;
        for (int k = 0; k < IMPORTER__JM__COUNT; k++) {
            if (strcmp((const char *)a[0], attr_names[k]) != 0 || v[k])
                continue;
            if (!(v[k] = attr_value(a[3], a[4])))
                rc = IMPORTER_ENOMEM;
            break;
        }
    }
    if (!rc)
        rc = importer__jm_sample(st->jm, (const char *const *)v, &bad,
                                 &expected);
    if (rc == IMPORTER_EPARSE) {
        if (!v[bad])
            rc = importer__errorf(st->e, line_now(st), 0,
                                  "<%s> without attribute %s (%s)", element,
                                  attr_names[bad], importer__jm_names[bad]);
        else
            rc = importer__errorf(st->e, line_now(st), 0,
                                  "<%s> attribute %s (%s): expected %s, "
                                  "found '%.40s'",
                                  element, attr_names[bad],
                                  importer__jm_names[bad], expected, v[bad]);
    }
    for (int k = 0; k < IMPORTER__JM__COUNT; k++)
        free(v[k]);
    if (rc)
        stop(st, rc);
}

static void on_start(void *ctx, const xmlChar *name, const xmlChar *prefix,
                     const xmlChar *uri, int n_namespaces,
                     const xmlChar **namespaces, int n_attrs, int n_defaulted,
                     const xmlChar **attrs)
{
    struct xml_state *st = ctx;
    const char *element = (const char *)name;

    (void)prefix;
    (void)uri;
    (void)n_namespaces;
    (void)namespaces;
    (void)n_defaulted;
    st->depth++;
    if (st->rc)
        return;
    if (st->depth == 1) {
        st->root = true;
        if (strcmp(element, "testResults") != 0)
            stop(st, importer__errorf(st->e, line_now(st), 0,
                                      "root element <%.40s>: not a JMeter "
                                      "XML JTL (<testResults>)",
                                      element));
        return;
    }
    /* samples nested deeper are sub-results of the one at depth 2 */
    if (st->depth == 2 &&
        (strcmp(element, "httpSample") == 0 || strcmp(element, "sample") == 0))
        sample(st, element, n_attrs, attrs);
}

static void on_end(void *ctx, const xmlChar *name, const xmlChar *prefix,
                   const xmlChar *uri)
{
    struct xml_state *st = ctx;

    (void)name;
    (void)prefix;
    (void)uri;
    st->depth--;
}

int importer__jmeter_xml(const char *text, size_t len,
                         const struct importer__err *e, struct importer__jm *jm)
{
    struct xml_state st = {e, jm, NULL, 0, false, 0};
    xmlSAXHandler sax;
    size_t off;

    memset(&sax, 0, sizeof(sax));
    sax.initialized = XML_SAX2_MAGIC;
    sax.startElementNs = on_start;
    sax.endElementNs = on_end;
    sax.internalSubset = on_doctype;
    sax.externalSubset = on_doctype;
    sax.entityDecl = on_entity;
    sax.serror = on_error;

    xmlInitParser();
    /* the first bytes tell libxml2 the encoding */
    off = len < 4 ? len : 4;
    st.ctxt = xmlCreatePushParserCtxt(&sax, &st, text, (int)off, e->name);
    if (!st.ctxt)
        return IMPORTER_ENOMEM;
    /* no XML_PARSE_NOENT, XML_PARSE_DTDLOAD, XML_PARSE_HUGE: entities are
     * not substituted, no DTD is loaded, libxml2's limits hold */
    xmlCtxtUseOptions(st.ctxt, XML_PARSE_NONET | XML_PARSE_NOERROR |
                                   XML_PARSE_NOWARNING);
    for (;;) {
        size_t n = len - off < CHUNK ? len - off : CHUNK;
        int last = off + n == len;

        if (xmlParseChunk(st.ctxt, text + off, (int)n, last) != 0 && !st.rc)
            st.rc =
                importer__errorf(e, line_now(&st), 0, "not well-formed XML");
        off += n;
        if (st.rc || last)
            break;
    }
    if (!st.rc && !st.root)
        st.rc = importer__errorf(e, 0, 0,
                                 "no element: expected a JMeter XML JTL "
                                 "(<testResults>)");
    xmlFreeParserCtxt(st.ctxt);
    return st.rc;
}
