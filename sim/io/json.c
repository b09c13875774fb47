/* json.c — see json.h. */
#include "json.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void json_init(json_writer *w, FILE *f)
{
    memset(w, 0, sizeof *w);
    w->f = f;
}

static void indent(json_writer *w)
{
    fputc('\n', w->f);
    for (int i = 0; i < w->depth; i++) fputs("  ", w->f);
}

/* Separator and indentation before a value or key at the current level. */
static void before_item(json_writer *w)
{
    if (w->pending_key) {
        w->pending_key = 0;
        return;
    }
    if (w->depth > 0) {
        if (w->count[w->depth]++) fputc(',', w->f);
        indent(w);
    }
}

static void write_escaped(json_writer *w, const char *s);

void json_key(json_writer *w, const char *key)
{
    before_item(w);
    write_escaped(w, key);
    fputs(": ", w->f);
    w->pending_key = 1;
}

static void begin(json_writer *w, char c)
{
    before_item(w);
    fputc(c, w->f);
    if (w->depth + 1 < JSON_MAX_DEPTH) w->depth++;
    w->count[w->depth] = 0;
}

static void end(json_writer *w, char c)
{
    int had = w->count[w->depth];
    if (w->depth > 0) w->depth--;
    if (had) indent(w);
    fputc(c, w->f);
    if (w->depth == 0) fputc('\n', w->f);
}

void json_begin_object(json_writer *w) { begin(w, '{'); }
void json_end_object(json_writer *w) { end(w, '}'); }
void json_begin_array(json_writer *w) { begin(w, '['); }
void json_end_array(json_writer *w) { end(w, ']'); }

static void write_escaped(json_writer *w, const char *s)
{
    fputc('"', w->f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", w->f); break;
        case '\\': fputs("\\\\", w->f); break;
        case '\n': fputs("\\n", w->f); break;
        case '\t': fputs("\\t", w->f); break;
        case '\r': fputs("\\r", w->f); break;
        default:
            if (*p < 0x20) fprintf(w->f, "\\u%04x", *p);
            else fputc(*p, w->f);
        }
    }
    fputc('"', w->f);
}

void json_string(json_writer *w, const char *s)
{
    before_item(w);
    write_escaped(w, s);
}

void json_double(json_writer *w, double v)
{
    before_item(w);
    if (!isfinite(v)) {
        fputs("null", w->f);
        return;
    }
    char buf[40];
    for (int prec = 6; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, v);
        if (strtod(buf, NULL) == v) break;
    }
    fputs(buf, w->f);
}

void json_u64(json_writer *w, uint64_t v)
{
    before_item(w);
    fprintf(w->f, "%llu", (unsigned long long)v);
}

void json_i64(json_writer *w, int64_t v)
{
    before_item(w);
    fprintf(w->f, "%lld", (long long)v);
}

void json_bool(json_writer *w, int v)
{
    before_item(w);
    fputs(v ? "true" : "false", w->f);
}

void json_null(json_writer *w)
{
    before_item(w);
    fputs("null", w->f);
}

void json_kv_string(json_writer *w, const char *k, const char *v)
{
    json_key(w, k);
    json_string(w, v);
}
void json_kv_double(json_writer *w, const char *k, double v)
{
    json_key(w, k);
    json_double(w, v);
}
void json_kv_u64(json_writer *w, const char *k, uint64_t v)
{
    json_key(w, k);
    json_u64(w, v);
}
void json_kv_bool(json_writer *w, const char *k, int v)
{
    json_key(w, k);
    json_bool(w, v);
}
