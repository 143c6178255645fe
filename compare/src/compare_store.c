/*
 * The baseline store: one results document per baseline, <dir>/<name>.json,
 * written atomically by metrics_results_save() so that a crash never leaves
 * half a baseline behind.  Names are checked (compare_name_valid) before
 * they become paths, so a name can never leave the store folder.
 *
 * Lifecycle: before a baseline is replaced (save, rollback) or removed, the
 * current file is hard-linked (copied where links fail) into
 * <dir>/.history/<name>/<UTC time>-<seq>.json; seq grows per name, so the
 * order survives two saves within one second.  Writers take an exclusive
 * flock on <dir>/.lock: parallel CI jobs saving at once queue up instead of
 * racing on the sequence number.  Readers take no lock: every file they can
 * see was renamed into place whole.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "compare_internal.h"

#define NAME_MAX_CHARS 64

bool compare_name_valid(const char *name)
{
    size_t n;

    if (!name || !name[0] || name[0] == '.')
        return false;
    for (n = 0; name[n]; n++) {
        char c = name[n];
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                  (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
        if (!ok || n >= NAME_MAX_CHARS)
            return false;
    }
    return true;
}

static int bad_name(const char *name, char *errbuf, size_t errlen)
{
    loadgate_errorf(
        errbuf, errlen,
        "invalid baseline name '%.80s': use 1 to 64 characters from "
        "A-Z a-z 0-9 . _ - not starting with '.'",
        name ? name : "");
    return COMPARE_ENAME;
}

static int not_found(const char *name, const char *dir, char *errbuf,
                     size_t errlen)
{
    loadgate_errorf(errbuf, errlen,
                    "no baseline '%s' in %s (loadgate baseline list shows "
                    "what exists)",
                    name, dir);
    return COMPARE_ENOTFOUND;
}

static char *join(const char *dir, const char *name, const char *ext)
{
    size_t n = strlen(dir) + strlen(name) + strlen(ext) + 2;
    char *p = malloc(n);

    if (p)
        snprintf(p, n, "%s/%s%s", dir, name, ext);
    return p;
}

/* mkdir -p, 0755. */
static int mkdirs(const char *dir, char *errbuf, size_t errlen)
{
    char *p = strdup(dir), *s;
    struct stat st;
    int rc = 0;

    if (!p)
        return COMPARE_ENOMEM;
    for (s = p + 1;; s++) {
        bool last = *s == '\0';
        if (*s != '/' && !last)
            continue;
        *s = '\0';
        if (mkdir(p, 0755) != 0 && errno != EEXIST) {
            loadgate_errorf(errbuf, errlen, "cannot create '%s': %s", p,
                            strerror(errno));
            rc = COMPARE_EIO;
            goto out;
        }
        if (last)
            break;
        *s = '/';
    }
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        loadgate_errorf(errbuf, errlen,
                        "cannot use '%s' as the baseline store: %s", dir,
                        errno ? strerror(errno) : "not a directory");
        rc = COMPARE_EIO;
    }
out:
    free(p);
    return rc;
}

/* ---- lock and history ---------------------------------------------------- */

#define HISTORY_DIR ".history"
#define VERSION_LEN 40

/* Exclusive flock on <dir>/.lock; *fd is closed by unlock(). */
static int lock_store(const char *dir, int *fd, char *errbuf, size_t errlen)
{
    char *path = join(dir, ".lock", "");
    int rc = 0;

    *fd = -1;
    if (!path)
        return COMPARE_ENOMEM;
    *fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (*fd < 0) {
        loadgate_errorf(errbuf, errlen, "cannot open '%s': %s", path,
                        strerror(errno));
        rc = COMPARE_EIO;
        goto out;
    }
    while (flock(*fd, LOCK_EX) != 0) {
        if (errno == EINTR)
            continue;
        loadgate_errorf(errbuf, errlen, "cannot lock '%s': %s", path,
                        strerror(errno));
        close(*fd);
        *fd = -1;
        rc = COMPARE_EIO;
        goto out;
    }
out:
    free(path);
    return rc;
}

static void unlock_store(int fd)
{
    if (fd >= 0)
        close(fd); /* releases the flock */
}

