#!/usr/bin/env python3
"""f3sim roofline: per tile, a roofline and the busy/wait/idle bar of a rule's chip run.

usage: roofline.py [--quiet] [--] RULE_DIR [OUT_DIR]

Reads what a chip run wrote into RULE_DIR (results/<scenario>/<rule>/):
  tiles.csv    per tile: mac_lanes, the cycles by state, the SRAM and DRAM bytes
  bounds.csv   per tile x unit x step: the limiters and the bound; per tile
               run_cycles and tile_fma (the ledger's FMA of its layers)
  levels.csv   per tile x level x data space: the ports' bytes per cycle
  run.json     hardware.clock_mhz and hardware.config's SRAM port (banks x
               bytes_per_cycle) and DRAM bytes_per_cycle, when levels.csv has none
and writes into OUT_DIR (default RULE_DIR/figures), each figure as PNG and SVG with its
gnuplot script (.gp) and its data (.csv):
  roofline_tile<N>   x: arithmetic intensity, FMA per byte of SRAM + DRAM
                     traffic (log); y: FMA per cycle (log).  The compute roof
                     is the tile's lanes (one FMA per lane per cycle); the
                     SRAM roof intensity x the SRAM port's bytes per cycle
                     (and the DRAM roof likewise, when the tile uses DRAM).
                     Two points: over the run (FMA / run cycles) and while
                     busy (FMA / busy cycles).
  tile_states        per tile, a stacked bar of busy, waiting for input,
                     waiting downstream, waiting for memory and idle, in % of
                     the run's cycles.
docs/hardware-model.md ("What bounds a tile") defines every figure.

write_figures(rule_dir, out_dir) does the same from Python (report.py) and
returns the names of the figures written.

Exit status: 0 written; 2 RULE_DIR is not a chip run's folder (a file
missing; nothing written); 1 a runtime failure (gnuplot missing or failing, a
malformed file, with its file:line).
"""
import csv
import json
import math
import os
import sys

STATES = [("busy", "busy_cycles", "#2ca02c"), ("waiting for input", "wait_input_cycles", "#1f77b4"),
          ("waiting downstream", "wait_downstream_cycles", "#ff7f0e"),
          ("waiting for memory (DRAM)", "wait_memory_cycles", "#d62728"), ("idle", "idle_cycles", "#c7c7c7")]
NEEDED = ["tiles.csv", "bounds.csv", "levels.csv", "run.json"]


# the report's exceptions, gnuplot string quoting and figure writer (each figure a PNG and an SVG with its
# gnuplot script and data), shared so that the two tell failures and draw figures the same way
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from report import Failure, Figures, Usage, gp_str  # noqa: E402


def read_csv(path, columns):
    """The rows of a CSV file as dicts; Failure(file:line) if a column is missing or a row is short."""
    with open(path, newline="", encoding="utf-8") as f:
        r = csv.reader(f)
        try:
            head = next(r)
        except StopIteration:
            raise Failure(f"{path}:1: empty file")
        for c in columns:
            if c not in head:
                raise Failure(f"{path}:1: no column {c}")
        rows = []
        for i, row in enumerate(r, start=2):
            if len(row) != len(head):
                raise Failure(f"{path}:{i}: {len(row)} fields, the header has {len(head)}")
            d = dict(zip(head, row))
            d["_where"] = f"{path}:{i}"
            rows.append(d)
    return rows


def num(row, col, empty=None):
    """A number of a CSV row (empty -> `empty`); Failure(file:line) if it is not one."""
    v = row[col]
    if v == "":
        return empty
    try:
        return float(v)
    except ValueError:
        raise Failure(f"{row['_where']}: {col} is {v!r}, not a number")


