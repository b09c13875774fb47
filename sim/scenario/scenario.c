/* scenario.c — loading, typing and validating YAML scenarios (libyaml). */
#include "scenario.h"

#include "f3/blockspec.h"
#include "hardware_check.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <yaml.h>

#define MAX_FILE_BYTES (1u << 20)

/* ---- errors --------------------------------------------------------------- */

static f3_status at(f3_status st, const char *origin, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static f3_status at(f3_status st, const char *origin, int line, int col, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return F3_FAIL(st, "%s:%d:%d: %s", origin, line, col, msg);
}

#define MARK(node) (int)(node)->start_mark.line + 1, (int)(node)->start_mark.column + 1

/* The edit distance of a and b when it is at most limit, else limit + 1
 * (two rows, and a stop once a whole row exceeds limit: the loader looks up
 * every key of the schema this way for a "did you mean"). */
static size_t edit_distance_within(const char *a, const char *b, size_t limit)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 63 || lb > 63) return limit < 99 ? limit + 1 : 99;
    if ((la > lb ? la - lb : lb - la) > limit) return limit + 1;
    size_t row[2][64];
    for (size_t j = 0; j <= lb; j++) row[0][j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t *prev = row[(i - 1) & 1], *cur = row[i & 1], lo = cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t c = prev[j - 1] + (a[i - 1] != b[j - 1]);
            if (prev[j] + 1 < c) c = prev[j] + 1;
            if (cur[j - 1] + 1 < c) c = cur[j - 1] + 1;
            cur[j] = c;
            if (c < lo) lo = c;
        }
        if (lo > limit) return limit + 1;
    }
    size_t d = row[la & 1][lb];
    return d > limit ? limit + 1 : d;
}

size_t scenario_edit_distance(const char *a, const char *b)
{
    return edit_distance_within(a, b, 98);
}

static const char *last_part(const char *path)
{
    const char *dot = strrchr(path, '.');
    return dot ? dot + 1 : path;
}

/* Is `path` a direct child of `prefix` ("" for the top level)? */
static int is_child(const char *path, const char *prefix)
{
    size_t n = strlen(prefix);
    if (n == 0) return strchr(path, '.') == NULL;
    return !strncmp(path, prefix, n) && path[n] == '.' && !strchr(path + n + 1, '.');
}

/* Keys that were renamed or replaced: a scenario that still uses one gets
 * the unknown-key error with what to write instead. */
static const struct {
    const char *path, *hint;
} RENAMED[] = {
    {"hardware.error_store.precision",
     "use numerics.error_store.format (fp32, bf16, fp16 or q<int>.<frac>; the store's bytes per value follow its "
     "format: fp16 2, q1.7 1)"},
};

/* The hint for a renamed key path, or NULL. */
static const char *renamed_hint(const char *path)
{
    for (size_t i = 0; i < sizeof RENAMED / sizeof RENAMED[0]; i++)
        if (!strcmp(RENAMED[i].path, path)) return RENAMED[i].hint;
    return NULL;
}

/* "unknown key 'lr' in network (did you mean …? …)" */
static f3_status unknown_key(const char *origin, int line, int col, const char *prefix,
                             const char *key)
{
    const sc_entry *s = sc_schema();
    const char *best = NULL;
    size_t best_d = 99;
    char elsewhere[256] = "";
    for (size_t i = 0; i < sc_schema_count(); i++) {
        if (is_child(s[i].path, prefix)) {
            /* only a nearer key than the best so far, and near enough, counts */
            size_t limit = best_d - 1 < 1 + strlen(key) / 3 ? best_d - 1 : 1 + strlen(key) / 3;
            size_t d = best_d ? edit_distance_within(key, last_part(s[i].path), limit) : 1;
            if (best_d && d <= limit) best_d = d, best = last_part(s[i].path);
        } else if (!strcmp(last_part(s[i].path), key) && !elsewhere[0]) {
            int sect = (int)(last_part(s[i].path) - s[i].path) - 1;
            snprintf(elsewhere, sizeof elsewhere, "; '%s' belongs in %.*s", key, sect, s[i].path);
        }
    }
    char where[160];
    if (prefix[0]) snprintf(where, sizeof where, " in %s", prefix);
    else snprintf(where, sizeof where, " at the top level");
    if (!strcmp(prefix, "") && !strcmp(key, "sweep")) where[0] = '\0';
    char full[256];
    snprintf(full, sizeof full, "%s%s%s", prefix, prefix[0] ? "." : "", key);
    const char *hint = renamed_hint(full);
    if (hint) return at(F3_EINVAL, origin, line, col, "unknown key '%s'%s; %s", key, where, hint);
    if (prefix[0] && !strcmp(key, "sweep"))
        return at(F3_EINVAL, origin, line, col, "unknown key 'sweep'%s; 'sweep' belongs at the top level", where);
    if (best && best_d <= 1 + strlen(key) / 3)
        return at(F3_EINVAL, origin, line, col, "unknown key '%s'%s; did you mean '%s'?%s", key,
                  where, best, elsewhere);
    return at(F3_EINVAL, origin, line, col, "unknown key '%s'%s%s (see docs/scenarios.md)", key,
              where, elsewhere);
}

/* ---- values ----------------------------------------------------------------- */

static int choice_ok(const char *choices, const char *s)
{
    size_t n = strlen(s);
    for (const char *p = choices; *p;) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        if (len == n && !strncmp(p, s, n)) return 1;
        p += len + (bar ? 1 : 0);
    }
    return 0;
}

static f3_status parse_number(const char *origin, int line, int col, const sc_entry *e,
                              const char *s, int integer, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (!*s || *end || errno || !isfinite(v))
        return at(F3_EINVAL, origin, line, col, "%s: expected %s, got '%s'", e->path,
                  e->kind == SK_AUTO_FLOAT ? "auto or a number" : integer ? "an integer" : "a number", s);
    if (integer && v != floor(v))
        return at(F3_EINVAL, origin, line, col, "%s: expected an integer, got '%s'", e->path, s);
    if (v < e->min || v > e->max)
        return at(F3_ERANGE, origin, line, col, "%s: %s is out of range [%.15g, %.15g]%s%s", e->path, s,
                  e->min, e->max, e->unit[0] ? " " : "", e->unit);
    *out = v;
    return F3_OK;
}

static void choices_text(char *out, size_t len, const char *choices);

static f3_status check_enum(const char *origin, int line, int col, const sc_entry *e,
                            const char *s)
{
    if (choice_ok(e->choices, s)) return F3_OK;
    char list[300];
    choices_text(list, sizeof list, e->choices);
    return at(F3_EINVAL, origin, line, col, "%s: '%s' is not one of: %s", e->path, s, list);
}

static const char *scalar_of(yaml_node_t *n)
{
    return (const char *)n->data.scalar.value;
}

static int is_null_scalar(yaml_node_t *n)
{
    if (n->type != YAML_SCALAR_NODE) return 0;
    if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE) return 0;
    const char *s = scalar_of(n);
    return !*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") || !strcmp(s, "NULL");
}

static const char *kind_name(sc_kind k)
{
    switch (k) {
    case SK_SECTION: return "a mapping";
    case SK_BOOL: return "true or false";
    case SK_INT: return "an integer";
    case SK_FLOAT: return "a number";
    case SK_STRING: return "a string";
    case SK_ENUM: return "a name";
    case SK_INT_LIST: return "a list of integers, like [500, 500]";
    case SK_ENUM_LIST: return "a list of names, like [bp, f3]";
    case SK_AUTO_INT: return "auto or an integer";
    case SK_AUTO_FLOAT: return "auto or a number";
    }
    return "?";
}

/* What a node is, for "expected X, got Y". */
static const char *found(yaml_node_t *n, char *buf, size_t len)
{
    if (n->type == YAML_SEQUENCE_NODE) return "a list";
    if (n->type == YAML_MAPPING_NODE) return "a mapping";
    if (is_null_scalar(n)) return "no value";
    snprintf(buf, len, "'%.60s'", scalar_of(n));
    return buf;
}

/* numerics.<tensor>.format: a string that f3_parse_format must accept. */
static int is_format_key(const char *path)
{
    size_t n = strlen(path);
    return !strncmp(path, "numerics.", 9) && n > 16 && !strcmp(path + n - 7, ".format");
}

/* s into dst, which has room for room bytes (cut to fit, as snprintf does;
 * the loader's hot path copies strings this way, not through printf). */
static void copy_str(char *dst, size_t room, const char *s)
{
    size_t n = strlen(s);
    if (n >= room) n = room - 1;
    memcpy(dst, s, n);
    dst[n] = '\0';
}

/* A value being typed, with room of its own for any kind: apply_node
 * fills it, put_value stores it into a scenario. */
typedef struct {
    sc_value v;
    char str[SC_MAX_STR], text[SC_MAX_STR];
    double list[SC_MAX_LIST];
    char items[SC_MAX_LIST][32];
} scratch_value;

static sc_value *scratch_init(scratch_value *s)
{
    memset(&s->v, 0, sizeof s->v);
    s->str[0] = s->text[0] = '\0';
    s->v.str = s->str;
    s->v.text = s->text;
    s->v.list = s->list;
    s->v.items = s->items;
    s->v.origin = "";
    return &s->v;
}

/* ---- tags ------------------------------------------------------------------- */

#define STD_TAG "tag:yaml.org,2002:"

/* A tag as a scenario writes it: "!!int" for the standard ones. */
static const char *tag_text(const char *tag, char *buf, size_t len)
{
    const size_t n = strlen(STD_TAG);
    if (!strncmp(tag, STD_TAG, n)) snprintf(buf, len, "!!%.60s", tag + n);
    else snprintf(buf, len, "%.60s", tag);
    return buf;
}

/* The standard tag t's short name ("int" for tag:yaml.org,2002:int), or NULL. */
static const char *std_tag(const char *t)
{
    return t && !strncmp(t, STD_TAG, strlen(STD_TAG)) ? t + strlen(STD_TAG) : NULL;
}

/* Every node of doc has a tag scenarios know, fitting its node: a value
 * !!str, !!int, !!float, !!bool or !!null, a list !!seq, a mapping !!map.
 * libyaml gives untagged nodes these same tags, so only a written tag can
 * fail.  Marks shift by line_off/col_off (a --set value). */
static f3_status check_tags(yaml_document_t *doc, const char *origin, int line_off, int col_off)
{
    static const char *const fits[3] = {"|str|int|float|bool|null|", "|seq|", "|map|"};
    static const char *const what[3] = {"a single value", "a list", "a mapping"};
    for (yaml_node_t *n = doc->nodes.start; n < doc->nodes.top; n++) {
        const int kind = n->type == YAML_SCALAR_NODE ? 0 : n->type == YAML_SEQUENCE_NODE ? 1 : 2;
        const char *t = (const char *)n->tag, *name = std_tag(t);
        char bar[80], tt[80];
        snprintf(bar, sizeof bar, "|%.60s|", name ? name : "");
        if (!t || (name && strstr(fits[kind], bar))) continue;
        const int line = (int)n->start_mark.line + 1 + line_off, col = (int)n->start_mark.column + 1 + col_off;
        if (name && strstr("|str|int|float|bool|null|seq|map|", bar))
            return at(F3_EINVAL, origin, line, col, "the YAML tag %s does not fit %s", tag_text(t, tt, sizeof tt),
                      what[kind]);
        return at(F3_EINVAL, origin, line, col,
                  "unsupported YAML tag '%s': scenarios take only the standard tags !!str, !!int, !!float, !!bool, "
                  "!!null, !!seq and !!map", tag_text(t, tt, sizeof tt));
    }
    return F3_OK;
}

/* The tag written on node n of the text src ("int" for "!!int 3"), or NULL
 * when none is (libyaml resolves an untagged scalar to !!str as well, so
 * the text tells them apart: a node's mark is at its tag).  A lone "!"
 * makes a string, as YAML has it. */
