#!/usr/bin/env bash
# f3sim compare: learning rules at an equal budget, each on its own best chip.
# - every reported best point is within its budget (area, power, lanes);
# - re-running a reported point as a scenario (its --set keys) with
#   f3sim run --engine analytic gives the same energy, throughput and area;
# - the best point is at least as good as the scenario's own chip whenever
#   that chip is within the budget;
# - split mappings (hardware.mapping.split) are searched beside the
#   contiguous ones: counted per kind; --mappings split finds the best split
#   chips, whose set_keys re-run to the same figures; the search over all
#   kinds is at least as good as over either; --mappings errors exit 2;
# - the output is deterministic; --budget and the scenario's
#   comparison.budget give the same verdict; a comparison section without
#   macro_kib searches the chip's own macro;
# - a budget no chip fits: exit 2 (file:line:col from the scenario), nothing
#   written; bad --budget syntax: exit 2 with the reason;
# - a file that cannot be written: exit 1, no temporary or half-written file.
#   compare.sh F3SIM SOURCE_DIR TMP_DIR
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/lib/common.bash"
f3sim=$1 tmp=$3/compare
rm -rf "$tmp" && mkdir -p "$tmp" && cd "$tmp" || exit 1
check() { if python3 -c "$1"; then ok; else bad "$2"; fi; }

python3 "$here/lib/make_csv.py" . 5 300 60 --no-header
base() {  # name batch optimizer
  cat <<Y
name: $1
network: {hidden: [24, 12]}
dataset: {name: csv, path: train.csv, test_path: test.csv, classes: 3}
training: {compare: [f3, bp], epochs: 2, batch_size: $2, optimizer: $3, lr: 0.01}
hardware:
  tile: {mac_lanes: 4, sram: {capacity_kib: 64}}
  links: {forward: {bytes_per_cycle: 8}, backward: {bytes_per_cycle: 8}}
outputs: {folder: out}
Y
}
base adam 10 adam > adam.yaml
base sgd 1 sgd > sgd.yaml

# ---- the smallest chips, then budgets around them ------------------------------------------
"$f3sim" compare adam.yaml --budget area_mm2=1e6 --quiet > huge.out 2> huge.err \
  && ok || { bad "compare with a huge budget failed"; cat huge.err; }
grep -q "analytic evaluator, nothing trained" huge.out && ok || bad "the output does not say it is analytic and untrained"
read -r a1 a2 p1 l1 <<<"$(python3 -c "
import json; d = json.load(open('out/adam/compare_budget.json'))
a = max(r['min_area_mm2'] for r in d['rules'])
own = max(r['scenario_chip']['area_mm2'] for r in d['rules'])
p = max(r['min_power_mW'] for r in d['rules'])
l = max(r['min_lanes'] for r in d['rules'])
print(f'{a * 1.3:.6g} {own * 1.01:.6g} {p * 2:.6g} {int(l) * 8}')")"
for yaml in adam sgd; do
  "$f3sim" compare $yaml.yaml --budget area_mm2=$a1,$a2 --budget power_mw=$p1 --budget lanes=$l1 --quiet \
    > $yaml.out 2> $yaml.err && ok || { bad "compare $yaml failed"; cat $yaml.err; }
  check "
import csv, json
rows = list(csv.DictReader(open('out/$yaml/compare_budget.csv')))
d = json.load(open('out/$yaml/compare_budget.json'))
assert len(rows) == 4 * 2 * 2, len(rows)  # budgets x rules x objectives
for r in rows:
    kind, val = r['budget'].split('=')
    fig = {'area_mm2': 'area_mm2', 'power_mw': 'power_mW', 'lanes': 'total_lanes'}[kind]
    assert float(r[fig]) <= float(val), (r['budget'], r['rule'], r['objective'], r[fig])
    assert float(r['energy_per_sample_nJ']) > 0 and float(r['samples_per_second']) > 0, r
    assert int(r['points_within_budget']) >= 1, r
    assert r['dataflow'] in ('output_stationary', 'weight_stationary', 'fused'), r
    lpt = json.loads(r['layers_per_tile'])
    if r['split']:  # a split chip: each tile holds (a part of) one layer
        sp = json.loads(r['split'])
        assert len(sp) == 3 and sp[-1] == 1 and sum(sp) > 3 and lpt == [1] * sum(sp), (sp, lpt)
        assert 'hardware.mapping.split=' + r['split'] in r['set_keys'] and 'layers_per_tile' not in r['set_keys'], r
    else:
        assert sum(lpt) == 3, lpt
        assert 'hardware.mapping.split' not in r['set_keys'], r['set_keys']
    assert len(json.loads(r['tiles_mac_lanes'])) == len(lpt), r
    # the SRAM of a searched chip is whole 64 KiB macros
    if r['scenario_chip'] == '0':
        assert all(k % 64 == 0 for k in json.loads(r['tiles_sram_kib'])), r['tiles_sram_kib']
