/* test_blockstep.c — the block trainer's step block by block
 * (f3/blocktrain.h, "one step, block by block"), as a chip's tiles make
 * the calls:
 *   - F³, DRTP and LLO as a stream (in slot τ block k runs step τ − k, the
 *     blocks taken from the top or from the bottom, R = n + 1 steps in
 *     flight, each block's input a copy in the caller's ring), BP with the
 *     next step begun before the chain runs back, DFA with each block's
 *     next forward pass before the blocks above run their backward pass of
 *     the step before — against f3_blocktrainer_step, the plain order of
 *     the same calls (tests/unit/test_blocktrain.c holds it against the
 *     MLP trainer), on a network of a patch embedding, a transformer block
 *     and a dense head: the parameters, the store, every ledger entry of
 *     every block and phase, live counts and peaks, the stash peak, E·B_k's
 *     FMAs, the saturations and every epoch's loss and correct predictions
 *     bit for bit the same, in fp32 and in bf16 with stochastic rounding,
 *     with a partial last batch;
 *   - the calls that do nothing for a rule change nothing;
 *   - begin refuses a batch of 0 or above max_batch (F3_EINVAL) and an
 *     index outside F³'s store (F3_ERANGE), and leaves the trainer as it
 *     was: it then trains as one that never saw the call. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "f3/blockspec.h"
#include "f3/blocktrain.h"

enum { D = 16, C = 3, NTRAIN = 23, B = 5, EPOCHS = 3, MAXB = F3_BLOCKNET_MAX_BLOCKS, R = 8 };

static const char SPEC[] = "tokens 4, linear 8, residual(layernorm, linear 24 nobias, attention 2x4, linear 8), tanh; "
                           "tokens 1, linear 12, gelu; linear 3";

static float X[NTRAIN * D], T[NTRAIN * C];

static void data(void)
{
    uint32_t s = 2385u;
    for (size_t i = 0; i < NTRAIN * D; i++) {
        s = s * 1664525u + 1013904223u;
        X[i] = 1.7f * (((float)(s >> 8) / 16777216.0f) * 2.0f - 1.0f);
    }
    memset(T, 0, sizeof T);
    for (size_t j = 0; j < NTRAIN; j++) T[j * C + (j * 7 + 3) % C] = 1.0f;
}

static size_t blocks(f3_block *blk)
{
    const f3_blockspec_input in = {D, 0, 0, 0};
    size_t n = 0;
    assert_int_equal(f3_blockspec_parse(SPEC, &in, blk, MAXB, &n), F3_OK);
    assert_int_equal(n, 3);
    return n;
}

/* A trainer of the network for rule a (bf16 with stochastic rounding when
 * formats), its store holding the targets. */
static f3_blocktrainer *trainer(const f3_block *blk, size_t n, f3_algorithm a, f3_error_info ei, f3_optimizer opt,
                                int formats)
{
    const f3_blocktrain_config bc = {a, ei, opt, opt == F3_OPT_ADAM ? 3e-3 : 0.05, 0.9, 0.999, 1e-8, C};
    f3_blocktrainer *tr = f3_blocktrainer_new(blk, n, &bc, B, NTRAIN, 77);
    assert_non_null(tr);
    if (formats) {
        f3_numerics nm;
        memset(&nm, 0, sizeof nm);
        for (int t = 0; t < F3_T_COUNT; t++) {
            assert_int_equal(f3_parse_format(t == F3_T_OPTIMIZER ? "fp32" : "bf16", &nm.fmt[t]), F3_OK);
            nm.fmt[t].rounding = t % 2 ? F3_ROUND_STOCHASTIC : F3_ROUND_NEAREST_EVEN;
        }
        assert_int_equal(f3_blocktrainer_set_numerics(tr, &nm, 5), F3_OK);
    }
    memcpy(f3_blocktrainer_store(tr), T, sizeof T);
    f3_blocktrainer_store_round(tr);
    return tr;
}

/* The batches of an epoch: step s takes samples (s0 + 3j + e) mod NTRAIN,
 * s0 = s·B, the last one partial. */
typedef struct {
    size_t b, idx[B];
    float x[B * D], t[B * C];
} batch;

