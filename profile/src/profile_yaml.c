/* libyaml's events into a position-keeping tree.  The event API (rather
 * than yaml_parser_load()) lets us stop at the first alias, at the 65th
 * level of nesting or at an oversized scalar before libyaml has built
 * anything big: a profile is a CI input and may come from a pull request. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "profile_internal.h"

struct builder {
    struct profile__yaml_node *root;
    struct profile__yaml_node *stack[PROFILE__YAML_MAX_DEPTH];
    size_t depth;
    size_t nodes;
    int docs;
    struct profile_error *err;
};

int profile__fail_at(struct profile_error *err, int line, int col,
                     const char *fmt, ...)
{
    va_list ap;

    err->line = line;
    err->col = col;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
    return PROFILE_EPROFILE;
}

void profile__quote(const char *s, size_t len, char *buf, size_t buflen)
{
    size_t i = 0, j = 0;

    if (buflen < 8) {
        if (buflen)
            buf[0] = '\0';
        return;
    }
    for (; i < len && j + 4 < buflen; i++) {
        unsigned char ch = (unsigned char)s[i];
        buf[j++] = (ch < 0x20 || ch == 0x7f) ? '?' : (char)ch;
    }
    if (i < len) {
        /* don't leave half a UTF-8 sequence before the ellipsis */
        while (j > 0 && ((unsigned char)buf[j - 1] & 0xc0) == 0x80)
            j--;
        if (j > 0 && ((unsigned char)buf[j - 1] & 0xc0) == 0xc0)
            j--;
        memcpy(buf + j, "...", 3);
        j += 3;
    }
    buf[j] = '\0';
}

void profile__yaml_free(struct profile__yaml_node *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < n->n; i++)
        profile__yaml_free(n->items[i]);
    free(n->items);
    free(n->str);
    free(n);
}

const char *profile__yaml_kind(const struct profile__yaml_node *n)
{
    switch (n->type) {
    case PROFILE__YAML_MAP:
        return "a map";
    case PROFILE__YAML_SEQ:
        return "a list";
    default:
        return n->plain && n->len == 0 ? "nothing" : "a single value";
    }
}

static int add_child(struct profile__yaml_node *parent,
                     struct profile__yaml_node *child)
{
    if (parent->n == parent->cap) {
        size_t cap = parent->cap ? parent->cap * 2 : 4;
        struct profile__yaml_node **items =
            realloc(parent->items, cap * sizeof(*items));
        if (!items)
            return PROFILE_ENOMEM;
        parent->items = items;
        parent->cap = cap;
    }
    parent->items[parent->n++] = child;
    return 0;
}

/* Hangs a new node under the innermost open collection (or makes it the
 * root).  Takes ownership of n even on failure. */
static int attach(struct builder *b, struct profile__yaml_node *n)
{
    struct profile__yaml_node *parent;
    int rc;

    if (++b->nodes > PROFILE__YAML_MAX_NODES) {
        profile__yaml_free(n);
        return profile__fail_at(b->err, n->line, n->col,
                                "the profile has more than %u YAML nodes",
                                PROFILE__YAML_MAX_NODES);
    }
    if (b->depth == 0) {
        b->root = n;
        return 0;
    }
    parent = b->stack[b->depth - 1];
    if (parent->type == PROFILE__YAML_MAP && parent->n % 2 == 0 &&
        n->type != PROFILE__YAML_SCALAR) {
        int line = n->line, col = n->col;
        const char *kind = profile__yaml_kind(n);
        profile__yaml_free(n);
        return profile__fail_at(b->err, line, col,
                                "a map key must be a plain name, not %s", kind);
    }
    rc = add_child(parent, n);
    if (rc)
        profile__yaml_free(n);
    return rc;
}

static int key_cmp(const struct profile__yaml_node *a,
                   const struct profile__yaml_node *b)
{
    size_t n = a->len < b->len ? a->len : b->len;
    int c = memcmp(a->str, b->str, n);

    if (c)
        return c;
    return (a->len > b->len) - (a->len < b->len);
}

