#!/usr/bin/env bash
# f3sim compare offers every rule the same chips: no rule's best chip within
# a budget can be beaten by the best chip another rule got within it.
# Four rules (F3, BP, DFA, DRTP) on a small MLP whose needs differ between
# the rules (BP and DFA keep a stash, F3 and DRTP do not; 1 KiB macros, so
# that the SRAM sizes do too), at batch 10 with Adam and batch 1 with SGD,
# over area budgets from the smallest chip to the one nothing spills from,
# and one power and one lanes budget:
# - for every budget, objective and pair of rules A ≠ B, B's best chip run
#   for A (f3sim run --engine analytic with B's set_keys, and F3's error
#   store in both places; an independent path: the run trains and evaluates
#   that chip) is either outside the budget for A, or not better for A than
#   A's own best chip — which a search whose SRAM sizes were fractions of
#   each rule's own need failed (BP's best chip was cheaper for F3 than F3's);
# - some best chip is sized by another rule's need (the union is used), and
#   compare_budget.json says by which (lanes_from, sram_from);
# - hardware.mapping.auto searches the same chips: at such a budget, f3sim
#   run trains every rule on compare's best chip for it.
#   compare_same_chips.sh F3SIM SOURCE_DIR TMP_DIR
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/lib/common.bash"
f3sim=$1 tmp=$3/compare_same_chips
rm -rf "$tmp" && mkdir -p "$tmp" && cd "$tmp" || exit 1

python3 "$here/lib/make_csv.py" . 5 300 60 --no-header
base() {  # name batch optimizer
  cat <<Y
name: $1
network: {hidden: [64, 32]}
dataset: {name: csv, path: train.csv, test_path: test.csv, classes: 3}
training: {compare: [f3, bp, dfa, drtp], epochs: 2, batch_size: $2, optimizer: $3, lr: 0.01, threads: 1}
hardware:
  tile: {mac_lanes: 4, sram: {capacity_kib: 64}}
  links: {forward: {bytes_per_cycle: 8}, backward: {bytes_per_cycle: 8}, broadcast: {bytes_per_cycle: 8}}
comparison: {macro_kib: 1}
outputs: {folder: out}
Y
}
base adam 10 adam > adam.yaml
base sgd 1 sgd > sgd.yaml

