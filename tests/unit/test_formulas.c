/* test_formulas.c — the closed forms of f3/formulas.h against the ledger of
 * real training steps, counter by counter, on many random shapes; the
 * worked examples of §3.7, A.3 and A.4; and each erratum of Appendix A
 * pinned with its corrected value (docs/validation.md, "Errata"). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "f3/formulas.h"
#include "f3/kernels.h"
#include "f3/train.h"

/* ---- deterministic pseudo-random numbers -------------------------------- */

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

/* ---- running the real kernels ------------------------------------------- */

static void describe(const f3_config *c, size_t n_train, uint64_t steps, char *buf, size_t len)
{
    char ei[40];
    f3_error_info_name(c->error_info, ei, sizeof ei);
    int off = snprintf(buf, len, "%s widths", f3_algorithm_name(c->algorithm));
    for (size_t i = 0; i <= c->n_layers && off > 0 && (size_t)off < len; i++)
        off += snprintf(buf + off, len - (size_t)off, "%s%zu", i ? "," : " ", c->widths[i]);
    if (off > 0 && (size_t)off < len)
        snprintf(buf + off, len - (size_t)off,
                 " bias %d %s/%s loss %s %s %s batch %zu N %zu steps %llu", c->bias,
                 f3_activation_name(c->hidden_act), f3_activation_name(c->output_act),
                 f3_loss_name(c->loss), ei, f3_optimizer_name(c->optimizer), c->batch_size,
                 n_train, (unsigned long long)steps);
}

/* Train `steps` steps on random data over epochs of n_train samples (the
 * last batch of each epoch partial), then compare the trainer's ledger with
 * f3_formula_ledger counter by counter. */
static void check_config(const f3_config *c, size_t n_train, uint64_t steps)
{
    f3_trainer *tr = NULL;
    f3_status st = f3_trainer_alloc(c, F3_TASK_CLASSIFICATION, n_train, &tr);
    if (st != F3_OK) print_error("%s\n", f3_last_error());
    assert_int_equal(st, F3_OK);
    const size_t B = c->batch_size, n0 = c->widths[0], C = c->widths[c->n_layers];
    float *x = malloc(B * n0 * sizeof *x), *t = malloc(B * C * sizeof *t);
    int32_t *lab = malloc(B * sizeof *lab);
    size_t *idx = malloc(B * sizeof *idx);
    assert_non_null(x), assert_non_null(t), assert_non_null(lab), assert_non_null(idx);
    const uint64_t per_epoch = (n_train + B - 1) / B;
    for (uint64_t s = 0; s < steps; s++) {
        const size_t b = f3_run_batch_of_step(n_train, B, s);
        for (size_t k = 0; k < b * n0; k++) x[k] = rnd_float();
        memset(t, 0, b * C * sizeof *t);
        for (size_t k = 0; k < b; k++) {
            lab[k] = (int32_t)(rnd() % C);
            t[k * C + (size_t)lab[k]] = 1.0f;
            idx[k] = (size_t)(s % per_epoch) * B + k;
        }
        st = f3_train_step(tr, x, t, lab, idx, b, NULL);
        if (st != F3_OK) print_error("%s\n", f3_last_error());
        assert_int_equal(st, F3_OK);
    }
    f3_ledger *want = NULL;
    assert_int_equal(f3_ledger_alloc(c->n_layers, &want), F3_OK);
    f3_run_shape run = f3_run_shape_epochs(n_train, B, steps);
    assert_int_equal(f3_formula_ledger(c, n_train, run, want), F3_OK);
    char msg[256];
    size_t nd = f3_ledger_diff(tr->ledger, want, msg, sizeof msg);
    if (nd) {
        char d[1024];
        describe(c, n_train, steps, d, sizeof d);
        print_error("%zu counters differ (counted vs formula), first %s\n  in %s\n", nd, msg, d);
    }
    assert_int_equal(nd, 0);
    /* memory held, against the trainer's buffers */
    f3_memory m;
    assert_int_equal(f3_formula_memory(c, n_train, &m), F3_OK);
    uint64_t fb = 0;
    for (size_t i = 0; i < c->n_layers; i++)
        if (tr->layers[i].B) fb += (uint64_t)C * tr->layers[i].n_out;
    assert_int_equal(m.feedback, fb);
    assert_int_equal(m.parameters, f3_parameter_count(c));
    assert_int_equal(m.error_store, tr->error_store ? (uint64_t)n_train * C : 0);
    assert_true(tr->ledger->peak_act <= m.activation_buffer);
    free(x), free(t), free(lab), free(idx);
    f3_ledger_free(want);
    f3_trainer_free(tr);
}

