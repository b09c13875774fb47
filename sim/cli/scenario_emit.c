/* scenario_emit.c — f3sim sweep --emit slurm|parallel (scenario_cmd.h):
 * the sweep's points grouped into one task per numerics point, checked
 * (their data present, every path on one line), and written as a Slurm
 * array job or a GNU parallel job list (emit.c). */
#define _XOPEN_SOURCE 700 /* realpath */
#include "scenario_cmd.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analytic.h"
#include "cli_util.h"
#include "numerics_cache.h"
#include "results.h"
#include "scenario.h"
#include "data_hash.h"
#include "emit.h"

/* qsort orders of cmd_emit: points by their numerics signature (then
 * index), tasks by their first point */
static char (*emit_sig)[65];
static int by_signature(const void *a, const void *b)
{
    const size_t i = *(const size_t *)a, j = *(const size_t *)b;
    int c = strcmp(emit_sig[i], emit_sig[j]);
    return c ? c : (i > j) - (i < j);
}
static int by_first_point(const void *a, const void *b)
{
    const size_t i = ((const emit_task *)a)->points[0], j = ((const emit_task *)b)->points[0];
    return (i > j) - (i < j);
}

/* A script line holds every word on one line: a newline in a value would
 * start a new command (a GNU parallel job, a line of the shell).  0, or -1
 * with the message on stderr. */
static int one_line_paths(const sc_args *a, const char *cwd, const char *abs, const char *exe, const char *base)
{
    const char *what[4] = {"the working directory", "the scenario's path", "the f3sim binary's path",
                           "the results folder"};
    const char *text[4] = {cwd, abs, exe, base};
    for (int i = 0; i < 4; i++)
        if (has_control_char(text[i])) {
            fprintf(stderr, "f3sim sweep: %s holds a newline or control character; a script cannot carry it: %s\n",
                    what[i], text[i]);
            return -1;
        }
    for (size_t i = 0; i < a->n_sets; i++)
        if (has_control_char(a->sets[i])) {
            fprintf(stderr, "f3sim sweep: --set[%zu] holds a newline or control character; a script cannot carry it "
                            "(write the value on one line)\n", i + 1);
            return -1;
        }
    return 0;
}

/* The tasks of the sweep's n points: one per numerics point, running its
 * sweep points one after the other (the first trains, the others reuse
 * the training and evaluate their hardware analytically), in the order of
 * each group's first point; points[] holds the groups' points.  Every
 * point's data are checked to be there.  0, or the exit status with the
 * message on stderr. */
static int group_points(const scenario *sc, const sc_args *a, size_t n, size_t *points, emit_task *tasks,
                        size_t *n_tasks)
{
    char (*sig)[65] = malloc((n ? n : 1) * sizeof *sig);
    if (!sig) {
        fprintf(stderr, "f3sim sweep: out of memory\n");
        return EXIT_RUNTIME;
    }
    for (size_t i = 0; i < n; i++) {
        scenario *p = NULL;
        if (scenario_sweep_point(sc, i, &p) != F3_OK || numerics_signature(p, sig[i])) {
            scenario_free(p);
            free(sig);
            fprintf(stderr, "f3sim sweep: point %zu: %s\n", i, f3_last_error());
            return EXIT_RUNTIME;
        }
        /* a task that cannot find its data fails on the cluster, every one
         * of them: say so here, before anything is submitted */
        if (data_files_present(scenario_str(p, "dataset.name"), scenario_str(p, "dataset.data_dir"),
                               scenario_str(p, "dataset.path"), scenario_str(p, "dataset.test_path"))) {
            fprintf(stderr, "f3sim sweep: point %zu: %s; its task would fail (fetch the data, e.g. scripts/setup.sh, "
                            "or set dataset.data_dir)\n", i, f3_last_error());
            scenario_free(p);
            free(sig);
            return EXIT_USAGE;
        }
        if (i == 0 && !a->quiet && scenario_get(p, "outputs.checkpoint_every")->num == 0) {
            if (!strcmp(a->emit, "slurm") && scenario_str(sc, "outputs.slurm.time")[0])
                fprintf(stderr, "f3sim sweep: note: outputs.slurm.time is set and outputs.checkpoint_every is 0: the "
                                "tasks run with --set outputs.checkpoint_every=1, so that a task killed at its time "
                                "limit and submitted again resumes from its last epoch\n");
            else
                fprintf(stderr, "f3sim sweep: note: outputs.checkpoint_every is 0: a task killed at its time limit "
                                "starts its point again from epoch 1 (set it to resume from the last checkpoint)\n");
        }
        scenario_free(p);
    }
    /* the points ordered by (signature, index): a group is a run of equal
     * signatures, its first point the lowest index; then the groups in
     * the order of their first points */
    for (size_t i = 0; i < n; i++) points[i] = i;
    emit_sig = sig;
    qsort(points, n, sizeof *points, by_signature);
    for (size_t i = 0; i < n; i++) {
        if (i && !strcmp(sig[points[i]], sig[points[i - 1]])) {
            tasks[*n_tasks - 1].n++;
            continue;
        }
        tasks[(*n_tasks)++] = (emit_task){&points[i], 1};
    }
    qsort(tasks, *n_tasks, sizeof *tasks, by_first_point);
    free(sig);
    return 0;
}

