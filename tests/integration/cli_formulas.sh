#!/usr/bin/env bash
# f3sim formulas and f3sim verify end to end: the worked examples of §3.7,
# A.3 and A.4 from the JSON, the verifier on several configurations, and
# option errors.
#   cli_formulas.sh F3SIM SOURCE_DIR TMP_DIR
set -u
f3sim=$1 tmp=$3/cli_formulas
rm -rf "$tmp" && mkdir -p "$tmp"
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.bash"
# check FILE PYTHON-EXPRESSION: the expression over the JSON document d is true
check() {
  python3 -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if eval(sys.argv[2]) else 1)" "$1" "$2" \
    && ok || bad "$1: not true: $2"
}

# ---- help ---------------------------------------------------------------------
expect 0 'formulas' -- "$f3sim" --help
expect 0 'verify' -- "$f3sim" --help
expect 0 '--widths' -- "$f3sim" help formulas
expect 0 '--steps' -- "$f3sim" help verify
expect 0 'usage: f3sim formulas' -- "$f3sim" formulas --help

# ---- the worked examples (§3.7, A.3, A.4) ----------------------------------------
w200=(--widths 100,200,200,200,200,10)
w1024=(--widths 100,1024,1024,1024,1024,10)
"$f3sim" formulas "${w200[@]}" --batch 1 --samples 10000 --json > "$tmp/w200.json" && ok || bad "formulas --json failed"
j=$tmp/w200.json
check "$j" "d['network']['paper_assumptions'] is True"
# eqs. (14)-(19) per sample x 10 000 samples
check "$j" "d['fma']['bp']['forward'] == 142000 * 10000 and d['fma']['bp']['feedback'] == 122000 * 10000"
check "$j" "d['fma']['f3']['feedback'] == 8000 * 10000 and d['fma']['f3']['update'] == 142000 * 10000"
check "$j" "d['fma']['bp']['total'] == 548000 * 10000 and d['fma']['f3']['total'] == 434000 * 10000"
check "$j" "all(d['fma'][a]['loss'] == 0 for a in ('bp', 'f3', 'dfa', 'drtp', 'llo'))"
check "$j" "all(sum(d['fma'][a][p] for p in ('forward','feedback','gradient','update','loss')) == d['fma'][a]['total'] for a in d['fma'])"
check "$j" "d['paper']['eq18_bp_total'] == d['paper']['eq20_bp_equal_width'] == 548000"
check "$j" "d['paper']['eq19_f3_total'] == d['paper']['eq21_f3_equal_width'] == 434000"
# more than 90 % / 20 %
check "$j" "d['gains']['eq22_saving_fma_per_sample'] == 114000"
check "$j" "d['gains']['eq23_feedback_gain'] > 0.90 and abs(d['gains']['eq23_feedback_gain'] - 57/61) < 1e-12"
check "$j" "d['gains']['eq24_total_gain'] > 0.20 and abs(d['gains']['eq24_total_gain'] - 57/274) < 1e-12"
check "$j" "abs(d['gains']['generalised_total_gain'] - d['gains']['eq24_total_gain']) < 1e-12"
check "$j" "d['gains']['eq25_feedback_gain_limit'] == 1 and d['gains']['eq26_total_gain_limit'] == 0.25"
# more than 98 % / 24 %
"$f3sim" formulas "${w1024[@]}" --json > "$tmp/w1024.json" && ok || bad "formulas w=1024 failed"
check "$tmp/w1024.json" "d['gains']['eq23_feedback_gain'] > 0.98 and d['gains']['eq24_total_gain'] > 0.24"
check "$tmp/w1024.json" "abs(d['gains']['eq24_total_gain'] - 3042/12628) < 1e-12"
# eq. (33): 208 kB and 2.71 MB with b = 200 and 10 000 samples
"$f3sim" formulas "${w200[@]}" --batch 200 --samples 10000 --json > "$tmp/m200.json" && ok || bad "formulas b=200 failed"
"$f3sim" formulas "${w1024[@]}" --batch 200 --samples 10000 --json > "$tmp/m1024.json" && ok || bad "formulas b=200 w=1024 failed"
check "$tmp/m200.json" "d['gains']['eq32_memory_saving_bytes'] == 208000"
check "$tmp/m1024.json" "d['gains']['eq32_memory_saving_bytes'] == 2712960 and round(d['gains']['eq32_memory_saving_bytes'] / 1e6, 2) == 2.71"
# the memory items behind it, and erratum E1 (eq. 30)
check "$tmp/m200.json" "d['memory']['bp']['activation_buffer'] == {'elements': 160000, 'bytes': 640000}"
check "$tmp/m200.json" "d['memory']['f3']['feedback']['elements'] == 8000 and d['memory']['f3']['feedback']['bytes_ternary_2bit'] == 2000"
check "$tmp/m200.json" "d['memory']['f3']['error_store']['bytes'] == 400000 and d['memory']['f3']['activation_buffer']['elements'] == 0"
check "$tmp/m200.json" "d['gains']['eq30_f3_overhead_bytes'] == 432000 and d['gains']['eq30_as_printed_bytes'] == 16032000"
check "$tmp/m200.json" "d['gains']['eq31_bp_activation_bytes'] - d['gains']['eq30_f3_overhead_bytes'] == d['gains']['eq32_memory_saving_bytes']"
check "$tmp/m200.json" "d['memory']['bp']['a4_total']['bytes'] - d['memory']['f3']['a4_total']['bytes'] == 208000"
# one algorithm only; the table
"$f3sim" formulas --algorithm f3 --json > "$tmp/f3only.json" && ok || bad "formulas --algorithm f3 failed"
check "$tmp/f3only.json" "list(d['fma']) == ['f3'] and list(d['memory']) == ['f3']"
expect 0 'eq\. \(23\).*93\.4426 %' -- "$f3sim" formulas
expect 0 'eq\. \(32\) saved by F3 +208\.00 kB' -- "$f3sim" formulas --batch 200
expect 0 'Not the assumptions of A.1' -- "$f3sim" formulas --bias --activation tanh --optimizer adam

