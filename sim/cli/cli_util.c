/* cli_util.c — see cli_util.h. */
#include "cli_util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "f3/status.h"

int usage_error(const char *cmd, const char *msg)
{
    fprintf(stderr, "f3sim %s: %s\nTry 'f3sim help %s'.\n", cmd, msg, cmd);
    return 2;
}

int parse_u64(const char *opt, const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end || s[0] == '-') {
        F3_FAIL(F3_EINVAL, "%s expects a non-negative integer, got '%s'", opt, s);
        return -1;
    }
    *out = v;
    return 0;
}

int parse_size(const char *opt, const char *s, size_t *out)
{
    uint64_t v;
    if (parse_u64(opt, s, &v)) return -1;
    *out = (size_t)v;
    return 0;
}

int parse_double(const char *opt, const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end) {
        F3_FAIL(F3_EINVAL, "%s expects a number, got '%s'", opt, s);
        return -1;
    }
    *out = v;
    return 0;
}
