#!/usr/bin/env bash
# f3sim compare, hardware.mapping.auto and f3sim explore on a network of
# blocks (network.type blocks: a dense block, a transformer block of two
# heads, the output block; csv data of 300 samples):
# - every reported best point is within its budget (area, power, lanes);
#   the search counts 4 contiguous mappings of the 3 blocks and no split
#   one, and no chip splits a block;
# - each reported chip, re-evaluated by f3sim run --engine analytic with its
#   --set keys (an independent path: the run trains with the block trainer
#   and evaluates that chip), gives the same energy, throughput and area;
# - hardware.mapping.auto runs each rule on compare's best chip for it;
# - at batch 1 with SGD, fused is searched but cannot run the transformer
#   block: its points are counted as cannot-run, with the op named, and no
#   best point is fused;
# - deterministic output;
# - refused: --mappings split (a block is not split, with the reason),
#   hardware.mapping.split, a budget nothing fits (exit 2, nothing written);
# - f3sim explore over the blocks: fused rows say "cannot run" and name the
#   op, the others run.
#   compare_blocks.sh F3SIM SOURCE_DIR TMP_DIR
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/lib/common.bash"
f3sim=$1 tmp=$3/compare_blocks
rm -rf "$tmp" && mkdir -p "$tmp" && cd "$tmp" || exit 1
check() { if python3 -c "$1"; then ok; else bad "$2"; fi; }

python3 "$here/lib/make_csv.py" . 7 300 60 --no-header
base() {  # name batch optimizer lr
  cat <<Y
name: $1
network:
  type: blocks
  input: 6
  blocks: "linear 24, tanh; tokens 3, residual(layernorm, linear 24 nobias, attention 2x4, linear 8); tokens 1, linear 3"
dataset: {name: csv, path: train.csv, test_path: test.csv, classes: 3}
training: {compare: [f3, bp], epochs: 2, batch_size: $2, optimizer: $3, lr: $4, threads: 1}
hardware:
  tile: {mac_lanes: 4, sram: {capacity_kib: 64}}
  links: {forward: {bytes_per_cycle: 8}, backward: {bytes_per_cycle: 8}}
outputs: {folder: out}
Y
}
base adam 10 adam 0.003 > adam.yaml
base sgd 1 sgd 0.0003 > sgd.yaml

# ---- the smallest chips, then budgets around them ------------------------------------------------
"$f3sim" compare adam.yaml --budget area_mm2=1e6 --quiet > huge.out 2> huge.err \
  && ok || { bad "compare with a huge budget failed"; cat huge.err; }
grep -q "a network of 3 blocks (network.type blocks): contiguous mappings only .*a block is not split over tiles" huge.out \
  && ok || bad "the output does not say that blocks are searched over contiguous mappings only, and why"
read -r a1 p1 l1 <<<"$(python3 -c "
import json; d = json.load(open('out/adam/compare_budget.json'))
a = max(r['min_area_mm2'] for r in d['rules'])
p = max(r['min_power_mW'] for r in d['rules'])
l = max(r['min_lanes'] for r in d['rules'])
print(f'{a * 1.5:.6g} {p * 2:.6g} {int(l) * 16}')")"
for yaml in adam sgd; do
  "$f3sim" compare $yaml.yaml --budget area_mm2=$a1,1e6 --budget power_mw=$p1 --budget lanes=$l1 --quiet \
    > $yaml.out 2> $yaml.err && ok || { bad "compare $yaml failed"; cat $yaml.err; }
  check "
import csv, json
rows = list(csv.DictReader(open('out/$yaml/compare_budget.csv')))
d = json.load(open('out/$yaml/compare_budget.json'))
s = d['search']
assert s['blocks'] == 3 and s['contiguous_mappings'] == 4 and s['split_mappings'] == 0, s
assert s['every_mapping'] and 'not split' in s['split_mappings_not_searched'], s
assert len(rows) == 4 * 2 * 2, len(rows)  # budgets x rules x objectives
for r in d['rules']:
    assert r['points_split'] == 0 and r['points_run_split'] == 0 and r['points_run'] > 0, r
