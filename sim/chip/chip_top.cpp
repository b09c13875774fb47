/* chip_top.cpp — the chip's top: builds the modules (streamer, tiles,
 * links, error store, DRAM), binds their ports, keeps the chain's
 * bookkeeping, and is the C seam (chip.h) that the command line calls.
 * Every exception of the model (an sc_report, a bad_alloc) is caught at the
 * seam and becomes an f3 error. */
#include "chip.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "chip_top.h"
#include "f3/status.h"

using namespace sc_core;

namespace f3chip {

Top::Top(sc_module_name name, const chip_config &hw, f3_trainer *tr, const f3_dataset *train)
    : sc_module(name), m_hw(hw), m_tr(tr), m_train(train), m_K(tr->cfg.n_layers),
      /* batches in flight: one per tile and two more, which keeps every
       * tile fed at steady state and the working set small */
      m_ring(m_K + 2), m_period_ns(1e3 / hw.clock_mhz), m_tracing(hw.trace != 0), m_credits("credits", int(m_K + 2)),
      r_tiles(m_K), r_fwd(m_K), r_bwd(m_K)
{
    const f3_config &cfg = tr->cfg;
    const size_t bs = cfg.batch_size, C = tr->C;
    m_slots.resize(m_ring);
    m_tiles_done.assign(m_ring, 0);
    for (Slot &sl : m_slots) {
        sl.x.resize(bs * train->d);
        sl.t.resize(bs * C);
        sl.E.resize(bs * C);
        sl.es.resize(bs);
        sl.lab.resize(bs);
        sl.idx.resize(bs);
    }
    const bool tr_on = hw.trace != 0;
    const size_t q = 2; /* messages a link queues per receiver */
    /* requesters of the DRAM: the tiles, then the error store */
    dram.reset(new Dram("dram", hw, m_K + 1, &r_dram));
    link_in.reset(new Link("link_in", hw.forward, 1, q, tr_on, &r_in));
    for (size_t i = 0; i < m_K; i++) {
        fwd.emplace_back(new Link(("link_fwd" + std::to_string(i + 1)).c_str(), hw.forward, 1, q, tr_on, &r_fwd[i]));
        bwd.emplace_back(new Link(("link_bwd" + std::to_string(i + 2)).c_str(), hw.backward, 1, q, tr_on, &r_bwd[i]));
    }
    bcast.reset(new Link("link_broadcast", hw.broadcast, m_K > 1 ? m_K - 1 : 1, m_ring, tr_on, &r_bcast));
    streamer.reset(new Streamer("streamer", tr, train, m_slots, hw.es_bytes_per_value));
    streamer->out(*link_in);
    streamer->chain(*this);
    if (cfg.algorithm == F3_ALG_F3) {
        store.reset(new ErrorStore("error_store", hw, tr, m_K, &r_store));
        if (hw.es_placement == CHIP_ES_DRAM) store->dram(*dram);
        streamer->store(*store);
    }
    for (size_t i = 0; i < m_K; i++) {
        Tile *t = new Tile(("tile" + std::to_string(i + 1)).c_str(), hw, tr, &m_stats, i, m_ring, &r_tiles[i]);
        tiles.emplace_back(t);
        t->in(i == 0 ? link_in->tap(0) : fwd[i - 1]->tap(0));
        if (i + 1 < m_K) t->out(*fwd[i]);
        t->dram(*dram);
        t->chain(*this);
        if (cfg.algorithm == F3_ALG_BP) {
            if (i + 1 < m_K) t->back_in(bwd[i]->tap(0));
            if (i > 0) t->back_out(*bwd[i - 1]);
        } else if (cfg.algorithm == F3_ALG_DFA) {
            if (i + 1 < m_K) t->back_in(bcast->tap(i));
            else if (m_K > 1) t->back_out(*bcast);
        }
        if (i + 1 == m_K && store) t->store(*store);
    }
}

void Top::tile_done(size_t k, double t)
{
    m_end = std::max(m_end, t);
    if (++m_tiles_done[k] < m_K) return;
    m_tiles_done[k] = 0;
    m_samples += m_slots[k].b;
    f3_ledger_count_step(m_tr->ledger, m_slots[k].b); /* as f3_train_step counts them */
    if (m_tracing && m_samples >= m_hw.trace_samples) {
        m_tracing = false;
        link_in->stop_tracing();
        bcast->stop_tracing();
        for (size_t i = 0; i < m_K; i++) fwd[i]->stop_tracing(), bwd[i]->stop_tracing();
    }
    m_credits.post();
    streamer->batch_through();
}

} // namespace f3chip

using f3chip::Top;


/* Run f at the C seam: a SystemC report or any other exception becomes an
 * f3 error and a non-zero return. */