/* A random valid configuration with K layers of widths in [1, max_w] and
 * C in [1, 100]; the algorithm is given, everything else drawn. */
static f3_config random_config(f3_algorithm a, size_t K, size_t max_w, size_t max_batch)
{
    f3_config c = f3_config_default();
    c.algorithm = a;
    c.n_layers = K;
    for (size_t i = 0; i < K; i++)
        /* mostly narrow layers, now and then one up to max_w */
        c.widths[i] = rnd() % 4 ? rnd_in(1, max_w < 48 ? max_w : 48) : rnd_in(1, max_w);
    c.widths[K] = rnd() % 3 ? rnd_in(1, 12) : rnd_in(1, 100);
    c.bias = (int)(rnd() % 2);
    c.optimizer = rnd() % 2 ? F3_OPT_ADAM : F3_OPT_SGD;
    c.hidden_act = (f3_activation)(rnd() % 4);
    c.loss = (f3_loss)(rnd() % 3);
    c.output_act = c.loss == F3_LOSS_BCE          ? F3_ACT_SIGMOID
                   : c.loss == F3_LOSS_SOFTMAX_CE ? F3_ACT_IDENTITY
                                                  : (f3_activation)(rnd() % 4);
    c.error_info.kind = rnd() % 2 ? F3_EI_LOSS : F3_EI_ERROR;
    const unsigned variant = rnd() % 3; /* plain, one-hot, softmax */
    c.error_info.one_hot = variant == 1;
    c.error_info.softmax = variant == 2 && c.loss != F3_LOSS_SOFTMAX_CE;
    c.feedback_init = (f3_feedback_init)(rnd() % 4);
    c.lr = 1e-3;
    c.batch_size = rnd() % 4 ? rnd_in(1, max_batch < 16 ? max_batch : 16) : rnd_in(1, max_batch);
    c.seed = rnd();
    return c;
}

/* ---- the property tests -------------------------------------------------- */

/* 1500 small shapes: K 2..12, batch 1..256, 1–4 steps over epochs whose
 * last batch is partial, every algorithm, bias, optimiser, activation,
 * loss and error information. */
static void test_ledger_equals_formulas_small(void **state)
{
    (void)state;
    rng_state = 0x5EED0001;
    size_t seen_oh = 0, seen_adam = 0, seen_bias = 0, seen_partial = 0;
    for (int r = 0; r < 1500; r++) {
        const f3_algorithm a = (f3_algorithm)(r % 5);
        f3_config c = random_config(a, rnd_in(2, 12), 64, 256);
        const size_t B = c.batch_size;
        const size_t n_train = rnd_in(1, 3 * B + 4);
        const uint64_t steps = rnd_in(1, 4);
        seen_oh += a == F3_ALG_F3 && c.error_info.one_hot;
        seen_adam += c.optimizer == F3_OPT_ADAM;
        seen_bias += (size_t)c.bias;
        seen_partial += n_train % B != 0 && steps >= (n_train + B - 1) / B;
        check_config(&c, n_train, steps);
    }
    print_message("1500 random shapes: %zu f3 one-hot, %zu Adam, %zu with bias, %zu with a "
                  "partial last batch\n", seen_oh, seen_adam, seen_bias, seen_partial);
    assert_true(seen_oh > 40 && seen_adam > 400 && seen_bias > 400 && seen_partial > 100);
}

/* 30 wide shapes (K 2..12, widths up to 2048), one or two small steps each. */
static void test_ledger_equals_formulas_wide(void **state)
{
    (void)state;
    rng_state = 0x5EED0002;
    for (int r = 0; r < 30; r++) {
        const f3_algorithm a = (f3_algorithm)(r % 5);
        f3_config c = random_config(a, rnd_in(2, 12), 2048, 3);
        c.widths[rnd_in(0, c.n_layers - 1)] = rnd_in(1024, 2048); /* at least one wide layer */
        check_config(&c, rnd_in(1, 7), rnd_in(1, 2));
    }
    /* and the two A.3 networks, as the paper counts them, one step each */
    const size_t ws[2] = {200, 1024};
    for (int i = 0; i < 2; i++)
        for (int a = F3_ALG_BP; a <= F3_ALG_LLO; a++) {
            f3_config c = f3_config_default();
            c.algorithm = (f3_algorithm)a;
            c.n_layers = 5;
            c.widths[0] = 100, c.widths[5] = 10;
            for (size_t j = 1; j < 5; j++) c.widths[j] = ws[i];
            c.batch_size = 2;
            check_config(&c, 3, 2);
        }
}

