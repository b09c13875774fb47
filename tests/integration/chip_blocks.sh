#!/usr/bin/env bash
# A network of blocks on the chip (issue 19): each block maps onto a tile,
# which runs the block's ops with its own stash for the local backprop; the
# analytic engine runs it (the default for a network of blocks).  Tile 1
# holds a transformer block, tile 2 the output block, with explicit figures.
# Tile 1's cycles, SRAM bytes, SRAM energy and stash are derived here, step
# by step, from docs/hardware-model.md's op table ("Blocks: the op table"),
# never from the model's own figures; F³'s and BP's figures and the
# inference baseline are there; the SystemC engine gives the same weights,
# ledger and figures (tests/integration/chip_blocks_systemc.sh: every rule
# and mapping); a register file too small for an attention head, a split
# and a mapping that does not add up to the blocks are refused at their
# keys (file:line:col).
# Data: MNIST from the source tree's data/ (scripts/setup.sh).
#   chip_blocks.sh F3SIM SOURCE_DIR TMP_DIR
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/lib/common.bash"
f3sim=$1 src=$2 tmp=$3/chip_blocks
rm -rf "$tmp" && mkdir -p "$tmp" && cd "$tmp" || exit 1
check() { if python3 -c "$1"; then ok; else bad "$2"; fi; }

# block 1: the image as 16 tokens of 49, linear 49 -> 16, then a transformer block
# (layer norm, qkv 16 -> 24 without bias, 2 heads of 4, linear 8 -> 16, residual);
# block 2: the 256 values as one token, linear 256 -> 10.  8 lanes, an SRAM port of
# 2 banks x 8 B, step latency 2, B in a ternary2 ROM of 4 B a cycle.
cat > s.yaml <<Y
name: s
network:
  type: blocks
  blocks: "tokens 16, linear 16, residual(layernorm, linear 24 nobias, attention 2x4, linear 16); tokens 1, linear 10"
dataset: {name: mnist, data_dir: $src/data, train_limit: 200, test_limit: 100}
training: {compare: [f3, bp], epochs: 1, batch_size: 10, optimizer: adam, lr: 0.001, threads: 1}
hardware:
  clock_mhz: 500
  tile:
    mac_lanes: 8
    step_latency_cycles: 2
    lane_area_mm2: 0.02
    lane_leakage_uw: 100
    registers: {capacity_kib: 64, pj_per_byte: 0.25, area_mm2_per_kib: 0.06, leakage_uw_per_kib: 0}
    sram: {capacity_kib: 256, banks: 2, bytes_per_cycle: 8, read_pj_per_byte: 2, write_pj_per_byte: 3,
           transposed_read_factor: 1, area_mm2_per_kib: 0.004, leakage_uw_per_kib: 0}
    rom: {bytes_per_cycle: 4, read_pj_per_byte: 0.5, area_mm2_per_kib: 0.002, leakage_uw_per_kib: 0}
  links:
    forward: {bytes_per_cycle: 16, pj_per_byte: 0.1}
    backward: {bytes_per_cycle: 16, pj_per_byte: 0.1}
  error_store: {read_pj_per_byte: 1, write_pj_per_byte: 1, area_mm2_per_kib: 0.005, leakage_uw_per_kib: 0}
  energy: {table: custom, fma_pj: 1, elementwise_pj: 10, add_pj: 100, mul_pj: 1000}
outputs: {folder: out}
Y
expect 0 "ok — scenario 's', 2 learning rules" -- "$f3sim" check s.yaml
"$f3sim" run s.yaml --quiet > run.log 2>&1 || { bad "run failed"; tail -5 run.log; }

