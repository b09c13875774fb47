/* chip_run.c — see chip_run.h. */
#include "chip_run.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "analytic.h"
#include "io_util.h"
#include "signals.h"
#include "f3/formulas.h"
#include "json.h"
#include "results.h"
#include "bounds.h"
#include "tiles_csv.h"

typedef struct {
    chip_config hw;  /* resolved for the rule and its training set */
    chip_sim *sim;
    const char *out;
    size_t epochs;
    f3_config cfg;   /* the trainer's */
    chip_result res; /* taken when the last epoch is through */
    int have_res;
    int config_error; /* the chip cannot run this configuration (a usage error) */
    int init_from;    /* B came from --init-from, not from the seed */
    const scenario *sc; /* the run's scenario (NULL: f3sim train), for errors at its keys */
} chip_ctx;

/* A run's chip context, before the run: the chip and what of the options it needs. */
static void ctx_init(chip_ctx *c, const train_options *o, const chip_config *hw)
{
    memset(c, 0, sizeof *c);
    c->hw = *hw;
    c->out = o->out;
    c->epochs = o->epochs;
    c->init_from = o->init_from[0] != 0;
    c->sc = o->sc;
    if (o->is_blocks) { /* a network of blocks: the options hold them for the whole run */
        c->hw.blocks = o->blocks;
        c->hw.n_blocks = o->n_blocks;
    }
}

/* A feedback matrix from --init-from against the ROM that must hold it:
 * the seeded encoding regenerates B from the seed, ternary2 holds {−a, 0, a}. */
static int check_given_feedback(const chip_config *hw, const f3_trainer *tr)
{
    for (size_t i = 0; i < tr->cfg.n_layers; i++) {
        const f3_layer *L = &tr->layers[i];
        if (!L->B) continue;
        if (hw->rom_encoding == CHIP_ROM_SEEDED)
            return F3_FAIL(F3_EINVAL, "hardware.tile.rom.encoding: seeded regenerates each B from the seed on the tile, "
                                      "so it cannot hold the B%zu of --init-from; use ternary2, int8 or fp32",
                           i + 1), 1;
        if (hw->rom_encoding != CHIP_ROM_TERNARY2) continue;
        float a = 0;
        for (size_t j = 0; j < tr->C * L->n_out; j++) {
            float v = L->B[j] < 0 ? -L->B[j] : L->B[j];
            if (v == 0) continue;
            if (a == 0) a = v;
            if (v != a)
                return F3_FAIL(F3_EINVAL, "hardware.tile.rom.encoding: ternary2 holds B as {-a, 0, a}, but B%zu of "
                                          "--init-from holds %g and %g; use int8 or fp32",
                               i + 1, (double)a, (double)v), 1;
        }
    }
    return 0;
}

/* The chip against the network (cfg; tr: its MLP trainer, NULL for a
 * network of blocks), once the data set's widths are known: the error
 * store's figures resolved, and the checks the scenario could not make; 0,
 * or 1 with config_error set. */
static int ctx_check(chip_ctx *c, f3_trainer *tr, const f3_config *cfg, const f3_dataset *train)
{
    c->cfg = *cfg;
    chip_config_resolve_error_store(&c->hw, cfg, train->n);
    /* the checks the scenario could not make before the data set's widths
     * were known (a csv file) */
    const char *key = NULL;
    if (tr && c->init_from && check_given_feedback(&c->hw, tr)) {
        c->config_error = 1;
        return 1;
    }
    if (chip_check_layers(&c->hw, cfg, f3_algorithm_name(cfg->algorithm), &key) != F3_OK) {
        char msg[1024];
        snprintf(msg, sizeof msg, "%s", f3_last_error());
        F3_FAIL(F3_EINVAL, "%s: %s", key, msg);
        c->config_error = 1;
        return 1;
    }
    return 0;
}

/* The SystemC chip of the run: its tiles train an MLP with the MLP
 * trainer's layer steps, a network of blocks with the block trainer's
 * per-block calls. */
static int ctx_begin(void *p, f3_trainer *tr, f3_blocktrainer *blk, const f3_config *cfg, const f3_dataset *train)
{
    chip_ctx *c = p;
    if (ctx_check(c, tr, cfg, train)) return 1;
    c->sim = blk ? chip_sim_new_blocks(&c->hw, cfg, blk, train) : chip_sim_new(&c->hw, tr, train);
    if (!c->sim) return 1;
    chip_sim_set_stop(c->sim, cli_stop_signal); /* SIGINT/SIGTERM: stop after the batches in flight */
    return 0;
}

