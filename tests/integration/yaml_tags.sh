#!/usr/bin/env bash
# YAML tags in scenarios (issue 21): the standard tags that agree with a
# key's type are read as the value they tag (checked through `f3sim show`);
# !!str on a numeric or boolean key is a type error, and any other tag
# (!!python/object, !!binary, custom !foo, !!map on a value) is an error, at
# file:line:column with exit 2, in the file, in a sweep and in --set.  The
# broken/tag-*.yaml cases run in cli_scenarios.sh as well.
#   yaml_tags.sh F3SIM SOURCE_DIR TMP_DIR
set -u
f3sim=$1 src=$2 tmp=$3/yaml_tags
rm -rf "$tmp" && mkdir -p "$tmp"
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.bash"
cd "$tmp" || exit 1
# expect_fixed CODE STRING -- command...: expect with a fixed string
expect_fixed() {
  local code=$1 str=$2; shift 3
  local out rc
  out=$("$@" 2>&1); rc=$?
  if [ "$rc" -ne "$code" ]; then bad "exit $rc (wanted $code): $*"$'\n'"$out"; return; fi
  if ! grep -qF -- "$str" <<<"$out"; then bad "no '$str' in output of: $*"$'\n'"$out"; return; fi
  ok
}
TAGS='only the standard tags !!str, !!int, !!float, !!bool, !!null, !!seq and !!map'

# ---- accepted: tags that agree with the key's type --------------------------
cat > good.yaml <<'EOF2'
name: !!str tagged
network: !!map
  hidden: !!seq [!!int 12, 7]
  activation: !!str relu
  bias: !!bool false
dataset: {name: mnist}
training:
  algorithm: f3
  lr: !!float 2e-3
  epochs: !!int 3
  batch_size: !!int "20"
EOF2
expect 0 "good.yaml: ok — scenario 'tagged'" -- "$f3sim" check good.yaml
out=$("$f3sim" show good.yaml 2>&1)
for want in '^  hidden: \[12, 7\]' '^  activation: relu$' '^  bias: false$' '^  lr: 2e-3$' '^  epochs: 3 ' \
            '^  batch_size: 20 ' '^name: "tagged"$'; do
  grep -qE -- "$want" <<<"$out" && ok || bad "show good.yaml: no '$want' in"$'\n'"$out"
done
# an !!int on a float key is a number; !!str on a name is the name
expect 0 "ok — scenario" -- "$f3sim" check good.yaml --set 'training.lr=!!int 1' --set 'network.activation=!!str tanh'
expect 0 '^  lr: 1$' -- "$f3sim" show good.yaml --set 'training.lr=!!int 1'
# the same keys without tags read the same
sed 's/!![a-z]* *//g; s/"20"/20/' good.yaml > plain.yaml
diff <("$f3sim" show good.yaml | tail -n +2) <("$f3sim" show plain.yaml | tail -n +2) >/dev/null \
  && ok || bad "good.yaml and plain.yaml (its tags removed) resolve differently"

