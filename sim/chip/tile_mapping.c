/* tile_mapping.c — the mapping of layers (and parts of split layers) to
 * tiles and pipeline stages, and each tile's figures; see tile_cost.h. */
#include "tile_cost.h"

#include <math.h>
#include <stdio.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "block_cost.h"
#include "cost_tables.h"

/* ---- the mapping ------------------------------------------------------------------------- */

size_t chip_n_tiles(const chip_config *hw, const f3_config *cfg) { return hw->n_tiles ? hw->n_tiles : cfg->n_layers; }

size_t chip_n_units(const chip_config *hw, const f3_config *cfg) { return hw->n_split ? hw->n_tiles : cfg->n_layers; }

size_t chip_layer_parts(const chip_config *hw, size_t layer)
{
    return hw->n_split && hw->split[layer] > 1 ? hw->split[layer] : 1;
}

size_t chip_layer_unit(const chip_config *hw, size_t layer)
{
    if (!hw->n_split) return layer;
    size_t u = 0;
    for (size_t l = 0; l < layer; l++) u += chip_layer_parts(hw, l);
    return u;
}

size_t chip_unit_layer(const chip_config *hw, size_t unit)
{
    if (!hw->n_split) return unit;
    size_t l = 0, u = chip_layer_parts(hw, 0);
    while (u <= unit && l + 1 < hw->n_split) u += chip_layer_parts(hw, ++l);
    return l;
}

void chip_unit_rows(const chip_config *hw, const f3_config *cfg, size_t unit, size_t *r0, size_t *rows)
{
    const size_t layer = chip_unit_layer(hw, unit), n = cfg->widths[layer + 1], k = chip_layer_parts(hw, layer);
    const size_t q = unit - chip_layer_unit(hw, layer), base = n / k, extra = n % k;
    *rows = base + (q < extra ? 1 : 0);
    *r0 = q * base + (q < extra ? q : extra);
}

size_t chip_unit_tile(const chip_config *hw, size_t unit) { return hw->n_split ? unit : chip_tile_of(hw, unit); }

size_t chip_tile_of(const chip_config *hw, size_t layer)
{
    if (hw->n_split) return chip_layer_unit(hw, layer); /* its first part's */
    if (!hw->n_tiles) return layer;
    size_t t = 0;
    while (t + 1 < hw->n_tiles && hw->tile_first[t + 1] <= layer) t++;
    return t;
}

size_t chip_tile_first(const chip_config *hw, size_t tile)
{
    if (hw->n_split) return chip_unit_layer(hw, tile);
    return hw->n_tiles ? hw->tile_first[tile] : tile;
}

size_t chip_tile_last(const chip_config *hw, const f3_config *cfg, size_t tile)
{
    (void)cfg;
    if (hw->n_split) return chip_unit_layer(hw, tile);
    return hw->n_tiles ? hw->tile_first[tile + 1] - 1 : tile;
}

size_t chip_tile_unit_first(const chip_config *hw, size_t tile)
{
    return hw->n_split ? tile : chip_tile_first(hw, tile);
}

size_t chip_tile_unit_last(const chip_config *hw, const f3_config *cfg, size_t tile)
{
    return hw->n_split ? tile : chip_tile_last(hw, cfg, tile);
}

size_t chip_n_stages(const chip_config *hw, const f3_config *cfg)
{
    return hw->n_split ? cfg->n_layers : chip_n_tiles(hw, cfg);
}

size_t chip_stage_of_tile(const chip_config *hw, size_t tile)
{
    return hw->n_split ? chip_unit_layer(hw, tile) : tile;
}

size_t chip_stage_tile_first(const chip_config *hw, size_t stage)
{
    return hw->n_split ? chip_layer_unit(hw, stage) : stage;
}

size_t chip_stage_tile_last(const chip_config *hw, const f3_config *cfg, size_t stage)
{
    (void)cfg;
    return hw->n_split ? chip_layer_unit(hw, stage) + chip_layer_parts(hw, stage) - 1 : stage;
}

chip_tile_hw chip_tile_figures(const chip_config *hw, size_t tile)
{
    if (hw->n_tiles) return hw->tiles[tile];
    chip_tile_hw t = {hw->mac_lanes,
                      hw->reg_capacity_bytes,
                      hw->sram_capacity_bytes,
                      hw->sram_banks,
                      hw->sram_read_pj,
                      hw->sram_write_pj,
                      hw->sram_leakage_uw_per_kib,
                      hw->sram_area_mm2_per_kib,
                      hw->reg_pj_per_byte,
                      hw->reg_leakage_uw_per_kib,
                      hw->reg_area_mm2_per_kib};
    return t;
}

f3_status chip_mapping_check(const chip_config *hw, const f3_config *cfg)
{
    if (!hw->n_tiles) return F3_OK;
    const size_t T = hw->n_tiles, K = cfg->n_layers;
    if (T > CHIP_MAX_TILES) return F3_FAIL(F3_EINVAL, "a chip has at most %d tiles, this mapping %zu", CHIP_MAX_TILES, T);
    if (hw->n_split && hw->n_blocks)
        return F3_FAIL(F3_EINVAL, "split puts parts of a layer on tiles by output rows; a block of a network of blocks "
                                  "is not split (one block or more per tile: layers_per_tile)");
    if (hw->n_split) {
        if (hw->n_split != K)
            return F3_FAIL(F3_EINVAL, "split has %zu entries, but the network has %zu layers (one entry per layer)",
                           hw->n_split, K);
        size_t sum = 0;
        for (size_t i = 0; i < K; i++) {
            const size_t k = hw->split[i];
            if (k < 1) return F3_FAIL(F3_EINVAL, "split gives layer %zu no tile (every layer needs at least one)", i + 1);
            if (k > cfg->widths[i + 1])
                return F3_FAIL(F3_EINVAL, "split puts layer %zu's %zu rows on %zu tiles (at most one tile per row)",
                               i + 1, cfg->widths[i + 1], k);
            if (k > 1 && i + 1 == K)
                return F3_FAIL(F3_EINVAL, "split cannot split the output layer (layer %zu): the loss needs all of y "
                                          "on one tile",
                               K);
            sum += k;
        }
        if (sum != T) return F3_FAIL(F3_EINVAL, "split puts the layers on %zu tiles, but the chip has %zu", sum, T);
    } else {
        if (hw->tile_first[0] != 0 || hw->tile_first[T] != K)
            return F3_FAIL(F3_EINVAL,
                           "the mapping puts %zu layers on its tiles, but the network has %zu (layers_per_tile must add "
                           "up to the number of layers, hidden and output)",
                           hw->tile_first[T] - hw->tile_first[0], K);
    }
    for (size_t t = 0; t < T; t++) {
        if (!hw->n_split && hw->tile_first[t + 1] <= hw->tile_first[t])
            return F3_FAIL(F3_EINVAL, "the mapping gives tile %zu no layer (every tile holds at least one)", t + 1);
        const chip_tile_hw *h = &hw->tiles[t];
        if (h->mac_lanes < 1 || !(h->sram_capacity_bytes > 0) || !(h->reg_capacity_bytes > 0) || h->sram_banks < 1)
            return F3_FAIL(F3_EINVAL, "tile %zu needs at least one lane, one SRAM bank and some SRAM and registers",
                           t + 1);
    }
    return F3_OK;
}
