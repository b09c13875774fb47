/* block_cost.h — what one block of ops (f3/blocks.h: linear, layernorm,
 * activation, attention, patchify, residuals) costs on one tile, step by
 * step: the op table of docs/hardware-model.md ("Blocks: the op table") as
 * code, built from tile_cost.h's rules and helpers, so that a block of one
 * linear op and its activation costs exactly what tile_cost.c gives a dense
 * layer (tests/unit/test_block_cost.c checks it for every rule and
 * dataflow).
 *
 * Both engines run it (block_cost_as_tile, through tile_cost_compute_tile):
 * the analytic evaluator, and the SystemC tiles, which train the blocks
 * with the block trainer's per-block calls and time them by it.  Like
 * tile_cost.h it depends on shapes, the learning rule, the optimiser, the
 * batch, the number formats and the hardware, never on values.
 *
 * What it models (the document has the table):
 *  - output_stationary runs a block sample by sample: every op's forward
 *    pass, the feedback, the backward pass of the sample inside the block,
 *    and the optimiser once per batch.  A linear op is a dense layer over
 *    its `tokens` rows (every token a pass over W, as tile_cost's sample);
 *    an activation right after a linear op is that layer's activation step,
 *    and the output block's last linear op ends in the output layer's
 *    identity activation step (z + b before the loss), as tile_cost's.
 *  - weight_stationary runs each op over the whole batch (b·tokens rows),
 *    a linear op walking its W in register-sized blocks of rows as
 *    tile_cost's weight_stationary layer does.
 *  - fused only for a dense block (one linear op on one token, its
 *    activation after it); any other block is refused, naming the op.
 *  - The values between ops (an op's output that a later op of the block
 *    reads) live in the tile's SRAM buffers, written once and read by every
 *    op that takes them; the block's input and output are the link's
 *    (registers under output_stationary, the batch's buffers under
 *    weight_stationary), as a dense layer's h_{i−1} and h_i.
 *  - The stash is every op's own view of what its backward pass reads: a
 *    linear op its input X, an activation f'(z), a layer norm its input
 *    and each row's mean and 1/σ, an attention q, k, v and P.  BP and DFA
 *    hidden blocks hold it for the whole batch until the δ comes back
 *    (deferred); F³ and DRTP hidden blocks, and every rule's output block,
 *    run the backward right after the forward (local) and hold it for one
 *    sample under output_stationary, for the batch under weight_stationary
 *    — less what stays in the registers or the input buffer (the block's
 *    input; the activation of a dense pair that ends the block).
 *
 * Element-wise work runs on the P lanes at P values per cycle and pass;
 * its operations are counted per value as model/'s ledger counts them
 * (one per add, subtract, multiply, divide, compare, exp or square root;
 * a multiply-add of an element-wise loop is two).  The engines take a
 * tile's operations (its compute energy) from the ledger's closed forms
 * (model/src/blockformulas.c, chip_workload_init_blocks); a step's fma and
 * elem here are the table's own view of them. */
#ifndef F3SIM_BLOCK_COST_H
#define F3SIM_BLOCK_COST_H

#include <stddef.h>

#include "chip.h"
#include "f3/blocks.h"
#include "f3/status.h"
#include "f3/train.h"
#include "tile_cost.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Element-wise operations (ledger `elem`) per value — the model's ledger
 * counts where it has them (f3/blocks.h) — and the passes over the values
 * (cycles: passes × ⌈values / P⌉). */
