/* chip_result.c — the DRAM's sharing, the totals of the steps a run made,
 * and the chip_result assembled from them; see tile_cost.h. */
#include "tile_cost.h"

#include <math.h>
#include <stdio.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "block_cost.h"
#include "cost_tables.h"

size_t chip_dram_users(const chip_config *hw, const f3_config *cfg)
{
    size_t users = 0;
    const size_t T = chip_n_tiles(hw, cfg);
    for (size_t k = 0; k < T; k++) {
        const size_t n = chip_tile_unit_last(hw, cfg, k) - chip_tile_unit_first(hw, k) + 1;
        tile_cost *t = malloc(n * sizeof *t);
        int uses = 0;
        if (t && tile_cost_compute_tile(hw, cfg, k, cfg->batch_size, t) == F3_OK)
            for (size_t l = 0; l < n; l++) uses |= t[l].dram_resident > 0;
        free(t);
        users += (size_t)uses;
    }
    if (cfg->algorithm == F3_ALG_F3 && hw->es_placement == CHIP_ES_DRAM) users += 2; /* its reads, its writes */
    return users ? users : 1;
}

double chip_dram_cycles(const chip_config *hw, double bytes)
{
    return ceil(bytes / hw->dram_bytes_per_cycle);
}

void chip_totals_add_steps(const chip_config *hw, const tile_cost *tc, const uint64_t calls[TC_STEPS],
                           chip_tile_totals *t)
{
    for (int s = 0; s < TC_STEPS; s++) {
        const tc_step_cost *c = &tc->step[s];
        if (!calls[s] || c->reps == 0) continue;
        const double n = (double)calls[s];
        t->busy += n * c->cycles;
        t->reg += n * c->reg;
        t->acc += n * c->acc;
        t->sram_r += n * c->sram_r;
        t->sram_w += n * c->sram_w;
        if (c->transposed > 0 && tc->need[TC_WEIGHTS] > 0)
            t->sram_transposed_extra += n * (c->transposed * (tc->on_chip[TC_WEIGHTS] / tc->need[TC_WEIGHTS]) *
                                             (hw->sram_transposed_factor - 1.0));
        t->rom += n * c->rom;
        t->lfsr += n * c->lfsr;
        t->fb_fma += n * c->fb_fma;
        t->fb_add += n * c->fb_add;
        t->fb_mul += n * c->fb_mul;
        t->dram_r += n * c->dram_r;
        t->dram_w += n * c->dram_w;
    }
}

/* Sums over a tile's units (its layers, or its part of a split layer). */
typedef struct {
    double busy, reg, sr, sw, rom, dr, dw, lfsr, ffb;
    double lanes_uw; /* the tile's lanes' leakage (on its first unit's table) */
} unit_sums;

/* chip_result_assemble's units first…last of a tile with figures th: their
 * energies into ts->energy_pj, their memories into ts, their counts into u
 * (zeroed by the caller), in unit order. */
