/* test_numerics.c — the number formats of f3/numerics.h and their
 * quantisers.
 *
 *  - parsing and naming of formats and roundings, widths, largest values;
 *  - round-half-even ties (fixed point, bf16, fp16) and saturation at both
 *    ends (counted; NaN neither changed nor counted);
 *  - bf16, fp16 and fixed-point round-to-nearest-even of every float
 *    exponent against independent bit-level / integer references written
 *    here (not derived from numerics.c);
 *  - the fast quantiser against the reference twin on random arrays of
 *    every format and both roundings: identical bits, identical saturation
 *    counts, identical RNG draws;
 *  - stochastic rounding: unbiased, only the two neighbouring grid values,
 *    grid values unchanged, deterministic per seed;
 *  - signed zeros, signalling NaNs, and stochastic rounding with a uniform
 *    draw just below 1 (a programmed gsl_rng).
 *
 * Failures print every offending input bit pattern (the first few per
 * format) with the expected and the obtained bits. */
#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "f3/numerics.h"

/* ---- helpers ---------------------------------------------------------------- */

static uint32_t bits_of(float x)
{
    uint32_t b;
    memcpy(&b, &x, 4);
    return b;
}
static float float_of(uint32_t b)
{
    float x;
    memcpy(&x, &b, 4);
    return x;
}

static f3_format fmt_of(const char *name, f3_rounding r)
{
    f3_format f;
    f3_status st = f3_parse_format(name, &f);
    if (st != F3_OK) print_error("%s: %s\n", name, f3_last_error());
    assert_int_equal(st, F3_OK);
    f.rounding = r;
    return f;
}

static const char *fname(const f3_format *f)
{
    static char buf[4][32];
    static int slot;
    slot = (slot + 1) & 3;
    f3_format_name(f, buf[slot], sizeof buf[slot]);
    return buf[slot];
}

static gsl_rng *rng_new(unsigned long seed)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    assert_non_null(r);
    gsl_rng_set(r, seed);
    return r;
}

static int rng_same_state(const gsl_rng *a, const gsl_rng *b)
{
    return gsl_rng_size(a) == gsl_rng_size(b) && !memcmp(gsl_rng_state(a), gsl_rng_state(b), gsl_rng_size(a));
}

/* Round-to-nearest-even quantisation of one value by both quantisers (no
 * RNG: nearest-even must not need one); they must agree in bits and in the
 * saturation count. */
static float q_rne(const f3_format *f, float x, uint64_t *sat)
{
    float a = x, b = x;
    uint64_t sa = f3_quantize(f, &a, 1, NULL), sb = f3_quantize_ref(f, &b, 1, NULL);
    if (bits_of(a) != bits_of(b) || sa != sb)
        print_error("%s RNE of 0x%08x (%.9g): fast 0x%08x sat %llu, ref 0x%08x sat %llu\n", fname(f), bits_of(x),
                    (double)x, bits_of(a), (unsigned long long)sa, bits_of(b), (unsigned long long)sb);
    assert_int_equal(bits_of(a), bits_of(b));
    assert_int_equal(sa, sb);
    *sat = sa;
    return a;
}

/* Expect q_rne(f, x) to be exactly `want` (bits, so the sign of a zero
 * counts) with `want_sat` saturations. */
static void expect_rne(const f3_format *f, float x, float want, uint64_t want_sat)
{
    uint64_t sat = 0;
    float got = q_rne(f, x, &sat);
    if (bits_of(got) != bits_of(want) || sat != want_sat)
        print_error("%s RNE of 0x%08x (%.9g): expected 0x%08x (%.9g) sat %llu, got 0x%08x (%.9g) sat %llu\n",
                    fname(f), bits_of(x), (double)x, bits_of(want), (double)want, (unsigned long long)want_sat,
                    bits_of(got), (double)got, (unsigned long long)sat);
    assert_int_equal(bits_of(got), bits_of(want));
    assert_int_equal(sat, want_sat);
}

/* ---- 1. parsing, names, widths, largest values ------------------------------ */

static void test_parse_format(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        f3_format_kind kind;
        int i, f, bits;
    } ok[] = {
        {"fp32", F3_FMT_FP32, 0, 0, 32},    {"bf16", F3_FMT_BF16, 0, 0, 16},   {"fp16", F3_FMT_FP16, 0, 0, 16},
        {"q1.7", F3_FMT_FIXED, 1, 7, 8},    {"q4.12", F3_FMT_FIXED, 4, 12, 16}, {"q1.3", F3_FMT_FIXED, 1, 3, 4},
        {"q16.16", F3_FMT_FIXED, 16, 16, 32}, {"q1.23", F3_FMT_FIXED, 1, 23, 24}, {"q1.31", F3_FMT_FIXED, 1, 31, 32},
        {"q4.0", F3_FMT_FIXED, 4, 0, 4},    {"q32.0", F3_FMT_FIXED, 32, 0, 32}, {"q8.8", F3_FMT_FIXED, 8, 8, 16},
    };
    for (size_t k = 0; k < sizeof ok / sizeof ok[0]; k++) {
        f3_format f;
        f3_status st = f3_parse_format(ok[k].s, &f);
        if (st != F3_OK) print_error("'%s' rejected: %s\n", ok[k].s, f3_last_error());
        assert_int_equal(st, F3_OK);
        assert_int_equal(f.kind, ok[k].kind);
        if (ok[k].kind == F3_FMT_FIXED) {
            assert_int_equal(f.int_bits, ok[k].i);
            assert_int_equal(f.frac_bits, ok[k].f);
        }
        assert_int_equal(f.rounding, F3_ROUND_NEAREST_EVEN);
        assert_int_equal(f3_format_bits(&f), ok[k].bits);
        assert_int_equal(f3_format_is_fp32(&f), ok[k].kind == F3_FMT_FP32);
        char name[16];
        f3_format_name(&f, name, sizeof name);
        assert_string_equal(name, ok[k].s);
        /* and the name parses back to the same format */
        f3_format g;
        assert_int_equal(f3_parse_format(name, &g), F3_OK);
        assert_int_equal(g.kind, f.kind);
        assert_int_equal(g.int_bits, f.int_bits);
        assert_int_equal(g.frac_bits, f.frac_bits);
    }

    static const char *const bad[] = {"q0.0", "q0.8",  "q1.2",  "q20.13", "q4",   "q4.",   "q.4",  "q4.12x",
                                      "int8", "",      "q",     "q-1.8",  "q1.-3", "q33.0", "q2.1", "Q4.12",
                                      "fp8",  "bf16 ", "fp32x", "q4.12.1", "q4..12", "q1.31.", "q0.32"};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        f3_format f;
        f3_clear_error();
        f3_status st = f3_parse_format(bad[k], &f);
        if (st != F3_EINVAL) print_error("'%s' gave status %d, expected F3_EINVAL\n", bad[k], (int)st);
        assert_int_equal(st, F3_EINVAL);
        assert_true(strlen(f3_last_error()) > 0);
    }
}

