/* bounds.h — what bounds a tile: per step, the cycles of each limiter and
 * the one that sets the step's time (the register file when it caps
 * weight_stationary's rows); per tile, utilisation and waits; per tile,
 * memory level and data space, the bytes moved and held (Timeloop's
 * stats.txt, SCALE-Sim's COMPUTE_REPORT.csv in spirit).
 *
 * Everything here is read from the tile cost table (tile_cost.h, called,
 * never re-derived) and from a run's chip_result (either engine: both fill
 * the tile stats identically).  The definitions, the tie order and the
 * files' columns are in docs/hardware-model.md, "What bounds a tile". */
#ifndef F3SIM_BOUNDS_H
#define F3SIM_BOUNDS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "chip.h"
#include "f3/status.h"
#include "f3/train.h"
#include "tile_cost.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What can set a step's cycles (tc_step_finish: max(compute, SRAM port,
 * ROM, LFSR) + latency), in the tie order: on equal cycles the first
 * listed is the bound. */
typedef enum {
    CHIP_LIM_COMPUTE = 0, /* the MAC lanes */
    CHIP_LIM_SRAM_PORT,   /* SRAM bytes (transposed reads × their factor) / (banks × bytes per cycle per bank) */
    CHIP_LIM_ROM,         /* feedback ROM bytes / ROM bytes per cycle */
    CHIP_LIM_LFSR,        /* ⌈LFSR values / lanes⌉ × cycles per value */
    CHIP_LIM_LATENCY,     /* the fixed step latency (added, not maxed) */
    CHIP_LIMITERS
} chip_limiter;
/* A bound is a limiter or, for weight_stationary, the register file. */
#define CHIP_BOUND_REGISTERS CHIP_LIMITERS
#define CHIP_BOUNDS (CHIP_LIMITERS + 1)
extern const char *const chip_bound_names[CHIP_BOUNDS]; /* compute, sram_port, rom, lfsr, latency, registers */

/* One step of one unit of a tile, per rep (a rep: one sample for a
 * per-sample step, one batch for a per-batch one; tile_cost.h). */
typedef struct {
    size_t tile, unit, layer; /* 0-based */
    tc_step step;
    double reps;              /* per batch (of the batch asked for) */
    double cycles;            /* the tile cost's cycles per rep */
    double limiter[CHIP_LIMITERS]; /* cycles per rep of each limiter */
    int limiter_max;          /* the argmax of limiter[] (ties: chip_limiter order) */
    int bound;                /* limiter_max, or CHIP_BOUND_REGISTERS (below) */
    /* weight_stationary (else all 0): the unit's rows (n_out), the rows held
     * per block and blocks per pass; the same with an unbounded register
     * file (unbounded_*), and this step's cycles per rep there.  The bound
     * is `registers` when the unbounded register file would hold more rows
     * per block (fewer blocks) and make this step faster. */
    size_t rows, block_rows, blocks;
    size_t unbounded_block_rows, unbounded_blocks;
    double unbounded_cycles;
} chip_step_bound;

/* The most rows chip_step_bounds writes for one tile. */
#define CHIP_STEP_BOUNDS_MAX ((size_t)F3_MAX_LAYERS * TC_STEPS)

/* The bounds of every step a tile does (reps > 0), its units first to last,
 * each unit's steps in tc_step order, at a batch of `batch` samples:
 * out[0 … *n−1] (out holds CHIP_STEP_BOUNDS_MAX).  On a chip of blocks a
 * step is the sum of its ops' steps (block_cost.h), each with its own
 * maximum: the limiters are the summed work's, and cycles may exceed
 * their maximum plus the latency.  F3_EINVAL/F3_ENOMEM with
 * a message when the tile cost cannot be computed (tile_cost_compute_tile). */
f3_status chip_step_bounds(const chip_config *hw, const f3_config *cfg, size_t tile, size_t batch,
                           chip_step_bound *out, size_t *n);

/* A tile's time over a run, as fractions of the run's cycles
 * (chip_result.cycles): busy, waiting for its input, waiting downstream
 * (update locking and back-pressure on its link), waiting for memory
 * (DRAM) and idle (before its first and after its last step).  All 0 for a
 * run of no cycles. */
typedef struct {
    double run_cycles;
    double busy, wait_input, wait_downstream, wait_memory, idle;
} chip_tile_util;
chip_tile_util chip_tile_utilisation(const chip_result *r, size_t tile);

/* Memory levels of levels.csv. */
typedef enum { CHIP_LV_REGISTERS = 0, CHIP_LV_SRAM, CHIP_LV_ROM, CHIP_LV_DRAM, CHIP_LV_LINK, CHIP_LEVELS } chip_level;
extern const char *const chip_level_names[CHIP_LEVELS];

/* One tile × level × data space.  NAN: not known or not defined (written
 * empty): the registers' and links' traffic is not split by data space or
 * by direction, DRAM has no capacity, links' bytes per tile are not in
 * chip_tile_stats. */
typedef struct {
    size_t tile;
    chip_level level;
    const char *data_space;   /* tc_item_names[], "feedback" (ROM), "all" (registers, links) */
    double reads, writes;     /* bytes over the run */
    double accessed;          /* bytes read + written (registers: read or written, as chip_tile_stats) */
    double capacity, held;    /* bytes */
    double port_bytes_per_cycle;
    double energy_pj;
} chip_level_row;

/* The most rows chip_tile_levels writes for one tile. */
#define CHIP_LEVEL_ROWS (2 + 2 * TC_ITEMS + 1)

/* Tile `tile`'s rows of levels.csv from the run r on hw (out holds
 * CHIP_LEVEL_ROWS).  Per level, the rows' reads, writes and energy sum to
 * the tile's stats in r exactly (bytes) and to the last rounding (energy);
 * SRAM and DRAM bytes are split over the data spaces in the shares of the
 * tile cost table's per-item bytes over one full batch (largest remainder,
 * so that the whole bytes add up).  F3_EINVAL/F3_ENOMEM with a message. */
f3_status chip_tile_levels(const chip_config *hw, const f3_config *cfg, const chip_result *r, size_t tile,
                           chip_level_row *out, size_t *n);

/* The run's FMA of a tile's units over r's samples, from model/'s closed
 * forms (chip_workload_for), a split layer's part taking its rows' share;
 * what the roofline's intensity counts.  NAN if the workload fails. */
double chip_tile_fma(const chip_config *hw, const f3_config *cfg, const chip_result *r, size_t tile);

/* <rule>/bounds.csv: one row per tile × unit × step it does (at the full
 * batch) with the limiters' cycles per rep and the bound, and the tile's
 * utilisation and waits.  0 on success; -1 on a write error or when a
 * tile's cost cannot be computed (f3_last_error says why). */
int chip_bounds_csv_write(FILE *f, const chip_config *hw, const f3_config *cfg, const chip_result *r);

/* <rule>/levels.csv: chip_tile_levels of every tile.  0 on success; -1 as
 * above. */
int chip_levels_csv_write(FILE *f, const chip_config *hw, const f3_config *cfg, const chip_result *r);

#ifdef __cplusplus
}
#endif
#endif
