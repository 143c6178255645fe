/*
 * The baseline store: save/list/load/rm round trip in a mkdtemp folder,
 * corrupt files, invalid names, and compare_baseline_resolve.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "compare.h"
#include "compare_fixture.h"
#include "lgtest.h"

struct fx {
    char root[64];
    char store[128];
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));

    if (!f)
        return -1;
    snprintf(f->root, sizeof(f->root), "/tmp/loadgate-compare-XXXXXX");
    if (!mkdtemp(f->root)) {
        free(f);
        return -1;
    }
    /* nested and absent: save must create it (mkdir -p) */
    snprintf(f->store, sizeof(f->store), "%s/a/b/baselines", f->root);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;

    rm_tree(f->root);
    free(f);
    return 0;
}

static struct metrics_results *sample_doc(size_t n_a, double ms_a)
{
    const struct cfx_ep eps[] = {{"GET", "/a", n_a, ms_a, 0},
                                 {"POST", "/b", 100, 40, 5}};
    struct metrics_results *r = cfx_doc(eps, 2);

    r->meta.profile_sha256 = strdup("ab12cd");
    assert_non_null(r->meta.profile_sha256);
    return r;
}

static void write_file(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");

    assert_non_null(fp);
    assert_int_equal(fputs(text, fp) >= 0, 1);
    assert_int_equal(fclose(fp), 0);
}

static void test_round_trip(void **state)
{
    struct fx *f = *state;
    struct metrics_results *r = sample_doc(300, 10), *r2 = sample_doc(50, 80);
    struct metrics_results *back = NULL;
    struct compare_store_entry *e = NULL;
    struct metrics_endpoint *all = NULL;
    char path[256], err[512];
    struct stat st;
    size_t n = 9;
    double p95;

    /* an absent store is an empty list */
    assert_int_equal(compare_store_list(f->store, &e, &n, err, sizeof(err)), 0);
    assert_int_equal(n, 0);
    assert_null(e);

    assert_int_equal(compare_store_save(f->store, "main", r, err, sizeof(err)),
                     0);
    assert_string_equal(r->baseline_id, "main");
    snprintf(path, sizeof(path), "%s/main.json", f->store);
    assert_int_equal(stat(path, &st), 0);
    assert_true(S_ISREG(st.st_mode));
    assert_int_equal(stat(f->store, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0755); /* umask 022 */
    assert_int_equal(
        compare_store_save(f->store, "feature-x.2", r2, err, sizeof(err)), 0);
    /* overwriting is allowed (atomic replace) */
    assert_int_equal(compare_store_save(f->store, "main", r, err, sizeof(err)),
                     0);

    assert_int_equal(
        compare_store_load(f->store, "main", &back, err, sizeof(err)), 0);
    assert_string_equal(back->baseline_id, "main");
    assert_int_equal(metrics_results_total_requests(back),
                     metrics_results_total_requests(r));
    assert_int_equal(back->n_endpoints, 2);
    assert_non_null(metrics_results_find(back, "POST /b"));
    assert_int_equal(metrics_results_find(back, "POST /b")->errors, 5);
    metrics_results_free(back);

    /* stray files are not baselines */
    snprintf(path, sizeof(path), "%s/.main.json.tmp", f->store);
    write_file(path, "{");
    snprintf(path, sizeof(path), "%s/notes.txt", f->store);
    write_file(path, "hello");

    assert_int_equal(compare_store_list(f->store, &e, &n, err, sizeof(err)), 0);
    assert_int_equal(n, 2);
    assert_string_equal(e[0].name, "feature-x.2");
    assert_string_equal(e[1].name, "main");
    assert_int_equal(e[1].total_requests, 400);
    assert_int_equal(e[0].total_requests, 150);
    assert_string_equal(e[1].timestamp, "2026-01-01T12:00:00Z");
    assert_string_equal(e[1].profile_sha256, "ab12cd");
    assert_int_equal(metrics_results_aggregate(r, &all), 0);
    assert_int_equal(metrics_value(r, all, METRICS_STAT_P95, &p95), 0);
    assert_true(fabs(e[1].p95_ms - p95) < 1e-9);
    metrics_endpoint_free(all);
    compare_store_list_free(e, n);

    assert_int_equal(compare_store_rm(f->store, "main", err, sizeof(err)), 0);
    assert_int_equal(
        compare_store_load(f->store, "main", &back, err, sizeof(err)),
        COMPARE_ENOTFOUND);
    assert_null(back);
    {
        char want[512];
        snprintf(want, sizeof(want),
                 "no baseline 'main' in %s (loadgate baseline list shows "
                 "what exists)",
                 f->store);
        assert_string_equal(err, want);
    }
    assert_int_equal(compare_store_rm(f->store, "main", err, sizeof(err)),
                     COMPARE_ENOTFOUND);
    assert_int_equal(compare_store_list(f->store, &e, &n, err, sizeof(err)), 0);
    assert_int_equal(n, 1);
    assert_string_equal(e[0].name, "feature-x.2");
    compare_store_list_free(e, n);
    compare_store_list_free(NULL, 0);

    metrics_results_free(r);
    metrics_results_free(r2);
}

static void test_corrupt(void **state)
{
    struct fx *f = *state;
    static const char *const bad[] = {
        "{ not json",
        "{\"schema\": \"something/else\"}",
        "[]",
        "",
    };
    struct metrics_results *r = sample_doc(300, 10), *back = NULL;
    struct compare_store_entry *e = NULL;
    char path[256], err[512];
    size_t n = 0;

    assert_int_equal(compare_store_save(f->store, "good", r, err, sizeof(err)),
                     0);
    snprintf(path, sizeof(path), "%s/broken.json", f->store);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        write_file(path, bad[i]);
        err[0] = '\0';
        if (compare_store_load(f->store, "broken", &back, err, sizeof(err)) !=
            COMPARE_ECORRUPT)
            fail_msg("'%s' was not reported corrupt", bad[i]);
        assert_null(back);
        assert_non_null(strstr(err, "broken.json"));
        assert_true(strlen(err) > strlen(path) + 2); /* says what, too */

        /* resolve by path says the same */
        assert_int_equal(compare_baseline_resolve(path, f->store, &back, NULL,
                                                  err, sizeof(err)),
                         COMPARE_ECORRUPT);
    }
    /* listed, marked corrupt, so that it can be seen and removed */
    assert_int_equal(compare_store_list(f->store, &e, &n, err, sizeof(err)), 0);
    assert_int_equal(n, 2);
    assert_string_equal(e[0].name, "broken");
    assert_string_equal(e[0].timestamp, "corrupt");
    assert_int_equal(e[0].total_requests, 0);
    assert_string_equal(e[1].name, "good");
    compare_store_list_free(e, n);
    assert_int_equal(compare_store_rm(f->store, "broken", err, sizeof(err)), 0);
    metrics_results_free(r);
}

