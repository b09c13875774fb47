/* analytic.c — see analytic.h.  Every clock here is one of the SystemC
 * model's (named after its module and member), updated by the same
 * expressions in the same order, so that the doubles agree bit for bit:
 *   streamer.cpp     local, and the credit of slot k (the through cycle of
 *                    the batch K + 2 earlier)
 *   error_store.cpp  the read port (or, in DRAM, the calendar)
 *   link.cpp         m_free of every link
 *   tile.cpp         m_free, step() with its DRAM waits, the schedules
 *   dram.cpp         one requester's port clock, or (two users or more)
 *                    the calendar, placed in the same order
 *   chip_top.cpp     m_end, tile_done */
#include "analytic.h"
#include "analytic_internal.h"

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cost_tables.h"
#include "dram_calendar.h"
#include "f3/blockformulas.h"
#include "f3/formulas.h"
#include "tile_cost.h"

f3_status chip_workload_init(chip_workload *w, const f3_config *cfg, size_t n_train, size_t epochs)
{
    memset(w, 0, sizeof *w);
    w->cfg = *cfg;
    w->n_train = n_train;
    w->epochs = epochs;
    if (!n_train || !cfg->batch_size) return F3_FAIL(F3_EINVAL, "a workload needs samples and a batch size");
    const uint64_t per_epoch = (n_train + cfg->batch_size - 1) / cfg->batch_size;
    const f3_run_shape run = f3_run_shape_epochs(n_train, cfg->batch_size, per_epoch * epochs);
    for (size_t i = 0; i < cfg->n_layers; i++) {
        uint64_t fma = 0, elem = 0, fb = 0;
        for (int p = 0; p < F3_PH_COUNT; p++) {
            f3_counts c;
            f3_status st = f3_formula_counts(cfg, i, (f3_phase)p, run, &c);
            if (st) return st;
            fma += c.fma;
            elem += c.elem;
            if (p == F3_PH_FEEDBACK) fb = c.fma;
        }
        w->ledger_fma[i] = (double)fma;
        w->ledger_feedback_fma[i] = (double)fb;
        w->ledger_elem[i] = (double)elem;
    }
    return F3_OK;
}

f3_status chip_workload_init_blocks(chip_workload *w, const f3_config *cfg, const f3_block *blocks, size_t n,
                                    size_t n_train, size_t epochs)
{
    memset(w, 0, sizeof *w);
    w->cfg = *cfg;
    w->n_train = n_train;
    w->epochs = epochs;
    w->n_blocks = n;
    if (!n_train || !cfg->batch_size) return F3_FAIL(F3_EINVAL, "a workload needs samples and a batch size");
    if (n != cfg->n_layers)
        return F3_FAIL(F3_EINVAL, "a workload of %zu blocks for a network of %zu layers", n, cfg->n_layers);
    const f3_blocktrain_config bcfg = {cfg->algorithm, cfg->error_info, cfg->optimizer, cfg->lr,
                                       cfg->beta1,     cfg->beta2,      cfg->eps,       cfg->widths[n]};
    const uint64_t per_epoch = (n_train + cfg->batch_size - 1) / cfg->batch_size;
    const f3_run_shape run = f3_run_shape_epochs(n_train, cfg->batch_size, per_epoch * epochs);
    for (size_t k = 0; k < n; k++) {
        uint64_t fma = 0, elem = 0, fb = 0;
        for (int p = 0; p < F3_PH_COUNT; p++) {
            f3_counts c;
            f3_status st = f3_blockformula_counts(blocks, n, &bcfg, k, (f3_phase)p, run, &c);
            if (st) return st;
            fma += c.fma;
            elem += c.elem;
            if (p == F3_PH_FEEDBACK) fb = c.fma;
        }
        /* E·B_k: the feedback phase less the backward of the block's own ops
         * (their input gradients are booked there too); under BP no block
         * has a B_k and the chip subtracts nothing (chip_result_assemble) */
        if (f3_layer_has_feedback(cfg, k))
            for (size_t i = 0; i < blocks[k].n_ops; i++) {
                f3_counts c;
                f3_status st = f3_blockformula_op(blocks, n, &bcfg, k, i, F3_PH_FEEDBACK, run, &c);
                if (st) return st;
                fb -= c.fma;
            }
        w->ledger_fma[k] = (double)fma;
        w->ledger_feedback_fma[k] = (double)fb;
        w->ledger_elem[k] = (double)elem;
    }
    return F3_OK;
}

f3_status chip_workload_for(chip_workload *w, const chip_config *hw, const f3_config *cfg, size_t n_train,
                            size_t epochs)
{
    if (hw->n_blocks) {
        f3_status st = chip_blocks_check(hw, cfg);
        if (st) return st;
        return chip_workload_init_blocks(w, cfg, hw->blocks, hw->n_blocks, n_train, epochs);
    }
    return chip_workload_init(w, cfg, n_train, epochs);
}

/* ---- the schedule ------------------------------------------------------------------ */

#define SNAP_INLINE 256 /* doubles a snapshot holds in place (a larger state, on the heap) */
#define HIST 64 /* periods looked for: 1 … HIST batches (a shared DRAM's calendar
                 * can take tens of batches to repeat: 51 seen) */


