/* overflow_warn.c — saturation and underflow per tensor class and epoch,
 * their warnings, and the datapath (overflow_warn.h). */
#include "overflow_warn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int overflow_parse_policy(const char *s, overflow_policy *out)
{
    if (!strcmp(s, "warn")) *out = OVERFLOW_WARN;
    else if (!strcmp(s, "stop")) *out = OVERFLOW_STOP;
    else return F3_FAIL(F3_EINVAL, "unknown on-overflow policy '%s' (expected warn or stop)", s), -1;
    return 0;
}

const char *overflow_policy_name(overflow_policy p) { return p == OVERFLOW_STOP ? "stop" : "warn"; }

static void totals_of(const f3_trainer *tr, overflow_counts *c)
{
    memcpy(c->values, tr->quantized_values, sizeof c->values);
    memcpy(c->saturations, tr->saturations, sizeof c->saturations);
    memcpy(c->underflows, tr->underflows, sizeof c->underflows);
}

int overflow_watch_init(overflow_watch *w, ckpt_row *rows, size_t epochs, size_t start_epoch, const f3_trainer *tr)
{
    memset(w, 0, sizeof *w);
    if (!tr) return 0;
    w->epochs = epochs;
    w->rows = rows;
    w->sites = tr->cfg.n_layers + 2;
    w->last_site = calloc((size_t)F3_T_COUNT * w->sites * 3, sizeof *w->last_site);
    if (!w->last_site) return F3_FAIL(F3_ENOMEM, "out of memory for the saturation and underflow counts"), -1;
    if (start_epoch) { /* a resumed run: from the counts the checkpoint restored */
        totals_of(tr, &w->last);
        if (tr->site_counts)
            memcpy(w->last_site, tr->site_counts, (size_t)F3_T_COUNT * w->sites * 3 * sizeof *w->last_site);
    }
    return 0;
}

void overflow_watch_free(overflow_watch *w)
{
    free(w->last_site);
    memset(w, 0, sizeof *w);
}

void overflow_watch_take(overflow_watch *w, const f3_trainer *tr, size_t e)
{
    if (!tr || e >= w->epochs) return;
    overflow_counts now, *ep = &w->rows[e].q;
    totals_of(tr, &now);
    for (int t = 0; t < F3_T_COUNT; t++) {
        ep->values[t] = now.values[t] - w->last.values[t];
        ep->saturations[t] = now.saturations[t] - w->last.saturations[t];
        ep->underflows[t] = now.underflows[t] - w->last.underflows[t];
    }
    w->last = now;
    w->rows[e].q_known = 1;
}

/* A format that may lose less: for saturation one more integer bit, for
 * underflow twice the bits as fraction bits (at most 32 in all), for both
 * the two; a floating format: one with float's range. */
static void suggestion(const f3_format *f, int sat, int under, char *buf, size_t len)
{
    char now[32];
    f3_format_name(f, now, sizeof now);
    if (f->kind != F3_FMT_FIXED) {
        snprintf(buf, len, "%s instead of %s (%s)", f->kind == F3_FMT_FP16 ? "bf16" : "fp32", now,
                 f->kind == F3_FMT_FP16 ? "float's range" : "no rounding");
        return;
    }
    int i = f->int_bits, fr = f->frac_bits;
    if (sat) i += 1, fr -= under ? 0 : 1;
    if (under) fr += f->int_bits + f->frac_bits;
    if (fr < 0) fr = 0;
    if (i + fr > 32) fr = 32 - i;
    if (fr < 0 || (i == f->int_bits && fr == f->frac_bits)) { /* no wider fixed point helps */
        snprintf(buf, len, "fp32 instead of %s (no fixed point of at most 32 bits does better), or scale the tensor",
                 now);
        return;
    }
    f3_format g = *f;
    g.int_bits = i, g.frac_bits = fr;
    char next[32];
    f3_format_name(&g, next, sizeof next);
    const char *why = sat && under ? "one more integer bit and more fraction bits"
                      : sat        ? "one more integer bit, the same width"
                                   : "more fraction bits, or scale the tensor up";
    snprintf(buf, len, "%s instead of %s (%s)", next, now, why);
}

/* Where a site is, in words: "layer 2 of 2", "the inputs", "the batch's error information". */
static void site_name(size_t site, size_t K, char *buf, size_t len)
{
    if (site < K) snprintf(buf, len, "layer %zu of %zu", site + 1, K);
    else snprintf(buf, len, "%s", site == K ? "the inputs" : "the batch's error information");
}

