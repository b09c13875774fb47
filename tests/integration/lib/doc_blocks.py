#!/usr/bin/env python3
"""The marked code blocks of README.md and docs/*.md, run and compared with
what the program prints (for tests/integration/docs_commands.sh; not a test
itself).

usage:
  doc_blocks.py list DOC...
      one line per marked block: DOC:LINE KIND ARGUMENT (tab-separated)
  doc_blocks.py run DOC WORKDIR
      runs DOC's marked blocks in order in WORKDIR (build/f3sim there is the
      binary under test); prints one line per failure, exits 1 if any

The markers (an HTML comment on the line right before a fenced block; the
rendered document does not show it):

  <!-- runnable -->            every command of the block runs (bash, in the
                               document's work folder, `\\` continuations
                               joined); each must exit 0.  A ```python block
                               runs whole, by python3
  <!-- runnable: exit=N -->    ... each must exit N
  <!-- file: NAME -->          the block is written to NAME in the work
                               folder (a scenario the next blocks run)
  <!-- scenario -->            the block is a scenario (or a part of one:
                               the rest takes its defaults) that
                               `build/f3sim check` accepts
  <!-- output-of: COMMAND -->  COMMAND runs (bash, in the work folder) and
                               its stdout must be the block, normalised
  <!-- not-checked: REASON --> a quoted output or command the test leaves
                               alone (too slow, needs data a fresh clone
                               lacks, ...); the reason is said there

Normalisation of a quoted output: trailing blanks and leading and trailing
empty lines dropped, runs of blanks made one, the work folder's path
written `.`; and in the fixed-width tables, the host's wall time: a column
whose unit row says `[s]`, and `[samples/s]` in a unit row that has a
`[s]` column (the host's throughput beside its seconds; the chip's
simulated `[samples/s]` stays checked), is masked in the rows below that
unit row, up to the next empty line or unit row.  A block is only run
when it is marked: an unmarked block is prose.
"""
import os
import re
import subprocess
import sys

MARK = re.compile(r"^<!--\s*(runnable|file|scenario|output-of|not-checked)\s*(?::\s*(.*?))?\s*-->\s*$")
FENCE = re.compile(r"^(\s*)(```+|~~~+)(.*)$")
TIMEOUT = 300


def blocks(doc):
    """(line of the marker, kind, argument, block text, line of the block,
    the fence's info string)"""
    lines = open(doc, encoding="utf-8").read().split("\n")
    out = []
    i = 0
    while i < len(lines):
        m = MARK.match(lines[i])
        if m and i + 1 < len(lines) and FENCE.match(lines[i + 1]):
            kind, arg = m.group(1), (m.group(2) or "")
            f = FENCE.match(lines[i + 1])
            indent, fence = f.group(1), f.group(2)
            body = []
            j = i + 2
            while j < len(lines) and not lines[j].strip().startswith(fence):
                body.append(lines[j][len(indent):] if lines[j].startswith(indent) else lines[j])
                j += 1
            if j == len(lines):
                raise SystemExit(f"{doc}:{i + 2}: a fenced block that is not closed")
            out.append((i + 1, kind, arg, "\n".join(body) + "\n", i + 2, f.group(3).strip()))
            i = j + 1
            continue
        if m:
            raise SystemExit(f"{doc}:{i + 1}: a '{m.group(1)}' marker not followed by a fenced block")
        i += 1
    return out


UNIT_TOKEN = re.compile(r"^\[[^\]]*\]$")


def masked(text, workdir):
    text = text.replace(os.path.realpath(workdir) + "/", "./").replace(workdir + "/", "./")
    rows = [ln.rstrip() for ln in text.split("\n")]
    while rows and not rows[0]:
        rows.pop(0)
    while rows and not rows[-1]:
        rows.pop()
    out = []
    ends = set()
    for ln in rows:
        toks = [(m.group(0), m.end()) for m in re.finditer(r"\S+", ln)]
        if toks and all(UNIT_TOKEN.match(t) for t, _ in toks):
            units = {t for t, _ in toks}
            ends = {e for t, e in toks if t == "[s]" or (t == "[samples/s]" and "[s]" in units)}
            out.append(" ".join(t for t, _ in toks))
            continue
        if not ln:
            ends = set()
        out.append(" ".join("~" if e in ends else t for t, e in toks))
    return out