for r in rows:
    kind, val = r['budget'].split('=')
    fig = {'area_mm2': 'area_mm2', 'power_mw': 'power_mW', 'lanes': 'total_lanes'}[kind]
    assert float(r[fig]) <= float(val), (r['budget'], r['rule'], r['objective'], r[fig])
    assert float(r['energy_per_sample_nJ']) > 0 and float(r['samples_per_second']) > 0, r
    assert int(r['points_within_budget']) >= 1, r
    # blocks are never split: whole blocks per tile, three in all
    assert r['split'] == '' and 'hardware.mapping.split' not in r['set_keys'], r
    lpt = json.loads(r['layers_per_tile'])
    assert sum(lpt) == 3 and all(n >= 1 for n in lpt), lpt
    assert len(json.loads(r['tiles_mac_lanes'])) == len(lpt), r
    assert r['dataflow'] in ('output_stationary', 'weight_stationary'), r
    if r['scenario_chip'] == '0':
        assert all(k % 64 == 0 for k in json.loads(r['tiles_sram_kib'])), r['tiles_sram_kib']
# the best per objective is the best of its budget's rows; a larger area never does worse
for b in {r['budget'] for r in rows}:
    for rule in ('f3', 'bp'):
        e = [r for r in rows if r['budget'] == b and r['rule'] == rule]
        be = next(r for r in e if r['objective'] == 'energy_per_sample')
        bs = next(r for r in e if r['objective'] == 'samples_per_second')
        assert float(be['energy_per_sample_nJ']) <= float(bs['energy_per_sample_nJ']), (b, rule)
        assert float(bs['samples_per_second']) >= float(be['samples_per_second']), (b, rule)
bud = [b for b in d['budgets'] if b['kind'] == 'area_mm2']
for rule in ('f3', 'bp'):
    assert bud[1]['best'][rule]['energy_per_sample']['energy_per_sample_nJ'] <= bud[0]['best'][rule]['energy_per_sample']['energy_per_sample_nJ']
" "$yaml: a best point outside its budget, a split block, or an inconsistent verdict"
done

# ---- batch 1, SGD: fused is tried and cannot run the transformer block -----------------------------
check "
import csv, json
d = json.load(open('out/sgd/compare_budget.json'))
for r in d['rules']:
    assert r['points_cannot_run'] > 0, r
    assert 'dataflow fused cannot run this block: block 2, op 1' in r['cannot_run_first'], r['cannot_run_first']
assert not any(r['dataflow'] == 'fused' for r in csv.DictReader(open('out/sgd/compare_budget.csv')))
# at batch 10 with Adam fused is not tried at all (the rule cannot run it): nothing counted
for r in json.load(open('out/adam/compare_budget.json'))['rules']:
    assert 'fused' not in r['cannot_run_first'], r['cannot_run_first']
" "sgd: fused points not counted as cannot-run with the op named, or a fused best point"
grep -Eq "^  (f3|bp): [0-9]+ points on contiguous mappings, 0 on split ones; [1-9][0-9]* of them cannot run \(the first: dataflow fused cannot run this block" sgd.out \
  && ok || bad "sgd: the output does not count the points the chip cannot run"

# ---- a reported chip, re-evaluated by f3sim run, gives the same figures -----------------------------
rerun_compare_points "adam:adam" "sgd:sgd"
[ "$reran" -ge 6 ] && ok || bad "only $reran distinct chips re-run"
grep -q "layers_per_tile=\[1,1,1\]\|layers_per_tile=\[1,2\]\|layers_per_tile=\[2,1\]" points.txt && ok ||
  bad "no chip of several tiles among those re-run"

# ---- hardware.mapping.auto: each rule trains on compare's best chip ---------------------------------
"$f3sim" run adam.yaml --set name=auto --set hardware.mapping.auto=throughput \
  --set comparison.budget.area_mm2=$a1 > auto.out 2> auto.err && ok || { bad "run with mapping.auto failed"; cat auto.err; }
