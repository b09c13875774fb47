#!/usr/bin/env python3
"""Tables 4-5 of the paper next to f3sim's runs (analysis/reproduce.sh).

usage: analysis/summarize_reproduction.py [RESULTS_DIR]   (results/repro)
Prints markdown: per data set and column, the best test accuracy within the
first 10 epochs and over all epochs (percent), the best test loss, the
paper's mean ± std over ten seeds, and the distance in paper standard
deviations.
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


def main():
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
