#!/usr/bin/env bash
# The chip against docs/hardware-model.md, exactly: the tile cost table of
# every dataflow (cycles, SRAM/register/ROM bytes per tile, the run's cycles)
# on MNIST-shaped networks, the schedules (waits, epochs, batches in
# flight), bit-identical training for every rule and dataflow,
# weight_stationary's reuse, placement and DRAM, energy by item, leakage,
# area, fused, the trace's clock, the error store, the feedback ROM/LFSR,
# compare.csv and the rejections of docs/scenarios.md.
# Expected figures are derived from the documents' formulas
# (lib/chip_spec.py), never read back from the model.
#   chip_v2.sh F3SIM SOURCE_DIR TMP_DIR
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/lib/common.bash"
case $1 in /*) f3sim=$1 ;; *) f3sim=$(cd "$(dirname "$1")" && pwd)/$(basename "$1") ;; esac
tmp=$3/chip_v2
rm -rf "$tmp" && mkdir -p "$tmp/logs" && cd "$tmp" || exit 1
export PYTHONPATH="$here/lib${PYTHONPATH:+:$PYTHONPATH}"
check() { if python3 -c "import chip_spec as S
$1"; then ok; else bad "$2"; fi; }

# ---- data: MNIST-shaped (784 features) and 100 features, 10 classes --------------
python3 - <<'PY'
import os, random
def make(d, n_features, seed):
    os.makedirs(d, exist_ok=True)
    r = random.Random(seed)
    for name, n in (("train", 60), ("test", 3)):
        with open(f"{d}/{name}.csv", "w") as f:
            for k in range(n):
                x = [round(r.uniform(-1, 1), 3) for _ in range(n_features)]
                f.write(",".join(map(str, x + [(k * 7) % 10])) + "\n")
make("d784", 784, 1)
make("d100", 100, 2)
PY

# a scenario: data (784|100), hidden, then optionally no hardware ("plain")
scen() {
  cat <<Y
name: s
network: {hidden: $2}
dataset: {name: csv, path: d$1/train.csv, test_path: d$1/test.csv, classes: 10, train_limit: 2, test_limit: 3}
training: {compare: [f3], epochs: 1, batch_size: 1, optimizer: sgd, lr: 0.01, feedback_init: trinomial, threads: 1}
outputs: {folder: out}
Y
  [ "${3:-}" = plain ] && return
  cat <<Y
hardware:
  clock_mhz: 1000
  tile:
    dataflow: output_stationary
    mac_lanes: 16
    step_latency_cycles: 3
    lane_area_mm2: 0.02
    registers: {capacity_kib: 128, pj_per_byte: 0.25, area_mm2_per_kib: 0.06}
    sram: {capacity_kib: 65536, banks: 4, bytes_per_cycle: 1000000, transposed_read_factor: 1,
           read_pj_per_byte: 2, write_pj_per_byte: 3, area_mm2_per_kib: 0.004}
    rom: {encoding: ternary2, bytes_per_cycle: 1000000, lfsr_cycles_per_value: 1, read_pj_per_byte: 1.5,
          lfsr_pj_per_value: 0.5, area_mm2_per_kib: 0.002, lfsr_area_mm2: 0.0003}
  dram: {bytes_per_cycle: 16, latency_cycles: 100}
  links:
    forward: {bytes_per_cycle: 1000000, latency_cycles: 2, pj_per_byte: 0.5}
    backward: {bytes_per_cycle: 1000000, latency_cycles: 2, pj_per_byte: 0.75}
    broadcast: {bytes_per_cycle: 1000000, latency_cycles: 2, pj_per_byte: 1.25}
  error_store: {placement: on_chip, bytes_per_cycle: 1000000, latency_cycles: 1,
                read_pj_per_byte: 1.5, write_pj_per_byte: 2.5, area_mm2_per_kib: 0.005}
  energy: {table: custom, fma_pj: 1, elementwise_pj: 10, add_pj: 100, mul_pj: 1000}
Y
}
scen 784 "[500]" > A.yaml                          # 784-500-10
scen 784 "[1024, 1024, 1024, 1024]" > B.yaml       # 784-1024x4-10
scen 100 "[200, 200, 200, 200]" > C.yaml           # 100-200x4-10
scen 100 "[200, 200]" > D.yaml                     # 100-200x2-10 (the smaller checks)
scen 100 "[200, 200]" plain > Dplain.yaml

# runs go two at a time; run NAME YAML --set ... (results in out/NAME/<rule>)
run() {
  local name=$1 yaml=$2; shift 2
  while [ "$(jobs -rp | wc -l)" -ge 2 ]; do wait -n; done
  ( "$f3sim" run "$yaml" --quiet --set name="$name" "$@" > "logs/$name.log" 2>&1; echo $? > "logs/$name.rc" ) &
}
runs_done() {
  wait
  for f in logs/*.rc; do
    [ "$(cat "$f")" = 0 ] || bad "run $(basename "$f" .rc) failed: $(tail -3 "${f%.rc}.log")"
    mv "$f" "$f.seen"
  done
}
ALL="[bp, f3, dfa, drtp, llo]"
STREAM="[f3, drtp, llo]"
FUSED="[f3, drtp, llo, bp]"   # bp: its update folded into its backprop pass
MEMBOUND=(--set hardware.tile.sram.banks=2 --set hardware.tile.sram.bytes_per_cycle=4
          --set hardware.tile.sram.transposed_read_factor=2
          --set hardware.tile.rom.encoding=fp32 --set hardware.tile.rom.bytes_per_cycle=1)

# ---- 1. the cost table, per tile and per run, on three shapes ------------------------
for s in A B C; do
  run "t1${s}_os" $s.yaml --set "training.compare=$FUSED"
  run "t1${s}_fused" $s.yaml --set "training.compare=$FUSED" --set hardware.tile.dataflow=fused
  run "t1${s}_ws" $s.yaml --set "training.compare=$ALL" --set hardware.tile.dataflow=weight_stationary \
      --set training.batch_size=2 --set training.optimizer=adam
  run "t1${s}_osb" $s.yaml --set "training.compare=[bp, dfa, f3]" --set training.batch_size=2 --set training.optimizer=adam
done
for s in A C; do   # memory-bound steps: SRAM 8 bytes/cycle, transposed reads ×2, an fp32 ROM at 1 byte/cycle
  run "t1${s}_osm" $s.yaml --set "training.compare=[bp, f3, dfa]" --set training.batch_size=2 --set training.optimizer=adam \
      "${MEMBOUND[@]}"
  run "t1${s}_wsm" $s.yaml --set "training.compare=[bp, f3, dfa]" --set training.batch_size=2 --set training.optimizer=adam \
      --set hardware.tile.dataflow=weight_stationary --set hardware.tile.registers.capacity_kib=20 "${MEMBOUND[@]}"
  run "t1${s}_fusedm" $s.yaml --set "training.compare=$FUSED" --set hardware.tile.dataflow=fused "${MEMBOUND[@]}"
  run "t1${s}_osm1" $s.yaml --set "training.compare=[bp]" "${MEMBOUND[@]}"   # batch 1, sgd: fused bp's reference
done
# five samples in batches of 2, 2 and 1: the pipeline across batches, a short last batch
run t1C_ws2 C.yaml --set "training.compare=[f3, drtp]" --set hardware.tile.dataflow=weight_stationary \
    --set training.batch_size=2 --set training.optimizer=adam --set dataset.train_limit=5

# a slow middle tile (20 -> 400) holds the pipeline: at most K + 2 = 5 batches in flight
run t1_credits D.yaml --set "network.hidden=[20, 400]" --set "training.compare=[f3, bp]" --set dataset.train_limit=12

# ---- 2. plain runs for the bit-identity checks ----------------------------------------
run t2_plain_b4 Dplain.yaml --set "training.compare=$ALL" --set training.batch_size=4 --set training.optimizer=adam \
    --set dataset.train_limit=12 --set training.epochs=2
run t2_plain_b1 Dplain.yaml --set "training.compare=$FUSED" --set dataset.train_limit=6 --set training.epochs=2
for df in output_stationary weight_stationary; do
  run "t2_$df" D.yaml --set "training.compare=$ALL" --set training.batch_size=4 --set training.optimizer=adam \
      --set dataset.train_limit=12 --set training.epochs=2 --set hardware.tile.dataflow=$df
done
run t2_fused D.yaml --set "training.compare=$FUSED" --set dataset.train_limit=6 --set training.epochs=2 \
    --set hardware.tile.dataflow=fused

# ---- 3. weight_stationary's reuse at batch 50 (Adam), default registers and lanes ----------
for df in output_stationary weight_stationary; do
  run "t3_$df" A.yaml --set "training.compare=[bp, f3]" --set training.batch_size=50 --set training.optimizer=adam \
      --set dataset.train_limit=50 --set hardware.tile.dataflow=$df
done

# ---- 4. a chip that does not fit its SRAM --------------------------------------------------
for kib in 512 256; do
  run "t4_$kib" A.yaml --set hardware.tile.sram.capacity_kib=$kib --set hardware.dram.bytes_per_cycle=1 \
      --set hardware.dram.pj_per_byte=100 --set hardware.tile.sram.read_pj_per_byte=10 \
      --set hardware.tile.sram.write_pj_per_byte=10
done

# several items of a tile in DRAM: weights, Adam's state, accumulator, BP's stash (in this order)
run t4_items C.yaml --set "training.compare=[bp, f3]" --set training.batch_size=2 --set training.optimizer=adam \
    --set hardware.tile.sram.capacity_kib=600 --set hardware.dram.pj_per_byte=100

# ---- 5. leakage --------------------------------------------------------------------
LEAK() {  # factor
  python3 -c "
f = $1
for k, v in (('tile.sram', 60), ('tile.registers', 700), ('tile.rom', 20), ('error_store', 50)):
    print(f'--set hardware.{k}.leakage_uw_per_kib={v * f}')
print(f'--set hardware.tile.lane_leakage_uw={200 * f}')"
}
# shellcheck disable=SC2046
run t5_x1 D.yaml --set hardware.clock_mhz=800 $(LEAK 1)
# shellcheck disable=SC2046
run t5_x2 D.yaml --set hardware.clock_mhz=800 $(LEAK 2)

# the tables' figures where a key says auto: SRAM at 256 KiB (8.5 pJ/byte, hardware-costs.md), the
# tiny on-chip error store (the 8 KiB figures: 1.25 pJ/byte)
run t5_auto D.yaml --set hardware.tile.sram.capacity_kib=256 --set hardware.tile.sram.read_pj_per_byte=auto \
    --set hardware.tile.sram.write_pj_per_byte=auto --set hardware.error_store.read_pj_per_byte=auto \
    --set hardware.error_store.write_pj_per_byte=auto

# ---- 7. trace at 500 MHz ------------------------------------------------------------------
run t7 D.yaml --set hardware.clock_mhz=500 --set outputs.trace=true --set dataset.train_limit=3 \
    --set hardware.error_store.bytes_per_cycle=2 --set hardware.error_store.latency_cycles=5 \
    --set hardware.links.forward.bytes_per_cycle=64 --set hardware.links.forward.latency_cycles=7

# ---- 8. the error store --------------------------------------------------------------
run t8_onehot D.yaml --set training.epochs=2 --set dataset.train_limit=5
run t8_dense D.yaml --set training.epochs=2 --set dataset.train_limit=5 --set training.error_info=delayed_error \
    --set numerics.error_store.format=fp16
run t8_dram D.yaml --set training.epochs=2 --set dataset.train_limit=5 --set hardware.error_store.placement=dram \
    --set numerics.error_store.format=q1.7 --set hardware.dram.pj_per_byte=100 \
    --set hardware.error_store.read_pj_per_byte=auto --set hardware.error_store.write_pj_per_byte=auto

# ---- 9. feedback: LFSR (seeded) and DRTP's one column ----------------------------------------
run t9_seeded D.yaml --set "training.compare=[f3, dfa, drtp]" --set dataset.train_limit=2 \
    --set hardware.tile.rom.encoding=seeded --set hardware.tile.rom.lfsr_cycles_per_value=4
# ---- 10. the mapping: several layers on a tile, per-tile figures ---------------------------
# C: 100-200x4-10 (five layers) on tiles of 2 and 3 layers with their own lanes, banks, registers
# and SRAM; on one tile (the layer-sequential chip); and one tile per layer with per-tile lanes
MAP2=(--set "hardware.mapping.layers_per_tile=[2, 3]" --set "hardware.tiles.mac_lanes=[32, 8]"
      --set "hardware.tiles.sram_banks=[8, 2]" --set "hardware.tiles.registers_capacity_kib=[256, 64]"
      --set "hardware.tiles.sram_capacity_kib=[4096, 2048]")
run t10_map2_os C.yaml --set "training.compare=$ALL" "${MAP2[@]}"
run t10_map2_fused C.yaml --set "training.compare=$FUSED" --set hardware.tile.dataflow=fused "${MAP2[@]}"
run t10_map2_ws C.yaml --set "training.compare=$ALL" --set hardware.tile.dataflow=weight_stationary \
    --set training.batch_size=2 --set training.optimizer=adam "${MAP2[@]}"
run t10_map2_osm C.yaml --set "training.compare=[bp, f3, dfa]" --set training.batch_size=2 --set training.optimizer=adam \
    "${MEMBOUND[@]}" "${MAP2[@]}"
run t10_map1 C.yaml --set "training.compare=$ALL" --set "hardware.mapping.layers_per_tile=[5]"
run t10_lanes C.yaml --set "training.compare=[bp, f3]" --set "hardware.tiles.mac_lanes=[64, 32, 16, 8, 4]"
# bit-identity with the plain trainer (t2_plain_b4: D, batch 4, Adam, 2 epochs)
for df in output_stationary weight_stationary; do
  run "t10_id_$df" D.yaml --set "training.compare=$ALL" --set training.batch_size=4 --set training.optimizer=adam \
      --set dataset.train_limit=12 --set training.epochs=2 --set hardware.tile.dataflow=$df \
      --set "hardware.mapping.layers_per_tile=[1, 2]" --set "hardware.tiles.mac_lanes=[8, 32]"
done
run t10_id_one D.yaml --set "training.compare=$ALL" --set training.batch_size=4 --set training.optimizer=adam \
    --set dataset.train_limit=12 --set training.epochs=2 --set "hardware.mapping.layers_per_tile=[3]"

# ---- 11. micro-batches under weight_stationary (GPipe) ------------------------------------------
# C at batch 8 (Adam), micro-batches of 3 (3, 3, 2) and 4 (4, 4); 20 samples: two batches and a
# short one of 4 (micro-batches 3, 1 and 4); with a mapping too; and bit-identity with the plain trainer
for M in 3 4; do
  run "t11_mb$M" C.yaml --set "training.compare=$ALL" --set hardware.tile.dataflow=weight_stationary \
      --set training.batch_size=8 --set training.optimizer=adam --set dataset.train_limit=20 \
      --set hardware.pipeline.micro_batch=$M
done
# ws_loop samples: the micro-batch's samples pass a held weight (per-sample z and δz in flip-flops)
run t11_smp C.yaml --set "training.compare=$ALL" --set hardware.tile.dataflow=weight_stationary \
    --set training.batch_size=8 --set training.optimizer=adam --set dataset.train_limit=20 \
    --set hardware.pipeline.micro_batch=3 --set hardware.tile.ws_loop=samples
run t11_smp0 C.yaml --set "training.compare=[bp, f3]" --set hardware.tile.dataflow=weight_stationary \
    --set training.batch_size=8 --set training.optimizer=adam --set dataset.train_limit=20 \
    --set hardware.tile.ws_loop=samples --engine analytic
run t11_mb0 C.yaml --set "training.compare=[bp, f3]" --set hardware.tile.dataflow=weight_stationary \
    --set training.batch_size=8 --set training.optimizer=adam --set dataset.train_limit=20
run t11_mbmap C.yaml --set "training.compare=[bp, dfa, f3]" --set hardware.tile.dataflow=weight_stationary \
    --set training.batch_size=8 --set training.optimizer=adam --set dataset.train_limit=20 \
    --set hardware.pipeline.micro_batch=3 "${MAP2[@]}"
run t11_id D.yaml --set "training.compare=$ALL" --set training.batch_size=4 --set training.optimizer=adam \
    --set dataset.train_limit=12 --set training.epochs=2 --set hardware.tile.dataflow=weight_stationary \
    --set hardware.pipeline.micro_batch=1

# ---- 12. split layers: one layer over several tiles by output rows ------------------------------
# D: 100-200-200-10, layer 1 over 3 tiles (67, 67, 66 rows), layer 2 over 2 (100, 100), each tile
# with its own lanes; every dataflow, memory-bound, micro-batches; bit-identity with the plain trainer
SPLIT=(--set "hardware.mapping.split=[3, 2, 1]" --set "hardware.tiles.mac_lanes=[16, 8, 4, 16, 32, 16]")
run t12_os D.yaml --set "training.compare=$ALL" "${SPLIT[@]}"
run t12_ws D.yaml --set "training.compare=$ALL" --set hardware.tile.dataflow=weight_stationary \
    --set training.batch_size=2 --set training.optimizer=adam "${SPLIT[@]}"
run t12_fused D.yaml --set "training.compare=$FUSED" --set hardware.tile.dataflow=fused "${SPLIT[@]}"
run t12_osm D.yaml --set "training.compare=[bp, f3, dfa]" --set training.batch_size=2 --set training.optimizer=adam \
    "${MEMBOUND[@]}" "${SPLIT[@]}"
run t12_mb D.yaml --set "training.compare=$ALL" --set hardware.tile.dataflow=weight_stationary \
    --set training.batch_size=8 --set training.optimizer=adam --set dataset.train_limit=20 \
    --set hardware.pipeline.micro_batch=3 "${SPLIT[@]}"
for df in output_stationary weight_stationary; do
  run "t12_id_$df" D.yaml --set "training.compare=$ALL" --set training.batch_size=4 --set training.optimizer=adam \
      --set dataset.train_limit=12 --set training.epochs=2 --set hardware.tile.dataflow=$df \
      --set "hardware.mapping.split=[2, 3, 1]"
done
run t12_id_fused D.yaml --set "training.compare=$FUSED" --set dataset.train_limit=6 --set training.epochs=2 \
    --set hardware.tile.dataflow=fused --set "hardware.mapping.split=[2, 3, 1]"

# DFA without hidden layers: no hidden tile to broadcast to (issue 17, D1: it killed both engines)
run t9_dfa0 D.yaml --set "network.hidden=[]" --set "training.compare=[dfa, bp]" --set dataset.train_limit=4
run t9_dfa0_plain Dplain.yaml --set "network.hidden=[]" --set "training.compare=[dfa]" --set dataset.train_limit=4
run t9_int8 D.yaml --set "training.compare=[drtp, dfa]" --set dataset.train_limit=2 --set hardware.tile.rom.encoding=int8 \
    --set numerics.feedback.format=q2.6 \
    --set hardware.tile.rom.bytes_per_cycle=2
# ---- 13. a shared DRAM: tiles 1 and 2 spill (64 KiB of SRAM for 80 and 160 KB of W) ----------
# F3 with its error store in DRAM too (4 users), BP (2 users, W and the stash), F3 with only
# the store in DRAM (its reads and writes, 2 users)
SHARED=(--set hardware.tile.sram.capacity_kib=64 --set dataset.train_limit=5 --set training.epochs=2)
ESDRAM=(--set hardware.error_store.placement=dram --set numerics.error_store.format=q1.7)
run t13_f3 D.yaml --set "training.compare=[f3]" "${SHARED[@]}" "${ESDRAM[@]}"
run t13_bp D.yaml --set "training.compare=[bp]" "${SHARED[@]}"
run t13_es D.yaml --set "training.compare=[f3]" --set dataset.train_limit=5 --set training.epochs=2 \
    --set hardware.error_store.placement=dram --set training.error_info=delayed_error \
    --set numerics.error_store.format=fp16 --set hardware.dram.bytes_per_cycle=0.002

# ---- 14. power gating: the lanes off over waits of at least 30 cycles, 7 cycles to wake ----------
# D (100-200-200-10) at batch 1, every rule; and weight_stationary at batch 4 (Adam)
PG=(--set hardware.power_gating.enabled=true --set hardware.power_gating.min_idle_cycles=30
    --set hardware.power_gating.wake_cycles=7 --set hardware.power_gating.breakeven_cycles=25
    --set hardware.power_gating.sleep_leakage=0.1 --set hardware.tile.lane_leakage_uw=300)
run t14_os D.yaml --set "training.compare=$ALL" --set dataset.train_limit=4 "${PG[@]}"
run t14_ws D.yaml --set "training.compare=[bp, f3]" --set dataset.train_limit=10 --set training.batch_size=4 \
    --set training.optimizer=adam --set hardware.tile.dataflow=weight_stationary "${PG[@]}"
runs_done

# ---- 1. checks ----------------------------------------------------------------------------
SHAPES="{'A': [784, 500, 10], 'B': [784, 1024, 1024, 1024, 1024, 10], 'C': [100, 200, 200, 200, 200, 10]}"
for s in A B C; do
  check "
w = $SHAPES['$s']; bad = []
for a in ('f3', 'drtp', 'llo', 'bp'):
    bad += S.check('out/t1${s}_os/' + a, S.Hw(), S.Net(w, a), 2, 'os')
    bad += S.check('out/t1${s}_fused/' + a, S.Hw(dataflow='fused'), S.Net(w, a), 2, 'fused')
S.report(bad)" "shape $s: output_stationary / fused (f3, drtp, llo, bp; batch 1, sgd) differ from the cost table"
  check "
w = $SHAPES['$s']; bad = []
for a in ('bp', 'f3', 'dfa', 'drtp', 'llo'):
    bad += S.check('out/t1${s}_ws/' + a, S.Hw(dataflow='weight_stationary'), S.Net(w, a, 2, 'adam'), 2, 'ws')
S.report(bad)" "shape $s: weight_stationary (batch 2, adam) differs from the cost table"
  check "
w = $SHAPES['$s']; bad = []
for a in ('bp', 'dfa', 'f3'):
    bad += S.check('out/t1${s}_osb/' + a, S.Hw(), S.Net(w, a, 2, 'adam'), 2, 'os')
S.report(bad)" "shape $s: output_stationary (bp, dfa, f3; batch 2, adam) differs from the cost table"
done
for s in A C; do
  check "
w = $SHAPES['$s']; bad = []
mem = dict(banks=2, sram_bpc=4, tf=2, rom='fp32', rom_bpc=1)
for a in ('bp', 'f3', 'dfa'):
    bad += S.check('out/t1${s}_osm/' + a, S.Hw(**mem), S.Net(w, a, 2, 'adam'), 2, 'os, memory-bound')
    bad += S.check('out/t1${s}_wsm/' + a, S.Hw(dataflow='weight_stationary', reg_kib=20, **mem), S.Net(w, a, 2, 'adam'), 2,
                   'ws, registers 20 KiB, memory-bound')
for a in ('f3', 'drtp', 'llo', 'bp'):
    bad += S.check('out/t1${s}_fusedm/' + a, S.Hw(dataflow='fused', **mem), S.Net(w, a), 2, 'fused, memory-bound')
S.report(bad)" "shape $s: memory-bound steps (SRAM 8 bytes/cycle, transposed ×2, fp32 ROM at 1 byte/cycle) differ"
done
check "
bad = []
for a in ('f3', 'drtp'):
    bad += S.check('out/t1C_ws2/' + a, S.Hw(dataflow='weight_stationary'), S.Net($SHAPES['C'], a, 2, 'adam'), 5, 'ws, 3 batches')
S.report(bad)" "weight_stationary, batches of 2, 2, 1: cycles or bytes differ"
check "
bad = []
for a in ('f3', 'bp'):
    bad += S.check('out/t1_credits/' + a, S.Hw(), S.Net([100, 20, 400, 10], a), 12, 'K + 2 batches in flight')
S.report(bad)" "a slow tile downstream: the streamer lets more than K + 2 batches into the chain (tile 1 starves less)"
expect 2 "registers" -- "$f3sim" check A.yaml --set hardware.tile.dataflow=weight_stationary \
    --set hardware.tile.registers.capacity_kib=4 --set network.input=784 --set network.output=10
# the same chip when the widths come from the data file: rejected as well, before anything runs
expect 2 "weight_stationary.*registers" -- "$f3sim" run A.yaml --quiet --set name=t1_regs \
    --set hardware.tile.dataflow=weight_stationary --set hardware.tile.registers.capacity_kib=4
[ ! -e out/t1_regs ] && ok || bad "a chip rejected for its registers wrote results (docs/scenarios.md: exit 2, nothing written)"
# the tables' figures themselves, by hand for 784-500-10 (a check of the derivation)
check "
h = S.Hw(); n = S.Net([784, 500, 10], 'f3')
st = S.tile_steps(h, n, 0, 1)
assert S.step_cycles(h, st['forward'][1]) == 32 * 784 + 3 and st['forward'][1]['r'] == 4 * 784 * 500   # W; b is in registers
assert st['activation'][1]['reg'] == 4 * 500 and st['dz'][1]['reg'] == 2 * 4 * 500
assert S.step_cycles(h, st['feedback'][1]) == 32 + 3 and st['feedback'][1]['rom'] == 500 / 4
assert S.ws_blocks(S.Hw(dataflow='weight_stationary'), 784, 500, True) == (16, 32, 32)    # Rmax = 131072 // 6272 = 20
assert S.ws_blocks(S.Hw(dataflow='weight_stationary', reg_kib=20), 784, 500, True) == (3, 167, 167)
assert S.ws_blocks(S.Hw(dataflow='weight_stationary'), 100, 200, True) == (160, 2, 13)    # 10 + ⌈40/16⌉
" "the derivation itself is off (lib/chip_spec.py)"

# compare.csv: the chip's per-sample figures and run totals, per rule (Outputs)
check "
import csv
bad = []
w = $SHAPES['C']
rows = {r['algorithm']: r for r in csv.DictReader(open('out/t1C_osb/compare.csv'))}
for a in ('bp', 'dfa', 'f3'):
    hw, net, n = S.Hw(), S.Net(w, a, 2, 'adam'), 2
    r = rows.get(a, {})
    cyc = S.run_cycles(hw, net, n)
    tot = [S.tile_totals(hw, net, i, n) for i in range(net.K)]
    fwd = n * (S.input_bytes(net) + sum(S.forward_bytes(net, i) for i in range(net.K - 1)))
    bwd = n * sum(4 * w[i] for i in range(1, net.K)) if a == 'bp' else 0
    bc = n * 4 * net.C if a == 'dfa' else 0
    peak = max(sum(v for k, v in S.needs(hw, net, i).items() if k != 'stash') for i in range(net.K))
    want = {'chip_dataflow': 'output_stationary', 'chip_total_cycles': cyc, 'chip_per_sample_cycles': cyc / n,
            'chip_samples_per_second': 1e9 * n / cyc,
            'chip_per_sample_sram_bytes': sum(t['r'] + t['w'] for t in tot) / n, 'chip_per_sample_dram_bytes': 0,
            'chip_per_sample_rom_bytes': sum(t['rom'] for t in tot) / n, 'chip_per_sample_link_bytes': (fwd + bwd + bc) / n,
            'chip_per_sample_error_store_bytes': (2 * 4 * n if a == 'f3' else 0) / n,
            'chip_peak_sram_bytes_per_tile': peak, 'chip_dram_resident_bytes': 0}
    for k, v in want.items():
        got = r.get(k)
        if got is None: bad.append(f'{a}: compare.csv has no column {k}'); continue
        if isinstance(v, str):
            if got != v: bad.append(f'{a}: {k} {got}, wanted {v}')
        elif abs(float(got) - v) > 1e-4 * max(1, abs(v)): bad.append(f'{a}: {k} {got}, derived {v}')
    h = S.hardware('out/t1C_osb/' + a)
    e = sum(h['energy_pj'].values())
    for k, v in [('chip_total_energy_pj', e), ('chip_per_sample_energy_nj', e / n / 1000)] + \
                [(f'chip_per_sample_energy_{i}_nj', x / n / 1000) for i, x in h['energy_pj'].items()]:
        got = r.get(k)
        if got is None or abs(float(got) - v) > 1e-4 * max(1, abs(v)): bad.append(f'{a}: {k} {got}, run.json gives {v}')
S.report(bad)" "compare.csv: the chip columns of docs/hardware-model.md (Outputs) are missing or off"

# ---- 2. checks: bit-identical to the plain trainer ------------------------------------------
for df in output_stationary weight_stationary fused; do
  if [ $df = fused ]; then rules="f3 drtp llo bp" plain=t2_plain_b1; else rules="bp f3 dfa drtp llo" plain=t2_plain_b4; fi
  for a in $rules; do
    check "
import json
p = json.load(open('out/$plain/$a/run.json')); c = json.load(open('out/t2_$df/$a/run.json'))
assert 'hardware' not in p and c['hardware']['dataflow'] == '$df'
assert p['weights_sha256'] == c['weights_sha256'], 'weights'
assert p['ledger'] == c['ledger'], 'ledger'
" "$a on $df: weights or ledger differ from the plain trainer"
  done
done

# and their cost: two epochs of three batches (an epoch starts when the last one is through)
check "
bad = []
w = [100, 200, 200, 10]
for df in ('output_stationary', 'weight_stationary'):
    for a in ('bp', 'f3', 'dfa', 'drtp', 'llo'):
        bad += S.check(f'out/t2_{df}/{a}', S.Hw(dataflow=df), S.Net(w, a, 4, 'adam'), 12, 'two epochs', epochs=2)
for a in ('f3', 'drtp', 'llo', 'bp'):
    bad += S.check(f'out/t2_fused/{a}', S.Hw(dataflow='fused'), S.Net(w, a), 6, 'two epochs', epochs=2)
S.report(bad)" "two epochs of several batches: cycles, bytes or energy differ from the cost table"

# ---- 3. checks: weight_stationary moves ≥ 10× fewer SRAM bytes per sample at batch 50 ----------
check "
bad = []
w = [784, 500, 10]
for a in ('bp', 'f3'):
    o = S.hardware('out/t3_output_stationary/' + a); ws = S.hardware('out/t3_weight_stationary/' + a)
    so = (o['sram_bytes']['read'] + o['sram_bytes']['written']) / o['samples']
    sw = (ws['sram_bytes']['read'] + ws['sram_bytes']['written']) / ws['samples']
    if not so >= 10 * sw: bad.append(f'{a}: output_stationary {so:.0f} bytes/sample, weight_stationary {sw:.0f}: not 10x')
    if o['dram_bytes']['read'] + ws['dram_bytes']['read'] != 0: bad.append(f'{a}: DRAM traffic with 64 MiB of SRAM')
    bad += S.check('out/t3_output_stationary/' + a, S.Hw(), S.Net(w, a, 50, 'adam'), 50, 'os b50')
    bad += S.check('out/t3_weight_stationary/' + a, S.Hw(dataflow='weight_stationary'), S.Net(w, a, 50, 'adam'), 50, 'ws b50')
S.report(bad)" "batch 50: weight_stationary's SRAM traffic is not 10x below output_stationary's (or not the table's)"

# ---- 4. checks: DRAM ----------------------------------------------------------------------
check "
bad = []
need = 4 * 784 * 500                              # tile 1: W (sgd, batch 1: nothing else; b is in registers)
res = {}
for kib in (512, 256):
    h = S.hardware(f'out/t4_{kib}/f3'); t = S.tiles_csv(f'out/t4_{kib}/f3'); res[kib] = h
    cap = kib * 1024; out = need - cap             # bytes of W in DRAM
    # per sample: forward reads W, gradient reads and writes W; the DRAM's share is out/need of each
    want_r, want_w = 2 * 2 * out, 2 * out
    got = (int(t[0]['dram_read_bytes']), int(t[0]['dram_written_bytes']), int(t[1]['dram_read_bytes']))
    if got != (want_r, want_w, 0): bad.append(f'{kib} KiB: tile DRAM bytes (read 1, written 1, read 2) {got}, wanted {(want_r, want_w, 0)}')
    if (h['dram_bytes']['read'], h['dram_bytes']['written']) != (want_r, want_w):
        bad.append(f'{kib} KiB: run dram_bytes {h[\"dram_bytes\"]}, wanted {(want_r, want_w)}')
    if int(t[0]['sram_read_bytes']) != 2 * 2 * cap or int(t[0]['sram_written_bytes']) != 2 * cap:
        bad.append(f'{kib} KiB: tile 1 SRAM bytes {t[0][\"sram_read_bytes\"]}/{t[0][\"sram_written_bytes\"]}, wanted {4 * cap}/{2 * cap}')
    if float(t[0]['dram_resident_bytes']) != out or float(t[0]['sram_shortfall_bytes']) != out:
        bad.append(f'{kib} KiB: resident/shortfall {t[0][\"dram_resident_bytes\"]}/{t[0][\"sram_shortfall_bytes\"]}, wanted {out}')
    if abs(h['energy_pj']['dram'] - 100 * (want_r + want_w)) > 1e-6 * want_r:
        bad.append(f'{kib} KiB: DRAM energy {h[\"energy_pj\"][\"dram\"]}, wanted {100 * (want_r + want_w)}')
    # at 1 byte/cycle the DRAM is the bottleneck: cycles follow its bytes
    ratio = h['cycles'] / (want_r + want_w)
    if not 1.0 <= ratio <= 1.03: bad.append(f'{kib} KiB: cycles {h[\"cycles\"]} / DRAM bytes {want_r + want_w} = {ratio:.4f}')
    # exactly: a step waits for its DRAM bytes (its one user has all of its 1 byte/cycle) + latency 100
    hw, net = S.Hw(), S.Net([784, 500, 10], 'f3')
    T = lambda i, s: S.step_time(hw, net, i, 1, s)
    fwd = max(T(0, 'forward'), out + 100)
    grad = max(T(0, 'gradient'), 2 * out + 100)
    first = 1 + 1 + 1 + 2                            # e read (1 cycle + latency 1), input link (1 + latency 2)
    want = first + 2 * (fwd + T(0, 'activation') + T(0, 'feedback') + T(0, 'dz') + grad)
    if h['cycles'] != want: bad.append(f'{kib} KiB: cycles {h[\"cycles\"]}, derived {want}')
    if int(t[0]['wait_memory_cycles']) != 2 * (fwd - T(0, 'forward') + grad - T(0, 'gradient')):
        bad.append(f'{kib} KiB: tile 1 wait_memory_cycles {t[0][\"wait_memory_cycles\"]}, derived {2 * (fwd - T(0, \"forward\") + grad - T(0, \"gradient\"))}')
e = {k: sum(res[k]['energy_pj'].values()) for k in res}
if not res[256]['cycles'] > res[512]['cycles']: bad.append(f'shrinking SRAM: cycles {res[512][\"cycles\"]} -> {res[256][\"cycles\"]}')
if e[256] == e[512] or res[256]['energy_pj']['dram'] <= res[512]['energy_pj']['dram']:
    bad.append(f'shrinking SRAM: energy {e[512]} -> {e[256]}')
S.report(bad)" "a chip that does not fit its SRAM: DRAM bytes, time or energy off"
# strict: rejected at check (widths given), and by a run that learns them from the data
expect 2 "strict: tile 1 .*capacity_kib" -- "$f3sim" check A.yaml --set hardware.strict=true \
    --set hardware.tile.sram.capacity_kib=512 --set network.input=784 --set network.output=10
expect 2 "strict: tile 1 .*capacity_kib" -- "$f3sim" run A.yaml --quiet --set name=t4_strict --set hardware.strict=true \
    --set hardware.tile.sram.capacity_kib=512
[ ! -e out/t4_strict ] && ok || bad "a strict chip that does not fit wrote results (docs/scenarios.md: exit 2, nothing written)"

check "
bad = []
w = [100, 200, 200, 200, 200, 10]
for a in ('bp', 'f3'):
    hw, net = S.Hw(sram_kib=600), S.Net(w, a, 2, 'adam')
    h = S.hardware(f'out/t4_items/{a}'); t = S.tiles_csv(f'out/t4_items/{a}')
    tot = [0, 0]
    for i, r in enumerate(t):
        nd, share = S.placement(hw, net, i)
        tr = S.os_item_traffic(net, i, 2)
        dr = sum(tr[k][0] * share[k] for k in tr); dw = sum(tr[k][1] * share[k] for k in tr)
        sr = sum(tr[k][0] for k in tr) - dr; sw = sum(tr[k][1] for k in tr) - dw
        tot[0] += dr; tot[1] += dw
        got = [float(r[c]) for c in ('dram_read_bytes', 'dram_written_bytes', 'sram_read_bytes', 'sram_written_bytes')]
        if any(abs(g - x) > 1 for g, x in zip(got, (dr, dw, sr, sw))):
            bad.append(f'{a} tile {i + 1}: DRAM read/written, SRAM read/written {got}, derived {[dr, dw, sr, sw]} (DRAM shares {share})')
        res = sum(nd[k] * share[k] for k in share)
        if abs(float(r['dram_resident_bytes']) - res) > 1: bad.append(f'{a} tile {i + 1}: dram_resident_bytes {r[\"dram_resident_bytes\"]}, derived {res}')
        if abs(float(r['energy_dram_pj']) - 100 * (dr + dw)) > 0.1 + 1e-9 * dr: bad.append(f'{a} tile {i + 1}: energy_dram_pj {r[\"energy_dram_pj\"]}, derived {100 * (dr + dw)}')
        if (dr + dw > 0) != (int(r['wait_memory_cycles']) > 0):   # 16 bytes/cycle: slower than the lanes here
            bad.append(f'{a} tile {i + 1}: wait_memory_cycles {r[\"wait_memory_cycles\"]} with {dr + dw} DRAM bytes')
    if abs(h['dram_bytes']['read'] - tot[0]) > 5 or abs(h['dram_bytes']['written'] - tot[1]) > 5:
        bad.append(f'{a}: dram_bytes {h[\"dram_bytes\"]}, derived {tot}')
    if tot[0] == 0: bad.append(f'{a}: the scenario puts nothing in DRAM (test setup)')
S.report(bad)" "placement: what does not fit (Adam state, accumulator, stash) does not go to DRAM item by item"

# ---- 5. checks: leakage --------------------------------------------------------------------
check "
bad = []
a, b = S.hardware('out/t5_x1/f3'), S.hardware('out/t5_x2/f3')
ea, eb = sum(a['energy_pj'].values()), sum(b['energy_pj'].values())
if a['cycles'] != b['cycles']: bad.append(f'cycles {a[\"cycles\"]} -> {b[\"cycles\"]}')
if abs((eb - ea) - a['energy_pj']['leakage']) > 1e-9 * ea:
    bad.append(f'energy {ea} -> {eb}: rise {eb - ea}, leakage of the first run {a[\"energy_pj\"][\"leakage\"]}')
for k in a['energy_pj']:
    if k != 'leakage' and a['energy_pj'][k] != b['energy_pj'][k]: bad.append(f'{k} changed: {a[\"energy_pj\"][k]} -> {b[\"energy_pj\"][k]}')
# by hand: µW × µs = pJ; per tile SRAM, registers, ROM (B_i at 2 bits: C·n_out/4 bytes) and lanes; the store
us = a['cycles'] / 800.0
w = [100, 200, 200, 10]
tiles = sum(65536 * 60 + 128 * 700 + (10 * w[i + 1] / 4 / 1024 if i < 2 else 0) * 20 + 16 * 200 for i in range(3))
store = 2 * 4 / 1024 * 50                          # 2 samples, one fp32 value each
want = (tiles + store) * us
if abs(a['energy_pj']['leakage'] - want) > 1e-9 * want: bad.append(f'leakage {a[\"energy_pj\"][\"leakage\"]}, derived {want}')
if abs(sum(a['energy_pj'].values()) / a['samples'] - a['energy_per_sample_pj']) > 1e-9 * ea:
    bad.append('energy_per_sample_pj is not the items over the samples')
# the error store's leakage is counted with the output tile
t = S.tiles_csv('out/t5_x1/f3')
for i, r in enumerate(t):
    own = (65536 * 60 + 128 * 700 + (10 * w[i + 1] / 4 / 1024 if i < 2 else 0) * 20 + 16 * 200) * us
    if i == 2: own += store * us
    if abs(float(r['energy_leakage_pj']) - own) > 0.06 + 1e-9 * own: bad.append(f'tile {i + 1} leakage {r[\"energy_leakage_pj\"]}, derived {own}')
S.report(bad)" "leakage: doubling every leakage figure does not add exactly the leakage energy"
check "
h = S.hardware('out/t5_auto/f3'); c = h['config']
assert c['tile']['sram']['read_pj_per_byte'] == 8.5 and c['tile']['sram']['write_pj_per_byte'] == 8.5, c['tile']['sram']
assert c['error_store']['read_pj_per_byte'] == 1.25 and c['error_store']['write_pj_per_byte'] == 1.25, c['error_store']
S.report(S.check('out/t5_auto/f3', S.Hw(sram_kib=256, sram_r_pj=8.5, sram_w_pj=8.5, es_r_pj=1.25, es_w_pj=1.25),
                 S.Net([100, 200, 200, 10], 'f3'), 2, 'auto figures'))" "auto SRAM / error-store energy figures are not the tables' (256 KiB: 8.5 pJ/byte; < 8 KiB: 1.25)"

# ---- 6. checks: fused --------------------------------------------------------------------
check "
bad = []
for s, w in $SHAPES.items():
    for a in ('f3', 'drtp'):
        t = S.tiles_csv(f'out/t1{s}_fused/{a}')
        for i, r in enumerate(t):
            p = w[i] * w[i + 1]                          # W (b is in registers)
            got = (int(r['sram_read_bytes']) + int(r['sram_written_bytes'])) / 2
            if got != 2 * 4 * p: bad.append(f'{s} {a} tile {i + 1}: SRAM bytes per sample {got}, wanted 2·4·n_in·n_out = {8 * p}')
S.report(bad)" "fused does not make two passes over W per sample"
# bp fused: tiles 2…K read W once less per sample than output_stationary (the backprop
# pass reads, updates and writes back; no gradient pass), tile 1 the same; both
# release δ at the end of backprop: the fused chip is faster per sample
check "
bad = []
for s, w in $SHAPES.items():
    o, f = S.tiles_csv(f'out/t1{s}_os/bp'), S.tiles_csv(f'out/t1{s}_fused/bp')
    for i in range(len(w) - 1):
        p = w[i] * w[i + 1]
        want = int(o[i]['sram_read_bytes']) - (2 * 4 * p if i > 0 else 0)   # 2 samples, W once less
        if int(f[i]['sram_read_bytes']) != want: bad.append(f'{s} tile {i + 1}: fused bp reads {f[i][\"sram_read_bytes\"]} B, wanted {want}')
        if f[i]['sram_written_bytes'] != o[i]['sram_written_bytes']: bad.append(f'{s} tile {i + 1}: fused bp writes differ')
    if not S.hardware(f'out/t1{s}_fused/bp')['cycles'] <= S.hardware(f'out/t1{s}_os/bp')['cycles']:
        bad.append(f'{s}: fused bp is slower than output_stationary bp')
# memory-bound (transposed reads ×2): δ leaves the fused pass sooner, so the deep chain is
# faster (on A the output tile's one read-and-write pass costs what the doubled transposed read did)
for s in 'C':
    if not S.hardware(f'out/t1{s}_fusedm/bp')['cycles'] < S.hardware(f'out/t1{s}_osm1/bp')['cycles']:
        bad.append(f'{s}: memory-bound fused bp is not faster than output_stationary bp')
S.report(bad)" "bp under fused does not fold its update into the backprop pass"
expect 2 "batch_size 4" -- "$f3sim" run D.yaml --set name=t6_b4 --set training.batch_size=4 --set hardware.tile.dataflow=fused
expect 2 "fused.*(sgd|adam)" -- "$f3sim" run D.yaml --set name=t6_adam --set training.optimizer=adam --set hardware.tile.dataflow=fused
expect 2 "fused.*dfa|dfa.*fused" -- "$f3sim" check D.yaml --set "training.compare=[f3, dfa]" --set hardware.tile.dataflow=fused
expect 2 "fused.*dfa|dfa.*fused" -- "$f3sim" run D.yaml --set name=t6_dfa --set "training.compare=[dfa]" --set hardware.tile.dataflow=fused
[ ! -e out/t6_dfa ] && [ ! -e out/t6_b4 ] && ok || bad "a rejected fused scenario wrote results"

check "
import json
p = json.load(open('out/t9_dfa0_plain/dfa/run.json')); c = json.load(open('out/t9_dfa0/dfa/run.json'))
assert p['weights_sha256'] == c['weights_sha256'], 'weights'
assert c['hardware']['link_bytes']['broadcast'] == 0, c['hardware']['link_bytes']
bad = S.check('out/t9_dfa0/dfa', S.Hw(), S.Net([100, 10], 'dfa'), 4, 'dfa, no hidden layer')
bad += S.check('out/t9_dfa0/bp', S.Hw(), S.Net([100, 10], 'bp'), 4, 'bp, no hidden layer')
S.report(bad)" "dfa without hidden layers on the chip: fails, differs from the plain trainer, or broadcasts"

# ---- 7. checks: the trace's clock ---------------------------------------------------------
check "
import re
lines = open('out/t7/f3/trace.vcd').read().split('\n')
i = lines.index('\$enddefinitions \$end')
ids = {l.split()[4]: l.split()[3] for l in lines[:i] if l.startswith('\$var')}
assert re.search(r'timescale\s+1\s*ps', '\n'.join(lines[:i])), 'timescale'
t1 = ids['tile1_state']
now, times, first_busy = 0, [], None
for l in lines[i + 1:]:
    if not l: continue
    if l[0] == '#': now = int(l[1:]); times.append(now)
    elif l.startswith('b') and l.split()[1] == t1 and int(l.split()[0][1:], 2) == 1 and first_busy is None: first_busy = now
bad = [t for t in times if t % 2000]
assert not bad, f'times not on the 500 MHz clock (2000 ps): {bad[:5]}'
# tile 1 starts when sample 1 has arrived: its e from the store (4 bytes at 2 bytes/cycle + latency 5),
# then x, y* and e over the input link (4·100 + 4·10 + 4 bytes at 64 bytes/cycle + latency 7)
start = (2 + 5) + (-(-444 // 64) + 7)
assert first_busy == start * 2000, (first_busy, start * 2000)
h = S.hardware('out/t7/f3')
assert max(times) <= h['cycles'] * 2000 and max(times) % 2000 == 0
net, hw = S.Net([100, 200, 200, 10], 'f3'), S.Hw(es_bpc=2, es_lat=5, link_bpc=64, link_lat=7, clock_mhz=500)
assert h['cycles'] == S.run_cycles(hw, net, 3), (h['cycles'], S.run_cycles(hw, net, 3))
# each tile's time busy and starved in the trace: the derived cycles x 2000 ps
waits = S.run_waits(hw, net, 3)
for k in range(3):
    tid, state, since, busy, starved = ids[f'tile{k + 1}_state'], 0, 0, 0, 0
    for l in lines[i + 1:]:
        if not l: continue
        if l[0] == '#': now = int(l[1:]); continue
        if l.startswith('b') and l.split()[1] == tid:
            busy += (now - since) * (state == 1); starved += (now - since) * (state == 2)
            state, since = int(l.split()[0][1:], 2), now
    want = (S.tile_totals(hw, net, k, 3)['busy'] * 2000, waits['input'][k] * 2000)
    assert (busy, starved) == want, (k + 1, (busy, starved), want)
" "trace.vcd's times are not the clock's (500 MHz: 2000 ps a cycle)"
grep -q '^\[dumpfile\] "trace.vcd"' out/t7/f3/trace.gtkw 2>/dev/null && ok || bad "trace.gtkw missing or does not name trace.vcd"

# ---- 8. checks: the error store -----------------------------------------------------------
check "
bad = []
n, ep, C = 5, 2, 10
for run, per, where in (('t8_onehot', 1 * 4, 'on_chip'), ('t8_dense', C * 2, 'on_chip'), ('t8_dram', 1 * 1, 'dram')):
    h = S.hardware(f'out/{run}/f3')
    es = h['error_store_bytes']
    if es['written'] != n * ep * per: bad.append(f'{run}: written {es[\"written\"]}, wanted {n} samples x {ep} epochs x {per}')
    if es['read'] != n * ep * per: bad.append(f'{run}: read {es[\"read\"]}, wanted {n * ep * per}')
    d = h['dram_bytes']
    want = (n * ep * per, n * ep * per) if where == 'dram' else (0, 0)
    if (d['read'], d['written']) != want: bad.append(f'{run}: dram_bytes {d}, wanted {want}')
    if where == 'dram' and abs(h['energy_pj']['error_store'] - 100 * 2 * n * ep * per) > 1e-6:
        bad.append(f'{run}: error-store energy {h[\"energy_pj\"][\"error_store\"]}, wanted {100 * 2 * n * ep * per}')
    cap = h.get('error_store_capacity_bytes')
    if cap != n * per: bad.append(f'{run}: error_store_capacity_bytes {cap}, wanted {n * per}')
    if where == 'dram' and h['energy_pj']['dram'] != 0: bad.append(f'{run}: the store counted as the tiles\' DRAM energy')
    # the streamer waits for each e (the store's port, or the DRAM's 16 bytes/cycle and 100 cycles)
    want = S.run_cycles(S.Hw(es_bpv=per // (1 if run != 't8_dense' else C)), S.Net([100, 200, 200, 10], 'f3', one_hot=run != 't8_dense'),
                        n, ep, es_dram=where == 'dram')
    if h['cycles'] != want: bad.append(f'{run}: cycles {h[\"cycles\"]}, derived {want}')
w = [100, 200, 200, 10]
bad += S.check('out/t8_onehot/f3', S.Hw(), S.Net(w, 'f3'), n, 'one-hot e', epochs=ep)
bad += S.check('out/t8_dense/f3', S.Hw(es_bpv=2), S.Net(w, 'f3', one_hot=False), n, 'dense e (fp16 store)', epochs=ep)
S.report(bad)" "error store: bytes per sample (one-hot 1 value, dense C) or its DRAM placement off"

# ---- 9. checks: LFSR and ROM ----------------------------------------------------------------
check "
bad = []
w = [100, 200, 200, 10]
for a in ('f3', 'dfa', 'drtp'):
    net = S.Net(w, a)
    t = S.tiles_csv('out/t9_seeded/' + a)
    per = {'f3': 200, 'dfa': 10 * 200, 'drtp': 200}[a]            # one-hot: one column; dfa: all of B
    for i in (0, 1):
        if int(t[i]['lfsr_values']) != 2 * per or int(t[i]['rom_read_bytes']) != 0:
            bad.append(f'seeded {a} tile {i + 1}: lfsr_values {t[i][\"lfsr_values\"]}, rom {t[i][\"rom_read_bytes\"]}; wanted {2 * per}, 0')
    if int(t[2]['lfsr_values']) != 0: bad.append(f'seeded {a}: the output tile regenerates B')
    bad += S.check('out/t9_seeded/' + a, S.Hw(rom='seeded', lfsr_cycles=4), net, 2, 'seeded, 4 cycles per value')
    if a != 'f3':
        t = S.tiles_csv('out/t9_int8/' + a)
        per = {'dfa': 10 * 200, 'drtp': 200}[a]                    # int8: one byte per entry
        for i in (0, 1):
            if int(t[i]['rom_read_bytes']) != 2 * per: bad.append(f'int8 {a} tile {i + 1}: rom bytes {t[i][\"rom_read_bytes\"]}, wanted {2 * per}')
        bad += S.check('out/t9_int8/' + a, S.Hw(rom='int8', rom_bpc=2), net, 2, 'int8 ROM at 2 bytes/cycle')
S.report(bad)" "feedback: LFSR values or ROM bytes per sample off"

# ---- 11. checks: micro-batches ------------------------------------------------------------------
check "
bad = []
w = $SHAPES['C']
for M in (3, 4):
    for a in ('bp', 'f3', 'dfa', 'drtp', 'llo'):
        bad += S.check(f'out/t11_mb{M}/' + a, S.Hw(dataflow='weight_stationary', mb=M), S.Net(w, a, 8, 'adam'), 20,
                       f'micro-batches of {M}')
tiles = [dict(P=32, banks=8, reg_kib=256, sram_kib=4096), dict(P=8, banks=2, reg_kib=64, sram_kib=2048)]
for a in ('bp', 'dfa', 'f3'):
    bad += S.check('out/t11_mbmap/' + a, S.Hw(dataflow='weight_stationary', mb=3, lpt=[2, 3], tiles=tiles),
                   S.Net(w, a, 8, 'adam'), 20, 'micro-batches of 3 on a mapping')
# ws_loop samples: the same schedule, the register file once per weight and pass, the flip-flops per MAC
for run, M, rules in (('t11_smp', 3, ('bp', 'f3', 'dfa', 'drtp', 'llo')), ('t11_smp0', 0, ('bp', 'f3'))):
    for a in rules:
        hw = S.Hw(dataflow='weight_stationary', mb=M, ws_loop='samples')
        bad += S.check(f'out/{run}/' + a, hw, S.Net(w, a, 8, 'adam'), 20, f'ws_loop samples, micro-batch {M}')
        bad += S.check_energy_area(f'out/{run}/' + a, hw, S.Net(w, a, 8, 'adam'), 20, f'ws_loop samples {M} {a}',
                                   S.tiles_csv(f'out/{run}/' + a))
# GPipe: BP's waves overlap, so BP's chain is faster with micro-batches than without
h0, h1 = S.hardware('out/t11_mb0/bp'), S.hardware('out/t11_mb4/bp')
if not h1['cycles'] < h0['cycles']: bad.append(f'bp: {h1[\"cycles\"]} cycles with micro-batches of 4, {h0[\"cycles\"]} without')
S.report(bad)" "micro-batches: tiles, schedule or accumulator traffic differ from the cost table"
for a in bp f3 dfa drtp llo; do
  check "
import json
p = json.load(open('out/t2_plain_b4/$a/run.json')); c = json.load(open('out/t11_id/$a/run.json'))
assert p['weights_sha256'] == c['weights_sha256'], 'weights'
assert p['ledger'] == c['ledger'], 'ledger'
" "$a with micro-batches of 1: weights or ledger differ from the plain trainer"
done
expect 2 "micro_batch 2 splits a weight_stationary tile's batch.*output_stationary" -- "$f3sim" check D.yaml \
    --set hardware.pipeline.micro_batch=2

# ---- 10. checks: the mapping ---------------------------------------------------------------
check "
bad = []
w = $SHAPES['C']
tiles = [dict(P=32, banks=8, reg_kib=256, sram_kib=4096), dict(P=8, banks=2, reg_kib=64, sram_kib=2048)]
m2 = dict(lpt=[2, 3], tiles=tiles)
mem = dict(banks=2, sram_bpc=4, tf=2, rom='fp32', rom_bpc=1)
for a in ('bp', 'f3', 'dfa', 'drtp', 'llo'):
    bad += S.check('out/t10_map2_os/' + a, S.Hw(**m2), S.Net(w, a), 2, 'mapping [2, 3]')
    bad += S.check('out/t10_map2_ws/' + a, S.Hw(dataflow='weight_stationary', **m2), S.Net(w, a, 2, 'adam'), 2, 'mapping [2, 3]')
    bad += S.check('out/t10_map1/' + a, S.Hw(lpt=[5]), S.Net(w, a), 2, 'one tile')
for a in ('bp', 'f3', 'drtp', 'llo'):
    bad += S.check('out/t10_map2_fused/' + a, S.Hw(dataflow='fused', **m2), S.Net(w, a), 2, 'mapping [2, 3]')
for a in ('bp', 'f3', 'dfa'):
    # MEMBOUND's narrow banks, as many as each tile has
    bad += S.check('out/t10_map2_osm/' + a, S.Hw(**dict(mem, **m2)), S.Net(w, a, 2, 'adam'), 2, 'mapping [2, 3], memory-bound')
for a in ('bp', 'f3'):
    lanes = [dict(P=p) for p in (64, 32, 16, 8, 4)]
    bad += S.check('out/t10_lanes/' + a, S.Hw(tiles=lanes), S.Net(w, a), 2, 'per-tile lanes')
S.report(bad)" "mapping: tiles of several layers or with their own figures differ from the cost table and the schedule"
for run in t10_id_output_stationary t10_id_weight_stationary t10_id_one; do
  for a in bp f3 dfa drtp llo; do
    check "
import json
p = json.load(open('out/t2_plain_b4/$a/run.json')); c = json.load(open('out/$run/$a/run.json'))
assert p['weights_sha256'] == c['weights_sha256'], 'weights'
assert p['ledger'] == c['ledger'], 'ledger'
assert len(c['hardware']['mapping']['layers_per_tile']) == (1 if '$run' == 't10_id_one' else 2)
" "$a on $run: weights or ledger differ from the plain trainer"
  done
done
grep -qF "2 tiles: layers per tile [2, 3], MAC lanes per tile [32, 8]" logs/t10_map2_os.log && ok ||
  bad "the run's table does not say the mapping (layers and lanes per tile)"
# the layer-sequential chip moves nothing between tiles: no link but the input's, no update locking wait
check "
h = S.hardware('out/t10_map1/bp')
assert h['link_bytes']['backward'] == 0 and h['stall_fraction'] == 0, h['link_bytes']
" "one tile: bp sends δ over a link or waits for downstream"
expect 2 "--set\\[1\\]:1:[0-9]+: hardware.mapping.layers_per_tile puts 2 layers.*add up to 3" -- "$f3sim" check D.yaml --set "hardware.mapping.layers_per_tile=[1, 1]"
expect 2 "mac_lanes has 3 entries.*2 tiles" -- "$f3sim" check D.yaml --set "hardware.mapping.layers_per_tile=[1, 2]" \
    --set "hardware.tiles.mac_lanes=[4, 4, 4]"
expect 2 "sram_capacity_kib has 2 entries.*3 tiles" -- "$f3sim" check D.yaml --set "hardware.tiles.sram_capacity_kib=[64, 64]"
expect 2 "strict: tile 2 \\(layers 2–3\\) needs 164.1 KiB of SRAM under f3 but has 64.0 KiB" -- "$f3sim" run D.yaml \
    --set name=t10_strict --set hardware.strict=true \
    --set "hardware.mapping.layers_per_tile=[1, 2]" --set "hardware.tiles.sram_capacity_kib=[1024, 64]"
[ ! -e out/t10_strict/f3/run.json ] && ok || bad "a strict chip that does not fit wrote results"

# ---- 12. checks: split layers ---------------------------------------------------------------
check "
bad = []
w = [100, 200, 200, 10]
sp = dict(split=[3, 2, 1], tiles=[dict(P=p) for p in (16, 8, 4, 16, 32, 16)])
mem = dict(banks=2, sram_bpc=4, tf=2, rom='fp32', rom_bpc=1)
for a in ('bp', 'f3', 'dfa', 'drtp', 'llo'):
    bad += S.check('out/t12_os/' + a, S.Hw(**sp), S.Net(w, a), 2, 'split')
    bad += S.check('out/t12_ws/' + a, S.Hw(dataflow='weight_stationary', **sp), S.Net(w, a, 2, 'adam'), 2, 'split')
    bad += S.check('out/t12_mb/' + a, S.Hw(dataflow='weight_stationary', mb=3, **sp), S.Net(w, a, 8, 'adam'), 20,
                   'split, micro-batches of 3')
for a in ('f3', 'drtp', 'llo', 'bp'):
    bad += S.check('out/t12_fused/' + a, S.Hw(dataflow='fused', **sp), S.Net(w, a), 2, 'split')
for a in ('bp', 'f3', 'dfa'):
    bad += S.check('out/t12_osm/' + a, S.Hw(**dict(mem, **sp)), S.Net(w, a, 2, 'adam'), 2, 'split, memory-bound')
S.report(bad)" "split layers: a part's cost table, the schedule, waits, link bytes, energy or area differ from the document"
check "
bad = []
for a in ('bp', 'f3'):
    h = S.hardware('out/t12_os/' + a); m = h['mapping']
    if m['split'] != [3, 2, 1] or m['rows_per_tile'] != [67, 67, 66, 100, 100, 10]:
        bad.append(f'{a}: run.json mapping {m}')
    t = S.tiles_csv('out/t12_os/' + a)
    if [int(r['first_layer']) for r in t] != [1, 1, 1, 2, 2, 3]: bad.append(f'{a}: tiles.csv first_layer {[r[\"first_layer\"] for r in t]}')
# BP's reduction on the link, per sample (2 samples, fp32): into layer 1, layer 2's 2 parts' partial
# sums of n_in = 200 values; into layer 2, layer 3's δ (not split), 200 values
h = S.hardware('out/t12_os/bp')
want = 2 * 4 * (2 * 200 + 1 * 200)
if h['link_bytes']['backward'] != want: bad.append(f'bp backward link bytes {h[\"link_bytes\"][\"backward\"]}, wanted {want}')
S.report(bad)" "split layers: run.json's mapping, tiles.csv's layers or BP's partial sums on the backward link are off"
for run in t12_id_output_stationary t12_id_weight_stationary t12_id_fused; do
  if [ $run = t12_id_fused ]; then rules="f3 drtp llo bp" plain=t2_plain_b1; else rules="bp f3 dfa drtp llo" plain=t2_plain_b4; fi
  for a in $rules; do
    check "
import json
p = json.load(open('out/$plain/$a/run.json')); c = json.load(open('out/$run/$a/run.json'))
assert p['weights_sha256'] == c['weights_sha256'], 'weights'
assert p['ledger'] == c['ledger'], 'ledger'
assert c['hardware']['mapping']['split'] == [2, 3, 1] and c['hardware']['samples'] > 0
" "$a on $run (split layers): weights or ledger differ from the plain trainer"
  done
done
expect 2 "--set\\[1\\]:1:[0-9]+: hardware.mapping.split has 2 entries.*3 layers" -- "$f3sim" check D.yaml \
    --set "hardware.mapping.split=[2, 1]"
expect 2 "hardware.mapping.split splits the output layer" -- "$f3sim" check D.yaml --set "hardware.mapping.split=[1, 1, 2]"
expect 2 "hardware.mapping.split and hardware.mapping.layers_per_tile cannot both" -- "$f3sim" check D.yaml \
    --set "hardware.mapping.split=[2, 1, 1]" --set "hardware.mapping.layers_per_tile=[1, 2]"
expect 2 "mac_lanes has 3 entries.*4 tiles.*split" -- "$f3sim" check D.yaml --set "hardware.mapping.split=[2, 1, 1]" \
    --set "hardware.tiles.mac_lanes=[4, 4, 4]"
expect 2 "hardware.mapping.split.*(at most 64|between|64)" -- "$f3sim" check D.yaml --set "hardware.mapping.split=[65, 1, 1]"
expect 2 "at most one tile per row" -- "$f3sim" check D.yaml --set "network.hidden=[3, 200]" \
    --set "hardware.mapping.split=[4, 1, 1]"

# ---- 13. checks: a shared DRAM ----------------------------------------------------------------
check "
bad = []
net_w = [100, 200, 200, 10]
# t13_es: dense e (10 fp16 values, 20 B a sample) at 0.002 B/cycle (10,000 cycles, on the critical path): the output tile's writes of
# a batch are placed before the next batches' reads, which fill the cycles around them
for run, alg, kib, es_dram, bpc in (('t13_f3', 'f3', 64, True, 16), ('t13_bp', 'bp', 64, False, 16),
                                    ('t13_es', 'f3', 65536, True, 0.002)):
    dense = run == 't13_es'
    hw, net = S.Hw(sram_kib=kib, es_bpv=2 if dense else 1, dram_bpc=bpc), S.Net(net_w, alg, one_hot=not dense)
    h = S.hardware(f'out/{run}/{alg}')
    want = S.run_cycles(hw, net, 5, 2, es_dram=es_dram)
    if h['cycles'] != want: bad.append(f'{run}: cycles {h[\"cycles\"]}, derived {want}')
    waits = S.run_waits(hw, net, 5, 2, es_dram=es_dram)
    rows = S.tiles_csv(f'out/{run}/{alg}')
    for k, r in enumerate(rows):
        got = (int(r['wait_input_cycles']), int(r['wait_downstream_cycles']), int(r['wait_memory_cycles']))
        w = (waits['input'][k], waits['down'][k], waits['memory'][k])
        if got != w: bad.append(f'{run}: tile {k + 1} waits (input, downstream, memory) {got}, derived {w}')
    if kib == 64 and not (waits['memory'][0] > 0 and waits['memory'][1] > 0 and waits['memory'][2] == 0):
        bad.append(f'{run}: the test wants tiles 1 and 2 to wait for the DRAM and tile 3 not: {waits[\"memory\"]}')
S.report(bad)" "a shared DRAM: cycles or memory waits differ from the calendar derived by hand"

# 14. power gating: the schedule with wake-ups, the gated cycles and wake-ups, the leakage
check "
import sys; sys.path.insert(0, '$here/lib')
import chip_spec as S
bad = []
w = [100, 200, 200, 10]
g = dict(min_idle=30, wake=7, breakeven=25, sleep=0.1)
for run, rules, b, opt, df, n in (('t14_os', ('bp', 'f3', 'dfa', 'drtp', 'llo'), 1, 'sgd', 'output_stationary', 4),
                                  ('t14_ws', ('bp', 'f3'), 4, 'adam', 'weight_stationary', 10)):
    for a in rules:
        hw = S.Hw(dataflow=df, gating=g, l_lane=300)
        net = S.Net(w, a, b, opt)
        bad += S.check(f'out/{run}/' + a, hw, net, n, 'power gating')
        bad += S.check_energy_area(f'out/{run}/' + a, hw, net, n, f'power gating {a}', S.tiles_csv(f'out/{run}/' + a))
        gt, _ = S.run_gating(hw, net, n)
        if not sum(gt['wakes']): bad.append(f'{run}/{a}: the test wants wake-ups')
S.report(bad)" "power gating: wake-ups, gated cycles, schedule or leakage differ from the document"

# the inference baseline and the learning overhead on chips of sections 1 and 11: the forward
# passes on the same tiles, SRAM cut to the inference need, MAC lanes (Outputs: inference)
check "
import sys; sys.path.insert(0, '$here/lib')
import chip_spec as S
bad = []
A, C = [784, 500, 10], [100, 200, 200, 200, 200, 10]
tiles = [dict(P=32, banks=8, reg_kib=256, sram_kib=4096), dict(P=8, banks=2, reg_kib=64, sram_kib=2048)]
for run, w, hw, b, opt, rules in (
        ('t1A_os', A, S.Hw(), 1, 'sgd', ('f3', 'bp', 'llo')), ('t1C_os', C, S.Hw(), 1, 'sgd', ('f3', 'drtp')),
        ('t1C_fused', C, S.Hw(dataflow='fused'), 1, 'sgd', ('f3', 'bp')),
        ('t1A_ws', A, S.Hw(dataflow='weight_stationary'), 2, 'adam', ('bp', 'f3', 'dfa')),
        ('t1C_ws', C, S.Hw(dataflow='weight_stationary'), 2, 'adam', ('f3', 'llo')),
        ('t11_smp0', C, S.Hw(dataflow='weight_stationary', ws_loop='samples'), 8, 'adam', ('bp', 'f3')),
        ('t11_mbmap', C, S.Hw(dataflow='weight_stationary', mb=3, lpt=[2, 3], tiles=tiles), 8, 'adam', ('bp', 'f3'))):
    for a in rules:
        bad += S.check_inference(f'out/{run}/{a}', hw, S.Net(w, a, b, opt), f'inference {run}/{a}')
S.report(bad)" "the inference baseline differs from the forward steps of the cost table"

finish chip_v2