# the best per objective is the best of the budget's rows (energy low, throughput high) ...
for b in {r['budget'] for r in rows}:
    for rule in ('f3', 'bp'):
        e = [r for r in rows if r['budget'] == b and r['rule'] == rule]
        be = next(r for r in e if r['objective'] == 'energy_per_sample')
        bs = next(r for r in e if r['objective'] == 'samples_per_second')
        assert float(be['energy_per_sample_nJ']) <= float(bs['energy_per_sample_nJ']), (b, rule)
        assert float(bs['samples_per_second']) >= float(be['samples_per_second']), (b, rule)
# ... the ratios are f3's over bp's ...
for b in d['budgets']:
    f, p = b['best']['f3'], b['best']['bp']
    assert abs(b['f3_over_bp']['energy_per_sample'] - f['energy_per_sample']['energy_per_sample_nJ'] / p['energy_per_sample']['energy_per_sample_nJ']) < 1e-12
    assert abs(b['f3_over_bp']['samples_per_second'] - f['samples_per_second']['samples_per_second'] / p['samples_per_second']['samples_per_second']) < 1e-9
# ... and a larger budget never does worse
bud = [b for b in d['budgets'] if b['kind'] == 'area_mm2']
for rule in ('f3', 'bp'):
    assert bud[1]['best'][rule]['energy_per_sample']['energy_per_sample_nJ'] <= bud[0]['best'][rule]['energy_per_sample']['energy_per_sample_nJ']
    assert bud[1]['best'][rule]['samples_per_second']['samples_per_second'] >= bud[0]['best'][rule]['samples_per_second']['samples_per_second']
" "$yaml: a best point outside its budget, or an inconsistent verdict"
  # the scenario's own chip fits the second area budget: the best is at least as good
  check "
import json
d = json.load(open('out/$yaml/compare_budget.json'))
b = [b for b in d['budgets'] if b['budget'] == 'area_mm2=$a2'][0]
for r in d['rules']:
    own = r['scenario_chip']
    if own is None:
        continue
    assert own['area_mm2'] <= b['value'], (own, b['value'])
    best = b['best'][r['rule']]
    assert best['energy_per_sample']['energy_per_sample_nJ'] <= own['energy_per_sample_nJ'], (r['rule'], best, own)
    assert best['samples_per_second']['samples_per_second'] >= own['samples_per_second'], (r['rule'], best, own)
" "$yaml: a best point worse than the scenario's own chip within the same budget"
done
# batch 1 with SGD: fused is searched, and F3 streams (no backward-link bytes, no stash)
check "
import csv
rows = list(csv.DictReader(open('out/sgd/compare_budget.csv')))
assert any(r['dataflow'] == 'fused' for r in rows), [r['dataflow'] for r in rows]
for r in rows:
    if r['rule'] == 'f3':
        assert float(r['backward_link_bytes_per_sample']) == 0 and float(r['stash_bytes']) == 0, r
        assert float(r['error_store_bytes_per_sample']) > 0, r
    else:
        assert float(r['error_store_bytes_per_sample']) == 0, r
" "sgd: the mechanisms of f3 and bp are not what the rules do"

# ---- split mappings: searched and counted; the best split chips; all kinds beat each kind --------
for yaml in adam sgd; do
  check "
import json
d = json.load(open('out/$yaml/compare_budget.json'))
s = d['search']
# hidden [24, 12]: each over 2 and 4 tiles (the largest alone adds nothing)
assert s['mapping_kinds'] == 'all' and s['contiguous_mappings'] == 4 and s['split_mappings'] == 4, s
assert s['mappings'] == 8 and s['split_ways'] == [2, 4], s
for r in d['rules']:
    assert r['points_split'] > 0 and r['points_run_split'] > 0, r
    assert r['points_contiguous'] + r['points_split'] == r['points'], r
