/* chip_if.h — what the chip's SystemC modules exchange: batches in
 * flight, the messages on links, and the interfaces their ports bind to.
 *
 * Time is loosely timed (TLM-2.0 style temporal decoupling at batch
 * granularity): a message carries, per sample, the cycle at which it was
 * sent and the cycle at which it arrives; a module computes its own
 * per-sample times from these and synchronises with SystemC once per
 * batch.  Times are in clock cycles (doubles that hold whole numbers). */
#ifndef F3SIM_CHIP_IF_H
#define F3SIM_CHIP_IF_H

#include <systemc>

#include <cstdint>
#include <map>
#include <vector>

#include "f3/blocktrain.h"
#include "f3/ledger.h"
#include "f3/train.h"

namespace f3chip {

/* The network the chip trains, with the numerics it calls: an MLP (the
 * trainer's layer steps) or a network of blocks (the block trainer's
 * per-block calls, f3/blocktrain.h).  cfg: the rule, optimiser, batch,
 * number formats and widths (a network of blocks: its blocks' outputs,
 * n_layers the blocks) — what the cost tables read. */
struct Net {
    f3_config cfg{};
    f3_trainer *mlp = nullptr;
    f3_blocktrainer *blk = nullptr;
    size_t C = 0, n_train = 0;
    const f3_ledger *ledger() const { return mlp ? mlp->ledger : f3_blocktrainer_ledger(blk); }
};

/* One batch's buffers at the input streamer; with blocks, its step in
 * flight (the block trainer's state of the batch: labels, error
 * information, the loss's δ). */
struct Slot {
    size_t b = 0;
    std::vector<float> x, t, E, es;
    std::vector<int32_t> lab;
    std::vector<size_t> idx;
    f3_blockstep *step = nullptr; /* owned by the top */
};

/* A batch on a link: h_{i−1} forward, δ backward, e broadcast. */
struct Msg {
    Slot *slot = nullptr;
    const float *data = nullptr;
    f3_memclass cls = F3_MEM_WORK;
    double bytes_per_sample = 0;
    std::vector<double> sent;  /* cycle at which sample k leaves the sender */
    std::vector<double> ready; /* cycle at which sample k has arrived (the link fills it) */
};

/* A tile's state over an interval, for the trace. */
enum TileState { ST_IDLE = 0, ST_BUSY = 1, ST_WAIT_INPUT = 2, ST_WAIT_DOWNSTREAM = 3, ST_WAIT_MEMORY = 4 };
struct Interval {
    double t0, t1;
    int state;
};

/* Receiving end of a link. */
struct link_in_if : virtual sc_core::sc_interface {
    virtual Msg *recv() = 0;
};
/* Sending end: times the transfer of every sample, then delivers. */
struct link_out_if : virtual sc_core::sc_interface {
    virtual void send(Msg *m) = 0;
    virtual bool present() const = 0;
};
/* A memory reached over an arbitrated port (DRAM, the error store):
 * moves `bytes` for requester `who` starting at cycle t; returns the
 * cycle the data is there.  A requester asks in time order. */
struct mem_if : virtual sc_core::sc_interface {
    virtual double access(size_t who, double t, double bytes, bool write) = 0;
    /* A port shared by two users or more places requests in a fixed order
     * (dram_calendar.h): turn `seq` (batch × positions per batch + the
     * position: 0 the streamer, then the stages forward, then, for BP and
     * DFA, the stages back) waits until every turn before it has passed;
     * pass() hands the turn on.  Each position takes its turn and passes it
     * once per batch, requests or not.  from: a cycle before which no
     * request of this turn or a later one is made (the streamer's, as a
     * batch enters; 0: none known).  No-ops on a port with one user. */
    virtual void turn(uint64_t seq, double from) = 0;
    virtual void pass() = 0;
    virtual uint64_t positions() const = 0; /* per batch (0: no order kept) */
};
/* The error store's two ends: the streamer reads e, the output tile
 * writes it; both return when the transfer is done.  A network of blocks
 * moves the values through the block trainer's calls
 * (f3_blocktrainer_begin, f3_blocktrainer_store_write, on the same store)
 * and passes E, y NULL: the store times the transfers alone. */
struct store_if : virtual sc_core::sc_interface {
    virtual double read(double t, const int32_t *labels, const size_t *idx, size_t b, float *E, float *es,
                        std::vector<double> &done) = 0;
    virtual void write(const std::vector<double> &t, const float *y, const float *tgt, const size_t *idx,
                       float *scratch, size_t b) = 0;
};
/* The chain's bookkeeping, kept by the top: batches in flight (credits),
 * batches through every tile, whether the trace is still recording. */
struct chain_if : virtual sc_core::sc_interface {
    virtual void take_credit() = 0;
    virtual void tile_done(size_t slot, double cycle) = 0;
    virtual double end_cycle() const = 0;
    /* the cycle the batch that last held `slot` was through every tile (0 before) */
    virtual double slot_through(size_t slot) const = 0;
    virtual bool tracing() const = 0;
    virtual void sync(double cycle) = 0; /* wait until SystemC time reaches cycle */
    virtual double now_cycles() const = 0;
    /* a network of blocks: block `block` (0-based) holds weights that are
     * not finite after its update of the 1-based step `step` */
    virtual void diverged(size_t block, uint64_t step) = 0;
};

} // namespace f3chip

#endif
