#!/usr/bin/env bash
# Main job: set up, then a short MNIST training with F³ and with
# backpropagation, and a two-line summary of both runs.
# Extra arguments go to both f3sim runs (later options override earlier ones),
# e.g.  scripts/main.sh --epochs 1
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
cd "$REPO"

bash scripts/setup.sh

F3SIM="$REPO/build/f3sim"
[[ -x "$F3SIM" ]] || { echo "main: $F3SIM not built" >&2; exit 1; }

COMMON=(--dataset mnist --hidden 500 --epochs 3 --batch-size 50
        --optimizer adam --lr 1e-3 --seed 1)

echo "main: training F3 (results/main-f3)" >&2
"$F3SIM" train "${COMMON[@]}" --algorithm f3 --error-info delayed_error_one_hot \
  --feedback-init trinomial --out results/main-f3 "$@"

echo "main: training BP (results/main-bp)" >&2
"$F3SIM" train "${COMMON[@]}" --algorithm bp --out results/main-bp "$@"

python3 - results/main-f3/run.json results/main-bp/run.json <<'PY'
import json
import sys

for name, path in (("f3", sys.argv[1]), ("bp", sys.argv[2])):
    with open(path) as f:
        run = json.load(f)
    print(f"{name}: best test accuracy {run['best_test_accuracy']:.2f} % in "
          f"{len(run['epochs'])} epochs, {run['train_seconds']:.1f} s training, "
          f"{run['ledger']['total']['fma'] / 1e9:.1f} GFMA")
PY
