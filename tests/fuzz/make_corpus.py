#!/usr/bin/env python3
"""Write the seed corpora of the fuzz harnesses (tests/fuzz/corpus/<name>/).

usage: python3 tests/fuzz/make_corpus.py

Deterministic: the same files every time (gzip with mtime 0).  Each seed is
a valid or near-valid input in the harness's input format (see the comment
at the top of each tests/fuzz/fuzz_*.c).  The scenario harness also reads
scenarios/ and tests/scenarios/ (scripts/fuzz.sh passes them), so its own
folder holds only a few extra near-valid scenarios.
"""
import gzip
import os
import shutil
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "corpus")
BOM = b"\xef\xbb\xbf"


def put(name, seed, data):
    d = os.path.join(OUT, name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, seed), "wb") as f:
        f.write(data)


def gz(data):
    return gzip.compress(data, compresslevel=9, mtime=0)


def split(a, b):
    """fuzz_split's format: 2-byte little-endian length of a, a, b."""
    return struct.pack("<H", len(a)) + a + b


# ---- IDX -------------------------------------------------------------------
def idx(magic, dims, payload):
    return struct.pack(">I", magic) + b"".join(struct.pack(">I", d) for d in dims) + payload


def idx_pair(n, rows, cols, labels=None, pixels=None):
    px = pixels if pixels is not None else bytes((i * 37 + 11) % 256 for i in range(n * rows * cols))
    lab = labels if labels is not None else bytes(i % 10 for i in range(n))
    return idx(0x803, [n, rows, cols], px), idx(0x801, [len(lab) if labels is not None else n], lab)


def idx_seed(nc, images, labels):
    return bytes([nc - 1]) + split(images, labels)


im, lb = idx_pair(3, 2, 3)
im28, lb28 = idx_pair(2, 28, 28)
huge = idx(0x803, [1000000000, 28, 28], bytes(20))
huge_lb = idx(0x801, [1000000000], bytes(4))
idx_cases = {
    "valid-3x2x3": (10, im, lb),
    "valid-2x28x28": (10, im28, lb28),
    "valid-2-classes": (2, *idx_pair(4, 1, 5, labels=bytes([0, 1, 1, 0]))),
    "truncated-images": (10, im[:-3], lb),
    "truncated-labels": (10, im, lb[:-1]),
    "huge-header-36-bytes": (10, huge, huge_lb),
    "huge-one-image": (10, idx(0x803, [1, 16384, 16384], bytes(20)), idx(0x801, [1], b"\x01")),
    "count-mismatch": (10, im, idx(0x801, [2], b"\x01\x02")),
    "label-out-of-range": (10, im, idx(0x801, [3], b"\x01\x0a\x02")),
    "extra-data": (10, im + b"\x2a", lb),
    "zero-images": (10, idx(0x803, [0, 2, 3], b""), idx(0x801, [0], b"")),
    "header-cut": (10, im[:6], lb),
    "magic-swapped": (10, lb, im),
}
for seed, (nc, a, b) in idx_cases.items():
    put("idx_gzip", seed, idx_seed(nc, a, b))
    put("idx", seed, idx_seed(nc, a, b))
# raw gzip streams for fuzz_idx (the gzip harness compresses by itself)
put("idx", "gzip-valid", idx_seed(10, gz(im), gz(lb)))
put("idx", "gzip-images-plain-labels", idx_seed(10, gz(im), lb))
put("idx", "gzip-huge-header", idx_seed(10, gz(huge), gz(huge_lb)))
zim = gz(im)
put("idx", "gzip-cut", idx_seed(10, zim[:-12], gz(lb)))
put("idx", "gzip-corrupt", idx_seed(10, zim[:12] + bytes(b ^ 0x5A for b in zim[12:-8]) + zim[-8:], gz(lb)))
put("idx", "gzip-two-members", idx_seed(10, gz(im[:10]) + gz(im[10:]), gz(lb)))
put("idx", "gzip-trailing-garbage", idx_seed(10, zim + b"garbage", gz(lb)))


# ---- CSV ---------------------------------------------------------------------
def csv_seed(label_column, classes, text):
    return struct.pack("b", label_column) + bytes([classes]) + text


