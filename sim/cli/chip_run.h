/* chip_run.h — a training run on the chip model (in a process of its own). */
#ifndef F3SIM_CHIP_RUN_H
#define F3SIM_CHIP_RUN_H

#include "chip.h"
#include "scenario.h"
#include "train_run.h"

/* The chip of a scenario's hardware section. */
void chip_config_from_scenario(const scenario *sc, chip_config *hw);

/* Train on the chip: writes o->out/run.json (with a "hardware" object),
 * epochs.csv, tiles.csv and (if configured) trace.vcd; fills res and hres.
 * 0 on success, else non-zero with the reason in f3_last_error(). */
int chip_train(const train_options *o, const chip_config *hw, train_result *res, chip_result *hres);

#endif
