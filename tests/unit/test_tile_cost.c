/* test_tile_cost.c — the output-stationary tile table against closed forms
 * where rtl_ref/ corrected it: the biases (and their accumulators) live in
 * registers, so SRAM carries W alone and the gradient step is f·n_in cycles
 * even when the SRAM ports are just wide enough for W; the per-batch apply
 * walks W as the gradient step does (f·n_in); and the fixed-point
 * accumulator holds the exact sum (error + activation bits + ⌈log₂ batch⌉). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "chip.h"
#include "f3/train.h"
#include "tile_cost.h"

static const f3_format Q412 = {F3_FMT_FIXED, 4, 12, F3_ROUND_NEAREST_EVEN};
static const f3_format Q214 = {F3_FMT_FIXED, 2, 14, F3_ROUND_NEAREST_EVEN};

/* F³, n_in → n_out → 10, one-hot error information */
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

static void fixed16(f3_config *c)
{
    c->numerics.fmt[F3_T_WEIGHTS] = Q214;
    c->numerics.fmt[F3_T_ACTIVATIONS] = Q412;
    c->numerics.fmt[F3_T_ERROR] = Q214;
    c->numerics.fmt[F3_T_GRADIENTS] = Q214;
    c->numerics.fmt[F3_T_FEEDBACK] = (f3_format){F3_FMT_FIXED, 2, 6, F3_ROUND_NEAREST_EVEN};
}

/* P lanes and banks whose ports move `word` bytes each way per cycle (one
 * read, one write), as rtl_ref/'s testbench describes its tile */
static chip_config tile(unsigned P, size_t banks, double word)
{
    chip_config hw;
    memset(&hw, 0, sizeof hw);
    hw.clock_mhz = 1000;
    hw.dataflow = CHIP_DF_OUTPUT_STATIONARY;
    hw.mac_lanes = P;
    hw.step_latency = 1;
    hw.reg_capacity_bytes = 1 << 20;
    hw.sram_capacity_bytes = 1 << 30;
    hw.sram_banks = banks;
    hw.sram_bytes_per_cycle_per_bank = 2.0 * word;
    hw.sram_transposed_factor = 1.0;
    hw.rom_encoding = CHIP_ROM_TERNARY2;
    hw.rom_bytes_per_cycle = P * 0.25;
    hw.lfsr_cycles_per_value = 1;
    hw.dram_bytes_per_cycle = 64;
    return hw;
}

static void test_accumulator_bytes(void **state)
{
    (void)state;
    f3_config c = net(5, 16, 1);
    assert_true(chip_accumulator_bytes(&c) == 4.0); /* fp32: the gradients' format */
    fixed16(&c);
    assert_true(chip_accumulator_bytes(&c) == 32.0 / 8.0); /* q2.14 × q4.12, exact, batch 1 */
    c.batch_size = 2;
    assert_true(chip_accumulator_bytes(&c) == 33.0 / 8.0);
    c.batch_size = 50;
    assert_true(chip_accumulator_bytes(&c) == 38.0 / 8.0); /* ⌈log₂ 50⌉ = 6 */
    c.batch_size = 64;
    assert_true(chip_accumulator_bytes(&c) == 38.0 / 8.0);
    /* not the fixed-point path (bf16 weights): the gradients' own format */
    c.numerics.fmt[F3_T_WEIGHTS] = (f3_format){F3_FMT_BF16, 0, 0, F3_ROUND_NEAREST_EVEN};
    assert_false(f3_config_fixed_mode(&c));
    assert_true(chip_accumulator_bytes(&c) == 2.0);
}

/* batch 1, SGD: W read by the forward step, read and written by the
 * gradient step; b read by the activation step and updated by δz, in
 * registers */
static void test_bias_in_registers(void **state)
{
    (void)state;
    const size_t shapes[][3] = {{5, 16, 16}, {1, 48, 16}, {7, 10, 4}, {3, 3, 1}, {64, 65, 64}};
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        const size_t ni = shapes[s][0], no = shapes[s][1], P = shapes[s][2];
        f3_config c = net(ni, no, 1);
        chip_config hw = tile((unsigned)P, P, 4.0);
        tile_cost t;
        assert_int_equal(tile_cost_compute(&hw, &c, 0, 1, &t), F3_OK);
        const double f = ceil((double)no / (double)P);
        assert_true(t.need[TC_WEIGHTS] == 4.0 * (double)(ni * no));
        assert_true(t.need[TC_ACCUM] == 0.0);
        assert_true(t.step[TC_FORWARD].sram_r == 4.0 * (double)(ni * no));
        assert_true(t.step[TC_ACTIVATION].reg == 4.0 * (double)no);
        assert_true(t.step[TC_DZ].reg == 2.0 * 4.0 * (double)no);
        assert_true(t.step[TC_GRADIENT].sram_r == 4.0 * (double)(ni * no));
        assert_true(t.step[TC_GRADIENT].sram_w == 4.0 * (double)(ni * no));
        /* the ports carry one weight each way per lane and cycle: f·n_in */
        assert_true(t.step[TC_GRADIENT].cycles == f * (double)ni + 1.0);
        assert_true(t.step[TC_APPLY].cycles == 0.0);
        chip_step_cycles cy = chip_tile_cycles(&hw, &c, 0, 1);
        assert_true(cy.gradient == (uint64_t)(f * (double)ni) + 1);
    }
}

/* batch > 1 on the fixed-point path: an exact accumulator beside W, and
 * the apply step walks W in f·n_in cycles */
static void test_batched_apply(void **state)
{
    (void)state;
    const size_t shapes[][4] = {{5, 20, 16, 4}, {256, 10, 64, 3}, {9, 31, 4, 50}};
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        const size_t ni = shapes[s][0], no = shapes[s][1], P = shapes[s][2], B = shapes[s][3];
        f3_config c = net(ni, no, B);
        fixed16(&c);
        const double ab = chip_accumulator_bytes(&c);
        chip_config hw = tile((unsigned)P, 2 * P, ab); /* W banks and accumulator banks */
        tile_cost t;
        assert_int_equal(tile_cost_compute(&hw, &c, 0, 1, &t), F3_OK);
        const double f = ceil((double)no / (double)P), nw = (double)(ni * no);
        assert_true(t.need[TC_WEIGHTS] == 2.0 * nw);
        assert_true(t.need[TC_ACCUM] == ab * nw);
        assert_true(t.step[TC_GRADIENT].sram_r == ab * nw);
        assert_true(t.step[TC_GRADIENT].sram_w == ab * nw);
        assert_true(t.step[TC_GRADIENT].cycles == f * (double)ni + 1.0);
        assert_true(t.step[TC_APPLY].sram_r == (2.0 + ab) * nw);
        assert_true(t.step[TC_APPLY].sram_w == 2.0 * nw);
        assert_true(t.step[TC_APPLY].cycles == f * (double)ni + 1.0);
        assert_true(t.step[TC_DZ].reg == 2.0 * ab * (double)no);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accumulator_bytes),
        cmocka_unit_test(test_bias_in_registers),
        cmocka_unit_test(test_batched_apply),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
