// chain_bp_tb.cpp — the Verilated two-tile BP chain (f3_chain2_bp: a
// hidden tile and the output tile, δ from the output tile's backprop step
// streamed back into the hidden tile) trains on random samples, and is
// checked against two independent references (issue 17, a chain-level
// check of when δ leaves):
//
// numerics: model/'s fixed-point BP step (f3_train_step with algorithm BP,
//   SGD, batch 1) on a trainer that starts from the same weights: after
//   every sample every weight and bias of both tiles, bit for bit; per
//   sample also y, every δ word on the link (round(W_2ᵀ δz_2) from the old
//   W_2, f3_gemm_exact_ref) and the hidden tile's δz_1 (= round(δ ⊙ f'(h_1)),
//   what f3_layer_backprop gives).  The loss unit is model/'s
//   (f3_output_layer on a second trainer, from the RTL's y).
// timing: per sample, from the output tile's δz start T, against
//   chip_tile_cycles() (sim/chip/tile_cost.c) of each tile in the chip's
//   order — output tile: δz, backprop (δ released at its end), gradient;
//   hidden tile: waits for δ (n1 words, one per cycle, from the release),
//   then δz (two cycles after the last δ word: the e port's word count, then
//   its state) and gradient: the output tile's backprop start and end, its
//   gradient start and end, the first and last δ word into the hidden tile,
//   the hidden tile's δz start and end and gradient start and end, and the
//   output tile's δz start from the last loss word.  Every event must match
//   the schedule exactly (0 cycles); every step's length (both tiles,
//   forward, activation, δz, backprop, gradient) must equal the table's; and
//   the steps must run in the chip's order (backprop before gradient).  The
//   hidden tile's steps come from the table of the same layer without BP's
//   stash (see below: the table puts h_{i−1} and f'(z) of the samples in
//   flight in SRAM, the RTL holds one sample's input in registers); how far
//   the BP table itself is from the RTL is printed.
//
// Samples run one at a time with random stalls on x in, y out and the loss
// δz in; the δ link has none of its own (the hidden tile waits for δ and
// takes a word per cycle).  Shapes are random per case (n0 1–64, n1 1–32,
// n2 1–16, 1, 2, 4, 8 or 16 lanes per tile, chosen for each tile), 1–4
// samples each.
//
// usage: f3_chain_bp_tb [--bp-chain N] [--seed S] [--quiet]   (N samples, 60, seed 1)
#include <algorithm>
#include <cinttypes>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "Vf3_chain2_bp.h"

#include "tb_chip.h"
#include "tb_common.h"

using namespace tb;

