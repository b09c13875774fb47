/* test_cost_tables.c — the SRAM figures against Horowitz's points (8 KB,
 * 32 KB, 1 MB read as 8192, 32768 and 1048576 bytes), their log-linear
 * interpolation and clamping, the fixed figures' arithmetic, and the
 * lanes: the training lane against rtl_ref/synth/area.csv (a fit of its
 * rows computed here) and against its closed forms, the MAC lane's. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cost_tables.h"
#include "tile_cost.h"

static void assert_close(double got, double want, double tol, const char *what)
{
    if (!(fabs(got - want) <= tol * (1.0 + fabs(want)))) {
        print_error("%s: got %.17g, want %.17g (diff %.3g)\n", what, got, want, got - want);
        fail();
    }
}

static chip_sram_figures sram(double bytes)
{
    chip_sram_figures f;
    chip_sram_figures_for(bytes, &f);
    return f;
}

/* Horowitz 2014: 64-bit reads of 10, 20 and 100 pJ, exactly. */
static void test_horowitz_points(void **state)
{
    (void)state;
    const double bytes[] = {8192.0, 32768.0, 1048576.0};
    const double pj_per_64bit[] = {10.0, 20.0, 100.0};
    for (size_t i = 0; i < 3; i++) {
        const chip_sram_figures f = sram(bytes[i]);
        assert_true(f.read_pj_per_byte * 8.0 == pj_per_64bit[i]);
        assert_true(f.write_pj_per_byte == f.read_pj_per_byte);
    }
}

/* Energy never falls with capacity; area and leakage per KiB never rise, and
 * the whole macro's area and leakage grow. */
static void test_monotone_in_capacity(void **state)
{
    (void)state;
    chip_sram_figures prev = sram(512.0);
    double prev_bytes = 512.0;
    for (double b = 512.0 * 1.0905; b < 64.0 * 1048576.0; b *= 1.0905) {
        const chip_sram_figures f = sram(b);
        assert_true(f.read_pj_per_byte >= prev.read_pj_per_byte);
        assert_true(f.write_pj_per_byte >= prev.write_pj_per_byte);
        assert_true(f.leakage_uw_per_kib <= prev.leakage_uw_per_kib);
        assert_true(f.area_mm2_per_kib <= prev.area_mm2_per_kib);
        assert_true(f.area_mm2_per_kib * b > prev.area_mm2_per_kib * prev_bytes);
        assert_true(f.leakage_uw_per_kib * b > prev.leakage_uw_per_kib * prev_bytes);
        assert_true(f.leakage_uw_per_kib > 0.0 && f.area_mm2_per_kib > 0.0);
        prev = f;
        prev_bytes = b;
    }
    const chip_sram_figures small = sram(8192.0), big = sram(1048576.0);
    assert_true(big.read_pj_per_byte > small.read_pj_per_byte);
    assert_true(big.area_mm2_per_kib < small.area_mm2_per_kib);
}

/* At the geometric mean of two points' capacities every figure is the
 * arithmetic mean of theirs; at a quarter of the way in log, a quarter. */
static void test_log_linear_between_points(void **state)
{
    (void)state;
    const double pts[][2] = {{8192.0, 32768.0}, {32768.0, 1048576.0}};
    for (size_t k = 0; k < 2; k++) {
        const double lo_b = pts[k][0], hi_b = pts[k][1];
        const chip_sram_figures lo = sram(lo_b), hi = sram(hi_b);
        const double ts[] = {0.5, 0.25, 0.8137};
        for (size_t j = 0; j < 3; j++) {
            const double t = ts[j];
            const chip_sram_figures m = sram(lo_b * pow(hi_b / lo_b, t));
            assert_close(m.read_pj_per_byte, (1 - t) * lo.read_pj_per_byte + t * hi.read_pj_per_byte,
                         1e-12, "read");
            assert_close(m.write_pj_per_byte, (1 - t) * lo.write_pj_per_byte + t * hi.write_pj_per_byte,
                         1e-12, "write");
            assert_close(m.leakage_uw_per_kib,
                         (1 - t) * lo.leakage_uw_per_kib + t * hi.leakage_uw_per_kib, 1e-12, "leakage");
            assert_close(m.area_mm2_per_kib, (1 - t) * lo.area_mm2_per_kib + t * hi.area_mm2_per_kib,
                         1e-12, "area");
        }
    }
    /* 16 KiB sits halfway between 10 and 20 pJ per 64 bits */
    assert_close(sram(16384.0).read_pj_per_byte, 15.0 / 8, 1e-12, "16 KiB read");
}

