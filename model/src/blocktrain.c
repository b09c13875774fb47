/* blocktrain.c — see f3/blocktrain.h. */
#include "f3/blocktrain.h"

#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "rng_internal.h"

/* One step in flight (f3/blocktrain.h, "one step, block by block"). */
struct f3_blockstep {
    size_t b;
    const float *T;                   /* b × C, the caller's */
    const size_t *idx;                /* b, the caller's */
    int32_t *labels;                  /* max_batch: each sample's class (arg-max of T) */
    float *E;                         /* max_batch × C: F³'s error information from the store, DFA's
                                       * current error, F³'s next error information for the store */
    float *es;                        /* F³ one-hot: max_batch, each sample's target-class entry */
    const float *fb_E, *fb_es;        /* what the blocks before the last take in E·B_k (F³, DRTP) */
    float *dZ;                        /* max_batch × C: the loss's δ at the output */
    double loss;                      /* the batch's, summed over its samples */
    size_t correct;
};

struct f3_blocktrainer {
    f3_blocktrain_config cfg;
    f3_blocknet *net;
    size_t n, max_batch, n_train;
    float *B[F3_BLOCKNET_MAX_BLOCKS]; /* C × block k's output size, k < n − 1 */
    float *m[F3_BLOCKNET_MAX_BLOCKS], *v[F3_BLOCKNET_MAX_BLOCKS]; /* Adam */
    uint64_t steps;                   /* begun */
    uint64_t updates[F3_BLOCKNET_MAX_BLOCKS]; /* optimiser steps of each block (Adam's t) */
    uint64_t fb_fma[F3_BLOCKNET_MAX_BLOCKS];  /* E·B_k's FMAs alone (f3_blocktrainer_feedback_fma) */
    float *store;                     /* n_train × C */
    float *dOut;                      /* b × the widest block output: E·B_k, within one call */
    float *between[2];                /* the plain step's BP: b × the widest block input, δ between blocks */
    f3_blockstep *step;               /* the plain step's */
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

void f3_blockstep_free(f3_blockstep *s)
{
    if (!s) return;
    free(s->labels);
    free(s->E);
    free(s->es);
    free(s->dZ);
    free(s);
}

f3_blockstep *f3_blockstep_new(const f3_blocktrainer *tr)
{
    const size_t B = tr->max_batch, C = tr->cfg.classes;
    f3_blockstep *s = calloc(1, sizeof *s);
    if (!s || !(s->labels = malloc(B * sizeof *s->labels)) || !(s->E = malloc(B * C * sizeof *s->E)) ||
        !(s->es = malloc(B * sizeof *s->es)) || !(s->dZ = malloc(B * C * sizeof *s->dZ))) {
        f3_blockstep_free(s);
        F3_FAIL(F3_ENOMEM, "block trainer: out of memory for a step's buffers");
        return NULL;
    }
    return s;
}

void f3_blocktrainer_free(f3_blocktrainer *tr)
{
    if (!tr) return;
    f3_blocknet_free(tr->net);
    for (size_t k = 0; k < F3_BLOCKNET_MAX_BLOCKS; k++) free(tr->B[k]), free(tr->m[k]), free(tr->v[k]);
    free(tr->store);
    free(tr->dOut);
    free(tr->between[0]);
    free(tr->between[1]);
    f3_blockstep_free(tr->step);
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
        !(tr->dOut = malloc(max_batch * widest * sizeof(float))) ||
        !(tr->between[0] = malloc(max_batch * widest_in * sizeof(float))) ||
        !(tr->between[1] = malloc(max_batch * widest_in * sizeof(float))) || !(tr->step = f3_blockstep_new(tr)))
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
uint64_t f3_blocktrainer_feedback_fma(const f3_blocktrainer *tr, size_t k) { return tr->fb_fma[k]; }
const float *f3_blockstep_delta(const f3_blockstep *s) { return s->dZ; }
const float *f3_blockstep_error(const f3_blockstep *s) { return s->E; }

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

/* The network's passes within a call count into the ledger and round with
 * each class's own rounding; between the calls (an evaluation) they count
 * nothing and round to nearest even. */
static void enter(f3_blocktrainer *tr)
{
    f3_blocknet_ledger(tr->net, tr->ledger);
    if (tr->quantized) (void)f3_blocknet_set_numerics(tr->net, &tr->q_step); /* the input's copy exists: F3_OK */
}

static void leave(f3_blocktrainer *tr)
{
    f3_blocknet_ledger(tr->net, NULL);
    if (tr->quantized) (void)f3_blocknet_set_numerics(tr->net, &tr->q_eval);
}

/* δ at block k's output: E·B_k (b × its output size, into dOut), or with
 * one-hot error information each sample's entry times its class's row of
 * B_k; counted in block k's feedback phase, eq. (16). */
static void feedback(f3_blocktrainer *tr, const f3_blockstep *s, size_t k, const float *E, const float *es)
{
    const size_t m = f3_block_out_size(f3_blocknet_block(tr->net, k)), b = s->b;
    f3_counts *c = at(tr, k, F3_PH_FEEDBACK);
    const uint64_t before = c->fma;
    if (es)
        f3_feedback_onehot(es, s->labels, tr->B[k], tr->dOut, b, m, F3_MEM_WORK, c);
    else
        f3_feedback_dense(E, tr->B[k], tr->dOut, b, tr->cfg.classes, m, F3_MEM_WORK, c);
    tr->fb_fma[k] += c->fma - before;
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
    /* Adam's t: this block's optimiser steps, the steps of the network */
    const uint64_t t = ++tr->updates[k];
    /* the gradients as the accumulator holds them; SGD into a quantised
     * weights' format forms p − η·g in double (as the MLP trainer) */
    if (tr->quantized) quantize(tr, F3_T_GRADIENTS, k, g, np);
    const int sgd_q = cfg->optimizer == F3_OPT_SGD && !f3_format_is_fp32(&tr->nm.fmt[F3_T_WEIGHTS]);
    size_t off = 0;
    for (size_t i = 0; i < blk->n_ops; i++) {
        const f3_bop *op = &blk->op[i];
        const size_t nw = op->kind == F3_BOP_LINEAR ? op->d_in * op->d_out : 0;
        const size_t seg[2] = {nw, f3_bop_params(op) - nw};
        for (int q = 0; q < 2; q++) {
            if (!seg[q]) continue;
            const f3_memclass cls = q ? F3_MEM_BIASES : F3_MEM_WEIGHTS;
            if (cfg->optimizer == F3_OPT_ADAM) {
                f3_adam_update(p + off, g + off, tr->m[k] + off, tr->v[k] + off, seg[q], cfg->lr, cfg->beta1,
                               cfg->beta2, cfg->eps, t, cls, c);
            } else if (sgd_q) {
                const double lr = (float)cfg->lr;
                for (size_t j = off; j < off + seg[q]; j++) p[j] = (float)((double)p[j] - lr * (double)g[j]);
                f3_count_sgd(c, seg[q], cls);
            } else {
                f3_sgd_update(p + off, g + off, seg[q], (float)cfg->lr, cls, c);
            }
            off += seg[q];
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

/* ---- one step, block by block (f3/blocktrain.h) ------------------------------------ */

f3_status f3_blocktrainer_begin(f3_blocktrainer *tr, f3_blockstep *s, const float *T, const size_t *idx, size_t b)
{
    if (!b || b > tr->max_batch) return F3_FAIL(F3_EINVAL, "a batch of %zu samples (1 to %zu)", b, tr->max_batch);
    const size_t C = tr->cfg.classes;
    const f3_algorithm alg = tr->cfg.algorithm;
    if (alg == F3_ALG_F3)
        for (size_t j = 0; j < b; j++)
            if (idx[j] >= tr->n_train)
                return F3_FAIL(F3_ERANGE, "sample index %zu is outside the error store (%zu samples)", idx[j],
                               tr->n_train);
    s->b = b;
    s->T = T;
    s->idx = idx;
    s->loss = 0.0;
    s->correct = 0;
    for (size_t j = 0; j < b; j++) {
        size_t best = 0;
        for (size_t c = 1; c < C; c++)
            if (T[j * C + c] > T[j * C + best]) best = c;
        s->labels[j] = (int32_t)best;
    }
    tr->steps++;
    /* the error information of the blocks before the last: DRTP's the
     * target; F³'s from the store (into E, or one entry per sample into es
     * when one-hot; read in block 1's feedback phase, as the MLP trainer
     * does); DFA's comes after the forward pass */
    s->fb_E = alg == F3_ALG_DRTP ? T : s->E;
    s->fb_es = NULL;
    if (alg != F3_ALG_F3) return F3_OK;
    f3_counts *c = at(tr, 0, F3_PH_FEEDBACK);
    if (tr->cfg.error_info.one_hot) {
        /* e ⊙ t: only the target-class entry */
        for (size_t j = 0; j < b; j++)
            s->es[j] = tr->store[idx[j] * C + (size_t)s->labels[j]] * T[j * C + (size_t)s->labels[j]];
        s->fb_es = s->es;
        c->reads[F3_MEM_ERRSTORE] += b;
        quantize(tr, F3_T_ERROR, tr->n + 1, s->es, b);
    } else {
        for (size_t j = 0; j < b; j++) memcpy(s->E + j * C, tr->store + idx[j] * C, C * sizeof(float));
        c->reads[F3_MEM_ERRSTORE] += (uint64_t)b * C;
        quantize(tr, F3_T_ERROR, tr->n + 1, s->E, b * C);
    }
    return F3_OK;
}

/* BP and DFA keep every block's stash and output until its backward pass;
 * F³ and DRTP know δ before the forward pass and run each block's backward
 * pass right after its forward pass, so one stash is live at a time (A.4);
 * LLO backpropagates the last block only. */
const float *f3_blocktrainer_forward(f3_blocktrainer *tr, f3_blockstep *s, size_t k, const float *X)
{
    const f3_algorithm alg = tr->cfg.algorithm;
    const int keep = keeps(alg), local = alg == F3_ALG_F3 || alg == F3_ALG_DRTP, last = k + 1 == tr->n;
    const size_t b = s->b;
    f3_blocknet *net = tr->net;
    enter(tr);
    memset(f3_blocknet_grads(net, k), 0, f3_block_params(f3_blocknet_block(net, k)) * sizeof(float));
    const float *Y = f3_blocknet_forward_block(net, k, X, b);
    if (keep) {
        stash_live(tr, k, b, 1, 1);
        if (!last) f3_ledger_act_live(tr->ledger, (int64_t)(b * f3_block_out_size(f3_blocknet_block(net, k))));
    } else if (local || last) {
        stash_live(tr, k, b, 1, 0);
    }
    if (local && !last) {
        feedback(tr, s, k, s->fb_E, s->fb_es);
        f3_blocknet_backward_block(net, k, tr->dOut, NULL);
        stash_live(tr, k, b, -1, 0);
    }
    leave(tr);
    return Y;
}

void f3_blocktrainer_loss(f3_blocktrainer *tr, f3_blockstep *s, const float *Y)
{
    const size_t n = tr->n, b = s->b, C = tr->cfg.classes;
    /* (softmax(y) − t) / b */
    f3_output_delta(F3_LOSS_SOFTMAX_CE, F3_ACT_IDENTITY, Y, s->T, s->labels, s->dZ, b, C, &s->loss, &s->correct,
                    at(tr, n - 1, F3_PH_LOSS));
    quantize(tr, F3_T_ERROR, n, s->dZ, b * C);
}

/* A block's stash, and with BP and DFA the buffer it kept for a later
 * pass, are free after its backward pass: under BP block k frees its input
 * (block k − 1's output; the chain frees them in order), under DFA block k
 * its own output (each block holds what it added, so that blocks that run
 * different batches at once never hold more than the step does). */
void f3_blocktrainer_backward(f3_blocktrainer *tr, f3_blockstep *s, size_t k, const float *dOut, float *dIn)
{
    f3_blocknet *net = tr->net;
    const size_t n = tr->n, b = s->b;
    const f3_algorithm alg = tr->cfg.algorithm;
    const int last = k + 1 == n;
    if (alg == F3_ALG_BP) {
        enter(tr);
        f3_blocknet_backward_block(net, k, dOut ? dOut : s->dZ, dIn);
        stash_live(tr, k, b, -1, 1);
        if (k) f3_ledger_act_live(tr->ledger, -(int64_t)(b * f3_block_in_size(f3_blocknet_block(net, k))));
        leave(tr);
        return;
    }
    if (last) {
        enter(tr);
        f3_blocknet_backward_block(net, k, s->dZ, NULL);
        stash_live(tr, k, b, -1, alg == F3_ALG_DFA);
        leave(tr);
        return;
    }
    if (alg != F3_ALG_DFA) return; /* F³, DRTP: in the forward pass; LLO: none */
    enter(tr);
    feedback(tr, s, k, s->E, NULL);
    f3_blocknet_backward_block(net, k, tr->dOut, NULL);
    stash_live(tr, k, b, -1, 1);
    f3_ledger_act_live(tr->ledger, -(int64_t)(b * f3_block_out_size(f3_blocknet_block(net, k))));
    leave(tr);
}

void f3_blocktrainer_current_error(f3_blocktrainer *tr, f3_blockstep *s, const float *Y)
{
    const size_t n = tr->n, b = s->b, C = tr->cfg.classes;
    if (tr->cfg.algorithm != F3_ALG_DFA || n == 1) return;
    /* t − softmax(y), to every other block */
    const f3_error_info cur = {F3_EI_ERROR, 0, 1};
    f3_error_information(cur, F3_LOSS_SOFTMAX_CE, Y, s->T, s->E, b, C, at(tr, n - 1, F3_PH_LOSS));
    quantize(tr, F3_T_ERROR, n + 1, s->E, b * C);
}

void f3_blocktrainer_store_write(f3_blocktrainer *tr, f3_blockstep *s, const float *Y)
{
    const size_t n = tr->n, b = s->b, C = tr->cfg.classes;
    if (tr->cfg.algorithm != F3_ALG_F3) return;
    /* this step's outputs' error information, for the next epoch (the
     * blocks before the last are through with this step's E) */
    f3_counts *c = at(tr, n - 1, F3_PH_LOSS);
    f3_error_information(tr->cfg.error_info, F3_LOSS_SOFTMAX_CE, Y, s->T, s->E, b, C, c);
    quantize(tr, F3_T_ERROR_STORE, n - 1, s->E, b * C);
    for (size_t j = 0; j < b; j++) memcpy(tr->store + s->idx[j] * C, s->E + j * C, C * sizeof(float));
    c->writes[F3_MEM_ERRSTORE] += (uint64_t)b * C;
}

void f3_blocktrainer_update(f3_blocktrainer *tr, size_t k)
{
    if (tr->cfg.algorithm == F3_ALG_LLO && k + 1 < tr->n) return; /* LLO trains the last block alone */
    update_block(tr, k);
}

void f3_blocktrainer_end(f3_blocktrainer *tr, const f3_blockstep *s, f3_stats *st)
{
    f3_ledger_count_step(tr->ledger, s->b);
    if (!st) return;
    st->loss_sum += s->loss;
    st->correct += s->correct;
    st->samples += s->b;
}

f3_status f3_blocktrainer_step(f3_blocktrainer *tr, const float *X, const float *T, const size_t *idx, size_t b,
                               f3_stats *st)
{
    f3_blockstep *s = tr->step;
    const size_t n = tr->n;
    f3_status rc = f3_blocktrainer_begin(tr, s, T, idx, b);
    if (rc != F3_OK) return rc;
    const float *Y = X;
    for (size_t k = 0; k < n; k++) Y = f3_blocktrainer_forward(tr, s, k, Y);
    f3_blocktrainer_loss(tr, s, Y);
    if (tr->cfg.algorithm == F3_ALG_BP) {
        /* block k's input gradient is block k − 1's output gradient */
        const float *d = f3_blockstep_delta(s);
        for (size_t k = n; k-- > 0;) {
            float *din = k ? tr->between[k & 1] : NULL;
            f3_blocktrainer_backward(tr, s, k, d, din);
            d = din;
        }
    } else {
        f3_blocktrainer_backward(tr, s, n - 1, NULL, NULL);
        f3_blocktrainer_current_error(tr, s, Y);
        for (size_t k = 0; k + 1 < n; k++) f3_blocktrainer_backward(tr, s, k, NULL, NULL);
    }
    f3_blocktrainer_store_write(tr, s, Y);
    for (size_t k = 0; k < n; k++) f3_blocktrainer_update(tr, k);
    f3_blocktrainer_end(tr, s, st);
    return F3_OK;
}
