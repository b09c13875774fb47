/* blockformulas.c — closed forms for the block trainer's ledger (see
 * f3/blockformulas.h).  Each count is written per sample (times S) and per
 * step (times T), from the block's description alone; the counting it
 * must equal lives in blocks.c (the ops) and blocktrain.c (the rule). */
#include "f3/blockformulas.h"

#include <string.h>

/* ---- the network and the rule --------------------------------------------- */

f3_status f3_blockformula_check(const f3_block *blocks, size_t n, const f3_blocktrain_config *cfg)
{
    if (!blocks || n < 1 || n > F3_BLOCKNET_MAX_BLOCKS)
        return F3_FAIL(F3_EINVAL, "a block network has 1 to %d blocks, got %zu", F3_BLOCKNET_MAX_BLOCKS, n);
    if ((unsigned)cfg->algorithm >= F3_ALGORITHM_COUNT || (unsigned)cfg->optimizer >= F3_OPTIMIZER_COUNT)
        return F3_FAIL(F3_EINVAL, "unknown rule %d or optimiser %d", (int)cfg->algorithm, (int)cfg->optimizer);
    for (size_t k = 0; k < n; k++) {
        f3_status st = f3_block_check(&blocks[k]);
        if (st != F3_OK) return st;
        if (k && f3_block_in_size(&blocks[k]) != f3_block_out_size(&blocks[k - 1]))
            return F3_FAIL(F3_EINVAL, "block %zu takes %zu values per sample, block %zu gives %zu", k + 1,
                           f3_block_in_size(&blocks[k]), k, f3_block_out_size(&blocks[k - 1]));
    }
    if (f3_block_out_size(&blocks[n - 1]) != cfg->classes)
        return F3_FAIL(F3_EINVAL, "the last block gives %zu values per sample, the classes are %zu",
                       f3_block_out_size(&blocks[n - 1]), cfg->classes);
    return F3_OK;
}

/* values per sample at op i's input (i = n_ops: the block's output) */
static uint64_t values_at(const f3_block *blk, size_t i)
{
    if (i == blk->n_ops) return (uint64_t)blk->op[i - 1].tokens * blk->op[i - 1].d_out;
    const f3_bop *op = &blk->op[i];
    if (op->kind == F3_BOP_PATCHIFY) return (uint64_t)op->channels * op->height * op->width;
    return (uint64_t)op->tokens * op->d_in;
}

/* The tensor t_i (op i's input) under its first name: a save passes its
 * input on as its output. */
static size_t root_of(const f3_block *blk, size_t t)
{
    while (t > 0 && blk->op[t - 1].kind == F3_BOP_RESIDUAL_SAVE) t--;
    return t;
}

/* The first op whose backward pass runs: op 0 when the block's input
 * gradient is needed, else the first op with parameters (n_ops: none). */
static size_t first_backward(const f3_block *blk, int need_in)
{
    if (need_in) return 0;
    for (size_t i = 0; i < blk->n_ops; i++)
        if (f3_bop_params(&blk->op[i])) return i;
    return blk->n_ops;
}

/* The tensor op i's backward pass reads (as t index; n_ops + 1: none). */
static size_t backward_reads(const f3_bop *op, size_t i, size_t none)
{
    switch (op->kind) {
    case F3_BOP_LINEAR:
    case F3_BOP_LAYERNORM:
    case F3_BOP_ATTENTION: return i;
    case F3_BOP_ACT: return op->act == F3_OP_TANH || op->act == F3_OP_SIGMOID ? i + 1 : i;
    default: return none;
    }
}

/* Does a backward pass from op `first` on read tensor t (a first name)? */
static int tensor_read(const f3_block *blk, size_t first, size_t t)
{
    const size_t none = blk->n_ops + 1;
    for (size_t i = first; i < blk->n_ops; i++) {
        size_t r = backward_reads(&blk->op[i], i, none);
        if (r != none && root_of(blk, r) == t) return 1;
    }
    return 0;
}

