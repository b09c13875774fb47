#!/usr/bin/env bash
# Stepping through a run (issue 20, item 1): f3sim train --save-init,
# --save-steps, --save-epochs, --order and --no-shuffle, which let another
# implementation start from the same state, take the same batches and be
# compared step by step (analysis/crosscheck/stepwise.py).  Checked against
# independent references: NumPy reads every file; a run from --save-init's
# file is the same run bit for bit; epoch-E.npz equals a checkpoint and the
# run.json weight hash of a run that stopped there; the last step of an
# epoch equals that epoch's file; --order P equals the data set rewritten in
# the order P and trained with --no-shuffle (the error store follows the
# samples); text and .npy orders, one permutation or one per epoch, give the
# same runs.  Every way an order file or a saving option can be wrong is an
# exit 2 that names the file and the place, with nothing written.
#   train_steps.sh F3SIM SOURCE_DIR TMP_DIR
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/lib/common.bash"
f3sim=$(cd "$(dirname "$1")" && pwd)/$(basename "$1") tmp=$(mkdir -p "$3" && cd "$3" && pwd)/train_steps
rm -rf "$tmp" && mkdir -p "$tmp" && cd "$tmp" || exit 1
python3 "$here/lib/make_csv.py" . 11 300 90
# NumPy: python3 where it has it, else Debian's (scripts/setup.sh installs python3-numpy)
np=""
for p in python3 /usr/bin/python3; do
  if "$p" -c "import numpy" 2> /dev/null; then np=$p; break; fi
done
if [ -z "$np" ]; then
  bad "no python3 with NumPy (scripts/setup.sh installs python3-numpy)"
  finish train_steps
  exit 1
fi
# 300 samples in batches of 40: 8 steps per epoch, the last of 20 samples
data=(--dataset csv --data-path "$tmp/train.csv" --test-path "$tmp/test.csv" --classes 3 --batch-size 40
      --threads 1 --quiet --hidden 16,8)
h() { json "$1/run.json" "d['weights_sha256']"; }
same() {  # label dirA dirB: the same weights
  [ "$(h "$2")" = "$(h "$3")" ] && ok || bad "$1: $2 and $3 trained different weights"
}

# ---- --save-init: the initial state, as --init-from reads it ------------------------------
for rule in f3 bp dfa; do
  "$f3sim" train "${data[@]}" --algorithm "$rule" --epochs 2 --save-init "init-$rule.npz" --out "$rule-a" \
    > /dev/null 2>&1 && ok || bad "$rule: --save-init failed"
  "$f3sim" train "${data[@]}" --algorithm "$rule" --epochs 2 --init-from "init-$rule.npz" --out "$rule-b" \
    > /dev/null 2>&1 && ok || bad "$rule: --init-from of --save-init's file failed"
  same "$rule: --init-from of --save-init's file" "$rule-a" "$rule-b"
  # epochs.csv without its seconds column
  diff <(cut -d, -f1-5 "$rule-a/epochs.csv") <(cut -d, -f1-5 "$rule-b/epochs.csv") > /dev/null && ok \
    || bad "$rule: the epochs' losses and accuracies differ from --init-from of --save-init's file"
done
"$np" - <<'P' && ok || bad "--save-init's files do not hold the network's W, b and B"
import numpy as np
for rule, has_b in (("f3", True), ("bp", False), ("dfa", True)):
    z = np.load(f"init-{rule}.npz")
    want = {"W1": (16, 6), "b1": (16,), "W2": (8, 16), "b2": (8,), "W3": (3, 8), "b3": (3,)}
    if has_b:
        want.update({"B1": (3, 16), "B2": (3, 8)})   # hidden layers only
    assert {k: z[k].shape for k in z.files} == want, (rule, {k: z[k].shape for k in z.files})
    assert all(z[k].dtype == np.float32 for k in z.files)
    if has_b:
        assert set(np.unique(np.concatenate([z["B1"].ravel(), z["B2"].ravel()]))) <= {-1.0, 0.0, 1.0}
    # every rule starts from the same W and b under one seed
    f = np.load("init-f3.npz")
    assert all(np.array_equal(z[k], f[k]) for k in want if k[0] in "Wb")
P
# a given state is saved as it was given (float32)
"$f3sim" train "${data[@]}" --algorithm f3 --epochs 1 --init-from init-f3.npz --save-init again.npz --out again \
  > /dev/null 2>&1 && ok || bad "--init-from with --save-init failed"
