/* blocks.c — see f3/blocks.h. */
#include "f3/blocks.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rng_internal.h"

/* ---- shapes ------------------------------------------------------------------------ */

static size_t op_in(const f3_bop *op)
{
    if (op->kind == F3_BOP_PATCHIFY) return op->channels * op->height * op->width;
    return op->tokens * op->d_in;
}

static size_t op_out(const f3_bop *op) { return op->tokens * op->d_out; }

size_t f3_block_in_size(const f3_block *blk) { return blk->n_ops ? op_in(&blk->op[0]) : 0; }
size_t f3_block_out_size(const f3_block *blk) { return blk->n_ops ? op_out(&blk->op[blk->n_ops - 1]) : 0; }

size_t f3_bop_params(const f3_bop *op)
{
    switch (op->kind) {
    case F3_BOP_LINEAR: return op->d_out * op->d_in + (op->bias ? op->d_out : 0);
    case F3_BOP_LAYERNORM: return 2 * op->d_in;
    default: return 0;
    }
}

size_t f3_block_params(const f3_block *blk)
{
    size_t n = 0;
    for (size_t i = 0; i < blk->n_ops; i++) n += f3_bop_params(&blk->op[i]);
    return n;
}

f3_status f3_block_check(const f3_block *blk)
{
    if (blk->n_ops < 1 || blk->n_ops > F3_BLOCK_MAX_OPS)
        return F3_FAIL(F3_EINVAL, "a block has 1 to %d ops, this one %zu", F3_BLOCK_MAX_OPS, blk->n_ops);
    int open = 0;
    for (size_t i = 0; i < blk->n_ops; i++) {
        const f3_bop *op = &blk->op[i];
        if (!op->tokens || !op->d_in || !op->d_out) return F3_FAIL(F3_EINVAL, "op %zu: a size is 0", i + 1);
        switch (op->kind) {
        case F3_BOP_LINEAR: break;
        case F3_BOP_LAYERNORM:
        case F3_BOP_ACT:
        case F3_BOP_RESIDUAL_SAVE:
        case F3_BOP_RESIDUAL_ADD:
            if (op->d_in != op->d_out) return F3_FAIL(F3_EINVAL, "op %zu: d_in %zu and d_out %zu differ", i + 1, op->d_in, op->d_out);
            break;
        case F3_BOP_ATTENTION:
            if (!op->heads || !op->dim_head || op->d_in != 3 * op->heads * op->dim_head ||
                op->d_out != op->heads * op->dim_head)
                return F3_FAIL(F3_EINVAL, "op %zu: attention takes d_in = 3·heads·dim_head and gives heads·dim_head",
                               i + 1);
            break;
        case F3_BOP_PATCHIFY:
            if (!op->patch || !op->channels || op->height % op->patch || op->width % op->patch ||
                op->tokens != (op->height / op->patch) * (op->width / op->patch) ||
                op->d_out != op->patch * op->patch * op->channels)
                return F3_FAIL(F3_EINVAL, "op %zu: patches of %zu do not tile %zu × %zu × %zu into %zu tokens of %zu",
                               i + 1, op->patch, op->channels, op->height, op->width, op->tokens, op->d_out);
            break;
        default: return F3_FAIL(F3_EINVAL, "op %zu: unknown kind %d", i + 1, (int)op->kind);
        }
        if (op->kind == F3_BOP_RESIDUAL_SAVE) open++;
        if (op->kind == F3_BOP_RESIDUAL_ADD && open-- == 0)
            return F3_FAIL(F3_EINVAL, "op %zu: a residual add without a save before it", i + 1);
        if (i > 0 && op_in(op) != op_out(&blk->op[i - 1]))
            return F3_FAIL(F3_EINVAL, "op %zu takes %zu values per sample, op %zu gives %zu", i + 1, op_in(op), i,
                           op_out(&blk->op[i - 1]));
    }
    if (open) return F3_FAIL(F3_EINVAL, "%d residual save(s) without an add", open);
    return F3_OK;
}

/* ---- the network --------------------------------------------------------------------- */

