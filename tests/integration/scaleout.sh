#!/usr/bin/env bash
# Sweeps on other machines: f3sim sweep --emit parallel | slurm.
#  - the GNU parallel list runs for real (parallel --jobs 2), --collect gathers
#    sweep.csv, and every point equals the same point run here (weights);
#    running the list again skips every point (--resume);
#  - the Slurm script runs for real on a one-node Slurm cluster (munged,
#    slurmctld and slurmd started here with a temporary configuration and
#    stopped at the end): `bash sweep.slurm` submits job arrays chunked under
#    the cluster's MaxArraySize (2 here) and a collect job that depends on
#    them; outputs.slurm's time, mem, partition and setup line reach the
#    script; logs go to absolute paths.  If a cluster cannot start (no
#    slurm-wlm, not root), a fake sbatch that checks the options and runs the
#    tasks in turn stands in, and the test says so;
#  - --set values with quotes and $(...) run nothing; bad outputs.slurm values
#    exit 2 with file:line:column.
#   scaleout.sh F3SIM SOURCE_DIR TMP_DIR
set -u
f3sim=$1 src=$2 tmp=$3/scaleout
rm -rf "$tmp" && mkdir -p "$tmp"
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.bash"
python3 "$src/tests/integration/lib/make_csv.py" "$tmp" 17 240 90
evil="it's \$(touch $tmp/pwned) \`touch $tmp/pwned2\` \"q\" ; touch $tmp/pwned3"
scen() {  # NAME [EXTRA YAML]
  cat <<EOF
name: $1
network: {hidden: [8]}
dataset: {name: csv, path: $tmp/train.csv, test_path: $tmp/test.csv, classes: 3}
training: {compare: [f3], epochs: 2, batch_size: 20, threads: 1}
outputs:
  folder: $tmp/out
  slurm: {time: "00:10:00", mem: 300M, partition: f3test, setup: "export F3SIM_TEST_SETUP=yes"}
sweep: {training.lr: [1e-3, 2e-3, 3e-3]}
${2:-}
EOF
}

# ---- the reference: the sweep run here -----------------------------------------
scen ref > "$tmp/ref.yaml"
expect 0 "" -- "$f3sim" run "$tmp/ref.yaml" --quiet --set "description=$evil"
weights() { json "$1/f3/run.json" 'd["weights_sha256"]'; }

# ---- GNU parallel --------------------------------------------------------------------
scen par > "$tmp/par.yaml"
expect 0 "3 points" -- "$f3sim" sweep "$tmp/par.yaml" --emit parallel --set "description=$evil"
P=$tmp/out/par/sweep.parallel
bash -n "$P" && sh -n "$P" && ok || bad "sweep.parallel is not valid shell"
[ "$(wc -l < "$P")" = 3 ] && ok || bad "sweep.parallel: $(wc -l < "$P") lines, wanted one per point"
grep -q -- "--point 2 --quiet --resume$" "$P" && ok || bad "sweep.parallel does not pass --resume"
if command -v parallel >/dev/null; then
  (cd / && parallel --jobs 2 --halt now,fail=1 < "$P") > "$tmp/parallel.log" 2>&1 && ok || bad "parallel failed: $(tail -5 "$tmp/parallel.log")"
  expect 0 "3 points collected" -- "$f3sim" sweep "$tmp/par.yaml" --collect --set "description=$evil"
  for i in 000 001 002; do
    a=$(weights "$tmp/out/par/point-$i") b=$(weights "$tmp/out/ref/point-$i")
    [ -n "$a" ] && [ "$a" = "$b" ] && ok || bad "point-$i from parallel: weights $a, here $b"
  done
  python3 - "$tmp/out/par/sweep.csv" "$tmp/out/ref/sweep.csv" <<'PY' && ok || bad "sweep.csv from parallel differs from the one run here"
import csv, sys
a, b = (list(csv.DictReader(open(p))) for p in sys.argv[1:])
skip = {"train_seconds", "samples_per_second"}  # the host's wall time
assert len(a) == len(b) == 3
for x, y in zip(a, b):
    assert {k: v for k, v in x.items() if k not in skip} == {k: v for k, v in y.items() if k not in skip}, (x, y)
