/* cost_tables.c — the chip's default energy, leakage and area figures at
 * 45 nm.  Each figure is written as its source's own number times the
 * scaling applied to it; docs/hardware-costs.md gives the full citations,
 * the resulting values and the reasoning behind each choice. */
#include "cost_tables.h"

#include <math.h>
#include <stddef.h>

/* ---- 40 nm → 45 nm ------------------------------------------------------- */

/* Area: geometric, (45/40)^2.  (Stillmaker & Baas 2017 has no 40 nm row.) */
#define AREA_40_TO_45 ((45.0 / 40.0) * (45.0 / 40.0))

/* Energy and leakage: Stillmaker & Baas, "Scaling equations for the accurate
 * prediction of CMOS device performance from 180 nm to 7 nm", Integration 58
 * (2017): energy ∝ a·V² + b·V + c per node, evaluated as Accelergy's
 * hwcomponents does (scaling/techscaling.py: tech_node_leak = tech_node_energy,
 * V = 0.8 V, 40 nm interpolated 8/13 of the way from 32 nm to 45 nm) = 1.1508. */
#define SB_E45 (1.103 * 0.8 * 0.8 - 0.362 * 0.8 + 0.2767)
#define SB_E32 (0.9559 * 0.8 * 0.8 - 0.7823 * 0.8 + 0.471)
#define ENERGY_40_TO_45 (SB_E45 / ((8.0 * SB_E45 + 5.0 * SB_E32) / 13.0))

/* ---- SRAM against capacity ----------------------------------------------- */

/* Area.  The 45 nm 6T bit cell is 0.35 µm² (Intel 45 nm: 0.346 µm², Mistry
 * et al., IEDM 2007; Renesas 45 nm: 0.37 µm², Nii et al., ISQED 2013).  The
 * array efficiency η (cells / macro) comes from the CACTI macro areas that
 * gem5-aladdin tabulates (src/aladdin/scratchpad.cc, MEM_area in µm², 32-bit
 * words, 40 nm) with CACTI's own 146 F² cell: η = 0.54 at 8 KiB, 0.65 at
 * 32 KiB, 0.77 at 1 MiB.  So area = CACTI area × 0.35 µm² / (146 · 0.04² µm²). */
#define CELL_UM2_45 0.35
#define CACTI_CELL_UM2_40 (146.0 * 0.040 * 0.040)
#define SRAM_AREA_MM2_PER_KIB(um2_40, kib) \
    ((um2_40) / (kib) * (CELL_UM2_45 / CACTI_CELL_UM2_40) * 1e-6)

/* Leakage: the same gem5-aladdin table (MEM_lk_power, mW, 40 nm, CACTI; about
 * 6.4 nW per bit at every size), scaled by ENERGY_40_TO_45. */
#define SRAM_LEAK_UW_PER_KIB(mw_40, kib) ((mw_40) * 1e3 / (kib) * ENERGY_40_TO_45)

typedef struct {
    double bytes;
    chip_sram_figures f;
} sram_point;

/* Read energy: Horowitz, "Computing's energy problem", ISSCC 2014 (45 nm): a
 * 64-bit read costs 10 pJ from an 8 KB SRAM, 20 pJ from 32 KB, 100 pJ from
 * 1 MB (KB, MB = 1024, 1024² bytes).  Writes are taken equal to reads. */
static const sram_point sram_table[] = {
    {8192.0, {10.0 / 8, 10.0 / 8, SRAM_LEAK_UW_PER_KIB(0.420818, 8.0),
              SRAM_AREA_MM2_PER_KIB(28129.3, 8.0)}},
    {32768.0, {20.0 / 8, 20.0 / 8, SRAM_LEAK_UW_PER_KIB(1.682850, 32.0),
               SRAM_AREA_MM2_PER_KIB(94523.9, 32.0)}},
    {1048576.0, {100.0 / 8, 100.0 / 8, SRAM_LEAK_UW_PER_KIB(53.8321, 1024.0),
                 SRAM_AREA_MM2_PER_KIB(2554980.0, 1024.0)}},
};
enum { SRAM_POINTS = sizeof sram_table / sizeof sram_table[0] };

