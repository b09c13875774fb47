/* dataset_internal.h — helpers shared by the data set loaders (private to
 * model/src/dataset*.c; not part of the public API).
 *
 * Text loaders read a file line by line with f3_ds_lines_*, split each line
 * in place with f3_ds_split, parse every field with f3_ds_parse_float (the
 * whole field must be a finite number), and collect rows in growable
 * f3_ds_vec buffers until the row count is known and the data set can be
 * allocated once.
 */
#ifndef F3_DATASET_INTERNAL_H
#define F3_DATASET_INTERNAL_H

#include <stddef.h>
#include <stdio.h>

#include "f3/dataset.h"

/* Set ds->name (printf-style, truncated to fit). */
void f3_ds_set_name(f3_dataset *ds, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* ---- line reader ------------------------------------------------------- */

typedef struct {
    const char *path;
    FILE *f;
    char *buf;      /* current line, '\n' and a trailing '\r' removed */
    size_t cap;
    size_t lineno;  /* 1-based number of the current line */
} f3_ds_lines;

/* Open path for reading; F3_EIO (with strerror) if it cannot be opened. */
f3_status f3_ds_lines_open(f3_ds_lines *r, const char *path);

/* Read the next line into r->buf.  *got = 1 with a line, 0 at end of file;
 * F3_EIO on a read error. */
f3_status f3_ds_lines_next(f3_ds_lines *r, int *got);

/* Close the file and free the buffer; safe on a zeroed or closed reader. */
void f3_ds_lines_close(f3_ds_lines *r);

/* 1 if s holds only blanks (space, tab, CR, LF). */
int f3_ds_is_blank(const char *s);

/* ---- fields -------------------------------------------------------------- */

/* Split line in place at every sep; each field is trimmed of surrounding
 * blanks.  Up to max pointers are stored in fields; the return value is the
 * number of fields in the line (which may exceed max). */
size_t f3_ds_split(char *line, char sep, char **fields, size_t max);

/* Parse a whole field as a finite float (strtod; empty fields, trailing
 * characters, nan, inf and values beyond float range are rejected).
 * Returns 0 on success, -1 otherwise. */
int f3_ds_parse_float(const char *field, float *out);

/* ---- growable float buffer ---------------------------------------------- */

typedef struct {
    float *v;
    size_t n, cap;
} f3_ds_vec;

/* Append k floats; F3_ENOMEM on failure (the buffer stays valid). */
f3_status f3_ds_vec_push(f3_ds_vec *a, const float *vals, size_t k);

/* Free the buffer and zero the struct. */
void f3_ds_vec_free(f3_ds_vec *a);

#endif
