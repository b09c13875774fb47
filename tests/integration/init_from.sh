#!/usr/bin/env bash
# A given initial state (issue 10, build item 3): train/run --init-from
# FILE.npz starts from the W, b and B that NumPy wrote (numpy.savez and
# savez_compressed, float32 and float64, C and Fortran order).  Checked with
# NumPy as the reference: what a rule never changes (llo's hidden layers,
# every B) comes back in the checkpoint exactly as float32(value), and in a
# fixed-point format exactly as NumPy's round-half-even to the grid; the
# same file gives the same run bit for bit, another file another run; the
# file's SHA-256 is in run.json and in the configuration a resume checks.
# Every way a file can fail to fit is an exit 2 naming the file and the
# array; a file that is not an .npz is an exit 1.
#   init_from.sh F3SIM SOURCE_DIR TMP_DIR
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/lib/common.bash"
f3sim=$1 tmp=$(mkdir -p "$3" && cd "$3" && pwd)/init_from
rm -rf "$tmp" && mkdir -p "$tmp" && cd "$tmp" || exit 1
python3 "$here/lib/make_csv.py" . 9 600 200
# NumPy: python3 where it has it, else Debian's (scripts/setup.sh installs python3-numpy)
np=""
for p in python3 /usr/bin/python3; do
  if "$p" -c "import numpy" 2> /dev/null; then np=$p; break; fi
done
if [ -z "$np" ]; then
  bad "no python3 with NumPy (scripts/setup.sh installs python3-numpy)"
  finish init_from
  exit 1
fi
data=(--dataset csv --data-path "$tmp/train.csv" --test-path "$tmp/test.csv" --classes 3 --batch-size 20
      --threads 1 --quiet --hidden 16,8)

# mk FILE SEED [KIND]: a 6-16-8-3 state written by NumPy; KIND changes it
mk() {
  "$np" - "$@" <<'P'
import sys
import numpy as np
path, seed = sys.argv[1], int(sys.argv[2])
kind = sys.argv[3] if len(sys.argv) > 3 else "plain"
r = np.random.default_rng(seed)
a = {}
for i, (n, m) in enumerate(((6, 16), (16, 8), (8, 3)), 1):
    a[f"W{i}"] = r.uniform(-1, 1, (m, n)) / np.sqrt(n)        # float64
    a[f"b{i}"] = r.uniform(-0.1, 0.1, m).astype(np.float32)  # float32
    a[f"B{i}"] = r.choice([-1.0, 0.0, 1.0], (3, m))
a["W1"] = np.asfortranarray(a["W1"])                           # Fortran order
save = np.savez_compressed
if kind == "stored": save = np.savez
elif kind == "no_W2": del a["W2"]
elif kind == "no_B2": del a["B2"]
elif kind == "shape": a["W2"] = a["W2"].T.copy()
elif kind == "extra_layer": a["W4"] = np.zeros((3, 3))
elif kind == "typo": a["w1"] = a.pop("W1")
elif kind == "nan": a["b2"][3] = np.nan
elif kind == "int": a["W3"] = np.ones((3, 8), dtype=np.int32)
elif kind == "huge": a["W1"][0, 0] = 1e300
elif kind == "ternary_bad": a["B1"][0, :2] = [0.5, -1.0]
save(path, **a)
P
}
mk s1.npz 1 && mk s1-stored.npz 1 stored && mk s2.npz 2 || { bad "NumPy could not write the files"; finish init_from; exit 1; }

# exact: llo never changes W1, b1, W2, b2; f3 never changes B
for rule in llo f3; do
  "$f3sim" train "${data[@]}" --algorithm "$rule" --epochs 2 --init-from s1.npz --checkpoint-every 2 --out "$rule-1" \
    > /dev/null 2>&1 && ok || bad "$rule: train --init-from failed"