/* K = 1 and single-unit layers, the corners of the forms. */
static void test_ledger_equals_formulas_corners(void **state)
{
    (void)state;
    rng_state = 0x5EED0003;
    for (int a = F3_ALG_BP; a <= F3_ALG_LLO; a++)
        for (int oh = 0; oh <= 1; oh++) {
            f3_config c = random_config((f3_algorithm)a, 1, 5, 4);
            c.error_info.one_hot = oh, c.error_info.softmax = 0;
            check_config(&c, 5, 3);
            f3_config d = random_config((f3_algorithm)a, 3, 1, 1);
            d.widths[3] = 1;
            d.error_info.one_hot = oh, d.error_info.softmax = 0;
            check_config(&d, 1, 2);
        }
}

/* ---- A.1's assumptions: the ledger equals eqs. (14)–(19) -------------------- */

static f3_config paper_config(f3_algorithm a, size_t K, const size_t *n, size_t batch)
{
    f3_config c = f3_config_default();
    c.algorithm = a;
    c.n_layers = K;
    for (size_t i = 0; i <= K; i++) c.widths[i] = n[i];
    c.hidden_act = c.output_act = F3_ACT_IDENTITY; /* linear layers */
    c.loss = F3_LOSS_MSE;
    c.bias = 0;
    c.optimizer = F3_OPT_SGD;
    c.error_info = (f3_error_info){F3_EI_ERROR, 0, 0}; /* e: C entries, eq. (16) */
    c.batch_size = batch;
    return c;
}

/* Phase sums of the formulas over a run (from f3_formula_counts). */
static f3_counts formula_phase(const f3_config *c, f3_phase p, f3_run_shape run)
{
    f3_counts s, one;
    memset(&s, 0, sizeof s);
    for (size_t j = 0; j < c->n_layers; j++) {
        assert_int_equal(f3_formula_counts(c, j, p, run, &one), F3_OK);
        s.fma += one.fma;
    }
    return s;
}

static void test_paper_assumptions_match_eqs_14_to_19(void **state)
{
    (void)state;
    rng_state = 0x5EED0004;
    for (int r = 0; r < 30; r++) {
        size_t K = rnd_in(1, 7), n[F3_MAX_LAYERS + 1];
        for (size_t i = 0; i <= K; i++) n[i] = rnd_in(1, 90);
        const size_t batch = r < 20 ? 1 : rnd_in(2, 9), N = rnd_in(1, 20);
        const uint64_t steps = rnd_in(1, 5);
        for (int a = F3_ALG_BP; a <= F3_ALG_F3; a++) {
            f3_config c = paper_config((f3_algorithm)a, K, n, batch);
            check_config(&c, N, steps); /* the ledger equals the formulas … */
            f3_paper_fma e;
            assert_int_equal((a == F3_ALG_BP ? f3_paper_fma_bp : f3_paper_fma_f3)(K, n, &e), F3_OK);
            f3_run_shape run = f3_run_shape_epochs(N, batch, steps);
            /* … and the formulas equal the paper: forward, δh and δW per
             * sample, the update per step (per sample at batch size 1) */
            assert_int_equal(formula_phase(&c, F3_PH_FORWARD, run).fma, run.samples * e.forward);
            assert_int_equal(formula_phase(&c, F3_PH_FEEDBACK, run).fma, run.samples * e.feedback);
            assert_int_equal(formula_phase(&c, F3_PH_GRADIENT, run).fma, run.samples * e.gradient);
            assert_int_equal(formula_phase(&c, F3_PH_UPDATE, run).fma, run.steps * e.update);
            assert_int_equal(formula_phase(&c, F3_PH_LOSS, run).fma, 0);
            if (batch == 1) {
                uint64_t all = 0;
                for (int p = 0; p < F3_PH_COUNT; p++) all += formula_phase(&c, (f3_phase)p, run).fma;
                assert_int_equal(all, run.samples * e.total); /* eqs. (18), (19) */
            }
        }
    }
}

/* The same network, trained for real, under A.1: 100-200-200-200-200-10,
 * batch 1, three steps; the ledger's FMAs per phase are 3 × eqs. (14)–(17). */
