/* block_cost_ops.c — the steps of each op of a block, forward and
 * backward, for the table of block_cost.c (see block_cost.h). */
#include "block_cost.h"
#include "block_cost_internal.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "f3/kernels.h"
#include "f3/vit.h"

/* does linear op i end in an activation step on the lanes: its own
 * activation (a dense pair), or, ending the output block, the output
 * layer's identity before the loss (tile_cost's output layer)? */
static int lanes_act(const ctx *x, size_t i) { return x->pair[i] || (x->out_id && i + 1 == x->n); }

/* does the backward read tensor t from SRAM (a buffer, or its stash copy)? */
static int x_sram(const ctx *x, size_t t)
{
    return x->loc[t] == LOC_SRAM || (x->bc->deferred && x->loc[t] == LOC_REG);
}

bc_step *bc_add_step(ctx *x, size_t op, bc_phase ph, tc_step kind, double reps)
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
void bc_stash_part(ctx *x, size_t t, double v, int in_sram)
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

void bc_linear_forward(ctx *x, size_t i)
{
    const f3_bop *op = &x->blk->op[i];
    const int pair = x->pair[i], act = lanes_act(x, i);
    const double T = (double)op->tokens, di = (double)op->d_in, dout = (double)op->d_out;
    const double f = groups(dout, x->P), bT = x->b * T, p = di * dout + (op->bias ? dout : 0.0);
    const size_t ti = x->tin[i], to = pair ? x->tout[i + 1] : x->tout[i];
    bc_step *st = bc_add_step(x, i, BC_FORWARD, TC_FORWARD, x->reps);
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
    bc_step *a = bc_add_step(x, pair ? i + 1 : i, BC_FORWARD, TC_ACTIVATION, x->reps);
    a->elem = ((pair ? BC_ACT_FWD_ELEM : 0.0) + (op->bias ? BC_BIAS_ELEM : 0.0)) * T * dout * x->s;
    if (!x->ws) {
        a->c.compute = T * f;
        if (op->bias) a->c.reg = x->WB * dout * T;
    } else {
        a->c.compute = bT * x->F[i];
    }
}

void bc_act_forward(ctx *x, size_t i)
{
    const f3_bop *op = &x->blk->op[i];
    const double v = (double)(op->tokens * op->d_in);
    bc_step *st = bc_add_step(x, i, BC_FORWARD, TC_ACTIVATION, x->reps);
    st->c.compute = x->s * groups(v, x->P);
    st->elem = BC_ACT_FWD_ELEM * v * x->s;
    read_act(x, &st->c, x->tin[i]);
    write_act(x, &st->c, x->tout[i]);
    if (x->fp_loc[i] == LOC_SRAM) st->c.wr[TC_BUFFER] += x->AB * v * x->s;
}