/* μ and rstd (2 per row) or P (h·n² per sample) */
static uint64_t kept_beside(const f3_bop *op)
{
    if (op->kind == F3_BOP_LAYERNORM) return 2u * op->tokens;
    if (op->kind == F3_BOP_ATTENTION) return (uint64_t)op->heads * op->tokens * op->tokens;
    return 0;
}

size_t f3_blockformula_stash(const f3_block *blk, int need_in)
{
    const size_t first = first_backward(blk, need_in);
    uint64_t s = 0;
    /* inside the block: t_1 … t_{n_ops − 1} under their own names */
    for (size_t t = 1; t < blk->n_ops; t++)
        if (root_of(blk, t) == t && tensor_read(blk, first, t)) s += values_at(blk, t);
    for (size_t i = first; i < blk->n_ops; i++) s += kept_beside(&blk->op[i]);
    return (size_t)s;
}

/* The rule as block k sees it. */
typedef struct {
    const f3_block *blk;
    int keep;      /* BP, DFA: the stash and the outputs wait for a later pass */
    int need_in;   /* BP, k > 0 */
    int trains;    /* every block but LLO's first n − 1 */
    size_t first;  /* the first op whose backward pass runs (n_ops: none) */
    int first_block, last_block;
} view;

static view view_of(const f3_block *blocks, size_t n, const f3_blocktrain_config *cfg, size_t k)
{
    const f3_algorithm a = cfg->algorithm;
    view v;
    v.blk = &blocks[k];
    v.keep = a == F3_ALG_BP || a == F3_ALG_DFA;
    v.need_in = a == F3_ALG_BP && k > 0;
    v.trains = a != F3_ALG_LLO || k + 1 == n;
    v.first = v.trains ? first_backward(v.blk, v.need_in) : v.blk->n_ops;
    v.first_block = k == 0;
    v.last_block = k + 1 == n;
    return v;
}

/* The memory class of tensor t of the block (t = n_ops: its output). */
static f3_memclass class_of(const view *v, size_t t)
{
    const size_t r = root_of(v->blk, t), m = v->blk->n_ops;
    const f3_memclass kept = v->keep ? F3_MEM_ACTBUF : F3_MEM_WORK;
    if (r == 0) return v->first_block ? F3_MEM_INPUTS : kept;
    if (r == m) return v->last_block ? F3_MEM_WORK : kept;
    return v->trains && tensor_read(v->blk, v->first, r) ? kept : F3_MEM_WORK;
}

/* The class of op i's μ, rstd or P. */
static f3_memclass beside_class(const view *v, size_t i)
{
    return v->keep && i >= v->first ? F3_MEM_ACTBUF : F3_MEM_WORK;
}

/* ---- one op ---------------------------------------------------------------------- */

/* The residual save that op i (an add) closes. */
static size_t save_of(const f3_block *blk, size_t i)
{
    size_t depth = 0;
    for (size_t j = i; j-- > 0;) {
        if (blk->op[j].kind == F3_BOP_RESIDUAL_ADD) depth++;
        if (blk->op[j].kind == F3_BOP_RESIDUAL_SAVE && depth-- == 0) return j;
    }
    return 0; /* not reached for a checked block */
}