static const char *written_tag(const yaml_node_t *n, const char *src)
{
    if (!src || src[n->start_mark.index] != '!') return NULL;
    const char *name = std_tag((const char *)n->tag);
    return name ? name : "str";
}

/* A scalar s with the written tag t (see written_tag) as a value of kind k:
 * the tag must agree with the kind, and !!int and !!float must hold a
 * number. */
static f3_status check_written_tag(const sc_entry *e, sc_kind k, const char *t, const char *s, const char *origin,
                                   int line, int col)
{
    const int numeric = k == SK_INT || k == SK_FLOAT || k == SK_AUTO_INT || k == SK_AUTO_FLOAT;
    if (!strcmp(t, "str")) {
        if (k == SK_STRING || k == SK_ENUM || ((k == SK_AUTO_INT || k == SK_AUTO_FLOAT) && !strcmp(s, "auto")))
            return F3_OK;
        return at(F3_EINVAL, origin, line, col, "%s: expected %s, got the string \"%s\" (tagged !!str)", e->path,
                  kind_name(k), s);
    }
    int fits = (!strcmp(t, "int") && numeric) || (!strcmp(t, "float") && (k == SK_FLOAT || k == SK_AUTO_FLOAT)) ||
               (!strcmp(t, "bool") && k == SK_BOOL);
    if (!fits)
        return at(F3_EINVAL, origin, line, col, "%s: expected %s, got '%s' tagged !!%s", e->path, kind_name(k), s, t);
    if (numeric) {
        char *end;
        errno = 0;
        double v = strtod(s, &end);
        if (!*s || *end || errno || !isfinite(v) || (!strcmp(t, "int") && v != floor(v)))
            return at(F3_EINVAL, origin, line, col, "%s: '%s' is not %s, as its tag !!%s says", e->path, s,
                      !strcmp(t, "int") ? "an integer" : "a number", t);
    }
    return F3_OK;
}

/* Type node against entry e into out (its origin is left to put_value). */
static f3_status apply_node(const sc_entry *e, scratch_value *out, yaml_document_t *doc, yaml_node_t *n,
                            const char *src, const char *origin, int line_off, int col_off)
{
    int line = (int)n->start_mark.line + 1 + line_off, col = (int)n->start_mark.column + 1 + col_off;
    int is_list = e->kind == SK_INT_LIST || e->kind == SK_ENUM_LIST;
    char got[80];
    if (is_list ? n->type != YAML_SEQUENCE_NODE : n->type != YAML_SCALAR_NODE || is_null_scalar(n))
        return at(F3_EINVAL, origin, line, col, "%s: expected %s, got %s", e->path, kind_name(e->kind),
                  found(n, got, sizeof got));
    sc_value *nv = scratch_init(out);
    f3_status st = F3_OK;
    if (!is_list) {
        const char *s = scalar_of(n);
        if (strlen(s) >= SC_MAX_STR)
            return at(F3_EINVAL, origin, line, col, "%s: value longer than %d characters", e->path, SC_MAX_STR - 1);
        copy_str(nv->text, SC_MAX_STR, s);
        int quoted = n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
        const char *tag = written_tag(n, src);
        if (tag) {
            if ((st = check_written_tag(e, e->kind, tag, s, origin, line, col)) != F3_OK) return st;
            quoted = !strcmp(tag, "str"); /* !!int "3" is the number 3 */
        }
        switch (e->kind) {
        case SK_BOOL:
            if (!quoted && (!strcmp(s, "true") || !strcmp(s, "True"))) nv->num = 1;
            else if (!quoted && (!strcmp(s, "false") || !strcmp(s, "False"))) nv->num = 0;
            else return at(F3_EINVAL, origin, line, col, "%s: expected true or false, got '%s'", e->path, s);
            snprintf(nv->text, SC_MAX_STR, "%s", nv->num ? "true" : "false");
            break;
        case SK_INT:
        case SK_FLOAT:
            if (quoted) return at(F3_EINVAL, origin, line, col, "%s: expected %s, got the string \"%s\"", e->path, kind_name(e->kind), s);
            st = parse_number(origin, line, col, e, s, e->kind == SK_INT, &nv->num);
            break;
        case SK_AUTO_INT:
        case SK_AUTO_FLOAT:
            if (!strcmp(s, "auto")) nv->is_auto = 1;
            else if (quoted && e->kind == SK_AUTO_FLOAT) return at(F3_EINVAL, origin, line, col, "%s: expected %s, got the string \"%s\"", e->path, kind_name(e->kind), s);
            else st = parse_number(origin, line, col, e, s, e->kind == SK_AUTO_INT, &nv->num);
            break;
        case SK_STRING:
            copy_str(nv->str, SC_MAX_STR, s);
            if (is_format_key(e->path)) {
                f3_format fmt;
                if (f3_parse_format(s, &fmt) != F3_OK) {
                    char msg[600];
                    snprintf(msg, sizeof msg, "%s", f3_last_error());
                    return at(F3_EINVAL, origin, line, col, "%s: %s", e->path, msg);
                }
            }
            break;
        case SK_ENUM:
            st = check_enum(origin, line, col, e, s);
            copy_str(nv->str, SC_MAX_STR, s);
            break;
        default:
            break;
        }
    } else {
        size_t len = 0;
        char text[SC_MAX_STR] = "[";
        for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
            yaml_node_t *item = yaml_document_get_node(doc, *it);
            int il = (int)item->start_mark.line + 1 + line_off, ic = (int)item->start_mark.column + 1 + col_off;
            if (len >= SC_MAX_LIST)
                return at(F3_ERANGE, origin, il, ic, "%s: at most %d entries", e->path, SC_MAX_LIST);
            if (item->type != YAML_SCALAR_NODE || is_null_scalar(item))
                return at(F3_EINVAL, origin, il, ic, "%s: expected %s, got %s in the list", e->path,
                          kind_name(e->kind), found(item, got, sizeof got));
            const char *s = scalar_of(item);
            const char *tag = written_tag(item, src);
            if (tag && (st = check_written_tag(e, e->kind == SK_INT_LIST ? SK_INT : SK_ENUM, tag, s, origin, il, ic)) != F3_OK)
                return st;
            if (e->kind == SK_INT_LIST) {
                st = parse_number(origin, il, ic, e, s, 1, &nv->list[len]);
            } else {
                st = check_enum(origin, il, ic, e, s);
                for (size_t k = 0; st == F3_OK && k < len; k++)
                    if (!strcmp(nv->items[k], s))
                        st = at(F3_EINVAL, origin, il, ic, "%s: '%s' is listed twice", e->path, s);
                copy_str(nv->items[len], sizeof out->items[len], s);
            }
            if (st != F3_OK) return st;
            if (strlen(text) + strlen(s) + 4 >= sizeof text)
                return at(F3_EINVAL, origin, il, ic, "%s: list too long", e->path);
            if (len) strcat(text, ", ");
            strcat(text, s);
            len++;
        }
        strcat(text, "]");
        nv->n = len;
        copy_str(nv->text, SC_MAX_STR, text);
    }
    if (st != F3_OK) return st;
    nv->set = 1;
    nv->line = line;
    nv->col = col;
    return F3_OK;
}

/* ---- storage ------------------------------------------------------------------ */

/* The room of a value by its key's kind: str for strings and names, text
 * for every leaf (sections have none: "" in one byte each), a list of
 * numbers or of names for the list kinds. */
static size_t str_room(sc_kind k) { return k == SK_STRING || k == SK_ENUM ? SC_MAX_STR : 1; }
static size_t text_room(sc_kind k) { return k == SK_SECTION ? 1 : SC_MAX_STR; }
static size_t round8(size_t x) { return (x + 7) & ~(size_t)7; }

/* The values of a scenario and their room are one block: the
 * sc_schema_count() values, then each one's room in schema order.  Returns
 * the block's bytes; with v, points each value's str, text, list and items
 * into the block that starts at v (the contents are left as they are). */
static size_t lay_out(sc_value *v)
{
    const sc_entry *s = sc_schema();
    const size_t n = sc_schema_count();
    char *base = (char *)v;
    size_t off = round8(n * sizeof(sc_value));
    for (size_t i = 0; i < n; i++) {
        const sc_kind k = s[i].kind;
        if (v) v[i].list = k == SK_INT_LIST ? (double *)(void *)(base + off) : NULL;
        if (k == SK_INT_LIST) off += SC_MAX_LIST * sizeof(double);
        if (v) v[i].items = k == SK_ENUM_LIST ? (char(*)[32])(void *)(base + off) : NULL;
        if (k == SK_ENUM_LIST) off += SC_MAX_LIST * 32;
        if (v) v[i].str = base + off;
        off += str_room(k);
        if (v) v[i].text = base + off;
        off = round8(off + text_room(k));
    }
    return off;
}

/* The bytes of a values block (lay_out), the same for every scenario: the
 * schema is fixed. */
static pthread_once_t block_once = PTHREAD_ONCE_INIT;
static size_t block_bytes_v;
static void block_bytes_init(void) { block_bytes_v = lay_out(NULL); }
static size_t block_bytes(void)
{
    pthread_once(&block_once, block_bytes_init);
    return block_bytes_v;
}

/* A values block (about 120 KB), zeroed when zero says so.  One freed block
 * is kept for the next scenario: a sweep's points and the fuzzer's inputs
 * make and free one scenario after another, and each would otherwise take
 * fresh pages and fault them in. */
static _Atomic(sc_value *) spare_block;

static sc_value *block_get(int zero)
{
    sc_value *v = atomic_exchange(&spare_block, NULL);
    if (!v) return zero ? calloc(1, block_bytes()) : malloc(block_bytes());
    if (zero) memset(v, 0, block_bytes());
    return v;
}

static void block_put(sc_value *v)
{
    sc_value *none = NULL;
    if (v && !atomic_compare_exchange_strong(&spare_block, &none, v)) free(v);
}

/* The scenario's own copy of an origin ("" needs none); NULL when out of
 * memory.  A scenario holds each distinct origin once. */
static const char *origin_in(scenario *sc, const char *origin)
{
    if (!origin || !*origin) return "";
    for (size_t i = 0; i < sc->n_origins; i++)
        if (!strcmp(sc->origins[i], origin)) return sc->origins[i];
    if (sc->n_origins == sc->cap_origins) {
        size_t cap = sc->cap_origins ? 2 * sc->cap_origins : 4;
        char **o = realloc(sc->origins, cap * sizeof *o);
        if (!o) return NULL;
        sc->origins = o;
        sc->cap_origins = cap;
    }
    size_t len = strlen(origin) + 1;
    char *copy = malloc(len);
    if (!copy) return NULL;
    memcpy(copy, origin, len);
    sc->origins[sc->n_origins++] = copy;
    return copy;
}

/* Store src (a value of key i, typed by apply_node or another scenario's)
 * as key i's value of sc, from origin.  A list's room beyond its n entries
 * is zeroed, as a fresh value's is. */
static f3_status put_value(scenario *sc, size_t i, const sc_value *src, const char *origin)
{
    const sc_kind k = sc_schema()[i].kind;
    sc_value *d = &sc->v[i];
    const char *o = origin_in(sc, origin);
    if (!o) return F3_FAIL(F3_ENOMEM, "%s: out of memory", sc->file);
    d->set = src->set;
    d->line = src->line;
    d->col = src->col;
    d->origin = o;
    d->is_auto = src->is_auto;
    d->num = src->num;
    d->n = src->n;
    if (str_room(k) > 1) memcpy(d->str, src->str, strlen(src->str) + 1);
    if (text_room(k) > 1) memcpy(d->text, src->text, strlen(src->text) + 1);
    if (k == SK_INT_LIST) {
        memcpy(d->list, src->list, src->n * sizeof *d->list);
        memset(d->list + src->n, 0, (SC_MAX_LIST - src->n) * sizeof *d->list);
    }
    if (k == SK_ENUM_LIST) {
        memcpy(d->items, src->items, src->n * sizeof *d->items);
        memset(d->items + src->n, 0, (SC_MAX_LIST - src->n) * sizeof *d->items);
    }
    return F3_OK;
}