/* The clocks relative to m_end: what decides the future (into s->sv; 0 if
 * it cannot be held: a state never compared equal). */
static size_t state_vec(sched *s)
{
    const size_t need = 8 + 3 * s->T + 2 * s->G + s->R + (s->cal ? 1 + 2 * s->dc.n : 0);
    if (need > s->sv_cap) {
        double *v = realloc(s->sv, need * sizeof *v);
        if (!v) return 0;
        s->sv = v;
        s->sv_cap = need;
    }
    double *v = s->sv;
    size_t n = 0;
    const size_t T = s->T;
    v[n++] = s->local - s->end;
    v[n++] = s->link_in - s->end;
    if (s->f3 && !s->es_dram) v[n++] = s->es_rd - s->end;
    /* a tile's own DRAM port clock never exceeds its m_free (a step ends no
     * earlier than its transfers + the latency ≥ 0, and the next starts at
     * or after that end), so it never delays a request: not part of the
     * state (and not kept up to date by folded steps, fill_times) */
    for (size_t i = 0; i < T; i++) v[n++] = s->free[i] - s->end;
    for (size_t g = 0; g + 1 < s->G; g++) {
        v[n++] = s->fwd[g] - s->end;
        if (!s->stream && s->cfg->algorithm == F3_ALG_BP) v[n++] = s->bwd[g] - s->end;
    }
    if (!s->stream && s->cfg->algorithm == F3_ALG_DFA) v[n++] = s->bcast - s->end;
    /* a credit counts only through max(local, thr[0]) (streamer.cpp; and
     * the prune's bound), and local never falls: a slot older than local
     * is local as far as the future goes, so it is compared as local (two
     * states equal in these figures have the same future, shifted) */
    for (size_t r = 0; r < s->R; r++) v[n++] = dmax(s->thr[r], s->local) - s->end;
    if (s->cal) {
        v[n++] = (double)s->dc.n;
        for (size_t i = 0; i < s->dc.n; i++) {
            v[n++] = s->dc.iv[i].s - s->end;
            v[n++] = s->dc.iv[i].e - s->end;
        }
    }
    return n;
}

static void shift_clocks(sched *s, double d)
{
    s->local += d;
    s->link_in += d;
    s->es_rd += d;
    s->bcast += d;
    for (size_t i = 0; i < s->T; i++) {
        s->free[i] += d;
        s->fwd[i] += d;
        s->bwd[i] += d;
        s->dram[i] += d;
    }
    for (size_t r = 0; r < s->R; r++) s->thr[r] += d;
    s->end += d;
    if (s->cal) dram_calendar_shift(&s->dc, d);
}

/* A snapshot: the normalised state (n values, compared), then the T
 * tiles' waits in, down and for memory (not compared), and m_end.  Held in
 * place when small, else in a heap buffer of its own (a shared DRAM's
 * calendar: hundreds of intervals), which snaps_release frees. */
typedef struct {
    size_t n, m;  /* compared; stored (n + 3T) */
    uint64_t h;   /* a hash of the compared values: most states differ in it */
    double end;
    double *heap;
    size_t cap;
    double in[SNAP_INLINE];
} snap;

static const double *snap_v(const snap *p) { return p->m <= SNAP_INLINE ? p->in : p->heap; }

/* snapshots of this thread holding a heap buffer: chip_analytic_run frees
 * them at its end, and walks its ~200 snapshots (2 KB apart) only if any */
static _Thread_local size_t snaps_on_heap;

static void take(sched *s, snap *p)
{
    const size_t T = s->T, n = state_vec(s), m = n + 5 * T;
    p->n = p->m = 0;
    p->end = s->end;
    if (!n) return;
    double *v = p->in;
    if (m > SNAP_INLINE) {
        if (m > p->cap) {
            double *x = realloc(p->heap, m * sizeof *x);
            if (!x) return; /* (a state never compared equal) */
            snaps_on_heap += !p->heap;
            p->heap = x;
            p->cap = m;
        }
        v = p->heap;
    }
    memcpy(v, s->sv, n * sizeof *v);
    memcpy(v + n, s->wait_in, T * sizeof *v);
    memcpy(v + n + T, s->wait_down, T * sizeof *v);
    memcpy(v + n + 2 * T, s->wait_mem, T * sizeof *v);
    memcpy(v + n + 3 * T, s->wakes, T * sizeof *v);
    memcpy(v + n + 4 * T, s->gated, T * sizeof *v);
    uint64_t h = 1469598103934665603ull; /* FNV-1a over the doubles' bits */
    for (size_t i = 0; i < n; i++) {
        uint64_t x;
        memcpy(&x, &v[i], sizeof x);
        h = (h ^ x) * 1099511628211ull;
    }
    p->h = h;
    p->n = n;
    p->m = m;
}

/* a snapshot's waits of kind k (0 in, 1 down, 2 memory; 3 wake-ups, 4 gated cycles) */
static const double *snap_w(const snap *p, int k, size_t T) { return snap_v(p) + p->n + (size_t)k * T; }

static void snap_release(snap *p)
{
    free(p->heap);
    p->heap = NULL;
    p->cap = 0;
    p->n = p->m = 0;
}

