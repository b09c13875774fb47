/* dram.cpp — see dram.h. */
#include "dram.h"

#include "tile_cost.h"

#include <algorithm>
#include <cmath>
#include <new>

namespace f3chip {

Dram::Dram(sc_core::sc_module_name name, const chip_config &hw, size_t requesters, size_t users, uint64_t positions,
           DramReport *report)
    : sc_module(name), m_hw(hw), m_latency(hw.dram_latency_cycles), m_shared(users >= 2), m_positions(positions),
      m_free(requesters, 0.0), m_read(requesters, 0.0), m_written(requesters, 0.0), m_report(report)
{
    sc_assert(hw.dram_bytes_per_cycle > 0 && m_latency >= 0 && users >= 1 && positions >= 1);
    dram_calendar_init(&m_cal);
}

Dram::~Dram() { dram_calendar_free(&m_cal); }

double Dram::access(size_t who, double t, double bytes, bool write)
{
    if (bytes <= 0) return t;
    (write ? m_written : m_read).at(who) += bytes;
    const double cycles = chip_dram_cycles(&m_hw, bytes);
    m_busy += cycles;
    if (m_shared) {
        /* placed in turn order: only the requester holding the turn asks */
        sc_assert(m_taken);
        const double end = dram_calendar_place(&m_cal, t, cycles);
        if (m_cal.oom) throw std::bad_alloc();
        return end + m_latency;
    }
    m_free[who] = std::max(m_free[who], t) + cycles;
    return m_free[who] + m_latency;
}

void Dram::turn(uint64_t seq, double from)
{
    if (!m_shared) return;
    while (m_turn != seq || m_taken) {
        sc_assert(m_turn <= seq);
        wait(m_passed);
    }
    m_taken = true;
    /* what ends before `from` cannot delay a request still to come: keep
     * the calendar short (the result does not change) */
    if (from > 0) dram_calendar_prune(&m_cal, from);
}

void Dram::pass()
{
    if (!m_shared) return;
    sc_assert(m_taken);
    m_taken = false;
    m_turn++;
    m_passed.notify(sc_core::SC_ZERO_TIME);
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
