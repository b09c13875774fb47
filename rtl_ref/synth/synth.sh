#!/usr/bin/env bash
# Yosys synthesis of f3_tile to generic cells (no liberty file) for
# P ∈ {4, 16, 64} lanes and 8- and 16-bit formats; writes area.csv beside
# this script: per configuration the generic cells, the flip-flops, the
# memory bits (weight banks, feedback ROM, activation table and the per-row
# buffers that Yosys keeps as memories) and the synthesis time [s].
# Memories stay Yosys $mem cells (an SRAM macro's bits, not flip-flops);
# the rest is mapped to generic gates (techmap, abc -fast).
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
    t0=$(date +%s.%N)
    yosys -q -l "$work/log_${P}_${bits}.txt" -p "
      read_verilog $rtl/f3_round.v $rtl/f3_tile.v
      chparam -set P $P -set LANES_RT 0 -set NI_MAX 256 -set NO_MAX 64 -set C_MAX 16 -set BP 1 ${fmt[$bits]} f3_tile
      synth -top f3_tile -flatten -noshare -run :fine
      opt -fast -full
      techmap
      opt -fast
      abc -fast
      opt_clean
      tee -o $work/stat_${P}_${bits}.txt stat
      write_json $work/net_${P}_${bits}.json" >/dev/null
    t1=$(date +%s.%N)
    python3 - "$work/net_${P}_${bits}.json" "$P" "$bits" "$t0" "$t1" >> "$out" <<'PY'
import json, sys
net = json.load(open(sys.argv[1]))
P, bits, t0, t1 = sys.argv[2], sys.argv[3], float(sys.argv[4]), float(sys.argv[5])
mod = net["modules"]["f3_tile"]
cells = ffs = mem_bits = mems = 0
for c in mod["cells"].values():
    t = c["type"]
    p = c.get("parameters", {})
    if t.startswith("$mem"):
        mems += 1
        mem_bits += int(p["WIDTH"], 2) * int(p["SIZE"], 2)
        continue
    cells += 1
    if "DFF" in t.upper() or "DLATCH" in t.upper():
        ffs += 1  # one-bit generic flip-flops ($_DFF_P_, $_SDFFE_PP0P_, ...)
print(f"{P},{bits},256,64,16,{cells},{ffs},{mem_bits},{mems},{t1 - t0:.0f}")
PY
    tail -1 "$out" >&2
done
echo "wrote $out" >&2
