/* cmd_compare.h — f3sim compare SCENARIO.yaml --budget KIND=V[,V…]: every
 * learning rule of the scenario on its own best chip within the same
 * budget (area, power or lanes), searched on the analytic chip evaluator
 * without training. */
#ifndef F3SIM_CMD_COMPARE_H
#define F3SIM_CMD_COMPARE_H

#include <stddef.h>

#include "chip.h"
#include "scenario.h"

extern const char *const COMPARE_HELP;

/* argv[0] is "compare"; returns the exit status. */
int cmd_compare(int argc, char **argv);

/* hardware.mapping.auto: the chip `f3sim compare` chooses for `rule` within
 * the scenario's comparison.budget for the objective the key names (energy:
 * the least energy per sample; throughput: the most samples per second)
 * goes into *hw (mapping, dataflow, micro-batches, per-tile figures, error
 * store placement; hw->auto_choice says so), and desc gets a line that
 * says what was chosen.  A network of blocks: *hw comes with its blocks
 * attached (chip.h), which the chosen chip keeps; its mappings are
 * contiguous (a block is not split).  0, or an exit status (2 the scenario
 * cannot be met, 1 a runtime failure) with the message in f3_last_error(). */
int compare_auto_chip(const scenario *sc, const char *rule, chip_config *hw, char *desc, size_t len);

#endif
