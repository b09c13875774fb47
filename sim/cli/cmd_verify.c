/* cmd_verify.c — `f3sim verify` (cmd_formulas.h): the real kernels run on
 * random data for a few steps, their ledger compared with the closed forms
 * per layer and phase, as a table or JSON (docs/validation.md). */
#include "cmd_formulas.h"
#include "net_options.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_util.h"
#include "f3/formulas.h"
#include "f3/status.h"
#include "f3/train.h"
#include "formulas_blocks.h"
#include "json.h"

/* ---- verify ----------------------------------------------------------------- */

uint64_t verify_data_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull); /* splitmix64 */
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Train o->steps steps of algorithm a on random data; *out is the trainer
 * (its ledger holds the counts). */
static f3_status run_kernels(const net_options *o, f3_algorithm a, f3_trainer **out)
{
    f3_config cfg = o->cfg;
    cfg.algorithm = a;
    const size_t B = cfg.batch_size, n0 = cfg.widths[0], C = cfg.widths[cfg.n_layers], N = o->samples;
    f3_trainer *tr = NULL;
    f3_status st = f3_trainer_alloc(&cfg, F3_TASK_CLASSIFICATION, N, &tr);
    if (st != F3_OK) return st;
    float *x = malloc(B * n0 * sizeof *x), *t = malloc(B * C * sizeof *t);
    int32_t *lab = malloc(B * sizeof *lab);
    size_t *idx = malloc(B * sizeof *idx);
    if (!x || !t || !lab || !idx) {
        st = F3_FAIL(F3_ENOMEM, "verify: out of memory for a batch of %zu", B);
        goto done;
    }
    uint64_t data_state = cfg.seed * 0x2545F4914F6CDD1Dull + 17;
    const uint64_t per_epoch = (N + B - 1) / B;
    for (uint64_t s = 0; s < o->steps && st == F3_OK; s++) {
        const size_t b = f3_run_batch_of_step(N, B, s);
        for (size_t k = 0; k < b * n0; k++) x[k] = (float)((double)(verify_data_next(&data_state) >> 11) * 0x1p-53 * 4.6 - 2.3);
        memset(t, 0, b * C * sizeof *t);
        for (size_t k = 0; k < b; k++) {
            lab[k] = (int32_t)(verify_data_next(&data_state) % C);
            t[k * C + (size_t)lab[k]] = 1.0f;
            idx[k] = (size_t)(s % per_epoch) * B + k;
        }
        st = f3_train_step(tr, x, t, lab, idx, b, NULL);
    }
done:
    free(x), free(t), free(lab), free(idx);
    if (st != F3_OK) f3_trainer_free(tr);
    else *out = tr;
    return st;
}

static uint64_t sum_of(const uint64_t *v)
{
    uint64_t s = 0;
    for (int m = 0; m < F3_MEM_COUNT; m++) s += v[m];
    return s;
}

static int counts_equal(const f3_counts *a, const f3_counts *b)
{
    return !memcmp(a, b, sizeof *a);
}

static int counts_zero(const f3_counts *a)
{
    f3_counts z;
    memset(&z, 0, sizeof z);
    return counts_equal(a, &z);
}

