/* test_blocknumerics.c — number formats in the block trainer
 * (f3_blocktrainer_set_numerics, f3/blocktrain.h; docs/blocks.md, "Number
 * formats"):
 *   - fp32 everywhere is the trainer without formats, bit for bit, and so
 *     is a trainer whose only non-fp32 class is one its rule never uses;
 *     the attention's two halves are its forward pass bit for bit;
 *   - bf16 weights and gradients hold bf16 values after a step; q2.6
 *     weights hold multiples of 2⁻⁶ in [−2, 2 − 2⁻⁶] and count the values
 *     a huge learning rate pushes beyond; bf16 activations leave every
 *     block in bf16;
 *   - stochastic rounding: one seed, one result; another seed, another;
 *   - fixed-point activations are refused, with the message naming what
 *     the network has, when it has attention or layer normalisation, and
 *     run (on the fixed-point grid) when it has neither;
 *   - a network of dense blocks with formats trains as the MLP trainer
 *     (its independent reference) with the same formats, wherever the two
 *     round the same tensors at the same places. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "f3/blocktrain.h"
#include "f3/vit.h"

enum { C = 3, NTRAIN = 24, BATCH = 4, IMG = 8, EPOCHS = 2 };

static void fill(float *x, size_t n, uint32_t seed, float scale)
{
    uint32_t s = seed * 2654435761u + 12345u;
    for (size_t i = 0; i < n; i++) {
        s = s * 1664525u + 1013904223u;
        x[i] = scale * (((float)(s >> 8) / 16777216.0f) * 2.0f - 1.0f);
    }
}

static float X[NTRAIN * IMG * IMG], T[NTRAIN * C];
static int32_t LAB[NTRAIN];

static void data(size_t d)
{
    fill(X, NTRAIN * d, 7, 1.7f);
    memset(T, 0, sizeof T);
    for (size_t s = 0; s < NTRAIN; s++) LAB[s] = (int32_t)((s * 7 + 3) % C), T[s * C + (size_t)LAB[s]] = 1.0f;
}

/* A small ViT (f3/vit.h): 8 × 8 images, patches of 4 (4 tokens of 16),
 * width 32 (4 tokens of 8), 2 heads of 4, MLP 8; norm: layer norms. */
static size_t vit(f3_block *blk, int norm)
{
    const f3_vit_config vc = {3, 32, 2, 4, 8, 4, norm, F3_OP_TANH, 1, IMG, IMG, C};
    size_t nb = 0;
    assert_int_equal(f3_vit_blocks(&vc, blk, F3_BLOCKNET_MAX_BLOCKS, &nb), F3_OK);
    return nb;
}

/* Dense blocks 6 → 10 → 8 → C: linear + tanh, linear + tanh, linear. */
enum { N0 = 6, N1 = 10, N2 = 8 };
static size_t dense(f3_block *blk)
{
    memset(blk, 0, 3 * sizeof *blk);
    const size_t w[4] = {N0, N1, N2, C};
    for (size_t k = 0; k < 3; k++) {
        blk[k].op[0] = (f3_bop){.kind = F3_BOP_LINEAR, .tokens = 1, .d_in = w[k], .d_out = w[k + 1], .bias = 1};
        blk[k].n_ops = 1;
        if (k < 2) {
            blk[k].op[1] =
                (f3_bop){.kind = F3_BOP_ACT, .tokens = 1, .d_in = w[k + 1], .d_out = w[k + 1], .act = F3_OP_TANH};
            blk[k].n_ops = 2;
        }
    }
    return 3;
}

static f3_blocktrain_config config(f3_algorithm alg, f3_optimizer opt, double lr)
{
    const f3_blocktrain_config bc = {alg, {F3_EI_ERROR, 0, 0}, opt, lr, 0.9, 0.999, 1e-8, C};
    return bc;
}

/* every class in f */
static f3_numerics all(f3_format f)
{
    f3_numerics nm;
    for (int t = 0; t < F3_T_COUNT; t++) nm.fmt[t] = f;
    return nm;
}

