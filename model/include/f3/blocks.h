/* f3/blocks.h — networks of trainable blocks (issue 19, a first cut): a
 * block is a short sequence of ops (f3/ops.h) with its parameters and its
 * stash; a network is a sequence of blocks.
 *
 * Learning rules work per block: BP backpropagates from the loss through
 * every block (f3_blocknet_backward_all); F³, DFA and DRTP give each block
 * a δ at its output (Bᵀe or Bᵀt) and backpropagate inside the block only
 * (f3_blocknet_backward_block).  Both accumulate the parameters' gradients
 * (+=).  A block's ops see its samples as rows of `tokens` × d: a reshape
 * between blocks (the authors' Reshape) is free, so each op states its
 * tokens per sample and the per-row widths; consecutive ops must agree in
 * the values per sample.
 *
 * The trainer is f3/blocktrain.h; the closed forms of what the ops cost
 * are f3/blockformulas.h.  Number formats: f3_blocknet_set_numerics (the
 * block trainer sets them).  The SystemC chip (sim/chip) runs the blocks
 * through the block trainer's per-block calls (f3/blocktrain.h). */
#ifndef F3_BLOCKS_H
#define F3_BLOCKS_H

#include <stddef.h>
#include <stdint.h>

#include "f3/kernels.h"
#include "f3/ledger.h"
#include "f3/numerics.h"
#include "f3/ops.h"
#include "f3/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    F3_BOP_LINEAR = 0,    /* d_in → d_out per row, bias or not */
    F3_BOP_LAYERNORM,     /* over d (d_in = d_out), γ and β */
    F3_BOP_ACT,           /* element-wise */
    F3_BOP_ATTENTION,     /* d_in = 3·heads·dim_head (q | k | v), d_out = heads·dim_head */
    F3_BOP_PATCHIFY,      /* (channels, height, width) → tokens of patch²·channels */
    F3_BOP_RESIDUAL_SAVE, /* remembers its input (the residual's start) */
    F3_BOP_RESIDUAL_ADD   /* adds the latest saved input to its input */
} f3_bop_kind;

typedef struct {
    f3_bop_kind kind;
    size_t tokens;       /* rows per sample */
    size_t d_in, d_out;  /* values per row */
    int bias;            /* linear */
    f3_op_act act;       /* act */
    size_t heads, dim_head;               /* attention */
    size_t channels, height, width, patch; /* patchify (tokens = (height/patch)(width/patch)) */
} f3_bop;

#define F3_BLOCK_MAX_OPS 24
#define F3_BLOCKNET_MAX_BLOCKS 32

typedef struct {
    size_t n_ops;
    f3_bop op[F3_BLOCK_MAX_OPS];
} f3_block;

/* Values per sample at the block's input and output. */
size_t f3_block_in_size(const f3_block *blk);
size_t f3_block_out_size(const f3_block *blk);
/* Parameters of an op and of a block (weights, biases, γ, β). */
size_t f3_bop_params(const f3_bop *op);
size_t f3_block_params(const f3_block *blk);
/* F3_EINVAL with a message when consecutive ops disagree in the values
 * per sample, an op's sizes are impossible, or the residuals do not pair. */
f3_status f3_block_check(const f3_block *blk);

typedef struct f3_blocknet f3_blocknet;
/* A network of n blocks for batches of up to max_batch samples, its
 * parameters initialised as PyTorch does (linear: U(−1/√d_in, 1/√d_in) for
 * W and bias; layer normalisation: γ = 1, β = 0) from seed.  NULL with
 * f3_last_error() on failure. */
f3_blocknet *f3_blocknet_new(const f3_block *blocks, size_t n, size_t max_batch, uint64_t seed);
void f3_blocknet_free(f3_blocknet *net);
size_t f3_blocknet_blocks(const f3_blocknet *net);
/* Block k's description. */
const f3_block *f3_blocknet_block(const f3_blocknet *net, size_t k);
/* Block k's parameters and their gradients (f3_block_params(k) floats, in
 * op order; per op: W then bias for linear, γ then β for layer norm). */
float *f3_blocknet_params(f3_blocknet *net, size_t k);
float *f3_blocknet_grads(f3_blocknet *net, size_t k);
void f3_blocknet_zero_grads(f3_blocknet *net);
/* Forward pass of b samples (X: b × block 0's input size); returns the
 * network's output (b × the last block's output size), valid until the
 * next forward.  Every op's output is kept: the stash of the backward
 * passes. */
