/* blocktrain.c — see f3/blocktrain.h. */
#include "f3/blocktrain.h"

#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "rng_internal.h"

struct f3_blocktrainer {
    f3_blocktrain_config cfg;
    f3_blocknet *net;
    size_t n, max_batch, n_train;
    float *B[F3_BLOCKNET_MAX_BLOCKS]; /* C × block k's output size, k < n − 1 */
    float *m[F3_BLOCKNET_MAX_BLOCKS], *v[F3_BLOCKNET_MAX_BLOCKS]; /* Adam */
    uint64_t steps;
    float *store;                     /* n_train × C */
    float *E, *dZ, *dOut;             /* b × C, b × C, b × the widest block output */
    float *es;                        /* F³ one-hot: b, each sample's target-class entry */
    float *between[2];                /* BP: b × the widest block input, δ between blocks */
    int32_t *labels;
    f3_ledger *ledger;                /* one layer per block */
    uint64_t live_stash, peak_stash;  /* elements of the blocks' stashes */
    /* number formats (f3_blocktrainer_set_numerics): quantized unless
     * every format is fp32 */
    f3_numerics nm;
    int quantized;
    uint64_t sat[F3_T_COUNT];
    gsl_rng **qrng;                   /* F3_T_COUNT × (n + 2), when a class rounds stochastically */
    f3_blocknet_numerics q_step, q_eval; /* the blocks' formats in a step and outside (nearest, uncounted) */
};


/* BP and DFA keep every block's stash and output for a later pass. */
static int keeps(f3_algorithm a) { return a == F3_ALG_BP || a == F3_ALG_DFA; }

void f3_blocktrainer_free(f3_blocktrainer *tr)
{
    if (!tr) return;
    f3_blocknet_free(tr->net);
    for (size_t k = 0; k < F3_BLOCKNET_MAX_BLOCKS; k++) free(tr->B[k]), free(tr->m[k]), free(tr->v[k]);
    free(tr->store);
    free(tr->E);
    free(tr->dZ);
    free(tr->dOut);
    free(tr->es);
    free(tr->between[0]);
    free(tr->between[1]);
    free(tr->labels);
    f3_ledger_free(tr->ledger);
    if (tr->qrng)
        for (size_t i = 0; i < (size_t)F3_T_COUNT * (tr->n + 2); i++) gsl_rng_free(tr->qrng[i]);
    free(tr->qrng);
    free(tr);
}

/* ---- number formats ------------------------------------------------------------ */

/* Whether block blk has an attention (att) or a layer normalisation (ln). */
static void softmax_norm(const f3_block *blk, int *att, int *ln)
{
    for (size_t i = 0; i < blk->n_ops; i++) {
        *att |= blk->op[i].kind == F3_BOP_ATTENTION;
        *ln |= blk->op[i].kind == F3_BOP_LAYERNORM;
    }
}

/* f3_blocktrain_check_numerics for a network that has attention (att)
 * and layer normalisation (ln) or not. */
static f3_status check_numerics(f3_optimizer opt, const f3_numerics *nm, int att, int ln, f3_tensor *tensor)
{
    f3_tensor ignored;
    if (!tensor) tensor = &ignored;
    for (int t = 0; t < F3_T_COUNT; t++) {
        const f3_format *f = &nm->fmt[t];
        *tensor = (f3_tensor)t;
        if (f->kind == F3_FMT_FIXED && (f->int_bits < 1 || f->frac_bits < 0 || f->int_bits + f->frac_bits < 4 ||
                                        f->int_bits + f->frac_bits > 32))
            return F3_FAIL(F3_EINVAL, "numerics.%s: a fixed-point format is 4 to 32 bits with at least one integer bit",
                           f3_tensor_names[t]);
    }
    *tensor = F3_T_OPTIMIZER;
    if (opt == F3_OPT_ADAM && nm->fmt[F3_T_OPTIMIZER].kind == F3_FMT_FIXED)
        return F3_FAIL(F3_EINVAL, "fixed-point optimizer state needs the sgd optimizer: Adam divides by a square root, "
                                  "which f3sim does not define in fixed point (use bf16 or fp16 for the optimizer "
                                  "state, or sgd)");
    *tensor = F3_T_ACTIVATIONS;
    const f3_format *act = &nm->fmt[F3_T_ACTIVATIONS];
    if (act->kind != F3_FMT_FIXED || (!att && !ln)) return F3_OK;
    char name[16];
    f3_format_name(act, name, sizeof name);
    return F3_FAIL(F3_EINVAL,
                   "the activations format %s is fixed point: %s%s%s %s no fixed-point implementation in the block "
                   "trainer; use bf16, fp16 or fp32 for activations",
                   name, att ? "the attention's softmax" : "", att && ln ? " and " : "",
                   ln ? "the layer normalisation" : "", att && ln ? "have" : "has");
}