/* After the last epoch the simulation ends: its figures and files (a
 * failure fails the run). */
static int ctx_finish(chip_ctx *c)
{
    if (c->have_res) return 0;
    if (chip_sim_result(c->sim, &c->res)) return 1;
    c->have_res = 1;
    /* tiles.csv (and the trace) from the simulation; what bounds each tile from its figures */
    return chip_sim_write_files(c->sim, c->out) || chip_write_bound_files(c->out, &c->hw, &c->cfg, &c->res) ? 1 : 0;
}

static int ctx_epoch(void *p, const size_t *perm, size_t epoch, f3_stats *st)
{
    chip_ctx *c = p;
    if (chip_sim_epoch(c->sim, perm, epoch, st)) return 1;
    if (chip_sim_stopped(c->sim)) return TRAIN_EPOCH_STOPPED;
    return epoch + 1 == c->epochs ? ctx_finish(c) : 0;
}

/* A network of blocks: the block whose weights were first not finite, and its step. */
static size_t ctx_diverged(void *p, uint64_t *step)
{
    chip_ctx *c = p;
    size_t block = 0;
    return chip_sim_diverged(c->sim, &block, step) ? block : 0;
}

static void json_tiles(json_writer *w, const char *key, const chip_result *r, size_t offset)
{
    json_key(w, key);
    json_begin_array(w);
    for (size_t i = 0; i < r->n_tiles; i++) json_double(w, *(const double *)((const char *)&r->tile[i] + offset));
    json_end_array(w);
}

static void json_link(json_writer *w, const char *key, const chip_link_config *l)
{
    if (!l->present) return; /* an absent link does not exist (as in the scenario) */
    json_key(w, key);
    json_begin_object(w);
    json_kv_double(w, "bytes_per_cycle", l->bytes_per_cycle);
    json_kv_double(w, "latency_cycles", l->latency_cycles);
    json_kv_double(w, "pj_per_byte", l->pj_per_byte);
    json_end_object(w);
}

/* The resolved hardware.tile section (json_config). */
static void json_tile(json_writer *w, const chip_config *hw)
{
    json_key(w, "tile");
    json_begin_object(w);
    json_kv_string(w, "dataflow", chip_dataflow_name(hw->dataflow));
    json_kv_u64(w, "mac_lanes", hw->mac_lanes);
    json_kv_u64(w, "step_latency_cycles", hw->step_latency);
    json_kv_string(w, "lane", hw->lane == CHIP_LANE_MAC ? "mac" : "training");
    json_kv_double(w, "lane_leakage_uw", hw->lane_leakage_uw);
    json_kv_double(w, "lane_area_mm2", hw->lane_area_mm2);
    /* power gating of the lanes */
    json_key(w, "power_gating");
    json_begin_object(w);
    json_kv_bool(w, "enabled", hw->gating);
    json_kv_double(w, "min_idle_cycles", hw->gate_min_idle);
    json_kv_double(w, "wake_cycles", hw->wake_cycles);
    json_kv_double(w, "breakeven_cycles", hw->breakeven_cycles);
    json_kv_double(w, "sleep_leakage", hw->sleep_leakage);
    json_end_object(w);
    /* weight_stationary's innermost loop, and its per-sample flip-flops' figures */
    json_kv_string(w, "ws_loop", hw->ws_samples_inner ? "samples" : "rows");
    json_key(w, "sample_flipflops");
    json_begin_object(w);
    json_kv_double(w, "pj_per_byte", hw->acc_pj_per_byte);
    json_kv_double(w, "leakage_uw_per_kib", hw->acc_leakage_uw_per_kib);
    json_kv_double(w, "area_mm2_per_kib", hw->acc_area_mm2_per_kib);
    json_end_object(w);
    json_key(w, "registers");
    json_begin_object(w);
    json_kv_double(w, "capacity_kib", hw->reg_capacity_bytes / 1024.0);
    json_kv_string(w, "kind", hw->reg_sram ? "sram" : "flipflop");
    json_kv_double(w, "pj_per_byte", hw->reg_pj_per_byte);
    json_kv_double(w, "leakage_uw_per_kib", hw->reg_leakage_uw_per_kib);
    json_kv_double(w, "area_mm2_per_kib", hw->reg_area_mm2_per_kib);
    json_end_object(w);
    json_key(w, "sram");
    json_begin_object(w);
    json_kv_double(w, "capacity_kib", hw->sram_capacity_bytes / 1024.0);
    /* where its auto figures came from: the cells' table, at the macro's size (null: one array) */
    json_kv_string(w, "cells", chip_cells_name((chip_cells)hw->sram_cells));
    json_key(w, "macro_kib");
    if (hw->sram_macro_bytes > 0) json_double(w, hw->sram_macro_bytes / 1024.0);
    else json_null(w);
    json_kv_u64(w, "banks", hw->sram_banks);
    json_kv_double(w, "bytes_per_cycle", hw->sram_bytes_per_cycle_per_bank);
    json_kv_double(w, "read_pj_per_byte", hw->sram_read_pj);
    json_kv_double(w, "write_pj_per_byte", hw->sram_write_pj);
    json_kv_double(w, "transposed_read_factor", hw->sram_transposed_factor);
    json_kv_double(w, "leakage_uw_per_kib", hw->sram_leakage_uw_per_kib);
    json_kv_double(w, "area_mm2_per_kib", hw->sram_area_mm2_per_kib);
    json_end_object(w);
    json_key(w, "rom");
    json_begin_object(w);
    json_kv_string(w, "encoding", chip_rom_encoding_name(hw->rom_encoding));
    json_kv_double(w, "bytes_per_cycle", hw->rom_bytes_per_cycle);
    json_kv_double(w, "read_pj_per_byte", hw->rom_read_pj);
    json_kv_double(w, "leakage_uw_per_kib", hw->rom_leakage_uw_per_kib);
    json_kv_double(w, "area_mm2_per_kib", hw->rom_area_mm2_per_kib);
    json_kv_double(w, "lfsr_cycles_per_value", hw->lfsr_cycles_per_value);
    json_kv_double(w, "lfsr_pj_per_value", hw->lfsr_pj_per_value);
    json_kv_double(w, "lfsr_area_mm2", hw->lfsr_area_mm2);
    json_end_object(w);
    json_end_object(w);
}

