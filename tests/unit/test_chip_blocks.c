/* test_chip_blocks.c — the analytic engine on a network of blocks
 * (chip_config.blocks, block_cost_as_tile, chip_workload_init_blocks):
 *  (a) the anchor: a chip of dense blocks, "linear 100, tanh; linear 10",
 *      gives exactly the chip_result of the MLP 784-100-10 (softmax
 *      cross-entropy on identity outputs) — every cycle, byte, picojoule
 *      and mm², per tile and in total — under every rule, for
 *      output_stationary, weight_stationary (ws_loop rows and samples, with
 *      and without micro-batches) and fused, at batch 1 and 100 with SGD
 *      and Adam, one tile per block and both blocks on one tile, SRAM that
 *      holds everything and SRAM that spills to DRAM; and the inference
 *      baseline the same;
 *  (b) the workload of blocks: the ledger's operations per block from the
 *      closed forms, E·B_k alone as the feedback FMA (C per output value and
 *      sample, the authors' ViT);
 *  (c) the refusals: blocks not attached, a workload of the other kind, a
 *      split. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "analytic.h"
#include "block_cost.h"
#include "chip.h"
#include "f3/blockformulas.h"
#include "f3/blocks.h"
#include "f3/blockspec.h"
#include "f3/train.h"
#include "f3/vit.h"
#include "tile_cost.h"

/* ---- fixtures ------------------------------------------------------------------------- */

/* a chip with every figure explicit (high-entropy values) */
static chip_config chip(chip_dataflow df, unsigned P)
{
    chip_config hw;
    memset(&hw, 0, sizeof hw);
    hw.clock_mhz = 812.5;
    hw.dataflow = df;
    hw.mac_lanes = P;
    hw.step_latency = 3;
    hw.lane_leakage_uw = 11.37;
    hw.lane_area_mm2 = 0.00631;
    hw.reg_capacity_bytes = 48 * 1024;
    hw.reg_pj_per_byte = 0.083;
    hw.reg_leakage_uw_per_kib = 4.21;
    hw.reg_area_mm2_per_kib = 0.0173;
    hw.acc_pj_per_byte = 0.071;
    hw.acc_leakage_uw_per_kib = 3.9;
    hw.acc_area_mm2_per_kib = 0.0151;
    hw.sram_capacity_bytes = 1 << 22;
    hw.sram_banks = 8;
    hw.sram_bytes_per_cycle_per_bank = 16;
    hw.sram_read_pj = 2.385;
    hw.sram_write_pj = 2.671;
    hw.sram_transposed_factor = 1.5;
    hw.sram_leakage_uw_per_kib = 1.27;
    hw.sram_area_mm2_per_kib = 0.00293;
    hw.rom_encoding = CHIP_ROM_TERNARY2;
    hw.rom_bytes_per_cycle = 8;
    hw.rom_read_pj = 0.53;
    hw.rom_leakage_uw_per_kib = 0.37;
    hw.rom_area_mm2_per_kib = 0.00097;
    hw.lfsr_cycles_per_value = 1;
    hw.lfsr_pj_per_value = 0.047;
    hw.lfsr_area_mm2 = 0.00051;
    hw.dram_bytes_per_cycle = 12.5;
    hw.dram_latency_cycles = 97;
    hw.dram_pj_per_byte = 41.3;
    hw.dram_background_mw = 13.7;
    const chip_link_config link = {1, 9.5, 2, 0.73};
    hw.forward = hw.backward = hw.broadcast = link;
    hw.es_placement = CHIP_ES_ON_CHIP;
    hw.es_bytes_per_value = 4;
    hw.es_bytes_per_cycle = 16;
    hw.es_latency_cycles = 2;
    hw.es_read_pj = 3.17;
    hw.es_write_pj = 3.41;
    hw.es_leakage_uw_per_kib = 1.13;
    hw.es_area_mm2_per_kib = 0.0027;
    hw.fma_pj = 4.61;
    hw.add_pj = 0.93;
    hw.mul_pj = 3.68;
    hw.elem_pj = 1.19;
    return hw;
}

/* the MLP 784-100-10 under rule a: softmax cross-entropy on identity outputs */
static f3_config mlp(f3_algorithm a, f3_optimizer opt, size_t B, int one_hot)
{
    f3_config c = f3_config_default();
    c.n_layers = 2;
    c.widths[0] = 784;
    c.widths[1] = 100;
    c.widths[2] = 10;
    c.hidden_act = F3_ACT_TANH;
    c.output_act = F3_ACT_IDENTITY;
    c.loss = F3_LOSS_SOFTMAX_CE;
    c.algorithm = a;
    c.error_info = (f3_error_info){F3_EI_ERROR, one_hot, 0};
    c.feedback_init = F3_FB_TRINOMIAL;
    c.optimizer = opt;
    c.batch_size = B;
    return c;
}

