#!/usr/bin/env bash
# f3sim check (and show) validate a scenario's explore section exactly as
# f3sim explore does before it runs anything: for each broken section both
# exit 2 with the same file:line:col message (the command name aside); a
# valid section (scenarios/explore/design-space.yaml) still passes check.
#   check_explore.sh F3SIM SOURCE_DIR TMP_DIR
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/lib/common.bash"
f3sim=$1 src=$(cd "$2" && pwd) tmp=$(mkdir -p "$3" && cd "$3" && pwd)/check_explore
rm -rf "$tmp" && mkdir -p "$tmp" && cd "$tmp" || exit 1

head='name: ce
network: {hidden: [8]}
dataset: {name: mnist}
training: {epochs: 1}
hardware:
  tile: {mac_lanes: 16}
'
# name|explore section
cases=(
'unknown_key|explore:
  space: {hardware.tile.mac_lanes: [4, 8]}
  colour: blue'
'bad_range|explore:
  space: {hardware.tile.mac_lanes: {from: 64, to: 4, step: 4}}'
'not_hardware|explore:
  space: {training.lr: [0.1, 0.01]}'
'unknown_hw_key|explore:
  space: {hardware.tile.no_such_key: [1, 2]}'
'bad_objective|explore:
  space: {hardware.tile.mac_lanes: [4, 8]}
  objectives: [speed]'
'bad_method|explore:
  method: bogus
  space: {hardware.tile.mac_lanes: [4, 8]}'
'samples_without_method|explore:
  method: lhs
  space: {hardware.tile.mac_lanes: [4, 8]}'
'no_space|explore:
  seed: 3'
'not_mapping|explore: 7'
'zip_lengths|explore:
  zip: {hardware.tile.mac_lanes: [4, 8], hardware.tile.sram.capacity_kib: [256, 512, 1024]}'
)
for c in "${cases[@]}"; do
  name=${c%%|*}
  printf '%s%s\n' "$head" "${c#*|}" > "$name.yaml"
  "$f3sim" explore "$name.yaml" > /dev/null 2> "$name.explore.err"
  erc=$?
  "$f3sim" check "$name.yaml" > /dev/null 2> "$name.check.err"
  crc=$?
  "$f3sim" show "$name.yaml" > /dev/null 2> "$name.show.err"
  src_=$?
  e=$(head -1 "$name.explore.err" | sed 's/^f3sim explore: //')
  k=$(head -1 "$name.check.err" | sed 's/^f3sim check: //')
  s=$(head -1 "$name.show.err" | sed 's/^f3sim show: //')
  [ $erc = 2 ] && ok || bad "$name: explore exited $erc, not 2: $(cat "$name.explore.err")"
  [ $crc = 2 ] && ok || bad "$name: check exited $crc, not 2: $(cat "$name.check.err")"
  [ $src_ = 2 ] && ok || bad "$name: show exited $src_, not 2"
  [[ $e == "$name.yaml:"[0-9]*:[0-9]*": "* ]] && ok || bad "$name: explore's message has no file:line:col: $e"
  [ -n "$e" ] && [ "$e" = "$k" ] && ok || bad "$name: check says '$k', explore says '$e'"
  [ "$e" = "$s" ] && ok || bad "$name: show says '$s', explore says '$e'"
done

# the valid explore section passes check and show
expect 0 "design-space.yaml: ok" -- "$f3sim" check "$src/scenarios/explore/design-space.yaml"
expect 0 "name: .?design-space" -- "$f3sim" show "$src/scenarios/explore/design-space.yaml"

finish check_explore
