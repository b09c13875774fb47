/* chip_top.h — the chip's top module (see chip_top.cpp), shared with the
 * writers of its result files (chip_files.cpp). */
#ifndef F3SIM_CHIP_TOP_H
#define F3SIM_CHIP_TOP_H

#include <memory>
#include <vector>

#include "chip.h"
#include "dram.h"
#include "error_store.h"
#include "link.h"
#include "streamer.h"
#include "tile.h"

namespace f3chip {

class Top : public sc_core::sc_module, public chain_if {
public:
    Top(sc_core::sc_module_name name, const chip_config &hw, const Net &net, const f3_dataset *train);
    ~Top() override;

    /* chain_if */
    void take_credit() override { m_credits.wait(); }
    void tile_done(size_t slot, double cycle) override;
    double end_cycle() const override { return m_end; }
    double slot_through(size_t slot) const override { return m_slot_through.at(slot); }
    bool tracing() const override { return m_tracing; }
    void sync(double cycle) override
    {
        double d = cycle - now_cycles();
        if (d > 0) wait(sc_core::sc_time(d * m_period_ns, sc_core::SC_NS));
    }
    double now_cycles() const override { return sc_core::sc_time_stamp().to_seconds() * 1e9 / m_period_ns; }
    void diverged(size_t block, uint64_t step) override;

    void end_of_simulation() override { m_ended = true; }

    const chip_config m_hw;
    const Net m_net;
    const f3_dataset *m_train;
    const size_t m_K, m_G, m_ring; /* tiles, stages (chip.h), batches in flight */
    const double m_period_ns;
    f3_stats *m_stats = nullptr;
    std::vector<Slot> m_slots;
    std::vector<size_t> m_tiles_done;
    std::vector<double> m_slot_max, m_slot_through; /* per slot: latest tile_done cycle so far; when it was through */
    double m_end = 0;
    uint64_t m_samples = 0;
    bool m_tracing;
    bool m_ended = false;
    sc_core::sc_semaphore m_credits;
    /* blocks: the earliest step after which a block's weights were not
     * finite, and the first such block (1-based; 0: none) */
    uint64_t m_div_step = 0;
    size_t m_div_block = 0;

    /* reports, filled by the modules at end_of_simulation */
    std::vector<TileReport> r_tiles;
    std::vector<LinkReport> r_fwd, r_bwd;
    LinkReport r_in, r_bcast;
    DramReport r_dram;
    StoreReport r_store;

    std::unique_ptr<Streamer> streamer;
    std::vector<std::unique_ptr<Tile>> tiles; /* one module per stage */
    std::unique_ptr<Link> link_in, bcast;
    std::vector<std::unique_ptr<Link>> fwd, bwd; /* fwd[i]: stage i → i+1; bwd[i]: stage i+1 → i */
    std::unique_ptr<ErrorStore> store;
    std::unique_ptr<Dram> dram;
};

} // namespace f3chip

struct chip_sim {
    std::unique_ptr<f3chip::Top> top;
    chip_result res{};
    bool finished = false;
};

#endif
