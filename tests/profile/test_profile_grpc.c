/* A step's grpc: key (profile/src/profile_grpc.c): the method's path,
 * message: {file} and {base64} framed, metadata as headers, timeout,
 * expect: {grpc_status}; the errors with their positions (a missing file,
 * bad base64, grpc without http: 2, HTTP-only keys on a gRPC step and the
 * other way round), the endpoint's name and the profile hash. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "lgtest.h"
#include "profile.h"
#include "profile_internal.h"

#define HEAD "version: 1\ntarget: http://127.0.0.1:1\nhttp: 2\n"
#define LOAD "load: {users: 1, requests: 1}\n"

static char dir[64], yaml_path[96];

static int setup(void **state)
{
    FILE *f;
    char bin[128];

    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/lg-grpc-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    snprintf(yaml_path, sizeof(yaml_path), "%s/t.yaml", dir);
    snprintf(bin, sizeof(bin), "%s/hello.bin", dir);
    if (!(f = fopen(bin, "wb")))
        return -1;
    fwrite("\x0a\x05world", 1, 7, f);
    fclose(f);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    rm_tree(dir);
    return 0;
}

static int parse(const char *text, struct profile **p,
                 struct profile_error *err)
{
    memset(err, 0, sizeof(*err));
    *p = NULL;
    return profile_parse(text, strlen(text), yaml_path, p, err);
}

static struct profile *parse_ok(const char *text)
{
    struct profile *p;
    struct profile_error err;
    int rc = parse(text, &p, &err);

    if (rc)
        print_error("%d:%d: %s\n", err.line, err.col, err.msg);
    assert_int_equal(rc, 0);
    return p;
}

static void test_step(void **state)
{
    static const unsigned char frame[] = {0,    0,   0,   0,   7,   0x0a,
                                          0x05, 'w', 'o', 'r', 'l', 'd'};
    struct profile *p =
        parse_ok(HEAD LOAD "scenarios:\n"
                           "  - steps:\n"
                           "      - grpc: /helloworld.Greeter/SayHello\n"
                           "        message: {file: hello.bin}\n"
                           "        metadata: {x-tenant: acme}\n"
                           "        timeout: 2s\n"
                           "      - grpc: /h.G/B\n"
                           "        message: {base64: \"CgV3b3JsZA==\"}\n"
                           "        name: GRPC b64\n"
                           "        expect: {grpc_status: [0, "
                           "NOT_FOUND, \"14\"]}\n"
                           "      - grpc: /h.G/Empty\n");
    const struct loader_step *s = p->plan->scenarios[0].steps;
    char name[128];

    (void)state;
    assert_non_null(s[0].grpc);
    assert_string_equal(s[0].method, "POST");
    assert_string_equal(s[0].path, "/helloworld.Greeter/SayHello");
    assert_int_equal(s[0].grpc->frame_len, sizeof(frame));
    assert_memory_equal(s[0].grpc->frame, frame, sizeof(frame));
    assert_string_equal(s[0].grpc->message_file, "hello.bin");
    assert_int_equal(s[0].grpc->expect, 0); /* OK only */
    assert_int_equal(s[0].n_headers, 1);
    assert_string_equal(s[0].headers[0].key, "x-tenant");
    assert_string_equal(s[0].headers[0].value, "acme");
    assert_true(s[0].timeout_s == 2);
    loader_step_endpoint(&s[0], name, sizeof(name));
    assert_string_equal(name, "GRPC /helloworld.Greeter/SayHello");
    /* the same bytes from base64 */
    assert_int_equal(s[1].grpc->frame_len, sizeof(frame));
    assert_memory_equal(s[1].grpc->frame, frame, sizeof(frame));
    assert_null(s[1].grpc->message_file);
    assert_int_equal(s[1].grpc->expect, (1u << 0) | (1u << 5) | (1u << 14));
    assert_int_equal(loader_step_endpoint(&s[1], name, sizeof(name)), 4);
    assert_string_equal(name, "GRPC b64");
    /* no message: an empty one */
    assert_int_equal(s[2].grpc->frame_len, 5);
    assert_memory_equal(s[2].grpc->frame, "\0\0\0\0\0", 5);
    profile_free(p);
}

