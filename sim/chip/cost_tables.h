/* cost_tables.h — the chip's default energy, leakage and area figures
 * (45 nm), each from a cited source (docs/hardware-costs.md says which
 * figure came from where and how it was scaled).
 *
 * A scenario that sets a figure explicitly overrides the table; a figure it
 * leaves out is looked up here when the hardware section is resolved, so
 * that run.json's hardware.config shows every figure the run used. */
#ifndef F3SIM_COST_TABLES_H
#define F3SIM_COST_TABLES_H

#ifdef __cplusplus
extern "C" {
#endif

/* An SRAM macro's figures as a function of its capacity. */
typedef struct {
    double read_pj_per_byte;
    double write_pj_per_byte;
    double leakage_uw_per_kib;
    double area_mm2_per_kib;
} chip_sram_figures;

/* Figures of an SRAM of capacity_bytes (> 0), interpolated log-linearly in
 * capacity between the table's points and clamped at its ends. */
void chip_sram_figures_for(double capacity_bytes, chip_sram_figures *out);

/* Fixed per-component figures at 45 nm. */
typedef struct {
    /* arithmetic, fp32, pJ per operation */
    double fp32_fma_pj, fp32_add_pj, fp32_mul_pj, elementwise_pj;
    /* one fp32 MAC lane (multiplier, adder, pipeline registers) */
    double lane_area_mm2, lane_leakage_uw;
    /* registers / accumulator buffer (flip-flop or latch array) */
    double reg_pj_per_byte, reg_leakage_uw_per_kib, reg_area_mm2_per_kib;
    /* feedback ROM */
    double rom_read_pj_per_byte, rom_leakage_uw_per_kib, rom_area_mm2_per_kib;
    /* one LFSR per lane that regenerates B (the seeded encoding) */
    double lfsr_pj_per_value, lfsr_area_mm2, lfsr_cycles_per_value;
    /* off-chip DRAM */
    double dram_pj_per_byte;
} chip_fixed_figures;

const chip_fixed_figures *chip_fixed_figures_45nm(void);

/* Area and leakage of a fixed-point MAC lane whose datapath is `bits` wide
 * (4..32), as a multiple of the fp32 lane's (lane_area_mm2,
 * lane_leakage_uw): scale(w) = a·w + c·w², its shape (the ratio between
 * widths) fitted to rtl_ref/'s training lane at 8 and 16 bits, its level at
 * 32 bits that of Aladdin's 32-bit integer multiplier and adder against its
 * fp32 units (0.518).  Increasing in bits; docs/hardware-costs.md. */
double chip_fixed_lane_scale(double bits);

#ifdef __cplusplus
}
#endif
#endif
