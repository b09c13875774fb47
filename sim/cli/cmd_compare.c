/* cmd_compare.c — f3sim compare SCENARIO.yaml --budget KIND=V[,V…] (see
 * COMPARE_HELP and docs/hardware-model.md, "Comparison at an equal
 * budget").
 *
 * For each learning rule of the scenario, a search over mappings ×
 * dataflows × sizes on the analytic evaluator (sim/chip/analytic.h: equal
 * to the SystemC chip in every figure, no training: time, traffic and
 * energy do not depend on the values trained), then per budget the best
 * point of each rule per objective (energy per sample, samples per
 * second), with the mechanisms behind it.  Writes
 * <outputs.folder>/<name>/compare_budget.csv and .json (atomically) and
 * prints the verdict table. */
#define _XOPEN_SOURCE 700
#include "cmd_compare.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analytic.h"
#include "block_cost.h"
#include "cli_util.h"
#include "cmd_formulas.h"
#include "cmd_scenario.h"
#include "csv_text.h"
#include "cost_tables.h"
#include "f3/blocks.h"
#include "f3/dataset.h"
#include "f3/status.h"
#include "hardware_check.h"
#include "json.h"
#include "results.h"
#include "scenario.h"
#include "tile_cost.h"
#include "train_run.h"

const char *const COMPARE_HELP =
    "usage: f3sim compare SCENARIO.yaml --budget KIND=V[,V...] [--budget ...] [--macro-kib N]\n"
    "                     [--mappings all|contiguous|split] [--set key.path=value ...] [--quiet]\n"
    "\n"
    "Compare the learning rules of training.compare at an equal silicon budget:\n"
    "each rule gets its own best chip within the budget, searched over every\n"
    "contiguous mapping of the layers onto tiles and split mappings (a hidden layer,\n"
    "or the largest ones, over 2 or 4 tiles by output rows), every dataflow the rule can run,\n"
    "the chip's total MAC lanes (powers of two, shared by the tiles in proportion to\n"
    "their work: the lane cycles of every step, backprop included), each tile's SRAM (its need at the scenario's batch and\n"
    "fractions of it down to 1/16, in whole macros) and registers (1, 4 or 16 rows\n"
    "of W, or one per lane; docs/hardware-model.md, \"Comparison at an equal\n"
    "budget\").  Lanes and SRAM follow the work and need of every rule compared, so\n"
    "every rule is offered the same chips.  Every point is evaluated by the analytic\n"
    "chip evaluator, which equals the SystemC model in every figure; nothing is\n"
    "trained, because time, traffic and energy do not depend on the values (every\n"
    "chip trains the same numbers).  The data set is read only for its number of\n"
    "training samples.  The scenario's own chip is a candidate too.\n"
    "\n"
    "A network of blocks (network.type vit or blocks) is searched the same way over\n"
    "its contiguous mappings (consecutive blocks per tile), each block costed by its\n"
    "op table; split mappings are left out, because a block is not split over\n"
    "tiles (its layer norms and attention heads would be cut), and points a block\n"
    "cannot run (fused on any block but one linear op on one token) are counted as\n"
    "points the chip cannot run.\n"
    "\n"
    "Budgets: area_mm2 (the chip's area, tiles and an on-chip error store),\n"
    "power_mw (the run's energy, leakage and DRAM included, over its time), lanes\n"
    "(MAC lanes summed over the tiles).  Per budget, per rule and per objective\n"
    "(energy per sample, samples per second) it prints and writes the best point:\n"
    "its mapping, per-tile lanes and SRAM, dataflow, energy per sample, samples/s,\n"
    "area, power, and the mechanisms behind it (stall share, stash bytes, backward-\n"
    "link and error-store bytes per sample, passes over W per sample), and the\n"
    "F3/BP ratios.  Files: <outputs.folder>/<name>/compare_budget.csv and .json\n"
    "(each written completely or not at all); f3sim report draws them.\n"
    "\n"
    "options:\n"
    "  --budget KIND=V[,V...]  area_mm2, power_mw or lanes, one verdict per value,\n"
    "                        e.g. area_mm2=20,60,200; repeatable; replaces the\n"
    "                        scenario's comparison.budget (which is used without it)\n"
    "  --macro-kib N         SRAM macro size in KiB: every tile's SRAM is a whole\n"
    "                        number of macros (comparison.macro_kib; 64)\n"
    "  --mappings KIND       all (the default), contiguous (groups of consecutive layers\n"
    "                        per tile) or split (hardware.mapping.split) mappings only;\n"
    "                        the scenario's own chip counts as the kind of its mapping;\n"
    "                        split is refused for a network of blocks\n"
    "  --set key.path=value  override a scenario key\n"
    "  --quiet               no timing line on stderr\n"
    "  --help                this page\n"
    "\n"
    "example: f3sim compare scenarios/default.yaml --budget area_mm2=20,60,200\n"
    "example: f3sim compare scenarios/paper/vit-mnist-budget.yaml\n"
    "\n"
    "exit status: 0 done; 2 invalid scenario or --budget, or a budget within which\n"
    "some rule has no chip (file:line:col when the budget came from the scenario;\n"
    "nothing is written); 1 runtime failure (the data set cannot be read, a file\n"
    "cannot be written)\n";

/* ---- budgets and objectives ------------------------------------------------------------ */

enum { BK_AREA = 0, BK_POWER, BK_LANES, BK_COUNT };
static const char *const BK_NAMES[BK_COUNT] = {"area_mm2", "power_mw", "lanes"};
static const char *const BK_KEYS[BK_COUNT] = {"comparison.budget.area_mm2", "comparison.budget.power_mw",
                                              "comparison.budget.lanes"};
static const char *const BK_UNITS[BK_COUNT] = {"mm²", "mW", "lanes"};

#define MAX_BUDGETS 64

typedef struct {
    int kind;
    double value;
    const char *key; /* the scenario key it came from, or NULL (--budget) */
} budget;

enum { OB_ENERGY = 0, OB_SPS, OB_COUNT };
static const char *const OB_NAMES[OB_COUNT] = {"energy_per_sample", "samples_per_second"};

/* "area_mm2=20,60,200" appended to b[*n]; 0, or EXIT_USAGE with a message. */
static int parse_budget(const char *arg, budget *b, size_t *n)
{
    const char *eq = strchr(arg, '=');
    if (!eq || eq == arg || !eq[1])
        return fprintf(stderr, "f3sim compare: --budget '%s': expected KIND=VALUE[,VALUE...] with KIND area_mm2, power_mw "
                               "or lanes (e.g. --budget area_mm2=20,60,200)\n",
                       arg),
               EXIT_USAGE;
    int kind = -1;
    for (int k = 0; k < BK_COUNT; k++)
        if ((size_t)(eq - arg) == strlen(BK_NAMES[k]) && !strncmp(arg, BK_NAMES[k], (size_t)(eq - arg))) kind = k;
    if (kind < 0) {
        char word[64];
        snprintf(word, sizeof word, "%.*s", (int)(eq - arg < 63 ? eq - arg : 63), arg);
        const char *near = cli_nearest(word, BK_NAMES, BK_COUNT);
        for (int k = 0; k < BK_COUNT && !near && word[0]; k++)
            if (!strncmp(BK_NAMES[k], word, strlen(word))) near = BK_NAMES[k]; /* area, power */
        fprintf(stderr, "f3sim compare: --budget '%s': unknown budget '%s'", arg, word);
        if (near) fprintf(stderr, "; did you mean '%s'?", near);
        fputs(" (area_mm2, power_mw or lanes)\n", stderr);
        return EXIT_USAGE;
    }
    const char *p = eq + 1;
    for (;;) {
        char *end;
        errno = 0;
        double v = strtod(p, &end);
        if (end == p || errno || !isfinite(v) || (*end && *end != ','))
            return fprintf(stderr, "f3sim compare: --budget '%s': expected a number at '%s'\n", arg, p), EXIT_USAGE;
        if (!(v > 0))
            return fprintf(stderr, "f3sim compare: --budget '%s': a budget must be positive, got %.15g\n", arg, v),
                   EXIT_USAGE;
        if (kind == BK_LANES && v != floor(v))
            return fprintf(stderr, "f3sim compare: --budget '%s': lanes are a whole number, got %.15g\n", arg, v),
                   EXIT_USAGE;
        if (*n >= MAX_BUDGETS) return fprintf(stderr, "f3sim compare: at most %d budgets\n", MAX_BUDGETS), EXIT_USAGE;
        b[*n].kind = kind;
        b[*n].value = v;
        b[*n].key = NULL;
        (*n)++;
        if (!*end) break;
        p = end + 1;
    }
    return 0;
}

/* ---- the search space ------------------------------------------------------------------- */

/* The sizes searched at every mapping and dataflow: one row per dimension.
 * Lane totals and SRAM fractions become each tile's lanes and SRAM through
 * a rule's work and need, for every rule compared (the grid below); a point
 * takes one lane vector, one SRAM vector and one register size. */
enum { D_LANES = 0, D_SRAM, D_REGS, D_COUNT };
typedef struct {
    const char *name, *doc;
    size_t n;
    double v[16];
} dim;
static const dim DIMS[D_COUNT] = {
    [D_LANES] = {"total_lanes",
                 "MAC lanes of the chip, shared by its tiles in proportion to their work per batch under each rule", 14,
                 {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192}},
    [D_SRAM] = {"sram_fraction", "each tile's SRAM as a share of its need under each rule, in whole macros", 7,
                {1, 0.75, 0.5, 0.375, 0.25, 0.125, 0.0625}},
    [D_REGS] = {"register_rows", "rows of W (with their accumulator rows) each tile's registers hold; 0: one per lane",
                4, {0, 1, 4, 16}},
};

/* The sizes searched on split mappings, a coarser grid (the values of each
 * DIMS row marked 1: 6 of the 28 SRAM and register sizes), so that the
 * split mappings, which have more tiles, add at most about a third to the
 * search's time: every lane total; SRAM ×1, ½ and ⅛ of the need;
 * registers one row per lane (a full block) or one row (the least). */
static const uint8_t SPLIT_GRID[D_COUNT][16] = {
    [D_LANES] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1},
    [D_SRAM] = {1, 0, 1, 0, 0, 1, 0},
    [D_REGS] = {1, 1, 0, 0},
};

/* The dataflows searched, weight_stationary also in micro-batches (GPipe;
 * only those that split the scenario's batch: a micro-batch as large as the
 * batch is the batch). */
static const struct {
    chip_dataflow df;
    size_t micro_batch;
} VARIANTS[] = {{CHIP_DF_OUTPUT_STATIONARY, 0}, {CHIP_DF_WEIGHT_STATIONARY, 0}, {CHIP_DF_WEIGHT_STATIONARY, 1},
                {CHIP_DF_WEIGHT_STATIONARY, 5}, {CHIP_DF_WEIGHT_STATIONARY, 10}, {CHIP_DF_FUSED, 0}};
#define N_VARIANTS (sizeof VARIANTS / sizeof *VARIANTS)

