/* The client side: fetch a baseline from, or push one to, a baseline
 * service, with libcurl's easy interface. */
#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "metrics.h"
#include "server_internal.h"

#ifndef LOADGATE_VERSION
#define LOADGATE_VERSION "unknown"
#endif

#define TIMEOUT_S 30L
/* A baseline with histograms and timelines is large, but not this large:
 * a hostile or broken server cannot make us hold more. */
#define MAX_RESPONSE ((size_t)256 * 1024 * 1024)

struct buf {
    char *p;
    size_t len, cap;
    bool overflow;
};

bool server_is_url(const char *spec)
{
    return compare_baseline_kind(spec) == COMPARE_BASELINE_URL;
}

static size_t on_data(char *data, size_t size, size_t nmemb, void *userp)
{
    struct buf *b = userp;
    size_t n = size * nmemb;

    if (n > MAX_RESPONSE - b->len) {
        b->overflow = true;
        return 0;
    }
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap != 0 ? b->cap : 16384;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (p == NULL)
            return 0;
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, data, n);
    b->len += n;
    b->p[b->len] = '\0';
    return n;
}

/* The error text of a failed answer: its JSON "error", else its first
 * line, printable and short. */
static void error_text(const struct buf *b, char *out, size_t len)
{
    json_t *doc = NULL;
    const char *msg = NULL;
    size_t n;

    out[0] = '\0';
    if (b->len == 0 || len == 0)
        return;
    doc = json_loadb(b->p, b->len, 0, NULL);
    if (json_is_object(doc) && json_is_string(json_object_get(doc, "error")))
        msg = json_string_value(json_object_get(doc, "error"));
    if (msg == NULL)
        msg = b->p;
    n = strcspn(msg, "\r\n");
    if (n > 200)
        n = 200;
    if (n >= len)
        n = len - 1;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)msg[i];
        out[i] = c < 0x20 || c == 0x7f ? '?' : (char)c;
    }
    out[n] = '\0';
    json_decref(doc);
}

/*
 * One request.  2xx answers leave their body in *resp and return 0;
 * anything else is an error with errbuf filled.
 */
static int perform(const char *method, const char *url, const char *token,
                   const char *body, size_t body_len, struct buf *resp,
                   char *errbuf, size_t errlen)
{
    CURL *curl = NULL;
    struct curl_slist *hdrs = NULL, *h;
    char curl_err[CURL_ERROR_SIZE] = "";
    char shown[512];
    char *auth = NULL;
    long status = 0;
    CURLcode cc;
    int rc;

    server__redact_url(url, shown, sizeof(shown));
    if (!server_is_url(url)) {
        snprintf(errbuf, errlen, "'%s' is not an http:// or https:// URL",
                 shown);
        return SERVER_EINVAL;
    }
    if (token != NULL && token[0] != '\0') {
        for (const char *p = token; *p != '\0'; p++) {
            if ((unsigned char)*p < 0x20 || *p == 0x7f) {
                /* never echo the token itself */
                snprintf(errbuf, errlen,
                         "the token contains control characters");
                return SERVER_EINVAL;
            }
        }
        size_t n = strlen(token) + sizeof("Authorization: Bearer ");
        auth = malloc(n);
        if (auth == NULL)
            return SERVER_ENOMEM;
        snprintf(auth, n, "Authorization: Bearer %s", token);
    }

    curl = curl_easy_init();
    if (curl == NULL) {
        rc = SERVER_ENOMEM;
        goto out;
    }
    h = curl_slist_append(hdrs, "Accept: application/json");
    if (h != NULL)
        hdrs = h;
    if (h != NULL && body != NULL) {
        h = curl_slist_append(hdrs, "Content-Type: application/json");
        if (h != NULL)
            hdrs = h;
    }
    if (h != NULL && auth != NULL) {
        h = curl_slist_append(hdrs, auth);
        if (h != NULL)
            hdrs = h;
    }
    if (h == NULL) {
        rc = SERVER_ENOMEM;
        goto out;
    }
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, TIMEOUT_S);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, TIMEOUT_S);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "loadgate/" LOADGATE_VERSION);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, curl_err);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, resp);
    if (body != NULL) {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                         (curl_off_t)body_len);
    }

    cc = curl_easy_perform(curl);
    if (cc != CURLE_OK) {
        if (resp->overflow) {
            snprintf(errbuf, errlen, "%s %s: answer larger than %zu bytes",
                     method, shown, MAX_RESPONSE);
            rc = SERVER_EPARSE;
        } else if (cc == CURLE_OUT_OF_MEMORY || cc == CURLE_WRITE_ERROR) {
            rc = SERVER_ENOMEM;
        } else {
            snprintf(errbuf, errlen, "%s %s: %s", method, shown,
                     curl_err[0] != '\0' ? curl_err : curl_easy_strerror(cc));
            rc = SERVER_ECONNECT;
        }
        goto out;
    }
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    if (status < 200 || status > 299) {
        char text[256];
        error_text(resp, text, sizeof(text));
        snprintf(errbuf, errlen, "%s %s: HTTP %ld%s%s", method, shown, status,
                 text[0] != '\0' ? ": " : "", text);
        rc = SERVER_EHTTP;
        goto out;
    }
    rc = 0;
