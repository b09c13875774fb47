#!/usr/bin/env bash
# The command line helps the user: a help page per command (what it does,
# every option the command takes, an example, the exit status), "did you
# mean" for a mistyped command or option (exit 2, nothing written),
# --version with the git commit, and verify --json agreeing with verify's
# tables.
#   cli_help.sh F3SIM SOURCE_DIR TMP_DIR
set -u
f3sim=$1 src=$2 tmp=$3/cli_help
rm -rf "$tmp" && mkdir -p "$tmp"
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.bash"

commands=(run check show keys sweep train formulas verify report compare)

# ---- a page per command --------------------------------------------------------------
for c in "${commands[@]}"; do
  "$f3sim" help "$c" >"$tmp/help-$c.txt" 2>"$tmp/help-$c.err"
  rc=$?
  [ "$rc" -eq 0 ] && ok || bad "f3sim help $c exited $rc"
  if [ -s "$tmp/help-$c.err" ]; then bad "f3sim help $c wrote to stderr: $(head -3 "$tmp/help-$c.err")"; else ok; fi
  # COMMAND --help and -h print the same page
  for flag in --help -h; do
    out=$("$f3sim" "$c" "$flag" 2>&1)
    rc=$?
    [ "$rc" -eq 0 ] && [ "$out" = "$(cat "$tmp/help-$c.txt")" ] && ok || bad "f3sim $c $flag (exit $rc) is not the page of f3sim help $c"
  done
done
# each page is its own
dups=$(md5sum "$tmp"/help-*.txt | awk '{print $1}' | sort | uniq -d)
[ -z "$dups" ] && ok || bad "two commands share a help page"
expect 0 'usage: f3sim <command>' -- "$f3sim" help
expect 0 'usage: f3sim <command>' -- "$f3sim" --help
expect 2 'usage: f3sim <command>' -- "$f3sim"
for c in "${commands[@]}"; do
  grep -qE "^  $c +[a-z]" <("$f3sim" --help) && ok || bad "f3sim --help does not list $c"
done

# Every page: usage, an example, the exit status; it names every option its
# command's getopt table holds (read from the sources), and every option it
# lists is one the command takes.
python3 - "$src" "$tmp" <<'PY' >"$tmp/pages.out"
import re, sys
src, tmp = sys.argv[1], sys.argv[2]

def tables(path):
    """Option names of the getopt tables in a source file."""
    text = open(f"{src}/{path}").read()
    names = []
    for t in re.findall(r"struct option \w+\[\] = \{(.*?)\{0, 0, 0, 0\}", text, re.S):
        names += re.findall(r'\{"([a-z0-9-]+)",\s*(?:no|required|optional)_argument', t)
    if not names:
        print(f"FAIL no getopt table found in {path}")
    return set(names)

page = {c: open(f"{tmp}/help-{c}.txt").read()
        for c in ("run", "check", "show", "keys", "sweep", "train", "formulas", "verify", "report", "compare")}
def named(text, opt):
    return re.search(r"--" + re.escape(opt) + r"(?![a-z0-9-])", text) is not None
def listed(text):
    """Options a page lists in its option lines (indented, starting with --)."""
    return set(re.findall(r"^ {2,}--([a-z0-9-]+)", text, re.M))

train = tables("sim/cli/f3sim.c")
netopts = tables("sim/cli/cmd_formulas.c")
scen = tables("sim/cli/cmd_scenario.c")
takes = {"train": train, "verify": netopts, "formulas": netopts - {"steps", "seed"},
         "report": tables("sim/cli/cmd_report.c"), "compare": tables("sim/cli/cmd_compare.c")}
for c in ("run", "check", "show", "keys", "sweep"):
    takes[c] = scen
# what each scenario command's page must name at least
must = {"run": {"set", "jobs", "point", "quiet", "help"}, "check": {"set", "help"}, "show": {"set", "help"},
        "keys": {"markdown", "help"}, "sweep": {"emit", "collect", "set", "help"}}
for c in ("train", "verify", "formulas", "report", "compare"):
    must[c] = takes[c]

