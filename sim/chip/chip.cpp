/* chip.cpp — the chip: tiles, links, input streamer and error store in
 * SystemC.  Every number comes from model/'s layer steps (the same calls
 * the plain trainer makes); SystemC orders the tiles' work and carries the
 * time.
 *
 * Timing is loosely timed (TLM-2.0 style temporal decoupling at batch
 * granularity): a tile takes a batch from its input FIFO, computes each
 * sample's start and finish from the DESIGN.md tile cycle table (per-sample
 * streaming inside the batch: tile i+1 starts sample k as soon as tile i's
 * h_i(k) has crossed the link), runs the kernels on the whole batch, passes
 * the batch on with the per-sample ready times, and then waits until its
 * local time.  One wait per tile and batch keeps the model fast. */
#include "chip.h"

#include <systemc>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "f3/status.h"

using namespace sc_core;

namespace {

double ceil_div(double a, double b) { return std::ceil(a / b); }

double rom_bytes_per_entry(chip_rom_encoding e)
{
    switch (e) {
    case CHIP_ROM_FP32: return 4.0;
    case CHIP_ROM_INT8: return 1.0;
    case CHIP_ROM_TERNARY2: return 0.25;
    case CHIP_ROM_SEEDED: return 0.0;
    }
    return 4.0;
}

bool uses_feedback(f3_algorithm a) { return a == F3_ALG_F3 || a == F3_ALG_DFA || a == F3_ALG_DRTP; }

/* Bytes a tile moves per sample and per batch (the dataflow of the
 * output-stationary tile). */
struct TileBytes {
    double fwd_sram, grad_sram_r, grad_sram_w, bp_sram, fb_rom, stash, apply_r, apply_w;
};

TileBytes tile_bytes(const chip_config *hw, size_t n_in, size_t n_out, size_t C, int hidden, int first,
                     f3_algorithm alg, int one_hot, int bias, f3_optimizer opt, size_t batch)
{
    TileBytes t{};
    double params = double(n_in) * double(n_out) + (bias ? double(n_out) : 0.0);
    bool trains = alg != F3_ALG_LLO || !hidden;
    bool batched = !(batch == 1 && opt == F3_OPT_SGD);
    t.fwd_sram = 4.0 * params; /* W and b read once per sample */
    if (trains) {
        /* per sample: read+write the gradient accumulator, or W itself
         * when SGD at batch 1 fuses gradient and update */
        t.grad_sram_r = 4.0 * params;
        t.grad_sram_w = 4.0 * params;
        if (batched) {
            t.apply_r = 4.0 * params * (opt == F3_OPT_ADAM ? 4.0 : 2.0); /* W, g (, m, v) */
            t.apply_w = 4.0 * params * (opt == F3_OPT_ADAM ? 3.0 : 1.0); /* W (, m, v) */
        }
    }
    if (hidden && uses_feedback(alg)) t.fb_rom = rom_bytes_per_entry(hw->rom_encoding) * double(one_hot ? n_out : C * n_out);
    if (alg == F3_ALG_BP && !first) t.bp_sram = 4.0 * double(n_in) * double(n_out);
    if (hidden && (alg == F3_ALG_BP || alg == F3_ALG_DFA)) t.stash = 4.0 * double(n_out);
    return t;
}

} // namespace

extern "C" chip_step_cycles chip_tile_cycles(const chip_config *hw, size_t n_in, size_t n_out, size_t C,
                                             int hidden, int first, f3_algorithm alg, int one_hot, int bias,
                                             f3_optimizer opt, size_t batch)
{
    chip_step_cycles c{};
    const double P = hw->mac_lanes, L = hw->step_latency;
    const double f = ceil_div(double(n_out), P);
    TileBytes by = tile_bytes(hw, n_in, n_out, C, hidden, first, alg, one_hot, bias, opt, batch);
    auto mem = [](double compute, double bytes, double bpc) { return std::max(compute, bytes > 0 ? std::ceil(bytes / bpc) : 0.0); };
    bool trains = alg != F3_ALG_LLO || !hidden;
    c.forward = uint64_t(mem(f * double(n_in), by.fwd_sram + by.stash, hw->sram_bytes_per_cycle) + L);
    c.activation = uint64_t(f + L);
    if (hidden && uses_feedback(alg))
        c.feedback = uint64_t(mem(one_hot ? f : f * double(C), by.fb_rom, hw->rom_bytes_per_cycle) + L);
    if (trains) {
        c.dz = uint64_t(f + L); /* hidden: δh ⊙ f'; output: the loss's δz */
        c.gradient = uint64_t(mem(f * double(n_in), by.grad_sram_r + by.grad_sram_w + by.stash, hw->sram_bytes_per_cycle) + L);
    }
    if (alg == F3_ALG_BP && !first)
        c.backprop = uint64_t(mem(ceil_div(double(n_in), P) * double(n_out), by.bp_sram, hw->sram_bytes_per_cycle) + L);
    if (trains && !(batch == 1 && opt == F3_OPT_SGD)) {
        double params = double(n_in) * double(n_out) + (bias ? double(n_out) : 0.0);
        c.apply = uint64_t(mem(ceil_div(params, P) * (opt == F3_OPT_ADAM ? 4.0 : 1.0), by.apply_r + by.apply_w,
                               hw->sram_bytes_per_cycle) + L);
    }
    return c;
}

