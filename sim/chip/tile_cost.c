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

/* ---- the mapping ------------------------------------------------------------------------- */

size_t chip_n_tiles(const chip_config *hw, const f3_config *cfg) { return hw->n_tiles ? hw->n_tiles : cfg->n_layers; }

size_t chip_n_units(const chip_config *hw, const f3_config *cfg) { return hw->n_split ? hw->n_tiles : cfg->n_layers; }

size_t chip_layer_parts(const chip_config *hw, size_t layer)
{
    return hw->n_split && hw->split[layer] > 1 ? hw->split[layer] : 1;
}

size_t chip_layer_unit(const chip_config *hw, size_t layer)
{
    if (!hw->n_split) return layer;
    size_t u = 0;
    for (size_t l = 0; l < layer; l++) u += chip_layer_parts(hw, l);
    return u;
}

size_t chip_unit_layer(const chip_config *hw, size_t unit)
{
    if (!hw->n_split) return unit;
    size_t l = 0, u = chip_layer_parts(hw, 0);
    while (u <= unit && l + 1 < hw->n_split) u += chip_layer_parts(hw, ++l);
    return l;
}

void chip_unit_rows(const chip_config *hw, const f3_config *cfg, size_t unit, size_t *r0, size_t *rows)
{
    const size_t layer = chip_unit_layer(hw, unit), n = cfg->widths[layer + 1], k = chip_layer_parts(hw, layer);
    const size_t q = unit - chip_layer_unit(hw, layer), base = n / k, extra = n % k;
    *rows = base + (q < extra ? 1 : 0);
    *r0 = q * base + (q < extra ? q : extra);
}

size_t chip_unit_tile(const chip_config *hw, size_t unit) { return hw->n_split ? unit : chip_tile_of(hw, unit); }

size_t chip_tile_of(const chip_config *hw, size_t layer)
{
    if (hw->n_split) return chip_layer_unit(hw, layer); /* its first part's */
    if (!hw->n_tiles) return layer;
    size_t t = 0;
    while (t + 1 < hw->n_tiles && hw->tile_first[t + 1] <= layer) t++;
    return t;
}

size_t chip_tile_first(const chip_config *hw, size_t tile)
{
    if (hw->n_split) return chip_unit_layer(hw, tile);
    return hw->n_tiles ? hw->tile_first[tile] : tile;
}

size_t chip_tile_last(const chip_config *hw, const f3_config *cfg, size_t tile)
{
    (void)cfg;
    if (hw->n_split) return chip_unit_layer(hw, tile);
    return hw->n_tiles ? hw->tile_first[tile + 1] - 1 : tile;
}

size_t chip_tile_unit_first(const chip_config *hw, size_t tile)
{
    return hw->n_split ? tile : chip_tile_first(hw, tile);
}

size_t chip_tile_unit_last(const chip_config *hw, const f3_config *cfg, size_t tile)
{
    return hw->n_split ? tile : chip_tile_last(hw, cfg, tile);
}

size_t chip_n_stages(const chip_config *hw, const f3_config *cfg)
{
    return hw->n_split ? cfg->n_layers : chip_n_tiles(hw, cfg);
}

size_t chip_stage_of_tile(const chip_config *hw, size_t tile)
{
    return hw->n_split ? chip_unit_layer(hw, tile) : tile;
}

size_t chip_stage_tile_first(const chip_config *hw, size_t stage)
{
    return hw->n_split ? chip_layer_unit(hw, stage) : stage;
}

size_t chip_stage_tile_last(const chip_config *hw, const f3_config *cfg, size_t stage)
{
    (void)cfg;
    return hw->n_split ? chip_layer_unit(hw, stage) + chip_layer_parts(hw, stage) - 1 : stage;
}

chip_tile_hw chip_tile_figures(const chip_config *hw, size_t tile)
{
    if (hw->n_tiles) return hw->tiles[tile];
    chip_tile_hw t = {hw->mac_lanes,
                      hw->reg_capacity_bytes,
                      hw->sram_capacity_bytes,
                      hw->sram_banks,
                      hw->sram_read_pj,
                      hw->sram_write_pj,
                      hw->sram_leakage_uw_per_kib,
                      hw->sram_area_mm2_per_kib,
                      hw->reg_pj_per_byte,
                      hw->reg_leakage_uw_per_kib,
                      hw->reg_area_mm2_per_kib};
    return t;
}

