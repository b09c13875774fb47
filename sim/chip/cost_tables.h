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

/* The SRAM cells whose figures an auto SRAM figure takes
 * (hardware.technology.cells): the capacity table above, or CACTI 7.0 at
 * 45 nm with ITRS high-performance, low-standby-power or low-operating-power
 * cells and periphery (docs/hardware-costs.md, "SRAM macros by size and cell
 * type"). */
typedef enum { CHIP_CELLS_TABLE = 0, CHIP_CELLS_HP, CHIP_CELLS_LSTP, CHIP_CELLS_LOP } chip_cells;
const char *chip_cells_name(chip_cells c);

/* Technology scaling from the tables' 45 nm at 0.9 V to node_nm at vdd
 * (hardware.technology): *energy multiplies a dynamic energy, *leakage a
 * leakage power, *area an area.  Node: Stillmaker & Baas 2017's HP energy
 * fit e(V) at 0.9 V, e_node / e_45 (28 and 22 nm interpolated linearly in
 * node between 32 and 20 nm, as Accelergy's hwcomponents does); leakage
 * takes the energy's node factor (as hwcomponents does); area: hwcomponents'
 * AREA_SCALING row of 45 nm.  Supply: dynamic energy × (vdd / 0.9)²,
 * leakage × vdd / 0.9 (a leakage current held, its power ∝ V).  Returns 0,
 * or −1 for a node without a row (90, 65, 45, 32, 28, 22, 20, 16, 14 and
 * 7 nm; 90 and 65 nm: [SB]'s bulk rows and nodeScale's area row). */
int chip_technology_factors(double node_nm, double vdd, double *energy, double *leakage, double *area);

/* The logic's device type (hardware.technology.cells sets the logic's as
 * well as the arrays'): CACTI 7.0's 45 nm ITRS devices, against hp
 * (docs/hardware-costs.md, "Logic by device type").  Leakage: (I_off +
 * I_g)·Vdd per µm of width — × 6.8·10⁻⁵ for lstp, × 0.081 for lop; delay:
 * C·Vdd / I_on — × 2.78 for lstp, × 1.82 for lop.  1 for table and hp
 * (the tables' logic figures are hp-like: a commercial 40 nm G library). */
double chip_logic_leakage_factor(chip_cells cells);
double chip_logic_delay_factor(chip_cells cells);
/* The fastest clock the lanes reach, MHz: Aladdin's 1 ns units (1000 MHz
 * at 45 nm, 0.9 V, hp) moved by Stillmaker & Baas's delay fit d(V) to
 * node_nm and vdd and by the cells' delay factor.  0 for a node without a
 * row. */
double chip_max_clock_mhz(chip_cells cells, double node_nm, double vdd);

/* The off-chip DRAM by standard (hardware.dram.standard): energy per byte
 * moved and background (standby + refresh) power of one device
 * (docs/hardware-costs.md, "DRAM by standard").  custom: Horowitz's 45 nm
 * figure and no background. */
typedef enum { CHIP_DRAM_CUSTOM = 0, CHIP_DRAM_DDR4, CHIP_DRAM_LPDDR4, CHIP_DRAM_HBM2 } chip_dram_standard;
const char *chip_dram_standard_name(chip_dram_standard s);
void chip_dram_figures(chip_dram_standard s, double *pj_per_byte, double *background_mw);
/* The figures of one array of `array_bytes` (a macro, or a monolithic
 * SRAM's capacity) of these cells: a byte read or written costs what it
 * costs in that array; leakage and area per KiB are the array's.  CACTI's
 * figures are tabulated from 4 KiB (hp: 256 B, its register-file runs) to
 * 1 MiB and interpolated linearly in log size between (the end figures
 * outside). */
void chip_sram_figures_cells(chip_cells cells, double array_bytes, chip_sram_figures *out);

/* Fixed per-component figures at 45 nm. */
typedef struct {
    /* arithmetic, fp32, pJ per operation */
    double fp32_fma_pj, fp32_add_pj, fp32_mul_pj, elementwise_pj;
    /* one fp32 training lane, the lane the timing assumes (rtl_ref/'s units
     * at fp32: 8 multipliers, 9 adders, 96 register bits) */
    double lane_area_mm2, lane_leakage_uw;
    /* one fp32 MAC lane, inference only (multiplier, adder, 96 register
     * bits): hardware.tile.lane: mac */
    double mac_lane_area_mm2, mac_lane_leakage_uw;
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

/* Area and leakage of a fixed-point training lane whose formats are `bits`
 * wide (4..32), as a multiple of the fp32 training lane's (lane_area_mm2,
 * lane_leakage_uw): rtl_ref/'s lane in generic cells, A·w + C·w² through
 * the per-lane cells of rtl_ref/synth/area.csv at 8 and 16 bits, at
 * Aladdin's two-input gate area (× 0.241 at 8 bits, × 0.523 at 16; above
 * about 28 bits, an extrapolation, more than the fp32 lane).  Increasing in
 * bits; docs/hardware-costs.md. */
double chip_fixed_lane_scale(double bits);

/* The same for the inference-only MAC lane (hardware.tile.lane: mac), as a
 * multiple of the fp32 MAC lane's (mac_lane_area_mm2, mac_lane_leakage_uw):
 * Aladdin's 32-bit integer multiplier scaled by (w/32)², an adder and a
 * register as wide as rtl_ref/'s exact accumulator (2w + 16 bits) and two
 * w-bit operand registers.  Increasing in bits. */
double chip_fixed_mac_lane_scale(double bits);

#ifdef __cplusplus
}
#endif
#endif
