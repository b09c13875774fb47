/* tile_cost.c — see tile_cost.h.  docs/hardware-model.md holds the same
 * tables in prose; a change here changes that document. */
#include "tile_cost.h"

#include <math.h>
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "block_cost.h"
#include "cost_tables.h"

const char *const tc_item_names[TC_ITEMS] = {"weights", "optimizer_state", "accumulator", "buffers"};
const char *const tc_step_names[TC_STEPS] = {"forward", "activation", "feedback", "dz", "gradient", "backprop", "apply"};
const char *const chip_energy_item_names[CHIP_E_COUNT] = {"compute", "registers", "sram", "rom",
                                                          "dram", "links", "error_store", "leakage"};

const char *chip_dataflow_name(chip_dataflow d)
{
    switch (d) {
    case CHIP_DF_OUTPUT_STATIONARY: return "output_stationary";
    case CHIP_DF_WEIGHT_STATIONARY: return "weight_stationary";
    case CHIP_DF_FUSED: return "fused";
    }
    return "?";
}

const char *chip_rom_encoding_name(chip_rom_encoding e)
{
    switch (e) {
    case CHIP_ROM_FP32: return "fp32";
    case CHIP_ROM_INT8: return "int8";
    case CHIP_ROM_TERNARY2: return "ternary2";
    case CHIP_ROM_SEEDED: return "seeded";
    }
    return "?";
}

double chip_rom_bytes_per_entry(chip_rom_encoding e)
{
    switch (e) {
    case CHIP_ROM_FP32: return 4.0;
    case CHIP_ROM_INT8: return 1.0;
    case CHIP_ROM_TERNARY2: return 0.25;
    case CHIP_ROM_SEEDED: return 0.0;
    }
    return 4.0;
}

static double cdiv(double a, double b) { return ceil(a / b); }

double chip_value_bytes(const f3_config *cfg, f3_tensor t)
{
    return f3_format_bits(&cfg->numerics.fmt[t]) / 8.0;
}

double chip_accumulator_bytes(const f3_config *cfg)
{
    if (!f3_config_fixed_mode(cfg)) return chip_value_bytes(cfg, F3_T_GRADIENTS);
    /* model/'s fixed-point path sums δz·h exactly over the batch and rounds
     * once: the accumulator holds the exact products (the error's and the
     * activation's bits) plus ⌈log₂ batch⌉ bits of growth (rtl_ref/'s
     * accumulator bank is this wide) */
    const f3_numerics *n = &cfg->numerics;
    double grow = cfg->batch_size > 1 ? ceil(log2((double)cfg->batch_size)) : 0.0;
    return (f3_format_bits(&n->fmt[F3_T_ERROR]) + f3_format_bits(&n->fmt[F3_T_ACTIVATIONS]) + grow) / 8.0;
}

chip_mac_figures chip_mac_figures_for(const chip_config *hw, const f3_config *cfg)
{
    chip_mac_figures m = {hw->fma_pj, hw->add_pj, hw->mul_pj, 1.0};
    if (!hw->energy_by_format) return m;
    const f3_format *w = &cfg->numerics.fmt[F3_T_WEIGHTS], *a = &cfg->numerics.fmt[F3_T_ACTIVATIONS];
    /* the table's 45 nm, 0.9 V figures at the scenario's node and supply
     * (a chip_config not from a scenario: 45 nm) */
    const double TE = hw->tech_energy > 0 ? hw->tech_energy : 1.0;
    if (w->kind == F3_FMT_FIXED && a->kind == F3_FMT_FIXED) {
        double bits = fmax(f3_format_bits(w), f3_format_bits(a));
        m.add_pj = (0.03 + (0.1 - 0.03) * (bits - 8.0) / 24.0) * TE;
        m.mul_pj = 0.2 * (bits / 8.0) * (bits / 8.0) * TE;
        m.area_scale = hw->lane == CHIP_LANE_MAC ? chip_fixed_mac_lane_scale(bits)
                                                 : chip_fixed_lane_scale(bits); /* rtl_ref/'s lane, cost_tables.h */
    } else if (w->kind != F3_FMT_FP32 && a->kind != F3_FMT_FP32) {
        m.add_pj = 0.4 * TE;
        m.mul_pj = 1.1 * TE;
        m.area_scale = m.mul_pj / hw->mul_pj;
    } else {
        return m;
    }
    m.fma_pj = m.add_pj + m.mul_pj;
    return m;
}

