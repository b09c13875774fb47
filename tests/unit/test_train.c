/* test_train.c — the learning rules against independent references:
 * finite differences for BP, a double-precision forward pass for DFA and
 * F³, bit-identity for LLO and the epoch-1 equivalences, the ledger. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "f3/train.h"

static void fill(float *x, size_t n, uint32_t seed, float scale)
{
    uint32_t s = seed * 2654435761u + 12345u;
    for (size_t i = 0; i < n; i++) {
        s = s * 1664525u + 1013904223u;
        x[i] = scale * (((float)(s >> 8) / 16777216.0f) * 2.0f - 1.0f);
    }
}

/* A synthetic batch: b samples, classes cycling through C. */
typedef struct {
    size_t b, d, C;
    float *x, *t;
    int32_t *lab;
    size_t *idx;
} batch;

static batch make_batch(size_t b, size_t d, size_t C, uint32_t seed, size_t idx0)
{
    batch B = {b, d, C, malloc(b * d * 4), calloc(b * C, 4), malloc(b * 4), malloc(b * sizeof(size_t))};
    fill(B.x, b * d, seed, 1.7f);
    for (size_t k = 0; k < b; k++) {
        B.lab[k] = (int32_t)((k * 7 + seed) % C);
        B.t[k * C + (size_t)B.lab[k]] = 1.0f;
        B.idx[k] = idx0 + k;
    }
    return B;
}

static void free_batch(batch *B) { free(B->x), free(B->t), free(B->lab), free(B->idx); }

static f3_config small_config(f3_algorithm a, size_t K, const size_t *widths, size_t bs)
{
    f3_config c = f3_config_default();
    c.algorithm = a;
    c.n_layers = K;
    for (size_t i = 0; i <= K; i++) c.widths[i] = widths[i];
    c.batch_size = bs;
    c.seed = 7;
    return c;
}

static f3_trainer *make(const f3_config *c, size_t n_train)
{
    f3_trainer *tr = NULL;
    f3_status st = f3_trainer_alloc(c, F3_TASK_CLASSIFICATION, n_train, &tr);
    if (st != F3_OK) print_error("%s\n", f3_last_error());
    assert_int_equal(st, F3_OK);
    return tr;
}

/* ---- an independent double-precision network --------------------------- */

typedef struct {
    size_t K, w[F3_MAX_LAYERS + 1];
    double *W[8], *b[8];
    f3_activation hid, out;
} dnet;

static dnet snapshot(const f3_trainer *tr)
{
    dnet n;
    memset(&n, 0, sizeof n);
    n.K = tr->cfg.n_layers;
    n.hid = tr->cfg.hidden_act;
    n.out = tr->cfg.output_act;
    for (size_t i = 0; i <= n.K; i++) n.w[i] = tr->cfg.widths[i];
    for (size_t i = 0; i < n.K; i++) {
        const f3_layer *L = &tr->layers[i];
        n.W[i] = malloc(L->n_in * L->n_out * sizeof(double));
        n.b[i] = calloc(L->n_out, sizeof(double));
        for (size_t j = 0; j < L->n_in * L->n_out; j++) n.W[i][j] = L->W[j];
        if (L->b)
            for (size_t j = 0; j < L->n_out; j++) n.b[i][j] = L->b[j];
    }
    return n;
}

static void dnet_free(dnet *n)
{
    for (size_t i = 0; i < n->K; i++) free(n->W[i]), free(n->b[i]);
}

static double act(f3_activation f, double z)
{
    switch (f) {
    case F3_ACT_TANH: return tanh(z);
    case F3_ACT_SIGMOID: return 1.0 / (1.0 + exp(-z));
    case F3_ACT_RELU: return z > 0 ? z : 0;
    default: return z;
    }
}

static double dact_from_h(f3_activation f, double h)
{
    switch (f) {
    case F3_ACT_TANH: return 1 - h * h;
    case F3_ACT_SIGMOID: return h * (1 - h);
    case F3_ACT_RELU: return h > 0;
    default: return 1;
    }
}

/* h[i] (b, w[i]) for i = 0..K; h[0] = x.  Caller frees h[1..K]. */
static void dforward(const dnet *n, const float *x, size_t b, double **h)
{
    h[0] = malloc(b * n->w[0] * sizeof(double));
    for (size_t j = 0; j < b * n->w[0]; j++) h[0][j] = x[j];
    for (size_t i = 0; i < n->K; i++) {
        size_t ni = n->w[i], no = n->w[i + 1];
        h[i + 1] = malloc(b * no * sizeof(double));
        for (size_t k = 0; k < b; k++)
            for (size_t j = 0; j < no; j++) {
                double z = n->b[i][j];
                for (size_t q = 0; q < ni; q++) z += n->W[i][j * ni + q] * h[i][k * ni + q];
                h[i + 1][k * no + j] = act(i + 1 == n->K ? n->out : n->hid, z);
            }
    }
}

static void free_h(double **h, size_t K)
{
    for (size_t i = 0; i <= K; i++) free(h[i]);
}

/* Mean-reduced BCE over b × C (the training loss). */
static double dloss(const dnet *n, const batch *B)
{
    double *h[F3_MAX_LAYERS + 1];
    dforward(n, B->x, B->b, h);
    double L = 0;
    for (size_t i = 0; i < B->b * B->C; i++) {
        double y = h[n->K][i], t = B->t[i];
        L -= t * log(y) + (1 - t) * log(1 - y);
    }
    free_h(h, n->K);
    return L / (double)(B->b * B->C);
}

static double worst = 0;
static void expect_close(double got, double want, double atol, double rtol, const char *what, size_t i)
{
    double err = fabs(got - want);
    if (err > atol + rtol * fabs(want)) {
        print_error("%s[%zu]: got %.9g, reference %.9g (difference %.3g)\n", what, i, got, want, err);
        fail();
    }
    if (err > worst) worst = err;
}

/* ---- BP ------------------------------------------------------------------ */

