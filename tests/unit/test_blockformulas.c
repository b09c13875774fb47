/* test_blockformulas.c — the closed forms of f3/blockformulas.h against the
 * block trainer's ledger (f3/blocktrain.h), counter by counter, on random
 * networks of blocks under every rule; against the MLP trainer's ledger
 * (an independent reference) on networks of dense blocks; and against
 * counts derived by hand for one small transformer block and for the
 * authors' ViT (docs/validation.md, "Appendix A extended to transformer
 * blocks"). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "f3/blockformulas.h"
#include "f3/blocktrain.h"
#include "f3/formulas.h"
#include "f3/train.h"

/* ---- deterministic pseudo-random numbers ------------------------------------ */

static uint64_t rng_state;
static uint32_t rnd(void)
{
    /* splitmix64 */
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return (uint32_t)((z ^ (z >> 31)) >> 32);
}
static size_t rnd_in(size_t lo, size_t hi) { return lo + rnd() % (hi - lo + 1); } /* [lo, hi] */
static float rnd_float(void) { return ((float)(rnd() >> 8) / 16777216.0f) * 4.6f - 2.3f; }

/* a random divisor of v */
static size_t divisor(size_t v)
{
    size_t d[64], n = 0;
    for (size_t i = 1; i <= v && n < 64; i++)
        if (v % i == 0) d[n++] = i;
    return d[rnd() % n];
}

/* ---- random networks of blocks ------------------------------------------------- */

static void push(f3_block *blk, f3_bop op) { blk->op[blk->n_ops++] = op; }

static size_t add_linear(f3_block *blk, size_t v, size_t tokens, size_t d_out)
{
    push(blk, (f3_bop){.kind = F3_BOP_LINEAR, .tokens = tokens, .d_in = v / tokens, .d_out = d_out, .bias = (int)(rnd() % 2)});
    return tokens * d_out;
}

/* Ops that keep v values per sample (the inside of a residual), at most
 * `room` of them; returns how many were added. */
static size_t add_same(f3_block *blk, size_t v, size_t room, int depth)
{
    const size_t t = divisor(v), d = v / t, start = blk->n_ops;
    switch (rnd() % (depth < 1 && room >= 4 ? 5 : 4)) {
    case 0: push(blk, (f3_bop){.kind = F3_BOP_LAYERNORM, .tokens = t, .d_in = d, .d_out = d}); break;
    case 1: push(blk, (f3_bop){.kind = F3_BOP_ACT, .tokens = t, .d_in = d, .d_out = d, .act = (f3_op_act)(rnd() % 4)}); break;
    case 2:
        if (room < 2) return add_same(blk, v, room, 1);
        add_linear(blk, v, t, rnd_in(1, 6));
        add_linear(blk, blk->op[blk->n_ops - 1].tokens * blk->op[blk->n_ops - 1].d_out, t, d);
        break;
    case 3: {
        if (room < 3) return add_same(blk, v, room, 1);
        const size_t h = rnd_in(1, 3), dh = rnd_in(1, 3);
        add_linear(blk, v, t, 3 * h * dh);
        push(blk, (f3_bop){.kind = F3_BOP_ATTENTION, .tokens = t, .d_in = 3 * h * dh, .d_out = h * dh, .heads = h, .dim_head = dh});
        add_linear(blk, t * h * dh, t, d);
        break;
    }
    default: { /* a nested residual */
        push(blk, (f3_bop){.kind = F3_BOP_RESIDUAL_SAVE, .tokens = t, .d_in = d, .d_out = d});
        add_same(blk, v, room - 2, depth + 1);
        const size_t t2 = divisor(v);
        push(blk, (f3_bop){.kind = F3_BOP_RESIDUAL_ADD, .tokens = t2, .d_in = v / t2, .d_out = v / t2});
        break;
    }
    }
    return blk->n_ops - start;
}

/* A patchify of v = c·H·W values, H and W multiples of the patch. */
static void add_patchify(f3_block *blk, size_t v)
{
    size_t p = rnd() % 2 ? 2 : 1;
    if (v % (p * p)) p = 1;
    const size_t gh = divisor(v / (p * p)), gw = divisor(v / (p * p) / gh), c = v / (p * p) / gh / gw;
    push(blk, (f3_bop){.kind = F3_BOP_PATCHIFY, .tokens = gh * gw, .d_in = p * p * c, .d_out = p * p * c, .channels = c,
                       .height = gh * p, .width = gw * p, .patch = p});
}

