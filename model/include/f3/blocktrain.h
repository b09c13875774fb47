/* f3/blocktrain.h — training a network of blocks (f3/blocks.h) with BP,
 * F³, DFA, DRTP or LLO, per block, as the authors' code does it (issue 19;
 * Helmholtz-AI-Energy/f3, f3/f3_module.py and transformer.py):
 *   - the last block learns from the loss: softmax cross-entropy on its
 *     outputs (nll of log_softmax), mean-reduced over the batch;
 *   - BP backpropagates through every block;
 *   - F³, DFA and DRTP give every other block the gradient E·B_k at its
 *     output (E: b × C, B_k: C × the block's output size, a fixed random
 *     matrix over {−1, 0, 1}) and backpropagate inside the block only:
 *     F³'s E is each sample's error information from the store (written
 *     after the step from this step's outputs, initialised to the
 *     targets), DFA's the current error t − softmax(y), DRTP's the target;
 *   - LLO trains the last block alone;
 *   - Adam (f3_adam_update, PyTorch's formula) or SGD on every trained
 *     block;
 *   - number formats (f3/numerics.h) per tensor class, as the MLP trainer
 *     has them: f3_blocktrainer_set_numerics below.
 * A network of single dense blocks trains exactly as the MLP trainer
 * (tests/unit/test_blocktrain.c checks it rule by rule; with formats,
 * tests/unit/test_blocknumerics.c). */
#ifndef F3_BLOCKTRAIN_H
#define F3_BLOCKTRAIN_H

#include <stddef.h>
#include <stdint.h>

#include "f3/blocks.h"
#include "f3/kernels.h"
#include "f3/train.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    f3_algorithm algorithm;
    f3_error_info error_info;   /* F³: what the store holds (error or loss, one-hot); the loss is
                                 * softmax cross-entropy, so the store's error is t − softmax(y),
                                 * the authors' delayed_error_softmax */
    f3_optimizer optimizer;     /* adam (the authors' recipe) or sgd */
    double lr, beta1, beta2, eps;
    size_t classes;             /* C: the last block's output size */
} f3_blocktrain_config;

typedef struct f3_blocktrainer f3_blocktrainer;
/* A trainer of n blocks for batches of up to max_batch samples and a
 * training set of n_train samples (F³'s store); parameters and the
 * feedback matrices (uniform over {−1, 0, 1}) from seed; fp32 until
 * f3_blocktrainer_set_numerics; the store holds zeros until the caller
 * fills it (f3_blocktrainer_store_targets in f3/vit.h).  NULL with
 * f3_last_error() when the classes do not match the last block or the
 * blocks are not a network. */
f3_blocktrainer *f3_blocktrainer_new(const f3_block *blocks, size_t n, const f3_blocktrain_config *cfg,
                                     size_t max_batch, size_t n_train, uint64_t seed);
void f3_blocktrainer_free(f3_blocktrainer *tr);
f3_blocknet *f3_blocktrainer_net(f3_blocktrainer *tr);
/* Block k's feedback matrix (C × its output size), k < n − 1. */
float *f3_blocktrainer_feedback(f3_blocktrainer *tr, size_t k);
/* F³'s store: n_train × C (e₀: the targets). */
float *f3_blocktrainer_store(f3_blocktrainer *tr);

/* One step on b samples: X (b × block 0's input), T (b × C, one-hot), idx
 * (b indices into the training set).  Adds the batch's loss and correct
 * predictions (arg-max) to *st (may be NULL).  F3_EINVAL for b outside 1
 * … max_batch, F3_ERANGE (F³) for an index outside the store; nothing
 * changes then.  It is the per-block calls below, in this order:
 *   begin; forward k = 0 … n − 1 (each on the one before's output); loss;
 *   BP: backward k = n − 1 … 0 (each from the one above's dIn);
 *   else: backward n − 1, current_error, backward k = 0 … n − 2;
 *   store_write; update k = 0 … n − 1; end. */
f3_status f3_blocktrainer_step(f3_blocktrainer *tr, const float *X, const float *T, const size_t *idx, size_t b,
                               f3_stats *st);