f3_status chip_dataflow_check(chip_dataflow d, const f3_config *cfg)
{
    if (d != CHIP_DF_FUSED) return F3_OK;
    const char *alg = f3_algorithm_name(cfg->algorithm);
    if (cfg->algorithm == F3_ALG_DFA)
        return F3_FAIL(F3_EINVAL,
                       "dataflow fused cannot run dfa: it folds a sample's update into a pass over W that the tile "
                       "makes anyway (f3, drtp, llo: the next sample's forward pass; bp: its own backprop pass), but "
                       "a dfa hidden tile knows δz only after the error comes back from downstream and makes no "
                       "other pass over W then");
    if (cfg->batch_size != 1 || cfg->optimizer != F3_OPT_SGD)
        return F3_FAIL(F3_EINVAL,
                       "dataflow fused updates W after every sample: it needs batch_size 1 and the sgd optimizer "
                       "(this %s run has batch_size %zu and %s)",
                       alg, cfg->batch_size, f3_optimizer_name(cfg->optimizer));
    return F3_OK;
}

double chip_error_store_bytes(const chip_config *hw, const f3_config *cfg, size_t n_train)
{
    if (cfg->algorithm != F3_ALG_F3) return 0.0;
    size_t C = cfg->widths[cfg->n_layers];
    return (double)n_train * (cfg->error_info.one_hot ? 1.0 : (double)C) * hw->es_bytes_per_value;
}

/* ---- micro-batches ------------------------------------------------------------------------ */

size_t chip_chunk(const chip_config *hw, size_t b)
{
    return hw->dataflow == CHIP_DF_WEIGHT_STATIONARY && hw->micro_batch > 0 && hw->micro_batch < b ? hw->micro_batch
                                                                                                      : b;
}

int chip_micro_batched(const chip_config *hw, const f3_config *cfg)
{
    return chip_chunk(hw, cfg->batch_size) < cfg->batch_size;
}

/* Fill a tile's SRAM in priority order (weights, optimiser state,
 * accumulator, buffers), the item of every unit of the tile before the
 * next item, unit by unit; what does not fit lives in DRAM.  t[0…n−1]: the
 * tile's units, their needs set. */
void tile_cost_place(double capacity, tile_cost *t, size_t n)
{
    double left = capacity;
    for (size_t l = 0; l < n; l++) t[l].sram_needed = t[l].sram_used = 0;
    for (int i = 0; i < TC_ITEMS; i++) {
        for (size_t l = 0; l < n; l++) {
            const double need = t[l].need[i];
            const double on = need < left ? need : left;
            left -= on;
            t[l].sram_needed += need;
            t[l].on_chip[i] = on;
            t[l].sram_used += on;
        }
    }
    for (size_t l = 0; l < n; l++) t[l].dram_resident = t[l].sram_needed - t[l].sram_used;
}

/* One step's bytes at each level, and its cycles without DRAM, from the
 * placement of its items (need, on_chip). */
void tc_step_finish(const chip_config *hw, const chip_tile_hw *th, const double need[TC_ITEMS],
                    const double on_chip[TC_ITEMS], tc_step_cost *c)
{
    const double bw = hw->sram_bytes_per_cycle_per_bank * (double)th->sram_banks;
    c->sram_r = c->sram_w = c->dram_r = c->dram_w = 0;
    for (int i = 0; i < TC_ITEMS; i++) {
        /* the shares on and off chip, each from its own bytes (so that a
         * whole item's traffic splits into whole bytes) */
        const double nd = need[i], on = on_chip[i], off = nd - on;
        if (nd <= 0 || off <= 0) {
            c->sram_r += c->rd[i];
            c->sram_w += c->wr[i];
            continue;
        }
        c->sram_r += c->rd[i] * on / nd;
        c->dram_r += c->rd[i] * off / nd;
        c->sram_w += c->wr[i] * on / nd;
        c->dram_w += c->wr[i] * off / nd;
    }
    if (c->reps == 0) {
        c->cycles = 0;
        return;
    }
    /* a transposed read costs transposed_read_factor row reads; its
     * share of the weights follows their placement */
    double on_w = need[TC_WEIGHTS] > 0 ? on_chip[TC_WEIGHTS] / need[TC_WEIGHTS] : 1.0;
    double sram_eff = c->sram_r + c->sram_w + c->transposed * on_w * (hw->sram_transposed_factor - 1.0);
    double cyc = c->compute;
    if (sram_eff > 0) cyc = fmax(cyc, cdiv(sram_eff, bw));
    if (c->rom > 0) cyc = fmax(cyc, cdiv(c->rom, hw->rom_bytes_per_cycle));
    if (c->lfsr > 0) cyc = fmax(cyc, cdiv(c->lfsr, (double)th->mac_lanes) * hw->lfsr_cycles_per_value);
    c->cycles = cyc + (double)hw->step_latency;
}

/* The bytes of each step at each level, and its cycles without DRAM. */
static void finish_steps(const chip_config *hw, const chip_tile_hw *th, tile_cost *t)
{
    for (int s = 0; s < TC_STEPS; s++) tc_step_finish(hw, th, t->need, t->on_chip, &t->step[s]);
}

/* Bᵀe is one column of B when e is one-hot: F³'s one-hot error
 * information, or DRTP's one-hot target (classification) */