static void test_parse_rounding(void **state)
{
    (void)state;
    f3_rounding r = F3_ROUND_STOCHASTIC;
    assert_int_equal(f3_parse_rounding("nearest_even", &r), F3_OK);
    assert_int_equal(r, F3_ROUND_NEAREST_EVEN);
    assert_int_equal(f3_parse_rounding("stochastic", &r), F3_OK);
    assert_int_equal(r, F3_ROUND_STOCHASTIC);
    assert_string_equal(f3_rounding_name(F3_ROUND_NEAREST_EVEN), "nearest_even");
    assert_string_equal(f3_rounding_name(F3_ROUND_STOCHASTIC), "stochastic");
    static const char *const bad[] = {"", "nearest", "rne", "Stochastic", "stochastic ", "sr", "nearest_even2"};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        f3_clear_error();
        assert_int_equal(f3_parse_rounding(bad[k], &r), F3_EINVAL);
        assert_true(strlen(f3_last_error()) > 0);
    }
}

static void test_format_max_and_fp32(void **state)
{
    (void)state;
    f3_format f = fmt_of("bf16", F3_ROUND_NEAREST_EVEN);
    assert_true(f3_format_max(&f) == ldexp(2.0 - ldexp(1.0, -7), 127));
    assert_true((float)f3_format_max(&f) == float_of(0x7F7F0000u)); /* a bf16 value, exact in float */
    f = fmt_of("fp16", F3_ROUND_NEAREST_EVEN);
    assert_true(f3_format_max(&f) == 65504.0);
    f = fmt_of("fp32", F3_ROUND_NEAREST_EVEN);
    assert_true(f3_format_max(&f) == (double)FLT_MAX);
    static const struct {
        const char *s;
        double max;
    } fx[] = {{"q4.12", 8.0 - 0x1p-12}, {"q1.3", 0.875},           {"q4.4", 7.9375},
              {"q1.7", 1.0 - 0x1p-7},   {"q16.16", 32768.0 - 0x1p-16}, {"q1.31", 1.0 - 0x1p-31},
              {"q32.0", 2147483647.0},  {"q8.8", 128.0 - 0x1p-8}};
    for (size_t k = 0; k < sizeof fx / sizeof fx[0]; k++) {
        f = fmt_of(fx[k].s, F3_ROUND_NEAREST_EVEN);
        if (f3_format_max(&f) != fx[k].max)
            print_error("%s: max %.17g, expected %.17g\n", fx[k].s, f3_format_max(&f), fx[k].max);
        assert_true(f3_format_max(&f) == fx[k].max);
    }

    /* fp32 leaves values alone (NaN payloads included), counts nothing and
     * draws nothing, whatever the rounding */
    f3_numerics n;
    memset(&n, 0, sizeof n);
    assert_true(f3_numerics_is_fp32(&n));
    n.fmt[F3_T_ERROR_STORE] = fmt_of("q4.12", F3_ROUND_NEAREST_EVEN);
    assert_false(f3_numerics_is_fp32(&n));
    float x[6] = {1e-45f, 0.1f, -3e38f, INFINITY, float_of(0x7F800001u), float_of(0xFFC01234u)};
    float y[6];
    memcpy(y, x, sizeof x);
    gsl_rng *r = rng_new(7), *r0 = rng_new(7);
    for (int sr = 0; sr < 2; sr++) {
        f = fmt_of("fp32", sr ? F3_ROUND_STOCHASTIC : F3_ROUND_NEAREST_EVEN);
        assert_int_equal(f3_quantize(&f, y, 6, r), 0);
        assert_int_equal(f3_quantize_ref(&f, y, 6, r), 0);
        assert_memory_equal(x, y, sizeof x);
        assert_true(rng_same_state(r, r0));
    }
    /* nearest-even needs no RNG and draws nothing; n = 0 draws nothing */
    f = fmt_of("q4.4", F3_ROUND_NEAREST_EVEN);
    assert_int_equal(f3_quantize(&f, y, 6, r), 2); /* −3e38 and inf */
    memcpy(y, x, sizeof x);
    assert_int_equal(f3_quantize_ref(&f, y, 6, r), 2);
    assert_true(rng_same_state(r, r0));
    f = fmt_of("q4.4", F3_ROUND_STOCHASTIC);
    assert_int_equal(f3_quantize(&f, y, 0, r), 0);
    assert_int_equal(f3_quantize_ref(&f, y, 0, r), 0);
    assert_true(rng_same_state(r, r0));
    gsl_rng_free(r);
    gsl_rng_free(r0);
}

/* ---- 2. ties to even --------------------------------------------------------- */