for yaml in adam sgd; do
  # the budgets: from the smallest chips searched (a search whose budget binds nothing)
  "$f3sim" compare $yaml.yaml --budget area_mm2=1e6 --quiet > /dev/null 2> $yaml-huge.err \
    || { bad "$yaml: compare with a huge budget failed: $(tail -3 $yaml-huge.err)"; continue; }
  budgets=$(python3 -c "
import json; d = json.load(open('out/$yaml/compare_budget.json'))
m = {k: max(r[k] for r in d['rules']) for k in ('min_area_mm2', 'min_area_weights_on_chip_mm2', 'min_area_no_spill_mm2', 'min_power_mW', 'min_lanes')}
a, w, n = m['min_area_mm2'], m['min_area_weights_on_chip_mm2'], m['min_area_no_spill_mm2']
area = ','.join(f'{x:.6g}' for x in (a * 1.05, a * 1.2, w * 1.02, (w + n) / 2, n * 1.02))
print(f'--budget area_mm2={area} --budget power_mw={m[\"min_power_mW\"] * 3:.6g} --budget lanes={int(m[\"min_lanes\"]) * 8}')")
  # shellcheck disable=SC2086
  "$f3sim" compare $yaml.yaml $budgets --quiet > $yaml.out 2> $yaml.err \
    && ok || { bad "$yaml: compare failed: $(tail -3 $yaml.err)"; continue; }
  # every best chip (but the scenario's own), once per rule that may take it
  python3 - "$yaml" > $yaml-runs.txt <<'PY'
import csv, sys
y = sys.argv[1]
rows = list(csv.DictReader(open(f"out/{y}/compare_budget.csv")))
seen = set()
for b in rows:
    if b["scenario_chip"] == "1":
        continue
    # the keys of the chip, without the place of F3's error store (each rule sets its own)
    keys = " ".join(k for k in b["set_keys"].split() if not k.startswith("hardware.error_store.placement="))
    for rule in sorted({r["rule"] for r in rows} - {b["rule"]}):
        for es in (("on_chip", "dram") if rule == "f3" else ("-",)):
            if (rule, keys, es) not in seen:
                seen.add((rule, keys, es))
                print(len(seen), rule, es, keys)
PY
  n=0 failed=0
  while read -r i rule es keys; do
    n=$((n + 1))
    sets=(--set "training.compare=[$rule]" --set "outputs.folder=rerun-$yaml" --set "name=c$i")
    [ "$es" = - ] || sets+=(--set "hardware.error_store.placement=$es")
    for k in $keys; do sets+=(--set "$k"); done
    # a chip the rule cannot run (fused for DFA, say) is no candidate for it
    "$f3sim" run $yaml.yaml --engine analytic --quiet "${sets[@]}" > /dev/null 2> rerun-$yaml-$i.err || failed=$((failed + 1))
  done < $yaml-runs.txt
  [ "$n" -ge 12 ] && [ "$failed" -lt "$n" ] && ok || bad "$yaml: only $n chips to run for another rule, $failed of them failed"
  if python3 - "$yaml" <<'PY'; then ok; else bad "$yaml: a rule's best chip is beaten by another rule's best chip within the same budget"; fi
import csv, json, os, sys
y = sys.argv[1]
rows = list(csv.DictReader(open(f"out/{y}/compare_budget.csv")))
runs = {}
for line in open(f"{y}-runs.txt"):
    i, rule, es, keys = line.split(maxsplit=3)
    f = f"rerun-{y}/c{i}/{rule}/run.json"
    if not os.path.exists(f):
        continue
    h = json.load(open(f))["hardware"]
    power = h["energy_per_sample_pj"] * h["samples"] / (h["cycles"] / h["clock_mhz"]) / 1e3  # pJ/µs = µW
    lanes = sum(h["mapping"]["mac_lanes"])
    runs.setdefault((rule, keys.strip()), []).append(
        {"energy_per_sample_nJ": h["energy_per_sample_pj"] / 1e3, "samples_per_second": h["samples_per_second"],
         "area_mm2": h["area_mm2"], "power_mW": power, "total_lanes": lanes})
budget_col = {"area_mm2": "area_mm2", "power_mw": "power_mW", "lanes": "total_lanes"}
worst, bad = 0.0, []
for a in rows:
    kind, value = a["budget"].split("=")
    for b in rows:
        if b["budget"] != a["budget"] or b["objective"] != a["objective"] or b["rule"] == a["rule"] or b["scenario_chip"] == "1":
            continue
        keys = " ".join(k for k in b["set_keys"].split() if not k.startswith("hardware.error_store.placement="))
        for got in runs.get((a["rule"], keys), []):
            if got[budget_col[kind]] > float(value) * (1 + 1e-9):
                continue  # outside the budget for this rule
            col = a["objective"] + ("_nJ" if a["objective"] == "energy_per_sample" else "")
            mine, theirs = float(a[col]), got[col]
            gain = (mine - theirs) / mine if col.startswith("energy") else (theirs - mine) / mine
            worst = max(worst, gain)
            if gain > 1e-7:
                bad.append((a["budget"], a["objective"], a["rule"], "on", b["rule"] + "'s chip", theirs, "against", mine))
for x in bad:
    print(*x)
print(f"{y}: largest gain from another rule's best chip {worst:.3g} (relative; tolerance 1e-7)")
sys.exit(1 if bad else 0)
PY
  # the union is used, and said
  python3 -c "
import json
d = json.load(open('out/$yaml/compare_budget.json'))
best = [(r, o, x) for b in d['budgets'] for r, v in b['best'].items() for o, x in v.items() if not x['scenario_chip']]
assert all(x['lanes_from'] and x['sram_from'] for r, o, x in best), best
other = [(r, o, x['sram_from'], x['lanes_from']) for r, o, x in best
         if x['sram_from'].split(' ')[0] != r or x['lanes_from'].split(' ')[0] != r]
assert other, 'no best chip is sized by another rule'
" && ok || bad "$yaml: no best chip sized by another rule's work or need, or compare_budget.json does not say by which"
  # hardware.mapping.auto searches the same chips: at an area budget where some rule's cheapest chip is
  # sized by another rule's need, f3sim run puts each rule on compare's chip for it
  area=$(python3 -c "
import json
d = json.load(open('out/$yaml/compare_budget.json'))
print(next((b['value'] for b in d['budgets'] if b['kind'] == 'area_mm2' and any(
    v['energy_per_sample']['sram_from'].split(' ')[0] not in ('', r) for r, v in b['best'].items())), ''))")
  if [ -z "$area" ]; then bad "$yaml: no area budget where a rule's cheapest chip is sized by another rule"; continue; fi
  "$f3sim" run $yaml.yaml --quiet --set name=auto-$yaml --set hardware.mapping.auto=energy \
    --set comparison.budget.area_mm2=$area > auto-$yaml.out 2> auto-$yaml.err \
    || { bad "$yaml: run with hardware.mapping.auto=energy failed: $(tail -3 auto-$yaml.err)"; continue; }
  python3 -c "
import json
d = json.load(open('out/$yaml/compare_budget.json'))
b = next(b for b in d['budgets'] if b['budget'] == 'area_mm2=$area')
for rule, v in b['best'].items():
    want = v['energy_per_sample']
    h = json.load(open(f'out/auto-$yaml/{rule}/run.json'))['hardware']
    m = h['mapping']
    assert str(m['mac_lanes']).replace(' ', '') == want['tiles_mac_lanes'], (rule, m['mac_lanes'], want['tiles_mac_lanes'])
    assert str(m['layers_per_tile']).replace(' ', '') == want['layers_per_tile'], (rule, m, want['layers_per_tile'])
    assert h['dataflow'] == want['dataflow'], (rule, h['dataflow'], want['dataflow'])
    e = h['energy_per_sample_pj'] / 1e3
    assert abs(e - want['energy_per_sample_nJ']) <= 1e-8 * e, (rule, e, want['energy_per_sample_nJ'])
" && ok || bad "$yaml: hardware.mapping.auto within area_mm2=$area did not choose compare's chip for every rule"
done

finish compare_same_chips