/* The longest valid baseline name: 64 characters. */
#define NAME64                                                                 \
    "0123456789012345678901234567890123456789012345678901234567890123"

static void test_names(void **state)
{
    struct fx *f = *state;
    static const char *const valid[] = {"main", "feature-1.2_x", "A",
                                        "1",    "a..b",          NAME64};
    static const char *const invalid[] = {
        NAME64 "4",    "",    "../x",      ".hidden",     "..",   ".",   "a/b",
        "/etc/passwd", "a b", "tab\there", "caf\xc3\xa9", "x;rm", "a\\b"};
    struct metrics_results *r = sample_doc(10, 10), *back = NULL;
    char err[256];

    for (size_t i = 0; i < sizeof(valid) / sizeof(valid[0]); i++)
        if (!compare_name_valid(valid[i]))
            fail_msg("'%s': want valid", valid[i]);
    /* refused by every operation of the store */
    for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
        const char *name = invalid[i];

        if (compare_name_valid(name))
            fail_msg("'%s': want invalid", name);
        assert_int_equal(
            compare_store_save(f->store, name, r, err, sizeof(err)),
            COMPARE_ENAME);
        assert_non_null(strstr(err, "invalid baseline name"));
        assert_int_equal(
            compare_store_load(f->store, name, &back, err, sizeof(err)),
            COMPARE_ENAME);
        assert_int_equal(compare_store_rm(f->store, name, err, sizeof(err)),
                         COMPARE_ENAME);
    }
    assert_false(compare_name_valid(NULL));
    /* nothing was written anywhere by the rejected names */
    assert_int_equal(access(f->store, F_OK), -1);
    assert_null(r->baseline_id);
    metrics_results_free(r);
}

