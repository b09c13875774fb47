/* ledger.c — counters of what the kernels did. */
#include "f3/ledger.h"

#include <stdlib.h>
#include <string.h>

f3_status f3_ledger_alloc(size_t n_layers, f3_ledger **out)
{
    *out = NULL;
    if (n_layers == 0) return F3_FAIL(F3_EINVAL, "ledger: a network needs at least one layer");
    f3_ledger *l = calloc(1, sizeof *l);
    if (!l) return F3_FAIL(F3_ENOMEM, "ledger: out of memory");
    l->c = calloc(n_layers * F3_PH_COUNT, sizeof *l->c);
    if (!l->c) {
        free(l);
        return F3_FAIL(F3_ENOMEM, "ledger: out of memory");
    }
    l->n_layers = n_layers;
    *out = l;
    return F3_OK;
}

void f3_ledger_free(f3_ledger *l)
{
    if (!l) return;
    free(l->c);
    free(l);
}

void f3_ledger_reset(f3_ledger *l)
{
    memset(l->c, 0, l->n_layers * F3_PH_COUNT * sizeof *l->c);
    l->samples = l->batches = 0;
    l->live_act = l->peak_act = l->live_err = l->peak_err = 0;
}

void f3_ledger_act_live(f3_ledger *l, int64_t delta)
{
    l->live_act = (uint64_t)((int64_t)l->live_act + delta);
    if (l->live_act > l->peak_act) l->peak_act = l->live_act;
}

void f3_ledger_err_live(f3_ledger *l, int64_t delta)
{
    l->live_err = (uint64_t)((int64_t)l->live_err + delta);
    if (l->live_err > l->peak_err) l->peak_err = l->live_err;
}

static void counts_add(f3_counts *a, const f3_counts *b)
{
    a->fma += b->fma;
    a->elem += b->elem;
    for (int m = 0; m < F3_MEM_COUNT; m++) {
        a->reads[m] += b->reads[m];
        a->writes[m] += b->writes[m];
    }
}

f3_counts f3_ledger_sum(const f3_ledger *l, int layer, f3_phase p)
{
    f3_counts s;
    memset(&s, 0, sizeof s);
    for (size_t i = 0; i < l->n_layers; i++) {
        if (layer >= 0 && (size_t)layer != i) continue;
        for (int q = 0; q < F3_PH_COUNT; q++) {
            if (p != F3_PH_COUNT && (int)p != q) continue;
            counts_add(&s, &l->c[i * F3_PH_COUNT + q]);
        }
    }
    return s;
}

void f3_ledger_add(f3_ledger *a, const f3_ledger *b)
{
    size_t n = a->n_layers < b->n_layers ? a->n_layers : b->n_layers;
    for (size_t i = 0; i < n * F3_PH_COUNT; i++) counts_add(&a->c[i], &b->c[i]);
    a->samples += b->samples;
    a->batches += b->batches;
    if (b->peak_act > a->peak_act) a->peak_act = b->peak_act;
    if (b->peak_err > a->peak_err) a->peak_err = b->peak_err;
}

const char *f3_phase_name(f3_phase p)
{
    static const char *names[F3_PH_COUNT] = {"forward", "feedback", "gradient", "update", "loss"};
    return p < F3_PH_COUNT ? names[p] : "?";
}

const char *f3_memclass_name(f3_memclass m)
{
    static const char *names[F3_MEM_COUNT] = {"weights", "biases", "optimizer_state",
                                              "gradients", "feedback", "activation_buffer",
                                              "work", "error_store", "inputs"};
    return m < F3_MEM_COUNT ? names[m] : "?";
}

void f3_ledger_count_step(f3_ledger *l, size_t b)
{
    l->samples += b;
    l->batches += 1;
}