int scenario_emit(const sc_args *a)
{
    scenario *sc = sc_load("sweep", a);
    if (!sc) return EXIT_USAGE;
    size_t n = scenario_sweep_points(sc), *points = NULL;
    emit_task *tasks = NULL;
    char base[1200], abs[4096], cwd[4096], exe[4096];
    sc_base_dir(sc, base, sizeof base);
    int rc = EXIT_RUNTIME;
    if (!realpath(a->file, abs)) {
        fprintf(stderr, "f3sim sweep: %s: %s\n", a->file, strerror(errno));
        goto out;
    }
    if (!getcwd(cwd, sizeof cwd)) {
        fprintf(stderr, "f3sim sweep: cannot tell the working directory: %s\n", strerror(errno));
        goto out;
    }
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len <= 0) snprintf(exe, sizeof exe, "f3sim");
    else exe[len] = '\0';
    if (one_line_paths(a, cwd, abs, exe, base)) {
        rc = EXIT_USAGE;
        goto out;
    }
    int slurm = !strcmp(a->emit, "slurm");
    /* the tasks: one per numerics point (group_points) */
    points = malloc((n ? n : 1) * sizeof *points);
    tasks = malloc((n ? n : 1) * sizeof *tasks);
    size_t n_tasks = 0;
    if (!points || !tasks) {
        fprintf(stderr, "f3sim sweep: out of memory\n");
        goto out;
    }
    /* every point checked (its data there) before anything is made: a
     * refused sweep leaves no folder behind */
    if ((rc = group_points(sc, a, n, points, tasks, &n_tasks))) goto out;
    rc = EXIT_RUNTIME;
    if (make_dirs(base)) {
        fprintf(stderr, "f3sim sweep: %s\n", f3_last_error());
        goto out;
    }
    char abs_base[4096], logs[4200];
    if (!realpath(base, abs_base)) {
        fprintf(stderr, "f3sim sweep: %s: %s\n", base, strerror(errno));
        goto out;
    }
    snprintf(logs, sizeof logs, "%s/logs", abs_base);
    if (slurm && make_dirs(logs)) { /* sbatch does not create the folder of a job's log */
        fprintf(stderr, "f3sim sweep: %s\n", f3_last_error());
        goto out;
    }
    const double threads = scenario_num(sc, "training.threads");
    /* a time limit set: every task checkpoints each epoch (unless the
     * scenario says how often), so that a task killed at the limit resumes */
    const char *sets[MAX_SETS + 1];
    size_t n_sets = 0;
    for (size_t i = 0; i < a->n_sets && n_sets < MAX_SETS; i++) sets[n_sets++] = a->sets[i];
    if (slurm && scenario_str(sc, "outputs.slurm.time")[0] && scenario_num(sc, "outputs.checkpoint_every") == 0)
        sets[n_sets++] = "outputs.checkpoint_every=1";
    emit_job job = {sc->name, exe, abs, cwd, abs_base, sets, n_sets, tasks, n_tasks,
                    threads > 0 ? (int)threads : 2, scenario_str(sc, "outputs.slurm.time"),
                    scenario_str(sc, "outputs.slurm.mem"), scenario_str(sc, "outputs.slurm.partition"),
                    scenario_str(sc, "outputs.slurm.account"), scenario_str(sc, "outputs.slurm.setup"),
                    (long)scenario_num(sc, "outputs.slurm.max_array_size"), NULL};
    char init_abs[4096];
    if (a->init_from) {
        if (!realpath(a->init_from, init_abs)) {
            fprintf(stderr, "f3sim sweep: --init-from %s: %s\n", a->init_from, strerror(errno));
            goto out;
        }
        job.init_from = init_abs;
    }
    atomic_file af;
    if (atomic_open(&af, base, slurm ? "sweep.slurm" : "sweep.parallel")) {
        fprintf(stderr, "f3sim sweep: %s\n", f3_last_error());
        goto out;
    }
    if (slurm) emit_slurm(&job, af.f);
    else emit_parallel(&job, af.f);
    if (atomic_commit(&af)) {
        fprintf(stderr, "f3sim sweep: %s\n", f3_last_error());
        goto out;
    }
    rc = 0;
    if (!a->quiet)
        fprintf(stderr, "f3sim sweep: %zu points in %zu task%s (one per numerics point) → %s/%s%s\n", n, n_tasks,
                n_tasks == 1 ? "" : "s", base, slurm ? "sweep.slurm" : "sweep.parallel",
                slurm ? "  (submit: bash that file)" : "  (run: parallel --jobs N < that file, then --collect)");
out:
    free(points);
    free(tasks);
    scenario_free(sc);
    return rc;
}

