/* test_blocktrain.c — the block trainer (f3/blocktrain.h) against the MLP
 * trainer (f3/train.h), its independent reference: a network of single
 * dense blocks (linear + tanh, then linear) started from the MLP trainer's
 * weights, biases and feedback matrices and fed the same batches must
 * train to the same weights under every rule — BP through every block,
 * F³ (delayed error with softmax, as the authors' ViT recipe; one-hot;
 * loss), DFA (the current error), DRTP (the target), LLO — with Adam and
 * SGD and softmax cross-entropy; and the reported loss and accuracy must
 * agree. */
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
#include "f3/dataset.h"

enum { N0 = 6, N1 = 10, N2 = 8, C = 3, NTRAIN = 24, BATCH = 4, EPOCHS = 3 };

static void fill(float *x, size_t n, uint32_t seed, float scale)
{
    uint32_t s = seed * 2654435761u + 12345u;
    for (size_t i = 0; i < n; i++) {
        s = s * 1664525u + 1013904223u;
        x[i] = scale * (((float)(s >> 8) / 16777216.0f) * 2.0f - 1.0f);
    }
}

static void dense_blocks(f3_block blk[3])
{
    memset(blk, 0, 3 * sizeof *blk);
    const size_t w[4] = {N0, N1, N2, C};
    for (size_t k = 0; k < 3; k++) {
        blk[k].op[0] = (f3_bop){.kind = F3_BOP_LINEAR, .tokens = 1, .d_in = w[k], .d_out = w[k + 1], .bias = 1};
        blk[k].n_ops = 1;
        if (k < 2) {
            blk[k].op[1] = (f3_bop){.kind = F3_BOP_ACT, .tokens = 1, .d_in = w[k + 1], .d_out = w[k + 1], .act = F3_OP_TANH};
            blk[k].n_ops = 2;
        }
    }
}

static void run_rule(f3_algorithm alg, f3_error_info ei, f3_optimizer opt, const char *name)
{
    f3_config cfg = f3_config_default();
    cfg.n_layers = 3;
    cfg.widths[0] = N0, cfg.widths[1] = N1, cfg.widths[2] = N2, cfg.widths[3] = C;
    cfg.hidden_act = F3_ACT_TANH;
    cfg.output_act = F3_ACT_IDENTITY;
    cfg.loss = F3_LOSS_SOFTMAX_CE;
    cfg.bias = 1;
    cfg.algorithm = alg;
    cfg.error_info = ei;
    cfg.feedback_init = F3_FB_TRINOMIAL;
    cfg.optimizer = opt;
    cfg.lr = opt == F3_OPT_ADAM ? 3e-3 : 0.05;
    cfg.batch_size = BATCH;
    cfg.seed = 5;
    f3_trainer *mlp = NULL;
    assert_int_equal(f3_trainer_alloc(&cfg, F3_TASK_CLASSIFICATION, NTRAIN, &mlp), F3_OK);

    f3_block blk[3];
    dense_blocks(blk);
    const f3_blocktrain_config bc = {alg, ei, opt, cfg.lr, cfg.beta1, cfg.beta2, cfg.eps, C};
    f3_blocktrainer *bt = f3_blocktrainer_new(blk, 3, &bc, BATCH, NTRAIN, 99);
    assert_non_null(bt);
    f3_blocknet *net = f3_blocktrainer_net(bt);
    /* the MLP trainer's W, b and B into the blocks */
    for (size_t k = 0; k < 3; k++) {
        const f3_layer *L = &mlp->layers[k];
        float *p = f3_blocknet_params(net, k);
        memcpy(p, L->W, L->n_in * L->n_out * sizeof(float));
        memcpy(p + L->n_in * L->n_out, L->b, L->n_out * sizeof(float));
        if (k < 2 && L->B) memcpy(f3_blocktrainer_feedback(bt, k), L->B, C * L->n_out * sizeof(float));
    }
    /* data: random inputs, one-hot targets; e₀ = the targets in both stores */
    static float X[NTRAIN * N0], T[NTRAIN * C];
    static int32_t lab[NTRAIN];
    fill(X, NTRAIN * N0, 7, 1.5f);
    memset(T, 0, sizeof T);
    for (size_t s = 0; s < NTRAIN; s++) lab[s] = (int32_t)((s * 7 + 3) % C), T[s * C + (size_t)lab[s]] = 1.0f;
    if (alg == F3_ALG_F3) {
        memcpy(mlp->error_store, T, sizeof T);
        memcpy(f3_blocktrainer_store(bt), T, sizeof T);
    }
    static float W0[N1 * N0];
    memcpy(W0, mlp->layers[0].W, sizeof W0);
    f3_stats sa = {0}, sb = {0};
    size_t idx[BATCH];
    for (size_t e = 0; e < EPOCHS; e++)
        for (size_t s0 = 0; s0 < NTRAIN; s0 += BATCH) {
            for (size_t j = 0; j < BATCH; j++) idx[j] = s0 + j;
            assert_int_equal(f3_train_step(mlp, X + s0 * N0, T + s0 * C, lab + s0, idx, BATCH, &sa), F3_OK);
            assert_int_equal(f3_blocktrainer_step(bt, X + s0 * N0, T + s0 * C, idx, BATCH, &sb), F3_OK);
        }
    double worst = 0.0;
    for (size_t k = 0; k < 3; k++) {
        const f3_layer *L = &mlp->layers[k];
        const float *p = f3_blocknet_params(net, k);
        const size_t nw = L->n_in * L->n_out;
        for (size_t i = 0; i < nw + L->n_out; i++) {
            const float a = i < nw ? L->W[i] : L->b[i - nw];
            const double d = fabs((double)a - p[i]) / (1e-3 + fabs((double)a));
            if (d > worst) worst = d;
        }
    }
    if (worst > 1e-4) print_message("%s: weights differ by %.3g (relative)\n", name, worst);
    assert_true(worst < 1e-4);
    assert_int_equal(sa.correct, sb.correct);
    /* and the first layer did train (LLO's does not) */
    double moved = 0;
    for (size_t i = 0; i < N1 * N0; i++) moved = fmax(moved, fabs((double)mlp->layers[0].W[i] - W0[i]));
    assert_true(alg == F3_ALG_LLO ? moved == 0.0 : moved > 1e-3);
    assert_true(fabs(sa.loss_sum - sb.loss_sum) < 1e-4 * (1 + fabs(sa.loss_sum)));
    f3_blocktrainer_free(bt);
    f3_trainer_free(mlp);
}