const float *f3_blocknet_forward(f3_blocknet *net, const float *X, size_t b);
/* The output of block k of the latest forward pass. */
const float *f3_blocknet_block_output(const f3_blocknet *net, size_t k);
/* Backward inside block k from dOut (b × its output size), on the b
 * samples and the input of block k's latest forward pass: the parameters'
 * gradients += , and dIn (b × its input size) written when not NULL. */
void f3_blocknet_backward_block(f3_blocknet *net, size_t k, const float *dOut, float *dIn);
/* BP: from dOut at the network's output through every block down to block
 * 0 (dIn of the network written when not NULL). */
void f3_blocknet_backward_all(f3_blocknet *net, const float *dOut, float *dIn);

/* Block k's forward pass alone, on b samples of its input X: the
 * network's input for k = 0 (read through a copy in the activations'
 * format when it has one), block k − 1's output of the same samples for
 * k > 0 — that block's own buffer (f3_blocknet_block_output) or the
 * caller's copy of it.  Block k's backward pass reads X and runs on the
 * same b samples, so X must stay as it is until then.  Returns block k's
 * output.  Calling it for k = 0 … n − 1, each block on the one before's
 * output, is f3_blocknet_forward; F³ and DRTP interleave it with each
 * block's local backward pass (their δ is known before the forward pass),
 * and a chip whose tiles hold different blocks runs different batches in
 * different blocks at once (each block keeps its own input and b). */
const float *f3_blocknet_forward_block(f3_blocknet *net, size_t k, const float *X, size_t b);

/* ---- number formats (issue 19; docs/blocks.md, "Number formats") --------
 *
 * The formats of the tensors between ops, which the passes round where a
 * tile would store or send them (f3/numerics.h):
 *   act  the network's input as block 0 reads it (a copy; X is not
 *        written), and every op output that is a new value: a linear's, a
 *        layer norm's, an activation's, the attention's O and its softmax P
 *        (rounded before O = P v), a residual add's; a patchify or a save
 *        moves values that are in the format already.  A layer norm's μ
 *        and rstd stay fp32.
 *   err  every op's input gradient in the backward passes (dX: a block's δ
 *        to the block before it under BP included; a residual add's δ
 *        before it goes on to both branches).  The δ a backward pass starts
 *        from (dOut) is the caller's.
 * act_rng (n + 1 entries: block k's for k < n, the input's at n) and
 * err_rng (n entries) are the streams of stochastic rounding; a NULL array
 * or entry rounds to nearest even and draws nothing.  sat (F3_T_COUNT
 * counters or NULL) gets the saturations added to sat[F3_T_ACTIVATIONS]
 * and sat[F3_T_ERROR].  q NULL (the default), or both formats fp32:
 * nothing is quantised and the passes are bit for bit those without
 * formats.  The arrays must live until the next call; F3_ENOMEM when the
 * input's copy (max_batch × block 0's input) cannot be allocated. */
typedef struct {
    f3_format act, err;
    gsl_rng *const *act_rng, *const *err_rng;
    uint64_t *sat;
} f3_blocknet_numerics;
f3_status f3_blocknet_set_numerics(f3_blocknet *net, const f3_blocknet_numerics *q);

