/* test_block_cost.c — the block op table (sim/chip/block_cost.c):
 *  (a) a block of one linear op and its activation costs exactly what
 *      tile_cost.c gives the dense layer — every step's cycles and bytes,
 *      the placement, the stash, the ROM — under every rule, for
 *      output_stationary, weight_stationary (ws_loop rows and samples, with
 *      and without micro-batches) and fused, at fixed shapes and at random
 *      points (number formats, ROM encodings, SRAM that spills to DRAM);
 *  (b) a transformer block derived by hand, step by step, for F³ and BP at
 *      batch 1 and 100 (output_stationary);
 *  (c) BP's stash against F³'s, with the exact formula, on three blocks;
 *  (d) every refusal, with its message;
 *  (e) what a block asks of the registers, against the refusals. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "block_cost.h"
#include "chip.h"
#include "f3/blocks.h"
#include "f3/train.h"
#include "f3/vit.h"
#include "tile_cost.h"

/* ---- fixtures ------------------------------------------------------------------------- */

static chip_config tile(chip_dataflow df, unsigned P)
{
    chip_config hw;
    memset(&hw, 0, sizeof hw);
    hw.clock_mhz = 1000;
    hw.dataflow = df;
    hw.mac_lanes = P;
    hw.step_latency = 1;
    hw.reg_capacity_bytes = 1 << 16;
    hw.sram_capacity_bytes = 1 << 30;
    hw.sram_banks = P;
    hw.sram_bytes_per_cycle_per_bank = 4;
    hw.sram_transposed_factor = 1;
    hw.rom_encoding = CHIP_ROM_TERNARY2;
    hw.rom_bytes_per_cycle = 8;
    hw.lfsr_cycles_per_value = 1;
    hw.dram_bytes_per_cycle = 64;
    return hw;
}

/* a K-layer MLP n_0 → … → n_K */
static f3_config mlp(const size_t *w, size_t K, f3_algorithm alg, f3_optimizer opt, size_t B)
{
    f3_config c = f3_config_default();
    c.n_layers = K;
    for (size_t i = 0; i <= K; i++) c.widths[i] = w[i];
    c.algorithm = alg;
    c.optimizer = opt;
    c.batch_size = B;
    c.feedback_init = F3_FB_TRINOMIAL;
    return c;
}

/* layer k of cfg as a block: linear n_k → n_{k+1} (cfg's bias), tanh */
static f3_block dense_block(const f3_config *c, size_t k)
{
    f3_block b;
    memset(&b, 0, sizeof b);
    b.n_ops = 2;
    b.op[0] = (f3_bop){.kind = F3_BOP_LINEAR, .tokens = 1, .d_in = c->widths[k], .d_out = c->widths[k + 1],
                       .bias = c->bias};
    b.op[1] = (f3_bop){.kind = F3_BOP_ACT, .tokens = 1, .d_in = c->widths[k + 1], .d_out = c->widths[k + 1],
                       .act = F3_OP_TANH};
    return b;
}

/* the authors' transformer block (model/src/vit.c): 16 tokens of 32, 8
 * heads of 64, MLP 128, layer norms — block 2 of a depth-3 ViT on MNIST */
static f3_block vit_block(size_t k)
{
    f3_vit_config v = {.depth = 3, .width = 512, .heads = 8, .dim_head = 64, .mlp_dim = 128, .patch = 7,
                       .norm = 1, .act = F3_OP_TANH, .channels = 1, .height = 28, .image_width = 28, .classes = 10};
    f3_block blocks[4];
    size_t n = 0;
    assert_int_equal(f3_vit_blocks(&v, blocks, 4, &n), F3_OK);
    assert_int_equal(n, 4);
    return blocks[k];
}

/* the ViT's 4 blocks as a network: outputs 512, 512, 512, 10 */
static f3_config vit_net(f3_algorithm alg, size_t B)
{
    const size_t w[] = {784, 512, 512, 512, 10};
    f3_config c = mlp(w, 4, alg, F3_OPT_SGD, B);
    c.loss = F3_LOSS_SOFTMAX_CE;
    return c;
}

/* ---- (a) the dense anchor ---------------------------------------------------------------- */

static char where[512];

#define SAME(what, a, b)                                                                                           \
    do {                                                                                                           \
        if (!((a) == (b))) {                                                                                       \
            print_error("%s: %s: tile_cost %.17g, block_cost %.17g (difference %.3g)\n", where, what, (double)(b), \
                        (double)(a), (double)(a) - (double)(b));                                                  \
            fail();                                                                                                \
        }                                                                                                          \
    } while (0)

static const char *const kind_names[TC_STEPS] = {"forward", "activation", "feedback", "dz",
                                                 "gradient", "backprop", "apply"};

