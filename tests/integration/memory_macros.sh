#!/usr/bin/env bash
# SRAM macros, cell types and the technology node (issue 18, first part): with
# hardware.tile.sram.macro_kib the auto figures of the tiles' SRAM and of an
# on-chip error store are one macro's (a byte read costs what it costs in
# one macro, whatever the capacity), and hardware.technology.cells picks the
# table: the capacity table, or CACTI 7.0's hp, lstp or lop cells at 45 nm.
# Expected figures are the CACTI runs as docs/hardware-costs.md tabulates
# them ("SRAM macros by size and cell type", per 64-bit access / 8) and
# Horowitz's 32 KB read (20 pJ per 64 bits), the sources the table cites;
# the SRAM energy of a run is its bytes times the figure; a capacity that
# is not a whole number of macros is refused at its key.  With
# hardware.technology.{node_nm, vdd} every auto figure moves from the 45 nm,
# 0.9 V tables by Stillmaker & Baas's energy fit (V² for dynamic energy, V
# for leakage) and hwcomponents' area factors, recomputed here from the
# coefficients docs/hardware-costs.md cites.
#   memory_macros.sh F3SIM SOURCE_DIR TMP_DIR
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/lib/common.bash"
f3sim=$1 tmp=$3/memory_macros
rm -rf "$tmp" && mkdir -p "$tmp" && cd "$tmp" || exit 1
check() { if python3 -c "$1"; then ok; else bad "$2"; fi; }

python3 "$here/lib/make_csv.py" . 23 300 30 --no-header
cat > s.yaml <<Y
name: s
network: {hidden: [12]}
dataset: {name: csv, path: train.csv, test_path: test.csv, classes: 3}
training: {compare: [f3, bp], epochs: 1, batch_size: 10, optimizer: sgd, lr: 0.01, threads: 1}
hardware:
  clock_mhz: 300
  tile: {mac_lanes: 8, sram: {capacity_kib: 256}}
  links: {backward: {bytes_per_cycle: 8}}
outputs: {folder: out}
Y
run() {  # NAME --set ...
  local n=$1; shift
  "$f3sim" run s.yaml --quiet --set name="$n" "$@" > "$n.log" 2>&1 || { bad "run $n failed"; tail -5 "$n.log"; }
}
run mono
run table32 --set hardware.tile.sram.macro_kib=32
run hp64 --set hardware.technology.cells=hp --set hardware.tile.sram.macro_kib=64
run lstp64 --set hardware.technology.cells=lstp --set hardware.tile.sram.macro_kib=64
run lstp64a --set hardware.technology.cells=lstp --set hardware.tile.sram.macro_kib=64 --engine analytic
run lop256 --set hardware.technology.cells=lop
run lop16 --set hardware.technology.cells=lop --set hardware.tile.sram.macro_kib=16 \
    --set "hardware.mapping.layers_per_tile=[1, 1]" --set "hardware.tiles.sram_capacity_kib=[64, 16]"

check "
import json, math
J = lambda n, r='f3': json.load(open(f'out/{n}/{r}/run.json'))['hardware']
# CACTI 7.0, 45 nm (docs/hardware-costs.md): read, write pJ per 64-bit access; µW/KiB; mm²/KiB
cacti = {('hp', 64): (28.98, 17.19, 485.7, 0.00287), ('lstp', 64): (25.87, 19.65, 0.0261, 0.00327),
         ('lop', 256): (20.31, 15.30, 21.84, 0.00341), ('lop', 16): (6.03, 4.42, 25.39, 0.00317)}
bad = []
def want(cells, kib):
    r, w, l, a = cacti[(cells, kib)]
    return {'read_pj_per_byte': r / 8, 'write_pj_per_byte': w / 8, 'leakage_uw_per_kib': l, 'area_mm2_per_kib': a}