/* ---- what the passes cost (issue 19) ------------------------------------
 *
 * The backward pass of a block runs from its first op with parameters on
 * (from op 0 when its input gradient dIn is wanted), and an op computes
 * its input gradient only when an op before it needs it: without dIn
 * (F³, DFA, DRTP, LLO, and BP's block 0) the ops before the first op with
 * parameters (a patchify, a residual save) run no backward pass and that
 * op computes no dX.  (ops.c's layer norm computes its dX in the loop of
 * dγ and dβ even then; that spare work is not counted.)
 *
 * With a ledger attached (f3_blocknet_count: one ledger layer per block),
 * every op adds what it did, in the MLP trainer's units (f3/ledger.h,
 * f3/kernels.h: FMA for matrix products, elem for everything else
 * element-wise, reads and writes in elements per memory class, each
 * operand once per call), with r = b·tokens rows and v = r·d_in values:
 *
 *   op          forward                          backward: gradient (δW, δγ, δβ) | feedback (dX)
 *   linear      as f3_dense_forward with         as f3_dense_gradient (overwriting: each
 *               identity: r·d_in·d_out FMA,      parameter belongs to one op, so the += into
 *               bias r·d_out elem                zeroed gradients is an overwrite) | as
 *                                                f3_backprop_dh: r·d_in·d_out FMA
 *   layernorm   F3_LN_FWD_ELEM_PER_VALUE·v +     F3_LN_GRAD_ELEM_PER_VALUE·v elem; reads
 *               F3_LN_FWD_ELEM_PER_ROW·r elem;   dY, X, μ, rstd; writes 2d gradients |
 *               reads X, γ and β (2d, class      F3_LN_DX_ELEM_PER_VALUE·v +
 *               biases); writes Y and μ, rstd    F3_LN_DX_ELEM_PER_ROW·r elem; reads γ;
 *               (2r)                             writes dX
 *   activation  v elem, whatever f (as the MLP)  — | as f3_act_backward: 2v elem; reads
 *                                                Y (tanh, sigmoid) or X (relu, gelu) and dY
 *   attention   QKᵀ and P·V: 2·b·h·n²·dh FMA;    — | dV = PᵀdO, dP = dO Vᵀ, dQ = dS K,
 *               F3_ATT_FWD_ELEM_PER_SCORE per    dK = dSᵀ Q: 4·b·h·n²·dh FMA;
 *               score (b·h·n² scores); reads     F3_ATT_BWD_ELEM_PER_SCORE per score;
 *               QKV; writes P and O              reads QKV, P, dO; writes dQKV
 *   patchify    a move: reads and writes v       — | the inverse move
 *   save        nothing (its output is its       — | dX = dY + the add's dY: v elem,
 *               input)                           reads 2v, writes v
 *   add         v elem; reads x and the saved    — | nothing (dY goes on to both
 *               input; writes v                  branches unchanged)
 *
 * Phases: forward, gradient, feedback as named; an op's dX is booked in its
 * block's feedback phase, except op 0's dX of block k > 0 (BP), which is
 * δ at block k − 1's output and booked there, as Appendix A books δh_i at
 * the receiving layer i (block 0's, when asked for, in its own).
 * Gradients flowing backwards are class work.
 *
 * Classes of the tensors between ops: the network's input is class inputs;
 * with keep (BP, DFA: the stash waits for a later pass) a block's output
 * (but the last block's) and its stash are class activation_buffer, else
 * work; every other tensor is work.  A block's stash is what its backward
 * pass reads from inside the block — op outputs other than the block's
 * output (a save's output is its input), layer norm's μ and rstd (2 per
 * row) and attention's P (h·n² per sample) — and not its input or output
 * (the buffer between blocks, eq. 27's h_i).  Per op: linear X, layer
 * norm X and μ, rstd, activation Y (tanh, sigmoid) or X (relu, gelu),
 * attention QKV and P, the others nothing; a tensor two ops read is kept
 * once. */
#define F3_LN_FWD_ELEM_PER_VALUE 7u  /* Σx 1, Σ(x − μ)² 2, (x − μ)·rstd 2, ·γ + β 2 */
#define F3_LN_FWD_ELEM_PER_ROW 2u    /* μ = Σx/d, rstd = 1/√(var + ε) */
#define F3_LN_GRAD_ELEM_PER_VALUE 5u /* x̂ = (x − μ)·rstd 2, δγ += dy·x̂ 2, δβ += dy 1 */
#define F3_LN_DX_ELEM_PER_VALUE 8u   /* g = dy·γ 1, Σg 1, Σg·x̂ 2, rstd·(g − ḡ − x̂·(g·x̂)‾) 4 */
#define F3_LN_DX_ELEM_PER_ROW 2u     /* ḡ, (g·x̂)‾ */
#define F3_ATT_FWD_ELEM_PER_SCORE (1u + F3_SOFTMAX_ELEM_PER_OUTPUT) /* the 1/√dh scale, the softmax as the output layer's */
#define F3_ATT_BWD_ELEM_PER_SCORE 5u /* Σ dP·P 2, dP − Σ 1, ·P 1, the scale 1 */

/* Count into `ledger` (n layers for the n blocks; NULL stops counting).
 * keep: the stash and the blocks' outputs wait for a later pass (BP, DFA)
 * and are class activation_buffer.  chain: the backward passes will ask
 * every block k > 0 for its input gradient (BP); it decides what those
 * blocks stash.  Live counts and peaks are the trainer's (it knows the
 * schedule). */
void f3_blocknet_count(f3_blocknet *net, f3_ledger *ledger, int keep, int chain);
/* Count into `ledger` (NULL stops counting) under the keep and chain of
 * the latest f3_blocknet_count, without planning again: for a trainer
 * that counts its steps and nothing between them. */
void f3_blocknet_ledger(f3_blocknet *net, f3_ledger *ledger);
/* Elements per sample of block k's stash under the counting set by
 * f3_blocknet_count (before it: keep = chain = 0). */
size_t f3_blocknet_stash(const f3_blocknet *net, size_t k);

#ifdef __cplusplus
}
#endif
#endif
