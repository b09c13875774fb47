/* bench_analytic.c — design points per second of the analytic chip
 * evaluator (sim/chip/analytic.h) on one core.
 *
 *   build/bench/bench_analytic [SCENARIO.yaml] [--points N] [--train-n N] [--epochs E]
 *
 * The scenario (default scenarios/default.yaml: 784-500-10, Adam, batch 50,
 * 10 epochs on MNIST's 60 000 samples) gives the network, the numerics and
 * the base chip; for each of its rules (F³ and BP) the benchmark evaluates
 * N design points (default 200 000) that vary the MAC lanes (1–256), the
 * SRAM capacity (64 KiB–16 MiB, which puts part of a tile in DRAM), the
 * dataflow (output_stationary, weight_stationary), the DRAM and link
 * widths, and prints points per second (one thread; by wall clock and by
 * the process's CPU time, which is what one core gives on a shared
 * machine) with a checksum of the results.  The workload (the ledger's closed forms) is
 * built once per rule, as explore does per numerics point. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analytic.h"
#include "hardware_check.h"
#include "scenario.h"

/* a hash of the bits of a result's figures, 8 bytes at a time (every figure,
 * to the last bit; cheap beside a point's evaluation) */
static uint64_t mix(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, b + i, 8);
        h = (h ^ w) * 0x9E3779B97F4A7C15ull;
        h ^= h >> 29;
    }
    return h;
}

static uint64_t result_hash(uint64_t h, const chip_result *r)
{
#define M(x) h = mix(h, &(x), sizeof(x))
    M(r->cycles); M(r->samples); M(r->cycles_per_sample); M(r->samples_per_second);
    M(r->energy_per_sample_pj); M(r->stall_fraction); M(r->energy_pj); M(r->link_bytes);
    M(r->reg_bytes); M(r->sram_read); M(r->sram_written); M(r->rom_read); M(r->es_read); M(r->es_written);
    M(r->dram_read); M(r->dram_written); M(r->area_mm2); M(r->es_area_mm2); M(r->es_capacity_bytes);
    M(r->n_tiles);
    for (size_t k = 0; k < r->n_tiles && k < F3_MAX_LAYERS; k++) {
        const chip_tile_stats *t = &r->tile[k];
        M(t->busy); M(t->wait_input); M(t->wait_downstream); M(t->wait_memory); M(t->idle);
        M(t->reg_bytes); M(t->sram_read); M(t->sram_written); M(t->rom_read); M(t->dram_read);
        M(t->dram_written); M(t->lfsr_values); M(t->energy_pj); M(t->sram_needed); M(t->sram_on_chip);
        M(t->dram_resident); M(t->stash_bytes); M(t->buffer_bytes); M(t->rom_bytes); M(t->area_mm2);
    }
#undef M
    return h;
}

static double clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char **argv)
{
    const char *path = "scenarios/default.yaml";
    size_t points = 200000, n_train = 60000, epochs = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--points") && i + 1 < argc) points = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--train-n") && i + 1 < argc) n_train = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--epochs") && i + 1 < argc) epochs = strtoull(argv[++i], NULL, 10);
        else if (argv[i][0] != '-') path = argv[i];
        else {
            fprintf(stderr, "usage: bench_analytic [SCENARIO.yaml] [--points N] [--train-n N] [--epochs E]\n");
            return 2;
        }
    }
    scenario *sc = NULL;
    if (scenario_load(path, &sc) != F3_OK) {
        fprintf(stderr, "%s\n", f3_last_error());
        return 2;
    }
    if (!epochs) epochs = (size_t)scenario_num(sc, "training.epochs");
    char names[8][32];
    size_t n_alg = scenario_algorithms(sc, names, 8);
    printf("bench_analytic: %s, %zu training samples × %zu epochs, %zu design points per rule, one thread\n", path,
           n_train, epochs, points);
    for (size_t a = 0; a < n_alg; a++) {
        f3_config cfg;
        f3_task task;
        if (scenario_f3_config(sc, names[a], &cfg, &task) != F3_OK) {
            fprintf(stderr, "%s\n", f3_last_error());
            return 2;
        }
        if (!cfg.widths[0]) cfg.widths[0] = 784;
        chip_config base;
        chip_config_from_scenario(sc, &base);
        chip_config_resolve_error_store(&base, &cfg, n_train);
        chip_workload w;
        if (chip_workload_init(&w, &cfg, n_train, epochs) != F3_OK) {
            fprintf(stderr, "%s\n", f3_last_error());
            return 1;
        }
        /* the widest row of W with its gradient row (weight_stationary holds one per lane) */
        double row_bytes = 0;
        for (size_t i = 0; i < cfg.n_layers; i++)
            if (8.0 * (double)cfg.widths[i] > row_bytes) row_bytes = 8.0 * (double)cfg.widths[i];
        uint64_t rng = 12345;
        double checksum = 0, t0 = clock_s(CLOCK_MONOTONIC), c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
        size_t failed = 0;
        uint64_t hash = 14695981039346656037ull;
        static chip_result r;
        for (size_t k = 0; k < points; k++) {
            chip_config hw = base;
            rng = rng * 6364136223846793005ull + 1442695040888963407ull;
            uint64_t x = rng >> 16;
            hw.n_tiles = 0; /* one tile per layer, each with the figures varied here */
            hw.mac_lanes = 1u << (x % 9);                             /* 1 … 256 */
            hw.reg_capacity_bytes = row_bytes * hw.mac_lanes;         /* a row of W and its gradient per lane */
            hw.sram_capacity_bytes = 65536.0 * (double)(1u << ((x >> 4) % 9)); /* 64 KiB … 16 MiB */
            hw.dataflow = (x >> 8) & 1 ? CHIP_DF_WEIGHT_STATIONARY : CHIP_DF_OUTPUT_STATIONARY;
            hw.dram_bytes_per_cycle = (double)(8u << ((x >> 10) % 4));
            hw.forward.bytes_per_cycle = hw.backward.bytes_per_cycle = (double)(4u << ((x >> 12) % 4));
            if (chip_analytic_run(&hw, &w, &r) != F3_OK) {
                failed++;
                continue;
            }
            checksum += r.energy_per_sample_pj * 1e-9 + (double)r.cycles * 1e-12;
            hash = result_hash(hash, &r);
        }
        double dt = clock_s(CLOCK_MONOTONIC) - t0, dc = clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
        printf("  %-8s %zu points in %.3f s wall, %.3f s CPU: %.0f points/s wall, %.0f points/s per CPU second "
               "(%zu the chip cannot run; checksum %.6g)\n",
               names[a], points, dt, dc, (double)points / dt, (double)points / dc, failed, checksum);
        printf("  %-8s checksum %.17g, every figure's bits hashed: %016llx\n", names[a], checksum,
               (unsigned long long)hash);
    }
    scenario_free(sc);
    return 0;
}
