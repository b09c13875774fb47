/* bounds.c — see bounds.h.  Every cycle and byte comes from the tile cost
 * table: a limiter's cycles are tc_step_finish's on a copy of the step that
 * keeps that limiter's work alone, a data space's bytes tc_step_finish's on
 * a copy that keeps that item's bytes alone. */
#include "bounds.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analytic.h"

const char *const chip_bound_names[CHIP_BOUNDS] = {"compute", "sram_port", "rom", "lfsr", "latency", "registers"};
const char *const chip_level_names[CHIP_LEVELS] = {"registers", "sram", "rom", "dram", "link"};

static size_t tile_units(const chip_config *hw, const f3_config *cfg, size_t tile)
{
    return chip_tile_unit_last(hw, cfg, tile) - chip_tile_unit_first(hw, tile) + 1;
}

/* The cycles of step c with only limiter `which`'s work left (no latency:
 * h0 is the chip with step_latency 0). */
static double alone(const chip_config *h0, const chip_tile_hw *th, const tile_cost *t, const tc_step_cost *c,
                    chip_limiter which)
{
    tc_step_cost x = *c;
    x.compute = 0;
    if (which != CHIP_LIM_SRAM_PORT) {
        memset(x.rd, 0, sizeof x.rd);
        memset(x.wr, 0, sizeof x.wr);
        x.transposed = 0;
    }
    if (which != CHIP_LIM_ROM) x.rom = 0;
    if (which != CHIP_LIM_LFSR) x.lfsr = 0;
    tc_step_finish(h0, th, t->need, t->on_chip, &x);
    return x.cycles;
}

/* The chip with an unbounded register file (every tile's). */
static void unbounded_registers(chip_config *h)
{
    h->reg_capacity_bytes = 1e30;
    for (size_t k = 0; k < CHIP_MAX_TILES; k++) h->tiles[k].reg_capacity_bytes = 1e30;
}

f3_status chip_step_bounds(const chip_config *hw, const f3_config *cfg, size_t tile, size_t batch,
                           chip_step_bound *out, size_t *n)
{
    *n = 0;
    const size_t first = chip_tile_unit_first(hw, tile), U = tile_units(hw, cfg, tile);
    const int ws = hw->dataflow == CHIP_DF_WEIGHT_STATIONARY && !hw->n_blocks;
    tile_cost *tc = malloc(2 * U * sizeof *tc);
    chip_config *h = malloc(sizeof *h);
    if (!tc || !h) {
        free(tc);
        free(h);
        return F3_FAIL(F3_ENOMEM, "bounds: out of memory");
    }
    tile_cost *fr = tc + U; /* with an unbounded register file */
    f3_status st = tile_cost_compute_tile(hw, cfg, tile, batch, tc);
    if (!st && ws) {
        *h = *hw;
        unbounded_registers(h);
        st = tile_cost_compute_tile(h, cfg, tile, batch, fr);
    }
    if (st) {
        free(tc);
        free(h);
        return st;
    }
    *h = *hw;
    h->step_latency = 0;
    const chip_tile_hw th = chip_tile_figures(hw, tile);
    for (size_t l = 0; l < U; l++) {
        const tile_cost *t = &tc[l];
        for (int s = 0; s < TC_STEPS; s++) {
            const tc_step_cost *c = &t->step[s];
            if (c->reps == 0) continue;
            chip_step_bound *b = &out[(*n)++];
            memset(b, 0, sizeof *b);
            b->tile = tile;
            b->unit = first + l;
            b->layer = chip_unit_layer(hw, first + l);
            b->step = (tc_step)s;
            b->reps = c->reps;
            b->cycles = c->cycles;
            b->limiter[CHIP_LIM_COMPUTE] = c->compute;
            for (int k = CHIP_LIM_SRAM_PORT; k <= CHIP_LIM_LFSR; k++) b->limiter[k] = alone(h, &th, t, c, k);
            b->limiter[CHIP_LIM_LATENCY] = (double)hw->step_latency;
            int m = 0;
            for (int k = 1; k < CHIP_LIMITERS; k++)
                if (b->limiter[k] > b->limiter[m]) m = k; /* strictly: a tie keeps the earlier */
            b->limiter_max = b->bound = m;
            if (ws) {
                const tc_step_cost *f = &fr[l].step[s];
                b->rows = t->n_out;
                b->block_rows = t->block_rows;
                b->blocks = t->blocks;
                b->unbounded_block_rows = fr[l].block_rows;
                b->unbounded_blocks = fr[l].blocks;
                b->unbounded_cycles = f->cycles;
                if (fr[l].blocks < t->blocks && f->cycles < c->cycles) b->bound = CHIP_BOUND_REGISTERS;
            }
        }
    }
    free(tc);
    free(h);
    return F3_OK;
}

