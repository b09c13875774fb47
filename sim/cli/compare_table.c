/* compare_table.c — f3sim compare's output (compare_search.h): the
 * winners described (their chips rebuilt and evaluated again, the
 * mechanisms behind them), compare_budget.csv and .json, and the verdict
 * table. */
#include "compare_search.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analytic.h"
#include "cli_util.h"
#include "csv_text.h"
#include "json.h"
#include "results.h"
#include "tile_cost.h"


static void list_text(char *buf, size_t len, const double *v, size_t n, const char *fmt)
{
    size_t o = 0;
    o += (size_t)snprintf(buf + o, len - o, "[");
    for (size_t i = 0; i < n && o < len; i++) {
        if (i) o += (size_t)snprintf(buf + o, len - o, ",");
        if (o < len) o += (size_t)snprintf(buf + o, len - o, fmt, v[i]);
    }
    if (o < len) snprintf(buf + o, len - o, "]");
}

/* The rule whose work (a = D_LANES) or need (D_SRAM) gives grid g's
 * vector j, and at which DIMS value, into buf: rule r itself when it does,
 * else the first rule compared that does ("bp × 0.5"). */
static void vector_from(const search *S, const rule_ctx *r, const grid *g, int a, size_t j, char *buf, size_t len)
{
    const uint8_t *f = &g->from[a][j * g->n_rules];
    size_t s = (size_t)(r - S->rules);
    for (size_t q = 0; q < g->n_rules && f[s] == NO_K; q++) s = q;
    if (f[s] == NO_K) buf[0] = 0; /* (every vector has a rule) */
    else snprintf(buf, len, "%s × %.15g", S->rules[s].name, DIMS[a].v[f[s]]);
}

