#!/usr/bin/env bash
# The on-chip error store is SRAM like the tiles' (issue 17, D7): a tile
# SRAM figure the scenario sets (hardware.tile.sram.read_pj_per_byte,
# write_pj_per_byte, leakage_uw_per_kib, area_mm2_per_kib) moves the store's
# auto figure by the same factor against the SRAM table (the store's own
# capacity still sets the table's figure); the store's own key wins; in DRAM
# the store costs what the DRAM costs.  Both engines resolve it alike.
# Expected figures are ratios of the run with every figure auto, so the
# table's values are not restated here.
#   error_store_sram.sh F3SIM SOURCE_DIR TMP_DIR
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/lib/common.bash"
f3sim=$1 tmp=$3/error_store_sram
rm -rf "$tmp" && mkdir -p "$tmp" && cd "$tmp" || exit 1
check() { if python3 -c "$1"; then ok; else bad "$2"; fi; }

python3 "$here/lib/make_csv.py" . 23 1500 30 --no-header
# 1500 samples × 1 value (one-hot error information) × 2 bytes (fp16): a 2.9 KiB
# store (the table's smallest point), a 64 KiB tile SRAM (interpolated)
cat > s.yaml <<Y
name: s
network: {hidden: [12]}
dataset: {name: csv, path: train.csv, test_path: test.csv, classes: 3}
training: {compare: [f3, bp], epochs: 1, batch_size: 50, optimizer: sgd, lr: 0.01, threads: 1}
numerics: {error_store: {format: fp16}}
hardware:
  tile: {mac_lanes: 8, sram: {capacity_kib: 64}}
  links: {backward: {bytes_per_cycle: 8}}
outputs: {folder: out}
Y
run() {  # NAME --set ...
  local n=$1; shift
  "$f3sim" run s.yaml --quiet --set name="$n" "$@" > "$n.log" 2>&1 || { bad "run $n failed"; tail -5 "$n.log"; }
}
run auto
sram() { json out/auto/f3/run.json "d['hardware']['config']['tile']['sram']['$1']"; }
low=(--set "hardware.tile.sram.read_pj_per_byte=$(python3 -c "print($(sram read_pj_per_byte) / 4)")"
     --set "hardware.tile.sram.write_pj_per_byte=$(python3 -c "print($(sram write_pj_per_byte) / 5)")"
     --set "hardware.tile.sram.leakage_uw_per_kib=$(python3 -c "print($(sram leakage_uw_per_kib) / 8)")"
     --set "hardware.tile.sram.area_mm2_per_kib=$(python3 -c "print($(sram area_mm2_per_kib) / 2)")")
run low "${low[@]}"
run low_a "${low[@]}" --engine analytic
run own "${low[@]}" --set hardware.error_store.leakage_uw_per_kib=7.25 --set hardware.error_store.read_pj_per_byte=0.75
run dram "${low[@]}" --set hardware.error_store.placement=dram

check "
import json
J = lambda n, r='f3': json.load(open(f'out/{n}/{r}/run.json'))['hardware']
A, L, LA, O, D = J('auto'), J('low'), J('low_a'), J('own'), J('dram')
ea, el = A['config']['error_store'], L['config']['error_store']
sa, sl = A['config']['tile']['sram'], L['config']['tile']['sram']
assert A['error_store_capacity_bytes'] == 1500 * 2, A['error_store_capacity_bytes']
# the store's table figure at its own capacity is not the tile's (the table follows capacity)
assert ea['read_pj_per_byte'] != sa['read_pj_per_byte'], (ea, sa)
worst = 0.0
for k, f in (('read_pj_per_byte', 4), ('write_pj_per_byte', 5), ('leakage_uw_per_kib', 8), ('area_mm2_per_kib', 2)):
    assert abs(sl[k] * f / sa[k] - 1) < 1e-9, (k, sl[k], sa[k])  # the setting took
    want = ea[k] / f
    worst = max(worst, abs(el[k] / want - 1))
    assert abs(el[k] / want - 1) < 1e-12, (k, 'store', el[k], 'wanted', want, 'auto', ea[k])
want_area = A['error_store_area_mm2'] / 2
assert abs(L['error_store_area_mm2'] / want_area - 1) < 1e-12, (L['error_store_area_mm2'], want_area)
# the analytic engine resolves the same figures
assert LA['config']['error_store'] == el, (LA['config']['error_store'], el)
# the store's own key wins; the others still follow the tile
eo = O['config']['error_store']
assert eo['leakage_uw_per_kib'] == 7.25 and eo['read_pj_per_byte'] == 0.75, eo
assert eo['write_pj_per_byte'] == el['write_pj_per_byte'] and eo['area_mm2_per_kib'] == el['area_mm2_per_kib'], eo
# in DRAM: the DRAM's energy, no leakage, no area
ed = D['config']['error_store']
assert ed['read_pj_per_byte'] == D['config']['dram']['pj_per_byte'] and ed['leakage_uw_per_kib'] == 0 and ed['area_mm2_per_kib'] == 0, ed
# BP keeps no store: nothing to cost
assert J('low', 'bp')['error_store_capacity_bytes'] == 0
" "the on-chip error store does not follow the tile SRAM's figures (or its own key does not win)"

finish error_store_sram