/* One row: formula vs counted; on a mismatch, a line per differing counter. */
void print_row(const char *layer, const char *phase, const f3_counts *f, const f3_counts *m)
{
    char g[8][32];
    const int ok = counts_equal(f, m);
    printf("  %-5s %-9s %15s %15s %13s %13s %13s %13s %13s %13s  %s\n", layer, phase,
           grouped(f->fma, g[0], 32), grouped(m->fma, g[1], 32), grouped(f->elem, g[2], 32),
           grouped(m->elem, g[3], 32), grouped(sum_of(f->reads), g[4], 32), grouped(sum_of(m->reads), g[5], 32),
           grouped(sum_of(f->writes), g[6], 32), grouped(sum_of(m->writes), g[7], 32), ok ? "ok" : "MISMATCH");
    if (ok) return;
#define DETAIL(name, fv, mv)                                                                  \
    do {                                                                                      \
        if ((fv) != (mv))                                                                     \
            printf("          %-28s formula %" PRIu64 ", counted %" PRIu64 "\n", name,       \
                   (uint64_t)(fv), (uint64_t)(mv));                                           \
    } while (0)
    DETAIL("fma", f->fma, m->fma);
    DETAIL("elementwise_ops", f->elem, m->elem);
    for (int k = 0; k < F3_MEM_COUNT; k++) {
        char name[64];
        snprintf(name, sizeof name, "reads.%s", f3_memclass_name((f3_memclass)k));
        DETAIL(name, f->reads[k], m->reads[k]);
        snprintf(name, sizeof name, "writes.%s", f3_memclass_name((f3_memclass)k));
        DETAIL(name, f->writes[k], m->writes[k]);
    }
#undef DETAIL
}

/* One check outside the per-layer table: a label for the table, a key for
 * JSON, the closed form and the count. */
typedef struct {
    const char *label, *key;
    uint64_t formula, counted;
} vcheck;

/* Everything `verify` finds for one algorithm, computed once for the table
 * and JSON. */
typedef struct {
    f3_config cfg;
    f3_run_shape run;
    f3_trainer *tr;
    f3_ledger *want;           /* the closed forms */
    const f3_ledger *got;      /* the kernels' ledger (tr->ledger) */
    vcheck memory[8];          /* the first six are part of the ledger comparison */
    size_t n_memory;
    vcheck paper[6];           /* Appendix A, eqs. (14)-(19), when they apply */
    size_t n_paper;
    uint64_t feedback;         /* elements of the allocated B_i */
    size_t bad;                /* mismatching checks outside the ledger */
    size_t nd;                 /* ledger counters that differ */
    char first[256];           /* the first of them */
} vresult;

static void vresult_free(vresult *v)
{
    f3_ledger_free(v->want);
    f3_trainer_free(v->tr);
    v->want = NULL;
    v->tr = NULL;
}

static void add_check(vcheck *list, size_t *n, const char *label, const char *key, uint64_t formula,
                      uint64_t counted)
{
    list[*n] = (vcheck){label, key, formula, counted};
    (*n)++;
}

/* Run the kernels for algorithm a and compare; F3_OK or the reason the
 * kernels could not run (f3_last_error()). */