namespace {

/* One batch's buffers at the input streamer. */
struct Slot {
    size_t b = 0;
    std::vector<float> x, t, E, es;
    std::vector<int32_t> lab;
    std::vector<size_t> idx;
};

/* A batch arriving at a tile (forward), or a δ / broadcast arriving back. */
struct Msg {
    Slot *slot = nullptr;
    const float *data = nullptr;     /* h_{i-1} (forward), δz (backward), e (broadcast) */
    f3_memclass cls = F3_MEM_WORK;
    std::vector<double> ready;       /* cycle at which sample k is available here */
};

/* A link: direction (by where it is wired), bytes per cycle, latency, pJ per
 * byte.  Serialises transfers and counts their bytes. */
struct Link : sc_module {
    const chip_link_config cfg;
    double free = 0;   /* cycle the link is next free */
    uint64_t bytes = 0;
    std::vector<std::pair<double, double>> trace; /* busy intervals (traced samples) */
    bool tracing;
    Link(sc_module_name name, const chip_link_config &c, bool trace_it)
        : sc_module(name), cfg(c), tracing(trace_it)
    {
        sc_assert(!cfg.present || (cfg.bytes_per_cycle > 0 && cfg.latency_cycles >= 0));
    }
    /* send `bytes` at cycle t; returns the arrival cycle */
    double send(double t, double nbytes)
    {
        /* a fabric without this link never carries a byte over it */
        sc_assert(cfg.present);
        double start = std::max(free, t);
        double done = start + std::ceil(nbytes / cfg.bytes_per_cycle);
        free = done;
        if (tracing) {
            if (!trace.empty() && trace.back().second == start) trace.back().second = done;
            else trace.emplace_back(start, done);
        }
        bytes += uint64_t(nbytes);
        return done + cfg.latency_cycles;
    }
};

/* F³'s error store: C values per training sample (of the trainer, whose
 * store it is), read by the streamer and written by the output tile; counts
 * bytes at its precision. */
struct ErrorStore : sc_module {
    f3_trainer *m_tr;
    const double m_bytes_per_value;
    const bool m_one_hot;
    double m_read = 0, m_written = 0; /* bytes */
    ErrorStore(sc_module_name name, f3_trainer *tr, double bytes_per_value, bool one_hot)
        : sc_module(name), m_tr(tr), m_bytes_per_value(bytes_per_value), m_one_hot(one_hot)
    {
        sc_assert(bytes_per_value > 0);
    }
    void read(const int32_t *labels, const size_t *idx, size_t b, float *E, float *es)
    {
        f3_read_error_store(m_tr, labels, idx, b, E, es);
        m_read += (m_one_hot ? 1.0 : double(m_tr->C)) * m_bytes_per_value * double(b);
    }
    void write(const float *y, const float *t, const size_t *idx, float *scratch, size_t b)
    {
        f3_write_error_store(m_tr, y, t, idx, scratch, b);
        m_written += double(m_tr->C) * m_bytes_per_value * double(b);
    }
};

struct Interval {
    double t0, t1;
    int state; /* 1 busy, 2 waiting for input, 3 waiting for downstream */
};

struct Chip;

/* A tile: one layer, its SRAM, its ROM and its MAC lanes. */
struct Tile : sc_module {
    SC_HAS_PROCESS(Tile);
    Chip *m_chip;
    size_t m_i;                       /* layer index */
    sc_fifo<Msg *> m_in;              /* forward input */
    sc_fifo<Msg *> m_back;            /* δ from tile i+1 (bp), e broadcast (dfa) */
    chip_step_cycles m_cyc{};
    TileBytes m_bytes{};
    double m_free = 0;                /* local time: cycle the tile is next free */
    double m_busy = 0, m_wait_in = 0, m_wait_down = 0;
    double m_sram_r = 0, m_sram_w = 0, m_rom_r = 0;
    std::vector<std::vector<float>> m_out;  /* ring of output buffers */
    std::vector<float> m_dz, m_dzprev, m_escratch;
    /* per-sample times of the batch in hand (kept to avoid allocating per batch) */
    std::vector<double> m_out_ready, m_back_ready, m_down_ready, m_bcast_ready;
    std::vector<Msg> m_msgs;          /* ring of messages to the next tile */
    std::vector<Msg> m_back_msgs;
    size_t m_ring = 0;
    std::vector<Interval> m_trace;

