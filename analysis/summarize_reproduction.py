#!/usr/bin/env python3
"""Tables 4-5 of the paper next to f3sim's runs (analysis/reproduce.sh).

usage: analysis/summarize_reproduction.py [RESULTS_DIR]   (results/repro)
       analysis/summarize_reproduction.py --seeds DATASET RUN_DIR [RUN_DIR ...]

The first form prints markdown: per data set and column, the best test
accuracy within the first 10 epochs and over all epochs (percent), the best
test loss, the paper's mean ± std over ten seeds, and the distance in paper
standard deviations.

The second pools the seed folders (seed-N/<column>/run.json) of one or more
runs of a scenario with `training.seeds` (e.g. scenarios/paper/
mnist-table4-5.yaml run in parts with different seeds, each part in its
own folder) and prints, per column, the mean ± sample σ of the best test
accuracy and best test loss over the seeds (as compare.csv computes them),
beside the paper's. A seed found in two folders counts once (the first);
a column whose runs did not all finish their epochs is refused.
"""
import csv
import json
import os
import sys

PAPER_ACC = {  # Table 5, percent: mean, std
    "mnist": {"bp": (98.29, 0.07), "dfa": (98.08, 0.05), "drtp": (95.77, 0.13),
              "f3-error": (97.16, 0.10), "f3-loss": (96.23, 0.08), "llo": (93.51, 0.18)},
    "census": {"bp": (79.64, 0.09), "dfa": (79.61, 0.04), "drtp": (79.56, 0.11),
               "f3-error": (79.51, 0.15), "f3-loss": (79.56, 0.13), "llo": (79.58, 0.09)},
}
PAPER_LOSS = {  # Table 4, BCE summed over outputs: mean, std
    "mnist": {"bp": (0.14, 0.00), "dfa": (0.16, 0.01), "drtp": (0.29, 0.01),
              "f3-error": (0.23, 0.01), "f3-loss": (0.28, 0.01), "llo": (0.51, 0.01)},
    "census": {"bp": (0.99, 0.00), "dfa": (0.99, 0.00), "drtp": (0.99, 0.01),
               "f3-error": (1.00, 0.00), "f3-loss": (0.99, 0.00), "llo": (0.99, 0.01)},
}
COLUMNS = ["bp", "dfa", "drtp", "f3-error", "f3-loss", "llo"]


class NotFinished(ValueError):
    """A run in the pool did not finish its epochs."""


def pool(ds, roots):
    """The seed folders (seed-N/<column>/run.json) under ROOTS pooled per column: a list of
    dicts (column, seeds, acc_mean, acc_std, paper_acc, paper_acc_std, sigma_distance,
    best_epochs, loss_mean, loss_std, paper_loss, paper_loss_std, seconds_per_epoch), one per
    column of the paper (COLUMNS), `seeds` empty where the column was not run.  σ is the
    sample standard deviation (n − 1; NaN for one seed), as compare.csv computes it.  A seed
    found in two folders counts once (the first).  Raises NotFinished for a run that did not
    finish its epochs; `f3sim report` calls this for a seeded run (analysis/report.py)."""
    import glob
    import statistics
    runs = {}  # column -> {seed: run.json}
    for root in roots:
        for path in sorted(glob.glob(os.path.join(glob.escape(root), "**", "seed-*", "*", "run.json"),
                                     recursive=True)):
            col = os.path.basename(os.path.dirname(path))
            seed = int(os.path.basename(os.path.dirname(os.path.dirname(path)))[5:])
            with open(path) as f:
                run = json.load(f)
            if len(run.get("epochs", [])) != run["config"].get("epochs", len(run.get("epochs", []))):
                raise NotFinished(f"{path}: the run did not finish its epochs")
            runs.setdefault(col, {}).setdefault(seed, run)
    out = []
    for col in COLUMNS:
        row = {"column": col, "seeds": sorted(runs.get(col, {}))}
        row["paper_acc"], row["paper_acc_std"] = PAPER_ACC[ds][col]
        row["paper_loss"], row["paper_loss_std"] = PAPER_LOSS[ds][col]
        if row["seeds"]:
            rs = [runs[col][k] for k in row["seeds"]]
            acc = [r["best_test_accuracy"] for r in rs]
            loss = [r["best_test_loss"] for r in rs]
            sd = lambda v: statistics.stdev(v) if len(v) > 1 else float("nan")
            row.update(acc_mean=statistics.mean(acc), acc_std=sd(acc), loss_mean=statistics.mean(loss),
                       loss_std=sd(loss), best_epochs=[r["best_epoch"] for r in rs],
                       seconds_per_epoch=statistics.mean(r["train_seconds"] / len(r["epochs"]) for r in rs))
            row["sigma_distance"] = ((row["acc_mean"] - row["paper_acc"]) / row["paper_acc_std"]
                                     if row["paper_acc_std"] else float("nan"))
        out.append(row)
    return out


