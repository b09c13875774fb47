/* formulas.c — closed forms for Appendix A (eqs. 14–34) and the exact
 * per-layer, per-phase counts the ledger records.  Derivations in
 * docs/validation.md; each count below mirrors one kernel's count_* in
 * kernels.c and output.c and one call site in train.c. */
#include "f3/formulas.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* ---- (a) Appendix A ------------------------------------------------------ */

static f3_status check_widths(size_t K, const size_t *n)
{
    if (K < 1 || K > F3_MAX_LAYERS || !n)
        return F3_FAIL(F3_EINVAL, "a network needs 1 to %d layers, got %zu", F3_MAX_LAYERS, K);
    for (size_t i = 0; i <= K; i++)
        if (n[i] == 0) return F3_FAIL(F3_EINVAL, "layer width n_%zu is 0; every width must be >= 1", i);
    return F3_OK;
}

/* Σ_{i=lo}^{hi} n_{i−1} n_i (paper indices, 1 ≤ lo) */
static uint64_t sum_products(const size_t *n, size_t lo, size_t hi)
{
    uint64_t s = 0;
    for (size_t i = lo; i <= hi; i++) s += (uint64_t)n[i - 1] * n[i];
    return s;
}

/* Σ_{i=1}^{K−1} n_i: the hidden widths */
static uint64_t sum_hidden(size_t K, const size_t *n)
{
    uint64_t s = 0;
    for (size_t i = 1; i < K; i++) s += n[i];
    return s;
}

f3_status f3_paper_fma_bp(size_t K, const size_t *n, f3_paper_fma *out)
{
    f3_status st = check_widths(K, n);
    if (st != F3_OK) return st;
    const uint64_t all = sum_products(n, 1, K);
    out->forward = all;                     /* eq. (14) */
    out->feedback = sum_products(n, 2, K);  /* eq. (15), δh_i = W_{i+1}^T δz_{i+1}, i = 1..K−1 */
    out->gradient = all;                    /* eq. (15), δW_i, i = 1..K */
    out->update = all;                      /* eq. (17) */
    out->total = 3 * all + out->feedback;   /* eq. (18) */
    return F3_OK;
}

f3_status f3_paper_fma_f3(size_t K, const size_t *n, f3_paper_fma *out)
{
    f3_status st = check_widths(K, n);
    if (st != F3_OK) return st;
    const uint64_t all = sum_products(n, 1, K);
    out->forward = all;                          /* eq. (14) */
    out->feedback = n[K] * sum_hidden(K, n);     /* eq. (16), δh_i = B_i^T e, i = 1..K−1 */
    out->gradient = all;                         /* eq. (16), δW_i */
    out->update = all;                           /* eq. (17) */
    out->total = 3 * all + out->feedback;        /* eq. (19) */
    return F3_OK;
}

/* 3w(n0 + (K−2)w + C): forward, δW and update of an equal-width network */
static uint64_t equal_width_common(size_t K, size_t n0, size_t w, size_t C)
{
    return 3u * (uint64_t)w * ((uint64_t)n0 + (uint64_t)(K - 2) * w + C);
}

uint64_t f3_eq20_bp_equal_width(size_t K, size_t n0, size_t w, size_t C)
{
    /* eq. (20): 3w(n0 + (K−2)w + C) + (K−2)w² + Cw */
    return equal_width_common(K, n0, w, C) + (uint64_t)(K - 2) * w * w + (uint64_t)C * w;
}

uint64_t f3_eq21_f3_equal_width(size_t K, size_t n0, size_t w, size_t C)
{
    /* eq. (21): 3w(n0 + (K−2)w + C) + C(K−1)w */
    return equal_width_common(K, n0, w, C) + (uint64_t)C * (K - 1) * w;
}

int64_t f3_eq22_saving(size_t K, size_t w, size_t C)
{
    /* eq. (22): (K−2)w² + Cw − C(K−1)w = (K−2)w(w−C) */
    return (int64_t)(K - 2) * (int64_t)w * ((int64_t)w - (int64_t)C);
}

double f3_eq23_feedback_gain(size_t K, size_t w, size_t C)
{
    /* eq. (23): 1 − C(K−1)w/((K−2)w² + Cw) = (w−C)/(w + C/(K−2)); for
     * K = 2 the left-hand side is 1 − Cw/Cw = 0 */
    if (K <= 2) return 0.0;
    return ((double)w - (double)C) / ((double)w + (double)C / (double)(K - 2));
}