static void bp_against_finite_differences(f3_activation hid, size_t bs)
{
    const size_t widths[] = {5, 7, 6, 3};
    f3_config c = small_config(F3_ALG_BP, 3, widths, bs);
    c.hidden_act = hid;
    c.optimizer = F3_OPT_SGD;
    c.lr = 1e-9; /* the step barely moves; dW is read from the buffers */
    f3_trainer *tr = make(&c, 0);
    batch B = make_batch(bs, 5, 3, 3, 0);
    dnet n = snapshot(tr);
    assert_int_equal(f3_train_step(tr, B.x, B.t, B.lab, B.idx, bs, NULL), F3_OK);
    worst = 0;
    for (size_t i = 0; i < n.K; i++) {
        const f3_layer *L = &tr->layers[i];
        for (size_t j = 0; j < L->n_in * L->n_out; j++) {
            double keep = n.W[i][j], h = 1e-5;
            n.W[i][j] = keep + h;
            double lp = dloss(&n, &B);
            n.W[i][j] = keep - h;
            double lm = dloss(&n, &B);
            n.W[i][j] = keep;
            expect_close(L->dW[j], (lp - lm) / (2 * h), 2e-6, 1e-3, "dW", j);
        }
        for (size_t j = 0; j < L->n_out; j++) {
            double keep = n.b[i][j], h = 1e-5;
            n.b[i][j] = keep + h;
            double lp = dloss(&n, &B);
            n.b[i][j] = keep - h;
            double lm = dloss(&n, &B);
            n.b[i][j] = keep;
            expect_close(L->db[j], (lp - lm) / (2 * h), 2e-6, 1e-3, "db", j);
        }
    }
    print_message("BP vs finite differences (%s, batch %zu): largest difference %.3g\n",
                  f3_activation_name(hid), bs, worst);
    dnet_free(&n);
    free_batch(&B);
    f3_trainer_free(tr);
}

static void test_bp_gradients_tanh(void **s) { (void)s; bp_against_finite_differences(F3_ACT_TANH, 4); }
static void test_bp_gradients_sigmoid(void **s) { (void)s; bp_against_finite_differences(F3_ACT_SIGMOID, 1); }
static void test_bp_gradients_relu(void **s) { (void)s; bp_against_finite_differences(F3_ACT_RELU, 3); }

/* ---- direct feedback ------------------------------------------------------ */

/* Expected hidden-layer gradient for e given per sample: δz = (B^T e) ⊙ f',
 * dW = Σ_k δz_k h_{i−1,k}^T. */
static void check_hidden_gradient(const f3_trainer *tr, size_t i, double **h, const double *E,
                                  size_t b, const char *what)
{
    const f3_layer *L = &tr->layers[i];
    const size_t C = tr->C;
    for (size_t j = 0; j < L->n_out; j++) {
        double gb = 0;
        double *gw = calloc(L->n_in, sizeof(double));
        for (size_t k = 0; k < b; k++) {
            double dh = 0;
            for (size_t q = 0; q < C; q++) dh += L->B[q * L->n_out + j] * E[k * C + q];
            double dz = dh * dact_from_h(tr->cfg.hidden_act, h[i + 1][k * L->n_out + j]);
            gb += dz;
            for (size_t q = 0; q < L->n_in; q++) gw[q] += dz * h[i][k * L->n_in + q];
        }
        for (size_t q = 0; q < L->n_in; q++) expect_close(L->dW[j * L->n_in + q], gw[q], 1e-5, 1e-4, what, j);
        expect_close(L->db[j], gb, 1e-5, 1e-4, what, j);
        free(gw);
    }
}

static void test_dfa_feedback_is_current_error(void **state)
{
    (void)state;
    const size_t widths[] = {6, 9, 8, 4}, b = 5;
    f3_config c = small_config(F3_ALG_DFA, 3, widths, b);
    c.feedback_init = F3_FB_TRINOMIAL;
    f3_trainer *tr = make(&c, 0);
    batch B = make_batch(b, 6, 4, 11, 0);
    dnet n = snapshot(tr);
    double *h[F3_MAX_LAYERS + 1];
    dforward(&n, B.x, b, h);
    double *E = malloc(b * 4 * sizeof(double));
    for (size_t i = 0; i < b * 4; i++) E[i] = B.t[i] - h[3][i];
    assert_int_equal(f3_train_step(tr, B.x, B.t, B.lab, B.idx, b, NULL), F3_OK);
    check_hidden_gradient(tr, 0, h, E, b, "dfa layer 1");
    check_hidden_gradient(tr, 1, h, E, b, "dfa layer 2");
    assert_int_equal(tr->ledger->peak_act, b * (9 + 8));
    assert_int_equal(tr->ledger->live_act, 0);
    free(E);
    free_h(h, 3);
    dnet_free(&n);
    free_batch(&B);
    f3_trainer_free(tr);
}

/* Algorithm 1: layer i is updated before layer i+1 computes its output, and
 * the hidden layers see e_{t−1} from the store. */
static void test_f3_is_algorithm_1(void **state)
{
    (void)state;
    const size_t widths[] = {5, 8, 3}, b = 4, n_train = 10;
    f3_config c = small_config(F3_ALG_F3, 2, widths, b);
    c.error_info = (f3_error_info){F3_EI_ERROR, 0, 0};
    c.optimizer = F3_OPT_SGD;
    c.lr = 0.05;
    f3_trainer *tr = make(&c, n_train);
    /* a store with distinct, known contents */
    fill(tr->error_store, n_train * 3, 40, 0.8f);
    float *store0 = malloc(n_train * 3 * 4);
    memcpy(store0, tr->error_store, n_train * 3 * 4);
    batch B = make_batch(b, 5, 3, 5, 3); /* samples 3..6 */
    dnet n = snapshot(tr);
    double *h[F3_MAX_LAYERS + 1];
    dforward(&n, B.x, b, h);
    double *E = malloc(b * 3 * sizeof(double));
    for (size_t k = 0; k < b; k++)
        for (size_t q = 0; q < 3; q++) E[k * 3 + q] = store0[(3 + k) * 3 + q];
    assert_int_equal(f3_train_step(tr, B.x, B.t, B.lab, B.idx, b, NULL), F3_OK);
    check_hidden_gradient(tr, 0, h, E, b, "f3 layer 1");
    /* layer 1 passed on the h_1 it computed before its own update (Algorithm
     * 1 computes h_i, then updates W_i), and the output layer trained on the
     * true gradient at that h_1 */
    const f3_layer *O = &tr->layers[1];
    for (size_t j = 0; j < 3; j++)
        for (size_t q = 0; q < 8; q++) {
            double g = 0;
            for (size_t k = 0; k < b; k++)
                g += (h[2][k * 3 + j] - B.t[k * 3 + j]) / (double)(b * 3) * h[1][k * 8 + q];
            expect_close(O->dW[j * 8 + q], g, 1e-6, 1e-4, "f3 output dW", j);
        }
    /* and layer 1 really was updated: W_1 − lr·δW_1 */
    for (size_t j = 0; j < 5 * 8; j++)
        expect_close(tr->layers[0].W[j], n.W[0][j] - 0.05 * tr->layers[0].dW[j], 1e-7, 1e-6, "W1", j);
    /* e_t = y* − y of that output, written at the samples' indices only */
    for (size_t s = 0; s < n_train; s++)
        for (size_t q = 0; q < 3; q++) {
            float got = tr->error_store[s * 3 + q];
            if (s >= 3 && s < 3 + b)
                expect_close(got, B.t[(s - 3) * 3 + q] - h[2][(s - 3) * 3 + q], 1e-6, 1e-5, "store", s);
            else
                assert_true(got == store0[s * 3 + q]);
        }
    assert_int_equal(tr->ledger->peak_act, 0);
    free(E), free(store0);
    free_h(h, 2);
    dnet_free(&n);
    free_batch(&B);
    f3_trainer_free(tr);
}