static void test_ties_to_even(void **state)
{
    (void)state;
    f3_format f = fmt_of("q4.4", F3_ROUND_NEAREST_EVEN); /* step 1/16 */
    expect_rne(&f, 0.03125f, 0.0f, 0);                   /* ½ step → 0 */
    expect_rne(&f, 0.09375f, 0.125f, 0);                 /* 1½ → 2 */
    expect_rne(&f, 0.15625f, 0.125f, 0);                 /* 2½ → 2 */
    expect_rne(&f, -0.03125f, 0.0f, 0);                  /* −½ → 0 (+0: a fixed-point word has one zero) */
    expect_rne(&f, -0.09375f, -0.125f, 0);
    expect_rne(&f, -0.15625f, -0.125f, 0);
    expect_rne(&f, 1.03125f, 1.0f, 0);
    expect_rne(&f, 1.09375f, 1.125f, 0);
    expect_rne(&f, 7.90625f, 7.875f, 0);               /* 126½ → 126 */
    expect_rne(&f, 7.96875f, 7.9375f, 1);              /* 127½ → 128: saturates to 127 */
    expect_rne(&f, -7.96875f, -8.0f, 0);               /* −127½ → −128 (representable) */
    expect_rne(&f, -8.03125f, -8.0f, 0);               /* −128½ → −128 */
    expect_rne(&f, -8.09375f, -8.0f, 1);               /* −129½ → −130: saturates */
    expect_rne(&f, nextafterf(0.03125f, 1.0f), 0.0625f, 0); /* just above ½ */
    expect_rne(&f, nextafterf(0.09375f, 0.0f), 0.0625f, 0); /* just below 1½ */
    f = fmt_of("q1.3", F3_ROUND_NEAREST_EVEN);         /* step 1/8, [−1, 0.875] */
    expect_rne(&f, 0.0625f, 0.0f, 0);
    expect_rne(&f, 0.1875f, 0.25f, 0);
    expect_rne(&f, 0.8125f, 0.75f, 0);
    expect_rne(&f, 0.9375f, 0.875f, 1);
    expect_rne(&f, -0.9375f, -1.0f, 0);
    f = fmt_of("q4.0", F3_ROUND_NEAREST_EVEN);
    expect_rne(&f, 2.5f, 2.0f, 0);
    expect_rne(&f, 3.5f, 4.0f, 0);
    expect_rne(&f, -0.5f, 0.0f, 0);
    f = fmt_of("q1.23", F3_ROUND_NEAREST_EVEN);        /* step 2^−23 */
    expect_rne(&f, 0x1p-24f, 0.0f, 0);
    expect_rne(&f, 0x3p-24f, 0x1p-22f, 0);
    expect_rne(&f, 0.5f + 0x1p-24f, 0.5f, 0);
    expect_rne(&f, 0.5f + 0x3p-24f, 0.5f + 0x1p-22f, 0);

    /* bf16: midpoints from bits (low 16 bits 0x8000) */
    f = fmt_of("bf16", F3_ROUND_NEAREST_EVEN);
    static const uint32_t bf_ties[][2] = {
        {0x3F808000u, 0x3F800000u}, /* 1 + 2^−8: between 1 and 1 + 2^−7 → 1 (even) */
        {0x3F818000u, 0x3F820000u}, /* odd low → up */
        {0xBF808000u, 0xBF800000u}, {0xBF818000u, 0xBF820000u},
        {0x3FFF8000u, 0x40000000u}, /* 1.99609375: odd → carries into the exponent: 2 */
        {0x00008000u, 0x00000000u}, /* float subnormals */
        {0x00018000u, 0x00020000u}, {0x80008000u, 0x80000000u},
        {0x007F8000u, 0x00800000u}, /* largest subnormal tie → smallest normal */
        {0x7F7E8000u, 0x7F7E0000u}, /* below the top, even → stays */
        {0x3F807FFFu, 0x3F800000u}, {0x3F808001u, 0x3F810000u}, /* just off the midpoint */
    };
    for (size_t k = 0; k < sizeof bf_ties / sizeof bf_ties[0]; k++)
        expect_rne(&f, float_of(bf_ties[k][0]), float_of(bf_ties[k][1]), 0);

    /* fp16: 10 fraction bits; normals, subnormals (2^−24) and the transition */
    f = fmt_of("fp16", F3_ROUND_NEAREST_EVEN);
    static const float h_ties[][2] = {
        {1.0f + 0x1p-11f, 1.0f},
        {1.0f + 0x3p-11f, 1.0f + 0x1p-9f},
        {-1.0f - 0x1p-11f, -1.0f},
        {-1.0f - 0x3p-11f, -1.0f - 0x1p-9f},
        {2049.0f, 2048.0f},
        {2051.0f, 2052.0f},
        {0x1p-25f, 0.0f},                  /* ½ of the smallest subnormal → 0 */
        {-0x1p-25f, -0.0f},
        {0x3p-25f, 0x1p-23f},              /* 1½ units → 2 */
        {0x5p-25f, 0x1p-23f},              /* 2½ → 2 */
        {0x1p-14f - 0x1p-25f, 0x1p-14f},   /* 1023½ units → 1024 = smallest normal */
        {0x1p-14f + 0x1p-25f, 0x1p-14f},   /* smallest normal + ½ ulp → even */
        {0x1p-14f + 0x3p-25f, 0x1p-14f + 0x1p-23f},
        {0x1p-14f - 0x3p-25f, 0x1p-14f - 0x1p-23f}, /* 1022½ units → 1022 */
        {65504.0f - 16.0f, 65472.0f},      /* 65488: 2046½ × 32 → 2046 */
        {0x1.000002p-25f, 0x1p-24f},          /* just above ½ unit */
        {0x1p-26f, 0.0f},
    };
    for (size_t k = 0; k < sizeof h_ties / sizeof h_ties[0]; k++) expect_rne(&f, h_ties[k][0], h_ties[k][1], 0);
}

/* ---- 3. saturation ------------------------------------------------------------ */

static void test_saturation(void **state)
{
    (void)state;
    const float nan = float_of(0x7FC00000u);
    for (int sr = 0; sr < 2; sr++) {
        const f3_rounding rd = sr ? F3_ROUND_STOCHASTIC : F3_ROUND_NEAREST_EVEN;
        const f3_format f = fmt_of("q4.4", rd);
        /* saturating inputs are the same under both roundings */
        float x[] = {8.0f, 1e9f, -9.0f, -8.0f, INFINITY, -INFINITY, nan, 7.9375f, -1e30f, FLT_MAX, -FLT_MAX};
        const float want[] = {7.9375f, 7.9375f, -8.0f, -8.0f, 7.9375f, -8.0f, nan, 7.9375f, -8.0f, 7.9375f, -8.0f};
        const int want_sat[] = {1, 1, 1, 0, 1, 1, 0, 0, 1, 1, 1};
        const size_t n = sizeof x / sizeof x[0];
        uint64_t total = 0;
        for (size_t k = 0; k < n; k++) total += (uint64_t)want_sat[k];
        for (int ref = 0; ref < 2; ref++) {
            float y[sizeof x / sizeof x[0]];
            memcpy(y, x, sizeof x);
            gsl_rng *r = rng_new(11);
            uint64_t s = ref ? f3_quantize_ref(&f, y, n, r) : f3_quantize(&f, y, n, r);
            assert_int_equal(s, total);
            for (size_t k = 0; k < n; k++) {
                if (bits_of(y[k]) != bits_of(want[k]))
                    print_error("q4.4 %s %s of %g: got %g, expected %g\n", f3_rounding_name(rd), ref ? "ref" : "fast",
                                (double)x[k], (double)y[k], (double)want[k]);
                assert_int_equal(bits_of(y[k]), bits_of(want[k]));
                /* one at a time: the count is per value */
                float z = x[k];
                assert_int_equal(ref ? f3_quantize_ref(&f, &z, 1, r) : f3_quantize(&f, &z, 1, r),
                                 (uint64_t)want_sat[k]);
            }
            gsl_rng_free(r);
        }
    }

    /* bf16: float max rounds up past the largest bf16 → saturates */
    f3_format f = fmt_of("bf16", F3_ROUND_NEAREST_EVEN);
    const float bmax = float_of(0x7F7F0000u);
    expect_rne(&f, FLT_MAX, bmax, 1);
    expect_rne(&f, -FLT_MAX, -bmax, 1);
    expect_rne(&f, bmax, bmax, 0);
    expect_rne(&f, float_of(0x7F7F7FFFu), bmax, 0); /* below the midpoint: rounds down, no saturation */
    expect_rne(&f, float_of(0x7F7F8000u), bmax, 1); /* midpoint, odd → up → 2^128: saturates */
    expect_rne(&f, INFINITY, bmax, 1);
    expect_rne(&f, -INFINITY, -bmax, 1);
    expect_rne(&f, nan, nan, 0);
    /* fp16 */
    f = fmt_of("fp16", F3_ROUND_NEAREST_EVEN);
    expect_rne(&f, 65520.0f, 65504.0f, 1);
    expect_rne(&f, -65520.0f, -65504.0f, 1);
    expect_rne(&f, 65519.0f, 65504.0f, 0);
    expect_rne(&f, -65519.0f, -65504.0f, 0);
    expect_rne(&f, 65504.0f, 65504.0f, 0);
    expect_rne(&f, 65536.0f, 65504.0f, 1);
    expect_rne(&f, 1e20f, 65504.0f, 1);
    expect_rne(&f, FLT_MAX, 65504.0f, 1);
    expect_rne(&f, INFINITY, 65504.0f, 1);
    expect_rne(&f, -INFINITY, -65504.0f, 1);
    expect_rne(&f, float_of(0xFFC00000u), float_of(0xFFC00000u), 0);
    /* wide fixed point holds its largest value as the nearest float */
    f = fmt_of("q16.16", F3_ROUND_NEAREST_EVEN);
    expect_rne(&f, 1e9f, (float)(32768.0 - 0x1p-16), 1);
    expect_rne(&f, -1e9f, -32768.0f, 1);
    expect_rne(&f, -32768.0f, -32768.0f, 0);
    expect_rne(&f, INFINITY, (float)(32768.0 - 0x1p-16), 1);
    f = fmt_of("q32.0", F3_ROUND_NEAREST_EVEN);
    expect_rne(&f, -2147483648.0f, -2147483648.0f, 0);
    expect_rne(&f, 2147483648.0f, 2147483648.0f, 1); /* 2^31 − 1 as float is 2^31 */
}