def pooled(ds, roots):
    try:
        rows = pool(ds, roots)
    except NotFinished as e:
        sys.exit(str(e))
    print("| column | seeds | best test acc. [%], measured | paper [%] | mean − paper [paper σ] "
          "| best epoch (range) | best test loss, measured | paper loss | train s/epoch |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        if not r["seeds"]:
            print(f"| {r['column']} | 0 | (not run) |||||||")
            continue
        print(f"| {r['column']} | {len(r['seeds'])} ({','.join(str(k) for k in r['seeds'])}) "
              f"| {r['acc_mean']:.2f} ± {r['acc_std']:.2f} | {r['paper_acc']:.2f} ± {r['paper_acc_std']:.2f} "
              f"| {r['sigma_distance']:+.1f} | {min(r['best_epochs'])}–{max(r['best_epochs'])} "
              f"| {r['loss_mean']:.3f} ± {r['loss_std']:.3f} | {r['paper_loss']:.2f} ± {r['paper_loss_std']:.2f} "
              f"| {r['seconds_per_epoch']:.2f} |")


def main():
    if len(sys.argv) > 3 and sys.argv[1] == "--seeds":
        if sys.argv[2] not in PAPER_ACC:
            sys.exit(f"--seeds: data set must be one of {', '.join(PAPER_ACC)}")
        pooled(sys.argv[2], sys.argv[3:])
        return
    root = sys.argv[1] if len(sys.argv) > 1 else "results/repro"
    for ds in ("mnist", "census"):
        print(f"\n### {ds}\n")
        print("| column | best acc. ≤ 10 epochs [%] | best acc. [%] (epoch) | paper acc. [%] "
              "| distance [σ] | best test loss | paper loss | s/epoch | epochs run |")
        print("|---|---|---|---|---|---|---|---|---|")
        for col in COLUMNS:
            path = os.path.join(root, f"{ds}-{col}", "epochs.csv")
            if not os.path.exists(path):
                print(f"| {col} | (not run) |||||||")
                continue
            with open(path) as f:
                rows = list(csv.DictReader(f))
            acc = [float(r["test_accuracy_percent"]) for r in rows]
            loss = [float(r["test_loss"]) for r in rows]
            secs = [float(r["seconds"]) for r in rows]
            best = max(acc)
            at = acc.index(best) + 1
            pm, ps = PAPER_ACC[ds][col]
            lm, ls = PAPER_LOSS[ds][col]
            dist = (best - pm) / ps if ps else float("nan")
            print(f"| {col} | {max(acc[:10]):.2f} | {best:.2f} ({at}) | {pm:.2f} ± {ps:.2f} "
                  f"| {dist:+.1f} | {min(loss):.3f} | {lm:.2f} ± {ls:.2f} "
                  f"| {sum(secs) / len(secs):.2f} | {len(rows)} |")


if __name__ == "__main__":
    main()
