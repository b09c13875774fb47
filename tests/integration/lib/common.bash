# Helpers shared by the integration tests (sourced; not a test itself).
# ok / bad count checks; expect CODE PATTERN -- command... runs a command and
# checks its exit code and an extended regex in its stderr+stdout; json FILE
# EXPR prints a Python expression over the parsed file `d`; finish NAME prints
# the closing "NAME: N passed, M failed" line and returns non-zero on failure.
fails=0 passes=0
ok() { passes=$((passes + 1)); }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }
expect() {
  local code=$1 pat=$2; shift 3
  local out rc
  out=$("$@" 2>&1); rc=$?
  if [ "$rc" -ne "$code" ]; then bad "exit $rc (wanted $code): $*"$'\n'"$(tail -20 <<<"$out")"; return; fi
  if ! grep -qE -- "$pat" <<<"$out"; then bad "no '$pat' in output of: $*"$'\n'"$(tail -20 <<<"$out")"; return; fi
  ok
}
json() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@"; }
finish() {
  echo "$1: $passes passed, $fails failed"
  [ "$fails" -eq 0 ]
}
# rerun_compare_points SCENARIO:FOLDER ...: every distinct chip that
# `f3sim compare SCENARIO.yaml` reported in out/FOLDER/compare_budget.csv
# (the scenario's own chip left out) run as a scenario with its set_keys on
# the analytic engine; its energy, throughput and area must equal compare's
# to 1e-8.  The points go to points.txt; their count to $reran.
rerun_compare_points() {
  python3 - "$@" <<'PY' > points.txt
import csv, sys
seen = set()
for arg in sys.argv[1:]:
    y, folder = arg.split(":")
    for r in csv.DictReader(open(f"out/{folder}/compare_budget.csv")):
        key = (y, r["rule"], r["set_keys"])
        if key in seen or r["scenario_chip"] == "1":
            continue
        seen.add(key)
        print(y, r["rule"], r["energy_per_sample_nJ"], r["samples_per_second"], r["area_mm2"], r["set_keys"])
PY
  reran=0
  local y rule e s a keys sets k
  while read -r y rule e s a keys; do
    reran=$((reran + 1))
    sets=(--set "training.compare=[$rule]" --set "outputs.folder=rerun" --set "name=p$reran")
    for k in $keys; do sets+=(--set "$k"); done
    if "$f3sim" run "$y.yaml" --engine analytic --quiet "${sets[@]}" > "rerun-$reran.out" 2> "rerun-$reran.err"; then
      if python3 -c "
import json
h = json.load(open('rerun/p$reran/$rule/run.json'))['hardware']
assert h['engine'] == 'analytic', h['engine']
for got, want, what in ((h['energy_per_sample_pj'] / 1e3, $e, 'energy'), (h['samples_per_second'], $s, 'throughput'),
                        (h['area_mm2'], $a, 'area')):
    assert abs(got - want) <= 1e-8 * abs(want), (what, got, want)
"; then ok; else bad "$y $rule point $reran re-run: figures differ from compare's ($keys)"; fi
    else
      bad "$y $rule point $reran: f3sim run --engine analytic failed: $(tail -3 "rerun-$reran.err")"
    fi
  done < points.txt
}