/* Type node against key i's entry and store it as sc's value. */
static f3_status apply_into(scenario *sc, size_t i, yaml_document_t *doc, yaml_node_t *n, const char *src,
                            const char *origin, int line_off, int col_off)
{
    scratch_value nv;
    f3_status st = apply_node(&sc_schema()[i], &nv, doc, n, src, origin, line_off, col_off);
    return st != F3_OK ? st : put_value(sc, i, &nv.v, origin);
}

/* Parse YAML text (a value) into a document; returns its root node. */
static f3_status parse_text(const char *text, const char *origin, int col_off, yaml_document_t *doc,
                            yaml_node_t **root)
{
    yaml_parser_t p;
    yaml_parser_initialize(&p);
    yaml_parser_set_input_string(&p, (const unsigned char *)text, strlen(text));
    int ok = yaml_parser_load(&p, doc);
    f3_status st = F3_OK;
    if (!ok) {
        /* a one-line value: libyaml puts an error at its end on line 2 */
        int line = (int)p.problem_mark.line + 1, col = (int)p.problem_mark.column + 1;
        if (!strchr(text, '\n')) {
            line = 1;
            col = (int)(p.problem_mark.index < strlen(text) ? p.problem_mark.index : strlen(text)) + 1;
        }
        st = at(F3_EFORMAT, origin, line, col + col_off, "not a YAML value: %s%s%s",
                p.problem ? p.problem : "syntax error", p.context ? " " : "", p.context ? p.context : "");
        yaml_parser_delete(&p);
        return st;
    }
    yaml_parser_delete(&p);
    *root = yaml_document_get_root_node(doc);
    if (!*root) {
        yaml_document_delete(doc);
        return at(F3_EINVAL, origin, 1, 1 + col_off, "empty value");
    }
    if ((st = check_tags(doc, origin, 0, col_off)) != F3_OK) yaml_document_delete(doc);
    return st;
}

/* A plain scalar that libyaml reads as itself wherever it stands (alone
 * or in a flow list): letters, digits and . _ + -, starting with a letter,
 * a digit or _, or with a sign or a point before a digit (so not "-", "---",
 * "..." or ".x"). */
static int quick_plain(const char *s, size_t len)
{
    if (!len) return 0;
    for (size_t i = 0; i < len; i++)
        if (!isalnum((unsigned char)s[i]) && !strchr("._+-", s[i])) return 0;
    if (isalnum((unsigned char)s[0]) || s[0] == '_') return 1;
    return len > 1 && isdigit((unsigned char)s[1]);
}

/* The document libyaml would build for a value text, built without its
 * parser (which allocates about 50 KB to start): quick_doc handles the
 * texts of defaults, --set and sweep points that are a quick_plain scalar,
 * "" or a flow list [a, b, …] of quick_plain scalars with single spaces or
 * none around the commas, with the same nodes and marks as libyaml.  Any
 * other text returns 0 and goes to libyaml. */
typedef struct {
    yaml_document_t doc;
    yaml_node_t node[SC_MAX_LIST + 1];   /* the root, then a list's items */
    yaml_node_item_t item[SC_MAX_LIST];  /* node numbers (1-based) of the items */
    char buf[SC_MAX_STR + SC_MAX_LIST];  /* the scalars, each ended by a NUL */
} quick_doc;

static yaml_node_t *quick_scalar(quick_doc *q, size_t k, const char *s, size_t len, size_t col,
                                 yaml_scalar_style_t style, size_t *used)
{
    yaml_node_t *n = &q->node[k];
    memset(n, 0, sizeof *n);
    memcpy(q->buf + *used, s, len);
    q->buf[*used + len] = '\0';
    n->type = YAML_SCALAR_NODE;
    n->data.scalar.value = (yaml_char_t *)q->buf + *used;
    n->data.scalar.length = len;
    n->data.scalar.style = style;
    n->start_mark.index = n->start_mark.column = col;
    n->end_mark.index = n->end_mark.column = col + len;
    *used += len + 1;
    return n;
}

static yaml_node_t *quick_parse(const char *text, quick_doc *q)
{
    const size_t len = strlen(text);
    size_t used = 0;
    if (len >= SC_MAX_STR) return NULL;
    memset(&q->doc, 0, sizeof q->doc);
    q->doc.nodes.start = q->node;
    q->doc.nodes.end = q->node + SC_MAX_LIST + 1;
    if (!strcmp(text, "\"\"")) {
        q->doc.nodes.top = q->node + 1;
        yaml_node_t *n = quick_scalar(q, 0, "", 0, 0, YAML_DOUBLE_QUOTED_SCALAR_STYLE, &used);
        n->end_mark.index = n->end_mark.column = 2;
        return n;
    }
    if (quick_plain(text, len)) {
        q->doc.nodes.top = q->node + 1;
        return quick_scalar(q, 0, text, len, 0, YAML_PLAIN_SCALAR_STYLE, &used);
    }
    if (text[0] != '[' || text[len - 1] != ']') return NULL;
    yaml_node_t *root = &q->node[0];
    memset(root, 0, sizeof *root);
    root->type = YAML_SEQUENCE_NODE;
    root->data.sequence.style = YAML_FLOW_SEQUENCE_STYLE;
    root->end_mark.index = root->end_mark.column = len;
    size_t n = 0, i = 1;
    if (len > 2) {
        for (;;) {
            const size_t start = i;
            while (i < len - 1 && text[i] != ',') i++;
            if (n >= SC_MAX_LIST || !quick_plain(text + start, i - start)) return NULL;
            quick_scalar(q, n + 1, text + start, i - start, start, YAML_PLAIN_SCALAR_STYLE, &used);
            q->item[n] = (yaml_node_item_t)(n + 2);
            n++;
            if (i == len - 1) break;
            i++;                       /* the comma */
            if (text[i] == ' ') i++;   /* one space after it */
        }
    }
    root->data.sequence.items.start = q->item;
    root->data.sequence.items.top = q->item + n;
    root->data.sequence.items.end = q->item + SC_MAX_LIST;
    q->doc.nodes.top = q->node + 1 + n;
    return root;
}

/* Apply YAML text to key index i (defaults, --set, sweep points). */
static f3_status apply_text(scenario *sc, size_t i, const char *text, const char *origin, int col_off)
{
    quick_doc q;
    yaml_node_t *root = quick_parse(text, &q);
    if (root) return apply_into(sc, i, &q.doc, root, text, origin, 0, col_off);
    yaml_document_t doc;
    f3_status st = parse_text(text, origin, col_off, &doc, &root);
    if (st != F3_OK) return st;
    st = apply_into(sc, i, &doc, root, text, origin, 0, col_off);
    yaml_document_delete(&doc);
    return st;
}

/* ---- the document ------------------------------------------------------------ */

/* Reject anchors, aliases, deep nesting and multiple documents before
 * building the document (so nothing can blow up). */
static f3_status prescan(const char *path, const unsigned char *buf, size_t len)
{
    yaml_parser_t p;
    yaml_event_t ev;
    yaml_parser_initialize(&p);
    yaml_parser_set_input_string(&p, buf, len);
    int depth = 0, docs = 0;
    f3_status st = F3_OK;
    for (;;) {
        if (!yaml_parser_parse(&p, &ev)) {
            char started[96] = "";
            if (p.problem_mark.index < len && buf[p.problem_mark.index] == '\t')
                snprintf(started, sizeof started, " (a tab: YAML indents with spaces)");
            else if (p.context)
                snprintf(started, sizeof started, " started at line %d, column %d",
                         (int)p.context_mark.line + 1, (int)p.context_mark.column + 1);
            st = at(F3_EFORMAT, path, (int)p.problem_mark.line + 1, (int)p.problem_mark.column + 1,
                    "not valid YAML: %s%s%s%s", p.problem ? p.problem : "syntax error",
                    p.context ? " " : "", p.context ? p.context : "", started);
            break;
        }
        int line = (int)ev.start_mark.line + 1, col = (int)ev.start_mark.column + 1;
        const unsigned char *anchor = NULL;
        if (ev.type == YAML_SCALAR_EVENT) anchor = ev.data.scalar.anchor;
        if (ev.type == YAML_SEQUENCE_START_EVENT) anchor = ev.data.sequence_start.anchor;
        if (ev.type == YAML_MAPPING_START_EVENT) anchor = ev.data.mapping_start.anchor;
        if (ev.type == YAML_ALIAS_EVENT || anchor)
            st = at(F3_EFORMAT, path, line, col, "anchors and aliases (&name, *name) are not supported in scenarios");
        if (ev.type == YAML_SEQUENCE_START_EVENT || ev.type == YAML_MAPPING_START_EVENT)
            if (++depth > SC_MAX_DEPTH)
                st = at(F3_EFORMAT, path, line, col, "nested deeper than %d levels", SC_MAX_DEPTH);
        if (ev.type == YAML_SEQUENCE_END_EVENT || ev.type == YAML_MAPPING_END_EVENT) depth--;
        if (ev.type == YAML_DOCUMENT_START_EVENT && ++docs > 1)
            st = at(F3_EFORMAT, path, line, col, "a scenario file holds one YAML document");
        int done = ev.type == YAML_STREAM_END_EVENT;
        yaml_event_delete(&ev);
        if (st != F3_OK || done) break;
    }
    yaml_parser_delete(&p);
    return st;
}

static f3_status walk(scenario *sc, yaml_document_t *doc, const char *src, yaml_node_t *map, const char *prefix);
static void suggest_path(const char *path, char *buf, size_t len);
static f3_status validate_points(scenario *sc);

/* A string as YAML text that reads back as the same string: plain when
 * that is safe, else double-quoted.  0 if it does not fit. */
static int yaml_string(const char *s, char *out, size_t len)
{
    int plain = *s && !strchr(" -?", s[0]) && s[strlen(s) - 1] != ' ' && strcmp(s, "~") &&
                strcmp(s, "null") && strcmp(s, "Null") && strcmp(s, "NULL");
    for (const char *c = s; *c && plain; c++)
        if (strchr(":#[]{},&*!|>'\"%@`\\", *c) || (unsigned char)*c < 0x20) plain = 0;
    if (plain) return snprintf(out, len, "%s", s) < (int)len;
    size_t n = 0;
    out[n++] = '"';
    for (const char *c = s; *c; c++) {
        if (n + 5 >= len) return 0;
        if (*c == '"' || *c == '\\') out[n++] = '\\', out[n++] = *c;
        else if (*c == '\n') out[n++] = '\\', out[n++] = 'n';
        else if (*c == '\t') out[n++] = '\\', out[n++] = 't';
        else out[n++] = *c;
    }
    out[n++] = '"';
    out[n] = '\0';
    return 1;
}

#define SC_MAX_POINTS 10000

