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

Top::Top(sc_module_name name, const chip_config &hw, const Net &net, const f3_dataset *train)
    : sc_module(name), m_hw(hw), m_net(net), m_train(train), m_K(chip_n_tiles(&hw, &net.cfg)),
      m_G(chip_n_stages(&hw, &net.cfg)),
      /* batches in flight: one per tile and two more, which keeps every
       * tile fed at steady state and the working set small */
      m_ring(m_K + 2), m_period_ns(1e3 / hw.clock_mhz), m_tracing(hw.trace != 0), m_credits("credits", int(m_K + 2)),
      r_tiles(m_K), r_fwd(m_G), r_bwd(m_G)
{
    const f3_config &cfg = m_net.cfg;
    const size_t bs = cfg.batch_size, C = m_net.C;
    m_slots.resize(m_ring);
    m_tiles_done.assign(m_ring, 0);
    m_slot_max.assign(m_ring, 0.0);
    m_slot_through.assign(m_ring, 0.0);
    for (Slot &sl : m_slots) {
        sl.x.resize(bs * train->d);
        sl.t.resize(bs * C);
        sl.E.resize(bs * C);
        sl.es.resize(bs);
        sl.lab.resize(bs);
        sl.idx.resize(bs);
        if (m_net.blk && !(sl.step = f3_blockstep_new(m_net.blk))) throw std::bad_alloc();
    }
    const bool tr_on = hw.trace != 0;
    const size_t q = 2; /* messages a link queues per receiver */
    /* requesters of the DRAM: the tiles, then the error store's reads and writes */
    /* and the turns of a batch: the streamer, the stages forward, (BP, DFA) back */
    dram.reset(new Dram("dram", hw, m_K + 2, chip_dram_users(&hw, &cfg),
                        1 + (f3_needs_stash(cfg.algorithm) ? 2 : 1) * uint64_t(m_G), &r_dram));
    link_in.reset(new Link("link_in", hw.forward, 1, q, tr_on, &r_in));
    /* links join stages (a tile, or every part of a split layer: the link
     * into it delivers to all its parts at once) */
    for (size_t i = 0; i < m_G; i++) {
        fwd.emplace_back(new Link(("link_fwd" + std::to_string(i + 1)).c_str(), hw.forward, 1, q, tr_on, &r_fwd[i]));
        bwd.emplace_back(new Link(("link_bwd" + std::to_string(i + 2)).c_str(), hw.backward, 1, q, tr_on, &r_bwd[i]));
    }
    bcast.reset(new Link("link_broadcast", hw.broadcast, m_G > 1 ? m_G - 1 : 1, m_ring, tr_on, &r_bcast));
    streamer.reset(new Streamer("streamer", m_net, train, m_slots, hw.es_bytes_per_value));
    streamer->out(*link_in);
    streamer->chain(*this);
    streamer->dram(*dram);
    if (cfg.algorithm == F3_ALG_F3) {
        store.reset(new ErrorStore("error_store", hw, m_net, m_K, &r_store)); /* DRAM requesters after the tiles */
        if (hw.es_placement == CHIP_ES_DRAM) store->dram(*dram);
        streamer->store(*store);
    }
    for (size_t i = 0; i < m_G; i++) {
        const size_t t0 = chip_stage_tile_first(&hw, i), t1 = chip_stage_tile_last(&hw, &cfg, i);
        std::string nm = "tile" + std::to_string(t0 + 1);
        if (t1 > t0) nm += "_" + std::to_string(t1 + 1); /* a split layer's tiles */
        Tile *t = new Tile(nm.c_str(), hw, m_net, &m_stats, i, m_ring, &r_tiles[t0]);
        tiles.emplace_back(t);
        t->in(i == 0 ? link_in->tap(0) : fwd[i - 1]->tap(0));
        if (i + 1 < m_G) t->out(*fwd[i]);
        t->dram(*dram);
        t->chain(*this);
        if (cfg.algorithm == F3_ALG_BP) {
            if (i + 1 < m_G) t->back_in(bwd[i]->tap(0));
            if (i > 0) t->back_out(*bwd[i - 1]);
        } else if (cfg.algorithm == F3_ALG_DFA) {
            if (i + 1 < m_G) t->back_in(bcast->tap(i));
            else if (m_G > 1) t->back_out(*bcast);
        }
        if (i + 1 == m_G && store) t->store(*store);
    }
}

