/* explore.h — what the parts of f3sim explore share (not a public
 * interface): the explore section read (explore_spec.c: its axes, the
 * design of its hardware points), the numerics points and their
 * evaluation in parallel (explore_eval.c), and the command (cmd_explore.c). */
#ifndef F3SIM_EXPLORE_H
#define F3SIM_EXPLORE_H

#include <stddef.h>
#include <stdint.h>

#include "analytic.h"
#include "f3/blocks.h"
#include "scenario.h"
#include "train_run.h"

#define MAX_AXES 32
#define MAX_VALUES 1024
#define MAX_POINTS 5000000.0 /* hardware points x numerics points (memory for the fronts) */
#define MAX_THREADS 256
#define CHUNK_MAX 4096        /* evaluations per thread and round */

enum { OBJ_ACC = 0, OBJ_ENERGY, OBJ_SPS, OBJ_AREA, OBJ_COUNT };
enum { SNAP_NONE = 0, SNAP_POW2, SNAP_MULTIPLE };
extern const char *const OBJ_NAMES[OBJ_COUNT], *const OBJ_UNITS[OBJ_COUNT];
extern const int OBJ_MAX[OBJ_COUNT]; /* maximised? */

typedef struct {
    char path[128];
    int idx;             /* in the schema */
    int sect[SC_MAX_DEPTH]; /* the sections holding it (schema indices), made present when it is set */
    size_t n_sect;
    const sc_entry *e;
    int is_range, log2, zip;
    double from, to, step; /* range; step 0: continuous (random) or powers/unit steps (grid) */
    /* a range's values snapped to what can be built: SNAP_POW2 (powers of
     * two), SNAP_MULTIPLE (whole multiples of snap_to), SNAP_NONE */
    int snap;
    double snap_to;
    size_t n;              /* list values (a grid of a range: its values) */
    double *num;           /* (n) numbers */
    char (*text)[64];      /* (n) the values as text */
} axis;

typedef struct {
    const char *file;
    axis ax[MAX_AXES];
    size_t n_ax;
    int method; /* 0 grid, 1 random, 2 lhs */
    size_t samples;
    uint64_t seed;
    double area_max, energy_max, sps_min, dram_max; /* NAN: none */
    int fits_sram;
    int obj[OBJ_COUNT];
    size_t n_obj;
    double macro_kib; /* the scenario's hardware.tile.sram.macro_kib (0: auto) */
} spec;

/* Dimensions: every axis not zipped, then the zipped group (one). */
typedef struct {
    size_t n_dim, dim_axis[MAX_AXES]; /* the axis of a dimension (the zip group: its first axis) */
    size_t n_points;
    double *u;                        /* (points, dims): grid: the index; random/lhs: in [0, 1) */
} design;

typedef struct {
    const char *rule;
    size_t sweep_point;       /* numerics: the scenario's sweep point */
    train_result res;
    chip_workload w;          /* its ledger's closed forms, made once */
    scenario *q;              /* the point's scenario, hardware keys poked in */
    f3_block *blocks;         /* a network of blocks: its blocks, attached to every chip (NULL: an MLP) */
} numerics_point;

typedef struct {
    int ran, feasible, fits;
    double obj[OBJ_COUNT];
    double dram_per_sample, peak_sram, resident;
    char status[160];
    chip_result r;
} outcome;

/* x snapped to what can be built, by axis a's snap (within its range). */
double snap_value(const axis *a, double x);
/* The scenario's explore section into sp (its file read again for the
 * marks): 0, or EXIT_USAGE said as file:line:col on stderr. */
int read_spec(const scenario *sc, spec *sp);
/* The hardware points of sp (grid, random or Latin hypercube): 0 or the exit status. */
int make_design(const spec *sp, design *d);
/* All that explore checks before it runs anything: the explore section,
 * a hardware section, hardware.mapping.auto none, the spec (sp), its
 * design (d; free d->u) and the number of evaluations.  0, or the exit
 * status with its message on stderr as "f3sim CMD: file:line:col: ...". */
int explore_validate(const scenario *sc, const char *cmd, spec *sp, design *d);
/* f3sim check/show: explore_validate of sc's explore section (none: 0),
 * nothing kept.  0 or the exit status (EXIT_USAGE: the section is invalid). */
int explore_section_check(const scenario *sc, const char *cmd);
/* Axis a's value at u (the design's coordinate): its number, and its text (in buf when made). */
void value_at(const spec *sp, const axis *a, double u, double *num, const char **text, char *buf, size_t len);
/* Axis a set to num (text) in q, its sections made present. */
void poke(scenario *q, const axis *a, double num, const char *text);

/* Seconds on the monotonic clock. */
double explore_now_s(void);
/* Every hardware point of d against each of the n_np numerics points on
 * the threads; explore.csv, pareto.csv and the summary.  0, or an exit status. */
int explore_points(const scenario *sc, const spec *sp, const design *d, numerics_point *nps, size_t n_np,
                   char (*algs)[32], size_t na, const char *base, double t_train, int threads, int quiet);

#endif
