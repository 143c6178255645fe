/* XPath over a report parsed by libxml2, for the HTML and JUnit tests:
 * the prefixes h (XHTML) and s (SVG) are known.  A bad expression fails
 * the test. */
#ifndef LOADGATE_GATE_XPATH_H
#define LOADGATE_GATE_XPATH_H

#include <libxml/parser.h>
#include <libxml/xpath.h>

#define XHTML_NS "http://www.w3.org/1999/xhtml"
#define SVG_NS "http://www.w3.org/2000/svg"

/** expr evaluated on doc (free it with xmlXPathFreeObject). */
xmlXPathObjectPtr xeval(xmlDocPtr doc, const char *expr);
/** number(expr). */
double xnum(xmlDocPtr doc, const char *expr);
/** string(expr), malloc'd. */
char *xstr(xmlDocPtr doc, const char *expr);
/** Fails the test unless string(expr) is want. */
void assert_xstr(xmlDocPtr doc, const char *expr, const char *want);

#endif
