/* status.c — the per-thread error message behind f3_last_error(). */
#include "f3/status.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

int f3_open_read(const char *path)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return -1;
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0) {
        int err = errno;
        close(fd);
        errno = err;
        return -1;
    }
    return fd;
}

FILE *f3_fopen_regular(const char *path, int *not_regular)
{
    *not_regular = 0;
    int fd = f3_open_read(path);
    if (fd < 0) return NULL;
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        int err = errno;
        close(fd);
        *not_regular = 1;
        errno = err;
        return NULL;
    }
    FILE *f = fdopen(fd, "rb");
    if (!f) {
        int err = errno;
        close(fd);
        errno = err;
    }
    return f;
}