/* A random block from v values per sample; the last one ends in C. */
static size_t random_block(f3_block *blk, size_t v, int last, size_t C)
{
    memset(blk, 0, sizeof *blk);
    const size_t budget = rnd_in(1, 14);
    while (blk->n_ops < budget) {
        const size_t room = F3_BLOCK_MAX_OPS - 1 - blk->n_ops;
        switch (rnd() % 6) {
        case 0: v = add_linear(blk, v, divisor(v), rnd_in(1, 7)); break;
        case 1: add_patchify(blk, v); break;
        case 2:
        case 3: {
            if (room < 4) break;
            const size_t t = divisor(v);
            push(blk, (f3_bop){.kind = F3_BOP_RESIDUAL_SAVE, .tokens = t, .d_in = v / t, .d_out = v / t});
            const size_t left = room - 2 - add_same(blk, v, room - 2, 0);
            if (left && rnd() % 2) add_same(blk, v, left, 1);
            const size_t t2 = divisor(v);
            push(blk, (f3_bop){.kind = F3_BOP_RESIDUAL_ADD, .tokens = t2, .d_in = v / t2, .d_out = v / t2});
            break;
        }
        default: add_same(blk, v, room > 3 ? 3 : room, 1); break;
        }
    }
    if (last || blk->n_ops == 0) v = add_linear(blk, v, 1, last ? C : rnd_in(1, 9));
    return v;
}

static void describe(const f3_block *blocks, size_t n, char *buf, size_t len)
{
    static const char *kind[] = {"lin", "ln", "act", "att", "patch", "save", "add"};
    size_t off = 0;
    buf[0] = '\0';
    for (size_t k = 0; k < n && off < len; k++) {
        off += (size_t)snprintf(buf + off, len - off, "%s[", k ? " " : "");
        for (size_t i = 0; i < blocks[k].n_ops && off < len; i++) {
            const f3_bop *op = &blocks[k].op[i];
            off += (size_t)snprintf(buf + off, len - off, "%s%s %zux%zu>%zu", i ? ", " : "", kind[op->kind], op->tokens,
                                    op->d_in, op->d_out);
            if (op->kind == F3_BOP_LINEAR && off < len) off += (size_t)snprintf(buf + off, len - off, "%s", op->bias ? "+b" : "");
            if (op->kind == F3_BOP_ACT && off < len) off += (size_t)snprintf(buf + off, len - off, " %s", f3_op_act_name(op->act));
            if (op->kind == F3_BOP_ATTENTION && off < len)
                off += (size_t)snprintf(buf + off, len - off, " h%zu d%zu", op->heads, op->dim_head);
        }
        if (off < len) off += (size_t)snprintf(buf + off, len - off, "]");
    }
}

/* ---- the trainer against the forms ------------------------------------------------ */

typedef struct {
    f3_algorithm alg;
    f3_error_info ei;
    const char *name;
} rule;

static const rule RULES[] = {
    {F3_ALG_BP, {F3_EI_ERROR, 0, 0}, "bp"},
    {F3_ALG_F3, {F3_EI_ERROR, 0, 0}, "f3 delayed_error"},
    {F3_ALG_F3, {F3_EI_ERROR, 1, 0}, "f3 delayed_error_one_hot"},
    {F3_ALG_F3, {F3_EI_LOSS, 0, 0}, "f3 delayed_loss"},
    {F3_ALG_DFA, {F3_EI_ERROR, 0, 0}, "dfa"},
    {F3_ALG_DRTP, {F3_EI_ERROR, 0, 0}, "drtp"},
    {F3_ALG_LLO, {F3_EI_ERROR, 0, 0}, "llo"},
};
#define N_RULES (sizeof RULES / sizeof *RULES)

static f3_blocktrain_config config_of(const rule *r, f3_optimizer o, size_t C)
{
    return (f3_blocktrain_config){r->alg, r->ei, o, o == F3_OPT_ADAM ? 1e-3 : 0.01, 0.9, 0.999, 1e-8, C};
}

/* failures described so far (the first few are enough) */
static size_t described;

/* Train `steps` steps of random batch sizes up to max_batch on random data,
 * then compare the ledger and the stash peak with the forms.  Returns the
 * number of differing counters. */
