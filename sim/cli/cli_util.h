/* cli_util.h — what the f3sim commands share: the usage error, and (for
 * convenience) the number parsing, exit statuses and text helpers of
 * sim/io (io_util.h) and the stop signals of sim/run (signals.h). */
#ifndef F3SIM_CLI_UTIL_H
#define F3SIM_CLI_UTIL_H

#include "io_util.h"
#include "signals.h"

/* "f3sim CMD: MSG / Try 'f3sim help CMD'." on stderr; returns 2. */
int usage_error(const char *cmd, const char *msg);

#endif