int describe(const search *S, const rule_ctx *r, const point *p, detail *d)
{
    static chip_config hw;
    static chip_result res;
    memset(d, 0, sizeof *d);
    d->own = p->own;
    if (p->own) {
        hw = r->base;
    } else {
        const mapping *m = &S->maps[p->map];
        grid g;
        if (grid_alloc(S, &g) != F3_OK) return -1;
        grid_build(S, m, p->df, &g);
        point_config(S, r, m, p->df, p->es_alt, &g, p->k, &hw);
        vector_from(S, r, &g, D_LANES, p->k[D_LANES], d->lanes_from, sizeof d->lanes_from);
        vector_from(S, r, &g, D_SRAM, p->k[D_SRAM], d->sram_from, sizeof d->sram_from);
        grid_free(&g);
    }
    if (chip_analytic_run(&hw, &r->w, &res) != F3_OK) return -1;
    const f3_config *cfg = &r->cfg;
    const size_t T = res.n_tiles;
    double v[5][CHIP_MAX_TILES];
    for (size_t t = 0; t < T && t < CHIP_MAX_TILES; t++) {
        const chip_tile_hw h = chip_tile_figures(&hw, t);
        v[0][t] = (double)(res.tile[t].last_layer - res.tile[t].first_layer + 1);
        v[1][t] = h.mac_lanes;
        v[2][t] = h.sram_capacity_bytes / 1024.0;
        v[3][t] = h.sram_banks;
        v[4][t] = h.reg_capacity_bytes / 1024.0;
    }
    list_text(d->mapping, sizeof d->mapping, v[0], T, "%.0f");
    if (hw.n_split) {
        double sp[CHIP_MAX_TILES];
        for (size_t i = 0; i < hw.n_split && i < CHIP_MAX_TILES; i++) sp[i] = (double)chip_layer_parts(&hw, i);
        list_text(d->split, sizeof d->split, sp, hw.n_split, "%.0f");
    }
    list_text(d->lanes, sizeof d->lanes, v[1], T, "%.0f");
    list_text(d->sram_kib, sizeof d->sram_kib, v[2], T, "%.15g");
    list_text(d->banks, sizeof d->banks, v[3], T, "%.0f");
    list_text(d->regs_kib, sizeof d->regs_kib, v[4], T, "%.15g");
    d->dataflow = chip_dataflow_name(hw.dataflow);
    d->micro_batch = chip_micro_batched(&hw, &r->cfg) ? hw.micro_batch : 0;
    d->es_placement = r->cfg.algorithm != F3_ALG_F3 ? "" : hw.es_placement == CHIP_ES_DRAM ? "dram" : "on_chip";
    point q;
    figures(&hw, &res, &q);
    d->energy_nj = q.energy_nj;
    d->sps = q.sps;
    d->area = q.area;
    d->power_mw = q.power_mw;
    d->lanes_total = q.lanes;
    d->cycles_per_sample = res.cycles_per_sample;
    const double n = res.samples ? (double)res.samples : 1.0;
    double wait = 0, stash = 0;
    for (size_t t = 0; t < T; t++) {
        wait += (double)res.tile[t].wait_downstream;
        stash += res.tile[t].stash_bytes;
    }
    d->stall_pct = res.cycles ? 100.0 * wait / ((double)T * (double)res.cycles) : 0;
    d->stash_bytes = stash;
    d->bwd_bytes_ps = (double)res.link_bytes[1] / n;
    d->es_bytes_ps = (double)(res.es_read + res.es_written) / n;
    d->dram_bytes_ps = (double)(res.dram_read + res.dram_written) / n;
    /* passes over W per sample: the weight bytes every step reads (SRAM
     * and DRAM, transposed reads included), executions × the cost table
     * as the chip counts them, over the weight bytes */
    const size_t B = cfg->batch_size, nf = r->w.n_train / B, rem = r->w.n_train % B;
    double rd = 0, wbytes = 0;
    for (size_t i = 0; i < chip_n_units(&hw, cfg); i++) { /* layers, or the parts of split ones */
        tile_cost tc;
        if (tile_cost_compute(&hw, cfg, i, B, &tc) != F3_OK) return -1;
        for (int s = 0; s < TC_STEPS; s++) rd += (double)nf * tc.step[s].reps * tc.step[s].rd[TC_WEIGHTS];
        wbytes += tc.need[TC_WEIGHTS];
        if (rem) {
            if (tile_cost_compute(&hw, cfg, i, rem, &tc) != F3_OK) return -1;
            for (int s = 0; s < TC_STEPS; s++) rd += tc.step[s].reps * tc.step[s].rd[TC_WEIGHTS];
        }
    }
    d->w_passes_ps = wbytes > 0 ? rd / (double)r->w.n_train / wbytes : 0;
    /* the --set assignments that rebuild this chip from the scenario */
    size_t o = 0;
    const size_t L = sizeof d->set_keys;
    if (!p->own) {
        /* a split chip gives split (and clears a scenario's layers_per_tile),
         * a contiguous one layers_per_tile (and clears a scenario's split) */
        o += (size_t)snprintf(d->set_keys + o, L - o,
                              "hardware.tile.dataflow=%s hardware.mapping.%s=%s hardware.tiles.mac_lanes=%s "
                              "hardware.tiles.sram_capacity_kib=%s hardware.tiles.sram_banks=%s "
                              "hardware.tiles.registers_capacity_kib=%s hardware.pipeline.micro_batch=%zu",
                              d->dataflow, hw.n_split ? "split" : "layers_per_tile", hw.n_split ? d->split : d->mapping,
                              d->lanes, d->sram_kib, d->banks, d->regs_kib, d->micro_batch);
        if (r->base.strict && o < L) o += (size_t)snprintf(d->set_keys + o, L - o, " hardware.strict=false");
        if (!hw.n_split && r->base.n_split && o < L)
            o += (size_t)snprintf(d->set_keys + o, L - o, " hardware.mapping.split=[]");
        if (hw.n_split && scenario_get(S->sc, "hardware.mapping.layers_per_tile")->n && o < L)
            o += (size_t)snprintf(d->set_keys + o, L - o, " hardware.mapping.layers_per_tile=[]");
        if (p->es_alt && o < L)
            o += (size_t)snprintf(d->set_keys + o, L - o, " hardware.error_store.placement=%s", d->es_placement);
    }
    if (r->add_backward && o < L)
        o += (size_t)snprintf(d->set_keys + o, L - o, "%shardware.links.backward.bytes_per_cycle=%.15g", o ? " " : "",
                              hw.backward.bytes_per_cycle);
    if (r->add_broadcast && o < L)
        snprintf(d->set_keys + o, L - o, "%shardware.links.broadcast.bytes_per_cycle=%.15g", o ? " " : "",
                 hw.broadcast.bytes_per_cycle);
    return 0;
}

/* ---- output ------------------------------------------------------------------------------ */

static void budget_text(const budget *b, char *buf, size_t len)
{
    snprintf(buf, len, "%s=%.15g", BK_NAMES[b->kind], b->value);
}

