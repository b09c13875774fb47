/* chip_files.cpp — the chip's result files: tiles.csv, and with tracing
 * trace.vcd, trace.gtkw (a GTKWave save file) and tile_states.txt (its
 * translate filter, which names the tile states). */
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "chip_top.h"
#include "f3/status.h"
#include "tiles_csv.h"

namespace {

/* Write path via a temporary file and a rename. */
struct AtomicOut {
    std::string path, tmp;
    FILE *f = nullptr;
    explicit AtomicOut(const std::string &p) : path(p), tmp(p + ".tmp") { f = std::fopen(tmp.c_str(), "w"); }
    ~AtomicOut()
    {
        if (f) std::fclose(f), std::remove(tmp.c_str());
    }
    bool commit()
    {
        bool ok = f && std::fflush(f) == 0 && !std::ferror(f);
        if (f) std::fclose(f);
        f = nullptr;
        if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
            std::remove(tmp.c_str());
            F3_FAIL(F3_EIO, "%s: cannot write", path.c_str());
            return false;
        }
        return true;
    }
};

const char *const state_names[5] = {"idle", "busy", "wait_input", "wait_downstream", "wait_memory"};

/* tiles.csv through the writer the analytic runs use too (tiles_csv.h) */
int write_tiles_csv(const f3chip::Top &c, const chip_result &r, const std::string &dir)
{
    AtomicOut t(dir + "/tiles.csv");
    if (!t.f) return F3_FAIL(F3_EIO, "%s/tiles.csv: cannot write", dir.c_str()), 1;
    sc_assert(r.n_tiles == c.m_K);
    if (chip_tiles_csv_write(t.f, &c.m_hw, &c.m_net.cfg, &r)) return F3_FAIL(F3_EIO, "%s/tiles.csv: cannot write", dir.c_str()), 1;
    return t.commit() ? 0 : 1;
}

std::string vcd_id(int n)
{
    std::string id;
    do {
        id += char('!' + n % 90);
        n /= 90;
    } while (n);
    return id;
}

/* trace.vcd: per tile its state (3 bits), per link 1 while it carries
 * data; timescale 1 ps, times = cycles × the clock period. */
int write_trace(const f3chip::Top &c, const std::string &dir)
{
    AtomicOut v(dir + "/trace.vcd");
    if (!v.f) return F3_FAIL(F3_EIO, "%s/trace.vcd: cannot write", dir.c_str()), 1;
    const double ps_per_cycle = 1e6 / c.m_hw.clock_mhz;
    struct Ev {
        double t;
        int bits, v;
        std::string id;
    };
    std::vector<Ev> evs;
    std::vector<std::string> names;
    std::fprintf(v.f,
                 "$comment f3sim chip trace at %g MHz (one cycle = %g ps): tile state 0 idle, 1 busy, 2 waiting for "
                 "input, 3 waiting for downstream, 4 waiting for memory (tile_states.txt names them in GTKWave); a "
                 "link is 1 while it carries data $end\n$timescale 1 ps $end\n$scope module chip $end\n",
                 c.m_hw.clock_mhz, ps_per_cycle);
    int next = 0;
    for (size_t i = 0; i < c.m_K; i++) {
        std::string id = vcd_id(next++), name = "tile" + std::to_string(i + 1) + "_state";
        std::fprintf(v.f, "$var wire 3 %s %s $end\n", id.c_str(), name.c_str());
        names.push_back(name + "[2:0]");
        evs.push_back({0, 3, 0, id});
        for (const f3chip::Interval &iv : c.r_tiles[i].trace) {
            evs.push_back({iv.t0, 3, iv.state, id});
            evs.push_back({iv.t1, 3, 0, id});
        }
    }
    auto add_link = [&](const f3chip::Link &l, const std::string &name) {
        std::string id = vcd_id(next++);
        std::fprintf(v.f, "$var wire 1 %s %s $end\n", id.c_str(), name.c_str());
        names.push_back(name);
        evs.push_back({0, 1, 0, id});
        for (const auto &iv : l.trace()) {
            evs.push_back({iv.first, 1, 1, id});
            evs.push_back({iv.second, 1, 0, id});
        }
    };
    add_link(*c.link_in, "link_in_to_tile1");
    /* links join stages: a tile, or a split layer's tiles (named after its last, and first, tile) */
    for (size_t i = 0; i + 1 < c.m_G; i++)
        add_link(*c.fwd[i], "link_fwd_tile" + std::to_string(chip_stage_tile_last(&c.m_hw, &c.m_net.cfg, i) + 1));
    if (c.m_hw.backward.present)
        for (size_t i = 0; i + 1 < c.m_G; i++)
            add_link(*c.bwd[i], "link_bwd_tile" + std::to_string(chip_stage_tile_first(&c.m_hw, i + 1) + 1));
    if (c.m_hw.broadcast.present) add_link(*c.bcast, "link_broadcast");
    std::fprintf(v.f, "$upscope $end\n$enddefinitions $end\n");
    /* stable: a later event at the same time wins (a 0 that ends one
     * interval comes before the value that starts the next) */
    std::stable_sort(evs.begin(), evs.end(), [](const Ev &a, const Ev &b) { return a.t < b.t; });
    long long last = -1;
    for (const Ev &e : evs) {
        long long tt = std::llround(e.t * ps_per_cycle);
        if (tt != last) {
            std::fprintf(v.f, "#%lld\n", tt);
            last = tt;
        }
        if (e.bits == 1) std::fprintf(v.f, "%d%s\n", e.v, e.id.c_str());
        else std::fprintf(v.f, "b%d%d%d %s\n", (e.v >> 2) & 1, (e.v >> 1) & 1, e.v & 1, e.id.c_str());
    }
    if (!v.commit()) return 1;

    AtomicOut fl(dir + "/tile_states.txt");
    if (!fl.f) return F3_FAIL(F3_EIO, "%s/tile_states.txt: cannot write", dir.c_str()), 1;
    std::fprintf(fl.f, "# GTKWave translate filter: the tile states of trace.vcd\n");
    for (int s = 0; s < 5; s++) std::fprintf(fl.f, "%d %s\n", s, state_names[s]);
    if (!fl.commit()) return 1;

    AtomicOut g(dir + "/trace.gtkw");
    if (!g.f) return F3_FAIL(F3_EIO, "%s/trace.gtkw: cannot write", dir.c_str()), 1;
    std::fprintf(g.f, "[*] f3sim chip trace: gtkwave trace.gtkw\n[dumpfile] \"trace.vcd\"\n[timestart] 0\n");
    for (const std::string &n : names) {
        if (n.find("_state") != std::string::npos)
            std::fprintf(g.f, "@2028\n^1 tile_states.txt\nchip.%s\n", n.c_str()); /* decimal, translated */
        else
            std::fprintf(g.f, "@28\nchip.%s\n", n.c_str());
    }
    return g.commit() ? 0 : 1;
}

} // namespace

extern "C" int chip_sim_write_files(chip_sim *s, const char *dir)
{
    chip_result r;
    if (chip_sim_result(s, &r)) return 1;
    const f3chip::Top &c = *s->top;
    if (write_tiles_csv(c, r, dir)) return 1;
    return c.m_hw.trace ? write_trace(c, dir) : 0;
}