done
"$np" - <<'P' && ok || bad "the checkpoint does not hold the given state exactly"
import numpy as np
a, l, f = np.load("s1.npz"), np.load("llo-1/checkpoint.npz"), np.load("f3-1/checkpoint.npz")
for k in ("W1", "b1", "W2", "b2"):
    assert np.array_equal(l[k], a[k].astype(np.float32)), k
    assert l[k].dtype == np.float32
for k in ("B1", "B2"):
    assert np.array_equal(f[k], a[k].astype(np.float32)), k
assert not np.array_equal(f["W1"], a["W1"].astype(np.float32)), "f3 did not train W1"
P
# a fixed-point weights format: the given values rounded half-even to the grid, saturated at its ends
"$f3sim" train "${data[@]}" --algorithm llo --epochs 1 --init-from s1.npz --format weights=q1.5 \
  --checkpoint-every 1 --out llo-q > /dev/null 2>&1 && ok || bad "llo in q1.5 failed"
"$np" - <<'P' && ok || bad "the given weights are not quantised to q1.5 as NumPy rounds them"
import numpy as np
a, c = np.load("s1.npz"), np.load("llo-q/checkpoint.npz")
q = lambda x: np.clip(np.rint(x.astype(np.float32).astype(np.float64) * 32), -64, 63) / 32
for k in ("W1", "b1", "W2", "b2"):
    assert np.array_equal(c[k], q(a[k]).astype(np.float32)), (k, c[k][:2], q(a[k])[:2])
P
# deterministic; a stored .npz of the same arrays gives the same run; another state another run
h() { json "$1/run.json" "d['weights_sha256']"; }
"$f3sim" train "${data[@]}" --algorithm f3 --epochs 2 --init-from s1-stored.npz --out f3-1b > /dev/null 2>&1
"$f3sim" train "${data[@]}" --algorithm f3 --epochs 2 --init-from s2.npz --out f3-2 > /dev/null 2>&1
"$f3sim" train "${data[@]}" --algorithm f3 --epochs 2 --out f3-seed > /dev/null 2>&1
[ "$(h f3-1)" = "$(h f3-1b)" ] && ok || bad "one state (stored and compressed) gave two runs"
[ "$(h f3-1)" != "$(h f3-2)" ] && [ "$(h f3-1)" != "$(h f3-seed)" ] && ok || bad "another state gave the same run"
[ "$(json f3-1/run.json "d['init_from']['sha256']")" = "$(sha256sum s1.npz | cut -d' ' -f1)" ] && ok \
  || bad "run.json does not record the file's SHA-256"
[ "$(json f3-seed/run.json "d['init_from']")" = None ] && ok || bad "run.json: init_from is not null without it"
# a checkpoint resumes only with the state it started from
"$f3sim" train "${data[@]}" --algorithm f3 --epochs 3 --init-from s1.npz --checkpoint-every 1 --out f3-r \
  > /dev/null 2>&1 && ok || bad "f3 with a checkpoint failed"
expect 2 "another configuration" -- "$f3sim" train "${data[@]}" --algorithm f3 --epochs 3 --init-from s2.npz \
  --checkpoint-every 1 --resume f3-r
# bp has no B: the file's B are not used, and said so
d2=()
for w in "${data[@]}"; do [ "$w" = --quiet ] || d2+=("$w"); done
expect 0 "not used by this rule" -- "$f3sim" train "${d2[@]}" --algorithm bp --epochs 1 --init-from s1.npz --out bp-1

# f3sim run --init-from: every rule starts from the file
cat > s.yaml <<Y
name: s
dataset: {name: csv, path: $tmp/train.csv, test_path: $tmp/test.csv, classes: 3}
network: {hidden: [16, 8]}
training: {compare: [llo, f3], epochs: 2, batch_size: 20, threads: 1}
outputs: {folder: $tmp/out, checkpoint_every: 2}
Y
"$f3sim" run s.yaml --init-from s1.npz --quiet > /dev/null 2>&1 && ok || bad "run --init-from failed"
cmp -s out/s/llo/checkpoint.npz llo-1/checkpoint.npz && ok || bad "run --init-from: llo differs from train --init-from"
[ "$(h out/s/f3)" = "$(h f3-1)" ] && ok || bad "run --init-from: f3 differs from train --init-from"

