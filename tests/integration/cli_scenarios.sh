#!/usr/bin/env bash
# f3sim run | check | show | sweep | keys end to end: the scenario library
# validates, every broken scenario gives its file:line:column message and
# exit 2 and writes nothing, --set overrides, sweeps (cartesian and zipped,
# --jobs, --point, --emit, --collect), comparisons with one initialisation,
# atomic result files, and the key reference.  Data: generated CSV files.
#   cli_scenarios.sh F3SIM SOURCE_DIR TMP_DIR
set -u
f3sim=$1 src=$2 tmp=$3/cli_scenarios
rm -rf "$tmp" && mkdir -p "$tmp"
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.bash"
# expect_fixed CODE STRING -- command...: the same with a fixed string
expect_fixed() {
  local code=$1 str=$2; shift 3
  local out rc
  out=$("$@" 2>&1); rc=$?
  if [ "$rc" -ne "$code" ]; then bad "exit $rc (wanted $code): $*"$'\n'"$out"; return; fi
  if ! grep -qF -- "$str" <<<"$out"; then bad "no '$str' in output of: $*"$'\n'"$out"; return; fi
  ok
}
# only_has DIR WHAT NAME...: DIR holds nothing but the entries NAME...
only_has() {
  local dir=$1 what=$2; shift 2
  local extra
  extra=$(cd "$dir" && ls -A | grep -vxF "$(printf '%s\n' "$@")")
  [ -z "$extra" ] && ok || bad "$what left behind: $extra"
}

# ---- the scenario library validates -----------------------------------------
n_lib=0
while IFS= read -r f; do
  n_lib=$((n_lib + 1))
  expect 0 ": ok — scenario" -- "$f3sim" check "$f"
done < <(find "$src/scenarios" -name '*.yaml' | sort)
[ "$n_lib" -ge 10 ] && ok || bad "only $n_lib scenarios under scenarios/"
# the resolved scenario is itself a valid scenario
"$f3sim" show "$src/scenarios/default.yaml" > "$tmp/shown.yaml" 2>&1
expect 0 ": ok — scenario 'default'" -- "$f3sim" check "$tmp/shown.yaml"

