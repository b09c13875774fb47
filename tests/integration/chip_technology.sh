#!/usr/bin/env bash
# The auto figures against docs/hardware-costs.md, per tile: small chips whose
# energy, leakage and area figures are left to the tables, at every cell type
# (hardware.technology.cells: table, hp, lstp, lop), macro size, node
# (90 … 7 nm) and supply, with SRAM or flip-flop registers, per-tile SRAM,
# registers and lanes.  Each run's tiles.csv and run.json (energy by item —
# compute, registers, SRAM, ROM, leakage — and area, per tile and in total)
# must follow from figures lib/chip_spec.py computes from the document's
# tables and the source numbers it cites (CACTI 7.0's runs, the capacity
# table, Aladdin's units, Stillmaker & Baas's fits, CACTI's 45 nm devices),
# through docs/hardware-model.md's "Energy and area"; never read back from
# the model.  Both engines (SystemC and --engine analytic).
#   chip_technology.sh F3SIM SOURCE_DIR TMP_DIR
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/lib/common.bash"
case $1 in /*) f3sim=$1 ;; *) f3sim=$(cd "$(dirname "$1")" && pwd)/$(basename "$1") ;; esac
tmp=$3/chip_technology
rm -rf "$tmp" && mkdir -p "$tmp/logs" && cd "$tmp" || exit 1
export PYTHONPATH="$here/lib${PYTHONPATH:+:$PYTHONPATH}"
check() { if python3 -c "import chip_spec as S
$1"; then ok; else bad "$2"; fi; }

python3 "$here/lib/make_csv.py" . 29 24 6 --no-header
# the timing of chip_spec's base scenario (wide ports: every step compute-bound), every
# energy, leakage and area figure auto; 6-12-8-3 on three tiles, 24 samples, batch 1
cat > s.yaml <<Y
name: s
network: {hidden: [12, 8]}
dataset: {name: csv, path: train.csv, test_path: test.csv, classes: 3}
training: {compare: [f3, bp], epochs: 1, batch_size: 1, optimizer: sgd, lr: 0.01, feedback_init: trinomial, threads: 1}
hardware:
  clock_mhz: 100
  tile:
    mac_lanes: 16
    step_latency_cycles: 3
    registers: {capacity_kib: 128}
    sram: {capacity_kib: 256, banks: 4, bytes_per_cycle: 1000000}
    rom: {encoding: ternary2, bytes_per_cycle: 1000000}
  links:
    forward: {bytes_per_cycle: 1000000, latency_cycles: 2}
    backward: {bytes_per_cycle: 1000000, latency_cycles: 2}
  error_store: {bytes_per_cycle: 1000000, latency_cycles: 1}
outputs: {folder: out}
Y

# run NAME --set ... (results in out/NAME/<rule>); two at a time
run() {
  local name=$1; shift
  while [ "$(jobs -rp | wc -l)" -ge 2 ]; do wait -n; done
  ( "$f3sim" run s.yaml --quiet --set name="$name" "$@" > "logs/$name.log" 2>&1; echo $? > "logs/$name.rc" ) &
}
runs_done() {
  wait
  for f in logs/*.rc; do
    [ -e "$f" ] || continue
    [ "$(cat "$f")" = 0 ] || bad "run $(basename "$f" .rc) failed: $(tail -3 "${f%.rc}.log")"
    rm -f "$f"
  done
}
cells() { echo --set hardware.technology.cells="$1"; }
node() { echo --set hardware.technology.node_nm="$1" --set hardware.technology.vdd="$2"; }

# ---- 1. SRAM macros by cell type; per-tile SRAM with a mapping -----------------------------
# between table points (log-size interpolation), at one, and clamped below the first
# shellcheck disable=SC2046
{
run m_table16 $(cells table) --set hardware.tile.sram.macro_kib=16 --set hardware.tile.sram.capacity_kib=64
run m_hp96 $(cells hp) --set hardware.tile.sram.macro_kib=96 --set hardware.tile.sram.capacity_kib=192
run m_lstp2 $(cells lstp) --set hardware.tile.sram.macro_kib=2 --set hardware.tile.sram.capacity_kib=64 --engine analytic
run m_lop512 $(cells lop) --set hardware.tile.sram.macro_kib=512 --set hardware.tile.sram.capacity_kib=1024
run m_lop64 $(cells lop) --set hardware.tile.sram.macro_kib=64
# no macros: each tile's SRAM one array of its own capacity (48 KiB and 6 KiB hp, between runs)
run m_hp_map $(cells hp) --set "hardware.mapping.layers_per_tile=[2, 1]" --set "hardware.tiles.sram_capacity_kib=[48, 6]"
# macros: every tile the macro's figures, over its own capacity
run m_lop_map $(cells lop) --set hardware.tile.sram.macro_kib=16 --set "hardware.mapping.layers_per_tile=[1, 2]" \
    --set "hardware.tiles.sram_capacity_kib=[32, 160]" --engine analytic
# the capacity table per tile: 8.5 pJ/B at 256 KiB, the 8 KiB figures below, the 1 MiB ones above
run m_table_tiles --set "hardware.tiles.sram_capacity_kib=[256, 4, 2048]"
}

# ---- 2. node and supply (with cells, macros, set figures and the DRAM) ---------------------
# shellcheck disable=SC2046
{
run n90 $(node 90 1.0) $(cells table)
run n65 $(node 65 1.1) $(cells lop) --set hardware.tile.sram.macro_kib=32
run n45 $(node 45 0.8) $(cells hp) --engine analytic
run n32 $(node 32 1.0) $(cells lstp) --set hardware.tile.sram.macro_kib=8
# set figures stay; an error store follows a set tile SRAM figure by its ratio to the auto one
run n28 $(node 28 0.8) $(cells table) --set hardware.tile.rom.read_pj_per_byte=0.7 --set hardware.tile.lane_area_mm2=0.05 \
    --set hardware.tile.sram.leakage_uw_per_kib=3 --set hardware.tile.registers.pj_per_byte=0.2 \
    --set hardware.error_store.area_mm2_per_kib=0.01
run n22 $(node 22 0.9) $(cells lop) --set hardware.tile.registers.kind=sram --engine analytic
run n20 $(node 20 0.7) $(cells hp) --set hardware.tile.sram.macro_kib=128
run n16 $(node 16 0.9) $(cells lstp) --set "hardware.tiles.mac_lanes=[4, 16, 2]"
run n14 $(node 14 0.6) $(cells lop) --set hardware.tile.rom.encoding=seeded
# seeded ROM: the LFSRs' energy and area move too; a DRAM standard does not
run n7 $(node 7 0.75) $(cells table) --set hardware.tile.rom.encoding=seeded --set hardware.dram.standard=ddr4
}

# ---- 3. registers: an SRAM register file, one bank per lane, per tile --------------------
# shellcheck disable=SC2046
{
# hp (table's register files): banks of 2 KiB, 512 B and 1.5 KiB (CACTI's register-file runs)
run r_table --set hardware.tile.registers.kind=sram --set "hardware.tiles.mac_lanes=[8, 4, 2]" \
    --set "hardware.tiles.registers_capacity_kib=[16, 2, 3]"
# lop: 16 KiB, 12 KiB (between runs) and 8 KiB banks; lstp: below its first run (4 KiB)
run r_lop $(cells lop) --set hardware.tile.registers.kind=sram --set "hardware.tiles.mac_lanes=[8, 4, 1]" \
    --set "hardware.tiles.registers_capacity_kib=[128, 48, 8]" --engine analytic
run r_lstp $(cells lstp) --set hardware.tile.registers.kind=sram --set "hardware.mapping.layers_per_tile=[1, 2]" \
    --set "hardware.tiles.mac_lanes=[16, 2]" --set "hardware.tiles.registers_capacity_kib=[16, 64]" \
    $(node 65 1.0) --set hardware.clock_mhz=50
}
runs_done

# ---- checks: every run, both rules, against chip_spec's derivation --------------------------
check "
T, N = S.Tech, S.Net
W = [6, 12, 8, 3]
runs = {   # name: (Tech, Hw's other figures)
    'm_table16': (T('table', macro_kib=16), dict(sram_kib=64)),
    'm_hp96': (T('hp', macro_kib=96), dict(sram_kib=192)),
    'm_lstp2': (T('lstp', macro_kib=2), dict(sram_kib=64)),
    'm_lop512': (T('lop', macro_kib=512), dict(sram_kib=1024)),
    'm_lop64': (T('lop', macro_kib=64), {}),
    'm_hp_map': (T('hp'), dict(lpt=[2, 1], tiles=[dict(sram_kib=48), dict(sram_kib=6)])),
    'm_lop_map': (T('lop', macro_kib=16), dict(lpt=[1, 2], tiles=[dict(sram_kib=32), dict(sram_kib=160)])),
    'm_table_tiles': (T(), dict(tiles=[dict(sram_kib=256), dict(sram_kib=4), dict(sram_kib=2048)])),
    'n90': (T('table', 90, 1.0), {}),
    'n65': (T('lop', 65, 1.1, macro_kib=32), {}),
    'n45': (T('hp', 45, 0.8), {}),
    'n32': (T('lstp', 32, 1.0, macro_kib=8), {}),
    'n28': (T('table', 28, 0.8), dict(rom_pj=0.7, a_lane=0.05, l_sram=3, reg_pj=0.2, a_es=0.01)),
    'n22': (T('lop', 22, 0.9, reg_kind='sram'), {}),
    'n20': (T('hp', 20, 0.7, macro_kib=128), {}),
    'n16': (T('lstp', 16, 0.9), dict(tiles=[dict(P=4), dict(P=16), dict(P=2)])),
    'n14': (T('lop', 14, 0.6), dict(rom='seeded')),
    'n7': (T('table', 7, 0.75), dict(rom='seeded', dram_pj=5.75 * 8)),
    'r_table': (T(reg_kind='sram'), dict(tiles=[dict(P=8, reg_kib=16), dict(P=4, reg_kib=2), dict(P=2, reg_kib=3)])),
    'r_lop': (T('lop', reg_kind='sram'), dict(tiles=[dict(P=8, reg_kib=128), dict(P=4, reg_kib=48), dict(P=1, reg_kib=8)])),
    'r_lstp': (T('lstp', 65, 1.0, reg_kind='sram'), dict(lpt=[1, 2], clock_mhz=50,
                                                         tiles=[dict(P=16, reg_kib=16), dict(P=2, reg_kib=64)])),
}
bad = []
for name, (tech, k) in runs.items():
    hw = S.Hw(tech=tech, P=16, L=3, reg_kib=128, sram_kib=k.pop('sram_kib', 256), clock_mhz=k.pop('clock_mhz', 100), **k)
    for a in ('f3', 'bp'):
        d = f'out/{name}/{a}'
        bad += S.check(d, hw, N(W, a), 24, name)
        bad += S.check_technology(d, hw)
    if S.hardware(f'out/{name}/f3')['energy_pj']['leakage'] <= 0: bad.append(f'{name}: no leakage (test setup)')
S.report(bad)" "the auto figures: a run's energy by item, leakage or area per tile is not the cited tables' through Energy and area"

# what the runs above must exercise, so that a wrong figure cannot pass unseen
check "
import json
H = lambda n, a='f3': S.hardware(f'out/{n}/{a}')
e = {json.load(open(f'out/{n}/f3/run.json'))['hardware']['engine'] for n in ('m_lstp2', 'n45', 'n22', 'r_lop', 'm_lop_map')}
assert e == {'analytic'}, e
assert H('n16')['engine'] == 'systemc', H('n16')['engine']
assert H('m_table16')['config']['tile']['sram']['read_pj_per_byte'] == (10 + 20) / 16        # the log-size mean of 8 and 32 KiB
assert H('n28')['config']['tile']['rom']['read_pj_per_byte'] == 0.7                          # set: not moved
d = H('n7')['config']['dram']                                                                  # ddr4, off chip: not moved
assert (d['standard'], d['pj_per_byte']) == ('ddr4', 5.75 * 8) and abs(d['background_mw'] - (40.8 + 11.1)) < 1e-12, d
us = H('n7')['cycles'] / 100
assert abs(H('n7')['energy_pj']['dram'] - 51.9e3 * us) < 1e-9 * 51.9e3 * us, H('n7')['energy_pj']
# the SRAM register files: hp 2 KiB, 512 B and 1.5 KiB banks, per tile (a byte costs each tile its own)
r = S.tiles_csv('out/r_table/f3')
assert len({round(float(x['energy_registers_pj']) / float(x['register_bytes']), 3) for x in r}) == 3, r
" "the runs do not exercise what they should (engines, set figures, the DRAM, per-tile register files)"

# ---- the clock: with named cells it may not pass what the lanes reach --------------------
fmax() { python3 -c "import chip_spec as S, math; print(math.floor(S.max_clock_mhz('$1', $2, $3)))"; }
want=$(fmax lstp 90 0.7)
expect 2 "hardware.clock_mhz 100: lstp logic at 90 nm and 0.7 V reaches $want MHz" -- \
    "$f3sim" check s.yaml --set hardware.technology.cells=lstp --set hardware.technology.node_nm=90 \
    --set hardware.technology.vdd=0.7
want=$(fmax lop 28 0.5)
expect 2 "hardware.clock_mhz 400: lop logic at 28 nm and 0.5 V reaches $want MHz" -- \
    "$f3sim" check s.yaml --set hardware.technology.cells=lop --set hardware.technology.node_nm=28 \
    --set hardware.technology.vdd=0.5 --set hardware.clock_mhz=400
# at the derived limit itself the chip runs; table cells have no limit
expect 0 "" -- "$f3sim" check s.yaml --set hardware.technology.cells=lop --set hardware.technology.node_nm=28 \
    --set hardware.technology.vdd=0.5 --set hardware.clock_mhz="$want"
expect 0 "" -- "$f3sim" check s.yaml --set hardware.technology.node_nm=90 --set hardware.technology.vdd=0.7 \
    --set hardware.clock_mhz=5000

# ---- the derivation itself: its figures against the document's rounded values ---------------
check "
close = lambda x, y, r: abs(x / y - 1) < r
# Default figures (docs/hardware-costs.md: 4 significant digits)
assert close(S.ENERGY_40, 1.1508, 1e-4) and close(S.LANE_AREA_MM2, 0.1412, 1e-3) and close(S.LANE_LEAK_UW, 1661.5, 1e-4)
assert close(S.REG_PJ, 0.08285, 1e-3) and close(S.REG_LEAK, 697.2, 1e-3) and close(S.REG_AREA, 0.06202, 1e-3)
assert close(S.LFSR_PJ, 0.3334, 1e-3) and close(S.LFSR_AREA, 0.0002482, 1e-3)
for (kib, r, w, l, a), (dl, da) in zip(S.SRAM_TABLES['table'], ((60.53, 0.005268), (60.52, 0.004426), (60.50, 0.003738))):
    assert close(l, dl, 1e-4) and close(a, da, 1e-3), (kib, l, a)
assert S.sram_45('table', 256 * 1024)[0] == 8.5 and S.sram_45('table', 4096)[0] == 1.25
assert close(S.sram_45('table', 8192)[2] / 3, 20.18, 1e-3) and close(S.sram_45('table', 8192)[3] / 3, 0.001756, 1e-3)
# Technology scaling: HP energy at 0.9 V, area, delay at 0.9 V (the document's factor table)
for n, fe, fa, fd in ((32, 0.654, 0.46, 0.663), (28, 0.532, 0.377, 0.692), (22, 0.349, 0.252, 0.737),
                      (20, 0.287, 0.21, 0.751), (16, 0.226, 0.19, 0.491), (14, 0.181, 0.17, 0.333), (7, 0.124, 0.059, 0.212)):
    e, _, a = S.tech_factors(n, 0.9)
    d = S.node_at(n, 0.9)[2] / S.node_at(45, 0.9)[2]
    assert abs(e - fe) < 6e-4 and abs(a - fa) < 6e-4 and abs(d - fd) < 6e-4, (n, e, a, d)
# the logic (docs/scenarios.md, hardware.technology.cells): lstp × 6.8e-5, lop × 0.081; slower × 2.78, × 1.82; 360 MHz
assert close(S.logic_leakage('lstp'), 6.8e-5, 0.01) and close(S.logic_leakage('lop'), 0.081, 0.01)
assert close(S.logic_delay('lstp'), 2.78, 0.002) and close(S.logic_delay('lop'), 1.82, 0.002)
assert int(S.max_clock_mhz('lstp', 45, 0.9)) == 360 and S.logic_leakage('table') == 1 == S.logic_delay('hp')
" "the derivation itself is off (lib/chip_spec.py against docs/hardware-costs.md's rounded figures)"

finish chip_technology
