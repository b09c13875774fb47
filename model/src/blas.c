/* blas.c — what BLAS serves GSL's interface (OpenBLAS, linked instead of
 * gslcblas). */
#include "f3/kernels.h"

/* from OpenBLAS's cblas.h, which cannot be included beside gsl_cblas.h */
extern char *openblas_get_config(void);
extern void openblas_set_num_threads(int num_threads);
extern int openblas_get_num_threads(void);

const char *f3_blas_config(void) { return openblas_get_config(); }
void f3_blas_set_threads(int n) { openblas_set_num_threads(n < 1 ? 1 : n); }
int f3_blas_threads(void) { return openblas_get_num_threads(); }

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