static f3_status read_sweep(scenario *sc, yaml_document_t *doc, const char *src, yaml_node_t *map, int zip)
{
    const char *f = sc->file;
    if (map->type != YAML_MAPPING_NODE)
        return at(F3_EINVAL, f, MARK(map), "sweep%s: expected a mapping of key paths to lists", zip ? ".zip" : "");
    for (yaml_node_pair_t *pr = map->data.mapping.pairs.start; pr < map->data.mapping.pairs.top; pr++) {
        yaml_node_t *k = yaml_document_get_node(doc, pr->key), *v = yaml_document_get_node(doc, pr->value);
        if (k->type != YAML_SCALAR_NODE) return at(F3_EINVAL, f, MARK(k), "sweep: keys are key paths");
        const char *key = scalar_of(k);
        if (!zip && !strcmp(key, "zip")) {
            f3_status st = read_sweep(sc, doc, src, v, 1);
            if (st != F3_OK) return st;
            continue;
        }
        int idx = sc_schema_find(key);
        if (idx < 0 || sc_schema()[idx].kind == SK_SECTION) {
            char hint[200];
            suggest_path(key, hint, sizeof hint);
            if (zip && !strcmp(key, "zip")) snprintf(hint, sizeof hint, " (zip groups do not nest)");
            return at(F3_EINVAL, f, MARK(k), "sweep: '%.100s' is not a key path like training.lr%s", key, hint);
        }
        /* every point of a sweep writes into one folder, named by these */
        if (!strcmp(key, "name") || !strcmp(key, "outputs.folder"))
            return at(F3_EINVAL, f, MARK(k),
                      "sweep: %s cannot be swept: every point writes into <outputs.folder>/<name>/point-NNN/ (run the "
                      "scenario once per value with --set %s=...)", key, key);
        if (v->type != YAML_SEQUENCE_NODE || v->data.sequence.items.top == v->data.sequence.items.start)
            return at(F3_EINVAL, f, MARK(v), "sweep: %s: expected a non-empty list of values", key);
        if (sc->n_sweep >= SC_MAX_SWEEP) return at(F3_ERANGE, f, MARK(k), "sweep: at most %d keys", SC_MAX_SWEEP);
        for (size_t i = 0; i < sc->n_sweep; i++)
            if (!strcmp(sc->sweep[i].path, key)) return at(F3_EINVAL, f, MARK(k), "sweep: %s is swept twice", key);
        sc_sweep_axis *ax = &sc->sweep[sc->n_sweep];
        free(ax->values);
        memset(ax, 0, sizeof *ax);
        /* room for the values (at most SC_MAX_LIST: more is an error below) */
        size_t count = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
        if (!(ax->values = malloc((count < SC_MAX_LIST ? count : SC_MAX_LIST) * sizeof *ax->values)))
            return F3_FAIL(F3_ENOMEM, "%s: out of memory", f);
        snprintf(ax->path, sizeof ax->path, "%s", key);
        ax->zip = zip;
        ax->line = (int)k->start_mark.line + 1;
        ax->col = (int)k->start_mark.column + 1;
        for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
            yaml_node_t *item = yaml_document_get_node(doc, *it);
            if (ax->n >= SC_MAX_SWEEP_VALUES)
                return at(F3_ERANGE, f, MARK(item), "sweep: at most %d values per key", SC_MAX_SWEEP_VALUES);
            scratch_value tmp;
            f3_status st = apply_node(&sc_schema()[idx], &tmp, doc, item, src, f, 0, 0);
            if (st != F3_OK) return st;
            /* the text is applied again at each point: keep strings strings */
            if (sc_schema()[idx].kind == SK_STRING && !yaml_string(tmp.str, ax->values[ax->n], SC_MAX_STR))
                return at(F3_EINVAL, f, MARK(item), "sweep: %s: value too long", key);
            if (sc_schema()[idx].kind != SK_STRING) snprintf(ax->values[ax->n], SC_MAX_STR, "%s", tmp.text);
            ax->n++;
        }
        sc->n_sweep++;
    }
    if (zip) {
        size_t n = 0;
        for (size_t i = 0; i < sc->n_sweep; i++)
            if (sc->sweep[i].zip) {
                if (n && sc->sweep[i].n != n)
                    return at(F3_EINVAL, f, sc->sweep[i].line, sc->sweep[i].col,
                              "sweep.zip: %s has %zu values but the zipped keys before it have %zu; zipped lists must be equally long",
                              sc->sweep[i].path, sc->sweep[i].n, n);
                n = sc->sweep[i].n;
            }
    } else {
        /* the number of points, without overflowing */
        double points = 1.0, zipped = 1.0;
        for (size_t i = 0; i < sc->n_sweep; i++) {
            if (sc->sweep[i].zip) zipped = (double)sc->sweep[i].n;
            else points *= (double)sc->sweep[i].n;
        }
        if (points * zipped > SC_MAX_POINTS)
            return at(F3_ERANGE, f, MARK(map), "sweep: %.0f points (the product of the list lengths); at most %d",
                      points * zipped, SC_MAX_POINTS);
    }
    return F3_OK;
}

static f3_status walk(scenario *sc, yaml_document_t *doc, const char *src, yaml_node_t *map, const char *prefix)
{
    const char *f = sc->file;
    for (yaml_node_pair_t *pr = map->data.mapping.pairs.start; pr < map->data.mapping.pairs.top; pr++) {
        yaml_node_t *k = yaml_document_get_node(doc, pr->key), *v = yaml_document_get_node(doc, pr->value);
        if (k->type != YAML_SCALAR_NODE) return at(F3_EINVAL, f, MARK(k), "keys must be plain names");
        const char *key = scalar_of(k);
        for (yaml_node_pair_t *q = map->data.mapping.pairs.start; q < pr; q++) {
            yaml_node_t *qk = yaml_document_get_node(doc, q->key);
            if (!strcmp(scalar_of(qk), key))
                return at(F3_EINVAL, f, MARK(k), "key '%s' is given twice (first at line %d)", key,
                          (int)qk->start_mark.line + 1);
        }
        if (!prefix[0] && !strcmp(key, "sweep")) {
            f3_status st = read_sweep(sc, doc, src, v, 0);
            if (st != F3_OK) return st;
            continue;
        }
        if (!prefix[0] && !strcmp(key, "explore")) {
            /* f3sim explore's design space: read by cmd_explore.c */
            sc->explore_line = (int)k->start_mark.line + 1;
            sc->explore_col = (int)k->start_mark.column + 1;
            continue;
        }
        char path[256];
        snprintf(path, sizeof path, "%s%s%s", prefix, prefix[0] ? "." : "", key);
        int idx = sc_schema_find(path);
        if (idx < 0) return unknown_key(f, MARK(k), prefix, key);
        const sc_entry *e = &sc_schema()[idx];
        if (e->kind == SK_SECTION) {
            sc_value *sv = &sc->v[idx];
            sv->set = 1;
            sv->line = (int)k->start_mark.line + 1;
            sv->col = (int)k->start_mark.column + 1;
            if (!(sv->origin = origin_in(sc, f))) return F3_FAIL(F3_ENOMEM, "%s: out of memory", f);
            if (is_null_scalar(v)) continue; /* "backward:" with every default */
            if (v->type != YAML_MAPPING_NODE)
                return at(F3_EINVAL, f, MARK(v), "%s: expected a mapping of its keys", path);
            f3_status st = walk(sc, doc, src, v, path);
            if (st != F3_OK) return st;
        } else {
            f3_status st = apply_into(sc, (size_t)idx, doc, v, src, f, 0, 0);
            if (st != F3_OK) return st;
        }
    }
    return F3_OK;
}

/* Is the section holding path present (all ancestors present)? */
static int ancestors_present(const scenario *sc, const char *path)
{
    char buf[256];
    copy_str(buf, sizeof buf, path);
    for (char *dot = strrchr(buf, '.'); dot; dot = strrchr(buf, '.')) {
        *dot = '\0';
        int i = sc_schema_find(buf);
        if (i >= 0 && sc_schema()[i].optional && !sc->v[i].set) return 0;
    }
    return 1;
}

static f3_status fill_defaults(scenario *sc)
{
    const sc_entry *s = sc_schema();
    for (size_t i = 0; i < sc_schema_count(); i++) {
        if (s[i].kind == SK_SECTION || sc->v[i].set || !s[i].def) continue;
        f3_status st = apply_text(sc, i, s[i].def, "default", 0);
        if (st != F3_OK) return st; /* a schema bug; the message says which */
        sc->v[i].set = 0;
        sc->v[i].line = sc->v[i].col = 0;
    }
    return F3_OK;
}

f3_status scenario_load(const char *path, scenario **out)
{
    *out = NULL;
    int not_regular;
    FILE *fp = f3_fopen_regular(path, &not_regular);
    if (!fp && not_regular) return F3_FAIL(F3_EIO, "%s: not a regular file (a FIFO, a device or a folder)", path);
    if (!fp) return F3_FAIL(F3_EIO, "%s: cannot open: %s", path, strerror(errno));
    /* room for the file as it is (a scenario is a few KB), growing if it
     * is not a regular file or grows while it is read */
    struct stat stt;
    size_t cap = fstat(fileno(fp), &stt) == 0 && S_ISREG(stt.st_mode) && stt.st_size >= 0 &&
                         (uintmax_t)stt.st_size <= MAX_FILE_BYTES
                     ? (size_t)stt.st_size + 1
                     : 4096;
    unsigned char *buf = malloc(cap);
    size_t len = 0;
    while (buf) {
        len += fread(buf + len, 1, cap - len, fp);
        if (len < cap || cap > MAX_FILE_BYTES) break; /* the end, an error, or too large */
        size_t more = 2 * cap > MAX_FILE_BYTES + 1 ? MAX_FILE_BYTES + 1 : 2 * cap;
        unsigned char *b = realloc(buf, more);
        if (!b) free(buf);
        buf = b;
        cap = more;
    }
    int rerr = ferror(fp);
    fclose(fp);
    if (!buf) return F3_FAIL(F3_ENOMEM, "%s: out of memory", path);
    if (rerr) {
        free(buf);
        return F3_FAIL(F3_EIO, "%s: read error", path);
    }
    if (len > MAX_FILE_BYTES) {
        free(buf);
        return at(F3_EFORMAT, path, 1, 1, "larger than %u bytes; a scenario is a short YAML file", MAX_FILE_BYTES);
    }
    buf[len] = '\0'; /* len < cap here; the tags are read from the text */
    scenario *sc = NULL; /* made once the text is a YAML mapping */
    f3_status st = F3_ENOMEM;
    yaml_document_t doc;
    int have_doc = 0;
    if ((st = prescan(path, buf, len)) != F3_OK) goto fail;
    yaml_parser_t p;
    yaml_parser_initialize(&p);
    yaml_parser_set_input_string(&p, buf, len);
    if (!yaml_parser_load(&p, &doc)) {
        st = at(F3_EFORMAT, path, (int)p.problem_mark.line + 1, (int)p.problem_mark.column + 1,
                "not valid YAML: %s", p.problem ? p.problem : "syntax error");
        yaml_parser_delete(&p);
        goto fail;
    }
    yaml_parser_delete(&p);
    have_doc = 1;
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (!root || is_null_scalar(root)) {
        st = at(F3_EFORMAT, path, 1, 1, "empty scenario: expected a mapping with the sections network, dataset, training (and hardware, outputs, sweep)");
        goto fail;
    }
    if (root->type != YAML_MAPPING_NODE) {
        st = at(F3_EFORMAT, path, MARK(root), "a scenario is a mapping of sections (network:, dataset:, training:, …), not %s",
                root->type == YAML_SCALAR_NODE ? "a single value" : "a list");
        goto fail;
    }
    if ((st = check_tags(&doc, path, 0, 0)) != F3_OK) goto fail;
    if (!(sc = calloc(1, sizeof *sc)) || !(sc->v = block_get(1))) {
        st = F3_FAIL(F3_ENOMEM, "%s: out of memory", path);
        goto fail;
    }
    lay_out(sc->v);
    for (size_t i = 0; i < sc_schema_count(); i++) sc->v[i].origin = "";
    snprintf(sc->file, sizeof sc->file, "%s", path);
    if ((st = walk(sc, &doc, (const char *)buf, root, "")) != F3_OK) goto fail;
    if ((st = fill_defaults(sc)) != F3_OK) goto fail;
    int ni = sc_schema_find("name");
    if (!sc->v[ni].set) {
        const char *base = strrchr(path, '/');
        base = base ? base + 1 : path;
        snprintf(sc->v[ni].str, SC_MAX_STR, "%s", base);
        char *dot = strrchr(sc->v[ni].str, '.');
        if (dot && (!strcmp(dot, ".yaml") || !strcmp(dot, ".yml"))) *dot = '\0';
        snprintf(sc->v[ni].text, SC_MAX_STR, "%s", sc->v[ni].str);
    }
    snprintf(sc->name, sizeof sc->name, "%s", sc->v[ni].str);
    if ((st = validate_points(sc)) != F3_OK) goto fail;
    yaml_document_delete(&doc);
    free(buf);
    *out = sc;
    return F3_OK;
fail:
    if (have_doc) yaml_document_delete(&doc);
    free(buf);
    scenario_free(sc);
    return st;
}

