#!/usr/bin/env bash
# Icarus Verilog replays the vectors that the Verilator testbench wrote
# (rtl_tile_random: f3_tile_tb --vectors FILE N) on a 4-lane f3_tile and must
# find the same results: two simulators agree.  Passes only on the
# testbench's explicit finish marker.
# usage: iverilog_test.sh RTL_DIR VECTORS WORK_DIR
set -euo pipefail
rtl=$1 vec=$2 work=$3
if ! command -v iverilog >/dev/null || ! command -v vvp >/dev/null; then
  echo "iverilog_test: iverilog not installed: skipped" >&2
  exit 77
fi
mkdir -p "$work"
iverilog -g2005 -o "$work/tile_iverilog_tb.vvp" "$rtl/tb/tile_iverilog_tb.v" "$rtl/tile/f3_tile.v" "$rtl/tile/f3_round.v"
vvp -n "$work/tile_iverilog_tb.vvp" +vectors="$vec" 2>&1 | grep -v 'Not enough words' | tee "$work/iverilog.log"
grep -q '^PASS: tile_iverilog_tb finished' "$work/iverilog.log"
