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

# The epoch count as run: the last --epochs given (ours or the caller's).
epochs=3
args=("${COMMON[@]}" "$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  case "${args[i]}" in
    --epochs) if ((i + 1 < ${#args[@]})); then epochs="${args[i + 1]}"; fi ;;
    --epochs=*) epochs="${args[i]#--epochs=}" ;;
  esac
done

python3 - "$epochs" results/main-f3/run.json results/main-bp/run.json <<'PY'
import json
import sys

epochs_arg = sys.argv[1]
for name, path in (("f3", sys.argv[2]), ("bp", sys.argv[3])):
    with open(path) as f:
        run = json.load(f)
    epochs = run.get("epochs")
    if isinstance(epochs, list):  # per-epoch records
        epochs = len(epochs)
    elif not isinstance(epochs, int) or isinstance(epochs, bool):
        epochs = epochs_arg
    print(f"{name}: best test accuracy {float(run['best_test_accuracy']):.2f} % "
          f"in {epochs} epochs, {float(run['wall_seconds']):.1f} s")
PY
