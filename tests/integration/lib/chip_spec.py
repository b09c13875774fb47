#!/usr/bin/env python3
"""docs/hardware-model.md's tile cost table and schedules, derived by hand
for tests/integration/chip_v2.sh (not a test itself; imported by it).

Written from the document, never from sim/chip: every figure here is a
formula of "Time and traffic: the tile cost table", "Placement" and
"Schedules", so that a test that compares a chip run with it compares the
model with its specification.  Notation as in the document: n_in → n_out
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
        c = dict(compute=0, r=0, w=0, tr=0, reg=0, rom=0, lfsr=0)
        c.update(k)
        return c

    s = {}
    if hw.dataflow in ("output_stationary", "fused"):
        fused = hw.dataflow == "fused" and fl["trains"]
        if fused:
            # one pass over W: this sample's z and the previous sample's update;
            # registers: h of this sample and h_{i-1} of the previous one go to the
            # lanes (the table does not list them: inferred as 2 × the forward's)
            s["forward"] = (b, z(compute=2 * f * n_in, r=V * p, w=V * p, reg=2 * V * n_in * f))
        else:
            s["forward"] = (b, z(compute=f * n_in, r=V * p, w=V * S if fl["stash"] else 0, reg=V * n_in * f))
        s["activation"] = (b, z(compute=f))
        if fl["feedback"]:
            s["feedback"] = (b, z(compute=f * fb_lanes, rom=rom, lfsr=lfsr))
        if fl["trains"]:
            s["dz"] = (b, z(compute=f, r=V * n_out if fl["stash"] else 0))
            if not fused:
                s["gradient"] = (b, z(compute=f * n_in, r=V * p + (V * n_in if fl["stash"] else 0), w=V * p,
                                      reg=V * n_in * f))
            if batched:
                s["apply"] = (1, z(compute=ceil(p / P) * u, r=V * p * (4 if adam else 2), w=V * p * (3 if adam else 1)))
        if fl["backprop"]:
            s["backprop"] = (b, z(compute=ceil(n_in / P) * n_out, r=V * n_in * n_out, tr=V * n_in * n_out,
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
            s["gradient"] = (1, z(compute=b * F * n_in, r=(V * p + V * n_in * b * N) if two_pass else 0,
                                  reg=2 * V * n_in * n_out * b))
            s["apply"] = (1, z(compute=ceil(p / P) * u, w=V * p + (2 * V * p if adam else 0),
                               r=2 * V * p if adam else 0))
        if fl["backprop"]:
            s["backprop"] = (1, z(compute=b * ceil(n_in / P) * n_out, r=V * n_in * b * N, w=V * n_in * b * N,
                                  reg=V * n_in * n_out * b))
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


def tile_totals(hw, net, i, n):
    """What tile i's tiles.csv row must say after n samples (everything in SRAM)."""
    tot = dict(busy=0, reg=0, r=0, w=0, rom=0, lfsr=0)
    for b in batches(net, n):
        for reps, c in tile_steps(hw, net, i, b).values():
            tot["busy"] += reps * step_cycles(hw, c)
            for k in ("reg", "r", "w", "rom", "lfsr"):
                tot[k] += reps * c[k]
    return tot


def step_time(hw, net, i, b, name):
    st = tile_steps(hw, net, i, b)
    return step_cycles(hw, st[name][1]) if name in st else 0


def input_bytes(net):
    """x and y* (and F3's e for the hidden tiles) per sample on the input link."""
    d, C = net.w[0], net.C
    e = (1 if net.one_hot else C) * V if net.alg == "f3" and net.K > 1 else 0
    return V * d + V * C + e


def forward_bytes(net, i):
    """h_i, the targets and (F3) e for hidden tiles downstream, from tile i."""
    C = net.C
    e = (1 if net.one_hot else C) * V if net.alg == "f3" and i + 2 < net.K else 0
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


