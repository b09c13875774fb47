#!/usr/bin/env bash
# Kept for old command lines: the comparison plots are part of `f3sim report`
# now (analysis/report.py), which plots only the runs of the latest
# invocation, handles regression results (loss only), labels a sweep's points
# with their swept values, and writes RESULTS_DIR/report/ (report.md, PNG and
# SVG figures with their data).
#   analysis/plot_compare.sh results/default   → results/default/report/{accuracy,loss,…}.png
# The f3sim binary (for the closed forms of the ledger figure): $F3SIM, else
# build/f3sim of this source tree, else f3sim on PATH.
set -euo pipefail
dir=${1:?usage: analysis/plot_compare.sh RESULTS_DIR}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
f3sim=${F3SIM:-$here/../build/f3sim}
[ -x "$f3sim" ] || f3sim=$(command -v f3sim || true)
if [ -n "$f3sim" ]; then
  exec python3 "$here/report.py" --f3sim "$f3sim" -- "$dir"
fi
exec python3 "$here/report.py" -- "$dir"