/* <dir>/.history/<name> */
static char *history_dir(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + sizeof(HISTORY_DIR) + 3;
    char *p = malloc(n);

    if (p)
        snprintf(p, n, "%s/%s/%s", dir, HISTORY_DIR, name);
    return p;
}

/* For a valid name, its history folder (history true) or its current
 * file, malloc'd into *path: 0, COMPARE_ENAME (errbuf says why) or
 * COMPARE_ENOMEM. */
static int named_path(const char *dir, const char *name, bool history,
                      char **path, char *errbuf, size_t errlen)
{
    if (!compare_name_valid(name))
        return bad_name(name, errbuf, errlen);
    *path = history ? history_dir(dir, name) : join(dir, name, ".json");
    return *path ? 0 : COMPARE_ENOMEM;
}

/* The sequence number of a version stem "<time>-<seq>"; 0 if none. */
static unsigned long version_seq(const char *stem)
{
    const char *dash = strrchr(stem, '-');
    char *end;
    unsigned long v;

    if (!dash || !dash[1])
        return 0;
    v = strtoul(dash + 1, &end, 10);
    return *end == '\0' ? v : 0;
}

static int version_cmp(const void *a, const void *b)
{
    const char *x = *(char *const *)a, *y = *(char *const *)b;
    unsigned long sx = version_seq(x), sy = version_seq(y);

    if (sx != sy)
        return sx < sy ? 1 : -1; /* newest first */
    return strcmp(y, x);
}

static void free_versions(char **v, size_t n)
{
    if (!v)
        return;
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* The stems of the "<stem>.json" files in dir whose stem is a valid name
 * (not the temporary files of atomic writes), in no order.  A missing dir
 * has none; so has one that is not a folder, when notdir_empty. */
static int json_stems(const char *dir, bool notdir_empty, char ***out,
                      size_t *n, char *errbuf, size_t errlen)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    char **v = NULL;
    size_t count = 0, cap = 0;
    int rc = 0;

    *out = NULL;
    *n = 0;
    if (!d) {
        if (errno == ENOENT || (notdir_empty && errno == ENOTDIR))
            return 0;
        loadgate_errorf(errbuf, errlen, "cannot read '%s': %s", dir,
                        strerror(errno));
        return COMPARE_EIO;
    }
    while ((errno = 0, de = readdir(d)) != NULL) {
        size_t len = strlen(de->d_name);
        char *stem;

        if (len <= 5 || len - 5 > NAME_MAX_CHARS ||
            strcmp(de->d_name + len - 5, ".json") != 0)
            continue;
        stem = strndup(de->d_name, len - 5);
        if (!stem) {
            rc = COMPARE_ENOMEM;
            goto out;
        }
        if (!compare_name_valid(stem)) {
            free(stem);
            continue;
        }
        if (count == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            char **nv = realloc(v, ncap * sizeof(*nv));
            if (!nv) {
                free(stem);
                rc = COMPARE_ENOMEM;
                goto out;
            }
            v = nv;
            cap = ncap;
        }
        v[count++] = stem;
    }
    if (errno != 0) {
        loadgate_errorf(errbuf, errlen, "cannot read '%s': %s", dir,
                        strerror(errno));
        rc = COMPARE_EIO;
        goto out;
    }
    *out = v;
    *n = count;
    v = NULL;
    count = 0;
out:
    free_versions(v, count);
    closedir(d);
    return rc;
}

/* The version stems in hdir, newest first (an absent folder is none). */
static int list_versions(const char *hdir, char ***out, size_t *n, char *errbuf,
                         size_t errlen)
{
    size_t kept = 0;
    int rc = json_stems(hdir, true, out, n, errbuf, errlen);

    if (rc)
        return rc;
    for (size_t i = 0; i < *n; i++) {
        if (version_seq((*out)[i]) == 0)
            free((*out)[i]); /* temporary files and strangers */
        else
            (*out)[kept++] = (*out)[i];
    }
    *n = kept;
    if (kept == 0) {
        free(*out);
        *out = NULL;
    } else if (kept > 1) {
        qsort(*out, kept, sizeof(**out), version_cmp);
    }
    return 0;
}

