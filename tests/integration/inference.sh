#!/usr/bin/env bash
# The inference-only baseline and the learning overhead (issue 18): every chip
# run also evaluates the same network's forward passes over the same samples
# on the same chip without what learning adds, and run.json gives both and the
# overhead.  Expected figures come from docs/hardware-model.md's tile cost
# table (output_stationary's forward and activation steps, per sample) with
# explicit energy and area figures, and the ledger's forward phase
# (run.json), never from the model's own inference figures:
#   compute  = forward FMAs × fma_pj + forward element-wise ops × elementwise_pj
#   SRAM     = v·n_in·n_out read per sample and layer × read_pj (W), nothing written
#   registers= (v·n_in·f + v·n_out) per sample and layer × reg_pj (h broadcast, z + b)
#   area     = Σ tiles: SRAM cut to W (+ the batch's buffers) in whole macros × area/KiB
#              + registers + lanes × lane area × (MAC lane / training lane), no ROM, no error store
#   overhead = training / inference − 1 (energy per sample, power, area)
#   inference.sh F3SIM SOURCE_DIR TMP_DIR
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/lib/common.bash"
f3sim=$1 tmp=$3/inference
rm -rf "$tmp" && mkdir -p "$tmp" && cd "$tmp" || exit 1
check() { if python3 -c "$1"; then ok; else bad "$2"; fi; }

python3 "$here/lib/make_csv.py" . 23 200 30 --no-header
# 6 features (make_csv.py) -> 40 -> 3 classes; 8 lanes; SRAM of 16 KiB macros; explicit figures
cat > s.yaml <<Y
name: s
network: {hidden: [40]}
dataset: {name: csv, path: train.csv, test_path: test.csv, classes: 3}
training: {compare: [f3, bp, dfa], epochs: 2, batch_size: 1, optimizer: sgd, lr: 0.01, threads: 1}
hardware:
  tile:
    mac_lanes: 8
    step_latency_cycles: 2
    lane_area_mm2: 0.02
    lane_leakage_uw: 100
    registers: {capacity_kib: 4, pj_per_byte: 0.25, area_mm2_per_kib: 0.06, leakage_uw_per_kib: 0}
    sram: {capacity_kib: 64, macro_kib: 16, read_pj_per_byte: 2, write_pj_per_byte: 3, area_mm2_per_kib: 0.004,
           leakage_uw_per_kib: 0}
    rom: {area_mm2_per_kib: 0.002, leakage_uw_per_kib: 0}
  links:
    forward: {pj_per_byte: 0}
    backward: {bytes_per_cycle: 8, pj_per_byte: 0}
    broadcast: {bytes_per_cycle: 8, pj_per_byte: 0}
  error_store: {area_mm2_per_kib: 0.005, leakage_uw_per_kib: 0}
  energy: {table: custom, fma_pj: 1, elementwise_pj: 10, add_pj: 100, mul_pj: 1000}
