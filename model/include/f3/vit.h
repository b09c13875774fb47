/* f3/vit.h — the authors' Vision Transformer as a network of blocks, and
 * what a training run of a block network needs beside the trainer
 * (issue 19).
 *
 * f3_vit_blocks expands the shorthand {depth, width, heads, dim_head,
 * mlp_dim, patch, norm, activation} into the blocks of the authors'
 * F3VisionTransformer (Helmholtz-AI-Energy/f3, transformer.py):
 *   block 1        patches of p × p, flattened (the input width), Linear
 *                  (input → width), then a transformer block on
 *                  tokens = (H/p)(W/p) tokens of width/tokens;
 *   blocks 2 … D−1 a transformer block each;
 *   block D        Linear(width → width) + the activation;
 *   block D+1      Linear(width → classes), the output.
 * A transformer block is x + to_out(Attention(LayerNorm(x))) with qkv a
 * Linear(token width → 3·heads·dim_head) without bias and to_out a
 * Linear(heads·dim_head → token width) (left out, as the authors do, when
 * heads = 1 and dim_head = token width), then x + Linear(mlp_dim → token
 * width)(act(Linear(token width → mlp_dim)(LayerNorm(x)))).  norm = 0
 * leaves the layer norms out (the authors' block_norm=False).  The
 * reshapes between blocks are free (f3/blocks.h). */
#ifndef F3_VIT_H
#define F3_VIT_H

#include <stddef.h>

#include "f3/blocks.h"
#include "f3/blocktrain.h"
#include "f3/dataset.h"
#include "f3/status.h"
#include "f3/train.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    size_t depth;                    /* D ≥ 2: D − 1 transformer blocks, D + 1 blocks in all */
    size_t width;                    /* the hidden width (the authors' hidden_dim) */
    size_t heads, dim_head, mlp_dim; /* of every transformer block */
    size_t patch;                    /* p: patches of p × p pixels */
    int norm;                        /* 1: layer norms before attention and MLP */
    f3_op_act act;                   /* the transformer MLP's and the head's activation */
    size_t channels, height, image_width; /* the input images */
    size_t classes;                  /* C */
} f3_vit_config;

/* The blocks of c into blocks[0 .. *n) (at most max).  F3_EINVAL with a
 * message naming the offending field ("vit.width 500 is not a multiple of
 * the 16 tokens") when a size does not fit or the network has more than
 * max blocks. */
f3_status f3_vit_blocks(const f3_vit_config *c, f3_block *blocks, size_t max, size_t *n);

/* One op as text ("linear 32 -> 1536 per token, no bias (49,152
 * parameters)", "attention 8 heads of 64 over 16 tokens") into buf. */
void f3_bop_describe(const f3_bop *op, char *buf, size_t len);

/* The parameters of blocks[0 .. n). */
size_t f3_blocks_params(const f3_block *blocks, size_t n);

/* F³'s store of tr set to every training sample's target (e₀ = the
 * targets, as the authors' initialize_error_information); train must be
 * the set of n_train samples and C outputs the trainer was made for.  The
 * store is then rounded to its format (f3_blocktrainer_store_round). */
f3_status f3_blocktrainer_store_targets(f3_blocktrainer *tr, const f3_dataset *train);

/* The test set through the network in batches of at most `batch` (the
 * trainer's batch size or less): st->loss_sum (softmax cross-entropy summed over samples),
 * st->correct (arg-max equal to the label) and st->samples.  In the
 * trainer's number formats, rounded to nearest even and not counted. */
f3_status f3_blocktrainer_evaluate(f3_blocktrainer *tr, const f3_dataset *test, size_t batch, f3_stats *st);

/* SHA-256 (hex) of every block's parameters in order, as float32 bytes. */
void f3_blocktrainer_sha256(f3_blocktrainer *tr, char hex[65]);

/* 1 if every parameter is finite; else 0 and the 1-based block in *block. */
int f3_blocktrainer_finite(f3_blocktrainer *tr, size_t *block);

#ifdef __cplusplus
}
#endif
#endif