/* The resolved hardware section: every figure the run used (a key written
 * auto shows its looked-up value), named like the scenario's keys. */
static void json_config(json_writer *w, const chip_config *hw, const f3_config *cfg)
{
    json_key(w, "config");
    json_begin_object(w);
    json_kv_string(w, "units", "as the scenario keys: the unit ends each name (KiB, bytes/cycle, cycles, pJ/byte, pJ, µW, "
                               "µW/KiB, mm², mm²/KiB); mac_lanes, banks: counts; transposed_read_factor: × a row read");
    json_kv_double(w, "clock_mhz", hw->clock_mhz);
    json_kv_bool(w, "strict", hw->strict);
    /* the node and supply, and what they made of the tables' 45 nm, 0.9 V figures */
    json_key(w, "technology");
    json_begin_object(w);
    json_kv_double(w, "node_nm", hw->node_nm);
    json_kv_double(w, "vdd", hw->vdd);
    json_kv_string(w, "cells", chip_cells_name((chip_cells)hw->sram_cells));
    json_kv_double(w, "energy_factor", hw->tech_energy);
    json_kv_double(w, "leakage_factor", hw->tech_leakage);
    json_kv_double(w, "area_factor", hw->tech_area);
    /* the logic's leakage against hp's devices, and the clock the lanes make */
    json_kv_double(w, "logic_leakage_factor", hw->logic_leakage);
    json_kv_double(w, "max_clock_mhz",
                   chip_max_clock_mhz((chip_cells)hw->sram_cells, hw->node_nm, hw->vdd));
    json_end_object(w);
    json_tile(w, hw);
    json_key(w, "dram");
    json_begin_object(w);
    json_kv_double(w, "bytes_per_cycle", hw->dram_bytes_per_cycle);
    json_kv_double(w, "latency_cycles", hw->dram_latency_cycles);
    json_kv_double(w, "pj_per_byte", hw->dram_pj_per_byte);
    json_kv_string(w, "standard", chip_dram_standard_name((chip_dram_standard)hw->dram_standard));
    json_kv_double(w, "background_mw", hw->dram_background_mw);
    json_end_object(w);
    json_key(w, "links");
    json_begin_object(w);
    json_link(w, "forward", &hw->forward);
    json_link(w, "backward", &hw->backward);
    json_link(w, "broadcast", &hw->broadcast);
    json_end_object(w);
    json_key(w, "error_store");
    json_begin_object(w);
    json_kv_string(w, "placement", hw->es_placement == CHIP_ES_DRAM ? "dram" : "on_chip");
    /* the store's values are in numerics.error_store's format */
    char es_fmt[32];
    f3_format_name(&cfg->numerics.fmt[F3_T_ERROR_STORE], es_fmt, sizeof es_fmt);
    json_kv_string(w, "format", es_fmt);
    json_kv_double(w, "bytes_per_value", hw->es_bytes_per_value);
    json_kv_double(w, "bytes_per_cycle", hw->es_bytes_per_cycle);
    json_kv_double(w, "latency_cycles", hw->es_latency_cycles);
    json_kv_double(w, "read_pj_per_byte", hw->es_read_pj);
    json_kv_double(w, "write_pj_per_byte", hw->es_write_pj);
    json_kv_double(w, "leakage_uw_per_kib", hw->es_leakage_uw_per_kib);
    json_kv_double(w, "area_mm2_per_kib", hw->es_area_mm2_per_kib);
    json_end_object(w);
    json_key(w, "energy");
    json_begin_object(w);
    json_kv_double(w, "fma_pj", hw->fma_pj);
    json_kv_double(w, "add_pj", hw->add_pj);
    json_kv_double(w, "mul_pj", hw->mul_pj);
    json_kv_double(w, "elementwise_pj", hw->elem_pj);
    json_end_object(w);
    json_kv_bool(w, "trace", hw->trace);
    json_kv_u64(w, "trace_samples", hw->trace_samples);
    json_end_object(w);
}

