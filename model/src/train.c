/* train.c — the reference trainer: BP, F³, DFA, DRTP and LLO. */
#include "f3/train.h"

#include "f3/fixed.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <openssl/evp.h>

#define EVAL_ROWS 256u

/* RNG streams: each purpose draws from its own generator, so that e.g. the
 * initial weights are the same for every algorithm under one seed. */
enum { STREAM_WEIGHTS = 1, STREAM_FEEDBACK = 2, STREAM_ORDER = 3, STREAM_QUANTIZE = 16 };

static unsigned long stream_seed(uint64_t seed, uint64_t stream, uint64_t sub)
{
    /* splitmix64 over (seed, stream, sub) */
    uint64_t z = seed * 0x9E3779B97F4A7C15ull + stream * 0xBF58476D1CE4E5B9ull +
                 sub * 0x94D049BB133111EBull + 0x2545F4914F6CDD1Dull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return (unsigned long)(z & 0xffffffffu) | 1u; /* mt19937 uses 32 bits; avoid 0 */
}

static gsl_rng *stream_rng(uint64_t seed, uint64_t stream, uint64_t sub)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    if (r) gsl_rng_set(r, stream_seed(seed, stream, sub));
    return r;
}

/* ---- configuration ------------------------------------------------------ */

f3_config f3_config_default(void)
{
    f3_config c;
    memset(&c, 0, sizeof c);
    c.hidden_act = F3_ACT_TANH;
    c.output_act = F3_ACT_SIGMOID;
    c.bias = 1;
    c.loss = F3_LOSS_BCE;
    c.algorithm = F3_ALG_F3;
    c.error_info.kind = F3_EI_ERROR;
    c.error_info.one_hot = 1;
    c.feedback_init = F3_FB_TRINOMIAL;
    c.e0 = F3_E0_TARGETS;
    c.optimizer = F3_OPT_ADAM;
    c.lr = 1e-3;
    c.beta1 = 0.9;
    c.beta2 = 0.999;
    c.eps = 1e-8;
    c.batch_size = 50;
    c.seed = 1;
    return c;
}

/* A failed check: the field it concerns into *field, the message into
 * f3_last_error(). */
#define BAD(f, ...) (*field = (f), F3_FAIL(F3_EINVAL, __VA_ARGS__))

f3_status f3_config_check(const f3_config *cfg, f3_task task, f3_config_field *field)
{
    f3_config_field ignored;
    if (!field) field = &ignored;
    *field = F3_CFG_NONE;
    if (cfg->n_layers < 1 || cfg->n_layers > F3_MAX_LAYERS)
        return BAD(F3_CFG_LAYERS, "the network needs 1 to %d layers, got %zu", F3_MAX_LAYERS,
                   cfg->n_layers);
    for (size_t i = 0; i <= cfg->n_layers; i++)
        if (cfg->widths[i] == 0)
            return BAD(F3_CFG_WIDTHS, "layer width n_%zu is 0; every width must be >= 1", i);
    if (cfg->batch_size == 0) return BAD(F3_CFG_BATCH_SIZE, "batch size must be >= 1");
    if (!(cfg->lr > 0.0) || !isfinite(cfg->lr))
        return BAD(F3_CFG_LR, "learning rate must be a positive number, got %g", cfg->lr);
    if (cfg->optimizer == F3_OPT_ADAM &&
        (!(cfg->beta1 >= 0.0 && cfg->beta1 < 1.0) || !(cfg->beta2 >= 0.0 && cfg->beta2 < 1.0) ||
         !(cfg->eps > 0.0)))
        return BAD(F3_CFG_ADAM, "Adam needs 0 <= beta1, beta2 < 1 and eps > 0");
    if (cfg->loss == F3_LOSS_BCE && cfg->output_act != F3_ACT_SIGMOID)
        return BAD(F3_CFG_OUTPUT_ACT, "loss bce needs a sigmoid output activation, got %s",
                   f3_activation_name(cfg->output_act));
    if (cfg->loss == F3_LOSS_SOFTMAX_CE && cfg->output_act != F3_ACT_IDENTITY)
        return BAD(F3_CFG_OUTPUT_ACT,
                   "loss softmax_ce applies the softmax itself: the output activation "
                   "must be identity, got %s",
                   f3_activation_name(cfg->output_act));
    if (task == F3_TASK_REGRESSION && cfg->loss != F3_LOSS_MSE)
        return BAD(F3_CFG_LOSS, "a regression data set needs loss mse, got %s",
                   f3_loss_name(cfg->loss));
    if (cfg->algorithm == F3_ALG_F3) {
        if (task == F3_TASK_REGRESSION && (cfg->error_info.one_hot || cfg->error_info.softmax))
            return BAD(F3_CFG_ERROR_INFO,
                       "one-hot and softmax error information need a classification "
                       "data set");
        if (cfg->loss == F3_LOSS_SOFTMAX_CE && cfg->error_info.softmax)
            return BAD(F3_CFG_ERROR_INFO,
                       "softmax error information with loss softmax_ce would apply the "
                       "softmax twice");
    }
    /* drtp on regression feeds back the target values (the paper's SGEMM
     * column of Table 4) */
    const f3_format *opt = &cfg->numerics.fmt[F3_T_OPTIMIZER];
    if (cfg->optimizer == F3_OPT_ADAM && opt->kind == F3_FMT_FIXED)
        return BAD(F3_CFG_NUMERICS,
                   "fixed-point optimizer state needs the sgd optimizer: Adam divides by a square root, "
                   "which f3sim does not define in fixed point (use bf16 or fp16 for the optimizer state, or sgd)");
    for (int t = 0; t < F3_T_COUNT; t++) {
        const f3_format *f = &cfg->numerics.fmt[t];
        if (f->kind == F3_FMT_FIXED && (f->int_bits < 1 || f->frac_bits < 0 || f->int_bits + f->frac_bits < 4 ||
                                        f->int_bits + f->frac_bits > 32))
            return BAD(F3_CFG_NUMERICS, "numerics.%s: a fixed-point format is 4 to 32 bits with at least one integer bit",
                       f3_tensor_names[t]);
    }
    return F3_OK;
}
#undef BAD

f3_status f3_config_validate(const f3_config *cfg, f3_task task)
{
    return f3_config_check(cfg, task, NULL);
}

/* ---- the rules of the learning algorithms ------------------------------- */

int f3_layer_trains(const f3_config *cfg, size_t i)
{
    return cfg->algorithm != F3_ALG_LLO || i + 1 == cfg->n_layers;
}

int f3_uses_feedback_matrix(f3_algorithm a)
{
    return a == F3_ALG_F3 || a == F3_ALG_DFA || a == F3_ALG_DRTP;
}

int f3_layer_has_feedback(const f3_config *cfg, size_t i)
{
    return i + 1 < cfg->n_layers && f3_uses_feedback_matrix(cfg->algorithm);
}

int f3_needs_stash(f3_algorithm a)
{
    return a == F3_ALG_BP || a == F3_ALG_DFA;
}

int f3_feedback_is_additive(f3_feedback_init f)
{
    return f == F3_FB_TRINOMIAL || f == F3_FB_BINOMIAL || f == F3_FB_PM_IDENTITY;
}