# ---- rejected in the file: exit 2, file:line:column --------------------------
# case VALUE-OF-training.lr EXPECTED-MESSAGE (lr stands at line 4, column 7)
lr_case() {
  printf 'network: {hidden: [12]}\ndataset: {name: mnist}\ntraining:\n  lr: %s\n' "$1" > lr.yaml
  expect_fixed 2 "lr.yaml:4:7: $2" -- "$f3sim" check lr.yaml
  expect_fixed 2 "lr.yaml:4:7: $2" -- "$f3sim" run lr.yaml
}
lr_case '!!str 1e-3' 'training.lr: expected a number, got the string "1e-3" (tagged !!str)'
lr_case '! 1e-3' 'training.lr: expected a number, got the string "1e-3" (tagged !!str)'
lr_case '!<tag:yaml.org,2002:str> 1e-3' 'training.lr: expected a number, got the string "1e-3" (tagged !!str)'
lr_case '!!python/object 1e-3' "unsupported YAML tag '!!python/object': scenarios take $TAGS"
lr_case '!!python/object/apply:os.system ["true"]' "unsupported YAML tag '!!python/object/apply:os.system'"
lr_case '!foo 1e-3' "unsupported YAML tag '!foo': scenarios take $TAGS"
lr_case '!!binary 1e-3' "unsupported YAML tag '!!binary'"
lr_case '!!timestamp 2001-12-14' "unsupported YAML tag '!!timestamp'"
lr_case '!!map 1e-3' 'the YAML tag !!map does not fit a single value'
lr_case '!!seq {a: 1}' 'the YAML tag !!seq does not fit a mapping'
lr_case '!!bool true' "training.lr: expected a number, got 'true' tagged !!bool"
lr_case '!!int 1.5' "training.lr: '1.5' is not an integer, as its tag !!int says"
lr_case '!!float abc' "training.lr: 'abc' is not a number, as its tag !!float says"
# a tag on a key of its own, on a section, in a list
printf 'network: {hidden: [12]}\ndataset: {name: mnist}\ntraining:\n  epochs: !!str 3\n' > t.yaml
expect_fixed 2 't.yaml:4:11: training.epochs: expected an integer, got the string "3" (tagged !!str)' -- "$f3sim" check t.yaml
printf 'network: {hidden: [12], bias: !!str false}\ndataset: {name: mnist}\n' > t.yaml
expect_fixed 2 't.yaml:1:31: network.bias: expected true or false, got the string "false" (tagged !!str)' -- "$f3sim" check t.yaml
printf 'network: {hidden: [12, !!str 7]}\ndataset: {name: mnist}\n' > t.yaml
expect_fixed 2 't.yaml:1:24: network.hidden: expected an integer, got the string "7" (tagged !!str)' -- "$f3sim" check t.yaml
printf 'network: {hidden: [12], activation: !!int 3}\ndataset: {name: mnist}\n' > t.yaml
expect_fixed 2 "t.yaml:1:37: network.activation: expected a name, got '3' tagged !!int" -- "$f3sim" check t.yaml
printf 'network: {hidden: [12]}\ndataset: !data {name: mnist}\n' > t.yaml
expect_fixed 2 "t.yaml:2:10: unsupported YAML tag '!data'" -- "$f3sim" check t.yaml
printf 'network: {hidden: [12]}\ndataset: {name: mnist}\nexplore:\n  x: !custom 1\n' > t.yaml
expect_fixed 2 "t.yaml:4:6: unsupported YAML tag '!custom'" -- "$f3sim" check t.yaml
printf 'network: {hidden: [12]}\ndataset: {name: mnist}\nsweep:\n  training.epochs: [1, !!str 2]\n' > t.yaml
expect_fixed 2 't.yaml:4:24: training.epochs: expected an integer, got the string "2" (tagged !!str)' -- "$f3sim" check t.yaml
printf 'network: {hidden: [12]}\ndataset: {name: mnist}\nsweep:\n  training.epochs: !!set {1, 2}\n' > t.yaml
expect_fixed 2 "t.yaml:4:20: unsupported YAML tag '!!set'" -- "$f3sim" check t.yaml

# ---- rejected in --set: the column counts from the start of the --set --------
expect_fixed 2 '--set[1]:1:13: training.lr: expected a number, got the string "1e-3" (tagged !!str)' -- \
  "$f3sim" check good.yaml --set 'training.lr=!!str 1e-3'
expect_fixed 2 "--set[2]:1:13: unsupported YAML tag '!x': scenarios take $TAGS" -- \
  "$f3sim" check good.yaml --set training.epochs=2 --set 'training.lr=!x 1e-3'
expect_fixed 2 '--set[1]:1:20: network.hidden: expected an integer, got the string "4" (tagged !!str)' -- \
  "$f3sim" check good.yaml --set 'network.hidden=[3, !!str 4]'
ls | grep -qv '\.yaml$' && bad "a rejected scenario wrote: $(ls | grep -v '\.yaml$')" || ok
finish yaml_tags
