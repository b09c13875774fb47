/* f3/kernels.h — the layer kernels: the only code that touches weights.
 *
 * One function per step of a dense layer, with flat row-major float arrays
 * and sizes as plain integers; b is the number of samples in the batch.
 * Matrix products go through GSL's BLAS interface (served by OpenBLAS);
 * each such kernel has a plain-loop `_ref` twin that the tests compare it
 * with.  Every kernel adds what it did to `c` (may be NULL): FMAs as
 * Appendix A counts them, other element-wise operations, and element reads
 * and writes per memory class (see f3/ledger.h).  No kernel allocates.
 */
#ifndef F3_KERNELS_H
#define F3_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#include "f3/ledger.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    F3_ACT_IDENTITY = 0,
    F3_ACT_TANH,
    F3_ACT_SIGMOID,
    F3_ACT_RELU
} f3_activation;

typedef enum {
    F3_LOSS_BCE = 0,    /* binary cross-entropy on sigmoid outputs */
    F3_LOSS_MSE,        /* mean squared error */
    F3_LOSS_SOFTMAX_CE  /* softmax cross-entropy on identity (logit) outputs */
} f3_loss;

/* F³'s error information e (§3.4).
 *   error: e = y* − y        loss: e = −∂L/∂y of the mean-reduced loss
 *   one_hot: e ⊙ y* (only the target class), applied when the store is read
 *   softmax: softmax(y) used in place of y when the store is written */
typedef enum { F3_EI_ERROR = 0, F3_EI_LOSS } f3_error_kind;
typedef struct {
    f3_error_kind kind;
    int one_hot;
    int softmax;
} f3_error_info;

/* Output layer: δz of the mean-reduced training loss, and the reported loss.
 *   bce (sigmoid outputs):      δz = (y − y*)/(b·C); reported: Σ_c BCE (log ≥ −100)
 *   mse (any output f):         δz = 2(y − y*)/(b·C) ⊙ f'(z); reported: mean_c (y − y*)²
 *   softmax_ce (logit outputs): δz = (softmax(y) − y*)/b; reported: −Σ_c y* log softmax(y)
 * Y: (b, C) outputs  T: (b, C) targets  dZ: (b, C)
 * loss_sum (may be NULL) += reported loss summed over the b samples;
 * correct (may be NULL) += samples whose arg-max of Y equals labels[k]
 * (labels may be NULL).  The reported loss is monitoring and not counted;
 * δz costs F3_OUTPUT_ELEM_PER_OUTPUT elem per output (softmax_ce adds
 * F3_SOFTMAX_ELEM_PER_OUTPUT, mse adds f' as in f3_act_backward). */
#define F3_OUTPUT_ELEM_PER_OUTPUT 2u
#define F3_SOFTMAX_ELEM_PER_OUTPUT 3u
void f3_output_delta(f3_loss loss, f3_activation out_act, const float *Y, const float *T,
                     const int32_t *labels, float *dZ, size_t b, size_t C, double *loss_sum,
                     size_t *correct, f3_counts *c);

/* Error information of a batch (F³'s store write, DFA's current error):
 *   error: E = y* − y'        loss: E = −∂L/∂y at y' (mean-reduced, so it
 *   carries the 1/(b·C) factor; softmax_ce: −∂L/∂z = (y* − softmax(y))/b)
 * with y' = softmax(y) for the softmax variants, else y.
 * Y, T, E: (b, C).  ledger elem per output: error 1, loss 5 (bce) or 2
 * (mse, softmax_ce), plus F3_SOFTMAX_ELEM_PER_OUTPUT when a softmax is
 * taken. */
void f3_error_information(f3_error_info ei, f3_loss loss, const float *Y, const float *T,
                          float *E, size_t b, size_t C, f3_counts *c);

/* Forward: Z = H W^T (+ bias), then H_out = f(Z) in place of Z.
 * W: (n_out, n_in)  bias: (n_out) or NULL  H: (b, n_in)  out: (b, n_out)
 * in_class/out_class: memory classes of H and out for the ledger.
 * ledger: b·n_in·n_out FMA; b·n_out elem for the bias, b·n_out for f. */
void f3_dense_forward(const float *W, const float *bias, const float *H, float *out,
                      size_t b, size_t n_in, size_t n_out, f3_activation f,
                      f3_memclass in_class, f3_memclass out_class, f3_counts *c);
void f3_dense_forward_ref(const float *W, const float *bias, const float *H, float *out,
                          size_t b, size_t n_in, size_t n_out, f3_activation f,
                          f3_memclass in_class, f3_memclass out_class, f3_counts *c);

/* Apply f element-wise in place (n elements); no ledger entry. */
void f3_activate(f3_activation f, float *x, size_t n);

/* Direct feedback: dH = E B.   E: (b, C)  B: (C, n)  dH: (b, n)
 * ledger: b·C·n FMA. */
void f3_feedback_dense(const float *E, const float *B, float *dH, size_t b, size_t C,
                       size_t n, f3_memclass e_class, f3_counts *c);
void f3_feedback_dense_ref(const float *E, const float *B, float *dH, size_t b, size_t C,
                           size_t n, f3_memclass e_class, f3_counts *c);

/* One-hot direct feedback: dH[k,:] = e[k] · B[cls[k], :], one column of
 * B_i (in the paper's n_i × C orientation) scaled per sample.
 * e: (b) the target-class entry of each sample's error  cls: (b)
 * ledger: b·n FMA. */
void f3_feedback_onehot(const float *e, const int32_t *cls, const float *B, float *dH,
                        size_t b, size_t n, f3_memclass e_class, f3_counts *c);