static void test_resolve(void **state)
{
    struct fx *f = *state;
    struct metrics_results *r = sample_doc(300, 10), *back = NULL;
    char path[256], err[512], *name = NULL;

    assert_int_equal(compare_store_save(f->store, "main", r, err, sizeof(err)),
                     0);

    /* a name in the store */
    assert_int_equal(compare_baseline_resolve("main", f->store, &back, &name,
                                              err, sizeof(err)),
                     0);
    assert_string_equal(name, "main");
    assert_int_equal(metrics_results_total_requests(back), 400);
    metrics_results_free(back);
    free(name);

    /* a path: the name is the document's baseline_id */
    snprintf(path, sizeof(path), "%s/main.json", f->store);
    assert_int_equal(compare_baseline_resolve(path, "/nonexistent", &back,
                                              &name, err, sizeof(err)),
                     0);
    assert_string_equal(name, "main");
    metrics_results_free(back);
    free(name);

    /* a plain results file: the name is its stem */
    free(r->baseline_id);
    r->baseline_id = NULL;
    snprintf(path, sizeof(path), "%s/run-42.json", f->root);
    assert_int_equal(metrics_results_save(r, path, err, sizeof(err)), 0);
    assert_int_equal(compare_baseline_resolve(path, f->store, &back, &name, err,
                                              sizeof(err)),
                     0);
    assert_string_equal(name, "run-42");
    metrics_results_free(back);
    free(name);
    name = NULL;

    /* missing file, missing name, invalid name */
    snprintf(path, sizeof(path), "%s/nope.json", f->root);
    assert_int_equal(compare_baseline_resolve(path, f->store, &back, &name, err,
                                              sizeof(err)),
                     COMPARE_ENOTFOUND);
    assert_non_null(strstr(err, path));
    assert_null(back);
    assert_null(name);
    assert_int_equal(compare_baseline_resolve("nope", f->store, &back, &name,
                                              err, sizeof(err)),
                     COMPARE_ENOTFOUND);
    assert_non_null(strstr(err, "no baseline 'nope' in"));
    assert_int_equal(compare_baseline_resolve("..bad", f->store, &back, &name,
                                              err, sizeof(err)),
                     COMPARE_ENAME);
    assert_int_equal(
        compare_baseline_resolve("", f->store, &back, &name, err, sizeof(err)),
        COMPARE_EINVAL);
    /* a folder is not a baseline file */
    assert_int_equal(compare_baseline_resolve(f->store, f->store, &back, &name,
                                              err, sizeof(err)),
                     COMPARE_EIO);
    metrics_results_free(r);
}

/* One classification of a baseline spec for every caller: a URL by its
 * scheme, a file by '/', ".json" at the end or an existing regular file,
 * else a name. */
static void test_baseline_kind(void **state)
{
    struct fx *f = *state;
    char path[256], cwd[1024];
    FILE *fp;

    assert_int_equal(compare_baseline_kind(NULL), COMPARE_BASELINE_NONE);
    assert_int_equal(compare_baseline_kind(""), COMPARE_BASELINE_NONE);
    assert_int_equal(compare_baseline_kind("http://h:1/x"),
                     COMPARE_BASELINE_URL);
    assert_int_equal(compare_baseline_kind("HTTPS://h/api"),
                     COMPARE_BASELINE_URL);
    assert_int_equal(compare_baseline_kind("httpx://h"),
                     COMPARE_BASELINE_FILE); /* it has a '/' */
    assert_int_equal(compare_baseline_kind("b/main"), COMPARE_BASELINE_FILE);
    assert_int_equal(compare_baseline_kind("main.json"), COMPARE_BASELINE_FILE);
    assert_int_equal(compare_baseline_kind("main"), COMPARE_BASELINE_NAME);
    assert_int_equal(compare_baseline_kind("main.json.old"),
                     COMPARE_BASELINE_NAME);
    /* an existing regular file without '/' or .json: a file */
    assert_non_null(getcwd(cwd, sizeof(cwd)));
    assert_int_equal(chdir(f->root), 0);
    assert_int_equal(compare_baseline_kind("run42"), COMPARE_BASELINE_NAME);
    snprintf(path, sizeof(path), "%s/run42", f->root);
    fp = fopen(path, "w");
    assert_non_null(fp);
    fclose(fp);
    assert_int_equal(compare_baseline_kind("run42"), COMPARE_BASELINE_FILE);
    assert_int_equal(chdir(cwd), 0);
}