static int drtp_target_column(const f3_config *cfg)
{
    return cfg->algorithm == F3_ALG_DRTP && cfg->loss != F3_LOSS_MSE;
}

int tc_feedback_one_hot(const f3_config *cfg)
{
    return (cfg->algorithm == F3_ALG_F3 && cfg->error_info.one_hot) || drtp_target_column(cfg);
}

int tc_feedback_adds(const chip_config *hw, const f3_config *cfg)
{
    return hw->rom_encoding != CHIP_ROM_FP32 && hw->rom_encoding != CHIP_ROM_INT8 &&
           f3_feedback_is_additive(cfg->feedback_init);
}

tc_step_cost tc_feedback_sample(const chip_config *hw, const f3_config *cfg, double outputs)
{
    tc_step_cost fb = {0};
    const double C = (double)cfg->widths[cfg->n_layers];
    const int one_hot = tc_feedback_one_hot(cfg), adds = tc_feedback_adds(hw, cfg);
    double entries = one_hot ? outputs : C * outputs;
    fb.rom = chip_rom_bytes_per_entry(hw->rom_encoding) * entries;
    fb.lfsr = hw->rom_encoding == CHIP_ROM_SEEDED ? entries : 0.0;
    if (drtp_target_column(cfg))
        ; /* the target's column of B is δh itself: no arithmetic */
    else if (one_hot)
        *(adds ? &fb.fb_add : &fb.fb_mul) = outputs; /* e's one entry times a column */
    else
        *(adds ? &fb.fb_add : &fb.fb_fma) = C * outputs;
    return fb;
}

/* What layer_cost's two dataflows share: the layer (or part), its tile's
 * figures, and the values every step of it is counted from (the names are
 * layer_cost's). */
typedef struct {
    const chip_config *hw;
    const chip_tile_hw *th;
    const f3_config *cfg;
    size_t unit, layer;
    double ni, no, C, P, b, B; /* inputs, outputs, classes, lanes, samples this pass, the full batch */
    f3_algorithm alg;
    int batched, adam;
    f3_layer_memory mem;
    double WB, OB, GB, AB, EB;  /* bytes per value */
    double p, f, stash_vals, held, fb_lanes;
    tc_step_cost fb; /* feedback δh = Bᵀe of one sample */
} layer_in;

/* weight_stationary: one pass of the layer's steps, blocks nb of rows with
 * F lane groups in all. */
static void ws_steps(const layer_in *L, tile_cost *t, double nb, double F, int two_pass, int mb)
{
    const f3_algorithm alg = L->alg;
    const int adam = L->adam;
    const tc_step_cost fb = L->fb;
    const double ni = L->ni, no = L->no, P = L->P, b = L->b, WB = L->WB, OB = L->OB, GB = L->GB, AB = L->AB,
                 EB = L->EB, p = L->p, fb_lanes = L->fb_lanes;
    tc_step_cost *s = t->step;
    for (int k = 0; k < TC_STEPS; k++) s[k].reps = 0;
    s[TC_FORWARD].reps = 1;
    s[TC_FORWARD].compute = b * F * ni;
    s[TC_FORWARD].rd[TC_WEIGHTS] = WB * p;
    s[TC_FORWARD].rd[TC_BUFFER] = AB * ni * b * nb + AB * no * b; /* inputs per block; outputs sent */
    s[TC_FORWARD].wr[TC_BUFFER] = AB * ni * b + AB * no * b + (t->stash ? AB * no * b : 0.0);
    s[TC_FORWARD].reg = WB * ni * no * b; /* a weight from the registers per MAC */
    s[TC_ACTIVATION].reps = 1;
    s[TC_ACTIVATION].compute = b * F;
    if (t->trains) {
        s[TC_DZ].reps = 1;
        s[TC_DZ].compute = b * F;
        s[TC_GRADIENT].reps = 1;
        s[TC_GRADIENT].compute = b * F * ni;
        s[TC_GRADIENT].reg = 2.0 * GB * ni * no * b; /* accumulator read and write per MAC */
        if (two_pass) {
            /* a second walk: W again, the inputs again, the δ */
            s[TC_GRADIENT].rd[TC_WEIGHTS] = WB * p;
            s[TC_GRADIENT].rd[TC_BUFFER] = AB * ni * b * nb;
            if (t->stash) {
                s[TC_DZ].rd[TC_BUFFER] = (AB + EB) * no * b; /* f'(z) and δh */
                s[TC_DZ].wr[TC_BUFFER] = EB * no * b;       /* δh as it arrives */
            }
        }
        if (mb) {
            s[TC_GRADIENT].rd[TC_ACCUM] = GB * p;
            s[TC_GRADIENT].wr[TC_ACCUM] = GB * p;
            s[TC_APPLY].rd[TC_ACCUM] = GB * p;
        }
        s[TC_APPLY].reps = 1;
        s[TC_APPLY].compute = cdiv(p, P) * (adam ? 4.0 : 1.0);
        s[TC_APPLY].wr[TC_WEIGHTS] = WB * p; /* W is in the registers: written back once */
        if (adam) {
            s[TC_APPLY].rd[TC_OPTSTATE] = 2.0 * OB * p;
            s[TC_APPLY].wr[TC_OPTSTATE] = 2.0 * OB * p;
        }
    }
    if (t->feedback) {
        s[TC_FEEDBACK] = fb;
        s[TC_FEEDBACK].reps = 1;
        s[TC_FEEDBACK].compute = b * F * fb_lanes;
        s[TC_FEEDBACK].rom *= b;
        s[TC_FEEDBACK].lfsr *= b;
        s[TC_FEEDBACK].fb_fma *= b;
        s[TC_FEEDBACK].fb_add *= b;
        s[TC_FEEDBACK].fb_mul *= b;
    }
    if (alg == F3_ALG_BP && !t->first) {
        /* W is in the registers: no transposed SRAM read; the partial
         * sums of δh_{i−1} are read and written per block */
        s[TC_BACKPROP].reps = 1;
        s[TC_BACKPROP].compute = b * cdiv(ni, P) * no;
        s[TC_BACKPROP].rd[TC_BUFFER] = EB * ni * b * nb;
        s[TC_BACKPROP].wr[TC_BUFFER] = EB * ni * b * nb;
        s[TC_BACKPROP].reg = WB * ni * no * b; /* a weight from the registers per MAC */
    }
}

