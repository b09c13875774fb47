/* block_cost.c — see block_cost.h.  docs/hardware-model.md ("Blocks: the
 * op table") holds the same table in prose; a change here changes that
 * document, and test_block_cost.c's hand-derived block. */
#include "block_cost.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "f3/kernels.h"
#include "f3/vit.h"

const char *const bc_phase_names[BC_PHASES] = {"forward", "feedback", "loss", "backward", "gradient", "apply"};

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

static double groups(double n, double P) { return ceil(n / P); }

static double in_vals(const f3_bop *op)
{
    return op->kind == F3_BOP_PATCHIFY ? (double)(op->channels * op->height * op->width)
                                       : (double)(op->tokens * op->d_in);
}

static double out_vals(const f3_bop *op) { return (double)(op->tokens * op->d_out); }

static int trains(const ctx *x) { return x->bc->trains; }

/* does op i pass a δ to its input (the block trainer's rule: every op but
 * the first, and the first when the block's δX is needed)? */
static int bwd(const ctx *x, size_t i) { return trains(x) && (i > 0 || x->bc->dx); }

static int block_output(const ctx *x, size_t t) { return t == x->tout[x->n - 1]; }

/* does linear op i end in an activation step on the lanes: its own
 * activation (a dense pair), or, ending the output block, the output
 * layer's identity before the loss (tile_cost's output layer)? */
static int lanes_act(const ctx *x, size_t i) { return x->pair[i] || (x->out_id && i + 1 == x->n); }

/* does op's gradient need an accumulator (it sums over more than one row:
 * tokens or samples, or the optimiser is Adam)?  Else SGD updates its
 * parameters in place, as a dense layer's at batch 1 */
static int batched_op(const ctx *x, const f3_bop *op)
{
    return !(x->B == 1 && op->tokens == 1 && x->cfg->optimizer == F3_OPT_SGD);
}

/* does the backward read tensor t from SRAM (a buffer, or its stash copy)? */
static int x_sram(const ctx *x, size_t t)
{
    return x->loc[t] == LOC_SRAM || (x->bc->deferred && x->loc[t] == LOC_REG);
}

static bc_step *add_step(ctx *x, size_t op, bc_phase ph, tc_step kind, double reps)
{
    block_cost *bc = x->bc;
    bc_step *st = &bc->step[bc->n_steps++];
    memset(st, 0, sizeof *st);
    st->op = op;
    st->phase = ph;
    st->kind = kind;
    st->c.reps = reps;
    if (ph != BC_FORWARD && ph != BC_FEEDBACK && ph != BC_APPLY && !x->bwd_started) {
        /* weight_stationary, deferred: the δ at the block's output is
         * buffered as it arrives, by the first backward step */
        x->bwd_started = 1;
        st->c.wr[TC_BUFFER] += x->arrival;
    }
    return st;
}

static void read_act(const ctx *x, tc_step_cost *c, size_t t)
{
    if (x->loc[t] == LOC_SRAM) c->rd[TC_BUFFER] += x->AB * x->vals[t] * x->s;
}

/* an op's output: the block's output leaves on the link (weight_stationary:
 * through the output buffer, written, then read to be sent); a value
 * between ops is written to its buffer */
static void write_act(const ctx *x, tc_step_cost *c, size_t t)
{
    if (block_output(x, t)) {
        if (x->ws) {
            c->wr[TC_BUFFER] += x->AB * x->vals[t] * x->s;
            c->rd[TC_BUFFER] += x->AB * x->vals[t] * x->s;
        }
        return;
    }
    if (x->loc[t] == LOC_SRAM) c->wr[TC_BUFFER] += x->AB * x->vals[t] * x->s;
}

/* a stash copy of a tensor held in the registers (output_stationary, the
 * block's input): written by a deferred block, kept there by a local one */
static void stash_copy(const ctx *x, tc_step_cost *c, size_t t)
{
    if (x->bc->deferred && x->loc[t] == LOC_REG) c->wr[TC_BUFFER] += x->AB * x->vals[t];
}

/* part of op's stash: v values per sample of tensor t (t > n_ops: not a
 * tensor of the block, e.g. f'(z), P, a layer norm's statistics); in_sram:
 * the backward reads it from SRAM under a local rule */
static void stash_part(ctx *x, size_t t, double v, int in_sram)
{
    x->bc->stash_values += v;
    if (t <= x->n) x->stashed[t] = 1;
    /* the block's input stays in the input registers (output_stationary)
     * or the input buffer (weight_stationary) of a local block */
    if (in_sram && t != 0) x->stash_local += v;
    if (t > x->n && in_sram) x->stash_sram += v; /* a value of the stash alone, in SRAM */
}

static void read_delta(const ctx *x, tc_step_cost *c, const delta *g)
{
    if (g->loc == LOC_SRAM) c->rd[TC_BUFFER] += x->EB * g->vals * x->s;
}

/* the δ at op i's input (v values per sample): to the link from the
 * registers (output_stationary, the block's input), else a buffer */
static delta dest(ctx *x, size_t i, double v)
{
    delta d = {(i == 0 && !x->ws) ? LOC_REG : LOC_SRAM, v};
    if (d.loc == LOC_SRAM) x->dvals += v;
    return d;
}

static void write_delta(const ctx *x, tc_step_cost *c, const delta *d)
{
    if (d->loc == LOC_SRAM) c->wr[TC_BUFFER] += x->EB * d->vals * x->s;
}

static double loss_elem(const f3_config *cfg)
{
    double e = F3_OUTPUT_ELEM_PER_OUTPUT;
    if (cfg->loss == F3_LOSS_SOFTMAX_CE) e += F3_SOFTMAX_ELEM_PER_OUTPUT;
    if (cfg->loss == F3_LOSS_MSE) e += 2.0; /* f' and the product, as f3_output_delta counts it */
    return e;
}

/* ---- the forward pass ------------------------------------------------------------------ */

