/* kernels.c — dense-layer kernels (BLAS path and plain reference loops). */
#include "f3/kernels.h"

#include <math.h>
#include <string.h>

#include <gsl/gsl_blas.h>

#include "vector_internal.h"

/* ---- element-wise ---------------------------------------------------- */

/* tanh and the logistic sigmoid in float: within 2 ulp of libm's value (in
 * double, correctly rounded to float) and monotone over the whole float
 * range, checked on every one of the 2^32 inputs by
 * analysis/bench/bench_activations.c and on a dense sample by
 * tests/unit/test_kernels.c.  Nothing is clamped before the result rounds
 * there: tanh is ±1 only from |x| = 9.0109 on, where the correctly rounded
 * value is ±1; the sigmoid goes through the denormals down to 0 at
 * x = −103.97; ±0, ±inf and NaN come out as libm has them.
 *
 * Plain arithmetic and integer bit moves only (no libm call, no branch), so
 * the loops vectorise in every clone: the selects are bit masks, since GCC
 * will not if-convert a ?: whose arm holds floating-point arithmetic (it
 * could trap), and the old code stayed scalar without AVX-512.  glibc's
 * scalar tanhf cost a third of an MNIST epoch.
 *
 * Both rest on e^w by Cody–Waite reduction: n = round(w·log2 e) (adding
 * 1.5·2^23 rounds to an integer and leaves n in the low bits),
 * r = w − n·ln 2 in two steps (ln 2 = LN2_HI + LN2_LO; n·LN2_HI and
 * w − n·LN2_HI are exact), |r| ≤ ln2/2, then e^r − 1 = r + r²·P(r) with P
 * of degree 4 (coefficients fitted in relative error with mpmath: 0.24 ulp
 * before rounding; evaluated in Estrin's order for a shorter dependency
 * chain) and 2^n built from its exponent bits. */

#define RND_MAGIC 12582912.0f  /* 1.5·2^23 */
#define LOG2E 1.44269504088896341f
#define LN2_HI 0.693359375f    /* 355/512: n·LN2_HI is exact for |n| < 2^15 */
#define LN2_LO -2.12194440e-4f /* ln 2 − LN2_HI */
#define SIGN_BIT 0x80000000u


/* All ones where c holds, else 0. */
static inline uint32_t mask_if(int c)
{
    return -(uint32_t)c;
}

/* w = n·ln 2 + r with |r| ≤ ln2/2 (|w| ≤ 104 here); returns r, and n + bias
 * (mod 2^32) in *k. */
static inline float exp_reduce(float w, uint32_t bias, uint32_t *k)
{
    float t = w * LOG2E + RND_MAGIC;
    float n = t - RND_MAGIC;
    *k = f32_bits(t) - f32_bits(RND_MAGIC) + bias;
    float r = w - n * LN2_HI;
    return r - n * LN2_LO;
}

/* e^r − 1 for |r| ≤ ln2/2. */
static inline float expm1_reduced(float r)
{
    float r2 = r * r;
    float a = r * 1.666654199049541e-1f + 4.9999996748252873e-1f;
    float b = r * 8.366673466107631e-3f + 4.1667596429334285e-2f;
    float c = r2 * 1.3858160102672595e-3f + b;
    float p = r2 * c + a;
    return p * r2 + r;
}

/* tanh|x| = (1 − e)/(1 + e) with e = e^(−2|x|) = s·(1 + u), s = 2^n,
 * u = e^r − 1: ((1 − s) − s·u)/(s·u + (s + 1)), where s·u, 1 − s and s + 1
 * are exact for n ≥ −23, so no cancellation near 0 (n = 0: −u/(u + 2)).
 * The numerator grows with |x| and the denominator shrinks, so the quotient
 * keeps the order of its inputs.  From |x| = 6 on it is 1 − 2e instead
 * (the 2e² left out is below 0.002 ulp): from n = −24 on 1 − s and s + 1
 * round, e is lost and the quotient would be 1 from |x| = 8.3 on instead of
 * 9.0109, where the correctly rounded value gets there.  |x| is held at
 * 9.1; the sign bit is copied back, so tanh(−x) = −tanh(x) exactly.
 * Within 2 ulp. */