/* Reads a whole file into a NUL-terminated malloc'd buffer. */
static int read_file(const char *path, char **out, size_t *len, char *errbuf,
                     size_t errlen)
{
    FILE *f = fopen(path, "rb");
    int rc;

    *out = NULL;
    if (!f) {
        loadgate_errorf(errbuf, errlen, "cannot read '%s': %s", path,
                        strerror(errno));
        return errno == ENOENT ? COMPARE_ENOTFOUND : COMPARE_EIO;
    }
    rc = metrics_read_all(f, SIZE_MAX, out, len);
    fclose(f);
    if (rc == METRICS_ENOMEM)
        return COMPARE_ENOMEM;
    if (rc) {
        loadgate_errorf(errbuf, errlen, "cannot read '%s'", path);
        return COMPARE_EIO;
    }
    return 0;
}

/* Copies src to dst atomically (where a hard link is not possible). */
static int copy_file(const char *src, const char *dst, char *errbuf,
                     size_t errlen)
{
    char *data = NULL;
    size_t len = 0;
    int rc = read_file(src, &data, &len, errbuf, errlen);

    if (rc)
        return rc;
    if (metrics_write_atomic(dst, data, len) != 0) {
        loadgate_errorf(errbuf, errlen, "cannot write '%s': %s", dst,
                        strerror(errno));
        rc = COMPARE_EIO;
    }
    free(data);
    return rc;
}

/* Keeps the current <dir>/<name>.json (if any) as the next version in its
 * history.  Called with the lock held. */
static int keep_current(const char *dir, const char *name, char *errbuf,
                        size_t errlen)
{
    char *cur = join(dir, name, ".json"), *hdir = history_dir(dir, name);
    char *dst = NULL, **v = NULL, stamp[32], stem[VERSION_LEN];
    size_t n = 0;
    struct stat st;
    struct tm tm;
    time_t now = time(NULL);
    int rc = 0;

    if (!cur || !hdir) {
        rc = COMPARE_ENOMEM;
        goto out;
    }
    if (stat(cur, &st) != 0 || !S_ISREG(st.st_mode))
        goto out; /* nothing to keep */
    if ((rc = mkdirs(hdir, errbuf, errlen)))
        goto out;
    if ((rc = list_versions(hdir, &v, &n, errbuf, errlen)))
        goto out;
    if (!gmtime_r(&now, &tm) ||
        strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm) == 0)
        snprintf(stamp, sizeof(stamp), "unknown");
    snprintf(stem, sizeof(stem), "%s-%06lu", stamp,
             (n ? version_seq(v[0]) : 0) + 1);
    dst = join(hdir, stem, ".json");
    if (!dst) {
        rc = COMPARE_ENOMEM;
        goto out;
    }
    if (link(cur, dst) != 0)
        rc = copy_file(cur, dst, errbuf, errlen);
out:
    free_versions(v, n);
    free(dst);
    free(hdir);
    free(cur);
    return rc;
}

static int save_locked(const char *dir, const char *name,
                       struct metrics_results *r, char *errbuf, size_t errlen);

int compare_store_save(const char *dir, const char *name,
                       struct metrics_results *r, char *errbuf, size_t errlen)
{
    int fd = -1, rc;

    loadgate_errorf(errbuf, errlen, "%s", "");
    if (!r || !dir || !*dir) {
        loadgate_errorf(errbuf, errlen, "no document or no store folder");
        return COMPARE_EINVAL;
    }
    if (!compare_name_valid(name))
        return bad_name(name, errbuf, errlen);
    if ((rc = mkdirs(dir, errbuf, errlen)))
        return rc;
    if ((rc = lock_store(dir, &fd, errbuf, errlen)))
        return rc;
    rc = keep_current(dir, name, errbuf, errlen);
    if (rc == 0)
        rc = save_locked(dir, name, r, errbuf, errlen);
    unlock_store(fd);
    return rc;
}

static int save_locked(const char *dir, const char *name,
                       struct metrics_results *r, char *errbuf, size_t errlen)
{
    char *path = NULL, *old_id, *id = NULL;
    int rc = 0;

