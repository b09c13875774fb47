/* tiles_csv.h — tiles.csv, the chip's per-tile figures: one writer for the
 * SystemC run (chip_files.cpp) and the analytic evaluator's runs (the
 * numerics cache), so that the two files of one scenario cannot differ.
 * docs/scenarios.md ("tiles.csv") names every column and its unit. */
#ifndef F3SIM_TILES_CSV_H
#define F3SIM_TILES_CSV_H

#include <stdio.h>

#include "chip.h"
#include "f3/train.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Write the header and one row per tile of r (a run of cfg on hw: tile i
 * is layer i, n_in = cfg->widths[i − 1], n_out = cfg->widths[i]) to f,
 * which the caller opens and commits.  0, or -1 when f reports an error. */
int chip_tiles_csv_write(FILE *f, const chip_config *hw, const f3_config *cfg, const chip_result *r);

#ifdef __cplusplus
}
#endif
#endif
