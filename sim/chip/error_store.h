/* error_store.h — F³'s error store: C values per training sample (one with
 * one-hot error information) at its precision, on chip (an SRAM with its own
 * port: bytes per cycle, latency) or in the shared DRAM.  The streamer reads
 * a sample's e before sending the sample; the output tile writes it after
 * the sample's forward pass (posted: the tile does not wait).  On chip it
 * has a read port and a write port, each first come, first served; in
 * DRAM its reads and its writes are two of the DRAM's requesters.  The numbers
 * are the trainer's store, read and written through model/'s calls: the MLP
 * trainer's here, the block trainer's in f3_blocktrainer_begin (the
 * streamer) and f3_blocktrainer_store_write (the output tile), which this
 * module times. */
#ifndef F3SIM_ERROR_STORE_H
#define F3SIM_ERROR_STORE_H

#include "chip.h"
#include "chip_if.h"
#include "f3/train.h"

namespace f3chip {

struct StoreReport {
    double read = 0, written = 0; /* bytes */
    double busy_cycles = 0;
};

class ErrorStore : public sc_core::sc_module, public store_if {
public:
    sc_core::sc_port<mem_if, 1, sc_core::SC_ZERO_OR_MORE_BOUND> dram; /* bound when placed in DRAM */

    ErrorStore(sc_core::sc_module_name name, const chip_config &hw, const Net &net, size_t dram_id,
               StoreReport *report);
    double read(double t, const int32_t *labels, const size_t *idx, size_t b, float *E, float *es,
                std::vector<double> &done) override;
    void write(const std::vector<double> &t, const float *y, const float *tgt, const size_t *idx, float *scratch,
               size_t b) override;
    void end_of_simulation() override;

private:
    const Net &m_net;
    const bool m_in_dram;
    const double m_bytes_per_sample; /* read and written */
    const double m_bpc, m_latency;
    const size_t m_dram_id;     /* its reads; its writes are m_dram_id + 1 */
    double m_port_free[2] = {0, 0}; /* on chip: the read port (the streamer), the write port (the output tile) */
    double m_busy = 0;
    double m_read = 0, m_written = 0;
    StoreReport *m_report;
    double transfer(size_t who, double t, bool write);
};

} // namespace f3chip

#endif