/* (1 − t)·a + t·b gives a at t = 0 and b at t = 1 exactly. */
static double lerp(double a, double b, double t) { return (1.0 - t) * a + t * b; }

/* every figure of lo and hi, t of the way (t: the log-size fraction) */
static void lerp_figures(const chip_sram_figures *lo, const chip_sram_figures *hi, double t, chip_sram_figures *out)
{
    out->read_pj_per_byte = lerp(lo->read_pj_per_byte, hi->read_pj_per_byte, t);
    out->write_pj_per_byte = lerp(lo->write_pj_per_byte, hi->write_pj_per_byte, t);
    out->leakage_uw_per_kib = lerp(lo->leakage_uw_per_kib, hi->leakage_uw_per_kib, t);
    out->area_mm2_per_kib = lerp(lo->area_mm2_per_kib, hi->area_mm2_per_kib, t);
}

void chip_sram_figures_for(double capacity_bytes, chip_sram_figures *out)
{
    if (!(capacity_bytes > sram_table[0].bytes)) {
        *out = sram_table[0].f;
        return;
    }
    if (capacity_bytes >= sram_table[SRAM_POINTS - 1].bytes) {
        *out = sram_table[SRAM_POINTS - 1].f;
        return;
    }
    size_t i = 1;
    while (capacity_bytes > sram_table[i].bytes) i++;
    const chip_sram_figures *lo = &sram_table[i - 1].f, *hi = &sram_table[i].f;
    /* log of capacity on x, the figure itself (linear) on y */
    const double t = log(capacity_bytes / sram_table[i - 1].bytes) /
                     log(sram_table[i].bytes / sram_table[i - 1].bytes);
    lerp_figures(lo, hi, t, out);
}

/* ---- SRAM macros by cell type: CACTI 7.0 at 45 nm --------------------------- */

/* CACTI 7.0 (github.com/HewlettPackard/cacti, commit 1ffd8df, unmodified),
 * run with Accelergy's configuration (accelergy-cacti-plug-in default_cfg.cfg,
 * commit 291018b) at 45 nm as a plain RAM of 64-bit words, one read/write
 * port, one bank, 300 K, data cells and periphery of one ITRS device type.
 * Per access: "Dynamic read/write energy"; leakage: "Standby leakage per
 * bank" (subthreshold + gate); area: "Area".  The figures per byte are per
 * 64-bit access ÷ 8, per KiB the macro's ÷ its KiB; docs/hardware-costs.md
 * lists the runs.  No node scaling (45 nm). */
typedef struct {
    double kib;
    double read_pj, write_pj; /* per 64-bit access */
    double leak_uw_per_kib, mm2_per_kib;
} cacti_point;

/* hp also has CACTI's small register files (256 B – 2 KiB, the same
 * configuration; docs/hardware-costs.md, "register files by size and
 * kind"); lstp and lop start at 4 KiB.  Their leakage per KiB is the run's
 * "Standby leakage per bank" ÷ its KiB (0.162557 mW ÷ 0.25, 0.307067 ÷ 0.5,
 * 1.2736 ÷ 2), as for every other row. */