static size_t epoch_batches(size_t e, batch *bs)
{
    size_t S = 0;
    for (size_t s0 = 0; s0 < NTRAIN; s0 += B, S++) {
        batch *q = &bs[S];
        q->b = NTRAIN - s0 < B ? NTRAIN - s0 : B;
        for (size_t j = 0; j < q->b; j++) {
            q->idx[j] = (s0 + 3 * j + e) % NTRAIN;
            memcpy(q->x + j * D, X + q->idx[j] * D, D * sizeof(float));
            memcpy(q->t + j * C, T + q->idx[j] * C, C * sizeof(float));
        }
    }
    return S;
}

/* The caller's buffers of the steps in flight: each block's output copy
 * (the next block's input) and BP's δ between blocks, per ring slot. */
static float outs[MAXB][R][B * 256], deltas[MAXB][R][B * 256];

static const float *keep(size_t k, size_t slot, const float *y, size_t n)
{
    memcpy(outs[k][slot], y, n * sizeof(float));
    return outs[k][slot];
}

/* One epoch with the per-block calls, pipelined as a chip's tiles run
 * them; top_first: in a slot, the blocks from the top. */
static void epoch_blocks(f3_blocktrainer *tr, f3_blockstep **st, const f3_block *blk, size_t n, f3_algorithm a,
                         const batch *bs, size_t S, int top_first, f3_stats *stats)
{
    const size_t Rn = n + 1; /* steps in flight */
    if (a == F3_ALG_F3 || a == F3_ALG_DRTP || a == F3_ALG_LLO) {
        for (size_t tau = 0; tau < S + n - 1; tau++) {
            if (tau < S) assert_int_equal(f3_blocktrainer_begin(tr, st[tau % Rn], bs[tau].t, bs[tau].idx, bs[tau].b), F3_OK);
            for (size_t kk = 0; kk < n; kk++) {
                const size_t k = top_first ? n - 1 - kk : kk;
                if (tau < k || tau - k >= S) continue;
                const size_t s = tau - k, slot = s % Rn, b = bs[s].b;
                const float *in = k ? outs[k - 1][slot] : bs[s].x;
                const float *y = keep(k, slot, f3_blocktrainer_forward(tr, st[slot], k, in), b * f3_block_out_size(&blk[k]));
                if (k + 1 == n) {
                    f3_blocktrainer_loss(tr, st[slot], y);
                    f3_blocktrainer_backward(tr, st[slot], k, NULL, NULL);
                    f3_blocktrainer_store_write(tr, st[slot], y);
                }
                f3_blocktrainer_update(tr, k);
                if (k + 1 == n) f3_blocktrainer_end(tr, st[slot], stats);
            }
        }
        return;
    }
    /* BP and DFA: a block holds one step from its forward to its backward pass */
    const size_t m = n - 1;
    assert_int_equal(f3_blocktrainer_begin(tr, st[0], bs[0].t, bs[0].idx, bs[0].b), F3_OK);
    for (size_t k = 0; k < n; k++)
        keep(k, 0, f3_blocktrainer_forward(tr, st[0], k, k ? outs[k - 1][0] : bs[0].x), bs[0].b * f3_block_out_size(&blk[k]));
    for (size_t s = 0; s < S; s++) {
        const size_t slot = s % Rn, next = (s + 1) % Rn, b = bs[s].b;
        f3_blocktrainer_loss(tr, st[slot], outs[m][slot]);
        /* the next step enters the chip while this one runs back */
        if (s + 1 < S) assert_int_equal(f3_blocktrainer_begin(tr, st[next], bs[s + 1].t, bs[s + 1].idx, bs[s + 1].b), F3_OK);
        if (a == F3_ALG_BP) {
            const float *d = NULL;
            for (size_t k = n; k-- > 0;) {
                float *din = k ? deltas[k][slot] : NULL;
                f3_blocktrainer_backward(tr, st[slot], k, d, din);
                f3_blocktrainer_update(tr, k);
                d = din;
            }
            (void)b;
            f3_blocktrainer_end(tr, st[slot], stats);
            for (size_t k = 0; s + 1 < S && k < n; k++)
                keep(k, next, f3_blocktrainer_forward(tr, st[next], k, k ? outs[k - 1][next] : bs[s + 1].x),
                     bs[s + 1].b * f3_block_out_size(&blk[k]));
            continue;
        }
        /* DFA: the output block, the current error, then each block below
         * runs back and at once forward on the next step, before the blocks
         * above it have run back */
        f3_blocktrainer_backward(tr, st[slot], m, NULL, NULL);
        f3_blocktrainer_current_error(tr, st[slot], outs[m][slot]);
        f3_blocktrainer_update(tr, m);
        for (size_t k = 0; k < m; k++) {
            f3_blocktrainer_backward(tr, st[slot], k, NULL, NULL);
            f3_blocktrainer_update(tr, k);
            if (s + 1 < S)
                keep(k, next, f3_blocktrainer_forward(tr, st[next], k, k ? outs[k - 1][next] : bs[s + 1].x),
                     bs[s + 1].b * f3_block_out_size(&blk[k]));
        }
        f3_blocktrainer_end(tr, st[slot], stats);
        if (s + 1 < S)
            keep(m, next, f3_blocktrainer_forward(tr, st[next], m, outs[m - 1][next]), bs[s + 1].b * C);
    }
}

