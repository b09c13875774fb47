// tile_tb.cpp — the Verilated f3_tile against model/, bit for bit, and
// against the chip's cycle table (chip_tile_cycles), step by step.
//
// Every case builds a model/ trainer with random shapes, activation and
// learning rule (F³ hidden tile with one-hot or dense feedback, or a BP
// output tile with δ out), loads its weights, biases, feedback matrix and
// activation table into the tile, streams a random input and error through
// the tile (with random stalls on every stream) and compares z, h, δh, δz,
// δ out and every weight and bias after the sample with model/'s kernels
// (f3_layer_forward / _direct_feedback / _gradient / _backprop / _update,
// f3_gemm_exact_ref).  It counts the cycles of each step and compares them
// with chip_tile_cycles() for a hardware configuration that describes the
// tile (P lanes and banks, one read and one write port of one weight each
// per bank, the tile's drain latency, a ternary ROM reading one entry per
// lane per cycle).
//
// Some cases run their samples back to back without stalls: the interval
// between forward steps is checked against the table's steps on a schedule
// that adds the tile's one-word-per-cycle ports (h out, e in), and y, δ out
// and the final W and b against model/.
//
// A quarter of the random cases, and part of the cycle set, run a batch of
// 2 … BATCH_MAX samples: the tile accumulates Σ δz hᵀ exactly and applies
// it after the batch's last sample; the testbench checks every sample's
// values, W and b unchanged within the batch, the accumulators against the
// exact sums, and W and b after the apply against model/'s step on the
// whole batch (f3_layer_gradient with b = batch, f3_layer_update).
//
// --delta-order N runs only BP's δ timing (issue 17): N BP output tiles
// (tile 2 of a two-tile BP chain), P ∈ {1, 4, 16}, random shapes, 1–3
// samples each, δ out never stalled.  For every sample it takes the cycle
// at which the δz step starts, the last δ-in word, the first and last δ
// word out and the gradient step's start and end, and compares them with
// the schedule that bp_order (the chip's order: δz, backprop — δ released
// at its end — gradient) and chip_tile_cycles() give; the steps must run
// in that order, and the first δ word must leave no later than the
// gradient step starts.  Values are checked as in the random cases.
//
// usage: f3_tile_tb [--cases N] [--seed S] [--vectors FILE N]
//                   [--delta-order N]   (1000, 1); exit 0 only when there
// are no mismatches and every step (and δ event) of every case is within
// 2 % of the table.
#include <algorithm>
#include <cinttypes>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "Vf3_tile.h"
#include "verilated.h"
#include "verilated_syms.h"

#include "tb_common.h"
#include "tb_chip.h"

using namespace tb;