static void csv_header(FILE *f)
{
    fputs("budget,budget_area_mm2,budget_power_mW,budget_lanes,rule,objective,scenario_chip,layers_per_tile,split,"
          "tiles_mac_lanes,tiles_sram_kib,tiles_sram_banks,tiles_registers_kib,dataflow,micro_batch_samples,"
          "error_store_placement,total_lanes,"
          "energy_per_sample_nJ,samples_per_second,cycles_per_sample,area_mm2,power_mW,stall_share_pct,stash_bytes,"
          "backward_link_bytes_per_sample,error_store_bytes_per_sample,w_passes_per_sample,dram_bytes_per_sample,"
          "f3_over_bp_ratio,points_within_budget,set_keys\n",
          f);
}

static void budget_csv_row(FILE *f, const budget *b, const char *rule, int ob, const detail *d, double ratio)
{
    char bt[128];
    budget_text(b, bt, sizeof bt);
    fprintf(f, "%s,", bt);
    for (int k = 0; k < BK_COUNT; k++) {
        if (k == b->kind) fprintf(f, "%.15g", b->value);
        fputc(',', f);
    }
    fprintf(f, "%s,%s,%d,", rule, OB_NAMES[ob], d->own);
    csv_write_quoted(f, d->mapping);
    fputc(',', f);
    csv_write_quoted(f, d->split);
    fputc(',', f);
    csv_write_quoted(f, d->lanes);
    fputc(',', f);
    csv_write_quoted(f, d->sram_kib);
    fputc(',', f);
    csv_write_quoted(f, d->banks);
    fputc(',', f);
    csv_write_quoted(f, d->regs_kib);
    fprintf(f, ",%s,%zu,%s,%.0f,%.9g,%.9g,%.9g,%.9g,%.9g,%.6f,%.0f,%.9g,%.9g,%.9g,%.9g,", d->dataflow, d->micro_batch,
            d->es_placement, d->lanes_total,
            d->energy_nj, d->sps, d->cycles_per_sample, d->area, d->power_mw, d->stall_pct, d->stash_bytes,
            d->bwd_bytes_ps, d->es_bytes_ps, d->w_passes_ps, d->dram_bytes_ps);
    if (isfinite(ratio)) fprintf(f, "%.9g", ratio);
    fprintf(f, ",%zu,", d->within);
    csv_write_quoted(f, d->set_keys);
    fputc('\n', f);
}

static void json_detail(json_writer *w, const detail *d)
{
    json_begin_object(w);
    json_kv_bool(w, "scenario_chip", d->own);
    json_kv_string(w, "layers_per_tile", d->mapping);
    json_kv_string(w, "split", d->split);
    json_kv_string(w, "tiles_mac_lanes", d->lanes);
    json_kv_string(w, "tiles_sram_kib", d->sram_kib);
    json_kv_string(w, "tiles_sram_banks", d->banks);
    json_kv_string(w, "tiles_registers_kib", d->regs_kib);
    json_kv_string(w, "lanes_from", d->lanes_from);
    json_kv_string(w, "sram_from", d->sram_from);
    json_kv_string(w, "dataflow", d->dataflow);
    json_kv_u64(w, "micro_batch_samples", d->micro_batch);
    json_kv_string(w, "error_store_placement", d->es_placement);
    json_kv_double(w, "total_lanes", d->lanes_total);
    json_kv_double(w, "energy_per_sample_nJ", d->energy_nj);
    json_kv_double(w, "samples_per_second", d->sps);
    json_kv_double(w, "cycles_per_sample", d->cycles_per_sample);
    json_kv_double(w, "area_mm2", d->area);
    json_kv_double(w, "power_mW", d->power_mw);
    json_kv_double(w, "stall_share_pct", d->stall_pct);
    json_kv_double(w, "stash_bytes", d->stash_bytes);
    json_kv_double(w, "backward_link_bytes_per_sample", d->bwd_bytes_ps);
    json_kv_double(w, "error_store_bytes_per_sample", d->es_bytes_ps);
    json_kv_double(w, "w_passes_per_sample", d->w_passes_ps);
    json_kv_double(w, "dram_bytes_per_sample", d->dram_bytes_ps);
    json_kv_u64(w, "points_within_budget", d->within);
    json_kv_string(w, "set_keys", d->set_keys);
    json_end_object(w);
}

/* ---- compare_budget.json ------------------------------------------------------------------ */