chip_tile_util chip_tile_utilisation(const chip_result *r, size_t tile)
{
    chip_tile_util u = {0};
    u.run_cycles = (double)r->cycles;
    if (r->cycles == 0) return u;
    const chip_tile_stats *ts = &r->tile[tile];
    const double T = (double)r->cycles;
    u.busy = (double)ts->busy / T;
    u.wait_input = (double)ts->wait_input / T;
    u.wait_downstream = (double)ts->wait_downstream / T;
    u.wait_memory = (double)ts->wait_memory / T;
    u.idle = (double)ts->idle / T;
    return u;
}

/* ---- levels ------------------------------------------------------------------------ */

/* Bytes per item and level over one batch: [0] SRAM read, [1] SRAM
 * written, [2] DRAM read, [3] DRAM written. */
typedef double item_bytes[4][TC_ITEMS];

/* Add `times` executions of table t's steps (all, or all but the apply,
 * or the apply alone) to ib, item by item. */
static void add_items(const chip_config *hw, const chip_tile_hw *th, const tile_cost *t, size_t U, double times,
                      int which /* 0 all, 1 not apply, 2 apply */, item_bytes ib)
{
    for (size_t l = 0; l < U; l++)
        for (int s = 0; s < TC_STEPS; s++) {
            const tc_step_cost *c = &t[l].step[s];
            if (c->reps == 0 || (which == 1 && s == TC_APPLY) || (which == 2 && s != TC_APPLY)) continue;
            for (int i = 0; i < TC_ITEMS; i++) {
                tc_step_cost x = *c;
                memset(x.rd, 0, sizeof x.rd);
                memset(x.wr, 0, sizeof x.wr);
                x.rd[i] = c->rd[i];
                x.wr[i] = c->wr[i];
                tc_step_finish(hw, th, t[l].need, t[l].on_chip, &x);
                const double k = times * c->reps;
                ib[0][i] += k * x.sram_r;
                ib[1][i] += k * x.sram_w;
                ib[2][i] += k * x.dram_r;
                ib[3][i] += k * x.dram_w;
            }
        }
}

/* total split over n parts in the shares w[] (largest remainder): whole
 * numbers that add up to total exactly.  No weight at all: on part 0. */
static void apportion(uint64_t total, const double *w, size_t n, double *out)
{
    double W = 0;
    for (size_t i = 0; i < n; i++) W += w[i] > 0 ? w[i] : 0;
    for (size_t i = 0; i < n; i++) out[i] = 0;
    if (total == 0) return;
    if (W <= 0) {
        out[0] = (double)total;
        return;
    }
    uint64_t base[TC_ITEMS], given = 0;
    long double frac[TC_ITEMS];
    for (size_t i = 0; i < n; i++) {
        const long double q = w[i] > 0 ? (long double)total * ((long double)w[i] / (long double)W) : 0.0L;
        base[i] = (uint64_t)floorl(q);
        frac[i] = q - floorl(q);
        given += base[i];
    }
    while (given > total) { /* a rounding too many: off the largest */
        size_t m = 0;
        for (size_t i = 1; i < n; i++)
            if (base[i] > base[m]) m = i;
        base[m]--, given--;
    }
    while (given < total) { /* the remainder: to the largest fractions (ties: the first) */
        size_t m = n;
        for (size_t i = 0; i < n; i++)
            if (w[i] > 0 && (m == n || frac[i] > frac[m])) m = i;
        base[m]++, given++;
        frac[m] = -1.0L;
        int any = 0;
        for (size_t i = 0; i < n; i++) any |= w[i] > 0 && frac[i] >= 0;
        if (!any)
            for (size_t i = 0; i < n; i++) frac[i] = w[i] > 0 ? 0.0L : -1.0L;
    }
    for (size_t i = 0; i < n; i++) out[i] = (double)base[i];
}

