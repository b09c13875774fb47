/* test_blocks.c — networks of blocks (f3/blocks.h) against finite
 * differences: BP through every block of a small vision transformer in
 * the authors' layout (patches, an embedding, a transformer block with its
 * residuals, an MLP head), a block-local backward pass from an injected δ
 * (what F³, DFA and DRTP do), the PyTorch initialisation's bounds, and the
 * errors of impossible blocks. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "f3/blocks.h"

static void fill(float *x, size_t n, uint32_t seed, float scale)
{
    uint32_t s = seed * 2654435761u + 12345u;
    for (size_t i = 0; i < n; i++) {
        s = s * 1664525u + 1013904223u;
        x[i] = scale * (((float)(s >> 8) / 16777216.0f) * 2.0f - 1.0f);
    }
}

static double dot(const float *a, const float *b, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++) s += (double)a[i] * b[i];
    return s;
}

/* 1 × 4 × 4 images in patches of 2 (4 tokens of 4) → an 8-wide embedding
 * seen as 4 tokens of 4 → a transformer block (2 heads of 3, MLP of 5,
 * tanh) → block 1: linear 16 → 16 and tanh → block 2: linear 16 → 3. */
enum { B = 3, IMG = 16, EMB = 16, TOK = 4, TD = 4, HEADS = 2, DH = 3, MLP = 5, OUT = 3 };

static void vit_blocks(f3_block blk[3])
{
    memset(blk, 0, 3 * sizeof *blk);
    const f3_bop b0[] = {
        {.kind = F3_BOP_PATCHIFY, .tokens = 4, .d_in = 4, .d_out = 4, .channels = 1, .height = 4, .width = 4, .patch = 2},
        {.kind = F3_BOP_LINEAR, .tokens = 1, .d_in = IMG, .d_out = EMB, .bias = 1},
        {.kind = F3_BOP_RESIDUAL_SAVE, .tokens = TOK, .d_in = TD, .d_out = TD},
        {.kind = F3_BOP_LAYERNORM, .tokens = TOK, .d_in = TD, .d_out = TD},
        {.kind = F3_BOP_LINEAR, .tokens = TOK, .d_in = TD, .d_out = 3 * HEADS * DH, .bias = 0},
        {.kind = F3_BOP_ATTENTION, .tokens = TOK, .d_in = 3 * HEADS * DH, .d_out = HEADS * DH, .heads = HEADS, .dim_head = DH},
        {.kind = F3_BOP_LINEAR, .tokens = TOK, .d_in = HEADS * DH, .d_out = TD, .bias = 1},
        {.kind = F3_BOP_RESIDUAL_ADD, .tokens = TOK, .d_in = TD, .d_out = TD},
        {.kind = F3_BOP_RESIDUAL_SAVE, .tokens = TOK, .d_in = TD, .d_out = TD},
        {.kind = F3_BOP_LAYERNORM, .tokens = TOK, .d_in = TD, .d_out = TD},
        {.kind = F3_BOP_LINEAR, .tokens = TOK, .d_in = TD, .d_out = MLP, .bias = 1},
        {.kind = F3_BOP_ACT, .tokens = TOK, .d_in = MLP, .d_out = MLP, .act = F3_OP_TANH},
        {.kind = F3_BOP_LINEAR, .tokens = TOK, .d_in = MLP, .d_out = TD, .bias = 1},
        {.kind = F3_BOP_RESIDUAL_ADD, .tokens = TOK, .d_in = TD, .d_out = TD},
    };
    blk[0].n_ops = sizeof b0 / sizeof *b0;
    memcpy(blk[0].op, b0, sizeof b0);
    blk[1].n_ops = 2;
    blk[1].op[0] = (f3_bop){.kind = F3_BOP_LINEAR, .tokens = 1, .d_in = EMB, .d_out = EMB, .bias = 1};
    blk[1].op[1] = (f3_bop){.kind = F3_BOP_ACT, .tokens = 1, .d_in = EMB, .d_out = EMB, .act = F3_OP_TANH};
    blk[2].n_ops = 1;
    blk[2].op[0] = (f3_bop){.kind = F3_BOP_LINEAR, .tokens = 1, .d_in = EMB, .d_out = OUT, .bias = 1};
}

typedef struct {
    f3_blocknet *net;
    const float *X, *R;
    size_t k; /* the block whose output the loss reads (local), or the last */
} ctx;

static double loss(const ctx *c)
{
    f3_blocknet_forward(c->net, c->X, B);
    const float *y = f3_blocknet_block_output(c->net, c->k);
    return dot(y, c->R, B * (c->k + 1 == f3_blocknet_blocks(c->net) ? OUT : EMB));
}

/* worst |analytic − numeric| / (atol + |numeric|) over n entries of x */
static double fd(const char *what, float *x, const float *grad, size_t n, const ctx *c)
{
    const float h = 1e-2f;
    double worst = 0;
    for (size_t i = 0; i < n; i++) {
        const float x0 = x[i];
        x[i] = x0 + h;
        const double lp = loss(c);
        x[i] = x0 - h;
        const double lm = loss(c);
        x[i] = x0;
        const double num = (lp - lm) / (2.0 * h), err = fabs(num - grad[i]) / (1e-2 + fabs(num));
        if (err > worst) worst = err;
        if (err > 0.03) print_message("%s[%zu]: analytic %.6g, numeric %.6g\n", what, i, grad[i], num);
    }
    return worst;
}

