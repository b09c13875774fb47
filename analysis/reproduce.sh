#!/usr/bin/env bash
# Reproduce Tables 4–5 (one seed): MNIST 784-500-10 and Census Income
# 14-500-2 with BP, DFA, DRTP, F³-Error, F³-Loss and LLO.
#   analysis/reproduce.sh [EPOCHS] [OUT]      (100 epochs, results/repro)
# Each run writes OUT/<dataset>-<column>/run.json and epochs.csv;
# analysis/summarize_reproduction.py turns them into the tables of
# docs/reproduction.md.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
epochs=${1:-100}
out=${2:-$root/results/repro}
f3sim=$root/build/f3sim
columns=(bp dfa drtp f3-error f3-loss llo)
args_of() {
  case $1 in
    f3-error) echo "--algorithm f3 --error-info delayed_error_one_hot" ;;
    f3-loss) echo "--algorithm f3 --error-info delayed_loss_one_hot" ;;
    *) echo "--algorithm $1" ;;
  esac
}
for ds in mnist census; do
  case $ds in
    mnist) common="--dataset mnist --batch-size 50 --lr 1e-3" ;;
    census) common="--dataset census --batch-size 100 --lr 1e-4" ;;
  esac
  for col in "${columns[@]}"; do
    dir=$out/$ds-$col
    [ -f "$dir/run.json" ] && continue
    # shellcheck disable=SC2046
    "$f3sim" train $common $(args_of "$col") --hidden 500 --feedback-init trinomial \
      --optimizer adam --epochs "$epochs" --seed 1 --quiet --data-dir "$root/data" --out "$dir"
  done
done