f3_status chip_tile_levels(const chip_config *hw, const f3_config *cfg, const chip_result *r, size_t tile,
                           chip_level_row *out, size_t *n)
{
    *n = 0;
    const size_t U = tile_units(hw, cfg, tile), B = cfg->batch_size;
    const chip_tile_hw th = chip_tile_figures(hw, tile);
    const chip_tile_stats *ts = &r->tile[tile];
    tile_cost *full = malloc(2 * U * sizeof *full);
    if (!full) return F3_FAIL(F3_ENOMEM, "levels: out of memory");
    tile_cost *part = full + U;
    f3_status st = tile_cost_compute_tile(hw, cfg, tile, B, full);
    item_bytes ib;
    memset(ib, 0, sizeof ib);
    if (!st && chip_micro_batched(hw, cfg)) {
        /* the steps on each micro-batch's table, the update on the batch's */
        const size_t M = chip_chunk(hw, B);
        for (size_t c0 = 0; c0 < B && !st; c0 += M) {
            const size_t m = M < B - c0 ? M : B - c0;
            if (!(st = tile_cost_compute_tile(hw, cfg, tile, m, part))) add_items(hw, &th, part, U, 1.0, 1, ib);
        }
        if (!st) add_items(hw, &th, full, U, 1.0, 2, ib);
    } else if (!st) {
        add_items(hw, &th, full, U, 1.0, 0, ib);
    }
    if (st) {
        free(full);
        return st;
    }
    double held_on[TC_ITEMS] = {0}, held_off[TC_ITEMS] = {0};
    for (size_t l = 0; l < U; l++)
        for (int i = 0; i < TC_ITEMS; i++) {
            held_on[i] += full[l].on_chip[i];
            held_off[i] += full[l].need[i] - full[l].on_chip[i];
        }
    free(full);

    double sr[TC_ITEMS], sw[TC_ITEMS], dr[TC_ITEMS], dw[TC_ITEMS];
    apportion(ts->sram_read, ib[0], TC_ITEMS, sr);
    apportion(ts->sram_written, ib[1], TC_ITEMS, sw);
    apportion(ts->dram_read, ib[2], TC_ITEMS, dr);
    apportion(ts->dram_written, ib[3], TC_ITEMS, dw);
    const double *E = ts->energy_pj;

    chip_level_row *o = out;
    /* registers: the tile stats count bytes read or written, not by item */
    *o++ = (chip_level_row){tile, CHIP_LV_REGISTERS, "all", NAN, NAN, (double)ts->reg_bytes,
                            ts->reg_capacity_bytes, NAN, NAN, E[CHIP_E_REGISTERS]};
    /* SRAM: each item's bytes at the tile's read and write energies; the
     * weights take the rest of the tile's SRAM energy (transposed reads) */
    double e_rest = E[CHIP_E_SRAM];
    chip_level_row *w_row = NULL;
    for (int i = 0; i < TC_ITEMS; i++) {
        const double e = sr[i] * th.sram_read_pj + sw[i] * th.sram_write_pj;
        *o = (chip_level_row){tile, CHIP_LV_SRAM, tc_item_names[i], sr[i], sw[i], sr[i] + sw[i],
                              ts->sram_capacity_bytes, held_on[i], hw->sram_bytes_per_cycle_per_bank * th.sram_banks,
                              e};
        if (i == TC_WEIGHTS) w_row = o;
        else e_rest -= e;
        o++;
    }
    w_row->energy_pj = e_rest;
    /* the feedback ROM (its energy: the ROM's reads and the LFSRs' values) */
    *o++ = (chip_level_row){tile, CHIP_LV_ROM, "feedback", (double)ts->rom_read, 0.0, (double)ts->rom_read,
                            ts->rom_bytes, ts->rom_bytes, hw->rom_bytes_per_cycle, E[CHIP_E_ROM]};
    /* DRAM: the tile's own traffic (not the error store's); one energy per byte */
    const double dtot = (double)ts->dram_read + (double)ts->dram_written;
    for (int i = 0; i < TC_ITEMS; i++)
        *o++ = (chip_level_row){tile, CHIP_LV_DRAM, tc_item_names[i], dr[i], dw[i], dr[i] + dw[i], NAN, held_off[i],
                                hw->dram_bytes_per_cycle, dtot > 0 ? E[CHIP_E_DRAM] * (dr[i] + dw[i]) / dtot : 0.0};
    /* links: their energy; their bytes per tile are not in chip_tile_stats */
    *o++ = (chip_level_row){tile, CHIP_LV_LINK, "all", NAN, NAN, NAN, NAN, NAN, NAN, E[CHIP_E_LINKS]};
    *n = (size_t)(o - out);
    return F3_OK;
}

double chip_tile_fma(const chip_config *hw, const f3_config *cfg, const chip_result *r, size_t tile)
{
    if (r->samples == 0) return 0.0;
    chip_workload *w = malloc(sizeof *w);
    if (!w) return NAN;
    double fma = NAN;
    if (chip_workload_for(w, hw, cfg, (size_t)r->samples, 1) == F3_OK) {
        fma = 0;
        const size_t first = chip_tile_unit_first(hw, tile), last = chip_tile_unit_last(hw, cfg, tile);
        for (size_t u = first; u <= last; u++) {
            const size_t li = chip_unit_layer(hw, u);
            double f = w->ledger_fma[li];
            if (chip_layer_parts(hw, li) > 1) {
                size_t r0, rows;
                chip_unit_rows(hw, cfg, u, &r0, &rows);
                f = f * (double)rows / (double)cfg->widths[li + 1];
            }
            fma += f;
        }
    }
    free(w);
    return fma;
}