static f3_format fmt(const char *s, f3_rounding r)
{
    f3_format f;
    assert_int_equal(f3_parse_format(s, &f), F3_OK);
    f.rounding = r;
    return f;
}

/* A trainer of blk with formats nm (NULL: none) and stream seed qseed,
 * the store at the targets, trained `epochs` epochs. */
static f3_blocktrainer *trained(const f3_block *blk, size_t nb, f3_blocktrain_config bc, const f3_numerics *nm,
                                uint64_t qseed, size_t epochs)
{
    f3_blocktrainer *tr = f3_blocktrainer_new(blk, nb, &bc, BATCH, NTRAIN, 11);
    assert_non_null(tr);
    if (nm) assert_int_equal(f3_blocktrainer_set_numerics(tr, nm, qseed), F3_OK);
    memcpy(f3_blocktrainer_store(tr), T, sizeof T);
    f3_blocktrainer_store_round(tr);
    const size_t d = f3_block_in_size(&blk[0]);
    size_t idx[BATCH];
    for (size_t e = 0; e < epochs; e++)
        for (size_t s0 = 0; s0 < NTRAIN; s0 += BATCH) {
            for (size_t j = 0; j < BATCH; j++) idx[j] = s0 + j;
            assert_int_equal(f3_blocktrainer_step(tr, X + s0 * d, T + s0 * C, idx, BATCH, NULL), F3_OK);
        }
    return tr;
}

/* 1 if the two trainers' parameters are equal bit for bit */
static int same_params(f3_blocktrainer *a, f3_blocktrainer *b)
{
    f3_blocknet *na = f3_blocktrainer_net(a), *nb = f3_blocktrainer_net(b);
    for (size_t k = 0; k < f3_blocknet_blocks(na); k++)
        if (memcmp(f3_blocknet_params(na, k), f3_blocknet_params(nb, k),
                   f3_block_params(f3_blocknet_block(na, k)) * sizeof(float)))
            return 0;
    return 1;
}

static uint32_t bits(float x)
{
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}

/* ---- (a) fp32 is no format at all ----------------------------------------------- */

static void test_fp32_is_bit_identical(void **state)
{
    (void)state;
    f3_block blk[F3_BLOCKNET_MAX_BLOCKS];
    const size_t nb = vit(blk, 1);
    data(IMG * IMG);
    const f3_algorithm rules[] = {F3_ALG_BP, F3_ALG_F3, F3_ALG_DFA, F3_ALG_DRTP, F3_ALG_LLO};
    for (size_t r = 0; r < sizeof rules / sizeof rules[0]; r++) {
        const f3_blocktrain_config bc = config(rules[r], F3_OPT_ADAM, 3e-3);
        f3_blocktrainer *plain = trained(blk, nb, bc, NULL, 0, EPOCHS);
        /* fp32 everywhere, stochastic rounding asked for: nothing is drawn or rounded */
        const f3_numerics fp32 = all(fmt("fp32", F3_ROUND_STOCHASTIC));
        f3_blocktrainer *q = trained(blk, nb, bc, &fp32, 5, EPOCHS);
        assert_true(same_params(plain, q));
        for (int t = 0; t < F3_T_COUNT; t++) assert_int_equal(f3_blocktrainer_saturations(q)[t], 0);
        f3_blocktrainer_free(q);
        /* BP never uses the error store: with it in bf16 the formats are
         * on (every hook runs) and change nothing */
        if (rules[r] == F3_ALG_BP) {
            f3_numerics nm = all(fmt("fp32", F3_ROUND_NEAREST_EVEN));
            nm.fmt[F3_T_ERROR_STORE] = fmt("bf16", F3_ROUND_STOCHASTIC);
            f3_blocktrainer *on = trained(blk, nb, bc, &nm, 3, EPOCHS);
            assert_true(same_params(plain, on));
            f3_blocktrainer_free(on);
        }
        f3_blocktrainer_free(plain);
    }
}