" "$yaml: split mappings not searched, or not counted"
  grep -Eq "^  (f3|bp): [0-9]+ points on contiguous mappings, [1-9][0-9]* on split ones" $yaml.out && ok ||
    bad "$yaml: the output does not count the points on split mappings"
  # budgets that split chips fit: from the smallest split chip
  cp -r out/$yaml out/$yaml-main
  "$f3sim" compare $yaml.yaml --budget area_mm2=1e6 --mappings split --quiet > /dev/null 2>&1
  read -r sa sp sl <<<"$(python3 -c "
import json; d = json.load(open('out/$yaml/compare_budget.json'))
print(' '.join(f'{max(r[k] for r in d[\"rules\"]) * f:.6g}' for k, f in (('min_area_mm2', 1.3), ('min_power_mW', 2), ('min_lanes', 2))))")"
  for kind in all split contiguous; do
    "$f3sim" compare $yaml.yaml --budget area_mm2=$sa,1e6 --budget power_mw=$sp --budget lanes=${sl%.*} --mappings $kind \
      --quiet > $yaml-$kind.out 2> $yaml-$kind.err && ok || { bad "compare $yaml --mappings $kind failed"; cat $yaml-$kind.err; }
    rm -rf out/$yaml-$kind && cp -r out/$yaml out/$yaml-$kind
  done
  check "
import csv, json
rows = {k: list(csv.DictReader(open(f'out/$yaml-{k}/compare_budget.csv'))) for k in ('all', 'split', 'contiguous')}
assert rows['split'] and all(r['split'] and r['scenario_chip'] == '0' for r in rows['split']), [(r['split'], r['scenario_chip']) for r in rows['split']]
assert not any(r['split'] for r in rows['contiguous']), [r['split'] for r in rows['contiguous']]
assert json.load(open('out/$yaml-split/compare_budget.json'))['search']['contiguous_mappings'] == 0
assert json.load(open('out/$yaml-contiguous/compare_budget.json'))['search']['split_mappings'] == 0
# every split row's sizes are whole macros; the table shows the split
for r in rows['split']:
    assert all(k % 64 == 0 for k in json.loads(r['tiles_sram_kib'])), r
key = lambda r: (r['budget'], r['rule'], r['objective'])
# over all kinds, the best of the two
for a in rows['all']:
    b = [next(r for r in rows[k] if key(r) == key(a)) for k in ('split', 'contiguous')]
    col, best = ('energy_per_sample_nJ', min) if a['objective'] == 'energy_per_sample' else ('samples_per_second', max)
    assert float(a[col]) == best(float(r[col]) for r in b), (key(a), a[col], [r[col] for r in b])
" "$yaml: --mappings split/contiguous, or the search over all kinds worse than over one"
  grep -Eq "^  (f3|bp) +(energy_per_sample|samples_per_second) +split \[" $yaml-split.out && ok ||
    bad "$yaml: the table does not show a split chip's mapping"
  rm -rf out/$yaml && cp -r out/$yaml-main out/$yaml
done

# ---- a reported point, run as a scenario, gives the same figures ---------------------------------
rerun_compare_points "adam:adam" "sgd:sgd" "adam:adam-split" "sgd:sgd-split"
[ "$reran" -ge 4 ] && ok || bad "only $reran distinct points re-run"
[ "$(grep -c 'hardware.mapping.split=\[' points.txt)" -ge 2 ] && ok || bad "fewer than 2 split chips re-run"

