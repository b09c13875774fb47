/* chip.h — the chip model's C interface: a chain of tiles (one per layer
 * by default; several layers on a tile, or a layer over several tiles,
 * under a mapping) that trains on the same kernels as the plain trainer and
 * times it.
 *
 * The model is SystemC (chip_top.cpp and one file per module); this header
 * is what the C command line sees.  A SystemC chip run forks a process for
 * its simulation (SystemC elaborates once per process), which writes the
 * run's files (run.json with a "hardware" object, epochs.csv, tiles.csv,
 * trace.vcd) and hands the summary back; the analytic evaluator
 * (analytic.h) gives the same figures without SystemC or training.
 *
 * The cost tables the tiles follow (cycles and bytes of every step, per
 * dataflow; what lives where) are C, in tile_cost.h, so that the scenario
 * check and an analytic evaluator use the very same rules. */
#ifndef F3SIM_CHIP_H
#define F3SIM_CHIP_H

#include <stddef.h>
#include <stdint.h>

#include "f3/blocks.h"
#include "f3/blocktrain.h"
#include "f3/train.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { CHIP_ROM_FP32 = 0, CHIP_ROM_INT8, CHIP_ROM_TERNARY2, CHIP_ROM_SEEDED } chip_rom_encoding;
typedef enum { CHIP_DF_OUTPUT_STATIONARY = 0, CHIP_DF_WEIGHT_STATIONARY, CHIP_DF_FUSED } chip_dataflow;
typedef enum { CHIP_ES_ON_CHIP = 0, CHIP_ES_DRAM } chip_es_placement;
/* What a lane's area and leakage describe: rtl_ref/'s training lane (the
 * one the timing assumes) or an inference-only MAC (cost_tables.h) */
typedef enum { CHIP_LANE_TRAINING = 0, CHIP_LANE_MAC } chip_lane_kind;

const char *chip_dataflow_name(chip_dataflow d);
const char *chip_rom_encoding_name(chip_rom_encoding e);

/* Tiles a chip may have (hardware.mapping). */
#define CHIP_MAX_TILES 64

/* One tile's own figures: what hardware.tiles may set per tile (each
 * figure a looked-up value: a tile's SRAM energy, leakage and area follow
 * its own capacity unless the scenario fixes them). */
typedef struct {
    unsigned mac_lanes;
    double reg_capacity_bytes;
    double sram_capacity_bytes;
    unsigned sram_banks;
    double sram_read_pj, sram_write_pj; /* pJ per byte */
    double sram_leakage_uw_per_kib, sram_area_mm2_per_kib;
    double reg_pj_per_byte, reg_leakage_uw_per_kib, reg_area_mm2_per_kib; /* its register file's */
} chip_tile_hw;

typedef struct {
    int present;
    double bytes_per_cycle;
    double latency_cycles;
    double pj_per_byte;
} chip_link_config;

/* The resolved hardware section: every figure explicit (a table default
 * that follows a capacity is already looked up). */