/* weight_stationary with the samples innermost (ws_loop: samples). */
static void ws_samples_inner(const layer_in *L, tile_cost *t)
{
    const chip_config *hw = L->hw;
    const f3_config *cfg = L->cfg;
    const f3_algorithm alg = L->alg;
    const double ni = L->ni, no = L->no, P = L->P, b = L->b, WB = L->WB, GB = L->GB, AB = L->AB, EB = L->EB;
    tc_step_cost *s = t->step;
    /* the samples innermost: a lane holds one weight (one gradient
     * sum) while the micro-batch's b samples pass; z and δz of each
     * sample wait in flip-flops beside the lane, read and written
     * per MAC (forward: z read and written; gradient: δz read; BP's
     * backprop: δz read); the register file is read once per weight
     * and pass, and the gradient written once */
    const double M = (double)chip_chunk(hw, cfg->batch_size);
    t->acc_bytes = P * M * (AB + EB);
    s[TC_FORWARD].reg = WB * ni * no;
    s[TC_FORWARD].acc = 2.0 * AB * ni * no * b;
    if (t->trains) {
        s[TC_GRADIENT].reg = GB * ni * no;
        s[TC_GRADIENT].acc = EB * ni * no * b;
    }
    if (alg == F3_ALG_BP && !t->first) {
        s[TC_BACKPROP].reg = WB * ni * no;
        s[TC_BACKPROP].acc = EB * ni * no * b;
    }
}

/* weight_stationary: W walked in blocks of rows held in the registers;
 * the buffers, then the steps. */
static f3_status ws_layer(const layer_in *L, tile_cost *t)
{
    const chip_config *hw = L->hw;
    const chip_tile_hw *th = L->th;
    const f3_config *cfg = L->cfg;
    const size_t unit = L->unit;
    const size_t layer = L->layer;
    const f3_algorithm alg = L->alg;
    const double ni = L->ni, no = L->no, P = L->P, B = L->B, WB = L->WB, GB = L->GB, AB = L->AB, EB = L->EB,
                 p = L->p, stash_vals = L->stash_vals;
    /* W walked in blocks of R rows held in registers with their
     * accumulator rows; every sample of the batch uses a block while it
     * is held */
    const double row_bytes = (WB + (t->trains ? GB : 0.0)) * ni;
    /* an SRAM register file is one bank per lane: a lane's rows live in
     * its own bank, so the rows held are whole rows per bank */
    double rmax = hw->reg_sram ? P * floor(th->reg_capacity_bytes / P / row_bytes)
                               : floor(th->reg_capacity_bytes / row_bytes);
    if (rmax < 1)
    {
        char where[64] = "";
        if (hw->n_tiles) snprintf(where, sizeof where, "layer %zu, ", layer + 1);
        if (hw->reg_sram)
            return F3_FAIL(F3_EINVAL,
                           "weight_stationary: tile %zu (%s%zu→%zu) holds whole rows of W%s in its registers, "
                           "%.0f bytes per row, but its SRAM register file is one bank per lane (registers.kind "
                           "sram) and a bank holds %.0f bytes: give it at least %.0f bytes",
                           chip_unit_tile(hw, unit) + 1, where, t->n_in, t->n_out,
                           t->trains ? " and their accumulator" : "", row_bytes, th->reg_capacity_bytes / P,
                           row_bytes * P);
        return F3_FAIL(F3_EINVAL,
                       "weight_stationary: tile %zu (%s%zu→%zu) holds whole rows of W%s in its registers, %.0f "
                       "bytes per row, but the registers hold %.0f bytes",
                       chip_unit_tile(hw, unit) + 1, where, t->n_in, t->n_out,
                       t->trains ? " and their accumulator" : "", row_bytes, th->reg_capacity_bytes);
    }
    double R = rmax >= P ? P * floor(rmax / P) : rmax;
    if (R > no) R = no;
    double nb = cdiv(no, R);
    t->block_rows = (size_t)R;
    t->blocks = (size_t)nb;
    t->lanes_sum = (size_t)((nb - 1) * cdiv(R, P) + cdiv(no - (nb - 1) * R, P));
    const double F = (double)t->lanes_sum;
    const int two_pass = t->stash || !t->hidden; /* the error comes later, or the loss needs all of y */
    /* micro-batches: W is walked once per micro-batch, so the gradient
     * of the batch accumulates in SRAM between them, read and written
     * by each micro-batch's walk, and the update reads it once */
    const int mb = chip_micro_batched(hw, cfg) && t->trains;
    /* buffers: the batch's inputs and outputs; BP/DFA also f'(z), the δ
     * that comes back, and (BP, tiles 2…K) the partial sums of δh_{i−1} */
    double buf = AB * B * (ni + no);
    if (t->stash) buf += (AB + EB) * B * no;
    if (alg == F3_ALG_BP && !t->first) buf += EB * B * ni;
    t->need[TC_BUFFER] = buf;
    t->buffer_bytes = buf;
    if (mb) t->need[TC_ACCUM] = GB * p;
    t->stash_bytes = t->stash ? AB * B * stash_vals : 0.0;

    ws_steps(L, t, nb, F, two_pass, mb);
    if (hw->ws_samples_inner) ws_samples_inner(L, t);
    return F3_OK;
}