/* ---- one step, block by block (the SystemC tiles, sim/chip/tile.cpp) ----
 *
 * A chip whose tiles hold the blocks runs f3_blocktrainer_step's calls
 * block by block, each where its tile's schedule has it, and several steps
 * at once in different blocks (a stream: block k on batch s + 1 while block
 * k + 1 is on batch s).  A step in flight keeps its own state (labels,
 * error information, the loss's δ) in an f3_blockstep; every block keeps
 * its own input, batch size and stash (f3/blocks.h), its own gradients and
 * its own optimiser count, so that the calls of different steps may
 * interleave as long as
 *   - each block sees its steps in order (forward, backward, update of
 *     step s before the forward of step s + 1), and the calls of a step in
 *     the order of f3_blocktrainer_step, block by block (block k's forward
 *     after block k − 1's; under BP block k's backward after block k + 1's;
 *     DFA's hidden blocks' backward after current_error; loss, BP's and the
 *     last block's backward, current_error and store_write after the last
 *     block's forward);
 *   - F³'s store is read (begin) in one epoch only after every write of the
 *     epoch before (each sample is read and written once an epoch);
 *   - a step's stochastic rounding of a tensor class at one place (the
 *     error information in begin, DFA's current error, the loss's δ, the
 *     store, each block's) comes in step order: it does when the rule above
 *     holds and begin runs in step order.
 * Then the parameters, the store, the ledger (every phase of every block;
 * live counts and peaks, and f3_blocktrainer_stash_peak, when each block
 * holds at most one step between its forward and its backward pass, which
 * the order above implies) and the statistics are bit for bit those of
 * f3_blocktrainer_step.  Outside the calls the network counts nothing and
 * rounds to nearest even (an evaluation). */
typedef struct f3_blockstep f3_blockstep;
/* A step's state for tr's batches (max_batch); NULL with f3_last_error()
 * (F3_ENOMEM).  One per step in flight; valid while tr is. */
f3_blockstep *f3_blockstep_new(const f3_blocktrainer *tr);
void f3_blockstep_free(f3_blockstep *s);
/* Begin a step of b samples in s: T (b × C) and idx (b) are the caller's
 * and must stay until f3_blocktrainer_end; each sample's class (arg-max of
 * T); the error information of the blocks before the last (E of E·B_k):
 * F³'s from the store (counted as b·C reads of class error_store, or b
 * one-hot, in block 1's feedback phase, then rounded to the error format),
 * DRTP's the target T, DFA's later (f3_blocktrainer_current_error).
 * F3_EINVAL for b outside 1 … max_batch, F3_ERANGE (F³) for an index
 * outside the store; s and tr unchanged then. */
f3_status f3_blocktrainer_begin(f3_blocktrainer *tr, f3_blockstep *s, const float *T, const size_t *idx, size_t b);
/* Block k's forward pass on the step's b samples of its input X (b × the
 * block's input; the network's for k = 0, block k − 1's output of this
 * step for k > 0: must stay as it is until block k's backward pass): its
 * gradients zeroed, its stash counted live; BP and DFA keep the stash (and
 * the output, k < n − 1) in the activation buffer; F³ and DRTP blocks
 * before the last take E·B_k (eq. 16, feedback phase) and run the backward
 * inside the block at once.  Returns block k's output (b × its output
 * size), valid until block k's next forward pass. */
const float *f3_blocktrainer_forward(f3_blocktrainer *tr, f3_blockstep *s, size_t k, const float *X);
/* The loss at the last block's output Y (b × C, its forward pass of this
 * step): softmax cross-entropy's δ = (softmax(y) − t)/b into the step
 * (f3_blockstep_delta; loss phase of the last block), rounded to the error
 * format; the batch's loss and correct predictions kept for end. */