/* The site of class t where kind k (1 saturations, 2 underflows) took the
 * largest share of the values in this epoch; its share, count and values. */
typedef struct {
    double share;
    uint64_t count, values;
    size_t site;
} worst_site;

static worst_site worst_of(const overflow_watch *w, const uint64_t *now, int t, int k)
{
    worst_site ws = {0};
    for (size_t s = 0; s < w->sites; s++) {
        const size_t at = 3 * ((size_t)t * w->sites + s);
        const uint64_t n = now[at] - w->last_site[at], c = now[at + k] - w->last_site[at + k];
        if (n && (double)c / (double)n > ws.share) ws = (worst_site){(double)c / (double)n, c, n, s};
    }
    return ws;
}

int overflow_watch_check(overflow_watch *w, const f3_trainer *tr, size_t e, overflow_policy p, const char *prefix,
                         const char *results)
{
    if (!tr || e >= w->epochs || !w->rows[e].q_known) return 0;
    const overflow_counts *ep = &w->rows[e].q;
    if (!tr->site_counts) return 0; /* fp32: nothing quantised */
    const size_t K = tr->cfg.n_layers;
    char first[512] = "";
    double worst = -1.0;
    for (int t = 0; t < F3_T_COUNT; t++) {
        const uint64_t n = ep->values[t];
        if (!n) continue;
        const worst_site ws[2] = {worst_of(w, tr->site_counts, t, 1), worst_of(w, tr->site_counts, t, 2)};
        const int sat = (double)ep->saturations[t] / (double)n > OVERFLOW_THRESHOLD || ws[0].share > OVERFLOW_SITE_SHARE,
                  under = (double)ep->underflows[t] / (double)n > OVERFLOW_THRESHOLD || ws[1].share > OVERFLOW_SITE_SHARE;
        if (!sat && !under) continue;
        const f3_format *f = &tr->cfg.numerics.fmt[t];
        char fmt[32], sug[160];
        f3_format_name(f, fmt, sizeof fmt);
        suggestion(f, sat, under, sug, sizeof sug);
        for (int k = 0; k < 2; k++) {
            if (!(k ? under : sat)) continue;
            const uint64_t c = k ? ep->underflows[t] : ep->saturations[t];
            char where[64], line[512];
            site_name(ws[k].site, K, where, sizeof where);
            snprintf(line, sizeof line,
                     "in epoch %zu, %s (%s) %s %.2f %% of its values (%llu of %llu; the limit: %g %%); most in %s: "
                     "%.2f %% (%llu of %llu; the limit at one site: %g %%)",
                     e + 1, f3_tensor_names[t], fmt, k ? "underflowed (nonzero, rounded to zero) in" : "saturated in",
                     100.0 * (double)c / (double)n, (unsigned long long)c, (unsigned long long)n,
                     100.0 * OVERFLOW_THRESHOLD, where, 100.0 * ws[k].share, (unsigned long long)ws[k].count,
                     (unsigned long long)ws[k].values, 100.0 * OVERFLOW_SITE_SHARE);
            fprintf(stderr, "%s: warning: %s; try %s (numerics.%s.format)%s\n", prefix, line, sug, f3_tensor_names[t],
                    k && f->rounding == F3_ROUND_STOCHASTIC
                        ? "; with stochastic rounding a value below one step rounds to zero or to the step, "
                          "unbiased, so this may do no harm"
                        : "");
            /* the stop names the class that lost the most, in all or at one site */
            const double score = ws[k].share > (double)c / (double)n ? ws[k].share : (double)c / (double)n;
            if (score > worst) worst = score, snprintf(first, sizeof first, "%s", line);
        }
    }
    memcpy(w->last_site, tr->site_counts, (size_t)F3_T_COUNT * w->sites * 3 * sizeof *w->last_site);
    if (!first[0] || p != OVERFLOW_STOP) return 0;
    F3_FAIL(F3_ERANGE, "numerics.on_overflow stop: %s (the warnings above say what may help)%s%s", first,
            results ? "; the epochs done are in " : "", results ? results : "");
    return 1;
}

static void json_by_class(json_writer *jw, const char *key, const uint64_t *v)
{
    json_key(jw, key);
    if (!v) {
        json_null(jw);
        return;
    }
    json_begin_object(jw);
    for (int t = 0; t < F3_T_COUNT; t++) json_kv_u64(jw, f3_tensor_names[t], v[t]);
    json_end_object(jw);
}