static void op_forward(const view *v, size_t i, uint64_t S, uint64_t T, f3_counts *c)
{
    const f3_bop *op = &v->blk->op[i];
    const uint64_t t = op->tokens, vin = values_at(v->blk, i), vout = values_at(v->blk, i + 1);
    const uint64_t di = op->d_in, dout = op->d_out, beta = op->bias ? 1u : 0u;
    const f3_memclass in = class_of(v, i), out = class_of(v, i + 1);
    if (op->kind == F3_BOP_RESIDUAL_SAVE) return;
    c->reads[in] += S * vin;
    c->writes[out] += S * vout;
    switch (op->kind) {
    case F3_BOP_LINEAR:
        c->fma += S * t * di * dout; /* eq. (14), per token */
        c->elem += beta * S * t * dout;
        c->reads[F3_MEM_WEIGHTS] += T * di * dout;
        c->reads[F3_MEM_BIASES] += beta * T * dout;
        break;
    case F3_BOP_LAYERNORM:
        c->elem += S * (F3_LN_FWD_ELEM_PER_VALUE * vin + F3_LN_FWD_ELEM_PER_ROW * t);
        c->reads[F3_MEM_BIASES] += T * 2u * di;
        c->writes[beside_class(v, i)] += S * 2u * t;
        break;
    case F3_BOP_ACT: c->elem += S * vin; break;
    case F3_BOP_ATTENTION: {
        const uint64_t scores = (uint64_t)op->heads * t * t;
        c->fma += S * 2u * scores * op->dim_head;
        c->elem += S * F3_ATT_FWD_ELEM_PER_SCORE * scores;
        c->writes[beside_class(v, i)] += S * scores;
        break;
    }
    case F3_BOP_RESIDUAL_ADD:
        c->elem += S * vin;
        c->reads[class_of(v, save_of(v->blk, i))] += S * vin;
        break;
    default: break; /* patchify: a move */
    }
}

static void op_gradient(const view *v, size_t i, uint64_t S, uint64_t T, f3_counts *c)
{
    const f3_bop *op = &v->blk->op[i];
    if (i < v->first || !f3_bop_params(op)) return;
    const uint64_t t = op->tokens, vin = values_at(v->blk, i), vout = values_at(v->blk, i + 1);
    const uint64_t di = op->d_in, dout = op->d_out, beta = op->bias ? 1u : 0u;
    c->reads[F3_MEM_WORK] += S * vout;
    c->reads[class_of(v, i)] += S * vin;
    if (op->kind == F3_BOP_LINEAR) {
        c->fma += S * t * di * dout; /* δW: eqs. (15), (16) */
        c->elem += beta * S * t * dout;
        c->writes[F3_MEM_GRADIENTS] += T * (di * dout + beta * dout);
    } else { /* layer norm: δγ, δβ */
        c->elem += S * F3_LN_GRAD_ELEM_PER_VALUE * vin;
        c->reads[beside_class(v, i)] += S * 2u * t;
        c->writes[F3_MEM_GRADIENTS] += T * 2u * di;
    }
}

/* op i's input gradient (dX): its part of the feedback phase */
static void op_input_gradient(const view *v, size_t i, uint64_t S, uint64_t T, f3_counts *c)
{
    const f3_bop *op = &v->blk->op[i];
    if (i < v->first || (i == v->first && !v->need_in)) return; /* nothing before it needs dX */
    const uint64_t t = op->tokens, vin = values_at(v->blk, i), vout = values_at(v->blk, i + 1);
    if (op->kind == F3_BOP_RESIDUAL_ADD) return; /* dY goes on as it is */
    if (op->kind != F3_BOP_LAYERNORM && op->kind != F3_BOP_RESIDUAL_SAVE) c->reads[F3_MEM_WORK] += S * vout;
    c->writes[F3_MEM_WORK] += S * vin;
    switch (op->kind) {
    case F3_BOP_LINEAR:
        c->fma += S * t * op->d_in * op->d_out; /* W^T δ: eq. (15) */
        c->reads[F3_MEM_WEIGHTS] += T * op->d_in * op->d_out;
        break;
    case F3_BOP_LAYERNORM:
        c->elem += S * (F3_LN_DX_ELEM_PER_VALUE * vin + F3_LN_DX_ELEM_PER_ROW * t);
        c->reads[F3_MEM_BIASES] += T * op->d_in;
        break;
    case F3_BOP_ACT: {
        const int from_y = op->act == F3_OP_TANH || op->act == F3_OP_SIGMOID;
        c->elem += S * 2u * vin; /* f' and the product */
        c->reads[class_of(v, from_y ? i + 1 : i)] += S * vin;
        break;
    }
    case F3_BOP_ATTENTION: {
        const uint64_t scores = (uint64_t)op->heads * t * t;
        c->fma += S * 4u * scores * op->dim_head; /* dV, dP, dQ, dK */
        c->elem += S * F3_ATT_BWD_ELEM_PER_SCORE * scores;
        c->reads[class_of(v, i)] += S * vin;
        c->reads[beside_class(v, i)] += S * scores;
        break;
    }
    case F3_BOP_RESIDUAL_SAVE:
        c->elem += S * vin;
        c->reads[F3_MEM_WORK] += S * 2u * vin;
        break;
    default: break; /* patchify: the inverse move */
    }
}

