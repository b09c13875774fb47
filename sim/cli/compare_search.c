/* compare_search.c — f3sim compare's search (compare_search.h): the
 * search space (sizes, dataflows, mappings), each rule's context, and every
 * point of a rule evaluated on the analytic chip evaluator, the same chip
 * taken once. */
#include "compare_search.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analytic.h"
#include "block_cost.h"
#include "cmd_scenario.h"
#include "cost_tables.h"
#include "hardware_check.h"
#include "tile_cost.h"
#include "train_run.h"

/* ---- the search space ------------------------------------------------------------------- */

/* The sizes searched at every mapping and dataflow: one row per dimension.
 * Lane totals and SRAM fractions become each tile's lanes and SRAM through
 * a rule's work and need, for every rule compared (the grid below); a point
 * takes one lane vector, one SRAM vector and one register size. */
const dim DIMS[D_COUNT] = {
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

/* Why a network of blocks is searched over contiguous mappings only. */
const char BLOCKS_NOT_SPLIT[] =
    "a block is not split over tiles (hardware.mapping.split is refused for blocks): the op table costs a whole "
    "block on one tile, and a split would have to divide every op — a layer norm's statistics and a residual take "
    "every value of a token, an attention head the q, k and v of every token — a partition that is not modelled";

/* Tiles each hidden layer is split over, and the most split mappings
 * searched: each hidden layer over each k, and the largest over each k. */
const size_t SPLIT_WAYS[N_SPLIT_WAYS] = {2, 4};
#define MAX_SPLIT_MAPPINGS ((CHIP_MAX_TILES + 1) * N_SPLIT_WAYS)

const char *const MK_NAMES[MK_COUNT] = {"contiguous", "split"};

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

/* What the scenario fixes of the SRAM's figures (else they follow each
 * tile's capacity, as chip_mapping_from_scenario does). */
static const char *const SRAM_FIGURE_KEYS[4] = {"hardware.tile.sram.read_pj_per_byte", "hardware.tile.sram.write_pj_per_byte",
                                                "hardware.tile.sram.leakage_uw_per_kib",
                                                "hardware.tile.sram.area_mm2_per_kib"};


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


void grid_free(grid *g)
{
    for (int a = 0; a < 2; a++) free(g->v[a]), free(g->from[a]);
    free(g->runs);
    free(g->tn);
    memset(g, 0, sizeof *g);
}

/* Room for the grid of S's rules; F3_ENOMEM on failure. */
f3_status grid_alloc(const search *S, grid *g)
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
void grid_build(const search *S, const mapping *m, size_t variant, grid *g)
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
void point_config(const search *S, const rule_ctx *r, const mapping *m, size_t variant, int es_alt,
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
void figures(const chip_config *hw, const chip_result *res, point *p)
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
/* The scenario's own chip for rule r (of the kind of its mapping, when
 * that kind is searched); 0, -1 when out of memory. */
static int search_own_chip(const search *S, rule_ctx *r)
{
    static chip_result res;
    point p;
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
    return 0;
}

int search_rule(const search *S, rule_ctx *r)
{
    static chip_result res;
    static chip_config hw;
    point p;
    /* the scenario's own chip (of the kind of its mapping) */
    if (search_own_chip(S, r)) return -1;
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


/* A rule's context: its configuration (widths from the training set), its
 * workload, and its base chip (the scenario's, with the links it sends on,
 * its error store resolved; F3 also the same with the store placed
 * otherwise).  F3_EINVAL with a message if it cannot run here. */
f3_status rule_setup(const scenario *sc, const char *alg, const f3_dataset *train, const chip_config *scen_hw,
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
void search_setup(const scenario *sc, double macro_kib, search *S)
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
f3_status search_mappings(search *S, const f3_config *cfg)
{
    S->maps = malloc((MAX_MAPPINGS + MAX_SPLIT_MAPPINGS) * sizeof *S->maps);
    if (!S->maps) return F3_FAIL(F3_ENOMEM, "out of memory");
    S->n_kind[MK_CONTIGUOUS] = make_mappings(cfg->n_layers, S->maps);
    S->n_maps = S->n_blocks ? S->n_kind[MK_CONTIGUOUS] : add_split_mappings(cfg, S->maps, S->n_kind[MK_CONTIGUOUS]);
    S->n_kind[MK_SPLIT] = S->n_maps - S->n_kind[MK_CONTIGUOUS];
    return F3_OK;
}
