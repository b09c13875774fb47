#!/usr/bin/env bash
# f3sim report across a sweep's points and report --compare (issue 22 items 2
# and 9).  A tiny 3 x 2 sweep on a chip (mac lanes x learning rate, CSV data,
# two epochs): report.md opens with the summary whose rows, columns and units
# are checked against each point's own compare.csv and run.json (read here,
# not through report.py); the summary figures have the swept key on the x
# axis (their gnuplot scripts), one line per rule and learning rate; a zipped
# sweep of categorical values gets one x axis labelled with its keys.  Then
# --compare of two sweeps (output-stationary against weight-stationary): the
# ratio B/A per rule and point against the two folders' compare.csv, written
# to stdout and --out DIR, never into A or B; and its usage errors (exit 2).
#   report_sweep.sh F3SIM SOURCE_DIR TMP_DIR
set -u
f3sim=$1 src=$2 tmp=$3/report_sweep
rm -rf "$tmp" && mkdir -p "$tmp"
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.bash"
if ! command -v gnuplot >/dev/null; then
  echo "report_sweep: gnuplot is not installed (scripts/setup.sh installs it)"; exit 1
fi
python3 "$src/tests/integration/lib/make_csv.py" "$tmp" 13 300 120
export F3SIM_ANALYSIS_DIR=$src/analysis

# ---- a 3 x 2 sweep on a chip ---------------------------------------------------------
cat > "$tmp/lanes.yaml" <<YAML
name: lanes
network: {hidden: [10]}
dataset: {name: csv, path: $tmp/train.csv, test_path: $tmp/test.csv, classes: 3}
training: {compare: [bp, f3], epochs: 2, batch_size: 20, threads: 1}
hardware:
  tile: {mac_lanes: 4}
  links: {backward: {bytes_per_cycle: 16}}
outputs: {folder: $tmp/out}
sweep: {hardware.tile.mac_lanes: [2, 4, 16], training.lr: [1e-3, 3e-3]}
YAML
expect 0 "" -- "$f3sim" run "$tmp/lanes.yaml" --quiet
L=$tmp/out/lanes
expect 0 "report.md and [0-9]+ figures" -- "$f3sim" report "$L"
R=$L/report
for f in summary-accuracy summary-energy summary-throughput summary-area summary-energy-items-bp summary-energy-items-f3; do
  [ -s "$R/$f.png" ] && grep -q '<svg' "$R/$f.svg" && [ -s "$R/$f.gp" ] && ok || bad "no $f.png/.svg/.gp"
done
python3 - "$L" <<'PY' && ok || bad "the summary disagrees with the points' compare.csv and run.json"
import csv, json, sys
d = sys.argv[1]
md = open(f"{d}/report/report.md").read()
# the summary comes first: before any point's own section
assert md.index("## Summary across the points") < md.index("## Point 000"), "the summary is not first"
rows = list(csv.DictReader(open(f"{d}/report/summary.csv")))
items = ["compute", "registers", "sram", "rom", "dram", "links", "error_store", "leakage"]
want_cols = (["point", "rule", "hardware.tile.mac_lanes", "training.lr", "best_test_accuracy_pct",
              "final_test_accuracy_pct", "energy_per_sample_nJ"] + [f"energy_{i}_per_sample_nJ" for i in items]
             + ["samples_per_second", "area_mm2"])