namespace {

const int NSTEP = 8; // o_step: 0 none, 1 … 7
const char *const step_name[NSTEP] = {"interval", "forward",  "activation", "feedback",
                                      "dz",       "gradient", "backprop",   "apply"};

struct Tile {
    std::unique_ptr<VerilatedContext> ctx;
    std::unique_ptr<Vf3_tile> m;
    uint64_t cyc[NSTEP] = {0};
    uint64_t total = 0;
    Tile() : ctx(new VerilatedContext), m(new Vf3_tile(ctx.get()))
    {
        m->i_clk = 0;
        m->eval();
    }
    void tick()
    {
        cyc[m->o_step & 7]++;
        total++;
        m->i_clk = 1;
        m->eval();
        m->i_clk = 0;
        m->eval();
    }
    void clear_counts()
    {
        std::fill(cyc, cyc + NSTEP, 0);
        total = 0;
    }
    void reset()
    {
        m->i_rst = 1;
        tick();
        tick();
        m->i_rst = 0;
        m->eval();
    }
    void cfg_write(unsigned sel, unsigned row, unsigned col, uint64_t data)
    {
        m->i_cfg_we = 1;
        m->i_cfg_sel = sel;
        m->i_cfg_row = row;
        m->i_cfg_col = col;
        m->i_cfg_wdata = (uint32_t)data;
        tick();
        m->i_cfg_we = 0;
    }
    uint64_t cfg_read(unsigned sel, unsigned row, unsigned col)
    {
        m->i_cfg_sel = sel;
        m->i_cfg_row = row;
        m->i_cfg_col = col;
        tick(); // W and B are read synchronously
        return m->o_cfg_rdata;
    }
};

struct Door {
    std::vector<Mem> w, bias, b, z, hb, dh, dz, acc, abias;
    Mem lut;
    explicit Door(VerilatedContext *ctx)
    {
        for (int l = 0; l < TB_P; l++) {
            std::string sc = "f3_tile.lane[" + std::to_string(l) + "]";
            w.push_back(find_mem(ctx, sc, "r_w"));
            bias.push_back(find_mem(ctx, sc, "r_bias"));
            b.push_back(find_mem(ctx, sc, "r_b"));
            z.push_back(find_mem(ctx, sc, "r_z"));
            hb.push_back(find_mem(ctx, sc, "r_hb"));
            dh.push_back(find_mem(ctx, sc, "r_dh"));
            dz.push_back(find_mem(ctx, sc, "r_dz"));
            abias.push_back(find_mem(ctx, sc, "r_abias"));
            acc.push_back(find_mem(ctx, sc + ".accb", "r_a"));
        }
        lut = find_mem(ctx, "f3_tile", "r_lut");
    }
};

struct Case {
    int P_log;
    size_t n_in, n_out, C;
    int kind; // 0 F³ hidden one-hot, 1 F³ hidden dense, 2 BP output tile with δ out
    f3_activation act, below_act;
    double lr;
    int wide; // inputs over the whole activation range (saturating the table)
    size_t batch = 1;   // samples per batch: > 1 accumulates and applies once per batch
    size_t samples = 1; // samples of the case (a multiple of batch)
    bool fused = false; // F³ hidden tile, fused dataflow: batch 1, the flush after the last sample
    bool stream = false; // back to back, no stalls: the issue interval (only y, δ out and the end compared)
    bool infer = false;  // i_train 0 (F³ tiles): forward and activation only, W and b untouched
    bool dtime = false;  // BP tile: when δ leaves for the tile below, against the table (δ out never stalled)
};

struct Stats {
    uint64_t cases = 0, values = 0, mismatches = 0;
    double max_dev[4][NSTEP] = {{0}}; // per P (1, 4, 16, 64) and step (0: the issue interval), relative deviation from the table
    uint64_t cycles = 0;
    // δ timing (--delta-order): samples checked, failures, and the largest
    // |measured − table| of each latency [cycles] (0 first δ word − δz start,
    // 1 last δ word − δz start, 2 first δ word − last δ-in word, 3 gradient
    // start − δz start, 4 gradient end − δz start)
    uint64_t dt_samples = 0, dt_fail = 0;
    int64_t dt_dev[5] = {0};
};

int p_index(int P_log) { return P_log / 2; }

// BP's steps after its δ input is in, in the order the chip runs them
// (sim/chip/tile.cpp, analytic.c, tests/integration/lib/chip_spec.py:
// output_stationary, per sample): δz, then the backprop step δ_{i−1} =
// W_iᵀ δz_i from the old W — δ is released to the tile below at its end —
// then the gradient step.  --delta-order checks the RTL against the
// schedule this order and chip_tile_cycles() give.
const int bp_order[3] = {4 /* δz */, 6 /* backprop */, 5 /* gradient */};

// the cycles (t.total before the rising edge) at which one sample's events
// happen on the RTL: a step's first cycle (o_step turns to it), the
// gradient step's end (the first cycle after it), the last δ-in word and
// the first and last δ-out word taken (valid and ready)
struct DTime {
    int64_t start[NSTEP];
    int64_t grad_end = -1, ein = -1, d_first = -1, d_last = -1;
    DTime() { std::fill(start, start + NSTEP, (int64_t)-1); }
};

// compare one value; print the first few differences
bool same(Stats &st, const char *what, size_t i, double rtl, double ref)
{
    st.values++;
    if (rtl == ref) return true;
    if (st.mismatches++ < 20)
        std::fprintf(stderr, "mismatch: %s[%zu]: rtl %.17g, model %.17g\n", what, i, rtl, ref);
    return false;
}

// the vector file for the Icarus testbench: one 32-bit hex word per line
void vec_put(FILE *f, uint64_t v) { std::fprintf(f, "%08" PRIx32 "\n", (uint32_t)v); }

// one sample's stimulus
struct Sample {
    std::vector<float> h, e, dz_in;
    int32_t label;
    float es;
};

// the ACW-bit accumulator word of the back door, sign-extended
int64_t acc_sx(uint64_t raw)
{
    const int acw = TB_EW + TB_AW + TB_BLOG;
    uint64_t m = (1ull << acw) - 1;
    raw &= m;
    if (raw >> (acw - 1)) raw |= ~m;
    return (int64_t)raw;
}

// run one case (cs.samples samples in batches of cs.batch); returns 0 if
// it matched (cycle deviations are recorded in st)
int run_case(Tile &t, const Door &door, const Case &cs, Rng &rng, Stats &st, bool verbose, bool port,
             FILE *vec = nullptr)
{
    const size_t ni = cs.n_in, no = cs.n_out, C = cs.C, N = cs.samples;
    const bool fused = cs.fused, stream = cs.stream, train = !cs.infer;
    const size_t B = fused ? 1 : cs.batch; // batch size
    const bool batched = B > 1;
    const unsigned P = 1u << cs.P_log;
    f3_config cfg = f3_config_default();
    const bool bp = cs.kind == 2;
    size_t layer = bp ? 1 : 0;
    cfg.n_layers = 2;
    if (bp) {
        cfg.widths[0] = 5;
        cfg.widths[1] = ni;
        cfg.widths[2] = no;
        cfg.algorithm = F3_ALG_BP;
        cfg.hidden_act = cs.below_act;
        cfg.output_act = cs.act;
        cfg.loss = cs.act == F3_ACT_SIGMOID ? F3_LOSS_BCE : F3_LOSS_MSE;
    } else {
        cfg.widths[0] = ni;
        cfg.widths[1] = no;
        cfg.widths[2] = C;
        cfg.algorithm = F3_ALG_F3;
        cfg.hidden_act = cs.act;
        cfg.error_info.one_hot = cs.kind == 0;
        cfg.feedback_init = F3_FB_TRINOMIAL;
    }
    cfg.optimizer = F3_OPT_SGD;
    cfg.lr = cs.lr;
    cfg.batch_size = fused ? 1 : B;
    cfg.seed = rng.next() % 1000000 + 1;
    set_formats(&cfg);
    f3_trainer *tr = nullptr;
    if (f3_trainer_alloc(&cfg, F3_TASK_CLASSIFICATION, N, &tr) != F3_OK) {
        std::fprintf(stderr, "tb: trainer: %s\n", f3_last_error());
        std::exit(2);
    }
    f3_layer *L = &tr->layers[layer];
    const f3_activation act = bp ? cfg.output_act : cfg.hidden_act;

    // inputs and errors of the batch, on their grids
    std::vector<Sample> smp(N);
    int64_t amax = cs.wide ? (1ll << (A.w - 1)) - 1 : (1ll << (A.f + 1));
    for (Sample &x : smp) {
        x.h.resize(ni), x.e.resize(C), x.dz_in.resize(no);
        for (auto &v : x.h) v = (float)A.val(rng.range(-amax, amax));
        for (auto &v : x.e) v = (float)E.val(rng.range(-(1ll << E.f), 1ll << E.f));
        for (auto &v : x.dz_in) v = (float)E.val(rng.range(-(1ll << (E.f - 2)), 1ll << (E.f - 2)));
        x.label = (int32_t)rng.range(0, (int64_t)C - 1);
        x.es = (float)E.val(rng.range(-(1ll << E.f), 1ll << E.f));
    }

    // ---- load the tile ------------------------------------------------------
    t.reset();
    Vf3_tile *m = t.m.get();
    m->i_n_in = ni;
    m->i_n_out = no;
    m->i_n_c = C;
    m->i_lanes_log2 = cs.P_log;
    m->i_act_mode = act_mode(act);
    m->i_dact_mode = bp ? 3 : dact_mode(act); // the output tile's δz is the loss's
    m->i_fb_mode = bp ? 0 : cs.kind == 0 ? 1 : 2;
    m->i_train = train;
    m->i_bp = bp;
    m->i_lr_m = lr_mantissa(cfg.lr);
    m->i_batch = B;
    m->i_fused = fused;
    m->i_flush = 0;
    f3_act_table tab;
    f3_format af = A.m();
    f3_act_table_init(&tab, act, &af);
    // row j of W in bank j mod P at row ⌊j/P⌋ (stride NI_MAX), B[c][j] at c·DO + ⌊j/P⌋
    auto lane = [&](size_t j) { return (int)(j & (P - 1)); };
    auto lrow = [&](size_t j) { return j >> cs.P_log; };
    if (port) {
        for (size_t j = 0; j < no; j++)
            for (size_t k = 0; k < ni; k++) t.cfg_write(0, j, k, W.raw(W.code(L->W[j * ni + k])));
        for (size_t j = 0; j < no; j++) t.cfg_write(1, j, 0, W.raw(W.code(L->b[j])));
        if (!bp)
            for (size_t c = 0; c < C; c++)
                for (size_t j = 0; j < no; j++) t.cfg_write(2, c, j, b_code(L->B[c * no + j]));
        for (unsigned k = 0; k < 257; k++) t.cfg_write(3, 0, k, A.raw(A.code(tab.T[k])));
    } else {
        for (size_t j = 0; j < no; j++) {
            for (size_t k = 0; k < ni; k++) door.w[lane(j)].set(lrow(j) * TB_NI_MAX + k, W.raw(W.code(L->W[j * ni + k])));
            door.bias[lane(j)].set(lrow(j), W.raw(W.code(L->b[j])));
            if (!bp)
                for (size_t c = 0; c < C; c++) door.b[lane(j)].set(c * TB_NO_MAX + lrow(j), b_code(L->B[c * no + j]));
        }
        for (unsigned k = 0; k < 257; k++) door.lut.set(k, A.raw(A.code(tab.T[k])));
    }

    const uint64_t before = st.mismatches;
    const f3_format fa = A.m(), fw = W.m(), fe = E.m();
    const std::vector<float> W0(L->W, L->W + ni * no), b0(L->b, L->b + no); // before the case
    std::vector<float> Wbatch(W0), bbatch(b0); // at the start of the batch
    // the batch's δz and inputs for model/'s gradient, and the exact sums
    // the accumulators must hold (in units of 2^−(EF+AF))
    std::vector<float> DZ(B * no), H(B * ni);
    std::vector<int64_t> acc_ref(no * ni, 0), abias_ref(no, 0);
    chip_config hw = tile_hw(P, cfg, fused);
    chip_step_cycles ref = chip_tile_cycles(&hw, &cfg, layer, 1);
    const uint64_t tab_c[NSTEP] = {0,          ref.forward,  ref.activation, ref.feedback,
                                   ref.dz,     ref.gradient, ref.backprop,   ref.apply};

    // ---- the RTL: samples s0 … s1−1, their inputs offered as early as the
    //      tile takes them; y and δ out collected per sample; the cycle at
    //      which each forward step starts --------------------------------------
    std::vector<std::vector<int64_t>> y_rtl(N), d_rtl(N);
    std::vector<uint64_t> fwd_start;
    std::vector<DTime> dt(N);
    const size_t e_need = !train ? 0 : bp ? no : cs.kind == 0 ? 1 : C;
    auto drive = [&](size_t s0, size_t s1, bool stalls) {
        size_t hs = s0 * ni, es = s0, ek = 0, ys = s0, ds = s0;
        uint64_t guard = 0;
        unsigned prev_step = m->o_step;
        size_t nstart[NSTEP]; // per step: the sample whose step starts next
        std::fill(nstart, nstart + NSTEP, s0);
        for (;;) {
            const size_t hsn = hs / ni;
            m->i_h_valid = hsn < s1 && (!stalls || rng.coin(80));
            m->i_h_data = (uint32_t)A.raw(A.code(smp[hsn < s1 ? hsn : s0].h[hs % ni]));
            const Sample &xe = smp[es < s1 ? es : s0];
            bool e_ok = train && es < s1 && (!bp || y_rtl[es].size() == no); // the loss needs y first
            m->i_e_valid = e_ok && (!stalls || rng.coin(80));
            if (bp)
                m->i_e_data = (uint32_t)E.raw(E.code(xe.dz_in[ek < no ? ek : 0])), m->i_e_idx = ek;
            else if (cs.kind == 0)
                m->i_e_data = (uint32_t)E.raw(E.code(xe.es)), m->i_e_idx = xe.label;
            else
                m->i_e_data = (uint32_t)E.raw(E.code(xe.e[ek < C ? ek : 0])), m->i_e_idx = ek;
            m->i_y_ready = !stalls || rng.coin(85);
            m->i_d_ready = cs.dtime || !stalls || rng.coin(85); // δ timing: the tile below takes a word per cycle
            m->eval();
            bool hf = m->i_h_valid && m->o_h_ready, ef = m->i_e_valid && m->o_e_ready;
            bool yf = m->o_y_valid && m->i_y_ready, df = m->o_d_valid && m->i_d_ready;
            if (yf) {
                y_rtl[ys].push_back(A.sx(m->o_y_data));
                if (y_rtl[ys].size() == no) ys++;
            }
            const int64_t now = (int64_t)t.total;
            if (df) {
                if (d_rtl[ds].empty()) dt[ds].d_first = now;
                if (d_rtl[ds].size() + 1 == ni) dt[ds].d_last = now;
                d_rtl[ds].push_back(E.sx(m->o_d_data));
                if (d_rtl[ds].size() == ni) ds++;
            }
            if (m->o_step == 1 && prev_step != 1) fwd_start.push_back(t.total);
            const unsigned sx = m->o_step & 7;
            if (sx != prev_step && sx != 0 && nstart[sx] < s1) dt[nstart[sx]++].start[sx] = now;
            if (sx == 5 && nstart[5] > s0) dt[nstart[5] - 1].grad_end = now + 1;
            if (ef && ek + 1 == e_need && es < s1) dt[es].ein = now;
            prev_step = m->o_step;
            t.tick();
            hs += hf;
            if (ef && ++ek == e_need) es++, ek = 0;
            m->i_h_valid = m->i_e_valid = 0;
            if (hs == s1 * ni && ys == s1 && (!bp || ds == s1) && m->o_idle) break;
            if (++guard > 50000000) {
                std::fprintf(stderr, "tb: the tile hangs (step %u)\n", (unsigned)m->o_step);
                std::exit(1);
            }
        }
        st.cycles += t.total;
    };
    // fused: the end of the stream, the pending update applied; its cycles
    auto flush = [&]() {
        t.clear_counts();
        m->i_flush = 1;
        bool seen = false;
        for (uint64_t g = 0; !(seen && m->o_idle); g++) {
            m->eval();
            seen |= m->o_step == 5;
            t.tick();
            if (g > 50000000) {
                std::fprintf(stderr, "tb: the flush hangs\n");
                std::exit(1);
            }
        }
        m->i_flush = 0;
        st.cycles += t.total;
        return t.cyc[5];
    };
    uint64_t flush_cyc = 0;
    if (stream) {
        t.clear_counts();
        drive(0, N, false);
        if (fused) flush_cyc = flush();
    }

    for (size_t sn = 0; sn < N; sn++) {
        const Sample &x = smp[sn];
        const bool last = sn + 1 == N;
        const bool batch_end = (sn + 1) % B == 0;
        const bool applied = train && (fused || batch_end); // model/'s W and b are updated after this sample
        uint64_t cyc[NSTEP] = {0};
        if (!stream) {
            t.clear_counts();
            drive(sn, sn + 1, true);
            std::copy(t.cyc, t.cyc + NSTEP, cyc);
        }

        // ---- the model: this sample ----------------------------------------------
        std::vector<double> zref(no), dh_ref(no), d_ref(ni);
        f3_gemm_exact_ref(0, 1, 1, no, ni, x.h.data(), ni, L->W, ni, zref.data(), &fa, &fw);
        std::vector<float> y_ref(no), dz(no), dz_prev(ni);
        f3_layer_forward(tr, layer, x.h.data(), y_ref.data(), F3_MEM_INPUTS, F3_MEM_WORK, 1);
        if (!train) {
            // inference: nothing more
        } else if (bp) {
            for (size_t j = 0; j < no; j++) dz[j] = x.dz_in[j], dh_ref[j] = x.dz_in[j];
            f3_layer_backprop(tr, layer, dz.data(), x.h.data(), dz_prev.data(), 1);
            std::vector<double> dx(ni);
            f3_gemm_exact_ref(0, 0, 1, ni, no, dz.data(), no, L->W, ni, dx.data(), &fe, &fw);
            for (size_t k = 0; k < ni; k++) d_ref[k] = requant(dx[k], E);
        } else {
            const f3_format fb = {F3_FMT_FIXED, 2, 6, F3_ROUND_NEAREST_EVEN};
            if (cs.kind == 0) {
                for (size_t j = 0; j < no; j++)
                    dh_ref[j] = requant((double)x.es * L->B[(size_t)x.label * no + j], E);
            } else {
                std::vector<double> dx(no);
                f3_gemm_exact_ref(0, 0, 1, no, C, x.e.data(), C, L->B, no, dx.data(), &fe, &fb);
                for (size_t j = 0; j < no; j++) dh_ref[j] = requant(dx[j], E);
            }
            f3_layer_direct_feedback(tr, layer, x.e.data(), cs.kind == 0 ? &x.es : nullptr, &x.label, y_ref.data(),
                                     F3_MEM_WORK, dz.data(), 1);
        }
        const size_t bi = sn % B; // the sample's row in its batch
        std::copy(dz.begin(), dz.end(), DZ.begin() + (ptrdiff_t)(bi * no));
        std::copy(x.h.begin(), x.h.end(), H.begin() + (ptrdiff_t)(bi * ni));
        if (bi == 0) std::fill(acc_ref.begin(), acc_ref.end(), 0), std::fill(abias_ref.begin(), abias_ref.end(), 0);
        for (size_t j = 0; j < no; j++) {
            const int64_t dzc = E.code(dz[j]);
            abias_ref[j] += dzc << A.f;
            for (size_t k = 0; k < ni; k++) acc_ref[j * ni + k] += dzc * A.code(x.h[k]);
        }
        // fused: the tile's W still waits for this sample's update (the next
        // forward step or the flush applies it)
        const std::vector<float> Wpre(L->W, L->W + ni * no);
        if (applied) {
            // model/'s step on the batch: δW = round(Σ δz hᵀ), W ← round(W − lr·δW)
            f3_layer_gradient(tr, layer, DZ.data(), H.data(), bp ? F3_MEM_ACTBUF : F3_MEM_INPUTS, bi + 1);
            f3_layer_update(tr, layer);
        }
        if (fused && last && !stream) flush_cyc = flush();

        // ---- compare: y and δ out; unless streamed, this sample's registers,
        //      W and b (the model's after a batch's last sample, else as at the
        //      batch's start; fused: the model's before this sample's update
        //      until the flush), the accumulators -------------------------------------
        const int ZF = A.f + W.f;
        for (size_t j = 0; j < no; j++) same(st, "h (stream)", j, A.val(y_rtl[sn][j]), y_ref[j]);
        if (bp)
            for (size_t k = 0; k < ni; k++) {
                same(st, "delta out", k, E.val(d_rtl[sn][k]), d_ref[k]);
                // the tile below finishes model/'s δz_{i−1} with its own f'(h_{i−1})
                double dzp = requant(E.val(d_rtl[sn][k]) * f3_act_derivative_of_output(cfg.hidden_act, x.h[k]), E);
                same(st, "dz below (f3_layer_backprop)", k, dzp, dz_prev[k]);
            }
        for (size_t j = 0; j < no && (!stream || last); j++) {
            const int ln = lane(j);
            const size_t r = lrow(j);
            if (!stream) {
                int64_t zc, hc, dhc, dzc;
                if (port) {
                    zc = (int64_t)t.cfg_read(4, j, 0), hc = (int64_t)t.cfg_read(5, j, 0);
                    dhc = (int64_t)t.cfg_read(6, j, 0), dzc = (int64_t)t.cfg_read(7, j, 0);
                } else {
                    const int zw = A.w + W.w + TB_KWID + 3; // the tile's ZW
                    uint64_t zr = door.z[ln].get(r);
                    zc = (zr >> (zw - 1)) & 1 ? (int64_t)(zr | ~((1ull << zw) - 1)) : (int64_t)zr;
                    hc = A.sx(door.hb[ln].get(r)), dhc = E.sx(door.dh[ln].get(r)), dzc = E.sx(door.dz[ln].get(r));
                }
                same(st, "z", j, std::ldexp((double)zc, -ZF), zref[j]);
                same(st, "h (buffer)", j, A.val(hc), y_ref[j]);
                if (train) {
                    same(st, "dh", j, E.val(dhc), dh_ref[j]);
                    same(st, "dz", j, E.val(dzc), dz[j]);
                }
                if (batched && !batch_end)
                    same(st, "bias accumulator", j, (double)acc_sx(door.abias[ln].get(r)), (double)abias_ref[j]);
            }
            const int64_t bc = port ? (int64_t)t.cfg_read(1, j, 0) : W.sx(door.bias[ln].get(r));
            same(st, applied ? "b" : "b (within the batch)", j, W.val(bc), applied ? L->b[j] : bbatch[j]);
            for (size_t k = 0; k < ni; k++) {
                int64_t wc = port ? (int64_t)t.cfg_read(0, j, k) : W.sx(door.w[ln].get(r * TB_NI_MAX + k));
                const bool pending = fused && !last;
                const double want = pending ? Wpre[j * ni + k] : applied ? L->W[j * ni + k] : Wbatch[j * ni + k];
                same(st, pending ? "W (update pending)" : applied ? "W" : "W (within the batch)", j * ni + k,
                     W.val(wc), want);
                if (batched && !stream)
                    same(st, "accumulator", j * ni + k, (double)acc_sx(door.acc[ln].get(r * TB_NI_MAX + k)),
                         (double)acc_ref[j * ni + k]);
            }
        }
        if (batch_end) {
            std::copy(L->W, L->W + ni * no, Wbatch.begin());
            std::copy(L->b, L->b + no, bbatch.begin());
        }

        // ---- cycles: every step of this sample (the apply: of the batch) --------
        for (int sx = 1; sx < NSTEP && !stream; sx++) {
            const uint64_t want = (sx == 7 && !batch_end) || (!train && sx > 2) ? 0 : tab_c[sx];
            if (want == 0 && cyc[sx] == 0) continue;
            double dev = want ? std::fabs((double)cyc[sx] - (double)want) / (double)want : 1.0;
            double &mx = st.max_dev[p_index(cs.P_log)][sx];
            if (dev > mx) mx = dev;
            if (verbose)
                std::printf("  P %u, %zu -> %zu, %s %zu, %s: rtl %" PRIu64 " cycles, table %" PRIu64 " cycles (%.2f %%)\n",
                            P, ni, no, fused ? "fused, sample" : "batch", fused ? sn + 1 : B, step_name[sx], cyc[sx],
                            want, 100 * dev);
        }
        // ---- δ timing (BP tile, --delta-order): when δ leaves for the tile
        //      below, and when the gradient step runs, against the schedule of
        //      bp_order with the table's step lengths from the δz step's start
        //      (the tile's ports: one word per cycle; the δz step issues two
        //      cycles after the last δ-in word is taken) ---------------------------
        if (cs.dtime) {
            const DTime &d = dt[sn];
            int64_t at[NSTEP], tt = d.start[4];
            std::fill(at, at + NSTEP, (int64_t)-1);
            int64_t release = -1;
            for (int sx : bp_order) {
                at[sx] = tt;
                tt += (int64_t)tab_c[sx];
                if (sx == 6) release = tt; // δ leaves at the end of the backprop step
            }
            const int64_t got[5] = {d.d_first - d.start[4], d.d_last - d.start[4], d.d_first - d.ein,
                                    d.start[5] - d.start[4], d.grad_end - d.start[4]};
            // (the δz step waits for δ in: the last word is taken at the end of
            // cycle c, the word count shows it in c + 1, δz issues in c + 2)
            const int64_t want[5] = {release - at[4], release + (int64_t)ni - 1 - at[4], 2 + release - at[4],
                                     at[5] - at[4], at[5] + (int64_t)tab_c[5] - at[4]};
            const char *const what[5] = {"first delta word - dz start", "last delta word - dz start",
                                         "first delta word - last delta-in word", "gradient start - dz start",
                                         "gradient end - dz start"};
            const bool missing = d.start[4] < 0 || d.start[5] < 0 || d.start[6] < 0 || d.ein < 0 || d.d_first < 0 ||
                       d.d_last < 0 || d.grad_end < 0;
            bool bad = missing;
            if (missing)
                std::fprintf(stderr, "delta timing: P %u, %zu -> %zu, sample %zu: a step or a delta word was not seen\n",
                             P, ni, no, sn + 1);
            for (int q = 0; q < 5 && !missing; q++) {
                const int64_t dev = got[q] - want[q];
                st.dt_dev[q] = std::max(st.dt_dev[q], dev < 0 ? -dev : dev);
                if (std::fabs((double)dev) > 0.02 * (double)want[q]) {
                    bad = true;
                    std::fprintf(stderr, "delta timing: P %u, %zu -> %zu, sample %zu: %s: rtl %" PRId64
                                 " cycles, table %" PRId64 "\n", P, ni, no, sn + 1, what[q], got[q], want[q]);
                }
            }
            // the steps in bp_order's order on the RTL too, and δ released no
            // later than the gradient step starts (it does not wait for it)
            for (int q = 0; q + 1 < 3 && !missing; q++)
                if (d.start[bp_order[q]] >= d.start[bp_order[q + 1]]) {
                    bad = true;
                    std::fprintf(stderr, "delta timing: P %u, %zu -> %zu, sample %zu: %s starts at %" PRId64
                                 ", %s at %" PRId64 " (expected in that order)\n", P, ni, no, sn + 1,
                                 step_name[bp_order[q]], d.start[bp_order[q]], step_name[bp_order[q + 1]],
                                 d.start[bp_order[q + 1]]);
                }
            if (!missing && d.d_first > d.start[5]) {
                bad = true;
                std::fprintf(stderr, "delta timing: P %u, %zu -> %zu, sample %zu: the first delta word leaves at %"
                             PRId64 ", after the gradient step starts (%" PRId64 ")\n", P, ni, no, sn + 1,
                             d.d_first, d.start[5]);
            }
            st.dt_samples++;
            st.dt_fail += bad;
            if (verbose)
                std::printf("  P %2u, %3zu -> %2zu, sample %zu: dz %" PRIu64 ", backprop %" PRIu64 ", gradient %" PRIu64
                            " (table); rtl from the dz start: delta words %" PRId64 " ... %" PRId64
                            " (table %" PRId64 " ... %" PRId64 "), gradient %" PRId64 " ... %" PRId64
                            " (table %" PRId64 " ... %" PRId64 "); from the last delta-in word: %" PRId64
                            " (table %" PRId64 ")%s\n",
                            P, ni, no, sn + 1, tab_c[4], tab_c[6], tab_c[5], got[0], got[1], want[0], want[1], got[3],
                            got[4], want[3], want[4], got[2], want[2], bad ? "  FAIL" : "");
        }
        if (vec && N == 1 && !batched && !fused && st.mismatches == before) {
            // stimulus: shapes, modes, lr, W, b, B, table, h, e; then what the
            // tile gave (and model/ confirmed): y, W', b', δ out
            const unsigned fbm = bp ? 0 : cs.kind == 0 ? 1 : 2;
            const uint64_t head[10] = {ni, no, C, act_mode(act), bp ? 3u : dact_mode(act), fbm, bp ? 1u : 0u,
                                       lr_mantissa(cfg.lr), (uint64_t)x.label, E.raw(E.code(x.es))};
            for (uint64_t v : head) vec_put(vec, v);
            for (size_t k = 0; k < ni * no; k++) vec_put(vec, W.raw(W.code(W0[k])));
            for (size_t j = 0; j < no; j++) vec_put(vec, W.raw(W.code(b0[j])));
            for (size_t k = 0; k < C * no; k++) vec_put(vec, bp ? 0 : b_code(L->B[k]));
            for (unsigned k = 0; k < 257; k++) vec_put(vec, A.raw(A.code(tab.T[k])));
            for (size_t k = 0; k < ni; k++) vec_put(vec, A.raw(A.code(x.h[k])));
            for (size_t k = 0; k < C; k++) vec_put(vec, E.raw(E.code(x.e[k])));
            for (size_t j = 0; j < no; j++) vec_put(vec, E.raw(E.code(x.dz_in[j])));
            for (size_t j = 0; j < no; j++) vec_put(vec, A.raw(y_rtl[sn][j]));
            for (size_t k = 0; k < ni * no; k++) vec_put(vec, W.raw(W.code(L->W[k])));
            for (size_t j = 0; j < no; j++) vec_put(vec, W.raw(W.code(L->b[j])));
            for (size_t k = 0; k < ni; k++) vec_put(vec, bp ? E.raw(d_rtl[sn][k]) : 0);
        }
    }
    if (verbose && flush_cyc)
        std::printf("  P %u, %zu -> %zu, fused: the flush (the last update, a gradient step): %" PRIu64 " cycles\n", P,
                    ni, no, flush_cyc);

    // ---- the issue interval: back-to-back samples start Σ steps apart (the
    //      batch's apply after its last sample), ... ------------------------------
    if (stream) {
        uint64_t sum = 0;
        for (int sx = 1; sx < (train ? 7 : 3); sx++) sum += tab_c[sx];
        if (fwd_start.size() != N) {
            std::fprintf(stderr, "tb: %zu forward steps seen in a stream of %zu samples\n", fwd_start.size(), N);
            st.mismatches++;
        }
        // unless a one-word-per-cycle port is slower.  The reference is the
        // table's steps on a schedule with the tile's ports: a sample starts
        // when the previous one ends and its n_in inputs are in (they stream
        // in from the previous sample's start); its activation step waits for
        // the previous sample's h to leave (n_out words from the end of that
        // activation step), its feedback step for e (e_need words from the
        // previous sample's end; the first sample's from the start); the
        // batch's apply follows its last sample.
        const int64_t fwd = (int64_t)tab_c[1], act = (int64_t)tab_c[2], rest = (int64_t)(sum - tab_c[1] - tab_c[2]);
        int64_t S = fwd_start.empty() ? 0 : (int64_t)fwd_start[0], ydone = 0, prev_end = 0;
        for (size_t i = 1; i < fwd_start.size(); i++) {
            const size_t j = i - 1; // the sample whose duration this interval is
            const int64_t e_avail = (j == 0 ? 0 : prev_end) + (int64_t)e_need + 1;
            const int64_t A = std::max(S + fwd, ydone), act_end = A + act;
            const int64_t end = std::max(act_end, e_avail) + rest + (i % B == 0 && batched ? (int64_t)tab_c[7] : 0);
            const int64_t next = std::max(end, S + (int64_t)ni + 1);
            ydone = act_end + (int64_t)no + 1;
            prev_end = end;
            const uint64_t got = fwd_start[i] - fwd_start[i - 1], want = (uint64_t)(next - S);
            S = (int64_t)fwd_start[i]; // the next sample's start as measured
            const double dev = std::fabs((double)got - (double)want) / (double)want;
            double &mx = st.max_dev[p_index(cs.P_log)][0];
            if (dev > mx) mx = dev;
            if (verbose || dev > 0.02)
                std::fprintf(verbose ? stdout : stderr,
                             "  P %u, %zu -> %zu, C %zu, kind %d, stream%s, sample %zu: issue interval %" PRIu64
                             " cycles, the table's schedule %" PRIu64 " (%.2f %%)\n",
                             P, ni, no, C, cs.kind, !train ? " (inference)" : fused ? " (fused)" : batched ? " (batch)" : "", i + 1, got, want,
                             100 * dev);
        }
    }
    st.cases++;
    f3_trainer_free(tr);
    return st.mismatches != before;
}

} // namespace