f3_status f3_blocktrain_check_numerics(const f3_block *blocks, size_t n, f3_optimizer opt, const f3_numerics *nm,
                                       f3_tensor *tensor)
{
    int att = 0, ln = 0;
    for (size_t k = 0; k < n; k++) softmax_norm(&blocks[k], &att, &ln);
    return check_numerics(opt, nm, att, ln, tensor);
}

/* The stream of stochastic rounding of class t at `where` (block 0 … n − 1;
 * n: the input's activations, the loss's δ; n + 1: the error information
 * of a batch); NULL for round-to-nearest. */
static gsl_rng *qstream(const f3_blocktrainer *tr, f3_tensor t, size_t where)
{
    if (!tr->qrng || tr->nm.fmt[t].rounding != F3_ROUND_STOCHASTIC) return NULL;
    return tr->qrng[(size_t)t * (tr->n + 2) + where];
}

/* Round n values of class t where the hardware stores or sends them
 * (nothing in fp32), counting saturations. */
static void quantize(f3_blocktrainer *tr, f3_tensor t, size_t where, float *x, size_t n)
{
    const f3_format *f = &tr->nm.fmt[t];
    if (f->kind == F3_FMT_FP32) return;
    tr->sat[t] += f3_quantize(f, x, n, qstream(tr, t, where));
}

/* The streams of stochastic rounding (when a class rounds stochastically)
 * and the blocks' formats, from tr->nm. */
static f3_status numerics_setup(f3_blocktrainer *tr, uint64_t seed)
{
    const f3_numerics *nm = &tr->nm;
    const size_t per = tr->n + 2;
    int sr = 0;
    for (int t = 0; t < F3_T_COUNT; t++) sr |= nm->fmt[t].rounding == F3_ROUND_STOCHASTIC;
    if (sr) {
        if (!(tr->qrng = calloc((size_t)F3_T_COUNT * per, sizeof *tr->qrng)))
            return F3_FAIL(F3_ENOMEM, "block trainer: out of memory for the number formats' streams");
        for (size_t i = 0; i < (size_t)F3_T_COUNT * per; i++) {
            /* stream i = class·(n + 2) + where: mt19937 seeded from (seed, i) through splitmix64 */
            uint64_t st = seed ^ (0xF3B10C4Bull + (uint64_t)i) * 0x9E3779B97F4A7C15ull;
            const uint64_t z = f3_splitmix64(&st);
            if (!(tr->qrng[i] = gsl_rng_alloc(gsl_rng_mt19937)))
                return F3_FAIL(F3_ENOMEM, "block trainer: out of memory for the number formats' streams");
            gsl_rng_set(tr->qrng[i], (unsigned long)(z & 0xffffffffu) | 1u);
        }
    }
    tr->q_eval.act = nm->fmt[F3_T_ACTIVATIONS];
    tr->q_eval.err = nm->fmt[F3_T_ERROR];
    tr->q_step = tr->q_eval;
    if (tr->qrng) {
        tr->q_step.act_rng = tr->qrng + (size_t)F3_T_ACTIVATIONS * per;
        tr->q_step.err_rng = tr->qrng + (size_t)F3_T_ERROR * per;
    }
    tr->q_step.sat = tr->sat;
    return f3_blocknet_set_numerics(tr->net, &tr->q_eval);
}