namespace {

const int NSTEP = 8; // o_step: 0 none, 1 … 7
const char *const step_name[NSTEP] = {"none", "forward",  "activation", "feedback",
                                      "dz",   "gradient", "backprop",   "apply"};
// the chip's order of a BP tile's steps after its δ input is in
// (sim/chip/tile.cpp, analytic.c: output_stationary, per sample): the
// output tile δz, backprop (δ released at its end), gradient; the hidden
// tile (no layer below, no backprop) δz, gradient
const int order_out[3] = {4, 6, 5};
const int order_hid[2] = {4, 5};

const size_t N0_MAX = TB_N0_MAX, N1_MAX = TB_N1_MAX, N2_MAX = TB_N2_MAX;

struct Chain {
    std::unique_ptr<VerilatedContext> ctx;
    std::unique_ptr<Vf3_chain2_bp> m;
    uint64_t cycles = 0;
    Chain() : ctx(new VerilatedContext), m(new Vf3_chain2_bp(ctx.get()))
    {
        m->i_clk = 0;
        m->eval();
    }
    // one cycle (the caller has set the inputs and evaluated; the falling
    // edge is folded into the next evaluation, as in chain_tb.cpp)
    void tick()
    {
        cycles++;
        m->i_clk = 1;
        m->eval();
        m->i_clk = 0;
    }
};

// one tile's memories behind the back door; lanes in use set at run time:
// row j in lane j mod Pu at local row ⌊j/Pu⌋, W at local row · NI_MAX + k
struct TileDoor {
    std::vector<Mem> w, bias, dh, dz;
    Mem lut;
    size_t ni_max;
    int lg = 0;
    TileDoor(VerilatedContext *ctx, const std::string &inst, size_t ni_max_) : ni_max(ni_max_)
    {
        for (int l = 0; l < TB_P; l++) {
            std::string sc = "f3_chain2_bp." + inst + ".lane[" + std::to_string(l) + "]";
            w.push_back(find_mem(ctx, sc, "r_w"));
            bias.push_back(find_mem(ctx, sc, "r_bias"));
            dh.push_back(find_mem(ctx, sc, "r_dh"));
            dz.push_back(find_mem(ctx, sc, "r_dz"));
        }
        lut = find_mem(ctx, "f3_chain2_bp." + inst, "r_lut");
    }
    int lane(size_t j) const { return (int)(j & ((1u << lg) - 1)); }
    size_t row(size_t j) const { return j >> lg; }
    void load(const f3_layer *L, const f3_act_table *tab)
    {
        for (size_t j = 0; j < L->n_out; j++) {
            for (size_t k = 0; k < L->n_in; k++)
                w[lane(j)].set(row(j) * ni_max + k, W.raw(W.code(L->W[j * L->n_in + k])));
            bias[lane(j)].set(row(j), W.raw(W.code(L->b[j])));
        }
        for (unsigned k = 0; k < 257; k++) lut.set(k, A.raw(A.code(tab->T[k])));
    }
    double wv(size_t j, size_t k) const { return W.val(W.sx(w[lane(j)].get(row(j) * ni_max + k))); }
    double bv(size_t j) const { return W.val(W.sx(bias[lane(j)].get(row(j)))); }
    double dhv(size_t j) const { return E.val(E.sx(dh[lane(j)].get(row(j)))); }
    double dzv(size_t j) const { return E.val(E.sx(dz[lane(j)].get(row(j)))); }
};

struct Stats {
    uint64_t cases = 0, samples = 0, values = 0, mismatches = 0, cycles = 0;
    uint64_t t_samples = 0, t_fail = 0, step_fail = 0, order_fail = 0;
    uint64_t stash_steps = 0;  // hidden steps whose BP table (stash in SRAM) differs from the RTL
    uint64_t stash_longer = 0; // of them, the RTL's longer than the table's
};

bool same(Stats &st, const char *what, size_t i, double rtl, double ref)
{
    st.values++;
    if (rtl == ref) return true;
    if (st.mismatches++ < 20) std::fprintf(stderr, "mismatch: %s[%zu]: rtl %.17g, model %.17g\n", what, i, rtl, ref);
    return false;
}

// one sample's events on the RTL: the cycle (Chain::cycles before the
// rising edge) of each step's first cycle and of the first cycle after it,
// per tile; the last loss word in; the first and last δ word on the link
const int NEV = 11;
const char *const ev_name[NEV] = {
    "out dz start - last loss word", "out backprop start", "out backprop end", "out gradient start",
    "out gradient end",              "first delta word in", "last delta word in", "hid dz start",
    "hid dz end",                    "hid gradient start",  "hid gradient end"};
struct Events {
    int64_t s1[NSTEP], e1[NSTEP], s2[NSTEP], e2[NSTEP];
    uint64_t c1[NSTEP] = {0}, c2[NSTEP] = {0}; // cycles per step
    int64_t loss_last = -1, d_first = -1, d_last = -1;
    Events()
    {
        std::fill(s1, s1 + NSTEP, (int64_t)-1), std::fill(e1, e1 + NSTEP, (int64_t)-1);
        std::fill(s2, s2 + NSTEP, (int64_t)-1), std::fill(e2, e2 + NSTEP, (int64_t)-1);
    }
};

} // namespace

