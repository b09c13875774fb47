#!/usr/bin/env python3
"""f3sim's ViT runs beside the authors' code, per rule and epoch (issue 19).

    python3 analysis/crosscheck/compare_vit.py RESULTS/vit-mnist [MORE/vit-mnist ...] AUTHORS.csv [MORE.csv ...]

RESULTS/vit-mnist: an `f3sim run scenarios/paper/vit-mnist.yaml --seeds …`
folder (seed-N/<rule>/epochs.csv); AUTHORS.csv: what vit_authors.py writes
(rule,seed,epoch,train_loss,test_accuracy_pct,train_seconds).  Several of
each are pooled by seed (a seed given twice: the later folder or file
wins).  Prints a markdown table: test accuracy mean ± sample standard
deviation over the seeds of each, the authors' seed range, whether
f3sim's mean lies within it (the issue's "within the seed spread of the
authors' code"), the difference of the means in units of the two codes'
pooled σ, and the two-sided Mann-Whitney U test's p-value (scipy's; "–"
without scipy or with fewer than 3 seeds a side).
"""
import csv
import glob
import os
import statistics
import sys
from collections import defaultdict


def f3sim_runs(folder):
    acc = defaultdict(dict)  # (rule, epoch) -> {seed: accuracy}
    for path in glob.glob(os.path.join(folder, "seed-*", "*", "epochs.csv")):
        seed = int(path.split(os.sep)[-3].split("-")[1])
        rule = path.split(os.sep)[-2]
        for r in csv.DictReader(open(path)):
            acc[(rule, int(r["epoch"]))][seed] = float(r["test_accuracy_percent"])
    return acc


def authors_runs(path):
    acc = defaultdict(dict)
    for r in csv.DictReader(open(path)):
        acc[(r["rule"], int(r["epoch"]))][int(r["seed"])] = float(r["test_accuracy_pct"])
    return acc


def stats(d):
    v = list(d.values())
    if not v:
        return None
    sd = statistics.stdev(v) if len(v) > 1 else float("nan")
    return statistics.mean(v), sd, min(v), max(v), len(v)


def merged(paths, read):
    acc = defaultdict(dict)
    for p in paths:
        for key, by_seed in read(p).items():
            acc[key].update(by_seed)
    return acc


def mann_whitney(a, b):
    try:
        from scipy.stats import mannwhitneyu
    except ImportError:
        return "–"
    if len(a) < 3 or len(b) < 3:
        return "–"
    return f"{mannwhitneyu(list(a.values()), list(b.values()), alternative='two-sided').pvalue:.2f}"


def main():
    folders = [a for a in sys.argv[1:] if not a.endswith(".csv")]
    csvs = [a for a in sys.argv[1:] if a.endswith(".csv")]
    if not folders or not csvs:
        sys.exit(__doc__)
    ours, theirs = merged(folders, f3sim_runs), merged(csvs, authors_runs)
    print("| rule | epoch | f3sim: mean ± σ [%] (seeds) | authors' code: mean ± σ [%] (seeds) | authors' range [%] "
          "| f3sim's mean within it | Δ mean / pooled σ | Mann-Whitney p |")
    print("|---|---:|---:|---:|---:|---|---:|---:|")
    for rule in ("bp", "drtp", "dfa", "f3"):
        for epoch in sorted({e for (r, e) in set(ours) | set(theirs) if r == rule}):
            a, b = stats(ours.get((rule, epoch), {})), stats(theirs.get((rule, epoch), {}))
            fa = f"{a[0]:.2f} ± {a[1]:.2f} ({a[4]})" if a else "–"
            fb = f"{b[0]:.2f} ± {b[1]:.2f} ({b[4]})" if b else "–"
            rng = f"{b[2]:.2f}–{b[3]:.2f}" if b else "–"
            within = "–" if not (a and b) else ("yes" if b[2] <= a[0] <= b[3] else "no")
            z = "–"
            if a and b and a[4] > 1 and b[4] > 1:
                pooled = (((a[4] - 1) * a[1] ** 2 + (b[4] - 1) * b[1] ** 2) / (a[4] + b[4] - 2)) ** 0.5
                z = f"{(a[0] - b[0]) / pooled:+.1f}" if pooled > 0 else "–"
            p = mann_whitney(ours.get((rule, epoch), {}), theirs.get((rule, epoch), {}))
            print(f"| {rule} | {epoch} | {fa} | {fb} | {rng} | {within} | {z} | {p} |")


if __name__ == "__main__":
    main()
