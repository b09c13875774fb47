/* scenario_values.c — typing a YAML value against its key (number, name,
 * list, …; its YAML tag), and parsing the text of a value (defaults, --set,
 * sweep points). */
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

/* ---- values ----------------------------------------------------------------- */

int sc_choice_ok(const char *choices, const char *s)
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
        return sc_at(F3_EINVAL, origin, line, col, "%s: expected %s, got '%s'", e->path,
                  e->kind == SK_AUTO_FLOAT ? "auto or a number" : integer ? "an integer" : "a number", s);
    if (integer && v != floor(v))
        return sc_at(F3_EINVAL, origin, line, col, "%s: expected an integer, got '%s'", e->path, s);
    if (v < e->min || v > e->max)
        return sc_at(F3_ERANGE, origin, line, col, "%s: %s is out of range [%.15g, %.15g]%s%s", e->path, s,
                  e->min, e->max, e->unit[0] ? " " : "", e->unit);
    *out = v;
    return F3_OK;
}

static f3_status check_enum(const char *origin, int line, int col, const sc_entry *e,
                            const char *s)
{
    if (sc_choice_ok(e->choices, s)) return F3_OK;
    char list[300];
    sc_choices_text(list, sizeof list, e->choices);
    return sc_at(F3_EINVAL, origin, line, col, "%s: '%s' is not one of: %s", e->path, s, list);
}

const char *sc_scalar_of(yaml_node_t *n)
{
    return (const char *)n->data.scalar.value;
}

int sc_is_null_scalar(yaml_node_t *n)
{
    if (n->type != YAML_SCALAR_NODE) return 0;
    if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE) return 0;
    const char *s = sc_scalar_of(n);
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
    if (sc_is_null_scalar(n)) return "no value";
    snprintf(buf, len, "'%.60s'", sc_scalar_of(n));
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
void sc_copy_str(char *dst, size_t room, const char *s)
{
    size_t n = strlen(s);
    if (n >= room) n = room - 1;
    memcpy(dst, s, n);
    dst[n] = '\0';
}

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

/* Is name one of the words of list ("|a|b|c|")? */
static int in_bar_list(const char *list, const char *name)
{
    const size_t n = strlen(name);
    for (const char *w = list; (w = strstr(w, name)); w++)
        if (w[-1] == '|' && w[n] == '|') return 1;
    return 0;
}

/* Every node of doc has a tag scenarios know, fitting its node: a value
 * !!str, !!int, !!float, !!bool or !!null, a list !!seq, a mapping !!map.
 * libyaml gives untagged nodes these same tags, so only a written tag can
 * fail.  Marks shift by line_off/col_off (a --set value). */
