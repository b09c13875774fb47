/* numfmt.c — numbers as text without printf (numfmt.h). */
#include "numfmt.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

__extension__ typedef unsigned __int128 u128;

/* 5^p for 0 <= p <= 18 (5^18 < 2^42) */
static const uint64_t POW5[19] = {1ull,
                                  5ull,
                                  25ull,
                                  125ull,
                                  625ull,
                                  3125ull,
                                  15625ull,
                                  78125ull,
                                  390625ull,
                                  1953125ull,
                                  9765625ull,
                                  48828125ull,
                                  244140625ull,
                                  1220703125ull,
                                  6103515625ull,
                                  30517578125ull,
                                  152587890625ull,
                                  762939453125ull,
                                  3814697265625ull};

/* 10^k for 0 <= k <= 19 */
static uint64_t pow10u(int k)
{
    uint64_t p = 1;
    while (k-- > 0) p *= 10;
    return p;
}

/* round(ax · 10^p), halves to even, exactly, for finite 0 <= ax < 2^64 and
 * 0 <= p <= 18; *fl (if not NULL): floor(ax · 10^p).  ax = m · 2^e with
 * m < 2^53, so ax · 10^p = m · 5^p · 2^(e + p), and m · 5^p < 2^95: a shift
 * of a 128-bit integer, rounded by the bits it drops.  The result is below
 * 2^64 · 10^18 < 2^124. */
static u128 scaled(double ax, int p, u128 *fl)
{
    uint64_t bits;
    memcpy(&bits, &ax, sizeof bits);
    const int be = (int)(bits >> 52 & 0x7ff);
    const uint64_t frac = bits & ((1ull << 52) - 1);
    /* ax = m · 2^e: normal numbers have the implicit leading bit, subnormals
     * (and 0) the exponent of the smallest normal */
    const uint64_t m = be ? frac | 1ull << 52 : frac;
    const int e = be ? be - 1075 : -1074;
    const u128 M = (u128)m * POW5[p];
    const int sh = e + p;
    if (sh >= 0) {
        if (fl) *fl = M << sh;
        return M << sh;
    }
    const int d = -sh;
    if (d >= 128) { /* M < 2^95: below 2^-33, rounds to 0 */
        if (fl) *fl = 0;
        return 0;
    }
    u128 q = M >> d;
    if (fl) *fl = q;
    const u128 r = M - (q << d), half = (u128)1 << (d - 1);
    if (r > half || (r == half && (q & 1))) q++;
    return q;
}

static const char PAIRS[201] = "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
                                "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
                                "8081828384858687888990919293949596979899";

/* the decimal digits of n, written backwards from end (two a division);
 * returns where they start */
static char *digits_back(char *end, uint64_t n)
{
    while (n >= 100) {
        const unsigned r = (unsigned)(n % 100);
        n /= 100;
        end -= 2;
        memcpy(end, PAIRS + 2 * r, 2);
    }
    if (n >= 10) {
        end -= 2;
        memcpy(end, PAIRS + 2 * n, 2);
    } else {
        *--end = (char)('0' + n);
    }
    return end;
}

/* The decimal digits of n, written backwards from end (at least
 * min_digits of them, with leading zeros); returns where they start.
 * n = hi · 10^19 + lo when it does not fit 64 bits. */
static char *digits_of(char *end, u128 n, int min_digits)
{
    char *b;
    if (n >> 64) {
        const u128 big = (u128)pow10u(19);
        const uint64_t hi = (uint64_t)(n / big), lo = (uint64_t)(n % big);
        b = digits_back(end, lo);
        while (b > end - 19) *--b = '0';
        b = digits_back(b, hi);
    } else {
        b = digits_back(end, (uint64_t)n);
    }
    while (end - b < min_digits) *--b = '0';
    return b;
}

/* sign, then n's digits with p of them after a point (none for p = 0):
 * built backwards in a buffer, then copied in one fixed-size move (out has
 * room for NUMFMT_ROOM bytes; at most 41 of them are the number's) */
static size_t put_point(char *out, int negative, u128 n, int p)
{
    char t[128];
    char *end = t + 64, *b = digits_of(end, n, p + 1);
    if (p > 0) { /* the integer digits one place left, for the point */
        char *point = end - p;
        for (char *c = b; c < point; c++) c[-1] = c[0];
        b--;
        point[-1] = '.';
    }
    if (negative) *--b = '-';
    const size_t len = (size_t)(end - b);
    memcpy(out, b, 64); /* b + 64 <= t + 128 */
    out[len] = '\0';
    return len;
}

size_t numfmt_fixed(char *out, size_t room, double x, int prec)
{
    const double ax = fabs(x);
    if (!(ax < 0x1p64) || prec < 0 || prec > 18 || room < NUMFMT_ROOM) /* NaN fails ax < 2^64 */
        return (size_t)snprintf(out, room, "%.*f", prec, x);
    return put_point(out, signbit(x) != 0, scaled(ax, prec, NULL), prec);
}

size_t numfmt_g(char *out, size_t room, double x, int sig)
{
    const double ax = fabs(x);
    if (!isfinite(x) || sig < 1 || sig > 17 || room < NUMFMT_ROOM) return (size_t)snprintf(out, room, "%.*g", sig, x);
    if (ax == 0) return put_point(out, signbit(x) != 0, 0, 0);
    if (!(ax >= 1e-5 && ax < 1e17)) return (size_t)snprintf(out, room, "%.*g", sig, x);
    /* X, the decimal exponent of x rounded to sig digits (C11 7.21.6.1):
     * first x's own, 10^X <= ax < 10^(X+1), which holds exactly when
     * floor(ax · 10^(sig−1−X)) has sig digits (a guess from log10, moved by
     * one until it does); one more when the rounding carries to 10^(X+1) */
    int X = (int)floor(log10(ax));
    for (int tries = 0; tries < 4; tries++) {
        int p = sig - 1 - X;
        if (X < -4 || X >= sig || p > 18) break; /* %e style, or beyond the exact range */
        u128 fl, n = scaled(ax, p, &fl);
        if (fl >= (u128)pow10u(sig)) {
            X++;
            continue;
        }
        if (fl < (u128)pow10u(sig - 1)) {
            X--;
            continue;
        }
        if (n == (u128)pow10u(sig)) { /* 9.99…9|5 rounds up to 10.00…0 */
            X++;
            p--;
            n = pow10u(sig - 1);
            if (X >= sig) break;
        }
        /* %f style with p decimals, then trailing zeros (and the point) dropped */
        size_t len = put_point(out, signbit(x) != 0, n, p);
        if (p > 0) {
            while (out[len - 1] == '0') len--;
            if (out[len - 1] == '.') len--;
            out[len] = '\0';
        }
        return len;
    }
    return (size_t)snprintf(out, room, "%.*g", sig, x);
}

size_t numfmt_u64(char *out, uint64_t n)
{
    char t[24];
    char *end = t + sizeof t, *b = digits_back(end, n);
    const size_t len = (size_t)(end - b);
    memcpy(out, b, len);
    out[len] = '\0';
    return len;
}
