#!/usr/bin/env bash
# F3 against BP on the authors' ViT on the chip (issue 19; docs/hardware-model.md,
# "F3 against BP on the authors' ViT"): scenarios/paper/vit-mnist-chip.yaml (one
# tile per block) at batch 1 and batch 100 (Adam, the authors' recipe) under
# output_stationary and weight_stationary, on the analytic engine, for a short
# run: the chip's figures per sample depend on shapes, formats and the schedule,
# never on the values trained, so SAMPLES training samples and one epoch give
# them (enough batches that the six-tile pipeline's fill and drain are a few
# percent).  Each configuration runs on the scenario's chip (SRAM for what every
# rule keeps at batch 1; beyond it DRAM); where a rule needs more SRAM than that
# chip has, it runs again on a chip of its own whose every tile's SRAM holds its
# need, in whole 16 KiB macros (the training is reused: a hardware-only change).
# Prints a markdown table on stdout.
#
# usage: analysis/vit_verdict.sh [SAMPLES]      (10000)
#   environment: F3SIM (default: <repo>/build/f3sim), F3SIM_DATA_DIR (default: <repo>/data)
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
f3sim=${F3SIM:-$repo/build/f3sim}
data=${F3SIM_DATA_DIR:-$repo/data}
n=${1:-10000}
scen=$repo/scenarios/paper/vit-mnist-chip.yaml
[ -x "$f3sim" ] || { echo "vit_verdict.sh: no f3sim binary at $f3sim (bash scripts/setup.sh builds it)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

run() {  # NAME BATCH DATAFLOW RULES [--set KEY=VALUE ...]
  local sets=(--set "name=$1" --set "outputs.folder=$tmp/out" --set "outputs.formats=[json]"
              --set "dataset.data_dir=$data" --set "dataset.train_limit=$n" --set "dataset.test_limit=100"
              --set "training.epochs=1" --set "training.compare=$4" --set "training.batch_size=$2"
              --set "hardware.tile.dataflow=$3")
  "$f3sim" run "$scen" --quiet --engine analytic "${sets[@]}" "${@:5}" > "$tmp/$1.log" 2>&1 ||
    { echo "vit_verdict.sh: $1 failed:" >&2; tail -5 "$tmp/$1.log" >&2; exit 1; }
}

row() {  # NAME RULE BATCH DATAFLOW CHIP
  python3 - "$tmp/out/$1/$2/run.json" "$2" "$3" "$4" "$5" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
h, rule, batch, df, chip = d["hardware"], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
n = h["samples"]
e = h["energy_pj"]
mib = lambda b: f"{b / 2**20:.2f}"
print(f"| {'F³' if rule == 'f3' else 'BP'} | {batch} | {df} | {chip} | {h['energy_per_sample_pj'] / 1e6:,.1f} | "
      f"{(e['dram']) / n / 1e6:,.1f} | {h['cycles_per_sample']:,.0f} | {h['samples_per_second']:,.0f} | "
      f"{' / '.join(mib(b) for b in h['peak_sram_bytes_per_tile'])} | "
      f"{(h['dram_bytes']['read'] + h['dram_bytes']['written']) / n / 1e3:,.0f} | "
      f"{' / '.join(mib(b) for b in h['stash_bytes_per_tile'])} | {h['area_mm2']:,.1f} |")
PY
}

# the SRAM a rule needs on every tile, in whole 16 KiB macros, if it is more than the
# scenario's chip has on some tile; else nothing
own_sram() {  # NAME RULE
  python3 - "$tmp/out/$1/$2/run.json" <<'PY'
import json, math, sys
h = json.load(open(sys.argv[1]))["hardware"]
need = [math.ceil(b / 16384) * 16 for b in h["peak_sram_bytes_per_tile"]]
have = h["mapping"]["sram_capacity_kib"]
if any(x > y for x, y in zip(need, have)):
    print("[" + ", ".join(str(max(x, y)) for x, y in zip(need, have)) + "]")
PY
}

echo "| rule | batch | dataflow | chip | energy [µJ/sample] | of which DRAM [µJ/sample] | cycles/sample | samples/s | peak SRAM per tile [MiB] | DRAM [KB/sample] | stash per tile [MiB] | area [mm²] |"
echo "|---|---:|---|---|---:|---:|---:|---:|---|---:|---|---:|"
for batch in 1 100; do
  for df in output_stationary weight_stationary; do
    name="b$batch-$df"
    run "$name" "$batch" "$df" "[f3, bp]"
    for rule in f3 bp; do
      row "$name" "$rule" "$batch" "$df" "the scenario's"
    done
    for rule in f3 bp; do
      sram=$(own_sram "$name" "$rule")
      [ -n "$sram" ] || continue
      run "$name-$rule-own" "$batch" "$df" "[$rule]" --set "hardware.tiles.sram_capacity_kib=$sram"
      row "$name-$rule-own" "$rule" "$batch" "$df" "its own: SRAM $sram KiB"
    done
  done
done
# BP's best under weight_stationary: micro-batches of 10 (GPipe), so that the tiles work on
# different micro-batches at once, on a chip of its own
run mb 100 weight_stationary "[bp]" --set hardware.pipeline.micro_batch=10
sram=$(own_sram mb bp)
if [ -n "$sram" ]; then
  run mb-own 100 weight_stationary "[bp]" --set hardware.pipeline.micro_batch=10 --set "hardware.tiles.sram_capacity_kib=$sram"
  row mb-own bp 100 "weight_stationary, micro-batches of 10" "its own: SRAM $sram KiB"
else
  row mb bp 100 "weight_stationary, micro-batches of 10" "the scenario's"
fi