void scenario_free(scenario *sc)
{
    if (!sc) return;
    block_put(sc->v);
    for (size_t i = 0; i < sc->n_origins; i++) free(sc->origins[i]);
    free(sc->origins);
    for (size_t a = 0; a < SC_MAX_SWEEP; a++) free(sc->sweep[a].values);
    free(sc);
}

f3_status scenario_copy(const scenario *sc, scenario **out)
{
    *out = NULL;
    scenario *c = malloc(sizeof *c);
    if (!c) return F3_FAIL(F3_ENOMEM, "out of memory");
    *c = *sc;
    /* nothing of sc's is owned by c until it has its own */
    c->v = NULL;
    c->origins = NULL;
    c->n_origins = c->cap_origins = 0;
    for (size_t a = 0; a < SC_MAX_SWEEP; a++) c->sweep[a].values = NULL;
    const size_t bytes = block_bytes(), n = sc_schema_count();
    if (!(c->v = block_get(0))) goto oom;
    memcpy(c->v, sc->v, bytes);
    lay_out(c->v);
    if (sc->n_origins && !(c->origins = malloc(sc->n_origins * sizeof *c->origins))) goto oom;
    c->cap_origins = sc->n_origins;
    for (size_t j = 0; j < sc->n_origins; j++) {
        size_t len = strlen(sc->origins[j]) + 1;
        if (!(c->origins[j] = malloc(len))) goto oom;
        memcpy(c->origins[j], sc->origins[j], len);
        c->n_origins++;
    }
    for (size_t i = 0; i < n; i++) /* each origin: c's copy of it */
        for (size_t j = 0; j < sc->n_origins; j++)
            if (sc->v[i].origin == sc->origins[j]) c->v[i].origin = c->origins[j];
    for (size_t a = 0; a < sc->n_sweep; a++) {
        const size_t vb = sc->sweep[a].n * sizeof *sc->sweep[a].values;
        if (!(c->sweep[a].values = malloc(vb ? vb : 1))) goto oom;
        if (vb) memcpy(c->sweep[a].values, sc->sweep[a].values, vb);
    }
    *out = c;
    return F3_OK;
oom:
    scenario_free(c);
    return F3_FAIL(F3_ENOMEM, "out of memory");
}

/* The nearest key path, for --set and sweep keys: "; did you mean 'x'?",
 * or for a section "; 'x' is a section: give one of its keys, like x.y". */
static void suggest_path(const char *path, char *buf, size_t len)
{
    const sc_entry *s = sc_schema();
    const char *hint = renamed_hint(path);
    if (hint) {
        snprintf(buf, len, "; %s", hint);
        return;
    }
    int si = sc_schema_find(path);
    if (si >= 0 && s[si].kind == SK_SECTION) {
        for (size_t i = 0; i < sc_schema_count(); i++)
            if (s[i].kind != SK_SECTION && is_child(s[i].path, path)) {
                snprintf(buf, len, "; %s is a section: give one of its keys, like %s", path, s[i].path);
                return;
            }
    }
    size_t best_d = 99;
    const char *best = NULL;
    for (size_t i = 0; i < sc_schema_count(); i++)
        if (s[i].kind != SK_SECTION) {
            if (!best_d) break;
            size_t limit = best_d - 1 < 3 ? best_d - 1 : 3; /* nearer, and within 3 */
            size_t d = edit_distance_within(path, s[i].path, limit);
            if (d <= limit) best_d = d, best = s[i].path;
        }
    if (best && best_d <= 3) snprintf(buf, len, "; did you mean '%s'?", best);
    else snprintf(buf, len, " (see docs/scenarios.md)");
}

/* scenario_set without the cross-key validation (sweep points validate
 * once all their keys are set).  A section this makes present is located
 * at line:col of origin. */
static f3_status set_value(scenario *sc, const char *assignment, const char *origin, int line, int col)
{
    const char *eq = strchr(assignment, '=');
    if (!eq) return at(F3_EINVAL, origin, 1, 1, "expected key.path=value, got '%s'", assignment);
    char path[256];
    size_t plen = (size_t)(eq - assignment);
    if (plen >= sizeof path) return at(F3_EINVAL, origin, 1, 1, "key path too long");
    memcpy(path, assignment, plen);
    path[plen] = '\0';
    int idx = sc_schema_find(path);
    if (idx < 0 || sc_schema()[idx].kind == SK_SECTION) {
        char hint[200];
        suggest_path(path, hint, sizeof hint);
        return at(F3_EINVAL, origin, 1, 1, "unknown key path '%s'%s", path, hint);
    }
    f3_status st = apply_text(sc, (size_t)idx, eq + 1, origin, (int)plen + 1);
    if (st != F3_OK) return st;
    if (!strcmp(path, "name")) snprintf(sc->name, sizeof sc->name, "%s", sc->v[idx].str);
    /* setting a key inside an optional section makes the section present */
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *dot = strrchr(buf, '.'); dot; dot = strrchr(buf, '.')) {
        *dot = '\0';
        int si = sc_schema_find(buf);
        if (si >= 0 && !sc->v[si].set) {
            sc->v[si].set = 1;
            if (!(sc->v[si].origin = origin_in(sc, origin))) return F3_FAIL(F3_ENOMEM, "%s: out of memory", sc->file);
            sc->v[si].line = line;
            sc->v[si].col = col;
        }
    }
    return F3_OK;
}

f3_status scenario_set(scenario *sc, const char *assignment, const char *origin)
{
    f3_status st = set_value(sc, assignment, origin, 1, 1);
    return st != F3_OK ? st : validate_points(sc);
}

f3_status scenario_set_all(scenario *sc, const char *const *assignments, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char origin[64];
        snprintf(origin, sizeof origin, "--set[%zu]", i + 1);
        f3_status st = set_value(sc, assignments[i], origin, 1, 1);
        if (st != F3_OK) return st;
    }
    return validate_points(sc);
}

/* ---- access ----------------------------------------------------------------- */

const sc_value *scenario_get(const scenario *sc, const char *path)
{
    int i = sc_schema_find(path);
    return i < 0 ? NULL : &sc->v[i];
}

double scenario_num(const scenario *sc, const char *path)
{
    const sc_value *v = scenario_get(sc, path);
    return v ? v->num : 0.0;
}

const char *scenario_str(const scenario *sc, const char *path)
{
    const sc_value *v = scenario_get(sc, path);
    return v ? v->str : "";
}

int scenario_present(const scenario *sc, const char *section)
{
    int i = sc_schema_find(section);
    if (i < 0) return 0;
    return (!sc_schema()[i].optional || sc->v[i].set) && ancestors_present(sc, section);
}

size_t scenario_algorithms(const scenario *sc, char names[][32], size_t max)
{
    const sc_value *cmp = scenario_get(sc, "training.compare");
    size_t n = 0;
    if (cmp->n) {
        for (size_t i = 0; i < cmp->n && n < max; i++) snprintf(names[n++], 32, "%.31s", cmp->items[i]);
    } else if (max) {
        snprintf(names[n++], 32, "%.31s", scenario_str(sc, "training.algorithm"));
    }
    return n;
}

/* ---- cross-key validation -------------------------------------------------- */

typedef struct {
    const char *name;
    int features, outputs, regression;
    int channels, height, width; /* images; 0 for tables */
} known_dataset;

static const known_dataset KNOWN[] = {
    {"mnist", 784, 10, 0, 1, 28, 28}, {"fashion-mnist", 784, 10, 0, 1, 28, 28}, {"census", 14, 2, 0, 0, 0, 0},
    {"wine", 12, 1, 1, 0, 0, 0},      {"cifar10", 3072, 10, 0, 3, 32, 32},
};

static const known_dataset *known(const scenario *sc)
{
    const char *n = scenario_str(sc, "dataset.name");
    for (size_t i = 0; i < sizeof KNOWN / sizeof KNOWN[0]; i++)
        if (!strcmp(KNOWN[i].name, n)) return &KNOWN[i];
    return NULL;
}

int scenario_is_vit(const scenario *sc) { return !strcmp(scenario_str(sc, "network.type"), "vit"); }
int scenario_is_blocks(const scenario *sc) { return strcmp(scenario_str(sc, "network.type"), "mlp") != 0; }

static int is_regression(const scenario *sc);

f3_status scenario_blocks(const scenario *sc, f3_block *blocks, size_t max, size_t *n)
{
    *n = 0;
    char msg[700];
    if (scenario_is_vit(sc)) {
        f3_vit_config vc;
        if (scenario_vit_config(sc, &vc) != F3_OK) return F3_EINVAL;
        if (f3_vit_blocks(&vc, blocks, max, n) == F3_OK) return F3_OK;
        snprintf(msg, sizeof msg, "%s", f3_last_error());
        return scenario_at_key(sc, "network.vit", F3_EINVAL, "network.%s", msg);
    }
    const known_dataset *k = known(sc);
    const sc_value *in = scenario_get(sc, "network.input");
    const f3_blockspec_input bi = {!in->is_auto ? (size_t)in->num : k ? (size_t)k->features : 0,
                                   k ? (size_t)k->channels : 0, k ? (size_t)k->height : 0, k ? (size_t)k->width : 0};
    if (is_regression(sc))
        return scenario_at_key(sc, "network.type", F3_EINVAL,
                               "network.type blocks: the block trainer trains classifiers (softmax cross-entropy); %s is "
                               "a regression data set",
                               scenario_str(sc, "dataset.name"));
    if (!bi.features)
        return scenario_at_key(sc, "network.input", F3_EINVAL,
                               "network.type blocks with a csv data set needs network.input (the width the first "
                               "block takes)");
    const char *spec = scenario_str(sc, "network.blocks");
    if (!spec[0])
        return scenario_at_key(sc, "network.blocks", F3_EINVAL, "network.type blocks needs network.blocks (the blocks' ops)");
    if (f3_blockspec_parse(spec, &bi, blocks, max, n) != F3_OK) {
        snprintf(msg, sizeof msg, "%s", f3_last_error());
        return scenario_at_key(sc, "network.blocks", F3_EINVAL, "network.blocks: %s", msg);
    }
    const size_t C = k ? (size_t)k->outputs : (size_t)scenario_num(sc, "dataset.classes");
    if (f3_block_out_size(&blocks[*n - 1]) != C)
        return scenario_at_key(sc, "network.blocks", F3_EINVAL,
                               "network.blocks: the last block gives %zu values per sample; the data set has %zu classes "
                               "(end with tokens 1, linear %zu)",
                               f3_block_out_size(&blocks[*n - 1]), C, C);
    return F3_OK;
}

f3_status scenario_vit_config(const scenario *sc, f3_vit_config *out)
{
    const known_dataset *k = known(sc);
    if (!k || !k->channels)
        return scenario_at_key(sc, "network.type", F3_EINVAL,
                               "network.type vit needs a data set of images (mnist, fashion-mnist or cifar10), not %s",
                               scenario_str(sc, "dataset.name"));
    f3_op_act act = F3_OP_TANH;
    const char *a = scenario_str(sc, "network.activation");
    if (!strcmp(a, "sigmoid")) act = F3_OP_SIGMOID;
    else if (!strcmp(a, "relu")) act = F3_OP_RELU;
    else if (strcmp(a, "tanh"))
        return scenario_at_key(sc, "network.activation", F3_EINVAL,
                               "network.activation %s: a vit's MLPs and head take tanh, sigmoid or relu", a);
    *out = (f3_vit_config){(size_t)scenario_num(sc, "network.vit.depth"), (size_t)scenario_num(sc, "network.vit.width"),
                           (size_t)scenario_num(sc, "network.vit.heads"), (size_t)scenario_num(sc, "network.vit.dim_head"),
                           (size_t)scenario_num(sc, "network.vit.mlp_dim"), (size_t)scenario_num(sc, "network.vit.patch"),
                           scenario_num(sc, "network.vit.norm") != 0, act, (size_t)k->channels, (size_t)k->height,
                           (size_t)k->width, (size_t)k->outputs};
    return F3_OK;
}