f3_layer_memory f3_layer_memory_plan(const f3_config *cfg, size_t i)
{
    f3_layer_memory m;
    memset(&m, 0, sizeof m);
    if (i >= cfg->n_layers) return m;
    const size_t n_in = cfg->widths[i], n_out = cfg->widths[i + 1], C = cfg->widths[cfg->n_layers];
    const int hidden = i + 1 < cfg->n_layers;
    m.weights = n_in * n_out;
    m.biases = cfg->bias ? n_out : 0;
    if (f3_layer_trains(cfg, i)) {
        m.gradients = m.weights + m.biases;
        if (cfg->optimizer == F3_OPT_ADAM) m.optimizer_state = 2 * (m.weights + m.biases);
    }
    if (f3_layer_has_feedback(cfg, i)) m.feedback = C * n_out;
    if (hidden && f3_needs_stash(cfg->algorithm)) m.stash_per_sample = n_in + n_out;
    return m;
}

/* ---- names ------------------------------------------------------------- */

const char *const f3_algorithm_names[F3_ALGORITHM_COUNT + 1] = {"bp", "f3", "dfa", "drtp", "llo",
                                                                NULL};
const char *const f3_loss_names[F3_LOSS_COUNT + 1] = {"bce", "mse", "softmax_ce", NULL};
const char *const f3_activation_names[F3_ACTIVATION_COUNT + 1] = {"identity", "tanh", "sigmoid",
                                                                  "relu", NULL};
const char *const f3_feedback_init_names[F3_FEEDBACK_INIT_COUNT + 1] = {
    "kaiming_uniform", "trinomial", "binomial", "pm_identity", NULL};
const char *const f3_optimizer_names[F3_OPTIMIZER_COUNT + 1] = {"sgd", "adam", NULL};
/* index: 3·kind + (one_hot ? 1 : softmax ? 2 : 0) */
const char *const f3_error_info_names[F3_ERROR_INFO_COUNT + 1] = {
    "delayed_error",         "delayed_error_one_hot", "delayed_error_softmax",
    "delayed_loss",          "delayed_loss_one_hot",  "delayed_loss_softmax", NULL};

/* every enum value has its name */
_Static_assert(F3_ALG_LLO + 1 == F3_ALGORITHM_COUNT, "f3_algorithm_names");
_Static_assert(F3_LOSS_SOFTMAX_CE + 1 == F3_LOSS_COUNT, "f3_loss_names");
_Static_assert(F3_ACT_RELU + 1 == F3_ACTIVATION_COUNT, "f3_activation_names");
_Static_assert(F3_FB_PM_IDENTITY + 1 == F3_FEEDBACK_INIT_COUNT, "f3_feedback_init_names");
_Static_assert(F3_OPT_ADAM + 1 == F3_OPTIMIZER_COUNT, "f3_optimizer_names");

/* The names of a NULL-terminated table joined by sep. */
static void join_names(const char *const *names, const char *sep, char *buf, size_t len)
{
    if (!len) return;
    buf[0] = '\0';
    for (size_t i = 0; names[i]; i++) {
        if (i) strncat(buf, sep, len - strlen(buf) - 1);
        strncat(buf, names[i], len - strlen(buf) - 1);
    }
}

void f3_enum_choices(const char *const *names, char *buf, size_t len)
{
    join_names(names, "|", buf, len);
}

#define NAME_OF(table, count, v) ((size_t)(v) < (count) ? table[v] : "?")
const char *f3_algorithm_name(f3_algorithm a)
{
    return NAME_OF(f3_algorithm_names, F3_ALGORITHM_COUNT, a);
}
const char *f3_loss_name(f3_loss l) { return NAME_OF(f3_loss_names, F3_LOSS_COUNT, l); }
const char *f3_activation_name(f3_activation f)
{
    return NAME_OF(f3_activation_names, F3_ACTIVATION_COUNT, f);
}
const char *f3_feedback_init_name(f3_feedback_init f)
{
    return NAME_OF(f3_feedback_init_names, F3_FEEDBACK_INIT_COUNT, f);
}
const char *f3_optimizer_name(f3_optimizer o)
{
    return NAME_OF(f3_optimizer_names, F3_OPTIMIZER_COUNT, o);
}

static f3_status parse_name(const char *what, const char *s, const char *const *names, int *out)
{
    for (size_t i = 0; names[i]; i++)
        if (strcmp(s, names[i]) == 0) {
            *out = (int)i;
            return F3_OK;
        }
    char list[256];
    join_names(names, ", ", list, sizeof list);
    return F3_FAIL(F3_EINVAL, "unknown %s '%s' (expected one of: %s)", what, s, list);
}

#define PARSER(fn, type, what, table)                                                      \
    f3_status fn(const char *s, type *out)                                                 \
    {                                                                                      \
        int v = 0;                                                                         \
        f3_status st = parse_name(what, s, table, &v);                                     \
        if (st == F3_OK) *out = (type)v;                                                   \
        return st;                                                                         \
    }
PARSER(f3_parse_algorithm, f3_algorithm, "algorithm", f3_algorithm_names)
PARSER(f3_parse_loss, f3_loss, "loss", f3_loss_names)
PARSER(f3_parse_activation, f3_activation, "activation", f3_activation_names)
PARSER(f3_parse_feedback_init, f3_feedback_init, "feedback initialisation", f3_feedback_init_names)
PARSER(f3_parse_optimizer, f3_optimizer, "optimizer", f3_optimizer_names)

void f3_error_info_name(f3_error_info e, char *buf, size_t len)
{
    size_t i = (e.kind == F3_EI_LOSS ? 3u : 0u) + (e.one_hot ? 1u : e.softmax ? 2u : 0u);
    snprintf(buf, len, "%s", f3_error_info_names[i]);
}

f3_status f3_parse_error_info(const char *s, f3_error_info *out)
{
    int v = 0;
    f3_status st = parse_name("error information", s, f3_error_info_names, &v);
    if (st != F3_OK) return st;
    out->kind = v >= 3 ? F3_EI_LOSS : F3_EI_ERROR;
    out->one_hot = v % 3 == 1;
    out->softmax = v % 3 == 2;
    return F3_OK;
}

/* ---- allocation ---------------------------------------------------------- */

size_t f3_parameter_count(const f3_config *cfg)
{
    size_t n = 0;
    for (size_t i = 1; i <= cfg->n_layers; i++)
        n += cfg->widths[i] * cfg->widths[i - 1] + (cfg->bias ? cfg->widths[i] : 0);
    return n;
}

/* Lay `count` floats at `ptr` in the block at base (or only count them
 * when base is NULL); used by the two lay-out functions below. */
#define TAKE(ptr, count)                                                                   \
    do {                                                                                   \
        if (base) (ptr) = base + off;                                                      \
        off += (count);                                                                    \
    } while (0)

/* Lay the arrays of every layer into one block (or, with base == NULL,
 * only count the floats needed). */