static void linear_forward(ctx *x, size_t i)
{
    const f3_bop *op = &x->blk->op[i];
    const int pair = x->pair[i], act = lanes_act(x, i);
    const double T = (double)op->tokens, di = (double)op->d_in, dout = (double)op->d_out;
    const double f = groups(dout, x->P), bT = x->b * T, p = di * dout + (op->bias ? dout : 0.0);
    const size_t ti = x->tin[i], to = pair ? x->tout[i + 1] : x->tout[i];
    bc_step *st = add_step(x, i, BC_FORWARD, TC_FORWARD, x->reps);
    tc_step_cost *c = &st->c;
    st->fma = T * di * dout * x->s;
    if (!act && op->bias) st->elem = BC_BIAS_ELEM * T * dout * x->s;
    if (!x->ws) {
        /* per token: f groups of P rows of W, each a pass over the token's
         * input broadcast to the lanes (tile_cost's forward step) */
        c->compute = T * f * di;
        c->rd[TC_WEIGHTS] = x->WB * di * dout * T;
        c->reg = x->AB * di * f * T * (x->fused ? 2.0 : 1.0);
        if (x->fused) c->wr[TC_WEIGHTS] = x->WB * di * dout; /* the previous sample's update, same pass */
        read_act(x, c, ti);
        if (!act && op->bias) c->reg += x->WB * dout * T; /* b preloaded into the accumulators */
        write_act(x, c, to);
        if (trains(x)) stash_copy(x, c, ti); /* X for δW */
        if (pair && x->fp_loc[i + 1] == LOC_SRAM) c->wr[TC_BUFFER] += x->AB * T * dout; /* f'(z) */
    } else {
        /* W walked once per batch in blocks of rows; the b·tokens rows
         * pass each block (tile_cost's weight_stationary forward step) */
        c->compute = bT * x->F[i] * di;
        c->rd[TC_WEIGHTS] = x->WB * p;
        c->reg = x->WB * di * dout * bT;
        if (x->inner) {
            c->reg = x->WB * di * dout;
            c->acc = 2.0 * x->AB * di * dout * bT;
        }
        c->rd[TC_BUFFER] += x->AB * di * bT * x->N[i]; /* the inputs, once per block */
        write_act(x, c, to);
        if (pair && x->fp_loc[i + 1] == LOC_SRAM) c->wr[TC_BUFFER] += x->AB * dout * bT;
    }
    if (!act) return;
    /* the activation of the dense pair (or the output's identity): on the
     * lanes' z, b added */
    bc_step *a = add_step(x, pair ? i + 1 : i, BC_FORWARD, TC_ACTIVATION, x->reps);
    a->elem = ((pair ? BC_ACT_FWD_ELEM : 0.0) + (op->bias ? BC_BIAS_ELEM : 0.0)) * T * dout * x->s;
    if (!x->ws) {
        a->c.compute = T * f;
        if (op->bias) a->c.reg = x->WB * dout * T;
    } else {
        a->c.compute = bT * x->F[i];
    }
}

static void act_forward(ctx *x, size_t i)
{
    const f3_bop *op = &x->blk->op[i];
    const double v = (double)(op->tokens * op->d_in);
    bc_step *st = add_step(x, i, BC_FORWARD, TC_ACTIVATION, x->reps);
    st->c.compute = x->s * groups(v, x->P);
    st->elem = BC_ACT_FWD_ELEM * v * x->s;
    read_act(x, &st->c, x->tin[i]);
    write_act(x, &st->c, x->tout[i]);
    if (x->fp_loc[i] == LOC_SRAM) st->c.wr[TC_BUFFER] += x->AB * v * x->s;
}

static void layernorm_forward(ctx *x, size_t i)
{
    const f3_bop *op = &x->blk->op[i];
    const double T = (double)op->tokens, d = (double)op->d_in, v = T * d;
    bc_step *st = add_step(x, i, BC_FORWARD, TC_ACTIVATION, x->reps);
    tc_step_cost *c = &st->c;
    c->compute = x->s * BC_LN_FWD_PASSES * groups(v, x->P);
    st->elem = (BC_LN_FWD_ELEM * v + BC_LN_FWD_ROW_ELEM * T) * x->s;
    read_act(x, c, x->tin[i]); /* a row stays in the registers over the three passes */
    write_act(x, c, x->tout[i]);
    c->reg = 2.0 * x->WB * v * x->s; /* γ, β per value */
    if (x->ws) c->rd[TC_WEIGHTS] = x->WB * 2.0 * d;
    if (trains(x)) {
        stash_copy(x, c, x->tin[i]);
        c->wr[TC_BUFFER] += x->AB * 2.0 * T * x->s; /* each row's μ and rstd */
    }
}

static void attention_forward(ctx *x, size_t i)
{
    const f3_bop *op = &x->blk->op[i];
    const double n = (double)op->tokens, h = (double)op->heads, dh = (double)op->dim_head;
    const double q = n * h * dh; /* values of q (of k, of v) per sample */
    const double nn = groups(n * n, x->P), ndh = groups(n * dh, x->P), macs = h * n * n * dh;
    const size_t ti = x->tin[i];
    /* S = q kᵀ: the lanes over the n² scores of a head, each a dot
     * product over dh; q and k come from SRAM once per head, the lanes
     * take both operands from the registers */
    bc_step *st = add_step(x, i, BC_FORWARD, TC_FORWARD, x->reps);
    st->c.compute = x->s * h * nn * dh;
    st->fma = macs * x->s;
    if (x->loc[ti] == LOC_SRAM) st->c.rd[TC_BUFFER] += x->AB * 2.0 * q * x->s;
    st->c.reg = 2.0 * x->AB * macs * x->s;
    if (bwd(x, i)) stash_copy(x, &st->c, ti);
    /* P = softmax(S/√dh) row by row, written to SRAM (P v reads it, and
     * the backward) */
    st = add_step(x, i, BC_FORWARD, TC_ACTIVATION, x->reps);
    st->c.compute = x->s * BC_SOFTMAX_FWD_PASSES * h * nn;
    st->elem = (BC_SOFTMAX_FWD_ELEM * h * n * n + BC_SOFTMAX_FWD_ROW_ELEM * h * n) * x->s;
    st->c.wr[TC_BUFFER] = x->AB * h * n * n * x->s;
    /* O = P v: the lanes over the n·dh outputs of a head, each over n */
    st = add_step(x, i, BC_FORWARD, TC_FORWARD, x->reps);
    st->c.compute = x->s * h * ndh * n;
    st->fma = macs * x->s;
    st->c.rd[TC_BUFFER] = x->AB * h * n * n * x->s;
    if (x->loc[ti] == LOC_SRAM) st->c.rd[TC_BUFFER] += x->AB * q * x->s; /* v */
    st->c.reg = 2.0 * x->AB * macs * x->s;
    write_act(x, &st->c, x->tout[i]);
}

static void residual_add_forward(ctx *x, size_t i, size_t saved)
{
    const f3_bop *op = &x->blk->op[i];
    const double v = (double)(op->tokens * op->d_in);
    bc_step *st = add_step(x, i, BC_FORWARD, TC_ACTIVATION, x->reps);
    st->c.compute = x->s * groups(v, x->P);
    st->elem = BC_RESIDUAL_ELEM * v * x->s;
    read_act(x, &st->c, x->tin[i]);
    read_act(x, &st->c, saved);
    write_act(x, &st->c, x->tout[i]);
}

/* ---- the backward pass inside the block ------------------------------------------------ */

/* the output block: the loss's δ at the block's output (a step of its
 * own when the block does not end in an activation, whose δz step it is) */