static const cacti_point cacti_hp[] = {
    {0.25, 1.12, 1.43, 650.2, 0.00565},
    {0.5, 1.20, 1.90, 614.1, 0.00429},
    {1, 1.43, 2.91, 577, 0.003601},
    {2, 2.35, 3.52, 636.8, 0.00377},
    {4, 2.92, 5.35, 624, 0.00338},
    {8, 5.29, 6.50, 575, 0.00329},
    {16, 9.99, 8.79, 541.5, 0.00317},
    {32, 14.92, 12.69, 536.6, 0.00297},
    {64, 28.98, 17.19, 485.7, 0.00287},
    {128, 32.96, 21.16, 485.7, 0.00303},
    {256, 40.63, 28.83, 485.7, 0.00311},
    {1024, 67.69, 55.89, 485.7, 0.00310},
};
static const cacti_point cacti_lstp[] = {
    {4, 3.39, 6.45, 0.03511, 0.00338},
    {8, 6.14, 7.88, 0.0321, 0.00328},
    {16, 11.61, 10.70, 0.02932, 0.00317},
    {32, 17.04, 15.40, 0.02887, 0.00296},
    {64, 25.87, 19.65, 0.0261, 0.00327},
    {128, 32.29, 26.07, 0.0261, 0.00336},
    {256, 44.72, 38.49, 0.0261, 0.00341},
    {1024, 93.52, 76.18, 0.02438, 0.00319},
};
static const cacti_point cacti_lop[] = {
    {4, 2.34, 2.35, 30.8, 0.00369},
    {8, 3.16, 3.24, 28.38, 0.00329},
    {16, 6.03, 4.42, 25.39, 0.00317},
    {32, 7.23, 5.62, 25.39, 0.00350},
    {64, 13.07, 8.06, 21.84, 0.00327},
    {128, 15.54, 10.54, 21.84, 0.00336},
    {256, 20.31, 15.30, 21.84, 0.00341},
    {1024, 41.76, 29.74, 19.95, 0.00319},
};
static const struct {
    const cacti_point *p;
    size_t n;
} cacti_table[3] = {{cacti_hp, sizeof cacti_hp / sizeof cacti_hp[0]},
                    {cacti_lstp, sizeof cacti_lstp / sizeof cacti_lstp[0]},
                    {cacti_lop, sizeof cacti_lop / sizeof cacti_lop[0]}};

const char *chip_cells_name(chip_cells c)
{
    switch (c) {
    case CHIP_CELLS_HP: return "hp";
    case CHIP_CELLS_LSTP: return "lstp";
    case CHIP_CELLS_LOP: return "lop";
    default: return "table";
    }
}

static void cacti_figures(const cacti_point *p, chip_sram_figures *out)
{
    out->read_pj_per_byte = p->read_pj / 8.0;
    out->write_pj_per_byte = p->write_pj / 8.0;
    out->leakage_uw_per_kib = p->leak_uw_per_kib;
    out->area_mm2_per_kib = p->mm2_per_kib;
}

void chip_sram_figures_cells(chip_cells cells, double array_bytes, chip_sram_figures *out)
{
    if (cells == CHIP_CELLS_TABLE) {
        chip_sram_figures_for(array_bytes, out);
        return;
    }
    const cacti_point *t = cacti_table[cells - CHIP_CELLS_HP].p;
    const size_t n = cacti_table[cells - CHIP_CELLS_HP].n;
    const double kib = array_bytes / 1024.0;
    if (!(kib > t[0].kib)) {
        cacti_figures(&t[0], out);
        return;
    }
    if (kib >= t[n - 1].kib) {
        cacti_figures(&t[n - 1], out);
        return;
    }
    size_t i = 1;
    while (kib > t[i].kib) i++;
    chip_sram_figures lo, hi;
    cacti_figures(&t[i - 1], &lo);
    cacti_figures(&t[i], &hi);
    lerp_figures(&lo, &hi, log(kib / t[i - 1].kib) / log(t[i].kib / t[i - 1].kib), out);
}

/* ---- technology scaling ----------------------------------------------------- */

/* Stillmaker & Baas, "Scaling equations for the accurate prediction of CMOS
 * device performance from 180 nm to 7 nm", Integration 58 (2017): the HP
 * energy fits e(V) = a·V² + b·V + c per node, as github.com/wromaszkan/
 * nodeScale (depCoeffDict, commit a912c60) lists them; area: Accelergy
 * hwcomponents scaling/techscaling.py AREA_SCALING, row 45 nm
 * (docs/hardware-costs.md, "Technology scaling"). */
typedef struct {
    double nm, a, b, c, area;
    double da, db, dc, dd; /* delay d(V) = da·V³ + db·V² + dc·V + dd */
} sb_row;
/* 90 and 65 nm: [SB]'s bulk rows (no HP/LP split); area: nodeScale's
 * areaDict row of 45 nm (hwcomponents has no row above 45 nm) */
