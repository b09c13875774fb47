/* f3/fixed.h — exact fixed-point arithmetic for the layer kernels.
 *
 * Operands are fixed-point values held in floats (f3/numerics.h).  A dot
 * product of two fixed-point vectors is exact: every product is a multiple
 * of 2^−(fa+fb), and the sum is formed without rounding, then requantised
 * once by the caller.  f3_gemm_exact forms it with a double GEMM
 * (OpenBLAS) when the bound K·2^(wa+wb−2) ≤ 2^53 proves that every partial
 * sum is an integer multiple of 2^−(fa+fb) below 2^53 units — then the
 * summation order cannot change a bit — and otherwise with the integer
 * reference (int64, or 128-bit where int64 could overflow), whose result is
 * rounded to double.  f3_gemm_exact_ref is that integer reference.
 * docs/numerics.md writes the arithmetic down. */
#ifndef F3_FIXED_H
#define F3_FIXED_H

#include <stddef.h>

#include "f3/kernels.h"
#include "f3/numerics.h"

#ifdef __cplusplus
extern "C" {
#endif

/* 1 if K products of a and b sum exactly in a double. */
int f3_exact_fits_double(size_t K, const f3_format *a, const f3_format *b);

/* C (M, N) = op(A) · op(B), op(A) (M, K), op(B) (K, N), row-major with
 * leading dimensions lda, ldb; transA/transB: 1 to use the transpose.
 * C is double, ldc = N.  scratch: (M·K + K·N) doubles (the double path). */
void f3_gemm_exact(int transA, int transB, size_t M, size_t N, size_t K, const float *A, size_t lda,
                   const float *B, size_t ldb, double *C, const f3_format *fa, const f3_format *fb,
                   double *scratch);
void f3_gemm_exact_ref(int transA, int transB, size_t M, size_t N, size_t K, const float *A, size_t lda,
                       const float *B, size_t ldb, double *C, const f3_format *fa, const f3_format *fb);

/* The activation of a fixed-point format: a 257-point table over
 * z ∈ [−8, 8] (step 1/16) of f rounded to the format, interpolated
 * linearly with a 12-bit fraction (docs/numerics.md); relu and identity
 * are exact.  The result still has to be quantised to fmt by the caller
 * (with its rounding). */
typedef struct f3_act_table {
    f3_activation f;
    double T[257];
} f3_act_table;
void f3_act_table_init(f3_act_table *t, f3_activation f, const f3_format *fmt);
double f3_act_table_eval(const f3_act_table *t, double z);

/* f'(z) from the layer's fixed-point output h (tanh 1 − h², sigmoid
 * h(1 − h), relu [h > 0], identity 1), exact in double. */
double f3_act_derivative_of_output(f3_activation f, double h);

#ifdef __cplusplus
}
#endif
#endif
