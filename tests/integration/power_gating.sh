#!/usr/bin/env bash
# Power gating (hardware.power_gating, docs/hardware-model.md "Power gating"):
# a tile's lanes are off while it waits at least min_idle_cycles (and after
# its last step); a wake-up delays the next step by wake_cycles and costs the
# lanes' leakage over breakeven_cycles; off, they leak sleep_leakage of it.
# Checked against the same chip without gating, from the document's rules:
#   - min_idle above every wait: nothing changes, bit for bit;
#   - wake_cycles 0: the schedule does not change, so the gated cycles are the
#     ungated run's waits for input and downstream plus its idle end, and the
#     leakage is the ungated run's − lanes' µW × (1 − sleep) × gated + wakes ×
#     breakeven × lanes' µW (÷ clock); the output tile of a chain whose hidden
#     tile is the slower waits once per sample (one wake-up per sample);
#   - wake_cycles W: a wake-up delays its tile's next step by W; F3's chain
#     streams, so only the wake-ups on its critical path show: the hidden
#     tile's first (its first input) and the output tile's last, + 2W; BP's
#     hidden tile waits for the δ of every sample (update locking), so every
#     wake-up of both tiles is on the path: + W × all wake-ups;
#   - SystemC and the analytic evaluator agree.
#   power_gating.sh F3SIM SOURCE_DIR TMP_DIR
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/lib/common.bash"
f3sim=$1 tmp=$3/power_gating
rm -rf "$tmp" && mkdir -p "$tmp" && cd "$tmp" || exit 1
check() { if python3 -c "$1"; then ok; else bad "$2"; fi; }

python3 "$here/lib/make_csv.py" . 5 120 20 --no-header
# 6 features -> 40 -> 3 on two lanes: the hidden tile (6·⌈40/2⌉ cycles a pass) is slower than the
# output tile (40·⌈3/2⌉), so the output tile waits for every sample
cat > s.yaml <<Y
name: s
network: {hidden: [40]}
dataset: {name: csv, path: train.csv, test_path: test.csv, classes: 3}
training: {compare: [f3, bp], epochs: 1, batch_size: 1, optimizer: sgd, lr: 0.01, threads: 1}
hardware:
  tile:
    mac_lanes: 2
    lane_leakage_uw: 100
    registers: {leakage_uw_per_kib: 1}
    sram: {capacity_kib: 64, leakage_uw_per_kib: 2}
  links: {backward: {bytes_per_cycle: 8}}
outputs: {folder: out}
Y
run() {  # NAME --set ...
  local n=$1; shift
  "$f3sim" run s.yaml --quiet --set name="$n" "$@" > "$n.log" 2>&1 || { bad "run $n failed"; tail -5 "$n.log"; }
}
G="--set hardware.power_gating.enabled=true"
run off
run never $G --set hardware.power_gating.min_idle_cycles=1e12
# shellcheck disable=SC2086
run w0 $G --set hardware.power_gating.min_idle_cycles=0 --set hardware.power_gating.wake_cycles=0 \
    --set hardware.power_gating.breakeven_cycles=30 --set hardware.power_gating.sleep_leakage=0.1
# shellcheck disable=SC2086
run w0a $G --set hardware.power_gating.min_idle_cycles=0 --set hardware.power_gating.wake_cycles=0 \
    --set hardware.power_gating.breakeven_cycles=30 --set hardware.power_gating.sleep_leakage=0.1 --engine analytic
# shellcheck disable=SC2086
run w5 $G --set hardware.power_gating.min_idle_cycles=0 --set hardware.power_gating.wake_cycles=5
# shellcheck disable=SC2086
run w5a $G --set hardware.power_gating.min_idle_cycles=0 --set hardware.power_gating.wake_cycles=5 --engine analytic