static f3_status check_op(const f3_block *blocks, size_t n, const f3_blocktrain_config *cfg, size_t k)
{
    f3_status st = f3_blockformula_check(blocks, n, cfg);
    if (st != F3_OK) return st;
    if (k >= n) return F3_FAIL(F3_EINVAL, "block %zu does not exist (the network has %zu)", k, n);
    return F3_OK;
}

f3_status f3_blockformula_op(const f3_block *blocks, size_t n, const f3_blocktrain_config *cfg, size_t k,
                             size_t i, f3_phase p, f3_run_shape run, f3_counts *out)
{
    memset(out, 0, sizeof *out);
    f3_status st = check_op(blocks, n, cfg, k);
    if (st != F3_OK) return st;
    if (i >= blocks[k].n_ops) return F3_FAIL(F3_EINVAL, "op %zu does not exist (block %zu has %zu)", i, k, blocks[k].n_ops);
    const view v = view_of(blocks, n, cfg, k);
    switch (p) {
    case F3_PH_FORWARD: op_forward(&v, i, run.samples, run.steps, out); break;
    case F3_PH_GRADIENT: op_gradient(&v, i, run.samples, run.steps, out); break;
    case F3_PH_FEEDBACK: op_input_gradient(&v, i, run.samples, run.steps, out); break;
    default: break;
    }
    return F3_OK;
}

/* ---- one block ------------------------------------------------------------------- */

/* E·B_k at block k's output, eq. (16); F³'s store read in block 0 */
static void direct_feedback(const f3_block *blocks, size_t n, const f3_blocktrain_config *cfg, size_t k,
                            uint64_t S, uint64_t T, f3_counts *c)
{
    const f3_algorithm a = cfg->algorithm;
    const uint64_t C = cfg->classes;
    const int one_hot = a == F3_ALG_F3 && cfg->error_info.one_hot;
    if (a == F3_ALG_F3 && k == 0) c->reads[F3_MEM_ERRSTORE] += one_hot ? S : S * C;
    if (k + 1 == n || !(a == F3_ALG_F3 || a == F3_ALG_DFA || a == F3_ALG_DRTP)) return;
    const uint64_t m = f3_block_out_size(&blocks[k]);
    if (one_hot) {
        c->fma += S * m;
        c->reads[F3_MEM_FEEDBACK] += S * m; /* one row of B_k per sample */
        c->reads[F3_MEM_WORK] += S;
    } else {
        c->fma += S * C * m;
        c->reads[F3_MEM_FEEDBACK] += T * C * m;
        c->reads[F3_MEM_WORK] += S * C;
    }
    c->writes[F3_MEM_WORK] += S * m;
}

static void optimiser(const f3_block *blk, f3_optimizer o, uint64_t T, f3_counts *c)
{
    for (size_t i = 0; i < blk->n_ops; i++) {
        const f3_bop *op = &blk->op[i];
        const uint64_t all = f3_bop_params(op), w = op->kind == F3_BOP_LINEAR ? (uint64_t)op->d_in * op->d_out : 0;
        c->fma += T * all; /* eq. (17) */
        c->reads[F3_MEM_WEIGHTS] += T * w;
        c->writes[F3_MEM_WEIGHTS] += T * w;
        c->reads[F3_MEM_BIASES] += T * (all - w);
        c->writes[F3_MEM_BIASES] += T * (all - w);
        c->reads[F3_MEM_GRADIENTS] += T * all;
        if (o == F3_OPT_ADAM) {
            c->elem += F3_ADAM_ELEM_PER_PARAM * T * all;
            c->reads[F3_MEM_OPTSTATE] += 2u * T * all;
            c->writes[F3_MEM_OPTSTATE] += 2u * T * all;
        }
    }
}

