/* numerics.c — number formats and their quantisers (see f3/numerics.h and
 * docs/numerics.md).
 *
 * f3_quantize1 is the reference: double arithmetic, one value at a time.
 * f3_quantize is the fast twin the trainer uses: float/double arithmetic
 * and bit operations in loops that vectorise; a unit test checks the two
 * agree bit for bit.  Stochastic rounding draws one 64-bit seed per call
 * from the tensor's GSL stream and derives one uniform per element from it
 * with the splitmix64 finaliser (counter-based, so a loop vectorises and
 * the draws depend only on the seed and the element's index). */
#include "f3/numerics.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vector_internal.h"

const char *const f3_tensor_names[F3_T_COUNT] = {"weights",   "activations", "error",   "error_store",
                                                 "gradients", "optimizer",   "feedback"};

f3_status f3_parse_format(const char *s, f3_format *out)
{
    memset(out, 0, sizeof *out);
    if (!strcmp(s, "fp32")) return out->kind = F3_FMT_FP32, F3_OK;
    if (!strcmp(s, "bf16")) return out->kind = F3_FMT_BF16, F3_OK;
    if (!strcmp(s, "fp16")) return out->kind = F3_FMT_FP16, F3_OK;
    if (s[0] != 'q')
        return F3_FAIL(F3_EINVAL, "unknown number format '%s' (expected fp32, bf16, fp16 or q<int>.<frac>, e.g. q4.12)", s);
    /* q, one or two digits, '.', one or two digits; no signs, spaces or
     * leading zeros */
    long part[2] = {0, 0};
    const char *c = s + 1;
    for (int k = 0; k < 2; k++) {
        const char *start = c;
        while (*c >= '0' && *c <= '9' && c - start < 3) part[k] = part[k] * 10 + (*c++ - '0');
        int digits = (int)(c - start);
        if (digits == 0 || digits > 2 || (digits == 2 && *start == '0') || *c != (k == 0 ? '.' : '\0'))
            return F3_FAIL(F3_EINVAL, "'%s' is not a fixed-point format: expected q<int>.<frac>, e.g. q4.12", s);
        c++;
    }
    long i = part[0], f = part[1];
    if (i < 1)
        return F3_FAIL(F3_EINVAL, "'%s': a fixed-point format needs at least one integer bit (the sign bit)", s);
    if (f < 0 || i + f < 4 || i + f > 32)
        return F3_FAIL(F3_EINVAL, "'%s' is %ld bit%s wide: fixed-point formats are 4 to 32 bits (integer + fraction)", s,
                       i + f, i + f == 1 ? "" : "s");
    out->kind = F3_FMT_FIXED;
    out->int_bits = (int)i;
    out->frac_bits = (int)f;
    return F3_OK;
}

f3_status f3_parse_rounding(const char *s, f3_rounding *out)
{
    if (!strcmp(s, "nearest_even")) return *out = F3_ROUND_NEAREST_EVEN, F3_OK;
    if (!strcmp(s, "stochastic")) return *out = F3_ROUND_STOCHASTIC, F3_OK;
    return F3_FAIL(F3_EINVAL, "unknown rounding '%s' (expected nearest_even or stochastic)", s);
}

void f3_format_name(const f3_format *f, char *buf, size_t len)
{
    switch (f->kind) {
    case F3_FMT_FP32: snprintf(buf, len, "fp32"); break;
    case F3_FMT_BF16: snprintf(buf, len, "bf16"); break;
    case F3_FMT_FP16: snprintf(buf, len, "fp16"); break;
    case F3_FMT_FIXED: snprintf(buf, len, "q%d.%d", f->int_bits, f->frac_bits); break;
    }
}

const char *f3_rounding_name(f3_rounding r) { return r == F3_ROUND_STOCHASTIC ? "stochastic" : "nearest_even"; }

int f3_format_bits(const f3_format *f)
{
    switch (f->kind) {
    case F3_FMT_FP32: return 32;
    case F3_FMT_BF16:
    case F3_FMT_FP16: return 16;
    case F3_FMT_FIXED: return f->int_bits + f->frac_bits;
    }
    return 32;
}

int f3_format_is_fp32(const f3_format *f) { return f->kind == F3_FMT_FP32; }

int f3_numerics_is_fp32(const f3_numerics *n)
{
    for (int t = 0; t < F3_T_COUNT; t++)
        if (!f3_format_is_fp32(&n->fmt[t])) return 0;
    return 1;
}

