#!/usr/bin/env bash
# f3sim train end to end: the CLI's options, errors and result files, on
# generated CSV data and (when present) an MNIST subset.
#   cli_train.sh F3SIM SOURCE_DIR TMP_DIR
set -u
f3sim=$1 src=$2 tmp=$3/cli_train
rm -rf "$tmp" && mkdir -p "$tmp"
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.bash"

# ---- the command line -------------------------------------------------------
expect 0 '^f3sim [0-9]+\.[0-9]+\.[0-9]+' -- "$f3sim" --version
expect 0 '--error-info' -- "$f3sim" help train
expect 0 'train' -- "$f3sim" --help
expect 2 "unknown option '--frobnicate'" -- "$f3sim" train --frobnicate
expect 2 "unknown command 'trian'" -- "$f3sim" trian
expect 2 "option '--hidden' is missing its value" -- "$f3sim" train --hidden
expect 2 "unknown algorithm 'backprop'" -- "$f3sim" train --algorithm backprop
expect 2 "--hidden expects positive widths" -- "$f3sim" train --hidden 500,0
# issue 21: an empty width was dropped (1,,2 read as 1,2); an empty folder name was an exit 1
for h in 1,,2:3 ,5:1 5,:3 ,:1; do
  expect 2 "--hidden: an empty width at character ${h#*:} of '${h%:*}'" -- "$f3sim" train --hidden "${h%:*}"
done
expect 2 "--out needs a folder name, got an empty one" -- "$f3sim" train --out ''
# issue 22: sweep without --emit or --collect used to run (and replace) the whole scenario
expect 2 "f3sim sweep: which\? --emit slurm\|parallel .* or --collect" -- "$f3sim" sweep "$src/scenarios/default.yaml"
expect 2 "--resume needs a folder name, got an empty one" -- "$f3sim" train --resume ''
expect 2 "--epochs expects a non-negative integer" -- "$f3sim" train --epochs ten
expect 2 "unknown error information" -- "$f3sim" train --error-info delayed
# number formats: --format TENSOR=FORMAT[:ROUNDING], each bad part named
expect 0 '--format T=F\[:R\]' -- "$f3sim" help train
expect 2 "--format weights=q0.0: 'q0.0': a fixed-point format needs at least one integer bit" -- "$f3sim" train --format weights=q0.0
expect 2 "--format gradients=q20.13: 'q20.13' is 33 bits wide" -- "$f3sim" train --format gradients=q20.13
expect 2 "--format error=q4: 'q4' is not a fixed-point format" -- "$f3sim" train --format error=q4
expect 2 "--format feedback=int8: unknown number format 'int8'" -- "$f3sim" train --format feedback=int8
expect 2 "--format weight=q4.12: unknown tensor class 'weight' \(expected one of: weights, activations, error, error_store, gradients, optimizer, feedback\)" -- "$f3sim" train --format weight=q4.12
expect 2 "--format weights=q4.12:up: unknown rounding 'up'" -- "$f3sim" train --format weights=q4.12:up
expect 2 "--format expects TENSOR=FORMAT\[:ROUNDING\].*got 'weights'" -- "$f3sim" train --format weights
expect 2 "option '--format' is missing its value" -- "$f3sim" train --format
expect 2 "unknown dataset 'imagenet'" -- "$f3sim" train --dataset imagenet --out "$tmp/none1"
expect 1 "nonexistent/mnist/train-images-idx3-ubyte" -- "$f3sim" train --data-dir "$tmp/nonexistent" --out "$tmp/none2"
[ ! -e "$tmp/none1" ] && [ ! -e "$tmp/none2" ] && ok || bad "a failed run left a results folder"

# ---- generated CSV data ------------------------------------------------------
python3 "$(dirname "${BASH_SOURCE[0]}")/lib/make_csv.py" "$tmp" 5 900 300
csv=(--dataset csv --data-path "$tmp/train.csv" --test-path "$tmp/test.csv" --classes 3
     --hidden 32 --epochs 4 --batch-size 10 --lr 1e-2 --quiet)
for alg in bp f3 dfa drtp llo; do
  expect 0 "results in" -- "$f3sim" train "${csv[@]}" --algorithm "$alg" --out "$tmp/csv-$alg"
  acc=$(json "$tmp/csv-$alg/run.json" "d['best_test_accuracy']")
  python3 -c "import sys; sys.exit(0 if float('$acc') > 60 else 1)" && ok || bad "$alg csv accuracy $acc % <= 60 %"
done
r=$tmp/csv-f3/run.json
for key in config ledger epochs best_test_accuracy final_test_accuracy best_test_loss weights_sha256 wall_seconds; do
  [ "$(json "$r" "'$key' in d")" = True ] && ok || bad "run.json lacks '$key'"
