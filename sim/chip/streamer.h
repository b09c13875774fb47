/* streamer.h — the input streamer: per batch, gathers x and y* from the
 * data set, reads each sample's e from the error store (F³), and sends
 * sample after sample to tile 1 over the input link.  With a network of
 * blocks it begins the batch's step (f3_blocktrainer_begin: the labels and
 * the error information, F³'s from the store) as the batch enters.  An
 * epoch ends when every batch is through the chain; the streamer then
 * pauses the simulation until the next epoch's order is set. */
#ifndef F3SIM_STREAMER_H
#define F3SIM_STREAMER_H

#include "chip_if.h"
#include "f3/dataset.h"
#include "f3/train.h"

namespace f3chip {

class Streamer : public sc_core::sc_module {
public:
    SC_HAS_PROCESS(Streamer);
    sc_core::sc_port<link_out_if> out;
    sc_core::sc_port<store_if, 1, sc_core::SC_ZERO_OR_MORE_BOUND> store; /* F³ */
    sc_core::sc_port<chain_if> chain;
    sc_core::sc_port<mem_if> dram; /* its turn as a batch enters (a shared DRAM's order) */

    Streamer(sc_core::sc_module_name name, const Net &net, const f3_dataset *train, std::vector<Slot> &slots,
             double es_bytes_per_value);
    /* the next epoch's sample order; finish: end the simulation instead */
    void set_epoch(const size_t *perm) { m_perm = perm; }
    void finish() { m_finish = true; }
    /* asked before each batch after an epoch's first: non-zero stops the epoch there */
    void set_stop(int (*stop)(void)) { m_stop = stop; }
    bool stopped() const { return m_stopped; }
    size_t sent() const { return m_sent; }
    size_t through() const { return m_through; }
    void batch_through() { m_through++, m_batch_done.notify(sc_core::SC_ZERO_TIME); }

private:
    const Net &m_net;
    const f3_dataset *m_train;
    const double m_es_bytes; /* bytes of a value of the error store */
    std::vector<Slot> &m_slots;
    std::vector<Msg> m_msgs;
    std::vector<double> m_e_done;
    const size_t *m_perm = nullptr;
    bool m_finish = false;
    int (*m_stop)(void) = nullptr;
    bool m_stopped = false;
    size_t m_next = 0, m_sent = 0, m_through = 0;
    sc_core::sc_event m_batch_done;
    void run();
};

} // namespace f3chip

#endif
