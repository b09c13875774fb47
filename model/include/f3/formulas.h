/* f3/formulas.h — closed forms for the cost of training: Appendix A of the
 * paper (eqs. 14–34) and their exact generalisation to every configuration
 * the reference trainer runs.
 *
 * Two families:
 *
 *  (a) The paper's equations, under the assumptions of A.1 (linear layers,
 *      no bias, batch size 1, SGD), as printed where they are right and as
 *      corrected where they are not (see "Errata" in docs/validation.md).
 *      Widths are given as n[0..K] (n[K] = C); counts are FMA per training
 *      sample, memory in elements or bytes.
 *
 *  (b) The generalisation: for any f3_config (bp, f3, dfa, drtp, llo; bias
 *      on or off; any activation; loss bce, mse or softmax_ce; any error
 *      information; SGD or Adam; any batch size), the counters the ledger
 *      holds after a run — per layer and phase: FMA, element-wise
 *      operations, element reads and writes per memory class — and the
 *      peaks of the activation buffer and the error store.  Every counter
 *      is affine in the batch size of a step, so the counts of a run depend
 *      only on its number of steps and the total of its batch sizes
 *      (f3_run_shape).  They equal what f3_train_step records, exactly;
 *      tests/unit/test_formulas.c checks that on random shapes.
 *
 * Derivations and errata: docs/validation.md.  Nothing here allocates.
 */
#ifndef F3_FORMULAS_H
#define F3_FORMULAS_H

#include <stddef.h>
#include <stdint.h>

#include "f3/ledger.h"
#include "f3/status.h"
#include "f3/train.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- (a) Appendix A as printed (and corrected) ------------------------- */

/* Per-sample FMA of one training step of a linear network without biases,
 * batch size 1, SGD (A.1), split as A.2 splits it.
 *   forward   eq. (14): Σ_{i=1}^{K} n_{i−1} n_i
 *   feedback  δh: BP eq. (15) first term Σ_{i=2}^{K} n_{i−1} n_i;
 *                 F³ eq. (16) first term C Σ_{i=1}^{K−1} n_i
 *   gradient  δW: second term of eqs. (15), (16): Σ_{i=1}^{K} n_{i−1} n_i
 *   update    eq. (17): Σ_{i=1}^{K} n_{i−1} n_i
 *   total     eq. (18) (BP) or eq. (19) (F³) */
typedef struct {
    uint64_t forward, feedback, gradient, update, total;
} f3_paper_fma;

/* n: (K+1) widths n_0 … n_K, K ≥ 1 (the paper assumes K > 2; the forms
 * hold for K ≥ 1).  F3_EINVAL if K = 0 or a width is 0. */
f3_status f3_paper_fma_bp(size_t K, const size_t *n, f3_paper_fma *out); /* eqs. 14, 15, 17, 18 */
f3_status f3_paper_fma_f3(size_t K, const size_t *n, f3_paper_fma *out); /* eqs. 14, 16, 17, 19 */

/* Equal-width networks (A.3): K layers, input n0, hidden width w, C outputs,
 * FMA per sample.  K ≥ 2. */
uint64_t f3_eq20_bp_equal_width(size_t K, size_t n0, size_t w, size_t C);
uint64_t f3_eq21_f3_equal_width(size_t K, size_t n0, size_t w, size_t C);
/* eq. (22): FMA saved per sample, (K−2)·w·(w−C); negative when w < C. */
int64_t f3_eq22_saving(size_t K, size_t w, size_t C);
/* eq. (23): relative gain for computing the δh, (w−C)/(w + C/(K−2));
 * K = 2 gives 0 (BP's and F³'s δh then cost the same, C·w). */
double f3_eq23_feedback_gain(size_t K, size_t w, size_t C);
/* eq. (24): relative gain of the whole step,
 * (K−2)(w−C)/(4C + 4Kw + 3n0 − 8w). */
double f3_eq24_total_gain(size_t K, size_t n0, size_t w, size_t C);
/* eqs. (25), (26): the limits of (23) and (24) for w → ∞ (K > 2): 1 and
 * 1/4; for K = 2 both gains are 0 for every w. */
double f3_eq25_feedback_gain_limit(size_t K);
double f3_eq26_total_gain_limit(size_t K);

/* Eqs. (22)–(24) for arbitrary widths (not only equal ones): saving is
 * eq. (18) − eq. (19) per sample (FMA, may be negative); feedback_gain =
 * saving / BP's δh FMA; total_gain = saving / eq. (18). */
typedef struct {
    int64_t saving;
    double feedback_gain;
    double total_gain;
} f3_paper_gain;
f3_status f3_paper_gain_of(size_t K, const size_t *n, f3_paper_gain *out);

/* Memory (A.4), in elements.  n: (K+1) widths; b: batch size; N: number of
 * training samples. */
