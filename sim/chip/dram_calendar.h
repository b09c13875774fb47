/* dram_calendar.h — the shared DRAM's port as a calendar of busy cycles,
 * the arbitration both engines use when the DRAM has two users or more
 * (docs/hardware-model.md, "DRAM").
 *
 * Requests are placed one at a time, in the order of the arbitration:
 * oldest batch first and, within a batch, in the order the batch meets its
 * requesters (the streamer's error-store reads, the tiles downstream, then,
 * for BP and DFA, back up the chain; a tile's requests in its own order).
 * A request of c cycles made at cycle t takes every free cycle of the port
 * from t on until it has had c of them: it fills the gaps the requests
 * placed before it left and runs at the port's full bandwidth whenever no
 * earlier-placed request holds it.  So the port is never idle while a
 * request waits (work-conserving), a share that nobody uses goes to whoever
 * waits, and the result depends only on the order of placement — which
 * both engines follow — not on when a decoupled module gets to ask.
 *
 * Pure C, no allocation per request beyond the calendar's growth. */
#ifndef F3SIM_DRAM_CALENDAR_H
#define F3SIM_DRAM_CALENDAR_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    double s, e; /* busy over cycles [s, e) */
} dram_busy;

typedef struct {
    dram_busy *iv; /* sorted, disjoint, never touching (adjacent intervals are merged) */
    size_t n, cap;
    int oom;       /* an allocation failed: the calendar is no longer exact */
} dram_calendar;

void dram_calendar_init(dram_calendar *c);
void dram_calendar_free(dram_calendar *c);
/* Place a request of `cycles` (> 0) made at cycle t; returns the cycle its
 * last cycle of transfer ends (the data are there the DRAM's latency
 * later). */
double dram_calendar_place(dram_calendar *c, double t, double cycles);
/* Forget the busy cycles before cycle t (whole intervals that end by t,
 * and the part before t of one that is busy at t): no request is made
 * before t any more, so the result does not change. */
void dram_calendar_prune(dram_calendar *c, double t);
/* Shift every interval by d cycles (the analytic evaluator's period jumps). */
void dram_calendar_shift(dram_calendar *c, double d);

#ifdef __cplusplus
}
#endif

#endif
