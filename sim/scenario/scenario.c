/* scenario.c — loading YAML scenarios (libyaml): the file, its keys, the
 * values' storage, --set; values are typed in scenario_values.c, checked
 * against each other in scenario_validate.c, swept in scenario_sweep.c. */
#include "scenario.h"
#include "scenario_internal.h"

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

f3_status sc_at(f3_status st, const char *origin, int line, int col, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return F3_FAIL(st, "%s:%d:%d: %s", origin, line, col, msg);
}

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

const char *sc_last_part(const char *path)
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
            size_t d = best_d ? edit_distance_within(key, sc_last_part(s[i].path), limit) : 1;
            if (best_d && d <= limit) best_d = d, best = sc_last_part(s[i].path);
        } else if (!strcmp(sc_last_part(s[i].path), key) && !elsewhere[0]) {
            int sect = (int)(sc_last_part(s[i].path) - s[i].path) - 1;
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
    if (hint) return sc_at(F3_EINVAL, origin, line, col, "unknown key '%s'%s; %s", key, where, hint);
    if (prefix[0] && !strcmp(key, "sweep"))
        return sc_at(F3_EINVAL, origin, line, col, "unknown key 'sweep'%s; 'sweep' belongs at the top level", where);
    if (best && best_d <= 1 + strlen(key) / 3)
        return sc_at(F3_EINVAL, origin, line, col, "unknown key '%s'%s; did you mean '%s'?%s", key,
                  where, best, elsewhere);
    return sc_at(F3_EINVAL, origin, line, col, "unknown key '%s'%s%s (see docs/scenarios.md)", key,
              where, elsewhere);
}

/* ---- storage ------------------------------------------------------------------ */

/* The room of a value by its key's kind: str for strings and names, text
 * for every leaf (sections have none: "" in one byte each), a list of
 * numbers or of names for the list kinds. */
static size_t str_room(sc_kind k) { return k == SK_STRING || k == SK_ENUM ? SC_MAX_STR : 1; }
static size_t text_room(sc_kind k)
{
    return k == SK_SECTION ? 1 : k == SK_INT_LIST || k == SK_ENUM_LIST ? SC_MAX_LIST_TEXT : SC_MAX_STR;
}
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

/* A values block (about 120 KB), its contents undefined.  A few freed
 * blocks are kept for the next scenarios: a load, its sweep's point, a
 * caller's point and the fuzzer's next input make and free one scenario
 * after another, and each would otherwise take fresh pages and fault them
 * in. */
#define SPARE_BLOCKS 4
static _Atomic(sc_value *) spare_block[SPARE_BLOCKS];

static sc_value *block_get(void)
{
    for (size_t i = 0; i < SPARE_BLOCKS; i++) {
        sc_value *v = atomic_exchange(&spare_block[i], NULL);
        if (v) return v;
    }
    return malloc(block_bytes());
}

static void block_put(sc_value *v)
{
    for (size_t i = 0; v && i < SPARE_BLOCKS; i++) {
        sc_value *none = NULL;
        if (atomic_compare_exchange_strong(&spare_block[i], &none, v)) return;
    }
    free(v);
}

/* src's values into the block dst (origins are src's): the strings up to
 * their NUL, the lists whole (their room past n is zero). */