static size_t lay_out_params(f3_trainer *tr, float *base)
{
    const f3_config *cfg = &tr->cfg;
    const size_t K = cfg->n_layers, C = cfg->widths[K];
    size_t off = 0;
    for (size_t i = 0; i < K; i++) {
        f3_layer *L = &tr->layers[i];
        const f3_layer_memory m = f3_layer_memory_plan(cfg, i);
        const size_t nw = m.weights, nb = m.biases;
        TAKE(L->W, nw);
        if (nb) TAKE(L->b, nb);
        if (m.gradients) {
            TAKE(L->dW, nw);
            if (nb) TAKE(L->db, nb);
        }
        if (m.optimizer_state) {
            TAKE(L->mW, nw);
            TAKE(L->vW, nw);
            if (nb) {
                TAKE(L->mb, nb);
                TAKE(L->vb, nb);
            }
        }
        if (m.feedback) TAKE(L->B, m.feedback);
    }
    if (cfg->algorithm == F3_ALG_F3) TAKE(tr->error_store, tr->n_train * C);
    return off;
}

static size_t lay_out_workspace(f3_trainer *tr, float *base)
{
    const f3_config *cfg = &tr->cfg;
    const size_t K = cfg->n_layers, C = cfg->widths[K], R = tr->ws_rows;
    size_t maxn = 0, stash = 0;
    for (size_t i = 0; i <= K; i++) maxn = cfg->widths[i] > maxn ? cfg->widths[i] : maxn;
    for (size_t i = 1; i < K; i++) stash += cfg->widths[i];
    size_t off = 0;
    TAKE(tr->ws_h[0], R * maxn);
    TAKE(tr->ws_h[1], R * maxn);
    TAKE(tr->ws_d, R * maxn);
    TAKE(tr->ws_d2, R * maxn);
    TAKE(tr->ws_e, R * C);
    TAKE(tr->ws_es, R);
    if (f3_needs_stash(cfg->algorithm)) TAKE(tr->ws_stash, tr->cfg.batch_size * stash);
    return off;
}

static void init_uniform(gsl_rng *r, float *x, size_t n, double bound)
{
    for (size_t i = 0; i < n; i++) x[i] = (float)((2.0 * gsl_rng_uniform(r) - 1.0) * bound);
}

/* B: (C, n).  See f3_feedback_init. */
static void init_feedback(gsl_rng *r, f3_feedback_init how, float *B, size_t C, size_t n)
{
    switch (how) {
    case F3_FB_KAIMING_UNIFORM:
        /* gain √2, fan-in = n (columns of the C×n matrix): bound √2·√(3/n) */
        init_uniform(r, B, C * n, sqrt(6.0 / (double)n));
        break;
    case F3_FB_TRINOMIAL:
        for (size_t i = 0; i < C * n; i++) B[i] = (float)((int)gsl_rng_uniform_int(r, 3) - 1);
        break;
    case F3_FB_BINOMIAL:
        for (size_t i = 0; i < C * n; i++) B[i] = (float)gsl_rng_uniform_int(r, 2);
        break;
    case F3_FB_PM_IDENTITY:
        /* I repeated along the longer side; the k-th repetition has sign (−1)^k */
        for (size_t q = 0; q < C; q++)
            for (size_t j = 0; j < n; j++) {
                size_t small = C < n ? C : n;
                size_t a = C < n ? q : j, lng = C < n ? j : q;
                int on = lng % small == a;
                int sign = (lng / small) % 2 ? -1 : 1;
                B[q * n + j] = on ? (float)sign : 0.0f;
            }
        break;
    }
}

static int numerics_alloc(f3_trainer *tr);
static void numerics_free(f3_trainer *tr);
static void quantize(f3_trainer *tr, f3_tensor t, size_t where, float *x, size_t n);

f3_status f3_trainer_alloc(const f3_config *cfg, f3_task task, size_t n_train,
                           f3_trainer **out)
{
    *out = NULL;
    f3_status st = f3_config_validate(cfg, task);
    if (st != F3_OK) return st;
    if (cfg->algorithm == F3_ALG_F3 && n_train == 0)
        return F3_FAIL(F3_EINVAL, "f3 needs the number of training samples for its error store");
    f3_trainer *tr = calloc(1, sizeof *tr);
    gsl_rng *rw = NULL, *rb = NULL;
    if (!tr) return F3_FAIL(F3_ENOMEM, "trainer: out of memory");
    tr->cfg = *cfg;
    const size_t K = cfg->n_layers;
    tr->C = cfg->widths[K];
    tr->n_train = n_train;
    tr->ws_rows = cfg->batch_size > EVAL_ROWS ? cfg->batch_size : EVAL_ROWS;
    tr->layers = calloc(K, sizeof *tr->layers);
    if (!tr->layers) goto nomem;
    for (size_t i = 0; i < K; i++) {
        tr->layers[i].n_in = cfg->widths[i];
        tr->layers[i].n_out = cfg->widths[i + 1];
    }
    size_t np = lay_out_params(tr, NULL), nws = lay_out_workspace(tr, NULL);
    tr->block = calloc(np, sizeof(float));
    tr->ws_block = calloc(nws, sizeof(float));
    if (!tr->block || !tr->ws_block) goto nomem;
    lay_out_params(tr, tr->block);
    lay_out_workspace(tr, tr->ws_block);
    st = f3_ledger_alloc(K, &tr->ledger);
    if (st != F3_OK) goto fail;

    if (numerics_alloc(tr)) goto nomem;
    rw = stream_rng(cfg->seed, STREAM_WEIGHTS, 0);
    rb = stream_rng(cfg->seed, STREAM_FEEDBACK, 0);
    if (!rw || !rb) goto nomem;
    for (size_t i = 0; i < K; i++) {
        f3_layer *L = &tr->layers[i];
        double bound = 1.0 / sqrt((double)L->n_in);
        init_uniform(rw, L->W, L->n_out * L->n_in, bound);
        if (L->b) init_uniform(rw, L->b, L->n_out, bound);
        if (L->B) init_feedback(rb, cfg->feedback_init, L->B, tr->C, L->n_out);
        /* as the chip stores them */
        quantize(tr, F3_T_WEIGHTS, i, L->W, L->n_out * L->n_in);
        if (L->b) quantize(tr, F3_T_WEIGHTS, i, L->b, L->n_out);
        if (L->B) quantize(tr, F3_T_FEEDBACK, i, L->B, tr->C * L->n_out);
    }
    gsl_rng_free(rw);
    gsl_rng_free(rb);
    if (tr->error_store) f3_ledger_err_live(tr->ledger, (int64_t)(n_train * tr->C));
    *out = tr;
    return F3_OK;
nomem:
    st = F3_FAIL(F3_ENOMEM, "trainer: out of memory for a %zu-layer network", K);
fail:
    gsl_rng_free(rw);
    gsl_rng_free(rb);
    f3_trainer_free(tr);
    return st;
}

void f3_trainer_free(f3_trainer *tr)
{
    if (!tr) return;
    numerics_free(tr);
    f3_ledger_free(tr->ledger);
    free(tr->block);
    free(tr->ws_block);
    free(tr->layers);
    free(tr);
}

/* ---- number formats ------------------------------------------------------- */

