/* block_cost.c — see block_cost.h.  docs/hardware-model.md ("Blocks: the
 * op table") holds the same table in prose; a change here changes that
 * document, and test_block_cost.c's hand-derived block. */
#include "block_cost.h"
#include "block_cost_internal.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "f3/kernels.h"
#include "f3/vit.h"

const char *const bc_phase_names[BC_PHASES] = {"forward", "feedback", "loss", "backward", "gradient", "apply"};

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
        bc_step *st = bc_add_step(x, i, BC_APPLY, TC_APPLY, 1.0);
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
            if (trains(x)) bc_stash_part(x, ti, x->vals[ti], in_sram); /* X */
            break;
        case F3_BOP_ACT:
            if (x->fp_loc[i] != LOC_NONE) bc_stash_part(x, n + 1, x->vals[i + 1], x->fp_loc[i] == LOC_SRAM);
            break;
        case F3_BOP_LAYERNORM:
            if (trains(x)) {
                bc_stash_part(x, ti, x->vals[ti], in_sram); /* x */
                bc_stash_part(x, n + 1, 2.0 * T, 1);         /* μ, rstd */
            }
            break;
        case F3_BOP_ATTENTION:
            if (bwd(x, i)) {
                bc_stash_part(x, ti, x->vals[ti], in_sram);           /* q, k, v */
                bc_stash_part(x, n + 1, (double)op->heads * T * T, 1); /* P */
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
            bc_linear_forward(x, i);
            if (x->pair[i]) i++;
            break;
        case F3_BOP_ACT: bc_act_forward(x, i); break;
        case F3_BOP_LAYERNORM: bc_layernorm_forward(x, i); break;
        case F3_BOP_ATTENTION: bc_attention_forward(x, i); break;
        case F3_BOP_RESIDUAL_ADD: bc_residual_add_forward(x, i, x->save_of[i]); break;
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
    bc_step *f = bc_add_step(x, BC_BLOCK, BC_FEEDBACK, TC_FEEDBACK, x->reps);
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
    if (x->bc->last && blk->op[n - 1].kind != F3_BOP_ACT && !x->out_id) bc_loss_step(x, n - 1);
    for (size_t i = n; i-- > 0;) {
        const f3_bop *op = &blk->op[i];
        if (op->kind == F3_BOP_ACT && i > 0 && x->pair[i - 1]) {
            bc_pair_backward(x, i - 1, &g);
            i--;
            continue;
        }
        if (op->kind == F3_BOP_LINEAR && x->out_id && i + 1 == n) { /* the output's identity, then the loss */
            bc_pair_backward(x, i, &g);
            continue;
        }
        switch (op->kind) {
        case F3_BOP_RESIDUAL_ADD: res[n_res++] = g; break; /* the δ goes to both */
        case F3_BOP_RESIDUAL_SAVE: {
            const delta r = res[--n_res];
            if (bwd(x, i)) bc_residual_save_backward(x, i, &g, &r);
            break;
        }
        case F3_BOP_ACT:
            if (bwd(x, i)) bc_act_backward(x, i, &g);
            break;
        case F3_BOP_LAYERNORM: bc_layernorm_backward(x, i, &g); break;
        case F3_BOP_ATTENTION:
            if (bwd(x, i)) bc_attention_backward(x, i, &g);
            break;
        case F3_BOP_LINEAR: bc_linear_backward(x, i, &g); break;
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
