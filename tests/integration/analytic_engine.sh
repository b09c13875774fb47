#!/usr/bin/env bash
# The analytic engine (--engine analytic, the default for sweeps) against the
# SystemC chip on the same points (issue 17):
# - a cache miss trains with the plain trainer and evaluates the chip
#   analytically (run.json: hardware.engine "analytic"; the SystemC run's
#   says "systemc"), with the SystemC run's weights; with outputs.trace: true
#   it trains on SystemC, the only engine that writes a trace (D3);
# - every analytic point, trained
# or reused, writes a run.json whose "hardware" object equals the SystemC
# run's (but for its engine), the error store's resolved figures (energy,
# leakage, area per KiB) included, none of them null (D2), and a
# <rule>/tiles.csv byte for byte the SystemC run's (D4; also with
# outputs.formats: [csv]).
#   analytic_engine.sh F3SIM SOURCE_DIR TMP_DIR
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/lib/common.bash"
f3sim=$1 tmp=$3/analytic_engine
rm -rf "$tmp" && mkdir -p "$tmp" && cd "$tmp" || exit 1
check() { if python3 -c "$1"; then ok; else bad "$2"; fi; }

python3 "$here/lib/make_csv.py" . 17 90 30 --no-header
# three tiles, F3 (an on-chip error store whose figures follow its capacity)
# and BP (a backward link); every cost figure auto; a hardware-only sweep:
# point 0 trains, point 1 reuses its training
cat > hw.yaml <<Y
name: hw
network: {hidden: [12, 7]}
dataset: {name: csv, path: train.csv, test_path: test.csv, classes: 3}
training: {compare: [f3, bp], epochs: 2, batch_size: 10, optimizer: adam, lr: 0.01, threads: 1}
hardware:
  tile: {mac_lanes: 4, sram: {capacity_kib: 1.5}}
  dram: {bytes_per_cycle: 4}
  links: {forward: {bytes_per_cycle: 8}, backward: {bytes_per_cycle: 8}}
sweep:
  hardware.tile.mac_lanes: [2, 8]
outputs: {folder: out}
Y

"$f3sim" run hw.yaml --engine systemc --set outputs.folder=sysc --quiet > sysc.out 2> sysc.err \
  || { bad "--engine systemc sweep failed"; cat sysc.err; }
"$f3sim" run hw.yaml --set outputs.folder=ana > ana.out 2> ana.err || { bad "analytic sweep failed"; cat ana.err; }
[ "$(grep -c "its training reused" ana.err)" -eq 2 ] && ok \
  || bad "2 points × 2 rules: wanted 2 reused trainings, got $(grep -c "its training reused" ana.err)"

# the analytic folder A against the SystemC folder S, rule by rule
cat > cmp.py <<'PY'
import glob, json, os, sys
def rules(a_root, s_root):
    for s_json in sorted(glob.glob(s_root + '/**/run.json', recursive=True)):
        rel = os.path.relpath(os.path.dirname(s_json), s_root)
        yield rel, os.path.join(a_root, rel), os.path.dirname(s_json)
def hardware(a_root, s_root):  # D2: the hardware object, the resolved error store's figures first
    n = 0
    for rel, a, s in rules(a_root, s_root):
        ha, hs = json.load(open(a + '/run.json'))['hardware'], json.load(open(s + '/run.json'))['hardware']
        es = ha['config']['error_store']
        nulls = [k for k, v in es.items() if v is None]
        assert not nulls, (rel, 'null error_store figures', nulls)
        if rel.endswith('f3'):
            assert min(es['leakage_uw_per_kib'], es['area_mm2_per_kib'], es['read_pj_per_byte']) > 0, es
        ha.pop('engine', None), hs.pop('engine', None)
        diff = [k for k in hs if ha.get(k) != hs[k]]
        assert not diff and ha.keys() == hs.keys(), (rel, diff, [(ha.get(k), hs[k]) for k in diff][:2])
        n += 1
    assert n == int(sys.argv[3]), n
def tiles(a_root, s_root):  # D4: tiles.csv, byte for byte
    n = 0
    for rel, a, s in rules(a_root, s_root):
        assert os.path.exists(a + '/tiles.csv'), (rel, 'no tiles.csv')
        assert open(a + '/tiles.csv', 'rb').read() == open(s + '/tiles.csv', 'rb').read(), (rel, 'tiles.csv differs')
        n += 1
    assert n == int(sys.argv[3]), n
def engine(a_root, s_root):  # D3: which engine made the figures, and the same training
    for rel, a, s in rules(a_root, s_root):
        A, S = json.load(open(a + '/run.json')), json.load(open(s + '/run.json'))
        assert A['weights_sha256'] == S['weights_sha256'], (rel, 'weights')
        assert A['hardware'].get('engine') == 'analytic', (rel, A['hardware'].get('engine'))
        assert S['hardware'].get('engine') == 'systemc', (rel, S['hardware'].get('engine'))
