/* link.h — a link between two modules (or from one to many: the DFA
 * broadcast): a channel with a width in bytes per cycle, a latency and an
 * energy per byte.  Transfers go one after another; each receiver reads the
 * message from its own tap. */
#ifndef F3SIM_LINK_H
#define F3SIM_LINK_H

#include <memory>
#include <string>
#include <vector>

#include "chip.h"
#include "chip_if.h"

namespace f3chip {

struct LinkReport {
    uint64_t bytes = 0;
    double busy_cycles = 0;
};

class Link : public sc_core::sc_module, public link_out_if {
public:
    /* receivers: how many taps; queue: messages that can wait in each */
    Link(sc_core::sc_module_name name, const chip_link_config &cfg, size_t receivers, size_t queue, bool trace,
         LinkReport *report);
    void send(Msg *m) override;
    bool present() const override { return m_cfg.present != 0; }
    link_in_if &tap(size_t k) { return *m_taps.at(k); }
    const std::vector<std::pair<double, double>> &trace() const { return m_trace; }
    void stop_tracing() { m_tracing = false; }
    void end_of_simulation() override;

private:
    struct Tap : link_in_if {
        sc_core::sc_fifo<Msg *> fifo;
        explicit Tap(size_t queue) : fifo(int(queue)) {}
        Msg *recv() override
        {
            Msg *m = nullptr;
            fifo.read(m);
            return m;
        }
    };
    const chip_link_config m_cfg;
    std::vector<std::unique_ptr<Tap>> m_taps;
    double m_free = 0; /* cycle the link is next free */
    uint64_t m_bytes = 0;
    double m_busy = 0;
    bool m_tracing;
    std::vector<std::pair<double, double>> m_trace; /* busy intervals while tracing */
    LinkReport *m_report;
};

} // namespace f3chip

#endif