/* Jump q repetitions of what happened between a and b (b the present). */
static void jump(sched *s, const snap *a, const snap *b, double q)
{
    shift_clocks(s, q * (b->end - a->end));
    const size_t T = s->T;
    for (size_t i = 0; i < T; i++) {
        s->wait_in[i] += q * (snap_w(b, 0, T)[i] - snap_w(a, 0, T)[i]);
        s->wait_down[i] += q * (snap_w(b, 1, T)[i] - snap_w(a, 1, T)[i]);
        s->wait_mem[i] += q * (snap_w(b, 2, T)[i] - snap_w(a, 2, T)[i]);
        s->wakes[i] += q * (snap_w(b, 3, T)[i] - snap_w(a, 3, T)[i]);
        s->gated[i] += q * (snap_w(b, 4, T)[i] - snap_w(a, 4, T)[i]);
    }
}

static int same_state(const snap *a, const snap *b)
{
    return a->n && a->n == b->n && a->h == b->h && !memcmp(snap_v(a), snap_v(b), a->n * sizeof(double));
}

static int integral(double x) { return floor(x) == x; }

/* The states after the first batches of an epoch (batch j in at[j − 1]),
 * those of the epoch before and of this one: see run_epoch. */
#define EPOCH_SNAPS (HIST + 1)
typedef struct {
    snap at[EPOCH_SNAPS];
    size_t n;         /* at[0 … n − 1] hold batches 1 … n */
    double end;       /* at the end of the epoch: m_end and the waits */
    double w[5][F3_MAX_LAYERS];
} epoch_snaps;

/* One epoch: full batches (with period jumps), then the remainder.
 *
 * Returns 1 when the state after batch j of this epoch equals the state
 * after batch j of the epoch before (prev, shifted: state_vec's figures):
 * then the rest of this epoch repeats the rest of that one, shifted by the
 * difference of their m_end, with the waits growing by the same amounts —
 * what follows batch j depends only on that state and on j (the next epoch
 * start, the remainder batch), every clock holds whole cycles (jumps), so
 * the shift is exact, and a jump within an epoch gives the clocks batch by
 * batch would.  This epoch then ends in the state the epoch before ended in,
 * shifted, and so does every later one: each epoch from this one on adds
 * the same Δ = m_end(j, this) − m_end(j, before) to m_end and the same
 * differences to the waits.  The caller sets m_end and the waits from the
 * end of the epoch before (prev->end, prev->w); no other clock is read after
 * the last epoch.  (After a drain at the epoch start the states after the
 * first batch usually already agree: the slots' credits are older than the
 * streamer's clock, and every other clock is overwritten by the batch.) */
static int run_epoch(sched *s, const batch_table *full, size_t n_full, const batch_table *rem, int jumps,
                     snap *hist, const epoch_snaps *prev, epoch_snaps *cur, size_t *match)
{
    size_t done = 0;
    int first = 1;
    cur->n = 0;
    while (done < n_full) {
        an_run_batch(s, full, first);
        first = 0;
        done++;
        if (!jumps) continue;
        /* the first batches' states in cur (kept for the next epoch), the later ones in hist */
        snap *now = done <= EPOCH_SNAPS ? &cur->at[done - 1] : &hist[done % (HIST + 1)];
        take(s, now);
        if (done <= EPOCH_SNAPS) {
            cur->n = done;
            if (prev && done <= prev->n && same_state(&prev->at[done - 1], now)) {
                *match = done;
                return 1;
            }
        }
        /* a period p: the state repeats p batches later, shifted */
        for (size_t p = 1; p <= HIST && p < done; p++) {
            const size_t was = done - p;
            const snap *old = was <= EPOCH_SNAPS ? &cur->at[was - 1] : &hist[was % (HIST + 1)];
            if (!same_state(old, now)) continue;
            size_t q = (n_full - done) / p;
            if (q) {
                jump(s, old, now, (double)q);
                done += q * p;
            }
            jumps = 0; /* the rest of the epoch runs batch by batch */
            break;
        }
    }
    if (rem) an_run_batch(s, rem, first);
    return 0;
}

static f3_status fill_costs(const sched *s, batch_table *bt, size_t b)
{
    bt->b = b;
    for (size_t k = 0; k < s->T; k++) {
        f3_status st = tile_cost_compute_tile(s->hw, s->cfg, k, b, &bt->tc[chip_tile_unit_first(s->hw, k)]);
        if (st) return st;
    }
    return F3_OK;
}

/* the DRAM cycles of each step (at the port's full bandwidth) and the plain tiles' runs
 * (only when every clock holds whole cycles: then a sum is exact in any order).
 *
 * With whole cycles, a DRAM of one user and a latency ≥ 0, a step with DRAM
 * traffic takes a fixed time: its tile's port clock is at or before the
 * step's start t (state_vec), so step_dram gives done = t + r + w + lat (r,
 * w: the step's read and write cycles, 0 for none; each sum exact) and the
 * step ends at t + max(cyc, r + w + lat), having waited max(0, r + w + lat −
 * cyc) for memory.  Such a step is folded (kind 3) and does not break a
 * plain run; the port clock is then no longer kept (nothing reads it). */
