/* scenario_point.c — one point of f3sim run (scenario_cmd.h): its rules
 * trained (with their chips) into its folder, its table on stdout and its
 * compare.csv; a point over several seeds; what --resume skips. */
#define _XOPEN_SOURCE 700
#include "scenario_cmd.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analytic.h"
#include "chip_run.h"
#include "cli_util.h"
#include "cmd_compare.h"
#include "csv_text.h"
#include "numerics_cache.h"
#include "overflow_warn.h"
#include "results.h"
#include "scenario.h"
#include "seeds.h"

/* ---- running ---------------------------------------------------------------- */

/* compare.csv: per learning rule, training figures, then the chip's
 * per-sample figures (chip_per_sample_*: per training sample), then its run
 * totals (chip_total_*: all epochs) and sizes. */
static const char *const COMPARE_HEADER =
    "point,sweep,algorithm,best_test_accuracy_percent,final_test_accuracy_percent,best_test_loss,"
    "final_test_loss,fma,elementwise_ops,peak_activation_buffer_elements,peak_error_store_elements,"
    "train_seconds,samples_per_second,weights_sha256,chip_dataflow,"
    "chip_per_sample_cycles,chip_samples_per_second,chip_per_sample_energy_nj,"
    "chip_per_sample_energy_compute_nj,chip_per_sample_energy_registers_nj,chip_per_sample_energy_sram_nj,"
    "chip_per_sample_energy_rom_nj,chip_per_sample_energy_dram_nj,chip_per_sample_energy_links_nj,"
    "chip_per_sample_energy_error_store_nj,chip_per_sample_energy_leakage_nj,"
    "chip_per_sample_sram_bytes,chip_per_sample_dram_bytes,chip_per_sample_rom_bytes,chip_per_sample_link_bytes,"
    "chip_per_sample_error_store_bytes,chip_total_cycles,chip_total_energy_pj,chip_stall_fraction,"
    "chip_area_mm2,chip_peak_sram_bytes_per_tile,chip_dram_resident_bytes\n";

/* The chip's figures of one rule: per sample and run totals. */
typedef struct {
    double n, energy, sram, dram, rom, links, es, peak, resident;
} chip_view;

static chip_view chip_view_of(const chip_result *h)
{
    chip_view v = {0};
    v.n = h->samples ? (double)h->samples : 1.0;
    for (int i = 0; i < CHIP_E_COUNT; i++) v.energy += h->energy_pj[i];
    v.sram = (double)(h->sram_read + h->sram_written);
    v.dram = (double)(h->dram_read + h->dram_written);
    v.rom = (double)h->rom_read;
    v.links = (double)(h->link_bytes[0] + h->link_bytes[1] + h->link_bytes[2]);
    v.es = (double)(h->es_read + h->es_written);
    for (size_t i = 0; i < h->n_tiles; i++) {
        if (h->tile[i].sram_needed > v.peak) v.peak = h->tile[i].sram_needed;
        v.resident += h->tile[i].dram_resident;
    }
    return v;
}

static void csv_num(FILE *f, double v, const char *fmt)
{
    if (isfinite(v)) fprintf(f, fmt, v);
}

/* Remove from dir what an earlier run wrote there: its result files and
 * every rule folder (this run writes the rules it runs again; a rule it
 * does not run must not stand beside them). */
int sc_clear_point(const char *dir)
{
    if (clear_outputs(dir)) return -1;
    DIR *d = opendir(dir);
    if (!d) return 0;
    struct dirent *e;
    int rc = 0;
    while ((e = readdir(d))) {
        if (!is_rule_folder(e->d_name) && !is_seed_folder(e->d_name)) continue;
        char path[4400];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (remove_run_folder(path)) rc = -1;
    }
    closedir(d);
    return rc;
}

/* text without its comment lines (those that begin with '#'), in place */
static void strip_comments(char *text)
{
    char *w = text;
    for (const char *r = text; *r;) {
        const char *nl = strchr(r, '\n');
        size_t n = nl ? (size_t)(nl - r) + 1 : strlen(r);
        if (*r != '#') {
            memmove(w, r, n);
            w += n;
        }
        r += n;
    }
    *w = '\0';
}