/* The attention's halves (scores, then values) are its forward pass, bit for bit. */
static void test_attention_halves(void **state)
{
    (void)state;
    enum { B = 3, N = 5, H = 2, DH = 4 };
    static float qkv[B * N * 3 * H * DH], o1[B * N * H * DH], o2[B * N * H * DH], p1[B * H * N * N], p2[B * H * N * N];
    fill(qkv, sizeof qkv / sizeof *qkv, 3, 2.385f);
    f3_op_attention_forward(qkv, o1, p1, B, N, H, DH, 0.5f);
    f3_op_attention_scores(qkv, p2, B, N, H, DH, 0.5f);
    f3_op_attention_values(qkv, p2, o2, B, N, H, DH);
    assert_memory_equal(p1, p2, sizeof p1);
    assert_memory_equal(o1, o2, sizeof o1);
}

/* ---- (b) the values are in their formats ------------------------------------------ */

static void test_bf16(void **state)
{
    (void)state;
    f3_block blk[F3_BLOCKNET_MAX_BLOCKS];
    const size_t nb = vit(blk, 1);
    data(IMG * IMG);
    const f3_numerics nm = all(fmt("bf16", F3_ROUND_NEAREST_EVEN));
    f3_blocktrainer *tr = trained(blk, nb, config(F3_ALG_F3, F3_OPT_ADAM, 3e-3), &nm, 1, 1);
    f3_blocknet *net = f3_blocktrainer_net(tr);
    size_t values = 0, moved = 0;
    for (size_t k = 0; k < nb; k++) {
        const float *p = f3_blocknet_params(net, k), *g = f3_blocknet_grads(net, k);
        for (size_t i = 0; i < f3_block_params(&blk[k]); i++, values++) {
            if (bits(p[i]) & 0xFFFFu)
                fail_msg("block %zu, parameter %zu: %.9g is not a bf16 value", k, i, (double)p[i]);
            if (bits(g[i]) & 0xFFFFu)
                fail_msg("block %zu, gradient %zu: %.9g is not a bf16 value", k, i, (double)g[i]);
        }
        /* the block's output of the last step, what the link carries */
        const float *y = f3_blocknet_block_output(net, k);
        for (size_t i = 0; i < BATCH * f3_block_out_size(&blk[k]); i++)
            if (bits(y[i]) & 0xFFFFu) fail_msg("block %zu, output %zu: %.9g is not a bf16 value", k, i, (double)y[i]);
    }
    /* and it trained: the first linear's weights moved from their initial (bf16) values */
    const f3_blocktrain_config bc = config(F3_ALG_F3, F3_OPT_ADAM, 3e-3);
    f3_blocktrainer *fresh = f3_blocktrainer_new(blk, nb, &bc, BATCH, NTRAIN, 11);
    assert_int_equal(f3_blocktrainer_set_numerics(fresh, &nm, 1), F3_OK);
    const float *p0 = f3_blocknet_params(f3_blocktrainer_net(fresh), 0), *p1 = f3_blocknet_params(net, 0);
    for (size_t i = 0; i < f3_block_params(&blk[0]); i++) moved += p0[i] != p1[i];
    assert_true(moved > f3_block_params(&blk[0]) / 2);
    assert_true(values > 1000);
    f3_blocktrainer_free(fresh);
    f3_blocktrainer_free(tr);
}

