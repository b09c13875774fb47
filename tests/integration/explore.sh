#!/usr/bin/env bash
# Numerics vs hardware keys, the numerics cache, and f3sim explore:
# - f3sim keys tags every key numerics, hardware or output;
# - a sweep over a hardware key trains once per numerics point: the other
#   points reuse the training (same weights_sha256, "reused" on stderr) and
#   their chip figures, from the analytic evaluator, equal the figures of
#   the same points trained on the SystemC chip (--engine systemc);
#   a rerun trains nothing; --force retrains;
# - explore writes explore.csv and pareto.csv with the required columns;
#   the front equals a brute-force O(n²) dominance check of explore.csv; the
#   output is deterministic (seeded); lhs covers every stratum; grids
#   enumerate every combination; bad explore sections fail with
#   file:line:col and exit 2.
#   explore.sh F3SIM SOURCE_DIR TMP_DIR
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/lib/common.bash"
f3sim=$1 src=$(cd "$2" && pwd) tmp=$3/explore
rm -rf "$tmp" && mkdir -p "$tmp" && cd "$tmp" || exit 1
check() { if python3 -c "$1"; then ok; else bad "$2"; fi; }

python3 "$here/lib/make_csv.py" . 11 300 100 --no-header
base() {  # name compare epochs
  cat <<Y
name: $1
network: {hidden: [12]}
dataset: {name: csv, path: train.csv, test_path: test.csv, classes: 3}
training: {compare: $2, epochs: $3, batch_size: 10, optimizer: adam, lr: 0.01}
hardware:
  tile: {mac_lanes: 4}
  links: {forward: {bytes_per_cycle: 8}, backward: {bytes_per_cycle: 8}}
outputs: {folder: out}
Y
}

# ---- key tags ------------------------------------------------------------------------
"$f3sim" keys > keys.txt
check "
tags = {l.split()[0]: l.split()[1] for l in open('keys.txt')}
assert tags['training.lr'] == 'numerics' and tags['numerics.weights.format'] == 'numerics', tags
assert tags['hardware.tile.mac_lanes'] == 'hardware' and tags['hardware.clock_mhz'] == 'hardware'
assert tags['outputs.folder'] == 'output' and tags['name'] == 'output'
assert set(tags.values()) == {'numerics', 'hardware', 'output'}, set(tags.values())
assert all(v == 'hardware' for k, v in tags.items() if k.startswith('hardware.')), tags
" "f3sim keys: a key without its tag, or a wrong tag"

# ---- a hardware sweep trains once per numerics point ---------------------------------
{ base hw "[f3, bp]" 2; cat <<Y
sweep:
  hardware.tile.mac_lanes: [2, 8]
  hardware.tile.sram.capacity_kib: [0.5, 64]
Y
} > hw.yaml
"$f3sim" run hw.yaml > hw1.out 2> hw1.err || { bad "hardware sweep failed"; cat hw1.err; }
n_reused=$(grep -c "its training reused" hw1.err)
[ "$n_reused" -eq 6 ] && ok || bad "4 points × 2 rules: wanted 6 reused trainings, got $n_reused"
check "
import csv, glob
rows = [r for f in sorted(glob.glob('out/hw/point-*/compare.csv')) for r in csv.DictReader(open(f))]
assert len(rows) == 8, len(rows)
for a in ('f3', 'bp'):
    h = {r['weights_sha256'] for r in rows if r['algorithm'] == a}
    assert len(h) == 1, (a, h)
    acc = {r['final_test_accuracy_percent'] for r in rows if r['algorithm'] == a}
    assert len(acc) == 1, (a, acc)
# a reused point's run.json holds the ledger, equal to the trained point's
import json
runs = sorted(glob.glob('out/hw/point-*/f3/run.json'))
J = [json.load(open(f)) for f in runs]
trained = [j for j in J if 'reused_training' not in j]
reused = [j for j in J if 'reused_training' in j]
assert len(trained) == 1 and len(reused) == 3, (len(trained), len(reused))
for j in reused:
    assert j['ledger'] == trained[0]['ledger'], 'ledgers differ'
    assert j['weights_sha256'] == trained[0]['weights_sha256']