typedef struct {
    f3_block spec;
    float *param, *grad;     /* f3_block_params floats each */
    float *out[F3_BLOCK_MAX_OPS]; /* each op's output, max_batch samples: the stash */
    float *mean[F3_BLOCK_MAX_OPS], *rstd[F3_BLOCK_MAX_OPS]; /* layer norm */
    float *P[F3_BLOCK_MAX_OPS];   /* attention's softmax */
    size_t first_param;      /* the first op with parameters (n_ops: none) */
    /* counting (f3_blocknet_count, plan_block) */
    size_t stash;            /* elements per sample */
    f3_memclass cls[F3_BLOCK_MAX_OPS + 1]; /* of t_i, op i's input; t_{n_ops}: the block's output */
    f3_memclass icls[F3_BLOCK_MAX_OPS];    /* of op i's μ and rstd, or its P */
    /* the latest forward pass, which the backward pass reads: its input
     * (the network's, or the caller's copy of block k − 1's output) and
     * its samples — per block, so that a chip's tiles may run different
     * batches at once */
    const float *in;
    size_t b;
} block_state;

struct f3_blocknet {
    size_t n, max_batch;
    f3_ledger *ledger;           /* NULL: no counting */
    int keep, chain;             /* see f3_blocknet_count */
    size_t widest;               /* the most values per sample at any op's input or output */
    block_state blk[F3_BLOCKNET_MAX_BLOCKS];
    /* backward scratch, max_batch × widest each: the gradient at an op's
     * output and at its input; the open residuals' (F3_BLOCK_MAX_OPS
     * slots); the gradients between blocks (BP) */
    float *g[2], *res, *between[2];
    float *att_scratch;          /* n × n */
    /* number formats (f3_blocknet_set_numerics): qa, qe when the
     * activations' or the error's format is not fp32 */
    f3_blocknet_numerics q;
    int qa, qe;
    float *xq;                   /* the input as block 0 reads it: max_batch × its input */
};


static float uniform(uint64_t *s, float bound)
{
    return bound * (2.0f * (float)((double)(f3_splitmix64(s) >> 11) * 0x1.0p-53) - 1.0f);
}

/* μ and rstd of a layer norm (2 per row), P of an attention (h·n² per
 * sample): values per sample op i keeps beside its output. */
static size_t op_internal(const f3_bop *op)
{
    if (op->kind == F3_BOP_LAYERNORM) return 2 * op->tokens;
    if (op->kind == F3_BOP_ATTENTION) return op->heads * op->tokens * op->tokens;
    return 0;
}

/* What block k's backward pass reads from its forward pass, and the memory
 * class of every tensor (f3/blocks.h, "what the passes cost"). */
static void plan_block(f3_blocknet *net, size_t k)
{
    block_state *bs = &net->blk[k];
    const f3_block *blk = &bs->spec;
    const size_t m = blk->n_ops;
    const size_t first = net->chain && k > 0 ? 0 : bs->first_param;
    /* t_{i+1} is t_i when op i is a save: the tensors by their first name */
    size_t root[F3_BLOCK_MAX_OPS + 1];
    int read[F3_BLOCK_MAX_OPS + 1] = {0}, iread[F3_BLOCK_MAX_OPS] = {0};
    root[0] = 0;
    for (size_t i = 0; i < m; i++) root[i + 1] = blk->op[i].kind == F3_BOP_RESIDUAL_SAVE ? root[i] : i + 1;
    for (size_t i = first; i < m; i++) {
        const f3_bop *op = &blk->op[i];
        switch (op->kind) {
        case F3_BOP_LINEAR: read[root[i]] = 1; break;
        case F3_BOP_LAYERNORM:
        case F3_BOP_ATTENTION: read[root[i]] = iread[i] = 1; break;
        case F3_BOP_ACT: read[root[op->act == F3_OP_TANH || op->act == F3_OP_SIGMOID ? i + 1 : i]] = 1; break;
        default: break;
        }
    }
    const f3_memclass kept = net->keep ? F3_MEM_ACTBUF : F3_MEM_WORK;
    bs->stash = 0;
    for (size_t t = 0; t <= m; t++) {
        const size_t r = root[t];
        if (r == 0)
            bs->cls[t] = k == 0 ? F3_MEM_INPUTS : kept;
        else if (r == m)
            bs->cls[t] = k + 1 < net->n ? kept : F3_MEM_WORK;
        else
            bs->cls[t] = read[r] ? kept : F3_MEM_WORK;
        if (r == t && r > 0 && r < m && read[r]) bs->stash += op_in(&blk->op[t]);
    }
    for (size_t i = 0; i < m; i++) {
        bs->icls[i] = iread[i] ? kept : F3_MEM_WORK;
        if (iread[i]) bs->stash += op_internal(&blk->op[i]);
    }
}