static void test_f3_loss_store_and_e0(void **state)
{
    (void)state;
    const size_t widths[] = {4, 6, 3}, b = 3;
    f3_config c = small_config(F3_ALG_F3, 2, widths, b);
    c.error_info = (f3_error_info){F3_EI_LOSS, 0, 0};
    f3_trainer *tr = make(&c, 3);
    batch B = make_batch(b, 4, 3, 9, 0);
    /* the output y is what the output layer computed from the updated hidden layer */
    assert_int_equal(f3_train_step(tr, B.x, B.t, B.lab, B.idx, b, NULL), F3_OK);
    /* recompute with the weights before the output layer's own update:
     * easier: check the loss variant's relation e = (t − y)/(y(1−y)bC) via
     * the error variant of the same y. The store must be finite and have the
     * sign of t − y. */
    for (size_t i = 0; i < b * 3; i++) {
        float e = tr->error_store[i];
        assert_true(isfinite(e));
        assert_true(B.t[i] > 0.5f ? e > 0 : e < 0);
    }
    f3_trainer_free(tr);

    /* e0 = inference: the store holds the error information of the initial net */
    c.error_info = (f3_error_info){F3_EI_ERROR, 0, 0};
    c.e0 = F3_E0_INFERENCE;
    tr = make(&c, 3);
    f3_dataset *ds = NULL;
    assert_int_equal(f3_dataset_alloc(F3_TASK_CLASSIFICATION, 3, 4, 3, 0, &ds), F3_OK);
    memcpy(ds->x_f32, B.x, 3 * 4 * 4);
    memcpy(ds->labels, B.lab, 3 * 4);
    assert_int_equal(f3_error_store_init(tr, ds), F3_OK);
    dnet n = snapshot(tr);
    double *h[F3_MAX_LAYERS + 1];
    dforward(&n, B.x, b, h);
    for (size_t i = 0; i < b * 3; i++) expect_close(tr->error_store[i], B.t[i] - h[2][i], 1e-6, 1e-5, "e0", i);
    free_h(h, 2);
    dnet_free(&n);
    f3_dataset_free(ds);
    f3_trainer_free(tr);
    free_batch(&B);
}

/* ---- whole-epoch properties ---------------------------------------------- */

static f3_dataset *synthetic_dataset(size_t n, size_t d, size_t C)
{
    f3_dataset *ds = NULL;
    assert_int_equal(f3_dataset_alloc(F3_TASK_CLASSIFICATION, n, d, C, 0, &ds), F3_OK);
    fill(ds->x_f32, n * d, 77, 1.3f);
    for (size_t s = 0; s < n; s++) {
        /* a learnable rule: the class is the index of the largest of the first C features */
        size_t best = 0;
        for (size_t q = 1; q < C; q++)
            if (ds->x_f32[s * d + q] > ds->x_f32[s * d + best]) best = q;
        ds->labels[s] = (int32_t)best;
    }
    return ds;
}

/* Train `epochs` epochs with the caller-owned loop; return the trainer. */
static f3_trainer *train_epochs(const f3_config *c, const f3_dataset *ds, size_t epochs)
{
    f3_trainer *tr = make(c, ds->n);
    assert_int_equal(f3_error_store_init(tr, ds), F3_OK);
    size_t bs = c->batch_size, *perm = malloc(ds->n * sizeof(size_t));
    float *x = malloc(bs * ds->d * 4), *t = malloc(bs * ds->n_outputs * 4);
    int32_t *lab = malloc(bs * 4);
    for (size_t e = 0; e < epochs; e++) {
        f3_epoch_order(c->seed, e, perm, ds->n);
        for (size_t s = 0; s < ds->n; s += bs) {
            size_t b = ds->n - s < bs ? ds->n - s : bs;
            f3_dataset_gather(ds, perm + s, b, x, t, lab);
            assert_int_equal(f3_train_step(tr, x, t, lab, perm + s, b, NULL), F3_OK);
        }
    }
    free(perm), free(x), free(t), free(lab);
    return tr;
}

static void hash_of(const f3_config *c, const f3_dataset *ds, size_t epochs, char out[65])
{
    f3_trainer *tr = train_epochs(c, ds, epochs);
    f3_weights_sha256(tr, out);
    f3_trainer_free(tr);
}

static void test_epoch1_f3_onehot_equals_drtp(void **state)
{
    (void)state;
    f3_dataset *ds = synthetic_dataset(230, 12, 5);
    const size_t widths[] = {12, 20, 16, 5};
    f3_config c = small_config(F3_ALG_F3, 3, widths, 20);
    c.feedback_init = F3_FB_TRINOMIAL;
    char h_err[65], h_loss[65], h_drtp[65], h_err2[65], h_drtp2[65];
    c.error_info = (f3_error_info){F3_EI_ERROR, 1, 0};
    hash_of(&c, ds, 1, h_err);
    hash_of(&c, ds, 2, h_err2);
    c.error_info = (f3_error_info){F3_EI_LOSS, 1, 0};
    hash_of(&c, ds, 1, h_loss);
    c.algorithm = F3_ALG_DRTP;
    hash_of(&c, ds, 1, h_drtp);
    hash_of(&c, ds, 2, h_drtp2);
    assert_string_equal(h_err, h_drtp);
    assert_string_equal(h_loss, h_drtp);
    /* from epoch 2 on, the delayed error differs from the target */
    assert_string_not_equal(h_err2, h_drtp2);
    f3_dataset_free(ds);
}

