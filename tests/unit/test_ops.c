/* test_ops.c — every block op's backward pass (f3/ops.h) against central
 * finite differences of its forward pass, alone and composed into the
 * authors' transformer block (x + Attention(LayerNorm(x)), then
 * x + MLP(LayerNorm(x)) with tanh); the attention against a plain-loop
 * reference; patchify against einops' index formula.
 *
 * Each check takes a scalar L = Σ R ⊙ Y with fixed random R, so that
 * ∂L/∂Y = R is fed to the backward pass, and compares each analytic
 * gradient entry with (L(θ + h) − L(θ − h)) / 2h, the forward pass in float
 * and L summed in double. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "f3/ops.h"

/* Deterministic values in (−scale, scale). */
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

/* A forward pass as a closure: L(ctx) = Σ R ⊙ Y. */
typedef double (*loss_fn)(void *ctx);

/* Compare grad (n entries of the parameter x) with central differences of
 * L through x; returns the worst |analytic − numeric| / (atol + |numeric|). */
static double fd_check(const char *what, float *x, const float *grad, size_t n, loss_fn L, void *ctx, float h,
                       double atol)
{
    double worst = 0.0;
    size_t at = 0;
    double wn = 0, wa = 0;
    for (size_t i = 0; i < n; i++) {
        const float x0 = x[i];
        x[i] = x0 + h;
        const double lp = L(ctx);
        x[i] = x0 - h;
        const double lm = L(ctx);
        x[i] = x0;
        const double num = (lp - lm) / (2.0 * (double)h);
        const double err = fabs(num - grad[i]) / (atol + fabs(num));
        if (err > worst) {
            worst = err;
            at = i;
            wn = num;
            wa = grad[i];
        }
    }
    if (worst > 0.02) print_message("%s: worst at %zu: analytic %.6g, numeric %.6g (%.3g)\n", what, at, wa, wn, worst);
    return worst;
}

/* ---- linear ----------------------------------------------------------------------- */

typedef struct {
    size_t r, ni, no;
    float *W, *bias, *X, *Y, *R;
} lin_ctx;

static double lin_loss(void *p)
{
    lin_ctx *c = p;
    f3_op_linear_forward(c->W, c->bias, c->X, c->Y, c->r, c->ni, c->no);
    return dot(c->Y, c->R, c->r * c->no);
}

static void test_linear(void **state)
{
    (void)state;
    for (int with_bias = 0; with_bias < 2; with_bias++) {
        lin_ctx c = {.r = 6, .ni = 9, .no = 5};
        float W[45], bias[5], X[54], Y[30], R[30], dX[54], dW[45] = {0}, db[5] = {0};
        fill(W, 45, 1, 0.5f);
        fill(bias, 5, 2, 0.5f);
        fill(X, 54, 3, 1.0f);
        fill(R, 30, 4, 1.0f);
        c.W = W, c.bias = with_bias ? bias : NULL, c.X = X, c.Y = Y, c.R = R;
        f3_op_linear_forward(W, c.bias, X, Y, c.r, c.ni, c.no);
        f3_op_linear_backward(W, X, R, dX, dW, with_bias ? db : NULL, c.r, c.ni, c.no);
        assert_true(fd_check("linear dX", X, dX, 54, lin_loss, &c, 1e-2f, 1e-2) < 0.01);
        assert_true(fd_check("linear dW", W, dW, 45, lin_loss, &c, 1e-2f, 1e-2) < 0.01);
        if (with_bias) assert_true(fd_check("linear db", bias, db, 5, lin_loss, &c, 1e-2f, 1e-2) < 0.01);
        /* the parameters' gradients accumulate (+=), the input's is written (=) */
        f3_op_linear_backward(W, X, R, dX, dW, with_bias ? db : NULL, c.r, c.ni, c.no);
        float dW1[45] = {0};
        f3_op_linear_backward(W, X, R, dX, dW1, NULL, c.r, c.ni, c.no);
        for (size_t i = 0; i < 45; i++) assert_float_equal(dW[i], 2.0f * dW1[i], 1e-4f * (1.0f + fabsf(dW[i])));
    }
}

