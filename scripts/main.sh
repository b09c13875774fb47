#!/usr/bin/env bash
# Main job: set up, then run the default scenario (scenarios/default.yaml):
# F³ against backpropagation on MNIST, side by side, results in
# results/default/.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
cd "$REPO"

# only what the main job needs (scripts/setup.sh --runtime; the test command
# installs the rest)
bash scripts/setup.sh --runtime

F3SIM="$REPO/build/f3sim"
[[ -x "$F3SIM" ]] || { echo "main: $F3SIM not built" >&2; exit 1; }

# The default scenario: F3 against BP on MNIST 784-500-10 (scenarios/default.yaml).
# Extra arguments go to f3sim run, e.g.  scripts/main.sh --set training.epochs=1
exec "$F3SIM" run scenarios/default.yaml "$@"