static inline float tanh_f32(float x)
{
    uint32_t xb = f32_bits(x), ab = xb & ~SIGN_BIT, lim = f32_bits(9.1f);
    float a = bits_f32(ab < lim ? ab : lim);
    uint32_t k;
    float u = expm1_reduced(exp_reduce(-2.0f * a, 127u, &k)); /* n in [−27, 0] */
    float s = bits_f32(k << 23);
    float su = s * u;
    float q = ((1.0f - s) - su) / (su + (s + 1.0f));
    float e = su + s;
    float tail = 1.0f - (e + e);
    uint32_t far = mask_if(a >= 6.0f);
    uint32_t h = (f32_bits(tail) & far) | (f32_bits(q) & ~far);
    uint32_t nan = mask_if(x != x);
    return bits_f32((xb & nan) | ((h | (xb & SIGN_BIT)) & ~nan));
}

/* σ(x) = 1/(1 + e^−x), from z = e^w:
 *   x ≥ 0:               w = −x,  σ = 1/(1 + z);
 *   −4 ≤ x ≤ −0.5:       w = −x,  σ = 1/(1 + z) (z > 1);
 *   x < −4, −0.5 < x < 0: w = x,   σ = z/(1 + z).
 * 1/(1 + z) is monotone step by step; z/(1 + z) keeps the precision of a
 * small σ but its numerator and denominator grow together, and between −4
 * and −0.5 (where σ grows by less than its rounding error from one float to
 * the next) that broke monotonicity by an ulp.  z reaches the denormals:
 * 2^n (n ≥ −150) is applied as two normal factors 2^n1·2^n2, so only the
 * last product rounds.  |x| is held at 104 (x < 0: e^−104 rounds to 0) or
 * 20 (x > 0: σ rounds to 1; no denormal z).  Within 2 ulp. */
static inline float sigmoid_f32(float x)
{
    uint32_t xb = f32_bits(x), ab = xb & ~SIGN_BIT;
    uint32_t neg = -(xb >> 31);
    uint32_t mid = neg & mask_if(ab - f32_bits(0.5f) <= f32_bits(4.0f) - f32_bits(0.5f));
    uint32_t lim = f32_bits(20.0f) ^ (neg & (f32_bits(20.0f) ^ f32_bits(104.0f)));
    uint32_t k;
    float r = exp_reduce(bits_f32((ab < lim ? ab : lim) | (SIGN_BIT & ~mid)), 150u, &k); /* n + 150 in [0, 156] */
    float p = expm1_reduced(r) + 1.0f;
    uint32_t k1 = k >> 1, k2 = k - k1;  /* n1 = k1 − 75, n2 = k2 − 75 */
    float z = p * bits_f32((k1 + 52u) << 23) * bits_f32((k2 + 52u) << 23);
    uint32_t zn = neg & ~mid;           /* z in the numerator */
    float y = bits_f32((f32_bits(z) & zn) | (f32_bits(1.0f) & ~zn)) / (1.0f + z);
    uint32_t nan = mask_if(x != x);
    return bits_f32((xb & nan) | (f32_bits(y) & ~nan));
}

/* The element-wise loops are compiled for several instruction sets
 * (F3_CLONES, vector_internal.h). */

F3_CLONES
void f3_activate(f3_activation f, float *x, size_t n)
{
    switch (f) {
    case F3_ACT_IDENTITY:
        break;
    case F3_ACT_TANH:
        for (size_t i = 0; i < n; i++) x[i] = tanh_f32(x[i]);
        break;
    case F3_ACT_SIGMOID:
        for (size_t i = 0; i < n; i++) x[i] = sigmoid_f32(x[i]);
        break;
    case F3_ACT_RELU:
        for (size_t i = 0; i < n; i++) x[i] = x[i] > 0.0f ? x[i] : 0.0f;
        break;
    }
}

