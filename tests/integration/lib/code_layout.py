#!/usr/bin/env python3
"""The code-layout limits of sim/ (issue 21): no source file longer than 900
lines, no function longer than 120 lines, tables of data excepted.

usage: code_layout.py SOURCE_TREE [--report]

A function is a definition at file scope: a line at column 0 that is not a
preprocessor line, a comment or a declaration ending in ';', followed (on
the same line or within the next lines of its signature) by a '{' that
opens the body; its length runs from the first line of the signature to the
'}' at column 0 that closes it. A brace-initialised table (`... = {`) is
data, not a function. Exit 1 and one `file:line: ...` per breach.
"""
import os
import re
import sys

MAX_FILE_LINES = 900
MAX_FUNCTION_LINES = 120
EXTS = (".c", ".h", ".cpp", ".hpp")

SIG_START = re.compile(r"^[A-Za-z_][\w\s\*:<>,&~]*[\w>\*&]\s*\(")  # e.g. `static int f(`


def functions(lines):
    """Yield (name, first_line, last_line), 1-based, of every function body."""
    i, n = 0, len(lines)
    while i < n:
        line = lines[i]
        if SIG_START.match(line) and not line.rstrip().endswith(";") and "=" not in line.split("(")[0]:
            start = i
            # the signature may span lines; find the body's '{' before any ';'
            j = i
            body = None
            while j < n and j < i + 12:
                s = lines[j].rstrip()
                if s.endswith(";") and "{" not in s:
                    break
                if s.endswith("{") or s == "{":
                    body = j
                    break
                j += 1
            if body is None:
                i += 1
                continue
            # the body ends at the next '}' in column 0
            k = body + 1 if lines[body].rstrip() != "{" or body != start else body + 1
            while k < n and not lines[k].startswith("}"):
                k += 1
            name = re.match(r"^.*?([A-Za-z_]\w*(::[A-Za-z_~]\w*)?)\s*\(", line)
            yield (name.group(1) if name else "?"), start + 1, k + 1
            i = k + 1
            continue
        i += 1


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: code_layout.py SOURCE_TREE [--report]")
    root = sys.argv[1]
    report = "--report" in sys.argv[2:]
    breaches = []
    longest = []
    for d, _, files in os.walk(os.path.join(root, "sim")):
        for f in sorted(files):
            if not f.endswith(EXTS):
                continue
            path = os.path.join(d, f)
            rel = os.path.relpath(path, root)
            with open(path, encoding="utf-8") as fh:
                lines = fh.read().split("\n")
            if lines and lines[-1] == "":
                lines.pop()
            if len(lines) > MAX_FILE_LINES:
                breaches.append(f"{rel}:1: {len(lines)} lines (at most {MAX_FILE_LINES})")
            for name, a, b in functions(lines):
                length = b - a + 1
                longest.append((length, rel, a, name))
                if length > MAX_FUNCTION_LINES:
                    breaches.append(f"{rel}:{a}: function {name} is {length} lines (at most {MAX_FUNCTION_LINES})")
    if report:
        for length, rel, a, name in sorted(longest, reverse=True)[:15]:
            print(f"{length:5d} lines  {rel}:{a}  {name}")
    for b in breaches:
        print(b)
    print(f"code_layout: {len(breaches)} breach(es) of the sim/ limits "
          f"({MAX_FILE_LINES} lines per file, {MAX_FUNCTION_LINES} per function)")
    return 1 if breaches else 0


if __name__ == "__main__":
    sys.exit(main())
