#!/usr/bin/env bash
# Checkpoint and resume (issue 10, build item 3): --checkpoint-every N and
# outputs.checkpoint_every write <rule>/checkpoint.npz (NumPy .npy arrays in
# a stored zip) and checkpoint.json; a run killed with kill -9 after its
# epoch-2 checkpoint and resumed (train --resume DIR, run --resume) ends
# with the weights_sha256, ledger and per-epoch figures of an uninterrupted
# run, bit for bit; a resume with another configuration is refused (exit 2);
# a finished point is skipped.  Data: generated CSV files.
#   checkpoint.sh F3SIM SOURCE_DIR TMP_DIR
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/lib/common.bash"
f3sim=$1 tmp=$(mkdir -p "$3" && cd "$3" && pwd)/checkpoint
rm -rf "$tmp" && mkdir -p "$tmp" && cd "$tmp" || exit 1
python3 "$here/lib/make_csv.py" . 6 20000 200
data=(--dataset csv --data-path "$tmp/train.csv" --test-path "$tmp/test.csv" --classes 3 --batch-size 20
      --threads 1 --quiet)
epochs_done() { json "$1/checkpoint.json" "d['epochs_done']" 2>/dev/null || echo 0; }
# kill9_after DIR EPOCH -- command...: start the command, kill -9 it once
# DIR/checkpoint.json says EPOCH epochs are done; 0 if it was killed running
kill9_after() {
  local dir=$1 want=$2; shift 3
  "$@" > /dev/null 2>&1 & local pid=$!
  for _ in $(seq 2000); do
    [ "$(epochs_done "$dir")" -ge "$want" ] && break
    kill -0 "$pid" 2> /dev/null || break
    sleep 0.01
  done
  kill -9 "$pid" 2> /dev/null; local killed=$?
  wait "$pid" 2> /dev/null
  return $killed
}
# same A B: run.json's weights, ledger, saturations and epochs (without seconds) agree
same() {
  python3 - "$1/run.json" "$2/run.json" <<'P'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
strip = lambda d: [{k: v for k, v in e.items() if not k.endswith("seconds")} for e in d["epochs"]]
for k in ("weights_sha256", "ledger", "saturations", "best_test_accuracy", "final_test_accuracy", "best_epoch"):
    if a[k] != b[k]: sys.exit(f"{k} differs")
if strip(a) != strip(b): sys.exit("the epochs differ")
P
}

for rule in f3 bp f3sr; do
  case $rule in
  f3sr) args=(--algorithm f3 --format weights=bf16:stochastic --format activations=bf16:stochastic) ;;
  *) args=(--algorithm "$rule" --optimizer adam) ;;
  esac
  args+=(--hidden 512,256 --epochs 5 --lr 1e-3)
  "$f3sim" train "${data[@]}" "${args[@]}" --out "$tmp/$rule-full" > /dev/null 2>&1 \
    && ok || bad "$rule: the uninterrupted run failed"
  kill9_after "$tmp/$rule-ck" 2 -- "$f3sim" train "${data[@]}" "${args[@]}" --checkpoint-every 1 --out "$tmp/$rule-ck" \
    && ok || bad "$rule: the run ended before kill -9 (too fast for this test)"
  [ "$(json "$tmp/$rule-ck/status.json" "d['state']")" = running ] && [ ! -f "$tmp/$rule-ck/run.json" ] \
    && ok || bad "$rule: the killed run looks finished"
  expect 2 "another configuration" -- "$f3sim" train "${data[@]}" "${args[@]/1e-3/2e-3}" --resume "$tmp/$rule-ck"
  if [ "$rule" = f3 ]; then
    # the pair tests below start from a settled pair: a kill that landed
    # while the epoch-3 checkpoint was being written can leave the .json's
    # own .npz as checkpoint.prev.npz; keep the one its npz_crc32 names
    cp -r "$tmp/f3-ck" "$tmp/f3-killed"
    python3 - "$tmp/f3-killed" <<'P' || bad "f3: no .npz of the killed run goes with its .json"
import json, os, sys, zlib
d = sys.argv[1]
want = json.load(open(f"{d}/checkpoint.json"))["npz_crc32"]
crc = lambda p: zlib.crc32(open(p, "rb").read()) if os.path.exists(p) else None
if crc(f"{d}/checkpoint.npz") != want:
    if crc(f"{d}/checkpoint.prev.npz") != want: sys.exit(1)
    os.replace(f"{d}/checkpoint.prev.npz", f"{d}/checkpoint.npz")