    path = join(dir, name, ".json");
    id = strdup(name);
    if (!path || !id) {
        rc = COMPARE_ENOMEM;
        goto out;
    }
    old_id = r->baseline_id;
    r->baseline_id = id;
    if (metrics_results_save(r, path, errbuf, errlen) != 0) {
        /* the document stays as it was */
        r->baseline_id = old_id;
        rc = COMPARE_EIO;
        goto out;
    }
    id = NULL;
    free(old_id);
out:
    free(id);
    free(path);
    return rc;
}

static int load_path(const char *path, struct metrics_results **out,
                     char *errbuf, size_t errlen)
{
    char err[768];
    int rc;

    err[0] = '\0';
    rc = metrics_results_load(path, out, err, sizeof(err));
    if (rc == 0)
        return 0;
    *out = NULL;
    if (rc == METRICS_ENOMEM) {
        loadgate_errorf(errbuf, errlen, "out of memory");
        return COMPARE_ENOMEM;
    }
    if (rc == METRICS_EIO) {
        loadgate_errorf(errbuf, errlen, "%s", err[0] ? err : path);
        return COMPARE_EIO;
    }
    /* EPARSE, ESCHEMA and anything else: not a usable document */
    if (strstr(err, path))
        loadgate_errorf(errbuf, errlen, "%s", err);
    else
        loadgate_errorf(errbuf, errlen, "%s: %s", path,
                        err[0] ? err : metrics_strerror(rc));
    return COMPARE_ECORRUPT;
}

int compare_store_load(const char *dir, const char *name,
                       struct metrics_results **out, char *errbuf,
                       size_t errlen)
{
    char *path = NULL;
    struct stat st;
    int rc;

    loadgate_errorf(errbuf, errlen, "%s", "");
    if (!out || !dir)
        return COMPARE_EINVAL;
    *out = NULL;
    if ((rc = named_path(dir, name, false, &path, errbuf, errlen)))
        return rc;
    if (stat(path, &st) != 0) {
        if (errno == ENOENT || errno == ENOTDIR) {
            rc = not_found(name, dir, errbuf, errlen);
        } else {
            loadgate_errorf(errbuf, errlen, "cannot read '%s': %s", path,
                            strerror(errno));
            rc = COMPARE_EIO;
        }
        goto out;
    }
    rc = load_path(path, out, errbuf, errlen);
out:
    free(path);
    return rc;
}

static int entry_cmp(const void *a, const void *b)
{
    const struct compare_store_entry *x = a, *y = b;
    return strcmp(x->name, y->name);
}

/* Fills e from the document at path; a corrupt one keeps its name with
 * timestamp "corrupt" and zero values, so that it can be seen and removed. */
static int fill_entry(const char *path, struct compare_store_entry *e)
{
    struct metrics_results *r = NULL;
    struct metrics_endpoint *all = NULL;
    double p95;
    int rc = 0;

    if (metrics_results_load(path, &r, NULL, 0) != 0) {
        e->timestamp = strdup("corrupt");
        return e->timestamp ? 0 : COMPARE_ENOMEM;
    }
    e->timestamp = strdup(r->timestamp ? r->timestamp : "");
    if (r->meta.profile_sha256)
        e->profile_sha256 = strdup(r->meta.profile_sha256);
    if (!e->timestamp || (r->meta.profile_sha256 && !e->profile_sha256)) {
        rc = COMPARE_ENOMEM;
        goto out;
    }
    e->total_requests = metrics_results_total_requests(r);
    if (metrics_results_aggregate(r, &all) != 0) {
        rc = COMPARE_ENOMEM;
        goto out;
    }
    if (metrics_value(r, all, METRICS_STAT_P95, &p95) == 0)
        e->p95_ms = p95;
out:
    metrics_endpoint_free(all);
    metrics_results_free(r);
    return rc;
}

/* An entry (fill_entry) for each "<stem>.json" of dir, in the stems'
 * order, each taking its stem (set to NULL); with regular_only, a stem
 * that is not a regular file is left out.  *out is NULL when none. */
