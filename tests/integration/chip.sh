#!/usr/bin/env bash
# The chip model end to end: bit-identical to the plain trainer, the tile
# cycle table, pipelining, update locking, fabric rules, trace and tiles.csv.
#   chip.sh F3SIM SOURCE_DIR TMP_DIR
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/lib/common.bash"
f3sim=$1 src=$(cd "$2" && pwd) tmp=$3/chip
rm -rf "$tmp" && mkdir -p "$tmp" && cd "$tmp" || exit 1
check() { if python3 -c "$1"; then ok; else bad "$2"; fi; }

python3 "$here/lib/make_csv.py" . 11 400 100 --no-header
common() {  # name hidden batch optimizer train_limit compare
  cat <<Y
name: $1
network: {hidden: $2}
dataset: {name: csv, path: train.csv, test_path: test.csv, classes: 3, train_limit: $5}
training: {compare: $6, epochs: 2, batch_size: $3, optimizer: $4, lr: 0.01, feedback_init: trinomial}
outputs: {folder: out}
Y
}
hw() {  # extra link sections
  cat <<Y
hardware:
  tile: {mac_lanes: 4, step_latency_cycles: 3, sram: {bytes_per_cycle: 1000000}, rom: {bytes_per_cycle: 1000000}}
  links:
    forward: {bytes_per_cycle: 1000000, latency_cycles: 2}
$1
Y
}
BOTH='    backward: {bytes_per_cycle: 1000000, latency_cycles: 2}
    broadcast: {bytes_per_cycle: 1000000, latency_cycles: 2}'

# ---- chip and plain: the same weights and the same ledger -----------------
common plain "[12, 8]" 10 adam 0 "[bp, f3, dfa, drtp, llo]" > plain.yaml
{ common chip "[12, 8]" 10 adam 0 "[bp, f3, dfa, drtp, llo]"; hw "$BOTH"; } > chip.yaml
"$f3sim" run plain.yaml --quiet >/dev/null 2>&1 || bad "plain run failed"
"$f3sim" run chip.yaml --quiet > chip.out 2>&1 || { bad "chip run failed"; cat chip.out; }
for a in bp f3 dfa drtp llo; do
  check "
import json
p = json.load(open('out/plain/$a/run.json')); c = json.load(open('out/chip/$a/run.json'))
assert p['weights_sha256'] == c['weights_sha256'], 'weights'
assert p['ledger'] == c['ledger'], 'ledger'
h = c['hardware']
for k in ('cycles','cycles_per_sample','samples_per_second','energy_per_sample_pj','stall_fraction','link_bytes',
          'sram_bytes','rom_bytes_read','error_store_bytes','peak_sram_bytes_per_tile'):
    assert k in h, k
assert len(h['peak_sram_bytes_per_tile']) == 3
" "$a: chip and plain differ (weights, ledger or hardware keys)"
done
grep -q "on the chip" chip.out && ok || bad "no chip table on stdout"
check "
import csv
rows = list(csv.DictReader(open('out/chip/compare.csv')))
assert len(rows) == 5 and all(float(r['chip_per_sample_cycles']) > 0 for r in rows)
" "compare.csv lacks the chip columns"

# ---- one tile, one sample: exactly the DESIGN.md cycle table ----------------
{ common one "[]" 1 sgd 1 "[f3]"; hw ""; } > one.yaml
"$f3sim" run one.yaml --quiet >/dev/null 2>&1 || bad "one-tile run failed"
check "
import json, math
h = json.load(open('out/one/f3/run.json'))['hardware']
P, L, n_in, n_out = 4, 3, 6, 3
f = math.ceil(n_out / P)
table = (f * n_in + L) + (f + L) + (f + L) + (f * n_in + L)   # forward, activation, loss dz, gradient+update
link = math.ceil((4 * 6 + 4 * 3) / 1e6) + 2                   # x and y* from the streamer
store = math.ceil(4 / 8) + 2                                   # e read from the on-chip error store (8 bytes/cycle, latency 2)
assert h['samples'] == 2, h['samples']                         # one sample, two epochs
want = 2 * (store + link + table)                              # epoch 2 starts when epoch 1 is through
assert h['cycles'] == want, (h['cycles'], want)
" "one-tile, one-sample cycles differ from the DESIGN.md table"

# ---- a K-tile chain: F3 streams at one sample per slowest-tile time ---------
{ common pipe "[40, 30]" 1 sgd 200 "[f3, bp]"; hw "$BOTH"; } > pipe.yaml
"$f3sim" run pipe.yaml --quiet --set training.epochs=1 >/dev/null 2>&1 || bad "pipeline run failed"
check "
import json, math, csv
P, L, C = 4, 3, 3
w = [6, 40, 30, 3]
def per_sample(i, alg):
    n_in, n_out = w[i], w[i+1]; f = math.ceil(n_out / P); hidden = i < 2
    t = (f * n_in + L) + (f + L) + (f + L) + (f * n_in + L)   # forward, activation, dz, gradient
    if hidden and alg == 'f3': t += f + L                      # one-hot feedback: one column of B
    if alg == 'bp' and i > 0: t += math.ceil(n_in / P) * n_out + L
    return t