typedef struct {
    double clock_mhz;
    int strict;                    /* everything must fit on chip */
    chip_dataflow dataflow;

    /* MAC lanes */
    unsigned mac_lanes;            /* P */
    unsigned step_latency;         /* cycles added to every step */
    chip_lane_kind lane;           /* what lane_leakage_uw and lane_area_mm2 describe */
    double lane_leakage_uw;        /* µW per lane (fp32; fixed point scales it) */
    double lane_area_mm2;          /* mm² per lane (fp32; fixed point scales it) */

    /* registers / accumulator buffer */
    double reg_capacity_bytes;
    double reg_pj_per_byte;        /* read or write */
    double reg_leakage_uw_per_kib;
    double reg_area_mm2_per_kib;
    int reg_sram;                  /* an SRAM register file (else flip-flops): where its auto figures came from;
                                    * one bank per lane, each capacity / lanes (chip_reg_figures_at) */
    unsigned reg_fixed;            /* bits 0, 1, 2: pj_per_byte, leakage, area set by the scenario (not looked up) */
    /* weight_stationary, hardware.tile.ws_loop: samples — the samples of a
     * micro-batch pass a held weight, with per-sample accumulators and δz
     * in flip-flops beside each lane (these figures: flip-flops) */
    int ws_samples_inner;
    /* hardware.power_gating: the lanes off while the tile waits at least
     * gate_min_idle cycles (and after its last step); a wake-up delays the
     * next step by wake_cycles and costs the lanes' leakage over
     * breakeven_cycles; sleep_leakage: the fraction that still flows */
    int gating;
    double gate_min_idle, wake_cycles, breakeven_cycles, sleep_leakage;
    double acc_pj_per_byte, acc_leakage_uw_per_kib, acc_area_mm2_per_kib;

    /* SRAM */
    double sram_capacity_bytes;
    unsigned sram_banks;
    double sram_bytes_per_cycle_per_bank;
    double sram_read_pj, sram_write_pj;   /* pJ per byte */
    double sram_transposed_factor;        /* time and energy of a transposed read, × a row read */
    double sram_leakage_uw_per_kib;
    double sram_area_mm2_per_kib;
    int sram_cells;                       /* chip_cells (cost_tables.h): the table its auto figures came from */
    /* hardware.technology: the node and supply, and the factors every auto
     * (table) figure took from the tables' 45 nm at 0.9 V */
    double node_nm, vdd;
    double tech_energy, tech_leakage, tech_area;
    double logic_leakage;                 /* the cells' logic leakage against hp's (1 for table and hp) */
    double sram_macro_bytes;              /* the macro an SRAM is made of (0: one array of its capacity) */

    /* feedback ROM (or the LFSR that regenerates B) */
    chip_rom_encoding rom_encoding;
    double rom_bytes_per_cycle, rom_read_pj;
    double rom_leakage_uw_per_kib, rom_area_mm2_per_kib;
    double lfsr_cycles_per_value;  /* per lane */
    double lfsr_pj_per_value;
    double lfsr_area_mm2;          /* per lane */

    /* off-chip DRAM, shared by every tile */
    double dram_bytes_per_cycle, dram_latency_cycles, dram_pj_per_byte;
    int dram_standard;             /* chip_dram_standard (cost_tables.h): where its auto figures came from */
    double dram_background_mw;     /* standby + refresh power of the DRAM, for the whole run (energy_pj.dram) */

    chip_link_config forward, backward, broadcast;

    /* F3's error store */
    chip_es_placement es_placement;
    double es_bytes_per_value;     /* 4, 2 or 1 */
    double es_bytes_per_cycle, es_latency_cycles;
    double es_read_pj, es_write_pj;          /* on chip: pJ per byte */
    double es_leakage_uw_per_kib, es_area_mm2_per_kib;

    /* arithmetic, pJ per operation (fp32 figures; with energy_by_format the
     * MAC's figures follow the number formats, tile_cost.h) */
    double fma_pj, add_pj, mul_pj, elem_pj;
    int energy_by_format;          /* the horowitz45 table: per-format MAC energy and lane area */

    /* weight_stationary: samples per micro-batch (0: the whole batch at
     * once).  A tile walks W once per micro-batch and passes each
     * micro-batch on as soon as it is through, so that the tiles of a
     * chain work on different micro-batches at once (GPipe); the gradient
     * accumulates over the batch in SRAM and the update is applied once
     * per batch, so the numerics do not change. */
    size_t micro_batch;

    /* The mapping of layers onto tiles.  n_tiles 0: one tile per layer,
     * every tile with the figures above (the default).  Else tile t holds
     * the consecutive layers tile_first[t] … tile_first[t+1] − 1 (so
     * tile_first[0] = 0 and tile_first[n_tiles] = the network's layers),
     * runs their steps one after another on its lanes, keeps all their
     * weights in its SRAM, and has the figures tiles[t]. */
    size_t n_tiles;
    size_t tile_first[CHIP_MAX_TILES + 1];
    chip_tile_hw tiles[CHIP_MAX_TILES];
    /* Split layers (hardware.mapping.split; exclusive with layers_per_tile).
     * n_split 0: none.  Else n_split is the network's layers, layer i is
     * split by output rows over split[i] ≥ 1 tiles (the output layer over
     * one), n_tiles = Σ split[i], and tile t holds one part of one layer
     * (tile_first[] is unused).  Part q of k of a layer of n_out rows
     * holds rows [r_q, r_{q+1}): ⌊n_out/k⌋ each, one more for the first
     * n_out mod k parts. */
    size_t n_split;
    size_t split[CHIP_MAX_TILES];

    /* hardware.mapping.auto: what the search chose ("" when the scenario
     * gives the chip) */
    char auto_choice[160];

    /* A network of blocks (f3/blocks.h: network.type vit or blocks): n_blocks
     * blocks, block k the "layer" k of the mapping (one tile per block by
     * default; layers_per_tile and the hardware.tiles lists count blocks;
     * no split), costed by block_cost.h's op table.  NULL, 0: an MLP.  The
     * caller owns the blocks and keeps them while the chip is evaluated.
     * chip_config_from_scenario sets n_blocks and leaves blocks NULL (it
     * cannot own them): a chip with n_blocks but no blocks is refused by
     * every cost (tile_cost_compute), so that a command that does not
     * attach them refuses rather than costing an MLP of the blocks'
     * widths.  Both engines run blocks: the analytic evaluator, and the
     * SystemC tiles with the block trainer (chip_sim_new_blocks). */
    const f3_block *blocks;
    size_t n_blocks;

    /* an inference-only chip (chip_inference_run, analytic.h): no tile
     * trains — forward and activation steps only, no optimiser state,
     * accumulator, stash or feedback ROM */
    int inference;

    int trace;                     /* write trace.vcd */
    size_t trace_samples;          /* samples traced (from the start) */
} chip_config;