struct keyref {
    const struct profile__yaml_node *key;
    size_t i; /* pair index: ties sort in document order */
};

static int key_order(const void *pa, const void *pb)
{
    const struct keyref *a = pa, *b = pb;
    int c = key_cmp(a->key, b->key);

    if (c)
        return c;
    return (a->i > b->i) - (a->i < b->i);
}

/* Refuses the first (in document order) repeated key of a map, naming
 * where the key first appeared.  Sorting keeps a 100 000-key map at
 * n log n instead of n^2. */
static int check_duplicates(struct builder *b,
                            const struct profile__yaml_node *map)
{
    size_t pairs = map->n / 2, dup = (size_t)-1, first = 0, run = 0;
    struct keyref *refs = NULL;
    char name[80];
    int rc = 0;

    if (pairs < 2)
        return 0;
    refs = malloc(pairs * sizeof(*refs));
    if (!refs)
        return PROFILE_ENOMEM;
    for (size_t i = 0; i < pairs; i++) {
        refs[i].key = map->items[2 * i];
        refs[i].i = i;
    }
    qsort(refs, pairs, sizeof(*refs), key_order);
    for (size_t i = 1; i < pairs; i++) {
        if (key_cmp(refs[run].key, refs[i].key) != 0) {
            run = i; /* the first of a run of equal keys */
            continue;
        }
        if (refs[i].i < dup) {
            dup = refs[i].i;
            first = refs[run].i;
        }
    }
    if (dup != (size_t)-1) {
        const struct profile__yaml_node *k = map->items[2 * dup];
        const struct profile__yaml_node *f = map->items[2 * first];
        profile__quote(k->str, k->len, name, sizeof(name));
        rc =
            profile__fail_at(b->err, k->line, k->col,
                             "duplicate key '%s' (first at line %d, column %d)",
                             name, f->line, f->col);
    }
    free(refs);
    return rc;
}

static struct profile__yaml_node *node_new(enum profile__yaml_type type,
                                           const yaml_mark_t *m)
{
    struct profile__yaml_node *n = calloc(1, sizeof(*n));

    if (!n)
        return NULL;
    n->type = type;
    n->line = (int)m->line + 1;
    n->col = (int)m->column + 1;
    return n;
}

/* libyaml's reader errors carry a byte offset, not a mark. */
static void offset_position(const char *text, size_t len, size_t off, int *line,
                            int *col)
{
    int l = 1, c = 1;

    if (off > len)
        off = len;
    for (size_t i = 0; i < off; i++) {
        if (text[i] == '\n') {
            l++;
            c = 1;
        } else if (((unsigned char)text[i] & 0xc0) != 0x80) {
            c++;
        }
    }
    *line = l;
    *col = c;
}

static int syntax_error(const yaml_parser_t *parser, const char *text,
                        size_t len, struct profile_error *err)
{
    const char *problem = parser->problem ? parser->problem : "syntax error";

    if (parser->error == YAML_MEMORY_ERROR)
        return PROFILE_ENOMEM;
    if (parser->error == YAML_READER_ERROR) {
        offset_position(text, len, parser->problem_offset, &err->line,
                        &err->col);
        snprintf(err->msg, sizeof(err->msg), "%s", problem);
    } else {
        err->line = (int)parser->problem_mark.line + 1;
        err->col = (int)parser->problem_mark.column + 1;
        size_t at = parser->problem_mark.index;
        const char *hint = at < len && text[at] == '\t'
                               ? "; indent with spaces, not tabs"
                               : "";
        if (parser->context)
            snprintf(err->msg, sizeof(err->msg), "%s (%s at line %d)%s",
                     problem, parser->context,
                     (int)parser->context_mark.line + 1, hint);
        else
            snprintf(err->msg, sizeof(err->msg), "%s%s", problem, hint);
    }
    return PROFILE_ESYNTAX;
}

