/* formulas_blocks.c — see formulas_blocks.h. */
#include "formulas_blocks.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "f3/blockformulas.h"
#include "f3/formulas.h"
#include "f3/status.h"
#include "f3/train.h"

#define N_PH (F3_PH_COUNT + 1) /* the phases and their total */

static const char *phase_key(int p) { return p == F3_PH_COUNT ? "total" : f3_phase_name((f3_phase)p); }

/* What the closed forms give one rule over one epoch. */
typedef struct {
    uint64_t fma[N_PH], elem[N_PH];
    f3_block_fma per_sample;
    f3_block_memory mem;
    f3_block_peaks peaks;
} rule_forms;

static f3_status forms_of(const block_net *b, const f3_blocktrain_config *cfg, rule_forms *r)
{
    memset(r, 0, sizeof *r);
    const f3_run_shape run = f3_run_shape_epochs(b->samples, b->batch, (b->samples + b->batch - 1) / b->batch);
    f3_ledger *L = NULL;
    f3_status st = f3_ledger_alloc(b->n, &L);
    if (st == F3_OK) st = f3_blockformula_ledger(b->blocks, b->n, cfg, b->samples, run, L);
    for (int p = 0; st == F3_OK && p < N_PH; p++) {
        const f3_counts c = f3_ledger_sum(L, -1, (f3_phase)p);
        r->fma[p] = c.fma, r->elem[p] = c.elem;
    }
    f3_ledger_free(L);
    if (st == F3_OK) st = f3_blockformula_fma(b->blocks, b->n, cfg, b->batch, &r->per_sample);
    if (st == F3_OK) st = f3_blockformula_memory(b->blocks, b->n, cfg, b->batch, b->samples, &r->mem);
    if (st == F3_OK) st = f3_blockformula_peaks(b->blocks, b->n, cfg, b->batch, &r->peaks);
    return st;
}

static void network_json(json_writer *w, const block_net *b)
{
    size_t params = 0;
    for (size_t k = 0; k < b->n; k++) params += f3_block_params(&b->blocks[k]);
    json_key(w, "network");
    json_begin_object(w);
    json_kv_string(w, "type", "blocks");
    json_kv_string(w, "scenario", b->scenario);
    json_kv_u64(w, "blocks", b->n);
    json_key(w, "block_outputs");
    json_begin_array(w);
    for (size_t k = 0; k < b->n; k++) json_u64(w, f3_block_out_size(&b->blocks[k]));
    json_end_array(w);
    json_kv_u64(w, "parameters", params);
    json_kv_u64(w, "outputs", b->cfg[0].classes);
    json_kv_u64(w, "batch", b->batch);
    json_kv_u64(w, "samples", b->samples);
    json_kv_u64(w, "steps_per_epoch", (b->samples + b->batch - 1) / b->batch);
    json_end_object(w);
}