void f3_blocknet_count(f3_blocknet *net, f3_ledger *ledger, int keep, int chain)
{
    net->ledger = ledger;
    net->keep = keep;
    net->chain = chain;
    for (size_t k = 0; k < net->n; k++) plan_block(net, k);
}

void f3_blocknet_ledger(f3_blocknet *net, f3_ledger *ledger) { net->ledger = ledger; }

size_t f3_blocknet_stash(const f3_blocknet *net, size_t k) { return net->blk[k].stash; }

void f3_blocknet_free(f3_blocknet *net)
{
    if (!net) return;
    for (size_t k = 0; k < F3_BLOCKNET_MAX_BLOCKS; k++) {
        block_state *bs = &net->blk[k];
        free(bs->param);
        free(bs->grad);
        for (size_t i = 0; i < F3_BLOCK_MAX_OPS; i++) free(bs->out[i]), free(bs->mean[i]), free(bs->rstd[i]), free(bs->P[i]);
    }
    free(net->g[0]);
    free(net->g[1]);
    free(net->between[0]);
    free(net->between[1]);
    free(net->res);
    free(net->att_scratch);
    free(net->xq);
    free(net);
}

f3_blocknet *f3_blocknet_new(const f3_block *blocks, size_t n, size_t max_batch, uint64_t seed)
{
    if (!n || n > F3_BLOCKNET_MAX_BLOCKS || !max_batch) {
        F3_FAIL(F3_EINVAL, "a block network has 1 to %d blocks and a batch of at least 1", F3_BLOCKNET_MAX_BLOCKS);
        return NULL;
    }
    for (size_t k = 0; k < n; k++) {
        if (f3_block_check(&blocks[k]) != F3_OK) return NULL;
        if (k > 0 && f3_block_in_size(&blocks[k]) != f3_block_out_size(&blocks[k - 1])) {
            F3_FAIL(F3_EINVAL, "block %zu takes %zu values per sample, block %zu gives %zu", k + 1,
                    f3_block_in_size(&blocks[k]), k, f3_block_out_size(&blocks[k - 1]));
            return NULL;
        }
    }
    f3_blocknet *net = calloc(1, sizeof *net);
    if (!net) goto oom;
    net->n = n;
    net->max_batch = max_batch;
    size_t widest = 0, att_n = 1;
    uint64_t rng = seed;
    for (size_t k = 0; k < n; k++) {
        block_state *bs = &net->blk[k];
        bs->spec = blocks[k];
        const size_t np = f3_block_params(&blocks[k]);
        bs->param = calloc(np ? np : 1, sizeof(float));
        bs->grad = calloc(np ? np : 1, sizeof(float));
        if (!bs->param || !bs->grad) goto oom;
        float *p = bs->param;
        bs->first_param = blocks[k].n_ops;
        for (size_t i = blocks[k].n_ops; i-- > 0;)
            if (f3_bop_params(&blocks[k].op[i])) bs->first_param = i;
        for (size_t i = 0; i < blocks[k].n_ops; i++) {
            const f3_bop *op = &blocks[k].op[i];
            const size_t rows = max_batch * op->tokens;
            widest = op_in(op) > widest ? op_in(op) : widest;
            widest = op_out(op) > widest ? op_out(op) : widest;
            if (!(bs->out[i] = malloc(max_batch * op_out(op) * sizeof(float)))) goto oom;
            if (op->kind == F3_BOP_LINEAR) {
                const float bound = 1.0f / sqrtf((float)op->d_in);
                for (size_t j = 0; j < f3_bop_params(op); j++) p[j] = uniform(&rng, bound);
            } else if (op->kind == F3_BOP_LAYERNORM) {
                for (size_t j = 0; j < op->d_in; j++) p[j] = 1.0f, p[op->d_in + j] = 0.0f;
                if (!(bs->mean[i] = malloc(rows * sizeof(float))) || !(bs->rstd[i] = malloc(rows * sizeof(float))))
                    goto oom;
            } else if (op->kind == F3_BOP_ATTENTION) {
                if (!(bs->P[i] = malloc(max_batch * op->heads * op->tokens * op->tokens * sizeof(float)))) goto oom;
                att_n = op->tokens > att_n ? op->tokens : att_n;
            }
            p += f3_bop_params(op);
        }
    }
    net->widest = widest;
    const size_t slot = max_batch * widest * sizeof(float);
    for (int q = 0; q < 2; q++)
        if (!(net->g[q] = malloc(slot)) || !(net->between[q] = malloc(slot))) goto oom;
    if (!(net->res = malloc(slot * F3_BLOCK_MAX_OPS)) || !(net->att_scratch = malloc(att_n * att_n * sizeof(float))))
        goto oom;
    f3_blocknet_count(net, NULL, 0, 0);
    return net;
oom:
    f3_blocknet_free(net);
    F3_FAIL(F3_ENOMEM, "block network: out of memory");
    return NULL;
}

