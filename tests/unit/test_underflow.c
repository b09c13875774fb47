/* test_underflow.c — underflow counts of f3_quantize_counted (f3/numerics.h):
 * nonzero values that the format rounds to zero.
 *
 *  - closed forms: in round-to-nearest a value underflows exactly when
 *    0 < |x| ≤ half the format's smallest step (the tie rounds to the even
 *    zero); on a grid x_k = k·δ, k = −K … K, that is 2·⌊(step/2)/δ⌋ values.
 *    Checked for q4.4 and q1.7 grids, hand-counted arrays of fixed point,
 *    bf16 (smallest subnormal 2⁻¹³³) and fp16 (smallest subnormal 2⁻²⁴);
 *  - zeros of either sign, NaN, ±inf and saturating values never count;
 *    fp32 quantises nothing and counts nothing;
 *  - stochastic rounding: x = step/4 rounds to zero with probability 3/4
 *    (a binomial count within 5 σ), a value on the grid never underflows;
 *  - against an element-by-element reference written here (original
 *    nonzero, result zero) on random arrays of every kind of format and
 *    both roundings, and the values and draws bit for bit those of
 *    f3_quantize with the same seed;
 *  - the trainer's counts (f3_trainer): the values quantised at
 *    initialisation are the parameter counts; after one BP step with
 *    batch·C > 256 every output δz = (y − t)/(batch·C) is below half a q1.7
 *    step, so the output layer's error underflows batch·C times out of
 *    batch·C; the sites add up to the classes; fp32 counts nothing. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <gsl/gsl_rng.h>

#include "f3/numerics.h"
#include "f3/train.h"

static f3_format fmt_of(const char *name, f3_rounding r)
{
    f3_format f;
    assert_int_equal(f3_parse_format(name, &f), F3_OK);
    f.rounding = r;
    return f;
}

/* f3_quantize_counted on a copy of x: the underflows (and the saturations in *sat). */
static uint64_t underflows_of(const char *name, f3_rounding r, const float *x, size_t n, uint64_t *sat)
{
    f3_format f = fmt_of(name, r);
    float *y = malloc(n * sizeof *y);
    assert_non_null(y);
    memcpy(y, x, n * sizeof *y);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 7);
    uint64_t u = 0, s = f3_quantize_counted(&f, y, n, r == F3_ROUND_STOCHASTIC ? rng : NULL, &u);
    if (sat) *sat = s;
    gsl_rng_free(rng);
    free(y);
    return u;
}

/* Grid x_k = k·2^−e, k = −K … K, in q<i>.<f> round-to-nearest: the values
 * with 0 < |k|·2^−e ≤ 2^−(f+1) underflow: 2·2^(e−f−1) of them. */
static void test_grid_closed_form(void **state)
{
    (void)state;
    struct {
        const char *fmt;
        int f, e, K;
    } cases[] = {{"q4.4", 4, 10, 64}, {"q1.7", 7, 12, 200}, {"q2.14", 14, 20, 300}, {"q8.24", 24, 30, 1000}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const int K = cases[c].K;
        float *x = malloc((size_t)(2 * K + 1) * sizeof *x);
        assert_non_null(x);
        for (int k = -K; k <= K; k++) x[k + K] = ldexpf((float)k, -cases[c].e);
        const uint64_t expect = 2u << (cases[c].e - cases[c].f - 1); /* 2 · 2^(e−f−1) */
        uint64_t sat = 1, got = underflows_of(cases[c].fmt, F3_ROUND_NEAREST_EVEN, x, (size_t)(2 * K + 1), &sat);
        if (got != expect) print_error("%s: %llu underflows, expected %llu\n", cases[c].fmt, (unsigned long long)got, (unsigned long long)expect);
        assert_int_equal(got, expect);
        assert_int_equal(sat, 0);
        free(x);
    }
}