/* ---- 4. every exponent against independent references ------------------------ */

/* Float bit patterns: both signs × every biased exponent 0…255 × a set of
 * mantissas (every 4099th, the edges, and the midpoints and their
 * neighbours at every shift 1…23, which are the ties of fp16 subnormals). */
static uint32_t *sweep_patterns(size_t *n_out)
{
    uint32_t mant[4096];
    size_t nm = 0;
    for (uint32_t m = 0; m < 0x800000u; m += 4099u) mant[nm++] = m;
    static const uint32_t edges[] = {0, 1, 0x7FFFFFu, 0x400000u, 0x1FFFu, 0x2000u, 0x1000u, 0xFFFu,
                                     0x1001u, 0x3000u, 0x7FFFu, 0x8000u, 0x8001u, 0x18000u, 0xFFFFu, 0x10000u,
                                     0x7FE000u, 0x7FF000u, 0x7FEFFFu, 0x7FF001u, 0x7F8000u, 0x7FFFFEu};
    for (size_t k = 0; k < sizeof edges / sizeof edges[0]; k++) mant[nm++] = edges[k];
    for (int s = 1; s <= 23; s++) {
        const uint32_t h = 1u << (s - 1), msk = 0x7FFFFFu;
        mant[nm++] = h & msk;
        mant[nm++] = (3u * h) & msk;
        mant[nm++] = (h - 1u) & msk;
        mant[nm++] = (h + 1u) & msk;
        mant[nm++] = (3u * h + 1u) & msk;
        mant[nm++] = (3u * h - 1u) & msk;
        mant[nm++] = (msk - h) & msk;
    }
    uint32_t *p = malloc(2 * 256 * nm * sizeof *p);
    assert_non_null(p);
    size_t n = 0;
    for (uint32_t sign = 0; sign < 2; sign++)
        for (uint32_t e = 0; e < 256; e++)
            for (size_t k = 0; k < nm; k++) p[n++] = sign << 31 | e << 23 | mant[k];
    *n_out = n;
    return p;
}

/* Classic float → binary16 on the bits with round-to-nearest-even; ±inf and
 * overflow saturate to ±65504 (f3 semantics) and set *sat.  Not for NaN. */
static uint16_t ref_half_bits(uint32_t x, int *sat)
{
    const uint16_t sign = (uint16_t)((x >> 16) & 0x8000u);
    const uint32_t mag = x & 0x7FFFFFFFu;
    *sat = 0;
    if (mag >= 0x7F800000u) {
        *sat = 1;
        return sign | 0x7BFFu;
    }
    if (mag == 0) return sign;
    const int ef = (int)(mag >> 23);
    const uint64_t full = (mag & 0x7FFFFFu) | (ef ? 0x800000u : 0u); /* significand, lsb 2^lsb */
    const int lsb = (ef ? ef : 1) - 150;
    const int e = ef ? ef - 127 : -127;      /* exponent of the leading bit (≤ −127 for subnormals) */
    int t = e - 10 < -24 ? -24 : e - 10;     /* half's lsb exponent for this value */
    const int drop = t - lsb;                /* ≥ 13 */
    uint64_t q = 0;
    if (drop < 40) {
        const uint64_t half = 1ull << (drop - 1), rem = full & ((1ull << drop) - 1);
        q = full >> drop;
        if (rem > half || (rem == half && (q & 1u))) q++;
    }
    if (q == 2048) { /* rounded up into the next binade */
        q = 1024;
        t++;
    }
    if (q < 1024) return (uint16_t)(sign | q); /* subnormal (t = −24) or zero */
    const int biased = t + 10 + 15;
    if (biased >= 31) {
        *sat = 1;
        return sign | 0x7BFFu;
    }
    return (uint16_t)(sign | (uint32_t)biased << 10 | (uint32_t)(q - 1024));
}

static float half_to_float(uint16_t h)
{
    const int E = (h >> 10) & 31, m = h & 1023;
    const double v = E == 0 ? ldexp(m, -24) : ldexp(1024 + m, E - 25);
    return (float)((h & 0x8000u) ? -v : v);
}

/* bf16 on the bits: keep the high 16 bits, round the low 16 to nearest even. */
static uint32_t ref_bf16_bits(uint32_t x, int *sat)
{
    const uint32_t sign = x & 0x80000000u, mag = x & 0x7FFFFFFFu;
    *sat = 0;
    if (mag >= 0x7F800000u) {
        *sat = 1;
        return sign | 0x7F7F0000u;
    }
    uint32_t hi = mag >> 16;
    const uint32_t lo = mag & 0xFFFFu;
    if (lo > 0x8000u || (lo == 0x8000u && (hi & 1u))) hi++;
    if (hi >= 0x7F80u) {
        *sat = 1;
        hi = 0x7F7Fu;
    }
    return sign | hi << 16;
}

/* Fixed point q<i>.<f> from integers: x·2^f is exact in double; nearest-even
 * by floor and an explicit midpoint test; clamp to [−2^(i+f−1), 2^(i+f−1)−1];
 * the result is the float nearest to q·2^−f, a zero +0 (one zero). */
static uint32_t ref_fixed_bits(uint32_t x, int ib, int fb, int *sat)
{
    const float xf = float_of(x);
    const double hi = ldexp(1.0, ib + fb - 1) - 1.0, lo = -ldexp(1.0, ib + fb - 1);
    double q;
    *sat = 0;
    if ((x & 0x7FFFFFFFu) == 0x7F800000u) {
        q = xf > 0 ? hi + 1 : lo - 1;
    } else {
        const double s = ldexp((double)xf, fb), fl = floor(s), d = s - fl;
        q = fl;
        if (d > 0.5 || (d == 0.5 && fmod(fl, 2.0) != 0.0)) q = fl + 1.0;
    }
    if (q > hi || q < lo) {
        *sat = 1;
        q = q > hi ? hi : lo;
    }
    const float r = q == 0.0 ? 0.0f : (float)ldexp(q, -fb);
    return bits_of(r);
}

typedef enum { REF_BF16, REF_FP16, REF_FIXED } ref_kind;

static uint32_t ref_bits(ref_kind kind, const f3_format *f, uint32_t x, int *sat)
{
    if ((x & 0x7FFFFFFFu) > 0x7F800000u) { /* NaN: unchanged, not counted */
        *sat = 0;
        return x;
    }
    switch (kind) {
    case REF_BF16: return ref_bf16_bits(x, sat);
    case REF_FP16: return bits_of(half_to_float(ref_half_bits(x, sat)));
    case REF_FIXED: return ref_fixed_bits(x, f->int_bits, f->frac_bits, sat);
    }
    return 0;
}

/* Quantise the sweep (quiet NaNs only: signalling NaNs have their own test)
 * with both quantisers; compare every value with the independent reference.
 * Returns the number of mismatching values. */