int formulas_blocks(const block_net *b)
{
    rule_forms r[5];
    for (size_t i = 0; i < b->n_rules; i++)
        if (forms_of(b, &b->cfg[i], &r[i]) != F3_OK) {
            fprintf(stderr, "f3sim formulas: %s\n", f3_last_error());
            return 1;
        }
    if (b->json) {
        json_writer w;
        json_init(&w, stdout);
        json_begin_object(&w);
        network_json(&w, b);
        json_kv_string(&w, "units",
                       "fma, elementwise_ops: operations over one epoch (samples in batches of batch, the last one "
                       "partial); fma_per_sample: fma / samples; memory: elements and bytes (float32: 4 B; "
                       "1 kB = 1000 B); paper: Appendix A's comparison extended to blocks, FMA per sample "
                       "(update: per step)");
        const char *sections[3] = {"fma", "fma_per_sample", "elementwise_ops"};
        for (int s = 0; s < 3; s++) {
            json_key(&w, sections[s]);
            json_begin_object(&w);
            for (size_t i = 0; i < b->n_rules; i++) {
                json_key(&w, f3_algorithm_name(b->cfg[i].algorithm));
                json_begin_object(&w);
                for (int p = 0; p < N_PH; p++) {
                    if (s == 0) json_kv_u64(&w, phase_key(p), r[i].fma[p]);
                    else if (s == 1) json_kv_double(&w, phase_key(p), (double)r[i].fma[p] / (double)b->samples);
                    else json_kv_u64(&w, phase_key(p), r[i].elem[p]);
                }
                json_end_object(&w);
            }
            json_end_object(&w);
        }
        json_key(&w, "memory");
        json_begin_object(&w);
        for (size_t i = 0; i < b->n_rules; i++) {
            const f3_block_memory *m = &r[i].mem;
            json_key(&w, f3_algorithm_name(b->cfg[i].algorithm));
            json_begin_object(&w);
            /* the ledger's activation buffer: the blocks' outputs and (BP, DFA) their stashes */
            json_elements_bytes(&w, "activation_buffer", r[i].peaks.activation_buffer, 0);
            json_elements_bytes(&w, "block_outputs", m->boundary, 0);
            json_elements_bytes(&w, "stash", m->stash, 0);
            json_elements_bytes(&w, "feedback", m->feedback, 1);
            json_elements_bytes(&w, "error_store", m->error_store, 0);
            json_elements_bytes(&w, "a4_total", m->boundary + m->stash + m->feedback + m->error_store, 0);
            json_elements_bytes(&w, "parameters", m->parameters, 0);
            json_end_object(&w);
        }
        json_end_object(&w);
        json_key(&w, "paper");
        json_begin_object(&w);
        for (size_t i = 0; i < b->n_rules; i++) {
            const f3_block_fma *f = &r[i].per_sample;
            json_key(&w, f3_algorithm_name(b->cfg[i].algorithm));
            json_begin_object(&w);
            json_kv_u64(&w, "forward_fma_per_sample", f->forward);
            json_kv_u64(&w, "feedback_fma_per_sample", f->feedback);
            json_kv_u64(&w, "gradient_fma_per_sample", f->gradient);
            json_kv_u64(&w, "update_fma_per_step", f->update);
            json_kv_double(&w, "total_fma_per_sample", f->total);
            json_end_object(&w);
        }
        json_end_object(&w);
        json_end_object(&w);
    } else {
        char g[6][32];
        printf("%s: %zu blocks, batch %zu, %zu samples per epoch (docs/validation.md, \"Appendix A extended to "
               "transformer blocks\")\n",
               b->scenario, b->n, b->batch, b->samples);
        printf("  %-5s %16s %16s %16s %14s %16s\n", "rule", "forward", "feedback", "gradient", "update",
               "total");
        printf("  %-5s %16s %16s %16s %14s %16s\n", "", "[FMA/sample]", "[FMA/sample]", "[FMA/sample]",
               "[FMA/step]", "[FMA/sample]");
        for (size_t i = 0; i < b->n_rules; i++) {
            const f3_block_fma *f = &r[i].per_sample;
            printf("  %-5s %16s %16s %16s %14s %16.2f\n", f3_algorithm_name(b->cfg[i].algorithm),
                   grouped(f->forward, g[0], 32), grouped(f->feedback, g[1], 32), grouped(f->gradient, g[2], 32),
                   grouped(f->update, g[3], 32), f->total);
        }
        printf("  memory kept for training (A.4 for blocks), elements and bytes as float32:\n");
        printf("  %-5s %16s %16s %16s %16s %14s\n", "rule", "block outputs", "stash", "feedback B", "error store",
               "total");
        for (size_t i = 0; i < b->n_rules; i++) {
            const f3_block_memory *m = &r[i].mem;
            printf("  %-5s %16s %16s %16s %16s %14s\n", f3_algorithm_name(b->cfg[i].algorithm),
                   grouped(m->boundary, g[0], 32), grouped(m->stash, g[1], 32), grouped(m->feedback, g[2], 32),
                   grouped(m->error_store, g[3], 32),
                   with_unit(4.0 * (double)(m->boundary + m->stash + m->feedback + m->error_store), g[4], 32));
        }
    }
    if (fflush(stdout)) {
        fprintf(stderr, "f3sim formulas: cannot write to stdout: %s\n", strerror(errno));
        return 1;
    }
    return 0;
}

