/* dram.cpp — see dram.h. */
#include "dram.h"

#include "tile_cost.h"

#include <algorithm>
#include <cmath>

namespace f3chip {

Dram::Dram(sc_core::sc_module_name name, const chip_config &hw, size_t requesters, size_t users, DramReport *report)
    : sc_module(name), m_hw(hw), m_latency(hw.dram_latency_cycles), m_users(users), m_free(requesters, 0.0),
      m_read(requesters, 0.0), m_written(requesters, 0.0), m_report(report)
{
    sc_assert(hw.dram_bytes_per_cycle > 0 && m_latency >= 0 && users >= 1);
}

double Dram::access(size_t who, double t, double bytes, bool write)
{
    if (bytes <= 0) return t;
    (write ? m_written : m_read).at(who) += bytes;
    const double cycles = chip_dram_cycles(&m_hw, m_users, bytes);
    m_busy += cycles;
    m_free[who] = std::max(m_free[who], t) + cycles;
    return m_free[who] + m_latency;
}

void Dram::end_of_simulation()
{
    if (!m_report) return;
    DramReport r;
    for (double v : m_read) r.read += uint64_t(std::llround(v));
    for (double v : m_written) r.written += uint64_t(std::llround(v));
    r.busy_cycles = m_busy;
    r.read_by = m_read;
    r.written_by = m_written;
    *m_report = r;
}

} // namespace f3chip