template <class F> static int seam(const char *what, F f)
{
    try {
        return f();
    } catch (const sc_report &r) {
        F3_FAIL(F3_EINVAL, "chip: %s: %s", what, r.what());
    } catch (const std::bad_alloc &) {
        F3_FAIL(F3_ENOMEM, "chip: %s: out of memory", what);
    } catch (const std::exception &e) {
        F3_FAIL(F3_EINVAL, "chip: %s: %s", what, e.what());
    }
    return 1;
}

extern "C" chip_sim *chip_sim_new(const chip_config *hw, f3_trainer *tr, const f3_dataset *train)
{
    static bool elaborated = false;
    if (elaborated) {
        F3_FAIL(F3_EINVAL, "chip: one chip per process (SystemC elaborates once)");
        return nullptr;
    }
    elaborated = true;
    std::unique_ptr<chip_sim> s(new chip_sim);
    /* SystemC's errors throw (and are caught at the seam) instead of aborting */
    sc_report_handler::set_actions(SC_ERROR, SC_THROW);
    sc_report_handler::set_actions(SC_FATAL, SC_THROW);
    sc_report_handler::set_actions(SC_INFO, SC_DO_NOTHING); /* "simulation stopped by user" at the end */
    if (seam("elaboration", [&] {
            s->top.reset(new Top("chip", *hw, tr, train));
            return 0;
        }))
        return nullptr;
    return s.release();
}

extern "C" int chip_sim_epoch(chip_sim *s, const size_t *perm, size_t epoch, f3_stats *st)
{
    (void)epoch;
    Top &c = *s->top;
    c.m_stats = st;
    c.streamer->set_epoch(perm);
    s->epoch_first_batch = c.streamer->sent();
    if (seam("simulation", [] {
            sc_start();
            return 0;
        }))
        return 1;
    if (c.streamer->through() != c.streamer->sent()) {
        F3_FAIL(F3_EINVAL, "chip: the epoch ended with %zu of %zu batches through the chain", c.streamer->through(),
                c.streamer->sent());
        return 1;
    }
    return 0;
}

extern "C" void chip_sim_set_stop(chip_sim *s, int (*stop)(void)) { s->top->streamer->set_stop(stop); }

extern "C" int chip_sim_stopped(const chip_sim *s, size_t *batches_done)
{
    *batches_done = s->top->streamer->through() - s->epoch_first_batch;
    return s->top->streamer->stopped() ? 1 : 0;
}