static void loss_step(ctx *x, size_t i)
{
    const f3_bop *op = &x->blk->op[i];
    bc_step *st = add_step(x, i, BC_LOSS, TC_DZ, x->reps);
    st->elem = loss_elem(x->cfg) * x->bc->outputs * x->s;
    if (op->kind == F3_BOP_LINEAR)
        st->c.compute = x->ws ? x->b * (double)op->tokens * x->F[i]
                              : (double)op->tokens * groups((double)op->d_out, x->P);
    else
        st->c.compute = x->s * groups(x->bc->outputs, x->P);
}

static void linear_backward(ctx *x, size_t i, delta *g)
{
    const f3_bop *op = &x->blk->op[i];
    const int pair = x->pair[i];
    const double T = (double)op->tokens, di = (double)op->d_in, dout = (double)op->d_out;
    const double f = groups(dout, x->P), bT = x->b * T, p = di * dout + (op->bias ? dout : 0.0);
    const size_t ti = x->tin[i];
    /* weight_stationary: the final linear op of a one-pass block does its
     * gradient in the forward walk; every other walks W again */
    const int two_pass = !(x->bc->one_pass && (i + 1 == x->n || (pair && i + 2 == x->n)));
    const int batched = batched_op(x, op), act = lanes_act(x, i);
    int dy_read = act || g->loc != LOC_SRAM; /* δy: in the lanes, or read by the first step */
    delta out = {LOC_NONE, 0};
    if (bwd(x, i)) {
        /* δX = δy W (tile_cost's backprop step) */
        bc_step *st = add_step(x, i, BC_BACKWARD, TC_BACKPROP, x->reps);
        tc_step_cost *c = &st->c;
        st->fma = T * di * dout * x->s;
        out = dest(x, i, T * di);
        if (!x->ws) {
            c->compute = T * f * di;
            c->rd[TC_WEIGHTS] = x->WB * di * dout * T;
            c->reg = x->EB * dout * groups(di, x->P) * T; /* δz broadcast */
            if (x->fused_bp) {
                /* backprop and the SGD update in one walk of W */
                c->wr[TC_WEIGHTS] = x->WB * di * dout;
                c->reg += x->AB * di * f;
                if (x_sram(x, ti)) c->rd[TC_BUFFER] += x->AB * di;
            } else {
                c->transposed = x->WB * di * dout * T;
            }
            write_delta(x, c, &out);
        } else {
            /* W in the registers: the partial sums of δX read and written
             * per block of rows */
            c->compute = bT * groups(di, x->P) * dout;
            c->rd[TC_BUFFER] = x->EB * di * bT * x->N[i];
            c->wr[TC_BUFFER] = x->EB * di * bT * x->N[i];
            c->reg = x->WB * di * dout * bT;
            if (x->inner) {
                c->reg = x->WB * di * dout;
                c->acc = x->EB * di * dout * bT;
            }
        }
        if (!dy_read) read_delta(x, c, g), dy_read = 1;
    }
    if (!x->fused && !x->fused_bp) {
        /* δW += δy Xᵀ (tile_cost's gradient step) */
        bc_step *st = add_step(x, i, BC_GRADIENT, TC_GRADIENT, x->reps);
        tc_step_cost *c = &st->c;
        st->fma = T * di * dout * x->s;
        if (!act && op->bias) st->elem = BC_BIAS_ELEM * T * dout * x->s;
        if (!x->ws) {
            c->compute = T * f * di;
            c->reg = x->AB * di * f * T;
            const tc_item acc = batched ? TC_ACCUM : TC_WEIGHTS; /* SGD at batch 1, one token: W in place */
            c->rd[acc] = (batched ? x->GB : x->WB) * di * dout * T;
            c->wr[acc] = (batched ? x->GB : x->WB) * di * dout * T;
            if (x_sram(x, ti)) c->rd[TC_BUFFER] += x->AB * T * di; /* X */
            if (!act && op->bias) c->reg += 2.0 * (batched ? x->GB : x->WB) * dout * T; /* δb */
        } else {
            c->compute = bT * x->F[i] * di;
            c->reg = 2.0 * x->GB * di * dout * bT;
            if (x->inner) {
                c->reg = x->GB * di * dout;
                c->acc = x->EB * di * dout * bT;
            }
            if (two_pass) {
                c->rd[TC_WEIGHTS] = x->WB * p;
                c->rd[TC_BUFFER] += x->AB * di * bT * x->N[i]; /* the inputs again */
            }
            if (x->mb) {
                c->rd[TC_ACCUM] = x->GB * p;
                c->wr[TC_ACCUM] = x->GB * p;
            }
        }
        if (!dy_read) read_delta(x, c, g), dy_read = 1;
    }
    *g = out;
}

/* the activation of a dense pair (op i + 1 after linear op i; or the
 * output's identity after the output block's last linear op i): δz = δh ⊙
 * f'(z) into the lanes (tile_cost's δz step), or the loss's δ */
static void pair_backward(ctx *x, size_t i, delta *g)
{
    const f3_bop *op = &x->blk->op[i];
    const double T = (double)op->tokens, dout = (double)op->d_out;
    const size_t ia = x->pair[i] ? i + 1 : i; /* the activation's op */
    const int loss = x->bc->last && ia + 1 == x->n;
    const int batched = batched_op(x, op);
    bc_step *st = add_step(x, ia, loss ? BC_LOSS : BC_BACKWARD, TC_DZ, x->reps);
    tc_step_cost *c = &st->c;
    st->elem = (loss ? loss_elem(x->cfg) : BC_ACT_BWD_ELEM) * T * dout * x->s;
    if (op->bias) st->elem += BC_BIAS_ELEM * T * dout * x->s; /* δb */
    if (!x->ws) {
        c->compute = T * groups(dout, x->P);
        if (op->bias) c->reg = 2.0 * (batched ? x->GB : x->WB) * dout * T; /* b updated, or δb accumulated */
    } else {
        c->compute = x->b * T * x->F[i];
    }
    if (x->pair[i] && x->fp_loc[i + 1] == LOC_SRAM) c->rd[TC_BUFFER] += x->AB * T * dout * x->s;
    read_delta(x, c, g);
    g->loc = LOC_REG; /* δz in the lanes */
    g->vals = T * dout;
    linear_backward(x, i, g);
}

static void act_backward(ctx *x, size_t i, delta *g)
{
    const f3_bop *op = &x->blk->op[i];
    const double v = (double)(op->tokens * op->d_in);
    const int loss = x->bc->last && i + 1 == x->n;
    bc_step *st = add_step(x, i, loss ? BC_LOSS : BC_BACKWARD, TC_DZ, x->reps);
    st->c.compute = x->s * groups(v, x->P);
    st->elem = (loss ? loss_elem(x->cfg) : BC_ACT_BWD_ELEM) * v * x->s;
    if (x->fp_loc[i] == LOC_SRAM) st->c.rd[TC_BUFFER] += x->AB * v * x->s;
    read_delta(x, &st->c, g);
    *g = dest(x, i, v);
    write_delta(x, &st->c, g);
}