uint64_t f3_eq27_activation_elements(size_t K, const size_t *n, size_t b); /* b Σ_{i=1}^{K−1} n_i */
uint64_t f3_eq28_feedback_elements(size_t K, const size_t *n);             /* C Σ_{i=1}^{K−1} n_i */
uint64_t f3_eq29_error_store_elements(size_t C, size_t N);                 /* C · N */
/* Bytes (32-bit floats, 1 B = 8 bit):
 *   eq. (30) F³'s overhead, corrected: 4C(Σ_{i=1}^{K−1} n_i + N) B;
 *   eq. (30) as printed, 4C(Σ n_i + 4C·N) B (erratum E1, kept to pin it);
 *   eq. (31) BP's activation buffer 4b Σ_{i=1}^{K−1} n_i B;
 *   eq. (32) F³'s net saving 4((b − C) Σ_{i=1}^{K−1} n_i − C N) B (may be
 *            negative: F³ then needs more memory than BP). */
uint64_t f3_eq30_f3_overhead_bytes(size_t K, const size_t *n, size_t N);
uint64_t f3_eq30_printed_bytes(size_t K, const size_t *n, size_t N);
uint64_t f3_eq31_bp_activation_bytes(size_t K, const size_t *n, size_t b);
int64_t f3_eq32_memory_saving_bytes(size_t K, const size_t *n, size_t b, size_t N);

/* Encodings of the feedback matrices (A.4, "Further optimizations"). */
typedef enum {
    F3_ENC_FLOAT32 = 0, /* 4 B per element (eq. 30) */
    F3_ENC_TERNARY2,    /* 2 bit per element for {−1, 0, 1} (eq. 34) */
    F3_ENC_SEED         /* regenerated from the generator's seed: F3_FEEDBACK_SEED_BYTES */
} f3_encoding;
/* The trainer draws every B_i from one generator stream derived from the
 * 64-bit run seed, so one seed regenerates them all. */
#define F3_FEEDBACK_SEED_BYTES 8u
/* Bytes of `elements` feedback weights in an encoding: 4·elements,
 * ⌈2·elements/8⌉ (eq. 34: C Σ n_i / 4 B, rounded up to whole bytes) or
 * F3_FEEDBACK_SEED_BYTES (0 if elements is 0). */
uint64_t f3_feedback_bytes(uint64_t elements, f3_encoding enc);

/* ---- (b) exact counts for any configuration ------------------------------ */

/* A run as the counts see it: `steps` calls of f3_train_step whose batch
 * sizes add up to `samples`, the largest being `max_batch`. */
typedef struct {
    uint64_t steps;
    uint64_t samples;
    uint64_t max_batch;
} f3_run_shape;

/* The first `steps` steps of training over epochs of n_train samples in
 * batches of batch_size, the last batch of each epoch holding the
 * remainder (as `f3sim train` does).  n_train, batch_size ≥ 1. */
f3_run_shape f3_run_shape_epochs(size_t n_train, size_t batch_size, uint64_t steps);
/* Batch size of step s (0-based) of that schedule. */
size_t f3_run_batch_of_step(size_t n_train, size_t batch_size, uint64_t s);

/* Counters of layer `layer` (0-based: layer i of the paper is i−1 here) in
 * phase p after a run of shape `run` — exactly what the trainer's ledger
 * holds in f3_ledger_at(layer, p).  cfg is checked as f3_config_validate
 * does; F3_EINVAL if it is invalid or layer ≥ K. */
f3_status f3_formula_counts(const f3_config *cfg, size_t layer, f3_phase p, f3_run_shape run,
                            f3_counts *out);

/* Fill a ledger (allocated for cfg->n_layers layers) with the formulas:
 * every layer and phase, samples, batches, and the live counts and peaks
 * at the end of the run — activation buffer: peak max_batch·Σ_{i=1}^{K−1}
 * n_i for bp and dfa (eq. 27), 0 otherwise, live 0; error store: n_train·C
 * for f3 (eq. 29), live and peak, 0 otherwise.  n_train is the size of
 * the error store (f3) and otherwise unused. */
f3_status f3_formula_ledger(const f3_config *cfg, size_t n_train, f3_run_shape run,
                            f3_ledger *out);

/* Compare two ledgers of the same shape counter by counter.  Returns the
 * number of counters that differ (0: identical) and describes the first
 * difference in msg (may be NULL), e.g. "layer 2 feedback reads.work:
 * 120 vs 112". */
size_t f3_ledger_diff(const f3_ledger *a, const f3_ledger *b, char *msg, size_t len);

/* Memory a configuration keeps, in elements (32-bit floats each):
 *   parameters         weights and biases (every algorithm)
 *   gradients          δW, δb of the layers that train (LLO: the last only)
 *   optimizer_state    Adam's m and v of the layers that train (SGD: 0)
 *   activation_buffer  eq. (27) with b = batch_size: bp and dfa, else 0
 *   feedback           eq. (28): f3, dfa, drtp, else 0
 *   error_store        eq. (29) with N = n_train: f3, else 0
 * A.4 compares only the last three (the others are common to BP and F³). */
typedef struct {
    uint64_t parameters, gradients, optimizer_state;
    uint64_t activation_buffer, feedback, error_store;
} f3_memory;
f3_status f3_formula_memory(const f3_config *cfg, size_t n_train, f3_memory *out);

#ifdef __cplusplus
}
#endif
#endif