static void test_bp_through_blocks(void **state)
{
    (void)state;
    f3_block blk[3];
    vit_blocks(blk);
    f3_blocknet *net = f3_blocknet_new(blk, 3, B, 7);
    assert_non_null(net);
    float X[B * IMG], R[B * OUT], dX[B * IMG];
    fill(X, B * IMG, 1, 1.0f);
    fill(R, B * OUT, 2, 1.0f);
    /* spread the layer norms' γ and β away from 1 and 0 */
    float *p0 = f3_blocknet_params(net, 0);
    size_t off = 0;
    for (size_t i = 0; i < blk[0].n_ops; i++) {
        if (blk[0].op[i].kind == F3_BOP_LAYERNORM) fill(p0 + off, 2 * TD, 3 + (uint32_t)i, 0.5f), p0[off] += 1, p0[off + 1] += 1;
        off += f3_bop_params(&blk[0].op[i]);
    }
    ctx c = {net, X, R, 2};
    loss(&c);
    f3_blocknet_zero_grads(net);
    f3_blocknet_backward_all(net, R, dX);
    assert_true(fd("dX", X, dX, B * IMG, &c) < 0.03);
    for (size_t k = 0; k < 3; k++) {
        char what[16];
        snprintf(what, sizeof what, "block %zu", k + 1);
        assert_true(fd(what, f3_blocknet_params(net, k), f3_blocknet_grads(net, k), f3_block_params(&blk[k]), &c) < 0.03);
    }
    f3_blocknet_free(net);
}

static void test_local_backward(void **state)
{
    (void)state;
    f3_block blk[3];
    vit_blocks(blk);
    f3_blocknet *net = f3_blocknet_new(blk, 3, B, 11);
    float X[B * IMG], D[B * EMB];
    fill(X, B * IMG, 4, 1.0f);
    fill(D, B * EMB, 5, 1.0f);
    /* δ injected at block 1's output (F³: Bᵀe): the gradient of Σ δ ⊙ out_1
     * w.r.t. block 1's parameters alone; blocks 0 and 2 untouched */
    ctx c = {net, X, D, 1};
    loss(&c);
    f3_blocknet_zero_grads(net);
    f3_blocknet_backward_block(net, 1, D, NULL);
    assert_true(fd("local block 2", f3_blocknet_params(net, 1), f3_blocknet_grads(net, 1), f3_block_params(&blk[1]), &c) <
                0.03);
    for (size_t k = 0; k < 3; k += 2) {
        const float *g = f3_blocknet_grads(net, k);
        for (size_t i = 0; i < f3_block_params(&blk[k]); i++) assert_true(g[i] == 0.0f);
    }
    /* and block 0 from a δ at its own output, its first op (patchify) without dIn */
    c.k = 0;
    loss(&c);
    f3_blocknet_backward_block(net, 0, D, NULL);
    assert_true(fd("local block 1", f3_blocknet_params(net, 0), f3_blocknet_grads(net, 0), f3_block_params(&blk[0]), &c) <
                0.03);
    f3_blocknet_free(net);
}

static void test_init_and_sizes(void **state)
{
    (void)state;
    f3_block blk[3];
    vit_blocks(blk);
    assert_int_equal(f3_block_in_size(&blk[0]), IMG);
    assert_int_equal(f3_block_out_size(&blk[0]), EMB);
    /* parameters: embedding 16·16 + 16; two layer norms 2·4 each; qkv 4·18; out 6·4 + 4; MLP 4·5 + 5 + 5·4 + 4 */
    assert_int_equal(f3_block_params(&blk[0]), 272 + 8 + 72 + 28 + 8 + 25 + 24);
    f3_blocknet *net = f3_blocknet_new(blk, 3, B, 3);
    /* linear: U(−1/√d_in, 1/√d_in); layer norm: γ = 1, β = 0 */
    const float *p = f3_blocknet_params(net, 0);
    for (size_t i = 0; i < 272; i++) assert_true(fabsf(p[i]) <= 0.25f);
    for (size_t i = 0; i < 4; i++) assert_true(p[272 + i] == 1.0f && p[276 + i] == 0.0f);
    const float *q = f3_blocknet_params(net, 2);
    float lo = 1, hi = -1;
    for (size_t i = 0; i < 51; i++) lo = fminf(lo, q[i]), hi = fmaxf(hi, q[i]);
    assert_true(lo >= -0.25f && hi <= 0.25f && hi - lo > 0.3f);
    f3_blocknet_free(net);
}

static void test_errors(void **state)
{
    (void)state;
    f3_block blk[3];
    vit_blocks(blk);
    /* an op whose input does not match its predecessor's output */
    f3_block bad = blk[0];
    bad.op[1].d_in = 15;
    assert_int_equal(f3_block_check(&bad), F3_EINVAL);
    /* a residual add without its save */
    bad = blk[0];
    bad.op[2].kind = F3_BOP_ACT;
    assert_int_equal(f3_block_check(&bad), F3_EINVAL);
    /* attention of the wrong width, patches that do not tile */
    bad = blk[0];
    bad.op[5].heads = 3;
    assert_int_equal(f3_block_check(&bad), F3_EINVAL);
    bad = blk[0];
    bad.op[0].patch = 3;
    assert_int_equal(f3_block_check(&bad), F3_EINVAL);
    /* blocks that do not chain */
    f3_block two[2] = {blk[1], blk[1]};
    two[1].op[0].d_in = 7;
    assert_null(f3_blocknet_new(two, 2, 1, 1));
    assert_null(f3_blocknet_new(blk, 0, 1, 1));
    assert_null(f3_blocknet_new(blk, 3, 0, 1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bp_through_blocks),
        cmocka_unit_test(test_local_backward),
        cmocka_unit_test(test_init_and_sizes),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
