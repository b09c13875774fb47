/* f3/blockformulas.h — closed forms for the cost of training a network of
 * blocks (f3/blocks.h) with the block trainer (f3/blocktrain.h): Appendix
 * A (eqs. 14–19, 27–29) extended from dense layers to blocks of linear
 * layers, layer norms, activations, multi-head self-attention, patches and
 * residuals (issue 19).
 *
 * For any network of blocks and any rule (bp, f3, dfa, drtp, llo; F³'s
 * error information dense or one-hot; adam or sgd; every linear with or
 * without bias), the counters the block trainer's ledger holds after a run
 * of f3_run_shape (f3/formulas.h) — per block and phase: FMA, element-wise
 * operations, element reads and writes per memory class — and its buffer
 * peaks.  The conventions are f3/blocks.h's ("what the passes cost") and
 * f3/blocktrain.h's; tests/unit/test_blockformulas.c checks that the forms
 * equal the trainer's ledger counter by counter on random networks.  Every
 * counter is a per-sample term times S (the run's samples) plus a per-step
 * term times T (its steps).
 *
 * Notation (docs/validation.md, "Appendix A extended to transformer
 * blocks"): n blocks, block k has out_k values per sample at its output,
 * C = out_{n−1} classes; stash_k its stash per sample (f3/blocks.h).
 *
 * Nothing here allocates. */
#ifndef F3_BLOCKFORMULAS_H
#define F3_BLOCKFORMULAS_H

#include <stddef.h>
#include <stdint.h>

#include "f3/blocks.h"
#include "f3/blocktrain.h"
#include "f3/formulas.h"
#include "f3/ledger.h"
#include "f3/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* F3_EINVAL with a message unless the n blocks make a network the block
 * trainer accepts under cfg (1 to F3_BLOCKNET_MAX_BLOCKS valid blocks that
 * chain, the last giving cfg->classes values, a known rule and
 * optimiser). */
f3_status f3_blockformula_check(const f3_block *blocks, size_t n, const f3_blocktrain_config *cfg);

/* Elements per sample of a block's stash: what its backward pass reads from
 * inside the block (f3/blocks.h).  need_in: its input gradient is computed
 * (BP, blocks k > 0), so its backward pass runs from op 0. */
size_t f3_blockformula_stash(const f3_block *blk, int need_in);

/* What op i of block k does in phase p (forward, gradient or feedback;
 * nothing in update and loss) over a run — wherever the ledger books it:
 * under BP op 0's input gradient of block k > 0 is booked in block k − 1's
 * feedback phase.  F3_EINVAL for an invalid network, k or i. */
f3_status f3_blockformula_op(const f3_block *blocks, size_t n, const f3_blocktrain_config *cfg, size_t k,
                             size_t i, f3_phase p, f3_run_shape run, f3_counts *out);

/* The ledger entry of block k in phase p after a run: its ops' counts as
 * booked, E·B_k (k < n − 1, F³, DFA, DRTP), F³'s store read (block 0),
 * the loss, F³'s store write and DFA's current error (block n − 1), the
 * optimiser (blocks that train).  F3_EINVAL for an invalid network or k. */
f3_status f3_blockformula_counts(const f3_block *blocks, size_t n, const f3_blocktrain_config *cfg, size_t k,
                                 f3_phase p, f3_run_shape run, f3_counts *out);

/* Peaks of a run whose largest batch is max_batch, in elements:
 *   activation_buffer  the ledger's peak_act: BP, DFA
 *                      max_batch·(Σ_{k<n−1} out_k + Σ_k stash_k), else 0
 *   stash              f3_blocktrainer_stash_peak: max_batch·Σ_k stash_k
 *                      (BP, DFA), max_batch·max_k stash_k (F³, DRTP),
 *                      max_batch·stash_{n−1} (LLO); with stash_k of
 *                      need_in = (BP and k > 0). */
typedef struct {
    uint64_t activation_buffer;
    uint64_t stash;
} f3_block_peaks;
f3_status f3_blockformula_peaks(const f3_block *blocks, size_t n, const f3_blocktrain_config *cfg,
                                size_t max_batch, f3_block_peaks *out);

/* Fill a ledger of n layers with the forms: every block and phase,
 * samples, steps, the activation buffer's peak (live 0) and the error
 * store's (F³: n_train·C, live and peak).  F3_EINVAL if the ledger's size
 * differs or the network is invalid. */
f3_status f3_blockformula_ledger(const f3_block *blocks, size_t n, const f3_blocktrain_config *cfg,
                                 size_t n_train, f3_run_shape run, f3_ledger *out);

/* Appendix A's comparison per training sample at batch size b (A.2, eqs.
 * 14–19, for blocks): FMA per sample of the forward pass, of the feedback
 * phase — BP: the input gradient of every op of blocks 1 … n − 1 and of
 * block 0's ops after its first op with parameters (eq. 15's δh); F³, DFA,
 * DRTP: E·B_k, C·Σ_{k<n−1} out_k (eq. 16's), plus in every block the input
 * gradients of the ops after its first op with parameters —, of the
 * gradient phase (δW), and the optimiser's FMA per step (one per trained
 * parameter, eq. 17); total = forward + feedback + gradient + update / b. */
typedef struct {
    uint64_t forward, feedback, gradient; /* FMA per sample */
    uint64_t update;                      /* FMA per step */
    double total;                         /* FMA per sample */
} f3_block_fma;
f3_status f3_blockformula_fma(const f3_block *blocks, size_t n, const f3_blocktrain_config *cfg, size_t b,
                              f3_block_fma *out);

/* Memory (A.4, eqs. 27–29, for blocks) in elements at batch size b and
 * n_train training samples:
 *   parameters         every block's (all rules)
 *   boundary           the blocks' outputs kept for the backward pass:
 *                      b·Σ_{k<n−1} out_k for BP and DFA (eq. 27), else 0
 *   stash              f3_block_peaks.stash at max_batch = b
 *   feedback           B_k: C·Σ_{k<n−1} out_k for F³, DFA, DRTP (eq. 28)
 *   error_store        C·n_train for F³ (eq. 29). */
typedef struct {
    uint64_t parameters, boundary, stash, feedback, error_store;
} f3_block_memory;
f3_status f3_blockformula_memory(const f3_block *blocks, size_t n, const f3_blocktrain_config *cfg, size_t b,
                                 size_t n_train, f3_block_memory *out);

#ifdef __cplusplus
}
#endif
#endif