# Tile 1 under F3, output_stationary, per sample (the apply per batch), from the op table.
# v = 4 B (fp32); P = 8; a step takes max(compute, ceil(SRAM bytes / 16), ceil(ROM bytes / 4)) + 2.
# T = 16 tokens; "in" is read when it is an SRAM buffer (the block's input is in the registers).
check "
import csv, json, math
P, L, v, bw, rom_bw = 8, 2, 4, 16, 4
T, C, B = 16, 10, 10
g = lambda n: math.ceil(n / P)
steps = []  # (name, compute cycles, SRAM bytes read, SRAM bytes written, ROM bytes) per sample
# forward
di, do = 49, 16                     # linear 49 -> 16 (bias: preloaded, no activation after it)
steps.append(('linear 1 forward', T * g(do) * di, v * T * di * do, v * T * do, 0))        # read W a token; write out
d = 16                              # layer norm over 16: read in, write out, mu and rstd of each row
steps.append(('layernorm forward', 3 * g(T * d), v * T * d, v * T * d + v * 2 * T, 0))
di, do = 16, 24                     # qkv, no bias: read W a token and in; write out
steps.append(('linear 2 forward', T * g(do) * di, v * T * di * do + v * T * di, v * T * do, 0))
n, h, dh = 16, 2, 4                 # attention: 2 heads of 4 over 16 tokens
steps.append(('scores', h * g(n * n) * dh, v * 2 * n * h * dh, 0, 0))                     # read q, k
steps.append(('softmax', 3 * h * g(n * n), 0, v * h * n * n, 0))                          # write P
steps.append(('P v', h * g(n * dh) * n, v * h * n * n + v * n * h * dh, v * n * h * dh, 0))  # read P, v; write out
di, do = 8, 16                      # linear 8 -> 16 (bias preloaded)
steps.append(('linear 3 forward', T * g(do) * di, v * T * di * do + v * T * di, v * T * do, 0))
steps.append(('residual_add', g(T * 16), 2 * v * T * 16, 0, 0))                          # read in and the kept x; out leaves
# the feedback E.B_1: C lane passes per group of the block's 256 outputs (it does not end in a linear op);
# ROM: C x 256 entries of 1/4 B
m = T * 16
steps.append(('feedback', g(m) * C, 0, 0, C * m / 4))
# the backward inside the block (F3: local; the first op passes no delta)
di, do = 8, 16
# (the delta at the block's output is in the registers; the one between ops in an SRAM buffer)
steps.append(('linear 3 dX', T * g(do) * di, v * T * di * do, v * T * di, 0))             # read W a token; write dX
steps.append(('linear 3 dW', T * g(do) * di, v * T * di * do + v * T * di, v * T * di * do, 0))    # the accumulator; X
q = n * h * dh                      # values of q (k, v) a sample
steps.append(('attention dv, dP', h * (g(n * dh) * n + g(n * n) * dh), v * h * n * n + v * q + v * q, v * q, 0))  # P, dO, v; dv
steps.append(('attention dS', 2 * h * g(n * n), 0, 0, 0))                                 # in the registers
steps.append(('attention dq, dk', 2 * h * g(n * dh) * n, v * 2 * q, v * 2 * q, 0))        # k, q; dq, dk
di, do = 16, 24
steps.append(('linear 2 dX', T * g(do) * di, v * T * di * do + v * 3 * q, v * T * di, 0))  # W, the delta of q, k, v; dX
steps.append(('linear 2 dW', T * g(do) * di, v * T * di * do + v * T * di, v * T * di * do, 0))    # the accumulator; X
d = 16
steps.append(('layernorm backward', 2 * g(T * d), v * T * d + v * T * d + v * 2 * T, v * T * d, 0))  # delta, x, mu/rstd; write dX
steps.append(('residual_save', g(T * d), v * T * d, v * T * d, 0))                        # the branch's delta (the other is the link's)
di, do = 49, 16
steps.append(('linear 1 dW', T * g(do) * di, v * T * di * do + v * T * do, v * T * di * do, 0))    # accumulator; delta
# the optimiser once per batch (Adam, u = 4): the lanes walk W; W, the accumulator, m and v
apply = []
for di, do, bias in ((49, 16, 1), (16, 24, 0), (8, 16, 1)):
    p = di * do
    apply.append(('apply', g(do) * di * 4, v * p * 4, v * p * 3, 0))  # read W, acc, m, v; write W, m, v
apply.append(('apply layernorm', g(2 * 16) * 4, 0, 0, 0))          # gamma, beta in registers
cyc = lambda s: max(s[1], math.ceil((s[2] + s[3]) / bw), math.ceil(s[4] / rom_bw)) + L
per_sample = sum(cyc(s) for s in steps)
per_batch = sum(cyc(s) for s in apply)
S = 200
want_busy = S * per_sample + S // B * per_batch
want_r = S * sum(s[2] for s in steps) + S // B * sum(s[2] for s in apply)
want_w = S * sum(s[3] for s in steps) + S // B * sum(s[3] for s in apply)
rows = list(csv.DictReader(open('out/s/f3/tiles.csv')))
t = rows[0]
bad = []
for k, want in (('busy_cycles', want_busy), ('sram_read_bytes', want_r), ('sram_written_bytes', want_w)):
    if int(t[k]) != want: bad.append(f'tile 1 {k}: {t[k]}, derived {want}')
if abs(float(t['energy_sram_pj']) - (2 * want_r + 3 * want_w)) > 0.1: bad.append(f'tile 1 SRAM energy {t[\"energy_sram_pj\"]}')
# the stash: F3 (local, output_stationary) one sample of X of linear 2 and 3, the layer norm's x, mu, rstd,
# the attention's q, k, v and P (the block's input, X of linear 1, stays in the input registers);
# BP (deferred) the batch's, its input included
local = T * 16 + 2 * T + T * 16 + 3 * n * h * dh + h * n * n + T * 8
every = local + 784
for rule, want in (('f3', v * local), ('bp', v * B * every)):
    h_ = json.load(open(f'out/s/{rule}/run.json'))['hardware']
    if h_['stash_bytes_per_tile'] != [want, 0]: bad.append(f'{rule} stash {h_[\"stash_bytes_per_tile\"]}, derived [{want}, 0]')
