/* cli_util.c — see cli_util.h. */
#define _DEFAULT_SOURCE /* SA_RESTART, siginfo's si_code values, sigqueue */
#include "cli_util.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "f3/status.h"
#include "scenario.h"


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

int check_key_bound(const char *opt, const char *key, double v)
{
    int i = sc_schema_find(key);
    if (i < 0) return 0;
    const sc_entry *e = &sc_schema()[i];
    if (v >= e->min && v <= e->max) return 0; /* NaN fails both */
    F3_FAIL(F3_ERANGE, "%s %g is out of range [%g, %g] (as the scenario key %s)", opt, v, e->min, e->max, key);
    return -1;
}

/* ---- signals ------------------------------------------------------------------ */

#define MAX_CHILDREN 1024
/* si_value of a signal passed on to a child: stop after the batch, or at once */
#define PASSED_ON_STOP 0x5f3f3001
#define PASSED_ON_NOW 0x5f3f3002

static volatile sig_atomic_t stop_signal;
static volatile sig_atomic_t stops; /* stop signals that did not come from the parent */
static volatile pid_t children[MAX_CHILDREN];
static int installed;

static void pass_on(int sig, int value)
{
    union sigval v;
    v.sival_int = value;
    for (int i = 0; i < MAX_CHILDREN; i++)
        if (children[i] > 0) sigqueue(children[i], sig, v);
}

static void on_stop(int sig, siginfo_t *info, void *uctx)
{
    (void)uctx;
    int saved = errno;
    int queued = info && info->si_code == SI_QUEUE;
    int passed_stop = queued && info->si_value.sival_int == PASSED_ON_STOP;
    int passed_now = queued && info->si_value.sival_int == PASSED_ON_NOW;
    /* sent to this process alone (kill PID, or passed on by the parent):
     * pass it on; a terminal's ^C reaches every process of the group
     * itself */
    int from_process = info && (info->si_code == SI_USER || queued);
    if (passed_now || (!passed_stop && stops++)) {
        /* the second stop signal (or the parent's own second): at once */
        if (from_process) pass_on(sig, PASSED_ON_NOW);
        signal(sig, SIG_DFL);
        raise(sig);
    }
    if (!stop_signal) stop_signal = sig;
    if (from_process) pass_on(sig, PASSED_ON_STOP);
    errno = saved;
}

void cli_signals_install(void)
{
    if (installed) return;
    installed = 1;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_stop;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGINT);
    sigaddset(&sa.sa_mask, SIGTERM);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

int cli_stop_signal(void) { return (int)stop_signal; }

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

static void block(sigset_t *old)
{
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGINT);
    sigaddset(&s, SIGTERM);
    sigprocmask(SIG_BLOCK, &s, old);
}

void cli_child_started(pid_t pid)
{
    sigset_t old;
    block(&old);
    for (int i = 0; i < MAX_CHILDREN; i++)
        if (children[i] <= 0) {
            children[i] = pid;
            break;
        }
    sigprocmask(SIG_SETMASK, &old, NULL);
}

void cli_child_ended(pid_t pid)
{
    sigset_t old;
    block(&old);
    for (int i = 0; i < MAX_CHILDREN; i++)
        if (children[i] == pid) children[i] = 0;
    sigprocmask(SIG_SETMASK, &old, NULL);
}

void cli_forked(void)
{
    for (int i = 0; i < MAX_CHILDREN; i++) children[i] = 0;
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
