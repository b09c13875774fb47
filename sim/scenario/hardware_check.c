/* hardware_check.c — see hardware_check.h. */
#include "hardware_check.h"
#include "scenario_internal.h"

#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cost_tables.h"
#include "tile_cost.h"

/* ---- key lookups ---------------------------------------------------------------
 * chip_config_from_scenario reads about 75 keys for every chip, and f3sim
 * explore builds a chip for every design point (10^5 a second, on several
 * threads): each call site looks its key up in the schema once and keeps
 * the index.  KEY("a.key.path") has a slot of its own (numbered by
 * __COUNTER__), so it takes a string literal; a table of paths read in a
 * loop has a table of slots beside it. */
#define N_SITES 128
static atomic_int site_key[N_SITES]; /* schema index + 1; 0: not looked up yet */

static const sc_value *key_at(const scenario *sc, atomic_int *slot, const char *path)
{
    static const sc_value none = {.origin = "", .str = "", .text = ""}; /* (a path the schema lacks: a bug) */
    int k = atomic_load_explicit(slot, memory_order_relaxed);
    if (!k) {
        k = sc_schema_find(path) + 1;
        if (!k) return &none;
        atomic_store_explicit(slot, k, memory_order_relaxed);
    }
    sc_note_read(k - 1);
    return &sc->v[k - 1];
}
#define KEY(path) key_at(sc, &site_key[__COUNTER__], path)

/* ---- the resolved chip -------------------------------------------------------- */

/* The network's blocks (network.type vit or blocks) into a buffer of
 * F3_BLOCKNET_MAX_BLOCKS the caller frees, and their number; NULL and 0
 * for an MLP, or blocks that do not parse (the scenario check reports
 * them at their key). */
static f3_block *network_blocks(const scenario *sc, size_t *n)
{
    *n = 0;
    if (!scenario_is_blocks(sc)) return NULL;
    f3_block *b = malloc(F3_BLOCKNET_MAX_BLOCKS * sizeof *b);
    if (b && scenario_blocks(sc, b, F3_BLOCKNET_MAX_BLOCKS, n) == F3_OK && *n) return b;
    free(b);
    *n = 0;
    return NULL;
}

/* The layers of the mapping: network.hidden's and the output layer, or a
 * network's blocks. */
static size_t network_layers(const scenario *sc)
{
    if (!scenario_is_blocks(sc)) return scenario_get(sc, "network.hidden")->n + 1;
    size_t n;
    free(network_blocks(sc, &n));
    return n ? n : 1;
}

/* "network.hidden's 2 and the output layer" or "its 6 blocks, network.vit": what the mapping's layers are */
static const char *layers_text(const scenario *sc, size_t K, char *buf, size_t len)
{
    if (scenario_is_blocks(sc)) snprintf(buf, len, "its %zu blocks, network.%s", K, scenario_str(sc, "network.type"));
    else snprintf(buf, len, "network.hidden's %zu and the output layer", K - 1);
    return buf;
}

void chip_sram_figures_at(const chip_config *hw, double capacity_bytes, chip_sram_figures *out)
{
    chip_sram_figures_cells((chip_cells)hw->sram_cells, hw->sram_macro_bytes > 0 ? hw->sram_macro_bytes : capacity_bytes,
                            out);
    /* at the scenario's node and supply (factors 0: a chip_config not from a scenario, 45 nm) */
    if (hw->tech_energy > 0) {
        out->read_pj_per_byte *= hw->tech_energy;
        out->write_pj_per_byte *= hw->tech_energy;
        out->leakage_uw_per_kib *= hw->tech_leakage;
        out->area_mm2_per_kib *= hw->tech_area;
    }
}

void chip_reg_figures_at(const chip_config *hw, double capacity_bytes, unsigned lanes, double fig[3])
{
    const chip_fixed_figures *fx = chip_fixed_figures_45nm();
    /* flip-flops: Aladdin's register bit at any size; an SRAM register
     * file: one bank per lane (each lane reads its own), each bank an array
     * of capacity / lanes of the technology's cells (hp for the capacity
     * table); a byte costs the dearer of CACTI's read and write */
    double pj = fx->reg_pj_per_byte, leak = fx->reg_leakage_uw_per_kib * hw->logic_leakage,
           area = fx->reg_area_mm2_per_kib;
    if (hw->reg_sram) {
        chip_sram_figures rf;
        chip_sram_figures_cells(hw->sram_cells == CHIP_CELLS_TABLE ? CHIP_CELLS_HP : (chip_cells)hw->sram_cells,
                                capacity_bytes / (lanes ? lanes : 1), &rf);
        pj = rf.read_pj_per_byte > rf.write_pj_per_byte ? rf.read_pj_per_byte : rf.write_pj_per_byte;
        leak = rf.leakage_uw_per_kib;
        area = rf.area_mm2_per_kib;
    }
    const double auto_fig[3] = {pj * hw->tech_energy, leak * hw->tech_leakage, area * hw->tech_area};
    const double set[3] = {hw->reg_pj_per_byte, hw->reg_leakage_uw_per_kib, hw->reg_area_mm2_per_kib};
    for (int q = 0; q < 3; q++) fig[q] = (hw->reg_fixed >> q & 1) ? set[q] : auto_fig[q];
}

/* hardware.technology.cells */
static chip_cells cells_of(const scenario *sc)
{
    const char *cells = KEY("hardware.technology.cells")->str;
    return !strcmp(cells, "hp")     ? CHIP_CELLS_HP
           : !strcmp(cells, "lstp") ? CHIP_CELLS_LSTP
           : !strcmp(cells, "lop")  ? CHIP_CELLS_LOP
                                    : CHIP_CELLS_TABLE;
}

/* A key's number, or `table` when it is auto. */
/* While chip_config_resolved_figures runs: the scenario and, per key, the
 * figure an auto key resolved to (the first: the tile section's). */