" "hardware-only points do not share their numerics point's training (weights, accuracy, ledger)"
# the same sweep, every point trained on the SystemC chip: equal chip figures
"$f3sim" run hw.yaml --engine systemc --set outputs.folder=sysc --quiet > /dev/null 2> sysc.err \
  || { bad "--engine systemc sweep failed"; cat sysc.err; }
grep -q "reused" sysc.err && bad "--engine systemc reused a training" || ok
check "
import csv, glob
def rows(d):
    return {(f.split('/')[-2], r['algorithm']): r for f in sorted(glob.glob(d + '/hw/point-*/compare.csv'))
            for r in csv.DictReader(open(f))}
a, s = rows('out'), rows('sysc')
assert a.keys() == s.keys() and len(a) == 8, (a.keys(), s.keys())
bad = [(k, c, a[k][c], s[k][c]) for k in a for c in a[k] if c.startswith('chip_') and a[k][c] != s[k][c]]
assert not bad, bad[:5]
assert any(float(r['chip_per_sample_dram_bytes']) > 0 for r in a.values()), 'no point spills to DRAM (test setup)'
" "a reused training's analytic chip figures differ from SystemC's for the same point"
# a rerun trains nothing; --force retrains
"$f3sim" run hw.yaml > /dev/null 2> hw2.err || bad "rerun failed"
[ "$(grep -c "its training reused" hw2.err)" -eq 8 ] && ok || bad "a rerun retrained: $(grep -c reused hw2.err) reused"
"$f3sim" run hw.yaml --force > /dev/null 2> hw3.err || bad "--force run failed"
[ "$(grep -c "its training reused" hw3.err)" -eq 6 ] && ok || bad "--force: wanted 2 retrained, 6 reused"
ls out/.numerics-cache/*/record.txt > /dev/null 2>&1 && ok || bad "no numerics cache entries"
# a numerics key changes the key: a new training
"$f3sim" run hw.yaml --set training.lr=0.02 > /dev/null 2> hw4.err || bad "lr run failed"
[ "$(grep -c "its training reused" hw4.err)" -eq 6 ] && ok || bad "training.lr=0.02 reused a training of lr 0.01"
expect 2 "engine expects analytic or systemc" -- "$f3sim" run hw.yaml --engine fast
# an entry this build cannot read is trained again and replaced
for r in out/.numerics-cache/*/record.txt; do echo "f3sim_version broken" > "$r"; done
"$f3sim" run hw.yaml > /dev/null 2> hw5.err || bad "run over broken cache entries failed"
[ "$(grep -c "its training reused" hw5.err)" -eq 6 ] && ok || bad "broken entries: wanted 2 retrained, 6 reused"
"$f3sim" run hw.yaml > /dev/null 2> hw6.err || bad "rerun after replacing entries failed"
[ "$(grep -c "its training reused" hw6.err)" -eq 8 ] && ok || bad "the replaced entries are not used"
ls out/.numerics-cache | grep -q "tmp" && bad "a temporary cache folder was left: $(ls out/.numerics-cache)" || ok

# ---- explore ---------------------------------------------------------------------------
{ base ex "[f3, bp]" 2; cat <<Y
explore:
  method: random
  samples: 400
  seed: 7
  space:
    hardware.tile.mac_lanes: {from: 1, to: 64, scale: log2}
    hardware.tile.sram.capacity_kib: {from: 2, to: 64, scale: log2}
    hardware.tile.dataflow: [output_stationary, weight_stationary]
  zip:
    hardware.links.forward.bytes_per_cycle: [2, 8, 32]
    hardware.links.backward.bytes_per_cycle: [2, 8, 32]
  constraints: {area_mm2_max: 16.5, fits_sram: false}
Y
} > ex.yaml
"$f3sim" explore ex.yaml > ex1.out 2> ex1.err || { bad "explore failed"; cat ex1.err; }
cp out/ex/explore.csv explore1.csv
grep -q "training reused" ex1.err && ok || bad "explore retrained what the cache holds (same csv numerics as hw.yaml? no: new name, same numerics)"
check "
import csv
R = list(csv.DictReader(open('out/ex/explore.csv')))
P = list(csv.DictReader(open('out/ex/pareto.csv')))
need = ['rule', 'test_accuracy_pct', 'energy_per_sample_nJ', 'samples_per_second', 'area_mm2',
        'hardware.tile.mac_lanes', 'hardware.tile.sram.capacity_kib', 'hardware.tile.dataflow',
        'hardware.links.forward.bytes_per_cycle', 'hardware.links.backward.bytes_per_cycle']