static void test_worked_network_ledger(void **state)
{
    (void)state;
    const size_t n[] = {100, 200, 200, 200, 200, 10};
    for (int a = F3_ALG_BP; a <= F3_ALG_F3; a++) {
        f3_config c = paper_config((f3_algorithm)a, 5, n, 1);
        f3_trainer *tr = NULL;
        assert_int_equal(f3_trainer_alloc(&c, F3_TASK_CLASSIFICATION, 10, &tr), F3_OK);
        float x[100], t[10] = {0};
        int32_t lab = 3;
        t[3] = 1;
        for (size_t s = 0; s < 3; s++) {
            for (size_t k = 0; k < 100; k++) x[k] = rnd_float();
            size_t idx = s;
            assert_int_equal(f3_train_step(tr, x, t, &lab, &idx, 1, NULL), F3_OK);
        }
        const f3_ledger *l = tr->ledger;
        /* eq. (14): 100·200 + 3·200² + 200·10 = 142 000 */
        assert_int_equal(f3_ledger_sum(l, -1, F3_PH_FORWARD).fma, 3 * 142000);
        /* eq. (15): 3·200² + 200·10 = 122 000; eq. (16): 10·4·200 = 8 000 */
        assert_int_equal(f3_ledger_sum(l, -1, F3_PH_FEEDBACK).fma, 3 * (a == F3_ALG_BP ? 122000 : 8000));
        assert_int_equal(f3_ledger_sum(l, -1, F3_PH_GRADIENT).fma, 3 * 142000);
        assert_int_equal(f3_ledger_sum(l, -1, F3_PH_UPDATE).fma, 3 * 142000); /* eq. (17) */
        assert_int_equal(f3_ledger_sum(l, -1, F3_PH_LOSS).fma, 0);
        /* eqs. (18), (19) = (20), (21) */
        assert_int_equal(f3_ledger_sum(l, -1, F3_PH_COUNT).fma,
                         3 * (a == F3_ALG_BP ? f3_eq20_bp_equal_width(5, 100, 200, 10)
                                             : f3_eq21_f3_equal_width(5, 100, 200, 10)));
        f3_trainer_free(tr);
    }
}

/* ---- A.3: equal widths, gains, limits ------------------------------------- */

static void test_equal_width_forms(void **state)
{
    (void)state;
    rng_state = 0x5EED0005;
    for (int r = 0; r < 2000; r++) {
        const size_t K = rnd_in(2, 40), n0 = rnd_in(1, 5000), w = rnd_in(1, 5000), C = rnd_in(1, 1000);
        size_t n[42];
        n[0] = n0, n[K] = C;
        for (size_t i = 1; i < K; i++) n[i] = w;
        f3_paper_fma bp, f3;
        assert_int_equal(f3_paper_fma_bp(K, n, &bp), F3_OK);
        assert_int_equal(f3_paper_fma_f3(K, n, &f3), F3_OK);
        assert_int_equal(f3_eq20_bp_equal_width(K, n0, w, C), bp.total); /* (18) → (20) */
        assert_int_equal(f3_eq21_f3_equal_width(K, n0, w, C), f3.total); /* (19) → (21) */
        assert_true(f3_eq22_saving(K, w, C) == (int64_t)bp.total - (int64_t)f3.total);
        /* (23), (24): the right-hand sides equal the left-hand sides */
        const double lhs23 = 1.0 - (double)f3.feedback / (double)bp.feedback;
        const double lhs24 = 1.0 - (double)f3.total / (double)bp.total;
        assert_true(fabs(f3_eq23_feedback_gain(K, w, C) - lhs23) < 1e-12);
        assert_true(fabs(f3_eq24_total_gain(K, n0, w, C) - lhs24) < 1e-12);
        f3_paper_gain g;
        assert_int_equal(f3_paper_gain_of(K, n, &g), F3_OK);
        assert_true(fabs(g.feedback_gain - lhs23) < 1e-12 && fabs(g.total_gain - lhs24) < 1e-12);
        /* the gains stay below their limits (25), (26) */
        assert_true(f3_eq23_feedback_gain(K, w, C) < f3_eq25_feedback_gain_limit(K) || K == 2);
        assert_true(f3_eq24_total_gain(K, n0, w, C) < f3_eq26_total_gain_limit(K) || K == 2);
    }
    /* the limits themselves: w → ∞ */
    for (size_t K = 3; K < 30; K++) {
        assert_true(fabs(f3_eq25_feedback_gain_limit(K) - 1.0) < 1e-15);
        assert_true(fabs(f3_eq26_total_gain_limit(K) - 0.25) < 1e-15);
        assert_true(fabs(f3_eq23_feedback_gain(K, 1000000000, 10) - 1.0) < 1e-7);
        assert_true(fabs(f3_eq24_total_gain(K, 100, 1000000000, 10) - 0.25) < 1e-7);
    }
    assert_true(f3_eq23_feedback_gain(2, 500, 10) == 0.0 && f3_eq26_total_gain_limit(2) == 0.0);
    /* F³ saves FMAs exactly when w > C (K > 2) */
    assert_true(f3_eq22_saving(5, 10, 10) == 0 && f3_eq22_saving(5, 9, 10) < 0 && f3_eq22_saving(5, 11, 10) > 0);
    /* errors */
    f3_paper_fma e;
    const size_t zero[] = {3, 0, 2};
    assert_int_equal(f3_paper_fma_bp(0, zero, &e), F3_EINVAL);
    assert_int_equal(f3_paper_fma_f3(2, zero, &e), F3_EINVAL);
}