static _Thread_local const scenario *rec_sc;
static _Thread_local double *rec_val;

static double figure(const sc_value *v, double table)
{
    const double x = v->is_auto ? table : v->num;
    if (rec_sc && v >= rec_sc->v && v < rec_sc->v + sc_schema_count() && isnan(rec_val[v - rec_sc->v]))
        rec_val[v - rec_sc->v] = x;
    return x;
}

/* the same, a table figure moved to the scenario's node and supply by `scale`
 * (hw->tech_energy, tech_leakage or tech_area) */
static double scaled(const sc_value *v, double table, double scale) { return figure(v, table * scale); }

/* The tile's lanes, registers (and the per-sample accumulators) and power
 * gating; the technology factors are set. */
static void config_lanes_registers(const scenario *sc, const chip_fixed_figures *fx, chip_config *hw)
{
    const double TE = hw->tech_energy, TL = hw->tech_leakage, TA = hw->tech_area;
    const double TLL = TL * hw->logic_leakage;
    hw->mac_lanes = (unsigned)KEY("hardware.tile.mac_lanes")->num;
    hw->step_latency = (unsigned)KEY("hardware.tile.step_latency_cycles")->num;
    hw->lane = !strcmp(KEY("hardware.tile.lane")->str, "mac") ? CHIP_LANE_MAC : CHIP_LANE_TRAINING;
    const int mac = hw->lane == CHIP_LANE_MAC;
    hw->lane_leakage_uw =
        scaled(KEY("hardware.tile.lane_leakage_uw"), mac ? fx->mac_lane_leakage_uw : fx->lane_leakage_uw, TLL);
    hw->lane_area_mm2 = scaled(KEY("hardware.tile.lane_area_mm2"), mac ? fx->mac_lane_area_mm2 : fx->lane_area_mm2, TA);

    hw->reg_capacity_bytes = KEY("hardware.tile.registers.capacity_kib")->num * 1024.0;
    hw->reg_sram = !strcmp(KEY("hardware.tile.registers.kind")->str, "sram");
    {
        static const char *const keys[3] = {"hardware.tile.registers.pj_per_byte",
                                            "hardware.tile.registers.leakage_uw_per_kib",
                                            "hardware.tile.registers.area_mm2_per_kib"};
        double *dst[3] = {&hw->reg_pj_per_byte, &hw->reg_leakage_uw_per_kib, &hw->reg_area_mm2_per_kib};
        hw->reg_fixed = 0;
        static atomic_int slots[3];
        for (int q = 0; q < 3; q++) {
            const sc_value *v = key_at(sc, &slots[q], keys[q]);
            if (!v->is_auto) {
                hw->reg_fixed |= 1u << q;
                *dst[q] = v->num;
            }
        }
        double fig[3];
        chip_reg_figures_at(hw, hw->reg_capacity_bytes, hw->mac_lanes, fig);
        for (int q = 0; q < 3; q++) {
            *dst[q] = fig[q];
            figure(key_at(sc, &slots[q], keys[q]), fig[q]); /* what show says it resolved to */
        }
    }

    /* the per-sample accumulators of ws_loop: samples are flip-flops: the
     * register figures when the registers are flip-flops too, else Aladdin's */
    hw->ws_samples_inner = !strcmp(KEY("hardware.tile.ws_loop")->str, "samples");
    hw->gating = KEY("hardware.power_gating.enabled")->num != 0;
    hw->gate_min_idle = KEY("hardware.power_gating.min_idle_cycles")->num;
    hw->wake_cycles = KEY("hardware.power_gating.wake_cycles")->num;
    hw->breakeven_cycles = KEY("hardware.power_gating.breakeven_cycles")->num;
    hw->sleep_leakage = KEY("hardware.power_gating.sleep_leakage")->num;
    hw->acc_pj_per_byte = hw->reg_sram ? fx->reg_pj_per_byte * TE : hw->reg_pj_per_byte;
    hw->acc_leakage_uw_per_kib =
        hw->reg_sram ? fx->reg_leakage_uw_per_kib * hw->logic_leakage * TL : hw->reg_leakage_uw_per_kib;
    hw->acc_area_mm2_per_kib = hw->reg_sram ? fx->reg_area_mm2_per_kib * TA : hw->reg_area_mm2_per_kib;
}

/* The tile's SRAM. */
static void config_sram(const scenario *sc, chip_config *hw)
{
    hw->sram_capacity_bytes = KEY("hardware.tile.sram.capacity_kib")->num * 1024.0;
    hw->sram_banks = (unsigned)KEY("hardware.tile.sram.banks")->num;
    hw->sram_bytes_per_cycle_per_bank = KEY("hardware.tile.sram.bytes_per_cycle")->num;
    hw->sram_macro_bytes = figure(KEY("hardware.tile.sram.macro_kib"), 0.0) * 1024.0;
    chip_sram_figures sf;
    chip_sram_figures_at(hw, hw->sram_capacity_bytes, &sf);
    hw->sram_read_pj = figure(KEY("hardware.tile.sram.read_pj_per_byte"), sf.read_pj_per_byte);
    hw->sram_write_pj = figure(KEY("hardware.tile.sram.write_pj_per_byte"), sf.write_pj_per_byte);
    hw->sram_transposed_factor = KEY("hardware.tile.sram.transposed_read_factor")->num;
    hw->sram_leakage_uw_per_kib = figure(KEY("hardware.tile.sram.leakage_uw_per_kib"), sf.leakage_uw_per_kib);
    hw->sram_area_mm2_per_kib = figure(KEY("hardware.tile.sram.area_mm2_per_kib"), sf.area_mm2_per_kib);
}