int main(int argc, char **argv)
{
    size_t nsamples = 60;
    uint64_t seed = 1;
    bool quiet = false;
    for (int i = 1; i < argc; i++) {
        if (!std::strcmp(argv[i], "--bp-chain") && i + 1 < argc) nsamples = std::strtoull(argv[++i], nullptr, 10);
        else if (!std::strcmp(argv[i], "--seed") && i + 1 < argc) seed = std::strtoull(argv[++i], nullptr, 10);
        else if (!std::strcmp(argv[i], "--quiet")) quiet = true;
        else {
            std::fprintf(stderr, "usage: %s [--bp-chain N] [--seed S] [--quiet]\n", argv[0]);
            return 2;
        }
    }
    Rng rng{seed};
    Chain ch;
    Vf3_chain2_bp *m = ch.m.get();
    TileDoor d1(ch.ctx.get(), "u_t1", N0_MAX), d2(ch.ctx.get(), "u_t2", N1_MAX);
    const f3_activation acts[4] = {F3_ACT_TANH, F3_ACT_SIGMOID, F3_ACT_RELU, F3_ACT_IDENTITY};
    const double lrs[4] = {0.01, 0.05, 0.003, 0.125};
    Stats st;
    int64_t maxdev[NEV] = {0};
    int64_t stash_dev[NSTEP] = {0}; // hidden tile: largest |BP table (stash in SRAM) − rtl| per step [cycles]
    double stash_rel = 0;
    const f3_format fw = W.m(), fe = E.m();

    std::printf("BP chain (f3_chain2_bp): hidden tile -> output tile, delta back; against model/'s BP step "
                "(f3_train_step) and chip_tile_cycles() in the order output: dz, backprop (delta released), gradient; "
                "hidden: (delta in) dz, gradient\n");
    while (st.samples < nsamples) {
        // ---- a case: shapes, lanes, activations, lr, 1–4 samples -----------------
        const size_t n0 = (size_t)rng.range(1, (int64_t)N0_MAX), n1 = (size_t)rng.range(1, (int64_t)N1_MAX),
                     n2 = (size_t)rng.range(1, (int64_t)N2_MAX);
        const int lg1 = (int)rng.range(0, 4), lg2 = (int)rng.range(0, 4);
        const unsigned P1 = 1u << lg1, P2 = 1u << lg2;
        f3_config cfg = f3_config_default();
        cfg.n_layers = 2;
        cfg.widths[0] = n0;
        cfg.widths[1] = n1;
        cfg.widths[2] = n2;
        cfg.algorithm = F3_ALG_BP;
        cfg.hidden_act = acts[rng.range(0, 3)];
        cfg.output_act = rng.coin(50) ? F3_ACT_SIGMOID : F3_ACT_IDENTITY;
        cfg.loss = cfg.output_act == F3_ACT_SIGMOID ? F3_LOSS_BCE : F3_LOSS_MSE;
        cfg.optimizer = F3_OPT_SGD;
        cfg.lr = lrs[rng.range(0, 3)];
        cfg.batch_size = 1;
        cfg.seed = rng.next() % 1000000 + 1;
        set_formats(&cfg);
        const bool wide = rng.coin(30);
        const size_t N = std::min((size_t)rng.range(1, 4), nsamples - st.samples);
        f3_trainer *ref = nullptr, *io = nullptr;
        if (f3_trainer_alloc(&cfg, F3_TASK_CLASSIFICATION, N, &ref) != F3_OK ||
            f3_trainer_alloc(&cfg, F3_TASK_CLASSIFICATION, N, &io) != F3_OK) {
            std::fprintf(stderr, "chain_bp_tb: trainer: %s\n", f3_last_error());
            return 2;
        }
        // the table's steps of each tile (its own lanes)
        chip_config hw1 = tile_hw(P1, cfg, false), hw2 = tile_hw(P2, cfg, false);
        const chip_step_cycles r1 = chip_tile_cycles(&hw1, &cfg, 0, 1), r2 = chip_tile_cycles(&hw2, &cfg, 1, 1);
        const int64_t bp1[NSTEP] = {0, (int64_t)r1.forward, (int64_t)r1.activation, (int64_t)r1.feedback,
                                    (int64_t)r1.dz, (int64_t)r1.gradient, (int64_t)r1.backprop, (int64_t)r1.apply};
        // The table charges a BP hidden tile's stash — h_{i−1} and f'(z_i)
        // of the samples in flight — to its SRAM: written in the forward
        // step, read in the δz and gradient steps, beside W on the banks.
        // The RTL keeps one sample in flight and its input in the tile's
        // input buffer (registers), so the hidden tile is held to the table
        // of the same layer without the stash (its F³ configuration: the
        // same steps, W traffic and registers), and the BP table's
        // difference is reported (and must be the stash's alone: the order
        // and every other event stay exact).
        f3_config cfg_ns = cfg;
        cfg_ns.algorithm = F3_ALG_F3;
        const chip_step_cycles r1n = chip_tile_cycles(&hw1, &cfg_ns, 0, 1);
        const int64_t tab1[NSTEP] = {0, (int64_t)r1n.forward, (int64_t)r1n.activation, 0,
                                     (int64_t)r1n.dz, (int64_t)r1n.gradient, 0, 0};
        const int64_t tab2[NSTEP] = {0, (int64_t)r2.forward, (int64_t)r2.activation, (int64_t)r2.feedback,
                                     (int64_t)r2.dz, (int64_t)r2.gradient, (int64_t)r2.backprop, (int64_t)r2.apply};

        // ---- load the chain (back door) and configure it -----------------------------
        d1.lg = lg1, d2.lg = lg2;
        f3_act_table tab_h, tab_o;
        f3_format af = A.m();
        f3_act_table_init(&tab_h, cfg.hidden_act, &af);
        f3_act_table_init(&tab_o, cfg.output_act, &af);
        d1.load(&ref->layers[0], &tab_h);
        d2.load(&ref->layers[1], &tab_o);
        m->i_rst = 1;
        for (int i = 0; i < 2; i++) {
            m->eval();
            ch.tick();
        }
        m->i_rst = 0;
        m->i_n0 = (uint32_t)n0;
        m->i_n1 = (uint32_t)n1;
        m->i_n2 = (uint32_t)n2;
        m->i_lanes1_log2 = (uint32_t)lg1;
        m->i_lanes2_log2 = (uint32_t)lg2;
        m->i_act1 = act_mode(cfg.hidden_act);
        m->i_dact1 = dact_mode(cfg.hidden_act);
        m->i_act2 = act_mode(cfg.output_act);
        m->i_lr_m = (uint32_t)lr_mantissa(cfg.lr);
        m->i_cfg_we = 0;
        m->i_x_valid = m->i_dz_valid = 0;
        m->i_y_ready = 0;
        m->eval();

        const int64_t amax = wide ? (1ll << (A.w - 1)) - 1 : (1ll << (A.f + 1));
        for (size_t sn = 0; sn < N; sn++) {
            // ---- the sample and model/'s values before its step -----------------------
            std::vector<float> x(n0), t(n2, 0.0f), h1(n1), y_ref(n2), dz(n2), W2old(ref->layers[1].W, ref->layers[1].W + n1 * n2);
            for (auto &v : x) v = (float)A.val(rng.range(-amax, amax));
            int32_t lab = (int32_t)rng.range(0, (int64_t)n2 - 1);
            t[(size_t)lab] = 1.0f;
            size_t idx = sn;
            f3_layer_forward(ref, 0, x.data(), h1.data(), F3_MEM_INPUTS, F3_MEM_WORK, 1);
            f3_layer_forward(ref, 1, h1.data(), y_ref.data(), F3_MEM_WORK, F3_MEM_WORK, 1);

            // ---- the RTL: x in, y out, the loss's δz in; events recorded ----------------
            std::vector<int64_t> y_rtl, d_rtl;
            Events ev;
            size_t xs = 0, ds = 0;
            bool loss_done = false;
            const uint64_t start = ch.cycles;
            for (;;) {
                m->i_x_valid = xs < n0 && rng.coin(80);
                m->i_x_data = (uint32_t)A.raw(A.code(x[xs < n0 ? xs : 0]));
                m->i_y_ready = rng.coin(85);
                m->i_dz_valid = loss_done && ds < n2 && rng.coin(80);
                m->i_dz_data = (uint32_t)E.raw(E.code(dz[ds < n2 ? ds : 0]));
                m->i_dz_idx = (uint32_t)ds;
                m->eval();
                const bool xf = m->i_x_valid && m->o_x_ready, yf = m->o_y_valid && m->i_y_ready;
                const bool df = m->i_dz_valid && m->o_dz_ready, lf = m->o_dl_valid && m->o_dl_ready;
                const int64_t now = (int64_t)ch.cycles;
                if (yf) y_rtl.push_back(A.sx(m->o_y_data));
                if (df && ds + 1 == n2) ev.loss_last = now;
                if (lf) {
                    if (d_rtl.empty()) ev.d_first = now;
                    if (m->o_dl_idx != d_rtl.size()) {
                        std::fprintf(stderr, "chain_bp_tb: delta word %zu carries index %u\n", d_rtl.size(),
                                     (unsigned)m->o_dl_idx);
                        st.mismatches++;
                    }
                    d_rtl.push_back(E.sx(m->o_dl_data));
                    if (d_rtl.size() == n1) ev.d_last = now;
                }
                const unsigned s1 = m->o_step1 & 7, s2 = m->o_step2 & 7;
                ev.c1[s1]++, ev.c2[s2]++;
                if (s1 && ev.s1[s1] < 0) ev.s1[s1] = now;
                if (s1) ev.e1[s1] = now + 1;
                if (s2 && ev.s2[s2] < 0) ev.s2[s2] = now;
                if (s2) ev.e2[s2] = now + 1;
                ch.tick();
                xs += xf;
                ds += df;
                if (y_rtl.size() == n2 && !loss_done) {
                    // the loss unit (model/'s, on the RTL's y)
                    std::vector<float> yv(n2);
                    for (size_t j = 0; j < n2; j++) yv[j] = (float)A.val(y_rtl[j]);
                    f3_output_layer(io, yv.data(), t.data(), &lab, dz.data(), 1, nullptr);
                    loss_done = true;
                }
                if (ds == n2 && d_rtl.size() == n1 && ev.e1[5] >= 0 && m->o_idle) break;
                if (ch.cycles - start > 5000000) {
                    std::fprintf(stderr, "chain_bp_tb: the chain hangs (steps %u %u)\n", (unsigned)m->o_step1,
                                 (unsigned)m->o_step2);
                    return 1;
                }
            }
            st.cycles += ch.cycles - start;

            // ---- numerics: y, δ on the link, the hidden tile's δh and δz; then model/'s
            //      BP step and every weight and bias of both tiles ------------------------
            for (size_t j = 0; j < n2; j++) same(st, "y", j, A.val(y_rtl[j]), y_ref[j]);
            std::vector<double> dx(n1);
            f3_gemm_exact_ref(0, 0, 1, n1, n2, dz.data(), n2, W2old.data(), n1, dx.data(), &fe, &fw);
            for (size_t k = 0; k < n1; k++) {
                same(st, "delta (link)", k, E.val(d_rtl[k]), requant(dx[k], E));
                same(st, "dh (hidden)", k, d1.dhv(k), E.val(d_rtl[k]));
                const double dzp = requant(E.val(d_rtl[k]) * f3_act_derivative_of_output(cfg.hidden_act, h1[k]), E);
                same(st, "dz (hidden)", k, d1.dzv(k), dzp);
            }
            for (size_t j = 0; j < n2; j++) same(st, "dz (output)", j, d2.dzv(j), dz[j]);
            if (f3_train_step(ref, x.data(), t.data(), &lab, &idx, 1, nullptr) != F3_OK) {
                std::fprintf(stderr, "chain_bp_tb: f3_train_step: %s\n", f3_last_error());
                return 2;
            }
            for (size_t l = 0; l < 2; l++) {
                const f3_layer *L = &ref->layers[l];
                const TileDoor &d = l ? d2 : d1;
                for (size_t j = 0; j < L->n_out; j++) {
                    same(st, l ? "b2" : "b1", j, d.bv(j), L->b[j]);
                    for (size_t k = 0; k < L->n_in; k++) same(st, l ? "W2" : "W1", j * L->n_in + k, d.wv(j, k), L->W[j * L->n_in + k]);
                }
            }

            // ---- timing: the schedule from the output tile's δz start T ------------------
            const int64_t T = ev.s2[4];
            int64_t at2[NSTEP], end2[NSTEP], at1[NSTEP], end1[NSTEP], release = -1, tt = T;
            for (int sx : order_out) {
                at2[sx] = tt;
                tt += tab2[sx];
                end2[sx] = tt;
                if (sx == 6) release = tt; // δ leaves at the end of the backprop step
            }
            const int64_t dlast = release + (int64_t)n1 - 1; // one word per cycle
            tt = dlast + 2; // the hidden tile's e port: the word count, then its state
            for (int sx : order_hid) {
                at1[sx] = tt;
                tt += tab1[sx];
                end1[sx] = tt;
            }
            const int64_t got[NEV] = {T - ev.loss_last, ev.s2[6] - T, ev.e2[6] - T, ev.s2[5] - T, ev.e2[5] - T,
                                      ev.d_first - T, ev.d_last - T, ev.s1[4] - T, ev.e1[4] - T, ev.s1[5] - T,
                                      ev.e1[5] - T};
            const int64_t want[NEV] = {2,           at2[6] - T, end2[6] - T, at2[5] - T, end2[5] - T, release - T,
                                       dlast - T,   at1[4] - T, end1[4] - T, at1[5] - T, end1[5] - T};
            bool bad = false;
            for (int q = 0; q < NEV; q++) {
                const int64_t dev = got[q] > want[q] ? got[q] - want[q] : want[q] - got[q];
                maxdev[q] = std::max(maxdev[q], dev);
                if (dev) {
                    bad = true;
                    std::fprintf(stderr, "timing: case %" PRIu64 " sample %zu: %s: rtl %" PRId64 " cycles, table %" PRId64
                                 "\n", st.cases + 1, sn + 1, ev_name[q], got[q], want[q]);
                }
            }
            // the steps' lengths against the table (both tiles)
            const int steps1[4] = {1, 2, 4, 5}, steps2[5] = {1, 2, 4, 6, 5};
            for (int sx : steps1) {
                const int64_t sd = bp1[sx] - (int64_t)ev.c1[sx];
                if (sd) st.stash_steps++;
                if (sd < 0) st.stash_longer++;
                stash_dev[sx] = std::max(stash_dev[sx], sd < 0 ? -sd : sd);
                stash_rel = std::max(stash_rel, (double)(sd < 0 ? -sd : sd) / (double)bp1[sx]);
                if ((int64_t)ev.c1[sx] != tab1[sx]) {
                    st.step_fail++;
                    std::fprintf(stderr, "timing: case %" PRIu64 " sample %zu: hidden %s: rtl %" PRIu64 " cycles, table %"
                                 PRId64 "\n", st.cases + 1, sn + 1, step_name[sx], ev.c1[sx], tab1[sx]);
                }
            }
            for (int sx : steps2)
                if ((int64_t)ev.c2[sx] != tab2[sx]) {
                    st.step_fail++;
                    std::fprintf(stderr, "timing: case %" PRIu64 " sample %zu: output %s: rtl %" PRIu64 " cycles, table %"
                                 PRId64 "\n", st.cases + 1, sn + 1, step_name[sx], ev.c2[sx], tab2[sx]);
                }
            // the order on the RTL: output δz, backprop, gradient; δ out no
            // later than the output's gradient starts; the hidden tile's δz
            // after its last δ word, then its gradient
            const bool ordered = ev.s2[4] < ev.s2[6] && ev.s2[6] < ev.s2[5] && ev.d_first <= ev.s2[5] &&
                                 ev.d_last < ev.s1[4] && ev.s1[4] < ev.s1[5];
            if (!ordered) {
                st.order_fail++;
                std::fprintf(stderr, "order: case %" PRIu64 " sample %zu: output dz %" PRId64 ", backprop %" PRId64
                             ", gradient %" PRId64 "; delta %" PRId64 " ... %" PRId64 "; hidden dz %" PRId64
                             ", gradient %" PRId64 " (expected in the chip's order)\n", st.cases + 1, sn + 1,
                             ev.s2[4], ev.s2[6], ev.s2[5], ev.d_first, ev.d_last, ev.s1[4], ev.s1[5]);
            }
            st.t_samples++;
            st.t_fail += bad || !ordered;
            if (!quiet)
                std::printf("  case %" PRIu64 " sample %zu: %zu-%zu-%zu, lanes %u/%u; table: out dz %" PRId64
                            " backprop %" PRId64 " gradient %" PRId64 ", hid dz %" PRId64 " gradient %" PRId64
                            " (BP table, stash in SRAM: %" PRId64 "); rtl from the out dz start: backprop %" PRId64 "..%" PRId64 ", gradient %" PRId64
                            "..%" PRId64 ", delta in %" PRId64 "..%" PRId64 ", hid dz %" PRId64 "..%" PRId64
                            ", hid gradient %" PRId64 "..%" PRId64 "%s\n",
                            st.cases + 1, sn + 1, n0, n1, n2, P1, P2, tab2[4], tab2[6], tab2[5], tab1[4], tab1[5], bp1[5],
                            got[1], got[2], got[3], got[4], got[5], got[6], got[7], got[8], got[9], got[10],
                            bad || !ordered ? "  FAIL" : "");
            st.samples++;
        }
        st.cases++;
        f3_trainer_free(ref);
        f3_trainer_free(io);
    }
    int64_t worst = 0;
    for (int q = 0; q < NEV; q++) worst = std::max(worst, maxdev[q]);
    std::printf("BP chain: %" PRIu64 " cases, %" PRIu64 " samples, %" PRIu64 " values compared, %" PRIu64
                " mismatches, %" PRIu64 " cycles simulated\n",
                st.cases, st.samples, st.values, st.mismatches, st.cycles);
    std::printf("timing: %" PRIu64 " samples, %" PRIu64 " off the table's schedule, %" PRIu64
                " step lengths off the table, %" PRIu64 " out of the chip's order; largest |rtl - table| %" PRId64
                " cycles (",
                st.t_samples, st.t_fail, st.step_fail, st.order_fail, worst);
    for (int q = 0; q < NEV; q++) std::printf("%s%s %" PRId64, q ? ", " : "", ev_name[q], maxdev[q]);
    std::printf(")\n");
    std::printf("hidden tile against the BP table with its stash in SRAM: %" PRIu64 " steps differ (%" PRIu64
                " of them longer in the rtl), largest |rtl - table| forward %" PRId64 ", activation %" PRId64
                ", dz %" PRId64 ", gradient %" PRId64 " cycles (%.1f %%)\n",
                st.stash_steps, st.stash_longer, stash_dev[1], stash_dev[2], stash_dev[4], stash_dev[5], 100 * stash_rel);
    const int rc = st.mismatches || st.t_fail || st.step_fail || st.t_samples == 0;
    std::printf(rc ? "FAIL\n" : "PASS: f3_chain_bp_tb finished\n");
    return rc;
}
