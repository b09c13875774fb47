#!/usr/bin/env bash
# Build the libFuzzer harnesses (tests/fuzz) in build-fuzz/ with clang, run
# each over its seed corpus, then fuzz each for an equal share of
# SECONDS_TOTAL (default 60; 0: the corpora only).
#
#   scripts/fuzz.sh [SECONDS_TOTAL]
#
# Exit code: 0 when no harness found anything; 1 on any crash, leak, hang
# (a unit over 10 s), memory over 2 GiB or sanitizer report (the input is
# kept in build-fuzz/artifacts/), 2 on a usage error.  Without clang, or
# without clang's libFuzzer runtime, it says so and exits 0: the Debian
# packages are clang and libclang-rt-14-dev.
#
# Environment:
#   F3_FUZZ_CC     the C compiler (default: the first of clang, clang-16,
#                  clang-15, clang-14 on PATH)
#   F3_FUZZ_BUILD  the build directory (default: build-fuzz in the checkout)
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
TOTAL="${1:-60}"
if [[ ! "$TOTAL" =~ ^[0-9]+$ ]] || (($# > 1)); then
  echo "usage: scripts/fuzz.sh [SECONDS_TOTAL]   (a whole number of seconds, default 60)" >&2
  exit 2
fi
BUILD="${F3_FUZZ_BUILD:-$REPO/build-fuzz}"
say() { echo "fuzz: $*" >&2; }

# ---- the compiler and its libFuzzer runtime
CC_FUZZ="${F3_FUZZ_CC:-}"
if [[ -z "$CC_FUZZ" ]]; then
  for c in clang clang-16 clang-15 clang-14; do
    if command -v "$c" >/dev/null 2>&1; then CC_FUZZ="$c"; break; fi
  done
fi
if [[ -z "$CC_FUZZ" ]] || ! command -v "$CC_FUZZ" >/dev/null 2>&1; then
  say "clang is not installed: fuzzing skipped (Debian: apt-get install clang libclang-rt-14-dev)"
  exit 0
fi
CXX_FUZZ="${CC_FUZZ/clang/clang++}"
command -v "$CXX_FUZZ" >/dev/null 2>&1 || CXX_FUZZ="c++"
probe="$(mktemp -d)"
trap 'rm -rf "$probe"' EXIT
printf '#include <stddef.h>\n#include <stdint.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n' >"$probe/p.c"
if ! "$CC_FUZZ" -fsanitize=fuzzer,address,undefined "$probe/p.c" -o "$probe/p" >"$probe/log" 2>&1; then
  say "$CC_FUZZ cannot link libFuzzer (-fsanitize=fuzzer): fuzzing skipped"
  say "  (Debian: apt-get install libclang-rt-14-dev, clang's runtime libraries)"
  sed 's/^/fuzz:   /' "$probe/log" | head -5 >&2
  exit 0
fi

# ---- build
say "building the harnesses in ${BUILD#"$REPO"/} with $CC_FUZZ"
if ! cmake -S "$REPO" -B "$BUILD" -DF3_FUZZ=ON -DCMAKE_BUILD_TYPE=Release \
      -DCMAKE_C_COMPILER="$CC_FUZZ" -DCMAKE_CXX_COMPILER="$CXX_FUZZ" >"$probe/cmake.log" 2>&1 ||
   ! cmake --build "$BUILD" --target fuzz_all -j"$(nproc)" >>"$probe/cmake.log" 2>&1; then
  tail -30 "$probe/cmake.log" >&2
  say "the build failed"
  exit 1
fi

# ---- run
# harness, seed folders beside its own corpus, extra libFuzzer options
HARNESSES=(scenario idx idx_gzip csv census wine cifar npz)
declare -A EXTRA_SEEDS=([scenario]="$REPO/scenarios $REPO/tests/scenarios")
declare -A EXTRA_OPTS=([cifar]="-max_len=16384" [scenario]="-max_len=65536" [npz]="-max_len=8192")
PER=$((TOTAL / ${#HARNESSES[@]}))
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
mkdir -p "$BUILD/artifacts"
failed=()
for h in "${HARNESSES[@]}"; do
  bin="$BUILD/tests/fuzz/fuzz_$h"
  seeds="$REPO/tests/fuzz/corpus/$h"
  work="$BUILD/corpus/$h"
  log="$BUILD/artifacts/fuzz_$h.log"
  mkdir -p "$work"
  # shellcheck disable=SC2206
  extra_seeds=(${EXTRA_SEEDS[$h]:-})
  # shellcheck disable=SC2206
  opts=(-timeout=10 -rss_limit_mb=2048 -artifact_prefix="$BUILD/artifacts/fuzz_$h-" ${EXTRA_OPTS[$h]:-})
  # 1. every seed once (libFuzzer reads the folders recursively)
  if ! timeout 300 "$bin" "${opts[@]}" -runs=0 "$work" "$seeds" "${extra_seeds[@]}" >"$log" 2>&1; then
    say "fuzz_$h: FAILED on its corpus (log: ${log#"$REPO"/})"
    grep -E "ERROR|SUMMARY|runtime error|invariant|Test unit written" "$log" | head -8 >&2 || true
    failed+=("$h")
    continue
  fi
  ((PER > 0)) || { say "fuzz_$h: corpus clean"; continue; }
  # 2. fuzzing for PER seconds; new inputs go to build-fuzz/corpus/<name>
  if ! timeout $((PER + 120)) "$bin" "${opts[@]}" -max_total_time="$PER" -print_final_stats=1 \
        "$work" "$seeds" "${extra_seeds[@]}" >>"$log" 2>&1; then
    say "fuzz_$h: FAILED while fuzzing (log: ${log#"$REPO"/})"
    grep -E "ERROR|SUMMARY|runtime error|invariant|Test unit written" "$log" | head -8 >&2 || true
    failed+=("$h")
    continue
  fi
  runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)"
  say "fuzz_$h: corpus clean, ${runs:-?} runs in ${PER} s, no crash"
done

if ((${#failed[@]} > 0)); then
  say "FAILED: ${failed[*]} (inputs in ${BUILD#"$REPO"/}/artifacts/; replay one with build-fuzz/tests/fuzz/fuzz_NAME FILE)"
  exit 1
fi
say "all ${#HARNESSES[@]} harnesses clean"