/* The feedback ROM and its LFSRs. */
static void config_rom(const scenario *sc, const chip_fixed_figures *fx, chip_config *hw)
{
    const double TE = hw->tech_energy, TL = hw->tech_leakage, TA = hw->tech_area;
    const char *enc = KEY("hardware.tile.rom.encoding")->str;
    hw->rom_encoding = !strcmp(enc, "fp32")    ? CHIP_ROM_FP32
                       : !strcmp(enc, "int8")   ? CHIP_ROM_INT8
                       : !strcmp(enc, "seeded") ? CHIP_ROM_SEEDED
                                                : CHIP_ROM_TERNARY2;
    hw->rom_bytes_per_cycle = KEY("hardware.tile.rom.bytes_per_cycle")->num;
    /* the ROM: the table's 8 KiB array (read; a third of its leakage and
     * area), or with CACTI cells the cells' 8 KiB macro the same way */
    double rom_pj = fx->rom_read_pj_per_byte, rom_leak = fx->rom_leakage_uw_per_kib, rom_area = fx->rom_area_mm2_per_kib;
    if (hw->sram_cells != CHIP_CELLS_TABLE) {
        chip_sram_figures rf;
        chip_sram_figures_cells((chip_cells)hw->sram_cells, 8192.0, &rf);
        rom_pj = rf.read_pj_per_byte;
        rom_leak = rf.leakage_uw_per_kib / 3.0;
        rom_area = rf.area_mm2_per_kib / 3.0;
    }
    hw->rom_read_pj = scaled(KEY("hardware.tile.rom.read_pj_per_byte"), rom_pj, TE);
    hw->rom_leakage_uw_per_kib = scaled(KEY("hardware.tile.rom.leakage_uw_per_kib"), rom_leak, TL);
    hw->rom_area_mm2_per_kib = scaled(KEY("hardware.tile.rom.area_mm2_per_kib"), rom_area, TA);
    hw->lfsr_cycles_per_value = figure(KEY("hardware.tile.rom.lfsr_cycles_per_value"), fx->lfsr_cycles_per_value);
    hw->lfsr_pj_per_value = scaled(KEY("hardware.tile.rom.lfsr_pj_per_value"), fx->lfsr_pj_per_value, TE);
    hw->lfsr_area_mm2 = scaled(KEY("hardware.tile.rom.lfsr_area_mm2"), fx->lfsr_area_mm2, TA);
}

/* The DRAM and the links. */
static void config_dram_links(const scenario *sc, chip_config *hw)
{
    hw->dram_bytes_per_cycle = KEY("hardware.dram.bytes_per_cycle")->num;
    hw->dram_latency_cycles = KEY("hardware.dram.latency_cycles")->num;
    const char *std = KEY("hardware.dram.standard")->str;
    hw->dram_standard = !strcmp(std, "ddr4")     ? CHIP_DRAM_DDR4
                        : !strcmp(std, "lpddr4") ? CHIP_DRAM_LPDDR4
                        : !strcmp(std, "hbm2")   ? CHIP_DRAM_HBM2
                                                 : CHIP_DRAM_CUSTOM;
    double dram_pj, dram_bg;
    chip_dram_figures((chip_dram_standard)hw->dram_standard, &dram_pj, &dram_bg);
    /* off chip: the node and supply do not move it */
    hw->dram_pj_per_byte = figure(KEY("hardware.dram.pj_per_byte"), dram_pj);
    hw->dram_background_mw = figure(KEY("hardware.dram.background_mw"), dram_bg);

#define LINK_KEYS(k) {"hardware.links." k, "hardware.links." k ".bytes_per_cycle", \
                      "hardware.links." k ".latency_cycles", "hardware.links." k ".pj_per_byte"}
    static const char *const link_keys[3][4] = {LINK_KEYS("forward"), LINK_KEYS("backward"), LINK_KEYS("broadcast")};
#undef LINK_KEYS
    static atomic_int link_slots[3][4];
    chip_link_config *links[3] = {&hw->forward, &hw->backward, &hw->broadcast};
    for (int i = 0; i < 3; i++) {
        links[i]->present = i == 0 || scenario_present(sc, link_keys[i][0]);
        links[i]->bytes_per_cycle = key_at(sc, &link_slots[i][1], link_keys[i][1])->num;
        links[i]->latency_cycles = key_at(sc, &link_slots[i][2], link_keys[i][2])->num;
        links[i]->pj_per_byte = key_at(sc, &link_slots[i][3], link_keys[i][3])->num;
    }
}

/* The error store (after the DRAM, whose figures it takes in DRAM) and the
 * energy table. */
static void config_error_store_energy(const scenario *sc, const chip_fixed_figures *fx, chip_config *hw)
{
    const double TE = hw->tech_energy;
    hw->es_placement = !strcmp(KEY("hardware.error_store.placement")->str, "dram") ? CHIP_ES_DRAM : CHIP_ES_ON_CHIP;
    /* the store holds each value in numerics.error_store's format (packed:
     * bits / 8 bytes); the chip reads formats only for bytes */
    f3_format es_fmt;
    if (f3_parse_format(KEY("numerics.error_store.format")->str, &es_fmt) != F3_OK)
        es_fmt.kind = F3_FMT_FP32; /* cannot happen: the loader checked the format */
    hw->es_bytes_per_value = f3_format_bits(&es_fmt) / 8.0;
    hw->es_bytes_per_cycle = KEY("hardware.error_store.bytes_per_cycle")->num;
    hw->es_latency_cycles = KEY("hardware.error_store.latency_cycles")->num;
    /* in DRAM the store costs what the DRAM costs and takes no chip area;
     * on chip its figures follow its capacity: NaN until it is known */
    const int in_dram = hw->es_placement == CHIP_ES_DRAM;
    hw->es_read_pj = figure(KEY("hardware.error_store.read_pj_per_byte"), in_dram ? hw->dram_pj_per_byte : NAN);
    hw->es_write_pj = figure(KEY("hardware.error_store.write_pj_per_byte"), in_dram ? hw->dram_pj_per_byte : NAN);
    hw->es_leakage_uw_per_kib = figure(KEY("hardware.error_store.leakage_uw_per_kib"), in_dram ? 0.0 : NAN);
    hw->es_area_mm2_per_kib = figure(KEY("hardware.error_store.area_mm2_per_kib"), in_dram ? 0.0 : NAN);

    if (!strcmp(KEY("hardware.energy.table")->str, "custom")) {
        hw->fma_pj = KEY("hardware.energy.fma_pj")->num;
        hw->add_pj = KEY("hardware.energy.add_pj")->num;
        hw->mul_pj = KEY("hardware.energy.mul_pj")->num;
        hw->elem_pj = KEY("hardware.energy.elementwise_pj")->num;
    } else {
        hw->energy_by_format = 1;
        hw->fma_pj = fx->fp32_fma_pj * TE;
        hw->add_pj = fx->fp32_add_pj * TE;
        hw->mul_pj = fx->fp32_mul_pj * TE;
        hw->elem_pj = fx->elementwise_pj * TE;
    }
}

