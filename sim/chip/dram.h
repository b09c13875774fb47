/* dram.h — the chip's off-chip DRAM, shared by every tile (and the error
 * store when it lives there): bytes per cycle, a latency, pJ per byte, and
 * arbitration between requesters: the bandwidth is split evenly between
 * the requesters that use it, each served first come, first served on its
 * share (chip_dram_users in tile_cost.h). */
#ifndef F3SIM_DRAM_H
#define F3SIM_DRAM_H

#include "chip.h"
#include "chip_if.h"

namespace f3chip {

struct DramReport {
    uint64_t read = 0, written = 0; /* bytes, all requesters */
    double busy_cycles = 0;
    std::vector<double> read_by, written_by; /* bytes per requester */
};

class Dram : public sc_core::sc_module, public mem_if {
public:
    /* users: the requesters that share the bandwidth (chip_dram_users) */
    Dram(sc_core::sc_module_name name, const chip_config &hw, size_t requesters, size_t users, DramReport *report);
    double access(size_t who, double t, double bytes, bool write) override;
    void end_of_simulation() override;

private:
    const chip_config &m_hw;
    const double m_latency;
    const size_t m_users;
    std::vector<double> m_free; /* per requester: the cycle its share is next free */
    double m_busy = 0;
    std::vector<double> m_read, m_written;
    DramReport *m_report;
};

} // namespace f3chip

#endif
