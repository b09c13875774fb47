// tb_chip.h — what the testbenches that check cycles share: the chip
// configuration (sim/chip/) that describes one tile, for chip_tile_cycles().
// The testbench links f3chipcost.
#ifndef F3_RTL_TB_CHIP_H
#define F3_RTL_TB_CHIP_H

#include <algorithm>
#include <cstring>

#include "tb_common.h"

extern "C" {
#include "chip.h"
#include "tile_cost.h"
}

namespace tb {

// the hardware configuration that describes the tile: P banks of W, each
// with one read and one write port of one weight; at batch > 1 P more for
// the accumulator (a bank beside each W bank, one read and one write port of
// one accumulator word: error + activation bits + ⌈log₂ batch⌉).  The
// table's banks are alike, so each gets ports of the wider word.
inline chip_config tile_hw(unsigned P, const f3_config &cfg, bool fused)
{
    const bool batched = cfg.batch_size > 1;
    const double word = batched ? std::max(TB_WW / 8.0, chip_accumulator_bytes(&cfg)) : TB_WW / 8.0;
    chip_config hw;
    std::memset(&hw, 0, sizeof hw);
    hw.clock_mhz = 1000;
    hw.dataflow = fused ? CHIP_DF_FUSED : CHIP_DF_OUTPUT_STATIONARY;
    hw.mac_lanes = P;
    hw.step_latency = TB_LAT;
    hw.reg_capacity_bytes = 1 << 20;
    hw.sram_capacity_bytes = 1 << 30;
    hw.sram_banks = batched ? 2 * P : P;
    hw.sram_bytes_per_cycle_per_bank = 2.0 * word; // one word read and one written per cycle
    hw.sram_transposed_factor = 1.0;
    hw.rom_encoding = CHIP_ROM_TERNARY2;
    hw.rom_bytes_per_cycle = P * 0.25; // one 2-bit entry per lane per cycle
    hw.lfsr_cycles_per_value = 1;
    hw.dram_bytes_per_cycle = 64;
    return hw;
}

} // namespace tb
#endif
