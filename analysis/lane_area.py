#!/usr/bin/env python3
"""Area and leakage of the chip's training lane, from rtl_ref/ and Aladdin.

Prints the derivation behind the lane figures of sim/chip/cost_tables.c
(docs/hardware-costs.md, "Training lane"):

1. the RTL's generic cells per lane: the least-squares slope of cells
   against P over rtl_ref/synth/area.csv's rows, per format width;
2. those cells at Aladdin's two-input gate (BIT_1ns: 50.36996 µm² for
   32 bits, 40 nm; × (45/40)²): the default fixed-point lane area;
3. the cross-check: the same lane as a sum of Aladdin unit areas, one unit
   for each multiplier, adder and requantiser of rtl_ref/tile/f3_tile.v's
   lane (their widths are the RTL's at P = 16);
4. the fp32 training lane: the same units (8 multipliers, 9 adders) as
   Aladdin's fp32 units, and the single-MAC lane of `lane: mac`.

    analysis/lane_area.py [AREA_CSV]
"""
import csv
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CSV = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "rtl_ref", "synth", "area.csv")

# Aladdin, harvard-acc/ALADDIN common/power_func.h, 40 nm, 1 ns (µm², µW)
BIT_UM2, BIT_UW = 50.36996, 0.6111633  # 32 two-input gates (AND/OR/XOR)
ADD_UM2, ADD_UW = 277.9792, 2.249908   # 32-bit integer adder
MUL_UM2, MUL_UW = 6351.338, 77.86052   # 32 × 32-bit integer multiplier
SHIFT_UM2 = 519.7551                   # 32-bit barrel shifter (5 levels)
REG_UM2, REG_UW = 5.981433, 0.07395312  # one flip-flop
FPMUL_UM2, FPMUL_UW = 8967.113, 119.8412  # FP_SP_3STAGE_MUL_1ns
FPADD_UM2, FPADD_UW = 4361.094, 53.11069  # FP_SP_3STAGE_ADD_1ns
AREA_40_TO_45 = (45 / 40) ** 2
SB = lambda a, b, c: a * 0.64 + b * 0.8 + c  # Stillmaker & Baas at 0.8 V
E45, E32 = SB(1.103, -0.362, 0.2767), SB(0.9559, -0.7823, 0.471)
ENERGY_40_TO_45 = E45 / ((8 * E45 + 5 * E32) / 13)

GATE_UM2_40 = BIT_UM2 / 32


def slopes(path):
    """{bits: (cells per lane, fixed cells, flip-flops per lane)} by least squares."""
    rows = list(csv.DictReader(open(path)))
    out = {}
    for bits in sorted({int(r["bits"]) for r in rows}):
        pts = [(float(r["lanes"]), float(r["cells"]), float(r["flip_flops"])) for r in rows if int(r["bits"]) == bits]
        n = len(pts)
        sp = sum(p for p, _, _ in pts)
        spp = sum(p * p for p, _, _ in pts)

        def fit(k):
            sy = sum(q[k] for q in pts)
            spy = sum(q[0] * q[k] for q in pts)
            b = (n * spy - sp * sy) / (n * spp - sp * sp)
            return b, (sy - b * sp) / n

        cells, fixed = fit(1)
        ffs, _ = fit(2)
        out[bits] = (cells, fixed, ffs)
    return out


def rtl_units(w, lgp=4, kwid=8, lrw=32):
    """Multipliers (a, b), adders (bits) and requantisers (input bits) of one
    lane of f3_tile.v with every format w bits wide (GF = WF, as in synth.sh)."""
    zw = 2 * w + kwid + 3
    tw = max(2 * w + lgp + kwid + 4, zw)
    uw = max(w + 32 + 1, lrw + w + 2) + 1
    acw = 2 * w
    muls = {"forward w·h (MAC)": (w, w), "table interpolation": (w + 1, 13), "h·h (tanh')": (w, w),
            "h·(1−h) (sigmoid')": (w, w + 1), "δz = δh·f'": (w, 2 * w + 2), "gradient δz·h": (w, w),
            "update lr·g": (lrw + 1, w), "backprop w·δz": (w, w)}
    adds = {"Σ forward": tw, "z + b": zw + 2, "v + 8 (table index)": zw + 2, "T[k+1] − T[k]": w + 1,
            "T[k] + Δ·r": w + 14, "Σ feedback": tw, "1 − h": w + 1, "1 − h²": 2 * w + 2, "w − lr·g": uw,
            "table range (2 compares)": 2 * (zw + 2), "relu compare": zw + 2, "−e": tw}
    rounds = {"u_rt table → h": w + 14, "u_rl z+b → h": zw + 2, "u_rf Σ feedback → δh": tw,
              "u_rd δh·f' → δz": 3 * w + 2, "u_rg δz·h → g": acw, "u_ru w − lr·g → w": uw}
    return muls, adds, rounds


