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