/* Everything the two trainers hold and counted, bit for bit. */
static void same(f3_blocktrainer *a, f3_blocktrainer *b, const f3_block *blk, size_t n, const char *what)
{
    for (size_t k = 0; k < n; k++) {
        const float *pa = f3_blocknet_params(f3_blocktrainer_net(a), k), *pb = f3_blocknet_params(f3_blocktrainer_net(b), k);
        for (size_t i = 0; i < f3_block_params(&blk[k]); i++)
            if (memcmp(&pa[i], &pb[i], sizeof(float))) {
                print_error("%s: block %zu parameter %zu: per-block calls %.9g, plain step %.9g\n", what, k + 1, i,
                            (double)pa[i], (double)pb[i]);
                fail();
            }
        assert_true(f3_blocktrainer_feedback_fma(a, k) == f3_blocktrainer_feedback_fma(b, k));
    }
    assert_memory_equal(f3_blocktrainer_store(a), f3_blocktrainer_store(b), sizeof T);
    const f3_ledger *la = f3_blocktrainer_ledger(a), *lb = f3_blocktrainer_ledger(b);
    for (size_t k = 0; k < n; k++)
        for (int p = 0; p < F3_PH_COUNT; p++) {
            const f3_counts *ca = f3_ledger_at((f3_ledger *)la, k, (f3_phase)p), *cb = f3_ledger_at((f3_ledger *)lb, k, (f3_phase)p);
            if (memcmp(ca, cb, sizeof *ca)) {
                print_error("%s: ledger of block %zu, phase %d: %llu FMA, %llu elem against %llu, %llu\n", what, k + 1, p,
                            (unsigned long long)ca->fma, (unsigned long long)ca->elem, (unsigned long long)cb->fma,
                            (unsigned long long)cb->elem);
                fail();
            }
        }
    if (la->peak_act != lb->peak_act || la->live_act != lb->live_act || la->peak_err != lb->peak_err ||
        la->samples != lb->samples || la->batches != lb->batches ||
        f3_blocktrainer_stash_peak(a) != f3_blocktrainer_stash_peak(b)) {
        print_error("%s: peaks: activations %llu/%llu (live %llu/%llu), stash %llu/%llu\n", what,
                    (unsigned long long)la->peak_act, (unsigned long long)lb->peak_act, (unsigned long long)la->live_act,
                    (unsigned long long)lb->live_act, (unsigned long long)f3_blocktrainer_stash_peak(a),
                    (unsigned long long)f3_blocktrainer_stash_peak(b));
        fail();
    }
    assert_memory_equal(f3_blocktrainer_saturations(a), f3_blocktrainer_saturations(b), F3_T_COUNT * sizeof(uint64_t));
}

static void pipelined(f3_algorithm a, f3_error_info ei, f3_optimizer opt, int formats, int top_first, const char *what)
{
    f3_block blk[MAXB];
    const size_t n = blocks(blk);
    f3_blocktrainer *chip = trainer(blk, n, a, ei, opt, formats), *plain = trainer(blk, n, a, ei, opt, formats);
    f3_blockstep *st[R] = {0};
    for (size_t q = 0; q < n + 1; q++) assert_non_null(st[q] = f3_blockstep_new(chip));
    static batch bs[NTRAIN / B + 1];
    for (size_t e = 0; e < EPOCHS; e++) {
        const size_t S = epoch_batches(e, bs);
        f3_stats sc = {0}, sp = {0};
        epoch_blocks(chip, st, blk, n, a, bs, S, top_first, &sc);
        for (size_t s = 0; s < S; s++)
            assert_int_equal(f3_blocktrainer_step(plain, bs[s].x, bs[s].t, bs[s].idx, bs[s].b, &sp), F3_OK);
        if (memcmp(&sc.loss_sum, &sp.loss_sum, sizeof sc.loss_sum) || sc.correct != sp.correct || sc.samples != sp.samples) {
            print_error("%s: epoch %zu: loss %.17g, %zu correct; plain %.17g, %zu\n", what, e + 1, sc.loss_sum,
                        (size_t)sc.correct, sp.loss_sum, (size_t)sp.correct);
            fail();
        }
    }
    same(chip, plain, blk, n, what);
    /* the stash was counted at all (LLO's last block, a linear op, keeps
     * nothing but its input, which is not a stash) */
    assert_true(a == F3_ALG_LLO || f3_blocktrainer_stash_peak(plain) > 0);
    assert_true(f3_blocktrainer_ledger(plain)->peak_act > 0 || (a != F3_ALG_BP && a != F3_ALG_DFA));
    for (size_t q = 0; q < R; q++) f3_blockstep_free(st[q]);
    f3_blocktrainer_free(chip);
    f3_blocktrainer_free(plain);
}