static void assemble_units(const chip_config *hw, const f3_config *cfg, const chip_totals *c, const tile_cost *full,
                           size_t first, size_t last, const chip_tile_hw *th, const chip_mac_figures *mac, double us,
                           chip_tile_stats *ts, unit_sums *u)
{
    double *e = ts->energy_pj;
    for (size_t i = first; i <= last; i++) {
        const chip_tile_totals *t = &c->tile[i];
        tile_cost own;
        if (!full) tile_cost_compute(hw, cfg, i, cfg->batch_size, &own);
        const tile_cost *tc = full ? &full[i] : &own;
        u->busy += t->busy;
        u->reg += t->reg;
        u->ffb += t->acc;
        u->sr += t->sram_r;
        u->sw += t->sram_w;
        u->rom += t->rom;
        u->dr += t->dram_r;
        u->dw += t->dram_w;
        u->lfsr += t->lfsr;
        /* compute: the ledger's operations of this layer, with Bᵀe as the
         * chip does it (additions for a {−1,0,1} B, one column for one-hot e);
         * a part of a split layer takes its rows' share of the layer's
         * ledger (every operation of a layer is per row), and BP's
         * reduction of the parts' partial sums of δh_{i−1} is additions */
        const size_t li = chip_unit_layer(hw, i);
        double fma = t->ledger_fma, elem = t->ledger_elem;
        if (f3_layer_has_feedback(cfg, li)) fma -= t->ledger_feedback_fma;
        if (chip_layer_parts(hw, li) > 1) {
            size_t r0, rows;
            chip_unit_rows(hw, cfg, i, &r0, &rows);
            fma = fma * (double)rows / (double)cfg->widths[li + 1];
            elem = elem * (double)rows / (double)cfg->widths[li + 1];
        }
        e[CHIP_E_COMPUTE] += fma * mac->fma_pj + elem * hw->elem_pj + t->fb_fma * mac->fma_pj +
                             t->fb_add * mac->add_pj + t->fb_mul * mac->mul_pj + t->red_add * mac->add_pj;
        e[CHIP_E_REGISTERS] += t->reg * th->reg_pj_per_byte + t->acc * hw->acc_pj_per_byte;
        e[CHIP_E_SRAM] += t->sram_r * th->sram_read_pj + t->sram_w * th->sram_write_pj +
                          t->sram_transposed_extra * th->sram_read_pj;
        e[CHIP_E_ROM] += t->rom * hw->rom_read_pj + t->lfsr * hw->lfsr_pj_per_value;
        e[CHIP_E_DRAM] += (t->dram_r + t->dram_w) * hw->dram_pj_per_byte;
        e[CHIP_E_LEAKAGE] += tc->leakage_uw * us;
        if (i == first) u->lanes_uw = tc->lanes_leakage_uw;
        ts->sram_needed += tc->sram_needed;
        ts->sram_on_chip += tc->sram_used;
        ts->dram_resident += tc->dram_resident;
        ts->stash_bytes += tc->stash_bytes;
        ts->buffer_bytes += tc->buffer_bytes;
        ts->rom_bytes += tc->rom_bytes;
        ts->area_mm2 += tc->area_mm2;
    }
}