for f, rows in (('explore', R), ('pareto', P)):
    miss = [c for c in need if c not in rows[0]]
    assert not miss, (f, miss)
    assert any(c.startswith('energy_') and c.endswith('_nJ') for c in rows[0]) and 'area_tiles_mm2' in rows[0]
assert len(R) == 800, len(R)
feas = [r for r in R if r['feasible'] == '1']
assert 0 < len(feas) < len(R), len(feas)
assert all(float(r['area_mm2']) <= 16.5 for r in feas)
# brute force: every feasible point against every other, per rule
key = lambda r: (-float(r['test_accuracy_pct']), float(r['energy_per_sample_nJ']), -float(r['samples_per_second']), float(r['area_mm2']))
def dom(a, b):
    return all(x <= y for x, y in zip(a, b)) and any(x < y for x, y in zip(a, b))
want = set()
for rule in ('f3', 'bp'):
    F = [r for r in feas if r['rule'] == rule]
    for r in F:
        if not any(dom(key(q), key(r)) for q in F):
            want.add((rule, r['point']))
got = {(r['rule'], r['point']) for r in P}
assert got == want, (len(got), len(want), sorted(got ^ want)[:5])
# zipped keys move together; log2 ranges stay in range
assert all(r['hardware.links.forward.bytes_per_cycle'] == r['hardware.links.backward.bytes_per_cycle'] for r in R)
assert all(1 <= int(r['hardware.tile.mac_lanes']) <= 64 for r in R)
# issue 22: random draws snap to parts that are built: lanes and (auto-macro) SRAMs to powers of two
pow2 = lambda x: x > 0 and x == 2 ** round(__import__('math').log2(x))
assert all(pow2(int(r['hardware.tile.mac_lanes'])) for r in R), sorted({r['hardware.tile.mac_lanes'] for r in R})
assert all(pow2(float(r['hardware.tile.sram.capacity_kib'])) for r in R)
assert len({r['hardware.tile.mac_lanes'] for r in R}) == 7   # 1, 2, ..., 64: every power drawn
" "explore.csv / pareto.csv: columns, constraints, snapping or the Pareto front (against brute force) wrong"
grep -q "test_accuracy_pct: .* at every feasible point (one accuracy per rule" ex1.out && \
  ! grep -q "best test_accuracy_pct" ex1.out && ok || bad "the summary gives a best accuracy where it is one per rule"
# snap: a multiple (a given macro by default), none, and what a range without such a value is
{ base snap "[f3]" 1 | sed 's/tile: {mac_lanes: 4}/tile: {mac_lanes: 4, sram: {macro_kib: 8}}/'; cat <<Y
explore:
  method: random
  samples: 60
  space:
    hardware.tile.sram.capacity_kib: {from: 20, to: 200}
    hardware.tile.mac_lanes: {from: 3, to: 60, snap: none}
    hardware.dram.bytes_per_cycle: {from: 1, to: 64, snap: 12}
Y
} > snap.yaml
"$f3sim" explore snap.yaml --quiet > /dev/null 2> snap.err || { bad "snap explore failed"; cat snap.err; }
check "
import csv
R = list(csv.DictReader(open('out/snap/explore.csv')))
assert len(R) == 60
c = [float(r['hardware.tile.sram.capacity_kib']) for r in R]
assert all(x % 8 == 0 and 24 <= x <= 200 for x in c), sorted(set(c))
l = {int(r['hardware.tile.mac_lanes']) for r in R}
assert any(x & (x - 1) for x in l), l            # snap: none leaves lanes that are not powers of two
d = {float(r['hardware.dram.bytes_per_cycle']) for r in R}
assert d <= {12, 24, 36, 48, 60}, d
" "snap: macro multiples, none or a step not applied"
grep -q "Pareto front of" ex1.out && grep -q "best energy_per_sample_nJ" ex1.out && ok || bad "no summary on stdout"
grep -qE "ETA [0-9.]+ s" ex1.err && ok || bad "no progress with an ETA on stderr"
# deterministic: a rerun (cached) writes the same explore.csv; another seed another one
"$f3sim" explore ex.yaml --quiet > /dev/null 2>&1 || bad "explore rerun failed"
cmp -s explore1.csv out/ex/explore.csv && ok || bad "explore.csv differs between two runs of one seed"
sed 's/seed: 7/seed: 8/' ex.yaml > ex8.yaml
"$f3sim" explore ex8.yaml --quiet > /dev/null 2>&1 || bad "explore seed 8 failed"
cmp -s explore1.csv out/ex/explore.csv && bad "seed 8 gave seed 7's points" || ok

