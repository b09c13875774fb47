#!/usr/bin/env bash
# The cost of number formats: one MNIST 784-500-10 epoch of F3-Error
# (one-hot, Adam, batch 50) in fp32 and in the issue's low-precision recipe
# (int8 error store q1.7, ternary B, 16-bit fixed-point weights q2.14 with
# stochastic rounding, 8-bit fixed-point activations q4.4 on the links);
# prints each epoch's training seconds (from run.json) and the ratio (the
# target: at most 3).
#   analysis/bench/bench_numerics.sh [REPEATS]          (3)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
f3sim=$root/build/f3sim
repeats=${1:-3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
base="network: {hidden: [500]}
dataset: {name: mnist, data_dir: $root/data}
training: {compare: [f3], epochs: 1, batch_size: 50, optimizer: adam, lr: 1e-3, feedback_init: trinomial}
outputs: {folder: $tmp/out, formats: [json]}"
printf 'name: fp32\n%s\n' "$base" > "$tmp/fp32.yaml"
printf 'name: low\n%s\n%s\n' "$base" "numerics:
  weights: {format: q2.14, rounding: stochastic}
  activations: {format: q4.4}
  error_store: {format: q1.7}" > "$tmp/low.yaml"
for i in $(seq "$repeats"); do
  for kind in fp32 low; do
    rm -rf "$tmp/out/$kind"
    "$f3sim" run "$tmp/$kind.yaml" --quiet >/dev/null 2>&1
    python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['train_seconds'])" \
      "$tmp/out/$kind/f3/run.json" > "$tmp/$kind-$i"
  done
done
python3 - "$tmp" "$repeats" <<'PY'
import statistics, sys
tmp, n = sys.argv[1], int(sys.argv[2])
val = lambda k: statistics.median(float(open(f"{tmp}/{k}-{i}").read()) for i in range(1, n + 1))
f, l = val("fp32"), val("low")
print(f"MNIST 784-500-10, F3-Error one-hot, one epoch of training, median of {n}:")
print(f"  fp32 {f:.3f} s, low-precision recipe {l:.3f} s, ratio {l / f:.2f} (target <= 3)")
PY
