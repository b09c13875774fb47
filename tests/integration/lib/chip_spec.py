#!/usr/bin/env python3
"""docs/hardware-model.md's tile cost table and schedules, and the auto
energy, leakage and area figures of docs/hardware-costs.md, derived by hand
for tests/integration/chip_v2.sh and chip_technology.sh (not a test itself;
imported by them).

Written from the documents, never from sim/chip: every figure here is a
formula of "Time and traffic: the tile cost table", "Placement",
"Schedules" and "Energy and area", or a number of hardware-costs.md's tables
(and the sources' numbers it cites) with its scalings, so that a test that
compares a chip run with it compares the model with its specification.
Notation as in the document: n_in → n_out
the layer, C the outputs, P the MAC lanes, L the step latency, f =
⌈n_out/P⌉, p = n_in·n_out + n_out, b the samples of a batch, v = 4 bytes,
S = n_in + n_out.
"""
import csv
import json
import math

V = 4                                                          # bytes per fp32 value
ROM_BYTES = {"fp32": 4.0, "int8": 1.0, "ternary2": 0.25, "seeded": 0.0}
STEPS = ("forward", "activation", "feedback", "dz", "gradient", "backprop", "apply")


class Hw:
    """The scenario's hardware figures the derivation needs (defaults: the
    test's base scenario, not the schema's)."""

    def __init__(self, **k):
        self.dataflow = k.get("dataflow", "output_stationary")
        self.P = k.get("P", 16)
        self.L = k.get("L", 3)
        self.reg_bytes = k.get("reg_kib", 128) * 1024
        self.sram_bytes = k.get("sram_kib", 65536) * 1024
        self.banks = k.get("banks", 4)
        self.sram_bpc = k.get("sram_bpc", 1e6)               # per bank
        self.tf = k.get("tf", 1.0)                             # transposed_read_factor
        self.rom_enc = k.get("rom", "ternary2")
        self.rom_bpc = k.get("rom_bpc", 1e6)
        self.lfsr_cycles = k.get("lfsr_cycles", 1)
        self.link_bpc = k.get("link_bpc", 1e6)
        self.link_lat = k.get("link_lat", 2)
        self.es_bpc = k.get("es_bpc", 1e6)
        self.es_lat = k.get("es_lat", 1)
        self.es_bpv = k.get("es_bpv", 4)
        self.dram_bpc = k.get("dram_bpc", 16)
        self.dram_lat = k.get("dram_lat", 100)
        self.mb = k.get("mb", 0)                               # hardware.pipeline.micro_batch
        # hardware.tile.ws_loop: "rows" (a weight per MAC from the registers) or "samples"
        # (the micro-batch's samples pass a held weight; per-sample z and δz in flip-flops)
        self.ws_loop = k.get("ws_loop", "rows")
        # hardware.power_gating: None, or dict(min_idle=, wake=) (cycles)
        self.gating = k.get("gating")
        self.clock_mhz = k.get("clock_mhz", 1000)
        # energy, leakage and area figures: without tech, those chip_v2.sh's base
        # scenario sets (FIG) and the tables' 45 nm ones for the rest (its leakage);
        # with tech (a Tech: hardware.technology, the macro, the register kind),
        # every figure not given here is auto, derived per tile by Tech.tile
        self.tech = k.get("tech") or Tech()
        base = LINKS if "tech" in k else FIG
        self.fixed = {f: k.get(f, base.get(f)) for f in FIGURES if k.get(f, base.get(f)) is not None}
        self.es_on_chip = k.get("es_on_chip", True)            # hardware.error_store.placement
        self.dram_pj = k.get("dram_pj", DRAM_PJ)               # off chip: no node or supply moves it
        # the mapping (hardware.mapping.layers_per_tile; None: one tile per layer)
        # and per-tile figures (hardware.tiles: dicts of P, sram_kib, banks, reg_kib)
        self.lpt = k.get("lpt")
        self.tiles = k.get("tiles")
        # hardware.mapping.split: the tiles of each layer (None: no split).  Part q
        # of k of a layer of n_out rows holds n_out // k rows, one more for the
        # first n_out % k parts; each part is a tile of its own (Mapping)
        self.split = k.get("split")
        self.resolve()

    def resolve(self):
        """This tile's figures: the scenario's where it sets them, else auto at
        its SRAM capacity (or macro), registers and lanes."""
        auto = self.tech.tile(self.sram_bytes, self.reg_bytes, self.P)
        for f in FIGURES:
            setattr(self, f, self.fixed.get(f, auto.get(f)))

    def store(self, nbytes):
        """The on-chip error store of nbytes: (read, write pJ/byte, leakage
        µW/KiB, area mm²/KiB).  Auto: the cells' SRAM at its capacity (or the
        macro), times each tile SRAM figure over its auto figure at
        hardware.tile.sram's capacity (1 when that is auto); a figure the
        scenario sets wins.  In DRAM: the DRAM's energy, no leakage or area.
        (On the chip's Hw, not a tile's view.)"""
        if not self.es_on_chip:
            d = self.dram_pj
            return tuple(self.fixed.get(f, v) for f, v in zip(ES_KEYS, (d, d, 0.0, 0.0)))
        s = self.tech.sram(nbytes)
        t = self.tech.sram(self.sram_bytes)
        tile = (self.sram_r_pj, self.sram_w_pj, self.l_sram, self.a_sram)
        return tuple(self.fixed.get(f, x * y / z) for f, x, y, z in zip(ES_KEYS, s, tile, t))

    def parts(self, i):
        return self.split[i] if self.split else 1

    def tile_part(self, t):
        """(layer, part, rows-or-None) of tile t under a split."""
        t0 = 0
        for i, k in enumerate(self.split):
            if t < t0 + k:
                return i, t - t0, k
            t0 += k
        raise IndexError(t)

    def rows(self, net, t):
        i, q, k = self.tile_part(t)
        n = net.w[i + 1]
        return n // k + (1 if q < n % k else 0)

    def unit_net(self, net, t):
        """The network tile t's cost table sees: a split layer's part is the
        layer with its rows alone (n_out = its rows)."""
        if not self.split:
            return net
        i, q, k = self.tile_part(t)
        if k == 1:
            return net
        u = Net(net.w, net.alg, net.batch, net.opt, net.one_hot, net.classification)
        u.w = list(net.w)
        u.w[i + 1] = self.rows(net, t)
        return u

    def chunks(self, b):
        """The micro-batches of a batch of b (weight_stationary with
        micro_batch M < b: M, M, …, the rest; else the batch itself)."""
        M = self.mb if self.dataflow == "weight_stationary" and 0 < self.mb < b else b
        return [min(M, b - c) for c in range(0, b, M)]

    def n_tiles(self, net):
        if self.split:
            return sum(self.split)
        return len(self.lpt) if self.lpt else (len(self.tiles) if self.tiles else net.K)

    def layers(self, net, t):
        """The layers of tile t (0-based)."""
        if self.split:
            return [self.tile_part(t)[0]]
        if not self.lpt:
            return [t]
        first = sum(self.lpt[:t])
        return list(range(first, first + self.lpt[t]))

    def tile_of(self, net, i):
        return next(t for t in range(self.n_tiles(net)) if i in self.layers(net, t))

    def tiles_of(self, net, i):
        """Every tile of layer i (a split layer's parts)."""
        return [t for t in range(self.n_tiles(net)) if i in self.layers(net, t)]

    def view(self, t):
        """Tile t's hardware: this one with the tile's own figures."""
        if not self.tiles:
            return self
        v = Hw.__new__(Hw)
        v.__dict__.update(self.__dict__)
        own = self.tiles[t]
        v.split = None
        v.P = own.get("P", self.P)
        v.banks = own.get("banks", self.banks)
        v.sram_bytes = own.get("sram_kib", self.sram_bytes / 1024) * 1024
        v.reg_bytes = own.get("reg_kib", self.reg_bytes / 1024) * 1024
        v.lpt, v.tiles, v.split = None, None, None
        v.resolve()
        return v


# the test's base scenario sets these (hardware.*); pJ, pJ/byte, mm², mm²/KiB
FIG = dict(reg_pj=0.25, sram_r_pj=2.0, sram_w_pj=3.0, rom_pj=1.5, lfsr_pj=0.5,
           fwd_pj=0.5, bwd_pj=0.75, bc_pj=1.25, es_r_pj=1.5, es_w_pj=2.5,
           fma_pj=1.0, elem_pj=10.0, add_pj=100.0, mul_pj=1000.0,
           a_sram=0.004, a_reg=0.06, a_rom=0.002, a_lane=0.02, a_lfsr=0.0003, a_es=0.005)
# every figure a tile's energy, leakage and area take (l_: leakage, µW or µW/KiB)
FIGURES = tuple(FIG) + ("l_sram", "l_reg", "l_rom", "l_lane", "l_es")
ES_KEYS = ("es_r_pj", "es_w_pj", "l_es", "a_es")
# the links' figures are plain numbers (docs/scenarios.md's defaults), never auto
LINKS = dict(fwd_pj=0.5, bwd_pj=0.5, bc_pj=1.0)


# ---- the auto figures: docs/hardware-costs.md ------------------------------------------
# Every figure a key left at auto takes, from the document's tables and the
# source numbers it cites, with its scalings (never from sim/chip/cost_tables.c).

