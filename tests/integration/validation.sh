#!/usr/bin/env bash
# Validation against silicon (issue 18, item 6): the scenarios under
# scenarios/validation/ pass `f3sim check` and run (analytic engine), and
# every model figure and ratio that docs/validation.md's "Against published
# chips" quotes is within 1 % of what they give: the SPOON and Park et al.
# tables, the sensitivity table (its overrides are read from the doc and
# run), and the default chip against SPOON (three runs of the default
# scenario on 5 000 MNIST samples, and the arithmetic from 313 nJ × 1.168).
# So the doc cannot go stale silently: change the model, and this test names
# the figure to update.  tests/integration/lib/validation_doc.py parses the
# doc.  Needs MNIST in SOURCE_DIR/data (scripts/setup.sh); without it only
# the checks run.  About 15 s.
#   validation.sh F3SIM SOURCE_DIR TMP_DIR
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/lib/common.bash"
f3sim=$(cd "$(dirname "$1")" && pwd)/$(basename "$1") src=$(cd "$2" && pwd) tmp=$3/validation
rm -rf "$tmp" && mkdir -p "$tmp" && cd "$tmp" || exit 1
doc=$src/docs/validation.md
vdoc() { python3 "$here/lib/validation_doc.py" "$doc" "$@"; }

# ---- the scenarios validate --------------------------------------------------
for s in spoon park2019; do
  expect 0 ": ok — scenario '$s', 1 learning rule, 1 sweep point, 1 run, on a chip" -- \
    "$f3sim" check "$src/scenarios/validation/$s.yaml"
done
n=$(find "$src/scenarios/validation" -name '*.yaml' | wc -l)
[ "$n" -eq 2 ] && ok || bad "scenarios/validation/ holds $n scenarios; this test and the doc know spoon and park2019"

if [ ! -f "$src/data/mnist/train-images-idx3-ubyte" ] && [ ! -f "$src/data/mnist/train-images-idx3-ubyte.gz" ]; then
  echo "SKIP: the runs (no $src/data/mnist; scripts/setup.sh fetches it)"
  finish validation
  exit
fi

# every run as the doc gives it; the test set only cut (no chip figure depends on it)
common=(--engine analytic --quiet --set "dataset.data_dir=$src/data" --set dataset.test_limit=200 --set training.threads=1)
run() {  # OUT SCENARIO --set ...
  local out=$1 scen=$2; shift 2
  "$f3sim" run "$scen" "${common[@]}" --set "outputs.folder=$out" "$@" > "$out.log" 2>&1 \
    && ok || { bad "run $out failed: $*"; tail -5 "$out.log"; }
}

# ---- the two chips' tables ---------------------------------------------------------
run spoon "$src/scenarios/validation/spoon.yaml"
run park "$src/scenarios/validation/park2019.yaml"
vdoc chip "SPOON" spoon/spoon/drtp/run.json && ok || bad "docs/validation.md's SPOON table is not what spoon.yaml gives"
vdoc chip "Park et al." park/park2019/dfa/run.json && ok || bad "docs/validation.md's Park et al. table is not what park2019.yaml gives"
# DRTP on a network without hidden layers is the delta rule: LLO trains the same
"$f3sim" run "$src/scenarios/validation/spoon.yaml" "${common[@]}" --set outputs.folder=spoon-llo \
  --set "training.compare=[drtp, llo]" > spoon-llo.log 2>&1 || bad "spoon with llo failed"
[ "$(json spoon-llo/spoon/drtp/run.json "d['weights_sha256']")" = "$(json spoon-llo/spoon/llo/run.json "d['weights_sha256']")" ] \
  && ok || bad "spoon: drtp and llo train differently on 784-10"

# ---- the sensitivity table: its overrides, from the doc ---------------------------
k=0
while IFS=$'\t' read -r -a row; do
  sets=()
  for o in "${row[@]:1}"; do sets+=(--set "$o"); done
  run "sens/row-$k" "$src/scenarios/validation/${row[0]}.yaml" ${sets[@]+"${sets[@]}"}
  # the run folder is OUT/<name>: move it up, so that row k is sens/row-k/<rule>
  mv "sens/row-$k/${row[0]}" "sens/row-$k.d" && rm -rf "sens/row-$k" && mv "sens/row-$k.d" "sens/row-$k"
  k=$((k + 1))
done < <(mkdir -p sens && vdoc overrides)
[ "$k" -ge 6 ] && ok || bad "the sensitivity table has $k rows"
vdoc sensitivity sens && ok || bad "docs/validation.md's sensitivity table is not what its overrides give"

# ---- the default chip against SPOON -------------------------------------------------
short=(--set training.epochs=1 --set dataset.train_limit=5000)
run d45 "$src/scenarios/default.yaml" "${short[@]}"
run d28 "$src/scenarios/default.yaml" "${short[@]}" --set hardware.technology.node_nm=28
run d28v6 "$src/scenarios/default.yaml" "${short[@]}" --set hardware.technology.node_nm=28 \
  --set hardware.technology.vdd=0.6 --set hardware.clock_mhz=130
vdoc default d45/default/f3/run.json d28/default/f3/run.json d28v6/default/f3/run.json spoon/spoon/drtp/run.json \
  && ok || bad "docs/validation.md's default chip against SPOON is not what the runs give"

finish validation
