/*
 * importer: which tool wrote a results file, told from its content
 * (`--from auto`, the default of `loadgate gate`).
 *
 * JSON is recognised by the members each tool writes; text by its first
 * line.  A JSON document no tool wrote, broken JSON included, is handed
 * to loadgate's own reader, whose messages say what is wrong with it as
 * `loadgate gate RESULTS` always did.
 */
#include <string.h>

#include "importer_internal.h"

json_t *importer__json_first(const char *text, size_t len)
{
    json_error_t jerr;
    char c = importer__first_char(text, len);

    if (c != '{' && c != '[')
        return NULL;
    /* the first value only: one line of JSON lines, or the document */
    return json_loadb(text, len,
                      JSON_DISABLE_EOF_CHECK | JSON_REJECT_DUPLICATES, &jerr);
}

static bool has_object(json_t *v, const char *key)
{
    return json_is_object(json_object_get(v, key));
}

static bool has_number(json_t *v, const char *key)
{
    return json_is_number(json_object_get(v, key));
}

bool importer__is_k6_line(json_t *v)
{
    const char *type = json_string_value(json_object_get(v, "type"));

    return json_is_object(v) && type &&
           (strcmp(type, "Point") == 0 || strcmp(type, "Metric") == 0) &&
           json_is_string(json_object_get(v, "metric")) &&
           has_object(v, "data");
}

bool importer__is_vegeta_result(json_t *v)
{
    return json_is_object(v) && has_number(v, "code") &&
           has_number(v, "latency") &&
           json_is_string(json_object_get(v, "timestamp"));
}

/* The tool a JSON document (or its first line) comes from. */
static int detect_json(json_t *v)
{
    const char *schema = json_string_value(json_object_get(v, "schema"));
    json_t *metrics = json_object_get(v, "metrics");
    json_t *stats = json_object_get(v, "stats");

    if (!json_is_object(v))
        return IMPORTER_LOADGATE;
    if (schema && strncmp(schema, "loadgate/", 9) == 0)
        return IMPORTER_LOADGATE;
    if (importer__is_k6_line(v))
        return IMPORTER_K6;
    if (importer__is_vegeta_result(v) ||
        (has_object(v, "latencies") && has_object(v, "status_codes")))
        return IMPORTER_VEGETA;
    if (json_is_object(metrics) &&
        (json_object_get(metrics, "http_reqs") ||
         json_object_get(metrics, "http_req_duration") ||
         json_object_get(metrics, "iterations")))
        return IMPORTER_K6;
    if (has_object(v, "aggregate") &&
        has_object(json_object_get(v, "aggregate"), "counters"))
        return IMPORTER_ARTILLERY;
    if (has_object(v, "latency") && has_object(v, "requests") &&
        (json_object_get(v, "connections") || json_object_get(v, "url")))
        return IMPORTER_AUTOCANNON;
    if (json_is_object(stats) && has_object(stats, "numberOfRequests") &&
        json_object_get(v, "contents"))
        return IMPORTER_GATLING;
    return IMPORTER_LOADGATE;
}

/* The first line of text, NUL-terminated in buf (cut at its size). */
static void first_line(const char *text, size_t len, char *buf, size_t size)
{
    size_t i = 0, n = 0;

    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        i = 3;
    while (i < len && (text[i] == '\n' || text[i] == '\r'))
        i++;
    for (; i < len && text[i] != '\n' && text[i] != '\r' && n + 1 < size; i++)
        buf[n++] = text[i];
    buf[n] = '\0';
}

/* Fields of a CSV header line, without quotes: ",name," anywhere. */
static bool has_column(const char *line, const char *name)
{
    size_t n = strlen(name);

    for (const char *p = line; (p = strstr(p, name)) != NULL; p++) {
        bool start = p == line || p[-1] == ',' || p[-1] == '"';
        bool end = p[n] == '\0' || p[n] == ',' || p[n] == '"';

        if (start && end)
            return true;
    }
    return false;
}

static bool contains(const char *text, size_t len, const char *needle)
{
    size_t n = strlen(needle);

    for (size_t i = 0; i + n <= len; i++)
        if (text[i] == needle[0] && memcmp(text + i, needle, n) == 0)
            return true;
    return false;
}

/* wrk's report: "Running 10s test @ URL" then "N requests in Ts". */
static bool is_wrk(const char *text, size_t len)
{
    static const char run[] = "Running ";
    size_t i = 0;

    while (i < len && (text[i] == ' ' || text[i] == '\n' || text[i] == '\r'))
        i++;
    if (len - i < sizeof(run) - 1 || memcmp(text + i, run, sizeof(run) - 1))
        return false;
    return contains(text, len, " test @ ") &&
           contains(text, len, " requests in ");
}

int importer_detect(const char *text, size_t len)
{
    char line[1024], c;
    json_t *v;
    int f;

    if (!text)
        return -1;
    c = importer__first_char(text, len);
    if (c == '{' || c == '[') {
        v = importer__json_first(text, len);
        f = detect_json(v);
        json_decref(v);
        return f;
    }
    if (c == '<')
        return IMPORTER_JMETER; /* an XML JTL, or the JTL reader says why
                                   not */
    if (c == '\0')
        return -1;
    first_line(text, len, line, sizeof(line));
    if (strncmp(line, "RUN\t", 4) == 0 || strncmp(line, "ASSERTION\t", 10) == 0)
        return IMPORTER_GATLING;
    if (has_column(line, "response-time") && has_column(line, "DNS+dialup"))
        return IMPORTER_HEY;
    if (has_column(line, "Request Count") && has_column(line, "Name"))
        return IMPORTER_LOCUST;
    if (has_column(line, "timeStamp") && has_column(line, "elapsed"))
        return IMPORTER_JMETER;
    /* a JTL without its header line: "1700000000000,12,label,..." */
    if (strlen(line) > 14 && line[13] == ',' &&
        strspn(line, "0123456789") == 13)
        return IMPORTER_JMETER;
    if (is_wrk(text, len))
        return IMPORTER_WRK;
    return -1;
}
