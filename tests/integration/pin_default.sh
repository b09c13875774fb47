#!/usr/bin/env bash
# Pins the fp32 numbers bit for bit: the default recipe (scenarios/default.yaml
# cut to one epoch on 5,000 MNIST samples) for F3 and BP, and `f3sim train` on
# the wine data set for F3, against the weight hashes and losses written
# below.  Any change that moves an fp32 result (the activations, a kernel, the
# data pipeline, the order of a sum) fails here and must re-pin these values
# in the same commit, saying why.  The plain trainer and the chip give the
# same weights, so the recipe runs without its hardware section and once
# with it as a check.
#   pin_default.sh F3SIM SOURCE_DIR TMP_DIR
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/lib/common.bash"
f3sim=$(cd "$(dirname "$1")" && pwd)/$(basename "$1") src=$(cd "$2" && pwd) tmp=$3/pin_default
rm -rf "$tmp" && mkdir -p "$tmp" && cd "$tmp" || exit 1

# OpenBLAS's sgemm sums in an order set by its kernel, its version and the
# thread count: the pins hold for OpenBLAS 0.3.21's Haswell kernels (any
# x86-64 CPU with AVX2) and one thread.
PIN_BLAS="OpenBLAS 0.3.21 .*Haswell"
if ! grep -qw avx2 /proc/cpuinfo 2>/dev/null; then
  echo "SKIP: the pins are for OpenBLAS's Haswell kernels, which need AVX2"
  finish pin_default
  exit
fi
export OPENBLAS_CORETYPE=Haswell

# ---- the pinned values (re-pin: copy the "got" values of a failing run) -----
PIN_F3=61bb9a65aa1759c5197953fc5ba3c3d938769a7be1af497fc59e4e476c1420ba  # best test accuracy 83.7 %
PIN_BP=3548826bb9048e3d22848d07cf1ed475ce3bf6285d205ace69a89ecd98eb5c8a  # best test accuracy 88.1 %
PIN_WINE=d132b15e4795456f15918321302ef699480f3e6e1ff50b33e78bbb177d733953
PIN_WINE_TEST_LOSS="[0.6956566384321126, 0.6989305801752815, 0.6775677365238473]"

blas_matches() {  # run.json
  json "$1" "d['libraries']['blas']" | grep -qE "$PIN_BLAS"
}

pinned() {  # label run.json want_hash
  local got
  got=$(json "$2" "d['weights_sha256']")
  if [ "$got" = "$3" ]; then ok; else bad "$1: weights_sha256 got $got, pinned $3"; fi
}

# ---- the default recipe ------------------------------------------------------
if [ -f "$src/data/mnist/train-images-idx3-ubyte" ] || [ -f "$src/data/mnist/train-images-idx3-ubyte.gz" ]; then
  awk '/^[^ #]/ { skip = ($0 ~ /^hardware:/) } !skip' "$src/scenarios/default.yaml" > plain.yaml
  grep -q '^hardware:' "$src/scenarios/default.yaml" && ! grep -q '^hardware:' plain.yaml && ok \
    || bad "default.yaml: no hardware section to cut"
  short=(--quiet --set training.epochs=1 --set dataset.train_limit=5000 --set dataset.test_limit=1000
         --set "dataset.data_dir=$src/data" --set training.threads=1)
  "$f3sim" run plain.yaml "${short[@]}" --set outputs.folder=plain > plain.log 2>&1 || { bad "default recipe failed"; cat plain.log; }
  "$f3sim" run "$src/scenarios/default.yaml" "${short[@]}" --set outputs.folder=chip > chip.log 2>&1 \
    || { bad "default recipe on the chip failed"; cat chip.log; }
  for a in f3 bp; do
    r=plain/default/$a/run.json
    [ -f "$r" ] || { bad "$a: no $r"; continue; }
    [ "$(json "$r" "d['weights_sha256']")" = "$(json chip/default/$a/run.json "d['weights_sha256']")" ] && ok \
      || bad "$a: the chip and the plain trainer give different weights"
    if ! blas_matches "$r"; then
      echo "SKIP: $a pin (pinned for '$PIN_BLAS', this is '$(json "$r" "d['libraries']['blas']")'; got $(json "$r" "d['weights_sha256']"))"
      continue
    fi
    [ "$a" = f3 ] && want=$PIN_F3 || want=$PIN_BP
    pinned "default recipe, $a" "$r" "$want"
  done
else
  echo "SKIP: default recipe pin (no $src/data/mnist; scripts/setup.sh fetches it)"
fi

# ---- f3sim train on wine: F3, three epochs -------------------------------------
if [ -f "$src/data/wine-quality/winequality-red.csv" ] && [ -f "$src/data/wine-quality/winequality-white.csv" ]; then
  "$f3sim" train --dataset wine --data-dir "$src/data" --algorithm f3 --epochs 3 --threads 1 --quiet \
    --out wine > wine.log 2>&1 || { bad "wine run failed"; cat wine.log; }
  r=wine/run.json
  if [ ! -f "$r" ]; then
    bad "wine: no $r"
  elif ! blas_matches "$r"; then
    echo "SKIP: wine pin (pinned for '$PIN_BLAS', this is '$(json "$r" "d['libraries']['blas']")'; got $(json "$r" "d['weights_sha256']"))"
  else
    pinned "wine, f3" "$r" "$PIN_WINE"
    got=$(json "$r" "[e['test_loss'] for e in d['epochs']]")
    [ "$got" = "$PIN_WINE_TEST_LOSS" ] && ok || bad "wine, f3: test losses got $got, pinned $PIN_WINE_TEST_LOSS"
  fi
else
  echo "SKIP: wine pin (no $src/data/wine-quality; scripts/setup.sh fetches it)"
fi

finish pin_default
