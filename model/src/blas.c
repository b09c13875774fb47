/* blas.c — what BLAS serves GSL's interface (OpenBLAS, linked instead of
 * gslcblas), and how many threads it may use. */
#define _GNU_SOURCE /* sched_getaffinity, CPU_COUNT, on_exit */
#include "f3/kernels.h"

#include <dirent.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

/* from OpenBLAS's cblas.h, which cannot be included beside gsl_cblas.h */
extern char *openblas_get_config(void);
extern void openblas_set_num_threads(int num_threads);
extern int openblas_get_num_threads(void);

const char *f3_blas_config(void) { return openblas_get_config(); }
int f3_blas_threads(void) { return openblas_get_num_threads(); }

int f3_usable_cores(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0) {
        long c = CPU_COUNT(&set);
        if (c > 0 && (n < 1 || c < n)) n = c;
    }
    return n < 1 ? 1 : (int)n;
}

/* Threads of this process (its /proc/self/task entries), or -1. */
static int task_count(void)
{
    DIR *d = opendir("/proc/self/task");
    if (!d) return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.') n++;
    closedir(d);
    return n;
}

static void *idle_thread(void *p) { return p; }

/* Of want − 1 extra threads (OpenBLAS's workers, with the default stack),
 * how many can start now: 1 + that number. */
static int startable_threads(int want)
{
    enum { MAX_PROBE = 512 };
    pthread_t t[MAX_PROBE];
    int k = 0;
    while (k < want - 1 && k < MAX_PROBE && pthread_create(&t[k], NULL, idle_thread, NULL) == 0) k++;
    for (int i = 0; i < k; i++) pthread_join(t[i], NULL);
    return k + 1;
}

/* Under an address-space limit (ulimit -v), as many threads as have room
 * for their working memory: OpenBLAS gives each thread a 128 MiB buffer,
 * glibc a malloc arena of 64 MiB, and each a stack; OpenBLAS retries a
 * buffer it cannot map for ever, so a thread count that does not fit would
 * hang instead of failing. */
static int fitting_threads(int want)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_AS, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY) return want;
    const size_t per_thread = (size_t)(128 + 64 + 8) << 20;
    while (want > 1) {
        size_t len = per_thread * (size_t)(want - 1);
        void *p = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (p != MAP_FAILED) {
            munmap(p, len);
            break;
        }
        want--;
    }
    return want;
}

/* OpenBLAS joins every worker it meant to start when the process exits (and
 * before a fork); a worker whose pthread_create failed is never joined
 * back, and the exit hangs.  Once that may have happened, the process ends
 * with _exit (after flushing its files) instead of running OpenBLAS's
 * shutdown. */
static void exit_without_blas_shutdown(int status, void *arg)
{
    (void)arg;
    fflush(NULL);
    _exit(status);
}

/* OpenBLAS's worker slots (1 + workers it meant to start) and how many of
 * them really run; work must never go to a slot beyond those. */
static int blas_slots = -1, blas_running = -1;

void f3_blas_set_threads(int n)
{
    if (blas_slots < 0) blas_slots = blas_running = openblas_get_num_threads(); /* started when loaded */
    if (n < 1) n = 1;
    int cores = f3_usable_cores();
    if (n > cores) n = cores;
    if (n > blas_slots) {
        /* only the new workers need room */
        int more = n - blas_slots;
        more = startable_threads(more + 1) - 1;
        more = fitting_threads(more + 1) - 1;
        n = blas_slots + more;
    }
    if (n > blas_slots && blas_running == blas_slots) {
        int before = task_count();
        openblas_set_num_threads(n);
        int after = task_count();
        blas_slots = n;
        if (before < 0 || after < 0 || after - before >= n - blas_running) {
            blas_running = n;
            return;
        }
        /* some workers did not start: never hand them work, never wait
         * for them */
        static int guarded;
        if (!guarded++) on_exit(exit_without_blas_shutdown, NULL);
    }
    if (n > blas_running) n = blas_running;
    openblas_set_num_threads(n);
}

void f3_blas_select_core(char **argv)
{
#if defined(__x86_64__) && defined(__GNUC__)
    if (getenv("OPENBLAS_CORETYPE") || getenv("F3_BLAS_REEXEC")) return;
    if (!strstr(openblas_get_config(), "Prescott")) return;
    const char *core = NULL;
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) core = "SkylakeX";
    else if (__builtin_cpu_supports("avx2")) core = "Haswell";
    if (!core) return;
    setenv("OPENBLAS_CORETYPE", core, 1);
    setenv("F3_BLAS_REEXEC", "1", 1);
    execv("/proc/self/exe", argv);
    /* exec failed: carry on with the generic kernel */
#else
    (void)argv;
#endif
}
