/* link.cpp — see link.h. */
#include "link.h"

#include <algorithm>
#include <cmath>

namespace f3chip {

Link::Link(sc_core::sc_module_name name, const chip_link_config &cfg, size_t receivers, size_t queue, bool trace,
           LinkReport *report)
    : sc_module(name), m_cfg(cfg), m_tracing(trace), m_report(report)
{
    sc_assert(!cfg.present || (cfg.bytes_per_cycle > 0 && cfg.latency_cycles >= 0));
    for (size_t k = 0; k < receivers; k++) m_taps.emplace_back(new Tap(queue));
}

void Link::send(Msg *m)
{
    /* a fabric without this link never carries a byte over it */
    sc_assert(m_cfg.present);
    const double per = std::ceil(m->bytes_per_sample / m_cfg.bytes_per_cycle);
    m->ready.resize(m->sent.size());
    for (size_t j = 0; j < m->sent.size(); j++) {
        double start = std::max(m_free, m->sent[j]);
        double done = start + per;
        m_free = done;
        m_busy += per;
        if (m_tracing && per > 0) {
            if (!m_trace.empty() && m_trace.back().second == start) m_trace.back().second = done;
            else m_trace.emplace_back(start, done);
        }
        m_bytes += uint64_t(m->bytes_per_sample);
        m->ready[j] = done + m_cfg.latency_cycles;
    }
    for (auto &t : m_taps) t->fifo.write(m);
}

void Link::end_of_simulation()
{
    if (m_report) *m_report = LinkReport{m_bytes, m_busy};
}

} // namespace f3chip