/* 1 when every contiguous mapping of the K layers was searched (not a sample) */
static int every_mapping(const compare_run *c)
{
    const size_t K = c->K;
    return c->S.n_kind[MK_CONTIGUOUS] == ((K - 1 < 63) ? ((uint64_t)1 << (K - 1)) : 0);
}

/* its "search": what was searched, and how long it took */
static void json_search(json_writer *w, const compare_run *c)
{
    const search *S = &c->S;
    json_key(w, "search");
    json_begin_object(w);
    json_kv_string(w, "mapping_kinds", S->kinds == 3 ? "all" : MK_NAMES[S->kinds == 1 ? MK_CONTIGUOUS : MK_SPLIT]);
    json_kv_u64(w, "mappings", (S->kinds & 1 ? S->n_kind[MK_CONTIGUOUS] : 0) + (S->kinds & 2 ? S->n_kind[MK_SPLIT] : 0));
    json_kv_u64(w, "contiguous_mappings", S->kinds & 1 ? S->n_kind[MK_CONTIGUOUS] : 0);
    json_kv_u64(w, "split_mappings", S->kinds & 2 ? S->n_kind[MK_SPLIT] : 0);
    json_kv_u64(w, "blocks", S->n_blocks);
    if (S->n_blocks) json_kv_string(w, "split_mappings_not_searched", BLOCKS_NOT_SPLIT);
    json_kv_bool(w, "every_mapping", every_mapping(c));
    json_key(w, "split_ways");
    json_begin_array(w);
    for (size_t i = 0; i < N_SPLIT_WAYS; i++) json_u64(w, SPLIT_WAYS[i]);
    json_end_array(w);
    json_kv_double(w, "macro_kib", S->macro_bytes / 1024.0);
    for (int d = 0; d < D_COUNT; d++) {
        json_key(w, DIMS[d].name);
        json_begin_array(w);
        for (size_t i = 0; i < DIMS[d].n; i++) json_double(w, DIMS[d].v[i]);
        json_end_array(w);
    }
    /* the rules whose work and needs size every rule's chips (lanes_from, sram_from) */
    json_key(w, "sized_by_rules");
    json_begin_array(w);
    for (size_t a = 0; a < c->nr; a++) json_string(w, c->rules[a].name);
    json_end_array(w);
    json_kv_u64(w, "points", c->evaluated);
    json_kv_double(w, "seconds", c->t_search);
    json_end_object(w);
}

/* its "rules": per rule the points searched and run, the least area,
 * power and lanes of any, and the scenario's own chip */
static void json_rules(json_writer *w, const compare_run *c)
{
    json_key(w, "rules");
    json_begin_array(w);
    for (size_t a = 0; a < c->nr; a++) {
        const rule_ctx *r = &c->rules[a];
        double mins[5] = {INFINITY, INFINITY, INFINITY, INFINITY, INFINITY};
        const point *own = NULL;
        for (size_t i = 0; i < r->n; i++) {
            const point *p = &r->pts[i];
            if (p->own) own = p;
            mins[0] = fmin(mins[0], p->area);
            if (p->weights_on_chip) mins[1] = fmin(mins[1], p->area);
            if (p->no_spill) mins[2] = fmin(mins[2], p->area);
            mins[3] = fmin(mins[3], p->power_mw);
            mins[4] = fmin(mins[4], p->lanes);
        }
        json_begin_object(w);
        json_kv_string(w, "rule", r->name);
        json_kv_u64(w, "points", r->tried);
        json_kv_u64(w, "points_run", r->n);
        json_kv_u64(w, "points_cannot_run", r->cannot);
        json_kv_string(w, "cannot_run_first", r->cannot_why);
        for (int k = 0; k < MK_COUNT; k++) {
            char key[64];
            snprintf(key, sizeof key, "points_%s", MK_NAMES[k]);
            json_kv_u64(w, key, r->tried_kind[k]);
            snprintf(key, sizeof key, "points_run_%s", MK_NAMES[k]);
            json_kv_u64(w, key, r->run_kind[k]);
        }
        json_kv_double(w, "min_area_mm2", mins[0]);
        json_kv_double(w, "min_area_weights_on_chip_mm2", mins[1]);
        json_kv_double(w, "min_area_no_spill_mm2", mins[2]);
        json_kv_double(w, "min_power_mW", mins[3]);
        json_kv_double(w, "min_lanes", mins[4]);
        json_key(w, "scenario_chip");
        if (own) {
            json_begin_object(w);
            json_kv_double(w, "energy_per_sample_nJ", own->energy_nj);
            json_kv_double(w, "samples_per_second", own->sps);
            json_kv_double(w, "area_mm2", own->area);
            json_kv_double(w, "power_mW", own->power_mw);
            json_kv_double(w, "lanes", own->lanes);
            json_end_object(w);
        } else {
            json_null(w);
        }
        json_end_object(w);
    }
    json_end_array(w);
}