/* Below 8 KiB the 8 KiB figures, above 1 MiB the 1 MiB figures. */
static void test_clamped_at_ends(void **state)
{
    (void)state;
    const chip_sram_figures first = sram(8192.0), last = sram(1048576.0);
    const double below[] = {1.0, 37.0, 4096.0, 8191.5};
    const double above[] = {1048577.0, 2.0 * 1048576.0, 8.0 * 1048576.0, 1e12};
    for (size_t i = 0; i < 4; i++) {
        const chip_sram_figures lo = sram(below[i]), hi = sram(above[i]);
        assert_memory_equal(&lo, &first, sizeof lo);
        assert_memory_equal(&hi, &last, sizeof hi);
    }
}

/* CACTI 7.0's cells (docs/hardware-costs.md, "SRAM macros by size and cell
 * type"): the tabulated runs exactly, log-linear between two of them, the
 * end runs outside, the capacity table under "table", and the cells'
 * order of leakage (lstp < lop < hp) at every size. */
static void test_cacti_cells(void **state)
{
    (void)state;
    chip_sram_figures f, g, h;
    chip_sram_figures_cells(CHIP_CELLS_HP, 8192, &f);
    assert_close(f.read_pj_per_byte, 5.29 / 8, 1e-15, "hp 8 KiB read");
    assert_close(f.write_pj_per_byte, 6.50 / 8, 1e-15, "hp 8 KiB write");
    assert_close(f.leakage_uw_per_kib, 575, 1e-12, "hp 8 KiB leakage");
    assert_close(f.area_mm2_per_kib, 0.00329, 1e-15, "hp 8 KiB area");
    chip_sram_figures_cells(CHIP_CELLS_LSTP, 1024.0 * 1024, &f);
    assert_close(f.read_pj_per_byte, 93.52 / 8, 1e-14, "lstp 1 MiB read");
    assert_close(f.leakage_uw_per_kib, 0.02438, 1e-15, "lstp 1 MiB leakage");
    /* halfway in log size between 8 and 16 KiB: the mean of the two runs */
    chip_sram_figures_cells(CHIP_CELLS_LOP, 8192 * sqrt(2.0), &f);
    assert_close(f.read_pj_per_byte, (3.16 + 6.03) / 16, 1e-12, "lop 11.3 KiB read");
    assert_close(f.leakage_uw_per_kib, (28.38 + 25.39) / 2, 1e-11, "lop 11.3 KiB leakage");
    /* outside the runs: the end ones */
    chip_sram_figures_cells(CHIP_CELLS_HP, 1024, &f);
    assert_close(f.read_pj_per_byte, 1.43 / 8, 1e-15, "hp 1 KiB (a register-file run)");
    chip_sram_figures_cells(CHIP_CELLS_HP, 64, &f);
    assert_close(f.read_pj_per_byte, 1.12 / 8, 1e-15, "hp below 256 B");
    /* the register-file runs' leakage per KiB: CACTI's standby leakage per
     * bank ÷ its KiB (0.162557 mW at 256 B, 1.2736 mW at 2 KiB), not ÷ kB */
    assert_close(f.leakage_uw_per_kib, 162.557 / 0.25, 2e-4, "hp 256 B leakage per KiB");
    chip_sram_figures_cells(CHIP_CELLS_HP, 2048, &f);
    assert_close(f.leakage_uw_per_kib, 1273.6 / 2, 2e-4, "hp 2 KiB leakage per KiB");
    chip_sram_figures_cells(CHIP_CELLS_LSTP, 1024, &f);
    assert_close(f.read_pj_per_byte, 3.39 / 8, 1e-15, "lstp below 4 KiB");
    chip_sram_figures_cells(CHIP_CELLS_HP, 64.0 * 1024 * 1024, &f);
    assert_close(f.read_pj_per_byte, 67.69 / 8, 1e-15, "hp above 1 MiB");
    /* table: the capacity table itself */
    chip_sram_figures_cells(CHIP_CELLS_TABLE, 32768, &f);
    chip_sram_figures_for(32768, &g);
    assert_close(f.read_pj_per_byte, g.read_pj_per_byte, 0, "table = chip_sram_figures_for");
    for (double kib = 4; kib <= 1024; kib *= 1.7) { /* (lstp and lop start at 4 KiB) */
        chip_sram_figures_cells(CHIP_CELLS_HP, kib * 1024, &f);
        chip_sram_figures_cells(CHIP_CELLS_LSTP, kib * 1024, &g);
        chip_sram_figures_cells(CHIP_CELLS_LOP, kib * 1024, &h);
        assert_true(g.leakage_uw_per_kib < h.leakage_uw_per_kib && h.leakage_uw_per_kib < f.leakage_uw_per_kib);
        assert_true(f.read_pj_per_byte > 0 && g.area_mm2_per_kib > 0);
    }
    assert_string_equal(chip_cells_name(CHIP_CELLS_LSTP), "lstp");
    assert_string_equal(chip_cells_name(CHIP_CELLS_TABLE), "table");
}

