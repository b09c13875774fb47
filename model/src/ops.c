/* ops.c — see f3/ops.h. */
#include "f3/ops.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gsl/gsl_blas.h>

#include "f3/kernels.h"

#define SQRT1_2 0.70710678118654752440f  /* 1/√2 */
#define INV_SQRT_2PI 0.39894228040143267794f /* 1/√(2π) */

/* ---- the matrix products, traced on request (analysis/bench/bench_vit.c) ---- */

static f3_gemm_trace *trace;
static double *gemm_seconds;

void f3_ops_trace_gemms(f3_gemm_trace *t) { trace = t; }
void f3_ops_time_gemms(double *seconds) { gemm_seconds = seconds; }

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void record(CBLAS_TRANSPOSE_t ta, CBLAS_TRANSPOSE_t tb, const gsl_matrix_float *A, const gsl_matrix_float *B,
                   float beta, const gsl_matrix_float *C)
{
    if (trace->n == trace->cap) {
        const size_t cap = trace->cap ? 2 * trace->cap : 1024;
        f3_gemm_call *c = realloc(trace->calls, cap * sizeof *c);
        if (!c) { /* the trace stops growing; n_lost says how many went unrecorded */
            trace->n_lost++;
            return;
        }
        trace->calls = c, trace->cap = cap;
    }
    trace->calls[trace->n++] = (f3_gemm_call){ta == CblasTrans, tb == CblasTrans, C->size1, C->size2,
                                              ta == CblasTrans ? A->size1 : A->size2, A->tda, B->tda, C->tda, beta};
}

/* gsl_blas_sgemm, recorded into the trace when one is set */
static void sgemm(CBLAS_TRANSPOSE_t ta, CBLAS_TRANSPOSE_t tb, float alpha, const gsl_matrix_float *A,
                  const gsl_matrix_float *B, float beta, gsl_matrix_float *C)
{
    if (trace) record(ta, tb, A, B, beta, C);
    if (!gemm_seconds) {
        gsl_blas_sgemm(ta, tb, alpha, A, B, beta, C);
        return;
    }
    const double t0 = now();
    gsl_blas_sgemm(ta, tb, alpha, A, B, beta, C);
    *gemm_seconds += now() - t0;
}

/* ---- linear ------------------------------------------------------------------ */

void f3_op_linear_forward(const float *W, const float *bias, const float *X, float *Y, size_t r, size_t n_in,
                          size_t n_out)
{
    gsl_matrix_float_const_view Xv = gsl_matrix_float_const_view_array(X, r, n_in);
    gsl_matrix_float_const_view Wv = gsl_matrix_float_const_view_array(W, n_out, n_in);
    gsl_matrix_float_view Yv = gsl_matrix_float_view_array(Y, r, n_out);
    sgemm(CblasNoTrans, CblasTrans, 1.0f, &Xv.matrix, &Wv.matrix, 0.0f, &Yv.matrix);
    if (bias)
        for (size_t k = 0; k < r; k++)
            for (size_t j = 0; j < n_out; j++) Y[k * n_out + j] += bias[j];
}

void f3_op_linear_backward(const float *W, const float *X, const float *dY, float *dX, float *dW, float *dbias,
                           size_t r, size_t n_in, size_t n_out)
{
    gsl_matrix_float_const_view dYv = gsl_matrix_float_const_view_array(dY, r, n_out);
    gsl_matrix_float_const_view Xv = gsl_matrix_float_const_view_array(X, r, n_in);
    if (dX) {
        gsl_matrix_float_const_view Wv = gsl_matrix_float_const_view_array(W, n_out, n_in);
        gsl_matrix_float_view dXv = gsl_matrix_float_view_array(dX, r, n_in);
        sgemm(CblasNoTrans, CblasNoTrans, 1.0f, &dYv.matrix, &Wv.matrix, 0.0f, &dXv.matrix);
    }
    gsl_matrix_float_view dWv = gsl_matrix_float_view_array(dW, n_out, n_in);
    sgemm(CblasTrans, CblasNoTrans, 1.0f, &dYv.matrix, &Xv.matrix, 1.0f, &dWv.matrix);
    if (dbias)
        for (size_t k = 0; k < r; k++)
            for (size_t j = 0; j < n_out; j++) dbias[j] += dY[k * n_out + j];
}

