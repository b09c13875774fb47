#!/usr/bin/env bash
# A network of blocks on the SystemC chip (issue 19): its tiles train the
# blocks with the block trainer's per-block calls, so f3sim run --engine
# systemc gives, for every rule, what the plain block trainer gives without
# hardware — the same weights (SHA-256), the same training and test loss
# and accuracy in every epoch, the same ledger (every block and phase,
# peaks) — with one block per tile and with blocks grouped on tiles
# (layers_per_tile), output_stationary and weight_stationary, a partial
# last batch; and the same hardware figures as the analytic engine.  A run
# that leaves the floats stops at the step and block the plain run names;
# the SystemC chip writes its trace for a network of blocks; a split is
# refused at its key.
#   chip_blocks_systemc.sh F3SIM SOURCE_DIR TMP_DIR
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/lib/common.bash"
f3sim=$1 tmp=$3/chip_blocks_systemc
rm -rf "$tmp" && mkdir -p "$tmp" && cd "$tmp" || exit 1
check() { if python3 -c "$1"; then ok; else bad "$2"; fi; }

# 6 features as 2 tokens of 3: a transformer-like block, a dense block, the output
python3 "$here/lib/make_csv.py" . 11 61 40 --no-header
cat > plain.yaml <<'Y'
name: plain
network:
  type: blocks
  input: 6
  blocks: "tokens 2, linear 4, residual(layernorm, linear 12 nobias, attention 2x2, linear 4), tanh; tokens 1, linear 8, gelu; linear 3"
dataset: {name: csv, path: train.csv, test_path: test.csv, classes: 3}
training: {compare: [bp, f3, dfa, drtp, llo], epochs: 2, batch_size: 7, optimizer: adam, lr: 0.01, threads: 1}
outputs: {folder: out}
Y
{ sed 's/^name: plain/name: chip/' plain.yaml; cat <<'Y'
hardware:
  tile: {mac_lanes: 4, step_latency_cycles: 3, sram: {capacity_kib: 2}}
  links:
    forward: {bytes_per_cycle: 16, latency_cycles: 2}
    backward: {bytes_per_cycle: 16, latency_cycles: 2}
    broadcast: {bytes_per_cycle: 16, latency_cycles: 2}
  dram: {bytes_per_cycle: 4}
Y
} > chip.yaml

expect 0 "" -- "$f3sim" run plain.yaml --quiet
# 61 samples in batches of 7: the last batch holds 5
for v in "one 1 output_stationary [1,1,1]" "grouped 2 weight_stationary [2,1]"; do
  set -- $v
  expect 0 "" -- "$f3sim" run chip.yaml --quiet --engine systemc --set name=sc_$1 \
    --set hardware.tile.dataflow=$3 --set "hardware.mapping.layers_per_tile=$4"
  expect 0 "" -- "$f3sim" run chip.yaml --quiet --engine analytic --set name=an_$1 \
    --set hardware.tile.dataflow=$3 --set "hardware.mapping.layers_per_tile=$4"
  check "
import json
bad = []
for r in ('bp', 'f3', 'dfa', 'drtp', 'llo'):
    p, s, a = (json.load(open(f'out/{n}/{r}/run.json')) for n in ('plain', 'sc_$1', 'an_$1'))
    if s['hardware']['engine'] != 'systemc': bad.append(f'{r}: engine {s[\"hardware\"][\"engine\"]}')
    if p['weights_sha256'] != s['weights_sha256']: bad.append(f'{r}: weights')
    for k in ('final_test_accuracy', 'final_test_loss', 'best_test_accuracy', 'ledger', 'peak_block_stash_elements'):
        if p[k] != s[k]: bad.append(f'{r}: {k}: plain {p[k]}, chip {s[k]}')
    for e, (x, y) in enumerate(zip(p['epochs'], s['epochs'])):
        for k in ('train_loss', 'train_accuracy_percent', 'test_loss', 'test_accuracy_percent'):
            if x[k] != y[k]: bad.append(f'{r}: epoch {e + 1} {k}: plain {x[k]}, chip {y[k]}')
    # the analytic engine's figures are the SystemC chip's (tests/chip/analytic_vs_systemc.c on random blocks)
    for k, v in s['hardware'].items():
        if k not in ('engine', 'config') and a['hardware'][k] != v: bad.append(f'{r}: hardware.{k}')
    if s['hardware']['mapping']['layers_per_tile'] != json.loads('$4'): bad.append(f'{r}: mapping')
    if r == 'bp' and not s['hardware']['dram_bytes']['read'] > 0: bad.append(f'{r}: no DRAM traffic (its stash must spill)')
if bad: print('\n'.join(bad)); raise SystemExit(1)
" "$1 ($3, layers_per_tile $4): the SystemC chip differs from the plain block trainer or the analytic engine"
done
# tiles.csv: a row per tile, with its blocks
check "
import csv
rows = list(csv.DictReader(open('out/sc_grouped/f3/tiles.csv')))
assert len(rows) == 2, len(rows)
assert all(int(r['busy_cycles']) > 0 for r in rows)
" "tiles.csv of blocks grouped on tiles"

# features of 1e36 through linear and relu blocks at lr 10: the weights leave the floats in the second
# step; the chip stops where the plain run does, naming the same step and block
awk -F, 'BEGIN { OFS = "," } { for (i = 1; i <= 6; i++) $i = $i * 1e36; print }' train.csv > big.csv
div=(--set "training.compare=[f3]" --set training.lr=10 --set training.optimizer=sgd --set dataset.path=big.csv
     --set "network.blocks=linear 8, relu; linear 3")
plain_msg=$("$f3sim" run plain.yaml --quiet --set name=div "${div[@]}" 2>&1); rc1=$?
chip_msg=$("$f3sim" run chip.yaml --quiet --engine systemc --set name=divc "${div[@]}" 2>&1); rc2=$?
p=$(grep -oE "diverged at epoch [0-9]+, batch [0-9]+ \(layer [0-9]+\)" <<<"$plain_msg")
c=$(grep -oE "diverged at epoch [0-9]+, batch [0-9]+ \(layer [0-9]+\)" <<<"$chip_msg")
[ $rc1 -eq 1 ] && [ $rc2 -eq 1 ] && [ -n "$p" ] && [ "$p" = "$c" ] && ok ||
  bad "divergence: plain rc $rc1 '$p', chip rc $rc2 '$c'"$'\n'"$chip_msg"

# the trace of a network of blocks (a point that trains runs on SystemC)
expect 0 "" -- "$f3sim" run chip.yaml --quiet --set name=tr --set "training.compare=[dfa]" --set outputs.trace=true --force
grep -q "tile3_state" out/tr/dfa/trace.vcd && grep -q "link_broadcast" out/tr/dfa/trace.vcd && ok ||
  bad "no trace of the blocks' tiles"

# a block is not split over tiles, on either engine
expect 2 "set\\[2\\]:1:[0-9]+: hardware.mapping.split .*a block of a network of blocks .* is not split" \
  -- "$f3sim" run chip.yaml --quiet --engine systemc --set name=split --set "hardware.mapping.split=[2, 1, 1]"
[ ! -e out/split ] && ok || bad "a refused split wrote results"

finish chip_blocks_systemc