/* ---- verify --------------------------------------------------------------------------------- */

/* `steps` steps of the block trainer on random inputs and targets: its
 * ledger and stash peak into *got (a copy) and *stash. */
static f3_status train_steps(const block_net *b, const f3_blocktrain_config *cfg, f3_ledger *got, uint64_t *stash)
{
    const size_t in = f3_block_in_size(&b->blocks[0]), C = cfg->classes, bs = b->batch;
    f3_blocktrainer *tr = f3_blocktrainer_new(b->blocks, b->n, cfg, bs, b->samples, b->seed);
    float *x = malloc(bs * in * sizeof *x), *t = calloc(bs * C, sizeof *t);
    size_t *idx = malloc(bs * sizeof *idx);
    f3_status st = F3_OK;
    if (!tr || !x || !t || !idx) {
        st = tr ? F3_FAIL(F3_ENOMEM, "out of memory for verify's batch") : F3_EINVAL;
        goto out;
    }
    uint64_t rng = b->seed;
    for (uint64_t s = 0, at = 0; s < b->steps && st == F3_OK; s++) {
        const size_t nb = f3_run_batch_of_step(b->samples, bs, s);
        if (at >= b->samples) at = 0; /* a new epoch */
        for (size_t j = 0; j < nb * in; j++)
            x[j] = (float)((double)(verify_data_next(&rng) >> 11) * 0x1p-53 * 2.0 - 1.0);
        memset(t, 0, nb * C * sizeof *t);
        for (size_t j = 0; j < nb; j++) t[j * C + verify_data_next(&rng) % C] = 1.0f, idx[j] = at + j;
        at += nb;
        st = f3_blocktrainer_step(tr, x, t, idx, nb, NULL);
    }
    if (st == F3_OK) {
        /* a copy: counters, samples, steps and peaks (f3_ledger_add into an empty ledger), live counts */
        const f3_ledger *L = f3_blocktrainer_ledger(tr);
        f3_ledger_reset(got);
        f3_ledger_add(got, L);
        got->live_act = L->live_act, got->live_err = L->live_err;
        *stash = f3_blocktrainer_stash_peak(tr);
    }
out:
    free(x), free(t), free(idx);
    f3_blocktrainer_free(tr);
    return st;
}