# ---- broken scenarios: exit 2, file:line:column: message, nothing written ---
# run from a scratch working directory, so that a results/ folder (the
# default outputs.folder) would show up there
work=$tmp/broken-cwd
mkdir -p "$work" && cp -r "$src/tests/scenarios/broken" "$work/"
n_broken=0
for f in "$work"/broken/*.yaml; do
  name=$(basename "$f" .yaml)
  exp=$work/broken/$name.expect
  if [ ! -s "$exp" ]; then bad "broken/$name.yaml has no $name.expect"; continue; fi
  n_broken=$((n_broken + 1))
  want=$(head -1 "$exp")
  # every expected message starts with its own file:line:column
  [[ "$want" == "broken/$name.yaml:"[0-9]*:[0-9]*": "* ]] && ok || bad "$name.expect does not start with broken/$name.yaml:LINE:COL: "
  for cmd in check run; do
    out=$(cd "$work" && timeout 10 "$f3sim" "$cmd" "broken/$name.yaml" 2>&1); rc=$?
    [ "$rc" -eq 2 ] && ok || bad "f3sim $cmd broken/$name.yaml: exit $rc, wanted 2"$'\n'"$out"
    grep -qF -- "$want" <<<"$out" && ok || bad "f3sim $cmd broken/$name.yaml:"$'\n'"  wanted: $want"$'\n'"  got:    $out"
  done
  only_has "$work" "f3sim run broken/$name.yaml" broken
  find "$work" -mindepth 1 -maxdepth 1 ! -name broken -exec rm -rf {} +
done
[ "$n_broken" -ge 30 ] && ok || bad "only $n_broken broken scenarios"

# ---- --set ----------------------------------------------------------------------
def=$src/scenarios/default.yaml
expect 0 '^  lr: 1e-3$' -- "$f3sim" show "$def"
expect 0 '^  lr: 1e-4$' -- "$f3sim" show "$def" --set training.lr=1e-4
expect 0 '^  hidden: \[100\]' -- "$f3sim" show "$def" --set 'network.hidden=[100]'
expect 0 '^  compare: \[bp, llo\]$' -- "$f3sim" show "$def" --set 'training.compare=[bp, llo]'
"$f3sim" show "$def" | grep -q '^    broadcast:$' && bad "default.yaml has a broadcast link" || ok
expect 0 '^    broadcast:$' -- "$f3sim" show "$def" --set hardware.links.broadcast.bytes_per_cycle=8
expect 0 '^  epochs: 7 ' -- "$f3sim" show "$def" --set training.epochs=9 --set training.epochs=7
expect_fixed 2 "--set[1]:1:1: unknown key path 'training.lrr'; did you mean 'training.lr'?" -- "$f3sim" check "$def" --set training.lrr=1e-3
expect_fixed 2 "--set[1]:1:13: training.lr: expected a number, got 'abc'" -- "$f3sim" check "$def" --set training.lr=abc
expect_fixed 2 "--set[2]:1:13: training.lr: -1 is out of range" -- "$f3sim" check "$def" --set training.epochs=2 --set training.lr=-1
expect_fixed 2 "--set[1]:1:21: network.hidden: expected an integer, got 'x'" -- "$f3sim" check "$def" --set 'network.hidden=[100,x]'
expect_fixed 2 "--set[1]:1:15: not a YAML value" -- "$f3sim" check "$def" --set 'training.lr=[1'
expect_fixed 2 "--set[1]:1:1: expected key.path=value, got 'training.lr'" -- "$f3sim" check "$def" --set training.lr
expect_fixed 2 "--set[1]:1:1: unknown key path 'network'; network is a section" -- "$f3sim" check "$def" --set network=1
expect_fixed 2 "--set[1]:1:18: algorithm dfa broadcasts" -- "$f3sim" check "$def" --set 'training.compare=[f3, dfa]'
expect_fixed 2 "--set[1]:1:6: name: '..' cannot name a results folder" -- "$f3sim" check "$def" --set 'name=..'
(cd "$tmp" && mkdir -p set-cwd && cd set-cwd && "$f3sim" run "$def" --set training.lr=-1 >/dev/null 2>&1; echo $? > ../set-rc)
[ "$(cat "$tmp/set-rc")" = 2 ] && ok || bad "run with a bad --set: exit $(cat "$tmp/set-rc"), wanted 2"
only_has "$tmp/set-cwd" "run with a bad --set"

# ---- generated CSV data ------------------------------------------------------------
python3 "$(dirname "${BASH_SOURCE[0]}")/lib/make_csv.py" "$tmp" 5 600 200
csv_head() { # NAME: a scenario on the generated data, results under $tmp/out
  cat <<EOF
name: $1
dataset:
  name: csv
  path: $tmp/train.csv
  test_path: $tmp/test.csv
  classes: 3
network:
  hidden: [16]
training:
  compare: [f3, bp]
  epochs: 2
  batch_size: 20
  lr: 1e-2
outputs:
  folder: $tmp/out
EOF
}

# ---- sweeps: cartesian ----------------------------------------------------------------
{ csv_head cart; cat <<'EOF'
sweep:
  training.lr: [1e-2, 3e-3]
  network.hidden: [[8], [16, 16]]
EOF
} > "$tmp/cart.yaml"
expect 0 "4 sweep points, 8 runs" -- "$f3sim" check "$tmp/cart.yaml"
expect 0 "best acc" -- "$f3sim" run "$tmp/cart.yaml" --jobs 2 --quiet
c=$tmp/out/cart
for i in 000 001 002 003; do
  [ -s "$c/point-$i/compare.csv" ] && ok || bad "no point-$i/compare.csv"
  for a in f3 bp; do
    [ -s "$c/point-$i/$a/run.json" ] && ok || bad "no point-$i/$a/run.json"
  done
done
[ ! -e "$c/point-004" ] && ok || bad "a fifth point folder"
[ "$(head -1 "$c/sweep.csv" | cut -d, -f1-4)" = "point,training.lr,network.hidden,algorithm" ] && ok || bad "sweep.csv header: $(head -1 "$c/sweep.csv")"
[ "$(tail -n +2 "$c/sweep.csv" | wc -l)" = 8 ] && ok || bad "sweep.csv: not 4 points x 2 algorithms"
# the last key varies fastest; each point's run.json has its values
python3 - "$c" <<'PY' && ok || bad "sweep.csv rows or run.json configs do not match the cartesian order"
import csv, json, sys
c = sys.argv[1]
rows = list(csv.DictReader(open(f"{c}/sweep.csv")))
want = [("1e-2", "[8]"), ("1e-2", "[16, 16]"), ("3e-3", "[8]"), ("3e-3", "[16, 16]")]
got = [(r["training.lr"], r["network.hidden"]) for r in rows]
assert got == [w for w in want for _ in range(2)], got
assert [r["algorithm"] for r in rows] == ["f3", "bp"] * 4
for i, (lr, hid) in enumerate(want):
    cfg = json.load(open(f"{c}/point-{i:03d}/bp/run.json"))["config"]
    assert cfg["lr"] == float(lr) and cfg["widths"][1:-1] == json.loads(hid), (i, cfg)
PY
# --collect rebuilds sweep.csv from the points
mv "$c/sweep.csv" "$c/sweep.csv.saved"
expect 0 "4 points collected" -- "$f3sim" sweep "$tmp/cart.yaml" --collect
cmp -s "$c/sweep.csv" "$c/sweep.csv.saved" && ok || bad "--collect gives another sweep.csv"
# a missing point: sweep.csv of the others, the missing one named, exit 1 (issue 22: a failed cluster
# task no longer loses the whole sweep)
mv "$c/point-002" "$c/point-002.away"
rm -f "$c/sweep.csv"
expect 1 "point 2 has no results" -- "$f3sim" sweep "$tmp/cart.yaml" --collect
[ "$(grep -c . "$c/sweep.csv")" = "$(( $(grep -c . "$c/sweep.csv.saved") - $(grep -c '^2,' "$c/sweep.csv.saved") ))" ] && \
  ! grep -q '^2,' "$c/sweep.csv" && ok || bad "--collect with a point missing: $(cat "$c/sweep.csv" 2>&1 | head -3)"
mv "$c/point-002.away" "$c/point-002"

# --emit slurm | parallel
expect 0 "4 points" -- "$f3sim" sweep "$tmp/cart.yaml" --emit slurm
s=$c/sweep.slurm
grep -qxF "tasks=('0' '1' '2' '3')" "$s" && ok || bad "sweep.slurm has not one task per point (tasks=('0' '1' '2' '3'))"
grep -qxF "scenario='$tmp/cart.yaml'" "$s" && grep -qF 'run "$scenario" ${sets[@]+"${sets[@]}"} ${init[@]+"${init[@]}"} --point "$point" --quiet --resume' "$s" \
  && ok || bad "sweep.slurm does not run the points of its task"
head -1 "$s" | grep -q '^#!/bin/bash' && ok || bad "sweep.slurm is not a bash script"
bash -n "$s" && ok || bad "sweep.slurm is not valid bash"
expect 0 "4 points" -- "$f3sim" sweep "$tmp/cart.yaml" --emit parallel
p=$c/sweep.parallel
[ "$(wc -l < "$p")" = 4 ] && ok || bad "sweep.parallel: not 4 lines"
for i in 0 1 2 3; do
  sed -n "$((i + 1))p" "$p" | grep -qF "run '$tmp/cart.yaml' --point $i " && ok || bad "sweep.parallel line $((i + 1)) does not run point $i"
done
# numerics × hardware: one task per numerics point, running its hardware
# points one after the other; run for real, the first point of a task trains
# and the others reuse its training
cat > "$tmp/carthw.yaml" <<Y
name: carthw
dataset: {name: csv, path: $tmp/train.csv, test_path: $tmp/test.csv, classes: 3}
network: {hidden: [16]}
training: {compare: [f3, drtp], epochs: 1, batch_size: 20}
outputs: {folder: $tmp/out}
hardware: {}
sweep: {training.lr: [1e-3, 3e-3], hardware.tile.mac_lanes: [4, 8, 16]}
Y
expect 0 "6 points in 2 tasks \(one per numerics point\)" -- "$f3sim" sweep "$tmp/carthw.yaml" --emit parallel
bash "$tmp/out/carthw/sweep.parallel" > /dev/null 2>&1 && ok || bad "sweep.parallel of carthw failed"
python3 - "$tmp/out/carthw" <<'P' && ok || bad "sweep.parallel does not give one training per numerics point"
import json, re, sys
base = sys.argv[1]
tasks = [[int(x) for x in re.findall(r"--point (\d+)", l)] for l in open(base + "/sweep.parallel")]
assert len(tasks) == 2 and sorted(sum(tasks, [])) == list(range(6)), tasks
hashes = []
for t in tasks:
    runs = [json.load(open(f"{base}/point-{p:03d}/f3/run.json")) for p in t]
    assert "reused_training" not in runs[0], "the first point of a task did not train"
    keys = {r["reused_training"]["numerics_key"] for r in runs[1:]}
    assert len(keys) == 1 and all("reused_training" in r for r in runs[1:]), t
    assert len({r["weights_sha256"] for r in runs}) == 1, t
    for p, r in zip(t, runs):  # a reused point's run.json has the trained one's shape
        for k in ("git_commit", "config", "sweep_point", "dataset", "ledger", "hardware"):
            assert k in r, (p, k)
        assert [e["epoch"] for e in r["epochs"]] == [1], (p, r["epochs"])
        assert abs(r["epochs"][0]["test_loss"] - runs[0]["epochs"][0]["test_loss"]) < 1e-5, p
        assert r["config"] == runs[0]["config"], p
        assert "scenario.resolved.yaml" in __import__("os").listdir(f"{base}/point-{p:03d}/f3"), p
    hashes.append(runs[0]["weights_sha256"])
assert hashes[0] != hashes[1], "two numerics points trained the same weights"
P
expect 0 "sweep.slurm" -- "$f3sim" sweep "$tmp/cart.yaml" --emit slurm --set training.epochs=1
grep -qF -- "--set 'training.epochs=1'" "$s" && ok || bad "sweep.slurm drops the --set options"
# --point: one point only
expect 0 "cart: training.lr=3e-3 network.hidden=\[8\]" -- "$f3sim" run "$tmp/cart.yaml" --point 2 --quiet --set outputs.folder="$tmp/out-point"
[ -s "$tmp/out-point/cart/point-002/f3/run.json" ] && ok || bad "--point 2 did not run point 2"
only_has "$tmp/out-point/cart" "--point 2" point-002
[ "$(json "$tmp/out-point/cart/point-002/f3/run.json" "d['config']['lr']")" = 0.003 ] && ok || bad "--point 2 ran with another lr"
expect 2 "the sweep has 4 points" -- "$f3sim" run "$tmp/cart.yaml" --point 4 --set outputs.folder="$tmp/out-nopoint"
[ ! -e "$tmp/out-nopoint" ] && ok || bad "--point 4 left a results folder"

# ---- sweeps: a zipped group -----------------------------------------------------------
{ csv_head zipped; cat <<'EOF'
sweep:
  training.seed: [1, 2]
  zip:
    training.lr: [1e-2, 3e-3]
    training.batch_size: [10, 30]
EOF
} > "$tmp/zipped.yaml"
expect 0 "4 sweep points, 8 runs" -- "$f3sim" check "$tmp/zipped.yaml"
expect 0 "best acc" -- "$f3sim" run "$tmp/zipped.yaml" --jobs 2 --quiet
z=$tmp/out/zipped
python3 - "$z" <<'PY' && ok || bad "the zipped sweep does not pair its lists"
import csv, json, os, sys
z = sys.argv[1]
assert sorted(d for d in os.listdir(z) if d.startswith("point-")) == [f"point-{i:03d}" for i in range(4)]
rows = list(csv.DictReader(open(f"{z}/sweep.csv")))
assert len(rows) == 8, len(rows)
got = [(r["training.seed"], r["training.lr"], r["training.batch_size"]) for r in rows[::2]]
assert got == [("1", "1e-2", "10"), ("1", "3e-3", "30"), ("2", "1e-2", "10"), ("2", "3e-3", "30")], got
for i, (seed, lr, bs) in enumerate(got):
    for a in ("f3", "bp"):
        cfg = json.load(open(f"{z}/point-{i:03d}/{a}/run.json"))["config"]
        assert (cfg["seed"], cfg["lr"], cfg["batch_size"]) == (int(seed), float(lr), int(bs)), (i, a, cfg)
PY
# a zipped pair that is valid only together (classes 2 with output 3 is not)
{ csv_head pair | sed 's/^  hidden: \[16\]$/  hidden: [16]\n  output: 3/'; cat <<'EOF'
sweep:
  zip:
    dataset.classes: [3, 2]
    network.output: [3, 2]
EOF
} > "$tmp/pair.yaml"
expect 0 "2 sweep points" -- "$f3sim" check "$tmp/pair.yaml"

# ---- compare: five learning rules, one initialisation --------------------------------
{ csv_head five | sed 's/compare: \[f3, bp\]/compare: [bp, f3, dfa, drtp, llo]/'; } > "$tmp/five.yaml"
expect 0 "best acc" -- "$f3sim" run "$tmp/five.yaml" --quiet
f=$tmp/out/five/compare.csv
[ "$(tail -n +2 "$f" | cut -d, -f3 | tr '\n' ' ')" = "bp f3 dfa drtp llo " ] && ok || bad "compare.csv rows: $(tail -n +2 "$f" | cut -d, -f3 | tr '\n' ' ')"
for a in bp f3 dfa drtp llo; do
  [ "$(json "$tmp/out/five/$a/run.json" "d['seed']")" = 1 ] && ok || bad "$a ran with another seed"
done
[ "$(tail -n +2 "$f" | cut -d, -f14 | sort -u | wc -l)" -ge 4 ] && ok || bad "the five rules trained alike"
# with a learning rate too small to move a weight, every rule ends where it
# started: the same initial weights give one hash
expect 0 "best acc" -- "$f3sim" run "$tmp/five.yaml" --quiet --set outputs.folder="$tmp/out-init" \
  --set training.lr=1e-12 --set training.optimizer=sgd --set training.epochs=1 --set network.bias=false
f=$tmp/out-init/five/compare.csv
[ "$(tail -n +2 "$f" | wc -l)" = 5 ] && ok || bad "compare.csv: not 5 rows"
[ "$(tail -n +2 "$f" | cut -d, -f14 | sort -u | wc -l)" = 1 ] && ok || bad "the five rules did not start from the same weights"$'\n'"$(cat "$f")"

# ---- number formats: numerics keys, run.json, the error store's bytes ------------------
{ csv_head numerics | sed 's/^  lr: 1e-2$/  lr: 1e-2\n  optimizer: sgd/'; cat <<'EOF'
numerics:
  weights: {format: q4.12, rounding: stochastic}
  activations: {format: q1.7}
  optimizer:
    format: q8.8
hardware:
  links: {backward: }
sweep:
  numerics.error_store.format: [fp32, q1.7]
EOF
} > "$tmp/numerics.yaml"
expect 0 "2 sweep points, 4 runs, on a chip" -- "$f3sim" check "$tmp/numerics.yaml"
expect 0 '^    format: "q4.12"$' -- "$f3sim" show "$tmp/numerics.yaml"
expect 0 "best acc" -- "$f3sim" run "$tmp/numerics.yaml" --quiet
nu=$tmp/out/numerics
python3 - "$nu" <<'PY' && ok || bad "run.json of a scenario with numerics: formats, saturations or the error store's bytes are wrong"
import csv, json, sys
nu = sys.argv[1]
for i, (es, bpv) in enumerate((("fp32", 4), ("q1.7", 1))):
    for a in ("f3", "bp"):
        d = json.load(open(f"{nu}/point-{i:03d}/{a}/run.json"))
        n = d["config"]["numerics"]
        got = {t: (v["format"], v["rounding"]) for t, v in n.items()}
        want = {"weights": ("q4.12", "stochastic"), "activations": ("q1.7", "nearest_even"),
                "error": ("fp32", "nearest_even"), "error_store": (es, "nearest_even"),
                "gradients": ("fp32", "nearest_even"), "optimizer": ("q8.8", "nearest_even"),
                "feedback": ("fp32", "nearest_even")}
        assert got == want, (i, a, got)
        assert set(d["saturations"]) == set(want) and d["saturations"]["activations"] > 0, d["saturations"]
        h = d["hardware"]
        assert h["config"]["error_store"]["format"] == es and h["config"]["error_store"]["bytes_per_value"] == bpv, h["config"]["error_store"]
        # one-hot error information: one value per training sample (600), f3 only
        assert h["error_store_capacity_bytes"] == (600 * bpv if a == "f3" else 0), (i, a, h["error_store_capacity_bytes"])
rows = list(csv.DictReader(open(f"{nu}/sweep.csv")))
assert [r["numerics.error_store.format"] for r in rows] == ["fp32", "fp32", "q1.7", "q1.7"], rows
PY
expect_fixed 2 "--set[1]:1:25: numerics.weights.format: 'q0.0': a fixed-point format needs at least one integer bit" -- "$f3sim" check "$def" --set numerics.weights.format=q0.0
expect_fixed 2 "--set[1]:1:1: unknown key path 'hardware.error_store.precision'; use numerics.error_store.format" -- "$f3sim" check "$def" --set hardware.error_store.precision=fp16
expect_fixed 2 "--set[1]:1:27: numerics.optimizer.format: 'q8.30' is 38 bits wide" -- "$f3sim" check "$def" --set numerics.optimizer.format=q8.30
# fixed-point Adam state, found by --set, is located at the key that set it
expect_fixed 2 "--set[1]:1:27: fixed-point optimizer state needs the sgd optimizer" -- "$f3sim" check "$def" --set numerics.optimizer.format=q8.8
{ csv_head badsweep; printf 'sweep:\n  numerics.weights.format: [fp32, q40.2]\n'; } > "$tmp/badsweep.yaml"
expect_fixed 2 "badsweep.yaml:17:35: numerics.weights.format: 'q40.2' is 42 bits wide" -- "$f3sim" check "$tmp/badsweep.yaml"

# ---- atomic writes: a killed run leaves no run.json and no epochs.csv ----------------
{ csv_head killed | sed 's/epochs: 2/epochs: 100000/'; } > "$tmp/killed.yaml"
"$f3sim" run "$tmp/killed.yaml" --quiet >/dev/null 2>&1 &
pid=$!
sleep 1
if kill -9 "$pid" 2>/dev/null; then
  wait "$pid" 2>/dev/null
  [ -d "$tmp/out/killed/f3" ] && ok || bad "the killed run had not started"
  [ -z "$(find "$tmp/out/killed" -name run.json)" ] && ok || bad "a killed run left a run.json"
  [ -z "$(find "$tmp/out/killed" -name compare.csv)" ] && ok || bad "a killed run left a compare.csv"
  # no epochs.csv either: the epochs done so far are in epochs.partial.csv
  # until run.json is written; status.json still says running, with the
  # pid and host of the process that is gone; temporary files may remain,
  # but under their own names
  [ -z "$(find "$tmp/out/killed" -name epochs.csv)" ] && ok || bad "a killed run left an epochs.csv"
  [ "$(json "$tmp/out/killed/f3/status.json" "d['state'] + ' ' + str(d['pid'])")" = "running $pid" ] && ok \
    || bad "a killed run's status.json: $(cat "$tmp/out/killed/f3/status.json")"
  find "$tmp/out/killed" -type f | grep -vE '/(epochs\.partial\.csv|status\.json|scenario\.resolved\.yaml|[a-z.]+\.tmp\.[0-9]+)$' | grep -q . \
    && bad "a killed run left: $(find "$tmp/out/killed" -type f)" || ok
else
  bad "the run of 100000 epochs ended within a second"
fi

# ---- the key reference ------------------------------------------------------------------
"$f3sim" keys --markdown > "$tmp/keys.md"
n_keys=0
while read -r key _; do
  n_keys=$((n_keys + 1))
  grep -qF "| \`$key\` |" "$tmp/keys.md" || bad "keys --markdown lacks $key"
done < <("$f3sim" keys)
[ "$n_keys" -ge 60 ] && ok || bad "f3sim keys lists only $n_keys keys"
# docs/scenarios.md holds the generated reference, up to date
doc=$src/docs/scenarios.md
if [ -f "$doc" ]; then
  sed -n '/^<!-- BEGIN f3sim keys --markdown -->$/,/^<!-- END f3sim keys --markdown -->$/p' "$doc" | sed '1d;$d' > "$tmp/doc-keys.md"
  cmp -s "$tmp/doc-keys.md" "$tmp/keys.md" && ok || bad "docs/scenarios.md's key reference is not the output of 'f3sim keys --markdown' (refresh it)"
else
  bad "no docs/scenarios.md"
fi

# issue 21: name and outputs.folder cannot be swept (they had no effect); 64 values per key, as documented
for k in name outputs.folder; do
  printf 'name: s\nsweep:\n  %s: [a, b]\n' "$k" > "$tmp/sweep-$k.yaml"
  expect 2 "sweep-$k.yaml:3:3: sweep: $k cannot be swept" -- "$f3sim" check "$tmp/sweep-$k.yaml"
done
printf 'name: s\nsweep:\n  training.seed: [%s]\n' "$(seq -s, 1 64)" > "$tmp/sweep-64.yaml"
expect 0 "64 sweep points" -- "$f3sim" check "$tmp/sweep-64.yaml"
printf 'name: s\nsweep:\n  training.seed: [%s]\n' "$(seq -s, 1 65)" > "$tmp/sweep-65.yaml"
expect 2 "sweep-65.yaml:3:[0-9]+: sweep: at most 64 values per key" -- "$f3sim" check "$tmp/sweep-65.yaml"

finish cli_scenarios
