#!/usr/bin/env bash
# Several seeds per point (training.seeds, --seeds): every seed's run equals
# a plain run with that training.seed, compare.csv's mean and σ equal those
# that Python's statistics module computes from the per-seed compare.csv
# files, sweep.csv carries them, a rerun with fewer seeds leaves no stale
# seed folder, --resume skips finished seeds, and bad seed lists exit 2 with
# file:line:column and write nothing.  Data: generated CSV files.
#   seeds.sh F3SIM SOURCE_DIR TMP_DIR
set -u
f3sim=$1 src=$2 tmp=$3/seeds
rm -rf "$tmp" && mkdir -p "$tmp"
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.bash"
python3 "$src/tests/integration/lib/make_csv.py" "$tmp" 11 400 150

cat > "$tmp/s.yaml" <<EOF
name: seeded
network: {hidden: [12]}
dataset: {name: csv, path: $tmp/train.csv, test_path: $tmp/test.csv, classes: 3}
training:
  compare: [bp, f3, drtp]
  epochs: 2
  batch_size: 20
  lr: 3e-3
  threads: 1
  seeds: [3, 5, 8]
outputs: {folder: $tmp/out}
EOF
out=$tmp/out/seeded
expect 0 "mean ± sample standard deviation over 3 seeds" -- "$f3sim" run "$tmp/s.yaml" --quiet
for s in 3 5 8; do
  [ -f "$out/seed-$s/compare.csv" ] && [ -f "$out/seed-$s/bp/run.json" ] && ok || bad "seed-$s/ is incomplete"
  grep -q '"state": "done"' "$out/seed-$s/status.json" && ok || bad "seed-$s/status.json is not done"
done
grep -q '"state": "done"' "$out/status.json" && ok || bad "status.json is not done"

# mean and sample σ of every numeric column, recomputed independently
check_stats() {  # DIR SEEDS...
  python3 - "$@" <<'PY'
import csv, math, statistics, sys
d, seeds = sys.argv[1], sys.argv[2:]
per = [list(csv.DictReader(open(f"{d}/seed-{s}/compare.csv"))) for s in seeds]
agg = list(csv.DictReader(open(f"{d}/compare.csv")))
bad, worst, checked = [], 0.0, 0
if len(agg) != len(per[0]): bad.append(f"{len(agg)} rows, wanted {len(per[0])}")
for k, row in enumerate(agg):
    if row["algorithm"] != per[0][k]["algorithm"]: bad.append(f"row {k}: {row['algorithm']}")
    if row["seeds"] != str(len(seeds)): bad.append(f"row {k}: seeds {row['seeds']}")
    for col in per[0][k]:
        if col in ("point", "sweep", "algorithm", "weights_sha256", "chip_dataflow"): continue
        vals = [p[k][col] for p in per]
        if "" in vals:
            if row[col + "_mean"] != "" or row[col + "_std"] != "": bad.append(f"{col}: not blank")
            continue
        vals = [float(v) for v in vals]
        m, s = statistics.mean(vals), statistics.stdev(vals)
        for name, want in ((col + "_mean", m), (col + "_std", s)):
            got = float(row[name])
            err = abs(got - want) / max(abs(want), 1e-12)
            worst = max(worst, err)
            checked += 1
            if err > 1e-8: bad.append(f"{row['algorithm']} {name}: {got} != {want}")
if "weights_sha256" in agg[0] or "weights_sha256_mean" in agg[0]: bad.append("weights_sha256 is aggregated")
if checked < 30: bad.append(f"only {checked} figures checked")
print("\n".join(bad) if bad else f"ok {checked} figures, largest relative difference {worst:.2e}")
PY
}
r=$(check_stats "$out" 3 5 8)
[[ "$r" == ok* ]] && ok || bad "compare.csv's mean ± σ: $r"
# the σ of best accuracy is not zero (three seeds really differ)
python3 -c "import csv,sys; r=list(csv.DictReader(open(sys.argv[1]))); sys.exit(0 if all(float(x['best_test_accuracy_percent_std'])>0 for x in r) else 1)" \
  "$out/compare.csv" && ok || bad "σ of best accuracy is zero: the seeds did not differ"

# seed 5's run is the run with training.seed 5, bit for bit
expect 0 "" -- "$f3sim" run "$tmp/s.yaml" --quiet --set name=plain --set training.seeds=[] --set training.seed=5
for r in bp f3 drtp; do
  a=$(json "$out/seed-5/$r/run.json" 'd["weights_sha256"]')
  b=$(json "$tmp/out/plain/$r/run.json" 'd["weights_sha256"]')
  [ -n "$a" ] && [ "$a" = "$b" ] && ok || bad "$r: seed-5 weights $a, a plain run with seed 5 $b"
done