def run_cycles(hw, net, n):
    """Training cycles of one epoch of n samples (all in SRAM; the streamer
    sends every batch at cycle 0, which holds while at most K + 2 batches are
    in flight and the links' queues do not fill)."""
    K = net.K
    f3 = net.alg == "f3"
    es_per = (1 if net.one_hot else net.C) * hw.es_bpv
    # the streamer waits for each sample's e (read in turn on the store's port)
    sent = [(j + 1) * ceil(es_per / hw.es_bpc) + hw.es_lat if f3 else 0 for j in range(n)]
    link_in = Link(hw.link_bpc, hw.link_lat)
    fwd = [Link(hw.link_bpc, hw.link_lat) for _ in range(K)]
    bwd = [Link(hw.link_bpc, hw.link_lat) for _ in range(K)]
    bcast = Link(hw.link_bpc, hw.link_lat)
    free = [0] * K
    end = 0
    per_sample = hw.dataflow != "weight_stationary"
    s0 = 0
    for b in batches(net, n):
        ready = link_in.send(sent[s0:s0 + b], input_bytes(net))
        s0 += b
        T = lambda i, name: step_time(hw, net, i, b, name)
        if net.alg in ("f3", "drtp", "llo"):
            for i in range(K):
                hidden = i + 1 < K
                out = [0] * b
                if per_sample:
                    for j in range(b):
                        t = max(free[i], ready[j]) + T(i, "forward") + T(i, "activation")
                        out[j] = t
                        free[i] = t + T(i, "feedback") + T(i, "dz") + T(i, "gradient")
                else:
                    t = max(free[i], max(ready)) + T(i, "forward") + T(i, "activation")
                    t += T(i, "feedback") + T(i, "dz") + T(i, "gradient")   # one pass: h_i is out at its end
                    out = [t] * b
                    free[i] = t
                free[i] += T(i, "apply")
                end = max(end, free[i])
                if hidden:
                    ready = fwd[i].send(out, forward_bytes(net, i))
            continue
        # BP and DFA: the batch forward through the chain, then back
        arrive = [None] * K
        out = [None] * K
        for i in range(K):
            arrive[i] = ready
            if per_sample:
                o = []
                for j in range(b):
                    free[i] = max(free[i], ready[j]) + T(i, "forward") + T(i, "activation")
                    o.append(free[i])
            else:
                free[i] = max(free[i], max(ready)) + T(i, "forward") + T(i, "activation")
                o = [free[i]] * b
            out[i] = o
            if i + 1 < K:
                ready = fwd[i].send(o, forward_bytes(net, i))
        back = out[K - 1]          # the output tile: its loss at once
        bc = None
        for i in reversed(range(K)):
            if i + 1 < K:
                back = bc if net.alg == "dfa" else back
            down, e_ready = [], []
            if per_sample:
                for j in range(b):
                    t = max(free[i], back[j]) + T(i, "feedback") + T(i, "dz")
                    e_ready.append(t)
                    free[i] = t + T(i, "gradient") + T(i, "backprop")
                    down.append(free[i])
            else:
                t = max(free[i], max(back)) + T(i, "feedback") + T(i, "dz")
                e_ready = [t] * b
                free[i] = t + T(i, "gradient") + T(i, "backprop")
                down = [free[i]] * b
            free[i] += T(i, "apply")
            end = max(end, free[i])
            if net.alg == "bp" and i > 0:
                back = bwd[i].send(down, V * net.w[i])
            if net.alg == "dfa" and i == K - 1:
                bc = bcast.send(e_ready, V * net.C)
    return end


def tiles_csv(run_dir):
    return list(csv.DictReader(open(f"{run_dir}/tiles.csv")))


def hardware(run_dir):
    return json.load(open(f"{run_dir}/run.json"))["hardware"]


def check(run_dir, hw, net, n, what, cycles=True):
    """Compare a run's tiles.csv and cycles with the derivation; returns the
    list of differences (empty: all exact)."""
    bad = []
    rows = tiles_csv(run_dir)
    shape = "-".join(map(str, net.w))
    tag = f"{what} {net.alg} {shape} {hw.dataflow} b{net.batch} {net.opt}"
    if len(rows) != net.K:
        return [f"{tag}: {len(rows)} tiles, wanted {net.K}"]
    cols = (("busy", "busy_cycles"), ("reg", "register_bytes"), ("r", "sram_read_bytes"),
            ("w", "sram_written_bytes"), ("rom", "rom_read_bytes"), ("lfsr", "lfsr_values"))
    for i, row in enumerate(rows):
        want = tile_totals(hw, net, i, n)
        for k, col in cols:
            got = float(row[col])
            if abs(got - want[k]) > 0.5:
                per = {name: step_cycles(hw, c) for name, (reps, c) in tile_steps(hw, net, i, net.batch).items()}
                bad.append(f"{tag}: tile {i + 1} ({net.w[i]}->{net.w[i + 1]}) {col}: got {got:.0f}, "
                           f"derived {want[k]:.0f} over {n} samples (derived step cycles per rep {per})")
    if cycles:
        h = hardware(run_dir)
        want = run_cycles(hw, net, n)
        if h["cycles"] != want:
            bad.append(f"{tag}: run cycles {h['cycles']}, derived {want}")
        if h["samples"] != n:
            bad.append(f"{tag}: samples {h['samples']}, wanted {n}")
    return bad


def report(bad):
    for b in bad:
        print("  " + b)
    assert not bad, f"{len(bad)} difference(s)"