/* Arrays counted by hand. */
static void test_hand_counted(void **state)
{
    (void)state;
    /* q1.7: step 2^−7, half step 2^−8; range [−1, 1 − 2^−7] */
    const float q17[] = {0.0f, -0.0f, 0x1p-9f, -0x1p-9f, 0x1p-8f /* tie: even 0 */, -0x1p-8f, 0x3p-9f /* 1.5 half
        steps: one step */, 1e-30f, -1e-30f, 0x1p-149f /* smallest float */, 0.5f, 5.0f, -5.0f, NAN, INFINITY,
                         -INFINITY};
    uint64_t sat = 0;
    assert_int_equal(underflows_of("q1.7", F3_ROUND_NEAREST_EVEN, q17, sizeof q17 / sizeof q17[0], &sat), 7);
    assert_int_equal(sat, 4); /* 5, −5, ±inf */
    /* bf16: smallest subnormal 2^−133; 2^−134 is the tie (even: 0) */
    const float bf[] = {0x1p-134f, 0x1p-135f, 0x1p-149f, 0x3p-135f /* 0.75·2^−133: rounds up */, 0x1p-133f, 0.0f,
                        -0x1p-140f, 1.0f};
    assert_int_equal(underflows_of("bf16", F3_ROUND_NEAREST_EVEN, bf, sizeof bf / sizeof bf[0], NULL), 4);
    /* fp16: smallest subnormal 2^−24; 2^−25 is the tie */
    const float fp[] = {0x1p-25f, 0x1p-26f, 0x3p-26f /* rounds up to 2^−24 */, 1e-10f, -1e-10f, 0x1p-24f, 0.0f,
                        70000.0f};
    assert_int_equal(underflows_of("fp16", F3_ROUND_NEAREST_EVEN, fp, sizeof fp / sizeof fp[0], &sat), 4);
    assert_int_equal(sat, 1);
    /* fp32: nothing quantised, nothing counted, the count left as it was */
    f3_format f = fmt_of("fp32", F3_ROUND_NEAREST_EVEN);
    float y[] = {1e-40f, 0x1p-149f};
    uint64_t u = 3;
    assert_int_equal(f3_quantize_counted(&f, y, 2, NULL, &u), 0);
    assert_int_equal(u, 3);
    assert_true(y[0] == 1e-40f && y[1] == 0x1p-149f);
}

/* Stochastic rounding: x = step/4 becomes 0 with probability 3/4. */
static void test_stochastic_binomial(void **state)
{
    (void)state;
    const size_t n = 100000;
    float *x = malloc(n * sizeof *x);
    assert_non_null(x);
    const char *fmts[] = {"q1.7", "q4.12", "fp16", "bf16"};
    const float quarter[] = {0x1p-9f, 0x1p-14f, 0x1p-26f, 0x1p-135f}; /* a quarter of the smallest step */
    for (int c = 0; c < 4; c++) {
        for (size_t k = 0; k < n; k++) x[k] = k & 1 ? quarter[c] : -quarter[c];
        const double got = (double)underflows_of(fmts[c], F3_ROUND_STOCHASTIC, x, n, NULL);
        const double mean = 0.75 * (double)n, sd = sqrt((double)n * 0.75 * 0.25);
        if (fabs(got - mean) > 5 * sd) print_error("%s: %.0f underflows, expected %.0f ± %.0f\n", fmts[c], got, mean, 5 * sd);
        assert_true(fabs(got - mean) <= 5 * sd);
        for (size_t k = 0; k < n; k++) x[k] = 4.0f * quarter[c]; /* on the grid: never moves */
        assert_int_equal(underflows_of(fmts[c], F3_ROUND_STOCHASTIC, x, n, NULL), 0);
    }
    free(x);
}

/* Against an element-by-element count, and f3_quantize's values and draws. */
static void test_against_elementwise(void **state)
{
    (void)state;
    const char *fmts[] = {"q1.7", "q4.4", "q2.14", "q8.24", "q1.31", "bf16", "fp16"};
    const size_t n = 4099;
    float *x = malloc(n * sizeof *x), *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
    assert_true(x && a && b);
    gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(g, 11);
    for (size_t k = 0; k < n; k++) /* magnitudes 2^−150 … 2^8 (half of them above 2^−40), some exact zeros */
        x[k] = k % 17 == 0 ? 0.0f
                           : (float)((gsl_rng_uniform(g) - 0.5) *
                                     ldexp(1.0, k & 1 ? (int)gsl_rng_uniform_int(g, 48) - 40
                                                      : (int)gsl_rng_uniform_int(g, 158) - 150));
    for (size_t c = 0; c < sizeof fmts / sizeof fmts[0]; c++)
        for (int r = 0; r <= 1; r++) {
            f3_format f = fmt_of(fmts[c], r ? F3_ROUND_STOCHASTIC : F3_ROUND_NEAREST_EVEN);
            gsl_rng *ra = gsl_rng_alloc(gsl_rng_mt19937), *rb = gsl_rng_alloc(gsl_rng_mt19937);
            gsl_rng_set(ra, 5);
            gsl_rng_set(rb, 5);
            memcpy(a, x, n * sizeof *a);
            memcpy(b, x, n * sizeof *b);
            uint64_t u = 0, sa = f3_quantize_counted(&f, a, n, r ? ra : NULL, &u), sb = f3_quantize(&f, b, n, r ? rb : NULL);
            assert_int_equal(sa, sb);
            assert_memory_equal(a, b, n * sizeof *a);
            assert_int_equal(gsl_rng_get(ra), gsl_rng_get(rb)); /* the same draws */
            uint64_t ref = 0;
            for (size_t k = 0; k < n; k++) ref += x[k] != 0.0f && a[k] == 0.0f;
            if (u != ref) print_error("%s %s: %llu underflows, element by element %llu\n", fmts[c], r ? "sr" : "rne", (unsigned long long)u, (unsigned long long)ref);
            assert_int_equal(u, ref);
            assert_true(ref > 0); /* the array reaches below every format's step */
            gsl_rng_free(ra);
            gsl_rng_free(rb);
        }
    gsl_rng_free(g);
    free(x);
    free(a);
    free(b);
}