/* A baseline recorded with another profile: both hashes known and
 * different. */
static void test_profile_mismatch(void **state)
{
    (void)state;
    assert_true(compare_profile_mismatch("aaa", "bbb"));
    assert_false(compare_profile_mismatch("aaa", "aaa"));
    assert_false(compare_profile_mismatch(NULL, "bbb"));
    assert_false(compare_profile_mismatch("aaa", NULL));
    assert_false(compare_profile_mismatch("", "bbb"));
    assert_false(compare_profile_mismatch("aaa", ""));
}

/* A store path that is a file cannot be created: EIO with the reason, and
 * the document keeps its old baseline_id. */
/* "did you mean": the stored name closest to a mistyped one. */
static void test_closest(void **state)
{
    struct fx *f = *state;
    struct metrics_results *r = sample_doc(100, 10);
    char err[512], *name = (char *)"x";

    /* no store, then an empty one: nothing to suggest */
    assert_int_equal(
        compare_store_closest(f->store, "mian", &name, err, sizeof(err)), 0);
    assert_null(name);
    static const char *const names[] = {"release-1.2", "main", "develop"};
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(
            compare_store_save(f->store, names[i], r, err, sizeof(err)), 0);
    static const struct {
        const char *typed, *want;
    } cases[] = {{"mian", "main"},        {"maim", "main"},
                 {"devleop", "develop"},  {"release-12", "release-1.2"},
                 {"zzzzzzzz", "develop"}, {"main", "main"}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        assert_int_equal(compare_store_closest(f->store, cases[i].typed, &name,
                                               err, sizeof(err)),
                         0);
        assert_non_null(name);
        if (strcmp(name, cases[i].want) != 0)
            fail_msg("'%s': got '%s', want '%s'", cases[i].typed, name,
                     cases[i].want);
        free(name);
    }
    metrics_results_free(r);
}

static void test_save_io_error(void **state)
{
    struct fx *f = *state;
    struct metrics_results *r = sample_doc(10, 10);
    char path[256], err[512];

    snprintf(path, sizeof(path), "%s/file", f->root);
    write_file(path, "x");
    assert_int_equal(compare_store_save(path, "main", r, err, sizeof(err)),
                     COMPARE_EIO);
    assert_true(strlen(err) > 0);
    assert_null(r->baseline_id);
    metrics_results_free(r);
}

static size_t history_count(const char *store, const char *name)
{
    struct compare_store_entry *e = NULL;
    size_t n = 0;
    char err[512];

    if (compare_store_history(store, name, &e, &n, err, sizeof(err)) != 0)
        fail_msg("history %s: %s", name, err);
    compare_store_list_free(e, n);
    return n;
}

static double all_p95(const struct metrics_results *r)
{
    struct metrics_endpoint *all = NULL;
    double v = -1;

    assert_int_equal(metrics_results_aggregate(r, &all), 0);
    assert_int_equal(metrics_value(r, all, METRICS_STAT_P95, &v), 0);
    metrics_endpoint_free(all);
    return v;
}

/* Every save keeps the version it replaces; history is newest first with
 * its numbers; rollback restores (and keeps what it replaces); prune keeps
 * the newest N; rm keeps the removed one, so it can come back. */
