#!/usr/bin/env bash
# f3sim report: report.md and gnuplot figures (PNG and SVG, each with its
# script and data beside it).  The figures' data is checked against
# independent references: the per-seed epochs.csv (mean and σ recomputed
# here), run.json's ledger, compare.csv's energy, tiles.csv's cycles (for the
# trace the Gantt chart reads); a sweep's points are titled with their swept
# values and only the latest run's points appear; a regression run has no
# accuracy figure; a hand-written pareto.csv gives the three Pareto fronts.
# Errors: a missing or non-results folder (exit 2), gnuplot failing (exit 1,
# the earlier report kept whole), a folder name with quotes and $(...).
#   report.sh F3SIM SOURCE_DIR TMP_DIR
set -u
f3sim=$1 src=$2 tmp=$3/report
rm -rf "$tmp" && mkdir -p "$tmp"
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.bash"
if ! command -v gnuplot >/dev/null; then
  echo "report: gnuplot is not installed (scripts/setup.sh installs it)"; exit 1
fi
python3 "$src/tests/integration/lib/make_csv.py" "$tmp" 13 300 120
is_png() { [ "$(head -c 4 "$1" 2>/dev/null | od -An -c | tr -d ' ')" = "211PNG" ]; }
is_svg() { grep -q '<svg' "$1" 2>/dev/null; }
figures_ok() {  # DIR NAME...: a PNG, an SVG and a .gp of each
  local d=$1; shift
  for n in "$@"; do
    is_png "$d/$n.png" && is_svg "$d/$n.svg" && [ -s "$d/$n.gp" ] && ok || bad "$d: no $n.png/.svg/.gp"
  done
}

# ---- several seeds on a chip, with a trace ------------------------------------
cat > "$tmp/s.yaml" <<EOF
name: seeded
network: {hidden: [10]}
dataset: {name: csv, path: $tmp/train.csv, test_path: $tmp/test.csv, classes: 3}
training: {compare: [bp, f3], epochs: 3, batch_size: 20, lr: 3e-3, threads: 1, seeds: [1, 2, 4]}
hardware:
  tile: {mac_lanes: 4}
  links: {backward: {bytes_per_cycle: 16}}
outputs: {folder: $tmp/out, trace: true}
EOF
expect 0 "" -- "$f3sim" run "$tmp/s.yaml" --quiet
R=$tmp/out/seeded/report
expect 0 "report.md and 9 figures" -- "$f3sim" report "$tmp/out/seeded"
figures_ok "$R" accuracy loss fma memory traffic energy-rules energy-tiles gantt-bp gantt-f3
for d in curves fma memory traffic energy-rules energy-tiles gantt-bp; do
  [ -s "$R/$d.csv" ] && ok || bad "no data file $d.csv"
done
ls "$tmp/out/seeded" | grep -q 'report\.\(tmp\|old\)' && bad "a temporary report folder is left" || ok
# issue 22: what bounds each tile — the report's busy share is tiles.csv's busy cycles over the run's
# cycles (run.json), and each tile has its roofline and the state bars
python3 - "$tmp/out/seeded" <<'PY' && ok || bad "the report's bounds table disagrees with tiles.csv and run.json"
import csv, json, re, sys
d = sys.argv[1]
md = open(f"{d}/report/report.md").read()
for rule in ("f3", "bp"):
    run = f"{d}/seed-1/{rule}"
    cycles = json.load(open(f"{run}/run.json"))["hardware"]["cycles"]
    for t in csv.DictReader(open(f"{run}/tiles.csv")):
        busy = 100.0 * int(t["busy_cycles"]) / cycles
        sec = md.split(f"**{rule}** (")[1].split("![")[0]
        row = re.search(rf"^\| {t['tile']} \| ([0-9.]+) \|", sec, re.M)
        assert row and abs(float(row.group(1)) - busy) < 0.01, (rule, t["tile"], row and row.group(1), busy)
        import os
        assert os.path.getsize(f"{d}/report/bounds-{rule}-roofline_tile{t['tile']}.png") > 1000
    assert os.path.getsize(f"{d}/report/bounds-{rule}-tile_states.png") > 1000
PY
# what learning adds: the report's table is run.json's inference baseline and overhead (seed 1's)
python3 - "$tmp/out/seeded" <<'PY' && ok || bad "the report's learning-overhead table disagrees with run.json"
import json, sys
d = sys.argv[1]
md = open(f"{d}/report/report.md").read()
assert "## What learning adds" in md, "no section"
rows = {l.split("|")[1].strip(): [c.strip() for c in l.split("|")[2:-1]] for l in md.splitlines()
        if l.startswith("| bp |") or l.startswith("| f3 |")}
