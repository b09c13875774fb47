/* numfmt.h — numbers as text without printf, byte for byte what printf
 * writes (the io layer's fast path for large CSV tables: f3sim explore).
 *
 * Each function writes into out (room bytes, at least NUMFMT_ROOM), ends
 * it with a NUL and returns the number of characters written (as snprintf
 * does).  The digits are exact: a double's binary value is scaled by a
 * power of ten in 128-bit integer arithmetic and rounded half to even, as
 * glibc's printf rounds in the default rounding mode.  What the fast path
 * does not cover (NaN, infinities, |x| ≥ 2^64, %g's exponent style) is
 * handed to snprintf, so every result equals snprintf's; tests/unit/
 * test_numfmt.c compares them over random doubles of every kind. */
#ifndef F3SIM_NUMFMT_H
#define F3SIM_NUMFMT_H

#include <stddef.h>
#include <stdint.h>

#define NUMFMT_ROOM 352 /* room for any double in %.18f (309 digits and more) */

/* printf("%.*f", prec, x) for 0 <= prec <= 18 (other prec: snprintf). */
size_t numfmt_fixed(char *out, size_t room, double x, int prec);

/* printf("%.*g", sig, x) for 1 <= sig <= 17 (other sig: snprintf). */
size_t numfmt_g(char *out, size_t room, double x, int sig);

/* printf("%llu", n): up to 20 digits (room: 21 bytes). */
size_t numfmt_u64(char *out, uint64_t n);

#endif
