/* f3/status.h — error values for every f3 library function.
 *
 * Library functions never print and never exit: they return an f3_status and
 * record a human-readable message (with the source file and line of the
 * failing check, and for input errors the offending file and record) that
 * the caller reads with f3_last_error().  Only the CLI prints and exits.
 */
#ifndef F3_STATUS_H
#define F3_STATUS_H

#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    F3_OK = 0,
    F3_EINVAL,   /* invalid argument or configuration */
    F3_ENOMEM,   /* allocation failed */
    F3_EIO,      /* a file could not be opened, read or written */
    F3_EFORMAT,  /* a file was read but its content is malformed */
    F3_ERANGE    /* a value is out of its allowed range */
} f3_status;

/* The message of the most recent failure in this thread ("" if none). */
const char *f3_last_error(void);

/* Short name of a status ("invalid argument", ...). */
const char *f3_status_name(f3_status s);

/* Record a failure message (printf-style); returns s so that callers can
 * write `return f3_fail(F3_EINVAL, __FILE__, __LINE__, "...")`.  Use the
 * F3_FAIL macro instead of calling this directly. */
f3_status f3_fail(f3_status s, const char *src, int line, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

#define F3_FAIL(status, ...) f3_fail((status), __FILE__, __LINE__, __VA_ARGS__)

/* open(2) path read-only without blocking in open itself (a FIFO that no
 * process writes, a device), then make the descriptor blocking again.
 * -1 with errno as open(2). */
int f3_open_read(const char *path);

/* An input file f3sim reads whole (a scenario, a data set, an .npz, an
 * order): fopen(path, "rb") of a regular file.  NULL with errno from
 * open(2), or with *not_regular = 1 when path is a FIFO, a device, a
 * socket or a folder (refused without blocking on it). */
FILE *f3_fopen_regular(const char *path, int *not_regular);

/* Clear the recorded message. */
void f3_clear_error(void);

#ifdef __cplusplus
}
#endif
#endif
