/* dram_calendar.c — see dram_calendar.h. */
#include "dram_calendar.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void dram_calendar_init(dram_calendar *c) { memset(c, 0, sizeof *c); }

void dram_calendar_free(dram_calendar *c)
{
    free(c->iv);
    memset(c, 0, sizeof *c);
}

static int grow(dram_calendar *c)
{
    if (c->n < c->cap) return 1;
    const size_t cap = c->cap ? 2 * c->cap : 16;
    dram_busy *iv = realloc(c->iv, cap * sizeof *iv);
    if (!iv) {
        c->oom = 1;
        return 0;
    }
    c->iv = iv;
    c->cap = cap;
    return 1;
}

/* the first interval that ends after t (most requests come after the last
 * interval or the one before it: those first, then a binary search) */
static size_t first_after(const dram_calendar *c, double t)
{
    const size_t n = c->n;
    if (!n || c->iv[n - 1].e <= t) return n;
    if (n < 2 || c->iv[n - 2].e <= t) return n - 1;
    size_t lo = 0, hi = n - 2;
    while (lo < hi) {
        const size_t mid = lo + (hi - lo) / 2;
        if (c->iv[mid].e > t) hi = mid;
        else lo = mid + 1;
    }
    return lo;
}

double dram_calendar_place(dram_calendar *c, double t, double cycles)
{
    if (!(cycles > 0)) return t;
    size_t i = first_after(c, t);
    double cur = t, rem = cycles;
    if (i < c->n && c->iv[i].s <= cur) cur = c->iv[i++].e; /* t falls in a busy interval: from its end */
    for (;;) {
        /* the gap [cur, next start) is free; cur is the end of iv[i − 1] or t */
        const double gap_end = i < c->n ? c->iv[i].s : INFINITY;
        const double room = gap_end - cur, take = rem < room ? rem : room; /* fmin: both > 0, neither NaN */
        rem -= take;
        const int joins_prev = i > 0 && c->iv[i - 1].e == cur;
        if (rem == 0 && cur + take < gap_end) {
            /* ends inside the gap: a new interval, or iv[i − 1] grows */
            if (joins_prev) {
                c->iv[i - 1].e = cur + take;
            } else {
                if (!grow(c)) return cur + take;
                memmove(c->iv + i + 1, c->iv + i, (c->n - i) * sizeof *c->iv);
                c->iv[i] = (dram_busy){cur, cur + take};
                c->n++;
            }
            return cur + take;
        }
        /* fills the gap: iv[i] starts at cur, and merges with iv[i − 1] */
        const double end = cur + take;
        c->iv[i].s = cur;
        if (joins_prev) {
            c->iv[i - 1].e = c->iv[i].e;
            memmove(c->iv + i, c->iv + i + 1, (c->n - i - 1) * sizeof *c->iv);
            c->n--;
            i--;
        }
        if (rem == 0) return end;
        cur = c->iv[i].e;
        i++;
    }
}

void dram_calendar_prune(dram_calendar *c, double t)
{
    const size_t k = first_after(c, t);
    if (k) {
        memmove(c->iv, c->iv + k, (c->n - k) * sizeof *c->iv);
        c->n -= k;
    }
    /* an interval still busy at t: its cycles before t are forgotten too (a
     * port busy since the start would otherwise keep its first cycle) */
    if (c->n && c->iv[0].s < t) c->iv[0].s = t;
}

void dram_calendar_shift(dram_calendar *c, double d)
{
    for (size_t i = 0; i < c->n; i++) c->iv[i].s += d, c->iv[i].e += d;
}