static const sb_row sb_hp[] = {
    {90, 4.762, -4.781, 2.092, 2.8, -60.34, 262.5, -384.2, 210.9},
    {65, 3.755, -4.398, 1.975, 1.5, -53.3, 230.4, -333.9, 178.6},
    {45, 1.018, -0.3107, 0.1539, 1.0, -501.6, 1567, -1619, 566.1},
    {32, 0.8367, -0.4341, 0.1701, 0.46, -1047, 2982, -2797, 873.5},
    {20, 0.373, -0.1582, 0.04104, 0.21, 0, 34.63, -66.37, 41.15},
    {16, 0.2958, -0.1241, 0.03024, 0.19, 0, 24.8, -47.52, 28.87},
    {14, 0.2363, -0.09675, 0.02239, 0.17, -40.66, 109.2, -100.6, 35.92},
    {7, 0.1776, -0.09097, 0.02447, 0.059, -28.58, 76.6, -70.26, 24.69},
};
#define V_TABLES 0.9 /* the tables' supply (Horowitz's 45 nm figures) */

static double sb_energy(const sb_row *r, double v) { return r->a * v * v + r->b * v + r->c; }
static double sb_delay(const sb_row *r, double v) { return ((r->da * v + r->db) * v + r->dc) * v + r->dd; }

static const sb_row *sb_find(double nm)
{
    for (size_t i = 0; i < sizeof sb_hp / sizeof sb_hp[0]; i++)
        if (sb_hp[i].nm == nm) return &sb_hp[i];
    return NULL;
}

/* a row's energy at V_TABLES, its delay at vdd and its area at node_nm (28
 * and 22 nm between 32 and 20 nm, linear in node: 28 = ⅔·32 + ⅓·20,
 * 22 = ⅙·32 + ⅚·20); −1 without a row */
static int sb_at(double node_nm, double vdd, double *e, double *d, double *a)
{
    if (node_nm == 28 || node_nm == 22) {
        const sb_row *r32 = sb_find(32), *r20 = sb_find(20);
        const double w = (node_nm - 20.0) / 12.0;
        *e = w * sb_energy(r32, V_TABLES) + (1.0 - w) * sb_energy(r20, V_TABLES);
        *d = w * sb_delay(r32, vdd) + (1.0 - w) * sb_delay(r20, vdd);
        *a = w * r32->area + (1.0 - w) * r20->area;
        return 0;
    }
    const sb_row *r = sb_find(node_nm);
    if (!r) return -1;
    *e = sb_energy(r, V_TABLES);
    *d = sb_delay(r, vdd);
    *a = r->area;
    return 0;
}

int chip_technology_factors(double node_nm, double vdd, double *energy, double *leakage, double *area)
{
    double e, d, a;
    if (sb_at(node_nm, vdd, &e, &d, &a)) return -1;
    const double node = e / sb_energy(sb_find(45), V_TABLES), v = vdd / V_TABLES;
    *energy = node * v * v;
    *leakage = node * v;
    *area = a;
    return 0;
}

/* ---- logic by device type --------------------------------------------------- */

/* CACTI 7.0's 45 nm device parameters (tech_params/45nm.dat, commit 1ffd8df;
 * ITRS), per device type hp, lstp, lop: Vdd 1.0, 1.1, 0.7 V; C_g_ideal
 * 6.78, 5.18, 6.2 ·10⁻¹⁶ F/µm; C_fringe 0.5, 0.8, 0.73 ·10⁻¹⁶ F/µm; I_on_n
 * 2046.6, 666.2, 748.9 µA/µm; at 300 K I_off_n 2.8·10⁻⁷, 1.01·10⁻¹¹,
 * 4.03·10⁻⁹ A/µm and I_g_on_n 3.59·10⁻⁸, 9.47·10⁻¹², 3.24·10⁻⁸ A/µm.
 * Leakage power per µm of width (I_off + I_g)·Vdd, delay C·Vdd / I_on
 * (C = C_g_ideal + C_fringe), each against hp's. */
typedef struct {
    double vdd, c_g, c_f, i_on, i_off, i_g;
} cacti_device;
static const cacti_device cacti_dev45[3] = {
    {1.0, 6.78e-16, 5e-17, 2.0466e-3, 2.8e-7, 3.59e-8},    /* hp */
    {1.1, 5.18e-16, 8e-17, 6.662e-4, 1.01e-11, 9.47e-12},  /* lstp */
    {0.7, 6.2e-16, 7.3e-17, 7.489e-4, 4.03e-9, 3.24e-8},    /* lop */
};

