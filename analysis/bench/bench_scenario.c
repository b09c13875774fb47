/* bench_scenario.c — the scenario loader's cost: heap allocations per load
 * and loads per second (sim/scenario, scenario_load + scenario_free).
 *
 *   build/bench/bench_scenario [--loads N] [SCENARIO.yaml ...]
 *
 * Each scenario (default: scenarios/default.yaml, a sweep of 4 points in
 * scenarios/explore/mac-lanes.yaml, and scenarios/explore/design-space.yaml)
 * is loaded once under a counting allocator, which prints the calls to
 * malloc, calloc and realloc, the bytes they asked for, and the peak of the
 * bytes live during the load; then it is loaded N times (default 2000) and
 * the loads per second are printed (wall clock, one thread; BLAS is set to
 * one thread, whose idle workers would otherwise spin beside the loader).  Run it from
 * the repository's top folder (the default paths are relative).
 *
 * The counting allocator replaces malloc, calloc, realloc and free in this
 * program (glibc lets a program do that; every library, libyaml included,
 * then allocates through it) and forwards to glibc's own.  Under
 * AddressSanitizer, which has its own allocator, nothing is counted. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "f3/kernels.h"
#include "scenario.h"

#if defined(__SANITIZE_ADDRESS__)
#define COUNTING 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define COUNTING 0
#endif
#endif
#ifndef COUNTING
#if defined(__GLIBC__)
#define COUNTING 1
#else
#define COUNTING 0
#endif
#endif

static size_t g_calls, g_bytes, g_live, g_peak;
static int g_on;

#if COUNTING
#include <malloc.h>
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);

static void *counted(void *p, size_t asked)
{
    if (p && g_on) {
        g_calls++;
        g_bytes += asked;
        g_live += malloc_usable_size(p);
        if (g_live > g_peak) g_peak = g_live;
    }
    return p;
}
void *malloc(size_t n) { return counted(__libc_malloc(n), n); }
void *calloc(size_t k, size_t n) { return counted(__libc_calloc(k, n), k * n); }
void free(void *p)
{
    if (p && g_on) g_live -= malloc_usable_size(p);
    __libc_free(p);
}
void *realloc(void *p, size_t n)
{
    if (p && g_on) g_live -= malloc_usable_size(p);
    return counted(__libc_realloc(p, n), n);
}
#endif

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char **argv)
{
    size_t loads = 2000;
    const char *files[64];
    size_t nf = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--loads") && i + 1 < argc) {
            loads = strtoul(argv[++i], NULL, 10);
            if (!loads) return fprintf(stderr, "bench_scenario: --loads takes a positive number\n"), 2;
        } else if (argv[i][0] == '-') {
            return fprintf(stderr, "usage: bench_scenario [--loads N] [SCENARIO.yaml ...]\n"), 2;
        } else if (nf < 64) {
            files[nf++] = argv[i];
        }
    }
    if (!nf) {
        files[nf++] = "scenarios/default.yaml";
        files[nf++] = "scenarios/explore/mac-lanes.yaml";
        files[nf++] = "scenarios/explore/design-space.yaml";
    }
    /* the loader uses no BLAS, but OpenBLAS's idle threads would spin
     * beside it (sched_yield) on a loaded machine */
    f3_blas_set_threads(1);
    printf("bench_scenario: scenario_load + scenario_free, %zu loads each (one thread)\n", loads);
    for (size_t f = 0; f < nf; f++) {
        scenario *sc = NULL;
        if (scenario_load(files[f], &sc) != F3_OK) /* warm: the schema's lookup table */
            return fprintf(stderr, "bench_scenario: %s\n", f3_last_error()), 1;
        const size_t points = scenario_sweep_points(sc);
        scenario_free(sc);
        g_calls = g_bytes = g_live = g_peak = 0;
        g_on = 1;
        if (scenario_load(files[f], &sc) != F3_OK) return fprintf(stderr, "bench_scenario: %s\n", f3_last_error()), 1;
        scenario_free(sc);
        g_on = 0;
        const double t0 = now_s();
        for (size_t i = 0; i < loads; i++) {
            if (scenario_load(files[f], &sc) != F3_OK) return fprintf(stderr, "bench_scenario: %s\n", f3_last_error()), 1;
            scenario_free(sc);
        }
        const double t = now_s() - t0;
        printf("%s (%zu sweep point%s):\n", files[f], points, points == 1 ? "" : "s");
        if (COUNTING)
            printf("  allocations per load: %zu calls, %.1f KiB asked for, peak %.1f KiB live\n", g_calls,
                   (double)g_bytes / 1024.0, (double)g_peak / 1024.0);
        else
            printf("  allocations per load: not counted (AddressSanitizer has its own allocator)\n");
        printf("  %.0f loads/s (%.1f µs per load)\n", (double)loads / t, 1e6 * t / (double)loads);
    }
    return 0;
}
