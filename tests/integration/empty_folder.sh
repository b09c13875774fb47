#!/usr/bin/env bash
# A usage error (exit 2) found only once the data are loaded — a batch
# larger than the training set — leaves no folder behind (issue 21 item 2):
# f3sim run made outputs.folder and the scenario's folder before its rules
# loaded the data, and used to leave outputs.folder (and every folder above
# it that it had made) empty.  A folder that was there before stays, with
# what it held; a refused resume (exit 2) keeps the run's folder and its
# checkpoint; a valid run still writes its folder.
#   empty_folder.sh F3SIM SOURCE_DIR TMP_DIR
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/lib/common.bash"
f3sim=$1 tmp=$(mkdir -p "$3" && cd "$3" && pwd)/empty_folder
rm -rf "$tmp" && mkdir -p "$tmp" && cd "$tmp" || exit 1
python3 "$here/lib/make_csv.py" . 4 200 60
big=(--set training.batch_size=500) # 200 training samples
cat > s.yaml <<EOF
name: tiny
network: {hidden: [8]}
dataset: {name: csv, path: $tmp/train.csv, test_path: $tmp/test.csv, classes: 3}
training: {compare: [f3, bp], epochs: 1, batch_size: 20, lr: 1e-3, threads: 1}
outputs: {folder: $tmp/new/deeper}
EOF

# f3sim run: outputs.folder and its parent are new: neither is left
expect 2 "batch size 500 is larger than the training set" -- "$f3sim" run s.yaml --quiet "${big[@]}"
[ ! -e new ] && ok || bad "exit 2 left $(find new | tr '\n' ' ')"
# ... a sweep's too
{ cat s.yaml; echo "sweep: {training.lr: [1e-3, 2e-3]}"; } > w.yaml
expect 2 "batch size 500 is larger than the training set" -- "$f3sim" run w.yaml --quiet "${big[@]}"
[ ! -e new ] && ok || bad "exit 2 of a sweep left $(find new | tr '\n' ' ')"

# outputs.folder was there (with a file of the user's): it stays as it was
mkdir -p mine && echo keep > mine/notes.txt
expect 2 "batch size 500 is larger than the training set" -- "$f3sim" run s.yaml --quiet "${big[@]}" \
  --set "outputs.folder=$tmp/mine"
[ "$(ls mine)" = notes.txt ] && [ "$(cat mine/notes.txt)" = keep ] && ok || bad "mine/ changed: $(ls mine)"

# f3sim train: the same error leaves no --out folder (nor its new parents)
data=(--dataset csv --data-path train.csv --test-path test.csv --classes 3 --hidden 8 --epochs 1 --threads 1 --quiet)
expect 2 "batch size 500 is larger than the training set" -- "$f3sim" train "${data[@]}" --batch-size 500 \
  --out "$tmp/t/deep/run"
[ ! -e t ] && ok || bad "train's exit 2 left $(find t | tr '\n' ' ')"

# a resume refused for another configuration (exit 2): the folder was there,
# it keeps its checkpoint
expect 0 "" -- "$f3sim" train "${data[@]}" --batch-size 20 --checkpoint-every 1 --out "$tmp/ck"
expect 2 "another configuration" -- "$f3sim" train "${data[@]}" --batch-size 20 --lr 2e-3 --resume "$tmp/ck"
[ -f ck/checkpoint.npz ] && [ -f ck/run.json ] && ok || bad "the refused resume removed ck/'s files: $(ls ck)"

# a valid run still writes its folder
expect 0 "" -- "$f3sim" run s.yaml --quiet
[ -f new/deeper/tiny/f3/run.json ] && [ -f new/deeper/tiny/compare.csv ] && ok || bad "the valid run wrote no results"

finish empty_folder