f3_status chip_mapping_check(const chip_config *hw, const f3_config *cfg)
{
    if (!hw->n_tiles) return F3_OK;
    const size_t T = hw->n_tiles, K = cfg->n_layers;
    if (T > CHIP_MAX_TILES) return F3_FAIL(F3_EINVAL, "a chip has at most %d tiles, this mapping %zu", CHIP_MAX_TILES, T);
    if (hw->n_split && hw->n_blocks)
        return F3_FAIL(F3_EINVAL, "split puts parts of a layer on tiles by output rows; a block of a network of blocks "
                                  "is not split (one block or more per tile: layers_per_tile)");
    if (hw->n_split) {
        if (hw->n_split != K)
            return F3_FAIL(F3_EINVAL, "split has %zu entries, but the network has %zu layers (one entry per layer)",
                           hw->n_split, K);
        size_t sum = 0;
        for (size_t i = 0; i < K; i++) {
            const size_t k = hw->split[i];
            if (k < 1) return F3_FAIL(F3_EINVAL, "split gives layer %zu no tile (every layer needs at least one)", i + 1);
            if (k > cfg->widths[i + 1])
                return F3_FAIL(F3_EINVAL, "split puts layer %zu's %zu rows on %zu tiles (at most one tile per row)",
                               i + 1, cfg->widths[i + 1], k);
            if (k > 1 && i + 1 == K)
                return F3_FAIL(F3_EINVAL, "split cannot split the output layer (layer %zu): the loss needs all of y "
                                          "on one tile",
                               K);
            sum += k;
        }
        if (sum != T) return F3_FAIL(F3_EINVAL, "split puts the layers on %zu tiles, but the chip has %zu", sum, T);
    } else {
        if (hw->tile_first[0] != 0 || hw->tile_first[T] != K)
            return F3_FAIL(F3_EINVAL,
                           "the mapping puts %zu layers on its tiles, but the network has %zu (layers_per_tile must add "
                           "up to the number of layers, hidden and output)",
                           hw->tile_first[T] - hw->tile_first[0], K);
    }
    for (size_t t = 0; t < T; t++) {
        if (!hw->n_split && hw->tile_first[t + 1] <= hw->tile_first[t])
            return F3_FAIL(F3_EINVAL, "the mapping gives tile %zu no layer (every tile holds at least one)", t + 1);
        const chip_tile_hw *h = &hw->tiles[t];
        if (h->mac_lanes < 1 || !(h->sram_capacity_bytes > 0) || !(h->reg_capacity_bytes > 0) || h->sram_banks < 1)
            return F3_FAIL(F3_EINVAL, "tile %zu needs at least one lane, one SRAM bank and some SRAM and registers",
                           t + 1);
    }
    return F3_OK;
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
    tc_step_cost *s = t->step;

    if (hw->dataflow == CHIP_DF_WEIGHT_STATIONARY) {
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
        if (hw->ws_samples_inner) {
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
    } else {
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
        if (alg == F3_ALG_BP && !t->first) {
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
    }
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

size_t chip_dram_users(const chip_config *hw, const f3_config *cfg)
{
    size_t users = 0;
    const size_t T = chip_n_tiles(hw, cfg);
    for (size_t k = 0; k < T; k++) {
        const size_t n = chip_tile_unit_last(hw, cfg, k) - chip_tile_unit_first(hw, k) + 1;
        tile_cost *t = malloc(n * sizeof *t);
        int uses = 0;
        if (t && tile_cost_compute_tile(hw, cfg, k, cfg->batch_size, t) == F3_OK)
            for (size_t l = 0; l < n; l++) uses |= t[l].dram_resident > 0;
        free(t);
        users += (size_t)uses;
    }
    if (cfg->algorithm == F3_ALG_F3 && hw->es_placement == CHIP_ES_DRAM) users += 2; /* its reads, its writes */
    return users ? users : 1;
}

double chip_dram_cycles(const chip_config *hw, double bytes)
{
    return ceil(bytes / hw->dram_bytes_per_cycle);
}

void chip_totals_add_steps(const chip_config *hw, const tile_cost *tc, const uint64_t calls[TC_STEPS],
                           chip_tile_totals *t)
{
    for (int s = 0; s < TC_STEPS; s++) {
        const tc_step_cost *c = &tc->step[s];
        if (!calls[s] || c->reps == 0) continue;
        const double n = (double)calls[s];
        t->busy += n * c->cycles;
        t->reg += n * c->reg;
        t->acc += n * c->acc;
        t->sram_r += n * c->sram_r;
        t->sram_w += n * c->sram_w;
        if (c->transposed > 0 && tc->need[TC_WEIGHTS] > 0)
            t->sram_transposed_extra += n * (c->transposed * (tc->on_chip[TC_WEIGHTS] / tc->need[TC_WEIGHTS]) *
                                             (hw->sram_transposed_factor - 1.0));
        t->rom += n * c->rom;
        t->lfsr += n * c->lfsr;
        t->fb_fma += n * c->fb_fma;
        t->fb_add += n * c->fb_add;
        t->fb_mul += n * c->fb_mul;
        t->dram_r += n * c->dram_r;
        t->dram_w += n * c->dram_w;
    }
}

void chip_result_assemble(const chip_config *hw, const f3_config *cfg, const chip_totals *c, const tile_cost *full,
                          chip_result *r)
{
    const size_t T = chip_n_tiles(hw, cfg), U = chip_n_units(hw, cfg);
    memset(r, 0, offsetof(chip_result, tile) + T * sizeof r->tile[0]); /* the tiles beyond T stay as they are */
    r->cycles = (uint64_t)ceil(c->end);
    r->samples = c->samples;
    r->cycles_per_sample = c->samples ? c->end / (double)c->samples : 0;
    r->samples_per_second = r->cycles_per_sample > 0 ? hw->clock_mhz * 1e6 / r->cycles_per_sample : 0;
    r->n_tiles = T;
    const double us = c->end / hw->clock_mhz; /* the run's duration, µs: leakage µW × µs = pJ */
    r->link_bytes[0] = c->link_in_bytes;
    r->link_bytes[2] = c->link_bcast_bytes;
    const double es_pj_r = hw->es_read_pj, es_pj_w = hw->es_write_pj; /* auto: the DRAM's when it lives there */
    r->es_capacity_bytes = chip_error_store_bytes(hw, cfg, c->n_train);
    const int es_on_chip = hw->es_placement == CHIP_ES_ON_CHIP && r->es_capacity_bytes > 0;
    r->es_area_mm2 = es_on_chip ? r->es_capacity_bytes / 1024.0 * hw->es_area_mm2_per_kib : 0.0;
    const double es_leak_uw = es_on_chip ? r->es_capacity_bytes / 1024.0 * hw->es_leakage_uw_per_kib : 0.0;
    double stall = 0;
    const chip_mac_figures mac = chip_mac_figures_for(hw, cfg); /* the MAC lanes' arithmetic in the formats */
    for (size_t k = 0; k < T; k++) {
        /* the tile's units (its layers, or its part of a split layer) */
        const size_t first = chip_tile_unit_first(hw, k), last = chip_tile_unit_last(hw, cfg, k);
        const chip_tile_hw th = chip_tile_figures(hw, k);
        chip_tile_stats *ts = &r->tile[k];
        ts->first_layer = chip_unit_layer(hw, first);
        ts->last_layer = chip_unit_layer(hw, last);
        ts->mac_lanes = th.mac_lanes;
        ts->sram_capacity_bytes = th.sram_capacity_bytes;
        ts->reg_capacity_bytes = th.reg_capacity_bytes;
        double *e = ts->energy_pj;
        /* the tile's own figures (waits, links) are on its first unit's totals */
        const chip_tile_totals *t0 = &c->tile[first];
        r->link_bytes[0] += t0->link_fwd_bytes;
        r->link_bytes[1] += t0->link_bwd_bytes;
        ts->wait_input = (uint64_t)llround(t0->wait_input);
        ts->wait_downstream = (uint64_t)llround(t0->wait_downstream);
        ts->wait_memory = (uint64_t)llround(t0->wait_memory);
        e[CHIP_E_LINKS] = (double)t0->link_fwd_bytes * hw->forward.pj_per_byte +
                          (double)t0->link_bwd_bytes * hw->backward.pj_per_byte;
        if (k == 0) e[CHIP_E_LINKS] += (double)c->link_in_bytes * hw->forward.pj_per_byte;
        double busy = 0, reg = 0, sr = 0, sw = 0, rom = 0, dr = 0, dw = 0, lfsr = 0, ffb = 0;
        double lanes_uw = 0; /* the tile's lanes' leakage (on its first unit's table) */
        for (size_t i = first; i <= last; i++) {
            const chip_tile_totals *t = &c->tile[i];
            tile_cost own;
            if (!full) tile_cost_compute(hw, cfg, i, cfg->batch_size, &own);
            const tile_cost *tc = full ? &full[i] : &own;
            busy += t->busy;
            reg += t->reg;
            ffb += t->acc;
            sr += t->sram_r;
            sw += t->sram_w;
            rom += t->rom;
            dr += t->dram_r;
            dw += t->dram_w;
            lfsr += t->lfsr;
            /* compute: the ledger's operations of this layer, with Bᵀe as the
             * chip does it (additions for a {−1,0,1} B, one column for one-hot e);
             * a part of a split layer takes its rows' share of the layer's
             * ledger (every operation of a layer is per row), and BP's
             * reduction of the parts' partial sums of δh_{i−1} is additions */
            const size_t li = chip_unit_layer(hw, i);
            double fma = t->ledger_fma, elem = t->ledger_elem;
            if (f3_layer_has_feedback(cfg, li)) fma -= t->ledger_feedback_fma;
            if (chip_layer_parts(hw, li) > 1) {
                size_t r0, rows;
                chip_unit_rows(hw, cfg, i, &r0, &rows);
                fma = fma * (double)rows / (double)cfg->widths[li + 1];
                elem = elem * (double)rows / (double)cfg->widths[li + 1];
            }
            e[CHIP_E_COMPUTE] += fma * mac.fma_pj + elem * hw->elem_pj + t->fb_fma * mac.fma_pj +
                                 t->fb_add * mac.add_pj + t->fb_mul * mac.mul_pj + t->red_add * mac.add_pj;
            e[CHIP_E_REGISTERS] += t->reg * th.reg_pj_per_byte + t->acc * hw->acc_pj_per_byte;
            e[CHIP_E_SRAM] += t->sram_r * th.sram_read_pj + t->sram_w * th.sram_write_pj +
                              t->sram_transposed_extra * th.sram_read_pj;
            e[CHIP_E_ROM] += t->rom * hw->rom_read_pj + t->lfsr * hw->lfsr_pj_per_value;
            e[CHIP_E_DRAM] += (t->dram_r + t->dram_w) * hw->dram_pj_per_byte;
            e[CHIP_E_LEAKAGE] += tc->leakage_uw * us;
            if (i == first) lanes_uw = tc->lanes_leakage_uw;
            ts->sram_needed += tc->sram_needed;
            ts->sram_on_chip += tc->sram_used;
            ts->dram_resident += tc->dram_resident;
            ts->stash_bytes += tc->stash_bytes;
            ts->buffer_bytes += tc->buffer_bytes;
            ts->rom_bytes += tc->rom_bytes;
            ts->area_mm2 += tc->area_mm2;
        }
        ts->busy = (uint64_t)llround(busy);
        double acc = busy + t0->wait_input + t0->wait_downstream + t0->wait_memory;
        ts->idle = c->end > acc ? (uint64_t)llround(c->end - acc) : 0;
        if (hw->gating) {
            /* the lanes off over the gated waits and after the tile's last
             * step (its idle end); each wake-up costs their leakage over
             * breakeven_cycles */
            const double idle_end = c->end > acc ? c->end - acc : 0.0;
            const double off = t0->gated + (idle_end >= hw->gate_min_idle ? idle_end : 0.0);
            e[CHIP_E_LEAKAGE] -= lanes_uw * (1.0 - hw->sleep_leakage) * off / hw->clock_mhz;
            e[CHIP_E_LEAKAGE] += lanes_uw * t0->wakes * hw->breakeven_cycles / hw->clock_mhz;
            ts->gated = (uint64_t)llround(off);
            ts->wakes = (uint64_t)llround(t0->wakes);
        }
        ts->reg_bytes = (uint64_t)llround(reg + ffb); /* the register file and ws_loop samples' flip-flops */
        ts->sram_read = (uint64_t)llround(sr);
        ts->sram_written = (uint64_t)llround(sw);
        ts->rom_read = (uint64_t)llround(rom);
        ts->dram_read = (uint64_t)llround(dr);
        ts->dram_written = (uint64_t)llround(dw);
        ts->lfsr_values = (uint64_t)llround(lfsr);
        if (first == 0) e[CHIP_E_ERROR_STORE] += c->es_read * es_pj_r;
        if (last + 1 == U) {
            /* the output tile writes the error store and sends the broadcast;
             * the store's leakage is counted with it */
            e[CHIP_E_LINKS] += (double)c->link_bcast_bytes * hw->broadcast.pj_per_byte;
            e[CHIP_E_ERROR_STORE] += c->es_written * es_pj_w;
            e[CHIP_E_LEAKAGE] += es_leak_uw * us;
        }
        r->area_mm2 += ts->area_mm2;
        r->reg_bytes += ts->reg_bytes;
        r->sram_read += ts->sram_read;
        r->sram_written += ts->sram_written;
        r->rom_read += ts->rom_read;
        r->dram_read += ts->dram_read;
        r->dram_written += ts->dram_written;
        for (int q = 0; q < CHIP_E_COUNT; q++) r->energy_pj[q] += e[q];
        stall += t0->wait_downstream;
    }
    r->area_mm2 += r->es_area_mm2;
    /* the DRAM's background (standby + refresh) power over the run: the
     * chip's, not a tile's (mW × µs × 1000 = pJ) */
    r->energy_pj[CHIP_E_DRAM] += hw->dram_background_mw * 1e3 * (c->end / hw->clock_mhz);
    r->es_read = (uint64_t)llround(c->es_read);
    r->es_written = (uint64_t)llround(c->es_written);
    if (hw->es_placement == CHIP_ES_DRAM) {
        r->dram_read += r->es_read;
        r->dram_written += r->es_written;
    }
    r->stall_fraction = c->end > 0 ? stall / ((double)T * c->end) : 0;
    double e = 0;
    for (int q = 0; q < CHIP_E_COUNT; q++) e += r->energy_pj[q];
    r->energy_per_sample_pj = c->samples ? e / (double)c->samples : 0;
}