static void test_fixed_figures(void **state)
{
    (void)state;
    const chip_fixed_figures *f = chip_fixed_figures_45nm();
    assert_non_null(f);
    assert_ptr_equal(f, chip_fixed_figures_45nm());
    assert_close(f->fp32_fma_pj, f->fp32_mul_pj + f->fp32_add_pj, 1e-15, "fma = mul + add");
    assert_close(f->fp32_fma_pj, 4.6, 1e-15, "fma");
    assert_close(f->elementwise_pj, 0.9, 1e-15, "elementwise");
    assert_close(f->rom_read_pj_per_byte, 1.25, 1e-15, "rom read");
    assert_close(f->dram_pj_per_byte, 162.5, 1e-15, "dram");
    assert_close(f->lfsr_cycles_per_value, 1.0, 0.0, "lfsr cycles");
    assert_true(f->mac_lane_area_mm2 > 0.0 && f->mac_lane_leakage_uw > 0.0);
    const double positive[] = {f->lane_area_mm2,        f->lane_leakage_uw,      f->reg_pj_per_byte,
                               f->reg_leakage_uw_per_kib, f->reg_area_mm2_per_kib, f->rom_leakage_uw_per_kib,
                               f->rom_area_mm2_per_kib, f->lfsr_pj_per_value,    f->lfsr_area_mm2};
    for (size_t i = 0; i < sizeof positive / sizeof positive[0]; i++) assert_true(positive[i] > 0.0);
    /* a flip-flop bit is bigger than an SRAM bit, a ROM bit smaller */
    const chip_sram_figures s = sram(8192.0);
    assert_true(f->reg_area_mm2_per_kib > s.area_mm2_per_kib);
    assert_true(f->rom_area_mm2_per_kib < s.area_mm2_per_kib);
    assert_true(f->reg_pj_per_byte < s.read_pj_per_byte);
}

/* Generic cells per lane of the RTL tile at `bits`-bit formats: the
 * least-squares slope of cells against P over area.csv's rows. */
static double rtl_cells_per_lane(int bits)
{
    FILE *f = fopen(F3_RTL_AREA_CSV, "r");
    assert_non_null(f);
    char line[512];
    assert_non_null(fgets(line, sizeof line, f));
    assert_int_equal(strncmp(line, "lanes,bits,ni_max,no_max,c_max,cells,", 37), 0);
    double n = 0, sp = 0, sc = 0, spp = 0, spc = 0;
    while (fgets(line, sizeof line, f)) {
        int lanes, b;
        double ni, no, c, cells;
        if (sscanf(line, "%d,%d,%lf,%lf,%lf,%lf", &lanes, &b, &ni, &no, &c, &cells) != 6 || b != bits) continue;
        n += 1;
        sp += lanes;
        sc += cells;
        spp += (double)lanes * lanes;
        spc += lanes * cells;
    }
    fclose(f);
    assert_true(n >= 2);
    return (n * spc - sp * sc) / (n * spp - sp * sp);
}