    Tile(sc_module_name name, Chip *chip, size_t i, size_t ring);
    void run();
    /* send the batch's h_i (with the targets and extra bytes per sample)
     * to the next tile, sample by sample as each is ready */
    void pass_on(size_t k, Slot *sl, const float *out, f3_memclass cls, const std::vector<double> &ready,
                 double extra_bytes);
    void account(double start, double dur, int state);
};

struct Streamer;

struct Chip {
    chip_config hw{};
    f3_trainer *tr = nullptr;
    const f3_dataset *train = nullptr;
    size_t K = 0, C = 0, ring = 0;
    int one_hot = 0;
    std::vector<std::unique_ptr<Tile>> tiles;
    std::unique_ptr<Streamer> streamer;
    std::unique_ptr<Link> fwd_in;            /* streamer → tile 1 */
    std::vector<std::unique_ptr<Link>> fwd;  /* tile i → tile i+1 */
    std::vector<std::unique_ptr<Link>> bwd;  /* tile i+1 → tile i */
    std::unique_ptr<Link> bcast;
    std::unique_ptr<ErrorStore> store;
    std::vector<Slot> slots;
    sc_semaphore *credits = nullptr;
    sc_event batch_done;
    size_t done_batches = 0, sent_batches = 0;
    const size_t *perm = nullptr;
    f3_stats *st = nullptr;
    double end_cycle = 0;
    uint64_t samples = 0;
    double clock_period_ns = 1;

