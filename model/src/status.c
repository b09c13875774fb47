/* status.c — the per-thread error message behind f3_last_error(). */
#include "f3/status.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static _Thread_local char g_msg[1024];

const char *f3_last_error(void) { return g_msg; }

void f3_clear_error(void) { g_msg[0] = '\0'; }

const char *f3_status_name(f3_status s)
{
    switch (s) {
    case F3_OK: return "ok";
    case F3_EINVAL: return "invalid argument";
    case F3_ENOMEM: return "out of memory";
    case F3_EIO: return "input/output error";
    case F3_EFORMAT: return "malformed input";
    case F3_ERANGE: return "value out of range";
    }
    return "unknown status";
}

f3_status f3_fail(f3_status s, const char *src, int line, const char *fmt, ...)
{
    /* The message comes first; the source location of the check is kept for
     * developers but is not what a user acts on. */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(g_msg, sizeof g_msg, fmt, ap);
    va_end(ap);
    (void)src;
    (void)line;
    return s;
}
