/* fixed.c — exact fixed-point GEMM and the fixed-point activation table
 * (see f3/fixed.h). */
#include "f3/fixed.h"

#include <math.h>
#include <stdint.h>

#include <gsl/gsl_blas.h>

__extension__ typedef __int128 int128; /* GCC and Clang on 64-bit targets */

static int width(const f3_format *f) { return f->int_bits + f->frac_bits; }

int f3_exact_fits_double(size_t K, const f3_format *a, const f3_format *b)
{
    /* |Σ| ≤ K · 2^(ia−1) · 2^(ib−1), in units of 2^−(fa+fb): K · 2^(wa+wb−2) */
    double units = (double)K * ldexp(1.0, width(a) + width(b) - 2);
    return units <= ldexp(1.0, 53);
}

/* element (r, c) of op(X) for a row-major X with leading dimension ld */
static inline float at(const float *X, size_t ld, int trans, size_t r, size_t c)
{
    return trans ? X[c * ld + r] : X[r * ld + c];
}

void f3_gemm_exact(int transA, int transB, size_t M, size_t N, size_t K, const float *A, size_t lda,
                   const float *B, size_t ldb, double *C, const f3_format *fa, const f3_format *fb,
                   double *scratch)
{
    if (!f3_exact_fits_double(K, fa, fb)) {
        f3_gemm_exact_ref(transA, transB, M, N, K, A, lda, B, ldb, C, fa, fb);
        return;
    }
    /* op(A) and op(B) as dense double matrices, then one DGEMM */
    double *Ad = scratch, *Bd = scratch + M * K;
    for (size_t r = 0; r < M; r++)
        for (size_t k = 0; k < K; k++) Ad[r * K + k] = at(A, lda, transA, r, k);
    for (size_t k = 0; k < K; k++)
        for (size_t c = 0; c < N; c++) Bd[k * N + c] = at(B, ldb, transB, k, c);
    gsl_matrix_const_view Av = gsl_matrix_const_view_array(Ad, M, K);
    gsl_matrix_const_view Bv = gsl_matrix_const_view_array(Bd, K, N);
    gsl_matrix_view Cv = gsl_matrix_view_array(C, M, N);
    gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, &Av.matrix, &Bv.matrix, 0.0, &Cv.matrix);
}

void f3_gemm_exact_ref(int transA, int transB, size_t M, size_t N, size_t K, const float *A, size_t lda,
                       const float *B, size_t ldb, double *C, const f3_format *fa, const f3_format *fb)
{
    const double sa = ldexp(1.0, fa->frac_bits), sb = ldexp(1.0, fb->frac_bits);
    const double unit = ldexp(1.0, -(fa->frac_bits + fb->frac_bits));
    /* int64 holds the sum when K · 2^(wa+wb−2) < 2^63 */
    const int wide = (double)K * ldexp(1.0, width(fa) + width(fb) - 2) >= ldexp(1.0, 63);
    for (size_t r = 0; r < M; r++)
        for (size_t c = 0; c < N; c++) {
            if (wide) {
                int128 acc = 0;
                for (size_t k = 0; k < K; k++)
                    acc += (int128)(int64_t)((double)at(A, lda, transA, r, k) * sa) *
                           (int64_t)((double)at(B, ldb, transB, k, c) * sb);
                C[r * N + c] = (double)acc * unit;
            } else {
                int64_t acc = 0;
                for (size_t k = 0; k < K; k++)
                    acc += (int64_t)((double)at(A, lda, transA, r, k) * sa) * (int64_t)((double)at(B, ldb, transB, k, c) * sb);
                C[r * N + c] = (double)acc * unit;
            }
        }
}

static double act_exact(f3_activation f, double z)
{
    switch (f) {
    case F3_ACT_TANH: return tanh(z);
    case F3_ACT_SIGMOID: return 1.0 / (1.0 + exp(-z));
    case F3_ACT_RELU: return z > 0 ? z : 0.0;
    case F3_ACT_IDENTITY: return z;
    }
    return z;
}

void f3_act_table_init(f3_act_table *t, f3_activation f, const f3_format *fmt)
{
    t->f = f;
    f3_format nearest = *fmt;
    nearest.rounding = F3_ROUND_NEAREST_EVEN;
    for (int k = 0; k <= 256; k++) {
        float v = (float)act_exact(f, -8.0 + k / 16.0);
        f3_quantize(&nearest, &v, 1, NULL);
        t->T[k] = v;
    }
}

double f3_act_table_eval(const f3_act_table *t, double z)
{
    if (t->f == F3_ACT_RELU) return z > 0 ? z : 0.0;
    if (t->f == F3_ACT_IDENTITY) return z;
    double u = (z + 8.0) * 16.0;
    if (!(u > 0)) return t->T[0]; /* also NaN */
    if (u >= 256.0) return t->T[256];
    double k = floor(u);
    double frac = floor((u - k) * 4096.0) / 4096.0; /* 12 bits */
    size_t i = (size_t)k;
    return t->T[i] + (t->T[i + 1] - t->T[i]) * frac;
}

double f3_act_derivative_of_output(f3_activation f, double h)
{
    switch (f) {
    case F3_ACT_TANH: return 1.0 - h * h;
    case F3_ACT_SIGMOID: return h * (1.0 - h);
    case F3_ACT_RELU: return h > 0 ? 1.0 : 0.0;
    case F3_ACT_IDENTITY: return 1.0;
    }
    return 1.0;
}