static void layernorm_backward(ctx *x, size_t i, delta *g)
{
    const f3_bop *op = &x->blk->op[i];
    const double T = (double)op->tokens, d = (double)op->d_in, v = T * d;
    const int dx = bwd(x, i);
    const int batched = batched_op(x, op);
    bc_step *st = add_step(x, i, dx ? BC_BACKWARD : BC_GRADIENT, TC_DZ, x->reps);
    tc_step_cost *c = &st->c;
    c->compute = x->s * (dx ? BC_LN_BWD_PASSES : BC_LN_GRAD_PASSES) * groups(v, x->P);
    st->elem = (dx ? BC_LN_BWD_ELEM * v + BC_LN_BWD_ROW_ELEM * T : BC_LN_GRAD_ELEM * v) * x->s;
    read_delta(x, c, g);
    if (x_sram(x, x->tin[i])) c->rd[TC_BUFFER] += x->AB * v * x->s; /* x */
    c->rd[TC_BUFFER] += x->AB * 2.0 * T * x->s;                       /* μ, rstd */
    if (!x->ws) {
        /* γ read; δγ and δβ read and written (registers, as biases) */
        c->reg = (x->WB + 4.0 * (batched ? x->GB : x->WB)) * v;
    } else {
        c->rd[TC_WEIGHTS] = x->WB * 2.0 * d;
        c->reg = (x->WB + 4.0 * x->GB) * v * x->s;
        if (x->mb) {
            c->rd[TC_ACCUM] = x->GB * 2.0 * d;
            c->wr[TC_ACCUM] = x->GB * 2.0 * d;
        }
    }
    if (dx) {
        *g = dest(x, i, v);
        write_delta(x, c, g);
    }
}

static void attention_backward(ctx *x, size_t i, delta *g)
{
    const f3_bop *op = &x->blk->op[i];
    const double n = (double)op->tokens, h = (double)op->heads, dh = (double)op->dim_head;
    const double q = n * h * dh, macs = h * n * n * dh;
    const double nn = groups(n * n, x->P), ndh = groups(n * dh, x->P);
    const size_t ti = x->tin[i];
    const int qkv = x_sram(x, ti);
    delta out = dest(x, i, 3.0 * q);
    delta part = {out.loc, q};
    /* dv = Pᵀ dO, dP = dO vᵀ */
    bc_step *st = add_step(x, i, BC_BACKWARD, TC_BACKPROP, x->reps);
    st->c.compute = x->s * h * (ndh * n + nn * dh);
    st->fma = 2.0 * macs * x->s;
    st->c.rd[TC_BUFFER] = x->AB * h * n * n * x->s; /* P */
    read_delta(x, &st->c, g);
    if (qkv) st->c.rd[TC_BUFFER] += x->AB * q * x->s; /* v */
    st->c.reg = 2.0 * x->AB * 2.0 * macs * x->s;
    write_delta(x, &st->c, &part); /* dv */
    /* dS = P ⊙ (dP − rowsum(dP ⊙ P)), dP and P of a head in the registers */
    st = add_step(x, i, BC_BACKWARD, TC_DZ, x->reps);
    st->c.compute = x->s * BC_SOFTMAX_BWD_PASSES * h * nn;
    st->elem = BC_SOFTMAX_BWD_ELEM * h * n * n * x->s;
    /* dq = dS k / √dh, dk = dSᵀ q / √dh */
    st = add_step(x, i, BC_BACKWARD, TC_BACKPROP, x->reps);
    st->c.compute = x->s * 2.0 * h * ndh * n;
    st->fma = 2.0 * macs * x->s;
    if (qkv) st->c.rd[TC_BUFFER] = x->AB * 2.0 * q * x->s; /* k, q */
    st->c.reg = 2.0 * x->AB * 2.0 * macs * x->s;
    part.vals = 2.0 * q;
    write_delta(x, &st->c, &part); /* dq, dk */
    *g = out;
}

static void residual_save_backward(ctx *x, size_t i, delta *g, const delta *r)
{
    const f3_bop *op = &x->blk->op[i];
    const double v = (double)(op->tokens * op->d_in);
    bc_step *st = add_step(x, i, BC_BACKWARD, TC_DZ, x->reps);
    st->c.compute = x->s * groups(v, x->P);
    st->elem = BC_RESIDUAL_ELEM * v * x->s;
    read_delta(x, &st->c, g);
    read_delta(x, &st->c, r);
    *g = dest(x, i, v);
    write_delta(x, &st->c, g);
}

/* ---- the optimiser ---------------------------------------------------------------------- */

static void apply_steps(ctx *x)
{
    for (size_t i = 0; i < x->n; i++) {
        const f3_bop *op = &x->blk->op[i];
        if (op->kind != F3_BOP_LINEAR && op->kind != F3_BOP_LAYERNORM) continue;
        const int lin = op->kind == F3_BOP_LINEAR;
        const double di = (double)op->d_in, dout = (double)op->d_out;
        const double pw = lin ? di * dout : 0.0;                             /* in SRAM under output_stationary */
        const double pb = lin ? (op->bias ? dout : 0.0) : 2.0 * di;          /* per-feature values: b; γ, β */
        const double p = pw + pb;
        const int batched = batched_op(x, op);
        if (!x->ws && !batched) continue; /* updated in place by the gradient step */
        bc_step *st = add_step(x, i, BC_APPLY, TC_APPLY, 1.0);
        tc_step_cost *c = &st->c;
        st->fma = p;
        if (x->adam) st->elem = F3_ADAM_ELEM_PER_PARAM * p;
        if (!x->ws) {
            /* the lanes walk W as the gradient step does; the per-feature
             * values are updated in the same cycles, in registers (a layer
             * norm's γ and β: ⌈2d/P⌉ cycles of their own) */
            c->compute = lin ? groups(dout, x->P) * di * x->u : groups(pb, x->P) * x->u;
            if (lin) {
                c->rd[TC_WEIGHTS] = x->WB * pw;
                c->rd[TC_ACCUM] = x->GB * pw;
                c->wr[TC_WEIGHTS] = x->WB * pw;
                if (x->adam) {
                    c->rd[TC_OPTSTATE] = 2.0 * x->OB * pw;
                    c->wr[TC_OPTSTATE] = 2.0 * x->OB * pw;
                }
            }
            c->reg = (2.0 * x->WB + x->GB + (x->adam ? 4.0 * x->OB : 0.0)) * pb;
        } else {
            /* W is in the registers: written back once */
            c->compute = groups(p, x->P) * x->u;
            c->wr[TC_WEIGHTS] = x->WB * p;
            if (x->adam) {
                c->rd[TC_OPTSTATE] = 2.0 * x->OB * p;
                c->wr[TC_OPTSTATE] = 2.0 * x->OB * p;
            }
            if (x->mb) c->rd[TC_ACCUM] = x->GB * p;
        }
    }
}