/* Adam and SGD for every rule but DFA; DFA with SGD only: its current
 * error t − softmax(y) sums to zero over the classes, so a column of B with
 * equal entries gives a gradient that is zero but for rounding, and Adam
 * turns that noise into full steps (m/√v) — noise that differs between two
 * correct implementations (the MLP's fused bias and activation, sums in
 * another order).  Under SGD such a gradient stays noise. */
static void test_bp(void **state)
{
    (void)state;
    run_rule(F3_ALG_BP, (f3_error_info){0}, F3_OPT_ADAM, "bp adam");
    run_rule(F3_ALG_BP, (f3_error_info){0}, F3_OPT_SGD, "bp sgd");
}
static void test_f3(void **state)
{
    (void)state;
    /* with softmax cross-entropy the store's error is t − softmax(y): the authors' delayed_error_softmax */
    run_rule(F3_ALG_F3, (f3_error_info){F3_EI_ERROR, 0, 0}, F3_OPT_ADAM, "f3 delayed_error (softmax) adam");
    run_rule(F3_ALG_F3, (f3_error_info){F3_EI_ERROR, 0, 0}, F3_OPT_SGD, "f3 delayed_error (softmax) sgd");
    run_rule(F3_ALG_F3, (f3_error_info){F3_EI_ERROR, 1, 0}, F3_OPT_ADAM, "f3 delayed_error_one_hot adam");
    run_rule(F3_ALG_F3, (f3_error_info){F3_EI_LOSS, 0, 0}, F3_OPT_ADAM, "f3 delayed_loss adam");
}
static void test_dfa(void **state) { (void)state; run_rule(F3_ALG_DFA, (f3_error_info){0}, F3_OPT_SGD, "dfa sgd"); }
static void test_drtp(void **state)
{
    (void)state;
    run_rule(F3_ALG_DRTP, (f3_error_info){0}, F3_OPT_ADAM, "drtp adam");
    run_rule(F3_ALG_DRTP, (f3_error_info){0}, F3_OPT_SGD, "drtp sgd");
}
static void test_llo(void **state)
{
    (void)state;
    run_rule(F3_ALG_LLO, (f3_error_info){0}, F3_OPT_ADAM, "llo adam");
    run_rule(F3_ALG_LLO, (f3_error_info){0}, F3_OPT_SGD, "llo sgd");
}

static void test_errors(void **state)
{
    (void)state;
    f3_block blk[3];
    dense_blocks(blk);
    const f3_blocktrain_config bc = {F3_ALG_F3, {F3_EI_ERROR, 0, 0}, F3_OPT_ADAM, 1e-3, 0.9, 0.999, 1e-8, C + 1};
    assert_null(f3_blocktrainer_new(blk, 3, &bc, BATCH, NTRAIN, 1)); /* classes ≠ the last block's outputs */
    const f3_blocktrain_config ok = {F3_ALG_F3, {F3_EI_ERROR, 0, 0}, F3_OPT_ADAM, 1e-3, 0.9, 0.999, 1e-8, C};
    assert_null(f3_blocktrainer_new(blk, 0, &ok, BATCH, NTRAIN, 1));
    f3_blocktrainer *bt = f3_blocktrainer_new(blk, 3, &ok, BATCH, NTRAIN, 1);
    float X[(BATCH + 1) * N0] = {0}, T[(BATCH + 1) * C] = {0};
    size_t idx[BATCH + 1] = {0};
    assert_int_equal(f3_blocktrainer_step(bt, X, T, idx, BATCH + 1, NULL), F3_EINVAL);
    assert_int_equal(f3_blocktrainer_step(bt, X, T, idx, 0, NULL), F3_EINVAL);
    /* F³: an index outside the store */
    size_t far[BATCH] = {0, 1, NTRAIN, 2};
    assert_int_equal(f3_blocktrainer_step(bt, X, T, far, BATCH, NULL), F3_ERANGE);
    /* the feedback matrices are over {−1, 0, 1}, every value drawn */
    int seen[3] = {0};
    const float *B = f3_blocktrainer_feedback(bt, 0);
    for (size_t i = 0; i < C * N1; i++) {
        assert_true(B[i] == -1.0f || B[i] == 0.0f || B[i] == 1.0f);
        seen[(int)B[i] + 1] = 1;
    }
    assert_true(seen[0] && seen[1] && seen[2]);
    f3_blocktrainer_free(bt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bp),   cmocka_unit_test(test_f3), cmocka_unit_test(test_dfa),
        cmocka_unit_test(test_drtp), cmocka_unit_test(test_llo),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
