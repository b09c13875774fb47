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

/* OpenBLAS's level-1 threading, exported by libopenblas (common_thread.h,
 * driver/others/blas_l1_thread.c; the same signature and mode bits from
 * 0.3.13 to 0.3.28): it splits m into one part per thread, moves a and b on
 * by each part's width (times lda, ldb elements of the mode's precision),
 * and calls function(m_part, n, k, alpha[0], a_part, lda, b_part, ldb, c,
 * ldc, buffer) on each thread; c is passed unchanged. */
typedef long f3_blaslong;
extern int blas_level1_thread(int mode, f3_blaslong m, f3_blaslong n, f3_blaslong k, void *alpha, void *a,
                              f3_blaslong lda, void *b, f3_blaslong ldb, void *c, f3_blaslong ldc,
                              void (*function)(void), int nthreads);
#define F3_OPENBLAS_MODE_SINGLE_REAL 0x0002 /* BLAS_SINGLE | BLAS_REAL */

const char *f3_blas_config(void) { return openblas_get_config(); }

/* blas_level1_thread with these mode bits exists from OpenBLAS 0.3.13 on. */
static int blas_pool_usable(void)
{
    static int usable = -1;
    if (usable < 0) {
        int major = 0, minor = 0, patch = 0;
        const char *c = openblas_get_config();
        usable = c && sscanf(c, "OpenBLAS %d.%d.%d", &major, &minor, &patch) == 3 &&
                 (major > 0 || minor > 3 || (minor == 3 && patch >= 13));
    }
    return usable;
}

struct parallel_job {
    const float *anchor;
    void (*fn)(size_t lo, size_t hi, void *ctx);
    void *ctx;
};

/* one part, on an OpenBLAS thread: the part's a is anchor + its offset */
static void parallel_part(f3_blaslong m, f3_blaslong n, f3_blaslong k, float alpha, float *a, f3_blaslong lda,
                          float *b, f3_blaslong ldb, float *c, f3_blaslong ldc, void *buffer)
{
    (void)n, (void)k, (void)alpha, (void)lda, (void)b, (void)ldb, (void)ldc, (void)buffer;
    const struct parallel_job *job = (const struct parallel_job *)(void *)c;
    size_t lo = (size_t)(a - job->anchor);
    job->fn(lo, lo + (size_t)m, job->ctx);
}

void f3_blas_parallel_for(size_t n, size_t min_parallel, const float *anchor,
                          void (*fn)(size_t lo, size_t hi, void *ctx), void *ctx)
{
    int threads = openblas_get_num_threads();
    if (threads < 2 || n < min_parallel || n < (size_t)threads || !blas_pool_usable()) {
        fn(0, n, ctx);
        return;
    }
    struct parallel_job job = {anchor, fn, ctx};
    float alpha = 0.0f;
    blas_level1_thread(F3_OPENBLAS_MODE_SINGLE_REAL, (f3_blaslong)n, 0, 0, &alpha, (void *)anchor, 1, (void *)anchor,
                       1, &job, 0, (void (*)(void))parallel_part, threads);
}
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