static void test_http_auto_over_tls(void **state)
{
    struct profile *p =
        parse_ok("version: 1\ntarget: https://127.0.0.1:1\nhttp: auto\n" LOAD
                 "scenarios: [{steps: [{grpc: /a.B/C}]}]\n");

    (void)state;
    assert_non_null(p->plan->scenarios[0].steps[0].grpc);
    profile_free(p);
}

/* The message's bytes and the accepted codes are part of the load. */
static void test_hash(void **state)
{
    const char *texts[] = {
        HEAD LOAD "scenarios: [{steps: [{grpc: /a.B/C, message: "
                  "{base64: AAAA}}]}]\n",
        HEAD LOAD "scenarios: [{steps: [{grpc: /a.B/C, message: "
                  "{base64: AAAB}}]}]\n",
        HEAD LOAD "scenarios: [{steps: [{grpc: /a.B/C, message: "
                  "{base64: AAAB}, expect: {grpc_status: 5}}]}]\n",
        HEAD LOAD "scenarios: [{steps: [{post: /a.B/C, body: x}]}]\n",
    };
    char sums[4][65];

    (void)state;
    for (size_t i = 0; i < 4; i++) {
        struct profile *p = parse_ok(texts[i]);

        memcpy(sums[i], p->plan->sha256, 65);
        profile_free(p);
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(sums[i], sums[j]);
    }
}

static void test_errors(void **state)
{
    static const struct {
        const char *text;
        int line, col;
        const char *msg;
    } bad[] = {
        /* grpc without http: 2 */
        {"version: 1\ntarget: http://127.0.0.1:1\n" LOAD
         "scenarios: [{steps: [{grpc: /a.B/C}]}]\n",
         4, 23, "grpc: needs HTTP/2"},
        /* auto over cleartext is HTTP/1.1 */
        {"version: 1\ntarget: http://127.0.0.1:1\nhttp: auto\n" LOAD
         "scenarios: [{steps: [{grpc: /a.B/C}]}]\n",
         5, 23, "grpc: needs HTTP/2"},
        {HEAD LOAD "scenarios: [{steps: [{grpc: /a.B/C, message: "
                   "{file: missing.bin}}]}]\n",
         5, 53, "message: cannot"},
        {HEAD LOAD "scenarios: [{steps: [{grpc: /a.B/C, message: "
                   "{base64: \"CgV3b3J*ZA==\"}}]}]\n",
         5, 55, "'*' at offset 7 is not base64"},
        {HEAD LOAD "scenarios: [{steps: [{grpc: /a.B/C, message: "
                   "{base64: \"CgV3b\"}}]}]\n",
         5, 55, "ends mid-byte"},
        {HEAD LOAD "scenarios: [{steps: [{grpc: /a.B/C, message: "
                   "{base64: \"CgV=3b\"}}]}]\n",
         5, 55, "is not base64"},
        {HEAD LOAD "scenarios: [{steps: [{grpc: /a.B/C, message: "
                   "{base64: AA==, file: hello.bin}}]}]\n",
         5, 46, "one of file"},
        {HEAD LOAD "scenarios: [{steps: [{grpc: /a.B/C, message: x}]}]\n", 5,
         46, "'message' must be a map"},
        {HEAD LOAD "scenarios: [{steps: [{grpc: a.B/C}]}]\n", 5, 29,
         "method's path"},
        {HEAD LOAD "scenarios: [{steps: [{grpc: /a.B}]}]\n", 5, 29,
         "method's path"},
        {HEAD LOAD "scenarios: [{steps: [{grpc: /a.B/C, get: /}]}]\n", 5, 37,
         "one method"},
        {HEAD LOAD "scenarios: [{steps: [{grpc: /a.B/C, json: {a: 1}}]}]\n", 5,
         37, "'json' is not for a grpc: step"},
        {HEAD LOAD "scenarios: [{steps: [{grpc: /a.B/C, headers: {a: b}}]}]\n",
         5, 37, "sends 'metadata', not 'headers'"},
        {HEAD LOAD "scenarios: [{steps: [{grpc: /a.B/C, metadata: "
                   "{grpc-timeout: 1S}}]}]\n",
         5, 47, "set by gRPC itself"},
        {HEAD LOAD "scenarios: [{steps: [{grpc: /a.B/C, metadata: "
                   "{Content-Type: x}}]}]\n",
         5, 47, "set by gRPC itself"},
        {HEAD LOAD "scenarios: [{steps: [{grpc: /a.B/C, expect: "
                   "{status: 200}}]}]\n",
         5, 46, "expects 'grpc_status'"},
        {HEAD LOAD "scenarios: [{steps: [{grpc: /a.B/C, expect: "
                   "{grpc_status: 17}}]}]\n",
         5, 59, "from 0 to 16"},
        {HEAD LOAD "scenarios: [{steps: [{grpc: /a.B/C, expect: "
                   "{grpc_status: NOPE}}]}]\n",
         5, 59, "from 0 to 16"},
        {HEAD LOAD
         "scenarios: [{steps: [{get: /, message: {base64: AA==}}]}]\n",
         5, 31, "'message' is for grpc: steps"},
        {HEAD LOAD "scenarios: [{steps: [{get: /, metadata: {a: b}}]}]\n", 5,
         31, "'metadata' is for grpc: steps"},
        {HEAD LOAD "scenarios: [{steps: [{get: /, expect: "
                   "{grpc_status: 0}}]}]\n",
         5, 40, "'grpc_status' is for grpc: steps"},
        {HEAD LOAD "scenarios: [{steps: [{get: /}]}]\n"
                   "setup: [{grpc: /a.B/C}]\n",
         6, 10, "run in scenarios"},
    };

    int failed = 0;

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        struct profile *p;
        struct profile_error err;
        int rc = parse(bad[i].text, &p, &err);

        if (rc != PROFILE_EPROFILE || !strstr(err.msg, bad[i].msg) ||
            err.line != bad[i].line || err.col != bad[i].col) {
            print_error("case %zu: rc %d at %d:%d: %s\n", i, rc, err.line,
                        err.col, err.msg);
            failed++;
        }
        assert_null(p);
    }
    assert_int_equal(failed, 0);
}