static void ctx_json(void *p, struct json_writer_s *w)
{
    chip_ctx *c = p;
    if (ctx_finish(c)) {
        /* cannot happen after a finished training run; say so rather than
         * write figures that are not there */
        json_key(w, "hardware");
        json_begin_object(w);
        json_kv_string(w, "error", f3_last_error());
        json_end_object(w);
        return;
    }
    chip_json_hardware(w, &c->hw, &c->cfg, &c->res, "systemc");
}

/* The inference-only baseline on the same chip and what learning adds
 * (chip_inference_run): what on-chip-learning chips report. */
static void json_inference(json_writer *w, const chip_config *hw, const f3_config *cfg, const chip_result *r)
{
    chip_inference *in = malloc(sizeof *in);
    if (!in || chip_inference_run(hw, cfg, r, in) != F3_OK) {
        json_key(w, "inference");
        json_begin_object(w);
        json_kv_string(w, "error", in ? f3_last_error() : "out of memory");
        json_end_object(w);
        free(in);
        return;
    }
    const chip_result *q = &in->res;
    json_key(w, "inference");
    json_begin_object(w);
    json_kv_string(w, "units", "cycles; samples/s; pJ; mW; mm²; KiB");
    json_kv_string(w, "what", "the same network's forward passes over the same samples on the same chip without what "
                              "learning adds (MAC lanes, SRAM cut to W, biases and buffers in whole macros, no ROM, "
                              "error store, optimiser state, accumulator or stash); analytic");
    json_kv_double(w, "cycles_per_sample", q->cycles_per_sample);
    json_kv_double(w, "samples_per_second", q->samples_per_second);
    json_kv_double(w, "energy_per_sample_pj", q->energy_per_sample_pj);
    json_key(w, "energy_pj_per_sample");
    json_begin_object(w);
    for (int i = 0; i < CHIP_E_COUNT; i++)
        json_kv_double(w, chip_energy_item_names[i], q->samples ? q->energy_pj[i] / (double)q->samples : 0);
    json_end_object(w);
    json_kv_double(w, "power_mw", in->power_mw);
    json_kv_double(w, "area_mm2", q->area_mm2);
    json_key(w, "sram_capacity_kib");
    json_begin_array(w);
    for (size_t k = 0; k < q->n_tiles; k++) json_double(w, q->tile[k].sram_capacity_bytes / 1024.0);
    json_end_array(w);
    json_end_object(w);
    json_key(w, "learning_overhead");
    json_begin_object(w);
    json_kv_string(w, "units", "%: training against inference on the same chip; mm²");
    const double pct = 100.0;
    json_kv_double(w, "energy_per_sample_pct",
                   q->energy_per_sample_pj > 0 ? pct * (r->energy_per_sample_pj / q->energy_per_sample_pj - 1) : 0);
    json_kv_double(w, "power_pct", in->power_mw > 0 ? pct * (in->train_power_mw / in->power_mw - 1) : 0);
    json_kv_double(w, "area_pct", q->area_mm2 > 0 ? pct * (r->area_mm2 / q->area_mm2 - 1) : 0);
    json_kv_double(w, "training_power_mw", in->train_power_mw);
    json_key(w, "area_added_mm2");
    json_begin_object(w);
    json_kv_double(w, "rom", in->add_rom_mm2);
    json_kv_double(w, "error_store", in->add_es_mm2);
    json_kv_double(w, "sram", in->add_sram_mm2);
    json_kv_double(w, "lanes", in->add_lanes_mm2);
    json_end_object(w);
    json_end_object(w);
    free(in);
}