/* The trainer's counts on a small network (BP, every datapath class fixed). */
static void test_trainer_counts(void **state)
{
    (void)state;
    const size_t d = 6, H = 8, C = 30, b = 20; /* b·C = 600 > 256 */
    f3_config c = f3_config_default();
    c.algorithm = F3_ALG_BP;
    c.n_layers = 2;
    c.widths[0] = d, c.widths[1] = H, c.widths[2] = C;
    c.batch_size = b;
    c.seed = 3;
    c.numerics.fmt[F3_T_WEIGHTS] = fmt_of("q2.14", F3_ROUND_STOCHASTIC);
    c.numerics.fmt[F3_T_ACTIVATIONS] = fmt_of("q4.12", F3_ROUND_NEAREST_EVEN);
    c.numerics.fmt[F3_T_ERROR] = fmt_of("q1.7", F3_ROUND_NEAREST_EVEN);
    c.numerics.fmt[F3_T_GRADIENTS] = fmt_of("q8.24", F3_ROUND_NEAREST_EVEN);
    f3_trainer *tr = NULL;
    assert_int_equal(f3_trainer_alloc(&c, F3_TASK_CLASSIFICATION, 0, &tr), F3_OK);
    assert_true(tr->fixed_mode);
    assert_non_null(tr->site_counts);
    const size_t sites = c.n_layers + 2;
    /* initialisation: W and b of both layers, nothing else */
    assert_int_equal(tr->quantized_values[F3_T_WEIGHTS], d * H + H + H * C + C);
    assert_int_equal(tr->site_counts[3 * ((size_t)F3_T_WEIGHTS * sites + 0)], d * H + H);
    assert_int_equal(tr->site_counts[3 * ((size_t)F3_T_WEIGHTS * sites + 1)], H * C + C);
    for (int t = 0; t < F3_T_COUNT; t++)
        if (t != F3_T_WEIGHTS) assert_int_equal(tr->quantized_values[t], 0);
    float *x = malloc(b * d * sizeof *x), *tg = calloc(b * C, sizeof *tg);
    int32_t *lab = malloc(b * sizeof *lab);
    size_t *idx = malloc(b * sizeof *idx);
    assert_true(x && tg && lab && idx);
    for (size_t k = 0; k < b * d; k++) x[k] = (float)((int)(k * 37 % 23) - 11) / 8.0f;
    for (size_t k = 0; k < b; k++) lab[k] = (int32_t)(k % C), tg[k * C + k % C] = 1.0f, idx[k] = k;
    assert_int_equal(f3_train_step(tr, x, tg, lab, idx, b, NULL), F3_OK);
    /* the output layer's error (site K−1 = 1): b·C values, every one underflowed */
    const uint64_t *out_err = tr->site_counts + 3 * ((size_t)F3_T_ERROR * sites + 1);
    assert_int_equal(out_err[0], b * C);
    assert_int_equal(out_err[2], b * C);
    assert_int_equal(out_err[1], 0);
    /* the sites add up to the classes */
    for (int t = 0; t < F3_T_COUNT; t++) {
        uint64_t v = 0, sat = 0, u = 0;
        for (size_t s = 0; s < sites; s++) {
            const uint64_t *cnt = tr->site_counts + 3 * ((size_t)t * sites + s);
            v += cnt[0], sat += cnt[1], u += cnt[2];
        }
        assert_int_equal(v, tr->quantized_values[t]);
        assert_int_equal(sat, tr->saturations[t]);
        assert_int_equal(u, tr->underflows[t]);
    }
    /* the inputs on the input link: b·d values at site K */
    assert_int_equal(tr->site_counts[3 * ((size_t)F3_T_ACTIVATIONS * sites + c.n_layers)], b * d);
    f3_trainer_free(tr);
    /* fp32: nothing quantised, nothing counted */
    for (int t = 0; t < F3_T_COUNT; t++) c.numerics.fmt[t] = fmt_of("fp32", F3_ROUND_NEAREST_EVEN);
    assert_int_equal(f3_trainer_alloc(&c, F3_TASK_CLASSIFICATION, 0, &tr), F3_OK);
    assert_int_equal(f3_train_step(tr, x, tg, lab, idx, b, NULL), F3_OK);
    assert_null(tr->site_counts);
    for (int t = 0; t < F3_T_COUNT; t++)
        assert_true(!tr->quantized_values[t] && !tr->saturations[t] && !tr->underflows[t]);
    f3_trainer_free(tr);
    free(x), free(tg), free(lab), free(idx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grid_closed_form),
        cmocka_unit_test(test_hand_counted),
        cmocka_unit_test(test_stochastic_binomial),
        cmocka_unit_test(test_against_elementwise),
        cmocka_unit_test(test_trainer_counts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