for c, text in page.items():
    def check(cond, what):
        print(("ok " if cond else "FAIL ") + f"help {c}: {what}")
    check(text.startswith(f"usage: f3sim {c}"), "starts with its usage line")
    check(re.search(rf"^example: f3sim {c} ", text, re.M), "has an example of the command")
    check(re.search(r"^exit status: 0 ", text, re.M), "gives the exit status 0")
    check(re.search(r"\b2 (usage|invalid)", text), "gives the exit status 2 for usage errors")
    if c not in ("check", "show", "keys"):
        check(re.search(r"\b1 (runtime failure|a counter differs|a run failed)", text), "gives the exit status 1")
    for opt in sorted(must[c]):
        check(named(text, opt), f"names --{opt}")
    for opt in sorted(listed(text)):
        check(opt in takes[c], f"lists --{opt}, an option f3sim {c} takes")
# every option of the scenario commands is on one of their pages
for opt in sorted(scen):
    ok = any(named(page[c], opt) for c in ("run", "check", "show", "keys", "sweep"))
    print(("ok " if ok else "FAIL ") + f"the scenario commands' pages name --{opt}")
PY
while read -r verdict rest; do
  [ "$verdict" = ok ] && ok || bad "$rest"
done <"$tmp/pages.out"
[ -s "$tmp/pages.out" ] && ok || bad "the page checks printed nothing"

# ---- did you mean: unknown commands and options exit 2 and write nothing ---------------
mkdir -p "$tmp/cwd"
cd "$tmp/cwd" || exit 1
expect 2 "^f3sim: unknown command 'trian'; did you mean 'train'\?" -- "$f3sim" trian --epochs 1
expect 2 "unknown command 'verfy'; did you mean 'verify'\?" -- "$f3sim" verfy
expect 2 "unknown command 'chek'; did you mean 'check'\?" -- "$f3sim" chek x.yaml
expect 2 "unknown command 'formula'; did you mean 'formulas'\?" -- "$f3sim" formula
expect 2 "unknown command 'swep'; did you mean 'sweep'\?" -- "$f3sim" swep
expect 2 "Try 'f3sim --help'" -- "$f3sim" frobnicate
out=$("$f3sim" frobnicate 2>&1)
if grep -q "did you mean" <<<"$out"; then bad "a suggestion for 'frobnicate': $out"; else ok; fi
expect 2 "^f3sim help: unknown command 'trin'; did you mean 'train'\?" -- "$f3sim" help trin
expect 2 "unknown option '--verison'; did you mean '--version'\?" -- "$f3sim" --verison
expect 2 "unknown option '--hepl'; did you mean '--help'\?" -- "$f3sim" --hepl
expect 2 "unknown option '--dataset'; options come after the command" -- "$f3sim" --dataset mnist
# train
expect 2 "^f3sim train: unknown option '--lrr'; did you mean '--lr'\?" -- "$f3sim" train --lrr 1e-3
expect 2 "Try 'f3sim help train'" -- "$f3sim" train --lrr 1e-3
expect 2 "unknown option '--hiden'; did you mean '--hidden'\?" -- "$f3sim" train --hiden 100
expect 2 "unknown option '--batchsize'; did you mean '--batch-size'\?" -- "$f3sim" train --batchsize 10
expect 2 "unknown option '--epohcs=2'; did you mean '--epochs'\?" -- "$f3sim" train --epohcs=2
expect 2 "unknown option '--algoritm'; did you mean '--algorithm'\?" -- "$f3sim" train --algoritm bp
expect 2 "unknown option '-lr'; did you mean '--lr'\?" -- "$f3sim" train -lr 1e-3
expect 2 "ambiguous option '--data': did you mean one of --dataset, --data-dir, --data-path\?" -- "$f3sim" train --data x
expect 2 "option '--quiet' takes no value" -- "$f3sim" train --quiet=yes
expect 2 "unknown option '--frobnicate'" -- "$f3sim" train --frobnicate
out=$("$f3sim" train --frobnicate 2>&1)
if grep -q "did you mean" <<<"$out"; then bad "a suggestion for '--frobnicate': $out"; else ok; fi
# formulas and verify
for cmd in formulas verify; do
  expect 2 "^f3sim $cmd: unknown option '--widht'; did you mean '--widths'\?" -- "$f3sim" "$cmd" --widht 4,3
  expect 2 "unknown option '--optimiser'; did you mean '--optimizer'\?" -- "$f3sim" "$cmd" --optimiser adam
  expect 2 "Try 'f3sim help $cmd'" -- "$f3sim" "$cmd" --samles 5
done
expect 2 "unknown option '--sed'; did you mean '--seed'\?" -- "$f3sim" verify --sed 3
expect 2 "unknown option '--steps' \(it is an option of 'f3sim verify'\)" -- "$f3sim" formulas --steps 3
# nothing was written, nothing on stdout
[ -z "$(ls -A "$tmp/cwd")" ] && ok || bad "a usage error wrote files: $(ls -A "$tmp/cwd")"
out=$("$f3sim" train --lrr 1e-3 2>/dev/null)
[ -z "$out" ] && ok || bad "a usage error wrote to stdout: $out"
cd "$tmp" || exit 1