double f3_eq24_total_gain(size_t K, size_t n0, size_t w, size_t C)
{
    /* eq. (24): (K−2)(w−C)/(4C + 4Kw + 3n0 − 8w); the denominator is
     * 4C + 4(K−2)w + 3n0 > 0 */
    if (K < 2) return 0.0;
    double den = 4.0 * (double)C + 4.0 * (double)(K - 2) * (double)w + 3.0 * (double)n0;
    return (double)(K - 2) * ((double)w - (double)C) / den;
}

double f3_eq25_feedback_gain_limit(size_t K) { return K > 2 ? 1.0 : 0.0; }

double f3_eq26_total_gain_limit(size_t K)
{
    /* eq. (26): (K−2)/(4K − 8) = 1/4 */
    return K > 2 ? (double)(K - 2) / (4.0 * (double)K - 8.0) : 0.0;
}

f3_status f3_paper_gain_of(size_t K, const size_t *n, f3_paper_gain *out)
{
    f3_paper_fma bp, f3;
    f3_status st = f3_paper_fma_bp(K, n, &bp);
    if (st != F3_OK) return st;
    f3_paper_fma_f3(K, n, &f3);
    out->saving = (int64_t)bp.total - (int64_t)f3.total;
    out->feedback_gain = bp.feedback ? (double)out->saving / (double)bp.feedback : 0.0;
    out->total_gain = (double)out->saving / (double)bp.total;
    return F3_OK;
}

uint64_t f3_eq27_activation_elements(size_t K, const size_t *n, size_t b)
{
    return (uint64_t)b * sum_hidden(K, n); /* eq. (27): h_1 … h_{K−1}, not h_0 */
}

uint64_t f3_eq28_feedback_elements(size_t K, const size_t *n)
{
    return (uint64_t)n[K] * sum_hidden(K, n); /* eq. (28): B_1 … B_{K−1} */
}

uint64_t f3_eq29_error_store_elements(size_t C, size_t N) { return (uint64_t)C * N; }

uint64_t f3_eq30_f3_overhead_bytes(size_t K, const size_t *n, size_t N)
{
    /* eq. (30), corrected: (C Σ n_i + C N) · 32 bit = 4C(Σ n_i + N) B */
    return 4u * (uint64_t)n[K] * (sum_hidden(K, n) + N);
}

uint64_t f3_eq30_printed_bytes(size_t K, const size_t *n, size_t N)
{
    /* eq. (30) as printed: 4C(Σ n_i + 4C · #samples) B */
    const uint64_t C = n[K];
    return 4u * C * (sum_hidden(K, n) + 4u * C * N);
}

uint64_t f3_eq31_bp_activation_bytes(size_t K, const size_t *n, size_t b)
{
    return 4u * f3_eq27_activation_elements(K, n, b); /* eq. (31): 4b Σ n_i B */
}

int64_t f3_eq32_memory_saving_bytes(size_t K, const size_t *n, size_t b, size_t N)
{
    /* eq. (32): 4((b − C) Σ n_i − C N) B */
    const int64_t C = (int64_t)n[K];
    return 4 * (((int64_t)b - C) * (int64_t)sum_hidden(K, n) - C * (int64_t)N);
}

uint64_t f3_feedback_bytes(uint64_t elements, f3_encoding enc)
{
    switch (enc) {
    case F3_ENC_FLOAT32: return 4u * elements;
    case F3_ENC_TERNARY2: return (2u * elements + 7u) / 8u; /* eq. (34) */
    case F3_ENC_SEED: return elements ? F3_FEEDBACK_SEED_BYTES : 0u;
    }
    return 0;
}

/* ---- (b) the generalisation ---------------------------------------------- */

f3_run_shape f3_run_shape_epochs(size_t n_train, size_t batch_size, uint64_t steps)
{
    f3_run_shape r = {steps, 0, 0};
    if (n_train == 0 || batch_size == 0) return r;
    /* an epoch: ⌈N/B⌉ steps, all full but the last; the first r < ⌈N/B⌉
     * steps of an epoch are full, so they hold r·B samples */
    const uint64_t per_epoch = (n_train + batch_size - 1) / batch_size;
    r.samples = steps / per_epoch * n_train + steps % per_epoch * batch_size;
    r.max_batch = steps ? (batch_size < n_train ? batch_size : n_train) : 0;
    return r;
}

size_t f3_run_batch_of_step(size_t n_train, size_t batch_size, uint64_t s)
{
    if (n_train == 0 || batch_size == 0) return 0;
    const uint64_t per_epoch = (n_train + batch_size - 1) / batch_size;
    const uint64_t first = s % per_epoch * batch_size; /* position in the epoch */
    return n_train - first < batch_size ? (size_t)(n_train - first) : batch_size;
}