# what does not fit: exit 2, naming the file and the array
for k in no_W2:"no array W2, shape \(8, 16\)" no_B2:"no array B2.*feeds its error back" \
         shape:"W2 has the shape \(16, 8\); layer 2 is 16 → 8, so W2 must be \(8, 16\)" \
         extra_layer:"holds W4, but the network has 3 layers" typo:"an array named 'w1'" \
         nan:"b2 holds a value that is not finite" huge:"W1 holds a value that is not finite"; do
  mk "bad-${k%%:*}.npz" 1 "${k%%:*}"
  expect 2 "bad-${k%%:*}.npz: ${k#*:}" -- "$f3sim" train "${data[@]}" --algorithm f3 --epochs 1 \
    --init-from "bad-${k%%:*}.npz" --out x
done
[ ! -e x ] && ok || bad "a refused --init-from left a results folder"
# arrays f3sim does not read (exit 1, as a malformed data file)
mk bad-int.npz 1 int
expect 1 "bad-int.npz: W3.npy holds '<i4' values; f3sim reads" -- "$f3sim" train "${data[@]}" --epochs 1 \
  --init-from bad-int.npz --out x
# not an .npz (exit 1, the file named); truncated; a missing file (exit 2 at the option)
echo "hello" > text.npz
expect 1 "text.npz: not an .npz file" -- "$f3sim" train "${data[@]}" --epochs 1 --init-from text.npz --out x
head -c 2000 s1-stored.npz > cut.npz
expect 1 "cut.npz: " -- "$f3sim" train "${data[@]}" --epochs 1 --init-from cut.npz --out x
expect 2 "--init-from nothere.npz: No such file" -- "$f3sim" train "${data[@]}" --epochs 1 --init-from nothere.npz --out x
expect 2 "--init-from nothere.npz: No such file" -- "$f3sim" run s.yaml --init-from nothere.npz
# a damaged entry fails its CRC-32
"$np" - <<'P'
b = bytearray(open("s1-stored.npz", "rb").read())
i = b.find(b"NUMPY") + 200
b[i] ^= 0xFF
open("crc.npz", "wb").write(bytes(b))
P
expect 1 "crc.npz: .*fails its CRC-32" -- "$f3sim" train "${data[@]}" --epochs 1 --init-from crc.npz --out x
# a small file inflating to much more than the network's arrays (issue 21): refused from its .npy headers
# before anything that large is allocated (before the fix: 3 × 64 MiB resident); a zip entry claiming
# another size than its .npy header promises is damaged
"$np" - <<'P'
import numpy as np, re
np.savez_compressed("bomb.npz", **{f"W{i}": np.zeros((4096, 4096), np.float32) for i in (1, 2, 3)})
b = bytearray(open("s1.npz", "rb").read())
for m in re.finditer(rb"PK\x01\x02", b):          # the central directory entry of W2.npy
    k = m.start()
    nl = int.from_bytes(b[k + 28:k + 30], "little")
    if bytes(b[k + 46:k + 46 + nl]) == b"W2.npy":
        u = int.from_bytes(b[k + 24:k + 28], "little")
        b[k + 24:k + 28] = (u + 64).to_bytes(4, "little")
        open("lie.npz", "wb").write(bytes(b))
P
[ "$(wc -c < bomb.npz)" -lt 1000000 ] && ok || bad "bomb.npz is not small ($(wc -c < bomb.npz) bytes)"
expect 1 "bomb.npz: W1.npy inflates to 67108992 bytes, past the [0-9]* bytes the arrays read from this file can need" \
  -- "$f3sim" train "${data[@]}" --epochs 1 --init-from bomb.npz --out x
