#!/usr/bin/env bash
# The chip model's cost: one MNIST 784-500-10 epoch (batch 50, Adam, F3 and
# BP) trained plainly and on the default chip; prints the wall time of each
# epoch (training + test evaluation, from run.json) and the chip/plain ratio
# (the target: at most 1.15).
#   analysis/bench/bench_chip.sh [REPEATS]          (3)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
f3sim=$root/build/f3sim
repeats=${1:-3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
base="network: {hidden: [500]}
dataset: {name: mnist, data_dir: $root/data}
training: {compare: [f3, bp], epochs: 1, batch_size: 50, optimizer: adam, lr: 1e-3, feedback_init: trinomial}
outputs: {folder: $tmp/out, formats: [json]}"
printf 'name: plain\n%s\n' "$base" > "$tmp/plain.yaml"
printf 'name: chip\n%s\nhardware:\n  links:\n    backward: {}\n' "$base" > "$tmp/chip.yaml"
for i in $(seq "$repeats"); do
  for kind in plain chip; do
    rm -rf "$tmp/out/$kind"
    /usr/bin/time -f "%e" -o "$tmp/time-$kind-$i" "$f3sim" run "$tmp/$kind.yaml" --quiet >/dev/null 2>&1
    for a in f3 bp; do
      python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['train_seconds'])" \
        "$tmp/out/$kind/$a/run.json" > "$tmp/epoch-$kind-$a-$i"
    done
  done
done
python3 - "$tmp" "$repeats" <<'PY'
import statistics, sys
tmp, n = sys.argv[1], int(sys.argv[2])
val = lambda name: statistics.median(float(open(f"{tmp}/{name}-{i}").read()) for i in range(1, n + 1))
print(f"MNIST 784-500-10, one epoch incl. test evaluation, median of {n}:")
for a in ("f3", "bp"):
    p, c = val(f"epoch-plain-{a}"), val(f"epoch-chip-{a}")
    print(f"  {a}: plain {p:.3f} s, chip {c:.3f} s, chip/plain {c / p:.3f} (target <= 1.15)")
p, c = val("time-plain"), val("time-chip")
print(f"  whole process (load data, both rules, write results): plain {p:.2f} s, chip {c:.2f} s, ratio {c / p:.3f}")
PY