/* ---- layer normalisation -------------------------------------------------------- */

void f3_op_layernorm_forward(const float *gamma, const float *beta, const float *X, float *Y, float *mean,
                             float *rstd, size_t r, size_t d, float eps)
{
    for (size_t k = 0; k < r; k++) {
        const float *x = X + k * d;
        double s = 0.0;
        for (size_t i = 0; i < d; i++) s += x[i];
        const double mu = s / (double)d;
        double v = 0.0;
        for (size_t i = 0; i < d; i++) v += ((double)x[i] - mu) * ((double)x[i] - mu);
        const float rs = (float)(1.0 / sqrt(v / (double)d + (double)eps));
        mean[k] = (float)mu;
        rstd[k] = rs;
        float *y = Y + k * d;
        for (size_t i = 0; i < d; i++) y[i] = (x[i] - (float)mu) * rs * gamma[i] + beta[i];
    }
}

void f3_op_layernorm_backward(const float *gamma, const float *X, const float *mean, const float *rstd,
                              const float *dY, float *dX, float *dgamma, float *dbeta, size_t r, size_t d)
{
    for (size_t k = 0; k < r; k++) {
        const float *x = X + k * d, *dy = dY + k * d;
        const float mu = mean[k], rs = rstd[k];
        double sg = 0.0, sgx = 0.0;
        for (size_t i = 0; i < d; i++) {
            const float xh = (x[i] - mu) * rs, g = dy[i] * gamma[i];
            sg += g;
            sgx += (double)g * xh;
            dgamma[i] += dy[i] * xh;
            dbeta[i] += dy[i];
        }
        const float mg = (float)(sg / (double)d), mgx = (float)(sgx / (double)d);
        float *dx = dX + k * d;
        for (size_t i = 0; i < d; i++) {
            const float xh = (x[i] - mu) * rs;
            dx[i] = rs * (dy[i] * gamma[i] - mg - xh * mgx);
        }
    }
}

/* ---- activations ------------------------------------------------------------------ */

const char *f3_op_act_name(f3_op_act a)
{
    switch (a) {
    case F3_OP_TANH: return "tanh";
    case F3_OP_SIGMOID: return "sigmoid";
    case F3_OP_RELU: return "relu";
    default: return "gelu";
    }
}

void f3_op_act_forward(f3_op_act a, const float *X, float *Y, size_t n)
{
    if (a != F3_OP_GELU) { /* the MLP trainer's vectorised kernels (kernels.c), the same values */
        if (Y != X) memcpy(Y, X, n * sizeof *Y);
        f3_activate(a == F3_OP_TANH ? F3_ACT_TANH : a == F3_OP_SIGMOID ? F3_ACT_SIGMOID : F3_ACT_RELU, Y, n);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const float x = X[i];
        switch (a) {
        case F3_OP_TANH: Y[i] = tanhf(x); break;
        case F3_OP_SIGMOID: Y[i] = 1.0f / (1.0f + expf(-x)); break;
        case F3_OP_RELU: Y[i] = x > 0.0f ? x : 0.0f; break;
        default: Y[i] = 0.5f * x * (1.0f + erff(x * SQRT1_2)); break;
        }
    }
}

void f3_op_act_backward(f3_op_act a, const float *X, const float *Y, const float *dY, float *dX, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        float g;
        switch (a) {
        case F3_OP_TANH: g = 1.0f - Y[i] * Y[i]; break;
        case F3_OP_SIGMOID: g = Y[i] * (1.0f - Y[i]); break;
        case F3_OP_RELU: g = X[i] > 0.0f ? 1.0f : 0.0f; break;
        default: {
            /* Φ(x) + x·φ(x) */
            const float x = X[i];
            g = 0.5f * (1.0f + erff(x * SQRT1_2)) + x * expf(-0.5f * x * x) * INV_SQRT_2PI;
            break;
        }
        }
        dX[i] = dY[i] * g;
    }
}