/* ---- layer normalisation ---------------------------------------------------------------- */

typedef struct {
    size_t r, d;
    float *g, *beta, *X, *Y, *R, *mean, *rstd;
} ln_ctx;

static double ln_loss(void *p)
{
    ln_ctx *c = p;
    f3_op_layernorm_forward(c->g, c->beta, c->X, c->Y, c->mean, c->rstd, c->r, c->d, F3_LAYERNORM_EPS);
    return dot(c->Y, c->R, c->r * c->d);
}

static void test_layernorm(void **state)
{
    (void)state;
    enum { R = 5, D = 12 };
    float g[D], beta[D], X[R * D], Y[R * D], Rr[R * D], mean[R], rstd[R], dX[R * D], dg[D] = {0}, db[D] = {0};
    fill(g, D, 5, 1.0f);
    fill(beta, D, 6, 0.5f);
    fill(X, R * D, 7, 2.0f);
    fill(Rr, R * D, 8, 1.0f);
    ln_ctx c = {R, D, g, beta, X, Y, Rr, mean, rstd};
    ln_loss(&c);
    /* each row normalised: with γ = 1, β = 0 the mean is 0 and the variance 1 − eps-ish */
    float one[D], zero[D] = {0}, Z[R * D];
    for (size_t i = 0; i < D; i++) one[i] = 1.0f;
    f3_op_layernorm_forward(one, zero, X, Z, mean, rstd, R, D, F3_LAYERNORM_EPS);
    for (size_t k = 0; k < R; k++) {
        double s = 0, s2 = 0;
        for (size_t i = 0; i < D; i++) s += Z[k * D + i], s2 += (double)Z[k * D + i] * Z[k * D + i];
        assert_true(fabs(s / D) < 1e-5);
        assert_true(fabs(s2 / D - 1.0) < 1e-3);
    }
    ln_loss(&c);
    f3_op_layernorm_backward(g, X, mean, rstd, Rr, dX, dg, db, R, D);
    assert_true(fd_check("layernorm dX", X, dX, R * D, ln_loss, &c, 1e-2f, 1e-2) < 0.02);
    assert_true(fd_check("layernorm dgamma", g, dg, D, ln_loss, &c, 1e-2f, 1e-2) < 0.01);
    assert_true(fd_check("layernorm dbeta", beta, db, D, ln_loss, &c, 1e-2f, 1e-2) < 0.01);
}

/* ---- activations ------------------------------------------------------------------------- */

typedef struct {
    f3_op_act a;
    size_t n;
    float *X, *Y, *R;
} act_ctx;

static double act_loss(void *p)
{
    act_ctx *c = p;
    f3_op_act_forward(c->a, c->X, c->Y, c->n);
    return dot(c->Y, c->R, c->n);
}

static void test_activations(void **state)
{
    (void)state;
    enum { N = 40 };
    for (int a = F3_OP_TANH; a <= F3_OP_GELU; a++) {
        float X[N], Y[N], R[N], dX[N];
        fill(X, N, 9 + (uint32_t)a, 3.0f);
        fill(R, N, 20, 1.0f);
        for (size_t i = 0; i < N; i++)
            if (fabsf(X[i]) < 0.05f) X[i] = 0.3f; /* relu's kink: keep finite differences away from 0 */
        act_ctx c = {(f3_op_act)a, N, X, Y, R};
        act_loss(&c);
        f3_op_act_backward((f3_op_act)a, X, Y, R, dX, N);
        char what[32];
        snprintf(what, sizeof what, "%s", f3_op_act_name((f3_op_act)a));
        assert_true(fd_check(what, X, dX, N, act_loss, &c, 1e-2f, 1e-2) < 0.01);
    }
    /* closed forms: gelu(1) = Φ(1) = 0.8413447, gelu(−1) = −0.1586553; sigmoid(0) = ½ */
    float x[3] = {1.0f, -1.0f, 0.0f}, y[3];
    f3_op_act_forward(F3_OP_GELU, x, y, 3);
    assert_float_equal(y[0], 0.8413447f, 1e-6f);
    assert_float_equal(y[1], -0.1586553f, 1e-6f);
    assert_float_equal(y[2], 0.0f, 0.0f);
    f3_op_act_forward(F3_OP_SIGMOID, x + 2, y, 1);
    assert_float_equal(y[0], 0.5f, 0.0f);
}

