/* f3/train.h — networks, learning rules and the reference trainer.
 *
 * A K-layer fully connected network n_0 → n_1 → … → n_K (n_K = C outputs)
 * is trained by one of five learning rules (Tables 4–5 of the paper):
 *
 *   bp    backpropagation
 *   f3    delayed error information: δh_i = B_i^T e_{t-1}   (Algorithm 1)
 *   dfa   current error:            δh_i = B_i^T (y* − y)
 *   drtp  the target:               δh_i = B_i^T y* (one-hot, or the regression targets)
 *   llo   last layer only: hidden layers stay at their initialisation
 *
 * The output layer always trains on the true gradient of the training loss
 * (mean-reduced over batch × outputs for BCE and MSE, over the batch for
 * softmax cross-entropy).  F³, DRTP and LLO run as Algorithm 1 is written:
 * one forward sweep in which each layer computes its output, then its
 * update, then its new weights, keeping no activation for a later pass.
 *
 * Hidden-layer semantics (as the paper's published code): δh = B_i^T e per
 * sample, not divided by batch size or classes; the gradients are summed
 * over the batch.  The error store holds C floats per training sample,
 * addressed by the sample's index in the data set; it starts as the one-hot
 * targets (or from an inference-only epoch 0) and is overwritten after each
 * batch from the output before the optimiser step (see f3_error_info).
 *
 * This sequential trainer is the reference schedule; a timed schedule (the
 * chip model) calls the same kernels and must produce the same weights.
 */
#ifndef F3_TRAIN_H
#define F3_TRAIN_H

#include <stddef.h>
#include <stdint.h>

#include "f3/dataset.h"
#include "f3/kernels.h"
#include "f3/ledger.h"
#include "f3/numerics.h"
#include "f3/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define F3_MAX_LAYERS 256

typedef enum { F3_ALG_BP = 0, F3_ALG_F3, F3_ALG_DFA, F3_ALG_DRTP, F3_ALG_LLO } f3_algorithm;

typedef enum {
    F3_FB_KAIMING_UNIFORM = 0, /* U(−√(6/n_i), √(6/n_i)): gain √2, fan-in n_i */
    F3_FB_TRINOMIAL,           /* uniform over {−1, 0, 1} */
    F3_FB_BINOMIAL,            /* uniform over {0, 1} */
    F3_FB_PM_IDENTITY          /* I repeated along the longer side, signs alternating */
} f3_feedback_init;

typedef enum { F3_OPT_SGD = 0, F3_OPT_ADAM } f3_optimizer;
typedef enum { F3_E0_TARGETS = 0, F3_E0_INFERENCE } f3_e0;

typedef struct {
    size_t n_layers;                    /* K ≥ 1 */
    size_t widths[F3_MAX_LAYERS + 1];   /* n_0 … n_K */
    f3_activation hidden_act;           /* default tanh */
    f3_activation output_act;           /* default sigmoid */
    int bias;                           /* 1: layers have biases */
    f3_loss loss;
    f3_algorithm algorithm;
    f3_error_info error_info;           /* f3 only */
    f3_feedback_init feedback_init;     /* f3, dfa, drtp */
    f3_e0 e0;                           /* f3 only */
    f3_optimizer optimizer;
    double lr;
    double beta1, beta2, eps;           /* Adam: 0.9, 0.999, 1e-8 */
    size_t batch_size;
    uint64_t seed;
    f3_numerics numerics;               /* number formats; all fp32 by default (f3/numerics.h) */
} f3_config;

/* A configuration with the paper's defaults (tanh, sigmoid, bias, BCE, F³
 * delayed error one-hot, trinomial feedback, Adam lr 1e-3, batch 50,
 * seed 1) and no layers. */
f3_config f3_config_default(void);

/* Check a configuration; F3_EINVAL with a message on the first problem. */
f3_status f3_config_validate(const f3_config *cfg, f3_task task);

/* The setting a failed check concerns (for callers that locate the error,
 * e.g. at a scenario key). */
typedef enum {
    F3_CFG_NONE = 0,     /* no problem */
    F3_CFG_LAYERS,       /* n_layers */
    F3_CFG_WIDTHS,       /* widths */
    F3_CFG_BATCH_SIZE,
    F3_CFG_LR,
    F3_CFG_ADAM,         /* beta1, beta2, eps */
    F3_CFG_OUTPUT_ACT,   /* output_act (against the loss) */
    F3_CFG_LOSS,         /* loss (against the task) */
    F3_CFG_ERROR_INFO,   /* error_info (against the task or the loss) */
    F3_CFG_NUMERICS      /* numerics (a format the optimiser or a rule cannot use) */
} f3_config_field;

/* f3_config_validate, and in *field (may be NULL) the setting the first
 * problem concerns, F3_CFG_NONE when there is none. */