static f3_status verify_compute(const net_options *o, f3_algorithm a, vresult *v)
{
    memset(v, 0, sizeof *v);
    v->cfg = o->cfg;
    v->cfg.algorithm = a;
    const f3_config *cfg = &v->cfg;
    const size_t K = cfg->n_layers, C = cfg->widths[K];
    f3_status st = run_kernels(o, a, &v->tr);
    if (st != F3_OK) return st;
    v->run = f3_run_shape_epochs(o->samples, cfg->batch_size, o->steps);
    if ((st = f3_ledger_alloc(K, &v->want)) != F3_OK ||
        (st = f3_formula_ledger(cfg, o->samples, v->run, v->want)) != F3_OK) {
        vresult_free(v);
        return st;
    }
    /* F3SIM_VERIFY_PERTURB: add 1 to the counted forward FMAs of layer 1, to
     * test that the verifier catches a difference (tests/integration) */
    const char *perturb = getenv("F3SIM_VERIFY_PERTURB");
    if (perturb && *perturb && strcmp(perturb, "0")) f3_ledger_at(v->tr->ledger, 0, F3_PH_FORWARD)->fma += 1;
    const f3_ledger *want = v->want, *got = v->got = v->tr->ledger;

    /* these six are part of the ledger comparison (nd) */
    add_check(v->memory, &v->n_memory, "samples", "samples", want->samples, got->samples);
    add_check(v->memory, &v->n_memory, "steps", "steps", want->batches, got->batches);
    add_check(v->memory, &v->n_memory, "activation buffer peak, eq. (27) (h_1..h_{K-1})", "activation_buffer_peak",
              want->peak_act, got->peak_act);
    add_check(v->memory, &v->n_memory, "activation buffer live at the end", "activation_buffer_live_at_end",
              want->live_act, got->live_act);
    add_check(v->memory, &v->n_memory, "error store peak, eq. (29)", "error_store_peak", want->peak_err,
              got->peak_err);
    add_check(v->memory, &v->n_memory, "error store live at the end", "error_store_live_at_end", want->live_err,
              got->live_err);
    /* checks outside the ledger */
    f3_memory mem;
    f3_formula_memory(cfg, o->samples, &mem);
    for (size_t j = 0; j < K; j++)
        if (v->tr->layers[j].B) v->feedback += (uint64_t)C * v->tr->layers[j].n_out;
    add_check(v->memory, &v->n_memory, "feedback matrices, eq. (28)", "feedback_matrices", mem.feedback,
              v->feedback);
    add_check(v->memory, &v->n_memory, "parameters", "parameters", mem.parameters, f3_parameter_count(cfg));
    for (size_t i = 6; i < v->n_memory; i++) v->bad += v->memory[i].formula != v->memory[i].counted;

    /* the paper's forms: FMA of eqs. (14)–(17) hold for any activation,
     * loss and batch size when the layers have no bias (the update is per
     * step), F³/DFA/DRTP with C-entry error information */
    const int one_hot = a == F3_ALG_F3 && cfg->error_info.one_hot;
    if (!cfg->bias && a != F3_ALG_LLO && !one_hot) {
        f3_paper_fma e;
        if (a == F3_ALG_BP) f3_paper_fma_bp(K, cfg->widths, &e);
        else f3_paper_fma_f3(K, cfg->widths, &e);
        const f3_run_shape run = v->run;
        add_check(v->paper, &v->n_paper, "eq. (14) forward", "eq14_forward", run.samples * e.forward,
                  f3_ledger_sum(got, -1, F3_PH_FORWARD).fma);
        add_check(v->paper, &v->n_paper, a == F3_ALG_BP ? "eq. (15) dh = W^T dz" : "eq. (16) dh = B^T e",
                  a == F3_ALG_BP ? "eq15_feedback" : "eq16_feedback", run.samples * e.feedback,
                  f3_ledger_sum(got, -1, F3_PH_FEEDBACK).fma);
        add_check(v->paper, &v->n_paper, "eqs. (15), (16) dW", "eq15_16_gradient", run.samples * e.gradient,
                  f3_ledger_sum(got, -1, F3_PH_GRADIENT).fma);
        add_check(v->paper, &v->n_paper, "eq. (17) update (per step)", "eq17_update", run.steps * e.update,
                  f3_ledger_sum(got, -1, F3_PH_UPDATE).fma);
        add_check(v->paper, &v->n_paper, "loss phase (no FMA)", "loss_phase_fma", 0,
                  f3_ledger_sum(got, -1, F3_PH_LOSS).fma);
        if (cfg->batch_size == 1)
            add_check(v->paper, &v->n_paper, a == F3_ALG_BP ? "eq. (18) total" : "eq. (19) total",
                      a == F3_ALG_BP ? "eq18_total" : "eq19_total", run.samples * e.total,
                      f3_ledger_sum(got, -1, F3_PH_COUNT).fma);
        for (size_t i = 0; i < v->n_paper; i++) v->bad += v->paper[i].formula != v->paper[i].counted;
    }
    v->nd = f3_ledger_diff(got, want, v->first, sizeof v->first);
    return F3_OK;
}

static void print_check(const vcheck *c)
{
    char g[2][32];
    printf("  %-46s %15s %15s  %s\n", c->label, grouped(c->formula, g[0], 32), grouped(c->counted, g[1], 32),
           c->formula == c->counted ? "ok" : "MISMATCH");
}