/* ---- attention ----------------------------------------------------------------------------- */

typedef struct {
    size_t b, n, h, dh;
    float scale;
    float *QKV, *O, *P, *R;
} att_ctx;

static double att_loss(void *p)
{
    att_ctx *c = p;
    f3_op_attention_forward(c->QKV, c->O, c->P, c->b, c->n, c->h, c->dh, c->scale);
    return dot(c->O, c->R, c->b * c->n * c->h * c->dh);
}

/* the textbook loops, in double */
static void attention_ref(const float *QKV, double *O, size_t b, size_t n, size_t h, size_t dh, double scale)
{
    const size_t inner = h * dh;
    double *S = malloc(n * sizeof *S);
    for (size_t s = 0; s < b; s++)
        for (size_t hd = 0; hd < h; hd++)
            for (size_t i = 0; i < n; i++) {
                const float *q = QKV + (s * n + i) * 3 * inner + hd * dh;
                double m = -INFINITY, z = 0;
                for (size_t j = 0; j < n; j++) {
                    const float *k = QKV + (s * n + j) * 3 * inner + inner + hd * dh;
                    double d = 0;
                    for (size_t e = 0; e < dh; e++) d += (double)q[e] * k[e];
                    S[j] = scale * d;
                    m = S[j] > m ? S[j] : m;
                }
                for (size_t j = 0; j < n; j++) z += S[j] = exp(S[j] - m);
                for (size_t e = 0; e < dh; e++) {
                    double o = 0;
                    for (size_t j = 0; j < n; j++) o += S[j] / z * QKV[(s * n + j) * 3 * inner + 2 * inner + hd * dh + e];
                    O[(s * n + i) * inner + hd * dh + e] = o;
                }
            }
    free(S);
}

static void test_attention(void **state)
{
    (void)state;
    enum { B = 2, N = 5, H = 3, DH = 4, INNER = H * DH };
    float QKV[B * N * 3 * INNER], O[B * N * INNER], P[B * H * N * N], R[B * N * INNER], dQKV[B * N * 3 * INNER],
        scratch[N * N];
    double Oref[B * N * INNER];
    fill(QKV, B * N * 3 * INNER, 30, 1.5f);
    fill(R, B * N * INNER, 31, 1.0f);
    const float scale = 1.0f / sqrtf((float)DH);
    att_ctx c = {B, N, H, DH, scale, QKV, O, P, R};
    att_loss(&c);
    attention_ref(QKV, Oref, B, N, H, DH, scale);
    for (size_t i = 0; i < B * N * INNER; i++) assert_true(fabs(O[i] - Oref[i]) < 1e-5 * (1 + fabs(Oref[i])));
    /* every row of P is a distribution */
    for (size_t r = 0; r < B * H * N; r++) {
        double s = 0;
        for (size_t j = 0; j < N; j++) s += P[r * N + j];
        assert_true(fabs(s - 1.0) < 1e-5);
    }
    f3_op_attention_backward(QKV, P, R, dQKV, B, N, H, DH, scale, scratch);
    assert_true(fd_check("attention dQKV", QKV, dQKV, B * N * 3 * INNER, att_loss, &c, 1e-2f, 1e-2) < 0.02);
}

