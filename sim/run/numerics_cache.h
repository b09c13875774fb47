/* numerics_cache.h — training results cached on disk per numerics point.
 *
 * A scenario's keys either change the numbers trained (numerics), only
 * their cost on the chip (hardware) or neither (output): sc_role in
 * scenario.h.  The training of one learning rule at one numerics point —
 * its accuracy curve, its ledger (by model/'s closed forms, which equal the
 * trainer's counts), weights_sha256 — is the same for every hardware point,
 * so sweeps and explore train it once and keep it in
 *
 *   <outputs.folder>/.numerics-cache/<key>/{record.txt, epochs.csv}
 *
 * where key = SHA-256 of the f3sim version and of its binary (a rebuilt f3sim,
 * even of a dirty tree, trains again), the rule, every numerics key of
 * the point, normalised (numbers as %.17g, so 1e-3 and 0.001 agree), and
 * the SHA-256 of every data file the data set reads.  An entry is written
 * into a temporary folder and renamed into place (never half-written); a
 * lock file serialises two processes that train the same point.  Every
 * entry has its epochs.csv, whatever outputs.formats the run that trained
 * it had (train_options.cache_epochs_dir); one without (an older f3sim's
 * json-only run) is a miss, trained again and replaced. */
#ifndef F3SIM_NUMERICS_CACHE_H
#define F3SIM_NUMERICS_CACHE_H

#include <stddef.h>

#include "analytic.h"
#include "chip_run.h"
#include "scenario.h"
#include "train_run.h"

/* The key of rule `rule` at scenario point p (hex, 64 characters + NUL),
 * and init_sha256 (the SHA-256 of --init-from's file, hex; NULL or "": none);
 * rule NULL: see numerics_signature.
 * 0, or -1 with a message (a data file cannot be read). */
int numerics_key(const scenario *p, const char *rule, const char *init_sha256, char hex[65]);

/* What the numerics keys of point p say, for all its rules together (hex):
 * two points with the same signature train the same networks (the data
 * files are not read: they are named by numerics keys).  0, or -1. */
int numerics_signature(const scenario *p, char hex[65]);

/* The cache's folder for scenario p: <outputs.folder>/.numerics-cache. */
void numerics_cache_root(const scenario *p, char *buf, size_t len);

/* Look key up: 1 and *res (with n_train and cfg) if present, 0 if absent
 * (or another build's entry, or one without epochs.csv),
 * -1 with a message if the entry is unreadable.  epochs_csv (may be NULL)
 * receives the entry's epochs.csv path. */
int numerics_cache_load(const char *root, const char *key, train_result *res, char *epochs_csv, size_t len);

/* Store res (and a copy of epochs_csv, which may be NULL) under key,
 * atomically.  0, or -1 with a message. */
int numerics_cache_store(const char *root, const char *key, const train_result *res, const char *epochs_csv);

/* Serialise concurrent trainings of one key: take (blocking) and release
 * the lock <root>/<key>.lock.  0, or -1 with a message. */
int numerics_cache_lock(const char *root, const char *key, int *fd);
void numerics_cache_unlock(int fd);

/* ---- train once per numerics point ------------------------------------------ */

/* One rule of scenario point p on chip hw with the analytic engine: the
 * training comes from the cache (unless force), else it runs now and is
 * stored: with the plain trainer, the chip's figures from the analytic
 * evaluator (chip_train_analytic), or, when hw asks for a trace, on the
 * SystemC chip (chip_train).  The chip's figures of a reused training come
 * from the analytic evaluator, and o->out receives epochs.csv (the cached
 * curve), run.json (the training's figures, the key, and the "hardware"
 * object), tiles.csv and status.json.  *reused says which.
 * 0, or an exit status (cli_util.h) with the message in f3_last_error(). */
int numerics_train_or_reuse(const scenario *p, const char *rule, const train_options *o, const chip_config *hw,
                            int force, int *reused, train_result *res, chip_result *hres);

/* The training of one rule at scenario point p, without a chip: from the
 * cache (unless force), else train_run into o->out now and store it.
 * *reused says which.  0, or an exit status with the message. */
int numerics_train_cached(const scenario *p, const char *rule, const train_options *o, int force, int *reused,
                          train_result *res);

/* The chip figures of hardware hw for a cached training res (n_train, cfg,
 * epochs): *resolved = hw with chip_config_resolve_error_store applied (the
 * configuration run.json shows), then the analytic evaluator on it.
 * 0, or 2 (the chip cannot run it) with the message. */
int numerics_evaluate(const chip_config *hw, const train_result *res, chip_config *resolved, chip_result *out);
/* The same with the workload (chip_workload_init of res) made once. */
int numerics_evaluate_workload(const chip_config *hw, const chip_workload *w, chip_result *out);

#endif