for run, cells, kib, macro in (('hp64', 'hp', 64, 64), ('lstp64', 'lstp', 64, 64), ('lstp64a', 'lstp', 64, 64),
                                ('lop256', 'lop', 256, None), ('lop16', 'lop', 16, 16)):
    for rule in ('f3', 'bp'):
        h = J(run, rule)
        s = h['config']['tile']['sram']
        if (s['cells'], s['macro_kib']) != (cells, macro): bad.append(f'{run}/{rule}: cells, macro {s[\"cells\"]}, {s[\"macro_kib\"]}')
        for k, v in want(cells, kib).items():
            if abs(s[k] / v - 1) > 1e-12: bad.append(f'{run}/{rule}: sram {k} {s[k]}, CACTI {v}')
            # the error store is SRAM of the same cells and macros (its figure is the macro's too)
            if rule == 'f3' and macro and abs(h['config']['error_store'][k] / v - 1) > 1e-12:
                bad.append(f'{run}: error store {k} {h[\"config\"][\"error_store\"][k]}, CACTI {v}')
# Horowitz: a 64-bit read of a 32 KB SRAM costs 20 pJ; with 32 KiB macros a 256 KiB SRAM pays that
t = J('table32')['config']['tile']['sram']
if t['read_pj_per_byte'] != 20 / 8 or t['cells'] != 'table': bad.append(f'table32: {t}')
m = J('mono')['config']['tile']['sram']
if m['read_pj_per_byte'] <= t['read_pj_per_byte'] or m['macro_kib'] is not None:
    bad.append(f'mono: one 256 KiB array should cost more per byte than a 32 KiB macro: {m}')
# the run's SRAM energy is its bytes times the figures (tiles.csv)
import csv
for run in ('hp64', 'lstp64', 'table32'):
    h = J(run)
    s = h['config']['tile']['sram']
    rows = list(csv.DictReader(open(f'out/{run}/f3/tiles.csv')))
    e = sum(float(r['sram_read_bytes']) * s['read_pj_per_byte'] + float(r['sram_written_bytes']) * s['write_pj_per_byte'] for r in rows)
    if abs(e / h['energy_pj']['sram'] - 1) > 1e-9: bad.append(f'{run}: SRAM energy {h[\"energy_pj\"][\"sram\"]}, bytes x figure {e}')
# the engines agree
a, b = J('lstp64'), J('lstp64a')
for k in ('energy_pj', 'cycles', 'area_mm2'):
    if a[k] != b[k]: bad.append(f'lstp64 SystemC and analytic differ in {k}: {a[k]} / {b[k]}')
# lstp leaks far less than hp: the SRAM's share of leakage
if not J('lstp64')['energy_pj']['leakage'] < J('hp64')['energy_pj']['leakage']: bad.append('lstp leaks no less than hp')
print('\n'.join(bad)) if bad else None
assert not bad
" "SRAM macros and cells: figures not the cited tables', or energy not bytes x figure"

# technology: the 45 nm, 0.9 V tables moved to 28 nm at 0.8 V (Stillmaker & Baas's HP energy fit,
# 28 nm between 32 and 20 nm; hwcomponents' area row), a set figure and the DRAM's left alone
run n45 --set hardware.technology.cells=lop --set hardware.tile.sram.macro_kib=64
run n28 --set hardware.technology.cells=lop --set hardware.tile.sram.macro_kib=64 \
    --set hardware.technology.node_nm=28 --set hardware.technology.vdd=0.8 --set hardware.tile.rom.read_pj_per_byte=0.7