/* ---- checks ----------------------------------------------------------------------------- */

static f3_status op_fail(const char *what, size_t k, size_t i, const f3_bop *op, const char *why)
{
    char d[160];
    f3_bop_describe(op, d, sizeof d);
    return F3_FAIL(F3_EINVAL, "%s: block %zu, op %zu (%s): %s", what, k + 1, i + 1, d, why);
}

/* An attention head's q and k, and its scores, in the registers (bytes;
 * AB bytes per value): what every dataflow reads them from. */
static double attention_reg_bytes(double AB, const f3_bop *op)
{
    const double n = (double)op->tokens, dh = (double)op->dim_head;
    return AB * (2.0 * n * dh + n * n);
}

void block_cost_registers(const f3_config *cfg, const f3_block *blk, double *row_bytes, double *min_bytes)
{
    const double WB = chip_value_bytes(cfg, F3_T_WEIGHTS), GB = chip_accumulator_bytes(cfg),
                 AB = chip_value_bytes(cfg, F3_T_ACTIVATIONS);
    *row_bytes = *min_bytes = 0;
    for (size_t i = 0; i < blk->n_ops; i++) {
        const f3_bop *op = &blk->op[i];
        if (op->kind == F3_BOP_LINEAR) *row_bytes = fmax(*row_bytes, (WB + GB) * (double)op->d_in);
        if (op->kind == F3_BOP_ATTENTION) *min_bytes = fmax(*min_bytes, attention_reg_bytes(AB, op));
    }
}

static f3_status check(const ctx *x, size_t k)
{
    const chip_config *hw = x->hw;
    const f3_block *blk = x->blk;
    if (hw->micro_batch && hw->dataflow != CHIP_DF_WEIGHT_STATIONARY)
        return F3_FAIL(F3_EINVAL,
                       "micro-batches (hardware.pipeline.micro_batch %zu) split a weight_stationary tile's batch; "
                       "dataflow %s already passes every sample on as soon as it is through (set 0)",
                       hw->micro_batch, chip_dataflow_name(hw->dataflow));
    if (hw->dataflow == CHIP_DF_FUSED) {
        /* one linear op on one token (and its activation): fused folds its
         * update into a pass over its W that the tile makes anyway */
        for (size_t i = 0; i < blk->n_ops; i++) {
            const f3_bop *op = &blk->op[i];
            const int ok = (i == 0 && op->kind == F3_BOP_LINEAR && op->tokens == 1) ||
                           (i == 1 && op->kind == F3_BOP_ACT && blk->op[0].kind == F3_BOP_LINEAR);
            if (!ok)
                return op_fail("dataflow fused cannot run this block", k, i, op,
                               "fused folds each sample's update of a block's one linear op, on one token, into "
                               "the tile's next pass over its W; a block of any other op, of a second linear op or "
                               "of a linear op over several tokens (whose gradient sums over them) needs "
                               "output_stationary or weight_stationary");
        }
        f3_status st = chip_dataflow_check(hw->dataflow, x->cfg);
        if (st) return st;
    }
    for (size_t i = 0; i < blk->n_ops; i++) {
        const f3_bop *op = &blk->op[i];
        char why[320];
        if (op->kind == F3_BOP_ATTENTION) {
            const double need = attention_reg_bytes(x->AB, op);
            if (need > x->th->reg_capacity_bytes) {
                snprintf(why, sizeof why,
                         "the lanes take a head's q and k (2 × %zu × %zu values) and its %zu × %zu scores from the "
                         "registers, %.0f bytes, but the registers hold %.0f bytes",
                         op->tokens, op->dim_head, op->tokens, op->tokens, need, x->th->reg_capacity_bytes);
                return op_fail("the block is too big for the tile", k, i, op, why);
            }
        }
        if (op->kind == F3_BOP_LINEAR && x->ws) {
            const double row = (x->WB + (x->bc->trains ? x->GB : 0.0)) * (double)op->d_in;
            const double rmax = hw->reg_sram ? x->P * floor(x->th->reg_capacity_bytes / x->P / row)
                                             : floor(x->th->reg_capacity_bytes / row);
            if (rmax < 1) {
                if (hw->reg_sram)
                    snprintf(why, sizeof why,
                             "weight_stationary holds whole rows of W%s in the registers, %.0f bytes per row, but "
                             "an SRAM register file is one bank per lane (registers.kind sram) and a bank holds %.0f "
                             "bytes: give it at least %.0f bytes",
                             x->bc->trains ? " and their accumulator" : "", row, x->th->reg_capacity_bytes / x->P,
                             row * x->P);
                else
                    snprintf(why, sizeof why,
                             "weight_stationary holds whole rows of W%s in the registers, %.0f bytes per row, but the "
                             "registers hold %.0f bytes",
                             x->bc->trains ? " and their accumulator" : "", row, x->th->reg_capacity_bytes);
                return op_fail("the block is too big for the tile", k, i, op, why);
            }
        }
    }
    return F3_OK;
}

/* weight_stationary: the blocks of rows of linear op i (tile_cost's R, N, F) */
static void ws_blocks(ctx *x, size_t i)
{
    const f3_bop *op = &x->blk->op[i];
    const double no = (double)op->d_out, P = x->P;
    const double row = (x->WB + (x->bc->trains ? x->GB : 0.0)) * (double)op->d_in;
    double rmax = x->hw->reg_sram ? P * floor(x->th->reg_capacity_bytes / P / row)
                                  : floor(x->th->reg_capacity_bytes / row);
    double R = rmax >= P ? P * floor(rmax / P) : rmax;
    if (R > no) R = no;
    const double nb = groups(no, R);
    x->N[i] = nb;
    x->F[i] = (nb - 1) * groups(R, P) + groups(no - (nb - 1) * R, P);
}

/* ---- the table ---------------------------------------------------------------------------- */

/* The tensors of a sample (their sizes, which are values of their own,
 * where they live), the dense pairs, the residuals' kept tensors, where
 * each activation keeps f'(z), and whether weight_stationary walks the
 * block once. */