f3_status f3_config_check(const f3_config *cfg, f3_task task, f3_config_field *field);

/* ---- the rules of the learning algorithms --------------------------------
 * One place for each rule: the trainer, the operation counts, the chip model
 * and the scenario check ask these instead of writing a rule out again.
 * i is the 0-based layer (n_i → n_{i+1}); layer K−1 is the output layer. */

/* Layer i trains (has gradients and an optimiser step): every layer, except
 * under llo, which trains only the output layer. */
int f3_layer_trains(const f3_config *cfg, size_t i);
/* The rule sends the error to the hidden layers through fixed feedback
 * matrices B_i: f3, dfa, drtp (bp uses W^T; llo sends nothing). */
int f3_uses_feedback_matrix(f3_algorithm a);
/* Layer i holds a feedback matrix B_i (C, n_{i+1}): a hidden layer
 * (i + 1 < K) under a rule with feedback matrices. */
int f3_layer_has_feedback(const f3_config *cfg, size_t i);
/* bp and dfa keep activations from the forward pass until the error comes
 * back (after the output layer); f3, drtp and llo train each layer as the
 * forward sweep passes it and keep none. */
int f3_needs_stash(f3_algorithm a);
/* The fixed-point path (docs/numerics.md): weights, activations, errors,
 * gradients (and B, under a rule with feedback matrices) are all fixed
 * point, so every sum is exact and rounded once — the gradient of a batch
 * is the exact Σ δz hᵀ, rounded to the gradients' format. */
int f3_config_fixed_mode(const f3_config *cfg);
/* B's entries are in {−1, 0, 1} (trinomial, binomial, pm_identity), so
 * B^T e needs additions and subtractions only, no multiplier;
 * kaiming_uniform draws real entries. */
int f3_feedback_is_additive(f3_feedback_init f);

/* What layer i keeps, in values (floats in the reference trainer). */
typedef struct {
    size_t weights;          /* n_in·n_out */
    size_t biases;           /* n_out, or 0 without bias */
    size_t gradients;        /* accumulator entries (weights + biases) if the layer trains, else 0 */
    size_t optimizer_state;  /* Adam: 2 per parameter if the layer trains; SGD: 0 */
    size_t feedback;         /* C·n_out entries of B_i if the layer has feedback, else 0 */
    size_t stash_per_sample; /* values kept from the forward pass to the gradient: bp and dfa
                              * hidden layers: n_in (h_{i−1}) + n_out (f'(z_i)); else 0 */
} f3_layer_memory;

/* The memory plan of layer i < cfg->n_layers (all zero for i beyond it).
 * The stash is a layer's own view (a tile that keeps its input and its
 * derivative); the reference trainer shares each hidden output between
 * the two layers that read it and keeps Σ_{0<i<K} n_i values per sample. */
f3_layer_memory f3_layer_memory_plan(const f3_config *cfg, size_t i);

/* ---- names ----------------------------------------------------------------
 * Used on the command line, in scenarios and in run.json.  Each table is
 * indexed by its enum and ends with NULL (after _COUNT names). */
#define F3_ALGORITHM_COUNT 5
#define F3_LOSS_COUNT 3
#define F3_ACTIVATION_COUNT 4
#define F3_FEEDBACK_INIT_COUNT 4
#define F3_OPTIMIZER_COUNT 2
#define F3_ERROR_INFO_COUNT 6
extern const char *const f3_algorithm_names[F3_ALGORITHM_COUNT + 1];
extern const char *const f3_loss_names[F3_LOSS_COUNT + 1];
extern const char *const f3_activation_names[F3_ACTIVATION_COUNT + 1];
extern const char *const f3_feedback_init_names[F3_FEEDBACK_INIT_COUNT + 1];
extern const char *const f3_optimizer_names[F3_OPTIMIZER_COUNT + 1];
/* delayed_{error,loss}{,_one_hot,_softmax}: f3_error_info_name's names */
extern const char *const f3_error_info_names[F3_ERROR_INFO_COUNT + 1];

/* The names of a NULL-terminated table joined by '|' ("bp|f3|dfa|drtp|llo",
 * the form of a scenario key's choices) into buf; cut short (still
 * NUL-terminated) if len is too small. */
void f3_enum_choices(const char *const *names, char *buf, size_t len);