/* §3.7 and A.3: K = 5, n0 = 100, C = 10. */
static void test_worked_examples_gains(void **state)
{
    (void)state;
    /* w = 200: "more than 90 %" and "more than 20 %" */
    assert_int_equal(f3_eq20_bp_equal_width(5, 100, 200, 10), 548000);
    assert_int_equal(f3_eq21_f3_equal_width(5, 100, 200, 10), 434000);
    assert_true(f3_eq22_saving(5, 200, 10) == 114000);
    const double g23 = f3_eq23_feedback_gain(5, 200, 10), g24 = f3_eq24_total_gain(5, 100, 200, 10);
    assert_true(g23 > 0.90 && fabs(g23 - 57.0 / 61.0) < 1e-12); /* 93.44 % */
    assert_true(g24 > 0.20 && fabs(g24 - 57.0 / 274.0) < 1e-12); /* 20.80 % */
    /* w = 1024: "more than 98 %" and "24 %" */
    const double h23 = f3_eq23_feedback_gain(5, 1024, 10), h24 = f3_eq24_total_gain(5, 100, 1024, 10);
    assert_true(h23 > 0.98 && fabs(h23 - 3042.0 / 3082.0) < 1e-12); /* 98.70 % */
    assert_true(h24 > 0.24 && fabs(h24 - 3042.0 / 12628.0) < 1e-12); /* 24.09 % */
    print_message("A.3: w=200 %.4f %% / %.4f %%, w=1024 %.4f %% / %.4f %%\n", 100 * g23, 100 * g24,
                  100 * h23, 100 * h24);
}

/* ---- A.4: memory ---------------------------------------------------------- */

static void test_memory_eqs_27_to_34(void **state)
{
    (void)state;
    const size_t n200[] = {100, 200, 200, 200, 200, 10}, n1024[] = {100, 1024, 1024, 1024, 1024, 10};
    /* eq. (27): h_1 … h_4 of a batch of 200, not h_0 */
    assert_int_equal(f3_eq27_activation_elements(5, n200, 200), 200 * 800);
    assert_int_equal(f3_eq28_feedback_elements(5, n200), 10 * 800);
    assert_int_equal(f3_eq29_error_store_elements(10, 10000), 100000);
    assert_int_equal(f3_eq31_bp_activation_bytes(5, n200, 200), 640000);
    assert_int_equal(f3_eq30_f3_overhead_bytes(5, n200, 10000), 432000);
    /* eq. (33): 208 kB and 2.71 MB (decimal units) */
    assert_true(f3_eq32_memory_saving_bytes(5, n200, 200, 10000) == 208000);
    const int64_t s1024 = f3_eq32_memory_saving_bytes(5, n1024, 200, 10000);
    assert_true(s1024 == 2712960);
    assert_true(fabs((double)s1024 / 1e6 - 2.71) < 0.005);
    /* eq. (32) is eq. (31) − eq. (30) with the corrected eq. (30) */
    rng_state = 0x5EED0006;
    for (int r = 0; r < 1000; r++) {
        size_t K = rnd_in(1, 12), n[13], b = rnd_in(1, 512), N = rnd_in(1, 100000);
        for (size_t i = 0; i <= K; i++) n[i] = rnd_in(1, 3000);
        assert_true(f3_eq32_memory_saving_bytes(K, n, b, N) ==
                    (int64_t)f3_eq31_bp_activation_bytes(K, n, b) - (int64_t)f3_eq30_f3_overhead_bytes(K, n, N));
        assert_int_equal(f3_eq30_f3_overhead_bytes(K, n, N),
                         4 * (f3_eq28_feedback_elements(K, n) + f3_eq29_error_store_elements(n[K], N)));
    }
    /* eq. (34): 2-bit ternary feedback weights, 16 × smaller */
    const uint64_t fb = f3_eq28_feedback_elements(5, n200);
    assert_int_equal(f3_feedback_bytes(fb, F3_ENC_FLOAT32), 32000);
    assert_int_equal(f3_feedback_bytes(fb, F3_ENC_TERNARY2), 2000); /* C Σ n_i / 4 B */
    assert_int_equal(f3_feedback_bytes(fb, F3_ENC_FLOAT32) / f3_feedback_bytes(fb, F3_ENC_TERNARY2), 16);
    assert_int_equal(f3_feedback_bytes(5, F3_ENC_TERNARY2), 2); /* 10 bit → 2 B */
    assert_int_equal(f3_feedback_bytes(fb, F3_ENC_SEED), F3_FEEDBACK_SEED_BYTES);
    assert_int_equal(f3_feedback_bytes(0, F3_ENC_SEED), 0);
    /* the trainer's memory, per algorithm */
    f3_config c = paper_config(F3_ALG_BP, 5, n200, 200);
    f3_memory m;
    assert_int_equal(f3_formula_memory(&c, 10000, &m), F3_OK);
    assert_true(m.activation_buffer == 160000 && m.feedback == 0 && m.error_store == 0);
    c.algorithm = F3_ALG_F3;
    assert_int_equal(f3_formula_memory(&c, 10000, &m), F3_OK);
    assert_true(m.activation_buffer == 0 && m.feedback == 8000 && m.error_store == 100000);
    c.algorithm = F3_ALG_DFA;
    assert_int_equal(f3_formula_memory(&c, 10000, &m), F3_OK);
    assert_true(m.activation_buffer == 160000 && m.feedback == 8000 && m.error_store == 0);
    c.algorithm = F3_ALG_LLO;
    c.optimizer = F3_OPT_ADAM;
    assert_int_equal(f3_formula_memory(&c, 10000, &m), F3_OK);
    assert_true(m.gradients == 2000 && m.optimizer_state == 4000 && m.parameters == 142000);
}