def run_commands(text, workdir, want_exit):
    """each command of the block in turn; the failures"""
    cmds = []
    cur = ""
    for ln in text.split("\n"):
        if not cur and (not ln.strip() or ln.lstrip().startswith("#")):
            continue
        stripped = ln
        if stripped.rstrip().endswith("\\"):
            cur += stripped.rstrip()[:-1] + " "
            continue
        cur += stripped
        cmds.append(cur.strip())
        cur = ""
    if cur.strip():
        cmds.append(cur.strip())
    bad = []
    for c in cmds:
        try:
            p = subprocess.run(["bash", "-c", c], cwd=workdir, capture_output=True, text=True, timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            bad.append(f"`{c}` took more than {TIMEOUT} s")
            continue
        if p.returncode != want_exit:
            tail = "\n    ".join((p.stderr or p.stdout).strip().split("\n")[-5:])
            bad.append(f"`{c}` exited {p.returncode} (wanted {want_exit}):\n    {tail}")
    return len(cmds), bad


def run_python(text, workdir, want_exit):
    """a ```python block: the whole block, by python3"""
    try:
        p = subprocess.run(["python3", "-"], input=text, cwd=workdir, capture_output=True, text=True,
                           timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return 1, [f"the python block took more than {TIMEOUT} s"]
    if p.returncode != want_exit:
        tail = "\n    ".join((p.stderr or p.stdout).strip().split("\n")[-5:])
        return 1, [f"the python block exited {p.returncode} (wanted {want_exit}):\n    {tail}"]
    return 1, []


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "list":
        for doc in sys.argv[2:]:
            for line, kind, arg, *_ in blocks(doc):
                print(f"{doc}:{line}\t{kind}\t{arg}")
        return 0
    if len(sys.argv) != 4 or sys.argv[1] != "run":
        print(__doc__, file=sys.stderr)
        return 2
    doc, workdir = sys.argv[2], sys.argv[3]
    name = os.path.relpath(doc, os.path.dirname(os.path.dirname(os.path.abspath(doc))))
    if not name.startswith("docs/"):
        name = os.path.basename(doc)
    fails = 0
    counts = {"runnable": 0, "file": 0, "scenario": 0, "output-of": 0, "not-checked": 0}
    for line, kind, arg, text, bline, info in blocks(doc):
        where = f"{name}:{line}"
        counts[kind] += 1
        if kind == "file":
            if not arg or "/" in arg:
                print(f"FAIL: {where}: file: needs a plain file name, got '{arg}'")
                fails += 1
                continue
            with open(os.path.join(workdir, arg), "w", encoding="utf-8") as f:
                f.write(text)
        elif kind == "scenario":
            path = os.path.join(workdir, f"doc-scenario-{line}.yaml")
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
            p = subprocess.run(["build/f3sim", "check", os.path.basename(path)], cwd=workdir, capture_output=True,
                               text=True, timeout=TIMEOUT)
            if p.returncode != 0:
                print(f"FAIL: {where}: `f3sim check` refuses the scenario (exit {p.returncode}): "
                      f"{(p.stderr or p.stdout).strip()[-400:]}")
                fails += 1
        elif kind == "runnable":
            want = 0
            if arg:
                m = re.fullmatch(r"exit=(\d+)", arg)
                if not m:
                    print(f"FAIL: {where}: runnable: unknown argument '{arg}' (exit=N)")
                    fails += 1
                    continue
                want = int(m.group(1))
            if info.split()[:1] == ["python"]:
                n, bad = run_python(text, workdir, want)
            else:
                n, bad = run_commands(text, workdir, want)
            if n == 0:
                print(f"FAIL: {where}: a runnable block without a command")
                fails += 1
            for b in bad:
                print(f"FAIL: {where}: {b}")
                fails += 1
        elif kind == "output-of":
            if not arg:
                print(f"FAIL: {where}: output-of: needs the command")
                fails += 1
                continue
            try:
                p = subprocess.run(["bash", "-c", arg], cwd=workdir, capture_output=True, text=True, timeout=TIMEOUT)
            except subprocess.TimeoutExpired:
                print(f"FAIL: {where}: `{arg}` took more than {TIMEOUT} s")
                fails += 1
                continue
            if p.returncode != 0:
                print(f"FAIL: {where}: `{arg}` exited {p.returncode}: {p.stderr.strip()[-400:]}")
                fails += 1
                continue
            want, got = masked(text, workdir), masked(p.stdout, workdir)
            if want != got:
                fails += 1
                print(f"FAIL: {where}: the block at line {bline} is not what `{arg}` prints:")
                for k in range(max(len(want), len(got))):
                    w = want[k] if k < len(want) else "(nothing)"
                    g = got[k] if k < len(got) else "(nothing)"
                    if w != g:
                        print(f"    doc line {bline + 1 + k}:\n      doc:     {w}\n      program: {g}")
        elif kind == "not-checked" and not arg:
            print(f"FAIL: {where}: not-checked: give the reason")
            fails += 1
    print(f"{name}: {counts['runnable']} runnable, {counts['file']} file, {counts['scenario']} scenario, "
          f"{counts['output-of']} output-of, "
          f"{counts['not-checked']} not-checked blocks; {fails} failures")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
