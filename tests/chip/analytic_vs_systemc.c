/* analytic_vs_systemc.c — the analytic chip evaluator (sim/chip/analytic.h)
 * against the SystemC model, its reference, on random chips and shapes.
 *
 *   analytic_vs_systemc N SEED
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
 * agrees, 1 otherwise, 2 on bad arguments. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "analytic.h"
#include "chip.h"
#include "f3/dataset.h"
#include "f3/status.h"
#include "f3/train.h"
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

    chip_config *hw = &p->hw;
    const chip_dataflow dfs[] = {CHIP_DF_OUTPUT_STATIONARY, CHIP_DF_WEIGHT_STATIONARY, CHIP_DF_FUSED};
    hw->dataflow = dfs[uni(0, 2)];
    if (hw->dataflow == CHIP_DF_FUSED && coin(0.7)) { /* make fused runnable more often */
        cfg->batch_size = 1;
        cfg->optimizer = F3_OPT_SGD;
        if (cfg->algorithm == F3_ALG_DFA) cfg->algorithm = F3_ALG_F3;
    }
    if (chip_dataflow_check(hw->dataflow, cfg) != F3_OK) return 0;
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
        if (K > 1 && coin(0.4)) {
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

static void describe(const point *p, char *buf, size_t len)
{
    const f3_config *c = &p->cfg;
    int n = snprintf(buf, len, "%s ", f3_algorithm_name(c->algorithm));
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
        static chip_result r;
        if (chip_sim_result(sim, &r)) _exit(8);
        const char *b = (const char *)&r;
        size_t left = sizeof r;
        while (left) {
            ssize_t w = write(fd[1], b, left);
            if (w <= 0) _exit(9);
            b += w;
            left -= (size_t)w;
        }
        _exit(0);
    }
    close(fd[1]);
    char *b = (char *)out;
    size_t left = sizeof *out;
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

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: analytic_vs_systemc N SEED\n");
        return 2;
    }
    const long N = strtol(argv[1], NULL, 10);
    rng_state = strtoull(argv[2], NULL, 10);
    if (N <= 0) {
        fprintf(stderr, "analytic_vs_systemc: N must be a positive count\n");
        return 2;
    }
    long bad = 0, dram_points = 0, shared = 0, mapped = 0, multi = 0, micro = 0, split = 0, gated = 0, woke = 0,
         samples_inner = 0;
    long by_alg[5] = {0}, by_df[3] = {0};
    static point p;
    static chip_result rs, ra;
    for (long k = 0; k < N; k++) {
        g_contend = k >= N - N / 5;
        while (!random_point(&p)) {
        }
        chip_workload w;
        if (chip_workload_init(&w, &p.cfg, p.n, p.epochs) != F3_OK) {
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