/* ---- errata, pinned -------------------------------------------------------- */

/* E1: eq. (30) prints 4C(Σ n_i + 4C·#samples) B; the left-hand side
 * (Σ n_i C + C·#samples)·32 bit is 4C(Σ n_i + #samples) B. */
static void test_erratum_eq30(void **state)
{
    (void)state;
    const size_t n[] = {100, 200, 200, 200, 200, 10};
    const uint64_t lhs_bits = (10u * 800u + 10u * 10000u) * 32u;
    assert_int_equal(lhs_bits / 8u, 432000);
    assert_int_equal(f3_eq30_f3_overhead_bytes(5, n, 10000), 432000);
    assert_int_equal(f3_eq30_printed_bytes(5, n, 10000), 16032000); /* 37 × too large */
    /* only the corrected form makes eq. (33)'s 208 kB come out of eq. (31) − eq. (30) */
    assert_true((int64_t)f3_eq31_bp_activation_bytes(5, n, 200) - (int64_t)f3_eq30_f3_overhead_bytes(5, n, 10000) == 208000);
    assert_true((int64_t)f3_eq31_bp_activation_bytes(5, n, 200) - (int64_t)f3_eq30_printed_bytes(5, n, 10000) == -15392000);
}

/* E2: eq. (33) sums Σ_{i=1}^{5} 200; the five-layer network has K−1 = 4
 * hidden layers, and only Σ_{i=1}^{4} gives the printed 208 kB (and the
 * printed 2.71 MB for w = 1024). */
static void test_erratum_eq33(void **state)
{
    (void)state;
    const int64_t printed_sum = 4 * ((200 - 10) * (5 * 200) - 10 * 10000);
    const int64_t corrected = 4 * ((200 - 10) * (4 * 200) - 10 * 10000);
    assert_true(printed_sum == 360000);
    assert_true(corrected == 208000);
    assert_true(4 * ((200 - 10) * (5 * 1024) - 10 * 10000) == 3491200); /* not 2.71 MB */
    assert_true(4 * ((200 - 10) * (4 * 1024) - 10 * 10000) == 2712960); /* 2.71 MB */
    const size_t n[] = {100, 200, 200, 200, 200, 10};
    assert_true(f3_eq32_memory_saving_bytes(5, n, 200, 10000) == corrected);
}

/* E3: A.2 writes δh_i = W_{i+1}^T δh_{i+1} (and δW_i = δh_i h_{i−1}^T); the
 * chain rule gives δh_i = W_{i+1}^T δz_{i+1} with δz = δh ⊙ f'(z) (and
 * δW_i = δz_i h_{i−1}^T).  The printed form holds only for linear layers
 * (A.1), where δz = δh.  Pinned on a 1-1-1 tanh network against a central
 * difference; the FMA count is the same either way. */