static double dev_leak(const cacti_device *d) { return (d->i_off + d->i_g) * d->vdd; }
static double dev_delay(const cacti_device *d) { return (d->c_g + d->c_f) * d->vdd / d->i_on; }

double chip_logic_leakage_factor(chip_cells cells)
{
    if (cells == CHIP_CELLS_TABLE || cells == CHIP_CELLS_HP) return 1.0;
    return dev_leak(&cacti_dev45[cells - CHIP_CELLS_HP]) / dev_leak(&cacti_dev45[0]);
}

double chip_logic_delay_factor(chip_cells cells)
{
    if (cells == CHIP_CELLS_TABLE || cells == CHIP_CELLS_HP) return 1.0;
    return dev_delay(&cacti_dev45[cells - CHIP_CELLS_HP]) / dev_delay(&cacti_dev45[0]);
}

/* The lanes' units are Aladdin's 1 ns ones (below): 1000 MHz at the tables'
 * 45 nm, 0.9 V and hp devices. */
#define LANE_MHZ_45 1000.0

double chip_max_clock_mhz(chip_cells cells, double node_nm, double vdd)
{
    double e, d, a;
    if (sb_at(node_nm, vdd, &e, &d, &a) || !(d > 0)) return 0;
    return LANE_MHZ_45 * sb_delay(sb_find(45), V_TABLES) / d / chip_logic_delay_factor(cells);
}

/* ---- DRAM by standard ------------------------------------------------------- */

const char *chip_dram_standard_name(chip_dram_standard s)
{
    switch (s) {
    case CHIP_DRAM_DDR4: return "ddr4";
    case CHIP_DRAM_LPDDR4: return "lpddr4";
    case CHIP_DRAM_HBM2: return "hbm2";
    default: return "custom";
    }
}

void chip_dram_figures(chip_dram_standard s, double *pj_per_byte, double *background_mw)
{
    switch (s) {
    case CHIP_DRAM_DDR4:
        /* gem5 DDR4_2400_8x8 (Micron MT40A1G8 currents): a 64-bit read burst
         * (IDD4R − IDD3N)·VDD·tBURST = 92 mA · 1.2 V · 3.332 ns = 368 pJ, 5.75
         * pJ/bit (device only, row hit, no I/O termination); background:
         * precharge standby IDD2N·VDD = 40.8 mW + refresh (IDD5 − IDD3N)·VDD·
         * tRFC/tREFI = 11.1 mW, one 1 GB device */
        *pj_per_byte = 5.75 * 8;
        *background_mw = 40.8 + 11.1;
        return;
    case CHIP_DRAM_LPDDR4:
        /* DRAMPower memspec MICRON_6Gb_LPDDR4-3200: read 5.26 pJ/bit core +
         * 3.21 pJ/bit I/O = 8.5 pJ/bit (writes 5.0); background IDD2N 34.1 mW
         * + refresh 5.7 mW, one device */
        *pj_per_byte = 8.5 * 8;
        *background_mw = 34.1 + 5.7;
        return;
    case CHIP_DRAM_HBM2:
        /* Accelergy's DRAM table (type2energy): 3.9 pJ/bit; no public
         * background or refresh figure was found: 0 (set background_mw) */
        *pj_per_byte = 3.9 * 8;
        *background_mw = 0;
        return;
    default:
        *pj_per_byte = chip_fixed_figures_45nm()->dram_pj_per_byte;
        *background_mw = 0;
        return;
    }
}

/* ---- fixed figures --------------------------------------------------------- */

/* Aladdin (Shao et al., ISCA 2014) functional-unit library, "normalized to a
 * commercial 40g", 1 ns cycle, as in harvard-acc/ALADDIN common/power_func.h
 * (mW, pJ, µm²; the fp units are 3-stage Synopsys DesignWare):
 *   REG_1ns              per bit: 0.008999495 pJ, 7.395312e-5 mW, 5.981433 µm²
 *   BIT_1ns (32-bit)     0.0180559 pJ, 6.111633e-4 mW, 50.36996 µm²
 *   FP_SP_3STAGE_MUL_1ns 0.1198412 mW leakage, 8967.113 µm²
 *   FP_SP_3STAGE_ADD_1ns 0.05311069 mW leakage, 4361.094 µm² */