/* its "budgets": per budget each rule's best points and F3/BP */
static void json_budgets(json_writer *w, const compare_run *c)
{
    const size_t nr = c->nr;
    json_key(w, "budgets");
    json_begin_array(w);
    for (size_t b = 0; b < c->nb; b++) {
        char bt[128];
        budget_text(&c->budgets[b], bt, sizeof bt);
        json_begin_object(w);
        json_kv_string(w, "budget", bt);
        json_kv_string(w, "kind", BK_NAMES[c->budgets[b].kind]);
        json_kv_double(w, "value", c->budgets[b].value);
        json_kv_string(w, "unit", BK_UNITS[c->budgets[b].kind]);
        json_key(w, "best");
        json_begin_object(w);
        for (size_t a = 0; a < nr; a++) {
            json_key(w, c->rules[a].name);
            json_begin_object(w);
            for (int ob = 0; ob < OB_COUNT; ob++) {
                json_key(w, OB_NAMES[ob]);
                json_detail(w, &c->dets[(b * nr + a) * OB_COUNT + ob]);
            }
            json_end_object(w);
        }
        json_end_object(w);
        json_key(w, "f3_over_bp");
        json_begin_object(w);
        for (int ob = 0; ob < OB_COUNT; ob++) json_kv_double(w, OB_NAMES[ob], c->ratio[b * OB_COUNT + ob]);
        json_end_object(w);
        json_end_object(w);
    }
    json_end_array(w);
}

/* ---- the files and the table ------------------------------------------------------------------ */

int compare_write_files(compare_run *c)
{
    const size_t nr = c->nr;
    snprintf(c->base, sizeof c->base, "%s/%s", scenario_str(c->sc, "outputs.folder"), c->sc->name);
    atomic_file csv, js;
    if (make_dirs(c->base) || atomic_open(&csv, c->base, "compare_budget.csv")) {
        fprintf(stderr, "f3sim compare: %s\n", f3_last_error());
        return EXIT_RUNTIME;
    }
    if (atomic_open(&js, c->base, "compare_budget.json")) {
        fprintf(stderr, "f3sim compare: %s\n", f3_last_error());
        atomic_abort(&csv);
        return EXIT_RUNTIME;
    }
    csv_header(csv.f);
    for (size_t b = 0; b < c->nb; b++)
        for (size_t a = 0; a < nr; a++)
            for (int ob = 0; ob < OB_COUNT; ob++)
                budget_csv_row(csv.f, &c->budgets[b], c->rules[a].name, ob, &c->dets[(b * nr + a) * OB_COUNT + ob],
                               c->ratio[b * OB_COUNT + ob]);
    json_writer w;
    json_init(&w, js.f);
    json_begin_object(&w);
    json_kv_string(&w, "scenario", c->file);
    json_kv_string(&w, "name", c->sc->name);
    json_kv_string(&w, "engine", "analytic");
    json_kv_string(&w, "note", "no training: time, traffic and energy do not depend on the values trained; every point "
                               "is evaluated by the analytic chip evaluator, which equals the SystemC model");
    json_kv_u64(&w, "train_samples", c->train->n);
    json_kv_u64(&w, "epochs", c->rules[0].w.epochs);
    json_search(&w, c);
    json_rules(&w, c);
    json_budgets(&w, c);
    json_end_object(&w);
    fputc('\n', js.f);
    if (atomic_commit(&csv)) {
        fprintf(stderr, "f3sim compare: %s\n", f3_last_error());
        atomic_abort(&js);
        return EXIT_RUNTIME;
    }
    if (atomic_commit(&js)) {
        fprintf(stderr, "f3sim compare: %s\n", f3_last_error());
        return EXIT_RUNTIME;
    }
    return 0;
}