cmp -s again.npz init-f3.npz && ok || bad "--save-init after --init-from wrote another state"
[ "$(json f3-a/run.json "d['saved_weights']['init']")" = init-f3.npz ] && ok || bad "run.json: saved_weights.init"
[ "$(json f3-b/run.json "d['saved_weights']")" = None ] && ok || bad "run.json: saved_weights is not null without saving"

# ---- --save-steps, --save-epochs ------------------------------------------------------------
"$f3sim" train "${data[@]}" --algorithm f3 --epochs 2 --save-steps 10,1,8,16,10 --save-epochs --checkpoint-every 2 \
  --out steps > /dev/null 2>&1 && ok || bad "--save-steps --save-epochs failed"
same "saving weights changes nothing" steps f3-a
for f in step-1 step-8 step-10 step-16 epoch-1 epoch-2; do
  [ -f "steps/$f.npz" ] && ok || bad "no steps/$f.npz"
done
[ "$(ls steps | grep -c '^step-')" = 4 ] && ok || bad "steps/ holds other step files: $(ls steps)"
[ "$(json steps/run.json "d['saved_weights']['steps']")" = "[1, 8, 10, 16]" ] && ok \
  || bad "run.json: saved_weights.steps is $(json steps/run.json "d['saved_weights']['steps']")"
# a run that stops after epoch 1: its checkpoint and weight hash are epoch-1.npz's
"$f3sim" train "${data[@]}" --algorithm f3 --epochs 1 --checkpoint-every 1 --out one > /dev/null 2>&1 \
  && ok || bad "one epoch failed"
"$np" - "$(h one)" <<'P' && ok || bad "the saved steps and epochs are not the weights of those moments"
import hashlib, sys
import numpy as np
L = lambda p: dict(np.load(p))
e1, e2, s8, s16, s1 = (L(f"steps/{n}.npz") for n in ("epoch-1", "epoch-2", "step-8", "step-16", "step-1"))
one, last, init = L("one/checkpoint.npz"), L("steps/checkpoint.npz"), L("init-f3.npz")
names = ["W1", "b1", "W2", "b2", "W3", "b3", "B1", "B2"]
assert sorted(e1) == sorted(names), sorted(e1)
for k in names:
    assert np.array_equal(e1[k], one[k]), k        # after epoch 1, as a run of 1 epoch ends
    assert np.array_equal(e2[k], last[k]), k       # after epoch 2, as the final checkpoint
    assert np.array_equal(s8[k], e1[k]), k         # step 8 is epoch 1's last
    assert np.array_equal(s16[k], e2[k]), k
for k in ("B1", "B2"):
    assert np.array_equal(s1[k], init[k]), k       # B never trains
assert not np.array_equal(s1["W1"], init["W1"])    # one step moved W
assert not np.array_equal(s1["W1"], e1["W1"])
# run.json's weights_sha256: W1, b1, W2, b2, … as float32 bytes
d = hashlib.sha256()
for i in (1, 2, 3):
    d.update(e1[f"W{i}"].tobytes()); d.update(e1[f"b{i}"].tobytes())
assert d.hexdigest() == sys.argv[1], (d.hexdigest(), sys.argv[1])
P
# a rerun replaces: no step file of the earlier run stays
"$f3sim" train "${data[@]}" --algorithm f3 --epochs 2 --save-steps 3 --out steps > /dev/null 2>&1
[ "$(ls steps | grep -E '^(step|epoch)-' | tr '\n' ' ')" = "step-3.npz " ] && ok \
  || bad "a rerun left earlier saved weights: $(ls steps)"

# ---- --order, --no-shuffle --------------------------------------------------------------------
"$np" - <<'P' || bad "NumPy could not write the orders"
import numpy as np
r = np.random.default_rng(5)
p, q = r.permutation(300), r.permutation(300)
np.save("pq.npy", np.stack([p, q]))                        # (2, 300) int64
np.save("pq-flat32.npy", np.concatenate([p, q]).astype(np.int32))
np.save("pq-u64.npy", np.stack([p, q]).astype(np.uint64))
with open("pq.txt", "w") as f:                             # text: lines, commas, comments
    f.write("# epoch 1\n" + ", ".join(map(str, p)) + "  # all of it\n\n# epoch 2\n")
    f.write("\n".join(" ".join(map(str, q[i:i + 7])) for i in range(0, 300, 7)) + "\n")