    double now_cycles() const { return sc_time_stamp().to_seconds() * 1e9 / clock_period_ns; }
    void sync(double cycle)
    {
        double d = cycle - now_cycles();
        if (d > 0) wait(sc_time(d * clock_period_ns, SC_NS));
    }
    std::vector<size_t> tiles_done; /* per slot: tiles through with the batch */
    /* A tile is through with the batch in slot k at cycle t; the batch is
     * done (its buffers free) when every tile is. */
    void tile_done(size_t k, double t)
    {
        end_cycle = std::max(end_cycle, t);
        if (++tiles_done[k] < K) return;
        tiles_done[k] = 0;
        samples += slots[k].b;
        tr->ledger->samples += slots[k].b; /* as f3_train_step counts them */
        tr->ledger->batches += 1;
        if (hw.trace && samples >= hw.trace_samples) {
            fwd_in->tracing = bcast->tracing = false;
            for (size_t i = 0; i < K; i++) fwd[i]->tracing = bwd[i]->tracing = false;
        }
        done_batches++;
        credits->post();
        batch_done.notify(SC_ZERO_TIME);
    }
};

Tile::Tile(sc_module_name name, Chip *chip, size_t i, size_t ring)
    : sc_module(name), m_chip(chip), m_i(i), m_in(2), m_back(2), m_ring(ring)
{
    const f3_config &cfg = chip->tr->cfg;
    const f3_layer &L = chip->tr->layers[i];
    int hidden = i + 1 < chip->K;
    m_cyc = chip_tile_cycles(&chip->hw, L.n_in, L.n_out, chip->C, hidden, i == 0, cfg.algorithm, chip->one_hot,
                             cfg.bias, cfg.optimizer, cfg.batch_size);
    m_bytes = tile_bytes(&chip->hw, L.n_in, L.n_out, chip->C, hidden, i == 0, cfg.algorithm, chip->one_hot, cfg.bias,
                         cfg.optimizer, cfg.batch_size);
    m_out.assign(ring, std::vector<float>(cfg.batch_size * L.n_out));
    m_dz.assign(cfg.batch_size * std::max(L.n_out, chip->C), 0.0f);
    m_dzprev.assign(cfg.batch_size * L.n_in, 0.0f);
    m_escratch.assign(cfg.batch_size * chip->C, 0.0f);
    m_msgs.resize(ring);
    m_back_msgs.resize(ring);
    SC_THREAD(run);
}

void Tile::pass_on(size_t k, Slot *sl, const float *out, f3_memclass cls, const std::vector<double> &ready,
                   double extra_bytes)
{
    Chip &c = *m_chip;
    Msg &o = m_msgs[k];
    o.slot = sl;
    o.data = out;
    o.cls = cls;
    o.ready.resize(sl->b);
    double payload = 4.0 * double(c.tr->layers[m_i].n_out) + 4.0 * double(c.C) + extra_bytes;
    for (size_t j = 0; j < sl->b; j++) o.ready[j] = c.fwd[m_i]->send(ready[j], payload);
    c.tiles[m_i + 1]->m_in.write(&o);
}

void Tile::account(double start, double dur, int state)
{
    if (dur <= 0) return;
    if (state == 1) m_busy += dur;
    else if (state == 2) m_wait_in += dur;
    else m_wait_down += dur;
    if (m_chip->hw.trace && m_chip->samples < m_chip->hw.trace_samples) {
        if (!m_trace.empty() && m_trace.back().state == state && m_trace.back().t1 == start) m_trace.back().t1 = start + dur;
        else m_trace.push_back({start, start + dur, state});
    }
}

struct Streamer : sc_module {
    SC_HAS_PROCESS(Streamer);
    Chip *m_chip;
    std::vector<Msg> m_msgs;
    size_t m_next = 0;
    Streamer(sc_module_name n, Chip *c) : sc_module(n), m_chip(c), m_msgs(c->ring) { SC_THREAD(run); }
    void run();
};

void Streamer::run()
{
    Chip &c = *m_chip;
    f3_trainer *tr = c.tr;
    const size_t n = c.train->n, bs = tr->cfg.batch_size, d = c.train->d, C = c.C;
    double local = 0;
    for (;;) {
        /* an epoch starts when the previous one is through the chain: its
         * first samples need e from the previous epoch's last batches */
        local = std::max(local, c.end_cycle);
        for (size_t s = 0; s < n; s += bs) {
            size_t b = std::min(bs, n - s);
            c.credits->wait();
            size_t k = m_next++ % c.ring;
            Slot &sl = c.slots[k];
            sl.b = b;
            std::copy(c.perm + s, c.perm + s + b, sl.idx.begin());
            f3_dataset_gather(c.train, sl.idx.data(), b, sl.x.data(), sl.t.data(), sl.lab.data());
            double e_bytes = 0; /* DRTP's e is the target, which travels anyway */
            if (tr->cfg.algorithm == F3_ALG_F3) {
                c.store->read(sl.lab.data(), sl.idx.data(), b, sl.E.data(), sl.es.data());
                if (c.K > 1) e_bytes = (c.one_hot ? 1.0 : double(C)) * 4.0;
            }
            Msg &m = m_msgs[k];
            m.slot = &sl;
            m.data = sl.x.data();
            m.cls = F3_MEM_INPUTS;
            m.ready.resize(b);
            local = std::max(local, c.now_cycles());
            /* x, the targets and (F3) e of each sample, one after another */
            double payload = 4.0 * double(d) + 4.0 * double(C) + e_bytes;
            for (size_t j = 0; j < b; j++) m.ready[j] = c.fwd_in->send(local, payload);
            c.sent_batches++;
            c.tiles[0]->m_in.write(&m);
        }
        /* the epoch ends when every batch has left the output tile */
        while (c.done_batches < c.sent_batches) wait(c.batch_done);
        sc_pause();
        wait(SC_ZERO_TIME);
    }
}

void Tile::run()
{
    Chip &c = *m_chip;
    f3_trainer *tr = c.tr;
    const f3_config &cfg = tr->cfg;
    const f3_layer &L = tr->layers[m_i];
    const size_t K = c.K, C = c.C;
    const bool hidden = m_i + 1 < K, out_tile = !hidden;
    const f3_algorithm alg = cfg.algorithm;
    const bool stash = hidden && (alg == F3_ALG_BP || alg == F3_ALG_DFA);
    const bool trains = alg != F3_ALG_LLO || out_tile;
    size_t next = 0;
    for (;;) {
        Msg *m = nullptr;
        m_in.read(m);
        Slot *sl = m->slot;
        const size_t b = sl->b;
        size_t k = next++ % m_ring;
        float *out = m_out[k].data();
        /* ---- forward: per sample ---- */
        std::vector<double> &out_ready = m_out_ready;
        out_ready.resize(b);
        const double fwd = double(m_cyc.forward + m_cyc.activation);
        for (size_t j = 0; j < b; j++) {
            double start = std::max(m_free, m->ready[j]);
            account(m_free, start - m_free, 2);
            m_free = start;
            out_ready[j] = start + fwd;
            account(start, fwd, 1);
            m_free += fwd;
            if (alg != F3_ALG_BP && alg != F3_ALG_DFA) {
                /* F3, DRTP, LLO: the rest of the sample's work right away */
                double rest = double(m_cyc.feedback + m_cyc.dz + m_cyc.gradient);
                account(m_free, rest, 1);
                m_free += rest;
            }
        }
        m_sram_r += m_bytes.fwd_sram * double(b);
        if (stash) m_sram_w += m_bytes.stash * double(b);
        /* ---- numerics: the same layer steps as the plain trainer ---- */
        f3_memclass out_class = stash ? F3_MEM_ACTBUF : F3_MEM_WORK;
        f3_layer_forward(tr, m_i, m->data, out, m->cls, out_class, b);
        if (stash) f3_ledger_act_live(tr->ledger, int64_t(b * L.n_out));
        if (alg == F3_ALG_F3 || alg == F3_ALG_DRTP || alg == F3_ALG_LLO) {
            if (hidden && trains) {
                const float *E = alg == F3_ALG_F3 ? sl->E.data() : sl->t.data();
                const float *es = (alg == F3_ALG_F3 && c.one_hot) ? sl->es.data() : nullptr;
                f3_layer_direct_feedback(tr, m_i, E, es, sl->lab.data(), out, F3_MEM_WORK, m_dz.data(), b);
                f3_layer_gradient(tr, m_i, m_dz.data(), m->data, m->cls, b);
                f3_layer_update(tr, m_i);
                m_rom_r += m_bytes.fb_rom * double(b);
            }
            if (out_tile) {
                f3_output_layer(tr, out, sl->t.data(), sl->lab.data(), m_dz.data(), b, c.st);
                if (alg == F3_ALG_F3) {
                    c.store->write(out, sl->t.data(), sl->idx.data(), m_escratch.data(), b);
                }
                f3_layer_gradient(tr, m_i, m_dz.data(), m->data, m->cls, b);
                f3_layer_update(tr, m_i);
            }
            if (trains) {
                m_sram_r += m_bytes.grad_sram_r * double(b) + m_bytes.apply_r;
                m_sram_w += m_bytes.grad_sram_w * double(b) + m_bytes.apply_w;
                account(m_free, double(m_cyc.apply), 1);
                m_free += double(m_cyc.apply);
            }
            if (hidden) {
                /* h_i, the targets and, for F3 tiles further down, e */
                double e_bytes = (alg == F3_ALG_F3 && m_i + 2 < K) ? (c.one_hot ? 4.0 : 4.0 * double(C)) : 0.0;
                pass_on(k, sl, out, F3_MEM_WORK, out_ready, e_bytes);
            }
            c.tile_done(k, m_free);
            c.sync(m_free);
            continue;
        }

        /* ---- BP and DFA: forward on, then wait for what comes back ---- */
        std::vector<double> &back_ready = m_back_ready;
        back_ready.resize(b);
        const float *dz_in = nullptr;
        if (hidden) {
            pass_on(k, sl, out, F3_MEM_ACTBUF, out_ready, 0.0);
            c.sync(m_free);
            Msg *bm = nullptr;
            m_back.read(bm); /* δz_i (bp) or e (dfa) for this batch */
            back_ready = bm->ready;
            dz_in = bm->data;
        } else {
            /* the output tile: the loss, then (dfa) the broadcast of e */
            f3_output_layer(tr, out, sl->t.data(), sl->lab.data(), m_dz.data(), b, c.st);
            dz_in = m_dz.data();
            for (size_t j = 0; j < b; j++) back_ready[j] = out_ready[j];
        }
        /* per sample: δz, gradient (and bp: δ for the tile below) */
        std::vector<double> &down_ready = m_down_ready;
        down_ready.resize(b);
        double bp_cycles = double(m_cyc.backprop);
        for (size_t j = 0; j < b; j++) {
            double start = std::max(m_free, back_ready[j]);
            account(m_free, start - m_free, 3); /* update locking: waiting for downstream */
            m_free = start;
            double work = double(m_cyc.feedback + m_cyc.dz + m_cyc.gradient);
            account(m_free, work, 1);
            m_free += work;
            if (alg == F3_ALG_BP && m_i > 0) {
                account(m_free, bp_cycles, 1);
                m_free += bp_cycles;
                down_ready[j] = c.bwd[m_i - 1]->send(m_free, 4.0 * double(L.n_in));
            }
        }
        if (stash) m_sram_r += m_bytes.stash * double(b);
        m_sram_r += (m_bytes.grad_sram_r + m_bytes.bp_sram) * double(b) + m_bytes.apply_r;
        m_sram_w += m_bytes.grad_sram_w * double(b) + m_bytes.apply_w;
        account(m_free, double(m_cyc.apply), 1);
        m_free += double(m_cyc.apply);
        const float *h_in = m->data;
        f3_memclass h_class = m->cls;
        if (alg == F3_ALG_BP) {
            f3_layer_gradient(tr, m_i, dz_in, h_in, h_class, b);
            if (m_i > 0) {
                f3_layer_backprop(tr, m_i, dz_in, h_in, m_dzprev.data(), b);
                f3_ledger_act_live(tr->ledger, -int64_t(b * L.n_in));
            }
            f3_layer_update(tr, m_i);
            if (m_i > 0) {
                Msg &bm = c.tiles[m_i - 1]->m_back_msgs[k];
                bm.slot = sl;
                bm.data = m_dzprev.data();
                bm.ready = down_ready;
                c.tiles[m_i - 1]->m_back.write(&bm);
            }
        } else { /* DFA */
            if (out_tile) {
                f3_current_error(tr, out, sl->t.data(), sl->E.data(), b);
                f3_layer_gradient(tr, m_i, dz_in, h_in, h_class, b);
                f3_layer_update(tr, m_i);
                /* broadcast e to every hidden tile */
                std::vector<double> &ready = m_bcast_ready;
                ready.resize(b);
                for (size_t j = 0; j < b; j++) ready[j] = c.bcast->send(back_ready[j] + double(m_cyc.dz), 4.0 * double(C));
                for (size_t h = 0; h + 1 < K; h++) {
                    Msg &bm = c.tiles[h]->m_back_msgs[k];
                    bm.slot = sl;
                    bm.data = sl->E.data();
                    bm.ready = ready;
                    c.tiles[h]->m_back.write(&bm);
                }
            } else {
                f3_layer_direct_feedback(tr, m_i, dz_in, nullptr, sl->lab.data(), out, F3_MEM_ACTBUF, m_dz.data(), b);
                f3_layer_gradient(tr, m_i, m_dz.data(), h_in, h_class, b);
                f3_layer_update(tr, m_i);
                m_rom_r += m_bytes.fb_rom * double(b);
                f3_ledger_act_live(tr->ledger, -int64_t(b * L.n_out));
            }
        }
        c.tile_done(k, m_free);
        c.sync(m_free);
    }
}

} // namespace

