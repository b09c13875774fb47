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
 * The trainer is f3/blocktrain.h.  Not yet here (issue 19's later parts):
 * the ledger entries of the ops, number formats, scenarios and the chip. */
#ifndef F3_BLOCKS_H
#define F3_BLOCKS_H

#include <stddef.h>
#include <stdint.h>

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
/* Backward inside block k from dOut (b × its output size): the parameters'
 * gradients += , and dIn (b × its input size) written when not NULL. */
void f3_blocknet_backward_block(f3_blocknet *net, size_t k, const float *dOut, float *dIn);
/* BP: from dOut at the network's output through every block down to block
 * 0 (dIn of the network written when not NULL). */
void f3_blocknet_backward_all(f3_blocknet *net, const float *dOut, float *dIn);

#ifdef __cplusplus
}
#endif
#endif