PY
  before=$(stat -c %Y "$tmp/out/par/point-001/f3/run.json")
  sleep 1
  (cd / && parallel --jobs 2 < "$P") > /dev/null 2>&1 && ok || bad "a second parallel run failed"
  [ "$(stat -c %Y "$tmp/out/par/point-001/f3/run.json")" = "$before" ] && ok || bad "a second parallel run ran point 1 again"
else
  bad "GNU parallel is not installed (scripts/setup.sh installs parallel)"
fi

# ---- Slurm ------------------------------------------------------------------------
scen slm > "$tmp/slm.yaml"
expect 0 "3 points" -- "$f3sim" sweep "$tmp/slm.yaml" --emit slurm --set "description=$evil"
S=$tmp/out/slm/sweep.slurm
bash -n "$S" && ok || bad "sweep.slurm is not valid bash"
for d in "--time=00:10:00" "--mem=300M" "--partition=f3test" "--cpus-per-task=1" "--output=\"$tmp/out/slm/logs/task-%A_%a.out\""; do
  grep -qxF "#SBATCH $d" "$S" && ok || bad "sweep.slurm has no '#SBATCH $d'"
done
grep -q '^#SBATCH --account' "$S" && bad "an #SBATCH --account line without outputs.slurm.account" || ok
# issue 22: with a time limit and no checkpoints, the tasks checkpoint every epoch (a killed task resumes)
grep -q -- "--set 'outputs.checkpoint_every=1')" "$S" && ok || bad "sweep.slurm's tasks do not checkpoint under a time limit"
grep -q -- "checkpoint_every" "$tmp/out/par/sweep.parallel" && bad "sweep.parallel (no time limit) sets checkpoint_every" || ok
expect 0 "tasks run with --set outputs.checkpoint_every=1" -- "$f3sim" sweep "$tmp/slm.yaml" --emit slurm
expect 0 "" -- "$f3sim" sweep "$tmp/slm.yaml" --emit slurm --set outputs.checkpoint_every=3 --quiet
grep -q -- "checkpoint_every=1" "$S" && bad "sweep.slurm overrode the scenario's own checkpoint_every" || ok
expect 0 "" -- "$f3sim" sweep "$tmp/slm.yaml" --emit slurm --set "description=$evil" --quiet   # the script below
grep -qxF "export F3SIM_TEST_SETUP=yes" "$S" && ok || bad "sweep.slurm lacks outputs.slurm.setup"
[ -d "$tmp/out/slm/logs" ] && ok || bad "no logs/ folder for the jobs' output"