# ---- deterministic; the scenario's comparison.budget equals --budget --------------------------------
cp out/adam/compare_budget.csv first.csv
"$f3sim" compare adam.yaml --budget area_mm2=$a1,$a2 --budget power_mw=$p1 --budget lanes=$l1 --quiet > /dev/null 2>&1
cmp -s first.csv out/adam/compare_budget.csv && ok || bad "two runs of compare differ"
{ base adam 10 adam; echo "comparison: {budget: {area_mm2: $a2}}"; } | sed 's/^name: adam/name: fromkey/' > key.yaml
"$f3sim" compare key.yaml --quiet > key.out 2> key.err && ok || { bad "comparison.budget in the scenario failed"; cat key.err; }
check "
import csv
a = [r for r in csv.DictReader(open('first.csv')) if r['budget'] == 'area_mm2=$a2']
b = list(csv.DictReader(open('out/fromkey/compare_budget.csv')))
assert a == b, (a, b)
" "comparison.budget.area_mm2 gives another verdict than --budget area_mm2"
# a comparison section does not give comparison.macro_kib: the chip's own macro is searched
{ base adam 10 adam | sed 's/sram: {capacity_kib: 64}/sram: {capacity_kib: 64, macro_kib: 16}/'
  echo "comparison: {budget: {area_mm2: $a2}}"; } | sed 's/^name: adam/name: macro/' > macro.yaml
"$f3sim" compare macro.yaml --quiet > /dev/null 2> macro.err && [ "$(json out/macro/compare_budget.json "d['search']['macro_kib']")" = 16 ] \
  && ok || bad "a scenario's comparison section replaced the chip's 16 KiB macro by the default: $(cat macro.err)"

# ---- budgets nothing fits, bad syntax ---------------------------------------------------------------
rm -rf out/adam
expect 2 "no chip searched for (f3|bp) is within this budget \(the smallest of its [0-9]+ points needs [0-9.e+-]+ mm²\).*nothing written" \
  -- "$f3sim" compare adam.yaml --budget area_mm2=1e-6
[ ! -e out/adam/compare_budget.csv ] && ok || bad "a budget nothing fits wrote compare_budget.csv"
{ base adam 10 adam; echo "comparison:"; echo "  budget: {lanes: 1, area_mm2: 0.000001}"; } | sed 's/^name: adam/name: small/' > small.yaml
expect 2 "^f3sim compare: small\.yaml:10:[0-9]+: comparison\.budget\.area_mm2 1e-06: no chip searched" -- "$f3sim" compare small.yaml
[ ! -e out/small ] && ok || bad "a budget nothing fits wrote out/small"
expect 2 "unknown budget 'area'; did you mean 'area_mm2'\?" -- "$f3sim" compare adam.yaml --budget area=5
expect 2 "expected KIND=VALUE" -- "$f3sim" compare adam.yaml --budget area_mm2
expect 2 "expected KIND=VALUE" -- "$f3sim" compare adam.yaml --budget area_mm2=
expect 2 "expected a number at 'x'" -- "$f3sim" compare adam.yaml --budget area_mm2=5,x
expect 2 "a budget must be positive" -- "$f3sim" compare adam.yaml --budget power_mw=-3
expect 2 "lanes are a whole number" -- "$f3sim" compare adam.yaml --budget lanes=2.5
expect 2 "no budget: give --budget" -- "$f3sim" compare adam.yaml
expect 2 "option '--budget' is missing its value" -- "$f3sim" compare adam.yaml --budget
expect 2 "unknown option '--budgt'; did you mean '--budget'\?" -- "$f3sim" compare adam.yaml --budgt area_mm2=5
expect 2 "--macro-kib expects a whole number" -- "$f3sim" compare adam.yaml --budget area_mm2=5 --macro-kib 0
expect 2 "--mappings 'splt': expected all, contiguous or split; did you mean 'split'\?" \
  -- "$f3sim" compare adam.yaml --budget area_mm2=5 --mappings splt
sed 's/hidden: \[24, 12\]/hidden: []/' adam.yaml > flat.yaml
expect 2 "--mappings split: no layer of flat.yaml can be split" -- "$f3sim" compare flat.yaml --budget area_mm2=5 --mappings split
[ ! -e out/adam ] && ok || bad "a usage error wrote results"

# ---- a file that cannot be written: exit 1, nothing half-written ------------------------------------
mkdir -p out/adam/compare_budget.csv/blocker
expect 1 "compare_budget.csv" -- "$f3sim" compare adam.yaml --budget area_mm2=$a2 --quiet
[ -z "$(find out/adam -name '*.tmp.*')" ] && ok || bad "temporary files left: $(find out/adam -name '*.tmp.*')"
[ ! -e out/adam/compare_budget.json ] && ok || bad "compare_budget.json written although compare_budget.csv failed"