static void fill_times(const sched *s, batch_table *bt, int whole)
{
    const int fold = whole && !s->cal && s->dram_lat >= 0;
    for (size_t i = 0; i < s->U; i++) {
        int plain = whole, memw = 0;
        for (int k = 0; k < TC_STEPS; k++) {
            const tc_step_cost *c = &bt->tc[i].step[k];
            const double r = c->dram_r > 0 ? chip_dram_cycles(s->hw, c->dram_r) : 0;
            const double w = c->dram_w > 0 ? chip_dram_cycles(s->hw, c->dram_w) : 0;
            bt->dram_r_cyc[i][k] = r;
            bt->dram_w_cyc[i][k] = w;
            bt->cyc[i][k] = c->cycles;
            bt->mw[i][k] = 0;
            bt->kind[i][k] = c->reps == 0 ? 0 : (c->dram_r > 0 || c->dram_w > 0) ? 2 : 1;
            if (bt->kind[i][k] == 2 && fold && floor(c->cycles) == c->cycles) {
                bt->kind[i][k] = 3;
                if (r > 0 || w > 0) {
                    const double busy = r + w + s->dram_lat;
                    if (busy > c->cycles) {
                        bt->cyc[i][k] = busy;
                        bt->mw[i][k] = busy - c->cycles;
                        memw = 1;
                    }
                }
            }
            if (c->reps != 0 && (bt->kind[i][k] == 2 || floor(c->cycles) != c->cycles)) plain = 0;
        }
        bt->plain[i] = plain;
        bt->memw[i] = plain && memw;
        if (!plain) continue;
        for (int a = 0; a < TC_STEPS; a++) {
            double sum = 0, wsum = 0;
            for (int k = a; k < TC_STEPS; k++) {
                if (bt->tc[i].step[k].reps != 0) {
                    sum += bt->cyc[i][k];
                    wsum += bt->mw[i][k];
                }
                bt->seg[i][a][k] = sum;
                bt->segw[i][a][k] = wsum;
            }
        }
    }
}

/* The schedule of chip hw for cfg, before any table: its units, stages,
 * clocks (zero) and link figures (link.cpp: per = ⌈bytes / bytes_per_cycle⌉
 * per sample). */
static f3_status sched_setup(sched *s, const chip_config *hw, const f3_config *cfg, size_t T, size_t U, size_t G)
{
    const size_t K = cfg->n_layers, C = cfg->widths[K];
    const f3_algorithm alg = cfg->algorithm;
    /* zero what this chip uses: the scalars and T entries of each per-tile array */
    memset(s, 0, offsetof(sched, tile));
    memset(&s->f3, 0, offsetof(sched, free) - offsetof(sched, f3));
    for (size_t u = 0; u < U; u++) {
        s->tile[u] = chip_unit_tile(hw, u);
        s->layer[u] = chip_unit_layer(hw, u);
    }
    for (size_t g = 0; g < G; g++) {
        s->gu[g] = chip_tile_unit_first(hw, chip_stage_tile_first(hw, g));
        s->par[g] = hw->n_split && chip_layer_parts(hw, g) > 1;
    }
    s->gu[G] = U;
    for (size_t i = 0; i < T; i++)
        s->free[i] = s->fwd[i] = s->bwd[i] = s->dram[i] = s->wait_in[i] = s->wait_down[i] = s->wait_mem[i] = s->bps_fwd[i] =
            s->bps_bwd[i] = s->per_fwd[i] = s->per_bwd[i] = s->wakes[i] = s->gated[i] = 0, s->uses_dram[i] = 0;
    s->bcast = 0;
    for (size_t r = 0; r < RING_MAX; r++) s->thr[r] = 0;
    s->end = 0;
    s->a = s->c = s->d = s->e = s->g = s->outs = NULL;
    s->hw = hw;
    s->cfg = cfg;
    s->K = K;
    s->T = T;
    s->U = U;
    s->G = G;
    s->R = T + 2;
    s->dram_lat = hw->dram_latency_cycles;
    s->f3 = alg == F3_ALG_F3;
    s->stream = !f3_needs_stash(alg);
    s->per_sample = hw->dataflow != CHIP_DF_WEIGHT_STATIONARY;
    s->es_dram = hw->es_placement == CHIP_ES_DRAM;
    s->one_hot = cfg->error_info.one_hot != 0;
    s->es_bytes = (s->one_hot ? 1.0 : (double)C) * hw->es_bytes_per_value;
    if (s->f3 && !s->es_dram && !(hw->es_bytes_per_cycle > 0))
        return F3_FAIL(F3_EINVAL, "analytic: an on-chip error store needs bytes_per_cycle > 0");
    /* links (link.cpp: per = ⌈bytes / bytes_per_cycle⌉ per sample); what
     * the streamer and the tiles send (streamer.cpp, tile.cpp) */
    const double AB = chip_value_bytes(cfg, F3_T_ACTIVATIONS), EB = chip_value_bytes(cfg, F3_T_ERROR);
    const double ESB = hw->es_bytes_per_value;
    if (!hw->forward.present || hw->forward.bytes_per_cycle <= 0)
        return F3_FAIL(F3_EINVAL, "analytic: the chip needs its forward links");
    s->bps_in = AB * (double)cfg->widths[0] + 4.0 * (double)C;
    if (s->f3 && K > 1) s->bps_in += (s->one_hot ? 1.0 : (double)C) * ESB;
    s->per_in = ceil(s->bps_in / hw->forward.bytes_per_cycle);
    /* the link out of stage k carries h of its last layer i (and e for F3
     * layers further down); the backward link into it, BP's δ of width
     * n_{first of stage k+1} (a split layer's k parts: k partial sums) */
    for (size_t k = 0; k + 1 < G; k++) {
        const size_t i = s->layer[s->gu[k + 1] - 1];
        double nb = AB * (double)cfg->widths[i + 1] + 4.0 * (double)C;
        if (s->stream && s->f3 && i + 2 < K) nb += s->one_hot ? ESB : ESB * (double)C;
        s->bps_fwd[k] = nb;
        s->per_fwd[k] = ceil(nb / hw->forward.bytes_per_cycle);
    }
    if (alg == F3_ALG_BP && G > 1) {
        if (!hw->backward.present || hw->backward.bytes_per_cycle <= 0)
            return F3_FAIL(F3_EINVAL, "analytic: bp needs the backward links");
        for (size_t k = 1; k < G; k++) {
            const size_t i = s->layer[s->gu[k]];
            s->bps_bwd[k] = EB * (double)cfg->widths[i] * (double)chip_layer_parts(hw, i);
            s->per_bwd[k] = ceil(s->bps_bwd[k] / hw->backward.bytes_per_cycle);
        }
    }
    if (alg == F3_ALG_DFA && G > 1) {
        if (!hw->broadcast.present || hw->broadcast.bytes_per_cycle <= 0)
            return F3_FAIL(F3_EINVAL, "analytic: dfa needs the broadcast link");
        s->bps_bcast = EB * (double)C;
        s->per_bcast = ceil(s->bps_bcast / hw->broadcast.bytes_per_cycle);
    }
    return F3_OK;
}

