/* cli_util.h — option parsing, bounds, signals and shell quoting shared by
 * the f3sim commands. */
#ifndef F3SIM_CLI_UTIL_H
#define F3SIM_CLI_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

/* "f3sim CMD: MSG / Try 'f3sim help CMD'." on stderr; returns 2. */
int usage_error(const char *cmd, const char *msg);

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

/* ---- stopping on SIGINT and SIGTERM -----------------------------------------
 * The first SIGINT or SIGTERM asks the run to stop at the end of its current
 * batch (it is passed on to the child processes registered below when it
 * was sent to this process alone, e.g. by kill; a terminal's ^C reaches
 * them itself); a second one ends the process, and its children, at once
 * (as SIGKILL would: status.json still says running).  Idempotent. */
void cli_signals_install(void);
/* The signal that asked to stop (SIGINT, SIGTERM), or 0. */
int cli_stop_signal(void);
/* "SIGINT", "SIGTERM", … */
const char *cli_signal_name(int sig);
/* A child process that receives the stop signals this process receives. */
void cli_child_started(pid_t pid);
void cli_child_ended(pid_t pid);
/* In a child process right after fork: it has no children yet (the
 * parent's list is not its own). */
void cli_forked(void);

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
