/* dram.h — the chip's off-chip DRAM, shared by every tile (and the error
 * store when it lives there): bytes per cycle, a latency, pJ per byte, and
 * the arbitration of chip_dram_users (tile_cost.h): one user has the port
 * to itself; two or more share it through a calendar (dram_calendar.h),
 * their requests placed in turn order (mem_if::turn). */
#ifndef F3SIM_DRAM_H
#define F3SIM_DRAM_H

#include "chip.h"
#include "chip_if.h"
#include "dram_calendar.h"

namespace f3chip {

struct DramReport {
    uint64_t read = 0, written = 0; /* bytes, all requesters */
    double busy_cycles = 0;
    std::vector<double> read_by, written_by; /* bytes per requester */
};

class Dram : public sc_core::sc_module, public mem_if {
public:
    /* users: the requesters that use it (chip_dram_users); positions: the
     * turns of a batch (mem_if) */
    Dram(sc_core::sc_module_name name, const chip_config &hw, size_t requesters, size_t users, uint64_t positions,
         DramReport *report);
    ~Dram() override;
    double access(size_t who, double t, double bytes, bool write) override;
    void turn(uint64_t seq, double from) override;
    void pass() override;
    uint64_t positions() const override { return m_shared ? m_positions : 0; }
    void end_of_simulation() override;

private:
    const chip_config &m_hw;
    const double m_latency;
    const bool m_shared;        /* two users or more: the calendar */
    const uint64_t m_positions;
    uint64_t m_turn = 0;        /* the turn being taken */
    bool m_taken = false;
    sc_core::sc_event m_passed;
    dram_calendar m_cal;
    std::vector<double> m_free; /* one user: the cycle the port is next free (per requester) */
    double m_busy = 0;
    std::vector<double> m_read, m_written;
    DramReport *m_report;
};

} // namespace f3chip

#endif
