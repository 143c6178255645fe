/*
 * GitHub Actions workflow commands: ::error on the
 * threshold's line for failed checks, ::warning for inconclusive, warned
 * and skipped checks, one ::notice with the verdict.  GitHub shows at most
 * 10 of each kind per step, so each kind stops at 9 and a tenth line says
 * how many more there are.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gate_internal.h"

#define GH_MAX_PER_KIND 9

void gate__gh_escape(FILE *out, const char *s, bool property)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '%':
            fputs("%25", out);
            break;
        case '\r':
            fputs("%0D", out);
            break;
        case '\n':
            fputs("%0A", out);
            break;
        case ':':
            fputs(property ? "%3A" : ":", out);
            break;
        case ',':
            fputs(property ? "%2C" : ",", out);
            break;
        default:
            fputc(*s, out);
        }
    }
}

/* Cleans s (valid UTF-8, no control characters other than TAB, CR and
 * LF, which escaping keeps visible) and writes it escaped. */
static int gh_text(FILE *out, const char *s, size_t len, bool property)
{
    char *c = gate__clean(s, len, GATE__CLEAN_KEEP_WS, 0);

    if (!c)
        return GATE_ENOMEM;
    gate__gh_escape(out, c, property);
    free(c);
    return 0;
}

static int gh_str(FILE *out, const char *s, bool property)
{
    return gh_text(out, s ? s : "", s ? strlen(s) : 0, property);
}

/*
 * path made absolute without touching the file system (the current
 * directory prepended to a relative one; ".", ".." and repeated '/'
 * resolved), malloc'd; NULL when out of memory or the current directory
 * is unknown.
 */
static char *absolute(const char *path)
{
    char cwd[PATH_MAX];
    size_t n = strlen(path), cut = 0;
    char *joined, *out;
    size_t o = 0;

    if (path[0] != '/' && !getcwd(cwd, sizeof(cwd)))
        return NULL;
    if (path[0] == '/')
        cwd[0] = '\0';
    else
        cut = strlen(cwd);
    joined = malloc(cut + n + 2);
    out = malloc(cut + n + 2);
    if (!joined || !out) {
        free(joined);
        free(out);
        return NULL;
    }
    snprintf(joined, cut + n + 2, "%s/%s", cwd, path);
    /* out holds "/a/b" components; each one is appended or drops one */
    for (char *p = joined; *p;) {
        char *end = strchr(p, '/');
        size_t len = end ? (size_t)(end - p) : strlen(p);

        if ((len == 1 && p[0] == '.') || len == 0) {
            /* nothing */
        } else if (len == 2 && p[0] == '.' && p[1] == '.') {
            while (o > 0 && out[o - 1] != '/')
                o--;
            if (o > 0)
                o--;
        } else {
            out[o++] = '/';
            memcpy(out + o, p, len);
            o += len;
        }
        p += len;
        if (*p == '/')
            p++;
    }
    if (o == 0)
        out[o++] = '/';
    out[o] = '\0';
    free(joined);
    return out;
}

/* path below dir (both absolute, normalised): the part after "dir/", or
 * NULL when path is not below it. */
static const char *below(const char *path, const char *dir)
{
    size_t n = strlen(dir);

    if (n == 1 && dir[0] == '/')
        return path[1] ? path + 1 : NULL;
    if (strncmp(path, dir, n) == 0 && path[n] == '/' && path[n + 1])
        return path + n + 1;
    return NULL;
}

/*
 * The file= of an annotation, malloc'd (NULL when out of memory).  GitHub
 * resolves it against the repository's root (GITHUB_WORKSPACE), not the
 * step's working-directory: when GITHUB_WORKSPACE is set, file is made
 * absolute and given relative to the workspace, or kept absolute when it
 * lies outside.  Either may be reached through a symbolic link, so both
 * are also compared resolved.  Without GITHUB_WORKSPACE it is file as
 * given.
 */
static char *gh_file(const char *file)
{
    const char *ws = getenv("GITHUB_WORKSPACE");
    char *paths[2] = {NULL, NULL}, *dirs[2] = {NULL, NULL};
    char *out = NULL;

    if (!ws || !*ws)
        return strdup(file);
    paths[0] = absolute(file);
    paths[1] = realpath(file, NULL);
    dirs[0] = absolute(ws);
    dirs[1] = realpath(ws, NULL);
    for (int i = 0; i < 2 && !out; i++)
        for (int k = 0; k < 2 && !out; k++) {
            const char *rel =
                paths[i] && dirs[k] ? below(paths[i], dirs[k]) : NULL;

            if (rel)
                out = strdup(rel);
        }
    if (!out)
        out = strdup(paths[0] ? paths[0] : paths[1] ? paths[1] : file);
    for (int i = 0; i < 2; i++) {
        free(paths[i]);
        free(dirs[i]);
    }
    return out;
}

