/* vit.c — see f3/vit.h. */
#include "f3/vit.h"

#include <math.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "f3/kernels.h"

/* x + to_out(Attention(LN(x))), x + MLP(LN(x)) on n tokens of td, appended to b */
static f3_status transformer_ops(const f3_vit_config *c, size_t n, size_t td, f3_block *b)
{
    const size_t inner = c->heads * c->dim_head;
    const int project_out = !(c->heads == 1 && c->dim_head == td);
    f3_bop ops[12];
    size_t k = 0;
    ops[k++] = (f3_bop){.kind = F3_BOP_RESIDUAL_SAVE, .tokens = n, .d_in = td, .d_out = td};
    if (c->norm) ops[k++] = (f3_bop){.kind = F3_BOP_LAYERNORM, .tokens = n, .d_in = td, .d_out = td};
    ops[k++] = (f3_bop){.kind = F3_BOP_LINEAR, .tokens = n, .d_in = td, .d_out = 3 * inner, .bias = 0};
    ops[k++] = (f3_bop){.kind = F3_BOP_ATTENTION, .tokens = n, .d_in = 3 * inner, .d_out = inner,
                        .heads = c->heads, .dim_head = c->dim_head};
    if (project_out) ops[k++] = (f3_bop){.kind = F3_BOP_LINEAR, .tokens = n, .d_in = inner, .d_out = td, .bias = 1};
    ops[k++] = (f3_bop){.kind = F3_BOP_RESIDUAL_ADD, .tokens = n, .d_in = td, .d_out = td};
    ops[k++] = (f3_bop){.kind = F3_BOP_RESIDUAL_SAVE, .tokens = n, .d_in = td, .d_out = td};
    if (c->norm) ops[k++] = (f3_bop){.kind = F3_BOP_LAYERNORM, .tokens = n, .d_in = td, .d_out = td};
    ops[k++] = (f3_bop){.kind = F3_BOP_LINEAR, .tokens = n, .d_in = td, .d_out = c->mlp_dim, .bias = 1};
    ops[k++] = (f3_bop){.kind = F3_BOP_ACT, .tokens = n, .d_in = c->mlp_dim, .d_out = c->mlp_dim, .act = c->act};
    ops[k++] = (f3_bop){.kind = F3_BOP_LINEAR, .tokens = n, .d_in = c->mlp_dim, .d_out = td, .bias = 1};
    ops[k++] = (f3_bop){.kind = F3_BOP_RESIDUAL_ADD, .tokens = n, .d_in = td, .d_out = td};
    if (b->n_ops + k > F3_BLOCK_MAX_OPS)
        return F3_FAIL(F3_EINVAL, "a block of %zu ops (at most %d)", b->n_ops + k, F3_BLOCK_MAX_OPS);
    memcpy(b->op + b->n_ops, ops, k * sizeof *ops);
    b->n_ops += k;
    return F3_OK;
}

f3_status f3_vit_blocks(const f3_vit_config *c, f3_block *blocks, size_t max, size_t *n)
{
    *n = 0;
    if (c->depth < 2) return F3_FAIL(F3_EINVAL, "vit.depth %zu: at least 2 (a transformer block and the head)", c->depth);
    if (c->depth + 1 > max)
        return F3_FAIL(F3_EINVAL, "vit.depth %zu makes %zu blocks; at most %zu", c->depth, c->depth + 1, max);
    if (!c->patch || !c->channels || !c->height || !c->image_width || !c->classes || !c->heads || !c->dim_head ||
        !c->mlp_dim || !c->width)
        return F3_FAIL(F3_EINVAL, "a ViT size is 0");
    if (c->height % c->patch || c->image_width % c->patch)
        return F3_FAIL(F3_EINVAL, "vit.patch %zu does not divide the %zu × %zu images", c->patch, c->height,
                       c->image_width);
    const size_t tokens = (c->height / c->patch) * (c->image_width / c->patch);
    const size_t pd = c->patch * c->patch * c->channels, in = tokens * pd;
    if (c->width % tokens)
        return F3_FAIL(F3_EINVAL, "vit.width %zu is not a multiple of the %zu tokens (patches of %zu × %zu)",
                       c->width, tokens, c->patch, c->patch);
    const size_t td = c->width / tokens;
    memset(blocks, 0, (c->depth + 1) * sizeof *blocks);
    f3_block *b0 = &blocks[0];
    b0->op[0] = (f3_bop){.kind = F3_BOP_PATCHIFY, .tokens = tokens, .d_in = pd, .d_out = pd, .channels = c->channels,
                         .height = c->height, .width = c->image_width, .patch = c->patch};
    b0->op[1] = (f3_bop){.kind = F3_BOP_LINEAR, .tokens = 1, .d_in = in, .d_out = c->width, .bias = 1};
    b0->n_ops = 2;
    for (size_t k = 0; k + 1 < c->depth; k++)
        if (transformer_ops(c, tokens, td, &blocks[k]) != F3_OK) return F3_EINVAL;
    f3_block *h = &blocks[c->depth - 1];
    h->op[0] = (f3_bop){.kind = F3_BOP_LINEAR, .tokens = 1, .d_in = c->width, .d_out = c->width, .bias = 1};
    h->op[1] = (f3_bop){.kind = F3_BOP_ACT, .tokens = 1, .d_in = c->width, .d_out = c->width, .act = c->act};
    h->n_ops = 2;
    blocks[c->depth].op[0] =
        (f3_bop){.kind = F3_BOP_LINEAR, .tokens = 1, .d_in = c->width, .d_out = c->classes, .bias = 1};
    blocks[c->depth].n_ops = 1;
    for (size_t k = 0; k <= c->depth; k++)
        if (f3_block_check(&blocks[k]) != F3_OK) return F3_EINVAL;
    *n = c->depth + 1;
    return F3_OK;
}