static int fill_entries(const char *dir, char **stems, size_t n_stems,
                        bool regular_only, struct compare_store_entry **out,
                        size_t *n)
{
    struct compare_store_entry *v = NULL;
    char *path = NULL;
    size_t count = 0;
    int rc = 0;

    if (n_stems && !(v = calloc(n_stems, sizeof(*v))))
        return COMPARE_ENOMEM;
    for (size_t i = 0; i < n_stems; i++) {
        struct stat st;

        free(path);
        path = join(dir, stems[i], ".json");
        if (!path) {
            rc = COMPARE_ENOMEM;
            goto out;
        }
        if (regular_only && (stat(path, &st) != 0 || !S_ISREG(st.st_mode)))
            continue;
        v[count++].name = stems[i];
        stems[i] = NULL;
        if ((rc = fill_entry(path, &v[count - 1])))
            goto out;
    }
    *out = count ? v : NULL;
    *n = count;
    if (count)
        v = NULL;
    count = 0;
out:
    compare_store_list_free(v, count);
    free(path);
    return rc;
}

int compare_store_list(const char *dir, struct compare_store_entry **out,
                       size_t *n, char *errbuf, size_t errlen)
{
    char **stems = NULL;
    size_t n_stems = 0;
    int rc;

    loadgate_errorf(errbuf, errlen, "%s", "");
    if (!out || !n || !dir)
        return COMPARE_EINVAL;
    *out = NULL;
    *n = 0;
    if (!(rc = json_stems(dir, false, &stems, &n_stems, errbuf, errlen)) &&
        !(rc = fill_entries(dir, stems, n_stems, true, out, n)) && *n > 1)
        qsort(*out, *n, sizeof(**out), entry_cmp);
    if (rc == COMPARE_ENOMEM)
        loadgate_errorf(errbuf, errlen, "out of memory");
    free_versions(stems, n_stems);
    return rc;
}

void compare_store_list_free(struct compare_store_entry *e, size_t n)
{
    if (!e)
        return;
    for (size_t i = 0; i < n; i++) {
        free(e[i].name);
        free(e[i].timestamp);
        free(e[i].profile_sha256);
    }
    free(e);
}

int compare_store_rm(const char *dir, const char *name, char *errbuf,
                     size_t errlen)
{
    char *path = NULL;
    int rc = 0, fd = -1;

    loadgate_errorf(errbuf, errlen, "%s", "");
    if (!dir)
        return COMPARE_EINVAL;
    if ((rc = named_path(dir, name, false, &path, errbuf, errlen)))
        return rc;
    if (access(path, F_OK) == 0) {
        /* kept in history, so that a rollback can bring it back */
        if ((rc = lock_store(dir, &fd, errbuf, errlen)) ||
            (rc = keep_current(dir, name, errbuf, errlen)))
            goto out;
    }
    if (unlink(path) != 0) {
        if (errno == ENOENT || errno == ENOTDIR) {
            rc = not_found(name, dir, errbuf, errlen);
        } else {
            loadgate_errorf(errbuf, errlen, "cannot remove '%s': %s", path,
                            strerror(errno));
            rc = COMPARE_EIO;
        }
    }
out:
    unlock_store(fd);
    free(path);
    return rc;
}

/* Levenshtein distance of two short names (at most NAME_MAX_CHARS). */
static size_t edits(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), row[NAME_MAX_CHARS + 2];

    if (la > NAME_MAX_CHARS || lb > NAME_MAX_CHARS)
        return (size_t)-1;
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j], best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            diag = up;
            row[j] = best;
        }
    }
    return row[lb];
}

int compare_store_closest(const char *dir, const char *name, char **closest,
                          char *errbuf, size_t errlen)
{
    struct compare_store_entry *e = NULL;
    size_t n = 0, best = 0, best_d = (size_t)-1;
    int rc;

    if (!closest || !dir || !name)
        return COMPARE_EINVAL;
    *closest = NULL;
    rc = compare_store_list(dir, &e, &n, errbuf, errlen);
    if (rc)
        return rc;
    for (size_t i = 0; i < n; i++) {
        size_t d = edits(name, e[i].name);
        if (i == 0 || d < best_d) {
            best = i;
            best_d = d;
        }
    }
    if (n > 0) {
        *closest = strdup(e[best].name);
        if (!*closest) {
            loadgate_errorf(errbuf, errlen, "out of memory");
            rc = COMPARE_ENOMEM;
        }
    }
    compare_store_list_free(e, n);
    return rc;
}

static bool is_regular_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