int chip_config_resolved_figures(const scenario *sc, double *resolved)
{
    static _Thread_local chip_config hw; /* large (a tile table): not on the stack */
    for (size_t i = 0; i < sc_schema_count(); i++) resolved[i] = NAN;
    rec_sc = sc, rec_val = resolved;
    chip_config_from_scenario(sc, &hw);
    rec_sc = NULL, rec_val = NULL;
    return 0;
}

void chip_config_from_scenario(const scenario *sc, chip_config *hw)
{
    const chip_fixed_figures *fx = chip_fixed_figures_45nm();
    memset(hw, 0, sizeof *hw);
    hw->clock_mhz = KEY("hardware.clock_mhz")->num;
    hw->node_nm = KEY("hardware.technology.node_nm")->num;
    hw->vdd = KEY("hardware.technology.vdd")->num;
    if (chip_technology_factors(hw->node_nm, hw->vdd, &hw->tech_energy, &hw->tech_leakage, &hw->tech_area))
        hw->tech_energy = hw->tech_leakage = hw->tech_area = 1.0; /* refused by scenario_check_hardware */
    hw->strict = KEY("hardware.strict")->num != 0;
    const char *df = KEY("hardware.tile.dataflow")->str;
    hw->dataflow = !strcmp(df, "weight_stationary") ? CHIP_DF_WEIGHT_STATIONARY
                   : !strcmp(df, "fused")           ? CHIP_DF_FUSED
                                                    : CHIP_DF_OUTPUT_STATIONARY;

    hw->sram_cells = cells_of(sc);
    /* the logic (lanes, flip-flops) leaks as the cells' devices do */
    hw->logic_leakage = chip_logic_leakage_factor((chip_cells)hw->sram_cells);
    config_lanes_registers(sc, fx, hw);
    config_sram(sc, hw);
    config_rom(sc, fx, hw);
    config_dram_links(sc, hw);
    config_error_store_energy(sc, fx, hw);
    hw->trace = KEY("outputs.trace")->num != 0;
    hw->trace_samples = 1000;
    hw->micro_batch = (size_t)KEY("hardware.pipeline.micro_batch")->num;
    /* a network of blocks: their number; the blocks themselves are attached
     * by whoever runs the chip (chip.h) */
    hw->blocks = NULL;
    hw->n_blocks = scenario_is_blocks(sc) ? network_layers(sc) : 0;
    chip_mapping_from_scenario(sc, hw);
}

/* The per-tile lists of hardware.tiles, in the order of chip_tile_hw's
 * fields that they set. */
static const char *const TILE_LISTS[] = {"hardware.tiles.mac_lanes", "hardware.tiles.sram_capacity_kib",
                                         "hardware.tiles.sram_banks", "hardware.tiles.registers_capacity_kib"};
#define N_TILE_LISTS (sizeof TILE_LISTS / sizeof *TILE_LISTS)

void chip_mapping_from_scenario(const scenario *sc, chip_config *hw)
{
    const sc_value *lpt = KEY("hardware.mapping.layers_per_tile");
    const sc_value *spl = KEY("hardware.mapping.split");
    static atomic_int list_slots[N_TILE_LISTS];
    const sc_value *v[N_TILE_LISTS];
    int lists = 0;
    for (size_t k = 0; k < N_TILE_LISTS; k++) {
        v[k] = key_at(sc, &list_slots[k], TILE_LISTS[k]);
        lists |= v[k]->n > 0;
    }
    hw->n_tiles = 0;
    hw->n_split = 0;
    if (!lpt->n && !spl->n && !lists) return; /* one tile per layer, each with hardware.tile's figures */
    const size_t K = network_layers(sc);
    size_t T = lpt->n ? lpt->n : K;
    if (spl->n && !lpt->n) {
        /* split layers: one tile per part (scenario_check_mapping checks the list) */
        T = 0;
        hw->n_split = spl->n < CHIP_MAX_TILES ? spl->n : CHIP_MAX_TILES;
        for (size_t i = 0; i < hw->n_split; i++) {
            hw->split[i] = spl->list[i] >= 1 ? (size_t)spl->list[i] : 1;
            T += hw->split[i];
        }
    }
    if (T > CHIP_MAX_TILES) T = CHIP_MAX_TILES; /* rejected by scenario_check_mapping */
    hw->n_tiles = T;
    hw->tile_first[0] = 0;
    for (size_t t = 0; t < T; t++)
        hw->tile_first[t + 1] = hw->tile_first[t] + (lpt->n ? (size_t)lpt->list[t] : 1); /* unused with a split */
    for (size_t t = 0; t < T; t++) {
        chip_tile_hw *h = &hw->tiles[t];
        h->mac_lanes = v[0]->n > t ? (unsigned)v[0]->list[t] : hw->mac_lanes;
        h->sram_capacity_bytes = v[1]->n > t ? v[1]->list[t] * 1024.0 : hw->sram_capacity_bytes;
        h->sram_banks = v[2]->n > t ? (unsigned)v[2]->list[t] : hw->sram_banks;
        h->reg_capacity_bytes = v[3]->n > t ? v[3]->list[t] * 1024.0 : hw->reg_capacity_bytes;
        /* the SRAM's figures at this tile's capacity (or macro), unless the scenario fixes them */
        chip_sram_figures sf;
        chip_sram_figures_at(hw, h->sram_capacity_bytes, &sf);
        h->sram_read_pj = figure(KEY("hardware.tile.sram.read_pj_per_byte"), sf.read_pj_per_byte);
        h->sram_write_pj = figure(KEY("hardware.tile.sram.write_pj_per_byte"), sf.write_pj_per_byte);
        h->sram_leakage_uw_per_kib = figure(KEY("hardware.tile.sram.leakage_uw_per_kib"), sf.leakage_uw_per_kib);
        h->sram_area_mm2_per_kib = figure(KEY("hardware.tile.sram.area_mm2_per_kib"), sf.area_mm2_per_kib);
        /* the register file's at this tile's capacity and lanes */
        double rf[3];
        chip_reg_figures_at(hw, h->reg_capacity_bytes, h->mac_lanes, rf);
        h->reg_pj_per_byte = rf[0];
        h->reg_leakage_uw_per_kib = rf[1];
        h->reg_area_mm2_per_kib = rf[2];
    }
}

