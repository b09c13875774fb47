#!/usr/bin/env bash
# bench_explore.sh — the explore must-reach: 100 000 hardware points over 2
# numerics points (F3 and BP on MNIST 784-500-10, Adam, batch 50) finish in
# training time + at most 10 s.
#
#   analysis/bench/bench_explore.sh [F3SIM] [EPOCHS] [POINTS]
#
# F3SIM: the binary (build/f3sim); EPOCHS: training epochs (10, the default
# scenario's); POINTS: hardware points (100000).  Runs the explore twice in
# a temporary folder: the first trains both rules and evaluates every point,
# the second finds both trainings in the numerics cache and only evaluates.
# Prints wall times in seconds and the overhead beyond training.
set -euo pipefail
f3sim=$(realpath "${1:-build/f3sim}")
epochs=${2:-10}
points=${3:-100000}
src=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/bench.yaml" <<YAML
name: bench
network: {hidden: [500], activation: tanh}
dataset: {name: mnist, data_dir: "$src/data"}
training: {compare: [f3, bp], optimizer: adam, lr: 1e-3, epochs: $epochs, batch_size: 50, seed: 1}
hardware:
  links: {forward: {bytes_per_cycle: 16}, backward: {bytes_per_cycle: 16}}
explore:
  method: random
  samples: $points
  seed: 1
  space:
    hardware.tile.mac_lanes: {from: 1, to: 256, scale: log2}
    hardware.tile.sram.capacity_kib: {from: 64, to: 16384, scale: log2}
    hardware.tile.dataflow: [output_stationary, weight_stationary]
    hardware.dram.bytes_per_cycle: {from: 8, to: 64, step: 8}
    hardware.links.forward.bytes_per_cycle: [4, 8, 16, 32]
outputs: {folder: "$tmp/out"}
YAML
now() { date +%s.%N; }
cd "$tmp"
t0=$(now)
"$f3sim" explore bench.yaml --quiet > first.txt
t1=$(now)
"$f3sim" explore bench.yaml --quiet > second.txt
t2=$(now)
train=$(sed -n 's/.*training \([0-9.]*\) s.*/\1/p' first.txt)
eval1=$(sed -n 's/.*evaluation \([0-9.]*\) s.*/\1/p' first.txt)
eval2=$(sed -n 's/.*evaluation \([0-9.]*\) s.*/\1/p' second.txt)
python3 - "$t0" "$t1" "$t2" "$train" "$eval1" "$eval2" "$points" "$epochs" <<'PY'
import sys
t0, t1, t2, train, e1, e2, n, ep = map(float, sys.argv[1:])
first, second = t1 - t0, t2 - t1
print(f"bench_explore: {int(n)} hardware points x 2 numerics points (f3, bp; MNIST 784-500-10, {int(ep)} epochs)")
print(f"  first run (trains both rules):   {first:8.2f} s wall, training {train:.2f} s, evaluation {e1:.2f} s, "
      f"overhead beyond training {first - train:.2f} s")
print(f"  second run (numerics cached):    {second:8.2f} s wall, evaluation {e2:.2f} s "
      f"({2 * n / e2:.0f} points/s)")
print(f"  must reach: overhead <= 10 s: {'yes' if first - train <= 10 else 'NO'}")
PY
head -3 second.txt | sed 's/^/  /'
