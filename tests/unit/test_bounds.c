/* test_bounds.c — what bounds a tile (sim/chip/bounds.h).
 *
 * The bound on constructed cases (few lanes: compute; a narrow SRAM port:
 * sram_port; a slow ROM: rom; a small register file under
 * weight_stationary: registers, with the rows held), the tie order, and
 * the issue's case: the default chip's weight_stationary 784-500-10 at 64
 * lanes is register-capped at 128 KiB (20 rows of 500 held) and not at
 * 512 KiB.  The levels of analytic runs add up to the tiles' stats (bytes
 * exactly, energy to the last rounding) on output_stationary,
 * weight_stationary and fused, with and without DRAM spill, F3 and BP, two
 * layers on a tile and a split layer; one data space's DRAM bytes against a
 * hand count. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "analytic.h"
#include "bounds.h"
#include "chip.h"
#include "f3/status.h"
#include "f3/train.h"
#include "hardware_check.h"
#include "scenario.h"
#include "tile_cost.h"

/* F³, n_in → n_out → 10, one-hot error information, SGD */
static f3_config net(size_t n_in, size_t n_out, size_t batch)
{
    f3_config c = f3_config_default();
    c.n_layers = 2;
    c.widths[0] = n_in;
    c.widths[1] = n_out;
    c.widths[2] = 10;
    c.algorithm = F3_ALG_F3;
    c.optimizer = F3_OPT_SGD;
    c.batch_size = batch;
    c.feedback_init = F3_FB_TRINOMIAL;
    return c;
}

/* P lanes, one bank moving `bpc` bytes per cycle, everything else ample */
static chip_config tile(chip_dataflow df, unsigned P, double bpc)
{
    chip_config hw;
    memset(&hw, 0, sizeof hw);
    hw.clock_mhz = 1000;
    hw.dataflow = df;
    hw.mac_lanes = P;
    hw.step_latency = 1;
    hw.reg_capacity_bytes = 1 << 24;
    hw.sram_capacity_bytes = 1 << 30;
    hw.sram_banks = 1;
    hw.sram_bytes_per_cycle_per_bank = bpc;
    hw.sram_transposed_factor = 1.0;
    hw.rom_encoding = CHIP_ROM_INT8;
    hw.rom_bytes_per_cycle = 1e6;
    hw.lfsr_cycles_per_value = 1;
    hw.dram_bytes_per_cycle = 64;
    return hw;
}

static chip_step_bound rows_[CHIP_STEP_BOUNDS_MAX];

/* The bounds of a tile; every row's limiters make its cycles, and its
 * limiter is the first of the largest. */
static size_t bounds_of(const chip_config *hw, const f3_config *cfg, size_t t)
{
    size_t n = 0;
    f3_status st = chip_step_bounds(hw, cfg, t, cfg->batch_size, rows_, &n);
    if (st) fprintf(stderr, "%s\n", f3_last_error());
    assert_int_equal(st, F3_OK);
    assert_true(n > 0);
    for (size_t q = 0; q < n; q++) {
        const chip_step_bound *b = &rows_[q];
        double m = 0;
        for (int k = 0; k < CHIP_LIM_LATENCY; k++) m = fmax(m, b->limiter[k]);
        assert_true(m + b->limiter[CHIP_LIM_LATENCY] == b->cycles); /* tc_step_finish's max + latency */
        int first = 0;
        for (int k = 1; k < CHIP_LIMITERS; k++)
            if (b->limiter[k] > b->limiter[first]) first = k;
        assert_int_equal(b->limiter_max, first);
        for (int k = 0; k < first; k++) assert_true(b->limiter[k] < b->limiter[first]);
    }
    return n;
}

static const chip_step_bound *step_of(size_t n, tc_step s)
{
    for (size_t q = 0; q < n; q++)
        if (rows_[q].step == s) return &rows_[q];
    fail_msg("no row for step %s", tc_step_names[s]);
    return NULL;
}

static void test_compute_bound(void **state)
{
    (void)state;
    f3_config c = net(64, 32, 1);
    chip_config hw = tile(CHIP_DF_OUTPUT_STATIONARY, 1, 1e6);
    size_t n = bounds_of(&hw, &c, 0);
    const chip_step_bound *f = step_of(n, TC_FORWARD);
    assert_int_equal(f->bound, CHIP_LIM_COMPUTE);
    assert_true(f->limiter[CHIP_LIM_COMPUTE] == 64.0 * 32.0); /* one lane: every MAC of W h in turn */
    assert_int_equal(step_of(n, TC_GRADIENT)->bound, CHIP_LIM_COMPUTE);
}