/* The name of a value ("?" if out of range). */
const char *f3_algorithm_name(f3_algorithm a);
const char *f3_loss_name(f3_loss l);
const char *f3_activation_name(f3_activation f);
const char *f3_feedback_init_name(f3_feedback_init f);
const char *f3_optimizer_name(f3_optimizer o);
/* "delayed_error", "delayed_loss_one_hot", "delayed_error_softmax", … */
void f3_error_info_name(f3_error_info e, char *buf, size_t len);
/* A value by its name; F3_EINVAL listing the names otherwise. */
f3_status f3_parse_algorithm(const char *s, f3_algorithm *out);
f3_status f3_parse_loss(const char *s, f3_loss *out);
f3_status f3_parse_activation(const char *s, f3_activation *out);
f3_status f3_parse_feedback_init(const char *s, f3_feedback_init *out);
f3_status f3_parse_optimizer(const char *s, f3_optimizer *out);
f3_status f3_parse_error_info(const char *s, f3_error_info *out);

/* One layer's parameters and state; all arrays row-major. */
typedef struct {
    size_t n_in, n_out;
    float *W;      /* (n_out, n_in) */
    float *b;      /* (n_out) or NULL */
    float *dW;     /* (n_out, n_in) gradient, NULL if the layer never trains */
    float *db;     /* (n_out) or NULL */
    float *mW, *vW, *mb, *vb; /* Adam moments, NULL for SGD */
    float *B;      /* (C, n_out) feedback matrix, hidden layers of f3/dfa/drtp */
    uint64_t steps; /* optimiser steps taken */
} f3_layer;

typedef struct f3_trainer {
    f3_config cfg;
    size_t C;            /* outputs n_K */
    size_t n_train;      /* samples addressed by the error store */
    f3_layer *layers;    /* (K) */
    float *error_store;  /* (n_train, C), f3 only */
    f3_ledger *ledger;
    /* workspaces, sized for max(batch_size, eval chunk) rows */
    size_t ws_rows;
    float *ws_h[2];      /* (rows, max n) ping-pong layer outputs */
    float *ws_d;         /* (rows, max n) δh / δz */
    float *ws_d2;        /* (rows, max n) second δ for BP */
    float *ws_e;         /* (rows, C) error information of the batch */
    float *ws_es;        /* (rows) one-hot: target-class entry of e */
    float *ws_stash;     /* (rows, Σ_{i<K} n_i) activations kept (bp, dfa) */
    /* number formats (cfg.numerics): */
    int quantized;       /* some format is not fp32 */
    int fixed_mode;      /* weights, activations, error and gradients (and B where
                            used) are fixed point: exact kernels and the activation table */
    gsl_rng **qrng;                 /* (F3_T_COUNT, K + 2) streams of stochastic rounding, or NULL */
    uint64_t saturations[F3_T_COUNT];      /* values that saturated, per tensor class */
    uint64_t underflows[F3_T_COUNT];       /* nonzero values that rounded to zero, per tensor class */
    uint64_t quantized_values[F3_T_COUNT]; /* values quantised in training (what the two count among) */
    uint64_t *site_counts; /* (F3_T_COUNT, K + 2, 3) the same by site — layer 0 … K−1, K the
                              inputs, K+1 the error information of a batch: values, saturations,
                              underflows; NULL in fp32 */
    struct f3_act_table *act_table[2];     /* fixed mode: hidden, output */
    double *ws_q;        /* fixed mode: scratch of the exact GEMM and its double result */
    float *ws_x;         /* (rows, n_0) the batch's inputs in the activation format */
    void *block;         /* the one allocation behind parameters and state */
    void *ws_block;      /* the one allocation behind the workspaces */
    /* divergence: f3_layer_update checks every new weight and bias (a
     * vectorised scan that reads them once and changes nothing) */
    size_t diverged_layer;   /* 0, or 1 + the first layer whose parameters became non-finite */
    uint64_t diverged_step;  /* that layer's optimiser step (1-based) when it happened */
} f3_trainer;

/* Build a network from cfg (validated against task), initialise weights
 * (PyTorch's nn.Linear default: U(−1/√n_in, 1/√n_in) for W and b) and the
 * feedback matrices from cfg->seed, and size the error store for n_train
 * samples (initialised from `train` when given, else zero; see
 * f3_error_store_init). */
f3_status f3_trainer_alloc(const f3_config *cfg, f3_task task, size_t n_train,
                           f3_trainer **out);
void f3_trainer_free(f3_trainer *tr);

/* After the caller has overwritten the weights, biases or feedback
 * matrices (a warm start): bring them into the weights' and the feedback's
 * number formats, as the chip stores them, rounding to nearest (no
 * stochastic draws, so the rounding streams stay as a fresh trainer's);
 * returns how many values saturated, which are added to tr->saturations
 * (nothing changes in fp32). */
uint64_t f3_trainer_requantize_params(f3_trainer *tr);

/* e_0: the one-hot targets (classification) or the targets (regression) of
 * every training sample; with cfg.e0 = inference, an inference-only epoch
 * over `train` writes each sample's error information without changing
 * any weight. */
f3_status f3_error_store_init(f3_trainer *tr, const f3_dataset *train);

