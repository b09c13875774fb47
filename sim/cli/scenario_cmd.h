/* scenario_cmd.h — what the parts of the scenario commands share (not a
 * public interface): the parsed command line, what every point of a run
 * shares, and the functions cmd_scenario.c (the commands, run, collect),
 * scenario_point.c (one point's run) and scenario_emit.c (sweep --emit)
 * call of each other. */
#ifndef F3SIM_SCENARIO_CMD_H
#define F3SIM_SCENARIO_CMD_H

#include <stddef.h>

#include "scenario.h"
#include "train_run.h"

#define MAX_SETS 64 /* more fail loudly (exit 2) */

/* The command line of run, check, show, keys and sweep. */
typedef struct {
    const char *file;
    const char *sets[MAX_SETS];
    size_t n_sets;
    long jobs;
    long point;
    char emit[16];
    int collect, quiet, markdown, resume;
    const char *init_from; /* --init-from FILE.npz, or NULL */
    int engine; /* 0 the default, 1 analytic, 2 systemc */
    int force;
    char command_line[4096]; /* "f3sim run …", for status.json */
    char seeds_set[SC_MAX_LIST_TEXT + 32]; /* --seeds as "training.seeds=[…]" */
} sc_args;

/* What every point of a run shares. */
typedef struct {
    const sc_args *a;
    int quiet;
    int lock_point; /* take the point folder's lock (it is not the locked base) */
} run_ctx;

/* Load, apply --set, validate; prints the error (exit 2) on failure. */
scenario *sc_load(const char *cmd, const sc_args *a);
/* The training options of rule alg of the (validated) scenario sc. */
void sc_to_options(const scenario *sc, const char *alg, train_options *o);
/* <outputs.folder>/<name> */
void sc_base_dir(const scenario *sc, char *buf, size_t len);
/* Remove from dir what an earlier run wrote there: its result files and
 * every rule folder.  0, or -1 with a message. */
int sc_clear_point(const char *dir);

/* Run every algorithm of one (resolved, sweep-free) scenario point into
 * dir; write dir/compare.csv and print the table.  0 on success, else the
 * exit status (2 the configuration cannot run, 128 + N stopped by signal
 * N, 1 otherwise). */
int scenario_run_point(const scenario *p, size_t index, const char *label, const char *dir, const run_ctx *ctx,
                       const char *kind);
/* training.seeds: the point once per seed into dir/seed-<s>/, then
 * dir/compare.csv with the mean and σ over the seeds; the exit status. */
int scenario_run_seeded(const scenario *p, size_t index, const char *label, const char *dir, const run_ctx *ctx,
                        const char *kind);

/* f3sim sweep --emit slurm|parallel: the script of the sweep's tasks (one
 * per numerics point); the exit status. */
int scenario_emit(const sc_args *a);

#endif