/* Energy items, in the order of chip_result.energy_pj. */
enum {
    CHIP_E_COMPUTE = 0,
    CHIP_E_REGISTERS,
    CHIP_E_SRAM,
    CHIP_E_ROM,
    CHIP_E_DRAM,
    CHIP_E_LINKS,
    CHIP_E_ERROR_STORE,
    CHIP_E_LEAKAGE,
    CHIP_E_COUNT
};
extern const char *const chip_energy_item_names[CHIP_E_COUNT];

/* Per-tile figures of a run (cycles, bytes, picojoules, mm²). */
typedef struct {
    uint64_t busy, wait_input, wait_downstream, wait_memory, idle;  /* cycles */
    uint64_t gated, wakes;                                         /* power gating: cycles the lanes were off; wake-ups */
    uint64_t reg_bytes, sram_read, sram_written, rom_read, dram_read, dram_written; /* bytes */
    uint64_t lfsr_values;                              /* feedback values regenerated */
    double energy_pj[CHIP_E_COUNT];
    double sram_needed, sram_on_chip, dram_resident;   /* bytes (placement) */
    double stash_bytes;                                /* BP/DFA: h_{i−1}, f'(z_i) of the samples in flight */
    double buffer_bytes;                               /* weight_stationary: the batch's input/output buffers */
    double rom_bytes;                                  /* B_i at its encoding */
    double area_mm2;
    size_t first_layer, last_layer;                    /* the layers it holds (0-based, inclusive) */
    unsigned mac_lanes;
    double sram_capacity_bytes, reg_capacity_bytes;
} chip_tile_stats;

typedef struct {
    uint64_t cycles;               /* training cycles, all epochs */
    uint64_t samples;
    double cycles_per_sample, samples_per_second, energy_per_sample_pj, stall_fraction;
    double energy_pj[CHIP_E_COUNT]; /* all epochs */
    uint64_t link_bytes[3];        /* forward, backward, broadcast */
    uint64_t reg_bytes, sram_read, sram_written, rom_read, es_read, es_written; /* bytes */
    uint64_t dram_read, dram_written;  /* bytes, tiles and error store */
    double area_mm2;               /* chip: tiles + on-chip error store */
    double es_area_mm2;
    double es_capacity_bytes;
    size_t n_tiles;
    chip_tile_stats tile[F3_MAX_LAYERS];
} chip_result;

/* The mapping (see chip_config): the number of tiles, the tile of a layer,
 * a tile's first and last layers (inclusive), and a tile's figures (the
 * tile section's when n_tiles is 0). */
size_t chip_n_tiles(const chip_config *hw, const f3_config *cfg);
size_t chip_tile_of(const chip_config *hw, size_t layer);
size_t chip_tile_first(const chip_config *hw, size_t tile);
size_t chip_tile_last(const chip_config *hw, const f3_config *cfg, size_t tile);
chip_tile_hw chip_tile_figures(const chip_config *hw, size_t tile);

/* Units: what one cost table describes — a layer, or with split layers one
 * part of a layer (units are then the tiles, in order).  Without a split
 * unit i is layer i.  A tile holds the units chip_tile_unit_first …
 * chip_tile_unit_last; a unit holds rows [*r0, *r0 + *rows) of its layer. */
size_t chip_n_units(const chip_config *hw, const f3_config *cfg);
size_t chip_unit_layer(const chip_config *hw, size_t unit);
size_t chip_unit_tile(const chip_config *hw, size_t unit);
size_t chip_layer_parts(const chip_config *hw, size_t layer);
size_t chip_layer_unit(const chip_config *hw, size_t layer); /* the layer's first unit */
void chip_unit_rows(const chip_config *hw, const f3_config *cfg, size_t unit, size_t *r0, size_t *rows);
size_t chip_tile_unit_first(const chip_config *hw, size_t tile);
size_t chip_tile_unit_last(const chip_config *hw, const f3_config *cfg, size_t tile);
/* Stages: what one SystemC tile module (and one node of the analytic
 * schedule) runs — a tile, or every part of one split layer (its tiles run
 * in parallel, each on its own clock).  Links join stages. */
