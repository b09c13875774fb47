/* chip.h — the chip model's C interface: a chain of tiles, one per layer,
 * that trains on the same kernels as the plain trainer and times it.
 *
 * The model is SystemC (chip.cpp); this header is what the C command line
 * sees.  A chip run forks a process for its simulation (SystemC elaborates
 * once per process), which writes the run's files (run.json with a
 * "hardware" object, epochs.csv, tiles.csv, trace.vcd) and hands the
 * summary back. */
#ifndef F3SIM_CHIP_H
#define F3SIM_CHIP_H

#include <stddef.h>
#include <stdint.h>

#include "f3/train.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { CHIP_ROM_FP32 = 0, CHIP_ROM_INT8, CHIP_ROM_TERNARY2, CHIP_ROM_SEEDED } chip_rom_encoding;

typedef struct {
    int present;
    double bytes_per_cycle;
    double latency_cycles;
    double pj_per_byte;
} chip_link_config;

typedef struct {
    double clock_mhz;
    int strict;
    unsigned mac_lanes;            /* P */
    unsigned step_latency;         /* cycles added to every step */
    double sram_capacity_bytes;
    double sram_bytes_per_cycle, sram_read_pj, sram_write_pj; /* pJ per byte */
    chip_rom_encoding rom_encoding;
    double rom_bytes_per_cycle, rom_read_pj;
    chip_link_config forward, backward, broadcast;
    double es_bytes_per_value;     /* error store precision: 4, 2 or 1 */
    double es_read_pj, es_write_pj;
    double fma_pj, elem_pj;        /* energy per FMA, per other operation */
    int trace;                     /* write trace.vcd */
    size_t trace_samples;          /* samples traced (from the start) */
} chip_config;

/* Per-tile figures of a run (cycles, bytes, picojoules). */
typedef struct {
    uint64_t busy, wait_input, wait_downstream, idle;  /* cycles */
    uint64_t sram_read, sram_written, rom_read;        /* bytes */
    double energy_compute, energy_sram, energy_rom, energy_links, energy_error_store; /* pJ */
    double sram_needed;                                /* bytes */
} chip_tile_stats;

typedef struct {
    uint64_t cycles;               /* training cycles, all epochs */
    uint64_t samples;
    double cycles_per_sample, samples_per_second, energy_per_sample_pj, stall_fraction;
    double energy_pj[5];           /* compute, SRAM, ROM, links, error store (all epochs) */
    uint64_t link_bytes[3];        /* forward, backward, broadcast */
    uint64_t sram_read, sram_written, rom_read, es_read, es_written; /* bytes */
    size_t n_tiles;
    chip_tile_stats tile[F3_MAX_LAYERS];
} chip_result;

/* Cycles of one sample's steps in a tile (the DESIGN.md tile cycle table),
 * before memory-bandwidth limits: forward, activation, feedback, δz,
 * gradient(+update), BP's δh, and the per-batch update of a batched
 * optimiser.  Exposed for tests and the RTL cross-check. */
typedef struct {
    uint64_t forward, activation, feedback, dz, gradient, backprop, apply;
} chip_step_cycles;
/* hidden: the tile is not the output tile; first: it is tile 1 (BP sends
 * no δ below it).  Memory-bandwidth limits (SRAM, ROM) are applied: a step
 * takes the longer of its compute and its memory time. */
chip_step_cycles chip_tile_cycles(const chip_config *hw, size_t n_in, size_t n_out, size_t C,
                                  int hidden, int first, f3_algorithm alg, int one_hot, int bias,
                                  f3_optimizer opt, size_t batch);

/* A chip simulation bound to a trainer and its training set (one per
 * process: SystemC elaborates once, and the chip lives until the process
 * ends).  NULL with f3_last_error() on failure. */
typedef struct chip_sim chip_sim;
chip_sim *chip_sim_new(const chip_config *hw, f3_trainer *tr, const f3_dataset *train);
/* Train one epoch on the chip in the order perm; adds the loss of the
 * outputs computed to *st.  0 on success. */
int chip_sim_epoch(chip_sim *c, const size_t *perm, size_t epoch, f3_stats *st);
/* The figures so far. */
void chip_sim_result(const chip_sim *c, chip_result *out);
/* Write tiles.csv (and trace.vcd if configured) into dir; 0 on success. */
int chip_sim_write_files(const chip_sim *c, const char *dir);

#ifdef __cplusplus
}
#endif
#endif