/* ---- patchify ---------------------------------------------------------------------------- */

static void test_patchify(void **state)
{
    (void)state;
    enum { B = 2, C = 3, H = 4, W = 6, P = 2 };
    float X[B * C * H * W], Y[B * C * H * W], back[B * C * H * W];
    for (size_t i = 0; i < B * C * H * W; i++) X[i] = (float)i;
    f3_op_patchify_forward(X, Y, B, C, H, W, P);
    /* einops 'b c (h p1) (w p2) -> b (h w) (p1 p2 c)': Y[s, hh·(W/P) + ww, (p1·P + p2)·C + ch] */
    for (size_t s = 0; s < B; s++)
        for (size_t hh = 0; hh < H / P; hh++)
            for (size_t ww = 0; ww < W / P; ww++)
                for (size_t p1 = 0; p1 < P; p1++)
                    for (size_t p2 = 0; p2 < P; p2++)
                        for (size_t ch = 0; ch < C; ch++) {
                            const size_t tok = hh * (W / P) + ww, t = (H / P) * (W / P);
                            const float want = X[((s * C + ch) * H + hh * P + p1) * W + ww * P + p2];
                            assert_float_equal(Y[(s * t + tok) * P * P * C + (p1 * P + p2) * C + ch], want, 0.0f);
                        }
    /* the backward pass is the inverse permutation */
    f3_op_patchify_backward(Y, back, B, C, H, W, P);
    assert_memory_equal(back, X, sizeof X);
}

/* ---- a transformer block, composed ---------------------------------------------------------- */

/* The authors' TransformerBlock(dim, heads, dim_head, mlp_dim, norm, tanh)
 * on b samples of n tokens: x + to_out(Attention(LN1(x))), then
 * + Linear2(tanh(Linear1(LN2(·)))).  Parameters in one array. */
enum { TB = 2, TN = 4, TD = 6, TH = 2, TDH = 3, TI = TH * TDH, TM = 8 };
enum {
    O_G1 = 0,
    O_B1 = O_G1 + TD,
    O_WQKV = O_B1 + TD,
    O_WO = O_WQKV + 3 * TI * TD,
    O_BO = O_WO + TD * TI,
    O_G2 = O_BO + TD,
    O_B2 = O_G2 + TD,
    O_W1 = O_B2 + TD,
    O_BM1 = O_W1 + TM * TD,
    O_W2 = O_BM1 + TM,
    O_BM2 = O_W2 + TD * TM,
    N_PARAMS = O_BM2 + TD
};
enum { ROWS = TB * TN };

typedef struct {
    float *th, *X, *R;
    /* the stash of the local backprop */
    float ln1[ROWS * TD], m1[ROWS], r1[ROWS], qkv[ROWS * 3 * TI], P[TB * TH * TN * TN], att[ROWS * TI],
        x1[ROWS * TD], ln2[ROWS * TD], m2[ROWS], r2[ROWS], z1[ROWS * TM], a1[ROWS * TM], Y[ROWS * TD];
} blk_ctx;

static double blk_forward(void *p)
{
    blk_ctx *c = p;
    const float *t = c->th;
    f3_op_layernorm_forward(t + O_G1, t + O_B1, c->X, c->ln1, c->m1, c->r1, ROWS, TD, F3_LAYERNORM_EPS);
    f3_op_linear_forward(t + O_WQKV, NULL, c->ln1, c->qkv, ROWS, TD, 3 * TI);
    f3_op_attention_forward(c->qkv, c->att, c->P, TB, TN, TH, TDH, 1.0f / sqrtf((float)TDH));
    f3_op_linear_forward(t + O_WO, t + O_BO, c->att, c->x1, ROWS, TI, TD);
    for (size_t i = 0; i < ROWS * TD; i++) c->x1[i] += c->X[i];
    f3_op_layernorm_forward(t + O_G2, t + O_B2, c->x1, c->ln2, c->m2, c->r2, ROWS, TD, F3_LAYERNORM_EPS);
    f3_op_linear_forward(t + O_W1, t + O_BM1, c->ln2, c->z1, ROWS, TD, TM);
    f3_op_act_forward(F3_OP_TANH, c->z1, c->a1, ROWS * TM);
    f3_op_linear_forward(t + O_W2, t + O_BM2, c->a1, c->Y, ROWS, TM, TD);
    for (size_t i = 0; i < ROWS * TD; i++) c->Y[i] += c->x1[i];
    return dot(c->Y, c->R, ROWS * TD);
}

