/* cli_util.c — see cli_util.h. */
#include "cli_util.h"

#include <stdio.h>

int usage_error(const char *cmd, const char *msg)
{
    fprintf(stderr, "f3sim %s: %s\nTry 'f3sim help %s'.\n", cmd, msg, cmd);
    return 2;
}