/* output_stationary (and fused): BP's backprop step of tiles 2…K. */
static void os_backprop(const layer_in *L, tile_cost *t, int fused_bp)
{
    const double ni = L->ni, no = L->no, P = L->P, b = L->b, WB = L->WB, AB = L->AB, EB = L->EB, f = L->f;
    tc_step_cost *s = t->step;
    /* W's rows are spread over the banks (row j in bank j mod P), so
     * the P lanes take P rows of one column k and an adder tree sums
     * their products: f groups per column, the same row reads as the
     * forward pass and no transposed access (rtl_ref/ measured
     * ⌈n_in/P⌉·n_out to be wrong whenever lanes idle) */
    s[TC_BACKPROP].reps = b;
    s[TC_BACKPROP].compute = f * ni;
    s[TC_BACKPROP].rd[TC_WEIGHTS] = WB * ni * no;
    s[TC_BACKPROP].reg = EB * no * cdiv(ni, P); /* δz broadcast */
    if (fused_bp) {
        /* backprop and the SGD update in one walk of W (the
         * gradient step's walk: lanes over rows, column by column):
         * each weight is read once, multiplied with δz_j into the
         * adder tree of column k with its old value, updated with
         * δz_j·h_{i−1,k} and written back; h_{i−1} comes to the
         * lanes as in the gradient step */
        s[TC_BACKPROP].wr[TC_WEIGHTS] = WB * ni * no;
        s[TC_BACKPROP].reg += AB * ni * f;
        if (t->stash) s[TC_BACKPROP].rd[TC_BUFFER] = AB * ni; /* h_{i−1} */
    } else {
        s[TC_BACKPROP].transposed = WB * ni * no;
    }
}

/* output_stationary and fused: per sample, groups of P rows over the
 * input held in the registers. */
