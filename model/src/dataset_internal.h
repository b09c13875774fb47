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
#include <stdint.h>
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

/* Open path for reading; F3_EIO (with strerror) if it cannot be opened.
 * missing: NULL, or a sentence appended to the message when the file does
 * not exist (where the file comes from and how to get it). */
f3_status f3_ds_lines_open(f3_ds_lines *r, const char *path, const char *missing);

/* Read the next line into r->buf.  *got = 1 with a line, 0 at end of file;
 * F3_EIO on a read error.  A UTF-8 byte order mark at the start of the file
 * is dropped (so that what follows it is read as the first line's text); a
 * UTF-16 byte order mark or a NUL byte anywhere is F3_EFORMAT. */
f3_status f3_ds_lines_next(f3_ds_lines *r, int *got);

/* The "missing" sentence of f3_ds_lines_open for a file of a published
 * data set: what the data set is, where it comes from (url), the exact file
 * names the loader expects in the folder of path, and scripts/setup.sh
 * (which installs them under data/<folder>).  Written into buf. */
const char *f3_ds_missing_hint(char *buf, size_t cap, const char *path, const char *what,
                               const char *url, const char *files, const char *folder);

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

/* 1 if the first non-blank line of a file, split into nf fields, is a
 * header: none of its fields is a number.  A line with any numeric field is
 * a data row (and a non-numeric field in it an error), so that a data row
 * is never dropped as a header because its first field is malformed. */
int f3_ds_is_header(char *const *fields, size_t nf);

/* What a loader appends to a "not a number" error on the first non-blank
 * line of a file that may have a header. */
#define F3_DS_HEADER_HINT                                                              \
    " (the first line is skipped as a header only when none of its fields is a number)"

/* ---- errors and allocation -------------------------------------------------- */

/* Re-record the current error message (f3_last_error()) with a printf-style
 * prefix and ": " before it; returns st.  Used to name the file in errors
 * that come from a helper which does not know it. */
f3_status f3_ds_fail_prefix(f3_status st, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* As f3_dataset_alloc with bytes = 1, but the data set takes ownership of
 * x_u8 (n*d bytes, malloc'd) instead of allocating its own.  On failure the
 * caller still owns x_u8. */
f3_status f3_ds_alloc_adopt_u8(f3_task task, size_t n, size_t d, size_t n_outputs,
                               uint8_t *x_u8, f3_dataset **out);

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