size_t chip_n_stages(const chip_config *hw, const f3_config *cfg);
size_t chip_stage_of_tile(const chip_config *hw, size_t tile);
size_t chip_stage_tile_first(const chip_config *hw, size_t stage);
size_t chip_stage_tile_last(const chip_config *hw, const f3_config *cfg, size_t stage);
/* F3_EINVAL with a message if the mapping does not cover cfg's layers in
 * order, or a tile's figures are impossible. */
f3_status chip_mapping_check(const chip_config *hw, const f3_config *cfg);

/* The samples of one micro-batch of a batch of b (b itself when the chip
 * does not split batches: micro_batch 0, not weight_stationary, or b no
 * larger than it). */
size_t chip_chunk(const chip_config *hw, size_t b);
/* Does the chip split cfg's batches into micro-batches? */
int chip_micro_batched(const chip_config *hw, const f3_config *cfg);

/* Cycles of one sample's steps in a tile (the tile cycle table of
 * docs/hardware-model.md, for the configured dataflow), with SRAM and ROM
 * bandwidth applied (a step takes the longer of its compute and its memory
 * time) and DRAM excluded (its time depends on arbitration).  Per-batch
 * steps of weight_stationary are divided by nothing: see tile_cost.h for
 * what is per sample and what per batch.  Exposed for tests and the RTL
 * cross-check. */
typedef struct {
    uint64_t forward, activation, feedback, dz, gradient, backprop, apply;
} chip_step_cycles;
chip_step_cycles chip_tile_cycles(const chip_config *hw, const f3_config *cfg, size_t layer, size_t batch);

/* A chip simulation bound to a trainer and its training set (one per
 * process: SystemC elaborates once, and the chip lives until the process
 * ends).  NULL with f3_last_error() on failure (a chip of blocks:
 * chip_sim_new_blocks). */
typedef struct chip_sim chip_sim;
chip_sim *chip_sim_new(const chip_config *hw, f3_trainer *tr, const f3_dataset *train);
/* The same for a network of blocks (hw->blocks attached, hw->n_blocks of
 * them) trained by the block trainer bt (f3/blocktrain.h, made for those
 * blocks and the training set, its store filled): cfg is the network's
 * configuration as the cost tables read it (the rule, optimiser, batch,
 * number formats and error information of bt; widths the blocks' outputs,
 * n_layers the blocks).  Each tile runs its blocks with bt's per-block
 * calls where its schedule runs an MLP's layer, so the weights, the store,
 * the ledger and the statistics are bit for bit f3_blocktrainer_step's.
 * NULL with f3_last_error(): not a chip of blocks, a split
 * (chip_blocks_check), blocks that are not bt's, a training set of other
 * widths. */
chip_sim *chip_sim_new_blocks(const chip_config *hw, const f3_config *cfg, f3_blocktrainer *bt,
                              const f3_dataset *train);
/* A network of blocks (chip_sim_new_blocks): 1 if a block's weights were
 * no longer finite after an update — the earliest such step (1-based,
 * counted over the run) in *step and the first such block (1-based) in
 * *block, as the plain loop finds them after each step — else 0.  An MLP's
 * trainer keeps its own (f3_trainer.diverged_layer). */
int chip_sim_diverged(const chip_sim *c, size_t *block, uint64_t *step);
/* Train one epoch on the chip in the order perm; adds the loss of the
 * outputs computed to *st.  0 on success.  With a stop function set, the
 * streamer asks it before each batch after the first: non-zero, and no
 * further batch enters the chain; the batches in flight finish, and the
 * epoch returns 0 with chip_sim_stopped() true. */
int chip_sim_epoch(chip_sim *c, const size_t *perm, size_t epoch, f3_stats *st);
void chip_sim_set_stop(chip_sim *c, int (*stop)(void));
/* After chip_sim_epoch: 0 if the epoch ran to its end, else 1 (the stats
 * count the whole batches that went through the chain). */
int chip_sim_stopped(const chip_sim *c);
/* End the simulation (the modules report their counters) and give the
 * figures; 0 on success.  Later calls give the same figures. */
int chip_sim_result(chip_sim *c, chip_result *out);
/* Write tiles.csv (and trace.vcd with trace.gtkw if configured) into dir;
 * 0 on success. */
int chip_sim_write_files(chip_sim *c, const char *dir);

#ifdef __cplusplus
}
#endif
#endif