#define FP_SP_MUL_UM2 8967.113
#define FP_SP_ADD_UM2 4361.094
#define REG_PJ_PER_BIT 0.008999495
#define REG_UW_PER_BIT (7.395312e-5 * 1e3)
#define REG_UM2_PER_BIT 5.981433
#define XOR_PJ (0.0180559 / 32)
#define XOR_UM2 (50.36996 / 32)

/* Aladdin's 32-bit integer units (common/power_func.h, 40 nm, 1 ns):
 *   MUL_1ns 6351.338 µm², ADD_1ns 277.9792 µm² */
#define INT32_MUL_UM2 6351.338
#define INT32_ADD_UM2 277.9792

/* The training lane: the lane the timing assumes (rtl_ref/tile/f3_tile.v,
 * one lane of which runs fused forward + update in one cycle per weight).
 * Its units: 8 multipliers (forward w·h, table interpolation, h·h and
 * h·(1−h) for f', δz = δh·f', gradient δz·h, update lr·g, backprop w·δz),
 * 9 adders (Σ forward, z + b, the table index v + 8, T[k+1] − T[k],
 * T[k] + Δ·r, Σ feedback, 1 − h, 1 − h², w − lr·g) and 6 requantisers.
 * At fp32 the requantisers are the fp units' own rounding, so the fp32
 * training lane is 8 fp32 multipliers, 9 fp32 adders and the same 96
 * register bits as the MAC lane below.  analysis/lane_area.py prints the
 * derivation. */
#define TRAIN_LANE_MULS 8.0
#define TRAIN_LANE_ADDS 9.0
/* The inference-only MAC lane (hardware.tile.lane: mac): one fp32
 * multiplier, one fp32 adder and 96 flip-flops (two operand registers and
 * the accumulator; the training lane keeps these, rtl_ref/'s lane has 34
 * flip-flops at 8-bit formats and 50 at 16-bit ones). */
#define LANE_REG_BITS 96.0
#define TRAIN_LANE_UM2_40 \
    (TRAIN_LANE_MULS * FP_SP_MUL_UM2 + TRAIN_LANE_ADDS * FP_SP_ADD_UM2 + LANE_REG_BITS * REG_UM2_PER_BIT)
#define TRAIN_LANE_UW_40 (TRAIN_LANE_MULS * 119.8412 + TRAIN_LANE_ADDS * 53.11069 + LANE_REG_BITS * REG_UW_PER_BIT)
#define MAC_LANE_UM2_40 (FP_SP_MUL_UM2 + FP_SP_ADD_UM2 + LANE_REG_BITS * REG_UM2_PER_BIT)
#define MAC_LANE_UW_40 (119.8412 + 53.11069 + LANE_REG_BITS * REG_UW_PER_BIT)
/* A 32-bit LFSR: 32 flip-flops and 3 XORs (taps 32, 22, 2, 1); one step per
 * value, each step clocks all 32 flip-flops. */
#define LFSR_REG_BITS 32.0
#define LFSR_XORS 3.0