done
[ "$(json "$r" "len(d['epochs'])")" = 4 ] && ok || bad "run.json: not 4 epochs"
[ "$(head -1 "$tmp/csv-f3/epochs.csv")" = "epoch,train_loss,train_accuracy_percent,test_loss,test_accuracy_percent,seconds,train_seconds,test_seconds" ] && ok || bad "epochs.csv header"
# issue 21: training and testing timed apart; seconds is their sum; run.json's train_seconds excludes testing
python3 - "$tmp/csv-f3" <<'P' && ok || bad "the epoch times do not add up"
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1] + "/epochs.csv")))
d = json.load(open(sys.argv[1] + "/run.json"))
for r in rows:
    assert abs(float(r["seconds"]) - float(r["train_seconds"]) - float(r["test_seconds"])) <= 2e-6, r
for e in d["epochs"]:
    assert e["test_seconds"] > 0 and e["train_seconds"] > 0, e
assert abs(d["train_seconds"] - sum(e["train_seconds"] for e in d["epochs"])) < 1e-9
assert abs(d["test_seconds"] - sum(e["test_seconds"] for e in d["epochs"])) < 1e-9
assert d["wall_seconds"] >= d["train_seconds"] + d["test_seconds"]
P
[ "$(wc -l < "$tmp/csv-f3/epochs.csv")" = 5 ] && ok || bad "epochs.csv: not 4 rows"
[ "$(json "$r" "d['ledger']['peak_activation_buffer_elements']")" = 0 ] && ok || bad "f3 kept activations"
[ "$(json "$tmp/csv-bp/run.json" "d['ledger']['peak_activation_buffer_elements']")" = 320 ] && ok || bad "bp activation peak is not batch x hidden = 320"
[ "$(json "$r" "d['ledger']['peak_error_store_elements']")" = 2700 ] && ok || bad "f3 error store is not 900 x 3"
ls "$tmp/csv-f3" | grep -q tmp && bad "temporary files left behind" || ok
# one seed, one result; another seed, another
"$f3sim" train "${csv[@]}" --algorithm f3 --out "$tmp/csv-f3-again" >/dev/null 2>&1
"$f3sim" train "${csv[@]}" --algorithm f3 --seed 2 --out "$tmp/csv-f3-seed2" >/dev/null 2>&1
h1=$(json "$r" "d['weights_sha256']")
[ "$h1" = "$(json "$tmp/csv-f3-again/run.json" "d['weights_sha256']")" ] && ok || bad "same seed, different weights"
[ "$h1" != "$(json "$tmp/csv-f3-seed2/run.json" "d['weights_sha256']")" ] && ok || bad "different seeds, same weights"
# number formats: recorded in run.json with the saturations per tensor class;
# stochastic rounding repeats bit for bit with one seed
fmt=(--algorithm f3 --format weights=q4.12:stochastic --format activations=q1.7 --format error_store=q1.7)
expect 0 "results in" -- "$f3sim" train "${csv[@]}" "${fmt[@]}" --out "$tmp/csv-fmt"
expect 0 "results in" -- "$f3sim" train "${csv[@]}" "${fmt[@]}" --out "$tmp/csv-fmt-again"
r=$tmp/csv-fmt/run.json
[ "$(json "$r" "[d['config']['numerics'][t]['format'] for t in ('weights', 'activations', 'error', 'error_store', 'gradients', 'optimizer', 'feedback')]")" = "['q4.12', 'q1.7', 'fp32', 'q1.7', 'fp32', 'fp32', 'fp32']" ] && ok || bad "run.json numerics formats: $(json "$r" "d['config']['numerics']")"
[ "$(json "$r" "(d['config']['numerics']['weights']['rounding'], d['config']['numerics']['error_store']['rounding'], d['config']['numerics']['error_store']['bits'])")" = "('stochastic', 'nearest_even', 8)" ] && ok || bad "run.json numerics roundings: $(json "$r" "d['config']['numerics']")"
[ "$(json "$r" "sorted(d['saturations'])")" = "['activations', 'error', 'error_store', 'feedback', 'gradients', 'optimizer', 'weights']" ] && ok || bad "run.json saturations: $(json "$r" "d.get('saturations')")"
# the generated features reach beyond q1.7's [-1, 1): the input link saturates
[ "$(json "$r" "d['saturations']['activations'] > 0 and d['saturations']['optimizer'] == 0")" = True ] && ok || bad "saturations: $(json "$r" "d['saturations']")"
[ "$(json "$r" "d['weights_sha256']")" = "$(json "$tmp/csv-fmt-again/run.json" "d['weights_sha256']")" ] && ok || bad "stochastic rounding: same seed, different weights"
[ "$(json "$r" "d['weights_sha256']")" != "$h1" ] && ok || bad "--format changed nothing"
[ "$(json "$tmp/csv-f3/run.json" "set(v['format'] for v in d['config']['numerics'].values()) == {'fp32'} and sum(d['saturations'].values()) == 0")" = True ] && ok || bad "the default is not fp32 everywhere"
# trinomial B in q2.6 is exact: the same network as fp32
expect 0 "results in" -- "$f3sim" train "${csv[@]}" --algorithm f3 --format feedback=q2.6 --out "$tmp/csv-fb"
[ "$(json "$tmp/csv-fb/run.json" "d['weights_sha256']")" = "$h1" ] && ok || bad "trinomial feedback in q2.6 changed the weights"
# Adam's state in fixed point is not defined: a configuration error (exit 2, as under
# f3sim run), nothing written
expect 2 "fixed-point optimizer state needs the sgd optimizer" -- "$f3sim" train "${csv[@]}" --format optimizer=q8.8 --out "$tmp/none-fmt"
[ ! -e "$tmp/none-fmt" ] && ok || bad "a rejected --format left a results folder"
# regression: MSE, no accuracy
expect 0 "results in" -- "$f3sim" train --dataset csv --data-path "$tmp/train-reg.csv" --test-path "$tmp/test-reg.csv" \
  --hidden 16 --epochs 3 --batch-size 20 --lr 1e-2 --algorithm f3 --error-info delayed_error --quiet --out "$tmp/reg"