#define MAX_MAPPINGS 256  /* every mapping up to 9 layers; a deterministic sample beyond */
#define HUGE_BYTES 1e15   /* an SRAM (and registers) nothing spills from: to size a tile's need */

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
static const char *const MK_NAMES[MK_COUNT] = {"contiguous", "split"};
static int mapping_kind(const mapping *m) { return m->n_split ? MK_SPLIT : MK_CONTIGUOUS; }

/* Why a network of blocks is searched over contiguous mappings only. */
static const char BLOCKS_NOT_SPLIT[] =
    "a block is not split over tiles (hardware.mapping.split is refused for blocks): the op table costs a whole "
    "block on one tile, and a split would have to divide every op — a layer norm's statistics and a residual take "
    "every value of a token, an attention head the q, k and v of every token — a partition that is not modelled";

/* Tiles each hidden layer is split over, and the most split mappings
 * searched: each hidden layer over each k, and the largest over each k. */
static const size_t SPLIT_WAYS[] = {2, 4};
#define N_SPLIT_WAYS (sizeof SPLIT_WAYS / sizeof *SPLIT_WAYS)
#define MAX_SPLIT_MAPPINGS ((CHIP_MAX_TILES + 1) * N_SPLIT_WAYS)

static uint64_t sm64(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static int same_mapping(const mapping *a, const mapping *b)
{
    if (a->T != b->T || a->n_split != b->n_split) return 0;
    for (size_t i = 0; i < a->n_split; i++)
        if (a->split[i] != b->split[i]) return 0;
    for (size_t t = 0; t <= a->T && !a->n_split; t++)
        if (a->first[t] != b->first[t]) return 0;
    return 1;
}

/* The mapping whose tile boundaries follow layer i where cut(i) is set. */
static void mapping_of_cuts(size_t K, const unsigned char *cut, mapping *m)
{
    m->T = 0;
    m->n_split = 0;
    m->first[0] = 0;
    for (size_t i = 0; i + 1 < K; i++)
        if (cut[i]) m->first[++m->T] = i + 1;
    m->first[++m->T] = K;
}

/* Every contiguous mapping of K layers (2^(K-1)) when there are at most
 * MAX_MAPPINGS, else one tile, one tile per layer (when the chip may have
 * that many tiles) and random cuts (splitmix64, seed 1) up to MAX_MAPPINGS
 * distinct mappings of at most CHIP_MAX_TILES tiles.  Returns the count. */
static size_t make_mappings(size_t K, mapping *m)
{
    unsigned char cut[F3_MAX_LAYERS];
    size_t n = 0;
    if (K - 1 < 63 && ((uint64_t)1 << (K - 1)) <= MAX_MAPPINGS) {
        for (uint64_t mask = 0; mask < ((uint64_t)1 << (K - 1)); mask++) {
            for (size_t i = 0; i + 1 < K; i++) cut[i] = (unsigned char)((mask >> i) & 1);
            mapping_of_cuts(K, cut, &m[n++]);
        }
        return n;
    }
    memset(cut, 0, sizeof cut);
    mapping_of_cuts(K, cut, &m[n++]);
    if (K <= CHIP_MAX_TILES) {
        memset(cut, 1, sizeof cut);
        mapping_of_cuts(K, cut, &m[n++]);
    }
    uint64_t s = 1;
    for (size_t tries = 0; n < MAX_MAPPINGS && tries < 100000; tries++) {
        const double p = (double)(sm64(&s) >> 11) * 0x1p-53; /* this mapping's share of cuts */
        for (size_t i = 0; i + 1 < K; i++) cut[i] = (double)(sm64(&s) >> 11) * 0x1p-53 < p;
        mapping c;
        mapping_of_cuts(K, cut, &c);
        if (c.T > CHIP_MAX_TILES) continue;
        int dup = 0;
        for (size_t j = 0; j < n && !dup; j++) dup = same_mapping(&m[j], &c);
        if (!dup) m[n++] = c;
    }
    return n;
}

/* The split mappings (hardware.mapping.split; every layer not split on a
 * tile of its own, the output layer never split): for each hidden layer i
 * and each k of SPLIT_WAYS, layer i over k tiles; and for each k, every
 * hidden layer with the most weights (n_in·n_out) over k at once, when
 * several share that size (one alone is already the first kind).  A
 * layer is split over no more tiles than it has rows, and a chip has at
 * most CHIP_MAX_TILES tiles.  Appended to m[n…]; returns the new count. */
static size_t add_split_mappings(const f3_config *cfg, mapping *m, size_t n)
{
    const size_t K = cfg->n_layers;
    if (K < 2 || K > CHIP_MAX_TILES) return n;
    double most = 0;
    for (size_t i = 0; i + 1 < K; i++) most = fmax(most, (double)cfg->widths[i] * (double)cfg->widths[i + 1]);
    for (size_t which = 0; which < K; which++) /* hidden layer `which`; K − 1: the largest ones */
        for (size_t w = 0; w < N_SPLIT_WAYS; w++) {
            const size_t k = SPLIT_WAYS[w];
            mapping c;
            memset(&c, 0, sizeof c);
            c.n_split = K;
            size_t T = 0, parts = 0;
            int ok = 1;
            for (size_t i = 0; i < K; i++) {
                const int split = i + 1 < K && (which + 1 < K ? i == which
                                                              : (double)cfg->widths[i] * (double)cfg->widths[i + 1] == most);
                c.split[i] = 1;
                if (split) {
                    if (k > cfg->widths[i + 1]) ok = 0;
                    c.split[i] = (unsigned char)k;
                    parts++;
                }
                T += c.split[i];
            }
            if (!ok || !parts || T > CHIP_MAX_TILES) continue;
            c.T = T;
            for (size_t t = 0; t <= T; t++) c.first[t] = t; /* unused with a split */
            int dup = 0;
            for (size_t j = 0; j < n && !dup; j++) dup = same_mapping(&m[j], &c);
            if (!dup) m[n++] = c;
        }
    return n;
}

/* The mapping m on chip hw. */
static void apply_mapping(chip_config *hw, const mapping *m)
{
    hw->n_tiles = m->T;
    hw->n_split = m->n_split;
    for (size_t i = 0; i < m->n_split; i++) hw->split[i] = m->split[i];
    memcpy(hw->tile_first, m->first, (m->T + 1) * sizeof m->first[0]);
}

/* ---- one rule ------------------------------------------------------------------------------ */

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

/* What the scenario fixes of the SRAM's figures (else they follow each
 * tile's capacity, as chip_mapping_from_scenario does). */
static const char *const SRAM_FIGURE_KEYS[4] = {"hardware.tile.sram.read_pj_per_byte", "hardware.tile.sram.write_pj_per_byte",
                                                "hardware.tile.sram.leakage_uw_per_kib",
                                                "hardware.tile.sram.area_mm2_per_kib"};

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

static f3_status needs_of(const search *S, const rule_ctx *r, const mapping *m, size_t variant, tile_needs *tn)
{
    static chip_config hw;
    hw = r->base;
    hw.dataflow = VARIANTS[variant].df;
    hw.micro_batch = VARIANTS[variant].micro_batch;
    apply_mapping(&hw, m);
    const f3_config *cfg = &r->cfg;
    const double WB = chip_value_bytes(cfg, F3_T_WEIGHTS), GB = chip_accumulator_bytes(cfg);
    for (size_t t = 0; t < m->T; t++) {
        chip_tile_hw *h = &hw.tiles[t];
        h->mac_lanes = 16;
        h->reg_capacity_bytes = HUGE_BYTES;
        h->sram_capacity_bytes = HUGE_BYTES;
        h->sram_banks = 4;
        h->sram_read_pj = h->sram_write_pj = 1;
        h->sram_leakage_uw_per_kib = h->sram_area_mm2_per_kib = 0;
        h->reg_pj_per_byte = 1;
        h->reg_leakage_uw_per_kib = h->reg_area_mm2_per_kib = 0;
        tn->need[t] = tn->weights[t] = tn->macs[t] = tn->row[t] = tn->reg_min[t] = 0;
    }
    (void)S;
    static tile_cost tcs[F3_MAX_LAYERS];
    for (size_t t = 0; t < m->T; t++) {
        f3_status st = tile_cost_compute_tile(&hw, cfg, t, cfg->batch_size, tcs);
        if (st) return st;
        const size_t u0 = chip_tile_unit_first(&hw, t), u1 = chip_tile_unit_last(&hw, cfg, t);
        for (size_t u = u0; u <= u1; u++) {
            const tile_cost *tc = &tcs[u - u0];
            const size_t i = chip_unit_layer(&hw, u);
            tn->need[t] += tc->sram_needed;
            tn->weights[t] += tc->need[TC_WEIGHTS];
            /* the layer's work: its steps' lane cycles per batch (forward,
             * feedback, gradient, and BP's backprop and the optimiser step
             * alike), on this 16-lane reference tile */
            for (int k = 0; k < TC_STEPS; k++) tn->macs[t] += tc->step[k].reps * tc->step[k].compute;
            /* a layer's row is its n_in; a block's its widest linear op's,
             * and its attention heads set a floor (block_cost.h) */
            double row = (WB + GB) * (double)cfg->widths[i], least = 0;
            if (hw.n_blocks) block_cost_registers(cfg, &hw.blocks[i], &row, &least);
            if (row > tn->row[t]) tn->row[t] = row;
            if (least > tn->reg_min[t]) tn->reg_min[t] = least;
        }
    }
    return F3_OK;
}

/* Whether rule r runs variant v of the dataflows at its batch and optimiser. */
static int variant_runs(const rule_ctx *r, size_t v)
{
    if (chip_dataflow_check(VARIANTS[v].df, &r->cfg) != F3_OK) return 0;
    return !VARIANTS[v].micro_batch || VARIANTS[v].micro_batch < r->cfg.batch_size;
}

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

static void grid_free(grid *g)
{
    for (int a = 0; a < 2; a++) free(g->v[a]), free(g->from[a]);
    free(g->runs);
    free(g->tn);
    memset(g, 0, sizeof *g);
}

/* Room for the grid of S's rules; F3_ENOMEM on failure. */
static f3_status grid_alloc(const search *S, grid *g)
{
    memset(g, 0, sizeof *g);
    g->n_rules = S->n_rules;
    g->cap = S->n_rules * (DIMS[D_LANES].n > DIMS[D_SRAM].n ? DIMS[D_LANES].n : DIMS[D_SRAM].n);
    for (int a = 0; a < 2; a++) {
        g->v[a] = malloc(g->cap * CHIP_MAX_TILES * sizeof *g->v[a]);
        g->from[a] = malloc(g->cap * S->n_rules);
    }
    g->runs = calloc(S->n_rules, sizeof *g->runs);
    g->tn = malloc(S->n_rules * sizeof *g->tn);
    if (!g->v[0] || !g->v[1] || !g->from[0] || !g->from[1] || !g->runs || !g->tn) {
        grid_free(g);
        return F3_FAIL(F3_ENOMEM, "out of memory");
    }
    return F3_OK;
}

/* Vector x (T values) onto axis a of g, given by rule s at DIMS index k. */
static void grid_add(grid *g, int a, const double *x, size_t s, size_t k)
{
    size_t j = 0;
    while (j < g->n[a] && memcmp(&g->v[a][j * CHIP_MAX_TILES], x, g->T * sizeof *x)) j++;
    if (j == g->n[a]) {
        memcpy(&g->v[a][j * CHIP_MAX_TILES], x, g->T * sizeof *x);
        memset(&g->from[a][j * g->n_rules], NO_K, g->n_rules);
        g->n[a]++;
    }
    uint8_t *f = &g->from[a][j * g->n_rules + s];
    if (*f == NO_K) *f = (uint8_t)k;
}

/* Whether DIMS row d's value i is searched on a mapping of this kind (split
 * mappings: SPLIT_GRID's coarser grid; fewer lanes than tiles: the totals
 * below the tile count give every tile one lane, so only the largest is). */
static int dim_searched(int d, size_t i, int kind, size_t T)
{
    if (kind == MK_SPLIT && !SPLIT_GRID[d][i]) return 0;
    return d != D_LANES || !(DIMS[d].v[i] < (double)T && i + 1 < DIMS[d].n && DIMS[d].v[i + 1] <= (double)T);
}

/* The grid of mapping m and dataflow variant: every rule's needs there
 * (those that cannot run it are left out), then the lane and SRAM vectors
 * of each, lane totals (SRAM fractions) outermost so that the vectors keep
 * DIMS' order. */
static void grid_build(const search *S, const mapping *m, size_t variant, grid *g)
{
    g->T = m->T;
    g->n[0] = g->n[1] = 0;
    for (size_t t = 0; t < m->T; t++) g->row[t] = g->reg_min[t] = 0;
    for (size_t s = 0; s < S->n_rules; s++) {
        g->runs[s] = variant_runs(&S->rules[s], variant) && needs_of(S, &S->rules[s], m, variant, &g->tn[s]) == F3_OK;
        for (size_t t = 0; t < m->T && g->runs[s]; t++) {
            g->row[t] = fmax(g->row[t], g->tn[s].row[t]);
            g->reg_min[t] = fmax(g->reg_min[t], g->tn[s].reg_min[t]);
        }
    }
    const int kind = mapping_kind(m);
    double x[CHIP_MAX_TILES];
    for (size_t k = 0; k < DIMS[D_LANES].n; k++) {
        if (!dim_searched(D_LANES, k, kind, m->T)) continue;
        for (size_t s = 0; s < S->n_rules; s++) {
            if (!g->runs[s]) continue;
            const tile_needs *tn = &g->tn[s];
            double macs = 0;
            for (size_t t = 0; t < m->T; t++) macs += tn->macs[t];
            for (size_t t = 0; t < m->T; t++) {
                /* lanes in proportion to the tile's work (lane cycles per
                 * batch), the nearest power of two (in log scale), at least 1 */
                const double share = DIMS[D_LANES].v[k] * tn->macs[t] / macs;
                x[t] = share <= 1 ? 1 : fmin(exp2(nearbyint(log2(share))), 65536);
            }
            grid_add(g, D_LANES, x, s, k);
        }
    }
    for (size_t k = 0; k < DIMS[D_SRAM].n; k++) {
        if (!dim_searched(D_SRAM, k, kind, m->T)) continue;
        for (size_t s = 0; s < S->n_rules; s++) {
            if (!g->runs[s]) continue;
            for (size_t t = 0; t < m->T; t++) {
                /* a share of the need, in whole macros (at least one) */
                const double macros = ceil(DIMS[D_SRAM].v[k] * g->tn[s].need[t] / S->macro_bytes - 1e-9);
                x[t] = (macros < 1 ? 1 : macros) * S->macro_bytes;
            }
            grid_add(g, D_SRAM, x, s, k);
        }
    }
}

/* The chip of a searched point: the rule's base chip with mapping m,
 * dataflow variant and the sizes k (indices into grid g's lane and SRAM
 * vectors and into DIMS' register sizes). */
static void point_config(const search *S, const rule_ctx *r, const mapping *m, size_t variant, int es_alt,
                         const grid *g, const uint16_t *k, chip_config *hw)
{
    *hw = es_alt ? r->alt : r->base;
    hw->strict = 0;
    hw->dataflow = VARIANTS[variant].df;
    hw->micro_batch = VARIANTS[variant].micro_batch;
    apply_mapping(hw, m);
    const double WB = chip_value_bytes(&r->cfg, F3_T_WEIGHTS), regs = DIMS[D_REGS].v[k[D_REGS]];
    const double *lanes = &g->v[D_LANES][k[D_LANES] * CHIP_MAX_TILES];
    const double *sram = &g->v[D_SRAM][k[D_SRAM] * CHIP_MAX_TILES];
    for (size_t t = 0; t < m->T; t++) {
        chip_tile_hw *h = &hw->tiles[t];
        h->mac_lanes = (unsigned)lanes[t];
        h->sram_capacity_bytes = sram[t];
        /* registers: whole KiB holding the rows asked for, and at least
         * what every dataflow reads from them (a block's attention head) */
        const double rows = regs > 0 ? regs : lanes[t];
        double kib = ceil(fmax(rows * g->row[t], g->reg_min[t]) / 1024.0 - 1e-9);
        h->reg_capacity_bytes = (kib < 1 ? 1 : kib) * 1024.0;
        /* banks: as many as the lanes read weights per cycle (one weight
         * per lane per cycle: P·bytes per weight over a bank's width) */
        double banks = ceil(lanes[t] * WB / hw->sram_bytes_per_cycle_per_bank - 1e-9);
        h->sram_banks = (unsigned)(banks < 1 ? 1 : banks > 65536 ? 65536 : banks);
        chip_sram_figures f;
        chip_sram_figures_at(hw, h->sram_capacity_bytes, &f);
        const double table[4] = {f.read_pj_per_byte, f.write_pj_per_byte, f.leakage_uw_per_kib, f.area_mm2_per_kib};
        double *dst[4] = {&h->sram_read_pj, &h->sram_write_pj, &h->sram_leakage_uw_per_kib, &h->sram_area_mm2_per_kib};
        for (int q = 0; q < 4; q++) *dst[q] = S->sram_fixed[q] ? S->sram_value[q] : table[q];
        double rf[3];
        chip_reg_figures_at(hw, h->reg_capacity_bytes, h->mac_lanes, rf);
        h->reg_pj_per_byte = rf[0];
        h->reg_leakage_uw_per_kib = rf[1];
        h->reg_area_mm2_per_kib = rf[2];
    }
}

static double total_energy(const chip_result *res)
{
    double e = 0;
    for (int q = 0; q < CHIP_E_COUNT; q++) e += res->energy_pj[q];
    return e;
}

/* A point's figures from its result. */
static void figures(const chip_config *hw, const chip_result *res, point *p)
{
    const double n = res->samples ? (double)res->samples : 1.0, e = total_energy(res);
    p->energy_nj = e / n / 1e3;
    p->sps = res->samples_per_second;
    p->area = res->area_mm2;
    const double us = (double)res->cycles / hw->clock_mhz; /* pJ / µs = µW */
    p->power_mw = us > 0 ? e / us / 1e3 : 0;
    p->lanes = 0;
    double resident = 0;
    for (size_t t = 0; t < res->n_tiles; t++) {
        p->lanes += res->tile[t].mac_lanes;
        resident += res->tile[t].dram_resident;
    }
    p->no_spill = resident == 0;
}

static int add_point(rule_ctx *r, const point *p)
{
    if (r->n == r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 4096;
        point *np = realloc(r->pts, cap * sizeof *np);
        if (!np) return -1;
        r->pts = np;
        r->cap = cap;
    }
    r->pts[r->n++] = *p;
    return 0;
}

static void note_cannot(rule_ctx *r)
{
    r->cannot++;
    if (!r->cannot_why[0]) snprintf(r->cannot_why, sizeof r->cannot_why, "%s", f3_last_error());
}

/* Chips already evaluated at one mapping and dataflow: sizes that round to
 * the same tiles (an SRAM fraction whose macros are those of the next, a
 * register size that is that of one row per lane, ...) give the very same
 * chip, so its figures are taken again instead of being evaluated twice.
 * The key is what point_config varies there: F3's error-store place and
 * each tile's lanes, SRAM and registers (banks and SRAM figures follow
 * from them). */
typedef struct {
    uint64_t hash;
    uint32_t key;  /* offset into keys; UINT32_MAX: empty */
    uint8_t ok;    /* the chip ran (else it could not) */
    point fig;
} memo_slot;
typedef struct {
    memo_slot *slot;
    size_t n_slots; /* a power of two, above twice the points of one mapping and dataflow */
    double *keys;
    size_t n_keys, cap_keys;
} memo;

/* Empty, with room for the chips of `points` points; -1 when out of memory. */
static int memo_clear(memo *M, size_t points)
{
    size_t n = 1024;
    while (n < 2 * points) n *= 2;
    if (n > M->n_slots) {
        memo_slot *ns = realloc(M->slot, n * sizeof *ns);
        if (!ns) return -1;
        M->slot = ns;
        M->n_slots = n;
    }
    for (size_t i = 0; i < M->n_slots; i++) M->slot[i].key = UINT32_MAX;
    M->n_keys = 0;
    return 0;
}

static void memo_free(memo *M)
{
    free(M->slot);
    free(M->keys);
    memset(M, 0, sizeof *M);
}

/* The key of chip hw with T tiles into k[0 … 3T]; its hash. */
static uint64_t memo_key(const chip_config *hw, size_t T, int es_alt, double *k)
{
    k[0] = es_alt;
    for (size_t t = 0; t < T; t++) {
        k[1 + 3 * t] = hw->tiles[t].mac_lanes;
        k[2 + 3 * t] = hw->tiles[t].sram_capacity_bytes;
        k[3 + 3 * t] = hw->tiles[t].reg_capacity_bytes;
    }
    uint64_t h = 0x9e3779b97f4a7c15ull;
    for (size_t i = 0; i < 1 + 3 * T; i++) {
        uint64_t b;
        memcpy(&b, &k[i], sizeof b);
        h ^= b;
        h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ull; /* splitmix64's finaliser */
        h = (h ^ (h >> 27)) * 0x94d049bb133111ebull;
        h ^= h >> 31;
    }
    return h;
}

/* The slot of key k (n values): the one holding it, or the empty one to put it in. */
static memo_slot *memo_find(memo *M, uint64_t h, const double *k, size_t n)
{
    for (size_t i = (size_t)h & (M->n_slots - 1);; i = (i + 1) & (M->n_slots - 1)) {
        memo_slot *s = &M->slot[i];
        if (s->key == UINT32_MAX) return s;
        if (s->hash == h && !memcmp(&M->keys[s->key], k, n * sizeof *k)) return s;
    }
}

/* Keep key k (n values) in slot s; -1 when out of memory. */
static int memo_put(memo *M, memo_slot *s, uint64_t h, const double *k, size_t n)
{
    if (M->n_keys + n > M->cap_keys) {
        size_t cap = M->cap_keys ? 2 * M->cap_keys : 65536;
        while (cap < M->n_keys + n) cap *= 2;
        double *nk = realloc(M->keys, cap * sizeof *nk);
        if (!nk) return -1;
        M->keys = nk;
        M->cap_keys = cap;
    }
    memcpy(&M->keys[M->n_keys], k, n * sizeof *k);
    s->hash = h;
    s->key = (uint32_t)M->n_keys;
    M->n_keys += n;
    return 0;
}

/* Every point of the search for rule r (one of S's rules): the scenario's
 * chip, then at every mapping and dataflow the grid's chips, which are the
 * same for every rule.  0; -1 when out of memory. */
static int search_rule(const search *S, rule_ctx *r)
{
    static chip_result res;
    static chip_config hw;
    point p;
    /* the scenario's own chip (of the kind of its mapping) */
    memset(&p, 0, sizeof p);
    p.own = 1;
    const int own_kind = r->base.n_split ? MK_SPLIT : MK_CONTIGUOUS;
    if (S->kinds >> own_kind & 1) {
        r->tried++;
        r->tried_kind[own_kind]++;
    }
    if (!(S->kinds >> own_kind & 1)) {
        /* not searched (--mappings) */
    } else if (chip_dataflow_check(r->base.dataflow, &r->cfg) == F3_OK &&
               chip_analytic_run(&r->base, &r->w, &res) == F3_OK) {
        figures(&r->base, &res, &p);
        p.weights_on_chip = 1;
        for (size_t t = 0; t < res.n_tiles; t++) {
            double w = 0;
            for (size_t u = chip_tile_unit_first(&r->base, t); u <= chip_tile_unit_last(&r->base, &r->cfg, t); u++) {
                tile_cost tc;
                if (tile_cost_compute(&r->base, &r->cfg, u, r->cfg.batch_size, &tc) == F3_OK) w += tc.need[TC_WEIGHTS];
            }
            if (w > res.tile[t].sram_capacity_bytes) p.weights_on_chip = 0;
        }
        r->run_kind[own_kind]++;
        if (add_point(r, &p)) return -1;
    } else {
        note_cannot(r);
    }
    const size_t ri = (size_t)(r - S->rules); /* r's place among the rules compared */
    static tile_needs tn;
    static double key[1 + 3 * CHIP_MAX_TILES];
    grid g;
    memo M = {0};
    if (grid_alloc(S, &g) != F3_OK) return -1;
    int rc = 0;
    for (size_t mi = 0; mi < S->n_maps && !rc; mi++) {
        const mapping *m = &S->maps[mi];
        const int kind = mapping_kind(m);
        if (!(S->kinds >> kind & 1)) continue;
        for (size_t df = 0; df < N_VARIANTS && !rc; df++) {
            if (!variant_runs(r, df)) continue;
            grid_build(S, m, df, &g);
            size_t n_regs = 0;
            for (size_t i = 0; i < DIMS[D_REGS].n; i++) n_regs += (size_t)dim_searched(D_REGS, i, kind, m->T);
            const size_t combos = g.n[D_LANES] * g.n[D_SRAM] * n_regs;
            if (!g.runs[ri]) { /* r cannot run here (its needs say why): its points of DIMS count as such */
                if (needs_of(S, r, m, df, &tn) == F3_OK) F3_FAIL(F3_EINVAL, "the sizes of %s cannot be known", r->name);
                size_t n = 1;
                for (int d = 0; d < D_COUNT; d++) {
                    size_t on = 0;
                    for (size_t i = 0; i < DIMS[d].n; i++) on += (size_t)dim_searched(d, i, kind, m->T);
                    n *= on;
                }
                r->tried += n;
                r->tried_kind[kind] += n;
                r->cannot += n;
                if (!r->cannot_why[0]) snprintf(r->cannot_why, sizeof r->cannot_why, "%s", f3_last_error());
                continue;
            }
            if (memo_clear(&M, combos * (size_t)(1 + r->has_alt))) {
                rc = -1;
                break;
            }
            for (size_t c = 0; c < combos; c++) {
                memset(&p, 0, sizeof p);
                p.map = (uint32_t)mi;
                p.df = (uint8_t)df;
                p.k[D_LANES] = (uint16_t)(c / (g.n[D_SRAM] * n_regs));
                p.k[D_SRAM] = (uint16_t)(c / n_regs % g.n[D_SRAM]);
                for (size_t i = 0, j = c % n_regs;; i++) /* the j-th register size searched */
                    if (dim_searched(D_REGS, i, kind, m->T) && !j--) {
                        p.k[D_REGS] = (uint16_t)i;
                        break;
                    }
                r->tried++;
                r->tried_kind[kind]++;
                for (int ea = 0; ea <= r->has_alt && !rc; ea++) {
                    p.es_alt = (uint8_t)ea;
                    point_config(S, r, m, df, ea, &g, p.k, &hw);
                    const size_t nk = 1 + 3 * m->T;
                    const uint64_t h = memo_key(&hw, m->T, ea, key);
                    memo_slot *ms = memo_find(&M, h, key, nk);
                    if (ms->key != UINT32_MAX) { /* the same chip as an earlier point */
                        if (!ms->ok) {
                            r->cannot++;
                            continue;
                        }
                        point q = ms->fig;
                        q.map = p.map, q.df = p.df, q.es_alt = p.es_alt;
                        memcpy(q.k, p.k, sizeof q.k);
                        r->run_kind[kind]++;
                        if (add_point(r, &q)) rc = -1;
                        continue;
                    }
                    if (memo_put(&M, ms, h, key, nk)) {
                        rc = -1;
                        break;
                    }
                    ms->ok = 0;
                    if (chip_analytic_run(&hw, &r->w, &res) != F3_OK) {
                        note_cannot(r);
                        continue;
                    }
                    figures(&hw, &res, &p);
                    p.weights_on_chip = 1;
                    for (size_t t = 0; t < m->T; t++)
                        if (g.tn[ri].weights[t] > hw.tiles[t].sram_capacity_bytes) p.weights_on_chip = 0;
                    ms->ok = 1;
                    ms->fig = p;
                    r->run_kind[kind]++;
                    if (add_point(r, &p)) rc = -1;
                }
            }
        }
    }
    memo_free(&M);
    grid_free(&g);
    return rc;
}

/* ---- the verdict ---------------------------------------------------------------------------- */

static double budget_figure(const point *p, int kind)
{
    return kind == BK_AREA ? p->area : kind == BK_POWER ? p->power_mw : p->lanes;
}

/* a beats b for objective ob (ties: the other objective, then area; else the first found) */
static int better(const point *a, const point *b, int ob)
{
    const double a1 = ob == OB_ENERGY ? a->energy_nj : -a->sps, b1 = ob == OB_ENERGY ? b->energy_nj : -b->sps;
    if (a1 != b1) return a1 < b1;
    const double a2 = ob == OB_ENERGY ? -a->sps : a->energy_nj, b2 = ob == OB_ENERGY ? -b->sps : b->energy_nj;
    if (a2 != b2) return a2 < b2;
    return a->area < b->area;
}

/* A rule's context: its configuration (widths from the training set), its
 * workload, and its base chip (the scenario's, with the links it sends on,
 * its error store resolved; F3 also the same with the store placed
 * otherwise).  F3_EINVAL with a message if it cannot run here. */
static f3_status rule_setup(const scenario *sc, const char *alg, const f3_dataset *train, const chip_config *scen_hw,
                            rule_ctx *r)
{
    memset(r, 0, sizeof *r);
    snprintf(r->name, sizeof r->name, "%s", alg);
    f3_task task;
    train_options o;
    scenario_train_options(sc, alg, &o);
    f3_status st = scenario_f3_config(sc, alg, &r->cfg, &task);
    if (st) return st;
    if (!r->cfg.widths[0]) r->cfg.widths[0] = train->d;
    if (!r->cfg.widths[r->cfg.n_layers]) r->cfg.widths[r->cfg.n_layers] = train->n_outputs;
    if (r->cfg.batch_size > train->n)
        return F3_FAIL(F3_EINVAL, "training.batch_size %zu is larger than the training set (%zu samples)",
                       r->cfg.batch_size, train->n);
    /* the scenario's chip, with a network's blocks when the caller attached them */
    r->base = *scen_hw;
    if ((st = chip_workload_for(&r->w, &r->base, &r->cfg, train->n, o.epochs)))
        return F3_FAIL(F3_EINVAL, "%s: %s", alg, f3_last_error());
    /* each rule gets the links it sends on (the scenario's figures, or
     * the defaults of hardware.links.*) */
    if (r->cfg.algorithm == F3_ALG_BP && !r->base.backward.present) r->base.backward.present = r->add_backward = 1;
    if (r->cfg.algorithm == F3_ALG_DFA && !r->base.broadcast.present) r->base.broadcast.present = r->add_broadcast = 1;
    if ((st = scenario_check_rom(sc, &r->base, &r->cfg, alg))) return st;
    chip_config_resolve_error_store(&r->base, &r->cfg, train->n);
    /* F3: its error store on chip (its own SRAM: area and leakage) or in
     * the DRAM (a share of its bandwidth and its energy per byte), each
     * with the figures a scenario that places it there gets */
    if (r->cfg.algorithm == F3_ALG_F3) {
        scenario *q = NULL;
        const int dram = r->base.es_placement == CHIP_ES_DRAM;
        char set[64];
        snprintf(set, sizeof set, "hardware.error_store.placement=%s", dram ? "on_chip" : "dram");
        const char *sets[1] = {set};
        if (scenario_copy(sc, &q) == F3_OK && scenario_set_all(q, sets, 1) == F3_OK) {
            chip_config alt;
            chip_config_from_scenario(q, &alt);
            r->alt = r->base;
            r->alt.es_placement = alt.es_placement;
            r->alt.es_read_pj = alt.es_read_pj;
            r->alt.es_write_pj = alt.es_write_pj;
            r->alt.es_leakage_uw_per_kib = alt.es_leakage_uw_per_kib;
            r->alt.es_area_mm2_per_kib = alt.es_area_mm2_per_kib;
            chip_config_resolve_error_store(&r->alt, &r->cfg, train->n);
            r->has_alt = 1;
        }
        scenario_free(q);
    }
    return F3_OK;
}

/* The search's settings from the scenario: the macro, the SRAM figures it fixes. */
static void search_setup(const scenario *sc, double macro_kib, search *S)
{
    memset(S, 0, sizeof *S);
    S->sc = sc;
    S->kinds = (1 << MK_COUNT) - 1;
    /* --macro-kib, else comparison.macro_kib when given, else the chip's own
     * macro (hardware.tile.sram.macro_kib) when it has one, else 64 KiB */
    const sc_value *hm = scenario_get(sc, "hardware.tile.sram.macro_kib");
    /* (given: set in the scenario, not present because a comparison
     * section is, which scenario_present says of any key of it) */
    const double kib = macro_kib > 0                                          ? macro_kib
                       : scenario_get(sc, "comparison.macro_kib")->set || hm->is_auto ? scenario_num(sc, "comparison.macro_kib")
                                                                                 : hm->num;
    S->macro_bytes = 1024.0 * kib;
    for (int q = 0; q < 4; q++) {
        const sc_value *v = scenario_get(sc, SRAM_FIGURE_KEYS[q]);
        S->sram_fixed[q] = !v->is_auto;
        S->sram_value[q] = v->num;
    }
}

/* The mappings of a network cfg: the contiguous ones, then the split ones
 * (none for a network of blocks: BLOCKS_NOT_SPLIT).  F3_ENOMEM on failure. */
static f3_status search_mappings(search *S, const f3_config *cfg)
{
    S->maps = malloc((MAX_MAPPINGS + MAX_SPLIT_MAPPINGS) * sizeof *S->maps);
    if (!S->maps) return F3_FAIL(F3_ENOMEM, "out of memory");
    S->n_kind[MK_CONTIGUOUS] = make_mappings(cfg->n_layers, S->maps);
    S->n_maps = S->n_blocks ? S->n_kind[MK_CONTIGUOUS] : add_split_mappings(cfg, S->maps, S->n_kind[MK_CONTIGUOUS]);
    S->n_kind[MK_SPLIT] = S->n_maps - S->n_kind[MK_CONTIGUOUS];
    return F3_OK;
}

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

static void list_text(char *buf, size_t len, const double *v, size_t n, const char *fmt)
{
    size_t o = 0;
    o += (size_t)snprintf(buf + o, len - o, "[");
    for (size_t i = 0; i < n && o < len; i++) {
        if (i) o += (size_t)snprintf(buf + o, len - o, ",");
        if (o < len) o += (size_t)snprintf(buf + o, len - o, fmt, v[i]);
    }
    if (o < len) snprintf(buf + o, len - o, "]");
}

/* The rule whose work (a = D_LANES) or need (D_SRAM) gives grid g's
 * vector j, and at which DIMS value, into buf: rule r itself when it does,
 * else the first rule compared that does ("bp × 0.5"). */
static void vector_from(const search *S, const rule_ctx *r, const grid *g, int a, size_t j, char *buf, size_t len)
{
    const uint8_t *f = &g->from[a][j * g->n_rules];
    size_t s = (size_t)(r - S->rules);
    for (size_t q = 0; q < g->n_rules && f[s] == NO_K; q++) s = q;
    if (f[s] == NO_K) buf[0] = 0; /* (every vector has a rule) */
    else snprintf(buf, len, "%s × %.15g", S->rules[s].name, DIMS[a].v[f[s]]);
}

static int describe(const search *S, const rule_ctx *r, const point *p, detail *d)
{
    static chip_config hw;
    static chip_result res;
    memset(d, 0, sizeof *d);
    d->own = p->own;
    if (p->own) {
        hw = r->base;
    } else {
        const mapping *m = &S->maps[p->map];
        grid g;
        if (grid_alloc(S, &g) != F3_OK) return -1;
        grid_build(S, m, p->df, &g);
        point_config(S, r, m, p->df, p->es_alt, &g, p->k, &hw);
        vector_from(S, r, &g, D_LANES, p->k[D_LANES], d->lanes_from, sizeof d->lanes_from);
        vector_from(S, r, &g, D_SRAM, p->k[D_SRAM], d->sram_from, sizeof d->sram_from);
        grid_free(&g);
    }
    if (chip_analytic_run(&hw, &r->w, &res) != F3_OK) return -1;
    const f3_config *cfg = &r->cfg;
    const size_t T = res.n_tiles;
    double v[5][CHIP_MAX_TILES];
    for (size_t t = 0; t < T && t < CHIP_MAX_TILES; t++) {
        const chip_tile_hw h = chip_tile_figures(&hw, t);
        v[0][t] = (double)(res.tile[t].last_layer - res.tile[t].first_layer + 1);
        v[1][t] = h.mac_lanes;
        v[2][t] = h.sram_capacity_bytes / 1024.0;
        v[3][t] = h.sram_banks;
        v[4][t] = h.reg_capacity_bytes / 1024.0;
    }
    list_text(d->mapping, sizeof d->mapping, v[0], T, "%.0f");
    if (hw.n_split) {
        double sp[CHIP_MAX_TILES];
        for (size_t i = 0; i < hw.n_split && i < CHIP_MAX_TILES; i++) sp[i] = (double)chip_layer_parts(&hw, i);
        list_text(d->split, sizeof d->split, sp, hw.n_split, "%.0f");
    }
    list_text(d->lanes, sizeof d->lanes, v[1], T, "%.0f");
    list_text(d->sram_kib, sizeof d->sram_kib, v[2], T, "%.15g");
    list_text(d->banks, sizeof d->banks, v[3], T, "%.0f");
    list_text(d->regs_kib, sizeof d->regs_kib, v[4], T, "%.15g");
    d->dataflow = chip_dataflow_name(hw.dataflow);
    d->micro_batch = chip_micro_batched(&hw, &r->cfg) ? hw.micro_batch : 0;
    d->es_placement = r->cfg.algorithm != F3_ALG_F3 ? "" : hw.es_placement == CHIP_ES_DRAM ? "dram" : "on_chip";
    point q;
    figures(&hw, &res, &q);
    d->energy_nj = q.energy_nj;
    d->sps = q.sps;
    d->area = q.area;
    d->power_mw = q.power_mw;
    d->lanes_total = q.lanes;
    d->cycles_per_sample = res.cycles_per_sample;
    const double n = res.samples ? (double)res.samples : 1.0;
    double wait = 0, stash = 0;
    for (size_t t = 0; t < T; t++) {
        wait += (double)res.tile[t].wait_downstream;
        stash += res.tile[t].stash_bytes;
    }
    d->stall_pct = res.cycles ? 100.0 * wait / ((double)T * (double)res.cycles) : 0;
    d->stash_bytes = stash;
    d->bwd_bytes_ps = (double)res.link_bytes[1] / n;
    d->es_bytes_ps = (double)(res.es_read + res.es_written) / n;
    d->dram_bytes_ps = (double)(res.dram_read + res.dram_written) / n;
    /* passes over W per sample: the weight bytes every step reads (SRAM
     * and DRAM, transposed reads included), executions × the cost table
     * as the chip counts them, over the weight bytes */
    const size_t B = cfg->batch_size, nf = r->w.n_train / B, rem = r->w.n_train % B;
    double rd = 0, wbytes = 0;
    for (size_t i = 0; i < chip_n_units(&hw, cfg); i++) { /* layers, or the parts of split ones */
        tile_cost tc;
        if (tile_cost_compute(&hw, cfg, i, B, &tc) != F3_OK) return -1;
        for (int s = 0; s < TC_STEPS; s++) rd += (double)nf * tc.step[s].reps * tc.step[s].rd[TC_WEIGHTS];
        wbytes += tc.need[TC_WEIGHTS];
        if (rem) {
            if (tile_cost_compute(&hw, cfg, i, rem, &tc) != F3_OK) return -1;
            for (int s = 0; s < TC_STEPS; s++) rd += tc.step[s].reps * tc.step[s].rd[TC_WEIGHTS];
        }
    }
    d->w_passes_ps = wbytes > 0 ? rd / (double)r->w.n_train / wbytes : 0;
    /* the --set assignments that rebuild this chip from the scenario */
    size_t o = 0;
    const size_t L = sizeof d->set_keys;
    if (!p->own) {
        /* a split chip gives split (and clears a scenario's layers_per_tile),
         * a contiguous one layers_per_tile (and clears a scenario's split) */
        o += (size_t)snprintf(d->set_keys + o, L - o,
                              "hardware.tile.dataflow=%s hardware.mapping.%s=%s hardware.tiles.mac_lanes=%s "
                              "hardware.tiles.sram_capacity_kib=%s hardware.tiles.sram_banks=%s "
                              "hardware.tiles.registers_capacity_kib=%s hardware.pipeline.micro_batch=%zu",
                              d->dataflow, hw.n_split ? "split" : "layers_per_tile", hw.n_split ? d->split : d->mapping,
                              d->lanes, d->sram_kib, d->banks, d->regs_kib, d->micro_batch);
        if (r->base.strict && o < L) o += (size_t)snprintf(d->set_keys + o, L - o, " hardware.strict=false");
        if (!hw.n_split && r->base.n_split && o < L)
            o += (size_t)snprintf(d->set_keys + o, L - o, " hardware.mapping.split=[]");
        if (hw.n_split && scenario_get(S->sc, "hardware.mapping.layers_per_tile")->n && o < L)
            o += (size_t)snprintf(d->set_keys + o, L - o, " hardware.mapping.layers_per_tile=[]");
        if (p->es_alt && o < L)
            o += (size_t)snprintf(d->set_keys + o, L - o, " hardware.error_store.placement=%s", d->es_placement);
    }
    if (r->add_backward && o < L)
        o += (size_t)snprintf(d->set_keys + o, L - o, "%shardware.links.backward.bytes_per_cycle=%.15g", o ? " " : "",
                              hw.backward.bytes_per_cycle);
    if (r->add_broadcast && o < L)
        snprintf(d->set_keys + o, L - o, "%shardware.links.broadcast.bytes_per_cycle=%.15g", o ? " " : "",
                 hw.broadcast.bytes_per_cycle);
    return 0;
}

/* ---- output ------------------------------------------------------------------------------ */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void budget_text(const budget *b, char *buf, size_t len)
{
    snprintf(buf, len, "%s=%.15g", BK_NAMES[b->kind], b->value);
}

static void csv_header(FILE *f)
{
    fputs("budget,budget_area_mm2,budget_power_mW,budget_lanes,rule,objective,scenario_chip,layers_per_tile,split,"
          "tiles_mac_lanes,tiles_sram_kib,tiles_sram_banks,tiles_registers_kib,dataflow,micro_batch_samples,"
          "error_store_placement,total_lanes,"
          "energy_per_sample_nJ,samples_per_second,cycles_per_sample,area_mm2,power_mW,stall_share_pct,stash_bytes,"
          "backward_link_bytes_per_sample,error_store_bytes_per_sample,w_passes_per_sample,dram_bytes_per_sample,"
          "f3_over_bp_ratio,points_within_budget,set_keys\n",
          f);
}

static void budget_csv_row(FILE *f, const budget *b, const char *rule, int ob, const detail *d, double ratio)
{
    char bt[128];
    budget_text(b, bt, sizeof bt);
    fprintf(f, "%s,", bt);
    for (int k = 0; k < BK_COUNT; k++) {
        if (k == b->kind) fprintf(f, "%.15g", b->value);
        fputc(',', f);
    }
    fprintf(f, "%s,%s,%d,", rule, OB_NAMES[ob], d->own);
    csv_write_quoted(f, d->mapping);
    fputc(',', f);
    csv_write_quoted(f, d->split);
    fputc(',', f);
    csv_write_quoted(f, d->lanes);
    fputc(',', f);
    csv_write_quoted(f, d->sram_kib);
    fputc(',', f);
    csv_write_quoted(f, d->banks);
    fputc(',', f);
    csv_write_quoted(f, d->regs_kib);
    fprintf(f, ",%s,%zu,%s,%.0f,%.9g,%.9g,%.9g,%.9g,%.9g,%.6f,%.0f,%.9g,%.9g,%.9g,%.9g,", d->dataflow, d->micro_batch,
            d->es_placement, d->lanes_total,
            d->energy_nj, d->sps, d->cycles_per_sample, d->area, d->power_mw, d->stall_pct, d->stash_bytes,
            d->bwd_bytes_ps, d->es_bytes_ps, d->w_passes_ps, d->dram_bytes_ps);
    if (isfinite(ratio)) fprintf(f, "%.9g", ratio);
    fprintf(f, ",%zu,", d->within);
    csv_write_quoted(f, d->set_keys);
    fputc('\n', f);
}

static void json_detail(json_writer *w, const detail *d)
{
    json_begin_object(w);
    json_kv_bool(w, "scenario_chip", d->own);
    json_kv_string(w, "layers_per_tile", d->mapping);
    json_kv_string(w, "split", d->split);
    json_kv_string(w, "tiles_mac_lanes", d->lanes);
    json_kv_string(w, "tiles_sram_kib", d->sram_kib);
    json_kv_string(w, "tiles_sram_banks", d->banks);
    json_kv_string(w, "tiles_registers_kib", d->regs_kib);
    json_kv_string(w, "lanes_from", d->lanes_from);
    json_kv_string(w, "sram_from", d->sram_from);
    json_kv_string(w, "dataflow", d->dataflow);
    json_kv_u64(w, "micro_batch_samples", d->micro_batch);
    json_kv_string(w, "error_store_placement", d->es_placement);
    json_kv_double(w, "total_lanes", d->lanes_total);
    json_kv_double(w, "energy_per_sample_nJ", d->energy_nj);
    json_kv_double(w, "samples_per_second", d->sps);
    json_kv_double(w, "cycles_per_sample", d->cycles_per_sample);
    json_kv_double(w, "area_mm2", d->area);
    json_kv_double(w, "power_mW", d->power_mw);
    json_kv_double(w, "stall_share_pct", d->stall_pct);
    json_kv_double(w, "stash_bytes", d->stash_bytes);
    json_kv_double(w, "backward_link_bytes_per_sample", d->bwd_bytes_ps);
    json_kv_double(w, "error_store_bytes_per_sample", d->es_bytes_ps);
    json_kv_double(w, "w_passes_per_sample", d->w_passes_ps);
    json_kv_double(w, "dram_bytes_per_sample", d->dram_bytes_ps);
    json_kv_u64(w, "points_within_budget", d->within);
    json_kv_string(w, "set_keys", d->set_keys);
    json_end_object(w);
}

/* ---- the command ------------------------------------------------------------------------ */

int cmd_compare(int argc, char **argv)
{
    static const struct option opts[] = {{"budget", required_argument, 0, 'b'},
                                         {"macro-kib", required_argument, 0, 'm'},
                                         {"set", required_argument, 0, 's'},
                                         {"mappings", required_argument, 0, 'k'},
                                         {"quiet", no_argument, 0, 'q'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *sets[64];
    size_t n_sets = 0, nb = 0;
    static budget budgets[MAX_BUDGETS];
    double macro_kib = 0;
    int quiet = 0, c, kinds = (1 << MK_COUNT) - 1;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case 'b': {
            int rc = parse_budget(optarg, budgets, &nb);
            if (rc) return rc;
            break;
        }
        case 'm': {
            size_t v;
            if (parse_size("--macro-kib", optarg, &v) || v < 1 ||
                check_key_bound("--macro-kib", "comparison.macro_kib", (double)v)) {
                fprintf(stderr, "f3sim compare: --macro-kib expects a whole number of KiB, at least 1, got '%s'\n",
                        optarg);
                return EXIT_USAGE;
            }
            macro_kib = (double)v;
            break;
        }
        case 's':
            if (n_sets >= 64) return fprintf(stderr, "f3sim compare: at most 64 --set options\n"), EXIT_USAGE;
            sets[n_sets++] = optarg;
            break;
        case 'k': {
            static const char *const words[MK_COUNT + 1] = {"contiguous", "split", "all"};
            kinds = 0;
            for (int k = 0; k <= MK_COUNT; k++)
                if (!strcmp(optarg, words[k])) kinds = k < MK_COUNT ? 1 << k : (1 << MK_COUNT) - 1;
            if (!kinds) {
                const char *near = cli_nearest(optarg, words, MK_COUNT + 1);
                fprintf(stderr, "f3sim compare: --mappings '%s': expected all, contiguous or split", optarg);
                if (near) fprintf(stderr, "; did you mean '%s'?", near);
                fputc('\n', stderr);
                return EXIT_USAGE;
            }
            break;
        }
        case 'q': quiet = 1; break;
        case 'h': fputs(COMPARE_HELP, stdout); return 0;
        case ':': {
            char msg[300];
            snprintf(msg, sizeof msg, "option '%s' is missing its value", argv[optind - 1]);
            return usage_error("compare", msg);
        }
        default: {
            char w[256];
            return cli_bad_option("compare", cli_rejected_word(argc, argv, opts, -1, w, sizeof w), opts, NULL, NULL);
        }
        }
    }
    if (optind >= argc) return usage_error("compare", "which scenario? usage: f3sim compare SCENARIO.yaml --budget area_mm2=60");
    if (optind + 1 < argc) {
        char msg[600];
        snprintf(msg, sizeof msg, "unexpected argument '%.500s'", argv[optind + 1]);
        return usage_error("compare", msg);
    }
    const char *file = argv[optind];
    scenario *sc = NULL;
    if (scenario_load(file, &sc) != F3_OK || (n_sets && scenario_set_all(sc, sets, n_sets) != F3_OK)) {
        fprintf(stderr, "f3sim compare: %s\n", f3_last_error());
        scenario_free(sc);
        return EXIT_USAGE;
    }
    int rc = 0;
    static rule_ctx rules[SC_MAX_LIST];
    size_t nr = 0;
    search S;
    search_setup(sc, macro_kib, &S);
    S.kinds = kinds;
    {
        /* a chip built from macros is searched in whole macros of its own */
        const sc_value *hm = scenario_get(sc, "hardware.tile.sram.macro_kib");
        if (!hm->is_auto && fmod(S.macro_bytes, hm->num * 1024.0) != 0) {
            fprintf(stderr,
                    "f3sim compare: %s:%d:%d: the search's %g KiB macro (--macro-kib or comparison.macro_kib) is not a "
                    "whole number of the chip's %g KiB macros (hardware.tile.sram.macro_kib)\n",
                    hm->origin, hm->line, hm->col, S.macro_bytes / 1024.0, hm->num);
            scenario_free(sc);
            return EXIT_USAGE;
        }
    }
    f3_dataset *train = NULL, *test = NULL;
    FILE *tty = quiet ? NULL : stderr;

    /* the budgets: --budget, else the scenario's */
    if (!nb) {
        for (int k = 0; k < BK_COUNT; k++) {
            const sc_value *v = scenario_get(sc, BK_KEYS[k]);
            if (v->set && v->num > 0) {
                budgets[nb].kind = k;
                budgets[nb].value = v->num;
                budgets[nb].key = BK_KEYS[k];
                nb++;
            }
        }
    }
    if (!nb) {
        fprintf(stderr, "f3sim compare: %s:1:1: no budget: give --budget area_mm2=60 (or power_mw=, lanes=), or "
                        "comparison.budget in the scenario\n",
                file);
        rc = EXIT_USAGE;
        goto out;
    }

    /* the training set: its size is all the evaluator needs of it */
    char algs[SC_MAX_LIST][32];
    nr = scenario_algorithms(sc, algs, SC_MAX_LIST);
    {
        train_options o;
        scenario_train_options(sc, algs[0], &o);
        if (train_load_data(&o, &train, &test) != F3_OK) {
            fprintf(stderr, "f3sim compare: %s\n", f3_last_error());
            rc = EXIT_RUNTIME;
            goto out;
        }
    }
    chip_config scen_hw;
    chip_config_from_scenario(sc, &scen_hw);
    /* a network of blocks: every chip searched costs its blocks (block_cost.h) */
    static f3_block blocks[F3_BLOCKNET_MAX_BLOCKS];
    if (scen_hw.n_blocks) {
        size_t n = 0;
        if (scenario_blocks(sc, blocks, F3_BLOCKNET_MAX_BLOCKS, &n) != F3_OK) {
            fprintf(stderr, "f3sim compare: %s\n", f3_last_error());
            rc = EXIT_USAGE;
            goto out;
        }
        scen_hw.blocks = blocks;
        S.n_blocks = n;
    }
    if (S.n_blocks && S.kinds == 1 << MK_SPLIT) {
        fprintf(stderr, "f3sim compare: --mappings split: %s has a network of %zu blocks (network.type %s), and %s\n",
                file, S.n_blocks, scenario_str(sc, "network.type"), BLOCKS_NOT_SPLIT);
        rc = EXIT_USAGE;
        goto out;
    }
    size_t K = 0;
    for (size_t a = 0; a < nr; a++) {
        if (rule_setup(sc, algs[a], train, &scen_hw, &rules[a]) != F3_OK) {
            fprintf(stderr, "f3sim compare: %s\n", f3_last_error());
            rc = EXIT_USAGE;
            goto out;
        }
        K = rules[a].cfg.n_layers;
    }
    /* every rule is searched over the chips that the work and needs of all of them size */
    S.rules = rules;
    S.n_rules = nr;
    /* the rules train the same network: one set of mappings */
    if (search_mappings(&S, &rules[0].cfg) != F3_OK) {
        fprintf(stderr, "f3sim compare: %s\n", f3_last_error());
        rc = EXIT_RUNTIME;
        goto out;
    }
    if (S.kinds == 1 << MK_SPLIT && !S.n_kind[MK_SPLIT] && !scen_hw.n_split) {
        fprintf(stderr,
                "f3sim compare: --mappings split: no layer of %s can be split (a hidden layer with at least %zu rows, "
                "at most %d tiles in all), and the scenario's chip splits none\n",
                file, SPLIT_WAYS[0], CHIP_MAX_TILES);
        rc = EXIT_USAGE;
        goto out;
    }

    /* the search */
    const double t0 = now_s();
    size_t evaluated = 0;
    for (size_t a = 0; a < nr; a++) {
        if (search_rule(&S, &rules[a])) {
            fprintf(stderr, "f3sim compare: out of memory\n");
            rc = EXIT_RUNTIME;
            goto out;
        }
        evaluated += rules[a].tried;
        if (!rules[a].n) {
            fprintf(stderr, "f3sim compare: %s cannot run on any chip searched (%zu points): %s\n", rules[a].name,
                    rules[a].tried, rules[a].cannot_why);
            rc = EXIT_USAGE;
            goto out;
        }
    }
    const double t_search = now_s() - t0;

    /* the best point per budget, rule and objective */
    size_t *best = malloc(nb * nr * OB_COUNT * sizeof *best), *within = calloc(nb * nr, sizeof *within);
    if (!best || !within) {
        free(best), free(within);
        rc = EXIT_RUNTIME;
        goto out;
    }
    for (size_t b = 0; b < nb && !rc; b++) {
        for (size_t a = 0; a < nr && !rc; a++) {
            const rule_ctx *r = &rules[a];
            size_t *bi = &best[(b * nr + a) * OB_COUNT];
            for (int ob = 0; ob < OB_COUNT; ob++) bi[ob] = SIZE_MAX;
            double smallest = INFINITY;
            for (size_t i = 0; i < r->n; i++) {
                const point *p = &r->pts[i];
                const double fig = budget_figure(p, budgets[b].kind);
                if (fig < smallest) smallest = fig;
                if (fig > budgets[b].value) continue;
                within[b * nr + a]++;
                for (int ob = 0; ob < OB_COUNT; ob++)
                    if (bi[ob] == SIZE_MAX || better(p, &r->pts[bi[ob]], ob)) bi[ob] = i;
            }
            if (bi[0] == SIZE_MAX) {
                char where[1400] = "";
                if (budgets[b].key) {
                    const sc_value *v = scenario_get(sc, budgets[b].key);
                    snprintf(where, sizeof where, "%s:%d:%d: %s ", v->origin[0] ? v->origin : file, v->line, v->col,
                             budgets[b].key);
                } else {
                    snprintf(where, sizeof where, "--budget %s=", BK_NAMES[budgets[b].kind]);
                }
                fprintf(stderr,
                        "f3sim compare: %s%.15g: no chip searched for %s is within this budget (the smallest of its "
                        "%zu points needs %.6g %s): raise the budget; nothing written\n",
                        where, budgets[b].value, r->name, r->n, smallest, BK_UNITS[budgets[b].kind]);
                rc = EXIT_USAGE;
            }
        }
    }
    if (rc) {
        free(best), free(within);
        goto out;
    }

    /* describe the winners; ratios of f3 over bp */
    detail *dets = calloc(nb * nr * OB_COUNT, sizeof *dets);
    if (!dets) {
        free(best), free(within);
        rc = EXIT_RUNTIME;
        goto out;
    }
    for (size_t i = 0; i < nb * nr * OB_COUNT && !rc; i++) {
        const size_t a = (i / OB_COUNT) % nr;
        if (describe(&S, &rules[a], &rules[a].pts[best[i]], &dets[i])) {
            fprintf(stderr, "f3sim compare: %s: %s\n", rules[a].name, f3_last_error());
            rc = EXIT_RUNTIME;
        }
        dets[i].within = within[i / OB_COUNT];
    }
    long i_f3 = -1, i_bp = -1;
    for (size_t a = 0; a < nr; a++) {
        if (!strcmp(rules[a].name, "f3")) i_f3 = (long)a;
        if (!strcmp(rules[a].name, "bp")) i_bp = (long)a;
    }
    double *ratio = malloc(nb * OB_COUNT * sizeof *ratio);
    if (!ratio) rc = EXIT_RUNTIME;
    for (size_t b = 0; b < nb && ratio; b++)
        for (int ob = 0; ob < OB_COUNT; ob++) {
            ratio[b * OB_COUNT + ob] = NAN;
            if (i_f3 < 0 || i_bp < 0) continue;
            const detail *f = &dets[(b * nr + (size_t)i_f3) * OB_COUNT + ob], *p = &dets[(b * nr + (size_t)i_bp) * OB_COUNT + ob];
            ratio[b * OB_COUNT + ob] = ob == OB_ENERGY ? f->energy_nj / p->energy_nj : f->sps / p->sps;
        }
    if (rc) goto done;

    /* the files */
    char base[1200];
    snprintf(base, sizeof base, "%s/%s", scenario_str(sc, "outputs.folder"), sc->name);
    atomic_file csv, js;
    if (make_dirs(base) || atomic_open(&csv, base, "compare_budget.csv")) {
        fprintf(stderr, "f3sim compare: %s\n", f3_last_error());
        rc = EXIT_RUNTIME;
        goto done;
    }
    if (atomic_open(&js, base, "compare_budget.json")) {
        fprintf(stderr, "f3sim compare: %s\n", f3_last_error());
        atomic_abort(&csv);
        rc = EXIT_RUNTIME;
        goto done;
    }
    csv_header(csv.f);
    for (size_t b = 0; b < nb; b++)
        for (size_t a = 0; a < nr; a++)
            for (int ob = 0; ob < OB_COUNT; ob++)
                budget_csv_row(csv.f, &budgets[b], rules[a].name, ob, &dets[(b * nr + a) * OB_COUNT + ob], ratio[b * OB_COUNT + ob]);
    json_writer w;
    json_init(&w, js.f);
    json_begin_object(&w);
    json_kv_string(&w, "scenario", file);
    json_kv_string(&w, "name", sc->name);
    json_kv_string(&w, "engine", "analytic");
    json_kv_string(&w, "note", "no training: time, traffic and energy do not depend on the values trained; every point "
                               "is evaluated by the analytic chip evaluator, which equals the SystemC model");
    json_kv_u64(&w, "train_samples", train->n);
    json_kv_u64(&w, "epochs", rules[0].w.epochs);
    json_key(&w, "search");
    json_begin_object(&w);
    json_kv_string(&w, "mapping_kinds", S.kinds == 3 ? "all" : MK_NAMES[S.kinds == 1 ? MK_CONTIGUOUS : MK_SPLIT]);
    json_kv_u64(&w, "mappings", (S.kinds & 1 ? S.n_kind[MK_CONTIGUOUS] : 0) + (S.kinds & 2 ? S.n_kind[MK_SPLIT] : 0));
    json_kv_u64(&w, "contiguous_mappings", S.kinds & 1 ? S.n_kind[MK_CONTIGUOUS] : 0);
    json_kv_u64(&w, "split_mappings", S.kinds & 2 ? S.n_kind[MK_SPLIT] : 0);
    json_kv_u64(&w, "blocks", S.n_blocks);
    if (S.n_blocks) json_kv_string(&w, "split_mappings_not_searched", BLOCKS_NOT_SPLIT);
    json_kv_bool(&w, "every_mapping", S.n_kind[MK_CONTIGUOUS] == ((K - 1 < 63) ? ((uint64_t)1 << (K - 1)) : 0));
    json_key(&w, "split_ways");
    json_begin_array(&w);
    for (size_t i = 0; i < N_SPLIT_WAYS; i++) json_u64(&w, SPLIT_WAYS[i]);
    json_end_array(&w);
    json_kv_double(&w, "macro_kib", S.macro_bytes / 1024.0);
    for (int d = 0; d < D_COUNT; d++) {
        json_key(&w, DIMS[d].name);
        json_begin_array(&w);
        for (size_t i = 0; i < DIMS[d].n; i++) json_double(&w, DIMS[d].v[i]);
        json_end_array(&w);
    }
    /* the rules whose work and needs size every rule's chips (lanes_from, sram_from) */
    json_key(&w, "sized_by_rules");
    json_begin_array(&w);
    for (size_t a = 0; a < nr; a++) json_string(&w, rules[a].name);
    json_end_array(&w);
    json_kv_u64(&w, "points", evaluated);
    json_kv_double(&w, "seconds", t_search);
    json_end_object(&w);
    json_key(&w, "rules");
    json_begin_array(&w);
    for (size_t a = 0; a < nr; a++) {
        const rule_ctx *r = &rules[a];
        double mins[5] = {INFINITY, INFINITY, INFINITY, INFINITY, INFINITY};
        const point *own = NULL;
        for (size_t i = 0; i < r->n; i++) {
            const point *p = &r->pts[i];
            if (p->own) own = p;
            mins[0] = fmin(mins[0], p->area);
            if (p->weights_on_chip) mins[1] = fmin(mins[1], p->area);
            if (p->no_spill) mins[2] = fmin(mins[2], p->area);
            mins[3] = fmin(mins[3], p->power_mw);
            mins[4] = fmin(mins[4], p->lanes);
        }
        json_begin_object(&w);
        json_kv_string(&w, "rule", r->name);
        json_kv_u64(&w, "points", r->tried);
        json_kv_u64(&w, "points_run", r->n);
        json_kv_u64(&w, "points_cannot_run", r->cannot);
        json_kv_string(&w, "cannot_run_first", r->cannot_why);
        for (int k = 0; k < MK_COUNT; k++) {
            char key[64];
            snprintf(key, sizeof key, "points_%s", MK_NAMES[k]);
            json_kv_u64(&w, key, r->tried_kind[k]);
            snprintf(key, sizeof key, "points_run_%s", MK_NAMES[k]);
            json_kv_u64(&w, key, r->run_kind[k]);
        }
        json_kv_double(&w, "min_area_mm2", mins[0]);
        json_kv_double(&w, "min_area_weights_on_chip_mm2", mins[1]);
        json_kv_double(&w, "min_area_no_spill_mm2", mins[2]);
        json_kv_double(&w, "min_power_mW", mins[3]);
        json_kv_double(&w, "min_lanes", mins[4]);
        json_key(&w, "scenario_chip");
        if (own) {
            json_begin_object(&w);
            json_kv_double(&w, "energy_per_sample_nJ", own->energy_nj);
            json_kv_double(&w, "samples_per_second", own->sps);
            json_kv_double(&w, "area_mm2", own->area);
            json_kv_double(&w, "power_mW", own->power_mw);
            json_kv_double(&w, "lanes", own->lanes);
            json_end_object(&w);
        } else {
            json_null(&w);
        }
        json_end_object(&w);
    }
    json_end_array(&w);
    json_key(&w, "budgets");
    json_begin_array(&w);
    for (size_t b = 0; b < nb; b++) {
        char bt[128];
        budget_text(&budgets[b], bt, sizeof bt);
        json_begin_object(&w);
        json_kv_string(&w, "budget", bt);
        json_kv_string(&w, "kind", BK_NAMES[budgets[b].kind]);
        json_kv_double(&w, "value", budgets[b].value);
        json_kv_string(&w, "unit", BK_UNITS[budgets[b].kind]);
        json_key(&w, "best");
        json_begin_object(&w);
        for (size_t a = 0; a < nr; a++) {
            json_key(&w, rules[a].name);
            json_begin_object(&w);
            for (int ob = 0; ob < OB_COUNT; ob++) {
                json_key(&w, OB_NAMES[ob]);
                json_detail(&w, &dets[(b * nr + a) * OB_COUNT + ob]);
            }
            json_end_object(&w);
        }
        json_end_object(&w);
        json_key(&w, "f3_over_bp");
        json_begin_object(&w);
        for (int ob = 0; ob < OB_COUNT; ob++) json_kv_double(&w, OB_NAMES[ob], ratio[b * OB_COUNT + ob]);
        json_end_object(&w);
        json_end_object(&w);
    }
    json_end_array(&w);
    json_end_object(&w);
    fputc('\n', js.f);
    if (atomic_commit(&csv)) {
        fprintf(stderr, "f3sim compare: %s\n", f3_last_error());
        atomic_abort(&js);
        rc = EXIT_RUNTIME;
        goto done;
    }
    if (atomic_commit(&js)) {
        fprintf(stderr, "f3sim compare: %s\n", f3_last_error());
        rc = EXIT_RUNTIME;
        goto done;
    }

    /* the table */
    printf("%s: each rule on its own best chip within the budget; analytic evaluator, nothing trained (time, traffic "
           "and energy do not depend on the values)\n",
           sc->name);
    {
        char maps[160];
        const size_t nc = S.kinds & 1 ? S.n_kind[MK_CONTIGUOUS] : 0, ns = S.kinds & 2 ? S.n_kind[MK_SPLIT] : 0;
        snprintf(maps, sizeof maps, "%zu mappings: %zu contiguous%s, %zu split", nc + ns, nc,
                 !nc || S.n_kind[MK_CONTIGUOUS] == ((K - 1 < 63) ? ((uint64_t)1 << (K - 1)) : 0) ? "" : " (sampled)", ns);
        printf("searched %zu points (%zu rules × %s × dataflows × each tile's lanes (%zu totals) and SRAM (%zu "
               "fractions) by the work and need of each of the %zu rules, the same chips for every rule, × %zu "
               "register sizes, "
               "weight_stationary also in micro-batches of 1, 5 and 10, and the scenario's chip) in %.2f s; %zu "
               "training samples × %zu epochs\n",
               evaluated, nr, maps, DIMS[D_LANES].n, DIMS[D_SRAM].n, nr, DIMS[D_REGS].n, t_search, train->n,
               rules[0].w.epochs);
        if (S.n_blocks)
            printf("a network of %zu blocks (network.type %s): contiguous mappings only (consecutive blocks per tile); "
                   "%s\n",
                   S.n_blocks, scenario_str(sc, "network.type"), BLOCKS_NOT_SPLIT);
        for (size_t a = 0; a < nr; a++) {
            printf("  %s: %zu points on contiguous mappings, %zu on split ones", rules[a].name,
                   rules[a].tried_kind[MK_CONTIGUOUS], rules[a].tried_kind[MK_SPLIT]);
            if (rules[a].cannot)
                printf("; %zu of them cannot run (the first: %s)", rules[a].cannot, rules[a].cannot_why);
            putchar('\n');
        }
    }
    for (size_t b = 0; b < nb; b++) {
        char bt[128];
        budget_text(&budgets[b], bt, sizeof bt);
        printf("\nbudget %s %s\n", bt, BK_UNITS[budgets[b].kind]);
        printf("  %-8s %-18s %-16s %-14s %-18s %-17s %11s %11s %8s %9s %7s %10s %10s %8s %8s\n", "rule", "best for",
               "mapping", "lanes", "SRAM KiB", "dataflow", "nJ/sample", "samples/s", "mm²", "mW", "stall%", "stash B",
               "bwd B/smp", "ES B/smp", "W passes");
        for (int ob = 0; ob < OB_COUNT; ob++)
            for (size_t a = 0; a < nr; a++) {
                const detail *d = &dets[(b * nr + a) * OB_COUNT + ob];
                char df[40], map[1100];
                /* a split chip: the tiles of each layer */
                if (d->split[0]) snprintf(map, sizeof map, "split %s", d->split);
                else snprintf(map, sizeof map, "%s", d->mapping);
                if (d->micro_batch) snprintf(df, sizeof df, "%s/%zu", d->dataflow, d->micro_batch);
                else snprintf(df, sizeof df, "%s", d->dataflow);
                printf("  %-8s %-18s %-16s %-14s %-18s %-17s %11.4g %11.5g %8.3g %9.4g %7.2f %10.4g %10.4g %8.4g %8.3f%s\n",
                       rules[a].name, OB_NAMES[ob], map, d->lanes, d->sram_kib, df, d->energy_nj, d->sps,
                       d->area, d->power_mw, d->stall_pct, d->stash_bytes, d->bwd_bytes_ps, d->es_bytes_ps,
                       d->w_passes_ps, d->own ? "  (the scenario's chip)" : !strcmp(d->es_placement, "dram") ? "  (error store in DRAM)" : "");
            }
        if (i_f3 >= 0 && i_bp >= 0)
            printf("  F3/BP: energy per sample %.3f× (F3's over BP's; < 1: F3 cheaper), samples per second %.3f× (> 1: "
                   "F3 faster)\n",
                   ratio[b * OB_COUNT + OB_ENERGY], ratio[b * OB_COUNT + OB_SPS]);
    }
    printf("\ncompare_budget.csv: %s/compare_budget.csv\n", base);
    if (tty) fprintf(tty, "f3sim compare: %zu points in %.2f s (%.0f points/s)\n", evaluated, t_search,
                     t_search > 0 ? (double)evaluated / t_search : 0.0);
done:
    free(best);
    free(within);
    free(dets);
    free(ratio);
out:
    for (size_t a = 0; a < nr; a++) free(rules[a].pts);
    free(S.maps);
    f3_dataset_free(train);
    f3_dataset_free(test);
    scenario_free(sc);
    return rc;
}

/* ---- hardware.mapping.auto --------------------------------------------------------------- */

int compare_auto_chip(const scenario *sc, const char *rule, chip_config *hw, char *desc, size_t len)
{
    const char *objective = scenario_str(sc, "hardware.mapping.auto");
    const int ob = !strcmp(objective, "energy") ? OB_ENERGY : OB_SPS;
    budget bud = {0, 0, NULL};
    for (int k = 0; k < BK_COUNT; k++) {
        const sc_value *v = scenario_get(sc, BK_KEYS[k]);
        if (v->set && v->num > 0) bud.kind = k, bud.value = v->num, bud.key = BK_KEYS[k];
    }
    if (!bud.key) /* scenario_check_mapping refuses this; say so if it gets here */
        return F3_FAIL(F3_EINVAL, "hardware.mapping.auto needs one comparison.budget"), EXIT_USAGE;
    search S;
    search_setup(sc, 0, &S);
    f3_dataset *train = NULL, *test = NULL;
    train_options o;
    scenario_train_options(sc, rule, &o);
    if (train_load_data(&o, &train, &test) != F3_OK) return EXIT_RUNTIME;
    chip_config scen_hw;
    chip_config_from_scenario(sc, &scen_hw);
    /* a network of blocks: the caller's (hw's), which the chip chosen keeps */
    scen_hw.blocks = hw->blocks;
    S.n_blocks = scen_hw.n_blocks;
    /* the rules compare compares (training.compare; this one too): their
     * work and needs size the chips searched, so that this rule is offered
     * the chips compare offers it, and gets the chip compare chooses */
    static char algs[SC_MAX_LIST + 1][32];
    size_t nr = scenario_algorithms(sc, algs, SC_MAX_LIST), ri = nr;
    for (size_t a = nr; a-- > 0;)
        if (!strcmp(algs[a], rule)) ri = a;
    if (ri == nr) snprintf(algs[nr++], sizeof algs[0], "%.31s", rule);
    int rc = 0;
    rule_ctx *rules = calloc(nr, sizeof *rules), *r = rules ? &rules[ri] : NULL;
    if (!rules) {
        F3_FAIL(F3_ENOMEM, "out of memory");
        rc = EXIT_RUNTIME;
        goto out;
    }
    for (size_t a = 0; a < nr; a++)
        if (rule_setup(sc, algs[a], train, &scen_hw, &rules[a]) != F3_OK) {
            rc = EXIT_USAGE;
            goto out;
        }
    S.rules = rules;
    S.n_rules = nr;
    if (search_mappings(&S, &r->cfg) != F3_OK) {
        rc = EXIT_RUNTIME;
        goto out;
    }
    if (search_rule(&S, r)) {
        F3_FAIL(F3_ENOMEM, "out of memory");
        rc = EXIT_RUNTIME;
        goto out;
    }
    size_t best = SIZE_MAX;
    double smallest = INFINITY;
    for (size_t i = 0; i < r->n; i++) {
        const double fig = budget_figure(&r->pts[i], bud.kind);
        if (fig < smallest) smallest = fig;
        if (fig <= bud.value && (best == SIZE_MAX || better(&r->pts[i], &r->pts[best], ob))) best = i;
    }
    if (best == SIZE_MAX) {
        const sc_value *v = scenario_get(sc, bud.key);
        F3_FAIL(F3_EINVAL,
                "%s:%d:%d: %s %.15g: no chip searched for %s is within this budget (the smallest of its %zu points "
                "needs %.6g %s): raise the budget",
                v->origin, v->line, v->col, bud.key, bud.value, rule, r->n, smallest, BK_UNITS[bud.kind]);
        rc = EXIT_USAGE;
        goto out;
    }
    static detail d;
    if (describe(&S, r, &r->pts[best], &d)) {
        rc = EXIT_RUNTIME;
        goto out;
    }
    const point *p = &r->pts[best];
    if (p->own) {
        *hw = r->base;
    } else {
        grid g;
        if (grid_alloc(&S, &g) != F3_OK) {
            rc = EXIT_RUNTIME;
            goto out;
        }
        grid_build(&S, &S.maps[p->map], p->df, &g);
        point_config(&S, r, &S.maps[p->map], p->df, p->es_alt, &g, p->k, hw);
        grid_free(&g);
    }
    hw->trace = scen_hw.trace;
    hw->trace_samples = scen_hw.trace_samples;
    snprintf(hw->auto_choice, sizeof hw->auto_choice, "%s under %s=%.15g %s, best of %zu chips searched", OB_NAMES[ob],
             BK_NAMES[bud.kind], bud.value, BK_UNITS[bud.kind], r->n);
    snprintf(desc, len,
             "hardware.mapping.auto %s within %s=%.15g %s: %s %s, %s%s, MAC lanes %s, SRAM %s KiB, "
             "registers %s KiB%s (%.6g nJ/sample, %.6g samples/s, %.4g mm², %.4g mW; best of %zu chips searched)",
             objective, BK_NAMES[bud.kind], bud.value, BK_UNITS[bud.kind],
             d.split[0] ? "layers split over tiles" : S.n_blocks ? "blocks per tile" : "layers per tile",
             d.split[0] ? d.split : d.mapping, d.dataflow,
             d.micro_batch ? " in micro-batches" : "", d.lanes, d.sram_kib, d.regs_kib,
             !strcmp(d.es_placement, "dram") ? ", error store in DRAM" : "", d.energy_nj, d.sps, d.area, d.power_mw,
             r->n);
out:
    free(S.maps);
    for (size_t a = 0; rules && a < nr; a++) free(rules[a].pts);
    free(rules);
    f3_dataset_free(train);
    f3_dataset_free(test);
    return rc;
}