/* network.type vit or blocks: what the block trainer runs, and nothing it does not */
static f3_status check_blocks(const scenario *sc)
{
    f3_block blocks[F3_BLOCKNET_MAX_BLOCKS];
    size_t nb;
    if (scenario_blocks(sc, blocks, F3_BLOCKNET_MAX_BLOCKS, &nb) != F3_OK) return F3_EINVAL;
    static const struct {
        const char *key, *want, *why;
    } ONLY[] = {
        {"training.loss", "auto|softmax_ce", "a vit is trained on softmax cross-entropy, as the authors' code does"},
        {"network.output_activation", "auto|identity", "a vit's output feeds softmax cross-entropy (identity)"},
        {"training.feedback_init", "trinomial", "a vit's feedback matrices are drawn uniformly from {-1, 0, 1}, as the "
                                                "authors' discrete_uniform connectors"},
        {"training.e0", "targets", "a vit's F3 store starts from the targets (the authors' initialize_error_information)"},
        {"network.bias", "true", "a vit's linear layers have the authors' biases (qkv has none)"},
    };
    for (size_t i = 0; i < sizeof ONLY / sizeof ONLY[0]; i++) {
        const sc_value *v = scenario_get(sc, ONLY[i].key);
        const char *have = v->str[0] ? v->str : v->text;
        char want[64];
        snprintf(want, sizeof want, "|%s|", ONLY[i].want);
        char probe[SC_MAX_STR + 4];
        snprintf(probe, sizeof probe, "|%s|", have);
        if (!strstr(want, probe))
            return scenario_at_key(sc, ONLY[i].key, F3_EINVAL, "%s %s: %s (network.type %s)", ONLY[i].key, have,
                                   ONLY[i].why, scenario_str(sc, "network.type"));
    }
    if (scenario_get(sc, "network.hidden")->set)
        return scenario_at_key(sc, "network.hidden", F3_EINVAL,
                               "network.hidden gives an MLP's widths; a vit's sizes are network.vit's (network.type vit)");
    /* the formats the block trainer runs (fixed-point activations are not,
     * with attention or layer normalisation); Adam's rule is the MLP's,
     * checked below by f3_config_check */
    f3_numerics nm;
    char key[96];
    for (int t = 0; t < F3_T_COUNT; t++) {
        snprintf(key, sizeof key, "numerics.%s.format", f3_tensor_names[t]);
        if (f3_parse_format(scenario_str(sc, key), &nm.fmt[t]) != F3_OK)
            return scenario_at_key(sc, key, F3_EINVAL, "%s: %s", key, f3_last_error());
    }
    f3_tensor which = F3_T_ACTIVATIONS;
    if (f3_blocktrain_check_numerics(blocks, nb, F3_OPT_SGD, &nm, &which) != F3_OK) {
        char msg[600];
        snprintf(msg, sizeof msg, "%s", f3_last_error());
        snprintf(key, sizeof key, "numerics.%s.format", f3_tensor_names[which]);
        return scenario_at_key(sc, key, F3_EINVAL, "%s %s: %s (network.type vit)", key, scenario_str(sc, key), msg);
    }
    if (scenario_num(sc, "outputs.checkpoint_every") != 0)
        return scenario_at_key(sc, "outputs.checkpoint_every", F3_EINVAL,
                               "outputs.checkpoint_every: a vit's training writes no checkpoints yet (use 0)");
    /* outputs.trace: a point that trains runs on the SystemC chip, whose
     * tiles run blocks too (as for an MLP) */
    return F3_OK;
}

static int is_regression(const scenario *sc)
{
    const known_dataset *k = known(sc);
    if (k) return k->regression;
    return scenario_num(sc, "dataset.classes") == 0;
}

f3_status scenario_f3_config(const scenario *sc, const char *algorithm, f3_config *cfg, f3_task *task)
{
    const int regression = is_regression(sc);
    const known_dataset *k = known(sc);
    f3_config c = f3_config_default();
    f3_status st = F3_OK;
    const sc_value *hid = scenario_get(sc, "network.hidden"), *in = scenario_get(sc, "network.input"),
                   *out = scenario_get(sc, "network.output");
    /* widths: as given, else the data set's; a csv file's features are
     * known only once it is read (0) */
    const int blocks_net = scenario_is_blocks(sc); /* a network of blocks: widths are the blocks' outputs */
    f3_block blocks[F3_BLOCKNET_MAX_BLOCKS];
    size_t nb = 0;
    if (blocks_net && scenario_blocks(sc, blocks, F3_BLOCKNET_MAX_BLOCKS, &nb) != F3_OK) nb = 0; /* check_blocks reports it */
    c.n_layers = blocks_net ? (nb ? nb : 1) : hid->n + 1;
    c.widths[0] = !in->is_auto ? (size_t)in->num : k ? (size_t)k->features : 0;
    for (size_t i = 0; i + 1 < c.n_layers; i++)
        c.widths[i + 1] = blocks_net ? f3_block_out_size(&blocks[i]) : (size_t)hid->list[i];
    c.widths[c.n_layers] = !out->is_auto ? (size_t)out->num
                           : k           ? (size_t)k->outputs
                           : regression  ? 1 /* a csv file's one target column */
                                         : (size_t)scenario_num(sc, "dataset.classes");
    st = f3_parse_activation(scenario_str(sc, "network.activation"), &c.hidden_act);
    c.bias = scenario_num(sc, "network.bias") != 0;
    /* auto: bce for classification, mse for regression; the output
     * activation sigmoid for bce, identity for regression and softmax_ce */
    const char *loss = scenario_str(sc, "training.loss"), *oa = scenario_str(sc, "network.output_activation");
    if (!strcmp(loss, "auto")) c.loss = blocks_net ? F3_LOSS_SOFTMAX_CE : regression ? F3_LOSS_MSE : F3_LOSS_BCE;
    else if (st == F3_OK) st = f3_parse_loss(loss, &c.loss);
    if (!strcmp(oa, "auto"))
        c.output_act = regression || c.loss == F3_LOSS_SOFTMAX_CE ? F3_ACT_IDENTITY : F3_ACT_SIGMOID;
    else if (st == F3_OK) st = f3_parse_activation(oa, &c.output_act);
    /* f3-error and f3-loss: f3 with delayed_error(_one_hot), delayed_loss(_one_hot);
     * error_info auto: delayed_error_one_hot, or delayed_error for regression */
    const char *ei = scenario_str(sc, "training.error_info");
    if (!strcmp(algorithm, "f3-error") || !strcmp(algorithm, "f3-loss")) {
        c.algorithm = F3_ALG_F3;
        c.error_info.kind = !strcmp(algorithm, "f3-loss") ? F3_EI_LOSS : F3_EI_ERROR;
        c.error_info.one_hot = !regression;
        c.error_info.softmax = 0;
    } else {
        if (st == F3_OK) st = f3_parse_algorithm(algorithm, &c.algorithm);
        if (!strcmp(ei, "auto") && blocks_net) c.error_info = (f3_error_info){F3_EI_ERROR, 0, 0}; /* t − softmax(y) */
        else if (!strcmp(ei, "auto")) c.error_info.one_hot = !regression;
        else if (st == F3_OK) st = f3_parse_error_info(ei, &c.error_info);
    }
    c.e0 = !strcmp(scenario_str(sc, "training.e0"), "inference") ? F3_E0_INFERENCE : F3_E0_TARGETS;
    if (st == F3_OK) st = f3_parse_feedback_init(scenario_str(sc, "training.feedback_init"), &c.feedback_init);
    if (st == F3_OK) st = f3_parse_optimizer(scenario_str(sc, "training.optimizer"), &c.optimizer);
    c.lr = scenario_num(sc, "training.lr");
    c.beta1 = scenario_num(sc, "training.beta1");
    c.beta2 = scenario_num(sc, "training.beta2");
    c.eps = scenario_num(sc, "training.eps");
    c.batch_size = (size_t)scenario_num(sc, "training.batch_size");
    c.seed = (uint64_t)scenario_num(sc, "training.seed");
    /* numerics.<tensor>: format and rounding (fp32, nearest even by default) */
    for (int t = 0; st == F3_OK && t < F3_T_COUNT; t++) {
        char key[96];
        snprintf(key, sizeof key, "numerics.%s.format", f3_tensor_names[t]);
        st = f3_parse_format(scenario_str(sc, key), &c.numerics.fmt[t]);
        snprintf(key, sizeof key, "numerics.%s.rounding", f3_tensor_names[t]);
        if (st == F3_OK) st = f3_parse_rounding(scenario_str(sc, key), &c.numerics.fmt[t].rounding);
    }
    if (st != F3_OK) return st;
    *cfg = c;
    *task = regression ? F3_TASK_REGRESSION : F3_TASK_CLASSIFICATION;
    return F3_OK;
}

/* The scenario key an f3_config setting comes from. */
static const char *key_of_field(f3_config_field f, const char *alg_key)
{
    switch (f) {
    case F3_CFG_LAYERS:
    case F3_CFG_WIDTHS: return "network.hidden";
    case F3_CFG_BATCH_SIZE: return "training.batch_size";
    case F3_CFG_LR: return "training.lr";
    case F3_CFG_ADAM: return "training.optimizer";
    case F3_CFG_OUTPUT_ACT: return "network.output_activation";
    case F3_CFG_LOSS: return "training.loss";
    case F3_CFG_ERROR_INFO: return "training.error_info";
    case F3_CFG_NUMERICS: return "numerics"; /* numerics_key finds the tensor class */
    case F3_CFG_NONE: break;
    }
    return alg_key;
}

/* Does cfg fail the check otherwise than with msg (or not at all)? */
static int check_differs(const f3_config *cfg, f3_task task, const char *msg)
{
    f3_config_field field = F3_CFG_NONE;
    if (f3_config_check(cfg, task, &field) == F3_OK) return 1;
    return field != F3_CFG_NUMERICS || strcmp(f3_last_error(), msg) != 0;
}

/* The key a numerics failure of cfg (message msg) concerns: the first
 * tensor class whose rounding back at nearest even (numerics.<t>.rounding),
 * or whose format back at fp32 (numerics.<t>.format), changes the check's
 * verdict; "numerics" when none does.  Overwrites f3_last_error(). */
static void numerics_key(const f3_config *cfg, f3_task task, const char *msg, char *key, size_t len)
{
    snprintf(key, len, "numerics");
    for (int t = 0; t < F3_T_COUNT; t++) {
        const f3_format *f = &cfg->numerics.fmt[t];
        f3_config c = *cfg;
        if (f->rounding != F3_ROUND_NEAREST_EVEN) {
            c.numerics.fmt[t].rounding = F3_ROUND_NEAREST_EVEN;
            if (check_differs(&c, task, msg)) {
                snprintf(key, len, "numerics.%s.rounding", f3_tensor_names[t]);
                return;
            }
        }
        if (f->kind != F3_FMT_FP32) {
            c = *cfg;
            memset(&c.numerics.fmt[t], 0, sizeof c.numerics.fmt[t]); /* fp32, nearest even */
            if (check_differs(&c, task, msg)) {
                snprintf(key, len, "numerics.%s.format", f3_tensor_names[t]);
                return;
            }
        }
    }
}