f3_status scenario_check_mapping(const scenario *sc)
{
    if (strcmp(scenario_str(sc, "hardware.mapping.auto"), "none")) {
        static const char *const budgets[3] = {"comparison.budget.area_mm2", "comparison.budget.power_mw",
                                               "comparison.budget.lanes"};
        int n = 0;
        for (int k = 0; k < 3; k++) n += scenario_get(sc, budgets[k])->set && scenario_num(sc, budgets[k]) > 0;
        if (n != 1)
            return scenario_at_key(sc, "hardware.mapping.auto", F3_EINVAL,
                                   "hardware.mapping.auto chooses the chip within a budget, but comparison.budget "
                                   "gives %d (set exactly one of area_mm2, power_mw, lanes above 0)",
                                   n);
        static const char *const given[] = {"hardware.mapping.layers_per_tile", "hardware.mapping.split",
                                            "hardware.tiles.mac_lanes", "hardware.tiles.sram_capacity_kib",
                                            "hardware.tiles.sram_banks", "hardware.tiles.registers_capacity_kib"};
        for (size_t k = 0; k < sizeof given / sizeof *given; k++)
            if (scenario_get(sc, given[k])->n)
                return scenario_at_key(sc, given[k], F3_EINVAL,
                                       "%s and hardware.mapping.auto both choose the tiles: give one of them",
                                       given[k]);
    }
    const sc_value *lpt = scenario_get(sc, "hardware.mapping.layers_per_tile");
    const sc_value *spl = scenario_get(sc, "hardware.mapping.split");
    const size_t K = network_layers(sc);
    char layers[160];
    layers_text(sc, K, layers, sizeof layers);
    size_t T = K;
    if (spl->n && scenario_is_blocks(sc))
        return scenario_at_key(sc, "hardware.mapping.split", F3_EINVAL,
                               "hardware.mapping.split splits a layer over tiles by output rows; a block of a network "
                               "of blocks (network.type %s) is not split: put one block or more on each tile with "
                               "hardware.mapping.layers_per_tile",
                               scenario_str(sc, "network.type"));
    if (spl->n && lpt->n)
        return scenario_at_key(sc, "hardware.mapping.split", F3_EINVAL,
                               "hardware.mapping.split and hardware.mapping.layers_per_tile cannot both be given: a "
                               "split layer has tiles of its own (split puts one layer on each tile of its parts)");
    if (spl->n) {
        if (spl->n != K)
            return scenario_at_key(sc, "hardware.mapping.split", F3_EINVAL,
                                   "hardware.mapping.split has %zu entries, but the network has %zu layers "
                                   "(network.hidden's %zu and the output layer): give one per layer",
                                   spl->n, K, K - 1);
        const sc_value *hid = scenario_get(sc, "network.hidden");
        size_t sum = 0;
        for (size_t i = 0; i < K; i++) {
            const double k = spl->list[i];
            if (k < 1)
                return scenario_at_key(sc, "hardware.mapping.split", F3_EINVAL,
                                       "hardware.mapping.split gives layer %zu %.0f tiles: every layer needs at "
                                       "least one",
                                       i + 1, k);
            if (i + 1 == K && k != 1)
                return scenario_at_key(sc, "hardware.mapping.split", F3_EINVAL,
                                       "hardware.mapping.split splits the output layer (layer %zu) over %.0f tiles: "
                                       "the loss needs all of y on one tile, so its entry must be 1",
                                       K, k);
            if (i + 1 < K && i < hid->n && k > hid->list[i])
                return scenario_at_key(sc, "hardware.mapping.split", F3_EINVAL,
                                       "hardware.mapping.split splits layer %zu's %.0f rows over %.0f tiles: at most "
                                       "one tile per row",
                                       i + 1, hid->list[i], k);
            sum += (size_t)k;
        }
        if (sum > CHIP_MAX_TILES)
            return scenario_at_key(sc, "hardware.mapping.split", F3_EINVAL,
                                   "hardware.mapping.split puts the network on %zu tiles, at most %d are modelled",
                                   sum, CHIP_MAX_TILES);
        T = sum;
    }
    if (lpt->n) {
        size_t sum = 0;
        for (size_t t = 0; t < lpt->n; t++) sum += (size_t)lpt->list[t];
        if (sum != K)
            return scenario_at_key(sc, "hardware.mapping.layers_per_tile", F3_EINVAL,
                                   "hardware.mapping.layers_per_tile puts %zu layers on its %zu tiles, but the network "
                                   "has %zu (%s): the entries must add up to %zu",
                                   sum, lpt->n, K, layers, K);
        T = lpt->n;
    }
    if (T > CHIP_MAX_TILES)
        return scenario_at_key(sc, lpt->n              ? "hardware.mapping.layers_per_tile"
                                   : scenario_is_blocks(sc) ? "network"
                                                            : "network.hidden",
                               F3_EINVAL,
                               "the chip would have %zu tiles, at most %d are modelled: put several layers on a tile "
                               "with hardware.mapping.layers_per_tile",
                               T, CHIP_MAX_TILES);
    for (size_t k = 0; k < N_TILE_LISTS; k++) {
        const sc_value *v = scenario_get(sc, TILE_LISTS[k]);
        if (v->n && v->n != T)
            return scenario_at_key(sc, TILE_LISTS[k], F3_EINVAL,
                                   "%s has %zu entries, but the chip has %zu tiles (%s): give one per tile, or [] for "
                                   "hardware.tile's value on every tile",
                                   TILE_LISTS[k], v->n, T,
                                   lpt->n                   ? "hardware.mapping.layers_per_tile"
                                   : spl->n                 ? "hardware.mapping.split: one per part of each layer"
                                   : scenario_is_blocks(sc) ? "one per block"
                                                            : "one per layer");
    }
    return F3_OK;
}