for rule in ("bp", "f3"):
    h = json.load(open(f"{d}/seed-1/{rule}/run.json"))["hardware"]
    got = [float(x) for x in rows[rule]]
    want = [h["energy_per_sample_pj"] / 1e3, h["inference"]["energy_per_sample_pj"] / 1e3,
            h["learning_overhead"]["energy_per_sample_pct"], h["learning_overhead"]["training_power_mw"],
            h["inference"]["power_mw"], h["learning_overhead"]["power_pct"], h["area_mm2"], h["inference"]["area_mm2"],
            h["learning_overhead"]["area_pct"]]
    assert len(got) == 9 and all(abs(g - w) <= 1e-3 * max(1, abs(w)) for g, w in zip(got, want)), (rule, got, want)
PY
python3 - "$tmp/out/seeded" <<'PY' && ok || bad "the report's data disagrees with its sources"
import csv, json, statistics, sys
d = sys.argv[1]
R = f"{d}/report"
curves = list(csv.DictReader(open(f"{R}/curves.csv")))
worst = 0.0
for rule in ("bp", "f3"):
    seeds = [list(csv.DictReader(open(f"{d}/seed-{s}/{rule}/epochs.csv"))) for s in (1, 2, 4)]
    rows = [r for r in curves if r["rule"] == rule]
    assert len(rows) == 3, (rule, len(rows))
    for e, r in enumerate(rows):
        for col, name in (("test_accuracy_percent", "test_accuracy_pct"), ("test_loss", "test_loss")):
            v = [float(s[e][col]) for s in seeds]
            for got, want in ((float(r[name + "_mean"]), statistics.mean(v)), (float(r[name + "_std"]), statistics.stdev(v))):
                worst = max(worst, abs(got - want))
                assert abs(got - want) <= 1e-9 * max(1, abs(want)), (rule, e, name, got, want)
assert any(float(r["test_accuracy_pct_std"]) > 0 for r in curves), "no spread over the seeds"
# FMA per sample: the ledger of seed 1's run.json, and the closed form equals it
fma = list(csv.DictReader(open(f"{R}/fma.csv")))
for rule in ("bp", "f3"):
    led = json.load(open(f"{d}/seed-1/{rule}/run.json"))["ledger"]
    for r in (x for x in fma if x["rule"] == rule):
        want = led["per_phase"][r["phase"]]["fma"] / led["samples"]
        assert abs(float(r["counted_fma_per_sample"]) - want) < 1e-9 * max(1, want), (rule, r)
        assert r["closed_form_fma_per_sample"] != "" and abs(float(r["closed_form_fma_per_sample"]) - want) < 1e-9 * max(1, want), r
    ap = {x["phase"]: x["appendix_a_fma_per_sample"] for x in fma if x["rule"] == rule}
    assert float(ap["forward"]) == 6 * 10 + 10 * 3, ap  # eq. (14): Σ n_{i-1} n_i
# memory traffic: every element read and written per sample, and in bytes (fp32: 4 bytes each) the stack's top
for r in csv.DictReader(open(f"{R}/traffic.csv")):
    led = json.load(open(f"{d}/seed-1/{r['rule']}/run.json"))["ledger"]
    want = sum(sum(p[k].values()) for p in led["per_phase"].values() for k in ("reads_elements", "writes_elements")) / led["samples"]
    assert abs(float(r["elements_per_sample"]) - want) <= 1e-9 * want, (r, want)
    assert abs(float(r["cumulative_inputs_bytes_per_sample"]) - 4 * want) <= 1e-9 * want, (r, want)
mem = {r["rule"]: r for r in csv.DictReader(open(f"{R}/memory.csv"))}
assert float(mem["f3"]["error_store_peak_elements"]) == 300 * 3 == float(mem["f3"]["error_store_eq29_elements"])
assert float(mem["bp"]["activation_buffer_peak_elements"]) == 20 * 10 == float(mem["bp"]["activation_buffer_eq27_elements"])
# energy: the stacked bars' tops are compare.csv's energy per sample
cmp = {r["algorithm"]: r for r in csv.DictReader(open(f"{d}/compare.csv"))}
for r in csv.DictReader(open(f"{R}/energy-rules.csv")):
    top = float(r["cumulative_leakage_nJ_per_sample"])
    want = float(cmp[r["rule"]]["chip_per_sample_energy_nj_mean"])
    assert abs(top - want) <= 1e-3 * want, (r["rule"], top, want)