f3 = json.load(open('out/pipe/f3/run.json'))['hardware']
slow = max(per_sample(i, 'f3') for i in range(3))
N = 200
assert N * slow <= f3['cycles'] <= N * slow * 1.03, (f3['cycles'], N * slow)
assert f3['link_bytes']['backward'] == 0 and f3['link_bytes']['broadcast'] == 0
bp = json.load(open('out/pipe/bp/run.json'))['hardware']
assert bp['cycles'] > f3['cycles'], 'bp is not slower'
assert bp['link_bytes']['backward'] > 0
tiles = {a: list(csv.DictReader(open(f'out/pipe/{a}/tiles.csv'))) for a in ('f3', 'bp')}
for a, h in (('f3', f3), ('bp', bp)):
    for t in tiles[a]:
        s = sum(int(t[k]) for k in ('busy_cycles', 'wait_input_cycles', 'wait_downstream_cycles', 'idle_cycles'))
        assert abs(s - h['cycles']) <= 2, (a, t['tile'], s, h['cycles'])
t1b, t1f = tiles['bp'][0], tiles['f3'][0]
stall = int(t1b['wait_downstream_cycles'])
assert stall > 0 and int(t1f['wait_downstream_cycles']) == 0
# the difference, tile 1's view: its busy, starved and idle cycles change
# little; its stalls waiting for the δ from downstream (update locking) make
# up most of it
d = lambda k: int(t1b[k]) - int(t1f[k])
diff = bp['cycles'] - f3['cycles']
assert abs(diff - (d('busy_cycles') + d('wait_input_cycles') + d('wait_downstream_cycles') + d('idle_cycles'))) <= 4
assert stall >= diff, (stall, diff)
assert bp['stall_fraction'] > 0 and f3['stall_fraction'] == 0
" "pipelining / update-locking figures are off"

# ---- fabric rules --------------------------------------------------------------
{ common fwdonly "[12]" 10 adam 0 "[f3, bp]"; hw ""; } > fwdonly.yaml
out=$("$f3sim" run fwdonly.yaml 2>&1); rc=$?
[ $rc -eq 2 ] && grep -q "fwdonly.yaml:4:.*bp.*backward link" <<<"$out" && ok || bad "bp on a forward-only fabric: rc $rc: $out"
[ ! -e out/fwdonly ] && ok || bad "a rejected scenario wrote results"
{ common dfaonly "[12]" 10 adam 0 "[dfa]"; hw ""; } > dfaonly.yaml
out=$("$f3sim" check dfaonly.yaml 2>&1); rc=$?
[ $rc -eq 2 ] && grep -q "dfa.*broadcast" <<<"$out" && ok || bad "dfa without broadcast: rc $rc: $out"

# ---- trace and tiles.csv ---------------------------------------------------------
"$f3sim" run chip.yaml --quiet --set outputs.trace=true --set training.compare=[f3] --set name=traced >/dev/null 2>&1 || bad "traced run failed"
check "
ids, last, changes = set(), -1, 0
lines = open('out/traced/f3/trace.vcd').read().split('\n')
i = lines.index('\$enddefinitions \$end')
for l in lines[:i]:
    if l.startswith('\$var'):
        p = l.split(); ids.add(p[3]); assert p[2] in ('1', '3')
assert len(ids) >= 3 + 3   # 3 tiles, 3 links
for l in lines[i+1:]:
    if not l: continue
    if l[0] == '#':
        t = int(l[1:]); assert t > last; last = t
    elif l[0] == 'b':
        v, ident = l[1:].split(); assert ident in ids and set(v) <= set('01'); changes += 1
    else:
        assert l[0] in '01' and l[1:] in ids; changes += 1
assert changes > 10 and last > 0
" "trace.vcd is not well-formed"
check "
import csv
r = list(csv.DictReader(open('out/traced/f3/tiles.csv')))
assert len(r) == 3 and [x['tile'] for x in r] == ['1','2','3']
assert all(k.endswith(('_cycles','_bytes','_pj','_mm2','_values','n_in','n_out','tile','_layer','_lanes','_wakes')) for k in r[0])
" "tiles.csv is wrong"

# ---- the comparison plots ------------------------------------------------------
if command -v gnuplot >/dev/null; then
  F3SIM=$f3sim bash "$src/analysis/plot_compare.sh" out/chip 2>/dev/null
  for f in accuracy loss energy-rules; do
    [ "$(head -c 4 "out/chip/report/$f.png" 2>/dev/null | od -An -c | tr -d ' ')" = "211PNG" ] && ok || bad "no report/$f.png from plot_compare.sh"
  done
fi

finish chip
