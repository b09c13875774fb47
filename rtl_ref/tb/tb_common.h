// tb_common.h — what the testbenches share: the tile's number formats as
// model/ formats, code <-> value conversion, and the model/ reference for
// one requantisation.  The formats must equal the Verilog parameters the
// testbenches are Verilated with (rtl_ref/CMakeLists.txt passes both).
#ifndef F3_RTL_TB_COMMON_H
#define F3_RTL_TB_COMMON_H

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "verilated.h"
#include "verilated_syms.h"

extern "C" {
#include "f3/fixed.h"
#include "f3/numerics.h"
#include "f3/train.h"
}

#ifndef TB_AW
#error "TB_AW, TB_AF, TB_WW, TB_WF, TB_EW, TB_EF, TB_GW, TB_GF, TB_LR_S must be defined (rtl_ref/CMakeLists.txt)"
#endif

namespace tb {

// a fixed-point format q(W−F).F, as model/ and the RTL see it
struct Fmt {
    int w, f;
    f3_format m() const
    {
        f3_format r;
        r.kind = F3_FMT_FIXED;
        r.int_bits = w - f;
        r.frac_bits = f;
        r.rounding = F3_ROUND_NEAREST_EVEN;
        return r;
    }
    // the value of a code (two's complement in w bits, held in an int64)
    double val(int64_t code) const { return std::ldexp((double)code, -f); }
    // the code of a value on the grid (exits if it is not)
    int64_t code(double v) const
    {
        double c = std::ldexp(v, f);
        if (c != std::floor(c) || std::fabs(c) > std::ldexp(1.0, w)) {
            std::fprintf(stderr, "tb: %.17g is not a value of q%d.%d\n", v, w - f, f);
            std::exit(2);
        }
        return (int64_t)c;
    }
    // sign-extend the low w bits
    int64_t sx(uint64_t raw) const
    {
        uint64_t m = (w >= 64) ? ~0ull : ((1ull << w) - 1);
        raw &= m;
        if (raw >> (w - 1)) raw |= ~m;
        return (int64_t)raw;
    }
    uint64_t raw(int64_t code) const { return (uint64_t)code & ((1ull << w) - 1); }
};

static const Fmt A{TB_AW, TB_AF}, W{TB_WW, TB_WF}, E{TB_EW, TB_EF}, G{TB_GW, TB_GF};

// model/'s requantisation of an exact double: to float, then to the format
// (nearest even), as train.c's requantize does
inline double requant(double v, const Fmt &f)
{
    float x = (float)v;
    f3_format m = f.m();
    f3_quantize(&m, &x, 1, NULL);
    return (double)x;
}

// the numerics of a model/ configuration in the tile's formats
inline void set_formats(f3_config *c)
{
    c->numerics.fmt[F3_T_WEIGHTS] = W.m();
    c->numerics.fmt[F3_T_ACTIVATIONS] = A.m();
    c->numerics.fmt[F3_T_ERROR] = E.m();
    c->numerics.fmt[F3_T_ERROR_STORE] = E.m();
    c->numerics.fmt[F3_T_GRADIENTS] = G.m();
    Fmt fb{8, 6};
    c->numerics.fmt[F3_T_FEEDBACK] = fb.m(); // ternary B is exact in q2.6
}

// lr as the tile takes it: an integer mantissa with lr = m · 2^−LR_S
inline uint64_t lr_mantissa(double lr)
{
    double m = std::ldexp((double)(float)lr, TB_LR_S);
    if (m != std::floor(m) || m <= 0 || m >= std::ldexp(1.0, 32)) {
        std::fprintf(stderr, "tb: lr %g is not a multiple of 2^-%d below 2^%d\n", lr, TB_LR_S, 32 - TB_LR_S);
        std::exit(2);
    }
    return (uint64_t)m;
}

// the tile's act_mode / dact_mode for an activation
inline unsigned act_mode(f3_activation a)
{
    return a == F3_ACT_RELU ? 1u : a == F3_ACT_IDENTITY ? 2u : 0u;
}
inline unsigned dact_mode(f3_activation a)
{
    switch (a) {
    case F3_ACT_TANH: return 0;
    case F3_ACT_SIGMOID: return 1;
    case F3_ACT_RELU: return 2;
    default: return 3;
    }
}
inline unsigned b_code(float b)
{
    if (b == 1.0f) return 1;
    if (b == -1.0f) return 3;
    if (b == 0.0f) return 0;
    std::fprintf(stderr, "tb: feedback entry %g is not ternary\n", (double)b);
    std::exit(2);
}

struct Rng { // splitmix64: deterministic, seedable, independent of the model's streams
    uint64_t s;
    uint64_t next()
    {
        uint64_t z = (s += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
    }
    int64_t range(int64_t lo, int64_t hi) { return lo + (int64_t)(next() % (uint64_t)(hi - lo + 1)); }
    bool coin(unsigned pct) { return next() % 100 < pct; }
};

// Back door: a tile's memories through Verilator's scope table (they are
// /*verilator public_flat_rw*/), so that loading and reading back a layer
// costs no simulated cycles.  The configuration port does the same in
// cycles; the first case of every run goes through the port and checks it.
struct Mem {
    void *p = nullptr;
    int es = 0;
    uint64_t get(size_t i) const
    {
        switch (es) {
        case 1: return ((const uint8_t *)p)[i];
        case 2: return ((const uint16_t *)p)[i];
        case 4: return ((const uint32_t *)p)[i];
        default: return ((const uint64_t *)p)[i];
        }
    }
    void set(size_t i, uint64_t v) const
    {
        switch (es) {
        case 1: ((uint8_t *)p)[i] = (uint8_t)v; break;
        case 2: ((uint16_t *)p)[i] = (uint16_t)v; break;
        case 4: ((uint32_t *)p)[i] = (uint32_t)v; break;
        default: ((uint64_t *)p)[i] = v; break;
        }
    }
};
inline Mem find_mem(VerilatedContext *ctx, const std::string &scope, const char *var)
{
    const VerilatedScope *s = ctx->scopeFind(("TOP." + scope).c_str());
    VerilatedVar *v = s ? s->varFind(var) : nullptr;
    if (!v) {
        std::fprintf(stderr, "tb: no memory %s in scope %s\n", var, scope.c_str());
        std::exit(2);
    }
    Mem m;
    m.p = v->datap();
    m.es = (int)v->entSize();
    return m;
}
} // namespace tb
#endif