/* The cost tables of the batches (full: B samples, rem: r, when n is not
 * a multiple of B) and of the micro-batches (chunk), the DRAM's users, and
 * each table's packed times; *jumps: whether every clock holds whole
 * cycles (period jumps and sums are exact). */
static f3_status fill_tables(sched *s, size_t B, size_t r, batch_table *full, batch_table *rem, batch_table chunk[3],
                             int *jumps_out)
{
    const chip_config *hw = s->hw;
    const size_t T = s->T, U = s->U;
    f3_status st = fill_costs(s, full, B);
    if (st) return st;
    if (r && (st = fill_costs(s, rem, r))) return st;
    /* the tables by size: the batches, and (micro-batches) M, B mod M, r mod M */
    s->n_tabs = 0;
    s->tabs[s->n_tabs++] = full;
    if (r) s->tabs[s->n_tabs++] = rem;
    {
        const size_t M = chip_chunk(hw, B), sizes[3] = {M, B % M, r ? r % chip_chunk(hw, r) : 0};
        size_t nc = 0;
        for (int q = 0; q < 3; q++) {
            if (!sizes[q] || sizes[q] == B || (r && sizes[q] == r)) continue;
            int seen = 0;
            for (size_t k = 0; k < s->n_tabs; k++) seen |= s->tabs[k]->b == sizes[q];
            if (seen) continue;
            if ((st = fill_costs(s, &chunk[nc], sizes[q]))) return st;
            s->tabs[s->n_tabs++] = &chunk[nc++];
        }
    }
    /* chip_dram_users: the tiles with data in DRAM at the full batch's
     * placement, and the error store's reads and writes when it lives there */
    for (size_t i = 0; i < U; i++) s->uses_dram[s->tile[i]] |= full->tc[i].dram_resident > 0;
    for (size_t k = 0; k < T; k++) s->users += (size_t)s->uses_dram[k];
    if (s->f3 && s->es_dram) s->users += 2;
    if (!s->users) s->users = 1;
    s->cal = s->users >= 2;
    s->dc.n = 0;
    s->dc.oom = 0;
    /* jumps and sums are exact when every clock holds whole cycles: whole
     * latencies and whole step cycles (an LFSR may take a fractional number
     * of cycles per value); links, DRAM and the store take whole cycles */
    int jumps = integral(hw->forward.latency_cycles) && integral(hw->backward.latency_cycles) &&
                integral(hw->broadcast.latency_cycles) && integral(hw->es_latency_cycles) &&
                integral(hw->dram_latency_cycles);
    for (size_t q = 0; q < s->n_tabs; q++)
        for (size_t i = 0; i < U && jumps; i++)
            for (int k = 0; k < TC_STEPS; k++)
                if (s->tabs[q]->tc[i].step[k].reps != 0 && !integral(s->tabs[q]->tc[i].step[k].cycles)) jumps = 0;
    for (size_t q = 0; q < s->n_tabs; q++) fill_times(s, (batch_table *)s->tabs[q], jumps);
    if (s->f3) s->es_cycles = s->es_dram ? chip_dram_cycles(hw, s->es_bytes) : ceil(s->es_bytes / hw->es_bytes_per_cycle);
    *jumps_out = jumps;
    return F3_OK;
}

/* The epochs of workload w, batch by batch (n_full batches of the table
 * full, then rem's, if any), with the period jumps when jumps allows; the
 * snapshots' and the calendar's memory freed after. */