f3_status f3_blocktrainer_set_numerics(f3_blocktrainer *tr, const f3_numerics *nm, uint64_t seed)
{
    if (tr->steps || tr->quantized)
        return F3_FAIL(F3_EINVAL, "number formats are set once, before the block trainer's first step");
    int att = 0, ln = 0;
    for (size_t k = 0; k < tr->n; k++) softmax_norm(f3_blocknet_block(tr->net, k), &att, &ln);
    f3_status st = check_numerics(tr->cfg.optimizer, nm, att, ln, NULL);
    if (st != F3_OK || f3_numerics_is_fp32(nm)) return st;
    tr->nm = *nm;
    if ((st = numerics_setup(tr, seed)) != F3_OK) {
        /* back to fp32, as before the call */
        if (tr->qrng)
            for (size_t i = 0; i < (size_t)F3_T_COUNT * (tr->n + 2); i++) gsl_rng_free(tr->qrng[i]);
        free(tr->qrng);
        tr->qrng = NULL;
        memset(&tr->nm, 0, sizeof tr->nm);
        (void)f3_blocknet_set_numerics(tr->net, NULL); /* F3_OK: nothing to allocate */
        return st;
    }
    tr->quantized = 1;
    /* the parameters and B as the chip stores them */
    for (size_t k = 0; k < tr->n; k++) {
        const f3_block *blk = f3_blocknet_block(tr->net, k);
        quantize(tr, F3_T_WEIGHTS, k, f3_blocknet_params(tr->net, k), f3_block_params(blk));
        if (k + 1 < tr->n) quantize(tr, F3_T_FEEDBACK, k, tr->B[k], tr->cfg.classes * f3_block_out_size(blk));
    }
    return F3_OK;
}

const uint64_t *f3_blocktrainer_saturations(const f3_blocktrainer *tr) { return tr->sat; }

void f3_blocktrainer_store_round(f3_blocktrainer *tr)
{
    f3_format f = tr->nm.fmt[F3_T_ERROR_STORE];
    f.rounding = F3_ROUND_NEAREST_EVEN;
    f3_quantize(&f, tr->store, tr->n_train * tr->cfg.classes, NULL);
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
    size_t widest = C, widest_in = 1;
    for (size_t k = 0; k < n; k++) {
        const size_t np = f3_block_params(&blocks[k]), out = f3_block_out_size(&blocks[k]);
        widest = out > widest ? out : widest;
        widest_in = out > widest_in ? out : widest_in; /* block k + 1's input */
        if (!(tr->m[k] = calloc(np ? np : 1, sizeof(float))) || !(tr->v[k] = calloc(np ? np : 1, sizeof(float))))
            goto oom;
        if (k + 1 < n) {
            if (!(tr->B[k] = malloc(C * out * sizeof(float)))) goto oom;
            for (size_t i = 0; i < C * out; i++) tr->B[k][i] = (float)((int)(f3_splitmix64(&rng) % 3) - 1);
        }
    }
    if (!(tr->store = calloc(n_train > 0 ? n_train * C : 1, sizeof(float))) ||
        !(tr->E = malloc(max_batch * C * sizeof(float))) || !(tr->dZ = malloc(max_batch * C * sizeof(float))) ||
        !(tr->dOut = malloc(max_batch * widest * sizeof(float))) || !(tr->labels = malloc(max_batch * sizeof(int32_t))) ||
        !(tr->es = malloc(max_batch * sizeof(float))) ||
        !(tr->between[0] = malloc(max_batch * widest_in * sizeof(float))) ||
        !(tr->between[1] = malloc(max_batch * widest_in * sizeof(float))))
        goto oom;
    if (f3_ledger_alloc(n, &tr->ledger) != F3_OK) goto oom;
    /* the stash and the memory classes of the rule; the ledger is attached
     * during the steps only, so that an evaluation's forward passes (the
     * caller's f3_blocknet_forward) are not counted */
    f3_blocknet_count(tr->net, NULL, keeps(cfg->algorithm), cfg->algorithm == F3_ALG_BP);
    /* F³'s store is live from the start, as the MLP trainer's (eq. 29) */
    if (cfg->algorithm == F3_ALG_F3) f3_ledger_err_live(tr->ledger, (int64_t)(n_train * C));
    return tr;
oom:
    f3_blocktrainer_free(tr);
    F3_FAIL(F3_ENOMEM, "block trainer: out of memory");
    return NULL;
}