/* The stream of stochastic rounding of tensor t at `where`: layer 0…K−1,
 * K for the inputs, K+1 for the error information read or computed once
 * per batch; NULL for round-to-nearest (no draws). */
static gsl_rng *qstream(const f3_trainer *tr, f3_tensor t, size_t where)
{
    if (!tr->qrng || tr->cfg.numerics.fmt[t].rounding != F3_ROUND_STOCHASTIC) return NULL;
    return tr->qrng[t * (tr->cfg.n_layers + 2) + where];
}

/* Quantise n values of tensor class t where the hardware stores or sends
 * them (nothing for fp32), counting them, their saturations and their
 * underflows. */
static void quantize(f3_trainer *tr, f3_tensor t, size_t where, float *x, size_t n)
{
    const f3_format *f = &tr->cfg.numerics.fmt[t];
    if (f->kind == F3_FMT_FP32) return;
    uint64_t under = 0, sat = f3_quantize_counted(f, x, n, qstream(tr, t, where), &under);
    tr->quantized_values[t] += n;
    tr->saturations[t] += sat;
    tr->underflows[t] += under;
    uint64_t *c = tr->site_counts + 3 * ((size_t)t * (tr->cfg.n_layers + 2) + where);
    c[0] += n, c[1] += sat, c[2] += under;
}

/* Quantise n doubles (an exact result) into floats: the double is first
 * rounded to float (exact for every ≤ 24-bit result in range), then to
 * the format. */
static void requantize(f3_trainer *tr, f3_tensor t, size_t where, const double *v, float *out, size_t n)
{
    for (size_t k = 0; k < n; k++) out[k] = (float)v[k];
    quantize(tr, t, where, out, n);
}

/* Evaluation and e_0: round to nearest, no draws, no saturation count. */
static void quantize_nearest(f3_trainer *tr, f3_tensor t, float *x, size_t n)
{
    f3_format f = tr->cfg.numerics.fmt[t];
    f.rounding = F3_ROUND_NEAREST_EVEN;
    f3_quantize(&f, x, n, NULL);
}

uint64_t f3_trainer_requantize_params(f3_trainer *tr)
{
    uint64_t sat = 0;
    for (size_t i = 0; i < tr->cfg.n_layers; i++) {
        f3_layer *L = &tr->layers[i];
        float *p[3] = {L->W, L->b, L->B};
        size_t n[3] = {L->n_out * L->n_in, L->n_out, tr->C * L->n_out};
        for (int k = 0; k < 3; k++) {
            f3_tensor t = k == 2 ? F3_T_FEEDBACK : F3_T_WEIGHTS;
            f3_format f = tr->cfg.numerics.fmt[t];
            if (!p[k] || f.kind == F3_FMT_FP32) continue;
            f.rounding = F3_ROUND_NEAREST_EVEN;
            uint64_t s = f3_quantize(&f, p[k], n[k], NULL);
            tr->saturations[t] += s;
            sat += s;
        }
    }
    return sat;
}

static int is_fixed(const f3_config *cfg, f3_tensor t) { return cfg->numerics.fmt[t].kind == F3_FMT_FIXED; }

int f3_config_fixed_mode(const f3_config *cfg)
{
    return is_fixed(cfg, F3_T_WEIGHTS) && is_fixed(cfg, F3_T_ACTIVATIONS) && is_fixed(cfg, F3_T_ERROR) &&
           is_fixed(cfg, F3_T_GRADIENTS) && (!f3_uses_feedback_matrix(cfg->algorithm) || is_fixed(cfg, F3_T_FEEDBACK));
}

/* Set up the number formats of a new trainer (streams, mode, tables,
 * scratch); 0 on success. */
static int numerics_alloc(f3_trainer *tr)
{
    const f3_config *cfg = &tr->cfg;
    const size_t K = cfg->n_layers;
    tr->quantized = !f3_numerics_is_fp32(&cfg->numerics);
    if (!tr->quantized) return 0;
    tr->site_counts = calloc((size_t)F3_T_COUNT * (K + 2) * 3, sizeof *tr->site_counts);
    if (!tr->site_counts) return 1;
    int sr = 0;
    for (int t = 0; t < F3_T_COUNT; t++) sr |= cfg->numerics.fmt[t].rounding == F3_ROUND_STOCHASTIC;
    if (sr) {
        tr->qrng = calloc((size_t)F3_T_COUNT * (K + 2), sizeof *tr->qrng);
        if (!tr->qrng) return 1;
        for (int t = 0; t < F3_T_COUNT; t++)
            for (size_t w = 0; w < K + 2; w++)
                if (!(tr->qrng[t * (K + 2) + w] = stream_rng(cfg->seed, STREAM_QUANTIZE + (uint64_t)t, w))) return 1;
    }
    tr->fixed_mode = f3_config_fixed_mode(cfg);
    size_t maxn = 0;
    for (size_t i = 0; i <= K; i++) maxn = cfg->widths[i] > maxn ? cfg->widths[i] : maxn;
    tr->ws_x = malloc(tr->ws_rows * cfg->widths[0] * sizeof(float));
    if (!tr->ws_x) return 1;
    if (!tr->fixed_mode) return 0;
    for (int k = 0; k < 2; k++) {
        tr->act_table[k] = malloc(sizeof *tr->act_table[k]);
        if (!tr->act_table[k]) return 1;
        f3_act_table_init(tr->act_table[k], k ? cfg->output_act : cfg->hidden_act, &cfg->numerics.fmt[F3_T_ACTIVATIONS]);
    }
    /* the exact GEMM's operands as doubles and its result: at most
     * rows·n + n·n, n·n + n·rows, and max(rows, n)·n doubles */
    size_t R = tr->ws_rows > maxn ? tr->ws_rows : maxn;
    tr->ws_q = malloc((3 * R * maxn + maxn * maxn) * sizeof(double));
    return tr->ws_q ? 0 : 1;
}

static void numerics_free(f3_trainer *tr)
{
    if (tr->qrng)
        for (size_t k = 0; k < (size_t)F3_T_COUNT * (tr->cfg.n_layers + 2); k++) gsl_rng_free(tr->qrng[k]);
    free(tr->qrng);
    free(tr->site_counts);
    free(tr->act_table[0]);
    free(tr->act_table[1]);
    free(tr->ws_q);
    free(tr->ws_x);
}

/* The double result area of the fixed path (after the GEMM scratch). */
static double *q_result(f3_trainer *tr, size_t scratch)
{
    return tr->ws_q + scratch;
}

void f3_quantize_inputs(f3_trainer *tr, float *x, size_t b)
{
    quantize(tr, F3_T_ACTIVATIONS, tr->cfg.n_layers, x, b * tr->cfg.widths[0]);
}

/* ---- steps ------------------------------------------------------------------ */

static f3_counts *at(f3_trainer *tr, size_t layer, f3_phase p)
{
    return f3_ledger_at(tr->ledger, layer, p);
}

/* SGD into a quantised format: p = q(p − η·g), the difference in double. */
static void sgd_quantized(f3_trainer *tr, size_t i, float *p, const float *g, size_t n, f3_memclass cls,
                          f3_counts *c)
{
    const double lr = (float)tr->cfg.lr;
    for (size_t k = 0; k < n; k++) p[k] = (float)((double)p[k] - lr * (double)g[k]);
    quantize(tr, F3_T_WEIGHTS, i, p, n);
    f3_count_sgd(c, n, cls);
}