static void test_erratum_dh_uses_dz(void **state)
{
    (void)state;
    const double x = 0.731, w1 = 1.234, w2 = -0.876, t = 0.25;
    /* h1 = tanh(w1 x), y = tanh(w2 h1), L = ½ (y − t)² */
    const double h1 = tanh(w1 * x), y = tanh(w2 * h1);
    const double dh2 = y - t;            /* δh_2 = ∂L/∂y */
    const double dz2 = dh2 * (1 - y * y); /* δz_2 = δh_2 ⊙ f'(z_2) */
    const double eps = 1e-6;
    const double fd = (0.5 * pow(tanh(w2 * (h1 + eps)) - t, 2) - 0.5 * pow(tanh(w2 * (h1 - eps)) - t, 2)) / (2 * eps);
    const double printed = w2 * dh2, corrected = w2 * dz2;
    assert_true(fabs(corrected - fd) < 1e-9);
    assert_true(fabs(printed - fd) > 1e-2);
    /* the kernels use the corrected form: BP's feedback phase of a tanh
     * network carries the derivative and the product (2 per element) */
    const size_t n[] = {3, 4, 5, 2};
    f3_config c = paper_config(F3_ALG_BP, 3, n, 1);
    c.hidden_act = F3_ACT_TANH;
    f3_counts fbk;
    assert_int_equal(f3_formula_counts(&c, 0, F3_PH_FEEDBACK, f3_run_shape_epochs(1, 1, 1), &fbk), F3_OK);
    assert_int_equal(fbk.fma, 4 * 5);
    assert_int_equal(fbk.elem, 2 * 4);
}

/* E4: A.1 gives B_i as n_i × C, but δh_i = B_i^T e with e of C entries
 * needs C × n_i.  The trainer stores B_i as (C, n_i) and computes
 * δh = B_i^T e (n_i entries, n_i·C FMA); one-hot reads one C-row of that
 * storage, i.e. one column of the paper's n_i × C orientation. */
static void test_erratum_feedback_orientation(void **state)
{
    (void)state;
    const size_t C = 3, n = 4;
    const float B[3 * 4] = {1.5f, -2.25f, 0.5f, 3.0f, -1.0f, 0.75f, 2.0f, -0.5f, 0.25f, 1.25f, -3.5f, 2.5f};
    const float e[3] = {0.375f, -1.125f, 2.0f};
    float dh[4];
    f3_counts c;
    memset(&c, 0, sizeof c);
    f3_feedback_dense_ref(e, B, dh, 1, C, n, F3_MEM_WORK, &c);
    for (size_t j = 0; j < n; j++) {
        double want = 0; /* (B^T e)_j with B of C × n */
        for (size_t q = 0; q < C; q++) want += (double)B[q * n + j] * e[q];
        assert_true(fabs(dh[j] - want) < 1e-6);
    }
    assert_int_equal(c.fma, n * C);
    const int32_t cls = 2;
    const float e2 = 0.625f;
    f3_feedback_onehot(&e2, &cls, B, dh, 1, n, F3_MEM_WORK, NULL);
    for (size_t j = 0; j < n; j++) assert_true(dh[j] == e2 * B[2 * n + j]);
}

/* Scope of eq. (26): 1/4 is the limit at batch 1; with batches of b the
 * update is paid once per step and the limit of the total gain is
 * 1/(3 + 1/b).  Exact counts of one epoch. */
static double total_gain_counted(size_t w, size_t b, size_t N)
{
    const size_t n[] = {100, w, w, w, w, 10};
    f3_run_shape run = f3_run_shape_epochs(N, b, (N + b - 1) / b);
    uint64_t tot[2] = {0, 0};
    for (int a = 0; a < 2; a++) {
        f3_config c = paper_config(a ? F3_ALG_F3 : F3_ALG_BP, 5, n, b);
        for (int p = 0; p < F3_PH_COUNT; p++) tot[a] += formula_phase(&c, (f3_phase)p, run).fma;
    }
    return 1.0 - (double)tot[1] / (double)tot[0];
}

static void test_batch_gain_limit(void **state)
{
    (void)state;
    assert_true(fabs(total_gain_counted(200, 1, 10000) - 57.0 / 274.0) < 1e-12);
    const double g = total_gain_counted(200, 200, 10000);
    assert_true(fabs(g - 0.280298) < 1e-6 && g > 0.25);
    for (size_t b = 1; b <= 256; b *= 4) {
        const double lim = 1.0 / (3.0 + 1.0 / (double)b);
        assert_true(fabs(total_gain_counted(1000000, b, b) - lim) < 1e-4);
    }
}