assert list(rows[0].keys()) == want_cols, list(rows[0].keys())
assert len(rows) == 12, len(rows)
lanes, lrs = ["2", "4", "16"], ["1e-3", "3e-3"]
for r in rows:
    p = int(r["point"])
    assert r["hardware.tile.mac_lanes"] == lanes[p // 2] and r["training.lr"] == lrs[p % 2], r  # nested loops
    cmp = {c["algorithm"]: c for c in csv.DictReader(open(f"{d}/point-{p:03d}/compare.csv"))}[r["rule"]]
    run = json.load(open(f"{d}/point-{p:03d}/{r['rule']}/run.json"))
    h = run["hardware"]
    assert run["config"]["lr"] == float(r["training.lr"]), (run["config"]["lr"], r)
    assert h["config"]["tile"]["mac_lanes"] == int(r["hardware.tile.mac_lanes"]), r
    checks = [("final_test_accuracy_pct", run["final_test_accuracy"]), ("best_test_accuracy_pct", run["best_test_accuracy"]),
              ("energy_per_sample_nJ", h["energy_per_sample_pj"] / 1e3), ("samples_per_second", h["samples_per_second"]),
              ("area_mm2", h["area_mm2"])]
    checks += [(f"energy_{i}_per_sample_nJ", float(cmp[f"chip_per_sample_energy_{i}_nj"])) for i in items]
    for col, want in checks:
        assert abs(float(r[col]) - want) <= 1e-3 * max(1, abs(want)), (p, r["rule"], col, r[col], want)
    assert abs(sum(float(r[f"energy_{i}_per_sample_nJ"]) for i in items) - float(r["energy_per_sample_nJ"])) <= 1e-3 * float(r["energy_per_sample_nJ"])
# the table in report.md: a header with units and a row per point and rule
head = next(l for l in md.splitlines() if l.startswith("| point | rule | hardware.tile.mac_lanes | training.lr |"))
for unit in ("final test accuracy [%]", "energy per sample [nJ]", "compute [nJ/sample]", "throughput [samples/s]", "area [mm2]"):
    assert unit in head, (unit, head)
body = [l for l in md.splitlines() if l.startswith("| ") and l.split("|")[2].strip() in ("bp", "f3") and l.split("|")[1].strip().isdigit()]
assert len(body) == 12, len(body)
# more lanes: more samples/s on the chip (the figure's point)
for rule in ("bp", "f3"):
    t = [float(r["samples_per_second"]) for r in rows if r["rule"] == rule and r["training.lr"] == "1e-3"]
    assert t[0] < t[1] < t[2], (rule, t)
PY
# the swept key on the x axis (the key with the most values), lr as line groups, one colour per rule
for f in summary-accuracy summary-energy summary-throughput summary-area; do
  grep -q "set xlabel 'hardware.tile.mac_lanes'" "$R/$f.gp" && ok || bad "$f.gp: the x axis is not the swept key"
  [ "$(grep -c "title 'bp, training.lr=1e-3'\|title 'bp, training.lr=3e-3'\|title 'f3, training.lr=1e-3'\|title 'f3, training.lr=3e-3'" "$R/$f.gp")" = 8 ] \
    && ok || bad "$f.gp: not one line per rule and learning rate (two terminals)"
done
grep -q "set logscale x" "$R/summary-throughput.gp" && grep -q "'16' 16" "$R/summary-throughput.gp" && ok || bad "lanes 2..16 not on a log axis with its values"
grep -q "set ylabel 'throughput \[samples/s\]'" "$R/summary-throughput.gp" && grep -q "set ylabel 'area \[mm2\]'" "$R/summary-area.gp" &&
  grep -q "set ylabel 'energy per training sample \[nJ\]'" "$R/summary-energy.gp" && ok || bad "a summary axis without its unit"
# item 9: the figures that explain themselves
grep -q "set logscale y" "$R/fma-point-000.gp" && grep -q "with labels" "$R/fma-point-000.gp" && ok || bad "fma: no log scale or values"
grep -q "set logscale y" "$R/memory-point-000.gp" && ok || bad "memory: not on a log scale"
grep -q "with labels" "$R/energy-rules-point-000.gp" && ok || bad "energy bars without values"
python3 - "$L" <<'PY' && ok || bad "traffic.csv's bytes per sample disagree with the ledger"
import csv, json, sys
d = sys.argv[1]
for r in csv.DictReader(open(f"{d}/report/traffic-point-000.csv")):
    run = json.load(open(f"{d}/point-000/{r['rule']}/run.json"))
    led, bits = run["ledger"], run["config"]["numerics"]
    fmt = {"weights": "weights", "biases": "weights", "optimizer_state": "optimizer", "gradients": "gradients",
           "feedback": "feedback", "activation_buffer": "activations", "work": "activations",
           "error_store": "error_store", "inputs": "activations"}
    el = by = 0
    for p in led["per_phase"].values():
        for k in ("reads_elements", "writes_elements"):
            for c, n in p[k].items():
                el += n
                by += n * bits[fmt[c]]["bits"] / 8
    top = [k for k in r if k.startswith("cumulative_")][-1]
    assert top == "cumulative_inputs_bytes_per_sample", top
    assert abs(float(r[top]) - by / led["samples"]) <= 1e-9 * by, (r, by)
    assert abs(float(r["elements_per_sample"]) - el / led["samples"]) <= 1e-9 * el, (r, el)
PY
# a point's figure title is wrapped, not cut: no title line over 100 characters
python3 - "$R" <<'PY' && ok || bad "a figure title line longer than 100 characters"
import glob, re, sys
for gp in glob.glob(sys.argv[1] + "/*.gp"):
    for line in open(gp):
        if line.startswith("set title"):
            for part in re.findall(r"'((?:[^']|'')*)'", line):
                assert len(part) <= 100, (gp, part)
PY

# ---- a zipped sweep of categorical values: one x axis named by both keys ------------------------
cat > "$tmp/zip.yaml" <<YAML
name: zipped
network: {hidden: [10]}
dataset: {name: csv, path: $tmp/train.csv, test_path: $tmp/test.csv, classes: 3}
training: {compare: [f3], epochs: 1, batch_size: 20, threads: 1}
hardware: {tile: {mac_lanes: 4}}
outputs: {folder: $tmp/out}
sweep:
  zip:
    numerics.weights.format: [fp32, bf16]
    numerics.activations.format: [fp32, fp16]
YAML
expect 0 "" -- "$f3sim" run "$tmp/zip.yaml" --quiet
expect 0 "" -- "$f3sim" report --quiet "$tmp/out/zipped"
Z=$tmp/out/zipped/report
grep -q "set xlabel 'numerics.weights.format / numerics.activations.format'" "$Z/summary-accuracy.gp" &&
  grep -q "'bf16/fp16' 1" "$Z/summary-accuracy.gp" && ok || bad "the zipped keys are not one categorical x axis"
[ "$(wc -l < "$Z/summary.csv")" = 3 ] && ok || bad "zipped summary.csv: not 2 rows"

# ---- --compare: output-stationary (A) against weight-stationary (B) ------------------------
sed 's/name: lanes/name: lanes-ws/; s/mac_lanes: 4}/mac_lanes: 4, dataflow: weight_stationary}/' "$tmp/lanes.yaml" > "$tmp/ws.yaml"
expect 0 "" -- "$f3sim" run "$tmp/ws.yaml" --quiet
W=$tmp/out/lanes-ws
before=$(cd "$L" && find . -type f | sort | md5sum)
expect 0 "" -- "$f3sim" report --quiet --compare "$L" "$W" --out "$tmp/cmp"
"$f3sim" report --quiet --compare "$L" "$W" > "$tmp/cmp.stdout" 2>&1
cmp -s "$tmp/cmp.stdout" "$tmp/cmp/comparison.md" && ok || bad "stdout is not comparison.md"
[ "$(cd "$L" && find . -type f | sort | md5sum)" = "$before" ] && [ ! -e "$W/comparison.csv" ] && ok || bad "--compare wrote into A or B"
python3 - "$L" "$W" "$tmp/cmp" <<'PY' && ok || bad "--compare's ratios disagree with the two folders' compare.csv"
import csv, sys
a, b, out = sys.argv[1:]
rows = list(csv.DictReader(open(f"{out}/comparison.csv")))
assert list(rows[0].keys()) == ["point", "rule", "figure", "unit", "a", "b", "ratio_b_over_a"], rows[0].keys()
def figure(d, point, rule, col):
    return float({r["algorithm"]: r for r in csv.DictReader(open(f"{d}/point-{point:03d}/compare.csv"))}[rule][col])
seen = 0
for r in rows:
    if r["figure"] not in ("energy_per_sample_nJ", "samples_per_second", "area_mm2"):
        continue
    col = {"energy_per_sample_nJ": "chip_per_sample_energy_nj", "samples_per_second": "chip_samples_per_second",
           "area_mm2": "chip_area_mm2"}[r["figure"]]
    # the point with these swept values in each folder (same sweep, same numbering)
    p = [int(x["point"]) for x in csv.DictReader(open(f"{a}/sweep.csv"))
         if f"hardware.tile.mac_lanes={x['hardware.tile.mac_lanes']} training.lr={x['training.lr']}" == r["point"]][0]
    va, vb = figure(a, p, r["rule"], col), figure(b, p, r["rule"], col)
    assert abs(float(r["a"]) - va) <= 1e-6 * va and abs(float(r["b"]) - vb) <= 1e-6 * vb, (r, va, vb)
    assert abs(float(r["ratio_b_over_a"]) - vb / va) <= 1e-6 * (vb / va), (r, vb / va)
    seen += 1
assert seen == 6 * 2 * 3, seen
# weight-stationary differs from output-stationary somewhere (the comparison says something)
assert any(r["ratio_b_over_a"] not in ("", "1") and abs(float(r["ratio_b_over_a"]) - 1) > 1e-3 for r in rows)
md = open(f"{out}/comparison.md").read()
assert "| figure | A: lanes | B: lanes-ws | B/A |" in md and "energy per sample [nJ]" in md, md[:500]
PY
# errors: exit 2 with a message, nothing written
expect 2 "no-such: No such file" -- "$f3sim" report --compare "$L" "$tmp/no-such"
expect 2 "are the same folder" -- "$f3sim" report --compare "$L" "$L/"
mkdir -p "$tmp/empty"
expect 2 "empty: not an f3sim results folder" -- "$f3sim" report --compare "$L" "$tmp/empty"
expect 2 "no rule at a point with the same swept values in common: A has bp, f3 at 6 point" -- \
  "$f3sim" report --compare "$L" "$tmp/out/zipped"
expect 2 "takes two results folders" -- "$f3sim" report --compare "$L"
expect 2 "unexpected argument" -- "$f3sim" report --compare "$L" "$W" "$W"
expect 2 "--out goes with --compare" -- "$f3sim" report "$L" --out "$tmp/x"
expect 2 "a results folder \(it has status.json\)" -- "$f3sim" report --compare "$L" "$W" --out "$W"
[ ! -e "$W/comparison.csv" ] && [ ! -e "$tmp/x" ] && ok || bad "a rejected --compare wrote files"
finish report_sweep