static size_t dense_blocks(f3_block *blocks)
{
    const f3_blockspec_input in = {784, 1, 28, 28};
    size_t n = 0;
    assert_int_equal(f3_blockspec_parse("linear 100, tanh; linear 10", &in, blocks, F3_BLOCKNET_MAX_BLOCKS, &n),
                     F3_OK);
    assert_int_equal(n, 2);
    return n;
}

/* ---- (a) the anchor --------------------------------------------------------------------- */

static char where[512];

#define SAME(what, a, b)                                                                                           \
    do {                                                                                                           \
        if (!((a) == (b))) {                                                                                       \
            print_error("%s: %s: MLP %.17g, blocks %.17g (difference %.3g)\n", where, what, (double)(a),          \
                        (double)(b), (double)(b) - (double)(a));                                                  \
            fail();                                                                                                \
        }                                                                                                          \
    } while (0)

static void same_result(const chip_result *a, const chip_result *b)
{
    char w[96];
#define F(field) SAME(#field, a->field, b->field)
    F(cycles);
    F(samples);
    F(cycles_per_sample);
    F(samples_per_second);
    F(energy_per_sample_pj);
    F(stall_fraction);
    F(reg_bytes);
    F(sram_read);
    F(sram_written);
    F(rom_read);
    F(es_read);
    F(es_written);
    F(dram_read);
    F(dram_written);
    F(area_mm2);
    F(es_area_mm2);
    F(es_capacity_bytes);
    F(n_tiles);
    for (int i = 0; i < CHIP_E_COUNT; i++) {
        snprintf(w, sizeof w, "energy_pj[%s]", chip_energy_item_names[i]);
        SAME(w, a->energy_pj[i], b->energy_pj[i]);
    }
    for (int i = 0; i < 3; i++) F(link_bytes[i]);
#undef F
    for (size_t k = 0; k < a->n_tiles; k++) {
        const chip_tile_stats *x = &a->tile[k], *y = &b->tile[k];
#define T(field)                                                \
    snprintf(w, sizeof w, "tile %zu: %s", k + 1, #field);       \
    SAME(w, x->field, y->field)
        T(busy);
        T(wait_input);
        T(wait_downstream);
        T(wait_memory);
        T(idle);
        T(gated);
        T(wakes);
        T(reg_bytes);
        T(sram_read);
        T(sram_written);
        T(rom_read);
        T(dram_read);
        T(dram_written);
        T(lfsr_values);
        T(sram_needed);
        T(sram_on_chip);
        T(dram_resident);
        T(stash_bytes);
        T(buffer_bytes);
        T(rom_bytes);
        T(area_mm2);
        T(first_layer);
        T(last_layer);
        T(mac_lanes);
        T(sram_capacity_bytes);
        T(reg_capacity_bytes);
        for (int i = 0; i < CHIP_E_COUNT; i++) {
            snprintf(w, sizeof w, "tile %zu: energy_pj[%s]", k + 1, chip_energy_item_names[i]);
            SAME(w, x->energy_pj[i], y->energy_pj[i]);
        }
#undef T
    }
}

/* one point: the MLP's chip and the blocks' chip, trained and inference */
static int anchor(chip_config hw, const f3_config *cfg, const f3_block *blocks, size_t nb, size_t n_train,
                  size_t epochs)
{
    static chip_result rm, rb;
    static chip_inference im, ib;
    static chip_workload wm, wb;
    memset(&rm, 0, sizeof rm);
    memset(&rb, 0, sizeof rb);
    assert_int_equal(chip_workload_init(&wm, cfg, n_train, epochs), F3_OK);
    const f3_status st_m = chip_analytic_run(&hw, &wm, &rm);
    chip_config hb = hw;
    hb.blocks = blocks;
    hb.n_blocks = nb;
    assert_int_equal(chip_workload_for(&wb, &hb, cfg, n_train, epochs), F3_OK);
    const f3_status st_b = chip_analytic_run(&hb, &wb, &rb);
    SAME("status", st_m, st_b);
    if (st_m) {
        return 0;
    }
    same_result(&rm, &rb);
    assert_int_equal(chip_inference_run(&hw, cfg, &rm, &im), F3_OK);
    assert_int_equal(chip_inference_run(&hb, cfg, &rb, &ib), F3_OK);
    snprintf(where + strlen(where), sizeof where - strlen(where), " (inference)");
    same_result(&im.res, &ib.res);
    SAME("inference power_mw", im.power_mw, ib.power_mw);
    SAME("inference add_lanes_mm2", im.add_lanes_mm2, ib.add_lanes_mm2);
    return 1;
}

static void test_dense_anchor(void **state)
{
    (void)state;
    f3_block blocks[F3_BLOCKNET_MAX_BLOCKS];
    const size_t nb = dense_blocks(blocks);
    /* dataflow, ws_loop samples, micro-batch */
    const struct {
        chip_dataflow df;
        int inner;
        size_t mb;
    } dfs[] = {{CHIP_DF_OUTPUT_STATIONARY, 0, 0},
               {CHIP_DF_WEIGHT_STATIONARY, 0, 0},
               {CHIP_DF_WEIGHT_STATIONARY, 1, 0},
               {CHIP_DF_WEIGHT_STATIONARY, 0, 25},
               {CHIP_DF_FUSED, 0, 0}};
    size_t ran = 0, points = 0;
    for (int a = 0; a < F3_ALGORITHM_COUNT; a++)
        for (size_t d = 0; d < sizeof dfs / sizeof dfs[0]; d++)
            for (int o = 0; o < 3; o++)
                for (int m = 0; m < 4; m++) {
                    /* SGD at batch 1, SGD and Adam at batch 100 */
                    const size_t B = o == 0 ? 1 : 100;
                    const f3_optimizer opt = o == 2 ? F3_OPT_ADAM : F3_OPT_SGD;
                    if (dfs[d].df == CHIP_DF_FUSED && o) continue; /* fused: batch 1, SGD */
                    if (dfs[d].mb && B == 1) continue;
                    const f3_config c = mlp((f3_algorithm)a, opt, B, m == 3);
                    chip_config hw = chip(dfs[d].df, m == 1 ? 16 : 32);
                    hw.ws_samples_inner = dfs[d].inner;
                    hw.micro_batch = dfs[d].mb;
                    const chip_tile_hw th = chip_tile_figures(&hw, 0); /* hardware.tile's, before a mapping */
                    if (m == 1) {
                        /* both blocks on one tile, SRAM that spills to DRAM */
                        hw.n_tiles = 1;
                        hw.tile_first[0] = 0;
                        hw.tile_first[1] = 2;
                        hw.tiles[0] = th;
                        hw.tiles[0].sram_capacity_bytes = 120 * 1024;
                    }
                    if (m == 2) {
                        /* per-tile figures, the first tile's SRAM too small, the error store in DRAM */
                        hw.n_tiles = 2;
                        for (size_t t = 0; t <= 2; t++) hw.tile_first[t] = t;
                        hw.tiles[0] = hw.tiles[1] = th;
                        hw.tiles[0].sram_capacity_bytes = 200 * 1024;
                        hw.tiles[1].mac_lanes = 8;
                        hw.tiles[1].sram_banks = 2;
                        hw.es_placement = CHIP_ES_DRAM;
                        hw.dram_latency_cycles = 31;
                    }
                    snprintf(where, sizeof where, "%s, %s%s%s, batch %zu, %s, mapping %d%s", f3_algorithm_name(c.algorithm),
                             chip_dataflow_name(hw.dataflow), hw.ws_samples_inner ? " (samples)" : "",
                             hw.micro_batch ? " (micro-batches of 25)" : "", B, f3_optimizer_name(opt), m,
                             m == 3 ? " (one-hot e)" : "");
                    ran += (size_t)anchor(hw, &c, blocks, nb, B == 1 ? 37 : 730, 2);
                    points++;
                }
    print_message("%zu points, %zu run (the others refused alike)\n", points, ran);
    assert_true(ran > 200);
}

/* ---- (b) the workload of blocks ----------------------------------------------------------- */

/* the authors' ViT on MNIST, depth 3 */
static size_t vit_blocks(f3_block *blocks)
{
    f3_vit_config v = {.depth = 3, .width = 512, .heads = 8, .dim_head = 64, .mlp_dim = 128, .patch = 7,
                       .norm = 1, .act = F3_OP_TANH, .channels = 1, .height = 28, .image_width = 28, .classes = 10};
    size_t n = 0;
    assert_int_equal(f3_vit_blocks(&v, blocks, F3_BLOCKNET_MAX_BLOCKS, &n), F3_OK);
    return n;
}

static f3_config vit_cfg(const f3_block *blocks, size_t n, f3_algorithm a, size_t B)
{
    f3_config c = mlp(a, F3_OPT_ADAM, B, 0);
    c.n_layers = n;
    c.widths[0] = f3_block_in_size(&blocks[0]);
    for (size_t k = 0; k < n; k++) c.widths[k + 1] = f3_block_out_size(&blocks[k]);
    c.error_info.softmax = 1;
    return c;
}

static void test_workload(void **state)
{
    (void)state;
    f3_block blocks[F3_BLOCKNET_MAX_BLOCKS];
    const size_t n = vit_blocks(blocks);
    assert_int_equal(n, 4);
    const size_t n_train = 250, B = 100, epochs = 3; /* batches of 100, 100, 50 */
    for (int a = 0; a < F3_ALGORITHM_COUNT; a++) {
        const f3_config c = vit_cfg(blocks, n, (f3_algorithm)a, B);
        chip_workload w;
        assert_int_equal(chip_workload_init_blocks(&w, &c, blocks, n, n_train, epochs), F3_OK);
        assert_int_equal(w.n_blocks, n);
        const f3_blocktrain_config bc = {c.algorithm, c.error_info, c.optimizer, c.lr, c.beta1, c.beta2, c.eps, 10};
        const f3_run_shape run = f3_run_shape_epochs(n_train, B, 9);
        const double S = (double)(n_train * epochs);
        for (size_t k = 0; k < n; k++) {
            /* the ledger's operations: every phase of the block's closed forms */
            double fma = 0, elem = 0;
            for (int p = 0; p < F3_PH_COUNT; p++) {
                f3_counts cc;
                assert_int_equal(f3_blockformula_counts(blocks, n, &bc, k, (f3_phase)p, run, &cc), F3_OK);
                fma += (double)cc.fma;
                elem += (double)cc.elem;
            }
            assert_true(w.ledger_fma[k] == fma);
            assert_true(w.ledger_elem[k] == elem);
            /* E·B_k: C FMA per output value and sample, for a hidden block
             * of a rule with feedback; nothing else of the feedback phase
             * (the backward inside the block) */
            const int fb = f3_layer_has_feedback(&c, k);
            const double want = fb ? S * 10.0 * (double)f3_block_out_size(&blocks[k]) : 0.0;
            if (fb) {
                if (w.ledger_feedback_fma[k] != want)
                    print_error("%s block %zu: feedback FMA %.17g, want %.17g\n", f3_algorithm_name(c.algorithm),
                                k + 1, w.ledger_feedback_fma[k], want);
                assert_true(w.ledger_feedback_fma[k] == want);
            }
        }
    }
}

/* ---- (c) the refusals --------------------------------------------------------------------- */

static void refused(f3_status st, const char *want)
{
    assert_int_equal(st, F3_EINVAL);
    if (!strstr(f3_last_error(), want)) print_error("got '%s', want '%s'\n", f3_last_error(), want);
    assert_non_null(strstr(f3_last_error(), want));
}

static void test_refusals(void **state)
{
    (void)state;
    f3_block blocks[F3_BLOCKNET_MAX_BLOCKS];
    const size_t nb = dense_blocks(blocks);
    const f3_config c = mlp(F3_ALG_F3, F3_OPT_SGD, 10, 0);
    static chip_workload wm, wb;
    static chip_result r;
    assert_int_equal(chip_workload_init(&wm, &c, 100, 1), F3_OK);
    chip_config hw = chip(CHIP_DF_OUTPUT_STATIONARY, 16);
    hw.n_blocks = nb; /* as chip_config_from_scenario leaves it: blocks not attached */
    refused(chip_workload_for(&wb, &hw, &c, 100, 1), "this chip has no blocks attached");
    tile_cost t;
    refused(tile_cost_compute(&hw, &c, 0, 10, &t), "no blocks attached");
    hw.blocks = blocks;
    assert_int_equal(chip_workload_for(&wb, &hw, &c, 100, 1), F3_OK);
    refused(chip_analytic_run(&hw, &wm, &r), "with the workload of an MLP");
    chip_config mlp_hw = chip(CHIP_DF_OUTPUT_STATIONARY, 16);
    refused(chip_analytic_run(&mlp_hw, &wb, &r), "a chip of 0 blocks with the workload of a network of blocks");
    /* a split */
    hw.n_tiles = 3;
    hw.n_split = 2;
    hw.split[0] = 2;
    hw.split[1] = 1;
    for (size_t k = 0; k < 3; k++) hw.tiles[k] = chip_tile_figures(&mlp_hw, 0);
    refused(chip_analytic_run(&hw, &wb, &r), "is not split");
    /* a network of another size */
    hw.n_split = 0;
    hw.n_tiles = 0;
    hw.n_blocks = 1;
    refused(tile_cost_compute(&hw, &c, 0, 10, &t), "the chip has 1 blocks, the network 2 layers");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dense_anchor),
        cmocka_unit_test(test_workload),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