static f3_status run_epochs(sched *s, const chip_workload *w, const batch_table *full, size_t n_full,
                            const batch_table *rem, int jumps)
{
    const size_t K = s->K, B = full->b, T = s->T;
    double scratch_small[8 * 64 + F3_MAX_LAYERS * 64];
    double *buf = scratch_small, *heap = NULL;
    const size_t need = (8 + K) * B;
    if (need > sizeof scratch_small / sizeof *scratch_small) {
        heap = malloc(need * sizeof *heap);
        if (!heap) return F3_FAIL(F3_ENOMEM, "analytic: out of memory");
        buf = heap;
    }
    s->a = buf;
    s->c = buf + B;
    s->d = buf + 2 * B;
    s->e = buf + 3 * B;
    s->g = buf + 4 * B;
    s->po = buf + 5 * B;
    s->pd = buf + 6 * B;
    s->pe = buf + 7 * B;
    s->outs = buf + 8 * B;

    static _Thread_local snap hist[HIST + 1];
    static _Thread_local epoch_snaps eps[2];
    static _Thread_local snap e_snaps[2];
    snap *e_prev = &e_snaps[0], *e_now = &e_snaps[1];
    size_t e = 0;
    while (e < w->epochs) {
        epoch_snaps *cur = &eps[e & 1], *prev = e ? &eps[(e + 1) & 1] : NULL;
        size_t j = 0;
        if (run_epoch(s, full, n_full, rem, jumps, hist, prev, cur, &j)) {
            /* epochs e … E − 1 each add what batch j's state moved by since
             * the epoch before (run_epoch): whole numbers, exact */
            const snap *a = &prev->at[j - 1], *b = &cur->at[j - 1];
            const double q = (double)(w->epochs - e);
            s->end = prev->end + q * (b->end - a->end);
            for (size_t i = 0; i < T; i++) {
                s->wait_in[i] = prev->w[0][i] + q * (snap_w(b, 0, T)[i] - snap_w(a, 0, T)[i]);
                s->wait_down[i] = prev->w[1][i] + q * (snap_w(b, 1, T)[i] - snap_w(a, 1, T)[i]);
                s->wait_mem[i] = prev->w[2][i] + q * (snap_w(b, 2, T)[i] - snap_w(a, 2, T)[i]);
                s->wakes[i] = prev->w[3][i] + q * (snap_w(b, 3, T)[i] - snap_w(a, 3, T)[i]);
                s->gated[i] = prev->w[4][i] + q * (snap_w(b, 4, T)[i] - snap_w(a, 4, T)[i]);
            }
            break;
        }
        cur->end = s->end;
        memcpy(cur->w[0], s->wait_in, T * sizeof *s->wait_in);
        memcpy(cur->w[1], s->wait_down, T * sizeof *s->wait_down);
        memcpy(cur->w[2], s->wait_mem, T * sizeof *s->wait_mem);
        memcpy(cur->w[3], s->wakes, T * sizeof *s->wakes);
        memcpy(cur->w[4], s->gated, T * sizeof *s->gated);
        e++;
        if (!jumps || e >= w->epochs) continue;
        /* an epoch that repeats the previous one, shifted: so will the rest */
        take(s, e_now);
        if (e >= 2 && same_state(e_prev, e_now)) {
            size_t q = w->epochs - e;
            jump(s, e_prev, e_now, (double)q);
            e += q;
            break;
        }
        snap *x = e_prev; /* the pointers, not the (large) snapshots */
        e_prev = e_now;
        e_now = x;
    }
    free(heap);
    /* the snapshots' heap buffers and the scratch: freed with each run (a
     * thread's TLS would otherwise hold them past its end); a snapshot is
     * read only after this run took it, so the others need no reset */
    if (snaps_on_heap) {
        for (size_t k = 0; k <= HIST; k++) snap_release(&hist[k]);
        for (int k = 0; k < 2; k++) {
            snap_release(&e_snaps[k]);
            for (size_t q = 0; q < EPOCH_SNAPS; q++) snap_release(&eps[k].at[q]);
        }
        snaps_on_heap = 0;
    }
    free(s->sv);
    s->sv = NULL;
    s->sv_cap = 0;
    const int cal_oom = s->dc.oom;
    dram_calendar_free(&s->dc);
    if (cal_oom) return F3_FAIL(F3_ENOMEM, "analytic: out of memory (the DRAM calendar)");
    return F3_OK;
}

/* The totals of the run, as the modules report them (tile.cpp
 * end_of_simulation): full's batches n_full times and rem's once per epoch. */