#define BC_BIAS_ELEM 1            /* per output: + b (forward); δb += δy (gradient) */
#define BC_ACT_FWD_ELEM 1         /* per value: f (tile_cost's activation step) */
#define BC_ACT_BWD_ELEM 2         /* per value: f' and δy·f' (f3_act_backward's) */
#define BC_RESIDUAL_ELEM 1        /* per value: the add (forward); the two δ summed at the save (backward) */
#define BC_LN_FWD_PASSES 3        /* Σx; Σ(x − μ)²; normalise */
#define BC_LN_FWD_ELEM F3_LN_FWD_ELEM_PER_VALUE   /* the ledger's counts (f3/blocks.h) */
#define BC_LN_FWD_ROW_ELEM F3_LN_FWD_ELEM_PER_ROW
#define BC_LN_BWD_PASSES 2        /* the row sums with δγ, δβ; then δX */
/* per value: δγ, δβ and δX */
#define BC_LN_BWD_ELEM (F3_LN_GRAD_ELEM_PER_VALUE + F3_LN_DX_ELEM_PER_VALUE)
#define BC_LN_BWD_ROW_ELEM F3_LN_DX_ELEM_PER_ROW
#define BC_LN_GRAD_PASSES 1       /* δγ, δβ alone (the block's first op without δX) */
#define BC_LN_GRAD_ELEM F3_LN_GRAD_ELEM_PER_VALUE
#define BC_SOFTMAX_FWD_PASSES 3   /* max; exp and Σ; normalise */
#define BC_SOFTMAX_FWD_ELEM F3_ATT_FWD_ELEM_PER_SCORE /* the scale and the softmax */
#define BC_SOFTMAX_FWD_ROW_ELEM 0 /* (the ledger counts per score only) */
#define BC_SOFTMAX_BWD_PASSES 2   /* Σ dP·P; dS = P·(dP − Σ) */
#define BC_SOFTMAX_BWD_ELEM F3_ATT_BWD_ELEM_PER_SCORE

/* What a step of a block is part of. */
typedef enum {
    BC_FORWARD = 0, /* the op's forward pass */
    BC_FEEDBACK,    /* E·B_k at the block's output (hidden blocks of f3, dfa, drtp) */
    BC_LOSS,        /* the output block: the loss's δ at its output */
    BC_BACKWARD,    /* the δ at the op's input (an activation's δz, δX) */
    BC_GRADIENT,    /* the op's parameters' gradients */
    BC_APPLY,       /* the optimiser step (per batch) */
    BC_PHASES
} bc_phase;
extern const char *const bc_phase_names[BC_PHASES];

/* op of the block's own steps (the feedback) */
#define BC_BLOCK ((size_t)-1)
/* at most six steps per op (attention: three forward, three backward;
 * a linear op: forward, loss, δX, gradient, apply), and the feedback */
#define BC_MAX_STEPS (6 * F3_BLOCK_MAX_OPS + 1)

/* One step: done c.reps times per batch (b for a per-sample step under
 * output_stationary, 1 for a per-batch step), with tile_cost's figures per
 * rep (compute cycles, register, SRAM/DRAM bytes per item, ROM, LFSR, the
 * feedback's arithmetic, cycles with the placement applied). */
typedef struct {
    size_t op;          /* 0-based op of the block, or BC_BLOCK */
    bc_phase phase;
    tc_step kind;       /* the dense layer's step it generalises: forward (MAC products), activation (element-wise
                         * forward), feedback, dz (element-wise backward, the loss), gradient, backprop (δX
                         * products), apply */
    double fma, elem;   /* operations per rep: multiply-adds of its products (the feedback's: C per output value,
                         * E·B_k as the block trainer computes it; the chip's own in c.fb_*), element-wise ops */
    tc_step_cost c;
} bc_step;

typedef struct {
    size_t block, n_blocks, C, batch; /* batch: the samples the steps' reps are for */
    int first, last;                  /* the network's first block; its last (the loss) */
    int trains, feedback, deferred;   /* deferred: BP/DFA hidden, the δ comes after the batch's forward pass */
    int dx;                           /* the block computes δ at its input (BP, not the first block) */
    int one_hot_feedback, feedback_adds, one_pass;
    double outputs;                   /* m: values per sample at the block's output */
    double stash_values;              /* per sample: every op's own view of what its backward reads */
    double need[TC_ITEMS];            /* bytes: weights, optimiser state, accumulator, buffers (stash included) */
    double on_chip[TC_ITEMS];         /* bytes of each in SRAM (the rest in DRAM) */
    double sram_needed, sram_used, dram_resident;
    double stash_bytes;               /* the stash the tile holds (deferred: the batch; local: see above) */
    double buffer_bytes;              /* weight_stationary: every buffer (= need[TC_BUFFER]); output_stationary:
                                       * the per-sample buffers beside the stash (values between ops, δ) */
    double rom_bytes;                 /* B_k at its encoding (0: seeded, or no feedback) */
    double acc_bytes;                 /* weight_stationary, ws_loop samples: the per-sample flip-flops */
    size_t n_steps;
    bc_step step[BC_MAX_STEPS];       /* in the order a sample (a batch) meets them */
} block_cost;