static void test_fixed_weights_saturate(void **state)
{
    (void)state;
    f3_block blk[F3_BLOCKNET_MAX_BLOCKS];
    const size_t nb = vit(blk, 1);
    data(IMG * IMG);
    f3_numerics nm = all(fmt("fp32", F3_ROUND_NEAREST_EVEN));
    nm.fmt[F3_T_WEIGHTS] = fmt("q2.6", F3_ROUND_NEAREST_EVEN);
    const double lo = -2.0, hi = 2.0 - 1.0 / 64;
    for (int huge = 0; huge < 2; huge++) {
        /* SGD at lr 0.05 stays in range; at lr 1000 steps leave it */
        f3_blocktrainer *tr = trained(blk, nb, config(F3_ALG_BP, F3_OPT_SGD, huge ? 1000.0 : 0.05), &nm, 1, 1);
        f3_blocknet *net = f3_blocktrainer_net(tr);
        size_t at_ends = 0;
        for (size_t k = 0; k < nb; k++) {
            const float *p = f3_blocknet_params(net, k);
            for (size_t i = 0; i < f3_block_params(&blk[k]); i++) {
                const double v = p[i], s = v * 64.0;
                if (s != floor(s) || v < lo || v > hi)
                    fail_msg("block %zu, parameter %zu: %.9g is not a q2.6 value", k, i, v);
                at_ends += v == lo || v == hi;
            }
        }
        const uint64_t *sat = f3_blocktrainer_saturations(tr);
        print_message("q2.6 weights, lr %s: %llu saturations, %zu parameters at the ends of the range\n",
                      huge ? "1000" : "0.05", (unsigned long long)sat[F3_T_WEIGHTS], at_ends);
        if (huge) {
            assert_true(sat[F3_T_WEIGHTS] > 100);
            assert_true(at_ends > 100);
        } else {
            assert_int_equal(sat[F3_T_WEIGHTS], 0); /* the initial weights are within ±1/√fan-in */
        }
        for (int t = 0; t < F3_T_COUNT; t++)
            if (t != F3_T_WEIGHTS) assert_int_equal(sat[t], 0);
        f3_blocktrainer_free(tr);
    }
    /* q1.7 feedback: B's 1 saturates to 127/128 at once, every one counted */
    nm = all(fmt("fp32", F3_ROUND_NEAREST_EVEN));
    nm.fmt[F3_T_FEEDBACK] = fmt("q1.7", F3_ROUND_NEAREST_EVEN);
    const f3_blocktrain_config bc = config(F3_ALG_F3, F3_OPT_ADAM, 3e-3);
    f3_blocktrainer *tr = f3_blocktrainer_new(blk, nb, &bc, BATCH, NTRAIN, 11);
    size_t ones = 0, entries = 0;
    for (size_t k = 0; k + 1 < nb; k++) {
        const float *B = f3_blocktrainer_feedback(tr, k);
        for (size_t i = 0; i < C * f3_block_out_size(&blk[k]); i++, entries++) ones += B[i] == 1.0f;
    }
    assert_int_equal(f3_blocktrainer_set_numerics(tr, &nm, 1), F3_OK);
    assert_int_equal(f3_blocktrainer_saturations(tr)[F3_T_FEEDBACK], ones);
    assert_true(ones > 0 && ones < entries);
    f3_blocktrainer_free(tr);
}

/* ---- (c) stochastic rounding --------------------------------------------------------- */

static void test_stochastic(void **state)
{
    (void)state;
    f3_block blk[F3_BLOCKNET_MAX_BLOCKS];
    const size_t nb = vit(blk, 1);
    data(IMG * IMG);
    f3_numerics nm = all(fmt("bf16", F3_ROUND_STOCHASTIC));
    nm.fmt[F3_T_WEIGHTS] = fmt("q2.10", F3_ROUND_STOCHASTIC);
    nm.fmt[F3_T_ERROR_STORE] = fmt("q1.7", F3_ROUND_STOCHASTIC);
    const f3_blocktrain_config bc = config(F3_ALG_F3, F3_OPT_ADAM, 3e-3);
    f3_blocktrainer *a = trained(blk, nb, bc, &nm, 21, EPOCHS), *b = trained(blk, nb, bc, &nm, 21, EPOCHS),
                    *c = trained(blk, nb, bc, &nm, 22, EPOCHS);
    assert_true(same_params(a, b));
    assert_false(same_params(a, c));
    /* against round-to-nearest: another result too */
    f3_numerics ne = nm;
    for (int t = 0; t < F3_T_COUNT; t++) ne.fmt[t].rounding = F3_ROUND_NEAREST_EVEN;
    f3_blocktrainer *d = trained(blk, nb, bc, &ne, 21, EPOCHS);
    assert_false(same_params(a, d));
    /* every weight on the q2.10 grid whatever the rounding */
    f3_blocknet *net = f3_blocktrainer_net(c);
    for (size_t k = 0; k < nb; k++) {
        const float *p = f3_blocknet_params(net, k);
        for (size_t i = 0; i < f3_block_params(&blk[k]); i++) assert_true(p[i] * 1024.0f == floorf(p[i] * 1024.0f));
    }
    f3_blocktrainer_free(a), f3_blocktrainer_free(b), f3_blocktrainer_free(c), f3_blocktrainer_free(d);
}