/* Backpropagation: dH = dZ W (i.e. W^T δz per sample).
 * dZ: (b, n_out)  W: (n_out, n_in)  dH: (b, n_in)   ledger: b·n_in·n_out FMA. */
void f3_backprop_dh(const float *dZ, const float *W, float *dH, size_t b, size_t n_in,
                    size_t n_out, f3_counts *c);
void f3_backprop_dh_ref(const float *dZ, const float *W, float *dH, size_t b, size_t n_in,
                        size_t n_out, f3_counts *c);

/* dZ = dH ⊙ f'(z), with f'(z) computed from the layer output h = f(z)
 * (tanh: 1−h², sigmoid: h(1−h), relu: h>0, identity: 1), so no z is kept.
 * In place (dZ may equal dH).  H_class: where H lives.
 * ledger: b·n elem for f', b·n for the product (identity: b·n in all). */
void f3_act_backward(f3_activation f, const float *H, const float *dH, float *dZ, size_t n,
                     f3_memclass h_class, f3_counts *c);

/* Gradient: dW (+)= dZ^T H, db (+)= Σ_k dZ[k,:].  accumulate = 0 overwrites
 * (as if zero_grad had run first), 1 adds.
 * dZ: (b, n_out)  H: (b, n_in)  dW: (n_out, n_in)  db: (n_out) or NULL
 * ledger: b·n_in·n_out FMA; b·n_out elem for db. */
void f3_dense_gradient(const float *dZ, const float *H, float *dW, float *db, size_t b,
                       size_t n_in, size_t n_out, int accumulate, f3_memclass h_class,
                       f3_counts *c);
void f3_dense_gradient_ref(const float *dZ, const float *H, float *dW, float *db, size_t b,
                           size_t n_in, size_t n_out, int accumulate, f3_memclass h_class,
                           f3_counts *c);

/* SGD: p -= lr · g over n parameters of memory class cls.  ledger: n FMA.
 * Returns 1 if every updated p is finite, 0 if not (the divergence check,
 * in the same pass). */
int f3_sgd_update(float *p, const float *g, size_t n, float lr, f3_memclass cls,
                  f3_counts *c);

/* Adam (PyTorch's formulation, β1, β2, ε; t ≥ 1 the step number):
 *   m = β1 m + (1−β1) g;  v = β2 v + (1−β2) g²
 *   p -= (lr / (1−β1^t)) · m / (sqrt(v)·(1/sqrt(1−β2^t)) + ε)
 * ledger: n FMA (the final step) and F3_ADAM_ELEM_PER_PARAM·n elem.
 * Returns 1 if every updated p is finite, 0 if not (the divergence check,
 * in the same pass over p). */
#define F3_ADAM_ELEM_PER_PARAM 11u
int f3_adam_update(float *p, const float *g, float *m, float *v, size_t n, double lr,
                   double beta1, double beta2, double eps, uint64_t t, f3_memclass cls,
                   f3_counts *c);

/* The BLAS behind GSL's interface: OpenBLAS's build string, e.g.
 * "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY SkylakeX MAX_THREADS=64". */
const char *f3_blas_config(void);
/* Threads the BLAS may use (n ≥ 1); results do not depend on it for the
 * products f3 issues, but timings do. */
void f3_blas_set_threads(int n);
int f3_blas_threads(void);
/* Run fn(lo, hi, ctx) over [0, n) in parts, one per BLAS thread, on
 * OpenBLAS's own thread pool (its exported blas_level1_thread, OpenBLAS
 * 0.3.13 and later; the threads that run the products, so no second set of
 * threads competes with them for the cores), and return when every part is
 * done.  anchor: any float array of n elements (the parts' offsets are
 * taken from it; it is not read).  Runs fn(0, n, ctx) in the caller when
 * the BLAS has one thread, n is below min_parallel, or the BLAS is another
 * one.  For element-wise loops, whose results do not depend on the split. */
void f3_blas_parallel_for(size_t n, size_t min_parallel, const float *anchor,
                          void (*fn)(size_t lo, size_t hi, void *ctx), void *ctx);
/* The cores this process may run on: the online CPUs, or fewer when its
 * affinity mask (taskset, a container's cpuset) allows fewer; at least 1. */
int f3_usable_cores(void);

/* OpenBLAS 0.3.21 does not recognise some newer x86 processors and falls
 * back to its generic SSE3 ("Prescott") kernels, 4–5× slower.  Called first
 * thing in main(): when that happened on a processor with AVX-512 (or
 * AVX2), re-executes the program with OPENBLAS_CORETYPE=SkylakeX (Haswell)
 * so the library loads the right kernels.  A user's own OPENBLAS_CORETYPE
 * is respected.  Returns when nothing needs doing (or exec failed). */
void f3_blas_select_core(char **argv);

/* ---- the ledger entries of each kernel (for twins that compute the same
 * step another way, e.g. the fixed-point kernels) ---------------------- */
void f3_count_forward(f3_counts *c, size_t b, size_t n_in, size_t n_out, int has_bias, f3_activation f,
                      f3_memclass in_class, f3_memclass out_class);
void f3_count_feedback(f3_counts *c, size_t b, size_t C, size_t n, f3_memclass e_class, int one_hot);
void f3_count_backprop(f3_counts *c, size_t b, size_t n_in, size_t n_out);
void f3_count_gradient(f3_counts *c, size_t b, size_t n_in, size_t n_out, int has_bias, int accumulate,
                       f3_memclass h_class);
void f3_count_act_backward(f3_counts *c, f3_activation f, size_t n, f3_memclass h_class);
void f3_count_sgd(f3_counts *c, size_t n, f3_memclass cls);
void f3_count_adam(f3_counts *c, size_t n, f3_memclass cls);

#ifdef __cplusplus
}
#endif
#endif