static void os_layer(const layer_in *L, tile_cost *t)
{
    const chip_config *hw = L->hw;
    const f3_algorithm alg = L->alg;
    const int batched = L->batched;
    const int adam = L->adam;
    const f3_layer_memory mem = L->mem;
    const tc_step_cost fb = L->fb;
    const double ni = L->ni, no = L->no, b = L->b, B = L->B, WB = L->WB, OB = L->OB, GB = L->GB, AB = L->AB,
                 f = L->f, stash_vals = L->stash_vals, held = L->held, fb_lanes = L->fb_lanes;
    tc_step_cost *s = t->step;
    /* output_stationary (and fused): per sample, f = ⌈n_out/P⌉ groups
     * of P rows, each a pass over the input held in registers; b and
     * its companions are register traffic (above) */
    /* fused: F3, DRTP and LLO fold the update into the next sample's
     * forward pass; BP folds it into the sample's own backprop pass
     * (tiles 2…K: read W once, δh_{i−1} from the old value, update,
     * write back); BP's first tile has no backprop and updates as
     * output_stationary does */
    const int fused = hw->dataflow == CHIP_DF_FUSED && t->trains && alg != F3_ALG_BP;
    const int fused_bp = hw->dataflow == CHIP_DF_FUSED && t->trains && alg == F3_ALG_BP && !t->first;
    const double pw = held, pb = (double)mem.biases;
    const double u = adam ? 4.0 : 1.0;
    t->need[TC_ACCUM] = t->trains && batched ? GB * pw : 0.0;
    t->stash_bytes = AB * B * stash_vals;
    t->need[TC_BUFFER] = t->stash_bytes;
    s[TC_FORWARD].reps = b;
    /* fused: each weight is read, updated with the previous sample's
     * gradient and used for this sample's MAC in one lane cycle (the
     * lane's update multipliers work beside its MAC, as in rtl_ref/;
     * was 2·f·n_in until the RTL measured it) */
    s[TC_FORWARD].compute = f * ni;
    s[TC_FORWARD].rd[TC_WEIGHTS] = WB * pw;
    s[TC_FORWARD].reg = AB * ni * f * (fused ? 2.0 : 1.0); /* h broadcast to the lanes */
    if (fused) s[TC_FORWARD].wr[TC_WEIGHTS] = WB * pw; /* the previous sample's update, same pass */
    if (t->stash) s[TC_FORWARD].wr[TC_BUFFER] = AB * stash_vals;
    s[TC_ACTIVATION].reps = b;
    s[TC_ACTIVATION].compute = f;
    s[TC_ACTIVATION].reg = WB * pb; /* z + b */
    if (t->feedback) {
        s[TC_FEEDBACK] = fb;
        s[TC_FEEDBACK].reps = b;
        s[TC_FEEDBACK].compute = f * fb_lanes;
    }
    if (t->trains) {
        s[TC_DZ].reps = b;
        s[TC_DZ].compute = f;
        /* b updated (SGD at batch 1) or δb accumulated, read and written */
        s[TC_DZ].reg = 2.0 * (batched ? GB : WB) * pb;
        if (t->stash) s[TC_DZ].rd[TC_BUFFER] = AB * no; /* f'(z_i) */
        if (!fused && !fused_bp) {
            s[TC_GRADIENT].reps = b;
            s[TC_GRADIENT].compute = f * ni;
            s[TC_GRADIENT].reg = AB * ni * f;
            tc_item acc = batched ? TC_ACCUM : TC_WEIGHTS; /* SGD at batch 1 updates W in place */
            s[TC_GRADIENT].rd[acc] = (batched ? GB : WB) * pw;
            s[TC_GRADIENT].wr[acc] = (batched ? GB : WB) * pw;
            if (t->stash) s[TC_GRADIENT].rd[TC_BUFFER] = AB * ni; /* h_{i−1} */
        }
        if (batched) {
            /* the lanes walk W as the gradient step does (row j in bank
             * j mod P: f·n_in cycles); b is updated from δb in the same
             * cycles, in registers */
            s[TC_APPLY].reps = 1;
            s[TC_APPLY].compute = f * ni * u;
            s[TC_APPLY].rd[TC_WEIGHTS] = WB * pw;
            s[TC_APPLY].rd[TC_ACCUM] = GB * pw;
            s[TC_APPLY].wr[TC_WEIGHTS] = WB * pw;
            s[TC_APPLY].reg = (2.0 * WB + GB + (adam ? 4.0 * OB : 0.0)) * pb;
            if (adam) {
                s[TC_APPLY].rd[TC_OPTSTATE] = 2.0 * OB * pw;
                s[TC_APPLY].wr[TC_OPTSTATE] = 2.0 * OB * pw;
            }
        }
    }
    if (alg == F3_ALG_BP && !t->first) os_backprop(L, t, fused_bp);
}

/* Layer `layer`'s steps and needs on a tile with figures th (before
 * placement). */