static size_t check_network(const f3_block *blocks, size_t n, const rule *r, f3_optimizer o, size_t C,
                            size_t max_batch, size_t steps, const char *what)
{
    const size_t n_train = max_batch + rnd_in(0, 5), in = f3_block_in_size(&blocks[0]);
    const f3_blocktrain_config cfg = config_of(r, o, C);
    f3_blocktrainer *tr = f3_blocktrainer_new(blocks, n, &cfg, max_batch, n_train, rnd());
    if (!tr) print_error("%s: %s\n", what, f3_last_error());
    assert_non_null(tr);
    float *X = malloc(max_batch * in * sizeof *X), *T = calloc(max_batch * C, sizeof *T);
    size_t *idx = malloc(max_batch * sizeof *idx);
    float *store = f3_blocktrainer_store(tr);
    for (size_t i = 0; i < n_train * C; i++) store[i] = rnd_float();
    f3_run_shape run = {0, 0, 0};
    for (size_t s = 0; s < steps; s++) {
        const size_t b = rnd_in(1, max_batch);
        for (size_t i = 0; i < b * in; i++) X[i] = rnd_float();
        memset(T, 0, max_batch * C * sizeof *T);
        for (size_t j = 0; j < b; j++) T[j * C + rnd() % C] = 1.0f, idx[j] = rnd() % n_train;
        assert_int_equal(f3_blocktrainer_step(tr, X, T, idx, b, NULL), F3_OK);
        run.steps++;
        run.samples += b;
        run.max_batch = b > run.max_batch ? b : run.max_batch;
    }
    /* an evaluation's forward pass is not a step: not counted */
    f3_blocknet_forward(f3_blocktrainer_net(tr), X, 1);
    f3_ledger *want = NULL;
    assert_int_equal(f3_ledger_alloc(n, &want), F3_OK);
    assert_int_equal(f3_blockformula_ledger(blocks, n, &cfg, n_train, run, want), F3_OK);
    char msg[256];
    size_t nd = f3_ledger_diff(f3_blocktrainer_ledger(tr), want, msg, sizeof msg);
    if (nd && described++ < 5) print_error("%s, %s %s, %llu steps of up to %zu: %zu counters differ, first %s (counted vs formula)\n", what,
                        r->name, f3_optimizer_name(o), (unsigned long long)run.steps, (size_t)run.max_batch, nd, msg);
    f3_block_peaks pk;
    assert_int_equal(f3_blockformula_peaks(blocks, n, &cfg, (size_t)run.max_batch, &pk), F3_OK);
    if (f3_blocktrainer_stash_peak(tr) != pk.stash) {
        if (described++ < 5) print_error("%s, %s: stash peak %llu counted, %llu formula\n", what, r->name,
                    (unsigned long long)f3_blocktrainer_stash_peak(tr), (unsigned long long)pk.stash);
        nd++;
    }
    for (size_t k = 0; k < n; k++) {
        const size_t s = f3_blockformula_stash(&blocks[k], r->alg == F3_ALG_BP && k > 0);
        if (f3_blocknet_stash(f3_blocktrainer_net(tr), k) != s) {
            if (described++ < 5) print_error("%s, %s: block %zu's stash %zu counted, %zu formula\n", what, r->name, k + 1,
                        f3_blocknet_stash(f3_blocktrainer_net(tr), k), s);
            nd++;
        }
    }
    f3_ledger_free(want);
    f3_blocktrainer_free(tr);
    free(X);
    free(T);
    free(idx);
    return nd;
}

static void test_ledger_equals_forms_random(void **state)
{
    (void)state;
    rng_state = 0xB10C5;
    size_t bad = 0, ops = 0, kinds[7] = {0};
    for (int net = 0; net < 60; net++) {
        f3_block blocks[5];
        const size_t n = rnd_in(1, 5), C = rnd_in(1, 6);
        size_t v = rnd_in(1, 12);
        if (rnd() % 2) v *= 4; /* room for patches of 2 */
        for (size_t k = 0; k < n; k++) {
            v = random_block(&blocks[k], v, k + 1 == n, C);
            ops += blocks[k].n_ops;
            for (size_t i = 0; i < blocks[k].n_ops; i++) kinds[blocks[k].op[i].kind]++;
            assert_int_equal(f3_block_check(&blocks[k]), F3_OK);
        }
        char what[2048];
        describe(blocks, n, what, sizeof what);
        const size_t max_batch = rnd_in(1, 6), steps = rnd_in(1, 3);
        for (size_t r = 0; r < N_RULES; r++)
            for (int o = 0; o < 2; o++)
                bad += check_network(blocks, n, &RULES[r], o ? F3_OPT_ADAM : F3_OPT_SGD, C, max_batch, steps, what);
    }
    /* every kind of op was drawn, often */
    for (int q = 0; q < 7; q++) assert_true(kinds[q] >= 20);
    print_message("60 random networks, %zu ops, %zu rule × optimiser runs\n", ops, 60 * N_RULES * 2);
    assert_int_equal(bad, 0);
}

/* ---- dense blocks against the MLP trainer -------------------------------------------- */

/* A network of dense blocks (linear + tanh, …, linear) trains as the MLP
 * trainer does (test_blocktrain), and it counts as the MLP trainer does:
 * every counter equal, but for the pre-activation z = W h + b, which the
 * block's linear writes and its tanh reads (two ops, two calls) where the
 * MLP's dense kernel keeps it inside one call: forward reads and writes of
 * class work differ by S·n_i for each hidden layer. */