/* compiled for AVX-512, AVX2 and baseline x86-64 as the kernels are
 * (kernels.c): the scans cost 1.6-2 % of fp32 MNIST 784-500-10 training
 * (from 4.8 % compiled for baseline x86-64 alone) */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__SANITIZE_ADDRESS__)
__attribute__((target_clones("avx512f", "avx2", "default")))
#endif
int f3_all_finite(const float *x, size_t n)
{
    /* a value is not finite when its exponent bits are all ones; OR-ing the
     * comparisons (not summing floats) lets the loop vectorise */
    uint32_t bad = 0;
    for (size_t k = 0; k < n; k++) {
        uint32_t u;
        memcpy(&u, x + k, sizeof u);
        bad |= (u & 0x7f800000u) == 0x7f800000u;
    }
    return !bad;
}

/* After layer i's optimiser step: note the first layer whose parameters are
 * no longer finite. */
static void check_finite(f3_trainer *tr, size_t i)
{
    const f3_layer *L = &tr->layers[i];
    if (tr->diverged_layer) return;
    if (!f3_all_finite(L->W, L->n_in * L->n_out) || (L->b && !f3_all_finite(L->b, L->n_out))) {
        tr->diverged_layer = i + 1;
        tr->diverged_step = L->steps;
    }
}

static int layer_update(f3_trainer *tr, size_t i);

/* One fp32 optimiser step (Adam or SGD) over n parameters of class cls.
 * Returns 1 if every new parameter is finite (checked in the same pass). */
static int optimizer_step(f3_trainer *tr, float *p, const float *g, float *m, float *v, size_t n, uint64_t t,
                          f3_memclass cls, f3_counts *c)
{
    const f3_config *cfg = &tr->cfg;
    if (cfg->optimizer == F3_OPT_SGD) return f3_sgd_update(p, g, n, (float)cfg->lr, cls, c);
    return f3_adam_update(p, g, m, v, n, cfg->lr, cfg->beta1, cfg->beta2, cfg->eps, t, cls, c);
}

/* Note layer i's finiteness after its optimiser step: 1 or 0 as the step
 * found it, −1 to scan the parameters. */
static void note_finite(f3_trainer *tr, size_t i, int finite)
{
    if (finite < 0) {
        check_finite(tr, i);
    } else if (!finite && !tr->diverged_layer) {
        tr->diverged_layer = i + 1;
        tr->diverged_step = tr->layers[i].steps;
    }
}

void f3_layer_update(f3_trainer *tr, size_t i)
{
    note_finite(tr, i, layer_update(tr, i));
}

/* The optimiser step of layer i.  Returns 1 or 0 when the step itself found
 * every new parameter finite or not (fp32 weights: nothing rounds them after
 * it), −1 when the caller must scan them (check_finite). */
static int layer_update(f3_trainer *tr, size_t i)
{
    f3_layer *L = &tr->layers[i];
    const f3_config *cfg = &tr->cfg;
    f3_counts *cu = at(tr, i, F3_PH_UPDATE);
    size_t nw = L->n_in * L->n_out;
    L->steps++;
    if (cfg->optimizer == F3_OPT_SGD && !f3_format_is_fp32(&cfg->numerics.fmt[F3_T_WEIGHTS])) {
        /* W − η·g in double, rounded once to the weights' format */
        sgd_quantized(tr, i, L->W, L->dW, nw, F3_MEM_WEIGHTS, cu);
        if (L->b) sgd_quantized(tr, i, L->b, L->db, L->n_out, F3_MEM_BIASES, cu);
        return -1;
    }
    int finite = optimizer_step(tr, L->W, L->dW, L->mW, L->vW, nw, L->steps, F3_MEM_WEIGHTS, cu);
    if (L->b) finite &= optimizer_step(tr, L->b, L->db, L->mb, L->vb, L->n_out, L->steps, F3_MEM_BIASES, cu);
    if (cfg->optimizer == F3_OPT_SGD) return finite;
    /* Adam in fp32; its state and the weights stored in their formats */
    quantize(tr, F3_T_OPTIMIZER, i, L->mW, nw);
    quantize(tr, F3_T_OPTIMIZER, i, L->vW, nw);
    quantize(tr, F3_T_WEIGHTS, i, L->W, nw);
    if (L->b) {
        quantize(tr, F3_T_OPTIMIZER, i, L->mb, L->n_out);
        quantize(tr, F3_T_OPTIMIZER, i, L->vb, L->n_out);
        quantize(tr, F3_T_WEIGHTS, i, L->b, L->n_out);
    }
    /* rounding may have made weights infinite: scan them */
    return f3_format_is_fp32(&cfg->numerics.fmt[F3_T_WEIGHTS]) ? finite : -1;
}

void f3_layer_gradient(f3_trainer *tr, size_t i, const float *dZ, const float *h,
                       f3_memclass h_class, size_t b)
{
    f3_layer *L = &tr->layers[i];
    const f3_numerics *nm = &tr->cfg.numerics;
    if (tr->fixed_mode) {
        /* δW = δZᵀ H and δb = Σ δz exactly, rounded once to the gradients' format */
        const size_t no = L->n_out, ni = L->n_in;
        double *dw = q_result(tr, (no * b + b * ni)), *db = dw + no * ni;
        f3_gemm_exact(1, 0, no, ni, b, dZ, no, h, ni, dw, &nm->fmt[F3_T_ERROR], &nm->fmt[F3_T_ACTIVATIONS], tr->ws_q);
        requantize(tr, F3_T_GRADIENTS, i, dw, L->dW, no * ni);
        if (L->db) {
            for (size_t j = 0; j < no; j++) db[j] = 0.0;
            for (size_t k = 0; k < b; k++)
                for (size_t j = 0; j < no; j++) db[j] += dZ[k * no + j];
            requantize(tr, F3_T_GRADIENTS, i, db, L->db, no);
        }
        f3_count_gradient(at(tr, i, F3_PH_GRADIENT), b, ni, no, L->db != NULL, 0, h_class);
        return;
    }
    f3_dense_gradient(dZ, h, L->dW, L->db, b, L->n_in, L->n_out, 0, h_class,
                      at(tr, i, F3_PH_GRADIENT));
    quantize(tr, F3_T_GRADIENTS, i, L->dW, L->n_in * L->n_out);
    if (L->db) quantize(tr, F3_T_GRADIENTS, i, L->db, L->n_out);
}

static void train_layer(f3_trainer *tr, size_t i, const float *dZ, const float *h,
                        f3_memclass h_class, size_t b)
{
    f3_layer_gradient(tr, i, dZ, h, h_class, b);
    f3_layer_update(tr, i);
}

/* Fixed mode: z = W h + b exactly, then the activation table; the caller
 * quantises the result to the activation format. */