static void verify_table(const net_options *o, const vresult *v)
{
    const f3_config *cfg = &v->cfg;
    const size_t K = cfg->n_layers;
    f3_ledger *want = v->want;
    const f3_ledger *got = v->got;
    char ws[2048];
    widths_string(cfg, ws, sizeof ws);
    printf("== %s: %s, %" PRIu64 " steps, %" PRIu64 " samples (batch %zu, epoch of %zu), seed %" PRIu64 "\n",
           f3_algorithm_name(cfg->algorithm), ws, v->run.steps, v->run.samples, cfg->batch_size, o->samples,
           cfg->seed);
    printf("  %-5s %-9s %15s %15s %13s %13s %13s %13s %13s %13s  %s\n", "layer", "phase", "fma formula",
           "fma counted", "elem formula", "elem counted", "reads formula", "reads counted",
           "writes formula", "writes counted", "verdict");
    for (size_t j = 0; j < K; j++)
        for (int p = 0; p < F3_PH_COUNT; p++) {
            const f3_counts *f = f3_ledger_at(want, j, (f3_phase)p);
            const f3_counts *m = &got->c[j * F3_PH_COUNT + p];
            if (counts_zero(f) && counts_zero(m)) continue;
            char layer[24];
            snprintf(layer, sizeof layer, "%zu", j + 1);
            print_row(layer, f3_phase_name((f3_phase)p), f, m);
        }
    for (int p = 0; p < F3_PH_COUNT; p++) {
        f3_counts f = f3_ledger_sum(want, -1, (f3_phase)p), m = f3_ledger_sum(got, -1, (f3_phase)p);
        print_row("all", f3_phase_name((f3_phase)p), &f, &m);
    }
    f3_counts ft = f3_ledger_sum(want, -1, F3_PH_COUNT), mt = f3_ledger_sum(got, -1, F3_PH_COUNT);
    print_row("all", "total", &ft, &mt);
    /* (reads and writes are summed over memory classes in the table; the
     * verdict compares every class) */
    printf("  %-46s %15s %15s\n", "memory (elements)", "formula", "counted");
    for (size_t i = 0; i < v->n_memory; i++) print_check(&v->memory[i]);
    char u[5][32];
    printf("  bytes: activation buffer %s, feedback %s as float32 / %s as 2-bit (eq. 34) / %s as a seed, "
           "error store %s\n",
           with_unit(4.0 * (double)got->peak_act, u[0], 32), with_unit(4.0 * (double)v->feedback, u[1], 32),
           with_unit((double)f3_feedback_bytes(v->feedback, F3_ENC_TERNARY2), u[2], 32),
           with_unit((double)f3_feedback_bytes(v->feedback, F3_ENC_SEED), u[3], 32),
           with_unit(4.0 * (double)got->peak_err, u[4], 32));
    if (v->n_paper) {
        printf("  %-46s %15s %15s\n", "Appendix A (FMA; per sample x samples)", "formula", "counted");
        for (size_t i = 0; i < v->n_paper; i++) print_check(&v->paper[i]);
    }
    if (v->nd) printf("  first difference (counted vs formula): %s\n", v->first);
    printf("  verdict: %s\n\n", v->bad || v->nd ? "MISMATCH" : "all counters match");
}

static void json_counts(json_writer *w, const char *key, const f3_counts *c)
{
    json_key(w, key);
    json_begin_object(w);
    json_kv_u64(w, "fma", c->fma);
    json_kv_u64(w, "elementwise_ops", c->elem);
    for (int rw = 0; rw < 2; rw++) {
        json_key(w, rw ? "writes" : "reads");
        json_begin_object(w);
        for (int k = 0; k < F3_MEM_COUNT; k++)
            json_kv_u64(w, f3_memclass_name((f3_memclass)k), rw ? c->writes[k] : c->reads[k]);
        json_end_object(w);
    }
    json_end_object(w);
}