out:
    curl_easy_cleanup(curl);
    curl_slist_free_all(hdrs);
    if (auth != NULL) {
        /* the token should not linger in freed memory */
        memset(auth, 0, strlen(auth));
        free(auth);
    }
    return rc;
}

int server_fetch_baseline(const char *url, const char *token,
                          struct metrics_results **out, char *errbuf,
                          size_t errlen)
{
    struct buf resp = {0};
    char err[512] = "";
    char shown[512];
    int rc;

    *out = NULL;
    if (errlen > 0)
        errbuf[0] = '\0';
    rc = perform("GET", url, token, NULL, 0, &resp, errbuf, errlen);
    if (rc < 0)
        goto out;
    rc = metrics_results_parse(resp.p != NULL ? resp.p : "", resp.len, out, err,
                               sizeof(err));
    if (rc == METRICS_ENOMEM) {
        rc = SERVER_ENOMEM;
    } else if (rc < 0) {
        server__redact_url(url, shown, sizeof(shown));
        snprintf(errbuf, errlen, "GET %s: %s", shown,
                 err[0] != '\0' ? err : metrics_strerror(rc));
        rc = SERVER_EPARSE;
    }
out:
    free(resp.p);
    return rc;
}

/* base_url without trailing slashes or an API path, plus the save route. */
static char *save_url(const char *base)
{
    static const char *const tails[] = {SERVER_API_PREFIX "/baselines",
                                        SERVER_API_PREFIX "/baseline"};
    size_t n = strlen(base);
    char *url;

    while (n > 0 && base[n - 1] == '/')
        n--;
    for (size_t i = 0; i < sizeof(tails) / sizeof(tails[0]); i++) {
        size_t t = strlen(tails[i]);
        if (n >= t && strncmp(base + n - t, tails[i], t) == 0) {
            n -= t;
            break;
        }
    }
    size_t len = n + sizeof(SERVER_API_PREFIX "/baseline");
    url = malloc(len);
    if (url != NULL)
        snprintf(url, len, "%.*s%s", (int)n, base,
                 SERVER_API_PREFIX "/baseline");
    return url;
}

int server_push_baseline(const char *base_url, const char *name,
                         const struct metrics_results *r, const char *token,
                         char *errbuf, size_t errlen)
{
    static const char head[] = "{\"baseline_name\":\"";
    static const char mid[] = "\",\"results\":";
    struct buf resp = {0};
    char *url = NULL, *doc = NULL, *body = NULL;
    size_t len;
    int rc;

    if (errlen > 0)
        errbuf[0] = '\0';
    if (base_url == NULL || r == NULL) {
        snprintf(errbuf, errlen, "no service URL or no results to push");
        return SERVER_EINVAL;
    }
    if (name == NULL || !compare_name_valid(name)) {
        snprintf(errbuf, errlen,
                 "invalid baseline name '%.80s': 1..64 characters from "
                 "[A-Za-z0-9._-], not starting with '.'",
                 name != NULL ? name : "");
        return SERVER_ENAME;
    }
    url = save_url(base_url);
    if (url == NULL || metrics_results_dump(r, &doc) < 0) {
        rc = SERVER_ENOMEM;
        goto out;
    }
    /* A valid name needs no JSON escaping, and the document is JSON
     * already: wrap it without parsing it again. */
    len = strlen(head) + strlen(name) + strlen(mid) + strlen(doc) + 1;
    body = malloc(len + 1);
    if (body == NULL) {
        rc = SERVER_ENOMEM;
        goto out;
    }
    snprintf(body, len + 1, "%s%s%s%s}", head, name, mid, doc);
    rc = perform("POST", url, token, body, strlen(body), &resp, errbuf, errlen);
out:
    free(resp.p);
    free(body);
    free(doc);
    free(url);
    return rc;
}