slurm_up=0 why=""
sd=$tmp/slurm
daemons=()
cleanup() {  # the daemons run in the foreground as this shell's children: stop and reap them
  local p
  for p in "${daemons[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${daemons[@]}"; do wait "$p" 2>/dev/null; done
  return 0
}
trap cleanup EXIT
start_slurm() {
  [ -z "${F3SIM_TEST_NO_SLURM:-}" ] || { why="F3SIM_TEST_NO_SLURM is set"; return 1; }
  for b in munged munge slurmctld slurmd sbatch squeue scontrol; do
    command -v "$b" >/dev/null || { why="$b is not installed"; return 1; }
  done
  [ "$(id -u)" = 0 ] || { why="slurmd needs root to start jobs (running as $(id -un))"; return 1; }
  mkdir -p "$sd/state" "$sd/spool" && chmod 700 "$sd"
  head -c 1024 /dev/urandom > "$sd/munge.key" && chmod 400 "$sd/munge.key"
  munged --foreground --socket="$sd/munge.sock" --key-file="$sd/munge.key" --pid-file="$sd/munged.pid" \
    --log-file="$sd/munged.log" --seed-file="$sd/munge.seed" --force 2>"$sd/munged.err" &
  daemons+=($!)
  for _ in $(seq 1 20); do [ -S "$sd/munge.sock" ] && break; sleep 0.25; done
  [ -S "$sd/munge.sock" ] || { why="munged does not start: $(cat "$sd/munged.err")"; return 1; }
  local ports host
  ports=$(python3 -c 'import socket
s=[socket.socket() for _ in range(2)]
[x.bind(("127.0.0.1", 0)) for x in s]
print(*[x.getsockname()[1] for x in s])')
  host=$(hostname -s)
  cat > "$sd/slurm.conf" <<EOF
ClusterName=f3test
SlurmctldHost=$host
SlurmUser=root
SlurmctldPort=${ports% *}
SlurmdPort=${ports#* }
AuthType=auth/munge
AuthInfo=socket=$sd/munge.sock
CredType=cred/munge
StateSaveLocation=$sd/state
SlurmdSpoolDir=$sd/spool
SlurmctldPidFile=$sd/slurmctld.pid
SlurmdPidFile=$sd/slurmd.pid
SlurmctldLogFile=$sd/slurmctld.log
SlurmdLogFile=$sd/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MaxArraySize=2
NodeName=$host CPUs=2 RealMemory=1000 State=UNKNOWN
PartitionName=f3test Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
  export SLURM_CONF=$sd/slurm.conf
  slurmctld -D -i 2>"$sd/ctld.err" &
  daemons+=($!)
  sleep 1
  slurmd -D 2>"$sd/slurmd.err" &
  daemons+=($!)
  for _ in $(seq 1 40); do
    sinfo -h -o %T 2>/dev/null | grep -q idle && return 0
    sleep 0.5
  done
  why="the node did not become idle: $(tail -2 "$sd/ctld.err" "$sd/slurmd.err" "$sd/slurmd.log" 2>/dev/null)"
  return 1
}
if start_slurm; then
  slurm_up=1
  out=$(cd / && bash "$S" 2>&1); rc=$?
  [ "$rc" = 0 ] && ok || bad "bash sweep.slurm (submit) exited $rc: $out"
  # the cluster's MaxArraySize is 2: tasks 0-1 and 2 are two arrays
  grep -q "tasks 0 to 1 are array job" <<<"$out" && grep -q "tasks 2 to 2 are array job" <<<"$out" && ok ||
    bad "not chunked under MaxArraySize 2: $out"
  collect_id=$(sed -n 's/^f3sim: job \([0-9]*\) collects.*/\1/p' <<<"$out")
  state=""
  for _ in $(seq 1 240); do
    state=$(scontrol show job "$collect_id" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p')
    case "$state" in COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY) break ;; esac
    sleep 0.5
  done
  [ "$state" = COMPLETED ] && ok || bad "the collect job $collect_id ended $state: $(cat "$tmp"/out/slm/logs/*.out 2>/dev/null | tail -5)"
else
  # a stand-in for sbatch: checks what the script asks of it and runs the jobs in turn
  echo "scaleout: no Slurm cluster here ($why): a fake sbatch runs the script instead"
  mkdir -p "$tmp/fakebin"
  cat > "$tmp/fakebin/sbatch" <<'EOF'
#!/bin/bash
# fake sbatch: --parsable, --array=0-N, --export=ALL,VAR=V, --dependency, --job-name, --output, SCRIPT
set -eu
array="" exports="" script=""
for a in "$@"; do
  case "$a" in
    --array=*) array=${a#--array=} ;;
    --export=ALL,*) exports=${a#--export=ALL,} ;;
    --parsable|--dependency=*|--job-name=*|--output=*) ;;
    -*) echo "fake sbatch: unexpected option $a" >&2; exit 1 ;;
    *) script=$a ;;
  esac
done
[ -f "$script" ] || { echo "fake sbatch: no script $script" >&2; exit 1; }
n=$(cat "$FAKE_SBATCH_COUNT" 2>/dev/null || echo 0); echo $((n + 1)) > "$FAKE_SBATCH_COUNT"
if [ -n "$array" ]; then
  [ "${array#0-}" -lt "$FAKE_MAX_ARRAY" ] || { echo "fake sbatch: --array=$array is too large" >&2; exit 1; }
  for i in $(seq 0 "${array#0-}"); do env "$exports" SLURM_ARRAY_TASK_ID=$i bash "$script" >&2; done
else
  env "$exports" bash "$script" >&2
fi
echo $((n + 100))
EOF
  chmod +x "$tmp/fakebin/sbatch"
  printf '#!/bin/sh\necho "MaxArraySize            = 2"\n' > "$tmp/fakebin/scontrol" && chmod +x "$tmp/fakebin/scontrol"
  out=$(cd / && PATH="$tmp/fakebin:$PATH" FAKE_MAX_ARRAY=2 FAKE_SBATCH_COUNT="$tmp/count" bash "$S" 2>&1); rc=$?
  [ "$rc" = 0 ] && ok || bad "bash sweep.slurm with the fake sbatch exited $rc: $out"
  [ "$(cat "$tmp/count")" = 3 ] && ok || bad "$(cat "$tmp/count") sbatch calls, wanted 2 arrays and a collect job"
