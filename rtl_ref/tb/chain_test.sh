#!/usr/bin/env bash
# The two-tile RTL chain against `f3sim train` in the same formats: train
# 784-32-10 with F³ (one-hot delayed error, ternary B), SGD, batch 1, on the
# first 1000 MNIST training samples for one epoch, once with f3sim and once
# in RTL (f3_chain_tb), and require the same weights_sha256.
# usage: chain_test.sh F3SIM CHAIN_TB DATA_DIR WORK_DIR
set -euo pipefail
f3sim=$1 tb=$2 data=$3 work=$4
if [[ ! -d "$data/mnist" ]]; then
  echo "chain_test: no MNIST in $data/mnist: skipped" >&2
  exit 77
fi
lr=0.05 n=1000 seed=1
rm -rf "$work"
"$f3sim" train --dataset mnist --data-dir "$data" --train-limit "$n" --test-limit 100 --hidden 32 \
  --algorithm f3 --error-info delayed_error_one_hot --feedback-init trinomial --optimizer sgd --lr "$lr" \
  --epochs 1 --batch-size 1 --seed "$seed" --threads 1 --quiet \
  --format weights=q2.14 --format activations=q4.12 --format error=q2.14 --format error_store=q2.14 \
  --format gradients=q2.14 --format feedback=q2.6 --out "$work"
sha=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["weights_sha256"])' "$work/run.json" 2>/dev/null ||
      grep -o '"weights_sha256": *"[0-9a-f]*"' "$work/run.json" | grep -o '[0-9a-f]\{64\}')
echo "f3sim train: weights_sha256 $sha"
"$tb" --data-dir "$data" --samples "$n" --lr "$lr" --seed "$seed" --expect-sha256 "$sha"
