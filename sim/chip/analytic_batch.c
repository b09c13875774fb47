/* analytic_batch.c — one batch through the streamer and every tile, clock
 * by clock as the SystemC model runs it (see analytic.c). */
#include "analytic.h"
#include "analytic_internal.h"

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dram_calendar.h"
#include "tile_cost.h"

/* tile k waits until cycle t (tile.cpp wait_until): with power gating a
 * wait of at least min_idle_cycles switches the lanes off, and waking them
 * delays the next step by wake_cycles */
static double wait_until(sched *s, size_t k, double t, double *acc)
{
    if (t > s->free[k]) {
        const chip_config *hw = s->hw;
        if (hw->gating && t - s->free[k] >= hw->gate_min_idle) {
            s->wakes[k] += 1;
            s->gated[k] += t - s->free[k];
            t += hw->wake_cycles;
        }
        *acc += t - s->free[k];
        s->free[k] = t;
    }
    return s->free[k];
}

/* tile.cpp step(): one rep of step st from cycle t */
static double step_dram(sched *s, const batch_table *bt, size_t i, int st, double t)
{
    /* the packed figures only (dram_*_cyc > 0 exactly when the step moves
     * DRAM bytes that way), not the large cost table */
    double end = t + bt->cyc[i][st];
    {
        const double lat = s->dram_lat;
        const size_t k = s->tile[i]; /* the tile's port clock (one user) */
        double done = t;
        if (s->cal) {
            /* shared: the calendar (dram.cpp), reads then writes */
            if (bt->dram_r_cyc[i][st] > 0) done = dmax(done, dram_calendar_place(&s->dc, t, bt->dram_r_cyc[i][st]) + lat);
            if (bt->dram_w_cyc[i][st] > 0) done = dmax(done, dram_calendar_place(&s->dc, t, bt->dram_w_cyc[i][st]) + lat);
        } else {
            /* one user: its own port clock */
            if (bt->dram_r_cyc[i][st] > 0) {
                s->dram[k] = dmax(s->dram[k], t) + bt->dram_r_cyc[i][st];
                done = dmax(done, s->dram[k] + lat);
            }
            if (bt->dram_w_cyc[i][st] > 0) {
                s->dram[k] = dmax(s->dram[k], t) + bt->dram_w_cyc[i][st];
                done = dmax(done, s->dram[k] + lat);
            }
        }
        if (done > end) {
            s->wait_mem[k] += done - end;
            end = done;
        }
    }
    return end;
}

static inline double step(sched *s, const batch_table *bt, size_t i, int st, double t)
{
    switch (bt->kind[i][st]) {
    case 0: return t;
    case 1: return t + bt->cyc[i][st];
    case 3: s->wait_mem[s->tile[i]] += bt->mw[i][st]; return t + bt->cyc[i][st];
    default: return step_dram(s, bt, i, st, t);
    }
}

static double steps(sched *s, const batch_table *bt, size_t i, int first, int last, double t)
{
    if (bt->plain[i]) {
        if (bt->memw[i]) s->wait_mem[s->tile[i]] += bt->segw[i][first][last];
        return t + bt->seg[i][first][last];
    }
    for (int st = first; st <= last; st++) t = step(s, bt, i, st, t);
    return t;
}

/* link.cpp send(): sample j leaves at sent[j], arrives at ready[j] */
static void link_send(double *free, double per, double lat, const double *sent, double *ready, size_t b)
{
    double f = *free; /* in a register: the chain of samples is the hot loop */
    for (size_t j = 0; j < b; j++) {
        double start = dmax(f, sent[j]);
        double done = start + per;
        f = done;
        ready[j] = done + lat;
    }
    *free = f;
}

static double vmax(const double *v, size_t b)
{
    double m = v[0];
    for (size_t j = 1; j < b; j++)
        if (v[j] > m) m = v[j];
    return m;
}

/* The table of a micro-batch of m samples (one of s->tabs). */
static const batch_table *table_of(const sched *s, size_t m)
{
    for (size_t k = 0; k < s->n_tabs; k++)
        if (s->tabs[k]->b == m) return s->tabs[k];
    return s->tabs[0]; /* not reached: every size is filled before the run */
}

/* streamer.cpp, and the error store's reads: when each sample of the batch
 * is ready at the first tile (into ready). */