/* profile__fail_at() the position where ev starts. */
__attribute__((format(printf, 3, 4))) static int
fail_ev(struct builder *b, const yaml_event_t *ev, const char *fmt, ...)
{
    char msg[sizeof(b->err->msg)];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return profile__fail_at(b->err, (int)ev->start_mark.line + 1,
                            (int)ev->start_mark.column + 1, "%s", msg);
}

static int on_scalar(struct builder *b, const yaml_event_t *ev)
{
    struct profile__yaml_node *n;
    const char *tag = (const char *)ev->data.scalar.tag;

    if (ev->data.scalar.length > PROFILE__YAML_MAX_SCALAR)
        return fail_ev(b, ev, "a value longer than %u bytes",
                       PROFILE__YAML_MAX_SCALAR);
    n = node_new(PROFILE__YAML_SCALAR, &ev->start_mark);
    if (!n)
        return PROFILE_ENOMEM;
    n->str = malloc(ev->data.scalar.length + 1);
    if (!n->str) {
        free(n);
        return PROFILE_ENOMEM;
    }
    if (ev->data.scalar.length)
        memcpy(n->str, ev->data.scalar.value, ev->data.scalar.length);
    n->str[ev->data.scalar.length] = '\0';
    n->len = ev->data.scalar.length;
    n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
               (!tag || strcmp(tag, YAML_STR_TAG) != 0);
    return attach(b, n);
}

static int on_start(struct builder *b, const yaml_event_t *ev,
                    enum profile__yaml_type type)
{
    struct profile__yaml_node *n;
    int rc;

    if (b->depth == PROFILE__YAML_MAX_DEPTH)
        return fail_ev(b, ev, "nesting deeper than %d levels",
                       PROFILE__YAML_MAX_DEPTH);
    n = node_new(type, &ev->start_mark);
    if (!n)
        return PROFILE_ENOMEM;
    rc = attach(b, n);
    if (rc)
        return rc;
    b->stack[b->depth++] = n;
    return 0;
}

static int on_event(struct builder *b, const yaml_event_t *ev)
{
    char name[80];

    switch (ev->type) {
    case YAML_DOCUMENT_START_EVENT:
        if (++b->docs > 1)
            return fail_ev(b, ev,
                           "a profile is one YAML document; found a second "
                           "one");
        return 0;
    case YAML_ALIAS_EVENT: {
        const char *a = (const char *)ev->data.alias.anchor;
        profile__quote(a ? a : "", a ? strlen(a) : 0, name, sizeof(name));
        return fail_ev(b, ev,
                       "aliases (*%s) are not allowed in a profile; write "
                       "the value out",
                       name);
    }
    case YAML_SCALAR_EVENT:
        return on_scalar(b, ev);
    case YAML_SEQUENCE_START_EVENT:
        return on_start(b, ev, PROFILE__YAML_SEQ);
    case YAML_MAPPING_START_EVENT:
        return on_start(b, ev, PROFILE__YAML_MAP);
    case YAML_SEQUENCE_END_EVENT:
        b->depth--;
        return 0;
    case YAML_MAPPING_END_EVENT:
        b->depth--;
        return check_duplicates(b, b->stack[b->depth]);
    default:
        return 0;
    }
}

int profile__yaml_parse(const char *text, size_t len,
                        struct profile__yaml_node **out,
                        struct profile_error *err)
{
    yaml_parser_t parser;
    yaml_event_t ev;
    struct builder b = {0};
    bool done = false;
    int rc = 0;

    *out = NULL;
    b.err = err;
    if (!yaml_parser_initialize(&parser))
        return PROFILE_ENOMEM;
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    while (!done) {
        if (!yaml_parser_parse(&parser, &ev)) {
            rc = syntax_error(&parser, text, len, err);
            goto out;
        }
        done = ev.type == YAML_STREAM_END_EVENT;
        rc = on_event(&b, &ev);
        yaml_event_delete(&ev);
        if (rc)
            goto out;
    }
    *out = b.root;
    b.root = NULL;
out:
    profile__yaml_free(b.root);
    yaml_parser_delete(&parser);
    return rc;
}