/* ---- multi-head self-attention ------------------------------------------------------ */

/* Where one head's q, k or v (part 0, 1, 2) of sample s starts in the
 * packed (b, n, 3·h·dh) array: n rows of dh, row stride 3·h·dh. */
static size_t qkv_at(size_t s, size_t part, size_t head, size_t n, size_t h, size_t dh)
{
    const size_t inner = h * dh;
    return s * n * 3 * inner + part * inner + head * dh;
}
#define QKV_VIEW(base, s, part, hd) \
    gsl_matrix_float_const_view_array_with_tda((base) + qkv_at(s, part, hd, n, h, dh), n, dh, 3 * h * dh)
#define QKV_VIEW_MUT(base, s, part, hd) \
    gsl_matrix_float_view_array_with_tda((base) + qkv_at(s, part, hd, n, h, dh), n, dh, 3 * h * dh)

/* One sample's and head's P = softmax_rows(scale · q kᵀ) (n, n). */
static void attention_scores(const float *QKV, float *P, size_t s, size_t hd, size_t n, size_t h, size_t dh,
                             float scale)
{
    gsl_matrix_float_const_view q = QKV_VIEW(QKV, s, 0, hd), k = QKV_VIEW(QKV, s, 1, hd);
    float *p = P + (s * h + hd) * n * n;
    gsl_matrix_float_view Pv = gsl_matrix_float_view_array(p, n, n);
    sgemm(CblasNoTrans, CblasTrans, scale, &q.matrix, &k.matrix, 0.0f, &Pv.matrix);
    for (size_t i = 0; i < n; i++) {
        float *row = p + i * n, m = row[0];
        for (size_t j = 1; j < n; j++) m = row[j] > m ? row[j] : m;
        double z = 0.0;
        for (size_t j = 0; j < n; j++) z += row[j] = expf(row[j] - m);
        const float inv = (float)(1.0 / z);
        for (size_t j = 0; j < n; j++) row[j] *= inv;
    }
}

/* One sample's and head's O = P v (n, dh) into O's 'b n (h d)'. */
static void attention_values(const float *QKV, const float *P, float *O, size_t s, size_t hd, size_t n, size_t h,
                             size_t dh)
{
    const size_t inner = h * dh;
    gsl_matrix_float_const_view v = QKV_VIEW(QKV, s, 2, hd);
    gsl_matrix_float_const_view Pc = gsl_matrix_float_const_view_array(P + (s * h + hd) * n * n, n, n);
    gsl_matrix_float_view Ov = gsl_matrix_float_view_array_with_tda(O + s * n * inner + hd * dh, n, dh, inner);
    sgemm(CblasNoTrans, CblasNoTrans, 1.0f, &Pc.matrix, &v.matrix, 0.0f, &Ov.matrix);
}

void f3_op_attention_forward(const float *QKV, float *O, float *P, size_t b, size_t n, size_t h, size_t dh,
                             float scale)
{
    for (size_t s = 0; s < b; s++)
        for (size_t hd = 0; hd < h; hd++) {
            attention_scores(QKV, P, s, hd, n, h, dh, scale);
            attention_values(QKV, P, O, s, hd, n, h, dh);
        }
}

void f3_op_attention_scores(const float *QKV, float *P, size_t b, size_t n, size_t h, size_t dh, float scale)
{
    for (size_t s = 0; s < b; s++)
        for (size_t hd = 0; hd < h; hd++) attention_scores(QKV, P, s, hd, n, h, dh, scale);
}

void f3_op_attention_values(const float *QKV, const float *P, float *O, size_t b, size_t n, size_t h, size_t dh)
{
    for (size_t s = 0; s < b; s++)
        for (size_t hd = 0; hd < h; hd++) attention_values(QKV, P, O, s, hd, n, h, dh);
}