struct chip_sim {
    Chip chip;
};

extern "C" chip_sim *chip_sim_new(const chip_config *hw, f3_trainer *tr, const f3_dataset *train)
{
    static bool elaborated = false;
    if (elaborated) {
        F3_FAIL(F3_EINVAL, "chip: one chip per process (SystemC elaborates once)");
        return nullptr;
    }
    elaborated = true;
    chip_sim *s = new chip_sim;
    Chip &c = s->chip;
    c.hw = *hw;
    c.tr = tr;
    c.train = train;
    c.K = tr->cfg.n_layers;
    c.C = tr->C;
    c.one_hot = tr->cfg.algorithm == F3_ALG_F3 && tr->cfg.error_info.one_hot;
    c.clock_period_ns = 1e3 / hw->clock_mhz;
    /* batches in flight: one per tile and two more, which keeps every tile fed
     * at steady state (per-sample streaming hides inside a batch) and the
     * working set small */
    c.ring = c.K + 2;
    c.credits = new sc_semaphore("credits", int(c.ring));
    const size_t bs = tr->cfg.batch_size;
    c.slots.resize(c.ring);
    c.tiles_done.assign(c.ring, 0);
    for (Slot &sl : c.slots) {
        sl.x.resize(bs * train->d);
        sl.t.resize(bs * c.C);
        sl.E.resize(bs * c.C);
        sl.es.resize(bs);
        sl.lab.resize(bs);
        sl.idx.resize(bs);
    }
    const bool tr_on = hw->trace != 0;
    c.fwd_in.reset(new Link("link_in", hw->forward, tr_on));
    for (size_t i = 0; i < c.K; i++) {
        c.fwd.emplace_back(new Link(sc_module_name(("link_fwd" + std::to_string(i + 1)).c_str()), hw->forward, tr_on));
        c.bwd.emplace_back(new Link(sc_module_name(("link_bwd" + std::to_string(i + 2)).c_str()), hw->backward, tr_on));
    }
    c.bcast.reset(new Link("link_broadcast", hw->broadcast, tr_on));
    if (tr->error_store) c.store.reset(new ErrorStore("error_store", tr, hw->es_bytes_per_value, c.one_hot));
    for (size_t i = 0; i < c.K; i++)
        c.tiles.emplace_back(new Tile(sc_module_name(("tile" + std::to_string(i + 1)).c_str()), &c, i, c.ring));
    c.streamer.reset(new Streamer("streamer", &c));
    return s;
}