void overflow_json_epoch(json_writer *jw, const overflow_watch *w, size_t e)
{
    const ckpt_row *r = e < w->epochs && w->rows[e].q_known ? &w->rows[e] : NULL;
    json_by_class(jw, "saturations", r ? r->q.saturations : NULL);
    json_by_class(jw, "underflows", r ? r->q.underflows : NULL);
    json_by_class(jw, "quantized_values", r ? r->q.values : NULL);
}

/* ---- checkpoint.json ------------------------------------------------------- */

static void put_u64s(FILE *f, const uint64_t *v, size_t n, int more)
{
    for (size_t k = 0; k < n; k++) fprintf(f, "%s%llu", k ? ", " : "", (unsigned long long)v[k]);
    if (more && n) fputs(", ", f);
}

void overflow_checkpoint_write(FILE *f, const f3_trainer *tr, const ckpt_row *rows, size_t epochs_done)
{
    const size_t ns = tr->site_counts ? (size_t)F3_T_COUNT * (tr->cfg.n_layers + 2) * 3 : 0;
    fputs(",\n  \"quantization_totals_order\": \"underflows[classes], quantized_values[classes]\",\n"
          "  \"quantization_totals\": [", f);
    put_u64s(f, tr->underflows, F3_T_COUNT, 1);
    put_u64s(f, tr->quantized_values, F3_T_COUNT, 0);
    fputs("],\n  \"quantization_sites\": [", f);
    put_u64s(f, tr->site_counts, ns, 0);
    fputs("],\n  \"quantization_epochs_order\": \"known, values[classes], saturations[classes], "
          "underflows[classes]\",\n  \"quantization_epochs\": [", f);
    for (size_t e = 0; e < epochs_done; e++) {
        fprintf(f, "%s%d, ", e ? ",\n    " : "", rows[e].q_known);
        put_u64s(f, rows[e].q.values, F3_T_COUNT, 1);
        put_u64s(f, rows[e].q.saturations, F3_T_COUNT, 1);
        put_u64s(f, rows[e].q.underflows, F3_T_COUNT, 0);
    }
    fputs("]", f);
}

/* The n unsigned integers of the array after "key": in js into v: 0, 1
 * when the key is absent, -1 when it holds another count or a non-number. */
static int read_u64s(const char *js, const char *key, uint64_t *v, size_t n)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\": [", key);
    const char *p = strstr(js, pat);
    if (!p) return 1;
    p += strlen(pat);
    for (size_t k = 0; k < n; k++) {
        while (*p == ' ' || *p == ',' || *p == '\n') p++;
        char *end;
        if (*p < '0' || *p > '9') return -1;
        v[k] = strtoull(p, &end, 10);
        p = end;
    }
    while (*p == ' ' || *p == '\n') p++;
    return *p == ']' ? 0 : -1;
}

int overflow_checkpoint_read(const char *js, f3_trainer *tr, ckpt_row *rows, size_t epochs_done)
{
    uint64_t tot[2 * F3_T_COUNT];
    int rc = read_u64s(js, "quantization_totals", tot, 2 * F3_T_COUNT);
    if (rc > 0) return 0; /* written before the counts existed */
    if (rc < 0) return F3_FAIL(F3_EINVAL, "quantization_totals: expected %d counts", 2 * F3_T_COUNT), -1;
    memcpy(tr->underflows, tot, sizeof tr->underflows);
    memcpy(tr->quantized_values, tot + F3_T_COUNT, sizeof tr->quantized_values);
    const size_t ns = tr->site_counts ? (size_t)F3_T_COUNT * (tr->cfg.n_layers + 2) * 3 : 0;
    if (ns ? read_u64s(js, "quantization_sites", tr->site_counts, ns) : read_u64s(js, "quantization_sites", tot, 0))
        return F3_FAIL(F3_EINVAL, "quantization_sites: expected %zu counts", ns), -1;
    const size_t per = 1 + 3 * (size_t)F3_T_COUNT;
    uint64_t *q = malloc((epochs_done ? epochs_done : 1) * per * sizeof *q);
    if (!q) return F3_FAIL(F3_ENOMEM, "out of memory for the epochs' quantisation counts"), -1;
    if (read_u64s(js, "quantization_epochs", q, epochs_done * per)) {
        free(q);
        return F3_FAIL(F3_EINVAL, "quantization_epochs: expected %zu rows of %zu counts", epochs_done, per), -1;
    }
    for (size_t e = 0; e < epochs_done; e++) {
        const uint64_t *r = q + e * per;
        rows[e].q_known = r[0] != 0;
        memcpy(rows[e].q.values, r + 1, sizeof rows[e].q.values);
        memcpy(rows[e].q.saturations, r + 1 + F3_T_COUNT, sizeof rows[e].q.saturations);
        memcpy(rows[e].q.underflows, r + 1 + 2 * F3_T_COUNT, sizeof rows[e].q.underflows);
    }
    free(q);
    return 0;
}

