/* analytic_internal.h — what analytic.c (the run: tables, epochs, period
 * jumps, totals) and analytic_batch.c (one batch through the streamer and
 * the tiles) share; not an interface of the chip model. */
#ifndef F3_ANALYTIC_INTERNAL_H
#define F3_ANALYTIC_INTERNAL_H

#include <stddef.h>

#include "analytic.h"
#include "dram_calendar.h"
#include "tile_cost.h"

#define RING_MAX (F3_MAX_LAYERS + 2)

/* One batch size's table, with the DRAM cycles of each step. */
typedef struct {
    size_t b;
    tile_cost tc[F3_MAX_LAYERS];
    double dram_r_cyc[F3_MAX_LAYERS][TC_STEPS], dram_w_cyc[F3_MAX_LAYERS][TC_STEPS];
    /* a tile without DRAM traffic and whole-cycle steps: the cycles of each
     * run of steps first…last, summed once (exact: whole numbers) */
    int plain[F3_MAX_LAYERS];
    double seg[F3_MAX_LAYERS][TC_STEPS][TC_STEPS];
    /* each step's cycles and kind (0: not done, 1: no DRAM traffic, 2: DRAM
     * traffic, 3: DRAM traffic on the tile's own port, folded into cyc with
     * the wait for memory mw; see fill_times), packed for the hot loop; a
     * plain tile's waits for memory over each run of steps (segw) and
     * whether it has any (memw) */
    double cyc[F3_MAX_LAYERS][TC_STEPS], mw[F3_MAX_LAYERS][TC_STEPS];
    unsigned char kind[F3_MAX_LAYERS][TC_STEPS];
    int memw[F3_MAX_LAYERS];
    double segw[F3_MAX_LAYERS][TC_STEPS][TC_STEPS];
} batch_table;

typedef struct {
    const chip_config *hw;
    const f3_config *cfg;
    size_t K, T, R, U, G;         /* layers; tiles; slots (T + 2); units; stages (chip.h) */
    size_t tile[F3_MAX_LAYERS];   /* the tile of each unit */
    size_t layer[F3_MAX_LAYERS];  /* the layer of each unit */
    size_t gu[F3_MAX_LAYERS + 1]; /* each stage's first unit; gu[G] = U */
    int par[F3_MAX_LAYERS];       /* a stage's units are the parallel parts of one split layer */
    int f3, stream, per_sample, es_dram, one_hot;
    size_t users;                 /* of the DRAM */
    int cal;                      /* two users or more: the shared calendar (dram_calendar.h) */
    double dram_lat;              /* cycles */
    double es_bytes, es_cycles;   /* per sample: bytes of e; on-chip read port cycles */
    double bps_in, bps_bcast, per_in, per_bcast; /* link bytes and cycles per sample */
    double local, es_rd, link_in;    /* clocks */
    /* per tile (only T entries are used, and zeroed, per chip); the link
     * clocks and bytes, per stage, are those of the links out of (fwd) and
     * into (bwd) each stage; bps_bwd[g]: what stage g sends down */
    double free[F3_MAX_LAYERS], fwd[F3_MAX_LAYERS], bwd[F3_MAX_LAYERS], dram[F3_MAX_LAYERS];
    double bps_fwd[F3_MAX_LAYERS], bps_bwd[F3_MAX_LAYERS], per_fwd[F3_MAX_LAYERS], per_bwd[F3_MAX_LAYERS];
    int uses_dram[F3_MAX_LAYERS];
    double bcast, thr[RING_MAX], end;
    /* accumulated waits, cycles */
    double wait_in[F3_MAX_LAYERS], wait_down[F3_MAX_LAYERS], wait_mem[F3_MAX_LAYERS];
    double wakes[F3_MAX_LAYERS], gated[F3_MAX_LAYERS]; /* power gating (tile.cpp wait_until) */
    /* per-batch scratch: per-sample times */
    const batch_table *tabs[5];   /* the tables of every batch and micro-batch size */
    size_t n_tabs;
    double *a, *c, *d, *e, *g, *po, *pd, *pe; /* b each (po, pd, pe: a part's, before the max over parts) */
    double *outs;          /* K × b */
    dram_calendar dc;      /* a shared DRAM's port (freed at the end of a run) */
    double *sv;            /* state_vec's scratch (heap, freed at the end of a run) */
    size_t sv_cap;
} sched;

static inline double dmax(double x, double y) { return x > y ? x : y; }

/* One batch of bt->b samples through the streamer and every tile
 * (analytic_batch.c). */
void an_run_batch(sched *s, const batch_table *bt, int epoch_start);

#endif