static void plan_tensors(ctx *x)
{
    const f3_block *blk = x->blk;
    block_cost *bc = x->bc;
    const size_t n = x->n;
    const f3_bop *last = &blk->op[n - 1];
    bc->one_pass = x->ws && x->local && !bc->last &&
                   (last->kind == F3_BOP_LINEAR ||
                    (last->kind == F3_BOP_ACT && n >= 2 && blk->op[n - 2].kind == F3_BOP_LINEAR));
    x->vals[0] = in_vals(&blk->op[0]);
    x->mat[0] = 1;
    size_t saved[F3_BLOCK_MAX_OPS], n_saved = 0;
    for (size_t i = 0; i < n; i++) {
        const f3_bop *op = &blk->op[i];
        x->tin[i] = i == 0 ? 0 : x->tout[i - 1];
        const int alias = op->kind == F3_BOP_RESIDUAL_SAVE || op->kind == F3_BOP_PATCHIFY;
        x->tout[i] = alias ? x->tin[i] : i + 1;
        x->vals[i + 1] = out_vals(op);
        x->pair[i] = op->kind == F3_BOP_LINEAR && i + 1 < n && blk->op[i + 1].kind == F3_BOP_ACT;
        x->mat[i + 1] = !alias && !x->pair[i];
        if (op->kind == F3_BOP_RESIDUAL_SAVE) saved[n_saved++] = x->tin[i];
        if (op->kind == F3_BOP_RESIDUAL_ADD) x->save_of[i] = saved[--n_saved];
    }
    for (size_t t = 0; t <= n; t++)
        if (x->mat[t]) x->loc[t] = (t == 0 || block_output(x, t)) && !x->ws ? LOC_REG : LOC_SRAM;
    /* f'(z): kept by an activation whose backward runs (the output block's
     * last activation is the loss's); in the registers when it ends a
     * local block under output_stationary, or a one-pass block */
    for (size_t i = 0; i < n; i++) {
        if (blk->op[i].kind != F3_BOP_ACT || !bwd(x, i) || (bc->last && i + 1 == n)) continue;
        x->fp_loc[i] = i + 1 == n && ((!x->ws && x->local) || bc->one_pass) ? LOC_REG : LOC_SRAM;
    }
    if (x->ws)
        for (size_t i = 0; i < n; i++)
            if (blk->op[i].kind == F3_BOP_LINEAR) ws_blocks(x, i);
}

/* The stash: every op's own view of what its backward reads. */
static void plan_stash(ctx *x)
{
    const size_t n = x->n;
    for (size_t i = 0; i < n; i++) {
        const f3_bop *op = &x->blk->op[i];
        const size_t ti = x->tin[i];
        const double T = (double)op->tokens;
        const int in_sram = x->loc[ti] == LOC_SRAM; /* a local block reads it from SRAM */
        switch (op->kind) {
        case F3_BOP_LINEAR:
            if (trains(x)) stash_part(x, ti, x->vals[ti], in_sram); /* X */
            break;
        case F3_BOP_ACT:
            if (x->fp_loc[i] != LOC_NONE) stash_part(x, n + 1, x->vals[i + 1], x->fp_loc[i] == LOC_SRAM);
            break;
        case F3_BOP_LAYERNORM:
            if (trains(x)) {
                stash_part(x, ti, x->vals[ti], in_sram); /* x */
                stash_part(x, n + 1, 2.0 * T, 1);         /* μ, rstd */
            }
            break;
        case F3_BOP_ATTENTION:
            if (bwd(x, i)) {
                stash_part(x, ti, x->vals[ti], in_sram);           /* q, k, v */
                stash_part(x, n + 1, (double)op->heads * T * T, 1); /* P */
            }
            break;
        default: break;
        }
    }
}

static void forward_steps(ctx *x)
{
    for (size_t i = 0; i < x->n; i++) {
        switch (x->blk->op[i].kind) {
        case F3_BOP_LINEAR:
            linear_forward(x, i);
            if (x->pair[i]) i++;
            break;
        case F3_BOP_ACT: act_forward(x, i); break;
        case F3_BOP_LAYERNORM: layernorm_forward(x, i); break;
        case F3_BOP_ATTENTION: attention_forward(x, i); break;
        case F3_BOP_RESIDUAL_ADD: residual_add_forward(x, i, x->save_of[i]); break;
        default: break; /* residual_save, patchify: aliases */
        }
    }
    /* weight_stationary: the batch's inputs are buffered as they arrive */
    if (x->ws && x->bc->n_steps > 0) x->bc->step[0].c.wr[TC_BUFFER] += x->AB * x->vals[0] * x->b;
}

/* The δ at the block's output — the link's, the feedback's or the loss's,
 * in the registers; weight_stationary buffers the batch's when the block
 * walks its W again for it — and the feedback step E·B_k. */
static delta output_delta(ctx *x)
{
    block_cost *bc = x->bc;
    const size_t n = x->n;
    delta g = {LOC_REG, bc->outputs};
    if (x->ws && bc->trains && !bc->last && !bc->one_pass) {
        g.loc = LOC_SRAM;
        x->dvals += bc->outputs;
        if (bc->deferred) x->arrival = x->EB * bc->outputs * x->b;
    }
    if (!bc->feedback) return g;
    bc_step *f = add_step(x, BC_BLOCK, BC_FEEDBACK, TC_FEEDBACK, x->reps);
    const tc_step_cost fb = tc_feedback_sample(x->hw, x->cfg, bc->outputs);
    f->c.rom = fb.rom * x->s;
    f->c.lfsr = fb.lfsr * x->s;
    f->c.fb_fma = fb.fb_fma * x->s;
    f->c.fb_add = fb.fb_add * x->s;
    f->c.fb_mul = fb.fb_mul * x->s;
    f->fma = (double)bc->C * bc->outputs * x->s;
    /* lane passes per output group: C, or one column of B for a one-hot
     * e; the groups are those of the linear op that ends the block (with
     * its activation), else P outputs each */
    const double fb_lanes = bc->one_hot_feedback ? 1.0 : (double)bc->C;
    const f3_bop *last = &x->blk->op[n - 1];
    size_t li = n;
    if (last->kind == F3_BOP_LINEAR) li = n - 1;
    if (last->kind == F3_BOP_ACT && n >= 2 && x->pair[n - 2]) li = n - 2;
    double gr = x->s * groups(bc->outputs, x->P);
    if (li < n) {
        const f3_bop *op = &x->blk->op[li];
        gr = x->ws ? x->b * (double)op->tokens * x->F[li] : (double)op->tokens * groups((double)op->d_out, x->P);
    }
    f->c.compute = gr * fb_lanes;
    if (g.loc == LOC_SRAM && x->local) f->c.wr[TC_BUFFER] = x->EB * bc->outputs * x->b;
    return g;
}

/* The backward pass inside the block, from the last op down (the block
 * trainer's order), then the optimiser. */
