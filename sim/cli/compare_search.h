/* compare_search.h — what the parts of f3sim compare share (not a public
 * interface): the budgets and objectives (cmd_compare.c), the search space
 * and the search (compare_search.c), the winners described, the files and
 * the table (compare_table.c). */
#ifndef F3SIM_COMPARE_SEARCH_H
#define F3SIM_COMPARE_SEARCH_H

#include <stddef.h>
#include <stdint.h>

#include "analytic.h"
#include "chip.h"
#include "f3/dataset.h"
#include "f3/status.h"
#include "scenario.h"

/* ---- budgets and objectives ------------------------------------------------------------ */

enum { BK_AREA = 0, BK_POWER, BK_LANES, BK_COUNT };
extern const char *const BK_NAMES[BK_COUNT], *const BK_KEYS[BK_COUNT], *const BK_UNITS[BK_COUNT];

#define MAX_BUDGETS 64

typedef struct {
    int kind;
    double value;
    const char *key; /* the scenario key it came from, or NULL (--budget) */
} budget;

enum { OB_ENERGY = 0, OB_SPS, OB_COUNT };
extern const char *const OB_NAMES[OB_COUNT];

/* ---- the search space (compare_search.c) ----------------------------------------------------- */

/* The sizes searched at every mapping and dataflow: one row per dimension
 * (DIMS, in compare_search.c). */
enum { D_LANES = 0, D_SRAM, D_REGS, D_COUNT };
typedef struct {
    const char *name, *doc;
    size_t n;
    double v[16];
} dim;
extern const dim DIMS[D_COUNT];

/* A mapping searched: contiguous groups of layers (n_split 0: tile t holds
 * layers first[t] … first[t+1] − 1), or split layers (hardware.mapping.split:
 * layer i over split[i] tiles of its own, T = Σ split). */
typedef struct {
    size_t T;
    size_t first[CHIP_MAX_TILES + 1];
    size_t n_split;
    unsigned char split[CHIP_MAX_TILES];
} mapping;

/* The kinds of mapping (--mappings): bit 0 contiguous, bit 1 split. */
enum { MK_CONTIGUOUS = 0, MK_SPLIT, MK_COUNT };
extern const char *const MK_NAMES[MK_COUNT];
static inline int mapping_kind(const mapping *m) { return m->n_split ? MK_SPLIT : MK_CONTIGUOUS; }

/* Why a network of blocks is searched over contiguous mappings only. */
extern const char BLOCKS_NOT_SPLIT[];

/* Tiles each hidden layer is split over, and the most split mappings
 * searched: each hidden layer over each k, and the largest over each k. */
#define N_SPLIT_WAYS 2
extern const size_t SPLIT_WAYS[N_SPLIT_WAYS];

/* A point searched (its figures; the chip is rebuilt from the indices). */
typedef struct {
    uint32_t map;          /* index into the mappings */
    uint8_t df;            /* chip_dataflow */
    uint16_t k[D_COUNT];   /* index into the grid's lane and SRAM vectors, and into DIMS' register sizes */
    uint8_t own;           /* the scenario's own chip (map, df, k unused) */
    uint8_t es_alt;        /* F3: the error store placed as in rule_ctx.alt */
    uint8_t weights_on_chip, no_spill;
    double energy_nj, sps, area, power_mw, lanes;
} point;

typedef struct {
    char name[32];
    f3_config cfg;
    chip_workload w;
    chip_config base;              /* the scenario's chip with the links this rule needs, error store resolved */
    chip_config alt;               /* F3: the same with its error store in the other place (on chip, DRAM) */
    int has_alt;
    int add_backward, add_broadcast; /* links added for this rule */
    point *pts;
    size_t n, cap;
    size_t tried, cannot;
    size_t tried_kind[MK_COUNT], run_kind[MK_COUNT]; /* points per kind of mapping: searched, run */
    char cannot_why[1024];
} rule_ctx;

typedef struct {
    const scenario *sc;
    double macro_bytes;
    int sram_fixed[4];
    double sram_value[4];
    mapping *maps;
    size_t n_maps, n_kind[MK_COUNT]; /* mappings: all, and of each kind */
    int kinds;                       /* the kinds searched: bit MK_* (--mappings) */
    size_t n_blocks;                 /* a network of blocks: their number (contiguous mappings only); 0: an MLP */
    rule_ctx *rules;                 /* the rules compared, whose work and needs size the chips of every rule */
    size_t n_rules;
} search;

/* Per mapping and dataflow: each tile's SRAM need, weight bytes, MACs per
 * sample, its widest row (W and accumulator) and the least its registers
 * may hold (a network of blocks: an attention head's q, k and scores). */
typedef struct {
    double need[CHIP_MAX_TILES], weights[CHIP_MAX_TILES], macs[CHIP_MAX_TILES], row[CHIP_MAX_TILES];
    double reg_min[CHIP_MAX_TILES];
} tile_needs;

