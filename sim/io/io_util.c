/* io_util.c — see io_util.h. */
#include "io_util.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "f3/status.h"
#include "scenario.h"

/* ---- numbers from text ------------------------------------------------------------ */

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

int check_key_bound(const char *opt, const char *key, double v)
{
    int i = sc_schema_find(key);
    if (i < 0) return 0;
    const sc_entry *e = &sc_schema()[i];
    if (v >= e->min && v <= e->max) return 0; /* NaN fails both */
    F3_FAIL(F3_ERANGE, "%s %g is out of range [%g, %g] (as the scenario key %s)", opt, v, e->min, e->max, key);
    return -1;
}

/* ---- signals by name ---------------------------------------------------------- */

const char *cli_signal_name(int sig)
{
    switch (sig) {
    case SIGINT: return "SIGINT";
    case SIGTERM: return "SIGTERM";
    case SIGKILL: return "SIGKILL";
    case SIGHUP: return "SIGHUP";
    case SIGSEGV: return "SIGSEGV";
    case SIGABRT: return "SIGABRT";
    default: return "a signal";
    }
}

/* ---- text ------------------------------------------------------------------------ */

void sh_quote(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; *s; s++) {
        if (*s == '\'') fputs("'\\''", f);
        else fputc(*s, f);
    }
    fputc('\'', f);
}

int has_control_char(const char *s)
{
    for (; *s; s++)
        if (((unsigned char)*s < 0x20 && *s != '\t') || *s == 0x7f) return 1;
    return 0;
}

void iso_time_now(char *buf, size_t len)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

const char *f3sim_version_string(void)
{
    static char v[96];
    snprintf(v, sizeof v, "%s (commit %s)", F3SIM_VERSION, F3SIM_GIT_COMMIT);
    return v;
}
