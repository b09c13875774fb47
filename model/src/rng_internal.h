/* rng_internal.h — splitmix64, the generator of the block network's initial
 * parameters and the block trainer's feedback matrices (not installed). */
#ifndef F3_RNG_INTERNAL_H
#define F3_RNG_INTERNAL_H

#include <stdint.h>

static inline uint64_t f3_splitmix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

#endif
