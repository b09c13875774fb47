#!/usr/bin/env bash
# The dataflow table of docs/hardware-model.md: F3 against BP on the default
# chip, per dataflow and batch, for MNIST 784-500-10 and 784-1024x4-10
# with the default scenario's chip (8 MiB of SRAM per tile; a slice of MNIST: the chip's per-sample figures are those of its steady
# state).  Batch 1 trains with SGD (the only setting fused accepts), batch 50
# with Adam, under weight_stationary also in micro-batches of 5 (GPipe).  Prints a markdown table.
#   analysis/chip_dataflow_table.sh [SAMPLES]        (1000)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
f3sim=$root/build/f3sim
n=${1:-1000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for net in "500" "1024, 1024, 1024, 1024"; do
  for batch in 1 50; do
    for df in output_stationary weight_stationary weight_stationary/5 fused; do
      # weight_stationary/5: micro-batches of 5 samples (GPipe; batch 50 only)
      mb=0
      if [[ $df == */* ]]; then
        [[ $batch == 50 ]] || continue
        mb=${df#*/}; df=${df%/*}
      fi
      rules="[f3, bp]"; opt="optimizer: adam, lr: 1e-3"
      [[ $batch == 1 ]] && opt="optimizer: sgd, lr: 1e-2"
      if [[ $df == fused ]]; then
        [[ $batch == 1 ]] || continue
        rules="[f3, bp]"   # bp: its update folded into its backprop pass
      fi
      name="n${net//[ ,]/}-b$batch-$df-mb$mb"
      cat > "$tmp/$name.yaml" <<Y
name: $name
network: {hidden: [$net]}
dataset: {name: mnist, data_dir: $root/data, train_limit: $n, test_limit: 100}
training: {compare: $rules, epochs: 1, batch_size: $batch, $opt, feedback_init: trinomial}
hardware:
  tile: {dataflow: $df, sram: {capacity_kib: 8192}}
  pipeline: {micro_batch: $mb}
  links: {backward: {}}
outputs: {folder: $tmp/out, formats: [json]}
Y
      "$f3sim" run "$tmp/$name.yaml" --quiet >/dev/null
      python3 - "$tmp/out/$name/compare.csv" "$net" "$batch" "$mb" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
net = "784-" + "x".join(sys.argv[2].replace(" ", "").split(",")[:1]) + ("x4" if "," in sys.argv[2] else "") + "-10"
df_note = f" (micro-batches of {sys.argv[4]})" if sys.argv[4] != "0" else ""
for r in rows:
    e = lambda k: float(r[f"chip_per_sample_energy_{k}_nj"])
    print(f"| {net} | {sys.argv[3]} | {r['chip_dataflow']}{df_note} | {r['algorithm']} | {float(r['chip_samples_per_second']):,.0f} | "
          f"{float(r['chip_per_sample_energy_nj']):,.0f} | {e('compute'):,.0f} / {e('registers'):,.0f} / {e('sram'):,.0f} / "
          f"{e('rom'):,.1f} / {e('dram'):,.0f} / {e('links'):,.1f} / {e('error_store'):,.1f} / {e('leakage'):,.0f} | "
          f"{float(r['chip_per_sample_sram_bytes'])/1e3:,.0f} | {float(r['chip_peak_sram_bytes_per_tile'])/1024:,.0f} | "
          f"{float(r['chip_per_sample_dram_bytes'])/1e3:,.0f} | {float(r['chip_area_mm2']):.1f} |")
PY
    done
  done
done