void f3_op_attention_backward(const float *QKV, const float *P, const float *dO, float *dQKV, size_t b, size_t n,
                              size_t h, size_t dh, float scale, float *scratch)
{
    const size_t inner = h * dh;
    for (size_t s = 0; s < b; s++)
        for (size_t hd = 0; hd < h; hd++) {
            gsl_matrix_float_const_view q = QKV_VIEW(QKV, s, 0, hd), k = QKV_VIEW(QKV, s, 1, hd),
                                        v = QKV_VIEW(QKV, s, 2, hd);
            gsl_matrix_float_view dq = QKV_VIEW_MUT(dQKV, s, 0, hd), dk = QKV_VIEW_MUT(dQKV, s, 1, hd),
                                  dv = QKV_VIEW_MUT(dQKV, s, 2, hd);
            const float *p = P + (s * h + hd) * n * n;
            gsl_matrix_float_const_view Pv = gsl_matrix_float_const_view_array(p, n, n);
            gsl_matrix_float_const_view dOv =
                gsl_matrix_float_const_view_array_with_tda(dO + s * n * inner + hd * dh, n, dh, inner);
            /* dv = Pᵀ dO;  dP = dO vᵀ */
            sgemm(CblasTrans, CblasNoTrans, 1.0f, &Pv.matrix, &dOv.matrix, 0.0f, &dv.matrix);
            gsl_matrix_float_view dS = gsl_matrix_float_view_array(scratch, n, n);
            sgemm(CblasNoTrans, CblasTrans, 1.0f, &dOv.matrix, &v.matrix, 0.0f, &dS.matrix);
            /* through the softmax, row by row */
            for (size_t i = 0; i < n; i++) {
                float *g = scratch + i * n;
                const float *pr = p + i * n;
                double dot = 0.0;
                for (size_t j = 0; j < n; j++) dot += (double)g[j] * pr[j];
                for (size_t j = 0; j < n; j++) g[j] = pr[j] * (g[j] - (float)dot);
            }
            /* dq = scale · dS k;  dk = scale · dSᵀ q */
            gsl_matrix_float_const_view dSc = gsl_matrix_float_const_view_array(scratch, n, n);
            sgemm(CblasNoTrans, CblasNoTrans, scale, &dSc.matrix, &k.matrix, 0.0f, &dq.matrix);
            sgemm(CblasTrans, CblasNoTrans, scale, &dSc.matrix, &q.matrix, 0.0f, &dk.matrix);
        }
}

/* ---- patches ------------------------------------------------------------------------- */

/* The index in Y of X's element (sample s, channel ch, row y, column x). */
static size_t patch_index(size_t s, size_t ch, size_t y, size_t x, size_t c, size_t H, size_t W, size_t p)
{
    const size_t gw = W / p, tokens = (H / p) * gw, pd = p * p * c;
    const size_t tok = (y / p) * gw + x / p, within = ((y % p) * p + x % p) * c + ch;
    return (s * tokens + tok) * pd + within;
}

void f3_op_patchify_forward(const float *X, float *Y, size_t b, size_t c, size_t H, size_t W, size_t p)
{
    for (size_t s = 0; s < b; s++)
        for (size_t ch = 0; ch < c; ch++)
            for (size_t y = 0; y < H; y++)
                for (size_t x = 0; x < W; x++)
                    Y[patch_index(s, ch, y, x, c, H, W, p)] = X[((s * c + ch) * H + y) * W + x];
}

void f3_op_patchify_backward(const float *dY, float *dX, size_t b, size_t c, size_t H, size_t W, size_t p)
{
    for (size_t s = 0; s < b; s++)
        for (size_t ch = 0; ch < c; ch++)
            for (size_t y = 0; y < H; y++)
                for (size_t x = 0; x < W; x++)
                    dX[((s * c + ch) * H + y) * W + x] = dY[patch_index(s, ch, y, x, c, H, W, p)];
}
