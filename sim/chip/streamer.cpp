/* streamer.cpp — see streamer.h. */
#include "streamer.h"

#include "f3/status.h"
#include "tile_cost.h"

#include <algorithm>

namespace f3chip {

Streamer::Streamer(sc_core::sc_module_name name, const Net &net, const f3_dataset *train, std::vector<Slot> &slots,
                   double es_bytes_per_value)
    : sc_module(name), m_net(net), m_train(train), m_es_bytes(es_bytes_per_value), m_slots(slots), m_msgs(slots.size())
{
    SC_THREAD(run);
}

void Streamer::run()
{
    const f3_config &cfg = m_net.cfg;
    const size_t n = m_train->n, bs = cfg.batch_size, d = m_train->d, C = m_net.C, K = cfg.n_layers;
    const bool f3 = cfg.algorithm == F3_ALG_F3, one_hot = cfg.error_info.one_hot != 0;
    double local = 0;
    for (;;) {
        if (m_finish) {
            sc_core::sc_stop();
            return;
        }
        /* an epoch starts when the previous one is through the chain: its
         * first samples need e from the previous epoch's last batches */
        local = std::max(local, chain->end_cycle());
        for (size_t s = 0; s < n; s += bs) {
            if (s > 0 && m_stop && m_stop()) {
                m_stopped = true; /* (the batches in flight finish) */
                break;
            }
            size_t b = std::min(bs, n - s);
            chain->take_credit();
            const uint64_t batch = m_next++;
            size_t k = batch % m_slots.size();
            Slot &sl = m_slots[k];
            sl.b = b;
            std::copy(m_perm + s, m_perm + s + b, sl.idx.begin());
            f3_dataset_gather(m_train, sl.idx.data(), b, sl.x.data(), sl.t.data(), sl.lab.data());
            if (m_net.blk) {
                /* the step's labels and error information (F³: the store's
                 * values; its timing below); block 1 rounds x to the
                 * activations' format as it takes it */
                if (f3_blocktrainer_begin(m_net.blk, sl.step, sl.t.data(), sl.idx.data(), b) != F3_OK)
                    SC_REPORT_ERROR("f3sim/streamer", f3_last_error()); /* thrown; the C seam catches it */
            } else {
                f3_quantize_inputs(m_net.mlp, sl.x.data(), b); /* as the input link carries them */
            }
            /* the credit is the slot's previous batch through the chain (in
             * model time: not when the decoupled threads got there) */
            local = std::max(local, chain->slot_through(k));
            dram->turn(batch * dram->positions(), local); /* the batch's first turn (its e, in DRAM) */
            Msg &m = m_msgs[k];
            m.slot = &sl;
            m.data = sl.x.data();
            m.cls = F3_MEM_INPUTS;
            m.sent.assign(b, local);
            /* x, the targets and (F3, for the hidden tiles) e of each sample */
            m.bytes_per_sample = chip_value_bytes(&cfg, F3_T_ACTIVATIONS) * double(d) + 4.0 * double(C);
            if (f3) {
                store->read(local, sl.lab.data(), sl.idx.data(), b, m_net.blk ? nullptr : sl.E.data(), sl.es.data(),
                            m_e_done);
                for (size_t j = 0; j < b; j++) m.sent[j] = m_e_done[j];
                if (K > 1) m.bytes_per_sample += (one_hot ? 1.0 : double(C)) * m_es_bytes;
            }
            dram->pass();
            out->send(&m);
            m_sent++;
        }
        /* the epoch ends when every batch has left the output tile */
        while (m_through < m_sent) wait(m_batch_done);
        sc_core::sc_pause();
        wait(sc_core::SC_ZERO_TIME);
    }
}

} // namespace f3chip
