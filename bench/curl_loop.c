/* The plainest libcurl 7.88 client bench/peers.sh can compare the curl
 * transport with: one multi handle, N easy handles on one URL, each
 * re-added as soon as its transfer ends, driven by curl_multi_perform()
 * and curl_multi_poll() -- no templating, no histograms, no timeouts.
 *
 *   curl_loop URL CONNECTIONS SECONDS
 *
 * Prints "REQUESTS requests, RATE req/s" for the 2xx answers. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <curl/curl.h>

static size_t discard(char *data, size_t size, size_t nmemb, void *userp)
{
    (void)data;
    (void)userp;
    return size * nmemb;
}

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    long n, done = 0;
    double secs, start, end;
    CURLM *m;

    if (argc != 4 || (n = atol(argv[2])) <= 0 || (secs = atof(argv[3])) <= 0) {
        fprintf(stderr, "usage: curl_loop URL CONNECTIONS SECONDS\n");
        return 2;
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK ||
        !(m = curl_multi_init()))
        return 1;
    curl_multi_setopt(m, CURLMOPT_MAXCONNECTS, n + 16);
    for (long i = 0; i < n; i++) {
        CURL *h = curl_easy_init();

        if (!h)
            return 1;
        curl_easy_setopt(h, CURLOPT_URL, argv[1]);
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
        curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
        curl_multi_add_handle(m, h);
    }
    start = now_s();
    end = start + secs;
    while (now_s() < end) {
        CURLMsg *msg;
        int running, left, numfds;

        curl_multi_perform(m, &running);
        while ((msg = curl_multi_info_read(m, &left))) {
            CURL *h = msg->easy_handle;
            long status = 0;

            curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
            if (msg->data.result == CURLE_OK && status >= 200 && status < 300)
                done++;
            curl_multi_remove_handle(m, h);
            curl_multi_add_handle(m, h);
        }
        curl_multi_poll(m, NULL, 0, 100, &numfds);
    }
    printf("%ld requests, %.0f req/s\n", done,
           (double)done / (now_s() - start));
    return 0;
}
