#!/usr/bin/env bash
# Every numerics-cache entry carries its epochs.csv, whatever the
# outputs.formats of the run that filled it: a json-only run fills the
# cache, a csv run that reuses the entry writes <rule>/epochs.csv (equal,
# but for its timing columns, to a fresh --force run's) and `f3sim report`
# reads it; a json run that reuses it has run.json's "epochs".  An entry
# without epochs.csv (made before entries always had one) is a miss: the
# point trains again and the entry gets its table.
#   cache_formats.sh F3SIM SOURCE_DIR TMP_DIR
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/lib/common.bash"
f3sim=$1 tmp=$(mkdir -p "$3" && cd "$3" && pwd)/cache_formats
rm -rf "$tmp" && mkdir -p "$tmp" && cd "$tmp" || exit 1
python3 "$here/lib/make_csv.py" . 17 90 30 --no-header
# the scenario's name (an output key) gives every run its own folder under
# one outputs.folder, so all of them share out/.numerics-cache
cat > s.yaml <<Y
name: s
network: {hidden: [6]}
dataset: {name: csv, path: train.csv, test_path: test.csv, classes: 3}
training: {compare: [f3], epochs: 3, batch_size: 10, lr: 0.01, threads: 1}
hardware:
  tile: {mac_lanes: 4}
outputs: {folder: out}
Y
run() { # NAME FORMATS [options...]: f3sim run into out/NAME; stderr in NAME.err (not --quiet:
  # a reuse says "its training reused" there)
  local name=$1 fmt=$2; shift 2
  "$f3sim" run s.yaml --engine analytic --set "name=$name" --set "outputs.formats=$fmt" "$@" \
    > "$name.out" 2> "$name.err" && ok || bad "run $name ($fmt $*) failed: $(cat "$name.err")"
}
reused() { grep -q "its training reused" "$1.err"; }
entry() { find out/.numerics-cache -mindepth 1 -maxdepth 1 -type d; }

# a json-only run fills the cache: the entry has its epochs.csv, the run's
# folder none (a json-only run keeps no csv of its epochs)
run a '[json]'
! reused a && ok || bad "the first run reused a training"
[ "$(entry | wc -l)" -eq 1 ] && ok || bad "wanted one cache entry, got: $(entry)"
[ -f "$(entry)/epochs.csv" ] && ok || bad "the entry of a json-only run has no epochs.csv: $(ls "$(entry)")"
[ ! -e out/a/f3/epochs.csv ] && ok || bad "a json-only run wrote out/a/f3/epochs.csv"
[ -z "$(find out/.numerics-cache -name '*.epochs.*')" ] && ok || bad "left over: $(find out/.numerics-cache -name '*.epochs.*')"

# a csv run reuses it and writes what a fresh csv run writes
run b '[csv]'
reused b && ok || bad "the csv run did not reuse the cached training: $(cat b.err)"
[ -f out/b/f3/epochs.csv ] && ok || bad "the reused csv run has no epochs.csv: $(ls out/b/f3)"
[ ! -e out/b/f3/run.json ] && ok || bad "a csv-only run wrote run.json"
"$f3sim" report out/b > report.out 2>&1 && ok || bad "f3sim report on the reused run failed: $(tail -5 report.out)"

# a fresh (forced) run with the same settings: the same table but for the
# timing columns
run c '[csv]' --force
! reused c && ok || bad "--force reused the training"
cat > same.py <<'PY'
import csv, json, sys
TIMING = {"seconds", "train_seconds", "test_seconds"}
ref = list(csv.DictReader(open(sys.argv[1])))
assert len(ref) == 3, f"{sys.argv[1]}: {len(ref)} epochs, wanted 3"
if sys.argv[2].endswith(".json"):  # run.json's "epochs": numbers of the csv's precision
    got = json.load(open(sys.argv[2]))["epochs"]
    assert len(got) == len(ref), f"{len(got)} epochs in run.json, {len(ref)} in the csv"
    for r, g in zip(ref, got):
        for k, v in r.items():
            if k in TIMING or v == "":
                continue
            assert k in g, f"run.json epoch {r['epoch']}: no {k}"
            assert abs(float(v) - float(g[k])) <= 1e-6 * max(1.0, abs(float(v))), f"epoch {r['epoch']} {k}: {g[k]} != {v}"
else:
    got = list(csv.DictReader(open(sys.argv[2])))
    assert list(got[0].keys()) == list(ref[0].keys()), f"columns {list(got[0])} != {list(ref[0])}"
    assert len(got) == len(ref), f"{len(got)} epochs, wanted {len(ref)}"
    for r, g in zip(ref, got):
        for k in r:
            if k not in TIMING:
                assert r[k] == g[k], f"epoch {r['epoch']} {k}: {g[k]} != {r[k]}"
PY
python3 same.py out/c/f3/epochs.csv out/b/f3/epochs.csv && ok || bad "the reused epochs.csv differs from a fresh run's"

# a json run that reuses it: run.json's epochs, no epochs.csv
run d '[json]'
reused d && ok || bad "the json run did not reuse the cached training"
[ ! -e out/d/f3/epochs.csv ] && ok || bad "a reused json-only run wrote epochs.csv"
python3 same.py out/c/f3/epochs.csv out/d/f3/run.json && ok || bad "the reused run.json's epochs differ from a fresh run's"

# an entry without epochs.csv (as a json-only run made them before): a
# miss, trained again; the entry gets its epochs.csv back
rm -f "$(entry)/epochs.csv"
run e '[csv]'
! reused e && ok || bad "an entry without epochs.csv was reused: $(cat e.err)"
[ -f out/e/f3/epochs.csv ] && ok || bad "the retrained run has no epochs.csv"
python3 same.py out/c/f3/epochs.csv out/e/f3/epochs.csv && ok || bad "the retrained epochs.csv differs from a fresh run's"
[ -f "$(entry)/epochs.csv" ] && ok || bad "the entry was not given its epochs.csv: $(ls "$(entry)")"
run f '[csv]'
reused f && ok || bad "the repaired entry is not reused"
python3 same.py out/c/f3/epochs.csv out/f/f3/epochs.csv && ok || bad "the repaired entry's epochs.csv differs"

finish cache_formats