f3_status sc_check_tags(yaml_document_t *doc, const char *origin, int line_off, int col_off)
{
    static const char *const fits[3] = {"|str|int|float|bool|null|", "|seq|", "|map|"};
    static const char *const what[3] = {"a single value", "a list", "a mapping"};
    for (yaml_node_t *n = doc->nodes.start; n < doc->nodes.top; n++) {
        const int kind = n->type == YAML_SCALAR_NODE ? 0 : n->type == YAML_SEQUENCE_NODE ? 1 : 2;
        const char *t = (const char *)n->tag, *name = std_tag(t);
        char tt[80];
        if (!t || (name && in_bar_list(fits[kind], name))) continue;
        const int line = (int)n->start_mark.line + 1 + line_off, col = (int)n->start_mark.column + 1 + col_off;
        if (name && in_bar_list("|str|int|float|bool|null|seq|map|", name))
            return sc_at(F3_EINVAL, origin, line, col, "the YAML tag %s does not fit %s", tag_text(t, tt, sizeof tt),
                      what[kind]);
        return sc_at(F3_EINVAL, origin, line, col,
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
        return sc_at(F3_EINVAL, origin, line, col, "%s: expected %s, got the string \"%s\" (tagged !!str)", e->path,
                  kind_name(k), s);
    }
    int fits = (!strcmp(t, "int") && numeric) || (!strcmp(t, "float") && (k == SK_FLOAT || k == SK_AUTO_FLOAT)) ||
               (!strcmp(t, "bool") && k == SK_BOOL);
    if (!fits)
        return sc_at(F3_EINVAL, origin, line, col, "%s: expected %s, got '%s' tagged !!%s", e->path, kind_name(k), s, t);
    if (numeric) {
        char *end;
        errno = 0;
        double v = strtod(s, &end);
        if (!*s || *end || errno || !isfinite(v) || (!strcmp(t, "int") && v != floor(v)))
            return sc_at(F3_EINVAL, origin, line, col, "%s: '%s' is not %s, as its tag !!%s says", e->path, s,
                      !strcmp(t, "int") ? "an integer" : "a number", t);
    }
    return F3_OK;
}

/* Type node against entry e into out (its origin is left to put_value). */
f3_status sc_apply_node(const sc_entry *e, scratch_value *out, yaml_document_t *doc, yaml_node_t *n,
                            const char *src, const char *origin, int line_off, int col_off)
{
    int line = (int)n->start_mark.line + 1 + line_off, col = (int)n->start_mark.column + 1 + col_off;
    int is_list = e->kind == SK_INT_LIST || e->kind == SK_ENUM_LIST;
    char got[80];
    if (is_list ? n->type != YAML_SEQUENCE_NODE : n->type != YAML_SCALAR_NODE || sc_is_null_scalar(n))
        return sc_at(F3_EINVAL, origin, line, col, "%s: expected %s, got %s", e->path, kind_name(e->kind),
                  found(n, got, sizeof got));
    sc_value *nv = scratch_init(out);
    f3_status st = F3_OK;
    if (!is_list) {
        const char *s = sc_scalar_of(n);
        if (strlen(s) >= SC_MAX_STR)
            return sc_at(F3_EINVAL, origin, line, col, "%s: value longer than %d characters", e->path, SC_MAX_STR - 1);
        sc_copy_str(nv->text, SC_MAX_STR, s);
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
            else return sc_at(F3_EINVAL, origin, line, col, "%s: expected true or false, got '%s'", e->path, s);
            snprintf(nv->text, SC_MAX_STR, "%s", nv->num ? "true" : "false");
            break;
        case SK_INT:
        case SK_FLOAT:
            if (quoted) return sc_at(F3_EINVAL, origin, line, col, "%s: expected %s, got the string \"%s\"", e->path, kind_name(e->kind), s);
            st = parse_number(origin, line, col, e, s, e->kind == SK_INT, &nv->num);
            break;
        case SK_AUTO_INT:
        case SK_AUTO_FLOAT:
            if (!strcmp(s, "auto")) nv->is_auto = 1;
            else if (quoted && e->kind == SK_AUTO_FLOAT) return sc_at(F3_EINVAL, origin, line, col, "%s: expected %s, got the string \"%s\"", e->path, kind_name(e->kind), s);
            else st = parse_number(origin, line, col, e, s, e->kind == SK_AUTO_INT, &nv->num);
            break;
        case SK_STRING:
            sc_copy_str(nv->str, SC_MAX_STR, s);
            if (is_format_key(e->path)) {
                f3_format fmt;
                if (f3_parse_format(s, &fmt) != F3_OK) {
                    char msg[600];
                    snprintf(msg, sizeof msg, "%s", f3_last_error());
                    return sc_at(F3_EINVAL, origin, line, col, "%s: %s", e->path, msg);
                }
            }
            break;
        case SK_ENUM:
            st = check_enum(origin, line, col, e, s);
            sc_copy_str(nv->str, SC_MAX_STR, s);
            break;
        default:
            break;
        }
    } else {
        size_t len = 0;
        char text[SC_MAX_LIST_TEXT] = "[";
        for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
            yaml_node_t *item = yaml_document_get_node(doc, *it);
            int il = (int)item->start_mark.line + 1 + line_off, ic = (int)item->start_mark.column + 1 + col_off;
            if (len >= SC_MAX_LIST)
                return sc_at(F3_ERANGE, origin, il, ic, "%s: at most %d entries", e->path, SC_MAX_LIST);
            if (item->type != YAML_SCALAR_NODE || sc_is_null_scalar(item))
                return sc_at(F3_EINVAL, origin, il, ic, "%s: expected %s, got %s in the list", e->path,
                          kind_name(e->kind), found(item, got, sizeof got));
            const char *s = sc_scalar_of(item);
            const char *tag = written_tag(item, src);
            if (tag && (st = check_written_tag(e, e->kind == SK_INT_LIST ? SK_INT : SK_ENUM, tag, s, origin, il, ic)) != F3_OK)
                return st;
            if (e->kind == SK_INT_LIST) {
                st = parse_number(origin, il, ic, e, s, 1, &nv->list[len]);
            } else {
                st = check_enum(origin, il, ic, e, s);
                for (size_t k = 0; st == F3_OK && k < len; k++)
                    if (!strcmp(nv->items[k], s))
                        st = sc_at(F3_EINVAL, origin, il, ic, "%s: '%s' is listed twice", e->path, s);
                sc_copy_str(nv->items[len], sizeof out->items[len], s);
            }
            if (st != F3_OK) return st;
            if (strlen(text) + strlen(s) + 4 >= sizeof text)
                return sc_at(F3_EINVAL, origin, il, ic, "%s: list too long", e->path);
            if (len) strcat(text, ", ");
            strcat(text, s);
            len++;
        }
        strcat(text, "]");
        nv->n = len;
        sc_copy_str(nv->text, SC_MAX_LIST_TEXT, text);
    }
    if (st != F3_OK) return st;
    nv->set = 1;
    nv->line = line;
    nv->col = col;
    return F3_OK;
}

/* Parse YAML text (a value) into a document; returns its root node. */
f3_status sc_parse_text(const char *text, const char *origin, int col_off, yaml_document_t *doc,
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
        st = sc_at(F3_EFORMAT, origin, line, col + col_off, "not a YAML value: %s%s%s",
                p.problem ? p.problem : "syntax error", p.context ? " " : "", p.context ? p.context : "");
        yaml_parser_delete(&p);
        return st;
    }
    yaml_parser_delete(&p);
    *root = yaml_document_get_root_node(doc);
    if (!*root) {
        yaml_document_delete(doc);
        return sc_at(F3_EINVAL, origin, 1, 1 + col_off, "empty value");
    }
    if ((st = sc_check_tags(doc, origin, 0, col_off)) != F3_OK) yaml_document_delete(doc);
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

yaml_node_t *sc_quick_parse(const char *text, quick_doc *q)
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