static void forward_fixed(f3_trainer *tr, size_t i, const float *h, float *out, size_t b)
{
    const f3_layer *L = &tr->layers[i];
    const f3_numerics *nm = &tr->cfg.numerics;
    const size_t ni = L->n_in, no = L->n_out;
    double *z = q_result(tr, b * ni + ni * no);
    f3_gemm_exact(0, 1, b, no, ni, h, ni, L->W, ni, z, &nm->fmt[F3_T_ACTIVATIONS], &nm->fmt[F3_T_WEIGHTS], tr->ws_q);
    const f3_act_table *t = tr->act_table[i + 1 == tr->cfg.n_layers];
    for (size_t k = 0; k < b; k++)
        for (size_t j = 0; j < no; j++) {
            double v = z[k * no + j] + (L->b ? (double)L->b[j] : 0.0);
            out[k * no + j] = (float)f3_act_table_eval(t, v);
        }
}

void f3_layer_forward(f3_trainer *tr, size_t i, const float *h, float *out,
                      f3_memclass in_class, f3_memclass out_class, size_t b)
{
    const f3_layer *L = &tr->layers[i];
    f3_activation f = i + 1 == tr->cfg.n_layers ? tr->cfg.output_act : tr->cfg.hidden_act;
    if (tr->fixed_mode) {
        forward_fixed(tr, i, h, out, b);
        f3_count_forward(at(tr, i, F3_PH_FORWARD), b, L->n_in, L->n_out, L->b != NULL, f, in_class, out_class);
    } else {
        f3_dense_forward(L->W, L->b, h, out, b, L->n_in, L->n_out, f, in_class, out_class,
                         at(tr, i, F3_PH_FORWARD));
    }
    /* h_i as it leaves the layer */
    quantize(tr, F3_T_ACTIVATIONS, i, out, b * L->n_out);
}

void f3_output_layer(f3_trainer *tr, const float *Y, const float *t, const int32_t *labels,
                     float *dZ, size_t b, f3_stats *st)
{
    double loss = 0.0;
    size_t correct = 0;
    f3_output_delta(tr->cfg.loss, tr->cfg.output_act, Y, t, labels, dZ, b, tr->C, &loss,
                    &correct, at(tr, tr->cfg.n_layers - 1, F3_PH_LOSS));
    quantize(tr, F3_T_ERROR, tr->cfg.n_layers - 1, dZ, b * tr->C);
    if (st) {
        st->loss_sum += loss;
        st->correct += correct;
        st->samples += b;
    }
}

void f3_read_error_store(f3_trainer *tr, const int32_t *labels, const size_t *idx, size_t b,
                         float *E, float *es)
{
    const size_t C = tr->C;
    f3_counts *c = at(tr, 0, F3_PH_FEEDBACK);
    if (tr->cfg.error_info.one_hot) {
        /* e ⊙ y*: only the target-class entry is read */
        for (size_t k = 0; k < b; k++) es[k] = tr->error_store[idx[k] * C + (size_t)labels[k]];
        c->reads[F3_MEM_ERRSTORE] += b;
        quantize(tr, F3_T_ERROR, tr->cfg.n_layers + 1, es, b);
    } else {
        for (size_t k = 0; k < b; k++) memcpy(E + k * C, tr->error_store + idx[k] * C, C * sizeof(float));
        c->reads[F3_MEM_ERRSTORE] += (uint64_t)b * C;
        quantize(tr, F3_T_ERROR, tr->cfg.n_layers + 1, E, b * C);
    }
}

void f3_write_error_store(f3_trainer *tr, const float *y, const float *t, const size_t *idx,
                          float *E, size_t b)
{
    const size_t C = tr->C;
    f3_counts *cl = at(tr, tr->cfg.n_layers - 1, F3_PH_LOSS);
    f3_error_information(tr->cfg.error_info, tr->cfg.loss, y, t, E, b, C, cl);
    quantize(tr, F3_T_ERROR_STORE, tr->cfg.n_layers - 1, E, b * C);
    for (size_t k = 0; k < b; k++) memcpy(tr->error_store + idx[k] * C, E + k * C, C * sizeof(float));
    cl->writes[F3_MEM_ERRSTORE] += (uint64_t)b * C;
}

void f3_current_error(f3_trainer *tr, const float *y, const float *t, float *E, size_t b)
{
    f3_error_info cur = {F3_EI_ERROR, 0, 0};
    f3_error_information(cur, tr->cfg.loss, y, t, E, b, tr->C, at(tr, tr->cfg.n_layers - 1, F3_PH_LOSS));
    quantize(tr, F3_T_ERROR, tr->cfg.n_layers + 1, E, b * tr->C);
}

/* Fixed mode: δh (exact, in dh) rounded to the error format, then
 * δz = δh · f'(h) in double, rounded to the error format (into dZ). */
static void derivative_fixed(f3_trainer *tr, size_t i, double *dh, const float *h, float *dZ, size_t n,
                             f3_memclass h_class, f3_counts *c)
{
    requantize(tr, F3_T_ERROR, i, dh, dZ, n);
    for (size_t k = 0; k < n; k++) dh[k] = (double)dZ[k] * f3_act_derivative_of_output(tr->cfg.hidden_act, h[k]);
    requantize(tr, F3_T_ERROR, i, dh, dZ, n);
    f3_count_act_backward(c, tr->cfg.hidden_act, n, h_class);
}

void f3_layer_direct_feedback(f3_trainer *tr, size_t i, const float *E, const float *es,
                              const int32_t *labels, const float *h, f3_memclass h_class,
                              float *dZ, size_t b)
{
    const f3_layer *L = &tr->layers[i];
    f3_counts *c = at(tr, i, F3_PH_FEEDBACK);
    if (tr->fixed_mode) {
        const f3_numerics *nm = &tr->cfg.numerics;
        const size_t n = L->n_out, C = tr->C;
        double *dh = q_result(tr, b * C + C * n);
        if (es) {
            for (size_t k = 0; k < b; k++)
                for (size_t j = 0; j < n; j++) dh[k * n + j] = (double)es[k] * L->B[(size_t)labels[k] * n + j];
            f3_count_feedback(c, b, C, n, F3_MEM_WORK, 1);
        } else {
            f3_gemm_exact(0, 0, b, n, C, E, C, L->B, n, dh, &nm->fmt[F3_T_ERROR], &nm->fmt[F3_T_FEEDBACK], tr->ws_q);
            f3_count_feedback(c, b, C, n, F3_MEM_WORK, 0);
        }
        derivative_fixed(tr, i, dh, h, dZ, b * n, h_class, c);
        return;
    }
    if (es)
        f3_feedback_onehot(es, labels, L->B, dZ, b, L->n_out, F3_MEM_WORK, c);
    else
        f3_feedback_dense(E, L->B, dZ, b, tr->C, L->n_out, F3_MEM_WORK, c);
    f3_act_backward(tr->cfg.hidden_act, h, dZ, dZ, b * L->n_out, h_class, c);
    quantize(tr, F3_T_ERROR, i, dZ, b * L->n_out);
}

