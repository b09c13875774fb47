/* results.h — results folders: atomic files, locks, status.json, the
 * resolved scenario, and clearing what an earlier run left.
 *
 * A result file is written to "<path>.tmp.<pid>" (created with O_EXCL and
 * O_NOFOLLOW, so that nothing already there — a stale file, a planted
 * symbolic link — is written through) and renamed over <path> only when it
 * is complete and flushed, so an interrupted run never leaves a
 * complete-looking partial file.
 *
 * Every run folder (a rule's, a sweep point's, the scenario's) carries
 * status.json: "running" (with pid, host and start time), "done", "failed"
 * (with the error) or "interrupted" (with the signal).  While a run writes
 * into a folder it holds an advisory lock (flock) on it, so that a second
 * run into the same folder stops with a clear message. */
#ifndef F3SIM_RESULTS_H
#define F3SIM_RESULTS_H

#include <stddef.h>
#include <stdio.h>

#include "scenario.h"

/* The checkpoint a run keeps while it writes the next one (sim/run/checkpoint.c);
 * named here so that clear_outputs removes it. */
#define CHECKPOINT_PREVIOUS_NPZ "checkpoint.prev.npz"

typedef struct {
    FILE *f;
    char path[4096];
    char tmp[4200];
} atomic_file;

/* Create the folder and its parents (mode 0755); 0 on success, else -1
 * with a message in f3_last_error(). */
int make_dirs(const char *dir);

/* Before make_dirs(dir): the outermost folder of dir's path that does not
 * exist yet (dir itself when only it is missing) into made, "" when dir
 * exists; what make_dirs(dir) will create is made and the folders below it
 * on the way to dir. */
void first_missing_dir(const char *dir, char *made, size_t len);
/* Remove the empty folders from dir up to made (both included; made as
 * first_missing_dir gave it, a prefix of dir), stopping at the first that
 * is not empty; nothing when made is "". */
void remove_empty_dirs(const char *dir, const char *made);

/* Open <dir>/<name> for atomic writing; 0 on success. */
int atomic_open(atomic_file *af, const char *dir, const char *name);
/* Flush, sync and rename into place; 0 on success.  On failure the
 * temporary file is removed. */
int atomic_commit(atomic_file *af);
/* Abandon: close and remove the temporary file. */
void atomic_abort(atomic_file *af);

/* ---- locks ---------------------------------------------------------------- */

typedef struct {
    int fd; /* -1: not held */
} dir_lock;

/* Lock the folder dir (which exists): exclusive (a run writes into it) or
 * shared (a run writes into one of its sub-folders).  0: held; 1: another
 * run holds it (the message, naming that run where its status.json tells,
 * in f3_last_error()); -1: cannot lock (message in f3_last_error()). */
int dir_lock_take(dir_lock *l, const char *dir, int exclusive);
void dir_lock_release(dir_lock *l);

/* ---- status.json ------------------------------------------------------------ */

typedef enum { RUN_RUNNING = 0, RUN_DONE, RUN_FAILED, RUN_INTERRUPTED } run_state;

typedef struct {
    char dir[4096];
    char kind[32];          /* "train", "rule", "point", "scenario" */
    char command[4096];     /* the command line */
    char started[32];       /* UTC, ISO 8601 */
    run_state state;
    char error[1024];       /* failed */
    int signal;             /* interrupted: the signal */
    size_t epochs, epochs_done; /* a training run: epochs asked for and finished (0: not a training run) */
    size_t epoch, batch, batches; /* interrupted: where it stopped (1-based; 0: unknown) */
} run_status;

/* Start: write dir/status.json "running" (pid, host, start time, command).
 * 0 on success. */
int run_status_start(run_status *rs, const char *dir, const char *kind, const char *command);
/* Write the current state (rs->state and its fields); 0 on success. */
int run_status_write(run_status *rs);
/* Shorthands: set the state (and the error) and write. */
int run_status_done(run_status *rs);
int run_status_failed(run_status *rs, const char *error);
int run_status_interrupted(run_status *rs, int sig);
/* 1 if dir/status.json says the run there is done. */
int run_status_is_done(const char *dir);

/* ---- what an earlier run left -------------------------------------------------- */

/* name is a learning rule's folder (bp, f3, dfa, drtp, llo, f3-error,
 * f3-loss). */
int is_rule_folder(const char *name);
/* The index of a sweep point's folder "point-NNN", or -1. */
long point_folder_index(const char *name);
/* name is a seed's folder "seed-N" (training.seeds). */
int is_seed_folder(const char *name);
/* Remove from dir the files f3sim writes there (run.json, epochs.csv,
 * epochs.partial.csv, tiles.csv, trace.vcd, status.json,
 * scenario.resolved.yaml, compare.csv, sweep.csv, the plots, checkpoints,
 * the weights f3sim train saves (step-N.npz, epoch-N.npz), and temporary
 * files *.tmp.PID) and the report/ folder of f3sim report; not its other
 * folders.  0, or -1 with a message. */
int clear_outputs(const char *dir);
/* Remove a rule's or a point's folder: clear_outputs, the same for its rule,
 * point and seed sub-folders, then the folder itself; a folder that still holds
 * other files is kept, with a warning on stderr.  0, or -1 with a message. */
int remove_run_folder(const char *dir);

/* ---- the resolved scenario --------------------------------------------------- */

/* dir/scenario.resolved.yaml: the scenario sc with every key resolved
 * (scenario_show), headed by comments naming the f3sim version and commit,
 * the scenario file, the --set overrides (applied, in order) and note (a
 * sweep point's values; may be NULL).  0, or -1 with a message. */
int write_resolved_scenario(const char *dir, const scenario *sc, const char *const *sets, size_t n_sets,
                            const char *note);

#endif
