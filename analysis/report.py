#!/usr/bin/env python3
"""f3sim report: report.md and gnuplot figures (PNG and SVG) of a results folder.

usage: report.py [--f3sim PATH] [--quiet] [--] RESULTS_DIR
       report.py [--f3sim PATH] [--quiet] --compare [--out DIR] [--] A B

`f3sim report RESULTS_DIR` runs this script (docs/scenarios.md, "Figures and
the report", says why it is Python).  It reads what `f3sim run` (and
`f3sim explore`) wrote into RESULTS_DIR and writes RESULTS_DIR/report/:
report.md, and per figure its PNG, its SVG, its gnuplot script (.gp) and its
data file (.csv) beside it.

What it reads, from the latest invocation only (a rerun of f3sim clears what
an earlier one left, and a sweep's points are those sweep.csv lists):
  compare.csv             the learning rules of a point (their order)
  <rule>/epochs.csv       test accuracy and loss per epoch
  seed-N/<rule>/...       the same per seed (training.seeds): mean ± σ bands
  <rule>/run.json         the ledger (FMA per phase, memory peaks), the config
  <rule>/tiles.csv        energy per tile (a run on a chip)
  <rule>/trace.vcd        tile states over time (outputs.trace: true)
  point-NNN/              a sweep's points, titled with their swept values
  compare_budget.csv      f3sim compare's verdicts: each rule's best energy per
                          sample and samples/s against the budget
  pareto.csv              an explore's Pareto front (columns rule,
                          test_accuracy_pct, energy_per_sample_nJ,
                          samples_per_second, area_mm2, then the swept keys)
The closed forms come from `f3sim formulas --json` (model/'s Appendix A code),
so there is one copy of them.

Exit status: 0 written; 2 RESULTS_DIR is not a results folder (nothing
written); 1 a runtime failure (gnuplot missing or failing, an unreadable or
malformed file; nothing half-written: the folder is built as
report.tmp.PID/ and renamed into place).
"""
import csv
import json
import math
import os
import re
import shutil
import statistics
import subprocess
import sys

PHASES = ["forward", "feedback", "gradient", "update", "loss"]
# a gnuplot expression of a number, short: 397k, 1.25M, 500
SHORT_NUMBER = ("(%s >= 1e6 ? sprintf('%%.3gM', %s / 1e6) : %s >= 1e4 ? sprintf('%%.3gk', %s / 1e3) "
                ": sprintf('%%.4g', %s))")
# the ledger's memory classes, and the number format (numerics.<class>.bits in run.json) of each
MEMORY_CLASSES = ["weights", "biases", "optimizer_state", "gradients", "feedback", "activation_buffer", "work",
                  "error_store", "inputs"]
MEMORY_CLASS_FORMAT = {"weights": "weights", "biases": "weights", "optimizer_state": "optimizer",
                       "gradients": "gradients", "feedback": "feedback", "activation_buffer": "activations",
                       "work": "activations", "error_store": "error_store", "inputs": "activations"}
ENERGY_ITEMS = ["compute", "registers", "sram", "rom", "dram", "links", "error_store", "leakage"]
TILE_STATES = {1: "busy", 2: "waiting for input", 3: "waiting downstream", 4: "waiting for memory"}
PARETO_METRICS = ["rule", "test_accuracy_pct", "energy_per_sample_nJ", "samples_per_second", "area_mm2"]
COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#17becf"]
# one colour per rule, the same in every figure
RULE_ORDER = ["bp", "dfa", "drtp", "f3", "f3-error", "f3-loss", "llo"]

# the analysis/ modules it imports (summarize_reproduction, roofline), once
if os.path.dirname(os.path.abspath(__file__)) not in sys.path:
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


class Usage(Exception):
    """RESULTS_DIR is not something to report on: exit 2."""


class Failure(Exception):
    """A runtime failure: exit 1."""


def colour(rule):
    """The same colour for a rule in every figure (deterministic: no hash())."""
    i = RULE_ORDER.index(rule) if rule in RULE_ORDER else len(RULE_ORDER) + sum(map(ord, rule)) % 2
    return COLOURS[i % len(COLOURS)]


def gp_str(s):
    """s as a gnuplot single-quoted string (only ' is special: written '')."""
    s = re.sub(r"[\x00-\x1f\x7f]", " ", str(s))
    return "'" + s.replace("'", "''") + "'"


def set_title(text, width=100):
    """`set title` of a title wrapped into lines of at most `width` characters (at '; ', ', ' or
    spaces), so that no figure's title is cut off at its canvas' edges."""
    text = re.sub(r"[\x00-\x1f\x7f]", " ", str(text))
    lines, cur = [], ""
    for word in re.split(r"(?<=[;,:)]) |(?<=\S) (?=\()", text):
        for w in ([word] if len(word) <= width else word.split(" ")):
            if cur and len(cur) + 1 + len(w) > width:
                lines.append(cur)
                cur = w
            else:
                cur = f"{cur} {w}" if cur else w
    if cur:
        lines.append(cur)
    return "set title " + ' . "\\n" . '.join(gp_str(l) for l in lines) + "\n"


def md_cell(s):
    return str(s).replace("|", "\\|").replace("\n", " ")


def read_csv(path):
    try:
        with open(path, newline="", encoding="utf-8") as f:
            return list(csv.DictReader(f))
    except OSError as e:
        raise Failure(f"{path}: cannot read: {e.strerror}")
    except (csv.Error, UnicodeDecodeError) as e:
        raise Failure(f"{path}: malformed CSV: {e}")