static size_t sweep_against_reference(ref_kind kind, const char *name)
{
    size_t n = 0;
    uint32_t *p = sweep_patterns(&n);
    for (size_t k = 0; k < n; k++)
        if ((p[k] & 0x7FFFFFFFu) > 0x7F800000u) p[k] |= 0x00400000u; /* quiet */
    float *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
    uint32_t *want = malloc(n * sizeof *want);
    assert_non_null(a);
    assert_non_null(b);
    assert_non_null(want);
    const f3_format f = fmt_of(name, F3_ROUND_NEAREST_EVEN);
    uint64_t want_sat = 0;
    for (size_t k = 0; k < n; k++) {
        int s = 0;
        want[k] = ref_bits(kind, &f, p[k], &s);
        want_sat += (uint64_t)s;
        a[k] = b[k] = float_of(p[k]);
    }
    const uint64_t sa = f3_quantize(&f, a, n, NULL), sb = f3_quantize_ref(&f, b, n, NULL);
    size_t bad = 0;
    for (size_t k = 0; k < n; k++) {
        const int ba = bits_of(a[k]) != want[k], bb = bits_of(b[k]) != want[k];
        if (ba || bb) {
            if (bad < 8)
                print_message("%s RNE of 0x%08x (%.9g): expected 0x%08x (%.9g), fast 0x%08x, ref 0x%08x\n", name,
                              p[k], (double)float_of(p[k]), want[k], (double)float_of(want[k]), bits_of(a[k]),
                              bits_of(b[k]));
            bad++;
        }
    }
    if (sa != want_sat || sb != want_sat) {
        print_message("%s: saturations expected %llu, fast %llu, ref %llu\n", name, (unsigned long long)want_sat,
                      (unsigned long long)sa, (unsigned long long)sb);
        bad++;
    }
    free(a);
    free(b);
    free(want);
    free(p);
    return bad;
}

static void test_reference_sweep_bf16_fp16(void **state)
{
    (void)state;
    /* sanity of the half reference itself on known encodings */
    int s = 0;
    assert_int_equal(ref_half_bits(bits_of(1.0f), &s), 0x3C00);
    assert_int_equal(ref_half_bits(bits_of(65504.0f), &s), 0x7BFF);
    assert_int_equal(ref_half_bits(bits_of(0x1p-24f), &s), 0x0001);
    assert_int_equal(ref_half_bits(bits_of(0x1p-14f), &s), 0x0400);
    assert_int_equal(ref_half_bits(bits_of(-2.0f), &s), 0xC000);
    assert_int_equal(ref_half_bits(bits_of(0x1.ff8p-15f), &s), 0x03FF); /* 1023·2^−24 */
    assert_int_equal(ref_half_bits(bits_of(0x1.ffcp-15f), &s), 0x0400); /* 1023½ units: tie → even */
    assert_int_equal(ref_half_bits(bits_of(65520.0f), &s), 0x7BFF);
    assert_int_equal(s, 1);
    assert_true(half_to_float(0x3555) == 0x1.554p-2f);

    size_t bad = sweep_against_reference(REF_BF16, "bf16");
    bad += sweep_against_reference(REF_FP16, "fp16");
    assert_int_equal(bad, 0);
}

static void test_reference_sweep_fixed(void **state)
{
    (void)state;
    static const char *const names[] = {"q1.3", "q4.0", "q1.7", "q4.4", "q4.12", "q8.8",  "q12.12", "q2.22",
                                        "q1.23", "q24.0", "q16.16", "q1.31", "q8.24", "q20.12", "q32.0", "q3.27",
                                        "q1.24", "q9.16", "q10.16", "q25.0"};
    size_t bad = 0;
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) bad += sweep_against_reference(REF_FIXED, names[k]);
    assert_int_equal(bad, 0);
}

/* ---- 5. fast = reference on random arrays ------------------------------------- */

static const char *const all_formats[] = {"bf16",  "fp16",  "q1.3",  "q1.7",   "q4.4",  "q4.12", "q8.8",
                                          "q12.12", "q2.22", "q1.23", "q16.16", "q1.31", "q8.24", "q20.12",
                                          "q32.0", "q24.8", "q4.0",  "q1.24", "q9.16", "q10.16", "q2.30"};
#define N_FORMATS (sizeof all_formats / sizeof all_formats[0])

/* Random floats over many magnitudes, with zeros of both signs, float
 * subnormals, ±inf, quiet NaNs (random sign and payload), exact grid values
 * and midpoints of fixed point's grid (step 2^−frac_bits; frac_bits 0 for
 * the float formats), and arbitrary bit patterns. */
static void random_values(gsl_rng *g, float *x, size_t n, int frac_bits)
{
    for (size_t k = 0; k < n; k++) {
        const unsigned long c = gsl_rng_uniform_int(g, 100);
        const uint32_t sign = (uint32_t)gsl_rng_uniform_int(g, 2) << 31;
        uint32_t b;
        if (c < 2) { /* quiet NaN */
            b = sign | 0x7FC00000u | (uint32_t)gsl_rng_uniform_int(g, 0x400000u);
        } else if (c < 4) {
            b = sign | 0x7F800000u;
        } else if (c < 7) {
            b = sign;
        } else if (c < 14) { /* float subnormal */
            b = sign | (uint32_t)(1 + gsl_rng_uniform_int(g, 0x7FFFFFu));
        } else if (c < 24) { /* arbitrary pattern, NaNs made quiet */
            b = (uint32_t)gsl_rng_get(g);
            if ((b & 0x7FFFFFFFu) > 0x7F800000u) b |= 0x00400000u;
        } else if (c < 34) { /* k·2^−f and (k+½)·2^−f, small k */
            const double kk = (double)gsl_rng_uniform_int(g, 4096) - 2048.0 + (gsl_rng_uniform_int(g, 2) ? 0.5 : 0.0);
            b = bits_of((float)ldexp(kk, -frac_bits));
        } else if (c < 40) { /* near the format's ends */
            b = bits_of((float)(ldexp(1.0, (int)gsl_rng_uniform_int(g, 36) - 4) * (0.99 + 0.02 * gsl_rng_uniform(g))));
            b |= sign;
        } else { /* log-uniform magnitude over 2^−150 … 2^130 */
            const double m = ldexp(1.0 + gsl_rng_uniform(g), (int)gsl_rng_uniform_int(g, 281) - 150);
            b = sign | bits_of((float)m);
        }
        x[k] = float_of(b);
    }
}