static void test_dense_blocks_count_as_the_mlp(void **state)
{
    (void)state;
    enum { K = 3, C = 4, B = 5, NTRAIN = 15, STEPS = 4 };
    const size_t w[K + 1] = {7, 11, 9, C};
    f3_block blk[K];
    memset(blk, 0, sizeof blk);
    for (size_t k = 0; k < K; k++) {
        push(&blk[k], (f3_bop){.kind = F3_BOP_LINEAR, .tokens = 1, .d_in = w[k], .d_out = w[k + 1], .bias = 1});
        if (k + 1 < K) push(&blk[k], (f3_bop){.kind = F3_BOP_ACT, .tokens = 1, .d_in = w[k + 1], .d_out = w[k + 1], .act = F3_OP_TANH});
    }
    static float X[NTRAIN * 7], T[NTRAIN * C];
    static int32_t lab[NTRAIN];
    rng_state = 77;
    for (size_t i = 0; i < sizeof X / sizeof *X; i++) X[i] = rnd_float();
    for (size_t s = 0; s < NTRAIN; s++) lab[s] = (int32_t)(rnd() % C), T[s * C + (size_t)lab[s]] = 1.0f;
    for (size_t r = 0; r < N_RULES; r++)
        for (int o = 0; o < 2; o++) {
            f3_config cfg = f3_config_default();
            cfg.n_layers = K;
            memcpy(cfg.widths, w, sizeof w);
            cfg.hidden_act = F3_ACT_TANH;
            cfg.output_act = F3_ACT_IDENTITY;
            cfg.loss = F3_LOSS_SOFTMAX_CE;
            cfg.algorithm = RULES[r].alg;
            cfg.error_info = RULES[r].ei;
            cfg.optimizer = o ? F3_OPT_ADAM : F3_OPT_SGD;
            cfg.batch_size = B;
            f3_trainer *mlp = NULL;
            assert_int_equal(f3_trainer_alloc(&cfg, F3_TASK_CLASSIFICATION, NTRAIN, &mlp), F3_OK);
            const f3_blocktrain_config bc = config_of(&RULES[r], cfg.optimizer, C);
            f3_blocktrainer *bt = f3_blocktrainer_new(blk, K, &bc, B, NTRAIN, 3);
            assert_non_null(bt);
            size_t idx[B];
            uint64_t S = 0;
            for (size_t s = 0; s < STEPS; s++) {
                const size_t s0 = s * B % NTRAIN;
                for (size_t j = 0; j < B; j++) idx[j] = s0 + j;
                assert_int_equal(f3_train_step(mlp, X + s0 * 7, T + s0 * C, lab + s0, idx, B, NULL), F3_OK);
                assert_int_equal(f3_blocktrainer_step(bt, X + s0 * 7, T + s0 * C, idx, B, NULL), F3_OK);
                S += B;
            }
            f3_ledger *blocks = NULL;
            assert_int_equal(f3_ledger_alloc(K, &blocks), F3_OK);
            f3_ledger_add(blocks, f3_blocktrainer_ledger(bt));
            blocks->live_act = f3_blocktrainer_ledger(bt)->live_act;
            blocks->live_err = f3_blocktrainer_ledger(bt)->live_err;
            for (size_t k = 0; k + 1 < K; k++) {
                f3_counts *c = f3_ledger_at(blocks, k, F3_PH_FORWARD);
                assert_true(c->reads[F3_MEM_WORK] >= S * w[k + 1] && c->writes[F3_MEM_WORK] >= S * w[k + 1]);
                c->reads[F3_MEM_WORK] -= S * w[k + 1];
                c->writes[F3_MEM_WORK] -= S * w[k + 1];
            }
            char msg[256];
            const size_t nd = f3_ledger_diff(blocks, mlp->ledger, msg, sizeof msg);
            if (nd)
                print_error("%s %s: %zu counters differ from the MLP trainer's, first %s (blocks vs MLP)\n", RULES[r].name,
                            f3_optimizer_name(cfg.optimizer), nd, msg);
            assert_int_equal(nd, 0);
            f3_ledger_free(blocks);
            f3_blocktrainer_free(bt);
            f3_trainer_free(mlp);
        }
}

/* ---- one transformer block, by hand ------------------------------------------------ */