static void test_base64(void **state)
{
    static const struct {
        const char *in;
        const char *out;
        size_t len;
    } ok[] = {
        {"", "", 0},
        {"QQ==", "A", 1},
        {"QQ", "A", 1}, /* padding optional */
        {"QUI=", "AB", 2},
        {"QUJD", "ABC", 3},
        {"QU JD\n", "ABC", 3},   /* white space skipped */
        {"-_8=", "\xfb\xff", 2}, /* URL-safe */
        {"+/8=", "\xfb\xff", 2},
        {"AAEC", "\0\1\2", 3},
    };
    static const struct {
        const char *in;
        size_t at;
    } bad[] = {
        {"Q", 1},    {"QUJDR", 5}, {"Q===", 1},
        {"=QQ=", 0}, {"QQ=A", 3},  {"QQ!A", 2},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(ok) / sizeof(*ok); i++) {
        unsigned char *out = NULL;
        size_t len = 99, at = 0;

        assert_int_equal(
            profile__base64_decode(ok[i].in, strlen(ok[i].in), &out, &len, &at),
            0);
        assert_int_equal(len, ok[i].len);
        assert_memory_equal(out, ok[i].out, len);
        free(out);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        unsigned char *out = NULL;
        size_t len = 0, at = 99;

        assert_int_equal(profile__base64_decode(bad[i].in, strlen(bad[i].in),
                                                &out, &len, &at),
                         PROFILE_EPROFILE);
        assert_null(out);
        assert_int_equal(at, bad[i].at);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_step),
        cmocka_unit_test(test_http_auto_over_tls),
        cmocka_unit_test(test_hash),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_base64),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