[ "$(json "$tmp/reg/run.json" "d['best_test_accuracy']")" = None ] && ok || bad "regression reports an accuracy"
[ "$(json "$tmp/reg/run.json" "d['config']['loss']")" = mse ] && ok || bad "regression does not use mse"
python3 -c "import json,sys; e=json.load(open('$tmp/reg/run.json'))['epochs']; sys.exit(0 if e[-1]['test_loss'] < e[0]['test_loss'] or e[0]['test_loss'] < 0.5 else 1)" && ok || bad "regression does not learn"
expect 2 "one-hot and softmax error information need a classification" -- "$f3sim" train --dataset csv \
  --data-path "$tmp/train-reg.csv" --test-path "$tmp/test-reg.csv" --algorithm f3 --error-info delayed_error_one_hot --out "$tmp/none3"
expect 1 "train.csv" -- "$f3sim" train --dataset csv --data-path "$tmp/train.csv" --test-path "$tmp/test.csv" --classes 2 --out "$tmp/none4"

# ---- MNIST subset -------------------------------------------------------------
if [ -f "$src/data/mnist/train-images-idx3-ubyte" ]; then
  mn=(--dataset mnist --data-dir "$src/data" --train-limit 3000 --test-limit 1000 --epochs 2 --quiet)
  for alg in f3 bp; do
    expect 0 "results in" -- "$f3sim" train "${mn[@]}" --algorithm "$alg" --feedback-init trinomial --out "$tmp/mnist-$alg"
    acc=$(json "$tmp/mnist-$alg/run.json" "d['best_test_accuracy']")
    python3 -c "import sys; sys.exit(0 if float('$acc') > 80 else 1)" && ok || bad "mnist $alg accuracy $acc % <= 80 %"
  done
  # raw feature values: recorded, and other numbers
  "$f3sim" train "${mn[@]}" --algorithm f3 --feedback-init trinomial --no-standardize --out "$tmp/mnist-raw" >/dev/null 2>&1
  [ "$(json "$tmp/mnist-raw/run.json" "d['config']['standardize']")" = False ] && ok || bad "--no-standardize not recorded"
  [ "$(json "$tmp/mnist-raw/run.json" "d['weights_sha256']")" != "$(json "$tmp/mnist-f3/run.json" "d['weights_sha256']")" ] && ok || bad "--no-standardize changed nothing"
  # OpenBLAS picks other kernels for other thread counts, so the thread
  # count is part of the configuration: recorded, and repeatable
  "$f3sim" train "${mn[@]}" --algorithm f3 --feedback-init trinomial --threads 1 --out "$tmp/mnist-f3-t1" >/dev/null 2>&1
  "$f3sim" train "${mn[@]}" --algorithm f3 --feedback-init trinomial --threads 1 --out "$tmp/mnist-f3-t1b" >/dev/null 2>&1
  [ "$(json "$tmp/mnist-f3-t1/run.json" "d['config']['blas_threads']")" = 1 ] && ok || bad "blas_threads not recorded"
  [ "$(json "$tmp/mnist-f3-t1b/run.json" "d['weights_sha256']")" = "$(json "$tmp/mnist-f3-t1/run.json" "d['weights_sha256']")" ] && ok || bad "same seed and threads, different weights"
  # a truncated data file is an error that names it
  mkdir -p "$tmp/trunc/mnist"
  cp "$src"/data/mnist/*labels* "$src"/data/mnist/t10k-images-idx3-ubyte "$tmp/trunc/mnist/"
  head -c 1000000 "$src/data/mnist/train-images-idx3-ubyte" > "$tmp/trunc/mnist/train-images-idx3-ubyte"
  expect 1 "trunc/mnist/train-images-idx3-ubyte.*(truncated|expected)" -- "$f3sim" train --dataset mnist --data-dir "$tmp/trunc" --out "$tmp/none5"
else
  echo "SKIP: MNIST subset (no $src/data/mnist; scripts/setup.sh fetches it)"
fi

finish cli_train
