#!/usr/bin/env bash
# Number formats end to end: the chip and the plain trainer stay bit-identical
# in every format (float mode with stochastic rounding, fixed mode with the
# exact kernels) for every learning rule and dataflow; an 8-bit error store
# changes the weights; one seed, one result; the chip's bytes follow the
# formats.
#   numerics.sh F3SIM SOURCE_DIR TMP_DIR
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/lib/common.bash"
f3sim=$1 tmp=$3/numerics
rm -rf "$tmp" && mkdir -p "$tmp" && cd "$tmp" || exit 1
python3 "$here/lib/make_csv.py" . 5 300 100 --no-header

scen() {  # name compare optimizer batch numerics-block [hardware-block]
  cat <<Y
name: $1
network: {hidden: [12, 8]}
dataset: {name: csv, path: train.csv, test_path: test.csv, classes: 3}
training: {compare: $2, epochs: 2, batch_size: $4, optimizer: $3, lr: 0.02, feedback_init: trinomial}
numerics:
$5
outputs: {folder: out, formats: [json]}
${6:-}
Y
}
HW='hardware:
  tile: {mac_lanes: 4, dataflow: DATAFLOW}
  links: {backward: {}, broadcast: {}}'
FLOAT='  weights: {format: bf16, rounding: stochastic}
  activations: {format: fp16}
  error: {format: bf16, rounding: stochastic}
  error_store: {format: q1.7}
  gradients: {format: fp16, rounding: stochastic}
  optimizer: {format: bf16}'
FIXED='  weights: {format: q3.13, rounding: stochastic}
  activations: {format: q4.12}
  error: {format: q2.14, rounding: stochastic}
  error_store: {format: q1.7, rounding: stochastic}
  gradients: {format: q2.14, rounding: stochastic}
  feedback: {format: q2.6}'

same() {  # tag plain-dir chip-dir rules
  for a in $4; do
    if python3 - "$2/$a/run.json" "$3/$a/run.json" <<'PY'
import json, sys
p, c = (json.load(open(f)) for f in sys.argv[1:3])
assert p["weights_sha256"] == c["weights_sha256"], "weights"
assert p["ledger"] == c["ledger"], "ledger"
assert p["saturations"] == c["saturations"], "saturations"
PY
    then ok; else bad "$1: $a: chip and plain differ"; fi
  done
}

# ---- float mode (adam, batch 10) and fixed mode (sgd, batch 10 and 1) ----------
ALL="bp f3 dfa drtp llo"
scen pf "[bp, f3, dfa, drtp, llo]" adam 10 "$FLOAT" > pf.yaml
scen px "[bp, f3, dfa, drtp, llo]" sgd 10 "$FIXED" > px.yaml
scen px1 "[f3, drtp, llo]" sgd 1 "$FIXED" > px1.yaml
for y in pf px px1; do "$f3sim" run $y.yaml --quiet >/dev/null 2>&1 && ok || bad "plain $y failed"; done
for df in output_stationary weight_stationary; do
  scen cf-$df "[bp, f3, dfa, drtp, llo]" adam 10 "$FLOAT" "${HW/DATAFLOW/$df}" > cf-$df.yaml
  scen cx-$df "[bp, f3, dfa, drtp, llo]" sgd 10 "$FIXED" "${HW/DATAFLOW/$df}" > cx-$df.yaml
  for y in cf-$df cx-$df; do "$f3sim" run $y.yaml --quiet >/dev/null 2>&1 && ok || bad "chip $y failed"; done
  same "float $df" out/pf out/cf-$df "$ALL"
  same "fixed $df" out/px out/cx-$df "$ALL"
done
scen cx-fused "[f3, drtp, llo]" sgd 1 "$FIXED" "${HW/DATAFLOW/fused}" > cx-fused.yaml
"$f3sim" run cx-fused.yaml --quiet >/dev/null 2>&1 && ok || bad "chip cx-fused failed"
same "fixed fused" out/px1 out/cx-fused "f3 drtp llo"

# ---- the formats are in force: saturations counted, values on their grids -----------
if python3 - <<'PY'
import json
r = json.load(open("out/px/f3/run.json"))
n = r["config"]["numerics"]
assert n["weights"]["format"] == "q3.13" and n["weights"]["rounding"] == "stochastic", n["weights"]
assert n["error_store"]["bits"] == 8, n["error_store"]
assert all(isinstance(v, int) for v in r["saturations"].values()), r["saturations"]
PY
then ok; else bad "run.json lacks the formats or saturations"; fi

# ---- an 8-bit error store changes F3's weights (and only F3's error store matters) --
scen e32 "[f3, bp]" adam 10 "  error_store: {format: fp32}" > e32.yaml
scen e8 "[f3, bp]" adam 10 "  error_store: {format: q1.7}" > e8.yaml
"$f3sim" run e32.yaml --quiet >/dev/null 2>&1 && "$f3sim" run e8.yaml --quiet >/dev/null 2>&1 && ok || bad "error-store runs failed"
h() { json "out/$1/$2/run.json" "d['weights_sha256']"; }
[ "$(h e32 f3)" != "$(h e8 f3)" ] && ok || bad "an 8-bit error store left F3's weights unchanged"
[ "$(h e32 bp)" == "$(h e8 bp)" ] && ok || bad "the error store's format changed BP (which has no store)"
# ... and fp32 numerics are today's numbers: the same as no numerics section
sed '/^numerics:/,/^  error_store/d' e32.yaml | sed 's/name: e32/name: none/' > none.yaml
"$f3sim" run none.yaml --quiet >/dev/null 2>&1 && ok || bad "run without numerics failed"
[ "$(h none f3)" == "$(h e32 f3)" ] && ok || bad "fp32 formats differ from no numerics section"

# ---- one seed, one result (stochastic rounding included) -------------------------------
sed 's/name: px$/name: px-again/' px.yaml > px-again.yaml
"$f3sim" run px-again.yaml --quiet >/dev/null 2>&1 && ok || bad "repeat run failed"
[ "$(h px f3)" == "$(h px-again f3)" ] && ok || bad "stochastic rounding is not reproducible"
sed 's/seed: 1/seed: 2/; s/name: px$/name: px-seed2/; s/feedback_init: trinomial/feedback_init: trinomial, seed: 2/' px.yaml > px-seed2.yaml
"$f3sim" run px-seed2.yaml --quiet >/dev/null 2>&1 && ok || bad "seed-2 run failed"
[ "$(h px f3)" != "$(h px-seed2 f3)" ] && ok || bad "another seed gave the same weights"

# ---- the chip's bytes follow the formats: 8-bit activations on the links ---------------
if python3 - <<'PY'
import json
a = json.load(open("out/cx-output_stationary/llo/run.json"))["hardware"]
b = json.load(open("out/cf-output_stationary/llo/run.json"))["hardware"]
# llo: x (6 values) and y* (3 fp32 targets) in, then h_1 (12) and h_2 (8) with the targets;
# fixed activations q4.12 are 2 bytes, fp16 also 2: equal; the error store plays no part
n = a["samples"]
want = n * ((2 * 6 + 4 * 3) + (2 * 12 + 4 * 3) + (2 * 8 + 4 * 3))
assert a["link_bytes"]["forward"] == want == b["link_bytes"]["forward"], (a["link_bytes"], b["link_bytes"], want)
PY
then ok; else bad "link bytes do not follow the activation format"; fi

finish numerics
