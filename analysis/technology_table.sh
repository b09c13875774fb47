#!/usr/bin/env bash
# From the chip that was the default until issue 18 (MNIST 784-500-10, Adam,
# batch 50, output_stationary, 8 MiB of monolithic SRAM and 128 KiB of
# flip-flop registers per tile, 16 lanes, the capacity table's figures, 1 GHz)
# to today's default (scenarios/default.yaml), one knob after another: F3 and
# BP per training sample on a slice of MNIST (the chip's per-sample figures
# are those of its steady state).  Prints a markdown table for
# docs/hardware-model.md ("The default chip").
#   analysis/technology_table.sh [SAMPLES]        (5000)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
f3sim=$root/build/f3sim
n=${1:-5000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
[ -x "$f3sim" ] || { echo "technology_table.sh: no f3sim at $f3sim (bash scripts/setup.sh builds it)" >&2; exit 1; }
# the former default's hardware section in place of today's
awk '/^[^ #]/ { skip = ($0 ~ /^hardware:/) } !skip' "$root/scenarios/default.yaml" > "$tmp/old.yaml"
cat >> "$tmp/old.yaml" <<Y
hardware:
  clock_mhz: 1000
  tile: {mac_lanes: 16, sram: {capacity_kib: 8192}}
  links: {forward: {bytes_per_cycle: 16}, backward: {bytes_per_cycle: 16}}
Y
ws="--set hardware.tile.dataflow=weight_stationary --set hardware.tile.registers.kind=sram"
tiles="--set hardware.mapping.layers_per_tile=[1,1] --set hardware.tiles.mac_lanes=[32,2] --set hardware.tiles.registers_capacity_kib=[196,40] --set hardware.tiles.sram_capacity_kib=[5056,256]"
rows=(
  "the former default chip (until issue 18)|old|"
  "16 KiB SRAM macros|old|--set hardware.tile.sram.macro_kib=16"
  "+ lstp devices, 333 MHz (what lstp logic makes)|old|--set hardware.tile.sram.macro_kib=16 --set hardware.technology.cells=lstp --set hardware.clock_mhz=333"
  "+ weight_stationary, SRAM register file (a bank per lane)|old|--set hardware.tile.sram.macro_kib=16 --set hardware.technology.cells=lstp --set hardware.clock_mhz=333 $ws --set hardware.tile.registers.capacity_kib=196 --set hardware.tile.mac_lanes=32"
  "+ the samples innermost (ws_loop: samples)|old|--set hardware.tile.sram.macro_kib=16 --set hardware.technology.cells=lstp --set hardware.clock_mhz=333 $ws --set hardware.tile.registers.capacity_kib=196 --set hardware.tile.mac_lanes=32 --set hardware.tile.ws_loop=samples"
  "+ tiles sized to their layers = **the default chip**|new|"
  "the default chip at 28 nm, 0.9 V|new|--set hardware.technology.node_nm=28"
)
echo "| chip ($n MNIST samples, one epoch) | F³ energy [µJ/sample] | F³ leakage [%] | BP energy [µJ/sample] | BP leakage [%] | area [mm²] | F³ samples/s | BP samples/s |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|"
k=0
for row in "${rows[@]}"; do
  label=${row%%|*} rest=${row#*|}
  base=${rest%%|*} sets=${rest#*|}
  [ "$base" = old ] && scen=$tmp/old.yaml || scen=$root/scenarios/default.yaml
  k=$((k + 1))
  # shellcheck disable=SC2086
  "$f3sim" run "$scen" --quiet --engine analytic --set name="t$k" \
      --set outputs.folder="$tmp/out" --set training.epochs=1 --set dataset.train_limit="$n" $sets > "$tmp/t$k.log" 2>&1 \
    || { echo "technology_table.sh: run '$label' failed:" >&2; tail -5 "$tmp/t$k.log" >&2; exit 1; }
  python3 - "$tmp/out/t$k" "$label" <<'PY'
import json, sys
d, label = sys.argv[1], sys.argv[2]
out = []
for rule in ("f3", "bp"):
    h = json.load(open(f"{d}/{rule}/run.json"))["hardware"]
    e = h["energy_pj"]; tot = sum(e.values())
    out.append((tot / h["samples"] / 1e6, 100 * e["leakage"] / tot, h["area_mm2"], h["samples_per_second"]))
f, b = out
print(f"| {label} | {f[0]:.2f} | {f[1]:.1f} | {b[0]:.2f} | {b[1]:.1f} | {f[2]:.2f} | {f[3]:.0f} | {b[3]:.0f} |")
PY
done