# ---- the report draws F3 against BP over the budgets --------------------------------------------------
rm -rf out/adam
"$f3sim" compare adam.yaml --budget area_mm2=$a1,$a2 --quiet > /dev/null 2>&1
if command -v gnuplot > /dev/null; then
  "$f3sim" report out/adam --quiet > report.out 2>&1 && ok || { bad "f3sim report of a compare folder failed"; cat report.out; }
  for f in budget-energy budget-throughput; do
    [ -s "out/adam/report/$f.png" ] && [ -s "out/adam/report/$f.svg" ] && ok || bad "report: no $f.png/.svg"
  done
  grep -q "budget-energy.png" out/adam/report/report.md && ok || bad "report.md does not show the budget figures"
fi

# ---- hardware.mapping.auto: a run on the chip compare chooses for each rule ------------------------
# (at the huge budget the fastest chip for f3 was a split one when this was written: its split is
# then reproduced too)
for case in energy:$a1 throughput:$a1 throughput:1e6; do
  ob=${case%%:*} area=${case#*:}
  rm -rf out/auto_${ob}_$area
  "$f3sim" run adam.yaml --quiet --set name=auto_${ob}_$area --set hardware.mapping.auto=$ob \
    --set comparison.budget.area_mm2=$area > auto_${ob}_$area.out 2> auto_${ob}_$area.err && ok || { bad "run with mapping.auto=$ob failed"; cat auto_${ob}_$area.err; }
  "$f3sim" compare adam.yaml --budget area_mm2=$area --quiet > /dev/null 2>&1
  check "
import csv, json
col = {'energy': 'energy_per_sample', 'throughput': 'samples_per_second'}['$ob']
best = {r['rule']: r for r in csv.DictReader(open('out/adam/compare_budget.csv')) if r['objective'] == col}
for a in ('f3', 'bp'):
    h = json.load(open(f'out/auto_${ob}_$area/{a}/run.json'))['hardware']
    b = best[a]
    m = h['mapping']
    assert m['auto'].startswith(col), m['auto']
    assert str(m['layers_per_tile']).replace(' ', '') == b['layers_per_tile'], (m['layers_per_tile'], b['layers_per_tile'])
    assert (str(m['split']).replace(' ', '') if m['split'] else '') == b['split'], (m['split'], b['split'])
    assert str(m['mac_lanes']).replace(' ', '') == b['tiles_mac_lanes'], (m['mac_lanes'], b['tiles_mac_lanes'])
    assert h['dataflow'] == b['dataflow'], (h['dataflow'], b['dataflow'])
    assert abs(h['energy_per_sample_pj'] / 1e3 - float(b['energy_per_sample_nJ'])) <= 1e-8 * float(b['energy_per_sample_nJ'])
    assert abs(h['samples_per_second'] - float(b['samples_per_second'])) <= 1e-8 * float(b['samples_per_second'])
    assert h['area_mm2'] <= $area
" "mapping.auto=$ob within $area mm²: a rule's run is not on compare's best chip for it"
  grep -q "hardware.mapping.auto $ob within area_mm2=" auto_${ob}_$area.err || grep -q "each rule's own, chosen by hardware.mapping.auto" auto_${ob}_$area.out && ok ||
    bad "mapping.auto: the run does not say which chip it chose"
done
expect 2 "--set\\[1\\]:1:[0-9]+: hardware.mapping.auto chooses the chip within a budget, but comparison.budget gives 0" \
  -- "$f3sim" check adam.yaml --set hardware.mapping.auto=energy
expect 2 "hardware.tiles.mac_lanes and hardware.mapping.auto both choose the tiles" \
  -- "$f3sim" check adam.yaml --set hardware.mapping.auto=energy --set comparison.budget.area_mm2=$a1 \
     --set "hardware.tiles.mac_lanes=[4, 4, 4]"
expect 2 "no chip searched for f3 is within this budget" \
  -- "$f3sim" run adam.yaml --quiet --set name=auto_tiny --set hardware.mapping.auto=energy --set comparison.budget.area_mm2=1e-6
[ ! -e out/auto_tiny/f3/run.json ] && ok || bad "a mapping.auto run with no chip in budget wrote results"

finish compare