static void test_sram_port_bound(void **state)
{
    (void)state;
    f3_config c = net(64, 32, 1);
    chip_config hw = tile(CHIP_DF_OUTPUT_STATIONARY, 32, 0.5);
    size_t n = bounds_of(&hw, &c, 0);
    const chip_step_bound *f = step_of(n, TC_FORWARD);
    assert_int_equal(f->bound, CHIP_LIM_SRAM_PORT);
    /* W's 64·32 fp32 weights at least, half a byte per cycle */
    assert_true(f->limiter[CHIP_LIM_SRAM_PORT] >= 2.0 * 4.0 * 64.0 * 32.0);
    assert_true(f->limiter[CHIP_LIM_COMPUTE] == 64.0); /* ⌈32/32⌉ lane passes × 64 inputs */
}

static void test_rom_bound(void **state)
{
    (void)state;
    f3_config c = net(64, 32, 1);
    chip_config hw = tile(CHIP_DF_OUTPUT_STATIONARY, 32, 1e6);
    hw.rom_bytes_per_cycle = 0.01; /* a slow ROM */
    size_t n = bounds_of(&hw, &c, 0);
    const chip_step_bound *fb = step_of(n, TC_FEEDBACK);
    assert_int_equal(fb->bound, CHIP_LIM_ROM);
    /* one-hot: one column of B, 32 int8 entries at 0.01 bytes per cycle */
    assert_true(fb->limiter[CHIP_LIM_ROM] == 3200.0);
    /* the output tile has no feedback */
    n = bounds_of(&hw, &c, 1);
    for (size_t q = 0; q < n; q++) assert_int_not_equal(rows_[q].step, TC_FEEDBACK);
}

static void test_registers_bound(void **state)
{
    (void)state;
    /* a row of W and its accumulator: 8 × 100 bytes; 4000 bytes hold 5
     * rows, so 16 lanes work on 5 rows at a time */
    f3_config c = net(100, 40, 4);
    chip_config hw = tile(CHIP_DF_WEIGHT_STATIONARY, 16, 1e6);
    hw.reg_capacity_bytes = 4000;
    size_t n = bounds_of(&hw, &c, 0);
    const chip_step_bound *f = step_of(n, TC_FORWARD);
    assert_int_equal(f->bound, CHIP_BOUND_REGISTERS);
    assert_int_equal(f->limiter_max, CHIP_LIM_COMPUTE);
    assert_int_equal(f->rows, 40);
    assert_int_equal(f->block_rows, 5);
    assert_int_equal(f->blocks, 8);
    assert_int_equal(f->unbounded_block_rows, 40);
    assert_int_equal(f->unbounded_blocks, 1);
    /* 8 blocks of one lane pass against ⌈40/16⌉ = 3, per sample of 4 × 100 inputs */
    assert_true(f->limiter[CHIP_LIM_COMPUTE] == 4.0 * 8.0 * 100.0);
    assert_true(f->unbounded_cycles == 4.0 * 3.0 * 100.0 + 1.0);
    /* with room for 16 rows the lanes are full: no register bound */
    hw.reg_capacity_bytes = 16 * 800;
    n = bounds_of(&hw, &c, 0);
    for (size_t q = 0; q < n; q++)
        if (rows_[q].step == TC_FORWARD || rows_[q].step == TC_GRADIENT)
            assert_int_not_equal(rows_[q].bound, CHIP_BOUND_REGISTERS);
}

/* On equal cycles the bound is the first in chip_limiter order: compute
 * before sram_port.  Search the port width at which they tie. */
static void test_tie_order(void **state)
{
    (void)state;
    f3_config c = net(64, 32, 1);
    int ties = 0;
    for (double bpc = 1; bpc <= 512 && !ties; bpc += 1) {
        chip_config hw = tile(CHIP_DF_OUTPUT_STATIONARY, 32, bpc);
        size_t n = bounds_of(&hw, &c, 0);
        for (size_t q = 0; q < n; q++)
            if (rows_[q].limiter[CHIP_LIM_COMPUTE] == rows_[q].limiter[CHIP_LIM_SRAM_PORT] &&
                rows_[q].limiter[CHIP_LIM_COMPUTE] > 1) {
                assert_int_equal(rows_[q].bound, CHIP_LIM_COMPUTE);
                ties++;
            }
    }
    assert_true(ties > 0);
}