/* Block 1: a transformer block on 2 tokens of 4 (x + out(attention(qkv(LN(x))))
 * with 2 heads of 2 and qkv without bias, then x + lin(tanh(lin(LN(x)))) with
 * a hidden width of 6); block 2: linear 8 → 3.  One step of b = 2 (S = 2,
 * T = 1), Adam.  Per sample, block 1:
 *   forward FMA: qkv 2·4·12 = 96, QKᵀ and P·V 2·(2·2²·2) = 32, out 2·4·4 = 32,
 *     mlp 2·4·6 = 48 and 2·6·4 = 48: 256 → 512 for the step;
 *   forward elem: LN 7·8 + 2·2 = 60 twice, attention 4·(2·2²) = 32, biases
 *     8 + 12 + 8, tanh 12, adds 8 + 8: 208 → 416;
 *   gradient FMA: the linears 96 + 32 + 48 + 48 = 224 → 448; elem: LN 5·8
 *     twice, biases 8 + 12 + 8: 108 → 216;
 *   feedback inside the block (the backward pass starts at LN 1, the first
 *     op with parameters, which needs no dX): FMA qkv 96, attention
 *     4·(2·2²·2) = 64, out 32, mlp 48 + 48: 288; elem attention 5·8 = 40,
 *     save 8, LN 2 8·8 + 2·2 = 68, tanh 2·12 = 24: 140;
 *     BP adds block 2's dX (δ at block 1's output) 8·3 = 24 FMA; F³ adds
 *     E·B_1 3·8 = 24 FMA: both 312 → 624 FMA, 280 elem;
 *   stash: μ, rstd 2·2 twice, LN 1's output 8, qkv's 24, P 2·2² = 8, the
 *     attention's output 8, the first add's 8 (LN 2's input through the
 *     save), LN 2's output 8, tanh's output 12 (read by tanh and the
 *     linear after it, kept once): 84; block 2 stashes nothing (its input is
 *     the boundary).  BP: activation buffer 2·(8 + 84) = 184, stash 2·84
 *     = 168; F³: activation buffer 0, stash 168.
 * Block 2: forward 8·3 = 24 FMA and 3 elem per sample, gradient the same;
 *   loss (2 + 3)·3 = 15 elem per sample (F³: + (1 + 3)·3 = 12 for the store
 *   write, t − softmax(y)).
 * Update: block 1 has 8 + 48 + 20 + 8 + 30 + 28 = 142 parameters (112
 *   weights, 30 biases, γ and β), block 2 27: FMA 142 and 27, Adam elem
 *   11·142 = 1562 and 297. */
static void transformer_block(f3_block blk[2])
{
    memset(blk, 0, 2 * sizeof *blk);
    const f3_bop ops[] = {
        {.kind = F3_BOP_RESIDUAL_SAVE, .tokens = 2, .d_in = 4, .d_out = 4},
        {.kind = F3_BOP_LAYERNORM, .tokens = 2, .d_in = 4, .d_out = 4},
        {.kind = F3_BOP_LINEAR, .tokens = 2, .d_in = 4, .d_out = 12, .bias = 0},
        {.kind = F3_BOP_ATTENTION, .tokens = 2, .d_in = 12, .d_out = 4, .heads = 2, .dim_head = 2},
        {.kind = F3_BOP_LINEAR, .tokens = 2, .d_in = 4, .d_out = 4, .bias = 1},
        {.kind = F3_BOP_RESIDUAL_ADD, .tokens = 2, .d_in = 4, .d_out = 4},
        {.kind = F3_BOP_RESIDUAL_SAVE, .tokens = 2, .d_in = 4, .d_out = 4},
        {.kind = F3_BOP_LAYERNORM, .tokens = 2, .d_in = 4, .d_out = 4},
        {.kind = F3_BOP_LINEAR, .tokens = 2, .d_in = 4, .d_out = 6, .bias = 1},
        {.kind = F3_BOP_ACT, .tokens = 2, .d_in = 6, .d_out = 6, .act = F3_OP_TANH},
        {.kind = F3_BOP_LINEAR, .tokens = 2, .d_in = 6, .d_out = 4, .bias = 1},
        {.kind = F3_BOP_RESIDUAL_ADD, .tokens = 2, .d_in = 4, .d_out = 4},
    };
    memcpy(blk[0].op, ops, sizeof ops);
    blk[0].n_ops = sizeof ops / sizeof *ops;
    blk[1].op[0] = (f3_bop){.kind = F3_BOP_LINEAR, .tokens = 1, .d_in = 8, .d_out = 3, .bias = 1};
    blk[1].n_ops = 1;
}

static f3_counts counts(const f3_block *blk, f3_algorithm a, size_t k, f3_phase p)
{
    const f3_blocktrain_config cfg = {a, {F3_EI_ERROR, 0, 0}, F3_OPT_ADAM, 1e-3, 0.9, 0.999, 1e-8, 3};
    f3_counts c;
    assert_int_equal(f3_blockformula_counts(blk, 2, &cfg, k, p, (f3_run_shape){1, 2, 2}, &c), F3_OK);
    return c;
}