enum compare_baseline_kind compare_baseline_kind(const char *spec)
{
    if (!spec || !*spec)
        return COMPARE_BASELINE_NONE;
    if (strncasecmp(spec, "http://", 7) == 0 ||
        strncasecmp(spec, "https://", 8) == 0)
        return COMPARE_BASELINE_URL;
    if (strchr(spec, '/') || ends_with(spec, ".json") || is_regular_file(spec))
        return COMPARE_BASELINE_FILE;
    return COMPARE_BASELINE_NAME;
}

/* "dir/main.json" -> "main" */
static char *file_stem(const char *path)
{
    const char *base = strrchr(path, '/');
    size_t n;
    char *s;

    base = base ? base + 1 : path;
    n = strlen(base);
    if (n > 5 && ends_with(base, ".json"))
        n -= 5;
    s = malloc(n + 1);
    if (s) {
        memcpy(s, base, n);
        s[n] = '\0';
    }
    return s;
}

int compare_baseline_resolve(const char *spec, const char *store_dir,
                             struct metrics_results **out, char **name_out,
                             char *errbuf, size_t errlen)
{
    struct metrics_results *r = NULL;
    char *name = NULL;
    int rc;

    loadgate_errorf(errbuf, errlen, "%s", "");
    if (name_out)
        *name_out = NULL;
    if (!out)
        return COMPARE_EINVAL;
    *out = NULL;
    if (!spec || !*spec) {
        loadgate_errorf(errbuf, errlen, "no baseline named");
        return COMPARE_EINVAL;
    }
    if (!store_dir)
        store_dir = COMPARE_DEFAULT_STORE;

    if (compare_baseline_kind(spec) == COMPARE_BASELINE_FILE) {
        struct stat st;
        if (stat(spec, &st) != 0) {
            if (errno == ENOENT || errno == ENOTDIR) {
                loadgate_errorf(errbuf, errlen, "no baseline file '%s'", spec);
                rc = COMPARE_ENOTFOUND;
            } else {
                loadgate_errorf(errbuf, errlen, "cannot read '%s': %s", spec,
                                strerror(errno));
                rc = COMPARE_EIO;
            }
            goto out;
        }
        if (S_ISDIR(st.st_mode)) {
            loadgate_errorf(errbuf, errlen,
                            "'%s' is a folder, not a baseline file", spec);
            rc = COMPARE_EIO;
            goto out;
        }
        rc = load_path(spec, &r, errbuf, errlen);
        if (rc)
            goto out;
        if (name_out && !(r->baseline_id && *r->baseline_id))
            name = file_stem(spec);
    } else {
        rc = compare_store_load(store_dir, spec, &r, errbuf, errlen);
        if (rc)
            goto out;
        if (name_out && !(r->baseline_id && *r->baseline_id))
            name = strdup(spec);
    }
    if (name_out) {
        if (!name)
            name = strdup(r->baseline_id && *r->baseline_id ? r->baseline_id
                                                            : spec);
        if (!name) {
            rc = COMPARE_ENOMEM;
            loadgate_errorf(errbuf, errlen, "out of memory");
            goto out;
        }
        *name_out = name;
        name = NULL;
    }
    *out = r;
    r = NULL;
out:
    free(name);
    metrics_results_free(r);
    return rc;
}

/* ---- history, rollback, prune ---------------------------------------------
 */

int compare_store_history(const char *dir, const char *name,
                          struct compare_store_entry **out, size_t *n,
                          char *errbuf, size_t errlen)
{
    char *hdir = NULL, **v = NULL;
    size_t nv = 0;
    int rc = 0;

    loadgate_errorf(errbuf, errlen, "%s", "");
    if (!out || !n || !dir)
        return COMPARE_EINVAL;
    *out = NULL;
    *n = 0;
    if ((rc = named_path(dir, name, true, &hdir, errbuf, errlen)))
        return rc;
    if (!(rc = list_versions(hdir, &v, &nv, errbuf, errlen)))
        rc = fill_entries(hdir, v, nv, false, out, n);
    if (rc == COMPARE_ENOMEM)
        loadgate_errorf(errbuf, errlen, "out of memory");
    free_versions(v, nv);
    free(hdir);
    return rc;
}