def sb_energy(c, v):
    """[SB]'s energy fit e(V) = a·V² + b·V + c."""
    return c[0] * v * v + c[1] * v + c[2]


def sb_delay(c, v):
    """[SB]'s delay fit d(V) = a·V³ + b·V² + c·V + d."""
    return c[0] * v ** 3 + c[1] * v * v + c[2] * v + c[3]


# "Scaling from 40 nm to 45 nm": area (45/40)²; energy and leakage [SB]'s LP fits
# at 0.8 V with 40 nm 8/13 of the way from 32 nm to 45 nm (hwcomponents' way)
AREA_40 = (45 / 40) ** 2
_E45_LP, _E32_LP = sb_energy((1.103, -0.362, 0.2767), 0.8), sb_energy((0.9559, -0.7823, 0.471), 0.8)
ENERGY_40 = _E45_LP / (_E32_LP + 8 / 13 * (_E45_LP - _E32_LP))

# "Default figures": Horowitz's fp32 arithmetic (45 nm, pJ)
HOROWITZ = dict(fma_pj=3.7 + 0.9, add_pj=0.9, mul_pj=3.7, elem_pj=0.9)
# Aladdin's units at 40 nm ([A-FU]): REG_1ns per bit, BIT_1ns (32 gates), the fp32 units
REG_BIT_PJ, REG_BIT_UW, REG_BIT_UM2 = 0.008999495, 0.07395312, 5.981433
BIT32_PJ, BIT32_UM2 = 0.0180559, 50.36996
FP_MUL_UW, FP_MUL_UM2, FP_ADD_UW, FP_ADD_UM2 = 119.8412, 8967.113, 53.11069, 4361.094
# the fp32 training lane: 8 multipliers, 9 adders, 96 register bits
LANE_LEAK_UW = (8 * FP_MUL_UW + 9 * FP_ADD_UW + 96 * REG_BIT_UW) * ENERGY_40
LANE_AREA_MM2 = (8 * FP_MUL_UM2 + 9 * FP_ADD_UM2 + 96 * REG_BIT_UM2) * AREA_40 * 1e-6
# flip-flop registers: per byte (8 bits) and per KiB (8192 bits)
REG_PJ, REG_LEAK, REG_AREA = 8 * REG_BIT_PJ * ENERGY_40, 8192 * REG_BIT_UW * ENERGY_40, 8192 * REG_BIT_UM2 * AREA_40 * 1e-6
# a 32-bit LFSR: 32 flip-flops and 3 XORs (a thirty-second of BIT_1ns each)
LFSR_PJ = (32 * REG_BIT_PJ + 3 * BIT32_PJ / 32) * ENERGY_40
LFSR_AREA = (32 * REG_BIT_UM2 + 3 * BIT32_UM2 / 32) * AREA_40 * 1e-6
DRAM_PJ = 1300 / 8                                             # [H] 1.3 nJ per 64 bits (off chip: never scaled)


def _asp(kib, mw, um2):
    """[A-SP] at 40 nm → (leakage µW/KiB, area mm²/KiB): leakage × the 40 → 45 nm
    factor; area the 0.35 µm² cell ÷ η, η = the cells (146 F², F = 40 nm) over
    MEM_area."""
    eta = 8192 * kib * 146 * 0.040 ** 2 / um2
    return mw * 1e3 / kib * ENERGY_40, 8192 * 0.35 / eta * 1e-6


# the capacity table (cells: table): KiB, read and write pJ per 64-bit access
# (Horowitz; writes = reads), leakage µW/KiB, area mm²/KiB
SRAM_TABLES = {"table": [(8, 10, 10) + _asp(8, 0.420818, 28129.3), (32, 20, 20) + _asp(32, 1.682850, 94523.9),
                         (1024, 100, 100) + _asp(1024, 53.8321, 2554980)]}
# CACTI 7.0, 45 nm, 300 K ("SRAM macros by size and cell type"; hp below 4 KiB:
# "Register files by size and kind"); per byte: per 64-bit access ÷ 8
SRAM_TABLES["hp"] = [(0.25, 1.12, 1.43, 650.2, 0.00565), (0.5, 1.20, 1.90, 614.1, 0.00429),
                     (1, 1.43, 2.91, 577, 0.003601), (2, 2.35, 3.52, 636.8, 0.00377),
                     (4, 2.92, 5.35, 624, 0.00338), (8, 5.29, 6.50, 575, 0.00329), (16, 9.99, 8.79, 541.5, 0.00317),
                     (32, 14.92, 12.69, 536.6, 0.00297), (64, 28.98, 17.19, 485.7, 0.00287),
                     (128, 32.96, 21.16, 485.7, 0.00303), (256, 40.63, 28.83, 485.7, 0.00311),
                     (1024, 67.69, 55.89, 485.7, 0.00310)]
SRAM_TABLES["lstp"] = [(4, 3.39, 6.45, 0.03511, 0.00338), (8, 6.14, 7.88, 0.0321, 0.00328),
                       (16, 11.61, 10.70, 0.02932, 0.00317), (32, 17.04, 15.40, 0.02887, 0.00296),
                       (64, 25.87, 19.65, 0.0261, 0.00327), (128, 32.29, 26.07, 0.0261, 0.00336),
                       (256, 44.72, 38.49, 0.0261, 0.00341), (1024, 93.52, 76.18, 0.02438, 0.00319)]
SRAM_TABLES["lop"] = [(4, 2.34, 2.35, 30.8, 0.00369), (8, 3.16, 3.24, 28.38, 0.00329), (16, 6.03, 4.42, 25.39, 0.00317),
                      (32, 7.23, 5.62, 25.39, 0.00350), (64, 13.07, 8.06, 21.84, 0.00327),
                      (128, 15.54, 10.54, 21.84, 0.00336), (256, 20.31, 15.30, 21.84, 0.00341),
                      (1024, 41.76, 29.74, 19.95, 0.00319)]


def sram_45(cells, nbytes):
    """One array of nbytes of these cells at 45 nm, 0.9 V: (read, write pJ/byte,
    leakage µW/KiB, area mm²/KiB).  "How the SRAM interpolation works": linear
    in each figure against log size between two points, a point's own figures
    at it, the end points' outside (clamped)."""
    pts = [(kib * 1024, r / 8, w / 8, l, a) for kib, r, w, l, a in SRAM_TABLES[cells]]
    if nbytes <= pts[0][0]:
        return pts[0][1:]
    if nbytes >= pts[-1][0]:
        return pts[-1][1:]
    hi = next(i for i, p in enumerate(pts) if nbytes <= p[0])
    lo, hi = pts[hi - 1], pts[hi]
    t = math.log(nbytes / lo[0]) / math.log(hi[0] / lo[0])
    return tuple((1 - t) * x + t * y for x, y in zip(lo[1:], hi[1:]))


# "Technology scaling": node → ([SB] HP energy fit (90, 65: the bulk rows), area
# factor (hwcomponents' 45 nm row; 90, 65: nodeScale's areaDict row 45), HP delay fit)
SB = {90: ((4.762, -4.781, 2.092), 2.8, (-60.34, 262.5, -384.2, 210.9)),
      65: ((3.755, -4.398, 1.975), 1.5, (-53.3, 230.4, -333.9, 178.6)),
      45: ((1.018, -0.3107, 0.1539), 1.0, (-501.6, 1567, -1619, 566.1)),
      32: ((0.8367, -0.4341, 0.1701), 0.46, (-1047, 2982, -2797, 873.5)),
      20: ((0.373, -0.1582, 0.04104), 0.21, (0, 34.63, -66.37, 41.15)),
      16: ((0.2958, -0.1241, 0.03024), 0.19, (0, 24.8, -47.52, 28.87)),
      14: ((0.2363, -0.09675, 0.02239), 0.17, (-40.66, 109.2, -100.6, 35.92)),
      7: ((0.1776, -0.09097, 0.02447), 0.059, (-28.58, 76.6, -70.26, 24.69))}
NODES = (90, 65, 45, 32, 28, 22, 20, 16, 14, 7)
V_TABLES = 0.9                                                 # the tables' supply (Horowitz's 45 nm)


def node_at(node, vdd):
    """(energy at 0.9 V, area factor, delay at vdd) of a node; 28 and 22 nm
    linear in node between 32 and 20 nm (28 = ⅔·32 + ⅓·20, 22 = ⅙·32 + ⅚·20)."""
    if node in (28, 22):
        w = (node - 20) / 12
        a, b = node_at(32, vdd), node_at(20, vdd)
        return tuple(w * x + (1 - w) * y for x, y in zip(a, b))
    e, area, d = SB[node]
    return sb_energy(e, V_TABLES), area, sb_delay(d, vdd)


def tech_factors(node, vdd):
    """(dynamic energy, leakage, area) factors from the tables' 45 nm, 0.9 V:
    e_node(0.9)/e_45(0.9) × (vdd/0.9)², the same × vdd/0.9, the area row."""
    e, a, _ = node_at(node, vdd)
    n = e / node_at(45, V_TABLES)[0]
    return n * (vdd / V_TABLES) ** 2, n * vdd / V_TABLES, a