def requantiser_um2(xw):
    """f3_round at input width xw (magnitude mw = xw + 1 bits): a negation, the
    remainder subtraction, two rounding compares, two increments, two
    saturation compares (8 adders of mw bits); four variable shifts of mw bits
    by a 7-bit amount (7 mux levels; Aladdin's shifter has 5 levels for 32
    bits); the leading-one encoder, about 2 gates per bit; the output's
    negation (w bits, left out)."""
    mw = xw + 1
    return 8 * ADD_UM2 * mw / 32 + 4 * SHIFT_UM2 * (mw / 32) * (7 / 5) + 2 * mw * GATE_UM2_40


def unit_sum_um2(w, ffs):
    muls, adds, rounds = rtl_units(w)
    m = sum(MUL_UM2 * a * b / 1024 for a, b in muls.values())
    a = sum(ADD_UM2 * bits / 32 for bits in adds.values())
    r = sum(requantiser_um2(x) for x in rounds.values())
    f = ffs * REG_UM2
    return m, a, r, f


def main():
    s = slopes(CSV)
    c8, c16 = s[8][0], s[16][0]
    C = (c16 - 2 * c8) / 128
    A = (c8 - 64 * C) / 8
    g45 = GATE_UM2_40 * AREA_40_TO_45
    print(f"gate: {GATE_UM2_40:.6f} µm² at 40 nm, {g45:.6f} µm² at 45 nm")
    print(f"fit cells(w) = A·w + C·w²: A = {A:.4f}, C = {C:.5f}")
    fp32_t_um2 = 8 * FPMUL_UM2 + 9 * FPADD_UM2 + 96 * REG_UM2
    fp32_t_uw = 8 * FPMUL_UW + 9 * FPADD_UW + 96 * REG_UW
    fp32_m_um2 = FPMUL_UM2 + FPADD_UM2 + 96 * REG_UM2
    fp32_m_uw = FPMUL_UW + FPADD_UW + 96 * REG_UW
    t_mm2 = fp32_t_um2 * AREA_40_TO_45 * 1e-6
    t_uw = fp32_t_uw * ENERGY_40_TO_45
    print(f"fp32 training lane: 8 mul + 9 add + 96 reg = {fp32_t_um2:.1f} µm² (40 nm) -> {t_mm2:.6f} mm², "
          f"{t_uw:.2f} µW at 45 nm")
    print(f"fp32 MAC lane: {fp32_m_um2 * AREA_40_TO_45 * 1e-6:.6f} mm², {fp32_m_uw * ENERGY_40_TO_45:.2f} µW")
    print()
    print("| formats | RTL cells per lane (fit of area.csv) | fixed cells | flip-flops per lane | lane area, cells × gate | "
          "unit sum: multipliers + adders + requantisers + flip-flops | unit sum / cells | × fp32 training lane | "
          "leakage |")
    print("|---|---|---|---|---|---|---|---|---|")
    for w in (8, 16):
        cells, fixed, ffs = s[w]
        mm2 = cells * g45 * 1e-6
        m, a, r, f = unit_sum_um2(w, ffs)
        us = (m + a + r + f) * AREA_40_TO_45 * 1e-6
        closed = (A * w + C * w * w) * g45 * 1e-6
        print(f"| {w}-bit | {cells:,.1f} | {fixed:,.0f} | {ffs:.1f} | {mm2:.5f} mm² (closed form {closed:.5f}) | "
              f"{m * AREA_40_TO_45:,.0f} + {a * AREA_40_TO_45:,.0f} + {r * AREA_40_TO_45:,.0f} + "
              f"{f * AREA_40_TO_45:,.0f} µm² = {us:.5f} mm² | {us / mm2:.3f} | {mm2 / t_mm2:.4f} | "
              f"{t_uw * mm2 / t_mm2:.1f} µW |")
    print()
    for w in (8, 16):
        muls, adds, rounds = rtl_units(w)
        print(f"{w}-bit units: {len(muls)} multipliers {sorted(muls.values())}, {len(rounds)} requantisers "
              f"{sorted(rounds.values())}, adders {sorted(adds.values())}")
    for w in (8, 16, 32):
        mac = (MUL_UM2 * w * w / 1024 + ADD_UM2 * (2 * w + 16) / 32 + (4 * w + 16) * REG_UM2) / fp32_m_um2
        print(f"MAC lane at {w} bits: × {mac:.4f} of the fp32 MAC lane, "
              f"{mac * fp32_m_um2 * AREA_40_TO_45 * 1e-6:.6f} mm²")
    # leakage density cross-check
    print(f"leakage density (µW/µm², 40 nm): gate {BIT_UW / BIT_UM2:.5f}, fp32 training lane "
          f"{fp32_t_uw / fp32_t_um2:.5f}")


if __name__ == "__main__":
    main()
