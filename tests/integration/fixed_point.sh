#!/usr/bin/env bash
# Fixed point that says what it does (issue 22 item 1): the datapath a run
# used, saturation and underflow per tensor class and epoch, the warning
# when a class passes 1 % (or a site 99 %), and numerics.on_overflow /
# --on-overflow stop.  The MNIST part runs the issue's story (8-bit formats
# that train to chance) on a subset.
#   fixed_point.sh F3SIM SOURCE_DIR TMP_DIR
set -u
f3sim=$1 src=$2 tmp=$3/fixed_point
rm -rf "$tmp" && mkdir -p "$tmp"
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.bash"

# ---- the option and the key ---------------------------------------------------
expect 0 '--on-overflow P' -- "$f3sim" help train
expect 2 "unknown on-overflow policy 'maybe' \(expected warn or stop\)" -- "$f3sim" train --on-overflow maybe
expect 2 "option '--on-overflow' is missing its value" -- "$f3sim" train --on-overflow
"$f3sim" keys > "$tmp/keys.txt"
grep -qE '^numerics\.on_overflow +numerics +warn' "$tmp/keys.txt" && ok || bad "f3sim keys: no numerics.on_overflow with default warn"
printf 'name: bad\nnumerics:\n  on_overflow: sometimes\n' > "$tmp/bad.yaml"
expect 2 "bad.yaml:3:[0-9]+: .*numerics.on_overflow.*(warn|stop)" -- "$f3sim" check "$tmp/bad.yaml"

if [ ! -f "$src/data/mnist/train-images-idx3-ubyte" ]; then
  echo "fixed_point: no MNIST in $src/data; the training part is skipped"
  finish fixed_point
  exit $?
fi

# ---- the story: every class 8-bit fixed point ------------------------------------
n=2000 C=10
story=(--dataset mnist --data-dir "$src/data" --train-limit $n --test-limit 500 --epochs 2 --threads 1 --quiet
       --format weights=q1.7:stochastic --format activations=q4.4 --format error=q1.7 --format gradients=q1.7
       --format feedback=q2.6 --format error_store=q1.7)
"$f3sim" train "${story[@]}" --out "$tmp/warn" > "$tmp/warn.out" 2> "$tmp/warn.err"
[ $? -eq 0 ] && ok || bad "the story (warn) failed: $(tail -3 "$tmp/warn.err")"
grep -q '^f3sim train: datapath: exact fixed point' "$tmp/warn.out" && ok || bad "stdout does not say the datapath: $(cat "$tmp/warn.out")"
# the saturating class is named in epoch 1, with its share, the limit and a format to try
grep -qE '^f3sim train: f3: warning: in epoch 1, gradients \(q1\.7\) saturated in [0-9]+\.[0-9]{2} % of its values \([0-9]+ of [0-9]+; the limit: 1 %\); most in layer 1 of 2: .*try q2\.6 instead of q1\.7' "$tmp/warn.err" \
  && ok || bad "no epoch-1 warning naming the saturating gradients: $(head -5 "$tmp/warn.err")"
# the output layer's δz = (y − t)/(batch·C) < 2^-8 rounds to zero, every one of them
grep -qE '^f3sim train: f3: warning: in epoch 1, error \(q1\.7\) underflowed .* most in layer 2 of 2: 100\.00 % \(20000 of 20000' "$tmp/warn.err" \
  && ok || bad "no epoch-1 warning naming the error's underflow in the output layer: $(head -5 "$tmp/warn.err")"
j=$tmp/warn/run.json
[ "$(json "$j" "d['datapath']")" = fixed ] && ok || bad "run.json datapath is not fixed"
# the output layer's error: n·C values an epoch, every one underflowed (closed form)
python3 - "$j" $n $C <<'PY' && ok || bad "run.json underflow counts"
import json, sys
d = json.load(open(sys.argv[1])); n, C = int(sys.argv[2]), int(sys.argv[3])
site = [s for s in d["quantization_by_site"] if s["class"] == "error" and s["site"] == "layer 2 of 2"]
assert len(site) == 1 and site[0]["values"] == 2 * n * C and site[0]["underflows"] == 2 * n * C, site
for e in d["epochs"]:
    assert e["underflows"]["error"] >= n * C, e["underflows"]
    assert e["saturations"]["gradients"] > 0.01 * e["quantized_values"]["gradients"], e
# the epochs add up to the run (a fresh run: epoch 1 holds the initial quantisation too)
for key in ("saturations", "underflows", "quantized_values"):
    for c, v in d[key].items():
        assert sum(e[key][c] for e in d["epochs"]) == v, (key, c)
# by site adds up to the class
for key in ("saturations", "underflows"):
    for c in d[key]:
        assert sum(s[key] for s in d["quantization_by_site"] if s["class"] == c) == d[key][c], (key, c)
assert d["quantized_values"]["optimizer"] == 0 and d["underflows"]["optimizer"] == 0  # fp32 state: nothing quantised
PY
grep -q 'on_overflow: warn' "$tmp/warn/scenario.resolved.yaml" && ok || bad "scenario.resolved.yaml lacks numerics.on_overflow"

# ---- --on-overflow stop: fails after epoch 1, its results written ---------------------
"$f3sim" train "${story[@]}" --on-overflow stop --out "$tmp/stop" > "$tmp/stop.out" 2> "$tmp/stop.err"
rc=$?
[ $rc -eq 1 ] && ok || bad "--on-overflow stop: exit $rc (wanted 1, a failed run)"
grep -qE '^f3sim train: numerics\.on_overflow stop: in epoch 1, error \(q1\.7\) underflowed' "$tmp/stop.err" \
  && ok || bad "the stop does not name the class: $(tail -2 "$tmp/stop.err")"