static void test_fast_equals_reference(void **state)
{
    (void)state;
    static const size_t sizes[] = {1, 2, 3, 7, 8, 15, 16, 17, 31, 33, 64, 100003};
    const size_t nmax = 100003;
    float *x = malloc(nmax * sizeof *x), *a = malloc(nmax * sizeof *a), *b = malloc(nmax * sizeof *b);
    assert_non_null(x);
    assert_non_null(a);
    assert_non_null(b);
    gsl_rng *g = rng_new(20240611);
    size_t total_bad = 0;
    for (size_t fi = 0; fi < N_FORMATS; fi++) {
        for (int sr = 0; sr < 2; sr++) {
            const f3_format f = fmt_of(all_formats[fi], sr ? F3_ROUND_STOCHASTIC : F3_ROUND_NEAREST_EVEN);
            size_t bad = 0, bad_sat = 0, bad_rng = 0;
            for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++) {
                const size_t n = sizes[si];
                random_values(g, x, n, f.kind == F3_FMT_FIXED ? f.frac_bits : 0);
                memcpy(a, x, n * sizeof *x);
                memcpy(b, x, n * sizeof *x);
                const unsigned long seed = 1000 + 17 * fi + si;
                gsl_rng *ra = rng_new(seed), *rb = rng_new(seed), *r0 = rng_new(seed);
                const uint64_t sa = f3_quantize(&f, a, n, ra), sb = f3_quantize_ref(&f, b, n, rb);
                for (size_t k = 0; k < n; k++)
                    if (bits_of(a[k]) != bits_of(b[k])) {
                        if (bad < 4)
                            print_message("%s %s n=%zu seed %lu [%zu]: input 0x%08x (%.9g): fast 0x%08x (%.9g), "
                                          "ref 0x%08x (%.9g)\n",
                                          all_formats[fi], f3_rounding_name(f.rounding), n, seed, k, bits_of(x[k]),
                                          (double)x[k], bits_of(a[k]), (double)a[k], bits_of(b[k]), (double)b[k]);
                        bad++;
                    }
                if (sa != sb) {
                    print_message("%s %s n=%zu: saturations fast %llu, ref %llu\n", all_formats[fi],
                                  f3_rounding_name(f.rounding), n, (unsigned long long)sa, (unsigned long long)sb);
                    bad_sat++;
                }
                /* same draws, and stochastic rounding does draw */
                if (!rng_same_state(ra, rb) || rng_same_state(ra, r0) != !sr) bad_rng++;
                gsl_rng_free(ra);
                gsl_rng_free(rb);
                gsl_rng_free(r0);
            }
            if (bad || bad_sat || bad_rng)
                print_message("%s %s: %zu values differ, %zu saturation counts differ, %zu RNG states differ\n",
                              all_formats[fi], f3_rounding_name(f.rounding), bad, bad_sat, bad_rng);
            total_bad += bad + bad_sat + bad_rng;
        }
    }
    gsl_rng_free(g);
    free(x);
    free(a);
    free(b);
    assert_int_equal(total_bad, 0);
}

/* ---- 6. stochastic rounding is unbiased --------------------------------------- */

/* Quantise N copies of x (lo < x < lo + step) stochastically: one array
 * call, and N calls of size 1 on one RNG; by the fast and the reference
 * quantiser.  Every output is lo or lo + step; the fraction p̂ rounded up
 * is binomial(N, p) with p = (x − lo)/step, so the mean lo + p̂·step has
 * standard error step·√(p(1−p)/N); we require |mean − x| ≤ 5 standard
 * errors (a false alarm has probability ≈ 6·10^−7 per check). */
static void check_unbiased(const char *name, float x, double lo, double step)
{
    enum { N = 200000 };
    const f3_format f = fmt_of(name, F3_ROUND_STOCHASTIC);
    const double p = ((double)x - lo) / step, hi = lo + step;
    assert_true(p > 0.0 && p < 1.0);
    const double se = step * sqrt(p * (1.0 - p) / N), tol = 5.0 * se;
    float *a = malloc(N * sizeof *a);
    assert_non_null(a);
    for (int mode = 0; mode < 4; mode++) { /* bit 0: reference; bit 1: N calls of size 1 */
        const int ref = mode & 1, single = mode >> 1;
        gsl_rng *r = rng_new(12345 + (unsigned long)mode);
        for (size_t k = 0; k < N; k++) a[k] = x;
        uint64_t sat = 0;
        if (single)
            for (size_t k = 0; k < N; k++) sat += ref ? f3_quantize_ref(&f, a + k, 1, r) : f3_quantize(&f, a + k, 1, r);
        else
            sat = ref ? f3_quantize_ref(&f, a, N, r) : f3_quantize(&f, a, N, r);
        assert_int_equal(sat, 0);
        size_t up = 0, other = 0;
        for (size_t k = 0; k < N; k++) {
            if ((double)a[k] == hi)
                up++;
            else if ((double)a[k] != lo) {
                if (other++ < 3)
                    print_error("%s SR of %.9g: output %.9g is neither %.9g nor %.9g\n", name, (double)x,
                                (double)a[k], lo, hi);
            }
        }
        assert_int_equal(other, 0);
        const double mean = lo + step * (double)up / N;
        if (fabs(mean - (double)x) > tol)
            print_error("%s SR of %.9g (%s, %s): mean %.12g, |error| %.3g > 5 SE = %.3g (p = %.6f, p̂ = %.6f)\n", name,
                        (double)x, ref ? "ref" : "fast", single ? "size-1 calls" : "one array", mean,
                        fabs(mean - (double)x), tol, p, (double)up / N);
        assert_true(fabs(mean - (double)x) <= tol);
        gsl_rng_free(r);
    }
    free(a);
}

static void test_sr_unbiased(void **state)
{
    (void)state;
    /* 0.3 of a step above a grid point (as near as a float gets), both signs */
    const double q = 0x1p-4;
    check_unbiased("q4.4", (float)(1.0 + 0.3 * q), 1.0, q);
    check_unbiased("q4.4", (float)(-1.0 - 0.3 * q), -1.0 - q, q);
    check_unbiased("q4.4", (float)(0.3 * q), 0.0, q);
    check_unbiased("q4.4", (float)(-0.3 * q), -q, q);
    check_unbiased("q4.4", (float)(7.875 + 0.3 * q), 7.875, q); /* next to the top, no saturation */
    check_unbiased("q8.8", (float)(-100.0 + 0.7 * 0x1p-8), -100.0, 0x1p-8);
    check_unbiased("q16.16", (float)(3.0 + 0.3 * 0x1p-16), 3.0, 0x1p-16);
    const double b = 0x1p-7;
    check_unbiased("bf16", (float)(1.0 + 0.3 * b), 1.0, b);
    check_unbiased("bf16", (float)(-1.0 - 0.3 * b), -1.0 - b, b);
    check_unbiased("bf16", (float)(0x1p100 * (1.0 + 0.3 * b)), 0x1p100, 0x1p100 * b);
    check_unbiased("bf16", (float)(0x1p-130 + 0.3 * 0x1p-133), 0x1p-130, 0x1p-133); /* float subnormal */
    const double h = 0x1p-10;
    check_unbiased("fp16", (float)(1.0 + 0.3 * h), 1.0, h);
    check_unbiased("fp16", (float)(-1.0 - 0.3 * h), -1.0 - h, h);
    check_unbiased("fp16", (float)(1000.0 + 0.3 * 0.5), 1000.0, 0.5);
    check_unbiased("fp16", (float)(5.3 * 0x1p-24), 5.0 * 0x1p-24, 0x1p-24); /* subnormal */
    check_unbiased("fp16", (float)(-5.3 * 0x1p-24), -6.0 * 0x1p-24, 0x1p-24);
}

/* Every finite value of the format (all of them for 16-bit formats and
 * q4.4; k·2^−f on a stride for wider fixed point) is returned unchanged by
 * stochastic rounding, fast and reference, for several seeds. */