f3_blocknet *f3_blocktrainer_net(f3_blocktrainer *tr) { return tr->net; }
float *f3_blocktrainer_feedback(f3_blocktrainer *tr, size_t k) { return tr->B[k]; }
float *f3_blocktrainer_store(f3_blocktrainer *tr) { return tr->store; }
const f3_ledger *f3_blocktrainer_ledger(const f3_blocktrainer *tr) { return tr->ledger; }
uint64_t f3_blocktrainer_stash_peak(const f3_blocktrainer *tr) { return tr->peak_stash; }

static f3_counts *at(f3_blocktrainer *tr, size_t k, f3_phase p) { return f3_ledger_at(tr->ledger, k, p); }

/* Change the live count of the blocks' stashes by ± b·(block k's stash);
 * with keep (BP, DFA) the stash is in the activation buffer too. */
static void stash_live(f3_blocktrainer *tr, size_t k, size_t b, int sign, int keep)
{
    const uint64_t e = (uint64_t)b * f3_blocknet_stash(tr->net, k);
    tr->live_stash = sign > 0 ? tr->live_stash + e : tr->live_stash - e;
    if (tr->live_stash > tr->peak_stash) tr->peak_stash = tr->live_stash;
    if (keep) f3_ledger_act_live(tr->ledger, sign * (int64_t)e);
}

/* δ at block k's output: E·B_k (b × its output size, into dOut), or with
 * one-hot error information each sample's entry times its class's row of
 * B_k; counted in block k's feedback phase, eq. (16). */
static void feedback(f3_blocktrainer *tr, size_t k, const float *E, const float *es, size_t b)
{
    const size_t m = f3_block_out_size(f3_blocknet_block(tr->net, k));
    if (es)
        f3_feedback_onehot(es, tr->labels, tr->B[k], tr->dOut, b, m, F3_MEM_WORK, at(tr, k, F3_PH_FEEDBACK));
    else
        f3_feedback_dense(E, tr->B[k], tr->dOut, b, tr->cfg.classes, m, F3_MEM_WORK, at(tr, k, F3_PH_FEEDBACK));
}

/* The optimiser on block k, op by op: a linear's W (class weights), its
 * bias and a layer norm's γ and β (class biases). */
static void update_block(f3_blocktrainer *tr, size_t k)
{
    const f3_blocktrain_config *cfg = &tr->cfg;
    const f3_block *blk = f3_blocknet_block(tr->net, k);
    float *p = f3_blocknet_params(tr->net, k), *g = f3_blocknet_grads(tr->net, k);
    f3_counts *c = at(tr, k, F3_PH_UPDATE);
    const size_t np = f3_block_params(blk);
    /* the gradients as the accumulator holds them; SGD into a quantised
     * weights' format forms p − η·g in double (as the MLP trainer) */
    if (tr->quantized) quantize(tr, F3_T_GRADIENTS, k, g, np);
    const int sgd_q = cfg->optimizer == F3_OPT_SGD && !f3_format_is_fp32(&tr->nm.fmt[F3_T_WEIGHTS]);
    size_t off = 0;
    for (size_t i = 0; i < blk->n_ops; i++) {
        const f3_bop *op = &blk->op[i];
        const size_t nw = op->kind == F3_BOP_LINEAR ? op->d_in * op->d_out : 0;
        const size_t seg[2] = {nw, f3_bop_params(op) - nw};
        for (int s = 0; s < 2; s++) {
            if (!seg[s]) continue;
            const f3_memclass cls = s ? F3_MEM_BIASES : F3_MEM_WEIGHTS;
            if (cfg->optimizer == F3_OPT_ADAM) {
                f3_adam_update(p + off, g + off, tr->m[k] + off, tr->v[k] + off, seg[s], cfg->lr, cfg->beta1,
                               cfg->beta2, cfg->eps, tr->steps, cls, c);
            } else if (sgd_q) {
                const double lr = (float)cfg->lr;
                for (size_t j = off; j < off + seg[s]; j++) p[j] = (float)((double)p[j] - lr * (double)g[j]);
                f3_count_sgd(c, seg[s], cls);
            } else {
                f3_sgd_update(p + off, g + off, seg[s], (float)cfg->lr, cls, c);
            }
            off += seg[s];
        }
    }
    if (!tr->quantized) return;
    /* Adam in fp32; its state and the parameters stored in their formats */
    if (cfg->optimizer == F3_OPT_ADAM) {
        quantize(tr, F3_T_OPTIMIZER, k, tr->m[k], np);
        quantize(tr, F3_T_OPTIMIZER, k, tr->v[k], np);
    }
    quantize(tr, F3_T_WEIGHTS, k, p, np);
}

