/* blocktrain.c — see f3/blocktrain.h. */
#include "f3/blocktrain.h"

#include <stdlib.h>
#include <string.h>

#include "rng_internal.h"

#include <gsl/gsl_blas.h>

struct f3_blocktrainer {
    f3_blocktrain_config cfg;
    f3_blocknet *net;
    size_t n, max_batch, n_train;
    float *B[F3_BLOCKNET_MAX_BLOCKS]; /* C × block k's output size, k < n − 1 */
    float *m[F3_BLOCKNET_MAX_BLOCKS], *v[F3_BLOCKNET_MAX_BLOCKS]; /* Adam */
    uint64_t steps;
    float *store;                     /* n_train × C */
    float *E, *dZ, *dOut;             /* b × C, b × C, b × the widest block output */
    int32_t *labels;
};


void f3_blocktrainer_free(f3_blocktrainer *tr)
{
    if (!tr) return;
    f3_blocknet_free(tr->net);
    for (size_t k = 0; k < F3_BLOCKNET_MAX_BLOCKS; k++) free(tr->B[k]), free(tr->m[k]), free(tr->v[k]);
    free(tr->store);
    free(tr->E);
    free(tr->dZ);
    free(tr->dOut);
    free(tr->labels);
    free(tr);
}

f3_blocktrainer *f3_blocktrainer_new(const f3_block *blocks, size_t n, const f3_blocktrain_config *cfg,
                                     size_t max_batch, size_t n_train, uint64_t seed)
{
    if (!n || !cfg->classes || f3_block_out_size(&blocks[n - 1]) != cfg->classes) {
        F3_FAIL(F3_EINVAL, "the last block gives %zu values per sample, the classes are %zu",
                n ? f3_block_out_size(&blocks[n - 1]) : 0, cfg->classes);
        return NULL;
    }
    f3_blocktrainer *tr = calloc(1, sizeof *tr);
    if (!tr) goto oom;
    tr->cfg = *cfg;
    tr->n = n;
    tr->max_batch = max_batch;
    tr->n_train = n_train;
    if (!(tr->net = f3_blocknet_new(blocks, n, max_batch, seed))) {
        free(tr);
        return NULL;
    }
    const size_t C = cfg->classes;
    uint64_t rng = seed ^ 0x5DEECE66Dull;
    size_t widest = C;
    for (size_t k = 0; k < n; k++) {
        const size_t np = f3_block_params(&blocks[k]), out = f3_block_out_size(&blocks[k]);
        widest = out > widest ? out : widest;
        if (!(tr->m[k] = calloc(np ? np : 1, sizeof(float))) || !(tr->v[k] = calloc(np ? np : 1, sizeof(float))))
            goto oom;
        if (k + 1 < n) {
            if (!(tr->B[k] = malloc(C * out * sizeof(float)))) goto oom;
            for (size_t i = 0; i < C * out; i++) tr->B[k][i] = (float)((int)(f3_splitmix64(&rng) % 3) - 1);
        }
    }
    if (!(tr->store = calloc(n_train > 0 ? n_train * C : 1, sizeof(float))) ||
        !(tr->E = malloc(max_batch * C * sizeof(float))) || !(tr->dZ = malloc(max_batch * C * sizeof(float))) ||
        !(tr->dOut = malloc(max_batch * widest * sizeof(float))) || !(tr->labels = malloc(max_batch * sizeof(int32_t))))
        goto oom;
    return tr;
oom:
    f3_blocktrainer_free(tr);
    F3_FAIL(F3_ENOMEM, "block trainer: out of memory");
    return NULL;
}

f3_blocknet *f3_blocktrainer_net(f3_blocktrainer *tr) { return tr->net; }
float *f3_blocktrainer_feedback(f3_blocktrainer *tr, size_t k) { return tr->B[k]; }
float *f3_blocktrainer_store(f3_blocktrainer *tr) { return tr->store; }

/* dOut (b × m) = E (b × C) · B (C × m) */
static void times_feedback(const float *E, const float *B, float *dOut, size_t b, size_t C, size_t m)
{
    gsl_matrix_float_const_view Ev = gsl_matrix_float_const_view_array(E, b, C);
    gsl_matrix_float_const_view Bv = gsl_matrix_float_const_view_array(B, C, m);
    gsl_matrix_float_view Dv = gsl_matrix_float_view_array(dOut, b, m);
    gsl_blas_sgemm(CblasNoTrans, CblasNoTrans, 1.0f, &Ev.matrix, &Bv.matrix, 0.0f, &Dv.matrix);
}