/* 1 if dir/scenario.resolved.yaml holds the point p (comments aside). */
static int same_resolved_scenario(const char *dir, const scenario *p)
{
    char path[4200], *now = NULL;
    size_t len = 0;
    snprintf(path, sizeof path, "%s/scenario.resolved.yaml", dir);
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    char *old = NULL;
    size_t cap = 0, n = 0;
    for (;;) {
        if (n + 4096 + 1 > cap) {
            char *nb = realloc(old, cap = 2 * cap + 8192);
            if (!nb) break;
            old = nb;
        }
        size_t k = fread(old + n, 1, 4096, f);
        n += k;
        if (!k) break;
    }
    fclose(f);
    FILE *m = open_memstream(&now, &len);
    int same = 0;
    if (old && m) {
        old[n] = '\0';
        scenario_show(p, m);
        fclose(m);
        strip_comments(old);
        strip_comments(now);
        same = !strcmp(old, now);
    } else if (m) {
        fclose(m);
    }
    free(old);
    free(now);
    return same;
}

/* With --resume: 0 if dir holds p's finished run (skip it), EXIT_USAGE if
 * it holds another configuration's, -1 if it is to be run. */
static int resume_skip(const scenario *p, const char *dir, const run_ctx *ctx)
{
    if (!ctx->a->resume || !run_status_is_done(dir)) return -1;
    if (!same_resolved_scenario(dir, p)) {
        fprintf(stderr,
                "f3sim run: %s/ is done, but with another configuration (its scenario.resolved.yaml differs); "
                "resume with the same scenario and --set options, or run afresh without --resume\n",
                dir);
        return EXIT_USAGE;
    }
    if (!ctx->quiet) fprintf(stderr, "f3sim run: %s/ is done; skipped (--resume)\n", dir);
    return 0;
}

/* What run_point keeps of one point: its rules, whether it has a chip (and
 * whether each rule's is chosen by hardware.mapping.auto), the scenario's
 * chip, and per rule the training's and the chip's results. */
typedef struct {
    char algs[SC_MAX_LIST][32];
    size_t na;
    int chip, auto_chip;
    chip_config hw;
    train_result *res;
    chip_result *hres;
    chip_inference *inf;
} point_run;

/* "ALG: MESSAGE" into f3_last_error(). */
static void prefix_error(const char *alg, const char *what)
{
    char msg[1100];
    snprintf(msg, sizeof msg, "%s: %s%s", alg, what, f3_last_error());
    F3_FAIL(F3_EINVAL, "%s", msg);
}

/* Rule k of point p: its training (and its chip, on the analytic engine
 * from the numerics cache, or trained beside it) into dir/<rule>/, then its
 * inference baseline.  0, or the exit status with f3_last_error(). */
static int run_rule(const scenario *p, const char *label, const char *dir, const run_ctx *ctx, const char *kind,
                    point_run *pr, size_t k)
{
    const char *alg = pr->algs[k];
    const int quiet = ctx->quiet, chip = pr->chip;
    int sig = cli_stop_signal();
    if (sig) {
        F3_FAIL(F3_EINVAL, "stopped by %s before %s", cli_signal_name(sig), alg);
        return EXIT_SIGNAL(sig);
    }
    train_options o;
    sc_to_options(p, alg, &o);
    o.progress = !quiet;
    o.resume = ctx->a->resume;
    if (ctx->a->init_from && set_init_from(&o, ctx->a->init_from)) return EXIT_USAGE;
    snprintf(o.point_label, sizeof o.point_label, "%s", label);
    snprintf(o.out, sizeof o.out, "%s/%s", dir, alg);
    snprintf(o.rule, sizeof o.rule, "%s", alg);
    snprintf(o.command_line, sizeof o.command_line, "%s", ctx->a->command_line);
    o.sc = p;
    o.sets = ctx->a->sets;
    o.n_sets = ctx->a->n_sets;
    if (!quiet) fprintf(stderr, "f3sim run: %s%s%s → %s/\n", alg, label[0] ? " at " : "", label, o.out);
    /* a sweep trains once per numerics point (the cache) and evaluates
     * its hardware analytically, unless --engine systemc; so does a
     * network of blocks (SystemC, which trains its blocks with the
     * block trainer's per-block calls, under --engine systemc) */
    const int analytic = ctx->a->engine == 1 || (ctx->a->engine == 0 && (!strcmp(kind, "point") || o.is_blocks));
    int reused = 0, rc;
    /* hardware.mapping.auto: this rule's own chip, chosen within the budget */
    static chip_config hwk;
    if (chip) hwk = pr->hw;
    if (chip && o.is_blocks) { /* its blocks, held by o for the rule's run */
        hwk.blocks = o.blocks;
        hwk.n_blocks = o.n_blocks;
    }
    if (chip && pr->auto_chip) {
        char desc[2048];
        rc = compare_auto_chip(p, alg, &hwk, desc, sizeof desc);
        if (rc) return prefix_error(alg, ""), rc;
        if (!quiet) fprintf(stderr, "f3sim run: %s: %s\n", alg, desc);
    }
    if (chip && analytic)
        rc = numerics_train_or_reuse(p, alg, &o, &hwk, ctx->a->force, &reused, &pr->res[k], &pr->hres[k]);
    else
        rc = chip ? chip_train(&o, &hwk, &pr->res[k], &pr->hres[k]) : train_run(&o, "run", &pr->res[k]);
    if (!rc && reused && !quiet)
        fprintf(stderr, "f3sim run: %s: same numerics as a trained point; its training reused, chip figures analytic\n",
                alg);
    if (rc) return prefix_error(alg, ""), rc;
    /* the inference-only baseline on this rule's chip (run.json has it too) */
    if (chip && chip_inference_run(&hwk, &pr->res[k].cfg, &pr->hres[k], &pr->inf[k]) != F3_OK)
        return prefix_error(alg, "inference baseline: "), EXIT_RUNTIME;
    return 0;
}