static void test_llo_freezes_hidden_layers(void **state)
{
    (void)state;
    f3_dataset *ds = synthetic_dataset(100, 8, 3);
    const size_t widths[] = {8, 10, 7, 3};
    f3_config c = small_config(F3_ALG_LLO, 3, widths, 10);
    f3_trainer *t0 = make(&c, ds->n);
    f3_trainer *t1 = train_epochs(&c, ds, 2);
    for (size_t i = 0; i < 2; i++) {
        assert_memory_equal(t0->layers[i].W, t1->layers[i].W, t0->layers[i].n_in * t0->layers[i].n_out * 4);
        assert_memory_equal(t0->layers[i].b, t1->layers[i].b, t0->layers[i].n_out * 4);
        assert_null(t1->layers[i].dW);
    }
    assert_memory_not_equal(t0->layers[2].W, t1->layers[2].W, 7 * 3 * 4);
    f3_counts hid = f3_ledger_sum(t1->ledger, 0, F3_PH_COUNT);
    assert_int_equal(hid.fma, 2 * 100 * 8 * 10); /* forward only */
    f3_trainer_free(t0);
    f3_trainer_free(t1);
    f3_dataset_free(ds);
}

static void test_ledger_peaks_and_feedback_fma(void **state)
{
    (void)state;
    f3_dataset *ds = synthetic_dataset(60, 8, 4);
    const size_t widths[] = {8, 12, 10, 4}, bs = 15, steps = 4;
    for (int a = F3_ALG_BP; a <= F3_ALG_LLO; a++) {
        f3_config c = small_config((f3_algorithm)a, 3, widths, bs);
        for (int oh = 0; oh <= (a == F3_ALG_F3); oh++) {
            c.error_info = (f3_error_info){F3_EI_ERROR, oh, 0};
            f3_trainer *tr = train_epochs(&c, ds, 1);
            const f3_ledger *l = tr->ledger;
            uint64_t expect_peak = (a == F3_ALG_BP || a == F3_ALG_DFA) ? bs * (12 + 10) : 0;
            assert_int_equal(l->peak_act, expect_peak);
            assert_int_equal(l->peak_err, a == F3_ALG_F3 ? 60 * 4 : 0);
            assert_int_equal(l->samples, 60);
            assert_int_equal(l->batches, steps);
            f3_counts fb1 = f3_ledger_sum(l, 0, F3_PH_FEEDBACK), fb2 = f3_ledger_sum(l, 1, F3_PH_FEEDBACK);
            uint64_t e1, e2;
            switch (a) {
            case F3_ALG_BP: e1 = 60 * 12 * 10, e2 = 60 * 10 * 4; break;
            case F3_ALG_LLO: e1 = e2 = 0; break;
            default: e1 = 60 * (oh ? 1 : 4) * 12, e2 = 60 * (oh ? 1 : 4) * 10;
            }
            assert_int_equal(fb1.fma, e1);
            assert_int_equal(fb2.fma, e2);
            f3_counts fw = f3_ledger_sum(l, -1, F3_PH_FORWARD);
            assert_int_equal(fw.fma, 60 * (8 * 12 + 12 * 10 + 10 * 4));
            if (a == F3_ALG_F3)
                assert_int_equal(f3_ledger_sum(l, 0, F3_PH_FEEDBACK).reads[F3_MEM_ERRSTORE], 60 * (oh ? 1 : 4));
            f3_trainer_free(tr);
        }
    }
    f3_dataset_free(ds);
}

static void test_same_seed_same_weights(void **state)
{
    (void)state;
    f3_dataset *ds = synthetic_dataset(120, 10, 3);
    const size_t widths[] = {10, 16, 3};
    for (int a = F3_ALG_BP; a <= F3_ALG_LLO; a++) {
        f3_config c = small_config((f3_algorithm)a, 2, widths, 16);
        char h1[65], h2[65], h3[65];
        hash_of(&c, ds, 2, h1);
        hash_of(&c, ds, 2, h2);
        c.seed = 8;
        hash_of(&c, ds, 2, h3);
        assert_string_equal(h1, h2);
        assert_string_not_equal(h1, h3);
    }
    f3_dataset_free(ds);
}

/* Every algorithm learns the synthetic rule well above chance. */
static void test_all_algorithms_learn(void **state)
{
    (void)state;
    f3_dataset *ds = synthetic_dataset(600, 10, 3);
    const size_t widths[] = {10, 32, 3};
    for (int a = F3_ALG_BP; a <= F3_ALG_LLO; a++) {
        f3_config c = small_config((f3_algorithm)a, 2, widths, 10);
        c.lr = 1e-2;
        f3_trainer *tr = train_epochs(&c, ds, 8);
        f3_stats st;
        assert_int_equal(f3_evaluate(tr, ds, &st), F3_OK);
        double acc = (double)st.correct / (double)st.samples;
        print_message("%s: training-set accuracy %.1f %%\n", f3_algorithm_name((f3_algorithm)a), 100 * acc);
        assert_true(acc > 0.6); /* chance is 1/3 */
        f3_trainer_free(tr);
    }
    f3_dataset_free(ds);
}