int main(int argc, char **argv)
{
    size_t cases = 1000, vcases = 0, dcases = 0;
    uint64_t seed = 1;
    const char *vpath = nullptr;
    for (int i = 1; i < argc; i++) {
        if (!std::strcmp(argv[i], "--cases") && i + 1 < argc) cases = std::strtoull(argv[++i], nullptr, 10);
        else if (!std::strcmp(argv[i], "--seed") && i + 1 < argc) seed = std::strtoull(argv[++i], nullptr, 10);
        else if (!std::strcmp(argv[i], "--delta-order") && i + 1 < argc) dcases = std::strtoull(argv[++i], nullptr, 10);
        else if (!std::strcmp(argv[i], "--vectors") && i + 2 < argc) {
            vpath = argv[++i];
            vcases = std::strtoull(argv[++i], nullptr, 10);
        }
        else {
            std::fprintf(stderr, "usage: %s [--cases N] [--seed S] [--vectors FILE N] [--delta-order N]\n", argv[0]);
            return 2;
        }
    }
    Rng rng{seed};
    Tile t;
    Door door(t.ctx.get());
    const f3_activation acts[4] = {F3_ACT_TANH, F3_ACT_SIGMOID, F3_ACT_RELU, F3_ACT_IDENTITY};
    const double lrs[4] = {0.01, 0.05, 0.003, 0.125};
    int rc = 0;

    // --delta-order N: only BP's δ timing, on N BP output tiles (tile 2 of
    // a two-tile BP chain: δ in from the loss, δ out to tile 1), P ∈ {1, 4,
    // 16} in turn, the first three of edge shapes, then random n_in 1–128
    // and n_out 1–64 (1–16 at P = 1), 1–3 samples each, random stalls on the
    // h, e and y streams, none on δ out; values bit for bit as in the random
    // cases, and every step against the table
    if (dcases) {
        Stats dst;
        std::printf("BP delta timing: when delta leaves for the tile below, against chip_tile_cycles() in the order");
        for (int q = 0; q < 3; q++)
            std::printf("%s %s%s", q ? "," : "", step_name[bp_order[q]], bp_order[q] == 6 ? " (delta released)" : "");
        std::printf("\n");
        for (size_t i = 0; i < dcases; i++) {
            Case cs;
            cs.P_log = 2 * (int)(i % 3);
            cs.kind = 2;
            cs.dtime = true;
            const size_t edge[3][2] = {{1, 1}, {TB_NI_MAX - 3, 10}, {TB_NI_MAX, TB_NO_MAX}};
            cs.n_in = i < 3 ? edge[i][0] : (size_t)rng.range(1, 128);
            cs.n_out = i < 3 ? edge[i][1] : (size_t)rng.range(1, cs.P_log == 0 ? 16 : TB_NO_MAX);
            cs.C = cs.n_out;
            cs.act = rng.coin(50) ? F3_ACT_SIGMOID : F3_ACT_IDENTITY;
            cs.below_act = acts[rng.range(0, 2)];
            cs.lr = lrs[rng.range(0, 3)];
            cs.wide = rng.coin(30);
            cs.samples = (size_t)rng.range(1, 3);
            if (run_case(t, door, cs, rng, dst, true, false)) rc = 1;
        }
        std::printf("BP delta timing: %" PRIu64 " cases, %" PRIu64 " samples, %" PRIu64 " values compared, %" PRIu64
                    " mismatches, %" PRIu64 " cycles simulated; %" PRIu64 " samples off the table's delta timing\n",
                    dst.cases, dst.dt_samples, dst.values, dst.mismatches, dst.cycles, dst.dt_fail);
        std::printf("largest |rtl - table| [cycles]: first delta word %" PRId64 ", last delta word %" PRId64
                    " (from the dz start), first delta word from the last delta-in word %" PRId64
                    ", gradient start %" PRId64 " and end %" PRId64 " (from the dz start)\n", dst.dt_dev[0],
                    dst.dt_dev[1], dst.dt_dev[2], dst.dt_dev[3], dst.dt_dev[4]);
        for (int p = 0; p < 3; p++)
            for (int s = 1; s < NSTEP; s++)
                if (dst.max_dev[p][s] > 0.02) {
                    std::fprintf(stderr, "FAIL: P %u, %s: %.2f %% from the table (limit 2 %%)\n", 1u << (2 * p),
                                 step_name[s], 100 * dst.max_dev[p][s]);
                    rc = 1;
                }
        if (dst.mismatches || dst.dt_fail || dst.dt_samples == 0) rc = 1;
        std::printf(rc ? "FAIL\n" : "PASS: f3_tile_tb --delta-order finished\n");
        return rc;
    }

    // 1. the cycle set: P ∈ {1, 4, 16, 64}, n_out leaving lanes idle, every kind
    Stats cyc_st;
    std::printf("cycle set: steps against chip_tile_cycles() (step latency %d cycles)\n", TB_LAT);
    for (int P_log = 0; P_log <= 6; P_log += 2) {
        const unsigned P = 1u << P_log;
        const size_t outs[3] = {P + (P > 1 ? P / 2 + 1 : 1), 3 * P - 1 > 0 ? 3 * P - 1 : 1, 10};
        for (int oi = 0; oi < 3; oi++) {
            const size_t o = outs[oi] > TB_NO_MAX ? TB_NO_MAX : outs[oi];
            for (int kind = 0; kind < 3; kind++) {
                Case cs{P_log, TB_NI_MAX, o, 10, kind, F3_ACT_TANH, F3_ACT_TANH, 0.01, 0};
                cs.n_in = kind == 2 ? TB_NI_MAX - 3 : TB_NI_MAX;
                if (run_case(t, door, cs, rng, cyc_st, true, P_log == 0 && oi == 0 && kind == 0)) rc = 1;
                // the same at batch 3: accumulation and the per-batch apply;
                // and (F³ hidden) fused, three samples and the flush
                if (oi != 0) continue;
                cs.batch = cs.samples = 3;
                if (run_case(t, door, cs, rng, cyc_st, true, false)) rc = 1;
                // back to back: two batches of 3
                Case cs2 = cs;
                cs2.samples = 6;
                cs2.stream = true;
                if (kind != 2 && run_case(t, door, cs2, rng, cyc_st, true, false)) rc = 1;
                if (kind == 2) continue;
                cs.fused = true;
                if (run_case(t, door, cs, rng, cyc_st, true, false)) rc = 1;
                // back to back: four samples at batch 1, and fused
                cs.batch = 1;
                cs.samples = 4;
                cs.stream = true;
                cs.fused = false;
                if (run_case(t, door, cs, rng, cyc_st, true, false)) rc = 1;
                cs.fused = true;
                if (run_case(t, door, cs, rng, cyc_st, true, false)) rc = 1;
                // inference, back to back
                cs.fused = false;
                cs.infer = true;
                if (run_case(t, door, cs, rng, cyc_st, true, false)) rc = 1;
            }
        }
    }
    // 2. random cases: bit for bit
    Stats st;
    for (size_t i = 0; i < cases; i++) {
        Case cs;
        cs.P_log = 2 * (int)rng.range(0, 3);
        cs.kind = (int)rng.range(0, 2);
        cs.n_in = (size_t)rng.range(1, 64);
        cs.n_out = (size_t)rng.range(1, TB_NO_MAX);
        if (cs.P_log == 0) cs.n_out = (size_t)rng.range(1, 16); // one lane: keep the case short
        cs.C = (size_t)rng.range(1, TB_C_MAX);
        cs.act = acts[rng.range(0, 3)];
        cs.below_act = acts[rng.range(0, 2)];
        if (cs.kind == 2) cs.act = rng.coin(50) ? F3_ACT_SIGMOID : F3_ACT_IDENTITY;
        cs.lr = lrs[rng.range(0, 3)];
        cs.wide = rng.coin(30);
        cs.batch = rng.coin(25) ? (size_t)rng.range(2, TB_BATCH_MAX) : 1;
        cs.samples = cs.batch;
        cs.fused = cs.kind != 2 && rng.coin(15); // a stream of 1 … BATCH_MAX samples
        if (cs.fused) cs.samples = (size_t)rng.range(1, TB_BATCH_MAX);
        // back to back without stalls (F³ tiles: BP's δ comes after its y)
        cs.stream = cs.kind != 2 && rng.coin(15);
        cs.infer = cs.kind != 2 && rng.coin(5);
        if (cs.infer) cs.fused = false, cs.batch = 1, cs.samples = cs.stream ? (size_t)rng.range(2, 5) : 1;
        if (cs.stream) cs.samples = cs.fused ? (size_t)rng.range(2, 5) : cs.batch * (size_t)rng.range(2, 3);
        if (run_case(t, door, cs, rng, st, false, false)) rc = 1;
    }
    std::printf("random cases: %" PRIu64 " cases, %" PRIu64 " values compared, %" PRIu64 " mismatches, %" PRIu64
                " cycles simulated\n",
                st.cases, st.values, st.mismatches, st.cycles);
    std::printf("cycle set: %" PRIu64 " cases, %" PRIu64 " values compared, %" PRIu64 " mismatches\n", cyc_st.cases,
                cyc_st.values, cyc_st.mismatches);
    std::printf("largest deviation from chip_tile_cycles() per step [%%] (cycle set | random cases):\n");
    for (int p = 0; p < 4; p++) {
        std::printf("  P %2u:", 1u << (2 * p));
        for (int s = 0; s < NSTEP; s++)
            std::printf(" %s %.2f | %.2f;", step_name[s], 100 * cyc_st.max_dev[p][s], 100 * st.max_dev[p][s]);
        std::printf("\n");
        for (int s = 0; s < NSTEP; s++)
            for (const Stats *x : {&cyc_st, &st})
                if (x->max_dev[p][s] > 0.02) {
                    std::fprintf(stderr, "FAIL: P %u, %s: %.2f %% from the table in the %s (limit 2 %%)\n", 1u << (2 * p),
                                 step_name[s], 100 * x->max_dev[p][s], x == &st ? "random cases" : "cycle set");
                    rc = 1;
                }
    }
    // 3. vectors for the Icarus testbench (tb/tile_iverilog_tb.v): small
    //    random cases, written only when they matched model/
    if (vpath) {
        FILE *vf = std::fopen(vpath, "w");
        if (!vf) {
            std::perror(vpath);
            return 2;
        }
        vec_put(vf, vcases);
        Stats vst;
        for (size_t i = 0; i < vcases; i++) {
            Case cs;
            cs.P_log = 2 * (int)rng.range(0, 3);
            cs.kind = (int)(i % 3);
            cs.n_in = (size_t)rng.range(1, 32);
            cs.n_out = (size_t)rng.range(1, 16);
            cs.C = (size_t)rng.range(1, 8);
            cs.act = acts[rng.range(0, 3)];
            cs.below_act = acts[rng.range(0, 2)];
            if (cs.kind == 2) cs.act = rng.coin(50) ? F3_ACT_SIGMOID : F3_ACT_IDENTITY;
            cs.lr = lrs[rng.range(0, 3)];
            cs.wide = rng.coin(30);
            if (run_case(t, door, cs, rng, vst, false, false, vf)) rc = 1;
        }
        std::fclose(vf);
        std::printf("vectors: %zu cases written to %s (%" PRIu64 " mismatches)\n", vcases, vpath, vst.mismatches);
    }
    if (st.mismatches || cyc_st.mismatches) rc = 1;
    std::printf(rc ? "FAIL\n" : "PASS: f3_tile_tb finished\n");
    return rc;
}
