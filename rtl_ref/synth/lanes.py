#!/usr/bin/env python3
"""Helpers of synth.sh (Yosys 0.23 netlists of f3_tile).

partition COARSE.json COARSE.il OUT.il
    Marks every cell of the flattened word-level netlist with the part it
    is mapped to gates in: 'lane<l>' when it serves lane l alone, else no
    mark (the shared part: control, streams, the backprop adder tree, the
    configuration read mux, the shared memories).  A cell serves lane l
    alone when the only lane among the lane-specific cells before it and
    after it (through the netlist, flip-flops included) is l.  Lane-
    specific: a cell named lane[l]. (the lane's memories, its rounding
    units' cells) or driving a signal whose only public names are lane[l]'s.
    A multi-port memory is a node per read port (its address, enable and
    data) plus one for its write ports, so that the lanes' read ports of a
    shared memory do not join the lanes.  Writes OUT.il: COARSE.il with the
    attribute `submod "lane<l>"` on each lane cell, for Yosys's submod pass.
    Prints the cells per part to stderr.

count P BITS T0 T1 NET.json...
    The area.csv row of one configuration from the gate-level netlists of
    its parts: generic cells (the memories and the instances of the parts
    left out), one-bit flip-flops among them, memory bits, memories.
"""
import json
import re
import sys

LANE = re.compile(r"lane\[(\d+)\]\.")


def partition(coarse_json, coarse_il, out_il):
    mod = json.load(open(coarse_json))["modules"]["f3_tile"]
    cells = mod["cells"]
    # lanes named on each signal bit: {l} for a lane's own signal, more when
    # the bit is a shared signal a lane merely renames (e.g. lane[l].w_pg)
    bit_lanes, bit_shared = {}, set()
    for name, n in mod["netnames"].items():
        m = LANE.match(name)
        for b in n["bits"]:
            if isinstance(b, str):
                continue
            if m:
                bit_lanes.setdefault(b, set()).add(int(m.group(1)))
            elif not n.get("hide_name", 0):
                bit_shared.add(b)
    # nodes: (cell, inputs, outputs)
    nodes, node_cell = [], []
    for name, c in cells.items():
        conn, dirs = c["connections"], c.get("port_directions", {})
        if c["type"].startswith("$mem"):
            prm = c["parameters"]
            rp, ab, w = (int(prm[k], 2) for k in ("RD_PORTS", "ABITS", "WIDTH"))
            wr = [b for p in ("WR_CLK", "WR_EN", "WR_ADDR", "WR_DATA") for b in conn.get(p, [])]
            nodes.append((wr, [("mem", name)]))
            node_cell.append(name)
            for i in range(rp):
                ins = conn["RD_ADDR"][i * ab:(i + 1) * ab] + [("mem", name)]
                for p in ("RD_EN", "RD_SRST", "RD_ARST", "RD_CLK"):
                    s = conn.get(p, [])
                    if len(s) == rp:
                        ins.append(s[i])
                nodes.append((ins, conn["RD_DATA"][i * w:(i + 1) * w]))
                node_cell.append(name)
        else:
            ins = [b for p, s in conn.items() if dirs.get(p) == "input" for b in s]
            outs = [b for p, s in conn.items() if dirs.get(p) == "output" for b in s]
            nodes.append((ins, outs))
            node_cell.append(name)
    readers, drivers = {}, {}
    for i, (ins, outs) in enumerate(nodes):
        for b in ins:
            if not isinstance(b, str):
                readers.setdefault(b, []).append(i)
        for b in outs:
            if not isinstance(b, str):
                drivers.setdefault(b, []).append(i)
    succ = [set() for _ in nodes]
    pred = [set() for _ in nodes]
    for b, ds in drivers.items():
        for d in ds:
            for r in readers.get(b, []):
                if r != d:
                    succ[d].add(r)
                    pred[r].add(d)
    # seeds
    seed = [0] * len(nodes)
    for i, (ins, outs) in enumerate(nodes):
        m = LANE.search(node_cell[i])
        if m:
            seed[i] |= 1 << int(m.group(1))
        for b in outs:
            if isinstance(b, str) or b in bit_shared:
                continue
            ls = bit_lanes.get(b)
            if ls and len(ls) == 1:
                seed[i] |= 1 << next(iter(ls))

    def reach(edges):
        mask = list(seed)
        work = [i for i in range(len(nodes)) if mask[i]]
        while work:
            i = work.pop()
            for j in edges[i]:
                nm = mask[j] | mask[i]
                if nm != mask[j]:
                    mask[j] = nm
                    work.append(j)
        return mask

    down, up = reach(succ), reach(pred)
    part = {}
    for i in range(len(nodes)):
        m = down[i] | up[i]
        lane = m.bit_length() - 1 if m and m & (m - 1) == 0 else -1
        c = node_cell[i]
        part[c] = lane if part.get(c, lane) == lane else -1
    # write the marked RTLIL
    def rtlil(n):
        return n if n.startswith(("$", "\\")) else "\\" + n
    mark = {rtlil(c): l for c, l in part.items() if l >= 0}
    per = {}
    for c, l in part.items():
        per[l] = per.get(l, 0) + 1
    out = open(out_il, "w")
    cell_re = re.compile(r"^(\s*)cell (\S+) (\S+)\s*$")
    in_top = False
    for line in open(coarse_il):
        if line.startswith("module "):
            in_top = line.split()[1] == "\\f3_tile"
        m = cell_re.match(line)
        if in_top and m and m.group(3) in mark:
            out.write(f'{m.group(1)}attribute \\submod "lane{mark[m.group(3)]}"\n')
        out.write(line)
    out.close()
    lanes = sorted(l for l in per if l >= 0)
    sys.stderr.write(f"partition: {per.get(-1, 0)} shared cells, {len(lanes)} lanes of "
                     f"{min(per[l] for l in lanes) if lanes else 0}-{max(per[l] for l in lanes) if lanes else 0} cells\n")


def count(P, bits, t0, t1, paths):
    cells = ffs = mem_bits = mems = 0
    for path in paths:
        for mname, mod in json.load(open(path))["modules"].items():
            for c in mod["cells"].values():
                t = c["type"]
                if not t.startswith("$"):
                    continue  # an instance of a part, counted in its own netlist
                p = c.get("parameters", {})
                if t.startswith("$mem"):
                    mems += 1
                    mem_bits += int(p["WIDTH"], 2) * int(p["SIZE"], 2)
                    continue
                cells += 1
                if "DFF" in t.upper() or "DLATCH" in t.upper():
                    ffs += 1  # one-bit generic flip-flops ($_DFF_P_, $_SDFFE_PP0P_, ...)
    print(f"{P},{bits},256,64,16,{cells},{ffs},{mem_bits},{mems},{float(t1) - float(t0):.0f}")


if __name__ == "__main__":
    if sys.argv[1] == "partition":
        partition(*sys.argv[2:5])
    elif sys.argv[1] == "count":
        count(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6:])
    else:
        sys.exit(__doc__)