static void batch_entry(sched *s, const batch_table *bt, int epoch_start, double *ready)
{
    const chip_config *hw = s->hw;
    const size_t b = bt->b;
    /* streamer.cpp */
    if (epoch_start) s->local = dmax(s->local, s->end);
    s->local = dmax(s->local, s->thr[0]);
    for (size_t j = 0; j < b; j++) ready[j] = s->local;
    if (s->f3 && s->es_dram) {
        /* in DRAM (two users at least: its reads and writes): the calendar */
        const double lat = hw->dram_latency_cycles;
        for (size_t j = 0; j < b; j++) ready[j] = dram_calendar_place(&s->dc, s->local, s->es_cycles) + lat;
    } else if (s->f3) {
        double *port = &s->es_rd;
        const double lat = hw->es_latency_cycles, local = s->local;
        double f = *port;
        for (size_t j = 0; j < b; j++) {
            f = dmax(f, local) + s->es_cycles;
            ready[j] = f + lat;
        }
        *port = f;
    }
    link_send(&s->link_in, s->per_in, hw->forward.latency_cycles, ready, ready, b);
}

/* tile.cpp: F3, DRTP, LLO — the batch up through the tiles, each sample
 * trained on the way; returns the cycle the batch is through. */
static double stream_pass(sched *s, const batch_table *bt, double *ready, double *tmp)
{
    const chip_config *hw = s->hw;
    const size_t K = s->K, b = bt->b, G = s->G;
    double through = 0;
    /* tile.cpp: F3, DRTP, LLO; a tile runs its layers one after another,
     * the layer above taking the one below's outputs without a link; the
     * parts of a split layer each from the same input, on their own
     * tiles, and h_i is whole when every part's slice is */
    for (size_t g = 0; g < G; g++) {
        const size_t u0 = s->gu[g], u1 = s->gu[g + 1];
        double *out = tmp;
        for (size_t u = u0; u < u1; u++) {
            const size_t k = s->tile[u];
            const int part = s->par[g] && u > u0;
            if (!s->par[g]) out = tmp;
            double *o = part ? s->po : out;
            if (s->per_sample && bt->plain[u] && !s->hw->gating) {
                /* the same sums, with the clocks in registers; (fr + A) + Bs
                 * as fr + (A + Bs), one add on the chain of samples (whole
                 * numbers: exact) */
                const double A = bt->seg[u][TC_FORWARD][TC_ACTIVATION], Bs = bt->seg[u][TC_FEEDBACK][TC_GRADIENT];
                const double AB = A + Bs;
                double fr = s->free[k], win = s->wait_in[k];
                for (size_t j = 0; j < b; j++) {
                    if (ready[j] > fr) {
                        win += ready[j] - fr;
                        fr = ready[j];
                    }
                    o[j] = fr + A;
                    fr = fr + AB;
                }
                s->free[k] = fr;
                s->wait_in[k] = win;
                if (bt->memw[u])
                    s->wait_mem[k] += (double)b * (bt->segw[u][TC_FORWARD][TC_ACTIVATION] +
                                                   bt->segw[u][TC_FEEDBACK][TC_GRADIENT]);
            } else if (s->per_sample) {
                for (size_t j = 0; j < b; j++) {
                    double t = wait_until(s, k, ready[j], &s->wait_in[k]);
                    t = steps(s, bt, u, TC_FORWARD, TC_ACTIVATION, t);
                    o[j] = t;
                    s->free[k] = steps(s, bt, u, TC_FEEDBACK, TC_GRADIENT, t);
                }
            } else {
                /* weight_stationary: the batch, or each micro-batch */
                const size_t M = chip_chunk(hw, b);
                for (size_t c0 = 0; c0 < b; c0 += M) {
                    const size_t m = M < b - c0 ? M : b - c0;
                    const batch_table *ct = m == b ? bt : table_of(s, m);
                    double t = wait_until(s, k, vmax(ready + c0, m), &s->wait_in[k]);
                    const double ta = t = steps(s, ct, u, TC_FORWARD, TC_ACTIVATION, t);
                    t = steps(s, ct, u, TC_FEEDBACK, TC_GRADIENT, t);
                    /* the output layer's y is out after the activation (its loss and e) */
                    for (size_t j = c0; j < c0 + m; j++) o[j] = s->layer[u] + 1 == K ? ta : t;
                    s->free[k] = t;
                }
            }
            s->free[k] = step(s, bt, u, TC_APPLY, s->free[k]);
            if (s->f3 && s->es_dram && s->layer[u] + 1 == K)
                /* tile.cpp: the output tile writes e of each sample (the calendar) */
                for (size_t j = 0; j < b; j++) dram_calendar_place(&s->dc, o[j], s->es_cycles);
            if (part)
                for (size_t j = 0; j < b; j++) out[j] = dmax(out[j], o[j]);
            if (!s->par[g] && u + 1 < u1) {
                double *x = ready; /* the next layer is on this tile */
                ready = out;
                tmp = x;
            }
            if (s->par[g] || u + 1 == u1) through = dmax(through, s->free[k]);
        }
        if (g + 1 < G) link_send(&s->fwd[g], s->per_fwd[g], hw->forward.latency_cycles, out, ready, b);
    }
    return through;
}