/* Where layer j's input h_j (paper: h_{j}, the output of layer j) is read
 * from: the inputs for the first layer, the stash for BP and DFA, else the
 * ping-pong workspace. */
static f3_memclass input_class(const f3_config *cfg, size_t j)
{
    if (j == 0) return F3_MEM_INPUTS;
    return f3_needs_stash(cfg->algorithm) ? F3_MEM_ACTBUF : F3_MEM_WORK;
}

/* f3_act_backward over n elements: f' and the product (identity: a copy,
 * counted as 1), reads of h and δh, write of δz */
static void act_backward_counts(f3_counts *c, f3_activation f, uint64_t n, f3_memclass h_class)
{
    c->elem += (f == F3_ACT_IDENTITY ? 1u : 2u) * n;
    c->reads[h_class] += n;
    c->reads[F3_MEM_WORK] += n;
    c->writes[F3_MEM_WORK] += n;
}

static void forward_counts(const f3_config *cfg, size_t j, uint64_t S, uint64_t T, f3_counts *c)
{
    const size_t K = cfg->n_layers;
    const uint64_t nin = cfg->widths[j], nout = cfg->widths[j + 1];
    const int last = j + 1 == K;
    const f3_activation f = last ? cfg->output_act : cfg->hidden_act;
    const f3_memclass out_class =
        !last && f3_needs_stash(cfg->algorithm) ? F3_MEM_ACTBUF : F3_MEM_WORK;
    c->fma += S * nin * nout;                                 /* eq. (14) per sample */
    c->elem += (cfg->bias ? S * nout : 0) + (f != F3_ACT_IDENTITY ? S * nout : 0);
    c->reads[F3_MEM_WEIGHTS] += T * nin * nout;               /* once per step */
    if (cfg->bias) c->reads[F3_MEM_BIASES] += T * nout;
    c->reads[input_class(cfg, j)] += S * nin;
    c->writes[out_class] += S * nout;
}

static void feedback_counts(const f3_config *cfg, size_t j, uint64_t S, uint64_t T, f3_counts *c)
{
    const size_t K = cfg->n_layers;
    const uint64_t C = cfg->widths[K];
    const f3_algorithm a = cfg->algorithm;
    const int one_hot = a == F3_ALG_F3 && cfg->error_info.one_hot;
    /* F³ gathers the batch's error information from the store into layer 0's
     * feedback phase (one entry per sample when one-hot) */
    if (a == F3_ALG_F3 && j == 0) c->reads[F3_MEM_ERRSTORE] += one_hot ? S : S * C;
    if (j + 1 >= K) return; /* the output layer's δz is the loss phase */
    if (a == F3_ALG_BP) {
        /* δh_j = W_{j+1}^T δz_{j+1}: counted at the receiving layer, eq. (15) */
        const uint64_t m = cfg->widths[j + 1], q = cfg->widths[j + 2];
        c->fma += S * m * q;
        c->reads[F3_MEM_WEIGHTS] += T * m * q;
        c->reads[F3_MEM_WORK] += S * q;
        c->writes[F3_MEM_WORK] += S * m;
        act_backward_counts(c, cfg->hidden_act, S * m, F3_MEM_ACTBUF);
    } else if (f3_uses_feedback_matrix(a)) {
        /* δh_j = B_j^T e, eq. (16): C·n FMA per sample, or n when one-hot */
        const uint64_t n = cfg->widths[j + 1];
        if (one_hot) {
            c->fma += S * n;
            c->reads[F3_MEM_FEEDBACK] += S * n; /* one column per sample */
            c->reads[F3_MEM_WORK] += S;
        } else {
            c->fma += S * C * n;
            c->reads[F3_MEM_FEEDBACK] += T * C * n;
            c->reads[F3_MEM_WORK] += S * C;
        }
        c->writes[F3_MEM_WORK] += S * n;
        act_backward_counts(c, cfg->hidden_act, S * n,
                            a == F3_ALG_DFA ? F3_MEM_ACTBUF : F3_MEM_WORK);
    }
}

static void gradient_counts(const f3_config *cfg, size_t j, uint64_t S, uint64_t T, f3_counts *c)
{
    if (!f3_layer_trains(cfg, j)) return;
    const uint64_t nin = cfg->widths[j], nout = cfg->widths[j + 1];
    c->fma += S * nin * nout;                       /* δW: eqs. (15), (16) */
    c->elem += cfg->bias ? S * nout : 0;            /* δb */
    c->reads[F3_MEM_WORK] += S * nout;
    c->reads[input_class(cfg, j)] += S * nin;
    c->writes[F3_MEM_GRADIENTS] += T * (nin * nout + (cfg->bias ? nout : 0));
}