void f3_bop_describe(const f3_bop *op, char *buf, size_t len)
{
    char per[48] = "";
    if (op->tokens > 1) snprintf(per, sizeof per, " on %zu tokens", op->tokens);
    const size_t p = f3_bop_params(op);
    switch (op->kind) {
    case F3_BOP_LINEAR:
        snprintf(buf, len, "linear %zu -> %zu%s%s (%zu parameters)", op->d_in, op->d_out, per,
                 op->bias ? "" : ", no bias", p);
        break;
    case F3_BOP_LAYERNORM: snprintf(buf, len, "layernorm over %zu%s (%zu parameters)", op->d_in, per, p); break;
    case F3_BOP_ACT: snprintf(buf, len, "%s of %zu values%s", f3_op_act_name(op->act), op->d_in, per); break;
    case F3_BOP_ATTENTION:
        snprintf(buf, len, "attention, %zu heads of %zu%s (softmax of q k^T / sqrt(%zu))", op->heads, op->dim_head,
                 per, op->dim_head);
        break;
    case F3_BOP_PATCHIFY:
        snprintf(buf, len, "patches of %zu x %zu of the %zu x %zu x %zu images: %zu tokens of %zu", op->patch,
                 op->patch, op->channels, op->height, op->width, op->tokens, op->d_out);
        break;
    case F3_BOP_RESIDUAL_SAVE: snprintf(buf, len, "residual: keep x (%zu%s)", op->d_in, per); break;
    case F3_BOP_RESIDUAL_ADD: snprintf(buf, len, "residual: add the kept x"); break;
    }
}

size_t f3_blocks_params(const f3_block *blocks, size_t n)
{
    size_t p = 0;
    for (size_t k = 0; k < n; k++) p += f3_block_params(&blocks[k]);
    return p;
}

f3_status f3_blocktrainer_store_targets(f3_blocktrainer *tr, const f3_dataset *train)
{
    float *store = f3_blocktrainer_store(tr);
    const size_t C = train->n_outputs, chunk = 256;
    float *x = malloc(chunk * train->d * sizeof *x);
    int32_t *lab = malloc(chunk * sizeof *lab);
    size_t *idx = malloc(chunk * sizeof *idx);
    if (!x || !lab || !idx) {
        free(x), free(lab), free(idx);
        return F3_FAIL(F3_ENOMEM, "out of memory for the error store's targets");
    }
    for (size_t s = 0; s < train->n; s += chunk) {
        const size_t b = train->n - s < chunk ? train->n - s : chunk;
        for (size_t j = 0; j < b; j++) idx[j] = s + j;
        f3_dataset_gather(train, idx, b, x, store + s * C, lab);
    }
    free(x), free(lab), free(idx);
    f3_blocktrainer_store_round(tr); /* e₀ in the store's format */
    return F3_OK;
}

f3_status f3_blocktrainer_evaluate(f3_blocktrainer *tr, const f3_dataset *test, size_t batch, f3_stats *st)
{
    const size_t C = test->n_outputs, d = test->d;
    memset(st, 0, sizeof *st);
    f3_blocknet *net = f3_blocktrainer_net(tr);
    float *x = malloc(batch * d * sizeof *x), *t = malloc(batch * C * sizeof *t), *dz = malloc(batch * C * sizeof *dz);
    int32_t *lab = malloc(batch * sizeof *lab);
    size_t *idx = malloc(batch * sizeof *idx);
    f3_status rc = F3_OK;
    if (!x || !t || !dz || !lab || !idx) {
        rc = F3_FAIL(F3_ENOMEM, "out of memory for the evaluation's batch");
        goto out;
    }
    for (size_t s = 0; s < test->n; s += batch) {
        const size_t b = test->n - s < batch ? test->n - s : batch;
        for (size_t j = 0; j < b; j++) idx[j] = s + j;
        f3_dataset_gather(test, idx, b, x, t, lab);
        const float *y = f3_blocknet_forward(net, x, b);
        double loss = 0.0;
        size_t correct = 0;
        f3_output_delta(F3_LOSS_SOFTMAX_CE, F3_ACT_IDENTITY, y, t, lab, dz, b, C, &loss, &correct, NULL);
        st->loss_sum += loss;
        st->correct += correct;
        st->samples += b;
    }
out:
    free(x), free(t), free(dz), free(lab), free(idx);
    return rc;
}

void f3_blocktrainer_sha256(f3_blocktrainer *tr, char hex[65])
{
    f3_blocknet *net = f3_blocktrainer_net(tr);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
    for (size_t k = 0; k < f3_blocknet_blocks(net); k++)
        EVP_DigestUpdate(ctx, f3_blocknet_params(net, k), f3_block_params(f3_blocknet_block(net, k)) * sizeof(float));
    EVP_DigestFinal_ex(ctx, md, &len);
    EVP_MD_CTX_free(ctx);
    for (unsigned int i = 0; i < 32; i++) snprintf(hex + 2 * i, 3, "%02x", md[i]);
    hex[64] = '\0';
}

int f3_blocktrainer_finite(f3_blocktrainer *tr, size_t *block)
{
    f3_blocknet *net = f3_blocktrainer_net(tr);
    for (size_t k = 0; k < f3_blocknet_blocks(net); k++)
        if (!f3_all_finite(f3_blocknet_params(net, k), f3_block_params(f3_blocknet_block(net, k)))) {
            *block = k + 1;
            return 0;
        }
    return 1;
}