static void test_transformer_block_by_hand(void **state)
{
    (void)state;
    f3_block blk[2];
    transformer_block(blk);
    const f3_algorithm rules[2] = {F3_ALG_BP, F3_ALG_F3};
    for (int r = 0; r < 2; r++) {
        const f3_algorithm a = rules[r];
        f3_counts c = counts(blk, a, 0, F3_PH_FORWARD);
        assert_int_equal(c.fma, 512);
        assert_int_equal(c.elem, 416);
        /* kept: the stash (84) and the output (8) per sample, or nothing */
        assert_int_equal(c.writes[F3_MEM_ACTBUF], a == F3_ALG_BP ? 2 * 92 : 0);
        /* the out projection's, the first MLP linear's and the second's outputs: 8 + 12 + 8 */
        assert_int_equal(c.writes[F3_MEM_WORK], a == F3_ALG_BP ? 2 * 28 : 2 * 120);
        /* the input, read by LN 1 and by the first add */
        assert_int_equal(c.reads[F3_MEM_INPUTS], 2 * 16);
        assert_int_equal(c.reads[F3_MEM_WEIGHTS], 112);
        assert_int_equal(c.reads[F3_MEM_BIASES], 30);
        c = counts(blk, a, 0, F3_PH_GRADIENT);
        assert_int_equal(c.fma, 448);
        assert_int_equal(c.elem, 216);
        assert_int_equal(c.writes[F3_MEM_GRADIENTS], 142);
        c = counts(blk, a, 0, F3_PH_FEEDBACK);
        assert_int_equal(c.fma, 624);
        assert_int_equal(c.elem, 280);
        assert_int_equal(c.reads[F3_MEM_FEEDBACK], a == F3_ALG_F3 ? 3 * 8 : 0);
        assert_int_equal(c.reads[F3_MEM_ERRSTORE], a == F3_ALG_F3 ? 2 * 3 : 0);
        c = counts(blk, a, 0, F3_PH_UPDATE);
        assert_int_equal(c.fma, 142);
        assert_int_equal(c.elem, 1562);
        c = counts(blk, a, 1, F3_PH_FORWARD);
        assert_int_equal(c.fma, 48);
        assert_int_equal(c.elem, 6);
        c = counts(blk, a, 1, F3_PH_GRADIENT);
        assert_int_equal(c.fma, 48);
        assert_int_equal(c.elem, 6);
        c = counts(blk, a, 1, F3_PH_FEEDBACK);
        assert_int_equal(c.fma, 0);
        c = counts(blk, a, 1, F3_PH_LOSS);
        assert_int_equal(c.elem, a == F3_ALG_F3 ? 2 * 27 : 2 * 15);
        assert_int_equal(c.writes[F3_MEM_ERRSTORE], a == F3_ALG_F3 ? 6 : 0);
        c = counts(blk, a, 1, F3_PH_UPDATE);
        assert_int_equal(c.fma, 27);
        assert_int_equal(c.elem, 297);
        const f3_blocktrain_config cfg = {a, {F3_EI_ERROR, 0, 0}, F3_OPT_ADAM, 1e-3, 0.9, 0.999, 1e-8, 3};
        f3_block_peaks pk;
        assert_int_equal(f3_blockformula_peaks(blk, 2, &cfg, 2, &pk), F3_OK);
        assert_int_equal(pk.activation_buffer, a == F3_ALG_BP ? 184 : 0);
        assert_int_equal(pk.stash, 168);
    }
    assert_int_equal(f3_blockformula_stash(&blk[0], 0), 84);
    assert_int_equal(f3_blockformula_stash(&blk[0], 1), 84); /* the save needs nothing */
    assert_int_equal(f3_blockformula_stash(&blk[1], 1), 0);
}

/* ---- the authors' ViT ------------------------------------------------------------------ */

enum { HID = 512, TOK = 16, TD = 32, HEADS = 8, DH = 64, MLPW = 128, CLS = 10 };

static void transformer_ops(f3_block *b)
{
    const f3_bop ops[] = {
        {.kind = F3_BOP_RESIDUAL_SAVE, .tokens = TOK, .d_in = TD, .d_out = TD},
        {.kind = F3_BOP_LAYERNORM, .tokens = TOK, .d_in = TD, .d_out = TD},
        {.kind = F3_BOP_LINEAR, .tokens = TOK, .d_in = TD, .d_out = 3 * HEADS * DH, .bias = 0},
        {.kind = F3_BOP_ATTENTION, .tokens = TOK, .d_in = 3 * HEADS * DH, .d_out = HEADS * DH, .heads = HEADS, .dim_head = DH},
        {.kind = F3_BOP_LINEAR, .tokens = TOK, .d_in = HEADS * DH, .d_out = TD, .bias = 1},
        {.kind = F3_BOP_RESIDUAL_ADD, .tokens = TOK, .d_in = TD, .d_out = TD},
        {.kind = F3_BOP_RESIDUAL_SAVE, .tokens = TOK, .d_in = TD, .d_out = TD},
        {.kind = F3_BOP_LAYERNORM, .tokens = TOK, .d_in = TD, .d_out = TD},
        {.kind = F3_BOP_LINEAR, .tokens = TOK, .d_in = TD, .d_out = MLPW, .bias = 1},
        {.kind = F3_BOP_ACT, .tokens = TOK, .d_in = MLPW, .d_out = MLPW, .act = F3_OP_TANH},
        {.kind = F3_BOP_LINEAR, .tokens = TOK, .d_in = MLPW, .d_out = TD, .bias = 1},
        {.kind = F3_BOP_RESIDUAL_ADD, .tokens = TOK, .d_in = TD, .d_out = TD},
    };
    memcpy(b->op + b->n_ops, ops, sizeof ops);
    b->n_ops += sizeof ops / sizeof *ops;
}