static void loss(const f3_blocktrain_config *cfg, size_t n, uint64_t S, f3_counts *c)
{
    const uint64_t SC = S * cfg->classes;
    /* δ of softmax cross-entropy (f3_output_delta) */
    c->elem += (F3_OUTPUT_ELEM_PER_OUTPUT + F3_SOFTMAX_ELEM_PER_OUTPUT) * SC;
    c->reads[F3_MEM_WORK] += SC;
    c->reads[F3_MEM_INPUTS] += SC;
    c->writes[F3_MEM_WORK] += SC;
    uint64_t per = 0;
    if (cfg->algorithm == F3_ALG_F3) {
        /* e_t into the store: t − softmax(y), or the loss's −∂L/∂y */
        per = (cfg->error_info.kind == F3_EI_ERROR ? 1u : 2u) + F3_SOFTMAX_ELEM_PER_OUTPUT;
        c->writes[F3_MEM_ERRSTORE] += SC;
    } else if (cfg->algorithm == F3_ALG_DFA && n > 1) {
        per = 1u + F3_SOFTMAX_ELEM_PER_OUTPUT; /* the current error t − softmax(y) */
    }
    if (per) {
        c->elem += per * SC;
        c->reads[F3_MEM_WORK] += SC;
        c->reads[F3_MEM_INPUTS] += SC;
    }
}

f3_status f3_blockformula_counts(const f3_block *blocks, size_t n, const f3_blocktrain_config *cfg, size_t k,
                                 f3_phase p, f3_run_shape run, f3_counts *out)
{
    memset(out, 0, sizeof *out);
    f3_status st = check_op(blocks, n, cfg, k);
    if (st != F3_OK) return st;
    const uint64_t S = run.samples, T = run.steps;
    const view v = view_of(blocks, n, cfg, k);
    const size_t m = blocks[k].n_ops;
    switch (p) {
    case F3_PH_FORWARD:
        for (size_t i = 0; i < m; i++) op_forward(&v, i, S, T, out);
        break;
    case F3_PH_GRADIENT:
        for (size_t i = 0; i < m; i++) op_gradient(&v, i, S, T, out);
        break;
    case F3_PH_FEEDBACK:
        /* block k's input gradients but op 0's when it is δ at block k − 1's
         * output, and block k + 1's op 0 (BP): δ at this block's output */
        for (size_t i = v.need_in ? 1 : 0; i < m; i++) op_input_gradient(&v, i, S, T, out);
        if (k + 1 < n && cfg->algorithm == F3_ALG_BP) {
            const view next = view_of(blocks, n, cfg, k + 1);
            op_input_gradient(&next, 0, S, T, out);
        }
        direct_feedback(blocks, n, cfg, k, S, T, out);
        break;
    case F3_PH_UPDATE:
        if (v.trains) optimiser(&blocks[k], cfg->optimizer, T, out);
        break;
    case F3_PH_LOSS:
        if (v.last_block) loss(cfg, n, S, out);
        break;
    default: return F3_FAIL(F3_EINVAL, "unknown phase %d", (int)p);
    }
    return F3_OK;
}

/* ---- the network ----------------------------------------------------------------- */

f3_status f3_blockformula_peaks(const f3_block *blocks, size_t n, const f3_blocktrain_config *cfg,
                                size_t max_batch, f3_block_peaks *out)
{
    memset(out, 0, sizeof *out);
    f3_status st = f3_blockformula_check(blocks, n, cfg);
    if (st != F3_OK) return st;
    const f3_algorithm a = cfg->algorithm;
    uint64_t sum = 0, max = 0, boundary = 0;
    for (size_t k = 0; k < n; k++) {
        const uint64_t s = f3_blockformula_stash(&blocks[k], a == F3_ALG_BP && k > 0);
        sum += s;
        max = s > max ? s : max;
        if (k + 1 < n) boundary += f3_block_out_size(&blocks[k]);
    }
    if (a == F3_ALG_BP || a == F3_ALG_DFA) {
        out->stash = max_batch * sum;
        out->activation_buffer = max_batch * (boundary + sum); /* eq. (27) and the stashes */
    } else if (a == F3_ALG_LLO) {
        out->stash = max_batch * f3_blockformula_stash(&blocks[n - 1], 0);
    } else {
        out->stash = max_batch * max;
    }
    return F3_OK;
}

