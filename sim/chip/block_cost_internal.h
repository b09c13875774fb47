/* block_cost_internal.h — what block_cost.c (the table: planning, checks,
 * the optimiser, totals) and block_cost_ops.c (each op's forward and
 * backward steps) share; not an interface of the chip model. */
#ifndef F3_BLOCK_COST_INTERNAL_H
#define F3_BLOCK_COST_INTERNAL_H

#include "block_cost.h"

#include <math.h>
#include <stddef.h>

/* where a tensor (or a δ) of a sample lives */
enum { LOC_NONE = 0, LOC_REG, LOC_SRAM };

typedef struct {
    int loc;     /* LOC_REG (registers, lanes, the link) or LOC_SRAM */
    double vals; /* per sample */
} delta;

typedef struct {
    const chip_config *hw;
    const chip_tile_hw *th;
    const f3_config *cfg;
    const f3_block *blk;
    block_cost *bc;
    size_t n;                        /* ops */
    int ws, fused, fused_bp, inner, mb, adam;
    int local;                       /* the backward follows the forward: F³/DRTP hidden blocks, the output block */
    int out_id;                      /* the output block ends in a linear op: the output layer's identity
                                      * activation (z + b on the lanes, then the loss), as tile_cost's */
    double P, b, B, s;               /* lanes; the batch; the full batch; samples per rep (ws: b, else 1) */
    double reps;                     /* reps of a per-sample step: b (output_stationary), 1 (weight_stationary) */
    double AB, EB, WB, GB, OB, u;    /* bytes per value; optimiser passes (1 sgd, 4 adam) */
    /* tensors: 0 the block's input, i + 1 op i's output (an alias, residual_save's and patchify's, is its
     * input); a dense pair's linear output never leaves the lanes */
    size_t tin[F3_BLOCK_MAX_OPS], tout[F3_BLOCK_MAX_OPS];
    double vals[F3_BLOCK_MAX_OPS + 1];
    int loc[F3_BLOCK_MAX_OPS + 1];
    int mat[F3_BLOCK_MAX_OPS + 1];   /* a tensor of its own (not an alias, not in the lanes) */
    int stashed[F3_BLOCK_MAX_OPS + 1]; /* some op's backward reads it */
    int pair[F3_BLOCK_MAX_OPS];      /* op i is a linear op with an activation right after it */
    size_t save_of[F3_BLOCK_MAX_OPS]; /* residual_add op i: the tensor its residual_save kept */
    int fp_loc[F3_BLOCK_MAX_OPS];    /* activation op i: where its f'(z) is kept (LOC_NONE: not kept) */
    double F[F3_BLOCK_MAX_OPS], N[F3_BLOCK_MAX_OPS]; /* weight_stationary linear op: lane groups, blocks of rows */
    double dvals;                    /* values per sample of the δ buffers in SRAM */
    double stash_local;              /* per sample: the stash values a local block keeps */
    double stash_sram;               /* per sample: values of the stash alone (f'(z), μ, rstd, P) in SRAM */
    double arrival;                  /* weight_stationary, deferred: bytes of the output δ written as it arrives */
    int bwd_started;
} ctx;

static inline double groups(double n, double P) { return ceil(n / P); }

static inline double in_vals(const f3_bop *op)
{
    return op->kind == F3_BOP_PATCHIFY ? (double)(op->channels * op->height * op->width)
                                       : (double)(op->tokens * op->d_in);
}

static inline double out_vals(const f3_bop *op) { return (double)(op->tokens * op->d_out); }

static inline int trains(const ctx *x) { return x->bc->trains; }

/* does op i pass a δ to its input (the block trainer's rule: every op but
 * the first, and the first when the block's δX is needed)? */
static inline int bwd(const ctx *x, size_t i) { return trains(x) && (i > 0 || x->bc->dx); }

static inline int block_output(const ctx *x, size_t t) { return t == x->tout[x->n - 1]; }

/* does op's gradient need an accumulator (it sums over more than one row:
 * tokens or samples, or the optimiser is Adam)?  Else SGD updates its
 * parameters in place, as a dense layer's at batch 1 */
static inline int batched_op(const ctx *x, const f3_bop *op)
{
    return !(x->B == 1 && op->tokens == 1 && x->cfg->optimizer == F3_OPT_SGD);
}

/* block_cost_ops.c: a step of the table, a part of an op's stash, and
 * each op's forward and backward steps */
bc_step *bc_add_step(ctx *x, size_t op, bc_phase ph, tc_step kind, double reps);
void bc_stash_part(ctx *x, size_t t, double v, int in_sram);
void bc_linear_forward(ctx *x, size_t i);
void bc_act_forward(ctx *x, size_t i);
void bc_layernorm_forward(ctx *x, size_t i);
void bc_attention_forward(ctx *x, size_t i);
void bc_residual_add_forward(ctx *x, size_t i, size_t saved);
void bc_loss_step(ctx *x, size_t i);
void bc_linear_backward(ctx *x, size_t i, delta *g);
void bc_pair_backward(ctx *x, size_t i, delta *g);
void bc_act_backward(ctx *x, size_t i, delta *g);
void bc_layernorm_backward(ctx *x, size_t i, delta *g);
void bc_attention_backward(ctx *x, size_t i, delta *g);
void bc_residual_save_backward(ctx *x, size_t i, delta *g, const delta *r);

#endif