static const chip_fixed_figures fixed_45nm = {
    /* Horowitz, ISSCC 2014, 45 nm: fp32 multiply 3.7 pJ, fp32 add 0.9 pJ;
     * an FMA is one of each, any other element-wise operation an fp32 add. */
    .fp32_fma_pj = 3.7 + 0.9,
    .fp32_add_pj = 0.9,
    .fp32_mul_pj = 3.7,
    .elementwise_pj = 0.9,
    /* Aladdin (above), 40 nm → 45 nm */
    .lane_area_mm2 = TRAIN_LANE_UM2_40 * AREA_40_TO_45 * 1e-6,
    .lane_leakage_uw = TRAIN_LANE_UW_40 * ENERGY_40_TO_45,
    .mac_lane_area_mm2 = MAC_LANE_UM2_40 * AREA_40_TO_45 * 1e-6,
    .mac_lane_leakage_uw = MAC_LANE_UW_40 * ENERGY_40_TO_45,
    /* Aladdin REG_1ns per bit, 40 nm → 45 nm; a read or a write costs the same */
    .reg_pj_per_byte = 8.0 * REG_PJ_PER_BIT * ENERGY_40_TO_45,
    .reg_leakage_uw_per_kib = 8192.0 * REG_UW_PER_BIT * ENERGY_40_TO_45,
    .reg_area_mm2_per_kib = 8192.0 * REG_UM2_PER_BIT * AREA_40_TO_45 * 1e-6,
    /* ROM read: Horowitz's 8 KB array, 10 pJ per 64 bits.  Leakage and area:
     * an assumption, one third of the 8 KiB SRAM's (a NOR ROM has one
     * transistor per bit instead of six, and one leaking device instead of
     * three); no public ROM-macro figure was found. */
    .rom_read_pj_per_byte = 10.0 / 8,
    .rom_leakage_uw_per_kib = SRAM_LEAK_UW_PER_KIB(0.420818, 8.0) / 3.0,
    .rom_area_mm2_per_kib = SRAM_AREA_MM2_PER_KIB(28129.3, 8.0) / 3.0,
    /* Aladdin REG_1ns and BIT_1ns (above), 40 nm → 45 nm */
    .lfsr_pj_per_value = (LFSR_REG_BITS * REG_PJ_PER_BIT + LFSR_XORS * XOR_PJ) * ENERGY_40_TO_45,
    .lfsr_area_mm2 = (LFSR_REG_BITS * REG_UM2_PER_BIT + LFSR_XORS * XOR_UM2) * AREA_40_TO_45 * 1e-6,
    .lfsr_cycles_per_value = 1.0,
    /* Horowitz, ISSCC 2014: DRAM 1.3–2.6 nJ per 64 bits; the low end */
    .dram_pj_per_byte = 1300.0 / 8,
};

const chip_fixed_figures *chip_fixed_figures_45nm(void) { return &fixed_45nm; }

/* ---- fixed-point lanes ----------------------------------------------------- */

/* The training lane at w-bit formats: rtl_ref/'s lane, in generic cells
 * (rtl_ref/synth/area.csv: the least-squares slope of cells against P over
 * P = 4, 16 and 64) at 8-bit formats (activations q4.4, the rest q2.6) and
 * at 16-bit formats (q4.12, q2.14), A·w + C·w² cells through the two, each
 * cell one two-input gate of Aladdin's library (BIT_1ns: 50.36996 µm² for
 * 32 gates, 40 nm), 40 → 45 nm.  tests/unit/test_cost_tables.c refits
 * area.csv and fails when these drift from it. */
#define RTL_LANE_CELLS_8 17069.42
#define RTL_LANE_CELLS_16 37057.67
#define GATE_UM2 XOR_UM2

double chip_fixed_lane_scale(double bits)
{
    const double c_cells = (RTL_LANE_CELLS_16 - 2.0 * RTL_LANE_CELLS_8) / 128.0;
    const double a_cells = (RTL_LANE_CELLS_8 - 64.0 * c_cells) / 8.0;
    /* cells × gate against the fp32 training lane (the 40 → 45 nm factor cancels) */
    return (a_cells * bits + c_cells * bits * bits) * GATE_UM2 / TRAIN_LANE_UM2_40;
}

/* The MAC lane at w bits, from Aladdin's 32-bit integer units: a w × w
 * multiplier (area ∝ the partial products, w²/32²), an adder as wide as
 * rtl_ref/'s exact accumulator (2w + 16 bits at P = 16) and its registers
 * (two w-bit operands and the accumulator), against the fp32 MAC lane. */
double chip_fixed_mac_lane_scale(double bits)
{
    const double acc = 2.0 * bits + 16.0;
    return (INT32_MUL_UM2 * bits * bits / 1024.0 + INT32_ADD_UM2 * acc / 32.0 +
            (2.0 * bits + acc) * REG_UM2_PER_BIT) /
           MAC_LANE_UM2_40;
}