int compare_store_rollback(const char *dir, const char *name,
                           const char *version, char *errbuf, size_t errlen)
{
    char *hdir = NULL, **v = NULL, *src = NULL, *dst = NULL, *data = NULL;
    size_t nv = 0, len = 0;
    struct metrics_results *doc = NULL;
    char err[512] = "";
    int fd = -1, rc;

    loadgate_errorf(errbuf, errlen, "%s", "");
    if (!dir)
        return COMPARE_EINVAL;
    if (!compare_name_valid(name))
        return bad_name(name, errbuf, errlen);
    if (version && !compare_name_valid(version)) {
        loadgate_errorf(errbuf, errlen, "invalid version '%.80s'", version);
        return COMPARE_ENAME;
    }
    hdir = history_dir(dir, name);
    dst = join(dir, name, ".json");
    if (!hdir || !dst) {
        rc = COMPARE_ENOMEM;
        goto out;
    }
    if ((rc = mkdirs(dir, errbuf, errlen)) ||
        (rc = lock_store(dir, &fd, errbuf, errlen)) ||
        (rc = list_versions(hdir, &v, &nv, errbuf, errlen)))
        goto out;
    if (nv == 0) {
        loadgate_errorf(errbuf, errlen,
                        "baseline '%s' has no kept versions in %s", name, dir);
        rc = COMPARE_ENOTFOUND;
        goto out;
    }
    if (version) {
        bool found = false;
        for (size_t i = 0; i < nv && !found; i++)
            found = strcmp(v[i], version) == 0;
        if (!found) {
            loadgate_errorf(
                errbuf, errlen,
                "baseline '%s' has no version '%s' (loadgate baseline "
                "history %s lists them)",
                name, version, name);
            rc = COMPARE_ENOTFOUND;
            goto out;
        }
    }
    src = join(hdir, version ? version : v[0], ".json");
    if (!src) {
        rc = COMPARE_ENOMEM;
        goto out;
    }
    if ((rc = read_file(src, &data, &len, errbuf, errlen)))
        goto out;
    if (metrics_results_parse(data, len, &doc, err, sizeof(err)) != 0) {
        loadgate_errorf(errbuf, errlen, "%s: %s", src, err);
        rc = COMPARE_ECORRUPT;
        goto out;
    }
    if ((rc = keep_current(dir, name, errbuf, errlen)))
        goto out;
    if (metrics_write_atomic(dst, data, len) != 0) {
        loadgate_errorf(errbuf, errlen, "cannot write '%s': %s", dst,
                        strerror(errno));
        rc = COMPARE_EIO;
    }
out:
    unlock_store(fd);
    if (rc == COMPARE_ENOMEM)
        loadgate_errorf(errbuf, errlen, "out of memory");
    metrics_results_free(doc);
    free(data);
    free_versions(v, nv);
    free(src);
    free(dst);
    free(hdir);
    return rc;
}

int compare_store_prune(const char *dir, const char *name, size_t keep,
                        char *errbuf, size_t errlen)
{
    char *hdir = NULL, **v = NULL, *path = NULL;
    size_t nv = 0;
    int fd = -1, rc, removed = 0;

    loadgate_errorf(errbuf, errlen, "%s", "");
    if (!dir)
        return COMPARE_EINVAL;
    if ((rc = named_path(dir, name, true, &hdir, errbuf, errlen)))
        return rc;
    if (access(dir, F_OK) != 0) {
        rc = 0; /* no store, no history */
        goto out;
    }
    if ((rc = lock_store(dir, &fd, errbuf, errlen)) ||
        (rc = list_versions(hdir, &v, &nv, errbuf, errlen)))
        goto out;
    for (size_t i = keep; i < nv; i++) {
        free(path);
        path = join(hdir, v[i], ".json");
        if (!path) {
            rc = COMPARE_ENOMEM;
            goto out;
        }
        if (unlink(path) != 0 && errno != ENOENT) {
            loadgate_errorf(errbuf, errlen, "cannot remove '%s': %s", path,
                            strerror(errno));
            rc = COMPARE_EIO;
            goto out;
        }
        removed++;
    }
out:
    unlock_store(fd);
    free_versions(v, nv);
    free(path);
    free(hdir);
    return rc ? rc : removed;
}