/* The sizes searched at one mapping and dataflow, the same for every rule
 * compared (search.rules): each tile's lanes (a lane total of DIMS shared in
 * proportion to the tile's work under a rule) and its SRAM (a fraction of
 * DIMS of the tile's need under a rule, in whole macros), the union over
 * the rules that run the dataflow, a vector that two rules or two values
 * give taken once.  A rule searched over sizes of its own work and need
 * alone would not be offered the chips another rule is: where every chip
 * spills, its best chip may be one sized for another rule's need (the ViT
 * at 17 mm², docs/hardware-model.md).  Registers hold rows of each tile's
 * widest W, which the number formats set, not the rule (the largest over
 * the rules all the same). */
#define NO_K 0xff /* grid.from: the rule does not give this vector */
typedef struct {
    size_t T, n_rules, cap;    /* tiles; rules; vectors each axis has room for */
    size_t n[2];               /* vectors of D_LANES and D_SRAM */
    double *v[2];              /* vector j of axis a: v[a][j·CHIP_MAX_TILES + t], lanes or SRAM bytes of tile t */
    uint8_t *from[2];          /* from[a][j·n_rules + s]: the DIMS index at which rule s gives vector j, or NO_K */
    int *runs;                 /* runs[s]: rule s runs this mapping and dataflow (its needs are known) */
    tile_needs *tn;            /* each rule's needs */
    double row[CHIP_MAX_TILES], reg_min[CHIP_MAX_TILES];
} grid;

/* The search's settings from the scenario: the macro, the SRAM figures it fixes. */
void search_setup(const scenario *sc, double macro_kib, search *S);
/* The mappings of a network cfg: the contiguous ones, then the split ones
 * (none for a network of blocks: BLOCKS_NOT_SPLIT).  F3_ENOMEM on failure. */
f3_status search_mappings(search *S, const f3_config *cfg);
/* A rule's context: its configuration (widths from the training set), its
 * workload, and its base chip (the scenario's, with the links it sends on,
 * its error store resolved; F3 also the same with the store placed
 * otherwise).  F3_EINVAL with a message if it cannot run here. */
f3_status rule_setup(const scenario *sc, const char *alg, const f3_dataset *train, const chip_config *scen_hw,
                     rule_ctx *r);
/* Every point of the search for rule r (one of S's rules).  0; -1 when out of memory. */
int search_rule(const search *S, rule_ctx *r);

/* Room for the grid of S's rules (F3_ENOMEM on failure); the grid of
 * mapping m and dataflow variant; freed. */
f3_status grid_alloc(const search *S, grid *g);
void grid_build(const search *S, const mapping *m, size_t variant, grid *g);
void grid_free(grid *g);
/* The chip of a searched point: the rule's base chip with mapping m,
 * dataflow variant and the sizes k (indices into grid g's lane and SRAM
 * vectors and into DIMS' register sizes). */
void point_config(const search *S, const rule_ctx *r, const mapping *m, size_t variant, int es_alt, const grid *g,
                  const uint16_t *k, chip_config *hw);
/* A point's figures from its result. */
void figures(const chip_config *hw, const chip_result *res, point *p);

/* ---- the winners, the files, the table (compare_table.c) ------------------------------------ */

/* A winner described: its chip rebuilt, evaluated again, and the
 * mechanisms read from the result and the cost tables. */
typedef struct {
    char mapping[1024], split[1024], lanes[1024], sram_kib[1024], banks[1024], regs_kib[1024];
    char lanes_from[64], sram_from[64]; /* the rule and lane total (SRAM fraction) that size the chip; "" for the scenario's */
    char set_keys[4096];
    const char *dataflow;
    size_t micro_batch;            /* weight_stationary: samples per micro-batch; 0: the batch */
    const char *es_placement;      /* F3's error store: on_chip, dram; "" for the other rules */
    int own;
    double energy_nj, sps, cycles_per_sample, area, power_mw, lanes_total;
    double stall_pct, stash_bytes, bwd_bytes_ps, es_bytes_ps, w_passes_ps, dram_bytes_ps;
    size_t within;
} detail;

/* A winner described: its chip rebuilt and evaluated again; 0, or -1 with f3_last_error(). */
int describe(const search *S, const rule_ctx *r, const point *p, detail *d);

/* One f3sim compare from stage to stage (cmd_compare.c). */
typedef struct {
    const char *file;          /* the scenario file */
    scenario *sc;
    int quiet;
    budget *budgets;
    size_t nb;
    rule_ctx *rules;
    size_t nr, K;              /* rules; the network's layers */
    search S;
    f3_dataset *train, *test;
    size_t evaluated;          /* points searched */
    double t_search;           /* seconds */
    size_t *best, *within;     /* [(b·nr + a)·OB_COUNT + ob]: the best point; [b·nr + a]: points within budget b */
    detail *dets;              /* the best points described, as best */
    double *ratio;             /* [b·OB_COUNT + ob]: F3's figure over BP's, NaN without both */
    long i_f3, i_bp;           /* their rules, or -1 */
    char base[1200];           /* <outputs.folder>/<name> */
} compare_run;

/* <base>/compare_budget.csv and .json (each complete or not at all): 0,
 * or EXIT_RUNTIME with the message on stderr. */
int compare_write_files(compare_run *c);
/* The verdict table on stdout. */
void compare_print(const compare_run *c);

#endif