np.savetxt("p.txt", p, fmt="%d")                           # one permutation, every epoch
np.save("pp.npy", np.stack([p, p]))
np.savetxt("id.txt", np.arange(300), fmt="%d")
np.save("p.npy", p)
# the training set rewritten in the order p (the header stays first)
rows = open("train.csv").read().splitlines()
open("train-p.csv", "w").write("\n".join([rows[0]] + [rows[1 + i] for i in p]) + "\n")
P
for o in pq.npy pq-flat32.npy pq-u64.npy pq.txt p.txt pp.npy id.txt; do
  "$f3sim" train "${data[@]}" --algorithm f3 --epochs 2 --order "$o" --out "o-$o" > /dev/null 2>&1 \
    && ok || bad "--order $o failed"
done
"$f3sim" train "${data[@]}" --algorithm f3 --epochs 2 --no-shuffle --out o-none > /dev/null 2>&1 \
  && ok || bad "--no-shuffle failed"
same "text and .npy orders" o-pq.npy o-pq.txt
same ".npy (2, n) and (2n,) int32" o-pq.npy o-pq-flat32.npy
same ".npy int64 and uint64" o-pq.npy o-pq-u64.npy
same "one permutation every epoch" o-p.txt o-pp.npy
same "--no-shuffle and the identity order" o-none o-id.txt
[ "$(h o-pq.npy)" != "$(h o-p.txt)" ] && [ "$(h o-pq.npy)" != "$(h f3-a)" ] && [ "$(h o-none)" != "$(h f3-a)" ] \
  && ok || bad "another order gave the same run"
# the reference: the data rewritten in the order p, visited 0 … n−1, is the same training (the
# error store goes with each sample), for F3 and BP
for rule in f3 bp; do
  "$f3sim" train "${data[@]}" --algorithm "$rule" --epochs 2 --order p.npy --out "ref-$rule-order" > /dev/null 2>&1
  "$f3sim" train "${data[@]}" --data-path "$tmp/train-p.csv" --algorithm "$rule" --epochs 2 --no-shuffle \
    --out "ref-$rule-rewritten" > /dev/null 2>&1
  same "$rule: --order p against the data rewritten in the order p" "ref-$rule-order" "ref-$rule-rewritten"
done
[ "$(json o-pq.npy/run.json "(d['order']['source'], d['order']['permutations'], d['order']['file'])")" \
  = "('file', 2, 'pq.npy')" ] && ok || bad "run.json: order of --order pq.npy"
[ "$(json o-pq.npy/run.json "d['order']['sha256']")" = "$(sha256sum pq.npy | cut -d' ' -f1)" ] && ok \
  || bad "run.json: the order file's SHA-256"
[ "$(json o-none/run.json "d['order']['source']")" = none ] && [ "$(json f3-a/run.json "d['order']['source']")" = seed ] \
  && ok || bad "run.json: order.source of --no-shuffle and of the default"
# --train-limit: an order of the first N samples
"$np" -c "import numpy as np; np.savetxt('p100.txt', np.random.default_rng(1).permutation(100), fmt='%d')"
"$f3sim" train "${data[@]}" --algorithm f3 --epochs 2 --train-limit 100 --order p100.txt --out lim > /dev/null 2>&1 \
  && ok || bad "--order with --train-limit failed"
expect 2 "p.txt:1:1: more indices than the run takes|p.txt:[0-9]+:1: index [0-9]+ is outside the training set of 100 samples" \
  -- "$f3sim" train "${data[@]}" --epochs 2 --train-limit 100 --order p.txt --out x
# a resume keeps its order: another order is another configuration
"$f3sim" train "${data[@]}" --algorithm f3 --epochs 2 --order pq.npy --checkpoint-every 1 --out res > /dev/null 2>&1
expect 2 "another configuration" -- "$f3sim" train "${data[@]}" --algorithm f3 --epochs 2 --order pp.npy \
  --checkpoint-every 1 --resume res
expect 2 "another configuration" -- "$f3sim" train "${data[@]}" --algorithm f3 --epochs 2 --checkpoint-every 1 --resume res