if os.path.exists(f"{d}/checkpoint.prev.npz"): os.remove(f"{d}/checkpoint.prev.npz")
P
  fi
  "$f3sim" train "${data[@]}" "${args[@]}" --checkpoint-every 1 --resume "$tmp/$rule-ck" > /dev/null 2>&1 \
    && ok || bad "$rule: the resumed run failed"
  out=$(same "$tmp/$rule-full" "$tmp/$rule-ck" 2>&1) && ok || bad "$rule: resumed ≠ uninterrupted: $out"
  [ "$(json "$tmp/$rule-ck/status.json" "d['state']")" = done ] && ok || bad "$rule: the resumed run is not done"
  cmp -s <(cut -d, -f1-5 "$tmp/$rule-full/epochs.csv") <(cut -d, -f1-5 "$tmp/$rule-ck/epochs.csv") \
    && ok || bad "$rule: epochs.csv differs"
done

# stopped between the .npz's rename and the .json's: the new .npz is in
# place, the old one moved aside; the resume takes the old pair (and a
# damaged checkpoint.npz the same way)
for how in newer damaged; do
  d=$tmp/f3-pair-$how
  cp -r "$tmp/f3-killed" "$d" && mv "$d/checkpoint.npz" "$d/checkpoint.prev.npz"
  if [ $how = newer ]; then cp "$tmp/f3-ck/checkpoint.npz" "$d/"; else head -c 5000 "$tmp/f3-ck/checkpoint.npz" > "$d/checkpoint.npz"; fi
  "$f3sim" train "${data[@]}" --algorithm f3 --optimizer adam --hidden 512,256 --epochs 5 --lr 1e-3 --checkpoint-every 1 \
    --resume "$d" > /dev/null 2>&1 && ok || bad "resume from the previous pair ($how) failed"
  out=$(same "$tmp/f3-full" "$d" 2>&1) && ok || bad "resumed from the previous pair ($how) ≠ uninterrupted: $out"
  [ ! -e "$d/checkpoint.prev.npz" ] && ok || bad "checkpoint.prev.npz left behind after a complete checkpoint"
done
# neither .npz goes with the .json: refused
d=$tmp/f3-pair-none
cp -r "$tmp/f3-killed" "$d" && cp "$tmp/f3-ck/checkpoint.npz" "$d/"
expect 1 "neither .*checkpoint.npz nor .*checkpoint.prev.npz is the one it was written with" -- \
  "$f3sim" train "${data[@]}" --algorithm f3 --optimizer adam --hidden 512,256 --epochs 5 --lr 1e-3 --resume "$d"

# hand-edited checkpoints (issue 21): checkpoint.json carries its own CRC-32, so an edited, empty or
# garbage file is damaged (exit 1), not "another configuration"; one edited with its CRCs fixed is
# checked against itself (the epochs it claims against the steps it holds) and its arrays must be
# finite; a checkpoint of the older format is refused by name (exit 2)
forge() {  # DIR HOW: edit DIR's checkpoint the way HOW says, CRCs fixed unless HOW ends in -raw
  python3 - "$1" "$2" <<'P'
import io, json, re, struct, sys, zipfile, zlib
d, how = sys.argv[1:3]
js = open(f"{d}/checkpoint.json").read()
key = ',\n  "json_crc32": '
body = js[:js.rindex(key)]
if how.startswith("epochs"):
    body = re.sub(r'"epochs_done": (\d+)', lambda m: f'"epochs_done": {int(m.group(1)) - 1}', body)
    n = json.loads(body + "}")["epochs_done"]
    body = re.sub(r'"epochs": \[.*\]$', '"epochs": [' + ", ".join(["[1, 1, 1, 1, 1, 1]"] * n) + "]", body, flags=re.S)
elif how == "nan":
    zin = zipfile.ZipFile(f"{d}/checkpoint.npz")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as zo:
        for i in zin.infolist():
            b = bytearray(zin.read(i.filename))
            if i.filename == "W1.npy":
                off = 10 + struct.unpack("<H", b[8:10])[0]
                b[off:off + 4] = struct.pack("<I", 0x7FC00000)
            zo.writestr(i.filename, bytes(b))
    open(f"{d}/checkpoint.npz", "wb").write(out.getvalue())
    body = re.sub(r'"npz_crc32": \d+', f'"npz_crc32": {zlib.crc32(out.getvalue())}', body)
elif how == "format1":
    open(f"{d}/checkpoint.json", "w").write(body.replace("f3sim checkpoint 2", "f3sim checkpoint 1") + "\n}\n")
    sys.exit(0)
crc = zlib.crc32(body.encode()) if not how.endswith("-raw") else int(js[js.rindex(key) + len(key):].split()[0])
open(f"{d}/checkpoint.json", "w").write(body + key + str(crc) + "\n}\n")
P
}
resume5() { "$f3sim" train "${data[@]}" --algorithm f3 --optimizer adam --hidden 512,256 --epochs 5 --lr 1e-3 --resume "$1"; }
if [ "$(epochs_done "$tmp/f3-killed")" -ge 2 ]; then
  for how in epochs-raw epochs nan format1 empty garbage; do
    d=$tmp/f3-edit-$how && rm -rf "$d" && cp -r "$tmp/f3-killed" "$d"
    case $how in
      empty) : > "$d/checkpoint.json" ;;
      garbage) printf '{"config_sha256": "x" ###' > "$d/checkpoint.json" ;;
      *) forge "$d" "$how" || bad "forge $how failed" ;;
    esac
    case $how in
      epochs) expect 1 "checkpoint.json is inconsistent: [0-9]+ epochs of 1000 batches, but its ledger counts [0-9]+ batches" \
                -- resume5 "$d" ;;
      nan) expect 1 "checkpoint.npz is damaged: W1.npy holds a value that is not finite" -- resume5 "$d" ;;
      format1) expect 2 "checkpoint.json was written by an older f3sim \(f3sim checkpoint 1\), which this one does not resume" \
                 -- resume5 "$d" ;;
      *) expect 1 "checkpoint.json is damaged: it fails its own CRC-32" -- resume5 "$d" ;;
    esac
  done
