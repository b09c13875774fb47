/* vector_internal.h — what the vectorised element-wise loops of kernels.c
 * and numerics.c share (not installed).
 *
 * F3_CLONES compiles a loop for AVX-512, AVX2 and baseline x86-64 and picks
 * one at load time; without FMA contraction (-std=c11 implies
 * -ffp-contract=off) every clone computes the same bits. */
#ifndef F3_VECTOR_INTERNAL_H
#define F3_VECTOR_INTERNAL_H

#include <stdint.h>
#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__SANITIZE_ADDRESS__)
#define F3_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define F3_CLONES
#endif

/* A float's bits and back. */
static inline uint32_t f32_bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

static inline float bits_f32(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

#endif