globals()[sys.argv[4]](sys.argv[1], sys.argv[2])
PY
compare() {  # WHAT ANALYTIC SYSTEMC N_RULES MESSAGE
  if python3 cmp.py "$2" "$3" "$4" "$1"; then ok; else bad "$5"; fi
}

grep -v -e '^sweep:' -e 'hardware.tile.mac_lanes: \[' hw.yaml > one.yaml
single=(--set hardware.tile.mac_lanes=8)
"$f3sim" run one.yaml "${single[@]}" --set outputs.folder=one_s --quiet > /dev/null 2> one_s.err \
  || { bad "single SystemC run failed"; cat one_s.err; }
"$f3sim" run one.yaml "${single[@]}" --set outputs.folder=one_a --engine analytic > /dev/null 2> one_a.err \
  || { bad "single analytic run (a miss) failed"; cat one_a.err; }
grep -q "reused" one_a.err && bad "a cold cache reused a training" || ok
cp -r one_a one_miss
"$f3sim" run one.yaml "${single[@]}" --set outputs.folder=one_a --engine analytic > /dev/null 2> one_b.err \
  || { bad "single analytic run (a hit) failed"; cat one_b.err; }
[ "$(grep -c "its training reused" one_b.err)" -eq 2 ] && ok || bad "the rerun did not reuse both trainings"

# ---- D2: run.json's hardware object, with the error store's resolved figures ----------
compare hardware ana/hw sysc/hw 4 "an analytic sweep's run.json hardware object differs from SystemC's (null error store figures?)"
compare hardware one_miss/hw one_s/hw 2 "--engine analytic, a miss: run.json's hardware object differs from SystemC's"
compare hardware one_a/hw one_s/hw 2 "--engine analytic, a hit: run.json's hardware object differs from SystemC's"

# ---- D4: tiles.csv, byte for byte the SystemC run's -----------------------------------
compare tiles ana/hw sysc/hw 4 "an analytic sweep's tiles.csv is missing or differs from SystemC's"
compare tiles one_miss/hw one_s/hw 2 "--engine analytic, a miss: tiles.csv is missing or differs from SystemC's"
compare tiles one_a/hw one_s/hw 2 "--engine analytic, a hit: tiles.csv is missing or differs from SystemC's"
# formats: [csv] (no run.json): tiles.csv still written, on a miss and on a hit
for pass in miss hit; do
  "$f3sim" run one.yaml "${single[@]}" --set outputs.folder=csvonly --set 'outputs.formats=[csv]' --engine analytic \
    --quiet > /dev/null 2> "csv_$pass.err" || { bad "formats [csv] analytic run ($pass) failed"; cat "csv_$pass.err"; }
  for r in f3 bp; do
    cmp -s "csvonly/hw/$r/tiles.csv" "one_s/hw/$r/tiles.csv" && ok || bad "formats [csv], $pass: $r/tiles.csv missing or differs"
    [ -e "csvonly/hw/$r/run.json" ] && bad "formats [csv], $pass: a run.json was written" || ok
  done
done

# ---- D3: a cache miss trains without SystemC, to the same weights ----------------------
compare engine ana/hw sysc/hw 4 "an analytic sweep's points are not all the analytic engine's, or their weights differ"
compare engine one_miss/hw one_s/hw 2 "--engine analytic on a cache miss ran on SystemC, or its weights differ"
compare engine one_a/hw one_s/hw 2 "--engine analytic on a cache hit: engine or weights wrong"
check "
import json
for r in ('f3', 'bp'):
    assert 'reused_training' not in json.load(open(f'ana/hw/point-000/{r}/run.json')), r
    assert 'reused_training' in json.load(open(f'ana/hw/point-001/{r}/run.json')), r
" "the analytic sweep's first point did not train, or its second did not reuse"
# outputs.trace: true needs SystemC: a miss trains there and writes the trace
"$f3sim" run one.yaml "${single[@]}" --set outputs.folder=traced --set outputs.trace=true --engine analytic --quiet \
  > /dev/null 2> traced.err || { bad "traced analytic run failed"; cat traced.err; }
[ -s traced/hw/f3/trace.vcd ] && ok || bad "outputs.trace: true under --engine analytic wrote no trace.vcd"
[ "$(json traced/hw/f3/run.json "d['hardware']['engine']")" = systemc ] && ok || bad "a traced miss did not run on SystemC"
# a chip that cannot run the rule is refused before the rule's folder is made (exit 2), as on SystemC
for e in systemc analytic; do
  expect 2 "sram.capacity_kib: strict: tile 1 \\(6→12\\) needs" -- "$f3sim" run one.yaml "${single[@]}" \
    --set outputs.folder=refused_$e --engine $e --set hardware.strict=true --set hardware.tile.sram.capacity_kib=0.01 --quiet
  [ -e refused_$e/hw/f3 ] && bad "--engine $e: a refused chip left a rule folder" || ok
done

finish analytic_engine