/* ---- analytic runs of scenarios ---------------------------------------------------- */

/* The scenario's chip and network for rule `rule`, with the assignments. */
static void load(const char *const *set, size_t n_set, const char *rule, chip_config *hw, f3_config *cfg)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/test_bounds.yaml", F3_TEST_TMP_DIR);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("name: bounds\nnetwork:\n  hidden: [500]\n  activation: tanh\ndataset:\n  name: mnist\n"
          "training:\n  algorithm: f3\n  optimizer: adam\n  batch_size: 50\n  epochs: 1\n  seed: 1\n"
          "hardware:\n  tile:\n    dataflow: weight_stationary\n    mac_lanes: 64\n"
          "  links:\n    forward:\n      bytes_per_cycle: 16\n    backward:\n      bytes_per_cycle: 16\n",
          f);
    fclose(f);
    scenario *sc = NULL;
    f3_status st = scenario_load(path, &sc);
    if (!st && n_set) st = scenario_set_all(sc, set, n_set);
    if (st) fprintf(stderr, "%s\n", f3_last_error());
    assert_int_equal(st, F3_OK);
    f3_task task;
    assert_int_equal(scenario_f3_config(sc, rule, cfg, &task), F3_OK);
    chip_config_from_scenario(sc, hw);
    scenario_free(sc);
    assert_int_equal(cfg->widths[0], 784);
}

static void run(chip_config *hw, const f3_config *cfg, size_t n_train, chip_result *r)
{
    chip_config_resolve_error_store(hw, cfg, n_train);
    chip_workload *w = malloc(sizeof *w);
    assert_non_null(w);
    assert_int_equal(chip_workload_init(w, cfg, n_train, 1), F3_OK);
    f3_status st = chip_analytic_run(hw, w, r);
    if (st) fprintf(stderr, "%s\n", f3_last_error());
    assert_int_equal(st, F3_OK);
    free(w);
}

static int close_to(double a, double b) { return fabs(a - b) <= 1e-9 * fmax(1.0, fabs(b)); }

/* Per tile and level, the rows add up to the tile's stats. */
static void check_levels(const chip_config *hw, const f3_config *cfg, const chip_result *r)
{
    for (size_t k = 0; k < r->n_tiles; k++) {
        const chip_tile_stats *ts = &r->tile[k];
        chip_level_row rows[CHIP_LEVEL_ROWS];
        size_t n = 0;
        assert_int_equal(chip_tile_levels(hw, cfg, r, k, rows, &n), F3_OK);
        assert_int_equal(n, CHIP_LEVEL_ROWS);
        double rd[CHIP_LEVELS] = {0}, wr[CHIP_LEVELS] = {0}, acc[CHIP_LEVELS] = {0}, e[CHIP_LEVELS] = {0};
        double held_sram = 0, held_dram = 0;
        for (size_t q = 0; q < n; q++) {
            const chip_level_row *x = &rows[q];
            if (!isnan(x->reads)) rd[x->level] += x->reads, wr[x->level] += x->writes;
            if (!isnan(x->accessed)) acc[x->level] += x->accessed;
            e[x->level] += x->energy_pj;
            if (x->level == CHIP_LV_SRAM) held_sram += x->held;
            if (x->level == CHIP_LV_DRAM) held_dram += x->held;
            if (!isnan(x->reads)) {
                assert_true(x->reads >= 0 && x->writes >= 0 && x->reads == floor(x->reads));
                assert_true(x->accessed == x->reads + x->writes);
            }
        }
        assert_true(rd[CHIP_LV_SRAM] == (double)ts->sram_read);
        assert_true(wr[CHIP_LV_SRAM] == (double)ts->sram_written);
        assert_true(rd[CHIP_LV_DRAM] == (double)ts->dram_read);
        assert_true(wr[CHIP_LV_DRAM] == (double)ts->dram_written);
        assert_true(rd[CHIP_LV_ROM] == (double)ts->rom_read);
        assert_true(acc[CHIP_LV_REGISTERS] == (double)ts->reg_bytes);
        assert_true(close_to(e[CHIP_LV_REGISTERS], ts->energy_pj[CHIP_E_REGISTERS]));
        assert_true(close_to(e[CHIP_LV_SRAM], ts->energy_pj[CHIP_E_SRAM]));
        assert_true(close_to(e[CHIP_LV_ROM], ts->energy_pj[CHIP_E_ROM]));
        assert_true(close_to(e[CHIP_LV_DRAM], ts->energy_pj[CHIP_E_DRAM]));
        assert_true(close_to(e[CHIP_LV_LINK], ts->energy_pj[CHIP_E_LINKS]));
        assert_true(close_to(held_sram, ts->sram_on_chip));
        assert_true(close_to(held_dram, ts->dram_resident));
        /* every SRAM data space's energy is its bytes' at least (the
         * weights carry the transposed reads' extra) */
        for (size_t q = 0; q < n; q++)
            if (rows[q].level == CHIP_LV_SRAM) assert_true(rows[q].energy_pj >= -1e-6 * fmax(1, e[CHIP_LV_SRAM]));
        /* utilisation: the states add up to the run (each rounded to a cycle) */
        const chip_tile_util u = chip_tile_utilisation(r, k);
        const double sum = (u.busy + u.wait_input + u.wait_downstream + u.wait_memory + u.idle) * u.run_cycles;
        assert_true(fabs(sum - u.run_cycles) <= 5.0);
        assert_true(u.busy > 0 && u.busy <= 1.0);
    }
}