[ "$(json "$tmp/stop/status.json" "d['state']")" = failed ] && ok || bad "status.json is not failed"
json "$tmp/stop/status.json" "d['error']" | grep -q 'numerics.on_overflow stop: in epoch 1, error (q1.7)' && ok || bad "status.json's error does not name the class"
[ "$(json "$tmp/stop/status.json" "d['epochs_done']")" = 1 ] && ok || bad "status.json epochs_done is not 1"
[ "$(wc -l < "$tmp/stop/epochs.partial.csv")" -eq 2 ] && [ "$(tail -1 "$tmp/stop/epochs.partial.csv" | cut -d, -f1)" = 1 ] \
  && ok || bad "epochs.partial.csv does not hold epoch 1 alone"
[ ! -e "$tmp/stop/run.json" ] && [ ! -e "$tmp/stop/epochs.csv" ] && ok || bad "a stopped run left run.json or epochs.csv"
# the same from a scenario
cat > "$tmp/stop.yaml" <<YAML
name: stop-scenario
dataset: {name: mnist, data_dir: "$src/data", train_limit: $n, test_limit: 500}
training: {epochs: 2, threads: 1}
numerics:
  weights: {format: q1.7, rounding: stochastic}
  activations: {format: q4.4}
  error: {format: q1.7}
  gradients: {format: q1.7}
  feedback: {format: q2.6}
  error_store: {format: q1.7}
  on_overflow: stop
outputs: {folder: "$tmp/out"}
YAML
expect 1 'numerics\.on_overflow stop: in epoch 1, error \(q1\.7\)' -- "$f3sim" run "$tmp/stop.yaml" --quiet
grep -q '"state": "failed"' "$tmp/out/stop-scenario/f3/status.json" 2>/dev/null && ok || bad "the scenario's rule folder is not failed"
# warn (the default): the run goes on, warns, and its summary says the datapath
"$f3sim" run "$tmp/stop.yaml" --quiet --set numerics.on_overflow=warn --set name=warn-scenario > "$tmp/run.out" 2> "$tmp/run.err"
[ $? -eq 0 ] && ok || bad "the scenario under warn failed: $(tail -2 "$tmp/run.err")"
grep -qE '^f3 +datapath: exact fixed point' "$tmp/run.out" && ok || bad "f3sim run's summary lacks the datapath: $(tail -3 "$tmp/run.out")"
grep -q '^f3sim run: f3: warning: in epoch 1, gradients (q1.7) saturated' "$tmp/run.err" && ok || bad "f3sim run: no warning: $(head -3 "$tmp/run.err")"
[ "$(json "$tmp/out/warn-scenario/f3/run.json" "d['datapath']")" = fixed ] && ok || bad "the scenario's run.json datapath is not fixed"

# ---- a checkpoint keeps the counts: stop after epoch 1, resume, as if uninterrupted ----------
"$f3sim" train "${story[@]}" --checkpoint-every 1 --out "$tmp/whole" > /dev/null 2>&1
"$f3sim" train "${story[@]}" --checkpoint-every 1 --on-overflow stop --out "$tmp/resumed" > /dev/null 2>&1
[ $? -eq 1 ] && [ -e "$tmp/resumed/checkpoint.json" ] && ok || bad "stop with --checkpoint-every 1: no exit 1 or no checkpoint"
"$f3sim" train "${story[@]}" --checkpoint-every 1 --resume "$tmp/resumed" > /dev/null 2> "$tmp/resumed.err"
[ $? -eq 0 ] && ok || bad "the resume failed: $(tail -2 "$tmp/resumed.err")"
python3 - "$tmp/whole/run.json" "$tmp/resumed/run.json" <<'PY' && ok || bad "a resumed run's counts differ from an uninterrupted run's"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
strip = lambda d: [{k: v for k, v in e.items() if not k.endswith("seconds")} for e in d["epochs"]]
for k in ("weights_sha256", "saturations", "underflows", "quantized_values", "quantization_by_site", "datapath"):
    assert a[k] == b[k], k
assert strip(a) == strip(b), "epochs"
assert all(e["underflows"] is not None for e in b["epochs"])
PY

# ---- the float datapath ------------------------------------------------------------------------
"$f3sim" train "${story[@]}" --format activations=fp32 --out "$tmp/float" > "$tmp/float.out" 2> "$tmp/float.err"
grep -q '^f3sim train: datapath: float (fp32 kernels, results rounded to the formats; activations is fp32, not fixed point)' "$tmp/float.out" \
  && ok || bad "a mixed run does not say float and why: $(cat "$tmp/float.out")"
[ "$(json "$tmp/float/run.json" "d['datapath']")" = float ] && ok || bad "run.json datapath is not float"
"$f3sim" train --dataset mnist --data-dir "$src/data" --train-limit 500 --test-limit 200 --epochs 1 --threads 1 --quiet \
  --out "$tmp/fp32" > "$tmp/fp32.out" 2> "$tmp/fp32.err"
grep -q '^f3sim train: datapath: float (fp32 throughout, nothing quantised)' "$tmp/fp32.out" && ok || bad "fp32 run: $(cat "$tmp/fp32.out")"
[ ! -s "$tmp/fp32.err" ] && ok || bad "fp32 run wrote to stderr: $(cat "$tmp/fp32.err")"
python3 - "$tmp/fp32/run.json" <<'PY' && ok || bad "fp32 run.json: datapath float, no counts"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["datapath"] == "float" and d["quantization_by_site"] == []
assert all(v == 0 for k in ("saturations", "underflows", "quantized_values") for v in d[k].values())
PY

finish fixed_point