if bad: print('\n'.join(bad)); raise SystemExit(1)
print(f'tile 1 (F3): {per_sample} cycles a sample + {per_batch} a batch, SRAM {want_r} B read, {want_w} B written')
" "tile 1 against the op table"

# F3 and BP side by side: both on the analytic engine, with their figures and the inference baseline
check "
import json
bad = []
h = {r: json.load(open(f'out/s/{r}/run.json'))['hardware'] for r in ('f3', 'bp')}
for r, x in h.items():
    if x['engine'] != 'analytic': bad.append(f'{r}: engine {x[\"engine\"]}')
    if not x['network'].startswith('blocks'): bad.append(f'{r}: no network note')
    if not x['energy_per_sample_pj'] > 0 or not x['cycles_per_sample'] > 0: bad.append(f'{r}: no figures')
    if 'error' in x['inference'] or not x['inference']['energy_per_sample_pj'] > 0: bad.append(f'{r}: no inference')
# BP sends its delta back (the backward link), F3 reads its error store; BP's stash is the batch's
if not (h['bp']['link_bytes']['backward'] > 0 and h['f3']['link_bytes']['backward'] == 0): bad.append('backward link')
if not (h['f3']['error_store_bytes']['read'] > 0 and h['bp']['error_store_bytes']['read'] == 0): bad.append('error store')
if not h['bp']['stash_bytes_per_tile'][0] > 10 * h['f3']['stash_bytes_per_tile'][0]: bad.append('stash')
if bad: print('\n'.join(bad)); raise SystemExit(1)
" "F3 and BP on the chip"
grep -q "^bp  *[0-9]" run.log && grep -q "^f3  *[0-9]" run.log && grep -q "inference on the same chip" run.log && ok ||
  bad "the side-by-side chip table"

# a hardware-only change reuses the training (the numerics cache), with the blocks' ledger and parameters;
# both blocks on one tile
expect 0 "its training reused" -- "$f3sim" run s.yaml --set "hardware.mapping.layers_per_tile=[2]" --set name=one
check "
import json
for r in ('f3', 'bp'):
    a, b = (json.load(open(f'out/{n}/{r}/run.json')) for n in ('s', 'one'))
    assert 'reused_training' in b, r
    assert a['ledger'] == b['ledger'] and a['parameters'] == b['parameters'] == 3930, r
    assert b['hardware']['mapping']['layers_per_tile'] == [2], r
    assert b['hardware']['cycles'] != a['hardware']['cycles'], r
" "a reused training of blocks on one tile"

# the SystemC tiles run the blocks with the block trainer's per-block calls: the same weights, ledger
# and figures as the analytic engine's run (which trained with the plain block trainer)
expect 0 "" -- "$f3sim" run s.yaml --quiet --engine systemc --set name=sc
check "
import json
for r in ('f3', 'bp'):
    a, b = (json.load(open(f'out/{n}/{r}/run.json')) for n in ('s', 'sc'))
    assert b['hardware']['engine'] == 'systemc', r
    assert a['weights_sha256'] == b['weights_sha256'] and a['ledger'] == b['ledger'], r
    assert [e['train_loss'] for e in a['epochs']] == [e['train_loss'] for e in b['epochs']], r
    for k, v in a['hardware'].items():
        assert k in ('engine', 'config') or b['hardware'][k] == v, (r, k)
" "SystemC and analytic differ on the blocks"

# refused, at the key
# an attention head's q, k (2 x 16 x 4 values) and scores (16 x 16) take 1536 B of registers
expect 2 "set\\[1\\]:1:[0-9]+: the block is too big for the tile: block 1, op 5 \\(attention.*the registers hold 1024 bytes" \
  -- "$f3sim" check s.yaml --set hardware.tile.registers.capacity_kib=1
expect 2 "set\\[1\\]:1:[0-9]+: the block is too big for the tile: block 1, op 5 .*the registers hold 1024 bytes" \
  -- "$f3sim" check s.yaml --set "hardware.tiles.registers_capacity_kib=[1, 64]"
sed 's/capacity_kib: 64, pj/capacity_kib: 1, pj/' s.yaml > r.yaml
expect 2 "r.yaml:[0-9]+:[0-9]+: the block is too big for the tile" -- "$f3sim" check r.yaml
expect 2 "set\\[1\\]:1:[0-9]+: hardware.mapping.layers_per_tile puts 1 layers on its 1 tiles, but the network has 2 \\(its 2 blocks" \
  -- "$f3sim" check s.yaml --set "hardware.mapping.layers_per_tile=[1]"
expect 2 "a block of a network of blocks \\(network.type blocks\\) is not split" \
  -- "$f3sim" check s.yaml --set "hardware.mapping.split=[2, 1]"
expect 2 "hardware.tiles.mac_lanes has 3 entries, but the chip has 2 tiles \\(one per block\\)" \
  -- "$f3sim" check s.yaml --set "hardware.tiles.mac_lanes=[8, 8, 8]"
# hardware.mapping.auto, f3sim compare and explore cost the blocks: tests/integration/compare_blocks.sh

finish chip_blocks