/* ---- schedule and errors ------------------------------------------------------ */

static void test_run_shape_and_errors(void **state)
{
    (void)state;
    /* 10 samples in batches of 4: 4, 4, 2, then 4, 4, 2, … */
    const size_t want[] = {4, 4, 2, 4, 4, 2, 4};
    uint64_t total = 0;
    for (uint64_t s = 0; s < 7; s++) {
        assert_int_equal(f3_run_batch_of_step(10, 4, s), want[s]);
        total += want[s];
        f3_run_shape r = f3_run_shape_epochs(10, 4, s + 1);
        assert_int_equal(r.samples, total);
        assert_int_equal(r.steps, s + 1);
        assert_int_equal(r.max_batch, 4);
    }
    assert_int_equal(f3_run_shape_epochs(3, 8, 5).max_batch, 3);
    assert_int_equal(f3_run_shape_epochs(3, 8, 0).samples, 0);
    assert_int_equal(f3_run_shape_epochs(3, 8, 0).max_batch, 0);
    /* invalid configurations and layers */
    f3_config c = f3_config_default();
    f3_counts out;
    f3_run_shape r = {1, 1, 1};
    assert_int_equal(f3_formula_counts(&c, 0, F3_PH_FORWARD, r, &out), F3_EINVAL); /* no layers */
    const size_t n[] = {4, 3, 2};
    c = paper_config(F3_ALG_F3, 2, n, 1);
    assert_int_equal(f3_formula_counts(&c, 2, F3_PH_FORWARD, r, &out), F3_EINVAL);
    assert_non_null(strstr(f3_last_error(), "layer 2"));
    assert_int_equal(f3_formula_counts(&c, 0, F3_PH_COUNT, r, &out), F3_EINVAL);
    c.loss = F3_LOSS_BCE; /* needs a sigmoid output */
    assert_int_equal(f3_formula_counts(&c, 0, F3_PH_FORWARD, r, &out), F3_EINVAL);
    f3_memory m;
    assert_int_equal(f3_formula_memory(&c, 1, &m), F3_EINVAL);
    c = paper_config(F3_ALG_F3, 2, n, 1);
    f3_ledger *l = NULL;
    assert_int_equal(f3_ledger_alloc(3, &l), F3_OK);
    assert_int_equal(f3_formula_ledger(&c, 1, r, l), F3_EINVAL);
    f3_ledger_free(l);
    /* f3_ledger_diff names the first difference */
    f3_ledger *a = NULL, *b = NULL;
    assert_int_equal(f3_ledger_alloc(2, &a), F3_OK);
    assert_int_equal(f3_ledger_alloc(2, &b), F3_OK);
    assert_int_equal(f3_formula_ledger(&c, 4, r, a), F3_OK);
    assert_int_equal(f3_formula_ledger(&c, 4, r, b), F3_OK);
    char msg[128];
    assert_int_equal(f3_ledger_diff(a, b, msg, sizeof msg), 0);
    f3_ledger_at(b, 1, F3_PH_GRADIENT)->reads[F3_MEM_WORK] += 1;
    b->peak_err = 0;
    assert_int_equal(f3_ledger_diff(a, b, msg, sizeof msg), 2);
    assert_string_equal(msg, "layer 2 gradient reads.work: 5 vs 6");
    f3_ledger_free(a);
    f3_ledger_free(b);
}

int main(int argc, char **argv)
{
    (void)argc;
    f3_blas_select_core(argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ledger_equals_formulas_small),
        cmocka_unit_test(test_ledger_equals_formulas_wide),
        cmocka_unit_test(test_ledger_equals_formulas_corners),
        cmocka_unit_test(test_paper_assumptions_match_eqs_14_to_19),
        cmocka_unit_test(test_worked_network_ledger),
        cmocka_unit_test(test_equal_width_forms),
        cmocka_unit_test(test_worked_examples_gains),
        cmocka_unit_test(test_memory_eqs_27_to_34),
        cmocka_unit_test(test_erratum_eq30),
        cmocka_unit_test(test_erratum_eq33),
        cmocka_unit_test(test_erratum_dh_uses_dz),
        cmocka_unit_test(test_erratum_feedback_orientation),
        cmocka_unit_test(test_batch_gain_limit),
        cmocka_unit_test(test_run_shape_and_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