/* Put the modules' reports together: totals, energy by item, area. */
static void collect(const Top &c, chip_result *r)
{
    const chip_config &hw = c.m_hw;
    const f3_trainer *tr = c.m_tr;
    const f3_config &cfg = tr->cfg;
    std::memset(r, 0, sizeof *r);
    r->cycles = uint64_t(std::ceil(c.m_end));
    r->samples = c.m_samples;
    r->cycles_per_sample = c.m_samples ? c.m_end / double(c.m_samples) : 0;
    r->samples_per_second = r->cycles_per_sample > 0 ? hw.clock_mhz * 1e6 / r->cycles_per_sample : 0;
    r->n_tiles = c.m_K;
    const double us = c.m_end / hw.clock_mhz; /* the run's duration, µs: leakage µW × µs = pJ */
    r->link_bytes[0] = c.r_in.bytes;
    r->link_bytes[2] = c.r_bcast.bytes;
    const double es_pj_r = hw.es_read_pj, es_pj_w = hw.es_write_pj; /* auto: the DRAM's when it lives there */
    r->es_capacity_bytes = chip_error_store_bytes(&hw, &cfg, tr->n_train);
    const bool es_on_chip = hw.es_placement == CHIP_ES_ON_CHIP && r->es_capacity_bytes > 0;
    r->es_area_mm2 = es_on_chip ? r->es_capacity_bytes / 1024.0 * hw.es_area_mm2_per_kib : 0.0;
    const double es_leak_uw = es_on_chip ? r->es_capacity_bytes / 1024.0 * hw.es_leakage_uw_per_kib : 0.0;
    double stall = 0;
    const chip_mac_figures mac = chip_mac_figures_for(&hw, &cfg); /* the MAC lanes' arithmetic in the formats */
    for (size_t i = 0; i < c.m_K; i++) {
        const f3chip::TileReport &t = c.r_tiles[i];
        chip_tile_stats &ts = r->tile[i];
        tile_cost tc;
        tile_cost_compute(&hw, &cfg, i, cfg.batch_size, &tc);
        r->link_bytes[0] += c.r_fwd[i].bytes;
        r->link_bytes[1] += c.r_bwd[i].bytes;
        ts.busy = uint64_t(std::llround(t.busy));
        ts.wait_input = uint64_t(std::llround(t.wait_input));
        ts.wait_downstream = uint64_t(std::llround(t.wait_downstream));
        ts.wait_memory = uint64_t(std::llround(t.wait_memory));
        double acc = t.busy + t.wait_input + t.wait_downstream + t.wait_memory;
        ts.idle = c.m_end > acc ? uint64_t(std::llround(c.m_end - acc)) : 0;
        ts.reg_bytes = uint64_t(std::llround(t.reg));
        ts.sram_read = uint64_t(std::llround(t.sram_r));
        ts.sram_written = uint64_t(std::llround(t.sram_w));
        ts.rom_read = uint64_t(std::llround(t.rom));
        ts.dram_read = uint64_t(std::llround(t.dram_r));
        ts.dram_written = uint64_t(std::llround(t.dram_w));
        ts.lfsr_values = uint64_t(std::llround(t.lfsr));
        /* compute: the ledger's operations of this layer, with Bᵀe as the
         * chip does it (additions for a {−1,0,1} B, one column for one-hot e) */
        f3_counts cnt = f3_ledger_sum(tr->ledger, int(i), F3_PH_COUNT);
        double fma = double(cnt.fma);
        if (f3_layer_has_feedback(&cfg, i)) fma -= double(f3_ledger_sum(tr->ledger, int(i), F3_PH_FEEDBACK).fma);
        double *e = ts.energy_pj;
        e[CHIP_E_COMPUTE] = fma * mac.fma_pj + double(cnt.elem) * hw.elem_pj + t.fb_fma * mac.fma_pj +
                            t.fb_add * mac.add_pj + t.fb_mul * mac.mul_pj;
        e[CHIP_E_REGISTERS] = t.reg * hw.reg_pj_per_byte;
        e[CHIP_E_SRAM] = t.sram_r * hw.sram_read_pj + t.sram_w * hw.sram_write_pj + t.sram_transposed_extra * hw.sram_read_pj;
        e[CHIP_E_ROM] = t.rom * hw.rom_read_pj + t.lfsr * hw.lfsr_pj_per_value;
        e[CHIP_E_DRAM] = (t.dram_r + t.dram_w) * hw.dram_pj_per_byte;
        e[CHIP_E_LINKS] = double(c.r_fwd[i].bytes) * hw.forward.pj_per_byte + double(c.r_bwd[i].bytes) * hw.backward.pj_per_byte;
        if (i == 0) e[CHIP_E_LINKS] += double(c.r_in.bytes) * hw.forward.pj_per_byte;
        e[CHIP_E_LEAKAGE] = tc.leakage_uw * us;
        if (i == 0) e[CHIP_E_ERROR_STORE] += c.r_store.read * es_pj_r;
        if (i + 1 == c.m_K) {
            /* the output tile writes the error store and sends the broadcast;
             * the store's leakage is counted with it */
            e[CHIP_E_LINKS] += double(c.r_bcast.bytes) * hw.broadcast.pj_per_byte;
            e[CHIP_E_ERROR_STORE] += c.r_store.written * es_pj_w;
            e[CHIP_E_LEAKAGE] += es_leak_uw * us;
        }
        ts.sram_needed = tc.sram_needed;
        ts.sram_on_chip = tc.sram_used;
        ts.dram_resident = tc.dram_resident;
        ts.stash_bytes = tc.stash_bytes;
        ts.buffer_bytes = tc.buffer_bytes;
        ts.rom_bytes = tc.rom_bytes;
        ts.area_mm2 = tc.area_mm2;
        r->area_mm2 += tc.area_mm2;
        r->reg_bytes += ts.reg_bytes;
        r->sram_read += ts.sram_read;
        r->sram_written += ts.sram_written;
        r->rom_read += ts.rom_read;
        for (int k = 0; k < CHIP_E_COUNT; k++) r->energy_pj[k] += e[k];
        stall += t.wait_downstream;
    }
    r->area_mm2 += r->es_area_mm2;
    r->dram_read = c.r_dram.read;
    r->dram_written = c.r_dram.written;
    r->es_read = uint64_t(std::llround(c.r_store.read));
    r->es_written = uint64_t(std::llround(c.r_store.written));
    r->stall_fraction = c.m_end > 0 ? stall / (double(c.m_K) * c.m_end) : 0;
    double e = 0;
    for (double v : r->energy_pj) e += v;
    r->energy_per_sample_pj = c.m_samples ? e / double(c.m_samples) : 0;
}

extern "C" int chip_sim_result(chip_sim *s, chip_result *out)
{
    if (!s->finished) {
        Top &c = *s->top;
        /* end the simulation: the streamer calls sc_stop, and every module
         * reports its counters at end_of_simulation */
        c.streamer->finish();
        if (seam("end of simulation", [] {
                sc_start();
                return 0;
            }))
            return 1;
        if (!c.m_ended) return F3_FAIL(F3_EINVAL, "chip: the simulation did not end"), 1;
        collect(c, &s->res);
        s->finished = true;
    }
    *out = s->res;
    return 0;
}