/* The chip's tables of a point: per training sample, run totals and
 * sizes, and inference on the same chip. */
/* x in engineering notation, 4 significant digits and an exponent that
 * is a multiple of 3 (2.329e9); below 10⁴ as an integer. */
static void eng_text(char *buf, size_t len, double x)
{
    if (!(fabs(x) >= 1e4)) {
        snprintf(buf, len, "%.0f", x);
        return;
    }
    int e3 = 3 * (int)floor(log10(fabs(x)) / 3.0);
    double m = x / pow(10.0, e3);
    if (fabs(m) >= 999.95) m /= 1000.0, e3 += 3; /* 999.96e6 rounds to 1000.0e6: 1.000e9 */
    snprintf(buf, len, "%.*fe%d", fabs(m) >= 100 ? 1 : fabs(m) >= 10 ? 2 : 3, m, e3);
}

static void print_chip_tables(const point_run *pr)
{
    const chip_config *hw = &pr->hw;
    const chip_result *hres = pr->hres;
    if (pr->auto_chip) {
        printf("\non the chip (each rule's own, chosen by hardware.mapping.auto: its run.json's hardware.mapping), "
               "per training sample:\n");
    } else if (hw->n_tiles) {
        /* a mapping: each tile's layers and lanes (from the first rule's run) */
        char lanes[512] = "", layers[512] = "";
        size_t nl = 0, ny = 0;
        for (size_t t = 0; t < hres[0].n_tiles && nl < sizeof lanes && ny < sizeof layers; t++) {
            const chip_tile_stats *ts = &hres[0].tile[t];
            nl += (size_t)snprintf(lanes + nl, sizeof lanes - nl, "%s%u", t ? ", " : "", ts->mac_lanes);
            ny += (size_t)snprintf(layers + ny, sizeof layers - ny, "%s%zu", t ? ", " : "",
                                   ts->last_layer - ts->first_layer + 1);
        }
        printf("\non the chip (%s, %.0f MHz, %zu tiles: layers per tile [%s], MAC lanes per tile [%s]), per "
               "training sample:\n",
               chip_dataflow_name(hw->dataflow), hw->clock_mhz, hres[0].n_tiles, layers, lanes);
    } else {
        printf("\non the chip (%s, %.0f MHz, %u MAC lanes per tile), per training sample:\n",
               chip_dataflow_name(hw->dataflow), hw->clock_mhz, hw->mac_lanes);
    }
    /* two groups over their columns: energy by item, traffic by level */
    printf("%-9s %10s %12s %s %s\n", "", "", "", "-------------------- energy [nJ/sample] --------------------",
           "-traffic [KB/sample]-");
    printf("%-9s %10s %12s %10s %9s %9s %9s %9s %9s %10s %10s\n", "algorithm", "cycles", "throughput", "total",
           "compute", "SRAM", "DRAM", "leakage", "other*", "SRAM", "DRAM");
    printf("%-9s %10s %12s\n", "", "[/sample]", "[samples/s]");
    for (size_t k = 0; k < pr->na; k++) {
        const chip_result *h = &hres[k];
        chip_view v = chip_view_of(h);
        const double *e = h->energy_pj;
        double other = v.energy - e[CHIP_E_COMPUTE] - e[CHIP_E_SRAM] - e[CHIP_E_DRAM] - e[CHIP_E_LEAKAGE];
        printf("%-9s %10.0f %12.0f %10.2f %9.2f %9.2f %9.2f %9.2f %9.2f %10.1f %10.1f\n", pr->algs[k],
               h->cycles_per_sample, h->samples_per_second, v.energy / v.n / 1e3, e[CHIP_E_COMPUTE] / v.n / 1e3,
               e[CHIP_E_SRAM] / v.n / 1e3, e[CHIP_E_DRAM] / v.n / 1e3, e[CHIP_E_LEAKAGE] / v.n / 1e3,
               other / v.n / 1e3, v.sram / v.n / 1e3, v.dram / v.n / 1e3);
    }
    printf("* other: registers + ROM + links + error store (compare.csv and tiles.csv give each)\n");
    printf("run totals and sizes:\n%-9s %14s %12s %8s %10s %12s %12s\n", "algorithm", "cycles", "energy", "stall",
           "area", "peak SRAM", "in DRAM");
    printf("%-9s %14s %12s %8s %10s %12s %12s\n", "", "[cycles]", "[mJ]", "[%]", "[mm2]", "[KiB/tile]", "[KiB]");
    for (size_t k = 0; k < pr->na; k++) {
        const chip_result *h = &hres[k];
        chip_view v = chip_view_of(h);
        char cyc[32];
        eng_text(cyc, sizeof cyc, (double)h->cycles);
        printf("%-9s %14s %12.3f %8.2f %10.2f %12.1f %12.1f\n", pr->algs[k], cyc, v.energy / 1e9,
               100.0 * h->stall_fraction, h->area_mm2, v.peak / 1024.0, v.resident / 1024.0);
    }
    /* what on-chip-learning chips report: inference alone on the same
     * chip, and what learning adds to it */
    printf("inference on the same chip (forward passes only, without what learning adds; analytic), and what "
           "learning adds:\n%-9s %10s %12s %9s %9s %12s %10s %9s\n",
           "algorithm", "energy", "throughput", "power", "area", "+energy", "+power", "+area");
    printf("%-9s %10s %12s %9s %9s %12s %10s %9s\n", "", "[nJ/sample]", "[samples/s]", "[mW]", "[mm2]",
           "[%/sample]", "[%]", "[%]");
    for (size_t k = 0; k < pr->na; k++) {
        const chip_result *q = &pr->inf[k].res, *h = &hres[k];
        printf("%-9s %10.2f %12.0f %9.2f %9.2f %12.1f %10.1f %9.1f\n", pr->algs[k], q->energy_per_sample_pj / 1e3,
               q->samples_per_second, pr->inf[k].power_mw, q->area_mm2,
               100.0 * (h->energy_per_sample_pj / q->energy_per_sample_pj - 1),
               100.0 * (pr->inf[k].train_power_mw / pr->inf[k].power_mw - 1), 100.0 * (h->area_mm2 / q->area_mm2 - 1));
    }
}