static f3_status layer_cost(const chip_config *hw, const chip_tile_hw *th, const f3_config *cfg0, size_t unit,
                            size_t batch, tile_cost *out)
{
    memset(out, 0, sizeof *out);
    /* a part of a split layer is the layer with its rows alone: the
     * network with n_out = its rows (never the output layer) */
    const size_t layer = chip_unit_layer(hw, unit);
    const f3_config *cfg = cfg0;
    static _Thread_local f3_config part;
    if (chip_layer_parts(hw, layer) > 1) {
        size_t r0, rows;
        chip_unit_rows(hw, cfg0, unit, &r0, &rows);
        part = *cfg0;
        part.widths[layer + 1] = rows;
        cfg = &part;
    }
    tile_cost *t = out;
    const size_t K = cfg->n_layers;
    const double ni = (double)cfg->widths[layer], no = (double)cfg->widths[layer + 1];
    const double C = (double)cfg->widths[K], P = (double)th->mac_lanes, b = (double)batch;
    const double B = (double)cfg->batch_size; /* buffers are sized for a full batch */
    const f3_algorithm alg = cfg->algorithm;
    f3_status st = chip_dataflow_check(hw->dataflow, cfg);
    if (st) return st;
    if (hw->micro_batch && hw->dataflow != CHIP_DF_WEIGHT_STATIONARY)
        return F3_FAIL(F3_EINVAL,
                       "micro-batches (hardware.pipeline.micro_batch %zu) split a weight_stationary tile's batch; "
                       "dataflow %s already passes every sample on as soon as it is through (set 0)",
                       hw->micro_batch, chip_dataflow_name(hw->dataflow));

    t->n_in = cfg->widths[layer];
    t->n_out = cfg->widths[layer + 1];
    t->C = cfg->widths[K];
    t->batch = batch;
    t->hidden = layer + 1 < K;
    t->first = layer == 0;
    t->trains = !hw->inference && f3_layer_trains(cfg, layer);
    t->feedback = f3_layer_has_feedback(cfg, layer) && t->trains;
    t->stash = t->hidden && f3_needs_stash(alg) && !hw->inference;
    t->one_hot_feedback = tc_feedback_one_hot(cfg);
    t->feedback_adds = tc_feedback_adds(hw, cfg);
    const int batched = !(cfg->batch_size == 1 && cfg->optimizer == F3_OPT_SGD);
    const int adam = cfg->optimizer == F3_OPT_ADAM;
    const f3_layer_memory mem = f3_layer_memory_plan(cfg, layer);
    /* bytes per value: weights, optimiser state, the gradient accumulator, activations, errors */
    const double WB = chip_value_bytes(cfg, F3_T_WEIGHTS), OB = chip_value_bytes(cfg, F3_T_OPTIMIZER),
                 GB = chip_accumulator_bytes(cfg), AB = chip_value_bytes(cfg, F3_T_ACTIVATIONS),
                 EB = chip_value_bytes(cfg, F3_T_ERROR);
    const double p = (double)(mem.weights + mem.biases); /* parameters */
    const double f = cdiv(no, P);
    const double rb = chip_rom_bytes_per_entry(hw->rom_encoding);
    const double stash_vals = (double)mem.stash_per_sample; /* h_{i−1} and f'(z_i) */

    /* what the SRAM holds per parameter set: weight_stationary streams b
     * with W through its registers; output_stationary and fused keep the
     * per-row values — b, its accumulator δb and (Adam) its m and v — in
     * registers beside z and h, as in rtl_ref/, so their SRAM holds W, its
     * accumulator and its optimiser state alone */
    const double held = hw->dataflow == CHIP_DF_WEIGHT_STATIONARY ? p : (double)mem.weights;
    t->need[TC_WEIGHTS] = WB * held;
    t->need[TC_OPTSTATE] = mem.optimizer_state && !hw->inference ? 2.0 * OB * held : 0.0; /* Adam: m and v */
    t->rom_bytes = hw->inference ? 0.0 : rb * (double)mem.feedback;

    /* feedback δh = Bᵀe of one sample, as the chip does it */
    tc_step_cost fb = {0};
    if (t->feedback) fb = tc_feedback_sample(hw, cfg, no);
    const double fb_lanes = t->one_hot_feedback ? 1.0 : C; /* lane passes per output group */
    const layer_in L = {hw, th, cfg, unit, layer, ni, no, C, P, b, B, alg, batched, adam, mem,
                        WB, OB, GB, AB, EB, p, f, stash_vals, held, fb_lanes, fb};
    if (hw->dataflow == CHIP_DF_WEIGHT_STATIONARY) return ws_layer(&L, t);
    os_layer(&L, t);
    return F3_OK;
}

f3_status chip_blocks_check(const chip_config *hw, const f3_config *cfg)
{
    if (!hw->n_blocks) return F3_OK;
    if (!hw->blocks)
        return F3_FAIL(F3_EINVAL, "a network of blocks (network.type vit or blocks) is costed with its blocks attached "
                                  "to the chip (f3sim run on either engine, compare and explore attach them), but this "
                                  "chip has no blocks attached");
    if (hw->n_blocks != cfg->n_layers)
        return F3_FAIL(F3_EINVAL, "the chip has %zu blocks, the network %zu layers", hw->n_blocks, cfg->n_layers);
    if (hw->n_split)
        return F3_FAIL(F3_EINVAL, "a block is not split over tiles (hardware.mapping.split); put blocks on tiles "
                                  "with hardware.mapping.layers_per_tile");
    return F3_OK;
}