check "
import json
J = lambda n, r='f3': json.load(open(f'out/{n}/{r}/run.json'))['hardware']['config']
e = lambda a, b, c, v=0.9: a * v * v + b * v + c           # [SB] HP energy fits (docs/hardware-costs.md)
e45, e32, e20 = e(1.018, -0.3107, 0.1539), e(0.8367, -0.4341, 0.1701), e(0.373, -0.1582, 0.04104)
node = (2 / 3 * e32 + 1 / 3 * e20) / e45
fe, fl, fa = node * (0.8 / 0.9) ** 2, node * 0.8 / 0.9, 2 / 3 * 0.46 + 1 / 3 * 0.21
a, b = J('n45'), J('n28')
bad = []
close = lambda x, y: abs(x / y - 1) < 1e-12
t = b['technology']
if (t['node_nm'], t['vdd']) != (28, 0.8) or not (close(t['energy_factor'], fe) and close(t['leakage_factor'], fl) and close(t['area_factor'], fa)):
    bad.append(f'technology {t}, derived {fe}, {fl}, {fa}')
if J('mono')['technology']['energy_factor'] != 1: bad.append('45 nm at 0.9 V is not the tables themselves')
for sec, k, f in (('sram', 'read_pj_per_byte', fe), ('sram', 'write_pj_per_byte', fe), ('sram', 'leakage_uw_per_kib', fl),
                  ('sram', 'area_mm2_per_kib', fa), ('registers', 'pj_per_byte', fe), ('registers', 'leakage_uw_per_kib', fl),
                  ('registers', 'area_mm2_per_kib', fa), ('rom', 'leakage_uw_per_kib', fl), ('rom', 'area_mm2_per_kib', fa)):
    if not close(b['tile'][sec][k], a['tile'][sec][k] * f): bad.append(f'{sec}.{k}: {b["tile"][sec][k]}, derived {a["tile"][sec][k] * f}')
for k, f in (('lane_leakage_uw', fl), ('lane_area_mm2', fa)):
    if not close(b['tile'][k], a['tile'][k] * f): bad.append(f'{k}: {b["tile"][k]}, derived {a["tile"][k] * f}')
for k in ('fma_pj', 'add_pj', 'mul_pj', 'elementwise_pj'):
    if not close(b['energy'][k], a['energy'][k] * fe): bad.append(f'energy.{k}: {b["energy"][k]}')
for k in ('read_pj_per_byte', 'leakage_uw_per_kib'):   # the store: the tiles' SRAM cells, macros and node
    if not close(b['error_store'][k], b['tile']['sram'][k]): bad.append(f'error store {k} {b["error_store"][k]}')
if b['tile']['rom']['read_pj_per_byte'] != 0.7: bad.append('a figure the scenario sets moved with the node')
if b['dram']['pj_per_byte'] != a['dram']['pj_per_byte']: bad.append('the DRAM (off chip) moved with the node')
print('\n'.join(bad)) if bad else None
assert not bad
" "technology: 28 nm at 0.8 V is not the cited scaling of the 45 nm tables"
# registers: flip-flops (size-independent), or an SRAM register file of CACTI's runs at the size of
# one bank per lane (8 lanes: 8 KiB in banks of 1 KiB, 64 KiB in banks of 8 KiB)
run rf8k --set hardware.tile.registers.kind=sram --set hardware.tile.registers.capacity_kib=8
run rf64 --set hardware.tile.registers.kind=sram --set hardware.tile.registers.capacity_kib=64 \
    --set hardware.technology.cells=lstp
run ff1k --set hardware.tile.registers.capacity_kib=1
check "
import json, csv
J = lambda n: json.load(open(f'out/{n}/f3/run.json'))['hardware']
bad = []
# CACTI 7.0, 45 nm: hp register file 1 KiB (read 1.43, write 2.91 pJ per 64 bits; 577 µW/KiB; 0.003601 mm²/KiB),
# lstp 8 KiB (read 6.14, write 7.88; 0.0321; 0.00328): a byte costs the dearer of read and write
for run, want in (('rf8k', (2.91 / 8, 577, 0.003601)), ('rf64', (7.88 / 8, 0.0321, 0.00328))):
    r = J(run)['config']['tile']['registers']
    got = (r['pj_per_byte'], r['leakage_uw_per_kib'], r['area_mm2_per_kib'])
    if r['kind'] != 'sram' or any(abs(g / w - 1) > 1e-12 for g, w in zip(got, want)): bad.append(f'{run}: {r}, CACTI {want}')
    h = J(run)
    rows = list(csv.DictReader(open(f'out/{run}/f3/tiles.csv')))
    e = sum(float(x['register_bytes']) for x in rows) * r['pj_per_byte']
    if abs(e / h['energy_pj']['registers'] - 1) > 1e-9: bad.append(f'{run}: register energy {h[\"energy_pj\"][\"registers\"]}, bytes x figure {e}')