static void update_counts(const f3_config *cfg, size_t j, uint64_t T, f3_counts *c)
{
    if (!f3_layer_trains(cfg, j)) return;
    const uint64_t nw = (uint64_t)cfg->widths[j] * cfg->widths[j + 1];
    const uint64_t nb = cfg->bias ? cfg->widths[j + 1] : 0;
    c->fma += T * (nw + nb);                        /* eq. (17), per step */
    c->reads[F3_MEM_WEIGHTS] += T * nw;
    c->writes[F3_MEM_WEIGHTS] += T * nw;
    c->reads[F3_MEM_BIASES] += T * nb;
    c->writes[F3_MEM_BIASES] += T * nb;
    c->reads[F3_MEM_GRADIENTS] += T * (nw + nb);
    if (cfg->optimizer == F3_OPT_ADAM) {
        c->elem += (uint64_t)F3_ADAM_ELEM_PER_PARAM * T * (nw + nb);
        c->reads[F3_MEM_OPTSTATE] += 2u * T * (nw + nb);
        c->writes[F3_MEM_OPTSTATE] += 2u * T * (nw + nb);
    }
}

/* f3_error_information over S·C outputs */
static void error_information_counts(f3_error_info ei, f3_loss loss, uint64_t SC, f3_counts *c)
{
    const int soft = ei.softmax || loss == F3_LOSS_SOFTMAX_CE;
    const uint64_t per = ei.kind == F3_EI_ERROR ? 1u : (loss == F3_LOSS_BCE ? 5u : 2u);
    c->elem += per * SC + (soft ? F3_SOFTMAX_ELEM_PER_OUTPUT * SC : 0);
    c->reads[F3_MEM_WORK] += SC;
    c->reads[F3_MEM_INPUTS] += SC;
}

static void loss_counts(const f3_config *cfg, size_t j, uint64_t S, f3_counts *c)
{
    if (j + 1 != cfg->n_layers) return;
    const uint64_t SC = S * cfg->widths[cfg->n_layers];
    /* the output layer's δz (f3_output_delta) */
    if (cfg->loss == F3_LOSS_MSE && cfg->output_act != F3_ACT_IDENTITY)
        act_backward_counts(c, cfg->output_act, SC, F3_MEM_WORK);
    c->elem += F3_OUTPUT_ELEM_PER_OUTPUT * SC;
    if (cfg->loss == F3_LOSS_SOFTMAX_CE) c->elem += F3_SOFTMAX_ELEM_PER_OUTPUT * SC;
    c->reads[F3_MEM_WORK] += SC;
    c->reads[F3_MEM_INPUTS] += SC;
    c->writes[F3_MEM_WORK] += SC;
    if (cfg->algorithm == F3_ALG_F3) {
        /* e_t written to the store before the optimiser step */
        error_information_counts(cfg->error_info, cfg->loss, SC, c);
        c->writes[F3_MEM_ERRSTORE] += SC;
    } else if (cfg->algorithm == F3_ALG_DFA) {
        /* DFA's current error y* − y (softmax(y) for softmax_ce) */
        f3_error_info cur = {F3_EI_ERROR, 0, 0};
        error_information_counts(cur, cfg->loss, SC, c);
    }
}

f3_status f3_formula_counts(const f3_config *cfg, size_t layer, f3_phase p, f3_run_shape run,
                            f3_counts *out)
{
    memset(out, 0, sizeof *out);
    f3_status st = f3_config_validate(cfg, F3_TASK_CLASSIFICATION);
    if (st != F3_OK) return st;
    if (layer >= cfg->n_layers)
        return F3_FAIL(F3_EINVAL, "layer %zu does not exist (the network has %zu layers)", layer,
                       cfg->n_layers);
    const uint64_t S = run.samples, T = run.steps;
    switch (p) {
    case F3_PH_FORWARD: forward_counts(cfg, layer, S, T, out); break;
    case F3_PH_FEEDBACK: feedback_counts(cfg, layer, S, T, out); break;
    case F3_PH_GRADIENT: gradient_counts(cfg, layer, S, T, out); break;
    case F3_PH_UPDATE: update_counts(cfg, layer, T, out); break;
    case F3_PH_LOSS: loss_counts(cfg, layer, S, out); break;
    default: return F3_FAIL(F3_EINVAL, "unknown phase %d", (int)p);
    }
    return F3_OK;
}