void f3_blocktrainer_loss(f3_blocktrainer *tr, f3_blockstep *s, const float *Y);
/* Block k's backward pass for the step:
 *   BP      from dOut (NULL: the loss's δ, for the last block; else block
 *           k + 1's dIn of this step), dIn (b × the block's input) written
 *           for k > 0 (NULL for block 0); frees its stash and its input;
 *   last    (the other rules) from the loss's δ; frees its stash;
 *   DFA     k < n − 1: from E·B_k of the current error (after
 *           f3_blocktrainer_current_error; dOut, dIn unused); frees its
 *           stash and its output;
 *   else    nothing: F³'s and DRTP's ran in the forward pass, LLO's
 *           blocks before the last have none. */
void f3_blocktrainer_backward(f3_blocktrainer *tr, f3_blockstep *s, size_t k, const float *dOut, float *dIn);
/* DFA with blocks before the last: the current error t − softmax(Y) into
 * the step (f3_blockstep_error; loss phase of the last block, rounded to
 * the error format), what the DFA broadcast carries; nothing otherwise. */
void f3_blocktrainer_current_error(f3_blocktrainer *tr, f3_blockstep *s, const float *Y);
/* F³: the error information of the last block's output Y for each sample
 * of the step, rounded to the error store's format, written to the store
 * (b·C writes of class error_store, loss phase of the last block), after
 * every block before the last has run its forward pass of the step;
 * nothing for the other rules. */
void f3_blocktrainer_store_write(f3_blocktrainer *tr, f3_blockstep *s, const float *Y);
/* The optimiser on block k (its gradients of the step, after its backward
 * pass): Adam or SGD per parameter, Adam's t block k's own count; nothing
 * for a block the rule does not train (LLO's blocks before the last). */
void f3_blocktrainer_update(f3_blocktrainer *tr, size_t k);
/* End the step once every block is through with it: the ledger counts the
 * step and its b samples; the batch's loss, correct predictions and
 * samples are added to *st (may be NULL). */
void f3_blocktrainer_end(f3_blocktrainer *tr, const f3_blockstep *s, f3_stats *st);
/* The loss's δ of the step (b × C) and its E (b × C: F³'s from the store,
 * DFA's current error), valid until the step's next begin. */
const float *f3_blockstep_delta(const f3_blockstep *s);
const float *f3_blockstep_error(const f3_blockstep *s);
/* The FMAs of E·B_k alone in block k's feedback phase so far (the phase
 * also holds the backward inside the block): what a chip computes in its
 * own way (sim/chip's feedback ROM). */
uint64_t f3_blocktrainer_feedback_fma(const f3_blocktrainer *tr, size_t k);

/* ---- number formats (f3/numerics.h; docs/blocks.md, "Number formats") ----
 *
 * f3_blocktrainer_set_numerics gives a trainer a format per tensor class,
 * as the MLP trainer has them (without it: fp32 everywhere, nothing
 * quantised, the steps bit for bit those of a trainer without formats).
 * Where each class is rounded:
 *   weights      every block's parameters (W, biases, γ, β) when the
 *                formats are set (after initialisation) and after every
 *                optimiser step (SGD: p − η·g formed in double, then
 *                rounded; Adam in fp32, then rounded);
 *   activations  the network's input and every op output that is a new
 *                value, the attention's P included (f3/blocks.h,
 *                f3_blocknet_set_numerics); so every block's output, what
 *                a link between blocks carries;
 *   error        E as the blocks before the last use it (F³: read from the
 *                store; DFA: t − softmax(y); DRTP's target is used as it
 *                is, as the MLP trainer's), the loss's δ at the output,
 *                and every op's input gradient in the backward passes;
 *   error_store  F³'s store at each write, and at
 *                f3_blocktrainer_store_round;
 *   gradients    every trained block's gradients before its update;
 *   optimizer    Adam's m and v after every step;
 *   feedback     B_k when the formats are set (over {−1, 0, 1}: exact in
 *                every format but q1.f, where 1 saturates, as in the MLP
 *                trainer).
 * Stochastic rounding draws from mt19937 streams per tensor class and
 * block, seeded from `seed`.  An evaluation outside the steps
 * (f3_blocknet_forward, f3_blocktrainer_evaluate) rounds the input and the
 * op outputs to nearest even and counts nothing. */

