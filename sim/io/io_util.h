/* io_util.h — numbers from text (bounded as the scenario keys are), the
 * exit statuses, signal names, shell quoting, the time and the version:
 * the small helpers every layer of f3sim (sim/cli, sim/run, sim/io) uses. */
#ifndef F3SIM_IO_UTIL_H
#define F3SIM_IO_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* A non-negative decimal integer (all of s); 0, or -1 with the message in
 * f3_last_error() naming opt. */
int parse_u64(const char *opt, const char *s, uint64_t *out);
int parse_size(const char *opt, const char *s, size_t *out);
/* A number (all of s). */
int parse_double(const char *opt, const char *s, double *out);

/* v lies within the range of the scenario key `key` (its schema entry), so
 * that an option and its scenario key accept the same values; 0, or -1 with
 * "OPT V is out of range [MIN, MAX] (as the scenario key KEY)" in
 * f3_last_error(). */
int check_key_bound(const char *opt, const char *key, double v);

/* ---- exit statuses ---------------------------------------------------------
 * 0 done; 1 a runtime failure (a file, memory, divergence); 2 a usage or
 * validation error; 128 + N stopped by signal N (130 SIGINT, 143 SIGTERM). */
#define EXIT_RUNTIME 1
#define EXIT_USAGE 2
/* The exit status of a run stopped by signal sig. */
#define EXIT_SIGNAL(sig) (128 + (sig))
/* rc is the status of a run stopped by a signal. */
#define EXIT_IS_SIGNAL(rc) ((rc) > 128 && (rc) < 128 + 65)

/* "SIGINT", "SIGTERM", … */
const char *cli_signal_name(int sig);

/* ---- text ------------------------------------------------------------------ */

/* s as one word for a POSIX shell: in single quotes, each ' written '\''. */
void sh_quote(FILE *f, const char *s);
/* s holds a control character (other than a tab) that an emitted script
 * cannot carry on one line. */
int has_control_char(const char *s);
/* The time now as "2024-05-01T12:00:00Z" (UTC). */
void iso_time_now(char *buf, size_t len);
/* The f3sim version with its git commit: "0.1.0 (commit abc1234)". */
const char *f3sim_version_string(void);

/* The git commit of the sources, taken at build time ("abc1234",
 * "abc1234-dirty" when tracked files differed from it, "unknown"):
 * generated/f3sim_commit.c, written by sim/git_commit.cmake. */
extern const char f3sim_git_commit[];
#define F3SIM_GIT_COMMIT f3sim_git_commit

#endif