/* ---- the files ----------------------------------------------------------------------- */

/* a number, or nothing for NAN */
static void num(FILE *f, const char *fmt, double v)
{
    fputc(',', f);
    if (!isnan(v)) fprintf(f, fmt, v);
}

int chip_bounds_csv_write(FILE *f, const chip_config *hw, const f3_config *cfg, const chip_result *r)
{
    chip_step_bound *b = malloc(CHIP_STEP_BOUNDS_MAX * sizeof *b);
    if (!b) {
        F3_FAIL(F3_ENOMEM, "bounds.csv: out of memory");
        return -1;
    }
    fprintf(f, "tile,unit,layer,step,reps_per_batch,cycles,compute_cycles,sram_port_cycles,rom_cycles,lfsr_cycles,"
               "latency_cycles,limiter,bound,rows,block_rows,blocks,unbounded_block_rows,unbounded_blocks,"
               "unbounded_cycles,mac_lanes,run_cycles,busy_percent,wait_input_percent,wait_downstream_percent,"
               "wait_memory_percent,idle_percent,tile_fma\n");
    const int ws = hw->dataflow == CHIP_DF_WEIGHT_STATIONARY && !hw->n_blocks;
    for (size_t k = 0; k < r->n_tiles; k++) {
        size_t n;
        if (chip_step_bounds(hw, cfg, k, cfg->batch_size, b, &n)) {
            free(b);
            return -1;
        }
        const chip_tile_util u = chip_tile_utilisation(r, k);
        const double fma = chip_tile_fma(hw, cfg, r, k);
        for (size_t q = 0; q < n; q++) {
            const chip_step_bound *s = &b[q];
            fprintf(f, "%zu,%zu,%zu,%s,%.10g,%.10g", k + 1, s->unit + 1, s->layer + 1, tc_step_names[s->step],
                    s->reps, s->cycles);
            for (int i = 0; i < CHIP_LIMITERS; i++) fprintf(f, ",%.10g", s->limiter[i]);
            fprintf(f, ",%s,%s", chip_bound_names[s->limiter_max], chip_bound_names[s->bound]);
            if (ws)
                fprintf(f, ",%zu,%zu,%zu,%zu,%zu,%.10g", s->rows, s->block_rows, s->blocks, s->unbounded_block_rows,
                        s->unbounded_blocks, s->unbounded_cycles);
            else
                fprintf(f, ",,,,,,");
            fprintf(f, ",%u,%.0f,%.4f,%.4f,%.4f,%.4f,%.4f", r->tile[k].mac_lanes, u.run_cycles, 100.0 * u.busy,
                    100.0 * u.wait_input, 100.0 * u.wait_downstream, 100.0 * u.wait_memory, 100.0 * u.idle);
            num(f, "%.0f", fma);
            fputc('\n', f);
        }
    }
    free(b);
    return ferror(f) ? -1 : 0;
}

int chip_levels_csv_write(FILE *f, const chip_config *hw, const f3_config *cfg, const chip_result *r)
{
    fprintf(f, "tile,level,data_space,reads_bytes,writes_bytes,accessed_bytes,capacity_bytes,held_bytes,"
               "occupancy_percent,port_bytes_per_cycle,port_busy_percent,energy_pj\n");
    const double T = (double)r->cycles;
    for (size_t k = 0; k < r->n_tiles; k++) {
        chip_level_row rows[CHIP_LEVEL_ROWS];
        size_t n;
        if (chip_tile_levels(hw, cfg, r, k, rows, &n)) return -1;
        for (size_t q = 0; q < n; q++) {
            const chip_level_row *x = &rows[q];
            fprintf(f, "%zu,%s,%s", k + 1, chip_level_names[x->level], x->data_space);
            num(f, "%.0f", x->reads);
            num(f, "%.0f", x->writes);
            num(f, "%.0f", x->accessed);
            num(f, "%.0f", x->capacity);
            num(f, "%.0f", x->held);
            num(f, "%.4f", x->capacity > 0 && !isnan(x->held) ? 100.0 * x->held / x->capacity : NAN);
            num(f, "%.10g", x->port_bytes_per_cycle);
            num(f, "%.4f", x->port_bytes_per_cycle > 0 && T > 0 ? 100.0 * x->accessed / (x->port_bytes_per_cycle * T)
                                                                : NAN);
            num(f, "%.1f", x->energy_pj);
            fputc('\n', f);
        }
    }
    return ferror(f) ? -1 : 0;
}
