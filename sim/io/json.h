/* json.h — a small streaming JSON writer for results files.
 *
 * Keys and values are written in order; nesting is tracked so that commas
 * and indentation come out right.  Doubles use the shortest "%.17g" form
 * that reads back exactly; non-finite values are written as null. */
#ifndef F3SIM_JSON_H
#define F3SIM_JSON_H

#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 32

typedef struct json_writer_s {
    FILE *f;
    int depth;
    int count[JSON_MAX_DEPTH]; /* items written at each level */
    int pending_key;           /* a key was written, its value comes next */
} json_writer;

void json_init(json_writer *w, FILE *f);
void json_key(json_writer *w, const char *key);
void json_begin_object(json_writer *w);
void json_end_object(json_writer *w);
void json_begin_array(json_writer *w);
void json_end_array(json_writer *w);
void json_string(json_writer *w, const char *s);
void json_double(json_writer *w, double v);
void json_u64(json_writer *w, uint64_t v);
void json_i64(json_writer *w, int64_t v);
void json_bool(json_writer *w, int v);
void json_null(json_writer *w);

/* key + value shorthands */
void json_kv_string(json_writer *w, const char *k, const char *v);
void json_kv_double(json_writer *w, const char *k, double v);
void json_kv_u64(json_writer *w, const char *k, uint64_t v);
void json_kv_bool(json_writer *w, const char *k, int v);

#endif