/* dY = R: the block's backward pass from its stash; dX and dθ (+=) */
static void blk_backward(blk_ctx *c, float *dX, float *dth)
{
    const float *t = c->th;
    float dx1[ROWS * TD], da1[ROWS * TM], dln2[ROWS * TD], datt[ROWS * TI], dqkv[ROWS * 3 * TI], dln1[ROWS * TD],
        tmp[ROWS * TD], scratch[TN * TN];
    f3_op_linear_backward(t + O_W2, c->a1, c->R, da1, dth + O_W2, dth + O_BM2, ROWS, TM, TD);
    f3_op_act_backward(F3_OP_TANH, c->z1, c->a1, da1, da1, ROWS * TM);
    f3_op_linear_backward(t + O_W1, c->ln2, da1, dln2, dth + O_W1, dth + O_BM1, ROWS, TD, TM);
    f3_op_layernorm_backward(t + O_G2, c->x1, c->m2, c->r2, dln2, tmp, dth + O_G2, dth + O_B2, ROWS, TD);
    for (size_t i = 0; i < ROWS * TD; i++) dx1[i] = c->R[i] + tmp[i]; /* the residual */
    f3_op_linear_backward(t + O_WO, c->att, dx1, datt, dth + O_WO, dth + O_BO, ROWS, TI, TD);
    f3_op_attention_backward(c->qkv, c->P, datt, dqkv, TB, TN, TH, TDH, 1.0f / sqrtf((float)TDH), scratch);
    f3_op_linear_backward(t + O_WQKV, c->ln1, dqkv, dln1, dth + O_WQKV, NULL, ROWS, TD, 3 * TI);
    f3_op_layernorm_backward(t + O_G1, c->X, c->m1, c->r1, dln1, tmp, dth + O_G1, dth + O_B1, ROWS, TD);
    for (size_t i = 0; i < ROWS * TD; i++) dX[i] = dx1[i] + tmp[i];
}

static void test_transformer_block(void **state)
{
    (void)state;
    static float th[N_PARAMS], X[ROWS * TD], R[ROWS * TD], dX[ROWS * TD], dth[N_PARAMS];
    static blk_ctx c;
    fill(th, N_PARAMS, 40, 0.6f);
    for (size_t i = 0; i < TD; i++) th[O_G1 + i] = 1.0f + 0.3f * th[O_G1 + i], th[O_G2 + i] = 1.0f + 0.3f * th[O_G2 + i];
    fill(X, ROWS * TD, 41, 1.0f);
    fill(R, ROWS * TD, 42, 1.0f);
    memset(dth, 0, sizeof dth);
    c.th = th, c.X = X, c.R = R;
    blk_forward(&c);
    blk_backward(&c, dX, dth);
    assert_true(fd_check("block dX", X, dX, ROWS * TD, blk_forward, &c, 1e-2f, 1e-2) < 0.03);
    assert_true(fd_check("block dtheta", th, dth, N_PARAMS, blk_forward, &c, 1e-2f, 1e-2) < 0.03);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_linear),    cmocka_unit_test(test_layernorm), cmocka_unit_test(test_activations),
        cmocka_unit_test(test_attention), cmocka_unit_test(test_patchify),  cmocka_unit_test(test_transformer_block),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