/* out[k,:] += bias, then f in place; shared by both forward paths. */
F3_CLONES
static void bias_activate(float *out, const float *bias, size_t b, size_t n_out,
                          f3_activation f)
{
    if (bias) {
        for (size_t k = 0; k < b; k++) {
            float *row = out + k * n_out; /* (n_out) */
            for (size_t j = 0; j < n_out; j++) row[j] += bias[j];
        }
    }
    f3_activate(f, out, b * n_out);
}

void f3_count_forward(f3_counts *c, size_t b, size_t n_in, size_t n_out, int has_bias,
                          f3_activation f, f3_memclass in_class, f3_memclass out_class)
{
    if (!c) return;
    c->fma += (uint64_t)b * n_in * n_out;
    c->elem += (has_bias ? (uint64_t)b * n_out : 0) + (f != F3_ACT_IDENTITY ? (uint64_t)b * n_out : 0);
    c->reads[F3_MEM_WEIGHTS] += (uint64_t)n_in * n_out;
    if (has_bias) c->reads[F3_MEM_BIASES] += n_out;
    c->reads[in_class] += (uint64_t)b * n_in;
    c->writes[out_class] += (uint64_t)b * n_out;
}

void f3_dense_forward(const float *W, const float *bias, const float *H, float *out,
                      size_t b, size_t n_in, size_t n_out, f3_activation f,
                      f3_memclass in_class, f3_memclass out_class, f3_counts *c)
{
    /* out (b, n_out) = H (b, n_in) · W^T (n_in, n_out) */
    gsl_matrix_float_const_view Hv = gsl_matrix_float_const_view_array(H, b, n_in);
    gsl_matrix_float_const_view Wv = gsl_matrix_float_const_view_array(W, n_out, n_in);
    gsl_matrix_float_view Ov = gsl_matrix_float_view_array(out, b, n_out);
    gsl_blas_sgemm(CblasNoTrans, CblasTrans, 1.0f, &Hv.matrix, &Wv.matrix, 0.0f, &Ov.matrix);
    bias_activate(out, bias, b, n_out, f);
    f3_count_forward(c, b, n_in, n_out, bias != NULL, f, in_class, out_class);
}

void f3_dense_forward_ref(const float *W, const float *bias, const float *H, float *out,
                          size_t b, size_t n_in, size_t n_out, f3_activation f,
                          f3_memclass in_class, f3_memclass out_class, f3_counts *c)
{
    for (size_t k = 0; k < b; k++)
        for (size_t j = 0; j < n_out; j++) {
            double acc = 0.0;
            for (size_t i = 0; i < n_in; i++) acc += (double)W[j * n_in + i] * H[k * n_in + i];
            out[k * n_out + j] = (float)acc;
        }
    bias_activate(out, bias, b, n_out, f);
    f3_count_forward(c, b, n_in, n_out, bias != NULL, f, in_class, out_class);
}

/* ---- feedback ---------------------------------------------------------- */

void f3_count_feedback(f3_counts *c, size_t b, size_t C, size_t n, f3_memclass e_class,
                           int one_hot)
{
    if (!c) return;
    c->fma += (uint64_t)b * (one_hot ? 1 : C) * n;
    c->reads[F3_MEM_FEEDBACK] += one_hot ? (uint64_t)b * n : (uint64_t)C * n;
    c->reads[e_class] += (uint64_t)b * (one_hot ? 1 : C);
    c->writes[F3_MEM_WORK] += (uint64_t)b * n;
}