static void test_sr_grid_unchanged(void **state)
{
    (void)state;
    const size_t nmax = 65536;
    float *x = malloc(nmax * sizeof *x), *a = malloc(nmax * sizeof *a);
    assert_non_null(x);
    assert_non_null(a);
    size_t bad = 0;
    for (size_t fi = 0; fi < N_FORMATS; fi++) {
        const f3_format f = fmt_of(all_formats[fi], F3_ROUND_STOCHASTIC);
        size_t n = 0;
        if (f.kind == F3_FMT_BF16) {
            for (uint32_t hb = 0; hb < 65536; hb++)
                if ((hb & 0x7F80u) != 0x7F80u) x[n++] = float_of(hb << 16);
        } else if (f.kind == F3_FMT_FP16) {
            for (uint32_t hb = 0; hb < 65536; hb++)
                if ((hb & 0x7C00u) != 0x7C00u) x[n++] = half_to_float((uint16_t)hb);
        } else {
            const int w = f.int_bits + f.frac_bits;
            const int64_t lo = -((int64_t)1 << (w - 1)), hi = ((int64_t)1 << (w - 1)) - 1;
            const int64_t stride = w <= 16 ? 1 : ((int64_t)1 << (w - 16)) + 1;
            for (int64_t k = lo; k <= hi && n < nmax; k += stride) {
                const double v = ldexp((double)k, -f.frac_bits);
                if ((double)(float)v == v) x[n++] = (float)v; /* exactly a float: must come back exactly */
            }
            x[n - 1] = (float)ldexp((double)hi, -f.frac_bits);
            if ((double)x[n - 1] != ldexp((double)hi, -f.frac_bits)) n--;
        }
        for (int ref = 0; ref < 2; ref++)
            for (unsigned long seed = 1; seed <= 3; seed++) {
                memcpy(a, x, n * sizeof *x);
                gsl_rng *r = rng_new(seed);
                const uint64_t sat = ref ? f3_quantize_ref(&f, a, n, r) : f3_quantize(&f, a, n, r);
                gsl_rng_free(r);
                size_t here = 0;
                for (size_t k = 0; k < n; k++)
                    if (a[k] != x[k]) { /* value comparison: ±0 both count as 0 */
                        if (here++ < 3)
                            print_message("%s SR %s seed %lu: grid value 0x%08x (%.9g) became 0x%08x (%.9g)\n",
                                          all_formats[fi], ref ? "ref" : "fast", seed, bits_of(x[k]), (double)x[k],
                                          bits_of(a[k]), (double)a[k]);
                    }
                if (sat) print_message("%s SR %s: %llu saturations on grid values\n", all_formats[fi],
                                       ref ? "ref" : "fast", (unsigned long long)sat);
                bad += here + (sat != 0);
            }
    }
    free(x);
    free(a);
    assert_int_equal(bad, 0);
}

/* ---- 7. determinism ------------------------------------------------------------ */

static void test_sr_determinism(void **state)
{
    (void)state;
    enum { N = 10000 };
    float x[N], a[N], b[N], c[N];
    for (size_t fi = 0; fi < N_FORMATS; fi++) {
        const f3_format f = fmt_of(all_formats[fi], F3_ROUND_STOCHASTIC);
        /* midpoints between grid values (p = ½: both neighbours likely):
         * (j + ½)·step for fixed point (off the grid and exact in float for
         * every width), 1 + (j + ½)·step for bf16 and fp16 */
        const double step = f.kind == F3_FMT_BF16 ? 0x1p-7 : f.kind == F3_FMT_FP16 ? 0x1p-10 : ldexp(1.0, -f.frac_bits);
        const double base = f.kind == F3_FMT_FIXED ? 0.0 : 1.0;
        for (size_t k = 0; k < N; k++) x[k] = (float)(base + step * ((double)(k % 7) + 0.5));
        for (int ref = 0; ref < 2; ref++) {
            uint64_t (*q)(const f3_format *, float *, size_t, gsl_rng *) = ref ? f3_quantize_ref : f3_quantize;
            memcpy(a, x, sizeof x);
            memcpy(b, x, sizeof x);
            memcpy(c, x, sizeof x);
            gsl_rng *ra = rng_new(42), *rb = rng_new(42), *rc = rng_new(43);
            q(&f, a, N, ra);
            q(&f, b, N, rb);
            q(&f, c, N, rc);
            assert_memory_equal(a, b, sizeof a);
            size_t diff = 0;
            for (size_t k = 0; k < N; k++) diff += bits_of(a[k]) != bits_of(c[k]);
            if (diff < N / 4)
                print_error("%s %s: seeds 42 and 43 differ in only %zu of %d values\n", all_formats[fi],
                            ref ? "ref" : "fast", diff, N);
            assert_true(diff >= N / 4);
            /* a second call on the same stream draws afresh */
            memcpy(b, x, sizeof x);
            q(&f, b, N, ra);
            size_t again = 0;
            for (size_t k = 0; k < N; k++) again += bits_of(a[k]) != bits_of(b[k]);
            assert_true(again > 0);
            gsl_rng_free(ra);
            gsl_rng_free(rb);
            gsl_rng_free(rc);
        }
    }
}

/* ---- signed zeros and signalling NaNs ----------------------------------------- */

/* Zeros of both signs, and negative values too small to round to anything
 * but zero (−2^−60 for the fixed-point formats with fewer than 60 fraction
 * bits, the smallest negative float subnormal for bf16, −2^−40 for fp16):
 * nearest-even keeps −0 bit for bit and rounds the tiny negatives to −0
 * in bf16 and fp16, and gives +0 for all three in fixed point (a word has
 * one zero), fast and reference alike; stochastic rounding returns a zero (a tiny value
 * rounds away from zero with probability < 2^−20) and fast and reference
 * return the same zero. */
static void test_signed_zero(void **state)
{
    (void)state;
    size_t bad = 0;
    for (size_t fi = 0; fi < N_FORMATS; fi++)
        for (int sr = 0; sr < 2; sr++) {
            const f3_format f = fmt_of(all_formats[fi], sr ? F3_ROUND_STOCHASTIC : F3_ROUND_NEAREST_EVEN);
            const float tiny = f.kind == F3_FMT_BF16 ? float_of(0x80000001u) : f.kind == F3_FMT_FP16 ? -0x1p-40f : -0x1p-60f;
            const float in[3] = {0.0f, -0.0f, tiny};
            const uint32_t neg0 = f.kind == F3_FMT_FIXED ? 0u : 0x80000000u;
            const uint32_t rne_want[3] = {0u, neg0, neg0};
            float a[3], b[3];
            memcpy(a, in, sizeof in);
            memcpy(b, in, sizeof in);
            gsl_rng *ra = rng_new(5), *rb = rng_new(5);
            f3_quantize(&f, a, 3, ra);
            f3_quantize_ref(&f, b, 3, rb);
            gsl_rng_free(ra);
            gsl_rng_free(rb);
            for (int k = 0; k < 3; k++)
                if (a[k] != 0.0f || b[k] != 0.0f || bits_of(a[k]) != bits_of(b[k]) ||
                    (!sr && bits_of(a[k]) != rne_want[k])) {
                    print_message("%s %s of 0x%08x (%.9g): fast 0x%08x, ref 0x%08x\n", all_formats[fi],
                                  f3_rounding_name(f.rounding), bits_of(in[k]), (double)in[k], bits_of(a[k]),
                                  bits_of(b[k]));
                    bad++;
                }
        }
    assert_int_equal(bad, 0);
}