# per tile: each tile's top is tiles.csv's energy over the run's samples
for rule in ("bp", "f3"):
    n = json.load(open(f"{d}/seed-1/{rule}/run.json"))["ledger"]["samples"]
    tiles = list(csv.DictReader(open(f"{d}/seed-1/{rule}/tiles.csv")))
    got = [float(r["cumulative_leakage_nJ_per_sample"]) for r in csv.DictReader(open(f"{R}/energy-tiles.csv"))
           if r["rule_tile"].startswith(rule + " ")]
    want = [sum(float(t[k]) for k in t if k.startswith("energy_")) / n / 1e3 for t in tiles]
    assert len(got) == len(want) and all(abs(a - b) <= 1e-9 * max(1, b) for a, b in zip(got, want)), (rule, got, want)
PY
python3 -B - "$tmp/out/seeded" "$src/analysis" <<'PY' && ok || bad "trace.vcd as the report reads it disagrees with tiles.csv"
import csv, sys
sys.path.insert(0, sys.argv[2])
import report
d = sys.argv[1]
for rule in ("bp", "f3"):
    iv = report.read_vcd(f"{d}/seed-1/{rule}/trace.vcd")
    for t in csv.DictReader(open(f"{d}/seed-1/{rule}/tiles.csv")):
        tile = int(t["tile"])
        for state, col in ((1, "busy_cycles"), (2, "wait_input_cycles"), (3, "wait_downstream_cycles")):
            got = sum(b - a for a, b, s in iv[tile] if s == state)
            assert abs(got - float(t[col])) <= 1e-6 * max(1, float(t[col])), (rule, tile, col, got, t[col])
PY
grep -q "mean ± σ over 3 seeds" "$R/accuracy.gp" && ok || bad "accuracy.gp's title does not say mean ± σ over 3 seeds"
grep -q "filledcurves" "$R/accuracy.gp" && ok || bad "no σ band in accuracy.gp"
grep -q '(the run of seed 1)' "$R/gantt-bp.gp" && grep -q '(the run of seed 1)' "$R/fma.gp" && ! grep -q "mean ± σ" "$R/gantt-bp.gp" \
  && ok || bad "the trace's and the ledger's figures do not say they are the run of seed 1"
grep -qE '\| bp \| [0-9.]+ ± [0-9.]+ \|' "$R/report.md" && ok || bad "report.md has no mean ± σ for bp"
grep -q 'test accuracy \[%\]' "$R/accuracy.gp" && grep -q "time \[cycles\]" "$R/gantt-bp.gp" &&
  grep -q 'energy per training sample \[nJ\]' "$R/energy-rules.gp" && ok || bad "an axis without its unit"
# a second report replaces the first whole
touch "$R/marker.png"
expect 0 "" -- "$f3sim" report --quiet "$tmp/out/seeded"
[ ! -e "$R/marker.png" ] && [ -s "$R/report.md" ] && ok || bad "the second report did not replace the first"
# a rerun of the scenario removes the report of the earlier run
expect 0 "" -- "$f3sim" run "$tmp/s.yaml" --quiet --seeds 1-2
[ ! -e "$R" ] && ok || bad "a rerun left the earlier run's report/"

# ---- a sweep: the latest run's points, titled with their swept values ------------
cat > "$tmp/w.yaml" <<EOF
name: swept
network: {hidden: [10]}
dataset: {name: csv, path: $tmp/train-reg.csv, test_path: $tmp/test-reg.csv, classes: 0}
training: {compare: [bp, f3], epochs: 2, batch_size: 20, threads: 1}
outputs: {folder: $tmp/out}
sweep: {training.lr: [1e-3, 3e-3, 1e-2]}
EOF
expect 0 "" -- "$f3sim" run "$tmp/w.yaml" --quiet
# the latest run has two points (a rerun clears point-002)
sed -i 's/\[1e-3, 3e-3, 1e-2\]/[1e-3, 3e-3]/' "$tmp/w.yaml"
expect 0 "" -- "$f3sim" run "$tmp/w.yaml" --quiet
# a stale point folder of another run, not in sweep.csv
mkdir -p "$tmp/out/swept/point-007" && cp "$tmp/out/swept/point-000/compare.csv" "$tmp/out/swept/point-007/"
W=$tmp/out/swept/report
expect 0 "" -- "$f3sim" report "$tmp/out/swept"
figures_ok "$W" loss-point-000 loss-point-001 fma-point-000 fma-point-001 traffic-point-001
[ ! -e "$W/accuracy-point-000.png" ] && ok || bad "an accuracy figure for a regression data set"
[ ! -e "$W/loss-point-007.png" ] && ! grep -q 'point-007\|Point 007' "$W/report.md" && ok || bad "the stale point-007 is in the report"
grep -q "at training.lr=3e-3" "$W/loss-point-001.gp" && ok || bad "loss-point-001.gp's title lacks training.lr=3e-3"
grep -q "## Point 001: training.lr=3e-3" "$W/report.md" && ok || bad "report.md does not label point 001 with its swept value"
grep -q "test loss \[MSE" "$W/loss-point-000.gp" && ok || bad "the loss axis does not name MSE"

