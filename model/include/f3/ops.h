/* f3/ops.h — the ops a trainable block is made of (issue 19): linear,
 * layer normalisation, element-wise activations (tanh, sigmoid, relu,
 * gelu), multi-head self-attention and patchify, each with its forward pass
 * and its backward pass inside the block.
 *
 * Tensors are flat row-major float arrays.  An op that acts on the last
 * dimension takes r rows (samples × tokens); a reshape between (b, n·d) and
 * (b, n, d) is free.  Matrix products go through GSL's BLAS interface
 * (served by OpenBLAS), the attention's per sample and head with strided
 * views of the packed q, k, v.  A backward pass writes the input's gradient
 * (=) and adds to the parameters' gradients (+=), so that a batch's
 * gradients accumulate.  No op allocates; the attention's backward pass
 * takes an n × n scratch.  Semantics follow PyTorch's modules as the
 * authors' transformer.py uses them (nn.Linear, nn.LayerNorm with eps
 * 1e-5, nn.GELU with erf, einops' rearrange for the heads and the
 * patches).  tests/unit/test_ops.c checks every gradient against finite
 * differences, alone and composed into a transformer block. */
#ifndef F3_OPS_H
#define F3_OPS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Y (r, n_out) = X (r, n_in) · Wᵀ + bias;  W: (n_out, n_in), bias: (n_out) or NULL. */
void f3_op_linear_forward(const float *W, const float *bias, const float *X, float *Y, size_t r, size_t n_in,
                          size_t n_out);
/* dX = dY · W (dX may be NULL), dW += dYᵀ · X, dbias += Σ_rows dY (dbias may be NULL). */
void f3_op_linear_backward(const float *W, const float *X, const float *dY, float *dX, float *dW, float *dbias,
                           size_t r, size_t n_in, size_t n_out);

/* Layer normalisation over the last d of each of r rows:
 *   Y = (X − μ) · rstd ⊙ γ + β,  rstd = 1 / √(var + eps)  (var: biased, over d)
 * mean, rstd (r each): what the backward pass needs (the block's stash). */
#define F3_LAYERNORM_EPS 1e-5f
void f3_op_layernorm_forward(const float *gamma, const float *beta, const float *X, float *Y, float *mean,
                             float *rstd, size_t r, size_t d, float eps);
/* dX = rstd · (g − mean(g) − x̂ · mean(g ⊙ x̂)) with g = dY ⊙ γ, x̂ = (X − μ)·rstd;
 * dγ += Σ_rows dY ⊙ x̂, dβ += Σ_rows dY. */
void f3_op_layernorm_backward(const float *gamma, const float *X, const float *mean, const float *rstd,
                              const float *dY, float *dX, float *dgamma, float *dbeta, size_t r, size_t d);

typedef enum { F3_OP_TANH = 0, F3_OP_SIGMOID, F3_OP_RELU, F3_OP_GELU } f3_op_act;
const char *f3_op_act_name(f3_op_act a);
/* Y = f(X) element-wise over n values (Y may be X).  tanh, sigmoid and
 * relu are the MLP trainer's vectorised kernels (f3_activate: within 2 ulp
 * of libm); gelu: x·Φ(x) with the erf (PyTorch's default). */
void f3_op_act_forward(f3_op_act a, const float *X, float *Y, size_t n);
/* dX = dY ⊙ f'(X), from the op's input X and its output Y (dX may be dY). */
void f3_op_act_backward(f3_op_act a, const float *X, const float *Y, const float *dY, float *dX, size_t n);

/* Multi-head self-attention on b samples of n tokens, h heads of dh:
 *   QKV (b, n, 3·h·dh): [q | k | v] along the last dimension, each as
 *   'b n (h d)' (the output of one linear layer of 3·h·dh outputs);
 *   per sample and head S = scale · q kᵀ (n, n), P = softmax_rows(S),
 *   O = P v;  O (b, n, h·dh) as 'b n (h d)';  P (b, h, n, n): the stash. */
void f3_op_attention_forward(const float *QKV, float *O, float *P, size_t b, size_t n, size_t h, size_t dh,
                             float scale);
/* The forward pass in two halves, for a caller that rounds P between them
 * (the block trainer's number formats): P of every sample and head, then
 * O = P v from the P given.  The two in a row give f3_op_attention_forward's
 * O and P bit for bit. */
void f3_op_attention_scores(const float *QKV, float *P, size_t b, size_t n, size_t h, size_t dh, float scale);
void f3_op_attention_values(const float *QKV, const float *P, float *O, size_t b, size_t n, size_t h, size_t dh);
/* dQKV (b, n, 3·h·dh) from dO (b, n, h·dh):
 *   dv = Pᵀ dO, dP = dO vᵀ, dS = P ⊙ (dP − rowsum(dP ⊙ P)),
 *   dq = scale · dS k, dk = scale · dSᵀ q.
 * scratch: n·n floats. */
void f3_op_attention_backward(const float *QKV, const float *P, const float *dO, float *dQKV, size_t b, size_t n,
                              size_t h, size_t dh, float scale, float *scratch);

/* Patches of p × p: X (b, c, H, W) → Y (b, (H/p)(W/p), p·p·c), as
 * 'b c (h p1) (w p2) -> b (h w) (p1 p2 c)' (H and W multiples of p).  The
 * backward pass is the inverse permutation. */
void f3_op_patchify_forward(const float *X, float *Y, size_t b, size_t c, size_t H, size_t W, size_t p);
void f3_op_patchify_backward(const float *dY, float *dX, size_t b, size_t c, size_t H, size_t W, size_t p);

/* The matrix products the ops run, recorded for a benchmark's GEMM floor
 * (analysis/bench/bench_vit.c replays them alone): per call, the
 * transposes, C's m × n, the inner k, the three leading dimensions and β.
 * f3_ops_trace_gemms(t) appends every later call to t (growing t->calls
 * with realloc; a failed growth counts in n_lost) until
 * f3_ops_trace_gemms(NULL).  Not thread-safe; off by default. */
typedef struct {
    int trans_a, trans_b;
    size_t m, n, k, lda, ldb, ldc;
    float beta;
} f3_gemm_call;
typedef struct {
    f3_gemm_call *calls;
    size_t n, cap, n_lost;
} f3_gemm_trace;
void f3_ops_trace_gemms(f3_gemm_trace *t);
/* Adds the wall-clock seconds spent in every later matrix product to
 * *seconds (NULL: off, the default): the GEMMs' own time in a run. */
void f3_ops_time_gemms(double *seconds);

#ifdef __cplusplus
}
#endif
#endif