Top::~Top()
{
    for (Slot &sl : m_slots) f3_blockstep_free(sl.step);
}

void Top::diverged(size_t block, uint64_t step)
{
    if (m_div_block && (step > m_div_step || (step == m_div_step && block + 1 >= m_div_block))) return;
    m_div_step = step;
    m_div_block = block + 1;
}

void Top::tile_done(size_t k, double t)
{
    m_end = std::max(m_end, t);
    m_slot_max[k] = std::max(m_slot_max[k], t);
    if (++m_tiles_done[k] < m_G) return; /* every stage (a split layer's parts report once, together) */
    m_tiles_done[k] = 0;
    m_slot_through[k] = m_slot_max[k];
    m_slot_max[k] = 0;
    m_samples += m_slots[k].b;
    /* the step is through every tile: counted as the plain trainers count it
     * (a network of blocks: and its loss and correct predictions, in step
     * order, as f3_blocktrainer_step adds them) */
    if (m_net.blk) f3_blocktrainer_end(m_net.blk, m_slots[k].step, m_stats);
    else f3_ledger_count_step(m_net.mlp->ledger, m_slots[k].b);
    if (m_tracing && m_samples >= m_hw.trace_samples) {
        m_tracing = false;
        link_in->stop_tracing();
        bcast->stop_tracing();
        for (size_t i = 0; i < m_G; i++) fwd[i]->stop_tracing(), bwd[i]->stop_tracing();
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

/* The chip of hw training net (chip_sim_new, chip_sim_new_blocks). */
static chip_sim *sim_new(const chip_config *hw, const f3chip::Net &net, const f3_dataset *train)
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
            s->top.reset(new Top("chip", *hw, net, train));
            return 0;
        }))
        return nullptr;
    return s.release();
}

extern "C" chip_sim *chip_sim_new(const chip_config *hw, f3_trainer *tr, const f3_dataset *train)
{
    if (hw->n_blocks) {
        F3_FAIL(F3_EINVAL, "chip: a chip of %zu blocks trains with the block trainer (chip_sim_new_blocks), not "
                           "the MLP trainer", hw->n_blocks);
        return nullptr;
    }
    f3chip::Net net;
    net.cfg = tr->cfg;
    net.mlp = tr;
    net.C = tr->C;
    net.n_train = tr->n_train;
    return sim_new(hw, net, train);
}

extern "C" chip_sim *chip_sim_new_blocks(const chip_config *hw, const f3_config *cfg, f3_blocktrainer *bt,
                                         const f3_dataset *train)
{
    if (!hw->n_blocks) {
        F3_FAIL(F3_EINVAL, "chip: the block trainer needs a chip of blocks (chip_config.blocks)");
        return nullptr;
    }
    if (chip_blocks_check(hw, cfg) != F3_OK) return nullptr;
    /* the trainer's blocks are the chip's (their shapes are what the tiles cost) */
    const f3_blocknet *bn = f3_blocktrainer_net(bt);
    if (f3_blocknet_blocks(bn) != hw->n_blocks) {
        F3_FAIL(F3_EINVAL, "chip: a chip of %zu blocks for a block trainer of %zu", hw->n_blocks,
                f3_blocknet_blocks(bn));
        return nullptr;
    }
    for (size_t k = 0; k < hw->n_blocks; k++) {
        const f3_block *a = &hw->blocks[k], *b = f3_blocknet_block(bn, k);
        if (f3_block_in_size(a) != f3_block_in_size(b) || f3_block_out_size(a) != f3_block_out_size(b) ||
            f3_block_params(a) != f3_block_params(b) || a->n_ops != b->n_ops) {
            F3_FAIL(F3_EINVAL, "chip: block %zu of the chip is not block %zu of the block trainer", k + 1, k + 1);
            return nullptr;
        }
    }
    if (train->n_outputs != cfg->widths[cfg->n_layers] || train->d != cfg->widths[0]) {
        F3_FAIL(F3_EINVAL, "chip: the training set (%zu features, %zu outputs) is not the network's (%zu, %zu)",
                train->d, train->n_outputs, cfg->widths[0], cfg->widths[cfg->n_layers]);
        return nullptr;
    }
    f3chip::Net net;
    net.cfg = *cfg;
    net.blk = bt;
    net.C = cfg->widths[cfg->n_layers];
    net.n_train = train->n;
    return sim_new(hw, net, train);
}

