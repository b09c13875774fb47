/* emit.h — scripts that run a sweep elsewhere: a Slurm job script and a GNU
 * parallel job list (f3sim sweep --emit slurm|parallel).
 *
 * The work is a list of tasks; each task is a group of sweep points that one
 * job runs one after the other (today one point per task; a task per
 * numerics point groups the hardware points that share one training).
 * Every point runs as `f3sim run SCENARIO [--set …] --point P --quiet
 * --resume`, so a re-submitted job continues where the first one stopped
 * and skips finished points.  Every word is quoted for a POSIX shell
 * (sh_quote), and the caller rejects text with a newline or a control
 * character, which no script line can carry. */
#ifndef F3SIM_EMIT_H
#define F3SIM_EMIT_H

#include <stddef.h>
#include <stdio.h>

typedef struct {
    const size_t *points; /* (n) sweep points, run in this order */
    size_t n;
} emit_task;

typedef struct {
    const char *name;     /* the scenario's name (job names) */
    const char *exe;      /* absolute path of the f3sim binary */
    const char *scenario; /* absolute path of the scenario file */
    const char *cwd;      /* the working directory the jobs run in */
    const char *base;     /* absolute results folder <folder>/<name> */
    const char *const *sets;
    size_t n_sets;
    const emit_task *tasks;
    size_t n_tasks;
    int cpus;             /* CPUs per task */
    /* outputs.slurm ("" leaves a setting to the cluster) */
    const char *time, *mem, *partition, *account, *setup;
    long max_array_size;
    const char *init_from; /* --init-from FILE.npz (absolute), or NULL */
} emit_job;

/* sweep.slurm, a bash script with three modes:
 *   bash sweep.slurm     submits the tasks as job arrays of at most
 *                        max_array_size tasks (or the cluster's MaxArraySize
 *                        if smaller), then a job that depends on all of them
 *                        and runs `f3sim sweep … --collect`; prints the job
 *                        ids;
 *   an array task        (SLURM_ARRAY_TASK_ID set) runs the points of task
 *                        F3SIM_TASK_OFFSET + SLURM_ARRAY_TASK_ID;
 *   the collect job      (F3SIM_COLLECT=1) gathers sweep.csv.
 * Logs go to <base>/logs/ (absolute paths). */
void emit_slurm(const emit_job *j, FILE *f);

/* sweep.parallel: one line per task, `cd CWD && f3sim run … --point P
 * --quiet --resume` (&& between the points of a task); run with
 * `parallel --jobs N < sweep.parallel`, then --collect. */
void emit_parallel(const emit_job *j, FILE *f);

#endif