static void sched_totals(const sched *s, const chip_workload *w, const batch_table *full, const batch_table *rem,
                         size_t n_full, chip_totals *t)
{
    const chip_config *hw = s->hw;
    const f3_config *cfg = s->cfg;
    const size_t U = s->U, G = s->G, n = w->n_train;
    const f3_algorithm alg = cfg->algorithm;
    memset(t, 0, offsetof(chip_totals, tile) + U * sizeof t->tile[0]);
    const uint64_t samples = (uint64_t)n * (uint64_t)w->epochs;
    t->end = s->end;
    t->samples = samples;
    t->n_train = n;
    t->link_in_bytes = samples * (uint64_t)s->bps_in;
    if (alg == F3_ALG_DFA && G > 1) t->link_bcast_bytes = samples * (uint64_t)s->bps_bcast;
    if (s->f3) {
        t->es_read = (double)samples * s->es_bytes;
        t->es_written = (double)samples * s->es_bytes;
    }
    for (size_t i = 0; i < U; i++) {
        chip_tile_totals *tt = &t->tile[i];
        const size_t k = s->tile[i], g = chip_stage_of_tile(hw, k), li = s->layer[i];
        if (i == chip_tile_unit_first(hw, k)) {
            /* the tile's own figures on its first unit, a stage's links on
             * its first tile's (chip_totals) */
            tt->wait_input = s->wait_in[k];
            tt->wait_downstream = s->wait_down[k];
            tt->wait_memory = s->wait_mem[k];
            tt->wakes = s->wakes[k];
            tt->gated = s->gated[k];
            if (k == chip_stage_tile_first(hw, g)) {
                if (g + 1 < G) tt->link_fwd_bytes = samples * (uint64_t)s->bps_fwd[g];
                if (alg == F3_ALG_BP && g + 1 < G) tt->link_bwd_bytes = samples * (uint64_t)s->bps_bwd[g + 1];
            }
        }
        /* BP: the reduction of a split layer's partial sums of δh_{i−1} */
        if (alg == F3_ALG_BP && s->par[g] && i == s->gu[g] && li > 0)
            tt->red_add = (double)samples * (double)(chip_layer_parts(hw, li) - 1) * (double)cfg->widths[li];
        /* tile.cpp end_of_simulation: executions × the table, batch sizes in
         * increasing order; a micro-batched batch runs its steps on the
         * micro-batches' tables and its update on its own */
        uint64_t calls[5][TC_STEPS];
        memset(calls, 0, sizeof calls);
        const batch_table *kinds[2] = {full, rem};
        const uint64_t count[2] = {(uint64_t)w->epochs * n_full, (uint64_t)w->epochs};
        for (int q = 0; q < 2; q++) {
            if (!kinds[q] || !count[q]) continue;
            const size_t bb = kinds[q]->b, M = chip_chunk(hw, bb);
            for (size_t c0 = 0; c0 < bb; c0 += M) {
                const size_t m = M < bb - c0 ? M : bb - c0;
                size_t x = 0;
                while (s->tabs[x]->b != m) x++;
                for (int k = 0; k < TC_STEPS; k++)
                    if (k != TC_APPLY) calls[x][k] += count[q] * (uint64_t)s->tabs[x]->tc[i].step[k].reps;
            }
            size_t x = 0;
            while (s->tabs[x] != kinds[q]) x++;
            calls[x][TC_APPLY] += count[q] * (uint64_t)kinds[q]->tc[i].step[TC_APPLY].reps;
        }
        /* in increasing size (tile.cpp's std::map) */
        for (size_t done = 0; done < s->n_tabs; done++) {
            size_t x = SIZE_MAX;
            for (size_t q = 0; q < s->n_tabs; q++) {
                size_t rank = 0;
                for (size_t o = 0; o < s->n_tabs; o++) rank += s->tabs[o]->b < s->tabs[q]->b;
                if (rank == done) x = q;
            }
            chip_totals_add_steps(hw, &s->tabs[x]->tc[i], calls[x], tt);
        }
        tt->ledger_fma = w->ledger_fma[li];
        tt->ledger_feedback_fma = w->ledger_feedback_fma[li];
        tt->ledger_elem = w->ledger_elem[li];
    }
}

f3_status chip_analytic_run(const chip_config *hw, const chip_workload *w, chip_result *out)
{
    const f3_config *cfg = &w->cfg;
    const size_t K = cfg->n_layers, B = cfg->batch_size, n = w->n_train;
    if (!K || K > F3_MAX_LAYERS || !B || !n || B > n)
        return F3_FAIL(F3_EINVAL, "analytic: a workload of %zu layers, batch %zu over %zu samples", K, B, n);
    f3_status st = chip_blocks_check(hw, cfg);
    if (st) return st;
    if (hw->n_blocks != w->n_blocks)
        return F3_FAIL(F3_EINVAL, "analytic: a chip of %zu blocks with the workload of %s", hw->n_blocks,
                       w->n_blocks ? "a network of blocks" : "an MLP");
    if ((st = chip_mapping_check(hw, cfg))) return st;
    const size_t T = chip_n_tiles(hw, cfg), U = chip_n_units(hw, cfg), G = chip_n_stages(hw, cfg);
    static _Thread_local sched s;
    if ((st = sched_setup(&s, hw, cfg, T, U, G))) return st;
    static _Thread_local batch_table full, rem, chunk[3];
    const size_t n_full = n / B, r = n % B;
    int jumps;
    if ((st = fill_tables(&s, B, r, &full, &rem, chunk, &jumps))) return st;
    if ((st = run_epochs(&s, w, &full, n_full, r ? &rem : NULL, jumps))) return st;
    static _Thread_local chip_totals t;
    sched_totals(&s, w, &full, r ? &rem : NULL, n_full, &t);
    chip_result_assemble(hw, cfg, &t, full.tc, out);
    return F3_OK;
}

/* ---- the inference-only baseline ------------------------------------------------------ */