extern "C" int chip_sim_diverged(const chip_sim *s, size_t *block, uint64_t *step)
{
    const Top &c = *s->top;
    if (!c.m_div_block) return 0;
    *block = c.m_div_block;
    *step = c.m_div_step;
    return 1;
}

extern "C" int chip_sim_epoch(chip_sim *s, const size_t *perm, size_t epoch, f3_stats *st)
{
    (void)epoch;
    Top &c = *s->top;
    c.m_stats = st;
    c.streamer->set_epoch(perm);
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

extern "C" int chip_sim_stopped(const chip_sim *s) { return s->top->streamer->stopped() ? 1 : 0; }

/* Put the modules' reports together (chip_result_assemble: energy by
 * item, area, rates). */
static void collect(const Top &c, chip_result *r)
{
    const f3_config &cfg = c.m_net.cfg;
    const f3_ledger *ledger = c.m_net.ledger();
    std::unique_ptr<chip_totals> t(new chip_totals());
    t->end = c.m_end;
    t->samples = c.m_samples;
    t->n_train = c.m_net.n_train;
    t->link_in_bytes = c.r_in.bytes;
    t->link_bcast_bytes = c.r_bcast.bytes;
    t->es_read = c.r_store.read;
    t->es_written = c.r_store.written;
    /* per unit (a layer, or a part of a split layer): its steps and its
     * layer's ledger; the tile's waits on its first unit, a stage's links
     * on its first tile's (chip_totals) */
    for (size_t k = 0; k < c.m_K; k++) {
        const size_t first = chip_tile_unit_first(&c.m_hw, k), g = chip_stage_of_tile(&c.m_hw, k);
        const f3chip::TileReport &rep = c.r_tiles[k];
        for (size_t l = 0; l < rep.layer.size(); l++) {
            const size_t u = first + l, i = chip_unit_layer(&c.m_hw, u);
            chip_tile_totals &tt = t->tile[u];
            tt = rep.layer[l];
            if (l == 0) {
                tt.wait_input = rep.t.wait_input;
                tt.wait_downstream = rep.t.wait_downstream;
                tt.wait_memory = rep.t.wait_memory;
                tt.wakes = rep.t.wakes;
                tt.gated = rep.t.gated;
                if (chip_stage_tile_first(&c.m_hw, g) == k) {
                    tt.link_fwd_bytes = c.r_fwd[g].bytes;
                    tt.link_bwd_bytes = c.r_bwd[g].bytes;
                }
            }
            f3_counts cnt = f3_ledger_sum(ledger, int(i), F3_PH_COUNT);
            tt.ledger_fma = double(cnt.fma);
            /* what the chip does in its own way: Bᵀe (a block: E·B_k alone, not
             * the backward inside it, whose input gradients share its phase) */
            tt.ledger_feedback_fma = c.m_net.blk ? double(f3_blocktrainer_feedback_fma(c.m_net.blk, i))
                                                 : double(f3_ledger_sum(ledger, int(i), F3_PH_FEEDBACK).fma);
            tt.ledger_elem = double(cnt.elem);
        }
    }
    chip_result_assemble(&c.m_hw, &cfg, t.get(), nullptr, r);
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

/* libsystemc's own main() calls sc_main; f3sim has a main of its own and
 * builds the chip from chip_sim_new, so this is never called (it lives here,
 * beside chip_sim_new, so that every program that builds a chip links it). */
int sc_main(int, char **)
{
    std::fprintf(stderr, "f3sim: sc_main is not an entry point\n");
    return 2;
}