/* A point's rules side by side on stdout; the memory a rule keeps for
 * training: bp and dfa the activations of a batch (eq. 27), f3 its error
 * store (eq. 29). */
static void print_point(const scenario *p, const char *label, const point_run *pr)
{
    printf("\n%s%s%s\n", p->name, label[0] ? ": " : "", label);
    printf("%-9s %10s %10s %10s %10s %9s %12s %12s %12s\n", "algorithm", "best acc", "final acc", "best loss",
           "FMA", "train", "throughput", "act. buffer", "error store");
    printf("%-9s %10s %10s %10s %10s %9s %12s %12s %12s\n", "", "[%]", "[%]", "", "[GFMA]", "[s]", "[samples/s]",
           "[elements]", "[elements]");
    for (size_t k = 0; k < pr->na; k++) {
        const train_result *r = &pr->res[k];
        printf("%-9s %10.2f %10.2f %10.4f %10.2f %9.2f %12.0f %12llu %12llu\n", pr->algs[k], r->best_test_accuracy,
               r->final_test_accuracy, r->best_test_loss, (double)r->fma / 1e9, r->train_seconds,
               r->samples_per_second, (unsigned long long)r->peak_act, (unsigned long long)r->peak_err);
    }
    overflow_print_datapaths(p, pr->algs, pr->na); /* run.json: datapath */
    if (pr->chip) print_chip_tables(pr);
    fflush(stdout);
}