rss=$("$np" - "$f3sim" "${data[@]}" --epochs 1 --init-from bomb.npz --out x <<'P'
import resource, subprocess, sys
subprocess.run([sys.argv[1], "train", *sys.argv[2:]], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024)
P
)
[ "$rss" -lt 64 ] && ok || bad "reading bomb.npz took $rss MiB resident"
expect 1 "lie.npz: W2.npy's header promises [0-9]* bytes, its zip entry claims [0-9]*" -- "$f3sim" train "${data[@]}" \
  --epochs 1 --init-from lie.npz --out x

# the chip: a seeded ROM cannot hold a given B; ternary2 only {-a, 0, a}
chip() {
  cat <<Y
name: c
dataset: {name: csv, path: $tmp/train.csv, test_path: $tmp/test.csv, classes: 3, train_limit: 40, test_limit: 20}
network: {hidden: [16, 8]}
training: {compare: [f3], epochs: 1, batch_size: 1, optimizer: sgd, lr: 0.01, feedback_init: trinomial, threads: 1}
outputs: {folder: $tmp/out}
hardware: {tile: {rom: {encoding: $1}}}
Y
}
chip seeded > seeded.yaml && chip ternary2 > ternary.yaml
expect 2 "seeded regenerates each B from the seed.*B1 of --init-from" -- "$f3sim" run seeded.yaml --init-from s1.npz
mk tern-bad.npz 1 ternary_bad
expect 2 "ternary2 holds B as \{-a, 0, a\}, but B1" -- "$f3sim" run ternary.yaml --init-from tern-bad.npz
expect 0 "" -- "$f3sim" run ternary.yaml --init-from s1.npz --quiet
"$f3sim" train "${data[@]}" --algorithm f3 --epochs 1 --batch-size 1 --optimizer sgd --lr 0.01 \
  --feedback-init trinomial --train-limit 40 --test-limit 20 --init-from s1.npz --out f3-plain > /dev/null 2>&1
[ "$(h out/c/f3)" = "$(h f3-plain)" ] && ok || bad "the chip from --init-from differs from the plain trainer"

# a hardware sweep trains once per numerics point: the initial state is numerics
cat > hw.yaml <<Y
name: hw
dataset: {name: csv, path: $tmp/train.csv, test_path: $tmp/test.csv, classes: 3, train_limit: 100, test_limit: 20}
network: {hidden: [16, 8]}
training: {compare: [f3], epochs: 1, batch_size: 10, threads: 1}
outputs: {folder: $tmp/hwout}
hardware: {}
sweep: {hardware.tile.mac_lanes: [4, 8]}
Y
"$f3sim" run hw.yaml --init-from s1.npz --quiet > /dev/null 2>&1 && ok || bad "a hardware sweep with --init-from failed"
a=$(h hwout/hw/point-001/f3)
"$f3sim" run hw.yaml --init-from s2.npz --quiet > /dev/null 2>&1 && ok || bad "the second hardware sweep failed"
b=$(h hwout/hw/point-001/f3)
[ -n "$a" ] && [ "$a" != "$b" ] && ok || bad "another --init-from reused the cached training ($a, $b)"
[ "$b" = "$(h hwout/hw/point-000/f3)" ] && ok || bad "the hardware points of one sweep trained different weights"
# emitted scripts carry the file (absolute) to every point
"$f3sim" sweep hw.yaml --init-from s1.npz --emit parallel > /dev/null 2>&1 && ok || bad "sweep --emit parallel --init-from failed"
grep -qF -- "--init-from '$tmp/s1.npz' --point 1 --quiet --resume" hwout/hw/sweep.parallel && ok \
  || bad "sweep.parallel lacks --init-from: $(cat hwout/hw/sweep.parallel)"

finish init_from
