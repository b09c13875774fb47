/* cli_util.h — option parsing shared by the f3sim commands. */
#ifndef F3SIM_CLI_UTIL_H
#define F3SIM_CLI_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* "f3sim CMD: MSG / Try 'f3sim help CMD'." on stderr; returns 2. */
int usage_error(const char *cmd, const char *msg);

/* A non-negative decimal integer (all of s); 0, or -1 with the message in
 * f3_last_error() naming opt. */
int parse_u64(const char *opt, const char *s, uint64_t *out);
int parse_size(const char *opt, const char *s, size_t *out);
/* A number (all of s). */
int parse_double(const char *opt, const char *s, double *out);

#endif