/* One command for check c: "::kind file=F,line=N,title=E: X::message". */
static int annotate(FILE *out, const char *kind, const struct gate_report *r,
                    const struct compare_check *c)
{
    const struct compare_threshold *th = c->threshold;
    const char *file = th && th->file && *th->file ? th->file : r->profile_path;
    char synth[512];
    int rc = 0;

    fprintf(out, "::%s ", kind);
    if (file && *file) {
        char *shown = gh_file(file);

        fputs("file=", out);
        rc |= shown ? gh_str(out, shown, true) : GATE_ENOMEM;
        free(shown);
        if (th && th->line > 0)
            fprintf(out, ",line=%d", th->line);
        fputc(',', out);
    }
    fputs("title=", out);
    rc |= gh_str(out, c->endpoint ? c->endpoint : "ALL", true);
    rc |= gh_str(out, ": ", true);
    rc |= gh_str(out, c->expr, true);
    fputs("::", out);
    if (gate__status(c) == COMPARE_PASS && c->warning)
        fputs("passed with a warning: ", out);
    else if (gate__status(c) == COMPARE_SKIPPED)
        fputs("skipped: ", out);
    else if (gate__status(c) == COMPARE_INCONCLUSIVE)
        fputs("inconclusive: ", out);
    if (c->message[0]) {
        rc |= gh_text(out, c->message, strnlen(c->message, sizeof(c->message)),
                      false);
    } else {
        gate__synth_message(c, synth, sizeof(synth));
        rc |= gh_str(out, synth, false);
    }
    fputc('\n', out);
    return rc ? GATE_ENOMEM : 0;
}

/* The order of annotations when there are more than fit: failed checks
 * (0, errors), then the warnings that stop a verdict from being judged,
 * then warned passes, then skips; -1 for a check without one. */
static int annotation_rank(const struct compare_check *c)
{
    switch (gate__status(c)) {
    case COMPARE_FAIL:
        return 0;
    case COMPARE_INCONCLUSIVE:
        return 1;
    case COMPARE_PASS:
        return c->warning ? 2 : -1;
    case COMPARE_SKIPPED:
        return 3;
    default:
        return -1;
    }
}

/* The annotations of the checks of rank (an error for rank 0, else a
 * warning), GH_MAX_PER_KIND at most with *shown; the rest in *more. */
static int annotate_rank(FILE *out, const struct gate_report *r, int rank,
                         size_t *shown, size_t *more)
{
    const struct compare_verdict *v = r->verdict;
    int rc = 0;

    for (size_t i = 0; v && v->checks && i < v->n_checks; i++) {
        if (annotation_rank(&v->checks[i]) != rank)
            continue;
        if (*shown < GH_MAX_PER_KIND) {
            rc |= annotate(out, rank == 0 ? "error" : "warning", r,
                           &v->checks[i]);
            (*shown)++;
        } else {
            (*more)++;
        }
    }
    return rc;
}

/* The whole run's streams in one notice (only runs with streams). */
static int stream_notice(const struct gate_report *r, FILE *out)
{
    struct gate__streams st;
    char line[600];

    if (!r->run || !metrics_results_has_streams(r->run))
        return 0;
    if (gate__streams_get(r->run, &st) != 0)
        return GATE_ENOMEM;
    gate__stream_line(&st.rows[st.n - 1], line, sizeof(line));
    fputs("::notice title=loadgate streams (", out);
    gate__gh_escape(out, st.rows[st.n - 1].name, true);
    fputs(")::", out);
    gate__gh_escape(out, line, false);
    fputc('\n', out);
    gate__streams_free(&st);
    return 0;
}

int gate_github_annotations(const struct gate_report *r, FILE *out)
{
    size_t errors = 0, more_errors = 0, warnings = 0, more_warnings = 0;
    char line[1024];
    int rc = 0;

    if (!r || !out)
        return GATE_EIO;
    if (r->error_reason) {
        fputs("::error title=loadgate::could not judge: ", out);
        rc |= gh_str(out, r->error_reason, false);
        fputc('\n', out);
        errors++;
    }
    rc |= annotate_rank(out, r, 0, &errors, &more_errors);
    if (more_errors)
        fprintf(out,
                "::error::%zu more failed check%s; see the job "
                "summary\n",
                more_errors, more_errors == 1 ? "" : "s");
    for (int rank = 1; rank <= 3; rank++)
        rc |= annotate_rank(out, r, rank, &warnings, &more_warnings);
    if (more_warnings)
        fprintf(out, "::warning::%zu more warning%s; see the job summary\n",
                more_warnings, more_warnings == 1 ? "" : "s");
    gate_verdict_line(r, line, sizeof(line));
    fputs("::notice title=loadgate::", out);
    gate__gh_escape(out, line, false);
    fputc('\n', out);
    rc |= stream_notice(r, out);
    if (fflush(out) != 0 || ferror(out))
        return GATE_EIO;
    return rc ? GATE_ENOMEM : 0;
}
