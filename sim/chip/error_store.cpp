/* error_store.cpp — see error_store.h. */
#include "error_store.h"

#include <algorithm>
#include <cmath>

namespace f3chip {

ErrorStore::ErrorStore(sc_core::sc_module_name name, const chip_config &hw, const Net &net, size_t dram_id,
                       StoreReport *report)
    : sc_module(name), m_net(net), m_in_dram(hw.es_placement == CHIP_ES_DRAM),
      m_bytes_per_sample((net.cfg.error_info.one_hot ? 1.0 : double(net.C)) * hw.es_bytes_per_value),
      m_bpc(hw.es_bytes_per_cycle), m_latency(hw.es_latency_cycles), m_dram_id(dram_id), m_report(report)
{
    sc_assert(hw.es_bytes_per_value > 0 && (m_in_dram || m_bpc > 0));
}

double ErrorStore::transfer(size_t who, double t, bool write)
{
    (write ? m_written : m_read) += m_bytes_per_sample;
    if (m_in_dram) return dram->access(m_dram_id + who, t, m_bytes_per_sample, write);
    const double cycles = std::ceil(m_bytes_per_sample / m_bpc);
    m_busy += cycles;
    m_port_free[who] = std::max(m_port_free[who], t) + cycles;
    return m_port_free[who] + m_latency;
}

double ErrorStore::read(double t, const int32_t *labels, const size_t *idx, size_t b, float *E, float *es,
                        std::vector<double> &done)
{
    if (E) f3_read_error_store(m_net.mlp, labels, idx, b, E, es);
    done.resize(b);
    double last = t;
    for (size_t j = 0; j < b; j++) last = done[j] = transfer(0, t, false);
    return last;
}

void ErrorStore::write(const std::vector<double> &t, const float *y, const float *tgt, const size_t *idx,
                       float *scratch, size_t b)
{
    if (y) f3_write_error_store(m_net.mlp, y, tgt, idx, scratch, b);
    for (size_t j = 0; j < b; j++) transfer(1, t[j], true);
}

void ErrorStore::end_of_simulation()
{
    if (m_report) *m_report = StoreReport{m_read, m_written, m_busy};
}

} // namespace f3chip