# CACTI 7.0's 45 nm devices (tech_params/45nm.dat, 300 K): Vdd, C_g_ideal, C_fringe
# (F/µm), I_on_n, I_off_n, I_g_on_n (A/µm)
DEVICES = {"hp": (1.0, 6.78e-16, 5e-17, 2.0466e-3, 2.8e-7, 3.59e-8),
           "lstp": (1.1, 5.18e-16, 8e-17, 6.662e-4, 1.01e-11, 9.47e-12),
           "lop": (0.7, 6.2e-16, 7.3e-17, 7.489e-4, 4.03e-9, 3.24e-8)}


def logic_leakage(cells):
    """The logic's leakage against hp's: (I_off + I_g)·Vdd (table: hp-like, 1)."""
    d, h = DEVICES.get(cells, DEVICES["hp"]), DEVICES["hp"]
    return (d[4] + d[5]) * d[0] / ((h[4] + h[5]) * h[0])


def logic_delay(cells):
    """The logic's delay against hp's: (C_g + C_f)·Vdd / I_on (table: 1)."""
    d, h = DEVICES.get(cells, DEVICES["hp"]), DEVICES["hp"]
    return (d[1] + d[2]) * d[0] / d[3] / ((h[1] + h[2]) * h[0] / h[3])


def max_clock_mhz(cells, node, vdd):
    """Aladdin's 1 ns units (1000 MHz at 45 nm, 0.9 V, hp) moved by the delay
    fit to node and vdd and by the cells' delay."""
    return 1000 * node_at(45, V_TABLES)[2] / node_at(node, vdd)[2] / logic_delay(cells)


class Tech:
    """hardware.technology (cells, node_nm, vdd), hardware.tile.sram.macro_kib
    and hardware.tile.registers.kind: what a tile's auto figures follow."""

    def __init__(self, cells="table", node=45, vdd=0.9, macro_kib=None, reg_kind="flipflop"):
        self.cells, self.node, self.vdd, self.macro_kib, self.reg_kind = cells, node, vdd, macro_kib, reg_kind
        self.fe, self.fl, self.fa = tech_factors(node, vdd)
        self.ll = logic_leakage(cells)

    def sram(self, nbytes):
        """An SRAM of nbytes (or its macro's): (read, write, leakage, area) at the node."""
        r, w, l, a = sram_45(self.cells, self.macro_kib * 1024 if self.macro_kib else nbytes)
        return r * self.fe, w * self.fe, l * self.fl, a * self.fa

    def tile(self, sram_bytes, reg_bytes, P):
        """Every auto figure of a tile of these SRAM and register bytes and P lanes."""
        fe, fl, fa = self.fe, self.fl, self.fa
        r, w, l, a = self.sram(sram_bytes)
        if self.reg_kind == "sram":
            # one bank per lane of capacity / P, the cells' (hp for table); a byte at the dearer of read and write
            rr, rw, rl, ra = sram_45("hp" if self.cells == "table" else self.cells, reg_bytes / P)
            reg = (max(rr, rw), rl, ra)
        else:
            reg = (REG_PJ, REG_LEAK * self.ll, REG_AREA)
        # the ROM: the cells' 8 KiB array's read energy, a third of its leakage and area
        rom_r, _, rom_l, rom_a = sram_45(self.cells, 8192)
        f = dict(sram_r_pj=r, sram_w_pj=w, l_sram=l, a_sram=a,
                 reg_pj=reg[0] * fe, l_reg=reg[1] * fl, a_reg=reg[2] * fa,
                 rom_pj=rom_r * fe, l_rom=rom_l / 3 * fl, a_rom=rom_a / 3 * fa,
                 lfsr_pj=LFSR_PJ * fe, a_lfsr=LFSR_AREA * fa,
                 l_lane=LANE_LEAK_UW * self.ll * fl, a_lane=LANE_AREA_MM2 * fa)
        f.update({k: v * fe for k, v in HOROWITZ.items()})
        return f

    def max_clock_mhz(self):
        return max_clock_mhz(self.cells, self.node, self.vdd)


class Net:
    def __init__(self, widths, alg, batch=1, opt="sgd", one_hot=True, classification=True):
        self.w = list(widths)
        self.alg = alg
        self.batch = batch
        self.opt = opt
        self.one_hot = one_hot                                 # F3's error information
        self.classification = classification
        self.K = len(widths) - 1
        self.C = widths[-1]


def ceil(x):
    return int(math.ceil(x - 1e-9))


def layer_flags(net, i):
    K, alg = net.K, net.alg
    hidden = i + 1 < K
    if alg == "inference":
        # the inference baseline (Outputs: inference): forward passes only
        return dict(hidden=hidden, trains=False, feedback=False, stash=False, one_hot=False, backprop=False)
    trains = alg != "llo" or not hidden
    return dict(
        hidden=hidden,
        trains=trains,
        feedback=hidden and trains and alg in ("f3", "dfa", "drtp"),
        stash=hidden and alg in ("bp", "dfa"),                 # BP/DFA hidden tiles stash h_{i-1}, f'(z_i)
        # one-hot e: F3's one-hot error information, DRTP's target in classification
        one_hot=(alg == "f3" and net.one_hot) or (alg == "drtp" and net.classification),
        backprop=alg == "bp" and i > 0,
    )