size_t f3_blocknet_blocks(const f3_blocknet *net) { return net->n; }
const f3_block *f3_blocknet_block(const f3_blocknet *net, size_t k) { return &net->blk[k].spec; }
float *f3_blocknet_params(f3_blocknet *net, size_t k) { return net->blk[k].param; }
float *f3_blocknet_grads(f3_blocknet *net, size_t k) { return net->blk[k].grad; }

void f3_blocknet_zero_grads(f3_blocknet *net)
{
    for (size_t k = 0; k < net->n; k++) memset(net->blk[k].grad, 0, f3_block_params(&net->blk[k].spec) * sizeof(float));
}

f3_status f3_blocknet_set_numerics(f3_blocknet *net, const f3_blocknet_numerics *q)
{
    net->qa = q && !f3_format_is_fp32(&q->act);
    net->qe = q && !f3_format_is_fp32(&q->err);
    if (q) net->q = *q;
    if (net->qa && !net->xq &&
        !(net->xq = malloc(net->max_batch * f3_block_in_size(&net->blk[0].spec) * sizeof(float)))) {
        net->qa = 0;
        return F3_FAIL(F3_ENOMEM, "block network: out of memory for the quantised input");
    }
    return F3_OK;
}

/* Round n values of block k's (k = n: the input's) activations (err 0) or
 * error (err 1) to their format: the stream's rounding, or to nearest
 * even without one; saturations counted when asked. */
static void q_round(f3_blocknet *net, int err, size_t k, float *x, size_t n)
{
    f3_format f = err ? net->q.err : net->q.act;
    gsl_rng *const *streams = err ? net->q.err_rng : net->q.act_rng;
    gsl_rng *r = streams ? streams[k] : NULL;
    if (!r) f.rounding = F3_ROUND_NEAREST_EVEN;
    const uint64_t sat = f3_quantize(&f, x, n, r);
    if (net->q.sat) net->q.sat[err ? F3_T_ERROR : F3_T_ACTIVATIONS] += sat;
}

/* The network's input X of b samples as block 0 reads it: X itself, or
 * its copy in the activations' format. */
static const float *take_input(f3_blocknet *net, const float *X, size_t b)
{
    if (!net->qa) return X;
    const size_t nv = b * f3_block_in_size(&net->blk[0].spec);
    memcpy(net->xq, X, nv * sizeof *X);
    q_round(net, 0, net->n, net->xq, nv);
    return net->xq;
}

const float *f3_blocknet_block_output(const f3_blocknet *net, size_t k)
{
    return net->blk[k].out[net->blk[k].spec.n_ops - 1];
}

/* The ledger entry of op i's forward pass on b samples; saved_cls: the
 * class of the input a residual add adds. */