f = J('ff1k')['config']['tile']['registers']
m = J('mono')['config']['tile']['registers']
if f['kind'] != 'flipflop' or (f['pj_per_byte'], f['leakage_uw_per_kib'], f['area_mm2_per_kib']) != (m['pj_per_byte'], m['leakage_uw_per_kib'], m['area_mm2_per_kib']):
    bad.append(f'flip-flops are not size-independent: {f} / {m}')
if not J('rf8k')['config']['tile']['registers']['area_mm2_per_kib'] * 10 < f['area_mm2_per_kib']:
    bad.append('an SRAM register file is not an order of magnitude smaller than flip-flops per KiB')
print('\n'.join(bad)) if bad else None
assert not bad
" "registers: an SRAM register file's figures are not CACTI's runs, or flip-flops depend on size"
# compare sizes each searched SRAM in the chip's own macro, unless comparison.macro_kib says otherwise
for m in "64:" "32:--set hardware.tile.sram.macro_kib=32" "128:--set hardware.tile.sram.macro_kib=32 --set comparison.macro_kib=128"; do
  want=${m%%:*}
  # shellcheck disable=SC2086
  "$f3sim" compare s.yaml --budget lanes=16 --quiet ${m#*:} > compare.log 2>&1 || bad "compare ${m#*:} failed"
  got=$(json out/s/compare_budget.json "d['search']['macro_kib']")
  [ "$got" = "$want" ] && ok || bad "compare ${m#*:}: search macro ${got} KiB, wanted ${want}"
done
# the DRAM by standard: its energy per byte, and its background power over the run in the DRAM's energy
run ddr4 --set hardware.dram.standard=ddr4 --set hardware.tile.sram.capacity_kib=0.25
run lp4 --set hardware.dram.standard=lpddr4 --set hardware.tile.sram.capacity_kib=0.25 --set hardware.technology.node_nm=28
run hbm --set hardware.dram.standard=hbm2 --set hardware.tile.sram.capacity_kib=0.25 --set hardware.dram.background_mw=12.5
check "
import json
bad = []
# gem5 DDR4-2400 currents: 5.75 pJ/bit, 40.8 + 11.1 mW; DRAMPower LPDDR4-3200: 8.5 pJ/bit, 34.1 + 5.7 mW;
# Accelergy HBM2: 3.9 pJ/bit (background set by hand here)
for run, pj, mw in (('ddr4', 5.75 * 8, 51.9), ('lp4', 8.5 * 8, 39.8), ('hbm', 3.9 * 8, 12.5)):
    for rule in ('f3', 'bp'):
        h = json.load(open(f'out/{run}/{rule}/run.json'))['hardware']
        d = h['config']['dram']
        if abs(d['pj_per_byte'] / pj - 1) > 1e-12 or abs(d['background_mw'] / mw - 1) > 1e-12: bad.append(f'{run}: {d}')
        moved = h['dram_bytes']['read'] + h['dram_bytes']['written']
        us = h['cycles'] / h['config']['clock_mhz']
        want = moved * pj + mw * 1e3 * us
        if moved == 0: bad.append(f'{run}/{rule}: the test wants DRAM traffic (256 B of SRAM)')
        if abs(h['energy_pj']['dram'] / want - 1) > 1e-9: bad.append(f'{run}/{rule}: DRAM energy {h[\"energy_pj\"][\"dram\"]}, bytes x pJ + mW x time {want}')
print('\n'.join(bad)) if bad else None
assert not bad
" "DRAM by standard: energy per byte, background power or the DRAM energy off"
expect 2 "--set\\[1\\]:1:[0-9]+: the search's 16 KiB macro .* is not a whole number of the chip's 32 KiB macros" -- \
    "$f3sim" compare s.yaml --budget lanes=16 --quiet --set hardware.tile.sram.macro_kib=32 --set comparison.macro_kib=16
# explore: a point whose SRAM is not a whole number of its macros cannot run (as check and run refuse it)
cat > ex.yaml <<Y
$(cat s.yaml)
explore:
  space:
    hardware.tile.sram.macro_kib: [32, 48]
    hardware.technology.node_nm: [45, 7]
Y
sed -i 's/^outputs: {folder: out}$//' ex.yaml && echo "outputs: {folder: out}" >> ex.yaml
"$f3sim" explore ex.yaml --quiet > explore.log 2>&1 || bad "explore failed: $(tail -2 explore.log)"
check "
import csv
rows = list(csv.DictReader(open('out/s/explore.csv')))
st = {(r['hardware.tile.sram.macro_kib'], r['hardware.technology.node_nm']): r['status'] for r in rows}
assert len(rows) == 8, len(rows)
assert all(st[('32', n)] == 'ok' for n in ('45', '7')), st
assert all('not a whole number of 48 KiB macros' in st[('48', n)] for n in ('45', '7')), st
" "explore: a point with an SRAM that is not whole macros runs, or a good point does not"
expect 2 "--set\\[1\\]:1:[0-9]+: hardware.dram.standard.*(custom|one of)" -- "$f3sim" check s.yaml --set hardware.dram.standard=ddr5
expect 2 "--set\\[1\\]:1:[0-9]+: hardware.technology.vdd" -- "$f3sim" check s.yaml --set hardware.technology.vdd=3
expect 2 "--set\\[1\\]:1:[0-9]+: hardware.dram.background_mw" -- "$f3sim" check s.yaml --set hardware.dram.background_mw=-1
expect 2 "hardware.tile.registers.kind.*(flipflop|one of)" -- "$f3sim" check s.yaml --set hardware.tile.registers.kind=latch
expect 2 "hardware.technology.node_nm 40: the scaling table has 90, 65, 45, 32, 28" -- "$f3sim" check s.yaml \
    --set hardware.technology.node_nm=40

expect 2 "s.yaml:7:[0-9]+: hardware.tile.sram.capacity_kib 256 is not a whole number of 48 KiB macros" -- \
    "$f3sim" check s.yaml --set hardware.tile.sram.macro_kib=48
expect 2 "hardware.tiles.sram_capacity_kib: tile 2's 40 KiB is not a whole number of 16 KiB macros" -- \
    "$f3sim" check s.yaml --set hardware.tile.sram.macro_kib=16 --set "hardware.mapping.layers_per_tile=[1, 1]" \
    --set "hardware.tiles.sram_capacity_kib=[64, 40]"
expect 2 "hardware.technology.cells.*(hp|one of)" -- "$f3sim" check s.yaml --set hardware.technology.cells=ulp

# the logic's devices: with named cells the lanes and flip-flops leak as CACTI's 45 nm devices do,
# (I_off + I_g)·Vdd against hp's, the ROM is a third of the cells' 8 KiB macro, and the clock may not
# pass 1000 MHz × d_45(0.9 V) / d_node(vdd) (Stillmaker & Baas's delay fit) / (C·Vdd/I_on against hp)
run lg_hp --set hardware.technology.cells=hp
run lg_lstp --set hardware.technology.cells=lstp
run lg_lop65 --set hardware.technology.cells=lop --set hardware.technology.node_nm=65 --set hardware.clock_mhz=200
check "
import json
J = lambda n: json.load(open(f'out/{n}/f3/run.json'))['hardware']['config']
T = lambda n: json.load(open(f'out/{n}/f3/run.json'))['hardware']['config']['technology']
# tech_params/45nm.dat (CACTI 7.0): Vdd, C_g_ideal + C_fringe, I_on_n, I_off_n (300 K), I_g_on_n
dev = dict(hp=(1.0, 6.78e-16 + 5e-17, 2.0466e-3, 2.8e-7, 3.59e-8), lstp=(1.1, 5.18e-16 + 8e-17, 6.662e-4, 1.01e-11, 9.47e-12),
           lop=(0.7, 6.2e-16 + 7.3e-17, 7.489e-4, 4.03e-9, 3.24e-8))
leak = {c: (d[3] + d[4]) * d[0] / ((dev['hp'][3] + dev['hp'][4]) * dev['hp'][0]) for c, d in dev.items()}
delay = {c: d[1] * d[0] / d[2] / (dev['hp'][1] * dev['hp'][0] / dev['hp'][2]) for c, d in dev.items()}
dfit = lambda a, b, c, d, v: a * v ** 3 + b * v * v + c * v + d
d45, d65 = dfit(-501.6, 1567, -1619, 566.1, 0.9), dfit(-53.3, 230.4, -333.9, 178.6, 0.9)
e = lambda a, b, c, v=0.9: a * v * v + b * v + c
f65 = e(3.755, -4.398, 1.975) / e(1.018, -0.3107, 0.1539)
bad = []
close = lambda x, y: abs(x / y - 1) < 1e-9
hp, ls, lo = J('lg_hp'), J('lg_lstp'), J('lg_lop65')
for k in ('lane_leakage_uw',):
    if not close(ls['tile'][k], hp['tile'][k] * leak['lstp']): bad.append(f'lstp {k} {ls["tile"][k]}')
    if not close(lo['tile'][k], hp['tile'][k] * leak['lop'] * f65): bad.append(f'lop 65 nm {k} {lo["tile"][k]}')
if not close(ls['tile']['registers']['leakage_uw_per_kib'], hp['tile']['registers']['leakage_uw_per_kib'] * leak['lstp']):
    bad.append('flip-flops do not leak as lstp devices')
if not close(ls['tile']['rom']['leakage_uw_per_kib'], 0.0321 / 3) or not close(ls['tile']['rom']['read_pj_per_byte'], 6.14 / 8):
    bad.append(f'lstp ROM {ls["tile"]["rom"]}: not a third of the 8 KiB lstp macro')
for n, c, dn in (('lg_hp', 'hp', d45), ('lg_lstp', 'lstp', d45), ('lg_lop65', 'lop', d65)):
    want = 1000 * d45 / dn / delay[c]
    if not close(T(n)['max_clock_mhz'], want): bad.append(f'{n}: max_clock_mhz {T(n)["max_clock_mhz"]}, derived {want}')
    if not close(T(n)['logic_leakage_factor'], leak[c]): bad.append(f'{n}: logic_leakage_factor {T(n)["logic_leakage_factor"]}')
if not close(lo['technology']['area_factor'], 1.5): bad.append('65 nm area factor')
print('\n'.join(bad)) if bad else None
assert not bad
" "logic by device type: leakage, ROM or the fastest clock not CACTI's devices and the delay fit"
expect 2 "--set.1.:1:[0-9]+: hardware.clock_mhz 1000: lstp logic at 45 nm and 0.9 V reaches 360 MHz" -- \
    "$f3sim" check s.yaml --set hardware.clock_mhz=1000 --set hardware.technology.cells=lstp
expect 2 "s.yaml:6:[0-9]+: hardware.clock_mhz 300: lop logic at 65 nm and 0.9 V reaches 267 MHz" -- \
    "$f3sim" check s.yaml --set hardware.technology.cells=lop --set hardware.technology.node_nm=65

finish memory_macros