void chip_json_hardware(struct json_writer_s *w, const chip_config *hw, const f3_config *cfg, const chip_result *r,
                        const char *engine)
{
    json_key(w, "hardware");
    json_begin_object(w);
    json_kv_string(w, "units", "cycles at the configured clock; bytes; pJ; mm²; samples/s");
    json_kv_string(w, "engine", engine);
    if (hw->n_blocks)
        json_kv_string(w, "network", "blocks: each layer of the mapping, and each entry per tile, is a block, costed by "
                                     "its op table (docs/hardware-model.md); stash_bytes_per_tile holds the blocks' own "
                                     "stashes, stash_bytes_eq31 the blocks' outputs of a batch");
    json_kv_double(w, "clock_mhz", hw->clock_mhz);
    json_kv_string(w, "dataflow", chip_dataflow_name(hw->dataflow));
    json_kv_u64(w, "cycles", r->cycles);
    json_kv_u64(w, "samples", r->samples);
    json_kv_double(w, "cycles_per_sample", r->cycles_per_sample);
    json_kv_double(w, "samples_per_second", r->samples_per_second);
    json_kv_double(w, "energy_per_sample_pj", r->energy_per_sample_pj);
    json_key(w, "energy_pj");
    json_begin_object(w);
    for (int i = 0; i < CHIP_E_COUNT; i++) json_kv_double(w, chip_energy_item_names[i], r->energy_pj[i]);
    json_end_object(w);
    json_kv_double(w, "stall_fraction", r->stall_fraction);
    json_key(w, "link_bytes");
    json_begin_object(w);
    json_kv_u64(w, "forward", r->link_bytes[0]);
    json_kv_u64(w, "backward", r->link_bytes[1]);
    json_kv_u64(w, "broadcast", r->link_bytes[2]);
    json_end_object(w);
    json_kv_u64(w, "reg_bytes", r->reg_bytes);
    json_key(w, "sram_bytes");
    json_begin_object(w);
    json_kv_u64(w, "read", r->sram_read);
    json_kv_u64(w, "written", r->sram_written);
    json_end_object(w);
    json_kv_u64(w, "rom_bytes_read", r->rom_read);
    json_key(w, "dram_bytes");
    json_begin_object(w);
    json_kv_u64(w, "read", r->dram_read);
    json_kv_u64(w, "written", r->dram_written);
    json_end_object(w);
    json_key(w, "error_store_bytes");
    json_begin_object(w);
    json_kv_u64(w, "read", r->es_read);
    json_kv_u64(w, "written", r->es_written);
    json_end_object(w);
    json_tiles(w, "peak_sram_bytes_per_tile", r, offsetof(chip_tile_stats, sram_needed));
    json_kv_double(w, "sram_capacity_bytes", hw->sram_capacity_bytes);
    json_tiles(w, "dram_resident_bytes_per_tile", r, offsetof(chip_tile_stats, dram_resident));
    json_tiles(w, "stash_bytes_per_tile", r, offsetof(chip_tile_stats, stash_bytes));
    /* the paper's Appendix A eq. (31), BP's activation buffer for the
     * whole network: 4·b·Σ_{i=1}^{K−1} n_i bytes */
    json_kv_u64(w, "stash_bytes_eq31", f3_eq31_bp_activation_bytes(cfg->n_layers, cfg->widths, cfg->batch_size));
    json_kv_double(w, "area_mm2", r->area_mm2);
    json_tiles(w, "area_mm2_per_tile", r, offsetof(chip_tile_stats, area_mm2));
    json_kv_double(w, "error_store_area_mm2", r->es_area_mm2);
    json_kv_double(w, "error_store_capacity_bytes", r->es_capacity_bytes);
    /* the mapping: the layers each tile holds and its own figures */
    json_key(w, "mapping");
    json_begin_object(w);
    json_kv_string(w, "units", "layers: 1-based; KiB; counts");
    json_kv_bool(w, "one_tile_per_layer", hw->n_tiles == 0);
    json_kv_string(w, "auto", hw->auto_choice[0] ? hw->auto_choice : "none");
    json_key(w, "layers_per_tile");
    json_begin_array(w);
    for (size_t k = 0; k < r->n_tiles; k++) json_u64(w, r->tile[k].last_layer - r->tile[k].first_layer + 1);
    json_end_array(w);
    /* split layers: the tiles of each layer, and the rows of its layer each tile holds */
    json_key(w, "split");
    json_begin_array(w);
    for (size_t i = 0; i < hw->n_split; i++) json_u64(w, chip_layer_parts(hw, i));
    json_end_array(w);
    json_key(w, "rows_per_tile");
    json_begin_array(w);
    for (size_t k = 0; k < r->n_tiles; k++) {
        size_t r0 = 0, rows = cfg->widths[r->tile[k].last_layer + 1];
        if (hw->n_split) chip_unit_rows(hw, cfg, k, &r0, &rows);
        json_u64(w, rows);
    }
    json_end_array(w);
    json_key(w, "mac_lanes");
    json_begin_array(w);
    for (size_t k = 0; k < r->n_tiles; k++) json_u64(w, r->tile[k].mac_lanes);
    json_end_array(w);
    json_key(w, "sram_capacity_kib");
    json_begin_array(w);
    for (size_t k = 0; k < r->n_tiles; k++) json_double(w, r->tile[k].sram_capacity_bytes / 1024.0);
    json_end_array(w);
    json_key(w, "registers_capacity_kib");
    json_begin_array(w);
    for (size_t k = 0; k < r->n_tiles; k++) json_double(w, r->tile[k].reg_capacity_bytes / 1024.0);
    json_end_array(w);
    json_key(w, "sram_banks");
    json_begin_array(w);
    for (size_t k = 0; k < r->n_tiles; k++) json_u64(w, chip_tile_figures(hw, k).sram_banks);
    json_end_array(w);
    json_end_object(w);
    json_inference(w, hw, cfg, r);
    json_config(w, hw, cfg);
    json_end_object(w);
}