check "
import csv, json
best = {r['rule']: r for r in csv.DictReader(open('out/adam/compare_budget.csv'))
        if r['objective'] == 'samples_per_second' and r['budget'] == 'area_mm2=$a1'}
for a in ('f3', 'bp'):
    h = json.load(open(f'out/auto/{a}/run.json'))['hardware']
    b, m = best[a], h['mapping']
    assert m['auto'].startswith('samples_per_second'), m['auto']
    assert str(m['layers_per_tile']).replace(' ', '') == b['layers_per_tile'] and not m['split'], (m, b['layers_per_tile'])
    assert str(m['mac_lanes']).replace(' ', '') == b['tiles_mac_lanes'], (m['mac_lanes'], b['tiles_mac_lanes'])
    assert h['dataflow'] == b['dataflow'], (h['dataflow'], b['dataflow'])
    assert abs(h['samples_per_second'] - float(b['samples_per_second'])) <= 1e-8 * float(b['samples_per_second'])
    assert abs(h['energy_per_sample_pj'] / 1e3 - float(b['energy_per_sample_nJ'])) <= 1e-8 * float(b['energy_per_sample_nJ'])
" "mapping.auto: a rule's run is not on compare's best chip for it"
grep -q "hardware.mapping.auto throughput within area_mm2=.*: blocks per tile \[" auto.err && ok ||
  bad "mapping.auto: the run does not say which blocks per tile it chose"

# ---- deterministic ----------------------------------------------------------------------------------
cp out/adam/compare_budget.csv first.csv
"$f3sim" compare adam.yaml --budget area_mm2=$a1,1e6 --budget power_mw=$p1 --budget lanes=$l1 --quiet > /dev/null 2>&1
cmp -s first.csv out/adam/compare_budget.csv && ok || bad "two runs of compare differ"

# ---- refused ------------------------------------------------------------------------------------------
rm -rf out/adam
expect 2 "--mappings split: adam.yaml has a network of 3 blocks \(network.type blocks\), and a block is not split over tiles .*not modelled" \
  -- "$f3sim" compare adam.yaml --budget area_mm2=5 --mappings split
expect 2 "hardware.mapping.split splits a layer over tiles by output rows; a block of a network of blocks" \
  -- "$f3sim" compare adam.yaml --budget area_mm2=5 --set "hardware.mapping.split=[2, 1, 1]"
expect 2 "no chip searched for (f3|bp) is within this budget \(the smallest of its [0-9]+ points needs [0-9.e+-]+ mm²\).*nothing written" \
  -- "$f3sim" compare adam.yaml --budget area_mm2=1e-6
[ ! -e out/adam ] && ok || bad "a refused compare wrote results"
expect 2 "no chip searched for f3 is within this budget" \
  -- "$f3sim" run adam.yaml --quiet --set name=auto_tiny --set hardware.mapping.auto=energy --set comparison.budget.area_mm2=1e-6
[ ! -e out/auto_tiny/f3/run.json ] && ok || bad "a mapping.auto run with no chip in budget wrote results"

# ---- f3sim explore over the blocks ------------------------------------------------------------------
{ base ex 1 sgd 0.0003; cat <<Y
explore:
  space:
    hardware.tile.mac_lanes: [4, 16]
    hardware.tile.dataflow: [output_stationary, weight_stationary, fused]
Y
} > ex.yaml
"$f3sim" explore ex.yaml --quiet > ex.out 2> ex.err && ok || { bad "explore over blocks failed"; cat ex.err; }
check "
import csv
rows = list(csv.DictReader(open('out/ex/explore.csv')))
assert len(rows) == 2 * 3 * 2, len(rows)
for r in rows:
    if r['hardware.tile.dataflow'] == 'fused':
        assert r['status'].startswith('cannot run: dataflow fused cannot run this block: block 2; op 1'), r['status']
    else:
        assert r['status'] == 'ok' and float(r['energy_per_sample_nJ']) > 0, r
" "explore: fused rows not refused with the op named, or other rows that did not run"

finish compare_blocks
