/* analytic_vs_systemc.c — the analytic chip evaluator (sim/chip/analytic.h)
 * against the SystemC model, its reference, on random chips and shapes.
 *
 *   analytic_vs_systemc N SEED [blocks]
 *
 * For each of N random points (network 1–3 layers of 2–40 units, every
 * learning rule, batch 1–7 with SGD or Adam, every dataflow the rule can
 * run, random number formats, ROM encodings, SRAM sizes that put part of a
 * tile in DRAM, link, DRAM and error-store widths and latencies, energy and
 * area figures, 1–5 epochs over 3–40 samples) it trains on the SystemC chip
 * in a child process (SystemC elaborates once per process), evaluates the
 * same point analytically in this one, and compares every field of
 * chip_result: cycles, samples, every byte count, energy by item per tile,
 * area, rates — exactly (==, no tolerance).  Prints the first differences
 * of each failing point with its configuration; exit 0 only if every point
 * agrees, 1 otherwise, 2 on bad arguments.
 *
 * With `blocks`, each point is a random network of blocks instead
 * (f3/blockspec.h text: 1–3 blocks of linear ops with and without bias,
 * layer norms, the four activations, attention of 1–2 heads over 1–4
 * tokens, residuals around them, a patchify of a small image; the chip's
 * hardware drawn as above, without split layers), trained by the block
 * trainer on the SystemC tiles (chip_sim_new_blocks) and evaluated by the
 * analytic evaluator on the closed forms of blocks
 * (chip_workload_init_blocks): every field equal as above.  The SystemC
 * child also trains the same network with the plain block trainer
 * (f3_blocktrainer_step, its independent reference: the calls in their
 * plain order) and requires the parameters, the error store, the ledger
 * (every phase of every block, live counts and peaks), the stash peak,
 * E·B_k's FMAs, the saturations and each epoch's loss, correct
 * predictions and samples to be bit for bit the same; before the points,
 * chip_sim_new and chip_sim_new_blocks refuse every mismatch of chip,
 * trainer and data set. */
#include <errno.h>
#include <stdarg.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "analytic.h"
#include "chip.h"
#include "f3/blockspec.h"
#include "f3/blocktrain.h"
#include "f3/dataset.h"
#include "f3/status.h"
#include "f3/train.h"
#include "f3/vit.h"
#include "tile_cost.h"

