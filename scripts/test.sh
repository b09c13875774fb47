#!/usr/bin/env bash
# Set up (packages, data, Release build) and run the test suite with ctest.
# Extra arguments go to ctest, e.g.  scripts/test.sh -R unit_ -V
#
# Environment:
#   F3_SANITIZE=1   also build build-asan/ (Debug, -DF3_SANITIZE=ON: ASan +
#                   UBSan) and run the same tests there.
# Exit code: ctest's (the first non-zero one when both builds are tested).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"

bash "$REPO/scripts/setup.sh"

rc=0
echo "test: ctest in build/" >&2
ctest --test-dir "$REPO/build" --output-on-failure --no-tests=error -j2 "$@" || rc=$?

# the libFuzzer harnesses over their corpora and for a bounded time (skipped,
# with a message, where clang's libFuzzer is missing)
echo "test: fuzzing the loaders (scripts/fuzz.sh, at most 60 s of fuzzing)" >&2
bash "$REPO/scripts/fuzz.sh" 60 || rc=1

if [[ "${F3_SANITIZE:-0}" == 1 ]]; then
  ASAN="$REPO/build-asan"
  echo "test: configuring and building build-asan/ (Debug, ASan + UBSan)" >&2
  # rtl_ref/ is left out here: its tests run in the Release build, and
  # Verilating the tiles again under ASan would add minutes (rtl_ref/README.md)
  cmake -S "$REPO" -B "$ASAN" -DCMAKE_BUILD_TYPE=Debug -DF3_SANITIZE=ON -DF3_RTL=OFF >/dev/null
  cmake --build "$ASAN" -j"$(nproc)"
  echo "test: ctest in build-asan/" >&2
  asan_rc=0
  ctest --test-dir "$ASAN" --output-on-failure --no-tests=error -j2 "$@" || asan_rc=$?
  if ((rc == 0)); then rc=$asan_rc; fi
fi

exit "$rc"