int verify_blocks(const block_net *b)
{
    char *doc = NULL;
    size_t doc_len = 0;
    FILE *out = b->json ? open_memstream(&doc, &doc_len) : stdout;
    if (!out) {
        fprintf(stderr, "f3sim verify: cannot buffer the JSON: %s\n", strerror(errno));
        return 1;
    }
    json_writer w;
    if (b->json) {
        json_init(&w, out);
        json_begin_object(&w);
        network_json(&w, b);
        json_kv_u64(&w, "steps", b->steps);
        json_kv_u64(&w, "seed", b->seed);
        json_kv_string(&w, "units", "operations and element reads and writes over the run of steps; peaks in elements");
        json_key(&w, "algorithms");
        json_begin_object(&w);
    }
    size_t total_bad = 0;
    const f3_run_shape run = f3_run_shape_epochs(b->samples, b->batch, b->steps);
    for (size_t i = 0; i < b->n_rules; i++) {
        const f3_blocktrain_config *cfg = &b->cfg[i];
        f3_ledger *want = NULL, *got = NULL;
        f3_block_peaks peaks;
        uint64_t stash = 0;
        f3_status st = f3_ledger_alloc(b->n, &want);
        if (st == F3_OK) st = f3_ledger_alloc(b->n, &got);
        if (st == F3_OK) st = f3_blockformula_ledger(b->blocks, b->n, cfg, b->samples, run, want);
        if (st == F3_OK) st = f3_blockformula_peaks(b->blocks, b->n, cfg, run.max_batch, &peaks);
        if (st == F3_OK) st = train_steps(b, cfg, got, &stash);
        if (st != F3_OK) {
            fprintf(stderr, "f3sim verify: %s\n", f3_last_error());
            f3_ledger_free(want), f3_ledger_free(got);
            if (b->json) fclose(out), free(doc);
            return 1;
        }
        /* F3SIM_VERIFY_PERTURB: one more forward FMA counted in block 1, to
         * test that the verifier catches a difference (tests/integration) */
        const char *perturb = getenv("F3SIM_VERIFY_PERTURB");
        if (perturb && *perturb && strcmp(perturb, "0")) f3_ledger_at(got, 0, F3_PH_FORWARD)->fma += 1;
        char first[256] = "";
        const size_t nd = f3_ledger_diff(got, want, first, sizeof first) + (stash != peaks.stash);
        total_bad += nd;
        const char *name = f3_algorithm_name(cfg->algorithm);
        if (b->json) {
            json_key(&w, name);
            json_begin_object(&w);
            json_kv_u64(&w, "stash_peak_formula", peaks.stash);
            json_kv_u64(&w, "stash_peak_counted", stash);
            json_kv_u64(&w, "activation_buffer_peak_formula", want->peak_act);
            json_kv_u64(&w, "activation_buffer_peak_counted", got->peak_act);
            json_kv_u64(&w, "mismatches", nd);
            json_kv_string(&w, "first_difference", first);
            json_kv_bool(&w, "equal", nd == 0);
            json_end_object(&w);
        } else {
            printf("== %s: %s, %zu blocks, %" PRIu64 " steps, %" PRIu64 " samples (batch %zu, epoch of %zu), seed "
                   "%" PRIu64 "\n",
                   name, b->scenario, b->n, run.steps, run.samples, b->batch, b->samples, b->seed);
            printf("  %-5s %-9s %15s %15s %13s %13s %13s %13s %13s %13s  %s\n", "block", "phase", "fma formula",
                   "fma counted", "elem formula", "elem counted", "reads formula", "reads counted", "writes formula",
                   "writes counted", "verdict");
            for (size_t k = 0; k < b->n; k++)
                for (int p = 0; p < F3_PH_COUNT; p++) {
                    const f3_counts *f = f3_ledger_at(want, k, (f3_phase)p), *m = f3_ledger_at(got, k, (f3_phase)p);
                    if (!memcmp(f, &(f3_counts){0}, sizeof *f) && !memcmp(m, &(f3_counts){0}, sizeof *m)) continue;
                    char blk[24];
                    snprintf(blk, sizeof blk, "%zu", k + 1);
                    print_row(blk, f3_phase_name((f3_phase)p), f, m);
                }
            char g[4][32];
            printf("  %-46s %15s %15s  %s\n", "stash peak (elements)", grouped(peaks.stash, g[0], 32),
                   grouped(stash, g[1], 32), stash == peaks.stash ? "ok" : "MISMATCH");
            printf("  %-46s %15s %15s  %s\n", "activation buffer peak (elements)", grouped(want->peak_act, g[2], 32),
                   grouped(got->peak_act, g[3], 32), want->peak_act == got->peak_act ? "ok" : "MISMATCH");
            if (nd) printf("  first difference (counted vs formula): %s\n", first[0] ? first : "the stash peak");
        }
        f3_ledger_free(want), f3_ledger_free(got);
    }
    return verify_finish(b->json ? &w : NULL, out, &doc, &doc_len, total_bad, b->n_rules, "rule");
}
