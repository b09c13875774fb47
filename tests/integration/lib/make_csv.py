#!/usr/bin/env python3
"""Deterministic CSV data for the integration tests (not a test itself).

usage: make_csv.py DIR SEED N_TRAIN N_TEST [--no-header]
Writes DIR/train.csv and DIR/test.csv (6 features in [-2, 2] and a class in
0..2: the index of the largest of the first three features; a header line
unless --no-header) and DIR/train-reg.csv, DIR/test-reg.csv (the same
features and a linear regression target, no header).
"""
import random
import sys

out, seed, n_train, n_test = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
header = "--no-header" not in sys.argv[5:]
rnd = random.Random(seed)
for name, n in (("train", n_train), ("test", n_test)):
    rows = []
    for _ in range(n):
        x = [round(rnd.uniform(-2, 2), 4) for _ in range(6)]
        rows.append((x, max(range(3), key=lambda q: x[q]), round(x[0] * 1.5 - x[1] + 0.3 * x[2], 4)))
    with open(f"{out}/{name}.csv", "w") as f:
        if header:
            f.write("a,b,c,d,e,f,label\n")
        for x, cls, _ in rows:
            f.write(",".join(map(str, x + [cls])) + "\n")
    with open(f"{out}/{name}-reg.csv", "w") as f:
        for x, _, y in rows:
            f.write(",".join(map(str, x + [y])) + "\n")