# ---- what does not fit: exit 2, the file and the place named, nothing written ----------------
"$np" - <<'P' || bad "NumPy could not write the bad orders"
import numpy as np
r = np.random.default_rng(5)
p, q = r.permutation(300), r.permutation(300)
pq = np.stack([p, q])
b = pq.copy(); b[1, 9] = b[1, 4]; np.savetxt("dup.txt", b, fmt="%d")   # line 2, 10th number
b = pq.copy(); b[0, 2] = 300; np.save("range.npy", b)
b = p.astype(np.int32); b[5] = -3; np.save("neg32.npy", b)
np.savetxt("short.txt", p[:-1], fmt="%d")
np.savetxt("three.txt", np.stack([p, q, p]), fmt="%d")
np.savetxt("float.txt", p)                                            # numpy.savetxt's default %.18e
np.save("float.npy", p.astype(np.float64))
np.save("fortran.npy", np.asfortranarray(pq))
np.save("rows.npy", pq.reshape(4, 150))
np.save("cube.npy", pq.reshape(2, 1, 300))
np.save("i16.npy", p.astype(np.int16))
open("cut.npy", "wb").write(open("range.npy", "rb").read()[:1000])
open("junk.txt", "w").write("0 1 2\n3 four 5\n")
P
bad_order() {  # CODE FILE PATTERN
  expect "$1" "$3" -- "$f3sim" train "${data[@]}" --epochs 2 --order "$2" --out x
}
bad_order 2 dup.txt "dup.txt:2:[0-9]+: index [0-9]+ appears twice in epoch 2's permutation \(as its samples 5 and 10\)"
bad_order 2 range.npy "range.npy: element 2: index 300 is outside the training set of 300 samples \(0 … 299\) \(epoch 1, sample 3\)"
bad_order 2 neg32.npy "neg32.npy: element 5: index -3 is outside the training set"
bad_order 2 short.txt "short.txt holds 299 indices; a training set of 300 samples needs 300 \(one permutation, used every epoch\) or 600"
bad_order 2 three.txt "three.txt:3:1: more indices than the run takes"
bad_order 2 float.txt "float.txt:1:1: '.*' is not an index .*fmt='%d'"
bad_order 2 junk.txt "junk.txt:2:3: 'four' is not an index"
bad_order 2 float.npy "float.npy holds floating-point values"
bad_order 2 fortran.npy "fortran.npy is in Fortran order"
bad_order 2 rows.npy "rows.npy: shape \(4, 150\): each row is one epoch's permutation of the 300 training samples"
bad_order 2 cube.npy "cube.npy: shape \(2, 1, 300\): an order is one dimension"
bad_order 2 i16.npy "i16.npy holds '<i2' values; f3sim reads little-endian integers"
bad_order 2 cut.npy "cut.npy: its shape \(2, 300\) needs 4800 bytes of data, the file holds"
bad_order 2 nothere.txt "--order nothere.txt: No such file"
mkdir -p adir
bad_order 1 adir "adir: not a regular file"
expect 2 "--order and --no-shuffle both set the sample order" -- "$f3sim" train "${data[@]}" --order p.txt --no-shuffle --out x
expect 2 "--save-steps 17: the run has 16 steps \(2 epochs of 8 batches of up to 40 samples\)" \
  -- "$f3sim" train "${data[@]}" --epochs 2 --save-steps 1,17 --out x
for l in 0 1,,3 10, ,5 x -3 "" 2.5; do
  expect 2 "--save-steps expects step numbers from 1 separated by commas" -- "$f3sim" train "${data[@]}" --save-steps "$l" --out x
done
expect 2 "--save-steps: at most 256 steps" -- "$f3sim" train "${data[@]}" --save-steps "$(seq -s, 1 257)" --out x
expect 2 "--save-init nodir/i.npz: the folder nodir does not exist" -- "$f3sim" train "${data[@]}" --save-init nodir/i.npz --out x
expect 2 "--save-init adir/: names a folder" -- "$f3sim" train "${data[@]}" --save-init adir/ --out x
expect 2 "--save-init with --resume" -- "$f3sim" train "${data[@]}" --save-init i.npz --resume res
[ ! -e x ] && [ ! -e i.npz ] && [ ! -e nodir ] && ok || bad "a refused option left files: $(ls -d x i.npz nodir 2> /dev/null)"

finish train_steps