/* Aladdin (common/power_func.h, 40 nm, 1 ns), the figures the lanes are
 * built from, and the 40 → 45 nm factors of cost_tables.c. */
#define A_FPMUL_UM2 8967.113
#define A_FPADD_UM2 4361.094
#define A_FPMUL_UW 119.8412
#define A_FPADD_UW 53.11069
#define A_REG_UM2 5.981433
#define A_REG_UW 0.07395312
#define A_MUL_UM2 6351.338
#define A_ADD_UM2 277.9792
#define A_GATE_UM2 (50.36996 / 32) /* BIT_1ns: 32 two-input gates */
#define AREA_45 ((45.0 / 40.0) * (45.0 / 40.0))
#define LEAK_45 1.1508 /* Stillmaker & Baas as hwcomponents evaluates it (4 digits) */

/* The training lane at w-bit formats, mm²: the area.csv fit's cells per
 * lane, each one Aladdin two-input gate, at 45 nm. */
static double rtl_lane_mm2(int bits) { return rtl_cells_per_lane(bits) * A_GATE_UM2 * AREA_45 * 1e-6; }

/* The fp32 lanes: the training lane is rtl_ref/'s units at fp32 (8
 * multipliers, 9 adders, 96 register bits), the MAC lane one multiplier and
 * one adder with the same registers; leakage the same units'. */
static void test_fp32_lanes_closed_form(void **state)
{
    (void)state;
    const chip_fixed_figures *f = chip_fixed_figures_45nm();
    assert_close(f->lane_area_mm2, (8 * A_FPMUL_UM2 + 9 * A_FPADD_UM2 + 96 * A_REG_UM2) * AREA_45 * 1e-6, 1e-12,
                 "fp32 training lane area");
    assert_close(f->lane_leakage_uw, (8 * A_FPMUL_UW + 9 * A_FPADD_UW + 96 * A_REG_UW) * LEAK_45, 1e-4,
                 "fp32 training lane leakage");
    assert_close(f->mac_lane_area_mm2, (A_FPMUL_UM2 + A_FPADD_UM2 + 96 * A_REG_UM2) * AREA_45 * 1e-6, 1e-12,
                 "fp32 MAC lane area");
    assert_close(f->mac_lane_leakage_uw, (A_FPMUL_UW + A_FPADD_UW + 96 * A_REG_UW) * LEAK_45, 1e-4,
                 "fp32 MAC lane leakage");
    assert_close(f->lane_area_mm2, 0.141194, 1e-5, "0.1412 mm² (docs/hardware-costs.md)");
    assert_close(f->lane_leakage_uw, 1661.5, 1e-4, "1661.5 µW (docs/hardware-costs.md)");
    /* leakage per area of the two lanes within Aladdin's spread (fp units 0.0122–0.0134 µW/µm² at 40 nm) */
    const double d = f->lane_leakage_uw / f->lane_area_mm2, dm = f->mac_lane_leakage_uw / f->mac_lane_area_mm2;
    assert_true(fabs(d / dm - 1.0) < 0.05);
}

/* The fixed-point training lane is rtl_ref/'s: at 8 and 16 bits its area is
 * the cells per lane of area.csv (fitted here: cells = fixed + P × lane,
 * least squares over P = 4, 16, 64) at Aladdin's gate area, within 0.1 %
 * (the constants in cost_tables.c are the fit to 7 digits); its leakage
 * follows by the same scale. */