static void test_config_errors(void **state)
{
    (void)state;
    const size_t widths[] = {4, 5, 3};
    f3_config c = small_config(F3_ALG_F3, 2, widths, 5);
    f3_trainer *tr = NULL;
    f3_config bad = c;
    bad.widths[1] = 0;
    assert_int_equal(f3_trainer_alloc(&bad, F3_TASK_CLASSIFICATION, 10, &tr), F3_EINVAL);
    assert_non_null(strstr(f3_last_error(), "n_1"));
    bad = c;
    bad.batch_size = 0;
    assert_int_equal(f3_trainer_alloc(&bad, F3_TASK_CLASSIFICATION, 10, &tr), F3_EINVAL);
    bad = c;
    bad.lr = -1;
    assert_int_equal(f3_trainer_alloc(&bad, F3_TASK_CLASSIFICATION, 10, &tr), F3_EINVAL);
    bad = c;
    bad.output_act = F3_ACT_IDENTITY;
    assert_int_equal(f3_trainer_alloc(&bad, F3_TASK_CLASSIFICATION, 10, &tr), F3_EINVAL);
    assert_non_null(strstr(f3_last_error(), "sigmoid"));
    bad = c;
    bad.loss = F3_LOSS_MSE;
    bad.output_act = F3_ACT_IDENTITY;
    assert_int_equal(f3_trainer_alloc(&bad, F3_TASK_REGRESSION, 10, &tr), F3_EINVAL); /* one-hot */
    assert_non_null(strstr(f3_last_error(), "classification"));
    /* drtp on regression feeds back the target values (Table 4's SGEMM column) */
    bad.algorithm = F3_ALG_DRTP;
    assert_int_equal(f3_trainer_alloc(&bad, F3_TASK_REGRESSION, 10, &tr), F3_OK);
    f3_trainer_free(tr);
    tr = NULL;
    assert_int_equal(f3_trainer_alloc(&c, F3_TASK_CLASSIFICATION, 0, &tr), F3_EINVAL);
    assert_null(tr);
    f3_algorithm a;
    assert_int_equal(f3_parse_algorithm("backprop", &a), F3_EINVAL);
    assert_non_null(strstr(f3_last_error(), "bp, f3, dfa, drtp, llo"));
    f3_error_info ei;
    assert_int_equal(f3_parse_error_info("delayed_loss_softmax", &ei), F3_OK);
    assert_true(ei.kind == F3_EI_LOSS && ei.softmax && !ei.one_hot);
    char name[64];
    f3_error_info_name(ei, name, sizeof name);
    assert_string_equal(name, "delayed_loss_softmax");
    /* a step outside the store or with too many samples */
    tr = make(&c, 4);
    batch B = make_batch(5, 4, 3, 1, 0);
    assert_int_equal(f3_train_step(tr, B.x, B.t, B.lab, B.idx, 5, NULL), F3_ERANGE);
    assert_int_equal(f3_train_step(tr, B.x, B.t, B.lab, B.idx, 6, NULL), F3_EINVAL);
    B.lab[0] = 7;
    assert_int_equal(f3_train_step(tr, B.x, B.t, B.lab, B.idx, 4, NULL), F3_ERANGE);
    free_batch(&B);
    f3_trainer_free(tr);
    f3_trainer_free(NULL);
}

static void test_feedback_initialisations(void **state)
{
    (void)state;
    const size_t widths[] = {3, 25, 4};
    f3_config c = small_config(F3_ALG_DRTP, 2, widths, 5);
    for (int f = F3_FB_KAIMING_UNIFORM; f <= F3_FB_PM_IDENTITY; f++) {
        c.feedback_init = (f3_feedback_init)f;
        f3_trainer *tr = make(&c, 0);
        const float *B = tr->layers[0].B; /* (4, 25) */
        int seen[3] = {0};
        for (size_t q = 0; q < 4; q++)
            for (size_t j = 0; j < 25; j++) {
                float v = B[q * 25 + j];
                switch (f) {
                case F3_FB_KAIMING_UNIFORM: assert_true(fabsf(v) <= sqrtf(6.0f / 25.0f)); break;
                case F3_FB_TRINOMIAL: assert_true(v == -1 || v == 0 || v == 1); seen[(int)v + 1]++; break;
                case F3_FB_BINOMIAL: assert_true(v == 0 || v == 1); seen[(int)v + 1]++; break;
                case F3_FB_PM_IDENTITY: {
                    float want = (j % 4 == q) ? ((j / 4) % 2 ? -1.0f : 1.0f) : 0.0f;
                    assert_true(v == want);
                }
                }
            }
        if (f == F3_FB_TRINOMIAL) assert_true(seen[0] && seen[1] && seen[2]);
        if (f == F3_FB_BINOMIAL) assert_true(seen[1] && seen[2] && !seen[0]);
        f3_trainer_free(tr);
    }
}

/* ---- the rules of the learning algorithms -------------------------------- */

/* A 784-500-10 network (MNIST, one hidden layer) under rule a. */
static f3_config mnist_config(f3_algorithm a)
{
    const size_t widths[] = {784, 500, 10};
    return small_config(a, 2, widths, 50);
}

static void test_layer_rules(void **state)
{
    (void)state;
    /* per rule, a 3-layer network: hidden layers 0 and 1, output layer 2 */
    static const struct {
        f3_algorithm a;
        int trains_hidden, feedback, stash;
    } R[] = {
        {F3_ALG_BP, 1, 0, 1}, {F3_ALG_F3, 1, 1, 0}, {F3_ALG_DFA, 1, 1, 1},
        {F3_ALG_DRTP, 1, 1, 0}, {F3_ALG_LLO, 0, 0, 0},
    };
    const size_t widths[] = {6, 5, 4, 3};
    for (size_t r = 0; r < sizeof R / sizeof R[0]; r++) {
        f3_config c = small_config(R[r].a, 3, widths, 5);
        assert_int_equal(f3_uses_feedback_matrix(R[r].a), R[r].feedback);
        assert_int_equal(f3_needs_stash(R[r].a), R[r].stash);
        for (size_t i = 0; i < 2; i++) { /* hidden */
            assert_int_equal(f3_layer_trains(&c, i), R[r].trains_hidden);
            assert_int_equal(f3_layer_has_feedback(&c, i), R[r].feedback);
        }
        assert_int_equal(f3_layer_trains(&c, 2), 1); /* the output layer always trains */
        assert_int_equal(f3_layer_has_feedback(&c, 2), 0);
        /* one layer: it is the output layer */
        c.n_layers = 1;
        assert_int_equal(f3_layer_trains(&c, 0), 1);
        assert_int_equal(f3_layer_has_feedback(&c, 0), 0);
    }
    assert_int_equal(f3_feedback_is_additive(F3_FB_KAIMING_UNIFORM), 0);
    assert_int_equal(f3_feedback_is_additive(F3_FB_TRINOMIAL), 1);
    assert_int_equal(f3_feedback_is_additive(F3_FB_BINOMIAL), 1);
    assert_int_equal(f3_feedback_is_additive(F3_FB_PM_IDENTITY), 1);
}