f3_status chip_inference_run(const chip_config *hw, const f3_config *cfg, const chip_result *train, chip_inference *out)
{
    memset(out, 0, sizeof *out);
    chip_config *inf = &out->hw;
    *inf = *hw;
    inf->inference = 1;
    inf->trace = 0;
    inf->micro_batch = 0; /* a forward pass has no batch gradient to keep */
    /* no error store: its figures (perhaps still auto, NaN) never count */
    inf->es_read_pj = inf->es_write_pj = inf->es_leakage_uw_per_kib = inf->es_area_mm2_per_kib = 0;
    /* no error store (LLO has none) and no backward traffic; the rule's
     * numerics and shapes otherwise */
    f3_config icfg = *cfg;
    icfg.algorithm = F3_ALG_LLO;
    if (hw->lane == CHIP_LANE_TRAINING) {
        const chip_fixed_figures *fx = chip_fixed_figures_45nm();
        inf->lane = CHIP_LANE_MAC;
        inf->lane_leakage_uw = hw->lane_leakage_uw * fx->mac_lane_leakage_uw / fx->lane_leakage_uw;
        inf->lane_area_mm2 = hw->lane_area_mm2 * fx->mac_lane_area_mm2 / fx->lane_area_mm2;
    }
    /* explicit tiles, each SRAM cut to its inference need in whole macros */
    const size_t T = chip_n_tiles(hw, cfg);
    if (!hw->n_tiles) {
        inf->n_tiles = T;
        for (size_t t = 0; t <= T; t++) inf->tile_first[t] = t;
    }
    for (size_t t = 0; t < T; t++) inf->tiles[t] = chip_tile_figures(hw, t);
    const double macro = hw->sram_macro_bytes > 0 ? hw->sram_macro_bytes : 1024.0;
    for (size_t t = 0; t < T; t++) {
        const size_t n = chip_tile_unit_last(inf, &icfg, t) - chip_tile_unit_first(inf, t) + 1;
        tile_cost *tc = malloc(n * sizeof *tc);
        if (!tc) return F3_FAIL(F3_ENOMEM, "inference baseline: out of memory");
        f3_status st = tile_cost_compute_tile(inf, &icfg, t, cfg->batch_size, tc);
        double need = 0;
        for (size_t l = 0; l < n && !st; l++) need += tc[l].sram_needed;
        free(tc);
        if (st) return st;
        double cap = ceil(need / macro - 1e-9) * macro;
        if (cap < macro) cap = macro;
        if (cap < inf->tiles[t].sram_capacity_bytes) inf->tiles[t].sram_capacity_bytes = cap;
    }
    /* the forward phase of the ledger (z = W h + b, h = f(z)) over the same samples */
    chip_workload w;
    memset(&w, 0, sizeof w);
    w.cfg = icfg;
    w.n_train = train->samples ? (size_t)train->samples : 1;
    w.epochs = 1;
    const f3_run_shape run = f3_run_shape_epochs(w.n_train, cfg->batch_size,
                                                 (w.n_train + cfg->batch_size - 1) / cfg->batch_size);
    w.n_blocks = hw->n_blocks;
    {
        f3_status st = chip_blocks_check(hw, cfg);
        if (st) return st;
    }
    const f3_blocktrain_config bcfg = {icfg.algorithm, icfg.error_info, icfg.optimizer, icfg.lr,
                                       icfg.beta1,     icfg.beta2,      icfg.eps,       icfg.widths[icfg.n_layers]};
    for (size_t i = 0; i < cfg->n_layers; i++) {
        f3_counts c;
        f3_status st = hw->n_blocks ? f3_blockformula_counts(hw->blocks, hw->n_blocks, &bcfg, i, F3_PH_FORWARD, run, &c)
                                    : f3_formula_counts(&icfg, i, F3_PH_FORWARD, run, &c);
        if (st) return st;
        w.ledger_fma[i] = (double)c.fma;
        w.ledger_elem[i] = (double)c.elem;
    }
    f3_status st = chip_analytic_run(inf, &w, &out->res);
    if (st) return st;
    /* power: energy over time (pJ / µs = µW) */
    double e = 0, et = 0;
    for (int q = 0; q < CHIP_E_COUNT; q++) e += out->res.energy_pj[q], et += train->energy_pj[q];
    const double us = (double)out->res.cycles / hw->clock_mhz, ust = (double)train->cycles / hw->clock_mhz;
    out->power_mw = us > 0 ? e / us / 1e3 : 0;
    out->train_power_mw = ust > 0 ? et / ust / 1e3 : 0;
    /* the area learning adds, by part */
    out->add_es_mm2 = train->es_area_mm2;
    double rom_kib = 0;
    for (size_t t = 0; t < T; t++) rom_kib += train->tile[t].rom_bytes / 1024.0;
    out->add_rom_mm2 = rom_kib * hw->rom_area_mm2_per_kib;
    double sram_mm2 = 0;
    for (size_t t = 0; t < T; t++) {
        const chip_tile_hw th = chip_tile_figures(hw, t);
        sram_mm2 += (th.sram_capacity_bytes - inf->tiles[t].sram_capacity_bytes) / 1024.0 * th.sram_area_mm2_per_kib;
    }
    out->add_sram_mm2 = sram_mm2;
    /* the rest: the training lanes' extra units and the LFSRs */
    out->add_lanes_mm2 = train->area_mm2 - out->res.area_mm2 - out->add_rom_mm2 - out->add_es_mm2 - out->add_sram_mm2;
    return F3_OK;
}