f3_status f3_formula_ledger(const f3_config *cfg, size_t n_train, f3_run_shape run,
                            f3_ledger *out)
{
    if (out->n_layers != cfg->n_layers)
        return F3_FAIL(F3_EINVAL, "the ledger has %zu layers, the network %zu", out->n_layers,
                       cfg->n_layers);
    f3_ledger_reset(out);
    for (size_t j = 0; j < cfg->n_layers; j++)
        for (int p = 0; p < F3_PH_COUNT; p++) {
            f3_status st = f3_formula_counts(cfg, j, (f3_phase)p, run, f3_ledger_at(out, j, (f3_phase)p));
            if (st != F3_OK) return st;
        }
    out->samples = run.samples;
    out->batches = run.steps;
    if (f3_needs_stash(cfg->algorithm))
        out->peak_act = f3_eq27_activation_elements(cfg->n_layers, cfg->widths, (size_t)run.max_batch);
    if (cfg->algorithm == F3_ALG_F3)
        out->live_err = out->peak_err = f3_eq29_error_store_elements(cfg->widths[cfg->n_layers], n_train);
    return F3_OK;
}

static size_t diff_one(const char *what, uint64_t a, uint64_t b, size_t *n, char *msg, size_t len)
{
    if (a == b) return 0;
    if (*n == 0 && msg && len) snprintf(msg, len, "%s: %" PRIu64 " vs %" PRIu64, what, a, b);
    ++*n;
    return 1;
}

size_t f3_ledger_diff(const f3_ledger *a, const f3_ledger *b, char *msg, size_t len)
{
    size_t n = 0;
    char what[128];
    if (msg && len) msg[0] = '\0';
    if (a->n_layers != b->n_layers) {
        if (msg && len) snprintf(msg, len, "layers: %zu vs %zu", a->n_layers, b->n_layers);
        return 1;
    }
    for (size_t j = 0; j < a->n_layers; j++)
        for (int p = 0; p < F3_PH_COUNT; p++) {
            const f3_counts *x = &a->c[j * F3_PH_COUNT + p], *y = &b->c[j * F3_PH_COUNT + p];
            const char *ph = f3_phase_name((f3_phase)p);
            snprintf(what, sizeof what, "layer %zu %s fma", j + 1, ph);
            diff_one(what, x->fma, y->fma, &n, msg, len);
            snprintf(what, sizeof what, "layer %zu %s elementwise_ops", j + 1, ph);
            diff_one(what, x->elem, y->elem, &n, msg, len);
            for (int m = 0; m < F3_MEM_COUNT; m++) {
                const char *mc = f3_memclass_name((f3_memclass)m);
                snprintf(what, sizeof what, "layer %zu %s reads.%s", j + 1, ph, mc);
                diff_one(what, x->reads[m], y->reads[m], &n, msg, len);
                snprintf(what, sizeof what, "layer %zu %s writes.%s", j + 1, ph, mc);
                diff_one(what, x->writes[m], y->writes[m], &n, msg, len);
            }
        }
    diff_one("samples", a->samples, b->samples, &n, msg, len);
    diff_one("batches", a->batches, b->batches, &n, msg, len);
    diff_one("live activation buffer", a->live_act, b->live_act, &n, msg, len);
    diff_one("peak activation buffer", a->peak_act, b->peak_act, &n, msg, len);
    diff_one("live error store", a->live_err, b->live_err, &n, msg, len);
    diff_one("peak error store", a->peak_err, b->peak_err, &n, msg, len);
    return n;
}

f3_status f3_formula_memory(const f3_config *cfg, size_t n_train, f3_memory *out)
{
    memset(out, 0, sizeof *out);
    f3_status st = f3_config_validate(cfg, F3_TASK_CLASSIFICATION);
    if (st != F3_OK) return st;
    const size_t K = cfg->n_layers;
    for (size_t j = 0; j < K; j++) {
        const uint64_t np = (uint64_t)cfg->widths[j] * cfg->widths[j + 1] + (cfg->bias ? cfg->widths[j + 1] : 0);
        out->parameters += np;
        if (f3_layer_trains(cfg, j)) {
            out->gradients += np;
            if (cfg->optimizer == F3_OPT_ADAM) out->optimizer_state += 2u * np;
        }
    }
    if (f3_needs_stash(cfg->algorithm))
        out->activation_buffer = f3_eq27_activation_elements(K, cfg->widths, cfg->batch_size);
    if (f3_uses_feedback_matrix(cfg->algorithm)) out->feedback = f3_eq28_feedback_elements(K, cfg->widths);
    if (cfg->algorithm == F3_ALG_F3) out->error_store = f3_eq29_error_store_elements(cfg->widths[K], n_train);
    return F3_OK;
}
