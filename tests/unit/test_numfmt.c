/* test_numfmt.c — sim/io/numfmt.c (f3sim explore's printf-free number
 * writer) against its independent reference, glibc's snprintf: the same
 * bytes for %.Nf (N = 0 … 18) and %.Ng (N = 1 … 17) over random doubles of
 * every kind (random bit patterns: subnormals, huge values, infinities and
 * NaNs among them; realistic magnitudes; 0 and −0; exact halfway cases that
 * must round to even), and %.17g read back by strtod gives the same double.
 * A failure prints the first differing value with both texts and the
 * number of differences. */
#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "numfmt.h"

static uint64_t g_state = 0x9e3779b97f4a7c15ull;
static uint64_t next_u64(void) /* splitmix64 */
{
    uint64_t z = (g_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
static double u01(void) { return (double)(next_u64() >> 11) * 0x1p-53; }

/* the k-th test value: a mix of the kinds that matter for prec */
static double value(size_t k, int prec)
{
    static const double special[] = {0.0, -0.0, 0.5, -0.5, 1.5, 2.5, -2.5, 0.125, 0.375, 1e-320, -4.9e-324,
                                     DBL_MIN, DBL_MAX, -DBL_MAX, 0x1p64, 0x1p64 - 2048, 1e15, 999999999999999.9,
                                     9.9999999999999995e-5, 1e-5, 0.1, 0.7, 1234.5678, 100.0, 1e16, 1e17};
    const size_t ns = sizeof special / sizeof special[0];
    if (k < ns) return special[k];
    uint64_t bits;
    double x;
    switch (k % 6) {
    case 0: /* any bit pattern: subnormals, huge, inf and NaN too */
        bits = next_u64();
        memcpy(&x, &bits, sizeof x);
        return x;
    case 1: /* realistic magnitudes 1e-9 … 1e21, either sign */
        x = pow(10.0, -9.0 + 30.0 * u01()) * (u01() < 0.5 ? -1 : 1);
        return x;
    case 2: /* exact halves at the last printed digit: j · 2^-(prec+1), j odd */
        x = ldexp((double)(2 * (next_u64() % 100000000) + 1), -(prec + 1));
        return u01() < 0.5 ? -x : x;
    case 3: /* integers and integers + 1/2 */
        return (double)(next_u64() % 10000000) + (u01() < 0.5 ? 0.5 : 0.0);
    case 4: /* values of explore.csv's kind: figures over a sample count */
        return (double)(next_u64() % 1000000000000ull) / (double)(1 + next_u64() % 60000) / 1e3;
    default: /* close to powers of ten, where rounding carries into a new digit */
        x = pow(10.0, (double)((int)(next_u64() % 36) - 18));
        bits = 0;
        memcpy(&bits, &x, sizeof x);
        bits += (uint64_t)((int64_t)(next_u64() % 9) - 4);
        memcpy(&x, &bits, sizeof x);
        return x;
    }
}

static void check(int g, int prec, size_t n)
{
    char a[NUMFMT_ROOM], b[NUMFMT_ROOM], first[2 * NUMFMT_ROOM + 64] = "";
    size_t bad = 0;
    for (size_t k = 0; k < n; k++) {
        const double x = value(k, prec);
        const size_t la = g ? numfmt_g(a, sizeof a, x, prec) : numfmt_fixed(a, sizeof a, x, prec);
        const int lb = snprintf(b, sizeof b, g ? "%.*g" : "%.*f", prec, x);
        if (strcmp(a, b) || la != (size_t)lb) {
            uint64_t bits;
            memcpy(&bits, &x, sizeof bits);
            if (!bad++)
                snprintf(first, sizeof first, "%.17g (bits %016llx): numfmt '%.150s', snprintf '%.150s'", x,
                         (unsigned long long)bits, a, b);
        }
    }
    if (bad) fail_msg("%%.%d%c: %zu of %zu values differ from snprintf; the first: %s", prec, g ? 'g' : 'f', bad, n, first);
}

static void test_fixed_like_printf(void **state)
{
    (void)state;
    for (int prec = 0; prec <= 18; prec++) check(0, prec, 60000);
    for (int prec = 0; prec <= 6; prec++) check(0, prec, 300000); /* explore.csv's precisions: 0, 1, 3, 4, 6 */
}

static void test_g_like_printf(void **state)
{
    (void)state;
    for (int sig = 1; sig <= 17; sig++) check(1, sig, 60000);
    check(1, 15, 300000); /* explore's swept values */
}

static void test_u64_like_printf(void **state)
{
    (void)state;
    char a[32], b[32];
    const uint64_t fixed[] = {0, 1, 9, 10, 99, 100, 4294967295ull, 4294967296ull, 18446744073709551615ull};
    for (size_t k = 0; k < sizeof fixed / sizeof fixed[0] + 100000; k++) {
        const uint64_t n = k < sizeof fixed / sizeof fixed[0] ? fixed[k] : next_u64() >> (next_u64() % 64);
        numfmt_u64(a, n);
        snprintf(b, sizeof b, "%llu", (unsigned long long)n);
        if (strcmp(a, b)) fail_msg("%llu: numfmt '%s', snprintf '%s'", (unsigned long long)n, a, b);
    }
}

/* an independent check of the digits themselves: %.17g reads back as the
 * very same double (finite values; NaN's payload is not text) */
static void test_g17_round_trips(void **state)
{
    (void)state;
    char a[NUMFMT_ROOM];
    size_t bad = 0, n = 300000;
    double worst = 0;
    for (size_t k = 0; k < n; k++) {
        const double x = value(k, 17);
        if (!isfinite(x)) continue;
        numfmt_g(a, sizeof a, x, 17);
        const double y = strtod(a, NULL);
        if (memcmp(&x, &y, sizeof x)) {
            bad++;
            if (fabs(y - x) > worst) worst = fabs(y - x);
        }
    }
    if (bad) fail_msg("%%.17g: %zu of %zu values do not read back; largest difference %.3g", bad, n, worst);
}

/* a buffer below NUMFMT_ROOM goes to snprintf, which cuts the text as it does */
static void test_small_room(void **state)
{
    (void)state;
    char a[8], b[8];
    volatile double x = 12345.678901; /* (the compiler would see the cut text coming) */
    const size_t la = numfmt_fixed(a, sizeof a, x, 6);
    const int lb = snprintf(b, sizeof b, "%.6f", x);
    assert_string_equal(a, b);
    assert_int_equal(la, lb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixed_like_printf), cmocka_unit_test(test_g_like_printf),
        cmocka_unit_test(test_u64_like_printf),   cmocka_unit_test(test_g17_round_trips),
        cmocka_unit_test(test_small_room),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