static void backward_steps(ctx *x, delta g)
{
    const f3_block *blk = x->blk;
    const size_t n = x->n;
    delta res[F3_BLOCK_MAX_OPS];
    size_t n_res = 0;
    /* the output block: the loss's δ, unless its last op is an activation
     * or a linear op (whose δz step the loss is: its identity's) */
    if (x->bc->last && blk->op[n - 1].kind != F3_BOP_ACT && !x->out_id) loss_step(x, n - 1);
    for (size_t i = n; i-- > 0;) {
        const f3_bop *op = &blk->op[i];
        if (op->kind == F3_BOP_ACT && i > 0 && x->pair[i - 1]) {
            pair_backward(x, i - 1, &g);
            i--;
            continue;
        }
        if (op->kind == F3_BOP_LINEAR && x->out_id && i + 1 == n) { /* the output's identity, then the loss */
            pair_backward(x, i, &g);
            continue;
        }
        switch (op->kind) {
        case F3_BOP_RESIDUAL_ADD: res[n_res++] = g; break; /* the δ goes to both */
        case F3_BOP_RESIDUAL_SAVE: {
            const delta r = res[--n_res];
            if (bwd(x, i)) residual_save_backward(x, i, &g, &r);
            break;
        }
        case F3_BOP_ACT:
            if (bwd(x, i)) act_backward(x, i, &g);
            break;
        case F3_BOP_LAYERNORM: layernorm_backward(x, i, &g); break;
        case F3_BOP_ATTENTION:
            if (bwd(x, i)) attention_backward(x, i, &g);
            break;
        case F3_BOP_LINEAR: linear_backward(x, i, &g); break;
        default: break; /* patchify: a permutation, the δ read in patch order */
        }
    }
    apply_steps(x);
}

/* What the tile keeps: parameters, optimiser state, accumulator, the
 * stash and the buffers; the ROM. */
static void needs(ctx *x)
{
    block_cost *bc = x->bc;
    const size_t n = x->n;
    double pw = 0, pall = 0, pacc = 0, tmax = 0, att = 0;
    for (size_t i = 0; i < n; i++) {
        const f3_bop *op = &x->blk->op[i];
        if (op->kind == F3_BOP_LINEAR) {
            const double w = (double)(op->d_in * op->d_out);
            pw += w;
            pall += w + (op->bias ? (double)op->d_out : 0.0);
            if (batched_op(x, op)) pacc += w;
            if ((double)op->tokens > tmax) tmax = (double)op->tokens;
        } else if (op->kind == F3_BOP_LAYERNORM) {
            pall += 2.0 * (double)op->d_in;
        } else if (op->kind == F3_BOP_ATTENTION && !bwd(x, i)) {
            att += (double)op->heads * (double)(op->tokens * op->tokens); /* P, not kept */
        }
    }
    const double held = x->ws ? pall : pw; /* output_stationary keeps b, γ, β in registers */
    bc->need[TC_WEIGHTS] = x->WB * held;
    bc->need[TC_OPTSTATE] = bc->trains && x->adam ? 2.0 * x->OB * held : 0.0;
    bc->need[TC_ACCUM] = x->ws ? (x->mb ? x->GB * pall : 0.0) : (bc->trains ? x->GB * pacc : 0.0);
    if (bc->deferred)
        bc->stash_bytes = x->AB * x->B * bc->stash_values;
    else if (bc->trains)
        bc->stash_bytes = x->AB * (x->ws ? x->B : 1.0) * x->stash_local;
    if (!x->ws) {
        /* beside the stash, one sample's buffers: the values between ops
         * that no backward reads, P not kept, the δ */
        double work = att;
        for (size_t t = 1; t <= n; t++)
            if (x->mat[t] && x->loc[t] == LOC_SRAM && !x->stashed[t]) work += x->vals[t];
        bc->buffer_bytes = x->AB * work + x->EB * x->dvals;
        bc->need[TC_BUFFER] = bc->stash_bytes + bc->buffer_bytes;
    } else {
        /* every value of the batch in a buffer: the input, the output, the
         * values between ops, f'(z), μ and rstd, P, the δ */
        double acts = att + x->stash_sram;
        for (size_t t = 0; t <= n; t++)
            if (x->mat[t]) acts += x->vals[t];
        bc->need[TC_BUFFER] = x->AB * x->B * acts + x->EB * x->B * x->dvals;
        bc->buffer_bytes = bc->need[TC_BUFFER];
        if (x->inner && tmax > 0)
            bc->acc_bytes = x->P * (double)chip_chunk(x->hw, x->cfg->batch_size) * tmax * (x->AB + x->EB);
    }
    bc->rom_bytes = !x->hw->inference && f3_layer_has_feedback(x->cfg, bc->block)
                        ? chip_rom_bytes_per_entry(x->hw->rom_encoding) * ((double)bc->C * bc->outputs)
                        : 0.0;
}

/* The placement (the block alone on its tile), then each step's bytes at
 * each level and its cycles. */
static void place_and_finish(ctx *x)
{
    block_cost *bc = x->bc;
    tile_cost t;
    memset(&t, 0, sizeof t);
    memcpy(t.need, bc->need, sizeof t.need);
    tile_cost_place(x->th->sram_capacity_bytes, &t, 1);
    memcpy(bc->on_chip, t.on_chip, sizeof bc->on_chip);
    bc->sram_needed = t.sram_needed;
    bc->sram_used = t.sram_used;
    bc->dram_resident = t.dram_resident;
    for (size_t q = 0; q < bc->n_steps; q++) tc_step_finish(x->hw, x->th, bc->need, bc->on_chip, &bc->step[q].c);
}

/* The rule, the block's position and the bytes of each value. */
static void setup(ctx *x, const chip_config *hw, const chip_tile_hw *th, const f3_config *cfg, const f3_block *blk,
                  size_t k, size_t batch, block_cost *bc)
{
    memset(x, 0, sizeof *x);
    x->hw = hw, x->th = th, x->cfg = cfg, x->blk = blk, x->bc = bc, x->n = blk->n_ops;
    const f3_algorithm alg = cfg->algorithm;
    const size_t K = cfg->n_layers;
    bc->block = k;
    bc->n_blocks = K;
    bc->C = cfg->widths[K];
    bc->batch = batch;
    bc->first = k == 0;
    bc->last = k + 1 == K;
    bc->trains = !hw->inference && f3_layer_trains(cfg, k);
    bc->feedback = f3_layer_has_feedback(cfg, k) && bc->trains;
    bc->deferred = bc->trains && !bc->last && f3_needs_stash(alg);
    bc->dx = bc->trains && alg == F3_ALG_BP && !bc->first;
    bc->one_hot_feedback = tc_feedback_one_hot(cfg);
    bc->feedback_adds = tc_feedback_adds(hw, cfg);
    bc->outputs = out_vals(&blk->op[x->n - 1]);
    x->local = bc->trains && !bc->deferred;
    x->out_id = bc->last && blk->op[x->n - 1].kind == F3_BOP_LINEAR;
    x->ws = hw->dataflow == CHIP_DF_WEIGHT_STATIONARY;
    x->fused = hw->dataflow == CHIP_DF_FUSED && bc->trains && alg != F3_ALG_BP;
    x->fused_bp = hw->dataflow == CHIP_DF_FUSED && bc->trains && alg == F3_ALG_BP && !bc->first;
    x->inner = x->ws && hw->ws_samples_inner;
    x->mb = x->ws && chip_micro_batched(hw, cfg) && bc->trains;
    x->adam = cfg->optimizer == F3_OPT_ADAM;
    x->u = x->adam ? 4.0 : 1.0;
    x->P = (double)th->mac_lanes;
    x->b = (double)batch;
    x->B = (double)cfg->batch_size; /* buffers are sized for a full batch */
    x->s = x->ws ? x->b : 1.0;
    x->reps = x->ws ? 1.0 : x->b;
    x->WB = chip_value_bytes(cfg, F3_T_WEIGHTS);
    x->OB = chip_value_bytes(cfg, F3_T_OPTIMIZER);
    x->GB = chip_accumulator_bytes(cfg);
    x->AB = chip_value_bytes(cfg, F3_T_ACTIVATIONS);
    x->EB = chip_value_bytes(cfg, F3_T_ERROR);
}