static uint64_t rng_state;
static uint64_t next_u64(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
static size_t uni(size_t lo, size_t hi) { return lo + (size_t)(next_u64() % (hi - lo + 1)); } /* [lo, hi] */
static double unif(double lo, double hi) { return lo + (hi - lo) * (double)(next_u64() >> 11) * 0x1p-53; }
static int coin(double p) { return unif(0, 1) < p; }

typedef struct {
    f3_config cfg;
    chip_config hw;
    size_t n, epochs;
    /* a network of blocks (nb > 0): hw.blocks points at blocks */
    char spec[512];
    f3_blockspec_input in;
    f3_block blocks[F3_BLOCKNET_MAX_BLOCKS];
    size_t nb;
} point;

static const char *const fmt_names[] = {"fp32", "bf16", "fp16", "q4.12", "q2.6", "q8.24", "q3.9"};

static void random_formats(f3_config *cfg)
{
    if (coin(0.5)) return; /* fp32 everywhere */
    for (int t = 0; t < F3_T_COUNT; t++) {
        f3_format f;
        if (f3_parse_format(fmt_names[uni(0, 6)], &f) == F3_OK) {
            f.rounding = cfg->numerics.fmt[t].rounding;
            cfg->numerics.fmt[t] = f;
        }
    }
}

static void random_link(chip_link_config *l, int present)
{
    l->present = present;
    l->bytes_per_cycle = coin(0.3) ? 1e6 : (double)uni(1, 64);
    l->latency_cycles = (double)uni(0, 12);
    l->pj_per_byte = unif(0.01, 3.0);
}

/* the last fifth of the points: a DRAM shared under load (every tile
 * spills, a narrow port), where the order of placement decides */
static int g_contend;

static int random_hw(point *p);

/* A random point the chip can run (1 once found, 0 to draw again). */
static int random_point(point *p)
{
    memset(p, 0, sizeof *p);
    f3_config *cfg = &p->cfg;
    *cfg = f3_config_default();
    const f3_algorithm algs[] = {F3_ALG_F3, F3_ALG_BP, F3_ALG_DFA, F3_ALG_DRTP, F3_ALG_LLO};
    cfg->algorithm = algs[uni(0, 4)];
    cfg->n_layers = uni(1, 4); /* DFA without hidden layers too: no broadcast (issue 17, D1) */
    cfg->widths[0] = uni(2, 40);
    for (size_t i = 1; i < cfg->n_layers; i++) cfg->widths[i] = uni(2, 40);
    cfg->widths[cfg->n_layers] = uni(2, 10);
    cfg->batch_size = coin(0.4) ? 1 : uni(2, 7);
    cfg->optimizer = coin(0.5) ? F3_OPT_SGD : F3_OPT_ADAM;
    cfg->lr = cfg->optimizer == F3_OPT_SGD ? 0.01 : 1e-3;
    if (cfg->algorithm == F3_ALG_F3) {
        cfg->error_info.one_hot = coin(0.5);
        cfg->e0 = coin(0.3) ? F3_E0_INFERENCE : F3_E0_TARGETS;
    }
    cfg->feedback_init = coin(0.6) ? F3_FB_TRINOMIAL : F3_FB_KAIMING_UNIFORM;
    cfg->bias = coin(0.8);
    cfg->seed = next_u64() % 1000 + 1;
    random_formats(cfg);
    p->n = uni(cfg->batch_size > 3 ? cfg->batch_size : 3, 40);
    p->epochs = uni(1, 5);
    if (f3_config_validate(cfg, F3_TASK_CLASSIFICATION) != F3_OK) return 0;
    return random_hw(p);
}

/* The chip of a point whose network p->cfg (and p->blocks) is drawn (1
 * once it can run it, 0 to draw again). */
static int random_hw(point *p)
{
    f3_config *cfg = &p->cfg;
    chip_config *hw = &p->hw;
    const chip_dataflow dfs[] = {CHIP_DF_OUTPUT_STATIONARY, CHIP_DF_WEIGHT_STATIONARY, CHIP_DF_FUSED};
    hw->dataflow = dfs[uni(0, 2)];
    if (hw->dataflow == CHIP_DF_FUSED && coin(0.7)) { /* make fused runnable more often */
        cfg->batch_size = 1;
        cfg->optimizer = F3_OPT_SGD;
        if (cfg->algorithm == F3_ALG_DFA) cfg->algorithm = F3_ALG_F3;
    }
    if (chip_dataflow_check(hw->dataflow, cfg) != F3_OK) return 0;
    if (p->nb) {
        hw->blocks = p->blocks;
        hw->n_blocks = p->nb;
    }
    hw->clock_mhz = unif(50, 2000);
    hw->mac_lanes = (unsigned)uni(1, 16);
    hw->step_latency = (unsigned)uni(0, 5);
    hw->lane_leakage_uw = unif(0, 50);
    hw->lane_area_mm2 = unif(0.001, 0.05);
    hw->reg_capacity_bytes = (double)uni(64, 8192);
    hw->reg_pj_per_byte = unif(0.01, 1);
    hw->reg_leakage_uw_per_kib = unif(0, 20);
    hw->reg_area_mm2_per_kib = unif(0.001, 0.1);
    hw->sram_capacity_bytes = coin(0.4) ? (double)uni(256, 8192) : 64.0 * 1024 * 1024;
    hw->sram_banks = (unsigned)uni(1, 4);
    hw->sram_bytes_per_cycle_per_bank = coin(0.3) ? 1e6 : (double)uni(1, 64);
    hw->sram_read_pj = unif(0.1, 10);
    hw->sram_write_pj = unif(0.1, 10);
    hw->sram_transposed_factor = coin(0.5) ? 1.0 : unif(1, 4);
    hw->sram_leakage_uw_per_kib = unif(0, 60);
    hw->sram_area_mm2_per_kib = unif(0.001, 0.01);
    const chip_rom_encoding encs[] = {CHIP_ROM_FP32, CHIP_ROM_INT8, CHIP_ROM_TERNARY2, CHIP_ROM_SEEDED};
    hw->rom_encoding = encs[uni(0, 3)];
    hw->rom_bytes_per_cycle = coin(0.3) ? 1e6 : (double)uni(1, 32);
    hw->rom_read_pj = unif(0.1, 3);
    hw->rom_leakage_uw_per_kib = unif(0, 5);
    hw->rom_area_mm2_per_kib = unif(0.0005, 0.005);
    hw->lfsr_cycles_per_value = coin(0.3) ? 1.1 * (double)uni(1, 3) : (double)uni(1, 3); /* fractional: no jumps */
    hw->lfsr_pj_per_value = unif(0.1, 1);
    hw->lfsr_area_mm2 = unif(0.0001, 0.001);
    hw->dram_bytes_per_cycle = (double)uni(1, 32);
    hw->dram_latency_cycles = (double)uni(0, 200);
    hw->dram_pj_per_byte = unif(10, 200);
    random_link(&hw->forward, 1);
    random_link(&hw->backward, cfg->algorithm == F3_ALG_BP || coin(0.3));
    random_link(&hw->broadcast, cfg->algorithm == F3_ALG_DFA || coin(0.3));
    hw->es_placement = coin(0.3) ? CHIP_ES_DRAM : CHIP_ES_ON_CHIP;
    const double bpv[] = {4, 2, 1, 1.5};
    hw->es_bytes_per_value = bpv[uni(0, 3)];
    hw->es_bytes_per_cycle = coin(0.3) ? 1e6 : (double)uni(1, 16);
    hw->es_latency_cycles = (double)uni(0, 6);
    hw->es_read_pj = unif(0.1, 5);
    hw->es_write_pj = unif(0.1, 5);
    hw->es_leakage_uw_per_kib = unif(0, 60);
    hw->es_area_mm2_per_kib = unif(0.001, 0.01);
    hw->fma_pj = unif(0.5, 5);
    hw->add_pj = unif(0.01, 1);
    hw->mul_pj = unif(0.1, 4);
    hw->elem_pj = unif(0.1, 10);
    hw->energy_by_format = coin(0.5);
    hw->n_split = 0;
    if (coin(0.5)) {
        /* a mapping: consecutive layers on 1…K tiles, or (split) each hidden
         * layer over 1…4 tiles by rows; each tile with figures of its own */
        const size_t K = cfg->n_layers;
        size_t T = uni(1, K);
        if (!p->nb && K > 1 && coin(0.4)) { /* (a block is not split) */
            hw->n_split = K;
            T = 0;
            for (size_t i = 0; i < K; i++) {
                const size_t n = cfg->widths[i + 1];
                hw->split[i] = i + 1 < K ? uni(1, n < 4 ? n : 4) : 1;
                T += hw->split[i];
            }
        }
        hw->n_tiles = T;
        hw->tile_first[0] = 0;
        for (size_t t = 1; t < T && !hw->n_split; t++) {
            /* at least one layer per tile, the rest drawn */
            size_t lo = hw->tile_first[t - 1] + 1, hi = K - (T - t);
            hw->tile_first[t] = uni(lo, hi);
        }
        hw->tile_first[T] = K;
        for (size_t t = 0; t < T; t++) {
            chip_tile_hw *h = &hw->tiles[t];
            h->mac_lanes = (unsigned)uni(1, 16);
            h->reg_capacity_bytes = (double)uni(64, 8192);
            h->sram_capacity_bytes = coin(0.4) ? (double)uni(256, 8192) : 64.0 * 1024 * 1024;
            h->sram_banks = (unsigned)uni(1, 4);
            h->sram_read_pj = unif(0.1, 10);
            h->sram_write_pj = unif(0.1, 10);
            h->sram_leakage_uw_per_kib = unif(0, 60);
            h->sram_area_mm2_per_kib = unif(0.001, 0.01);
            h->reg_pj_per_byte = unif(0.01, 2);
            h->reg_leakage_uw_per_kib = unif(0, 700);
            h->reg_area_mm2_per_kib = unif(0.003, 0.06);
        }
    }
    if (hw->dataflow == CHIP_DF_WEIGHT_STATIONARY && cfg->batch_size > 1 && coin(0.5))
        hw->micro_batch = uni(1, cfg->batch_size); /* GPipe micro-batches (batch_size itself: none) */
    if (hw->dataflow == CHIP_DF_WEIGHT_STATIONARY && coin(0.5)) {
        /* ws_loop samples: per-sample flip-flops beside the lanes */
        hw->ws_samples_inner = 1;
        hw->acc_pj_per_byte = unif(0.01, 1);
        hw->acc_leakage_uw_per_kib = unif(0, 700);
        hw->acc_area_mm2_per_kib = unif(0.01, 0.1);
    }
    if (coin(0.3)) {
        /* power gating: waits of at least min_idle switch the lanes off, waking delays the next step */
        hw->gating = 1;
        hw->gate_min_idle = (double)uni(0, 200);
        hw->wake_cycles = (double)uni(0, 30);
        hw->breakeven_cycles = (double)uni(0, 100);
        hw->sleep_leakage = unif(0, 0.2);
    }
    if (g_contend) {
        if (cfg->n_layers < 2) return 0;
        hw->sram_capacity_bytes = (double)uni(64, 1024);
        for (size_t t = 0; t < hw->n_tiles; t++) hw->tiles[t].sram_capacity_bytes = (double)uni(64, 1024);
        hw->dram_bytes_per_cycle = (double)uni(1, 4);
        if (cfg->algorithm == F3_ALG_F3 && coin(0.5)) hw->es_placement = CHIP_ES_DRAM;
        p->n = uni(p->n > 20 ? p->n : 20, 60);
    }
    if (chip_mapping_check(hw, cfg) != F3_OK) return 0;
    for (size_t i = 0; i < chip_n_units(hw, cfg); i++) {
        tile_cost t;
        if (tile_cost_compute(hw, cfg, i, cfg->batch_size, &t) != F3_OK) return 0;
    }
    return 1;
}

/* ---- random networks of blocks ------------------------------------------------------- */

/* Append printf-style text to p->spec: an op of the current block, after a
 * comma unless it is the block's first. */
static int g_block_open; /* the current block has an op */
static void spec_add(point *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void spec_add(point *p, const char *fmt, ...)
{
    size_t used = strlen(p->spec);
    if (g_block_open) used += (size_t)snprintf(p->spec + used, sizeof p->spec - used, ", ");
    g_block_open = 1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->spec + used, sizeof p->spec - used, fmt, ap);
    va_end(ap);
}

/* The next block begins. */
static void spec_block(point *p)
{
    const size_t used = strlen(p->spec);
    snprintf(p->spec + used, sizeof p->spec - used, "; ");
    g_block_open = 0;
}

static const char *const act_names[] = {"tanh", "sigmoid", "relu", "gelu"};

/* q, k, v of H heads of D for the current tokens, by a linear op without
 * bias, and the attention: "linear 3HD nobias, attention HxD" (the
 * tokens' width is then H·D). */
static void attention_text(char *buf, size_t len, size_t *d)
{
    const size_t H = uni(1, 2), D = uni(1, 3);
    snprintf(buf, len, "linear %zu nobias, attention %zux%zu", 3 * H * D, H, D);
    *d = H * D;
}

/* One op (or a short group of them) that fits tokens t of width *d. */
static void spec_op(point *p, size_t *t, size_t *d)
{
    char a[96];
    switch (uni(0, 6)) {
    case 0: *d = uni(2, 12); spec_add(p, "linear %zu%s", *d, coin(0.25) ? " nobias" : ""); break;
    case 1: spec_add(p, "layernorm"); break;
    case 2: spec_add(p, "%s", act_names[uni(0, 3)]); break;
    case 3: attention_text(a, sizeof a, d); spec_add(p, "%s", a); break;
    case 4: { /* x + ops(x): the ops end in the width they began with */
        const size_t w = *d;
        if (coin(0.5)) {
            attention_text(a, sizeof a, d);
            spec_add(p, "residual(layernorm, %s, linear %zu)", a, w);
        } else {
            spec_add(p, "residual(%s, linear %zu)", coin(0.5) ? "layernorm" : act_names[uni(0, 3)], w);
        }
        *d = w;
        break;
    }
    default: { /* the sample's values as 1, 2 or 4 tokens (free), then a linear op */
        const size_t v = *t * *d, T = v % 4 == 0 && coin(0.5) ? 4 : v % 2 == 0 && coin(0.6) ? 2 : 1;
        *t = T;
        *d = uni(2, 8);
        spec_add(p, "tokens %zu, linear %zu", T, *d);
        break;
    }
    }
}

/* A random network of 1–3 blocks for C classes, its configuration (every
 * rule, SGD or Adam, batch 1–7 over 3–40 samples, random formats the block
 * trainer runs) and a chip that can run it (1), or 0 to draw again. */
static int random_blocks_point(point *p)
{
    memset(p, 0, sizeof *p);
    g_block_open = 0;
    const size_t C = uni(2, 5), nb = uni(1, 3);
    size_t t = 1, d;
    if (coin(0.3)) { /* an image of c × 4 × 4 or c × 6 × 6, in patches of 2 */
        const size_t c = uni(1, 2), side = coin(0.5) ? 4 : 6;
        p->in = (f3_blockspec_input){c * side * side, c, side, side};
        spec_add(p, "patchify 2");
        t = (side / 2) * (side / 2);
        d = 4 * c;
    } else {
        d = uni(2, 16);
        p->in = (f3_blockspec_input){d, 0, 0, 0};
    }
    for (size_t k = 0; k < nb; k++) {
        if (k) spec_block(p);
        /* a block before the last has an op at least; the last ends in the output */
        const size_t ops = uni(k + 1 < nb ? 1 : 0, 3);
        for (size_t i = 0; i < ops; i++) spec_op(p, &t, &d);
    }
    if (t > 1) spec_add(p, "tokens 1");
    spec_add(p, "linear %zu", C);
    if (f3_blockspec_parse(p->spec, &p->in, p->blocks, F3_BLOCKNET_MAX_BLOCKS, &p->nb) != F3_OK) {
        fprintf(stderr, "analytic_vs_systemc: a generated network is not valid: %s\n  %s\n", p->spec, f3_last_error());
        exit(1); /* the generator's defect, not the chip's */
    }
    f3_config *cfg = &p->cfg;
    *cfg = f3_config_default();
    const f3_algorithm algs[] = {F3_ALG_F3, F3_ALG_BP, F3_ALG_DFA, F3_ALG_DRTP, F3_ALG_LLO};
    cfg->algorithm = algs[uni(0, 4)];
    cfg->n_layers = p->nb;
    cfg->widths[0] = f3_block_in_size(&p->blocks[0]);
    for (size_t k = 0; k < p->nb; k++) cfg->widths[k + 1] = f3_block_out_size(&p->blocks[k]);
    cfg->hidden_act = F3_ACT_TANH;
    cfg->output_act = F3_ACT_IDENTITY;
    cfg->loss = F3_LOSS_SOFTMAX_CE;
    cfg->error_info = (f3_error_info){coin(0.3) ? F3_EI_LOSS : F3_EI_ERROR, cfg->algorithm == F3_ALG_F3 && coin(0.5), 0};
    cfg->feedback_init = F3_FB_TRINOMIAL;
    cfg->batch_size = coin(0.3) ? 1 : uni(2, 7);
    cfg->optimizer = coin(0.5) ? F3_OPT_SGD : F3_OPT_ADAM;
    cfg->lr = cfg->optimizer == F3_OPT_SGD ? 0.05 : 3e-3;
    if (coin(0.06)) cfg->lr = 1e30; /* the weights leave the floats: the chip must find it where the plain loop does */
    cfg->seed = next_u64() % 1000 + 1;
    random_formats(cfg);
    p->n = uni(cfg->batch_size > 3 ? cfg->batch_size : 3, 40);
    p->epochs = uni(1, 4);
    if (f3_config_validate(cfg, F3_TASK_CLASSIFICATION) != F3_OK) return 0;
    if (f3_blocktrain_check_numerics(p->blocks, p->nb, cfg->optimizer, &cfg->numerics, NULL) != F3_OK) return 0;
    if (!random_hw(p)) return 0;
    /* the dataflow may have changed the optimiser (fused: SGD) */
    return f3_blocktrain_check_numerics(p->blocks, p->nb, cfg->optimizer, &cfg->numerics, NULL) == F3_OK;
}

static void describe(const point *p, char *buf, size_t len)
{
    const f3_config *c = &p->cfg;
    int n = snprintf(buf, len, "%s%s%s%s ", p->nb ? "blocks \"" : "", p->nb ? p->spec : "", p->nb ? "\" " : "",
                     f3_algorithm_name(c->algorithm));
    if (p->nb && n > 0 && (size_t)n < len)
        n += snprintf(buf + n, len - (size_t)n, "(%s, %s, %zu tiles) ", c->error_info.one_hot ? "one-hot" : "dense",
                      f3_numerics_is_fp32(&c->numerics) ? "fp32" : "formats", chip_n_tiles(&p->hw, c));
    for (size_t i = 0; i <= c->n_layers && n > 0 && (size_t)n < len; i++)
        n += snprintf(buf + n, len - (size_t)n, "%s%zu", i ? "-" : "", c->widths[i]);
    if (n > 0 && (size_t)n < len)
        snprintf(buf + n, len - (size_t)n,
                 " batch %zu %s, %zu samples × %zu epochs, %s, P %u, L %u, SRAM %.0f B × %u banks × %g B/cycle, "
                 "regs %.0f B, ROM %s, DRAM %g B/cycle lat %g, links %g/%g/%g B/cycle, error store %s %g B/value "
                 "%g B/cycle",
                 c->batch_size, f3_optimizer_name(c->optimizer), p->n, p->epochs,
                 chip_dataflow_name(p->hw.dataflow), p->hw.mac_lanes, p->hw.step_latency,
                 p->hw.sram_capacity_bytes, p->hw.sram_banks, p->hw.sram_bytes_per_cycle_per_bank,
                 p->hw.reg_capacity_bytes, chip_rom_encoding_name(p->hw.rom_encoding), p->hw.dram_bytes_per_cycle,
                 p->hw.dram_latency_cycles, p->hw.forward.bytes_per_cycle, p->hw.backward.bytes_per_cycle,
                 p->hw.broadcast.bytes_per_cycle, p->hw.es_placement == CHIP_ES_DRAM ? "dram" : "on_chip",
                 p->hw.es_bytes_per_value, p->hw.es_bytes_per_cycle);
}

/* n floats of the chip's trainer (a) and the plain one's (b): the first
 * that differs, on stderr; 1 if any does. */
static int differ_f(const char *what, size_t k, const float *a, const float *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (memcmp(&a[i], &b[i], sizeof *a)) {
            fprintf(stderr, "    %s %zu [%zu]: chip %.9g, plain %.9g\n", what, k, i, (double)a[i], (double)b[i]);
            return 1;
        }
    return 0;
}

/* A network of blocks, in the SystemC child: the chip trains it with the
 * block trainer's per-block calls (tr[0]) while the plain block trainer
 * (tr[1]) trains the same network on the same batches; the chip's figures
 * into *r.  0, 10 when the two trainers differ (each difference on
 * stderr), or another exit code when a step fails. */
static int blocks_child(const point *p, const f3_dataset *ds, chip_result *r, int32_t *diverged)
{
    const f3_config *cfg = &p->cfg;
    const size_t C = cfg->widths[cfg->n_layers], n = p->n, B = cfg->batch_size, d = cfg->widths[0];
    const f3_blocktrain_config bc = {cfg->algorithm, cfg->error_info, cfg->optimizer, cfg->lr,
                                     cfg->beta1,     cfg->beta2,      cfg->eps,       C};
    f3_blocktrainer *tr[2];
    for (int q = 0; q < 2; q++)
        if (!(tr[q] = f3_blocktrainer_new(p->blocks, p->nb, &bc, B, n, cfg->seed)) ||
            f3_blocktrainer_set_numerics(tr[q], &cfg->numerics, cfg->seed) != F3_OK ||
            f3_blocktrainer_store_targets(tr[q], ds) != F3_OK) {
            fprintf(stderr, "block trainer: %s\n", f3_last_error());
            return 4;
        }
    chip_sim *sim = chip_sim_new_blocks(&p->hw, cfg, tr[0], ds);
    if (!sim) {
        fprintf(stderr, "chip_sim_new_blocks: %s\n", f3_last_error());
        return 6;
    }
    size_t *perm = malloc(n * sizeof *perm);
    float *x = malloc(B * d * sizeof *x), *t = malloc(B * C * sizeof *t);
    int32_t *lab = malloc(B * sizeof *lab);
    if (!perm || !x || !t || !lab) return 3;
    int bad = 0;
    size_t div_block = 0, blk = 0;
    uint64_t div_step = 0, step = 0, steps = 0;
    for (size_t e = 0; e < p->epochs; e++) {
        f3_stats sc = {0}, sp = {0};
        f3_epoch_order(cfg->seed, e, perm, n);
        if (chip_sim_epoch(sim, perm, e, &sc)) {
            fprintf(stderr, "chip_sim_epoch: %s\n", f3_last_error());
            return 7;
        }
        for (size_t s0 = 0; s0 < n; s0 += B) {
            const size_t b = n - s0 < B ? n - s0 : B;
            f3_dataset_gather(ds, perm + s0, b, x, t, lab);
            if (f3_blocktrainer_step(tr[1], x, t, perm + s0, b, &sp) != F3_OK) {
                fprintf(stderr, "f3_blocktrainer_step: %s\n", f3_last_error());
                return 11;
            }
            steps++;
            if (!div_block && !f3_blocktrainer_finite(tr[1], &blk)) div_block = blk, div_step = steps;
        }
        if (memcmp(&sc.loss_sum, &sp.loss_sum, sizeof sc.loss_sum) || sc.correct != sp.correct ||
            sc.samples != sp.samples) {
            fprintf(stderr, "    epoch %zu: loss %.17g, %zu correct of %zu on the chip; %.17g, %zu of %zu plain\n",
                    e + 1, sc.loss_sum, (size_t)sc.correct, (size_t)sc.samples, sp.loss_sum, (size_t)sp.correct,
                    (size_t)sp.samples);
            bad = 1;
        }
    }
    if (chip_sim_result(sim, r)) return 8;
    /* the parameters, the store, the ledger, the peaks and the counters */
    for (size_t k = 0; k < p->nb; k++)
        bad |= differ_f("parameters of block", k + 1, f3_blocknet_params(f3_blocktrainer_net(tr[0]), k),
                        f3_blocknet_params(f3_blocktrainer_net(tr[1]), k), f3_block_params(&p->blocks[k]));
    bad |= differ_f("store", 0, f3_blocktrainer_store(tr[0]), f3_blocktrainer_store(tr[1]), n * C);
    const f3_ledger *la = f3_blocktrainer_ledger(tr[0]), *lb = f3_blocktrainer_ledger(tr[1]);
    static const char *const phases[F3_PH_COUNT] = {"forward", "feedback", "gradient", "update", "loss"};
    for (size_t k = 0; k < p->nb; k++) {
        for (int ph = 0; ph < F3_PH_COUNT; ph++)
            if (memcmp(f3_ledger_at((f3_ledger *)la, k, (f3_phase)ph), f3_ledger_at((f3_ledger *)lb, k, (f3_phase)ph),
                       sizeof(f3_counts))) {
                fprintf(stderr, "    ledger of block %zu, phase %s differs\n", k + 1, phases[ph]);
                bad = 1;
            }
        if (f3_blocktrainer_feedback_fma(tr[0], k) != f3_blocktrainer_feedback_fma(tr[1], k)) {
            fprintf(stderr, "    E·B_%zu FMA differ\n", k + 1);
            bad = 1;
        }
    }
    const uint64_t ca[] = {la->samples, la->batches, la->live_act, la->peak_act, la->peak_err,
                           f3_blocktrainer_stash_peak(tr[0])};
    const uint64_t cb[] = {lb->samples, lb->batches, lb->live_act, lb->peak_act, lb->peak_err,
                           f3_blocktrainer_stash_peak(tr[1])};
    const char *const names[] = {"samples", "batches", "live_act", "peak_act", "peak_err", "stash peak"};
    for (size_t i = 0; i < sizeof ca / sizeof *ca; i++)
        if (ca[i] != cb[i]) {
            fprintf(stderr, "    %s: chip %llu, plain %llu\n", names[i], (unsigned long long)ca[i],
                    (unsigned long long)cb[i]);
            bad = 1;
        }
    if (memcmp(f3_blocktrainer_saturations(tr[0]), f3_blocktrainer_saturations(tr[1]), F3_T_COUNT * sizeof(uint64_t))) {
        fprintf(stderr, "    saturations differ\n");
        bad = 1;
    }
    /* a divergence, where the plain loop finds it */
    if (!chip_sim_diverged(sim, &blk, &step)) blk = 0, step = 0;
    if (blk != div_block || step != div_step) {
        fprintf(stderr, "    diverged: chip block %zu at step %llu, plain block %zu at step %llu\n", blk,
                (unsigned long long)step, div_block, (unsigned long long)div_step);
        bad = 1;
    }
    *diverged = div_block != 0;
    return bad ? 10 : 0;
}

/* What the SystemC child sends back: the chip's figures and (a network of
 * blocks) whether the weights left the floats. */
typedef struct {
    chip_result r;
    int32_t diverged;
} child_reply;
static int g_diverged; /* of the latest point */

/* The SystemC run of p in a child process; 0 and *out on success. */
static int systemc_run(const point *p, chip_result *out)
{
    int fd[2];
    if (pipe(fd)) return perror("pipe"), 1;
    pid_t pid = fork();
    if (pid < 0) return perror("fork"), 1;
    if (pid == 0) {
        close(fd[0]);
        const f3_config *cfg = &p->cfg;
        const size_t d = cfg->widths[0], C = cfg->widths[cfg->n_layers];
        f3_dataset *ds = NULL;
        f3_trainer *tr = NULL;
        if (f3_dataset_alloc(F3_TASK_CLASSIFICATION, p->n, d, C, 0, &ds) != F3_OK) _exit(3);
        uint64_t s = cfg->seed * 7919u;
        for (size_t k = 0; k < p->n * d; k++) {
            s = s * 6364136223846793005ull + 1442695040888963407ull;
            ds->x_f32[k] = (float)((double)(s >> 40) / (double)(1u << 24) * 2.0 - 1.0);
        }
        for (size_t k = 0; k < p->n; k++) ds->labels[k] = (int32_t)((k * 7 + 3) % C);
        static child_reply reply;
        if (p->nb) {
            const int rc = blocks_child(p, ds, &reply.r, &reply.diverged);
            if (rc) _exit(rc);
        } else {
            if (f3_trainer_alloc(cfg, F3_TASK_CLASSIFICATION, p->n, &tr) != F3_OK) _exit(4);
            if (f3_error_store_init(tr, ds) != F3_OK) _exit(5);
            chip_sim *sim = chip_sim_new(&p->hw, tr, ds);
            if (!sim) {
                fprintf(stderr, "chip_sim_new: %s\n", f3_last_error());
                _exit(6);
            }
            size_t *perm = malloc(p->n * sizeof *perm);
            for (size_t e = 0; e < p->epochs; e++) {
                f3_stats st = {0};
                f3_epoch_order(cfg->seed, e, perm, p->n);
                if (chip_sim_epoch(sim, perm, e, &st)) {
                    fprintf(stderr, "chip_sim_epoch: %s\n", f3_last_error());
                    _exit(7);
                }
            }
            if (chip_sim_result(sim, &reply.r)) _exit(8);
        }
        const char *b = (const char *)&reply;
        size_t left = sizeof reply;
        while (left) {
            ssize_t w = write(fd[1], b, left);
            if (w <= 0) _exit(9);
            b += w;
            left -= (size_t)w;
        }
        _exit(0);
    }
    close(fd[1]);
    static child_reply reply;
    char *b = (char *)&reply;
    size_t left = sizeof reply;
    while (left) {
        ssize_t r = read(fd[0], b, left);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        b += r;
        left -= (size_t)r;
    }
    close(fd[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    if (left || !WIFEXITED(status) || WEXITSTATUS(status)) {
        fprintf(stderr, "SystemC child failed (exit %d)\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        return 1;
    }
    *out = reply.r;
    g_diverged = reply.diverged;
    return 0;
}

static int diffs;
static void cmp_u(const char *what, long tile, uint64_t sysc, uint64_t ana)
{
    if (sysc == ana) return;
    if (diffs++ < 6) fprintf(stderr, "    %s%s%ld: SystemC %llu, analytic %llu\n", what, tile >= 0 ? " tile " : "",
                            tile >= 0 ? tile + 1 : 0, (unsigned long long)sysc, (unsigned long long)ana);
}
static void cmp_d(const char *what, long tile, double sysc, double ana)
{
    if (sysc == ana || (isnan(sysc) && isnan(ana))) return;
    if (diffs++ < 6)
        fprintf(stderr, "    %s%s%ld: SystemC %.17g, analytic %.17g (difference %.3g)\n", what,
                tile >= 0 ? " tile " : "", tile >= 0 ? tile + 1 : 0, sysc, ana, ana - sysc);
}

static int compare(const chip_result *s, const chip_result *a)
{
    diffs = 0;
    cmp_u("cycles", -1, s->cycles, a->cycles);
    cmp_u("samples", -1, s->samples, a->samples);
    cmp_d("cycles_per_sample", -1, s->cycles_per_sample, a->cycles_per_sample);
    cmp_d("samples_per_second", -1, s->samples_per_second, a->samples_per_second);
    cmp_d("energy_per_sample_pj", -1, s->energy_per_sample_pj, a->energy_per_sample_pj);
    cmp_d("stall_fraction", -1, s->stall_fraction, a->stall_fraction);
    for (int k = 0; k < CHIP_E_COUNT; k++) cmp_d(chip_energy_item_names[k], -1, s->energy_pj[k], a->energy_pj[k]);
    for (int k = 0; k < 3; k++) cmp_u("link_bytes", -1, s->link_bytes[k], a->link_bytes[k]);
    cmp_u("reg_bytes", -1, s->reg_bytes, a->reg_bytes);
    cmp_u("sram_read", -1, s->sram_read, a->sram_read);
    cmp_u("sram_written", -1, s->sram_written, a->sram_written);
    cmp_u("rom_read", -1, s->rom_read, a->rom_read);
    cmp_u("es_read", -1, s->es_read, a->es_read);
    cmp_u("es_written", -1, s->es_written, a->es_written);
    cmp_u("dram_read", -1, s->dram_read, a->dram_read);
    cmp_u("dram_written", -1, s->dram_written, a->dram_written);
    cmp_d("area_mm2", -1, s->area_mm2, a->area_mm2);
    cmp_d("es_area_mm2", -1, s->es_area_mm2, a->es_area_mm2);
    cmp_d("es_capacity_bytes", -1, s->es_capacity_bytes, a->es_capacity_bytes);
    cmp_u("n_tiles", -1, s->n_tiles, a->n_tiles);
    for (size_t i = 0; i < s->n_tiles && i < F3_MAX_LAYERS; i++) {
        const chip_tile_stats *x = &s->tile[i], *y = &a->tile[i];
        long t = (long)i;
        cmp_u("busy", t, x->busy, y->busy);
        cmp_u("wait_input", t, x->wait_input, y->wait_input);
        cmp_u("wait_downstream", t, x->wait_downstream, y->wait_downstream);
        cmp_u("wait_memory", t, x->wait_memory, y->wait_memory);
        cmp_u("idle", t, x->idle, y->idle);
        cmp_u("gated", t, x->gated, y->gated);
        cmp_u("wakes", t, x->wakes, y->wakes);
        cmp_u("reg_bytes", t, x->reg_bytes, y->reg_bytes);
        cmp_u("sram_read", t, x->sram_read, y->sram_read);
        cmp_u("sram_written", t, x->sram_written, y->sram_written);
        cmp_u("rom_read", t, x->rom_read, y->rom_read);
        cmp_u("dram_read", t, x->dram_read, y->dram_read);
        cmp_u("dram_written", t, x->dram_written, y->dram_written);
        cmp_u("lfsr_values", t, x->lfsr_values, y->lfsr_values);
        cmp_u("first_layer", t, x->first_layer, y->first_layer);
        cmp_u("last_layer", t, x->last_layer, y->last_layer);
        for (int k = 0; k < CHIP_E_COUNT; k++) cmp_d(chip_energy_item_names[k], t, x->energy_pj[k], y->energy_pj[k]);
        cmp_d("sram_needed", t, x->sram_needed, y->sram_needed);
        cmp_d("sram_on_chip", t, x->sram_on_chip, y->sram_on_chip);
        cmp_d("dram_resident", t, x->dram_resident, y->dram_resident);
        cmp_d("stash_bytes", t, x->stash_bytes, y->stash_bytes);
        cmp_d("buffer_bytes", t, x->buffer_bytes, y->buffer_bytes);
        cmp_d("rom_bytes", t, x->rom_bytes, y->rom_bytes);
        cmp_d("area_mm2", t, x->area_mm2, y->area_mm2);
    }
    return diffs;
}

/* ---- the refusals of a chip of blocks ------------------------------------------------ */

static int refusals_failed;
static void refused(const chip_sim *sim, const char *what, const char *want)
{
    if (!sim && strstr(f3_last_error(), want)) return;
    fprintf(stderr, "refusal: %s: %s (wanted a refusal with '%s')\n", what, sim ? "accepted" : f3_last_error(), want);
    refusals_failed++;
}

/* chip_sim_new and chip_sim_new_blocks refuse a chip, trainer and data set
 * that do not belong together, before they elaborate anything (so that
 * one process can ask them all); 0 when every refusal came. */
static int check_refusals(void)
{
    static point p;
    while (!random_blocks_point(&p)) {
    }
    const f3_config *cfg = &p.cfg;
    const size_t C = cfg->widths[cfg->n_layers], d = cfg->widths[0];
    f3_dataset *ds = NULL, *other = NULL;
    f3_trainer *mlp = NULL;
    const f3_blocktrain_config bc = {cfg->algorithm, cfg->error_info, cfg->optimizer, cfg->lr,
                                     cfg->beta1,     cfg->beta2,      cfg->eps,       C};
    f3_blocktrainer *bt = f3_blocktrainer_new(p.blocks, p.nb, &bc, cfg->batch_size, p.n, cfg->seed);
    /* the blocks and one more: a trainer of other blocks */
    const f3_blockspec_input in1 = p.in;
    static f3_block one[F3_BLOCKNET_MAX_BLOCKS], wide[F3_BLOCKNET_MAX_BLOCKS];
    size_t n1 = 0, nw = 0;
    char spec1[600];
    snprintf(spec1, sizeof spec1, "%s; linear 3", p.spec);
    if (!bt || f3_dataset_alloc(F3_TASK_CLASSIFICATION, p.n, d, C, 0, &ds) != F3_OK ||
        f3_dataset_alloc(F3_TASK_CLASSIFICATION, p.n, d + 1, C, 0, &other) != F3_OK ||
        f3_blockspec_parse(spec1, &in1, one, F3_BLOCKNET_MAX_BLOCKS, &n1) != F3_OK ||
        f3_config_validate(cfg, F3_TASK_CLASSIFICATION) != F3_OK) {
        fprintf(stderr, "refusals: setup: %s\n", f3_last_error());
        return 1;
    }
    f3_config mcfg = *cfg;
    if (f3_trainer_alloc(&mcfg, F3_TASK_CLASSIFICATION, p.n, &mlp) != F3_OK) {
        fprintf(stderr, "refusals: setup: %s\n", f3_last_error());
        return 1;
    }
    chip_config hw = p.hw;
    refused(chip_sim_new(&hw, mlp, ds), "the MLP trainer on a chip of blocks", "chip_sim_new_blocks");
    hw.n_blocks = 0;
    hw.blocks = NULL;
    refused(chip_sim_new_blocks(&hw, cfg, bt, ds), "the block trainer on an MLP's chip", "needs a chip of blocks");
    hw = p.hw;
    hw.blocks = NULL;
    refused(chip_sim_new_blocks(&hw, cfg, bt, ds), "blocks not attached", "no blocks attached");
    hw = p.hw;
    if (p.nb >= 2) { /* a split, refused for blocks */
        hw.n_tiles = p.nb + 1;
        hw.n_split = p.nb;
        for (size_t i = 0; i < p.nb; i++) hw.split[i] = 1;
        hw.split[0] = 2;
        for (size_t t = 0; t < hw.n_tiles; t++) hw.tiles[t] = chip_tile_figures(&p.hw, 0);
        refused(chip_sim_new_blocks(&hw, cfg, bt, ds), "a split", "is not split");
        hw = p.hw;
    }
    /* a trainer of other blocks: another number of them, or other shapes */
    f3_blocktrain_config bc1 = bc;
    bc1.classes = f3_block_out_size(&one[n1 - 1]);
    f3_blocktrainer *bt1 = f3_blocktrainer_new(one, n1, &bc1, cfg->batch_size, p.n, cfg->seed);
    refused(chip_sim_new_blocks(&hw, cfg, bt1, ds), "a trainer of other blocks", "for a block trainer of");
    const f3_blockspec_input inw = {d, 0, 0, 0};
    char specw[64];
    snprintf(specw, sizeof specw, "linear 7, tanh%s linear %zu", p.nb > 1 ? ";" : ",", C);
    for (size_t k = 2; k < p.nb; k++) snprintf(specw + strlen(specw), sizeof specw - strlen(specw), "; linear %zu", C);
    if (f3_blockspec_parse(specw, &inw, wide, F3_BLOCKNET_MAX_BLOCKS, &nw) == F3_OK && nw == p.nb) {
        f3_blocktrainer *btw = f3_blocktrainer_new(wide, nw, &bc, cfg->batch_size, p.n, cfg->seed);
        refused(chip_sim_new_blocks(&hw, cfg, btw, ds), "blocks of other shapes", "is not block");
        f3_blocktrainer_free(btw);
    } else {
        fprintf(stderr, "refusals: setup of '%s': %s\n", specw, f3_last_error());
        refusals_failed++;
    }
    refused(chip_sim_new_blocks(&hw, cfg, bt, other), "a training set of other widths", "the training set");
    f3_blocktrainer_free(bt1);
    f3_blocktrainer_free(bt);
    f3_trainer_free(mlp);
    f3_dataset_free(ds);
    f3_dataset_free(other);
    return refusals_failed;
}

int main(int argc, char **argv)
{
    const int blocks = argc == 4 && !strcmp(argv[3], "blocks");
    if (argc != 3 && !blocks) {
        fprintf(stderr, "usage: analytic_vs_systemc N SEED [blocks]\n");
        return 2;
    }
    const long N = strtol(argv[1], NULL, 10);
    rng_state = strtoull(argv[2], NULL, 10);
    if (N <= 0) {
        fprintf(stderr, "analytic_vs_systemc: N must be a positive count\n");
        return 2;
    }
    if (blocks && check_refusals()) return 1;
    long blocks_tiles = 0, partial = 0, one_hot = 0, formats = 0, attention = 0, patchify = 0, layernorm = 0,
         residual = 0, diverged = 0;
    long bad = 0, dram_points = 0, shared = 0, mapped = 0, multi = 0, micro = 0, split = 0, gated = 0, woke = 0,
         samples_inner = 0;
    long by_alg[5] = {0}, by_df[3] = {0};
    static point p;
    static chip_result rs, ra;
    for (long k = 0; k < N; k++) {
        g_contend = k >= N - N / 5;
        while (!(blocks ? random_blocks_point(&p) : random_point(&p))) {
        }
        chip_workload w;
        if ((blocks ? chip_workload_init_blocks(&w, &p.cfg, p.blocks, p.nb, p.n, p.epochs)
                    : chip_workload_init(&w, &p.cfg, p.n, p.epochs)) != F3_OK) {
            fprintf(stderr, "point %ld: workload: %s\n", k + 1, f3_last_error());
            return 1;
        }
        if (chip_analytic_run(&p.hw, &w, &ra) != F3_OK) {
            fprintf(stderr, "point %ld: analytic: %s\n", k + 1, f3_last_error());
            bad++;
            continue;
        }
        if (systemc_run(&p, &rs)) {
            char d[1024];
            describe(&p, d, sizeof d);
            fprintf(stderr, "point %ld: SystemC failed: %s\n", k + 1, d);
            bad++;
            continue;
        }
        by_alg[p.cfg.algorithm]++;
        by_df[p.hw.dataflow]++;
        if (p.hw.n_tiles) mapped++;
        if (p.hw.n_tiles && p.hw.n_tiles < p.cfg.n_layers) multi++;
        if (p.hw.n_split && p.hw.n_tiles > p.cfg.n_layers) split++;
        if (chip_micro_batched(&p.hw, &p.cfg)) micro++;
        if (p.hw.gating) gated++;
        for (size_t t = 0; p.hw.gating && t < rs.n_tiles; t++)
            if (rs.tile[t].wakes) {
                woke++; /* a point whose lanes were switched off and woken */
                break;
            }
        if (p.hw.ws_samples_inner && p.hw.dataflow == CHIP_DF_WEIGHT_STATIONARY) samples_inner++;
        if (rs.dram_read + rs.dram_written > 0) dram_points++;
        if (chip_dram_users(&p.hw, &p.cfg) >= 2) shared++; /* the calendar (dram_calendar.h) */
        if (blocks) {
            blocks_tiles += p.hw.n_tiles && p.hw.n_tiles < p.cfg.n_layers;
            partial += p.n % p.cfg.batch_size != 0;
            one_hot += p.cfg.error_info.one_hot;
            formats += !f3_numerics_is_fp32(&p.cfg.numerics);
            attention += strstr(p.spec, "attention") != NULL;
            patchify += strstr(p.spec, "patchify") != NULL;
            layernorm += strstr(p.spec, "layernorm") != NULL;
            residual += strstr(p.spec, "residual") != NULL;
            diverged += g_diverged;
        }
        if (compare(&rs, &ra)) {
            char d[1024];
            describe(&p, d, sizeof d);
            fprintf(stderr, "point %ld differs (%d fields): %s\n", k + 1, diffs, d);
            bad++;
        }
    }
    printf("analytic vs SystemC: %ld random points, %ld differ; rules bp %ld, f3 %ld, dfa %ld, drtp %ld, llo %ld; "
           "dataflows output_stationary %ld, weight_stationary %ld, fused %ld; %ld with DRAM traffic, %ld of them with "
           "a DRAM shared by two users or more; %ld with a "
           "mapping and per-tile figures, %ld of them with several layers on a tile, %ld with a layer split over "
           "tiles; %ld with micro-batches; %ld with power gating, %ld of them woken; %ld with ws_loop samples\n",
           N, bad, by_alg[F3_ALG_BP], by_alg[F3_ALG_F3], by_alg[F3_ALG_DFA], by_alg[F3_ALG_DRTP], by_alg[F3_ALG_LLO],
           by_df[0], by_df[1], by_df[2], dram_points, shared, mapped, multi, split, micro, gated, woke, samples_inner);
    if (blocks) {
        printf("networks of blocks: %ld with attention, %ld with a layer norm, %ld with a residual, %ld with a "
               "patchify; %ld with several blocks on a tile; %ld with a partial last batch; %ld with one-hot F3; %ld "
               "with number formats; %ld whose weights left the floats (found at the plain loop's step and block); "
               "%s\n",
               attention, layernorm, residual, patchify, blocks_tiles, partial, one_hot, formats, diverged,
               bad ? "see above for the points whose SystemC child failed or differed"
                   : "every one trained bit for bit as the plain block trainer");
        /* the draws must reach what the test claims to cover */
        const long need[] = {by_alg[F3_ALG_BP], by_alg[F3_ALG_F3], by_alg[F3_ALG_DFA], by_alg[F3_ALG_DRTP],
                             by_alg[F3_ALG_LLO], by_df[0], by_df[1], attention, layernorm, residual, patchify,
                             blocks_tiles, partial, one_hot, formats, dram_points, shared, diverged};
        for (size_t i = 0; N >= 100 && i < sizeof need / sizeof *need; i++)
            if (need[i] < N / 50) {
                fprintf(stderr, "analytic_vs_systemc: the blocks' draws cover too little (item %zu: %ld of %ld)\n",
                        i, need[i], N);
                return 1;
            }
    }
    if (N >= 100 && woke < N / 20) {
        fprintf(stderr, "analytic_vs_systemc: only %ld of %ld points wake gated lanes (the test's chips must)\n", woke, N);
        return 1;
    }
    if (N >= 100 && shared < N / 20) {
        fprintf(stderr, "analytic_vs_systemc: only %ld of %ld points share the DRAM (the test's chips must)\n", shared, N);
        return 1;
    }
    return bad ? 1 : 0;
}
