// chain_tb.cpp — the Verilated two-tile chain (f3_chain2: 784-32-10) trains
// on the first N MNIST training samples for one epoch with F³ (one-hot
// delayed error, ternary B, SGD, batch 1) in fixed point, and its final
// weights are compared with model/'s trainer (f3_train_step), which is what
// `f3sim train` runs: value for value, and by the weights' SHA-256
// (f3_weights_sha256, run.json's weights_sha256).
//
// The testbench is the chip around the tiles: the input streamer (x, and e
// from the error store), the loss unit (δz of the output) and the error
// store itself are model/'s functions on a second trainer whose weights the
// testbench never touches (f3_quantize_inputs, f3_read_error_store,
// f3_output_layer, f3_write_error_store).  Every weight and bias lives only
// in the RTL.
//
// usage: f3_chain_tb --data-dir DIR [--samples N] [--lr X] [--seed S]
//                    [--expect-sha256 HEX]   (N 1000, lr 0.05, seed 1)
#include <chrono>
#include <cinttypes>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "Vf3_chain2.h"

#include "tb_common.h"

extern "C" {
#include "f3/dataset.h"
}

using namespace tb;

namespace {

struct Chain {
    std::unique_ptr<VerilatedContext> ctx;
    std::unique_ptr<Vf3_chain2> m;
    uint64_t cycles = 0;
    Chain() : ctx(new VerilatedContext), m(new Vf3_chain2(ctx.get()))
    {
        m->i_clk = 0;
        m->eval();
    }
    // one cycle: the caller has set the inputs and evaluated; the falling
    // edge is folded into the next cycle's evaluation (nothing in the chain
    // acts on it), so a cycle costs two evaluations, not three
    void tick()
    {
        cycles++;
        m->i_clk = 1;
        m->eval();
        m->i_clk = 0;
    }
};

// one tile's weights, biases, B and table behind the back door (rows in
// banks j mod P, DO = ⌈n_out_max/P⌉ rows per bank)
struct TileDoor {
    std::vector<Mem> w, bias, b;
    Mem lut;
    size_t ni_max, dout;
    TileDoor(VerilatedContext *ctx, const std::string &inst, size_t ni_max_, size_t no_max)
        : ni_max(ni_max_), dout((no_max + TB_P - 1) / TB_P)
    {
        for (int l = 0; l < TB_P; l++) {
            std::string sc = "f3_chain2." + inst + ".lane[" + std::to_string(l) + "]";
            w.push_back(find_mem(ctx, sc, "r_w"));
            bias.push_back(find_mem(ctx, sc, "r_bias"));
            b.push_back(find_mem(ctx, sc, "r_b"));
        }
        lut = find_mem(ctx, "f3_chain2." + inst, "r_lut");
    }
    void load(const f3_layer *L, const f3_act_table *tab, bool with_b)
    {
        for (size_t j = 0; j < L->n_out; j++) {
            const int ln = (int)(j % TB_P);
            const size_t r = j / TB_P;
            for (size_t k = 0; k < L->n_in; k++) w[ln].set(r * ni_max + k, W.raw(W.code(L->W[j * L->n_in + k])));
            bias[ln].set(r, W.raw(W.code(L->b[j])));
            if (with_b)
                for (size_t c = 0; c < 10; c++) b[ln].set(c * dout + r, b_code(L->B[c * L->n_out + j]));
        }
        for (unsigned k = 0; k < 257; k++) lut.set(k, A.raw(A.code(tab->T[k])));
    }
    // the RTL's weights and biases as model/ floats
    void read(size_t n_in, size_t n_out, float *Wout, float *bout) const
    {
        for (size_t j = 0; j < n_out; j++) {
            const int ln = (int)(j % TB_P);
            const size_t r = j / TB_P;
            for (size_t k = 0; k < n_in; k++) Wout[j * n_in + k] = (float)W.val(W.sx(w[ln].get(r * ni_max + k)));
            bout[j] = (float)W.val(W.sx(bias[ln].get(r)));
        }
    }
};

} // namespace