static void levels_case(const char *const *set, size_t n_set, const char *rule, size_t n_train)
{
    chip_config hw;
    f3_config cfg;
    load(set, n_set, rule, &hw, &cfg);
    chip_result *r = malloc(sizeof *r);
    assert_non_null(r);
    run(&hw, &cfg, n_train, r);
    check_levels(&hw, &cfg, r);
    /* the writers: a header and the rows */
    FILE *f = tmpfile();
    assert_non_null(f);
    assert_int_equal(chip_levels_csv_write(f, &hw, &cfg, r), 0);
    assert_int_equal(chip_bounds_csv_write(f, &hw, &cfg, r), 0);
    rewind(f);
    char line[4096];
    size_t lines = 0;
    while (fgets(line, sizeof line, f)) lines++;
    assert_true(lines > 1 + r->n_tiles * CHIP_LEVEL_ROWS + 1);
    fclose(f);
    free(r);
}

static void test_levels_sum(void **state)
{
    (void)state;
    /* weight_stationary, Adam: m and v spill to DRAM at 2 MiB, as do the buffers */
    levels_case(NULL, 0, "f3", 1000);
    levels_case(NULL, 0, "bp", 1010); /* and a last batch of 10 */
    static const char *ws_fit[] = {"hardware.tile.sram.capacity_kib=8192", "training.optimizer=sgd"};
    levels_case(ws_fit, 2, "f3", 1000);
    static const char *ws_mb[] = {"hardware.pipeline.micro_batch=10"};
    levels_case(ws_mb, 1, "bp", 1000);
    static const char *os[] = {"hardware.tile.dataflow=output_stationary"};
    levels_case(os, 1, "f3", 1000);
    levels_case(os, 1, "bp", 1000);
    static const char *os_small[] = {"hardware.tile.dataflow=output_stationary",
                                     "hardware.tile.sram.capacity_kib=256"};
    levels_case(os_small, 2, "bp", 1000);
    static const char *fused[] = {"hardware.tile.dataflow=fused", "training.optimizer=sgd", "training.batch_size=1"};
    levels_case(fused, 3, "f3", 300);
    levels_case(fused, 3, "bp", 300);
    static const char *fused_small[] = {"hardware.tile.dataflow=fused", "training.optimizer=sgd",
                                        "training.batch_size=1", "hardware.tile.sram.capacity_kib=512"};
    levels_case(fused_small, 4, "f3", 300);
    /* mappings: two layers on one tile; the hidden layer split over three */
    static const char *one_tile[] = {"hardware.mapping.layers_per_tile=[2]"};
    levels_case(one_tile, 1, "f3", 1000);
    levels_case(one_tile, 1, "bp", 1000);
    static const char *split[] = {"hardware.mapping.split=[3, 1]", "hardware.tile.dataflow=output_stationary",
                                  "hardware.tile.sram.capacity_kib=1024"};
    levels_case(split, 3, "f3", 1000);
    levels_case(split, 3, "bp", 1000);
}

