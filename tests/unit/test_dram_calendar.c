/* test_dram_calendar.c — the DRAM port's calendar against a brute force
 * that walks the port cycle by cycle: a request made at cycle t takes the
 * first `cycles` free cycles at or after t, in the order of placement.
 * Random requests (splitmix64, fixed seeds), pruning that must not change
 * a result, the invariants of the calendar, and the closed forms of one
 * requester (back to back) and of a request behind a long one. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dram_calendar.h"

static uint64_t mix(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

#define HORIZON 20000

/* the reference: one flag per cycle */
static double brute_place(unsigned char *busy, size_t t, size_t cycles)
{
    size_t c = t, got = 0;
    for (;; c++) {
        assert_true(c < HORIZON);
        if (busy[c]) continue;
        busy[c] = 1;
        if (++got == cycles) return (double)(c + 1);
    }
}

static void check_invariants(const dram_calendar *c)
{
    for (size_t i = 0; i < c->n; i++) {
        assert_true(c->iv[i].s < c->iv[i].e);
        if (i) assert_true(c->iv[i - 1].e < c->iv[i].s); /* sorted, never touching */
    }
    assert_int_equal(c->oom, 0);
}

static void random_against_brute_force(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 40; seed++) {
        uint64_t s = seed;
        static unsigned char busy[HORIZON];
        memset(busy, 0, sizeof busy);
        dram_calendar c, p; /* p: pruned as it goes */
        dram_calendar_init(&c);
        dram_calendar_init(&p);
        double low = 0; /* requests come at or after a rising floor (the batch's entry) */
        for (int r = 0; r < 400; r++) {
            if (mix(&s) % 8 == 0) {
                low += (double)(mix(&s) % 40);
                dram_calendar_prune(&p, low);
            }
            const size_t t = (size_t)low + (size_t)(mix(&s) % 60), cyc = 1 + (size_t)(mix(&s) % (seed % 3 ? 9 : 70));
            const double want = brute_place(busy, t, cyc);
            assert_true(dram_calendar_place(&c, (double)t, (double)cyc) == want);
            assert_true(dram_calendar_place(&p, (double)t, (double)cyc) == want);
            check_invariants(&c);
            check_invariants(&p);
        }
        /* the calendar holds exactly the busy cycles */
        size_t k = 0;
        for (size_t x = 0; x < HORIZON; x++) {
            while (k < c.n && c.iv[k].e <= (double)x) k++;
            const int in = k < c.n && c.iv[k].s <= (double)x;
            assert_int_equal(in, busy[x]);
        }
        dram_calendar_free(&c);
        dram_calendar_free(&p);
    }
}

static void closed_forms(void **state)
{
    (void)state;
    dram_calendar c;
    dram_calendar_init(&c);
    /* one requester in time order: max(t, free) + cycles, as a private port */
    double f = 0;
    const double ts[] = {0, 3, 3, 50, 51, 200};
    const double cs[] = {10, 4, 1, 7, 2, 5};
    for (int i = 0; i < 6; i++) {
        f = fmax(f, ts[i]) + cs[i];
        assert_true(dram_calendar_place(&c, ts[i], cs[i]) == f);
    }
    dram_calendar_free(&c);
    /* a long request placed first at 100, a short one made earlier at 90:
     * it takes the 10 free cycles before 100, then waits for the rest */
    dram_calendar_init(&c);
    assert_true(dram_calendar_place(&c, 100, 1000) == 1100);
    assert_true(dram_calendar_place(&c, 90, 8) == 98);   /* fits before */
    assert_true(dram_calendar_place(&c, 90, 5) == 1103); /* 2 free cycles (98, 99), then after 1100 */
    assert_int_equal(c.n, 1); /* [90, 98), [98, 100) and [100, 1103) merged */
    assert_true(c.iv[0].s == 90 && c.iv[0].e == 1103);
    /* a zero-length request takes nothing */
    assert_true(dram_calendar_place(&c, 5, 0) == 5);
    /* shift */
    dram_calendar_shift(&c, 10);
    assert_true(c.iv[0].s == 100 && c.iv[0].e == 1113);
    dram_calendar_prune(&c, 500); /* busy at 500: its cycles before are forgotten */
    assert_true(c.n == 1 && c.iv[0].s == 500 && c.iv[0].e == 1113);
    assert_true(dram_calendar_place(&c, 600, 1) == 1114);
    dram_calendar_prune(&c, 1114);
    assert_int_equal(c.n, 0);
    dram_calendar_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(random_against_brute_force),
        cmocka_unit_test(closed_forms),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