extern "C" int chip_sim_epoch(chip_sim *s, const size_t *perm, size_t epoch, f3_stats *st)
{
    (void)epoch;
    Chip &c = s->chip;
    c.perm = perm;
    c.st = st;
    sc_start();
    if (c.done_batches != c.sent_batches) {
        F3_FAIL(F3_EINVAL, "chip: the epoch ended with %zu of %zu batches through the chain", c.done_batches, c.sent_batches);
        return 1;
    }
    return 0;
}

extern "C" void chip_sim_result(const chip_sim *s, chip_result *r)
{
    const Chip &c = s->chip;
    std::memset(r, 0, sizeof *r);
    const f3_trainer *tr = c.tr;
    r->cycles = uint64_t(std::ceil(c.end_cycle));
    r->samples = c.samples;
    r->cycles_per_sample = c.samples ? c.end_cycle / double(c.samples) : 0;
    r->samples_per_second = r->cycles_per_sample > 0 ? c.hw.clock_mhz * 1e6 / r->cycles_per_sample : 0;
    r->n_tiles = c.K;
    double stall = 0, total = 0;
    r->link_bytes[0] = c.fwd_in->bytes;
    for (size_t i = 0; i < c.K; i++) {
        r->link_bytes[0] += c.fwd[i]->bytes;
        r->link_bytes[1] += c.bwd[i]->bytes;
    }
    r->link_bytes[2] = c.bcast->bytes;
    const double es_read = c.store ? c.store->m_read : 0.0, es_written = c.store ? c.store->m_written : 0.0;
    for (size_t i = 0; i < c.K; i++) {
        const Tile &t = *c.tiles[i];
        chip_tile_stats &ts = r->tile[i];
        ts.busy = uint64_t(t.m_busy);
        ts.wait_input = uint64_t(t.m_wait_in);
        ts.wait_downstream = uint64_t(t.m_wait_down);
        double acc = t.m_busy + t.m_wait_in + t.m_wait_down;
        ts.idle = c.end_cycle > acc ? uint64_t(c.end_cycle - acc) : 0;
        ts.sram_read = uint64_t(t.m_sram_r);
        ts.sram_written = uint64_t(t.m_sram_w);
        ts.rom_read = uint64_t(t.m_rom_r);
        f3_counts cnt = f3_ledger_sum(tr->ledger, int(i), F3_PH_COUNT);
        ts.energy_compute = double(cnt.fma) * c.hw.fma_pj + double(cnt.elem) * c.hw.elem_pj;
        ts.energy_sram = t.m_sram_r * c.hw.sram_read_pj + t.m_sram_w * c.hw.sram_write_pj;
        ts.energy_rom = t.m_rom_r * c.hw.rom_read_pj;
        ts.energy_links = double(c.fwd[i]->bytes) * c.hw.forward.pj_per_byte + double(c.bwd[i]->bytes) * c.hw.backward.pj_per_byte;
        if (i == 0) ts.energy_links += double(c.fwd_in->bytes) * c.hw.forward.pj_per_byte;
        if (i + 1 == c.K) {
            ts.energy_links += double(c.bcast->bytes) * c.hw.broadcast.pj_per_byte;
            ts.energy_error_store = es_written * c.hw.es_write_pj;
        }
        if (i == 0) ts.energy_error_store += es_read * c.hw.es_read_pj;
        const f3_layer &L = tr->layers[i];
        double params = double(L.n_in) * double(L.n_out) + (tr->cfg.bias ? double(L.n_out) : 0.0);
        bool trains = tr->cfg.algorithm != F3_ALG_LLO || i + 1 == c.K;
        double copies = 1.0 + (trains ? 1.0 + (tr->cfg.optimizer == F3_OPT_ADAM ? 2.0 : 0.0) : 0.0);
        ts.sram_needed = 4.0 * params * copies + (t.m_bytes.stash > 0 ? t.m_bytes.stash * double(tr->cfg.batch_size) : 0.0);
        r->sram_read += ts.sram_read;
        r->sram_written += ts.sram_written;
        r->rom_read += ts.rom_read;
        r->energy_pj[0] += ts.energy_compute;
        r->energy_pj[1] += ts.energy_sram;
        r->energy_pj[2] += ts.energy_rom;
        r->energy_pj[3] += ts.energy_links;
        r->energy_pj[4] += ts.energy_error_store;
        stall += t.m_wait_down;
        total += c.end_cycle;
    }
    r->es_read = uint64_t(es_read);
    r->es_written = uint64_t(es_written);
    r->stall_fraction = total > 0 ? stall / total : 0;
    double e = 0;
    for (double v : r->energy_pj) e += v;
    r->energy_per_sample_pj = c.samples ? e / double(c.samples) : 0;
}

