/*
 * server's small pure parts: listen addresses and the loopback rule,
 * bearer token checks, URL redaction, server_is_url.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <netinet/in.h>

#include "server_internal.h"
#include "lgtest.h"

static void test_parse_listen(void **state)
{
    static const struct {
        const char *spec;
        int rc;
        int family;
        unsigned port;
        bool loopback;
        const char *why; /* substring of the error */
    } cases[] = {
        {"127.0.0.1:8089", 0, AF_INET, 8089, true, NULL},
        {"127.1.2.3:0", 0, AF_INET, 0, true, NULL},
        {"localhost:65535", 0, AF_INET, 65535, true, NULL},
        {"8089", 0, AF_INET, 8089, true, NULL},
        {"0.0.0.0:8089", 0, AF_INET, 8089, false, NULL},
        {"10.1.2.3:80", 0, AF_INET, 80, false, NULL},
        {"128.0.0.1:80", 0, AF_INET, 80, false, NULL},
        {"[::1]:0", 0, AF_INET6, 0, true, NULL},
        {"[::]:8089", 0, AF_INET6, 8089, false, NULL},
        {"[::ffff:127.0.0.1]:1", 0, AF_INET6, 1, true, NULL},
        {"[::ffff:10.0.0.1]:1", 0, AF_INET6, 1, false, NULL},
        {"[fe80::1]:1", 0, AF_INET6, 1, false, NULL},
        {NULL, 0, AF_INET, 8089, true, NULL}, /* the default */
        {"127.0.0.1:65536", SERVER_EINVAL, 0, 0, false, "port"},
        {"127.0.0.1:", SERVER_EINVAL, 0, 0, false, "port"},
        {"127.0.0.1:80x", SERVER_EINVAL, 0, 0, false, "port"},
        {"127.0.0.1:-1", SERVER_EINVAL, 0, 0, false, "port"},
        {"127.0.0.1:000080", SERVER_EINVAL, 0, 0, false, "port"},
        {":8089", SERVER_EINVAL, 0, 0, false, "missing host"},
        {"::1:8089", SERVER_EINVAL, 0, 0, false, "brackets"},
        {"[::1]8089", SERVER_EINVAL, 0, 0, false, "[IPv6]:PORT"},
        {"[::1:8089", SERVER_EINVAL, 0, 0, false, "[IPv6]:PORT"},
        {"[127.0.0.1]:80", SERVER_EINVAL, 0, 0, false, "IP address"},
        {"example.com:80", SERVER_EINVAL, 0, 0, false, "IP address"},
        {"999.0.0.1:80", SERVER_EINVAL, 0, 0, false, "IP address"},
        {"", SERVER_EINVAL, 0, 0, false, "port"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct server__addr a;
        char err[256] = "";
        int rc = server__parse_listen(cases[i].spec, &a, err, sizeof(err));
        if (rc != cases[i].rc)
            fail_msg("'%s': rc %d, want %d (%s)", cases[i].spec, rc,
                     cases[i].rc, err);
        if (rc < 0) {
            if (strstr(err, cases[i].why) == NULL)
                fail_msg("'%s': error '%s' lacks '%s'", cases[i].spec, err,
                         cases[i].why);
            continue;
        }
        assert_int_equal(a.family, cases[i].family);
        assert_int_equal(a.port, cases[i].port);
        if (a.loopback != cases[i].loopback)
            fail_msg("'%s': loopback %d", cases[i].spec, a.loopback);
        assert_int_equal(a.sa_len, a.family == AF_INET
                                       ? sizeof(struct sockaddr_in)
                                       : sizeof(struct sockaddr_in6));
    }
}

static void test_auth(void **state)
{
    static const struct {
        const char *given, *expected;
        bool ok;
    } cases[] = {
        {"Bearer s3cret", "s3cret", true},
        {"bearer s3cret", "s3cret", true},
        {"Bearer   s3cret", "s3cret", true},
        {"Bearer s3cre", "s3cret", false},
        {"Bearer s3crett", "s3cret", false},
        {"Bearer S3cret", "s3cret", false},
        {"Bearer ", "s3cret", false},
        {"Basic s3cret", "s3cret", false},
        {"s3cret", "s3cret", false},
        {"Bearer", "s3cret", false},
        {"", "s3cret", false},
        {NULL, "s3cret", false},
        {"Bearer x", NULL, false},
        {"Bearer ", "", false},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        bool ok = server__auth_ok(cases[i].given, cases[i].expected);
        if (ok != cases[i].ok)
            fail_msg("case %zu ('%s' vs '%s'): %d", i,
                     cases[i].given ? cases[i].given : "(null)",
                     cases[i].expected ? cases[i].expected : "(null)", ok);
    }
}

static void test_redact(void **state)
{
    static const struct {
        const char *url, *want;
    } cases[] = {
        {"http://h:1/a", "http://h:1/a"},
        {"https://user:pw@h/a", "https://***@h/a"},
        {"http://u@h", "http://***@h"},
        {"http://h/a@b", "http://h/a@b"},
        {"http://h?x=a@b", "http://h?x=a@b"},
        {"http://a:b@c@h/x", "http://***@h/x"},
        {"not a url", "not a url"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char buf[128];
        server__redact_url(cases[i].url, buf, sizeof(buf));
        assert_string_equal(buf, cases[i].want);
    }
    char tiny[8];
    server__redact_url("http://user:pw@host/path", tiny, sizeof(tiny));
    assert_int_equal(strlen(tiny), sizeof(tiny) - 1);
    assert_null(strstr(tiny, "pw"));
}

static void test_is_url(void **state)
{
    static const char *const urls[] = {"http://h/x", "HTTPS://h/x", "https://"};
    static const char *const not_urls[] = {
        "main", "baselines/main.json", "ftp://h/x", "http:/h", "", NULL};

    (void)state;
    for (size_t i = 0; i < sizeof(urls) / sizeof(urls[0]); i++)
        if (!server_is_url(urls[i]))
            fail_msg("'%s': not a URL", urls[i]);
    for (size_t i = 0; i < sizeof(not_urls) / sizeof(not_urls[0]); i++)
        if (server_is_url(not_urls[i]))
            fail_msg("'%s': a URL", not_urls[i] ? not_urls[i] : "(null)");
}

static void test_strerror(void **state)
{
    (void)state;
    assert_string_equal(server_strerror(SERVER_EINSECURE),
                        "refusing to listen beyond loopback without a token");
    assert_string_equal(server_strerror(SERVER_EHTTP),
                        "the baseline service answered with an error");
    assert_string_equal(server_strerror(0), "unknown error");
    assert_string_equal(server_strerror(-1000), "unknown error");
}

LGTEST_MAIN(NULL, NULL, cmocka_unit_test(test_parse_listen),
            cmocka_unit_test(test_auth), cmocka_unit_test(test_redact),
            cmocka_unit_test(test_is_url), cmocka_unit_test(test_strerror))
