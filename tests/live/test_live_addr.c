/* Listen addresses, the loopback rule, Host headers and tokens. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "live_internal.h"

static void test_listen_forms(void **state)
{
    static const struct {
        const char *spec;
        int family;
        unsigned port;
        bool loopback;
    } ok[] = {
        {"8080", AF_INET, 8080, true},
        {"0", AF_INET, 0, true},
        {"127.0.0.1:9", AF_INET, 9, true},
        {"127.1.2.3:65535", AF_INET, 65535, true},
        {"localhost:80", AF_INET, 80, true},
        {"LocalHost:80", AF_INET, 80, true},
        {"0.0.0.0:9100", AF_INET, 9100, false},
        {"10.1.2.3:1", AF_INET, 1, false},
        {"[::1]:0", AF_INET6, 0, true},
        {"[::ffff:127.0.0.1]:5", AF_INET6, 5, true},
        {"[::]:9100", AF_INET6, 9100, false},
    };
    struct live__addr a;
    char err[256];

    (void)state;
    for (size_t i = 0; i < sizeof(ok) / sizeof(*ok); i++) {
        assert_int_equal(live__parse_listen(ok[i].spec, &a, err, sizeof(err)),
                         0);
        assert_int_equal(a.family, ok[i].family);
        assert_int_equal(a.port, ok[i].port);
        assert_int_equal(a.loopback, ok[i].loopback);
    }
}

static void test_listen_refused(void **state)
{
    static const char *const bad[] = {
        "",           ":80",          "host.example:80", "1.2.3.4",
        "::1:80",     "[::1]",        "[::1]80",         "127.0.0.1:65536",
        "127.0.0.1:", "127.0.0.1:-1", "127.0.0.1:80x",   "127.0.0.1:123456",
        "[nope]:80",  "999.1.1.1:80",
    };
    struct live__addr a;
    char err[256];

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        err[0] = '\0';
        assert_int_equal(live__parse_listen(bad[i], &a, err, sizeof(err)),
                         LIVE_EINVAL);
        assert_non_null(strstr(err, "listen address"));
    }
    assert_int_equal(live__parse_listen(NULL, &a, err, sizeof(err)),
                     LIVE_EINVAL);
}

/* serve's rule: beyond loopback only with a token. */
static void test_token_rule(void **state)
{
    char err[256];

    (void)state;
    assert_int_equal(live_check_listen("0", NULL, err, sizeof(err)), 0);
    assert_int_equal(live_check_listen("[::1]:0", "", err, sizeof(err)), 0);
    assert_int_equal(live_check_listen("0.0.0.0:9100", NULL, err, sizeof(err)),
                     LIVE_EINSECURE);
    assert_non_null(strstr(err, "LOADGATE_TOKEN"));
    assert_int_equal(live_check_listen("0.0.0.0:9100", "", err, sizeof(err)),
                     LIVE_EINSECURE);
    assert_int_equal(live_check_listen("[::]:1", NULL, err, sizeof(err)),
                     LIVE_EINSECURE);
    assert_int_equal(live_check_listen("0.0.0.0:9100", "t", err, sizeof(err)),
                     0);
    assert_int_equal(live_check_listen("nope", "t", err, sizeof(err)),
                     LIVE_EINVAL);
    assert_string_equal(live_strerror(LIVE_EINSECURE),
                        "refusing to listen beyond loopback without a token");
    assert_string_equal(live_strerror(42), "unknown error");
}

/* DNS rebinding: a name that is not localhost is refused without a token. */
static void test_host_header(void **state)
{
    static const char *const literal[] = {
        "127.0.0.1:8080", "127.0.0.1", "localhost",     "LOCALHOST:1",
        "[::1]:80",       "[::1]",     "10.0.0.7:9100",
    };
    static const char *const names[] = {
        "evil.example:8080",
        "127.0.0.1.nip.io:80",
        "localhost.evil:1",
        "127.0.0.1:abc",
        "[::1]x",
        "",
        "[zz]:80",
    };

    (void)state;
    for (size_t i = 0; i < sizeof(literal) / sizeof(*literal); i++)
        assert_true(live__host_is_literal(literal[i]));
    for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++)
        assert_false(live__host_is_literal(names[i]));
    assert_false(live__host_is_literal(NULL));
}

static void test_token_compare(void **state)
{
    (void)state;
    assert_true(live__token_ok("s3cret", "s3cret"));
    assert_false(live__token_ok("s3cre", "s3cret"));
    assert_false(live__token_ok("s3cretX", "s3cret"));
    assert_false(live__token_ok("S3cret", "s3cret"));
    assert_false(live__token_ok("", "s3cret"));
    assert_false(live__token_ok(NULL, "s3cret"));
    assert_false(live__token_ok("", ""));
    assert_false(live__token_ok("x", NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_listen_forms),
        cmocka_unit_test(test_listen_refused),
        cmocka_unit_test(test_token_rule),
        cmocka_unit_test(test_host_header),
        cmocka_unit_test(test_token_compare),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
