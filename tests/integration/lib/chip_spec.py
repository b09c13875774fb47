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
        self.mb = k.get("mb", 0)                               # hardware.pipeline.micro_batch
        # hardware.tile.ws_loop: "rows" (a weight per MAC from the registers) or "samples"
        # (the micro-batch's samples pass a held weight; per-sample z and δz in flip-flops)
        self.ws_loop = k.get("ws_loop", "rows")
        self.clock_mhz = k.get("clock_mhz", 1000)
        # energy and area figures of the base scenario (explicit, not the tables')
        for key, v in FIG.items():
            setattr(self, key, k.get(key, v))
        # the mapping (hardware.mapping.layers_per_tile; None: one tile per layer)
        # and per-tile figures (hardware.tiles: dicts of P, sram_kib, banks, reg_kib)
        self.lpt = k.get("lpt")
        self.tiles = k.get("tiles")
        # hardware.mapping.split: the tiles of each layer (None: no split).  Part q
        # of k of a layer of n_out rows holds n_out // k rows, one more for the
        # first n_out % k parts; each part is a tile of its own (Mapping)
        self.split = k.get("split")

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
        return v


# the test's base scenario sets these (hardware.*); pJ, pJ/byte, mm², mm²/KiB
FIG = dict(reg_pj=0.25, sram_r_pj=2.0, sram_w_pj=3.0, rom_pj=1.5, lfsr_pj=0.5,
           fwd_pj=0.5, bwd_pj=0.75, bc_pj=1.25, es_r_pj=1.5, es_w_pj=2.5,
           fma_pj=1.0, elem_pj=10.0, add_pj=100.0, mul_pj=1000.0,
           a_sram=0.004, a_reg=0.06, a_rom=0.002, a_lane=0.02, a_lfsr=0.0003, a_es=0.005)


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
        self.end = 0
        self.through = []            # when each batch was through the chain

    def wait(self, k, kind, t):
        """A tile starts at max(its own end, the arrival): starved for its
        input, or (BP, DFA) waiting for downstream."""
        if t > self.free[k]:
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
        if net.alg in ("f3", "drtp", "llo"):
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
    stream = net.alg in ("f3", "drtp", "llo")
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
    area = 0.0
    for k, row in enumerate(rows):
        hk = hw.view(k)
        want = dict(registers=0.0, sram=0.0, rom=0.0, dram=0.0, compute=0.0)
        sn = stash = buf = rom_b = 0
        lfsr_tile = False
        un = hw.unit_net(net, k)                                # a split layer's part: its rows alone
        for i in hw.layers(net, k):
            fl = layer_flags(net, i)
            t = tile_totals(hk, un, i, n, epochs)
            # the per-sample flip-flops of ws_loop samples at the flip-flop figure: the
            # registers' own when they are flip-flops (this base scenario's)
            want["registers"] += hw.reg_pj * (t["reg"] + t["acc"])
            want["sram"] += hw.sram_r_pj * (t["r"] + t["tr"] * (hw.tf - 1)) + hw.sram_w_pj * t["w"]
            want["rom"] += hw.rom_pj * t["rom"] + hw.lfsr_pj * t["lfsr"]
            L = led[i]
            fma = sum(v["fma"] for v in L.values() if isinstance(v, dict))
            elem = sum(v["elementwise_ops"] for v in L.values() if isinstance(v, dict))
            if fl["feedback"]:
                fma -= L["feedback"]["fma"]                         # replaced by Bᵀe as the chip does it
            if un is not net:                                       # a part: its rows' share of the layer's ledger
                fma = fma * un.w[i + 1] / net.w[i + 1]
                elem = elem * un.w[i + 1] / net.w[i + 1]
            ff, fa, fm = chip_feedback_ops(hw, un, i)
            want["compute"] += fma * hw.fma_pj + elem * hw.elem_pj + n * epochs * (ff * hw.fma_pj + fa * hw.add_pj + fm * hw.mul_pj)
            if hw.split and net.alg == "bp" and i > 0 and hw.tile_part(k)[1] == 0:
                # the reduction of the k parts' partial sums: (k − 1)·n_in additions per sample
                want["compute"] += n * epochs * (hw.parts(i) - 1) * net.w[i] * hw.add_pj
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
        ff = hk.P * hw.chunks(net.batch)[0] * 2 * V if hw.dataflow == "weight_stationary" and hw.ws_loop == "samples" else 0
        a = (hk.sram_bytes / 1024 * hw.a_sram + (hk.reg_bytes + ff) / 1024 * hw.a_reg + rom_b / 1024 * hw.a_rom
             + hk.P * hw.a_lane + (hk.P * hw.a_lfsr if lfsr_tile else 0))
        area += a
        if abs(float(row["area_mm2"]) - a) > 2e-6:
            bad.append(f"{tag}: tile {k + 1} area_mm2 {row['area_mm2']}, derived {a}")
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
    if not close(h["energy_pj"]["error_store"], es * (hw.es_r_pj + hw.es_w_pj)):
        bad.append(f"{tag}: energy_pj.error_store {h['energy_pj']['error_store']}, derived {es * (hw.es_r_pj + hw.es_w_pj)}")
    area += es / epochs / 1024 * hw.a_es                                 # capacity: every training sample once
    if abs(h["area_mm2"] - area) > 1e-6 * area:
        bad.append(f"{tag}: area_mm2 {h['area_mm2']}, derived {area}")
    eq31 = V * net.batch * sum(net.w[1:-1])
    if h.get("stash_bytes_eq31") != eq31:
        bad.append(f"{tag}: stash_bytes_eq31 {h.get('stash_bytes_eq31')}, derived {eq31}")
    return bad


def report(bad):
    for b in bad:
        print("  " + b)
    assert not bad, f"{len(bad)} difference(s)"