/* transformer.py's F3VisionTransformer(depth 5) on MNIST, as
 * analysis/bench/bench_vit.c builds it: 6 blocks */
static void vit(f3_block blk[6])
{
    memset(blk, 0, 6 * sizeof *blk);
    blk[0].op[0] = (f3_bop){.kind = F3_BOP_PATCHIFY, .tokens = 16, .d_in = 49, .d_out = 49, .channels = 1, .height = 28,
                            .width = 28, .patch = 7};
    blk[0].op[1] = (f3_bop){.kind = F3_BOP_LINEAR, .tokens = 1, .d_in = 784, .d_out = HID, .bias = 1};
    blk[0].n_ops = 2;
    for (size_t k = 0; k < 4; k++) transformer_ops(&blk[k]);
    blk[4].op[0] = (f3_bop){.kind = F3_BOP_LINEAR, .tokens = 1, .d_in = HID, .d_out = HID, .bias = 1};
    blk[4].op[1] = (f3_bop){.kind = F3_BOP_ACT, .tokens = 1, .d_in = HID, .d_out = HID, .act = F3_OP_TANH};
    blk[4].n_ops = 2;
    blk[5].op[0] = (f3_bop){.kind = F3_BOP_LINEAR, .tokens = 1, .d_in = HID, .d_out = CLS, .bias = 1};
    blk[5].n_ops = 1;
}

/* The numbers of docs/validation.md, "Appendix A extended to transformer
 * blocks", derived there by hand; printed for the table. */
static void test_vit_per_sample(void **state)
{
    (void)state;
    f3_block blk[6];
    vit(blk);
    const size_t b = 100, N = 60000;
    const f3_algorithm rules[] = {F3_ALG_BP, F3_ALG_F3, F3_ALG_DFA, F3_ALG_DRTP};
    f3_block_fma fma[4];
    f3_block_memory mem[4];
    for (int r = 0; r < 4; r++) {
        const f3_blocktrain_config cfg = {rules[r], {F3_EI_ERROR, 0, 0}, F3_OPT_ADAM, 3e-3, 0.9, 0.999, 1e-8, CLS};
        assert_int_equal(f3_blockformula_fma(blk, 6, &cfg, b, &fma[r]), F3_OK);
        assert_int_equal(f3_blockformula_memory(blk, 6, &cfg, b, N, &mem[r]), F3_OK);
        print_message("%-4s FMA per sample: forward %llu, feedback %llu, gradient %llu, update %llu per step; "
                      "total %.2f | memory: boundary %llu, stash %llu, feedback %llu, store %llu, parameters %llu\n",
                      f3_algorithm_name(rules[r]), (unsigned long long)fma[r].forward,
                      (unsigned long long)fma[r].feedback, (unsigned long long)fma[r].gradient,
                      (unsigned long long)fma[r].update, fma[r].total, (unsigned long long)mem[r].boundary,
                      (unsigned long long)mem[r].stash, (unsigned long long)mem[r].feedback,
                      (unsigned long long)mem[r].error_store, (unsigned long long)mem[r].parameters);
    }
    /* forward: 784·512 + 4·(16·32·1536 + 2·8·16²·64 + 16·512·32 + 2·16·32·128) + 512² + 512·10 */
    assert_int_equal(fma[0].forward, 6435840);
    /* gradient: the linears alone */
    assert_int_equal(fma[0].gradient, 6435840 - 4 * 262144);
    assert_int_equal(fma[0].update, 965898);
    /* BP: every linear's dX but the embedding's, 4 attention backward passes of 4·8·16²·64 */
    assert_int_equal(fma[0].feedback, 4 * (786432 + 262144 + 2 * 65536) + 262144 + 5120 + 4 * 524288);
    /* F³: E·B_k for 5 outputs of 512, and inside the 4 transformer blocks
     * qkv, attention, out and MLP; the head and output blocks' only linear
     * needs no dX */
    assert_int_equal(fma[1].feedback, 10 * 5 * 512 + 4 * (786432 + 524288 + 262144 + 2 * 65536));
    assert_int_equal(fma[1].feedback, fma[2].feedback);
    assert_int_equal(fma[1].feedback, fma[3].feedback);
    /* the stash of a transformer block: 2·16·2 + 512 + 16·1536 + 8·16² +
     * 16·512 + 512 + 512 + 16·128 = 38 464; block 1 adds the patches (784)
     * and the embedding (512) */
    assert_int_equal(f3_blockformula_stash(&blk[1], 0), 38464);
    assert_int_equal(f3_blockformula_stash(&blk[0], 0), 39760);
    assert_int_equal(mem[0].stash, b * (39760 + 3 * 38464));
    assert_int_equal(mem[0].boundary, b * 5 * 512);
    assert_int_equal(mem[1].stash, b * 39760);
    assert_int_equal(mem[1].boundary, 0);
    assert_int_equal(mem[1].feedback, 10 * 5 * 512);
    assert_int_equal(mem[1].error_store, 10 * N);
    assert_int_equal(mem[2].stash, mem[0].stash);
    assert_int_equal(mem[0].parameters, 965898);
}

