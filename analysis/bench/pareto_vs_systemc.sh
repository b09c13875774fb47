#!/usr/bin/env bash
# pareto_vs_systemc.sh — the explore's Pareto front against brute force on
# the reference: a 50-point hardware grid (lanes 2–32 × SRAM 1–256 KiB ×
# output_stationary/weight_stationary) for F3 and BP on a slice of MNIST
# (784-64-10, 2000 samples, 2 epochs), once with f3sim explore (analytic
# evaluator, one training per rule) and once as a sweep of the same 50
# points, every point trained on the SystemC chip (--engine systemc). Prints
# both fronts' sizes and whether they are the same points, and the largest
# difference of the figures (within print precision).
#
#   analysis/bench/pareto_vs_systemc.sh [F3SIM] [JOBS]
set -euo pipefail
f3sim=$(realpath "${1:-build/f3sim}")
jobs=${2:-2}
src=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
common="name: pv
network: {hidden: [64]}
dataset: {name: mnist, data_dir: \"$src/data\", train_limit: 2000, test_limit: 500}
training: {compare: [f3, bp], epochs: 2, batch_size: 20, seed: 1, threads: 1}
hardware: {links: {backward: {bytes_per_cycle: 16}}}"
cat > explore.yaml <<Y
$common
outputs: {folder: ex}
explore:
  space:
    hardware.tile.mac_lanes: [2, 4, 8, 16, 32]
    hardware.tile.sram.capacity_kib: [1, 4, 16, 64, 256]
    hardware.tile.dataflow: [output_stationary, weight_stationary]
Y
cat > sweep.yaml <<Y
$common
outputs: {folder: sc}
sweep:
  hardware.tile.mac_lanes: [2, 4, 8, 16, 32]
  hardware.tile.sram.capacity_kib: [1, 4, 16, 64, 256]
  hardware.tile.dataflow: [output_stationary, weight_stationary]
Y
"$f3sim" explore explore.yaml --quiet > explore.out
"$f3sim" run sweep.yaml --engine systemc --jobs "$jobs" --quiet > /dev/null
python3 - <<'PY'
import csv
E = list(csv.DictReader(open('ex/pv/explore.csv')))
P = {(r['rule'], r['hardware.tile.mac_lanes'], r['hardware.tile.sram.capacity_kib'], r['hardware.tile.dataflow'])
     for r in csv.DictReader(open('ex/pv/pareto.csv'))}
S = list(csv.DictReader(open('sc/pv/sweep.csv')))
def key(r, rule): return (rule, r['hardware.tile.mac_lanes'], r['hardware.tile.sram.capacity_kib'], r['hardware.tile.dataflow'])
sysc = {}
for r in S:
    sysc[key(r, r['algorithm'])] = (-float(r['final_test_accuracy_percent']), float(r['chip_per_sample_energy_nj']),
                                    -float(r['chip_samples_per_second']), float(r['chip_area_mm2']))
ana = {key(r, r['rule']): (-float(r['test_accuracy_pct']), float(r['energy_per_sample_nJ']),
                           -float(r['samples_per_second']), float(r['area_mm2'])) for r in E}
assert ana.keys() == sysc.keys(), 'different points'
worst = max(abs(a - b) / max(1e-12, abs(b)) for k in ana for a, b in zip(ana[k], sysc[k]))
def dom(a, b): return all(x <= y for x, y in zip(a, b)) and any(x < y for x, y in zip(a, b))
front = {k for k in sysc if not any(dom(sysc[q], sysc[k]) for q in sysc if q[0] == k[0])}
print(f'pareto_vs_systemc: {len(ana)} points (50 hardware x f3, bp); largest relative difference of a figure '
      f'(explore vs SystemC, as printed): {worst:.2e}')
print(f'  explore front: {len(P)} points; brute-force front over the SystemC runs: {len(front)} points; '
      f'identical: {"yes" if P == front else "NO: " + str(sorted(P ^ front))}')
PY