/* tile.cpp: BP and DFA, the forward pass through the chain (each layer's
 * outputs into s->outs). */
static void chain_forward(sched *s, const batch_table *bt, double *ready)
{
    const chip_config *hw = s->hw;
    const size_t K = s->K, b = bt->b, G = s->G;
    for (size_t g = 0; g < G; g++) {
        const size_t u0 = s->gu[g], u1 = s->gu[g + 1];
        for (size_t u = u0; u < u1; u++) {
            const size_t k = s->tile[u], i = s->layer[u];
            const int part = s->par[g] && u > u0;
            double *out = s->outs + i * b, *o = part ? s->po : out;
            if (s->per_sample && bt->plain[u] && !s->hw->gating) {
                const double A = bt->seg[u][TC_FORWARD][TC_ACTIVATION];
                double fr = s->free[k], win = s->wait_in[k];
                for (size_t j = 0; j < b; j++) {
                    if (ready[j] > fr) {
                        win += ready[j] - fr;
                        fr = ready[j];
                    }
                    fr = o[j] = fr + A;
                }
                s->free[k] = fr;
                s->wait_in[k] = win;
                if (bt->memw[u]) s->wait_mem[k] += (double)b * bt->segw[u][TC_FORWARD][TC_ACTIVATION];
            } else if (s->per_sample) {
                for (size_t j = 0; j < b; j++) {
                    double t = wait_until(s, k, ready[j], &s->wait_in[k]);
                    s->free[k] = o[j] = steps(s, bt, u, TC_FORWARD, TC_ACTIVATION, t);
                }
            } else {
                const size_t M = chip_chunk(hw, b);
                for (size_t c0 = 0; c0 < b; c0 += M) {
                    const size_t m = M < b - c0 ? M : b - c0;
                    const batch_table *ct = m == b ? bt : table_of(s, m);
                    double t = wait_until(s, k, vmax(ready + c0, m), &s->wait_in[k]);
                    s->free[k] = steps(s, ct, u, TC_FORWARD, TC_ACTIVATION, t);
                    for (size_t j = c0; j < c0 + m; j++) o[j] = s->free[k];
                }
            }
            if (part)
                for (size_t j = 0; j < b; j++) out[j] = dmax(out[j], o[j]);
            if (i + 1 < K && (s->par[g] ? u + 1 == u1 : 1)) {
                if (u + 1 == u1)
                    link_send(&s->fwd[g], s->per_fwd[g], hw->forward.latency_cycles, out, ready, b);
                else
                    memcpy(ready, out, b * sizeof *ready); /* the next layer is on this tile */
            }
        }
    }
}

/* tile.cpp: BP and DFA, back down the chain from the output layer's loss;
 * returns the cycle the batch is through. */