else
  bad "the killed f3 run left no checkpoint of 2 epochs or more to edit"
fi

# data replaced in place (issue 21): the data files' contents are in the resume check, so a resume over
# other data under the same path is refused by name (it used to train on the new data, marked done)
mkdir -p "$tmp/dc" && (cd "$tmp/dc" && python3 "$here/lib/make_csv.py" . 7 4000 200)
dc=(--dataset csv --data-path "$tmp/dc/train.csv" --test-path "$tmp/dc/test.csv" --classes 3 --batch-size 20
    --threads 1 --quiet --hidden 64 --epochs 200 --checkpoint-every 1 --out "$tmp/dc/run")
kill9_after "$tmp/dc/run" 1 -- "$f3sim" train "${dc[@]}" && ok || bad "the data-change run was not killed running"
[ "$(json "$tmp/dc/run/checkpoint.json" "len(d['data_sha256'])")" = 64 ] && ok || bad "checkpoint.json lacks data_sha256"
(cd "$tmp/dc" && python3 "$here/lib/make_csv.py" . 8 4000 200)
expect 2 "run/checkpoint.json: the data set's files changed since this checkpoint" -- "$f3sim" train "${dc[@]/--out/--resume}"
[ "$(json "$tmp/dc/run/status.json" "d['state'] + ('|changed' if 'data set\\'s files changed' in d['error'] else '')")" = "failed|changed" ] \
  && ok || bad "a refused resume left status.json: $(cat "$tmp/dc/run/status.json")"

# the .npz: a stored zip of .npy v1.0 '<f4' arrays, as numpy.load reads it
python3 - "$tmp/f3-ck/checkpoint.npz" <<'P' && ok || bad "checkpoint.npz is not the expected arrays"
import ast, struct, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
assert z.testzip() is None
want = {"W1": (512, 6), "b1": (512,), "W2": (256, 512), "b2": (256,), "W3": (3, 256), "b3": (3,),
        "B1": (3, 512), "B2": (3, 256), "error_store": (20000, 3)}
for i, (n, o) in enumerate(((6, 512), (512, 256), (256, 3))):
    for m in "mv":
        want[f"adam_{m}_W{i+1}"] = (o, n)
        want[f"adam_{m}_b{i+1}"] = (o,)
names = {i.filename[:-4] for i in z.infolist()}
assert names == set(want), names ^ set(want)
for info in z.infolist():
    assert info.compress_type == zipfile.ZIP_STORED
    raw = z.read(info)
    assert raw[:8] == b"\x93NUMPY\x01\x00"
    hl = struct.unpack("<H", raw[8:10])[0]
    h = ast.literal_eval(raw[10:10 + hl].decode())
    assert h["descr"] == "<f4" and h["fortran_order"] is False, h
    shape = want[info.filename[:-4]]
    assert h["shape"] == shape, (info.filename, h["shape"], shape)
    n = 1
    for s in shape: n *= s
    assert len(raw) - 10 - hl == 4 * n and (10 + hl) % 64 == 0
    vals = struct.unpack(f"<{n}f", raw[10 + hl:])
    assert all(v == v for v in vals)
try:
    import numpy
    a = numpy.load(sys.argv[1])
    assert a["W2"].shape == (256, 512) and a["W2"].dtype == numpy.float32
except ImportError:
    pass
P
[ -n "$(json "$tmp/f3sr-ck/checkpoint.json" "d['rng_streams'][0]")" ] && ok \
  || bad "checkpoint.json holds no stochastic-rounding streams"

# without --resume a run starts afresh and clears the checkpoint
"$f3sim" train "${data[@]}" --hidden 8 --epochs 1 --out "$tmp/f3-ck" > /dev/null 2>&1 && [ ! -e "$tmp/f3-ck/checkpoint.npz" ] \
  && ok || bad "a run without --checkpoint-every left an old checkpoint behind"
expect 2 "checkpoint-every" -- "$f3sim" train "${data[@]}" --checkpoint-every -1 --out "$tmp/x"

# f3sim run --resume: a scenario killed in its second rule goes on from the checkpoint
scen() {
  cat <<Y
name: $1
dataset: {name: csv, path: $tmp/train.csv, test_path: $tmp/test.csv, classes: 3}
network: {hidden: [512, 256]}
training: {compare: [bp, f3], epochs: 4, batch_size: 20, lr: 0.001, threads: 1}
outputs: {folder: $tmp/out, checkpoint_every: 1}
Y
}
scen full > full.yaml && scen ck > ck.yaml
"$f3sim" run full.yaml --quiet > /dev/null 2>&1 && ok || bad "the uninterrupted scenario failed"
kill9_after out/ck/f3 2 -- "$f3sim" run ck.yaml --quiet && ok || bad "the scenario ended before kill -9"
"$f3sim" run ck.yaml --resume --quiet > /dev/null 2>&1 && ok || bad "run --resume failed"
for r in bp f3; do
  out=$(same out/full/$r out/ck/$r 2>&1) && ok || bad "run --resume: $r differs: $out"
done
cmp -s <(cut -d, -f1-11,14 out/full/compare.csv) <(cut -d, -f1-11,14 out/ck/compare.csv) \
  && ok || bad "run --resume: compare.csv differs"$'\n'"$(cat out/full/compare.csv out/ck/compare.csv)"
before=$(stat -c %Y out/ck/f3/run.json)
expect 0 "done; skipped" -- "$f3sim" run ck.yaml --resume
[ "$(stat -c %Y out/ck/f3/run.json)" = "$before" ] && ok || bad "run --resume ran a finished point again"
expect 2 "another configuration" -- "$f3sim" run ck.yaml --resume --set training.lr=0.002
# a point not yet done, resumed with another configuration: refused at its rules' checkpoints
kill9_after out/ck2/f3 2 -- "$f3sim" run ck.yaml --set name=ck2 --quiet && ok || bad "the second scenario ended before kill -9"
expect 2 "another configuration" -- "$f3sim" run ck.yaml --set name=ck2 --resume --set training.lr=0.002

# the chip model keeps no checkpoint: refused at the key; a chip point that
# did not finish runs again from the start under --resume, with the same result
chip() {
  cat <<Y
name: $1
dataset: {name: csv, path: $tmp/train.csv, test_path: $tmp/test.csv, classes: 3}
network: {hidden: [256]}
training: {compare: [f3, drtp], epochs: 3, batch_size: 20, lr: 0.001, threads: 1}
outputs: {folder: $tmp/out, checkpoint_every: ${2:-0}}
hardware: {}
Y
}
chip chipck 1 > chipck.yaml && chip chipfull > chipfull.yaml && chip chipk > chipk.yaml
expect 2 "chipck.yaml:[0-9]+:[0-9]+: checkpoints are not written on the chip model" -- "$f3sim" check chipck.yaml
"$f3sim" run chipfull.yaml --quiet > /dev/null 2>&1 && ok || bad "the chip scenario failed"
# what a kill -9 in drtp leaves (a chip run is too quick to be killed on cue):
# drtp and the scenario "running" under a dead process, drtp's results gone
"$f3sim" run chipk.yaml --quiet > /dev/null 2>&1 && ok || bad "the chip scenario failed"
python3 - <<'P'
import json
for p in ("out/chipk/status.json", "out/chipk/drtp/status.json"):
    d = json.load(open(p))
    d.update(state="running", pid=2**22 + 1)
    d.pop("ended", None)
    json.dump(d, open(p, "w"))
P
rm -f out/chipk/drtp/run.json out/chipk/drtp/epochs.csv out/chipk/drtp/tiles.csv out/chipk/compare.csv
expect 0 "the chip model keeps no checkpoint; running from the beginning" -- "$f3sim" run chipk.yaml --resume
for r in f3 drtp; do
  out=$(same out/chipfull/$r out/chipk/$r 2>&1) && ok || bad "chip run --resume: $r differs: $out"
  cmp -s out/chipfull/$r/tiles.csv out/chipk/$r/tiles.csv && ok || bad "chip run --resume: $r/tiles.csv differs"
done

finish checkpoint