double f3_format_max(const f3_format *f)
{
    switch (f->kind) {
    case F3_FMT_FP32: return (double)3.40282346638528859812e+38F;
    case F3_FMT_BF16: return ldexp(2.0 - ldexp(1.0, -7), 127);
    case F3_FMT_FP16: return 65504.0;
    case F3_FMT_FIXED: return ldexp(1.0, f->int_bits - 1) - ldexp(1.0, -f->frac_bits);
    }
    return 0;
}

/* ---- the reference: one value, double arithmetic --------------------------- */

static double uniform_of(uint64_t seed, uint64_t i, int bits);

/* One call's 64-bit seed: two 32-bit draws, high word first. */
static uint64_t draw_seed(gsl_rng *rng)
{
    uint64_t hi = gsl_rng_get(rng);
    uint64_t lo = gsl_rng_get(rng);
    return (hi << 32) ^ lo;
}

/* Random bits of u: s + u must be exact in double for s on the grid
 * (|s| < 2^24 for formats of at most 24 bits and fp16: 29 bits; wider
 * fixed point, |s| < 2^32: 21 bits). */
static int u_bits(const f3_format *f)
{
    return f->kind == F3_FMT_FIXED && f->int_bits + f->frac_bits > 24 ? 21 : 29;
}

static float quantize_ref(const f3_format *f, float x, double u, uint64_t *sat)
{
    if (f->kind == F3_FMT_FP32 || isnan(x)) return x;
    const double max = f3_format_max(f);
    double lo = -max, step;
    if (f->kind == F3_FMT_FIXED) {
        step = ldexp(1.0, -f->frac_bits);
        lo = -ldexp(1.0, f->int_bits - 1);
    } else {
        const int mant = f->kind == F3_FMT_BF16 ? 7 : 10, emin = f->kind == F3_FMT_BF16 ? -126 : -14;
        int e = 0;
        if (x == 0.0f) return x;
        if (!isinf(x)) frexp(fabs((double)x), &e);
        int ex = e - 1 < emin ? emin : e - 1;
        step = ldexp(1.0, ex - mant);
    }
    double v = x;
    if (!isinf(x)) {
        double s = (double)x / step;
        v = (u >= 0 ? floor(s + u) : rint(s)) * step;
        /* a float zero keeps the input's sign; a fixed-point word has one zero, +0 */
        v = v == 0 ? (f->kind == F3_FMT_FIXED ? 0.0 : copysign(0.0, (double)x)) : v;
    }
    if (v > max || v < lo) {
        v = v > max ? max : lo;
        ++*sat;
    }
    return (float)v;
}

uint64_t f3_quantize_ref(const f3_format *f, float *x, size_t n, gsl_rng *rng)
{
    if (f->kind == F3_FMT_FP32 || n == 0) return 0;
    const int sr = f->rounding == F3_ROUND_STOCHASTIC;
    uint64_t seed = 0, sat = 0;
    if (sr) seed = draw_seed(rng);
    for (size_t k = 0; k < n; k++) x[k] = quantize_ref(f, x[k], sr ? uniform_of(seed, k, u_bits(f)) : -1.0, &sat);
    return sat;
}

/* ---- the fast twin ------------------------------------------------------------ */

/* A counter-based draw: element i's 32 random bits are two rounds of the
 * "lowbias32" integer hash (Wellons) over i and the call's 64-bit seed —
 * 32-bit multiplies and shifts, so the loops vectorise; `bits` of them
 * make u in [0, 1). */
static inline uint32_t hash32(uint32_t x)
{
    x ^= x >> 16;
    x *= 0x7FEB352Du;
    x ^= x >> 15;
    x *= 0x846CA68Bu;
    x ^= x >> 16;
    return x;
}

static inline double uniform_of(uint64_t seed, uint64_t i, int bits)
{
    uint32_t h = hash32(hash32((uint32_t)i * 0x9E3779B9u + (uint32_t)seed) ^ (uint32_t)(seed >> 32));
    return ldexp((double)(h >> (32 - bits)), -bits);
}


/* fixed point ≤ 24 bits: every step is exact in float (x·2^f, rint, clamp,
 * ·2^−f) */