csv_cases = {
    "header-classes": csv_seed(-1, 3, b"x1,x2,x3,label\n1.5,-2.25,3e2,1\n\n0.125, 4 ,-7,2\r\n9.75,0,1e-3,0"),
    "headerless-regression": csv_seed(0, 0, b"2.5,1,2\n-0.75,3,4\n"),
    "bom-headerless": csv_seed(-1, 2, BOM + b"1.5,2,1\n3,4,0\n5,6,1\n"),
    "bom-header": csv_seed(-1, 2, BOM + b"x1,x2,label\n1.5,2,1\n3,4,0\n"),
    "crlf-trailing-blank": csv_seed(0, 0, b"\r\n-1,2,0.5\r\n3,4,-2\r\n\r\n\r\n   \n"),
    "ragged": csv_seed(-1, 2, b"a,b,c\n1,2,0\n3,4\n"),
    "not-a-number": csv_seed(-1, 2, b"3x,2,0\n1,2,1\n"),
    "nan": csv_seed(0, 0, b"1,2,nan\n"),
    "label-out-of-range": csv_seed(-1, 3, b"1,2,3\n"),
    "label-column-first": csv_seed(-4, 2, b"a,b,c,d\n1,2,3,0\n"),
    "one-column": csv_seed(0, 0, b"1\n2\n"),
    "utf16": csv_seed(0, 0, b"\xff\xfe1\x00,\x002\x00\n\x00"),
    "nul-byte": csv_seed(-1, 2, b"1,2,0\n3,4,1\x00,7\n"),
    "header-only": csv_seed(0, 0, b"a,b\n\n"),
    "huge-values": csv_seed(0, 0, b"3.4e38,-3.4e38\n1e-45,0\n"),
}
for seed, data in csv_cases.items():
    put("csv", seed, data)

# ---- Census Income -------------------------------------------------------------
ROW1 = (b"39, State-gov, 77516, Bachelors, 13, Never-married, Adm-clerical, Not-in-family, "
        b"White, Male, 2174, 0, 40, United-States, <=50K")
ROW2 = (b"52, ?, 287927, Doctorate, 16, Married-civ-spouse, ?, Wife, Amer-Indian-Eskimo, "
        b"Female, 15024, 0, 40, Holand-Netherlands, >50K.")
ROW3 = (b"23, Never-worked, 1000, Preschool, 1, Married-AF-spouse, Armed-Forces, Unmarried, "
        b"Other, Male, 0, 1902, 99, Trinadad&Tobago, >50K")
census_cases = {
    "adult-data": ROW1 + b"\n" + ROW3 + b"\n\n",
    "adult-test": b"|1x3 Cross validator\n" + ROW1 + b".\n" + ROW2 + b"\n",
    "question-marks-crlf": ROW2 + b"\r\n" + ROW1 + b"\r\n\r\n",
    "bom": BOM + ROW1 + b"\n" + ROW2 + b"\n",
    "bom-pipe": BOM + b"|1x3 Cross validator\r\n" + ROW3 + b"\r\n",
    "unknown-category": ROW1.replace(b"State-gov", b"Self-employed") + b"\n",
    "columns-14": ROW1.replace(b", United-States", b"") + b"\n",
    "bad-label": ROW1.replace(b"<=50K", b"50K") + b"\n",
    "no-records": b"|header only\n\n",
}
for seed, data in census_cases.items():
    put("census", seed, data)

# ---- Wine Quality --------------------------------------------------------------
RED_HEADER = (b'"fixed acidity";"volatile acidity";"citric acid";"residual sugar";"chlorides";'
              b'"free sulfur dioxide";"total sulfur dioxide";"density";"pH";"sulphates";'
              b'"alcohol";"quality"\n')
RED = RED_HEADER + (b"7.4;0.7;0;1.9;0.076;11;34;0.9978;3.51;0.56;9.4;5\n"
                    b"7.8;0.88;0;2.6;0.098;25;67;0.9968;3.2;0.68;9.8;5\n"
                    b"11.2;0.28;0.56;1.9;0.075;17;60;0.998;3.16;0.58;9.8;6\n")
