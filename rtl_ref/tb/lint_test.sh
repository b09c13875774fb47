#!/usr/bin/env bash
# verilator --lint-only -Wall on the tile (several lane counts, run-time
# lanes, 8- and 16-bit formats, batch accumulators) and on the two-tile chains (F³ and BP): no warnings.
# usage: lint_test.sh RTL_DIR
set -euo pipefail
rtl=$1
t="$rtl/tile"
run() { echo "lint: $*" >&2; verilator --lint-only -Wall "$@"; }
for P in 1 4 16 64; do
  run --top-module f3_tile -GP=$P "$t/f3_tile.v" "$t/f3_round.v"
done
run --top-module f3_tile -GP=64 -GLANES_RT=1 "$t/f3_tile.v" "$t/f3_round.v"
run --top-module f3_tile -GP=64 -GLANES_RT=1 -GBATCH_MAX=16 "$t/f3_tile.v" "$t/f3_round.v"
run --top-module f3_tile -GP=4 -GBATCH_MAX=2 "$t/f3_tile.v" "$t/f3_round.v"
run --top-module f3_tile -GP=16 -GAW=8 -GAF=4 -GWW=8 -GWF=6 -GEW=8 -GEF=6 -GGW=8 -GGF=6 "$t/f3_tile.v" "$t/f3_round.v"
run --top-module f3_chain2 "$t/f3_chain2.v" "$t/f3_tile.v" "$t/f3_round.v"
run --top-module f3_chain2_bp "$t/f3_chain2_bp.v" "$t/f3_tile.v" "$t/f3_round.v"
echo "lint: clean" >&2