void f3_feedback_dense(const float *E, const float *B, float *dH, size_t b, size_t C,
                       size_t n, f3_memclass e_class, f3_counts *c)
{
    /* dH (b, n) = E (b, C) · B (C, n) */
    gsl_matrix_float_const_view Ev = gsl_matrix_float_const_view_array(E, b, C);
    gsl_matrix_float_const_view Bv = gsl_matrix_float_const_view_array(B, C, n);
    gsl_matrix_float_view Dv = gsl_matrix_float_view_array(dH, b, n);
    gsl_blas_sgemm(CblasNoTrans, CblasNoTrans, 1.0f, &Ev.matrix, &Bv.matrix, 0.0f, &Dv.matrix);
    f3_count_feedback(c, b, C, n, e_class, 0);
}

void f3_feedback_dense_ref(const float *E, const float *B, float *dH, size_t b, size_t C,
                           size_t n, f3_memclass e_class, f3_counts *c)
{
    for (size_t k = 0; k < b; k++)
        for (size_t j = 0; j < n; j++) {
            double acc = 0.0;
            for (size_t q = 0; q < C; q++) acc += (double)E[k * C + q] * B[q * n + j];
            dH[k * n + j] = (float)acc;
        }
    f3_count_feedback(c, b, C, n, e_class, 0);
}

void f3_feedback_onehot(const float *e, const int32_t *cls, const float *B, float *dH,
                        size_t b, size_t n, f3_memclass e_class, f3_counts *c)
{
    for (size_t k = 0; k < b; k++) {
        const float *col = B + (size_t)cls[k] * n; /* (n): column cls[k] of B_i */
        float s = e[k];
        float *row = dH + k * n;
        for (size_t j = 0; j < n; j++) row[j] = s * col[j];
    }
    f3_count_feedback(c, b, 0, n, e_class, 1);
}

/* ---- backpropagation -------------------------------------------------- */

void f3_count_backprop(f3_counts *c, size_t b, size_t n_in, size_t n_out)
{
    if (!c) return;
    c->fma += (uint64_t)b * n_in * n_out;
    c->reads[F3_MEM_WEIGHTS] += (uint64_t)n_in * n_out;
    c->reads[F3_MEM_WORK] += (uint64_t)b * n_out;
    c->writes[F3_MEM_WORK] += (uint64_t)b * n_in;
}

void f3_backprop_dh(const float *dZ, const float *W, float *dH, size_t b, size_t n_in,
                    size_t n_out, f3_counts *c)
{
    /* dH (b, n_in) = dZ (b, n_out) · W (n_out, n_in) */
    gsl_matrix_float_const_view Zv = gsl_matrix_float_const_view_array(dZ, b, n_out);
    gsl_matrix_float_const_view Wv = gsl_matrix_float_const_view_array(W, n_out, n_in);
    gsl_matrix_float_view Dv = gsl_matrix_float_view_array(dH, b, n_in);
    gsl_blas_sgemm(CblasNoTrans, CblasNoTrans, 1.0f, &Zv.matrix, &Wv.matrix, 0.0f, &Dv.matrix);
    f3_count_backprop(c, b, n_in, n_out);
}

void f3_backprop_dh_ref(const float *dZ, const float *W, float *dH, size_t b, size_t n_in,
                        size_t n_out, f3_counts *c)
{
    for (size_t k = 0; k < b; k++)
        for (size_t i = 0; i < n_in; i++) {
            double acc = 0.0;
            for (size_t j = 0; j < n_out; j++) acc += (double)dZ[k * n_out + j] * W[j * n_in + i];
            dH[k * n_in + i] = (float)acc;
        }
    f3_count_backprop(c, b, n_in, n_out);
}

F3_CLONES
void f3_act_backward(f3_activation f, const float *H, const float *dH, float *dZ, size_t n,
                     f3_memclass h_class, f3_counts *c)
{
    switch (f) {
    case F3_ACT_IDENTITY:
        if (dZ != dH) memcpy(dZ, dH, n * sizeof *dZ);
        break;
    case F3_ACT_TANH:
        for (size_t i = 0; i < n; i++) dZ[i] = dH[i] * (1.0f - H[i] * H[i]);
        break;
    case F3_ACT_SIGMOID:
        for (size_t i = 0; i < n; i++) dZ[i] = dH[i] * (H[i] * (1.0f - H[i]));
        break;
    case F3_ACT_RELU:
        for (size_t i = 0; i < n; i++) dZ[i] = H[i] > 0.0f ? dH[i] : 0.0f;
        break;
    }
    f3_count_act_backward(c, f, n, h_class);
}

