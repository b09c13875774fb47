/* tiles_csv.c — see tiles_csv.h. */
#include "tiles_csv.h"

int chip_tiles_csv_write(FILE *f, const chip_config *hw, const f3_config *cfg, const chip_result *r)
{
    (void)hw; /* every per-tile figure is in r (a mapping gives each tile its own) */
    fprintf(f, "tile,n_in,n_out,busy_cycles,wait_input_cycles,wait_downstream_cycles,wait_memory_cycles,"
               "idle_cycles,register_bytes,sram_read_bytes,sram_written_bytes,rom_read_bytes,lfsr_values,"
               "dram_read_bytes,dram_written_bytes,sram_needed_bytes,sram_capacity_bytes,sram_shortfall_bytes,"
               "dram_resident_bytes,stash_bytes,buffer_bytes,rom_bytes,area_mm2,first_layer,last_layer,mac_lanes,"
               "registers_capacity_bytes,gated_cycles,gating_wakes");
    for (int k = 0; k < CHIP_E_COUNT; k++) fprintf(f, ",energy_%s_pj", chip_energy_item_names[k]);
    fprintf(f, "\n");
    for (size_t i = 0; i < r->n_tiles; i++) {
        const chip_tile_stats *ts = &r->tile[i];
        /* a tile holds layers first…last: n_in of the first, n_out of the last */
        const double cap = ts->sram_capacity_bytes;
        const double shortfall = ts->sram_needed > cap ? ts->sram_needed - cap : 0.0;
        fprintf(f, "%zu,%zu,%zu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%.0f,%.0f,%.0f,%.0f,%.0f,%.0f,%.2f,%.6f",
                i + 1, cfg->widths[ts->first_layer], cfg->widths[ts->last_layer + 1], (unsigned long long)ts->busy,
                (unsigned long long)ts->wait_input, (unsigned long long)ts->wait_downstream,
                (unsigned long long)ts->wait_memory, (unsigned long long)ts->idle, (unsigned long long)ts->reg_bytes,
                (unsigned long long)ts->sram_read, (unsigned long long)ts->sram_written,
                (unsigned long long)ts->rom_read, (unsigned long long)ts->lfsr_values,
                (unsigned long long)ts->dram_read, (unsigned long long)ts->dram_written, ts->sram_needed,
                cap, shortfall, ts->dram_resident, ts->stash_bytes, ts->buffer_bytes, ts->rom_bytes, ts->area_mm2);
        fprintf(f, ",%zu,%zu,%u,%.0f,%llu,%llu", ts->first_layer + 1, ts->last_layer + 1, ts->mac_lanes,
                ts->reg_capacity_bytes, (unsigned long long)ts->gated, (unsigned long long)ts->wakes);
        for (int k = 0; k < CHIP_E_COUNT; k++) fprintf(f, ",%.1f", ts->energy_pj[k]);
        fprintf(f, "\n");
    }
    return ferror(f) ? -1 : 0;
}
