#!/usr/bin/env bash
# What issue 18's knobs do to the default chip (scenarios/default.yaml:
# MNIST 784-500-10, Adam, batch 50, output_stationary, 8 MiB of SRAM and
# 128 KiB of flip-flop registers per tile, 16 lanes): F3 and BP per training
# sample, one knob after another, on a slice of MNIST (the chip's per-sample
# figures are those of its steady state).  Prints a markdown table for
# docs/hardware-model.md ("What the technology knobs do").
#   analysis/technology_table.sh [SAMPLES]        (5000)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
f3sim=$root/build/f3sim
n=${1:-5000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
[ -x "$f3sim" ] || { echo "technology_table.sh: no f3sim at $f3sim (bash scripts/setup.sh builds it)" >&2; exit 1; }
rows=(
  "default chip|"
  "64 KiB macros|--set hardware.tile.sram.macro_kib=64"
  "+ lstp devices (333 MHz: what lstp logic makes)|--set hardware.tile.sram.macro_kib=64 --set hardware.technology.cells=lstp --set hardware.clock_mhz=333"
  "+ lop cells instead|--set hardware.tile.sram.macro_kib=64 --set hardware.technology.cells=lop"
  "lstp, 64 KiB, 8 KiB flip-flop registers|--set hardware.tile.sram.macro_kib=64 --set hardware.technology.cells=lstp --set hardware.tile.registers.capacity_kib=8"
  "same, SRAM sized to the layers [6400, 128] KiB|--set hardware.tile.sram.macro_kib=64 --set hardware.technology.cells=lstp --set hardware.tile.registers.capacity_kib=8 --set hardware.mapping.layers_per_tile=[1,1] --set hardware.tiles.sram_capacity_kib=[6400,128]"
  "same at 28 nm, 0.9 V|--set hardware.tile.sram.macro_kib=64 --set hardware.technology.cells=lstp --set hardware.tile.registers.capacity_kib=8 --set hardware.mapping.layers_per_tile=[1,1] --set hardware.tiles.sram_capacity_kib=[6400,128] --set hardware.technology.node_nm=28"
)
echo "| chip ($n MNIST samples, one epoch) | F³ energy [µJ/sample] | F³ leakage [%] | BP energy [µJ/sample] | BP leakage [%] | area [mm²] | F³ samples/s |"
echo "|---|---:|---:|---:|---:|---:|---:|"
k=0
for row in "${rows[@]}"; do
  label=${row%%|*} sets=${row#*|}
  k=$((k + 1))
  # shellcheck disable=SC2086
  "$f3sim" run "$root/scenarios/default.yaml" --quiet --engine analytic --set name="t$k" \
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
print(f"| {label} | {f[0]:.2f} | {f[1]:.1f} | {b[0]:.2f} | {b[1]:.1f} | {f[2]:.2f} | {f[3]:.0f} |")
PY
done