void f3_layer_backprop(f3_trainer *tr, size_t i, const float *dZ, const float *h_prev,
                       float *dZ_prev, size_t b)
{
    const f3_layer *L = &tr->layers[i];
    f3_counts *c = at(tr, i - 1, F3_PH_FEEDBACK);
    if (tr->fixed_mode) {
        const f3_numerics *nm = &tr->cfg.numerics;
        double *dh = q_result(tr, b * L->n_out + L->n_out * L->n_in);
        f3_gemm_exact(0, 0, b, L->n_in, L->n_out, dZ, L->n_out, L->W, L->n_in, dh, &nm->fmt[F3_T_ERROR],
                      &nm->fmt[F3_T_WEIGHTS], tr->ws_q);
        f3_count_backprop(c, b, L->n_in, L->n_out);
        derivative_fixed(tr, i - 1, dh, h_prev, dZ_prev, b * L->n_in, F3_MEM_ACTBUF, c);
        return;
    }
    f3_backprop_dh(dZ, L->W, dZ_prev, b, L->n_in, L->n_out, c);
    f3_act_backward(tr->cfg.hidden_act, h_prev, dZ_prev, dZ_prev, b * L->n_in, F3_MEM_ACTBUF, c);
    quantize(tr, F3_T_ERROR, i - 1, dZ_prev, b * L->n_in);
}

/* F³, DRTP, LLO: Algorithm 1, one forward sweep, no activation kept. */
static void step_forward_only(f3_trainer *tr, const float *x, const float *t,
                              const int32_t *labels, const size_t *idx, size_t b, f3_stats *st)
{
    const f3_config *cfg = &tr->cfg;
    const size_t K = cfg->n_layers;
    const float *E = t, *es = NULL; /* DRTP: e = y* */
    if (cfg->algorithm == F3_ALG_F3) {
        f3_read_error_store(tr, labels, idx, b, tr->ws_e, tr->ws_es);
        E = tr->ws_e;
        if (cfg->error_info.one_hot) es = tr->ws_es;
    }
    const float *h = x;
    f3_memclass h_class = F3_MEM_INPUTS;
    for (size_t i = 0; i < K; i++) {
        float *out = tr->ws_h[i % 2];
        f3_layer_forward(tr, i, h, out, h_class, F3_MEM_WORK, b);
        if (i + 1 < K) {
            if (f3_layer_trains(cfg, i)) {
                f3_layer_direct_feedback(tr, i, E, es, labels, out, F3_MEM_WORK, tr->ws_d, b);
                train_layer(tr, i, tr->ws_d, h, h_class, b);
            }
        } else {
            f3_output_layer(tr, out, t, labels, tr->ws_d, b, st);
            /* e_t from the output before the optimiser step, stored by each
             * sample's index in the data set */
            if (cfg->algorithm == F3_ALG_F3) f3_write_error_store(tr, out, t, idx, tr->ws_e, b);
            train_layer(tr, i, tr->ws_d, h, h_class, b);
        }
        h = out;
        h_class = F3_MEM_WORK;
    }
}

/* Offsets of h_1 … h_{K−1} in the activation stash (BP, DFA). */
static float *stash_at(f3_trainer *tr, size_t i, size_t b)
{
    size_t off = 0;
    for (size_t j = 1; j <= i; j++) off += tr->cfg.widths[j];
    return tr->ws_stash + off * b; /* (b, n_{i+1}) for 0-based layer i */
}

/* Forward through every layer, keeping h_1 … h_{K−1}; returns y. */
static float *forward_stash(f3_trainer *tr, const float *x, size_t b)
{
    const size_t K = tr->cfg.n_layers;
    const float *h = x;
    f3_memclass h_class = F3_MEM_INPUTS;
    for (size_t i = 0; i < K; i++) {
        float *out = i + 1 < K ? stash_at(tr, i, b) : tr->ws_h[0];
        f3_memclass out_class = i + 1 < K ? F3_MEM_ACTBUF : F3_MEM_WORK;
        f3_layer_forward(tr, i, h, out, h_class, out_class, b);
        if (i + 1 < K) f3_ledger_act_live(tr->ledger, (int64_t)(b * tr->layers[i].n_out));
        h = out;
        h_class = F3_MEM_ACTBUF;
    }
    return tr->ws_h[0];
}

static void step_bp(f3_trainer *tr, const float *x, const float *t, const int32_t *labels,
                    size_t b, f3_stats *st)
{
    const size_t K = tr->cfg.n_layers;
    float *y = forward_stash(tr, x, b);
    float *dz = tr->ws_d, *other = tr->ws_d2;
    f3_output_layer(tr, y, t, labels, dz, b, st);
    for (size_t i = K; i-- > 0;) {
        const float *h = i ? stash_at(tr, i - 1, b) : x;
        f3_memclass h_class = i ? F3_MEM_ACTBUF : F3_MEM_INPUTS;
        /* δW_i first, then δh_{i−1} = W_i^T δz_i with W_i before its update
         * (counted in layer i−1's feedback phase, as Appendix A does) */
        f3_layer_gradient(tr, i, dz, h, h_class, b);
        if (i > 0) {
            f3_layer_backprop(tr, i, dz, h, other, b);
            f3_ledger_act_live(tr->ledger, -(int64_t)(b * tr->layers[i].n_in));
        }
        f3_layer_update(tr, i);
        float *tmp = dz;
        dz = other;
        other = tmp;
    }
}

static void step_dfa(f3_trainer *tr, const float *x, const float *t, const int32_t *labels,
                     size_t b, f3_stats *st)
{
    const size_t K = tr->cfg.n_layers;
    float *y = forward_stash(tr, x, b);
    f3_output_layer(tr, y, t, labels, tr->ws_d, b, st);
    /* the current error e = y* − y, broadcast to every hidden layer */
    f3_current_error(tr, y, t, tr->ws_e, b);
    train_layer(tr, K - 1, tr->ws_d, K > 1 ? stash_at(tr, K - 2, b) : x,
                K > 1 ? F3_MEM_ACTBUF : F3_MEM_INPUTS, b);
    for (size_t i = 0; i + 1 < K; i++) {
        const float *h = i ? stash_at(tr, i - 1, b) : x;
        f3_memclass h_class = i ? F3_MEM_ACTBUF : F3_MEM_INPUTS;
        f3_layer_direct_feedback(tr, i, tr->ws_e, NULL, labels, stash_at(tr, i, b), F3_MEM_ACTBUF, tr->ws_d, b);
        train_layer(tr, i, tr->ws_d, h, h_class, b);
        if (i > 0) f3_ledger_act_live(tr->ledger, -(int64_t)(b * tr->layers[i - 1].n_out));
    }
    if (K > 1) f3_ledger_act_live(tr->ledger, -(int64_t)(b * tr->layers[K - 2].n_out));
}