# lhs: every one of N strata of a range holds exactly one point; grid: every combination
{ base lhs "[f3]" 1; cat <<Y
explore:
  method: lhs
  samples: 50
  space:
    hardware.tile.step_latency_cycles: {from: 0, to: 1000}
    hardware.dram.bytes_per_cycle: {from: 1, to: 51}
Y
} > lhs.yaml
"$f3sim" explore lhs.yaml --quiet > /dev/null 2>&1 || bad "lhs explore failed"
check "
import csv
R = list(csv.DictReader(open('out/lhs/explore.csv')))
assert len(R) == 50
s = sorted(int(float(r['hardware.dram.bytes_per_cycle']) - 1) // 1 for r in R)
strata = sorted(min(49, int((float(r['hardware.tile.step_latency_cycles'])) / 1000 * 50)) for r in R)
assert len(set(strata)) >= 45, strata
" "lhs: the points do not spread over the strata"
{ base grid "[f3]" 1; cat <<Y
explore:
  space:
    hardware.tile.mac_lanes: {from: 2, to: 16, scale: log2}
    hardware.tile.sram.banks: {from: 1, to: 3}
    hardware.tile.rom.encoding: [fp32, ternary2]
Y
} > grid.yaml
"$f3sim" explore grid.yaml --quiet > /dev/null 2>&1 || bad "grid explore failed"
# what the scenario check refuses, the explore marks: a ROM that cannot hold B_i, a strict chip that does not fit
{ base cant "[f3]" 1; cat <<Y
explore:
  space:
    hardware.tile.rom.encoding: [fp32, int8]
    hardware.strict: [false, true]
    hardware.tile.sram.capacity_kib: [0.25, 64]
Y
} > cant.yaml
"$f3sim" explore cant.yaml --quiet > /dev/null 2>&1 || bad "explore cant.yaml failed"
check "
import csv
R = {(r['hardware.tile.rom.encoding'], r['hardware.strict'], r['hardware.tile.sram.capacity_kib']): r for r in csv.DictReader(open('out/cant/explore.csv'))}
assert len(R) == 8, len(R)
for k, r in R.items():
    cannot = k[0] == 'int8' or (k[1] == 'true' and k[2] == '0.25')
    assert r['status'].startswith('cannot run') == cannot and (r['feasible'] == '0') == cannot, (k, r['status'])
    if k[0] == 'int8': assert 'rom.encoding int8' in r['status'], r['status']
" "explore: a point the scenario check refuses is not marked 'cannot run'"
check "
import csv
R = list(csv.DictReader(open('out/grid/explore.csv')))
combos = {(r['hardware.tile.mac_lanes'], r['hardware.tile.sram.banks'], r['hardware.tile.rom.encoding']) for r in R}
assert len(R) == 24 and len(combos) == 24, (len(R), len(combos))
assert {c[0] for c in combos} == {'2', '4', '8', '16'}, combos
" "grid: not every combination"

# numerics points from a sweep: one training each, a column per swept key of both kinds
{ base swp "[f3]" 1; cat <<Y
sweep:
  training.lr: [0.01, 0.03]
explore:
  space:
    hardware.tile.mac_lanes: [1, 4, 16]
Y
} > swp.yaml
"$f3sim" explore swp.yaml > swp.out 2> swp.err || { bad "explore over a sweep failed"; cat swp.err; }
check "
import csv
R = list(csv.DictReader(open('out/swp/explore.csv')))
assert len(R) == 6, len(R)
assert {r['training.lr'] for r in R} == {'0.01', '0.03'}, {r['training.lr'] for r in R}
assert {r['numerics_point'] for r in R} == {'0', '1'}
h = {r['numerics_point']: r['weights_sha256'] for r in R}
assert h['0'] != h['1'], h
" "explore over a numerics sweep: rows, sweep columns or trainings wrong"

# ---- bad explore sections: file:line:col, exit 2, nothing written ----------------------
badspec() {  # name explore-body pattern
  { base "$1" "[f3]" 1; printf 'explore:\n%s\n' "$2"; } > "$1.yaml"
  expect 2 "$3" -- "$f3sim" explore "$1.yaml" --quiet
  [ -e "out/$1/explore.csv" ] && bad "$1: an explore.csv was written" || ok
}
badspec b1 "  space: {training.lr: [0.1, 0.01]}" "b1.yaml:10:11: explore: training.lr is a numerics key"
badspec b2 "  space: {hardware.tile.mac_lanes: {from: 64, to: 4}}" "b2.yaml:10:36: .*from 64 is above to 4"
badspec b3 "  method: lhs
  space: {hardware.tile.mac_lanes: [1, 2]}" "b3.yaml:10:3: explore: method lhs needs samples"
badspec b4 "  space: {hardware.tile.mac_lanes: [1, 2]}
  zip: {hardware.links.forward.bytes_per_cycle: [1, 2], hardware.links.backward.bytes_per_cycle: [1]}" \
  "b4.yaml:10:3: explore.zip: .* has 1 values"
badspec b5 "  space: {hardware.tile.mac_lanes: [0, 2]}" "b5.yaml:10:37: .*0 is outside \\[1, 65536\\]"
badspec b6 "  space: {hardware.tile.dataflow: [diagonal]}" "b6.yaml:10:36: .*'diagonal' is not one of"
badspec b7 "  spaces: {hardware.tile.mac_lanes: [1]}" "b7.yaml:10:3: explore: unknown key 'spaces'"
badspec b8 "  space: {hardware.tile.mac_lanes: [1]}
  constraints: {area_max: 3}" "b8.yaml:11:17: explore.constraints: unknown constraint 'area_max'"
badspec b9 "  space: {hardware.tile.mac_lans: [1]}" "b9.yaml:10:11: explore: 'hardware.tile.mac_lans' is not a key path"
badspec b11 "  space: {comparison.budget.area_mm2: [10, 20]}" "b11.yaml:10:11: explore: comparison.budget.area_mm2 is about choosing a chip"
badspec b12 "  space: {hardware.tile.mac_lanes: {from: 5, to: 7}}" "b12.yaml:10:36: explore: hardware.tile.mac_lanes: no power of two lies in \\[5, 7\\]"
badspec b13 "  space: {hardware.tile.mac_lanes: {from: 4, to: 8, snap: cubes}}" "b13.yaml:10:59: .*snap is none, pow2 or a positive number"
badspec b10 "  space: {hardware.tile.mac_lanes: {from: 0, to: 4, scale: log2}}" "b10.yaml:10:36: .*needs from > 0|leaves the key's range"
base nohw "[f3]" 1 | grep -v -e '^hardware:' -e '^  tile:' -e '^  links:' > nohw.yaml
printf 'explore:\n  space: {hardware.tile.mac_lanes: [1, 2]}\n' >> nohw.yaml
expect 2 "nohw.yaml:6:1: explore needs a hardware section" -- "$f3sim" explore nohw.yaml
{ base big "[f3, bp]" 1; printf 'explore:\n  method: random\n  samples: 3000000\n  space: {hardware.tile.mac_lanes: [1, 2]}\n'; } > big.yaml
expect 2 "big.yaml:9:1: 3000000 hardware points × 2 numerics points; at most 5000000 evaluations" -- "$f3sim" explore big.yaml --quiet
[ -e out/big ] && bad "a refused explore left out/big" || ok
# hardware.mapping.auto picks one chip per run; explore varies its own axes: refused at the key
expect 2 "--set\\[1\\]:1:[0-9]+: hardware.mapping.auto chooses one chip per run, but explore" -- "$f3sim" explore big.yaml \
  --quiet --set hardware.mapping.auto=energy --set comparison.budget.area_mm2=100
base nox "[f3]" 1 > nox.yaml
expect 2 "nox.yaml:1:1: no explore section" -- "$f3sim" explore nox.yaml
expect 2 "which scenario" -- "$f3sim" explore

# ---- threads: the same files for any number of threads ---------------------------------
# 2 sweep points x 2 rules x 700 hardware points = 2800 evaluations: several
# rounds, chunks that cross from one numerics point to the next, rows the
# chip cannot run (rom int8), continuous and integer ranges, lists and a zip
{ base thr "[f3, bp]" 2; cat <<Y
sweep:
  training.lr: [0.01, 0.02]
explore:
  method: random
  samples: 700
  seed: 11
  space:
    hardware.tile.mac_lanes: {from: 1, to: 64, scale: log2}
    hardware.tile.sram.capacity_kib: {from: 0.3, to: 64, scale: log2, snap: none}
    hardware.dram.bytes_per_cycle: {from: 0.5, to: 48}
    hardware.tile.rom.encoding: [fp32, fp32, int8]
    hardware.tile.dataflow: [output_stationary, weight_stationary]
  zip:
    hardware.links.forward.bytes_per_cycle: [2, 8, 32]
    hardware.links.backward.bytes_per_cycle: [2, 8, 32]
  constraints: {area_mm2_max: 16.5}
Y
} > thr.yaml
for t in 1 2 3 5; do
  "$f3sim" explore thr.yaml --quiet --threads $t --set outputs.folder=thr$t > thr$t.out 2> thr$t.err \
    || { bad "explore --threads $t failed"; cat thr$t.err; }
done
grep -q "evaluation [0-9.]* s on 1 thread (" thr1.out && grep -q "evaluation [0-9.]* s on 5 threads (" thr5.out \
  && ok || bad "the summary does not say how many threads evaluated: $(head -1 thr5.out)"
for t in 2 3 5; do
  for f in explore.csv pareto.csv; do
    cmp -s thr1/thr/$f thr$t/thr/$f && ok || bad "$f differs between --threads 1 and --threads $t"
  done
done
check "
import csv
R = list(csv.DictReader(open('thr1/thr/explore.csv')))
assert len(R) == 2800, len(R)
assert [(int(r['numerics_point']), r['rule'], int(r['point'])) for r in R] == \\
    [(sp, rule, p) for sp in (0, 1) for rule in ('f3', 'bp') for p in range(700)], 'rows out of order'
assert any(r['status'].startswith('cannot run') for r in R) and any(r['status'] == 'ok' for r in R)
assert len({r['hardware.tile.sram.capacity_kib'] for r in R}) > 600, 'capacity: not a continuous range'
" "explore.csv over threads: rows, order or statuses wrong"

# ---- outputs.explore_table -----------------------------------------------------------
# front: pareto.csv as with the full table, no explore.csv (an earlier one removed)
cp thr1/thr/explore.csv thr1/stale.csv
"$f3sim" explore thr.yaml --quiet --set outputs.folder=thr1 --set outputs.explore_table=front > front.out 2> front.err \
  || { bad "explore_table front failed"; cat front.err; }
[ -e thr1/thr/explore.csv ] && bad "explore_table front left an explore.csv" || ok
cmp -s thr2/thr/pareto.csv thr1/thr/pareto.csv && ok || bad "explore_table front: pareto.csv differs from the full table's run"
grep -q "^explore.csv: not written (outputs.explore_table: front)" front.out && ok || bad "front: the summary does not say explore.csv is not written"
diff <(grep -v "^explore.csv:\|^thr:" front.out) <(grep -v "^explore.csv:\|^thr:" thr1.out) > /dev/null \
  && ok || bad "front: the fronts or best points on stdout differ from the full table's"
# full (the default) writes it again; written in the scenario file, front works the same
"$f3sim" explore thr.yaml --quiet --set outputs.folder=thr1 > /dev/null 2>&1 || bad "explore_table full rerun failed"
cmp -s thr1/thr/explore.csv thr1/stale.csv && ok || bad "explore_table full (the default): explore.csv not written again"
sed 's/^outputs: {folder: out}$/outputs: {folder: out, explore_table: front}/' thr.yaml > thrf.yaml
grep -q "explore_table: front" thrf.yaml || bad "test setup: thrf.yaml lacks explore_table"
"$f3sim" explore thrf.yaml --quiet --set outputs.folder=thrf > /dev/null 2>&1 || bad "explore_table front in the file failed"
[ -e thrf/thr/pareto.csv ] && [ ! -e thrf/thr/explore.csv ] && ok || bad "explore_table front in the file: wrong files"
"$f3sim" show thrf.yaml | grep -q "^  explore_table: front$" && ok || bad "show does not print outputs.explore_table"
# a bad value: at its key, exit 2, nothing written
sed 's/^outputs: {folder: out}$/outputs: {folder: out,\n  explore_table: all}/' thr.yaml > thrbad.yaml
expect 2 "thrbad.yaml:[0-9]+:18: outputs.explore_table: 'all' is not one of: full, front" -- "$f3sim" explore thrbad.yaml --quiet
[ -e out/thr ] && bad "a refused explore_table wrote out/thr" || ok
expect 2 "--set\\[1\\]:1:23: outputs.explore_table: 'rows' is not one of: full, front" -- \
  "$f3sim" explore thr.yaml --quiet --set outputs.explore_table=rows
expect 2 "outputs.explore_table: expected a name, got a list" -- "$f3sim" check thr.yaml --set "outputs.explore_table=[full]"
[ -e out/thr ] && bad "a refused --set wrote out/thr" || ok
# --threads: a whole number from 0 to 256
for v in -1 257 two 1.5 ""; do
  expect 2 "--threads expects a whole number from 0 to 256, got '$v'" -- "$f3sim" explore thr.yaml --quiet --threads "$v"
done
expect 2 "option '--threads' is missing its value" -- "$f3sim" explore thr.yaml --threads
[ -e out/thr ] && bad "a refused --threads wrote out/thr" || ok

# ---- issue 21: SIGINT and SIGTERM stop an explore: exit 130 or 143, status interrupted, no tables ------------
for s in TERM INT; do
  { base sig "[f3]" 1; cat <<Y
explore:
  method: random
  samples: 2000000
  seed: 1
  space:
    hardware.tile.mac_lanes: {from: 1, to: 256, scale: log2}
    hardware.tile.dataflow: [output_stationary, weight_stationary]
Y
  } > sig.yaml
  "$f3sim" explore sig.yaml --quiet --threads 1 > /dev/null 2> sig.err &
  pid=$!
  for _ in $(seq 100); do
    [ "$(json out/sig/status.json "d['state']" 2> /dev/null)" = running ] && break
    sleep 0.1
  done
  sleep 2
  kill -$s "$pid"; wait "$pid"; rc=$?
  want=$([ $s = TERM ] && echo 143 || echo 130)
  [ "$rc" = "$want" ] && ok || bad "explore stopped by SIG$s: exit $rc (wanted $want): $(tail -3 sig.err)"
  [ "$(json out/sig/status.json "d['state'] + ' ' + d.get('signal', '')")" = "interrupted SIG$s" ] && ok \
    || bad "explore stopped by SIG$s: status.json $(cat out/sig/status.json)"
  [ ! -e out/sig/explore.csv ] && [ ! -e out/sig/pareto.csv ] && ok || bad "an interrupted explore left its tables"
  grep -q "stopped by SIG$s" sig.err && ok || bad "explore SIG$s: $(tail -3 sig.err)"
done

finish explore
