#!/usr/bin/env bash
# The chip model's cost: one MNIST 784-500-10 epoch trained plainly and on
# the default chip under each dataflow; prints the wall time of each epoch
# (training, train_seconds of run.json) and the chip/plain ratio (the
# target: at most 1.15).  output_stationary and weight_stationary run F3
# and BP at batch 50 with Adam; fused runs F3 at batch 1 with SGD (the only
# setting it accepts), against a plain run of the same.  One BLAS thread
# (training.threads 1): on this 2-core machine two OpenBLAS threads spin in
# sched_yield whenever the other core is busy, and both runs vary 1-4x.
#   analysis/bench/bench_chip.sh [REPEATS]          (3)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
f3sim=$root/build/f3sim
repeats=${1:-3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
common="network: {hidden: [500]}
dataset: {name: mnist, data_dir: $root/data}
outputs: {folder: $tmp/out, formats: [json]}"
batched="training: {compare: [f3, bp], epochs: 1, batch_size: 50, optimizer: adam, lr: 1e-3, feedback_init: trinomial, threads: 1}"
single="training: {compare: [f3], epochs: 1, batch_size: 1, optimizer: sgd, lr: 1e-2, feedback_init: trinomial, threads: 1}"
printf 'name: plain50\n%s\n%s\n' "$common" "$batched" > "$tmp/plain50.yaml"
printf 'name: plain1\n%s\n%s\n' "$common" "$single" > "$tmp/plain1.yaml"
for df in output_stationary weight_stationary; do
  printf 'name: %s\n%s\n%s\nhardware:\n  tile: {dataflow: %s}\n  links:\n    backward: {}\n' "$df" "$common" "$batched" "$df" > "$tmp/$df.yaml"
done
printf 'name: fused\n%s\n%s\nhardware:\n  tile: {dataflow: fused}\n' "$common" "$single" > "$tmp/fused.yaml"
for i in $(seq "$repeats"); do
  for kind in plain50 output_stationary weight_stationary plain1 fused; do
    rm -rf "$tmp/out/$kind"
    "$f3sim" run "$tmp/$kind.yaml" --quiet >/dev/null 2>&1
    for a in f3 bp; do
      [[ -f "$tmp/out/$kind/$a/run.json" ]] || continue
      python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['train_seconds'])" \
        "$tmp/out/$kind/$a/run.json" > "$tmp/epoch-$kind-$a-$i"
    done
  done
done
python3 - "$tmp" "$repeats" <<'PY'
import statistics, sys
tmp, n = sys.argv[1], int(sys.argv[2])
val = lambda name: statistics.median(float(open(f"{tmp}/{name}-{i}").read()) for i in range(1, n + 1))
print(f"MNIST 784-500-10, one epoch of training (train_seconds of run.json), median of {n}:")
for df, plain, rules in (("output_stationary", "plain50", ("f3", "bp")), ("weight_stationary", "plain50", ("f3", "bp")),
                         ("fused", "plain1", ("f3",))):
    for a in rules:
        p, c = val(f"epoch-{plain}-{a}"), val(f"epoch-{df}-{a}")
        print(f"  {df:18s} {a}: plain {p:.3f} s, chip {c:.3f} s, chip/plain {c / p:.3f} (target <= 1.15)")
PY
