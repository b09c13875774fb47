#!/usr/bin/env bash
# Yosys synthesis of f3_tile to generic cells (no liberty file) for
# P ∈ {4, 16, 64} lanes and 8- and 16-bit formats; writes area.csv beside
# this script: per configuration the generic cells, the flip-flops, the
# memory bits (weight banks, feedback ROM, activation table and the per-row
# buffers that Yosys keeps as memories) and the synthesis time [s].
# Memories stay Yosys $mem cells (an SRAM macro's bits, not flip-flops);
# the rest is mapped to generic gates (techmap, abc -fast).
#
# The flow, in two Yosys runs per configuration:
#   1. word level, flat: synth -flatten -noshare -run :fine; opt -fast -full
#   2. lanes.py partition marks each word-level cell with the lane it serves
#      alone (else it is shared: control, streams, the adder tree, the shared
#      memories); submod moves each lane's cells into a module of their own,
#      and each part (the P lanes and the shared rest) is mapped on its own:
#      techmap; opt -fast; abc -fast; opt_clean.  One part's gates are in
#      memory at a time: 1.2 GB at most (P = 64, 16 bits), where mapping
#      the whole flat tile at once needs more than 24 GB (16 lanes at 16 bits
#      already peak at 9.5 GB, most of it ABC's).  The parts are not optimised
#      across their borders: the counts are 2.0-3.2 % above the whole-tile
#      mapping's (P = 4 and 16).
# usage: rtl_ref/synth/synth.sh [OUT.csv [CONFIGS]]   (needs yosys and python3)
#   CONFIGS: "P:bits" items, default "4:8 4:16 16:8 16:16 64:8 64:16"; each
#   row is appended as soon as its synthesis is done
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
rtl="$here/../tile"
out="${1:-$here/area.csv}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# name: the Verilog parameters of the formats (q4.12 activations, q2.14
# weights, errors and gradients; or q4.4 activations, q2.6 weights, errors
# and gradients)
declare -A fmt=(
  [16]="-set AW 16 -set AF 12 -set WW 16 -set WF 14 -set EW 16 -set EF 14 -set GW 16 -set GF 14"
  [8]="-set AW 8 -set AF 4 -set WW 8 -set WF 6 -set EW 8 -set EF 6 -set GW 8 -set GF 6"
)
configs="${2:-4:8 4:16 16:8 16:16 64:8 64:16}"
echo "lanes,bits,ni_max,no_max,c_max,cells,flip_flops,memory_bits,memories,synth_seconds" > "$out"
for cfg in $configs; do
    P=${cfg%%:*} bits=${cfg##*:}
    d="$work/${P}_${bits}"
    mkdir -p "$d"
    t0=$(date +%s.%N)
    yosys -q -l "$d/log_coarse.txt" -p "
      read_verilog $rtl/f3_round.v $rtl/f3_tile.v
      chparam -set P $P -set LANES_RT 0 -set NI_MAX 256 -set NO_MAX 64 -set C_MAX 16 -set BP 1 ${fmt[$bits]} f3_tile
      synth -top f3_tile -flatten -noshare -run :fine
      opt -fast -full
      write_rtlil $d/coarse.il
      write_json $d/coarse.json" >/dev/null
    python3 "$here/lanes.py" partition "$d/coarse.json" "$d/coarse.il" "$d/parts.il"
    map="techmap; opt -fast; abc -fast; opt_clean"
    {
        echo "read_rtlil $d/parts.il"
        echo "submod"
        echo "design -save split"
        # the shared part: the lanes' instances stay (keep), their modules go
        echo "setattr -set keep 1 t:f3_tile_lane*"
        echo "delete f3_tile_lane*"
        echo "$map"
        echo "write_json $d/net_shared.json"
        for ((l = 0; l < P; l++)); do
            echo "design -load split"
            echo "delete f3_tile f3_tile_lane* f3_tile_lane$l %d"
            echo "$map"
            echo "write_json $d/net_lane$l.json"
        done
    } > "$d/map.ys"
    yosys -q -l "$d/log_map.txt" -s "$d/map.ys" >/dev/null
    t1=$(date +%s.%N)
    python3 "$here/lanes.py" count "$P" "$bits" "$t0" "$t1" "$d"/net_*.json >> "$out"
    rm -rf "$d"
    tail -1 "$out" >&2
done
echo "wrote $out" >&2