/* dir/compare.csv of a point (index, label): one row per rule. */
static int write_point_csv(const char *dir, size_t index, const char *label, const point_run *pr)
{
    atomic_file af;
    if (atomic_open(&af, dir, "compare.csv")) return -1;
    fputs(COMPARE_HEADER, af.f);
    for (size_t k = 0; k < pr->na; k++) {
        const train_result *r = &pr->res[k];
        fprintf(af.f, "%zu,", index);
        csv_write_quoted(af.f, label); /* RFC 4180: a quote inside doubled */
        fprintf(af.f, ",%s,", pr->algs[k]);
        csv_num(af.f, r->best_test_accuracy, "%.4f");
        fputc(',', af.f);
        csv_num(af.f, r->final_test_accuracy, "%.4f");
        fprintf(af.f, ",%.6f,%.6f,%llu,%llu,%llu,%llu,%.3f,%.1f,%s", r->best_test_loss, r->final_test_loss,
                (unsigned long long)r->fma, (unsigned long long)r->elementwise_ops, (unsigned long long)r->peak_act,
                (unsigned long long)r->peak_err, r->train_seconds, r->samples_per_second, r->weights_sha256);
        if (pr->chip) {
            const chip_result *h = &pr->hres[k];
            chip_view v = chip_view_of(h);
            fprintf(af.f, ",%s,%.3f,%.1f,%.4f", chip_dataflow_name(pr->hw.dataflow), h->cycles_per_sample,
                    h->samples_per_second, v.energy / v.n / 1e3);
            for (int i = 0; i < CHIP_E_COUNT; i++) fprintf(af.f, ",%.4f", h->energy_pj[i] / v.n / 1e3);
            fprintf(af.f, ",%.1f,%.1f,%.1f,%.1f,%.1f,%llu,%.0f,%.5f,%.4f,%.0f,%.0f\n", v.sram / v.n, v.dram / v.n,
                    v.rom / v.n, v.links / v.n, v.es / v.n, (unsigned long long)h->cycles, v.energy, h->stall_fraction,
                    h->area_mm2, v.peak, v.resident);
        } else {
            /* the chip's columns, blank: as many as the header names */
            for (const char *c = strstr(COMPARE_HEADER, ",chip_dataflow"); *c; c++)
                if (*c == ',') fputc(',', af.f);
            fputc('\n', af.f);
        }
    }
    return atomic_commit(&af);
}

/* Run every algorithm of one (resolved, sweep-free) scenario point into
 * dir; write dir/compare.csv and print the table.  0 on success, else the
 * exit status (2 the configuration cannot run, 128 + N stopped by signal
 * N, 1 otherwise). */
int scenario_run_point(const scenario *p, size_t index, const char *label, const char *dir, const run_ctx *ctx,
                       const char *kind)
{
    static point_run pr;
    memset(&pr, 0, sizeof pr);
    pr.na = scenario_algorithms(p, pr.algs, SC_MAX_LIST);
    pr.chip = scenario_present(p, "hardware");
    if (pr.chip) chip_config_from_scenario(p, &pr.hw);
    pr.auto_chip = pr.chip && strcmp(scenario_str(p, "hardware.mapping.auto"), "none");
    dir_lock lock = {-1};
    struct stat dst;
    const int existed = stat(dir, &dst) == 0;
    int skip = resume_skip(p, dir, ctx);
    if (skip >= 0) return skip;
    if (make_dirs(dir)) {
        fprintf(stderr, "f3sim run: %s\n", f3_last_error());
        return EXIT_RUNTIME;
    }
    if (ctx->lock_point && dir_lock_take(&lock, dir, 1)) {
        fprintf(stderr, "f3sim run: %s\n", f3_last_error());
        return EXIT_RUNTIME;
    }
    run_status rs;
    int rc = 0;
    if ((!ctx->a->resume && sc_clear_point(dir)) || run_status_start(&rs, dir, kind, ctx->a->command_line) ||
        write_resolved_scenario(dir, p, ctx->a->sets, ctx->a->n_sets, label[0] ? label : NULL)) {
        fprintf(stderr, "f3sim run: %s\n", f3_last_error());
        dir_lock_release(&lock);
        return EXIT_RUNTIME;
    }
    pr.res = calloc(pr.na, sizeof *pr.res);
    pr.hres = calloc(pr.na, sizeof *pr.hres);
    pr.inf = pr.chip ? calloc(pr.na, sizeof *pr.inf) : NULL;
    if (!pr.res || !pr.hres || (pr.chip && !pr.inf)) {
        F3_FAIL(F3_ENOMEM, "out of memory");
        rc = EXIT_RUNTIME;
    }
    for (size_t k = 0; k < pr.na && !rc; k++) rc = run_rule(p, label, dir, ctx, kind, &pr, k);
    if (!rc) {
        print_point(p, label, &pr);
        if (write_point_csv(dir, index, label, &pr) || run_status_done(&rs)) rc = EXIT_RUNTIME;
    }
    if (rc) {
        char msg[1200];
        snprintf(msg, sizeof msg, "%s", f3_last_error());
        if (EXIT_IS_SIGNAL(rc)) run_status_interrupted(&rs, rc - 128);
        else run_status_failed(&rs, msg);
        fprintf(stderr, "f3sim run: %s\n", msg);
    }
    free(pr.res);
    free(pr.inf);
    free(pr.hres);
    dir_lock_release(&lock);
    /* a configuration that cannot run (found once the data set was read)
     * writes nothing, as an invalid scenario does */
    if (rc == EXIT_USAGE && !existed) remove_run_folder(dir);
    return rc;
}