F3_CLONES
static uint64_t fixed_rne(float *x, size_t n, int i_bits, int f_bits)
{
    const float sc = ldexpf(1.0f, f_bits), inv = ldexpf(1.0f, -f_bits);
    const float qhi = ldexpf(1.0f, i_bits + f_bits - 1) - 1.0f, qlo = -ldexpf(1.0f, i_bits + f_bits - 1);
    uint64_t sat = 0;
    for (size_t k = 0; k < n; k++) {
        float v = x[k], q = rintf(v * sc);
        sat += (q > qhi) | (q < qlo);
        q = q > qhi ? qhi : q;
        q = q < qlo ? qlo : q;
        x[k] = v != v ? v : q * inv + 0.0f; /* a NaN keeps its bits; + 0: one zero, +0 */
    }
    return sat;
}

/* floor(s + u) for |s| < 2^23 (s exact in float), u = h29·2^−29, without
 * doubles: with q0 = ⌊s⌋ and f29 = ⌊(s − q0)·2^29⌋ (s − q0 is exact), the
 * sum reaches q0 + 1 exactly when h29 + f29 ≥ 2^29 — the same result as
 * the reference's double arithmetic, for every s. */
static inline float floor_plus_u(float s, uint32_t h29)
{
    float q0 = rintf(s);
    q0 = q0 > s ? q0 - 1.0f : q0; /* ⌊s⌋ (floorf does not vectorise under strict C) */
    int32_t f29 = (int32_t)((s - q0) * 0x1.0p29f); /* < 2^29: signed conversions vectorise */
    return q0 + (float)(((int32_t)h29 + f29) >> 29);
}

static inline uint32_t draw29(uint32_t k, uint32_t s_lo, uint32_t s_hi)
{
    return hash32(hash32(k * 0x9E3779B9u + s_lo) ^ s_hi) >> 3;
}

F3_CLONES
static uint64_t fixed_sr(float *x, size_t n, int i_bits, int f_bits, uint64_t seed)
{
    const float sc = ldexpf(1.0f, f_bits), inv = ldexpf(1.0f, -f_bits);
    const float qhi = ldexpf(1.0f, i_bits + f_bits - 1) - 1.0f, qlo = -ldexpf(1.0f, i_bits + f_bits - 1);
    const uint32_t s_lo = (uint32_t)seed, s_hi = (uint32_t)(seed >> 32);
    uint64_t sat = 0;
    for (size_t k = 0; k < n; k++) {
        float v = x[k], s = v * sc;
        /* beyond the range: saturate (the floor trick needs |s| < 2^23) */
        float c = s > qhi + 1.0f ? qhi + 1.0f : s; /* beyond the range it saturates anyway */
        c = c < qlo - 1.0f ? qlo - 1.0f : c;
        float q = floor_plus_u(c, draw29((uint32_t)k, s_lo, s_hi));
        sat += (uint64_t)((q > qhi) | (q < qlo));
        q = q > qhi ? qhi : q;
        q = q < qlo ? qlo : q;
        float r = q * inv;
        x[k] = v != v ? v : r + 0.0f; /* one zero, +0 */
    }
    return sat;
}

/* bf16: round the low 16 bits of the float away (it has float's exponent
 * range, subnormals included); overflow saturates to the largest bf16.
 * Stochastic: floor(s + u) on the signed value, as the reference: a
 * magnitude rounds up when u16 ≥ 2^16 − low (positive) or u16 < low
 * (negative), u16 the top 16 bits of u. */
static inline uint32_t bf16_finish(uint32_t mag, uint32_t sign, uint32_t add, uint64_t *sat)
{
    uint32_t r = (mag + add) & 0xFFFF0000u;
    uint32_t over = (mag <= 0x7F800000u) & (r >= 0x7F800000u);
    *sat += over;
    return sign | (over ? 0x7F7F0000u : r);
}

F3_CLONES
static uint64_t bf16_rne(float *x, size_t n)
{
    uint64_t sat = 0;
    for (size_t k = 0; k < n; k++) {
        uint32_t b = f32_bits(x[k]), mag = b & 0x7FFFFFFFu;
        uint32_t q = bf16_finish(mag, b & 0x80000000u, 0x7FFFu + ((mag >> 16) & 1u), &sat);
        x[k] = bits_f32(mag > 0x7F800000u ? b : q);
    }
    return sat;
}

F3_CLONES
static uint64_t bf16_sr(float *x, size_t n, uint64_t seed)
{
    const uint32_t s_lo = (uint32_t)seed, s_hi = (uint32_t)(seed >> 32);
    uint64_t sat = 0;
    for (size_t k = 0; k < n; k++) {
        uint32_t b = f32_bits(x[k]), mag = b & 0x7FFFFFFFu, sign = b & 0x80000000u;
        uint32_t u16 = hash32(hash32((uint32_t)k * 0x9E3779B9u + s_lo) ^ s_hi) >> 16;
        uint32_t q = bf16_finish(mag, sign, sign ? 0xFFFFu - u16 : u16, &sat);
        x[k] = bits_f32(mag > 0x7F800000u ? b : q);
    }
    return sat;
}