/* What the chip process sends back. */
typedef struct {
    int rc;    /* train_run_schedule's exit status */
    int usage; /* the configuration was refused (exit 2) */
    train_result res;
    chip_result hres;
    char error[1024];
} chip_reply;

int chip_train(const train_options *o, const chip_config *hw, train_result *res, chip_result *hres)
{
    int fd[2];
    if (pipe(fd) != 0) {
        F3_FAIL(F3_EIO, "chip: cannot create a pipe: %s", strerror(errno));
        return 1;
    }
    fflush(NULL);
    int sig = cli_stop_signal();
    if (sig) {
        close(fd[0]), close(fd[1]);
        F3_FAIL(F3_EINVAL, "stopped by %s before the run began", cli_signal_name(sig));
        return EXIT_SIGNAL(sig);
    }
    pid_t pid = fork();
    if (pid < 0) {
        close(fd[0]), close(fd[1]);
        F3_FAIL(F3_EIO, "chip: cannot start its process: %s", strerror(errno));
        return 1;
    }
    if (pid == 0) {
        cli_forked();
        close(fd[0]);
        static chip_reply rep;
        memset(&rep, 0, sizeof rep);
        static chip_ctx ctx;
        ctx_init(&ctx, o, hw);
        train_schedule sched = {
            .begin = ctx_begin, .epoch = ctx_epoch, .diverged = ctx_diverged, .write_json = ctx_json, .ctx = &ctx};
        rep.rc = train_run_schedule(o, "run", &rep.res, &sched);
        if (ctx.have_res) rep.hres = ctx.res;
        rep.usage = ctx.config_error;
        snprintf(rep.error, sizeof rep.error, "%s", f3_last_error());
        const char *p = (const char *)&rep;
        size_t left = sizeof rep;
        while (left) {
            ssize_t n = write(fd[1], p, left);
            if (n <= 0) _exit(3);
            p += n, left -= (size_t)n;
        }
        fflush(NULL);
        _exit(rep.rc ? 1 : 0);
    }
    cli_child_started(pid); /* a SIGTERM sent to this process reaches the simulation */
    close(fd[1]);
    static chip_reply rep;
    memset(&rep, 0, sizeof rep);
    char *p = (char *)&rep;
    size_t got = 0;
    while (got < sizeof rep) {
        ssize_t n = read(fd[0], p + got, sizeof rep - got);
        if (n <= 0) break;
        got += (size_t)n;
    }
    close(fd[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    cli_child_ended(pid);
    if (got != sizeof rep || !WIFEXITED(status)) {
        F3_FAIL(F3_EIO, "chip: the simulation process ended abnormally%s",
                WIFSIGNALED(status) ? " (a signal; an assertion of the model failed?)" : "");
        return 1;
    }
    if (rep.rc) {
        F3_FAIL(F3_EINVAL, "%s", rep.error);
        return rep.usage ? EXIT_USAGE : rep.rc;
    }
    if (res) *res = rep.res;
    if (hres) *hres = rep.hres;
    return 0;
}

typedef int (*chip_csv_writer)(FILE *f, const chip_config *hw, const f3_config *cfg, const chip_result *r);

/* dir/name by writer, atomically; 0, or -1 with a message */
static int write_chip_csv(const char *dir, const char *name, chip_csv_writer writer, const chip_config *hw,
                          const f3_config *cfg, const chip_result *r)
{
    atomic_file af;
    if (atomic_open(&af, dir, name)) return -1;
    if (writer(af.f, hw, cfg, r)) {
        atomic_abort(&af);
        return F3_FAIL(F3_EIO, "%s/%s: cannot write (%s)", dir, name, f3_last_error()), -1;
    }
    return atomic_commit(&af);
}

int chip_write_tiles_csv(const char *dir, const chip_config *hw, const f3_config *cfg, const chip_result *r)
{
    return write_chip_csv(dir, "tiles.csv", chip_tiles_csv_write, hw, cfg, r);
}

int chip_write_bound_files(const char *dir, const chip_config *hw, const f3_config *cfg, const chip_result *r)
{
    return write_chip_csv(dir, "bounds.csv", chip_bounds_csv_write, hw, cfg, r) ||
                   write_chip_csv(dir, "levels.csv", chip_levels_csv_write, hw, cfg, r)
               ? -1
               : 0;
}

int chip_write_tile_files(const char *dir, const chip_config *hw, const f3_config *cfg, const chip_result *r)
{
    return chip_write_tiles_csv(dir, hw, cfg, r) || chip_write_bound_files(dir, hw, cfg, r) ? -1 : 0;
}

/* ---- the analytic engine: the plain trainer, the chip evaluated -------------------- */

/* The chip's figures, known before the first epoch: they depend on shapes,
 * formats and the schedule, never on the values trained (analytic.h). */
static int an_begin(void *p, f3_trainer *tr, f3_blocktrainer *blk, const f3_config *cfg, const f3_dataset *train)
{
    (void)blk; /* the plain loop trains it */
    chip_ctx *c = p;
    if (ctx_check(c, tr, cfg, train)) return 1;
    static _Thread_local chip_workload w;
    if (chip_workload_for(&w, &c->hw, cfg, train->n, c->epochs) != F3_OK ||
        chip_analytic_run(&c->hw, &w, &c->res) != F3_OK) {
        c->config_error = 1;
        return 1;
    }
    c->have_res = 1;
    return 0;
}

static int an_files(void *p, const char *dir)
{
    chip_ctx *c = p;
    return chip_write_tile_files(dir, &c->hw, &c->cfg, &c->res) ? 1 : 0;
}

static void an_json(void *p, struct json_writer_s *w)
{
    chip_ctx *c = p;
    chip_json_hardware(w, &c->hw, &c->cfg, &c->res, "analytic");
}

int chip_train_analytic(const train_options *o, const chip_config *hw, train_result *res, chip_result *hres)
{
    static chip_ctx ctx; /* a chip_result per tile: not on the stack */
    ctx_init(&ctx, o, hw);
    train_schedule sched = {.begin = an_begin, .write_files = an_files, .write_json = an_json, .ctx = &ctx};
    int rc = train_run_schedule(o, "run", res, &sched);
    if (rc) return ctx.config_error ? EXIT_USAGE : rc;
    if (hres) *hres = ctx.res;
    return 0;
}
