#!/usr/bin/env bash
# FIFOs, devices and folders as inputs (issue 21): a FIFO that no process
# writes, given as the scenario, a data file, --init-from or --order, used to
# block in open() for ever.  Now every input f3sim reads whole is refused at
# once when it is not a regular file, naming it (the scenario: exit 2 as any
# scenario error; data, .npz and order files: exit 1 as an unreadable file),
# and an IDX file, which may come through a pipe, waits 10 s for a writer's
# first bytes, then fails naming it.  Each command runs under a 20 s timeout: a hang fails.
#   nonregular_inputs.sh F3SIM SOURCE_DIR TMP_DIR
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/lib/common.bash"
f3sim=$(cd "$(dirname "$1")" && pwd)/$(basename "$1") tmp=$(mkdir -p "$3" && cd "$3" && pwd)/nonregular_inputs
rm -rf "$tmp" && mkdir -p "$tmp" && cd "$tmp" || exit 1
python3 "$here/lib/make_csv.py" . 11 300 90
mkfifo fifo || { bad "mkfifo failed"; finish nonregular_inputs; exit 1; }
mkdir folder
t() { timeout 20 "$@"; }
csv=(--dataset csv --classes 3 --epochs 1 --threads 1 --quiet)
for f in fifo /dev/null folder; do
  what="not a regular file \\(a FIFO, a device or a folder\\)"
  expect 1 "$f: $what; f3sim reads data sets from files" -- t "$f3sim" train "${csv[@]}" --data-path "$f" \
    --test-path test.csv --out o
  expect 1 "$f: $what; f3sim reads data sets from files" -- t "$f3sim" train "${csv[@]}" --data-path train.csv \
    --test-path "$f" --out o
  expect 1 "$f: $what" -- t "$f3sim" train "${csv[@]}" --data-path train.csv --test-path test.csv --init-from "$f" --out o
  expect 1 "$f: $what" -- t "$f3sim" train "${csv[@]}" --data-path train.csv --test-path test.csv --order "$f" --out o
  for cmd in run explore compare; do
    expect 2 "$f: $what" -- t "$f3sim" $cmd "$f"
  done
  expect 2 "$f: $what" -- t "$f3sim" sweep "$f" --emit slurm
done
[ ! -e o ] && ok || bad "a refused input left a results folder"
# MNIST's IDX files may be pipes (read as they come, tests/unit/test_dataset.c); one nobody writes is
# given 10 s for its first bytes
mkdir m
for n in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do mkfifo "m/$n"; done
expect 1 "m/train-images-idx3-ubyte: a FIFO that no process writes \\(waited 10 s for its first bytes\\)" -- t "$f3sim" train \
  --dataset mnist --data-path m --epochs 1 --quiet --out o
finish nonregular_inputs
