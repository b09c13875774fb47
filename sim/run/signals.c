/* signals.c — see signals.h. */
#define _DEFAULT_SOURCE /* SA_RESTART, siginfo's si_code values, sigqueue */
#include "signals.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

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