/* training.seeds: run the point p once per seed into dir/seed-<s>/ (each
 * a run_point of its own, with training.seed set and training.seeds
 * cleared), then write dir/compare.csv with the mean and σ over the seeds.
 * The exit status, as run_point's. */
int scenario_run_seeded(const scenario *p, size_t index, const char *label, const char *dir, const run_ctx *ctx,
                      const char *kind)
{
    const sc_value *sv = scenario_get(p, "training.seeds");
    struct stat dst;
    const int existed = stat(dir, &dst) == 0;
    int rc = resume_skip(p, dir, ctx);
    if (rc >= 0) return rc;
    rc = 0;
    if (make_dirs(dir)) {
        fprintf(stderr, "f3sim run: %s\n", f3_last_error());
        return EXIT_RUNTIME;
    }
    dir_lock lock = {-1};
    if (ctx->lock_point && dir_lock_take(&lock, dir, 1)) {
        fprintf(stderr, "f3sim run: %s\n", f3_last_error());
        return EXIT_RUNTIME;
    }
    run_status rs;
    if ((!ctx->a->resume && sc_clear_point(dir)) || run_status_start(&rs, dir, kind, ctx->a->command_line) ||
        write_resolved_scenario(dir, p, ctx->a->sets, ctx->a->n_sets, label[0] ? label : NULL)) {
        fprintf(stderr, "f3sim run: %s\n", f3_last_error());
        dir_lock_release(&lock);
        return EXIT_RUNTIME;
    }
    run_ctx child = *ctx;
    child.lock_point = 1; /* a seed's folder is not the locked base */
    char msg[2048] = "";
    for (size_t s = 0; s < sv->n && !rc; s++) {
        char assign[2][64], sdir[1500], slabel[2200];
        snprintf(assign[0], sizeof assign[0], "training.seed=%.0f", sv->list[s]);
        snprintf(assign[1], sizeof assign[1], "training.seeds=[]");
        snprintf(slabel, sizeof slabel, "%s%straining.seed=%.0f", label, label[0] ? " " : "", sv->list[s]);
        seed_dir(dir, sv->list[s], sdir, sizeof sdir);
        scenario *ps = NULL;
        const char *const as[2] = {assign[0], assign[1]};
        if (scenario_copy(p, &ps) != F3_OK || scenario_set_all(ps, as, 2) != F3_OK) {
            snprintf(msg, sizeof msg, "%s", f3_last_error());
            rc = EXIT_RUNTIME;
        } else {
            rc = scenario_run_point(ps, index, slabel, sdir, &child, "seed");
            if (rc) snprintf(msg, sizeof msg, "seed %.0f failed: see %s/status.json", sv->list[s], sdir);
        }
        scenario_free(ps);
    }
    if (!rc && seeds_aggregate(dir, sv->list, sv->n, index, label, p->name, stdout)) {
        snprintf(msg, sizeof msg, "%s", f3_last_error());
        fprintf(stderr, "f3sim run: %s\n", msg);
        rc = EXIT_RUNTIME;
    }
    fflush(stdout);
    if (!rc) rc = run_status_done(&rs) ? EXIT_RUNTIME : 0;
    else if (EXIT_IS_SIGNAL(rc)) run_status_interrupted(&rs, rc - 128);
    else run_status_failed(&rs, msg);
    dir_lock_release(&lock);
    if (rc == EXIT_USAGE && !existed) remove_run_folder(dir);
    return rc;
}