void chip_config_resolve_error_store(chip_config *hw, const f3_config *cfg, size_t n_train)
{
    double bytes = chip_error_store_bytes(hw, cfg, n_train);
    chip_sram_figures f = {0, 0, 0, 0}; /* no store: nothing to cost */
    if (bytes > 0) {
        chip_sram_figures_at(hw, bytes, &f);
        /* the store is SRAM like the tiles' (the same cells and macros): a
         * tile SRAM figure the scenario sets moves the store's table figure
         * by the same factor against the table (an auto one is the table's:
         * the factor is exactly 1) */
        chip_sram_figures t;
        chip_sram_figures_at(hw, hw->sram_capacity_bytes, &t);
        f.read_pj_per_byte *= hw->sram_read_pj / t.read_pj_per_byte;
        f.write_pj_per_byte *= hw->sram_write_pj / t.write_pj_per_byte;
        f.leakage_uw_per_kib *= hw->sram_leakage_uw_per_kib / t.leakage_uw_per_kib;
        f.area_mm2_per_kib *= hw->sram_area_mm2_per_kib / t.area_mm2_per_kib;
    }
    if (isnan(hw->es_read_pj)) hw->es_read_pj = f.read_pj_per_byte;
    if (isnan(hw->es_write_pj)) hw->es_write_pj = f.write_pj_per_byte;
    if (isnan(hw->es_leakage_uw_per_kib)) hw->es_leakage_uw_per_kib = f.leakage_uw_per_kib;
    if (isnan(hw->es_area_mm2_per_kib)) hw->es_area_mm2_per_kib = f.area_mm2_per_kib;
}

/* ---- the checks ------------------------------------------------------------------ */

/* What tile t keeps in SRAM, item by item: "weights 1531.2 KiB, optimiser
 * state 3062.5 KiB, …" (an output-stationary tile keeps its biases in
 * registers; a weight-stationary one streams them with W). */
static void needs_text(const chip_config *hw, const f3_config *cfg, const tile_cost *t, char *buf, size_t len)
{
    const int ws = hw->dataflow == CHIP_DF_WEIGHT_STATIONARY;
    const char *names[TC_ITEMS] = {cfg->bias && ws ? "weights and biases" : "weights", "optimiser state",
                                   "gradient accumulator",
                                   ws ? "batch buffers" : "activation stash of the batch"};
    buf[0] = '\0';
    size_t n = 0;
    for (int i = 0; i < TC_ITEMS; i++) {
        if (t->need[i] <= 0) continue;
        int w = snprintf(buf + n, len - n, "%s%s %.1f KiB", n ? ", " : "", names[i], t->need[i] / 1024.0);
        if (w < 0 || (size_t)w >= len - n) break;
        n += (size_t)w;
    }
}

f3_status chip_check_macros(const chip_config *hw, const char **key)
{
    if (!(hw->sram_macro_bytes > 0)) return F3_OK;
    /* an SRAM is a whole number of macros */
    const double m = hw->sram_macro_bytes;
    if (fmod(hw->sram_capacity_bytes, m) != 0) {
        *key = "hardware.tile.sram.capacity_kib";
        return F3_FAIL(F3_EINVAL,
                       "hardware.tile.sram.capacity_kib %g is not a whole number of %g KiB macros "
                       "(hardware.tile.sram.macro_kib)",
                       hw->sram_capacity_bytes / 1024.0, m / 1024.0);
    }
    for (size_t t = 0; t < hw->n_tiles; t++)
        if (fmod(hw->tiles[t].sram_capacity_bytes, m) != 0) {
            *key = "hardware.tiles.sram_capacity_kib";
            return F3_FAIL(F3_EINVAL,
                           "hardware.tiles.sram_capacity_kib: tile %zu's %g KiB is not a whole number of %g KiB "
                           "macros (hardware.tile.sram.macro_kib)",
                           t + 1, hw->tiles[t].sram_capacity_bytes / 1024.0, m / 1024.0);
        }
    return F3_OK;
}