/* ---- (d) what is refused ----------------------------------------------------------------- */

static void refused(const f3_block *blk, size_t nb, const f3_numerics *nm, f3_optimizer opt, f3_tensor want,
                    const char *msg)
{
    f3_tensor which = F3_T_COUNT;
    assert_int_equal(f3_blocktrain_check_numerics(blk, nb, opt, nm, &which), F3_EINVAL);
    assert_int_equal(which, want);
    if (!strstr(f3_last_error(), msg)) fail_msg("'%s' is not in '%s'", msg, f3_last_error());
    const f3_blocktrain_config bc = config(F3_ALG_F3, opt, 1e-3);
    f3_blocktrainer *tr = f3_blocktrainer_new(blk, nb, &bc, BATCH, NTRAIN, 1);
    assert_non_null(tr);
    assert_int_equal(f3_blocktrainer_set_numerics(tr, nm, 1), F3_EINVAL);
    if (!strstr(f3_last_error(), msg)) fail_msg("'%s' is not in '%s'", msg, f3_last_error());
    f3_blocktrainer_free(tr);
}

static void test_refusals(void **state)
{
    (void)state;
    f3_block blk[F3_BLOCKNET_MAX_BLOCKS];
    f3_numerics nm = all(fmt("fp32", F3_ROUND_NEAREST_EVEN));
    nm.fmt[F3_T_ACTIVATIONS] = fmt("q4.12", F3_ROUND_NEAREST_EVEN);
    size_t nb = vit(blk, 1);
    refused(blk, nb, &nm, F3_OPT_ADAM, F3_T_ACTIVATIONS,
            "the activations format q4.12 is fixed point: the attention's softmax and the layer normalisation have no "
            "fixed-point implementation in the block trainer; use bf16, fp16 or fp32 for activations");
    nb = vit(blk, 0); /* no layer norms */
    refused(blk, nb, &nm, F3_OPT_ADAM, F3_T_ACTIVATIONS,
            "the activations format q4.12 is fixed point: the attention's softmax has no fixed-point implementation");
    /* a layer norm alone */
    f3_block ln[2];
    memset(ln, 0, sizeof ln);
    ln[0].op[0] = (f3_bop){.kind = F3_BOP_LINEAR, .tokens = 1, .d_in = N0, .d_out = 8, .bias = 1};
    ln[0].op[1] = (f3_bop){.kind = F3_BOP_LAYERNORM, .tokens = 1, .d_in = 8, .d_out = 8};
    ln[0].n_ops = 2;
    ln[1].op[0] = (f3_bop){.kind = F3_BOP_LINEAR, .tokens = 1, .d_in = 8, .d_out = C, .bias = 1};
    ln[1].n_ops = 1;
    refused(ln, 2, &nm, F3_OPT_SGD, F3_T_ACTIVATIONS,
            "the activations format q4.12 is fixed point: the layer normalisation has no fixed-point implementation");
    /* Adam's state in fixed point (as the MLP trainer) */
    nm = all(fmt("fp32", F3_ROUND_NEAREST_EVEN));
    nm.fmt[F3_T_OPTIMIZER] = fmt("q8.8", F3_ROUND_NEAREST_EVEN);
    nb = vit(blk, 1);
    refused(blk, nb, &nm, F3_OPT_ADAM, F3_T_OPTIMIZER, "fixed-point optimizer state needs the sgd optimizer");
    /* a fixed-point format out of range */
    nm = all(fmt("fp32", F3_ROUND_NEAREST_EVEN));
    nm.fmt[F3_T_GRADIENTS] = (f3_format){F3_FMT_FIXED, 0, 8, F3_ROUND_NEAREST_EVEN};
    refused(blk, nb, &nm, F3_OPT_SGD, F3_T_GRADIENTS, "numerics.gradients: a fixed-point format is 4 to 32 bits");
    /* bf16 and fp16 in every class, and fixed point in every class but
     * the activations (and Adam's state): accepted with attention and layer norms */
    const char *ok[] = {"bf16", "fp16"};
    for (int i = 0; i < 2; i++) {
        nm = all(fmt(ok[i], F3_ROUND_NEAREST_EVEN));
        assert_int_equal(f3_blocktrain_check_numerics(blk, nb, F3_OPT_ADAM, &nm, NULL), F3_OK);
    }
    nm = all(fmt("q4.12", F3_ROUND_NEAREST_EVEN));
    nm.fmt[F3_T_ACTIVATIONS] = fmt("bf16", F3_ROUND_NEAREST_EVEN);
    nm.fmt[F3_T_OPTIMIZER] = fmt("bf16", F3_ROUND_NEAREST_EVEN);
    assert_int_equal(f3_blocktrain_check_numerics(blk, nb, F3_OPT_ADAM, &nm, NULL), F3_OK);
    /* once, before the first step */
    data(IMG * IMG);
    nm = all(fmt("bf16", F3_ROUND_NEAREST_EVEN));
    f3_blocktrainer *tr = trained(blk, nb, config(F3_ALG_BP, F3_OPT_ADAM, 1e-3), &nm, 1, 0);
    assert_int_equal(f3_blocktrainer_set_numerics(tr, &nm, 1), F3_EINVAL);
    f3_blocktrainer_free(tr);
    tr = trained(blk, nb, config(F3_ALG_BP, F3_OPT_ADAM, 1e-3), NULL, 1, 1);
    assert_int_equal(f3_blocktrainer_set_numerics(tr, &nm, 1), F3_EINVAL);
    f3_blocktrainer_free(tr);
}