f3_status block_cost_compute(const chip_config *hw, const chip_tile_hw *th, const f3_config *cfg,
                             const f3_block *blk, size_t k, size_t batch, block_cost *out)
{
    memset(out, 0, offsetof(block_cost, step));
    if (k >= cfg->n_layers)
        return F3_FAIL(F3_EINVAL, "block %zu of a network of %zu blocks", k + 1, cfg->n_layers);
    f3_status st = f3_block_check(blk);
    if (st) return st;
    const double C = (double)cfg->widths[cfg->n_layers], m = out_vals(&blk->op[blk->n_ops - 1]);
    if (k + 1 == cfg->n_layers && m != C)
        return F3_FAIL(F3_EINVAL, "the last block gives %.0f values per sample, the network's outputs are %.0f", m,
                       C);
    ctx x;
    setup(&x, hw, th, cfg, blk, k, batch, out);
    if ((st = check(&x, k))) return st;
    plan_tensors(&x);
    plan_stash(&x);
    forward_steps(&x);
    const delta g = output_delta(&x);
    if (out->trains) backward_steps(&x, g);
    needs(&x);
    place_and_finish(&x);
    return F3_OK;
}

bc_totals block_cost_totals(const block_cost *bc, bc_phase phase)
{
    bc_totals t = {0};
    for (size_t q = 0; q < bc->n_steps; q++) {
        const bc_step *s = &bc->step[q];
        if (phase != BC_PHASES && s->phase != phase) continue;
        const double r = s->c.reps;
        t.cycles += r * s->c.cycles;
        t.compute += r * s->c.compute;
        t.reg += r * (s->c.reg + s->c.acc);
        t.sram_r += r * s->c.sram_r;
        t.sram_w += r * s->c.sram_w;
        t.dram_r += r * s->c.dram_r;
        t.dram_w += r * s->c.dram_w;
        t.rom += r * s->c.rom;
        t.fma += r * s->fma;
        t.elem += r * s->elem;
    }
    return t;
}

/* ---- the block as a unit of the engines' table ------------------------------------------ */

/* The step of the dense layer's table that step q counts in (block_cost.h);
 * q_delta: the step that gives the δ at the block's input (BP), or
 * SIZE_MAX when none leaves the tile. */
static tc_step tile_kind(const block_cost *bc, size_t q, size_t q_delta)
{
    const bc_step *st = &bc->step[q];
    switch (st->phase) {
    case BC_FORWARD: return st->kind; /* forward (products) or activation (element-wise): one segment */
    case BC_FEEDBACK: return TC_FEEDBACK;
    case BC_LOSS: return TC_DZ;
    case BC_APPLY: return TC_APPLY;
    default: break;
    }
    if (q_delta != SIZE_MAX) {
        if (q > q_delta) return TC_GRADIENT;
        return st->kind == TC_DZ ? TC_DZ : TC_BACKPROP;
    }
    if (bc->last) return TC_GRADIENT; /* after the loss, whose e DFA broadcasts after dz */
    return st->phase == BC_GRADIENT ? TC_GRADIENT : TC_DZ;
}

static void add_cost(tc_step_cost *a, const tc_step_cost *c)
{
    a->reps = c->reps; /* per sample (output_stationary) or per batch: the same within a kind */
    a->compute += c->compute;
    a->reg += c->reg;
    a->acc += c->acc;
    for (int i = 0; i < TC_ITEMS; i++) {
        a->rd[i] += c->rd[i];
        a->wr[i] += c->wr[i];
    }
    a->transposed += c->transposed;
    a->rom += c->rom;
    a->lfsr += c->lfsr;
    a->fb_fma += c->fb_fma;
    a->fb_add += c->fb_add;
    a->fb_mul += c->fb_mul;
    a->sram_r += c->sram_r;
    a->sram_w += c->sram_w;
    a->dram_r += c->dram_r;
    a->dram_w += c->dram_w;
    a->cycles += c->cycles;
}

void block_cost_as_tile(const chip_config *hw, const chip_tile_hw *th, block_cost *bc, tile_cost *t)
{
    /* the placement the tile made over its units */
    memcpy(bc->on_chip, t->on_chip, sizeof bc->on_chip);
    bc->sram_needed = t->sram_needed;
    bc->sram_used = t->sram_used;
    bc->dram_resident = t->dram_resident;
    for (size_t q = 0; q < bc->n_steps; q++) tc_step_finish(hw, th, bc->need, bc->on_chip, &bc->step[q].c);

    /* the layer's figures the engines and the checks read */
    t->C = bc->C;
    t->batch = bc->batch;
    t->hidden = !bc->last;
    t->first = bc->first;
    t->trains = bc->trains;
    t->feedback = bc->feedback;
    t->one_hot_feedback = bc->one_hot_feedback;
    t->feedback_adds = bc->feedback_adds;
    t->stash = bc->deferred;
    t->stash_bytes = bc->stash_bytes;
    t->buffer_bytes = bc->buffer_bytes;
    t->rom_bytes = bc->rom_bytes;
    t->acc_bytes = bc->acc_bytes;
    memset(t->step, 0, sizeof t->step);
    size_t q_delta = SIZE_MAX;
    if (bc->dx)
        for (size_t q = 0; q < bc->n_steps; q++)
            if (bc->step[q].phase == BC_BACKWARD) q_delta = q;
    for (size_t q = 0; q < bc->n_steps; q++) add_cost(&t->step[tile_kind(bc, q, q_delta)], &bc->step[q].c);
}
