/* signals.h — stopping on SIGINT and SIGTERM, for a run and its children.
 *
 * The first SIGINT or SIGTERM asks the run to stop at the end of its current
 * batch (it is passed on to the child processes registered below when it
 * was sent to this process alone, e.g. by kill; a terminal's ^C reaches
 * them itself); a second one ends the process, and its children, at once
 * (as SIGKILL would: status.json still says running).  The exit statuses
 * and signal names are in io_util.h. */
#ifndef F3SIM_SIGNALS_H
#define F3SIM_SIGNALS_H

#include <sys/types.h>

/* Install the handlers.  Idempotent. */
void cli_signals_install(void);
/* The signal that asked to stop (SIGINT, SIGTERM), or 0. */
int cli_stop_signal(void);
/* A child process that receives the stop signals this process receives. */
void cli_child_started(pid_t pid);
void cli_child_ended(pid_t pid);
/* In a child process right after fork: it has no children yet (the
 * parent's list is not its own). */
void cli_forked(void);

#endif
