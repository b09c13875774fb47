/* f3/ledger.h — what the kernels did: operations and memory traffic.
 *
 * Every kernel records into a ledger, per layer and per phase:
 *  - fma:  fused multiply-adds counted as Appendix A counts them: an a×b
 *          matrix–vector or outer product is ab FMA, an SGD update one FMA
 *          per parameter (Adam: one FMA per parameter for the final step);
 *  - elem: other element-wise operations (bias add, activation, derivative,
 *          Hadamard product, loss arithmetic, bias-gradient sums, Adam's
 *          moment arithmetic);
 *  - reads/writes: elements (not bytes) read and written per memory class.
 *    Each operand element is counted once per kernel call (one call per
 *    batch), i.e. the minimum traffic of the kernel with full reuse inside
 *    the batch; a hardware model turns this into bytes with its dataflow.
 * and, over the whole run, the peak number of live elements in the
 * activation buffer (activations kept for a later pass: BP, DFA) and in the
 * error store (C per training sample).
 *
 * Counting is a handful of integer additions per kernel call, so it is
 * always on.  The ledger is machine-independent.
 */
#ifndef F3_LEDGER_H
#define F3_LEDGER_H

#include <stddef.h>
#include <stdint.h>

#include "f3/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    F3_PH_FORWARD = 0, /* z = W h + b, h = f(z) */
    F3_PH_FEEDBACK,    /* δh (B^T e or W^T δz) and δz = δh ⊙ f'(z) */
    F3_PH_GRADIENT,    /* δW += δz h^T, δb += δz */
    F3_PH_UPDATE,      /* optimiser step */
    F3_PH_LOSS,        /* loss, output δz, error-store write (output layer) */
    F3_PH_COUNT
} f3_phase;

typedef enum {
    F3_MEM_WEIGHTS = 0,
    F3_MEM_BIASES,
    F3_MEM_OPTSTATE,   /* Adam's first and second moments */
    F3_MEM_GRADIENTS,  /* gradient accumulators δW, δb */
    F3_MEM_FEEDBACK,   /* fixed feedback matrices B_i */
    F3_MEM_ACTBUF,     /* activations kept for a later pass (BP, DFA) */
    F3_MEM_WORK,       /* temporaries of the layer being processed */
    F3_MEM_ERRSTORE,   /* delayed error information, C per sample */
    F3_MEM_INPUTS,     /* input features and targets */
    F3_MEM_COUNT
} f3_memclass;

typedef struct {
    uint64_t fma;
    uint64_t elem;
    uint64_t reads[F3_MEM_COUNT];
    uint64_t writes[F3_MEM_COUNT];
} f3_counts;

typedef struct f3_ledger {
    size_t n_layers;        /* K */
    f3_counts *c;           /* (K, F3_PH_COUNT) */
    uint64_t samples;       /* training samples processed */
    uint64_t batches;       /* training steps */
    uint64_t live_act;      /* activation-buffer elements live now */
    uint64_t peak_act;      /* maximum of live_act */
    uint64_t live_err;      /* error-store elements live now */
    uint64_t peak_err;      /* maximum of live_err */
} f3_ledger;

f3_status f3_ledger_alloc(size_t n_layers, f3_ledger **out);
void f3_ledger_free(f3_ledger *l);
/* Zero all counters and peaks (the live counts too). */
void f3_ledger_reset(f3_ledger *l);

/* Counters of layer i (0-based) in phase p. */
static inline f3_counts *f3_ledger_at(f3_ledger *l, size_t layer, f3_phase p)
{
    return &l->c[layer * F3_PH_COUNT + p];
}

/* One training step of b samples is done (a timed schedule that calls
 * the layer steps itself says so here, as f3_train_step does). */
void f3_ledger_count_step(f3_ledger *l, size_t b);

/* Change the live count of a buffer class and track its peak. */
void f3_ledger_act_live(f3_ledger *l, int64_t delta);
void f3_ledger_err_live(f3_ledger *l, int64_t delta);

/* Sum over layers (layer = -1) or one layer, over phases (p = F3_PH_COUNT)
 * or one phase. */
f3_counts f3_ledger_sum(const f3_ledger *l, int layer, f3_phase p);

/* Add b's counters to a (same shape required). */
void f3_ledger_add(f3_ledger *a, const f3_ledger *b);

const char *f3_phase_name(f3_phase p);
const char *f3_memclass_name(f3_memclass m);

#ifdef __cplusplus
}
#endif
#endif