/* ---- errors ------------------------------------------------------------------------------ */

static void test_errors(void **state)
{
    (void)state;
    f3_block blk[2];
    transformer_block(blk);
    f3_blocktrain_config cfg = {F3_ALG_F3, {F3_EI_ERROR, 0, 0}, F3_OPT_ADAM, 1e-3, 0.9, 0.999, 1e-8, 3};
    f3_counts c;
    const f3_run_shape one = {1, 1, 1};
    assert_int_equal(f3_blockformula_check(blk, 2, &cfg), F3_OK);
    assert_int_equal(f3_blockformula_counts(blk, 2, &cfg, 2, F3_PH_FORWARD, one, &c), F3_EINVAL); /* no block 3 */
    assert_int_equal(f3_blockformula_op(blk, 2, &cfg, 1, 1, F3_PH_FORWARD, one, &c), F3_EINVAL);  /* no op 2 */
    assert_int_equal(f3_blockformula_counts(blk, 0, &cfg, 0, F3_PH_FORWARD, one, &c), F3_EINVAL);
    assert_int_equal(f3_blockformula_counts(blk, 2, &cfg, 0, F3_PH_COUNT, one, &c), F3_EINVAL);
    f3_ledger *l = NULL;
    assert_int_equal(f3_ledger_alloc(3, &l), F3_OK);
    assert_int_equal(f3_blockformula_ledger(blk, 2, &cfg, 10, one, l), F3_EINVAL); /* 3 layers for 2 blocks */
    f3_ledger_free(l);
    f3_block_fma fma;
    assert_int_equal(f3_blockformula_fma(blk, 2, &cfg, 0, &fma), F3_EINVAL);
    cfg.classes = 4; /* the last block gives 3 */
    assert_int_equal(f3_blockformula_check(blk, 2, &cfg), F3_EINVAL);
    cfg.classes = 3;
    blk[1].op[0].d_in = 7; /* does not take block 1's 8 */
    assert_int_equal(f3_blockformula_check(blk, 2, &cfg), F3_EINVAL);
    transformer_block(blk);
    blk[0].op[5].kind = F3_BOP_ACT; /* a save without its add */
    assert_int_equal(f3_blockformula_check(blk, 2, &cfg), F3_EINVAL);
    transformer_block(blk);
    cfg.algorithm = F3_ALGORITHM_COUNT;
    assert_int_equal(f3_blockformula_check(blk, 2, &cfg), F3_EINVAL);
    /* one op's share adds up to the block's */
    cfg.algorithm = F3_ALG_BP;
    f3_counts sum, op;
    memset(&sum, 0, sizeof sum);
    for (size_t i = 0; i < blk[0].n_ops; i++) {
        assert_int_equal(f3_blockformula_op(blk, 2, &cfg, 0, i, F3_PH_FORWARD, one, &op), F3_OK);
        sum.fma += op.fma, sum.elem += op.elem;
    }
    assert_int_equal(f3_blockformula_counts(blk, 2, &cfg, 0, F3_PH_FORWARD, one, &c), F3_OK);
    assert_int_equal(sum.fma, c.fma);
    assert_int_equal(sum.elem, c.elem);
    /* BP books block 2's dX in block 1's feedback phase */
    assert_int_equal(f3_blockformula_op(blk, 2, &cfg, 1, 0, F3_PH_FEEDBACK, one, &op), F3_OK);
    assert_int_equal(op.fma, 24);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ledger_equals_forms_random),
        cmocka_unit_test(test_dense_blocks_count_as_the_mlp),
        cmocka_unit_test(test_transformer_block_by_hand),
        cmocka_unit_test(test_vit_per_sample),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