f3_status tile_cost_compute_tile(const chip_config *hw, const f3_config *cfg, size_t tile, size_t batch,
                                 tile_cost *out)
{
    const size_t first = chip_tile_unit_first(hw, tile), n = chip_tile_unit_last(hw, cfg, tile) - first + 1;
    const chip_tile_hw th = chip_tile_figures(hw, tile);
    /* a network of blocks: each unit is a block, costed by its op table */
    block_cost *bc = NULL;
    if (hw->n_blocks) {
        f3_status st = chip_blocks_check(hw, cfg);
        if (st) return st;
        if (!(bc = malloc(n * sizeof *bc))) return F3_FAIL(F3_ENOMEM, "tile cost: out of memory");
    }
    int seeded = 0;
    for (size_t l = 0; l < n; l++) {
        const size_t k = first + l;
        f3_status st;
        if (bc) {
            memset(&out[l], 0, sizeof out[l]);
            st = block_cost_compute(hw, &th, cfg, &hw->blocks[k], k, batch, &bc[l]);
            memcpy(out[l].need, bc[l].need, sizeof out[l].need);
            out[l].n_in = f3_block_in_size(&hw->blocks[k]);
            out[l].n_out = f3_block_out_size(&hw->blocks[k]);
        } else {
            st = layer_cost(hw, &th, cfg, k, batch, &out[l]);
        }
        if (st) {
            free(bc);
            return st;
        }
        seeded |= f3_layer_has_feedback(cfg, chip_unit_layer(hw, k));
    }
    /* placement: the tile's SRAM over its units (needs do not depend on the
     * batch: buffers are sized for a full one) */
    tile_cost_place(th.sram_capacity_bytes, out, n);

    /* leakage and area: each unit's ROM; the tile's SRAM, registers and
     * lanes (and a seeded tile's LFSRs, one per lane) with its first unit */
    const double kib = 1.0 / 1024.0;
    for (size_t l = 0; l < n; l++) {
        tile_cost *t = &out[l];
        if (bc) block_cost_as_tile(hw, &th, &bc[l], t); /* its steps at the tile's placement */
        else finish_steps(hw, &th, t);
        const double rom_kib = t->rom_bytes * kib;
        t->leakage_uw = rom_kib * hw->rom_leakage_uw_per_kib;
        t->area_mm2 = rom_kib * hw->rom_area_mm2_per_kib;
        if (l > 0) continue;
        const double P = (double)th.mac_lanes;
        const double lane_scale = chip_mac_figures_for(hw, cfg).area_scale;
        /* the per-sample flip-flops of ws_loop samples: as many as the
         * tile's widest need (every unit of a tile shares its lanes) */
        double acc = 0;
        for (size_t q = 0; q < n; q++) acc = fmax(acc, out[q].acc_bytes);
        t->leakage_uw = th.sram_capacity_bytes * kib * th.sram_leakage_uw_per_kib +
                        th.reg_capacity_bytes * kib * th.reg_leakage_uw_per_kib + t->leakage_uw +
                        P * hw->lane_leakage_uw * lane_scale + acc * kib * hw->acc_leakage_uw_per_kib;
        t->lanes_leakage_uw = P * hw->lane_leakage_uw * lane_scale;
        t->area_mm2 = th.sram_capacity_bytes * kib * th.sram_area_mm2_per_kib +
                      th.reg_capacity_bytes * kib * th.reg_area_mm2_per_kib + t->area_mm2 +
                      P * hw->lane_area_mm2 * lane_scale + acc * kib * hw->acc_area_mm2_per_kib;
        if (hw->rom_encoding == CHIP_ROM_SEEDED && seeded) t->area_mm2 += P * hw->lfsr_area_mm2;
    }
    free(bc);
    return F3_OK;
}

f3_status tile_cost_compute(const chip_config *hw, const f3_config *cfg, size_t layer, size_t batch,
                            tile_cost *out)
{
    /* `layer` is a unit (chip.h): a layer, or one part of a split layer;
     * its cost depends on the tile's other units through the placement */
    const size_t unit = layer, tile = chip_unit_tile(hw, unit), first = chip_tile_unit_first(hw, tile),
                 n = chip_tile_unit_last(hw, cfg, tile) - first + 1;
    if (n == 1) return tile_cost_compute_tile(hw, cfg, tile, batch, out);
    tile_cost *all = malloc(n * sizeof *all);
    if (!all) return F3_FAIL(F3_ENOMEM, "tile cost: out of memory");
    f3_status st = tile_cost_compute_tile(hw, cfg, tile, batch, all);
    if (!st) *out = all[unit - first];
    free(all);
    return st;
}

chip_step_cycles chip_tile_cycles(const chip_config *hw, const f3_config *cfg, size_t layer, size_t batch)
{
    chip_step_cycles c = {0};
    tile_cost t;
    if (tile_cost_compute(hw, cfg, layer, batch, &t)) return c;
    c.forward = (uint64_t)t.step[TC_FORWARD].cycles;
    c.activation = (uint64_t)t.step[TC_ACTIVATION].cycles;
    c.feedback = (uint64_t)t.step[TC_FEEDBACK].cycles;
    c.dz = (uint64_t)t.step[TC_DZ].cycles;
    c.gradient = (uint64_t)t.step[TC_GRADIENT].cycles;
    c.backprop = (uint64_t)t.step[TC_BACKPROP].cycles;
    c.apply = (uint64_t)t.step[TC_APPLY].cycles;
    return c;
}