def load(rule_dir):
    """Per tile: lanes, FMA, cycles by state, traffic and the ports; the bound that takes the most cycles."""
    for name in NEEDED:
        if not os.path.isfile(os.path.join(rule_dir, name)):
            raise Usage(f"{rule_dir}: no {name} (not a chip run's folder, or written before bounds.csv existed)")
    path = os.path.join(rule_dir, "run.json")
    try:
        with open(path, encoding="utf-8") as f:
            run = json.load(f)
    except ValueError as e:
        raise Failure(f"{path}: not JSON ({e})")
    hw = run.get("hardware") or {}
    cfg = hw.get("config") or {}
    sram = (cfg.get("tile") or {}).get("sram") or {}
    try:
        sram_port = float(sram["banks"]) * float(sram["bytes_per_cycle"])
    except (KeyError, TypeError, ValueError):
        sram_port = None
    dram_port = (cfg.get("dram") or {}).get("bytes_per_cycle")
    clock = hw.get("clock_mhz", cfg.get("clock_mhz"))

    tiles = {}
    for row in read_csv(os.path.join(rule_dir, "tiles.csv"),
                        ["tile", "mac_lanes", "sram_read_bytes", "sram_written_bytes", "dram_read_bytes",
                         "dram_written_bytes"] + [c for _, c, _ in STATES]):
        t = int(num(row, "tile"))
        tiles[t] = {"tile": t, "lanes": num(row, "mac_lanes"),
                    "sram_bytes": num(row, "sram_read_bytes") + num(row, "sram_written_bytes"),
                    "dram_bytes": num(row, "dram_read_bytes") + num(row, "dram_written_bytes"),
                    "states": [num(row, c) for _, c, _ in STATES], "sram_port": sram_port,
                    "dram_port": float(dram_port) if dram_port is not None else None,
                    "fma": None, "run_cycles": None, "bound_cycles": {}}
    for row in read_csv(os.path.join(rule_dir, "bounds.csv"),
                        ["tile", "step", "reps_per_batch", "cycles", "bound", "run_cycles", "tile_fma"]):
        t = tiles.get(int(num(row, "tile")))
        if t is None:
            raise Failure(f"{row['_where']}: tile {row['tile']} is not in tiles.csv")
        t["fma"] = num(row, "tile_fma")
        t["run_cycles"] = num(row, "run_cycles")
        b = row["bound"]
        t["bound_cycles"][b] = t["bound_cycles"].get(b, 0.0) + num(row, "reps_per_batch") * num(row, "cycles")
    for row in read_csv(os.path.join(rule_dir, "levels.csv"), ["tile", "level", "port_bytes_per_cycle"]):
        t = tiles.get(int(num(row, "tile")))
        port = num(row, "port_bytes_per_cycle")
        if t is not None and port is not None and row["level"] in ("sram", "dram"):
            t[row["level"] + "_port"] = port
    for t in tiles.values():
        if t["run_cycles"] is None:
            t["run_cycles"] = sum(t["states"])
        t["main_bound"] = max(t["bound_cycles"], key=t["bound_cycles"].get) if t["bound_cycles"] else "none"
    return [tiles[k] for k in sorted(tiles)], clock


def roofline(fig, t, prefix=""):
    """One tile's roofline (log-log): the compute roof, the SRAM (and DRAM) roof, the tile's points."""
    name = f"{prefix}roofline_tile{t['tile']}"
    traffic = t["sram_bytes"] + t["dram_bytes"]
    fma, lanes = t["fma"], t["lanes"]
    points = []
    if fma and traffic > 0:
        x = fma / traffic
        if t["run_cycles"]:
            points.append(("over the run", x, fma / t["run_cycles"]))
        if t["states"][0] > 0:
            points.append(("while busy", x, fma / t["states"][0]))
    fig.write_data(name + ".csv", ["point", "fma_per_byte", "fma_per_cycle"], [list(p) for p in points])
    ports = [(lab, p, dt) for lab, p, dt in (("SRAM", t["sram_port"], 2), ("DRAM", t["dram_port"], 4))
             if p and (lab == "SRAM" or t["dram_bytes"] > 0)]
    # the x range: the points and every ridge (lanes / port) with two decades each side
    xs = [p[1] for p in points] + [lanes / p for _, p, _ in ports]
    lo, hi = (min(xs) / 100.0, max(xs) * 100.0) if xs else (1e-3, 1e3)
    ys = [p[2] for p in points] + [lanes]
    ylo, yhi = min(ys) / 100.0, max(ys) * 10.0
    title = "tile %d: roofline (%g lanes; most busy cycles bound by %s)" % (t["tile"], lanes, t["main_bound"])
    body = [f"set title {gp_str(title)}",
            "set logscale xy", f"set xrange [{lo:.6g}:{hi:.6g}]", f"set yrange [{ylo:.6g}:{yhi:.6g}]",
            "set xlabel 'arithmetic intensity, FMA per byte of SRAM + DRAM traffic'",
            "set ylabel 'FMA per cycle'", "set key outside right top", "set samples 400"]
    plots = [f"{lanes:.10g} with lines lw 2 dt 1 lc rgb '#000000' title {gp_str('compute roof: %g lanes' % lanes)}"]
    for lab, p, dt in ports:
        plots.append(f"(x*{p:.10g} < {lanes:.10g} ? x*{p:.10g} : 1/0) with lines lw 2 dt {dt} lc rgb '#1f77b4' "
                     f"title {gp_str('%s roof: %g bytes/cycle' % (lab, p))}")
    for i, (lab, _, _) in enumerate(points):
        plots.append(f"'{name}.csv' skip 1 every ::{i}::{i} using 2:3 with points pt {7 if i == 0 else 9} ps 2 "
                     f"lc rgb '{'#d62728' if i == 0 else '#2ca02c'}' title {gp_str('tile ' + lab)}")
    body.append("plot " + ", \\\n     ".join(plots))
    fig.plot(name, "\n".join(body))


