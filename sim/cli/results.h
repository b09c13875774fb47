/* results.h — writing result files atomically.
 *
 * A result file is written to "<path>.tmp.<pid>" and renamed over <path>
 * only when it is complete and flushed, so an interrupted run never leaves
 * a complete-looking partial file. */
#ifndef F3SIM_RESULTS_H
#define F3SIM_RESULTS_H

#include <stdio.h>

typedef struct {
    FILE *f;
    char path[4096];
    char tmp[4200];
} atomic_file;

/* Create the folder and its parents (mode 0755); 0 on success, else -1
 * with a message in f3_last_error(). */
int make_dirs(const char *dir);

/* Open <dir>/<name> for atomic writing; 0 on success. */
int atomic_open(atomic_file *af, const char *dir, const char *name);
/* Flush, sync and rename into place; 0 on success.  On failure the
 * temporary file is removed. */
int atomic_commit(atomic_file *af);
/* Abandon: close and remove the temporary file. */
void atomic_abort(atomic_file *af);

#endif