def ws_blocks(hw, n_in, n_out, trains):
    """weight_stationary: R rows per block, N blocks, F = Σ ⌈rows/P⌉."""
    rmax = hw.reg_bytes // ((2 if trains else 1) * V * n_in)
    if rmax < 1:
        return None
    R = hw.P * (rmax // hw.P) if rmax >= hw.P else rmax
    R = min(R, n_out)
    N = ceil(n_out / R)
    rows = [R] * (N - 1) + [n_out - (N - 1) * R]
    F = sum(ceil(r / hw.P) for r in rows)
    return R, N, F


def tile_steps(hw, net, i, b):
    """Every step of tile i (0-based) for a batch of b samples: {step: (reps,
    cost)} with cost per rep: compute cycles, SRAM read/written bytes,
    transposed bytes, register bytes, ROM bytes, LFSR values."""
    n_in, n_out, C, P = net.w[i], net.w[i + 1], net.C, hw.P
    fl = layer_flags(net, i)
    f = ceil(n_out / P)
    p = n_in * n_out + n_out
    S = n_in + n_out
    batched = net.batch > 1 or net.opt == "adam"
    adam = net.opt == "adam"
    u = 4 if adam else 1
    entries = n_out if fl["one_hot"] else C * n_out            # of B read per sample for Bᵀe
    rom = entries * ROM_BYTES[hw.rom_enc]
    lfsr = entries if hw.rom_enc == "seeded" else 0
    fb_lanes = 1 if fl["one_hot"] else C

    def z(**k):
        c = dict(compute=0, r=0, w=0, tr=0, reg=0, rom=0, lfsr=0, acc=0)
        c.update(k)
        return c

    s = {}
    if hw.dataflow in ("output_stationary", "fused"):
        # b (and δb, m_b, v_b) in registers beside z and h: SRAM carries W only
        nw = n_in * n_out
        fused = hw.dataflow == "fused" and fl["trains"]
        fused_bp = hw.dataflow == "fused" and net.alg == "bp" and fl["backprop"]
        fused = fused and net.alg != "bp"
        if fused:
            # one pass over W: this sample's z and the previous sample's update;
            # registers: h of this sample and h_{i-1} of the previous one go to the
            # lanes (the table does not list them: inferred as 2 × the forward's)
            # one lane cycle per weight: read, update, MAC (rtl_ref/'s fused forward step)
            s["forward"] = (b, z(compute=f * n_in, r=V * nw, w=V * nw, reg=2 * V * n_in * f))
        else:
            s["forward"] = (b, z(compute=f * n_in, r=V * nw, w=V * S if fl["stash"] else 0, reg=V * n_in * f))
        s["activation"] = (b, z(compute=f, reg=V * n_out))                  # z + b
        if fl["feedback"]:
            s["feedback"] = (b, z(compute=f * fb_lanes, rom=rom, lfsr=lfsr))
        if fl["trains"]:
            # δz: b or δb read and written
            s["dz"] = (b, z(compute=f, r=V * n_out if fl["stash"] else 0, reg=2 * V * n_out))
            if not fused and not fused_bp:
                s["gradient"] = (b, z(compute=f * n_in, r=V * nw + (V * n_in if fl["stash"] else 0), w=V * nw,
                                      reg=V * n_in * f))
            if batched:
                # the lanes walk W as the gradient does; b from δb alongside, in registers
                s["apply"] = (1, z(compute=f * n_in * u, r=V * nw * (4 if adam else 2), w=V * nw * (3 if adam else 1),
                                   reg=V * n_out * (7 if adam else 3)))
        if fused_bp:
            # BP's backprop and SGD update in one walk of W: read once (rows, not
            # transposed), δ from the old value, updated, written back; h_{i-1} to
            # the lanes as in the gradient step
            s["backprop"] = (b, z(compute=f * n_in, r=V * n_in * n_out + (V * n_in if fl["stash"] else 0),
                                  w=V * n_in * n_out, reg=V * n_out * ceil(n_in / P) + V * n_in * f))
        elif fl["backprop"]:
            s["backprop"] = (b, z(compute=f * n_in, r=V * n_in * n_out, tr=V * n_in * n_out,
                                  reg=V * n_out * ceil(n_in / P)))
    elif hw.dataflow == "weight_stationary":
        blk = ws_blocks(hw, n_in, n_out, fl["trains"])
        assert blk is not None, "registers smaller than a row"
        R, N, F = blk
        two_pass = fl["stash"] or not fl["hidden"]
        s["forward"] = (1, z(compute=b * F * n_in,
                             r=V * p + V * n_in * b * N + V * n_out * b,
                             w=V * n_in * b + V * n_out * b + (V * n_out * b if fl["stash"] else 0),
                             reg=V * n_in * n_out * b))
        s["activation"] = (1, z(compute=b * F))
        if fl["feedback"]:
            s["feedback"] = (1, z(compute=b * F * fb_lanes, rom=rom * b, lfsr=lfsr * b))
        if fl["trains"]:
            s["dz"] = (1, z(compute=b * F, w=V * n_out * b if fl["stash"] else 0,
                            r=2 * V * n_out * b if fl["stash"] else 0))
            # micro-batches (M < the scenario's batch): the batch's gradient waits in SRAM
            # between them, read and written by each walk, read once by the update
            mb = 0 < hw.mb < net.batch
            s["gradient"] = (1, z(compute=b * F * n_in, r=((V * p + V * n_in * b * N) if two_pass else 0) + (V * p if mb else 0),
                                  w=V * p if mb else 0, reg=2 * V * n_in * n_out * b))
            s["apply"] = (1, z(compute=ceil(p / P) * u, w=V * p + (2 * V * p if adam else 0),
                               r=(2 * V * p if adam else 0) + (V * p if mb else 0)))
        if fl["backprop"]:
            s["backprop"] = (1, z(compute=b * ceil(n_in / P) * n_out, r=V * n_in * b * N, w=V * n_in * b * N,
                                  reg=V * n_in * n_out * b))
        if hw.ws_loop == "samples":
            # the register file once per weight and pass (the gradient written once); per MAC
            # the samples' flip-flops: z read and written (forward), δz read (gradient, backprop)
            nw = n_in * n_out
            for name, reg, acc in (("forward", V * nw, 2 * V * nw * b), ("gradient", V * nw, V * nw * b),
                                   ("backprop", V * nw, V * nw * b)):
                if name in s:
                    s[name][1].update(reg=reg, acc=acc)
    else:
        raise ValueError(hw.dataflow)
    return s


def step_cycles(hw, c):
    """max(compute, SRAM bytes / (banks × bytes_per_cycle), ROM bytes /
    rom.bytes_per_cycle, ⌈LFSR values / P⌉ × lfsr_cycles_per_value) + L;
    a transposed read counts transposed_read_factor times its bytes."""
    sram = c["r"] + c["w"] + c["tr"] * (hw.tf - 1)
    t = max(c["compute"], ceil(sram / (hw.banks * hw.sram_bpc)) if sram else 0,
            ceil(c["rom"] / hw.rom_bpc) if c["rom"] else 0,
            ceil(c["lfsr"] / hw.P) * hw.lfsr_cycles if c["lfsr"] else 0)
    return t + hw.L


def batches(net, n):
    return [min(net.batch, n - s) for s in range(0, n, net.batch)]


def tile_totals(hw, net, i, n, epochs=1):
    """What tile i's tiles.csv row must say after epochs of n samples
    (everything in SRAM)."""
    tot = dict(busy=0, reg=0, r=0, w=0, rom=0, lfsr=0, tr=0, acc=0)
    for b in batches(net, n):
        # the steps of each micro-batch, the update once per batch
        runs = [(name, rc) for m in hw.chunks(b) for name, rc in tile_steps(hw, net, i, m).items() if name != "apply"]
        if "apply" in tile_steps(hw, net, i, b):
            runs.append(("apply", tile_steps(hw, net, i, b)["apply"]))
        for name, (reps, c) in runs:
            tot["busy"] += epochs * reps * step_cycles(hw, c)
            for k in ("reg", "r", "w", "rom", "lfsr", "tr", "acc"):
                tot[k] += epochs * reps * c[k]
    return tot


def step_time(hw, net, i, b, name):
    st = tile_steps(hw, net, i, b)
    return step_cycles(hw, st[name][1]) if name in st else 0


def input_bytes(net, es_bpv=V):
    """x and y* (and F3's e for the hidden tiles, at the error store's
    bytes per value) per sample on the input link."""
    d, C = net.w[0], net.C
    e = (1 if net.one_hot else C) * es_bpv if net.alg == "f3" and net.K > 1 else 0
    return V * d + V * C + e


def forward_bytes(net, i, es_bpv=V):
    """h_i, the targets and (F3) e for hidden tiles downstream, from tile i."""
    C = net.C
    e = (1 if net.one_hot else C) * es_bpv if net.alg == "f3" and i + 2 < net.K else 0
    return V * net.w[i + 1] + V * C + e


class Link:
    def __init__(self, bpc, lat):
        self.bpc, self.lat, self.free = bpc, lat, 0

    def send(self, sent, nbytes):
        out = []
        for t in sent:
            start = max(self.free, t)
            self.free = start + ceil(nbytes / self.bpc)
            out.append(self.free + self.lat)
        return out


class Port:
    """The DRAM's port (DRAM): requests are placed one after another in the
    order of arbitration (oldest batch first; within a batch the streamer's
    reads, the tiles as the batch meets them, the output tile's writes of e);
    a request of c cycles made at cycle t takes the first c free cycles at or
    after t.  Kept as a plain list of busy [start, end) pairs."""

    def __init__(self, bpc, lat):
        self.bpc, self.lat, self.busy = bpc, lat, []

    def place(self, t, nbytes):
        """The cycle the data of a request of nbytes made at t are there."""
        need, cur, pieces = ceil(nbytes / self.bpc), t, []
        for s, e in sorted(self.busy):
            if need == 0:
                break
            if e <= cur:
                continue
            if s > cur:                               # a free gap [cur, s)
                take = min(need, s - cur)
                pieces.append((cur, cur + take))
                need -= take
                cur += take
            if need:
                cur = max(cur, e)
        if need:
            pieces.append((cur, cur + need))
        self.busy += pieces
        return pieces[-1][1] + self.lat


def os_step_items(net, i):
    """output_stationary, batch 1, SGD: each step's bytes by Placement's item,
    {step: {item: (read, written)}} (the rows of the tile table)."""
    n_in, n_out = net.w[i], net.w[i + 1]
    fl = layer_flags(net, i)
    nw = n_in * n_out
    st = {"forward": {"weights": (V * nw, 0), "buffers": (0, V * (n_in + n_out) if fl["stash"] else 0)}}
    if fl["trains"]:
        st["dz"] = {"buffers": (V * n_out if fl["stash"] else 0, 0)}
        st["gradient"] = {"weights": (V * nw, V * nw), "buffers": (V * n_in if fl["stash"] else 0, 0)}
    if fl["backprop"]:
        st["backprop"] = {"weights": (V * nw, 0)}
    return st


def step_dram(hw, net, i):
    """Each step's DRAM bytes (read, written) of layer i: an item's traffic
    times its share off chip (Placement)."""
    nd, share = placement(hw, net, i)
    if not any(share.values()):
        return {}
    assert hw.dataflow == "output_stationary" and net.batch == 1 and net.opt == "sgd", "DRAM derived for os, b 1, sgd"
    out = {}
    for name, items in os_step_items(net, i).items():
        r = sum(rw[0] * share[k] for k, rw in items.items())
        w = sum(rw[1] * share[k] for k, rw in items.items())
        if r or w:
            out[name] = (r, w)
    return out


def run_waits(hw, net, n, epochs=1, es_dram=False):
    """Each tile's cycles starved for input and waiting for downstream."""
    ch = Chain(hw, net, es_dram)
    for _ in range(epochs):
        ch.epoch(n)
    return ch.waits


def run_gating(hw, net, n, epochs=1, es_dram=False):
    """Power gating: each tile's wake-ups and gated waits, and the run's end."""
    ch = Chain(hw, net, es_dram)
    for _ in range(epochs):
        ch.epoch(n)
    return ch.gating, ch


def run_cycles(hw, net, n, epochs=1, es_dram=False):
    """Training cycles of epochs of n samples (everything in SRAM)."""
    ch = Chain(hw, net, es_dram)
    for _ in range(epochs):
        ch.epoch(n)
    return ch.end


class Chain:
    """The Schedules paragraph: an epoch starts when the previous one is
    through the chain; at most K + 2 batches are in flight (batch k enters
    when batch k − K − 2 is through, in model time); the streamer waits for
    each sample's e (F3: read in turn on the store's read port, or on its
    share of the DRAM); F3, DRTP and LLO stream, BP and DFA forward the
    batch, then wait for what comes back."""

    def __init__(self, hw, net, es_dram=False):
        K, T = net.K, hw.n_tiles(net)
        self.split = bool(hw.split)
        self.hw, self.net, self.K, self.T = hw, net, K, T
        self.tile = [hw.tile_of(net, i) for i in range(K)]          # the tile of each layer
        self.first = [hw.layers(net, t)[0] for t in range(T)]       # each tile's first layer
        # the error store on its own port, or in DRAM: its reads and writes go
        # through the DRAM's port with the tiles' spilled data (Port)
        self.es_dram = es_dram
        self.port = Port(hw.dram_bpc, hw.dram_lat)
        self.dram = [step_dram(hw.view(self.tile[i]), net, i) for i in range(K)]
        self.es_free = 0
        self.link_in = Link(hw.link_bpc, hw.link_lat)
        self.fwd = [Link(hw.link_bpc, hw.link_lat) for _ in range(T)]   # out of tile t
        self.bwd = [Link(hw.link_bpc, hw.link_lat) for _ in range(T)]   # into tile t
        self.bcast = Link(hw.link_bpc, hw.link_lat)
        self.free = [0] * T
        self.waits = {"input": [0] * T, "down": [0] * T, "memory": [0] * T}
        self.gating = {"wakes": [0] * T, "gated": [0] * T}
        self.end = 0
        self.through = []            # when each batch was through the chain

    def wait(self, k, kind, t):
        """A tile starts at max(its own end, the arrival): starved for its
        input, or (BP, DFA) waiting for downstream."""
        if t > self.free[k]:
            # power gating (Power gating): a wait of at least min_idle switches the
            # lanes off, and waking them delays the next step by wake cycles
            g = self.hw.gating
            if g and t - self.free[k] >= g["min_idle"]:
                self.gating["wakes"][k] += 1
                self.gating["gated"][k] += t - self.free[k]
                t += g["wake"]
            self.waits[kind][k] += t - self.free[k]
        return max(self.free[k], t)

    def steps(self, k, i, names, t, b):
        """Layer i's steps one after another on tile k from cycle t: each
        takes its cycles, or until its DRAM bytes are there if later."""
        for name in names:
            c = step_time(self.hw.view(k), self.net, i, b, name)
            if c == 0:
                continue
            end = t + c
            if name in self.dram[i]:
                r, w = self.dram[i][name]
                done = t
                if r:
                    done = max(done, self.port.place(t, r))
                if w:
                    done = max(done, self.port.place(t, w))
                if done > end:
                    self.waits["memory"][k] += done - end
                    end = done
            t = end
        return t

    def epoch(self, n):
        hw, net, T = self.hw, self.net, self.T
        t0 = self.end
        es_per = (1 if net.one_hot else net.C) * hw.es_bpv
        for b in batches(net, n):
            k = len(self.through)
            local = max(t0, self.through[k - T - 2] if k >= T + 2 else 0)   # T + 2 batches in flight
            sent = [local] * b
            if net.alg == "f3" and self.es_dram:
                sent = [self.port.place(local, es_per) for _ in range(b)]
            elif net.alg == "f3":
                for j in range(b):
                    self.es_free = max(self.es_free, local) + ceil(es_per / hw.es_bpc)
                    sent[j] = self.es_free + hw.es_lat
            ready = self.link_in.send(sent, input_bytes(net, hw.es_bpv))
            self.batch(b, ready)
            self.through.append(max(self.free))

    def batch(self, b, ready):
        """A tile runs its layers one after another; a layer takes the one
        below's outputs on the same tile without a link."""
        if self.split:
            return self.batch_split(b, ready)
        hw, net, K, free, wait = self.hw, self.net, self.K, self.free, self.wait
        tile, first = self.tile, self.first
        last_of = lambda i: i + 1 == K or tile[i + 1] != tile[i]     # the last layer of its tile
        per_sample = hw.dataflow != "weight_stationary"
        T = lambda i, name: step_time(hw.view(tile[i]), net, i, b, name)
        if net.alg in ("f3", "drtp", "llo", "inference"):
            for i in range(K):
                k = tile[i]
                out = [0] * b
                if per_sample:
                    for j in range(b):
                        t = self.steps(k, i, ("forward", "activation"), wait(k, "input", ready[j]), b)
                        out[j] = t                   # h_i(k) goes on after its forward step
                        free[k] = self.steps(k, i, ("feedback", "dz", "gradient"), t, b)
                else:
                    c0 = 0
                    for m in hw.chunks(b):               # each micro-batch (or the batch) in one pass
                        Tm = lambda name: step_time(hw.view(k), net, i, m, name)
                        t = wait(k, "input", max(ready[c0:c0 + m])) + Tm("forward") + Tm("activation")
                        t += Tm("feedback") + Tm("dz") + Tm("gradient")   # one pass: h_i is out at its end
                        out[c0:c0 + m] = [t] * m
                        free[k] = t
                        c0 += m
                free[k] += T(i, "apply")
                if i + 1 == K and net.alg == "f3" and self.es_dram:
                    for t in out:                    # the output tile writes each sample's e
                        self.port.place(t, (1 if net.one_hot else net.C) * hw.es_bpv)
                self.end = max(self.end, free[k])
                if i + 1 < K:
                    ready = self.fwd[k].send(out, forward_bytes(net, i, hw.es_bpv)) if last_of(i) else out
            return
        out = [None] * K
        for i in range(K):
            k = tile[i]
            if per_sample:
                o = []
                for j in range(b):
                    free[k] = self.steps(k, i, ("forward", "activation"), wait(k, "input", ready[j]), b)
                    o.append(free[k])
            else:
                o, c0 = [0] * b, 0
                for m in hw.chunks(b):
                    Tm = lambda name: step_time(hw.view(k), net, i, m, name)
                    free[k] = wait(k, "input", max(ready[c0:c0 + m])) + Tm("forward") + Tm("activation")
                    o[c0:c0 + m] = [free[k]] * m
                    c0 += m
            out[i] = o
            if i + 1 < K:
                ready = self.fwd[k].send(o, forward_bytes(net, i, hw.es_bpv)) if last_of(i) else o
        back = out[K - 1]            # the output layer: its loss at once
        bc = eo = None
        for i in reversed(range(K)):
            k = tile[i]
            if i + 1 < K and net.alg == "dfa":
                back = eo if k == tile[K - 1] else bc   # e on the output's tile, or broadcast
            down, e_ready = [], []
            if per_sample:
                for j in range(b):
                    t = self.steps(k, i, ("feedback", "dz"), wait(k, "down", back[j]), b)
                    e_ready.append(t)
                    t = self.steps(k, i, ("backprop",), t, b)   # δ for the layer below from the old W, sent at once
                    down.append(t)
                    free[k] = self.steps(k, i, ("gradient",), t, b)
            else:
                e_ready, down, c0 = [0] * b, [0] * b, 0
                for m in hw.chunks(b):
                    Tm = lambda name: step_time(hw.view(k), net, i, m, name)
                    t = wait(k, "down", max(back[c0:c0 + m])) + Tm("feedback") + Tm("dz")
                    e_ready[c0:c0 + m] = [t] * m
                    free[k] = t + Tm("gradient") + Tm("backprop")   # one blocked pass: δ at its end
                    down[c0:c0 + m] = [free[k]] * m
                    c0 += m
            free[k] += T(i, "apply")
            self.end = max(self.end, free[k])
            if net.alg == "bp" and i > 0:
                back = self.bwd[k].send(down, V * net.w[i]) if i == first[k] else down
            if net.alg == "dfa" and i == K - 1:
                eo = e_ready
                if self.T > 1:
                    bc = self.bcast.send(e_ready, V * net.C)


def _split_batch(self, b, ready):
    """Mapping, split layers: the k parts of layer i each take the same input
    (the link delivers it to all, once), run the layer's steps with their rows
    on their own tiles and clocks; h_i leaves when every part's slice is done
    (per sample, the parts' max); BP's δh_{i-1} is the k parts' partial sums,
    k·n_in values per sample on the backward link, sent when every part's
    backprop is done; every part waits for the same δ (or DFA's broadcast)."""
    hw, net, K, free, wait = self.hw, self.net, self.K, self.free, self.wait
    per_sample = hw.dataflow != "weight_stationary"
    tiles = [hw.tiles_of(net, i) for i in range(K)]
    T = lambda k, i, name, m=b: step_time(hw.view(k), hw.unit_net(net, k), i, m, name)
    stream = net.alg in ("f3", "drtp", "llo", "inference")
    outs = [None] * K
    for i in range(K):
        out = None
        for k in tiles[i]:
            o = [0] * b
            if per_sample:
                for j in range(b):
                    t = wait(k, "input", ready[j]) + T(k, i, "forward") + T(k, i, "activation")
                    o[j] = t
                    free[k] = t + (T(k, i, "feedback") + T(k, i, "dz") + T(k, i, "gradient") if stream else 0)
            else:
                c0 = 0
                for m in hw.chunks(b):
                    t = wait(k, "input", max(ready[c0:c0 + m])) + T(k, i, "forward", m) + T(k, i, "activation", m)
                    if stream:
                        t += T(k, i, "feedback", m) + T(k, i, "dz", m) + T(k, i, "gradient", m)
                    o[c0:c0 + m] = [t] * m
                    free[k] = t
                    c0 += m
            if stream:
                free[k] += T(k, i, "apply")
                self.end = max(self.end, free[k])
            out = o if out is None else [max(x, y) for x, y in zip(out, o)]
        outs[i] = out
        if i + 1 < K:
            ready = self.fwd[i].send(out, forward_bytes(net, i, hw.es_bpv))
    if stream:
        return
    back = outs[K - 1]
    bc = None
    for i in reversed(range(K)):
        if i + 1 < K and net.alg == "dfa":
            back = bc
        down = e_ready = None
        for k in tiles[i]:
            d, e = [0] * b, [0] * b
            if per_sample:
                for j in range(b):
                    t = wait(k, "down", back[j]) + T(k, i, "feedback") + T(k, i, "dz")
                    e[j] = t
                    t += T(k, i, "backprop")
                    d[j] = t
                    free[k] = t + T(k, i, "gradient")
            else:
                c0 = 0
                for m in hw.chunks(b):
                    t = wait(k, "down", max(back[c0:c0 + m])) + T(k, i, "feedback", m) + T(k, i, "dz", m)
                    e[c0:c0 + m] = [t] * m
                    free[k] = t + T(k, i, "gradient", m) + T(k, i, "backprop", m)
                    d[c0:c0 + m] = [free[k]] * m
                    c0 += m
            free[k] += T(k, i, "apply")
            self.end = max(self.end, free[k])
            down = d if down is None else [max(x, y) for x, y in zip(down, d)]
            e_ready = e if e_ready is None else [max(x, y) for x, y in zip(e_ready, e)]
        if net.alg == "bp" and i > 0:
            back = self.bwd[i].send(down, len(tiles[i]) * V * net.w[i])
        if net.alg == "dfa" and i == K - 1 and K > 1:
            bc = self.bcast.send(e_ready, V * net.C)


Chain.batch_split = _split_batch


def acc_flipflop_bytes(hw, hk, net):
    """weight_stationary with ws_loop samples: the per-sample z and δz flip-flops
    beside each lane, P × M × 2v bytes (M: the micro-batch, or the batch)."""
    if hw.dataflow != "weight_stationary" or hw.ws_loop != "samples":
        return 0
    return hk.P * hw.chunks(net.batch)[0] * 2 * V


def tiles_csv(run_dir):
    return list(csv.DictReader(open(f"{run_dir}/tiles.csv")))


def hardware(run_dir):
    return json.load(open(f"{run_dir}/run.json"))["hardware"]


def check(run_dir, hw, net, n, what, cycles=True, epochs=1):
    """Compare a run's tiles.csv and cycles with the derivation; returns the
    list of differences (empty: all exact).  A tile's row is the sum of its
    layers' steps (Mapping)."""
    bad = []
    rows = tiles_csv(run_dir)
    shape = "-".join(map(str, net.w))
    tag = f"{what} {net.alg} {shape} {hw.dataflow} b{net.batch} {net.opt}" + (f" tiles {hw.lpt}" if hw.lpt else "") + \
        (f" split {hw.split}" if hw.split else "")
    T = hw.n_tiles(net)
    if len(rows) != T:
        return [f"{tag}: {len(rows)} tiles, wanted {T}"]
    cols = (("busy", "busy_cycles"), ("reg", "register_bytes"), ("r", "sram_read_bytes"),
            ("w", "sram_written_bytes"), ("rom", "rom_read_bytes"), ("lfsr", "lfsr_values"))
    for k, row in enumerate(rows):
        want = {c: 0 for c, _ in cols}
        for i in hw.layers(net, k):
            for c, v in tile_totals(hw.view(k), hw.unit_net(net, k), i, n, epochs).items():
                if c in want:
                    want[c] += v
                if c == "acc":
                    want["reg"] += v                                # register_bytes: the file and the flip-flops
        for c, col in cols:
            got = float(row[col])
            if abs(got - want[c]) > 0.5:
                per = {i: {name: step_cycles(hw.view(k), cc) for name, (reps, cc) in tile_steps(hw.view(k), net, i, net.batch).items()}
                       for i in hw.layers(net, k)}
                bad.append(f"{tag}: tile {k + 1} (layers {[i + 1 for i in hw.layers(net, k)]}) {col}: got {got:.0f}, "
                           f"derived {want[c]:.0f} over {epochs}x{n} samples (derived step cycles per rep {per})")
    bad += check_energy_area(run_dir, hw, net, n, tag, rows, epochs)
    if cycles:
        h = hardware(run_dir)
        want = run_cycles(hw, net, n, epochs)
        if h["cycles"] != want:
            bad.append(f"{tag}: run cycles {h['cycles']}, derived {want}")
        if h["samples"] != n * epochs:
            bad.append(f"{tag}: samples {h['samples']}, wanted {n}")
        waits = run_waits(hw, net, n, epochs)
        for k, row in enumerate(rows):
            got = (int(row["wait_input_cycles"]), int(row["wait_downstream_cycles"]), int(row["wait_memory_cycles"]))
            want_w = (waits["input"][k], waits["down"][k], waits["memory"][k])
            if got != want_w:
                bad.append(f"{tag}: tile {k + 1} waits (input, downstream, memory) {got}, derived {want_w}")
        stall = sum(waits["down"]) / (T * want)
        if abs(h["stall_fraction"] - stall) > 1e-12:
            bad.append(f"{tag}: stall_fraction {h['stall_fraction']}, derived {stall}")
        N = n * epochs
        if abs(h["cycles_per_sample"] - want / N) > 1e-9 or abs(h["samples_per_second"] - hw.clock_mhz * 1e6 * N / want) > 1e-6:
            bad.append(f"{tag}: cycles_per_sample {h['cycles_per_sample']} / samples_per_second {h['samples_per_second']}")
    return bad


def needs(hw, net, i):
    """Placement: what tile i needs in SRAM, item by item (weights, optimiser
    state, accumulator, buffers), and the BP/DFA stash."""
    n_in, n_out, b = net.w[i], net.w[i + 1], net.batch
    fl = layer_flags(net, i)
    p = n_in * n_out + n_out
    adam = net.opt == "adam" and fl["trains"]
    batched = net.batch > 1 or net.opt == "adam"
    stash = V * b * (n_in + n_out) if fl["stash"] else 0
    if hw.dataflow == "weight_stationary":
        buf = V * b * (n_in + n_out) + (V * b * 2 * n_out if fl["stash"] else 0) + (V * b * n_in if fl["backprop"] else 0)
        acc = V * p if 0 < hw.mb < net.batch and fl["trains"] else 0     # micro-batches: the gradient in SRAM
        return dict(weights=V * p, optstate=2 * V * p if adam else 0, accum=acc, buffers=buf, stash=stash)
    # output_stationary, fused: b, δb (and Adam's m_b, v_b) live in registers
    nw = n_in * n_out
    acc = V * nw if fl["trains"] and batched else 0
    return dict(weights=V * nw, optstate=2 * V * nw if adam else 0, accum=acc, buffers=stash, stash=stash)


def os_item_traffic(net, i, b):
    """output_stationary: bytes read and written per batch of b samples, by
    the item they belong to (Placement's items), from the table's rows."""
    n_in, n_out = net.w[i], net.w[i + 1]
    fl = layer_flags(net, i)
    p = n_in * n_out                   # b and its companions are in registers
    adam = net.opt == "adam"
    batched = net.batch > 1 or adam
    t = {k: [0, 0] for k in ("weights", "optstate", "accum", "buffers")}
    t["weights"][0] += b * V * p                                          # forward
    if fl["stash"]:
        t["buffers"][1] += b * V * (n_in + n_out)                         # forward: the stash
        t["buffers"][0] += b * V * n_out + b * V * n_in                   # δz: f'(z); gradient: h_{i-1}
    if fl["trains"]:
        g = "accum" if batched else "weights"
        t[g][0] += b * V * p
        t[g][1] += b * V * p                                              # gradient
        if batched:                                                       # apply
            t["weights"][0] += V * p
            t["accum"][0] += V * p
            t["weights"][1] += V * p
            if adam:
                t["optstate"][0] += 2 * V * p
                t["optstate"][1] += 2 * V * p
    if fl["backprop"]:
        t["weights"][0] += b * V * n_in * n_out
    return t


def placement(hw, net, i):
    """The SRAM filled in priority order; each item's share in DRAM."""
    nd = needs(hw, net, i)
    left = hw.sram_bytes
    share = {}
    for k in ("weights", "optstate", "accum", "buffers"):
        on = min(nd[k], left)
        left -= on
        share[k] = (nd[k] - on) / nd[k] if nd[k] else 0.0
    return nd, share


def chip_feedback_ops(hw, net, i):
    """Bᵀe of one sample as the chip does it: (fma, add, mul)."""
    fl = layer_flags(net, i)
    if not fl["feedback"] or (net.alg == "drtp" and net.classification):
        return 0, 0, 0                                         # DRTP: the target's column is δh
    additive = hw.rom_enc in ("ternary2", "seeded")            # trinomial B stored as {-1, 0, 1}
    ops = net.w[i + 1] if fl["one_hot"] else net.C * net.w[i + 1]
    if additive:
        return 0, ops, 0
    return (0, 0, ops) if fl["one_hot"] else (ops, 0, 0)


def check_energy_area(run_dir, hw, net, n, tag, rows, epochs=1):
    """Energy by item and area per tile, from the document's Energy and area
    section with the base scenario's figures; link and error-store bytes."""
    bad = []
    close = lambda a, b, tol=0.06: abs(a - b) <= tol + 1e-9 * abs(b)
    led = json.load(open(f"{run_dir}/run.json"))["ledger"]["layers"]
    h = hardware(run_dir)
    area = leak = 0.0
    us = h["cycles"] / hw.clock_mhz                            # the run's time, µs
    # the error store (F3): one value per training sample (one-hot) or C, each once
    es_kib = n * (1 if net.one_hot else net.C) * hw.es_bpv / 1024 if net.alg == "f3" and hw.es_on_chip else 0.0
    es_fig = hw.store(es_kib * 1024)
    for k, row in enumerate(rows):
        hk = hw.view(k)
        want = dict(registers=0.0, sram=0.0, rom=0.0, dram=0.0, compute=0.0)
        sn = stash = buf = rom_b = 0
        lfsr_tile = False
        un = hw.unit_net(net, k)                                # a split layer's part: its rows alone
        for i in hw.layers(net, k):
            fl = layer_flags(net, i)
            t = tile_totals(hk, un, i, n, epochs)
            # the per-sample flip-flops of ws_loop samples at the flip-flop figure (the
            # registers' own when they are flip-flops, as in chip_v2's base scenario)
            want["registers"] += hk.reg_pj * t["reg"] + getattr(hk, "acc_pj", hk.reg_pj) * t["acc"]
            want["sram"] += hk.sram_r_pj * (t["r"] + t["tr"] * (hw.tf - 1)) + hk.sram_w_pj * t["w"]
            want["rom"] += hk.rom_pj * t["rom"] + hk.lfsr_pj * t["lfsr"]
            L = led[i]
            fma = sum(v["fma"] for v in L.values() if isinstance(v, dict))
            elem = sum(v["elementwise_ops"] for v in L.values() if isinstance(v, dict))
            if fl["feedback"]:
                fma -= L["feedback"]["fma"]                         # replaced by Bᵀe as the chip does it
            if un is not net:                                       # a part: its rows' share of the layer's ledger
                fma = fma * un.w[i + 1] / net.w[i + 1]
                elem = elem * un.w[i + 1] / net.w[i + 1]
            ff, fa, fm = chip_feedback_ops(hw, un, i)
            want["compute"] += fma * hk.fma_pj + elem * hk.elem_pj + n * epochs * (ff * hk.fma_pj + fa * hk.add_pj + fm * hk.mul_pj)
            if hw.split and net.alg == "bp" and i > 0 and hw.tile_part(k)[1] == 0:
                # the reduction of the k parts' partial sums: (k − 1)·n_in additions per sample
                want["compute"] += n * epochs * (hw.parts(i) - 1) * net.w[i] * hk.add_pj
            nd = needs(hk, un, i)
            sn += nd["weights"] + nd["optstate"] + nd["accum"] + nd["buffers"]
            stash += nd["stash"]
            buf += nd["buffers"]
            fb = fl["hidden"] and net.alg in ("f3", "dfa", "drtp")
            rom_b += net.C * un.w[i + 1] * ROM_BYTES[hw.rom_enc] if fb else 0
            lfsr_tile |= fb and hw.rom_enc == "seeded"
        for key, v in want.items():
            got = float(row[f"energy_{key}_pj"])
            if not close(got, v):
                bad.append(f"{tag}: tile {k + 1} energy_{key}_pj {got}, derived {v}")
        if float(row["sram_needed_bytes"]) != sn:
            bad.append(f"{tag}: tile {k + 1} sram_needed_bytes {row['sram_needed_bytes']}, derived {sn}")
        if float(row["stash_bytes"]) != stash:
            bad.append(f"{tag}: tile {k + 1} stash_bytes {row['stash_bytes']}, derived {stash}")
        if hw.dataflow == "weight_stationary" and float(row["buffer_bytes"]) != buf:
            bad.append(f"{tag}: tile {k + 1} buffer_bytes {row['buffer_bytes']}, derived {buf}")
        if abs(float(row["rom_bytes"]) - rom_b) > 0.01:
            bad.append(f"{tag}: tile {k + 1} rom_bytes {row['rom_bytes']}, derived {rom_b}")
        if float(row["sram_capacity_bytes"]) != hk.sram_bytes:
            bad.append(f"{tag}: tile {k + 1} sram_capacity_bytes {row['sram_capacity_bytes']}, derived {hk.sram_bytes}")
        # the tile's SRAM, registers and lanes once, the ROM of each of its layers; ws_loop
        # samples: P × M × (z + δz bytes) of flip-flops (M: the micro-batch), at the
        # registers' area when they are flip-flops
        ff = acc_flipflop_bytes(hw, hk, net)
        a = (hk.sram_bytes / 1024 * hk.a_sram + hk.reg_bytes / 1024 * hk.a_reg + ff / 1024 * getattr(hk, "a_acc", hk.a_reg)
             + rom_b / 1024 * hk.a_rom + hk.P * hk.a_lane + (hk.P * hk.a_lfsr if lfsr_tile else 0))
        area += a
        if abs(float(row["area_mm2"]) - a) > 2e-6:
            bad.append(f"{tag}: tile {k + 1} area_mm2 {row['area_mm2']}, derived {a}")
        if "area_mm2_per_tile" in h and abs(h["area_mm2_per_tile"][k] - a) > 1e-9 * a:
            bad.append(f"{tag}: tile {k + 1} run.json area_mm2_per_tile {h['area_mm2_per_tile'][k]}, derived {a}")
        # leakage: µW × the run's µs = pJ; the on-chip error store's with the output tile
        uw = (hk.sram_bytes / 1024 * hk.l_sram + hk.reg_bytes / 1024 * hk.l_reg + ff / 1024 * getattr(hk, "l_acc", hk.l_reg)
              + rom_b / 1024 * hk.l_rom + hk.P * hk.l_lane)
        if k == len(rows) - 1:
            uw += es_kib * es_fig[2]
        pj = uw * us
        if hw.gating:
            # Power gating: the lanes off over the gated waits and an idle end of at
            # least min_idle (at sleep_leakage of their µW), and breakeven cycles of
            # their leakage per wake-up
            g, _ = run_gating(hw, net, n, epochs)
            idle = int(row["idle_cycles"])
            off = g["gated"][k] + (idle if idle >= hw.gating["min_idle"] else 0)
            lanes_uw = hk.P * hk.l_lane
            pj += lanes_uw * (g["wakes"][k] * hw.gating["breakeven"] - (1 - hw.gating["sleep"]) * off) / hw.clock_mhz
            if int(row["gated_cycles"]) != off or int(row["gating_wakes"]) != g["wakes"][k]:
                bad.append(f"{tag}: tile {k + 1} gated_cycles, wakes {row['gated_cycles']}, {row['gating_wakes']}, derived "
                           f"{off}, {g['gating_wakes'][k]}")
        leak += pj
        if not close(float(row["energy_leakage_pj"]), pj):
            bad.append(f"{tag}: tile {k + 1} energy_leakage_pj {row['energy_leakage_pj']}, derived {pj} "
                       f"({uw} µW over {us} µs)")
        states = sum(int(row[c]) for c in ("busy_cycles", "wait_input_cycles", "wait_downstream_cycles",
                                           "wait_memory_cycles", "idle_cycles"))
        if states != h["cycles"]:
            bad.append(f"{tag}: tile {k + 1} states add up to {states}, not the run's {h['cycles']} cycles")
    # links: the input link and forward links, BP's δ, DFA's broadcast (bytes once per sample)
    n = n * epochs
    # only between tiles: a tile's last layer sends forward, its first receives BP's δ
    T = hw.n_tiles(net)
    if hw.split:
        # links join layers: h_i once (the parts' slices add up to n_out), δ as k partial sums
        fwd = n * (input_bytes(net, hw.es_bpv) + sum(forward_bytes(net, i, hw.es_bpv) for i in range(net.K - 1)))
        bwd = n * sum(hw.parts(i) * V * net.w[i] for i in range(1, net.K)) if net.alg == "bp" else 0
        bc = n * V * net.C if net.alg == "dfa" and net.K > 1 else 0
    else:
        fwd = n * (input_bytes(net, hw.es_bpv) + sum(forward_bytes(net, hw.layers(net, k)[-1], hw.es_bpv) for k in range(T - 1)))
        bwd = n * sum(V * net.w[hw.layers(net, k)[0]] for k in range(1, T)) if net.alg == "bp" else 0
        bc = n * V * net.C if net.alg == "dfa" and T > 1 else 0
    lb = h["link_bytes"]
    if (lb["forward"], lb["backward"], lb["broadcast"]) != (fwd, bwd, bc):
        bad.append(f"{tag}: link_bytes {lb}, derived forward {fwd}, backward {bwd}, broadcast {bc}")
    el = fwd * hw.fwd_pj + bwd * hw.bwd_pj + bc * hw.bc_pj
    if not close(h["energy_pj"]["links"], el):
        bad.append(f"{tag}: energy_pj.links {h['energy_pj']['links']}, derived {el}")
    # the error store (F3, on chip): one value per sample (one-hot) or C
    es = n * (1 if net.one_hot else net.C) * hw.es_bpv if net.alg == "f3" else 0
    eb = h["error_store_bytes"]
    if (eb["read"], eb["written"]) != (es, es):
        bad.append(f"{tag}: error_store_bytes {eb}, derived {es} each")
    if not close(h["energy_pj"]["error_store"], es * (es_fig[0] + es_fig[1])):
        bad.append(f"{tag}: energy_pj.error_store {h['energy_pj']['error_store']}, derived {es * (es_fig[0] + es_fig[1])}")
    area += es_kib * es_fig[3]                                           # capacity: every training sample once
    if abs(h["energy_pj"]["leakage"] - leak) > 1e-9 * leak:
        bad.append(f"{tag}: energy_pj.leakage {h['energy_pj']['leakage']}, derived {leak}")
    if abs(h["area_mm2"] - area) > 1e-6 * area:
        bad.append(f"{tag}: area_mm2 {h['area_mm2']}, derived {area}")
    eq31 = V * net.batch * sum(net.w[1:-1])
    if h.get("stash_bytes_eq31") != eq31:
        bad.append(f"{tag}: stash_bytes_eq31 {h.get('stash_bytes_eq31')}, derived {eq31}")
    return bad


def check_technology(run_dir, hw, tol=1e-12):
    """run.json's hardware.config against the derivation: the technology block
    (factors, the logic's leakage, the fastest clock) and the figures of
    hardware.tile (its capacity, registers and lanes) and of the error store."""
    bad = []
    h = hardware(run_dir)
    c, t = h["config"], hw.tech
    off = lambda got, want: abs(got - want) > tol * abs(want)
    fe, fl, fa = tech_factors(t.node, t.vdd)
    T = c["technology"]
    if (T["node_nm"], T["vdd"], T["cells"]) != (t.node, t.vdd, t.cells):
        bad.append(f"{run_dir}: technology {T}, wanted {t.node} nm, {t.vdd} V, {t.cells}")
    for k, want in (("energy_factor", fe), ("leakage_factor", fl), ("area_factor", fa),
                    ("logic_leakage_factor", logic_leakage(t.cells)), ("max_clock_mhz", max_clock_mhz(t.cells, t.node, t.vdd))):
        if off(T[k], want):
            bad.append(f"{run_dir}: technology.{k} {T[k]}, derived {want}")
    tile = c["tile"]
    got = dict(sram_r_pj=tile["sram"]["read_pj_per_byte"], sram_w_pj=tile["sram"]["write_pj_per_byte"],
               l_sram=tile["sram"]["leakage_uw_per_kib"], a_sram=tile["sram"]["area_mm2_per_kib"],
               reg_pj=tile["registers"]["pj_per_byte"], l_reg=tile["registers"]["leakage_uw_per_kib"],
               a_reg=tile["registers"]["area_mm2_per_kib"], rom_pj=tile["rom"]["read_pj_per_byte"],
               l_rom=tile["rom"]["leakage_uw_per_kib"], a_rom=tile["rom"]["area_mm2_per_kib"],
               lfsr_pj=tile["rom"]["lfsr_pj_per_value"], a_lfsr=tile["rom"]["lfsr_area_mm2"],
               l_lane=tile["lane_leakage_uw"], a_lane=tile["lane_area_mm2"], fma_pj=c["energy"]["fma_pj"],
               add_pj=c["energy"]["add_pj"], mul_pj=c["energy"]["mul_pj"], elem_pj=c["energy"]["elementwise_pj"])
    for k, v in got.items():
        if off(v, getattr(hw, k)):
            bad.append(f"{run_dir}: hardware.config figure {k} {v}, derived {getattr(hw, k)}")
    es = c["error_store"]
    if "read_pj_per_byte" in es and h["error_store_capacity_bytes"] > 0:
        want = hw.store(h["error_store_capacity_bytes"])
        for k, w in zip(("read_pj_per_byte", "write_pj_per_byte", "leakage_uw_per_kib", "area_mm2_per_kib"), want):
            if off(es[k], w):
                bad.append(f"{run_dir}: error_store.{k} {es[k]}, derived {w}")
    if c["clock_mhz"] > max_clock_mhz(t.cells, t.node, t.vdd) and t.cells != "table":
        bad.append(f"{run_dir}: ran at {c['clock_mhz']} MHz, past the lanes' {max_clock_mhz(t.cells, t.node, t.vdd)}")
    if c["dram"]["pj_per_byte"] != hw.dram_pj:
        bad.append(f"{run_dir}: dram.pj_per_byte {c['dram']['pj_per_byte']}, wanted {hw.dram_pj} (off chip: never scaled)")
    return bad


# the inference-only MAC lane against the training lane (docs/hardware-costs.md, Aladdin's 40 nm fp32
# units): 1 multiplier + 1 adder + 96 register bits against 8 + 9 + 96; area µm², leakage µW
_MUL, _ADD, _REG = (8967.113, 119.8412), (4361.094, 53.11069), (5.981433, 0.07395312)
MAC_OVER_TRAIN_AREA = (_MUL[0] + _ADD[0] + 96 * _REG[0]) / (8 * _MUL[0] + 9 * _ADD[0] + 96 * _REG[0])
MAC_OVER_TRAIN_LEAK = (_MUL[1] + _ADD[1] + 96 * _REG[1]) / (8 * _MUL[1] + 9 * _ADD[1] + 96 * _REG[1])


def check_inference(run_dir, hw, net, tag, macro_kib=None):
    """The inference-only baseline (docs/hardware-model.md, Outputs:
    `inference`): the same network's forward passes over the run's samples
    (one epoch of them) on the same tiles without what learning adds — MAC
    lanes, each tile's SRAM cut to its inference need (W, biases, buffers) in
    whole macros (whole KiB without), no micro-batches, ROM, error store,
    optimiser state, accumulator or stash; the same per-byte and per-KiB
    figures.  And the learning overhead: training / inference − 1."""
    bad = []
    d = json.load(open(f"{run_dir}/run.json"))
    h, led = d["hardware"], d["ledger"]["layers"]
    inf, ov = h["inference"], h["learning_overhead"]
    N = h["samples"]
    ni = Net(net.w, "inference", net.batch, net.opt)
    hi = Hw.__new__(Hw)
    hi.__dict__.update(hw.__dict__)
    hi.mb = 0
    assert not hw.gating, "check_inference: a chip without power gating"
    cyc = run_cycles(hi, ni, N)
    if abs(inf["cycles_per_sample"] - cyc / N) > 1e-9 * cyc:
        bad.append(f"{tag}: inference cycles/sample {inf['cycles_per_sample']}, derived {cyc / N}")
    macro = (macro_kib or 1) * 1024
    e = dict(registers=0.0, sram=0.0, compute=0.0, leakage=0.0)
    area = uw = 0.0
    caps = []
    for k in range(hi.n_tiles(ni)):
        hk = hi.view(k)
        need = 0
        ff = acc_flipflop_bytes(hi, hk, ni)
        for i in hi.layers(ni, k):
            t = tile_totals(hk, hi.unit_net(ni, k), i, N)
            e["registers"] += hk.reg_pj * t["reg"] + getattr(hk, "acc_pj", hk.reg_pj) * t["acc"]
            e["sram"] += hk.sram_r_pj * t["r"] + hk.sram_w_pj * t["w"]
            L = led[i]
            e["compute"] += L["forward"]["fma"] * hk.fma_pj + L["forward"]["elementwise_ops"] * hk.elem_pj
            nd = needs(hk, ni, i)
            need += nd["weights"] + nd["buffers"]
        cap = min(hk.sram_bytes, max(1, math.ceil(need / macro - 1e-9)) * macro)
        caps.append(cap / 1024)
        uw += (cap / 1024 * hk.l_sram + hk.reg_bytes / 1024 * hk.l_reg + ff / 1024 * getattr(hk, "l_acc", hk.l_reg)
               + hk.P * hk.l_lane * MAC_OVER_TRAIN_LEAK)
        area += (cap / 1024 * hk.a_sram + hk.reg_bytes / 1024 * hk.a_reg + ff / 1024 * getattr(hk, "a_acc", hk.a_reg)
                 + hk.P * hk.a_lane * MAC_OVER_TRAIN_AREA)
    e["leakage"] = uw * cyc / hi.clock_mhz
    got = inf["energy_pj_per_sample"]
    for k, v in e.items():
        if abs(got[k] - v / N) > 1e-6 * max(1.0, v / N):
            bad.append(f"{tag}: inference {k} {got[k]} pJ/sample, derived {v / N}")
    for k in ("rom", "error_store", "dram"):
        if got[k]: bad.append(f"{tag}: inference {k} {got[k]}, wanted 0")
    if inf["sram_capacity_kib"] != caps: bad.append(f"{tag}: inference SRAM {inf['sram_capacity_kib']} KiB, derived {caps}")
    if abs(inf["area_mm2"] - area) > 1e-9 * area: bad.append(f"{tag}: inference area {inf['area_mm2']}, derived {area}")
    if abs(ov["area_pct"] - 100 * (h["area_mm2"] / inf["area_mm2"] - 1)) > 1e-9:
        bad.append(f"{tag}: area_pct {ov['area_pct']}")
    if abs(ov["energy_per_sample_pct"] - 100 * (h["energy_per_sample_pj"] / inf["energy_per_sample_pj"] - 1)) > 1e-9:
        bad.append(f"{tag}: energy_per_sample_pct {ov['energy_per_sample_pct']}")
    return bad


def report(bad):
    for b in bad:
        print("  " + b)
    assert not bad, f"{len(bad)} difference(s)"
