#!/usr/bin/env bash
# The documents are true: every command block of README.md and docs/*.md
# that is marked runnable runs and exits as the document says, and every
# quoted output that is marked is what the program prints.
#   docs_commands.sh F3SIM SOURCE_DIR TMP_DIR
#
# The convention (tests/integration/lib/doc_blocks.py has the details): an
# HTML comment on the line right before a fenced block marks it.
#   <!-- runnable -->            run every command of the block; each exits 0
#   <!-- runnable: exit=N -->    ... each exits N
#   <!-- file: NAME -->          write the block to NAME (a scenario the
#                                following blocks use)
#   <!-- scenario -->            the block is a scenario that f3sim check accepts
#   <!-- output-of: COMMAND -->  the block is what COMMAND prints on stdout
#                                (host wall times -- `[s]` columns and the
#                                host's `[samples/s]` beside them -- masked,
#                                blanks collapsed, the work folder written .)
#   <!-- not-checked: REASON --> a quoted output left alone, with the reason
# Mark only what takes seconds: the whole test must stay within a few
# minutes on a loaded 2-core machine.  The blocks of one document run in
# order in one work folder that links the source tree's top-level entries
# (scenarios/, data/, tests/, ...) and holds build/f3sim -> F3SIM, so the
# documents' `build/f3sim ...` runs the binary under test and their results/
# are written into the work folder, never into the source tree.
set -u
f3sim=$1 src=$2 tmp=$3/docs_commands
rm -rf "$tmp" && mkdir -p "$tmp"
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.bash"
blocks="$(dirname "${BASH_SOURCE[0]}")/lib/doc_blocks.py"
export OPENBLAS_NUM_THREADS=1

docs=("$src/README.md" "$src"/docs/*.md)

# a work folder per document: the source tree's entries, and build/f3sim
workdir() {
  local w=$tmp/work-$1 e
  mkdir -p "$w/build"
  for e in "$src"/*; do
    case $(basename "$e") in build | results) ;; *) ln -s "$e" "$w/$(basename "$e")" ;; esac
  done
  ln -s "$f3sim" "$w/build/f3sim"
  echo "$w"
}

marked=0
for d in "${docs[@]}"; do
  name=$(basename "$d" .md)
  n=$(python3 "$blocks" list "$d" | grep -c .)
  marked=$((marked + n))
  [ "$n" -eq 0 ] && continue
  w=$(workdir "$name")
  out=$(python3 "$blocks" run "$d" "$w" 2>&1)
  rc=$?
  echo "$out" | tail -1
  if [ "$rc" -eq 0 ]; then ok; else bad "$(basename "$d"):"$'\n'"$(grep -v "^$name" <<<"$out" | head -60)"; fi
done

# the convention is in use: README's and scenarios.md's examples are checked
grep -q '<!-- runnable' "$src/README.md" && ok || bad "README.md has no runnable block"
grep -q '<!-- output-of:' "$src/docs/scenarios.md" && ok || bad "docs/scenarios.md quotes no checked output"
[ "$marked" -ge 10 ] && ok || bad "only $marked marked blocks in the documents"

# the marker parser itself: a document with a wrong quote, a failing
# command and a wrong exit status fails, each named with its line
fake=$tmp/fake.md
cat >"$fake" <<'EOF'
# fake
<!-- runnable -->
```
build/f3sim --version
```
<!-- output-of: build/f3sim keys | head -1 -->
```
this is not what keys prints
```
<!-- runnable: exit=2 -->
```
build/f3sim no-such-command
```
<!-- runnable -->
```
build/f3sim check no-such-file.yaml
```
<!-- runnable -->
```python
import sys; sys.exit(3)
```
<!-- scenario -->
```yaml
training: {lrr: 1}
```
EOF
w=$(workdir fake)
out=$(python3 "$blocks" run "$fake" "$w" 2>&1)
rc=$?
[ "$rc" -eq 1 ] && ok || bad "a fake document with two wrong blocks passed (exit $rc)"
grep -q 'fake.md:6: the block at line 7' <<<"$out" && ok || bad "a wrong quoted output is not named: $out"
grep -q 'fake.md:14: `build/f3sim check no-such-file.yaml` exited 2' <<<"$out" && ok || bad "a failing command is not named: $out"
grep -q 'fake.md:2:\|fake.md:10:' <<<"$out" && bad "a passing block failed: $out" || ok
grep -q 'fake.md:18: the python block exited 3' <<<"$out" && ok || bad "a failing python block is not named: $out"
grep -q "fake.md:22: .f3sim check. refuses the scenario (exit 2): .*unknown key 'lrr'" <<<"$out" && ok || bad "a wrong scenario is not named: $out"

# the masking: the host's seconds and throughput, never the chip's
python3 - "$blocks" <<'EOF' && ok || bad "doc_blocks.py masks the wrong columns"
import importlib.util, sys
spec = importlib.util.spec_from_file_location("b", sys.argv[1]); b = importlib.util.module_from_spec(spec); spec.loader.exec_module(b)
host = "x     train  throughput\n      [s] [samples/s]\nf3   0.79       38063\n"
chip = "x  cycles  throughput\n [/sample] [samples/s]\nf3  77701    12870\n"
assert b.masked(host, "/w") == ["x train throughput", "[s] [samples/s]", "f3 ~ ~"], b.masked(host, "/w")
assert b.masked(chip, "/w") == ["x cycles throughput", "[/sample] [samples/s]", "f3 77701 12870"], b.masked(chip, "/w")
EOF

finish docs_commands