static void test_history_rollback_prune(void **state)
{
    struct fx *f = *state;
    struct metrics_results *v[4], *back = NULL;
    struct compare_store_entry *e = NULL;
    size_t n = 0;
    char err[512];

    for (size_t i = 0; i < 4; i++)
        v[i] = sample_doc(300 + i * 100, 50.0 * (double)(i + 1));
    /* no history yet: empty, and nothing to roll back to */
    assert_int_equal(history_count(f->store, "main"), 0);
    assert_int_equal(
        compare_store_rollback(f->store, "main", NULL, err, sizeof(err)),
        COMPARE_ENOTFOUND);
    assert_non_null(strstr(err, "no kept versions"));
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(
            compare_store_save(f->store, "main", v[i], err, sizeof(err)), 0);
    assert_int_equal(
        compare_store_history(f->store, "main", &e, &n, err, sizeof(err)), 0);
    assert_int_equal(n, 3);
    /* newest first: versions 3, 2, 1 hold documents 2, 1, 0 */
    for (size_t i = 0; i < 3; i++) {
        char want[16];
        snprintf(want, sizeof(want), "-%06zu", 3 - i);
        assert_non_null(strstr(e[i].name, want));
        assert_int_equal(e[i].total_requests,
                         metrics_results_total_requests(v[2 - i]));
        assert_true(fabs(e[i].p95_ms - all_p95(v[2 - i])) < 1e-9);
        assert_string_equal(e[i].profile_sha256, "ab12cd");
    }
    /* rollback to the previous: document 2 is current again, and
     * document 3 is kept */
    assert_int_equal(
        compare_store_rollback(f->store, "main", NULL, err, sizeof(err)), 0);
    assert_int_equal(
        compare_store_load(f->store, "main", &back, err, sizeof(err)), 0);
    assert_int_equal(metrics_results_total_requests(back),
                     metrics_results_total_requests(v[2]));
    metrics_results_free(back);
    assert_int_equal(history_count(f->store, "main"), 4);
    /* a named version: the oldest (document 0) */
    assert_int_equal(
        compare_store_rollback(f->store, "main", e[2].name, err, sizeof(err)),
        0);
    assert_int_equal(
        compare_store_load(f->store, "main", &back, err, sizeof(err)), 0);
    assert_int_equal(metrics_results_total_requests(back),
                     metrics_results_total_requests(v[0]));
    metrics_results_free(back);
    assert_int_equal(compare_store_rollback(f->store, "main",
                                            "20990101T000000Z-000042", err,
                                            sizeof(err)),
                     COMPARE_ENOTFOUND);
    assert_int_equal(
        compare_store_rollback(f->store, "main", "../x", err, sizeof(err)),
        COMPARE_ENAME);
    compare_store_list_free(e, n);
    /* prune to 2; the list of baselines never shows history */
    assert_int_equal(history_count(f->store, "main"), 5);
    assert_int_equal(compare_store_prune(f->store, "main", 2, err, sizeof(err)),
                     3);
    assert_int_equal(history_count(f->store, "main"), 2);
    assert_int_equal(compare_store_prune(f->store, "main", 2, err, sizeof(err)),
                     0);
    assert_int_equal(compare_store_prune(f->store, "..", 2, err, sizeof(err)),
                     COMPARE_ENAME);
    assert_int_equal(compare_store_list(f->store, &e, &n, err, sizeof(err)), 0);
    assert_int_equal(n, 1);
    compare_store_list_free(e, n);
    /* rm keeps the removed version; rollback brings it back */
    assert_int_equal(compare_store_rm(f->store, "main", err, sizeof(err)), 0);
    assert_int_equal(
        compare_store_load(f->store, "main", &back, err, sizeof(err)),
        COMPARE_ENOTFOUND);
    assert_int_equal(history_count(f->store, "main"), 3);
    assert_int_equal(
        compare_store_rollback(f->store, "main", NULL, err, sizeof(err)), 0);
    assert_int_equal(
        compare_store_load(f->store, "main", &back, err, sizeof(err)), 0);
    assert_int_equal(metrics_results_total_requests(back),
                     metrics_results_total_requests(v[0]));
    metrics_results_free(back);
    for (size_t i = 0; i < 4; i++)
        metrics_results_free(v[i]);
}

/* A corrupt kept version is refused by rollback, and the current baseline
 * stays as it was. */