/* The schema's names of the model's settings are the model's names (plus
 * the scenario's own: auto, f3-error, f3-loss), so that a scenario accepts
 * exactly what the trainer does.  A mismatch is a bug of this program. */
static f3_status schema_agrees_with_model_once(void)
{
    static const struct {
        const char *path;
        const char *const *names;
        const char *extra; /* the scenario's own choices */
    } KEYS[] = {
        {"network.activation", f3_activation_names, ""},
        {"network.output_activation", f3_activation_names, "auto"},
        {"training.algorithm", f3_algorithm_names, "f3-error|f3-loss"},
        {"training.compare", f3_algorithm_names, "f3-error|f3-loss"},
        {"training.error_info", f3_error_info_names, "auto"},
        {"training.feedback_init", f3_feedback_init_names, ""},
        {"training.loss", f3_loss_names, "auto"},
        {"training.optimizer", f3_optimizer_names, ""},
    };
    /* numerics: a section per tensor class, with the model's roundings */
    for (int t = 0; t < F3_T_COUNT; t++) {
        char key[96];
        snprintf(key, sizeof key, "numerics.%s.rounding", f3_tensor_names[t]);
        int si = sc_schema_find(key);
        snprintf(key, sizeof key, "numerics.%s.format", f3_tensor_names[t]);
        if (si < 0 || sc_schema_find(key) < 0 || sc_schema()[si].kind != SK_ENUM)
            return F3_FAIL(F3_EINVAL, "internal: the scenario schema lacks numerics.%s (format and rounding)",
                           f3_tensor_names[t]);
        const char *choices = sc_schema()[si].choices;
        for (const char *p = choices; *p;) {
            size_t len = strcspn(p, "|");
            char name[64];
            f3_rounding r;
            snprintf(name, sizeof name, "%.*s", (int)len, p);
            if (f3_parse_rounding(name, &r) != F3_OK || strcmp(f3_rounding_name(r), name))
                return F3_FAIL(F3_EINVAL, "internal: the scenario schema's numerics.%s.rounding offers '%s', which the model does not know",
                               f3_tensor_names[t], name);
            p += len + (p[len] == '|');
        }
        for (int r = 0; r <= F3_ROUND_STOCHASTIC; r++)
            if (!choice_ok(choices, f3_rounding_name((f3_rounding)r)))
                return F3_FAIL(F3_EINVAL, "internal: the scenario schema's numerics.%s.rounding lacks the model's '%s'",
                               f3_tensor_names[t], f3_rounding_name((f3_rounding)r));
    }
    for (size_t i = 0; i < sizeof KEYS / sizeof KEYS[0]; i++) {
        int si = sc_schema_find(KEYS[i].path);
        const char *choices = si >= 0 ? sc_schema()[si].choices : NULL;
        char model[256];
        f3_enum_choices(KEYS[i].names, model, sizeof model);
        if (!choices)
            return F3_FAIL(F3_EINVAL, "internal: the scenario schema has no choices for %s (the model's: %s)",
                           KEYS[i].path, model);
        for (size_t j = 0; KEYS[i].names[j]; j++)
            if (!choice_ok(choices, KEYS[i].names[j]))
                return F3_FAIL(F3_EINVAL, "internal: the scenario schema's %s (%s) lacks the model's '%s' (%s)",
                               KEYS[i].path, choices, KEYS[i].names[j], model);
        for (const char *p = choices; *p;) {
            size_t len = strcspn(p, "|");
            char name[64];
            snprintf(name, sizeof name, "%.*s", (int)len, p);
            if (!choice_ok(model, name) && !choice_ok(KEYS[i].extra, name))
                return F3_FAIL(F3_EINVAL, "internal: the scenario schema's %s offers '%s', which the model does not know (%s)",
                               KEYS[i].path, name, model);
            p += len + (p[len] == '|');
        }
    }
    return F3_OK;
}

/* The schema and the model are fixed at build time: they are compared once
 * (pthread_once: safe from any thread), and each load gets the verdict. */
static pthread_once_t agrees_once = PTHREAD_ONCE_INIT;
static f3_status agrees_status;
static char agrees_msg[768];

static void agrees_check(void)
{
    agrees_status = schema_agrees_with_model_once();
    if (agrees_status != F3_OK) snprintf(agrees_msg, sizeof agrees_msg, "%s", f3_last_error());
}

static f3_status schema_agrees_with_model(void)
{
    pthread_once(&agrees_once, agrees_check);
    return agrees_status == F3_OK ? F3_OK : F3_FAIL(agrees_status, "%s", agrees_msg);
}

f3_status scenario_at_key(const scenario *sc, const char *path, f3_status st, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    for (;;) {
        int i = sc_schema_find(buf);
        if (i >= 0 && sc->v[i].line) return at(st, sc->v[i].origin, sc->v[i].line, sc->v[i].col, "%s", msg);
        char *dot = strrchr(buf, '.');
        if (!dot) break;
        *dot = '\0';
    }
    return at(st, sc->file, 1, 1, "%s", msg);
}

f3_status scenario_validate(scenario *sc)
{
    /* the name and the folder make the results path <folder>/<name>/ */
    if (!sc->name[0] || !strcmp(sc->name, ".") || !strcmp(sc->name, ".."))
        return scenario_at_key(sc, "name", F3_EINVAL, "name: '%s' cannot name a results folder", sc->name);
    for (const char *c = sc->name; *c; c++)
        if (*c == '/' || (unsigned char)*c < 0x20)
            return scenario_at_key(sc, "name", F3_EINVAL, "name: '%s' must not contain '/' or control characters (it names a folder)",
                          sc->name);
    if (!scenario_str(sc, "outputs.folder")[0])
        return scenario_at_key(sc, "outputs.folder", F3_EINVAL, "outputs.folder is empty (write . for the working directory)");
    if (scenario_get(sc, "outputs.formats")->n == 0)
        return scenario_at_key(sc, "outputs.formats", F3_EINVAL,
                      "outputs.formats is empty: a run would leave no result of a rule (write [json], [csv] or both)");
    /* outputs.slurm: each value becomes one word of an #SBATCH line */
    static const struct {
        const char *key, *chars, *what;
    } SLURM[] = {{"outputs.slurm.time", "0123456789:-", "a Slurm time (minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS)"},
                 {"outputs.slurm.mem", "0123456789KMGTkmgt", "a memory size like 4G (a number with an optional unit K, M, G or T)"},
                 {"outputs.slurm.partition", NULL, "a partition name (letters, digits, _ . - and commas)"},
                 {"outputs.slurm.account", NULL, "an account name (letters, digits, _ . -)"}};
    for (size_t i = 0; i < sizeof SLURM / sizeof SLURM[0]; i++) {
        const char *v = scenario_str(sc, SLURM[i].key);
        int ok = strlen(v) <= 64;
        for (const char *c = v; *c && ok; c++)
            ok = SLURM[i].chars ? strchr(SLURM[i].chars, *c) != NULL
                                : (isalnum((unsigned char)*c) || strchr("_.-", *c) || (*c == ',' && i == 2));
        if (ok && i == 1 && *v) { /* digits, then at most one unit letter */
            const char *u = v + strspn(v, "0123456789");
            ok = u != v && (!*u || !u[1]);
        }
        if (ok && i == 0 && *v) ok = isdigit((unsigned char)v[0]) && isdigit((unsigned char)v[strlen(v) - 1]);
        if (!ok) return scenario_at_key(sc, SLURM[i].key, F3_EINVAL, "%s: '%s' is not %s", SLURM[i].key, v, SLURM[i].what);
    }
    for (const char *c = scenario_str(sc, "outputs.slurm.setup"); *c; c++)
        if ((unsigned char)*c < 0x20 && *c != '\t')
            return scenario_at_key(sc, "outputs.slurm.setup", F3_EINVAL,
                                   "outputs.slurm.setup holds a newline or control character: write one line (join "
                                   "commands with && or ;)");
    const sc_value *seeds = scenario_get(sc, "training.seeds");
    for (size_t i = 0; i < seeds->n; i++)
        for (size_t j = 0; j < i; j++)
            if (seeds->list[i] == seeds->list[j])
                return scenario_at_key(sc, "training.seeds", F3_EINVAL,
                                       "training.seeds lists seed %.0f twice (each seed is run once)", seeds->list[i]);
    for (size_t a = 0; seeds->n && a < sc->n_sweep; a++)
        if (!strcmp(sc->sweep[a].path, "training.seed"))
            return scenario_at_key(sc, "training.seeds", F3_EINVAL,
                                   "training.seeds runs every point for each seed; a sweep over training.seed (line %d) "
                                   "contradicts it: give one of them", sc->sweep[a].line);
    const sc_value *alg = scenario_get(sc, "training.algorithm"), *cmp = scenario_get(sc, "training.compare");
    if (alg->set && cmp->set && cmp->n)
        return scenario_at_key(sc, "training.compare", F3_EINVAL,
                      "training.compare replaces training.algorithm (given at line %d): give one of them", alg->line);
    int regression = is_regression(sc);
    const char *ds = scenario_str(sc, "dataset.name");
    if (!strcmp(ds, "csv") && (!scenario_str(sc, "dataset.path")[0] || !scenario_str(sc, "dataset.test_path")[0]))
        return scenario_at_key(sc, "dataset.name", F3_EINVAL, "dataset csv needs dataset.path (training file) and dataset.test_path");
    const char *ei = scenario_str(sc, "training.error_info");
    char algs[SC_MAX_LIST][32];
    size_t na = scenario_algorithms(sc, algs, SC_MAX_LIST);
    const char *alg_key = cmp->n ? "training.compare" : "training.algorithm";
    for (size_t i = 0; i < na; i++) {
        int f3like = !strncmp(algs[i], "f3", 2);
        if (regression && (strstr(ei, "one_hot") || strstr(ei, "softmax")) && f3like)
            return scenario_at_key(sc, "training.error_info", F3_EINVAL,
                          "error_info %s needs a classification data set; %s is a regression data set", ei, ds);
    }
    const char *loss = scenario_str(sc, "training.loss");
    if (regression && (!strcmp(loss, "bce") || !strcmp(loss, "softmax_ce")))
        return scenario_at_key(sc, "training.loss", F3_EINVAL, "loss %s needs a classification data set; %s is a regression data set (use mse)", loss, ds);
    const known_dataset *k = known(sc);
    const sc_value *in = scenario_get(sc, "network.input"), *outv = scenario_get(sc, "network.output");
    if (k && !in->is_auto && (int)in->num != k->features)
        return scenario_at_key(sc, "network.input", F3_EINVAL, "network.input is %d but %s has %d features (or write auto)", (int)in->num, ds, k->features);
    if (k && !outv->is_auto && (int)outv->num != k->outputs)
        return scenario_at_key(sc, "network.output", F3_EINVAL, "network.output is %d but %s has %d outputs (or write auto)", (int)outv->num, ds, k->outputs);
    if (!strcmp(ds, "csv") && !outv->is_auto && scenario_num(sc, "dataset.classes") > 0 &&
        outv->num != scenario_num(sc, "dataset.classes"))
        return scenario_at_key(sc, "network.output", F3_EINVAL, "network.output is %d but dataset.classes is %d", (int)outv->num, (int)scenario_num(sc, "dataset.classes"));
    if (scenario_is_blocks(sc) && check_blocks(sc) != F3_OK) return F3_EINVAL;
    /* the trainer's own check of the configuration each learning rule runs
     * with, located at the key it concerns */
    f3_status st = schema_agrees_with_model();
    for (size_t i = 0; st == F3_OK && i < na; i++) {
        f3_config cfg;
        f3_task task;
        f3_config_field field = F3_CFG_NONE;
        if ((st = scenario_f3_config(sc, algs[i], &cfg, &task)) != F3_OK) break;
        if (cfg.widths[0] == 0) cfg.widths[0] = 1; /* csv, input auto: known once the file is read */
        if (f3_config_check(&cfg, task, &field) == F3_OK) continue;
        char msg[600], why[96] = "", key[96];
        snprintf(msg, sizeof msg, "%s", f3_last_error());
        snprintf(key, sizeof key, "%s", key_of_field(field, alg_key));
        if (field == F3_CFG_OUTPUT_ACT && !strcmp(loss, "auto"))
            snprintf(why, sizeof why, " (training.loss auto is bce for a classification data set)");
        else if (field == F3_CFG_ERROR_INFO && na > 1)
            snprintf(why, sizeof why, " (learning rule %.31s)", algs[i]);
        else if (field == F3_CFG_NUMERICS)
            numerics_key(&cfg, task, msg, key, sizeof key);
        return scenario_at_key(sc, key, F3_EINVAL, "%s%s", msg, why);
    }
    if (st != F3_OK) return st;

    if (!scenario_present(sc, "hardware")) return F3_OK;
    return scenario_check_hardware(sc); /* hardware_check.c */
}