void f3_count_act_backward(f3_counts *c, f3_activation f, size_t n, f3_memclass h_class)
{
    if (!c) return;
    c->elem += f == F3_ACT_IDENTITY ? (uint64_t)n : 2u * (uint64_t)n;
    c->reads[h_class] += n;
    c->reads[F3_MEM_WORK] += n;
    c->writes[F3_MEM_WORK] += n;
}

/* ---- gradient ----------------------------------------------------------- */

F3_CLONES
static void bias_gradient(const float *dZ, float *db, size_t b, size_t n_out, int accumulate)
{
    if (!accumulate) memset(db, 0, n_out * sizeof *db);
    for (size_t k = 0; k < b; k++) {
        const float *row = dZ + k * n_out;
        for (size_t j = 0; j < n_out; j++) db[j] += row[j];
    }
}

void f3_count_gradient(f3_counts *c, size_t b, size_t n_in, size_t n_out, int has_bias,
                           int accumulate, f3_memclass h_class)
{
    if (!c) return;
    c->fma += (uint64_t)b * n_in * n_out;
    c->elem += has_bias ? (uint64_t)b * n_out : 0;
    c->reads[F3_MEM_WORK] += (uint64_t)b * n_out;
    c->reads[h_class] += (uint64_t)b * n_in;
    uint64_t g = (uint64_t)n_in * n_out + (has_bias ? n_out : 0);
    if (accumulate) c->reads[F3_MEM_GRADIENTS] += g;
    c->writes[F3_MEM_GRADIENTS] += g;
}

void f3_dense_gradient(const float *dZ, const float *H, float *dW, float *db, size_t b,
                       size_t n_in, size_t n_out, int accumulate, f3_memclass h_class,
                       f3_counts *c)
{
    /* dW (n_out, n_in) (+)= dZ^T (n_out, b) · H (b, n_in) */
    gsl_matrix_float_const_view Zv = gsl_matrix_float_const_view_array(dZ, b, n_out);
    gsl_matrix_float_const_view Hv = gsl_matrix_float_const_view_array(H, b, n_in);
    gsl_matrix_float_view Gv = gsl_matrix_float_view_array(dW, n_out, n_in);
    gsl_blas_sgemm(CblasTrans, CblasNoTrans, 1.0f, &Zv.matrix, &Hv.matrix,
                   accumulate ? 1.0f : 0.0f, &Gv.matrix);
    if (db) bias_gradient(dZ, db, b, n_out, accumulate);
    f3_count_gradient(c, b, n_in, n_out, db != NULL, accumulate, h_class);
}

void f3_dense_gradient_ref(const float *dZ, const float *H, float *dW, float *db, size_t b,
                           size_t n_in, size_t n_out, int accumulate, f3_memclass h_class,
                           f3_counts *c)
{
    for (size_t j = 0; j < n_out; j++)
        for (size_t i = 0; i < n_in; i++) {
            double acc = accumulate ? (double)dW[j * n_in + i] : 0.0;
            for (size_t k = 0; k < b; k++) acc += (double)dZ[k * n_out + j] * H[k * n_in + i];
            dW[j * n_in + i] = (float)acc;
        }
    if (db) bias_gradient(dZ, db, b, n_out, accumulate);
    f3_count_gradient(c, b, n_in, n_out, db != NULL, accumulate, h_class);
}

/* ---- optimisers ---------------------------------------------------------- */

F3_CLONES
int f3_sgd_update(float *p, const float *g, size_t n, float lr, f3_memclass cls, f3_counts *c)
{
    uint32_t bad = 0; /* exponent bits all ones: not finite (OR-ed, so the loop vectorises) */
    for (size_t i = 0; i < n; i++) {
        p[i] -= lr * g[i];
        bad |= (f32_bits(p[i]) & 0x7f800000u) == 0x7f800000u;
    }
    f3_count_sgd(c, n, cls);
    return !bad;
}