static void expect_plan(f3_layer_memory m, size_t weights, size_t biases, size_t gradients,
                        size_t optimizer_state, size_t feedback, size_t stash)
{
    assert_int_equal(m.weights, weights);
    assert_int_equal(m.biases, biases);
    assert_int_equal(m.gradients, gradients);
    assert_int_equal(m.optimizer_state, optimizer_state);
    assert_int_equal(m.feedback, feedback);
    assert_int_equal(m.stash_per_sample, stash);
}

static void test_memory_plan(void **state)
{
    (void)state;
    /* 784-500-10, Adam, biases: hidden W 392000 + b 500 = 392500 parameters,
     * output W 5000 + b 10 = 5010; B_0 is 10 x 500; a stash keeps h_0 (784)
     * and f'(z_1) (500) */
    const size_t P0 = 784 * 500 + 500, P1 = 500 * 10 + 10;
    f3_config c = mnist_config(F3_ALG_BP);
    expect_plan(f3_layer_memory_plan(&c, 0), 392000, 500, P0, 2 * P0, 0, 1284);
    expect_plan(f3_layer_memory_plan(&c, 1), 5000, 10, P1, 2 * P1, 0, 0);
    assert_int_equal(f3_layer_memory_plan(&c, 0).optimizer_state, 2 * (784 * 500 + 500));
    c = mnist_config(F3_ALG_F3);
    expect_plan(f3_layer_memory_plan(&c, 0), 392000, 500, P0, 2 * P0, 5000, 0);
    expect_plan(f3_layer_memory_plan(&c, 1), 5000, 10, P1, 2 * P1, 0, 0);
    c = mnist_config(F3_ALG_DFA);
    expect_plan(f3_layer_memory_plan(&c, 0), 392000, 500, P0, 2 * P0, 5000, 1284);
    expect_plan(f3_layer_memory_plan(&c, 1), 5000, 10, P1, 2 * P1, 0, 0);
    c = mnist_config(F3_ALG_DRTP);
    expect_plan(f3_layer_memory_plan(&c, 0), 392000, 500, P0, 2 * P0, 5000, 0);
    expect_plan(f3_layer_memory_plan(&c, 1), 5000, 10, P1, 2 * P1, 0, 0);
    c = mnist_config(F3_ALG_LLO); /* the hidden layer stays at its initialisation */
    expect_plan(f3_layer_memory_plan(&c, 0), 392000, 500, 0, 0, 0, 0);
    expect_plan(f3_layer_memory_plan(&c, 1), 5000, 10, P1, 2 * P1, 0, 0);
    /* SGD keeps no state; without biases there are none to keep */
    c = mnist_config(F3_ALG_DFA);
    c.optimizer = F3_OPT_SGD;
    expect_plan(f3_layer_memory_plan(&c, 0), 392000, 500, P0, 0, 5000, 1284);
    c.optimizer = F3_OPT_ADAM;
    c.bias = 0;
    expect_plan(f3_layer_memory_plan(&c, 0), 392000, 0, 392000, 784000, 5000, 1284);
    expect_plan(f3_layer_memory_plan(&c, 1), 5000, 0, 5000, 10000, 0, 0);
    /* 784-500-500-10 under bp: the middle layer stashes 500 + 500 */
    const size_t deep[] = {784, 500, 500, 10};
    c = small_config(F3_ALG_BP, 3, deep, 50);
    expect_plan(f3_layer_memory_plan(&c, 1), 250000, 500, 250500, 501000, 0, 1000);
    c.algorithm = F3_ALG_F3;
    expect_plan(f3_layer_memory_plan(&c, 1), 250000, 500, 250500, 501000, 5000, 0);
    /* 784-10: the only layer is the output layer, for every rule */
    const size_t flat[] = {784, 10};
    for (int a = F3_ALG_BP; a <= F3_ALG_LLO; a++) {
        c = small_config((f3_algorithm)a, 1, flat, 50);
        expect_plan(f3_layer_memory_plan(&c, 0), 7840, 10, 7850, 15700, 0, 0);
    }
    /* beyond the network: nothing */
    c = mnist_config(F3_ALG_BP);
    expect_plan(f3_layer_memory_plan(&c, 2), 0, 0, 0, 0, 0, 0);
}

/* The trainer allocates what the plan says, for every rule, optimiser and
 * bias setting; additive feedback matrices hold only -1, 0 and 1. */
static void test_memory_plan_is_the_trainers(void **state)
{
    (void)state;
    const size_t widths[] = {7, 6, 5, 3};
    for (int a = F3_ALG_BP; a <= F3_ALG_LLO; a++)
        for (int opt = 0; opt < 2; opt++)
            for (int bias = 0; bias < 2; bias++) {
                f3_config c = small_config((f3_algorithm)a, 3, widths, 4);
                c.optimizer = (f3_optimizer)opt;
                c.bias = bias;
                f3_trainer *tr = make(&c, 8);
                for (size_t i = 0; i < 3; i++) {
                    const f3_layer *L = &tr->layers[i];
                    f3_layer_memory m = f3_layer_memory_plan(&c, i);
                    assert_int_equal(m.weights, L->n_in * L->n_out);
                    assert_int_equal(m.biases != 0, L->b != NULL);
                    assert_int_equal(m.gradients != 0, L->dW != NULL);
                    assert_int_equal(m.gradients != 0 && bias, L->db != NULL);
                    assert_int_equal(m.optimizer_state != 0, L->mW != NULL && L->vW != NULL);
                    assert_int_equal(m.feedback != 0, L->B != NULL);
                    assert_int_equal(m.stash_per_sample != 0, tr->ws_stash != NULL && i < 2);
                }
                f3_trainer_free(tr);
            }
    for (int f = F3_FB_KAIMING_UNIFORM; f <= F3_FB_PM_IDENTITY; f++) {
        f3_config c = small_config(F3_ALG_F3, 3, widths, 4);
        c.feedback_init = (f3_feedback_init)f;
        f3_trainer *tr = make(&c, 8);
        int all_pm1 = 1;
        for (size_t i = 0; i < 2; i++)
            for (size_t k = 0; k < 3 * tr->layers[i].n_out; k++) {
                float v = tr->layers[i].B[k];
                all_pm1 &= v == -1.0f || v == 0.0f || v == 1.0f;
            }
        assert_int_equal(all_pm1, f3_feedback_is_additive((f3_feedback_init)f));
        f3_trainer_free(tr);
    }
}