f3_status f3_train_step(f3_trainer *tr, const float *x, const float *t,
                        const int32_t *labels, const size_t *idx, size_t b, f3_stats *st)
{
    const f3_config *cfg = &tr->cfg;
    if (b == 0 || b > cfg->batch_size)
        return F3_FAIL(F3_EINVAL, "a batch must hold 1 to %zu samples, got %zu", cfg->batch_size, b);
    if (cfg->algorithm == F3_ALG_F3) {
        for (size_t k = 0; k < b; k++) {
            if (idx[k] >= tr->n_train)
                return F3_FAIL(F3_ERANGE, "sample index %zu is outside the error store (%zu samples)",
                               idx[k], tr->n_train);
            if (cfg->error_info.one_hot && (labels[k] < 0 || (size_t)labels[k] >= tr->C))
                return F3_FAIL(F3_ERANGE, "one-hot error information needs a class label in [0, %zu), got %d",
                               tr->C, labels[k]);
        }
    }
    if (!f3_format_is_fp32(&cfg->numerics.fmt[F3_T_ACTIVATIONS])) {
        memcpy(tr->ws_x, x, b * cfg->widths[0] * sizeof *x);
        f3_quantize_inputs(tr, tr->ws_x, b);
        x = tr->ws_x;
    }
    switch (cfg->algorithm) {
    case F3_ALG_BP: step_bp(tr, x, t, labels, b, st); break;
    case F3_ALG_DFA: step_dfa(tr, x, t, labels, b, st); break;
    case F3_ALG_F3:
    case F3_ALG_DRTP:
    case F3_ALG_LLO: step_forward_only(tr, x, t, labels, idx, b, st); break;
    }
    f3_ledger_count_step(tr->ledger, b);
    if (tr->diverged_layer)
        return F3_FAIL(F3_ERANGE, "layer %zu's weights are not finite after its optimiser step %llu",
                       tr->diverged_layer, (unsigned long long)tr->diverged_step);
    return F3_OK;
}

/* ---- evaluation, e_0 ---------------------------------------------------- */

/* Forward a chunk without counting; returns y (b, C). */
static float *infer(f3_trainer *tr, float *x, size_t b)
{
    quantize_nearest(tr, F3_T_ACTIVATIONS, x, b * tr->cfg.widths[0]);
    const float *h = x;
    for (size_t i = 0; i < tr->cfg.n_layers; i++) {
        float *out = tr->ws_h[i % 2];
        const f3_layer *L = &tr->layers[i];
        f3_activation f = i + 1 == tr->cfg.n_layers ? tr->cfg.output_act : tr->cfg.hidden_act;
        if (tr->fixed_mode)
            forward_fixed(tr, i, h, out, b);
        else
            f3_dense_forward(L->W, L->b, h, out, b, L->n_in, L->n_out, f, F3_MEM_WORK, F3_MEM_WORK, NULL);
        quantize_nearest(tr, F3_T_ACTIVATIONS, out, b * L->n_out);
        h = out;
    }
    return (float *)h;
}

/* Run fn over ds in chunks of ws_rows rows, gathering into workspaces. */
static f3_status over_dataset(f3_trainer *tr, const f3_dataset *ds, f3_stats *st, int fill_store)
{
    if (ds->d != tr->cfg.widths[0] || ds->n_outputs != tr->C)
        return F3_FAIL(F3_EINVAL, "data set '%s' has %zu features and %zu outputs; the network expects %zu and %zu",
                       ds->name, ds->d, ds->n_outputs, tr->cfg.widths[0], tr->C);
    const size_t R = tr->ws_rows, C = tr->C;
    float *x = malloc(R * ds->d * sizeof(float));
    float *t = malloc(R * C * sizeof(float));
    int32_t *lab = malloc(R * sizeof(int32_t));
    size_t *idx = malloc(R * sizeof(size_t));
    f3_status status = F3_OK;
    if (!x || !t || !lab || !idx) {
        status = F3_FAIL(F3_ENOMEM, "evaluation: out of memory");
        goto done;
    }
    for (size_t s = 0; s < ds->n; s += R) {
        size_t b = ds->n - s < R ? ds->n - s : R;
        for (size_t k = 0; k < b; k++) idx[k] = s + k;
        f3_dataset_gather(ds, idx, b, x, t, lab);
        float *y = infer(tr, x, b);
        if (st) {
            double loss = 0.0;
            size_t correct = 0;
            f3_output_delta(tr->cfg.loss, tr->cfg.output_act, y, t, lab, tr->ws_d, b, C, &loss,
                            &correct, NULL);
            st->loss_sum += loss;
            st->correct += correct;
            st->samples += b;
        }
        if (fill_store) {
            /* e_0 from an inference-only epoch; the loss variants use the
             * training batch size for the 1/(b·C) factor */
            for (size_t k0 = 0; k0 < b; k0 += tr->cfg.batch_size) {
                size_t bb = b - k0 < tr->cfg.batch_size ? b - k0 : tr->cfg.batch_size;
                f3_error_information(tr->cfg.error_info, tr->cfg.loss, y + k0 * C, t + k0 * C,
                                     tr->error_store + (s + k0) * C, bb, C, NULL);
            }
            quantize_nearest(tr, F3_T_ERROR_STORE, tr->error_store + s * C, b * C);
        }
    }
done:
    free(x);
    free(t);
    free(lab);
    free(idx);
    return status;
}

f3_status f3_evaluate(f3_trainer *tr, const f3_dataset *ds, f3_stats *st)
{
    memset(st, 0, sizeof *st);
    return over_dataset(tr, ds, st, 0);
}

f3_status f3_error_store_init(f3_trainer *tr, const f3_dataset *train)
{
    if (!tr->error_store) return F3_OK;
    if (train->n != tr->n_train)
        return F3_FAIL(F3_EINVAL, "the error store holds %zu samples but the training set has %zu",
                       tr->n_train, train->n);
    if (tr->cfg.e0 == F3_E0_INFERENCE) return over_dataset(tr, train, NULL, 1);
    const size_t C = tr->C;
    for (size_t s = 0; s < train->n; s++) {
        float *e = tr->error_store + s * C;
        if (train->task == F3_TASK_CLASSIFICATION) {
            memset(e, 0, C * sizeof *e);
            e[train->labels[s]] = 1.0f;
        } else {
            memcpy(e, train->targets + s * C, C * sizeof *e);
        }
    }
    quantize_nearest(tr, F3_T_ERROR_STORE, tr->error_store, train->n * C);
    return F3_OK;
}

/* ---- order, hash --------------------------------------------------------- */

void f3_epoch_order(uint64_t seed, uint64_t epoch, size_t *perm, size_t n)
{
    for (size_t i = 0; i < n; i++) perm[i] = i;
    gsl_rng *r = stream_rng(seed, STREAM_ORDER, epoch);
    if (!r) return; /* identity order if the generator cannot be allocated */
    gsl_ran_shuffle(r, perm, n, sizeof *perm);
    gsl_rng_free(r);
}

void f3_weights_sha256(const f3_trainer *tr, char hex[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
    for (size_t i = 0; i < tr->cfg.n_layers; i++) {
        const f3_layer *L = &tr->layers[i];
        EVP_DigestUpdate(ctx, L->W, L->n_in * L->n_out * sizeof(float));
        if (L->b) EVP_DigestUpdate(ctx, L->b, L->n_out * sizeof(float));
    }
    EVP_DigestFinal_ex(ctx, md, &len);
    EVP_MD_CTX_free(ctx);
    for (unsigned int i = 0; i < 32; i++) snprintf(hex + 2 * i, 3, "%02x", md[i]);
    hex[64] = '\0';
}
