/* analytic.h — the chip's figures without SystemC and without training: an
 * analytic evaluator that reproduces the SystemC model's schedule (the
 * tiles, links, streamer, error store and DRAM of the sim/chip modules) with the
 * same cost table (tile_cost.h), and gives the very chip_result a SystemC
 * run gives — cycles, every byte count, energy by item, area — equal to the
 * last bit (tests/chip/analytic_vs_systemc.c checks random chips against
 * SystemC).
 *
 * Time, traffic and energy depend on shapes, formats and the schedule,
 * never on the values, so a design point needs no kernels: the ledger's
 * operation counts come from model/'s closed forms (f3_formula_counts), or
 * from a training run of the same numerics.
 *
 * Speed: the schedule is a max-plus recurrence over batches; the evaluator
 * runs it until the state (every clock relative to the latest, and a
 * shared DRAM's calendar) repeats, then jumps over whole periods, and over
 * the remaining epochs once a batch of an epoch reaches the state the same
 * batch of the epoch before reached (run_epoch).  With whole-cycle
 * latencies and steps the jumps are exact; otherwise it runs every batch
 * (exact, slower). */
#ifndef F3SIM_ANALYTIC_H
#define F3SIM_ANALYTIC_H

#include <stddef.h>

#include "chip.h"
#include "f3/status.h"
#include "f3/train.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What is trained: the network and its numerics, the training set's size,
 * the epochs, and the ledger's operations per layer (what compute energy
 * is made of). */
typedef struct {
    f3_config cfg;
    size_t n_train, epochs;
    size_t n_blocks;                           /* a network of n_blocks blocks (0: an MLP): the layers are blocks */
    double ledger_fma[F3_MAX_LAYERS];          /* all phases */
    double ledger_feedback_fma[F3_MAX_LAYERS]; /* what the chip does in its own way: Bᵀe (an MLP: the feedback
                                                * phase; a block: E·B_k alone, not the backward inside it) */
    double ledger_elem[F3_MAX_LAYERS];         /* element-wise operations, all phases */
} chip_workload;

/* A workload with the ledger of model/'s closed forms for `epochs` epochs
 * of n_train samples (what a training run's ledger holds).  F3_EINVAL if
 * cfg is invalid. */
f3_status chip_workload_init(chip_workload *w, const f3_config *cfg, size_t n_train, size_t epochs);

/* The same for a network of n blocks trained by the block trainer
 * (f3/blocktrain.h) under cfg (its rule, error information, optimiser and
 * batch; cfg->widths the blocks' outputs, cfg->n_layers = n): per block,
 * the ledger of model/'s closed forms for blocks (f3_blockformula_counts
 * per block and phase over f3_run_shape_epochs), booked as the trainer
 * books it (BP: a block's δ at its input in the feedback phase of the
 * block below, as the MLP's eq. (15)), and as feedback FMA E·B_k alone
 * (the feedback phase less the backward inside the block,
 * f3_blockformula_op).  F3_EINVAL with a message for an invalid network. */
f3_status chip_workload_init_blocks(chip_workload *w, const f3_config *cfg, const f3_block *blocks, size_t n,
                                    size_t n_train, size_t epochs);

/* The workload of what hw's chip runs: chip_workload_init_blocks with
 * hw's blocks for a chip of blocks, else chip_workload_init. */
f3_status chip_workload_for(chip_workload *w, const chip_config *hw, const f3_config *cfg, size_t n_train,
                            size_t epochs);

/* The figures of training w on hw (the error store's auto figures resolved,
 * chip_config_resolve_error_store) — what chip_sim_result gives after the
 * same run.  F3_EINVAL with a message if hw cannot run w (as the tile's
 * cost table says, or a link the rule needs is missing; a chip of blocks
 * with an MLP's workload, or the reverse). */
f3_status chip_analytic_run(const chip_config *hw, const chip_workload *w, chip_result *out);

/* The inference-only baseline of a training chip: the same network's
 * forward passes over the same samples on the same tiles, lanes,
 * registers, dataflow, clock and memories, without what learning adds —
 * training lanes become inference MAC lanes (hardware.tile.lane: mac, the
 * lane figures × mac / training when the chip has training lanes), each
 * tile's SRAM shrinks to what inference needs (W, biases and the batch's
 * buffers) in whole macros (whole KiB without macros), and there is no
 * feedback ROM or LFSR, no error store, no optimiser state, accumulator or
 * stash, no backward or broadcast traffic.  Evaluated analytically (it
 * equals SystemC for any chip it can run).  A chip of blocks runs each
 * block's forward ops (block_cost.h with hw.inference). */
typedef struct {
    chip_result res;                 /* the inference run's figures */
    chip_config hw;                  /* the inference chip */
    double power_mw, train_power_mw; /* energy over run time */
    /* what learning adds to the area, mm²: ROM (and LFSRs), error store,
     * the SRAM learning needs, the training lanes' extra units */
    double add_rom_mm2, add_es_mm2, add_sram_mm2, add_lanes_mm2;
} chip_inference;
f3_status chip_inference_run(const chip_config *hw, const f3_config *cfg, const chip_result *train, chip_inference *out);

#ifdef __cplusplus
}
#endif
#endif
