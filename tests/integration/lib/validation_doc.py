#!/usr/bin/env python3
"""docs/validation.md's "Against published chips" against the runs that
make its figures (for tests/integration/validation.sh; not a test itself).

usage:
  validation_doc.py DOC chip HEADING RUN_JSON
      the table under the '### HEADING…' subsection: every row's f3sim
      figure against RUN_JSON, and its ratio against f3sim ÷ published
  validation_doc.py DOC overrides
      prints the sensitivity table's rows, one a line: the scenario, then
      each override, tab-separated (the test runs them)
  validation_doc.py DOC sensitivity OUT
      each sensitivity row i against OUT/row-i/<rule>/run.json
  validation_doc.py DOC default D45 D28 D28_06 SPOON
      the default chip against SPOON: the arithmetic, from the runs' run.json

Every figure must be within 1 % of what the run gives (relative); a row
the checker does not know, or a known row that is missing, fails.  Prints
each disagreement and exits 1 if there is one.
"""
import json
import re
import sys

TOL = 0.01
SECTION = "## Against published chips"


def section(doc):
    text = open(doc, encoding="utf-8").read()
    start = text.find("\n" + SECTION + "\n")
    if start < 0:
        sys.exit(f"{doc}: no '{SECTION}' section")
    end = text.find("\n## ", start + 1)
    return text[start:] if end < 0 else text[start:end]


def subsection(sec, heading):
    m = re.search(r"^### " + re.escape(heading) + r".*$", sec, re.M)
    if not m:
        sys.exit(f"no '### {heading}' subsection")
    rest = sec[m.end():]
    n = re.search(r"^### ", rest, re.M)
    return rest if not n else rest[:n.start()]


def table(text):
    """The first Markdown table in text: header cells, rows of cells."""
    lines = [l for l in text.splitlines() if l.startswith("|")]
    if len(lines) < 3:
        sys.exit("no table")
    cells = lambda l: [c.strip() for c in l.strip().strip("|").split("|")]
    return cells(lines[0]), [cells(l) for l in lines[2:]]


def number(cell):
    """The number a cell shows (thousands separated by commas), None for n/f or —."""
    m = re.search(r"[-+]?\d[\d,]*(?:\.\d+)?", cell)
    return float(m.group(0).replace(",", "")) if m and "n/f" not in cell else None


def load(path):
    return json.load(open(path))


def figures(run):
    """The model's figures by the names the tables use, from one run.json."""
    h = run["hardware"]
    i, lo = h["inference"], h["learning_overhead"]
    return {
        "energy per inference [nJ]": i["energy_per_sample_pj"] / 1e3,
        "energy per training sample [nJ]": h["energy_per_sample_pj"] / 1e3,
        "throughput [samples/s]": h["samples_per_second"],
        "learning overhead, energy [%]": lo["energy_per_sample_pct"],
        "learning overhead, power [%]": lo["power_pct"],
        "learning overhead, area [%]": lo["area_pct"],
        "energy added by learning [nJ]": (h["energy_per_sample_pj"] - i["energy_per_sample_pj"]) / 1e3,
        "area added by learning [mm²]": h["area_mm2"] - i["area_mm2"],
        "area [mm²]": h["area_mm2"],
        "power while training [mW]": lo["training_power_mw"],
    }


bad = []


def close(what, shown, want):
    if shown is None or want is None or abs(shown / want - 1) > TOL:
        bad.append(f"{what}: the doc shows {shown}, the run gives {want}")


def chip(doc, heading, run_json):
    head, rows = table(subsection(section(doc), heading))
    want_head = ["quantity", "published", "source", "f3sim", "f3sim ÷ published"]
    if head != want_head:
        sys.exit(f"{heading}: table header {head}, wanted {want_head}")
    got = figures(load(run_json))
    seen = set()
    for r in rows:
        label, pub, f3 = r[0], number(r[1]), number(r[3])
        if label not in got:
            bad.append(f"{heading}: unknown row '{label}'")
            continue
        seen.add(label)
        close(f"{heading}: {label}", f3, got[label])
        ratio = number(r[4])
        if pub is None:
            if ratio is not None:
                bad.append(f"{heading}: {label}: a ratio without a published figure")
        elif f3 is not None:
            close(f"{heading}: {label}, f3sim ÷ published", ratio, f3 / pub)
    for label in set(got) - seen:
        bad.append(f"{heading}: no row '{label}'")


def sensitivity_rows(doc):
    head, rows = table(subsection(section(doc), "Sensitivity"))
    if head[:2] != ["scenario", "overrides"]:
        sys.exit(f"sensitivity: table header {head}")
    return head, [(r[0], re.findall(r"`([^`]+)`", r[1]), r) for r in rows]