static void copy_values(sc_value *dst, const sc_value *src)
{
    const sc_entry *s = sc_schema();
    const size_t n = sc_schema_count();
    memcpy(dst, src, n * sizeof *dst);
    lay_out(dst);
    for (size_t i = 0; i < n; i++) {
        memcpy(dst[i].str, src[i].str, strlen(src[i].str) + 1);
        memcpy(dst[i].text, src[i].text, strlen(src[i].text) + 1);
        if (s[i].kind == SK_INT_LIST) memcpy(dst[i].list, src[i].list, SC_MAX_LIST * sizeof *dst[i].list);
        if (s[i].kind == SK_ENUM_LIST) memcpy(dst[i].items, src[i].items, SC_MAX_LIST * sizeof *dst[i].items);
    }
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
f3_status sc_put_value(scenario *sc, size_t i, const sc_value *src, const char *origin)
{
    const sc_kind k = sc_schema()[i].kind;
    sc_value *d = &sc->v[i];
    const char *o = origin_in(sc, origin);
    sc->checked = 0;
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
    f3_status st = sc_apply_node(&sc_schema()[i], &nv, doc, n, src, origin, line_off, col_off);
    return st != F3_OK ? st : sc_put_value(sc, i, &nv.v, origin);
}

/* Apply YAML text to key index i (defaults, --set, sweep points). */
static f3_status apply_text(scenario *sc, size_t i, const char *text, const char *origin, int col_off)
{
    quick_doc q;
    yaml_node_t *root = sc_quick_parse(text, &q);
    if (root) return apply_into(sc, i, &q.doc, root, text, origin, 0, col_off);
    yaml_document_t doc;
    f3_status st = sc_parse_text(text, origin, col_off, &doc, &root);
    if (st != F3_OK) return st;
    st = apply_into(sc, i, &doc, root, text, origin, 0, col_off);
    yaml_document_delete(&doc);
    return st;
}

/* ---- the document ------------------------------------------------------------ */

/* The node the event e makes in doc, with its marks (yaml_document_add_*
 * leaves them zero), or 0 when out of memory.  A tag of "!" or none is the
 * kind's default tag, as libyaml's own loader has it. */
static int add_node(yaml_document_t *doc, const yaml_event_t *e)
{
    const yaml_char_t *tag = e->type == YAML_SCALAR_EVENT           ? e->data.scalar.tag
                             : e->type == YAML_SEQUENCE_START_EVENT ? e->data.sequence_start.tag
                                                                    : e->data.mapping_start.tag;
    if (tag && !strcmp((const char *)tag, "!")) tag = NULL;
    int id = e->type == YAML_SCALAR_EVENT
                 ? yaml_document_add_scalar(doc, (yaml_char_t *)tag, e->data.scalar.value,
                                            (int)e->data.scalar.length, e->data.scalar.style)
             : e->type == YAML_SEQUENCE_START_EVENT
                 ? yaml_document_add_sequence(doc, (yaml_char_t *)tag, e->data.sequence_start.style)
                 : yaml_document_add_mapping(doc, (yaml_char_t *)tag, e->data.mapping_start.style);
    if (id) {
        yaml_node_t *n = yaml_document_get_node(doc, id);
        n->start_mark = e->start_mark;
        n->end_mark = e->end_mark;
    }
    return id;
}

/* Parse buf into doc in one pass of libyaml's parser, building the
 * document from its events as libyaml's loader would, and reject anchors,
 * aliases, nesting deeper than SC_MAX_DEPTH and a second document as they
 * come (so nothing can blow up).  On failure doc holds nothing. */
static f3_status parse_document(const char *path, const unsigned char *buf, size_t len, yaml_document_t *doc)
{
    yaml_parser_t p;
    yaml_event_t ev;
    struct {
        int id, key; /* an open sequence or mapping; a mapping's key waiting for its value */
    } open[SC_MAX_DEPTH + 1];
    int depth = 0, docs = 0;
    f3_status st = F3_OK;
    if (!yaml_document_initialize(doc, NULL, NULL, NULL, 1, 1)) return F3_FAIL(F3_ENOMEM, "%s: out of memory", path);
    yaml_parser_initialize(&p);
    yaml_parser_set_input_string(&p, buf, len);
    for (;;) {
        if (!yaml_parser_parse(&p, &ev)) {
            char started[96] = "";
            if (p.problem_mark.index < len && buf[p.problem_mark.index] == '\t')
                snprintf(started, sizeof started, " (a tab: YAML indents with spaces)");
            else if (p.context)
                snprintf(started, sizeof started, " started at line %d, column %d",
                         (int)p.context_mark.line + 1, (int)p.context_mark.column + 1);
            st = sc_at(F3_EFORMAT, path, (int)p.problem_mark.line + 1, (int)p.problem_mark.column + 1,
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
            st = sc_at(F3_EFORMAT, path, line, col, "anchors and aliases (&name, *name) are not supported in scenarios");
        else if ((ev.type == YAML_SEQUENCE_START_EVENT || ev.type == YAML_MAPPING_START_EVENT) && depth >= SC_MAX_DEPTH)
            st = sc_at(F3_EFORMAT, path, line, col, "nested deeper than %d levels", SC_MAX_DEPTH);
        else if (ev.type == YAML_DOCUMENT_START_EVENT && ++docs > 1)
            st = sc_at(F3_EFORMAT, path, line, col, "a scenario file holds one YAML document");
        else if (ev.type == YAML_SCALAR_EVENT || ev.type == YAML_SEQUENCE_START_EVENT ||
                 ev.type == YAML_MAPPING_START_EVENT) {
            /* the first node is the root; any other goes into the open
             * collection: a sequence's item, a mapping's key or value */
            int id = add_node(doc, &ev), ok = id != 0;
            if (ok && depth) {
                yaml_node_t *c = yaml_document_get_node(doc, open[depth - 1].id);
                if (c->type == YAML_SEQUENCE_NODE) ok = yaml_document_append_sequence_item(doc, open[depth - 1].id, id);
                else if (!open[depth - 1].key) open[depth - 1].key = id;
                else {
                    ok = yaml_document_append_mapping_pair(doc, open[depth - 1].id, open[depth - 1].key, id);
                    open[depth - 1].key = 0;
                }
            }
            if (ok && ev.type != YAML_SCALAR_EVENT) {
                open[depth].id = id;
                open[depth++].key = 0;
            }
            if (!ok) st = F3_FAIL(F3_ENOMEM, "%s: out of memory", path);
        } else if (ev.type == YAML_SEQUENCE_END_EVENT || ev.type == YAML_MAPPING_END_EVENT) {
            yaml_document_get_node(doc, open[--depth].id)->end_mark = ev.end_mark;
        }
        int done = ev.type == YAML_STREAM_END_EVENT;
        yaml_event_delete(&ev);
        if (st != F3_OK || done) break;
    }
    yaml_parser_delete(&p);
    if (st != F3_OK) yaml_document_delete(doc);
    return st;
}

static f3_status walk(scenario *sc, yaml_document_t *doc, const char *src, yaml_node_t *map, const char *prefix)
{
    const char *f = sc->file;
    for (yaml_node_pair_t *pr = map->data.mapping.pairs.start; pr < map->data.mapping.pairs.top; pr++) {
        yaml_node_t *k = yaml_document_get_node(doc, pr->key), *v = yaml_document_get_node(doc, pr->value);
        if (k->type != YAML_SCALAR_NODE) return sc_at(F3_EINVAL, f, MARK(k), "keys must be plain names");
        const char *key = sc_scalar_of(k);
        for (yaml_node_pair_t *q = map->data.mapping.pairs.start; q < pr; q++) {
            yaml_node_t *qk = yaml_document_get_node(doc, q->key);
            if (!strcmp(sc_scalar_of(qk), key))
                return sc_at(F3_EINVAL, f, MARK(k), "key '%s' is given twice (first at line %d)", key,
                          (int)qk->start_mark.line + 1);
        }
        if (!prefix[0] && !strcmp(key, "sweep")) {
            f3_status st = sc_read_sweep(sc, doc, src, v, 0);
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
        const size_t lp = strlen(prefix), lk = strlen(key);
        int idx = -1; /* a path too long for the buffer is no key's */
        if (lp + 1 + lk < sizeof path) {
            memcpy(path, prefix, lp);
            path[lp] = '.';
            memcpy(path + (lp ? lp + 1 : 0), key, lk + 1);
            idx = sc_schema_find(path);
        }
        if (idx < 0) return unknown_key(f, MARK(k), prefix, key);
        const sc_entry *e = &sc_schema()[idx];
        if (e->kind == SK_SECTION) {
            sc_value *sv = &sc->v[idx];
            sv->set = 1;
            sv->line = (int)k->start_mark.line + 1;
            sv->col = (int)k->start_mark.column + 1;
            if (!(sv->origin = origin_in(sc, f))) return F3_FAIL(F3_ENOMEM, "%s: out of memory", f);
            if (sc_is_null_scalar(v)) continue; /* "backward:" with every default */
            if (v->type != YAML_MAPPING_NODE)
                return sc_at(F3_EINVAL, f, MARK(v), "%s: expected a mapping of its keys", path);
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
int sc_ancestors_present(const scenario *sc, const char *path)
{
    char buf[256];
    sc_copy_str(buf, sizeof buf, path);
    for (char *dot = strrchr(buf, '.'); dot; dot = strrchr(buf, '.')) {
        *dot = '\0';
        int i = sc_schema_find(buf);
        if (i >= 0 && sc_schema()[i].optional && !sc->v[i].set) return 0;
    }
    return 1;
}

/* The values of a scenario that gives no key: every key its schema
 * default (origin "default"), typed once per process.  A load starts from
 * a copy and the file's keys overwrite theirs (sc_put_value replaces every
 * part of a value), which ends as typing the defaults of the keys the file
 * leaves out would. */
static pthread_once_t defaults_once = PTHREAD_ONCE_INIT;
static scenario defaults_sc; /* its block and its one origin, "default": kept for the process */
static f3_status defaults_st;
static char defaults_msg[512];

static void defaults_init(void)
{
    const sc_entry *s = sc_schema();
    scenario *d = &defaults_sc;
    snprintf(d->file, sizeof d->file, "(the schema's defaults)");
    if (!(d->v = calloc(1, block_bytes()))) {
        defaults_st = F3_FAIL(F3_ENOMEM, "out of memory");
    } else {
        lay_out(d->v);
        for (size_t i = 0; i < sc_schema_count(); i++) d->v[i].origin = "";
        for (size_t i = 0; defaults_st == F3_OK && i < sc_schema_count(); i++) {
            if (s[i].kind == SK_SECTION || !s[i].def) continue;
            defaults_st = apply_text(d, i, s[i].def, "default", 0); /* an error: a schema bug, named */
            d->v[i].set = 0;
            d->v[i].line = d->v[i].col = 0;
        }
    }
    snprintf(defaults_msg, sizeof defaults_msg, "%s", f3_last_error());
}

/* sc's values: every key at its default. */
static f3_status set_defaults(scenario *sc)
{
    pthread_once(&defaults_once, defaults_init);
    if (defaults_st != F3_OK) return F3_FAIL(defaults_st, "%s", defaults_msg);
    copy_values(sc->v, defaults_sc.v);
    const char *dflt = origin_in(sc, "default");
    if (!dflt) return F3_FAIL(F3_ENOMEM, "%s: out of memory", sc->file);
    for (size_t i = 0; i < sc_schema_count(); i++) sc->v[i].origin = *defaults_sc.v[i].origin ? dflt : "";
    return F3_OK;
}

static f3_status load_text(const char *path, const unsigned char *buf, size_t len, scenario **out);

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
        return sc_at(F3_EFORMAT, path, 1, 1, "larger than %u bytes; a scenario is a short YAML file", MAX_FILE_BYTES);
    }
    buf[len] = '\0'; /* len < cap here; the tags are read from the text */
    f3_status st = load_text(path, buf, len, out);
    free(buf);
    return st;
}

f3_status scenario_load_text(const char *origin, const char *text, size_t len, scenario **out)
{
    *out = NULL;
    if (len > MAX_FILE_BYTES)
        return sc_at(F3_EFORMAT, origin, 1, 1, "larger than %u bytes; a scenario is a short YAML file", MAX_FILE_BYTES);
    unsigned char *buf = malloc(len + 1); /* the tags are read from a text that ends in a NUL */
    if (!buf) return F3_FAIL(F3_ENOMEM, "%s: out of memory", origin);
    memcpy(buf, text, len);
    buf[len] = '\0';
    f3_status st = load_text(origin, buf, len, out);
    free(buf);
    return st;
}

/* Load the scenario text buf[0..len) (buf[len] is a NUL), from path. */
static f3_status load_text(const char *path, const unsigned char *buf, size_t len, scenario **out)
{
    scenario *sc = NULL; /* made once the text is a YAML mapping */
    f3_status st = F3_ENOMEM;
    yaml_document_t doc;
    int have_doc = 0;
    if ((st = parse_document(path, buf, len, &doc)) != F3_OK) goto fail;
    have_doc = 1;
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (!root || sc_is_null_scalar(root)) {
        st = sc_at(F3_EFORMAT, path, 1, 1, "empty scenario: expected a mapping with the sections network, dataset, training (and hardware, outputs, sweep)");
        goto fail;
    }
    if (root->type != YAML_MAPPING_NODE) {
        st = sc_at(F3_EFORMAT, path, MARK(root), "a scenario is a mapping of sections (network:, dataset:, training:, …), not %s",
                root->type == YAML_SCALAR_NODE ? "a single value" : "a list");
        goto fail;
    }
    if ((st = sc_check_tags(&doc, path, 0, 0)) != F3_OK) goto fail;
    if (!(sc = calloc(1, sizeof *sc)) || !(sc->v = block_get())) {
        st = F3_FAIL(F3_ENOMEM, "%s: out of memory", path);
        goto fail;
    }
    snprintf(sc->file, sizeof sc->file, "%s", path);
    if ((st = set_defaults(sc)) != F3_OK) goto fail;
    if ((st = walk(sc, &doc, (const char *)buf, root, "")) != F3_OK) goto fail;
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
    if ((st = sc_validate_points(sc)) != F3_OK) goto fail;
    yaml_document_delete(&doc);
    *out = sc;
    return F3_OK;
fail:
    if (have_doc) yaml_document_delete(&doc);
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
    const size_t n = sc_schema_count();
    if (!(c->v = block_get())) goto oom;
    copy_values(c->v, sc->v);
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
void sc_suggest_path(const char *path, char *buf, size_t len)
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
f3_status sc_set_value(scenario *sc, const char *assignment, const char *origin, int line, int col)
{
    const char *eq = strchr(assignment, '=');
    if (!eq) return sc_at(F3_EINVAL, origin, 1, 1, "expected key.path=value, got '%s'", assignment);
    char path[256];
    size_t plen = (size_t)(eq - assignment);
    if (plen >= sizeof path) return sc_at(F3_EINVAL, origin, 1, 1, "key path too long");
    memcpy(path, assignment, plen);
    path[plen] = '\0';
    int idx = sc_schema_find(path);
    if (idx < 0 || sc_schema()[idx].kind == SK_SECTION) {
        char hint[200];
        sc_suggest_path(path, hint, sizeof hint);
        return sc_at(F3_EINVAL, origin, 1, 1, "unknown key path '%s'%s", path, hint);
    }
    return sc_set_key(sc, idx, eq + 1, (int)plen + 1, origin, line, col);
}

f3_status sc_set_key(scenario *sc, int idx, const char *text, int col_off, const char *origin, int line, int col)
{
    const char *path = sc_schema()[idx].path;
    sc->checked = 0;
    f3_status st = apply_text(sc, (size_t)idx, text, origin, col_off);
    if (st != F3_OK) return st;
    if (!strcmp(path, "name")) sc_copy_str(sc->name, sizeof sc->name, sc->v[idx].str);
    /* setting a key inside an optional section makes the section present */
    char buf[256];
    sc_copy_str(buf, sizeof buf, path);
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
    f3_status st = sc_set_value(sc, assignment, origin, 1, 1);
    return st != F3_OK ? st : sc_validate_points(sc);
}

f3_status scenario_set_all(scenario *sc, const char *const *assignments, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char origin[64];
        snprintf(origin, sizeof origin, "--set[%zu]", i + 1);
        f3_status st = sc_set_value(sc, assignments[i], origin, 1, 1);
        if (st != F3_OK) return st;
    }
    return sc_validate_points(sc);
}

/* ---- access ----------------------------------------------------------------- */

_Thread_local sc_read_log *sc_reads;

const sc_value *scenario_get(const scenario *sc, const char *path)
{
    int i = sc_schema_find(path);
    sc_note_read(i);
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
    return (!sc_schema()[i].optional || sc->v[i].set) && sc_ancestors_present(sc, section);
}

size_t scenario_algorithms(const scenario *sc, char names[][32], size_t max)
{
    const sc_value *cmp = scenario_get(sc, "training.compare");
    size_t n = 0;
    if (cmp->n) {
        for (size_t i = 0; i < cmp->n && n < max; i++) sc_copy_str(names[n++], 32, cmp->items[i]);
    } else if (max) {
        sc_copy_str(names[n++], 32, scenario_str(sc, "training.algorithm"));
    }
    return n;
}