static void test_stream(void **state)
{
    (void)state;
    data();
    for (int fm = 0; fm < 2; fm++)
        for (int top = 0; top < 2; top++) {
            char w[96];
            snprintf(w, sizeof w, "f3 %s%s", fm ? "bf16 " : "", top ? "top first" : "bottom first");
            pipelined(F3_ALG_F3, (f3_error_info){F3_EI_ERROR, 0, 0}, F3_OPT_ADAM, fm, top, w);
            pipelined(F3_ALG_F3, (f3_error_info){F3_EI_ERROR, 1, 0}, F3_OPT_SGD, fm, top, "f3 one-hot");
            pipelined(F3_ALG_F3, (f3_error_info){F3_EI_LOSS, 0, 0}, F3_OPT_ADAM, fm, top, "f3 loss");
            pipelined(F3_ALG_DRTP, (f3_error_info){0}, F3_OPT_ADAM, fm, top, "drtp");
            pipelined(F3_ALG_LLO, (f3_error_info){0}, F3_OPT_SGD, fm, top, "llo");
        }
}

static void test_deferred(void **state)
{
    (void)state;
    data();
    for (int fm = 0; fm < 2; fm++) {
        pipelined(F3_ALG_BP, (f3_error_info){0}, F3_OPT_ADAM, fm, 0, fm ? "bp bf16" : "bp");
        pipelined(F3_ALG_BP, (f3_error_info){0}, F3_OPT_SGD, fm, 0, "bp sgd");
        pipelined(F3_ALG_DFA, (f3_error_info){0}, F3_OPT_ADAM, fm, 0, fm ? "dfa bf16" : "dfa");
        pipelined(F3_ALG_DFA, (f3_error_info){0}, F3_OPT_SGD, fm, 0, "dfa sgd");
    }
}

/* A snapshot of what a call may change: every parameter, the store, the ledger. */
typedef struct {
    float p[MAXB][4096], store[NTRAIN * C];
    f3_counts c[MAXB][F3_PH_COUNT];
    uint64_t peaks[3];
} snapshot;

static void take(f3_blocktrainer *tr, const f3_block *blk, size_t n, snapshot *s)
{
    memset(s, 0, sizeof *s);
    for (size_t k = 0; k < n; k++) {
        assert_true(f3_block_params(&blk[k]) <= 4096);
        memcpy(s->p[k], f3_blocknet_params(f3_blocktrainer_net(tr), k), f3_block_params(&blk[k]) * sizeof(float));
        for (int p = 0; p < F3_PH_COUNT; p++) s->c[k][p] = *f3_ledger_at((f3_ledger *)f3_blocktrainer_ledger(tr), k, (f3_phase)p);
    }
    memcpy(s->store, f3_blocktrainer_store(tr), sizeof s->store);
    const f3_ledger *l = f3_blocktrainer_ledger(tr);
    s->peaks[0] = l->live_act;
    s->peaks[1] = l->peak_act;
    s->peaks[2] = f3_blocktrainer_stash_peak(tr);
}

/* The calls a rule has no use for do nothing: F³'s and DRTP's backward of a
 * block before the last (it ran in the forward pass), the current error
 * but under DFA, the store write but under F³, LLO's update of a block
 * before the last. */