/* Statistics of one step or one evaluation. */
typedef struct {
    double loss_sum;   /* Σ over samples of the reported loss (BCE summed over outputs) */
    size_t correct;    /* samples whose arg-max output is the label */
    size_t samples;
} f3_stats;

/* 1 if every one of the n values is finite (no NaN, no infinity); reads
 * them once, vectorised. */
int f3_all_finite(const float *x, size_t n);

/* One training step on a batch of b ≤ batch_size samples.
 * x: (b, n_0) standardised inputs  t: (b, C) targets (one-hot)
 * labels: (b) classes or -1  idx: (b) indices into the training set (for
 * the error store).  Adds to *st (may be NULL) the loss of the outputs
 * computed during the step (before the output layer's update).
 * F3_ERANGE when a layer's weights became non-finite (tr->diverged_layer
 * names it; the step's figures are still added to *st). */
f3_status f3_train_step(f3_trainer *tr, const float *x, const float *t,
                        const int32_t *labels, const size_t *idx, size_t b, f3_stats *st);

/* ---- layer steps --------------------------------------------------------
 * f3_train_step (the reference schedule) is written with these; a timed
 * schedule (the chip model) calls the same functions, in its own order and
 * with its own buffers, so both compute the same numbers and record the
 * same ledger.  i is the 0-based layer; arrays are (b, width) row-major. */

/* z = W_i h + b_i, out = f(z); h in memory class in_class, out recorded as
 * out_class. */
void f3_layer_forward(f3_trainer *tr, size_t i, const float *h, float *out,
                      f3_memclass in_class, f3_memclass out_class, size_t b);
/* F³: the batch's error information from the store: E (b, C), or with
 * one-hot error information es (b), the target-class entries.  Counted at
 * layer 1's feedback phase. */
void f3_read_error_store(f3_trainer *tr, const int32_t *labels, const size_t *idx, size_t b,
                         float *E, float *es);
/* Hidden layer i: dZ = (B_i^T e) ⊙ f'(h), from E (b, C), or from es (b) and
 * the labels when es != NULL (one-hot); h is the layer's own output. */
void f3_layer_direct_feedback(f3_trainer *tr, size_t i, const float *E, const float *es,
                              const int32_t *labels, const float *h, f3_memclass h_class,
                              float *dZ, size_t b);
/* BP: dZ_prev = (W_i^T δz_i) ⊙ f'(h_prev) for layer i−1, with W_i before
 * its update; counted at layer i−1's feedback phase. */
void f3_layer_backprop(f3_trainer *tr, size_t i, const float *dZ, const float *h_prev,
                       float *dZ_prev, size_t b);
/* δW_i, δb_i from dZ and the layer input h. */
void f3_layer_gradient(f3_trainer *tr, size_t i, const float *dZ, const float *h,
                       f3_memclass h_class, size_t b);
/* The optimiser step of layer i. */
void f3_layer_update(f3_trainer *tr, size_t i);
/* Output layer: δz of the training loss from y into dZ; loss and accuracy
 * into st (may be NULL). */
void f3_output_layer(f3_trainer *tr, const float *y, const float *t, const int32_t *labels,
                     float *dZ, size_t b, f3_stats *st);
/* F³: e_t of the batch from y (before the output layer's update) into the
 * store at idx; E (b, C) is scratch. */
void f3_write_error_store(f3_trainer *tr, const float *y, const float *t, const size_t *idx,
                          float *E, size_t b);
/* DFA: the current error y* − y into E (b, C). */
void f3_current_error(f3_trainer *tr, const float *y, const float *t, float *E, size_t b);

/* The batch's inputs x (b, n_0) as the input link carries them: quantised
 * in place to the activation format (a no-op for fp32).  f3_train_step does
 * it on a copy; a timed schedule calls it on its own buffer. */
void f3_quantize_inputs(f3_trainer *tr, float *x, size_t b);

/* Forward pass over a whole data set (no training, no ledger entries):
 * loss and accuracy.  Classification accuracy = correct/samples. */
f3_status f3_evaluate(f3_trainer *tr, const f3_dataset *ds, f3_stats *st);

/* The sample order of an epoch: a permutation of 0..n-1 from (seed, epoch),
 * the same for every run with that seed. */
void f3_epoch_order(uint64_t seed, uint64_t epoch, size_t *perm, size_t n);

/* SHA-256 of all weights and biases (layer by layer, W then b, as
 * little-endian float32), as 64 lowercase hex digits + NUL. */
void f3_weights_sha256(const f3_trainer *tr, char hex[65]);

/* Number of trainable parameters (weights + biases) of the network. */
size_t f3_parameter_count(const f3_config *cfg);

#ifdef __cplusplus
}
#endif
#endif