/* The error information of the blocks before the last: F³'s from the store
 * (into E, or one entry per sample into es when one-hot; read in block 1's
 * feedback phase, as the MLP trainer does), DRTP's the target; DFA's comes
 * after the forward pass. */
static void error_information_in(f3_blocktrainer *tr, const float *T, const size_t *idx, size_t b, const float **E,
                                 const float **es)
{
    const size_t C = tr->cfg.classes;
    *E = tr->E;
    *es = NULL;
    if (tr->cfg.algorithm == F3_ALG_DRTP) *E = T;
    if (tr->cfg.algorithm != F3_ALG_F3) return;
    f3_counts *c = at(tr, 0, F3_PH_FEEDBACK);
    if (tr->cfg.error_info.one_hot) {
        /* e ⊙ t: only the target-class entry */
        for (size_t s = 0; s < b; s++)
            tr->es[s] = tr->store[idx[s] * C + (size_t)tr->labels[s]] * T[s * C + (size_t)tr->labels[s]];
        *es = tr->es;
        c->reads[F3_MEM_ERRSTORE] += b;
        quantize(tr, F3_T_ERROR, tr->n + 1, tr->es, b);
    } else {
        for (size_t s = 0; s < b; s++) memcpy(tr->E + s * C, tr->store + idx[s] * C, C * sizeof(float));
        c->reads[F3_MEM_ERRSTORE] += (uint64_t)b * C;
        quantize(tr, F3_T_ERROR, tr->n + 1, tr->E, b * C);
    }
}

/* Every block's forward pass.  BP and DFA keep every block's stash and
 * output until its backward pass; F³ and DRTP know δ before the forward
 * pass and run each block's backward pass right after its forward pass, so
 * one stash is live at a time (A.4); LLO backpropagates the last block
 * only.  Returns the network's output. */
static const float *forward_pass(f3_blocktrainer *tr, const float *X, const float *E, const float *es, size_t b)
{
    const f3_algorithm alg = tr->cfg.algorithm;
    const int keep = keeps(alg), local = alg == F3_ALG_F3 || alg == F3_ALG_DRTP;
    f3_blocknet *net = tr->net;
    for (size_t k = 0; k < tr->n; k++) {
        const int last = k + 1 == tr->n;
        f3_blocknet_forward_block(net, k, X, b);
        if (keep) {
            stash_live(tr, k, b, 1, 1);
            if (!last) f3_ledger_act_live(tr->ledger, (int64_t)(b * f3_block_out_size(f3_blocknet_block(net, k))));
        } else if (local || last) {
            stash_live(tr, k, b, 1, 0);
        }
        if (local && !last) {
            feedback(tr, k, E, es, b);
            f3_blocknet_backward_block(net, k, tr->dOut, NULL);
            stash_live(tr, k, b, -1, 0);
        }
    }
    return f3_blocknet_block_output(net, tr->n - 1);
}

/* The backward passes after the loss's δ (in dZ): BP through every block;
 * the others the last block from the loss, and DFA every other block from
 * the current error.  A block's stash, and with BP and DFA its input, are
 * free after its backward pass. */
