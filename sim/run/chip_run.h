/* chip_run.h — a training run on the chip model (in a process of its own). */
#ifndef F3SIM_CHIP_RUN_H
#define F3SIM_CHIP_RUN_H

#include "chip.h"
#include "hardware_check.h" /* chip_config_from_scenario: the chip of a scenario's hardware section */
#include "scenario.h"
#include "train_run.h"

/* Train on the chip hw (from chip_config_from_scenario: the error store's
 * figures that follow its capacity are resolved here, once the rule and the
 * training set are known): writes o->out/run.json (with a "hardware"
 * object), epochs.csv, tiles.csv and (if configured) trace.vcd; fills res
 * and hres.  0 on success, else train_run_schedule's exit status (2 also
 * when the chip cannot run the configuration, a check that needed the data
 * set's widths; 128 + N stopped by signal N, after the epoch the chip is
 * simulating); the reason in f3_last_error().  A network of blocks (o->is_blocks)
 * trains with the block trainer, whose per-block calls the SystemC tiles
 * make (chip_sim_new_blocks), on a chip of o->blocks. */
int chip_train(const train_options *o, const chip_config *hw, train_result *res, chip_result *hres);

/* The analytic engine: train with the plain trainer (no SystemC; the
 * weights and counts are the chip's, which trains on the same kernels) and
 * take the chip's figures from the analytic evaluator (analytic.h, equal to
 * SystemC's in every figure).  A network of blocks (o->is_blocks) trains with the
 * block trainer and its chip runs o->blocks (chip_config.blocks).  Writes
 * what chip_train writes but the trace (run.json with hardware.engine
 * "analytic", epochs.csv, tiles.csv); the same exit statuses. */
int chip_train_analytic(const train_options *o, const chip_config *hw, train_result *res, chip_result *hres);

/* run.json's "hardware" object: the figures r of a run of cfg on hw, made
 * by engine ("systemc" or "analytic"). */
struct json_writer_s;
void chip_json_hardware(struct json_writer_s *w, const chip_config *hw, const f3_config *cfg, const chip_result *r,
                        const char *engine);

/* dir/tiles.csv of a run of cfg on hw with figures r (tiles_csv.h, the
 * writer the SystemC run uses), atomically.  0, or -1 with a message. */
int chip_write_tiles_csv(const char *dir, const chip_config *hw, const f3_config *cfg, const chip_result *r);
/* dir/bounds.csv and dir/levels.csv (bounds.h: what bounds each tile's
 * steps, its utilisation, its traffic per memory level and data space),
 * atomically.  0, or -1 with a message. */
int chip_write_bound_files(const char *dir, const chip_config *hw, const f3_config *cfg, const chip_result *r);
/* All three. */
int chip_write_tile_files(const char *dir, const chip_config *hw, const f3_config *cfg, const chip_result *r);

#endif