static void count_forward(f3_counts *c, const block_state *bs, size_t i, size_t b, f3_memclass saved_cls)
{
    const f3_bop *op = &bs->spec.op[i];
    const uint64_t rows = (uint64_t)b * op->tokens, vin = (uint64_t)b * op_in(op), vout = (uint64_t)b * op_out(op);
    const f3_memclass in = bs->cls[i], out = bs->cls[i + 1];
    switch (op->kind) {
    case F3_BOP_LINEAR:
        f3_count_forward(c, (size_t)rows, op->d_in, op->d_out, op->bias, F3_ACT_IDENTITY, in, out);
        return;
    case F3_BOP_LAYERNORM:
        c->elem += F3_LN_FWD_ELEM_PER_VALUE * vin + F3_LN_FWD_ELEM_PER_ROW * rows;
        c->reads[F3_MEM_BIASES] += 2u * op->d_in; /* γ, β */
        c->writes[bs->icls[i]] += 2u * rows;      /* μ, rstd */
        break;
    case F3_BOP_ACT: c->elem += vin; break;
    case F3_BOP_ATTENTION: {
        const uint64_t scores = (uint64_t)b * op->heads * op->tokens * op->tokens;
        c->fma += 2u * scores * op->dim_head; /* S = q kᵀ, O = P v */
        c->elem += F3_ATT_FWD_ELEM_PER_SCORE * scores;
        c->writes[bs->icls[i]] += scores; /* P */
        break;
    }
    case F3_BOP_PATCHIFY: break;
    case F3_BOP_RESIDUAL_SAVE: return; /* its output is its input */
    case F3_BOP_RESIDUAL_ADD:
        c->elem += vin;
        c->reads[saved_cls] += vin;
        break;
    }
    c->reads[in] += vin;
    c->writes[out] += vout;
}

static void forward_block(f3_blocknet *net, size_t k)
{
    block_state *bs = &net->blk[k];
    const size_t b = bs->b;
    f3_counts *c = net->ledger ? f3_ledger_at(net->ledger, k, F3_PH_FORWARD) : NULL;
    const float *x = bs->in, *saved[F3_BLOCK_MAX_OPS];
    size_t saved_at[F3_BLOCK_MAX_OPS], n_saved = 0;
    const float *p = bs->param;
    for (size_t i = 0; i < bs->spec.n_ops; i++) {
        const f3_bop *op = &bs->spec.op[i];
        float *y = bs->out[i];
        const size_t rows = b * op->tokens;
        f3_memclass saved_cls = F3_MEM_WORK;
        switch (op->kind) {
        case F3_BOP_LINEAR:
            f3_op_linear_forward(p, op->bias ? p + op->d_out * op->d_in : NULL, x, y, rows, op->d_in, op->d_out);
            break;
        case F3_BOP_LAYERNORM:
            f3_op_layernorm_forward(p, p + op->d_in, x, y, bs->mean[i], bs->rstd[i], rows, op->d_in, F3_LAYERNORM_EPS);
            break;
        case F3_BOP_ACT: f3_op_act_forward(op->act, x, y, rows * op->d_in); break;
        case F3_BOP_ATTENTION:
            if (!net->qa) {
                f3_op_attention_forward(x, y, bs->P[i], b, op->tokens, op->heads, op->dim_head,
                                        1.0f / sqrtf((float)op->dim_head));
                break;
            }
            /* P as the attention stores it, then O from that P */
            f3_op_attention_scores(x, bs->P[i], b, op->tokens, op->heads, op->dim_head,
                                   1.0f / sqrtf((float)op->dim_head));
            q_round(net, 0, k, bs->P[i], b * op_internal(op));
            f3_op_attention_values(x, bs->P[i], y, b, op->tokens, op->heads, op->dim_head);
            break;
        case F3_BOP_PATCHIFY:
            f3_op_patchify_forward(x, y, b, op->channels, op->height, op->width, op->patch);
            break;
        case F3_BOP_RESIDUAL_SAVE:
            saved_at[n_saved] = i;
            saved[n_saved++] = x;
            memcpy(y, x, rows * op->d_in * sizeof(float));
            break;
        case F3_BOP_RESIDUAL_ADD: {
            const float *s = saved[--n_saved];
            saved_cls = bs->cls[saved_at[n_saved]];
            for (size_t j = 0; j < rows * op->d_in; j++) y[j] = x[j] + s[j];
            break;
        }
        }
        /* a new value leaves the op in the activations' format (a patchify
         * or a save only moves values) */
        if (net->qa && op->kind != F3_BOP_PATCHIFY && op->kind != F3_BOP_RESIDUAL_SAVE)
            q_round(net, 0, k, y, b * op_out(op));
        if (c) count_forward(c, bs, i, b, saved_cls);
        p += f3_bop_params(op);
        x = y;
    }
}