# ---- a folder of f3sim train: one rule ----------------------------------------------
expect 0 "" -- "$f3sim" train --dataset csv --data-path "$tmp/train.csv" --test-path "$tmp/test.csv" --classes 3 \
  --hidden 6 --epochs 2 --algorithm drtp --quiet --out "$tmp/trained"
expect 0 "5 figures" -- "$f3sim" report "$tmp/trained"
figures_ok "$tmp/trained/report" accuracy loss fma traffic memory
grep -q '^| drtp | ' "$tmp/trained/report/report.md" && ok || bad "the train folder's rule is not in report.md"

# ---- a hand-written pareto.csv (the columns of f3sim explore) ---------------------
P=$tmp/explore
mkdir -p "$P"
cat > "$P/pareto.csv" <<'EOF'
rule,test_accuracy_pct,energy_per_sample_nJ,samples_per_second,area_mm2,hardware.tile.mac_lanes,hardware.tile.sram.capacity_kib
bp,97.85,812.5,120345.2,31.4,64,2048
bp,97.85,1630.25,240110.7,45.8,128,2048
f3,96.92,512.75,310245.9,28.1,64,1024
f3,96.92,905.5,620480.3,39.6,128,1024
f3-loss,95.41,498.125,305002.4,27.9,64,512
EOF
# explore.csv: every point (its extra columns are not the report's business)
{ head -1 "$P/pareto.csv" | sed 's/$/,energy_compute_nJ/'
  tail -n +2 "$P/pareto.csv" | sed 's/$/,1.5/'
  printf 'bp,97.1,2400.5,110000.5,60.25,32,4096,2.5\nf3,96.2,1900.75,150000.25,55.5,32,4096,2.5\n'; } > "$P/explore.csv"
expect 0 "11 figures" -- "$f3sim" report "$P"
# the summary across explore.csv's points: every row, and each explored key on an x axis (best over the other key)
[ "$(wc -l < "$P/report/summary.csv")" = 8 ] && grep -q "set xlabel 'hardware.tile.mac_lanes'" \
  "$P/report/summary-energy-hardware-tile-mac-lanes.gp" && grep -q "set xlabel 'hardware.tile.sram.capacity_kib'" \
  "$P/report/summary-area-hardware-tile-sram-capacity-kib.gp" && ok || bad "no summary across the explore's points"
python3 - "$P" <<'PY2' && ok || bad "the explore summary's best energy per lanes value disagrees with explore.csv"
import csv, sys
d = sys.argv[1]
pts = list(csv.DictReader(open(f"{d}/explore.csv")))
lines = list(csv.DictReader(open(f"{d}/report/summary-lines-hardware-tile-mac-lanes.csv")))
for l in lines:
    want = min(float(p["energy_per_sample_nJ"]) for p in pts
               if p["rule"] == l["rule"] and p["hardware.tile.mac_lanes"] == l["x_label"])
    assert float(l["energy_per_sample_nJ"]) == want, (l, want)
assert len(lines) == 7, len(lines)  # bp and f3 at 32, 64, 128 lanes; f3-loss at 64
PY2
# the Pareto table names an objective that is constant within a rule instead of a best point
grep -q "| bp | 2 | the same at every point: test accuracy 97.85 |" "$P/report/report.md" && \
  ! grep -q "| bp | 2 | highest test accuracy" "$P/report/report.md" && ok || bad "a constant objective has a 'best' point"
[ "$(wc -l < "$P/report/explore-points.csv")" = 8 ] && grep -q "every point explored" "$P/report/pareto-area-throughput.gp" \
  && ok || bad "the explore's points are not behind the Pareto front"