void overflow_json_run(json_writer *jw, const f3_trainer *tr, const f3_config *cfg)
{
    json_kv_string(jw, "datapath", overflow_datapath(cfg, !tr));
    json_by_class(jw, "underflows", tr ? tr->underflows : NULL);
    json_by_class(jw, "quantized_values", tr ? tr->quantized_values : NULL);
    /* the same by class and site, for every site that quantised something */
    json_key(jw, "quantization_by_site");
    json_begin_array(jw);
    const size_t K = tr ? tr->cfg.n_layers : 0;
    for (int t = 0; tr && tr->site_counts && t < F3_T_COUNT; t++)
        for (size_t site = 0; site < K + 2; site++) {
            const uint64_t *c = tr->site_counts + 3 * ((size_t)t * (K + 2) + site);
            if (!c[0]) continue;
            char where[64];
            site_name(site, K, where, sizeof where);
            json_begin_object(jw);
            json_kv_string(jw, "class", f3_tensor_names[t]);
            json_kv_string(jw, "site", where);
            json_kv_u64(jw, "values", c[0]);
            json_kv_u64(jw, "saturations", c[1]);
            json_kv_u64(jw, "underflows", c[2]);
            json_end_object(jw);
        }
    json_end_array(jw);
}

/* The first class that keeps cfg off the fixed path, or -1. */
static int first_float_class(const f3_config *cfg)
{
    static const f3_tensor need[] = {F3_T_WEIGHTS, F3_T_ACTIVATIONS, F3_T_ERROR, F3_T_GRADIENTS, F3_T_FEEDBACK};
    for (size_t k = 0; k < sizeof need / sizeof need[0]; k++) {
        if (need[k] == F3_T_FEEDBACK && !f3_uses_feedback_matrix(cfg->algorithm)) continue;
        if (cfg->numerics.fmt[need[k]].kind != F3_FMT_FIXED) return (int)need[k];
    }
    return -1;
}

const char *overflow_datapath(const f3_config *cfg, int blocks)
{
    return !blocks && f3_config_fixed_mode(cfg) ? "fixed" : "float";
}

void overflow_datapath_text(const f3_config *cfg, int blocks, char *buf, size_t len)
{
    if (!strcmp(overflow_datapath(cfg, blocks), "fixed")) {
        snprintf(buf, len, "exact fixed point (every dot product exact, rounded once to its format)");
        return;
    }
    if (blocks) {
        snprintf(buf, len, "float (a network of blocks computes in fp32, rounded to the formats)");
        return;
    }
    const int t = first_float_class(cfg);
    char fmt[32];
    f3_format_name(&cfg->numerics.fmt[t < 0 ? 0 : t], fmt, sizeof fmt);
    if (f3_numerics_is_fp32(&cfg->numerics))
        snprintf(buf, len, "float (fp32 throughout, nothing quantised)");
    else
        snprintf(buf, len, "float (fp32 kernels, results rounded to the formats; %s is %s, not fixed point)",
                 f3_tensor_names[t < 0 ? 0 : t], fmt);
}

void overflow_print_rule_datapath(const scenario *sc, const char *alg)
{
    f3_config cfg;
    f3_task task;
    char text[256];
    scenario_f3_config(sc, alg, &cfg, &task); /* cannot fail: the scenario is validated */
    overflow_datapath_text(&cfg, scenario_is_blocks(sc), text, sizeof text);
    printf("%-9s datapath: %s\n", alg, text);
}

void overflow_print_datapaths(const scenario *sc, const char (*algs)[32], size_t na)
{
    char first[256] = "", text[256];
    int same = 1;
    for (size_t k = 0; k < na; k++) {
        f3_config cfg;
        f3_task task;
        scenario_f3_config(sc, algs[k], &cfg, &task); /* cannot fail: the scenario is validated */
        overflow_datapath_text(&cfg, scenario_is_blocks(sc), text, sizeof text);
        if (!k) snprintf(first, sizeof first, "%s", text);
        else if (strcmp(text, first)) same = 0;
    }
    if (same && na > 1) {
        printf("datapath (every rule): %s\n", first);
        return;
    }
    for (size_t k = 0; k < na; k++) overflow_print_rule_datapath(sc, algs[k]);
}