static void test_fixed_lane_fits_rtl(void **state)
{
    (void)state;
    const chip_fixed_figures *f = chip_fixed_figures_45nm();
    const int widths[] = {8, 16};
    for (size_t i = 0; i < 2; i++) {
        const double rtl = rtl_lane_mm2(widths[i]);
        const double got = f->lane_area_mm2 * chip_fixed_lane_scale(widths[i]);
        if (!(fabs(got / rtl - 1.0) <= 1e-3)) {
            print_error("%d-bit lane: %.6f mm², area.csv × gate %.6f mm² (refit RTL_LANE_CELLS_* in cost_tables.c)\n",
                        widths[i], got, rtl);
            fail();
        }
    }
    /* the figures docs/hardware-costs.md gives */
    assert_close(f->lane_area_mm2 * chip_fixed_lane_scale(8), 0.03401, 2e-4, "8-bit lane mm²");
    assert_close(f->lane_area_mm2 * chip_fixed_lane_scale(16), 0.07383, 2e-4, "16-bit lane mm²");
    assert_close(f->lane_leakage_uw * chip_fixed_lane_scale(8), 400.2, 1e-3, "8-bit lane µW");
    assert_close(f->lane_leakage_uw * chip_fixed_lane_scale(16), 868.7, 1e-3, "16-bit lane µW");
    /* the ratio between widths is the RTL's (between linear and quadratic) */
    const double r = rtl_cells_per_lane(16) / rtl_cells_per_lane(8);
    assert_close(chip_fixed_lane_scale(16) / chip_fixed_lane_scale(8), r, 1e-3, "16/8-bit ratio");
    assert_true(r > 1.5 && r < 4.0);
}

/* The default lane is not a single MAC: at 16 bits it is more than ten
 * times a 16-bit MAC lane, and at least its eight multipliers' area
 * (Aladdin's 32-bit multiplier × (16/32)² each); the fp32 training lane at
 * least eight fp32 multipliers.  (The single-MAC lane of before was 0.0039
 * mm² at 16 bits: this test fails on it.) */
static void test_training_lane_is_not_a_mac(void **state)
{
    (void)state;
    const chip_fixed_figures *f = chip_fixed_figures_45nm();
    const double t16 = f->lane_area_mm2 * chip_fixed_lane_scale(16);
    const double m16 = f->mac_lane_area_mm2 * chip_fixed_mac_lane_scale(16);
    assert_true(t16 > 10.0 * m16);
    assert_true(t16 > 8.0 * A_MUL_UM2 / 4.0 * AREA_45 * 1e-6);
    assert_true(f->lane_area_mm2 > 8.0 * A_FPMUL_UM2 * AREA_45 * 1e-6);
    assert_true(f->lane_leakage_uw > 8.0 * A_FPMUL_UW);
    assert_true(f->lane_area_mm2 > 7.5 * f->mac_lane_area_mm2);
}

/* Positive and increasing in the width; the training lane below the fp32
 * training lane up to 24 bits (above 28 bits the extrapolated fixed-point
 * lane, with its exact intermediates and requantisers, is the larger), the
 * MAC lane below the fp32 MAC lane at every width. */
static void test_fixed_lane_scale_monotone(void **state)
{
    (void)state;
    double prev = 0.0, prev_mac = 0.0;
    for (int bits = 4; bits <= 32; bits++) {
        const double s = chip_fixed_lane_scale(bits), m = chip_fixed_mac_lane_scale(bits);
        assert_true(s > prev && m > prev_mac);
        if (bits <= 24) assert_true(s < 1.0);
        assert_true(m < 1.0);
        prev = s;
        prev_mac = m;
    }
}

/* The MAC lane's closed form: a w × w multiplier, a (2w + 16)-bit adder and
 * 4w + 16 register bits of Aladdin's, against the fp32 MAC lane. */
static void test_fixed_mac_lane_closed_form(void **state)
{
    (void)state;
    const double fp = A_FPMUL_UM2 + A_FPADD_UM2 + 96 * A_REG_UM2;
    const int widths[] = {8, 16, 32};
    for (size_t i = 0; i < 3; i++) {
        const double w = widths[i];
        const double want = (A_MUL_UM2 * w * w / 1024 + A_ADD_UM2 * (2 * w + 16) / 32 + (4 * w + 16) * A_REG_UM2) / fp;
        assert_close(chip_fixed_mac_lane_scale(w), want, 1e-12, "MAC lane scale");
    }
}

