#!/usr/bin/env bash
# The layout of f3sim's command line (issue 21 item 2, docs/architecture.md
# "Layout"): sim/cli (parsing and the commands) uses sim/run (runs), which
# uses sim/io (formats, result folders); no header of a layer above is
# included below it, and sim/chip, sim/scenario and model/ include none of
# the three.  Under sim/ no file is longer than 900 lines and no function
# longer than 120 (tests/integration/lib/code_layout.py), tables of data
# excepted.
#   code_layout.sh F3SIM SOURCE_DIR TMP_DIR
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/lib/common.bash"
src=$2

headers() { (cd "$src/sim/$1" && ls *.h) | tr '\n' '|' | sed 's/|$//'; }
cli=$(headers cli) run=$(headers run) io=$(headers io)
[ -n "$cli" ] && [ -n "$run" ] && [ -n "$io" ] && ok || bad "sim/cli, sim/run or sim/io holds no header"

# includes only point down
check_includes() { # WHAT FILES... : none of FILES includes a header of PATTERN
  local what=$1 pat=$2; shift 2
  local hits
  hits=$(grep -nE "#include \"($pat)\"" "$@" 2> /dev/null)
  [ -z "$hits" ] && ok || bad "$what:"$'\n'"$hits"
}
check_includes "sim/run includes a header of sim/cli" "$cli" "$src"/sim/run/*.[ch]
check_includes "sim/io includes a header of sim/cli or sim/run" "$cli|$run" "$src"/sim/io/*.[ch]
check_includes "sim/chip, sim/scenario or model/ include a header of sim/cli, sim/run or sim/io" "$cli|$run|$io" \
  "$src"/sim/chip/* "$src"/sim/scenario/* $(find "$src/model" -name '*.[ch]')
# a header's name is unique across the three (they share one include path)
dups=$(printf '%s\n' "$cli" "$run" "$io" | tr '|' '\n' | sort | uniq -d)
[ -z "$dups" ] && ok || bad "a header name in two layers: $dups"

# the limits, over all of sim/
out=$(python3 "$src/tests/integration/lib/code_layout.py" "$src" 2>&1 | grep -E '^sim/')
[ -z "$out" ] && ok || bad "layout limits broken:"$'\n'"$out"
# the checker itself sees a breach (it is not silently passing)
mkdir -p "$3/code_layout/sim/cli" && rm -f "$3/code_layout/sim/cli/"*
{ echo "int f(void)"; echo "{"; for i in $(seq 130); do echo "    (void)$i;"; done; echo "    return 0;"; echo "}"; } \
  > "$3/code_layout/sim/cli/long.c"
python3 "$src/tests/integration/lib/code_layout.py" "$3/code_layout" 2>&1 | grep -q "function f is 134 lines" \
  && ok || bad "the checker does not see a 134-line function"

finish code_layout
