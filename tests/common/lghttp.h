/* HTTP through libcurl for the C tests that drive a server on loopback
 * (demo, live, server): the body and the headers they look at.  Linked
 * into a test with target_link_libraries(... lghttp). */
#ifndef LOADGATE_LGHTTP_H
#define LOADGATE_LGHTTP_H

#include <stddef.h>

#include <curl/curl.h>

/* What a request got back. */
struct http_reply {
    long status;
    char *body; /* NUL-terminated, NULL until a byte came; free it */
    size_t len;
    char type[128];  /* Content-Type, "" when absent */
    char allow[256]; /* Allow */
    char www[64];    /* WWW-Authenticate */
    char csp[512];   /* Content-Security-Policy */
    double delay_ms; /* X-Demo-Latency-Ms, -1 when absent */
    double total_s;  /* for the caller: CURLINFO_TOTAL_TIME */
    CURLcode rc;     /* for the caller: what curl_easy_perform said */
};

/** libcurl's write function: appends to reply's body (a struct
 * http_reply *). */
size_t http_reply_on_body(char *p, size_t size, size_t n, void *reply);
/** Zeroes r and makes h write the body and the headers above into it
 * (the caller sets the rest and performs the request). */
void http_reply_capture(CURL *h, struct http_reply *r);

/** cmocka group setup and teardown: libcurl's global init and cleanup
 * (main: cmocka_run_group_tests(tests, http_group_setup,
 * http_group_teardown)). */
int http_group_setup(void **state);
int http_group_teardown(void **state);

#endif