int main(int argc, char **argv)
{
    std::string data_dir, expect;
    size_t samples = 1000;
    double lr = 0.05;
    uint64_t seed = 1;
    for (int i = 1; i < argc; i++) {
        if (!std::strcmp(argv[i], "--data-dir") && i + 1 < argc) data_dir = argv[++i];
        else if (!std::strcmp(argv[i], "--samples") && i + 1 < argc) samples = std::strtoull(argv[++i], nullptr, 10);
        else if (!std::strcmp(argv[i], "--lr") && i + 1 < argc) lr = std::strtod(argv[++i], nullptr);
        else if (!std::strcmp(argv[i], "--seed") && i + 1 < argc) seed = std::strtoull(argv[++i], nullptr, 10);
        else if (!std::strcmp(argv[i], "--expect-sha256") && i + 1 < argc) expect = argv[++i];
        else {
            std::fprintf(stderr, "usage: %s --data-dir DIR [--samples N] [--lr X] [--seed S] [--expect-sha256 HEX]\n",
                         argv[0]);
            return 2;
        }
    }
    f3_dataset *train = nullptr;
    if (f3_dataset_load_mnist((data_dir + "/mnist").c_str(), "train", &train) != F3_OK) {
        std::fprintf(stderr, "chain_tb: %s\n", f3_last_error());
        return 77; // no data: skipped
    }
    if (samples < train->n) f3_dataset_truncate(train, samples);
    const size_t n = train->n;

    f3_config cfg = f3_config_default();
    cfg.n_layers = 2;
    cfg.widths[0] = 784;
    cfg.widths[1] = 32;
    cfg.widths[2] = 10;
    cfg.algorithm = F3_ALG_F3;
    cfg.optimizer = F3_OPT_SGD;
    cfg.lr = lr;
    cfg.batch_size = 1;
    cfg.seed = seed;
    set_formats(&cfg);
    f3_trainer *ref = nullptr, *io = nullptr;
    if (f3_trainer_alloc(&cfg, F3_TASK_CLASSIFICATION, n, &ref) != F3_OK ||
        f3_trainer_alloc(&cfg, F3_TASK_CLASSIFICATION, n, &io) != F3_OK || f3_error_store_init(ref, train) != F3_OK ||
        f3_error_store_init(io, train) != F3_OK) {
        std::fprintf(stderr, "chain_tb: %s\n", f3_last_error());
        return 2;
    }
    const f3_activation ha = cfg.hidden_act, oa = cfg.output_act;

    // the RTL, loaded with the trainer's initial weights, B and tables
    Chain ch;
    Vf3_chain2 *m = ch.m.get();
    TileDoor t1(ch.ctx.get(), "u_t1", 1024, 32), t2(ch.ctx.get(), "u_t2", 32, 16);
    f3_act_table tab1, tab2;
    f3_format af = A.m();
    f3_act_table_init(&tab1, ha, &af);
    f3_act_table_init(&tab2, oa, &af);
    t1.load(&io->layers[0], &tab1, true);
    t2.load(&io->layers[1], &tab2, false);
    m->i_rst = 1;
    for (int i = 0; i < 2; i++) {
        m->eval();
        ch.tick();
    }
    m->i_rst = 0;
    m->i_n0 = 784;
    m->i_n1 = 32;
    m->i_n2 = 10;
    m->i_act1 = act_mode(ha);
    m->i_dact1 = dact_mode(ha);
    m->i_act2 = act_mode(oa);
    m->i_lr_m = lr_mantissa(lr);

    std::vector<size_t> perm(n);
    f3_epoch_order(seed, 0, perm.data(), n);
    std::vector<float> x(784), t(10), y(10), dz(10), err(10);
    int32_t lab;
    float es;
    auto t0 = std::chrono::steady_clock::now();
    uint64_t busy_cycles = 0;
    for (size_t s = 0; s < n; s++) {
        const size_t idx = perm[s];
        // the reference: model/'s step, as f3sim train takes it
        f3_dataset_gather(train, &idx, 1, x.data(), t.data(), &lab);
        if (f3_train_step(ref, x.data(), t.data(), &lab, &idx, 1, nullptr) != F3_OK) {
            std::fprintf(stderr, "chain_tb: %s\n", f3_last_error());
            return 2;
        }
        // the RTL: x on the activation grid, e from the store
        f3_quantize_inputs(io, x.data(), 1);
        f3_read_error_store(io, &lab, &idx, 1, err.data(), &es);
        size_t xs = 0, ys = 0, ds = 0;
        bool es_sent = false, loss_done = false;
        uint64_t start = ch.cycles;
        for (;;) {
            m->i_x_valid = xs < 784;
            m->i_x_data = (uint32_t)A.raw(A.code(x[xs < 784 ? xs : 0]));
            m->i_e_valid = !es_sent;
            m->i_e_data = (uint32_t)tb::E.raw(tb::E.code(es));
            m->i_e_label = (uint32_t)lab;
            m->i_y_ready = 1;
            m->i_dz_valid = loss_done && ds < 10;
            m->i_dz_data = (uint32_t)tb::E.raw(tb::E.code(dz[ds < 10 ? ds : 0]));
            m->i_dz_idx = (uint32_t)ds;
            m->eval();
            bool xf = m->i_x_valid && m->o_x_ready, ef = m->i_e_valid && m->o_e_ready;
            bool yf = m->o_y_valid && m->i_y_ready, df = m->i_dz_valid && m->o_dz_ready;
            if (yf) y[ys] = (float)A.val(A.sx(m->o_y_data));
            ch.tick();
            xs += xf;
            es_sent |= ef;
            ys += yf;
            ds += df;
            if (ys == 10 && !loss_done) {
                // the loss unit and the error store (model/'s, on the RTL's y)
                f3_output_layer(io, y.data(), t.data(), &lab, dz.data(), 1, nullptr);
                f3_write_error_store(io, y.data(), t.data(), &idx, err.data(), 1);
                loss_done = true;
            }
            if (ds == 10 && m->o_idle) break;
            if (ch.cycles - start > 10000000) {
                std::fprintf(stderr, "chain_tb: the chain hangs at sample %zu\n", s);
                return 1;
            }
        }
        busy_cycles += ch.cycles - start;
    }
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    // compare every weight and bias, then the hashes
    uint64_t values = 0, mism = 0, negzero = 0;
    TileDoor *doors[2] = {&t1, &t2};
    for (size_t i = 0; i < 2; i++) {
        f3_layer *R = &ref->layers[i], *O = &io->layers[i];
        doors[i]->read(R->n_in, R->n_out, O->W, O->b);
        for (size_t k = 0; k < R->n_in * R->n_out + R->n_out; k++) {
            float a = k < R->n_in * R->n_out ? O->W[k] : O->b[k - R->n_in * R->n_out];
            float b = k < R->n_in * R->n_out ? R->W[k] : R->b[k - R->n_in * R->n_out];
            values++;
            if (b == 0.0f && std::signbit(b)) negzero++;
            if (a != b && mism++ < 10)
                std::fprintf(stderr, "mismatch: layer %zu parameter %zu: rtl %.9g, model %.9g\n", i + 1, k, (double)a,
                             (double)b);
        }
    }
    char h_rtl[65], h_ref[65], h_canon[65];
    f3_weights_sha256(io, h_rtl);
    f3_weights_sha256(ref, h_ref);
    // A fixed-point weight has one zero; model/ keeps the sign of a value
    // that rounded to zero from below (−0.0), and the hash sees it.  The
    // model's weights with −0.0 written as +0.0 must hash as the RTL's.
    for (size_t i = 0; i < 2; i++) {
        f3_layer *R = &ref->layers[i];
        for (size_t k = 0; k < R->n_in * R->n_out; k++)
            if (R->W[k] == 0.0f) R->W[k] = 0.0f;
        for (size_t k = 0; k < R->n_out; k++)
            if (R->b[k] == 0.0f) R->b[k] = 0.0f;
    }
    f3_weights_sha256(ref, h_canon);
    std::printf("chain 784-32-10, F3 one-hot, SGD lr %g, batch 1, %zu MNIST samples, 1 epoch, P %d lanes per tile\n", lr,
                n, TB_P);
    std::printf("parameters compared: %" PRIu64 ", mismatches: %" PRIu64 " (model weights that are -0.0: %" PRIu64 ")\n",
                values, mism, negzero);
    std::printf("weights_sha256 model (f3_train_step):        %s\n", h_ref);
    std::printf("weights_sha256 model, -0.0 written as +0.0:  %s\n", h_canon);
    std::printf("weights_sha256 rtl:                          %s\n", h_rtl);
    if (!expect.empty()) std::printf("weights_sha256 f3sim train (run.json):       %s\n", expect.c_str());
    std::printf("cycles: %" PRIu64 " (%.1f cycles per sample), simulated in %.2f s (%.0f cycles/s)\n", busy_cycles,
                (double)busy_cycles / (double)n, secs, (double)busy_cycles / secs);
    int rc = mism != 0 || std::strcmp(h_rtl, h_canon) != 0 || (!expect.empty() && expect != h_ref);
    std::printf(rc ? "FAIL\n" : "PASS: f3_chain_tb finished\n");
    f3_trainer_free(ref);
    f3_trainer_free(io);
    f3_dataset_free(train);
    return rc;
}