WHITE = (b"7,0.27,0.36,20.7,0.045,45,170,1.001,3,0.45,8.8,6\r\n"
         b"6.3,0.3,0.34,1.6,0.049,14,132,0.994,3.3,0.49,9.5,6\r\n"
         b"8.1,0.28,0.4,6.9,0.05,30,97,0.9951,3.26,0.44,10.1,6")


def wine_seed(frac, seed, red, white):
    return bytes([frac, seed]) + split(red, white)


wine_cases = {
    "uci-and-shared": wine_seed(51, 1, RED, WHITE),
    "no-test-split": wine_seed(0, 7, RED, WHITE),
    "bom-both": wine_seed(51, 2, BOM + RED, BOM + WHITE),
    "ragged": wine_seed(51, 1, RED + b"7.8;0.88;0;2.6;0.098;25;67;0.9968;3.2;0.68;5\n", WHITE),
    "not-a-number": wine_seed(51, 1, RED, WHITE.replace(b"3.3,", b"3.3x,")),
    "header-only": wine_seed(51, 1, RED, b"a,b,c\n\n"),
    "huge-values": wine_seed(0, 1, b"3e38,0,0,0,0,0,0,0,0,0,0,5\n-3e38,0,0,0,0,0,0,0,0,0,0,6\n",
                             b"3e38,0,0,0,0,0,0,0,0,0,0,5\n"),
    "tiny-spread": wine_seed(0, 1, b"1,0,0,0,0,0,0,0,0,0,0,0\n1,0,0,0,0,0,0,0,0,0,0,1e-45\n",
                             b"1,0,0,0,0,0,0,0,0,0,0,0\n"),
    "all-test": wine_seed(255, 3, RED, WHITE),
}
for seed, data in wine_cases.items():
    put("wine", seed, data)


# ---- CIFAR-10 ---------------------------------------------------------------------
def cifar(labels, r0=0):
    out = b""
    for r, lab in enumerate(labels):
        out += bytes([lab]) + bytes(((r0 + r) * 31 + j * 7 + 1) % 256 for j in range(3072))
    return out


cifar_cases = {
    "one-file-one-record": split(cifar([3]), b""),
    "two-files": split(cifar([3, 9]), cifar([0], 2)),
    "partial-record": split(cifar([3]) + bytes(100), b""),
    "label-out-of-range": split(cifar([1, 10]), b""),
    "empty-second": split(cifar([5]), b"\x00"),
    "empty": split(b"", b""),
}
for seed, data in cifar_cases.items():
    put("cifar", seed, data)

# ---- scenarios (beside scenarios/ and tests/scenarios/, which fuzz.sh adds) -----
scenario_cases = {
    "csv-sweep.yaml": b"""name: fuzz-seed
network:
  hidden: [32, 16]
  activation: relu
dataset:
  name: csv
  path: train.csv
  test_path: test.csv
  classes: 3
training:
  algorithm: f3
  epochs: 1
  batch_size: 8
sweep:
  training.lr: [0.001, 0.01]
  network.hidden: [[8], [16]]
""",
    "bom-crlf.yaml": BOM + b"network:\r\n  hidden: [100]\r\ndataset:\r\n  name: census\r\n"
                           b"training:\r\n  compare: [bp, dfa]\r\n  epochs: 2\r\n",
    "wine-regression.yaml": b"network: {hidden: [64]}\ndataset: {name: wine}\n"
                            b"training: {algorithm: drtp, optimizer: sgd, lr: 0.01}\n",
    "unknown-key.yaml": b"network:\n  hiden: [10]\ndataset:\n  name: mnist\ntraining: {}\n",
    "flow-everything.yaml": b"{network: {hidden: [10, 10]}, dataset: {name: cifar10}, "
                            b"training: {compare: [f3, llo], epochs: 1}, hardware: {clock_mhz: 500}}\n",
}
for seed, data in scenario_cases.items():
    put("scenario", seed, data)
src = os.path.join(HERE, "..", "..", "scenarios", "default.yaml")
if os.path.exists(src):
    shutil.copyfile(src, os.path.join(OUT, "scenario", "default.yaml"))