def tile_states(fig, tiles, prefix=""):
    """Per tile, a stacked bar of its cycles by state, in % of the run."""
    name = prefix + "tile_states"
    rows = []
    for t in tiles:
        run = t["run_cycles"] or sum(t["states"]) or 1.0
        rows.append([f"tile {t['tile']}"] + [100.0 * s / run for s in t["states"]])
    fig.write_data(name + ".csv", ["tile"] + [c.replace("_cycles", "_percent") for _, c, _ in STATES], rows)
    body = ["set title 'time by state per tile, % of the run''s cycles'", "set style data histograms",
            "set style histogram rowstacked", "set style fill solid 0.9 border -1", "set boxwidth 0.6",
            "set yrange [0:105]", "set ylabel '% of the run''s cycles'", "set key outside right top",
            "set grid ytics", f"set xrange [-0.6:{len(tiles) - 0.4}]"]
    plots = [f"'{name}.csv' using {i + 2}:xtic(1) lc rgb '{colour}' title {gp_str(label)}"
             for i, (label, _, colour) in enumerate(STATES)]
    body.append("plot " + ", \\\n     ".join(plots))
    fig.plot(name, "\n".join(body), size=(max(500, 120 * len(tiles) + 400), 480))


def write_figures(rule_dir, out_dir, quiet=True, prefix=""):
    """Write the rooflines and the state bars of rule_dir's tiles into out_dir, each name starting with
    prefix; the names written."""
    tiles, _ = load(rule_dir)
    if not tiles:
        raise Failure(f"{os.path.join(rule_dir, 'tiles.csv')}: no tiles")
    os.makedirs(out_dir, exist_ok=True)
    fig = Figures(out_dir, quiet)
    for t in tiles:
        roofline(fig, t, prefix)
    tile_states(fig, tiles, prefix)
    return fig.made


def main(argv):
    quiet = False
    args = []
    it = iter(argv)
    for a in it:
        if a == "--":
            args.extend(it)
            break
        if a == "--quiet":
            quiet = True
        elif a in ("-h", "--help"):
            print(__doc__)
            return 0
        elif a.startswith("-"):
            print(f"roofline.py: unknown option {a}\n{__doc__.splitlines()[2]}", file=sys.stderr)
            return 2
        else:
            args.append(a)
    if len(args) not in (1, 2):
        print(f"roofline.py: {__doc__.splitlines()[2]}", file=sys.stderr)
        return 2
    rule_dir = args[0]
    out_dir = args[1] if len(args) == 2 else os.path.join(rule_dir, "figures")
    try:
        write_figures(rule_dir, out_dir, quiet)
    except Usage as e:
        print(f"roofline.py: {e}", file=sys.stderr)
        return 2
    except (Failure, OSError) as e:
        print(f"roofline.py: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