static void test_name_tables(void **state)
{
    (void)state;
    char buf[128];
    f3_enum_choices(f3_algorithm_names, buf, sizeof buf);
    assert_string_equal(buf, "bp|f3|dfa|drtp|llo");
    f3_enum_choices(f3_loss_names, buf, sizeof buf);
    assert_string_equal(buf, "bce|mse|softmax_ce");
    f3_enum_choices(f3_activation_names, buf, sizeof buf);
    assert_string_equal(buf, "identity|tanh|sigmoid|relu");
    f3_enum_choices(f3_feedback_init_names, buf, sizeof buf);
    assert_string_equal(buf, "kaiming_uniform|trinomial|binomial|pm_identity");
    f3_enum_choices(f3_optimizer_names, buf, sizeof buf);
    assert_string_equal(buf, "sgd|adam");
    f3_enum_choices(f3_error_info_names, buf, sizeof buf);
    assert_string_equal(buf, "delayed_error|delayed_error_one_hot|delayed_error_softmax|"
                             "delayed_loss|delayed_loss_one_hot|delayed_loss_softmax");
    /* cut short, still terminated */
    f3_enum_choices(f3_algorithm_names, buf, 6);
    assert_string_equal(buf, "bp|f3");
    f3_enum_choices(f3_algorithm_names, buf, 1);
    assert_string_equal(buf, "");
    /* each table ends after its count; names and parsers use the tables */
    assert_null(f3_algorithm_names[F3_ALGORITHM_COUNT]);
    assert_null(f3_loss_names[F3_LOSS_COUNT]);
    assert_null(f3_activation_names[F3_ACTIVATION_COUNT]);
    assert_null(f3_feedback_init_names[F3_FEEDBACK_INIT_COUNT]);
    assert_null(f3_optimizer_names[F3_OPTIMIZER_COUNT]);
    assert_null(f3_error_info_names[F3_ERROR_INFO_COUNT]);
    for (int i = 0; i < F3_ALGORITHM_COUNT; i++) {
        f3_algorithm v;
        assert_string_equal(f3_algorithm_name((f3_algorithm)i), f3_algorithm_names[i]);
        assert_int_equal(f3_parse_algorithm(f3_algorithm_names[i], &v), F3_OK);
        assert_int_equal(v, i);
    }
    for (int i = 0; i < F3_LOSS_COUNT; i++) {
        f3_loss v;
        assert_string_equal(f3_loss_name((f3_loss)i), f3_loss_names[i]);
        assert_int_equal(f3_parse_loss(f3_loss_names[i], &v), F3_OK);
        assert_int_equal(v, i);
    }
    for (int i = 0; i < F3_ACTIVATION_COUNT; i++) {
        f3_activation v;
        assert_string_equal(f3_activation_name((f3_activation)i), f3_activation_names[i]);
        assert_int_equal(f3_parse_activation(f3_activation_names[i], &v), F3_OK);
        assert_int_equal(v, i);
    }
    for (int i = 0; i < F3_FEEDBACK_INIT_COUNT; i++) {
        f3_feedback_init v;
        assert_string_equal(f3_feedback_init_name((f3_feedback_init)i), f3_feedback_init_names[i]);
        assert_int_equal(f3_parse_feedback_init(f3_feedback_init_names[i], &v), F3_OK);
        assert_int_equal(v, i);
    }
    for (int i = 0; i < F3_OPTIMIZER_COUNT; i++) {
        f3_optimizer v;
        assert_string_equal(f3_optimizer_name((f3_optimizer)i), f3_optimizer_names[i]);
        assert_int_equal(f3_parse_optimizer(f3_optimizer_names[i], &v), F3_OK);
        assert_int_equal(v, i);
    }
    for (int i = 0; i < F3_ERROR_INFO_COUNT; i++) {
        f3_error_info ei;
        assert_int_equal(f3_parse_error_info(f3_error_info_names[i], &ei), F3_OK);
        f3_error_info_name(ei, buf, sizeof buf);
        assert_string_equal(buf, f3_error_info_names[i]);
    }
    assert_string_equal(f3_algorithm_name((f3_algorithm)F3_ALGORITHM_COUNT), "?");
    f3_optimizer o;
    assert_int_equal(f3_parse_optimizer("lion", &o), F3_EINVAL);
    assert_non_null(strstr(f3_last_error(), "(expected one of: sgd, adam)"));
}