/* The formats nm asks of the n blocks trained with optimizer opt: F3_OK,
 * or F3_EINVAL with a message, and the tensor class it concerns in *tensor
 * (may be NULL), when
 *   - the activations' format is fixed point and a block has an attention
 *     or a layer normalisation: the softmax and the layer normalisation
 *     have no fixed-point implementation in the block trainer ("the
 *     activations format q4.12 is fixed point: the attention's softmax and
 *     the layer normalisation have no fixed-point implementation in the
 *     block trainer; use bf16, fp16 or fp32 for activations", naming the
 *     ones the network has);
 *   - the optimizer's format is fixed point with Adam (as the MLP trainer:
 *     Adam divides by a square root);
 *   - a fixed-point format is not 4 to 32 bits with an integer bit.
 * Fixed-point weights, error, error store, gradients and feedback are
 * allowed with every op (they round float values), and fixed-point
 * activations with linear, activation, patchify and residual ops. */
f3_status f3_blocktrain_check_numerics(const f3_block *blocks, size_t n, f3_optimizer opt, const f3_numerics *nm,
                                       f3_tensor *tensor);
/* Give tr the number formats nm (copied) before its first step, with the
 * seed of stochastic rounding's streams; rounds the parameters and the
 * feedback matrices to their formats at once (F³'s store: see
 * f3_blocktrainer_store_round).  F3_EINVAL, tr unchanged, when
 * f3_blocktrain_check_numerics refuses nm, or tr has stepped or has
 * formats already; F3_ENOMEM. */
f3_status f3_blocktrainer_set_numerics(f3_blocktrainer *tr, const f3_numerics *nm, uint64_t seed);
/* Round the whole store to the error_store format, to nearest even,
 * nothing counted (as the MLP trainer rounds e₀); for a caller that has
 * written the store itself (f3_blocktrainer_store_targets calls it). */
void f3_blocktrainer_store_round(f3_blocktrainer *tr);
/* Saturations per tensor class so far (F3_T_COUNT counters, indexed by
 * f3_tensor): every rounding of a step's and of set_numerics'; valid until
 * f3_blocktrainer_free.  All zero in fp32. */
const uint64_t *f3_blocktrainer_saturations(const f3_blocktrainer *tr);

/* What the steps did so far (f3/ledger.h): one ledger layer per block, the
 * phases and memory classes of the MLP trainer, each op counted as
 * f3/blocks.h says ("what the passes cost").  Besides the ops:
 *   feedback  E·B_k at block k < n − 1's output (f3_feedback_dense: b·C·m
 *             FMA for m outputs, B_k read from class feedback; one-hot
 *             F³: f3_feedback_onehot, b·m FMA), F³'s store read in block
 *             1's (b·C elements, or b one-hot);
 *   loss      the last block's: softmax cross-entropy's δ
 *             (f3_output_delta), F³'s store write (f3_error_information,
 *             b·C into class error_store), DFA's current error;
 *   update    Adam or SGD per trained parameter (f3_adam_update,
 *             f3_sgd_update): a linear's W class weights, its bias and a
 *             layer norm's γ and β class biases.
 * Activation buffer (live_act, peak_act): what waits for a later pass — for
 * BP and DFA every block's output but the last (eq. 27's h_i) and every
 * block's stash, from its forward pass until its backward pass; F³, DRTP
 * and LLO keep nothing for a later pass (0).  Error store: n_train·C for
 * F³ from creation on (eq. 29).  Only the steps count: forward passes of
 * the trainer's network outside them (an evaluation) do not.
 * f3/blockformulas.h gives all of it in closed form.  Valid until
 * f3_blocktrainer_free. */
const f3_ledger *f3_blocktrainer_ledger(const f3_blocktrainer *tr);
/* The most elements the blocks' stashes (f3_blocknet_stash) held at once so
 * far: b·Σ_k stash_k for BP and DFA (every block's waits for the backward
 * pass), b·max_k stash_k for F³ and DRTP (a block's backward pass follows
 * its forward pass, so one stash is live at a time), b·stash of the last
 * block for LLO; b the largest batch. */
uint64_t f3_blocktrainer_stash_peak(const f3_blocktrainer *tr);

#ifdef __cplusplus
}
#endif
#endif