const float *f3_blocknet_forward_block(f3_blocknet *net, size_t k, const float *X, size_t b)
{
    block_state *bs = &net->blk[k];
    bs->in = k ? X : take_input(net, X, b);
    bs->b = b;
    forward_block(net, k);
    return f3_blocknet_block_output(net, k);
}

const float *f3_blocknet_forward(f3_blocknet *net, const float *X, size_t b)
{
    const float *x = X;
    for (size_t k = 0; k < net->n; k++) x = f3_blocknet_forward_block(net, k, x, b);
    return x;
}

/* The ledger entries of op i's backward pass on b samples: its parameters'
 * gradients into `grad`, its input gradient (dx) into `fb`. */
static void count_backward(f3_counts *grad, f3_counts *fb, const block_state *bs, size_t i, size_t b, int dx)
{
    const f3_bop *op = &bs->spec.op[i];
    const uint64_t rows = (uint64_t)b * op->tokens, vin = (uint64_t)b * op_in(op), vout = (uint64_t)b * op_out(op);
    switch (op->kind) {
    case F3_BOP_LINEAR:
        f3_count_gradient(grad, (size_t)rows, op->d_in, op->d_out, op->bias, 0, bs->cls[i]);
        if (dx) f3_count_backprop(fb, (size_t)rows, op->d_in, op->d_out);
        return;
    case F3_BOP_LAYERNORM:
        grad->elem += F3_LN_GRAD_ELEM_PER_VALUE * vin;
        grad->reads[F3_MEM_WORK] += vout;
        grad->reads[bs->cls[i]] += vin;
        grad->reads[bs->icls[i]] += 2u * rows;
        grad->writes[F3_MEM_GRADIENTS] += 2u * op->d_in;
        if (!dx) return;
        fb->elem += F3_LN_DX_ELEM_PER_VALUE * vin + F3_LN_DX_ELEM_PER_ROW * rows;
        fb->reads[F3_MEM_BIASES] += op->d_in; /* γ */
        fb->writes[F3_MEM_WORK] += vin;
        return;
    default: break;
    }
    if (!dx) return;
    switch (op->kind) {
    case F3_BOP_ACT: {
        const int from_y = op->act == F3_OP_TANH || op->act == F3_OP_SIGMOID;
        /* any f but the identity: f' and the product, as f3_act_backward */
        f3_count_act_backward(fb, F3_ACT_TANH, (size_t)vin, bs->cls[from_y ? i + 1 : i]);
        return;
    }
    case F3_BOP_ATTENTION: {
        const uint64_t scores = (uint64_t)b * op->heads * op->tokens * op->tokens;
        fb->fma += 4u * scores * op->dim_head; /* dV, dP, dQ, dK */
        fb->elem += F3_ATT_BWD_ELEM_PER_SCORE * scores;
        fb->reads[bs->cls[i]] += vin;
        fb->reads[bs->icls[i]] += scores;
        fb->reads[F3_MEM_WORK] += vout;
        fb->writes[F3_MEM_WORK] += vin;
        return;
    }
    case F3_BOP_PATCHIFY:
        fb->reads[F3_MEM_WORK] += vout;
        fb->writes[F3_MEM_WORK] += vin;
        return;
    case F3_BOP_RESIDUAL_SAVE:
        fb->elem += vin;
        fb->reads[F3_MEM_WORK] += 2u * vin;
        fb->writes[F3_MEM_WORK] += vin;
        return;
    default: return; /* the add: dY goes on to both branches as it is */
    }
}