/* fp16: 10 fraction bits, exponents −14…15, subnormals down to 2^−24;
 * x / step and q·step are exact powers-of-two scalings */
static inline float fp16_finish(float v, float q, uint64_t *sat)
{
    q = q == 0.0f ? copysignf(0.0f, v) : q; /* a zero keeps the input's sign */
    *sat += (uint64_t)((q > 65504.0f) | (q < -65504.0f));
    q = q > 65504.0f ? 65504.0f : q;
    q = q < -65504.0f ? -65504.0f : q;
    return v != v ? v : q;
}

static inline int fp16_exponent(float v)
{
    int e = (int)((f32_bits(v) & 0x7FFFFFFFu) >> 23) - 127;
    return e < -14 ? -14 : (e > 15 ? 15 : e);
}

F3_CLONES
static uint64_t fp16_rne(float *x, size_t n)
{
    uint64_t sat = 0;
    for (size_t k = 0; k < n; k++) {
        float v = x[k];
        int e = fp16_exponent(v);
        float step = bits_f32((uint32_t)(e - 10 + 127) << 23), inv = bits_f32((uint32_t)(10 - e + 127) << 23);
        x[k] = fp16_finish(v, rintf(v * inv) * step, &sat);
    }
    return sat;
}

F3_CLONES
static uint64_t fp16_sr(float *x, size_t n, uint64_t seed)
{
    const uint32_t s_lo = (uint32_t)seed, s_hi = (uint32_t)(seed >> 32);
    uint64_t sat = 0;
    for (size_t k = 0; k < n; k++) {
        float v = x[k];
        int e = fp16_exponent(v);
        float step = bits_f32((uint32_t)(e - 10 + 127) << 23), inv = bits_f32((uint32_t)(10 - e + 127) << 23);
        float s = v * inv; /* |s| < 2^11, or beyond 65504: saturates */
        s = s > 4096.0f ? 4096.0f : (s < -4096.0f ? -4096.0f : s);
        x[k] = fp16_finish(v, floor_plus_u(s, draw29((uint32_t)k, s_lo, s_hi)) * step, &sat);
    }
    return sat;
}

uint64_t f3_quantize(const f3_format *f, float *x, size_t n, gsl_rng *rng)
{
    if (f->kind == F3_FMT_FP32 || n == 0) return 0;
    const int sr = f->rounding == F3_ROUND_STOCHASTIC;
    uint64_t seed = 0;
    if (sr) seed = draw_seed(rng);
    switch (f->kind) {
    case F3_FMT_BF16: return sr ? bf16_sr(x, n, seed) : bf16_rne(x, n);
    case F3_FMT_FP16: return sr ? fp16_sr(x, n, seed) : fp16_rne(x, n);
    case F3_FMT_FIXED:
        if (f->int_bits + f->frac_bits <= 24)
            return sr ? fixed_sr(x, n, f->int_bits, f->frac_bits, seed) : fixed_rne(x, n, f->int_bits, f->frac_bits);
        break;
    case F3_FMT_FP32: return 0;
    }
    /* wide fixed point: the reference arithmetic, value by value */
    uint64_t sat = 0;
    for (size_t k = 0; k < n; k++) x[k] = quantize_ref(f, x[k], sr ? uniform_of(seed, k, u_bits(f)) : -1.0, &sat);
    return sat;
}

/* ---- underflow ------------------------------------------------------------------ */

/* Values of x[0..n) equal to zero (either sign); NaN is not. */
F3_CLONES
static uint64_t count_zeros(const float *x, size_t n)
{
    uint64_t z = 0;
    for (size_t k = 0; k < n; k++) z += (uint64_t)(x[k] == 0.0f);
    return z;
}

uint64_t f3_quantize_counted(const f3_format *f, float *x, size_t n, gsl_rng *rng, uint64_t *underflows)
{
    if (f->kind == F3_FMT_FP32 || n == 0) return 0;
    const uint64_t before = count_zeros(x, n);
    const uint64_t sat = f3_quantize(f, x, n, rng);
    *underflows += count_zeros(x, n) - before; /* a zero stays zero, so this is nonzero → zero */
    return sat;
}
