/* tile.cpp — see tile.h. */
#include "tile.h"

#include <algorithm>
#include <cstring>

#include "f3/status.h"

namespace f3chip {

Tile::Tile(sc_core::sc_module_name name, const chip_config &hw, const Net &net, f3_stats **stats, size_t stage,
           size_t ring, TileReport *reports)
    : sc_module(name), m_hw(hw), m_net(net), m_tr(net.mlp), m_bt(net.blk), m_stats(stats),
      m_t(chip_stage_tile_first(&hw, stage)), m_first(chip_tile_first(&hw, m_t)),
      m_last(chip_tile_last(&hw, &net.cfg, chip_stage_tile_last(&hw, &net.cfg, stage))), m_ring(ring), m_stage(stage),
      m_G(chip_n_stages(&hw, &net.cfg)), m_report(reports)
{
    const f3_config &cfg = net.cfg;
    const size_t bs = cfg.batch_size, nl = m_last - m_first + 1;
    const size_t tiles = chip_stage_tile_last(&hw, &cfg, stage) - m_t + 1;
    m_par = hw.n_split != 0;
    m_u0 = chip_tile_unit_first(&hw, m_t);
    m_nu = chip_tile_unit_last(&hw, &cfg, chip_stage_tile_last(&hw, &cfg, stage)) - m_u0 + 1;
    m_pf.assign(tiles, 0.0);
    m_pr.resize(tiles);
    m_units.resize(m_nu);
    size_t dz = net.C, dzprev = 0;
    m_out.resize(nl);
    for (size_t l = m_first; l <= m_last; l++) {
        m_out[l - m_first].assign(ring, std::vector<float>(bs * width(l + 1)));
        dz = std::max(dz, width(l + 1));
        dzprev = std::max(dzprev, width(l));
    }
    m_dz.assign(bs * dz, 0.0f);
    m_dzprev[0].assign(bs * dzprev, 0.0f);
    m_dzprev[1].assign(bs * dzprev, 0.0f);
    m_escratch.assign(bs * net.C, 0.0f);
    m_out_ready.resize(nl);
    m_msgs.resize(ring);
    m_back_msgs.resize(ring);
    cost(bs); /* checks the hardware can run these layers (the scenario check did too) */
    SC_THREAD(run);
}

const std::vector<tile_cost> &Tile::cost(size_t b)
{
    auto it = m_costs.find(b);
    if (it != m_costs.end()) return it->second;
    std::vector<tile_cost> &tc = m_costs[b];
    tc.resize(m_nu);
    for (size_t t = m_t; t < m_t + m_pf.size(); t++) /* the stage's tiles, each with its units */
        if (tile_cost_compute_tile(&m_hw, &m_net.cfg, t, b, &tc[chip_tile_unit_first(&m_hw, t) - m_u0]))
            SC_REPORT_ERROR("f3sim/tile", f3_last_error()); /* thrown; the C seam catches it */
    m_calls[b].resize(m_nu, std::array<uint64_t, TC_STEPS>{});
    return tc;
}

void Tile::account(double start, double dur, int state)
{
    if (dur <= 0) return;
    switch (state) {
    case ST_BUSY: break; /* counted from the executions at the end */
    case ST_WAIT_INPUT: m_pr[m_p].t.wait_input += dur; break;
    case ST_WAIT_DOWNSTREAM: m_pr[m_p].t.wait_downstream += dur; break;
    default: m_pr[m_p].t.wait_memory += dur; break;
    }
    std::vector<Interval> &tr = m_pr[m_p].trace;
    if (chain->tracing()) {
        if (!tr.empty() && tr.back().state == state && tr.back().t1 == start)
            tr.back().t1 = start + dur;
        else
            tr.push_back({start, start + dur, state});
    }
}

double Tile::wait_until(double t, int state)
{
    if (t > m_pf[m_p]) {
        /* power gating: a wait of at least min_idle_cycles switches the
         * lanes off; waking them delays the next step by wake_cycles */
        if (m_hw.gating && t - m_pf[m_p] >= m_hw.gate_min_idle) {
            m_pr[m_p].t.wakes += 1;
            m_pr[m_p].t.gated += t - m_pf[m_p];
            t += m_hw.wake_cycles;
        }
        account(m_pf[m_p], t - m_pf[m_p], state);
        m_pf[m_p] = t;
    }
    return m_pf[m_p];
}

double Tile::step(const tile_cost &tc, tc_step s, double t)
{
    const tc_step_cost &c = tc.step[s];
    if (c.reps == 0) return t;
    double end = t + c.cycles;
    account(t, c.cycles, ST_BUSY);
    m_calls[tc.batch][m_l][s]++;
    if (c.dram_r > 0 || c.dram_w > 0) {
        /* what lives in DRAM streams through the tile's share of the port as the step runs */
        double done = t;
        if (c.dram_r > 0) done = std::max(done, dram->access(m_t + m_p, t, c.dram_r, false));
        if (c.dram_w > 0) done = std::max(done, dram->access(m_t + m_p, t, c.dram_w, true));
        if (done > end) {
            account(end, done - end, ST_WAIT_MEMORY);
            end = done;
        }
    }
    return end;
}

void Tile::send(link_out_if *link, Msg &m, Slot *sl, const float *data, f3_memclass cls,
                const std::vector<double> &sent, double bytes_per_sample)
{
    m.slot = sl;
    m.data = data;
    m.cls = cls;
    m.sent = sent;
    m.bytes_per_sample = bytes_per_sample;
    link->send(&m);
}

double Tile::steps(const tile_cost &tc, tc_step first, tc_step last, double t)
{
    for (int s = first; s <= last; s++) t = step(tc, tc_step(s), t);
    return t;
}

const float *Tile::keep_output(size_t l, size_t k, const float *y, size_t b)
{
    float *o = m_out[l - m_first][k].data();
    std::copy(y, y + b * width(l + 1), o);
    return o;
}

void Tile::update_block(size_t l, uint64_t step)
{
    f3_blocktrainer_update(m_bt, l);
    f3_blocknet *bn = f3_blocktrainer_net(m_bt);
    if (!f3_all_finite(f3_blocknet_params(bn, l), f3_block_params(f3_blocknet_block(bn, l)))) chain->diverged(l, step);
}

/* The units of layer l: one on a tile of layers (its index among the
 * stage's), or the parts of a split layer from 0. */
size_t Tile::unit_of(size_t l) const { return m_par ? size_t(0) : l - m_first; }

/* a part's ready times go to v (part 0) or to scratch, then the max */
std::vector<double> &Tile::part_vec(size_t q, std::vector<double> &v, std::vector<double> &scratch, size_t b)
{
    if (q == 0) return v;
    scratch.resize(b);
    return scratch;
}

void Tile::merge(size_t q, std::vector<double> &v, const std::vector<double> &w, size_t b)
{
    if (q == 0) return;
    for (size_t j = 0; j < b; j++) v[j] = std::max(v[j], w[j]);
}

/* the input of layer l: the message for the tile's first, else the layer
 * below on this tile (no link) */
const float *Tile::input(const Msg *m, size_t k, size_t l) const
{
    return l == m_first ? m->data : m_out[l - m_first - 1][k].data();
}

const std::vector<double> &Tile::in_ready(const Msg *m, size_t l) const
{
    return l == m_first ? m->ready : m_out_ready[l - m_first - 1];
}

/* F3, DRTP, LLO: the clocks of layer l's units (or parts) over the batch
 * of b samples, each sample trained on the way. */
void Tile::stream_timing(const Msg *m, size_t l, const std::vector<tile_cost> &tcs, size_t b)
{
    const bool per_sample = m_hw.dataflow != CHIP_DF_WEIGHT_STATIONARY;
    const bool hidden = l + 1 < m_net.cfg.n_layers;
    const size_t parts = m_par ? m_nu : 1;
    const std::vector<double> &rin = in_ready(m, l);
    for (size_t q = 0; q < parts; q++) {
        m_l = unit_of(l) + q;
        m_p = m_par ? q : 0;
        const tile_cost &tc = tcs[m_l];
        std::vector<double> &rout = part_vec(q, m_out_ready[l - m_first], m_po, b);
        if (per_sample) {
            for (size_t j = 0; j < b; j++) {
                double t = wait_until(rin[j], ST_WAIT_INPUT);
                t = steps(tc, TC_FORWARD, TC_ACTIVATION, t);
                rout[j] = t;
                m_pf[m_p] = steps(tc, TC_FEEDBACK, TC_GRADIENT, t);
            }
        } else {
            /* weight_stationary: the batch (or each micro-batch) is
             * buffered, then W is walked once (hidden layers); the
             * output layer needs all of y for the loss and walks it
             * twice */
            chunks(b, tc, [&](size_t c0, size_t mb, const tile_cost &tcc) {
                double t = wait_until(*std::max_element(rin.begin() + c0, rin.begin() + c0 + mb), ST_WAIT_INPUT);
                t = steps(tcc, TC_FORWARD, TC_ACTIVATION, t);
                if (!hidden) std::fill(rout.begin() + c0, rout.begin() + c0 + mb, t);
                t = steps(tcc, TC_FEEDBACK, TC_GRADIENT, t);
                if (hidden) std::fill(rout.begin() + c0, rout.begin() + c0 + mb, t);
                m_pf[m_p] = t;
            });
        }
        m_pf[m_p] = step(tc, TC_APPLY, m_pf[m_p]);
        merge(q, m_out_ready[l - m_first], rout, b); /* h_i is whole when every part's slice is */
    }
}

/* F3, DRTP, LLO: layer l's numerics, the same layer steps as the plain
 * trainer (a split layer's once, for all its parts); in_cls: where its input
 * lives. */
void Tile::stream_numerics(const Msg *m, size_t l, size_t k, uint64_t batch, f3_memclass in_cls)
{
    f3_trainer *tr = m_tr;
    f3_blocktrainer *bt = m_bt;
    const f3_config &cfg = m_net.cfg;
    const size_t K = cfg.n_layers;
    const size_t b = m->slot->b;
    Slot *sl = m->slot;
    const f3_algorithm alg = cfg.algorithm;
    const bool one_hot = alg == F3_ALG_F3 && cfg.error_info.one_hot;
    const bool hidden = l + 1 < K;
    float *out = m_out[l - m_first][k].data();
    const float *h_in = input(m, k, l);
    std::vector<double> &rout = m_out_ready[l - m_first];
    if (bt) {
        /* a block: its forward pass (F³, DRTP: E·B_l and the
         * backward inside it), and the output block's loss,
         * backward and store; each block's update at once (the
         * blocks below are through with the batch) */
        const float *y = keep_output(l, k, f3_blocktrainer_forward(bt, sl->step, l, h_in), b);
        if (!hidden) {
            f3_blocktrainer_loss(bt, sl->step, y);
            f3_blocktrainer_backward(bt, sl->step, l, nullptr, nullptr);
            if (alg == F3_ALG_F3) {
                f3_blocktrainer_store_write(bt, sl->step, y);
                store->write(rout, nullptr, nullptr, sl->idx.data(), nullptr, b); /* its timing */
            }
        }
        update_block(l, batch + 1);
        return;
    }
    f3_layer_forward(tr, l, h_in, out, in_cls, F3_MEM_WORK, b);
    if (hidden && f3_layer_trains(&cfg, l)) {
        const float *E = alg == F3_ALG_F3 ? sl->E.data() : sl->t.data();
        const float *es = one_hot ? sl->es.data() : nullptr;
        f3_layer_direct_feedback(tr, l, E, es, sl->lab.data(), out, F3_MEM_WORK, m_dz.data(), b);
        f3_layer_gradient(tr, l, m_dz.data(), h_in, in_cls, b);
        f3_layer_update(tr, l);
    }
    if (!hidden) {
        f3_output_layer(tr, out, sl->t.data(), sl->lab.data(), m_dz.data(), b, *m_stats);
        if (alg == F3_ALG_F3)
            store->write(rout, out, sl->t.data(), sl->idx.data(), m_escratch.data(), b);
        f3_layer_gradient(tr, l, m_dz.data(), h_in, in_cls, b);
        f3_layer_update(tr, l);
    }
}

/* F3, DRTP, LLO: a stream through the tile's layers; nobody waits for
 * downstream.  Then h of the tile's last layer goes on. */
void Tile::run_stream(Msg *m, uint64_t batch, size_t k, const std::vector<tile_cost> &tcs)
{
    const f3_config &cfg = m_net.cfg;
    const size_t K = cfg.n_layers, C = m_net.C;
    const bool last_tile = m_last + 1 == K;
    const f3_algorithm alg = cfg.algorithm;
    const bool one_hot = alg == F3_ALG_F3 && cfg.error_info.one_hot;
    const double AB = chip_value_bytes(&cfg, F3_T_ACTIVATIONS);
    const double ESB = m_hw.es_bytes_per_value;
    Slot *sl = m->slot;
    const size_t b = sl->b;
    for (size_t l = m_first; l <= m_last; l++) {
        stream_timing(m, l, tcs, b);
        stream_numerics(m, l, k, batch, l == m_first ? m->cls : F3_MEM_WORK);
    }
    dram->pass();
    if (!last_tile) {
        /* h of the tile's last layer (a split layer's parts' slices,
         * concatenated), the targets and, for F3 layers further
         * down, e */
        send(this->out[0], m_msgs[k], sl, m_out[m_last - m_first][k].data(), F3_MEM_WORK,
             m_out_ready[m_last - m_first],
             AB * double(width(m_last + 1)) + 4.0 * double(C) +
                 ((alg == F3_ALG_F3 && m_last + 2 < K) ? (one_hot ? ESB : ESB * double(C)) : 0.0));
    }
    /* the batch's buffers are free when the tile is through with it
     * in time, not when it has computed its times */
    chain->sync(free_max());
    chain->tile_done(k, free_max());
}

/* BP and DFA: layer l's forward pass, its clocks then its numerics (a
 * block keeps its stash and output for its backward pass). */
void Tile::chain_forward(const Msg *m, size_t l, size_t k, const std::vector<tile_cost> &tcs)
{
    f3_trainer *tr = m_tr;
    f3_blocktrainer *bt = m_bt;
    const size_t K = m_net.cfg.n_layers;
    const bool per_sample = m_hw.dataflow != CHIP_DF_WEIGHT_STATIONARY;
    const size_t parts = m_par ? m_nu : 1;
    Slot *sl = m->slot;
    const size_t b = sl->b;
    const std::vector<double> &rin = in_ready(m, l);
    for (size_t q = 0; q < parts; q++) {
        m_l = unit_of(l) + q;
        m_p = m_par ? q : 0;
        const tile_cost &tc = tcs[m_l];
        std::vector<double> &rout = part_vec(q, m_out_ready[l - m_first], m_po, b);
        if (per_sample) {
            for (size_t j = 0; j < b; j++) {
                double t = wait_until(rin[j], ST_WAIT_INPUT);
                m_pf[m_p] = rout[j] = steps(tc, TC_FORWARD, TC_ACTIVATION, t);
            }
        } else {
            chunks(b, tc, [&](size_t c0, size_t mb, const tile_cost &tcc) {
                double t = wait_until(*std::max_element(rin.begin() + c0, rin.begin() + c0 + mb), ST_WAIT_INPUT);
                m_pf[m_p] = steps(tcc, TC_FORWARD, TC_ACTIVATION, t);
                std::fill(rout.begin() + c0, rout.begin() + c0 + mb, m_pf[m_p]);
            });
        }
        merge(q, m_out_ready[l - m_first], rout, b);
    }
    if (bt) {
        /* a block keeps its stash and output for its backward pass */
        keep_output(l, k, f3_blocktrainer_forward(bt, sl->step, l, input(m, k, l)), b);
        return;
    }
    const bool stash = l + 1 < K;
    f3_layer_forward(tr, l, input(m, k, l), m_out[l - m_first][k].data(), l == m_first ? m->cls : F3_MEM_ACTBUF,
                     stash ? F3_MEM_ACTBUF : F3_MEM_WORK, b);
    if (stash) f3_ledger_act_live(tr->ledger, int64_t(b * tr->layers[l].n_out));
}

/* BP and DFA, between the passes: h of the tile's last layer goes on and
 * δz (bp) or e (dfa) comes back, or on the output tile the loss at once;
 * returns the δ the tile's last layer starts from (m_back_ready: when). */
const float *Tile::chain_turn(Msg *m, size_t k)
{
    f3_trainer *tr = m_tr;
    f3_blocktrainer *bt = m_bt;
    const f3_config &cfg = m_net.cfg;
    const size_t K = cfg.n_layers, C = m_net.C;
    const bool last_tile = m_last + 1 == K;
    const double AB = chip_value_bytes(&cfg, F3_T_ACTIVATIONS);
    Slot *sl = m->slot;
    const size_t b = sl->b;
    const float *dz_in = nullptr;
    m_back_ready.resize(b);
    if (!last_tile) {
        send(this->out[0], m_msgs[k], sl, m_out[m_last - m_first][k].data(), F3_MEM_ACTBUF,
             m_out_ready[m_last - m_first], AB * double(width(m_last + 1)) + 4.0 * double(C));
        chain->sync(free_max());
        Msg *bm = back_in->recv(); /* δz of the tile's last layer (bp) or e (dfa) for this batch */
        m_back_ready = bm->ready;
        dz_in = bm->data;
    } else {
        /* the output layer: the loss right away */
        if (bt) {
            f3_blocktrainer_loss(bt, sl->step, m_out[m_last - m_first][k].data());
            dz_in = f3_blockstep_delta(sl->step);
        } else {
            f3_output_layer(tr, m_out[m_last - m_first][k].data(), sl->t.data(), sl->lab.data(), m_dz.data(), b,
                            *m_stats);
            dz_in = m_dz.data();
        }
        m_back_ready = m_out_ready[m_last - m_first];
    }
    return dz_in;
}

/* BP and DFA: the clocks of layer l's units (or parts) on the way back:
 * δz, bp's δ for the layer below from the old W, then the gradient
 * (rtl_ref/'s order). */
void Tile::backward_timing(size_t l, const std::vector<tile_cost> &tcs, size_t b)
{
    const bool per_sample = m_hw.dataflow != CHIP_DF_WEIGHT_STATIONARY;
    const size_t parts = m_par ? m_nu : 1;
    for (size_t q = 0; q < parts; q++) {
        m_l = unit_of(l) + q;
        m_p = m_par ? q : 0;
        const tile_cost &tc = tcs[m_l];
        std::vector<double> &e_ready = part_vec(q, m_e_ready, m_pe, b);
        std::vector<double> &down_ready = part_vec(q, m_down_ready, m_pd, b);
        if (per_sample) {
            for (size_t j = 0; j < b; j++) {
                double t = wait_until(m_back_ready[j], ST_WAIT_DOWNSTREAM);
                t = steps(tc, TC_FEEDBACK, TC_DZ, t);
                e_ready[j] = t;
                down_ready[j] = t = step(tc, TC_BACKPROP, t);
                m_pf[m_p] = step(tc, TC_GRADIENT, t);
            }
        } else {
            /* weight_stationary: gradient and backprop are one blocked
             * pass over W (each block's rows add their part to every
             * δh_{i−1}); δ is complete when the pass is */
            chunks(b, tc, [&](size_t c0, size_t mb, const tile_cost &tcc) {
                auto br = m_back_ready.begin() + c0;
                double t = wait_until(*std::max_element(br, br + mb), ST_WAIT_DOWNSTREAM);
                t = steps(tcc, TC_FEEDBACK, TC_DZ, t);
                std::fill(e_ready.begin() + c0, e_ready.begin() + c0 + mb, t);
                m_pf[m_p] = steps(tcc, TC_GRADIENT, TC_BACKPROP, t);
                std::fill(down_ready.begin() + c0, down_ready.begin() + c0 + mb, m_pf[m_p]);
            });
        }
        m_pf[m_p] = step(tc, TC_APPLY, m_pf[m_p]);
        merge(q, m_e_ready, e_ready, b);
        merge(q, m_down_ready, down_ready, b);
    }
}

/* BP and DFA: layer l's numerics on the way back; dz_in: the δ (or e) it
 * takes, then the one the layer below takes; buf: which of m_dzprev is
 * next. */
void Tile::backward_numerics(Msg *m, size_t l, size_t k, uint64_t batch, const float *&dz_in, int &buf)
{
    f3_trainer *tr = m_tr;
    f3_blocktrainer *bt = m_bt;
    const f3_config &cfg = m_net.cfg;
    const size_t K = cfg.n_layers, C = m_net.C;
    const f3_algorithm alg = cfg.algorithm;
    const bool hidden_tiles = chip_n_stages(&m_hw, &cfg) > 1; /* tiles that hold no output layer */
    const double EB = chip_value_bytes(&cfg, F3_T_ERROR);
    const size_t parts = m_par ? m_nu : 1;
    const bool out_layer = l + 1 == K;
    Slot *sl = m->slot;
    const size_t b = sl->b;
    const float *h_in = input(m, k, l);
    const f3_memclass h_class = l == m_first ? m->cls : F3_MEM_ACTBUF;
    float *out = m_out[l - m_first][k].data();
    if (alg == F3_ALG_BP) {
        if (bt) {
            /* the block's backward from δ at its output, δ at its input for the block below */
            f3_blocktrainer_backward(bt, sl->step, l, dz_in, l > 0 ? m_dzprev[buf].data() : nullptr);
            update_block(l, batch + 1);
        } else {
            f3_layer_gradient(tr, l, dz_in, h_in, h_class, b);
            if (l > 0) {
                f3_layer_backprop(tr, l, dz_in, h_in, m_dzprev[buf].data(), b);
                f3_ledger_act_live(tr->ledger, -int64_t(b * width(l)));
            }
            f3_layer_update(tr, l);
        }
        if (l > m_first) {
            /* the layer below is on this tile: δ without a link */
            dz_in = m_dzprev[buf].data();
            buf ^= 1;
            m_back_ready = m_down_ready;
        } else if (l > 0) {
            /* a split layer's parts each send a partial sum of n_in
             * values, added as they arrive ((k − 1)·n_in additions) */
            send(back_out[0], m_back_msgs[k], sl, m_dzprev[buf].data(), F3_MEM_WORK, m_down_ready,
                 EB * double(width(l)) * double(parts));
            m_units[0].red_add += double(b) * double(parts - 1) * double(width(l));
        }
    } else { /* DFA */
        const float *e = sl->E.data();
        if (out_layer && bt) {
            /* the output block's backward from the loss, then the current error */
            f3_blocktrainer_backward(bt, sl->step, l, nullptr, nullptr);
            f3_blocktrainer_current_error(bt, sl->step, out);
            update_block(l, batch + 1);
            e = f3_blockstep_error(sl->step);
        } else if (out_layer) {
            f3_current_error(tr, out, sl->t.data(), sl->E.data(), b);
            f3_layer_gradient(tr, l, dz_in, h_in, h_class, b);
            f3_layer_update(tr, l);
        }
        if (out_layer) {
            /* broadcast e to every tile of hidden layers (a chip
             * whose one tile holds every layer has none, and no
             * broadcast link); hidden layers on this tile take it
             * when it is ready */
            if (hidden_tiles) send(back_out[0], m_back_msgs[k], sl, e, F3_MEM_WORK, m_e_ready, EB * double(C));
            m_back_ready = m_e_ready;
            dz_in = e;
        } else if (bt) {
            /* E·B_l of the current error (the step's), the backward inside the block */
            f3_blocktrainer_backward(bt, sl->step, l, nullptr, nullptr);
            update_block(l, batch + 1);
        } else {
            f3_layer_direct_feedback(tr, l, dz_in, nullptr, sl->lab.data(), out, F3_MEM_ACTBUF, m_dz.data(), b);
            f3_layer_gradient(tr, l, m_dz.data(), h_in, h_class, b);
            f3_layer_update(tr, l);
            f3_ledger_act_live(tr->ledger, -int64_t(b * width(l + 1)));
        }
    }
}

void Tile::run()
{
    size_t next = 0;
    /* a shared DRAM's turns (mem_if): the stage forward, then (BP, DFA) back */
    const uint64_t P = dram->positions();
    const uint64_t fwd_pos = 1 + m_stage, back_pos = 1 + m_G + (m_G - 1 - m_stage);
    for (;;) {
        Msg *m = in->recv();
        Slot *sl = m->slot;
        const size_t b = sl->b;
        const uint64_t batch = next++;
        const size_t k = batch % m_ring;
        dram->turn(batch * P + fwd_pos, 0);
        const std::vector<tile_cost> &tcs = cost(b);
        for (auto &r : m_out_ready) r.resize(b);
        if (!f3_needs_stash(m_net.cfg.algorithm)) {
            run_stream(m, batch, k, tcs);
            continue;
        }
        /* ---- BP and DFA: forward through the tile's layers, then wait for
         * what comes back ---- */
        for (size_t l = m_first; l <= m_last; l++) chain_forward(m, l, k, tcs);
        dram->pass();
        const float *dz_in = chain_turn(m, k);
        /* the tile's layers from the top: δz; bp: the δ for the layer below,
         * computed from the old W and sent as soon as it is done; then the
         * gradient (rtl_ref/'s order).  The tile's last layer waits for
         * downstream (update locking).  The parts of a split layer each
         * take the δ (their rows of it) and send their partial sums of
         * δh_{i−1} down when done. */
        dram->turn(batch * P + back_pos, 0);
        m_down_ready.resize(b);
        m_e_ready.resize(b);
        int buf = 0;
        for (size_t l = m_last + 1; l-- > m_first;) {
            backward_timing(l, tcs, b);
            backward_numerics(m, l, k, batch, dz_in, buf);
        }
        dram->pass();
        chain->sync(free_max());
        chain->tile_done(k, free_max());
    }
}

void Tile::end_of_simulation()
{
    /* std::map: batch sizes in increasing order (the analytic evaluator adds them in that order too) */
    for (const auto &kv : m_calls)
        for (size_t l = 0; l < kv.second.size(); l++)
            chip_totals_add_steps(&m_hw, &cost(kv.first)[l], kv.second[l].data(), &m_units[l]);
    if (!m_report) return;
    /* a tile's units: all of the stage's (one tile), or its own part */
    for (size_t p = 0; p < m_pr.size(); p++) {
        m_pr[p].layer.clear();
        if (m_par) m_pr[p].layer.push_back(m_units[p]);
        else m_pr[p].layer = m_units;
        m_report[p] = m_pr[p];
    }
}

} // namespace f3chip