static void test_noops(void **state)
{
    (void)state;
    data();
    f3_block blk[MAXB];
    const size_t n = blocks(blk);
    static snapshot before, after;
    const f3_algorithm rules[] = {F3_ALG_F3, F3_ALG_DRTP, F3_ALG_LLO, F3_ALG_BP};
    for (size_t r = 0; r < 4; r++) {
        f3_blocktrainer *tr = trainer(blk, n, rules[r], (f3_error_info){F3_EI_ERROR, 0, 0}, F3_OPT_SGD, 0);
        f3_blockstep *st = f3_blockstep_new(tr);
        batch bs[NTRAIN / B + 1];
        epoch_batches(0, bs);
        assert_int_equal(f3_blocktrainer_begin(tr, st, bs[0].t, bs[0].idx, bs[0].b), F3_OK);
        const float *y = bs[0].x;
        for (size_t k = 0; k < n; k++) y = keep(k, 0, f3_blocktrainer_forward(tr, st, k, y), bs[0].b * f3_block_out_size(&blk[k]));
        f3_blocktrainer_loss(tr, st, y);
        take(tr, blk, n, &before);
        if (rules[r] != F3_ALG_BP) f3_blocktrainer_backward(tr, st, 0, NULL, NULL);
        f3_blocktrainer_current_error(tr, st, y);
        if (rules[r] != F3_ALG_F3) f3_blocktrainer_store_write(tr, st, y);
        if (rules[r] == F3_ALG_LLO) f3_blocktrainer_update(tr, 0), f3_blocktrainer_update(tr, 1);
        take(tr, blk, n, &after);
        if (memcmp(&before, &after, sizeof before)) {
            print_error("%s: a call it has no use for changed the trainer\n", f3_algorithm_name(rules[r]));
            fail();
        }
        f3_blockstep_free(st);
        f3_blocktrainer_free(tr);
    }
    f3_blockstep_free(NULL); /* a no-op */
}

/* begin refuses what it cannot run and leaves the trainer as it was. */
static void test_begin_refuses(void **state)
{
    (void)state;
    data();
    f3_block blk[MAXB];
    const size_t n = blocks(blk);
    const f3_error_info ei = {F3_EI_ERROR, 0, 0};
    f3_blocktrainer *a = trainer(blk, n, F3_ALG_F3, ei, F3_OPT_ADAM, 1), *b = trainer(blk, n, F3_ALG_F3, ei, F3_OPT_ADAM, 1);
    f3_blockstep *st = f3_blockstep_new(a);
    static batch bs[NTRAIN / B + 1];
    const size_t S = epoch_batches(0, bs);
    size_t far[B];
    memcpy(far, bs[0].idx, sizeof far);
    far[2] = NTRAIN;
    assert_int_equal(f3_blocktrainer_begin(a, st, bs[0].t, bs[0].idx, 0), F3_EINVAL);
    assert_non_null(strstr(f3_last_error(), "a batch of 0 samples (1 to 5)"));
    assert_int_equal(f3_blocktrainer_begin(a, st, bs[0].t, bs[0].idx, B + 1), F3_EINVAL);
    assert_int_equal(f3_blocktrainer_begin(a, st, bs[0].t, far, B), F3_ERANGE);
    assert_non_null(strstr(f3_last_error(), "sample index 23 is outside the error store (23 samples)"));
    /* then a's steps are b's, which saw none of it */
    f3_stats sa = {0}, sb = {0};
    for (size_t s = 0; s < S; s++) {
        assert_int_equal(f3_blocktrainer_begin(a, st, bs[s].t, bs[s].idx, bs[s].b), F3_OK);
        const float *y = bs[s].x;
        for (size_t k = 0; k < n; k++) y = keep(k, 0, f3_blocktrainer_forward(a, st, k, y), bs[s].b * f3_block_out_size(&blk[k]));
        f3_blocktrainer_loss(a, st, y);
        f3_blocktrainer_backward(a, st, n - 1, NULL, NULL);
        f3_blocktrainer_store_write(a, st, y);
        for (size_t k = 0; k < n; k++) f3_blocktrainer_update(a, k);
        f3_blocktrainer_end(a, st, &sa);
        assert_int_equal(f3_blocktrainer_step(b, bs[s].x, bs[s].t, bs[s].idx, bs[s].b, &sb), F3_OK);
    }
    assert_memory_equal(&sa.loss_sum, &sb.loss_sum, sizeof sa.loss_sum);
    same(a, b, blk, n, "after refused begins");
    f3_blockstep_free(st);
    f3_blocktrainer_free(a);
    f3_blocktrainer_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stream),
        cmocka_unit_test(test_deferred),
        cmocka_unit_test(test_noops),
        cmocka_unit_test(test_begin_refuses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