static double chain_backward(sched *s, const batch_table *bt)
{
    const chip_config *hw = s->hw;
    const size_t K = s->K, b = bt->b, G = s->G;
    double through = 0;
    const int dfa = s->cfg->algorithm == F3_ALG_DFA;
    double *back = s->outs + (K - 1) * b; /* the output layer: its loss at once */
    double *down = s->c, *e_ready = s->d, *bc = s->e, *eo = s->g;
    for (size_t gg = G; gg-- > 0;) {
        const size_t g = gg, u0 = s->gu[g], u1 = s->gu[g + 1];
        for (size_t uu = u1; uu-- > u0;) {
            /* a split layer's parts in order, all from the same δ; a
             * tile's layers from the top */
            const size_t u = s->par[g] ? u0 + (u1 - 1 - uu) : uu, k = s->tile[u], i = s->layer[u];
            const int part = s->par[g] && u > u0;
            double *dn = part ? s->pd : down, *er = part ? s->pe : e_ready;
            if (i + 1 < K && dfa) back = g == G - 1 ? eo : bc; /* e: on this tile, or broadcast */
            if (s->per_sample && bt->plain[u] && !s->hw->gating) {
                /* ((fr + A) + Bp) + Gr as fr + (A + Bp + Gr), one add on the
                 * chain of samples (whole numbers: exact) */
                const double A = bt->seg[u][TC_FEEDBACK][TC_DZ], Bp = bt->seg[u][TC_BACKPROP][TC_BACKPROP],
                             Gr = bt->seg[u][TC_GRADIENT][TC_GRADIENT];
                const double AB = A + Bp, ABG = AB + Gr;
                double fr = s->free[k], wd = s->wait_down[k];
                for (size_t j = 0; j < b; j++) {
                    if (back[j] > fr) {
                        wd += back[j] - fr;
                        fr = back[j];
                    }
                    er[j] = fr + A;
                    dn[j] = fr + AB;
                    fr = fr + ABG;
                }
                s->free[k] = fr;
                s->wait_down[k] = wd;
                if (bt->memw[u])
                    s->wait_mem[k] += (double)b * (bt->segw[u][TC_FEEDBACK][TC_DZ] +
                                                   bt->segw[u][TC_BACKPROP][TC_BACKPROP] +
                                                   bt->segw[u][TC_GRADIENT][TC_GRADIENT]);
            } else if (s->per_sample) {
                /* δ from the old W first, then the gradient (tile.cpp) */
                for (size_t j = 0; j < b; j++) {
                    double t = wait_until(s, k, back[j], &s->wait_down[k]);
                    t = steps(s, bt, u, TC_FEEDBACK, TC_DZ, t);
                    er[j] = t;
                    dn[j] = t = step(s, bt, u, TC_BACKPROP, t);
                    s->free[k] = step(s, bt, u, TC_GRADIENT, t);
                }
            } else {
                const size_t M = chip_chunk(hw, b);
                for (size_t c0 = 0; c0 < b; c0 += M) {
                    const size_t m = M < b - c0 ? M : b - c0;
                    const batch_table *ct = m == b ? bt : table_of(s, m);
                    double t = wait_until(s, k, vmax(back + c0, m), &s->wait_down[k]);
                    t = steps(s, ct, u, TC_FEEDBACK, TC_DZ, t);
                    for (size_t j = c0; j < c0 + m; j++) er[j] = t;
                    s->free[k] = steps(s, ct, u, TC_GRADIENT, TC_BACKPROP, t);
                    for (size_t j = c0; j < c0 + m; j++) dn[j] = s->free[k];
                }
            }
            s->free[k] = step(s, bt, u, TC_APPLY, s->free[k]);
            if (part)
                for (size_t j = 0; j < b; j++) {
                    down[j] = dmax(down[j], dn[j]);
                    e_ready[j] = dmax(e_ready[j], er[j]);
                }
            if (s->par[g] || u == u0) through = dmax(through, s->free[k]);
            if (s->par[g] && uu != u0) continue; /* the parts' δ leaves when the last part is through */
            if (!dfa && i > 0) {
                /* δ for the layer below, into a buffer that layer reads next:
                 * over the backward link from the stage's first layer, else
                 * on the tile */
                double *nb = s->outs + i * b;
                if (s->par[g] || u == u0)
                    link_send(&s->bwd[g - 1], s->per_bwd[g], hw->backward.latency_cycles, down, nb, b);
                else
                    memcpy(nb, down, b * sizeof *nb);
                back = nb;
            }
            if (dfa && i == K - 1) {
                memcpy(eo, e_ready, b * sizeof *eo);
                if (G > 1) link_send(&s->bcast, s->per_bcast, hw->broadcast.latency_cycles, e_ready, bc, b);
            }
        }
    }
    return through;
}

/* chip_top.cpp tile_done, once the batch is through; and the DRAM
 * calendar's past that no request can reach. */
static void batch_exit(sched *s, double through)
{
    /* chip_top.cpp tile_done: m_end, and the slot's through cycle */
    s->end = dmax(s->end, through);
    memmove(s->thr, s->thr + 1, (s->R - 1) * sizeof *s->thr);
    s->thr[s->R - 1] = through;
    /* every request still to come is made at or after its tile's clock (a
     * step starts at max(m_free, its input)), the output tile's for the
     * store's writes, and the next batch's entry for the store's reads:
     * what ended before the earliest of them cannot matter */
    if (s->cal) {
        double h = s->es_dram ? dmax(s->local, s->thr[0]) : INFINITY;
        for (size_t k = 0; k < s->T; k++) h = h < s->free[k] ? h : s->free[k];
        dram_calendar_prune(&s->dc, h);
    }
}

/* One batch of b samples through the streamer and every tile. */
void an_run_batch(sched *s, const batch_table *bt, int epoch_start)
{
    double *ready = s->a, *tmp = s->c;
    batch_entry(s, bt, epoch_start, ready);
    double through;
    if (s->stream) {
        through = stream_pass(s, bt, ready, tmp);
    } else {
        chain_forward(s, bt, ready);
        through = chain_backward(s, bt);
    }
    batch_exit(s, through);
}