void f3_count_sgd(f3_counts *c, size_t n, f3_memclass cls)
{
    if (!c) return;
    c->fma += n;
    c->reads[cls] += n;
    c->writes[cls] += n;
    c->reads[F3_MEM_GRADIENTS] += n;
}

/* Adam's scalars, in double as PyTorch computes them on the host, then
 * float. */
struct adam_step {
    float b1, b2, one_b1, one_b2, step, inv_sqrt_bc2, e;
};

/* Adam over n parameters; returns nonzero when a new parameter is not
 * finite. */
F3_CLONES
static uint32_t adam_loop(float *p, const float *g, float *m, float *v, size_t n, const struct adam_step *s)
{
    const float b1 = s->b1, b2 = s->b2, one_b1 = s->one_b1, one_b2 = s->one_b2;
    const float step = s->step, inv_sqrt_bc2 = s->inv_sqrt_bc2, e = s->e;
    uint32_t bad = 0; /* as f3_sgd_update */
    for (size_t i = 0; i < n; i++) {
        float gi = g[i];
        float mi = b1 * m[i] + one_b1 * gi;
        float vi = b2 * v[i] + one_b2 * gi * gi;
        m[i] = mi;
        v[i] = vi;
        float denom = sqrtf(vi) * inv_sqrt_bc2 + e;
        float pi = p[i] - step * (mi / denom);
        p[i] = pi;
        bad |= (f32_bits(pi) & 0x7f800000u) == 0x7f800000u;
    }
    return bad;
}

struct adam_job {
    float *p;
    const float *g;
    float *m, *v;
    struct adam_step s;
    uint32_t bad; /* OR of the parts' */
};

static void adam_part(size_t lo, size_t hi, void *ctx)
{
    struct adam_job *J = ctx;
    if (adam_loop(J->p + lo, J->g + lo, J->m + lo, J->v + lo, hi - lo, &J->s))
        __atomic_fetch_or(&J->bad, 1u, __ATOMIC_RELAXED);
}

/* Adam is bound by a square root and a division per parameter: a layer's
 * step of more than this many parameters runs on every BLAS thread (the
 * result is the same bits, element by element). */
#define F3_ADAM_PARALLEL_MIN 32768

int f3_adam_update(float *p, const float *g, float *m, float *v, size_t n, double lr,
                   double beta1, double beta2, double eps, uint64_t t, f3_memclass cls,
                   f3_counts *c)
{
    const double bc1 = 1.0 - pow(beta1, (double)t);
    const double bc2 = 1.0 - pow(beta2, (double)t);
    /* PyTorch divides by sqrt(bc2); one multiply by its reciprocal instead
     * leaves one division per parameter (division and square root bound
     * this loop) at a cost of at most 1 ulp in the denominator. */
    struct adam_job J = {p, g, m, v,
                         {(float)beta1, (float)beta2, (float)(1.0 - beta1), (float)(1.0 - beta2),
                          (float)(lr / bc1), (float)(1.0 / sqrt(bc2)), (float)eps},
                         0};
    f3_blas_parallel_for(n, F3_ADAM_PARALLEL_MIN, p, adam_part, &J);
    f3_count_adam(c, n, cls);
    return !J.bad;
}

void f3_count_adam(f3_counts *c, size_t n, f3_memclass cls)
{
    if (!c) return;
    c->fma += n;
    c->elem += (uint64_t)F3_ADAM_ELEM_PER_PARAM * n;
    c->reads[cls] += n;
    c->writes[cls] += n;
    c->reads[F3_MEM_GRADIENTS] += n;
    c->reads[F3_MEM_OPTSTATE] += 2u * (uint64_t)n;
    c->writes[F3_MEM_OPTSTATE] += 2u * (uint64_t)n;
}