/* Fixed-point activations in a network of dense blocks: accepted, and every
 * block's output is on the q4.12 grid. */
static void test_fixed_activations_dense(void **state)
{
    (void)state;
    f3_block blk[3];
    const size_t nb = dense(blk);
    data(N0);
    f3_numerics nm = all(fmt("q4.12", F3_ROUND_NEAREST_EVEN));
    nm.fmt[F3_T_OPTIMIZER] = fmt("fp32", F3_ROUND_NEAREST_EVEN);
    nm.fmt[F3_T_ERROR_STORE] = fmt("q1.7", F3_ROUND_STOCHASTIC);
    for (int r = 0; r < 3; r++) {
        const f3_algorithm alg = r == 0 ? F3_ALG_BP : r == 1 ? F3_ALG_F3 : F3_ALG_DFA;
        f3_blocktrainer *tr = trained(blk, nb, config(alg, F3_OPT_ADAM, 3e-3), &nm, 1, EPOCHS);
        f3_blocknet *net = f3_blocktrainer_net(tr);
        for (size_t k = 0; k < nb; k++) {
            const float *y = f3_blocknet_block_output(net, k);
            for (size_t i = 0; i < BATCH * f3_block_out_size(&blk[k]); i++)
                if (y[i] * 4096.0f != floorf(y[i] * 4096.0f))
                    fail_msg("block %zu, output %zu: %.9g is not a q4.12 value", k, i, (double)y[i]);
        }
        /* an evaluation outside the steps rounds too (to nearest even) */
        const float *y = f3_blocknet_forward(net, X, BATCH);
        for (size_t i = 0; i < BATCH * C; i++) assert_true(y[i] * 4096.0f == floorf(y[i] * 4096.0f));
        f3_blocktrainer_free(tr);
    }
}

