#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libxml/xpathInternals.h>

#include "gate_xpath.h"

xmlXPathObjectPtr xeval(xmlDocPtr doc, const char *expr)
{
    xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
    xmlXPathObjectPtr o;

    assert_non_null(ctx);
    xmlXPathRegisterNs(ctx, BAD_CAST "h", BAD_CAST XHTML_NS);
    xmlXPathRegisterNs(ctx, BAD_CAST "s", BAD_CAST SVG_NS);
    o = xmlXPathEvalExpression(BAD_CAST expr, ctx);
    xmlXPathFreeContext(ctx);
    if (!o)
        fail_msg("bad XPath %s", expr);
    return o;
}

double xnum(xmlDocPtr doc, const char *expr)
{
    xmlXPathObjectPtr o = xeval(doc, expr);
    double v = xmlXPathCastToNumber(o);

    xmlXPathFreeObject(o);
    return v;
}

char *xstr(xmlDocPtr doc, const char *expr)
{
    xmlXPathObjectPtr o = xeval(doc, expr);
    xmlChar *s = xmlXPathCastToString(o);
    char *out = strdup((const char *)s);

    xmlFree(s);
    xmlXPathFreeObject(o);
    assert_non_null(out);
    return out;
}

void assert_xstr(xmlDocPtr doc, const char *expr, const char *want)
{
    char *got = xstr(doc, expr);

    if (strcmp(got, want) != 0)
        fail_msg("%s: got '%s', want '%s'", expr, got, want);
    free(got);
}
