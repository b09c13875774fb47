#!/usr/bin/env bash
# The verdict at an equal budget (issue 17, "Must reach"): F3 against BP on
# MNIST 784-500-10 and 784-500x4-10, at batch 1 (SGD) and batch 50 (Adam),
# at three area budgets, each rule on its own best chip (f3sim compare, the
# analytic evaluator; nothing is trained).  Prints a markdown table on stdout
# for docs/hardware-model.md, "Comparison at an equal budget".
#
# The budgets, per network and recipe:
#   small  = the smallest chip searched that holds the network's weights on
#            chip, for both rules (the larger of F3's and BP's smallest such
#            area, rounded up to two significant digits): below it every
#            chip re-reads W from DRAM and the DRAM decides the verdict;
#   medium = 2 x small: room for more lanes or for the optimiser state;
#   large  = 5 x small: enough that lanes, not SRAM, are what a rule buys.
#
# usage: analysis/verdict_table.sh [F3SIM]   (default: build/f3sim)
#   environment: F3SIM_DATA_DIR (default: <repo>/data), EPOCHS (default 10)
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
f3sim=${1:-$repo/build/f3sim}
data=${F3SIM_DATA_DIR:-$repo/data}
epochs=${EPOCHS:-10}
[ -x "$f3sim" ] || { echo "verdict_table.sh: no f3sim binary at $f3sim (bash scripts/setup.sh builds it)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

scenario() {  # name hidden batch optimizer
  cat <<Y
name: $1
network: {hidden: $2, activation: tanh}
dataset: {name: mnist, data_dir: "$data"}
training: {compare: [f3, bp], error_info: delayed_error_one_hot, feedback_init: trinomial,
           optimizer: $4, lr: 1e-3, epochs: $epochs, batch_size: $3}
hardware:
  tile: {mac_lanes: 16, sram: {capacity_kib: 8192}}
  links: {forward: {bytes_per_cycle: 16}, backward: {bytes_per_cycle: 16}}
outputs: {folder: "$tmp/out"}
Y
}

echo "| network | recipe | area budget [mm²] | F³ energy [nJ/sample] | BP energy [nJ/sample] | F³/BP energy | F³ throughput [samples/s] | BP throughput [samples/s] | F³/BP throughput | F³ chip, energy / throughput | BP chip, energy / throughput | BP stall share (throughput chip) [%] | passes over W per sample, F³ / BP (energy chip) |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---|---|---:|---:|"
for net in "784-500-10:[500]" "784-500x4-10:[500, 500, 500, 500]"; do
  label=${net%%:*} hidden=${net#*:}
  for recipe in "1:sgd" "50:adam"; do
    batch=${recipe%%:*} opt=${recipe#*:}
    name="v-${label}-b${batch}"
    scenario "$name" "$hidden" "$batch" "$opt" > "$tmp/$name.yaml"
    # the smallest chips, from a search without a budget that binds
    "$f3sim" compare "$tmp/$name.yaml" --budget area_mm2=1e9 --quiet > /dev/null
    small=$(python3 - "$tmp/out/$name/compare_budget.json" <<'PY'
import json, math, sys
d = json.load(open(sys.argv[1]))
a = max(r["min_area_weights_on_chip_mm2"] for r in d["rules"])
e = math.floor(math.log10(a)) - 1
print(f"{math.ceil(a / 10 ** e) * 10 ** e:.6g}")
PY
)
    budgets=$(python3 -c "s = $small; print(','.join(f'{x:.6g}' for x in (s, 2 * s, 5 * s)))")
    "$f3sim" compare "$tmp/$name.yaml" --budget "area_mm2=$budgets" --quiet > "$tmp/$name.out"
    python3 - "$tmp/out/$name/compare_budget.json" "$label" "batch $batch, $opt" <<'PY'
import json, sys
d, net, recipe = json.load(open(sys.argv[1])), sys.argv[2].replace("x4", "×4"), sys.argv[3]
size = ["small", "medium", "large"]
def chip(b):
    mb = f"/mb{b['micro_batch_samples']}" if b.get('micro_batch_samples') else ''
    mapping = f"split {b['split']}" if b.get('split') else f"{b['layers_per_tile']}"
    return f"{mapping} {b['dataflow'].replace('_stationary', '-st.')}{mb} {b['tiles_mac_lanes']} lanes"
for i, b in enumerate(d["budgets"]):
    f, p = b["best"]["f3"], b["best"]["bp"]
    fe, pe = f["energy_per_sample"], p["energy_per_sample"]
    fs, ps = f["samples_per_second"], p["samples_per_second"]
    print(f"| {net} | {recipe} | {size[i]}: {b['value']:g} | {fe['energy_per_sample_nJ']:.4g} | "
          f"{pe['energy_per_sample_nJ']:.4g} | {b['f3_over_bp']['energy_per_sample']:.3f} | "
          f"{fs['samples_per_second']:.4g} | {ps['samples_per_second']:.4g} | {b['f3_over_bp']['samples_per_second']:.3f} | "
          f"{chip(fe)} / {chip(fs)} | {chip(pe)} / {chip(ps)} | {ps['stall_share_pct']:.1f} | "
          f"{fe['w_passes_per_sample']:.3g} / {pe['w_passes_per_sample']:.3g} |")
PY
  done
done