# --seeds is training.seeds; a rerun with fewer seeds leaves no seed-8/
expect 0 "over 2 seeds" -- "$f3sim" run "$tmp/s.yaml" --quiet --seeds 3,5
[ ! -e "$out/seed-8" ] && ok || bad "seed-8/ of the earlier run is still there"
r=$(check_stats "$out" 3 5)
[[ "$r" == ok* ]] && ok || bad "--seeds 3,5: $r"
grep -q 'seeds: \[3, 5\]' "$out/scenario.resolved.yaml" && ok || bad "scenario.resolved.yaml does not record --seeds"
# --resume skips finished seeds (their files stay untouched)
before=$(stat -c %Y.%s "$out/seed-3/bp/run.json")
sleep 1
expect 0 "is done; skipped" -- "$f3sim" run "$tmp/s.yaml" --seeds 3,5 --resume
[ "$(stat -c %Y.%s "$out/seed-3/bp/run.json")" = "$before" ] && ok || bad "--resume ran seed 3 again"
# with another seed list, resume refuses (exit 2)
expect 2 "with another configuration" -- "$f3sim" run "$tmp/s.yaml" --seeds 3-4 --resume

# a sweep with seeds: sweep.csv carries each point's mean and σ
cat > "$tmp/w.yaml" <<EOF
name: swept
network: {hidden: [12]}
dataset: {name: csv, path: $tmp/train.csv, test_path: $tmp/test.csv, classes: 3}
training: {compare: [f3], epochs: 2, batch_size: 20, threads: 1, seeds: [1, 2]}
outputs: {folder: $tmp/out}
sweep: {training.lr: [1e-3, 3e-3]}
EOF
expect 0 "" -- "$f3sim" run "$tmp/w.yaml" --quiet
python3 - "$tmp/out/swept" <<'PY' && ok || bad "sweep.csv does not hold the points' mean and σ"
import csv, sys
d = sys.argv[1]
rows = list(csv.DictReader(open(f"{d}/sweep.csv")))
assert [r["training.lr"] for r in rows] == ["1e-3", "3e-3"], rows
for i, r in enumerate(rows):
    p = list(csv.DictReader(open(f"{d}/point-{i:03d}/compare.csv")))[0]
    assert r["best_test_accuracy_percent_mean"] == p["best_test_accuracy_percent_mean"]
    assert r["best_test_accuracy_percent_std"] == p["best_test_accuracy_percent_std"]
PY
expect 0 "points collected" -- "$f3sim" sweep "$tmp/w.yaml" --collect

# ---- bad seed lists: exit 2, the place, nothing written ---------------------
rm -rf "$tmp/out"
sed 's/seeds: \[3, 5, 8\]/seeds: [3, 4, 3]/' "$tmp/s.yaml" > "$tmp/dup.yaml"
expect 2 "dup.yaml:10:10: training.seeds lists seed 3 twice" -- "$f3sim" run "$tmp/dup.yaml"
expect 2 "--set\\[1\\]:1:16: training.seeds lists seed 3 twice" -- \
  "$f3sim" run "$tmp/s.yaml" --set 'training.seeds=[3, 4, 3]'
expect 2 "--seeds: the range 9-2 runs backwards" -- "$f3sim" run "$tmp/s.yaml" --seeds 9-2
expect 2 "--seeds: expected non-negative integers" -- "$f3sim" run "$tmp/s.yaml" --seeds 1,,2
expect 2 "--seeds: expected non-negative integers" -- "$f3sim" run "$tmp/s.yaml" --seeds -3
expect 2 "--seeds: more than 128 seeds" -- "$f3sim" run "$tmp/s.yaml" --seeds 1-200
expect 2 "--seeds is given twice" -- "$f3sim" run "$tmp/s.yaml" --seeds 1 --seeds 2
expect 2 "training.seeds: expected" -- "$f3sim" check "$tmp/s.yaml" --set training.seeds=abc
printf 'name: c\ntraining:\n  seeds: [1, 2]\nsweep:\n  training.seed: [1, 2]\n' > "$tmp/c.yaml"
expect 2 "c.yaml:3:10: training.seeds runs every point for each seed; a sweep over training.seed" -- \
  "$f3sim" run "$tmp/c.yaml"
[ ! -e "$tmp/out" ] && ok || bad "a rejected seed list wrote $tmp/out"
# the documented limit, 128 seeds, is the one enforced (a 512-character text once cut it at 125)
"$f3sim" show "$src/scenarios/default.yaml" --seeds 1-128 > "$tmp/s128.txt" 2>&1 && \
  python3 -c "import re,sys; t=open(sys.argv[1]).read(); m=re.search(r'^  seeds: \[(.*)\]', t, re.M); \
assert m and [int(x) for x in m.group(1).split(', ')] == list(range(1, 129)), t[-300:]" "$tmp/s128.txt" && ok || \
  bad "--seeds 1-128 is refused or cut: $(tail -2 "$tmp/s128.txt")"
expect 2 "more than 128 seeds" -- "$f3sim" check "$src/scenarios/default.yaml" --seeds 1-129
finish seeds