/* The cost of a batch of `batch` samples in block k (0-based) of a network
 * of cfg->n_layers blocks, on a tile with figures th of the chip hw.  cfg
 * gives the learning rule, optimiser, batch size B (buffers are sized for
 * B), number formats, loss, error information and feedback encoding, and
 * C = cfg->widths[cfg->n_layers] (the last block's outputs).  The block's
 * SRAM is placed alone on the tile.
 * F3_EINVAL with a message: an invalid block (f3_block_check), k beyond
 * the network, a last block that does not give C values, a dataflow that
 * cannot run the block (fused: any op but one linear op on one token and
 * its activation; the rule, optimiser or batch fused cannot run), a tile
 * too small for an op (weight_stationary: a row of a linear op's W and its
 * accumulator larger than the registers; an attention head's q, k and
 * scores larger than the registers), or micro-batches without
 * weight_stationary. */
f3_status block_cost_compute(const chip_config *hw, const chip_tile_hw *th, const f3_config *cfg,
                             const f3_block *blk, size_t k, size_t batch, block_cost *out);

/* What block blk asks of a tile's registers under cfg (bytes): *row_bytes,
 * its widest linear op's row of W with its accumulator row (the row
 * weight_stationary holds whole: a tile's registers hold at least one, a
 * trained op's accumulator counted whether it trains or not), and
 * *min_bytes, an attention head's q, k and scores (every dataflow reads
 * them from the registers: less is refused).  0 for a block without such
 * an op.  f3sim compare sizes its registers by them. */
void block_cost_registers(const f3_config *cfg, const f3_block *blk, double *row_bytes, double *min_bytes);

/* Sums over the steps of one phase (BC_PHASES: all), each step's figures
 * times its reps. */
typedef struct {
    double cycles, compute, reg, sram_r, sram_w, dram_r, dram_w, rom, fma, elem;
} bc_totals;
bc_totals block_cost_totals(const block_cost *bc, bc_phase phase);

/* The block as a unit of the table the engines run (tile_cost.h), so that
 * chip_analytic_run's schedules — the stream of F³, DRTP and LLO, BP's
 * backward chain, DFA's broadcast — run a network of blocks unchanged
 * (tile_cost_compute_tile calls this for a chip of blocks).
 *
 * Before the call: t->need[] = bc->need[], and the tile's SRAM placed over
 * its units (tile_cost_place: t->on_chip[], sram_needed, sram_used,
 * dram_resident); with the block alone on its tile that is the placement
 * block_cost_compute made.  Each of bc's steps is finished at that
 * placement (tc_step_finish: its bytes at each level, its cycles) and
 * added to the step of t it counts in: reps the same (per sample or per
 * batch), cycles summed (the sub-steps run one after another), every byte,
 * ROM read, LFSR value and feedback operation summed.  t's stash, buffers,
 * ROM and per-sample flip-flops are bc's; its leakage and area are left to
 * the caller (they are the tile's).
 *
 * The step a sub-step counts in is the dense layer's step it generalises
 * (bc_step.kind), except in the backward pass, where what decides is when
 * the δ leaves the tile — the engines run a tile's backward in segments:
 * feedback … gradient (the stream: no backprop step), or feedback … dz,
 * backprop (BP's δ leaves for the tile below; DFA's output tile broadcasts
 * e after dz), gradient:
 *  - a block that sends a δ down (BP, every block but the first): the
 *    steps up to the one that gives the δ at its input count as dz
 *    (element-wise) or backprop (products, and the gradients of the ops
 *    above, which come before it), the steps after it (the first op's
 *    gradient) as gradient;
 *  - any other block: its backward steps as dz, its gradients as gradient,
 *    and in the output block every step after the loss as gradient.
 * A dense block so gives exactly tile_cost's layer (test_block_cost). */
void block_cost_as_tile(const chip_config *hw, const chip_tile_hw *th, block_cost *bc, tile_cost *t);

#ifdef __cplusplus
}
#endif
#endif