# ---- --version: the version and the git commit -------------------------------------------
expect 0 '^f3sim [0-9]+\.[0-9]+\.[0-9]+ \(commit [^ ()]+\)$' -- "$f3sim" --version
[ "$("$f3sim" version)" = "$("$f3sim" --version)" ] && ok || bad "f3sim version differs from f3sim --version"
# once the build passes the commit in (sim/CMakeLists.txt), from a git checkout
if grep -q F3SIM_GIT_COMMIT "$src/sim/CMakeLists.txt" 2>/dev/null && git -C "$src" rev-parse HEAD >/dev/null 2>&1; then
  expect 0 '^f3sim [0-9.]+ \(commit [0-9a-f]{7,40}(-dirty)?\)$' -- "$f3sim" --version
fi

# ---- verify --json: the tables' content, and the same exit status ---------------------------
# compare TEXT JSON: every row of verify's tables equals the JSON's counts
compare() {
  python3 - "$1" "$2" <<'PY' && ok || bad "verify --json disagrees with the tables ($1, $2)"
import json, re, sys
text, d = open(sys.argv[1]).read().splitlines(), json.load(open(sys.argv[2]))
fails = []
def num(s):
    s = s.replace(" ", "")
    return int(s)
def quad(c):
    return (c["fma"], c["elementwise_ops"], sum(c["reads"].values()), sum(c["writes"].values()))
algs, cur, rows_seen = d["algorithms"], None, 0
seen = {}
for line in text:
    m = re.match(r"== (\w+): ", line)
    if m:
        cur = algs[m.group(1)]
        seen[m.group(1)] = set()
        continue
    if cur is None or len(line) < 20:
        continue
    layer, phase = line[2:7].strip(), line[8:17].strip()
    if (layer.isdigit() or layer == "all") and phase in ("forward", "feedback", "gradient", "update", "loss", "total"):
        pos, vals = 18, []
        for w in (15, 15, 13, 13, 13, 13, 13, 13):
            vals.append(num(line[pos:pos + w]))
            pos += w + 1
        verdict = line[pos + 1:].split()[0]
        cell = cur["all"][phase] if layer == "all" else cur["layers"][int(layer) - 1]["phases"][phase]
        if layer != "all" and cur["layers"][int(layer) - 1]["layer"] != int(layer):
            fails.append(f"layer numbering at {layer}")
        f, c = quad(cell["predicted"]), quad(cell["counted"])
        if tuple(vals[0::2]) != f or tuple(vals[1::2]) != c:
            fails.append(f"{layer} {phase}: table {vals}, json predicted {f} counted {c}")
        if (verdict == "ok") != cell["equal"]:
            fails.append(f"{layer} {phase}: verdict {verdict}, json equal {cell['equal']}")
        seen[list(seen)[-1]].add((layer, phase))
        rows_seen += 1
        continue
    label = line[2:48].strip()
    checks = {v["what"]: v for sec in ("memory", "appendix_a") if cur.get(sec) for v in cur[sec].values()}
    if label in checks and len(line) > 80:
        v = checks[label]
        if (num(line[49:64]), num(line[65:80])) != (v["predicted"], v["counted"]) or \
           (line[80:].split()[0] == "ok") != v["equal"]:
            fails.append(f"{label}: table {line[49:].split()}, json {v}")
        checks.pop(label)
        rows_seen += 1
    m = re.match(r"  verdict: (.*)", line)
    if m and (m.group(1) == "all counters match") != cur["equal"]:
        fails.append(f"verdict {m.group(1)}, json equal {cur['equal']}")
# the rows the table leaves out are zero on both sides
for a, got in seen.items():
    for L in algs[a]["layers"]:
        for p, cell in L["phases"].items():
            if (str(L["layer"]), p) not in got and (any(quad(cell["predicted"])) or any(quad(cell["counted"]))):
                fails.append(f"{a} layer {L['layer']} {p}: not in the table but not zero")
if set(seen) != set(algs):
    fails.append(f"algorithms: table {sorted(seen)}, json {sorted(algs)}")
if d["equal"] != all(a["equal"] for a in algs.values()) or d["mismatches"] != sum(a["mismatches"] for a in algs.values()):
    fails.append("the overall verdict is not that of the algorithms")
if rows_seen < 10:
    fails.append(f"only {rows_seen} rows compared")
for f in fails:
    print("  " + f)
sys.exit(1 if fails else 0)
PY
}

