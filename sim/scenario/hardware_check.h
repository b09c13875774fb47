/* hardware_check.h — a scenario's chip: its hardware section resolved into
 * a chip_config, and the checks that reject a chip that cannot run the
 * scenario (scenario_validate calls them).
 *
 * The checks follow the very rules the chip runs by (tile_cost.h): a
 * dataflow that cannot run a learning rule, registers too small for
 * weight_stationary, and with `strict: true` a tile whose data do not fit
 * its SRAM, are errors located at the key they concern. */
#ifndef F3SIM_HARDWARE_CHECK_H
#define F3SIM_HARDWARE_CHECK_H

#include <stddef.h>

#include "chip.h"
#include "cost_tables.h"
#include "f3/status.h"
#include "f3/train.h"
#include "scenario.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The chip of a scenario's hardware section (which must be present), every
 * figure explicit: a key written `auto` takes its figure from the cost
 * tables (cost_tables.h), an SRAM's at its capacity.  The one exception is
 * an on-chip error store, whose auto figures follow its capacity, which
 * depends on the learning rule and the training set: they are NaN until
 * chip_config_resolve_error_store. */
void chip_config_from_scenario(const scenario *sc, chip_config *hw);
/* The figures the hardware section's keys resolve to, indexed as the
 * schema (resolved[sc_schema_count()]): an auto key's value from the cost
 * tables at the scenario's technology, a given key's own; NAN for a key the
 * chip does not read.  For `f3sim show`.  0. */
int chip_config_resolved_figures(const scenario *sc, double *resolved);

/* The auto figures of an SRAM of capacity_bytes on hw: its cells'
 * (hw->sram_cells), at its macro's size when it is built from macros
 * (hw->sram_macro_bytes), else at its capacity. */
/* A register file's figures (pJ per byte, µW per KiB, mm² per KiB) at
 * capacity_bytes and `lanes` lanes, for hw's technology and registers
 * kind (an SRAM register file: one bank per lane); the figures the
 * scenario sets (hw->reg_fixed) stay hw's. */
void chip_reg_figures_at(const chip_config *hw, double capacity_bytes, unsigned lanes, double fig[3]);
void chip_sram_figures_at(const chip_config *hw, double capacity_bytes, chip_sram_figures *out);

/* The mapping part of it (hardware.mapping, hardware.tiles), on hw's
 * tile figures; n_tiles 0 when neither is given (one tile per layer). */
void chip_mapping_from_scenario(const scenario *sc, chip_config *hw);

/* hardware.mapping.layers_per_tile adds up to the network's layers, and
 * every hardware.tiles list has one entry per tile (file:line:col errors). */
f3_status scenario_check_mapping(const scenario *sc);

/* Resolve the error store's auto figures (those still NaN) for the rule
 * cfg trained on n_train samples: on chip, the SRAM table at the store's
 * capacity (chip_error_store_bytes; 0 when the rule keeps no store), times
 * the tile SRAM's figure over the table's at the tile SRAM's capacity (1
 * for a figure left auto): the store is SRAM of the same kind, so a tile
 * SRAM figure the scenario sets (low-leakage cells, another node) moves
 * the store's by the same factor. */
void chip_config_resolve_error_store(chip_config *hw, const f3_config *cfg, size_t n_train);

/* The hardware checks of scenario_validate (call only with a hardware
 * section): the fabric carries what every learning rule sends, the
 * dataflow can run every rule, every tile's cost can be computed (e.g.
 * weight_stationary registers hold a row), and with strict every tile fits
 * its SRAM.  F3_OK, or F3_EINVAL with "file:line:col: message". */
f3_status scenario_check_hardware(const scenario *sc);

/* The feedback ROM of hw can hold rule `rule`'s B_i (cfg): int8 needs a
 * fixed-point numerics.feedback.format of at most 8 bits, ternary2 and
 * seeded a feedback_init with entries −1, 0, 1.  F3_EINVAL with
 * "file:line:col: message" at hardware.tile.rom.encoding in sc. */
f3_status scenario_check_rom(const scenario *sc, const chip_config *hw, const f3_config *cfg, const char *rule);

/* Every SRAM of hw is a whole number of its macros
 * (hardware.tile.sram.macro_kib; none: F3_OK); else F3_EINVAL and *key
 * the capacity key at fault. */
f3_status chip_check_macros(const chip_config *hw, const char **key);

/* The per-layer checks (tile costs computable; with strict, every tile
 * fits its SRAM) of one learning rule `rule` whose configuration cfg is
 * complete (widths known): F3_EINVAL with a message, and *key the scenario
 * key it concerns.  The scenario check runs it when the widths are known
 * from the scenario; a run runs it once the data set is read. */
f3_status chip_check_layers(const chip_config *hw, const f3_config *cfg, const char *rule, const char **key);

#ifdef __cplusplus
}
#endif
#endif