f3_status f3_blockformula_ledger(const f3_block *blocks, size_t n, const f3_blocktrain_config *cfg,
                                 size_t n_train, f3_run_shape run, f3_ledger *out)
{
    if (out->n_layers != n)
        return F3_FAIL(F3_EINVAL, "the ledger has %zu layers, the network %zu blocks", out->n_layers, n);
    f3_ledger_reset(out);
    for (size_t k = 0; k < n; k++)
        for (int p = 0; p < F3_PH_COUNT; p++) {
            f3_status st = f3_blockformula_counts(blocks, n, cfg, k, (f3_phase)p, run, f3_ledger_at(out, k, (f3_phase)p));
            if (st != F3_OK) return st;
        }
    f3_block_peaks pk;
    f3_blockformula_peaks(blocks, n, cfg, (size_t)run.max_batch, &pk);
    out->samples = run.samples;
    out->batches = run.steps;
    out->peak_act = pk.activation_buffer;
    if (cfg->algorithm == F3_ALG_F3) out->live_err = out->peak_err = (uint64_t)n_train * cfg->classes; /* eq. (29) */
    return F3_OK;
}

f3_status f3_blockformula_fma(const f3_block *blocks, size_t n, const f3_blocktrain_config *cfg, size_t b,
                              f3_block_fma *out)
{
    memset(out, 0, sizeof *out);
    if (b == 0) return F3_FAIL(F3_EINVAL, "a batch holds at least one sample");
    const f3_run_shape one = {1, 1, 1};
    for (size_t k = 0; k < n; k++) {
        f3_counts c[F3_PH_COUNT];
        for (int p = 0; p < F3_PH_COUNT; p++) {
            f3_status st = f3_blockformula_counts(blocks, n, cfg, k, (f3_phase)p, one, &c[p]);
            if (st != F3_OK) return st;
        }
        /* with S = T = 1 the FMA of forward, feedback and gradient are per
         * sample (no per-step term), the update's per step */
        out->forward += c[F3_PH_FORWARD].fma;
        out->feedback += c[F3_PH_FEEDBACK].fma;
        out->gradient += c[F3_PH_GRADIENT].fma;
        out->update += c[F3_PH_UPDATE].fma;
    }
    out->total = (double)(out->forward + out->feedback + out->gradient) + (double)out->update / (double)b;
    return F3_OK;
}

f3_status f3_blockformula_memory(const f3_block *blocks, size_t n, const f3_blocktrain_config *cfg, size_t b,
                                 size_t n_train, f3_block_memory *out)
{
    memset(out, 0, sizeof *out);
    f3_block_peaks pk;
    f3_status st = f3_blockformula_peaks(blocks, n, cfg, b, &pk);
    if (st != F3_OK) return st;
    const f3_algorithm a = cfg->algorithm;
    uint64_t hidden = 0;
    for (size_t k = 0; k < n; k++) {
        out->parameters += f3_block_params(&blocks[k]);
        if (k + 1 < n) hidden += f3_block_out_size(&blocks[k]);
    }
    out->stash = pk.stash;
    if (a == F3_ALG_BP || a == F3_ALG_DFA) out->boundary = (uint64_t)b * hidden;     /* eq. (27) */
    if (a == F3_ALG_F3 || a == F3_ALG_DFA || a == F3_ALG_DRTP) out->feedback = cfg->classes * hidden; /* eq. (28) */
    if (a == F3_ALG_F3) out->error_store = (uint64_t)cfg->classes * n_train;       /* eq. (29) */
    return F3_OK;
}