void chip_result_assemble(const chip_config *hw, const f3_config *cfg, const chip_totals *c, const tile_cost *full,
                          chip_result *r)
{
    const size_t T = chip_n_tiles(hw, cfg), U = chip_n_units(hw, cfg);
    memset(r, 0, offsetof(chip_result, tile) + T * sizeof r->tile[0]); /* the tiles beyond T stay as they are */
    r->cycles = (uint64_t)ceil(c->end);
    r->samples = c->samples;
    r->cycles_per_sample = c->samples ? c->end / (double)c->samples : 0;
    r->samples_per_second = r->cycles_per_sample > 0 ? hw->clock_mhz * 1e6 / r->cycles_per_sample : 0;
    r->n_tiles = T;
    const double us = c->end / hw->clock_mhz; /* the run's duration, µs: leakage µW × µs = pJ */
    r->link_bytes[0] = c->link_in_bytes;
    r->link_bytes[2] = c->link_bcast_bytes;
    const double es_pj_r = hw->es_read_pj, es_pj_w = hw->es_write_pj; /* auto: the DRAM's when it lives there */
    r->es_capacity_bytes = chip_error_store_bytes(hw, cfg, c->n_train);
    const int es_on_chip = hw->es_placement == CHIP_ES_ON_CHIP && r->es_capacity_bytes > 0;
    r->es_area_mm2 = es_on_chip ? r->es_capacity_bytes / 1024.0 * hw->es_area_mm2_per_kib : 0.0;
    const double es_leak_uw = es_on_chip ? r->es_capacity_bytes / 1024.0 * hw->es_leakage_uw_per_kib : 0.0;
    double stall = 0;
    const chip_mac_figures mac = chip_mac_figures_for(hw, cfg); /* the MAC lanes' arithmetic in the formats */
    for (size_t k = 0; k < T; k++) {
        /* the tile's units (its layers, or its part of a split layer) */
        const size_t first = chip_tile_unit_first(hw, k), last = chip_tile_unit_last(hw, cfg, k);
        const chip_tile_hw th = chip_tile_figures(hw, k);
        chip_tile_stats *ts = &r->tile[k];
        ts->first_layer = chip_unit_layer(hw, first);
        ts->last_layer = chip_unit_layer(hw, last);
        ts->mac_lanes = th.mac_lanes;
        ts->sram_capacity_bytes = th.sram_capacity_bytes;
        ts->reg_capacity_bytes = th.reg_capacity_bytes;
        double *e = ts->energy_pj;
        /* the tile's own figures (waits, links) are on its first unit's totals */
        const chip_tile_totals *t0 = &c->tile[first];
        r->link_bytes[0] += t0->link_fwd_bytes;
        r->link_bytes[1] += t0->link_bwd_bytes;
        ts->wait_input = (uint64_t)llround(t0->wait_input);
        ts->wait_downstream = (uint64_t)llround(t0->wait_downstream);
        ts->wait_memory = (uint64_t)llround(t0->wait_memory);
        e[CHIP_E_LINKS] = (double)t0->link_fwd_bytes * hw->forward.pj_per_byte +
                          (double)t0->link_bwd_bytes * hw->backward.pj_per_byte;
        if (k == 0) e[CHIP_E_LINKS] += (double)c->link_in_bytes * hw->forward.pj_per_byte;
        unit_sums u = {0};
        assemble_units(hw, cfg, c, full, first, last, &th, &mac, us, ts, &u);
        const double busy = u.busy, reg = u.reg, sr = u.sr, sw = u.sw, rom = u.rom, dr = u.dr, dw = u.dw,
                     lfsr = u.lfsr, ffb = u.ffb, lanes_uw = u.lanes_uw;
        ts->busy = (uint64_t)llround(busy);
        double acc = busy + t0->wait_input + t0->wait_downstream + t0->wait_memory;
        ts->idle = c->end > acc ? (uint64_t)llround(c->end - acc) : 0;
        if (hw->gating) {
            /* the lanes off over the gated waits and after the tile's last
             * step (its idle end); each wake-up costs their leakage over
             * breakeven_cycles */
            const double idle_end = c->end > acc ? c->end - acc : 0.0;
            const double off = t0->gated + (idle_end >= hw->gate_min_idle ? idle_end : 0.0);
            e[CHIP_E_LEAKAGE] -= lanes_uw * (1.0 - hw->sleep_leakage) * off / hw->clock_mhz;
            e[CHIP_E_LEAKAGE] += lanes_uw * t0->wakes * hw->breakeven_cycles / hw->clock_mhz;
            ts->gated = (uint64_t)llround(off);
            ts->wakes = (uint64_t)llround(t0->wakes);
        }
        ts->reg_bytes = (uint64_t)llround(reg + ffb); /* the register file and ws_loop samples' flip-flops */
        ts->sram_read = (uint64_t)llround(sr);
        ts->sram_written = (uint64_t)llround(sw);
        ts->rom_read = (uint64_t)llround(rom);
        ts->dram_read = (uint64_t)llround(dr);
        ts->dram_written = (uint64_t)llround(dw);
        ts->lfsr_values = (uint64_t)llround(lfsr);
        if (first == 0) e[CHIP_E_ERROR_STORE] += c->es_read * es_pj_r;
        if (last + 1 == U) {
            /* the output tile writes the error store and sends the broadcast;
             * the store's leakage is counted with it */
            e[CHIP_E_LINKS] += (double)c->link_bcast_bytes * hw->broadcast.pj_per_byte;
            e[CHIP_E_ERROR_STORE] += c->es_written * es_pj_w;
            e[CHIP_E_LEAKAGE] += es_leak_uw * us;
        }
        r->area_mm2 += ts->area_mm2;
        r->reg_bytes += ts->reg_bytes;
        r->sram_read += ts->sram_read;
        r->sram_written += ts->sram_written;
        r->rom_read += ts->rom_read;
        r->dram_read += ts->dram_read;
        r->dram_written += ts->dram_written;
        for (int q = 0; q < CHIP_E_COUNT; q++) r->energy_pj[q] += e[q];
        stall += t0->wait_downstream;
    }
    r->area_mm2 += r->es_area_mm2;
    /* the DRAM's background (standby + refresh) power over the run: the
     * chip's, not a tile's (mW × µs × 1000 = pJ) */
    r->energy_pj[CHIP_E_DRAM] += hw->dram_background_mw * 1e3 * (c->end / hw->clock_mhz);
    r->es_read = (uint64_t)llround(c->es_read);
    r->es_written = (uint64_t)llround(c->es_written);
    if (hw->es_placement == CHIP_ES_DRAM) {
        r->dram_read += r->es_read;
        r->dram_written += r->es_written;
    }
    r->stall_fraction = c->end > 0 ? stall / ((double)T * c->end) : 0;
    double e = 0;
    for (int q = 0; q < CHIP_E_COUNT; q++) e += r->energy_pj[q];
    r->energy_per_sample_pj = c->samples ? e / (double)c->samples : 0;
}