/* The table's head: what was searched. */
static void print_searched(const compare_run *c)
{
    const search *S = &c->S;
    const size_t nr = c->nr;
    char maps[160];
    const size_t nc = S->kinds & 1 ? S->n_kind[MK_CONTIGUOUS] : 0, ns = S->kinds & 2 ? S->n_kind[MK_SPLIT] : 0;
    snprintf(maps, sizeof maps, "%zu mappings: %zu contiguous%s, %zu split", nc + ns, nc,
             !nc || every_mapping(c) ? "" : " (sampled)", ns);
    printf("searched %zu points (%zu rules × %s × dataflows × each tile's lanes (%zu totals) and SRAM (%zu "
           "fractions) by the work and need of each of the %zu rules, the same chips for every rule, × %zu "
           "register sizes, "
           "weight_stationary also in micro-batches of 1, 5 and 10, and the scenario's chip) in %.2f s; %zu "
           "training samples × %zu epochs\n",
           c->evaluated, nr, maps, DIMS[D_LANES].n, DIMS[D_SRAM].n, nr, DIMS[D_REGS].n, c->t_search, c->train->n,
           c->rules[0].w.epochs);
    if (S->n_blocks)
        printf("a network of %zu blocks (network.type %s): contiguous mappings only (consecutive blocks per tile); "
               "%s\n",
               S->n_blocks, scenario_str(c->sc, "network.type"), BLOCKS_NOT_SPLIT);
    for (size_t a = 0; a < nr; a++) {
        const rule_ctx *r = &c->rules[a];
        printf("  %s: %zu points on contiguous mappings, %zu on split ones", r->name, r->tried_kind[MK_CONTIGUOUS],
               r->tried_kind[MK_SPLIT]);
        if (r->cannot) printf("; %zu of them cannot run (the first: %s)", r->cannot, r->cannot_why);
        putchar('\n');
    }
}

void compare_print(const compare_run *c)
{
    const size_t nr = c->nr;
    printf("%s: each rule on its own best chip within the budget; analytic evaluator, nothing trained (time, traffic "
           "and energy do not depend on the values)\n",
           c->sc->name);
    print_searched(c);
    for (size_t b = 0; b < c->nb; b++) {
        char bt[128];
        budget_text(&c->budgets[b], bt, sizeof bt);
        printf("\nbudget %s %s\n", bt, BK_UNITS[c->budgets[b].kind]);
        printf("  %-8s %-18s %-16s %-14s %-18s %-17s %11s %11s %8s %9s %7s %10s %10s %8s %8s\n", "rule", "best for",
               "mapping", "lanes", "SRAM KiB", "dataflow", "nJ/sample", "samples/s", "mm²", "mW", "stall%", "stash B",
               "bwd B/smp", "ES B/smp", "W passes");
        for (int ob = 0; ob < OB_COUNT; ob++)
            for (size_t a = 0; a < nr; a++) {
                const detail *d = &c->dets[(b * nr + a) * OB_COUNT + ob];
                char df[40], map[1100];
                /* a split chip: the tiles of each layer */
                if (d->split[0]) snprintf(map, sizeof map, "split %s", d->split);
                else snprintf(map, sizeof map, "%s", d->mapping);
                if (d->micro_batch) snprintf(df, sizeof df, "%s/%zu", d->dataflow, d->micro_batch);
                else snprintf(df, sizeof df, "%s", d->dataflow);
                printf("  %-8s %-18s %-16s %-14s %-18s %-17s %11.4g %11.5g %8.3g %9.4g %7.2f %10.4g %10.4g %8.4g %8.3f%s\n",
                       c->rules[a].name, OB_NAMES[ob], map, d->lanes, d->sram_kib, df, d->energy_nj, d->sps,
                       d->area, d->power_mw, d->stall_pct, d->stash_bytes, d->bwd_bytes_ps, d->es_bytes_ps,
                       d->w_passes_ps, d->own ? "  (the scenario's chip)" : !strcmp(d->es_placement, "dram") ? "  (error store in DRAM)" : "");
            }
        if (c->i_f3 >= 0 && c->i_bp >= 0)
            printf("  F3/BP: energy per sample %.3f× (F3's over BP's; < 1: F3 cheaper), samples per second %.3f× (> 1: "
                   "F3 faster)\n",
                   c->ratio[b * OB_COUNT + OB_ENERGY], c->ratio[b * OB_COUNT + OB_SPS]);
    }
    printf("\ncompare_budget.csv: %s/compare_budget.csv\n", c->base);
}