/* key: {"predicted": counts, "counted": counts, "equal": bool} */
static void json_compare(json_writer *w, const char *key, const f3_counts *f, const f3_counts *m)
{
    json_key(w, key);
    json_begin_object(w);
    json_counts(w, "predicted", f);
    json_counts(w, "counted", m);
    json_kv_bool(w, "equal", counts_equal(f, m));
    json_end_object(w);
}

static void json_checks(json_writer *w, const char *key, const vcheck *c, size_t n)
{
    json_key(w, key);
    json_begin_object(w);
    for (size_t i = 0; i < n; i++) {
        json_key(w, c[i].key);
        json_begin_object(w);
        json_kv_string(w, "what", c[i].label);
        json_kv_u64(w, "predicted", c[i].formula);
        json_kv_u64(w, "counted", c[i].counted);
        json_kv_bool(w, "equal", c[i].formula == c[i].counted);
        json_end_object(w);
    }
    json_end_object(w);
}

/* The value of "<algorithm>": { ... } in verify --json. */
static void verify_json(json_writer *w, const net_options *o, const vresult *v)
{
    const f3_config *cfg = &v->cfg;
    const size_t K = cfg->n_layers;
    json_begin_object(w);
    json_kv_u64(w, "steps", v->run.steps);
    json_kv_u64(w, "samples", v->run.samples);
    json_kv_u64(w, "epoch_samples", o->samples);
    json_key(w, "layers");
    json_begin_array(w);
    for (size_t j = 0; j < K; j++) {
        json_begin_object(w);
        json_kv_u64(w, "layer", j + 1);
        json_key(w, "phases");
        json_begin_object(w);
        for (int p = 0; p < F3_PH_COUNT; p++)
            json_compare(w, f3_phase_name((f3_phase)p), f3_ledger_at(v->want, j, (f3_phase)p),
                         &v->got->c[j * F3_PH_COUNT + p]);
        json_end_object(w);
        json_end_object(w);
    }
    json_end_array(w);
    json_key(w, "all");
    json_begin_object(w);
    for (int p = 0; p <= F3_PH_COUNT; p++) {
        f3_counts f = f3_ledger_sum(v->want, -1, (f3_phase)p), m = f3_ledger_sum(v->got, -1, (f3_phase)p);
        json_compare(w, phase_key(p), &f, &m);
    }
    json_end_object(w);
    json_checks(w, "memory", v->memory, v->n_memory);
    json_key(w, "bytes");
    json_begin_object(w);
    json_kv_u64(w, "activation_buffer_peak", 4u * v->got->peak_act);
    json_kv_u64(w, "feedback_float32", 4u * v->feedback);
    json_kv_u64(w, "feedback_ternary_2bit", f3_feedback_bytes(v->feedback, F3_ENC_TERNARY2));
    json_kv_u64(w, "feedback_seed", f3_feedback_bytes(v->feedback, F3_ENC_SEED));
    json_kv_u64(w, "error_store_peak", 4u * v->got->peak_err);
    json_end_object(w);
    if (v->n_paper) json_checks(w, "appendix_a", v->paper, v->n_paper);
    else {
        json_key(w, "appendix_a");
        json_null(w);
    }
    json_key(w, "first_difference");
    if (v->nd) json_string(w, v->first);
    else json_null(w);
    json_kv_u64(w, "mismatches", v->bad + v->nd);
    json_kv_bool(w, "equal", !(v->bad || v->nd));
    json_end_object(w);
}