/* The lane scale that chip_mac_figures_for() hands the chip: 1 for fp32 and
 * without energy_by_format, the fitted scale for fixed point, the
 * multiplier's energy for fp16; the energies as before. */
static void test_mac_figures_lane_scale(void **state)
{
    (void)state;
    chip_config hw;
    memset(&hw, 0, sizeof hw);
    hw.fma_pj = 4.6;
    hw.add_pj = 0.9;
    hw.mul_pj = 3.7;
    hw.energy_by_format = 1;
    f3_config cfg;
    memset(&cfg, 0, sizeof cfg); /* every format fp32 */
    chip_mac_figures m = chip_mac_figures_for(&hw, &cfg);
    assert_true(m.area_scale == 1.0);
    assert_true(m.fma_pj == 4.6 && m.add_pj == 0.9 && m.mul_pj == 3.7);

    f3_format *w = &cfg.numerics.fmt[F3_T_WEIGHTS], *a = &cfg.numerics.fmt[F3_T_ACTIVATIONS];
    assert_int_equal(f3_parse_format("q2.14", w), F3_OK);
    m = chip_mac_figures_for(&hw, &cfg); /* fp32 activations: fp32 lanes */
    assert_true(m.area_scale == 1.0);
    assert_int_equal(f3_parse_format("q4.4", a), F3_OK);
    m = chip_mac_figures_for(&hw, &cfg); /* 16 bits, the wider */
    assert_true(m.area_scale == chip_fixed_lane_scale(16.0));
    assert_close(m.mul_pj, 0.8, 1e-15, "16-bit multiply");
    assert_close(m.add_pj, 0.03 + 0.07 * 8.0 / 24.0, 1e-15, "16-bit add");
    assert_close(m.fma_pj, m.mul_pj + m.add_pj, 1e-15, "16-bit fma");
    assert_int_equal(f3_parse_format("q1.7", w), F3_OK);
    m = chip_mac_figures_for(&hw, &cfg);
    assert_true(m.area_scale == chip_fixed_lane_scale(8.0));
    assert_close(m.mul_pj, 0.2, 1e-15, "8-bit multiply");
    hw.lane = CHIP_LANE_MAC; /* the inference-only lane: its own scale, the same energies */
    m = chip_mac_figures_for(&hw, &cfg);
    assert_true(m.area_scale == chip_fixed_mac_lane_scale(8.0));
    assert_close(m.mul_pj, 0.2, 1e-15, "8-bit multiply, mac lane");
    hw.lane = CHIP_LANE_TRAINING;

    assert_int_equal(f3_parse_format("fp16", w), F3_OK);
    assert_int_equal(f3_parse_format("bf16", a), F3_OK);
    m = chip_mac_figures_for(&hw, &cfg);
    assert_true(m.area_scale == 1.1 / 3.7);

    hw.energy_by_format = 0;
    assert_int_equal(f3_parse_format("q1.7", w), F3_OK);
    assert_int_equal(f3_parse_format("q4.4", a), F3_OK);
    m = chip_mac_figures_for(&hw, &cfg);
    assert_true(m.area_scale == 1.0 && m.mul_pj == 3.7);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_horowitz_points),
        cmocka_unit_test(test_monotone_in_capacity),
        cmocka_unit_test(test_log_linear_between_points),
        cmocka_unit_test(test_clamped_at_ends),
        cmocka_unit_test(test_cacti_cells),
        cmocka_unit_test(test_fixed_figures),
        cmocka_unit_test(test_fp32_lanes_closed_form),
        cmocka_unit_test(test_fixed_lane_fits_rtl),
        cmocka_unit_test(test_training_lane_is_not_a_mac),
        cmocka_unit_test(test_fixed_lane_scale_monotone),
        cmocka_unit_test(test_fixed_mac_lane_closed_form),
        cmocka_unit_test(test_mac_figures_lane_scale),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