/* ---- (e) dense blocks against the MLP trainer ----------------------------------------------- */

/* The MLP trainer and dense blocks from its weights, both in nm, fed the
 * same batches; the largest difference of a weight in units of the
 * weights' format's step at it (bf16: 2^(e − 7)), and how many differ. */
static void against_mlp(f3_algorithm alg, f3_error_info ei, f3_optimizer opt, const f3_numerics *nm, const char *name)
{
    f3_config cfg = f3_config_default();
    cfg.n_layers = 3;
    cfg.widths[0] = N0, cfg.widths[1] = N1, cfg.widths[2] = N2, cfg.widths[3] = C;
    cfg.hidden_act = F3_ACT_TANH;
    cfg.output_act = F3_ACT_IDENTITY;
    cfg.loss = F3_LOSS_SOFTMAX_CE;
    cfg.algorithm = alg;
    cfg.error_info = ei;
    cfg.optimizer = opt;
    cfg.lr = opt == F3_OPT_ADAM ? 3e-3 : 0.05;
    cfg.batch_size = BATCH;
    cfg.seed = 5;
    cfg.numerics = *nm;
    f3_trainer *mlp = NULL;
    assert_int_equal(f3_trainer_alloc(&cfg, F3_TASK_CLASSIFICATION, NTRAIN, &mlp), F3_OK);
    f3_block blk[3];
    dense(blk);
    const f3_blocktrain_config bc = {alg, ei, opt, cfg.lr, cfg.beta1, cfg.beta2, cfg.eps, C};
    f3_blocktrainer *bt = f3_blocktrainer_new(blk, 3, &bc, BATCH, NTRAIN, 99);
    assert_non_null(bt);
    assert_int_equal(f3_blocktrainer_set_numerics(bt, nm, 5), F3_OK);
    f3_blocknet *net = f3_blocktrainer_net(bt);
    for (size_t k = 0; k < 3; k++) {
        const f3_layer *L = &mlp->layers[k];
        float *p = f3_blocknet_params(net, k);
        memcpy(p, L->W, L->n_in * L->n_out * sizeof(float));
        memcpy(p + L->n_in * L->n_out, L->b, L->n_out * sizeof(float));
        if (k < 2 && L->B) memcpy(f3_blocktrainer_feedback(bt, k), L->B, C * L->n_out * sizeof(float));
    }
    data(N0);
    /* e₀: the targets in the store's format, as f3_error_store_init rounds them */
    if (alg == F3_ALG_F3) {
        memcpy(mlp->error_store, T, sizeof T);
        f3_format es = nm->fmt[F3_T_ERROR_STORE];
        es.rounding = F3_ROUND_NEAREST_EVEN;
        f3_quantize(&es, mlp->error_store, NTRAIN * C, NULL);
        memcpy(f3_blocktrainer_store(bt), T, sizeof T);
        f3_blocktrainer_store_round(bt);
    }
    f3_stats sa = {0}, sb = {0};
    size_t idx[BATCH];
    for (size_t e = 0; e < 3; e++)
        for (size_t s0 = 0; s0 < NTRAIN; s0 += BATCH) {
            for (size_t j = 0; j < BATCH; j++) idx[j] = s0 + j;
            assert_int_equal(f3_train_step(mlp, X + s0 * N0, T + s0 * C, LAB + s0, idx, BATCH, &sa), F3_OK);
            assert_int_equal(f3_blocktrainer_step(bt, X + s0 * N0, T + s0 * C, idx, BATCH, &sb), F3_OK);
        }
    double worst = 0.0;
    size_t differ = 0, total = 0;
    for (size_t k = 0; k < 3; k++) {
        const f3_layer *L = &mlp->layers[k];
        const float *p = f3_blocknet_params(net, k);
        const size_t nw = L->n_in * L->n_out;
        for (size_t i = 0; i < nw + L->n_out; i++, total++) {
            const float a = i < nw ? L->W[i] : L->b[i - nw];
            int ex = 0;
            frexp(fmax(fabs((double)a), 1e-30), &ex);
            const double ulp = ldexp(1.0, ex - 8), d = fabs((double)a - p[i]) / ulp;
            differ += a != p[i];
            worst = d > worst ? d : worst;
        }
    }
    print_message("%s: %zu of %zu parameters differ, by at most %.3g bf16 steps\n", name, differ, total, worst);
    /* Equal bit for bit on the development machine.  The two trainers'
     * fp32 sums may differ in their last bits (test_blocktrain.c: the
     * MLP's fused bias and activation), which a rounding can turn into one
     * step now and then: allowed, twice.  A tensor rounded at another
     * place (the activations, or BP's error in fp16: 5 to 17 parameters
     * off by up to 6 steps) fails. */
    assert_true(worst <= 2.0);
    assert_true(differ <= 2);
    assert_true(fabs(sa.loss_sum - sb.loss_sum) < 1e-2 * (1 + fabs(sa.loss_sum)));
    /* the same values saturated in both */
    for (int t = 0; t < F3_T_COUNT; t++)
        if (t != F3_T_ACTIVATIONS) assert_int_equal(mlp->saturations[t], f3_blocktrainer_saturations(bt)[t]);
    f3_blocktrainer_free(bt);
    f3_trainer_free(mlp);
}