void bc_layernorm_forward(ctx *x, size_t i)
{
    const f3_bop *op = &x->blk->op[i];
    const double T = (double)op->tokens, d = (double)op->d_in, v = T * d;
    bc_step *st = bc_add_step(x, i, BC_FORWARD, TC_ACTIVATION, x->reps);
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

void bc_attention_forward(ctx *x, size_t i)
{
    const f3_bop *op = &x->blk->op[i];
    const double n = (double)op->tokens, h = (double)op->heads, dh = (double)op->dim_head;
    const double q = n * h * dh; /* values of q (of k, of v) per sample */
    const double nn = groups(n * n, x->P), ndh = groups(n * dh, x->P), macs = h * n * n * dh;
    const size_t ti = x->tin[i];
    /* S = q kᵀ: the lanes over the n² scores of a head, each a dot
     * product over dh; q and k come from SRAM once per head, the lanes
     * take both operands from the registers */
    bc_step *st = bc_add_step(x, i, BC_FORWARD, TC_FORWARD, x->reps);
    st->c.compute = x->s * h * nn * dh;
    st->fma = macs * x->s;
    if (x->loc[ti] == LOC_SRAM) st->c.rd[TC_BUFFER] += x->AB * 2.0 * q * x->s;
    st->c.reg = 2.0 * x->AB * macs * x->s;
    if (bwd(x, i)) stash_copy(x, &st->c, ti);
    /* P = softmax(S/√dh) row by row, written to SRAM (P v reads it, and
     * the backward) */
    st = bc_add_step(x, i, BC_FORWARD, TC_ACTIVATION, x->reps);
    st->c.compute = x->s * BC_SOFTMAX_FWD_PASSES * h * nn;
    st->elem = (BC_SOFTMAX_FWD_ELEM * h * n * n + BC_SOFTMAX_FWD_ROW_ELEM * h * n) * x->s;
    st->c.wr[TC_BUFFER] = x->AB * h * n * n * x->s;
    /* O = P v: the lanes over the n·dh outputs of a head, each over n */
    st = bc_add_step(x, i, BC_FORWARD, TC_FORWARD, x->reps);
    st->c.compute = x->s * h * ndh * n;
    st->fma = macs * x->s;
    st->c.rd[TC_BUFFER] = x->AB * h * n * n * x->s;
    if (x->loc[ti] == LOC_SRAM) st->c.rd[TC_BUFFER] += x->AB * q * x->s; /* v */
    st->c.reg = 2.0 * x->AB * macs * x->s;
    write_act(x, &st->c, x->tout[i]);
}

void bc_residual_add_forward(ctx *x, size_t i, size_t saved)
{
    const f3_bop *op = &x->blk->op[i];
    const double v = (double)(op->tokens * op->d_in);
    bc_step *st = bc_add_step(x, i, BC_FORWARD, TC_ACTIVATION, x->reps);
    st->c.compute = x->s * groups(v, x->P);
    st->elem = BC_RESIDUAL_ELEM * v * x->s;
    read_act(x, &st->c, x->tin[i]);
    read_act(x, &st->c, saved);
    write_act(x, &st->c, x->tout[i]);
}

/* ---- the backward pass inside the block ------------------------------------------------ */

/* the output block: the loss's δ at the block's output (a step of its
 * own when the block does not end in an activation, whose δz step it is) */
void bc_loss_step(ctx *x, size_t i)
{
    const f3_bop *op = &x->blk->op[i];
    bc_step *st = bc_add_step(x, i, BC_LOSS, TC_DZ, x->reps);
    st->elem = loss_elem(x->cfg) * x->bc->outputs * x->s;
    if (op->kind == F3_BOP_LINEAR)
        st->c.compute = x->ws ? x->b * (double)op->tokens * x->F[i]
                              : (double)op->tokens * groups((double)op->d_out, x->P);
    else
        st->c.compute = x->s * groups(x->bc->outputs, x->P);
}

void bc_linear_backward(ctx *x, size_t i, delta *g)
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
        bc_step *st = bc_add_step(x, i, BC_BACKWARD, TC_BACKPROP, x->reps);
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
        bc_step *st = bc_add_step(x, i, BC_GRADIENT, TC_GRADIENT, x->reps);
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
void bc_pair_backward(ctx *x, size_t i, delta *g)
{
    const f3_bop *op = &x->blk->op[i];
    const double T = (double)op->tokens, dout = (double)op->d_out;
    const size_t ia = x->pair[i] ? i + 1 : i; /* the activation's op */
    const int loss = x->bc->last && ia + 1 == x->n;
    const int batched = batched_op(x, op);
    bc_step *st = bc_add_step(x, ia, loss ? BC_LOSS : BC_BACKWARD, TC_DZ, x->reps);
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
    bc_linear_backward(x, i, g);
}

void bc_act_backward(ctx *x, size_t i, delta *g)
{
    const f3_bop *op = &x->blk->op[i];
    const double v = (double)(op->tokens * op->d_in);
    const int loss = x->bc->last && i + 1 == x->n;
    bc_step *st = bc_add_step(x, i, loss ? BC_LOSS : BC_BACKWARD, TC_DZ, x->reps);
    st->c.compute = x->s * groups(v, x->P);
    st->elem = (loss ? loss_elem(x->cfg) : BC_ACT_BWD_ELEM) * v * x->s;
    if (x->fp_loc[i] == LOC_SRAM) st->c.rd[TC_BUFFER] += x->AB * v * x->s;
    read_delta(x, &st->c, g);
    *g = dest(x, i, v);
    write_delta(x, &st->c, g);
}

void bc_layernorm_backward(ctx *x, size_t i, delta *g)
{
    const f3_bop *op = &x->blk->op[i];
    const double T = (double)op->tokens, d = (double)op->d_in, v = T * d;
    const int dx = bwd(x, i);
    const int batched = batched_op(x, op);
    bc_step *st = bc_add_step(x, i, dx ? BC_BACKWARD : BC_GRADIENT, TC_DZ, x->reps);
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

void bc_attention_backward(ctx *x, size_t i, delta *g)
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
    bc_step *st = bc_add_step(x, i, BC_BACKWARD, TC_BACKPROP, x->reps);
    st->c.compute = x->s * h * (ndh * n + nn * dh);
    st->fma = 2.0 * macs * x->s;
    st->c.rd[TC_BUFFER] = x->AB * h * n * n * x->s; /* P */
    read_delta(x, &st->c, g);
    if (qkv) st->c.rd[TC_BUFFER] += x->AB * q * x->s; /* v */
    st->c.reg = 2.0 * x->AB * 2.0 * macs * x->s;
    write_delta(x, &st->c, &part); /* dv */
    /* dS = P ⊙ (dP − rowsum(dP ⊙ P)), dP and P of a head in the registers */
    st = bc_add_step(x, i, BC_BACKWARD, TC_DZ, x->reps);
    st->c.compute = x->s * BC_SOFTMAX_BWD_PASSES * h * nn;
    st->elem = BC_SOFTMAX_BWD_ELEM * h * n * n * x->s;
    /* dq = dS k / √dh, dk = dSᵀ q / √dh */
    st = bc_add_step(x, i, BC_BACKWARD, TC_BACKPROP, x->reps);
    st->c.compute = x->s * 2.0 * h * ndh * n;
    st->fma = 2.0 * macs * x->s;
    if (qkv) st->c.rd[TC_BUFFER] = x->AB * 2.0 * q * x->s; /* k, q */
    st->c.reg = 2.0 * x->AB * 2.0 * macs * x->s;
    part.vals = 2.0 * q;
    write_delta(x, &st->c, &part); /* dq, dk */
    *g = out;
}

void bc_residual_save_backward(ctx *x, size_t i, delta *g, const delta *r)
{
    const f3_bop *op = &x->blk->op[i];
    const double v = (double)(op->tokens * op->d_in);
    bc_step *st = bc_add_step(x, i, BC_BACKWARD, TC_DZ, x->reps);
    st->c.compute = x->s * groups(v, x->P);
    st->elem = BC_RESIDUAL_ELEM * v * x->s;
    read_delta(x, &st->c, g);
    read_delta(x, &st->c, r);
    *g = dest(x, i, v);
    write_delta(x, &st->c, g);
}