int cmd_verify(int argc, char **argv)
{
    net_options o;
    int rc = parse_options("verify", 1, argc, argv, &o);
    if (rc >= 0) return rc;
    if (o.is_blocks) {
        block_net b;
        return verify_blocks(block_net_of(&o, &b));
    }
    /* JSON goes to memory first: stdout gets a whole document or nothing */
    char *doc = NULL;
    size_t doc_len = 0;
    FILE *out = o.json ? open_memstream(&doc, &doc_len) : stdout;
    if (!out) {
        fprintf(stderr, "f3sim verify: cannot buffer the JSON: %s\n", strerror(errno));
        return 1;
    }
    json_writer w;
    if (o.json) {
        const f3_config *c = &o.cfg;
        char ei[40];
        f3_error_info_name(c->error_info, ei, sizeof ei);
        json_init(&w, out);
        json_begin_object(&w);
        json_key(&w, "network");
        json_begin_object(&w);
        json_key(&w, "widths");
        json_begin_array(&w);
        for (size_t i = 0; i <= c->n_layers; i++) json_u64(&w, c->widths[i]);
        json_end_array(&w);
        json_kv_u64(&w, "layers", c->n_layers);
        json_kv_u64(&w, "outputs", c->widths[c->n_layers]);
        json_kv_u64(&w, "batch", c->batch_size);
        json_kv_u64(&w, "samples", o.samples);
        json_kv_bool(&w, "bias", c->bias);
        json_kv_string(&w, "activation", f3_activation_name(c->hidden_act));
        json_kv_string(&w, "output_activation", f3_activation_name(c->output_act));
        json_kv_string(&w, "loss", f3_loss_name(c->loss));
        json_kv_string(&w, "error_info", ei);
        json_kv_string(&w, "optimizer", f3_optimizer_name(c->optimizer));
        json_end_object(&w);
        json_kv_u64(&w, "steps", o.steps);
        json_kv_u64(&w, "seed", c->seed);
        json_kv_string(&w, "units",
                       "operations and element reads and writes over the run of steps (fma, "
                       "elementwise_ops, reads, writes per memory class); memory checks in elements; "
                       "bytes as float32 (4 B), 2-bit ternary or a seed");
        json_key(&w, "algorithms");
        json_begin_object(&w);
    }
    size_t total_bad = 0;
    for (size_t i = 0; i < o.n_algs; i++) {
        vresult v;
        if (verify_compute(&o, o.algs[i], &v) != F3_OK) {
            fprintf(stderr, "f3sim verify: %s\n", f3_last_error());
            if (o.json) {
                fclose(out);
                free(doc);
            }
            return 1;
        }
        if (o.json) {
            json_key(&w, f3_algorithm_name(o.algs[i]));
            verify_json(&w, &o, &v);
        } else {
            verify_table(&o, &v);
        }
        total_bad += v.bad + v.nd;
        vresult_free(&v);
    }
    return verify_finish(o.json ? &w : NULL, out, &doc, &doc_len, total_bad, o.n_algs, "algorithm");
}

int verify_finish(json_writer *w, FILE *out, char **doc, size_t *doc_len, size_t bad, size_t n, const char *noun)
{
    if (w) {
        json_end_object(w);
        json_kv_u64(w, "mismatches", bad);
        json_kv_bool(w, "equal", bad == 0);
        json_end_object(w);
        /* open_memstream sets *doc and *doc_len when the stream is closed */
        if (fclose(out)) {
            free(*doc);
            fprintf(stderr, "f3sim verify: cannot buffer the JSON: %s\n", strerror(errno));
            return 1;
        }
        fwrite(*doc, 1, *doc_len, stdout);
        free(*doc);
    }
    if (fflush(stdout)) {
        fprintf(stderr, "f3sim verify: cannot write to stdout: %s\n", strerror(errno));
        return 1;
    }
    if (bad) {
        fprintf(stderr, "f3sim verify: %zu counters differ from the closed forms\n", bad);
        return 1;
    }
    if (!w) printf("f3sim verify: every counter of %zu %s%s matches the closed forms\n", n, noun, n == 1 ? "" : "s");
    return 0;
}