def overrides(doc):
    for scenario, sets, _ in sensitivity_rows(doc)[1]:
        print("\t".join([scenario] + sets))


def sensitivity(doc, out):
    head, rows = sensitivity_rows(doc)
    for k, (scenario, sets, cells) in enumerate(rows):
        rule = {"spoon": "drtp", "park2019": "dfa"}.get(scenario)
        if not rule:
            bad.append(f"sensitivity row {k + 1}: unknown scenario {scenario}")
            continue
        got = figures(load(f"{out}/row-{k}/{rule}/run.json"))
        for col, cell in zip(head[2:], cells[2:]):
            if col not in got:
                bad.append(f"sensitivity: unknown column '{col}'")
                continue
            close(f"sensitivity row {k + 1} ({scenario} {' '.join(sets) or 'as is'}): {col}", number(cell), got[col])


def default(doc, d45, d28, d28_06, spoon):
    head, rows = table(subsection(section(doc), "The default chip against"))
    if head != ["quantity", "value", "how"]:
        sys.exit(f"default: table header {head}")
    shown = {r[0]: number(r[1]) for r in rows}
    e = {k: load(p)["hardware"]["energy_per_sample_pj"] / 1e3 for k, p in (("45", d45), ("28", d28), ("28v6", d28_06))}
    r28 = load(d28)
    macs = r28["ledger"]["total"]["fma"] / r28["ledger"]["samples"]
    sp = load(spoon)["ledger"]
    spoon_macs = sp["total"]["fma"] / sp["samples"]
    s06 = 313 * 1.168                                   # [SP] and [R24]
    s09 = s06 * (0.9 / 0.6) ** 2
    s45 = s09 / r28["hardware"]["config"]["technology"]["energy_factor"]
    want = {
        "SPOON, training sample, 28 nm, 0.6 V [nJ]": s06,
        "SPOON, training sample, 28 nm, 0.9 V [nJ]": s09,
        "SPOON, training sample, 45 nm, 0.9 V [nJ]": s45,
        "default chip, F³, 45 nm, 0.9 V [nJ]": e["45"],
        "default chip, F³, 28 nm, 0.9 V [nJ]": e["28"],
        "default chip, F³, 28 nm, 0.6 V, 130 MHz [nJ]": e["28v6"],
        "default ÷ SPOON, 45 nm, 0.9 V": e["45"] / s45,
        "default ÷ SPOON, 28 nm, 0.9 V": e["28"] / s09,
        "default ÷ SPOON, 28 nm, 0.6 V": e["28v6"] / s06,
        "MACs per training sample, default chip": macs,
        "energy per MAC, default chip, 28 nm, 0.9 V [pJ]": e["28"] * 1e3 / macs,
        "energy per MAC, default chip, 28 nm, 0.6 V [pJ]": e["28v6"] * 1e3 / macs,
        "MACs per training sample, SPOON": None,
        "SPOON's energy per MAC at 0.9 V, upper bound [pJ]": s09 * 1e3 / spoon_macs,
    }
    for label, v in shown.items():
        if label not in want:
            bad.append(f"default: unknown row '{label}'")
        elif want[label] is None:
            if v is not None:
                bad.append(f"default: {label}: the doc shows {v}, no source gives it")
        else:
            close(f"default: {label}", v, want[label])
    for label in set(want) - set(shown):
        bad.append(f"default: no row '{label}'")
    # the verdict's first claim (in bold) follows the ratio the issue asks for
    verdict = re.search(r"\*\*Verdict\.\*\*.*?\*\*(.*?)\*\*", subsection(section(doc), "The default chip against"), re.S)
    claim = " ".join(verdict.group(1).split()) if verdict else ""
    ratio = e["28"] / s09
    says = "within 3×" in claim and "outside" not in claim
    if not claim or says != (ratio < 3) or abs(number(claim) / ratio - 1) > TOL:
        bad.append(f"default: the verdict '{claim}' does not match the ratio {ratio:.4f} (within 3×: {ratio < 3})")


if __name__ == "__main__":
    doc, what, args = sys.argv[1], sys.argv[2], sys.argv[3:]
    if what == "chip":
        chip(doc, *args)
    elif what == "overrides":
        overrides(doc)
    elif what == "sensitivity":
        sensitivity(doc, *args)
    elif what == "default":
        default(doc, *args)
    else:
        sys.exit(f"unknown check {what}")
    print("\n".join(bad)) if bad else None
    sys.exit(1 if bad else 0)
