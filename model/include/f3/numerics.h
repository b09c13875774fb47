/* f3/numerics.h — number formats of the tensors a chip stores or sends.
 *
 * Every tensor class (weights and biases, activations leaving a layer, the
 * error e, the error store, gradients, optimiser state, the feedback
 * matrix) has a format: fp32 (the default: no quantisation at all), bf16,
 * fp16, or signed fixed point q<i>.<f> (i ≥ 1 integer bits including the
 * sign, f ≥ 0 fraction bits, 4 ≤ i + f ≤ 32: range [−2^(i−1),
 * 2^(i−1) − 2^−f], step 2^−f).  A value is quantised where the hardware
 * stores or sends it, with round-to-nearest-even or stochastic rounding;
 * values beyond the format's largest finite value saturate to it, and each
 * saturation is counted.  Tensors stay float arrays: a quantised value is
 * held exactly (every bf16, fp16 and ≤ 24-bit fixed-point value is a
 * float); a fixed-point value of a wider format is held as the float
 * nearest to it (docs/numerics.md). */
#ifndef F3_NUMERICS_H
#define F3_NUMERICS_H

#include <stddef.h>
#include <stdint.h>

#include <gsl/gsl_rng.h>

#include "f3/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { F3_FMT_FP32 = 0, F3_FMT_BF16, F3_FMT_FP16, F3_FMT_FIXED } f3_format_kind;
typedef enum { F3_ROUND_NEAREST_EVEN = 0, F3_ROUND_STOCHASTIC } f3_rounding;

typedef struct {
    f3_format_kind kind;
    int int_bits, frac_bits; /* fixed point only */
    f3_rounding rounding;
} f3_format;

typedef enum {
    F3_T_WEIGHTS = 0,  /* W_i and b_i */
    F3_T_ACTIVATIONS,  /* h_i as it leaves layer i (what a link carries) */
    F3_T_ERROR,        /* e: the error information a hidden layer's feedback uses */
    F3_T_ERROR_STORE,  /* e as F3's error store holds it */
    F3_T_GRADIENTS,    /* δW, δb: the gradient accumulator */
    F3_T_OPTIMIZER,    /* Adam's m and v */
    F3_T_FEEDBACK,     /* B_i */
    F3_T_COUNT
} f3_tensor;

/* Scenario key / option names of the tensor classes: "weights",
 * "activations", "error", "error_store", "gradients", "optimizer",
 * "feedback". */
extern const char *const f3_tensor_names[F3_T_COUNT];

typedef struct {
    f3_format fmt[F3_T_COUNT];
} f3_numerics;

/* Parse "fp32", "bf16", "fp16" or "q<i>.<f>"; F3_EINVAL with a message
 * saying what is wrong (width, fraction, syntax). */
f3_status f3_parse_format(const char *s, f3_format *out);
f3_status f3_parse_rounding(const char *s, f3_rounding *out);
/* "fp32", "q4.12", …; buf of at least 16 bytes. */
void f3_format_name(const f3_format *f, char *buf, size_t len);
const char *f3_rounding_name(f3_rounding r);
/* Bits of one value (fp32 32, bf16 16, fp16 16, q<i>.<f> i + f). */
int f3_format_bits(const f3_format *f);
/* 1 if every format is fp32 (nothing is quantised). */
int f3_numerics_is_fp32(const f3_numerics *n);
int f3_format_is_fp32(const f3_format *f);
/* Largest finite value of the format. */
double f3_format_max(const f3_format *f);

/* Quantise x[0..n) in place to f (stochastic rounding draws from rng, which
 * must then be non-NULL); returns the number of values that saturated.
 * fp32 leaves x unchanged.  NaN stays NaN; ±inf saturates. */
uint64_t f3_quantize(const f3_format *f, float *x, size_t n, gsl_rng *rng);
/* The reference twin of f3_quantize (double arithmetic, value by value):
 * the same results bit for bit, and the same draws from rng. */
uint64_t f3_quantize_ref(const f3_format *f, float *x, size_t n, gsl_rng *rng);

/* f3_quantize, also counting underflow: the values of x that were nonzero
 * (and not NaN) and became zero (±0) — a magnitude below half a step in
 * round-to-nearest (a tie at exactly half a step rounds to the even zero),
 * or one that stochastic rounding sent down to zero.  Adds that count to
 * *underflows and returns the saturations, as f3_quantize does; the values
 * and the draws are f3_quantize's, bit for bit (it counts the zeros before
 * and after: rounding never makes a zero nonzero). */
uint64_t f3_quantize_counted(const f3_format *f, float *x, size_t n, gsl_rng *rng, uint64_t *underflows);

#ifdef __cplusplus
}
#endif
#endif