def read_json(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except OSError as e:
        raise Failure(f"{path}: cannot read: {e.strerror}")
    except (ValueError, UnicodeDecodeError) as e:
        raise Failure(f"{path}: malformed JSON: {e}")


def num(s):
    try:
        v = float(s)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def mean_std(values):
    """mean and sample σ (n − 1); σ is None for one value."""
    vals = [v for v in values if v is not None]
    if not vals:
        return None, None
    return statistics.mean(vals), (statistics.stdev(vals) if len(vals) > 1 else None)


def fmt(v, digits=4):
    if v is None:
        return ""
    return f"{v:.{digits}g}" if abs(v) >= 1e5 or (v != 0 and abs(v) < 1e-3) else f"{v:.{digits}f}".rstrip("0").rstrip(".")


def fmt_n(v, digits=4):
    """A table's figure: from 1000 on in full (9414718, not 9.41472e+06), else `digits` significant digits."""
    if v is None:
        return ""
    if 1e3 <= abs(v) < 1e15:
        return f"{v:.0f}"
    return "0" if v == 0 else f"{v:.{digits}g}"


def pm(m, s, digits=2):
    if m is None:
        return ""
    return f"{m:.{digits}f}" + (f" ± {s:.{digits}f}" if s is not None else "")


# ---- the results folder ------------------------------------------------------


class Point:
    """One point of a run: a folder with compare.csv and its rule folders."""

    def __init__(self, folder, label, suffix, single=None):
        self.folder, self.label, self.suffix = folder, label, suffix
        self.single = single  # a folder of `f3sim train`: one rule, no compare.csv
        self.number, self.keyvals = 0, {}  # a sweep's point: its number and swept values
        self.compare = read_csv(os.path.join(folder, "compare.csv")) if single is None else [single]
        self.rules = [r["algorithm"] for r in self.compare]
        self.seeded = bool(self.compare) and "seeds" in self.compare[0]
        if self.seeded:
            seeds = []
            for name in os.listdir(folder):
                m = re.fullmatch(r"seed-(\d+)", name)
                if m and os.path.isfile(os.path.join(folder, name, "compare.csv")):
                    seeds.append(int(m.group(1)))
            self.seeds = sorted(seeds)
            want = int(self.compare[0]["seeds"])
            if len(self.seeds) != want:
                raise Failure(f"{folder}: compare.csv averages {want} seeds but {len(self.seeds)} seed folders have results")
            self.runs = [os.path.join(folder, f"seed-{s}") for s in self.seeds]
        else:
            self.seeds = []
            self.runs = [folder]

    def col(self, row, name):
        """A compare.csv figure of a row: (mean, σ) with seeds, else (value, None)."""
        if self.seeded:
            return num(row.get(name + "_mean")), num(row.get(name + "_std"))
        return num(row.get(name)), None

    def rule_dirs(self, rule):
        if self.single is not None:
            return [self.folder]
        return [os.path.join(r, rule) for r in self.runs]


def find_points(top):
    """The points of the latest invocation, and whether it is a sweep."""
    sweep_csv = os.path.join(top, "sweep.csv")
    if os.path.isfile(sweep_csv):
        rows = read_csv(sweep_csv)
        keys = [k for k in (rows[0].keys() if rows else []) if "." in k]
        seen, points = set(), []
        for r in rows:
            i = int(r["point"])
            if i in seen:
                continue
            seen.add(i)
            label = " ".join(f"{k}={r[k]}" for k in keys)
            points.append(Point(os.path.join(top, f"point-{i:03d}"), label, f"-point-{i:03d}"))
            points[-1].number, points[-1].keyvals = i, {k: r[k] for k in keys}
        return points, True, None
    dirs = sorted(d for d in os.listdir(top) if re.fullmatch(r"point-\d+", d))
    if dirs:
        # emitted points (Slurm, GNU parallel) not collected yet: those done
        points, skipped = [], []
        for d in dirs:
            p = os.path.join(top, d)
            if not os.path.isfile(os.path.join(p, "compare.csv")):
                skipped.append(d)
                continue
            label = ""
            try:
                label = read_csv(os.path.join(p, "compare.csv"))[0].get("sweep", "")
            except (Failure, IndexError):
                pass
            points.append(Point(p, label, "-" + d))
            points[-1].number = int(d[6:])
            # the swept values from compare.csv's `key=value key=value` label
            points[-1].keyvals = dict(re.findall(r"(\S+?)=(.*?)(?= \S+?=|$)", label))
        note = (f"no sweep.csv: the points with a compare.csv are shown; without one: {', '.join(skipped)}"
                if skipped else "no sweep.csv (not collected yet): every point folder with a compare.csv is shown")
        return points, True, note
    if os.path.isfile(os.path.join(top, "compare.csv")):
        return [Point(top, "", "")], False, None
    if os.path.isfile(os.path.join(top, "run.json")):  # f3sim train --out DIR
        d = read_json(os.path.join(top, "run.json"))
        cfg = d.get("config", {})
        row = {"algorithm": cfg.get("algorithm", "rule"), "fma": d.get("ledger", {}).get("total", {}).get("fma")}
        for k in ("best_test_accuracy", "final_test_accuracy"):
            row[k + "_percent"] = d.get(k)
        for k in ("best_test_loss", "final_test_loss"):
            row[k] = d.get(k)
        return [Point(top, "", "", single=row)], False, None
    return [], False, None


# ---- figures -----------------------------------------------------------------


class Figures:
    def __init__(self, out, quiet):
        self.out, self.quiet, self.made = out, quiet, []

    def write_data(self, name, header, rows):
        with open(os.path.join(self.out, name), "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(header)
            for r in rows:
                w.writerow(["" if v is None else (f"{v:.10g}" if isinstance(v, float) else v) for v in r])

    def plot(self, name, body, size=(900, 560)):
        """Render gnuplot commands `body` (the plot) as name.png and name.svg."""
        head = ("set datafile separator ','\nset termoption noenhanced\nset grid\n"
                "set key outside right top\n")
        script = (f"set terminal pngcairo size {size[0]},{size[1]} font 'sans,10'\nset output '{name}.png'\n"
                  + head + body + f"\nset terminal svg size {size[0]},{size[1]} font 'sans,10'\n"
                  f"set output '{name}.svg'\n" + body + "\nunset output\n")
        gp = os.path.join(self.out, name + ".gp")
        with open(gp, "w", encoding="utf-8") as f:
            f.write(script)
        try:
            r = subprocess.run(["gnuplot", name + ".gp"], cwd=self.out, stdin=subprocess.DEVNULL,
                               capture_output=True, text=True, timeout=300)
        except FileNotFoundError:
            raise Failure("gnuplot is not installed (scripts/setup.sh installs gnuplot-nox)")
        except subprocess.TimeoutExpired:
            raise Failure(f"gnuplot took more than 300 s on {name}.gp")
        if r.returncode != 0 or not os.path.getsize(os.path.join(self.out, name + ".png")):
            raise Failure(f"gnuplot failed on {name}.gp: {r.stderr.strip()[-400:]}")
        self.made.append(name)
        if not self.quiet:
            print(f"f3sim report: {name}.png, {name}.svg", file=sys.stderr)


def title_of(name, point, what, averaged=True):
    """A figure's title: what, at which sweep point, and over the seeds (a mean) or from the first seed's run
    (averaged=False: the ledger, tiles.csv, trace.vcd)."""
    t = f"{name}: {what}"
    if point.label:
        t += f" at {point.label}"
    if point.seeded:
        t += f" (mean ± σ over {len(point.seeds)} seeds)" if averaged else f" (the run of seed {point.seeds[0]})"
    return t


def curves(fig, name, point, md):
    """Test accuracy and loss per epoch per rule, mean ± σ over seeds."""
    rows, have_acc, loss_units = [], False, ""
    for rule in point.rules:
        per_seed = []
        for d in point.rule_dirs(rule):
            path, rj = os.path.join(d, "epochs.csv"), os.path.join(d, "run.json")
            run = read_json(rj) if os.path.isfile(rj) else {}
            loss_units = loss_units or run.get("loss_units", "")
            if os.path.isfile(path):
                per_seed.append(read_csv(path))
            elif run.get("epochs"):  # outputs.formats: [json]
                per_seed.append([{k: str(v) for k, v in e.items()} for e in run["epochs"]])
            else:
                raise Failure(f"{d}: neither epochs.csv nor run.json's epochs")
        n_epochs = min(len(s) for s in per_seed)
        for e in range(n_epochs):
            acc = [num(s[e].get("test_accuracy_percent")) for s in per_seed]
            loss = [num(s[e].get("test_loss")) for s in per_seed]
            am, asd = mean_std(acc)
            lm, lsd = mean_std(loss)
            have_acc |= am is not None
            rows.append([rule, int(per_seed[0][e]["epoch"]), am, asd, lm, lsd, len(per_seed)])
    data = f"curves{point.suffix}.csv"
    fig.write_data(data, ["rule", "epoch", "test_accuracy_pct_mean", "test_accuracy_pct_std", "test_loss_mean",
                          "test_loss_std", "seeds"], rows)
    epochs = max((r[1] for r in rows), default=1)
    made = []
    for col, what, ylabel, fname in ((3, "test accuracy per epoch", "test accuracy [%]", "accuracy"),
                                     (5, "test loss per epoch", f"test loss [{loss_units or 'loss units'}]",
                                      "loss")):
        if col == 3 and not have_acc:
            continue  # a regression data set: loss only
        plots = []
        # the data file holds the rules one after another: select a rule's rows
        for rule in point.rules:
            sel = f"(strcol(1) eq {gp_str(rule)} ? $%d : NaN)"
            c = colour(rule)
            if point.seeded and len(point.seeds) > 1:
                lo, hi = sel % col + f" - $%d" % (col + 1), sel % col + f" + $%d" % (col + 1)
                plots.append(f"{gp_str(data)} skip 1 using 2:({lo}):({hi}) with filledcurves "
                             f"lc rgb '{c}' fs transparent solid 0.2 noborder notitle")
            plots.append(f"{gp_str(data)} skip 1 using 2:{sel % col} with linespoints lc rgb '{c}' pt 7 ps 0.5 "
                         f"title {gp_str(rule)}")
        body = (set_title(title_of(name, point, what)) + f"set xlabel 'epoch'\n"
                f"set ylabel {gp_str(ylabel)}\n" + ("set xtics 1\n" if epochs <= 20 else "")
                + "plot " + ", \\\n  ".join(plots) + "\n")
        fig.plot(fname + point.suffix, body)
        made.append(fname + point.suffix)
    md.append(f"Test accuracy and loss per epoch{' (mean ± σ band over the seeds)' if point.seeded else ''}; "
              f"data: [{data}]({data}).\n")
    for m in made:
        md.append(f"![{m}]({m}.png)\n")


def formulas_json(f3sim, cfg, n_train, rule_dir):
    """`f3sim formulas --json` for a run's configuration (one epoch); a network of blocks
    (network_type vit) from the rule's resolved scenario."""
    alg = cfg["algorithm"]
    if cfg.get("network_type") == "vit":
        args = [f3sim, "formulas", "--json", os.path.join(rule_dir, "scenario.resolved.yaml"),
                "--samples", str(n_train), "--algorithm", alg]
    else:
        args = [f3sim, "formulas", "--json", "--widths", ",".join(str(w) for w in cfg["widths"]),
                "--batch", str(cfg["batch_size"]), "--samples", str(n_train), "--algorithm", alg,
                "--activation", cfg["hidden_activation"], "--output-activation", cfg["output_activation"],
                "--loss", cfg["loss"], "--optimizer", cfg["optimizer"], "--bias" if cfg.get("bias") else "--no-bias"]
        if alg == "f3" and cfg.get("error_info"):
            args += ["--error-info", cfg["error_info"]]
    try:
        r = subprocess.run(args, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60)
    except OSError as e:
        raise Failure(f"cannot run {f3sim} formulas: {e}")
    if r.returncode != 0:
        return None, r.stderr.strip()
    return json.loads(r.stdout), ""


def ledger(fig, name, point, f3sim, md):
    """FMA per sample per phase: counted (ledger), the exact closed form, Appendix A."""
    rows, mem_rows, traffic_rows, table, notes = [], [], [], [], []
    for k, rule in enumerate(point.rules):
        rj = os.path.join(point.rule_dirs(rule)[0], "run.json")
        if not os.path.isfile(rj):
            notes.append(f"{rule}: no run.json (outputs.formats without json)")
            continue
        d = read_json(rj)
        led, cfg = d["ledger"], d["config"]
        samples = led["samples"]
        n_train = d["dataset"]["train_samples"]
        fj, why = (formulas_json(f3sim, cfg, n_train, point.rule_dirs(rule)[0]) if f3sim
                   else (None, "no f3sim binary given"))
        if fj is None:
            notes.append(f"{rule}: no closed form ({why})")
        paper = (fj or {}).get("paper", {})
        is_bp = cfg["algorithm"] == "bp"
        appendix = {"forward": paper.get("eq14_forward"),
                    "feedback": paper.get("eq15_bp_feedback" if is_bp else "eq16_f3_feedback"),
                    "gradient": paper.get("eq15_bp_gradient" if is_bp else "eq16_f3_gradient"),
                    "update": paper.get("eq17_update"), "loss": None}
        if cfg["algorithm"] not in ("bp", "f3"):
            appendix = dict.fromkeys(appendix)  # Appendix A covers BP and F3 only
        nrules = len(point.rules)
        width = 0.8 / max(1, nrules)
        for i, ph in enumerate(PHASES):
            counted = led["per_phase"][ph]["fma"] / samples if samples else 0
            exact = (fj["fma"][cfg["algorithm"]][ph] / n_train) if fj else None
            match = "" if exact is None else ("yes" if abs(counted - exact) <= 1e-9 * max(1, exact) else "NO")
            # grouped bars: the phases on the x axis, one bar per rule beside the others
            rows.append([rule, ph, counted, exact, appendix[ph], i - 0.4 + width * (k + 0.5)])
            table.append(f"| {rule} | {ph} | {fmt(counted, 6)} | {fmt(exact, 6)} | {match} | "
                         f"{fmt(appendix[ph], 6)} |")
        # traffic: bytes per sample by memory class, over every phase
        bits = {c: (cfg.get("numerics", {}).get(t, {}).get("bits") or 32) for c, t in MEMORY_CLASS_FORMAT.items()}
        cum, moved_elements, tline = 0.0, 0.0, [k, rule]
        for c in MEMORY_CLASSES:
            el = sum(led["per_phase"][ph]["reads_elements"].get(c, 0) + led["per_phase"][ph]["writes_elements"].get(c, 0)
                     for ph in PHASES) / samples if samples else 0
            moved_elements += el
            cum += el * bits[c] / 8
            tline.append(cum)
        tline.append(moved_elements)
        traffic_rows.append(tline)
        # memory kept: the ledger's peaks, the closed forms, and eqs. (27)-(29) where they apply
        alg = cfg["algorithm"]
        mem = (fj or {}).get("memory", {}).get(alg, {})
        mem_rows.append([len(mem_rows), rule,
                         led["peak_activation_buffer_elements"], mem.get("activation_buffer", {}).get("elements"),
                         paper.get("eq27_bp_activation_elements") if alg in ("bp", "dfa") else None,
                         led["peak_error_store_elements"], mem.get("error_store", {}).get("elements"),
                         paper.get("eq29_error_store_elements") if alg == "f3" else None,
                         mem.get("feedback", {}).get("elements"),
                         paper.get("eq28_feedback_elements") if alg not in ("bp", "llo") else None])
    if not rows:
        md.append("No run.json: no ledger.\n")
        return
    data = f"fma{point.suffix}.csv"
    fig.write_data(data, ["rule", "phase", "counted_fma_per_sample", "closed_form_fma_per_sample",
                          "appendix_a_fma_per_sample", "bar_x"], rows)
    width = 0.8 / max(1, len(point.rules))
    positive = [r[2] for r in rows if r[2] > 0]
    bars = []
    for rule in point.rules:
        sel = f"(strcol(1) eq {gp_str(rule)} && $3 > 0 ? $3 : NaN)"
        bars.append(f"{gp_str(data)} skip 1 using 6:{sel} with boxes lc rgb '{colour(rule)}' title {gp_str(rule)}")
    if any(r[3] for r in rows):
        bars.append(f"{gp_str(data)} skip 1 using 6:($4 > 0 ? $4 : NaN) with points pt 9 ps 1.3 lc rgb 'black' "
                    "title 'closed form'")
    if positive:  # gnuplot 5.4.4 crashes on a `with labels` of no point
        rot = " rotate by 90 left offset 0,0.4" if len(point.rules) > 2 else " offset 0,0.7"
        bars.append(f"{gp_str(data)} skip 1 using 6:($3 > 0 ? $3 : NaN):({SHORT_NUMBER % ('$3', '$3', '$3', '$3', '$3')}) "
                    f"with labels{rot} font ',8' notitle")
    tics = ", ".join(f"{gp_str(ph)} {i}" for i, ph in enumerate(PHASES))
    body = (set_title(title_of(name, point, "FMA per training sample by phase (log scale)", averaged=False)) +
            f"set style fill solid 0.8 border -1\nset boxwidth {width!r}\nset xlabel 'phase'\n"
            f"set xtics ({tics})\nset xrange [-0.6:{len(PHASES) - 0.4}]\n"
            "set ylabel 'FMA per training sample [FMA]'\nset logscale y\n"
            + (f"set yrange [{min(positive) / 3!r}:{max(positive) * 4!r}]\n" if positive else "")
            + "plot " + ", \\\n  ".join(bars) + "\n")
    fig.plot("fma" + point.suffix, body)
    tdata = f"traffic{point.suffix}.csv"
    fig.write_data(tdata, ["x", "rule"] + [f"cumulative_{c}_bytes_per_sample" for c in MEMORY_CLASSES]
                   + ["elements_per_sample"], traffic_rows)
    top = 2 + len(MEMORY_CLASSES)
    tbars = [f"{gp_str(tdata)} skip 1 using 1:{3 + i}:xtic(2) with boxes lc rgb '{COLOURS[i % len(COLOURS)]}' "
             f"title {gp_str(c.replace('_', ' '))}" for i, c in reversed(list(enumerate(MEMORY_CLASSES)))]
    tbars.append(f"{gp_str(tdata)} skip 1 using 1:{top}:(sprintf('%.4g B', ${top})) with labels offset 0,0.8 "
                 "font ',9' notitle")
    fig.plot("traffic" + point.suffix,
             set_title(title_of(name, point, "memory traffic per training sample by memory class (ledger)", averaged=False))
             + "set style fill solid 0.8 border -1\nset boxwidth 0.6\nset xlabel 'learning rule'\n"
             "set ylabel 'bytes read + written per training sample [bytes]'\nset yrange [0:*]\n"
             "set offsets 0, 0, graph 0.08, 0\nset xrange [-0.7:*]\nplot " + ", \\\n  ".join(tbars) + "\n")
    mem_data = f"memory{point.suffix}.csv"
    fig.write_data(mem_data, ["x", "rule", "activation_buffer_peak_elements", "activation_buffer_closed_form_elements",
                              "activation_buffer_eq27_elements", "error_store_peak_elements",
                              "error_store_closed_form_elements", "error_store_eq29_elements",
                              "feedback_closed_form_elements", "feedback_eq28_elements"], mem_rows)
    def pos(c):
        return f"(${c} > 0 ? ${c} : NaN)"  # a log scale: a rule without that memory has no bar

    mem_vals = [v for r in mem_rows for v in r[2:] if isinstance(v, (int, float)) and v > 0]
    mplots = []
    for off, col, mark, pt, lc, what, eq in (("-0.27", 3, 5, 9, COLOURS[0], "activation buffer, peak (ledger)",
                                              "eq. (27)"),
                                             ("", 6, 8, 5, COLOURS[1], "error store, peak (ledger)", "eq. (29)"),
                                             ("+0.27", 9, 10, 7, COLOURS[2], "feedback matrices (closed form)",
                                              "eq. (28)")):
        xs = f"($1{off})"
        if not any(isinstance(r[col - 1], (int, float)) and r[col - 1] > 0 for r in mem_rows):
            continue  # no rule keeps this memory: no bars (gnuplot refuses a plot without points)
        mplots.append(f"{gp_str(mem_data)} skip 1 using {xs}:{pos(col)}" + (":xtic(2)" if col == 3 else "")
                      + f" with boxes lc rgb '{lc}' title {gp_str(what)}")
        mplots.append(f"{gp_str(mem_data)} skip 1 using {xs}:{pos(mark)} with points pt {pt} ps 1.5 lc rgb 'black' "
                      f"title {gp_str(eq)}")
        mplots.append(f"{gp_str(mem_data)} skip 1 using {xs}:{pos(col)}:(sprintf('%.4g', ${col})) with labels "
                      "offset 0,0.7 font ',8' notitle")
    mbody = (set_title(title_of(name, point, "memory a rule keeps for training (log scale)", averaged=False))
             + "set style fill solid 0.8 border -1\nset boxwidth 0.25\nset xlabel 'learning rule'\n"
             f"set ylabel 'memory [elements]'\nset logscale y\nset xrange [-0.7:{len(mem_rows) - 0.3}]\n"
             + (f"set yrange [{min(mem_vals) / 3!r}:{max(mem_vals) * 5!r}]\n" if mem_vals else "")
             + "plot " + ", \\\n  ".join(mplots) + "\n")
    fig.plot("memory" + point.suffix, mbody)
    md.append("FMA per training sample by phase: counted by the ledger (run.json), the exact closed form "
              "(`f3sim formulas`, the generalisation of Appendix A to this configuration) and Appendix A as the paper "
              "prints it (eqs. 14–17: linear layers, no bias, batch 1, SGD — it differs where the run does not "
              f"make those assumptions); data: [{data}]({data}). The figure puts the rules side by side per phase on "
              "a log scale (each bar's value printed, k = 10³, M = 10⁶; the closed form as a black mark), so that "
              "phases a hundred times apart, such as F³'s feedback and BP's, both show.\n")
    md.append("| rule | phase | counted [FMA/sample] | closed form [FMA/sample] | equal | Appendix A [FMA/sample] |")
    md.append("|---|---|---:|---:|---|---:|")
    md.extend(table)
    md.append("")
    md.append(f"![fma{point.suffix}](fma{point.suffix}.png)\n")
    md.append(f"Memory a rule keeps for training, in elements: the ledger's peaks beside eqs. (27)–(29); "
              f"data: [{mem_data}]({mem_data}).\n")
    md.append(f"![memory{point.suffix}](memory{point.suffix}.png)\n")
    md.append(f"Memory traffic per training sample by memory class, in bytes read and written over every phase: "
              f"the ledger's elements times each class's number format (run.json's numerics: weights and biases "
              f"in the weights' format, activation buffer, work and inputs in the activations', error store, "
              f"gradients, optimizer state and feedback in their own); the total printed on each bar; data: "
              f"[{tdata}]({tdata}) (its last column: elements per sample).\n")
    md.append(f"![traffic{point.suffix}](traffic{point.suffix}.png)\n")
    for n in notes:
        md.append(f"- {n}")
    if notes:
        md.append("")


def energy(fig, name, point, md):
    """Energy per sample by item, per rule (compare.csv) and per tile (tiles.csv)."""
    cols = [f"chip_per_sample_energy_{i}_nj" for i in ENERGY_ITEMS]
    rows = []
    for k, r in enumerate(point.compare):
        vals = [point.col(r, c)[0] for c in cols]
        if any(v is None for v in vals):
            return False
        cum, line = 0.0, [k, r["algorithm"]]
        for v in vals:
            cum += v
            line.append(cum)
        rows.append(line)
    if not rows:
        return False
    data = f"energy-rules{point.suffix}.csv"
    fig.write_data(data, ["x", "rule"] + [f"cumulative_{i}_nJ_per_sample" for i in ENERGY_ITEMS], rows)

    def stacked(data, ncols, labels, xlabel, title, fname, rows):
        """Stacked bars of cumulative columns 3 … 2+ncols, each bar's total printed above it and each
        item's value inside its segment where the segment is tall enough to hold it."""
        bars = [f"{gp_str(data)} skip 1 using 1:{3 + i}:xtic(2) with boxes lc rgb '{COLOURS[i % len(COLOURS)]}' "
                f"title {gp_str(labels[i])}" for i in reversed(range(ncols))]
        top = 2 + ncols
        big = 0.06 * max((r[-1] for r in rows), default=0)
        for i in range(ncols):
            c, below = 3 + i, (f"${2 + i}" if i else "0")
            if not any(r[2 + i] - (r[1 + i] if i else 0) >= big for r in rows):
                continue  # no label to print: gnuplot 5.4.4 crashes on a `with labels` of no point
            bars.append(f"{gp_str(data)} skip 1 using 1:(${c} - {below} >= {big!r} ? (${c} + {below}) / 2 : NaN):"
                        f"(sprintf('%.3g', ${c} - {below})) with labels font ',8' notitle")
        bars.append(f"{gp_str(data)} skip 1 using 1:{top}:(sprintf('%.4g nJ', ${top})) with labels offset 0,0.8 "
                    "font ',9' notitle")
        body = (set_title(title) + "set style fill solid 0.8 border -1\nset boxwidth 0.6\n"
                f"set xlabel {gp_str(xlabel)}\nset ylabel 'energy per training sample [nJ]'\n"
                "set yrange [0:*]\nset offsets 0, 0, graph 0.08, 0\nset xrange [-0.7:*]\nset xtics rotate by -30\n"
                "plot " + ", \\\n  ".join(bars) + "\n")
        fig.plot(fname, body, size=(max(900, 300 + 60 * len(rows)), 560))

    stacked(data, len(ENERGY_ITEMS), ENERGY_ITEMS, "learning rule",
            title_of(name, point, "chip energy per training sample by item"), "energy-rules" + point.suffix, rows)
    md.append(f"Energy per training sample on the chip, by item (compare.csv); data: [{data}]({data}).\n")
    md.append(f"![energy-rules{point.suffix}](energy-rules{point.suffix}.png)\n")
    # per tile (the first seed's run: the chip's figures do not depend on the seed)
    trows, x = [], 0
    for rule in point.rules:
        d = point.rule_dirs(rule)[0]
        tpath = os.path.join(d, "tiles.csv")
        if not os.path.isfile(tpath):
            continue
        samples = read_json(os.path.join(d, "run.json"))["ledger"]["samples"] if os.path.isfile(
            os.path.join(d, "run.json")) else 0
        for t in read_csv(tpath):
            cum, line = 0.0, [x, f"{rule} tile {t['tile']}"]
            for i in ENERGY_ITEMS:
                v = num(t.get(f"energy_{i}_pj")) or 0.0
                cum += v / samples / 1e3 if samples else 0.0
                line.append(cum)
            trows.append(line)
            x += 1
    if trows:
        tdata = f"energy-tiles{point.suffix}.csv"
        fig.write_data(tdata, ["x", "rule_tile"] + [f"cumulative_{i}_nJ_per_sample" for i in ENERGY_ITEMS], trows)
        stacked(tdata, len(ENERGY_ITEMS), ENERGY_ITEMS, "learning rule and tile",
                title_of(name, point, "energy per training sample by tile and item", averaged=False), "energy-tiles" + point.suffix,
                trows)
        md.append(f"Per tile (tiles.csv, over the training samples of the run); data: [{tdata}]({tdata}).\n")
        md.append(f"![energy-tiles{point.suffix}](energy-tiles{point.suffix}.png)\n")
    return True


def read_vcd(path):
    """Tile state intervals of trace.vcd: {tile: [(t0, t1, state)]} in cycles."""
    ps_per_cycle, ids, cur, out, t = None, {}, {}, {}, 0
    try:
        f = open(path, encoding="ascii")
    except OSError as e:
        raise Failure(f"{path}: cannot read: {e.strerror}")
    with f:
        for line in f:
            line = line.strip()
            if line.startswith("$comment"):
                m = re.search(r"one cycle = ([0-9.e+-]+) ps", line)
                if m:
                    ps_per_cycle = float(m.group(1))
            elif line.startswith("$var"):
                p = line.split()
                m = re.fullmatch(r"tile(\d+)_state", p[4]) if len(p) > 4 else None
                if m:
                    ids[p[3]] = int(m.group(1))
                    out[int(m.group(1))] = []
            elif line.startswith("#"):
                t = int(line[1:])
            elif line.startswith("b"):
                v, ident = line[1:].split()
                if ident in ids:
                    tile, state = ids[ident], int(v, 2)
                    if tile in cur and cur[tile][1] and t > cur[tile][0]:
                        out[tile].append((cur[tile][0], t, cur[tile][1]))
                    cur[tile] = (t, state)
    if not ids or not ps_per_cycle:
        raise Failure(f"{path}: not an f3sim trace (no tile states or clock)")
    return {k: [(a / ps_per_cycle, b / ps_per_cycle, s) for a, b, s in v] for k, v in out.items()}


def gantt(fig, name, point, md):
    made = False
    for rule in point.rules:
        vcd = os.path.join(point.rule_dirs(rule)[0], "trace.vcd")
        if not os.path.isfile(vcd):
            continue
        tiles = read_vcd(vcd)
        # a window of the first ~40 intervals of the busiest tile: a few samples
        end = max(t[1] for v in tiles.values() for t in v) if any(tiles.values()) else 0
        window = min([v[min(len(v), 40) - 1][1] for v in tiles.values() if v] + [end])
        rows = []
        for tile, ivs in sorted(tiles.items()):
            for a, b, s in ivs:
                if a >= window:
                    break
                rows.append([tile, a, min(b, window), s, TILE_STATES.get(s, str(s))])
        fname = f"gantt-{rule}{point.suffix}"
        data = fname + ".csv"
        fig.write_data(data, ["tile", "start_cycle", "end_cycle", "state", "state_name"], rows)
        plots = []
        for s, label in TILE_STATES.items():
            plots.append(f"{gp_str(data)} skip 1 using (($2+$3)/2):($4=={s} ? $1 : NaN):(($3-$2)/2):(0.35) "
                         f"with boxxyerror fs solid 0.9 noborder lc rgb '{COLOURS[s - 1]}' title {gp_str(label)}")
        body = (set_title(title_of(name, point, f'{rule} pipeline, cycles 0 to {window:.0f}', averaged=False)) + f""
                f"set xlabel 'time [cycles]'\nset ylabel 'tile'\nset ytics 1\nset yrange [0.4:{len(tiles) + 0.6}]\n"
                f"set xrange [0:{window:.0f}]\nplot " + ", \\\n  ".join(plots) + "\n")
        fig.plot(fname, body, size=(1000, 140 + 70 * len(tiles)))
        md.append(f"Pipeline of {rule} from trace.vcd, the first {window:.0f} cycles (per tile: busy, waiting for "
                  f"input, waiting downstream, waiting for memory); data: [{data}]({data}).\n")
        md.append(f"![{fname}]({fname}.png)\n")
        made = True
    return made


def pareto(fig, top, md):
    path = os.path.join(top, "pareto.csv")
    rows = read_csv(path)
    if not rows:
        md.append("pareto.csv is empty.\n")
        return
    missing = [c for c in PARETO_METRICS if c not in rows[0]]
    if missing:
        raise Failure(f"{path}: no column {', '.join(missing)} (an explore's pareto.csv has {', '.join(PARETO_METRICS)})")
    swept = [c for c in rows[0] if c not in PARETO_METRICS and "." in c]
    ranges = []
    for c in swept:
        vals = sorted({r[c] for r in rows}, key=lambda v: (num(v) is None, num(v) or 0, v))
        ranges.append(f"{c} {vals[0]}" + (f"..{vals[-1]}" if len(vals) > 1 else ""))
    swept_text = "; ".join(ranges) if ranges else "no swept keys"
    rules = []
    for r in rows:
        if r["rule"] not in rules:
            rules.append(r["rule"])
    data = "pareto.csv"
    fig.write_data(data, list(rows[0].keys()), [list(r.values()) for r in rows])
    figs = (("pareto-energy-throughput", 3, 2, "throughput [samples/s]", "energy per training sample [nJ]",
             "energy vs throughput"),
            ("pareto-area-throughput", 3, 4, "throughput [samples/s]", "area [mm2]", "area vs throughput"),
            ("pareto-accuracy-energy", 2, 1, "energy per training sample [nJ]", "test accuracy [%]",
             "accuracy vs energy"))
    idx = {c: i + 1 for i, c in enumerate(rows[0].keys())}
    # every point of the explore behind the front, when explore.csv has the same figures
    everything, epath = None, os.path.join(top, "explore.csv")
    if os.path.isfile(epath):
        erows = read_csv(epath)
        if erows and all(c in erows[0] for c in PARETO_METRICS):
            everything = "explore-points.csv"
            fig.write_data(everything, PARETO_METRICS, [[r[c] for c in PARETO_METRICS] for r in erows])
    md.append(f"Pareto front of the explore ({len(rows)} non-dominated points over {', '.join(rules)}; swept: "
              f"{md_cell(swept_text)}); data: [pareto.csv](pareto.csv)"
              + (f", every point of explore.csv in grey: [{everything}]({everything})" if everything else "") + ".\n")
    # per rule: the best front point per objective, its swept values; an objective constant within the
    # rule's front (e.g. accuracy, when only hardware keys vary) has no best point and is said once
    objectives = (("test_accuracy_pct", "highest test accuracy [%]", max),
                  ("energy_per_sample_nJ", "lowest energy per sample [nJ]", min),
                  ("samples_per_second", "highest throughput [samples/s]", max), ("area_mm2", "lowest area [mm2]", min))
    md.append("| rule | front points | objective | best | at |")
    md.append("|---|---:|---|---:|---|")
    for rule in rules:
        rr = [r for r in rows if r["rule"] == rule and num(r["energy_per_sample_nJ"]) is not None]
        const = []
        for col, what, pick in objectives:
            vals = {num(r[col]) for r in rr if num(r[col]) is not None}
            if len(vals) <= 1:
                const.append(f"{what.split(' [')[0].split(' ', 1)[1]} {fmt_n(next(iter(vals)))}" if vals else col)
                continue
            b = pick(rr, key=lambda r: num(r[col]) if num(r[col]) is not None else (-math.inf if pick is max
                                                                                       else math.inf))
            md.append(f"| {md_cell(rule)} | {len(rr)} | {what} | {fmt_n(num(b[col]))} | "
                      + md_cell(" ".join(f"{c}={b[c]}" for c in swept)) + " |")
        if const:
            md.append(f"| {md_cell(rule)} | {len(rr)} | the same at every point: {md_cell('; '.join(const))} | | |")
    md.append("")
    for fname, xc, yc, xl, yl, what in figs:
        xcol, ycol = idx[PARETO_METRICS[xc]], idx[PARETO_METRICS[yc]]
        plots = [f"{gp_str(data)} skip 1 using (strcol({idx['rule']}) eq {gp_str(rule)} ? ${xcol} : NaN):{ycol} "
                 f"with points pt 7 ps 1.2 lc rgb '{colour(rule)}' title {gp_str(rule)}" for rule in rules]
        if everything:
            plots.insert(0, f"{gp_str(everything)} skip 1 using {xc + 1}:{yc + 1} with points pt 7 ps 0.4 "
                            f"lc rgb '#c8c8c8' title 'every point explored'")
        body = (set_title(f'Pareto front: {what} ({swept_text})') + f"set xlabel {gp_str(xl)}\n"
                f"set ylabel {gp_str(yl)}\n" + ("set logscale x\n" if 'throughput' in xl else "")
                + "plot " + ", \\\n  ".join(plots) + "\n")
        fig.plot(fname, body)
        md.append(f"![{fname}]({fname}.png)\n")


BUDGET_UNITS = {"area_mm2": "area budget [mm2]", "power_mw": "power budget [mW]", "lanes": "lane budget [lanes]"}


def budget_figures(fig, top, md):
    """f3sim compare: each rule's best point against the budget, per budget kind."""
    path = os.path.join(top, "compare_budget.csv")
    rows = read_csv(path)
    need = ["budget", "rule", "objective", "energy_per_sample_nJ", "samples_per_second"]
    if not rows:
        md.append("compare_budget.csv is empty.\n")
        return
    missing = [c for c in need if c not in rows[0]]
    if missing:
        raise Failure(f"{path}: no column {', '.join(missing)}")
    kinds, rules = [], []
    for r in rows:
        k = r["budget"].split("=")[0]
        if k not in kinds:
            kinds.append(k)
        if r["rule"] not in rules:
            rules.append(r["rule"])
    md.append("Each learning rule on its own best chip at an equal budget (f3sim compare, analytic evaluator); "
              "data: [compare_budget.csv](compare_budget.csv).\n")
    for i, kind in enumerate(kinds):
        suffix = "" if i == 0 else f"-{kind}"
        data = f"budget{suffix}.csv"
        out = []
        for rule in rules:
            sel = [r for r in rows if r["budget"].split("=")[0] == kind and r["rule"] == rule]
            for b in sorted({num(r["budget"].split("=")[1]) for r in sel}):
                e = [r for r in sel if num(r["budget"].split("=")[1]) == b and r["objective"] == "energy_per_sample"]
                t = [r for r in sel if num(r["budget"].split("=")[1]) == b and r["objective"] == "samples_per_second"]
                out.append([rule, b, num(e[0]["energy_per_sample_nJ"]) if e else None,
                            num(t[0]["samples_per_second"]) if t else None])
        fig.write_data(data, ["rule", f"budget_{kind}", "best_energy_per_sample_nJ", "best_samples_per_second"], out)
        for fname, col, ylabel, what in (("budget-energy", 3, "energy per training sample [nJ]",
                                          "lowest energy per sample"),
                                         ("budget-throughput", 4, "throughput [samples/s]", "highest throughput")):
            plots = [f"{gp_str(data)} skip 1 using (strcol(1) eq {gp_str(rule)} ? $2 : NaN):{col} with linespoints "
                     f"pt 7 ps 1.2 lc rgb '{colour(rule)}' title {gp_str(rule)}" for rule in rules]
            body = (set_title(f'{what} within the budget, each rule on its best chip') + f""
                    f"set xlabel {gp_str(BUDGET_UNITS.get(kind, kind))}\nset ylabel {gp_str(ylabel)}\n"
                    "set logscale x\nset logscale y\nplot " + ", \\\n  ".join(plots) + "\n")
            fig.plot(fname + suffix, body)
            md.append(f"![{fname + suffix}]({fname + suffix}.png)\n")


# ---- across the points: the summary table and the figures over the swept keys ------------

# (column of summary.csv, its header in report.md, the column of compare.csv/sweep.csv, of explore.csv)
SUMMARY_METRICS = ([("best_test_accuracy_pct", "best test accuracy [%]", "best_test_accuracy_percent",
                     "best_test_accuracy_pct"),
                    ("final_test_accuracy_pct", "final test accuracy [%]", "final_test_accuracy_percent",
                     "test_accuracy_pct"),
                    ("final_test_loss", "final test loss [loss]", "final_test_loss", None),
                    ("energy_per_sample_nJ", "energy per sample [nJ]", "chip_per_sample_energy_nj",
                     "energy_per_sample_nJ")]
                   + [(f"energy_{i}_per_sample_nJ", f"{i.replace('_', ' ')} [nJ/sample]",
                       f"chip_per_sample_energy_{i}_nj", f"energy_{i}_per_sample_nJ") for i in ENERGY_ITEMS]
                   + [("samples_per_second", "throughput [samples/s]", "chip_samples_per_second",
                       "samples_per_second"),
                      ("area_mm2", "area [mm2]", "chip_area_mm2", "area_mm2")])
# the figures over the swept keys: (name, column, y label, better: +1 higher, -1 lower)
SUMMARY_FIGURES = [("accuracy", "final_test_accuracy_pct", "final test accuracy [%]", 1),
                   ("loss", "final_test_loss", "final test loss", -1),
                   ("energy", "energy_per_sample_nJ", "energy per training sample [nJ]", -1),
                   ("throughput", "samples_per_second", "throughput [samples/s]", 1),
                   ("area", "area_mm2", "area [mm2]", -1)]
MAX_LINE_GROUPS = 6      # more combinations of the other keys: the best over them per rule
MAX_KEY_VALUES = 64      # an explored key with more values (random, lhs) gets no figure


def slug(s):
    return re.sub(r"[^A-Za-z0-9]+", "-", s).strip("-").lower() or "key"


def value_order(vals):
    """Numbers by value, then everything else as text (a swept key's values as YAML text)."""
    return sorted(vals, key=lambda v: (num(v) is None, num(v) if num(v) is not None else 0, v))


def key_dimensions(rows, keys):
    """The swept keys grouped into dimensions: a key whose value follows from another's (a zipped
    group of a sweep) joins that key's dimension.  [[key, ...], ...] in the keys' order."""
    dims = []
    for k in keys:
        for d in dims:
            lead = d[0]
            pairs = {(r["keys"][lead], r["keys"][k]) for r in rows}
            if len(pairs) == len({r["keys"][lead] for r in rows}):
                d.append(k)
                break
        else:
            dims.append([k])
    return dims


def sweep_summary_rows(points):
    """One row per point and rule: the swept keys, then the metrics (mean over the seeds)."""
    rows = []
    for p in points:
        for r in p.compare:
            vals = {m[0]: p.col(r, m[2])[0] for m in SUMMARY_METRICS}
            vals["final_test_accuracy_pct_std"] = p.col(r, "final_test_accuracy_percent")[1]
            rows.append({"point": int(p.number), "rule": r["algorithm"], "keys": dict(p.keyvals),
                         "seeds": len(p.seeds) if p.seeded else None, "vals": vals})
    return rows


def explore_summary_rows(top):
    path = os.path.join(top, "explore.csv")
    erows = read_csv(path)
    if not erows:
        return [], []
    cols = list(erows[0].keys())
    if "rule" not in cols:
        raise Failure(f"{path}: no column rule (an explore's explore.csv has one)")
    # the swept keys: between rule and status, else (an older table) the columns named by a key path
    keys = (cols[cols.index("rule") + 1:cols.index("status")] if "status" in cols
            else [c for c in cols if "." in c])
    rows = []
    for r in erows:
        vals = {m[0]: (num(r.get(m[3])) if m[3] else None) for m in SUMMARY_METRICS}
        rows.append({"point": int(r["point"]) if r.get("point", "").isdigit() else len(rows), "rule": r["rule"],
                     "keys": {k: r[k] for k in keys}, "seeds": None, "vals": vals,
                     "feasible": r.get("feasible", "1") in ("1", "true", "yes"), "status": r.get("status", "")})
    return rows, keys


def summary_columns(rows):
    """The metric columns that hold a value somewhere (a run without a chip has no energy)."""
    cols = [m for m in SUMMARY_METRICS if any(r["vals"].get(m[0]) is not None for r in rows)]
    if any(r["vals"].get("final_test_accuracy_pct") is not None for r in rows):
        cols = [m for m in cols if m[0] != "final_test_loss"]  # classification: accuracy says it
    return cols


def write_summary(fig, rows, keys, is_explore, loss_units, md):
    """summary.csv and its table in report.md: one row per point and rule."""
    cols = summary_columns(rows)
    seeded = any(r["seeds"] for r in rows)
    header = (["point", "rule"] + keys + (["feasible", "status"] if is_explore else [])
              + (["seeds"] if seeded else []) + [c[0] for c in cols]
              + (["final_test_accuracy_pct_std"] if seeded and any(c[0] == "final_test_accuracy_pct" for c in cols)
                 else []))
    out = []
    for r in rows:
        line = [r["point"], r["rule"]] + [r["keys"][k] for k in keys]
        if is_explore:
            line += [1 if r["feasible"] else 0, r["status"]]
        if seeded:
            line.append(r["seeds"])
        line += [r["vals"].get(c[0]) for c in cols]
        if len(line) < len(header):
            line.append(r["vals"].get("final_test_accuracy_pct_std"))
        out.append(line)
    fig.write_data("summary.csv", header, out)
    units = loss_units.split(" ")[0] if loss_units else "loss"
    what = ("every point of explore.csv and rule" if is_explore else "one row per point and rule")
    md.append(f"Summary, {what}: the swept keys, then the final test accuracy (or loss), the chip's energy per "
              "training sample and its items, throughput and area"
              + (" (the mean over the seeds; the chip's figures do not depend on the seed)" if seeded else "")
              + "; data: [summary.csv](summary.csv).\n")
    if len(rows) > 200:
        md.append(f"({len(rows)} rows: too many for this page; summary.csv holds them all, the figures below "
                  "summarise them.)\n")
        return cols
    zero = [c for c in cols if c[0].startswith("energy_") and c[0] != "energy_per_sample_nJ"
            and all((r["vals"].get(c[0]) or 0) == 0 for r in rows)]
    shown = [c for c in cols if c not in zero]
    md.append("| point | rule | " + " | ".join(md_cell(k) for k in keys)
              + (" | status" if is_explore else "") + " | "
              + " | ".join(c[1].replace("[loss]", f"[{units}]") for c in shown) + " |")
    md.append("|---:|---|" + "---|" * len(keys) + ("---|" if is_explore else "") + "---:|" * len(shown))
    for r in rows:
        cells = [str(r["point"]), md_cell(r["rule"])] + [md_cell(r["keys"][k]) for k in keys]
        if is_explore:
            cells.append(md_cell(r["status"]))
        for c in shown:
            v = r["vals"].get(c[0])
            if c[0] == "final_test_accuracy_pct" and r["vals"].get("final_test_accuracy_pct_std") is not None:
                cells.append(pm(v, r["vals"]["final_test_accuracy_pct_std"]))
            else:
                cells.append(fmt_n(v))
        md.append("| " + " | ".join(cells) + " |")
    md.append("")
    if zero:
        md.append(f"Energy items that are 0 at every point are left out of this table (not of summary.csv): "
                  f"{', '.join(c[0].split('_per_')[0][7:] for c in zero)}.\n")
    return cols


def x_axis(rows, dim):
    """The x positions of a dimension's values: numbers (one key, every value a number) or categories."""
    lead = dim[0]
    values = value_order({r["keys"][lead] for r in rows})
    numeric = len(dim) == 1 and all(num(v) is not None for v in values)
    if not numeric:  # categories in the sweep's order (fp32, bf16, … as written)
        values = list(dict.fromkeys(r["keys"][lead] for r in rows))
    labels = {}
    for r in rows:
        labels[r["keys"][lead]] = "/".join(r["keys"][k] for k in dim)
    pos = {v: (num(v) if numeric else float(i)) for i, v in enumerate(values)}
    return values, numeric, pos, labels


def xaxis_commands(dim, values, numeric, pos, labels):
    tics = ", ".join(f"{gp_str(labels[v])} {pos[v]!r}" for v in values)
    cmd = f"set xlabel {gp_str(' / '.join(dim))}\nset xtics ({tics})\n"
    if numeric:
        lo, hi = min(pos.values()), max(pos.values())
        if lo > 0 and hi / lo >= 8:
            cmd += f"set logscale x\nset xrange [{lo / 1.3!r}:{hi * 1.3!r}]\n"
        elif hi > lo:
            pad = (hi - lo) * 0.05
            cmd += f"set xrange [{lo - pad!r}:{hi + pad!r}]\n"
    else:
        cmd += f"set xrange [-0.5:{len(values) - 0.5}]\n"
        if sum(len(labels[v]) for v in values) > 60:
            cmd += "set xtics rotate by -30\n"
    return cmd


def summary_figures(fig, name, rows, keys, cols, is_explore, loss_units, md):
    """Each metric over the swept key on the x axis, one line per rule."""
    have = {c[0] for c in cols}
    plot_rows = [r for r in rows if not is_explore or r["feasible"]]
    if not plot_rows or not keys:
        return
    rules = []
    for r in plot_rows:
        if r["rule"] not in rules:
            rules.append(r["rule"])
    units = loss_units.split(" ")[0] if loss_units else ""
    dims = key_dimensions(plot_rows, keys)
    varying = [d for d in dims if len({r["keys"][d[0]] for r in plot_rows}) > 1] or dims[:1]
    if is_explore:
        # every explored key in turn, the best point over the other keys at each of its values
        axes = [[k] for d in varying for k in d if len({r["keys"][k] for r in plot_rows}) <= MAX_KEY_VALUES][:6]
        skipped = [k for d in varying for k in d if [k] not in axes]
        if skipped:
            md.append(f"No figure over {', '.join(skipped)}: too many values (random or lhs sampling) — the Pareto "
                      "fronts below show them.\n")
    else:
        x = max(varying, key=lambda d: (len({r["keys"][d[0]] for r in plot_rows}), -varying.index(d)))
        axes = [x]
    md.append("Each figure over " + ("each explored key (feasible points)" if is_explore else "the swept key")
              + ": one colour per rule" + ("; at each value, the best point over the other explored keys"
                                           if is_explore and len(varying) > 1 else "") + ".\n")
    for dim in axes:
        others = [d for d in varying if d != dim and not (is_explore)]
        groups = value_order({" ".join(f"{k}={r['keys'][k]}" for d in others for k in d) for r in plot_rows})
        best_of = is_explore or len(groups) > MAX_LINE_GROUPS
        if best_of and not is_explore:
            md.append(f"{len(groups)} combinations of the other swept keys: each line is the best over them.\n")
            groups = [""]
        values, numeric, pos, labels = x_axis(plot_rows, dim)
        suffix = ("-" + slug(dim[0])) if is_explore else ""
        data = f"summary-lines{suffix}.csv"
        mcols = [c for c in (f[1] for f in SUMMARY_FIGURES) if c in have]
        items = [f"energy_{i}_per_sample_nJ" for i in ENERGY_ITEMS if f"energy_{i}_per_sample_nJ" in have
                 and any((r["vals"].get(f"energy_{i}_per_sample_nJ") or 0) > 0 for r in plot_rows)]
        lines = []
        for rule in rules:
            for g in groups:
                for v in values:
                    sel = [r for r in plot_rows if r["rule"] == rule and r["keys"][dim[0]] == v
                           and (best_of or " ".join(f"{k}={r['keys'][k]}" for d in others for k in d) == g)]
                    if not sel:
                        continue
                    line = [pos[v], labels[v], rule, g]
                    for c in mcols + items:
                        better = next((f[3] for f in SUMMARY_FIGURES if f[1] == c), -1)
                        vs = [r["vals"].get(c) for r in sel if r["vals"].get(c) is not None]
                        if not vs:
                            line.append(None)
                        elif c in items:  # the items of the point with the lowest energy
                            e = min(sel, key=lambda r: r["vals"].get("energy_per_sample_nJ") or math.inf)
                            line.append(e["vals"].get(c))
                        else:
                            line.append(max(vs) if better > 0 else min(vs))
                    lines.append(line)
        fig.write_data(data, ["x", "x_label", "rule", "group"] + mcols + items, lines)
        idx = {c: 5 + i for i, c in enumerate(mcols + items)}
        axis = xaxis_commands(dim, values, numeric, pos, labels)
        on = " / ".join(dim)
        for fname, c, ylabel, better in SUMMARY_FIGURES:
            if c not in have:
                continue
            if c == "final_test_loss" and units:
                ylabel = f"final test loss [{units}]"
            plots = []
            for rule in rules:
                for gi, g in enumerate(groups):
                    if not any(l[2] == rule and l[3] == g for l in lines):
                        continue
                    sel = f"(strcol(3) eq {gp_str(rule)} && strcol(4) eq {gp_str(g)} ? ${idx[c]} : NaN)"
                    title = rule + (f", {g}" if g else "")
                    plots.append(f"{gp_str(data)} skip 1 using 1:{sel} with linespoints lc rgb '{colour(rule)}' "
                                 f"dt {gi + 1} pt {7 + 2 * gi} ps 1 lw 2 title {gp_str(title)}")
            if not plots:
                continue
            what = f"{ylabel.split(' [')[0]} over {on}" + (" (best over the other keys)" if best_of and len(varying) > 1
                                                           else "")
            log = ""
            ys = [l[idx[c] - 1] for l in lines if l[idx[c] - 1] is not None]
            if ys and min(ys) > 0 and max(ys) / min(ys) >= 20:
                log = "set logscale y\n"
            body = (set_title(f"{name}: {what}") + axis + f"set ylabel {gp_str(ylabel)}\n" + log
                    + "set offsets 0, 0, graph 0.05, graph 0.05\n"
                    + "plot " + ", \\\n  ".join(plots) + "\n")
            fig.plot(f"summary-{fname}{suffix}", body)
            md.append(f"![summary-{fname}{suffix}](summary-{fname}{suffix}.png)\n")
        # energy by item over the key, one figure per rule (the first combination of the other keys)
        if items:
            for rule in rules:
                g = groups[0]
                plots = []
                for i, it in enumerate(ENERGY_ITEMS):
                    c = f"energy_{it}_per_sample_nJ"
                    if c not in items:
                        continue
                    sel = f"(strcol(3) eq {gp_str(rule)} && strcol(4) eq {gp_str(g)} ? ${idx[c]} : NaN)"
                    plots.append(f"{gp_str(data)} skip 1 using 1:{sel} with linespoints lc rgb '{COLOURS[i]}' pt 7 "
                                 f"ps 1 lw 2 title {gp_str(it.replace('_', ' '))}")
                fname = f"summary-energy-items-{slug(rule)}{suffix}"
                at = f" at {g}" if g else ""
                body = (set_title(f"{name}: {rule}, energy per training sample by item over {on}{at}") + axis
                        + "set ylabel 'energy per training sample [nJ]'\nset logscale y\n"
                        + "plot " + ", \\\n  ".join(plots) + "\n")
                fig.plot(fname, body)
                md.append(f"![{fname}]({fname}.png)\n")
        md.append(f"Data of these figures: [{data}]({data})"
                  + (" (at each value, the best point over the other keys; the energy items are those of the point "
                     "with the lowest energy)" if best_of and len(varying) > 1 else "") + ".\n")


def summary(fig, name, top, points, is_sweep, md):
    """The cross-point summary of a sweep (sweep.csv / point-NNN) or an explore (explore.csv)."""
    loss_units = ""
    for p in points:
        for rule in p.rules:
            rj = os.path.join(p.rule_dirs(rule)[0], "run.json")
            if os.path.isfile(rj):
                loss_units = read_json(rj).get("loss_units", "")
                break
        if loss_units:
            break
    is_explore = not is_sweep and os.path.isfile(os.path.join(top, "explore.csv"))
    if is_explore:
        rows, keys = explore_summary_rows(top)
    elif is_sweep:
        rows = sweep_summary_rows(points)
        keys = []
        for p in points:
            for k in p.keyvals:
                if k not in keys:
                    keys.append(k)
        for r in rows:
            for k in keys:
                r["keys"].setdefault(k, "")
    else:
        return False
    if not rows:
        return False
    md.append("## Summary across the points\n")
    cols = write_summary(fig, rows, keys, is_explore, loss_units, md)
    summary_figures(fig, name, rows, keys, cols, is_explore, loss_units, md)
    return True


def summary_table(point, md):
    chip = point_has_chip(point)
    md.append("| rule | best test accuracy [%] | final test accuracy [%] | best test loss | FMA per run [FMA] |"
              + (" chip throughput [samples/s] | chip energy [nJ/sample] | area [mm2] |" if chip else ""))
    md.append("|---|---:|---:|---:|---:|" + ("---:|---:|---:|" if chip else ""))
    for r in point.compare:
        cells = [pm(*point.col(r, "best_test_accuracy_percent")), pm(*point.col(r, "final_test_accuracy_percent")),
                 pm(*point.col(r, "best_test_loss"), digits=4), fmt(point.col(r, "fma")[0], 6)]
        if chip:
            cells += [fmt(point.col(r, "chip_samples_per_second")[0], 6),
                      fmt(point.col(r, "chip_per_sample_energy_nj")[0], 6), fmt(point.col(r, "chip_area_mm2")[0], 6)]
        md.append(f"| {r['algorithm']} | " + " | ".join(cells) + " |")
    md.append("")


def paper_tables(point, md):
    """With seeds: Tables 4 and 5 of the paper (best test accuracy and loss, mean ± σ over the seeds)
    beside the paper's numbers — analysis/summarize_reproduction.py's numbers and pooling, imported."""
    import summarize_reproduction as sr
    ds = None
    for rule in point.rules:
        rj = os.path.join(point.rule_dirs(rule)[0], "run.json")
        if os.path.isfile(rj):
            ds = read_json(rj).get("dataset", {}).get("name")
            break
    if ds not in sr.PAPER_ACC:
        md.append(f"The paper's Tables 4 and 5 have no numbers for the data set {md_cell(ds or '(unknown)')} "
                  f"(they cover {', '.join(sr.PAPER_ACC)}).\n")
        return
    try:
        rows = [r for r in sr.pool(ds, [point.folder]) if r["seeds"]]
    except sr.NotFinished as e:
        md.append(f"No comparison with the paper: {md_cell(e)}.\n")
        return
    if not rows:
        md.append(f"None of the rules run ({', '.join(point.rules)}) is a column of the paper's Tables 4 and 5 "
                  f"({', '.join(sr.COLUMNS)}).\n")
        return
    md.append(f"Best test accuracy (Table 5) and best test loss (Table 4) on {ds}, mean ± sample σ over the seeds, "
              "beside the paper's mean ± σ over ten seeds (analysis/summarize_reproduction.py):\n")
    md.append("| column | seeds | best test accuracy [%] | paper [%] | mean − paper [paper σ] | best test loss | "
              "paper loss |")
    md.append("|---|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        sd = lambda v: "" if v is None or math.isnan(v) else f" ± {v:.2f}"
        sd3 = lambda v: "" if v is None or math.isnan(v) else f" ± {v:.3f}"
        md.append(f"| {r['column']} | {len(r['seeds'])} | {r['acc_mean']:.2f}{sd(r['acc_std'])} | "
                  f"{r['paper_acc']:.2f} ± {r['paper_acc_std']:.2f} | {r['sigma_distance']:+.1f} | "
                  f"{r['loss_mean']:.3f}{sd3(r['loss_std'])} | {r['paper_loss']:.2f} ± {r['paper_loss_std']:.2f} |")
    md.append("")


def learning_overhead(point, md):
    """Training against the inference-only baseline on the same chip
    (run.json's hardware.inference and hardware.learning_overhead): what
    on-chip-learning chips report.  The first seed's run when seeded (the
    chip's figures do not depend on the seed)."""
    rows = []
    for rule in point.rules:
        path = os.path.join(point.rule_dirs(rule)[0], "run.json")
        if not os.path.isfile(path):
            continue
        h = read_json(path).get("hardware", {})
        inf, ov = h.get("inference"), h.get("learning_overhead")
        if not isinstance(inf, dict) or not isinstance(ov, dict) or "energy_per_sample_pj" not in inf:
            continue
        rows.append(f"| {rule} | {fmt(h['energy_per_sample_pj'] / 1e3, 6)} | {fmt(inf['energy_per_sample_pj'] / 1e3, 6)} | "
                    f"{fmt(ov['energy_per_sample_pct'], 4)} | {fmt(ov['training_power_mw'], 4)} | {fmt(inf['power_mw'], 4)} | "
                    f"{fmt(ov['power_pct'], 4)} | {fmt(h['area_mm2'], 5)} | {fmt(inf['area_mm2'], 5)} | {fmt(ov['area_pct'], 4)} |")
    if not rows:
        return False
    md.append("Training against an inference-only pass of the same network on the same chip (forward passes only, "
              "without the ROM, error store, optimiser state, accumulator, stash and training lanes; "
              "docs/hardware-model.md, Outputs: `inference`):\n")
    md.append("| rule | training [nJ/sample] | inference [nJ/sample] | + energy [%] | training power [mW] | "
              "inference power [mW] | + power [%] | training area [mm2] | inference area [mm2] | + area [%] |")
    md.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    md.extend(rows)
    md.append("")
    return True


def status_of(folder):
    p = os.path.join(folder, "status.json")
    if not os.path.isfile(p):
        return None
    try:
        return read_json(p).get("state")
    except Failure:
        return None


def build(top, out, f3sim, quiet):
    name = os.path.basename(os.path.abspath(top))
    points, is_sweep, note = find_points(top)
    has_pareto = os.path.isfile(os.path.join(top, "pareto.csv"))
    has_budget = os.path.isfile(os.path.join(top, "compare_budget.csv"))
    st = status_of(top)
    if not points and not has_pareto and not has_budget and st and st != "done":
        # a run stopped before any rule finished: say so, with how far each rule got
        os.makedirs(out, exist_ok=True)
        md = [f"# Report: {name}\n", f"Results folder: `{os.path.abspath(top)}`.\n",
              f"**The run is not done (status.json: {st}) and no rule has finished: nothing to plot yet.**\n"]
        for d in sorted(os.listdir(top)):
            part = os.path.join(top, d, "epochs.partial.csv")
            if os.path.isfile(part):
                md.append(f"- `{d}`: {len(read_csv(part))} epoch(s) done (epochs.partial.csv)")
        with open(os.path.join(out, "report.md"), "w") as f:
            f.write("\n".join(md) + "\n")
        return []
    if not points and not has_pareto and not has_budget:
        raise Usage(f"{top}: not an f3sim results folder (no compare.csv, sweep.csv, point-NNN/, run.json, "
                    "pareto.csv or compare_budget.csv)")
    fig = Figures(out, quiet)
    md = [f"# Report: {name}\n", f"Results folder: `{os.path.abspath(top)}`. Written by `f3sim report`; every figure "
          "is a PNG with its SVG, its gnuplot script (.gp) and its data (.csv) beside it.\n"]
    if st and st != "done":
        md.append(f"**The run is not done (status.json: {st}): these results are incomplete.**\n")
    if note:
        md.append(f"Note: {note}.\n")
    if is_sweep:
        md.append(f"A sweep of {len(points)} point{'' if len(points) == 1 else 's'}: the summary across them first, "
                  "then each point.\n")
    summary(fig, name, top, points, is_sweep, md)
    for p in points:
        if is_sweep:
            md.append(f"## Point {p.folder[-3:]}: {md_cell(p.label) or '(no swept values)'}\n")
        pst = status_of(p.folder)
        if pst and pst != "done":
            md.append(f"**This point is not done (status.json: {pst}).**\n")
        if p.seeded:
            md.append(f"Mean ± sample standard deviation over {len(p.seeds)} seeds "
                      f"({', '.join(map(str, p.seeds))}).\n")
        summary_table(p, md)
        h = "###" if is_sweep else "##"
        if p.seeded:
            md.append(f"{h} Against the paper (Tables 4 and 5)\n")
            paper_tables(p, md)
        md.append(f"{h} Accuracy and loss\n")
        curves(fig, name, p, md)
        md.append(f"{h} Operations and memory: the ledger beside Appendix A\n")
        ledger(fig, name, p, f3sim, md)
        if point_has_chip(p):
            md.append(f"{h} Energy on the chip\n")
            energy(fig, name, p, md)
            md.append(f"{h} What learning adds\n")
            if not learning_overhead(p, md):
                md.append("No inference baseline in run.json (a run before issue 18).\n")
            md.append(f"{h} What bounds each tile\n")
            if not bounds(fig, p, md, quiet=fig.quiet):
                md.append("No bounds.csv (a run before issue 22).\n")
            md.append(f"{h} Pipeline\n")
            if not gantt(fig, name, p, md):
                md.append("No trace.vcd (set outputs.trace: true for a pipeline chart).\n")
    if has_pareto:
        md.append("## Pareto fronts\n")
        pareto(fig, top, md)
    if has_budget:
        md.append("## At an equal budget\n")
        budget_figures(fig, top, md)
    with open(os.path.join(out, "report.md"), "w", encoding="utf-8") as f:
        f.write("\n".join(md) + "\n")
    return fig.made


def bounds(fig, point, md, quiet=True):
    """Per rule: each tile's utilisation and what bounds its steps (bounds.csv), its roofline and
    busy/wait/idle bar (analysis/roofline.py: bounds-<rule>-roofline_tile<N>, bounds-<rule>-tile_states)."""
    import roofline
    done = False
    for rule in point.rules:
        d = point.rule_dirs(rule)[0]
        path = os.path.join(d, "bounds.csv")
        if not os.path.isfile(path):
            continue
        rows = read_csv(path)
        tiles = {}
        for r in rows:
            t = tiles.setdefault(r["tile"], {"busy": r["busy_percent"], "input": r["wait_input_percent"],
                                             "down": r["wait_downstream_percent"], "mem": r["wait_memory_percent"],
                                             "idle": r["idle_percent"], "by": {}})
            cyc = (num(r["cycles"]) or 0.0) * (num(r["reps_per_batch"]) or 0.0)
            t["by"][r["bound"]] = t["by"].get(r["bound"], 0.0) + cyc
        md.append(f"**{rule}** ({os.path.relpath(path, os.path.dirname(d))}): each tile's time over the run "
                  "[% of the run's cycles] and the bound of its steps, weighted by their cycles per batch "
                  "(docs/hardware-model.md, \"What bounds a tile\").\n")
        md.append("| tile | busy [%] | waiting for input [%] | waiting downstream [%] | waiting for DRAM [%] | idle [%] "
                  "| steps bound by [% of the tile's step cycles] |")
        md.append("|---:|---:|---:|---:|---:|---:|---|")
        for k, t in tiles.items():
            tot = sum(t["by"].values()) or 1.0
            by = ", ".join(f"{b} {100 * c / tot:.0f}" for b, c in sorted(t["by"].items(), key=lambda x: -x[1]))
            md.append(f"| {k} | {fmt(num(t['busy']), 3)} | {fmt(num(t['input']), 3)} | {fmt(num(t['down']), 3)} | "
                      f"{fmt(num(t['mem']), 3)} | {fmt(num(t['idle']), 3)} | {by} |")
        md.append("")
        pre = f"bounds-{rule}{point.suffix}-"
        try:
            made = roofline.write_figures(d, fig.out, quiet, prefix=pre)
        except (roofline.Usage, roofline.Failure) as e:
            md.append(f"No roofline: {e}.\n")
            done = True
            continue
        for name in made:
            md.append(f"![{name}]({name}.png)")
        md.append("")
        done = True
    return done


def point_has_chip(p):
    return bool(p.compare) and p.col(p.compare[0], "chip_per_sample_energy_nj")[0] is not None


# ---- f3sim report --compare A B ---------------------------------------------------------

# (name, header with unit, compare.csv column)
COMPARE_METRICS = ([("best_test_accuracy_pct", "best test accuracy [%]", "best_test_accuracy_percent"),
                    ("final_test_accuracy_pct", "final test accuracy [%]", "final_test_accuracy_percent"),
                    ("best_test_loss", "best test loss [loss]", "best_test_loss"),
                    ("fma_per_run", "FMA of the training [FMA]", "fma"),
                    ("energy_per_sample_nJ", "energy per sample [nJ]", "chip_per_sample_energy_nj")]
                   + [(f"energy_{i}_per_sample_nJ", f"energy: {i.replace('_', ' ')} [nJ/sample]",
                       f"chip_per_sample_energy_{i}_nj") for i in ENERGY_ITEMS]
                   + [("samples_per_second", "chip throughput [samples/s]", "chip_samples_per_second"),
                      ("cycles_per_sample", "chip cycles per sample [cycles]", "chip_per_sample_cycles"),
                      ("area_mm2", "area [mm2]", "chip_area_mm2")])
RESULT_FILES = ("status.json", "compare.csv", "sweep.csv", "run.json", "explore.csv", "pareto.csv",
                "compare_budget.csv", "scenario.resolved.yaml")


def folder_rows(top):
    """{(point label, rule): {metric: value}} of a results folder's latest run (mean over seeds)."""
    points, _, _ = find_points(top)
    if not points:
        raise Usage(f"{top}: not an f3sim results folder to compare (no compare.csv, sweep.csv, point-NNN/ or "
                    "run.json)")
    out, order = {}, []
    for p in points:
        for r in p.compare:
            vals = {m[0]: p.col(r, m[2])[0] if p.single is None else num(r.get(m[2])) for m in COMPARE_METRICS}
            if p.single is not None:  # f3sim train --out: the chip's figures from run.json
                h = read_json(os.path.join(top, "run.json")).get("hardware") or {}
                if h.get("energy_per_sample_pj") is not None:
                    vals["energy_per_sample_nJ"] = h["energy_per_sample_pj"] / 1e3
                    vals["samples_per_second"] = h.get("samples_per_second")
                    vals["cycles_per_sample"] = h.get("cycles_per_sample")
                    vals["area_mm2"] = h.get("area_mm2")
            out[(p.label, r["algorithm"])] = vals
            order.append((p.label, r["algorithm"]))
    return out, order


def compare_folders(a, b, out_dir, quiet):
    """Two results folders side by side: per point and rule, each metric of A, of B and B/A."""
    ra, oa = folder_rows(a)
    rb, ob = folder_rows(b)
    keys = [k for k in oa if k in rb]
    if not keys:
        def has(o):
            labels = list(dict.fromkeys(k[0] for k in o))
            at = (f" at {len(labels)} point(s) ({labels[0] or 'no swept values'}"
                  + (", …" if len(labels) > 1 else "") + ")") if any(labels) else " (no sweep)"
            return ", ".join(sorted({k[1] for k in o})) + at
        raise Usage(f"{a} and {b} have no rule at a point with the same swept values in common: A has {has(oa)}; "
                    f"B has {has(ob)}")
    only = [k for k in oa if k not in rb] + [k for k in ob if k not in ra]
    metrics = [m for m in COMPARE_METRICS if any(ra[k].get(m[0]) is not None or rb[k].get(m[0]) is not None
                                                 for k in keys)]
    rows = []
    for k in keys:
        for m in metrics:
            va, vb = ra[k].get(m[0]), rb[k].get(m[0])
            if va is None and vb is None:
                continue
            ratio = vb / va if va not in (None, 0) and vb is not None else None
            rows.append([k[0], k[1], m[0], m[1].split("[")[-1].rstrip("]"), va, vb, ratio])
    na, nb = os.path.basename(os.path.abspath(a)), os.path.basename(os.path.abspath(b))
    md = [f"# {nb} against {na}\n", f"A: `{os.path.abspath(a)}`  \nB: `{os.path.abspath(b)}`\n",
          "Per rule" + (" and point" if any(k[0] for k in keys) else "") + ": each figure of A, of B, and the ratio "
          "B/A (the mean over the seeds where a run has several; empty where A's figure is 0 or either is missing).\n"]
    last = None
    for r in rows:
        if (r[0], r[1]) != last:
            last = (r[0], r[1])
            md.append("")
            md.append(f"## {md_cell(r[1])}" + (f" at {md_cell(r[0])}" if r[0] else "") + "\n")
            md.append(f"| figure | A: {md_cell(na)} | B: {md_cell(nb)} | B/A |")
            md.append("|---|---:|---:|---:|")
        head = next(m[1] for m in COMPARE_METRICS if m[0] == r[2])
        md.append(f"| {head} | {fmt_n(r[4])} | {fmt_n(r[5])} | {'' if r[6] is None else f'{r[6]:.4g}'} |")
    if only:
        md.append("")
        md.append("Only in one of them (not compared): " + "; ".join(
            f"{k[1]}" + (f" at {k[0]}" if k[0] else "") + (" (A)" if k in ra else " (B)") for k in only) + ".")
    text = "\n".join(md) + "\n"
    if out_dir:
        if os.path.isdir(out_dir):
            there = [f for f in RESULT_FILES if os.path.exists(os.path.join(out_dir, f))]
            if there:
                raise Usage(f"--out {out_dir}: a results folder (it has {there[0]}); its files are not overwritten: "
                            "choose another folder")
        try:
            os.makedirs(out_dir, exist_ok=True)
        except OSError as e:
            raise Usage(f"--out {out_dir}: cannot create: {e.strerror}")
        header = ["point", "rule", "figure", "unit", "a", "b", "ratio_b_over_a"]
        for fname, write in (("comparison.csv", lambda f: _write_csv(f, header, rows)),
                             ("comparison.md", lambda f: f.write(text))):
            tmp = os.path.join(out_dir, f"{fname}.tmp.{os.getpid()}")
            with open(tmp, "w", newline="", encoding="utf-8") as f:
                write(f)
            os.replace(tmp, os.path.join(out_dir, fname))
        if not quiet:
            print(f"f3sim report: {out_dir}/comparison.csv and comparison.md", file=sys.stderr)
    sys.stdout.write(text)


def _write_csv(f, header, rows):
    w = csv.writer(f, lineterminator="\n")
    w.writerow(header)
    for r in rows:
        w.writerow(["" if v is None else (f"{v:.10g}" if isinstance(v, float) else v) for v in r])


def main(argv):
    args, f3sim, quiet, options, compare, out_dir = [], None, False, True, False, None
    it = iter(argv)
    for a in it:
        if not options:
            args.append(a)
        elif a == "--":
            options = False
        elif a == "--f3sim":
            f3sim = next(it, None)
        elif a == "--quiet":
            quiet = True
        elif a == "--compare":
            compare = True
        elif a == "--out":
            out_dir = next(it, None)
        elif a.startswith("-"):
            print(f"f3sim report: unknown option '{a}'", file=sys.stderr)
            return 2
        else:
            args.append(a)
    if compare:
        if len(args) != 2:
            print("usage: f3sim report --compare A B [--out DIR]", file=sys.stderr)
            return 2
        for d in args:
            if not os.path.isdir(d):
                print(f"f3sim report: {d}: no such folder", file=sys.stderr)
                return 2
        if os.path.samefile(args[0], args[1]):
            print(f"f3sim report: --compare: '{args[0]}' and '{args[1]}' are the same folder", file=sys.stderr)
            return 2
        try:
            compare_folders(args[0], args[1], out_dir, quiet)
        except Usage as e:
            print(f"f3sim report: {e}", file=sys.stderr)
            return 2
        except (Failure, OSError) as e:
            print(f"f3sim report: {e}", file=sys.stderr)
            return 1
        return 0
    if len(args) != 1 or out_dir is not None:
        print("usage: f3sim report RESULTS_DIR", file=sys.stderr)
        return 2
    top = args[0].rstrip("/") or "/"
    if not os.path.isdir(top):
        print(f"f3sim report: {top}: no such folder", file=sys.stderr)
        return 2
    final = os.path.join(top, "report")
    tmp = os.path.join(top, f"report.tmp.{os.getpid()}")
    try:
        os.mkdir(tmp)
    except OSError as e:
        print(f"f3sim report: {tmp}: cannot create: {e.strerror}", file=sys.stderr)
        return 1
    try:
        made = build(top, tmp, f3sim, quiet)
        old = None
        if os.path.lexists(final):
            old = os.path.join(top, f"report.old.{os.getpid()}")
            os.rename(final, old)
        os.rename(tmp, final)
        if old:
            shutil.rmtree(old, ignore_errors=True)
    except Usage as e:
        shutil.rmtree(tmp, ignore_errors=True)
        print(f"f3sim report: {e}", file=sys.stderr)
        return 2
    except (Failure, OSError) as e:
        shutil.rmtree(tmp, ignore_errors=True)
        print(f"f3sim report: {e}", file=sys.stderr)
        return 1
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)  # a defect: say where, leave nothing half-written
        raise
    if not quiet:
        print(f"f3sim report: {final}/report.md and {len(made)} figures (PNG and SVG)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