static void test_dense_against_mlp(void **state)
{
    (void)state;
    /* every class but the activations (the block trainer also rounds each
     * linear's output z, which the MLP trainer's fused layer does not) */
    f3_numerics nm = all(fmt("bf16", F3_ROUND_NEAREST_EVEN));
    nm.fmt[F3_T_ACTIVATIONS] = fmt("fp32", F3_ROUND_NEAREST_EVEN);
    nm.fmt[F3_T_ERROR] = fmt("fp16", F3_ROUND_NEAREST_EVEN);
    nm.fmt[F3_T_ERROR_STORE] = fmt("q1.7", F3_ROUND_NEAREST_EVEN);
    nm.fmt[F3_T_FEEDBACK] = fmt("q2.6", F3_ROUND_NEAREST_EVEN);
    against_mlp(F3_ALG_F3, (f3_error_info){F3_EI_ERROR, 0, 0}, F3_OPT_ADAM, &nm, "f3 adam");
    against_mlp(F3_ALG_F3, (f3_error_info){F3_EI_ERROR, 1, 0}, F3_OPT_SGD, &nm, "f3 one-hot sgd");
    against_mlp(F3_ALG_DRTP, (f3_error_info){0}, F3_OPT_ADAM, &nm, "drtp adam");
    against_mlp(F3_ALG_DFA, (f3_error_info){0}, F3_OPT_SGD, &nm, "dfa sgd");
    against_mlp(F3_ALG_LLO, (f3_error_info){0}, F3_OPT_SGD, &nm, "llo sgd");
    /* BP with the error in fp32 (the block trainer rounds the δ a block
     * sends down and again after the activation's f′; the MLP trainer once) */
    nm.fmt[F3_T_ERROR] = fmt("fp32", F3_ROUND_NEAREST_EVEN);
    against_mlp(F3_ALG_BP, (f3_error_info){0}, F3_OPT_ADAM, &nm, "bp adam");
    against_mlp(F3_ALG_BP, (f3_error_info){0}, F3_OPT_SGD, &nm, "bp sgd");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fp32_is_bit_identical),
        cmocka_unit_test(test_attention_halves),
        cmocka_unit_test(test_bf16),
        cmocka_unit_test(test_fixed_weights_saturate),
        cmocka_unit_test(test_stochastic),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_fixed_activations_dense),
        cmocka_unit_test(test_dense_against_mlp),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