# ---- verify: the ledger equals the closed forms ------------------------------------
expect 0 'every counter of 5 algorithms matches' -- "$f3sim" verify
for alg in bp f3 dfa drtp llo; do
  expect 0 'all counters match' -- "$f3sim" verify --algorithm "$alg" --widths 13,21,8,5 --samples 50
  expect 0 'all counters match' -- "$f3sim" verify --algorithm "$alg" --widths 13,21,8,5 --bias --batch 6 --samples 15 --steps 5
  expect 0 'all counters match' -- "$f3sim" verify --algorithm "$alg" --widths 13,21,8,5 --optimizer adam --activation tanh --loss bce
done
expect 0 'eq\. \(19\) total' -- "$f3sim" verify --algorithm f3
expect 0 'every counter of 5 algorithms' -- "$f3sim" verify --widths 9,31,17,12,7 --bias --optimizer adam --activation relu \
  --loss softmax_ce --batch 16 --samples 40 --steps 4 --seed 5
expect 0 'every counter of 5 algorithms' -- "$f3sim" verify --widths 9,31,17,7 --activation sigmoid --output-activation tanh \
  --one-hot --error-info delayed_loss --batch 3 --samples 7 --steps 6
expect 0 'every counter of 5 algorithms' -- "$f3sim" verify --widths 4,3 --bias --batch 2 --samples 3 --steps 3
# the verifier catches a difference
expect 1 'MISMATCH' -- env F3SIM_VERIFY_PERTURB=1 "$f3sim" verify --algorithm bp --widths 5,4,3
expect 1 'counters differ' -- env F3SIM_VERIFY_PERTURB=1 "$f3sim" verify --algorithm f3 --widths 5,4,3

# ---- option errors ---------------------------------------------------------------------
for cmd in formulas verify; do
  expect 2 "unknown option '--frobnicate'" -- "$f3sim" "$cmd" --frobnicate
  expect 2 "--widths needs at least an input and an output width" -- "$f3sim" "$cmd" --widths 100
  expect 2 "--widths expects positive widths" -- "$f3sim" "$cmd" --widths 100,0,10
  expect 2 "--widths expects positive widths" -- "$f3sim" "$cmd" --widths 100,x,10
  expect 2 "--batch expects a positive integer" -- "$f3sim" "$cmd" --batch 0
  expect 2 "--samples expects a non-negative integer" -- "$f3sim" "$cmd" --samples -5
  expect 2 "unknown algorithm 'backprop'" -- "$f3sim" "$cmd" --algorithm backprop
  expect 2 "unknown optimizer 'rmsprop'" -- "$f3sim" "$cmd" --optimizer rmsprop
  expect 2 "unknown activation 'gelu'" -- "$f3sim" "$cmd" --activation gelu
  expect 2 "unknown error information" -- "$f3sim" "$cmd" --error-info delayed
  expect 2 "loss bce needs a sigmoid output" -- "$f3sim" "$cmd" --loss bce --output-activation identity
  expect 2 "softmax twice" -- "$f3sim" "$cmd" --loss softmax_ce --error-info delayed_error_softmax
  expect 2 "extra: cannot open" -- "$f3sim" "$cmd" extra   # a scenario's path
  expect 2 "missing its value" -- "$f3sim" "$cmd" --widths
done
expect 2 "overflow the 64-bit counters" -- "$f3sim" formulas --widths 10000000000,10000000000 --samples 1000000
expect 2 "unknown option '--steps'" -- "$f3sim" formulas --steps 3
expect 2 "--steps expects a positive integer" -- "$f3sim" verify --steps 0
expect 2 "--seed expects a non-negative integer" -- "$f3sim" verify --seed x

# SCENARIO.yaml: its network and rules, the same forms as the options give
src=$2
"$f3sim" formulas "$src/scenarios/paper/appendix-a-w1024.yaml" --json > sc.json 2> /dev/null \
  && "$f3sim" formulas --widths 100,1024,1024,1024,1024,10 --batch 200 --samples 10000 --loss mse --no-bias \
       --activation identity --output-activation identity --algorithm bp,f3 --json > opts.json 2> /dev/null \
  && python3 -c "import json,sys; a,b=(json.load(open(p)) for p in sys.argv[1:]); assert a['fma']==b['fma'] and a['memory']==b['memory'], 'differ'" sc.json opts.json \
  && ok || bad "formulas SCENARIO.yaml differs from the same network given by options"
expect 0 "every counter of 2 algorithms matches" -- "$f3sim" verify "$src/scenarios/paper/appendix-a-w1024.yaml" --steps 2 --samples 400
cat > csv-auto.yaml <<Y
dataset: {name: csv, path: a.csv, test_path: b.csv, classes: 3}
Y
expect 2 "network.input is auto with a csv data set" -- "$f3sim" verify csv-auto.yaml
printf 'network: {hidden: [3]\n' > broken.yaml
expect 2 "broken.yaml:[0-9]+:[0-9]+:" -- "$f3sim" formulas broken.yaml

finish cli_formulas