static void same_step(const tc_step_cost *a, const tc_step_cost *b, int kind)
{
    char w[64];
#define F(field)                                                   \
    snprintf(w, sizeof w, "%s.%s", kind_names[kind], #field);     \
    SAME(w, a->field, b->field)
    F(reps);
    F(compute);
    F(reg);
    F(acc);
    F(transposed);
    F(rom);
    F(lfsr);
    F(fb_fma);
    F(fb_add);
    F(fb_mul);
    F(sram_r);
    F(sram_w);
    F(dram_r);
    F(dram_w);
    F(cycles);
    for (int i = 0; i < TC_ITEMS; i++) {
        F(rd[i]);
        F(wr[i]);
    }
#undef F
}

/* block k of cfg (the dense layer k) on hw: the same as tile_cost, or the
 * same refusal */
static void anchor(const chip_config *hw, const f3_config *cfg, size_t k, size_t batch)
{
    tile_cost t;
    block_cost bc;
    const f3_block blk = dense_block(cfg, k);
    const chip_tile_hw th = chip_tile_figures(hw, k);
    f3_status st_t = tile_cost_compute(hw, cfg, k, batch, &t);
    f3_status st_b = block_cost_compute(hw, &th, cfg, &blk, k, batch, &bc);
    SAME("status", st_b, st_t);
    if (st_t) return;
    for (int s = 0; s < TC_STEPS; s++) {
        const bc_step *found = NULL;
        for (size_t q = 0; q < bc.n_steps; q++) {
            if ((int)bc.step[q].kind != s) continue;
            SAME("one step of each kind", found != NULL, 0);
            found = &bc.step[q];
        }
        if (found) {
            same_step(&found->c, &t.step[s], s);
        } else {
            char w[64];
            snprintf(w, sizeof w, "%s absent: reps", kind_names[s]);
            SAME(w, 0.0, t.step[s].reps);
        }
    }
    for (int i = 0; i < TC_ITEMS; i++) {
        SAME("need", bc.need[i], t.need[i]);
        SAME("on_chip", bc.on_chip[i], t.on_chip[i]);
    }
    SAME("sram_needed", bc.sram_needed, t.sram_needed);
    SAME("sram_used", bc.sram_used, t.sram_used);
    SAME("dram_resident", bc.dram_resident, t.dram_resident);
    SAME("stash_bytes", bc.stash_bytes, t.stash_bytes);
    SAME("buffer_bytes", bc.buffer_bytes, t.buffer_bytes);
    SAME("rom_bytes", bc.rom_bytes, t.rom_bytes);
    SAME("acc_bytes", bc.acc_bytes, t.acc_bytes);
    SAME("one_hot_feedback", bc.one_hot_feedback, t.one_hot_feedback);
    SAME("feedback_adds", bc.feedback_adds, t.feedback_adds);
    SAME("trains", bc.trains, t.trains);
}

static void describe(const chip_config *hw, const f3_config *c, size_t k, size_t batch, const char *extra)
{
    snprintf(where, sizeof where,
             "%s, %s%s, %zu-%zu-%zu-%zu layer %zu, %s, batch %zu of %zu, P %u, registers %.0f B, SRAM %.0f B%s",
             f3_algorithm_name(c->algorithm), chip_dataflow_name(hw->dataflow),
             hw->dataflow == CHIP_DF_WEIGHT_STATIONARY ? (hw->ws_samples_inner ? " (samples)" : " (rows)") : "",
             c->widths[0], c->widths[1], c->widths[2], c->widths[3], k + 1, f3_optimizer_name(c->optimizer), batch,
             c->batch_size, hw->mac_lanes, hw->reg_capacity_bytes, hw->sram_capacity_bytes, extra);
}

/* fixed shapes: every rule, every layer position, every dataflow */
static void test_dense_anchor_shapes(void **state)
{
    (void)state;
    const size_t shapes[][5] = {{5, 16, 16, 10, 16}, {784, 300, 100, 10, 32}, {7, 10, 9, 4, 4},
                                {64, 65, 64, 3, 64}, {1, 48, 5, 2, 16},      {30, 33, 31, 10, 8}};
    const chip_dataflow dfs[] = {CHIP_DF_OUTPUT_STATIONARY, CHIP_DF_WEIGHT_STATIONARY, CHIP_DF_WEIGHT_STATIONARY,
                                 CHIP_DF_FUSED};
    size_t points = 0;
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
        for (int a = 0; a < F3_ALGORITHM_COUNT; a++)
            for (size_t d = 0; d < 4; d++)
                for (int o = 0; o < 3; o++) {
                    /* SGD at batch 1, Adam at batch 4, SGD at batch 6 (its last batch of 5) */
                    const f3_optimizer opt = o == 1 ? F3_OPT_ADAM : F3_OPT_SGD;
                    const size_t B = o == 0 ? 1 : (o == 1 ? 4 : 6), batch = o == 2 ? 5 : B;
                    f3_config c = mlp(shapes[s], 3, (f3_algorithm)a, opt, B);
                    chip_config hw = tile(dfs[d], (unsigned)shapes[s][4]);
                    hw.ws_samples_inner = d == 2;
                    for (size_t k = 0; k < 3; k++) {
                        describe(&hw, &c, k, batch, "");
                        anchor(&hw, &c, k, batch);
                        points++;
                    }
                }
    assert_int_equal(points, 6 * 5 * 4 * 3 * 3);
}

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint64_t next(void)
{
    uint64_t z = (rng += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
static size_t pick(size_t lo, size_t hi) { return lo + (size_t)(next() % (hi - lo + 1)); }

static f3_format fmt_of(int which)
{
    switch (which) {
    case 0: return (f3_format){F3_FMT_FP32, 0, 0, F3_ROUND_NEAREST_EVEN};
    case 1: return (f3_format){F3_FMT_BF16, 0, 0, F3_ROUND_NEAREST_EVEN};
    case 2: return (f3_format){F3_FMT_FP16, 0, 0, F3_ROUND_NEAREST_EVEN};
    case 3: return (f3_format){F3_FMT_FIXED, 2, 14, F3_ROUND_NEAREST_EVEN};
    default: return (f3_format){F3_FMT_FIXED, 1, 6, F3_ROUND_NEAREST_EVEN};
    }
}

/* random points: shapes, lanes, formats, ROM encodings, feedback, losses,
 * latencies, SRAM sizes that spill to DRAM, register files too small for a
 * row, micro-batches */
static void test_dense_anchor_random(void **state)
{
    (void)state;
    size_t spilled = 0, refused = 0;
    for (int point = 0; point < 4000; point++) {
        size_t w[4] = {pick(1, 70), pick(1, 70), pick(1, 70), pick(1, 12)};
        const f3_algorithm alg = (f3_algorithm)pick(0, F3_ALGORITHM_COUNT - 1);
        const f3_optimizer opt = pick(0, 1) ? F3_OPT_ADAM : F3_OPT_SGD;
        const size_t B = pick(0, 2) ? pick(1, 9) : 1;
        f3_config c = mlp(w, 3, alg, opt, B);
        c.bias = (int)pick(0, 1);
        c.loss = (f3_loss)pick(0, 2);
        c.error_info.one_hot = (int)pick(0, 1);
        c.feedback_init = pick(0, 1) ? F3_FB_TRINOMIAL : F3_FB_KAIMING_UNIFORM;
        const int fmt = (int)pick(0, 4);
        const f3_tensor ts[] = {F3_T_WEIGHTS, F3_T_ACTIVATIONS, F3_T_ERROR, F3_T_GRADIENTS, F3_T_OPTIMIZER};
        for (size_t i = 0; i < sizeof ts / sizeof ts[0]; i++)
            c.numerics.fmt[ts[i]] = fmt_of(pick(0, 3) ? fmt : (int)pick(0, 4));
        const chip_dataflow df = (chip_dataflow)(pick(0, 4) / 2); /* fused one point in five */
        chip_config hw = tile(df, (unsigned)pick(1, 40));
        if (df == CHIP_DF_FUSED && pick(0, 3)) { /* mostly a run fused can take */
            c.batch_size = 1;
            c.optimizer = F3_OPT_SGD;
        }
        hw.step_latency = (unsigned)pick(0, 3);
        hw.sram_banks = (unsigned)pick(1, 64);
        hw.sram_bytes_per_cycle_per_bank = (double)pick(1, 8);
        hw.sram_transposed_factor = (double)pick(1, 3);
        hw.rom_encoding = (chip_rom_encoding)pick(0, 3);
        hw.rom_bytes_per_cycle = (double)pick(1, 16);
        hw.lfsr_cycles_per_value = pick(0, 1) ? 1.0 : 1.5;
        hw.reg_capacity_bytes = pick(0, 3) ? 65536.0 : (double)pick(16, 4096);
        hw.reg_sram = (int)pick(0, 1);
        hw.sram_capacity_bytes = pick(0, 1) ? (double)pick(0, 4000) : 1e9;
        hw.ws_samples_inner = (int)pick(0, 1);
        size_t batch = c.batch_size;
        if (hw.dataflow == CHIP_DF_WEIGHT_STATIONARY && batch > 1 && pick(0, 1)) {
            hw.micro_batch = pick(1, batch - 1);
            batch = chip_chunk(&hw, batch);
        } else if (batch > 1 && pick(0, 2) == 0) {
            batch = pick(1, batch); /* an epoch's last batch */
        }
        const size_t k = pick(0, 2);
        describe(&hw, &c, k, batch, " (random)");
        anchor(&hw, &c, k, batch);
        tile_cost t;
        if (tile_cost_compute(&hw, &c, k, batch, &t) != F3_OK)
            refused++;
        else if (t.dram_resident > 0)
            spilled++;
    }
    print_message("%zu of 4000 points spill to DRAM, %zu are refused\n", spilled, refused);
    /* the points reach both the spill and the refusals */
    assert_true(spilled > 800);
    assert_true(refused > 100 && refused < 1000);
}

/* ---- (b) a transformer block by hand ------------------------------------------------------ */

/* The authors' transformer block, block 2 of 4 (hidden, not the first):
 *   op 1 residual_save; op 2 layernorm over 32 on 16 tokens; op 3 linear
 *   32 → 1536 (q | k | v) on 16 tokens, no bias; op 4 attention, 8 heads of
 *   64; op 5 linear 512 → 32 on 16 tokens; op 6 residual_add; op 7
 *   residual_save; op 8 layernorm; op 9 linear 32 → 128; op 10 tanh; op 11
 *   linear 128 → 32; op 12 residual_add (ops 0-based in the table below).
 * fp32 everywhere (4 B a value), SGD, output_stationary; P = 32 lanes, an
 * SRAM port of 32 banks × 4 B = 128 B per cycle, L = 1, transposed reads at
 * the cost of row reads, B_k ternary2 (¼ B an entry) in a ROM of 8 B per
 * cycle, F³ with one-hot error information.
 * A step's cycles: max(compute, ⌈SRAM bytes / 128⌉, ⌈ROM bytes / 8⌉) + 1.
 *
 * Per sample (output_stationary: every step below is per sample, the apply
 * steps per batch), n = 16 tokens:
 *  forward
 *   F0  layernorm: 3 passes × ⌈512/32⌉ = 48; write y 512·4 = 2048 and μ,
 *       rstd 32·4 = 128 (x, the block's input, stays in the registers) =
 *       2176 B → 17 → 48 + 1 = 49.  BP also writes the stash copy of x,
 *       2048: 4224 B → 33 → 49.
 *   F1  qkv: 16 tokens × ⌈1536/32⌉ groups × 32 = 24576; read W once a token
 *       16·49152·4 = 3145728 and X 2048, write 16·1536·4 = 98304:
 *       3246080 B → 25360 → 25361.
 *   F2  scores q kᵀ: 8 heads × ⌈256/32⌉ × 64 = 4096; read q, k 2·8192·4 =
 *       65536 B → 512 → 4097.
 *   F3  softmax: 3 passes × 8 heads × ⌈256/32⌉ = 192; write P 8·256·4 =
 *       8192 B → 64 → 193.
 *   F4  P v: 8 × ⌈16·64/32⌉ × 16 = 4096; read P 8192 + v 32768, write O
 *       32768: 73728 B → 576 → 4097.
 *   F5  to_out 512 → 32: 16 × 1 × 512 = 8192; read W 16·16384·4 = 1048576
 *       + X 32768, write 2048: 1083392 B → 8464 → 8465.
 *   F6  residual add: ⌈512/32⌉ = 16; read 2048 (the kept x is the block's
 *       input: registers), write 2048: 4096 B → 32 → 33.
 *   F7  layernorm: 48; read 2048, write 2048 + 128: 4224 B → 33 → 49.
 *   F8  linear 32 → 128 (with the tanh after it, a dense pair): 16 × 4 × 32
 *       = 2048; read W 16·4096·4 = 262144 + X 2048, write h 16·128·4 = 8192
 *       and f'(z) 8192: 280576 B → 2192 → 2193.
 *   F9  tanh: 16 × 4 = 64 (b from the registers) → 65.
 *   F10 linear 128 → 32: 16 × 1 × 128 = 2048; read W 262144 + X 8192,
 *       write 2048: 272384 B → 2128 → 2129.
 *   F11 residual add: 16; read 2048 + the kept 2048; the output goes to
 *       the link: 4096 B → 32 → 33.
 *   sum 46764.
 *  feedback (F³): one column of B_k (one-hot e), 512 entries × ¼ = 128 B of
 *   ROM → 16; compute ⌈512/32⌉ × 1 = 16 → 17.
 *  backward (the δ at the block's output in the registers)
 *   B0  linear 128 → 32, δX: 2048; read W 262144 (transposed), write δX
 *       8192: 270336 B → 2112 → 2113.
 *   B1  its δW: 2048; read the accumulator 262144 + X 8192, write 262144:
 *       532480 B → 4160 → 4161.
 *   B2  tanh's δz: 16 × 4 = 64; read f' 8192 + δh 8192: 16384 B → 128 → 129.
 *   B3  linear 32 → 128, δX: 2048; read W 262144, write 2048: 264192 B →
 *       2064 → 2065.
 *   B4  its δW: 2048; read 262144 + X 2048, write 262144: 526336 B → 4112
 *       → 4113.
 *   B5  layernorm: 2 passes × 16 = 32; read δ 2048 + x 2048 + μ, rstd 128,
 *       write δX 2048: 6272 B → 49 → 50.
 *   B6  residual save: 16; read δ 2048 (the add's δ is the block output's:
 *       registers), write 2048: 4096 B → 32 → 33.
 *   B7  to_out δX: 8192; read W 1048576 + δy 2048, write 32768: 1083392 B →
 *       8464 → 8465.
 *   B8  its δW: 8192; read 1048576 + X 32768, write 1048576: 2129920 B →
 *       16640 → 16641.
 *   B9  dv = Pᵀ dO, dP = dO vᵀ: 8 × (32 × 16 + 8 × 64) = 8192; read P 8192
 *       + dO 32768 + v 32768, write dv 32768: 106496 B → 832 → 8193.
 *   B10 softmax backward: 2 passes × 8 × 8 = 128 → 129.
 *   B11 dq, dk: 2 × 8 × 32 × 16 = 8192; read k, q 65536, write 65536:
 *       131072 B → 1024 → 8193.
 *   B12 qkv δX: 24576; read W 3145728 + δy 98304, write 2048: 3246080 B →
 *       25360 → 25361.
 *   B13 its δW: 24576; read 3145728 + X 2048, write 3145728: 6293504 B →
 *       49168 → 49169.
 *   B14 layernorm: 32; read δ 2048 + μ, rstd 128 (x: registers), write δX
 *       2048: 4224 B → 33 → 34.  BP reads x from its stash: 6272 B → 49 →
 *       50.
 *   B15 (BP only: the block's δX) residual save: 16; read 2048 + the add's
 *       δ 2048; δX leaves on the link: 4096 B → 32 → 33.
 *   F³ 128849, BP 128898.
 *  apply (per batch; batched: 16 tokens' gradients sum)
 *   A0  layernorm γ, β: ⌈64/32⌉ = 2 → 3 (registers).
 *   A1  qkv: ⌈1536/32⌉ × 32 = 1536; read W, accumulator, write W: 3 ×
 *       196608 = 589824 B → 4608 → 4609.
 *   A2  to_out: 1 × 512; 3 × 65536 → 1536 → 1537.
 *   A3  layernorm: 3.
 *   A4  linear 32 → 128: 4 × 32 = 128; 3 × 16384 → 384 → 385.
 *   A5  linear 128 → 32: 1 × 128; 3 × 16384 → 384 → 385.
 *   sum 6922.
 * Registers (the table's last column): a linear op's input broadcast to
 * the lanes, v·d_in·f a token (F1 4·32·48·16 = 98304), its δz broadcast
 * for δX, v·d_out·⌈d_in/P⌉ a token (B0 4·32·4·16 = 8192), b read by the
 * activation or the forward pass (F5 + 4·32·16 = 2048) and δb read and
 * written (B1 + 2·4·32·16 = 4096, B2 2·4·128·16 = 16384); a layer norm's
 * γ, β per value (F0 2·4·512 = 4096), γ and δγ, δβ read and written
 * (B5 4·512 + 4·4·512 = 10240); an attention product's two operands per
 * MAC (F2 2·4·8·256·64 = 1048576, B9 and B11 twice that); the apply's b,
 * δb (γ, β, δγ, δβ) (2·4 + 4) a value (A0 12·64 = 768, A2 12·32 = 384).
 * Multiply-adds a sample: forward 16·(32·1536 + 512·32 + 32·128 + 128·32)
 * + 2·8·16·16·64 = 1441792; backward δX and δW of the four linear ops and
 * the attention's four products 2·1179648 + 4·131072 = 2883584; F³'s
 * feedback, E·B_k as the trainer computes it, 10·512 = 5120.
 * Per batch: F³ 46764 + 17 + 128849 = 175630 a sample, BP 46764 + 128898
 * = 175662; b = 1: F³ 182552, BP 182584; b = 100: F³ 17569922, BP
 * 17573122.
 *
 * The stash (every op's own view), per sample: layernorm x 512 + μ, rstd
 * 32; qkv X 512; attention q, k, v 24576 + P 8·16·16 = 2048; to_out X 8192;
 * layernorm 544; linear X 512; f'(z) 2048; linear X 2048: 41024 values.
 * BP holds the batch's: 4·B·41024 = 164096 B at b = 1, 16409600 at 100.
 * F³ holds one sample's at a time, less the block's input (the registers):
 * 4·(41024 − 512) = 162048 B at every batch.
 * Buffers beside the stash: the two values between ops no backward reads
 * (to_out's and the last linear's outputs, 512 each) 4096 B, and the δ
 * between ops, 2048 + 512 + 512 + 512 + 8192 + 24576 + 512 + 512 = 37376
 * values, 149504 B: 153600 B.  Weights 73728 values (the biases, γ, β in
 * registers) 294912 B, and as many for the accumulator. */
typedef struct {
    int op; /* 0-based; -1 the feedback */
    bc_phase phase;
    tc_step kind;
    double compute, sram_r, sram_w, cycles, reg;
} row;

static const row F3_ROWS[] = {
    {1, BC_FORWARD, TC_ACTIVATION, 48, 0, 2176, 49, 4096},
    {2, BC_FORWARD, TC_FORWARD, 24576, 3145728 + 2048, 98304, 25361, 98304},
    {3, BC_FORWARD, TC_FORWARD, 4096, 65536, 0, 4097, 1048576},
    {3, BC_FORWARD, TC_ACTIVATION, 192, 0, 8192, 193, 0},
    {3, BC_FORWARD, TC_FORWARD, 4096, 8192 + 32768, 32768, 4097, 1048576},
    {4, BC_FORWARD, TC_FORWARD, 8192, 1048576 + 32768, 2048, 8465, 34816},
    {5, BC_FORWARD, TC_ACTIVATION, 16, 2048, 2048, 33, 0},
    {7, BC_FORWARD, TC_ACTIVATION, 48, 2048, 2176, 49, 4096},
    {8, BC_FORWARD, TC_FORWARD, 2048, 262144 + 2048, 16384, 2193, 8192},
    {9, BC_FORWARD, TC_ACTIVATION, 64, 0, 0, 65, 8192},
    {10, BC_FORWARD, TC_FORWARD, 2048, 262144 + 8192, 2048, 2129, 10240},
    {11, BC_FORWARD, TC_ACTIVATION, 16, 4096, 0, 33, 0},
    {-1, BC_FEEDBACK, TC_FEEDBACK, 16, 0, 0, 17, 0},
    {10, BC_BACKWARD, TC_BACKPROP, 2048, 262144, 8192, 2113, 8192},
    {10, BC_GRADIENT, TC_GRADIENT, 2048, 262144 + 8192, 262144, 4161, 12288},
    {9, BC_BACKWARD, TC_DZ, 64, 16384, 0, 129, 16384},
    {8, BC_BACKWARD, TC_BACKPROP, 2048, 262144, 2048, 2065, 8192},
    {8, BC_GRADIENT, TC_GRADIENT, 2048, 262144 + 2048, 262144, 4113, 8192},
    {7, BC_BACKWARD, TC_DZ, 32, 2048 + 2048 + 128, 2048, 50, 10240},
    {6, BC_BACKWARD, TC_DZ, 16, 2048, 2048, 33, 0},
    {4, BC_BACKWARD, TC_BACKPROP, 8192, 1048576 + 2048, 32768, 8465, 32768},
    {4, BC_GRADIENT, TC_GRADIENT, 8192, 1048576 + 32768, 1048576, 16641, 36864},
    {3, BC_BACKWARD, TC_BACKPROP, 8192, 8192 + 32768 + 32768, 32768, 8193, 2097152},
    {3, BC_BACKWARD, TC_DZ, 128, 0, 0, 129, 0},
    {3, BC_BACKWARD, TC_BACKPROP, 8192, 65536, 65536, 8193, 2097152},
    {2, BC_BACKWARD, TC_BACKPROP, 24576, 3145728 + 98304, 2048, 25361, 98304},
    {2, BC_GRADIENT, TC_GRADIENT, 24576, 3145728 + 2048, 3145728, 49169, 98304},
    {1, BC_BACKWARD, TC_DZ, 32, 2048 + 128, 2048, 34, 10240},
    {1, BC_APPLY, TC_APPLY, 2, 0, 0, 3, 768},
    {2, BC_APPLY, TC_APPLY, 1536, 2 * 196608, 196608, 4609, 0},
    {4, BC_APPLY, TC_APPLY, 512, 2 * 65536, 65536, 1537, 384},
    {7, BC_APPLY, TC_APPLY, 2, 0, 0, 3, 768},
    {8, BC_APPLY, TC_APPLY, 128, 2 * 16384, 16384, 385, 1536},
    {10, BC_APPLY, TC_APPLY, 128, 2 * 16384, 16384, 385, 384},
};

static void check_rows(const block_cost *bc, const row *rows, size_t n, double b)
{
    assert_int_equal(bc->n_steps, n);
    for (size_t q = 0; q < n; q++) {
        const bc_step *s = &bc->step[q];
        const row *r = &rows[q];
        snprintf(where, sizeof where, "step %zu (op %d, %s)", q, r->op, bc_phase_names[r->phase]);
        SAME("op", (int)(s->op == BC_BLOCK ? -1 : (int)s->op), r->op);
        SAME("phase", s->phase, r->phase);
        SAME("kind", s->kind, r->kind);
        SAME("reps", s->c.reps, r->phase == BC_APPLY ? 1.0 : b);
        SAME("compute", s->c.compute, r->compute);
        SAME("sram_r", s->c.sram_r, r->sram_r);
        SAME("sram_w", s->c.sram_w, r->sram_w);
        SAME("dram", s->c.dram_r + s->c.dram_w, 0.0);
        SAME("cycles", s->c.cycles, r->cycles);
        SAME("registers", s->c.reg + s->c.acc, r->reg);
    }
}

static block_cost bc_f3, bc_bp; /* large: not on the stack */

static void test_transformer_by_hand(void **state)
{
    (void)state;
    const f3_block blk = vit_block(1);
    chip_config hw = tile(CHIP_DF_OUTPUT_STATIONARY, 32);
    const chip_tile_hw th = chip_tile_figures(&hw, 1);
    const size_t nf = sizeof F3_ROWS / sizeof F3_ROWS[0];
    /* BP: F³'s rows without the feedback, F0 and B14 with the stash of
     * x, and B15 */
    row bp[sizeof F3_ROWS / sizeof F3_ROWS[0] + 1];
    size_t nb = 0;
    for (size_t q = 0; q < nf; q++) {
        if (F3_ROWS[q].phase == BC_FEEDBACK) continue;
        bp[nb] = F3_ROWS[q];
        if (q == 0) bp[nb].sram_w = 4224;
        if (F3_ROWS[q].op == 1 && F3_ROWS[q].phase == BC_BACKWARD) {
            bp[nb].sram_r = 2048 + 2048 + 128;
            bp[nb].cycles = 50;
            bp[++nb] = (row){0, BC_BACKWARD, TC_DZ, 16, 4096, 0, 33, 0};
        }
        nb++;
    }
    const size_t batches[] = {1, 100};
    for (size_t q = 0; q < 2; q++) {
        const size_t B = batches[q];
        const double b = (double)B;
        f3_config c3 = vit_net(F3_ALG_F3, B), cb = vit_net(F3_ALG_BP, B);
        assert_int_equal(block_cost_compute(&hw, &th, &c3, &blk, 1, B, &bc_f3), F3_OK);
        assert_int_equal(block_cost_compute(&hw, &th, &cb, &blk, 1, B, &bc_bp), F3_OK);
        check_rows(&bc_f3, F3_ROWS, nf, b);
        check_rows(&bc_bp, bp, nb, b);
        snprintf(where, sizeof where, "transformer block, batch %zu", B);
        /* cycles per batch */
        SAME("F3 cycles", block_cost_totals(&bc_f3, BC_PHASES).cycles, 175630.0 * b + 6922.0);
        SAME("BP cycles", block_cost_totals(&bc_bp, BC_PHASES).cycles, 175662.0 * b + 6922.0);
        SAME("F3 forward", block_cost_totals(&bc_f3, BC_FORWARD).cycles, 46764.0 * b);
        SAME("F3 feedback", block_cost_totals(&bc_f3, BC_FEEDBACK).cycles, 17.0 * b);
        SAME("BP feedback", block_cost_totals(&bc_bp, BC_FEEDBACK).cycles, 0.0);
        SAME("F3 apply", block_cost_totals(&bc_f3, BC_APPLY).cycles, 6922.0);
        SAME("F3 forward fma", block_cost_totals(&bc_f3, BC_FORWARD).fma, 1441792.0 * b);
        SAME("F3 backward fma",
             block_cost_totals(&bc_f3, BC_BACKWARD).fma + block_cost_totals(&bc_f3, BC_GRADIENT).fma, 2883584.0 * b);
        SAME("F3 feedback fma", block_cost_totals(&bc_f3, BC_FEEDBACK).fma, 5120.0 * b);
        /* the stash and the buffers */
        SAME("stash values", bc_f3.stash_values, 41024.0);
        SAME("BP stash values", bc_bp.stash_values, 41024.0);
        SAME("F3 stash", bc_f3.stash_bytes, 162048.0);
        SAME("BP stash", bc_bp.stash_bytes, 164096.0 * b);
        SAME("F3 buffers", bc_f3.buffer_bytes, 153600.0);
        SAME("BP buffers", bc_bp.buffer_bytes, 153600.0);
        SAME("F3 need", bc_f3.need[TC_BUFFER], 162048.0 + 153600.0);
        SAME("BP need", bc_bp.need[TC_BUFFER], 164096.0 * b + 153600.0);
        SAME("weights", bc_f3.need[TC_WEIGHTS], 294912.0);
        SAME("accumulator", bc_f3.need[TC_ACCUM], 294912.0);
        SAME("optimiser state", bc_f3.need[TC_OPTSTATE], 0.0);
        SAME("F3 ROM", bc_f3.rom_bytes, 10.0 * 512.0 * 0.25);
        SAME("BP ROM", bc_bp.rom_bytes, 0.0);
    }
    /* a 4 MiB SRAM at batch 100: F³'s 905472 B fit; BP's stash does not:
     * 2·294912 + 16409600 + 153600 = 17153024 B, of which 12958720 live in
     * DRAM */
    hw.sram_capacity_bytes = 4 << 20;
    const chip_tile_hw small = chip_tile_figures(&hw, 1);
    f3_config c3 = vit_net(F3_ALG_F3, 100), cb = vit_net(F3_ALG_BP, 100);
    assert_int_equal(block_cost_compute(&hw, &small, &c3, &blk, 1, 100, &bc_f3), F3_OK);
    assert_int_equal(block_cost_compute(&hw, &small, &cb, &blk, 1, 100, &bc_bp), F3_OK);
    snprintf(where, sizeof where, "transformer block, batch 100, 4 MiB");
    SAME("F3 needed", bc_f3.sram_needed, 905472.0);
    SAME("F3 in DRAM", bc_f3.dram_resident, 0.0);
    SAME("BP needed", bc_bp.sram_needed, 17153024.0);
    SAME("BP in DRAM", bc_bp.dram_resident, 17153024.0 - 4194304.0);
    SAME("BP buffers on chip", bc_bp.on_chip[TC_BUFFER], 4194304.0 - 2.0 * 294912.0);
}

/* ---- (c) BP's stash against F³'s ---------------------------------------------------------- */

/* stash values per sample (every op's own view) of each block, and those
 * of the block's input (which a local block keeps in its input registers)
 *   dense 100 → 50 (hidden): X 100 + f' 50 = 150; input 100; and the
 *     activation that ends the block keeps f' in the registers: F³ 0;
 *   the transformer block: 41024 (above); input 512 (layernorm's x);
 *   ViT block 1: patchify, linear 784 → 512, then the transformer ops on
 *     its output: 784 + 41024 = 41808; input 784 (the linear's X through
 *     patchify).
 * BP = 4·B·S; F³ = 4·(S − input − f' kept) (output_stationary: a sample
 * at a time), 4·B·(S − input − f' kept) (weight_stationary: the batch);
 * DFA as BP, DRTP as F³. */
static void test_stash_bp_vs_f3(void **state)
{
    (void)state;
    const size_t dw[] = {100, 100, 50, 10};
    f3_block blocks[3];
    blocks[0] = vit_block(1);
    blocks[1] = vit_block(0);
    const double S[] = {41024, 41808, 150}, kept[] = {512, 784, 150};
    const size_t pos[] = {1, 0, 1};
    const chip_dataflow dfs[] = {CHIP_DF_OUTPUT_STATIONARY, CHIP_DF_WEIGHT_STATIONARY};
    const size_t batches[] = {1, 2, 100};
    for (int d = 0; d < 2; d++)
        for (size_t q = 0; q < 3; q++)
            for (int j = 0; j < 3; j++) {
                const size_t B = batches[q];
                const double b = (double)B;
                chip_config hw = tile(dfs[d], 32);
                const chip_tile_hw th = chip_tile_figures(&hw, 0);
                f3_config net[4];
                const f3_algorithm algs[] = {F3_ALG_BP, F3_ALG_DFA, F3_ALG_F3, F3_ALG_DRTP};
                for (int a = 0; a < 4; a++) net[a] = j == 2 ? mlp(dw, 3, algs[a], F3_OPT_SGD, B) : vit_net(algs[a], B);
                if (j == 2) blocks[2] = dense_block(&net[0], 1);
                double got[4];
                for (int a = 0; a < 4; a++) {
                    assert_int_equal(block_cost_compute(&hw, &th, &net[a], &blocks[j], pos[j], B, &bc_f3), F3_OK);
                    got[a] = bc_f3.stash_bytes;
                    snprintf(where, sizeof where, "%s, block %d, %s, batch %zu", chip_dataflow_name(dfs[d]), j,
                             f3_algorithm_name(algs[a]), B);
                    SAME("stash values", bc_f3.stash_values, S[j]);
                }
                const double local = 4.0 * (d ? b : 1.0) * (S[j] - kept[j]);
                snprintf(where, sizeof where, "%s, block %d, batch %zu", chip_dataflow_name(dfs[d]), j, B);
                SAME("BP", got[0], 4.0 * b * S[j]);
                SAME("DFA", got[1], 4.0 * b * S[j]);
                SAME("F3", got[2], local);
                SAME("DRTP", got[3], local);
                assert_true(got[0] > got[2]);
            }
}

/* an op that stashes the block's input (here the attention, q | k | v
 * straight off the link: 4 tokens of 2 heads of 3, 72 values a sample,
 * block 2 of 3): under output_stationary BP writes a stash copy of it in
 * the forward pass and reads q, k, v back from it in the backward pass
 * (the block's δX); F³ does not need the op's backward at all (no
 * parameters, no δX: the block trainer skips it), so it keeps nothing and
 * P is a buffer of one sample */
static void test_block_input_in_registers(void **state)
{
    (void)state;
    f3_block att;
    memset(&att, 0, sizeof att);
    att.n_ops = 1;
    att.op[0] = (f3_bop){.kind = F3_BOP_ATTENTION, .tokens = 4, .d_in = 18, .d_out = 6, .heads = 2, .dim_head = 3};
    const size_t w[] = {72, 24, 24, 10};
    chip_config hw = tile(CHIP_DF_OUTPUT_STATIONARY, 8);
    const chip_tile_hw th = chip_tile_figures(&hw, 1);
    for (int a = 0; a < 2; a++) {
        f3_config c = mlp(w, 3, a ? F3_ALG_F3 : F3_ALG_BP, F3_OPT_SGD, 3);
        assert_int_equal(block_cost_compute(&hw, &th, &c, &att, 1, 3, &bc_f3), F3_OK);
        snprintf(where, sizeof where, "attention on the block's input, %s", f3_algorithm_name(c.algorithm));
        /* scores, softmax, P v; BP: dv dP, softmax backward, dq dk; F³: the feedback */
        assert_int_equal(bc_f3.n_steps, a ? 4 : 6);
        SAME("scores write", bc_f3.step[0].c.wr[TC_BUFFER], a ? 0.0 : 4.0 * 72); /* the stash copy */
        SAME("scores read", bc_f3.step[0].c.rd[TC_BUFFER], 0.0);                 /* q, k: registers */
        SAME("softmax write", bc_f3.step[1].c.wr[TC_BUFFER], 4.0 * 32);          /* P, 2·4·4 values */
        if (!a) {
            /* dv, dP: P and v (the stash), δO from the link; dq, dk: k and
             * q, the block's δX to the link */
            SAME("dv dP read", bc_f3.step[3].c.rd[TC_BUFFER], 4.0 * 32 + 4.0 * 24);
            SAME("dv write", bc_f3.step[3].c.wr[TC_BUFFER], 0.0);
            SAME("dq dk read", bc_f3.step[5].c.rd[TC_BUFFER], 4.0 * 48);
        }
        SAME("stash", bc_f3.stash_bytes, a ? 0.0 : 4.0 * 3 * (72 + 32));
        SAME("buffers", bc_f3.buffer_bytes, a ? 4.0 * 32 : 0.0);
    }
}

/* ---- (d) refusals -------------------------------------------------------------------------- */

static void refused(const chip_config *hw, const f3_config *c, const f3_block *blk, size_t k, const char *a,
                    const char *b)
{
    const chip_tile_hw th = chip_tile_figures(hw, k);
    assert_int_equal(block_cost_compute(hw, &th, c, blk, k, c->batch_size, &bc_f3), F3_EINVAL);
    const char *msg = f3_last_error();
    if (!strstr(msg, a) || (b && !strstr(msg, b))) {
        print_error("message \"%s\" lacks \"%s\"%s%s\n", msg, a, b ? " or " : "", b ? b : "");
        fail();
    }
}

static void test_refusals(void **state)
{
    (void)state;
    const f3_block tb = vit_block(1);
    f3_config c = vit_net(F3_ALG_F3, 1);
    /* fused: a block of several ops, named */
    chip_config hw = tile(CHIP_DF_FUSED, 32);
    refused(&hw, &c, &tb, 1, "dataflow fused cannot run this block: block 2, op 1 (residual: keep x", NULL);
    /* fused: a linear op over several tokens */
    f3_block lin16;
    memset(&lin16, 0, sizeof lin16);
    lin16.n_ops = 1;
    lin16.op[0] = (f3_bop){.kind = F3_BOP_LINEAR, .tokens = 16, .d_in = 32, .d_out = 32, .bias = 1};
    refused(&hw, &c, &lin16, 1, "dataflow fused", "op 1 (linear 32 -> 32 on 16 tokens");
    /* fused: a dense block under a rule fused cannot run */
    const size_t dw[] = {20, 30, 40, 10};
    f3_config dfa = mlp(dw, 3, F3_ALG_DFA, F3_OPT_SGD, 1);
    f3_block dense = dense_block(&dfa, 1);
    refused(&hw, &dfa, &dense, 1, "dataflow fused cannot run dfa", NULL);
    f3_config f3b = mlp(dw, 3, F3_ALG_F3, F3_OPT_SGD, 4);
    refused(&hw, &f3b, &dense, 1, "batch_size 1", NULL);
    /* too big: a row of W and its accumulator beyond the registers */
    hw = tile(CHIP_DF_WEIGHT_STATIONARY, 32);
    hw.reg_capacity_bytes = 100;
    refused(&hw, &c, &tb, 1, "too big for the tile: block 2, op 3 (linear 32 -> 1536 on 16 tokens, no bias",
            "256 bytes per row, but the registers hold 100 bytes");
    hw.reg_sram = 1;
    hw.reg_capacity_bytes = 4096; /* 128 B a bank */
    refused(&hw, &c, &tb, 1, "op 3 (linear", "a bank holds 128 bytes: give it at least 8192 bytes");
    /* too big: an attention head's q, k and scores beyond the registers */
    hw = tile(CHIP_DF_OUTPUT_STATIONARY, 32);
    hw.reg_capacity_bytes = 8192;
    refused(&hw, &c, &tb, 1, "too big for the tile: block 2, op 4 (attention, 8 heads of 64",
            "9216 bytes, but the registers hold 8192 bytes");
    /* micro-batches without weight_stationary */
    hw = tile(CHIP_DF_OUTPUT_STATIONARY, 32);
    hw.micro_batch = 2;
    refused(&hw, &c, &tb, 1, "micro-batches", "output_stationary");
    /* the network: a block beyond it, a last block that does not give C */
    hw = tile(CHIP_DF_OUTPUT_STATIONARY, 32);
    refused(&hw, &c, &tb, 4, "block 5 of a network of 4 blocks", NULL);
    refused(&hw, &c, &tb, 3, "the last block gives 512 values per sample, the network's outputs are 10", NULL);
    /* an invalid block: f3_block_check's message */
    f3_block bad = tb;
    bad.op[0].kind = F3_BOP_RESIDUAL_ADD;
    refused(&hw, &c, &bad, 1, "op 1: a residual add without a save before it", NULL);
}

/* weight_stationary runs the transformer block too: W crosses the port
 * once per walk, so the forward reads every linear op's W once a batch,
 * not once a token and sample */
static void test_transformer_weight_stationary(void **state)
{
    (void)state;
    const f3_block blk = vit_block(1);
    chip_config hw = tile(CHIP_DF_WEIGHT_STATIONARY, 32);
    const chip_tile_hw th = chip_tile_figures(&hw, 1);
    for (int a = 0; a < 2; a++) {
        f3_config c = vit_net(a ? F3_ALG_BP : F3_ALG_F3, 100);
        assert_int_equal(block_cost_compute(&hw, &th, &c, &blk, 1, 100, &bc_f3), F3_OK);
        snprintf(where, sizeof where, "weight_stationary, %s", f3_algorithm_name(c.algorithm));
        double w = 0;
        for (size_t q = 0; q < bc_f3.n_steps; q++)
            if (bc_f3.step[q].phase == BC_FORWARD) w += bc_f3.step[q].c.reps * bc_f3.step[q].c.rd[TC_WEIGHTS];
        /* W and b of the four linear ops, γ and β of the two layer norms */
        SAME("W read by the forward pass", w, 4.0 * (49152 + 16384 + 32 + 4096 + 128 + 4096 + 32 + 2 * 64));
        SAME("no DRAM", block_cost_totals(&bc_f3, BC_PHASES).dram_r, 0.0);
        /* the transformer block ends with a residual add: two walks for
         * every linear op, also under F³ */
        assert_int_equal(bc_f3.one_pass, 0);
    }
}

/* (e) what a block asks of the registers (block_cost_registers, which
 * f3sim compare sizes its registers by): the closed forms, and the op
 * table accepts exactly that much and refuses a byte less */
static void test_registers(void **state)
{
    (void)state;
    const f3_block tb = vit_block(1);
    const f3_config c = vit_net(F3_ALG_BP, 10);
    double row, least;
    block_cost_registers(&c, &tb, &row, &least);
    /* the widest linear op is to_out, 512 -> 32: a row of fp32 W and its
     * fp32 accumulator; a head: q and k of 16 tokens x 64, 16 x 16 scores */
    assert_true(row == (4.0 + 4.0) * 512);
    assert_true(least == 4.0 * (2 * 16 * 64 + 16 * 16));
    chip_config hw = tile(CHIP_DF_WEIGHT_STATIONARY, 32);
    hw.reg_capacity_bytes = fmax(row, least);
    chip_tile_hw th = chip_tile_figures(&hw, 1);
    assert_int_equal(block_cost_compute(&hw, &th, &c, &tb, 1, 10, &bc_f3), F3_OK);
    hw.reg_capacity_bytes = least - 1;
    refused(&hw, &c, &tb, 1, "op 4 (attention", NULL);
    /* a dense block: its row alone, no floor */
    const size_t dw[] = {20, 30, 40, 10};
    const f3_config d = mlp(dw, 3, F3_ALG_F3, F3_OPT_SGD, 4);
    const f3_block dense = dense_block(&d, 1);
    block_cost_registers(&d, &dense, &row, &least);
    assert_true(row == (4.0 + 4.0) * 30 && least == 0);
    hw.reg_capacity_bytes = row;
    th = chip_tile_figures(&hw, 1);
    assert_int_equal(block_cost_compute(&hw, &th, &d, &dense, 1, 4, &bc_f3), F3_OK);
    hw.reg_capacity_bytes = row - 1;
    refused(&hw, &d, &dense, 1, "too big for the tile: block 2, op 1 (linear", "240 bytes per row");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dense_anchor_shapes),
        cmocka_unit_test(test_dense_anchor_random),
        cmocka_unit_test(test_transformer_by_hand),
        cmocka_unit_test(test_stash_bp_vs_f3),
        cmocka_unit_test(test_block_input_in_registers),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_transformer_weight_stationary),
        cmocka_unit_test(test_registers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