void f3_blocknet_backward_block(f3_blocknet *net, size_t k, const float *dOut, float *dIn)
{
    block_state *bs = &net->blk[k];
    const size_t b = bs->b, slot = net->max_batch * net->widest;
    /* the backward pass runs from the first op with parameters on, or from
     * op 0 when dIn is wanted; an op's dX only when an op before it runs */
    const size_t first = dIn ? 0 : bs->first_param;
    f3_counts *cg = NULL, *cf = NULL, *cf0 = NULL;
    if (net->ledger) {
        cg = f3_ledger_at(net->ledger, k, F3_PH_GRADIENT);
        cf = f3_ledger_at(net->ledger, k, F3_PH_FEEDBACK);
        /* op 0's dX is δ at block k − 1's output: booked there (Appendix A's δh_i) */
        cf0 = f3_ledger_at(net->ledger, k ? k - 1 : 0, F3_PH_FEEDBACK);
    }
    /* g: the gradient at the current op's output, h: at its input; an open
     * residual's gradient waits in its slot of res until its save */
    float *g = net->g[0], *h = net->g[1];
    memcpy(g, dOut, b * f3_block_out_size(&bs->spec) * sizeof(float));
    size_t n_res = 0;
    float *p = bs->param + f3_block_params(&bs->spec), *dp = bs->grad + f3_block_params(&bs->spec);
    for (size_t i = bs->spec.n_ops; i-- > first;) {
        const f3_bop *op = &bs->spec.op[i];
        const size_t rows = b * op->tokens, nv = rows * op->d_in;
        p -= f3_bop_params(op);
        dp -= f3_bop_params(op);
        const float *x = i == 0 ? bs->in : bs->out[i - 1];
        /* dX: into h, or dIn for op 0; NULL when no op before needs it */
        const int dx = i > first || dIn;
        float *out = !dx ? NULL : i > 0 ? h : dIn;
        switch (op->kind) {
        case F3_BOP_LINEAR:
            f3_op_linear_backward(p, x, g, out, dp, op->bias ? dp + op->d_out * op->d_in : NULL, rows, op->d_in,
                                  op->d_out);
            break;
        case F3_BOP_LAYERNORM:
            f3_op_layernorm_backward(p, x, bs->mean[i], bs->rstd[i], g, out ? out : h, dp, dp + op->d_in, rows,
                                     op->d_in);
            break;
        case F3_BOP_ACT:
            if (out) f3_op_act_backward(op->act, x, bs->out[i], g, out, nv);
            break;
        case F3_BOP_ATTENTION:
            if (out)
                f3_op_attention_backward(x, bs->P[i], g, out, b, op->tokens, op->heads, op->dim_head,
                                         1.0f / sqrtf((float)op->dim_head), net->att_scratch);
            break;
        case F3_BOP_PATCHIFY:
            if (out) f3_op_patchify_backward(g, out, b, op->channels, op->height, op->width, op->patch);
            break;
        case F3_BOP_RESIDUAL_ADD:
            /* y = x + s: the gradient goes on to x and waits for s's save,
             * the same δ on both branches */
            if (net->qe) q_round(net, 1, k, g, nv);
            memcpy(net->res + n_res++ * slot, g, nv * sizeof(float));
            if (out) memcpy(out, g, nv * sizeof(float));
            break;
        case F3_BOP_RESIDUAL_SAVE: {
            /* its input fed the op after it and the add: both gradients */
            const float *r = net->res + --n_res * slot;
            if (out)
                for (size_t j = 0; j < nv; j++) out[j] = g[j] + r[j];
            break;
        }
        }
        /* dX leaves the op in the error's format (the add's did above) */
        if (net->qe && out && op->kind != F3_BOP_RESIDUAL_ADD) q_round(net, 1, k, out, b * op_in(op));
        if (cg) count_backward(cg, i == 0 ? cf0 : cf, bs, i, b, dx);
        float *t = g;
        g = h;
        h = t;
    }
}

void f3_blocknet_backward_all(f3_blocknet *net, const float *dOut, float *dIn)
{
    /* block k's input gradient is block k − 1's output gradient */
    const float *d = dOut;
    for (size_t k = net->n; k-- > 0;) {
        float *din = k == 0 ? dIn : net->between[k & 1];
        f3_blocknet_backward_block(net, k, d, din);
        d = din;
    }
}