fi
[ -s "$tmp/out/slm/sweep.csv" ] && [ "$(wc -l < "$tmp/out/slm/sweep.csv")" = 4 ] && ok || bad "the Slurm run has no sweep.csv with 3 points"
for i in 000 001 002; do
  a=$(weights "$tmp/out/slm/point-$i") b=$(weights "$tmp/out/ref/point-$i")
  [ -n "$a" ] && [ "$a" = "$b" ] && ok || bad "point-$i from Slurm: weights $a, here $b"
  a=$(grep '^description:' "$tmp/out/slm/point-$i/scenario.resolved.yaml") b=$(grep '^description:' "$tmp/out/ref/point-$i/scenario.resolved.yaml")
  [ "$a" = "$b" ] && grep -qF 'touch' <<<"$a" && ok || bad "point-$i lost the quoted --set value: $a (here: $b)"
done
if [ "$slurm_up" = 1 ]; then
  ls "$tmp"/out/slm/logs/task-*_*.out > /dev/null 2>&1 && ls "$tmp"/out/slm/logs/collect-*.out > /dev/null 2>&1 && ok ||
    bad "no task or collect logs in $tmp/out/slm/logs/: $(ls "$tmp/out/slm/logs")"
fi
# a task index beyond the list fails loudly
expect 2 "there is no task 7" -- env SLURM_ARRAY_TASK_ID=7 bash "$S"
[ ! -e "$tmp/pwned" ] && [ ! -e "$tmp/pwned2" ] && [ ! -e "$tmp/pwned3" ] && ok || bad "an emitted script ran a command from a --set value"

# ---- a larger sweep: 100 points, arrays of 40 -------------------------------------
# 10 x 10 (a swept key takes at most 64 values)
scen big "" | sed 's/sweep: .*/sweep: {training.seed: [SEEDS], training.lr: [LRS]}/' > "$tmp/big.yaml"
sed -i "s/SEEDS/$(seq -s ', ' 1 10)/; s/LRS/$(seq -f '%ge-4' -s ', ' 1 10)/" "$tmp/big.yaml"
expect 0 "100 points" -- "$f3sim" sweep "$tmp/big.yaml" --emit slurm --set outputs.slurm.max_array_size=40 --set outputs.slurm.account=proj-7
B=$tmp/out/big/sweep.slurm
bash -n "$B" && ok || bad "a 100-point sweep.slurm is not valid bash"
grep -qxF "#SBATCH --account=proj-7" "$B" && grep -qx "max_array=40" "$B" && ok || bad "outputs.slurm.account or max_array_size did not reach the script"
[ "$(bash -c "source <(sed -n '/^tasks=(/,/)$/p' '$B'); echo \${#tasks[@]} \${tasks[99]}")" = "100 99" ] && ok || bad "the task list of the big sweep is wrong"

# ---- bad outputs.slurm values: exit 2, the place, nothing written --------------------
rm -rf "$tmp/out/bad"
for kv in 'time: "2 hours"' 'mem: 4GB' 'partition: "a b"' 'account: "x;y"' 'time: "10:"'; do
  scen bad | sed "s/slurm: {.*}/slurm: {$kv}/" > "$tmp/bad.yaml"
  key=${kv%%:*}
  expect 2 "bad.yaml:7:[0-9]+: outputs.slurm.$key: .* is not a" -- "$f3sim" sweep "$tmp/bad.yaml" --emit slurm
done
scen bad | sed 's/slurm: {.*}/slurm: {setup: "a\\nb"}/' > "$tmp/bad.yaml"
expect 2 "bad.yaml:7:[0-9]+: outputs.slurm.setup holds a newline" -- "$f3sim" sweep "$tmp/bad.yaml" --emit slurm
expect 2 "outputs.slurm.max_array_size" -- "$f3sim" check "$tmp/ref.yaml" --set outputs.slurm.max_array_size=0
[ ! -e "$tmp/out/bad" ] && ok || bad "a rejected outputs.slurm wrote $tmp/out/bad"
finish scaleout