f3_status chip_check_layers(const chip_config *hw, const f3_config *cfg, const char *rule, const char **key)
{
    if (chip_check_macros(hw, key) != F3_OK) return F3_EINVAL;
    if (chip_mapping_check(hw, cfg) != F3_OK) {
        *key = hw->n_split ? "hardware.mapping.split" : "hardware.mapping.layers_per_tile";
        return F3_FAIL(F3_EINVAL, "%s (learning rule %s)", f3_last_error(), rule);
    }
    const size_t T = chip_n_tiles(hw, cfg);
    for (size_t k = 0; k < T && hw->strict; k++) {
        /* strict: everything a tile's layers keep fits its SRAM */
        const size_t first = chip_tile_first(hw, k), last = chip_tile_last(hw, cfg, k);
        if (first == last) continue; /* checked below, with its items named */
        double need = 0;
        for (size_t i = first; i <= last; i++) {
            tile_cost t;
            if (tile_cost_compute(hw, cfg, i, cfg->batch_size, &t) != F3_OK) break;
            need += t.sram_needed;
        }
        const double cap = chip_tile_figures(hw, k).sram_capacity_bytes;
        if (need > cap) {
            *key = hw->n_tiles ? "hardware.tiles.sram_capacity_kib" : "hardware.tile.sram.capacity_kib";
            return F3_FAIL(F3_EINVAL,
                           "strict: tile %zu (layers %zu–%zu) needs %.1f KiB of SRAM under %s but has %.1f KiB",
                           k + 1, first + 1, last + 1, need / 1024.0, rule, cap / 1024.0);
        }
    }
    for (size_t i = 0; i < chip_n_units(hw, cfg); i++) { /* units: layers, or the parts of split layers */
        tile_cost t;
        if (tile_cost_compute(hw, cfg, i, cfg->batch_size, &t) != F3_OK) {
            char msg[1024];
            snprintf(msg, sizeof msg, "%s", f3_last_error());
            *key = strstr(msg, "register")   ? "hardware.tile.registers.capacity_kib"
                   : strstr(msg, "dataflow") ? "hardware.tile.dataflow"
                                             : "hardware.tile";
            return F3_FAIL(F3_EINVAL, "%s (learning rule %s)", msg, rule);
        }
        const size_t k = chip_unit_tile(hw, i);
        const double cap = chip_tile_figures(hw, k).sram_capacity_bytes;
        if (hw->strict && chip_tile_unit_first(hw, k) == chip_tile_unit_last(hw, cfg, k) && t.sram_needed > cap) {
            char needs[400];
            needs_text(hw, cfg, &t, needs, sizeof needs);
            *key = hw->n_tiles ? "hardware.tiles.sram_capacity_kib" : "hardware.tile.sram.capacity_kib";
            return F3_FAIL(F3_EINVAL,
                           "strict: tile %zu (%zu→%zu) needs %.1f KiB of SRAM under %s (%s) but "
                           "%s is %.1f KiB",
                           k + 1, t.n_in, t.n_out, t.sram_needed / 1024.0, rule, needs,
                           hw->n_tiles ? "its capacity" : "hardware.tile.sram.capacity_kib", cap / 1024.0);
        }
    }
    return F3_OK;
}

/* The feedback ROM can hold B_i: int8 holds a fixed-point feedback format
 * of at most 8 bits; ternary2 (2 bits per entry, eq. 34) and seeded (an
 * LFSR per lane) hold entries −1, 0, 1 only.  Checked for a rule that keeps
 * a B_i (a hidden layer of f3, dfa, drtp); others never read the ROM. */
static f3_status check_rom_encoding(const scenario *sc, const chip_config *hw, const f3_config *cfg, const char *rule)
{
    int has_b = 0;
    for (size_t i = 0; i < cfg->n_layers; i++) has_b |= f3_layer_has_feedback(cfg, i);
    if (!has_b) return F3_OK;
    const char *key = "hardware.tile.rom.encoding";
    const char *dflt = scenario_get(sc, key)->set ? "" : " (the default)";
    const char *init = f3_feedback_init_name(cfg->feedback_init);
    if (hw->rom_encoding == CHIP_ROM_INT8) {
        const f3_format *f = &cfg->numerics.fmt[F3_T_FEEDBACK];
        if (f->kind == F3_FMT_FIXED && f3_format_bits(f) <= 8) return F3_OK;
        char name[32], hint[200];
        f3_format_name(f, name, sizeof name);
        if (f3_feedback_is_additive(cfg->feedback_init))
            snprintf(hint, sizeof hint, "e.g. q2.6, which holds %s's entries −1, 0 and 1 exactly", init);
        else
            snprintf(hint, sizeof hint, "e.g. q1.7 (%s's entries are small; q1.7's step is 1/128)", init);
        return scenario_at_key(sc, key, F3_EINVAL,
                      "hardware.tile.rom.encoding int8 stores each entry of B_i in 8 bits, but numerics.feedback.format is "
                      "%s (%d bits; learning rule %s reads B_i): set numerics.feedback.format to a fixed-point format of "
                      "at most 8 bits, %s",
                      name, f3_format_bits(f), rule, hint);
    }
    if ((hw->rom_encoding == CHIP_ROM_TERNARY2 || hw->rom_encoding == CHIP_ROM_SEEDED) &&
        !f3_feedback_is_additive(cfg->feedback_init)) {
        int seeded = hw->rom_encoding == CHIP_ROM_SEEDED;
        return scenario_at_key(sc, key, F3_EINVAL,
                      "hardware.tile.rom.encoding %s%s %s: entries −1, 0 and 1 only, but "
                      "training.feedback_init %s draws real entries (learning rule %s reads B_i): use feedback_init "
                      "trinomial, binomial or pm_identity, or encoding fp32 (or int8 with an 8-bit numerics.feedback.format)",
                      seeded ? "seeded" : "ternary2", dflt,
                      seeded ? "regenerates B_i with an LFSR per lane" : "stores B_i in 2 bits per entry (eq. 34)", init,
                      rule);
    }
    return F3_OK;
}

f3_status scenario_check_rom(const scenario *sc, const chip_config *hw, const f3_config *cfg, const char *rule)
{
    return check_rom_encoding(sc, hw, cfg, rule);
}

static f3_status check_rules(const scenario *sc, const chip_config *hw0, char (*algs)[32], size_t na);

