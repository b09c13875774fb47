#!/usr/bin/env bash
# bench_explore.sh — the explore must-reaches: 100 000 hardware points over
# 2 numerics points (F3 and BP on MNIST 784-500-10, Adam, batch 50) finish
# in training time + at most 10 s, and a run whose trainings are cached
# reaches 10^5 evaluations per second end to end (issue 20: the whole
# process, explore.csv and pareto.csv written).
#
#   analysis/bench/bench_explore.sh [F3SIM] [EPOCHS] [POINTS] [THREADS]
#
# F3SIM: the binary (build/f3sim); EPOCHS: training epochs (10, the default
# scenario's); POINTS: hardware points (100000); THREADS: explore --threads
# (0, the default: one per core the process may use).  Runs the explore
# three times in a temporary folder: the first trains both rules and
# evaluates every point, the second finds both trainings in the numerics
# cache and only evaluates (outputs.explore_table full, the default: every
# row in explore.csv), the third is the second with explore_table front (no
# explore.csv).  Prints wall times in seconds, evaluations per second end to
# end (2 x POINTS over the run's wall time) and per CPU second of the
# process (user + system: what one core gives on a shared machine), the
# machine and its load.
set -euo pipefail
f3sim=$(realpath "${1:-build/f3sim}")
epochs=${2:-10}
points=${3:-100000}
threads=${4:-0}
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
TIMEFORMAT='%U %S' # bash's time: the run's CPU seconds, user and system
cd "$tmp"
t0=$(now)
"$f3sim" explore bench.yaml --quiet --threads "$threads" > first.txt
t1=$(now)
{ time "$f3sim" explore bench.yaml --quiet --threads "$threads" > second.txt; } 2> cpu2.txt
t2=$(now)
{ time "$f3sim" explore bench.yaml --quiet --threads "$threads" --set outputs.explore_table=front > third.txt; } 2> cpu3.txt
t3=$(now)
cpu2=$(awk '{print $1 + $2}' cpu2.txt)
cpu3=$(awk '{print $1 + $2}' cpu3.txt)
train=$(sed -n 's/.*training \([0-9.]*\) s.*/\1/p' first.txt)
eval1=$(sed -n 's/.*evaluation \([0-9.]*\) s.*/\1/p' first.txt)
eval2=$(sed -n 's/.*evaluation \([0-9.]*\) s.*/\1/p' second.txt)
eval3=$(sed -n 's/.*evaluation \([0-9.]*\) s.*/\1/p' third.txt)
used=$(sed -n 's/.* on \([0-9]*\) threads\{0,1\} .*/\1/p' second.txt)
rows=$(($(wc -l < out/bench/pareto.csv) - 1))
python3 - "$t0" "$t1" "$t2" "$t3" "$train" "$eval1" "$eval2" "$eval3" "$points" "$epochs" "$used" "$rows" "$cpu2" "$cpu3" <<'PY'
import sys
t0, t1, t2, t3, train, e1, e2, e3, n, ep, used, rows, c2, c3 = map(float, sys.argv[1:])
first, second, third = t1 - t0, t2 - t1, t3 - t2
ev = 2 * n
print(f"bench_explore: {int(n)} hardware points x 2 numerics points (f3, bp; MNIST 784-500-10, {int(ep)} epochs), "
      f"{int(used)} evaluation thread{'s' if used != 1 else ''}")
print(f"  first run (trains both rules):   {first:8.2f} s wall, training {train:.2f} s, evaluation {e1:.2f} s, "
      f"overhead beyond training {first - train:.2f} s")
print(f"  second run (numerics cached):    {second:8.2f} s wall, {c2:.2f} s CPU, evaluation {e2:.2f} s; "
      f"end to end {ev / second:.0f} evaluations/s, {ev / c2:.0f} per CPU second "
      f"(explore.csv of {int(ev)} rows, pareto.csv of {int(rows)} rows)")
print(f"  third run (cached, table front): {third:8.2f} s wall, {c3:.2f} s CPU, evaluation {e3:.2f} s; "
      f"end to end {ev / third:.0f} evaluations/s, {ev / c3:.0f} per CPU second (no explore.csv)")
print(f"  must reach: overhead <= 10 s: {'yes' if first - train <= 10 else 'NO'}")
print(f"  must reach: >= 1e5 evaluations/s end to end: {'yes' if ev / second >= 1e5 else 'NO'} "
      f"({ev / second:.0f} evaluations/s, the second run)")
PY
head -3 second.txt | sed 's/^/  /'
model=$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1)
echo "  machine: ${model:-unknown}, $(nproc) cores; load average before the runs' end: $(cut -d' ' -f1-3 /proc/loadavg)"