i=0
for args in "--widths 13,21,8,5 --bias --batch 6 --samples 15 --steps 5" \
            "--widths 13,21,8,5 --samples 50" \
            "--widths 9,31,17,7 --activation sigmoid --one-hot --error-info delayed_loss --batch 3 --samples 7 --steps 6 --algorithm f3,bp" \
            "--widths 9,12,7 --bias --optimizer adam --loss softmax_ce --batch 4 --samples 10"; do
  i=$((i + 1))
  # shellcheck disable=SC2086
  "$f3sim" verify $args >"$tmp/v$i.txt" 2>"$tmp/v$i.txt.err"
  rc_text=$?
  # shellcheck disable=SC2086
  "$f3sim" verify $args --json >"$tmp/v$i.json" 2>"$tmp/v$i.json.err"
  rc_json=$?
  [ "$rc_text" -eq 0 ] && [ "$rc_json" -eq 0 ] && ok || bad "verify $args: exit $rc_text (table), $rc_json (--json)"
  if [ -s "$tmp/v$i.json.err" ]; then bad "verify --json $args wrote to stderr: $(head -3 "$tmp/v$i.json.err")"; else ok; fi
  json "$tmp/v$i.json" "d['equal'] is True and d['mismatches'] == 0" | grep -qx True && ok || bad "verify --json $args: not equal"
  compare "$tmp/v$i.txt" "$tmp/v$i.json"
done
json "$tmp/v1.json" "list(d['algorithms']) == ['bp', 'f3', 'dfa', 'drtp', 'llo'] and d['network']['widths'] == [13, 21, 8, 5] and d['steps'] == 5" \
  | grep -qx True && ok || bad "verify --json: algorithms, widths or steps wrong"
json "$tmp/v2.json" "d['algorithms']['bp']['appendix_a']['eq14_forward']['equal'] and d['algorithms']['llo']['appendix_a'] is None" \
  | grep -qx True && ok || bad "verify --json: appendix_a wrong"
json "$tmp/v3.json" "list(d['algorithms']) == ['f3', 'bp']" | grep -qx True && ok || bad "verify --json --algorithm f3,bp"

# a mismatch: exit 1 in both forms, the JSON whole and saying where
F3SIM_VERIFY_PERTURB=1 "$f3sim" verify --widths 5,4,3 --algorithm bp,f3 >"$tmp/p.txt" 2>/dev/null
rc_text=$?
F3SIM_VERIFY_PERTURB=1 "$f3sim" verify --widths 5,4,3 --algorithm bp,f3 --json >"$tmp/p.json" 2>"$tmp/p.err"
rc_json=$?
[ "$rc_text" -eq 1 ] && [ "$rc_json" -eq 1 ] && ok || bad "a mismatch exits $rc_text (table), $rc_json (--json), not 1"
grep -q "counters differ from the closed forms" "$tmp/p.err" && ok || bad "verify --json: no mismatch message on stderr"
json "$tmp/p.json" "(not d['equal'], d['mismatches'] > 0, [a['layers'][0]['phases']['forward']['equal'] for a in d['algorithms'].values()], d['algorithms']['bp']['layers'][0]['phases']['forward']['counted']['fma'] - d['algorithms']['bp']['layers'][0]['phases']['forward']['predicted']['fma'], d['algorithms']['bp']['first_difference'] is not None)" \
  | grep -qx "(True, True, \[False, False\], 1, True)" && ok || bad "verify --json of a mismatch: $(json "$tmp/p.json" "d['mismatches']")"
compare "$tmp/p.txt" "$tmp/p.json"
# usage errors: exit 2 and no JSON
for args in "--widths 100" "--batch 0" "--frobnicate" "--loss bce --output-activation identity"; do
  # shellcheck disable=SC2086
  out=$("$f3sim" verify --json $args 2>/dev/null)
  rc=$?
  [ "$rc" -eq 2 ] && [ -z "$out" ] && ok || bad "verify --json $args: exit $rc, stdout '${out:0:80}'"
done
# formulas --json is unchanged
"$f3sim" formulas --json >"$tmp/f.json" && json "$tmp/f.json" "d['fma']['bp']['total']" | grep -qx 5480000000 && ok || bad "formulas --json"

finish cli_help