f3_status scenario_check_hardware(const scenario *sc)
{
    char algs[SC_MAX_LIST][32];
    size_t na = scenario_algorithms(sc, algs, SC_MAX_LIST);
    const char *alg_key = scenario_get(sc, "training.compare")->n ? "training.compare" : "training.algorithm";

    /* the fabric must carry what each learning rule sends; it is described
     * in hardware.links, or (all defaults) by the hardware section */
    const sc_value *fabric = scenario_get(sc, "hardware.links");
    if (!fabric->line) fabric = scenario_get(sc, "hardware");
    for (size_t i = 0; i < na; i++) {
        if (!strcmp(algs[i], "bp") && !scenario_present(sc, "hardware.links.backward"))
            return scenario_at_key(sc, alg_key, F3_EINVAL,
                          "algorithm bp sends its δ from tile i+1 back to tile i, but the fabric (%s:%d) has no backward "
                          "link: add a hardware.links.backward section or drop bp",
                          fabric->origin, fabric->line);
        if (!strcmp(algs[i], "dfa") && !scenario_present(sc, "hardware.links.broadcast"))
            return scenario_at_key(sc, alg_key, F3_EINVAL,
                          "algorithm dfa broadcasts the current error from the output tile to every hidden tile, but the fabric "
                          "(%s:%d) has no broadcast link: add a hardware.links.broadcast section or drop dfa",
                          fabric->origin, fabric->line);
    }

    if (scenario_num(sc, "outputs.checkpoint_every") > 0)
        return scenario_at_key(sc, "outputs.checkpoint_every", F3_EINVAL,
                               "checkpoints are not written on the chip model (a hardware section): its timing state "
                               "is not saved; set 0 (under --resume a chip point that did not finish runs again)");

    f3_status mst = scenario_check_mapping(sc);
    if (mst) return mst;
    {
        double e, l, a;
        const double nm = scenario_num(sc, "hardware.technology.node_nm");
        if (chip_technology_factors(nm, 0.9, &e, &l, &a))
            return scenario_at_key(sc, "hardware.technology.node_nm", F3_EINVAL,
                                   "hardware.technology.node_nm %g: the scaling table has 90, 65, 45, 32, 28, 22, 20, "
                                   "16, 14 and 7 nm (Stillmaker & Baas 2017; docs/hardware-costs.md)",
                                   nm);
        /* with named cells the lanes' logic must make the clock */
        const chip_cells c = cells_of(sc);
        const double vdd = scenario_num(sc, "hardware.technology.vdd"), mhz = scenario_num(sc, "hardware.clock_mhz");
        const double fmax = chip_max_clock_mhz(c, nm, vdd);
        if (c != CHIP_CELLS_TABLE && mhz > fmax * (1 + 1e-9))
            return scenario_at_key(sc, "hardware.clock_mhz", F3_EINVAL,
                                   "hardware.clock_mhz %g: %s logic at %g nm and %g V reaches %.0f MHz (Aladdin's 1 ns "
                                   "units at 45 nm, 0.9 V, hp; Stillmaker & Baas's delay fit; CACTI's device delay; "
                                   "docs/hardware-costs.md): lower the clock, raise vdd or pick faster cells",
                                   mhz, chip_cells_name(c), nm, vdd, floor(fmax));
    }
    chip_config hw;
    chip_config_from_scenario(sc, &hw);
    {
        const char *key = NULL;
        if (chip_check_macros(&hw, &key) != F3_OK) return scenario_at_key(sc, key, F3_EINVAL, "%s", f3_last_error());
    }
    /* a network of blocks: its blocks, for the checks of its tiles */
    size_t nb = 0;
    f3_block *blocks = network_blocks(sc, &nb);
    hw.blocks = blocks;
    f3_status st = check_rules(sc, &hw, algs, na);
    free(blocks);
    return st;
}

/* The checks of every learning rule algs[0 … na) on the chip hw. */
static f3_status check_rules(const scenario *sc, const chip_config *hw0, char (*algs)[32], size_t na)
{
    const chip_config hw = *hw0;
    for (size_t a = 0; a < na; a++) {
        f3_config cfg;
        f3_task task;
        f3_status st = scenario_f3_config(sc, algs[a], &cfg, &task);
        if (st != F3_OK) return st;
        if ((st = check_rom_encoding(sc, &hw, &cfg, algs[a])) != F3_OK) return st;
        /* a csv file's widths are known when the run reads it (0 here) */
        int widths_known = cfg.widths[0] > 0 && cfg.widths[cfg.n_layers] > 0;
        /* the rule's own name when the model's differs (f3-error, f3-loss) */
        char rule[64] = "";
        if (strcmp(algs[a], f3_algorithm_name(cfg.algorithm))) snprintf(rule, sizeof rule, " (learning rule %s)", algs[a]);
        if (chip_dataflow_check(hw.dataflow, &cfg) != F3_OK)
            return scenario_at_key(sc, "hardware.tile.dataflow", F3_EINVAL, "%s%s", f3_last_error(), rule);
        if (hw.micro_batch && hw.dataflow != CHIP_DF_WEIGHT_STATIONARY)
            return scenario_at_key(sc, "hardware.pipeline.micro_batch", F3_EINVAL,
                                   "hardware.pipeline.micro_batch %zu splits a weight_stationary tile's batch, but "
                                   "hardware.tile.dataflow is %s, which already passes every sample on as soon as it "
                                   "is through: set micro_batch 0 or use weight_stationary",
                                   hw.micro_batch, chip_dataflow_name(hw.dataflow));
        if (!widths_known) continue; /* checked when the run builds the chip */
        const char *key = NULL;
        if (chip_check_layers(&hw, &cfg, algs[a], &key) != F3_OK) {
            /* registers given per tile: the list is the key at fault */
            if (!strcmp(key, "hardware.tile.registers.capacity_kib") &&
                scenario_get(sc, "hardware.tiles.registers_capacity_kib")->n)
                key = "hardware.tiles.registers_capacity_kib";
            return scenario_at_key(sc, key, F3_EINVAL, "%s", f3_last_error());
        }
    }
    return F3_OK;
}

_Static_assert(__COUNTER__ < N_SITES, "hardware_check.c: more KEY() call sites than N_SITES");