/* f3_config_check names the setting each problem concerns. */
static void test_config_check_fields(void **state)
{
    (void)state;
    const size_t widths[] = {4, 5, 3};
    const f3_config c = small_config(F3_ALG_F3, 2, widths, 5);
    f3_config_field field = F3_CFG_LR;
    assert_int_equal(f3_config_check(&c, F3_TASK_CLASSIFICATION, &field), F3_OK);
    assert_int_equal(field, F3_CFG_NONE);
    f3_config bad = c;
    bad.n_layers = 0;
    assert_int_equal(f3_config_check(&bad, F3_TASK_CLASSIFICATION, &field), F3_EINVAL);
    assert_int_equal(field, F3_CFG_LAYERS);
    bad = c;
    bad.widths[2] = 0;
    assert_int_equal(f3_config_check(&bad, F3_TASK_CLASSIFICATION, &field), F3_EINVAL);
    assert_int_equal(field, F3_CFG_WIDTHS);
    bad = c;
    bad.batch_size = 0;
    assert_int_equal(f3_config_check(&bad, F3_TASK_CLASSIFICATION, &field), F3_EINVAL);
    assert_int_equal(field, F3_CFG_BATCH_SIZE);
    bad = c;
    bad.lr = 0;
    assert_int_equal(f3_config_check(&bad, F3_TASK_CLASSIFICATION, &field), F3_EINVAL);
    assert_int_equal(field, F3_CFG_LR);
    bad = c;
    bad.beta2 = 1.0;
    assert_int_equal(f3_config_check(&bad, F3_TASK_CLASSIFICATION, &field), F3_EINVAL);
    assert_int_equal(field, F3_CFG_ADAM);
    bad.optimizer = F3_OPT_SGD; /* SGD has no betas */
    assert_int_equal(f3_config_check(&bad, F3_TASK_CLASSIFICATION, &field), F3_OK);
    bad = c;
    bad.output_act = F3_ACT_TANH;
    assert_int_equal(f3_config_check(&bad, F3_TASK_CLASSIFICATION, &field), F3_EINVAL);
    assert_int_equal(field, F3_CFG_OUTPUT_ACT);
    assert_non_null(strstr(f3_last_error(), "loss bce needs a sigmoid output activation, got tanh"));
    bad.loss = F3_LOSS_SOFTMAX_CE;
    assert_int_equal(f3_config_check(&bad, F3_TASK_CLASSIFICATION, &field), F3_EINVAL);
    assert_int_equal(field, F3_CFG_OUTPUT_ACT);
    bad = c;
    bad.output_act = F3_ACT_IDENTITY;
    bad.loss = F3_LOSS_SOFTMAX_CE;
    bad.error_info.softmax = 1;
    bad.error_info.one_hot = 0;
    assert_int_equal(f3_config_check(&bad, F3_TASK_CLASSIFICATION, &field), F3_EINVAL);
    assert_int_equal(field, F3_CFG_ERROR_INFO);
    assert_non_null(strstr(f3_last_error(), "softmax twice"));
    bad.algorithm = F3_ALG_BP; /* only f3 uses error information */
    assert_int_equal(f3_config_check(&bad, F3_TASK_CLASSIFICATION, &field), F3_OK);
    assert_int_equal(field, F3_CFG_NONE);
    assert_int_equal(f3_config_check(&bad, F3_TASK_REGRESSION, &field), F3_EINVAL);
    assert_int_equal(field, F3_CFG_LOSS);
    bad = c;
    bad.loss = F3_LOSS_MSE;
    bad.output_act = F3_ACT_IDENTITY;
    assert_int_equal(f3_config_check(&bad, F3_TASK_REGRESSION, &field), F3_EINVAL); /* one-hot */
    assert_int_equal(field, F3_CFG_ERROR_INFO);
    /* f3_config_validate is the same check */
    assert_int_equal(f3_config_validate(&bad, F3_TASK_REGRESSION), F3_EINVAL);
    assert_int_equal(f3_config_check(&bad, F3_TASK_REGRESSION, NULL), F3_EINVAL);
}

/* Divergence: f3_all_finite finds a NaN or an infinity wherever it is (in
 * the vectorised body and in the remainder), and a step whose new weights
 * are not finite names its layer and fails; a finite run is not flagged. */
static void test_divergence(void **state)
{
    (void)state;
    float x[67] = {0};
    const float bad[3] = {NAN, INFINITY, -INFINITY};
    for (size_t n = 0; n <= 67; n++) {
        for (size_t i = 0; i < n; i++) x[i] = (i % 3 == 0) ? 3.4e38f : (i % 3 == 1 ? -1e-40f : -0.0f);
        assert_true(f3_all_finite(x, n));
        for (size_t i = 0; i < n; i++)
            for (int k = 0; k < 3; k++) {
                float keep = x[i];
                x[i] = bad[k];
                assert_false(f3_all_finite(x, n));
                x[i] = keep;
            }
    }
    const size_t w[3] = {6, 8, 3};
    for (int a = 0; a < 2; a++) {
        f3_config c = small_config(a ? F3_ALG_F3 : F3_ALG_BP, 2, w, 5);
        c.optimizer = F3_OPT_SGD;
        c.loss = F3_LOSS_MSE; /* an identity output: nothing bounds the error */
        c.output_act = F3_ACT_IDENTITY;
        c.lr = 1e30;
        f3_trainer *tr = make(&c, 5);
        batch B = make_batch(5, 6, 3, 3, 0);
        f3_stats st = {0};
        f3_status rc = F3_OK;
        for (int step = 0; step < 50 && rc == F3_OK; step++) rc = f3_train_step(tr, B.x, B.t, B.lab, B.idx, 5, &st);
        assert_int_equal(rc, F3_ERANGE);
        assert_true(tr->diverged_layer >= 1 && tr->diverged_layer <= 2);
        assert_true(tr->diverged_step >= 1);
        assert_non_null(strstr(f3_last_error(), "not finite"));
        f3_trainer_free(tr);
        /* the same network with a sane rate is never flagged */
        c.lr = 1e-2;
        tr = make(&c, 5);
        for (int step = 0; step < 50; step++) assert_int_equal(f3_train_step(tr, B.x, B.t, B.lab, B.idx, 5, &st), F3_OK);
        assert_int_equal(tr->diverged_layer, 0);
        f3_trainer_free(tr);
        free_batch(&B);
    }
}

int main(int argc, char **argv)
{
    (void)argc;
    f3_blas_select_core(argv); /* test the kernels f3sim runs */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bp_gradients_tanh),
        cmocka_unit_test(test_bp_gradients_sigmoid),
        cmocka_unit_test(test_bp_gradients_relu),
        cmocka_unit_test(test_dfa_feedback_is_current_error),
        cmocka_unit_test(test_f3_is_algorithm_1),
        cmocka_unit_test(test_f3_loss_store_and_e0),
        cmocka_unit_test(test_epoch1_f3_onehot_equals_drtp),
        cmocka_unit_test(test_llo_freezes_hidden_layers),
        cmocka_unit_test(test_ledger_peaks_and_feedback_fma),
        cmocka_unit_test(test_same_seed_same_weights),
        cmocka_unit_test(test_all_algorithms_learn),
        cmocka_unit_test(test_config_errors),
        cmocka_unit_test(test_feedback_initialisations),
        cmocka_unit_test(test_layer_rules),
        cmocka_unit_test(test_memory_plan),
        cmocka_unit_test(test_memory_plan_is_the_trainers),
        cmocka_unit_test(test_name_tables),
        cmocka_unit_test(test_config_check_fields),
        cmocka_unit_test(test_divergence),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