static void test_rollback_corrupt(void **state)
{
    struct fx *f = *state;
    struct metrics_results *r = sample_doc(300, 10), *back = NULL;
    struct compare_store_entry *e = NULL;
    size_t n = 0;
    char err[512], path[512];

    assert_int_equal(compare_store_save(f->store, "main", r, err, sizeof(err)),
                     0);
    assert_int_equal(compare_store_save(f->store, "main", r, err, sizeof(err)),
                     0);
    assert_int_equal(
        compare_store_history(f->store, "main", &e, &n, err, sizeof(err)), 0);
    assert_int_equal(n, 1);
    snprintf(path, sizeof(path), "%s/.history/main/%s.json", f->store,
             e[0].name);
    /* a hard link would share the inode: replace the file, not its bytes */
    assert_int_equal(unlink(path), 0);
    write_file(path, "{\"schema\": \"nope\"");
    assert_int_equal(
        compare_store_rollback(f->store, "main", NULL, err, sizeof(err)),
        COMPARE_ECORRUPT);
    assert_non_null(strstr(err, e[0].name));
    assert_int_equal(
        compare_store_load(f->store, "main", &back, err, sizeof(err)), 0);
    metrics_results_free(back);
    compare_store_list_free(e, n);
    metrics_results_free(r);
}

#define N_PROCS 20
#define N_SHARED 10

/* 20 processes save at once: 10 the same name, 10 a name each.  Every
 * file parses afterwards, and the history of the shared name holds every
 * replaced version. */
static void test_concurrent_saves(void **state)
{
    struct fx *f = *state;
    pid_t pids[N_PROCS];
    struct compare_store_entry *e = NULL;
    size_t n = 0;
    char err[512];

    for (int i = 0; i < N_PROCS; i++) {
        pids[i] = fork();
        assert_true(pids[i] >= 0);
        if (pids[i] == 0) {
            struct metrics_results *r = sample_doc(200 + (size_t)i, 10);
            char name[32];
            int rc;

            if (i < N_SHARED)
                snprintf(name, sizeof(name), "shared");
            else
                snprintf(name, sizeof(name), "own-%d", i);
            rc = compare_store_save(f->store, name, r, err, sizeof(err));
            metrics_results_free(r);
            _exit(rc == 0 ? 0 : 1);
        }
    }
    for (int i = 0; i < N_PROCS; i++) {
        int st = 0;
        assert_int_equal(waitpid(pids[i], &st, 0), pids[i]);
        assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    assert_int_equal(compare_store_list(f->store, &e, &n, err, sizeof(err)), 0);
    assert_int_equal(n, 1 + (N_PROCS - N_SHARED));
    for (size_t i = 0; i < n; i++) {
        struct metrics_results *back = NULL;
        assert_string_not_equal(e[i].timestamp, "corrupt");
        assert_int_equal(
            compare_store_load(f->store, e[i].name, &back, err, sizeof(err)),
            0);
        metrics_results_free(back);
        assert_int_equal(history_count(f->store, e[i].name),
                         strcmp(e[i].name, "shared") == 0 ? N_SHARED - 1 : 0);
    }
    compare_store_list_free(e, n);
    /* every kept version parses, and their numbers are 1 .. 9 */
    assert_int_equal(
        compare_store_history(f->store, "shared", &e, &n, err, sizeof(err)), 0);
    for (size_t i = 0; i < n; i++) {
        char want[16];
        assert_string_not_equal(e[i].timestamp, "corrupt");
        snprintf(want, sizeof(want), "-%06zu", n - i);
        assert_non_null(strstr(e[i].name, want));
    }
    compare_store_list_free(e, n);
}

/* The modes the tests expect (0755 folders) assume umask 022. */
static int group_setup(void **state)
{
    (void)state;
    umask(022);
    return 0;
}

LGTEST_MAIN(group_setup, NULL, LGTEST_FX(test_round_trip),
            LGTEST_FX(test_corrupt), LGTEST_FX(test_names),
            LGTEST_FX(test_resolve), LGTEST_FX(test_baseline_kind),
            cmocka_unit_test(test_profile_mismatch), LGTEST_FX(test_closest),
            LGTEST_FX(test_save_io_error),
            LGTEST_FX(test_history_rollback_prune),
            LGTEST_FX(test_rollback_corrupt), LGTEST_FX(test_concurrent_saves))