f3_status f3_blocktrainer_step(f3_blocktrainer *tr, const float *X, const float *T, const size_t *idx, size_t b,
                               f3_stats *st)
{
    if (!b || b > tr->max_batch) return F3_FAIL(F3_EINVAL, "a batch of %zu samples (1 to %zu)", b, tr->max_batch);
    if (tr->cfg.algorithm == F3_ALG_F3)
        for (size_t s = 0; s < b; s++)
            if (idx[s] >= tr->n_train)
                return F3_FAIL(F3_ERANGE, "sample index %zu is outside the error store (%zu samples)", idx[s],
                               tr->n_train);
    const f3_blocktrain_config *cfg = &tr->cfg;
    const size_t C = cfg->classes, n = tr->n;
    const f3_algorithm alg = cfg->algorithm;
    for (size_t s = 0; s < b; s++) {
        size_t best = 0;
        for (size_t c = 1; c < C; c++)
            if (T[s * C + c] > T[s * C + best]) best = c;
        tr->labels[s] = (int32_t)best;
    }
    f3_blocknet *net = tr->net;
    f3_blocknet_zero_grads(net);
    const float *Y = f3_blocknet_forward(net, X, b);
    /* the loss's δ at the output: (softmax(y) − t) / b */
    double loss = 0.0;
    size_t correct = 0;
    f3_output_delta(F3_LOSS_SOFTMAX_CE, F3_ACT_IDENTITY, Y, T, tr->labels, tr->dZ, b, C, &loss, &correct, NULL);
    if (alg == F3_ALG_BP) {
        f3_blocknet_backward_all(net, tr->dZ, NULL);
    } else {
        f3_blocknet_backward_block(net, n - 1, tr->dZ, NULL);
        if (alg != F3_ALG_LLO && n > 1) {
            /* the error information E of every other block */
            if (alg == F3_ALG_F3) {
                for (size_t s = 0; s < b; s++) {
                    const float *e = tr->store + idx[s] * C;
                    for (size_t c = 0; c < C; c++) tr->E[s * C + c] = cfg->error_info.one_hot ? e[c] * T[s * C + c] : e[c];
                }
            } else if (alg == F3_ALG_DFA) {
                const f3_error_info cur = {F3_EI_ERROR, 0, 1}; /* t − softmax(y) */
                f3_error_information(cur, F3_LOSS_SOFTMAX_CE, Y, T, tr->E, b, C, NULL);
            } else {
                memcpy(tr->E, T, b * C * sizeof(float)); /* DRTP: the target */
            }
            for (size_t k = 0; k + 1 < n; k++) {
                const size_t m = f3_block_out_size(f3_blocknet_block(net, k));
                times_feedback(tr->E, tr->B[k], tr->dOut, b, C, m);
                f3_blocknet_backward_block(net, k, tr->dOut, NULL);
            }
        }
    }
    /* F³: this step's outputs' error information, for the next epoch */
    if (alg == F3_ALG_F3) {
        f3_error_information(cfg->error_info, F3_LOSS_SOFTMAX_CE, Y, T, tr->E, b, C, NULL);
        for (size_t s = 0; s < b; s++) memcpy(tr->store + idx[s] * C, tr->E + s * C, C * sizeof(float));
    }
    /* Adam on every trained block */
    tr->steps++;
    for (size_t k = (alg == F3_ALG_LLO ? n - 1 : 0); k < n; k++) {
        const size_t np = f3_block_params(f3_blocknet_block(net, k));
        if (!np) continue;
        if (cfg->optimizer == F3_OPT_ADAM)
            f3_adam_update(f3_blocknet_params(net, k), f3_blocknet_grads(net, k), tr->m[k], tr->v[k], np, cfg->lr,
                           cfg->beta1, cfg->beta2, cfg->eps, tr->steps, F3_MEM_WEIGHTS, NULL);
        else
            f3_sgd_update(f3_blocknet_params(net, k), f3_blocknet_grads(net, k), np, (float)cfg->lr, F3_MEM_WEIGHTS,
                          NULL);
    }
    if (st) {
        st->loss_sum += loss;
        st->correct += correct;
        st->samples += b;
    }
    return F3_OK;
}