outputs: {folder: out}
Y
"$f3sim" run s.yaml --quiet > run.log 2>&1 || { bad "run failed"; tail -5 run.log; }
"$f3sim" run s.yaml --quiet --engine analytic --set name=a > runa.log 2>&1 || { bad "analytic run failed"; tail -5 runa.log; }
check "
import json, math
bad = []
W = [6, 40, 3]
P, L, v = 8, 2, 4
# the Aladdin fp32 units (docs/hardware-costs.md, 40 nm): a MAC lane is 1 multiplier + 1 adder + 96 register
# bits, the training lane 8 multipliers + 9 adders + the same 96 bits (areas in µm², 40 nm)
mul, add, reg = 8967.113, 4361.094, 5.981433
mac_over_train = (mul + add + 96 * reg) / (8 * mul + 9 * add + 96 * reg)
# and their leakage (µW): multiplier 119.8412, adder 53.11069, register bit 0.07395312
lmul, ladd, lreg = 119.8412, 53.11069, 0.07395312
mac_over_train_leak = (lmul + ladd + 96 * lreg) / (8 * lmul + 9 * ladd + 96 * lreg)
for run in ('s', 'a'):
    for rule in ('f3', 'bp', 'dfa'):
        d = json.load(open(f'out/{run}/{rule}/run.json'))
        h, inf, ov = d['hardware'], d['hardware']['inference'], d['hardware']['learning_overhead']
        led = d['ledger']['layers']
        n = h['samples']
        fwd_fma = sum(l['forward']['fma'] for l in led) / n
        fwd_elem = sum(l['forward']['elementwise_ops'] for l in led) / n
        e = inf['energy_pj_per_sample']
        want = {'compute': fwd_fma * 1 + fwd_elem * 10,
                'sram': sum(v * W[i] * W[i + 1] for i in range(2)) * 2,
                'registers': sum(v * W[i] * math.ceil(W[i + 1] / P) + v * W[i + 1] for i in range(2)) * 0.25,
                'rom': 0, 'error_store': 0, 'dram': 0, 'links': 0}
        for k, x in want.items():
            if abs(e[k] - x) > 1e-6 * max(1, x): bad.append(f'{run}/{rule}: inference {k} {e[k]} pJ/sample, derived {x}')
        # leakage: the lanes only (every other leakage is 0 here), MAC lanes, over the inference run's time
        us = inf['cycles_per_sample'] * n / h['config']['clock_mhz']
        lk = 2 * P * 100 * mac_over_train_leak * us / n
        if abs(e['leakage'] / lk - 1) > 1e-9: bad.append(f'{run}/{rule}: inference leakage {e[\"leakage\"]}, derived {lk}')
        tot = sum(e.values())
        if abs(inf['energy_per_sample_pj'] / tot - 1) > 1e-12: bad.append(f'{run}/{rule}: energy_per_sample_pj not the items sum')
        # SRAM cut to W (+ biases; batch 1: no buffers) in whole 16 KiB macros
        caps = [16 * math.ceil(v * W[i] * W[i + 1] / 16384) for i in range(2)]
        if inf['sram_capacity_kib'] != caps: bad.append(f'{run}/{rule}: inference SRAM {inf[\"sram_capacity_kib\"]}, derived {caps}')
        area = sum(c * 0.004 + 4 * 0.06 + P * 0.02 * mac_over_train for c in caps)
        if abs(inf['area_mm2'] / area - 1) > 1e-9: bad.append(f'{run}/{rule}: inference area {inf[\"area_mm2\"]}, derived {area}')
        # the overhead: training over inference
        for k, a, b in (('energy_per_sample_pct', h['energy_per_sample_pj'], inf['energy_per_sample_pj']),
                        ('area_pct', h['area_mm2'], inf['area_mm2'])):
            if abs(ov[k] - 100 * (a / b - 1)) > 1e-9: bad.append(f'{run}/{rule}: {k} {ov[k]}')
        tp = sum(h['energy_pj'].values()) / (h['cycles'] / h['config']['clock_mhz']) / 1e3
        if abs(ov['training_power_mw'] / tp - 1) > 1e-12 or abs(ov['power_pct'] - 100 * (tp / inf['power_mw'] - 1)) > 1e-9:
            bad.append(f'{run}/{rule}: power {ov}')
        # the area learning adds, by part, adds up; F3's error store and ROM are in it
        parts = ov['area_added_mm2']
        if abs(sum(parts.values()) - (h['area_mm2'] - inf['area_mm2'])) > 1e-9: bad.append(f'{run}/{rule}: parts {parts}')
        if rule == 'f3' and not (parts['error_store'] == h['error_store_area_mm2'] > 0 and parts['rom'] > 0):
            bad.append(f'{run}/{rule}: F3 adds no error store or ROM: {parts}')
        if rule == 'bp' and (parts['rom'] or parts['error_store']): bad.append(f'bp adds a ROM or a store: {parts}')
        # the training chip keeps W, its learning state: inference needs no more SRAM than training has
        if not all(c <= 64 for c in caps): bad.append('caps')
print('\n'.join(bad)) if bad else None
assert not bad
" "inference baseline: energy, area, leakage or overhead not the cost table's forward steps"
# the same rule on the same chip gives the same inference, whatever the rule (forward passes only)
check "
import json
f = lambda r: json.load(open(f'out/s/{r}/run.json'))['hardware']['inference']
a, b = f('f3'), f('bp')
assert a['energy_per_sample_pj'] == b['energy_per_sample_pj'] and a['area_mm2'] == b['area_mm2'], (a, b)
" "inference differs between rules on the same chip"
grep -q "^inference on the same chip" run.log && grep -qE "^f3 +[0-9.]+ +[0-9]+ +[0-9.]+ +[0-9.]+ +[0-9.-]+ +[0-9.-]+ +[0-9.-]+$" run.log \
  && ok || bad "the summary has no inference table: $(tail -6 run.log)"
finish inference