static void backward_pass(f3_blocktrainer *tr, const float *Y, const float *T, size_t b)
{
    f3_blocknet *net = tr->net;
    const size_t n = tr->n;
    const f3_algorithm alg = tr->cfg.algorithm;
    if (alg == F3_ALG_BP) {
        /* block k's input gradient is block k − 1's output gradient */
        const float *d = tr->dZ;
        for (size_t k = n; k-- > 0;) {
            float *din = k ? tr->between[k & 1] : NULL;
            f3_blocknet_backward_block(net, k, d, din);
            stash_live(tr, k, b, -1, 1);
            if (k) f3_ledger_act_live(tr->ledger, -(int64_t)(b * f3_block_in_size(f3_blocknet_block(net, k))));
            d = din;
        }
        return;
    }
    f3_blocknet_backward_block(net, n - 1, tr->dZ, NULL);
    stash_live(tr, n - 1, b, -1, alg == F3_ALG_DFA);
    if (alg != F3_ALG_DFA || n == 1) return;
    /* the current error t − softmax(y), to every other block */
    const f3_error_info cur = {F3_EI_ERROR, 0, 1};
    f3_error_information(cur, F3_LOSS_SOFTMAX_CE, Y, T, tr->E, b, tr->cfg.classes, at(tr, n - 1, F3_PH_LOSS));
    quantize(tr, F3_T_ERROR, n + 1, tr->E, b * tr->cfg.classes);
    for (size_t k = 0; k + 1 < n; k++) {
        feedback(tr, k, tr->E, NULL, b);
        f3_blocknet_backward_block(net, k, tr->dOut, NULL);
        stash_live(tr, k, b, -1, 1);
        if (k) f3_ledger_act_live(tr->ledger, -(int64_t)(b * f3_block_in_size(f3_blocknet_block(net, k))));
    }
    f3_ledger_act_live(tr->ledger, -(int64_t)(b * f3_block_in_size(f3_blocknet_block(net, n - 1))));
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
    f3_blocknet_zero_grads(tr->net);
    f3_blocknet_count(tr->net, tr->ledger, keeps(alg), alg == F3_ALG_BP);
    /* the steps round with each class's rounding and count; outside them
     * (an evaluation) to nearest even, uncounted */
    if (tr->quantized) (void)f3_blocknet_set_numerics(tr->net, &tr->q_step); /* the input's copy exists: F3_OK */
    const float *E, *es;
    error_information_in(tr, T, idx, b, &E, &es);
    const float *Y = forward_pass(tr, X, E, es, b);
    /* the loss's δ at the output: (softmax(y) − t) / b */
    double loss = 0.0;
    size_t correct = 0;
    f3_output_delta(F3_LOSS_SOFTMAX_CE, F3_ACT_IDENTITY, Y, T, tr->labels, tr->dZ, b, C, &loss, &correct,
                    at(tr, n - 1, F3_PH_LOSS));
    quantize(tr, F3_T_ERROR, n, tr->dZ, b * C);
    backward_pass(tr, Y, T, b);
    /* F³: this step's outputs' error information, for the next epoch */
    if (alg == F3_ALG_F3) {
        f3_counts *c = at(tr, n - 1, F3_PH_LOSS);
        f3_error_information(cfg->error_info, F3_LOSS_SOFTMAX_CE, Y, T, tr->E, b, C, c);
        quantize(tr, F3_T_ERROR_STORE, n - 1, tr->E, b * C);
        for (size_t s = 0; s < b; s++) memcpy(tr->store + idx[s] * C, tr->E + s * C, C * sizeof(float));
        c->writes[F3_MEM_ERRSTORE] += (uint64_t)b * C;
    }
    /* the optimiser on every trained block */
    tr->steps++;
    for (size_t k = (alg == F3_ALG_LLO ? n - 1 : 0); k < n; k++) update_block(tr, k);
    f3_ledger_count_step(tr->ledger, b);
    f3_blocknet_count(tr->net, NULL, keeps(alg), alg == F3_ALG_BP);
    if (tr->quantized) (void)f3_blocknet_set_numerics(tr->net, &tr->q_eval);
    if (st) {
        st->loss_sum += loss;
        st->correct += correct;
        st->samples += b;
    }
    return F3_OK;
}
