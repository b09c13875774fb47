/* test_fixed.c — the exact fixed-point GEMM against its integer reference,
 * and the fixed-point activation table. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <gsl/gsl_rng.h>

#include "f3/fixed.h"

static f3_format fmt(const char *s)
{
    f3_format f;
    assert_int_equal(f3_parse_format(s, &f), F3_OK);
    return f;
}

/* n random values of format f, spread over its whole range (extremes
 * included) */
static void fill(gsl_rng *r, const f3_format *f, float *x, size_t n)
{
    const double lo = -ldexp(1.0, f->int_bits - 1), hi = f3_format_max(f);
    for (size_t k = 0; k < n; k++) {
        double v = k % 7 == 0 ? lo : k % 11 == 0 ? hi : lo + (hi - lo) * gsl_rng_uniform(r);
        x[k] = (float)v;
    }
    f3_quantize(f, x, n, NULL);
}

/* the DGEMM path and the integer reference agree bit for bit */
static void check(gsl_rng *r, int ta, int tb, size_t M, size_t N, size_t K, const char *fa_s, const char *fb_s)
{
    f3_format fa = fmt(fa_s), fb = fmt(fb_s);
    float *A = malloc(M * K * sizeof *A), *B = malloc(K * N * sizeof *B);
    double *C1 = malloc(M * N * sizeof *C1), *C2 = malloc(M * N * sizeof *C2);
    double *scratch = malloc((M * K + K * N) * sizeof *scratch);
    assert_non_null(A);
    assert_non_null(B);
    assert_non_null(C1);
    assert_non_null(C2);
    assert_non_null(scratch);
    fill(r, &fa, A, M * K);
    fill(r, &fb, B, K * N);
    size_t lda = ta ? M : K, ldb = tb ? K : N;
    f3_gemm_exact(ta, tb, M, N, K, A, lda, B, ldb, C1, &fa, &fb, scratch);
    f3_gemm_exact_ref(ta, tb, M, N, K, A, lda, B, ldb, C2, &fa, &fb);
    assert_memory_equal(C1, C2, M * N * sizeof *C1);
    free(A), free(B), free(C1), free(C2), free(scratch);
}

static void test_gemm_random_shapes(void **state)
{
    (void)state;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 11);
    static const char *const fmts[] = {"q1.7", "q4.12", "q8.8", "q2.6", "q1.15", "q3.5"};
    for (int t = 0; t < 60; t++) {
        size_t M = 1 + gsl_rng_uniform_int(r, 9), N = 1 + gsl_rng_uniform_int(r, 9), K = 1 + gsl_rng_uniform_int(r, 300);
        check(r, t & 1, (t >> 1) & 1, M, N, K, fmts[t % 6], fmts[(t / 6) % 6]);
    }
    gsl_rng_free(r);
}

/* sums at the 2^53 bound: every product at the extreme, K·2^(wa+wb−2) =
 * 2^53 exactly (double path) and just beyond (integer path) */
static void test_gemm_at_the_bound(void **state)
{
    (void)state;
    f3_format a = fmt("q12.12"), b = fmt("q12.12"); /* 24 + 24 bits: K ≤ 2^7 */
    assert_true(f3_exact_fits_double(128, &a, &b));
    assert_false(f3_exact_fits_double(129, &a, &b));
    for (size_t K = 127; K <= 130; K++) {
        float *A = malloc(K * sizeof *A), *B = malloc(K * sizeof *B);
        double C1, C2, *scratch = malloc(2 * K * sizeof *scratch);
        for (size_t k = 0; k < K; k++) A[k] = B[k] = -2048.0f; /* −2^(i−1): the largest magnitude */
        f3_gemm_exact(0, 0, 1, 1, K, A, K, B, 1, &C1, &a, &b, scratch);
        f3_gemm_exact_ref(0, 0, 1, 1, K, A, K, B, 1, &C2, &a, &b);
        assert_true(C1 == C2);
        assert_true(C1 == (double)K * 2048.0 * 2048.0);
        /* one lsb off the extreme: the sum needs every bit */
        A[0] = -2048.0f + 1.0f / 4096.0f;
        f3_gemm_exact(0, 0, 1, 1, K, A, K, B, 1, &C1, &a, &b, scratch);
        f3_gemm_exact_ref(0, 0, 1, 1, K, A, K, B, 1, &C2, &a, &b);
        assert_true(C1 == C2);
        free(A), free(B), free(scratch);
    }
    /* 32 × 32 bits: the 128-bit integer path */
    f3_format w = fmt("q16.16");
    assert_false(f3_exact_fits_double(2, &w, &w));
    float A[3] = {-32768.0f, 32767.0f, 1.5f}, B[3] = {-32768.0f, -32768.0f, 2.0f};
    double C;
    f3_gemm_exact_ref(0, 0, 1, 1, 3, A, 3, B, 1, &C, &w, &w);
    assert_true(C == 32768.0 * 32768.0 - 32767.0 * 32768.0 + 3.0);
}

static void test_activation_table(void **state)
{
    (void)state;
    f3_format q = fmt("q2.14");
    f3_act_table t;
    f3_act_table_init(&t, F3_ACT_TANH, &q);
    double prev = -2;
    for (double z = -10; z <= 10; z += 1.0 / 64) {
        double h = f3_act_table_eval(&t, z);
        assert_true(h >= prev); /* monotone */
        prev = h;
        assert_true(fabs(h - tanh(z)) < 2e-3); /* interpolation error of a 1/16 grid */
    }
    /* the grid points are the rounded function itself */
    assert_true(f3_act_table_eval(&t, 0.0) == 0.0);
    assert_true(f3_act_table_eval(&t, 1.0) == t.T[144]);
    assert_true(f3_act_table_eval(&t, -100.0) == t.T[0] && f3_act_table_eval(&t, 100.0) == t.T[256]);
    f3_act_table_init(&t, F3_ACT_RELU, &q);
    assert_true(f3_act_table_eval(&t, -0.5) == 0.0 && f3_act_table_eval(&t, 0.75) == 0.75);
    assert_true(f3_act_derivative_of_output(F3_ACT_TANH, 0.5) == 0.75);
    assert_true(f3_act_derivative_of_output(F3_ACT_SIGMOID, 0.25) == 0.1875);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gemm_random_shapes),
        cmocka_unit_test(test_gemm_at_the_bound),
        cmocka_unit_test(test_activation_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