check "
import json, csv
J = lambda n, r: json.load(open(f'out/{n}/{r}/run.json'))['hardware']
C = lambda n, r: list(csv.DictReader(open(f'out/{n}/{r}/tiles.csv')))
bad = []
for r in ('f3', 'bp'):
    off, never, w0, w5 = J('off', r), J('never', r), J('w0', r), J('w5', r)
    # min_idle above every wait: the same run
    if (off['energy_pj'], off['cycles']) != (never['energy_pj'], never['cycles']): bad.append(f'{r}: never-gated differs')
    if any(int(t['gated_cycles']) or int(t['gating_wakes']) for t in C('never', r)): bad.append(f'{r}: never-gated counts')
    # wake 0: the same schedule; gated = waits for input and downstream + the idle end
    if w0['cycles'] != off['cycles']: bad.append(f'{r}: wake 0 changed the cycles {w0[\"cycles\"]} / {off[\"cycles\"]}')
    clock = off['config']['clock_mhz']
    lanes_uw = off['config']['tile']['mac_lanes'] * off['config']['tile']['lane_leakage_uw']
    for a, b in zip(C('off', r), C('w0', r)):
        gated = int(a['wait_input_cycles']) + int(a['wait_downstream_cycles']) + int(a['idle_cycles'])
        if int(b['gated_cycles']) != gated: bad.append(f'{r} tile {a[\"tile\"]}: gated {b[\"gated_cycles\"]}, derived {gated}')
        want = float(a['energy_leakage_pj']) - lanes_uw * 0.9 * gated / clock + int(b['gating_wakes']) * 30 * lanes_uw / clock
        if abs(float(b['energy_leakage_pj']) - want) > 0.11 + 1e-9 * want:   # tiles.csv: 0.1 pJ
            bad.append(f'{r} tile {a[\"tile\"]}: leakage {b[\"energy_leakage_pj\"]}, derived {want}')
        for k in ('energy_compute_pj', 'energy_sram_pj', 'busy_cycles'):
            if a[k] != b[k]: bad.append(f'{r} tile {a[\"tile\"]}: {k} moved with gating')
    n = off['samples']
    out_w0 = C('w0', r)[-1]
    if int(out_w0['gating_wakes']) != n: bad.append(f'{r}: the output tile woke {out_w0[\"gating_wakes\"]} times, wanted once per sample ({n})')
    # wake 5: F3 + 2 × 5 (the critical path's wake-ups); BP + 5 × every wake-up (update locking)
    wakes = [int(t['gating_wakes']) for t in C('w5', r)]
    want = off['cycles'] + (10 if r == 'f3' else 5 * sum(wakes))
    if w5['cycles'] != want: bad.append(f'{r}: wake 5: {w5[\"cycles\"]} cycles, wanted {want} (wake-ups {wakes})')
    if r == 'bp' and wakes != [n + 1, n]: bad.append(f'bp: wake-ups {wakes}, wanted {n + 1} (first input, every δ) and {n}')
    # the busy cycles do not move; waits and the idle end take the rest
    for a, b in zip(C('off', r), C('w5', r)):
        states = sum(int(b[k]) for k in ('busy_cycles', 'wait_input_cycles', 'wait_downstream_cycles', 'wait_memory_cycles', 'idle_cycles'))
        if a['busy_cycles'] != b['busy_cycles'] or states != w5['cycles']: bad.append(f'{r} tile {a[\"tile\"]}: states {states}')
    # the engines agree
    for s, a in (('w0', 'w0a'), ('w5', 'w5a')):
        x, y = J(s, r), J(a, r)
        if (x['cycles'], x['energy_pj']) != (y['cycles'], y['energy_pj']): bad.append(f'{r}: {s} SystemC and analytic differ')
        if [(t['gated_cycles'], t['gating_wakes']) for t in C(s, r)] != [(t['gated_cycles'], t['gating_wakes']) for t in C(a, r)]:
            bad.append(f'{r}: {s} gated cycles or wakes differ between the engines')
    if not J('w0', r)['config']['tile']['power_gating']['enabled'] or J('off', r)['config']['tile']['power_gating']['enabled']:
        bad.append('run.json power_gating.enabled')
print('\n'.join(bad)) if bad else None
assert not bad
" "power gating: the gated run is not the ungated one with the document's changes"
expect 2 "hardware.power_gating.sleep_leakage" -- "$f3sim" check s.yaml --set hardware.power_gating.sleep_leakage=2
expect 2 "hardware.power_gating.wake_cycles" -- "$f3sim" check s.yaml --set hardware.power_gating.wake_cycles=-1
finish power_gating