figures_ok "$P/report" pareto-energy-throughput pareto-area-throughput pareto-accuracy-energy
cmp -s "$P/pareto.csv" "$P/report/pareto.csv" && ok || bad "report/pareto.csv is not the explore's data"
g=$P/report/pareto-energy-throughput.gp
grep -q "hardware.tile.mac_lanes 64..128" "$g" && ok || bad "the Pareto title lacks the swept ranges"
[ "$(grep -o "lc rgb '#[0-9a-f]*' title '[a-z0-9-]*'" "$g" | sort -u | awk '{print $3}' | sort -u | wc -l)" -eq 3 ] && ok ||
  bad "not one colour per rule in $g"
grep -q "throughput \[samples/s\]" "$g" && grep -q "energy per training sample \[nJ\]" "$g" && ok || bad "Pareto axes without units"
cut -d, -f1,2,4 "$P/pareto.csv" > "$tmp/bad-pareto.csv"
mkdir -p "$tmp/badp" && mv "$tmp/bad-pareto.csv" "$tmp/badp/pareto.csv"
expect 1 "pareto.csv: no column energy_per_sample_nJ" -- "$f3sim" report "$tmp/badp"
[ ! -e "$tmp/badp/report" ] && ok || bad "a failed report left report/"

# ---- errors ----------------------------------------------------------------------
expect 2 "no-such-folder: No such file" -- "$f3sim" report "$tmp/no-such-folder"
mkdir -p "$tmp/empty"
expect 2 "not an f3sim results folder" -- "$f3sim" report "$tmp/empty"
[ -z "$(ls -A "$tmp/empty")" ] && ok || bad "a rejected folder got files: $(ls -A "$tmp/empty")"
expect 2 "which results folder" -- "$f3sim" report
expect 2 "unexpected argument" -- "$f3sim" report "$tmp/empty" "$tmp/empty"
expect 2 "unknown option '--qiet'; did you mean '--quiet'" -- "$f3sim" report --qiet "$tmp/empty"
# gnuplot failing: exit 1, the earlier report stays whole
mkdir -p "$tmp/fakebin"
printf '#!/bin/sh\necho "fake gnuplot: broken" >&2\nexit 1\n' > "$tmp/fakebin/gnuplot" && chmod +x "$tmp/fakebin/gnuplot"
before=$(cd "$P/report" && ls | md5sum)
expect 1 "gnuplot failed on summary-accuracy-hardware-tile-mac-lanes.gp: fake gnuplot: broken" -- env PATH="$tmp/fakebin:$PATH" "$f3sim" report "$P"
[ "$(cd "$P/report" && ls | md5sum)" = "$before" ] && ! ls "$P" | grep -q 'report\.tmp' && ok ||
  bad "a failed report changed the earlier one or left a temporary folder"
expect 1 "cannot read .*/nowhere/report.py" -- env F3SIM_ANALYSIS_DIR="$tmp/nowhere" "$f3sim" report "$P"
# a folder name that a shell would run: no injection, the report is made
odd="$tmp/it's \$(touch $tmp/pwned) \"x\""
mkdir -p "$odd" && cp "$P/pareto.csv" "$odd/"
expect 0 "" -- "$f3sim" report --quiet "$odd"
[ ! -e "$tmp/pwned" ] && is_png "$odd/report/pareto-area-throughput.png" && ok || bad "a quoted folder name broke the report"
# ---- issue 21: an interrupted run before any rule finished is reported and marked; a folder a run is
# writing is not read (report takes a shared lock: exit 1, the run's own folder untouched)
cat > "$tmp/long.yaml" <<EOF
name: long
dataset: {name: csv, path: $tmp/train.csv, test_path: $tmp/test.csv, classes: 3}
network: {hidden: [16]}
training: {compare: [f3], epochs: 100000, batch_size: 20, threads: 1}
outputs: {folder: $tmp/lout, checkpoint_every: 1}
EOF
"$f3sim" run "$tmp/long.yaml" --quiet > /dev/null 2>&1 &
pid=$!
for _ in $(seq 200); do [ -s "$tmp/lout/long/f3/epochs.partial.csv" ] && break; sleep 0.1; done
expect 1 "lout/long is in use by another f3sim run \(pid $pid" -- "$f3sim" report --quiet "$tmp/lout/long"
[ ! -e "$tmp/lout/long/report" ] && ok || bad "a report was written into a folder a run was writing"
kill -TERM "$pid"; wait "$pid"
expect 0 "" -- "$f3sim" report --quiet "$tmp/lout/long"
grep -q "The run is not done (status.json: interrupted) and no rule has finished" "$tmp/lout/long/report/report.md" && \
  grep -q "f3.: [0-9]* epoch(s) done" "$tmp/lout/long/report/report.md" && ok \
  || bad "the interrupted run's report: $(cat "$tmp/lout/long/report/report.md" 2>&1)"
finish report