/* NaN stays NaN, not counted; fast and reference give the same bits — for
 * quiet NaNs (any sign and payload) and for signalling NaNs. */
static void test_nan_bits(void **state)
{
    (void)state;
    static const uint32_t nans[] = {0x7FC00000u, 0xFFC00000u, 0x7FC01234u, 0xFFFFFFFFu,
                                    0x7F800001u, 0xFF800001u, 0x7FA00000u, 0x7FBFFFFFu};
    const size_t n = sizeof nans / sizeof nans[0];
    size_t bad = 0;
    for (size_t fi = 0; fi < N_FORMATS; fi++)
        for (int sr = 0; sr < 2; sr++) {
            const f3_format f = fmt_of(all_formats[fi], sr ? F3_ROUND_STOCHASTIC : F3_ROUND_NEAREST_EVEN);
            float a[sizeof nans / sizeof nans[0]], b[sizeof nans / sizeof nans[0]];
            for (size_t k = 0; k < n; k++) a[k] = b[k] = float_of(nans[k]);
            gsl_rng *ra = rng_new(9), *rb = rng_new(9);
            const uint64_t sa = f3_quantize(&f, a, n, ra), sb = f3_quantize_ref(&f, b, n, rb);
            gsl_rng_free(ra);
            gsl_rng_free(rb);
            assert_int_equal(sa, 0);
            assert_int_equal(sb, 0);
            for (size_t k = 0; k < n; k++) {
                assert_true(isnan(a[k]) && isnan(b[k]));
                if (bits_of(a[k]) != bits_of(b[k])) {
                    if (bad < 12)
                        print_message("%s %s NaN 0x%08x: fast 0x%08x, ref 0x%08x\n", all_formats[fi],
                                      f3_rounding_name(f.rounding), nans[k], bits_of(a[k]), bits_of(b[k]));
                    bad++;
                }
            }
        }
    assert_int_equal(bad, 0);
}

/* ---- a uniform draw just below 1 --------------------------------------------- */

/* A gsl_rng that returns a programmed sequence of 32-bit words. */
typedef struct {
    uint32_t w[4];
    unsigned pos;
} prog_state;
static void prog_set(void *vs, unsigned long s)
{
    (void)s;
    memset(vs, 0, sizeof(prog_state));
}
static unsigned long prog_get(void *vs)
{
    prog_state *st = vs;
    return st->w[st->pos++ & 3u];
}
static double prog_get_double(void *vs) { return (double)prog_get(vs) / 4294967296.0; }
static const gsl_rng_type prog_type = {"f3_test_programmed", 0xFFFFFFFFUL, 0, sizeof(prog_state),
                                       prog_set,             prog_get,     prog_get_double};

static uint64_t unxorshift(uint64_t y, int s)
{
    uint64_t x = y;
    for (int i = 0; i < 64 / s + 1; i++) x = y ^ (x >> s);
    return x;
}
static uint64_t inverse_odd(uint64_t a)
{
    uint64_t x = a;
    for (int i = 0; i < 6; i++) x *= 2 - a * x;
    return x;
}
/* numerics.c's per-element uniform (splitmix64 finaliser, documented in its
 * header comment), to construct a seed whose first uniform is 1 − 2^−53. */
static double uniform_of(uint64_t seed, uint64_t i)
{
    uint64_t z = seed + (i + 1) * 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return (double)(z >> 11) * 0x1.0p-53;
}

/* Stochastic rounding must return a grid value unchanged for every draw
 * u ∈ [0, 1).  floor(s + u) in double rounds s + u up to s + 1 when u is
 * within half an ulp of s below 1; this test forces u = 1 − 2^−53 for
 * element 0 (the seed is two 32-bit words from the stream, tried in both
 * orders since which gsl_rng_get call is evaluated first is unspecified). */
static void test_sr_draw_near_one(void **state)
{
    (void)state;
    uint64_t z = ~0ull; /* finaliser output with z >> 11 = 2^53 − 1 */
    z = unxorshift(z, 31);
    z *= inverse_odd(0x94D049BB133111EBull);
    z = unxorshift(z, 27);
    z *= inverse_odd(0xBF58476D1CE4E5B9ull);
    z = unxorshift(z, 30);
    const uint64_t seed = z - 0x9E3779B97F4A7C15ull;
    assert_true(uniform_of(seed, 0) == 1.0 - 0x1p-53);
    const uint32_t w_hi = (uint32_t)(seed >> 32), w_lo = (uint32_t)seed;

    static const struct {
        const char *fmt;
        float x;
    } cases[] = {{"bf16", 1.0f},   {"bf16", -1.0f}, {"bf16", 200.0f}, {"fp16", 1.0f},   {"fp16", -1.0f},
                 {"fp16", 1000.0f}, {"q4.4", 1.0f},  {"q4.4", -1.0f},  {"q8.8", 100.0f}, {"q8.16", 100.0f},
                 {"q2.22", 1.0f},  {"q1.23", 0.5f}};
    size_t bad = 0;
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const f3_format f = fmt_of(cases[c].fmt, F3_ROUND_STOCHASTIC);
        for (int ref = 0; ref < 2; ref++)
            for (int order = 0; order < 2; order++) {
                gsl_rng *r = gsl_rng_alloc(&prog_type);
                assert_non_null(r);
                prog_state *st = r->state;
                st->w[0] = order ? w_lo : w_hi;
                st->w[1] = order ? w_hi : w_lo;
                st->w[2] = st->w[0];
                st->w[3] = st->w[1];
                float a = cases[c].x;
                const uint64_t sat = ref ? f3_quantize_ref(&f, &a, 1, r) : f3_quantize(&f, &a, 1, r);
                gsl_rng_free(r);
                if (a != cases[c].x || sat) {
                    print_message("%s SR %s, grid value %.9g (0x%08x), u = 1 - 2^-53 (words 0x%08x, 0x%08x): got "
                                  "%.9g (0x%08x)\n",
                                  cases[c].fmt, ref ? "ref" : "fast", (double)cases[c].x, bits_of(cases[c].x),
                                  order ? w_lo : w_hi, order ? w_hi : w_lo, (double)a, bits_of(a));
                    bad++;
                }
            }
    }
    assert_int_equal(bad, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_format),
        cmocka_unit_test(test_parse_rounding),
        cmocka_unit_test(test_format_max_and_fp32),
        cmocka_unit_test(test_ties_to_even),
        cmocka_unit_test(test_saturation),
        cmocka_unit_test(test_reference_sweep_bf16_fp16),
        cmocka_unit_test(test_reference_sweep_fixed),
        cmocka_unit_test(test_fast_equals_reference),
        cmocka_unit_test(test_sr_unbiased),
        cmocka_unit_test(test_sr_grid_unchanged),
        cmocka_unit_test(test_sr_determinism),
        cmocka_unit_test(test_signed_zero),
        cmocka_unit_test(test_nan_bits),
        cmocka_unit_test(test_sr_draw_near_one),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