/* One data space against a hand count: weight_stationary, Adam, 2 MiB of
 * SRAM.  W and b (784·500 + 500 fp32) take 1 570 000 bytes, m and v need
 * 3 140 000 and get the 527 152 left; the update reads and writes m and v
 * once per batch, (3 140 000 − 527 152) bytes of them from DRAM. */
static void test_levels_hand_count(void **state)
{
    (void)state;
    chip_config hw;
    f3_config cfg;
    load(NULL, 0, "f3", &hw, &cfg);
    chip_result *r = malloc(sizeof *r);
    assert_non_null(r);
    run(&hw, &cfg, 1000, r); /* 20 batches */
    chip_level_row rows[CHIP_LEVEL_ROWS];
    size_t n;
    assert_int_equal(chip_tile_levels(&hw, &cfg, r, 0, rows, &n), F3_OK);
    const double off = 3140000.0 - (2097152.0 - 1570000.0);
    int seen = 0;
    for (size_t q = 0; q < n; q++) {
        if (strcmp(rows[q].data_space, "optimizer_state")) continue;
        if (rows[q].level == CHIP_LV_DRAM) {
            assert_true(rows[q].reads == 20.0 * off);
            assert_true(rows[q].writes == 20.0 * off);
            assert_true(rows[q].held == off);
            seen++;
        }
        if (rows[q].level == CHIP_LV_SRAM) {
            assert_true(rows[q].reads == 20.0 * (3140000.0 - off));
            assert_true(rows[q].held == 3140000.0 - off);
            seen++;
        }
    }
    assert_int_equal(seen, 2);
    free(r);
}

/* The issue: the default chip, weight_stationary, 64 lanes, 784-500-10.
 * 128 KiB of registers hold 20 rows of W and their accumulator (8 · 784
 * bytes each), so the hidden tile's 64 lanes work on 20 rows at a time;
 * 512 KiB hold 83, 64 per block, and nothing is register-bound. */
static void test_issue_register_cap(void **state)
{
    (void)state;
    double e[2];
    for (int big = 0; big < 2; big++) {
        static const char *set512[] = {"hardware.tile.registers.capacity_kib=512"};
        chip_config hw;
        f3_config cfg;
        load(big ? set512 : NULL, big ? 1 : 0, "f3", &hw, &cfg);
        size_t n = bounds_of(&hw, &cfg, 0);
        const chip_step_bound *f = step_of(n, TC_FORWARD);
        assert_int_equal(f->rows, 500);
        assert_int_equal(f->block_rows, big ? 64 : 20);
        assert_int_equal(f->blocks, big ? 8 : 25);
        int capped = 0;
        for (size_t q = 0; q < n; q++) capped += rows_[q].bound == CHIP_BOUND_REGISTERS;
        if (big) {
            assert_int_equal(capped, 0);
        } else {
            assert_int_equal(f->bound, CHIP_BOUND_REGISTERS);
            assert_int_equal(step_of(n, TC_GRADIENT)->bound, CHIP_BOUND_REGISTERS);
            /* 25 blocks of one lane pass against ⌈500/64⌉ = 8 */
            assert_true(f->limiter[CHIP_LIM_COMPUTE] == 50.0 * 25.0 * 784.0);
        }
        chip_result *r = malloc(sizeof *r);
        assert_non_null(r);
        run(&hw, &cfg, 60000, r);
        e[big] = r->energy_per_sample_pj;
        const chip_tile_util u = chip_tile_utilisation(r, 0);
        printf("# registers %s KiB: %.2f µJ per sample, %.0f cycles per sample, tile 1 busy %.1f %%\n",
               big ? "512" : "128", e[big] * 1e-6, r->cycles_per_sample, 100.0 * u.busy);
        free(r);
    }
    assert_true(e[1] < e[0]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_compute_bound),      cmocka_unit_test(test_sram_port_bound),
        cmocka_unit_test(test_rom_bound),          cmocka_unit_test(test_registers_bound),
        cmocka_unit_test(test_tie_order),          cmocka_unit_test(test_levels_sum),
        cmocka_unit_test(test_levels_hand_count),  cmocka_unit_test(test_issue_register_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
