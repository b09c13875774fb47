/* dram.cpp — see dram.h; also the Calendar of chip_if.h. */
#include "dram.h"

#include <algorithm>
#include <cmath>

namespace f3chip {

double Calendar::reserve(size_t who, double t, double cycles)
{
    m_last.at(who) = std::max(m_last[who], t);
    if (cycles <= 0) return t;
    m_busy += cycles;
    /* walk the intervals that end after t; fill the gaps before them */
    std::vector<std::pair<double, double>> pieces;
    double cur = t, left = cycles;
    auto it = m_iv.upper_bound(t);
    if (it != m_iv.begin()) {
        auto prev = std::prev(it);
        if (prev->second > cur) cur = prev->second;
    }
    for (; left > 0 && it != m_iv.end(); ++it) {
        if (it->first > cur) {
            double take = std::min(left, it->first - cur);
            pieces.emplace_back(cur, cur + take);
            left -= take;
        }
        cur = std::max(cur, it->second);
    }
    if (left > 0) pieces.emplace_back(cur, cur + left);
    double done = pieces.back().second;
    for (auto &p : pieces) {
        double s = p.first, e = p.second;
        /* merge with neighbours that touch */
        auto nx = m_iv.lower_bound(s);
        if (nx != m_iv.end() && nx->first == e) {
            e = nx->second;
            m_iv.erase(nx);
        }
        auto pv = m_iv.lower_bound(s);
        if (pv != m_iv.begin()) {
            --pv;
            if (pv->second == s) {
                pv->second = e;
                continue;
            }
        }
        m_iv[s] = e;
    }
    if (++m_since_prune >= 4096) prune();
    return done;
}

void Calendar::prune()
{
    m_since_prune = 0;
    double low = *std::min_element(m_last.begin(), m_last.end());
    while (!m_iv.empty() && m_iv.begin()->second < low) m_iv.erase(m_iv.begin());
}

Dram::Dram(sc_core::sc_module_name name, const chip_config &hw, size_t requesters, DramReport *report)
    : sc_module(name), m_bpc(hw.dram_bytes_per_cycle), m_latency(hw.dram_latency_cycles), m_cal(requesters),
      m_read(requesters, 0.0), m_written(requesters, 0.0), m_report(report)
{
    sc_assert(m_bpc > 0 && m_latency >= 0);
}

double Dram::access(size_t who, double t, double bytes, bool write)
{
    if (bytes <= 0) return t;
    (write ? m_written : m_read).at(who) += bytes;
    return m_cal.reserve(who, t, std::ceil(bytes / m_bpc)) + m_latency;
}

void Dram::end_of_simulation()
{
    if (!m_report) return;
    DramReport r;
    for (double v : m_read) r.read += uint64_t(std::llround(v));
    for (double v : m_written) r.written += uint64_t(std::llround(v));
    r.busy_cycles = m_cal.busy_cycles();
    r.read_by = m_read;
    r.written_by = m_written;
    *m_report = r;
}

} // namespace f3chip