/* ---- show, keys -------------------------------------------------------------- */

void scenario_show(const scenario *sc, FILE *f)
{
    const sc_entry *s = sc_schema();
    fprintf(f, "# %s, resolved: every key with its value (given or default)\n", sc->file);
    for (size_t i = 0; i < sc_schema_count(); i++) {
        if (!ancestors_present(sc, s[i].path)) continue;
        if (s[i].kind == SK_SECTION && s[i].optional && !sc->v[i].set) continue;
        int depth = 0;
        for (const char *c = s[i].path; *c; c++) depth += *c == '.';
        if (!strcmp(s[i].path, "network.hidden") && scenario_is_blocks(sc)) {
            fprintf(f, "%*s# hidden: %s  (unused: network.type %s)\n", 2 * depth, "", sc->v[i].text,
                    scenario_str(sc, "network.type"));
            continue;
        }
        if (!strcmp(s[i].path, "training.algorithm") && scenario_get(sc, "training.compare")->n) {
            /* commented out, so that the output is itself a valid scenario */
            fprintf(f, "%*s# algorithm: %s  (unused: compare replaces it)\n", 2 * depth, "", sc->v[i].text);
            continue;
        }
        fprintf(f, "%*s%s:", 2 * depth, "", last_part(s[i].path));
        if (s[i].kind == SK_SECTION) {
            fputc('\n', f);
            continue;
        }
        const sc_value *v = &sc->v[i];
        if (s[i].kind == SK_STRING) {
            fputs(" \"", f);
            for (const char *c = v->str; *c; c++) {
                if (*c == '"' || *c == '\\') fputc('\\', f);
                fputc(*c, f);
            }
            fputc('"', f);
        } else {
            fprintf(f, " %s", v->text);
        }
        if (s[i].unit[0]) fprintf(f, "  # %s", s[i].unit);
        fputc('\n', f);
    }
    f3_block blocks[F3_BLOCKNET_MAX_BLOCKS];
    size_t nb = 0;
    if (scenario_is_blocks(sc) && scenario_blocks(sc, blocks, F3_BLOCKNET_MAX_BLOCKS, &nb) == F3_OK) {
        fprintf(f, "# network.type %s expands to %zu blocks, %zu parameters (reshapes between blocks are free):\n",
                scenario_str(sc, "network.type"), nb,
                f3_blocks_params(blocks, nb));
        for (size_t k = 0; k < nb; k++) {
            fprintf(f, "#   block %zu: %zu -> %zu values per sample, %zu parameters%s\n", k + 1,
                    f3_block_in_size(&blocks[k]), f3_block_out_size(&blocks[k]), f3_block_params(&blocks[k]),
                    k + 1 < nb ? "" : " (the output)");
            for (size_t j = 0; j < blocks[k].n_ops; j++) {
                char op[160];
                f3_bop_describe(&blocks[k].op[j], op, sizeof op);
                fprintf(f, "#     %s\n", op);
            }
        }
    }
    if (sc->n_sweep) {
        fputs("sweep:\n", f);
        for (int zip = 0; zip <= 1; zip++) {
            int header = 0;
            for (size_t i = 0; i < sc->n_sweep; i++) {
                if (sc->sweep[i].zip != zip) continue;
                if (zip && !header++) fputs("  zip:\n", f);
                fprintf(f, "%*s%s: [", zip ? 4 : 2, "", sc->sweep[i].path);
                for (size_t j = 0; j < sc->sweep[i].n; j++) fprintf(f, "%s%s", j ? ", " : "", sc->sweep[i].values[j]);
                fputs("]\n", f);
            }
        }
    }
}

/* Text in a markdown table cell: <, > and | would be read as markup. */
static void md_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '<') fputs("&lt;", f);
        else if (*s == '>') fputs("&gt;", f);
        else if (*s == '|') fputs("\\|", f);
        else fputc(*s, f);
    }
}

/* "a|b|c" as "a, b, c" */
static void choices_text(char *out, size_t len, const char *choices)
{
    size_t n = 0;
    for (const char *c = choices; *c && n + 3 < len; c++) {
        if (*c == '|') out[n++] = ',', out[n++] = ' ';
        else out[n++] = *c;
    }
    out[n] = '\0';
}

void scenario_keys_markdown(FILE *f)
{
    const sc_entry *s = sc_schema();
    static const char *kinds[] = {"section", "bool", "integer", "number", "string", "name", "list of integers", "list of names", "auto or integer", "auto or number"};
    for (size_t i = 0; i < sc_schema_count(); i++) {
        if (s[i].kind == SK_SECTION) {
            fprintf(f, "\n### `%s`%s\n\n", s[i].path, s[i].optional ? " (optional)" : "");
            md_text(f, s[i].doc);
            fputs("\n\n", f);
            fputs("| key | changes | type | unit | default | meaning | example |\n|---|---|---|---|---|---|---|\n", f);
            continue;
        }
        if (strchr(s[i].path, '.') == NULL && i == 0)
            fputs("\n### top level\n\n| key | changes | type | unit | default | meaning | example |\n|---|---|---|---|---|---|---|\n", f);
        char type[300];
        if (s[i].kind == SK_ENUM || s[i].kind == SK_ENUM_LIST) {
            char list[256];
            choices_text(list, sizeof list, s[i].choices);
            snprintf(type, sizeof type, "%s: %s", kinds[s[i].kind], list);
        } else if (s[i].kind == SK_INT || s[i].kind == SK_FLOAT || s[i].kind == SK_INT_LIST || s[i].kind == SK_AUTO_INT ||
                   s[i].kind == SK_AUTO_FLOAT) {
            snprintf(type, sizeof type, "%s in [%.15g, %.15g]", kinds[s[i].kind], s[i].min, s[i].max);
        } else {
            snprintf(type, sizeof type, "%s", kinds[s[i].kind]);
        }
        fprintf(f, "| `%s` | %s | %s | %s | %s | ", s[i].path, sc_role_names[s[i].role], type, s[i].unit[0] ? s[i].unit : "—",
                s[i].def ? s[i].def : "(see meaning)");
        md_text(f, s[i].doc);
        fprintf(f, " | `%s` |\n", s[i].example ? s[i].example : "");
    }
}

/* ---- sweeps ------------------------------------------------------------------ */

size_t scenario_sweep_points(const scenario *sc)
{
    size_t n = 1, zip = 0;
    for (size_t i = 0; i < sc->n_sweep; i++) {
        if (sc->sweep[i].zip) zip = sc->sweep[i].n;
        else n *= sc->sweep[i].n;
    }
    return zip ? n * zip : n;
}

/* value index of axis a at point i (the last non-zipped axis varies fastest,
 * then the zipped group) */
static size_t axis_index(const scenario *sc, size_t a, size_t i)
{
    size_t zip = 0;
    for (size_t j = 0; j < sc->n_sweep; j++)
        if (sc->sweep[j].zip) zip = sc->sweep[j].n;
    size_t rest = i;
    if (zip) {
        if (sc->sweep[a].zip) return rest % zip;
        rest /= zip;
    }
    for (size_t j = sc->n_sweep; j-- > 0;) {
        if (sc->sweep[j].zip) continue;
        size_t k = rest % sc->sweep[j].n;
        if (j == a) return k;
        rest /= sc->sweep[j].n;
    }
    return 0;
}

const char *scenario_sweep_value(const scenario *sc, size_t a, size_t i)
{
    return sc->sweep[a].values[axis_index(sc, a, i)];
}

void scenario_sweep_label(const scenario *sc, size_t i, char *buf, size_t len)
{
    buf[0] = '\0';
    for (size_t a = 0; a < sc->n_sweep; a++) {
        char part[SC_MAX_STR + 160];
        snprintf(part, sizeof part, "%s%s=%s", a ? " " : "", sc->sweep[a].path, sc->sweep[a].values[axis_index(sc, a, i)]);
        strncat(buf, part, len - strlen(buf) - 1);
    }
}

/* Point i into p, a copy of sc (or of an earlier point of sc): restore the
 * swept keys and their sections, set every swept key, then validate the
 * whole point once (a zipped pair may only be valid together).  A value
 * set here is located at its key in the sweep section. */
static f3_status point_into(const scenario *sc, size_t i, scenario *p)
{
    f3_status st = F3_OK;
    snprintf(p->name, sizeof p->name, "%s", sc->name);
    for (size_t a = 0; a < sc->n_sweep && st == F3_OK; a++) {
        char buf[256];
        snprintf(buf, sizeof buf, "%s", sc->sweep[a].path);
        for (char *dot = buf; dot; dot = strrchr(buf, '.')) {
            if (dot != buf) *dot = '\0';
            int k = sc_schema_find(buf);
            if (k >= 0 && (st = put_value(p, (size_t)k, &sc->v[k], sc->v[k].origin)) != F3_OK) return st;
        }
    }
    for (size_t a = 0; a < sc->n_sweep && st == F3_OK; a++) {
        const sc_sweep_axis *ax = &sc->sweep[a];
        char assign[SC_MAX_STR + 160];
        snprintf(assign, sizeof assign, "%s=%s", ax->path, ax->values[axis_index(sc, a, i)]);
        if ((st = set_value(p, assign, sc->file, ax->line, ax->col)) != F3_OK) break;
        int k = sc_schema_find(ax->path);
        p->v[k].line = ax->line;
        p->v[k].col = ax->col;
    }
    if (st == F3_OK) st = scenario_validate(p);
    if (st != F3_OK) {
        char msg[1024], label[600];
        snprintf(msg, sizeof msg, "%s", f3_last_error());
        scenario_sweep_label(sc, i, label, sizeof label);
        return F3_FAIL(st, "%s (sweep point %zu: %s)", msg, i, label);
    }
    return F3_OK;
}

f3_status scenario_sweep_point(const scenario *sc, size_t i, scenario **out)
{
    *out = NULL;
    if (i >= scenario_sweep_points(sc))
        return F3_FAIL(F3_ERANGE, "%s: sweep point %zu does not exist (the sweep has %zu points, 0 to %zu)", sc->file, i,
                       scenario_sweep_points(sc), scenario_sweep_points(sc) - 1);
    scenario *p;
    f3_status st = scenario_copy(sc, &p);
    if (st != F3_OK) return st;
    if ((st = point_into(sc, i, p)) != F3_OK) {
        scenario_free(p);
        return st;
    }
    p->n_sweep = 0;
    *out = p;
    return F3_OK;
}

/* Validate a scenario, or with a sweep each of its points (checked at load
 * and after --set, so that check, show and run agree).  The values a sweep
 * replaces are never run, so they are not validated on their own. */
static f3_status validate_points(scenario *sc)
{
    if (!sc->n_sweep) return scenario_validate(sc);
    scenario *p;
    f3_status st = scenario_copy(sc, &p);
    for (size_t i = 0, n = scenario_sweep_points(sc); st == F3_OK && i < n; i++) st = point_into(sc, i, p);
    scenario_free(p);
    return st;
}