namespace {

/* Write path via a temporary file and a rename. */
struct AtomicOut {
    std::string path, tmp;
    FILE *f = nullptr;
    explicit AtomicOut(const std::string &p) : path(p), tmp(p + ".tmp") { f = std::fopen(tmp.c_str(), "w"); }
    bool commit()
    {
        bool ok = f && std::fflush(f) == 0 && !std::ferror(f);
        if (f) std::fclose(f);
        f = nullptr;
        if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
            std::remove(tmp.c_str());
            F3_FAIL(F3_EIO, "%s: cannot write", path.c_str());
            return false;
        }
        return true;
    }
};

void vcd_value(FILE *f, int bits, int v, const std::string &id)
{
    if (bits == 1) {
        std::fprintf(f, "%d%s\n", v, id.c_str());
        return;
    }
    std::fprintf(f, "b%d%d %s\n", (v >> 1) & 1, v & 1, id.c_str());
}

} // namespace

extern "C" int chip_sim_write_files(const chip_sim *s, const char *dir)
{
    const Chip &c = s->chip;
    chip_result r;
    chip_sim_result(s, &r);
    AtomicOut t(std::string(dir) + "/tiles.csv");
    if (!t.f) return F3_FAIL(F3_EIO, "%s/tiles.csv: cannot write", dir), 1;
    std::fprintf(t.f, "tile,n_in,n_out,busy_cycles,wait_input_cycles,wait_downstream_cycles,idle_cycles,"
                      "sram_read_bytes,sram_written_bytes,rom_read_bytes,sram_needed_bytes,sram_capacity_bytes,"
                      "sram_shortfall_bytes,energy_compute_pj,energy_sram_pj,energy_rom_pj,energy_links_pj,"
                      "energy_error_store_pj\n");
    for (size_t i = 0; i < c.K; i++) {
        const chip_tile_stats &ts = r.tile[i];
        const f3_layer &L = c.tr->layers[i];
        double short_b = std::max(0.0, ts.sram_needed - c.hw.sram_capacity_bytes);
        std::fprintf(t.f, "%zu,%zu,%zu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%.0f,%.0f,%.0f,%.1f,%.1f,%.1f,%.1f,%.1f\n", i + 1,
                     L.n_in, L.n_out, (unsigned long long)ts.busy, (unsigned long long)ts.wait_input,
                     (unsigned long long)ts.wait_downstream, (unsigned long long)ts.idle,
                     (unsigned long long)ts.sram_read, (unsigned long long)ts.sram_written,
                     (unsigned long long)ts.rom_read, ts.sram_needed, c.hw.sram_capacity_bytes, short_b,
                     ts.energy_compute, ts.energy_sram, ts.energy_rom, ts.energy_links, ts.energy_error_store);
    }
    if (!t.commit()) return 1;
    if (!c.hw.trace) return 0;
    /* the trace: per tile its state, per link its occupancy, in picoseconds */
    AtomicOut v(std::string(dir) + "/trace.vcd");
    if (!v.f) return F3_FAIL(F3_EIO, "%s/trace.vcd: cannot write", dir), 1;
    const double ps = 1e3 / c.hw.clock_mhz;
    struct Ev {
        double t;
        int bits, v;
        std::string id;
    };
    std::vector<Ev> evs;
    std::fprintf(v.f, "$comment f3sim chip trace: tile state 0 idle, 1 busy, 2 waiting for input, 3 waiting for "
                      "downstream; link 1 while it carries data $end\n$timescale 1 ps $end\n$scope module chip $end\n");
    int next_id = 0;
    auto new_id = [&next_id]() {
        std::string id;
        int n = next_id++;
        do {
            id += char('!' + n % 90);
            n /= 90;
        } while (n);
        return id;
    };
    for (size_t i = 0; i < c.K; i++) {
        std::string id = new_id();
        std::fprintf(v.f, "$var wire 2 %s tile%zu_state $end\n", id.c_str(), i + 1);
        evs.push_back({0, 2, 0, id});
        for (const Interval &iv : c.tiles[i]->m_trace) {
            evs.push_back({iv.t0, 2, iv.state, id});
            evs.push_back({iv.t1, 2, 0, id});
        }
    }
    auto add_link = [&](const Link &l, const std::string &name) {
        std::string id = new_id();
        std::fprintf(v.f, "$var wire 1 %s %s $end\n", id.c_str(), name.c_str());
        evs.push_back({0, 1, 0, id});
        for (const auto &iv : l.trace) {
            evs.push_back({iv.first, 1, 1, id});
            evs.push_back({iv.second, 1, 0, id});
        }
    };
    add_link(*c.fwd_in, "link_in_to_tile1");
    for (size_t i = 0; i + 1 < c.K; i++) add_link(*c.fwd[i], "link_fwd_tile" + std::to_string(i + 1));
    if (c.hw.backward.present)
        for (size_t i = 0; i + 1 < c.K; i++) add_link(*c.bwd[i], "link_bwd_tile" + std::to_string(i + 2));
    if (c.hw.broadcast.present) add_link(*c.bcast, "link_broadcast");
    std::fprintf(v.f, "$upscope $end\n$enddefinitions $end\n");
    /* stable: a later event at the same time wins (a 0 that ends one
     * interval comes before the value that starts the next) */
    std::stable_sort(evs.begin(), evs.end(), [](const Ev &a, const Ev &b) { return a.t < b.t; });
    long long last = -1;
    for (const Ev &e : evs) {
        long long tt = (long long)std::llround(e.t * ps);
        if (tt != last) {
            std::fprintf(v.f, "#%lld\n", tt);
            last = tt;
        }
        vcd_value(v.f, e.bits, e.v, e.id);
    }
    return v.commit() ? 0 : 1;
}

/* libsystemc's own main() calls sc_main; f3sim has a main of its own and
 * builds the chip from chip_sim_new, so this is never called. */
int sc_main(int, char **)
{
    std::fprintf(stderr, "f3sim: sc_main is not an entry point\n");
    return 2;
}
